/* gh-serial-console.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <vte/vte.h>

G_BEGIN_DECLS

#define GH_TYPE_SERIAL_CONSOLE (gh_serial_console_get_type ())

G_DECLARE_FINAL_TYPE (GhSerialConsole, gh_serial_console, GH, SERIAL_CONSOLE, VteTerminal)

GtkWidget  *gh_serial_console_new       (void);
const char *gh_serial_console_get_path  (GhSerialConsole  *self);
gboolean    gh_serial_console_attach    (GhSerialConsole  *self,
                                         const char       *path,
                                         GError          **error);
void        gh_serial_console_detach    (GhSerialConsole  *self);
char       *gh_serial_console_dup_text  (GhSerialConsole  *self);

G_END_DECLS
