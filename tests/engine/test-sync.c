/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sync"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-store.h"
#include "lb-sync.h"
#include "lb-test-support.h"
#include "sync-test-servers.h"

typedef struct {
  char    *dir;
  char    *db;
  char    *outbox;
  LbStore *store;
  guint    batch_events;   /* 0: the sink's maximum */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-test-sync");
  f->db = g_build_filename (f->dir, "store.db", NULL);
  f->outbox = g_build_filename (f->dir, "outbox", NULL);
}

static void
close_store (Fixture *f)
{
  if (f->store == NULL)
    return;
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_pump ();
}

/* The store's cursor of the outbox folder f->outbox */
static gint64
outbox_cursor (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = lb_sync_cursor_name (LB_SYNC_SINK_OUTBOX, f->outbox, &error);
  gint64 cursor;

  g_assert_no_error (error);
  cursor = lb_store_get_sync_cursor (f->store, name, &error);
  g_assert_no_error (error);
  return cursor;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  close_store (f);
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db);
  g_free (f->outbox);
}

static void
copy_store (const char *from,
            const char *to)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *a = g_strconcat (from, suffixes[i], NULL);
      g_autofree char *b = g_strconcat (to, suffixes[i], NULL);

      g_unlink (b);
      if (g_file_test (a, G_FILE_TEST_EXISTS))
        lb_test_copy_file (a, b);
    }
}

static guint64
sync_outbox (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, f->outbox, NULL,
                                                       &error);
  LbSyncOptions options = { .batch_events = f->batch_events };
  guint64 n_sent = 0;

  g_assert_no_error (error);
  lb_sync_run_once_full (f->store, config, &options, &n_sent, NULL, &error);
  g_assert_no_error (error);
  return n_sent;
}

static JsonObject *
read_manifest (Fixture    *f,
               JsonNode  **node_out)
{
  g_autofree char *path = g_build_filename (f->outbox, "manifest.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  node = lb_test_parse_json (text);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  *node_out = node;
  return json_node_get_object (node);
}

/* Every segment of the manifest: its SHA-256, count, ranges and uuids match
 * the file and the store; each store event is in exactly one segment. */
static void
check_outbox (Fixture *f,
              guint    expect_segments)
{
  g_autoptr(GHashTable) store_uuids = sync_test_store_uuids (f->store);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *manifest = read_manifest (f, &node);
  JsonArray *segments = json_object_get_array_member (manifest, "segments");
  gint64 expect_first = 1;

  g_assert_cmpstr (json_object_get_string_member (manifest, "format"), ==,
                   "labelbench-outbox");
  g_assert_cmpint (json_object_get_int_member (manifest, "version"), ==, 1);
  g_assert_cmpuint (json_array_get_length (segments), ==, expect_segments);

  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      const char *file = json_object_get_string_member (s, "file");
      g_autofree char *path = g_build_filename (f->outbox, file, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *sha = NULL;
      g_auto(GStrv) lines = NULL;
      g_autofree char *want_name = NULL;
      gint64 first = json_object_get_int_member (s, "first_seq");
      gint64 last = json_object_get_int_member (s, "last_seq");
      gint64 count = json_object_get_int_member (s, "count");
      gsize len = 0;
      guint n = 0;

      g_file_get_contents (path, &contents, &len, NULL);
      g_assert_nonnull (contents);
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      g_assert_cmpstr (json_object_get_string_member (s, "sha256"), ==, sha);
      g_assert_cmpstr (json_object_get_string_member (s, "seat"), ==,
                       lb_store_get_seat_id (f->store));
      want_name = g_strdup_printf ("events-%s-%012" G_GINT64_FORMAT "-%012" G_GINT64_FORMAT
                                   ".jsonl", lb_store_get_seat_id (f->store), first, last);
      g_assert_cmpstr (file, ==, want_name);
      g_assert_cmpint (first, ==, expect_first);
      g_assert_cmpint (count, ==, last - first + 1);
      g_assert_cmpint (count, <=, 10000);
      g_assert_true (g_str_has_suffix (json_object_get_string_member (s, "created"), "Z"));
      expect_first = last + 1;

      lines = g_strsplit (contents, "\n", -1);
      for (guint k = 0; lines[k] != NULL; k++)
        {
          g_autoptr(JsonNode) line = NULL;
          JsonObject *e;
          const char *uuid;

          if (lines[k][0] == '\0')
            {
              g_assert_null (lines[k + 1]);   /* only after the last newline */
              continue;
            }
          line = lb_test_parse_json (lines[k]);
          e = json_node_get_object (line);
          uuid = json_object_get_string_member (e, "uuid");
          g_assert_cmpint (json_object_get_int_member (e, "seq"), ==, first + n);
          g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (store_uuids, uuid)), ==,
                           first + n);
          g_assert_false (g_hash_table_contains (seen, uuid));
          g_hash_table_add (seen, g_strdup (uuid));
          if (n == 0)
            g_assert_cmpstr (uuid, ==, json_object_get_string_member (s, "first_uuid"));
          if (first + n == last)
            g_assert_cmpstr (uuid, ==, json_object_get_string_member (s, "last_uuid"));
          n++;
        }
      g_assert_cmpint (n, ==, count);
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, g_hash_table_size (store_uuids));
  g_assert_cmpint (outbox_cursor (f), ==,
                   lb_store_get_last_seq (f->store));
}

