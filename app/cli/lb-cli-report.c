/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "labelbench-cli"
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "lb-export.h"
#include "lb-item.h"
#include "lb-report.h"
#include "lb-store.h"
#include "lb-cli.h"
#include "lb-cli-report.h"

int
lb_cli_report (int    argc,
               char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *format = NULL;
  g_autofree char *output = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autoptr(JsonNode) report = NULL;
  gboolean csv;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch, N_("Only this batch"), N_("NAME") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      N_("json (the default) or csv"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to FILE instead of standard output"), N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Writes the quality report: per batch and annotator the "
                                  "items done, throughput, median dwell, review acceptance, "
                                  "gold accuracy and agreement (percent, Cohen's and Fleiss' "
                                  "kappa, Krippendorff's alpha, confusion matrices, agreement "
                                  "per day), and whether each seat's hash chain verifies."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
  if (format != NULL && g_strcmp0 (format, "json") != 0 && g_strcmp0 (format, "csv") != 0)
    return lb_cli_fail (_("Unknown report format “%s” (json or csv)"), format);
  csv = g_strcmp0 (format, "csv") == 0;

  store = lb_cli_open_existing_store (store_path, TRUE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  report = lb_report_build (store, batch, &error);
  lb_store_close (store);
  if (report == NULL)
    return lb_cli_fail ("%s", error->message);

  if (csv)
    text = lb_report_to_csv (report);
  else
    {
      g_autofree char *json = lb_report_to_json (report);

      text = g_strconcat (json, "\n", NULL);
    }

  if (output != NULL)
    {
      if (!g_file_set_contents (output, text, -1, &error))
        return lb_cli_fail ("%s", error->message);
    }
  else if (fputs (text, stdout) == EOF || fflush (stdout) != 0)
    return lb_cli_fail (_("Cannot write the report"));
  return LB_CLI_EXIT_OK;
}

int
lb_cli_review (int    argc,
               char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *item_id = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *verdict_text = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *decision = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *note = NULL;
  g_auto(GStrv) labels = NULL;
  gboolean gold = FALSE;
  gboolean no_gold = FALSE;
  gint64 dwell_ms = 0;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) after = NULL;
  LbReviewVerdict verdict = LB_REVIEW_ACCEPT;
  gboolean has_fix;
  gboolean ok = TRUE;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "item", 'i', 0, G_OPTION_ARG_STRING, &item_id, N_("The item's id"), N_("ID") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch,
      N_("The item's batch (needed when the id is in several batches)"), N_("NAME") },
    { "actor", 'a', 0, G_OPTION_ARG_STRING, &actor, N_("The lead who reviews"), N_("LEAD") },
    { "verdict", 'v', 0, G_OPTION_ARG_STRING, &verdict_text,
      N_("accept, fix or reject"), N_("VERDICT") },
    { "comment", 'c', 0, G_OPTION_ARG_STRING, &comment,
      N_("Why (needed for reject)"), N_("TEXT") },
    { "label", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &labels,
      N_("fix: a corrected label (repeat for several)"), N_("L") },
    { "decision", 'd', 0, G_OPTION_ARG_STRING, &decision,
      N_("fix: the corrected decision"), N_("D") },
    { "reason", 'r', 0, G_OPTION_ARG_STRING, &reason,
      N_("fix: the corrected decision's reason"), N_("R") },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("fix: a note"), N_("TEXT") },
    { "gold", 0, 0, G_OPTION_ARG_NONE, &gold,
      N_("Mark the reviewed item as gold (its current answer is the key)"), NULL },
    { "no-gold", 0, 0, G_OPTION_ARG_NONE, &no_gold, N_("Take the gold mark away"), NULL },
    { "dwell-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &dwell_ms, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Reviews an item as a team lead: --verdict accept, reject "
                                  "(with --comment) or fix with the corrected --label, "
                                  "--decision, --reason or --note (one act; the annotator's "
                                  "work stays in the log). --gold / --no-gold marks a reviewed "
                                  "item as gold or takes the mark away. “labelbench-cli undo "
                                  "--actor LEAD” takes a review back."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
  if (item_id == NULL)
    return lb_cli_fail (_("Give the item with --item ID"));
  if (actor == NULL || *actor == '\0')
    return lb_cli_fail (_("Give the lead who reviews with --actor LEAD"));
  if (gold && no_gold)
    return lb_cli_fail (_("Give only one of --gold and --no-gold"));
  if (verdict_text == NULL && !gold && !no_gold)
    return lb_cli_fail (_("Give --verdict accept|fix|reject (or --gold / --no-gold)"));
  if (verdict_text != NULL && !lb_review_verdict_from_string (verdict_text, &verdict))
    return lb_cli_fail (_("Unknown verdict “%s” (accept, fix or reject)"), verdict_text);
  has_fix = labels != NULL || decision != NULL || note != NULL;
  if (verdict_text != NULL && verdict != LB_REVIEW_FIX && has_fix)
    return lb_cli_fail (_("--label, --decision and --note go with --verdict fix only"));
  if (verdict_text == NULL && (has_fix || comment != NULL))
    return lb_cli_fail (_("--label, --decision, --note and --comment need --verdict"));
  if (reason != NULL && decision == NULL)
    return lb_cli_fail (_("--reason needs --decision"));

  store = lb_cli_open_existing_store (store_path, FALSE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  item = lb_store_find_item (store, batch, item_id, &error);
  if (item == NULL)
    {
      lb_store_close (store);
      return lb_cli_fail ("%s", error != NULL ? error->message : _("No such item"));
    }

  if (verdict_text != NULL)
    {
      LbSubmission fix = { (const char * const *) labels, decision, reason, note, dwell_ms };

      ok = lb_store_review (store, lb_item_get_id (item), actor, verdict, comment,
                            verdict == LB_REVIEW_FIX ? &fix : NULL, &error);
    }
  if (ok && (gold || no_gold))
    ok = lb_store_mark_gold (store, lb_item_get_id (item), actor, gold, &error);
  if (!ok)
    {
      lb_store_close (store);
      return lb_cli_fail ("%s: %s", item_id, error->message);
    }

  after = lb_store_get_item (store, lb_item_get_id (item), &error);
  if (after != NULL)
    {
      g_autofree char *labels_text = g_strjoinv (",", (char **) lb_item_get_labels (after));

      /* ID: verdict VERDICT by LEAD; labels L; decision D[; gold] */
      printf ("%s: %s %s %s", item_id, _("verdict"),
              lb_item_get_review_verdict (after) != NULL ? lb_item_get_review_verdict (after)
                                                         : "-",
              lb_item_get_reviewer (after) != NULL ? lb_item_get_reviewer (after) : "-");
      printf ("; %s %s; %s %s%s\n", _("labels"), *labels_text != '\0' ? labels_text : "-",
              _("decision"),
              lb_item_get_decision (after) != NULL ? lb_item_get_decision (after) : "-",
              lb_item_get_gold (after) ? "; gold" : "");
    }
  lb_store_close (store);
  return LB_CLI_EXIT_OK;
}

int
lb_cli_overlap (int    argc,
                char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *batch = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autoptr(LbBatch) b = NULL;
  int set = -1;   /* not given */
  guint overlap;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch, N_("The batch"), N_("NAME") },
    { "set", 0, 0, G_OPTION_ARG_INT, &set,
      N_("Ask for N distinct annotators per item (1 to 1000)"), N_("N") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Prints, or with --set changes, how many distinct "
                                  "annotators each item of the batch asks for (overlap; 1 by "
                                  "default). Annotators' queues hand an item out until that "
                                  "many have done it; an item's meta \"overlap\" overrides it."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
  if (batch == NULL)
    return lb_cli_fail (_("Give the batch with --batch NAME"));
  if (set != -1 && (set < 1 || set > 1000))
    return lb_cli_fail (_("--set takes a number from 1 to 1000"));

  store = lb_cli_open_existing_store (store_path, set == -1);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  b = lb_store_find_batch (store, batch, &error);
  if (b == NULL)
    {
      lb_store_close (store);
      return lb_cli_fail ("%s", error != NULL ? error->message : _("No such batch"));
    }
  if (set != -1 && !lb_store_set_batch_overlap (store, b->id, (guint) set, &error))
    {
      lb_store_close (store);
      return lb_cli_fail ("%s", error->message);
    }
  overlap = lb_store_get_batch_overlap (store, b->id, &error);
  lb_store_close (store);
  if (overlap == 0)
    return lb_cli_fail ("%s", error->message);
  printf ("%u\n", overlap);
  return LB_CLI_EXIT_OK;
}

/* Whether a schema of the batch (0: of any batch) knows the label, decision
 * and reason given (NULL: not given); FALSE with the error printed */
static gboolean
check_filter_names (LbStore    *store,
                    gint64      batch_id,
                    const char *label,
                    const char *decision,
                    const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = lb_store_list_batches (store, &error);
  gboolean label_known = label == NULL, decision_known = decision == NULL;
  gboolean reason_known = reason == NULL;

  if (batches == NULL)
    {
      lb_cli_fail ("%s", error->message);
      return FALSE;
    }
  for (guint i = 0; i < batches->len; i++)
    {
      LbBatch *b = g_ptr_array_index (batches, i);
      g_autoptr(LbSchema) schema = NULL;

      if (batch_id != 0 && b->id != batch_id)
        continue;
      schema = lb_schema_new_from_data (b->schema_json, -1, b->name, NULL);
      if (schema == NULL)
        continue;
      label_known = label_known || lb_schema_find_label (schema, label) != NULL;
      decision_known = decision_known || lb_schema_find_decision (schema, decision) != NULL;
      reason_known = reason_known || lb_schema_find_reason (schema, reason) != NULL;
    }
  if (!label_known)
    lb_cli_fail (_("Unknown label “%s” (no batch’s schema has it)"), label);
  else if (!decision_known)
    lb_cli_fail (_("Unknown decision “%s” (no batch’s schema has it)"), decision);
  else if (!reason_known)
    lb_cli_fail (_("Unknown reason “%s” (no batch’s schema has it)"), reason);
  return label_known && decision_known && reason_known;
}

/* labelbench-cli queue: the review queue (lb_store_list_review_ids ())
 * or, with --actor, an annotator's blind queue (lb_store_list_queue_ids ()),
 * one "BATCH<TAB>ID" line per item in queue order */
int
lb_cli_review_queue (int    argc,
                     char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *annotator = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *label = NULL;
  g_autofree char *decision = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  gboolean reviewed = FALSE;
  gboolean unreviewed = FALSE;
  gboolean disputed = FALSE;
  double sample = 0;
  gint64 seed = 0;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  LbReviewQuery q = { 0, };
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch, N_("Only this batch"), N_("NAME") },
    { "annotator", 0, 0, G_OPTION_ARG_STRING, &annotator,
      N_("Items this annotator did"), N_("NAME") },
    { "label", 'l', 0, G_OPTION_ARG_STRING, &label, N_("An annotator gave this label"),
      N_("L") },
    { "decision", 'd', 0, G_OPTION_ARG_STRING, &decision,
      N_("An annotator made this decision"), N_("D") },
    { "reason", 'r', 0, G_OPTION_ARG_STRING, &reason, N_("… with this reason"), N_("R") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since,
      N_("Done at or after (RFC 3339 or YYYY-MM-DD, UTC)"), N_("TIME") },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until, N_("Done before"), N_("TIME") },
    { "reviewed", 0, 0, G_OPTION_ARG_NONE, &reviewed, N_("Only reviewed items"), NULL },
    { "unreviewed", 0, 0, G_OPTION_ARG_NONE, &unreviewed, N_("Only unreviewed items"), NULL },
    { "disputed", 0, 0, G_OPTION_ARG_NONE, &disputed,
      N_("Only items whose annotators did not reach consensus"), NULL },
    { "sample", 0, 0, G_OPTION_ARG_DOUBLE, &sample,
      N_("A share (0 to 1) of each annotator's items"), N_("F") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("The sample's seed"), N_("N") },
    { "actor", 'a', 0, G_OPTION_ARG_STRING, &actor,
      N_("Instead: this annotator's queue of items to do (overlap, blind)"), N_("NAME") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Lists the items a lead can review, filtered and sampled "
                                  "(the same seed gives the same sample), one “BATCH<tab>ID” "
                                  "line each; or with --actor, the items that annotator has "
                                  "still to do."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
  if (reviewed && unreviewed)
    return lb_cli_fail (_("Give only one of --reviewed and --unreviewed"));
  if (sample < 0 || sample > 1)
    return lb_cli_fail (_("--sample takes a share from 0 to 1"));
  if (seed < 0)
    return lb_cli_fail (_("--seed cannot be negative"));
  if (since != NULL && !lb_export_parse_time (since, &q.since_us, &error))
    return lb_cli_fail ("--since: %s", error->message);
  if (until != NULL && !lb_export_parse_time (until, &q.until_us, &error))
    return lb_cli_fail ("--until: %s", error->message);

  store = lb_cli_open_existing_store (store_path, TRUE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  if (batch != NULL)
    {
      g_autoptr(LbBatch) b = lb_store_find_batch (store, batch, &error);

      if (b == NULL)
        {
          lb_store_close (store);
          return lb_cli_fail ("%s", error != NULL ? error->message : _("No such batch"));
        }
      q.batch_id = b->id;
    }
  /* a misspelt name would give an empty queue that looks like none to review */
  if (!check_filter_names (store, q.batch_id, label, decision, reason))
    {
      lb_store_close (store);
      return LB_CLI_EXIT_FAILED;
    }

  if (actor != NULL)
    ids = lb_store_list_queue_ids (store, q.batch_id, actor, LB_ITEM_FILTER_TODO, &error);
  else
    {
      q.annotator = annotator;
      q.label = label;
      q.decision = decision;
      q.reason = reason;
      q.status = reviewed ? LB_REVIEW_STATUS_REVIEWED
                 : unreviewed ? LB_REVIEW_STATUS_UNREVIEWED : LB_REVIEW_STATUS_ANY;
      q.disputed_only = disputed;
      q.sample_fraction = sample;
      q.sample_seed = (guint64) seed;
      ids = lb_store_list_review_ids (store, &q, &error);
    }
  if (ids == NULL)
    {
      lb_store_close (store);
      return lb_cli_fail ("%s", error->message);
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(LbItem) item = lb_store_get_item (store, g_array_index (ids, gint64, i),
                                                  &error);

      if (item == NULL)
        {
          lb_store_close (store);
          return lb_cli_fail ("%s", error->message);
        }
      g_string_append_printf (out, "%s\t%s\n", lb_item_get_batch_name (item),
                              lb_item_get_external_id (item));
    }
  lb_store_close (store);
  if (fputs (out->str, stdout) == EOF || fflush (stdout) != 0)
    return lb_cli_fail (_("Cannot write the list"));
  return LB_CLI_EXIT_OK;
}
