/* test-vnc.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The VNC module as the VMM uses it (loaded with vnc_module_load), driven by
 * libvncclient over its Unix socket and TCP, and by vncsnapshot when that is
 * installed. No KVM: the picture comes from a fake frame source. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <rfb/rfbclient.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "display/vnc-module.h"

typedef struct
{
  GMutex      lock;
  GCond       cond;
  uint32_t    width;
  uint32_t    height;
  uint8_t    *pixels;
  bool        resized;
  unsigned    acquires;

  unsigned    n_keys;
  bool        key_down;
  uint32_t    keysym;
  uint32_t    qnum;
  unsigned    n_pointer;
  uint32_t    px;
  uint32_t    py;
  uint32_t    buttons;
} Source;

static uint32_t
pattern (uint32_t x,
         uint32_t y)
{
  return (x & 0xff) << 16 | (y & 0xff) << 8 | ((x ^ y) & 0xff);
}

static void
source_set_size (Source   *s,
                 uint32_t  width,
                 uint32_t  height)
{
  g_mutex_lock (&s->lock);
  g_free (s->pixels);
  s->pixels = g_malloc ((size_t) width * height * 4);
  s->width = width;
  s->height = height;
  for (uint32_t y = 0; y < height; y++)
    for (uint32_t x = 0; x < width; x++)
      {
        uint32_t v = pattern (x, y);

        memcpy (s->pixels + ((size_t) y * width + x) * 4, &v, 4);
      }
  s->resized = true;
  g_mutex_unlock (&s->lock);
}

static bool
source_acquire (void       *opaque,
                GhVncFrame *frame)
{
  Source *s = opaque;

  g_mutex_lock (&s->lock);
  frame->width = s->width;
  frame->height = s->height;
  frame->stride = s->width * 4;
  frame->pixels = s->pixels;
  frame->resized = s->resized;
  frame->n_rects = 0;
  s->resized = false;
  s->acquires++;
  /* Held until release: the pixels must not change meanwhile. */
  return true;
}

static void
source_release (void *opaque)
{
  Source *s = opaque;

  g_mutex_unlock (&s->lock);
}

static void
source_key (void     *opaque,
            bool      down,
            uint32_t  keysym,
            uint32_t  qnum)
{
  Source *s = opaque;

  g_mutex_lock (&s->lock);
  s->n_keys++;
  s->key_down = down;
  s->keysym = keysym;
  s->qnum = qnum;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

static void
source_pointer (void     *opaque,
                uint32_t  x,
                uint32_t  y,
                uint32_t  buttons)
{
  Source *s = opaque;

  g_mutex_lock (&s->lock);
  s->n_pointer++;
  s->px = x;
  s->py = y;
  s->buttons = buttons;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

static void
source_log (void       *opaque,
            const char *message)
{
  g_test_message ("server: %s", message);
}

typedef struct
{
  Source              src;
  const GhVncModule  *module;
  GhVncServer        *server;
  char               *dir;
  char               *path;
  int                 tcp_port;
} Fixture;

static int
free_port (void)
{
  /* A display number vncsnapshot can name: 5900 + N. */
  for (int port = 5950; port < 6000; port++)
    {
      struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons (port) };
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      bool ok;

      a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      ok = bind (fd, (struct sockaddr *) &a, sizeof a) == 0;
      close (fd);
      if (ok)
        return port;
    }
  return 0;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  GhVncCallbacks cb = {
    .opaque = &f->src,
    .acquire_frame = source_acquire,
    .release_frame = source_release,
    .key_event = source_key,
    .pointer_event = source_pointer,
    .log = source_log,
  };
  GhVncConfig config = { 0 };
  char error[256] = "";

  g_mutex_init (&f->src.lock);
  g_cond_init (&f->src.cond);
  source_set_size (&f->src, 320, 200);
  f->module = vnc_module_load (error, sizeof error);
  if (f->module == NULL)
    g_error ("%s", error);
  f->dir = g_dir_make_tmp ("gh-vnc-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "display", NULL);
  f->tcp_port = GPOINTER_TO_INT (data) ? free_port () : 0;
  config.unix_path = f->path;
  config.tcp_port = f->tcp_port;
  config.refresh_ms = 10;
  f->server = f->module->start (&config, &cb, error, sizeof error);
  if (f->server == NULL)
    g_error ("%s", error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  f->module->stop (f->server);
  /* The socket is gone with the server. */
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  g_free (f->src.pixels);
  g_mutex_clear (&f->src.lock);
  g_cond_clear (&f->src.cond);
}

static rfbClient *
client_connect (const char *host,
                int         port)
{
  rfbClient *cl = rfbGetClient (8, 3, 4);

  free (cl->serverHost);
  cl->serverHost = strdup (host);      /* a path: libvncclient uses a Unix socket */
  cl->serverPort = port;
  cl->canHandleNewFBSize = TRUE;
  /* XRGB like the server's picture (cairo's RGB24), and a lossless
   * encoding so that pixels compare exactly. */
  cl->format.redShift = 16;
  cl->format.greenShift = 8;
  cl->format.blueShift = 0;
  cl->appData.encodingsString = "hextile raw";
  /* rfbInitClient frees the client itself on failure. */
  if (!rfbInitClient (cl, NULL, NULL))
    return NULL;
  return cl;
}

static void
client_free (rfbClient *cl)
{
  /* The default MallocFrameBuffer's buffer is the caller's to free. */
  free (cl->frameBuffer);
  rfbClientCleanup (cl);
}

/* Handles server messages until check() is true or 5 s pass. */
static bool
client_until (rfbClient  *cl,
              bool      (*check) (rfbClient *cl, gpointer data),
              gpointer    data)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!check (cl, data))
    {
      int n;

      if (g_get_monotonic_time () > deadline)
        return false;
      n = WaitForMessage (cl, 20000);
      if (n < 0)
        return false;
      if (n > 0 && !HandleRFBServerMessage (cl))
        return false;
    }
  return true;
}

static bool
picture_matches (rfbClient *cl,
                 gpointer   data)
{
  Source *src = data;
  uint32_t w, h;

  g_mutex_lock (&src->lock);
  w = src->width;
  h = src->height;
  g_mutex_unlock (&src->lock);
  if ((uint32_t) cl->width != w || (uint32_t) cl->height != h || cl->frameBuffer == NULL)
    {
      if (g_getenv ("VNC_TEST_DEBUG"))
        g_test_message ("client %dx%d, source %ux%u", cl->width, cl->height, w, h);
      return false;
    }
  for (uint32_t y = 0; y < h; y += 7)
    for (uint32_t x = 0; x < w; x += 5)
      {
        uint32_t v;

        memcpy (&v, cl->frameBuffer + ((size_t) y * w + x) * 4, 4);
        if ((v & 0xffffff) != pattern (x, y))
          {
            if (g_getenv ("VNC_TEST_DEBUG"))
              g_test_message ("%ux%u: at %u,%u %06x, want %06x", w, h, x, y, v & 0xffffff,
                              pattern (x, y));
            return false;
          }
      }
  return true;
}

static bool
ext_key_ready (rfbClient *cl,
               gpointer   data)
{
  /* The server's -258 rectangle switches this on. */
  return SupportsClient2Server (cl, rfbQemuEvent);
}

static bool
wait_key (Source   *src,
          unsigned  n)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  bool ok = true;

  g_mutex_lock (&src->lock);
  while (src->n_keys < n && ok)
    ok = g_cond_wait_until (&src->cond, &src->lock, deadline);
  g_mutex_unlock (&src->lock);
  return ok;
}

