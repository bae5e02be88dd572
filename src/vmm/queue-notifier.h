/* queue-notifier.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "event-loop.h"
#include "kvm/kvm-vm.h"
#include "virtio/virtio-pci.h"

/* Binds each queue of a virtio-pci device that its driver uses (it has
 * notified it once, through an exit) to a KVM ioeventfd: later notifications
 * cost the vCPU no exit to us, and the kick runs on the main loop. The
 * addresses follow the device's BAR wherever the guest moves it, and
 * queue_notifier_attach() registers them again on a rebuilt VM. */
typedef struct QueueNotifier QueueNotifier;

QueueNotifier *queue_notifier_new    (KvmVm         *kvm,
                                      EventLoop     *loop,
                                      VirtioPci     *vp);
void           queue_notifier_attach (QueueNotifier *notifier);
void           queue_notifier_forget (QueueNotifier *notifier);
void           queue_notifier_free   (QueueNotifier *notifier);
