/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-bundle-merge"
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-application.h"
#include "lb-batch-list.h"
#include "lb-bundle.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* Merging seat bundles from the window: two seats label the same batch,
 * their bundles (lb_bundle_export) are opened through the window's open
 * path (what Open Manifest…, drag and drop and `labelbench PATH` call) in
 * the team lead's store: a toast says how many events were merged, the
 * batch opens with the seats' work; a truncated bundle is named in a
 * dialog and nothing is merged. */

#define WAIT_TIMEOUT_S 30
#define BATCH "comments"

typedef struct {
  char     *tmpdir;
  char     *folder;
  LbStore  *seat_a;
  LbStore  *seat_b;
  LbStore  *lead;
  LbWindow *window;
} Fixture;

static LbStore *
open_store (Fixture    *f,
            const char *name)
{
  g_autofree char *path = g_build_filename (f->tmpdir, name, NULL);

  return lb_test_open_store (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->tmpdir = lb_test_make_tmpdir ("lb-test-bundle-merge");
  f->folder = g_build_filename (f->tmpdir, BATCH, NULL);
  g_assert_cmpint (g_mkdir (f->folder, 0700), ==, 0);
  lb_test_write_file (f->folder, "schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (f->folder, "c1.txt", "First comment", -1);
  lb_test_write_file (f->folder, "c2.txt", "Second comment, 中文", -1);
  lb_test_write_file (f->folder, "c3.txt", "Third comment", -1);

  /* Both seats import the same folder: the same batch and items */
  f->seat_a = open_store (f, "seat-a.db");
  f->seat_b = open_store (f, "seat-b.db");
  f->lead = open_store (f, "lead.db");
  lb_test_import (f->seat_a, f->folder, NULL, 3);
  lb_test_import (f->seat_b, f->folder, NULL, 3);

  f->window = lb_ui_test_new_window (f->lead, "Lead");
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
close_store (LbStore **store)
{
  lb_store_close (*store);
  g_clear_object (store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (l->data != f->window)
      gtk_window_destroy (l->data);
  g_list_free (toplevels);
  lb_ui_test_destroy_window (GTK_WINDOW (f->window));
  close_store (&f->seat_a);
  close_store (&f->seat_b);
  close_store (&f->lead);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->folder);
}

static void
submit (LbStore    *store,
        const char *external_id,
        const char *actor,
        const char *label,
        const char *decision)
{
  g_autoptr(LbItem) item = lb_test_find_item (store, BATCH, external_id);
  g_autoptr(GError) error = NULL;
  const char *labels[] = { label, NULL };
  LbSubmission sub = { label != NULL ? labels : NULL, decision, NULL, NULL, 1200 };

  g_assert_true (lb_store_submit (store, lb_item_get_id (item), actor, &sub, &error));
  g_assert_no_error (error);
}

/* The bundle of every seat's events of STORE in tmpdir/NAME; *n_events its count */
static char *
export_bundle (Fixture    *f,
               LbStore    *store,
               const char *name,
               guint64    *n_events)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->tmpdir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lb_bundle_export (store, NULL, G_OUTPUT_STREAM (out), n_events, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (*n_events, >, 0);
  return g_steal_pointer (&path);
}

/* Opens PATH the way Open Manifest… and the command line do, and waits
 * until the window is done with it */
static void
open_path (Fixture    *f,
           const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  lb_window_import (f->window, file);
  g_assert_true (lb_window_get_importing (f->window));
  lb_test_wait_until (lb_ui_test_import_finished, f->window, WAIT_TIMEOUT_S);
}

static void
wait_for_toast (Fixture    *f,
                const char *text)
{
  lb_ui_test_wait_label (GTK_WIDGET (f->window), text, WAIT_TIMEOUT_S);
}

/* The message dialog over the window, or NULL */
static AdwMessageDialog *
find_dialog (Fixture *f)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data)
        && gtk_window_get_transient_for (l->data) == GTK_WINDOW (f->window)
        && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static guint64
count_events (LbStore *store)
{
  gint64 n = lb_store_count_events_after (store, 0);

  g_assert_cmpint (n, >=, 0);
  return (guint64) n;
}

/* The queue of the window (all items) holds EXTERNAL_ID with STATE, LABEL
 * and DECISION */
static void
assert_shown (Fixture     *f,
              const char  *external_id,
              LbItemState  state,
              const char  *label,
              const char  *decision)
{
  GListModel *queue = lb_window_get_queue (f->window);

  for (guint i = 0; i < g_list_model_get_n_items (queue); i++)
    {
      g_autoptr(LbItem) item = g_list_model_get_item (queue, i);
      const char * const *labels;

      if (g_strcmp0 (lb_item_get_external_id (item), external_id) != 0)
        continue;
      g_assert_cmpint (lb_item_get_state (item), ==, state);
      labels = lb_item_get_labels (item);
      if (label == NULL)
        g_assert_null (labels[0]);
      else
        {
          g_assert_cmpstr (labels[0], ==, label);
          g_assert_null (labels[1]);
        }
      g_assert_cmpstr (lb_item_get_decision (item), ==, decision);
      return;
    }
  g_error ("%s is not in the queue", external_id);
}

static void
test_merge_two_seats (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *bundle_a = NULL;
  g_autofree char *bundle_b = NULL;
  g_autofree char *toast = NULL;
  g_autoptr(LbBatch) batch = NULL;
  guint64 n_a = 0, n_b = 0;

  submit (f->seat_a, "c1.txt", "Ann", "ok", "approve");
  submit (f->seat_b, "c2.txt", "Bo", "spam", NULL);
  submit (f->seat_b, "c3.txt", "Bo", NULL, "escalate");
  bundle_a = export_bundle (f, f->seat_a, "seat-a.lbbundle", &n_a);
  bundle_b = export_bundle (f, f->seat_b, "seat-b.lbbundle", &n_b);

  /* The lead's store is empty: the welcome page */
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");

  /* Seat A: the batch is created and opens with Ann's work */
  open_path (f, bundle_a);
  batch = lb_store_find_batch (f->lead, BATCH, NULL);
  g_assert_nonnull (batch);
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "work");
  g_assert_cmpint (lb_window_get_batch_id (f->window), ==, batch->id);
  toast = g_strdup_printf ("Merged %" G_GUINT64_FORMAT " events from seat-a.lbbundle "
                           "(0 already present)", n_a);
  wait_for_toast (f, toast);
  g_assert_cmpuint (count_events (f->lead), ==, n_a);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.filter", "s", "all"));
  lb_ui_test_wait_queue (f->window);
  /* A bundle carries the items its events touch: Ann did c1 only */
  g_assert_cmpuint (g_list_model_get_n_items (lb_window_get_queue (f->window)), ==, 1);
  assert_shown (f, "c1.txt", LB_ITEM_STATE_DONE, "ok", "approve");

  /* Seat B: its work joins Ann's in the open batch */
  open_path (f, bundle_b);
  g_clear_pointer (&toast, g_free);
  toast = g_strdup_printf ("Merged %" G_GUINT64_FORMAT " events from seat-b.lbbundle "
                           "(0 already present)", n_b);
  wait_for_toast (f, toast);
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "work");
  g_assert_cmpint (lb_window_get_batch_id (f->window), ==, batch->id);
  g_assert_cmpuint (count_events (f->lead), ==, n_a + n_b);
  g_assert_cmpuint (g_list_model_get_n_items (lb_window_get_queue (f->window)), ==, 3);
  assert_shown (f, "c1.txt", LB_ITEM_STATE_DONE, "ok", "approve");
  assert_shown (f, "c2.txt", LB_ITEM_STATE_DONE, "spam", NULL);
  assert_shown (f, "c3.txt", LB_ITEM_STATE_DONE, NULL, "escalate");
  lb_ui_test_screenshot ("bundle-merge.png", 300);

  /* Seat A's bundle again: nothing new */
  open_path (f, bundle_a);
  g_clear_pointer (&toast, g_free);
  toast = g_strdup_printf ("Merged 0 events from seat-a.lbbundle (%" G_GUINT64_FORMAT
                           " already present)", n_a);
  wait_for_toast (f, toast);
  g_assert_cmpuint (count_events (f->lead), ==, n_a + n_b);
  g_assert_null (find_dialog (f));
}

