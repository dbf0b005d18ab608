/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync-kill"
#include "config.h"

/* Exactly once: `labelbench-cli sync` is killed with SIGKILL at random
 * moments (a seeded sequence; the seed is printed, LB_SYNC_KILL_SEED sets
 * it) while it sends to each sink, with new events made between the kills;
 * then one sync runs to the end. Every event of the store must be in the
 * sink exactly once. */

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-store.h"
#include "lb-sync.h"
#include "lb-test-support.h"
#include "sync-test-servers.h"

#define KILLS_PER_SINK  7
#define MAX_TRIES       40
#define ACTS_BETWEEN    20
#define TOKEN           "kill-test-token"

typedef struct {
  char         *dir;
  char         *db;
  GRand        *rand;
  guint32       seed;
  SyncTestPg   *pg;
  SyncTestHttp *http;
  char         *secret_file;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *env = g_getenv ("LB_SYNC_KILL_SEED");
  LbStore *store;

  f->seed = env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 10)
                        : (guint32) g_test_rand_int ();
  g_test_message ("seed %u (set LB_SYNC_KILL_SEED=%u to run this sequence again)", f->seed,
                  f->seed);
  g_printerr ("test-sync-kill: seed %u\n", f->seed);
  f->rand = g_rand_new_with_seed (f->seed);
  f->dir = lb_test_make_tmpdir ("lb-test-sync-kill");
  f->db = g_build_filename (f->dir, "store.db", NULL);
  f->secret_file = g_build_filename (f->dir, "token", NULL);
  lb_test_write_file (NULL, f->secret_file, TOKEN "\n", -1);

  store = sync_test_make_store (f->dir, "store.db", 300);
  lb_store_close (store);
  g_object_unref (store);
  lb_test_pump ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  sync_test_http_stop (f->http);
  sync_test_pg_stop (f->pg);
  lb_test_remove_tree (f->dir);
  g_rand_free (f->rand);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->secret_file);
}

static char **
sync_argv (Fixture    *f,
           const char *sink,
           const char *target)
{
  GStrvBuilder *b = g_strv_builder_new ();
  char **argv;

  g_strv_builder_add_many (b, g_getenv ("LB_CLI"), "sync", "--store", f->db, "--sink", sink,
                           "--target", target, "--secret-file", f->secret_file,
                           "--max-attempts", "100", "--backoff-ms", "5", "--timeout", "1",
                           "--batch-events", "10", NULL);
  argv = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return argv;
}

static char **
child_env (void)
{
  char **env = g_get_environ ();

  /* see main() */
  return g_environ_setenv (env, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
}

static void
add_events (Fixture *f,
            guint    n_acts)
{
  LbStore *store = lb_test_open_store (f->db);

  sync_test_add_acts (store, n_acts);
  lb_store_close (store);
  g_object_unref (store);
  lb_test_pump ();
}

/* Starts the sync and kills it: half of the time after a random delay
 * (which may fall in its start-up), otherwise once it has confirmed a random
 * number of batches (1-3), plus a random delay (so mostly in the middle of
 * the next batch). TRUE when it was killed (FALSE: it had finished). */
static gboolean
kill_one (Fixture    *f,
          const char *sink,
          const char *target)
{
  g_auto(GStrv) argv = sync_argv (f, sink, target);
  g_auto(GStrv) env = child_env ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) ro = lb_store_open (f->db, LB_STORE_OPEN_READ_ONLY, &error);
  gboolean after_batches = g_rand_boolean (f->rand);
  guint n_batches = (guint) g_rand_int_range (f->rand, 1, 4);   /* ACTS_BETWEEN makes 4 */
  guint delay_ms = after_batches ? (guint) g_rand_int_range (f->rand, 0, 20)
                                 : (guint) g_rand_int_range (f->rand, 5, 150);
  gint64 start_cursor;
  gboolean reaped = FALSE;
  int status = 0;
  GPid pid;

  g_assert_no_error (error);
  start_cursor = lb_store_get_sync_cursor (ro, sink, NULL);

  g_spawn_async (NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                 | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  if (after_batches)
    {
      /* 10 events a batch; a time limit, not a timed assertion */
      gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

      while (lb_store_get_sync_cursor (ro, sink, NULL) < start_cursor + 10 * (gint64) n_batches
             && g_get_monotonic_time () < until)
        {
          if (waitpid (pid, &status, WNOHANG) == pid)
            {
              reaped = TRUE;
              break;
            }
          g_usleep (1000);
        }
    }
  if (!reaped)
    {
      g_usleep (delay_ms * 1000);
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
    }
  g_spawn_close_pid (pid);
  lb_store_close (ro);

  if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL)
    {
      if (after_batches)
        g_test_message ("%s: killed %u ms after %u batches", sink, delay_ms, n_batches);
      else
        g_test_message ("%s: killed after %u ms", sink, delay_ms);
      return TRUE;
    }
  g_test_message ("%s: had finished (status %d)", sink, status);
  return FALSE;
}

