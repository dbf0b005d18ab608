/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-review"
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lb-import.h"
#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

typedef struct {
  char    *dir;
  LbStore *store;
  gint64   batch;
} Fixture;

static void
write_manifest (const char *dir,
                const char *name,
                guint       first,
                guint       n)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = first; i < first + n; i++)
    g_string_append_printf (s, "{\"id\": \"t%u\", \"text\": \"text %u\"}\n", i, i);
  lb_test_write_file (dir, name, s->str, -1);
}

static gint64
import (Fixture    *f,
        const char *manifest_name,
        guint       n)
{
  g_autofree char *manifest = g_build_filename (f->dir, manifest_name, NULL);
  g_autofree char *schema = g_build_filename (f->dir, "schema.json", NULL);
  LbImportOptions options = { .name = "comments", .schema_path = schema };

  return lb_test_import (f->store, manifest, &options, n);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;

  f->dir = lb_test_make_tmpdir ("lb-test-review");
  lb_test_write_file (f->dir, "schema.json", lb_test_comment_schema_json, -1);
  write_manifest (f->dir, "a.jsonl", 0, 6);
  db = g_build_filename (f->dir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  f->batch = import (f, "a.jsonl", 6);
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
  g_autoptr(LbItem) item = lb_test_find_item (f->store, "comments", external_id);

  return lb_item_get_id (item);
}

static void
submit (Fixture    *f,
        const char *external_id,
        const char *actor,
        const char *label,
        const char *decision,
        const char *reason)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { label, NULL };
  LbSubmission sub = { label != NULL ? labels : NULL, decision, reason, NULL, 1000 };

  g_assert_true (lb_store_submit (f->store, item_id (f, external_id), actor, &sub, &error));
  g_assert_no_error (error);
}

typedef struct {
  GPtrArray *events;   /* of LbEvent copies (kind, role, actor, payload, uuid) */
} Collect;

static gboolean
collect_cb (const LbEvent  *ev,
            gpointer        user_data,
            GError        **error)
{
  GPtrArray *events = user_data;
  LbEvent *copy = g_new0 (LbEvent, 1);

  copy->seq = ev->seq;
  copy->uuid = g_strdup (ev->uuid);
  copy->actor = g_strdup (ev->actor);
  copy->role = g_strdup (ev->role);
  copy->kind = g_strdup (ev->kind);
  copy->payload = g_strdup (ev->payload);
  copy->item = g_strdup (ev->item);
  copy->act = ev->act;
  g_ptr_array_add (events, copy);
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

static void
assert_verifies (LbStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_verify (store, &error));
  g_assert_no_error (error);
}

/* accept and reject: the verdict, the reviewer, the comment; the
 * annotator's labels stay; the review event names the work it reviewed */
