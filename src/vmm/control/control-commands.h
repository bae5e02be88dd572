/* control-commands.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-c/json.h>

#include "vmm.h"

typedef struct
{
  const char *error_class;   /* NULL: success */
  char        desc[512];   /* room for a VmmError message */
} ControlError;

typedef json_object *(*ControlCommandFunc) (Vmm          *vmm,
                                            json_object  *arguments,
                                            ControlError *error);

typedef struct
{
  const char         *name;
  ControlCommandFunc  func;
} ControlCommand;

const ControlCommand *control_command_find (const char *name);
