/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-item-list"
#include "config.h"

#include <glib/gstdio.h>

#include "lb-item-list.h"
#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

#define N_ITEMS 10

typedef struct {
  char    *dir;
  char    *path;
  LbStore *store;
  gint64   batch_id;
  gint64   other_batch_id;
  gint64   ids[N_ITEMS];
} Fixture;

typedef struct {
  guint position;
  guint removed;
  guint added;
} Change;

static void
insert_items (LbStore    *store,
              gint64      batch_id,
              const char *prefix,
              guint       first,
              guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  LbNewItem *items = g_new0 (LbNewItem, n);
  guint n_added = 0;

  for (guint i = 0; i < n; i++)
    {
      char *name = g_strdup_printf ("%s-%07u", prefix, first + i);
      g_ptr_array_add (names, name);
      items[i] = (LbNewItem) { name, LB_ITEM_KIND_TEXT, NULL, name, NULL,
                               "0000000000000000000000000000000000000000000000000000000000000000" };
    }
  g_assert_true (_lb_store_insert_items (store, batch_id, items, n, &n_added, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_added, ==, n);
  g_free (items);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;

  f->dir = lb_test_make_tmpdir ("test-item-list");
  f->path = g_build_filename (f->dir, "store.db", NULL);
  f->store = lb_test_open_store (f->path);

  g_assert_true (_lb_store_ensure_batch (f->store, "main", f->dir, f->dir, NULL, &f->batch_id,
                                         &error));
  g_assert_true (_lb_store_ensure_batch (f->store, "other", f->dir, f->dir, NULL,
                                         &f->other_batch_id, &error));
  g_assert_no_error (error);
  insert_items (f->store, f->batch_id, "m", 0, N_ITEMS);
  insert_items (f->store, f->other_batch_id, "o", 0, 3);

  ids = lb_store_list_item_ids (f->store, f->batch_id, LB_ITEM_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, N_ITEMS);
  for (guint i = 0; i < N_ITEMS; i++)
    f->ids[i] = g_array_index (ids, gint64, i);
  lb_test_pump ();
}

static gboolean
store_gone (gpointer data)
{
  return ((Fixture *) data)->store == NULL;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  lb_store_close (f->store);
  /* a load a later filter cancelled may still hold the store in its thread */
  g_object_add_weak_pointer (G_OBJECT (f->store), (gpointer *) &f->store);
  g_object_unref (f->store);
  lb_test_wait_until (store_gone, f, 30);
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
record_cb (GListModel *model,
           guint       position,
           guint       removed,
           guint       added,
           GArray     *changes)
{
  Change c = { position, removed, added };

  g_array_append_val (changes, c);
}

static GArray *
record (LbItemList *list)
{
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (Change));

  g_signal_connect_data (list, "items-changed", G_CALLBACK (record_cb), changes, NULL, 0);
  return changes;
}

static void
assert_change (GArray *changes,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  Change *c;

  g_assert_cmpuint (changes->len, >, index);
  c = &g_array_index (changes, Change, index);
  g_assert_cmpuint (c->position, ==, position);
  g_assert_cmpuint (c->removed, ==, removed);
  g_assert_cmpuint (c->added, ==, added);
}

static void
label (Fixture *f,
       gint64   item_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = lb_store_get_batch_schema (f->store, f->batch_id, &error);
  const char *labels[] = { lb_schema_get_label (schema, 0)->id, NULL };
  LbSubmission sub = { .labels = labels };

  g_assert_true (lb_store_submit (f->store, item_id, "ann", &sub, &error));
  g_assert_no_error (error);
  lb_test_pump ();
}

static void
undo (Fixture *f,
      gint64   item_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_undo (f->store, item_id, "ann", &error));
  g_assert_no_error (error);
  lb_test_pump ();
}

