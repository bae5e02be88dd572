/* vnc-server.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The VNC server module (guesthouse-vmm-vnc.so), on libvncserver 0.9.14.
 *
 * Threads: libvncserver's own (with rfbRunEventLoop in the background: a
 * TCP listener thread, and an input and an output thread per client), our
 * Unix socket acceptor, and our refresh thread, which copies what changed in
 * the guest's picture into libvncserver's buffer and marks it modified.
 *
 * The buffer is reserved at the largest size once (FB_MAX: 2560x1600) and
 * never moves, so a client thread encoding an update while the mode changes
 * reads stale pixels at worst, never freed memory; rfbNewFramebuffer() locks
 * every client's send mutex while it switches sizes, and tells clients that
 * understand DesktopSize or ExtendedDesktopSize.
 *
 * libvncserver 0.9.14 does not implement QEMU's extended key event on the
 * server side (only libvncclient sends it). It is added here as a protocol
 * extension: the pseudo-encoding -258 in SetEncodings enables it for the
 * client, answered by the empty rectangle of that encoding that tells the
 * client it may send message 255 subtype 0 (down, keysym, XT key number).
 *
 * A client that sends something malformed is closed by libvncserver on its
 * own threads; the others do not notice. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rfb/rfb.h>

#include "vnc-module.h"

#define VNC_MAX_WIDTH       2560
#define VNC_MAX_HEIGHT      1600
#define VNC_BPP             4
/* A frame at 60 Hz: what a desktop display shows, and the most a guest
 * animation gains from. Without viewers a refresh costs nothing. */
#define VNC_DEFAULT_REFRESH_MS 16
#define VNC_BUFFER_SIZE     ((size_t) VNC_MAX_WIDTH * VNC_MAX_HEIGHT * VNC_BPP)
#define VNC_ENCODING_QEMU_EXT_KEY  ((int) 0xfffffefe)    /* -258 */
#define VNC_MSG_QEMU        255
#define VNC_STOP_WAIT_MS    5000

struct GhVncServer
{
  GhVncCallbacks   cb;
  rfbScreenInfoPtr screen;
  uint8_t         *buffer;
  uint32_t         width;
  uint32_t         height;
  unsigned         refresh_ms;

  int              unix_fd;
  char            *unix_path;
  int              wake[2];     /* a byte: refresh now (read by the refresh thread) */
  int              stop_pipe[2];  /* a byte, never read: every thread's poll sees stop */
  bool             stopping;
  pthread_t        accept_thread;
  pthread_t        refresh_thread;
  bool             accept_started;
  bool             refresh_started;

  pthread_mutex_t  input_lock;  /* one input callback at a time */

  /* Client bookkeeping, under clients_lock: how many are connected, and the
   * threads of those that left, joined by the refresh thread or at stop. */
  pthread_mutex_t  clients_lock;
  pthread_cond_t   clients_cond;
  unsigned         n_clients;
  pthread_t       *gone;
  unsigned         n_gone;
  unsigned         n_gone_allocated;
};

/* Per client, in cl->clientData from vnc_new_client to vnc_client_gone. */
typedef struct
{
  bool ext_key_ack;             /* owes the client the -258 rectangle */
} VncClient;

/* libvncserver logs through two global function pointers; the module is the
 * only user of libvncserver in the process, so they point at the running
 * server, if any. */
static GhVncServer *vnc_log_server;
static pthread_mutex_t vnc_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
vnc_logv (const char *format,
          va_list     args)
{
  char line[512];
  size_t len;

  pthread_mutex_lock (&vnc_log_lock);
  if (vnc_log_server != NULL && vnc_log_server->cb.log != NULL)
    {
      vsnprintf (line, sizeof line, format, args);
      len = strlen (line);
      while (len > 0 && line[len - 1] == '\n')
        line[--len] = '\0';
      vnc_log_server->cb.log (vnc_log_server->cb.opaque, line);
    }
  pthread_mutex_unlock (&vnc_log_lock);
}

static void
vnc_log (const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  vnc_logv (format, args);
  va_end (args);
}

/* ---- input -------------------------------------------------------------- */

static GhVncServer *
vnc_server_of (rfbClientPtr cl)
{
  return cl->screen->screenData;
}

static void
vnc_on_key (rfbBool      down,
            rfbKeySym    keysym,
            rfbClientPtr cl)
{
  GhVncServer *server = vnc_server_of (cl);

  if (server->cb.key_event == NULL)
    return;
  pthread_mutex_lock (&server->input_lock);
  server->cb.key_event (server->cb.opaque, down != 0, keysym, 0);
  pthread_mutex_unlock (&server->input_lock);
}

