/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-report"
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "lb-bundle.h"
#include "lb-import.h"
#include "lb-report.h"
#include "lb-store.h"
#include "lb-test-support.h"

/* A batch of five items labelled by three annotators (a, b, c):
 *
 *        a     b     c
 *   u1  cat   cat   cat
 *   u2  cat   cat   dog
 *   u3  dog   dog   dog     (gold in the manifest: dog)
 *   u4  dog   cat   bird
 *   u5  bird  bird  bird
 *
 * Worked by hand (categories cat, dog, bird; n = 15 values):
 * - percent agreement: per item the share of agreeing pairs, 1, 1/3, 1, 0, 1:
 *   mean 2/3.
 * - Fleiss' kappa: P̄ = 2/3 = 150/225; totals cat 6, dog 5, bird 4, so
 *   P̄e = (36 + 25 + 16) / 225 = 77/225; κ = (150 - 77) / (225 - 77) = 73/148.
 * - Krippendorff's alpha (nominal): coincidences o_cc: u1 3, u2 1 (cat), u3 3,
 *   u5 3; Σ o_cc = 10; Σ n_c (n_c - 1) = 30 + 20 + 12 = 62;
 *   α = (14 × 10 - 62) / (15 × 14 - 62) = 78/148.
 * - Cohen's kappa: a–b p_o = 4/5, p_e = (2·3 + 2·1 + 1·1)/25 = 9/25: 11/16;
 *   a–c p_o = 3/5, p_e = (2·1 + 2·2 + 1·2)/25 = 8/25: 7/17;
 *   b–c p_o = 3/5, p_e = (3·1 + 1·2 + 1·2)/25 = 7/25: 4/9.
 * - confusion a (rows) × b (columns): [[2, 0, 0], [1, 1, 0], [0, 0, 1]].
 * - consensus: u4 disputed (three different labels), the others agreed. */

static const char schema_json[] =
  "{\"name\": \"Animals\","
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\"}, {\"id\": \"dog\", \"title\": \"Dog\"},"
  "              {\"id\": \"bird\", \"title\": \"Bird\"}]}";

static const char manifest[] =
  "{\"id\": \"u1\", \"text\": \"one\"}\n"
  "{\"id\": \"u2\", \"text\": \"two\"}\n"
  "{\"id\": \"u3\", \"text\": \"three\", \"gold\": {\"labels\": [\"dog\"]}}\n"
  "{\"id\": \"u4\", \"text\": \"four\"}\n"
  "{\"id\": \"u5\", \"text\": \"five\"}\n";

static const char *const table[5][3] = {
  { "cat", "cat", "cat" },
  { "cat", "cat", "dog" },
  { "dog", "dog", "dog" },
  { "dog", "cat", "bird" },
  { "bird", "bird", "bird" },
};
static const char *const annotators[3] = { "a", "b", "c" };
/* dwell per item: a 1..5 s (median 3 s, 15 s: 1200 items/h), b 1, 1, 2, 2, 6 s
 * (median 2 s, 12 s: 1500 items/h), c none (no throughput) */
