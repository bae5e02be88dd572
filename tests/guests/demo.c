/* demo.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The demo guest: what a fresh Guesthouse shows before the user has an operating system to
 * boot. It draws a welcome screen in VGA text mode (80x25 at 0xb8000) with live lines for the
 * memory (following a virtio-balloon the way virtio-balloon.c does, without touching the
 * pages), the vCPUs (from the MADT), the uptime and the last keys typed on the PS/2 keyboard,
 * and runs a tiny `demo> ` prompt on COM1 (help, mem, cpus, uptime). It never exits, except
 * with exit-after-banner=1 on its command line, when it passes right after the banner (for
 * the boot test).
 *
 * Everything is polled, every POLL_MS: the i8042 status port, the UART's line status, the
 * CMOS RTC seconds register and the balloon's num_pages. Between polls the CPU halts on a
 * local APIC TSC-deadline timer when there is one (checked to fire at start), so an idle demo
 * costs the host next to nothing; without one it spins on pause like udelay(). Only what
 * changed is redrawn, a few 64-bit writes at a time: every access to the text buffer is an
 * exit on a VMM that emulates it.
 *
 * The uptime is the TSC's, calibrated against the RTC: the TSC is read at each change of the
 * RTC seconds register, and after two changes the rate is (TSC between the first and the
 * latest change) / (changes - 1), refined at every change. Until then (and on a machine with
 * no RTC) it counts seconds at the rate CPUID leaf 0x15/0x16 gives, or else at
 * GUEST_TSC_MAX_HZ.
 */

#include "virtio.h"

#define POLL_MS 50

/* ---- VGA text mode ------------------------------------------------------------------------ */

#define VGA_TEXT     0xb8000
#define VGA_COLS     80
#define VGA_ROWS     25
#define CRTC_INDEX   0x3d4
#define CRTC_DATA    0x3d5

/* Attributes: background << 4 | foreground. */
#define A_SCREEN  0x17   /* light grey on blue */
#define A_FRAME   0x1b   /* light cyan on blue */
#define A_TITLE   0x1e   /* yellow on blue */
#define A_LABEL   0x1f   /* white on blue */
#define A_VALUE   0x1e
#define A_BAR_ON  0x1a   /* light green on blue */
#define A_BAR_OFF 0x19   /* light blue on blue */
#define A_STATUS  0x30   /* black on cyan */
#define A_HINT    0x13   /* cyan on blue */

/* Code page 437 box drawing. */
#define CP_DH  0xcd
#define CP_DV  0xba
#define CP_DTL 0xc9
#define CP_DTR 0xbb
#define CP_DBL 0xc8
#define CP_DBR 0xbc
#define CP_H   0xc4
#define CP_V   0xb3
#define CP_TL  0xda
#define CP_TR  0xbf
#define CP_BL  0xc0
#define CP_BR  0xd9
#define CP_FULL  0xdb
#define CP_LIGHT 0xb0
#define CP_ENTER 0x11    /* a left-pointing triangle stands for Enter */

/* What the screen holds (the guest's copy), so that a change is a few aligned writes. */
static uint16_t screen[VGA_ROWS][VGA_COLS] __attribute__ ((aligned (8)));

static void
put_cell (int row, int col, uint8_t ch, uint8_t attr)
{
  if (row >= 0 && row < VGA_ROWS && col >= 0 && col < VGA_COLS)
    screen[row][col] = (uint16_t) (attr << 8 | ch);
}

static void
put_text (int row, int col, uint8_t attr, const char *s)
{
  for (; *s != '\0'; s++, col++)
    put_cell (row, col, (uint8_t) *s, attr);
}

/* Pads with spaces to width. */
static void
put_field (int row, int col, int width, uint8_t attr, const char *s)
{
  for (int i = 0; i < width; i++)
    put_cell (row, col + i, *s != '\0' ? (uint8_t) *s++ : ' ', attr);
}

/* Copies cells [c0, c1) of row to video memory, 8 bytes (4 cells) a write. */
static void
flush (int row, int c0, int c1)
{
  const uint64_t *src = (const uint64_t *) screen[row];
  uintptr_t dst = VGA_TEXT + (uintptr_t) row * VGA_COLS * 2;

  for (int w = c0 / 4; w < (c1 + 3) / 4; w++)
    mmio_write64 (dst + (uintptr_t) w * 8, src[w]);
}

