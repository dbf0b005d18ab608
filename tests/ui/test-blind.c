/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-blind"
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-item-list.h"
#include "lb-panel.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-ui-test-support.h"
#include "lb-window.h"

/* Blind labelling in the real window: with a batch overlap of 2, each
 * annotator's label mode shows their own queue and their own work only;
 * with overlap 1 the window behaves as it always did. */

#define WAIT_TIMEOUT_S 20

static const char schema_json[] =
  "{\"name\": \"Blind\", \"multi_label\": false,\n"
  " \"labels\": [{\"id\": \"ok\", \"title\": \"OK\", \"hotkey\": \"1\"},\n"
  "            {\"id\": \"spam\", \"title\": \"Spam\", \"hotkey\": \"2\"}],\n"
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"},\n"
  "               {\"id\": \"escalate\", \"title\": \"Escalate\", \"hotkey\": \"e\"}],\n"
  " \"tools\": [\"class\", \"span\", \"note\"],\n"
  " \"fields\": [{\"id\": \"why\", \"title\": \"Why\"}]}\n";

typedef struct {
  char     *tmpdir;
  LbStore  *store;
  gint64    batch_id;
  gint64    first_id;   /* 01-a.txt */
  LbWindow *windows[2];
} Fixture;

static gboolean
nothing_pending (gpointer window)
{
  return lb_window_get_n_pending (LB_WINDOW (window)) == 0;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  guint overlap = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) first = NULL;
  g_autofree char *db = NULL;
  g_autofree char *dir = NULL;

  f->tmpdir = lb_test_make_tmpdir ("lb-test-blind");
  dir = g_build_filename (f->tmpdir, "posts", NULL);
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "schema.json", schema_json, -1);
  lb_test_write_file (dir, "01-a.txt", "First post.", -1);
  lb_test_write_file (dir, "02-b.txt", "Second post.", -1);
  lb_test_write_file (dir, "03-c.txt", "Third post.", -1);

  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  f->batch_id = lb_test_import (f->store, dir, NULL, 3);
  g_assert_true (lb_store_set_batch_overlap (f->store, f->batch_id, overlap, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lb_store_get_batch_overlap (f->store, f->batch_id, NULL), ==, overlap);
  first = lb_test_find_item (f->store, "posts", "01-a.txt");
  f->first_id = lb_item_get_id (first);
}

static LbWindow *
open_window (Fixture    *f,
             guint       i,
             const char *actor)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (f->windows[i]);
  f->windows[i] = g_object_ref (lb_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (f->windows[i]), 1200, 800);
  lb_window_set_store (f->windows[i], f->store);
  lb_window_set_actor (f->windows[i], actor);
  g_assert_true (lb_window_open_batch (f->windows[i], f->batch_id, &error));
  g_assert_no_error (error);
  lb_ui_test_wait_queue (f->windows[i]);
  gtk_window_present (GTK_WINDOW (f->windows[i]));
  lb_test_spin_for (50);
  return f->windows[i];
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->windows); i++)
    if (f->windows[i] != NULL)
      {
        lb_test_wait_until (nothing_pending, f->windows[i], WAIT_TIMEOUT_S);
        gtk_window_destroy (GTK_WINDOW (f->windows[i]));
        lb_test_spin_for (20);
        g_assert_finalize_object (f->windows[i]);
        f->windows[i] = NULL;
      }
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static void
act (LbWindow   *window,
     const char *action,
     const char *param)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action,
                                             param != NULL ? "s" : NULL, param));
  lb_test_pump ();
}

static LbPanel *
panel (LbWindow *window)
{
  return LB_PANEL (lb_window_get_panel (window));
}

static gint64
current_id (LbWindow *window)
{
  LbItem *item = lb_window_get_current_item (window);

  g_assert_nonnull (item);
  return lb_item_get_id (item);
}

static gboolean
queue_has (LbWindow *window,
           gint64    item_id)
{
  GListModel *queue = lb_window_get_queue (window);

  g_assert_true (LB_IS_ITEM_LIST (queue));
  return lb_item_list_find (LB_ITEM_LIST (queue), item_id, NULL);
}

/* Labels the current item with LABEL (a hotkey) and DECISION, Enter */
static void
label_current (LbWindow   *window,
               const char *label,
               const char *decision)
{
  act (window, "win.pick", label);
  act (window, "win.pick", decision);
  act (window, "win.submit", NULL);
  lb_test_wait_until (nothing_pending, window, WAIT_TIMEOUT_S);
  lb_test_spin_for (20);
}

