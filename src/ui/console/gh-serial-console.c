/* gh-serial-console.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "gh-serial-console.h"

/* A guest's first serial port in a terminal. The helper owns the pty master and joins it to the
 * guest's UART; we open the other end, as `guesthouse-ctl console` does, in raw mode so that
 * bytes pass untouched both ways. VTE cannot take that end as its pty (it wants a master), so
 * the terminal runs without one, as virt-viewer's does: what the guest writes is fed to VTE,
 * and what VTE would send (typing, pastes; its ::commit signal) is written to the port. The
 * guest's own terminal settings (a getty's ONLCR, echo) do the rest, as on a real serial line.
 *
 * When the helper goes away its end closes and reads fail; what was shown stays in the
 * scrollback, and a note says that the port closed.
 */

#define SCROLLBACK_LINES 10000

struct _GhSerialConsole
{
  VteTerminal  parent_instance;

  char        *path;
  int          fd;
  guint        read_source;
  guint        write_source;
  GByteArray  *pending;       /* typed bytes the port has not taken yet */
  GtkWidget   *popover;
};

G_DEFINE_FINAL_TYPE (GhSerialConsole, gh_serial_console, VTE_TYPE_TERMINAL)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GNOME's palette (libadwaita's named colours), dark, as GNOME Console draws it. */
static const GdkRGBA palette[16] = {
  { 0.1412, 0.1216, 0.1922, 1 }, { 0.7529, 0.1098, 0.1569, 1 },
  { 0.1804, 0.7608, 0.4941, 1 }, { 0.9608, 0.7608, 0.0667, 1 },
  { 0.1176, 0.4706, 0.8941, 1 }, { 0.5686, 0.2549, 0.6745, 1 },
  { 0.0392, 0.7255, 0.8627, 1 }, { 0.7529, 0.7490, 0.7373, 1 },
  { 0.3686, 0.3608, 0.3922, 1 }, { 0.9647, 0.3804, 0.3176, 1 },
  { 0.3412, 0.8902, 0.5373, 1 }, { 0.9725, 0.8941, 0.3608, 1 },
  { 0.2078, 0.5176, 0.8941, 1 }, { 0.7529, 0.3804, 0.7961, 1 },
  { 0.3098, 0.8118, 0.8784, 1 }, { 0.9647, 0.9608, 0.9569, 1 },
};
static const GdkRGBA foreground = { 1, 1, 1, 1 };
static const GdkRGBA background = { 0.1176, 0.1176, 0.1176, 1 };

const char *
gh_serial_console_get_path (GhSerialConsole *self)
{
  g_return_val_if_fail (GH_IS_SERIAL_CONSOLE (self), NULL);

  return self->path;
}

static void update_actions (GhSerialConsole *self);

static void
note_closed (GhSerialConsole *self)
{
  /* Written into the terminal itself, so that it stands where the output stopped. */
  g_autofree char *note = g_strdup_printf ("\r\n\x1b[2m%s\x1b[0m\r\n",
                                           _("[The guest’s serial port closed]"));

  vte_terminal_feed (VTE_TERMINAL (self), note, -1);
}

static gboolean
on_port_readable (int          fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  GhSerialConsole *self = user_data;
  char buf[4096];
  ssize_t n;

  n = read (fd, buf, sizeof buf);
  if (n > 0)
    {
      vte_terminal_feed (VTE_TERMINAL (self), buf, n);
      return G_SOURCE_CONTINUE;
    }

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;

  /* End of stream or EIO: the helper closed its end. */
  self->read_source = 0;
  gh_serial_console_detach (self);
  note_closed (self);

  return G_SOURCE_REMOVE;
}

static gboolean
flush_pending (GhSerialConsole *self)
{
  while (self->pending->len > 0)
    {
      ssize_t n = write (self->fd, self->pending->data, self->pending->len);

      if (n > 0)
        g_byte_array_remove_range (self->pending, 0, (guint) n);
      else if (n < 0 && errno == EINTR)
        continue;
      else
        return FALSE;
    }

  return TRUE;
}

