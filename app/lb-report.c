/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-report"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-metrics.h"
#include "lb-export-private.h"
#include "lb-report.h"
#include "lb-schema.h"

G_DEFINE_QUARK (lb-report-error-quark, lb_report_error)

/* What the report keeps of one annotator in one batch */
typedef struct {
  char    *name;
  guint    items_done;
  gint64   active_ms;
  GArray  *dwell;          /* of gint64: per done item */
  guint    reviewed;
  guint    accepted;
  guint    fixed;
  guint    rejected;
} Annotator;

static void
annotator_free (gpointer data)
{
  Annotator *a = data;

  g_free (a->name);
  g_array_unref (a->dwell);
  g_free (a);
}

/* The reliability data of one field, overall and per day */
typedef struct {
  LbMetricsRatings *all;
  GHashTable       *days;      /* "YYYY-MM-DD" -> LbMetricsRatings */
} Field;

static void
field_init (Field    *f,
            LbSchema *schema,
            gboolean  labels)
{
  guint n = labels ? lb_schema_get_n_labels (schema) : lb_schema_get_n_decisions (schema);

  f->all = lb_metrics_ratings_new (0, 0, 0);
  for (guint i = 0; i < n; i++)
    lb_metrics_ratings_add_category (f->all, labels ? lb_schema_get_label (schema, i)->id
                                                    : lb_schema_get_decision (schema, i)->id);
  f->days = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) lb_metrics_ratings_free);
}

static void
field_clear (Field *f)
{
  g_clear_pointer (&f->all, lb_metrics_ratings_free);
  g_clear_pointer (&f->days, g_hash_table_unref);
}

static void
field_set (Field      *f,
           const char *day,
           const char *unit,
           const char *coder,
           const char *category)
{
  LbMetricsRatings *r;

  if (category == NULL)
    return;
  lb_metrics_ratings_set_named (f->all, unit, coder, category);
  if (day == NULL)
    return;
  r = g_hash_table_lookup (f->days, day);
  if (r == NULL)
    {
      r = lb_metrics_ratings_new (0, 0, 0);
      g_hash_table_insert (f->days, g_strdup (day), r);
    }
  lb_metrics_ratings_set_named (r, unit, coder, category);
}

typedef struct {
  LbSchema    *schema;
  GHashTable  *label_order;   /* label id -> index + 1 */
  GPtrArray   *annotators;    /* of Annotator, in first-seen order */
  GHashTable  *by_name;       /* name -> Annotator */
  Field        labels;
  Field        decisions;
  LbMetricsRatings *gold;     /* units: gold items; values: answers in the gold's terms */
  GArray      *gold_key;      /* of guint: per gold unit, the right category */
  guint        n_items;
  guint        overlap;
  guint        annotated;
  guint        reviewed;
  guint        accepted;
  guint        fixed;
  guint        rejected;
  guint        gold_items;
  guint        agreed;
  guint        disputed;
} BatchScan;

static Annotator *
get_annotator (BatchScan  *scan,
               const char *name)
{
  Annotator *a = g_hash_table_lookup (scan->by_name, name);

  if (a == NULL)
    {
      a = g_new0 (Annotator, 1);
      a->name = g_strdup (name);
      a->dwell = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_ptr_array_add (scan->annotators, a);
      g_hash_table_insert (scan->by_name, a->name, a);
    }
  return a;
}

static int
compare_label_order (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  GHashTable *order = user_data;
  const char *la = *(const char * const *) a;
  const char *lb = *(const char * const *) b;
  guint ia = GPOINTER_TO_UINT (g_hash_table_lookup (order, la));
  guint ib = GPOINTER_TO_UINT (g_hash_table_lookup (order, lb));

  if (ia != ib)
    return ia == 0 ? 1 : ib == 0 ? -1 : (ia < ib ? -1 : 1);
  return strcmp (la, lb);
}

/* A label set as one category: the labels in schema order joined by "+";
 * NULL for no labels */
