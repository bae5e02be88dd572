/* gh-display.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <adwaita.h>

#include "gh-application.h"
#include "gh-display.h"
#include "gh-keymap.h"

/* The console widget: a guest's screen from a GhVncSource, painted into a GtkDrawingArea,
 * scaled to fit or at 1:1 in a scrolled window; keyboard and pointer back to the guest.
 *
 * The keyboard: while the screen has the focus, every key goes to the guest as a raw scancode
 * (see gh-keymap.c), including the app's own shortcuts and, where the desktop allows it, the
 * system's; a hint says so, and Ctrl+Alt gives the keyboard back by dropping the focus. Keys
 * still held when the focus goes are released in the guest, so none stays stuck down.
 *
 * The pointer is absolute: RFB sends positions, mapped from the widget to the guest's screen
 * through the scale and offset of the last draw.
 */

#define HINT_TIMEOUT_SECONDS 4

/* With GUESTHOUSE_DISPLAY_STATS set in the environment, every display prints a line a second
 * to stderr for benchmarks (bench/display-pane) to read:
 *
 *   display-stats: t=SECONDS frames=N updates=M drawn=WxH name=NAME
 *
 * t is the monotonic clock; frames counts paints of the guest's picture and updates the
 * completed framebuffer updates of the current connection, both since the start, so a reader
 * gets rates from two lines however late the main loop ran the timer; drawn is the size the
 * picture was last painted at, after scaling. Off by default: the counters exist anyway.
 */
#define STATS_INTERVAL_MS 1000

typedef struct
{
  guint keysym;
  guint qnum;
} Key;

struct _GhDisplay
{
  GtkWidget       parent_instance;

  GhVncSource    *source;
  char           *message;
  char           *name;
  GArray         *pressed;          /* of Key, in the order they went down */
  double          scale;
  double          offset_x;
  double          offset_y;
  double          pointer_x;
  double          pointer_y;
  guint           buttons;
  guint           hint_source;
  guint           stats_source;
  guint           n_frames_drawn;
  guint           scale_to_fit : 1;
  guint           show_toolbar : 1;
  guint           keyboard_grabbed : 1;

  /* Template widgets */
  GtkWidget      *toolbar;
  GtkStack       *stack;
  GtkScrolledWindow *scroller;
  GtkDrawingArea *area;
  AdwStatusPage  *status;
  GtkRevealer    *hint_revealer;
  GtkLabel       *keyboard_label;
};

G_DEFINE_FINAL_TYPE (GhDisplay, gh_display, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_MESSAGE,
  PROP_NAME,
  PROP_SCALE_TO_FIT,
  PROP_SHOW_TOOLBAR,
  PROP_KEYBOARD_GRABBED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Drawing */

static void
update_geometry (GhDisplay *self,
                 int        width,
                 int        height)
{
  int fb_width = self->source ? gh_vnc_source_get_width (self->source) : 0;
  int fb_height = self->source ? gh_vnc_source_get_height (self->source) : 0;

  if (fb_width == 0 || fb_height == 0)
    {
      self->scale = 1.0;
      self->offset_x = self->offset_y = 0;
      return;
    }

  self->scale = self->scale_to_fit
    ? MIN (width / (double) fb_width, height / (double) fb_height)
    : 1.0;
  self->offset_x = MAX (0.0, (width - fb_width * self->scale) / 2.0);
  self->offset_y = MAX (0.0, (height - fb_height * self->scale) / 2.0);
}

static void
draw_func (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  GhDisplay *self = user_data;
  cairo_surface_t *frame;

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_paint (cr);

  if (self->source == NULL || !(frame = gh_vnc_source_create_surface (self->source)))
    return;

  update_geometry (self, width, height);
  cairo_translate (cr, self->offset_x, self->offset_y);
  cairo_scale (cr, self->scale, self->scale);
  cairo_set_source_surface (cr, frame, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr),
                            self->scale == 1.0 ? CAIRO_FILTER_FAST : CAIRO_FILTER_BILINEAR);
  cairo_paint (cr);
  cairo_surface_destroy (frame);

  self->n_frames_drawn++;
}

