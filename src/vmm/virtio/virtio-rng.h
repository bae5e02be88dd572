/* virtio-rng.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "memory/guest-memory.h"
#include "virtio/virtio-device.h"

/* virtio entropy device (virtio 1.2, section 5.4): one request queue; the
 * driver posts device-writable buffers and gets them back filled from the
 * host's getrandom(). No configuration space, no device features. */

#define VIRTIO_RNG_QUEUE_SIZE   64
/* The most bytes one request gets; the driver sees the used length and asks
 * again. Bounds the time one notification keeps a vCPU busy. */
#define VIRTIO_RNG_MAX_REQUEST  65536

typedef struct VirtioRng VirtioRng;

/* mem must outlive the device. Returns NULL when out of memory. */
VirtioRng    *virtio_rng_new        (const GuestMemory *mem);
/* After its transport is freed. */
void          virtio_rng_free       (VirtioRng         *rng);
VirtioDevice *virtio_rng_get_device (VirtioRng         *rng);
