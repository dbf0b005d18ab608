/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-spans-ui"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-import.h"
#include "lb-item-view.h"
#include "lb-panel.h"
#include "lb-schema.h"
#include "lb-store.h"
#include "lb-text-view.h"
#include "lb-window.h"
#include "lb-test-support.h"
#include "lb-ui-test-support.h"

/* Text spans in the real window: text selected with Shift+arrows through
 * the window's keys (the caret moves by what the text view's own bindings
 * do, one grapheme at a time), a label's hotkey marks it; the store holds
 * code-point and byte offsets that are right after an emoji and a combining
 * mark; overlapping spans nest, or are refused when the schema says so;
 * click and Tab select, Delete removes, undo and redo repaint. */

#define WAIT_TIMEOUT_S 20

/* An emoji (one code point, four bytes) and e + U+0301 (two code points,
 * one grapheme) before the names */
static const char zh_text[] =
  "表情😀和e\xcc\x81之后：北京大学的张伟教授昨天访问了上海，"
  "与复旦大学的李娜讨论了人工智能。";
static const char en_text[] = "Alice met Bob in Paris last spring.";

static const char schema_overlap_json[] =
  "{\"name\": \"spans\", \"tools\": [\"class\", \"span\", \"note\"],"
  " \"labels\": [{\"id\": \"org\", \"title\": \"机构 Org\", \"hotkey\": \"1\","
  "               \"color\": \"#e01b24\"},"
  "              {\"id\": \"place\", \"title\": \"地点 Place\", \"hotkey\": \"2\","
  "               \"color\": \"#3584e4\"}]}";

static const char schema_exclusive_json[] =
  "{\"name\": \"spans\", \"tools\": [\"span\"], \"overlapping_spans\": false,"
  " \"labels\": [{\"id\": \"org\", \"title\": \"机构 Org\", \"hotkey\": \"1\","
  "               \"color\": \"#e01b24\"},"
  "              {\"id\": \"place\", \"title\": \"地点 Place\", \"hotkey\": \"2\","
  "               \"color\": \"#3584e4\"}]}";

typedef struct {
  char               *tmpdir;
  LbStore            *store;
  LbWindow           *window;
  LbTextView         *text;
  GtkEventController *keys;
  gint64              item_id;
} Fixture;

static gboolean
text_shown (gpointer data)
{
  Fixture *f = data;

  return lb_item_view_get_showing_text (LB_ITEM_VIEW (lb_window_get_item_view (f->window)))
         && gtk_widget_get_mapped (GTK_WIDGET (f->text));
}

static void
set_up (Fixture    *f,
        const char *schema_json)
{
  g_autofree char *db = NULL;
  g_autofree char *batch = NULL;
  gint64 batch_id;

  f->tmpdir = lb_test_make_tmpdir ("lb-test-spans");
  batch = g_build_filename (f->tmpdir, "texts", NULL);
  g_assert_cmpint (g_mkdir (batch, 0700), ==, 0);
  lb_test_write_file (batch, "01-zh.txt", zh_text, -1);
  lb_test_write_file (batch, "02-en.txt", en_text, -1);
  lb_test_write_file (batch, "schema.json", schema_json, -1);

  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  batch_id = lb_test_import (f->store, batch, NULL, 2);

  f->window = lb_ui_test_new_window (f->store, "Tester");
  f->text = lb_item_view_get_text_view (LB_ITEM_VIEW (lb_window_get_item_view (f->window)));
  lb_ui_test_open_batch (f->window, batch_id);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_wait_until (text_shown, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (100);

  f->keys = lb_window_get_key_controller (f->window);
  f->item_id = lb_item_get_id (lb_window_get_current_item (f->window));
  g_assert_cmpstr (lb_item_get_text (lb_window_get_current_item (f->window)), ==, zh_text);
  g_assert_true (lb_text_view_get_span_mode (f->text));
}

static void
tear_down (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  lb_test_spin_for (20);
  g_clear_object (&f->window);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static void
press_keys (Fixture        *f,
            guint           keyval,
            GdkModifierType state,
            guint           times)
{
  for (guint i = 0; i < times; i++)
    g_assert_true (lb_ui_test_press_key (f->keys, keyval, state));
}

/* What the store holds for the item */
static LbItem *
stored (Fixture *f)
{
  lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
  return lb_test_get_item (f->store, f->item_id);
}

static gint64
cp_offset (const char *text,
           const char *part)
{
  const char *at = strstr (text, part);

  g_assert_nonnull (at);
  return g_utf8_pointer_to_offset (text, at);
}

static gint64
byte_offset (const char *text,
             const char *part)
{
  const char *at = strstr (text, part);

  g_assert_nonnull (at);
  return at - text;
}

static void
assert_span (const LbSpan *span,
             const char   *label,
             const char   *text,
             const char   *part)
{
  g_assert_nonnull (span);
  g_assert_cmpstr (span->label, ==, label);
  g_assert_cmpint (span->start, ==, cp_offset (text, part));
  g_assert_cmpint (span->end, ==, cp_offset (text, part) + g_utf8_strlen (part, -1));
  g_assert_cmpint (span->start_byte, ==, byte_offset (text, part));
  g_assert_cmpint (span->end_byte, ==, byte_offset (text, part) + (gint64) strlen (part));
  g_assert_cmpstr (span->text, ==, part);
}

/* Widget coordinates of the middle of the character at OFFSET */
static void
char_point (Fixture *f,
            gint64   offset,
            double  *x,
            double  *y)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (f->text));
  GtkTextIter iter;
  GdkRectangle rect;
  int wx, wy;

  gtk_text_buffer_get_iter_at_offset (buffer, &iter, (int) offset);
  gtk_text_view_get_iter_location (GTK_TEXT_VIEW (f->text), &iter, &rect);
  gtk_text_view_buffer_to_window_coords (GTK_TEXT_VIEW (f->text), GTK_TEXT_WINDOW_WIDGET,
                                         rect.x + rect.width / 2, rect.y + rect.height / 2,
                                         &wx, &wy);
  *x = wx;
  *y = wy;
}

