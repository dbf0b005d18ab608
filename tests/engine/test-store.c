/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store"
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

#define SCHEMA_JSON \
  "{\"name\": \"Comment review\", \"multi_label\": false," \
  " \"labels\": [{\"id\": \"ok\", \"title\": \"OK\", \"hotkey\": \"1\", \"color\": \"#2ec27e\"}," \
  "            {\"id\": \"spam\", \"title\": \"Spam\", \"hotkey\": \"2\", \"color\": \"#e01b24\"}]," \
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"}," \
  "               {\"id\": \"reject\", \"title\": \"Reject\", \"hotkey\": \"r\", \"needs_reason\": true}," \
  "               {\"id\": \"escalate\", \"title\": \"Escalate\", \"hotkey\": \"e\"}," \
  "               {\"id\": \"hold\", \"title\": \"Hold\", \"hotkey\": \"h\", \"flag\": true}]," \
  " \"reasons\": [{\"id\": \"abuse\", \"title\": \"Abuse\"," \
  "              \"children\": [{\"id\": \"abuse/insult\", \"title\": \"Insult\"}]}]}"

#define MULTI_SCHEMA_JSON \
  "{\"name\": \"Tags\", \"multi_label\": true," \
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\", \"hotkey\": \"1\", \"color\": \"#2ec27e\"}," \
  "            {\"id\": \"dog\", \"title\": \"Dog\", \"hotkey\": \"2\", \"color\": \"#e01b24\"}]," \
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"}]," \
  " \"reasons\": []}"

typedef struct {
  char    *dir;
  char    *path;
  LbStore *store;
  gint64   batch_id;
  gint64   ids[5];
} Fixture;

