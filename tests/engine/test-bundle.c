/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-bundle"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-bundle.h"
#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

/* Seat bundles: two seats label the same batch, their bundles are merged
 * into a third store (the team lead's), which then holds the same events
 * and the same item states; broken, edited and forked bundles are refused
 * and leave nothing behind. */

#define BATCH "comments"

typedef struct {
  char    *dir;
  LbStore *seat_a;
  LbStore *seat_b;
  LbStore *lead;
} Fixture;

static const LbNewItem batch_items[] = {
  { "t1", LB_ITEM_KIND_TEXT, NULL, "first text", NULL, "h1" },
  { "t2", LB_ITEM_KIND_TEXT, NULL, "second text 中文", "{\"lang\":\"zh\"}", "h2" },
  { "t3", LB_ITEM_KIND_TEXT, NULL, "third", NULL, "h3" },
  { "t4", LB_ITEM_KIND_TEXT, NULL, "fourth", NULL, "h4" },
};

static LbStore *
open_seat (Fixture    *f,
           const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);

  return lb_test_open_store (path);
}

/* The batch BATCH with batch_items, as every seat imports it */
static void
add_batch (LbStore    *store,
           const char *name,
           const char *schema_json)
{
  g_autoptr(GError) error = NULL;
  gint64 batch_id = 0;
  guint n_added = 0;

  g_assert_true (_lb_store_ensure_batch (store, name, "/data/comments", "/data/comments.jsonl",
                                         schema_json, &batch_id, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (store, batch_id, batch_items,
                                         G_N_ELEMENTS (batch_items), &n_added, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("test-bundle");
  f->seat_a = open_seat (f, "a.db");
  f->seat_b = open_seat (f, "b.db");
  f->lead = open_seat (f, "lead.db");
  add_batch (f->seat_a, BATCH, lb_test_comment_schema_json);
  add_batch (f->seat_b, BATCH, lb_test_comment_schema_json);
}

static void
close_store (LbStore **store)
{
  if (*store == NULL)
    return;
  lb_store_close (*store);
  g_assert_finalize_object (*store);
  *store = NULL;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  close_store (&f->seat_a);
  close_store (&f->seat_b);
  close_store (&f->lead);
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gint64
item_id (LbStore    *store,
         const char *external_id)
{
  g_autoptr(LbItem) item = lb_test_find_item (store, BATCH, external_id);

  return lb_item_get_id (item);
}

static void
submit (LbStore    *store,
        const char *external_id,
        const char *actor,
        const char *label,
        const char *decision,
        const char *reason)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { label, NULL };
  LbSubmission sub = { label != NULL ? labels : NULL, decision, reason, NULL, 1500 };

  g_assert_true (lb_store_submit (store, item_id (store, external_id), actor, &sub, &error));
  g_assert_no_error (error);
}

/* The bundle of STORE (batch filter BATCH, may be NULL) in DIR/NAME */
static char *
export_bundle (Fixture    *f,
               LbStore    *store,
               const char *batch,
               const char *name,
               guint64     expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  guint64 n_events = 0;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lb_bundle_export (store, batch, G_OUTPUT_STREAM (out), &n_events, NULL,
                                   &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_events, ==, expected);
  return g_steal_pointer (&path);
}

static void
merge (LbStore    *store,
       const char *path,
       guint64     expected_added,
       guint64     expected_present)
{
  g_autoptr(GError) error = NULL;
  guint64 n_added = 99, n_present = 99;

  g_assert_true (lb_bundle_import (store, path, &n_added, &n_present, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_added, ==, expected_added);
  g_assert_cmpuint (n_present, ==, expected_present);
}

static LbEvent *
event_copy (const LbEvent *ev)
{
  LbEvent *copy = g_new0 (LbEvent, 1);

  *copy = *ev;
  copy->uuid = g_strdup (ev->uuid);
  copy->seat = g_strdup (ev->seat);
  copy->batch = g_strdup (ev->batch);
  copy->item = g_strdup (ev->item);
  copy->actor = g_strdup (ev->actor);
  copy->role = g_strdup (ev->role);
  copy->kind = g_strdup (ev->kind);
  copy->payload = g_strdup (ev->payload);
  copy->prev_hash = g_strdup (ev->prev_hash);
  copy->hash = g_strdup (ev->hash);
  return copy;
}

static gboolean
collect_cb (const LbEvent  *ev,
            gpointer        user_data,
            GError        **error)
{
  g_ptr_array_add (user_data, event_copy (ev));
  return TRUE;
}

static GPtrArray *
all_events (LbStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_event_free);

  g_assert_true (lb_store_foreach_event (store, 0, collect_cb, events, &error));
  g_assert_no_error (error);
  return events;
}

static const LbEvent *
find_event (GPtrArray  *events,
            const char *uuid)
{
  for (guint i = 0; i < events->len; i++)
    {
      const LbEvent *ev = g_ptr_array_index (events, i);

      if (strcmp (ev->uuid, uuid) == 0)
        return ev;
    }
  return NULL;
}

/* Every event of FROM is in TO with the same fields (but seq and act) */
static void
assert_events_in (LbStore *from,
                  LbStore *to)
{
  g_autoptr(GPtrArray) a = all_events (from);
  g_autoptr(GPtrArray) b = all_events (to);

  for (guint i = 0; i < a->len; i++)
    {
      const LbEvent *ev = g_ptr_array_index (a, i);
      const LbEvent *other = find_event (b, ev->uuid);

      g_assert_nonnull (other);
      g_assert_cmpstr (other->seat, ==, ev->seat);
      g_assert_cmpstr (other->batch, ==, ev->batch);
      g_assert_cmpstr (other->item, ==, ev->item);
      g_assert_cmpstr (other->actor, ==, ev->actor);
      g_assert_cmpstr (other->role, ==, ev->role);
      g_assert_cmpstr (other->kind, ==, ev->kind);
      g_assert_cmpstr (other->payload, ==, ev->payload);
      g_assert_cmpint (other->time_us, ==, ev->time_us);
      g_assert_cmpint (other->dwell_ms, ==, ev->dwell_ms);
      g_assert_cmpstr (other->prev_hash, ==, ev->prev_hash);
      g_assert_cmpstr (other->hash, ==, ev->hash);
    }
}

static void
assert_same_state (LbStore    *a,
                   LbStore    *b,
                   const char *external_id)
{
  g_autoptr(LbItem) x = lb_test_find_item (a, BATCH, external_id);
  g_autoptr(LbItem) y = lb_test_find_item (b, BATCH, external_id);
  const char *const *lx = lb_item_get_labels (x);
  const char *const *ly = lb_item_get_labels (y);

  g_assert_cmpint (lb_item_get_state (x), ==, lb_item_get_state (y));
  g_assert_cmpuint (g_strv_length ((char **) lx), ==, g_strv_length ((char **) ly));
  for (guint i = 0; lx[i] != NULL; i++)
    g_assert_cmpstr (lx[i], ==, ly[i]);
  g_assert_cmpstr (lb_item_get_decision (x), ==, lb_item_get_decision (y));
  g_assert_cmpstr (lb_item_get_reason (x), ==, lb_item_get_reason (y));
}

static void
assert_verifies (LbStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_verify (store, &error));
  g_assert_no_error (error);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

/* ------------------------------------------------------------------------ */

/* The labelling both seats do in most tests: A labels t1, t2 (and t3 with
 * a rejection and its reason, one act of two events); B labels t2 (after
 * A) and t4. */
static void
label_both (Fixture *f)
{
  submit (f->seat_a, "t1", "alice", "ok", NULL, NULL);
  submit (f->seat_a, "t2", "alice", "ok", "approve", NULL);
  submit (f->seat_a, "t3", "alice", "spam", "reject", "abuse/insult");
  submit (f->seat_b, "t2", "bob", "spam", NULL, NULL);
  submit (f->seat_b, "t4", "bob", "ok", "escalate", NULL);
}

static void
test_merge (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *bundle_a = NULL;
  g_autofree char *bundle_b = NULL;
  g_autoptr(GPtrArray) merged = NULL;
  gint64 n_a, n_b;

  label_both (f);
  n_a = lb_store_get_last_seq (f->seat_a);
  n_b = lb_store_get_last_seq (f->seat_b);
  g_assert_cmpint (n_a, ==, 5);  /* label; label + decision; label + decision with reason */
  g_assert_cmpint (n_b, ==, 3);

  bundle_a = export_bundle (f, f->seat_a, NULL, "a.lbbundle", n_a);
  bundle_b = export_bundle (f, f->seat_b, NULL, "b.lbbundle", n_b);
  g_assert_true (lb_bundle_is_bundle (bundle_a));

  merge (f->lead, bundle_a, n_a, 0);
  merge (f->lead, bundle_b, n_b, 0);

  /* the same events, with their seats, actors, times, payloads and hashes */
  merged = all_events (f->lead);
  g_assert_cmpuint (merged->len, ==, n_a + n_b);
  assert_events_in (f->seat_a, f->lead);
  assert_events_in (f->seat_b, f->lead);
  for (guint i = 0; i < merged->len; i++)
    {
      const LbEvent *ev = g_ptr_array_index (merged, i);

      g_assert_cmpint (ev->seq, ==, i + 1);  /* new local numbers */
      g_assert_cmpstr (ev->seat, !=, lb_store_get_seat_id (f->lead));
    }

  /* the items' state: A's where only A worked, B's where only B did, and
   * the merged-last seat's on t2 */
  assert_same_state (f->seat_a, f->lead, "t1");
  assert_same_state (f->seat_a, f->lead, "t3");
  assert_same_state (f->seat_b, f->lead, "t4");
  {
    g_autoptr(LbItem) t2 = lb_test_find_item (f->lead, BATCH, "t2");

    g_assert_cmpstr (lb_item_get_labels (t2)[0], ==, "spam");
    g_assert_cmpstr (lb_item_get_last_actor (t2), ==, "bob");
  }
  g_assert_cmpuint (lb_store_count_items (f->lead, 0, LB_ITEM_FILTER_DONE), ==, 4);
  assert_verifies (f->lead);

  /* merging again adds nothing */
  merge (f->lead, bundle_a, 0, n_a);
  merge (f->lead, bundle_b, 0, n_b);
  g_assert_cmpint (lb_store_get_last_seq (f->lead), ==, n_a + n_b);
  assert_verifies (f->lead);

  /* the lead's own work continues its own chain and verifies */
  submit (f->lead, "t1", "lead", "spam", NULL, NULL);
  assert_verifies (f->lead);
}

/* A seat that went on working: its next bundle adds only what is new, and
 * the lead's undo takes back the whole act the seat made. */
static void
test_merge_incremental (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *lead_bundle = NULL;

  submit (f->seat_a, "t1", "alice", "ok", NULL, NULL);
  first = export_bundle (f, f->seat_a, NULL, "a1.lbbundle", 1);
  merge (f->lead, first, 1, 0);

  submit (f->seat_a, "t3", "alice", "spam", "reject", "abuse");
  second = export_bundle (f, f->seat_a, NULL, "a2.lbbundle", 3);
  merge (f->lead, second, 2, 1);
  assert_events_in (f->seat_a, f->lead);
  assert_same_state (f->seat_a, f->lead, "t3");
  assert_verifies (f->lead);

  /* the old bundle again: all present (the store's chain is longer) */
  merge (f->lead, first, 0, 1);

  /* the act of label + decision stays one act: alice's undo on the lead's
   * store retracts both */
  g_assert_true (lb_store_undo (f->lead, item_id (f->lead, "t3"), "alice", &error));
  g_assert_no_error (error);
  {
    g_autoptr(LbItem) t3 = lb_test_find_item (f->lead, BATCH, "t3");

    g_assert_cmpint (lb_item_get_state (t3), ==, LB_ITEM_STATE_TODO);
    g_assert_null (lb_item_get_decision (t3));
    g_assert_cmpuint (g_strv_length ((char **) lb_item_get_labels (t3)), ==, 0);
  }
  assert_verifies (f->lead);

  /* the lead's store as a bundle carries both seats' chains and merges back
   * into seat A: only the lead's undo is new there */
  lead_bundle = export_bundle (f, f->lead, NULL, "lead.lbbundle", 4);
  merge (f->seat_a, lead_bundle, 1, 3);
  assert_same_state (f->lead, f->seat_a, "t3");
  assert_verifies (f->seat_a);
}

static void
test_batch_filter (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "none.lbbundle", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (missing);
  g_autoptr(GFileOutputStream) out = NULL;

  /* seat A works in two batches, seat B only in "other" */
  add_batch (f->seat_a, "other", lb_test_comment_schema_json);
  submit (f->seat_a, "t1", "alice", "ok", NULL, NULL);
  {
    const char *labels[] = { "spam", NULL };
    LbSubmission sub = { labels, NULL, NULL, NULL, 10 };
    g_autoptr(LbItem) item = lb_test_find_item (f->seat_a, "other", "t1");

    g_assert_true (lb_store_submit (f->seat_a, lb_item_get_id (item), "alice", &sub, &error));
    g_assert_no_error (error);
  }

  /* the chain is whole: the event in "other" comes with the batch filter */
  path = export_bundle (f, f->seat_a, BATCH, "a.lbbundle", 2);
  merge (f->lead, path, 2, 0);
  assert_events_in (f->seat_a, f->lead);
  assert_verifies (f->lead);
  {
    g_autoptr(GPtrArray) batches = lb_store_list_batches (f->lead, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (batches->len, ==, 2);
  }

  /* a batch no seat worked in: an empty bundle, which merges as nothing */
  g_clear_pointer (&path, g_free);
  path = export_bundle (f, f->seat_b, BATCH, "b.lbbundle", 0);
  merge (f->lead, path, 0, 0);

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (lb_bundle_export (f->seat_a, "no-such-batch", G_OUTPUT_STREAM (out), NULL,
                                    NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-batch"));
}

/* The file's shape: a header, batches, items, events, a trailer whose
 * SHA-256 covers the bytes before it. */
static void
test_format (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonNode) header = NULL;
  g_autoptr(JsonNode) batch = NULL;
  g_autoptr(JsonNode) item = NULL;
  g_autoptr(JsonNode) event = NULL;
  g_autoptr(JsonNode) trailer = NULL;
  g_autofree char *sha = NULL;
  JsonObject *o;
  guint n;

  submit (f->seat_a, "t2", "alice", "ok", NULL, NULL);
  path = export_bundle (f, f->seat_a, NULL, "a.lbbundle", 1);
  text = read_text (path);
  g_assert_true (g_str_has_suffix (text, "}\n"));
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, ==, 6);  /* header, batch, item, event, trailer, "" */

  header = lb_test_parse_json (lines[0]);
  o = json_node_get_object (header);
  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "labelbench-bundle");
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "seat"), ==,
                   lb_store_get_seat_id (f->seat_a));
  g_assert_cmpint (json_object_get_int_member (o, "created_us"), >, 0);

  batch = lb_test_parse_json (lines[1]);
  o = json_node_get_object (batch);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "batch");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, BATCH);
  g_assert_cmpstr (json_object_get_string_member (o, "root"), ==, "/data/comments");
  {
    g_autoptr(LbBatch) b = lb_store_find_batch (f->seat_a, BATCH, NULL);

    g_assert_cmpstr (json_object_get_string_member (o, "schema"), ==, b->schema_json);
  }

  item = lb_test_parse_json (lines[2]);
  o = json_node_get_object (item);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "item");
  g_assert_cmpstr (json_object_get_string_member (o, "external_id"), ==, "t2");
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (o, "text"), ==, "second text 中文");
  g_assert_cmpstr (json_object_get_string_member (o, "meta"), ==, "{\"lang\":\"zh\"}");
  g_assert_cmpstr (json_object_get_string_member (o, "content_hash"), ==, "h2");
  g_assert_true (json_object_get_null_member (o, "path"));

  event = lb_test_parse_json (lines[3]);
  o = json_node_get_object (event);
  {
    g_autoptr(GPtrArray) events = all_events (f->seat_a);
    const LbEvent *ev = g_ptr_array_index (events, 0);

    g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "event");
    g_assert_cmpstr (json_object_get_string_member (o, "uuid"), ==, ev->uuid);
    g_assert_cmpstr (json_object_get_string_member (o, "seat"), ==, ev->seat);
    g_assert_cmpstr (json_object_get_string_member (o, "batch"), ==, BATCH);
    g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, "t2");
    g_assert_cmpstr (json_object_get_string_member (o, "actor"), ==, "alice");
    g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "annotator");
    g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "label");
    g_assert_cmpstr (json_object_get_string_member (o, "payload"), ==, ev->payload);
    g_assert_cmpint (json_object_get_int_member (o, "time_us"), ==, ev->time_us);
    g_assert_cmpint (json_object_get_int_member (o, "dwell_ms"), ==, 1500);
    g_assert_cmpstr (json_object_get_string_member (o, "prev_hash"), ==, "");
    g_assert_cmpstr (json_object_get_string_member (o, "hash"), ==, ev->hash);
  }

  trailer = lb_test_parse_json (lines[4]);
  o = json_node_get_object (trailer);
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "end");
  g_assert_cmpint (json_object_get_int_member (o, "events"), ==, 1);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) text,
                                     strstr (text, lines[4]) - text);
  g_assert_cmpstr (json_object_get_string_member (o, "sha256"), ==, sha);

  /* sniffing */
  {
    g_autofree char *jsonl = g_build_filename (f->dir, "events.jsonl", NULL);
    g_autofree char *nothing = g_build_filename (f->dir, "missing", NULL);

    lb_test_write_file (NULL, jsonl, "{\"uuid\": \"x\"}\n", -1);
    g_assert_false (lb_bundle_is_bundle (jsonl));
    g_assert_false (lb_bundle_is_bundle (nothing));
  }
}

