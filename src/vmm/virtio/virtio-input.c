/* virtio-input.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <endian.h>
#include <linux/input.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "display/keymap.h"
#include "virtio-input.h"

/* On the wire: struct virtio_input_event. */
#define VI_EVENT_SIZE 8

struct VirtioInput
{
  VirtioDevice      vdev;           /* first: the ops get &vi->vdev */
  VirtioInputKind   kind;

  /* Held while events move from the pending ring into the event queue, pop
   * to push, so that they arrive in order whichever thread moves them, and
   * over the configuration selector. Only the transport's error report can
   * run under it (from virtq_pop); our own DEVICE_NEEDS_RESET and the
   * used-buffer interrupt are raised after unlocking. */
  pthread_mutex_t   lock;
  bool              active;         /* DRIVER_OK seen, no reset since */
  bool              failed;         /* the driver broke the rules: wait for a reset */
  uint8_t           select;
  uint8_t           subsel;
  VirtioInputEvent  pending[VIRTIO_INPUT_PENDING];
  unsigned          head;           /* oldest pending event */
  unsigned          len;
  uint64_t          dropped;
};

/* Linux key codes 1 (Esc) to 83 (keypad .) are the set 1 make codes
 * themselves, as on the XT; the rest are listed. */
static const struct
{
  uint16_t scancode;
  uint16_t key;
} vi_extra_keys[] = {
  { 0x0054, KEY_SYSRQ },            /* Alt+Print */
  { 0x0056, KEY_102ND },
  { 0x0057, KEY_F11 },
  { 0x0058, KEY_F12 },
  { 0x0059, KEY_KPEQUAL },
  { 0x0064, KEY_F13 },
  { 0x0065, KEY_F14 },
  { 0x0066, KEY_F15 },
  { 0x0067, KEY_F16 },
  { 0x0068, KEY_F17 },
  { 0x0069, KEY_F18 },
  { 0x006a, KEY_F19 },
  { 0x006b, KEY_F20 },
  { 0x006c, KEY_F21 },
  { 0x006d, KEY_F22 },
  { 0x006e, KEY_F23 },
  { 0x0070, KEY_KATAKANAHIRAGANA },
  { 0x0073, KEY_RO },
  { 0x0076, KEY_F24 },
  { 0x0079, KEY_HENKAN },
  { 0x007b, KEY_MUHENKAN },
  { 0x007d, KEY_YEN },
  { 0x007e, KEY_KPCOMMA },
  { 0xe010, KEY_PREVIOUSSONG },
  { 0xe019, KEY_NEXTSONG },
  { 0xe01c, KEY_KPENTER },
  { 0xe01d, KEY_RIGHTCTRL },
  { 0xe020, KEY_MUTE },
  { 0xe021, KEY_CALC },
  { 0xe022, KEY_PLAYPAUSE },
  { 0xe024, KEY_STOPCD },
  { 0xe02e, KEY_VOLUMEDOWN },
  { 0xe030, KEY_VOLUMEUP },
  { 0xe032, KEY_HOMEPAGE },
  { 0xe035, KEY_KPSLASH },
  { KEYMAP_PRINT, KEY_SYSRQ },
  { 0xe038, KEY_RIGHTALT },
  { KEYMAP_PAUSE, KEY_PAUSE },
  { 0xe047, KEY_HOME },
  { 0xe048, KEY_UP },
  { 0xe049, KEY_PAGEUP },
  { 0xe04b, KEY_LEFT },
  { 0xe04d, KEY_RIGHT },
  { 0xe04f, KEY_END },
  { 0xe050, KEY_DOWN },
  { 0xe051, KEY_PAGEDOWN },
  { 0xe052, KEY_INSERT },
  { 0xe053, KEY_DELETE },
  { 0xe05b, KEY_LEFTMETA },
  { 0xe05c, KEY_RIGHTMETA },
  { 0xe05d, KEY_COMPOSE },
  { 0xe05e, KEY_POWER },
  { 0xe05f, KEY_SLEEP },
  { 0xe063, KEY_WAKEUP },
  { 0xe065, KEY_SEARCH },
  { 0xe066, KEY_BOOKMARKS },
  { 0xe067, KEY_REFRESH },
  { 0xe068, KEY_STOP },
  { 0xe069, KEY_FORWARD },
  { 0xe06a, KEY_BACK },
  { 0xe06b, KEY_COMPUTER },
  { 0xe06c, KEY_MAIL },
  { 0xe06d, KEY_MEDIA },
};

