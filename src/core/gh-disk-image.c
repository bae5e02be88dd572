/* gh-disk-image.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gh-types.h"
#include "gh-error.h"
#include "gh-disk-image.h"

/**
 * gh_disk_image_parse_size:
 * @text: a number of bytes with an optional binary suffix: K, M, G or T (also KiB, MiB, …)
 *
 * Sizes are rounded to nothing: a raw image's size must be a whole number of 512-byte sectors,
 * and a size that is not is refused rather than silently changed.
 */
gboolean
gh_disk_image_parse_size (const char  *text,
                          guint64     *size,
                          GError     **error)
{
  g_autofree char *number = NULL;
  const char *suffix;
  guint64 value;
  guint shift = 0;

  g_return_val_if_fail (size != NULL, FALSE);

  if (text == NULL || !g_ascii_isdigit (text[0]))
    goto bad;

  suffix = text;
  while (g_ascii_isdigit (*suffix))
    suffix++;
  number = g_strndup (text, suffix - text);

  if (*suffix == '\0' || g_ascii_strcasecmp (suffix, "B") == 0)
    shift = 0;
  else if (g_ascii_strcasecmp (suffix, "K") == 0 || g_ascii_strcasecmp (suffix, "KiB") == 0)
    shift = 10;
  else if (g_ascii_strcasecmp (suffix, "M") == 0 || g_ascii_strcasecmp (suffix, "MiB") == 0)
    shift = 20;
  else if (g_ascii_strcasecmp (suffix, "G") == 0 || g_ascii_strcasecmp (suffix, "GiB") == 0)
    shift = 30;
  else if (g_ascii_strcasecmp (suffix, "T") == 0 || g_ascii_strcasecmp (suffix, "TiB") == 0)
    shift = 40;
  else
    goto bad;

  if (!g_ascii_string_to_unsigned (number, 10, 0, GH_DISK_IMAGE_SIZE_MAX >> shift, &value, NULL))
    goto too_big;
  value <<= shift;

  if (value < GH_DISK_IMAGE_SIZE_MIN || value > GH_DISK_IMAGE_SIZE_MAX)
    goto too_big;

  if (value % 512 != 0)
    {
      g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_INVALID_SIZE,
                   _("The disk size %s is not a whole number of 512-byte sectors"), text);
      return FALSE;
    }

  *size = value;

  return TRUE;

too_big:
  g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_INVALID_SIZE,
               _("The disk size %s is not between 512 bytes and 64 TiB"), text);
  return FALSE;

bad:
  g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_INVALID_SIZE,
               _("“%s” is not a size (a number with an optional K, M, G or T suffix)"),
               text ? text : "");
  return FALSE;
}

/**
 * gh_disk_image_create:
 * @force: replace an existing regular file; without it an existing file is an error
 *
 * Creates a sparse raw image: the file has @size bytes but takes no blocks until the guest
 * writes. The existence check and the creation are one open(O_EXCL), so two callers cannot both
 * believe they created the file. Even with @force, only a regular file is replaced: truncating a
 * block device or following a symlink somewhere unexpected is never what "force" meant.
 */
gboolean
gh_disk_image_create (const char  *path,
                      guint64      size,
                      gboolean     force,
                      GError     **error)
{
  g_autofree char *dir = NULL;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  if (size < GH_DISK_IMAGE_SIZE_MIN || size > GH_DISK_IMAGE_SIZE_MAX || size % 512 != 0)
    {
      g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_INVALID_SIZE,
                   _("The disk size %" G_GUINT64_FORMAT " is not a whole number of sectors "
                     "between 512 bytes and 64 TiB"), size);
      return FALSE;
    }

  if (force)
    {
      struct stat st;

      if (lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
        {
          g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_EXISTS,
                       _("%s exists and is not a regular file; it is not replaced"), path);
          return FALSE;
        }
    }
  else
    flags |= O_EXCL;

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_IO,
                   _("Cannot create the folder %s: %s"), dir, g_strerror (errsv));
      return FALSE;
    }

  fd = open (path, flags, 0600);
  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == EEXIST)
        g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_EXISTS,
                     _("%s already exists (use --force to replace it)"), path);
      else
        g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_IO,
                     _("Cannot create %s: %s"), path, g_strerror (errsv));
      return FALSE;
    }

  /* Truncating to 0 first drops the old blocks when forcing, so the new image reads as zeros. */
  if (ftruncate (fd, 0) != 0 || ftruncate (fd, (off_t) size) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_IO,
                   _("Cannot give %s its size: %s"), path, g_strerror (errsv));
      close (fd);
      if (!force)
        g_unlink (path);
      return FALSE;
    }

  if (close (fd) != 0)
    {
      int errsv = errno;

      g_set_error (error, GH_DISK_ERROR, GH_DISK_ERROR_IO,
                   _("Cannot write %s: %s"), path, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}
