/* gh-window-private.h
 *
 * Copyright 2024 The Guesthouse authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-application.h"
#include "gh-guest-list.h"
#include "gh-window.h"

G_BEGIN_DECLS

struct _GhWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* The guest of the current tab, which the guest.* actions act on. */
  GhGuestSession       *selected;
  GSignalGroup         *session_signals;
  GSignalGroup         *guest_signals;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  AdwLeafletPage       *separator_page;
  GtkWidget            *content;
  AdwHeaderBar         *content_header;
  AdwViewSwitcherTitle *switcher_title;
  GtkWidget            *start_button;
  GtkWidget            *pause_button;
  GtkWidget            *resume_button;
  GtkWidget            *guest_menu_button;
  AdwTabBar            *tab_bar;
  GtkStack             *content_stack;
  AdwTabView           *tab_view;
  GhGuestList          *guest_list;
};

GhApplication *_gh_window_get_application  (GhWindow       *self);
void           _gh_window_class_actions_init (GtkWidgetClass *widget_class);
void           _gh_window_update_actions    (GhWindow       *self);
void           _gh_window_start_guest       (GhWindow       *self,
                                             GhGuestSession *session,
                                             const char     *pane);

G_END_DECLS
