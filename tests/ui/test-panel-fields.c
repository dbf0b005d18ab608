/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-panel-fields"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-import.h"
#include "lb-panel.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* The panel's multi-label check boxes and answer fields, and opening a
 * folder with a Label Studio labeling config, through the real window:
 * keys go through the window's key controller, text is inserted into the
 * real entry and text view, submits go to the store, and the store is
 * checked afterwards. */

#define WAIT_TIMEOUT_S 20

static const char schema_json[] =
  "{\"name\": \"Tagging\", \"multi_label\": true,\n"
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\", \"hotkey\": \"1\", \"color\": \"#e01b24\"},\n"
  "            {\"id\": \"indoor\", \"title\": \"Indoor\", \"hotkey\": \"2\","
  " \"color\": \"#3584e4\"},\n"
  "            {\"id\": \"blurry\", \"title\": \"Blurry\", \"hotkey\": \"3\","
  " \"color\": \"#9141ac\"}],\n"
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"},\n"
  "               {\"id\": \"escalate\", \"title\": \"Escalate\", \"hotkey\": \"e\"}],\n"
  " \"fields\": [{\"id\": \"caption\", \"title\": \"Caption\"},\n"
  "            {\"id\": \"transcript\", \"title\": \"Text in the picture\","
  " \"multiline\": true}]}\n";

typedef struct {
  char               *tmpdir;
  char               *batch_dir;
  LbStore            *store;
  LbWindow           *window;
  LbPanel            *panel;
  GtkEventController *keys;
} Fixture;

static void
wait_until (Fixture         *f,
            LbTestCondition  cond)
{
  lb_test_wait_until (cond, f->window, WAIT_TIMEOUT_S);
}

/* Types TEXT into EDITOR (a GtkEntry or a GtkTextView) with the focus in
 * it: each character goes to the window's key controller first, which must
 * leave it to the field, then into the field at the cursor. */
static void
type_into (Fixture    *f,
           GtkWidget  *editor,
           const char *text)
{
  GtkWidget *target = GTK_IS_ENTRY (editor) ? GTK_WIDGET (gtk_editable_get_delegate (
                                                GTK_EDITABLE (editor)))
                                            : editor;

  gtk_widget_grab_focus (editor);
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == target);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char buf[8] = { 0 };

      g_unichar_to_utf8 (c, buf);
      if (c == '\n')
        g_assert_false (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
      else
        g_assert_false (lb_ui_test_press_key (f->keys, gdk_unicode_to_keyval (c), 0));
      g_signal_emit_by_name (target, "insert-at-cursor", buf);
    }
}

/* The field's own Ctrl+Enter handler (it runs after the window's) */
static gboolean
press_ctrl_enter_in (Fixture   *f,
                     GtkWidget *editor)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (editor);
  gboolean handled = FALSE;

  g_assert_false (lb_ui_test_press_key (f->keys, GDK_KEY_Return, GDK_CONTROL_MASK));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c)
          && gtk_event_controller_get_propagation_phase (c) == GTK_PHASE_CAPTURE)
        {
          g_signal_emit_by_name (c, "key-pressed", GDK_KEY_Return, 0, GDK_CONTROL_MASK, &handled);
          if (handled)
            break;
        }
    }
  return handled;
}

static char *
editor_text (GtkWidget *editor)
{
  if (GTK_IS_TEXT_VIEW (editor))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (editor)));
}