static char *
label_category (GHashTable         *order,
                const char * const *labels)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    g_ptr_array_add (sorted, (gpointer) labels[i]);
  if (sorted->len == 0)
    return NULL;
  g_ptr_array_sort_with_data (sorted, compare_label_order, order);
  g_ptr_array_add (sorted, NULL);
  return g_strjoinv ("+", (char **) sorted->pdata);
}

/* The signature of an answer in the terms of a gold answer: only the parts
 * the gold gives (label set, decision, reason) */
static char *
gold_signature (GHashTable         *order,
                JsonObject         *gold,
                const char * const *labels,
                const char         *decision,
                const char         *reason)
{
  GString *s = g_string_new (NULL);

  if (json_object_has_member (gold, "labels"))
    {
      g_autofree char *cat = label_category (order, labels);

      g_string_append_printf (s, "labels=%s;", cat != NULL ? cat : "");
    }
  if (json_object_has_member (gold, "decision")
      && !json_object_get_null_member (gold, "decision"))
    g_string_append_printf (s, "decision=%s;", decision != NULL ? decision : "");
  if (json_object_has_member (gold, "reason") && !json_object_get_null_member (gold, "reason"))
    g_string_append_printf (s, "reason=%s;", reason != NULL ? reason : "");
  return g_string_free (s, FALSE);
}

static char **
gold_labels (JsonObject *gold)
{
  JsonArray *array = json_object_has_member (gold, "labels")
                       ? json_object_get_array_member (gold, "labels") : NULL;
  GPtrArray *labels = g_ptr_array_new ();

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *l = json_array_get_string_element (array, i);

      if (l != NULL)
        g_ptr_array_add (labels, g_strdup (l));
    }
  g_ptr_array_add (labels, NULL);
  return (char **) g_ptr_array_free (labels, FALSE);
}

static void
scan_gold (BatchScan        *scan,
           const LbItemWork *item)
{
  g_autoptr(JsonNode) root = json_from_string (item->gold_json, NULL);
  JsonObject *gold;
  g_auto(GStrv) labels = NULL;
  g_autofree char *key = NULL;
  guint unit, category;
  JsonNode *decision, *reason;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  gold = json_node_get_object (root);
  labels = gold_labels (gold);
  decision = json_object_get_member (gold, "decision");
  reason = json_object_get_member (gold, "reason");
  key = gold_signature (scan->label_order, gold, (const char * const *) labels,
                        decision != NULL && JSON_NODE_HOLDS_VALUE (decision)
                          ? json_node_get_string (decision) : NULL,
                        reason != NULL && JSON_NODE_HOLDS_VALUE (reason)
                          ? json_node_get_string (reason) : NULL);
  scan->gold_items++;

  unit = lb_metrics_ratings_add_unit (scan->gold, item->external_id);
  category = lb_metrics_ratings_add_category (scan->gold, key);
  if (scan->gold_key->len <= unit)
    {
      guint missing = LB_METRICS_MISSING;

      while (scan->gold_key->len <= unit)
        g_array_append_val (scan->gold_key, missing);
    }
  g_array_index (scan->gold_key, guint, unit) = category;

  for (guint i = 0; i < item->n_works; i++)
    {
      const LbActorWork *w = &item->works[i];
      g_autofree char *answer = NULL;

      if (w->state != LB_ITEM_STATE_DONE)
        continue;
      answer = gold_signature (scan->label_order, gold, w->labels, w->decision, w->reason);
      lb_metrics_ratings_set_named (scan->gold, item->external_id, w->actor, answer);
    }
}

