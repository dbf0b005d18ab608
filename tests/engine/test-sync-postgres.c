/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync-postgres"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "lb-export.h"
#include "lb-store.h"
#include "lb-sync.h"
#include "lb-test-support.h"
#include "sync-test-servers.h"

/* One server for all the tests of this program (starting one takes a while) */
static SyncTestPg *pg;
static char *pg_dir;

typedef struct {
  char    *dir;
  LbStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-test-sync-pg");
  g_free (sync_test_pg_query (pg, "DROP TABLE IF EXISTS labelbench_events", NULL));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->store != NULL)
    {
      lb_store_close (f->store);
      g_clear_object (&f->store);
    }
  lb_test_pump ();
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
run_sync (Fixture     *f,
          const char  *conninfo,
          guint        batch_events,
          guint64     *n_sent,
          GError     **error)
{
  g_autoptr(LbSyncConfig) config = NULL;
  LbSyncOptions options = { .max_attempts = 2, .backoff_base_ms = 10, .timeout_s = 5,
                            .batch_events = batch_events };

  config = lb_sync_config_new (LB_SYNC_SINK_POSTGRES, conninfo, NULL, error);
  g_assert_nonnull (config);
  return lb_sync_run_once_full (f->store, config, &options, n_sent, NULL, error);
}

static gint64
query_int (const char *sql)
{
  g_autofree char *value = sync_test_pg_query (pg, sql, NULL);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static gint64
query_int_on (const char *conninfo,
              const char *sql)
{
  g_autofree char *value = sync_test_pg_query_on (conninfo, sql, NULL);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

/* The store's cursor of that database */
static gint64
cursor_of (Fixture    *f,
           const char *conninfo)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = lb_sync_cursor_name (LB_SYNC_SINK_POSTGRES, conninfo, &error);
  gint64 cursor;

  g_assert_no_error (error);
  cursor = lb_store_get_sync_cursor (f->store, name, &error);
  g_assert_no_error (error);
  return cursor;
}

static guint64
count_pending (Fixture    *f,
               const char *conninfo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = lb_sync_config_new (LB_SYNC_SINK_POSTGRES, conninfo, NULL,
                                                       &error);
  guint64 n;

  g_assert_no_error (error);
  n = lb_sync_count_pending (f->store, config, &error);
  g_assert_no_error (error);
  return n;
}

typedef struct {
  GString *mismatch;
  guint    n_checked;
} Compare;

/* Every event of the store is one row with the same fields */
static gboolean
compare_cb (const LbEvent *e,
            gpointer       user_data,
            GError       **error)
{
  Compare *c = user_data;
  g_autofree char *row = NULL;
  g_autofree char *want = NULL;
  g_autoptr(GString) time = g_string_new (NULL);

  if (e->seq % 97 != 1)   /* a sample: one query per row would be slow */
    return TRUE;
  lb_export_append_time (time, e->time_us);
  row = sync_test_pg_query (pg, "SELECT concat_ws('|', seq, seat, batch, item, actor, role, "
                            "kind, payload = $1::jsonb, time = $2::timestamptz, time_us, "
                            "dwell_ms, act, prev_hash, hash) FROM labelbench_events "
                            "WHERE uuid = $3", e->payload, time->str, e->uuid, NULL);
  want = g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%s|%s|%s|%s|%s|t|t|%" G_GINT64_FORMAT
                          "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%s|%s",
                          e->seq, e->seat, e->batch, e->item, e->actor, e->role, e->kind,
                          e->time_us, e->dwell_ms, e->act, e->prev_hash ? e->prev_hash : "",
                          e->hash);
  /* concat_ws skips NULLs and empty strings stay: the first event's prev_hash is "" */
  if (g_strcmp0 (row, want) != 0)
    g_string_append_printf (c->mismatch, "seq %" G_GINT64_FORMAT ": %s != %s\n", e->seq, row,
                            want);
  c->n_checked++;
  return TRUE;
}