static void
open_window (Fixture *f)
{
  f->window = lb_ui_test_new_window (f->store, "Tester");
  f->panel = LB_PANEL (lb_window_get_panel (f->window));
  f->keys = lb_window_get_key_controller (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;

  f->tmpdir = lb_test_make_tmpdir ("lb-test-panel-fields");
  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  open_window (f);
}

/* A batch like the demo: pictures and texts, with the tagging schema */
static gint64
import_tagging_batch (Fixture *f)
{
  gint64 batch_id;

  f->batch_dir = g_build_filename (f->tmpdir, "tagging", NULL);
  g_assert_cmpint (g_mkdir (f->batch_dir, 0700), ==, 0);
  lb_test_write_file (f->batch_dir, "schema.json", schema_json, -1);
  lb_ui_test_copy_demo ("images/01-cat.png", f->batch_dir, "01-cat.png");
  lb_ui_test_copy_demo ("images/02-coffee.png", f->batch_dir, "02-coffee.png");
  lb_ui_test_copy_demo ("texts/01-en-friendly-comment.txt", f->batch_dir,
                        "03-comment.txt");
  batch_id = lb_test_import (f->store, f->batch_dir, NULL, 3);
  lb_ui_test_open_batch (f->window, batch_id);
  /* all items stay in the queue, so that K goes back to a submitted one */
  g_object_set (f->window, "filter", "all", NULL);
  lb_ui_test_wait_queue (f->window);
  lb_test_spin_for (100);
  return batch_id;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GList *toplevels;

  wait_until (f, lb_ui_test_nothing_pending);
  /* dialogs the import left open */
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free (toplevels);
  lb_ui_test_destroy_window (GTK_WINDOW (f->window));
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->batch_dir);
}

static LbItem *
stored (Fixture *f,
        gint64   item_id)
{
  return lb_test_get_item (f->store, item_id);
}

static void
test_single_label_buttons (void)
{
  g_autoptr(LbSchema) schema = lb_schema_new_default ();
  GtkWidget *panel = g_object_ref_sink (lb_panel_new ());
  const LbSchemaLabel *first;

  g_assert_false (lb_schema_get_multi_label (schema));
  lb_panel_set_schema (LB_PANEL (panel), schema);
  first = lb_schema_get_label (schema, 0);
  /* single-label schemas keep the toggle buttons */
  g_assert_true (GTK_IS_TOGGLE_BUTTON (lb_panel_get_label_button (LB_PANEL (panel), first->id)));
  g_assert_false (GTK_IS_CHECK_BUTTON (lb_panel_get_label_button (LB_PANEL (panel), first->id)));
  g_assert_null (lb_panel_get_field_editor (LB_PANEL (panel), "caption"));
  g_object_unref (panel);
}

static LbItem *
make_item (LbItemKind  kind,
           const char *external_id)
{
  static const char * const no_labels[] = { NULL };
  LbItemFields fields = {
    .id = 1, .batch_id = 1, .batch_name = "b", .external_id = external_id, .kind = kind,
    .path = kind == LB_ITEM_KIND_IMAGE ? "/tmp/x.png" : NULL,
    .relative_path = kind == LB_ITEM_KIND_IMAGE ? "x.png" : NULL,
    .text = kind == LB_ITEM_KIND_TEXT ? "a text" : NULL,
    .meta_json = "{}", .content_hash = "", .state = LB_ITEM_STATE_TODO, .labels = no_labels,
  };

  return lb_item_new (&fields);
}

/* The region tools show for images only */
static void
test_tools_for_images (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = lb_schema_new_from_data (
    "{\"tools\": [\"class\", \"box\", \"span\"], \"labels\": [{\"id\": \"cat\"}]}",
    -1, "schema.json", &error);
  g_autoptr(LbItem) image = make_item (LB_ITEM_KIND_IMAGE, "x.png");
  g_autoptr(LbItem) text = make_item (LB_ITEM_KIND_TEXT, "t.txt");
  GtkWidget *panel = g_object_ref_sink (lb_panel_new ());

  g_assert_no_error (error);
  lb_panel_set_schema (LB_PANEL (panel), schema);
  lb_panel_reset (LB_PANEL (panel), image);
  g_assert_true (lb_panel_get_tools_shown (LB_PANEL (panel)));
  lb_panel_reset (LB_PANEL (panel), text);
  g_assert_false (lb_panel_get_tools_shown (LB_PANEL (panel)));
  lb_panel_reset (LB_PANEL (panel), image);
  g_assert_true (lb_panel_get_tools_shown (LB_PANEL (panel)));
  g_object_unref (panel);
}