static void
test_accept_reject (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(JsonNode) payload = NULL;
  const LbEvent *review;
  JsonArray *of;
  gint64 t0 = item_id (f, "t0");
  gint64 t1 = item_id (f, "t1");

  /* nothing to review yet */
  g_assert_false (lb_store_review (f->store, t0, "lead", LB_REVIEW_ACCEPT, NULL, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "t0"));
  g_clear_error (&error);

  submit (f, "t0", "ann", "spam", "reject", "abuse");
  submit (f, "t1", "ann", "ok", "approve", NULL);

  g_assert_true (lb_store_review (f->store, t0, "lead", LB_REVIEW_ACCEPT, NULL, NULL, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, t0);
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "accept");
  g_assert_cmpstr (lb_item_get_reviewer (item), ==, "lead");
  g_assert_null (lb_item_get_review_comment (item));
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "spam");
  g_assert_cmpstr (lb_item_get_decision (item), ==, "reject");
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "ann");
  g_clear_object (&item);

  /* a reject needs a comment; corrections only with a fix */
  g_assert_false (lb_store_review (f->store, t1, "lead", LB_REVIEW_REJECT, "", NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  {
    const char *labels[] = { "spam", NULL };
    LbSubmission fix = { labels, NULL, NULL, NULL, 0 };

    g_assert_false (lb_store_review (f->store, t1, "lead", LB_REVIEW_ACCEPT, NULL, &fix,
                                     &error));
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (lb_store_review (f->store, t1, "lead", LB_REVIEW_FIX, NULL, NULL, &error));
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
  /* nobody reviews their own work */
  g_assert_false (lb_store_review (f->store, t1, "ann", LB_REVIEW_ACCEPT, NULL, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "ann labelled item"));
  g_clear_error (&error);

  g_assert_true (lb_store_review (f->store, t1, "lead", LB_REVIEW_REJECT, "not ok: an insult",
                                  NULL, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, t1);
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "reject");
  g_assert_cmpstr (lb_item_get_review_comment (item), ==, "not ok: an insult");
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "ok");

  /* the events: t1's review is the last one, role lead, "of" = ann's two events */
  events = all_events (f->store);
  review = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpstr (review->kind, ==, "review");
  g_assert_cmpstr (review->role, ==, "lead");
  g_assert_cmpstr (review->actor, ==, "lead");
  g_assert_cmpstr (review->item, ==, "t1");
  payload = json_from_string (review->payload, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (payload), "verdict"),
                   ==, "reject");
  of = json_object_get_array_member (json_node_get_object (payload), "of");
  g_assert_cmpuint (json_array_get_length (of), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const char *uuid = json_array_get_string_element (of, i);
      gboolean found = FALSE;

      for (guint j = 0; j < events->len; j++)
        {
          const LbEvent *ev = g_ptr_array_index (events, j);

          if (g_str_equal (ev->uuid, uuid))
            {
              g_assert_cmpstr (ev->actor, ==, "ann");
              g_assert_cmpstr (ev->item, ==, "t1");
              found = TRUE;
            }
        }
      g_assert_true (found);
    }
  assert_verifies (f->store);
}

/* a fix: the lead's corrections are the item's state; the annotator's
 * original events and own view are untouched; undo takes the whole review
 * back */
static void
test_fix_and_undo (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) own = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  const char *labels[] = { "ok", NULL };
  LbSubmission fix = { labels, "approve", NULL, "was fine", 2500 };
  gint64 t2 = item_id (f, "t2");

  submit (f, "t2", "ann", "spam", "reject", "abuse/insult");
  before = all_events (f->store);

  g_assert_true (lb_store_review (f->store, t2, "lead", LB_REVIEW_FIX, "wrong label", &fix,
                                  &error));
  g_assert_no_error (error);

  item = lb_test_get_item (f->store, t2);
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "fix");
  g_assert_cmpstr (lb_item_get_review_comment (item), ==, "wrong label");
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "ok");
  g_assert_null (lb_item_get_labels (item)[1]);
  g_assert_cmpstr (lb_item_get_decision (item), ==, "approve");
  g_assert_null (lb_item_get_reason (item));
  g_assert_cmpstr (lb_item_get_note (item), ==, "was fine");
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "lead");
  g_clear_object (&item);

  /* the annotator's own view keeps their values */
  own = lb_store_get_item_for_actor (f->store, t2, "ann", &error);
  g_assert_no_error (error);
  g_assert_cmpint (lb_item_get_state (own), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_labels (own)[0], ==, "spam");
  g_assert_cmpstr (lb_item_get_decision (own), ==, "reject");
  g_assert_cmpstr (lb_item_get_reason (own), ==, "abuse/insult");
  g_assert_null (lb_item_get_review_verdict (own));
  g_clear_object (&own);

  /* the original events are all still there, unchanged; the fix is one act
   * of four lead events (review, label, decision, note) */
  after = all_events (f->store);
  g_assert_cmpuint (after->len, ==, before->len + 4);
  for (guint i = 0; i < before->len; i++)
    {
      const LbEvent *a = g_ptr_array_index (before, i);
      const LbEvent *b = g_ptr_array_index (after, i);

      g_assert_cmpstr (a->uuid, ==, b->uuid);
      g_assert_cmpstr (a->payload, ==, b->payload);
    }
  for (guint i = before->len; i < after->len; i++)
    {
      const LbEvent *ev = g_ptr_array_index (after, i);

      g_assert_cmpstr (ev->role, ==, "lead");
      g_assert_cmpint (ev->act, ==, ((const LbEvent *) g_ptr_array_index (after,
                                                                           before->len))->act);
    }
  g_assert_cmpstr (((const LbEvent *) g_ptr_array_index (after, before->len))->kind, ==,
                   "review");
  assert_verifies (f->store);

  /* a fix that does not fit the schema is refused whole */
  {
    const char *bad[] = { "nope", NULL };
    LbSubmission bad_fix = { bad, NULL, NULL, NULL, 0 };

    g_assert_false (lb_store_review (f->store, t2, "lead", LB_REVIEW_FIX, NULL, &bad_fix,
                                     &error));
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* undo by the lead: the verdict and the corrections go; the retract is
   * a lead's act too */
  g_assert_true (lb_store_undo (f->store, t2, "lead", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) now = all_events (f->store);
    LbEvent *last = g_ptr_array_index (now, now->len - 1);

    g_assert_cmpstr (last->kind, ==, "retract");
    g_assert_cmpstr (last->role, ==, "lead");
  }
  item = lb_test_get_item (f->store, t2);
  g_assert_null (lb_item_get_review_verdict (item));
  g_assert_null (lb_item_get_reviewer (item));
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "spam");
  g_assert_cmpstr (lb_item_get_decision (item), ==, "reject");
  g_assert_null (lb_item_get_note (item));
  g_clear_object (&item);

  /* and redo puts them back */
  g_assert_true (lb_store_redo (f->store, t2, "lead", &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, t2);
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "fix");
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "ok");
  assert_verifies (f->store);
}

