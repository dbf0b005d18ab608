/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync-http"
#include "config.h"

#include <string.h>

#include "lb-store.h"
#include "lb-sync.h"
#include "lb-test-support.h"
#include "sync-test-servers.h"

#define TOKEN "tok-0123456789-secret"

/* A self-signed certificate for 127.0.0.1 (and its key), trusted by nobody */
static const char self_signed_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBkDCCATagAwIBAgIULdlskxyMyfD2v8vAJ1cGGtq6jTAwCgYIKoZIzj0EAwIw\n"
  "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNTA2MDE1MFoYDzIxMjYxMTAx\n"
  "MDYwMTUwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
  "PQMBBwNCAAQXENHL3zW6P4n+j46MDuobI0R4Ewaz7wIBogkcLtNN3VwKTaBfqU+F\n"
  "yP3bAOTcXqv9oSWXPHqOaOF9NuOaVQygo2QwYjAdBgNVHQ4EFgQUKYjOgR++ezxm\n"
  "THoZuiPQiDAf2OwwHwYDVR0jBBgwFoAUKYjOgR++ezxmTHoZuiPQiDAf2OwwDwYD\n"
  "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC\n"
  "IQD/0MjLyYqij+a6mKZKFL9YzMOgbyI9xMBUEYYm9/UutQIgeLY9IWE1Nm+SX1Iv\n"
  "nXUB6HgbVfjF7V3dGfKfdjysDNA=\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjnfDUJRhPnIi8R5j\n"
  "FIn/yL/Qxxl5tXiPeZN/SUCVVVGhRANCAAQXENHL3zW6P4n+j46MDuobI0R4Ewaz\n"
  "7wIBogkcLtNN3VwKTaBfqU+FyP3bAOTcXqv9oSWXPHqOaOF9NuOaVQyg\n"
  "-----END PRIVATE KEY-----\n";

