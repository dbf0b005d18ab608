/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-application"
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-application.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"

/* The GUI's command line, run in-process: options, the store opening
 * (with its errors shown in the window) and --demo. */

#define WAIT_TIMEOUT_S 20

typedef struct {
  LbApplication *app;
  char          *page;
  char          *error_text;
  char          *title;
  char          *subtitle;
  char          *actor;
  gboolean       timed_out;
  guint64        started_us;
  const char    *want_page;   /* wait for this page, or NULL: the first settled one */
} Run;

static gboolean
inspect_cb (gpointer user_data)
{
  Run *run = user_data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  LbWindow *window = LB_IS_WINDOW (active) ? LB_WINDOW (active) : NULL;
  const char *page = window ? lb_window_get_page (window) : NULL;

  if (g_get_monotonic_time () - run->started_us > WAIT_TIMEOUT_S * G_USEC_PER_SEC)
    run->timed_out = TRUE;
  else if (window == NULL || lb_application_get_opening (run->app)
           || g_strcmp0 (page, "import") == 0
           || (g_strcmp0 (page, "work") == 0
               && (lb_window_get_current_item (window) == NULL
                   /* the progress is counted in a worker thread */
                   || g_strcmp0 (lb_window_get_subtitle (window), "") == 0))
           || (run->want_page != NULL && g_strcmp0 (page, run->want_page) != 0))
    return G_SOURCE_CONTINUE;

  if (window != NULL)
    {
      run->page = g_strdup (page);
      run->error_text = g_strdup (lb_window_get_error_text (window));
      run->title = g_strdup (lb_window_get_title_text (window));
      run->subtitle = g_strdup (lb_window_get_subtitle (window));
      run->actor = g_strdup (lb_window_get_actor (window));
    }
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
run_app (Run        *run,
         const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  g_ptr_array_add (argv, (char *) "labelbench");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  run->app = lb_application_new ();
  /* Several runs in one test process */
  g_application_set_flags (G_APPLICATION (run->app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  run->started_us = g_get_monotonic_time ();
  g_timeout_add (50, inspect_cb, run);
  status = g_application_run (G_APPLICATION (run->app), argv->len - 1, (char **) argv->pdata);
  g_assert_cmpint (status, ==, 0);
  g_assert_false (run->timed_out);
  g_assert_finalize_object (run->app);
  run->app = NULL;
}

static void
run_clear (Run *run)
{
  g_free (run->page);
  g_free (run->error_text);
  g_free (run->title);
  g_free (run->subtitle);
  g_free (run->actor);
}

static void
test_corrupt_store (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app");
  g_autofree char *db = g_build_filename (tmpdir, "broken.db", NULL);
  const char *args[] = { "--store", db, "--actor", "Tester", NULL };
  Run run = { 0 };

  g_file_set_contents (db, "not a database, just text that pretends to be one\n", -1, &error);
  g_assert_no_error (error);

  run_app (&run, args);

  /* The window says what is wrong with the store, in the engine's words */
  g_assert_cmpstr (run.page, ==, "error");
  g_assert_nonnull (run.error_text);
  g_assert_nonnull (strstr (run.error_text, "broken.db"));
  /* ... and what to do next */
  g_assert_nonnull (strstr (run.error_text, "Restore it from a backup"));
  g_assert_nonnull (strstr (run.error_text, "labelbench-cli verify --store"));
  run_clear (&run);

  lb_test_remove_tree (tmpdir);
}

/* A store whose pages are damaged opens quickly (its integrity check runs
 * after opening, in the store's writer thread); then the window says it is
 * damaged and what to do, and the file is left as it was */
static void
test_damaged_store (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app");
  g_autofree char *db = g_build_filename (tmpdir, "damaged.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before = 0, len_after = 0;
  const char *args[] = { "--store", db, "--actor", "Tester", NULL };
  Run run = { .want_page = "error" };

  lb_test_make_damaged_store (db);
  g_assert_true (g_file_get_contents (db, &before, &len_before, NULL));

  run_app (&run, args);
  g_assert_cmpstr (run.page, ==, "error");
  g_assert_nonnull (strstr (run.error_text, "damaged.db"));
  g_assert_nonnull (strstr (run.error_text, "is damaged"));
  g_assert_nonnull (strstr (run.error_text, "Restore it from a backup"));
  run_clear (&run);

  g_assert_true (g_file_get_contents (db, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
  lb_test_remove_tree (tmpdir);
}

static void
test_store_in_use (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app");
  g_autofree char *db = g_build_filename (tmpdir, "busy.db", NULL);
  const char *args[] = { "--store", db, "--actor", "Tester", NULL };
  LbStore *other;
  Run run = { 0 };

  /* Someone else has the store open for writing */
  other = lb_test_open_store (db);

  run_app (&run, args);
  g_assert_cmpstr (run.page, ==, "error");
  g_assert_nonnull (run.error_text);
  g_assert_nonnull (strstr (run.error_text, "Close the other Labelbench window"));
  run_clear (&run);

  lb_store_close (other);
  g_object_unref (other);
  lb_test_remove_tree (tmpdir);
}

static void
test_demo_and_actor (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app");
  g_autofree char *db = g_build_filename (tmpdir, "store.db", NULL);
  g_autofree char *demo = g_build_filename (tmpdir, "little-demo", NULL);
  const char *args[] = { "--store", db, "--actor", "Scripted", "--demo", NULL };
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *saved_actor = NULL;
  g_autofree char *last_batch = NULL;
  Run run = { 0 };

  g_assert_cmpint (g_mkdir (demo, 0700), ==, 0);
  lb_test_write_file (demo, "a.txt", "first", -1);
  lb_test_write_file (demo, "b.txt", "第二", -1);
  g_setenv ("LABELBENCH_DEMO_DIR", demo, TRUE);

  run_app (&run, args);

  g_assert_cmpstr (run.page, ==, "work");
  g_assert_cmpstr (run.title, ==, "little-demo");
  g_assert_cmpstr (run.subtitle, ==, "0 / 2 done");
  g_assert_cmpstr (run.actor, ==, "Scripted");
  run_clear (&run);

  /* --actor is not saved; the opened batch is remembered */
  settings = g_settings_new (APP_ID);
  saved_actor = g_settings_get_string (settings, "actor");
  g_assert_cmpstr (saved_actor, ==, "");
  last_batch = g_settings_get_string (settings, "last-batch");
  g_assert_cmpstr (last_batch, ==, "little-demo");

  /* The next start reopens it without importing */
  {
    const char *again[] = { "--store", db, "--actor", "Scripted", NULL };
    Run run2 = { 0 };

    run_app (&run2, again);
    g_assert_cmpstr (run2.page, ==, "work");
    g_assert_cmpstr (run2.title, ==, "little-demo");
    run_clear (&run2);
  }

  g_unsetenv ("LABELBENCH_DEMO_DIR");
  lb_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/application/corrupt-store", test_corrupt_store);
  g_test_add_func ("/ui/application/damaged-store", test_damaged_store);
  g_test_add_func ("/ui/application/store-in-use", test_store_in_use);
  g_test_add_func ("/ui/application/demo-and-actor", test_demo_and_actor);

  return g_test_run ();
}