static gboolean
scan_item_cb (const LbItemWork  *item,
              gpointer           user_data,
              GError           **error)
{
  BatchScan *scan = user_data;
  g_autofree char *day = NULL;
  guint n_done = 0;

  scan->n_items++;
  scan->overlap = MAX (scan->overlap, item->overlap);
  if (item->last_us > 0)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (item->last_us / G_USEC_PER_SEC);

      day = t != NULL ? g_date_time_format (t, "%Y-%m-%d") : NULL;
    }

  for (guint i = 0; i < item->n_works; i++)
    {
      const LbActorWork *w = &item->works[i];
      Annotator *a;
      g_autofree char *category = NULL;

      if (w->state != LB_ITEM_STATE_DONE)
        continue;
      n_done++;
      a = get_annotator (scan, w->actor);
      a->items_done++;
      a->active_ms += w->dwell_ms;
      g_array_append_val (a->dwell, w->dwell_ms);
      if (w->review_verdict != NULL)
        {
          a->reviewed++;
          if (g_str_equal (w->review_verdict, "accept"))
            a->accepted++;
          else if (g_str_equal (w->review_verdict, "fix"))
            a->fixed++;
          else if (g_str_equal (w->review_verdict, "reject"))
            a->rejected++;
        }

      category = label_category (scan->label_order, w->labels);
      field_set (&scan->labels, day, item->external_id, w->actor, category);
      field_set (&scan->decisions, day, item->external_id, w->actor, w->decision);
    }

  if (n_done > 0)
    scan->annotated++;
  if (item->review_verdict != NULL)
    {
      scan->reviewed++;
      if (g_str_equal (item->review_verdict, "accept"))
        scan->accepted++;
      else if (g_str_equal (item->review_verdict, "fix"))
        scan->fixed++;
      else if (g_str_equal (item->review_verdict, "reject"))
        scan->rejected++;
    }
  switch (lb_consensus_of_work (item, NULL))
    {
    case LB_CONSENSUS_AGREED:
      scan->agreed++;
      break;
    case LB_CONSENSUS_DISPUTED:
      scan->disputed++;
      break;
    case LB_CONSENSUS_NONE:
    default:
      break;
    }
  if (item->gold_json != NULL)
    scan_gold (scan, item);
  return TRUE;
}

/* JSON output helpers */

static void
add_ratio (JsonBuilder *b,
           const char  *name,
           guint64      num,
           guint64      den)
{
  json_builder_set_member_name (b, name);
  if (den > 0)
    json_builder_add_double_value (b, (double) num / (double) den);
  else
    json_builder_add_null_value (b);
}