static guint
count_files (const char *folder,
             const char *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, suffix))
      n++;
  return n;
}

static void
test_outbox_segments (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;
  gint64 n_events;

  /* 700 acts of two events, segments of at most 500 events: three of them
   * (the real maximum, 10 000, works the same way with more events) */
  f->batch_events = 500;
  f->store = sync_test_make_store (f->dir, "store.db", 700);
  n_events = lb_store_get_last_seq (f->store);
  g_assert_cmpint (n_events, ==, 1400);
  g_assert_cmpint (outbox_cursor (f), ==, 0);

  g_assert_cmpuint (sync_outbox (f), ==, (guint64) n_events);
  check_outbox (f, 3);
  g_assert_cmpuint (count_files (f->outbox, ".jsonl"), ==, 3);
  g_assert_cmpuint (count_files (f->outbox, ".tmp"), ==, 0);

  /* nothing new: nothing sent, nothing rewritten */
  read_manifest (f, &before);
  before_text = json_to_string (before, FALSE);
  g_assert_cmpuint (sync_outbox (f), ==, 0);
  read_manifest (f, &after);
  after_text = json_to_string (after, FALSE);
  g_assert_cmpstr (before_text, ==, after_text);

  /* new events: a fourth segment */
  sync_test_add_acts (f->store, 10);
  g_assert_cmpuint (sync_outbox (f), ==, 20);
  check_outbox (f, 4);
}

/* A consumer takes segments away: the manifest forgets them (never the
 * ones not confirmed yet) */
static void
test_outbox_taken (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  JsonArray *segments;

  f->batch_events = 250;
  f->store = sync_test_make_store (f->dir, "store.db", 300);
  g_assert_cmpuint (sync_outbox (f), ==, 600);
  check_outbox (f, 3);

  for (gint64 first = 1; first <= 251; first += 250)
    {
      g_autofree char *name = g_strdup_printf ("events-%s-%012" G_GINT64_FORMAT "-%012"
                                               G_GINT64_FORMAT ".jsonl",
                                               lb_store_get_seat_id (f->store), first,
                                               first + 249);
      g_autofree char *path = g_build_filename (f->outbox, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  sync_test_add_acts (f->store, 5);
  g_assert_cmpuint (sync_outbox (f), ==, 10);

  segments = json_object_get_array_member (read_manifest (f, &node), "segments");
  g_assert_cmpuint (json_array_get_length (segments), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (segments, 0),
                                               "first_seq"), ==, 501);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (segments, 1),
                                               "first_seq"), ==, 601);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (segments, 1),
                                               "last_seq"), ==, 610);
}

