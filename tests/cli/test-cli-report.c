/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-report"
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lb-test-support.h"

/* End to end through $LB_CLI: two annotators label a batch with label,
 * a lead reviews with review (accept, fix, reject, gold), and report
 * writes the figures as JSON and CSV. */

typedef struct {
  char *dir;
  char *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };
  g_autofree char *manifest = NULL;
  g_autofree char *schema = NULL;

  f->dir = lb_test_make_tmpdir ("test-cli-report");
  f->store = g_build_filename (f->dir, "store.db", NULL);
  manifest = g_build_filename (f->dir, "comments.jsonl", NULL);
  schema = g_build_filename (f->dir, "schema.json", NULL);
  lb_test_write_file (NULL, manifest,
                      "{\"id\": \"c1\", \"text\": \"first\"}\n"
                      "{\"id\": \"c2\", \"text\": \"second\"}\n"
                      "{\"id\": \"c3\", \"text\": \"third\"}\n"
                      "{\"id\": \"c4\", \"text\": \"fourth\", \"gold\": {\"labels\": [\"ok\"]}}\n",
                      -1);
  lb_test_write_file (NULL, schema, lb_test_comment_schema_json, -1);
  lb_test_run_cli (&run, NULL, "import", "--store", f->store, "--name", "comments",
                   "--schema", schema, manifest, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store);
}