static void
add_uint (JsonBuilder *b,
          const char  *name,
          gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

/* A coefficient and, when undefined, why */
static void
add_figure (JsonBuilder *b,
            const char  *name,
            gboolean     ok,
            double       value,
            GError      *error)
{
  const char *note = NULL;
  gboolean has_value = ok;

  if (!ok && error != NULL && error->domain == LB_METRICS_ERROR)
    {
      switch (error->code)
        {
        case LB_METRICS_ERROR_NO_VARIATION:
          note = "no_variation";
          has_value = TRUE;
          break;
        case LB_METRICS_ERROR_UNEQUAL_RATINGS:
          note = "unequal_ratings";
          break;
        case LB_METRICS_ERROR_NO_DATA:
        default:
          note = "no_data";
          break;
        }
    }
  json_builder_set_member_name (b, name);
  if (has_value)
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
  if (note != NULL)
    {
      g_autofree char *key = g_strconcat (name, "_note", NULL);

      json_builder_set_member_name (b, key);
      json_builder_add_string_value (b, note);
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
build_figures (JsonBuilder *b,
               Field       *f,
               guint        overlap)
{
  LbMetricsRatings *r = f->all;
  guint n_cat = lb_metrics_ratings_get_n_categories (r);
  guint n_coders = lb_metrics_ratings_get_n_coders (r);
  g_autoptr(GError) error = NULL;
  g_autofree guint *dist = NULL;
  g_autoptr(GPtrArray) days = NULL;
  double x = 0;
  guint units = 0;
  gboolean ok;

  json_builder_begin_object (b);

  ok = lb_metrics_percent_agreement (r, &x, &units, &error);
  add_uint (b, "units", units);
  json_builder_set_member_name (b, "categories");
  json_builder_begin_array (b);
  for (guint c = 0; c < n_cat; c++)
    json_builder_add_string_value (b, lb_metrics_ratings_get_category_name (r, c));
  json_builder_end_array (b);
  add_figure (b, "percent_agreement", ok, x, error);
  g_clear_error (&error);

  ok = lb_metrics_fleiss_kappa (r, overlap >= 2 ? overlap : 0, &x, NULL, &error);
  add_figure (b, "fleiss_kappa", ok, x, error);
  g_clear_error (&error);

  ok = lb_metrics_krippendorff_alpha (r, &x, NULL, NULL, &error);
  add_figure (b, "krippendorff_alpha", ok, x, error);
  g_clear_error (&error);

  dist = lb_metrics_distribution (r, LB_METRICS_ALL_CODERS, NULL);
  json_builder_set_member_name (b, "distribution");
  json_builder_begin_object (b);
  for (guint c = 0; c < n_cat; c++)
    add_uint (b, lb_metrics_ratings_get_category_name (r, c), dist[c]);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "pairs");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_coders; i++)
    for (guint j = i + 1; j < n_coders; j++)
      {
        g_autofree guint *m = NULL;
        guint n = 0, agree = 0;

        m = lb_metrics_confusion_matrix (r, i, j, &n);
        if (n == 0)
          continue;
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "a");
        json_builder_add_string_value (b, lb_metrics_ratings_get_coder_name (r, i));
        json_builder_set_member_name (b, "b");
        json_builder_add_string_value (b, lb_metrics_ratings_get_coder_name (r, j));
        add_uint (b, "units", n);
        ok = lb_metrics_cohen_kappa (r, i, j, &x, NULL, &error);
        add_figure (b, "cohen_kappa", ok, x, error);
        g_clear_error (&error);
        for (guint c = 0; c < n_cat; c++)
          agree += m[c * n_cat + c];
        add_ratio (b, "percent_agreement", agree, n);
        json_builder_set_member_name (b, "confusion");
        json_builder_begin_array (b);
        for (guint c = 0; c < n_cat; c++)
          {
            json_builder_begin_array (b);
            for (guint k = 0; k < n_cat; k++)
              json_builder_add_int_value (b, m[c * n_cat + k]);
            json_builder_end_array (b);
          }
        json_builder_end_array (b);
        json_builder_end_object (b);
      }
  json_builder_end_array (b);

  days = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, f->days);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (days, key);
  }
  g_ptr_array_sort (days, compare_strings);
  json_builder_set_member_name (b, "per_day");
  json_builder_begin_array (b);
  for (guint i = 0; i < days->len; i++)
    {
      const char *day = g_ptr_array_index (days, i);
      LbMetricsRatings *dr = g_hash_table_lookup (f->days, day);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "day");
      json_builder_add_string_value (b, day);
      units = 0;
      ok = lb_metrics_percent_agreement (dr, &x, &units, &error);
      add_uint (b, "units", units);
      add_figure (b, "percent_agreement", ok, x, error);
      g_clear_error (&error);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_end_object (b);
}

