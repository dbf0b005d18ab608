/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-welcome"
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-application.h"
#include "lb-batch-list.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* Batches already in the store: the welcome page lists them ("In This
 * Store", with their progress), a row opens its batch, Switch Batch (Ctrl+B)
 * moves to another one, and a store holding one batch opens it at start. */

#define WAIT_TIMEOUT_S 20

typedef struct {
  char     *tmpdir;
  char     *db;
  LbStore  *store;
  gint64    alpha_id;   /* imported first, 3 items, 1 done */
  gint64    beta_id;    /* imported second, 2 items, none done */
  LbWindow *window;
} Fixture;

static void
make_folder (const char *dir,
             const char *name,
             guint       n_items)
{
  g_autofree char *folder = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  lb_test_write_file (folder, "schema.json", lb_test_comment_schema_json, -1);
  for (guint i = 0; i < n_items; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s-%u.txt", name, i + 1);
      g_autofree char *text = g_strdup_printf ("Comment %u of %s", i + 1, name);

      lb_test_write_file (folder, file, text, -1);
    }
}

static gint64
import_folder (Fixture    *f,
               const char *name,
               guint       n_items)
{
  g_autofree char *folder = g_build_filename (f->tmpdir, name, NULL);

  make_folder (f->tmpdir, name, n_items);
  return lb_test_import (f->store, folder, NULL, n_items);
}

/* The item ids of BATCH_ID in queue order */
static GArray *
item_ids (LbStore *store,
          gint64   batch_id)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = lb_store_list_item_ids (store, batch_id, LB_ITEM_FILTER_ALL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ids);
  return ids;
}

static void
approve (LbStore *store,
         gint64   item_id)
{
  g_autoptr(GError) error = NULL;
  LbSubmission sub = { .decision = "approve", .dwell_ms = 1000 };

  g_assert_true (lb_store_submit (store, item_id, "Tester", &sub, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gboolean with_batches = GPOINTER_TO_INT (data);

  f->tmpdir = lb_test_make_tmpdir ("lb-test-welcome");
  f->db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (f->db);
  if (with_batches)
    {
      g_autoptr(GArray) ids = NULL;

      f->alpha_id = import_folder (f, "alpha", 3);
      /* a later creation time for the second batch */
      g_usleep (2000);
      f->beta_id = import_folder (f, "beta", 2);
      ids = item_ids (f->store, f->alpha_id);
      approve (f->store, g_array_index (ids, gint64, 0));
    }

  f->window = lb_ui_test_new_window (f->store, "Tester");
  gtk_window_present (GTK_WINDOW (f->window));
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
  g_free (f->db);
}

/* Widgets */

static LbBatchList *
welcome_list (Fixture *f)
{
  GtkWidget *list = lb_ui_test_find_widget (GTK_WIDGET (f->window), LB_TYPE_BATCH_LIST);

  g_assert_nonnull (list);
  return LB_BATCH_LIST (list);
}

typedef struct {
  LbBatchList *list;
  guint        n;
} ListWait;

static gboolean
list_has_n (gpointer data)
{
  ListWait *w = data;

  return !lb_batch_list_get_loading (w->list) && lb_batch_list_get_n_batches (w->list) == w->n;
}

static void
wait_for_rows (LbBatchList *list,
               guint        n)
{
  ListWait w = { list, n };

  lb_test_wait_until (list_has_n, &w, WAIT_TIMEOUT_S);
}

/* Row INDEX shows NAME, its source folder and PROGRESS */
static void
assert_row (LbBatchList *list,
            guint        index,
            gint64       batch_id,
            const char  *name,
            const char  *folder,
            const char  *progress)
{
  GtkWidget *row = lb_batch_list_get_row (list, index);
  const char *subtitle;

  g_assert_cmpint (lb_batch_list_get_batch_id (list, index), ==, batch_id);
  g_assert_true (ADW_IS_ACTION_ROW (row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, name);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_nonnull (subtitle);
  g_assert_true (g_str_has_suffix (subtitle, folder));
  g_assert_cmpstr (lb_batch_list_get_progress (list, index), ==, progress);
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
}

static gboolean
window_is_working (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (lb_window_get_page (f->window), "work") == 0
         && lb_window_get_current_item (f->window) != NULL;
}

/* Tests */

static void
test_lists_batches (Fixture       *f,
                    gconstpointer  data)
{
  LbBatchList *list = welcome_list (f);
  g_autofree char *alpha = g_build_filename (f->tmpdir, "alpha", NULL);
  g_autofree char *beta = g_build_filename (f->tmpdir, "beta", NULL);

  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");
  wait_for_rows (list, 2);

  /* Most recent first, each with its progress */
  assert_row (list, 0, f->beta_id, "beta", beta, "0 of 2 done");
  assert_row (list, 1, f->alpha_id, "alpha", alpha, "1 of 3 done");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (list)));
  g_assert_true (gtk_widget_get_mapped (lb_batch_list_get_row (list, 0)));

  /* A batch imported meanwhile appears */
  import_folder (f, "gamma", 1);
  wait_for_rows (list, 3);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (lb_batch_list_get_row
                                                                       (list, 0))), ==, "gamma");
  assert_row (list, 1, f->beta_id, "beta", beta, "0 of 2 done");
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");
}

