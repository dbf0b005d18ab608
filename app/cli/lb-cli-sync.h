/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* labelbench-cli sync: sends the events after the sink's cursor */
int  lb_cli_sync (int    argc,
                  char **argv);

G_END_DECLS
