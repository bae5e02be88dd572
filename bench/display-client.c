/* display-client.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The viewer side of bench/display: a libvncclient client on a VNC server's Unix socket,
 * watching the vga-animate test guest (tests/guests/vga-animate.c, which says what its pixels
 * hold) and measuring, over a window of --seconds once the guest's 1920x1080 picture shows:
 *
 *   - full frames/s: how often every pixel of the picture has arrived again (the rectangles of
 *     consecutive updates, accumulated until they cover it all). "Whole" of those had the same
 *     frame number in every row, i.e. were not torn between two frames the guest drew;
 *   - the guest's own drawing rate, from the frame numbers seen;
 *   - latency: for each new frame stamp in row 0, the host's TSC when the rectangle holding it
 *     was decoded minus the guest's TSC when it was written (the TSC is the host's in the
 *     guest on this machine: bench/display checks that before trusting it);
 *   - CPU time of the VMM (--vmm-pid, from /proc/PID/stat: all its threads), of its vCPU
 *     thread (--vcpu-tid) and of this client, over the window.
 *
 * Raw encoding, in the pixel format the server has natively (--red-shift: 0 for libvncserver,
 * 16 for QEMU), so that neither server converts pixels: what is measured is the server's
 * refresh, copy and send, not a translation table.
 *
 * Prints one line of key=value pairs for bench/display to parse; exits 1 with a reason if the
 * picture does not show up within STARTUP_LIMIT_S. `--tsc` prints the host's TSC and its
 * rate instead. */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <rfb/rfbclient.h>

#define WIDTH          1920
#define HEIGHT         1080
#define ROW_WORDS      (WIDTH / 64)
#define HEADER_END     6
#define PIXEL_MASK     0xffffffu
#define FRAME_MOD      (1u << 24)
#define MAX_SAMPLES    100000
#define STARTUP_LIMIT_S 120.0

typedef struct
{
  int       red_shift;

  bool      measuring;
  /* Rows x 1920 bits: which pixels arrived since the last full frame. */
  uint64_t  covered[HEIGHT][ROW_WORDS];
  unsigned  rows_covered;
  uint64_t  full_frames;
  uint64_t  whole_frames;
  uint64_t  updates;
  uint64_t  pixels;

  /* Guest frame numbers seen in the header, and their count advanced mod 2^24. */
  bool      have_number;
  uint32_t  last_number;
  uint64_t  numbers_advanced;

  uint64_t  latency_ticks[MAX_SAMPLES];
  unsigned  n_latency;
  unsigned  n_negative;
} Bench;

static Bench bench;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC_RAW, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The guest's XRGB value of a pixel, whichever way the server orders it. */
static uint32_t
pixel (rfbClient *client,
       int        x,
       int        y)
{
  uint32_t v = ((const uint32_t *) client->frameBuffer)[(size_t) y * client->width + x];

  if (bench.red_shift == 0)
    v = (v & 0xff) << 16 | (v & 0xff00) | (v >> 16 & 0xff);
  return v & PIXEL_MASK;
}

static void
reset_coverage (void)
{
  memset (bench.covered, 0, sizeof bench.covered);
  bench.rows_covered = 0;
}

static void
cover (int x,
       int y,
       int w,
       int h)
{
  for (int row = y; row < y + h; row++)
    {
      uint64_t *bits = bench.covered[row];
      bool was_full = true, is_full = true;

      for (int i = 0; i < ROW_WORDS; i++)
        if (bits[i] != UINT64_MAX)
          was_full = false;
      if (was_full)
        continue;
      for (int col = x; col < x + w;)
        {
          int word = col / 64, bit = col % 64, n = 64 - bit;

          if (n > x + w - col)
            n = x + w - col;
          bits[word] |= (n == 64 ? UINT64_MAX : ((UINT64_C (1) << n) - 1) << bit);
          col += n;
        }
      for (int i = 0; i < ROW_WORDS; i++)
        if (bits[i] != UINT64_MAX)
          is_full = false;
      if (is_full)
        bench.rows_covered++;
    }
}

static void
read_header (rfbClient *client,
             uint64_t   now)
{
  uint32_t begin = pixel (client, 1, 0), end = pixel (client, 5, 0);
  uint64_t stamp;

  if (begin != end || (bench.have_number && begin == bench.last_number))
    return;
  stamp = pixel (client, 2, 0) | (uint64_t) pixel (client, 3, 0) << 24
          | (uint64_t) (pixel (client, 4, 0) & 0xffff) << 48;
  if (bench.have_number && bench.measuring)
    {
      bench.numbers_advanced += (begin - bench.last_number) % FRAME_MOD;
      if (now < stamp)
        bench.n_negative++;
      else if (bench.n_latency < MAX_SAMPLES)
        bench.latency_ticks[bench.n_latency++] = now - stamp;
    }
  bench.have_number = true;
  bench.last_number = begin;
}