static void
vnc_on_pointer (int          buttons,
                int          x,
                int          y,
                rfbClientPtr cl)
{
  GhVncServer *server = vnc_server_of (cl);

  if (server->cb.pointer_event == NULL)
    return;
  /* Clients may send positions outside the picture; clamp them in. */
  if (x < 0)
    x = 0;
  if (y < 0)
    y = 0;
  if (server->width > 0 && (uint32_t) x >= server->width)
    x = (int) server->width - 1;
  if (server->height > 0 && (uint32_t) y >= server->height)
    y = (int) server->height - 1;
  pthread_mutex_lock (&server->input_lock);
  server->cb.pointer_event (server->cb.opaque, (uint32_t) x, (uint32_t) y,
                            (uint32_t) buttons & 0xff);
  pthread_mutex_unlock (&server->input_lock);
}

/* QEMU extended key event. */

static int vnc_qemu_encodings[] = { VNC_ENCODING_QEMU_EXT_KEY, 0 };

static rfbBool
vnc_qemu_enable (rfbClientPtr   cl,
                 void         **data,
                 int            encoding)
{
  GhVncServer *server = vnc_server_of (cl);
  VncClient *client = cl->clientData;

  if (encoding != VNC_ENCODING_QEMU_EXT_KEY || client == NULL)
    return FALSE;
  /* The answer cannot go out right away: libvncclient replaces its whole
   * table of supported messages when the SupportedMessages rectangle comes,
   * which libvncserver sends with the next update and which does not list
   * message 255. The refresh thread sends it after that (vnc_send_acks). */
  __atomic_store_n (&client->ext_key_ack, true, __ATOMIC_RELEASE);
  (void) !write (server->wake[1], "", 1);
  return TRUE;
}

/* FramebufferUpdate with one empty rectangle of encoding -258: "send me
 * extended key events". Written under sendMutex, which the output thread
 * holds for a whole update, so it goes between two updates. */
static void
vnc_send_acks (GhVncServer *server)
{
  static const uint8_t msg[16] = {
    rfbFramebufferUpdate, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xfe,
  };
  rfbClientIteratorPtr it;
  rfbClientPtr cl;

  it = rfbGetClientIterator (server->screen);
  while ((cl = rfbClientIteratorNext (it)) != NULL)
    {
      VncClient *client = cl->clientData;

      if (client == NULL || !__atomic_load_n (&client->ext_key_ack, __ATOMIC_ACQUIRE))
        continue;
      pthread_mutex_lock (&cl->sendMutex);
      if (!cl->enableSupportedMessages && cl->sock != RFB_INVALID_SOCKET)
        {
          client->ext_key_ack = false;
          if (rfbWriteExact (cl, (const char *) msg, sizeof msg) < 0)
            rfbCloseClient (cl);
        }
      pthread_mutex_unlock (&cl->sendMutex);
    }
  rfbReleaseClientIterator (it);
}

static uint32_t
vnc_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static rfbBool
vnc_qemu_message (rfbClientPtr                cl,
                  void                       *data,
                  const rfbClientToServerMsg *message)
{
  GhVncServer *server = vnc_server_of (cl);
  uint8_t rest[11];
  uint16_t down;
  uint32_t keysym, keycode;

  if (message->type != VNC_MSG_QEMU)
    return FALSE;
  /* Only the type byte has been read. */
  if (rfbReadExact (cl, (char *) rest, 1) <= 0)
    {
      rfbCloseClient (cl);
      return TRUE;
    }
  if (rest[0] != 0)
    {
      /* Another QEMU message (audio): its length is unknown to us, so the
       * stream cannot be followed any more. */
      vnc_log ("vnc: client sent unsupported QEMU message %u; closing it", rest[0]);
      rfbCloseClient (cl);
      return TRUE;
    }
  if (rfbReadExact (cl, (char *) rest + 1, 10) <= 0)
    {
      rfbCloseClient (cl);
      return TRUE;
    }
  down = (uint16_t) (rest[1] << 8 | rest[2]);
  keysym = vnc_be32 (rest + 3);
  keycode = vnc_be32 (rest + 7);
  if (server->cb.key_event != NULL)
    {
      pthread_mutex_lock (&server->input_lock);
      server->cb.key_event (server->cb.opaque, down != 0, keysym, keycode);
      pthread_mutex_unlock (&server->input_lock);
    }
  return TRUE;
}