static void
build_batch (JsonBuilder *b,
             const char  *name,
             BatchScan   *scan)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "batch");
  json_builder_add_string_value (b, name);
  add_uint (b, "items", scan->n_items);
  add_uint (b, "overlap", MAX (scan->overlap, 1));
  add_uint (b, "annotated", scan->annotated);
  add_uint (b, "reviewed", scan->reviewed);
  add_uint (b, "accepted", scan->accepted);
  add_uint (b, "fixed", scan->fixed);
  add_uint (b, "rejected", scan->rejected);
  add_ratio (b, "review_acceptance_rate", scan->accepted, scan->reviewed);
  add_uint (b, "gold_items", scan->gold_items);
  add_uint (b, "agreed", scan->agreed);
  add_uint (b, "disputed", scan->disputed);

  json_builder_set_member_name (b, "annotators");
  json_builder_begin_array (b);
  for (guint i = 0; i < scan->annotators->len; i++)
    {
      Annotator *a = g_ptr_array_index (scan->annotators, i);
      double median = 0;
      guint coder = lb_metrics_ratings_find_coder (scan->gold, a->name);
      guint correct = 0, answered = 0;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "annotator");
      json_builder_add_string_value (b, a->name);
      add_uint (b, "items_done", a->items_done);
      add_uint (b, "active_ms", a->active_ms);
      json_builder_set_member_name (b, "throughput_per_hour");
      if (a->active_ms > 0)
        json_builder_add_double_value (b, a->items_done * 3600000.0 / (double) a->active_ms);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "median_dwell_ms");
      if (lb_metrics_median ((const gint64 *) (gpointer) a->dwell->data, a->dwell->len, &median))
        json_builder_add_double_value (b, median);
      else
        json_builder_add_null_value (b);
      add_uint (b, "reviewed", a->reviewed);
      add_uint (b, "accepted", a->accepted);
      add_uint (b, "fixed", a->fixed);
      add_uint (b, "rejected", a->rejected);
      add_ratio (b, "review_acceptance_rate", a->accepted, a->reviewed);
      if (coder != LB_METRICS_MISSING)
        lb_metrics_gold_accuracy (scan->gold, (const guint *) (gpointer) scan->gold_key->data,
                                  scan->gold_key->len, coder, NULL, &correct, &answered, NULL);
      add_uint (b, "gold_answered", answered);
      add_uint (b, "gold_correct", correct);
      add_ratio (b, "gold_accuracy", correct, answered);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "labels");
  build_figures (b, &scan->labels, scan->overlap);
  json_builder_set_member_name (b, "decisions");
  build_figures (b, &scan->decisions, scan->overlap);
  json_builder_end_object (b);
}

static gboolean
scan_batch (LbStore      *store,
            LbBatch      *batch,
            JsonBuilder  *b,
            GError      **error)
{
  g_autoptr(LbSchema) schema = NULL;
  BatchScan scan = { 0, };
  gboolean ok;

  schema = lb_schema_new_from_data (batch->schema_json, -1, batch->name, error);
  if (schema == NULL)
    return FALSE;

  scan.schema = schema;
  scan.label_order = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < lb_schema_get_n_labels (schema); i++)
    g_hash_table_insert (scan.label_order, lb_schema_get_label (schema, i)->id,
                         GUINT_TO_POINTER (i + 1));
  scan.annotators = g_ptr_array_new_with_free_func (annotator_free);
  scan.by_name = g_hash_table_new (g_str_hash, g_str_equal);
  field_init (&scan.labels, schema, TRUE);
  field_init (&scan.decisions, schema, FALSE);
  scan.gold = lb_metrics_ratings_new (0, 0, 0);
  scan.gold_key = g_array_new (FALSE, FALSE, sizeof (guint));

  ok = lb_store_foreach_item_work (store, batch->id, scan_item_cb, &scan, error);
  if (ok)
    build_batch (b, batch->name, &scan);

  g_hash_table_unref (scan.label_order);
  g_ptr_array_unref (scan.annotators);
  g_hash_table_unref (scan.by_name);
  field_clear (&scan.labels);
  field_clear (&scan.decisions);
  lb_metrics_ratings_free (scan.gold);
  g_array_unref (scan.gold_key);
  return ok;
}