/* Nothing of a refused bundle is stored */
static void
assert_nothing_stored (LbStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = lb_store_list_batches (store, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 0);
  g_assert_cmpint (lb_store_get_last_seq (store), ==, 0);
  g_assert_cmpuint (lb_store_count_items (store, 0, LB_ITEM_FILTER_ALL), ==, 0);
}

static void
assert_refused (LbStore    *store,
                const char *path,
                int         code,
                const char *expected)
{
  g_autoptr(GError) error = NULL;
  guint64 n_added = 0;

  g_assert_false (lb_bundle_import (store, path, &n_added, NULL, NULL, &error));
  g_assert_error (error, LB_BUNDLE_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_cmpuint (n_added, ==, 0);
}

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cut = g_build_filename (f->dir, "cut.lbbundle", NULL);
  g_autofree char *no_trailer = g_build_filename (f->dir, "no-trailer.lbbundle", NULL);
  g_autofree char *no_event = g_build_filename (f->dir, "no-event.lbbundle", NULL);
  g_autofree char *empty = g_build_filename (f->dir, "empty.lbbundle", NULL);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  const char *last_line;

  label_both (f);
  path = export_bundle (f, f->seat_a, NULL, "a.lbbundle", 5);
  text = read_text (path);
  lines = g_strsplit (text, "\n", -1);

  /* cut inside the 7th line (an event) */
  for (guint i = 0; i < 6; i++)
    g_string_append_printf (s, "%s\n", lines[i]);
  g_string_append_len (s, lines[6], strlen (lines[6]) / 2);
  lb_test_write_file (NULL, cut, s->str, -1);
  assert_refused (f->lead, cut, LB_BUNDLE_ERROR_FORMAT, "line 7");
  assert_nothing_stored (f->lead);

  /* cut at the end of a line: no trailer */
  last_line = strrchr (text, '{');
  lb_test_write_file (NULL, no_trailer, text, last_line - text);
  assert_refused (f->lead, no_trailer, LB_BUNDLE_ERROR_FORMAT, "line 10");
  assert_nothing_stored (f->lead);

  /* one whole event line left out: the chain and the trailer see it */
  g_string_truncate (s, 0);
  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    if (i != 8)
      g_string_append_printf (s, "%s\n", lines[i]);
  lb_test_write_file (NULL, no_event, s->str, -1);
  assert_refused (f->lead, no_event, LB_BUNDLE_ERROR_FORMAT, "line 9");
  assert_nothing_stored (f->lead);

  lb_test_write_file (NULL, empty, "", 0);
  assert_refused (f->lead, empty, LB_BUNDLE_ERROR_FORMAT, "empty");
  assert_nothing_stored (f->lead);

  /* the whole file still merges */
  merge (f->lead, path, 5, 0);
  assert_verifies (f->lead);
}