typedef struct {
  char         *dir;
  LbStore      *store;
  SyncTestHttp *http;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-test-sync-http");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  sync_test_http_stop (f->http);
  if (f->store != NULL)
    {
      lb_store_close (f->store);
      g_clear_object (&f->store);
    }
  lb_test_pump ();
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* The store's cursor of the URL */
static gint64
cursor_of (Fixture    *f,
           const char *url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = lb_sync_cursor_name (LB_SYNC_SINK_HTTP, url, &error);
  gint64 cursor;

  g_assert_no_error (error);
  cursor = lb_store_get_sync_cursor (f->store, name, &error);
  g_assert_no_error (error);
  return cursor;
}

static gint64
http_cursor (Fixture *f)
{
  return cursor_of (f, sync_test_http_url (f->http));
}

static gboolean
run_sync (Fixture   *f,
          guint      max_attempts,
          guint64   *n_sent,
          GError   **error)
{
  g_autoptr(LbSyncConfig) config = NULL;
  LbSyncOptions options = {
    .max_attempts = max_attempts,
    .timeout_s = 1,
    .backoff_base_ms = 10,
    .backoff_cap_ms = 200,
    .batch_events = 100,
  };

  config = lb_sync_config_new (LB_SYNC_SINK_HTTP, sync_test_http_url (f->http), TOKEN, error);
  g_assert_nonnull (config);
  return lb_sync_run_once_full (f->store, config, &options, n_sent, NULL, error);
}

static void
assert_same_uuids (GHashTable *store_uuids,
                   GHashTable *sink_uuids)
{
  GHashTableIter iter;
  gpointer key;

  g_assert_cmpuint (g_hash_table_size (sink_uuids), ==, g_hash_table_size (store_uuids));
  g_hash_table_iter_init (&iter, store_uuids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (sink_uuids, key));
}

/* The bearer token is never sent unencrypted over the network: a plain
 * http:// URL is refused unless it names this computer (a local forwarding
 * agent, or this test's own server on http://127.0.0.1) */
static void
test_plain_http_refused (Fixture       *f,
                         gconstpointer  data)
{
  static const struct {
    const char *url;
    const char *shown;
  } refused[] = {
    { "http://example.com/x", "http://example.com/x" },
    { "HTTP://Pipeline.Example.ORG:8080/events?token=t0k3n#f", "pipeline.example.org:8080/events" },
    { "http://10.0.0.5/in", "http://10.0.0.5/in" },
    { "http://[2001:db8::1]:8080/in", "2001:db8::1" },
    { "http://localhost.example.org/in", "http://localhost.example.org/in" },
    { "http://127.0.0.1.example.org/in", "http://127.0.0.1.example.org/in" },
  };
  static const char * const accepted[] = {
    "https://example.com/x", "HTTPS://pipeline.example.org:8443/events", "http://localhost/in",
    "http://LocalHost:8080/in", "http://127.0.0.1:18933/ingest", "http://127.8.9.10/in",
    "http://[::1]:8080/in",
  };
  SyncTestHttpFaults faults = { .seed = 9, .token = TOKEN };
  LbSyncOptions options = { .max_attempts = 1, .timeout_s = 1 };
  g_autoptr(GError) error = NULL;
  guint64 n_sent = 99;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_null (lb_sync_config_new (LB_SYNC_SINK_HTTP, refused[i].url, TOKEN, &error));
      g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, "https://"));
      if (strstr (error->message, refused[i].shown) == NULL)
        g_error ("“%s” does not name %s", error->message, refused[i].shown);
      g_assert_null (strstr (error->message, "t0k3n"));
      g_assert_null (strstr (error->message, TOKEN));
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(LbSyncConfig) config = lb_sync_config_new (LB_SYNC_SINK_HTTP, accepted[i],
                                                           TOKEN, &error);

      g_assert_no_error (error);
      g_assert_nonnull (config);
    }

  /* a config built by hand is refused by the run, before any request (a
   * name that never resolves: without the check the run would be offline) */
  f->store = sync_test_make_store (f->dir, "store.db", 2);
  {
    LbSyncConfig config = {
      .name = (char *) "http http://pipeline.invalid/events",
      .kind = LB_SYNC_SINK_HTTP,
      .target = (char *) "http://pipeline.invalid/events",
      .secret = (char *) TOKEN,
    };

    g_assert_false (lb_sync_run_once_full (f->store, &config, &options, &n_sent, NULL, &error));
    g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
    g_assert_nonnull (strstr (error->message, "https://"));
    g_assert_nonnull (strstr (error->message, "http://pipeline.invalid/events"));
    g_assert_cmpuint (n_sent, ==, 0);
    g_clear_error (&error);
  }

  /* this test's own server on http://127.0.0.1 still gets the events */
  f->http = sync_test_http_start (&faults);
  g_assert_true (g_str_has_prefix (sync_test_http_url (f->http), "http://127.0.0.1:"));
  g_assert_true (run_sync (f, 1, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 4);
  g_assert_cmpuint (sync_test_http_bad_requests (f->http), ==, 0);
  g_assert_cmpint (http_cursor (f), ==, 4);
}

/* 500s, answers after the client's timeout, dropped connections: everything
 * arrives, each event once in the sink, with the headers it must have */
