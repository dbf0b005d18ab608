/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-review-ui"
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-item-view.h"
#include "lb-panel.h"
#include "lb-review-view.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* The lead's review mode through the real window: a batch of the demo's
 * texts labelled by two annotators through the store API; the lead accepts
 * (A), fixes (F, a label hotkey, Enter) and rejects with a comment (R, the
 * comment typed into the entry, Enter); the store is read afterwards. */

#define WAIT_TIMEOUT_S 30

typedef struct {
  char               *tmpdir;
  LbStore            *store;
  LbWindow           *window;
  LbReviewView       *review;
  GtkEventController *keys;
  gint64              batch_id;
  gint64              ids[4];
} Fixture;

static gboolean
view_idle (gpointer data)
{
  Fixture *f = data;

  return !lb_review_view_get_loading (f->review) && lb_review_view_get_n_pending (f->review) == 0
         && lb_window_get_n_pending (f->window) == 0;
}

/* The header's progress is there (counted in a worker thread) */
static gboolean
has_progress (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (lb_window_get_subtitle (f->window), "") != 0;
}

static gboolean
item_shown (gpointer data)
{
  Fixture *f = data;

  return view_idle (f) && lb_review_view_get_current_item (f->review) != NULL;
}

static gboolean
gold_shown (gpointer data)
{
  Fixture *f = data;

  return item_shown (f) && lb_item_get_gold (lb_review_view_get_current_item (f->review));
}

static void
submit (Fixture    *f,
        guint       index,
        const char *actor,
        const char *label,
        const char *decision,
        const char *reason)
{
  const char *labels[] = { label, NULL };
  LbSubmission s = { .labels = labels, .decision = decision, .reason = reason,
                     .dwell_ms = 2000 + 1000 * index };
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_submit (f->store, f->ids[index], actor, &s, &error));
  g_assert_no_error (error);
}

/* The lead's window on F's store, shown, with F's batch open */
static void
open_window (Fixture *f)
{
  f->window = lb_ui_test_new_window (f->store, "lead");
  f->keys = lb_window_get_key_controller (f->window);
  f->review = lb_window_get_review_view (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_ui_test_open_batch (f->window, f->batch_id);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *names[] = { "t1.txt", "t2.txt", "t3.txt", "t4.txt" };

  f->tmpdir = lb_test_make_tmpdir ("lb-test-review-ui");
  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  dir = g_build_filename (f->tmpdir, "comments", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_ui_test_copy_demo ("schema.json", dir, "schema.json");
  lb_ui_test_copy_demo ("texts/01-en-friendly-comment.txt", dir, names[0]);
  lb_ui_test_copy_demo ("texts/02-en-spam-offer.txt", dir, names[1]);
  lb_ui_test_copy_demo ("texts/03-en-suspicious-link.txt", dir, names[2]);
  lb_ui_test_copy_demo ("texts/04-en-mild-insult.txt", dir, names[3]);
  f->batch_id = lb_test_import (f->store, dir, NULL, 4);
  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, 2, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(LbItem) item = lb_test_find_item (f->store, NULL, names[i]);

      f->ids[i] = lb_item_get_id (item);
    }
  /* Two annotators through the store API */
  submit (f, 0, "alice", "ok", "approve", NULL);
  submit (f, 0, "bob", "ok", "approve", NULL);
  submit (f, 1, "alice", "ok", "approve", NULL);
  submit (f, 1, "bob", "spam", "reject", "spam/commercial");
  submit (f, 2, "alice", "spam", "reject", "spam/scam");
  submit (f, 2, "bob", "spam", "reject", "spam/scam");
  submit (f, 3, "alice", "abusive", "reject", "abuse/insult");
  submit (f, 3, "bob", "unclear", "escalate", NULL);

  open_window (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->review != NULL)
    {
      lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
      gtk_window_destroy (GTK_WINDOW (f->window));
    }
  lb_test_spin_for (20);
  g_assert_finalize_object (f->window);
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static void
enter_review (Fixture *f)
{
  g_autofree char *mode = NULL;

  /* What Ctrl+R and the header's Review button do */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "review"));
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "review");
  g_object_get (f->window, "mode", &mode, NULL);
  g_assert_cmpstr (mode, ==, "review");
  /* the header's "N / M done" is the labelling progress: not in review */
  g_assert_cmpstr (lb_window_get_subtitle (f->window), ==, "");
  lb_test_wait_until (item_shown, f, WAIT_TIMEOUT_S);
}

typedef struct {
  GPtrArray *events;   /* of "uuid hash actor role kind payload" */
} EventLog;

