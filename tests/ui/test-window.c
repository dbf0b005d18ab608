/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-window"
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-import.h"
#include "lb-item-list.h"
#include "lb-item-view.h"
#include "lb-panel.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* The real window, driven through its actions and its key controller like
 * an annotator would; what the store holds and what the header, queue and
 * panel show are checked afterwards. */

#define WAIT_TIMEOUT_S 20

static const char schema_json[] =
  "{\"name\": \"Comment review\", \"multi_label\": false,\n"
  " \"labels\": [{\"id\": \"ok\", \"title\": \"OK\", \"hotkey\": \"1\",\n"
  "              \"color\": \"#2ec27e\"},\n"
  "            {\"id\": \"spam\", \"title\": \"Spam\", \"hotkey\": \"2\",\n"
  "             \"color\": \"#e01b24\"}],\n"
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"},\n"
  "               {\"id\": \"reject\", \"title\": \"Reject\", \"hotkey\": \"r\",\n"
  "                \"needs_reason\": true},\n"
  "               {\"id\": \"escalate\", \"title\": \"Escalate\", \"hotkey\": \"e\"}],\n"
  " \"reasons\": [{\"id\": \"abuse\", \"title\": \"Abuse\",\n"
  "              \"children\": [{\"id\": \"abuse/insult\", \"title\": \"Insult\"}]}]}\n";

typedef struct {
  char     *tmpdir;
  char     *batch_dir;
  LbStore  *store;
  gint64    batch_id;
  LbWindow *window;
} Fixture;

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main context until COND (F's window) holds; fails after
 * WAIT_TIMEOUT_S. */
static void
wait_until (Fixture         *f,
            LbTestCondition  cond)
{
  lb_test_wait_until (cond, f->window, WAIT_TIMEOUT_S);
}

static void
make_batch (Fixture *f)
{
  const char *dir;

  f->batch_dir = g_build_filename (f->tmpdir, "comments", NULL);
  g_assert_cmpint (g_mkdir (f->batch_dir, 0700), ==, 0);

  dir = f->batch_dir;
  lb_test_write_file (dir, "schema.json", schema_json, -1);
  lb_test_write_file (dir, "01-hello.txt", "Hello <b>world</b>, buy cheap watches!", -1);
  g_free (lb_test_copy_pngsuite ("basn2c08.png", dir, "02-colour.png"));
  lb_test_write_file (dir, "03-thanks.txt", "Thanks for the quick reply.", -1);
  g_free (lb_test_copy_pngsuite ("basn0g08.png", dir, "04-grey.png"));
  lb_test_write_file (dir, "05-zh.txt", "这个评论包含广告链接，请审核。", -1);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;

  f->tmpdir = lb_test_make_tmpdir ("lb-test-window");
  make_batch (f);

  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  f->batch_id = lb_test_import (f->store, f->batch_dir, NULL, 5);

  /* GTK's list of toplevels owns the window; keep a ref of our own so
   * that tear-down can check that it is finalized. */
  f->window = lb_ui_test_new_window (f->store, "Tester");
  lb_ui_test_open_batch (f->window, f->batch_id);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_spin_for (50);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    {
      wait_until (f, lb_ui_test_nothing_pending);
      lb_ui_test_destroy_window (GTK_WINDOW (f->window));
      f->window = NULL;
    }
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->batch_dir);
}

static LbItem *
current (Fixture *f)
{
  LbItem *item = lb_window_get_current_item (f->window);

  g_assert_nonnull (item);
  return item;
}

static LbItem *
queue_item (Fixture *f,
            guint    pos)
{
  GListModel *queue = lb_window_get_queue (f->window);

  g_assert_nonnull (queue);
  return g_list_model_get_item (queue, pos);
}

static void
act (Fixture    *f,
     const char *action,
     const char *param)
{
  gboolean ok;

  if (param != NULL)
    ok = gtk_widget_activate_action (GTK_WIDGET (f->window), action, "s", param);
  else
    ok = gtk_widget_activate_action (GTK_WIDGET (f->window), action, NULL);
  g_assert_true (ok);
  lb_ui_test_wait_queue (f->window);
}

static gboolean
collect_event_cb (const LbEvent *event,
                  gpointer       user_data,
                  GError       **error)
{
  GPtrArray *events = user_data;   /* "item|kind|actor|dwell|payload" */

  g_ptr_array_add (events, g_strdup_printf ("%s|%s|%s|%" G_GINT64_FORMAT "|%s",
                                            event->item, event->kind, event->actor,
                                            event->dwell_ms, event->payload));
  return TRUE;
}