static void
test_sync (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = g_build_filename (f->dir, "before.db", NULL);
  g_autofree char *db = g_build_filename (f->dir, "store.db", NULL);
  Compare c = { g_string_new (NULL), 0 };
  guint64 n_sent = 0;

  f->store = sync_test_make_store (f->dir, "store.db", 600);
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_copy_file (db, saved);
  f->store = lb_test_open_store (db);

  /* the table does not exist: created; 1200 events in batches of 500 */
  g_assert_true (run_sync (f, sync_test_pg_conninfo (pg), 500, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 1200);
  g_assert_cmpint (cursor_of (f, sync_test_pg_conninfo (pg)), ==, 1200);
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events"), ==, 1200);
  g_assert_cmpint (query_int ("SELECT count(DISTINCT uuid) FROM labelbench_events"), ==, 1200);
  g_assert_cmpint (query_int ("SELECT max(seq) FROM labelbench_events"), ==, 1200);
  /* payload is jsonb: queried as JSON */
  {
    g_autofree char *n = sync_test_pg_query (pg, "SELECT count(*) FROM labelbench_events "
                                             "WHERE kind = 'note' AND payload->>'text' LIKE $1",
                                             "note %\"q\" \\\\ %", NULL);

    g_assert_cmpstr (n, ==, "600");
  }
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events "
                              "WHERE received_at IS NULL"), ==, 0);

  lb_store_foreach_event (f->store, 0, compare_cb, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c.mismatch->str, ==, "");
  g_assert_cmpuint (c.n_checked, >, 10);
  g_string_free (c.mismatch, TRUE);

  /* nothing new: nothing sent */
  g_assert_true (run_sync (f, sync_test_pg_conninfo (pg), 500, &n_sent, &error));
  g_assert_cmpuint (n_sent, ==, 0);

  /* the store as before the sync (a crash before any cursor was written):
   * everything sent again, nothing doubled; new events added */
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_copy_file (saved, db);
  {
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);

    g_unlink (wal);
  }
  f->store = lb_test_open_store (db);
  g_assert_cmpint (cursor_of (f, sync_test_pg_conninfo (pg)), ==, 0);
  sync_test_add_acts (f->store, 20);
  g_assert_true (run_sync (f, sync_test_pg_conninfo (pg), 0, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 1240);
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events"), ==, 1240);
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = g_strdup_printf ("host=%s port=1 dbname=x user=labelbench",
                                               f->dir);
  guint64 n_sent = 1;

  f->store = sync_test_make_store (f->dir, "store.db", 3);
  g_assert_false (run_sync (f, conninfo, 0, &n_sent, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "PostgreSQL"));
  g_assert_cmpuint (n_sent, ==, 0);
  g_assert_cmpint (cursor_of (f, conninfo), ==, 0);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* A server that accepts the connection and never answers: the connect is
 * cancellable (the app's syncer stopping must not wait for the timeout) */
static void
test_cancel_connect (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LbSyncConfig) config = NULL;
  g_autofree char *conninfo = NULL;
  LbSyncOptions options = { .max_attempts = 1, .timeout_s = 120 };
  GThread *canceller;
  guint64 n_sent = 1;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);   /* never accepted: the kernel completes the handshake */
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  conninfo = g_strdup_printf ("host=127.0.0.1 port=%u dbname=x user=y",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  f->store = sync_test_make_store (f->dir, "store.db", 3);
  config = lb_sync_config_new (LB_SYNC_SINK_POSTGRES, conninfo, NULL, &error);
  g_assert_no_error (error);
  canceller = g_thread_new ("cancel", cancel_later, cancellable);
  /* without the cancellation this would wait for the 120 s timeout (and
   * then fail with OFFLINE, not CANCELLED) */
  g_assert_false (lb_sync_run_once_full (f->store, config, &options, &n_sent, cancellable,
                                         &error));
  g_thread_join (canceller);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (n_sent, ==, 0);
}

/* A table of another shape: refused (failing), with PostgreSQL's reason */
static void
test_wrong_table (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 n_sent = 1;

  g_free (sync_test_pg_query (pg, "CREATE TABLE labelbench_events (uuid uuid PRIMARY KEY)",
                              NULL));
  f->store = sync_test_make_store (f->dir, "store.db", 3);
  g_assert_false (run_sync (f, sync_test_pg_conninfo (pg), 0, &n_sent, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "seq 1–6"));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_assert_cmpuint (n_sent, ==, 0);
  g_assert_cmpint (cursor_of (f, sync_test_pg_conninfo (pg)), ==, 0);
}

/* Re-pointed at another database (a fleet administrator changing
 * sync-target): the new one gets the whole history, the old one is left
 * alone, and each keeps its own cursor */
static void
test_repoint (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *a = sync_test_pg_conninfo (pg);
  g_autofree char *b = sync_test_pg_create_db (pg, "lb_other");
  g_autofree char *name_a = lb_sync_cursor_name (LB_SYNC_SINK_POSTGRES, a, NULL);
  g_autofree char *name_b = lb_sync_cursor_name (LB_SYNC_SINK_POSTGRES, b, NULL);
  guint64 n_sent = 0;
  gint64 n;

  g_assert_cmpstr (name_a, !=, name_b);
  g_assert_nonnull (strstr (name_b, "dbname=lb_other"));
  f->store = sync_test_make_store (f->dir, "store.db", 300);
  n = lb_store_get_last_seq (f->store);
  g_assert_cmpint (n, ==, 600);

  g_assert_true (run_sync (f, a, 0, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, (guint64) n);
  g_assert_cmpuint (count_pending (f, a), ==, 0);
  /* what A confirmed is nothing to B */
  g_assert_cmpuint (count_pending (f, b), ==, (guint64) n);
  g_assert_cmpint (cursor_of (f, b), ==, 0);

  g_assert_true (run_sync (f, b, 250, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, (guint64) n);
  g_assert_cmpint (query_int_on (b, "SELECT count(DISTINCT uuid) FROM labelbench_events"),
                   ==, n);
  g_assert_cmpint (query_int_on (b, "SELECT min(seq) FROM labelbench_events"), ==, 1);
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events"), ==, n);
  g_assert_cmpint (cursor_of (f, a), ==, n);
  g_assert_cmpint (cursor_of (f, b), ==, n);

  /* new work goes to B only; A gets it when pointed back, from its cursor */
  sync_test_add_acts (f->store, 5);
  g_assert_true (run_sync (f, b, 0, &n_sent, &error));
  g_assert_cmpuint (n_sent, ==, 10);
  g_assert_cmpint (query_int_on (b, "SELECT count(*) FROM labelbench_events"), ==, n + 10);
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events"), ==, n);
  g_assert_cmpuint (count_pending (f, a), ==, 10);
  g_assert_true (run_sync (f, a, 0, &n_sent, &error));
  g_assert_cmpuint (n_sent, ==, 10);
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events"), ==, n + 10);
}

/* A store synced by an earlier version has its cursor under the bare kind
 * name "postgres": the target gets the history once more, and the table
 * holds every event once */
static void
test_upgrade (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *conninfo = sync_test_pg_conninfo (pg);
  g_autofree char *db = g_build_filename (f->dir, "store.db", NULL);
  g_autofree char *name = lb_sync_cursor_name (LB_SYNC_SINK_POSTGRES, conninfo, NULL);
  guint64 n_sent = 0;
  gint64 n;

  f->store = sync_test_make_store (f->dir, "store.db", 300);
  n = lb_store_get_last_seq (f->store);
  g_assert_true (run_sync (f, conninfo, 0, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, (guint64) n);

  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_pump ();
  sync_test_store_rename_cursor (db, name, "postgres");
  f->store = lb_test_open_store (db);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "postgres", NULL), ==, n);
  g_assert_cmpint (cursor_of (f, conninfo), ==, 0);
  sync_test_add_acts (f->store, 10);
  g_assert_cmpuint (count_pending (f, conninfo), ==, (guint64) n + 20);

  g_assert_true (run_sync (f, conninfo, 0, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, (guint64) n + 20);
  g_assert_cmpint (query_int ("SELECT count(*) FROM labelbench_events"), ==, n + 20);
  g_assert_cmpint (query_int ("SELECT count(DISTINCT uuid) FROM labelbench_events"), ==, n + 20);
  g_assert_cmpint (cursor_of (f, conninfo), ==, n + 20);
  /* the old row is kept as it was (an older build still finds it) */
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "postgres", NULL), ==, n);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/engine/sync/postgres/sync", Fixture, NULL, fixture_set_up, test_sync,
              fixture_tear_down);
  g_test_add ("/engine/sync/postgres/unreachable", Fixture, NULL, fixture_set_up,
              test_unreachable, fixture_tear_down);
  g_test_add ("/engine/sync/postgres/cancel-connect", Fixture, NULL, fixture_set_up,
              test_cancel_connect, fixture_tear_down);
  g_test_add ("/engine/sync/postgres/wrong-table", Fixture, NULL, fixture_set_up,
              test_wrong_table, fixture_tear_down);
  g_test_add ("/engine/sync/postgres/repoint", Fixture, NULL, fixture_set_up,
              test_repoint, fixture_tear_down);
  g_test_add ("/engine/sync/postgres/upgrade", Fixture, NULL, fixture_set_up,
              test_upgrade, fixture_tear_down);

  pg_dir = lb_test_make_tmpdir ("lb-test-sync-pg-server");
  pg = sync_test_pg_start (pg_dir);
  status = g_test_run ();
  sync_test_pg_stop (pg);
  lb_test_remove_tree (pg_dir);
  g_free (pg_dir);
  return status;
}