static const gint64 dwell[3][5] = {
  { 1000, 2000, 3000, 4000, 5000 },
  { 1000, 1000, 2000, 2000, 6000 },
  { 0, 0, 0, 0, 0 },
};

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-test-report");
  lb_test_write_file (f->dir, "schema.json", schema_json, -1);
  lb_test_write_file (f->dir, "animals.jsonl", manifest, -1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_test_pump ();
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

static LbStore *
make_store (Fixture    *f,
            const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *m = g_build_filename (f->dir, "animals.jsonl", NULL);
  g_autofree char *schema = g_build_filename (f->dir, "schema.json", NULL);
  LbImportOptions options = { .name = "animals", .schema_path = schema };
  LbStore *store = lb_test_open_store (path);

  lb_test_import (store, m, &options, 5);
  return store;
}

/* annotator k (0..2) labels the five items */
static void
label_as (LbStore *store,
          guint    k)
{
  for (guint u = 0; u < 5; u++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("u%u", u + 1);
      g_autoptr(LbItem) item = lb_test_find_item (store, "animals", id);
      const char *labels[] = { table[u][k], NULL };
      LbSubmission sub = { labels, NULL, NULL, NULL, dwell[k][u] };

      g_assert_true (lb_store_submit (store, lb_item_get_id (item), annotators[k], &sub,
                                      &error));
      g_assert_no_error (error);
    }
}

static JsonObject *
batch_of (JsonNode *report)
{
  JsonArray *batches = json_object_get_array_member (json_node_get_object (report), "batches");

  g_assert_cmpuint (json_array_get_length (batches), ==, 1);
  return json_array_get_object_element (batches, 0);
}

static JsonObject *
annotator_of (JsonObject *batch,
              const char *name)
{
  JsonArray *anns = json_object_get_array_member (batch, "annotators");

  for (guint i = 0; i < json_array_get_length (anns); i++)
    {
      JsonObject *a = json_array_get_object_element (anns, i);

      if (g_str_equal (json_object_get_string_member (a, "annotator"), name))
        return a;
    }
  g_assert_not_reached ();
}

static JsonObject *
pair_of (JsonObject *labels,
         const char *a,
         const char *b)
{
  JsonArray *pairs = json_object_get_array_member (labels, "pairs");

  for (guint i = 0; i < json_array_get_length (pairs); i++)
    {
      JsonObject *p = json_array_get_object_element (pairs, i);

      if (g_str_equal (json_object_get_string_member (p, "a"), a)
          && g_str_equal (json_object_get_string_member (p, "b"), b))
        return p;
    }
  g_assert_not_reached ();
}

#define EPS 1e-12

/* the agreement figures of the table above, in whatever store they are */
static void
assert_label_figures (JsonObject *batch)
{
  JsonObject *labels = json_object_get_object_member (batch, "labels");
  JsonObject *dist = json_object_get_object_member (labels, "distribution");
  JsonArray *conf;
  JsonArray *days;
  const guint expected_conf[3][3] = { { 2, 0, 0 }, { 1, 1, 0 }, { 0, 0, 1 } };

  g_assert_cmpint (json_object_get_int_member (labels, "units"), ==, 5);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (labels, "percent_agreement"),
                                  2.0 / 3.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (labels, "fleiss_kappa"),
                                  73.0 / 148.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (labels, "krippendorff_alpha"),
                                  78.0 / 148.0, EPS);
  g_assert_cmpint (json_object_get_int_member (dist, "cat"), ==, 6);
  g_assert_cmpint (json_object_get_int_member (dist, "dog"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (dist, "bird"), ==, 4);

  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (pair_of (labels, "a", "b"),
                                                                 "cohen_kappa"),
                                  11.0 / 16.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (pair_of (labels, "a", "c"),
                                                                 "cohen_kappa"),
                                  7.0 / 17.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (pair_of (labels, "b", "c"),
                                                                 "cohen_kappa"),
                                  4.0 / 9.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (pair_of (labels, "a", "b"),
                                                                 "percent_agreement"),
                                  0.8, EPS);
  conf = json_object_get_array_member (pair_of (labels, "a", "b"), "confusion");
  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 3; c++)
      g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (conf, r), c),
                       ==, expected_conf[r][c]);

  /* all labelled today: one day, the same agreement */
  days = json_object_get_array_member (labels, "per_day");
  g_assert_cmpuint (json_array_get_length (days), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (days, 0), "units"),
                   ==, 5);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (
                                    json_array_get_object_element (days, 0),
                                    "percent_agreement"), 2.0 / 3.0, EPS);

  /* no decisions in this batch: undefined, and said why */
  labels = json_object_get_object_member (batch, "decisions");
  g_assert_true (json_object_get_null_member (labels, "percent_agreement"));
  g_assert_cmpstr (json_object_get_string_member (labels, "percent_agreement_note"), ==,
                   "no_data");

  g_assert_cmpint (json_object_get_int_member (batch, "items"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (batch, "annotated"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (batch, "agreed"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (batch, "disputed"), ==, 1);
}

static void
assert_throughput (JsonObject *batch)
{
  JsonObject *a = annotator_of (batch, "a");
  JsonObject *b = annotator_of (batch, "b");
  JsonObject *c = annotator_of (batch, "c");

  g_assert_cmpint (json_object_get_int_member (a, "items_done"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (a, "active_ms"), ==, 15000);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (a, "throughput_per_hour"),
                                  1200.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (a, "median_dwell_ms"),
                                  3000.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (b, "throughput_per_hour"),
                                  1500.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (b, "median_dwell_ms"),
                                  2000.0, EPS);
  g_assert_true (json_object_get_null_member (c, "throughput_per_hour"));
}

static gint64
find_id (LbStore    *store,
         const char *external_id)
{
  g_autoptr(LbItem) item = lb_test_find_item (store, "animals", external_id);

  return lb_item_get_id (item);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* one seat: three annotators, then a lead's reviews and gold */
static void
test_single_seat (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *csv = NULL;
  LbStore *store = make_store (f, "one.db");
  const char *dog[] = { "dog", NULL };
  LbSubmission fix = { dog, NULL, NULL, NULL, 0 };
  JsonObject *batch;
  JsonArray *seats;

  {
    g_autoptr(LbItem) u1 = lb_test_find_item (store, "animals", "u1");

    g_assert_true (lb_store_set_batch_overlap (store, lb_item_get_batch_id (u1), 3, &error));
  }
  g_assert_no_error (error);
  for (guint k = 0; k < 3; k++)
    label_as (store, k);

  /* reviews: u1 accepted, u2 fixed to dog (then gold: dog), u4 rejected */
  g_assert_true (lb_store_review (store, find_id (store, "u1"), "lead", LB_REVIEW_ACCEPT, NULL,
                                  NULL, &error));
  g_assert_true (lb_store_review (store, find_id (store, "u2"), "lead", LB_REVIEW_FIX, NULL,
                                  &fix, &error));
  g_assert_true (lb_store_mark_gold (store, find_id (store, "u2"), "lead", TRUE, &error));
  g_assert_true (lb_store_review (store, find_id (store, "u4"), "lead", LB_REVIEW_REJECT,
                                  "three answers", NULL, &error));
  g_assert_no_error (error);

  report = lb_report_build (store, "animals", &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  batch = batch_of (report);

  /* the lead's fix of u2 is not an annotator's answer: the figures stay */
  assert_label_figures (batch);
  assert_throughput (batch);
  g_assert_cmpint (json_object_get_int_member (batch, "overlap"), ==, 3);

  /* reviews: 3 of the items, 1 accepted */
  g_assert_cmpint (json_object_get_int_member (batch, "reviewed"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (batch, "accepted"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (batch, "fixed"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (batch, "rejected"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (batch,
                                                                 "review_acceptance_rate"),
                                  1.0 / 3.0, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (annotator_of (batch, "a"),
                                                                 "review_acceptance_rate"),
                                  1.0 / 3.0, EPS);

  /* gold: u3 (manifest: dog) and u2 (the lead's fix: dog): a and b said
   * cat on u2, c said dog */
  g_assert_cmpint (json_object_get_int_member (batch, "gold_items"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (annotator_of (batch, "a"), "gold_answered"),
                   ==, 2);
  g_assert_cmpint (json_object_get_int_member (annotator_of (batch, "a"), "gold_correct"),
                   ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (annotator_of (batch, "b"),
                                                                 "gold_accuracy"), 0.5, EPS);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (annotator_of (batch, "c"),
                                                                 "gold_accuracy"), 1.0, EPS);

  seats = json_object_get_array_member (json_node_get_object (report), "seats");
  g_assert_cmpuint (json_array_get_length (seats), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (seats, 0),
                                                 "verified"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (seats, 0),
                                               "events"), ==, 15 + 1 + 2 + 1 + 1);

  /* in a thread: the same batches */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(JsonNode) again = NULL;

    lb_report_build_async (store, "animals", NULL, store_result_cb, &result);
    lb_test_wait_until (has_result, &result, 10);
    again = lb_report_build_finish (store, result, &error);
    g_assert_no_error (error);
    g_assert_true (json_node_equal (json_object_get_member (json_node_get_object (again),
                                                            "batches"),
                                    json_object_get_member (json_node_get_object (report),
                                                            "batches")));
  }

  /* CSV: the same figures, one a line */
  csv = lb_report_to_csv (report);
  g_assert_true (g_str_has_prefix (csv, "section,batch,seat,annotator,annotator_b,category,"
                                        "category_b,day,metric,value\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nlabels,animals,,,,,,,fleiss_kappa,0.493243\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nlabels-pair,animals,,a,b,,,,cohen_kappa,0.6875\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nlabels-confusion,animals,,a,b,dog,cat,,count,1\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nannotator,animals,,a,,,,,throughput_per_hour,1200\r\n"));
  g_assert_nonnull (strstr (csv, "\r\nannotator,animals,,c,,,,,throughput_per_hour,\r\n"));

  /* an unknown batch */
  g_clear_pointer (&report, json_node_unref);
  report = lb_report_build (store, "nope", &error);
  g_assert_null (report);
  g_assert_error (error, LB_REPORT_ERROR, LB_REPORT_ERROR_NOT_FOUND);

  lb_store_close (store);
  g_object_unref (store);
}

static char *
export_bundle (Fixture    *f,
               LbStore    *store,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                     NULL, &error);

  g_assert_no_error (error);
  g_assert_true (lb_bundle_export (store, NULL, G_OUTPUT_STREAM (out), NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  g_assert_no_error (error);
  return path;
}

/* two seats (a and b on one, c on the other) merged into a third store by
 * their bundles: the same figures; then a tampered event is named */
static void
test_merged_seats (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *bundle1 = NULL;
  g_autofree char *bundle2 = NULL;
  g_autofree char *merged_path = g_build_filename (f->dir, "merged.db", NULL);
  g_autofree char *seat1 = NULL;
  g_autofree char *seat2 = NULL;
  g_autofree char *tamper = NULL;
  g_autofree char *uuid = NULL;
  LbStore *one = make_store (f, "seat1.db");
  LbStore *two = make_store (f, "seat2.db");
  LbStore *merged;
  JsonArray *seats;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 seq = 0;

  label_as (one, 0);
  label_as (one, 1);
  label_as (two, 2);
  /* a lead on seat 2 rejects u4: the review travels with the bundle */
  g_assert_true (lb_store_review (two, find_id (two, "u4"), "lead", LB_REVIEW_REJECT,
                                  "three answers", NULL, &error));
  g_assert_no_error (error);
  seat1 = g_strdup (lb_store_get_seat_id (one));
  seat2 = g_strdup (lb_store_get_seat_id (two));
  bundle1 = export_bundle (f, one, "seat1.bundle");
  bundle2 = export_bundle (f, two, "seat2.bundle");
  lb_store_close (one);
  lb_store_close (two);
  g_object_unref (one);
  g_object_unref (two);

  merged = lb_test_open_store (merged_path);
  g_assert_true (lb_bundle_import (merged, bundle1, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lb_bundle_import (merged, bundle2, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  report = lb_report_build (merged, NULL, &error);
  g_assert_no_error (error);
  assert_label_figures (batch_of (report));
  assert_throughput (batch_of (report));
  g_assert_cmpint (json_object_get_int_member (batch_of (report), "rejected"), ==, 1);
  {
    g_autoptr(LbItem) u4 = lb_test_find_item (merged, "animals", "u4");

    g_assert_cmpstr (lb_item_get_review_verdict (u4), ==, "reject");
    g_assert_cmpstr (lb_item_get_review_comment (u4), ==, "three answers");
  }
  g_assert_true (lb_store_verify (merged, &error));
  g_assert_no_error (error);
  seats = json_object_get_array_member (json_node_get_object (report), "seats");
  g_assert_cmpuint (json_array_get_length (seats), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *s = json_array_get_object_element (seats, i);
      const char *seat = json_object_get_string_member (s, "seat");

      g_assert_true (g_str_equal (seat, seat1) || g_str_equal (seat, seat2));
      g_assert_true (json_object_get_boolean_member (s, "verified"));
      g_assert_cmpint (json_object_get_int_member (s, "events"), ==,
                       g_str_equal (seat, seat1) ? 10 : 6);
    }
  lb_store_close (merged);
  g_object_unref (merged);

  /* change the payload of seat 2's third event behind the store's back */
  g_assert_cmpint (sqlite3_open (merged_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, uuid FROM events WHERE seat = ?1"
                                           " ORDER BY seq LIMIT 1 OFFSET 2", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, seat2, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  seq = sqlite3_column_int64 (stmt, 0);
  uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  tamper = g_strdup_printf ("DROP TRIGGER events_no_update;"
                            "UPDATE events SET payload = '{\"labels\":[\"cat\"]}'"
                            " WHERE seq = %" G_GINT64_FORMAT ";", seq);
  g_assert_cmpint (sqlite3_exec (db, tamper, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  merged = lb_store_open (merged_path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_clear_pointer (&report, json_node_unref);
  report = lb_report_build (merged, NULL, &error);
  g_assert_no_error (error);
  seats = json_object_get_array_member (json_node_get_object (report), "seats");
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *s = json_array_get_object_element (seats, i);
      const char *seat = json_object_get_string_member (s, "seat");

      if (g_str_equal (seat, seat1))
        {
          g_assert_true (json_object_get_boolean_member (s, "verified"));
          g_assert_true (json_object_get_null_member (s, "broken"));
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("event %" G_GINT64_FORMAT " (uuid %s)",
                                                       seq, uuid);
          const char *broken = json_object_get_string_member (s, "broken");

          g_assert_false (json_object_get_boolean_member (s, "verified"));
          g_assert_nonnull (broken);
          g_assert_true (g_str_has_prefix (broken, expected));
        }
    }
  lb_store_close (merged);
  g_object_unref (merged);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/report/single-seat", Fixture, NULL, fixture_set_up, test_single_seat,
              fixture_tear_down);
  g_test_add ("/engine/report/merged-seats", Fixture, NULL, fixture_set_up, test_merged_seats,
              fixture_tear_down);

  return g_test_run ();
}