static gboolean
collect_event_cb (const LbEvent *event,
                  gpointer       user_data,
                  GError       **error)
{
  GPtrArray *events = user_data;

  g_ptr_array_add (events, g_strdup_printf ("%s\t%s\t%s\t%s\t%s\t%s\t%s", event->uuid,
                                            event->hash, event->item, event->actor, event->role,
                                            event->kind, event->payload));
  return TRUE;
}

static GPtrArray *
read_events (Fixture *f)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_foreach_event (f->store, 0, collect_event_cb, events, &error));
  g_assert_no_error (error);
  return events;
}

static gboolean
has_line (GPtrArray  *lines,
          const char *line)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_str_equal (g_ptr_array_index (lines, i), line))
      return TRUE;
  return FALSE;
}

static void
assert_current (Fixture *f,
                guint    index)
{
  lb_test_wait_until (item_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpint (lb_item_get_id (lb_review_view_get_current_item (f->review)), ==,
                   f->ids[index]);
}

static void
test_verdicts (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) before = read_events (f);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GArray) queue = NULL;
  g_autoptr(LbItem) item1 = NULL;
  g_autoptr(LbItem) item2 = NULL;
  g_autoptr(LbItem) item3 = NULL;
  g_autoptr(LbItem) bob2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *works = NULL;
  GtkWidget *entry;
  GtkWidget *target;
  guint n_review = 0, n_lead_label = 0;

  enter_review (f);
  queue = lb_review_view_get_queue_ids (f->review);
  g_assert_cmpuint (queue->len, ==, 4);
  assert_current (f, 0);
  /* The item itself is shown in the review's item view */
  {
    LbItemView *view = LB_ITEM_VIEW (lb_review_view_get_item_view (f->review));

    g_assert_nonnull (lb_item_view_get_item (view));
    g_assert_cmpint (lb_item_get_id (lb_item_view_get_item (view)), ==, f->ids[0]);
    g_assert_true (lb_item_view_get_showing_text (view));
  }
  /* What each annotator decided is on screen */
  works = lb_review_view_get_works_text (f->review);
  g_assert_nonnull (strstr (works, "alice"));
  g_assert_nonnull (strstr (works, "bob"));
  g_assert_nonnull (strstr (works, "OK · 正常"));

  /* A: accept; the next item comes */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_a, 0));
  assert_current (f, 1);
  g_assert_nonnull (strstr (lb_review_view_get_status (f->review), "saved"));

  /* F: fix; 3 picks Abusive in the lead's panel; Enter submits the fix */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_f, 0));
  g_assert_true (lb_review_view_get_fixing (f->review));
  g_assert_true (gtk_widget_get_mapped (lb_review_view_get_panel (f->review)));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_3, 0));
  {
    g_auto(GStrv) labels = lb_panel_get_labels (LB_PANEL (lb_review_view_get_panel (f->review)));

    g_assert_cmpstr (labels[0], ==, "abusive");
  }
  /* the decision stays bob's (the latest): reject needs a reason, kept too */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
  g_assert_false (lb_review_view_get_fixing (f->review));
  assert_current (f, 2);

  /* R: the comment entry appears; the typed letters go to it, Enter confirms */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_r, 0));
  entry = lb_review_view_get_comment_entry (f->review);
  target = GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (entry)));
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == target);
  for (const char *p = "Scam, not spam"; *p != '\0'; p++)
    {
      char buf[2] = { *p, 0 };

      g_assert_false (lb_ui_test_press_key (f->keys, gdk_unicode_to_keyval (*p), 0));
      g_signal_emit_by_name (target, "insert-at-cursor", buf);
    }
  g_assert_false (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
  g_signal_emit_by_name (entry, "activate");
  assert_current (f, 3);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);

  /* The store: three review events by the lead, a lead's label event for the fix */
  after = read_events (f);
  for (guint i = 0; i < after->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (after, i), "\t", -1);

      if (g_str_equal (parts[5], "review"))
        {
          g_autoptr(JsonNode) payload = json_from_string (parts[6], NULL);
          JsonObject *o = json_node_get_object (payload);
          const char *verdict = json_object_get_string_member (o, "verdict");

          g_assert_cmpstr (parts[3], ==, "lead");
          g_assert_cmpstr (parts[4], ==, "lead");
          if (n_review == 0)
            g_assert_cmpstr (verdict, ==, "accept");
          else if (n_review == 1)
            g_assert_cmpstr (verdict, ==, "fix");
          else
            {
              g_assert_cmpstr (verdict, ==, "reject");
              g_assert_cmpstr (json_object_get_string_member (o, "comment"), ==,
                               "Scam, not spam");
            }
          n_review++;
        }
      else if (g_str_equal (parts[4], "lead") && g_str_equal (parts[5], "label"))
        {
          g_assert_nonnull (strstr (parts[6], "abusive"));
          n_lead_label++;
        }
    }
  g_assert_cmpuint (n_review, ==, 3);
  g_assert_cmpuint (n_lead_label, ==, 1);
  /* The annotators' events are all there, unchanged */
  for (guint i = 0; i < before->len; i++)
    g_assert_true (has_line (after, g_ptr_array_index (before, i)));

  item1 = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_review_verdict (item1), ==, "accept");
  g_assert_cmpstr (lb_item_get_reviewer (item1), ==, "lead");
  item2 = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpstr (lb_item_get_review_verdict (item2), ==, "fix");
  g_assert_cmpstr (lb_item_get_labels (item2)[0], ==, "abusive");
  bob2 = lb_store_get_item_for_actor (f->store, f->ids[1], "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_item_get_labels (bob2)[0], ==, "spam");
  item3 = lb_test_get_item (f->store, f->ids[2]);
  g_assert_cmpstr (lb_item_get_review_verdict (item3), ==, "reject");
  g_assert_cmpstr (lb_item_get_review_comment (item3), ==, "Scam, not spam");

  /* Ctrl+Z takes the lead's latest review (the rejection) back */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_z, GDK_CONTROL_MASK));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_clear_object (&item3);
  item3 = lb_test_get_item (f->store, f->ids[2]);
  g_assert_null (lb_item_get_review_verdict (item3));
  assert_current (f, 2);
  g_assert_nonnull (strstr (lb_review_view_get_status (f->review), "undone"));

  /* Back to labelling: the window's own keys work again, the progress shows */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.mode", "s", "label"));
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "work");
  lb_test_wait_until (has_progress, f, WAIT_TIMEOUT_S);
  g_assert_true (g_str_has_suffix (lb_window_get_subtitle (f->window), " done"));
}

