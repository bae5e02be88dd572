/* gh-guest.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-types.h"
#include "gh-core-enums.h"
#include "gh-guest-config.h"
#include "gh-guest-private.h"

/* One item of the store: a defined guest as the store last saw it. Its configuration, or why
 * its file would not load, and its run state: running and paused guests have a domain id and a
 * helper pid. It is a snapshot the store refreshes; it holds no connection to the helper.
 */

struct _GhGuest
{
  GObject        parent_instance;

  char          *name;
  char          *runtime_dir;
  GhGuestConfig *config;
  GError        *config_error;
  char          *last_exit;
  GhGuestState   state;
  guint          domain_id;
  GPid           pid;
};

G_DEFINE_FINAL_TYPE (GhGuest, gh_guest, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_RUNTIME_DIR,
  PROP_CONFIG,
  PROP_CONFIG_ERROR,
  PROP_STATE,
  PROP_DOMAIN_ID,
  PROP_PID,
  PROP_LAST_EXIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * gh_guest_state_to_string:
 *
 * Returns: the state as `guesthouse-ctl list` shows it, translated
 */
const char *
gh_guest_state_to_string (GhGuestState state)
{
  switch (state)
    {
    case GH_GUEST_STATE_SHUT_OFF:
      return _("shut off");
    case GH_GUEST_STATE_RUNNING:
      return _("running");
    case GH_GUEST_STATE_PAUSED:
      return _("paused");
    case GH_GUEST_STATE_CRASHED:
      return _("crashed");
    case GH_GUEST_STATE_INVALID:
      return _("invalid");
    default:
      g_return_val_if_reached (NULL);
    }
}

GhGuest *
_gh_guest_new (const char *name,
               const char *runtime_dir)
{
  return g_object_new (GH_TYPE_GUEST,
                       "name", name,
                       "runtime-dir", runtime_dir,
                       NULL);
}

void
_gh_guest_set_config (GhGuest       *self,
                      GhGuestConfig *config,
                      const GError  *error)
{
  g_return_if_fail (GH_IS_GUEST (self));
  g_return_if_fail (config == NULL || error == NULL);

  g_object_freeze_notify (G_OBJECT (self));

  if (g_set_object (&self->config, config))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);

  if (error != NULL || self->config_error != NULL)
    {
      g_clear_error (&self->config_error);
      if (error != NULL)
        self->config_error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG_ERROR]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
_gh_guest_set_runtime (GhGuest      *self,
                       GhGuestState  state,
                       guint         domain_id,
                       GPid          pid)
{
  g_return_if_fail (GH_IS_GUEST (self));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (self->domain_id != domain_id)
    {
      self->domain_id = domain_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOMAIN_ID]);
    }
  if (self->pid != pid)
    {
      self->pid = pid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
_gh_guest_set_last_exit (GhGuest    *self,
                         const char *last_exit)
{
  g_return_if_fail (GH_IS_GUEST (self));

  if (g_strcmp0 (self->last_exit, last_exit) != 0)
    {
      g_free (self->last_exit);
      self->last_exit = g_strdup (last_exit);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_EXIT]);
    }
}

const char *
gh_guest_get_name (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), NULL);

  return self->name;
}

/**
 * gh_guest_get_config:
 *
 * Returns: (transfer none) (nullable): the configuration, or %NULL when the file does not load
 *   (see gh_guest_get_config_error())
 */
GhGuestConfig *
gh_guest_get_config (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), NULL);

  return self->config;
}

/**
 * gh_guest_get_config_error:
 *
 * Returns: (nullable): why the configuration file does not load, with its path and line
 */
const GError *
gh_guest_get_config_error (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), NULL);

  return self->config_error;
}

GhGuestState
gh_guest_get_state (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), GH_GUEST_STATE_SHUT_OFF);

  return self->state;
}

/**
 * gh_guest_is_active:
 *
 * Returns: whether a helper runs for the guest (running or paused)
 */