static void
test_tampered (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *edited = g_build_filename (f->dir, "edited.lbbundle", NULL);
  g_autofree char *rehashed = g_build_filename (f->dir, "rehashed.lbbundle", NULL);
  g_autofree char *trailer = g_build_filename (f->dir, "trailer.lbbundle", NULL);
  g_autofree char *future = g_build_filename (f->dir, "future.lbbundle", NULL);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) s = NULL;
  char *at;

  label_both (f);
  path = export_bundle (f, f->seat_a, NULL, "a.lbbundle", 5);
  text = read_text (path);
  lines = g_strsplit (text, "\n", -1);

  /* t1's label "ok" becomes "spam" in the 6th line (the first event) */
  g_assert_nonnull (strstr (lines[5], "\"type\":\"event\""));
  s = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      if (i == 5)
        {
          g_autoptr(GString) line = g_string_new (lines[i]);

          g_assert_cmpuint (g_string_replace (line, "[\\\"ok\\\"]", "[\\\"spam\\\"]", 1), ==, 1);
          g_string_append_printf (s, "%s\n", line->str);
        }
      else
        g_string_append_printf (s, "%s\n", lines[i]);
    }
  lb_test_write_file (NULL, edited, s->str, -1);
  assert_refused (f->lead, edited, LB_BUNDLE_ERROR_FORMAT, "line 6");
  assert_nothing_stored (f->lead);

  /* an edit that leaves every event intact (the batch's root) is still
   * caught by the trailer's SHA-256 */
  g_string_assign (s, text);
  at = strstr (s->str, "/data/comments\"");
  g_assert_nonnull (at);
  at[1] = 'D';
  lb_test_write_file (NULL, rehashed, s->str, -1);
  assert_refused (f->lead, rehashed, LB_BUNDLE_ERROR_FORMAT, "SHA-256");
  assert_nothing_stored (f->lead);

  /* text after the trailer */
  g_string_assign (s, text);
  g_string_append (s, "{\"type\":\"event\"}\n");
  lb_test_write_file (NULL, trailer, s->str, -1);
  assert_refused (f->lead, trailer, LB_BUNDLE_ERROR_FORMAT, "line 12");
  assert_nothing_stored (f->lead);

  /* an item whose path leaves the batch folder: refused at its line */
  {
    g_autofree char *escape = g_build_filename (f->dir, "escape.lbbundle", NULL);

    g_string_assign (s, text);
    g_assert_cmpuint (g_string_replace (s, "\"external_id\":\"t1\",\"kind\":\"text\","
                                           "\"path\":null",
                                        "\"external_id\":\"t1\",\"kind\":\"image\","
                                        "\"path\":\"../../etc/passwd\"", 1), ==, 1);
    lb_test_write_file (NULL, escape, s->str, -1);
    assert_refused (f->lead, escape, LB_BUNDLE_ERROR_FORMAT, "line 3");
    assert_nothing_stored (f->lead);
  }

  /* a newer format version */
  g_string_assign (s, text);
  g_assert_cmpuint (g_string_replace (s, "\"version\":1", "\"version\":7", 1), ==, 1);
  lb_test_write_file (NULL, future, s->str, -1);
  assert_refused (f->lead, future, LB_BUNDLE_ERROR_VERSION, "line 1");
  assert_nothing_stored (f->lead);
}