static void
test_flaky (Fixture       *f,
            gconstpointer  data)
{
  SyncTestHttpFaults faults = {
    .seed = 4242, .p_500 = 0.2, .p_delay = 0.1, .p_drop = 0.15, .delay_ms = 1500,
    .token = TOKEN,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) store_uuids = NULL;
  g_autoptr(GHashTable) sink_uuids = NULL;
  guint64 n_sent = 0;
  guint n_requests;

  f->http = sync_test_http_start (&faults);
  f->store = sync_test_make_store (f->dir, "store.db", 400);

  g_assert_true (run_sync (f, 40, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 800);
  g_assert_cmpint (http_cursor (f), ==, 800);

  store_uuids = sync_test_store_uuids (f->store);
  sink_uuids = sync_test_http_uuids (f->http);
  assert_same_uuids (store_uuids, sink_uuids);
  g_assert_cmpuint (sync_test_http_bad_requests (f->http), ==, 0);
  g_assert_cmpuint (sync_test_http_faults (f->http), >, 0);
  n_requests = sync_test_http_requests (f->http);
  g_assert_cmpuint (n_requests, >, 8);   /* 8 batches, some of them sent again */
  g_test_message ("%u requests, %u faults", n_requests, sync_test_http_faults (f->http));

  /* nothing new: no request at all */
  g_assert_true (run_sync (f, 40, &n_sent, &error));
  g_assert_cmpuint (n_sent, ==, 0);
  g_assert_cmpuint (sync_test_http_requests (f->http), ==, n_requests);
}

/* a 400: no retry, the batches before it confirmed, the reason reported
 * with the status and a sanitized excerpt, never the token */
static void
test_rejected (Fixture       *f,
               gconstpointer  data)
{
  SyncTestHttpFaults faults = { .seed = 1, .token = TOKEN };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) store_uuids = NULL;
  g_autoptr(GHashTable) sink_uuids = NULL;
  g_autofree char *reject = NULL;
  guint64 n_sent = 0;
  GHashTableIter iter;
  gpointer key, value;

  f->store = sync_test_make_store (f->dir, "store.db", 150);
  store_uuids = sync_test_store_uuids (f->store);
  g_hash_table_iter_init (&iter, store_uuids);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_INT (value) == 250)
      reject = g_strdup (key);
  g_assert_nonnull (reject);
  faults.reject_uuid = reject;
  f->http = sync_test_http_start (&faults);

  g_assert_false (run_sync (f, 40, &n_sent, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "400"));
  g_assert_nonnull (strstr (error->message, "201"));      /* the refused range, seq 201–300 */
  g_assert_nonnull (strstr (error->message, "refused"));  /* from the body */
  g_assert_nonnull (strstr (error->message, "[secret]"));
  g_assert_null (strstr (error->message, TOKEN));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, '\t'));
  g_assert_null (strchr (error->message, '\x01'));

  g_assert_cmpuint (sync_test_http_rejected (f->http), ==, 1);   /* not retried */
  g_assert_cmpuint (n_sent, ==, 200);
  g_assert_cmpint (http_cursor (f), ==, 200);
  sink_uuids = sync_test_http_uuids (f->http);
  g_assert_cmpuint (g_hash_table_size (sink_uuids), ==, 200);
}

/* 5xx on every request: retried max_attempts times, then offline */
static void
test_gives_up (Fixture       *f,
               gconstpointer  data)
{
  SyncTestHttpFaults faults = { .seed = 2, .p_500 = 1.0, .token = TOKEN };
  g_autoptr(GError) error = NULL;
  guint64 n_sent = 1;

  f->http = sync_test_http_start (&faults);
  f->store = sync_test_make_store (f->dir, "store.db", 5);

  g_assert_false (run_sync (f, 3, &n_sent, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "500"));
  g_assert_nonnull (strstr (error->message, "3 attempts"));
  g_assert_cmpuint (sync_test_http_requests (f->http), ==, 3);
  g_assert_cmpuint (n_sent, ==, 0);
  g_assert_cmpint (http_cursor (f), ==, 0);
}

/* TLS verification is on: a certificate nobody trusts is refused, nothing
 * is sent, and it is reported as failing (not retried as offline) */
static void
test_tls_verified (Fixture       *f,
                   gconstpointer  data)
{
  SyncTestHttpFaults faults = { .seed = 3, .token = TOKEN, .tls_pem = self_signed_pem };
  g_autoptr(GError) error = NULL;
  guint64 n_sent = 1;

  f->http = sync_test_http_start (&faults);
  g_assert_true (g_str_has_prefix (sync_test_http_url (f->http), "https://"));
  f->store = sync_test_make_store (f->dir, "store.db", 5);

  g_assert_false (run_sync (f, 3, &n_sent, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "TLS"));
  g_assert_cmpuint (sync_test_http_requests (f->http), ==, 0);
  g_assert_cmpuint (n_sent, ==, 0);
  g_assert_cmpint (http_cursor (f), ==, 0);
}

/* Re-pointed at another pipeline (another server): it gets every event,
 * the first one gets no request; each URL keeps its own cursor */