static void
label (Fixture    *f,
       const char *item,
       const char *actor,
       const char *label_id,
       const char *dwell)
{
  g_auto(LbTestRun) run = { 0, };

  lb_test_run_cli (&run, NULL, "label", "--store", f->store, "--item", item, "--actor", actor,
                   "--label", label_id, "--dwell-ms", dwell, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
test_review_and_report (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *batch, *labels, *ann;
  JsonArray *annotators;

  /* ann and bob agree on c1, c3, c4 and not on c2 */
  label (f, "c1", "ann", "ok", "1000");
  label (f, "c2", "ann", "ok", "2000");
  label (f, "c3", "ann", "spam", "3000");
  label (f, "c4", "ann", "ok", "6000");
  label (f, "c1", "bob", "ok", "1000");
  label (f, "c2", "bob", "spam", "1000");
  label (f, "c3", "bob", "spam", "1000");
  label (f, "c4", "bob", "ok", "1000");

  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "c1", "--actor", "lead",
                   "--verdict", "accept", "--gold", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "c1: verdict accept lead; labels ok; decision -; gold\n");

  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "c2", "--actor", "lead",
                   "--verdict", "fix", "--label", "spam", "--comment", "it is spam", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "c2: verdict fix lead; labels spam; decision -\n");

  /* a reject without a comment is refused and says why */
  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "c3", "--actor", "lead",
                   "--verdict", "reject", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "comment"));
  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "c3", "--actor", "lead",
                   "--verdict", "maybe", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "maybe"));
  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "c3", "--actor", "lead",
                   "--verdict", "reject", "--comment", "not spam", NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* the lead undoes the reject: the review is gone */
  lb_test_run_cli (&run, NULL, "undo", "--store", f->store, "--item", "c3", "--actor", "lead",
                   NULL);
  g_assert_cmpint (run.status, ==, 0);

  lb_test_run_cli (&run, NULL, "report", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = lb_test_parse_json (run.out);
  batch = json_array_get_object_element (
            json_object_get_array_member (json_node_get_object (root), "batches"), 0);
  g_assert_cmpstr (json_object_get_string_member (batch, "batch"), ==, "comments");
  g_assert_cmpint (json_object_get_int_member (batch, "reviewed"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (batch, "gold_items"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (batch, "disputed"), ==, 1);
  labels = json_object_get_object_member (batch, "labels");
  /* 3 of 4 items agree */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (labels, "percent_agreement"),
                                  0.75, 1e-12);
  /* Cohen: p_o 3/4; ann ok 3 spam 1, bob ok 2 spam 2: p_e = (6 + 2)/16 = 1/2; κ = 1/2 */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (
                                    json_array_get_object_element (
                                      json_object_get_array_member (labels, "pairs"), 0),
                                    "cohen_kappa"), 0.5, 1e-12);
  annotators = json_object_get_array_member (batch, "annotators");
  ann = json_array_get_object_element (annotators, 0);
  g_assert_cmpstr (json_object_get_string_member (ann, "annotator"), ==, "ann");
  /* 4 items in 12 s: 1200 an hour; dwell 1, 2, 3, 6 s: median 2.5 s */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ann, "throughput_per_hour"),
                                  1200.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ann, "median_dwell_ms"),
                                  2500.0, 1e-9);
  /* gold: c1 (the lead's: ok) and c4 (the manifest's: ok): both right */
  g_assert_cmpint (json_object_get_int_member (ann, "gold_answered"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (ann, "gold_correct"), ==, 2);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ann, "review_acceptance_rate"),
                                  0.5, 1e-12);
  g_assert_true (json_object_get_boolean_member (
                   json_array_get_object_element (
                     json_object_get_array_member (json_node_get_object (root), "seats"), 0),
                   "verified"));

  /* CSV, one batch */
  lb_test_run_cli (&run, NULL, "report", "--store", f->store, "--batch", "comments",
                   "--format", "csv", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "section,batch,seat,annotator,annotator_b,"
                                            "category,category_b,day,metric,value\r\n"));
  g_assert_nonnull (strstr (run.out, "\r\nlabels,comments,,,,,,,percent_agreement,0.75\r\n"));
  g_assert_nonnull (strstr (run.out,
                            "\r\nlabels-confusion,comments,,ann,bob,ok,spam,,count,1\r\n"));
  g_assert_nonnull (strstr (run.out, "\r\nannotator,comments,,bob,,,,,gold_correct,2\r\n"));

  /* overlap: 1 by default, set to 2, refused out of range */
  lb_test_run_cli (&run, NULL, "overlap", "--store", f->store, "--batch", "comments", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "1\n");
  lb_test_run_cli (&run, NULL, "overlap", "--store", f->store, "--batch", "comments",
                   "--set", "2", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "2\n");
  lb_test_run_cli (&run, NULL, "overlap", "--store", f->store, "--batch", "comments",
                   "--set", "-3", NULL);
  g_assert_cmpint (run.status, ==, 1);
  lb_test_run_cli (&run, NULL, "overlap", "--store", f->store, "--batch", "nope", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "nope"));
  lb_test_run_cli (&run, NULL, "report", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&root, json_node_unref);
  root = lb_test_parse_json (run.out);
  batch = json_array_get_object_element (
            json_object_get_array_member (json_node_get_object (root), "batches"), 0);
  g_assert_cmpint (json_object_get_int_member (batch, "overlap"), ==, 2);

  /* the review queue: all four annotated; c2 and c4 unreviewed (c3's review was
   * undone); bob's spam; a sample is the same twice */
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "comments\tc1\ncomments\tc2\ncomments\tc3\ncomments\tc4\n");
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--unreviewed", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "comments\tc3\ncomments\tc4\n");
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--annotator", "bob",
                   "--label", "spam", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "comments\tc2\ncomments\tc3\n");
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--disputed", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "comments\tc2\n");
  /* a misspelt label or decision is an error, not an empty queue */
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--label", "spma", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Unknown label “spma”"));
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--decision", "rejcet", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Unknown decision “rejcet”"));
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--since", "2000-01-01",
                   "--until", "2000-01-02", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  {
    g_autofree char *first = NULL;

    lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--sample", "0.5",
                     "--seed", "42", NULL);
    g_assert_cmpint (run.status, ==, 0);
    first = g_strdup (run.out);
    lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--sample", "0.5",
                     "--seed", "42", NULL);
    g_assert_cmpstr (run.out, ==, first);
  }
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--sample", "2", NULL);
  g_assert_cmpint (run.status, ==, 1);
  /* an annotator's queue: carl has everything to do, overlap 2 reached everywhere */
  lb_test_run_cli (&run, NULL, "queue", "--store", f->store, "--actor", "carl", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  /* errors: an unknown batch, an unknown format */
  lb_test_run_cli (&run, NULL, "report", "--store", f->store, "--batch", "nope", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "nope"));
  lb_test_run_cli (&run, NULL, "report", "--store", f->store, "--format", "xml", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "xml"));
}

/* The report's CSV guards its cells against formula injection the way the
 * items CSV does (a leading '), and leaves numbers as they are */
static void
test_csv_formula_guard (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };

  /* two annotators who disagree on both items: Cohen's kappa -1 */
  label (f, "c1", "=cmd|calc", "ok", "1000");
  label (f, "c2", "=cmd|calc", "spam", "1000");
  label (f, "c1", "bob", "spam", "1000");
  label (f, "c2", "bob", "ok", "1000");

  lb_test_run_cli (&run, NULL, "report", "--store", f->store, "--format", "csv", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\r\nannotator,comments,,'=cmd|calc,,,,,items_done,2\r\n"));
  g_assert_nonnull (strstr (run.out, ",'=cmd|calc,bob,,,,cohen_kappa,-1\r\n"));
  g_assert_null (strstr (run.out, ",=cmd"));

  /* the items CSV does the same */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, ",=cmd"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli/report/review-and-report", Fixture, NULL, fixture_setup,
              test_review_and_report, fixture_teardown);
  g_test_add ("/cli/report/csv-formula-guard", Fixture, NULL, fixture_setup,
              test_csv_formula_guard, fixture_teardown);
  return g_test_run ();
}
