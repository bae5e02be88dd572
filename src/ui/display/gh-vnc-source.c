/* gh-vnc-source.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <rfb/rfbclient.h>

/* libvncserver's headers redefine TRUE as -1; GLib's is wanted everywhere below. */
#undef TRUE
#define TRUE (!FALSE)

#include "gh-vnc-source.h"

/* One RFB connection to a guest's display, run by libvncclient inside the GLib main loop.
 *
 * The pixel format asked of the server is 32-bit xRGB in host order (red at bit 16), which is
 * cairo's RGB24, so the framebuffer is painted as it is, without conversion (FINDINGS.md: a
 * cairo image surface in a GtkDrawingArea is the fastest path GTK 4.8 has). The buffer is ours,
 * not cairo's: each draw wraps it in a fresh surface, which sidesteps cairo's copy-on-write
 * snapshots of a surface that is written behind its back.
 *
 * libvncclient reads a whole message at once and buffers what comes after it, so the socket
 * watch must go on handling messages while the buffer holds some, or the display stalls until
 * the server happens to send again. Its reads block until a message is complete; that is fine
 * for the local Unix socket of a helper, which writes whole messages.
 */

struct _GhVncSource
{
  GObject      parent_instance;

  char        *socket_path;
  rfbClient   *client;
  guint        watch_id;
  guint8      *framebuffer;
  int          width;
  int          height;
  guint        n_updates;
  cairo_rectangle_int_t dirty;
  guint        has_dirty : 1;
  guint        no_raw_keys : 1;
};

G_DEFINE_FINAL_TYPE (GhVncSource, gh_vnc_source, G_TYPE_OBJECT)

G_DEFINE_QUARK (gh-vnc-error-quark, gh_vnc_error)

enum {
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_CONNECTED,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_RAW_KEYS,
  N_PROPS
};

enum {
  UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The tag under which a client carries its GhVncSource; its address is what matters. */
static const char client_tag[] = "gh-vnc-source";

/* Screens larger than this are a broken or hostile server, not a guest. */
#define MAX_DIMENSION 16384

static void
log_to_debug (const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("libvncclient: %s", g_strchomp (message));
}

static GhVncSource *
source_of (rfbClient *client)
{
  return rfbClientGetClientData (client, (void *) client_tag);
}

static rfbBool
on_malloc_framebuffer (rfbClient *client)
{
  GhVncSource *self = source_of (client);
  gboolean width_changed, height_changed;

  if (client->width <= 0 || client->height <= 0
      || client->width > MAX_DIMENSION || client->height > MAX_DIMENSION)
    return FALSE;

  g_free (self->framebuffer);
  self->framebuffer = g_malloc0 ((gsize) client->width * (gsize) client->height * 4);
  client->frameBuffer = self->framebuffer;

  width_changed = self->width != client->width;
  height_changed = self->height != client->height;
  self->width = client->width;
  self->height = client->height;

  if (width_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDTH]);
  if (height_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEIGHT]);

  return TRUE;
}

static void
on_got_update (rfbClient *client,
               int        x,
               int        y,
               int        w,
               int        h)
{
  GhVncSource *self = source_of (client);
  cairo_rectangle_int_t rect = { x, y, w, h };

  if (!self->has_dirty)
    {
      self->dirty = rect;
      self->has_dirty = TRUE;
      return;
    }

  {
    int x2 = MAX (self->dirty.x + self->dirty.width, rect.x + rect.width);
    int y2 = MAX (self->dirty.y + self->dirty.height, rect.y + rect.height);

    self->dirty.x = MIN (self->dirty.x, rect.x);
    self->dirty.y = MIN (self->dirty.y, rect.y);
    self->dirty.width = x2 - self->dirty.x;
    self->dirty.height = y2 - self->dirty.y;
  }
}

static void
on_finished_update (rfbClient *client)
{
  GhVncSource *self = source_of (client);
  cairo_rectangle_int_t dirty = self->dirty;

  if (!self->has_dirty)
    return;

  self->has_dirty = FALSE;
  self->n_updates++;
  g_signal_emit (self, signals[UPDATED], 0, dirty.x, dirty.y, dirty.width, dirty.height);
}