static void
test_positions (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(LbItemList) list =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_ALL));
  g_autoptr(LbItemList) all =
    lb_test_wait_list (lb_item_list_new (f->store, 0, LB_ITEM_FILTER_ALL));
  guint position = 0;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == LB_TYPE_ITEM);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_ITEMS);
  g_assert_true (lb_item_list_get_store (list) == f->store);
  g_assert_cmpint (lb_item_list_get_batch_id (list), ==, f->batch_id);
  g_assert_cmpint (lb_item_list_get_filter (list), ==, LB_ITEM_FILTER_ALL);

  for (guint i = 0; i < N_ITEMS; i++)
    {
      g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_autoptr(LbItem) again = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_autofree char *name = g_strdup_printf ("m-%07u", i);

      g_assert_cmpint (lb_item_get_id (item), ==, f->ids[i]);
      g_assert_cmpstr (lb_item_get_external_id (item), ==, name);
      g_assert_true (item == again);   /* cached */
      g_assert_true (lb_item_list_find (list, f->ids[i], &position));
      g_assert_cmpuint (position, ==, i);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), N_ITEMS));
  g_assert_false (lb_item_list_find (list, 424242, &position));

  /* all batches: batch, then import order */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (all)), ==, N_ITEMS + 3);
  {
    g_autoptr(LbItem) last = g_list_model_get_item (G_LIST_MODEL (all), N_ITEMS + 2);
    g_assert_cmpstr (lb_item_get_batch_name (last), ==, "other");
  }
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(LbItemList) todo =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_TODO));
  g_autoptr(LbItemList) done =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_DONE));
  g_autoptr(LbItemList) all =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_ALL));
  g_autoptr(GArray) todo_changes = record (todo);
  g_autoptr(GArray) done_changes = record (done);
  g_autoptr(GArray) all_changes = record (all);
  guint position = 0;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (done)), ==, 0);

  /* warm the cache, so the change must invalidate it */
  {
    g_autoptr(LbItem) warm = g_list_model_get_item (G_LIST_MODEL (all), 3);
    g_assert_cmpint (lb_item_get_state (warm), ==, LB_ITEM_STATE_TODO);
  }

  label (f, f->ids[3]);
  assert_change (todo_changes, 0, 3, 1, 0);
  assert_change (done_changes, 0, 0, 0, 1);
  assert_change (all_changes, 0, 3, 1, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS - 1);
  g_assert_false (lb_item_list_find (todo, f->ids[3], NULL));
  {
    g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (all), 3);
    g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  }

  label (f, f->ids[7]);
  assert_change (todo_changes, 1, 6, 1, 0);
  assert_change (done_changes, 1, 1, 0, 1);
  {
    g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (done), 1);
    g_assert_cmpint (lb_item_get_id (item), ==, f->ids[7]);
  }

  /* labelled again: stays done, changes in place */
  label (f, f->ids[7]);
  assert_change (done_changes, 2, 1, 1, 1);
  g_assert_cmpuint (todo_changes->len, ==, 2);

  /* undo twice: back into to do, at its queue position */
  undo (f, f->ids[7]);
  g_assert_cmpuint (todo_changes->len, ==, 2);
  undo (f, f->ids[7]);
  assert_change (todo_changes, 2, 6, 0, 1);
  assert_change (done_changes, 4, 1, 1, 0);
  g_assert_true (lb_item_list_find (todo, f->ids[7], &position));
  g_assert_cmpuint (position, ==, 6);

  undo (f, f->ids[3]);
  assert_change (todo_changes, 3, 3, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (done)), ==, 0);

  /* the last item leaves and comes back at the end */
  label (f, f->ids[N_ITEMS - 1]);
  assert_change (todo_changes, 4, N_ITEMS - 1, 1, 0);
  undo (f, f->ids[N_ITEMS - 1]);
  assert_change (todo_changes, 5, N_ITEMS - 1, 0, 1);
  g_assert_true (lb_item_list_find (todo, f->ids[N_ITEMS - 1], &position));
  g_assert_cmpuint (position, ==, N_ITEMS - 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS);

  /* a skip keeps the item in to do */
  {
    g_autoptr(GError) error = NULL;
    g_assert_true (lb_store_skip (f->store, f->ids[0], "ann", 0, &error));
    lb_test_pump ();
    assert_change (todo_changes, 6, 0, 1, 1);
  }
}