static char *
file_sha (const char *folder,
          const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

static void
test_outbox_resend (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *saved = g_build_filename (f->dir, "before.db", NULL);
  g_autofree char *name = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *manifest = g_build_filename (f->outbox, "manifest.json", NULL);

  f->store = sync_test_make_store (f->dir, "store.db", 300);
  close_store (f);
  copy_store (f->db, saved);

  /* the first run delivers events 1-600 as one segment */
  f->store = lb_test_open_store (f->db);
  g_assert_cmpuint (sync_outbox (f), ==, 600);
  check_outbox (f, 1);
  name = g_strdup_printf ("events-%s-%012d-%012d.jsonl", lb_store_get_seat_id (f->store), 1,
                          600);
  sha = file_sha (f->outbox, name);
  g_assert_nonnull (sha);
  close_store (f);

  /* a crash after the manifest was written, before the cursor moved: the
   * store still says 0; meanwhile more events came */
  copy_store (saved, f->db);
  f->store = lb_test_open_store (f->db);
  g_assert_cmpint (outbox_cursor (f), ==, 0);
  sync_test_add_acts (f->store, 50);
  g_assert_cmpuint (sync_outbox (f), ==, 700);
  /* the same segment, the same bytes; the new events in a second one */
  check_outbox (f, 2);
  {
    g_autofree char *again = file_sha (f->outbox, name);

    g_assert_cmpstr (again, ==, sha);
  }
  close_store (f);

  /* a crash after the segment's rename, before the manifest: a manifest
   * without it, the file still there */
  copy_store (saved, f->db);
  lb_test_write_file (NULL, manifest,
                      "{\"format\": \"labelbench-outbox\", \"version\": 1, \"segments\": []}\n",
                      -1);
  /* the second segment of the run above is an orphan too: remove it, as a
   * crash before it was written would have left nothing */
  {
    g_autoptr(GDir) dir = g_dir_open (f->outbox, 0, NULL);
    const char *entry;

    while ((entry = g_dir_read_name (dir)) != NULL)
      if (g_str_has_suffix (entry, ".jsonl") && strcmp (entry, name) != 0)
        {
          g_autofree char *path = g_build_filename (f->outbox, entry, NULL);

          g_assert_cmpint (g_unlink (path), ==, 0);
        }
  }
  /* and a temporary file of a crashed write */
  lb_test_write_file (f->outbox, ".events-x.jsonl.tmp", "{\"uuid\":", -1);

  f->store = lb_test_open_store (f->db);
  sync_test_add_acts (f->store, 5);
  /* smaller batches now: the crashed range is still sent as it was */
  f->batch_events = 250;
  g_assert_cmpuint (sync_outbox (f), ==, 610);
  check_outbox (f, 2);
  {
    g_autofree char *again = file_sha (f->outbox, name);

    g_assert_cmpstr (again, ==, sha);
  }
  g_assert_cmpuint (count_files (f->outbox, ".tmp"), ==, 0);
  g_assert_cmpuint (count_files (f->outbox, ".jsonl"), ==, 2);
}

static void
test_outbox_unwritable (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = NULL;
  guint64 n_sent = 99;

  /* the target is a file, not a folder */
  lb_test_write_file (NULL, f->outbox, "not a folder", -1);
  f->store = sync_test_make_store (f->dir, "store.db", 3);
  config = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, f->outbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (lb_sync_run_once (f->store, config, &n_sent, NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, f->outbox));
  g_assert_cmpuint (n_sent, ==, 0);
  g_assert_cmpint (outbox_cursor (f), ==, 0);
}

static void
test_config (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = NULL;
  g_autofree char *secret_path = g_build_filename (f->dir, "token", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "no-such-token", NULL);

  /* http needs an http(s) URL without a password */
  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_HTTP, NULL, NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_HTTP, "ftp://example.org/x", NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_HTTP, "https://u:hunter2@example.org/x",
                                     NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_assert_null (strstr (error->message, "hunter2"));
  g_clear_error (&error);
  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_POSTGRES, "", NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_clear_error (&error);

  /* the defaults: the outbox in the data folder */
  g_settings_reset (settings, "sync-sink");
  config = lb_sync_config_load (&error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpint (config->kind, ==, LB_SYNC_SINK_OUTBOX);
  {
    g_autofree char *outbox = lb_sync_get_default_outbox ();
    g_autofree char *name = g_strconcat ("outbox ", outbox, NULL);

    g_assert_cmpstr (config->target, ==, outbox);
    g_assert_cmpstr (config->name, ==, name);
  }
  g_assert_null (config->secret);
  g_clear_pointer (&config, lb_sync_config_free);
  g_assert_cmpuint (g_settings_get_uint (settings, "sync-interval"), ==, 30);

  /* http with the token from the secret file (first line, trimmed) */
  lb_test_write_file (NULL, secret_path, "s3cr3t-token  \nsecond line\n", -1);
  g_settings_set_string (settings, "sync-sink", "http");
  g_settings_set_string (settings, "sync-target", "https://pipeline.example.org/events");
  g_settings_set_string (settings, "sync-secret-file", secret_path);
  config = lb_sync_config_load (&error);
  g_assert_no_error (error);
  g_assert_cmpint (config->kind, ==, LB_SYNC_SINK_HTTP);
  g_assert_cmpstr (config->target, ==, "https://pipeline.example.org/events");
  g_assert_cmpstr (config->name, ==, "http https://pipeline.example.org/events");
  g_assert_cmpstr (config->secret, ==, "s3cr3t-token");
  g_clear_pointer (&config, lb_sync_config_free);

  /* a missing secret file: the error names it */
  g_settings_set_string (settings, "sync-secret-file", missing);
  g_assert_null (lb_sync_config_load (&error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* turned off */
  g_settings_set_string (settings, "sync-sink", "none");
  g_assert_null (lb_sync_config_load (&error));
  g_assert_no_error (error);

  g_settings_reset (settings, "sync-sink");
  g_settings_reset (settings, "sync-target");
  g_settings_reset (settings, "sync-secret-file");
}

static char *
cursor_name (LbSyncSinkKind  kind,
             const char     *target)
{
  g_autoptr(GError) error = NULL;
  char *name = lb_sync_cursor_name (kind, target, &error);

  g_assert_no_error (error);
  g_assert_nonnull (name);
  return name;
}

/* A cursor's name says which target it is, never a secret */
static void
test_cursor_names (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = NULL;
  g_autofree char *old_cwd = g_get_current_dir ();
  g_autofree char *cwd = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *want = NULL;
  g_autofree char *name = NULL;
  char *other;

  /* outbox: a relative path and the absolute one are the same folder (it
   * need not exist yet); another folder is another cursor */
  g_assert_cmpint (g_chdir (f->dir), ==, 0);
  cwd = g_get_current_dir ();
  absolute = g_build_filename (cwd, "outbox", NULL);
  want = g_strconcat ("outbox ", absolute, NULL);
  name = cursor_name (LB_SYNC_SINK_OUTBOX, absolute);
  g_assert_cmpstr (name, ==, want);
  g_assert_false (g_file_test (absolute, G_FILE_TEST_EXISTS));
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_OUTBOX, "outbox");
  g_assert_cmpstr (name, ==, want);
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_OUTBOX, "./sub/../outbox/");
  g_assert_cmpstr (name, ==, want);
  g_clear_pointer (&name, g_free);
  config = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, absolute, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->name, ==, want);
  g_clear_pointer (&config, lb_sync_config_free);
  other = cursor_name (LB_SYNC_SINK_OUTBOX, "outbox-2");
  g_assert_cmpstr (other, !=, want);
  g_free (other);
  g_assert_cmpint (g_chdir (old_cwd), ==, 0);

  /* http: scheme://host[:port]/path; no user, password, query or fragment */
  name = cursor_name (LB_SYNC_SINK_HTTP, "https://ann:hunter2@Pipeline.Example.ORG:443/v1/"
                                         "events?token=t0k3n&seat=7#frag");
  g_assert_cmpstr (name, ==, "http https://pipeline.example.org/v1/events");
  g_assert_null (strstr (name, "hunter2"));
  g_assert_null (strstr (name, "t0k3n"));
  g_assert_null (strstr (name, "ann"));
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_HTTP, "http://127.0.0.1:8080/events");
  g_assert_cmpstr (name, ==, "http http://127.0.0.1:8080/events");
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_HTTP, "http://127.0.0.1:8081/events");
  g_assert_cmpstr (name, ==, "http http://127.0.0.1:8081/events");
  g_clear_pointer (&name, g_free);
  config = lb_sync_config_new (LB_SYNC_SINK_HTTP, "https://h.example.org/in?access_token=t0k3n",
                               NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->name, ==, "http https://h.example.org/in");
  g_clear_pointer (&config, lb_sync_config_free);
  g_assert_null (lb_sync_cursor_name (LB_SYNC_SINK_HTTP, "ftp://x.example.org/", &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_clear_error (&error);

  /* postgres: host, port, dbname, user as written; never the password */
  name = cursor_name (LB_SYNC_SINK_POSTGRES, "user=ann password=secret host=/tmp/x "
                                             "sslmode=require port=5433 dbname=lb "
                                             "application_name=seat7");
  g_assert_cmpstr (name, ==, "postgres host=/tmp/x port=5433 dbname=lb user=ann");
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_POSTGRES,
                      "postgresql://ann:secret@db.example.org:5433/lb?sslmode=require");
  g_assert_cmpstr (name, ==, "postgres host=db.example.org port=5433 dbname=lb user=ann");
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_POSTGRES, "dbname='label db' password='secret'");
  g_assert_cmpstr (name, ==, "postgres dbname='label db'");
  g_clear_pointer (&name, g_free);
  name = cursor_name (LB_SYNC_SINK_POSTGRES, "password=secret sslmode=require");
  g_assert_cmpstr (name, ==, "postgres (libpq defaults)");
  g_clear_pointer (&name, g_free);
  config = lb_sync_config_new (LB_SYNC_SINK_POSTGRES, "host=db dbname=lb password=secret",
                               "secret-from-file", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->name, ==, "postgres host=db dbname=lb");
  g_assert_null (strstr (config->name, "secret"));
  g_clear_pointer (&config, lb_sync_config_free);
  /* not a conninfo: refused, without repeating the string */
  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_POSTGRES, "host=db password secret",
                                     NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_assert_null (strstr (error->message, "secret"));
  g_clear_error (&error);
}