static void
click_char (Fixture *f,
            gint64   offset)
{
  double x, y;

  char_point (f, offset, &x, &y);
  lb_text_view_select_at (f->text, x, y);
}

static void
test_mark_cjk (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  g_auto(GStrv) labels = NULL;
  g_autofree char *outer = NULL;
  g_autofree char *inner = NULL;
  gint64 start, end;

  set_up (f, schema_overlap_json);

  /* Right: one press per grapheme (表 情 😀 和 é 之 后 ：), then Shift+Right
   * four times selects 北京大学; the view takes the focus for its caret */
  press_keys (f, GDK_KEY_Right, 0, 8);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (f->text)));
  press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 4);
  g_assert_true (lb_text_view_get_text_selection (f->text, &start, &end));
  g_assert_cmpint (start, ==, cp_offset (zh_text, "北京大学"));
  g_assert_cmpint (start, ==, 9);
  g_assert_cmpint (end, ==, 13);

  /* The label's hotkey marks it */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_1, 0));
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 1);
  assert_span (lb_item_get_span (item, 0), "org", zh_text, "北京大学");
  g_assert_cmpint (lb_item_get_span (item, 0)->start_byte, ==, 25);
  outer = g_strdup (lb_item_get_span (item, 0)->id);
  /* Shown at once, selected; the text selection is gone */
  g_assert_cmpuint (lb_text_view_get_n_spans (f->text), ==, 1);
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, outer);
  g_assert_false (lb_text_view_get_text_selection (f->text, NULL, NULL));
  /* Nothing was inserted into the text */
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (f->text));
    GtkTextIter a, b;
    g_autofree char *shown = NULL;

    gtk_text_buffer_get_bounds (buffer, &a, &b);
    shown = gtk_text_buffer_get_text (buffer, &a, &b, TRUE);
    g_assert_cmpstr (shown, ==, zh_text);
  }

  /* A nested span: Shift+Left twice from the caret after 学 selects 大学 */
  press_keys (f, GDK_KEY_Left, GDK_SHIFT_MASK, 2);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);
  assert_span (lb_item_get_span (item, 1), "place", zh_text, "大学");
  inner = g_strdup (lb_item_get_span (item, 1)->id);
  g_assert_cmpuint (lb_text_view_get_span_depth (f->text, outer), ==, 0);
  g_assert_cmpuint (lb_text_view_get_span_depth (f->text, inner), ==, 1);

  /* Without a selection the hotkey keeps its meaning: the class label */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_1, 0));
  labels = lb_panel_get_labels (LB_PANEL (lb_window_get_panel (f->window)));
  g_assert_true (g_strv_contains ((const char * const *) labels, "org"));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);

  /* Escape drops the span selection; Tab cycles in text order */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_null (lb_text_view_get_selected_span (f->text));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, outer);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, inner);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_ISO_Left_Tab, GDK_SHIFT_MASK));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, outer);

  /* A click selects the innermost span there; again, the next one out;
   * outside any span, nothing */
  click_char (f, cp_offset (zh_text, "京"));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, outer);
  click_char (f, cp_offset (zh_text, "学"));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, inner);
  click_char (f, cp_offset (zh_text, "学"));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, outer);
  click_char (f, cp_offset (zh_text, "学"));
  g_assert_cmpstr (lb_text_view_get_selected_span (f->text), ==, inner);
  click_char (f, cp_offset (zh_text, "张"));
  g_assert_null (lb_text_view_get_selected_span (f->text));

  /* Delete removes the selected one */
  click_char (f, cp_offset (zh_text, "学"));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Delete, 0));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 1);
  g_assert_cmpstr (lb_item_get_span (item, 0)->id, ==, outer);
  g_assert_cmpuint (lb_text_view_get_n_spans (f->text), ==, 1);
  g_assert_null (lb_text_view_get_selected_span (f->text));
  /* Delete with nothing selected does nothing */
  g_assert_false (lb_ui_test_press_key (f->keys, GDK_KEY_Delete, 0));

  /* Undo brings it back, redo takes it away again: the view follows */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);
  assert_span (lb_item_find_span (item, inner), "place", zh_text, "大学");
  g_assert_cmpuint (lb_text_view_get_n_spans (f->text), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.redo", NULL));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 1);
  g_assert_cmpuint (lb_text_view_get_n_spans (f->text), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);

  if (g_getenv ("LB_SPANS_SHOT_WAIT") != NULL)
    {
      /* For a screenshot: more spans, some overlapping, one selected */
      lb_ui_test_press_key (f->keys, GDK_KEY_End, 0);
      lb_ui_test_press_key (f->keys, GDK_KEY_Home, 0);
      press_keys (f, GDK_KEY_Right, 0, 13);
      press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 2);     /* 张伟 */
      lb_ui_test_press_key (f->keys, GDK_KEY_1, 0);
      lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
      press_keys (f, GDK_KEY_Left, 0, 2);
      press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 4);     /* 张伟教授 */
      lb_ui_test_press_key (f->keys, GDK_KEY_2, 0);
      lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
      press_keys (f, GDK_KEY_Right, 0, 5);
      press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 2);     /* 上海 */
      lb_ui_test_press_key (f->keys, GDK_KEY_2, 0);
      lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
      press_keys (f, GDK_KEY_Right, 0, 2);
      press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 4);     /* 复旦大学 */
      lb_ui_test_press_key (f->keys, GDK_KEY_1, 0);
      lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
      press_keys (f, GDK_KEY_Left, GDK_SHIFT_MASK, 2);      /* 大学 */
      lb_ui_test_press_key (f->keys, GDK_KEY_2, 0);
      lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
      click_char (f, cp_offset (zh_text, "张"));
      lb_test_spin_for (1000 * atoi (g_getenv ("LB_SPANS_SHOT_WAIT")));
    }
  tear_down (f);
}

