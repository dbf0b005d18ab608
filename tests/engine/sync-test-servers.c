/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sync-test-servers"
#include "config.h"

#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "lb-import.h"
#include "lb-test-support.h"
#include "sync-test-servers.h"

/* Store */

static const char *const texts[] = {
  "first comment", "second, with \"quotes\"", "tab\there", "new\nline",
  "back\\slash", "中文评论", "emoji 🎉 text", "plain",
};

LbStore *
sync_test_make_store (const char *dir,
                      const char *name,
                      guint       n_acts)
{
  g_autofree char *db = g_build_filename (dir, name, NULL);
  g_autofree char *items_dir = g_build_filename (dir, "items", NULL);
  g_autofree char *manifest = g_build_filename (items_dir, "items.jsonl", NULL);
  g_autofree char *schema = g_build_filename (items_dir, "schema.json", NULL);
  g_autoptr(GString) jsonl = g_string_new (NULL);
  LbImportOptions options = { .name = "sync" };
  LbStore *store;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *id = g_strdup_printf ("t%u", i + 1);
      g_autofree char *text = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, texts[i]);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      text = json_generator_to_data (gen, NULL);
      g_string_append_printf (jsonl, "%s\n", text);
    }
  lb_test_write_file (items_dir, "items.jsonl", jsonl->str, -1);
  lb_test_write_file (items_dir, "schema.json", lb_test_comment_schema_json, -1);
  options.schema_path = schema;

  store = lb_test_open_store (db);
  lb_test_import (store, manifest, &options, G_N_ELEMENTS (texts));
  sync_test_add_acts (store, n_acts);
  return store;
}

void
sync_test_add_acts (LbStore *store,
                    guint    n_acts)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  static const char *const labels_ok[] = { "ok", NULL };
  static const char *const labels_spam[] = { "spam", NULL };
  gint64 base = lb_store_get_last_seq (store);

  ids = lb_store_list_item_ids (store, 0, LB_ITEM_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, >, 0);

  for (guint i = 0; i < n_acts; i++)
    {
      g_autofree char *note = g_strdup_printf ("note %" G_GINT64_FORMAT " \"q\" \\ \t 中 🎉",
                                               base + i);
      LbSubmission sub = {
        .labels = (i % 2) ? labels_spam : labels_ok,
        .note = note,
        .dwell_ms = i,
      };

      lb_store_submit (store, g_array_index (ids, gint64, i % ids->len), "annotator-1", &sub,
                       &error);
      g_assert_no_error (error);
    }
}

static gboolean
collect_uuid_cb (const LbEvent *event,
                 gpointer       user_data,
                 GError       **error)
{
  g_hash_table_insert (user_data, g_strdup (event->uuid), GINT_TO_POINTER ((int) event->seq));
  return TRUE;
}

GHashTable *
sync_test_store_uuids (LbStore *store)
{
  GHashTable *uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;

  lb_store_foreach_event (store, 0, collect_uuid_cb, uuids, &error);
  g_assert_no_error (error);
  return uuids;
}

void
sync_test_store_rename_cursor (const char *db_path,
                               const char *from,
                               const char *to)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE sync_cursors SET sink = ?2 WHERE sink = ?1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, to, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* PostgreSQL */

struct _SyncTestPg {
  char  *dir;
  char  *bin;
  char  *conninfo;
  GPid   pid;
  int    keepalive_fd;   /* the server stops when this pipe closes */
};

static char *
find_pg_bin (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  g_autofree char *best = NULL;
  int best_version = 0;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *bin = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
      g_autofree char *postgres = g_build_filename (bin, "postgres", NULL);
      g_autofree char *initdb = g_build_filename (bin, "initdb", NULL);
      int version = atoi (name);

      if (version > best_version && g_file_test (postgres, G_FILE_TEST_IS_EXECUTABLE)
          && g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_free (best);
          best = g_steal_pointer (&bin);
          best_version = version;
        }
    }
  return g_steal_pointer (&best);
}

