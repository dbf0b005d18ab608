/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "labelbench-cli"
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "lb-item.h"
#include "lb-predictions.h"
#include "lb-store.h"
#include "lb-cli.h"

/* labelbench-cli accept --store DB --item ID [--batch B] --actor NAME:
 * the item's pre-annotations (a Label Studio import's predictions) become
 * the actor's own events. */
int
lb_cli_accept (int    argc,
               char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *item_id = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) after = NULL;
  gboolean ok;
  gboolean added = FALSE;
  gint64 seq;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "item", 'i', 0, G_OPTION_ARG_STRING, &item_id, N_("The item's id"), N_("ID") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch,
      N_("The item's batch (needed when the id is in several batches)"), N_("NAME") },
    { "actor", 'a', 0, G_OPTION_ARG_STRING, &actor, N_("Who accepts"), N_("NAME") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Accepts an item's pre-annotations (the predictions of a "
                                  "Label Studio import): they become the actor's own labels, "
                                  "regions, spans and answers. Accepting twice adds nothing."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
  if (item_id == NULL)
    return lb_cli_fail (_("Give the item with --item ID"));
  if (actor == NULL || *actor == '\0')
    return lb_cli_fail (_("Give who accepts with --actor NAME"));

  store = lb_cli_open_existing_store (store_path, FALSE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  item = lb_store_find_item (store, batch, item_id, &error);
  if (item == NULL)
    {
      lb_store_close (store);
      if (error != NULL)
        return lb_cli_fail ("%s", error->message);
      return lb_cli_fail (_("No item “%s”"), item_id);
    }

  summary = lb_predictions_describe (item);
  seq = lb_store_get_last_seq (store);
  ok = lb_predictions_accept (store, lb_item_get_id (item), actor, &error);
  if (ok)
    {
      after = lb_store_get_item (store, lb_item_get_id (item), NULL);
      added = lb_store_get_last_seq (store) != seq;
    }
  lb_store_close (store);
  if (!ok)
    return lb_cli_fail ("%s", error->message);

  if (added)
    /* TRANSLATORS: "item ID: accepted SUMMARY (STATE)" */
    printf (_("item %s: accepted %s (%s)\n"), item_id, summary != NULL ? summary : "",
            after != NULL ? lb_item_state_to_string (lb_item_get_state (after)) : "");
  else
    /* TRANSLATORS: "item ID: already accepted (STATE)": nothing was added */
    printf (_("item %s: already accepted, nothing added (%s)\n"), item_id,
            after != NULL ? lb_item_state_to_string (lb_item_get_state (after)) : "");
  return fflush (stdout) == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}