static void
test_multi_label (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *cat, *indoor, *blurry;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) saved = NULL;
  g_auto(GStrv) labels = NULL;
  gint64 id;

  import_tagging_batch (f);
  item = g_object_ref (lb_window_get_current_item (f->window));
  id = lb_item_get_id (item);

  cat = lb_panel_get_label_button (f->panel, "cat");
  indoor = lb_panel_get_label_button (f->panel, "indoor");
  blurry = lb_panel_get_label_button (f->panel, "blurry");
  g_assert_true (GTK_IS_CHECK_BUTTON (cat));
  g_assert_true (GTK_IS_CHECK_BUTTON (blurry));

  /* hotkeys toggle the check boxes, several at once */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_1, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_3, 0));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (cat)));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (indoor)));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (blurry)));
  /* a click on one toggles it on, a second click off again */
  gtk_widget_activate (indoor);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (indoor)));
  gtk_widget_activate (indoor);
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (indoor)));
  /* the hotkey once more: off */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_3, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_3, 0));
  labels = lb_panel_get_labels (f->panel);
  g_assert_cmpuint (g_strv_length (labels), ==, 2);

  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
  wait_until (f, lb_ui_test_nothing_pending);
  saved = stored (f, id);
  g_assert_cmpint (lb_item_get_state (saved), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpuint (g_strv_length ((GStrv) lb_item_get_labels (saved)), ==, 2);
  g_assert_cmpstr (lb_item_get_labels (saved)[0], ==, "cat");
  g_assert_cmpstr (lb_item_get_labels (saved)[1], ==, "blurry");
  /* on to the next item, its boxes clear */
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), !=, id);
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (cat)));

  /* back: the saved labels are ticked */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_k, 0));
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (cat)));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (blurry)));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (indoor)));
}