/* Kills until KILLS_PER_SINK, with new events after each; then a sync to the end */
static void
kill_and_finish (Fixture    *f,
                 const char *sink,
                 const char *target)
{
  g_auto(LbTestRun) run = { 0 };
  g_auto(GStrv) env = child_env ();
  guint kills = 0;
  guint acts = ACTS_BETWEEN;

  for (guint i = 0; i < MAX_TRIES && kills < KILLS_PER_SINK; i++)
    {
      if (kill_one (f, sink, target))
        {
          kills++;
          acts = ACTS_BETWEEN;
        }
      else
        {
          /* it sent everything before the kill (a busy machine slows the
           * killer more than the sync): give the next one more to send */
          acts = MIN (acts * 2, 16 * ACTS_BETWEEN);
        }
      add_events (f, acts);
    }
  /* 3 sinks x 7: at least 20 kills in all */
  g_assert_cmpuint (kills, ==, KILLS_PER_SINK);

  lb_test_run_cli (&run, env, "sync", "--store", f->db, "--sink", sink, "--target", target,
                   "--secret-file", f->secret_file, "--max-attempts", "100", "--backoff-ms",
                   "5", "--timeout", "1", "--batch-events", "10", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, " 0 pending"));
}

static GHashTable *
store_uuids (Fixture *f,
             gint64  *last_seq)
{
  g_autoptr(GError) error = NULL;
  LbStore *store = lb_store_open (f->db, LB_STORE_OPEN_READ_ONLY, &error);
  GHashTable *uuids;

  g_assert_no_error (error);
  uuids = sync_test_store_uuids (store);
  *last_seq = lb_store_get_last_seq (store);
  lb_store_close (store);
  g_object_unref (store);
  lb_test_pump ();
  return uuids;
}