static bool
wait_pointer (Source   *src,
              unsigned  n)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  bool ok = true;

  g_mutex_lock (&src->lock);
  while (src->n_pointer < n && ok)
    ok = g_cond_wait_until (&src->cond, &src->lock, deadline);
  g_mutex_unlock (&src->lock);
  return ok;
}

static void
test_unix_picture_and_input (Fixture       *f,
                             gconstpointer  data)
{
  struct stat st;
  rfbClient *cl;

  g_assert_cmpint (stat (f->path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);

  cl = client_connect (f->path, 0);
  g_assert_nonnull (cl);
  g_assert_true (client_until (cl, picture_matches, &f->src));

  /* QEMU extended key event: raw key number (A = 0x1e) and keysym. */
  g_assert_true (client_until (cl, ext_key_ready, NULL));
  g_assert_true (SendExtendedKeyEvent (cl, 'a', 0x1e, TRUE));
  g_assert_true (wait_key (&f->src, 1));
  g_assert_true (f->src.key_down);
  g_assert_cmphex (f->src.keysym, ==, 'a');
  g_assert_cmphex (f->src.qnum, ==, 0x1e);

  /* A plain key event has only the keysym. */
  g_assert_true (SendKeyEvent (cl, 0xff0d, FALSE));
  g_assert_true (wait_key (&f->src, 2));
  g_assert_false (f->src.key_down);
  g_assert_cmphex (f->src.keysym, ==, 0xff0d);
  g_assert_cmphex (f->src.qnum, ==, 0);

  g_assert_true (SendPointerEvent (cl, 10, 20, 1));
  g_assert_true (wait_pointer (&f->src, 1));
  g_assert_cmpuint (f->src.px, ==, 10);
  g_assert_cmpuint (f->src.py, ==, 20);
  g_assert_cmpuint (f->src.buttons, ==, 1);

  /* A mode change: the client is told the new size and gets the picture. */
  source_set_size (&f->src, 640, 480);
  f->module->notify_update (f->server);
  g_assert_true (client_until (cl, picture_matches, &f->src));

  client_free (cl);
}

static void
test_bad_client_alone (Fixture       *f,
                       gconstpointer  data)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  rfbClient *good, *good2;
  char buf[64];
  int fd;

  good = client_connect (f->path, 0);
  g_assert_nonnull (good);
  g_assert_true (client_until (good, picture_matches, &f->src));

  /* A client that completes the handshake and then sends garbage, and one
   * that hangs up in the middle of a message. */
  g_strlcpy (addr.sun_path, f->path, sizeof addr.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (read (fd, buf, 12), ==, 12);            /* RFB 003.008 */
  g_assert_cmpint (write (fd, "RFB 003.008\n", 12), ==, 12);
  g_assert_cmpint (read (fd, buf, 2), ==, 2);              /* 1 security type */
  g_assert_cmpint (write (fd, "\x01", 1), ==, 1);          /* none */
  g_assert_cmpint (read (fd, buf, 4), ==, 4);              /* result: OK */
  g_assert_cmpint (write (fd, "\x01", 1), ==, 1);          /* shared */
  g_assert_cmpint (read (fd, buf, 24), ==, 24);            /* ServerInit */
  g_assert_cmpint (write (fd, "\xf0garbage garbage garbage", 24), ==, 24);
  /* The server hangs up on it. */
  while (read (fd, buf, sizeof buf) > 0)
    ;
  close (fd);

  fd = socket (AF_UNIX, SOCK_STREAM, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (write (fd, "RFB 00", 6), ==, 6);
  close (fd);

  /* The good client is fine: input and a second client still work. */
  g_assert_true (SendKeyEvent (good, 'x', TRUE));
  g_assert_true (wait_key (&f->src, 1));
  g_assert_cmphex (f->src.keysym, ==, 'x');
  good2 = client_connect (f->path, 0);
  g_assert_nonnull (good2);
  g_assert_true (client_until (good2, picture_matches, &f->src));
  client_free (good2);
  client_free (good);
}

static void
test_tcp_loopback_only (Fixture       *f,
                        gconstpointer  data)
{
  struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons (f->tcp_port) };
  rfbClient *cl;
  int fd;

  g_assert_cmpint (f->tcp_port, >, 0);
  cl = client_connect ("127.0.0.1", f->tcp_port);
  g_assert_nonnull (cl);
  g_assert_true (client_until (cl, picture_matches, &f->src));
  client_free (cl);

  /* Nothing on IPv6 (libvncserver would add [::]:port by default). */
  a6.sin6_addr = in6addr_loopback;
  fd = socket (AF_INET6, SOCK_STREAM, 0);
  if (fd >= 0)
    {
      g_assert_cmpint (connect (fd, (struct sockaddr *) &a6, sizeof a6), <, 0);
      close (fd);
    }
}

static void
test_third_party_viewer (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *viewer = g_find_program_in_path ("vncsnapshot");
  g_autofree char *out = g_build_filename (f->dir, "shot.jpg", NULL);
  g_autofree char *display = NULL, *contents = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  int status = 0;
  bool found = false;

  if (viewer == NULL)
    {
      g_test_skip ("vncsnapshot is not installed (Debian package vncsnapshot)");
      return;
    }
  display = g_strdup_printf ("127.0.0.1:%d", f->tcp_port - 5900);
  {
    const char *argv[] = { viewer, "-quiet", "-allowblank", "-nojpeg", "-nocursor",
                           display, out, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, &err, &status, &error));
  }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_true (g_file_get_contents (out, &contents, &len, NULL));
  /* A JPEG whose frame header says 320x200. */
  g_assert_cmphex ((guint8) contents[0], ==, 0xff);
  g_assert_cmphex ((guint8) contents[1], ==, 0xd8);
  for (gsize i = 2; i + 9 < len; i++)
    if ((guint8) contents[i] == 0xff && ((guint8) contents[i + 1] & 0xf0) == 0xc0
        && (guint8) contents[i + 1] != 0xc4 && (guint8) contents[i + 1] != 0xc8
        && (guint8) contents[i + 1] != 0xcc)
      {
        guint h = (guint8) contents[i + 5] << 8 | (guint8) contents[i + 6];
        guint w = (guint8) contents[i + 7] << 8 | (guint8) contents[i + 8];

        g_assert_cmpuint (w, ==, 320);
        g_assert_cmpuint (h, ==, 200);
        found = true;
        break;
      }
  g_assert_true (found);
  g_unlink (out);
}

static void
log_quiet (const char *format,
           ...)
{
}

#define ADD(name, fn, tcp) \
  g_test_add ("/vmm/vnc/" name, Fixture, GINT_TO_POINTER (tcp), fixture_setup, fn, \
              fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  rfbClientLog = log_quiet;
  rfbClientErr = log_quiet;
  ADD ("unix-picture-input", test_unix_picture_and_input, FALSE);
  ADD ("bad-client-alone", test_bad_client_alone, FALSE);
  ADD ("tcp-loopback-only", test_tcp_loopback_only, TRUE);
  ADD ("third-party-viewer", test_third_party_viewer, TRUE);
  return g_test_run ();
}
