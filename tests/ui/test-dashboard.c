/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-dashboard"
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "lb-bar-chart.h"
#include "lb-dashboard.h"
#include "lb-heat-map.h"
#include "lb-line-chart.h"
#include "lb-report.h"
#include "lb-review-view.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* The quality dashboard through the real window: a batch of the demo's
 * texts labelled by three annotators; the figures on screen are those
 * lb-report computes, and they change after a lead's review. */

#define WAIT_TIMEOUT_S 30

typedef struct {
  char        *tmpdir;
  LbStore     *store;
  LbWindow    *window;
  LbDashboard *dashboard;
  gint64       batch_id;
  char        *batch;
  gint64       ids[4];
  guint        generation;
} Fixture;

static gboolean
report_shown (gpointer data)
{
  Fixture *f = data;

  return !lb_dashboard_get_loading (f->dashboard)
         && lb_dashboard_get_generation (f->dashboard) > f->generation;
}

static void
submit (Fixture    *f,
        guint       index,
        const char *actor,
        const char *label,
        gint64      dwell_ms)
{
  const char *labels[] = { label, NULL };
  /* Every annotator approves every item: the decisions do not vary */
  LbSubmission s = { .labels = labels, .decision = "approve", .dwell_ms = dwell_ms };
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_submit (f->store, f->ids[index], actor, &s, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db_path = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbBatch) batch = NULL;
  const char *names[] = { "t1.txt", "t2.txt", "t3.txt", "t4.txt" };
  const char *actors[] = { "alice", "bob", "carol" };
  /* who said what: rows items, columns annotators */
  const char *labels[4][3] = {
    { "ok", "ok", "ok" },
    { "spam", "spam", "ok" },
    { "spam", "spam", "spam" },
    { "abusive", "unclear", "abusive" },
  };

  f->tmpdir = lb_test_make_tmpdir ("lb-test-dashboard");
  db_path = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db_path);
  dir = g_build_filename (f->tmpdir, "comments", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_ui_test_copy_demo ("schema.json", dir, "schema.json");
  lb_ui_test_copy_demo ("texts/01-en-friendly-comment.txt", dir, names[0]);
  lb_ui_test_copy_demo ("texts/02-en-spam-offer.txt", dir, names[1]);
  lb_ui_test_copy_demo ("texts/03-en-suspicious-link.txt", dir, names[2]);
  lb_ui_test_copy_demo ("texts/04-en-mild-insult.txt", dir, names[3]);
  f->batch_id = lb_test_import (f->store, dir, NULL, 4);
  batch = lb_store_get_batch (f->store, f->batch_id, &error);
  g_assert_no_error (error);
  f->batch = g_strdup (batch->name);
  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 3, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(LbItem) item = lb_test_find_item (f->store, NULL, names[i]);

      f->ids[i] = lb_item_get_id (item);
    }
  for (guint i = 0; i < 4; i++)
    for (guint a = 0; a < 3; a++)
      submit (f, i, actors[a], labels[i][a], 1000 * (a + 1) + 500 * i);

  if (data != NULL)
    {
      /* Change an event's payload behind the store's back */
      sqlite3 *db;
      char *message = NULL;

      lb_store_close (f->store);
      g_clear_object (&f->store);
      g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
      sqlite3_exec (db, "DROP TRIGGER events_no_update;"
                        "UPDATE events SET payload = '{\"labels\":[\"unclear\"]}' WHERE seq = 5;",
                    NULL, NULL, &message);
      g_assert_null (message);
      sqlite3_close (db);
      f->store = lb_test_open_store (db_path);
    }

  f->window = lb_ui_test_new_window (f->store, "lead");
  f->dashboard = lb_window_get_dashboard (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_ui_test_open_batch (f->window, f->batch_id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_ui_test_destroy_window (GTK_WINDOW (f->window));
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->batch);
}

static JsonObject *
engine_batch (JsonNode *report)
{
  JsonArray *batches = json_object_get_array_member (json_node_get_object (report), "batches");

  g_assert_cmpuint (json_array_get_length (batches), ==, 1);
  return json_array_get_object_element (batches, 0);
}