/* argv prefixed with setpriv to the postgres user when we are root */
static GPtrArray *
pg_argv (gboolean as_postgres)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  if (as_postgres)
    {
      g_ptr_array_add (argv, g_strdup ("setpriv"));
      g_ptr_array_add (argv, g_strdup ("--reuid=postgres"));
      g_ptr_array_add (argv, g_strdup ("--regid=postgres"));
      g_ptr_array_add (argv, g_strdup ("--init-groups"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  return argv;
}

SyncTestPg *
sync_test_pg_start (const char *dir)
{
  SyncTestPg *pg = g_new0 (SyncTestPg, 1);
  gboolean as_postgres = getuid () == 0;
  g_autofree char *data = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *log = NULL;
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  int port = 40000 + (int) (getpid () % 20000);
  int stdin_fd = -1;

  pg->bin = find_pg_bin ();
  if (pg->bin == NULL)
    g_error ("The PostgreSQL server (initdb, postgres in /usr/lib/postgresql/*/bin) is not "
             "installed: run build-aux/install-deps (it installs the postgresql package)");

  pg->dir = g_build_filename (dir, "pg", NULL);
  data = g_build_filename (pg->dir, "data", NULL);
  sock = g_build_filename (pg->dir, "sock", NULL);
  log = g_build_filename (pg->dir, "server.log", NULL);
  g_assert_cmpint (g_mkdir_with_parents (sock, 0700), ==, 0);

  if (as_postgres)
    {
      struct passwd *pw = getpwnam ("postgres");

      if (pw == NULL)
        g_error ("Running as root, the PostgreSQL test needs the “postgres” user: run "
                 "build-aux/install-deps (the postgresql package creates it)");
      /* the scratch folder is ours (0700): let postgres through to pg/ */
      g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
      g_assert_cmpint (chown (pg->dir, pw->pw_uid, pw->pw_gid), ==, 0);
      g_assert_cmpint (chown (sock, pw->pw_uid, pw->pw_gid), ==, 0);
    }

  argv = pg_argv (as_postgres);
  g_ptr_array_add (argv, g_build_filename (pg->bin, "initdb", NULL));
  g_ptr_array_add (argv, g_strdup ("-D"));
  g_ptr_array_add (argv, g_strdup (data));
  g_ptr_array_add (argv, g_strdup ("-A"));
  g_ptr_array_add (argv, g_strdup ("trust"));
  g_ptr_array_add (argv, g_strdup ("-U"));
  g_ptr_array_add (argv, g_strdup ("labelbench"));
  g_ptr_array_add (argv, g_strdup ("-E"));
  g_ptr_array_add (argv, g_strdup ("UTF8"));
  g_ptr_array_add (argv, g_strdup ("--locale=C"));
  g_ptr_array_add (argv, g_strdup ("--no-sync"));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (pg->dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("initdb failed: %s", err);

  /* sh reads its stdin: EOF (our end closed, or we died) stops the server */
  script = g_strdup_printf ("'%s/postgres' -D '%s' -k '%s' -p %d -c listen_addresses='' "
                            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off "
                            ">'%s' 2>&1 & pid=$!; read _ignored; kill -INT $pid; wait $pid",
                            pg->bin, data, sock, port, log);
  g_clear_pointer (&argv, g_ptr_array_unref);
  argv = pg_argv (as_postgres);
  g_ptr_array_add (argv, g_strdup ("sh"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup (script));
  g_ptr_array_add (argv, NULL);
  g_spawn_async_with_pipes (pg->dir, (char **) argv->pdata, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &pg->pid, &stdin_fd, NULL, NULL, &error);
  g_assert_no_error (error);
  pg->keepalive_fd = stdin_fd;

  pg->conninfo = g_strdup_printf ("host=%s port=%d dbname=postgres user=labelbench", sock,
                                  port);

  /* ready when it answers: a time limit, not a timed assertion */
  for (int i = 0; ; i++)
    {
      if (PQping (pg->conninfo) == PQPING_OK)
        break;
      if (i > 600)
        {
          g_autofree char *text = NULL;

          g_file_get_contents (log, &text, NULL, NULL);
          g_error ("PostgreSQL did not start within 60 s: %s", text);
        }
      g_usleep (100000);
    }
  return pg;
}

const char *
sync_test_pg_conninfo (SyncTestPg *pg)
{
  return pg->conninfo;
}

static char *
query_valist (const char *conninfo,
              const char *sql,
              va_list     args)
{
  PGconn *conn = PQconnectdb (conninfo);
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  PGresult *res;
  char *value = NULL;

  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (params, (char *) p);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("cannot connect to the test server: %s", PQerrorMessage (conn));
  res = PQexecParams (conn, sql, (int) params->len, NULL,
                      (const char * const *) params->pdata, NULL, NULL, 0);
  if (PQresultStatus (res) != PGRES_TUPLES_OK && PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (res));
  if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) > 0)
    value = g_strdup (PQgetvalue (res, 0, 0));
  PQclear (res);
  PQfinish (conn);
  return value;
}

char *
sync_test_pg_query (SyncTestPg *pg,
                    const char *sql,
                    ...)
{
  va_list args;
  char *value;

  va_start (args, sql);
  value = query_valist (pg->conninfo, sql, args);
  va_end (args);
  return value;
}

char *
sync_test_pg_query_on (const char *conninfo,
                       const char *sql,
                       ...)
{
  va_list args;
  char *value;

  va_start (args, sql);
  value = query_valist (conninfo, sql, args);
  va_end (args);
  return value;
}

char *
sync_test_pg_create_db (SyncTestPg *pg,
                        const char *dbname)
{
  g_autofree char *drop = g_strdup_printf ("DROP DATABASE IF EXISTS \"%s\"", dbname);
  g_autofree char *create = g_strdup_printf ("CREATE DATABASE \"%s\"", dbname);
  g_autofree char *other = g_strdup_printf ("dbname=%s ", dbname);
  g_autoptr(GString) conninfo = g_string_new (pg->conninfo);

  g_assert_null (strchr (dbname, '"'));
  g_free (sync_test_pg_query (pg, drop, NULL));
  g_free (sync_test_pg_query (pg, create, NULL));
  g_assert_cmpuint (g_string_replace (conninfo, "dbname=postgres ", other, 1), ==, 1);
  return g_string_free (g_steal_pointer (&conninfo), FALSE);
}

void
sync_test_pg_stop (SyncTestPg *pg)
{
  int status = 0;

  if (pg == NULL)
    return;
  close (pg->keepalive_fd);
  waitpid (pg->pid, &status, 0);
  g_spawn_close_pid (pg->pid);
  g_free (pg->dir);
  g_free (pg->bin);
  g_free (pg->conninfo);
  g_free (pg);
}

/* HTTP */

struct _SyncTestHttp {
  SyncTestHttpFaults  faults;
  char               *reject_uuid;
  char               *token;
  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;
  SoupServer         *server;
  char               *url;
  GMutex              mutex;
  GCond               cond;
  gboolean            ready;
  GRand              *rand;
  GHashTable         *uuids;      /* uuid -> count */
  guint               n_requests;
  guint               n_bad;
  guint               n_rejected;
  guint               n_faults;
};

typedef struct {
  SyncTestHttp      *http;
  SoupServerMessage *msg;
  gulong             disconnected_id;
  gboolean           disconnected;   /* the client went away (killed) meanwhile */
} Delayed;

static void
delayed_disconnected_cb (SoupServerMessage *msg,
                         Delayed           *d)
{
  d->disconnected = TRUE;
}

static gboolean
delayed_answer_cb (gpointer data)
{
  Delayed *d = data;

  /* a message whose connection is gone has nothing left to unpause */
  if (!d->disconnected)
    {
      soup_server_message_set_status (d->msg, SOUP_STATUS_OK, NULL);
      soup_server_message_unpause (d->msg);
    }
  g_signal_handler_disconnect (d->msg, d->disconnected_id);
  g_object_unref (d->msg);
  g_free (d);
  return G_SOURCE_REMOVE;
}

/* The body's uuids, in order; NULL if a line is not an event */
static GPtrArray *
parse_body (const char *data,
            gsize       len)
{
  g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = g_strndup (data, len);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;
      const char *uuid;

      if (lines[i][0] == '\0')
        continue;
      if (!json_parser_load_from_data (parser, lines[i], -1, NULL))
        return NULL;
      root = json_parser_get_root (parser);
      if (!JSON_NODE_HOLDS_OBJECT (root))
        return NULL;
      uuid = json_object_get_string_member_with_default (json_node_get_object (root), "uuid",
                                                         NULL);
      if (uuid == NULL)
        return NULL;
      g_ptr_array_add (uuids, g_strdup (uuid));
    }
  return g_steal_pointer (&uuids);
}

static void
record (SyncTestHttp *http,
        GPtrArray    *uuids)
{
  for (guint i = 0; i < uuids->len; i++)
    {
      const char *uuid = g_ptr_array_index (uuids, i);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (http->uuids, uuid));

      g_hash_table_replace (http->uuids, g_strdup (uuid), GUINT_TO_POINTER (n + 1));
    }
}