static GPtrArray *
collect_events (Fixture *f)
{
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_foreach_event (f->store, 0, collect_event_cb, events, &error));
  g_assert_no_error (error);
  return events;
}

/* Tests */

static void
test_label_submit_advance (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(LbItem) first = NULL;
  g_autoptr(LbItem) after = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_auto(GStrv) parts = NULL;
  gint64 first_id;

  g_assert_cmpstr (lb_window_get_page (f->window), ==, "work");
  g_assert_cmpstr (lb_window_get_title_text (f->window), ==, "comments");
  lb_ui_test_assert_subtitle (f->window, "0 / 5 done");

  first = g_object_ref (current (f));
  first_id = lb_item_get_id (first);
  g_assert_cmpuint (lb_item_get_kind (first), ==, LB_ITEM_KIND_TEXT);

  lb_test_spin_for (60);   /* the annotator looks at the item for a while */
  act (f, "win.pick", "2");   /* hotkey of "spam" */
  {
    g_auto(GStrv) picked = lb_panel_get_labels (LB_PANEL (lb_window_get_panel (f->window)));
    g_assert_cmpuint (g_strv_length (picked), ==, 1);
    g_assert_cmpstr (picked[0], ==, "spam");
  }
  act (f, "win.submit", NULL);

  /* Moved on at once, to the next item to do; not shown as saved before
   * the COMMIT came back */
  g_assert_cmpint (lb_item_get_id (current (f)), !=, first_id);
  g_assert_cmpstr (lb_window_get_save_state (f->window), ==, "Saving…");
  wait_until (f, lb_ui_test_nothing_pending);

  g_assert_cmpstr (lb_window_get_save_state (f->window), ==, "All changes saved");
  lb_ui_test_assert_subtitle (f->window, "1 / 5 done");

  after = lb_test_get_item (f->store, first_id);
  g_assert_cmpint (lb_item_get_state (after), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_labels (after)[0], ==, "spam");
  g_assert_null (lb_item_get_labels (after)[1]);
  g_assert_null (lb_item_get_decision (after));

  events = collect_events (f);
  g_assert_cmpuint (events->len, ==, 1);
  parts = g_strsplit (g_ptr_array_index (events, 0), "|", 5);
  g_assert_cmpstr (parts[1], ==, "label");
  g_assert_cmpstr (parts[2], ==, "Tester");
  g_assert_cmpint (g_ascii_strtoll (parts[3], NULL, 10), >=, 50);
  g_assert_nonnull (strstr (parts[4], "spam"));

  /* The submitted item left the To Do queue; the current one is at its top */
  wait_until (f, lb_ui_test_nothing_pending);
  g_assert_false (lb_item_list_find (LB_ITEM_LIST (lb_window_get_queue (f->window)),
                                     first_id, NULL));
}

static void
test_needs_reason (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(LbItem) after = NULL;
  gint64 id;
  GtkWidget *focus;

  id = lb_item_get_id (current (f));

  act (f, "win.pick", "decision:reject");
  act (f, "win.submit", NULL);

  /* Not submitted: still on the item, told why, focus in the reason search */
  g_assert_cmpint (lb_item_get_id (current (f)), ==, id);
  g_assert_cmpuint (lb_window_get_n_pending (f->window), ==, 0);
  g_assert_cmpstr (lb_window_get_message (f->window), ==, "Pick a reason for Reject");
  focus = gtk_window_get_focus (GTK_WINDOW (f->window));
  g_assert_true (lb_panel_is_reason_search (LB_PANEL (lb_window_get_panel (f->window)), focus));
  lb_test_spin_for (20);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 0);

  act (f, "win.pick-reason", "abuse/insult");
  g_assert_null (lb_window_get_message (f->window));
  act (f, "win.submit", NULL);
  g_assert_cmpint (lb_item_get_id (current (f)), !=, id);
  wait_until (f, lb_ui_test_nothing_pending);

  after = lb_test_get_item (f->store, id);
  g_assert_cmpint (lb_item_get_state (after), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_decision (after), ==, "reject");
  g_assert_cmpstr (lb_item_get_reason (after), ==, "abuse/insult");
  g_assert_false (lb_item_get_flagged (after));
  g_assert_cmpstr (lb_item_get_last_actor (after), ==, "Tester");

  /* Looking back at it in the Done queue: the panel shows what was saved */
  act (f, "win.filter", "done");
  g_assert_cmpint (lb_item_get_id (current (f)), ==, id);
  g_assert_cmpstr (lb_panel_get_saved_text (LB_PANEL (lb_window_get_panel (f->window))), ==,
                   "Decision: Reject (Insult)\nby Tester");
  g_assert_cmpstr (lb_panel_get_decision (LB_PANEL (lb_window_get_panel (f->window))), ==,
                   "reject");
  g_clear_object (&after);

  /* Approved after all: the reason went with the reject */
  act (f, "win.pick", "decision:approve");
  g_assert_null (lb_panel_get_reason (LB_PANEL (lb_window_get_panel (f->window))));
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);
  after = lb_test_get_item (f->store, id);
  g_assert_cmpstr (lb_item_get_decision (after), ==, "approve");
  g_assert_null (lb_item_get_reason (after));
}