static void
test_row_opens_batch (Fixture       *f,
                      gconstpointer  data)
{
  LbBatchList *list = welcome_list (f);
  g_autoptr(GArray) ids = item_ids (f->store, f->alpha_id);
  LbItem *item;

  wait_for_rows (list, 2);
  g_assert_cmpint (lb_batch_list_get_batch_id (list, 1), ==, f->alpha_id);

  /* Activating the row (what a click or Enter does) */
  gtk_widget_activate (lb_batch_list_get_row (list, 1));
  lb_test_wait_until (window_is_working, f, WAIT_TIMEOUT_S);

  /* The batch opens at its first item still to do, like a reopened last batch */
  g_assert_cmpint (lb_window_get_batch_id (f->window), ==, f->alpha_id);
  g_assert_cmpstr (lb_window_get_title_text (f->window), ==, "alpha");
  lb_ui_test_assert_subtitle (f->window, "1 / 3 done");
  item = lb_window_get_current_item (f->window);
  g_assert_cmpint (lb_item_get_batch_id (item), ==, f->alpha_id);
  g_assert_cmpint (lb_item_get_id (item), ==, g_array_index (ids, gint64, 1));
}

static void
test_empty_store_hides_list (Fixture       *f,
                             gconstpointer  data)
{
  LbBatchList *list = welcome_list (f);

  wait_for_rows (list, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (list)));
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");

  /* The first import shows it */
  import_folder (f, "first", 2);
  wait_for_rows (list, 1);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (list)));
  g_assert_cmpstr (lb_batch_list_get_progress (list, 0), ==, "0 of 2 done");
}

/* The Switch Batch window on top of F's window, or NULL */
static GtkWindow *
switch_dialog (Fixture *f)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (gtk_window_get_transient_for (window) == GTK_WINDOW (f->window)
          && lb_batch_list_dialog_get_list (window) != NULL
          && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
no_switch_dialog (gpointer data)
{
  return switch_dialog (data) == NULL;
}

static void
test_switch_batch (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GArray) beta_ids = item_ids (f->store, f->beta_id);
  GtkWindow *dialog;
  LbBatchList *list;
  guint alpha_row;

  lb_ui_test_open_batch (f->window, f->alpha_id);
  lb_test_wait_until (window_is_working, f, WAIT_TIMEOUT_S);
  g_assert_null (switch_dialog (f));

  /* Ctrl+B is the menu's Switch Batch… */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.switch-batch", NULL));
  dialog = switch_dialog (f);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_modal (dialog));
  list = lb_batch_list_dialog_get_list (dialog);
  wait_for_rows (list, 2);
  g_assert_cmpint (lb_batch_list_get_batch_id (list, 0), ==, f->beta_id);
  alpha_row = 1;
  g_assert_cmpint (lb_batch_list_get_batch_id (list, alpha_row), ==, f->alpha_id);
  g_assert_cmpstr (lb_batch_list_get_progress (list, 0), ==, "0 of 2 done");
  /* The keyboard starts on the batch that is not open: Enter switches */
  g_assert_true (gtk_root_get_focus (GTK_ROOT (dialog)) == lb_batch_list_get_row (list, 0));

  /* Closing it (Escape, the close button) changes nothing */
  gtk_window_close (dialog);
  lb_test_wait_until (no_switch_dialog, f, WAIT_TIMEOUT_S);
  g_assert_cmpint (lb_window_get_batch_id (f->window), ==, f->alpha_id);

  /* Again, and pick the other batch */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.switch-batch", NULL));
  dialog = switch_dialog (f);
  g_assert_nonnull (dialog);
  list = lb_batch_list_dialog_get_list (dialog);
  wait_for_rows (list, 2);
  gtk_widget_activate (lb_batch_list_get_row (list, 0));
  lb_test_wait_until (no_switch_dialog, f, WAIT_TIMEOUT_S);
  lb_ui_test_wait_queue (f->window);

  g_assert_cmpint (lb_window_get_batch_id (f->window), ==, f->beta_id);
  g_assert_cmpstr (lb_window_get_title_text (f->window), ==, "beta");
  lb_ui_test_assert_subtitle (f->window, "0 / 2 done");
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==,
                   g_array_index (beta_ids, gint64, 0));
}

/* The application, run in-process on a store made beforehand */