static void
events_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SyncTestHttp *http = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(GPtrArray) uuids = NULL;
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *key = soup_message_headers_get_one (headers, "Idempotency-Key");
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  gboolean bad = FALSE;
  double r;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  g_mutex_lock (&http->mutex);
  http->n_requests++;

  uuids = parse_body (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (uuids == NULL || uuids->len == 0)
    bad = TRUE;
  if (g_strcmp0 (type, "application/x-ndjson") != 0)
    bad = TRUE;
  if (http->token != NULL)
    {
      g_autofree char *want = g_strconcat ("Bearer ", http->token, NULL);

      if (g_strcmp0 (auth, want) != 0)
        bad = TRUE;
    }
  if (uuids != NULL)
    {
      GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autofree char *want = NULL;

      for (guint i = 0; i < uuids->len; i++)
        {
          g_checksum_update (sum, g_ptr_array_index (uuids, i), -1);
          g_checksum_update (sum, (const guchar *) "\n", 1);
        }
      want = g_strconcat ("lb-", g_checksum_get_string (sum), NULL);
      g_checksum_free (sum);
      if (g_strcmp0 (key, want) != 0)
        bad = TRUE;
    }
  if (bad)
    {
      http->n_bad++;
      g_mutex_unlock (&http->mutex);
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, "bad request", 11);
      return;
    }

  if (http->reject_uuid != NULL)
    for (guint i = 0; i < uuids->len; i++)
      if (strcmp (g_ptr_array_index (uuids, i), http->reject_uuid) == 0)
        {
          /* a body quoting the token, with control characters: the client must
           * show neither as they are */
          g_autofree char *answer =
            g_strdup_printf ("{\"error\": \"event %s refused\",\n\t\"auth\": \"Bearer %s\"}\x01",
                             http->reject_uuid, http->token ? http->token : "");

          http->n_rejected++;
          g_mutex_unlock (&http->mutex);
          soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
          soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer,
                                            strlen (answer));
          return;
        }

  r = g_rand_double (http->rand);
  if (r < http->faults.p_500)
    {
      http->n_faults++;
      g_mutex_unlock (&http->mutex);
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, "try later", 9);
      return;
    }
  r -= http->faults.p_500;
  if (r < http->faults.p_delay)
    {
      Delayed *d = g_new0 (Delayed, 1);
      GSource *source = g_timeout_source_new (http->faults.delay_ms);

      /* accepted, but the answer comes after the client gave up */
      http->n_faults++;
      record (http, uuids);
      g_mutex_unlock (&http->mutex);
      d->http = http;
      d->msg = g_object_ref (msg);
      d->disconnected_id = g_signal_connect (msg, "disconnected",
                                             G_CALLBACK (delayed_disconnected_cb), d);
      soup_server_message_pause (msg);
      g_source_set_callback (source, delayed_answer_cb, d, NULL);
      g_source_attach (source, http->context);
      g_source_unref (source);
      return;
    }
  r -= http->faults.p_delay;
  if (r < http->faults.p_drop)
    {
      GIOStream *stream;

      http->n_faults++;
      if (g_rand_boolean (http->rand))
        record (http, uuids);
      g_mutex_unlock (&http->mutex);
      stream = soup_server_message_steal_connection (msg);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      return;
    }

  record (http, uuids);
  g_mutex_unlock (&http->mutex);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, "{}", 2);
}