static gboolean
print_stats (gpointer user_data)
{
  GhDisplay *self = user_data;
  int fb_width = self->source ? gh_vnc_source_get_width (self->source) : 0;
  int fb_height = self->source ? gh_vnc_source_get_height (self->source) : 0;

  g_printerr ("display-stats: t=%.3f frames=%u updates=%u drawn=%dx%d name=%s\n",
              g_get_monotonic_time () / (double) G_USEC_PER_SEC, self->n_frames_drawn,
              self->source ? gh_vnc_source_get_n_updates (self->source) : 0,
              (int) (fb_width * self->scale + 0.5), (int) (fb_height * self->scale + 0.5),
              self->name ? self->name : "");

  return G_SOURCE_CONTINUE;
}

static void
update_content_size (GhDisplay *self)
{
  gboolean one_to_one = !self->scale_to_fit && self->source != NULL;

  /* At 1:1 the area is as large as the guest's screen and the scrolled window scrolls it; to
   * fit, it takes whatever room there is.
   */
  gtk_drawing_area_set_content_width (self->area,
                                      one_to_one ? gh_vnc_source_get_width (self->source) : 0);
  gtk_drawing_area_set_content_height (self->area,
                                       one_to_one ? gh_vnc_source_get_height (self->source) : 0);
  gtk_scrolled_window_set_policy (self->scroller,
                                  one_to_one ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER,
                                  one_to_one ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER);
}

static void
update_state (GhDisplay *self)
{
  gboolean connected = self->source != NULL && gh_vnc_source_get_connected (self->source);

  gtk_stack_set_visible_child_name (self->stack, connected ? "screen" : "message");
  adw_status_page_set_description (self->status, self->message);
  gtk_widget_set_visible (self->toolbar, self->show_toolbar && connected);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "display.send-keys", connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "display.screenshot", connected);

  if (!connected && gtk_widget_has_focus (GTK_WIDGET (self->area)))
    gtk_root_set_focus (gtk_widget_get_root (GTK_WIDGET (self)), NULL);

  gtk_label_set_label (self->keyboard_label,
                       self->keyboard_grabbed
                       ? _("The guest has the keyboard: Ctrl+Alt releases it")
                       : _("Click the screen to type into the guest"));
}

static void
on_source_updated (GhDisplay *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static void
on_source_resized (GhDisplay *self)
{
  update_content_size (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

/* Keyboard */

static void
release_pressed_keys (GhDisplay *self)
{
  for (guint i = self->pressed->len; i > 0; i--)
    {
      Key *key = &g_array_index (self->pressed, Key, i - 1);

      if (self->source != NULL)
        gh_vnc_source_send_key (self->source, key->keysym, key->qnum, FALSE);
    }
  g_array_set_size (self->pressed, 0);
}

static GhApplication *
get_application (GhDisplay *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = NULL;

  if (GTK_IS_WINDOW (root))
    app = gtk_window_get_application (GTK_WINDOW (root));

  return GH_IS_APPLICATION (app) ? GH_APPLICATION (app) : NULL;
}

static void
set_tab_view_shortcuts (GhDisplay *self,
                        gboolean   enabled)
{
  GtkWidget *tab_view = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TAB_VIEW);

  if (tab_view != NULL)
    adw_tab_view_set_shortcuts (ADW_TAB_VIEW (tab_view),
                                enabled ? ADW_TAB_VIEW_SHORTCUT_ALL_SHORTCUTS
                                        : ADW_TAB_VIEW_SHORTCUT_NONE);
}

static gboolean
hide_hint_cb (gpointer user_data)
{
  GhDisplay *self = user_data;

  self->hint_source = 0;
  gtk_revealer_set_reveal_child (self->hint_revealer, FALSE);

  return G_SOURCE_REMOVE;
}

static void
set_keyboard_grabbed (GhDisplay *self,
                      gboolean   grabbed)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GdkSurface *surface = native ? gtk_native_get_surface (native) : NULL;
  GhApplication *app = get_application (self);

  if (self->keyboard_grabbed == grabbed)
    return;

  self->keyboard_grabbed = grabbed;

  if (grabbed)
    {
      if (app != NULL)
        gh_application_inhibit_shortcuts (app);
      set_tab_view_shortcuts (self, FALSE);
      if (GDK_IS_TOPLEVEL (surface))
        gdk_toplevel_inhibit_system_shortcuts (GDK_TOPLEVEL (surface), NULL);

      gtk_revealer_set_reveal_child (self->hint_revealer, TRUE);
      g_clear_handle_id (&self->hint_source, g_source_remove);
      self->hint_source = g_timeout_add_seconds (HINT_TIMEOUT_SECONDS, hide_hint_cb, self);
    }
  else
    {
      release_pressed_keys (self);
      if (app != NULL)
        gh_application_uninhibit_shortcuts (app);
      set_tab_view_shortcuts (self, TRUE);
      if (GDK_IS_TOPLEVEL (surface))
        gdk_toplevel_restore_system_shortcuts (GDK_TOPLEVEL (surface));

      g_clear_handle_id (&self->hint_source, g_source_remove);
      gtk_revealer_set_reveal_child (self->hint_revealer, FALSE);
    }

  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYBOARD_GRABBED]);
}