static void
flush_all (void)
{
  for (int r = 0; r < VGA_ROWS; r++)
    flush (r, 0, VGA_COLS);
}

static void
crtc_write (uint8_t index, uint8_t value)
{
  outb (CRTC_INDEX, index);
  outb (CRTC_DATA, value);
}

static void
cursor_at (int row, int col)
{
  uint16_t pos = (uint16_t) (row * VGA_COLS + col);

  crtc_write (0x0e, pos >> 8);
  crtc_write (0x0f, pos & 0xff);
}

static void
box (int top, int left, int bottom, int right, bool dbl, uint8_t attr)
{
  uint8_t h = dbl ? CP_DH : CP_H, v = dbl ? CP_DV : CP_V;

  for (int c = left + 1; c < right; c++)
    {
      put_cell (top, c, h, attr);
      put_cell (bottom, c, h, attr);
    }
  for (int r = top + 1; r < bottom; r++)
    {
      put_cell (r, left, v, attr);
      put_cell (r, right, v, attr);
    }
  put_cell (top, left, dbl ? CP_DTL : CP_TL, attr);
  put_cell (top, right, dbl ? CP_DTR : CP_TR, attr);
  put_cell (bottom, left, dbl ? CP_DBL : CP_BL, attr);
  put_cell (bottom, right, dbl ? CP_DBR : CP_BR, attr);
}

/* The layout. */
#define ROW_TITLE   2
#define ROW_TEXT    5
#define COL_TEXT    4
#define ROW_LIVE    11           /* the top of the live box */
#define ROW_MEMORY  (ROW_LIVE + 2)
#define ROW_BAR     (ROW_LIVE + 3)
#define ROW_CPUS    (ROW_LIVE + 5)
#define ROW_UPTIME  (ROW_LIVE + 6)
#define ROW_KEYS    (ROW_LIVE + 7)
#define ROW_STATUS  (VGA_ROWS - 1)
#define COL_LABEL   8
#define COL_VALUE   18
#define VALUE_WIDTH 60
#define BAR_WIDTH   52
#define KEYS_MAX    56

static const char *const explanation[] = {
  "A tiny guest built from Guesthouse's own sources (tests/guests/demo.c):",
  "no operating system, a few hundred lines of C driving the virtual hardware.",
  "",
  "Type on the keyboard and the keys show up below. Move the memory slider",
  "and the Memory line follows the balloon. On the serial console, type help.",
};
static void
draw_static (void)
{
  static const char title[] = "Guesthouse demo guest";
  int tl = (int) sizeof title - 1;
  int left = (VGA_COLS - tl) / 2 - 4, right = (VGA_COLS + tl) / 2 + 3;

  for (int r = 0; r < VGA_ROWS; r++)
    for (int c = 0; c < VGA_COLS; c++)
      screen[r][c] = A_SCREEN << 8 | ' ';
  box (ROW_TITLE - 1, left, ROW_TITLE + 1, right, true, A_FRAME);
  put_text (ROW_TITLE, (VGA_COLS - tl) / 2, A_TITLE, title);
  for (unsigned int i = 0; i < GUEST_ARRAY_SIZE (explanation); i++)
    put_text (ROW_TEXT + (int) i, COL_TEXT, A_SCREEN, explanation[i]);
  box (ROW_LIVE, COL_TEXT, ROW_KEYS + 2, VGA_COLS - 1 - COL_TEXT, false, A_FRAME);
  put_text (ROW_LIVE, COL_TEXT + 3, A_FRAME, " This machine ");
  put_text (ROW_MEMORY, COL_LABEL, A_LABEL, "Memory:");
  put_text (ROW_CPUS, COL_LABEL, A_LABEL, "vCPUs:");
  put_text (ROW_UPTIME, COL_LABEL, A_LABEL, "Uptime:");
  put_text (ROW_KEYS, COL_LABEL, A_LABEL, "Keys:");
  put_field (ROW_STATUS, 0, VGA_COLS, A_STATUS,
             " Guesthouse demo guest" "     "
             "PVH boot - VGA text - PS/2 keyboard - virtio-balloon");
}

