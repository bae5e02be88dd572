/* gh-display-thumbnail.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-display-thumbnail.h"

/* A live miniature of a guest's screen for the guest list: a paintable that keeps a small copy
 * of the frame, refreshed at most once a second. The list can redraw it as often as it likes
 * for the cost of painting a few thousand pixels, and a busy guest costs the list one downscale
 * a second.
 */

/* Kept at twice the width the list shows, for HiDPI screens. */
#define THUMBNAIL_WIDTH    192
#define SHOWN_WIDTH        96
#define REFRESH_INTERVAL_US G_USEC_PER_SEC

struct _GhDisplayThumbnail
{
  GObject          parent_instance;

  GhVncSource     *source;
  cairo_surface_t *cache;
  gint64           last_refresh;
  guint            refresh_source;
};

static void paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GhDisplayThumbnail, gh_display_thumbnail, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE, paintable_iface_init))

enum {
  PROP_0,
  PROP_HAS_FRAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_cache (GhDisplayThumbnail *self,
           cairo_surface_t    *cache)
{
  gboolean had_frame = self->cache != NULL;
  gboolean size_changed = cache == NULL || self->cache == NULL
    || cairo_image_surface_get_width (cache) != cairo_image_surface_get_width (self->cache)
    || cairo_image_surface_get_height (cache) != cairo_image_surface_get_height (self->cache);

  g_clear_pointer (&self->cache, cairo_surface_destroy);
  self->cache = cache;

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));

  if (had_frame != (cache != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_FRAME]);
}

static void
refresh (GhDisplayThumbnail *self)
{
  cairo_surface_t *frame = gh_vnc_source_create_surface (self->source);
  cairo_surface_t *cache;
  cairo_t *cr;
  int width, height;
  double scale;

  self->last_refresh = g_get_monotonic_time ();

  if (frame == NULL)
    return;

  width = cairo_image_surface_get_width (frame);
  height = cairo_image_surface_get_height (frame);
  scale = MIN (1.0, THUMBNAIL_WIDTH / (double) width);

  cache = cairo_image_surface_create (CAIRO_FORMAT_RGB24, MAX (1, (int) (width * scale)),
                                      MAX (1, (int) (height * scale)));
  cr = cairo_create (cache);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, frame, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (frame);

  set_cache (self, cache);
}

static gboolean
refresh_cb (gpointer user_data)
{
  GhDisplayThumbnail *self = user_data;

  self->refresh_source = 0;
  refresh (self);

  return G_SOURCE_REMOVE;
}

static void
on_source_updated (GhVncSource        *source,
                   int                 x,
                   int                 y,
                   int                 width,
                   int                 height,
                   GhDisplayThumbnail *self)
{
  gint64 wait = self->last_refresh + REFRESH_INTERVAL_US - g_get_monotonic_time ();

  if (self->refresh_source != 0)
    return;

  if (wait <= 0)
    refresh (self);
  else
    self->refresh_source = g_timeout_add ((guint) (wait / 1000) + 1, refresh_cb, self);
}

GhDisplayThumbnail *
gh_display_thumbnail_new (void)
{
  return g_object_new (GH_TYPE_DISPLAY_THUMBNAIL, NULL);
}

/**
 * gh_display_thumbnail_set_source:
 * @source: (nullable): the display to follow; %NULL clears the picture
 */
void
gh_display_thumbnail_set_source (GhDisplayThumbnail *self,
                                 GhVncSource        *source)
{
  g_return_if_fail (GH_IS_DISPLAY_THUMBNAIL (self));
  g_return_if_fail (source == NULL || GH_IS_VNC_SOURCE (source));

  if (self->source == source)
    return;

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_set_object (&self->source, source);

  if (source != NULL)
    {
      g_signal_connect_object (source, "updated", G_CALLBACK (on_source_updated), self, 0);
      refresh (self);
    }
  else
    set_cache (self, NULL);
}

gboolean
gh_display_thumbnail_get_has_frame (GhDisplayThumbnail *self)
{
  g_return_val_if_fail (GH_IS_DISPLAY_THUMBNAIL (self), FALSE);

  return self->cache != NULL;
}

static void
gh_display_thumbnail_snapshot (GdkPaintable *paintable,
                               GdkSnapshot  *snapshot,
                               double        width,
                               double        height)
{
  GhDisplayThumbnail *self = GH_DISPLAY_THUMBNAIL (paintable);
  cairo_t *cr;

  if (self->cache == NULL || width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (GTK_SNAPSHOT (snapshot),
                                  &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_scale (cr, width / cairo_image_surface_get_width (self->cache),
               height / cairo_image_surface_get_height (self->cache));
  cairo_set_source_surface (cr, self->cache, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static int
gh_display_thumbnail_get_intrinsic_width (GdkPaintable *paintable)
{
  GhDisplayThumbnail *self = GH_DISPLAY_THUMBNAIL (paintable);

  return self->cache ? SHOWN_WIDTH : 0;
}

static int
gh_display_thumbnail_get_intrinsic_height (GdkPaintable *paintable)
{
  GhDisplayThumbnail *self = GH_DISPLAY_THUMBNAIL (paintable);

  if (self->cache == NULL)
    return 0;

  return SHOWN_WIDTH * cairo_image_surface_get_height (self->cache)
         / cairo_image_surface_get_width (self->cache);
}

static void
paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = gh_display_thumbnail_snapshot;
  iface->get_intrinsic_width = gh_display_thumbnail_get_intrinsic_width;
  iface->get_intrinsic_height = gh_display_thumbnail_get_intrinsic_height;
}

static void
gh_display_thumbnail_dispose (GObject *object)
{
  GhDisplayThumbnail *self = (GhDisplayThumbnail *)object;

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_object (&self->source);
  g_clear_pointer (&self->cache, cairo_surface_destroy);

  G_OBJECT_CLASS (gh_display_thumbnail_parent_class)->dispose (object);
}

static void
gh_display_thumbnail_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GhDisplayThumbnail *self = GH_DISPLAY_THUMBNAIL (object);

  switch (prop_id)
    {
    case PROP_HAS_FRAME:
      g_value_set_boolean (value, gh_display_thumbnail_get_has_frame (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_display_thumbnail_class_init (GhDisplayThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_display_thumbnail_dispose;
  object_class->get_property = gh_display_thumbnail_get_property;

  properties[PROP_HAS_FRAME] =
    g_param_spec_boolean ("has-frame", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_display_thumbnail_init (GhDisplayThumbnail *self)
{
}