static void
on_focus_enter (GhDisplay *self)
{
  set_keyboard_grabbed (self, TRUE);
}

static void
on_focus_leave (GhDisplay *self)
{
  set_keyboard_grabbed (self, FALSE);
}

static gboolean
is_control (guint keyval)
{
  return keyval == GDK_KEY_Control_L || keyval == GDK_KEY_Control_R;
}

static gboolean
is_alt (guint keyval)
{
  return keyval == GDK_KEY_Alt_L || keyval == GDK_KEY_Alt_R
         || keyval == GDK_KEY_Meta_L || keyval == GDK_KEY_Meta_R;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GhDisplay             *self)
{
  Key key = { keyval, gh_keymap_keycode_to_qnum (keycode) };

  if (self->source == NULL)
    return FALSE;

  /* Ctrl+Alt, in either order, gives the keyboard back. */
  if ((is_alt (keyval) && (state & GDK_CONTROL_MASK))
      || (is_control (keyval) && (state & GDK_ALT_MASK)))
    {
      gtk_root_set_focus (gtk_widget_get_root (GTK_WIDGET (self)), NULL);
      return TRUE;
    }

  gh_vnc_source_send_key (self->source, key.keysym, key.qnum, TRUE);

  /* Auto-repeat sends presses again; the list holds each key once. */
  for (guint i = 0; i < self->pressed->len; i++)
    if (g_array_index (self->pressed, Key, i).qnum == key.qnum
        && g_array_index (self->pressed, Key, i).keysym == key.keysym)
      return TRUE;
  g_array_append_val (self->pressed, key);

  return TRUE;
}

static void
on_key_released (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GhDisplay             *self)
{
  guint qnum = gh_keymap_keycode_to_qnum (keycode);

  for (guint i = 0; i < self->pressed->len; i++)
    {
      Key *key = &g_array_index (self->pressed, Key, i);

      /* The keysym may differ from the press (Shift let go first): match the scancode. */
      if ((qnum != 0 && key->qnum == qnum) || (qnum == 0 && key->keysym == keyval))
        {
          gh_vnc_source_send_key (self->source, key->keysym, key->qnum, FALSE);
          g_array_remove_index (self->pressed, i);
          return;
        }
    }
}

/* Pointer */

static void
send_pointer (GhDisplay *self,
              double     x,
              double     y)
{
  self->pointer_x = x;
  self->pointer_y = y;

  if (self->source == NULL || self->scale <= 0)
    return;

  gh_vnc_source_send_pointer (self->source, (int) ((x - self->offset_x) / self->scale),
                              (int) ((y - self->offset_y) / self->scale), self->buttons);
}

static guint
button_bit (guint button)
{
  switch (button)
    {
    case GDK_BUTTON_PRIMARY:   return GH_VNC_BUTTON_LEFT;
    case GDK_BUTTON_MIDDLE:    return GH_VNC_BUTTON_MIDDLE;
    case GDK_BUTTON_SECONDARY: return GH_VNC_BUTTON_RIGHT;
    default:                   return 0;
    }
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            GhDisplay       *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  gtk_widget_grab_focus (GTK_WIDGET (self->area));
  self->buttons |= button_bit (button);
  send_pointer (self, x, y);
}