static void
review_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_review_finish (LB_STORE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(LbItem) item = NULL;
  gboolean done = FALSE;
  gint64 t3 = item_id (f, "t3");

  submit (f, "t3", "ann", "ok", NULL, NULL);
  lb_store_review_async (f->store, t3, "lead", LB_REVIEW_ACCEPT, "good", NULL, NULL,
                         review_done_cb, &done);
  lb_test_wait_until (is_true, &done, 10);
  item = lb_test_get_item (f->store, t3);
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "accept");
  g_assert_cmpstr (lb_item_get_review_comment (item), ==, "good");
}

static GArray *
review_ids (Fixture             *f,
            const LbReviewQuery *q)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = lb_store_list_review_ids (f->store, q, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ids);
  return ids;
}

/* the external ids of the items, joined by "," */
static char *
names (Fixture *f,
       GArray  *ids)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(LbItem) item = lb_test_get_item (f->store, g_array_index (ids, gint64, i));

      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, lb_item_get_external_id (item));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

#define ASSERT_QUEUE(f, q, expected) \
  G_STMT_START { \
    g_autoptr(GArray) ids_ = review_ids (f, q); \
    g_autofree char *names_ = names (f, ids_); \
    g_assert_cmpstr (names_, ==, expected); \
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

static void
test_queue_filters (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  LbReviewQuery q = { 0, };
  gint64 mid_us;

  submit (f, "t0", "ann", "spam", "reject", "abuse");
  submit (f, "t1", "bob", "ok", "approve", NULL);
  submit (f, "t2", "ann", "ok", "escalate", NULL);
  lb_test_spin_for (5);
  mid_us = g_get_real_time ();
  lb_test_spin_for (5);
  submit (f, "t3", "bob", "spam", "reject", "abuse/insult");
  submit (f, "t4", "ann", NULL, "approve", NULL);
  /* t5 is not annotated; t4's second act is undone: it still has the first */
  submit (f, "t4", "ann", "spam", NULL, NULL);
  g_assert_true (lb_store_undo (f->store, item_id (f, "t4"), "ann", &error));
  g_assert_no_error (error);

  ASSERT_QUEUE (f, NULL, "t0,t1,t2,t3,t4");

  /* in a thread: the query's strings are copied */
  {
    g_autofree char *who = g_strdup ("ann");
    LbReviewQuery tq = { .annotator = who };
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GArray) ids = NULL;
    g_autofree char *got = NULL;

    lb_store_list_review_ids_async (f->store, &tq, NULL, store_result_cb, &result);
    g_clear_pointer (&who, g_free);
    tq.annotator = NULL;
    lb_test_wait_until (has_result, &result, 10);
    ids = lb_store_list_review_ids_finish (f->store, result, &error);
    g_assert_no_error (error);
    got = names (f, ids);
    g_assert_cmpstr (got, ==, "t0,t2,t4");
  }

  q.annotator = "ann";
  ASSERT_QUEUE (f, &q, "t0,t2,t4");
  q.annotator = NULL;
  q.label = "spam";
  ASSERT_QUEUE (f, &q, "t0,t3");   /* t4's spam was undone */
  q.label = NULL;
  q.decision = "reject";
  ASSERT_QUEUE (f, &q, "t0,t3");
  q.reason = "abuse/insult";
  ASSERT_QUEUE (f, &q, "t3");
  q.decision = NULL;
  q.reason = NULL;
  q.annotator = "bob";
  q.decision = "approve";
  ASSERT_QUEUE (f, &q, "t1");
  q.annotator = NULL;
  q.decision = NULL;
  q.since_us = mid_us;
  ASSERT_QUEUE (f, &q, "t3,t4");
  q.since_us = 0;
  q.until_us = mid_us;
  ASSERT_QUEUE (f, &q, "t0,t1,t2");
  q.until_us = 0;

  /* reviewed / unreviewed */
  g_assert_true (lb_store_review (f->store, item_id (f, "t1"), "lead", LB_REVIEW_ACCEPT, NULL,
                                  NULL, &error));
  g_assert_no_error (error);
  q.status = LB_REVIEW_STATUS_UNREVIEWED;
  ASSERT_QUEUE (f, &q, "t0,t2,t3,t4");
  q.status = LB_REVIEW_STATUS_REVIEWED;
  ASSERT_QUEUE (f, &q, "t1");
  /* the annotator's new work after a review is unreviewed again */
  g_assert_true (lb_store_review (f->store, item_id (f, "t2"), "lead", LB_REVIEW_REJECT,
                                  "escalate what?", NULL, &error));
  g_assert_no_error (error);
  ASSERT_QUEUE (f, &q, "t1,t2");
  submit (f, "t2", "ann", "spam", "reject", "abuse");
  ASSERT_QUEUE (f, &q, "t1");
  {
    g_autoptr(LbItem) t2 = lb_test_find_item (f->store, "comments", "t2");

    g_assert_null (lb_item_get_review_verdict (t2));
    g_assert_cmpstr (lb_item_get_decision (t2), ==, "reject");
  }
  q.status = LB_REVIEW_STATUS_UNREVIEWED;
  ASSERT_QUEUE (f, &q, "t0,t2,t3,t4");
  q.status = LB_REVIEW_STATUS_REVIEWED;
  /* an undone review is no review */
  g_assert_true (lb_store_undo (f->store, item_id (f, "t1"), "lead", &error));
  g_assert_no_error (error);
  ASSERT_QUEUE (f, &q, "");
}

