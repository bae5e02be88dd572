/* test-virtio-input.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <linux/input.h>
#include <string.h>

#include "virtio/virtio-input.h"
#include "virtio-test-driver.h"

/* virtio-input end to end: a driver doing what Linux's virtio_input does
 * (queries the configuration, posts one 8-byte buffer per event, sends LED
 * states on the status queue) and the host's events fed through
 * virtio_input_send(). */

#define RAM_SIZE     (4u << 20)
#define EV_GPA       0x200000u
#define ST_GPA       0x280000u
#define Q_EV         VIRTIO_INPUT_EVENT_QUEUE
#define Q_ST         VIRTIO_INPUT_STATUS_QUEUE

#define F_VERSION_1  VIRTIO_FEATURE (VIRTIO_F_VERSION_1)
#define F_EVENT_IDX  VIRTIO_FEATURE (VIRTIO_F_RING_EVENT_IDX)
#define F_LINUX      (F_VERSION_1 | F_EVENT_IDX)

typedef struct
{
  TestDriver   td;
  VirtioInput *vi;
  unsigned     n_posted;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  memset (f, 0, sizeof *f);
  td_init (&f->td, RAM_SIZE);
  f->vi = virtio_input_new (&f->td.mem, GPOINTER_TO_INT (data) & 0xff);
  g_assert_nonnull (f->vi);
  td_attach (&f->td, virtio_input_get_device (f->vi));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  td_detach (&f->td);
  virtio_input_free (f->vi);
  td_free_ram (&f->td);
}

/* Selects, and returns the size with u copied into buf (128 bytes). */
static unsigned
query (Fixture *f,
       uint8_t  select,
       uint8_t  subsel,
       uint8_t *buf)
{
  unsigned size;

  td_config_write (&f->td, VIRTIO_INPUT_CFG_SELECT, select, 1);
  td_config_write (&f->td, VIRTIO_INPUT_CFG_SUBSEL, subsel, 1);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_INPUT_CFG_SELECT, 1), ==, select);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_INPUT_CFG_SUBSEL, 1), ==, subsel);
  size = (unsigned) td_config_read (&f->td, VIRTIO_INPUT_CFG_SIZE, 1);
  g_assert_cmpuint (size, <=, VIRTIO_INPUT_CFG_U_SIZE);
  for (unsigned i = 0; i < VIRTIO_INPUT_CFG_U_SIZE; i += 4)
    {
      uint32_t word = (uint32_t) td_config_read (&f->td, VIRTIO_INPUT_CFG_U + i, 4);

      memcpy (buf + i, &word, 4);
    }
  return size;
}

static bool
bit (const uint8_t *bits,
     unsigned       size,
     unsigned       n)
{
  return n / 8 < size && (bits[n / 8] >> (n % 8)) & 1;
}

/* Posts one device-writable event buffer of len bytes, the n_posted-th. */
static void
post_event (Fixture  *f,
            uint32_t  len)
{
  uint64_t gpa = EV_GPA + 16 * (uint64_t) (f->n_posted++ % 1024);

  memset (f->td.ram + gpa, 0xee, 16);
  td_avail (&f->td, Q_EV, td_desc (&f->td, Q_EV, gpa, len, VIRTQ_DESC_F_WRITE, false));
}

/* The event in the n-th used element of the event queue. */
static void
used_event (Fixture  *f,
            uint16_t  n,
            uint16_t *type,
            uint16_t *code,
            int32_t  *value)
{
  uint32_t id, len;
  uint64_t gpa;

  td_used_elem (&f->td, Q_EV, n, &id, &len);
  g_assert_cmpuint (len, ==, 8);
  g_assert_cmpuint (id, <, f->td.q[Q_EV].size);
  memcpy (&gpa, f->td.ram + f->td.q[Q_EV].desc + 16 * id, 8);
  memcpy (type, f->td.ram + gpa, 2);
  memcpy (code, f->td.ram + gpa + 2, 2);
  memcpy (value, f->td.ram + gpa + 4, 4);
}

static void
assert_used_event (Fixture  *f,
                   uint16_t  n,
                   uint16_t  type,
                   uint16_t  code,
                   int32_t   value)
{
  uint16_t t, c;
  int32_t v;

  used_event (f, n, &t, &c, &v);
  g_assert_cmpuint (t, ==, type);
  g_assert_cmpuint (c, ==, code);
  g_assert_cmpint (v, ==, value);
}