static gpointer
http_thread (gpointer data)
{
  SyncTestHttp *http = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (http->context);
  http->server = soup_server_new ("server-header", "labelbench-test ", NULL);
  if (http->faults.tls_pem != NULL)
    {
      g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_pem (http->faults.tls_pem, -1,
                                                                        &error);

      g_assert_no_error (error);
      soup_server_set_tls_certificate (http->server, cert);
    }
  soup_server_add_handler (http->server, "/events", events_cb, http, NULL);
  soup_server_listen_local (http->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY
                            | (http->faults.tls_pem ? SOUP_SERVER_LISTEN_HTTPS : 0), &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (http->server);
  g_assert_nonnull (uris);
  http->url = g_strdup_printf ("%s://127.0.0.1:%d/events",
                               http->faults.tls_pem ? "https" : "http",
                               g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&http->mutex);
  http->ready = TRUE;
  g_cond_signal (&http->cond);
  g_mutex_unlock (&http->mutex);

  g_main_loop_run (http->loop);

  soup_server_disconnect (http->server);
  g_clear_object (&http->server);
  /* pending delayed answers */
  while (g_main_context_iteration (http->context, FALSE))
    ;
  g_main_context_pop_thread_default (http->context);
  return NULL;
}

SyncTestHttp *
sync_test_http_start (const SyncTestHttpFaults *faults)
{
  SyncTestHttp *http = g_new0 (SyncTestHttp, 1);

  http->faults = *faults;
  http->reject_uuid = g_strdup (faults->reject_uuid);
  http->token = g_strdup (faults->token);
  http->rand = g_rand_new_with_seed (faults->seed);
  http->uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  http->context = g_main_context_new ();
  http->loop = g_main_loop_new (http->context, FALSE);
  g_mutex_init (&http->mutex);
  g_cond_init (&http->cond);
  http->thread = g_thread_new ("test-http", http_thread, http);

  g_mutex_lock (&http->mutex);
  while (!http->ready)
    g_cond_wait (&http->cond, &http->mutex);
  g_mutex_unlock (&http->mutex);
  return http;
}

const char *
sync_test_http_url (SyncTestHttp *http)
{
  return http->url;
}

GHashTable *
sync_test_http_uuids (SyncTestHttp *http)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&http->mutex);
  g_hash_table_iter_init (&iter, http->uuids);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), value);
  g_mutex_unlock (&http->mutex);
  return copy;
}

#define GETTER(name, field) \
  guint name (SyncTestHttp *http) \
  { \
    guint n; \
    g_mutex_lock (&http->mutex); \
    n = http->field; \
    g_mutex_unlock (&http->mutex); \
    return n; \
  }

GETTER (sync_test_http_requests, n_requests)
GETTER (sync_test_http_bad_requests, n_bad)
GETTER (sync_test_http_rejected, n_rejected)
GETTER (sync_test_http_faults, n_faults)

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
sync_test_http_stop (SyncTestHttp *http)
{
  if (http == NULL)
    return;
  g_main_context_invoke (http->context, quit_cb, http->loop);
  g_thread_join (http->thread);
  g_main_loop_unref (http->loop);
  g_main_context_unref (http->context);
  g_hash_table_unref (http->uuids);
  g_rand_free (http->rand);
  g_mutex_clear (&http->mutex);
  g_cond_clear (&http->cond);
  g_free (http->url);
  g_free (http->reject_uuid);
  g_free (http->token);
  g_free (http);
}