static void
annotate_all (Fixture    *f,
              guint       first,
              guint       n,
              const char *actor)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);

      submit (f, id, actor, i % 3 == 0 ? "spam" : "ok", NULL, NULL);
    }
}

static GHashTable *
id_set (GArray *ids)
{
  GHashTable *set = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (set, g_memdup2 (&g_array_index (ids, gint64, i), sizeof (gint64)));
  return set;
}

/* sampling: the share is about right per annotator, a seed gives the same
 * sample every time, another seed another one, and new items do not change
 * whether the older ones are in */
static void
test_sampling (Fixture       *f,
               gconstpointer  data)
{
  LbReviewQuery q = { .sample_fraction = 0.25, .sample_seed = 7 };
  g_autoptr(GArray) first = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GArray) other_seed = NULL;
  g_autoptr(GArray) grown = NULL;
  g_autoptr(GArray) ann_only = NULL;
  g_autoptr(GHashTable) grown_set = NULL;
  g_autoptr(GHashTable) first_set = NULL;
  guint n_old_in_grown = 0;

  write_manifest (f->dir, "b.jsonl", 6, 194);
  import (f, "b.jsonl", 194);
  annotate_all (f, 0, 200, "ann");

  first = review_ids (f, &q);
  /* 200 draws of p = 0.25: mean 50, sd 6.1; far outside 20..80 only by a bug */
  g_assert_cmpuint (first->len, >, 20);
  g_assert_cmpuint (first->len, <, 80);
  again = review_ids (f, &q);
  g_assert_cmpuint (again->len, ==, first->len);
  g_assert_cmpmem (again->data, again->len * sizeof (gint64),
                   first->data, first->len * sizeof (gint64));
  q.sample_seed = 8;
  other_seed = review_ids (f, &q);
  g_assert_false (other_seed->len == first->len
                  && memcmp (other_seed->data, first->data, first->len * sizeof (gint64)) == 0);
  q.sample_seed = 7;

  /* 100 new items, annotated: the sample of the old ones stays */
  write_manifest (f->dir, "c.jsonl", 200, 100);
  import (f, "c.jsonl", 100);
  annotate_all (f, 200, 100, "ann");
  grown = review_ids (f, &q);
  grown_set = id_set (grown);
  first_set = id_set (first);
  for (guint i = 0; i < grown->len; i++)
    if (g_array_index (grown, gint64, i) <= item_id (f, "t199"))
      {
        g_assert_true (g_hash_table_contains (first_set, &g_array_index (grown, gint64, i)));
        n_old_in_grown++;
      }
  g_assert_cmpuint (n_old_in_grown, ==, first->len);
  g_assert_cmpuint (grown->len, >, first->len);

  /* per annotator: bob's work on the first 100 items is sampled on its
   * own; ann's sample with the annotator filter is what it was */
  annotate_all (f, 0, 100, "bob");
  q.annotator = "ann";
  ann_only = review_ids (f, &q);
  g_assert_cmpuint (ann_only->len, ==, grown->len);
  g_assert_cmpmem (ann_only->data, ann_only->len * sizeof (gint64),
                   grown->data, grown->len * sizeof (gint64));
  {
    g_autoptr(GArray) bob = NULL;

    q.annotator = "bob";
    bob = review_ids (f, &q);
    g_assert_cmpuint (bob->len, >, 5);
    g_assert_cmpuint (bob->len, <, 45);
  }
}