/* ---- the machine -------------------------------------------------------------------------- */

static uint64_t ram_mib;        /* RAM in the memory map */
static int n_cpus;
static uint64_t boot_tsc;
static uint64_t tsc_hz;         /* 0 until known */
static bool tsc_hz_calibrated;  /* against the RTC */

static uint64_t
memmap_ram_mib (void)
{
  const struct hvm_memmap_entry *map;
  uint64_t bytes = 0;
  uint32_t n;

  map = guest_memmap (&n);
  for (uint32_t i = 0; i < n; i++)
    if (map[i].type == HVM_MEMMAP_RAM)
      bytes += map[i].size;
  /* The hole below 1 MiB (the EBDA and the legacy ROM area) is not a lost megabyte. */
  return (bytes + (1u << 20) - 1) >> 20;
}

static int
madt_cpus (const struct hvm_start_info *start_info)
{
  const struct acpi_rsdp *rsdp = acpi_find_rsdp (start_info);
  const struct acpi_sdt_header *madt;
  int n;

  if (rsdp == NULL || (madt = acpi_find_table (rsdp, "APIC")) == NULL)
    return 1;
  n = acpi_madt_cpus (madt, NULL, 0);
  return n > 0 ? n : 1;
}

/* A first guess at the TSC rate, from CPUID (leaf 0x15, then 0x16, then the hypervisor leaf
 * 0x40000010 that KVM and VMware fill in), or 0. */
static uint64_t
cpuid_tsc_hz (void)
{
  uint32_t max, a, b, c, d;

  cpuid (0, 0, &max, &b, &c, &d);
  if (max >= 0x15)
    {
      cpuid (0x15, 0, &a, &b, &c, &d);
      if (a != 0 && b != 0 && c != 0)
        return (uint64_t) c * b / a;
    }
  if (max >= 0x16)
    {
      cpuid (0x16, 0, &a, &b, &c, &d);
      if ((a & 0xffff) != 0)
        return (uint64_t) (a & 0xffff) * 1000000;
    }
  cpuid (0x40000000, 0, &max, &b, &c, &d);
  if (max >= 0x40000010 && max < 0x40000100)
    {
      cpuid (0x40000010, 0, &a, &b, &c, &d);
      if (a != 0)
        return (uint64_t) a * 1000;
    }
  return 0;
}

static uint64_t
tsc_rate (void)
{
  return tsc_hz != 0 ? tsc_hz : GUEST_TSC_MAX_HZ;
}

static uint64_t
uptime_s (void)
{
  return (rdtsc () - boot_tsc) / tsc_rate ();
}

/* RTC calibration: called every poll. */
static uint8_t rtc_last = 0xff;
static uint64_t rtc_first_tsc;
static unsigned int rtc_changes;

static void
rtc_poll (void)
{
  uint8_t s;
  uint64_t now;

  outb (0x70, 0x00);
  s = inb (0x71);
  if (s == rtc_last)
    return;
  now = rdtsc ();
  if (rtc_last != 0xff && s != 0xff)
    {
      if (rtc_changes++ == 0)
        rtc_first_tsc = now;
      else
        {
          tsc_hz = (now - rtc_first_tsc) / (rtc_changes - 1);
          tsc_hz_calibrated = true;
        }
    }
  rtc_last = s;
}

/* ---- the balloon -------------------------------------------------------------------------- */

/* As in virtio-balloon.c: the balloon is one run of pages [base_pfn, base_pfn + actual) from
 * guest_alloc(), handed over BATCH_PAGES at a time; the pages are never touched. */
#define BALLOON_NUM_PAGES 0
#define BALLOON_ACTUAL    4
#define PAGE_SHIFT        12
#define PAGE_SIZE         4096u
#define BATCH_PAGES       256
#define MARGIN            (1024u * 1024)

static struct virtio_pci balloon;
static bool have_balloon;
static struct virtq inflateq, deflateq;
static uint32_t *pfns;
static uint64_t base_pfn;
static uint32_t reserved, actual, target;