static gint64
cursor_of (Fixture        *f,
           LbSyncSinkKind  kind,
           const char     *target)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = lb_sync_cursor_name (kind, target, &error);
  LbStore *store = lb_store_open (f->db, LB_STORE_OPEN_READ_ONLY, &error);
  gint64 cursor;

  g_assert_no_error (error);
  cursor = lb_store_get_sync_cursor (store, name, &error);
  g_assert_no_error (error);
  lb_store_close (store);
  g_object_unref (store);
  lb_test_pump ();
  return cursor;
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
joined_sorted (GHashTable *uuids)
{
  guint n = 0;
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (uuids, &n);
  g_autoptr(GString) s = g_string_new (NULL);

  qsort (keys, n, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, keys[i]);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_outbox (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *outbox = g_build_filename (f->dir, "outbox", NULL);
  g_autofree char *manifest_path = g_build_filename (outbox, "manifest.json", NULL);
  g_autofree char *manifest_text = NULL;
  g_autoptr(JsonNode) manifest = NULL;
  g_autoptr(GHashTable) uuids = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = NULL;
  JsonArray *segments;
  const char *name;
  gint64 last_seq = 0;

  kill_and_finish (f, "outbox", outbox);

  uuids = store_uuids (f, &last_seq);
  g_assert_cmpint (cursor_of (f, LB_SYNC_SINK_OUTBOX, outbox), ==, last_seq);
  g_file_get_contents (manifest_path, &manifest_text, NULL, NULL);
  g_assert_nonnull (manifest_text);
  manifest = lb_test_parse_json (manifest_text);
  segments = json_object_get_array_member (json_node_get_object (manifest), "segments");
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      g_autofree char *path = g_build_filename (outbox, json_object_get_string_member (s, "file"),
                                                NULL);
      g_autofree char *contents = NULL;
      g_autofree char *sha = NULL;
      g_auto(GStrv) lines = NULL;
      gsize len = 0;

      g_file_get_contents (path, &contents, &len, NULL);
      g_assert_nonnull (contents);
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      g_assert_cmpstr (sha, ==, json_object_get_string_member (s, "sha256"));
      lines = g_strsplit (contents, "\n", -1);
      for (guint k = 0; lines[k] != NULL && lines[k][0] != '\0'; k++)
        {
          g_autoptr(JsonNode) line = lb_test_parse_json (lines[k]);
          const char *uuid = json_object_get_string_member (json_node_get_object (line), "uuid");

          /* exactly once across the manifest's segments */
          g_assert_false (g_hash_table_contains (seen, uuid));
          g_assert_true (g_hash_table_contains (uuids, uuid));
          g_hash_table_add (seen, g_strdup (uuid));
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (uuids));

  /* no temporary file left, and no segment the manifest does not list */
  dir = g_dir_open (outbox, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_false (g_str_has_suffix (name, ".tmp"));
      if (g_str_has_suffix (name, ".jsonl"))
        {
          gboolean listed = FALSE;

          for (guint i = 0; i < json_array_get_length (segments); i++)
            listed |= g_strcmp0 (name, json_object_get_string_member (
                                   json_array_get_object_element (segments, i), "file")) == 0;
          g_assert_true (listed);
        }
    }
}

static void
test_http (Fixture       *f,
           gconstpointer  data)
{
  SyncTestHttpFaults faults = {
    .seed = f->seed, .p_500 = 0.1, .p_delay = 0.03, .p_drop = 0.1, .delay_ms = 1200,
    .token = TOKEN,
  };
  g_autoptr(GHashTable) uuids = NULL;
  g_autoptr(GHashTable) sink = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gint64 last_seq = 0;

  f->http = sync_test_http_start (&faults);
  kill_and_finish (f, "http", sync_test_http_url (f->http));

  uuids = store_uuids (f, &last_seq);
  sink = sync_test_http_uuids (f->http);
  /* the set of uuids the sink confirmed is the store's */
  a = joined_sorted (uuids);
  b = joined_sorted (sink);
  g_assert_cmpuint (g_hash_table_size (sink), ==, g_hash_table_size (uuids));
  g_assert_true (strcmp (a, b) == 0);
  g_assert_cmpuint (sync_test_http_bad_requests (f->http), ==, 0);
  g_assert_cmpint (cursor_of (f, LB_SYNC_SINK_HTTP, sync_test_http_url (f->http)), ==,
                   last_seq);
  g_test_message ("http: %u requests, %u faults", sync_test_http_requests (f->http),
                  sync_test_http_faults (f->http));
}

static void
test_postgres (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GHashTable) uuids = NULL;
  g_autofree char *count = NULL;
  g_autofree char *distinct = NULL;
  g_autofree char *all = NULL;
  g_autofree char *want = NULL;
  gint64 last_seq = 0;

  f->pg = sync_test_pg_start (f->dir);
  kill_and_finish (f, "postgres", sync_test_pg_conninfo (f->pg));

  uuids = store_uuids (f, &last_seq);
  count = sync_test_pg_query (f->pg, "SELECT count(*) FROM labelbench_events", NULL);
  distinct = sync_test_pg_query (f->pg, "SELECT count(DISTINCT uuid) FROM labelbench_events",
                                 NULL);
  all = sync_test_pg_query (f->pg, "SELECT string_agg(uuid::text, ',' ORDER BY uuid::text) "
                            "FROM labelbench_events", NULL);
  want = g_strdup_printf ("%u", g_hash_table_size (uuids));
  g_assert_cmpstr (count, ==, want);
  g_assert_cmpstr (distinct, ==, want);
  {
    g_autofree char *joined = joined_sorted (uuids);

    g_assert_true (g_strcmp0 (all, joined) == 0);
  }
  g_assert_cmpint (cursor_of (f, LB_SYNC_SINK_POSTGRES, sync_test_pg_conninfo (f->pg)), ==,
                   last_seq);
}

int
main (int    argc,
      char **argv)
{
  /* the tests' GSETTINGS_SCHEMA_DIR has only our schema: GIO's GNOME proxy
   * resolver would abort on the missing org.gnome.system.proxy */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/engine/sync/kill/outbox", Fixture, NULL, fixture_set_up, test_outbox,
              fixture_tear_down);
  g_test_add ("/engine/sync/kill/http", Fixture, NULL, fixture_set_up, test_http,
              fixture_tear_down);
  g_test_add ("/engine/sync/kill/postgres", Fixture, NULL, fixture_set_up, test_postgres,
              fixture_tear_down);

  return g_test_run ();
}
