/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-stats"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-import.h"
#include "lb-stats.h"
#include "lb-store.h"
#include "lb-test-support.h"

typedef struct {
  char    *dir;
  LbStore *store;
  gint64   batch_a;
  gint64   batch_b;
} Fixture;

static gint64
import_batch (Fixture    *f,
              const char *name,
              const char *manifest_name,
              guint       expected)
{
  g_autofree char *manifest = g_build_filename (f->dir, manifest_name, NULL);
  g_autofree char *schema = g_build_filename (f->dir, "schema.json", NULL);
  LbImportOptions options = { .name = name, .schema_path = schema };

  return lb_test_import (f->store, manifest, &options, expected);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;

  f->dir = lb_test_make_tmpdir ("lb-test-stats");
  lb_test_write_file (f->dir, "schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (f->dir, "a.jsonl",
                      "{\"id\": \"a1\", \"text\": \"one\"}\n"
                      "{\"id\": \"a2\", \"text\": \"two\"}\n"
                      "{\"id\": \"a3\", \"text\": \"three\"}\n"
                      "{\"id\": \"a4\", \"text\": \"four\"}\n"
                      "{\"id\": \"a5\", \"text\": \"five\"}\n", -1);
  lb_test_write_file (f->dir, "b.jsonl",
                      "{\"id\": \"b1\", \"text\": \"一\"}\n"
                      "{\"id\": \"b2\", \"text\": \"二\"}\n", -1);

  db = g_build_filename (f->dir, "store.db", NULL);
  f->store = lb_test_open_store (db);

  f->batch_a = import_batch (f, "alpha", "a.jsonl", 5);
  f->batch_b = import_batch (f, "beta", "b.jsonl", 2);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_pump ();
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gint64
item_id (Fixture    *f,
         const char *external_id)
{
  g_autoptr(LbItem) item = lb_test_find_item (f->store, NULL, external_id);

  return lb_item_get_id (item);
}

static void
submit (Fixture     *f,
        const char  *item,
        const char  *actor,
        const char  *labels_csv,   /* NULL = no label event */
        const char  *decision,
        const char  *reason,
        const char  *note,
        gint64       dwell_ms)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) labels = labels_csv ? g_strsplit (labels_csv, ",", -1) : NULL;
  LbSubmission sub = {
    .labels = (const char * const *) labels,
    .decision = decision,
    .reason = reason,
    .note = note,
    .dwell_ms = dwell_ms,
  };

  g_assert_true (lb_store_submit (f->store, item_id (f, item), actor, &sub, &error));
  g_assert_no_error (error);
}

static JsonNode *
compute (Fixture *f,
         gint64   batch_id)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = lb_stats_compute (f->store, batch_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return node;
}

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(JsonNode) node = compute (f, 0);
  JsonObject *o = json_node_get_object (node);

  g_assert_cmpint (lb_test_json_int (o, "items"), ==, 7);
  g_assert_cmpint (lb_test_json_int (o, "todo"), ==, 7);
  g_assert_cmpint (lb_test_json_int (o, "done"), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "skipped"), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "flagged"), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "events"), ==, 0);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "labels")), ==, 0);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "decisions")), ==, 0);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "reasons")), ==, 0);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "actors")), ==, 0);
}

