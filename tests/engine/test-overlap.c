/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-overlap"
#include "config.h"

#include <string.h>

#include "lb-item-list.h"
#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

#define SCHEMA_JSON \
  "{\"name\": \"Overlap\"," \
  " \"tools\": [\"class\", \"box\", \"polygon\", \"span\", \"note\"]," \
  " \"labels\": [{\"id\": \"cat\"}, {\"id\": \"dog\"}, {\"id\": \"bird\"}]}"

typedef struct {
  char    *dir;
  LbStore *store;
  gint64   batch_id;
  gint64   ids[6];   /* i1 … i4 (images; i4 asks for 3 annotators), t1, g1 (gold) */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *path = NULL;
  LbNewItem items[] = {
    { "i1", LB_ITEM_KIND_IMAGE, "1.png", NULL, NULL, "h1" },
    { "i2", LB_ITEM_KIND_IMAGE, "2.png", NULL, NULL, "h2" },
    { "i3", LB_ITEM_KIND_IMAGE, "3.png", NULL, NULL, "h3" },
    { "i4", LB_ITEM_KIND_IMAGE, "4.png", NULL, "{\"overlap\": 3}", "h4" },
    { "t1", LB_ITEM_KIND_TEXT, NULL, "a cat and a dog", NULL, "h5" },
    { "g1", LB_ITEM_KIND_IMAGE, "g.png", NULL, "{\"gold\": {\"labels\": [\"dog\"]}}", "h6" },
  };

  f->dir = lb_test_make_tmpdir ("lb-test-overlap");
  path = g_build_filename (f->dir, "store.db", NULL);
  f->store = lb_test_open_store (path);
  g_assert_true (_lb_store_ensure_batch (f->store, "b", f->dir, f->dir, SCHEMA_JSON,
                                         &f->batch_id, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (f->store, f->batch_id, items, G_N_ELEMENTS (items),
                                         NULL, NULL, &error));
  g_assert_no_error (error);
  ids = lb_store_list_item_ids (f->store, f->batch_id, LB_ITEM_FILTER_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, G_N_ELEMENTS (f->ids));
  for (guint i = 0; i < ids->len; i++)
    f->ids[i] = g_array_index (ids, gint64, i);
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

static void
label (Fixture    *f,
       guint       index,
       const char *actor,
       const char *label_id)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { label_id, NULL };
  LbSubmission sub = { labels, NULL, NULL, NULL, 100 };

  g_assert_true (lb_store_submit (f->store, f->ids[index], actor, &sub, &error));
  g_assert_no_error (error);
}

static void
box (Fixture    *f,
     guint       index,
     const char *actor,
     const char *label_id,
     double      x,
     double      y,
     double      w,
     double      h)
{
  g_autoptr(GError) error = NULL;
  LbRegionSpec spec = { label_id, LB_REGION_SHAPE_BOX, { x, y, w, h }, NULL, 0, NULL, 0 };

  g_assert_true (lb_store_create_region (f->store, f->ids[index], actor, &spec, NULL, &error));
  g_assert_no_error (error);
}

/* the external ids of an actor's queue, joined by "," */
static char *
queue (Fixture      *f,
       const char   *actor,
       LbItemFilter  filter)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = lb_store_list_queue_ids (f->store, f->batch_id, actor, filter,
                                                   &error);
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(LbItem) item = lb_test_get_item (f->store, g_array_index (ids, gint64, i));

      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, lb_item_get_external_id (item));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

#define ASSERT_QUEUE(f, actor, filter, expected) \
  G_STMT_START { \
    g_autofree char *q_ = queue (f, actor, filter); \
    g_assert_cmpstr (q_, ==, expected); \
  } G_STMT_END

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* overlap 2 (i4: 3): each annotator gets the items they have not done that
 * fewer than N annotators have done; gold items among them */
