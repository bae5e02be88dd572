/* gh-stats-graph.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-stats-graph.h"

/* A small line graph of the last minute of one value, newest on the right, filled beneath in
 * the accent colour. The scale runs from zero to a maximum the caller chooses (the guest's
 * maximum memory, 100% per vCPU), so the graph reads the same from one second to the next.
 */

struct _GhStatsGraph
{
  GtkWidget  parent_instance;

  double    *samples;
  guint      n_samples;
  guint      capacity;
  double     maximum;
};

G_DEFINE_FINAL_TYPE (GhStatsGraph, gh_stats_graph, GTK_TYPE_WIDGET)

/* libadwaita's accent blue */
static const GdkRGBA accent = { 0.2078, 0.5176, 0.8941, 1.0 };

GtkWidget *
gh_stats_graph_new (void)
{
  return g_object_new (GH_TYPE_STATS_GRAPH, NULL);
}

/**
 * gh_stats_graph_set_samples:
 * @samples: (array length=n_samples): the values, oldest first
 * @capacity: how many samples fill the width
 * @maximum: the value at the top; larger values are clipped
 */
void
gh_stats_graph_set_samples (GhStatsGraph *self,
                            const double *samples,
                            guint         n_samples,
                            guint         capacity,
                            double        maximum)
{
  g_return_if_fail (GH_IS_STATS_GRAPH (self));
  g_return_if_fail (n_samples <= capacity);

  g_free (self->samples);
  self->samples = g_memdup2 (samples, n_samples * sizeof *samples);
  self->n_samples = n_samples;
  self->capacity = capacity;
  self->maximum = maximum;

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
gh_stats_graph_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  GhStatsGraph *self = GH_STATS_GRAPH (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double step;
  cairo_t *cr;

  if (self->n_samples < 2 || self->maximum <= 0 || width <= 0 || height <= 0)
    return;

  step = width / (self->capacity - 1);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* Newest on the right edge; a short history starts further right. */
  for (guint i = 0; i < self->n_samples; i++)
    {
      double x = width - (self->n_samples - 1 - i) * step;
      double y = height - MIN (self->samples[i] / self->maximum, 1.0) * (height - 1);

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }

  cairo_set_line_width (cr, 1.5);
  gdk_cairo_set_source_rgba (cr, &accent);
  cairo_stroke_preserve (cr);

  cairo_line_to (cr, width, height);
  cairo_line_to (cr, width - (self->n_samples - 1) * step, height);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.25);
  cairo_fill (cr);

  cairo_destroy (cr);
}

static void
gh_stats_graph_finalize (GObject *object)
{
  GhStatsGraph *self = (GhStatsGraph *)object;

  g_clear_pointer (&self->samples, g_free);

  G_OBJECT_CLASS (gh_stats_graph_parent_class)->finalize (object);
}

static void
gh_stats_graph_class_init (GhStatsGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gh_stats_graph_finalize;

  widget_class->snapshot = gh_stats_graph_snapshot;

  gtk_widget_class_set_css_name (widget_class, "ghstatsgraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gh_stats_graph_init (GhStatsGraph *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), -1, 48);
}
