/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-types.h"

G_BEGIN_DECLS

/* Exit statuses of labelbench-cli */
enum {
  LB_CLI_EXIT_OK = 0,        /* all done */
  LB_CLI_EXIT_FAILED = 1,    /* nothing done; one line on stderr says why */
  LB_CLI_EXIT_PARTIAL = 2,   /* done, with some items rejected (listed on stderr) */
};

/* Prints "labelbench-cli: MESSAGE" on stderr; returns LB_CLI_EXIT_FAILED. */
int  lb_cli_fail  (const char *format,
                   ...) G_GNUC_PRINTF (1, 2);

/* Parses the options of one command; prints the error and returns FALSE
 * when they do not parse. argv[0] is the command name. */
gboolean lb_cli_parse_options (GOptionContext  *context,
                               int             *argc,
                               char          ***argv);

/* The app's settings (io.github.labelbench.Labelbench), or NULL when their
 * schema is not installed */
GSettings *lb_cli_load_settings (void);

/* The store a command uses without --store: the app's, i.e. the
 * "store-path" setting (an administrator may set it), else the default */
char *lb_cli_default_store_path (void);

/* Opens the store at PATH (NULL or empty: lb_cli_default_store_path ()),
 * which must exist; prints why not and returns NULL */
LbStore  *lb_cli_open_existing_store (const char *path,
                                      gboolean    read_only);

int  lb_cli_bench (int    argc,
                   char **argv);

int  lb_cli_accept (int    argc,
                    char **argv);

G_END_DECLS