/* gold: only a reviewed (accepted or fixed) item; the answer is the item's
 * state; the annotators' view does not tell; undo takes it back */
static void
test_gold_mark (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) own = NULL;
  g_autoptr(GPtrArray) events = NULL;
  const LbEvent *last;
  gint64 t0 = item_id (f, "t0");

  submit (f, "t0", "ann", "spam", NULL, NULL);
  g_assert_false (lb_store_mark_gold (f->store, t0, "lead", TRUE, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  {
    const char *labels[] = { "ok", NULL };
    LbSubmission fix = { labels, NULL, NULL, NULL, 0 };

    g_assert_true (lb_store_review (f->store, t0, "lead", LB_REVIEW_FIX, NULL, &fix, &error));
    g_assert_no_error (error);
  }
  g_assert_true (lb_store_mark_gold (f->store, t0, "lead", TRUE, &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, t0);
  g_assert_true (lb_item_get_gold (item));
  g_clear_object (&item);
  own = lb_store_get_item_for_actor (f->store, t0, "ann", &error);
  g_assert_no_error (error);
  g_assert_false (lb_item_get_gold (own));

  events = all_events (f->store);
  last = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpstr (last->kind, ==, "gold");
  g_assert_cmpstr (last->role, ==, "lead");
  g_assert_cmpstr (last->payload, ==,
                   "{\"gold\":true,\"answer\":{\"labels\":[\"ok\"],\"decision\":null,"
                   "\"reason\":null}}");
  assert_verifies (f->store);

  g_assert_true (lb_store_undo (f->store, t0, "lead", &error));
  g_assert_no_error (error);
  item = lb_test_get_item (f->store, t0);
  g_assert_false (lb_item_get_gold (item));
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "fix");
  g_clear_object (&item);

  /* unmarking what is not gold */
  g_assert_false (lb_store_mark_gold (f->store, t0, "lead", FALSE, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
}

/* Boxes on images, spans on texts */
#define CORRECTION_SCHEMA_JSON \
  "{\"name\": \"Regions\", \"tools\": [\"class\", \"box\", \"span\"]," \
  " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\"}, {\"id\": \"dog\", \"hotkey\": \"2\"}]}"

static JsonObject *
only_member (const char *json_array,
             JsonNode  **root)
{
  JsonArray *array;

  *root = lb_test_parse_json (json_array);
  array = json_node_get_array (*root);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  return json_array_get_object_element (array, 0);
}

/* A lead fixes a box and a span: role "lead" corrections, the annotator's
 * events untouched, the current state shows the correction, the fix lists
 * them, undo of the fix takes them back and redo puts them back. */
static void
test_fix_regions_spans (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *box_id = NULL;
  g_autofree char *span_id = NULL;
  g_autofree char *lead_span = NULL;
  g_autofree char *id = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) own = NULL;
  g_autoptr(LbItem) text = NULL;
  g_autoptr(LbItem) undone = NULL;
  g_autoptr(LbItem) redone = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  g_autoptr(JsonNode) review_root = NULL;
  LbNewItem items[] = {
    { "i1", LB_ITEM_KIND_IMAGE, "a.png", NULL, NULL, "h1" },
    { "x1", LB_ITEM_KIND_TEXT, NULL, "the cat sat", NULL, "h2" },
  };
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 10, 10, 50, 40 }, NULL, 0, NULL, 100 };
  LbRegionSpec moved = { NULL, LB_REGION_SHAPE_BOX, { 20, 30, 60, 45 }, NULL, 0, NULL, 200 };
  LbCorrection c = { 0 };
  gint64 batch, image, txt;
  JsonObject *region, *span;
  JsonArray *corrections;
  const char *labels[] = { "cat", NULL };
  LbSubmission fix = { labels, NULL, NULL, NULL, 3000 };
  guint n_lead = 0, n_review = 0;

  g_assert_true (_lb_store_ensure_batch (f->store, "shapes", f->dir, f->dir,
                                         CORRECTION_SCHEMA_JSON, &batch, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (f->store, batch, items, G_N_ELEMENTS (items), NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  ids = lb_store_list_item_ids (f->store, batch, LB_ITEM_FILTER_ALL, &error);
  g_assert_no_error (error);
  image = g_array_index (ids, gint64, 0);
  txt = g_array_index (ids, gint64, 1);

  /* the annotator's work */
  g_assert_true (lb_store_create_region (f->store, image, "ann", &box, &box_id, &error));
  g_assert_no_error (error);
  g_assert_true (lb_store_create_span (f->store, txt, "ann", "dog", 4, 7, &span_id, &error));
  g_assert_no_error (error);
  before = all_events (f->store);

  /* the lead moves the box, relabels nothing, replaces the span */
  c.kind = LB_CORRECTION_REGION_UPDATE;
  c.target = box_id;
  c.region = &moved;
  /* (not the annotator who drew it: corrections are another's) */
  g_assert_false (lb_store_correct (f->store, image, "ann", &c, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "cannot correct it"));
  g_clear_error (&error);
  g_assert_true (lb_store_correct (f->store, image, "lead", &c, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, box_id);
  memset (&c, 0, sizeof c);
  c.kind = LB_CORRECTION_SPAN_DELETE;
  c.target = span_id;
  g_assert_true (lb_store_correct (f->store, txt, "lead", &c, NULL, &error));
  g_assert_no_error (error);
  memset (&c, 0, sizeof c);
  c.kind = LB_CORRECTION_SPAN_CREATE;
  c.label = "cat";
  c.start = 4;
  c.end = 7;
  g_assert_true (lb_store_correct (f->store, txt, "lead", &c, &lead_span, &error));
  g_assert_no_error (error);
  /* a correction of what is not there is refused */
  memset (&c, 0, sizeof c);
  c.kind = LB_CORRECTION_REGION_DELETE;
  c.target = "no-such-region";
  g_assert_false (lb_store_correct (f->store, image, "lead", &c, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Enter: the fix act of the image completes its correction */
  g_assert_true (lb_store_review (f->store, image, "lead", LB_REVIEW_FIX, NULL, &fix, &error));
  g_assert_no_error (error);

  /* the annotator's events are unchanged; the lead's carry role "lead" */
  after = all_events (f->store);
  for (guint i = 0; i < before->len; i++)
    {
      LbEvent *a = g_ptr_array_index (before, i);
      LbEvent *b = g_ptr_array_index (after, i);

      g_assert_cmpstr (a->uuid, ==, b->uuid);
      g_assert_cmpstr (a->payload, ==, b->payload);
      g_assert_cmpstr (b->role, ==, "annotator");
    }
  g_assert_cmpstr (((LbEvent *) g_ptr_array_index (after, 0))->kind, ==, "region.create");
  for (guint i = before->len; i < after->len; i++)
    {
      LbEvent *ev = g_ptr_array_index (after, i);

      g_assert_cmpstr (ev->role, ==, "lead");
      g_assert_cmpstr (ev->actor, ==, "lead");
      if (g_str_has_prefix (ev->kind, "region.") || g_str_has_prefix (ev->kind, "span."))
        n_lead++;
      if (g_strcmp0 (ev->kind, "review") == 0)
        {
          n_review++;
          review_root = lb_test_parse_json (ev->payload);
        }
    }
  g_assert_cmpuint (n_lead, ==, 3);
  g_assert_cmpuint (n_review, ==, 1);
  /* the image's fix lists the box correction (not the text's span ones) */
  corrections = json_object_get_array_member (json_node_get_object (review_root), "corrections");
  g_assert_cmpuint (json_array_get_length (corrections), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (corrections, 0), ==,
                   ((LbEvent *) g_ptr_array_index (after, before->len))->uuid);

  /* current state: the lead's box; the annotator's own view: theirs */
  item = lb_test_get_item (f->store, image);
  g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "fix");
  region = only_member (lb_item_get_regions_json (item), &root);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (region, "box"),
                                                    1), ==, 30);
  own = lb_store_get_item_for_actor (f->store, image, "ann", &error);
  g_assert_no_error (error);
  g_clear_pointer (&root, json_node_unref);
  region = only_member (lb_item_get_regions_json (own), &root);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (region, "box"),
                                                    1), ==, 10);
  text = lb_test_get_item (f->store, txt);
  span = only_member (lb_item_get_spans_json (text), &root2);
  g_assert_cmpstr (json_object_get_string_member (span, "label"), ==, "cat");
  g_assert_cmpstr (json_object_get_string_member (span, "id"), ==, lead_span);
  g_clear_pointer (&root2, json_node_unref);

  /* undo of the fix takes the box correction back with it */
  g_assert_true (lb_store_undo (f->store, image, "lead", &error));
  g_assert_no_error (error);
  undone = lb_test_get_item (f->store, image);
  g_assert_null (lb_item_get_review_verdict (undone));
  g_clear_pointer (&root, json_node_unref);
  region = only_member (lb_item_get_regions_json (undone), &root);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (region, "box"),
                                                    1), ==, 10);
  /* redo puts both back */
  g_assert_true (lb_store_redo (f->store, image, "lead", &error));
  g_assert_no_error (error);
  redone = lb_test_get_item (f->store, image);
  g_assert_cmpstr (lb_item_get_review_verdict (redone), ==, "fix");
  g_clear_pointer (&root, json_node_unref);
  region = only_member (lb_item_get_regions_json (redone), &root);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (region, "box"),
                                                    1), ==, 30);

  /* before a review, undo walks back the lead's corrections one by one */
  g_assert_true (lb_store_undo (f->store, txt, "lead", &error));
  g_assert_no_error (error);
  g_clear_object (&text);
  text = lb_test_get_item (f->store, txt);
  g_assert_cmpstr (lb_item_get_spans_json (text), ==, "[]");
  g_assert_true (lb_store_undo (f->store, txt, "lead", &error));
  g_assert_no_error (error);
  g_clear_object (&text);
  text = lb_test_get_item (f->store, txt);
  span = only_member (lb_item_get_spans_json (text), &root2);
  g_assert_cmpstr (json_object_get_string_member (span, "id"), ==, span_id);
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/engine/review/accept-reject", test_accept_reject);
  ADD ("/engine/review/fix-and-undo", test_fix_and_undo);
  ADD ("/engine/review/async", test_async);
  ADD ("/engine/review/queue-filters", test_queue_filters);
  ADD ("/engine/review/sampling", test_sampling);
  ADD ("/engine/review/gold-mark", test_gold_mark);
  ADD ("/engine/review/fix-regions-spans", test_fix_regions_spans);
#undef ADD

  return g_test_run ();
}