static void
test_answers (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *caption, *transcript;
  g_autoptr(LbItem) first = NULL;
  g_autoptr(LbItem) second = NULL;
  g_autoptr(LbItem) saved = NULL;
  g_auto(GStrv) labels = NULL;
  g_autofree char *shown = NULL;
  gint64 id1, id2;

  import_tagging_batch (f);
  first = g_object_ref (lb_window_get_current_item (f->window));
  id1 = lb_item_get_id (first);

  caption = lb_panel_get_field_editor (f->panel, "caption");
  transcript = lb_panel_get_field_editor (f->panel, "transcript");
  g_assert_true (GTK_IS_ENTRY (caption));
  g_assert_true (GTK_IS_TEXT_VIEW (transcript));
  g_assert_true (gtk_widget_get_mapped (caption));
  g_assert_true (gtk_widget_get_mapped (transcript));

  /* the hotkeys 1, 2, 3, a and e typed into the fields stay text */
  type_into (f, caption, "A cat 1 2 3, ae");
  type_into (f, transcript, "EXIT 12\n出口 3");
  labels = lb_panel_get_labels (f->panel);
  g_assert_cmpuint (g_strv_length (labels), ==, 0);
  g_assert_null (lb_panel_get_decision (f->panel));
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id1);

  /* Enter in the single-line field submits: both answers are saved */
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (caption)), "activate");
  wait_until (f, lb_ui_test_nothing_pending);
  g_assert_cmpstr (lb_window_get_save_state (f->window), ==, "All changes saved");
  saved = stored (f, id1);
  g_assert_cmpstr (lb_item_get_answer (saved, "caption"), ==, "A cat 1 2 3, ae");
  g_assert_cmpstr (lb_item_get_answer (saved, "transcript"), ==, "EXIT 12\n出口 3");
  g_assert_cmpint (lb_item_get_state (saved), ==, LB_ITEM_STATE_DONE);
  g_clear_object (&saved);

  /* the next item: empty fields; Ctrl+Enter in the multi-line field
   * submits, with a label picked by its hotkey */
  second = g_object_ref (lb_window_get_current_item (f->window));
  id2 = lb_item_get_id (second);
  g_assert_cmpint (id2, !=, id1);
  shown = editor_text (caption);
  g_assert_cmpstr (shown, ==, "");
  g_clear_pointer (&shown, g_free);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  type_into (f, transcript, "line one\nline two");
  g_assert_true (press_ctrl_enter_in (f, transcript));
  wait_until (f, lb_ui_test_nothing_pending);
  saved = stored (f, id2);
  g_assert_cmpstr (lb_item_get_answer (saved, "transcript"), ==, "line one\nline two");
  g_assert_null (lb_item_get_answer (saved, "caption"));
  g_assert_cmpstr (lb_item_get_labels (saved)[0], ==, "indoor");
  g_clear_object (&saved);

  /* back to the first: its saved answers fill the fields */
  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_k, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_k, 0));
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id1);
  shown = editor_text (caption);
  g_assert_cmpstr (shown, ==, "A cat 1 2 3, ae");
  g_clear_pointer (&shown, g_free);
  shown = editor_text (transcript);
  g_assert_cmpstr (shown, ==, "EXIT 12\n出口 3");
  g_clear_pointer (&shown, g_free);
  g_assert_nonnull (strstr (lb_panel_get_saved_text (f->panel), "Caption"));

  if (g_getenv ("LB_PANEL_SHOT_WAIT") != NULL)
    {
      /* For a screenshot: labels ticked, both fields filled */
      g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_1, 0));
      g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_3, 0));
      lb_test_spin_for (1000 * atoi (g_getenv ("LB_PANEL_SHOT_WAIT")));
    }

  /* the shortcuts window tells how a multi-line answer is submitted */
  {
    GtkShortcutsWindow *overlay =
      gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window));
    GtkWidget *shortcut;
    g_autofree char *accel = NULL;

    g_assert_nonnull (overlay);
    shortcut = lb_ui_test_find_shortcut (GTK_WIDGET (overlay), "Submit from a multi-line answer");
    g_assert_nonnull (shortcut);
    g_object_get (shortcut, "accelerator", &accel, NULL);
    g_assert_cmpstr (accel, ==, "<ctrl>Return");
  }

  /* clearing a field clears the answer; the other stays */
  gtk_editable_set_text (GTK_EDITABLE (caption), "");
  gtk_widget_grab_focus (caption);
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (caption)), "activate");
  wait_until (f, lb_ui_test_nothing_pending);
  saved = stored (f, id1);
  g_assert_null (lb_item_get_answer (saved, "caption"));
  g_assert_cmpstr (lb_item_get_answer (saved, "transcript"), ==, "EXIT 12\n出口 3");
}

/* A label and answers submitted together are one act: one Ctrl+Z takes
 * them all back */
static void
test_answers_undo (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(LbItem) saved = NULL;
  gint64 id1;

  import_tagging_batch (f);
  id1 = lb_item_get_id (lb_window_get_current_item (f->window));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  type_into (f, lb_panel_get_field_editor (f->panel, "caption"), "A kitchen");
  type_into (f, lb_panel_get_field_editor (f->panel, "transcript"), "EXIT");
  g_assert_true (press_ctrl_enter_in (f, lb_panel_get_field_editor (f->panel, "transcript")));
  wait_until (f, lb_ui_test_nothing_pending);
  saved = stored (f, id1);
  g_assert_cmpstr (lb_item_get_labels (saved)[0], ==, "indoor");
  g_assert_cmpstr (lb_item_get_answer (saved, "caption"), ==, "A kitchen");
  g_assert_cmpstr (lb_item_get_answer (saved, "transcript"), ==, "EXIT");
  g_clear_object (&saved);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  wait_until (f, lb_ui_test_nothing_pending);
  saved = stored (f, id1);
  g_assert_null (lb_item_get_labels (saved)[0]);
  g_assert_null (lb_item_get_answer (saved, "caption"));
  g_assert_null (lb_item_get_answer (saved, "transcript"));
  g_assert_cmpint (lb_item_get_state (saved), ==, LB_ITEM_STATE_TODO);
}