/* The figure on screen is the engine's value, written the dashboard's way */
static void
assert_figure (Fixture           *f,
               const char        *key,
               JsonObject        *object,
               const char        *member,
               LbDashboardFormat  format)
{
  g_autofree char *expected = lb_dashboard_format_figure (object, member, format);

  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, key), ==, expected);
}

static void
test_figures (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  JsonObject *batch, *labels, *decisions;
  JsonArray *annotators;
  g_autofree char *kappa = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "quality"));
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "dashboard");
  lb_test_wait_until (report_shown, f, WAIT_TIMEOUT_S);

  report = lb_report_build (f->store, f->batch, &error);
  g_assert_no_error (error);
  batch = engine_batch (report);
  labels = json_object_get_object_member (batch, "labels");
  decisions = json_object_get_object_member (batch, "decisions");

  assert_figure (f, "batch.items", batch, "items", LB_DASHBOARD_COUNT);
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.items"), ==, "4");
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.reviewed"), ==, "0");
  assert_figure (f, "labels.percent_agreement", labels, "percent_agreement",
                 LB_DASHBOARD_PERCENT);
  assert_figure (f, "labels.fleiss_kappa", labels, "fleiss_kappa", LB_DASHBOARD_FRACTION);
  assert_figure (f, "labels.krippendorff_alpha", labels, "krippendorff_alpha",
                 LB_DASHBOARD_FRACTION);
  /* 4 items by 3 annotators: 2 of 4 agree fully, 2 of 3 on the others:
   * pairs agreeing (3 + 1 + 3 + 1) / 12 = 66.7 % */
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "labels.percent_agreement"), ==,
                   "66.7 %");
  kappa = g_strdup_printf ("%.3f", json_object_get_double_member (labels, "fleiss_kappa"));
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "labels.fleiss_kappa"), ==, kappa);
  /* Everyone approved everything: no variation, said so, not a perfect 1 */
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "decisions.fleiss_kappa"), ==,
                   "No variation");
  assert_figure (f, "decisions.krippendorff_alpha", decisions, "krippendorff_alpha",
                 LB_DASHBOARD_FRACTION);

  annotators = json_object_get_array_member (batch, "annotators");
  g_assert_cmpuint (json_array_get_length (annotators), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *a = json_array_get_object_element (annotators, i);
      const char *who = json_object_get_string_member (a, "annotator");
      const struct { const char *member; LbDashboardFormat format; } columns[] = {
        { "items_done", LB_DASHBOARD_COUNT },
        { "throughput_per_hour", LB_DASHBOARD_RATE },
        { "median_dwell_ms", LB_DASHBOARD_DURATION },
        { "review_acceptance_rate", LB_DASHBOARD_PERCENT },
        { "gold_accuracy", LB_DASHBOARD_PERCENT },
      };

      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          g_autofree char *key = g_strdup_printf ("annotator.%s.%s", who, columns[c].member);

          assert_figure (f, key, a, columns[c].member, columns[c].format);
        }
      {
        g_autofree char *key = g_strdup_printf ("annotator.%s.items_done", who);

        g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, key), ==, "4");
      }
    }
  /* alice: dwell 1.0, 1.5, 2.0, 2.5 s: median 1.75 s */
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "annotator.alice.median_dwell_ms"),
                   ==, "1.8 s");

  /* Charts: a bar per annotator, the pair's confusion matrix, agreement per day */
  g_assert_cmpuint (lb_bar_chart_get_n_bars (LB_BAR_CHART (lb_dashboard_get_chart (
                      f->dashboard, "throughput"))), ==, 3);
  g_assert_cmpuint (lb_bar_chart_get_n_bars (LB_BAR_CHART (lb_dashboard_get_chart (
                      f->dashboard, "gold"))), ==, 3);
  g_assert_cmpuint (lb_heat_map_get_n_categories (LB_HEAT_MAP (lb_dashboard_get_chart (
                      f->dashboard, "confusion"))), ==,
                    json_array_get_length (json_object_get_array_member (labels, "categories")));
  g_assert_cmpuint (lb_line_chart_get_n_series (LB_LINE_CHART (lb_dashboard_get_chart (
                      f->dashboard, "agreement"))), >=, 1);
  /* The seat's chain */
  g_assert_nonnull (strstr (lb_dashboard_get_figure (f->dashboard, "seat.0"), "verified"));

  /* A lead's review: the dashboard computes again */
  f->generation = lb_dashboard_get_generation (f->dashboard);
  g_assert_true (lb_store_review (f->store, f->ids[0], "lead", LB_REVIEW_ACCEPT, NULL, NULL,
                                  &error));
  g_assert_no_error (error);
  lb_test_wait_until (report_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.reviewed"), ==, "1");
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.review_acceptance_rate"), ==,
                   "100.0 %");
}