/* The panel and the current item show nothing of anybody's work */
static void
assert_blank (LbWindow *window)
{
  LbItem *item = lb_window_get_current_item (window);
  g_auto(GStrv) labels = lb_panel_get_labels (panel (window));
  g_autofree char *note = lb_panel_get_note (panel (window));
  const char *saved = lb_panel_get_saved_text (panel (window));

  g_autofree char *answer = lb_panel_get_answer (panel (window), "why");

  g_assert_nonnull (item);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 0);
  g_assert_cmpstr (lb_item_get_answers_json (item), ==, "{}");
  g_assert_true (answer == NULL || answer[0] == '\0');
  g_assert_cmpuint (g_strv_length ((GStrv) lb_item_get_labels (item)), ==, 0);
  g_assert_null (lb_item_get_decision (item));
  g_assert_null (lb_item_get_last_actor (item));
  g_assert_cmpuint (labels != NULL ? g_strv_length (labels) : 0, ==, 0);
  g_assert_null (lb_panel_get_decision (panel (window)));
  g_assert_true (note == NULL || note[0] == '\0');
  g_assert_null (strstr (saved != NULL ? saved : "", "alice"));
}

static void
test_blind_overlap (Fixture       *f,
                    gconstpointer  data)
{
  LbWindow *alice;
  LbWindow *other;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) own = NULL;
  g_autoptr(LbItem) merged = NULL;
  g_auto(GStrv) labels = NULL;

  /* Alice labels the first post */
  alice = open_window (f, 0, "alice");
  lb_ui_test_assert_subtitle (alice, "0 / 3 done");
  g_assert_cmpint (current_id (alice), ==, f->first_id);
  label_current (alice, "label:ok", "decision:approve");
  g_assert_cmpint (current_id (alice), !=, f->first_id);
  lb_ui_test_assert_subtitle (alice, "1 / 3 done");
  /* … and marks a span and answers the field (through the store) */
  g_assert_true (lb_store_create_span (f->store, f->first_id, "alice", "ok", 0, 5, NULL,
                                       &error));
  g_assert_no_error (error);
  g_assert_true (lb_store_set_answer (f->store, f->first_id, "alice", "why", "polite",
                                      &error));
  g_assert_no_error (error);
  own = lb_store_get_item_for_actor (f->store, f->first_id, "alice", NULL);
  g_assert_cmpint (lb_item_get_state (own), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpuint (lb_item_get_n_spans (own), ==, 1);
  g_clear_object (&own);

  /* Alice goes over her done items: she is on the first post while Bob
   * labels it */
  g_object_set (alice, "filter", "done", NULL);
  lb_ui_test_wait_queue (alice);
  lb_test_spin_for (20);
  g_assert_cmpint (current_id (alice), ==, f->first_id);

  /* Bob, in another window on the same store: the first post is still his
   * to do, and nothing of Alice's answer shows */
  other = open_window (f, 1, "bob");
  lb_ui_test_assert_subtitle (other, "0 / 3 done");
  g_assert_true (queue_has (other, f->first_id));
  g_assert_cmpint (current_id (other), ==, f->first_id);
  assert_blank (other);

  /* Bob's answer differs; the first post now has its two annotators */
  label_current (other, "label:spam", "decision:escalate");
  g_assert_true (lb_store_set_answer (f->store, f->first_id, "bob", "why", "rude", &error));
  g_assert_no_error (error);
  lb_test_spin_for (20);
  lb_ui_test_assert_subtitle (other, "1 / 3 done");
  merged = lb_store_get_item_for_actor (f->store, f->first_id, "bob", NULL);
  g_assert_cmpstr (lb_item_get_labels (merged)[0], ==, "spam");
  g_assert_cmpstr (lb_item_get_decision (merged), ==, "escalate");

  /* Carol (a name change in the same window): her queue is rebuilt, without
   * the first post, which needs no third annotator; nothing of Bob's stays */
  lb_window_set_actor (other, "carol");
  lb_ui_test_wait_queue (other);
  lb_test_spin_for (20);
  g_assert_false (queue_has (other, f->first_id));
  g_assert_cmpuint (g_list_model_get_n_items (lb_window_get_queue (other)), ==, 2);
  lb_ui_test_assert_subtitle (other, "0 / 2 done");
  g_assert_cmpint (current_id (other), !=, f->first_id);
  {
    g_auto(GStrv) shown = lb_panel_get_labels (panel (other));

    g_assert_cmpuint (shown != NULL ? g_strv_length (shown) : 0, ==, 0);
    g_assert_null (lb_panel_get_decision (panel (other)));
  }

  /* Alice's own view of the first post: her answer only, after Bob's act
   * changed the item in the store */
  g_assert_true (queue_has (alice, f->first_id));
  g_assert_cmpint (current_id (alice), ==, f->first_id);
  own = g_object_ref (lb_window_get_current_item (alice));
  g_assert_cmpint (lb_item_get_state (own), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpuint (g_strv_length ((GStrv) lb_item_get_labels (own)), ==, 1);
  g_assert_cmpstr (lb_item_get_labels (own)[0], ==, "ok");
  g_assert_cmpstr (lb_item_get_decision (own), ==, "approve");
  g_assert_cmpuint (lb_item_get_n_spans (own), ==, 1);
  g_assert_cmpstr (lb_item_get_answer (own, "why"), ==, "polite");
  {
    g_autofree char *answer = lb_panel_get_answer (panel (alice), "why");

    g_assert_cmpstr (answer, ==, "polite");
  }
  labels = lb_panel_get_labels (panel (alice));
  g_assert_cmpuint (g_strv_length (labels), ==, 1);
  g_assert_cmpstr (labels[0], ==, "ok");
  g_assert_cmpstr (lb_panel_get_decision (panel (alice)), ==, "approve");
  g_assert_null (strstr (lb_panel_get_saved_text (panel (alice)), "bob"));
  lb_ui_test_assert_subtitle (alice, "1 / 3 done");
}

/* No name yet: the queue and the item as an annotator with no work sees
 * them; the name given later keeps the item shown when it is theirs to do */
static void
test_blind_no_name (Fixture       *f,
                    gconstpointer  data)
{
  LbWindow *alice;
  LbWindow *nobody;

  alice = open_window (f, 0, "alice");
  label_current (alice, "label:ok", "decision:approve");

  nobody = open_window (f, 1, NULL);
  g_assert_null (lb_window_get_actor (nobody));
  lb_ui_test_assert_subtitle (nobody, "0 / 3 done");
  g_assert_true (queue_has (nobody, f->first_id));
  g_assert_cmpint (current_id (nobody), ==, f->first_id);
  assert_blank (nobody);

  lb_window_set_actor (nobody, "dave");

  lb_ui_test_wait_queue (nobody);
  lb_test_spin_for (20);
  g_assert_cmpstr (lb_window_get_actor (nobody), ==, "dave");
  g_assert_cmpint (current_id (nobody), ==, f->first_id);
  assert_blank (nobody);
  g_assert_cmpuint (g_list_model_get_n_items (lb_window_get_queue (nobody)), ==, 3);

  /* Alice's name set again: the same queue, her work in it */
  lb_window_set_actor (alice, "alice");
  lb_ui_test_wait_queue (alice);
  lb_ui_test_assert_subtitle (alice, "1 / 3 done");
}

/* Overlap 1: the batch's shared queue, as before — what one annotator did
 * is done for everybody and shows in the others' windows */
static void
test_overlap_one (Fixture       *f,
                  gconstpointer  data)
{
  LbWindow *alice;
  LbWindow *bob;
  g_auto(GStrv) labels = NULL;

  alice = open_window (f, 0, "alice");
  label_current (alice, "label:ok", "decision:approve");
  lb_ui_test_assert_subtitle (alice, "1 / 3 done");

  bob = open_window (f, 1, "bob");
  lb_ui_test_assert_subtitle (bob, "1 / 3 done");
  g_assert_false (queue_has (bob, f->first_id));
  g_assert_cmpint (current_id (bob), !=, f->first_id);
  g_object_set (bob, "filter", "done", NULL);
  lb_ui_test_wait_queue (bob);
  lb_test_spin_for (20);
  g_assert_cmpint (current_id (bob), ==, f->first_id);
  labels = lb_panel_get_labels (panel (bob));
  g_assert_cmpuint (g_strv_length (labels), ==, 1);
  g_assert_cmpstr (labels[0], ==, "ok");
  g_assert_cmpstr (lb_panel_get_decision (panel (bob)), ==, "approve");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/blind/overlap", Fixture, GUINT_TO_POINTER (2),
              fixture_set_up, test_blind_overlap, fixture_tear_down);
  g_test_add ("/ui/blind/no-name", Fixture, GUINT_TO_POINTER (2),
              fixture_set_up, test_blind_no_name, fixture_tear_down);
  g_test_add ("/ui/blind/overlap-one", Fixture, GUINT_TO_POINTER (1),
              fixture_set_up, test_overlap_one, fixture_tear_down);
  return g_test_run ();
}