/* An answer whose act fails is not lost: it comes back in its field */
static void
test_answer_error (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *caption;
  gint64 id1;
  g_autofree char *shown = NULL;

  import_tagging_batch (f);
  id1 = lb_item_get_id (lb_window_get_current_item (f->window));
  caption = lb_panel_get_field_editor (f->panel, "caption");
  type_into (f, caption, "Tabby on a sofa");

  /* the writer is gone (as if the disk went away) */
  lb_store_close (f->store);
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (caption)), "activate");
  wait_until (f, lb_ui_test_nothing_pending);
  g_assert_true (g_str_has_prefix (lb_window_get_save_state (f->window), "Not saved: "));
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), !=, id1);

  /* back on the item: the text is in the field again, to submit again */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_k, 0));
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id1);
  shown = editor_text (caption);
  g_assert_cmpstr (shown, ==, "Tabby on a sofa");
  g_assert_true (lb_panel_get_dirty (f->panel));
}

static AdwMessageDialog *
find_dialog (const char *heading)
{
  GList *toplevels = gtk_window_list_toplevels ();
  AdwMessageDialog *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data)
        && g_strcmp0 (adw_message_dialog_get_heading (l->data), heading) == 0)
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static char *
fixture_path (const char *dir,
              const char *name)
{
  const char *fixtures = g_getenv ("LB_FIXTURES_DIR");

  g_assert_nonnull (fixtures);
  return g_build_filename (fixtures, dir, name, NULL);
}

static void
test_config_import (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *config_path = fixture_path ("label-config", "text-classification-multiple.xml");
  g_autofree char *dir = g_build_filename (f->tmpdir, "reviews", NULL);
  g_autoptr(GFile) config = g_file_new_for_path (config_path);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *notes;
  AdwMessageDialog *dialog;
  GtkWidget *view;
  g_autofree char *listed = NULL;
  GtkTextIter start, end;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "01.txt", "Great service, thank you!", -1);
  lb_test_write_file (dir, "02.txt", "Never again.", -1);
  /* a schema.json beside the texts loses to the config that was chosen */
  lb_test_write_file (dir, "schema.json", schema_json, -1);

  lb_window_import_with_config (f->window, folder, config);
  g_assert_true (lb_window_get_importing (f->window));
  wait_until (f, lb_ui_test_import_finished);
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "work");

  /* the batch's schema is the translated config */
  schema = lb_store_get_batch_schema (f->store, lb_window_get_batch_id (f->window), &error);
  g_assert_no_error (error);
  g_assert_true (lb_schema_get_multi_label (schema));
  g_assert_nonnull (lb_schema_find_label (schema, "Positive"));
  g_assert_null (lb_schema_find_label (schema, "cat"));
  g_assert_nonnull (lb_schema_find_field (schema, "comment"));

  /* the untranslated <Header> is listed apart from rejected items */
  notes = lb_window_get_import_notes (f->window);
  g_assert_nonnull (notes);
  g_assert_cmpuint (g_strv_length ((GStrv) notes), ==, 1);
  g_assert_cmpstr (notes[0], ==,
                   "text-classification-multiple.xml:4: <Header> not supported: Labelbench has "
                   "no such tool");
  g_assert_null (lb_window_get_rejections (f->window));
  dialog = find_dialog ("Label Config Partly Translated");
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                            "text-classification-multiple.xml"));
  view = gtk_scrolled_window_get_child (
    GTK_SCROLLED_WINDOW (adw_message_dialog_get_extra_child (dialog)));
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), &start, &end);
  listed = gtk_text_iter_get_text (&start, &end);
  g_assert_nonnull (strstr (listed, "<Header> not supported"));
  if (g_getenv ("LB_PANEL_SHOT_WAIT") != NULL)
    lb_test_spin_for (1000 * atoi (g_getenv ("LB_PANEL_SHOT_WAIT")));

  /* the panel shows the config's labels as check boxes, its text area */
  g_assert_true (GTK_IS_CHECK_BUTTON (lb_panel_get_label_button (f->panel, "Positive")));
  g_assert_true (GTK_IS_TEXT_VIEW (lb_panel_get_field_editor (f->panel, "comment")));
}