static void
test_queue (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (lb_store_get_batch_overlap (f->store, f->batch_id, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_false (lb_store_set_batch_overlap (f->store, f->batch_id, 0, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lb_store_get_batch_overlap (f->store, f->batch_id, &error), ==, 2);

  ASSERT_QUEUE (f, "ann", LB_ITEM_FILTER_TODO, "i1,i2,i3,i4,t1,g1");
  label (f, 0, "ann", "cat");
  label (f, 1, "ann", "cat");
  label (f, 3, "ann", "cat");
  ASSERT_QUEUE (f, "ann", LB_ITEM_FILTER_TODO, "i3,t1,g1");
  ASSERT_QUEUE (f, "ann", LB_ITEM_FILTER_DONE, "i1,i2,i4");
  ASSERT_QUEUE (f, "bob", LB_ITEM_FILTER_TODO, "i1,i2,i3,i4,t1,g1");

  label (f, 0, "bob", "dog");
  label (f, 3, "bob", "cat");
  /* i1 and i2… i1 has its two; i4 asks for three */
  ASSERT_QUEUE (f, "carl", LB_ITEM_FILTER_TODO, "i2,i3,i4,t1,g1");
  ASSERT_QUEUE (f, "bob", LB_ITEM_FILTER_TODO, "i2,i3,t1,g1");
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GArray) ids = NULL;

    lb_store_list_queue_ids_async (f->store, f->batch_id, "bob", LB_ITEM_FILTER_TODO, NULL,
                                   store_result_cb, &result);
    lb_test_wait_until (has_result, &result, 10);
    ids = lb_store_list_queue_ids_finish (f->store, result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ids->len, ==, 4);
    g_assert_cmpint (g_array_index (ids, gint64, 0), ==, f->ids[1]);
    g_assert_cmpint (g_array_index (ids, gint64, 3), ==, f->ids[5]);
  }
  ASSERT_QUEUE (f, "bob", LB_ITEM_FILTER_ALL, "i1,i2,i3,i4,t1,g1");

  /* a skip is no answer: the item stays in the skipper's queue */
  g_assert_true (lb_store_skip (f->store, f->ids[2], "carl", 0, &error));
  g_assert_no_error (error);
  ASSERT_QUEUE (f, "carl", LB_ITEM_FILTER_TODO, "i2,i3,i4,t1,g1");

  /* an undone answer frees the place */
  g_assert_true (lb_store_undo (f->store, f->ids[0], "bob", &error));
  g_assert_no_error (error);
  ASSERT_QUEUE (f, "carl", LB_ITEM_FILTER_TODO, "i1,i2,i3,i4,t1,g1");
  ASSERT_QUEUE (f, "bob", LB_ITEM_FILTER_DONE, "i4");

  /* the gold item is not told apart in the annotator's view */
  {
    g_autoptr(LbItem) own = lb_store_get_item_for_actor (f->store, f->ids[5], "carl", &error);
    g_autoptr(LbItem) lead = lb_test_get_item (f->store, f->ids[5]);

    g_assert_no_error (error);
    g_assert_false (lb_item_get_gold (own));
    g_assert_true (lb_item_get_gold (lead));
  }
}

/* blind: an annotator's view of an item holds only their own work */
static void
test_blind (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) ann = NULL;
  g_autoptr(LbItem) bob = NULL;
  g_autoptr(LbItem) carl = NULL;
  g_autoptr(LbItem) all = NULL;

  label (f, 0, "ann", "cat");
  box (f, 0, "ann", "cat", 0, 0, 10, 10);
  label (f, 0, "bob", "dog");
  box (f, 0, "bob", "dog", 50, 50, 5, 5);
  box (f, 0, "bob", "dog", 60, 60, 5, 5);

  ann = lb_store_get_item_for_actor (f->store, f->ids[0], "ann", &error);
  g_assert_no_error (error);
  bob = lb_store_get_item_for_actor (f->store, f->ids[0], "bob", &error);
  g_assert_no_error (error);
  carl = lb_store_get_item_for_actor (f->store, f->ids[0], "carl", &error);
  g_assert_no_error (error);
  all = lb_test_get_item (f->store, f->ids[0]);

  g_assert_cmpstr (lb_item_get_labels (ann)[0], ==, "cat");
  g_assert_cmpuint (lb_item_get_n_regions (ann), ==, 1);
  g_assert_cmpstr (lb_item_get_region (ann, 0)->label, ==, "cat");
  g_assert_cmpstr (lb_item_get_last_actor (ann), ==, "ann");
  g_assert_cmpstr (lb_item_get_labels (bob)[0], ==, "dog");
  g_assert_cmpuint (lb_item_get_n_regions (bob), ==, 2);
  g_assert_cmpint (lb_item_get_state (carl), ==, LB_ITEM_STATE_TODO);
  g_assert_null (lb_item_get_labels (carl)[0]);
  g_assert_cmpuint (lb_item_get_n_regions (carl), ==, 0);
  /* the item's shared state has everybody's regions */
  g_assert_cmpuint (lb_item_get_n_regions (all), ==, 3);
  g_assert_cmpstr (lb_item_get_external_id (ann), ==, "i1");
  g_assert_cmpstr (lb_item_get_path (ann), ==, lb_item_get_path (all));
}