static void
balloon_init (void)
{
  if (!virtio_pci_find (VIRTIO_ID_BALLOON, &balloon) || !virtio_start (&balloon, 0)
      || balloon.device == 0 || balloon.device_length < 8
      || !virtio_queue_setup (&balloon, &inflateq, 0, 8)
      || !virtio_queue_setup (&balloon, &deflateq, 1, 8) || !virtio_driver_ok (&balloon))
    return;
  pfns = guest_alloc (BATCH_PAGES * 4, 64);
  virtio_config_write32 (&balloon, BALLOON_ACTUAL, 0);
  have_balloon = true;
}

static bool
balloon_transfer (struct virtq *q, uint32_t count, bool inflate)
{
  while (count > 0)
    {
      uint32_t n = count < BATCH_PAGES ? count : BATCH_PAGES;
      uint32_t first = inflate ? actual : actual - n;
      struct virtq_buf b = { pfns, n * 4, false };

      for (uint32_t i = 0; i < n; i++)
        pfns[i] = (uint32_t) (base_pfn + first + i);
      if (!virtq_transfer (q, &b, 1, VIRTIO_TIMEOUT_US, NULL))
        return false;
      actual = inflate ? actual + n : actual - n;
      virtio_config_write32 (&balloon, BALLOON_ACTUAL, actual);
      count -= n;
    }
  return true;
}

/* Follows num_pages as far as the RAM allows; returns whether actual changed. A balloon that
 * misbehaves is left alone from then on (the demo goes on without it). */
static bool
balloon_poll (void)
{
  uint32_t want, before = actual;

  if (!have_balloon)
    return false;
  want = virtio_config_read32 (&balloon, BALLOON_NUM_PAGES);
  if (want == target)
    return false;
  target = want;
  if (want > reserved)
    {
      size_t avail = guest_alloc_available (PAGE_SIZE);
      uint64_t more = want - reserved;
      uintptr_t pages;

      if (avail < MARGIN + PAGE_SIZE)
        more = 0;
      else if (more > (avail - MARGIN) / PAGE_SIZE)
        more = (avail - MARGIN) / PAGE_SIZE;
      if (more > 0)
        {
          pages = (uintptr_t) guest_alloc (more * PAGE_SIZE, PAGE_SIZE);
          if (reserved == 0)
            base_pfn = pages >> PAGE_SHIFT;
          reserved += (uint32_t) more;
        }
      if (want > reserved)
        want = reserved;
    }
  if (!(want > actual ? balloon_transfer (&inflateq, want - actual, true)
                      : balloon_transfer (&deflateq, actual - want, false)))
    {
      guest_printf ("\ndemo: the balloon stopped answering; the Memory line stays as it is\n");
      have_balloon = false;
    }
  return actual != before;
}

static uint64_t
memory_mib (void)
{
  return ram_mib - (((uint64_t) actual * PAGE_SIZE) >> 20);
}

/* ---- live lines --------------------------------------------------------------------------- */

static char keys[KEYS_MAX + 1];
static unsigned int n_keys;

static void
draw_memory (void)
{
  char line[VALUE_WIDTH + 1];
  uint64_t have = memory_mib ();
  int on = ram_mib != 0 ? (int) ((have * BAR_WIDTH + ram_mib / 2) / ram_mib) : 0;

  if (have_balloon)
    guest_snprintf (line, sizeof line, "%lu MiB of %lu MiB   (the balloon holds %lu MiB)", have,
                    ram_mib, ram_mib - have);
  else
    guest_snprintf (line, sizeof line, "%lu MiB of %lu MiB   (no balloon device)", have,
                    ram_mib);
  put_field (ROW_MEMORY, COL_VALUE, VALUE_WIDTH, A_VALUE, line);
  for (int i = 0; i < BAR_WIDTH; i++)
    put_cell (ROW_BAR, COL_VALUE + i, i < on ? CP_FULL : CP_LIGHT, i < on ? A_BAR_ON : A_BAR_OFF);
  flush (ROW_MEMORY, COL_VALUE, COL_VALUE + VALUE_WIDTH);
  flush (ROW_BAR, COL_VALUE, COL_VALUE + BAR_WIDTH);
}