static void
close_connection (GhVncSource *self)
{
  if (self->client == NULL)
    return;

  g_clear_handle_id (&self->watch_id, g_source_remove);
  rfbClientCleanup (g_steal_pointer (&self->client));
  self->has_dirty = FALSE;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static gboolean
on_socket_ready (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  GhVncSource *self = user_data;

  g_object_ref (self);

  do
    {
      if (!HandleRFBServerMessage (self->client))
        {
          g_debug ("The display connection to %s ended", self->socket_path);
          self->watch_id = 0;
          close_connection (self);
          g_object_unref (self);
          return G_SOURCE_REMOVE;
        }
    }
  while (self->client != NULL && self->client->buffered > 0);

  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

GhVncSource *
gh_vnc_source_new (const char *socket_path)
{
  g_return_val_if_fail (socket_path != NULL, NULL);

  return g_object_new (GH_TYPE_VNC_SOURCE, "socket-path", socket_path, NULL);
}

const char *
gh_vnc_source_get_socket_path (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), NULL);

  return self->socket_path;
}

/**
 * gh_vnc_source_open:
 *
 * Connects and goes through the RFB handshake, which blocks briefly: the server is a local
 * helper. Updates then arrive in the main loop.
 */
gboolean
gh_vnc_source_open (GhVncSource  *self,
                    GError      **error)
{
  rfbClient *client;

  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), FALSE);
  g_return_val_if_fail (self->client == NULL, FALSE);

  if (!g_file_test (self->socket_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, GH_VNC_ERROR, GH_VNC_ERROR_CONNECT,
                   _("There is no display socket at %s"), self->socket_path);
      return FALSE;
    }

  rfbClientLog = log_to_debug;
  rfbClientErr = log_to_debug;

  client = rfbGetClient (8, 3, 4);
  client->format.redShift = 16;
  client->format.greenShift = 8;
  client->format.blueShift = 0;
  client->canHandleNewFBSize = TRUE;
  client->appData.shareDesktop = TRUE;
  /* A local socket: compression would only cost CPU on both ends. */
  client->appData.encodingsString = "copyrect raw";
  client->MallocFrameBuffer = on_malloc_framebuffer;
  client->GotFrameBufferUpdate = on_got_update;
  client->FinishedFrameBufferUpdate = on_finished_update;
  /* A path in serverHost makes libvncclient connect to a Unix socket. */
  client->serverHost = strdup (self->socket_path);
  rfbClientSetClientData (client, (void *) client_tag, self);

  /* On failure rfbInitClient() frees the client itself. */
  if (!rfbInitClient (client, NULL, NULL))
    {
      g_set_error (error, GH_VNC_ERROR, GH_VNC_ERROR_CONNECT,
                   _("Cannot connect to the display at %s"), self->socket_path);
      return FALSE;
    }

  self->client = client;
  self->no_raw_keys = FALSE;
  self->watch_id = g_unix_fd_add (client->sock, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                  on_socket_ready, self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);

  return TRUE;
}

/**
 * gh_vnc_source_close:
 *
 * Ends the connection; the last frame stays readable.
 */
void
gh_vnc_source_close (GhVncSource *self)
{
  g_return_if_fail (GH_IS_VNC_SOURCE (self));

  close_connection (self);
}

gboolean
gh_vnc_source_get_connected (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), FALSE);

  return self->client != NULL;
}

int
gh_vnc_source_get_width (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), 0);

  return self->width;
}

int
gh_vnc_source_get_height (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), 0);

  return self->height;
}

/**
 * gh_vnc_source_get_n_updates:
 *
 * Returns: how many framebuffer updates have arrived since the connection opened
 */
guint
gh_vnc_source_get_n_updates (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), 0);

  return self->n_updates;
}

/**
 * gh_vnc_source_get_raw_keys:
 *
 * Returns: whether keys go as scancodes; %FALSE once the server turned out not to take QEMU's
 *   extended key events, after which keys go as keysyms of the host's layout
 */
gboolean
gh_vnc_source_get_raw_keys (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), FALSE);

  return !self->no_raw_keys;
}

/**
 * gh_vnc_source_create_surface:
 *
 * Wraps the current frame; the surface must be destroyed before control returns to the main
 * loop, where a resize may replace the buffer.
 *
 * Returns: (transfer full) (nullable): a surface over the frame, or %NULL before the first one
 */
cairo_surface_t *
gh_vnc_source_create_surface (GhVncSource *self)
{
  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), NULL);

  if (self->framebuffer == NULL)
    return NULL;

  return cairo_image_surface_create_for_data (self->framebuffer, CAIRO_FORMAT_RGB24,
                                              self->width, self->height, self->width * 4);
}