static void
test_config_broken (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *config_path = fixture_path ("label-config", "malformed.xml");
  g_autofree char *dir = g_build_filename (f->tmpdir, "reviews", NULL);
  g_autoptr(GFile) config = g_file_new_for_path (config_path);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GPtrArray) batches = NULL;
  AdwMessageDialog *dialog;
  const char *body;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "01.txt", "Great service, thank you!", -1);

  lb_window_import_with_config (f->window, folder, config);
  wait_until (f, lb_ui_test_import_finished);
  g_assert_cmpstr (lb_window_get_page (f->window), ==, "welcome");
  batches = lb_store_list_batches (f->store, NULL);
  g_assert_cmpuint (batches->len, ==, 0);
  g_assert_null (lb_window_get_import_notes (f->window));

  /* the dialog names the file and the line */
  dialog = find_dialog ("Label Config Not Usable");
  g_assert_nonnull (dialog);
  body = adw_message_dialog_get_body (dialog);
  g_assert_nonnull (strstr (body, "malformed.xml:5:"));
}

static void
test_config_json (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, "reviews", NULL);
  g_autofree char *config_path = NULL;
  g_autoptr(GFile) config = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(LbSchema) schema = NULL;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "01.txt", "Great service, thank you!", -1);
  lb_test_write_file (f->tmpdir, "tagging.json", schema_json, -1);
  config_path = g_build_filename (f->tmpdir, "tagging.json", NULL);
  config = g_file_new_for_path (config_path);

  lb_window_import_with_config (f->window, folder, config);
  wait_until (f, lb_ui_test_import_finished);
  schema = lb_store_get_batch_schema (f->store, lb_window_get_batch_id (f->window), NULL);
  g_assert_nonnull (schema);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Tagging");
  g_assert_null (lb_window_get_import_notes (f->window));
  g_assert_null (find_dialog ("Label Config Partly Translated"));
}