/* agreement of two works, by hand-made works: the IoU and overlap rule */
static void
test_agree_rule (void)
{
  const char *cat[] = { "cat", NULL };
  const char *dog[] = { "dog", NULL };
  const char *none[] = { NULL };
  LbActorWork a = { "a", LB_ITEM_STATE_DONE, none, NULL, NULL,
                    "[{\"label\": \"cat\", \"shape\": \"box\", \"box\": [0, 0, 10, 10]}]", "[]" };
  LbActorWork b = a;
  LbActorWork s1 = a;
  LbActorWork s2 = a;

  /* IoU 81 / 119 = 0.68: the same box */
  b.regions_json = "[{\"label\": \"cat\", \"shape\": \"box\", \"box\": [1, 1, 10, 10]}]";
  g_assert_true (lb_actor_work_agree (&a, &b));
  /* IoU 25 / 175 = 0.14: not */
  b.regions_json = "[{\"label\": \"cat\", \"shape\": \"box\", \"box\": [5, 5, 10, 10]}]";
  g_assert_false (lb_actor_work_agree (&a, &b));
  /* IoU exactly 0.5 (50 / 100): the same (>= threshold) */
  b.regions_json = "[{\"label\": \"cat\", \"shape\": \"box\", \"box\": [0, 0, 10, 5]}]";
  g_assert_true (lb_actor_work_agree (&a, &b));
  /* the same place, another label */
  b.regions_json = "[{\"label\": \"dog\", \"shape\": \"box\", \"box\": [0, 0, 10, 10]}]";
  g_assert_false (lb_actor_work_agree (&a, &b));
  /* a polygon by its bounding box */
  b.regions_json = "[{\"label\": \"cat\", \"shape\": \"polygon\","
                   " \"points\": [[0, 0], [10, 0], [10, 10], [0, 10]]}]";
  g_assert_true (lb_actor_work_agree (&a, &b));
  /* one to one: two boxes against one */
  b.regions_json = "[{\"label\": \"cat\", \"shape\": \"box\", \"box\": [0, 0, 10, 10]},"
                   " {\"label\": \"cat\", \"shape\": \"box\", \"box\": [0, 0, 10, 10]}]";
  g_assert_false (lb_actor_work_agree (&a, &b));
  /* in any order */
  a.regions_json = "[{\"label\": \"dog\", \"shape\": \"box\", \"box\": [50, 50, 10, 10]},"
                   " {\"label\": \"cat\", \"shape\": \"box\", \"box\": [0, 0, 10, 10]}]";
  b.regions_json = "[{\"label\": \"cat\", \"shape\": \"box\", \"box\": [0, 0, 9, 9]},"
                   " {\"label\": \"dog\", \"shape\": \"box\", \"box\": [51, 51, 10, 10]}]";
  g_assert_true (lb_actor_work_agree (&a, &b));

  /* labels and decisions */
  b = a;
  b.labels = cat;
  g_assert_false (lb_actor_work_agree (&a, &b));
  a.labels = cat;
  g_assert_true (lb_actor_work_agree (&a, &b));
  b.labels = dog;
  g_assert_false (lb_actor_work_agree (&a, &b));
  b.labels = cat;
  b.decision = "keep";
  g_assert_false (lb_actor_work_agree (&a, &b));

  /* spans: overlap = intersection / union >= 0.5 */
  s1.regions_json = s2.regions_json = "[]";
  s1.spans_json = "[{\"label\": \"cat\", \"start\": 0, \"end\": 10}]";
  s2.spans_json = "[{\"label\": \"cat\", \"start\": 2, \"end\": 10}]";
  g_assert_true (lb_actor_work_agree (&s1, &s2));
  s2.spans_json = "[{\"label\": \"cat\", \"start\": 6, \"end\": 14}]";
  g_assert_false (lb_actor_work_agree (&s1, &s2));
  s2.spans_json = "[{\"label\": \"dog\", \"start\": 0, \"end\": 10}]";
  g_assert_false (lb_actor_work_agree (&s1, &s2));
}

typedef struct {
  const char  *external_id;
  LbConsensus  consensus;
  char        *agreed;
} ConsensusOf;