/* A seat's store copied (same seat id) and both copies went on: the second
 * bundle is a fork of the chain the lead has. */
static void
test_fork (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a_path = g_strdup (lb_store_get_path (f->seat_a));
  g_autofree char *copy_path = g_build_filename (f->dir, "a-copy.db", NULL);
  g_autofree char *bundle_a = NULL;
  g_autofree char *bundle_copy = NULL;
  g_autoptr(LbStore) copy = NULL;
  g_autoptr(GPtrArray) copy_events = NULL;
  g_autoptr(GPtrArray) a_events = NULL;
  const LbEvent *forked;
  const LbEvent *theirs;
  gint64 before;

  submit (f->seat_a, "t1", "alice", "ok", NULL, NULL);
  close_store (&f->seat_a);
  lb_test_copy_file (a_path, copy_path);
  f->seat_a = lb_test_open_store (a_path);
  copy = lb_test_open_store (copy_path);
  g_assert_cmpstr (lb_store_get_seat_id (copy), ==, lb_store_get_seat_id (f->seat_a));

  submit (f->seat_a, "t2", "alice", "ok", NULL, NULL);
  submit (copy, "t3", "alice", "spam", NULL, NULL);
  submit (copy, "t4", "alice", "spam", NULL, NULL);

  bundle_a = export_bundle (f, f->seat_a, NULL, "a.lbbundle", 2);
  bundle_copy = export_bundle (f, copy, NULL, "copy.lbbundle", 3);
  merge (f->lead, bundle_a, 2, 0);
  before = lb_store_get_last_seq (f->lead);

  copy_events = all_events (copy);
  forked = g_ptr_array_index (copy_events, 1);
  a_events = all_events (f->seat_a);
  theirs = g_ptr_array_index (a_events, 1);
  g_assert_false (lb_bundle_import (f->lead, bundle_copy, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORK);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, lb_store_get_seat_id (copy)));
  g_assert_nonnull (strstr (error->message, forked->uuid));
  g_assert_nonnull (strstr (error->message, theirs->uuid));
  g_assert_nonnull (strstr (error->message, bundle_copy));
  g_assert_cmpint (lb_store_get_last_seq (f->lead), ==, before);
  assert_verifies (f->lead);

  lb_store_close (copy);
}