static void
test_truncated_bundle (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *bundle = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbBatch) batch = NULL;
  AdwMessageDialog *dialog;
  const char *body;
  gsize length = 0;
  guint64 n = 0;

  submit (f->seat_a, "c1.txt", "Ann", "ok", "approve");
  bundle = export_bundle (f, f->seat_a, "seat-a.lbbundle", &n);

  /* Cut off the trailer and half of the last event */
  g_assert_true (g_file_get_contents (bundle, &contents, &length, &error));
  g_assert_no_error (error);
  cut = g_build_filename (f->tmpdir, "cut.lbbundle", NULL);
  g_assert_true (g_file_set_contents (cut, contents, (gssize) (length * 3 / 4), &error));
  g_assert_no_error (error);

  open_path (f, cut);
  dialog = find_dialog (f);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Bundle Not Merged");
  body = adw_message_dialog_get_body (dialog);
  g_test_message ("%s", body);
  g_assert_true (g_str_has_prefix (body, "Nothing was merged from cut.lbbundle. "));
  g_assert_nonnull (strstr (body, cut));
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");
  lb_ui_test_screenshot ("bundle-merge-error.png", 300);

  /* Nothing stored: no batch, no event */
  batch = lb_store_find_batch (f->lead, BATCH, NULL);
  g_assert_null (batch);
  g_assert_cmpuint (count_events (f->lead), ==, 0);
}