uint16_t
virtio_input_scancode_to_key (uint16_t scancode)
{
  if (scancode >= 0x01 && scancode <= 0x53)
    return scancode;
  for (size_t i = 0; i < sizeof vi_extra_keys / sizeof vi_extra_keys[0]; i++)
    if (vi_extra_keys[i].scancode == scancode)
      return vi_extra_keys[i].key;
  return 0;
}

static void
vi_set_bit (uint8_t  *bits,
            unsigned  bit)
{
  if (bit < VIRTIO_INPUT_CFG_U_SIZE * 8)
    bits[bit / 8] |= (uint8_t) (1u << (bit % 8));
}

/* A bitmap's size is up to its last non-zero byte. */
static unsigned
vi_bitmap_size (const uint8_t *bits)
{
  unsigned size = VIRTIO_INPUT_CFG_U_SIZE;

  while (size > 0 && bits[size - 1] == 0)
    size--;
  return size;
}

static unsigned
vi_string (uint8_t    *u,
           const char *s)
{
  size_t len = strlen (s);

  if (len > VIRTIO_INPUT_CFG_U_SIZE)
    len = VIRTIO_INPUT_CFG_U_SIZE;
  memcpy (u, s, len);
  return (unsigned) len;
}

/* The union u for select/subsel, and its size (0: nothing there). */
static unsigned
vi_config_answer (VirtioInputKind  kind,
                  uint8_t          select,
                  uint8_t          subsel,
                  uint8_t         *u)
{
  bool tablet = kind == VIRTIO_INPUT_TABLET;

  switch (select)
    {
    case VIRTIO_INPUT_CFG_ID_NAME:
      if (subsel != 0)
        return 0;
      return vi_string (u, tablet ? "Guesthouse Virtio Tablet" : "Guesthouse Virtio Keyboard");

    case VIRTIO_INPUT_CFG_ID_SERIAL:
      if (subsel != 0)
        return 0;
      return vi_string (u, tablet ? "guesthouse-tablet-0" : "guesthouse-keyboard-0");

    case VIRTIO_INPUT_CFG_ID_DEVIDS:
      {
        /* BUS_VIRTUAL with the virtio vendor; product 1 keyboard, 3 tablet,
         * as QEMU numbers its own. */
        uint16_t ids[4] = { htole16 (BUS_VIRTUAL), htole16 (0x1af4),
                            htole16 (tablet ? 3 : 1), htole16 (1) };

        if (subsel != 0)
          return 0;
        memcpy (u, ids, sizeof ids);
        return sizeof ids;
      }

    case VIRTIO_INPUT_CFG_PROP_BITS:
      /* No INPUT_PROP_*: the tablet is a pointer, not a touch screen. */
      return 0;

    case VIRTIO_INPUT_CFG_EV_BITS:
      if (tablet && subsel == EV_KEY)
        {
          vi_set_bit (u, BTN_LEFT);
          vi_set_bit (u, BTN_RIGHT);
          vi_set_bit (u, BTN_MIDDLE);
        }
      else if (tablet && subsel == EV_REL)
        vi_set_bit (u, REL_WHEEL);
      else if (tablet && subsel == EV_ABS)
        {
          vi_set_bit (u, ABS_X);
          vi_set_bit (u, ABS_Y);
        }
      else if (!tablet && subsel == EV_KEY)
        {
          for (unsigned key = 1; key <= 0x53; key++)
            vi_set_bit (u, key);
          for (size_t i = 0; i < sizeof vi_extra_keys / sizeof vi_extra_keys[0]; i++)
            vi_set_bit (u, vi_extra_keys[i].key);
        }
      else if (!tablet && subsel == EV_LED)
        {
          vi_set_bit (u, LED_NUML);
          vi_set_bit (u, LED_CAPSL);
          vi_set_bit (u, LED_SCROLLL);
        }
      else if (!tablet && subsel == EV_REP)
        return 1;                   /* present, no codes: the guest repeats keys itself */
      return vi_bitmap_size (u);

    case VIRTIO_INPUT_CFG_ABS_INFO:
      if (tablet && (subsel == ABS_X || subsel == ABS_Y))
        {
          /* min, max, fuzz, flat, res */
          uint32_t info[5] = { 0, htole32 (VIRTIO_INPUT_ABS_MAX), 0, 0, 0 };

          memcpy (u, info, sizeof info);
          return sizeof info;
        }
      return 0;

    default:
      return 0;
    }
}