static rfbProtocolExtension vnc_qemu_extension = {
  .pseudoEncodings = vnc_qemu_encodings,
  .enablePseudoEncoding = vnc_qemu_enable,
  .handleMessage = vnc_qemu_message,
};

static pthread_once_t vnc_extension_once = PTHREAD_ONCE_INIT;

static void
vnc_register_extension (void)
{
  rfbRegisterProtocolExtension (&vnc_qemu_extension);
}

/* ---- clients ------------------------------------------------------------ */

static void
vnc_client_gone (rfbClientPtr cl)
{
  GhVncServer *server = vnc_server_of (cl);

  free (cl->clientData);
  cl->clientData = NULL;
  /* libvncserver 0.9.14 leaks the 24-byte list node of each enabled
   * extension per client (rfbDisableExtension does too); freeing it here
   * would double-free on a libvncserver that fixes that, so it is left. */
  /* Called on the client's own input thread, which ends soon after: keep
   * its id to join it. */
  pthread_mutex_lock (&server->clients_lock);
  if (server->n_gone == server->n_gone_allocated)
    {
      unsigned n = server->n_gone_allocated ? server->n_gone_allocated * 2 : 8;
      pthread_t *gone = realloc (server->gone, n * sizeof *gone);

      if (gone != NULL)
        {
          server->gone = gone;
          server->n_gone_allocated = n;
        }
    }
  if (server->n_gone < server->n_gone_allocated)
    server->gone[server->n_gone++] = pthread_self ();
  else
    pthread_detach (pthread_self ());
  server->n_clients--;
  pthread_cond_broadcast (&server->clients_cond);
  pthread_mutex_unlock (&server->clients_lock);
}

static enum rfbNewClientAction
vnc_new_client (rfbClientPtr cl)
{
  GhVncServer *server = vnc_server_of (cl);

  cl->clientData = calloc (1, sizeof (VncClient));
  pthread_mutex_lock (&server->clients_lock);
  if (server->stopping || cl->clientData == NULL)
    {
      pthread_mutex_unlock (&server->clients_lock);
      free (cl->clientData);
      cl->clientData = NULL;
      return RFB_CLIENT_REFUSE;
    }
  server->n_clients++;
  pthread_mutex_unlock (&server->clients_lock);
  cl->clientGoneHook = vnc_client_gone;
  /* A new viewer wants a picture now, not at the next tick. */
  if (server->wake[1] >= 0)
    (void) !write (server->wake[1], "", 1);
  return RFB_CLIENT_ACCEPT;
}

static void
vnc_join_gone (GhVncServer *server)
{
  pthread_t *gone;
  unsigned n;

  pthread_mutex_lock (&server->clients_lock);
  gone = server->gone;
  n = server->n_gone;
  server->gone = NULL;
  server->n_gone = server->n_gone_allocated = 0;
  pthread_mutex_unlock (&server->clients_lock);
  for (unsigned i = 0; i < n; i++)
    pthread_join (gone[i], NULL);
  free (gone);
}

