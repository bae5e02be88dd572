/* ctl-console.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "ctl.h"

/* Ctrl+] is what telnet and virsh use to get out of a console. */
#define DETACH_KEY 0x1d

static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }

  return TRUE;
}

/* Copies bytes both ways until Ctrl+] on the terminal, the end of input, or the guest going
 * away (the helper closes the pty master and reads return EIO).
 */
static int
bridge (int         pty,
        const char *name)
{
  struct pollfd fds[2] = {
    { .fd = STDIN_FILENO, .events = POLLIN },
    { .fd = pty, .events = POLLIN },
  };
  char buf[4096];

  for (;;)
    {
      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return EXIT_FAILURE;
        }

      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read (pty, buf, sizeof buf);

          if (n <= 0)
            {
              if (n < 0 && errno == EINTR)
                continue;
              return EXIT_SUCCESS;
            }
          if (!write_all (STDOUT_FILENO, buf, (gsize) n))
            return EXIT_FAILURE;
        }

      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
          char *detach;

          if (n <= 0)
            {
              if (n < 0 && errno == EINTR)
                continue;
              return EXIT_SUCCESS;
            }

          if ((detach = memchr (buf, DETACH_KEY, (gsize) n)) != NULL)
            {
              write_all (pty, buf, (gsize) (detach - buf));
              return EXIT_SUCCESS;
            }
          if (!write_all (pty, buf, (gsize) n))
            return EXIT_SUCCESS;
        }
    }
}

int
ctl_cmd_console (Ctl   *ctl,
                 int    argc,
                 char **argv)
{
  g_autofree char *link = NULL;
  g_autofree char *target = NULL;
  struct termios saved, raw;
  gboolean is_tty;
  GhGuest *guest;
  int status;
  int pty;

  if (!ctl_parse_options ("console", "NAME", _("Attach the terminal to a guest's serial "
                                               "console; Ctrl+] detaches."),
                          NULL, &argc, &argv, 1))
    return 2;

  if (!(guest = ctl_lookup_running (ctl, argv[1])))
    return EXIT_FAILURE;

  /* The helper made "serial" a symlink to its pty; opening the link opens the pty. */
  link = gh_guest_dup_runtime_path (guest, GH_RUNTIME_SERIAL);
  target = g_file_read_link (link, NULL);
  if (target == NULL || !g_str_has_prefix (target, "/dev/pts/"))
    return ctl_fail_literal (argv[1], _("The guest's serial console has no pty"));

  pty = open (target, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty < 0)
    {
      int errsv = errno;
      g_autofree char *message = g_strdup_printf (_("Cannot open the serial console %s: %s"),
                                                  target, g_strerror (errsv));
      return ctl_fail_literal (argv[1], message);
    }

  /* Bytes go through untouched on the guest's side of the pty. */
  if (tcgetattr (pty, &raw) == 0)
    {
      cfmakeraw (&raw);
      tcsetattr (pty, TCSANOW, &raw);
    }

  is_tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  if (is_tty)
    {
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (STDIN_FILENO, TCSANOW, &raw);
      g_printerr (_("Connected to the serial console of guest “%s”; press Ctrl+] to "
                    "detach.\r\n"), argv[1]);
    }

  status = bridge (pty, argv[1]);

  if (is_tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      g_printerr ("\n");
    }
  close (pty);

  return status;
}