static void
test_config_tablet (Fixture       *f,
                    gconstpointer  data)
{
  uint8_t u[VIRTIO_INPUT_CFG_U_SIZE];
  unsigned size;
  uint32_t info[5];
  uint16_t ids[4];

  td_probe (&f->td, VIRTIO_ID_INPUT);
  /* No device-specific features (bits 0 to 23). */
  g_assert_cmphex (td_device_features (&f->td) & 0xffffff, ==, 0);
  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);

  size = query (f, VIRTIO_INPUT_CFG_ID_NAME, 0, u);
  g_assert_cmpmem (u, size, "Guesthouse Virtio Tablet", 24);
  size = query (f, VIRTIO_INPUT_CFG_ID_SERIAL, 0, u);
  g_assert_cmpuint (size, >, 0);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_ID_DEVIDS, 0, u), ==, 8);
  memcpy (ids, u, 8);
  g_assert_cmphex (ids[0], ==, BUS_VIRTUAL);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_PROP_BITS, 0, u), ==, 0);

  size = query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, u);
  g_assert_true (bit (u, size, BTN_LEFT) && bit (u, size, BTN_RIGHT) && bit (u, size, BTN_MIDDLE));
  g_assert_false (bit (u, size, KEY_A));
  size = query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, u);
  g_assert_cmpuint (size, ==, 2);
  g_assert_true (bit (u, size, REL_WHEEL));
  g_assert_false (bit (u, size, REL_X));
  size = query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, u);
  g_assert_cmpuint (size, ==, 1);
  g_assert_cmphex (u[0], ==, 0x03);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, u), ==, 0);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_REP, u), ==, 0);

  for (unsigned axis = ABS_X; axis <= ABS_Y; axis++)
    {
      g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_ABS_INFO, axis, u), ==, 20);
      memcpy (info, u, sizeof info);
      g_assert_cmpuint (info[0], ==, 0);
      g_assert_cmpuint (info[1], ==, 32767);
    }
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Z, u), ==, 0);
  /* Unknown selectors and subselectors: nothing there. */
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_ID_NAME, 1, u), ==, 0);
  g_assert_cmpuint (query (f, 0x7f, 0, u), ==, 0);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_UNSET, 0, u), ==, 0);
  g_assert_cmpuint (query (f, 0xff, 0xff, u), ==, 0);
  /* The rest of the space is read-only. */
  td_config_write (&f->td, VIRTIO_INPUT_CFG_SIZE, 0x55, 1);
  td_config_write (&f->td, VIRTIO_INPUT_CFG_U, 0x55, 4);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y, u), ==, 20);
  g_assert_cmpuint (u[0], ==, 0);
  /* A reset clears the selector. */
  td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_cmpuint (td_config_read (&f->td, VIRTIO_INPUT_CFG_SELECT, 2), ==, 0);
}

static void
test_config_keyboard (Fixture       *f,
                      gconstpointer  data)
{
  uint8_t u[VIRTIO_INPUT_CFG_U_SIZE];
  unsigned size;

  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  size = query (f, VIRTIO_INPUT_CFG_ID_NAME, 0, u);
  g_assert_cmpmem (u, size, "Guesthouse Virtio Keyboard", 26);
  size = query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, u);
  g_assert_true (bit (u, size, KEY_ESC));
  g_assert_true (bit (u, size, KEY_A));
  g_assert_true (bit (u, size, KEY_KPDOT));
  g_assert_true (bit (u, size, KEY_F12));
  g_assert_true (bit (u, size, KEY_UP));
  g_assert_true (bit (u, size, KEY_LEFTMETA));
  g_assert_true (bit (u, size, KEY_PAUSE));
  g_assert_false (bit (u, size, BTN_LEFT));
  g_assert_false (bit (u, size, KEY_RESERVED));
  /* Present without codes: the guest repeats keys itself. */
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_REP, u), ==, 1);
  g_assert_cmphex (u[0], ==, 0);
  size = query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, u);
  g_assert_true (bit (u, size, LED_NUML) && bit (u, size, LED_CAPSL) && bit (u, size, LED_SCROLLL));
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, u), ==, 0);
  g_assert_cmpuint (query (f, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X, u), ==, 0);

  g_assert_cmpuint (virtio_input_scancode_to_key (0x1e), ==, KEY_A);
  g_assert_cmpuint (virtio_input_scancode_to_key (0x01), ==, KEY_ESC);
  g_assert_cmpuint (virtio_input_scancode_to_key (0xe048), ==, KEY_UP);
  g_assert_cmpuint (virtio_input_scancode_to_key (0xe01d), ==, KEY_RIGHTCTRL);
  g_assert_cmpuint (virtio_input_scancode_to_key (0x1d), ==, KEY_LEFTCTRL);
  g_assert_cmpuint (virtio_input_scancode_to_key (0x57), ==, KEY_F11);
  g_assert_cmpuint (virtio_input_scancode_to_key (0), ==, 0);
  g_assert_cmpuint (virtio_input_scancode_to_key (0xe0ff), ==, 0);
}