static void
test_other_batch (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItemList) todo =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_TODO));
  g_autoptr(LbItemList) every =
    lb_test_wait_list (lb_item_list_new (f->store, 0, LB_ITEM_FILTER_TODO));
  g_autoptr(GArray) changes = record (todo);
  g_autoptr(GArray) every_changes = record (every);
  g_autoptr(GArray) other_ids = lb_store_list_item_ids (f->store, f->other_batch_id,
                                                        LB_ITEM_FILTER_ALL, &error);
  g_autoptr(LbSchema) schema = lb_store_get_batch_schema (f->store, f->other_batch_id, &error);
  const char *labels[] = { lb_schema_get_label (schema, 0)->id, NULL };
  LbSubmission sub = { .labels = labels };

  g_assert_true (lb_store_submit (f->store, g_array_index (other_ids, gint64, 1), "ann", &sub,
                                  &error));
  g_assert_no_error (error);
  lb_test_pump ();
  g_assert_cmpuint (changes->len, ==, 0);
  /* the all-batches list removes it at its position: after the main batch */
  assert_change (every_changes, 0, N_ITEMS + 1, 1, 0);

  insert_items (f->store, f->other_batch_id, "o", 100, 2);
  lb_test_pump ();
  g_assert_cmpuint (changes->len, ==, 0);
  assert_change (every_changes, 1, N_ITEMS + 2, 0, 2);

  /* items added to the main batch land between the batches */
  insert_items (f->store, f->batch_id, "m", 100, 1);
  lb_test_pump ();
  assert_change (every_changes, 2, N_ITEMS, 0, 1);
}

static void
test_items_added (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(LbItemList) todo =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_TODO));
  g_autoptr(LbItemList) done =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_DONE));
  g_autoptr(GArray) changes = record (todo);
  g_autoptr(GArray) done_changes = record (done);

  label (f, f->ids[2]);
  label (f, f->ids[N_ITEMS - 1]);   /* the last one is done: not in the to-do list */
  g_array_set_size (changes, 0);

  insert_items (f->store, f->batch_id, "m", 1000, 3);
  lb_test_pump ();
  g_assert_cmpuint (changes->len, ==, 1);
  assert_change (changes, 0, N_ITEMS - 2, 0, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS + 1);
  g_assert_false (lb_item_list_find (todo, f->ids[N_ITEMS - 1], NULL));
  {
    g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (todo), N_ITEMS);
    g_assert_cmpstr (lb_item_get_external_id (item), ==, "m-0001002");
  }
  g_assert_cmpuint (done_changes->len, ==, 2);

  /* the list equals a fresh listing */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) fresh = lb_store_list_item_ids (f->store, f->batch_id,
                                                      LB_ITEM_FILTER_TODO, &error);
    g_assert_cmpuint (fresh->len, ==, g_list_model_get_n_items (G_LIST_MODEL (todo)));
    for (guint i = 0; i < fresh->len; i++)
      {
        g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (todo), i);
        g_assert_cmpint (lb_item_get_id (item), ==, g_array_index (fresh, gint64, i));
      }
  }
}

static void
test_set_filter (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(LbItemList) list =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_ALL));
  g_autoptr(GArray) changes = record (list);
  g_autoptr(GError) error = NULL;
  LbSubmission esc = { .decision = "escalate" };

  label (f, f->ids[1]);
  label (f, f->ids[4]);
  g_assert_true (lb_store_submit (f->store, f->ids[5], "ann", &esc, &error));
  g_assert_no_error (error);
  lb_test_pump ();
  g_array_set_size (changes, 0);

  /* the ids of the old filter stay until the new ones are read; then one
   * items-changed over the part that differs */
  lb_item_list_set_filter (list, LB_ITEM_FILTER_DONE);
  g_assert_cmpint (lb_item_list_get_filter (list), ==, LB_ITEM_FILTER_DONE);
  g_assert_true (lb_item_list_get_loading (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_ITEMS);
  lb_test_wait_list (list);
  assert_change (changes, 0, 0, N_ITEMS, 3);

  lb_item_list_set_filter (list, LB_ITEM_FILTER_FLAGGED);
  lb_test_wait_list (list);
  assert_change (changes, 1, 0, 2, 0);   /* 1, 4, 5 → 5 */
  {
    g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (list), 0);
    g_assert_cmpint (lb_item_get_id (item), ==, f->ids[5]);
    g_assert_true (lb_item_get_flagged (item));
  }

  lb_item_list_set_filter (list, LB_ITEM_FILTER_TODO);
  lb_test_wait_list (list);
  assert_change (changes, 2, 0, 1, N_ITEMS - 3);

  /* the same filter again: nothing */
  lb_item_list_set_filter (list, LB_ITEM_FILTER_TODO);
  g_assert_false (lb_item_list_get_loading (list));
  g_assert_cmpuint (changes->len, ==, 3);

  /* a filter changed again before its ids arrived: only the last one's land */
  lb_item_list_set_filter (list, LB_ITEM_FILTER_DONE);
  lb_item_list_set_filter (list, LB_ITEM_FILTER_FLAGGED);
  lb_test_wait_list (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_true (lb_item_list_find (list, f->ids[5], NULL));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* A new list is empty and loading until its ids arrive, in one
 * items-changed; what changes in the store meanwhile is applied after. */
static void
test_loading (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(LbItemList) todo = lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_TODO);
  g_autoptr(GArray) changes = record (todo);
  g_autoptr(GError) error = NULL;
  LbSubmission esc = { .decision = "escalate" };
  guint loading_notified = 0;

  g_signal_connect (todo, "notify::loading", G_CALLBACK (count_notify_cb), &loading_notified);
  g_assert_true (lb_item_list_get_loading (todo));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, 0);

  /* done while the ids are being read: the store's "item-changed" signals
   * come while the list is loading (the snapshot may or may not have them) */
  g_assert_true (lb_store_submit (f->store, f->ids[2], "ann", &esc, &error));
  g_assert_no_error (error);
  label (f, f->ids[7]);
  lb_test_wait_list (todo);

  g_assert_cmpuint (loading_notified, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS - 2);
  g_assert_false (lb_item_list_find (todo, f->ids[2], NULL));
  g_assert_false (lb_item_list_find (todo, f->ids[7], NULL));
  g_assert_true (lb_item_list_find (todo, f->ids[8], NULL));
  /* the ids arrived in one change (more follow if the snapshot missed one) */
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, >=, N_ITEMS - 2);

  undo (f, f->ids[2]);
  undo (f, f->ids[7]);
  lb_test_wait_list (todo);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS);
}