static gboolean
status_saved (gpointer data)
{
  Fixture *f = data;

  return g_str_has_prefix (lb_dashboard_get_status (f->dashboard), "Report saved");
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "report.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "quality"));
  lb_test_wait_until (report_shown, f, WAIT_TIMEOUT_S);
  lb_dashboard_export (f->dashboard, file, "csv");
  lb_test_wait_until (status_saved, f, WAIT_TIMEOUT_S);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text,
                                   "section,batch,seat,annotator,annotator_b,category,"
                                   "category_b,day,metric,value"));
  g_assert_nonnull (strstr (text, "fleiss_kappa"));
}

static gboolean
review_idle (gpointer data)
{
  Fixture *f = data;
  LbReviewView *review = lb_window_get_review_view (f->window);

  return !lb_review_view_get_loading (review) && lb_review_view_get_n_pending (review) == 0
         && lb_review_view_get_current_item (review) != NULL;
}

/* The lead reviews in the review mode through its keys; the dashboard's
 * figures follow */
static void
test_after_reviews (Fixture       *f,
                    gconstpointer  data)
{
  LbReviewView *review = lb_window_get_review_view (f->window);
  GtkEventController *keys = lb_window_get_key_controller (f->window);
  GtkWidget *entry;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "quality"));
  lb_test_wait_until (report_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.reviewed"), ==, "0");
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "annotator.bob.reviewed"), ==, "0");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "review"));
  lb_test_wait_until (review_idle, f, WAIT_TIMEOUT_S);
  g_assert_true (lb_ui_test_press_key (keys, GDK_KEY_a, 0));
  lb_test_wait_until (review_idle, f, WAIT_TIMEOUT_S);
  g_assert_true (lb_ui_test_press_key (keys, GDK_KEY_r, 0));
  entry = lb_review_view_get_comment_entry (review);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Not spam");
  g_signal_emit_by_name (entry, "activate");
  lb_test_wait_until (review_idle, f, WAIT_TIMEOUT_S);

  f->generation = lb_dashboard_get_generation (f->dashboard);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "quality"));
  lb_test_wait_until (report_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.reviewed"), ==, "2");
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "batch.review_acceptance_rate"), ==,
                   "50.0 %");
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "annotator.bob.reviewed"), ==, "2");
  g_assert_cmpstr (lb_dashboard_get_figure (f->dashboard, "annotator.bob.review_acceptance_rate"),
                   ==, "50.0 %");
}

/* Tamper evidence: the seat's chain is broken at the changed event, named */
static void
test_tampered (Fixture       *f,
               gconstpointer  data)
{
  const char *seat;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "quality"));
  lb_test_wait_until (report_shown, f, WAIT_TIMEOUT_S);
  seat = lb_dashboard_get_figure (f->dashboard, "seat.0");
  g_assert_nonnull (seat);
  g_test_message ("seat: %s", seat);
  g_assert_null (strstr (seat, "verified"));
  g_assert_nonnull (strstr (seat, "broken"));
  g_assert_nonnull (strstr (seat, "event 5"));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/dashboard/figures", Fixture, NULL,
              fixture_set_up, test_figures, fixture_tear_down);
  g_test_add ("/ui/dashboard/export", Fixture, NULL,
              fixture_set_up, test_export, fixture_tear_down);
  g_test_add ("/ui/dashboard/after-reviews", Fixture, NULL,
              fixture_set_up, test_after_reviews, fixture_tear_down);
  g_test_add ("/ui/dashboard/tampered", Fixture, "tamper",
              fixture_set_up, test_tampered, fixture_tear_down);
  return g_test_run ();
}