static gboolean
consensus_cb (const LbItemWork  *work,
              gpointer           user_data,
              GError           **error)
{
  ConsensusOf *c = user_data;
  guint agreed = G_MAXUINT;

  if (g_strcmp0 (work->external_id, c->external_id) != 0)
    return TRUE;
  c->consensus = lb_consensus_of_work (work, &agreed);
  g_free (c->agreed);
  c->agreed = agreed != G_MAXUINT ? g_strdup (work->works[agreed].actor) : NULL;
  return TRUE;
}

static LbConsensus
consensus_of (Fixture     *f,
              const char  *external_id,
              char       **agreed)
{
  g_autoptr(GError) error = NULL;
  ConsensusOf c = { external_id, LB_CONSENSUS_NONE, NULL };

  g_assert_true (lb_store_foreach_item_work (f->store, f->batch_id, consensus_cb, &c, &error));
  g_assert_no_error (error);
  if (agreed != NULL)
    *agreed = c.agreed;
  else
    g_free (c.agreed);
  return c.consensus;
}

/* consensus from the store: majority of labels, boxes by IoU, spans by
 * overlap; disputed items in the review queue */
static void
test_consensus (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) disputed = NULL;
  g_autofree char *who = NULL;
  LbReviewQuery q = { .batch_id = 0, .disputed_only = TRUE };

  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 3, &error));
  g_assert_no_error (error);

  /* i1: cat, cat, dog: a majority */
  label (f, 0, "ann", "dog");
  label (f, 0, "bob", "cat");
  label (f, 0, "carl", "cat");
  g_assert_cmpint (consensus_of (f, "i1", &who), ==, LB_CONSENSUS_AGREED);
  g_assert_cmpstr (who, ==, "bob");
  g_clear_pointer (&who, g_free);

  /* i2: cat, dog, bird: none */
  label (f, 1, "ann", "cat");
  label (f, 1, "bob", "dog");
  label (f, 1, "carl", "bird");
  g_assert_cmpint (consensus_of (f, "i2", NULL), ==, LB_CONSENSUS_DISPUTED);

  /* i3: boxes; ann's and carl's overlap well, bob's is elsewhere */
  box (f, 2, "ann", "cat", 10, 10, 100, 100);
  box (f, 2, "bob", "cat", 200, 200, 50, 50);
  box (f, 2, "carl", "cat", 15, 12, 100, 100);
  g_assert_cmpint (consensus_of (f, "i3", &who), ==, LB_CONSENSUS_AGREED);
  g_assert_cmpstr (who, ==, "ann");
  g_clear_pointer (&who, g_free);

  /* t1: spans; two of three too far apart from each other: disputed */
  g_assert_true (lb_store_create_span (f->store, f->ids[4], "ann", "cat", 0, 5, NULL, &error));
  g_assert_true (lb_store_create_span (f->store, f->ids[4], "bob", "cat", 2, 9, NULL, &error));
  g_assert_true (lb_store_create_span (f->store, f->ids[4], "carl", "dog", 0, 5, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (consensus_of (f, "t1", NULL), ==, LB_CONSENSUS_DISPUTED);

  /* one annotator only: no question */
  label (f, 3, "ann", "cat");
  g_assert_cmpint (consensus_of (f, "i4", NULL), ==, LB_CONSENSUS_NONE);

  /* the review queue of disputed items */
  disputed = lb_store_list_review_ids (f->store, &q, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (disputed->len, ==, 2);
  g_assert_cmpint (g_array_index (disputed, gint64, 0), ==, f->ids[1]);
  g_assert_cmpint (g_array_index (disputed, gint64, 1), ==, f->ids[4]);

  /* ann changes her mind on t1's span: now two of three agree */
  g_assert_true (lb_store_undo (f->store, f->ids[4], "ann", &error));
  g_assert_true (lb_store_create_span (f->store, f->ids[4], "ann", "cat", 2, 8, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (consensus_of (f, "t1", NULL), ==, LB_CONSENSUS_AGREED);
}

typedef struct {
  GListModel *model;
  guint       n;
} WaitN;

static gboolean
has_n_items (gpointer data)
{
  WaitN *w = data;

  return g_list_model_get_n_items (w->model) == w->n;
}

static char *
model_names (GListModel *model)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(LbItem) item = g_list_model_get_item (model, i);

      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, lb_item_get_external_id (item));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* the list model of an annotator's queue follows the others' acts */
static void
test_item_list (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItemList) todo = NULL;
  g_autoptr(LbItemList) done = NULL;
  g_autofree char *names = NULL;
  WaitN w;

  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 2, &error));
  g_assert_no_error (error);
  todo = lb_item_list_new_for_actor (f->store, f->batch_id, "carl", LB_ITEM_FILTER_TODO);
  done = lb_item_list_new_for_actor (f->store, f->batch_id, "carl", LB_ITEM_FILTER_DONE);
  lb_test_wait_list (todo);
  lb_test_wait_list (done);
  g_assert_cmpstr (lb_item_list_get_actor (todo), ==, "carl");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (todo)), ==, 6);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (done)), ==, 0);

  /* i1 done by two others: it leaves carl's queue */
  label (f, 0, "ann", "cat");
  label (f, 0, "bob", "dog");
  label (f, 1, "ann", "dog");
  w = (WaitN) { G_LIST_MODEL (todo), 5 };
  lb_test_wait_until (has_n_items, &w, 10);
  names = model_names (G_LIST_MODEL (todo));
  g_assert_cmpstr (names, ==, "i2,i3,i4,t1,g1");
  g_clear_pointer (&names, g_free);

  /* blind: carl does not see ann's label on i2 */
  {
    g_autoptr(LbItem) i2 = g_list_model_get_item (G_LIST_MODEL (todo), 0);

    g_assert_cmpstr (lb_item_get_external_id (i2), ==, "i2");
    g_assert_cmpint (lb_item_get_state (i2), ==, LB_ITEM_STATE_TODO);
    g_assert_null (lb_item_get_labels (i2)[0]);
  }

  /* carl labels i2: it moves to his done list */
  label (f, 1, "carl", "bird");
  w = (WaitN) { G_LIST_MODEL (done), 1 };
  lb_test_wait_until (has_n_items, &w, 10);
  w = (WaitN) { G_LIST_MODEL (todo), 4 };
  lb_test_wait_until (has_n_items, &w, 10);
  {
    g_autoptr(LbItem) mine = g_list_model_get_item (G_LIST_MODEL (done), 0);

    g_assert_cmpstr (lb_item_get_labels (mine)[0], ==, "bird");
  }

  /* bob undoes i1: it comes back first in carl's queue */
  g_assert_true (lb_store_undo (f->store, f->ids[0], "bob", &error));
  g_assert_no_error (error);
  w = (WaitN) { G_LIST_MODEL (todo), 5 };
  lb_test_wait_until (has_n_items, &w, 10);
  names = model_names (G_LIST_MODEL (todo));
  g_assert_cmpstr (names, ==, "i1,i3,i4,t1,g1");
}

