/* gh-guest-list.c
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-guest-list.h"
#include "gh-guest-row.h"

/* The sidebar: every guest, filtered by a search on the name. Activating a row (a click, or
 * Enter) asks for the guest to be opened; the window keeps the highlighted row on the guest of
 * the current tab.
 */

struct _GhGuestList
{
  GtkWidget          parent_instance;

  GListModel        *model;
  GtkFilterListModel *filtered;
  GtkStringFilter   *filter;

  /* Template widgets */
  GtkSearchBar      *search_bar;
  GtkSearchEntry    *search_entry;
  GtkStack          *stack;
  GtkListBox        *list_box;
};

G_DEFINE_FINAL_TYPE (GhGuestList, gh_guest_list, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SEARCH_MODE,
  N_PROPS
};

enum {
  SESSION_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  return gh_guest_row_new (item);
}

static void
update_page (GhGuestList *self)
{
  const char *page = "list";

  if (self->model == NULL || g_list_model_get_n_items (self->model) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    page = "no-results";

  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
on_search_changed (GhGuestList *self)
{
  gtk_string_filter_set_search (self->filter,
                                gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
on_search_mode_changed (GhGuestList *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
on_row_activated (GhGuestList   *self,
                  GtkListBoxRow *row)
{
  g_signal_emit (self, signals[SESSION_ACTIVATED], 0,
                 gh_guest_row_get_session (GH_GUEST_ROW (row)));
}

GtkWidget *
gh_guest_list_new (void)
{
  return g_object_new (GH_TYPE_GUEST_LIST, NULL);
}

/**
 * gh_guest_list_get_model:
 *
 * Returns: (transfer none) (nullable): the sessions listed
 */
GListModel *
gh_guest_list_get_model (GhGuestList *self)
{
  g_return_val_if_fail (GH_IS_GUEST_LIST (self), NULL);

  return self->model;
}

/**
 * gh_guest_list_set_model:
 * @model: (nullable): a list of #GhGuestSession
 */
void
gh_guest_list_set_model (GhGuestList *self,
                         GListModel  *model)
{
  g_return_if_fail (GH_IS_GUEST_LIST (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, update_page, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_object (model, "items-changed", G_CALLBACK (update_page), self,
                             G_CONNECT_SWAPPED);

  gtk_filter_list_model_set_model (self->filtered, model);
  update_page (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

/**
 * gh_guest_list_get_shown:
 *
 * Returns: (transfer none): the sessions that pass the search
 */
GListModel *
gh_guest_list_get_shown (GhGuestList *self)
{
  g_return_val_if_fail (GH_IS_GUEST_LIST (self), NULL);

  return G_LIST_MODEL (self->filtered);
}

gboolean
gh_guest_list_get_search_mode (GhGuestList *self)
{
  g_return_val_if_fail (GH_IS_GUEST_LIST (self), FALSE);

  return gtk_search_bar_get_search_mode (self->search_bar);
}

void
gh_guest_list_set_search_mode (GhGuestList *self,
                               gboolean     search_mode)
{
  g_return_if_fail (GH_IS_GUEST_LIST (self));

  gtk_search_bar_set_search_mode (self->search_bar, search_mode);
  if (search_mode)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
gh_guest_list_set_search_text (GhGuestList *self,
                               const char  *text)
{
  g_return_if_fail (GH_IS_GUEST_LIST (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  on_search_changed (self);
}

/**
 * gh_guest_list_select_session:
 * @session: (nullable): the session whose row to highlight, or %NULL for none
 */
void
gh_guest_list_select_session (GhGuestList    *self,
                              GhGuestSession *session)
{
  GListModel *shown;

  g_return_if_fail (GH_IS_GUEST_LIST (self));

  shown = G_LIST_MODEL (self->filtered);
  for (guint i = 0; session != NULL && i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(GhGuestSession) item = g_list_model_get_item (shown, i);

      if (item == session)
        {
          gtk_list_box_select_row (self->list_box,
                                   gtk_list_box_get_row_at_index (self->list_box, (int) i));
          return;
        }
    }

  gtk_list_box_unselect_all (self->list_box);
}

static void
gh_guest_list_dispose (GObject *object)
{
  GhGuestList *self = (GhGuestList *)object;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, update_page, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_GUEST_LIST);
  g_clear_object (&self->filtered);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (gh_guest_list_parent_class)->dispose (object);
}

static void
gh_guest_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GhGuestList *self = GH_GUEST_LIST (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, gh_guest_list_get_model (self));
      break;
    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, gh_guest_list_get_search_mode (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_list_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GhGuestList *self = GH_GUEST_LIST (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      gh_guest_list_set_model (self, g_value_get_object (value));
      break;
    case PROP_SEARCH_MODE:
      gh_guest_list_set_search_mode (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_guest_list_class_init (GhGuestListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_guest_list_dispose;
  object_class->get_property = gh_guest_list_get_property;
  object_class->set_property = gh_guest_list_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GhGuestList::session-activated:
   * @session: the guest's session
   *
   * A row was clicked or activated with the keyboard.
   */
  signals[SESSION_ACTIVATED] =
    g_signal_new ("session-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GH_TYPE_GUEST_SESSION);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/guesthouse/Guesthouse/ui/"
                                               "gh-guest-list.ui");
  gtk_widget_class_bind_template_child (widget_class, GhGuestList, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GhGuestList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, GhGuestList, stack);
  gtk_widget_class_bind_template_child (widget_class, GhGuestList, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
}

static void
gh_guest_list_init (GhGuestList *self)
{
  GtkExpression *name;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* session → guest → name */
  name = gtk_property_expression_new (GH_TYPE_GUEST,
                                      gtk_property_expression_new (GH_TYPE_GUEST_SESSION, NULL,
                                                                   "guest"),
                                      "name");
  self->filter = gtk_string_filter_new (name);
  gtk_string_filter_set_match_mode (self->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->filter, TRUE);
  self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);

  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (self->filtered), create_row, NULL, NULL);

  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (on_search_mode_changed), self, G_CONNECT_SWAPPED);
  update_page (self);
}
