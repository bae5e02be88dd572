/* gh-ui-test-utils.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*GhUiTestCondition) (gpointer data);

gboolean gh_ui_test_init          (int                *argc,
                                   char             ***argv);
gboolean gh_ui_test_have_qemu     (void);
void     gh_ui_test_reset_dirs    (void);
gboolean gh_ui_test_wait          (GhUiTestCondition   condition,
                                   gpointer            data,
                                   guint               timeout_ms);
void     gh_ui_test_flush         (void);
void     gh_ui_test_sleep         (guint               ms);
void     gh_ui_test_save_png      (GtkWidget          *widget,
                                   const char         *path);
char    *gh_ui_test_read_vmm_log  (void);

G_END_DECLS