static const VirtioInputEvent click[] = {
  { EV_ABS, ABS_X, 100 },
  { EV_ABS, ABS_Y, 32767 },
  { EV_KEY, BTN_LEFT, 1 },
  { EV_SYN, SYN_REPORT, 0 },
};

static void
test_events (Fixture       *f,
             gconstpointer  data)
{
  static const VirtioInputEvent wheel[] = {
    { EV_REL, REL_WHEEL, -1 },
    { EV_SYN, SYN_REPORT, 0 },
  };

  /* Before the driver: nobody to tell. */
  g_assert_false (virtio_input_is_ready (f->vi));
  g_assert_false (virtio_input_send (f->vi, click, 4));
  td_start_queues (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  for (unsigned i = 0; i < 8; i++)
    post_event (f, 8);
  td_kick (&f->td, Q_EV);
  g_assert_false (virtio_input_send (f->vi, click, 4));
  g_assert_cmpuint (td_used_idx (&f->td, Q_EV), ==, 0);
  td_driver_ok (&f->td);
  g_assert_true (virtio_input_is_ready (f->vi));

  /* One report, in order, one interrupt. */
  g_assert_true (virtio_input_send (f->vi, click, 4));
  g_assert_cmpuint (td_used_idx (&f->td, Q_EV), ==, 4);
  for (unsigned i = 0; i < 4; i++)
    assert_used_event (f, (uint16_t) i, click[i].type, click[i].code, click[i].value);
  g_assert_cmpuint (td_msgs (&f->td, 1 + Q_EV), ==, 1);

  /* More than the driver posted: the rest waits for buffers. */
  g_assert_true (virtio_input_send (f->vi, click, 4));
  g_assert_true (virtio_input_send (f->vi, wheel, 2));
  g_assert_cmpuint (td_used_idx (&f->td, Q_EV), ==, 8);
  for (unsigned i = 0; i < 4; i++)
    post_event (f, 16);             /* larger than an event is fine */
  td_kick (&f->td, Q_EV);
  g_assert_cmpuint (td_used_idx (&f->td, Q_EV), ==, 10);
  assert_used_event (f, 8, EV_REL, REL_WHEEL, -1);
  assert_used_event (f, 9, EV_SYN, SYN_REPORT, 0);
  g_assert_cmpuint (virtio_input_get_dropped (f->vi), ==, 0);

  /* A reset forgets the driver. */
  td_wr (&f->td, f->td.common + VIRTIO_PCI_COMMON_STATUS, 0, 1);
  g_assert_false (virtio_input_is_ready (f->vi));
  g_assert_false (virtio_input_send (f->vi, wheel, 2));
}

static void
test_drops (Fixture       *f,
            gconstpointer  data)
{
  VirtioInputEvent report[4];
  unsigned n_reports = VIRTIO_INPUT_PENDING / 4 + 10;

  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  /* No buffers: the pending ring fills, then whole reports go, oldest
   * first. Report r carries ABS_X = r. */
  for (unsigned r = 0; r < n_reports; r++)
    {
      memcpy (report, click, sizeof report);
      report[0].value = (int32_t) r;
      g_assert_true (virtio_input_send (f->vi, report, 4));
    }
  g_assert_cmpuint (virtio_input_get_dropped (f->vi), ==, 10 * 4);

  /* The driver catches up: the first report it sees is whole, the 11th. */
  for (unsigned i = 0; i < f->td.q[Q_EV].size; i++)
    post_event (f, 8);
  td_kick (&f->td, Q_EV);
  g_assert_cmpuint (td_used_idx (&f->td, Q_EV), ==, f->td.q[Q_EV].size);
  for (unsigned i = 0; i < f->td.q[Q_EV].size; i += 4)
    {
      assert_used_event (f, (uint16_t) i, EV_ABS, ABS_X, (int32_t) (10 + i / 4));
      assert_used_event (f, (uint16_t) (i + 3), EV_SYN, SYN_REPORT, 0);
    }

  /* A report with no EV_SYN at all cannot wedge the ring. */
  for (unsigned i = 0; i < 2 * VIRTIO_INPUT_PENDING; i++)
    g_assert_true (virtio_input_send (f->vi, click, 1));
  g_assert_cmpuint (virtio_input_get_dropped (f->vi), >, 10 * 4);
}

static void
test_bad_event_buffer (Fixture       *f,
                       gconstpointer  data)
{
  unsigned variant = GPOINTER_TO_UINT (data) >> 8;
  uint16_t head;

  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  if (variant == 0)
    post_event (f, 4);              /* too short for an event */
  else
    {
      /* A device-readable buffer in an event chain. */
      head = td_desc (&f->td, Q_EV, EV_GPA, 8, 0, false);
      td_avail (&f->td, Q_EV, head);
    }
  td_kick (&f->td, Q_EV);
  g_assert_false (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_true (virtio_input_send (f->vi, click, 4));
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_false (virtio_input_is_ready (f->vi));
  g_assert_false (virtio_input_send (f->vi, click, 4));

  /* A buffer outside RAM breaks the queue itself. */
  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  f->n_posted = 0;
  g_assert_true (virtio_input_is_ready (f->vi));
  td_avail (&f->td, Q_EV, td_desc (&f->td, Q_EV, RAM_SIZE - 4, 8, VIRTQ_DESC_F_WRITE, false));
  td_kick (&f->td, Q_EV);
  virtio_input_send (f->vi, click, 4);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_false (virtio_input_is_ready (f->vi));
}

static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  uint8_t led[8] = { EV_LED, 0, LED_CAPSL, 0, 1, 0, 0, 0 };
  uint16_t head;

  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  /* LED states: taken and ignored. */
  for (unsigned i = 0; i < 3; i++)
    {
      memcpy (f->td.ram + ST_GPA + 16 * i, led, 8);
      td_avail (&f->td, Q_ST, td_desc (&f->td, Q_ST, ST_GPA + 16 * i, 8, 0, false));
    }
  td_kick (&f->td, Q_ST);
  g_assert_cmpuint (td_used_idx (&f->td, Q_ST), ==, 3);
  g_assert_false (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);

  /* A device-writable status buffer is the driver's mistake. */
  head = td_desc (&f->td, Q_ST, ST_GPA, 8, VIRTQ_DESC_F_WRITE, false);
  td_avail (&f->td, Q_ST, head);
  td_kick (&f->td, Q_ST);
  g_assert_cmpuint (td_used_idx (&f->td, Q_ST), ==, 4);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  g_assert_false (virtio_input_is_ready (f->vi));

  /* So is a short one, after a reset. */
  td_start (&f->td, VIRTIO_ID_INPUT, F_LINUX, 2);
  head = td_desc (&f->td, Q_ST, ST_GPA, 6, 0, false);
  td_avail (&f->td, Q_ST, head);
  td_kick (&f->td, Q_ST);
  g_assert_true (td_status (&f->td) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

#define ADD(name, kind, fn) \
  g_test_add ("/vmm/virtio-input/" name, Fixture, GINT_TO_POINTER (kind), fixture_setup, fn, \
              fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ADD ("config-tablet", VIRTIO_INPUT_TABLET, test_config_tablet);
  ADD ("config-keyboard", VIRTIO_INPUT_KEYBOARD, test_config_keyboard);
  ADD ("events", VIRTIO_INPUT_TABLET, test_events);
  ADD ("drops", VIRTIO_INPUT_TABLET, test_drops);
  ADD ("bad-event-buffer/short", VIRTIO_INPUT_TABLET, test_bad_event_buffer);
  ADD ("bad-event-buffer/readable", VIRTIO_INPUT_TABLET | 1 << 8, test_bad_event_buffer);
  ADD ("status", VIRTIO_INPUT_KEYBOARD, test_status);
  return g_test_run ();
}