static void
virtio_input_config_read (VirtioDevice *vdev,
                          unsigned      offset,
                          void         *buf,
                          unsigned      size)
{
  VirtioInput *vi = (VirtioInput *) vdev;
  uint8_t image[VIRTIO_INPUT_CONFIG_SIZE] = { 0 };

  /* The transport checked this; a config access is cheap to recheck. */
  if (offset > VIRTIO_INPUT_CONFIG_SIZE || size > VIRTIO_INPUT_CONFIG_SIZE - offset)
    {
      memset (buf, 0, size);
      return;
    }
  pthread_mutex_lock (&vi->lock);
  image[VIRTIO_INPUT_CFG_SELECT] = vi->select;
  image[VIRTIO_INPUT_CFG_SUBSEL] = vi->subsel;
  pthread_mutex_unlock (&vi->lock);
  image[VIRTIO_INPUT_CFG_SIZE] = (uint8_t) vi_config_answer (vi->kind, image[VIRTIO_INPUT_CFG_SELECT],
                                                             image[VIRTIO_INPUT_CFG_SUBSEL],
                                                             image + VIRTIO_INPUT_CFG_U);
  memcpy (buf, image + offset, size);
}

static void
virtio_input_config_write (VirtioDevice *vdev,
                           unsigned      offset,
                           const void   *buf,
                           unsigned      size)
{
  VirtioInput *vi = (VirtioInput *) vdev;
  const uint8_t *bytes = buf;

  if (offset > VIRTIO_INPUT_CONFIG_SIZE || size > VIRTIO_INPUT_CONFIG_SIZE - offset)
    return;
  /* Only select and subsel are the driver's; a wider write may cover both. */
  pthread_mutex_lock (&vi->lock);
  for (unsigned i = 0; i < size; i++)
    {
      if (offset + i == VIRTIO_INPUT_CFG_SELECT)
        vi->select = bytes[i];
      else if (offset + i == VIRTIO_INPUT_CFG_SUBSEL)
        vi->subsel = bytes[i];
    }
  pthread_mutex_unlock (&vi->lock);
}

/* Moves pending events into the driver's event buffers, one event per
 * buffer, while there are both. Lock held. Sets *bad to a reason when the
 * driver posted a buffer that cannot hold an event. Returns whether a
 * buffer was used. */