static void
ignore_item_changed_cb (LbStore  *store,
                        gint64    item_id,
                        gpointer  user_data)
{
}

/* A change the worker's snapshot did not see, whose "item-changed" comes
 * before the ids do, is applied after them. The store emits its signals
 * from one idle source (made by the first submit: a handler is connected),
 * which the second submit joins: it dispatches before the load's
 * completion, queued while the test slept. */
static void
test_loading_stale (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(LbItemList) todo = NULL;
  g_autoptr(GError) error = NULL;
  LbSubmission esc = { .decision = "escalate" };

  g_signal_connect (f->store, "item-changed", G_CALLBACK (ignore_item_changed_cb), NULL);
  g_assert_true (lb_store_submit (f->store, f->ids[2], "ann", &esc, &error));
  todo = lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_TODO);
  g_usleep (300 * 1000);  /* the worker reads 10 ids meanwhile */
  g_assert_true (lb_store_submit (f->store, f->ids[7], "ann", &esc, &error));
  g_assert_no_error (error);
  g_assert_true (lb_item_list_get_loading (todo));
  lb_test_wait_list (todo);

  g_assert_false (lb_item_list_find (todo, f->ids[2], NULL));
  g_assert_false (lb_item_list_find (todo, f->ids[7], NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS - 2);
}