static void
assert_folder_empty (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  if ((entry = g_dir_read_name (dir)) != NULL)
    g_error ("%s holds “%s”", folder, entry);
}

/* An outbox target must be an absolute folder: a relative one (or a URL
 * left over from the http sink) would be a folder under whatever the
 * current folder of the app happens to be. Refused with the target named
 * (a URL without what may hold a secret); the sync then fails, and nothing
 * is written anywhere */
static void
test_outbox_relative_refused (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = NULL;
  g_autofree char *old_cwd = g_get_current_dir ();
  g_autofree char *work = g_build_filename (f->dir, "cwd", NULL);
  guint64 n_sent = 99;

  f->store = sync_test_make_store (f->dir, "store.db", 2);
  g_assert_cmpint (g_mkdir (work, 0755), ==, 0);
  g_assert_cmpint (g_chdir (work), ==, 0);

  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_OUTBOX, "rel-dir", NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "“rel-dir”"));
  g_assert_nonnull (strstr (error->message, "absolute"));
  g_clear_error (&error);
  g_assert_null (lb_sync_config_new (LB_SYNC_SINK_OUTBOX, "./outbox/", NULL, &error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "./outbox/"));
  g_clear_error (&error);

  /* the settings after switching from HTTP(S) back to the outbox: the URL
   * left in sync-target is named, without its query */
  g_settings_set_string (settings, "sync-sink", "outbox");
  g_settings_set_string (settings, "sync-target",
                         "https://example.invalid/ingest?access_token=t0k3n");
  g_assert_null (lb_sync_config_load (&error));
  g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "“https://example.invalid/ingest”"));
  g_assert_null (strstr (error->message, "t0k3n"));
  g_clear_error (&error);
  g_settings_reset (settings, "sync-sink");
  g_settings_reset (settings, "sync-target");

  /* a config built by hand: the run refuses it, writes nothing, moves no
   * cursor */
  {
    LbSyncConfig hand = {
      .name = (char *) "outbox https:/example.invalid/ingest",
      .kind = LB_SYNC_SINK_OUTBOX,
      .target = (char *) "https:/example.invalid/ingest",
    };

    g_assert_false (lb_sync_run_once (f->store, &hand, &n_sent, NULL, &error));
    g_assert_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG);
    g_assert_nonnull (strstr (error->message, "https:/example.invalid/ingest"));
    g_assert_cmpuint (n_sent, ==, 0);
    g_assert_cmpint (lb_store_get_sync_cursor (f->store, hand.name, NULL), ==, 0);
    g_clear_error (&error);
  }
  assert_folder_empty (work);
  g_assert_cmpint (g_chdir (old_cwd), ==, 0);
  {
    g_autofree char *stray = g_build_filename (f->dir, "https:", NULL);

    g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  }

  /* an absolute folder still works */
  config = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, f->outbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lb_sync_run_once (f->store, config, &n_sent, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_sent, ==, 4);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* "name inode sha256" of every file of a folder, sorted */