static void
test_counts (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) alpha = NULL;
  g_autoptr(JsonNode) beta = NULL;
  JsonObject *o;

  /* alpha */
  submit (f, "a1", "alice", "ok,spam", NULL, NULL, NULL, 1000);           /* 1 event */
  submit (f, "a2", "alice", "ok", "approve", NULL, "fine", 3000);         /* 3 events */
  submit (f, "a3", "bob", NULL, "reject", "abuse/insult", NULL, 2000);    /* 1 event */
  submit (f, "a4", "bob", NULL, "escalate", NULL, NULL, 4000);            /* 1 event */
  g_assert_true (lb_store_skip (f->store, item_id (f, "a5"), "alice", 500, &error));
  g_assert_no_error (error);
  /* alice changes her mind on a1, then undoes it: back to ok+spam */
  submit (f, "a1", "alice", "spam", NULL, NULL, NULL, 700);               /* 1 event */
  g_assert_true (lb_store_undo (f->store, item_id (f, "a1"), "alice", &error));  /* 1 */
  g_assert_no_error (error);
  /* beta */
  submit (f, "b1", "李明", NULL, "reject", "abuse", NULL, 6000);          /* 1 event */

  all = compute (f, 0);
  o = json_node_get_object (all);
  g_assert_cmpint (lb_test_json_int (o, "items"), ==, 7);
  g_assert_cmpint (lb_test_json_int (o, "done"), ==, 5);       /* a1 a2 a3 a4 b1 */
  g_assert_cmpint (lb_test_json_int (o, "skipped"), ==, 1);    /* a5 */
  g_assert_cmpint (lb_test_json_int (o, "todo"), ==, 1);       /* b2 */
  g_assert_cmpint (lb_test_json_int (o, "flagged"), ==, 1);    /* a4 escalated */
  g_assert_cmpint (lb_test_json_int (o, "events"), ==, 10);
  g_assert_cmpint (lb_test_json_int (o, "labels.ok"), ==, 2);
  g_assert_cmpint (lb_test_json_int (o, "labels.spam"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "decisions.reject"), ==, 2);
  g_assert_cmpint (lb_test_json_int (o, "decisions.approve"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "decisions.escalate"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "reasons.abuse/insult"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "reasons.abuse"), ==, 1);
  {
    /* most frequent first */
    g_autoptr(GList) names = json_object_get_members (json_object_get_object_member (o, "labels"));
    g_assert_cmpstr (names->data, ==, "ok");
  }

  /* alice: acts a1 (1000), a2 (3000), skip a5 (500), a1 again (700); undo not an act */
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.items"), ==, 3);
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.events"), ==, 7);
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.acts"), ==, 4);
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.dwell_ms"), ==, 5200);
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.mean_dwell_ms"), ==, 1300);
  g_assert_cmpint (lb_test_json_int (o, "actors.bob.items"), ==, 2);
  g_assert_cmpint (lb_test_json_int (o, "actors.bob.events"), ==, 2);
  g_assert_cmpint (lb_test_json_int (o, "actors.bob.dwell_ms"), ==, 6000);
  g_assert_cmpint (lb_test_json_int (o, "actors.bob.mean_dwell_ms"), ==, 3000);
  g_assert_cmpint (lb_test_json_int (o, "actors.李明.events"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "actors.李明.dwell_ms"), ==, 6000);

  /* per batch */
  alpha = compute (f, f->batch_a);
  o = json_node_get_object (alpha);
  g_assert_cmpint (lb_test_json_int (o, "items"), ==, 5);
  g_assert_cmpint (lb_test_json_int (o, "done"), ==, 4);
  g_assert_cmpint (lb_test_json_int (o, "todo"), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "events"), ==, 9);
  g_assert_cmpint (lb_test_json_int (o, "decisions.reject"), ==, 1);
  g_assert_false (json_object_has_member (json_object_get_object_member (o, "actors"), "李明"));
  g_assert_false (json_object_has_member (json_object_get_object_member (o, "reasons"), "abuse"));

  beta = compute (f, f->batch_b);
  o = json_node_get_object (beta);
  g_assert_cmpint (lb_test_json_int (o, "items"), ==, 2);
  g_assert_cmpint (lb_test_json_int (o, "done"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "todo"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "flagged"), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "events"), ==, 1);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "labels")), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "actors.李明.items"), ==, 1);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (o, "actors")), ==, 1);
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *path = g_strdup (lb_store_get_path (f->store));
  LbStore *ro;

  submit (f, "b2", "bob", "ok", NULL, NULL, NULL, 10);
  lb_store_close (f->store);
  g_clear_object (&f->store);

  ro = lb_store_open (path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  node = lb_stats_compute (ro, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lb_test_json_int (json_node_get_object (node), "done"), ==, 1);
  g_assert_cmpint (lb_test_json_int (json_node_get_object (node), "labels.ok"), ==, 1);

  /* reopen for the tear-down */
  lb_store_close (ro);
  g_object_unref (ro);
  f->store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/stats/empty", Fixture, NULL, fixture_set_up, test_empty,
              fixture_tear_down);
  g_test_add ("/engine/stats/counts", Fixture, NULL, fixture_set_up, test_counts,
              fixture_tear_down);
  g_test_add ("/engine/stats/read-only", Fixture, NULL, fixture_set_up, test_read_only,
              fixture_tear_down);

  return g_test_run ();
}
