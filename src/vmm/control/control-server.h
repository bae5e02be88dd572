/* control-server.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-c/json.h>

#include "event-loop.h"
#include "vmm-error.h"
#include "vmm.h"

/* The control socket (docs/control-protocol.md). Runs on the main thread. */
typedef struct ControlServer ControlServer;

ControlServer *control_server_new        (Vmm           *vmm,
                                          EventLoop     *loop,
                                          const char    *path,
                                          VmmError      *err);
void           control_server_free       (ControlServer *server);
void           control_server_emit_event (ControlServer *server,
                                          const char    *name,
                                          json_object   *data);