static char *
folder_snapshot (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, entry, NULL);
      g_autofree char *sha = file_sha (folder, entry);
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_ptr_array_add (lines, g_strdup_printf ("%s %llu %s", entry,
                                               (unsigned long long) st.st_ino,
                                               sha != NULL ? sha : "-"));
    }
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

/* Re-pointed at another folder: the new one gets every event, the old one
 * is not touched; pointed back, the old one continues from its cursor */
static void
test_outbox_repoint (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config_b = NULL;
  g_autofree char *folder_a = g_strdup (f->outbox);
  g_autofree char *folder_b = g_build_filename (f->dir, "outbox-b", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 n;

  f->batch_events = 250;
  f->store = sync_test_make_store (f->dir, "store.db", 300);
  n = lb_store_get_last_seq (f->store);
  g_assert_cmpint (n, ==, 600);
  g_assert_cmpuint (sync_outbox (f), ==, (guint64) n);
  check_outbox (f, 3);
  before = folder_snapshot (folder_a);

  /* what A confirmed is nothing to B */
  config_b = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, folder_b, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_sync_count_pending (f->store, config_b, &error), ==, (guint64) n);
  g_assert_no_error (error);

  g_free (f->outbox);
  f->outbox = g_strdup (folder_b);
  g_assert_cmpint (outbox_cursor (f), ==, 0);
  g_assert_cmpuint (sync_outbox (f), ==, (guint64) n);
  check_outbox (f, 3);      /* every event, from seq 1, once */
  g_assert_cmpuint (count_files (folder_b, ".jsonl"), ==, 3);
  g_assert_cmpuint (lb_sync_count_pending (f->store, config_b, &error), ==, 0);
  after = folder_snapshot (folder_a);
  g_assert_cmpstr (after, ==, before);

  /* new work goes to B; A gets it when pointed back */
  sync_test_add_acts (f->store, 5);
  g_assert_cmpuint (sync_outbox (f), ==, 10);
  check_outbox (f, 4);
  g_clear_pointer (&after, g_free);
  after = folder_snapshot (folder_a);
  g_assert_cmpstr (after, ==, before);

  g_free (f->outbox);
  f->outbox = g_strdup (folder_a);
  g_assert_cmpint (outbox_cursor (f), ==, n);
  g_assert_cmpuint (sync_outbox (f), ==, 10);
  check_outbox (f, 4);
}