static void
on_rect (rfbClient *client,
         int        x,
         int        y,
         int        w,
         int        h)
{
  uint64_t now = __rdtsc ();

  if (client->width != WIDTH || client->height != HEIGHT)
    return;
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > WIDTH || y + h > HEIGHT)
    return;
  if (y == 0 && x <= 1 && x + w >= HEADER_END)
    read_header (client, now);
  if (!bench.measuring)
    return;
  bench.pixels += (uint64_t) w * h;
  cover (x, y, w, h);
}

static void
on_update_done (rfbClient *client)
{
  bool whole = true;
  uint32_t first;

  if (!bench.measuring)
    return;
  bench.updates++;
  if (bench.rows_covered < HEIGHT)
    return;
  first = pixel (client, 0, 0);
  for (int y = 1; y < HEIGHT && whole; y++)
    whole = pixel (client, 0, y) == first;
  bench.full_frames++;
  bench.whole_frames += whole;
  reset_coverage ();
}

/* utime + stime in seconds, of every thread of pid (tid 0) or of one; -1 if unreadable. */
static double
process_cpu_s (long pid,
               long tid)
{
  char path[64], buf[1024], *p;
  unsigned long utime, stime;
  FILE *f;
  size_t n;

  if (tid > 0)
    snprintf (path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tid);
  else
    snprintf (path, sizeof path, "/proc/%ld/stat", pid);
  f = fopen (path, "r");
  if (f == NULL)
    return -1;
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  /* The command name may hold spaces: fields count from its closing parenthesis. */
  p = strrchr (buf, ')');
  if (p == NULL || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                           &utime, &stime) != 2)
    return -1;
  return (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);
}

static double
self_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6
         + (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}