/* a schema file's "overlap": N is the imported batch's */
static void
test_schema_overlap (void)
{
  g_autofree char *dir = lb_test_make_tmpdir ("lb-test-overlap-schema");
  g_autofree char *db = g_build_filename (dir, "store.db", NULL);
  g_autofree char *manifest = g_build_filename (dir, "m.jsonl", NULL);
  g_autoptr(GError) error = NULL;
  LbStore *store;
  gint64 batch_id;

  lb_test_write_file (dir, "schema.json",
                      "{\"name\": \"t\", \"overlap\": 3, \"labels\": [{\"id\": \"cat\"}]}", -1);
  lb_test_write_file (dir, "m.jsonl", "{\"id\": \"a\", \"text\": \"x\"}\n", -1);
  store = lb_test_open_store (db);
  batch_id = lb_test_import (store, manifest, NULL, 1);
  g_assert_cmpuint (lb_store_get_batch_overlap (store, batch_id, &error), ==, 3);
  g_assert_no_error (error);
  lb_store_close (store);
  g_object_unref (store);
  lb_test_remove_tree (dir);
}

static void
submit_noted (Fixture    *f,
              guint       index,
              const char *actor,
              const char *label_id,
              const char *note)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { label_id, NULL };
  LbSubmission sub = { labels, NULL, NULL, note, 100 };

  g_assert_true (lb_store_submit (f->store, f->ids[index], actor, &sub, &error));
  g_assert_no_error (error);
}