gboolean
gh_vnc_source_save_png (GhVncSource  *self,
                        const char   *path,
                        GError      **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;

  g_return_val_if_fail (GH_IS_VNC_SOURCE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!(surface = gh_vnc_source_create_surface (self)))
    {
      g_set_error_literal (error, GH_VNC_ERROR, GH_VNC_ERROR_NO_FRAME,
                           _("The guest has not shown anything yet"));
      return FALSE;
    }

  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, GH_VNC_ERROR, GH_VNC_ERROR_WRITE, _("Cannot write %s: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }

  return TRUE;
}

/**
 * gh_vnc_source_send_key:
 * @keysym: the X keysym, for servers without raw keys
 * @qnum: the scancode in QEMU's encoding (see gh-keymap.h), or 0 when the key has none
 *
 * Sends the scancode through QEMU's extended key event when the server has it, so the guest's
 * own layout applies; otherwise the keysym.
 */
void
gh_vnc_source_send_key (GhVncSource *self,
                        guint        keysym,
                        guint        qnum,
                        gboolean     down)
{
  g_return_if_fail (GH_IS_VNC_SOURCE (self));

  if (self->client == NULL)
    return;

  if (qnum != 0 && !self->no_raw_keys)
    {
      if (SendExtendedKeyEvent (self->client, keysym, qnum, down))
        return;

      /* Until the server has acknowledged the extension it is not known to have it; the
       * acknowledgement comes with the first update, so only a connected server that has sent
       * one and still refuses is taken to lack it.
       */
      if (self->n_updates > 0)
        {
          self->no_raw_keys = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RAW_KEYS]);
        }
    }

  if (keysym != 0)
    SendKeyEvent (self->client, keysym, down);
}

/**
 * gh_vnc_source_send_pointer:
 * @x: column in the guest's screen
 * @y: row in the guest's screen
 * @buttons: the GH_VNC_BUTTON_* bits held down
 *
 * RFB pointer events are absolute; the position is clamped to the screen.
 */
void
gh_vnc_source_send_pointer (GhVncSource *self,
                            int          x,
                            int          y,
                            guint        buttons)
{
  g_return_if_fail (GH_IS_VNC_SOURCE (self));

  if (self->client == NULL || self->width == 0)
    return;

  SendPointerEvent (self->client, CLAMP (x, 0, self->width - 1), CLAMP (y, 0, self->height - 1),
                    (int) buttons);
}

static void
gh_vnc_source_dispose (GObject *object)
{
  GhVncSource *self = (GhVncSource *)object;

  close_connection (self);

  G_OBJECT_CLASS (gh_vnc_source_parent_class)->dispose (object);
}

static void
gh_vnc_source_finalize (GObject *object)
{
  GhVncSource *self = (GhVncSource *)object;

  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->framebuffer, g_free);

  G_OBJECT_CLASS (gh_vnc_source_parent_class)->finalize (object);
}

static void
gh_vnc_source_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GhVncSource *self = GH_VNC_SOURCE (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      g_value_set_string (value, gh_vnc_source_get_socket_path (self));
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, gh_vnc_source_get_connected (self));
      break;
    case PROP_WIDTH:
      g_value_set_int (value, gh_vnc_source_get_width (self));
      break;
    case PROP_HEIGHT:
      g_value_set_int (value, gh_vnc_source_get_height (self));
      break;
    case PROP_RAW_KEYS:
      g_value_set_boolean (value, gh_vnc_source_get_raw_keys (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_vnc_source_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GhVncSource *self = GH_VNC_SOURCE (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      self->socket_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_vnc_source_class_init (GhVncSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = gh_vnc_source_dispose;
  object_class->finalize = gh_vnc_source_finalize;
  object_class->get_property = gh_vnc_source_get_property;
  object_class->set_property = gh_vnc_source_set_property;

  properties[PROP_SOCKET_PATH] =
    g_param_spec_string ("socket-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, ro);
  properties[PROP_WIDTH] = g_param_spec_int ("width", NULL, NULL, 0, MAX_DIMENSION, 0, ro);
  properties[PROP_HEIGHT] = g_param_spec_int ("height", NULL, NULL, 0, MAX_DIMENSION, 0, ro);
  properties[PROP_RAW_KEYS] = g_param_spec_boolean ("raw-keys", NULL, NULL, TRUE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GhVncSource::updated:
   * @x: left of the changed area
   * @y: top of the changed area
   * @width: its width
   * @height: its height
   *
   * A framebuffer update has been applied; the area covers everything it changed.
   */
  signals[UPDATED] =
    g_signal_new ("updated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
}

static void
gh_vnc_source_init (GhVncSource *self)
{
}
