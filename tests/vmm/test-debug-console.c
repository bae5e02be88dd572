/* test-debug-console.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "devices/debug-console.h"

static void
put (DebugConsole *con,
     const char   *text)
{
  for (const char *c = text; *c != '\0'; c++)
    debug_console_ops.write (con, 0, (uint8_t) *c, 1);
}

/* What the pipe holds now, without waiting. */
static char *
drain (int fd)
{
  GString *out = g_string_new (NULL);
  char buf[512];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (out, buf, n);
  return g_string_free (out, FALSE);
}

static void
test_log (void)
{
  int fds[2];
  DebugConsole *con;
  char *text;

  g_assert_cmpint (pipe2 (fds, O_NONBLOCK), ==, 0);
  con = debug_console_new (fds[1]);
  g_assert_nonnull (con);

  /* SeaBIOS's check that the port is there. */
  g_assert_cmphex (debug_console_ops.read (con, 0, 1), ==, DEBUG_CONSOLE_READBACK);

  put (con, "SeaBIOS (version 1.16)\nhalf a li");
  text = drain (fds[0]);
  g_assert_cmpstr (text, ==, "SeaBIOS (version 1.16)\n");
  g_free (text);

  /* Wider or misplaced writes are not bytes of the log. */
  debug_console_ops.write (con, 0, 0x41424344, 4);
  debug_console_ops.write (con, 1, 'X', 1);
  put (con, "ne\n");
  text = drain (fds[0]);
  g_assert_cmpstr (text, ==, "half a line\n");
  g_free (text);

  /* A log without newlines still comes out, in 256-byte pieces, and the
   * rest when the console goes. */
  for (unsigned i = 0; i < 300; i++)
    debug_console_ops.write (con, 0, 'a' + i % 26, 1);
  text = drain (fds[0]);
  g_assert_cmpuint (strlen (text), ==, 256);
  g_free (text);
  debug_console_free (con);
  text = drain (fds[0]);
  g_assert_cmpuint (strlen (text), ==, 44);
  g_assert_cmpint (text[43], ==, 'a' + 299 % 26);
  g_free (text);
  close (fds[0]);
}

/* The reader went away: the guest keeps running and the console keeps
 * taking bytes. */
static void
test_closed_reader (void)
{
  int fds[2];
  DebugConsole *con;

  g_assert_cmpint (pipe2 (fds, O_NONBLOCK), ==, 0);
  close (fds[0]);
  con = debug_console_new (fds[1]);
  for (unsigned i = 0; i < 1000; i++)
    put (con, "line\n");
  debug_console_free (con);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* A write to a pipe without a reader raises SIGPIPE; the VMM ignores it. */
  signal (SIGPIPE, SIG_IGN);
  g_test_add_func ("/vmm/debug-console/log", test_log);
  g_test_add_func ("/vmm/debug-console/closed-reader", test_closed_reader);
  return g_test_run ();
}
