/* ctl.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-core.h"

G_BEGIN_DECLS

typedef struct
{
  GhGuestStore *store;
  gboolean      json;
} Ctl;

/* Every command returns the process exit status. */
typedef int (*CtlCommandFunc) (Ctl   *ctl,
                               int    argc,
                               char **argv);

int       ctl_fail                  (const char    *guest,
                                     const GError  *error);
int       ctl_fail_literal          (const char    *guest,
                                     const char    *message);
int       ctl_usage_error           (const char    *command,
                                     const char    *message);
gboolean  ctl_parse_options         (const char    *command,
                                     const char    *parameters,
                                     const char    *summary,
                                     GOptionEntry  *entries,
                                     int           *argc,
                                     char        ***argv,
                                     int            n_positional);
gboolean  ctl_reload                (Ctl           *ctl);
GhGuest  *ctl_lookup                (Ctl           *ctl,
                                     const char    *name);
GhGuest  *ctl_lookup_running        (Ctl           *ctl,
                                     const char    *name);
void      ctl_print_json            (JsonNode      *node);

int ctl_cmd_list        (Ctl *ctl, int argc, char **argv);
int ctl_cmd_dominfo     (Ctl *ctl, int argc, char **argv);
int ctl_cmd_domid       (Ctl *ctl, int argc, char **argv);
int ctl_cmd_domname     (Ctl *ctl, int argc, char **argv);
int ctl_cmd_domuuid     (Ctl *ctl, int argc, char **argv);
int ctl_cmd_define      (Ctl *ctl, int argc, char **argv);
int ctl_cmd_undefine    (Ctl *ctl, int argc, char **argv);
int ctl_cmd_disk_create (Ctl *ctl, int argc, char **argv);
int ctl_cmd_start       (Ctl *ctl, int argc, char **argv);
int ctl_cmd_shutdown    (Ctl *ctl, int argc, char **argv);
int ctl_cmd_destroy     (Ctl *ctl, int argc, char **argv);
int ctl_cmd_pause       (Ctl *ctl, int argc, char **argv);
int ctl_cmd_resume      (Ctl *ctl, int argc, char **argv);
int ctl_cmd_reboot      (Ctl *ctl, int argc, char **argv);
int ctl_cmd_mem_set     (Ctl *ctl, int argc, char **argv);
int ctl_cmd_vcpu_set    (Ctl *ctl, int argc, char **argv);
int ctl_cmd_screenshot  (Ctl *ctl, int argc, char **argv);
int ctl_cmd_console     (Ctl *ctl, int argc, char **argv);
int ctl_cmd_change_media (Ctl *ctl, int argc, char **argv);

G_END_DECLS