static void
test_repoint (Fixture       *f,
              gconstpointer  data)
{
  SyncTestHttpFaults faults = { .seed = 5, .token = TOKEN };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) store_uuids = NULL;
  g_autoptr(GHashTable) sink_uuids = NULL;
  g_autoptr(LbSyncConfig) config_b = NULL;
  SyncTestHttp *a, *b;
  guint64 n_sent = 0;
  guint n_requests_a;

  f->store = sync_test_make_store (f->dir, "store.db", 150);
  store_uuids = sync_test_store_uuids (f->store);
  a = f->http = sync_test_http_start (&faults);
  g_assert_true (run_sync (f, 3, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 300);
  n_requests_a = sync_test_http_requests (a);

  b = sync_test_http_start (&faults);
  g_assert_cmpstr (sync_test_http_url (a), !=, sync_test_http_url (b));
  config_b = lb_sync_config_new (LB_SYNC_SINK_HTTP, sync_test_http_url (b), TOKEN, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_sync_count_pending (f->store, config_b, &error), ==, 300);

  f->http = b;
  g_assert_true (run_sync (f, 3, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 300);
  sink_uuids = sync_test_http_uuids (b);
  assert_same_uuids (store_uuids, sink_uuids);
  g_assert_cmpuint (sync_test_http_bad_requests (b), ==, 0);
  g_assert_cmpuint (sync_test_http_requests (a), ==, n_requests_a);
  g_assert_cmpint (cursor_of (f, sync_test_http_url (a)), ==, 300);
  g_assert_cmpint (cursor_of (f, sync_test_http_url (b)), ==, 300);
  sync_test_http_stop (a);
}

/* A store synced by an earlier version has its cursor under the bare kind
 * name "http": everything is posted once more, with the same
 * Idempotency-Keys, and the receiver has each event once */
static void
test_upgrade (Fixture       *f,
              gconstpointer  data)
{
  SyncTestHttpFaults faults = { .seed = 6, .token = TOKEN };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) store_uuids = NULL;
  g_autoptr(GHashTable) sink_uuids = NULL;
  g_autofree char *db = g_build_filename (f->dir, "store.db", NULL);
  g_autofree char *name = NULL;
  guint64 n_sent = 0;
  GHashTableIter iter;
  gpointer count;

  f->http = sync_test_http_start (&faults);
  name = lb_sync_cursor_name (LB_SYNC_SINK_HTTP, sync_test_http_url (f->http), NULL);
  f->store = sync_test_make_store (f->dir, "store.db", 150);
  g_assert_true (run_sync (f, 3, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 300);
  g_assert_cmpuint (sync_test_http_requests (f->http), ==, 3);

  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_pump ();
  sync_test_store_rename_cursor (db, name, "http");
  f->store = lb_test_open_store (db);
  g_assert_cmpint (http_cursor (f), ==, 0);

  g_assert_true (run_sync (f, 3, &n_sent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 300);
  g_assert_cmpuint (sync_test_http_requests (f->http), ==, 6);
  /* the same batches with the same keys: the server checks each key */
  g_assert_cmpuint (sync_test_http_bad_requests (f->http), ==, 0);
  store_uuids = sync_test_store_uuids (f->store);
  sink_uuids = sync_test_http_uuids (f->http);
  assert_same_uuids (store_uuids, sink_uuids);
  g_hash_table_iter_init (&iter, sink_uuids);
  while (g_hash_table_iter_next (&iter, NULL, &count))
    g_assert_cmpuint (GPOINTER_TO_UINT (count), ==, 2);   /* delivered twice, kept once */
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "http", NULL), ==, 300);
}

int
main (int    argc,
      char **argv)
{
  /* the tests' GSETTINGS_SCHEMA_DIR has only our schema: GIO's GNOME proxy
   * resolver would abort on the missing org.gnome.system.proxy */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/sync/http/plain-http-refused", test_plain_http_refused);
  ADD ("/engine/sync/http/flaky-server", test_flaky);
  ADD ("/engine/sync/http/rejected-no-retry", test_rejected);
  ADD ("/engine/sync/http/gives-up", test_gives_up);
  ADD ("/engine/sync/http/tls-verified", test_tls_verified);
  ADD ("/engine/sync/http/repoint", test_repoint);
  ADD ("/engine/sync/http/upgrade", test_upgrade);
#undef ADD

  return g_test_run ();
}