static void
on_released (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             GhDisplay       *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  self->buttons &= ~button_bit (button);
  send_pointer (self, x, y);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           GhDisplay                *self)
{
  send_pointer (self, x, y);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           GhDisplay                *self)
{
  guint wheel = 0;

  if (self->source == NULL)
    return FALSE;

  if (dy < 0)
    wheel = GH_VNC_BUTTON_WHEEL_UP;
  else if (dy > 0)
    wheel = GH_VNC_BUTTON_WHEEL_DOWN;
  else if (dx < 0)
    wheel = GH_VNC_BUTTON_WHEEL_LEFT;
  else if (dx > 0)
    wheel = GH_VNC_BUTTON_WHEEL_RIGHT;

  /* A wheel step is a press and a release of its button. */
  self->buttons |= wheel;
  send_pointer (self, self->pointer_x, self->pointer_y);
  self->buttons &= ~wheel;
  send_pointer (self, self->pointer_x, self->pointer_y);

  return TRUE;
}

/* Actions */

static const struct
{
  const char *name;
  guint       keysym;
  guint       qnum;
} send_key_final[] = {
  { "delete", GDK_KEY_Delete, GH_QNUM_DELETE },
  { "backspace", GDK_KEY_BackSpace, GH_QNUM_BACKSPACE },
};

static gboolean
parse_final_key (const char *name,
                 guint      *keysym,
                 guint      *qnum)
{
  guint64 n;

  for (guint i = 0; i < G_N_ELEMENTS (send_key_final); i++)
    if (g_str_equal (name, send_key_final[i].name))
      {
        *keysym = send_key_final[i].keysym;
        *qnum = send_key_final[i].qnum;
        return TRUE;
      }

  if (name[0] == 'f' && g_ascii_string_to_unsigned (name + 1, 10, 1, 12, &n, NULL))
    {
      *keysym = GDK_KEY_F1 + (guint) n - 1;
      *qnum = gh_keymap_function_key ((guint) n);
      return TRUE;
    }

  return FALSE;
}

/* "ctrl-alt-delete", "ctrl-alt-backspace", "ctrl-alt-f1" … "ctrl-alt-f12" */
static void
send_keys_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GhDisplay *self = GH_DISPLAY (widget);
  const char *combo = g_variant_get_string (parameter, NULL);
  guint keysym, qnum;

  if (!g_str_has_prefix (combo, "ctrl-alt-") || !parse_final_key (combo + 9, &keysym, &qnum))
    {
      g_critical ("Unknown key combination “%s”", combo);
      return;
    }

  gh_vnc_source_send_key (self->source, GDK_KEY_Control_L, GH_QNUM_LEFT_CTRL, TRUE);
  gh_vnc_source_send_key (self->source, GDK_KEY_Alt_L, GH_QNUM_LEFT_ALT, TRUE);
  gh_vnc_source_send_key (self->source, keysym, qnum, TRUE);
  gh_vnc_source_send_key (self->source, keysym, qnum, FALSE);
  gh_vnc_source_send_key (self->source, GDK_KEY_Alt_L, GH_QNUM_LEFT_ALT, FALSE);
  gh_vnc_source_send_key (self->source, GDK_KEY_Control_L, GH_QNUM_LEFT_CTRL, FALSE);
}

static void
add_toast (GhDisplay  *self,
           const char *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

/**
 * gh_display_take_screenshot:
 *
 * Saves the guest's screen as a PNG in the Pictures folder.
 *
 * Returns: (transfer full) (nullable): the path of the file
 */
char *
gh_display_take_screenshot (GhDisplay  *self,
                            GError    **error)
{
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  g_autofree char *folder = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H-%M-%S");

  g_return_val_if_fail (GH_IS_DISPLAY (self), NULL);

  if (self->source == NULL)
    {
      g_set_error_literal (error, GH_VNC_ERROR, GH_VNC_ERROR_NO_FRAME,
                           _("The guest has no display"));
      return NULL;
    }

  folder = pictures ? g_strdup (pictures) : g_build_filename (g_get_home_dir (), "Pictures", NULL);
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   _("Cannot create the folder %s: %s"), folder, g_strerror (errsv));
      return NULL;
    }

  file = g_strdup_printf ("%s %s.png", self->name ? self->name : "guest", stamp);
  path = g_build_filename (folder, file, NULL);
  if (!gh_vnc_source_save_png (self->source, path, error))
    return NULL;

  return g_steal_pointer (&path);
}

