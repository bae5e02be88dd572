/* slirp-net.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The user-mode networking module, guesthouse-vmm-slirp.so: libslirp on a
 * thread of its own. Built as a shared module that only the VMM's
 * slirp-loader.c opens; see slirp-module.h. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "slirp-module.h"

#define GH_EXPORT __attribute__ ((visibility ("default")))

typedef struct SlirpNetTimer SlirpNetTimer;

/* libslirp's timers, run by our poll loop. Only the slirp thread (and
 * start(), before it exists) touches them. */
struct SlirpNetTimer
{
  SlirpNetTimer *next;
  SlirpTimerCb   cb;
  void          *cb_opaque;
  int64_t        expire_ms;     /* -1: not armed */
};

typedef struct
{
  size_t  len;
  uint8_t data[];
} SlirpNetFrame;

struct GhSlirp
{
  Slirp            *slirp;
  GhSlirpCallbacks  callbacks;
  pthread_t         thread;
  bool              thread_started;
  int               wake_fd;        /* eventfd: frames queued, or stop */

  /* Guards the transmit queue and stop; never held while calling into
   * libslirp or the VMM. */
  pthread_mutex_t   lock;
  bool              stopping;
  SlirpNetFrame    *queue[GH_SLIRP_TX_QUEUE];
  unsigned          queue_head;
  unsigned          queue_len;

  /* The slirp thread's own. */
  SlirpNetTimer    *timers;
  struct pollfd    *pfds;
  unsigned          n_pfds;
  unsigned          pfds_capacity;
};

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t
cb_send_packet (const void *buf,
                size_t      len,
                void       *opaque)
{
  GhSlirp *s = opaque;

  /* On the slirp thread, from slirp_input or slirp_pollfds_poll. The VMM
   * drops what the guest has no room for, as libslirp allows. */
  s->callbacks.receive (s->callbacks.opaque, buf, len);
  return (ssize_t) len;
}

static void
cb_guest_error (const char *msg,
                void       *opaque)
{
  GhSlirp *s = opaque;
  char line[256];

  if (s->callbacks.log == NULL)
    return;
  snprintf (line, sizeof line, "slirp: %s", msg);
  s->callbacks.log (s->callbacks.opaque, line);
}

static int64_t
cb_clock_get_ns (void *opaque)
{
  return now_ns ();
}

static void *
cb_timer_new (SlirpTimerCb  cb,
              void         *cb_opaque,
              void         *opaque)
{
  GhSlirp *s = opaque;
  SlirpNetTimer *t = calloc (1, sizeof *t);

  if (t == NULL)
    return NULL;
  t->cb = cb;
  t->cb_opaque = cb_opaque;
  t->expire_ms = -1;
  t->next = s->timers;
  s->timers = t;
  return t;
}

static void
cb_timer_free (void *timer,
               void *opaque)
{
  GhSlirp *s = opaque;

  for (SlirpNetTimer **p = &s->timers; *p != NULL; p = &(*p)->next)
    if (*p == timer)
      {
        *p = (*p)->next;
        free (timer);
        return;
      }
}

/* expire_time is in milliseconds of cb_clock_get_ns's clock. */
static void
cb_timer_mod (void    *timer,
              int64_t  expire_time,
              void    *opaque)
{
  ((SlirpNetTimer *) timer)->expire_ms = expire_time;
}

static void
cb_register_poll_fd (int   fd,
                     void *opaque)
{
  /* The loop asks slirp for its sockets before every poll(). */
}

static void
cb_unregister_poll_fd (int   fd,
                       void *opaque)
{
}

static void
cb_notify (void *opaque)
{
  GhSlirp *s = opaque;
  uint64_t one = 1;

  /* slirp has something to send: look at its sockets again. */
  if (write (s->wake_fd, &one, sizeof one) < 0)
    {
      /* The counter is full: a wake-up is pending anyway. */
    }
}

static const SlirpCb slirp_net_callbacks = {
  .send_packet = cb_send_packet,
  .guest_error = cb_guest_error,
  .clock_get_ns = cb_clock_get_ns,
  .timer_new = cb_timer_new,
  .timer_free = cb_timer_free,
  .timer_mod = cb_timer_mod,
  .register_poll_fd = cb_register_poll_fd,
  .unregister_poll_fd = cb_unregister_poll_fd,
  .notify = cb_notify,
};