/* A review of an earlier session (none made in this view) is undone too:
 * Ctrl+Z takes back the lead's latest act on the item shown */
static void
test_undo_earlier_review (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  gint64 id;

  enter_review (f);
  id = lb_item_get_id (lb_review_view_get_current_item (f->review));
  g_assert_true (lb_store_review (f->store, id, "lead", LB_REVIEW_ACCEPT, NULL, NULL, &error));
  g_assert_no_error (error);
  lb_test_pump ();

  lb_review_view_undo (f->review);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  item = lb_test_get_item (f->store, id);
  g_assert_null (lb_item_get_review_verdict (item));
  g_assert_nonnull (strstr (lb_review_view_get_status (f->review), "undone"));
}

/* A refused review (a fix that corrects nothing) brings the item back,
 * with the reason */
static void
test_refused_fix_stays (Fixture       *f,
                        gconstpointer  data)
{
  gint64 id;

  enter_review (f);
  id = lb_item_get_id (lb_review_view_get_current_item (f->review));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_f, 0));
  g_assert_true (lb_review_view_get_fixing (f->review));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  lb_test_wait_until (item_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpint (lb_item_get_id (lb_review_view_get_current_item (f->review)), ==, id);
  g_assert_nonnull (strstr (lb_review_view_get_status (f->review), "Nothing was corrected"));
}

static void
test_reject_needs_comment (Fixture       *f,
                           gconstpointer  data)
{
  GtkWidget *entry;
  g_autoptr(LbItem) item = NULL;

  enter_review (f);
  assert_current (f, 0);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_r, 0));
  entry = lb_review_view_get_comment_entry (f->review);
  /* An empty comment: nothing written, the lead is told */
  g_signal_emit_by_name (entry, "activate");
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_assert_nonnull (strstr (lb_review_view_get_status (f->review), "comment"));
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_null (lb_item_get_review_verdict (item));
  /* Escape leaves the comment */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  assert_current (f, 0);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (gtk_widget_get_parent (entry))));

  /* G marks an accepted item as gold; G again takes the mark away */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_a, 0));
  assert_current (f, 1);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_k, 0));
  assert_current (f, 0);
  g_assert_false (lb_item_get_gold (lb_review_view_get_current_item (f->review)));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_g, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_clear_object (&item);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_true (lb_item_get_gold (item));
  g_assert_nonnull (strstr (lb_review_view_get_status (f->review), "gold"));
  /* the view reads the item again after the COMMIT */
  lb_test_wait_until (gold_shown, f, WAIT_TIMEOUT_S);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_g, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_clear_object (&item);
  item = lb_test_get_item (f->store, f->ids[0]);
  g_assert_false (lb_item_get_gold (item));
}