static int
compare_u64 (const void *a,
             const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (double tsc_hz,
               double p)
{
  size_t i;

  if (bench.n_latency == 0)
    return NAN;
  i = (size_t) (p * (bench.n_latency - 1) + 0.5);
  return (double) bench.latency_ticks[i] / tsc_hz * 1e3;
}

static void
log_quiet (const char *format,
           ...)
{
  (void) format;
}

/* Handles messages until the deadline; false if the connection failed. */
static bool
run_until (rfbClient *client,
           double     deadline)
{
  while (now_s () < deadline)
    {
      int n = WaitForMessage (client, 100000);

      if (n < 0)
        return false;
      if (n > 0 && !HandleRFBServerMessage (client))
        return false;
    }
  return true;
}

static rfbClient *
connect_to (const char *socket_path)
{
  rfbClient *client = rfbGetClient (8, 3, 4);

  client->format.redShift = (uint8_t) bench.red_shift;
  client->format.greenShift = 8;
  client->format.blueShift = (uint8_t) (16 - bench.red_shift);
  client->appData.encodingsString = "raw";
  client->appData.useRemoteCursor = FALSE;
  client->canHandleNewFBSize = TRUE;
  free (client->serverHost);
  client->serverHost = strdup (socket_path);   /* a path: libvncclient takes a Unix socket */
  client->GotFrameBufferUpdate = on_rect;
  client->FinishedFrameBufferUpdate = on_update_done;
  /* On failure it has freed the client. */
  return rfbInitClient (client, NULL, NULL) ? client : NULL;
}

static void
disconnect (rfbClient *client)
{
  /* rfbClientCleanup() leaves the picture, which libvncclient's default allocator made. */
  free (client->frameBuffer);
  client->frameBuffer = NULL;
  rfbClientCleanup (client);
}

/* --tsc: the host's TSC now (for bench/display's check that the guest reads the same one),
 * then its rate. */
static int
print_tsc (void)
{
  uint64_t tsc0 = __rdtsc (), tsc1;
  double start = now_s (), end;

  printf ("tsc=%llu", (unsigned long long) tsc0);
  fflush (stdout);
  usleep (200000);
  tsc1 = __rdtsc ();
  end = now_s ();
  printf (" tsc_hz=%.0f\n", (double) (tsc1 - tsc0) / (end - start));
  return 0;
}

static void
usage (void)
{
  fprintf (stderr, "usage: display-client SOCKET [--seconds S] [--warmup S] [--vmm-pid PID\n"
                   "                      [--vcpu-tid TID]] [--red-shift 0|16] [--verbose]\n"
                   "       display-client --tsc\n");
  exit (2);
}

int
main (int    argc,
      char **argv)
{
  const char *socket_path = NULL;
  double seconds = 10, warmup = 1, start, end, self0, self1, tsc_hz;
  double vmm_cpu0, vmm_cpu1, vcpu_cpu0, vcpu_cpu1;
  long vmm_pid = 0, vcpu_tid = 0;
  bool verbose = false;
  uint64_t tsc0, tsc1;
  rfbClient *client = NULL;

  bench.red_shift = 16;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--seconds") == 0 && i + 1 < argc)
        seconds = atof (argv[++i]);
      else if (strcmp (argv[i], "--warmup") == 0 && i + 1 < argc)
        warmup = atof (argv[++i]);
      else if (strcmp (argv[i], "--vmm-pid") == 0 && i + 1 < argc)
        vmm_pid = atol (argv[++i]);
      else if (strcmp (argv[i], "--vcpu-tid") == 0 && i + 1 < argc)
        vcpu_tid = atol (argv[++i]);
      else if (strcmp (argv[i], "--tsc") == 0)
        return print_tsc ();
      else if (strcmp (argv[i], "--red-shift") == 0 && i + 1 < argc)
        bench.red_shift = atoi (argv[++i]);
      else if (strcmp (argv[i], "--verbose") == 0)
        verbose = true;
      else if (argv[i][0] != '-' && socket_path == NULL)
        socket_path = argv[i];
      else
        usage ();
    }
  if (socket_path == NULL || seconds <= 0 || (bench.red_shift != 0 && bench.red_shift != 16))
    usage ();

  if (!verbose)
    {
      rfbClientLog = log_quiet;
      rfbClientErr = log_quiet;
    }
  /* The guest's picture first: the mode set, and frames advancing. A server may break the
   * connection while the machine boots (QEMU sends a rectangle larger than the picture it
   * announced when the mode changes before the client's encodings arrive): then again. */
  start = now_s ();
  while (client == NULL || !(client->width == WIDTH && client->height == HEIGHT
                             && bench.have_number))
    {
      if (now_s () - start > STARTUP_LIMIT_S)
        {
          fprintf (stderr, "display-client: no %dx%d picture from the guest after %.0f s\n",
                   WIDTH, HEIGHT, now_s () - start);
          if (client != NULL)
            disconnect (client);
          return 1;
        }
      if (client == NULL && (client = connect_to (socket_path)) == NULL)
        usleep (100000);
      else if (!run_until (client, now_s () + 0.1))
        {
          disconnect (client);
          client = NULL;
          bench.have_number = false;
        }
    }
  if (!run_until (client, now_s () + warmup))
    {
      fprintf (stderr, "display-client: the connection failed during warm-up\n");
      disconnect (client);
      return 1;
    }

  reset_coverage ();
  vmm_cpu0 = vmm_pid > 0 ? process_cpu_s (vmm_pid, 0) : -1;
  vcpu_cpu0 = vmm_pid > 0 && vcpu_tid > 0 ? process_cpu_s (vmm_pid, vcpu_tid) : -1;
  self0 = self_cpu_s ();
  tsc0 = __rdtsc ();
  start = now_s ();
  bench.measuring = true;
  if (!run_until (client, start + seconds))
    {
      fprintf (stderr, "display-client: the connection failed while measuring\n");
      disconnect (client);
      return 1;
    }
  bench.measuring = false;
  end = now_s ();
  tsc1 = __rdtsc ();
  self1 = self_cpu_s ();
  vmm_cpu1 = vmm_pid > 0 ? process_cpu_s (vmm_pid, 0) : -1;
  vcpu_cpu1 = vmm_pid > 0 && vcpu_tid > 0 ? process_cpu_s (vmm_pid, vcpu_tid) : -1;
  disconnect (client);

  tsc_hz = (double) (tsc1 - tsc0) / (end - start);
  qsort (bench.latency_ticks, bench.n_latency, sizeof bench.latency_ticks[0], compare_u64);
  printf ("seconds=%.3f full_frames=%llu whole_frames=%llu updates=%llu mpixels=%.1f "
          "fps=%.2f guest_fps=%.2f latency_n=%u latency_negative=%u latency_median_ms=%.3f "
          "latency_p95_ms=%.3f latency_min_ms=%.3f vmm_cpu_s=%.3f vcpu_cpu_s=%.3f "
          "client_cpu_s=%.3f tsc_mhz=%.1f\n",
          end - start, (unsigned long long) bench.full_frames,
          (unsigned long long) bench.whole_frames, (unsigned long long) bench.updates,
          (double) bench.pixels / 1e6, (double) bench.full_frames / (end - start),
          (double) bench.numbers_advanced / (end - start), bench.n_latency, bench.n_negative,
          percentile_ms (tsc_hz, 0.5), percentile_ms (tsc_hz, 0.95), percentile_ms (tsc_hz, 0),
          vmm_cpu0 >= 0 && vmm_cpu1 >= 0 ? vmm_cpu1 - vmm_cpu0 : -1.0,
          vcpu_cpu0 >= 0 && vcpu_cpu1 >= 0 ? vcpu_cpu1 - vcpu_cpu0 : -1.0, self1 - self0,
          tsc_hz / 1e6);
  return 0;
}