/* Pre-annotations (item meta "_predictions"): the bar and its Accept */
static void
test_predictions (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, "predicted", NULL);
  g_autofree char *manifest = NULL;
  g_autofree char *schema_path = NULL;
  LbImportOptions options = { NULL, NULL };
  g_autoptr(LbItem) saved = NULL;
  LbItem *current;
  gint64 batch_id, id;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  lb_test_write_file (dir, "tagging.json", schema_json, -1);
  lb_test_write_file (dir, "items.jsonl",
                      "{\"id\": \"p1\", \"text\": \"A cat on a blurry photo\", \"meta\": "
                      "{\"_predictions\": {\"model\": \"model-x\", \"score\": 0.9,"
                      " \"labels\": [\"cat\", \"blurry\"],"
                      " \"answers\": {\"caption\": \"A cat\"}}}}\n"
                      "{\"id\": \"p2\", \"text\": \"Nothing proposed here\"}\n", -1);
  manifest = g_build_filename (dir, "items.jsonl", NULL);
  schema_path = g_build_filename (dir, "tagging.json", NULL);
  options.schema_path = schema_path;
  batch_id = lb_test_import (f->store, manifest, &options, 2);
  lb_ui_test_open_batch (f->window, batch_id);
  g_object_set (f->window, "filter", "all", NULL);
  lb_ui_test_wait_queue (f->window);
  lb_test_spin_for (50);

  current = lb_window_get_current_item (f->window);
  id = lb_item_get_id (current);
  g_assert_cmpstr (lb_item_get_external_id (current), ==, "p1");
  g_assert_nonnull (lb_panel_get_predictions_text (f->panel));
  g_assert_nonnull (strstr (lb_panel_get_predictions_text (f->panel), "model-x"));
  g_assert_cmpint (lb_panel_get_predictions_state (f->panel), ==, LB_PANEL_PREDICTIONS_OFFERED);
  if (g_getenv ("LB_PANEL_SHOT_OFFERED") != NULL)
    lb_test_spin_for (1000 * atoi (g_getenv ("LB_PANEL_SHOT_OFFERED")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.accept-predictions",
                                             NULL));
  wait_until (f, lb_ui_test_nothing_pending);
  lb_test_spin_for (20);
  saved = stored (f, id);
  g_assert_cmpuint (g_strv_length ((GStrv) lb_item_get_labels (saved)), ==, 2);
  g_assert_cmpstr (lb_item_get_labels (saved)[0], ==, "cat");
  g_assert_cmpstr (lb_item_get_answer (saved, "caption"), ==, "A cat");
  g_assert_cmpstr (lb_item_get_last_actor (saved), ==, "Tester");
  /* the panel shows them as the item's own now, the bar says so */
  g_assert_true (gtk_check_button_get_active (
                   GTK_CHECK_BUTTON (lb_panel_get_label_button (f->panel, "cat"))));
  {
    g_autofree char *caption = lb_panel_get_answer (f->panel, "caption");
    g_assert_cmpstr (caption, ==, "A cat");
  }
  g_assert_nonnull (lb_panel_get_predictions_text (f->panel));
  g_assert_cmpint (lb_panel_get_predictions_state (f->panel), ==, LB_PANEL_PREDICTIONS_ACCEPTED);

  if (g_getenv ("LB_PANEL_SHOT_WAIT") != NULL)
    lb_test_spin_for (1000 * atoi (g_getenv ("LB_PANEL_SHOT_WAIT")));

  /* an item without pre-annotations has no bar */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_j, 0));
  g_assert_cmpstr (lb_item_get_external_id (lb_window_get_current_item (f->window)), ==, "p2");
  g_assert_null (lb_panel_get_predictions_text (f->panel));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/panel-fields/single-label", test_single_label_buttons);
  g_test_add_func ("/ui/panel-fields/tools-for-images", test_tools_for_images);
  g_test_add ("/ui/panel-fields/multi-label", Fixture, NULL,
              fixture_set_up, test_multi_label, fixture_tear_down);
  g_test_add ("/ui/panel-fields/answers", Fixture, NULL,
              fixture_set_up, test_answers, fixture_tear_down);
  g_test_add ("/ui/panel-fields/answers-undo", Fixture, NULL,
              fixture_set_up, test_answers_undo, fixture_tear_down);
  g_test_add ("/ui/panel-fields/answer-error", Fixture, NULL,
              fixture_set_up, test_answer_error, fixture_tear_down);
  g_test_add ("/ui/panel-fields/config-import", Fixture, NULL,
              fixture_set_up, test_config_import, fixture_tear_down);
  g_test_add ("/ui/panel-fields/config-broken", Fixture, NULL,
              fixture_set_up, test_config_broken, fixture_tear_down);
  g_test_add ("/ui/panel-fields/config-json", Fixture, NULL,
              fixture_set_up, test_config_json, fixture_tear_down);
  g_test_add ("/ui/panel-fields/predictions", Fixture, NULL,
              fixture_set_up, test_predictions, fixture_tear_down);
  return g_test_run ();
}