static int
add_poll (int   fd,
          int   events,
          void *opaque)
{
  GhSlirp *s = opaque;
  struct pollfd *pfd;

  if (s->n_pfds == s->pfds_capacity)
    {
      unsigned capacity = s->pfds_capacity * 2;
      struct pollfd *bigger = realloc (s->pfds, capacity * sizeof *bigger);

      if (bigger == NULL)
        return -1;
      s->pfds = bigger;
      s->pfds_capacity = capacity;
    }
  pfd = &s->pfds[s->n_pfds];
  pfd->fd = fd;
  pfd->events = (short) (((events & SLIRP_POLL_IN) ? POLLIN : 0)
                         | ((events & SLIRP_POLL_OUT) ? POLLOUT : 0)
                         | ((events & SLIRP_POLL_PRI) ? POLLPRI : 0));
  pfd->revents = 0;
  return (int) s->n_pfds++;
}

static int
get_revents (int   idx,
             void *opaque)
{
  GhSlirp *s = opaque;
  short revents;

  if (idx < 0 || (unsigned) idx >= s->n_pfds)
    return 0;
  revents = s->pfds[idx].revents;
  return ((revents & POLLIN) ? SLIRP_POLL_IN : 0)
         | ((revents & POLLOUT) ? SLIRP_POLL_OUT : 0)
         | ((revents & POLLPRI) ? SLIRP_POLL_PRI : 0)
         | ((revents & POLLERR) ? SLIRP_POLL_ERR : 0)
         | ((revents & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

/* Runs the timers that are due; returns the milliseconds to the next one,
 * or UINT32_MAX. A callback may re-arm or free timers, so the list is
 * walked again from the start after each one. */
static uint32_t
run_timers (GhSlirp *s)
{
  uint32_t next = UINT32_MAX;
  bool ran;

  do
    {
      int64_t now = now_ns () / 1000000;

      ran = false;
      next = UINT32_MAX;
      for (SlirpNetTimer *t = s->timers; t != NULL; t = t->next)
        {
          if (t->expire_ms < 0)
            continue;
          if (t->expire_ms <= now)
            {
              t->expire_ms = -1;
              t->cb (t->cb_opaque);
              ran = true;
              break;
            }
          if ((uint64_t) (t->expire_ms - now) < next)
            next = (uint32_t) (t->expire_ms - now);
        }
    }
  while (ran);
  return next;
}

static void *
slirp_net_thread (void *data)
{
  GhSlirp *s = data;

  for (;;)
    {
      SlirpNetFrame *frames[GH_SLIRP_TX_QUEUE];
      unsigned n = 0;
      uint32_t timeout, timer_timeout;
      int ret;

      pthread_mutex_lock (&s->lock);
      if (s->stopping)
        {
          pthread_mutex_unlock (&s->lock);
          break;
        }
      while (s->queue_len > 0)
        {
          frames[n++] = s->queue[s->queue_head];
          s->queue_head = (s->queue_head + 1) % GH_SLIRP_TX_QUEUE;
          s->queue_len--;
        }
      pthread_mutex_unlock (&s->lock);

      for (unsigned i = 0; i < n; i++)
        {
          slirp_input (s->slirp, frames[i]->data, (int) frames[i]->len);
          free (frames[i]);
        }

      timer_timeout = run_timers (s);
      timeout = UINT32_MAX;
      s->n_pfds = 0;
      add_poll (s->wake_fd, SLIRP_POLL_IN, s);
      slirp_pollfds_fill (s->slirp, &timeout, add_poll, s);
      if (timer_timeout < timeout)
        timeout = timer_timeout;
      ret = poll (s->pfds, s->n_pfds, timeout == UINT32_MAX ? -1 : (int) (timeout > 60000 ? 60000 : timeout));
      if (ret < 0 && errno != EINTR)
        ret = -1;
      if (s->pfds[0].revents & POLLIN)
        {
          uint64_t count;

          if (read (s->wake_fd, &count, sizeof count) < 0)
            {
              /* EAGAIN: someone else read it; nothing is lost. */
            }
        }
      slirp_pollfds_poll (s->slirp, ret < 0, get_revents, s);
    }
  return NULL;
}

static GhSlirp *
slirp_net_start (const GhSlirpConfig    *config,
                 const GhSlirpCallbacks *callbacks,
                 char                   *error,
                 size_t                  error_size)
{
  SlirpConfig cfg = { 0 };
  struct in_addr loopback, guest;
  GhSlirp *s;

  if (callbacks == NULL || callbacks->receive == NULL || config->n_hostfwd > GH_SLIRP_MAX_HOSTFWD)
    {
      snprintf (error, error_size, "bad user-mode network configuration");
      return NULL;
    }
  s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      snprintf (error, error_size, "out of memory");
      return NULL;
    }
  s->callbacks = *callbacks;
  pthread_mutex_init (&s->lock, NULL);
  s->pfds_capacity = 16;
  s->pfds = calloc (s->pfds_capacity, sizeof *s->pfds);
  s->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->pfds == NULL || s->wake_fd < 0)
    {
      snprintf (error, error_size, "cannot set up the user-mode network: %s", strerror (errno));
      goto fail;
    }

  /* libslirp's usual network, as QEMU's -netdev user has it. */
  cfg.version = 1;
  cfg.restricted = 0;
  cfg.in_enabled = true;
  inet_pton (AF_INET, "10.0.2.0", &cfg.vnetwork);
  inet_pton (AF_INET, "255.255.255.0", &cfg.vnetmask);
  inet_pton (AF_INET, "10.0.2.2", &cfg.vhost);
  inet_pton (AF_INET, "10.0.2.15", &cfg.vdhcp_start);
  inet_pton (AF_INET, "10.0.2.3", &cfg.vnameserver);
  cfg.in6_enabled = false;
  cfg.vhostname = config->hostname;
  s->slirp = slirp_new (&cfg, &slirp_net_callbacks, s);
  if (s->slirp == NULL)
    {
      snprintf (error, error_size, "libslirp refused the network configuration");
      goto fail;
    }

  /* Forwards listen on the loopback only: the guest's services are for
   * this user, not for the network the host is on. */
  inet_pton (AF_INET, "127.0.0.1", &loopback);
  inet_pton (AF_INET, "10.0.2.15", &guest);
  for (unsigned i = 0; i < config->n_hostfwd; i++)
    if (slirp_add_hostfwd (s->slirp, 0, loopback, config->hostfwd[i].host_port,
                           guest, config->hostfwd[i].guest_port) < 0)
      {
        snprintf (error, error_size,
                  "cannot forward 127.0.0.1:%u to the guest: the port is in use or not allowed",
                  config->hostfwd[i].host_port);
        goto fail;
      }

  if (pthread_create (&s->thread, NULL, slirp_net_thread, s) != 0)
    {
      snprintf (error, error_size, "cannot start the user-mode network thread");
      goto fail;
    }
  s->thread_started = true;
  return s;

fail:
  if (s->slirp != NULL)
    slirp_cleanup (s->slirp);
  while (s->timers != NULL)
    cb_timer_free (s->timers, s);
  if (s->wake_fd >= 0)
    close (s->wake_fd);
  free (s->pfds);
  pthread_mutex_destroy (&s->lock);
  free (s);
  return NULL;
}

static void
slirp_net_transmit (GhSlirp       *s,
                    const uint8_t *frame,
                    size_t         len)
{
  SlirpNetFrame *copy;
  uint64_t one = 1;
  bool queued = false;

  if (len == 0 || len > 65550)
    return;
  copy = malloc (sizeof *copy + len);
  if (copy == NULL)
    return;
  copy->len = len;
  memcpy (copy->data, frame, len);

  pthread_mutex_lock (&s->lock);
  if (!s->stopping && s->queue_len < GH_SLIRP_TX_QUEUE)
    {
      s->queue[(s->queue_head + s->queue_len) % GH_SLIRP_TX_QUEUE] = copy;
      s->queue_len++;
      queued = true;
    }
  pthread_mutex_unlock (&s->lock);

  if (!queued)
    {
      free (copy);
      return;
    }
  if (write (s->wake_fd, &one, sizeof one) < 0)
    {
      /* The counter is full: a wake-up is pending anyway. */
    }
}

static void
slirp_net_stop (GhSlirp *s)
{
  uint64_t one = 1;

  if (s == NULL)
    return;
  pthread_mutex_lock (&s->lock);
  s->stopping = true;
  pthread_mutex_unlock (&s->lock);
  if (write (s->wake_fd, &one, sizeof one) < 0)
    {
      /* A wake-up is pending anyway. */
    }
  if (s->thread_started)
    pthread_join (s->thread, NULL);

  /* slirp_cleanup frees its timers through cb_timer_free. */
  slirp_cleanup (s->slirp);
  while (s->timers != NULL)
    cb_timer_free (s->timers, s);
  while (s->queue_len > 0)
    {
      free (s->queue[s->queue_head]);
      s->queue_head = (s->queue_head + 1) % GH_SLIRP_TX_QUEUE;
      s->queue_len--;
    }
  close (s->wake_fd);
  free (s->pfds);
  pthread_mutex_destroy (&s->lock);
  free (s);
}

static const GhSlirpModule slirp_net_module = {
  .abi = GH_SLIRP_MODULE_ABI,
  .start = slirp_net_start,
  .transmit = slirp_net_transmit,
  .stop = slirp_net_stop,
};

GH_EXPORT const GhSlirpModule *gh_slirp_module_get (uint32_t abi);

GH_EXPORT const GhSlirpModule *
gh_slirp_module_get (uint32_t abi)
{
  return abi == GH_SLIRP_MODULE_ABI ? &slirp_net_module : NULL;
}
