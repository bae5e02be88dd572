/* gh-protocol.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#if !defined (GUESTHOUSE_CORE_INSIDE) && !defined (GUESTHOUSE_CORE_COMPILATION)
# error "Only <gh-core.h> can be included directly."
#endif

/* The control protocol of guesthouse-vmm (docs/control-protocol.md), written down once. Every
 * name on the wire that the core uses comes from here, so a rename is one edit.
 */

/* Message members */
/* The lowest balloon target a helper accepts (or the maximum, if smaller):
 * below it a guest could be squeezed out of memory by a slip of the slider. */
#define GH_PROTOCOL_BALLOON_FLOOR_MIB    64

#define GH_PROTOCOL_GREETING             "QMP"
#define GH_PROTOCOL_EXECUTE              "execute"
#define GH_PROTOCOL_ARGUMENTS            "arguments"
#define GH_PROTOCOL_ID                   "id"
#define GH_PROTOCOL_RETURN               "return"
#define GH_PROTOCOL_ERROR                "error"
#define GH_PROTOCOL_ERROR_CLASS          "class"
#define GH_PROTOCOL_ERROR_DESC           "desc"
#define GH_PROTOCOL_EVENT                "event"
#define GH_PROTOCOL_EVENT_DATA           "data"
#define GH_PROTOCOL_TIMESTAMP            "timestamp"

/* Commands the VMM has */
#define GH_PROTOCOL_CMD_CAPABILITIES     "qmp_capabilities"
#define GH_PROTOCOL_CMD_QUERY_STATUS     "query-status"
#define GH_PROTOCOL_CMD_QUERY_GUEST      "query-guest"
#define GH_PROTOCOL_CMD_STOP             "stop"
#define GH_PROTOCOL_CMD_CONT             "cont"
#define GH_PROTOCOL_CMD_QUIT             "quit"
#define GH_PROTOCOL_CMD_QUERY_CHARDEV    "query-chardev"

/* Commands announced for later work (docs/control-protocol.md). The client sends them as they
 * are; a VMM without them answers CommandNotFound, which the core reports as "not available".
 */
#define GH_PROTOCOL_CMD_SYSTEM_POWERDOWN "system_powerdown"
#define GH_PROTOCOL_CMD_SYSTEM_RESET     "system_reset"
#define GH_PROTOCOL_CMD_BALLOON          "balloon"
#define GH_PROTOCOL_CMD_QUERY_BALLOON    "query-balloon"
#define GH_PROTOCOL_CMD_SET_VCPUS        "set-vcpus"
#define GH_PROTOCOL_CMD_SCREENDUMP       "screendump"
#define GH_PROTOCOL_CMD_QUERY_VCPUS      "query-vcpus"
#define GH_PROTOCOL_CMD_QUERY_BLOCK      "query-block"
#define GH_PROTOCOL_CMD_EJECT            "eject"
#define GH_PROTOCOL_CMD_CHANGE           "change"

/* query-status */
#define GH_PROTOCOL_STATUS               "status"
#define GH_PROTOCOL_STATUS_RUNNING       "running"
#define GH_PROTOCOL_STATUS_PAUSED        "paused"
#define GH_PROTOCOL_STATUS_SHUTDOWN      "shutdown"
#define GH_PROTOCOL_RUNNING              "running"

/* query-guest */
#define GH_PROTOCOL_GUEST_NAME           "name"
#define GH_PROTOCOL_GUEST_UUID           "uuid"
#define GH_PROTOCOL_GUEST_PID            "pid"
#define GH_PROTOCOL_GUEST_MEMORY_MIB     "memory-mib"
#define GH_PROTOCOL_GUEST_MAX_MEMORY_MIB "max-memory-mib"
#define GH_PROTOCOL_GUEST_VCPUS          "vcpus"
#define GH_PROTOCOL_GUEST_MAX_VCPUS      "max-vcpus"

/* query-chardev */
#define GH_PROTOCOL_CHARDEV_LABEL        "label"
#define GH_PROTOCOL_CHARDEV_FILENAME     "filename"
#define GH_PROTOCOL_CHARDEV_SERIAL0      "serial0"

/* Arguments of the later commands */
#define GH_PROTOCOL_ARG_VALUE            "value"
#define GH_PROTOCOL_ARG_FILENAME         "filename"
#define GH_PROTOCOL_ARG_COUNT            "count"
#define GH_PROTOCOL_ARG_DEVICE           "device"
#define GH_PROTOCOL_ARG_FORCE            "force"

/* system_powerdown */
#define GH_PROTOCOL_GUEST_LISTENS        "guest-listens"

/* query-vcpus */
#define GH_PROTOCOL_VCPU_ID              "id"
#define GH_PROTOCOL_VCPU_STATE           "state"
#define GH_PROTOCOL_VCPU_STATE_ENABLED   "enabled"
#define GH_PROTOCOL_VCPU_STATE_PENDING_INSERT "pending-insert"
#define GH_PROTOCOL_VCPU_STATE_PENDING_REMOVAL "pending-removal"
#define GH_PROTOCOL_VCPU_STATE_ABSENT    "absent"
#define GH_PROTOCOL_VCPU_THREAD_ID       "thread-id"

/* query-block; drives are named by kind and position among their kind: cdrom0, disk0, … */
#define GH_PROTOCOL_BLOCK_DEVICE         "device"
#define GH_PROTOCOL_BLOCK_TYPE           "type"
#define GH_PROTOCOL_BLOCK_TYPE_CDROM     "cdrom"
#define GH_PROTOCOL_BLOCK_TYPE_DISK      "disk"
#define GH_PROTOCOL_BLOCK_BUS            "bus"
#define GH_PROTOCOL_BLOCK_FILE           "file"
#define GH_PROTOCOL_BLOCK_READ_ONLY      "read-only"
#define GH_PROTOCOL_BLOCK_INSERTED       "inserted"
#define GH_PROTOCOL_BLOCK_TRAY_OPEN      "tray-open"
#define GH_PROTOCOL_BLOCK_LOCKED         "locked"

/* Error classes */
#define GH_PROTOCOL_ERROR_GENERIC            "GenericError"
#define GH_PROTOCOL_ERROR_COMMAND_NOT_FOUND  "CommandNotFound"
#define GH_PROTOCOL_ERROR_INVALID_ARGUMENT   "InvalidArgument"
#define GH_PROTOCOL_ERROR_DEVICE_NOT_FOUND   "DeviceNotFound"

/* Events */
#define GH_PROTOCOL_EVENT_STOP           "STOP"
#define GH_PROTOCOL_EVENT_RESUME         "RESUME"
#define GH_PROTOCOL_EVENT_SHUTDOWN       "SHUTDOWN"
#define GH_PROTOCOL_EVENT_RESET          "RESET"
#define GH_PROTOCOL_SHUTDOWN_REASON      "reason"
#define GH_PROTOCOL_SHUTDOWN_STATUS      "status"
#define GH_PROTOCOL_EVENT_VCPUS_CHANGED  "VCPUS_CHANGED"
#define GH_PROTOCOL_VCPUS_ENABLED        "enabled"
#define GH_PROTOCOL_EVENT_TRAY_MOVED     "DEVICE_TRAY_MOVED"