static gboolean
list_has_two (gpointer data)
{
  LbBatchList *list = data;

  return !lb_batch_list_get_loading (list) && lb_batch_list_get_n_batches (list) == 2;
}

/* A bundle touching two batches: both are created and the welcome page
 * lists them (no single batch to open) */
static void
test_several_batches (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *replies = g_build_filename (f->tmpdir, "replies", NULL);
  g_autofree char *bundle = NULL;
  g_autofree char *toast = NULL;
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *list;
  guint64 n = 0;

  g_assert_cmpint (g_mkdir (replies, 0700), ==, 0);
  lb_test_write_file (replies, "schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (replies, "r1.txt", "A reply", -1);
  lb_test_import (f->seat_a, replies, NULL, 1);
  submit (f->seat_a, "c1.txt", "Ann", "ok", NULL);
  {
    g_autoptr(LbItem) r1 = lb_test_find_item (f->seat_a, "replies", "r1.txt");
    const char *labels[] = { "spam", NULL };
    LbSubmission sub = { labels, "reject", "abuse/insult", NULL, 900 };

    g_assert_true (lb_store_submit (f->seat_a, lb_item_get_id (r1), "Ann", &sub, &error));
    g_assert_no_error (error);
  }
  bundle = export_bundle (f, f->seat_a, "seat-a.lbbundle", &n);

  open_path (f, bundle);
  toast = g_strdup_printf ("Merged %" G_GUINT64_FORMAT " events from seat-a.lbbundle "
                           "(0 already present)", n);
  wait_for_toast (f, toast);
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");
  list = lb_ui_test_find_widget (GTK_WIDGET (f->window), LB_TYPE_BATCH_LIST);
  g_assert_nonnull (list);
  lb_test_wait_until (list_has_two, list, WAIT_TIMEOUT_S);
  batch = lb_store_find_batch (f->lead, "replies", NULL);
  g_assert_nonnull (batch);
  item = lb_test_find_item (f->lead, "replies", "r1.txt");
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_decision (item), ==, "reject");
  g_assert_cmpstr (lb_item_get_reason (item), ==, "abuse/insult");
  g_assert_cmpuint (count_events (f->lead), ==, n);
}

