/* main.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ctl.h"

typedef struct
{
  const char     *name;
  CtlCommandFunc  func;
  const char     *summary;
} CtlCommand;

static const CtlCommand commands[] = {
  { "list",        ctl_cmd_list,        N_("List running guests (all guests with --all)") },
  { "define",      ctl_cmd_define,      N_("Define a new guest") },
  { "undefine",    ctl_cmd_undefine,    N_("Remove a guest's definition") },
  { "start",       ctl_cmd_start,       N_("Start a guest") },
  { "shutdown",    ctl_cmd_shutdown,    N_("Ask a guest to power off") },
  { "destroy",     ctl_cmd_destroy,     N_("Stop a guest at once") },
  { "pause",       ctl_cmd_pause,       N_("Pause a guest's vCPUs") },
  { "resume",      ctl_cmd_resume,      N_("Resume a paused guest") },
  { "reboot",      ctl_cmd_reboot,      N_("Reset a guest") },
  { "mem-set",     ctl_cmd_mem_set,     N_("Set a running guest's memory (balloon)") },
  { "vcpu-set",    ctl_cmd_vcpu_set,    N_("Set a running guest's vCPU count") },
  { "change-media", ctl_cmd_change_media, N_("Change or eject a guest's CD-ROM medium") },
  { "console",     ctl_cmd_console,     N_("Attach to a guest's serial console") },
  { "screenshot",  ctl_cmd_screenshot,  N_("Save a guest's screen as PNG") },
  { "dominfo",     ctl_cmd_dominfo,     N_("Show a guest's details") },
  { "domid",       ctl_cmd_domid,       N_("Show a guest's domain id") },
  { "domname",     ctl_cmd_domname,     N_("Show the name of the guest with a domain id") },
  { "domuuid",     ctl_cmd_domuuid,     N_("Show a guest's UUID") },
  { "disk-create", ctl_cmd_disk_create, N_("Create a sparse raw disk image") },
};

/* Errors are one line on stderr, naming the guest and the cause; scripts look at the status. */
static char *
one_line (const char *message)
{
  char *line = g_strdup (message);

  g_strdelimit (line, "\r\n", ' ');

  return line;
}

int
ctl_fail_literal (const char *guest,
                  const char *message)
{
  g_autofree char *line = one_line (message);

  if (guest != NULL)
    /* Translators: guest name, then the error */
    g_printerr (_("guesthouse-ctl: guest “%s”: %s\n"), guest, line);
  else
    g_printerr ("guesthouse-ctl: %s\n", line);

  return EXIT_FAILURE;
}

int
ctl_fail (const char   *guest,
          const GError *error)
{
  return ctl_fail_literal (guest, error->message);
}

int
ctl_usage_error (const char *command,
                 const char *message)
{
  g_autofree char *line = one_line (message);

  g_printerr (_("guesthouse-ctl %s: %s (see “guesthouse-ctl %s --help”)\n"),
              command, line, command);

  return 2;
}

/**
 * ctl_parse_options:
 * @n_positional: how many arguments must remain after the options
 *
 * Parses a command's options; on success argv holds the command name then the positional
 * arguments.
 */
gboolean
ctl_parse_options (const char     *command,
                   const char     *parameters,
                   const char     *summary,
                   GOptionEntry   *entries,
                   int            *argc,
                   char         ***argv,
                   int             n_positional)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = g_strdup_printf ("%s %s", command, parameters ? parameters : "");

  context = g_option_context_new (title);
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      ctl_usage_error (command, error->message);
      return FALSE;
    }

  if (*argc - 1 != n_positional)
    {
      ctl_usage_error (command, *argc - 1 < n_positional ? _("Missing arguments")
                                                         : _("Too many arguments"));
      return FALSE;
    }

  return TRUE;
}

static void
on_runtime_cleaned (GhGuestStore *store,
                    GhGuest      *guest,
                    const char   *message,
                    gpointer      user_data)
{
  ctl_fail_literal (gh_guest_get_name (guest), message);
}

gboolean
ctl_reload (Ctl *ctl)
{
  g_autoptr(GError) error = NULL;

  if (!gh_guest_store_reload (ctl->store, &error))
    {
      ctl_fail (NULL, error);
      return FALSE;
    }

  return TRUE;
}

GhGuest *
ctl_lookup (Ctl        *ctl,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  GhGuest *guest;

  if (!gh_guest_name_validate (name, &error))
    {
      ctl_fail (name, error);
      return NULL;
    }

  if (!ctl_reload (ctl))
    return NULL;

  if (!(guest = gh_guest_store_lookup (ctl->store, name)))
    {
      ctl_fail_literal (name, _("No such guest"));
      return NULL;
    }

  return guest;
}

GhGuest *
ctl_lookup_running (Ctl        *ctl,
                    const char *name)
{
  GhGuest *guest = ctl_lookup (ctl, name);

  if (guest == NULL)
    return NULL;

  if (!gh_guest_is_active (guest))
    {
      ctl_fail_literal (name, _("The guest is not running"));
      return NULL;
    }

  return guest;
}

void
ctl_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
print_help (void)
{
  g_print ("%s\n", _("Usage: guesthouse-ctl [--json] COMMAND [OPTIONS…] [ARGUMENTS…]"));
  g_print ("\n%s\n", _("Manage Guesthouse guests."));
  g_print ("\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %-12s %s\n", commands[i].name, _(commands[i].summary));
  g_print ("\n%s\n", _("“guesthouse-ctl COMMAND --help” shows a command's options."));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const CtlCommand *command = NULL;
  Ctl ctl = { NULL, FALSE };
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* --json may come anywhere; take it out before the command's own option parsing. */
  for (int i = 0; i < argc; i++)
    {
      if (i > 0 && strcmp (argv[i], "--json") == 0)
        ctl.json = TRUE;
      else
        g_ptr_array_add (args, argv[i]);
    }

  if (args->len < 2 || strcmp (args->pdata[1], "--help") == 0
      || strcmp (args->pdata[1], "-h") == 0 || strcmp (args->pdata[1], "help") == 0)
    {
      print_help ();
      return args->len < 2 ? 2 : EXIT_SUCCESS;
    }

  if (strcmp (args->pdata[1], "--version") == 0)
    {
      g_print ("guesthouse-ctl %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (args->pdata[1], commands[i].name) == 0)
      command = &commands[i];

  if (command == NULL)
    {
      g_printerr (_("guesthouse-ctl: unknown command “%s” (see “guesthouse-ctl --help”)\n"),
                  (const char *) args->pdata[1]);
      return 2;
    }

  ctl.store = gh_guest_store_new ();
  g_signal_connect (ctl.store, "runtime-cleaned", G_CALLBACK (on_runtime_cleaned), NULL);

  g_ptr_array_add (args, NULL);
  status = command->func (&ctl, (int) args->len - 2, (char **) args->pdata + 1);

  g_clear_object (&ctl.store);

  return status;
}