static void
test_mark_english (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  gint64 start, end;

  set_up (f, schema_overlap_json);

  /* J moves on even while the text has the focus */
  lb_ui_test_press_key (f->keys, GDK_KEY_Right, 0);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (f->text)));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_j, 0));
  lb_test_wait_until (text_shown, f, WAIT_TIMEOUT_S);
  g_assert_cmpstr (lb_item_get_text (lb_window_get_current_item (f->window)), ==, en_text);
  f->item_id = lb_item_get_id (lb_window_get_current_item (f->window));
  g_assert_cmpuint (lb_text_view_get_n_spans (f->text), ==, 0);

  /* End, Home, then Shift+Right over "Bob" */
  lb_ui_test_press_key (f->keys, GDK_KEY_End, 0);
  lb_ui_test_press_key (f->keys, GDK_KEY_Home, 0);
  press_keys (f, GDK_KEY_Right, 0, 10);
  press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 3);
  g_assert_true (lb_text_view_get_text_selection (f->text, &start, &end));
  g_assert_cmpint (start, ==, 10);
  g_assert_cmpint (end, ==, 13);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 1);
  assert_span (lb_item_get_span (item, 0), "place", en_text, "Bob");

  /* Text selected, then a label picked in the panel (as its buttons do):
   * "Paris" becomes a span, the class labels stay as they were */
  press_keys (f, GDK_KEY_Right, 0, 4);
  press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 5);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.pick", "s",
                                             "label:place"));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);
  assert_span (lb_item_get_span (item, 1), "place", en_text, "Paris");
  {
    g_auto(GStrv) labels = lb_panel_get_labels (LB_PANEL (lb_window_get_panel (f->window)));

    g_assert_cmpuint (g_strv_length (labels), ==, 0);
  }

  /* Escape: first the span selection, then the focus */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_false (gtk_widget_has_focus (GTK_WIDGET (f->text)));
  tear_down (f);
}

static void
test_no_overlap (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  const char *message;

  set_up (f, schema_exclusive_json);

  press_keys (f, GDK_KEY_Right, 0, 8);
  press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 4);     /* 北京大学 */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_1, 0));
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 1);

  /* 学的: overlaps 北京大学: refused here, with a message, no act sent */
  press_keys (f, GDK_KEY_Left, 0, 1);
  press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 2);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  g_assert_cmpuint (lb_window_get_n_pending (f->window), ==, 0);
  message = lb_window_get_message (f->window);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "北京大学"));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 1);

  /* Escape drops the text selection (the caret stays at its end); next to
   * the span is fine: 的张伟 */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_false (lb_text_view_get_text_selection (f->text, NULL, NULL));
  press_keys (f, GDK_KEY_Left, 0, 1);
  press_keys (f, GDK_KEY_Right, GDK_SHIFT_MASK, 3);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);
  assert_span (lb_item_get_span (item, 1), "place", zh_text, "的张伟");
  g_assert_null (lb_window_get_message (f->window));

  /* Without the class tool, a hotkey with no selection says what to do */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_1, 0));
  g_assert_nonnull (lb_window_get_message (f->window));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 2);
  tear_down (f);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/spans/mark-cjk", test_mark_cjk);
  g_test_add_func ("/ui/spans/mark-english", test_mark_english);
  g_test_add_func ("/ui/spans/no-overlap", test_no_overlap);

  return g_test_run ();
}