static void
assert_verifies (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

/* The state of an item several annotators did blind is one whole work —
 * the majority's, else the latest — never a field-by-field mix, with the
 * lead's fix on top; with overlap 1 (a shared queue) each act edits what
 * is there. Changing the overlap rebuilds the states; verify agrees. */
static void
test_consensus_state (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;

  /* i1: alice and bob say cat, carol (last) dog */
  label (f, 0, "alice", "cat");
  label (f, 0, "bob", "cat");
  label (f, 0, "carol", "dog");
  /* i2: alice cat with a note, bob (last) dog without one: no majority */
  submit_noted (f, 1, "alice", "cat", "blurry");
  label (f, 1, "bob", "dog");
  /* i3: two boxes of one object (IoU > 0.5) */
  box (f, 2, "alice", "cat", 100, 50, 200, 200);
  box (f, 2, "bob", "cat", 102, 52, 198, 198);

  /* overlap 1: the shared queue's latest edits */
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "dog");
  g_clear_object (&item);
  item = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 2);
  g_clear_object (&item);

  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 3, &error));
  g_assert_no_error (error);
  assert_verifies (f);

  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "cat");
  g_assert_null (lb_item_get_labels (item)[1]);
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "alice");
  g_clear_object (&item);
  item = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "dog");
  g_assert_null (lb_item_get_note (item));   /* bob's work, whole: not alice's note */
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "bob");
  g_clear_object (&item);
  item = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  g_clear_object (&item);

  /* a new annotator's work changes the majority of i2 */
  submit_noted (f, 1, "carol", "cat", "blurry");
  item = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "cat");
  g_assert_cmpstr (lb_item_get_note (item), ==, "blurry");
  g_clear_object (&item);

  /* the lead's fix goes on top of the majority's work */
  {
    const char *bird[] = { "bird", NULL };
    LbSubmission fix = { .labels = bird };

    g_assert_true (lb_store_review (f->store, f->ids[0], "lead", LB_REVIEW_FIX, NULL, &fix,
                                    &error));
    g_assert_no_error (error);
  }
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "bird");
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "fix");
  g_clear_object (&item);
  assert_verifies (f);

  /* t1: only alice finished it; bob wrote a note, carol skipped: alice's
   * work, whole (not bob's note on it, not carol as its last actor) */
  submit_noted (f, 4, "alice", "cat", "alice's note");
  {
    LbSubmission note_only = { .note = "bob's note" };

    g_assert_true (lb_store_submit (f->store, f->ids[4], "bob", &note_only, &error));
    g_assert_no_error (error);
  }
  g_assert_true (lb_store_skip (f->store, f->ids[4], "carol", 0, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, f->ids[4]);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "cat");
  g_assert_cmpstr (lb_item_get_note (item), ==, "alice's note");
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "alice");
  g_clear_object (&item);
  assert_verifies (f);

  /* back to overlap 1: the shared queue's view again */
  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 1, &error));
  item = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 2);
  assert_verifies (f);
}

/* Blind annotators' spans are checked against their own only: a batch
 * without overlapping spans refuses an annotator's own overlap, not one
 * with a span of another annotator (which they cannot see) */
static void
test_blind_spans (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  gint64 batch_id = 0, text;
  LbNewItem item = { "cn", LB_ITEM_KIND_TEXT, NULL, "北京欢迎你", NULL, "h" };

  g_assert_true (_lb_store_ensure_batch (f->store, "nov", f->dir, "nov",
                                         "{\"name\": \"nov\", \"tools\": [\"span\"],"
                                         " \"overlapping_spans\": false,"
                                         " \"labels\": [{\"id\": \"LOC\"}, {\"id\": \"ORG\"}]}",
                                         &batch_id, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (f->store, batch_id, &item, 1, NULL, NULL, &error));
  g_assert_no_error (error);
  ids = lb_store_list_item_ids (f->store, batch_id, LB_ITEM_FILTER_ALL, &error);
  text = g_array_index (ids, gint64, 0);
  g_assert_true (lb_store_set_batch_overlap (f->store, batch_id, 2, &error));

  g_assert_true (lb_store_create_span (f->store, text, "x", "LOC", 0, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lb_store_create_span (f->store, text, "y", "ORG", 1, 3, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lb_store_create_span (f->store, text, "y", "LOC", 2, 4, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "overlaps the span 1–3"));
  assert_verifies (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/engine/overlap/queue", test_queue);
  ADD ("/engine/overlap/blind", test_blind);
  ADD ("/engine/overlap/consensus", test_consensus);
  ADD ("/engine/overlap/item-list", test_item_list);
  ADD ("/engine/overlap/consensus-state", test_consensus_state);
  ADD ("/engine/overlap/blind-spans", test_blind_spans);
#undef ADD
  g_test_add_func ("/engine/overlap/agree-rule", test_agree_rule);
  g_test_add_func ("/engine/overlap/schema-overlap", test_schema_overlap);

  return g_test_run ();
}