static GArray *
queue_with_seed (Fixture *f,
                 guint64  seed)
{
  lb_review_view_set_sampling (f->review, 50, seed);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_assert_cmpuint (lb_review_view_get_seed (f->review), ==, seed);
  return lb_review_view_get_queue_ids (f->review);
}

static void
test_sampling (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GArray) first = NULL;
  g_autoptr(GArray) other = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GArray) engine = NULL;
  g_autoptr(GError) error = NULL;
  LbReviewQuery query = { .batch_id = f->batch_id, .sample_fraction = 0.5, .sample_seed = 42 };

  enter_review (f);
  first = queue_with_seed (f, 42);
  other = queue_with_seed (f, 7);
  again = queue_with_seed (f, 42);
  /* The same seed gives the same items; they are the engine's sample */
  g_assert_cmpuint (first->len, ==, again->len);
  g_assert_cmpmem (first->data, first->len * sizeof (gint64),
                   again->data, again->len * sizeof (gint64));
  engine = lb_store_list_review_ids (f->store, &query, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (first->data, first->len * sizeof (gint64),
                   engine->data, engine->len * sizeof (gint64));
  g_assert_cmpuint (first->len, <=, 4);

  /* One annotator only: items alice did (all four) */
  lb_review_view_set_sampling (f->review, 0, 42);
  lb_review_view_set_annotator (f->review, "alice");
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_clear_pointer (&other, g_array_unref);
  other = lb_review_view_get_queue_ids (f->review);
  g_assert_cmpuint (other->len, ==, 4);
}

static GArray *
queue_after (Fixture    *f,
             const char *field,
             const char *value)
{
  g_assert_true (lb_review_view_set_filter (f->review, field, value));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  return lb_review_view_get_queue_ids (f->review);
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GArray) escalated = NULL;
  g_autoptr(GArray) spam = NULL;
  g_autoptr(GArray) today = NULL;
  g_autoptr(GArray) unreviewed = NULL;
  g_autoptr(GArray) scam = NULL;

  enter_review (f);
  /* Only bob escalated, on the fourth item */
  escalated = queue_after (f, "decision", "escalate");
  g_assert_cmpuint (escalated->len, ==, 1);
  g_assert_cmpint (g_array_index (escalated, gint64, 0), ==, f->ids[3]);
  g_assert_true (lb_review_view_set_filter (f->review, "decision", NULL));
  /* Spam: bob on the second item, both on the third */
  spam = queue_after (f, "label", "spam");
  g_assert_cmpuint (spam->len, ==, 2);
  g_assert_cmpint (g_array_index (spam, gint64, 0), ==, f->ids[1]);
  g_assert_cmpint (g_array_index (spam, gint64, 1), ==, f->ids[2]);
  g_assert_true (lb_review_view_set_filter (f->review, "label", NULL));
  scam = queue_after (f, "reason", "spam/scam");
  g_assert_cmpuint (scam->len, ==, 1);
  g_assert_cmpint (g_array_index (scam, gint64, 0), ==, f->ids[2]);
  g_assert_true (lb_review_view_set_filter (f->review, "reason", NULL));
  /* Everything was labelled in the last 7 days */
  today = queue_after (f, "time", "week");
  g_assert_cmpuint (today->len, ==, 4);
  g_assert_false (lb_review_view_set_filter (f->review, "label", "no-such-label"));

  /* The item shown stays shown as the filters change (the third, the scam) */
  assert_current (f, 2);
  /* Accept it: with "unreviewed only" it is no longer listed */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_a, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  lb_review_view_set_unreviewed_only (f->review, TRUE);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  unreviewed = lb_review_view_get_queue_ids (f->review);
  g_assert_cmpuint (unreviewed->len, ==, 3);
  for (guint i = 0; i < unreviewed->len; i++)
    g_assert_cmpint (g_array_index (unreviewed, gint64, i), !=, f->ids[2]);
}

static gboolean
nothing_in_flight (gpointer data)
{
  return lb_review_view_get_n_pending (LB_REVIEW_VIEW (data)) == 0;
}

/* The window closes while a verdict is being saved: the save completes
 * (the act keeps the view alive until its answer), with no critical */