static void
test_note (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(LbItem) after = NULL;
  LbPanel *panel = LB_PANEL (lb_window_get_panel (f->window));
  gint64 id;

  id = lb_item_get_id (current (f));

  act (f, "win.pick", "label:ok");
  act (f, "win.focus-note", NULL);
  g_assert_true (lb_panel_is_note_widget (panel, gtk_window_get_focus (GTK_WINDOW (f->window))));
  lb_panel_set_note (panel, "looks fine, 但是链接可疑 <i>");
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);

  after = lb_test_get_item (f->store, id);
  g_assert_cmpstr (lb_item_get_labels (after)[0], ==, "ok");
  g_assert_cmpstr (lb_item_get_note (after), ==, "looks fine, 但是链接可疑 <i>");
  /* The next item starts with an empty note */
  {
    g_autofree char *note = lb_panel_get_note (panel);
    g_assert_cmpstr (note, ==, "");
  }
  g_clear_object (&after);

  /* Back on it, the note emptied and submitted again: the note is cleared,
   * the label stays */
  act (f, "win.filter", "all");
  act (f, "win.previous", NULL);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, id);
  {
    g_autofree char *note = lb_panel_get_note (panel);
    g_assert_cmpstr (note, ==, "looks fine, 但是链接可疑 <i>");
  }
  lb_panel_set_note (panel, "  ");
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);
  after = lb_test_get_item (f->store, id);
  g_assert_null (lb_item_get_note (after));
  g_assert_cmpstr (lb_item_get_labels (after)[0], ==, "ok");
}

static void
test_skip (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(LbItem) after = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 id;

  id = lb_item_get_id (current (f));

  act (f, "win.skip", NULL);
  g_assert_cmpint (lb_item_get_id (current (f)), !=, id);
  wait_until (f, lb_ui_test_nothing_pending);

  after = lb_test_get_item (f->store, id);
  g_assert_cmpint (lb_item_get_state (after), ==, LB_ITEM_STATE_SKIPPED);
  lb_ui_test_assert_subtitle (f->window, "0 / 5 done");
  /* A skipped item is still to do: it stays in the queue */
  g_assert_true (lb_item_list_find (LB_ITEM_LIST (lb_window_get_queue (f->window)), id, NULL));

  events = collect_events (f);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (events, 0), "|skip|Tester|"));
}

static void
test_undo (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(LbItem) after = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 id;

  id = lb_item_get_id (current (f));

  act (f, "win.pick", "1");
  act (f, "win.submit", NULL);
  g_assert_cmpint (lb_item_get_id (current (f)), !=, id);
  wait_until (f, lb_ui_test_nothing_pending);
  lb_ui_test_assert_subtitle (f->window, "1 / 5 done");

  /* The current item has nothing to undo: the previous act is undone and
   * the window goes back to its item */
  act (f, "win.undo", NULL);
  wait_until (f, lb_ui_test_nothing_pending);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, id);

  after = lb_test_get_item (f->store, id);
  g_assert_cmpint (lb_item_get_state (after), ==, LB_ITEM_STATE_TODO);
  g_assert_null (lb_item_get_labels (after)[0]);
  lb_ui_test_assert_subtitle (f->window, "0 / 5 done");
  g_assert_cmpstr (lb_window_get_save_state (f->window), ==, "All changes saved");

  events = collect_events (f);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (events, 0), "|label|Tester|"));
  g_assert_nonnull (strstr (g_ptr_array_index (events, 1), "|retract|Tester|"));

  /* Back in the To Do queue */
  g_assert_true (lb_item_list_find (LB_ITEM_LIST (lb_window_get_queue (f->window)), id, NULL));

  /* Label it again: the redo is a new act */
  act (f, "win.pick", "2");
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);
  g_clear_object (&after);
  after = lb_test_get_item (f->store, id);
  g_assert_cmpstr (lb_item_get_labels (after)[0], ==, "spam");
}