/* `labelbench --store LEAD BUNDLE`: the application hands the bundle to
 * the window, which merges it and opens the batch */
typedef struct {
  LbApplication *app;
  char          *page;
  char          *title;
  gboolean       timed_out;
  guint64        started_us;
} Run;

static gboolean
inspect_cb (gpointer user_data)
{
  Run *run = user_data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  LbWindow *window = LB_IS_WINDOW (active) ? LB_WINDOW (active) : NULL;

  if (g_get_monotonic_time () - run->started_us > WAIT_TIMEOUT_S * G_USEC_PER_SEC)
    {
      run->timed_out = TRUE;
      g_test_message ("timed out: window %p, page %s, error %s", window,
                      window ? lb_window_get_page (window) : "-",
                      window ? lb_window_get_error_text (window) : "-");
    }
  else if (window == NULL || lb_application_get_opening (run->app)
           || lb_window_get_importing (window)
           || g_strcmp0 (lb_window_get_page (window), "work") != 0
           || lb_window_get_batch_id (window) == 0)
    return G_SOURCE_CONTINUE;

  if (window != NULL)
    {
      run->page = g_strdup (lb_window_get_page (window));
      run->title = g_strdup (lb_window_get_title_text (window));
    }
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
test_command_line (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-bundle-merge-cli");
  g_autofree char *folder = g_build_filename (tmpdir, BATCH, NULL);
  g_autofree char *seat_db = g_build_filename (tmpdir, "seat.db", NULL);
  g_autofree char *lead_db = g_build_filename (tmpdir, "lead.db", NULL);
  g_autofree char *bundle = g_build_filename (tmpdir, "seat.lbbundle", NULL);
  const char *argv[] = { "labelbench", "--store", lead_db, "--actor", "Lead", bundle, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) lead = NULL;
  g_autoptr(LbItem) item = NULL;
  Run run = { 0 };
  guint64 n = 0;
  int status;

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  lb_test_write_file (folder, "schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (folder, "c1.txt", "First comment", -1);
  {
    g_autoptr(LbStore) seat = lb_test_open_store (seat_db);
    g_autoptr(GFile) file = g_file_new_for_path (bundle);
    g_autoptr(GFileOutputStream) out = NULL;

    lb_test_import (seat, folder, NULL, 1);
    submit (seat, "c1.txt", "Ann", "spam", "escalate");
    out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (lb_bundle_export (seat, NULL, G_OUTPUT_STREAM (out), &n, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
    g_assert_no_error (error);
    lb_store_close (seat);
  }

  run.app = lb_application_new ();
  g_application_set_flags (G_APPLICATION (run.app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  run.started_us = g_get_monotonic_time ();
  g_timeout_add (50, inspect_cb, &run);
  status = g_application_run (G_APPLICATION (run.app), G_N_ELEMENTS (argv) - 1, (char **) argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_false (run.timed_out);
  g_assert_finalize_object (run.app);
  g_assert_cmpstr (run.page, ==, "work");
  g_assert_cmpstr (run.title, ==, BATCH);

  lead = lb_store_open (lead_db, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_events (lead), ==, n);
  item = lb_test_find_item (lead, BATCH, "c1.txt");
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_decision (item), ==, "escalate");
  lb_store_close (lead);

  g_free (run.page);
  g_free (run.title);
  lb_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/bundle-merge/two-seats", Fixture, NULL, fixture_set_up,
              test_merge_two_seats, fixture_tear_down);
  g_test_add ("/ui/bundle-merge/truncated", Fixture, NULL, fixture_set_up,
              test_truncated_bundle, fixture_tear_down);
  g_test_add ("/ui/bundle-merge/several-batches", Fixture, NULL, fixture_set_up,
              test_several_batches, fixture_tear_down);
  g_test_add_func ("/ui/bundle-merge/command-line", test_command_line);

  return g_test_run ();
}
