/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* labelbench-cli report --store DB [--batch NAME] [--format csv|json] [--output FILE] */
int  lb_cli_report (int    argc,
                    char **argv);

/* labelbench-cli review --store DB --item ID [--batch B] --actor LEAD
 *                       --verdict accept|fix|reject [--comment T]
 *                       [--label L ...] [--decision D [--reason R]] [--note T]
 *                       | --gold | --no-gold */
int  lb_cli_review (int    argc,
                    char **argv);

/* labelbench-cli overlap --store DB --batch NAME [--set N] */
int  lb_cli_overlap (int    argc,
                     char **argv);

/* labelbench-cli queue --store DB [--batch B] [filters] [--sample F --seed N]
 *                      | --actor NAME */
int  lb_cli_review_queue (int    argc,
                          char **argv);

G_END_DECLS
