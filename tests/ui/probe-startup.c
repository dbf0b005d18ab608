/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "probe-startup"
#include "config.h"

/* Start-up probe (a benchmark, not a test): from "the window asks for its
 * store" to the first item to do painted, on a store of N items (default
 * 1 000 000 texts, the first 1 000 of them done, so the first item to do is
 * not the first of the queue). Opened as the application opens it: the store
 * in a worker thread (with its quick_check), then the batch, whose queue ids
 * are read in a worker thread.
 *
 *   GSK_RENDERER=cairo xvfb-run -a -s "-screen 0 1600x1000x24" \
 *     ./_build/tests/ui/probe-startup [-n 5] [--items 1000000]
 *
 * Target (DESIGN.md): start-up to first item, 1 M-item store, <= 600 ms.
 * The store file stays in the page cache between runs (no cache drop
 * without privileges): these are warm start-ups. */

#include <stdlib.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-store-private.h"
#include "lb-window.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct {
  LbWindow *window;
  LbStore  *store;
  GError   *error;
  gboolean  painted;
} Run;

static void
open_store_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GError *error = NULL;
  LbStore *store = lb_store_open (task_data, LB_STORE_OPEN_DEFAULT, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

static void
store_opened_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;

  run->store = g_task_propagate_pointer (G_TASK (result), &run->error);
}

static void
after_paint_cb (GdkFrameClock *clock,
                Run           *run)
{
  if (lb_window_get_current_item (run->window) != NULL)
    run->painted = TRUE;
}

static void
make_store (const char *dir,
            const char *path,
            guint       n_items,
            gint64     *batch_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(LbSchema) schema = NULL;
  const guint chunk = 50000;
  const char *labels[] = { NULL, NULL };
  LbSubmission sub = { labels };

  if (store == NULL)
    g_error ("%s", error->message);
  if (!_lb_store_ensure_batch (store, "probe", dir, dir, NULL, batch_id, &error))
    g_error ("%s", error->message);
  for (guint first = 0; first < n_items; first += chunk)
    {
      guint n = MIN (chunk, n_items - first);
      g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
      g_autofree LbNewItem *items = g_new0 (LbNewItem, n);
      guint n_added = 0;

      for (guint i = 0; i < n; i++)
        {
          char *text = g_strdup_printf ("Item %u: a comment to review, 一条待审核的评论",
                                        first + i);

          g_ptr_array_add (texts, text);
          items[i] = (LbNewItem) { text, LB_ITEM_KIND_TEXT, NULL, text, NULL, ZERO_HASH };
        }
      if (!_lb_store_insert_items (store, *batch_id, items, n, &n_added, NULL, &error))
        g_error ("%s", error->message);
    }

  schema = lb_store_get_batch_schema (store, *batch_id, &error);
  labels[0] = lb_schema_get_label (schema, 0)->id;
  ids = lb_store_list_item_ids (store, *batch_id, LB_ITEM_FILTER_ALL, &error);
  for (guint i = 0; i < MIN (1000u, ids->len); i++)
    if (!lb_store_submit (store, g_array_index (ids, gint64, i), "probe", &sub, &error))
      g_error ("%s", error->message);
  lb_store_close (store);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
print_figure (const char *what,
              GArray     *us)
{
  g_array_sort (us, compare_gint64);
  g_print ("  %-32s median %6.0f ms   max %6.0f ms\n", what,
           g_array_index (us, gint64, us->len / 2) / 1000.0,
           g_array_index (us, gint64, us->len - 1) / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  int n_runs = 5, n_items = 1000000;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) open_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) queue_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) first_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *tmpdir = NULL;
  g_autofree char *path = NULL;
  gint64 batch_id = 0;
  gint64 start;
  const GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &n_runs, "Start-ups to time (5)", "N" },
    { "items", 0, 0, G_OPTION_ARG_INT, &n_items, "Items in the store (1000000)", "N" },
    { NULL }
  };

  context = g_option_context_new ("- start-up probe");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  n_runs = CLAMP (n_runs, 1, 100);
  n_items = CLAMP (n_items, 2000, 10000000);

  gtk_init ();
  adw_init ();

  tmpdir = g_dir_make_tmp ("lb-probe-startup-XXXXXX", &error);
  if (tmpdir == NULL)
    g_error ("%s", error->message);
  path = g_build_filename (tmpdir, "store.db", NULL);
  g_print ("Making a store of %d text items (1000 done)...\n", n_items);
  start = g_get_monotonic_time ();
  make_store (tmpdir, path, n_items, &batch_id);
  g_print ("  done in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);

  for (int i = 0; i < n_runs; i++)
    {
      Run run = { 0 };
      g_autoptr(GTask) task = NULL;
      gint64 t0, t_open, t_queue, t_first;

      t0 = g_get_monotonic_time ();
      run.window = g_object_ref (lb_window_new (NULL));
      gtk_window_set_default_size (GTK_WINDOW (run.window), 1400, 900);
      gtk_window_present (GTK_WINDOW (run.window));
      task = g_task_new (NULL, NULL, store_opened_cb, &run);
      g_task_set_task_data (task, g_strdup (path), g_free);
      g_task_run_in_thread (task, open_store_thread);
      while (run.store == NULL && run.error == NULL)
        g_main_context_iteration (NULL, TRUE);
      if (run.error != NULL)
        g_error ("%s", run.error->message);
      t_open = g_get_monotonic_time ();

      lb_window_set_store (run.window, run.store);
      lb_window_set_actor (run.window, "probe");
      if (!lb_window_open_batch (run.window, batch_id, &error))
        g_error ("%s", error->message);
      while (lb_window_get_queue_loading (run.window))
        g_main_context_iteration (NULL, TRUE);
      t_queue = g_get_monotonic_time ();

      g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (run.window)), "after-paint",
                        G_CALLBACK (after_paint_cb), &run);
      gtk_widget_queue_draw (GTK_WIDGET (run.window));
      while (!run.painted)
        g_main_context_iteration (NULL, TRUE);
      t_first = g_get_monotonic_time ();

      g_array_append_val (open_us, (gint64) { t_open - t0 });
      g_array_append_val (queue_us, (gint64) { t_queue - t0 });
      g_array_append_val (first_us, (gint64) { t_first - t0 });
      g_print ("  run %d: store open %.0f ms, queue loaded %.0f ms, first item painted %.0f ms\n",
               i + 1, (t_open - t0) / 1000.0, (t_queue - t0) / 1000.0, (t_first - t0) / 1000.0);

      g_signal_handlers_disconnect_by_data (gtk_widget_get_frame_clock (GTK_WIDGET (run.window)),
                                            &run);
      gtk_window_destroy (GTK_WINDOW (run.window));
      g_object_unref (run.window);
      lb_store_close (run.store);
      g_object_unref (run.store);
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
    }

  g_print ("Start-up, %d items (warm page cache), %d runs:\n", n_items, n_runs);
  print_figure ("store open (worker thread)", open_us);
  print_figure ("queue loaded", queue_us);
  print_figure ("first item painted", first_us);
  g_print ("  target: first item <= 600 ms\n");

  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_autofree char *lock = g_strconcat (path, ".lock", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_unlink (lock);
    g_rmdir (tmpdir);
  }
  return 0;
}
