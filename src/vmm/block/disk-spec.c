/* disk-spec.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "disk-spec.h"

/* Copies the next item of spec (up to an unescaped comma) into a new
 * string, undoubling ",,", and advances *p past it and its comma. */
static char *
disk_spec_next_item (const char **p)
{
  const char *s = *p;
  size_t len = 0, n = 0;
  char *item;

  while (s[len] != '\0' && !(s[len] == ',' && s[len + 1] != ','))
    len += (s[len] == ',') ? 2 : 1;
  item = malloc (len + 1);
  if (item == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++)
    {
      item[n++] = s[i];
      if (s[i] == ',')
        i++;
    }
  item[n] = '\0';
  *p = s[len] == ',' ? s + len + 1 : s + len;
  return item;
}

static int
disk_spec_parse_bool (const char *value,
                      bool       *out)
{
  static const char *const yes[] = { "on", "yes", "true", "1" };
  static const char *const no[] = { "off", "no", "false", "0" };

  for (unsigned i = 0; i < 4; i++)
    {
      if (strcmp (value, yes[i]) == 0)
        {
          *out = true;
          return 0;
        }
      if (strcmp (value, no[i]) == 0)
        {
          *out = false;
          return 0;
        }
    }
  return -EINVAL;
}

static int
disk_spec_set (DiskSpec   *out,
               const char *spec,
               const char *key,
               const char *value,
               unsigned   *seen,
               VmmError   *err)
{
  static const char *const keys[] = { "path", "readonly", "serial", "bus", "media" };
  unsigned k;

  for (k = 0; k < 5; k++)
    if (strcmp (key, keys[k]) == 0)
      break;
  if (k == 5)
    {
      vmm_error_set (err, "--disk %s: unknown key '%s' (known: path, readonly, serial, bus, "
                     "media)", spec, key);
      return -EINVAL;
    }
  if (*seen & (1u << k))
    {
      vmm_error_set (err, "--disk %s: '%s' is given twice", spec, key);
      return -EINVAL;
    }
  *seen |= 1u << k;

  switch (k)
    {
    case 0:
      if (value[0] == '\0')
        {
          vmm_error_set (err, "--disk %s: the path is empty", spec);
          return -EINVAL;
        }
      out->path = strdup (value);
      return out->path != NULL ? 0 : -ENOMEM;
    case 1:
      if (disk_spec_parse_bool (value, &out->read_only) < 0)
        {
          vmm_error_set (err, "--disk %s: readonly=%s is not on or off", spec, value);
          return -EINVAL;
        }
      return 0;
    case 2:
      if (strlen (value) > DISK_SPEC_SERIAL_MAX)
        {
          vmm_error_set (err, "--disk %s: the serial is longer than %d characters", spec,
                         DISK_SPEC_SERIAL_MAX);
          return -EINVAL;
        }
      for (const char *c = value; *c != '\0'; c++)
        if (*c < 0x20 || *c > 0x7e)
          {
            vmm_error_set (err, "--disk %s: the serial may only hold printable ASCII "
                           "characters", spec);
            return -EINVAL;
          }
      strcpy (out->serial, value);
      return 0;
    case 3:
      if (strcmp (value, "virtio") == 0)
        out->bus = DISK_BUS_VIRTIO;
      else if (strcmp (value, "ide") == 0)
        out->bus = DISK_BUS_IDE;
      else
        {
          vmm_error_set (err, "--disk %s: unknown bus '%s' (known: virtio, ide)", spec, value);
          return -EINVAL;
        }
      return 0;
    default:
      if (strcmp (value, "disk") == 0)
        out->media = DISK_MEDIA_DISK;
      else if (strcmp (value, "cdrom") == 0)
        out->media = DISK_MEDIA_CDROM;
      else
        {
          vmm_error_set (err, "--disk %s: unknown media '%s' (known: disk, cdrom)", spec,
                         value);
          return -EINVAL;
        }
      return 0;
    }
}

/* The rules that tie the keys together, once all are known. */
static int
disk_spec_check (DiskSpec   *out,
                 const char *spec,
                 unsigned    seen,
                 VmmError   *err)
{
  const unsigned seen_readonly = 1u << 1, seen_bus = 1u << 3;

  if (out->media != DISK_MEDIA_CDROM)
    {
      if (out->path == NULL)
        {
          vmm_error_set (err, "--disk %s: no path= given", spec);
          return -EINVAL;
        }
      return 0;
    }
  if ((seen & seen_readonly) && !out->read_only)
    {
      vmm_error_set (err, "--disk %s: a CD-ROM is read-only: drop readonly=off", spec);
      return -EINVAL;
    }
  if ((seen & seen_bus) && out->bus != DISK_BUS_IDE)
    {
      vmm_error_set (err, "--disk %s: CD-ROM drives are on the IDE bus: use bus=ide", spec);
      return -EINVAL;
    }
  out->read_only = true;
  out->bus = DISK_BUS_IDE;
  return 0;
}

int
disk_spec_parse (const char *spec,
                 DiskSpec   *out,
                 VmmError   *err)
{
  const char *p = spec;
  unsigned seen = 0;
  bool first = true;
  int ret = 0;

  memset (out, 0, sizeof *out);
  out->bus = DISK_BUS_VIRTIO;
  out->media = DISK_MEDIA_DISK;
  if (spec == NULL || spec[0] == '\0')
    {
      vmm_error_set (err, "--disk needs a disk image: --disk path=FILE");
      return -EINVAL;
    }

  while (ret == 0 && *p != '\0')
    {
      char *item = disk_spec_next_item (&p);
      char *eq;

      if (item == NULL)
        {
          ret = -ENOMEM;
          break;
        }
      eq = strchr (item, '=');
      if (eq == NULL && first)
        ret = disk_spec_set (out, spec, "path", item, &seen, err);
      else if (eq == NULL || eq == item)
        {
          vmm_error_set (err, "--disk %s: '%s' is not key=value", spec, item);
          ret = -EINVAL;
        }
      else
        {
          *eq = '\0';
          ret = disk_spec_set (out, spec, item, eq + 1, &seen, err);
        }
      first = false;
      free (item);
    }

  if (ret == 0)
    ret = disk_spec_check (out, spec, seen, err);
  if (ret == -ENOMEM)
    vmm_error_set (err, "out of memory while parsing --disk");
  if (ret < 0)
    disk_spec_clear (out);
  return ret;
}

void
disk_spec_clear (DiskSpec *spec)
{
  free (spec->path);
  memset (spec, 0, sizeof *spec);
}