static bool
virtio_input_flush_locked (VirtioInput  *vi,
                           const char  **bad)
{
  Virtqueue *vq = virtio_device_get_queue (&vi->vdev, VIRTIO_INPUT_EVENT_QUEUE);
  VirtqSeg segs[VIRTIO_INPUT_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_INPUT_QUEUE_SIZE, .segs = segs };
  bool pushed = false;

  /* Before DRIVER_OK the device must not touch the buffers. */
  if (!vi->active || vi->failed)
    return false;
  while (vi->len > 0 && virtq_pop (vq, &chain) > 0)
    {
      const VirtioInputEvent *ev = &vi->pending[vi->head];
      uint16_t type = htole16 (ev->type), code = htole16 (ev->code);
      uint32_t value = htole32 ((uint32_t) ev->value);
      uint8_t wire[VI_EVENT_SIZE];

      /* 5.8.6.2: event buffers are device-writable, one event each. */
      if (chain.n_readable != 0 || chain.writable_len < VI_EVENT_SIZE)
        {
          virtq_push (vq, &chain, 0);
          pushed = true;
          vi->failed = true;
          *bad = "an event buffer that cannot hold an event";
          break;
        }
      memcpy (wire, &type, 2);
      memcpy (wire + 2, &code, 2);
      memcpy (wire + 4, &value, 4);
      virtq_chain_write (&chain, 0, wire, sizeof wire);
      virtq_push (vq, &chain, VI_EVENT_SIZE);
      pushed = true;
      vi->head = (vi->head + 1) % VIRTIO_INPUT_PENDING;
      vi->len--;
    }
  return pushed;
}

/* The LED states the driver reports: read, checked and let go. */
static void
virtio_input_status (VirtioInput *vi)
{
  Virtqueue *vq = virtio_device_get_queue (&vi->vdev, VIRTIO_INPUT_STATUS_QUEUE);
  VirtqSeg segs[VIRTIO_INPUT_QUEUE_SIZE];
  VirtqChain chain = { .capacity = VIRTIO_INPUT_QUEUE_SIZE, .segs = segs };
  const char *bad = NULL;
  bool pushed = false;

  while (virtq_pop (vq, &chain) > 0)
    {
      /* 5.8.6.2: status buffers are device-readable events. */
      if (chain.n_readable != chain.n_segs || chain.readable_len < VI_EVENT_SIZE)
        bad = "a status buffer that is not one readable event";
      virtq_push (vq, &chain, 0);
      pushed = true;
      if (bad != NULL)
        break;
    }
  if (pushed)
    virtio_device_queue_done (&vi->vdev, VIRTIO_INPUT_STATUS_QUEUE);
  if (bad != NULL)
    {
      pthread_mutex_lock (&vi->lock);
      vi->failed = true;
      pthread_mutex_unlock (&vi->lock);
      virtio_device_needs_reset (&vi->vdev, bad);
    }
}

static void
virtio_input_queue_notify (VirtioDevice *vdev,
                           unsigned      queue)
{
  VirtioInput *vi = (VirtioInput *) vdev;
  const char *bad = NULL;
  bool pushed;

  if (queue == VIRTIO_INPUT_STATUS_QUEUE)
    {
      virtio_input_status (vi);
      return;
    }
  if (queue != VIRTIO_INPUT_EVENT_QUEUE)
    return;

  /* New event buffers: what waits goes in. */
  pthread_mutex_lock (&vi->lock);
  pushed = virtio_input_flush_locked (vi, &bad);
  pthread_mutex_unlock (&vi->lock);
  if (pushed)
    virtio_device_queue_done (vdev, VIRTIO_INPUT_EVENT_QUEUE);
  if (bad != NULL)
    virtio_device_needs_reset (vdev, bad);
}

/* Makes room for one event: drops the oldest whole report, up to and with
 * its EV_SYN (or everything, if no EV_SYN is pending). Lock held. */
static void
virtio_input_drop_oldest_locked (VirtioInput *vi)
{
  while (vi->len > 0)
    {
      bool syn = vi->pending[vi->head].type == EV_SYN;

      vi->head = (vi->head + 1) % VIRTIO_INPUT_PENDING;
      vi->len--;
      vi->dropped++;
      if (syn)
        break;
    }
}