static void
draw_cpus (void)
{
  char line[16];

  guest_snprintf (line, sizeof line, "%d", n_cpus);
  put_field (ROW_CPUS, COL_VALUE, 8, A_VALUE, line);
  flush (ROW_CPUS, COL_VALUE, COL_VALUE + 8);
}

static void
format_uptime (char *buf, size_t size, uint64_t s)
{
  if (s < 60)
    guest_snprintf (buf, size, "%lu s", s);
  else if (s < 3600)
    guest_snprintf (buf, size, "%lu s (%lu min %02lu s)", s, s / 60, s % 60);
  else
    guest_snprintf (buf, size, "%lu s (%lu h %02lu min)", s, s / 3600, s / 60 % 60);
}

static void
draw_uptime (uint64_t s)
{
  char line[40];

  format_uptime (line, sizeof line, s);
  put_field (ROW_UPTIME, COL_VALUE, 32, A_VALUE, line);
  flush (ROW_UPTIME, COL_VALUE, COL_VALUE + 32);
}

static void
draw_keys (void)
{
  if (n_keys == 0)
    put_field (ROW_KEYS, COL_VALUE, KEYS_MAX + 1, A_HINT, " (type something)");
  else
    put_field (ROW_KEYS, COL_VALUE, KEYS_MAX + 1, A_VALUE, keys);
  flush (ROW_KEYS, COL_VALUE, COL_VALUE + KEYS_MAX + 1);
  cursor_at (ROW_KEYS, COL_VALUE + (int) n_keys);
}

/* ---- the PS/2 keyboard -------------------------------------------------------------------- */

#define I8042_DATA   0x60
#define I8042_STATUS 0x64
#define I8042_OBF    0x01
#define I8042_AUX    0x20