static void *
vnc_accept_thread (void *data)
{
  GhVncServer *server = data;

  for (;;)
    {
      struct pollfd fds[2] = {
        { server->unix_fd, POLLIN, 0 },
        { server->stop_pipe[0], POLLIN, 0 },
      };
      rfbClientPtr cl;
      int fd;

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (__atomic_load_n (&server->stopping, __ATOMIC_ACQUIRE))
        break;
      if (!(fds[0].revents & POLLIN))
        continue;
      fd = accept4 (server->unix_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      /* libvncserver keeps its sockets in fd_sets. */
      if (fd >= FD_SETSIZE)
        {
          vnc_log ("vnc: too many open files for another client");
          close (fd);
          continue;
        }
      cl = rfbNewClient (server->screen, fd);
      if (cl != NULL && !cl->onHold)
        rfbStartOnHoldClient (cl);
    }
  return NULL;
}

/* ---- picture ------------------------------------------------------------ */

static void
vnc_copy_rect (GhVncServer      *server,
               const GhVncFrame *frame,
               const GhVncRect  *rect)
{
  uint32_t x = rect->x, y = rect->y, w = rect->width, h = rect->height;

  if (x >= frame->width || y >= frame->height)
    return;
  if (w > frame->width - x)
    w = frame->width - x;
  if (h > frame->height - y)
    h = frame->height - y;
  /* libvncserver's 32-bit format (rfbGetScreen with 8 bits per sample) has
   * red in the low byte; ours has blue there. Swapping here is cheaper and
   * safer than changing serverFormat, which rfbNewFramebuffer resets. */
  for (uint32_t row = y; row < y + h; row++)
    {
      const uint32_t *in = (const uint32_t *) (frame->pixels + (size_t) row * frame->stride) + x;
      uint32_t *out = (uint32_t *) server->buffer + (size_t) row * frame->width + x;

      for (uint32_t i = 0; i < w; i++)
        {
          uint32_t v = in[i];

          out[i] = (v >> 16 & 0xff) | (v & 0xff00) | (v & 0xff) << 16;
        }
    }
  rfbMarkRectAsModified (server->screen, (int) x, (int) y, (int) (x + w), (int) (y + h));
}

static void
vnc_refresh (GhVncServer *server)
{
  GhVncFrame frame;

  memset (&frame, 0, sizeof frame);
  if (server->cb.acquire_frame == NULL || !server->cb.acquire_frame (server->cb.opaque, &frame))
    return;

  if (frame.pixels == NULL || frame.width == 0 || frame.height == 0
      || frame.width > VNC_MAX_WIDTH || frame.height > VNC_MAX_HEIGHT
      || frame.stride < frame.width * VNC_BPP)
    {
      if (server->cb.release_frame != NULL)
        server->cb.release_frame (server->cb.opaque);
      return;
    }

  if (frame.resized || frame.width != server->width || frame.height != server->height)
    {
      GhVncRect all = { 0, 0, frame.width, frame.height };

      if (frame.width != server->width || frame.height != server->height)
        {
          server->width = frame.width;
          server->height = frame.height;
          /* Same buffer, new size: clients that can are told the new size
           * (DesktopSize / ExtendedDesktopSize), and all get a full update. */
          rfbNewFramebuffer (server->screen, (char *) server->buffer, (int) frame.width,
                             (int) frame.height, 8, 3, VNC_BPP);
        }
      vnc_copy_rect (server, &frame, &all);
    }
  else
    {
      for (uint32_t i = 0; i < frame.n_rects && i < GH_VNC_MAX_RECTS; i++)
        vnc_copy_rect (server, &frame, &frame.rects[i]);
    }
  if (server->cb.release_frame != NULL)
    server->cb.release_frame (server->cb.opaque);
}

static int64_t
vnc_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
vnc_refresh_thread (void *data)
{
  GhVncServer *server = data;
  bool first = true;
  int64_t next = vnc_now_ms ();

  for (;;)
    {
      struct pollfd pfd[2] = {
        { server->wake[0], POLLIN, 0 },
        { server->stop_pipe[0], POLLIN, 0 },
      };
      unsigned n_clients;
      char drain[64];
      int64_t now = vnc_now_ms ();

      /* Refreshes keep a steady period, whatever each one took: a timeout
       * counted from the end of the last one would stretch every frame by
       * the time spent copying it. After a stall the schedule starts
       * again rather than catching up in a burst. */
      if (poll (pfd, 2, next > now ? (int) (next - now) : 0) > 0 && (pfd[0].revents & POLLIN))
        (void) !read (server->wake[0], drain, sizeof drain);
      now = vnc_now_ms ();
      next = next + server->refresh_ms > now ? next + server->refresh_ms
                                              : now + server->refresh_ms;
      if (__atomic_load_n (&server->stopping, __ATOMIC_ACQUIRE))
        break;
      vnc_join_gone (server);

      pthread_mutex_lock (&server->clients_lock);
      n_clients = server->n_clients;
      pthread_mutex_unlock (&server->clients_lock);
      /* Without viewers nothing is copied: what changed meanwhile keeps
       * accumulating on the VMM's side and comes with the first refresh. */
      if (n_clients > 0 || first)
        vnc_refresh (server);
      if (n_clients > 0)
        vnc_send_acks (server);
      first = false;
    }
  return NULL;
}

/* ---- life cycle --------------------------------------------------------- */

static int
vnc_listen_unix (const char *path,
                 char       *error,
                 size_t      error_size)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct stat st;
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    {
      snprintf (error, error_size, "VNC socket path too long: %s", path);
      return -1;
    }
  strcpy (addr.sun_path, path);
  /* A socket left over by a VMM that died is replaced; anything else at
   * the path is not touched. */
  if (lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0
      || chmod (path, 0600) < 0 || listen (fd, 8) < 0)
    {
      snprintf (error, error_size, "cannot listen on %s: %s", path, strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static void vnc_stop (GhVncServer *server);

static GhVncServer *
vnc_start (const GhVncConfig    *config,
           const GhVncCallbacks *callbacks,
           char                 *error,
           size_t                error_size)
{
  GhVncServer *server;

  if (config->unix_path == NULL && config->tcp_port <= 0)
    {
      snprintf (error, error_size, "VNC: neither a socket path nor a TCP port");
      return NULL;
    }
  if (config->tcp_port > 65535)
    {
      snprintf (error, error_size, "VNC: bad TCP port %d", config->tcp_port);
      return NULL;
    }

  server = calloc (1, sizeof *server);
  if (server == NULL)
    {
      snprintf (error, error_size, "out of memory");
      return NULL;
    }
  server->cb = *callbacks;
  server->unix_fd = -1;
  server->wake[0] = server->wake[1] = -1;
  server->stop_pipe[0] = server->stop_pipe[1] = -1;
  server->refresh_ms = config->refresh_ms ? config->refresh_ms : VNC_DEFAULT_REFRESH_MS;
  pthread_mutex_init (&server->input_lock, NULL);
  pthread_mutex_init (&server->clients_lock, NULL);
  pthread_cond_init (&server->clients_cond, NULL);

  pthread_mutex_lock (&vnc_log_lock);
  vnc_log_server = server;
  pthread_mutex_unlock (&vnc_log_lock);
  rfbLog = vnc_log;
  rfbErr = vnc_log;
  pthread_once (&vnc_extension_once, vnc_register_extension);

  if (pipe2 (server->wake, O_CLOEXEC | O_NONBLOCK) < 0
      || pipe2 (server->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
    {
      snprintf (error, error_size, "cannot create a pipe: %s", strerror (errno));
      goto fail;
    }
  /* Reserved, not committed: only the rows of the current mode are used. */
  server->buffer = mmap (NULL, VNC_BUFFER_SIZE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (server->buffer == MAP_FAILED)
    {
      server->buffer = NULL;
      snprintf (error, error_size, "out of memory for the VNC picture");
      goto fail;
    }

  server->width = 640;
  server->height = 480;
  server->screen = rfbGetScreen (NULL, NULL, (int) server->width, (int) server->height, 8, 3,
                                 VNC_BPP);
  if (server->screen == NULL)
    {
      snprintf (error, error_size, "cannot create the VNC screen");
      goto fail;
    }
  /* The guest draws its own pointer: libvncserver's default arrow would
   * otherwise be painted into the picture of clients that do not take
   * cursor shapes. */
  server->screen->cursor = NULL;
  server->screen->frameBuffer = (char *) server->buffer;
  server->screen->desktopName = config->name ? config->name : "guesthouse";
  server->screen->screenData = server;
  server->screen->alwaysShared = TRUE;
  server->screen->kbdAddEvent = vnc_on_key;
  server->screen->ptrAddEvent = vnc_on_pointer;
  server->screen->newClientHook = vnc_new_client;
  server->screen->httpDir = NULL;
  /* An update waits this long for more changes to join it: long enough to
   * merge the rectangles of one refresh, short against a 16 ms frame. */
  server->screen->deferUpdateTime = 1;
  /* No listener of libvncserver's own unless TCP is asked for, and then on
   * one IPv4 address only: ipv6port 0, or it also listens on [::]:5900. */
  server->screen->autoPort = FALSE;
  server->screen->port = 0;
  server->screen->ipv6port = 0;
  if (config->tcp_port > 0)
    {
      const char *address = config->tcp_address ? config->tcp_address : "127.0.0.1";
      struct in_addr in;

      if (inet_pton (AF_INET, address, &in) != 1)
        {
          snprintf (error, error_size, "VNC: %s is not an IPv4 address", address);
          goto fail;
        }
      server->screen->listenInterface = in.s_addr;
      server->screen->port = config->tcp_port;
    }
  rfbInitServer (server->screen);
  if (config->tcp_port > 0 && server->screen->listenSock == RFB_INVALID_SOCKET)
    {
      snprintf (error, error_size, "cannot listen on TCP port %d: %s", config->tcp_port,
                strerror (errno));
      goto fail;
    }
  if (config->unix_path != NULL)
    {
      server->unix_fd = vnc_listen_unix (config->unix_path, error, error_size);
      if (server->unix_fd < 0)
        goto fail;
      server->unix_path = strdup (config->unix_path);
    }

  /* In the background: per-client threads, and libvncserver's TCP listener
   * (which only waits on its pipe when there is no TCP port). */
  rfbRunEventLoop (server->screen, -1, TRUE);

  if (pthread_create (&server->refresh_thread, NULL, vnc_refresh_thread, server) != 0)
    {
      snprintf (error, error_size, "cannot start the VNC refresh thread");
      goto fail;
    }
  server->refresh_started = true;
  if (server->unix_fd >= 0)
    {
      if (pthread_create (&server->accept_thread, NULL, vnc_accept_thread, server) != 0)
        {
          snprintf (error, error_size, "cannot start the VNC accept thread");
          goto fail;
        }
      server->accept_started = true;
    }
  return server;

fail:
  vnc_stop (server);
  return NULL;
}

static void
vnc_notify_update (GhVncServer *server)
{
  (void) !write (server->wake[1], "", 1);
}

static void
vnc_stop (GhVncServer *server)
{
  if (server == NULL)
    return;

  pthread_mutex_lock (&server->clients_lock);
  server->stopping = true;
  pthread_mutex_unlock (&server->clients_lock);
  __atomic_store_n (&server->stopping, true, __ATOMIC_RELEASE);
  if (server->stop_pipe[1] >= 0)
    (void) !write (server->stop_pipe[1], "", 1);
  if (server->accept_started)
    pthread_join (server->accept_thread, NULL);
  if (server->refresh_started)
    pthread_join (server->refresh_thread, NULL);

  if (server->screen != NULL)
    {
      struct timespec deadline;
      rfbClientIteratorPtr it;
      rfbClientPtr cl;

      /* Close every client; each one's input thread notices, tidies up and
       * calls vnc_client_gone. The iterator holds a reference on the client
       * it returns, so none is freed under our feet. */
      it = rfbGetClientIterator (server->screen);
      while ((cl = rfbClientIteratorNext (it)) != NULL)
        if (cl->sock != RFB_INVALID_SOCKET)
          rfbCloseClient (cl);
      rfbReleaseClientIterator (it);

      clock_gettime (CLOCK_REALTIME, &deadline);
      deadline.tv_sec += VNC_STOP_WAIT_MS / 1000;
      pthread_mutex_lock (&server->clients_lock);
      while (server->n_clients > 0)
        if (pthread_cond_timedwait (&server->clients_cond, &server->clients_lock, &deadline) != 0)
          break;
      pthread_mutex_unlock (&server->clients_lock);
      vnc_join_gone (server);

      if (server->n_clients == 0)
        {
          rfbShutdownServer (server->screen, FALSE);
          rfbScreenCleanup (server->screen);
        }
      /* else: a client thread is stuck; leaking the screen is better than
       * freeing it under that thread. */
    }

  if (server->unix_fd >= 0)
    close (server->unix_fd);
  if (server->unix_path != NULL)
    {
      unlink (server->unix_path);
      free (server->unix_path);
    }
  if (server->wake[0] >= 0)
    close (server->wake[0]);
  if (server->wake[1] >= 0)
    close (server->wake[1]);
  if (server->stop_pipe[0] >= 0)
    close (server->stop_pipe[0]);
  if (server->stop_pipe[1] >= 0)
    close (server->stop_pipe[1]);

  pthread_mutex_lock (&vnc_log_lock);
  if (vnc_log_server == server)
    vnc_log_server = NULL;
  pthread_mutex_unlock (&vnc_log_lock);

  if (server->buffer != NULL && server->n_clients == 0)
    munmap (server->buffer, VNC_BUFFER_SIZE);
  pthread_mutex_destroy (&server->input_lock);
  free (server->gone);
  if (server->n_clients == 0)
    {
      pthread_cond_destroy (&server->clients_cond);
      pthread_mutex_destroy (&server->clients_lock);
      free (server);
    }
}

static const GhVncModule vnc_module = {
  .abi = GH_VNC_MODULE_ABI,
  .start = vnc_start,
  .notify_update = vnc_notify_update,
  .stop = vnc_stop,
};

__attribute__ ((visibility ("default"))) const GhVncModule *gh_vnc_module_get (uint32_t abi);

__attribute__ ((visibility ("default"))) const GhVncModule *
gh_vnc_module_get (uint32_t abi)
{
  return abi == GH_VNC_MODULE_ABI ? &vnc_module : NULL;
}