static void
test_million (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = lb_test_make_tmpdir ("test-item-list");
  g_autofree char *path = g_build_filename (dir, "big.db", NULL);
  g_autoptr(LbStore) store = NULL;
  g_autoptr(LbItemList) list = NULL;
  g_autoptr(LbItemList) todo = NULL;
  const guint n = 1000000;
  const guint chunk = 50000;
  gint64 batch_id = 0;
  gint64 t0, t_import, t_all, t_todo, t_get;
  guint64 sum = 0;

  store = lb_test_open_store (path);
  g_assert_true (_lb_store_ensure_batch (store, "big", dir, dir, NULL, &batch_id, &error));

  t0 = g_get_monotonic_time ();
  for (guint first = 0; first < n; first += chunk)
    insert_items (store, batch_id, "big", first, chunk);
  t_import = g_get_monotonic_time () - t0;
  lb_test_pump ();

  /* a few done items so the to-do filter has work */
  {
    g_autoptr(GArray) ids = lb_store_list_item_ids (store, batch_id, LB_ITEM_FILTER_ALL, &error);
    g_autoptr(LbSchema) schema = lb_store_get_batch_schema (store, batch_id, &error);
    const char *labels[] = { lb_schema_get_label (schema, 0)->id, NULL };
    LbSubmission sub = { .labels = labels };

    for (guint i = 0; i < 20; i++)
      g_assert_true (lb_store_submit (store, g_array_index (ids, gint64, i * 997), "ann", &sub,
                                      &error));
    lb_test_pump ();
  }

  t0 = g_get_monotonic_time ();
  list = lb_test_wait_list (lb_item_list_new (store, batch_id, LB_ITEM_FILTER_ALL));
  t_all = g_get_monotonic_time () - t0;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);

  t0 = g_get_monotonic_time ();
  todo = lb_test_wait_list (lb_item_list_new (store, batch_id, LB_ITEM_FILTER_TODO));
  t_todo = g_get_monotonic_time () - t0;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, n - 20);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (list),
                                                      g_random_int_range (0, n));
      sum += lb_item_get_id (item);
    }
  t_get = g_get_monotonic_time () - t0;
  g_assert_cmpuint (sum, >, 0);

  g_test_message ("1M items: import %.2f s (%.0f items/s); list open: all %.0f ms, to do %.0f ms;"
                  " ids %zu bytes/item; random get_item %.1f us",
                  t_import / 1e6, n / (t_import / 1e6), t_all / 1000.0, t_todo / 1000.0,
                  sizeof (gint64), t_get / 1000.0);

  g_clear_object (&list);
  g_clear_object (&todo);
  lb_store_close (store);
  g_clear_object (&store);

  /* opening the big store again (quick_check included) up to the first item */
  {
    g_autoptr(LbItem) first = NULL;
    gint64 t_open, t_first;

    t0 = g_get_monotonic_time ();
    store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
    g_assert_no_error (error);
    t_open = g_get_monotonic_time () - t0;
    list = lb_test_wait_list (lb_item_list_new (store, batch_id, LB_ITEM_FILTER_TODO));
    first = g_list_model_get_item (G_LIST_MODEL (list), 0);
    t_first = g_get_monotonic_time () - t0;
    g_assert_nonnull (first);
    g_test_message ("1M items: reopen (quick_check) %.0f ms, first to-do item after %.0f ms",
                    t_open / 1000.0, t_first / 1000.0);
    g_clear_object (&list);
    lb_store_close (store);
  }
  lb_test_remove_tree (dir);
}

/* The item the user is on stays in the To Do list after it is done, until the
 * pin moves on; then it leaves. An item still to do stays when the pin moves. */
static void
test_pinned (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(LbItemList) todo =
    lb_test_wait_list (lb_item_list_new (f->store, f->batch_id, LB_ITEM_FILTER_TODO));
  g_autoptr(GArray) changes = record (todo);
  guint position = 0;

  lb_item_list_set_pinned (todo, f->ids[3]);
  g_assert_cmpint (lb_item_list_get_pinned (todo), ==, f->ids[3]);

  label (f, f->ids[3]);
  assert_change (changes, 0, 3, 1, 1);   /* changed in place, not removed */
  g_assert_true (lb_item_list_find (todo, f->ids[3], &position));
  g_assert_cmpuint (position, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS);
  {
    g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (todo), 3);
    g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  }

  /* moving on: the done item leaves */
  lb_item_list_set_pinned (todo, f->ids[4]);
  assert_change (changes, 1, 3, 1, 0);
  g_assert_false (lb_item_list_find (todo, f->ids[3], NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, N_ITEMS - 1);

  /* moving on from an item still to do changes nothing */
  lb_item_list_set_pinned (todo, f->ids[5]);
  g_assert_cmpuint (changes->len, ==, 2);
  g_assert_true (lb_item_list_find (todo, f->ids[4], NULL));

  /* an unpinned item that gets done leaves at once */
  label (f, f->ids[8]);
  g_assert_false (lb_item_list_find (todo, f->ids[8], NULL));
  lb_item_list_set_pinned (todo, 0);
  g_assert_true (lb_item_list_find (todo, f->ids[5], NULL));
}

#define ADD(name, func) \
  g_test_add ("/engine/item-list/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("positions", test_positions);
  ADD ("filters", test_filters);
  ADD ("other-batch", test_other_batch);
  ADD ("items-added", test_items_added);
  ADD ("set-filter", test_set_filter);
  ADD ("loading", test_loading);
  ADD ("loading-stale", test_loading_stale);
  ADD ("pinned", test_pinned);
  g_test_add_func ("/engine/item-list/million", test_million);

  return g_test_run ();
}
