/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* The GUI application: options --store DB, --actor NAME, --demo and a
 * positional PATH (a folder or manifest to import and open).
 *
 * Not unique: every launch is a process of its own with its own options;
 * the store's write lock keeps two processes off one store (the second is
 * told so on its error page). */
#define LB_TYPE_APPLICATION (lb_application_get_type ())
G_DECLARE_FINAL_TYPE (LbApplication, lb_application, LB, APPLICATION, AdwApplication)

LbApplication *lb_application_new          (void);
/* NULL when the GSettings schema is not installed */
GSettings     *lb_application_get_settings (LbApplication *self);
/* The store, once it is open (it opens in a worker thread); NULL before and
 * when it could not be opened (the window says why). */
LbStore       *lb_application_get_store    (LbApplication *self);
/* TRUE while the store is being opened: the window shows "Opening the Store…" */
gboolean       lb_application_get_opening  (LbApplication *self);

G_END_DECLS
