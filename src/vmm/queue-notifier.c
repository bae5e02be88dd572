/* queue-notifier.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "queue-notifier.h"

#define QUEUE_NOTIFIER_MAX_QUEUES 64
#define QUEUE_NOTIFY_LEN          2     /* the 16-bit queue index a driver writes */

typedef struct
{
  QueueNotifier  *notifier;
  unsigned        queue;
  int             fd;
  EventLoopWatch *watch;
  uint64_t        address;
  bool            wanted;       /* the driver uses the queue */
  bool            registered;
} QueueNotifierQueue;

struct QueueNotifier
{
  KvmVm              *kvm;
  EventLoop          *loop;
  VirtioPci          *vp;
  pthread_mutex_t     lock;      /* BAR moves come from vCPU threads */
  unsigned            n_queues;
  QueueNotifierQueue  queues[QUEUE_NOTIFIER_MAX_QUEUES];
};

static void
queue_notifier_on_kick (void     *opaque,
                        uint32_t  events)
{
  QueueNotifierQueue *q = opaque;
  uint64_t count;

  if (read (q->fd, &count, sizeof count) == sizeof count)
    virtio_pci_kick (q->notifier->vp, q->queue);
}

/* Under the lock: drop the old registrations, make new ones where the BAR
 * is now, for the queues the driver uses. Without one, the write reaches
 * the BAR through an exit instead, which is slower but just as correct.
 *
 * Only used queues get one because an ioeventfd is not free: with any on a
 * VM, destroying it waits for RCU grace periods (13-18 ms measured here),
 * which a guest that never touches virtio should not pay. */
static void
queue_notifier_rebind (QueueNotifier *notifier)
{
  for (unsigned i = 0; i < notifier->n_queues; i++)
    {
      QueueNotifierQueue *q = &notifier->queues[i];
      uint64_t address;

      if (q->registered)
        kvm_vm_set_ioeventfd (notifier->kvm, q->address, QUEUE_NOTIFY_LEN, q->fd, false);
      q->registered = false;
      if (q->wanted && virtio_pci_get_notify_addr (notifier->vp, q->queue, &address)
          && kvm_vm_set_ioeventfd (notifier->kvm, address, QUEUE_NOTIFY_LEN, q->fd, true) == 0)
        {
          q->address = address;
          q->registered = true;
        }
    }
}

/* The driver notified a queue through an exit: it uses the queue, so the
 * next notifications go through an ioeventfd. */
static void
queue_notifier_on_exit_kick (void      *opaque,
                             VirtioPci *vp,
                             unsigned   queue)
{
  QueueNotifier *notifier = opaque;

  if (queue >= notifier->n_queues)
    return;
  pthread_mutex_lock (&notifier->lock);
  if (!notifier->queues[queue].wanted)
    {
      notifier->queues[queue].wanted = true;
      queue_notifier_rebind (notifier);
    }
  pthread_mutex_unlock (&notifier->lock);
}

static void
queue_notifier_on_bar_moved (void      *opaque,
                             VirtioPci *vp)
{
  QueueNotifier *notifier = opaque;

  pthread_mutex_lock (&notifier->lock);
  queue_notifier_rebind (notifier);
  pthread_mutex_unlock (&notifier->lock);
}

QueueNotifier *
queue_notifier_new (KvmVm     *kvm,
                    EventLoop *loop,
                    VirtioPci *vp)
{
  QueueNotifier *notifier = calloc (1, sizeof *notifier);
  uint64_t address;

  if (notifier == NULL)
    return NULL;
  notifier->kvm = kvm;
  notifier->loop = loop;
  notifier->vp = vp;
  pthread_mutex_init (&notifier->lock, NULL);

  while (notifier->n_queues < QUEUE_NOTIFIER_MAX_QUEUES
         && virtio_pci_get_notify_addr (vp, notifier->n_queues, &address))
    {
      QueueNotifierQueue *q = &notifier->queues[notifier->n_queues];

      *q = (QueueNotifierQueue) { notifier, notifier->n_queues, -1, NULL, 0, false, false };
      q->fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (q->fd < 0)
        break;
      q->watch = event_loop_add (loop, q->fd, EPOLLIN, queue_notifier_on_kick, q);
      if (q->watch == NULL)
        {
          close (q->fd);
          break;
        }
      notifier->n_queues++;
    }
  virtio_pci_set_notify_listener (vp, queue_notifier_on_bar_moved, notifier);
  virtio_pci_set_exit_kick_listener (vp, queue_notifier_on_exit_kick, notifier);
  return notifier;
}

/* On a newly built VM: nothing is registered there yet. */
void
queue_notifier_attach (QueueNotifier *notifier)
{
  pthread_mutex_lock (&notifier->lock);
  queue_notifier_forget (notifier);
  queue_notifier_rebind (notifier);
  pthread_mutex_unlock (&notifier->lock);
}

/* The VM the registrations were on is gone (they went with it). */
void
queue_notifier_forget (QueueNotifier *notifier)
{
  for (unsigned i = 0; i < notifier->n_queues; i++)
    notifier->queues[i].registered = false;
}

void
queue_notifier_free (QueueNotifier *notifier)
{
  virtio_pci_set_notify_listener (notifier->vp, NULL, NULL);
  virtio_pci_set_exit_kick_listener (notifier->vp, NULL, NULL);
  for (unsigned i = 0; i < notifier->n_queues; i++)
    {
      QueueNotifierQueue *q = &notifier->queues[i];
      if (q->registered)
        kvm_vm_set_ioeventfd (notifier->kvm, q->address, QUEUE_NOTIFY_LEN, q->fd, false);
      event_loop_remove (notifier->loop, q->watch);
      close (q->fd);
    }
  pthread_mutex_destroy (&notifier->lock);
  free (notifier);
}