static void
test_closed_while_saving (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(LbReviewView) review = NULL;

  enter_review (f);
  review = g_object_ref (f->review);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_a, 0));
  g_assert_cmpuint (lb_review_view_get_n_pending (review), ==, 1);
  gtk_window_destroy (GTK_WINDOW (f->window));
  lb_test_wait_until (nothing_in_flight, review, WAIT_TIMEOUT_S);
  g_clear_object (&review);
  {
    g_autoptr(LbItem) item = lb_test_get_item (f->store, f->ids[0]);

    g_assert_cmpstr (lb_item_get_review_verdict (item), ==, "accept");
  }
  f->review = NULL;   /* gone with the window; the teardown finalizes the window */
}

/* Disputed only: the items whose two annotators disagree (the second and
 * the fourth); the header's Undo undoes the lead's latest review */
static void
test_disputed_and_header_undo (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GArray) disputed = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(LbItem) accepted = NULL;
  g_autoptr(LbItem) undone = NULL;

  enter_review (f);
  lb_review_view_set_disputed_only (f->review, TRUE);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  disputed = lb_review_view_get_queue_ids (f->review);
  g_assert_cmpuint (disputed->len, ==, 2);
  g_assert_cmpint (g_array_index (disputed, gint64, 0), ==, f->ids[1]);
  g_assert_cmpint (g_array_index (disputed, gint64, 1), ==, f->ids[3]);
  lb_review_view_set_disputed_only (f->review, FALSE);
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  all = lb_review_view_get_queue_ids (f->review);
  g_assert_cmpuint (all->len, ==, 4);

  /* Accept the item shown (the second: shown since the disputed filter),
   * then the header's Undo (win.undo) */
  assert_current (f, 1);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_a, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  accepted = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpstr (lb_item_get_review_verdict (accepted), ==, "accept");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  undone = lb_test_get_item (f->store, f->ids[1]);
  g_assert_null (lb_item_get_review_verdict (undone));
  /* the window's labelling undo did not run: the annotators' work stays */
  g_assert_nonnull (lb_item_get_labels (undone)[0]);
  assert_current (f, 1);
}

/* Fixing regions: an image with alice's box; the lead presses F, moves the
 * box through the canvas, draws a second box (B, drag), presses Enter. */

#define FIX_SCHEMA_JSON \
  "{\"name\": \"photos\", \"tools\": [\"class\", \"box\"]," \
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\", \"hotkey\": \"1\"," \
  "               \"attributes\": [{\"id\": \"occluded\", \"type\": \"bool\"}]}," \
  "              {\"id\": \"dog\", \"title\": \"Dog\", \"hotkey\": \"2\"}]}"

typedef struct {
  Fixture        base;
  LbImageCanvas *canvas;
} ImageFixture;

static gboolean
review_image_shown (gpointer data)
{
  ImageFixture *f = data;
  LbItemView *view = LB_ITEM_VIEW (lb_review_view_get_item_view (f->base.review));

  return item_shown (&f->base) && lb_item_view_get_showing_image (view);
}

static void
image_set_up (ImageFixture  *f,
              gconstpointer  data)
{
  Fixture *b = &f->base;
  g_autofree char *db = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1600, 1200);
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 200, 150, 400, 300 }, NULL, 0, NULL, 900 };

  b->tmpdir = lb_test_make_tmpdir ("lb-test-review-fix");
  db = g_build_filename (b->tmpdir, "store.db", NULL);
  b->store = lb_test_open_store (db);
  dir = g_build_filename (b->tmpdir, "photos", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  gdk_pixbuf_fill (pixbuf, 0x8090a0ff);
  for (int i = 1; i <= 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%02d.png", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
      g_assert_no_error (error);
    }
  lb_test_write_file (dir, "schema.json", FIX_SCHEMA_JSON, -1);
  b->batch_id = lb_test_import (b->store, dir, NULL, 2);
  {
    g_autoptr(LbItem) item = lb_test_find_item (b->store, NULL, "01.png");

    b->ids[0] = lb_item_get_id (item);
  }
  g_assert_true (lb_store_create_region (b->store, b->ids[0], "alice", &box, NULL, &error));
  g_assert_no_error (error);

  open_window (b);
}

static void
image_tear_down (ImageFixture  *f,
                 gconstpointer  data)
{
  fixture_tear_down (&f->base, data);
}