static void
screenshot_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GhDisplay *self = GH_DISPLAY (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = gh_display_take_screenshot (self, &error);
  g_autofree char *message = NULL;

  if (path == NULL)
    message = g_strdup_printf (_("Cannot take a screenshot: %s"), error->message);
  else
    message = g_strdup_printf (_("Screenshot saved to %s"), path);

  add_toast (self, message);
}

/* Properties */

static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

GtkWidget *
gh_display_new (void)
{
  return g_object_new (GH_TYPE_DISPLAY, NULL);
}

/**
 * gh_display_get_source:
 *
 * Returns: (transfer none) (nullable): the display connection shown
 */
GhVncSource *
gh_display_get_source (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), NULL);

  return self->source;
}

/**
 * gh_display_set_source:
 * @source: (nullable): the display connection to show
 */
void
gh_display_set_source (GhDisplay   *self,
                       GhVncSource *source)
{
  g_return_if_fail (GH_IS_DISPLAY (self));
  g_return_if_fail (source == NULL || GH_IS_VNC_SOURCE (source));

  if (self->source == source)
    return;

  if (self->source != NULL)
    {
      release_pressed_keys (self);
      g_signal_handlers_disconnect_by_data (self->source, self);
    }
  g_set_object (&self->source, source);
  self->buttons = 0;

  if (source != NULL)
    {
      g_signal_connect_object (source, "updated", G_CALLBACK (on_source_updated), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (source, "notify::width", G_CALLBACK (on_source_resized), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (source, "notify::height", G_CALLBACK (on_source_resized), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (source, "notify::connected", G_CALLBACK (update_state), self,
                               G_CONNECT_SWAPPED);
    }

  update_content_size (self);
  update_state (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOURCE]);
}

/**
 * gh_display_get_message:
 *
 * Returns: (nullable): what the display says while it has no connection
 */
const char *
gh_display_get_message (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), NULL);

  return self->message;
}

void
gh_display_set_message (GhDisplay  *self,
                        const char *message)
{
  g_return_if_fail (GH_IS_DISPLAY (self));

  if (set_str (&self->message, message))
    {
      update_state (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }
}

/**
 * gh_display_get_name:
 *
 * Returns: (nullable): the guest's name, for screenshot files
 */
const char *
gh_display_get_name (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), NULL);

  return self->name;
}

void
gh_display_set_name (GhDisplay  *self,
                     const char *name)
{
  g_return_if_fail (GH_IS_DISPLAY (self));

  if (set_str (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

gboolean
gh_display_get_scale_to_fit (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), FALSE);

  return self->scale_to_fit;
}

void
gh_display_set_scale_to_fit (GhDisplay *self,
                             gboolean   scale_to_fit)
{
  g_return_if_fail (GH_IS_DISPLAY (self));

  scale_to_fit = !!scale_to_fit;
  if (self->scale_to_fit == scale_to_fit)
    return;

  self->scale_to_fit = scale_to_fit;
  update_content_size (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_TO_FIT]);
}

gboolean
gh_display_get_show_toolbar (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), FALSE);

  return self->show_toolbar;
}

void
gh_display_set_show_toolbar (GhDisplay *self,
                             gboolean   show_toolbar)
{
  g_return_if_fail (GH_IS_DISPLAY (self));

  show_toolbar = !!show_toolbar;
  if (self->show_toolbar == show_toolbar)
    return;

  self->show_toolbar = show_toolbar;
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_TOOLBAR]);
}

/**
 * gh_display_get_keyboard_grabbed:
 *
 * Returns: whether keys go to the guest
 */
gboolean
gh_display_get_keyboard_grabbed (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), FALSE);

  return self->keyboard_grabbed;
}

/**
 * gh_display_get_n_frames_drawn:
 *
 * Returns: how many times a frame of the guest's screen has been painted
 */
guint
gh_display_get_n_frames_drawn (GhDisplay *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY (self), 0);

  return self->n_frames_drawn;
}

/* GObject */

