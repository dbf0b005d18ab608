/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The GUI application: options --store DB, --actor NAME, --demo and a
 * positional PATH (a folder or manifest to import and open). */
#define LB_TYPE_APPLICATION (lb_application_get_type ())
G_DECLARE_FINAL_TYPE (LbApplication, lb_application, LB, APPLICATION, AdwApplication)

LbApplication *lb_application_new          (void);
/* NULL when the GSettings schema is not installed */
GSettings     *lb_application_get_settings (LbApplication *self);

G_END_DECLS
