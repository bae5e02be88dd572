/* atapi.h
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ide/ide-channel.h"

/* The ATAPI CD/DVD-ROM behind the PACKET command: the MMC-6 / SPC-3 packet
 * commands a firmware or an OS installer uses on a read-only medium of
 * 2048-byte blocks. Every function here runs with the channel lock held.
 *
 * Sense keys and codes (SPC-3 4.5.6, MMC-6 annex F). */

#define SENSE_NO_SENSE           0x00
#define SENSE_NOT_READY          0x02
#define SENSE_MEDIUM_ERROR       0x03
#define SENSE_ILLEGAL_REQUEST    0x05
#define SENSE_UNIT_ATTENTION     0x06
#define SENSE_ABORTED_COMMAND    0x0b

#define ASC_READ_ERROR           0x11
#define ASC_INVALID_OPCODE       0x20
#define ASC_LBA_OUT_OF_RANGE     0x21
#define ASC_INVALID_FIELD        0x24
#define ASC_MEDIUM_MAY_HAVE_CHANGED 0x28
#define ASC_INCOMPATIBLE_MEDIUM  0x30
#define ASC_SAVING_NOT_SUPPORTED 0x39
#define ASC_MEDIUM_NOT_PRESENT   0x3a
#define ASC_MEDIUM_REMOVAL_PREVENTED 0x53

/* GET EVENT STATUS NOTIFICATION media event codes. */
#define MEDIA_EVENT_NONE         0
#define MEDIA_EVENT_EJECT_REQUEST 1
#define MEDIA_EVENT_NEW_MEDIA    2
#define MEDIA_EVENT_MEDIA_REMOVAL 3

/* The 12 bytes in d->packet are complete: run the command and start its
 * reply (PIO or, with features bit 0, DMA) or end it. */
void atapi_run_packet     (IdeDrive *d);
/* The host took the current PIO data block: the next one, or the end. */
void atapi_pio_block_done (IdeDrive *d);
/* For the DMA engine: makes buf[chunk_pos, chunk_len) the next data to move.
 * Returns 1 when there is some, 0 at the end of the reply, -1 after a read
 * error (sense set, command already ended). */
int  atapi_next_chunk     (IdeDrive *d);
/* Ends the command with GOOD status, or with CHECK CONDITION and this
 * sense: status, interrupt reason, interrupt. */
void atapi_complete        (IdeDrive *d);
void atapi_check_condition (IdeDrive *d,
                            uint8_t   key,
                            uint8_t   asc,
                            uint8_t   ascq);
/* The ATAPI signature in the task file. */
void atapi_set_signature  (IdeDrive *d);
/* IDENTIFY PACKET DEVICE into 256 words. */
void atapi_identify       (IdeDrive *d,
                           uint16_t *words);
uint32_t atapi_medium_blocks (const IdeDrive *d);