static void
seat_cb (const char *seat,
         gint64      n_events,
         const char *broken,
         gpointer    user_data)
{
  JsonBuilder *b = user_data;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seat");
  json_builder_add_string_value (b, seat);
  add_uint (b, "events", n_events);
  json_builder_set_member_name (b, "verified");
  json_builder_add_boolean_value (b, broken == NULL);
  json_builder_set_member_name (b, "broken");
  if (broken != NULL)
    json_builder_add_string_value (b, broken);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

JsonNode *
lb_report_build (LbStore     *store,
                 const char  *batch,
                 GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GPtrArray) batches = NULL;
  GError *local = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (LB_IS_STORE (store), NULL);

  batches = lb_store_list_batches (store, &local);
  if (batches == NULL)
    {
      g_set_error (error, LB_REPORT_ERROR, LB_REPORT_ERROR_FAILED,
                   _("Cannot read the batches of “%s”: %s"), lb_store_get_path (store),
                   local->message);
      g_error_free (local);
      return NULL;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "store");
  json_builder_add_string_value (b, lb_store_get_path (store));
  add_uint (b, "generated_us", g_get_real_time ());

  json_builder_set_member_name (b, "seats");
  json_builder_begin_array (b);
  if (!lb_store_verify_seats (store, seat_cb, b, &local))
    {
      g_set_error (error, LB_REPORT_ERROR, LB_REPORT_ERROR_FAILED,
                   _("Cannot check the hash chains of “%s”: %s"), lb_store_get_path (store),
                   local->message);
      g_error_free (local);
      return NULL;
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "batches");
  json_builder_begin_array (b);
  for (guint i = 0; i < batches->len; i++)
    {
      LbBatch *bt = g_ptr_array_index (batches, i);

      if (batch != NULL && g_strcmp0 (bt->name, batch) != 0)
        continue;
      found = TRUE;
      if (!scan_batch (store, bt, b, &local))
        {
          g_set_error (error, LB_REPORT_ERROR, LB_REPORT_ERROR_FAILED,
                       _("Cannot read batch “%s” of “%s”: %s"), bt->name,
                       lb_store_get_path (store), local->message);
          g_error_free (local);
          return NULL;
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  if (batch != NULL && !found)
    {
      g_set_error (error, LB_REPORT_ERROR, LB_REPORT_ERROR_NOT_FOUND,
                   _("No batch “%s” in “%s”"), batch, lb_store_get_path (store));
      return NULL;
    }
  return json_builder_get_root (b);
}

static void
build_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  JsonNode *report = lb_report_build (LB_STORE (source), task_data, &error);

  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) json_node_unref);
}

void
lb_report_build_async (LbStore             *store,
                       const char          *batch,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LB_IS_STORE (store));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_report_build_async);
  g_task_set_task_data (task, g_strdup (batch), g_free);
  g_task_run_in_thread (task, build_thread);
}

JsonNode *
lb_report_build_finish (LbStore       *store,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
lb_report_to_json (JsonNode *report)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  g_return_val_if_fail (report != NULL, NULL);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, report);
  return json_generator_to_data (gen, NULL);
}

/* CSV: text cells through the items CSV's writer (quoted as needed, and a
 * leading ' on text a spreadsheet would take for a formula: names and
 * labels come from annotators); numbers as they are (a negative kappa is a
 * number, not a formula) */

static char *
node_value (JsonNode *node)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    default:
      return NULL;
    }
}

static void
csv_row (GString    *out,
         const char *section,
         const char *batch,
         const char *seat,
         const char *a,
         const char *b,
         const char *cat,
         const char *cat_b,
         const char *day,
         const char *metric,
         JsonNode   *value)
{
  g_autofree char *v = node_value (value);
  const char *fields[] = { section, batch, seat, a, b, cat, cat_b, day, metric };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      _lb_export_append_csv_cell (out, fields[i]);
    }
  g_string_append_c (out, ',');
  if (v != NULL && JSON_NODE_HOLDS_VALUE (value)
      && json_node_get_value_type (value) == G_TYPE_STRING)
    _lb_export_append_csv_cell (out, v);
  else if (v != NULL)
    g_string_append (out, v);
  g_string_append (out, "\r\n");
}

/* every scalar member of OBJ but those in SKIP, one row each */
static void
csv_scalars (GString     *out,
             JsonObject  *obj,
             const char  *section,
             const char  *batch,
             const char  *seat,
             const char  *a,
             const char  *b,
             const char  *day,
             const char **skip)
{
  g_autoptr(GList) members = json_object_get_members (obj);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);

      if (g_strv_contains (skip, name) || !(JSON_NODE_HOLDS_VALUE (node)
                                             || JSON_NODE_HOLDS_NULL (node)))
        continue;
      csv_row (out, section, batch, seat, a, b, NULL, NULL, day, name, node);
    }
}