/* The same batch name with another schema, the same item with other
 * content: refused, naming them. */
static void
test_conflicts (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *other_schema = NULL;
  g_autoptr(LbStore) other = open_seat (f, "other.db");
  g_autoptr(LbStore) changed = open_seat (f, "changed.db");
  LbNewItem t1 = { "t1", LB_ITEM_KIND_TEXT, NULL, "first text, edited", NULL, "h1-edited" };
  gint64 batch_id = 0;
  guint n_added = 0;

  submit (f->seat_a, "t1", "alice", "ok", NULL, NULL);
  path = export_bundle (f, f->seat_a, NULL, "a.lbbundle", 1);

  /* "comments" under the default schema */
  g_assert_true (_lb_store_ensure_batch (other, BATCH, "/data/comments", "/data/comments",
                                         NULL, &batch_id, &error));
  g_assert_no_error (error);
  g_assert_false (lb_bundle_import (other, path, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "“" BATCH "”"));
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_clear_error (&error);
  g_assert_cmpint (lb_store_get_last_seq (other), ==, 0);

  /* item t1 with other content */
  g_assert_true (_lb_store_ensure_batch (changed, BATCH, "/data/comments", "/data/comments",
                                         lb_test_comment_schema_json, &batch_id, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (changed, batch_id, &t1, 1, &n_added, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lb_bundle_import (changed, path, NULL, NULL, NULL, &error));
  g_assert_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "“t1”"));
  g_assert_nonnull (strstr (error->message, "line 3"));
  g_clear_error (&error);
  g_assert_cmpint (lb_store_get_last_seq (changed), ==, 0);
  assert_verifies (changed);

  /* the same schema written another way (canonical JSON) is the same schema */
  {
    g_autoptr(LbStore) same = open_seat (f, "same.db");
    g_autoptr(LbSchema) schema = lb_schema_new_from_data (lb_test_comment_schema_json, -1,
                                                          BATCH, &error);

    g_assert_no_error (error);
    other_schema = lb_schema_to_json (schema);
    g_assert_cmpstr (other_schema, !=, lb_test_comment_schema_json);
    g_assert_true (_lb_store_ensure_batch (same, BATCH, "/elsewhere", "/elsewhere", other_schema,
                                           &batch_id, &error));
    g_assert_no_error (error);
    merge (same, path, 1, 0);
    assert_verifies (same);
    lb_store_close (same);
  }

  lb_store_close (other);
  lb_store_close (changed);
}

