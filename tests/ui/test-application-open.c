/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-application-open"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-application.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"

/* How the GUI opens its store: a second launch (while a first labelbench
 * process runs) keeps its own --store, --actor and --demo; the store opens
 * in a worker thread while the main loop keeps running; errors end on the
 * error page with what to do next. The application keeps the flags of
 * lb_application_new() here: these tests are about them. */

#define WAIT_TIMEOUT_S 60

typedef struct _Run Run;
/* One look at the window every TICK_MS; TRUE when the run is over */
typedef gboolean (*StepFunc) (Run      *run,
                              LbWindow *window);

#define TICK_MS 20

struct _Run {
  LbApplication *app;
  StepFunc       step;
  guint          tick_id;
  guint64        started_us;
  gboolean       timed_out;
  gboolean       finished;
  int            state;

  /* what was seen */
  char          *page;
  char          *error_text;
  char          *actor;
  guint          n_ticks_opening;
  gboolean       saw_opening_page;
  guint          n_item_changed;
  GThread       *item_changed_thread;
  const char    *fifo;
  gint           fifo_written;     /* atomic */
  gint           watchdog_fired;   /* atomic */
};

static LbWindow *
find_window (LbApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (LB_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
record (Run      *run,
        LbWindow *window)
{
  g_free (run->page);
  run->page = g_strdup (lb_window_get_page (window));
  g_free (run->error_text);
  run->error_text = g_strdup (lb_window_get_error_text (window));
  g_free (run->actor);
  run->actor = g_strdup (lb_window_get_actor (window));
}

static gboolean
tick_cb (gpointer user_data)
{
  Run *run = user_data;
  LbWindow *window = find_window (run->app);

  if (g_get_monotonic_time () - run->started_us > WAIT_TIMEOUT_S * G_USEC_PER_SEC)
    run->timed_out = TRUE;
  else if (window == NULL || !run->step (run, window))
    return G_SOURCE_CONTINUE;

  if (window != NULL)
    record (run, window);
  run->finished = TRUE;
  run->tick_id = 0;
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
run_app (Run        *run,
         StepFunc    step,
         const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  g_ptr_array_add (argv, (char *) "labelbench");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  run->app = lb_application_new ();
  run->step = step;
  run->started_us = g_get_monotonic_time ();
  run->tick_id = g_timeout_add (TICK_MS, tick_cb, run);
  status = g_application_run (G_APPLICATION (run->app), argv->len - 1, (char **) argv->pdata);
  g_clear_handle_id (&run->tick_id, g_source_remove);
  g_assert_cmpint (status, ==, 0);
  g_assert_false (run->timed_out);
  /* This launch had a window of its own (it was not handed to the first one) */
  g_assert_true (run->finished);
  g_assert_finalize_object (run->app);
  run->app = NULL;
}

static void
run_clear (Run *run)
{
  g_free (run->page);
  g_free (run->error_text);
  g_free (run->actor);
}

static void
first_exited_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* The first launch: the real labelbench, until its store's lock file names it */
static GSubprocess *
start_first_launch (const char *db)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gui = g_test_build_filename (G_TEST_BUILT, "..", "ui", "labelbench", NULL);
  g_autofree char *lock = g_strconcat (db, ".lock", NULL);
  GSubprocess *first;
  const char *pid;
  static gboolean exited;
  guint64 start = g_get_monotonic_time ();

  g_assert_true (g_file_test (gui, G_FILE_TEST_IS_EXECUTABLE));
  first = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                            gui, "--store", db, "--actor", "Ann", NULL);
  g_assert_no_error (error);
  pid = g_subprocess_get_identifier (first);
  g_subprocess_wait_async (first, NULL, first_exited_cb, &exited);

  for (;;)
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (lock, &contents, NULL, NULL)
          && g_str_has_prefix (contents, pid))
        break;
      g_assert_cmpint (g_get_monotonic_time () - start, <, WAIT_TIMEOUT_S * G_USEC_PER_SEC);
      g_assert_false (exited);  /* the first launch must keep running */
      lb_test_spin_for (50);
    }
  return first;
}

static void
stop_first_launch (GSubprocess *first)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (first, SIGTERM);
  g_subprocess_wait (first, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (first);
}

static void
item_changed_cb (LbStore *store,
                 gint64   item_id,
                 Run     *run)
{
  run->n_item_changed++;
  run->item_changed_thread = g_thread_self ();
}

/* Waits for the demo batch, skips its first item, waits until it is saved */
static gboolean
skip_first_step (Run      *run,
                 LbWindow *window)
{
  switch (run->state)
    {
    case 0:
      if (lb_application_get_opening (run->app)
          || g_strcmp0 (lb_window_get_page (window), "work") != 0
          || lb_window_get_current_item (window) == NULL)
        return FALSE;
      g_signal_connect (lb_application_get_store (run->app), "item-changed",
                        G_CALLBACK (item_changed_cb), run);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.skip", NULL));
      run->state = 1;
      return FALSE;
    default:
      return run->n_item_changed > 0 && lb_window_get_n_pending (window) == 0;
    }
}