static void
test_navigation_keys (Fixture       *f,
                      gconstpointer  data)
{
  GtkEventController *keys = lb_window_get_key_controller (f->window);
  g_autoptr(LbItem) item0 = NULL;
  g_autoptr(LbItem) item1 = NULL;
  g_autoptr(GListModel) controllers = NULL;
  gboolean attached = FALSE;
  gboolean handled = FALSE;


  /* The key controller is on the window, in the capture phase */
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->window));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);
      if (c == keys)
        attached = TRUE;
    }
  g_assert_true (attached);
  g_assert_cmpint (gtk_event_controller_get_propagation_phase (keys), ==, GTK_PHASE_CAPTURE);

  item0 = queue_item (f, 0);
  item1 = queue_item (f, 1);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item0));

  act (f, "win.next", NULL);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item1));
  act (f, "win.previous", NULL);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item0));

  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_j, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item1));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_k, 0, 0, &handled);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item0));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item1));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Up, 0, 0, &handled);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item0));
  /* K at the top stays at the top */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_k, 0, 0, &handled);
  g_assert_cmpint (lb_item_get_id (current (f)), ==, lb_item_get_id (item0));

  /* The item view shows the current item */
  g_assert_true (lb_item_view_get_item (LB_ITEM_VIEW (lb_window_get_item_view (f->window)))
                 == current (f));
}

static void
test_hotkeys (Fixture       *f,
              gconstpointer  data)
{
  GtkEventController *keys = lb_window_get_key_controller (f->window);
  LbPanel *panel = LB_PANEL (lb_window_get_panel (f->window));
  g_autoptr(LbItem) after = NULL;
  gboolean handled = FALSE;
  gint64 id;

  id = lb_item_get_id (current (f));

  g_assert_true (lb_window_handle_hotkey (f->window, "2"));
  g_assert_false (lb_window_handle_hotkey (f->window, "9"));
  g_assert_false (lb_window_handle_hotkey (f->window, "x"));
  {
    g_auto(GStrv) picked = lb_panel_get_labels (panel);
    g_assert_cmpstr (picked[0], ==, "spam");
  }

  /* Typed keys: single-label, so 1 replaces 2; A (with Shift) picks Approve */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_1, 0, 0, &handled);
  g_assert_true (handled);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_A, 0, GDK_SHIFT_MASK, &handled);
  g_assert_true (handled);
  {
    g_auto(GStrv) picked = lb_panel_get_labels (panel);
    g_assert_cmpuint (g_strv_length (picked), ==, 1);
    g_assert_cmpstr (picked[0], ==, "ok");
    g_assert_cmpstr (lb_panel_get_decision (panel), ==, "approve");
  }

  /* In the note field, keys type text: no label is picked */
  act (f, "win.focus-note", NULL);
  handled = TRUE;
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_2, 0, 0, &handled);
  g_assert_false (handled);
  {
    g_auto(GStrv) picked = lb_panel_get_labels (panel);
    g_assert_cmpstr (picked[0], ==, "ok");
  }
  /* Escape leaves the note, Enter submits */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Escape, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_false (lb_panel_is_note_widget (panel, gtk_window_get_focus (GTK_WINDOW (f->window))));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_cmpint (lb_item_get_id (current (f)), !=, id);
  wait_until (f, lb_ui_test_nothing_pending);

  after = lb_test_get_item (f->store, id);
  g_assert_cmpstr (lb_item_get_labels (after)[0], ==, "ok");
  g_assert_cmpstr (lb_item_get_decision (after), ==, "approve");

  /* Space skips */
  id = lb_item_get_id (current (f));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_space, 0, 0, &handled);
  g_assert_true (handled);
  wait_until (f, lb_ui_test_nothing_pending);
  g_clear_object (&after);
  after = lb_test_get_item (f->store, id);
  g_assert_cmpint (lb_item_get_state (after), ==, LB_ITEM_STATE_SKIPPED);

  /* Enter in the note field (without Shift) submits */
  id = lb_item_get_id (current (f));
  act (f, "win.pick", "e");
  act (f, "win.focus-note", NULL);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
  g_assert_true (handled);
  wait_until (f, lb_ui_test_nothing_pending);
  g_clear_object (&after);
  after = lb_test_get_item (f->store, id);
  g_assert_cmpstr (lb_item_get_decision (after), ==, "escalate");
  g_assert_true (lb_item_get_flagged (after));
}

