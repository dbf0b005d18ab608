/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-sync"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "lb-test-support.h"

/* labelbench-cli sync: what it prints, its exit status, its reasons. The
 * sinks themselves are tested in tests/engine/test-sync*.c. */

#define TOKEN "cli-secret-token-42"

typedef struct {
  char  *dir;
  char  *store;
  char  *outbox;
  char  *secret;
  char **env;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *manifest = NULL;

  f->dir = lb_test_make_tmpdir ("lb-test-cli-sync");
  f->store = g_build_filename (f->dir, "store.db", NULL);
  f->outbox = g_build_filename (f->dir, "outbox", NULL);
  f->secret = g_build_filename (f->dir, "token", NULL);
  lb_test_write_file (NULL, f->secret, TOKEN "\n", -1);
  /* the test's schema folder has only our schema: no GNOME proxy settings */
  f->env = g_environ_setenv (g_get_environ (), "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  manifest = g_build_filename (f->dir, "t.jsonl", NULL);
  lb_test_write_file (NULL, manifest,
                      "{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": \"b\", \"text\": \"two\"}\n",
                      -1);
  lb_test_run_cli (&run, f->env, "import", "--store", f->store, manifest, NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      lb_test_run_cli (&run, f->env, "skip", "--store", f->store, "--item", i % 2 ? "a" : "b",
                       "--actor", "ann", NULL);
      g_assert_cmpint (run.status, ==, 0);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store);
  g_free (f->outbox);
  g_free (f->secret);
  g_strfreev (f->env);
}

static void
assert_has (const char *text,
            const char *fragment)
{
  if (strstr (text, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", text, fragment);
}

static void
test_outbox (Fixture       *f,
             gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *manifest = g_build_filename (f->outbox, "manifest.json", NULL);

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "outbox", "--target",
                   f->outbox, NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_has (run.out, "Sent 3 events to the outbox sink; cursor at seq 3, 0 pending");
  assert_has (run.out, f->outbox);
  {
    g_autofree char *cursor = g_strdup_printf ("Cursor: outbox %s\n", f->outbox);

    assert_has (run.out, cursor);
  }
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));

  /* again: nothing to send */
  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "outbox", "--target",
                   f->outbox, NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_has (run.out, "Sent 0 events to the outbox sink; cursor at seq 3, 0 pending");

  /* another folder has a cursor of its own: it gets every event */
  {
    g_autofree char *other = g_build_filename (f->dir, "outbox-2", NULL);

    lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "outbox",
                     "--target", other, NULL);
    g_assert_cmpint (run.status, ==, 0);
    assert_has (run.out, "Sent 3 events to the outbox sink; cursor at seq 3, 0 pending");
    assert_has (run.out, "Cursor: outbox ");
    assert_has (run.out, other);
  }
}

/* --target of the outbox may be relative: it is the folder under the
 * current one (the engine itself takes only absolute folders) */
static void
test_outbox_relative (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *old_cwd = g_get_current_dir ();
  g_autofree char *cwd = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *cursor = NULL;

  g_assert_cmpint (g_chdir (f->dir), ==, 0);
  cwd = g_get_current_dir ();
  folder = g_build_filename (cwd, "rel-dir", NULL);
  manifest = g_build_filename (folder, "manifest.json", NULL);
  cursor = g_strdup_printf ("Cursor: outbox %s\n", folder);

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "outbox", "--target",
                   "rel-dir", NULL);
  g_assert_cmpint (g_chdir (old_cwd), ==, 0);
  g_assert_cmpint (run.status, ==, 0);
  assert_has (run.out, "Sent 3 events to the outbox sink; cursor at seq 3, 0 pending");
  assert_has (run.out, cursor);
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
}

static void
test_bad_options (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *missing = g_build_filename (f->dir, "no-token", NULL);
  g_autofree char *no_store = g_build_filename (f->dir, "none.db", NULL);

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "ftp", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, "ftp");

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "http", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, "URL");

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "http", "--target",
                   "http://127.0.0.1:9/x", "--secret-file", missing, NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, missing);

  /* the token never crosses the network unencrypted */
  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "http", "--target",
                   "http://pipeline.invalid/ingest", "--secret-file", f->secret,
                   "--max-attempts", "1", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, "http://pipeline.invalid/ingest");
  assert_has (run.err, "https://");
  g_assert_null (strstr (run.err, TOKEN));

  lb_test_run_cli (&run, f->env, "sync", "--store", no_store, "--target", f->outbox, NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, no_store);
  g_assert_false (g_file_test (no_store, G_FILE_TEST_EXISTS));
}

/* a sink that cannot be reached: exit 1, the reason, never the token */
static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *url = NULL;

  /* a port that is bound but never listens */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/events?token=" TOKEN,
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "http", "--target", url,
                   "--secret-file", f->secret, "--max-attempts", "2", "--backoff-ms", "10",
                   NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, "2 attempts");
  assert_has (run.err, "127.0.0.1");
  assert_has (run.out, "Sent 0 events to the http sink; cursor at seq 0, 3 pending");
  {
    g_autofree char *cursor = g_strdup_printf (
      "Cursor: http http://127.0.0.1:%u/events\n",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

    assert_has (run.out, cursor);
  }
  g_assert_null (strstr (run.err, TOKEN));
  g_assert_null (strstr (run.out, TOKEN));
}

/* a PostgreSQL connection string with a password in it: the cursor shown
 * is the server, database and user, never the password */
static void
test_postgres_cursor (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *conninfo = g_strdup_printf ("host=%s port=1 dbname=lb user=ann "
                                               "password=" TOKEN, f->dir);
  g_autofree char *cursor = g_strdup_printf ("Cursor: postgres host=%s port=1 dbname=lb "
                                             "user=ann\n", f->dir);

  lb_test_run_cli (&run, f->env, "sync", "--store", f->store, "--sink", "postgres", "--target",
                   conninfo, "--max-attempts", "1", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_has (run.err, "PostgreSQL");
  assert_has (run.out, "Sent 0 events to the postgres sink; cursor at seq 0, 3 pending");
  assert_has (run.out, cursor);
  g_assert_null (strstr (run.err, TOKEN));
  g_assert_null (strstr (run.out, TOKEN));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli/sync/outbox", test_outbox);
  ADD ("/cli/sync/outbox-relative", test_outbox_relative);
  ADD ("/cli/sync/bad-options", test_bad_options);
  ADD ("/cli/sync/unreachable", test_unreachable);
  ADD ("/cli/sync/postgres-cursor", test_postgres_cursor);
#undef ADD

  return g_test_run ();
}