static gboolean
settled_step (Run      *run,
              LbWindow *window)
{
  return !lb_application_get_opening (run->app)
         && g_strcmp0 (lb_window_get_page (window), "import") != 0;
}

typedef struct {
  guint  n;
  char  *actors;
} Events;

static gboolean
collect_event_cb (const LbEvent *event,
                  gpointer       user_data,
                  GError       **error)
{
  Events *events = user_data;
  char *joined = g_strconcat (events->actors ? events->actors : "", events->n ? "," : "",
                              event->actor, NULL);

  g_free (events->actors);
  events->actors = joined;
  events->n++;
  return TRUE;
}

static void
read_events (const char *db,
             Events     *events)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = lb_store_open (db, LB_STORE_OPEN_READ_ONLY, &error);

  g_assert_no_error (error);
  g_assert_true (lb_store_foreach_event (store, 0, collect_event_cb, events, &error));
  g_assert_no_error (error);
  lb_store_close (store);
}

static void
test_second_launch (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app-open");
  g_autofree char *s1 = g_build_filename (tmpdir, "s1.db", NULL);
  g_autofree char *s2 = g_build_filename (tmpdir, "s2.db", NULL);
  g_autofree char *demo = g_build_filename (tmpdir, "little-demo", NULL);
  GSubprocess *first;
  Events events1 = { 0 }, events2 = { 0 };

  g_assert_cmpint (g_mkdir (demo, 0700), ==, 0);
  lb_test_write_file (demo, "a.txt", "first", -1);
  lb_test_write_file (demo, "b.txt", "second", -1);
  g_setenv ("LABELBENCH_DEMO_DIR", demo, TRUE);

  /* labelbench --store s1.db --actor Ann, still running */
  first = start_first_launch (s1);

  /* labelbench --store s2.db --actor Bob --demo: its own store, its own name */
  {
    const char *args[] = { "--store", s2, "--actor", "Bob", "--demo", NULL };
    Run run = { 0 };

    run_app (&run, skip_first_step, args);
    g_assert_cmpstr (run.page, ==, "work");
    g_assert_cmpstr (run.actor, ==, "Bob");
    /* The store opened in a worker thread; its signals still come to the main thread */
    g_assert_cmpuint (run.n_item_changed, >, 0);
    g_assert_true (run.item_changed_thread == g_thread_self ());
    run_clear (&run);
  }
  g_assert_true (g_file_test (s2, G_FILE_TEST_IS_REGULAR));
  read_events (s2, &events2);
  g_assert_cmpuint (events2.n, ==, 1);
  g_assert_cmpstr (events2.actors, ==, "Bob");

  /* labelbench --store s1.db --actor Bob: told clearly that s1.db is in use */
  {
    const char *args[] = { "--store", s1, "--actor", "Bob", NULL };
    Run run = { 0 };

    run_app (&run, settled_step, args);
    g_assert_cmpstr (run.page, ==, "error");
    g_assert_nonnull (strstr (run.error_text, "s1.db"));
    g_assert_nonnull (strstr (run.error_text, "Close the other Labelbench window"));
    run_clear (&run);
  }

  /* Nothing of Bob's went into the first launch's store */
  read_events (s1, &events1);
  g_assert_cmpuint (events1.n, ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(LbStore) store = lb_store_open (s1, LB_STORE_OPEN_READ_ONLY, &error);
    g_autoptr(LbBatch) batch = NULL;

    g_assert_no_error (error);
    batch = lb_store_find_batch (store, "little-demo", NULL);
    g_assert_null (batch);
    lb_store_close (store);
  }

  stop_first_launch (first);
  g_free (events1.actors);
  g_free (events2.actors);
  g_unsetenv ("LABELBENCH_DEMO_DIR");
  lb_test_remove_tree (tmpdir);
}

static const char garbage[] = "this is not an SQLite database, not at all";

/* TRUE once GARBAGE went into the FIFO (FALSE: nobody reads it yet) */
static gboolean
feed_fifo (const char *fifo)
{
  int fd = g_open (fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);

  if (fd < 0)
    {
      g_assert_cmpint (errno, ==, ENXIO);  /* no reader yet */
      return FALSE;
    }
  g_assert_cmpint (write (fd, garbage, sizeof garbage), ==, sizeof garbage);
  close (fd);
  return TRUE;
}

/* Should the opener block the main thread, the ticks never come: this
 * thread then unblocks it after a while, so that the test fails instead of
 * hanging. */
