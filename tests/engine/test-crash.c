/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-crash"
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

#define SCHEMA_JSON \
  "{\"name\": \"Crash\", \"multi_label\": false," \
  " \"labels\": [{\"id\": \"ok\", \"title\": \"OK\", \"hotkey\": \"1\", \"color\": \"#2ec27e\"}," \
  "            {\"id\": \"spam\", \"title\": \"Spam\", \"hotkey\": \"2\", \"color\": \"#e01b24\"}]," \
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"}]," \
  " \"reasons\": []}"

#define N_ITEMS 16

typedef struct {
  gint64  item_id;
  char   *note;
} Reported;

static void
reported_free (gpointer data)
{
  Reported *r = data;

  g_free (r->note);
  g_free (r);
}

static char *
child_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;

  g_assert_nonnull (self);
  dir = g_path_get_dirname (self);
  return g_build_filename (dir, "crash-child", NULL);
}

typedef struct {
  GHashTable *uuids;        /* uuid -> seq */
  GHashTable *notes;        /* note text -> count */
  GHashTable *acts;         /* act -> n events */
  GHashTable *last_labels;  /* item external id -> label (last label event) */
  gint64      n_events;
  gint64      last_seq;
} Scan;

static gboolean
scan_cb (const LbEvent  *event,
         gpointer        user_data,
         GError        **error)
{
  Scan *s = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;

  /* no event twice, sequence without gaps */
  g_assert_false (g_hash_table_contains (s->uuids, event->uuid));
  g_hash_table_insert (s->uuids, g_strdup (event->uuid), GINT_TO_POINTER (1));
  g_assert_cmpint (event->seq, ==, s->last_seq + 1);
  s->last_seq = event->seq;
  s->n_events++;

  g_hash_table_insert (s->acts, g_memdup2 (&event->act, sizeof (gint64)),
                       GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (s->acts,
                                                                              &event->act)) + 1));

  g_assert_true (json_parser_load_from_data (parser, event->payload, -1, NULL));
  obj = json_node_get_object (json_parser_get_root (parser));

  if (g_strcmp0 (event->kind, "note") == 0)
    {
      const char *text = json_object_get_string_member (obj, "text");
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (s->notes, text));

      g_hash_table_insert (s->notes, g_strdup (text), GUINT_TO_POINTER (n + 1));
    }
  else if (g_strcmp0 (event->kind, "label") == 0)
    {
      JsonArray *labels = json_object_get_array_member (obj, "labels");

      g_hash_table_insert (s->last_labels, g_strdup (event->item),
                           g_strdup (json_array_get_string_element (labels, 0)));
    }

  return TRUE;
}