/* Set 1 make codes 0x00-0x39, US layout; 0 for keys that type nothing. */
static const char keymap[0x3a] = {
  0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
  'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
  'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
  'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char keymap_shift[0x3a] = {
  0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
  'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
  'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
  'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

static bool shift_left, shift_right, caps_lock, extended;

static void
key_typed (char c)
{
  if (c == '\b')
    {
      if (n_keys > 0)
        keys[--n_keys] = '\0';
      return;
    }
  if (c == '\n')
    c = (char) CP_ENTER;
  else if (c == '\t' || c == 27)
    c = ' ';
  if (n_keys == KEYS_MAX)
    {
      memmove (keys, keys + 1, KEYS_MAX - 1);
      n_keys--;
    }
  keys[n_keys++] = c;
  keys[n_keys] = '\0';
}

/* Reads what the keyboard sent; returns whether the Keys line changed. */
static bool
keyboard_poll (void)
{
  bool changed = false;
  uint8_t status;

  /* Each read lets the controller fetch the next byte from the keyboard's queue. The bound
   * keeps a stuck controller from holding the loop. */
  for (int i = 0; i < 64 && ((status = inb (I8042_STATUS)) & I8042_OBF); i++)
    {
      uint8_t code = inb (I8042_DATA);
      bool make = !(code & 0x80);
      uint8_t key = code & 0x7f;

      if (status & I8042_AUX)
        continue;                       /* the mouse */
      if (code == 0xe0 || code == 0xe1)
        {
          extended = true;
          continue;
        }
      if (extended)
        {
          extended = false;             /* arrows, keypad Enter and friends: ignored */
          continue;
        }
      if (key == 0x2a)
        shift_left = make;
      else if (key == 0x36)
        shift_right = make;
      else if (key == 0x3a && make)
        caps_lock = !caps_lock;
      else if (make && key < sizeof keymap && keymap[key] != 0)
        {
          bool shift = shift_left || shift_right;
          char c = keymap[key];

          if (caps_lock && c >= 'a' && c <= 'z')
            shift = !shift;
          key_typed (shift ? keymap_shift[key] : c);
          changed = true;
        }
    }
  return changed;
}

/* ---- the serial console ------------------------------------------------------------------- */

#define UART_LSR    5
#define UART_LSR_DR 0x01
#define LINE_MAX    64

static char line[LINE_MAX];
static unsigned int line_len;

static void
prompt (void)
{
  guest_printf ("demo> ");
}

static void
print_mem (void)
{
  guest_printf ("memory: %lu MiB of %lu MiB", memory_mib (), ram_mib);
  if (have_balloon)
    guest_printf (" (the balloon holds %u MiB, the host asks for %u)\n",
                  (unsigned int) (((uint64_t) actual * PAGE_SIZE) >> 20),
                  (unsigned int) (((uint64_t) target * PAGE_SIZE) >> 20));
  else
    guest_printf (" (no balloon device)\n");
}

static void
command (const char *cmd)
{
  char buf[40];

  if (strcmp (cmd, "") == 0)
    return;
  if (strcmp (cmd, "help") == 0)
    guest_printf ("commands:\n"
                  "  help    this list\n"
                  "  mem     memory, following the balloon\n"
                  "  cpus    vCPUs in the MADT\n"
                  "  uptime  seconds since boot\n"
                  "anything else is echoed back.\n");
  else if (strcmp (cmd, "mem") == 0)
    print_mem ();
  else if (strcmp (cmd, "cpus") == 0)
    guest_printf ("vCPUs: %d\n", n_cpus);
  else if (strcmp (cmd, "uptime") == 0)
    {
      format_uptime (buf, sizeof buf, uptime_s ());
      guest_printf ("uptime: %s%s\n", buf,
                    tsc_hz_calibrated ? "" : " (TSC not yet calibrated against the RTC)");
    }
  else
    guest_printf ("you typed: %s\n", cmd);
}

static void
serial_poll (void)
{
  for (int i = 0; i < 64 && (inb (SERIAL_COM1 + UART_LSR) & UART_LSR_DR); i++)
    {
      char c = (char) inb (SERIAL_COM1);

      if (c == '\r' || c == '\n')
        {
          /* CR LF from a terminal is one line, not two. */
          static char last;

          if (c == '\n' && last == '\r')
            {
              last = c;
              continue;
            }
          last = c;
          guest_printf ("\n");
          line[line_len] = '\0';
          command (line);
          line_len = 0;
          prompt ();
          continue;
        }
      if (c == 0x7f || c == '\b')
        {
          if (line_len > 0)
            {
              line_len--;
              guest_printf ("\b \b");
            }
        }
      else if (c == 0x15)               /* ^U */
        {
          for (; line_len > 0; line_len--)
            guest_printf ("\b \b");
        }
      else if (c >= ' ' && c < 0x7f && line_len < LINE_MAX - 1)
        {
          line[line_len++] = c;
          serial_putc (c);
        }
    }
}

/* ---- main --------------------------------------------------------------------------------- */

int
guest_main (const struct hvm_start_info *start_info)
{
  uint64_t exit_after_banner = 0, shown_uptime = UINT64_MAX;
  uint64_t next;

  boot_tsc = rdtsc ();
  cmdline_get_u64 (guest_cmdline (), "exit-after-banner", &exit_after_banner);

  ram_mib = memmap_ram_mib ();
  n_cpus = madt_cpus (start_info);
  tsc_hz = cpuid_tsc_hz ();
  balloon_init ();

  draw_static ();
  flush_all ();
  draw_cpus ();
  balloon_poll ();
  draw_memory ();
  draw_keys ();

  guest_printf ("\n"
                "Guesthouse demo guest\n"
                "A tiny guest built from the Guesthouse sources: it draws on the VGA screen,\n"
                "echoes the keyboard there and follows the memory balloon. Type help and Enter.\n");
  if (exit_after_banner != 0)
    {
      serial_flush ();
      return GUEST_EXIT_PASS;
    }
  prompt ();

  guest_timer_init ();
  next = rdtsc ();
  for (;;)
    {
      uint64_t up;

      next += POLL_MS * (tsc_rate () / 1000);
      guest_sleep_until (next);
      /* Do not try to catch up after a pause of the VM: just go on from now. */
      if (deadline_passed (next + POLL_MS * (tsc_rate () / 1000)))
        next = rdtsc ();

      if (keyboard_poll ())
        draw_keys ();
      serial_poll ();
      rtc_poll ();
      if (balloon_poll ())
        draw_memory ();
      up = uptime_s ();
      if (up != shown_uptime)
        {
          draw_uptime (up);
          shown_uptime = up;
        }
    }
}