static void
csv_figures (GString    *out,
             JsonObject *fig,
             const char *field,
             const char *batch)
{
  static const char *skip_field[] = { NULL };
  static const char *skip_pair[] = { "a", "b", NULL };
  static const char *skip_day[] = { "day", NULL };
  g_autofree char *pair_section = g_strconcat (field, "-pair", NULL);
  g_autofree char *conf_section = g_strconcat (field, "-confusion", NULL);
  g_autofree char *dist_section = g_strconcat (field, "-distribution", NULL);
  g_autofree char *day_section = g_strconcat (field, "-day", NULL);
  JsonArray *cats = json_object_get_array_member (fig, "categories");
  JsonObject *dist = json_object_get_object_member (fig, "distribution");
  JsonArray *pairs = json_object_get_array_member (fig, "pairs");
  JsonArray *days = json_object_get_array_member (fig, "per_day");

  csv_scalars (out, fig, field, batch, NULL, NULL, NULL, NULL, skip_field);
  for (guint c = 0; c < json_array_get_length (cats); c++)
    {
      const char *cat = json_array_get_string_element (cats, c);

      csv_row (out, dist_section, batch, NULL, NULL, NULL, cat, NULL, NULL, "count",
               json_object_get_member (dist, cat));
    }
  for (guint i = 0; i < json_array_get_length (pairs); i++)
    {
      JsonObject *p = json_array_get_object_element (pairs, i);
      const char *a = json_object_get_string_member (p, "a");
      const char *b = json_object_get_string_member (p, "b");
      JsonArray *m = json_object_get_array_member (p, "confusion");

      csv_scalars (out, p, pair_section, batch, NULL, a, b, NULL, skip_pair);
      for (guint r = 0; r < json_array_get_length (m); r++)
        {
          JsonArray *row = json_array_get_array_element (m, r);

          for (guint c = 0; c < json_array_get_length (row); c++)
            csv_row (out, conf_section, batch, NULL, a, b,
                     json_array_get_string_element (cats, r),
                     json_array_get_string_element (cats, c), NULL, "count",
                     json_array_get_element (row, c));
        }
    }
  for (guint i = 0; i < json_array_get_length (days); i++)
    {
      JsonObject *d = json_array_get_object_element (days, i);

      csv_scalars (out, d, day_section, batch, NULL, NULL, NULL,
                   json_object_get_string_member (d, "day"), skip_day);
    }
}

char *
lb_report_to_csv (JsonNode *report)
{
  static const char *skip_seat[] = { "seat", NULL };
  static const char *skip_batch[] = { "batch", NULL };
  static const char *skip_annotator[] = { "annotator", NULL };
  GString *out = g_string_new ("section,batch,seat,annotator,annotator_b,category,category_b,"
                               "day,metric,value\r\n");
  JsonObject *root;
  JsonArray *seats, *batches;

  g_return_val_if_fail (report != NULL && JSON_NODE_HOLDS_OBJECT (report), NULL);
  root = json_node_get_object (report);
  seats = json_object_get_array_member (root, "seats");
  batches = json_object_get_array_member (root, "batches");

  for (guint i = 0; i < json_array_get_length (seats); i++)
    {
      JsonObject *s = json_array_get_object_element (seats, i);

      csv_scalars (out, s, "seat", NULL, json_object_get_string_member (s, "seat"), NULL, NULL,
                   NULL, skip_seat);
    }
  for (guint i = 0; i < json_array_get_length (batches); i++)
    {
      JsonObject *bt = json_array_get_object_element (batches, i);
      const char *name = json_object_get_string_member (bt, "batch");
      JsonArray *anns = json_object_get_array_member (bt, "annotators");

      csv_scalars (out, bt, "batch", name, NULL, NULL, NULL, NULL, skip_batch);
      for (guint k = 0; k < json_array_get_length (anns); k++)
        {
          JsonObject *a = json_array_get_object_element (anns, k);

          csv_scalars (out, a, "annotator", name, NULL,
                       json_object_get_string_member (a, "annotator"), NULL, NULL,
                       skip_annotator);
        }
      csv_figures (out, json_object_get_object_member (bt, "labels"), "labels", name);
      csv_figures (out, json_object_get_object_member (bt, "decisions"), "decisions", name);
    }
  return g_string_free (out, FALSE);
}