static gboolean
on_port_writable (int          fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  GhSerialConsole *self = user_data;

  if (flush_pending (self) || (condition & (G_IO_HUP | G_IO_ERR)))
    {
      self->write_source = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
on_commit (GhSerialConsole *self,
           const char      *text,
           guint            size)
{
  if (self->fd < 0)
    return;

  /* A guest that does not read its port fills the pty; what does not fit waits here rather
   * than block the window.
   */
  g_byte_array_append (self->pending, (const guint8 *) text, size);
  if (self->write_source == 0 && !flush_pending (self))
    self->write_source = g_unix_fd_add (self->fd, G_IO_OUT | G_IO_HUP | G_IO_ERR,
                                        on_port_writable, self);
}

/**
 * gh_serial_console_attach:
 * @path: the guest's serial pty ("/dev/pts/N")
 */
gboolean
gh_serial_console_attach (GhSerialConsole  *self,
                          const char       *path,
                          GError          **error)
{
  struct termios raw;
  int fd;

  g_return_val_if_fail (GH_IS_SERIAL_CONSOLE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_strcmp0 (self->path, path) == 0)
    return TRUE;

  gh_serial_console_detach (self);

  fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot open the serial console %s: %s"), path, g_strerror (errsv));
      return FALSE;
    }

  if (tcgetattr (fd, &raw) == 0)
    {
      cfmakeraw (&raw);
      tcsetattr (fd, TCSANOW, &raw);
    }

  self->fd = fd;
  self->read_source = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_port_readable, self);
  self->path = g_strdup (path);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);

  return TRUE;
}

/**
 * gh_serial_console_detach:
 *
 * Lets go of the port; the text shown stays.
 */
void
gh_serial_console_detach (GhSerialConsole *self)
{
  g_return_if_fail (GH_IS_SERIAL_CONSOLE (self));

  if (self->path == NULL)
    return;

  g_clear_handle_id (&self->read_source, g_source_remove);
  g_clear_handle_id (&self->write_source, g_source_remove);
  g_byte_array_set_size (self->pending, 0);
  close (self->fd);
  self->fd = -1;
  g_clear_pointer (&self->path, g_free);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
}

/**
 * gh_serial_console_dup_text:
 *
 * Returns: (transfer full): the text on the terminal's screen
 */
char *
gh_serial_console_dup_text (GhSerialConsole *self)
{
  g_return_val_if_fail (GH_IS_SERIAL_CONSOLE (self), NULL);

  return vte_terminal_get_text (VTE_TERMINAL (self), NULL, NULL, NULL);
}

/* Actions */

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  vte_terminal_copy_clipboard_format (VTE_TERMINAL (widget), VTE_FORMAT_TEXT);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  vte_terminal_paste_clipboard (VTE_TERMINAL (widget));
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  vte_terminal_select_all (VTE_TERMINAL (widget));
}

static void
update_actions (GhSerialConsole *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "term.copy",
                                 vte_terminal_get_has_selection (VTE_TERMINAL (self)));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "term.paste", self->path != NULL);
}

static void
on_secondary_pressed (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      GhSerialConsole *self)
{
  update_actions (self);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->popover));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* GObject */

static void
gh_serial_console_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  GhSerialConsole *self = GH_SERIAL_CONSOLE (widget);

  GTK_WIDGET_CLASS (gh_serial_console_parent_class)->size_allocate (widget, width, height,
                                                                     baseline);

  gtk_popover_present (GTK_POPOVER (self->popover));
}

static void
gh_serial_console_dispose (GObject *object)
{
  GhSerialConsole *self = (GhSerialConsole *)object;

  gh_serial_console_detach (self);
  g_clear_pointer (&self->pending, g_byte_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_SERIAL_CONSOLE);

  G_OBJECT_CLASS (gh_serial_console_parent_class)->dispose (object);
}

static void
gh_serial_console_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GhSerialConsole *self = GH_SERIAL_CONSOLE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, gh_serial_console_get_path (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_serial_console_class_init (GhSerialConsoleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_serial_console_dispose;
  object_class->get_property = gh_serial_console_get_property;

  widget_class->size_allocate = gh_serial_console_size_allocate;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-serial-console.ui");
  gtk_widget_class_bind_template_child (widget_class, GhSerialConsole, popover);
  gtk_widget_class_bind_template_callback (widget_class, on_secondary_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_commit);
  gtk_widget_class_bind_template_callback (widget_class, update_actions);

  gtk_widget_class_install_action (widget_class, "term.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "term.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "term.select-all", NULL, select_all_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "term.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "term.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "term.select-all",
                                       NULL);
}

static void
gh_serial_console_init (GhSerialConsole *self)
{
  self->fd = -1;
  self->pending = g_byte_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  vte_terminal_set_colors (VTE_TERMINAL (self), &foreground, &background, palette,
                           G_N_ELEMENTS (palette));
  vte_terminal_set_scrollback_lines (VTE_TERMINAL (self), SCROLLBACK_LINES);
  update_actions (self);
}

GtkWidget *
gh_serial_console_new (void)
{
  return g_object_new (GH_TYPE_SERIAL_CONSOLE, NULL);
}