gboolean
gh_guest_is_active (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), FALSE);

  return self->state == GH_GUEST_STATE_RUNNING || self->state == GH_GUEST_STATE_PAUSED;
}

/**
 * gh_guest_get_domain_id:
 *
 * Returns: the domain id while active, else 0 (which is the host's, never a guest's)
 */
guint
gh_guest_get_domain_id (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), 0);

  return self->domain_id;
}

GPid
gh_guest_get_pid (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), 0);

  return self->pid;
}

const char *
gh_guest_get_runtime_dir (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), NULL);

  return self->runtime_dir;
}

/**
 * gh_guest_dup_runtime_path:
 * @file: one of %GH_RUNTIME_CONTROL, %GH_RUNTIME_SERIAL, %GH_RUNTIME_DISPLAY …
 *
 * Returns: (transfer full): the path of @file in the guest's runtime folder
 */
char *
gh_guest_dup_runtime_path (GhGuest    *self,
                           const char *file)
{
  g_return_val_if_fail (GH_IS_GUEST (self), NULL);
  g_return_val_if_fail (file != NULL, NULL);

  return g_build_filename (self->runtime_dir, file, NULL);
}

/**
 * gh_guest_get_last_exit:
 *
 * Returns: (nullable): how the last helper ended when it did not end by a clean power-off
 *   ("killed by signal 9", "exited with status 1: …")
 */
const char *
gh_guest_get_last_exit (GhGuest *self)
{
  g_return_val_if_fail (GH_IS_GUEST (self), NULL);

  return self->last_exit;
}

static void
gh_guest_dispose (GObject *object)
{
  GhGuest *self = (GhGuest *)object;

  g_clear_object (&self->config);

  G_OBJECT_CLASS (gh_guest_parent_class)->dispose (object);
}

static void
gh_guest_finalize (GObject *object)
{
  GhGuest *self = (GhGuest *)object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->runtime_dir, g_free);
  g_clear_pointer (&self->last_exit, g_free);
  g_clear_error (&self->config_error);

  G_OBJECT_CLASS (gh_guest_parent_class)->finalize (object);
}

static void
gh_guest_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  GhGuest *self = GH_GUEST (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, gh_guest_get_name (self));
      break;
    case PROP_RUNTIME_DIR:
      g_value_set_string (value, gh_guest_get_runtime_dir (self));
      break;
    case PROP_CONFIG:
      g_value_set_object (value, gh_guest_get_config (self));
      break;
    case PROP_CONFIG_ERROR:
      g_value_set_boxed (value, gh_guest_get_config_error (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, gh_guest_get_state (self));
      break;
    case PROP_DOMAIN_ID:
      g_value_set_uint (value, gh_guest_get_domain_id (self));
      break;
    case PROP_PID:
      g_value_set_int (value, gh_guest_get_pid (self));
      break;
    case PROP_LAST_EXIT:
      g_value_set_string (value, gh_guest_get_last_exit (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  GhGuest *self = GH_GUEST (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_RUNTIME_DIR:
      self->runtime_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_class_init (GhGuestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = gh_guest_dispose;
  object_class->finalize = gh_guest_finalize;
  object_class->get_property = gh_guest_get_property;
  object_class->set_property = gh_guest_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNTIME_DIR] =
    g_param_spec_string ("runtime-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, GH_TYPE_GUEST_CONFIG, ro);
  properties[PROP_CONFIG_ERROR] =
    g_param_spec_boxed ("config-error", NULL, NULL, G_TYPE_ERROR, ro);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GH_TYPE_GUEST_STATE, GH_GUEST_STATE_SHUT_OFF, ro);
  properties[PROP_DOMAIN_ID] =
    g_param_spec_uint ("domain-id", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0, ro);
  properties[PROP_LAST_EXIT] =
    g_param_spec_string ("last-exit", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_guest_init (GhGuest *self)
{
}