static GtkWidget *
find_toggle (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_TOGGLE_BUTTON (widget)
      && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_toggle (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
toggle_active (Fixture    *f,
               const char *label)
{
  GtkWidget *toggle = find_toggle (GTK_WIDGET (f->window), label);

  g_assert_nonnull (toggle);
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle));
}

static guint
queue_length (Fixture *f)
{
  return g_list_model_get_n_items (lb_window_get_queue (f->window));
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  gint64 escalated;
  g_autofree char *state = NULL;

  g_assert_cmpuint (queue_length (f), ==, 5);
  g_assert_true (toggle_active (f, "To Do"));
  g_assert_false (toggle_active (f, "All"));

  act (f, "win.pick", "1");
  act (f, "win.submit", NULL);
  escalated = lb_item_get_id (current (f));
  act (f, "win.pick", "decision:escalate");
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);

  g_assert_cmpuint (queue_length (f), ==, 3);
  /* The ids are read in a worker thread: the queue and the item shown stay
   * until they arrive */
  {
    gint64 shown = lb_item_get_id (current (f));

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.filter", "s",
                                               "done"));
    g_assert_true (lb_window_get_queue_loading (f->window));
    g_assert_cmpuint (queue_length (f), ==, 3);
    g_assert_cmpint (lb_item_get_id (current (f)), ==, shown);
    lb_ui_test_wait_queue (f->window);
  }
  g_assert_cmpuint (queue_length (f), ==, 2);
  g_object_get (f->window, "filter", &state, NULL);
  g_assert_cmpstr (state, ==, "done");
  act (f, "win.filter", "flagged");
  g_assert_cmpuint (queue_length (f), ==, 1);
  {
    g_autoptr(LbItem) flagged = queue_item (f, 0);
    g_assert_cmpint (lb_item_get_id (flagged), ==, escalated);
    /* The current item is one in the shown queue */
    g_assert_cmpint (lb_item_get_id (current (f)), ==, escalated);
  }
  act (f, "win.filter", "all");
  g_assert_cmpuint (queue_length (f), ==, 5);
  g_assert_true (toggle_active (f, "All"));
  g_assert_false (toggle_active (f, "To Do"));
  act (f, "win.filter", "todo");
  g_assert_cmpuint (queue_length (f), ==, 3);
}

static void
test_import_rejections (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, "manifest", NULL);
  g_autofree char *manifest = NULL;
  g_autoptr(GFile) file = NULL;
  const char * const *rejections;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "items.jsonl",
                      "{\"id\": \"t1\", \"text\": \"first\"}\n"
                      "{\"id\": \"t2\", \"image\": \"../outside.png\"}\n"
                      "{\"id\": \"t3\", \"text\": \"third\"}\n", -1);
  manifest = g_build_filename (dir, "items.jsonl", NULL);
  file = g_file_new_for_path (manifest);

  /* Dropped on the window, as from a file manager */
  {
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->window));
    GtkDropTarget *drop = NULL;
    GValue value = G_VALUE_INIT;
    GSList *files = g_slist_prepend (NULL, file);
    gboolean accepted = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);
        if (GTK_IS_DROP_TARGET (c))
          drop = GTK_DROP_TARGET (c);
      }
    g_assert_nonnull (drop);
    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_set_boxed (&value, files);
    g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &accepted);
    g_assert_true (accepted);
    g_value_unset (&value);
    g_slist_free (files);
  }
  g_assert_true (lb_window_get_importing (f->window));
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "import");
  wait_until (f, lb_ui_test_import_finished);

  g_assert_cmpstr (lb_window_get_page (f->window), ==, "work");
  g_assert_cmpstr (lb_window_get_title_text (f->window), ==, "items");
  lb_ui_test_assert_subtitle (f->window, "0 / 2 done");
  rejections = lb_window_get_rejections (f->window);
  g_assert_nonnull (rejections);
  g_assert_cmpuint (g_strv_length ((GStrv) rejections), ==, 1);
  g_assert_true (g_str_has_prefix (rejections[0], "items.jsonl:2: ")
                 || strstr (rejections[0], "items.jsonl:2:") != NULL);
  g_assert_cmpstr (lb_item_get_external_id (current (f)), ==, "t1");
}

