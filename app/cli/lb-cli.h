/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

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

int  lb_cli_bench (int    argc,
                   char **argv);

int  lb_cli_accept (int    argc,
                    char **argv);

G_END_DECLS