/* A store synced by an earlier version has its cursor under the bare kind
 * name "outbox": the history is sent once more, as the same segments with
 * the same bytes, and the manifest lists every event once */
static void
test_outbox_upgrade (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *name = cursor_name (LB_SYNC_SINK_OUTBOX, f->outbox);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 n;

  f->batch_events = 250;
  f->store = sync_test_make_store (f->dir, "store.db", 300);
  n = lb_store_get_last_seq (f->store);
  g_assert_cmpuint (sync_outbox (f), ==, (guint64) n);
  check_outbox (f, 3);
  before = folder_snapshot (f->outbox);
  close_store (f);

  sync_test_store_rename_cursor (f->db, name, "outbox");
  f->store = lb_test_open_store (f->db);
  g_assert_cmpint (outbox_cursor (f), ==, 0);
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", NULL), ==, n);

  g_assert_cmpuint (sync_outbox (f), ==, (guint64) n);
  check_outbox (f, 3);
  after = folder_snapshot (f->outbox);
  /* rewritten (new inodes), byte for byte the same segments */
  g_assert_cmpstr (after, !=, before);
  {
    g_autoptr(GDir) dir = g_dir_open (f->outbox, 0, NULL);
    const char *entry;

    while ((entry = g_dir_read_name (dir)) != NULL)
      if (g_str_has_suffix (entry, ".jsonl"))
        {
          g_autofree char *sha = file_sha (f->outbox, entry);

          g_assert_nonnull (strstr (before, sha));
        }
  }
  g_assert_cmpuint (count_files (f->outbox, ".jsonl"), ==, 3);
  /* the old row stays as it was */
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, "outbox", NULL), ==, n);
}