static void
test_shortcuts_window (Fixture       *f,
                       gconstpointer  data)
{
  GtkShortcutsWindow *overlay =
    gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window));
  GtkWidget *spam;
  GtkWidget *reject;
  g_autofree char *accel = NULL;

  /* The shortcuts window lists the batch's own hotkeys besides the fixed keys */
  g_assert_nonnull (overlay);
  spam = lb_ui_test_find_shortcut (GTK_WIDGET (overlay), "Spam");
  g_assert_nonnull (spam);
  g_object_get (spam, "accelerator", &accel, NULL);
  g_assert_cmpstr (accel, ==, "2");
  reject = lb_ui_test_find_shortcut (GTK_WIDGET (overlay), "Reject");
  g_assert_nonnull (reject);
  g_assert_nonnull (lb_ui_test_find_shortcut (GTK_WIDGET (overlay), "Undo the last act"));
  g_assert_nonnull (lb_ui_test_find_shortcut (GTK_WIDGET (overlay), "Skip the item"));
}

static void
test_save_error (Fixture       *f,
                 gconstpointer  data)
{
  gint64 id = lb_item_get_id (current (f));

  /* The writer is gone (as if the disk went away): the act fails and the
   * header says so instead of "All changes saved" */
  lb_store_close (f->store);
  act (f, "win.pick", "1");
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);
  g_assert_true (g_str_has_prefix (lb_window_get_save_state (f->window), "Not saved: "));
  (void) id;
}

/* The first widget under root whose action is action_name, or NULL */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_store_actions_enabled (Fixture       *f,
                            gconstpointer  data)
{
  g_assert_true (gtk_widget_get_sensitive (find_actionable (GTK_WIDGET (f->window),
                                                            "win.open-folder")));
  g_assert_true (gtk_widget_get_sensitive (find_actionable (GTK_WIDGET (f->window),
                                                            "win.undo")));
}

static gboolean
item_view_failed (gpointer data)
{
  return lb_item_view_get_status (LB_ITEM_VIEW (data)) == LB_ITEM_VIEW_FAILED;
}

/* An image replaced by a link out of the batch folder after the import is
 * refused when shown, with a message naming the file. */
static gboolean
offers_locate (gpointer window)
{
  return lb_item_view_get_offers_locate (LB_ITEM_VIEW (lb_window_get_item_view (window)));
}

static gboolean
shows_current_image (gpointer window)
{
  return lb_ui_test_image_shown (window) && !offers_locate (window);
}

/* The batch's folder moved: an image item says its file is missing and
 * offers to locate the folder; once located, the item shows from there and
 * the store points at the new folder */