static void
fixture_open (Fixture *f)
{
  f->store = lb_test_open_store (f->path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  LbNewItem items[5] = {
    { "t1", LB_ITEM_KIND_TEXT, NULL, "first text", NULL, "h1" },
    { "t2", LB_ITEM_KIND_TEXT, NULL, "second text 中文", "{\"lang\":\"zh\"}", "h2" },
    { "i1", LB_ITEM_KIND_IMAGE, "img/a.png", NULL, NULL, "h3" },
    { "i2", LB_ITEM_KIND_IMAGE, "img/b.jpg", NULL, NULL, "h4" },
    { "t3", LB_ITEM_KIND_TEXT, NULL, "third", NULL, "h5" },
  };
  guint n_added = 0, n_existing = 0;

  f->dir = lb_test_make_tmpdir ("test-store");
  f->path = g_build_filename (f->dir, "sub", "dir", "store.db", NULL);
  fixture_open (f);

  g_assert_true (_lb_store_ensure_batch (f->store, "comments", "/data/root", "/data/root",
                                         SCHEMA_JSON, &f->batch_id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (f->batch_id, >, 0);
  g_assert_true (_lb_store_insert_items (f->store, f->batch_id, items, G_N_ELEMENTS (items),
                                         &n_added, &n_existing, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_added, ==, 5);
  g_assert_cmpuint (n_existing, ==, 0);

  ids = lb_store_list_item_ids (f->store, f->batch_id, LB_ITEM_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    f->ids[i] = g_array_index (ids, gint64, i);

  lb_test_pump ();  /* deliver the setup's "items-added" */
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->store != NULL)
    {
      lb_store_close (f->store);
      g_assert_finalize_object (f->store);
    }
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* Raw SQL on the file, as an outside tool would; returns the error or NULL. */
static char *
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *errmsg = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    result = g_strdup (errmsg != NULL ? errmsg : "error");
  sqlite3_free (errmsg);
  sqlite3_close (db);
  return result;
}

static char *
raw_query (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static void
submit_labels (Fixture    *f,
               gint64      item_id,
               const char *actor,
               const char *label)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { label, NULL };
  LbSubmission sub = { .labels = labels, .dwell_ms = 1200 };

  g_assert_true (lb_store_submit (f->store, item_id, actor, &sub, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------ */

static void
test_create_reopen (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *seat = g_strdup (lb_store_get_seat_id (f->store));
  g_autofree char *mode = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(LbSchema) schema = NULL;
  gint64 again = 0;

  g_assert_true (g_uuid_string_is_valid (seat));
  g_assert_cmpstr (lb_store_get_path (f->store), ==, f->path);
  g_assert_false (lb_store_is_read_only (f->store));
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));

  lb_store_close (f->store);
  g_assert_finalize_object (f->store);

  mode = raw_query (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  version = raw_query (f->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "5");  /* migration 5 (last event time) */

  fixture_open (f);
  g_assert_cmpstr (lb_store_get_seat_id (f->store), ==, seat);

  batches = lb_store_list_batches (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 1);
  batch = lb_store_find_batch (f->store, "comments", &error);
  g_assert_no_error (error);
  g_assert_cmpint (batch->id, ==, f->batch_id);
  g_assert_cmpstr (batch->root, ==, "/data/root");
  g_assert_cmpint (batch->created_us, >, 0);

  schema = lb_store_get_batch_schema (f->store, f->batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Comment review");

  /* same name: same batch */
  g_assert_true (_lb_store_ensure_batch (f->store, "comments", "/elsewhere", "x", SCHEMA_JSON,
                                         &again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, f->batch_id);

  g_assert_cmpuint (lb_store_count_items (f->store, 0, LB_ITEM_FILTER_ALL), ==, 5);

  g_assert_null (lb_store_find_batch (f->store, "nope", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lb_store_get_batch (f->store, 999, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
}

static void
test_default_schema (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(LbSchema) def = lb_schema_new_default ();
  gint64 batch_id = 0;

  g_assert_true (_lb_store_ensure_batch (f->store, "bare", "/x", "/x", NULL, &batch_id, &error));
  g_assert_no_error (error);
  schema = lb_store_get_batch_schema (f->store, batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, lb_schema_get_n_labels (def));
  g_assert_cmpuint (lb_schema_get_n_decisions (schema), ==, lb_schema_get_n_decisions (def));
}

/* A new schema for the batch: "hold" no longer flags. */
static void
test_schema_replaced (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) json = g_string_new (SCHEMA_JSON);
  LbSubmission hold = { .decision = "hold" };
  gint64 again = 0;

  g_assert_true (lb_store_submit (f->store, f->ids[0], "ann", &hold, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_FLAGGED), ==, 1);

  g_string_replace (json, "\"flag\": true", "\"flag\": false", 1);
  g_assert_true (_lb_store_ensure_batch (f->store, "comments", "/data/root", "/data/root",
                                         json->str, &again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, f->batch_id);
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_FLAGGED), ==, 0);
  {
    g_autoptr(LbSchema) schema = lb_store_get_batch_schema (f->store, f->batch_id, &error);
    g_assert_false (lb_schema_find_decision (schema, "hold")->flag);
  }
}

static void
test_migrations (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = lb_test_make_tmpdir ("test-store");
  g_autofree char *path = g_build_filename (dir, "empty.db", NULL);
  g_autofree char *version = NULL;
  g_autofree char *tables = NULL;
  g_autofree char *seat = NULL;
  LbStore *store;

  /* an empty file is a store at version 0: it is migrated */
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  lb_store_close (store);
  g_assert_finalize_object (store);

  version = raw_query (path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "5");  /* migration 5 (last event time) */
  tables = raw_query (path, "SELECT group_concat (name, ',') FROM (SELECT name FROM sqlite_master"
                            " WHERE type = 'table' ORDER BY name)");
  g_assert_cmpstr (tables, ==, "batches,events,item_state,items,meta,schemas,sync_cursors");
  seat = raw_query (path, "SELECT value FROM meta WHERE key = 'seat_id'");
  g_assert_true (g_uuid_string_is_valid (seat));

  lb_test_remove_tree (dir);
}

static void
test_too_new (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  f->store = NULL;

  err = raw_exec (f->path, "PRAGMA user_version = 999");
  g_assert_null (err);

  g_assert_null (lb_store_open (f->path, LB_STORE_OPEN_DEFAULT, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, f->path));
  g_clear_error (&error);

  g_assert_null (lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_TOO_NEW);
}

static void
assert_open_corrupt_and_unchanged (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before = 0, len_after = 0;
  LbStoreOpenFlags modes[] = { LB_STORE_OPEN_DEFAULT, LB_STORE_OPEN_READ_ONLY };

  g_assert_true (g_file_get_contents (path, &before, &len_before, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_assert_null (lb_store_open (path, modes[i], &error));
      g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
    }

  g_assert_true (g_file_get_contents (path, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
}

static void
count_damaged_cb (LbStore *store,
                  gint64   unused,
                  guint   *count)
{
  (*count)++;
}

static gboolean
is_positive (gpointer data)
{
  return *(guint *) data > 0;
}

/* A store of this version whose pages are damaged opens (the check runs in
 * the writer thread, so that a large store opens quickly), then reports the
 * damage ("damaged", lb_store_dup_damage ()), refuses every write, and the
 * file stays as it was. A read-only open checks at once. */
static void
assert_damage_found_and_unchanged (const char *path,
                                   gint64      item_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) damage = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before = 0, len_after = 0;
  const char *labels[] = { "ok", NULL };
  LbSubmission sub = { labels };
  guint n_damaged = 0;

  g_assert_true (g_file_get_contents (path, &before, &len_before, NULL));

  g_assert_null (lb_store_open (path, LB_STORE_OPEN_READ_ONLY, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
  g_clear_error (&error);

  store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      /* the damage reached what opening reads */
      g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
    }
  else
    {
      g_signal_connect (store, "damaged", G_CALLBACK (count_damaged_cb), &n_damaged);
      g_assert_false (lb_store_submit (store, item_id, "ann", &sub, &error));
      g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, path));
      damage = lb_store_dup_damage (store);
      g_assert_error (damage, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
      g_assert_cmpstr (damage->message, ==, error->message);
      lb_test_wait_until (is_positive, &n_damaged, 10);
      g_assert_cmpuint (n_damaged, ==, 1);
      lb_store_close (store);
    }

  g_assert_true (g_file_get_contents (path, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
}

static void
test_corrupt (void)
{
  g_autofree char *dir = lb_test_make_tmpdir ("test-store");
  g_autofree char *garbage = g_build_filename (dir, "garbage.db", NULL);
  g_autofree char *foreign = g_build_filename (dir, "foreign.db", NULL);
  g_autofree char *damaged = g_build_filename (dir, "damaged.db", NULL);
  g_autoptr(GString) junk = g_string_new (NULL);

  for (guint i = 0; i < 3000; i++)
    g_string_append_c (junk, (char) g_random_int_range (0, 256));
  g_assert_true (g_file_set_contents (garbage, junk->str, junk->len, NULL));
  assert_open_corrupt_and_unchanged (garbage);

  /* a valid SQLite database that is not ours */
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (foreign, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  assert_open_corrupt_and_unchanged (foreign);

  /* a store whose pages were overwritten */
  assert_damage_found_and_unchanged (damaged, lb_test_make_damaged_store (damaged));

  lb_test_remove_tree (dir);
}

static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("pid %ld", (long) getpid ());
  LbStore *second;
  LbStore *reader;

  second = lb_store_open (f->path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_null (second);
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "already open for writing"));
  g_assert_nonnull (strstr (error->message, pid));
  g_clear_error (&error);

  /* readers take no lock */
  reader = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_store_count_items (reader, 0, LB_ITEM_FILTER_ALL), ==, 5);
  g_object_unref (reader);

  /* after close the lock is free again */
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  fixture_open (f);
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing.db", NULL);
  g_autoptr(LbItem) item = NULL;
  const char *labels[] = { "ok", NULL };
  LbSubmission sub = { .labels = labels };
  LbStore *ro;
  gint64 batch_id = 0;

  submit_labels (f, f->ids[0], "ann", "spam");

  ro = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (lb_store_is_read_only (ro));
  g_assert_cmpstr (lb_store_get_seat_id (ro), ==, lb_store_get_seat_id (f->store));

  item = lb_store_get_item (ro, f->ids[0], &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "spam");
  g_assert_cmpint (lb_store_get_last_seq (ro), ==, 1);
  g_assert_true (lb_store_verify (ro, &error));
  g_assert_no_error (error);

  g_assert_false (lb_store_submit (ro, f->ids[1], "ann", &sub, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_false (lb_store_skip (ro, f->ids[1], "ann", 0, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_false (lb_store_undo (ro, f->ids[0], "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_false (_lb_store_ensure_batch (ro, "new", "/", "/", NULL, &batch_id, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 1);
  lb_store_close (ro);
  g_assert_finalize_object (ro);

  /* a read-only open never creates a store */
  g_assert_null (lb_store_open (missing, LB_STORE_OPEN_READ_ONLY, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

static void
test_items (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) t2 = NULL;
  g_autoptr(LbItem) i1 = NULL;
  g_autoptr(LbItem) found = NULL;
  LbNewItem again[] = {
    { "t1", LB_ITEM_KIND_TEXT, NULL, "changed", NULL, "x" },
    { "t4", LB_ITEM_KIND_TEXT, NULL, "new one", NULL, "h6" },
  };
  guint n_added = 0, n_existing = 0;
  gint64 other = 0;

  t2 = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpint (lb_item_get_id (t2), ==, f->ids[1]);
  g_assert_cmpint (lb_item_get_batch_id (t2), ==, f->batch_id);
  g_assert_cmpstr (lb_item_get_batch_name (t2), ==, "comments");
  g_assert_cmpstr (lb_item_get_external_id (t2), ==, "t2");
  g_assert_cmpint (lb_item_get_kind (t2), ==, LB_ITEM_KIND_TEXT);
  g_assert_cmpstr (lb_item_get_text (t2), ==, "second text 中文");
  g_assert_null (lb_item_get_path (t2));
  g_assert_cmpstr (lb_item_get_meta_json (t2), ==, "{\"lang\":\"zh\"}");
  g_assert_cmpstr (lb_item_get_content_hash (t2), ==, "h2");
  g_assert_cmpint (lb_item_get_state (t2), ==, LB_ITEM_STATE_TODO);
  g_assert_nonnull (lb_item_get_labels (t2));
  g_assert_null (lb_item_get_labels (t2)[0]);
  g_assert_null (lb_item_get_decision (t2));
  g_assert_false (lb_item_get_flagged (t2));

  i1 = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpint (lb_item_get_kind (i1), ==, LB_ITEM_KIND_IMAGE);
  g_assert_cmpstr (lb_item_get_relative_path (i1), ==, "img/a.png");
  g_assert_cmpstr (lb_item_get_path (i1), ==, "/data/root/img/a.png");
  g_assert_null (lb_item_get_text (i1));
  g_assert_cmpstr (lb_item_get_meta_json (i1), ==, "{}");

  /* re-import: existing ids are left alone */
  g_assert_true (_lb_store_insert_items (f->store, f->batch_id, again, 2, &n_added, &n_existing,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_added, ==, 1);
  g_assert_cmpuint (n_existing, ==, 1);
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_ALL), ==, 6);
  found = lb_store_find_item (f->store, "comments", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_item_get_text (found), ==, "first text");
  g_clear_object (&found);

  found = lb_store_find_item (f->store, NULL, "t4", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_item_get_text (found), ==, "new one");
  g_clear_object (&found);

  /* the same external id in two batches */
  g_assert_true (_lb_store_ensure_batch (f->store, "other", "/o", "/o", SCHEMA_JSON, &other,
                                         &error));
  g_assert_true (_lb_store_insert_items (f->store, other, again, 1, &n_added, &n_existing,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_added, ==, 1);
  g_assert_null (lb_store_find_item (f->store, NULL, "t1", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  found = lb_store_find_item (f->store, "other", "t1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_item_get_text (found), ==, "changed");
  g_clear_object (&found);

  g_assert_null (lb_store_find_item (f->store, "comments", "zzz", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lb_store_get_item (f->store, 123456, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (_lb_store_insert_items (f->store, 4242, again, 1, NULL, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpuint (lb_store_count_items (f->store, 0, LB_ITEM_FILTER_ALL), ==, 7);
  g_assert_cmpuint (lb_store_count_items (f->store, other, LB_ITEM_FILTER_TODO), ==, 1);
}

static void
test_submit_state (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  LbSubmission decide = { .decision = "reject", .reason = "abuse/insult",
                          .note = "rude words", .dwell_ms = 700 };
  LbSubmission escalate = { .decision = "escalate" };
  LbSubmission hold = { .decision = "hold" };

  submit_labels (f, f->ids[0], "ann", "ok");
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "ok");
  g_assert_null (lb_item_get_labels (item)[1]);
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "ann");
  g_clear_object (&item);

  /* a second label act replaces the labels */
  submit_labels (f, f->ids[0], "bob", "spam");
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "spam");
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "bob");
  g_clear_object (&item);

  g_assert_true (lb_store_submit (f->store, f->ids[1], "ann", &decide, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_decision (item), ==, "reject");
  g_assert_cmpstr (lb_item_get_reason (item), ==, "abuse/insult");
  g_assert_cmpstr (lb_item_get_note (item), ==, "rude words");
  g_assert_false (lb_item_get_flagged (item));
  g_clear_object (&item);

  g_assert_true (lb_store_skip (f->store, f->ids[2], "ann", 300, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_SKIPPED);
  g_clear_object (&item);

  g_assert_true (lb_store_submit (f->store, f->ids[3], "ann", &escalate, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[3]);
  g_assert_true (lb_item_get_flagged (item));
  g_assert_null (lb_item_get_reason (item));
  g_clear_object (&item);

  /* "flag": true in the schema flags too */
  g_assert_true (lb_store_submit (f->store, f->ids[4], "ann", &hold, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[4]);
  g_assert_true (lb_item_get_flagged (item));
  g_clear_object (&item);

  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_DONE), ==, 4);
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_TODO), ==, 1);
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_FLAGGED), ==, 2);
  {
    g_autoptr(GArray) ids = lb_store_list_item_ids (f->store, f->batch_id,
                                                    LB_ITEM_FILTER_FLAGGED, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 2);
    g_assert_cmpint (g_array_index (ids, gint64, 0), ==, f->ids[3]);
    g_assert_cmpint (g_array_index (ids, gint64, 1), ==, f->ids[4]);
  }

  /* a later approve unflags */
  escalate.decision = "approve";
  g_assert_true (lb_store_submit (f->store, f->ids[3], "ann", &escalate, &error));
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_FLAGGED), ==, 1);

  /* a skip after labels leaves the item done */
  g_assert_true (lb_store_skip (f->store, f->ids[0], "ann", 0, &error));
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_clear_object (&item);

  /* the state survives a reopen */
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  fixture_open (f);
  item = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpstr (lb_item_get_decision (item), ==, "reject");
  g_assert_cmpuint (lb_store_count_items (f->store, f->batch_id, LB_ITEM_FILTER_DONE), ==, 4);
}

/* A note is cleared by an empty one ("" is an event, NULL is none), and
 * undo brings it back */
static void
test_note_cleared (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  LbSubmission noted = { .labels = (const char *[]) { "ok", NULL }, .note = "blurry" };
  LbSubmission cleared = { .note = "" };
  LbSubmission relabelled = { .labels = (const char *[]) { "spam", NULL } };

  g_assert_true (lb_store_submit (f->store, f->ids[0], "ann", &noted, &error));
  g_assert_no_error (error);
  /* no note given: the note stays */
  g_assert_true (lb_store_submit (f->store, f->ids[0], "ann", &relabelled, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_note (item), ==, "blurry");
  g_clear_object (&item);

  g_assert_true (lb_store_submit (f->store, f->ids[0], "ann", &cleared, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_null (lb_item_get_note (item));
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "spam");
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_clear_object (&item);
  {
    g_autofree char *payload = raw_query (f->path,
                                          "SELECT payload FROM events WHERE kind = 'note'"
                                          " ORDER BY seq DESC LIMIT 1");
    g_assert_cmpstr (payload, ==, "{\"text\":\"\"}");
  }

  g_assert_true (lb_store_undo (f->store, f->ids[0], "ann", &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_note (item), ==, "blurry");
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

static void
test_undo (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  LbSubmission both = { .labels = (const char *[]) { "spam", NULL }, .decision = "escalate",
                        .note = "n" };

  g_assert_false (lb_store_undo (f->store, f->ids[0], "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  submit_labels (f, f->ids[0], "ann", "ok");
  g_assert_true (lb_store_submit (f->store, f->ids[0], "ann", &both, &error));
  g_assert_no_error (error);
  submit_labels (f, f->ids[0], "bob", "ok");

  /* ann's latest act (3 events) is retracted; bob's label stays */
  g_assert_true (lb_store_undo (f->store, f->ids[0], "ann", &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "ok");
  g_assert_null (lb_item_get_decision (item));
  g_assert_null (lb_item_get_note (item));
  g_assert_false (lb_item_get_flagged (item));
  g_clear_object (&item);

  g_assert_true (lb_store_undo (f->store, f->ids[0], "bob", &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "ok");   /* ann's first act */
  g_clear_object (&item);

  g_assert_true (lb_store_undo (f->store, f->ids[0], "ann", &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_assert_null (lb_item_get_labels (item)[0]);
  g_clear_object (&item);

  g_assert_false (lb_store_undo (f->store, f->ids[0], "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* skips are undone too */
  g_assert_true (lb_store_skip (f->store, f->ids[1], "ann", 10, &error));
  g_assert_true (lb_store_undo (f->store, f->ids[1], "ann", &error));
  item = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_clear_object (&item);

  /* the retract payload lists the retracted events */
  {
    g_autofree char *payload = raw_query (f->path,
                                          "SELECT payload FROM events WHERE kind = 'retract'"
                                          " ORDER BY seq LIMIT 1");
    g_autofree char *uuids = raw_query (f->path,
                                        "SELECT group_concat (uuid, ',') FROM (SELECT uuid FROM"
                                        " events WHERE act = 2 ORDER BY seq)");
    g_auto(GStrv) parts = g_strsplit (uuids, ",", -1);

    g_assert_cmpuint (g_strv_length (parts), ==, 3);
    for (guint i = 0; parts[i] != NULL; i++)
      g_assert_nonnull (strstr (payload, parts[i]));
  }

  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

static void
assert_submit_invalid (Fixture            *f,
                       gint64              item_id,
                       const char         *actor,
                       const LbSubmission *sub,
                       const char         *needle)
{
  g_autoptr(GError) error = NULL;
  gint64 last = lb_store_get_last_seq (f->store);

  g_assert_false (lb_store_submit (f->store, item_id, actor, sub, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  if (needle != NULL)
    g_assert_nonnull (strstr (error->message, needle));
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, last);
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  LbSubmission sub;

  sub = (LbSubmission) { .labels = (const char *[]) { "nonsense", NULL } };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, "nonsense");
  sub = (LbSubmission) { .labels = (const char *[]) { "ok", "spam", NULL } };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, NULL);
  sub = (LbSubmission) { .decision = "delete" };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, "delete");
  sub = (LbSubmission) { .decision = "reject" };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, "reject");
  sub = (LbSubmission) { .decision = "reject", .reason = "made/up" };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, "made/up");
  sub = (LbSubmission) { 0, };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, NULL);
  sub = (LbSubmission) { .labels = (const char *[]) { "ok", NULL } };
  assert_submit_invalid (f, f->ids[0], "", &sub, NULL);
  assert_submit_invalid (f, f->ids[0], NULL, &sub, NULL);
  sub = (LbSubmission) { .note = "bad \xff utf8" };
  assert_submit_invalid (f, f->ids[0], "ann", &sub, "UTF-8");

  sub = (LbSubmission) { .labels = (const char *[]) { "ok", NULL } };
  g_assert_false (lb_store_submit (f->store, 99999, "ann", &sub, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lb_store_skip (f->store, f->ids[0], "", 0, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 0);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_clear_object (&item);

  /* a note alone is a valid act, and does not make the item done */
  sub = (LbSubmission) { .note = "looked at it" };
  g_assert_true (lb_store_submit (f->store, f->ids[0], "ann", &sub, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_assert_cmpstr (lb_item_get_note (item), ==, "looked at it");
}

static void
test_multi_label (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  LbNewItem items[] = { { "m1", LB_ITEM_KIND_IMAGE, "m1.png", NULL, NULL, "x" } };
  gint64 batch_id = 0;
  gint64 item_id;
  LbSubmission sub;
  const char *none[] = { NULL };

  g_assert_true (_lb_store_ensure_batch (f->store, "tags", "/t", "/t", MULTI_SCHEMA_JSON,
                                         &batch_id, &error));
  g_assert_true (_lb_store_insert_items (f->store, batch_id, items, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  item = lb_store_find_item (f->store, "tags", "m1", &error);
  g_assert_no_error (error);
  item_id = lb_item_get_id (item);
  g_clear_object (&item);

  sub = (LbSubmission) { .labels = (const char *[]) { "dog", "cat", NULL } };
  g_assert_true (lb_store_submit (f->store, item_id, "ann", &sub, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, item_id);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "dog");
  g_assert_cmpstr (lb_item_get_labels (item)[1], ==, "cat");
  g_assert_null (lb_item_get_labels (item)[2]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_clear_object (&item);

  sub = (LbSubmission) { .labels = (const char *[]) { "dog", "dog", NULL } };
  assert_submit_invalid (f, item_id, "ann", &sub, "dog");
  /* labels of another batch's schema are unknown here */
  sub = (LbSubmission) { .labels = (const char *[]) { "spam", NULL } };
  assert_submit_invalid (f, item_id, "ann", &sub, "spam");

  /* an empty array clears the labels */
  sub = (LbSubmission) { .labels = none };
  g_assert_true (lb_store_submit (f->store, item_id, "ann", &sub, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, item_id);
  g_assert_null (lb_item_get_labels (item)[0]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
}

typedef struct {
  GPtrArray *events;
  guint      stop_after;
} Collect;

static gboolean
collect_cb (const LbEvent  *event,
            gpointer        user_data,
            GError        **error)
{
  Collect *c = user_data;
  LbEvent *copy = g_new0 (LbEvent, 1);

  *copy = *event;
  copy->uuid = g_strdup (event->uuid);
  copy->seat = g_strdup (event->seat);
  copy->batch = g_strdup (event->batch);
  copy->item = g_strdup (event->item);
  copy->actor = g_strdup (event->actor);
  copy->role = g_strdup (event->role);
  copy->kind = g_strdup (event->kind);
  copy->payload = g_strdup (event->payload);
  copy->prev_hash = g_strdup (event->prev_hash);
  copy->hash = g_strdup (event->hash);
  g_ptr_array_add (c->events, copy);

  if (c->stop_after > 0 && c->events->len >= c->stop_after)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stop here");
      return FALSE;
    }
  return TRUE;
}

static void
test_events (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_event_free);
  g_autoptr(GHashTable) uuids = g_hash_table_new (g_str_hash, g_str_equal);
  LbSubmission sub = { .labels = (const char *[]) { "spam", NULL }, .decision = "reject",
                       .reason = "abuse", .note = "注释", .dwell_ms = 4321 };
  Collect c = { events, 0 };
  gint64 t0 = g_get_real_time ();
  const LbEvent *ev;

  g_assert_true (lb_store_submit (f->store, f->ids[1], "ann", &sub, &error));
  g_assert_no_error (error);
  g_assert_true (lb_store_skip (f->store, f->ids[2], "ann", 50, &error));
  g_assert_true (lb_store_undo (f->store, f->ids[1], "ann", &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 5);

  g_assert_true (lb_store_foreach_event (f->store, 0, collect_cb, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 5);

  for (guint i = 0; i < events->len; i++)
    {
      ev = g_ptr_array_index (events, i);
      g_assert_cmpint (ev->seq, ==, i + 1);
      g_assert_true (g_uuid_string_is_valid (ev->uuid));
      g_assert_false (g_hash_table_contains (uuids, ev->uuid));
      g_hash_table_add (uuids, ev->uuid);
      g_assert_cmpstr (ev->seat, ==, lb_store_get_seat_id (f->store));
      g_assert_cmpstr (ev->batch, ==, "comments");
      g_assert_cmpstr (ev->actor, ==, "ann");
      g_assert_cmpstr (ev->role, ==, "annotator");
      g_assert_cmpint (ev->time_us, >=, t0);
      g_assert_cmpuint (strlen (ev->hash), ==, 64);
      if (i == 0)
        g_assert_cmpstr (ev->prev_hash, ==, "");
      else
        g_assert_cmpstr (ev->prev_hash, ==, ((LbEvent *) g_ptr_array_index (events, i - 1))->hash);
    }

  ev = g_ptr_array_index (events, 0);
  g_assert_cmpstr (ev->kind, ==, "label");
  g_assert_cmpstr (ev->item, ==, "t2");
  g_assert_cmpstr (ev->payload, ==, "{\"labels\":[\"spam\"]}");
  g_assert_cmpint (ev->dwell_ms, ==, 4321);
  g_assert_cmpint (ev->act, ==, 1);
  ev = g_ptr_array_index (events, 1);
  g_assert_cmpstr (ev->kind, ==, "decision");
  g_assert_cmpstr (ev->payload, ==, "{\"decision\":\"reject\",\"reason\":\"abuse\"}");
  g_assert_cmpint (ev->act, ==, 1);
  g_assert_cmpint (ev->dwell_ms, ==, 4321);
  ev = g_ptr_array_index (events, 2);
  g_assert_cmpstr (ev->kind, ==, "note");
  g_assert_cmpstr (ev->payload, ==, "{\"text\":\"注释\"}");
  g_assert_cmpint (ev->act, ==, 1);
  ev = g_ptr_array_index (events, 3);
  g_assert_cmpstr (ev->kind, ==, "skip");
  g_assert_cmpstr (ev->item, ==, "i1");
  g_assert_cmpstr (ev->payload, ==, "{}");
  g_assert_cmpint (ev->act, ==, 4);
  g_assert_cmpint (ev->dwell_ms, ==, 50);
  ev = g_ptr_array_index (events, 4);
  g_assert_cmpstr (ev->kind, ==, "retract");
  g_assert_cmpint (ev->act, ==, 5);
  {
    g_autofree char *expected =
      g_strdup_printf ("{\"retracts\":[\"%s\",\"%s\",\"%s\"]}",
                       ((LbEvent *) g_ptr_array_index (events, 0))->uuid,
                       ((LbEvent *) g_ptr_array_index (events, 1))->uuid,
                       ((LbEvent *) g_ptr_array_index (events, 2))->uuid);
    g_assert_cmpstr (ev->payload, ==, expected);
  }

  /* after_seq and stopping */
  g_ptr_array_set_size (events, 0);
  g_assert_true (lb_store_foreach_event (f->store, 3, collect_cb, &c, &error));
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpint (((LbEvent *) g_ptr_array_index (events, 0))->seq, ==, 4);

  g_ptr_array_set_size (events, 0);
  c.stop_after = 2;
  g_assert_false (lb_store_foreach_event (f->store, 0, collect_cb, &c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (events->len, ==, 2);
}

static void
test_append_only (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *count = NULL;

  submit_labels (f, f->ids[0], "ann", "ok");

  err = raw_exec (f->path, "UPDATE events SET actor = 'mallory'");
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "append-only"));
  g_clear_pointer (&err, g_free);
  err = raw_exec (f->path, "DELETE FROM events");
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "append-only"));

  count = raw_query (f->path, "SELECT count(*) FROM events WHERE actor = 'ann'");
  g_assert_cmpstr (count, ==, "1");
}

static void
test_verify_tamper (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid3 = NULL;
  g_autofree char *uuid4 = NULL;
  g_autofree char *err = NULL;
  g_autofree char *needle = NULL;
  LbStore *ro;

  for (guint i = 0; i < 5; i++)
    submit_labels (f, f->ids[i], "ann", i % 2 ? "ok" : "spam");
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  f->store = NULL;

  uuid3 = raw_query (f->path, "SELECT uuid FROM events WHERE seq = 3");
  uuid4 = raw_query (f->path, "SELECT uuid FROM events WHERE seq = 4");

  /* change what event 3 says */
  err = raw_exec (f->path,
                  "DROP TRIGGER events_no_update;"
                  "UPDATE events SET payload = '{\"labels\":[\"ok\"]}' WHERE seq = 3;");
  g_assert_null (err);

  ro = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_false (lb_store_verify (ro, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
  needle = g_strdup_printf ("event 3 (uuid %s): hash does not match its contents", uuid3);
  g_assert_nonnull (strstr (error->message, needle));
  g_clear_error (&error);
  g_clear_pointer (&needle, g_free);

  /* put it back, then break the link of event 4 */
  err = raw_exec (f->path,
                  "UPDATE events SET payload = '{\"labels\":[\"spam\"]}' WHERE seq = 3;"
                  "UPDATE events SET prev_hash = hash WHERE seq = 4;");
  g_assert_null (err);
  g_assert_false (lb_store_verify (ro, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
  needle = g_strdup_printf ("event 4 (uuid %s): previous hash does not match event 3", uuid4);
  g_assert_nonnull (strstr (error->message, needle));
  g_clear_error (&error);

  lb_store_close (ro);
  g_assert_finalize_object (ro);

  /* the writable open still works (it does not verify the chain) and
   * keeps the file as it is */
  fixture_open (f);
}

typedef struct {
  GMainLoop *loop;
  char      *path;
  gboolean   ok;
  GError    *error;
  char      *count_at_callback;
  guint      n_changed;
  gint64     last_changed;
  guint      n_added;
  gint64     last_added;
} AsyncData;

static void
submit_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncData *d = user_data;

  d->ok = lb_store_submit_finish (LB_STORE (source), result, &d->error);
  /* an independent connection sees the COMMIT already */
  d->count_at_callback = raw_query (d->path, "SELECT count(*) FROM events");
  g_main_loop_quit (d->loop);
}

static void
skip_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncData *d = user_data;

  d->ok = lb_store_skip_finish (LB_STORE (source), result, &d->error);
  g_main_loop_quit (d->loop);
}

static void
undo_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncData *d = user_data;

  d->ok = lb_store_undo_finish (LB_STORE (source), result, &d->error);
  g_main_loop_quit (d->loop);
}

static void
item_changed_cb (LbStore *store,
                 gint64   item_id,
                 gpointer user_data)
{
  AsyncData *d = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  d->n_changed++;
  d->last_changed = item_id;
}

static void
items_added_cb (LbStore *store,
                gint64   batch_id,
                gpointer user_data)
{
  AsyncData *d = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  d->n_added++;
  d->last_added = batch_id;
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  AsyncData d = { 0, };
  LbSubmission sub = { .labels = (const char *[]) { "spam", NULL }, .dwell_ms = 5 };
  LbSubmission bad = { .labels = (const char *[]) { "bogus", NULL } };

  d.loop = g_main_loop_new (NULL, FALSE);
  d.path = f->path;
  g_signal_connect (f->store, "item-changed", G_CALLBACK (item_changed_cb), &d);

  lb_store_submit_async (f->store, f->ids[2], "ann", &sub, NULL, submit_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);
  g_assert_cmpstr (d.count_at_callback, ==, "1");
  g_clear_pointer (&d.count_at_callback, g_free);
  lb_test_pump ();
  g_assert_cmpuint (d.n_changed, ==, 1);
  g_assert_cmpint (d.last_changed, ==, f->ids[2]);
  item = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_clear_object (&item);

  lb_store_submit_async (f->store, f->ids[2], "ann", &bad, NULL, submit_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_false (d.ok);
  g_assert_error (d.error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&d.error);
  g_assert_cmpstr (d.count_at_callback, ==, "1");
  g_clear_pointer (&d.count_at_callback, g_free);

  /* an empty actor fails before reaching the writer, still asynchronously */
  lb_store_submit_async (f->store, f->ids[2], "", &sub, NULL, submit_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_error (d.error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&d.error);
  g_clear_pointer (&d.count_at_callback, g_free);

  lb_store_skip_async (f->store, f->ids[3], "ann", 9, NULL, skip_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);

  lb_store_undo_async (f->store, f->ids[2], "ann", NULL, undo_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_no_error (d.error);
  g_assert_true (d.ok);
  lb_test_pump ();
  item = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_clear_object (&item);
  g_assert_cmpuint (d.n_changed, ==, 3);

  /* many queued acts complete in order */
  for (guint i = 0; i < 20; i++)
    lb_store_skip_async (f->store, f->ids[i % 5], "bob", i, NULL, NULL, NULL);
  lb_store_skip_async (f->store, f->ids[0], "bob", 0, NULL, skip_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 1 + 1 + 1 + 21);

  g_signal_handlers_disconnect_by_data (f->store, &d);
  g_main_loop_unref (d.loop);
}

static void
test_signals (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  AsyncData d = { 0, };
  LbNewItem more[] = { { "t9", LB_ITEM_KIND_TEXT, NULL, "more", NULL, "h9" } };

  g_signal_connect (f->store, "item-changed", G_CALLBACK (item_changed_cb), &d);
  g_signal_connect (f->store, "items-added", G_CALLBACK (items_added_cb), &d);

  submit_labels (f, f->ids[4], "ann", "ok");
  /* emitted on the main context, not from the writer thread */
  g_assert_cmpuint (d.n_changed, ==, 0);
  lb_test_pump ();
  g_assert_cmpuint (d.n_changed, ==, 1);
  g_assert_cmpint (d.last_changed, ==, f->ids[4]);

  g_assert_true (_lb_store_insert_items (f->store, f->batch_id, more, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  lb_test_pump ();
  g_assert_cmpuint (d.n_added, ==, 1);
  g_assert_cmpint (d.last_added, ==, f->batch_id);

  /* nothing new: no signal */
  g_assert_true (_lb_store_insert_items (f->store, f->batch_id, more, 1, NULL, NULL, &error));
  lb_test_pump ();
  g_assert_cmpuint (d.n_added, ==, 1);

  /* a failed act emits nothing */
  g_assert_false (lb_store_undo (f->store, f->ids[0], "ann", &error));
  g_clear_error (&error);
  lb_test_pump ();
  g_assert_cmpuint (d.n_changed, ==, 1);

  g_signal_handlers_disconnect_by_data (f->store, &d);
}

/* Signals queued for a store that is gone are dropped quietly. */
static void
test_signal_after_unref (Fixture       *f,
                         gconstpointer  data)
{
  submit_labels (f, f->ids[0], "ann", "ok");
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  f->store = NULL;
  lb_test_pump ();
  fixture_open (f);
}

typedef struct {
  Fixture *f;
  guint    index;
} ThreadData;

static gpointer
acts_thread (gpointer data)
{
  ThreadData *td = data;
  g_autofree char *actor = g_strdup_printf ("thread-%u", td->index);

  for (guint i = 0; i < 25; i++)
    submit_labels (td->f, td->f->ids[(i + td->index) % 5], actor, i % 2 ? "ok" : "spam");
  return NULL;
}

static gpointer
verify_thread (gpointer data)
{
  Fixture *f = data;

  /* each run sees a consistent snapshot while acts are being written */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (lb_store_verify (f->store, &error));
      g_assert_no_error (error);
      g_usleep (2000);
    }
  return NULL;
}

/* Sync acts from several threads at once keep one unbroken chain, and
 * verify runs in yet another thread meanwhile. */
static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ThreadData td[4];
  GThread *threads[4];
  GThread *verifier;

  verifier = g_thread_new ("verify", verify_thread, f);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      td[t] = (ThreadData) { f, t };
      threads[t] = g_thread_new ("acts", acts_thread, &td[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_thread_join (verifier);

  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 100);
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
  lb_test_pump ();
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_commit_latency (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n = 200;

  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 dt;

      submit_labels (f, f->ids[i % 5], "ann", i % 2 ? "ok" : "spam");
      dt = g_get_monotonic_time () - t0;
      g_array_append_val (times, dt);
    }
  g_array_sort (times, compare_gint64);
  g_test_message ("durable commit latency over %u acts: p50 %.2f ms, p99 %.2f ms", n,
                  g_array_index (times, gint64, n / 2) / 1000.0,
                  g_array_index (times, gint64, n * 99 / 100) / 1000.0);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, n);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncData d = { 0, };
  LbSubmission sub = { .labels = (const char *[]) { "ok", NULL } };

  d.loop = g_main_loop_new (NULL, FALSE);
  d.path = f->path;

  /* cancelled before the writer took it: nothing is written */
  g_cancellable_cancel (cancellable);
  lb_store_submit_async (f->store, f->ids[0], "ann", &sub, cancellable, submit_done_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_false (d.ok);
  g_assert_error (d.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&d.error);
  g_assert_cmpstr (d.count_at_callback, ==, "0");
  g_clear_pointer (&d.count_at_callback, g_free);
  g_main_loop_unref (d.loop);
}

static void
test_closed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  LbSubmission sub = { .labels = (const char *[]) { "ok", NULL } };
  gint64 batch_id = 0;

  lb_store_close (f->store);
  lb_store_close (f->store);  /* twice is fine */

  g_assert_false (lb_store_submit (f->store, f->ids[0], "ann", &sub, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (_lb_store_ensure_batch (f->store, "x", "/", "/", NULL, &batch_id, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (lb_store_get_item (f->store, f->ids[0], &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (lb_store_list_item_ids (f->store, 0, LB_ITEM_FILTER_ALL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED);
  g_clear_error (&error);
}

static void
test_item_properties (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(LbItem) item = NULL;
  g_autofree char *external_id = NULL;
  gint64 id = 0;
  gboolean done = FALSE;
  int state = -1;

  submit_labels (f, f->ids[1], "ann", "ok");
  item = lb_test_get_item (f->store, f->ids[1]);
  g_object_get (item, "id", &id, "external-id", &external_id, "done", &done, "state", &state,
                NULL);
  g_assert_cmpint (id, ==, f->ids[1]);
  g_assert_cmpstr (external_id, ==, "t2");
  g_assert_true (done);
  g_assert_cmpint (state, ==, LB_ITEM_STATE_DONE);
}

static void
test_default_path (void)
{
  g_autofree char *path = lb_store_get_default_path ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "labelbench",
                                                "labelbench.db", NULL);

  g_assert_cmpstr (path, ==, expected);
}

static void
test_kind_state_strings (void)
{
  g_assert_cmpstr (lb_item_kind_to_string (LB_ITEM_KIND_IMAGE), ==, "image");
  g_assert_cmpstr (lb_item_kind_to_string (LB_ITEM_KIND_TEXT), ==, "text");
  g_assert_cmpstr (lb_item_state_to_string (LB_ITEM_STATE_TODO), ==, "todo");
  g_assert_cmpstr (lb_item_state_to_string (LB_ITEM_STATE_SKIPPED), ==, "skipped");
  g_assert_cmpstr (lb_item_state_to_string (LB_ITEM_STATE_DONE), ==, "done");
}

/* Sync cursors: per sink, durable, never moving back; pending counts. */
static void
test_sync_cursors (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *raw = NULL;
  gint64 last;

  submit_labels (f, f->ids[0], "ann", "ok");
  submit_labels (f, f->ids[1], "ann", "spam");
  submit_labels (f, f->ids[2], "ann", "ok");
  last = lb_store_get_last_seq (f->store);
  g_assert_cmpint (last, ==, 3);

  /* never confirmed: 0, everything pending */
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_count_events_after (f->store, 0), ==, 3);

  g_assert_true (lb_store_set_sync_cursor (f->store, "outbox", 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 2);
  g_assert_cmpint (lb_store_count_events_after (f->store, 2), ==, 1);

  /* committed in the file once the call returned (an outside reader sees it) */
  raw = raw_query (f->path, "SELECT seq FROM sync_cursors WHERE sink = 'outbox'");
  g_assert_cmpstr (raw, ==, "2");

  /* a lower seq is ignored: the cursor never moves back */
  g_assert_true (lb_store_set_sync_cursor (f->store, "outbox", 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 2);

  /* each sink has its own */
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "postgres", &error), ==, 0);
  g_assert_true (lb_store_set_sync_cursor (f->store, "postgres", 3, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "postgres", &error), ==, 3);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 2);
  g_assert_cmpint (lb_store_count_events_after (f->store, 3), ==, 0);

  /* a seq past the last event, a negative one, no name: refused, nothing changed */
  g_assert_false (lb_store_set_sync_cursor (f->store, "outbox", last + 1, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "outbox"));
  g_clear_error (&error);
  g_assert_false (lb_store_set_sync_cursor (f->store, "outbox", -1, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lb_store_set_sync_cursor (f->store, "", 1, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 2);
  g_assert_no_error (error);

  /* they survive closing and reopening, also read-only */
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  fixture_open (f);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 2);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "postgres", &error), ==, 3);
  g_assert_no_error (error);
  {
    g_autoptr(LbStore) ro = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);

    g_assert_no_error (error);
    g_assert_cmpint (lb_store_get_sync_cursor (ro, "outbox", &error), ==, 2);
    g_assert_no_error (error);
    g_assert_cmpint (lb_store_count_events_after (ro, 2), ==, 1);
    g_assert_false (lb_store_set_sync_cursor (ro, "outbox", 3, &error));
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY);
    g_clear_error (&error);
    lb_store_close (ro);
  }
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 2);
}

typedef struct {
  LbStore *store;
  char    *sink;
  gint64   last;
} CursorThread;

static gpointer
cursor_thread (gpointer data)
{
  CursorThread *ct = data;

  for (gint64 seq = 1; seq <= ct->last; seq++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (lb_store_set_sync_cursor (ct->store, ct->sink, seq, &error));
      g_assert_no_error (error);
      g_assert_cmpint (lb_store_get_sync_cursor (ct->store, ct->sink, &error), ==, seq);
      g_assert_cmpint (lb_store_count_events_after (ct->store, seq), ==, ct->last - seq);
    }
  return NULL;
}

/* Two sinks advancing from their own threads while acts are appended. */
static void
test_sync_cursor_threads (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CursorThread a = { f->store, (char *) "http", 0 };
  CursorThread b = { f->store, (char *) "outbox", 0 };
  GThread *ta, *tb;

  for (guint i = 0; i < 20; i++)
    submit_labels (f, f->ids[i % 5], "ann", i % 2 ? "ok" : "spam");
  a.last = b.last = lb_store_get_last_seq (f->store);

  ta = g_thread_new ("cursor-a", cursor_thread, &a);
  tb = g_thread_new ("cursor-b", cursor_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);

  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "http", &error), ==, 20);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 20);
  g_assert_no_error (error);
}

/* A store at version 2 (made before sync cursors) gets the table when
 * opened for writing, keeping its events. */
static void
test_sync_cursor_migration (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *err = NULL;

  submit_labels (f, f->ids[0], "ann", "ok");
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  f->store = NULL;

  err = raw_exec (f->path, "DROP TABLE sync_cursors; PRAGMA user_version = 2;");
  g_assert_null (err);

  /* read-only cannot migrate: it says so */
  {
    LbStore *ro = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);

    g_assert_null (ro);
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN);
    g_clear_error (&error);
  }

  fixture_open (f);
  version = raw_query (f->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "5");
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 1);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 0);
  g_assert_no_error (error);
  g_assert_true (lb_store_set_sync_cursor (f->store, "outbox", 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", &error), ==, 1);
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

#define ADD(name, func) \
  g_test_add ("/engine/store/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

/* lb_store_foreach_item ------------------------------------------------- */

typedef struct {
  GPtrArray    *names;          /* "batch/external_id" */
  guint         stop_after;     /* 0 = never */
  GCancellable *cancel_after;   /* cancelled after stop_after items */
} WalkData;

static gboolean
walk_cb (LbItem    *item,
         gpointer   user_data,
         GError   **error)
{
  WalkData *w = user_data;

  g_ptr_array_add (w->names, g_strdup_printf ("%s/%s", lb_item_get_batch_name (item),
                                              lb_item_get_external_id (item)));
  if (w->stop_after != 0 && w->names->len == w->stop_after)
    {
      if (w->cancel_after != NULL)
        {
          g_cancellable_cancel (w->cancel_after);
          return TRUE;
        }
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "disk full");
      return FALSE;
    }
  return TRUE;
}

static char *
walk (LbStore       *store,
      gint64         batch_id,
      LbItemFilter   filter,
      WalkData      *w,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  gboolean ok;

  w->names = names;
  ok = lb_store_foreach_item (store, batch_id, filter, walk_cb, w, cancellable, error);
  g_ptr_array_add (names, NULL);
  w->names = NULL;
  joined = g_strjoinv (",", (char **) names->pdata);
  return g_strdup_printf ("%s:%s", ok ? "ok" : "failed", joined);
}

typedef struct {
  LbStore *store;
  char    *result;
} WalkThread;

static gpointer
walk_thread (gpointer data)
{
  WalkThread *t = data;
  WalkData w = { 0, };
  g_autoptr(GError) error = NULL;

  t->result = walk (t->store, 0, LB_ITEM_FILTER_DONE, &w, NULL, &error);
  g_assert_no_error (error);
  return NULL;
}

static gboolean
check_item_cb (LbItem    *item,
               gpointer   user_data,
               GError   **error)
{
  LbStore *store = user_data;
  g_autoptr(LbItem) same = lb_store_get_item (store, lb_item_get_id (item), error);
  g_autofree char *labels = NULL, *same_labels = NULL;

  g_assert_nonnull (same);
  labels = g_strjoinv (",", (char **) lb_item_get_labels (item));
  same_labels = g_strjoinv (",", (char **) lb_item_get_labels (same));
  g_assert_cmpstr (labels, ==, same_labels);
  g_assert_cmpstr (lb_item_get_text (item), ==, lb_item_get_text (same));
  g_assert_cmpstr (lb_item_get_path (item), ==, lb_item_get_path (same));
  g_assert_cmpstr (lb_item_get_meta_json (item), ==, lb_item_get_meta_json (same));
  g_assert_cmpint (lb_item_get_state (item), ==, lb_item_get_state (same));
  g_assert_cmpint (lb_item_get_updated_us (item), ==, lb_item_get_updated_us (same));
  return TRUE;
}

static void
test_foreach_item (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LbItem) t2 = NULL;
  g_autoptr(LbItem) t1 = NULL;
  g_autofree char *max_us = NULL;
  g_autofree char *err = NULL;
  LbNewItem items[2] = {
    { "x1", LB_ITEM_KIND_TEXT, NULL, "x one", NULL, "hx1" },
    { "x2", LB_ITEM_KIND_TEXT, NULL, "x two", NULL, "hx2" },
  };
  WalkData w = { 0, };
  WalkThread t = { f->store, NULL };
  GThread *thread;
  gint64 tags_id = 0;
  guint n_added = 0, n_existing = 0;
  char *result;

  g_assert_true (_lb_store_ensure_batch (f->store, "tags", "/data/tags", "/data/tags",
                                         MULTI_SCHEMA_JSON, &tags_id, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (f->store, tags_id, items, G_N_ELEMENTS (items),
                                         &n_added, &n_existing, &error));
  g_assert_no_error (error);
  submit_labels (f, f->ids[1], "ann", "ok");
  submit_labels (f, f->ids[3], "ann", "spam");
  submit_labels (f, f->ids[3], "ann", "ok");

  /* batch 0: every batch, in queue order */
  result = walk (f->store, 0, LB_ITEM_FILTER_ALL, &w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "ok:comments/t1,comments/t2,comments/i1,comments/i2,comments/t3,"
                               "tags/x1,tags/x2");
  g_free (result);

  /* one batch; filters */
  result = walk (f->store, tags_id, LB_ITEM_FILTER_ALL, &w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "ok:tags/x1,tags/x2");
  g_free (result);
  result = walk (f->store, f->batch_id, LB_ITEM_FILTER_DONE, &w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "ok:comments/t2,comments/i2");
  g_free (result);
  result = walk (f->store, 0, LB_ITEM_FILTER_TODO, &w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "ok:comments/t1,comments/i1,comments/t3,tags/x1,tags/x2");
  g_free (result);
  result = walk (f->store, tags_id, LB_ITEM_FILTER_DONE, &w, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "ok:");
  g_free (result);

  /* the items are those lb_store_get_item () gives */
  g_assert_true (lb_store_foreach_item (f->store, 0, LB_ITEM_FILTER_ALL, check_item_cb,
                                        f->store, NULL, &error));
  g_assert_no_error (error);

  /* the time of the latest event; 0 without events */
  t2 = lb_store_get_item (f->store, f->ids[3], &error);
  g_assert_no_error (error);
  max_us = raw_query (f->path, "SELECT max(time_us) FROM events WHERE item_id ="
                               " (SELECT id FROM items WHERE external_id = 'i2')");
  g_assert_cmpint (lb_item_get_updated_us (t2), ==, g_ascii_strtoll (max_us, NULL, 10));
  t1 = lb_store_get_item (f->store, f->ids[0], &error);
  g_assert_no_error (error);
  g_assert_cmpint (lb_item_get_updated_us (t1), ==, 0);

  /* the callback's error stops the walk and is passed on */
  w.stop_after = 2;
  result = walk (f->store, 0, LB_ITEM_FILTER_ALL, &w, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_cmpstr (result, ==, "failed:comments/t1,comments/t2");
  g_clear_error (&error);
  g_free (result);

  /* cancelled during the walk: no item after */
  w.stop_after = 3;
  w.cancel_after = cancellable;
  result = walk (f->store, 0, LB_ITEM_FILTER_ALL, &w, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (result, ==, "failed:comments/t1,comments/t2,comments/i1");
  g_clear_error (&error);
  g_free (result);
  /* cancelled before: no item at all */
  w.stop_after = 0;
  w.cancel_after = NULL;
  result = walk (f->store, 0, LB_ITEM_FILTER_ALL, &w, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (result, ==, "failed:");
  g_clear_error (&error);
  g_free (result);

  /* from another thread */
  thread = g_thread_new ("walk", walk_thread, &t);
  g_thread_join (thread);
  g_assert_cmpstr (t.result, ==, "ok:comments/t2,comments/i2");
  g_free (t.result);

  /* labels with the separator and characters outside the BMP, in order */
  {
    const char *odd_schema =
      "{\"name\": \"Odd\", \"multi_label\": true,"
      " \"labels\": [{\"id\": \"2:b\", \"title\": \"B\", \"hotkey\": \"1\", \"color\": \"#2ec27e\"},"
      "            {\"id\": \"猫🐱\", \"title\": \"Cat\", \"hotkey\": \"2\", \"color\": \"#e01b24\"}],"
      " \"decisions\": [], \"reasons\": []}";
    LbNewItem odd[1] = { { "o1", LB_ITEM_KIND_TEXT, NULL, "odd", NULL, "ho1" } };
    const char *odd_labels[] = { "猫🐱", "2:b", NULL };
    LbSubmission sub = { .labels = odd_labels, .dwell_ms = 10 };
    g_autoptr(LbItem) o1 = NULL;
    g_autofree char *joined = NULL;
    gint64 odd_id = 0;

    g_assert_true (_lb_store_ensure_batch (f->store, "odd", "/data/odd", "/data/odd", odd_schema,
                                           &odd_id, &error));
    g_assert_no_error (error);
    g_assert_true (_lb_store_insert_items (f->store, odd_id, odd, 1, &n_added, &n_existing,
                                           &error));
    g_assert_no_error (error);
    o1 = lb_store_find_item (f->store, "odd", "o1", &error);
    g_assert_no_error (error);
    g_assert_true (lb_store_submit (f->store, lb_item_get_id (o1), "ann", &sub, &error));
    g_assert_no_error (error);
    g_clear_object (&o1);
    o1 = lb_store_find_item (f->store, "odd", "o1", &error);
    g_assert_no_error (error);
    joined = g_strjoinv ("|", (char **) lb_item_get_labels (o1));
    g_assert_cmpstr (joined, ==, "猫🐱|2:b");
  }

  /* a version 4 store gets the times on opening */
  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  f->store = NULL;
  err = raw_exec (f->path, "ALTER TABLE item_state DROP COLUMN last_time_us;"
                           " PRAGMA user_version = 4;");
  g_assert_null (err);
  fixture_open (f);
  g_clear_object (&t2);
  t2 = lb_store_get_item (f->store, f->ids[3], &error);
  g_assert_no_error (error);
  g_assert_cmpint (lb_item_get_updated_us (t2), ==, g_ascii_strtoll (max_us, NULL, 10));
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/engine/store/default-path", test_default_path);
  g_test_add_func ("/engine/store/kind-state-strings", test_kind_state_strings);
  g_test_add_func ("/engine/store/migrations", test_migrations);
  g_test_add_func ("/engine/store/corrupt", test_corrupt);
  ADD ("create-reopen", test_create_reopen);
  ADD ("default-schema", test_default_schema);
  ADD ("schema-replaced", test_schema_replaced);
  ADD ("too-new", test_too_new);
  ADD ("locked", test_locked);
  ADD ("read-only", test_read_only);
  ADD ("items", test_items);
  ADD ("submit-state", test_submit_state);
  ADD ("undo", test_undo);
  ADD ("note-cleared", test_note_cleared);
  ADD ("validation", test_validation);
  ADD ("multi-label", test_multi_label);
  ADD ("events", test_events);
  ADD ("append-only", test_append_only);
  ADD ("verify-tamper", test_verify_tamper);
  ADD ("async", test_async);
  ADD ("signals", test_signals);
  ADD ("signal-after-unref", test_signal_after_unref);
  ADD ("commit-latency", test_commit_latency);
  ADD ("threads", test_threads);
  ADD ("cancelled", test_cancelled);
  ADD ("closed", test_closed);
  ADD ("item-properties", test_item_properties);
  ADD ("sync-cursors", test_sync_cursors);
  ADD ("sync-cursor-threads", test_sync_cursor_threads);
  ADD ("sync-cursor-migration", test_sync_cursor_migration);
  ADD ("foreach-item", test_foreach_item);

  return g_test_run ();
}