/* LbSyncer */

typedef struct {
  LbSyncer *syncer;
  guint     n_status_notify;
  guint     n_pending_notify;
  GThread  *main_thread;
  gboolean  notified_off_thread;
} Watch;

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    data)
{
  Watch *w = data;

  if (g_thread_self () != w->main_thread)
    w->notified_off_thread = TRUE;
  if (strcmp (pspec->name, "status") == 0)
    w->n_status_notify++;
  else if (strcmp (pspec->name, "pending") == 0)
    w->n_pending_notify++;
}

static gboolean
is_synced (gpointer data)
{
  Watch *w = data;

  return lb_syncer_get_status (w->syncer) == LB_SYNC_STATUS_SYNCED
         && lb_syncer_get_pending (w->syncer) == 0;
}

static gboolean
has_pending (gpointer data)
{
  Watch *w = data;

  return lb_syncer_get_pending (w->syncer) > 0;
}

static gboolean
is_failing (gpointer data)
{
  Watch *w = data;

  return lb_syncer_get_status (w->syncer) == LB_SYNC_STATUS_FAILING;
}

static gboolean
is_offline (gpointer data)
{
  Watch *w = data;

  return lb_syncer_get_status (w->syncer) == LB_SYNC_STATUS_OFFLINE;
}

static void
test_syncer (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = NULL;
  Watch w = { 0 };
  LbSyncStatus status;
  guint64 pending;
  char *message = NULL;

  f->store = sync_test_make_store (f->dir, "store.db", 40);
  config = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, f->outbox, NULL, &error);
  g_assert_no_error (error);

  w.main_thread = g_thread_self ();
  w.syncer = lb_syncer_new (f->store, config);
  g_assert_cmpuint (lb_syncer_get_interval (w.syncer), ==, 30);   /* from the settings */
  g_signal_connect (w.syncer, "notify", G_CALLBACK (notify_cb), &w);

  lb_syncer_start (w.syncer);
  lb_test_wait_until (is_synced, &w, 30);
  g_assert_cmpint (outbox_cursor (f), ==, 80);
  g_assert_null (lb_syncer_get_message (w.syncer));
  g_assert_cmpuint (w.n_status_notify, >=, 1);
  g_assert_false (w.notified_off_thread);

  /* new events: pending counts them (the store's item-changed), sync-now sends */
  sync_test_add_acts (f->store, 3);
  lb_test_wait_until (has_pending, &w, 30);
  g_assert_cmpuint (lb_syncer_get_pending (w.syncer), ==, 6);
  g_object_get (w.syncer, "status", &status, "pending", &pending, NULL);
  g_assert_cmpint (status, ==, LB_SYNC_STATUS_PENDING);
  lb_syncer_sync_now (w.syncer);
  lb_test_wait_until (is_synced, &w, 30);
  g_assert_cmpint (outbox_cursor (f), ==, 86);
  check_outbox (f, 2);

  lb_syncer_stop (w.syncer);
  g_assert_finalize_object (w.syncer);

  /* a sink that refuses: failing, with the reason */
  {
    g_autofree char *file = g_build_filename (f->dir, "a-file", NULL);
    g_autoptr(LbSyncConfig) bad = NULL;

    lb_test_write_file (NULL, file, "x", -1);
    sync_test_add_acts (f->store, 2);   /* f->outbox's cursor is at 86 */
    bad = lb_sync_config_new (LB_SYNC_SINK_OUTBOX, file, NULL, &error);
    g_assert_no_error (error);
    w.syncer = lb_syncer_new (f->store, bad);
    lb_syncer_start (w.syncer);
    lb_test_wait_until (is_failing, &w, 30);
    g_object_get (w.syncer, "message", &message, "pending", &pending, NULL);
    g_assert_nonnull (strstr (message, file));
    /* this target has a cursor of its own: it never confirmed anything */
    g_assert_cmpuint (pending, ==, 90);
    g_assert_cmpint (outbox_cursor (f), ==, 86);
    g_free (message);
    g_object_unref (w.syncer);   /* dispose stops it */
  }

  /* a sink that cannot be reached: offline, with the reason */
  {
    g_autoptr(LbSyncConfig) down = NULL;
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GSocketAddress) address = NULL;
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autofree char *url = NULL;
    guint16 port;

    /* a port nothing listens on: bound, never listening */
    socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, &error);
    g_assert_no_error (error);
    address = g_inet_socket_address_new (loopback, 0);
    g_socket_bind (socket, address, FALSE, &error);
    g_assert_no_error (error);
    g_clear_object (&address);
    address = g_socket_get_local_address (socket, &error);
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
    url = g_strdup_printf ("http://127.0.0.1:%u/events", port);

    down = lb_sync_config_new (LB_SYNC_SINK_HTTP, url, "tok-123", &error);
    g_assert_no_error (error);
    w.syncer = lb_syncer_new (f->store, down);
    lb_syncer_start (w.syncer);
    lb_test_wait_until (is_offline, &w, 30);
    g_object_get (w.syncer, "message", &message, NULL);
    g_assert_nonnull (strstr (message, "127.0.0.1"));
    g_assert_null (strstr (message, "tok-123"));
    g_free (message);
    lb_syncer_stop (w.syncer);
    g_assert_finalize_object (w.syncer);
  }
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
  ADD ("/engine/sync/outbox/segments", test_outbox_segments);
  ADD ("/engine/sync/outbox/resend-after-crash", test_outbox_resend);
  ADD ("/engine/sync/outbox/taken-by-consumer", test_outbox_taken);
  ADD ("/engine/sync/outbox/unwritable", test_outbox_unwritable);
  ADD ("/engine/sync/outbox/repoint", test_outbox_repoint);
  ADD ("/engine/sync/outbox/upgrade", test_outbox_upgrade);
  ADD ("/engine/sync/outbox/relative-refused", test_outbox_relative_refused);
  ADD ("/engine/sync/config", test_config);
  ADD ("/engine/sync/cursor-names", test_cursor_names);
  ADD ("/engine/sync/syncer", test_syncer);
#undef ADD

  return g_test_run ();
}