static void
test_locate_batch_folder (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *moved = g_build_filename (f->tmpdir, "comments moved", NULL);
  g_autofree char *empty = g_build_filename (f->tmpdir, "empty", NULL);
  g_autoptr(GFile) moved_file = g_file_new_for_path (moved);
  g_autoptr(GFile) empty_file = g_file_new_for_path (empty);
  g_autoptr(LbBatch) batch = NULL;
  LbWindow *window;
  gint64 image_id;

  g_assert_cmpint (g_rename (f->batch_dir, moved), ==, 0);
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);

  /* a window of its own: nothing of the batch decoded in its cache */
  window = lb_ui_test_new_window (f->store, "Tester");
  lb_ui_test_open_batch (window, f->batch_id);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next", NULL));
  image_id = lb_item_get_id (lb_window_get_current_item (window));
  g_assert_cmpstr (lb_item_get_external_id (lb_window_get_current_item (window)), ==,
                   "02-colour.png");
  lb_test_wait_until (offers_locate, window, WAIT_TIMEOUT_S);
  g_assert_nonnull (strstr (lb_item_view_get_error_message (
                              LB_ITEM_VIEW (lb_window_get_item_view (window))),
                            "02-colour.png"));

  /* a folder without the batch's images is refused, nothing changes */
  lb_window_relocate_batch (window, empty_file);
  {
    g_autofree char *refused = g_strdup_printf ("None of the batch’s images is in “%s” "
                                                "(2 looked for)", empty);

    lb_ui_test_wait_label (GTK_WIDGET (window), refused, WAIT_TIMEOUT_S);
  }
  batch = lb_store_get_batch (f->store, f->batch_id, NULL);
  g_assert_cmpstr (batch->root, ==, f->batch_dir);
  g_clear_pointer (&batch, lb_batch_free);

  lb_window_relocate_batch (window, moved_file);
  lb_test_wait_until (shows_current_image, window, WAIT_TIMEOUT_S);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (window)), ==, image_id);
  g_assert_true (g_str_has_prefix (lb_item_get_path (lb_window_get_current_item (window)),
                                   moved));
  batch = lb_store_get_batch (f->store, f->batch_id, NULL);
  g_assert_cmpstr (batch->root, ==, moved);
  g_clear_pointer (&batch, lb_batch_free);

  lb_ui_test_wait_queue (window);
  lb_test_wait_until (lb_ui_test_nothing_pending, window, WAIT_TIMEOUT_S);
  lb_ui_test_destroy_window (GTK_WINDOW (window));
}

static void
test_image_link_out_of_batch (void)
{
  g_autofree char *tmpdir = lb_test_make_tmpdir ("lb-test-window-link");
  g_autofree char *batch_dir = g_build_filename (tmpdir, "batch", NULL);
  g_autofree char *outside = g_build_filename (tmpdir, "outside.png", NULL);
  g_autofree char *image = g_build_filename (batch_dir, "02-image.png", NULL);
  g_autofree char *db = g_build_filename (tmpdir, "store.db", NULL);
  LbStore *store;
  LbWindow *window;
  GtkWidget *item_view;
  gint64 batch_id;

  lb_test_write_file (batch_dir, "01-text.txt", "A text before the image.", -1);
  g_free (lb_test_copy_pngsuite ("basn2c08.png", batch_dir, "02-image.png"));
  g_free (lb_test_copy_pngsuite ("basn0g08.png", tmpdir, "outside.png"));
  store = lb_test_open_store (db);
  batch_id = lb_test_import (store, batch_dir, NULL, 2);

  g_assert_cmpint (g_unlink (image), ==, 0);
  g_assert_cmpint (symlink (outside, image), ==, 0);

  window = g_object_ref (lb_window_new (NULL));
  lb_window_set_store (window, store);
  lb_window_set_actor (window, "Tester");
  lb_ui_test_open_batch (window, batch_id);
  gtk_window_present (GTK_WINDOW (window));
  lb_test_spin_for (50);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next", NULL));
  item_view = lb_window_get_item_view (window);
  lb_test_wait_until (item_view_failed, item_view, 10);
  g_assert_nonnull (strstr (lb_item_view_get_error_message (LB_ITEM_VIEW (item_view)),
                            "02-image.png"));
  g_assert_nonnull (strstr (lb_item_view_get_error_message (LB_ITEM_VIEW (item_view)),
                            "leaves the batch folder"));

  lb_ui_test_destroy_window (GTK_WINDOW (window));
  lb_store_close (store);
  g_object_unref (store);
  lb_test_remove_tree (tmpdir);
}