static void
test_fix_regions (ImageFixture  *f,
                  gconstpointer  data)
{
  Fixture *b = &f->base;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(LbItem) fixed = NULL;
  g_autoptr(LbItem) own = NULL;
  g_autoptr(LbItem) undone = NULL;
  g_autoptr(GError) error = NULL;
  guint n_lead_regions = 0;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (b->window), "win.mode", "s", "review"));
  lb_test_wait_until (review_image_shown, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (50);
  f->canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (lb_review_view_get_item_view (b->review)));
  before = read_events (b);

  /* 1 draws alice's own regions (her card marked), again or 0 the item's;
   * there is no second annotator; F draws the item's state to fix */
  g_assert_cmpint (lb_review_view_get_shown_work (b->review), ==, -1);
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_1, 0));
  g_assert_cmpint (lb_review_view_get_shown_work (b->review), ==, 0);
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_1, 0));
  g_assert_cmpint (lb_review_view_get_shown_work (b->review), ==, -1);
  g_assert_false (lb_ui_test_press_key (b->keys, GDK_KEY_2, 0));
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_1, 0));
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_0, 0));
  g_assert_cmpint (lb_review_view_get_shown_work (b->review), ==, -1);
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_1, 0));

  /* Outside a fix, a drag changes nothing in the store */
  lb_ui_test_drag_image (f->canvas, 400, 300, 460, 260);
  lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
  g_assert_cmpuint (lb_store_get_last_seq (b->store), ==, before->len);

  /* F, then move alice's box: click selects it, a drag from inside moves it */
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_f, 0));
  g_assert_true (lb_review_view_get_fixing (b->review));
  g_assert_cmpint (lb_review_view_get_shown_work (b->review), ==, -1);
  /* with the box tool in hand (nothing selected), a label's key is the next
   * box's label, not one of the item's; Escape puts the tool down */
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_b, 0));
  {
    LbPanel *panel = LB_PANEL (lb_review_view_get_panel (b->review));
    g_auto(GStrv) before_labels = lb_panel_get_labels (panel);
    g_auto(GStrv) after_labels = NULL;

    g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_2, 0));
    after_labels = lb_panel_get_labels (panel);
    g_assert_cmpuint (g_strv_length (after_labels), ==, g_strv_length (before_labels));
    g_assert_false (g_strv_contains ((const char * const *) after_labels, "dog"));
  }
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_Escape, 0));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_SELECT);
  lb_ui_test_drag_image (f->canvas, 400, 300, 460, 260);
  lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
  if (lb_store_get_last_seq (b->store) == (gint64) before->len)
    {
      /* the first press only selected it */
      lb_ui_test_drag_image (f->canvas, 400, 300, 460, 260);
      lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
    }
  fixed = lb_test_get_item (b->store, b->ids[0]);
  lb_ui_test_assert_box (lb_item_get_region (fixed, 0), 260, 110, 400, 300);
  g_assert_null (lb_item_get_review_verdict (fixed));   /* not until Enter */
  g_clear_object (&fixed);

  /* The selected box's attributes are in the panel: one changed is a correction */
  {
    LbPanel *panel = LB_PANEL (lb_review_view_get_panel (b->review));
    GtkWidget *occluded = lb_panel_get_attribute_editor (panel, "occluded");

    g_assert_true (GTK_IS_SWITCH (occluded));
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (occluded)));
    gtk_switch_set_active (GTK_SWITCH (occluded), TRUE);
    lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
    fixed = lb_test_get_item (b->store, b->ids[0]);
    g_assert_cmpstr (lb_item_get_region (fixed, 0)->attributes, ==, "{\"occluded\":true}");
    g_clear_object (&fixed);
  }

  /* B and a drag: a second box (the label: the first, or the one picked);
   * the panel's tool row follows the keys, and its buttons set the tool */
  g_assert_true (lb_review_view_get_fixing (b->review));   /* still fixing */
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_b, 0));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_BOX);
  g_assert_cmpint (lb_panel_get_tool (LB_PANEL (lb_review_view_get_panel (b->review))), ==,
                   LB_CANVAS_TOOL_BOX);
  g_assert_true (gtk_widget_activate_action (lb_review_view_get_panel (b->review),
                                             "win.set-tool", "s", "select"));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_SELECT);
  g_assert_true (gtk_widget_activate_action (lb_review_view_get_panel (b->review),
                                             "win.set-tool", "s", "box"));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_BOX);
  lb_ui_test_drag_image (f->canvas, 900, 700, 1100, 900);
  lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
  g_assert_true (lb_ui_test_press_key (b->keys, GDK_KEY_Return, 0));
  lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
  g_assert_false (lb_review_view_get_fixing (b->review));

  fixed = lb_test_get_item (b->store, b->ids[0]);
  g_assert_cmpstr (lb_item_get_review_verdict (fixed), ==, "fix");
  g_assert_cmpstr (lb_item_get_reviewer (fixed), ==, "lead");
  g_assert_cmpuint (lb_item_get_n_regions (fixed), ==, 2);
  lb_ui_test_assert_box (lb_item_get_region (fixed, 0), 260, 110, 400, 300);
  g_assert_cmpstr (lb_item_get_region (fixed, 0)->attributes, ==, "{\"occluded\":true}");
  lb_ui_test_assert_box (lb_item_get_region (fixed, 1), 900, 700, 200, 200);
  /* alice's own view and events are unchanged */
  own = lb_store_get_item_for_actor (b->store, b->ids[0], "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_item_get_n_regions (own), ==, 1);
  lb_ui_test_assert_box (lb_item_get_region (own, 0), 200, 150, 400, 300);
  after = read_events (b);
  for (guint i = 0; i < before->len; i++)
    g_assert_cmpstr (g_ptr_array_index (before, i), ==, g_ptr_array_index (after, i));
  for (guint i = before->len; i < after->len; i++)
    {
      const char *ev = g_ptr_array_index (after, i);

      g_assert_nonnull (strstr (ev, "\tlead\tlead\t"));   /* actor, role */
      if (strstr (ev, "\tregion.") != NULL)
        n_lead_regions++;
      if (strstr (ev, "\treview\t") != NULL)
        g_assert_nonnull (strstr (ev, "\"corrections\""));
    }
  g_assert_cmpuint (n_lead_regions, ==, 3);

  /* The header's Undo takes the fix back with its corrections */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (b->window), "win.undo", NULL));
  lb_test_wait_until (view_idle, b, WAIT_TIMEOUT_S);
  undone = lb_test_get_item (b->store, b->ids[0]);
  g_assert_null (lb_item_get_review_verdict (undone));
  g_assert_cmpuint (lb_item_get_n_regions (undone), ==, 1);
  lb_ui_test_assert_box (lb_item_get_region (undone, 0), 200, 150, 400, 300);
}

