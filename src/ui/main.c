/* main.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "gh-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GhApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Without its settings schema GSettings aborts; say what is missing instead. */
  {
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema =
      source ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;

    if (schema == NULL)
      {
        g_printerr (_("guesthouse: the settings schema %s is not installed; install the app, or "
                      "run it from its build folder with “meson devenv”\n"), APP_ID);
        return 1;
      }
  }

  app = gh_application_new (G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
