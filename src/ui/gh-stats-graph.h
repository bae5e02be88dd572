/* gh-stats-graph.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GH_TYPE_STATS_GRAPH (gh_stats_graph_get_type ())

G_DECLARE_FINAL_TYPE (GhStatsGraph, gh_stats_graph, GH, STATS_GRAPH, GtkWidget)

GtkWidget *gh_stats_graph_new          (void);
void       gh_stats_graph_set_samples  (GhStatsGraph *self,
                                        const double *samples,
                                        guint         n_samples,
                                        guint         capacity,
                                        double        maximum);

G_END_DECLS