/* Fixing spans: texts with alice's wrong span; the lead presses F, Tab
 * selects the span, Delete removes it, the right text selected and a
 * label's key marks it, Enter. On the second text Escape takes the fix's
 * corrections back. */

#define SPAN_TEXT "Alice met Bob in Paris last spring."
#define SPAN_SCHEMA_JSON \
  "{\"name\": \"names\", \"tools\": [\"span\"]," \
  " \"labels\": [{\"id\": \"person\", \"title\": \"Person\", \"hotkey\": \"1\"}," \
  "              {\"id\": \"place\", \"title\": \"Place\", \"hotkey\": \"2\"}]}"

static void
text_set_up (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *db = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *names[] = { "a.txt", "b.txt" };

  f->tmpdir = lb_test_make_tmpdir ("lb-test-review-spans");
  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  dir = g_build_filename (f->tmpdir, "names", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "schema.json", SPAN_SCHEMA_JSON, -1);
  for (guint i = 0; i < 2; i++)
    lb_test_write_file (dir, names[i], SPAN_TEXT, -1);
  f->batch_id = lb_test_import (f->store, dir, NULL, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(LbItem) item = lb_test_find_item (f->store, NULL, names[i]);

      f->ids[i] = lb_item_get_id (item);
      /* "Paris" marked as a person */
      g_assert_true (lb_store_create_span (f->store, f->ids[i], "alice", "person", 17, 22, NULL,
                                           &error));
      g_assert_no_error (error);
    }

  open_window (f);
}

static void
select_text (LbTextView *text,
             int         start,
             int         end)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text));
  GtkTextIter a, b;

  gtk_text_buffer_get_iter_at_offset (buffer, &a, start);
  gtk_text_buffer_get_iter_at_offset (buffer, &b, end);
  gtk_text_buffer_select_range (buffer, &a, &b);
}