static void
test_store_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = g_dir_make_tmp ("lb-test-window-XXXXXX", &error);
  g_autofree char *db = g_build_filename (tmpdir, "broken.db", NULL);
  LbStore *store;
  LbWindow *window;

  g_assert_no_error (error);
  g_file_set_contents (db, "this is not an SQLite database, just some bytes\n"
                           "0123456789abcdef0123456789abcdef0123456789abcdef", -1, &error);
  g_assert_no_error (error);

  store = lb_store_open (db, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_null (store);
  g_assert_nonnull (error);

  window = lb_window_new (NULL);
  g_object_ref (window);
  lb_window_show_store_error (window, error);
  gtk_window_present (GTK_WINDOW (window));
  lb_test_spin_for (20);
  g_assert_cmpstr (lb_window_get_page (window), ==, "error");
  g_assert_cmpstr (lb_window_get_error_text (window), ==, error->message);

  /* Without a store, the header's open and undo buttons are greyed out */
  {
    GtkWidget *open_button = find_actionable (GTK_WIDGET (window), "win.open-folder");
    GtkWidget *undo_button = find_actionable (GTK_WIDGET (window), "win.undo");

    g_assert_nonnull (open_button);
    g_assert_nonnull (undo_button);
    g_assert_false (gtk_widget_get_sensitive (open_button));
    g_assert_false (gtk_widget_get_sensitive (undo_button));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);

  /* The damaged file was not overwritten */
  {
    g_autofree char *contents = NULL;
    g_file_get_contents (db, &contents, NULL, NULL);
    g_assert_true (g_str_has_prefix (contents, "this is not an SQLite database"));
  }
  g_unlink (db);
  g_rmdir (tmpdir);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

/* Lets the frame clock run a few frames so that styles and layout are current. */
static void
wait_frames (GtkWidget *widget,
             guint      n)
{
  guint ticks = 0;
  gboolean timed_out = FALSE;
  guint id = gtk_widget_add_tick_callback (widget, tick_cb, &ticks, NULL);
  guint timeout = g_timeout_add_seconds (5, timeout_cb, &timed_out);

  while (ticks < n && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  gtk_widget_remove_tick_callback (widget, id);
  if (!timed_out)
    g_source_remove (timeout);
}

/* Renders the window to $LB_SCREENSHOT_DIR/<name> when set. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("LB_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);

  if (dir == NULL || w <= 0 || h <= 0)
    return;
  wait_frames (widget, 3);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (dir, name, NULL);
  gdk_texture_save_to_png (texture, path);
  g_test_message ("screenshot: %s", path);
}

static gboolean
item_view_settled (gpointer window)
{
  LbItemViewStatus status =
    lb_item_view_get_status (LB_ITEM_VIEW (lb_window_get_item_view (LB_WINDOW (window))));

  return status == LB_ITEM_VIEW_READY || status == LB_ITEM_VIEW_FAILED;
}

static void
test_screenshot_run (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  /* What AdwApplication does for the real app */
  gtk_css_provider_load_from_resource (css, RESOURCE_PREFIX "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);


  /* Label the first text, land on the colour image, show it */
  act (f, "win.pick", "2");
  act (f, "win.submit", NULL);
  wait_until (f, lb_ui_test_nothing_pending);
  g_assert_cmpuint (lb_item_get_kind (current (f)), ==, LB_ITEM_KIND_IMAGE);
  wait_until (f, item_view_settled);
  g_assert_cmpint (lb_item_view_get_status (LB_ITEM_VIEW (lb_window_get_item_view (f->window))),
                   ==, LB_ITEM_VIEW_READY);
  lb_test_spin_for (100);
  save_screenshot (GTK_WIDGET (f->window), "window-image.png");

  /* The Chinese text */
  act (f, "win.filter", "all");
  act (f, "win.next", NULL);
  act (f, "win.next", NULL);
  act (f, "win.next", NULL);
  g_assert_cmpstr (lb_item_get_text (current (f)), ==,
                   "这个评论包含广告链接，请审核。");
  act (f, "win.pick", "decision:reject");
  act (f, "win.pick", "1");
  wait_until (f, item_view_settled);
  lb_test_spin_for (100);
  save_screenshot (GTK_WIDGET (f->window), "window-text.png");
  gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                 GTK_STYLE_PROVIDER (css));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/ui/window/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("label-submit-advance", test_label_submit_advance);
  ADD ("needs-reason", test_needs_reason);
  ADD ("note", test_note);
  ADD ("skip", test_skip);
  ADD ("undo", test_undo);
  ADD ("navigation-keys", test_navigation_keys);
  ADD ("hotkeys", test_hotkeys);
  ADD ("filters", test_filters);
  ADD ("import-rejections", test_import_rejections);
  ADD ("screenshot-run", test_screenshot_run);
  ADD ("shortcuts-window", test_shortcuts_window);
  ADD ("save-error", test_save_error);
  ADD ("store-actions-enabled", test_store_actions_enabled);
  g_test_add_func ("/ui/window/store-error", test_store_error);
  g_test_add_func ("/ui/window/image-link-out-of-batch", test_image_link_out_of_batch);
  g_test_add ("/ui/window/locate-batch-folder", Fixture, NULL, fixture_set_up,
              test_locate_batch_folder, fixture_tear_down);

  return g_test_run ();
}