static void
gh_display_unroot (GtkWidget *widget)
{
  /* The shortcuts belong to the window being left. */
  set_keyboard_grabbed (GH_DISPLAY (widget), FALSE);

  GTK_WIDGET_CLASS (gh_display_parent_class)->unroot (widget);
}

static void
gh_display_dispose (GObject *object)
{
  GhDisplay *self = (GhDisplay *)object;

  GtkWidget *child;

  gh_display_set_source (self, NULL);
  g_clear_handle_id (&self->hint_source, g_source_remove);
  g_clear_handle_id (&self->stats_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_DISPLAY);

  /* The template's children without an id are left to us. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gh_display_parent_class)->dispose (object);
}

static void
gh_display_finalize (GObject *object)
{
  GhDisplay *self = (GhDisplay *)object;

  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->pressed, g_array_unref);

  G_OBJECT_CLASS (gh_display_parent_class)->finalize (object);
}

static void
gh_display_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  GhDisplay *self = GH_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, gh_display_get_source (self));
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, gh_display_get_message (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, gh_display_get_name (self));
      break;
    case PROP_SCALE_TO_FIT:
      g_value_set_boolean (value, gh_display_get_scale_to_fit (self));
      break;
    case PROP_SHOW_TOOLBAR:
      g_value_set_boolean (value, gh_display_get_show_toolbar (self));
      break;
    case PROP_KEYBOARD_GRABBED:
      g_value_set_boolean (value, gh_display_get_keyboard_grabbed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_display_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  GhDisplay *self = GH_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      gh_display_set_source (self, g_value_get_object (value));
      break;
    case PROP_MESSAGE:
      gh_display_set_message (self, g_value_get_string (value));
      break;
    case PROP_NAME:
      gh_display_set_name (self, g_value_get_string (value));
      break;
    case PROP_SCALE_TO_FIT:
      gh_display_set_scale_to_fit (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_TOOLBAR:
      gh_display_set_show_toolbar (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_display_class_init (GhDisplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = gh_display_dispose;
  object_class->finalize = gh_display_finalize;
  object_class->get_property = gh_display_get_property;
  object_class->set_property = gh_display_set_property;

  widget_class->unroot = gh_display_unroot;

  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL, GH_TYPE_VNC_SOURCE, rw);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, rw);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, rw);
  properties[PROP_SCALE_TO_FIT] =
    g_param_spec_boolean ("scale-to-fit", NULL, NULL, TRUE, rw);
  properties[PROP_SHOW_TOOLBAR] =
    g_param_spec_boolean ("show-toolbar", NULL, NULL, TRUE, rw);
  properties[PROP_KEYBOARD_GRABBED] =
    g_param_spec_boolean ("keyboard-grabbed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-display.ui");
  gtk_widget_class_set_css_name (widget_class, "ghdisplay");
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, toolbar);
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, stack);
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, scroller);
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, area);
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, status);
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, hint_revealer);
  gtk_widget_class_bind_template_child (widget_class, GhDisplay, keyboard_label);
  gtk_widget_class_bind_template_callback (widget_class, on_key_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_key_released);
  gtk_widget_class_bind_template_callback (widget_class, on_focus_enter);
  gtk_widget_class_bind_template_callback (widget_class, on_focus_leave);
  gtk_widget_class_bind_template_callback (widget_class, on_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_released);
  gtk_widget_class_bind_template_callback (widget_class, on_motion);
  gtk_widget_class_bind_template_callback (widget_class, on_scroll);

  gtk_widget_class_install_property_action (widget_class, "display.scale-to-fit", "scale-to-fit");
  gtk_widget_class_install_action (widget_class, "display.send-keys", "s", send_keys_action);
  gtk_widget_class_install_action (widget_class, "display.screenshot", NULL, screenshot_action);
}

static void
gh_display_init (GhDisplay *self)
{
  self->pressed = g_array_new (FALSE, FALSE, sizeof (Key));
  self->scale = 1.0;
  self->scale_to_fit = TRUE;
  self->show_toolbar = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_drawing_area_set_draw_func (self->area, draw_func, self, NULL);
  update_content_size (self);
  update_state (self);

  if (g_getenv ("GUESTHOUSE_DISPLAY_STATS") != NULL)
    self->stats_source = g_timeout_add (STATS_INTERVAL_MS, print_stats, self);
}