bool
virtio_input_send (VirtioInput            *vi,
                   const VirtioInputEvent *events,
                   unsigned                n)
{
  const char *bad = NULL;
  bool pushed = false;

  pthread_mutex_lock (&vi->lock);
  if (!vi->active || vi->failed)
    {
      pthread_mutex_unlock (&vi->lock);
      return false;
    }
  for (unsigned i = 0; i < n; i++)
    {
      if (vi->len == VIRTIO_INPUT_PENDING)
        {
          /* Try the driver's buffers first; drop only if there are none. */
          pushed |= virtio_input_flush_locked (vi, &bad);
          if (vi->len == VIRTIO_INPUT_PENDING)
            virtio_input_drop_oldest_locked (vi);
        }
      vi->pending[(vi->head + vi->len) % VIRTIO_INPUT_PENDING] = events[i];
      vi->len++;
    }
  pushed |= virtio_input_flush_locked (vi, &bad);
  pthread_mutex_unlock (&vi->lock);

  if (pushed)
    virtio_device_queue_done (&vi->vdev, VIRTIO_INPUT_EVENT_QUEUE);
  if (bad != NULL)
    virtio_device_needs_reset (&vi->vdev, bad);
  return true;
}

bool
virtio_input_is_ready (VirtioInput *vi)
{
  bool ready;

  pthread_mutex_lock (&vi->lock);
  ready = vi->active && !vi->failed;
  pthread_mutex_unlock (&vi->lock);
  /* A queue the driver broke takes no more events either. */
  return ready && !virtq_is_broken (virtio_device_get_queue (&vi->vdev, VIRTIO_INPUT_EVENT_QUEUE));
}

uint64_t
virtio_input_get_dropped (VirtioInput *vi)
{
  uint64_t dropped;

  pthread_mutex_lock (&vi->lock);
  dropped = vi->dropped;
  pthread_mutex_unlock (&vi->lock);
  return dropped;
}

static int
virtio_input_activate (VirtioDevice *vdev)
{
  VirtioInput *vi = (VirtioInput *) vdev;

  pthread_mutex_lock (&vi->lock);
  vi->active = true;
  vi->failed = false;
  pthread_mutex_unlock (&vi->lock);
  return 0;
}

static void
virtio_input_reset (VirtioDevice *vdev)
{
  VirtioInput *vi = (VirtioInput *) vdev;

  /* Events for a driver that is gone mean nothing to the next one. */
  pthread_mutex_lock (&vi->lock);
  vi->active = false;
  vi->failed = false;
  vi->select = 0;
  vi->subsel = 0;
  vi->head = 0;
  vi->len = 0;
  pthread_mutex_unlock (&vi->lock);
}

static const VirtioDeviceOps virtio_input_ops = {
  .name = "input",
  .config_read = virtio_input_config_read,
  .config_write = virtio_input_config_write,
  .queue_notify = virtio_input_queue_notify,
  .activate = virtio_input_activate,
  .reset = virtio_input_reset,
};

VirtioInput *
virtio_input_new (const GuestMemory *mem,
                  VirtioInputKind    kind)
{
  static const uint16_t sizes[2] = { VIRTIO_INPUT_QUEUE_SIZE, VIRTIO_INPUT_QUEUE_SIZE };
  VirtioInput *vi = calloc (1, sizeof *vi);

  if (vi == NULL)
    return NULL;
  if (virtio_device_init (&vi->vdev, &virtio_input_ops, mem, VIRTIO_ID_INPUT, 0,
                          VIRTIO_INPUT_CONFIG_SIZE, 2, sizes) < 0)
    {
      free (vi);
      return NULL;
    }
  vi->vdev.pci_class = 0x098000;        /* input device controller, other */
  vi->kind = kind;
  pthread_mutex_init (&vi->lock, NULL);
  return vi;
}

void
virtio_input_free (VirtioInput *vi)
{
  if (vi == NULL)
    return;
  virtio_device_destroy (&vi->vdev);
  pthread_mutex_destroy (&vi->lock);
  free (vi);
}

VirtioDevice *
virtio_input_get_device (VirtioInput *vi)
{
  return &vi->vdev;
}