typedef struct {
  guint n_added;
  guint n_changed;
} Signals;

static void
items_added_cb (LbStore *store,
                gint64   batch_id,
                Signals *s)
{
  s->n_added++;
}

static void
item_changed_cb (LbStore *store,
                 gint64   item_id,
                 Signals *s)
{
  s->n_changed++;
}

static gboolean
signals_seen (gpointer data)
{
  Signals *s = data;

  return s->n_added >= 1 && s->n_changed >= 3;
}

static void
test_signals (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = NULL;
  Signals s = { 0, };

  label_both (f);
  path = export_bundle (f, f->seat_a, NULL, "a.lbbundle", 5);
  g_signal_connect (f->lead, "items-added", G_CALLBACK (items_added_cb), &s);
  g_signal_connect (f->lead, "item-changed", G_CALLBACK (item_changed_cb), &s);
  merge (f->lead, path, 5, 0);
  lb_test_wait_until (signals_seen, &s, 10);
  lb_test_spin_for (50);
  g_assert_cmpuint (s.n_added, ==, 1);    /* one batch got items */
  g_assert_cmpuint (s.n_changed, ==, 3);  /* t1, t2, t3 */

  /* nothing new: no signal */
  merge (f->lead, path, 0, 5);
  lb_test_spin_for (50);
  g_assert_cmpuint (s.n_added, ==, 1);
  g_assert_cmpuint (s.n_changed, ==, 3);
  g_signal_handlers_disconnect_by_data (f->lead, &s);
}

#define ADD(name, func) \
  g_test_add ("/engine/bundle/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("merge", test_merge);
  ADD ("merge-incremental", test_merge_incremental);
  ADD ("batch-filter", test_batch_filter);
  ADD ("format", test_format);
  ADD ("truncated", test_truncated);
  ADD ("tampered", test_tampered);
  ADD ("fork", test_fork);
  ADD ("conflicts", test_conflicts);
  ADD ("signals", test_signals);

  return g_test_run ();
}