static void
test_crash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = lb_test_make_tmpdir ("test-crash");
  g_autofree char *path = g_build_filename (dir, "crash.db", NULL);
  g_autofree char *child = child_path ();
  g_autoptr(GPtrArray) reported = g_ptr_array_new_with_free_func (reported_free);
  g_autoptr(LbStore) store = NULL;
  Scan scan = { 0, };
  gint64 batch_id = 0;
  guint n_rounds = g_test_rand_int_range (20, 41);
  guint n_killed_busy = 0;
  gint64 start = g_get_monotonic_time ();

  g_assert_true (g_file_test (child, G_FILE_TEST_IS_EXECUTABLE));

  /* the store the child works on */
  store = lb_test_open_store (path);
  g_assert_true (_lb_store_ensure_batch (store, "crash", dir, dir, SCHEMA_JSON, &batch_id,
                                         &error));
  {
    LbNewItem items[N_ITEMS];
    char *names[N_ITEMS];

    for (guint i = 0; i < N_ITEMS; i++)
      {
        names[i] = g_strdup_printf ("item-%02u", i);
        items[i] = (LbNewItem) { names[i], LB_ITEM_KIND_TEXT, NULL, names[i], NULL, "h" };
      }
    g_assert_true (_lb_store_insert_items (store, batch_id, items, N_ITEMS, NULL, NULL, &error));
    g_assert_no_error (error);
    for (guint i = 0; i < N_ITEMS; i++)
      g_free (names[i]);
  }
  lb_store_close (store);
  g_clear_object (&store);

  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *round_str = g_strdup_printf ("%u", round);
      const char *argv[] = { child, path, round_str, NULL };
      g_autoptr(GString) out = g_string_new (NULL);
      g_auto(GStrv) lines = NULL;
      GPid pid = 0;
      int out_fd = -1;
      int status = 0;
      char buf[4096];
      ssize_t n;
      guint delay_ms = g_test_rand_int_range (20, 151);

      g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, NULL, &out_fd, NULL, &error);
      g_assert_no_error (error);

      g_usleep (delay_ms * 1000);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);

      while ((n = read (out_fd, buf, sizeof buf)) > 0)
        g_string_append_len (out, buf, n);
      close (out_fd);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);

      /* killed, not exited with an error of its own */
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

      lines = g_strsplit (out->str, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_auto(GStrv) fields = NULL;
          Reported *r;

          /* only complete lines count; the last piece has no newline */
          if (lines[i + 1] == NULL)
            break;
          if (g_str_equal (lines[i], "READY"))
            {
              n_killed_busy++;
              continue;
            }
          fields = g_strsplit (lines[i], " ", -1);
          g_assert_cmpuint (g_strv_length (fields), ==, 4);
          g_assert_cmpstr (fields[0], ==, "ACT");
          r = g_new0 (Reported, 1);
          r->item_id = g_ascii_strtoll (fields[1], NULL, 10);
          r->note = g_strdup (fields[2]);
          g_ptr_array_add (reported, r);
        }
    }

  g_test_message ("%u rounds, %u acts reported committed, children that got to work: %u, "
                  "%.1f s", n_rounds, reported->len, n_killed_busy,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (reported->len, >, 0);
  g_assert_cmpuint (n_killed_busy, >, 0);

  /* everything reported is there, once; the chain verifies */
  store = lb_store_open (path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_true (lb_store_verify (store, &error));
  g_assert_no_error (error);

  scan.uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan.notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan.acts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  scan.last_labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_assert_true (lb_store_foreach_event (store, 0, scan_cb, &scan, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < reported->len; i++)
    {
      Reported *r = g_ptr_array_index (reported, i);

      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (scan.notes, r->note)), ==, 1);
    }

  /* whole acts only: each has its label and its note; at most one
   * committed-but-unreported act per kill */
  {
    GHashTableIter iter;
    gpointer key, value;
    guint n_acts = g_hash_table_size (scan.acts);

    g_hash_table_iter_init (&iter, scan.acts);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_assert_cmpint (GPOINTER_TO_INT (value), ==, 2);
    g_assert_cmpint (scan.n_events, ==, 2 * n_acts);
    g_assert_cmpuint (n_acts, >=, reported->len);
    g_assert_cmpuint (n_acts, <=, reported->len + n_rounds);
    g_assert_cmpuint (g_hash_table_size (scan.notes), ==, n_acts);
    g_assert_cmpint (lb_store_get_last_seq (store), ==, scan.n_events);
  }

  /* the derived state matches the events */
  {
    g_autoptr(GArray) ids = lb_store_list_item_ids (store, batch_id, LB_ITEM_FILTER_ALL, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < ids->len; i++)
      {
        g_autoptr(LbItem) item = lb_store_get_item (store, g_array_index (ids, gint64, i),
                                                    &error);
        const char *last = g_hash_table_lookup (scan.last_labels,
                                                lb_item_get_external_id (item));

        g_assert_no_error (error);
        if (last == NULL)
          g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
        else
          {
            g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
            g_assert_cmpstr (lb_item_get_labels (item)[0], ==, last);
          }
      }
  }

  /* and it opens for writing again, appending to the same chain */
  g_clear_object (&store);
  store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  {
    const char *labels[] = { "ok", NULL };
    LbSubmission sub = { .labels = labels };
    g_autoptr(GArray) ids = lb_store_list_item_ids (store, batch_id, LB_ITEM_FILTER_ALL, &error);

    g_assert_true (lb_store_submit (store, g_array_index (ids, gint64, 0), "after", &sub,
                                    &error));
    g_assert_no_error (error);
  }
  g_assert_true (lb_store_verify (store, &error));
  g_assert_no_error (error);
  lb_store_close (store);

  g_hash_table_unref (scan.uuids);
  g_hash_table_unref (scan.notes);
  g_hash_table_unref (scan.acts);
  g_hash_table_unref (scan.last_labels);

  lb_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/store/commit-after-crash", test_crash);

  return g_test_run ();
}