static void
test_fix_spans (Fixture       *f,
                gconstpointer  data)
{
  LbTextView *text;
  g_autoptr(LbItem) fixed = NULL;
  g_autoptr(LbItem) own = NULL;
  g_autoptr(LbItem) second = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_span = NULL;
  gint64 start, end;
  guint n_lead = 0;

  enter_review (f);
  assert_current (f, 0);
  text = lb_item_view_get_text_view (LB_ITEM_VIEW (lb_review_view_get_item_view (f->review)));
  g_assert_true (lb_text_view_get_span_mode (text));
  g_assert_cmpuint (lb_text_view_get_n_spans (text), ==, 1);
  before = read_events (f);

  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_f, 0));
  /* Tab selects alice's span, Delete removes it (a lead correction) */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0));
  g_assert_nonnull (lb_text_view_get_selected_span (text));
  alice_span = g_strdup (lb_text_view_get_selected_span (text));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Delete, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_assert_cmpuint (lb_text_view_get_n_spans (text), ==, 0);
  /* "Paris" selected, 2 marks it as a place */
  select_text (text, 17, 22);
  g_assert_true (lb_text_view_get_text_selection (text, &start, &end));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  g_assert_cmpuint (lb_text_view_get_n_spans (text), ==, 1);
  g_assert_true (lb_review_view_get_fixing (f->review));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);

  fixed = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_review_verdict (fixed), ==, "fix");
  g_assert_cmpuint (lb_item_get_n_spans (fixed), ==, 1);
  g_assert_cmpstr (lb_item_get_span (fixed, 0)->label, ==, "place");
  g_assert_cmpint (lb_item_get_span (fixed, 0)->start, ==, 17);
  g_assert_cmpint (lb_item_get_span (fixed, 0)->end, ==, 22);
  own = lb_store_get_item_for_actor (f->store, f->ids[0], "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_item_get_n_spans (own), ==, 1);
  g_assert_cmpstr (lb_item_get_span (own, 0)->id, ==, alice_span);
  g_assert_cmpstr (lb_item_get_span (own, 0)->label, ==, "person");
  after = read_events (f);
  for (guint i = 0; i < before->len; i++)
    g_assert_cmpstr (g_ptr_array_index (before, i), ==, g_ptr_array_index (after, i));
  for (guint i = before->len; i < after->len; i++)
    {
      const char *ev = g_ptr_array_index (after, i);

      g_assert_nonnull (strstr (ev, "\tlead\tlead\t"));
      if (strstr (ev, "\tspan.") != NULL)
        n_lead++;
    }
  g_assert_cmpuint (n_lead, ==, 2);

  /* The second text: F, Tab, Delete, then Escape takes the deletion back */
  lb_test_wait_until (item_shown, f, WAIT_TIMEOUT_S);
  assert_current (f, 1);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_f, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Delete, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  second = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpuint (lb_item_get_n_spans (second), ==, 0);
  g_clear_object (&second);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_false (lb_review_view_get_fixing (f->review));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  second = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpuint (lb_item_get_n_spans (second), ==, 1);
  g_assert_cmpstr (lb_item_get_span (second, 0)->label, ==, "person");
  g_assert_null (lb_item_get_review_verdict (second));
  g_clear_object (&second);

  /* Escape while the deletion is still being saved: taken back all the same */
  lb_test_wait_until (item_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpuint (lb_text_view_get_n_spans (text), ==, 1);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_f, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Delete, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  lb_test_wait_until (view_idle, f, WAIT_TIMEOUT_S);
  second = lb_test_get_item (f->store, f->ids[1]);
  g_assert_cmpuint (lb_item_get_n_spans (second), ==, 1);
  g_assert_cmpstr (lb_item_get_span (second, 0)->label, ==, "person");
  /* the fix of the first text is still there (no undo went too far) */
  g_clear_object (&fixed);
  fixed = lb_test_get_item (f->store, f->ids[0]);
  g_assert_cmpstr (lb_item_get_review_verdict (fixed), ==, "fix");
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/review/refused-fix-stays", Fixture, NULL,
              fixture_set_up, test_refused_fix_stays, fixture_tear_down);
  g_test_add ("/ui/review/undo-earlier-review", Fixture, NULL,
              fixture_set_up, test_undo_earlier_review, fixture_tear_down);
  g_test_add ("/ui/review/verdicts", Fixture, NULL,
              fixture_set_up, test_verdicts, fixture_tear_down);
  g_test_add ("/ui/review/comment-and-gold", Fixture, NULL,
              fixture_set_up, test_reject_needs_comment, fixture_tear_down);
  g_test_add ("/ui/review/filters", Fixture, NULL,
              fixture_set_up, test_filters, fixture_tear_down);
  g_test_add ("/ui/review/closed-while-saving", Fixture, NULL,
              fixture_set_up, test_closed_while_saving, fixture_tear_down);
  g_test_add ("/ui/review/sampling", Fixture, NULL,
              fixture_set_up, test_sampling, fixture_tear_down);
  g_test_add ("/ui/review/disputed-and-header-undo", Fixture, NULL,
              fixture_set_up, test_disputed_and_header_undo, fixture_tear_down);
  g_test_add ("/ui/review/fix-regions", ImageFixture, NULL,
              image_set_up, test_fix_regions, image_tear_down);
  g_test_add ("/ui/review/fix-spans", Fixture, NULL,
              text_set_up, test_fix_spans, fixture_tear_down);
  return g_test_run ();
}