typedef struct {
  LbApplication *app;
  guint64        started_us;
  gboolean       timed_out;
  guint          want_rows;    /* 0: wait for a batch to be open */
  char          *page;
  char          *title;
  guint          n_rows;
} Run;

static gboolean
inspect_cb (gpointer user_data)
{
  Run *run = user_data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  LbWindow *window = LB_IS_WINDOW (active) ? LB_WINDOW (active) : NULL;
  LbBatchList *list = NULL;
  const char *page;

  if (g_get_monotonic_time () - run->started_us > WAIT_TIMEOUT_S * G_USEC_PER_SEC)
    {
      run->timed_out = TRUE;
      g_application_quit (G_APPLICATION (run->app));
      return G_SOURCE_REMOVE;
    }
  if (window == NULL || lb_application_get_opening (run->app))
    return G_SOURCE_CONTINUE;

  page = lb_window_get_page (window);
  list = LB_BATCH_LIST (lb_ui_test_find_widget (GTK_WIDGET (window), LB_TYPE_BATCH_LIST));
  if (run->want_rows == 0
      && !(g_strcmp0 (page, "work") == 0 && lb_window_get_current_item (window) != NULL))
    return G_SOURCE_CONTINUE;
  if (run->want_rows > 0
      && (lb_batch_list_get_loading (list)
          || lb_batch_list_get_n_batches (list) != run->want_rows))
    return G_SOURCE_CONTINUE;

  run->page = g_strdup (page);
  run->title = g_strdup (lb_window_get_title_text (window));
  run->n_rows = lb_batch_list_get_n_batches (list);
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
run_app (Run        *run,
         const char *db,
         const char *last_batch)
{
  const char *argv[] = { "labelbench", "--store", db, "--actor", "Tester", NULL };
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  int status;

  g_settings_set_string (settings, "last-batch", last_batch);
  run->app = lb_application_new ();
  g_application_set_flags (G_APPLICATION (run->app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  run->started_us = g_get_monotonic_time ();
  g_timeout_add (50, inspect_cb, run);
  status = g_application_run (G_APPLICATION (run->app), G_N_ELEMENTS (argv) - 1,
                              (char **) argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_false (run->timed_out);
  lb_test_spin_for (50);
  g_assert_finalize_object (run->app);
  run->app = NULL;
}

static void
run_clear (Run *run)
{
  g_free (run->page);
  g_free (run->title);
}

static void
test_one_batch_opens_at_start (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-welcome");
  g_autofree char *db = g_build_filename (tmpdir, "store.db", NULL);
  g_autofree char *folder = g_build_filename (tmpdir, "only", NULL);
  LbStore *store = lb_test_open_store (db);
  const char *lasts[] = { "", "a-batch-of-another-store" };

  make_folder (tmpdir, "only", 2);
  lb_test_import (store, folder, NULL, 2);
  lb_store_close (store);
  g_object_unref (store);

  /* No last batch, or one this store does not have: its only batch opens */
  for (guint i = 0; i < G_N_ELEMENTS (lasts); i++)
    {
      Run run = { 0 };

      run_app (&run, db, lasts[i]);
      g_assert_cmpstr (run.page, ==, "work");
      g_assert_cmpstr (run.title, ==, "only");
      run_clear (&run);
    }

  lb_test_remove_tree (tmpdir);
}

static void
test_two_batches_wait_at_start (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-welcome");
  g_autofree char *db = g_build_filename (tmpdir, "store.db", NULL);
  LbStore *store = lb_test_open_store (db);
  Run run = { .want_rows = 2 };

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("seat-%u", i + 1);
      g_autofree char *folder = g_build_filename (tmpdir, name, NULL);

      make_folder (tmpdir, name, 1);
      lb_test_import (store, folder, NULL, 1);
    }
  lb_store_close (store);
  g_object_unref (store);

  /* Which one is up to the user: the welcome page lists both */
  run_app (&run, db, "");
  g_assert_cmpstr (run.page, ==, "welcome");
  g_assert_cmpuint (run.n_rows, ==, 2);
  run_clear (&run);

  lb_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, with_batches, func) \
  g_test_add ("/ui/welcome/" path, Fixture, GINT_TO_POINTER (with_batches), fixture_set_up, \
              func, fixture_tear_down)
  ADD ("lists-batches", TRUE, test_lists_batches);
  ADD ("row-opens-batch", TRUE, test_row_opens_batch);
  ADD ("empty-store-hides-list", FALSE, test_empty_store_hides_list);
  ADD ("switch-batch", TRUE, test_switch_batch);
#undef ADD
  g_test_add_func ("/ui/welcome/one-batch-opens-at-start", test_one_batch_opens_at_start);
  g_test_add_func ("/ui/welcome/two-batches-wait-at-start", test_two_batches_wait_at_start);

  return g_test_run ();
}