static gpointer
watchdog_thread (gpointer data)
{
  Run *run = data;

  for (guint i = 0; i < 200; i++)
    {
      if (g_atomic_int_get (&run->fifo_written))
        return NULL;
      g_usleep (50 * 1000);
    }
  g_atomic_int_set (&run->watchdog_fired, TRUE);
  while (!g_atomic_int_get (&run->fifo_written))
    {
      if (feed_fifo (run->fifo))
        g_atomic_int_set (&run->fifo_written, TRUE);
      else
        g_usleep (50 * 1000);
    }
  return NULL;
}

/* The store is a FIFO: opening it blocks the opener until the test writes
 * into it. Meanwhile the main loop must keep running and the window must
 * show the opening page; then the garbage written makes it a damaged store. */
static gboolean
blocked_open_step (Run      *run,
                   LbWindow *window)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));

  switch (run->state)
    {
    case 0:
      g_assert_true (lb_application_get_opening (run->app));
      g_assert_null (lb_application_get_store (run->app));
      g_assert_cmpstr (gtk_widget_get_name (content), ==, "lb-opening");
      {
        GtkWidget *page = gtk_widget_get_last_child (content);

        g_assert_true (ADW_IS_STATUS_PAGE (page));
        g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==,
                         "Opening the Store…");
        run->saw_opening_page = TRUE;
      }
      if (++run->n_ticks_opening < 10)
        return FALSE;
      /* The opener waits in open(2) for a writer; let it read garbage */
      if (g_atomic_int_get (&run->watchdog_fired) || !feed_fifo (run->fifo))
        return FALSE;
      g_atomic_int_set (&run->fifo_written, TRUE);
      run->state = 1;
      return FALSE;
    default:
      if (lb_application_get_opening (run->app))
        return FALSE;
      /* The window has its own content back */
      g_assert_cmpstr (gtk_widget_get_name (content), !=, "lb-opening");
      return TRUE;
    }
}

static void
test_open_in_thread (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app-open");
  g_autofree char *fifo = g_build_filename (tmpdir, "slow.db", NULL);
  const char *args[] = { "--store", fifo, "--actor", "Tester", NULL };
  GThread *watchdog;
  Run run = { 0 };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  run.fifo = fifo;
  watchdog = g_thread_new ("watchdog", watchdog_thread, &run);
  run_app (&run, blocked_open_step, args);
  g_thread_join (watchdog);
  g_assert_false (g_atomic_int_get (&run.watchdog_fired));

  /* The main loop ran for ten ticks while the store was being opened */
  g_assert_true (run.saw_opening_page);
  g_assert_cmpuint (run.n_ticks_opening, >=, 10);

  /* ... and the error ends on the error page, with the next step */
  g_assert_cmpstr (run.page, ==, "error");
  g_assert_nonnull (strstr (run.error_text, "slow.db"));
  g_assert_nonnull (strstr (run.error_text, "The file was left untouched"));
  g_assert_nonnull (strstr (run.error_text, "labelbench-cli verify --store"));
  run_clear (&run);

  lb_test_remove_tree (tmpdir);
}

/* Closing the window while the store is still being opened: the
 * application waits for the open in its shutdown, then closes the store. */
static gboolean
feed_when_closed_cb (gpointer user_data)
{
  Run *run = user_data;

  if (run->state == 0 || !feed_fifo (run->fifo))
    return G_SOURCE_CONTINUE;
  g_atomic_int_set (&run->fifo_written, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
close_while_opening_step (Run      *run,
                          LbWindow *window)
{
  if (++run->n_ticks_opening < 3)
    return FALSE;
  g_assert_true (lb_application_get_opening (run->app));
  run->state = 1;
  run->finished = TRUE;
  gtk_window_destroy (GTK_WINDOW (window));
  return FALSE;
}

static void
test_close_while_opening (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-app-open");
  g_autofree char *fifo = g_build_filename (tmpdir, "slow.db", NULL);
  const char *args[] = { "--store", fifo, "--actor", "Tester", NULL };
  GThread *watchdog;
  Run run = { 0 };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  run.fifo = fifo;
  watchdog = g_thread_new ("watchdog", watchdog_thread, &run);
  /* removes itself once it has fed the FIFO, which must happen */
  g_timeout_add (TICK_MS, feed_when_closed_cb, &run);
  /* The run ends with the window: exit status 0, the application finalized */
  run_app (&run, close_while_opening_step, args);
  g_assert_true (g_atomic_int_get (&run.fifo_written));
  g_thread_join (watchdog);
  g_assert_false (g_atomic_int_get (&run.watchdog_fired));
  run_clear (&run);

  lb_test_remove_tree (tmpdir);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/application/open-in-thread", test_open_in_thread);
  g_test_add_func ("/ui/application/second-launch", test_second_launch);
  g_test_add_func ("/ui/application/close-while-opening", test_close_while_opening);

  return g_test_run ();
}
