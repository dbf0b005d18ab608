/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-regions-ui"
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-image-canvas.h"
#include "lb-import.h"
#include "lb-item-list.h"
#include "lb-item-view.h"
#include "lb-panel.h"
#include "lb-schema.h"
#include "lb-store.h"
#include "lb-window.h"
#include "lb-test-support.h"
#include "lb-ui-test-support.h"

/* Region tools in the real window: boxes and polygons drawn through the
 * canvas's press/drag/release handlers at fit and zoomed, the store
 * holding them in source-image pixels; move, resize, nudge, delete,
 * relabel, undo and redo through the window's keys and actions. */

#define WAIT_TIMEOUT_S 20
#define SRC_W 1600
#define SRC_H 1200

static const char schema_json[] =
  "{\"name\": \"regions\", \"tools\": [\"class\", \"box\", \"polygon\", \"note\"],"
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\", \"hotkey\": \"1\", \"color\": \"#e01b24\","
  "               \"attributes\": [{\"id\": \"occluded\", \"type\": \"bool\"},"
  "                              {\"id\": \"pose\", \"type\": \"choice\","
  "                               \"options\": [\"standing\", \"sitting\"]},"
  "                              {\"id\": \"remark\", \"type\": \"text\"}]},"
  "              {\"id\": \"dog\", \"title\": \"Dog\", \"hotkey\": \"2\", \"color\": \"#3584e4\"}]}";

typedef struct {
  char          *tmpdir;
  LbStore       *store;
  LbWindow      *window;
  LbImageCanvas *canvas;
  GtkEventController *keys;
  gint64         item_id;
} Fixture;

static void
write_picture (const char *path,
               int         width,
               int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const char *source = g_getenv ("LB_REGIONS_PICTURE");

  if (source != NULL)
    {
      g_autoptr(GdkPixbuf) picture = gdk_pixbuf_new_from_file (source, &error);

      g_assert_no_error (error);
      gdk_pixbuf_scale (picture, pixbuf, 0, 0, width, height, 0, 0,
                        (double) width / gdk_pixbuf_get_width (picture),
                        (double) height / gdk_pixbuf_get_height (picture), GDK_INTERP_BILINEAR);
    }
  else
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++)
        {
          guint8 *p = pixels + y * stride + x * 3;
          gboolean line = x % 100 < 2 || y % 100 < 2;

          p[0] = line ? 40 : (guint8) (120 + 100 * x / width);
          p[1] = line ? 40 : (guint8) (140 + 80 * y / height);
          p[2] = line ? 40 : 150;
        }
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
}

static void
set_up (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImportReport) report = NULL;
  g_autofree char *db = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *schema = NULL;

  f->tmpdir = g_dir_make_tmp ("lb-test-regions-XXXXXX", &error);
  g_assert_no_error (error);
  batch = g_build_filename (f->tmpdir, "photos", NULL);
  g_assert_cmpint (g_mkdir (batch, 0700), ==, 0);
  for (int i = 1; i <= 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%02d.png", i);
      g_autofree char *path = g_build_filename (batch, name, NULL);

      write_picture (path, SRC_W, SRC_H);
    }
  schema = g_build_filename (batch, "schema.json", NULL);
  g_file_set_contents (schema, schema_json, -1, &error);
  g_assert_no_error (error);

  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_store_open (db, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  report = lb_import (f->store, batch, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 2);

  f->window = lb_ui_test_new_window (f->store, "Tester");
  lb_ui_test_open_batch (f->window, report->batch_id);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_wait_until (lb_ui_test_image_shown, f->window, WAIT_TIMEOUT_S);
  lb_test_spin_for (50);

  f->keys = lb_window_get_key_controller (f->window);
  f->canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (lb_window_get_item_view (f->window)));
  f->item_id = lb_item_get_id (lb_window_get_current_item (f->window));
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

/* What the store holds for the item */
static LbItem *
stored (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  LbItem *item;

  lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
  item = lb_store_get_item (f->store, f->item_id, &error);
  g_assert_no_error (error);
  return item;
}

static void
to_widget (Fixture *f,
           double   ix,
           double   iy,
           double  *wx,
           double  *wy)
{
  lb_image_canvas_image_to_widget (f->canvas, ix, iy, wx, wy);
}

static void
click_image (Fixture *f,
             double   x,
             double   y)
{
  double wx, wy;

  to_widget (f, x, y, &wx, &wy);
  lb_image_canvas_test_press (f->canvas, wx, wy);
  lb_image_canvas_test_release (f->canvas, wx, wy);
}

static GtkWidget *
find_list_view (GtkWidget *widget)
{
  if (GTK_IS_LIST_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_list_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The item being worked on stays in the To Do queue, selected, after it
 * became done by its first region */
static void
assert_current_selected_in_todo (Fixture *f)
{
  LbItemList *queue = LB_ITEM_LIST (lb_window_get_queue (f->window));
  GtkWidget *view = find_list_view (GTK_WIDGET (f->window));
  GtkSingleSelection *selection;
  guint pos;

  g_assert_cmpint (lb_item_list_get_filter (queue), ==, LB_ITEM_FILTER_TODO);
  g_assert_true (lb_item_list_find (queue, f->item_id, &pos));
  g_assert_nonnull (view);
  selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (GTK_LIST_VIEW (view)));
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, pos);
}

static void
test_box_fit_and_zoomed (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) one = NULL;
  g_autoptr(LbItem) two = NULL;
  double ox, oy;

  set_up (f);
  g_assert_true (lb_image_canvas_get_fitted (f->canvas));
  g_assert_true (lb_image_canvas_get_zoom (f->canvas) < 1.0);

  /* B picks the box tool (it is no label hotkey) */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_b, 0));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_BOX);

  /* At fit: one source pixel is less than one screen pixel */
  lb_ui_test_drag_image (f->canvas, 200, 150, 600, 450);
  one = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (one), ==, 1);
  lb_ui_test_assert_box (lb_item_get_region (one, 0), 200, 150, 400, 300);
  g_assert_cmpstr (lb_item_get_region (one, 0)->label, ==, "cat");
  g_assert_cmpint (lb_item_get_state (one), ==, LB_ITEM_STATE_DONE);
  assert_current_selected_in_todo (f);
  /* The window's item was re-read: the canvas shows and selects the new box */
  g_assert_cmpuint (lb_item_get_n_regions (lb_window_get_current_item (f->window)), ==, 1);
  g_assert_cmpstr (lb_image_canvas_get_selected_region (f->canvas), ==,
                   lb_item_get_region (one, 0)->id);

  /* At 200 % and panned: the same source coordinates */
  lb_image_canvas_zoom_at (f->canvas, 2.0, 300, 300);
  lb_image_canvas_pan (f->canvas, -350, -420);
  lb_image_canvas_get_offset (f->canvas, &ox, &oy);
  g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), 2.0, 1e-9);
  /* Picking the second label makes it the label of new boxes */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));   /* drops the selection */
  g_assert_null (lb_image_canvas_get_selected_region (f->canvas));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  /* ... and not one of the item's own labels (the box tool is in hand) */
  {
    g_auto(GStrv) labels = lb_panel_get_labels (LB_PANEL (lb_window_get_panel (f->window)));

    g_assert_null (labels[0]);
  }
  /* Two clicks draw a box too */
  {
    double ix, iy, jx, jy;

    lb_image_canvas_widget_to_image (f->canvas, 100, 100, &ix, &iy);
    lb_image_canvas_widget_to_image (f->canvas, 260, 180, &jx, &jy);
    g_assert_cmpfloat_with_epsilon (jx - ix, 80, 1e-6);   /* 2 screen px per source px */
    click_image (f, ix, iy);
    click_image (f, jx, jy);
    two = stored (f);
    g_assert_cmpuint (lb_item_get_n_regions (two), ==, 2);
    lb_ui_test_assert_box (lb_item_get_region (two, 1), ix, iy, 80, 40);
    g_assert_cmpstr (lb_item_get_region (two, 1)->label, ==, "dog");
    g_assert_cmpfloat (ix, >, 100);   /* the pan moved it off the top-left corner */
  }

  /* Escape leaves the tool */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_SELECT);
  tear_down (f);
}

/* The canvas's own primary-button gesture draws with the box tool, and
 * pans instead while Space is held */
static void
test_box_through_gesture (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  GtkGesture *drag;
  double ax, ay, bx, by, ox, oy, x, y;

  set_up (f);
  drag = lb_ui_test_primary_drag (GTK_WIDGET (f->canvas));
  lb_ui_test_press_key (f->keys, GDK_KEY_b, 0);
  to_widget (f, 400, 200, &ax, &ay);
  to_widget (f, 1000, 800, &bx, &by);
  g_signal_emit_by_name (drag, "drag-begin", ax, ay);
  g_signal_emit_by_name (drag, "drag-update", (bx - ax) / 2, (by - ay) / 2);
  g_signal_emit_by_name (drag, "drag-end", bx - ax, by - ay);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 400, 200, 600, 600);

  /* Zoomed in, Space+drag pans and draws nothing */
  lb_image_canvas_zoom_at (f->canvas, 1.5, 300, 300);
  lb_image_canvas_get_offset (f->canvas, &ox, &oy);
  lb_image_canvas_set_space_held (f->canvas, TRUE);
  g_signal_emit_by_name (drag, "drag-begin", 300.0, 300.0);
  g_signal_emit_by_name (drag, "drag-update", 30.0, 20.0);
  g_signal_emit_by_name (drag, "drag-end", 40.0, 25.0);
  lb_image_canvas_set_space_held (f->canvas, FALSE);
  lb_image_canvas_get_offset (f->canvas, &x, &y);
  g_assert_cmpfloat (x, ==, ox + 40);
  g_assert_cmpfloat (y, ==, oy + 25);
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  tear_down (f);
}

static void
test_polygon (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  static const double pts[] = { 100, 100, 500, 120, 520, 400, 400, 300, 90, 380 };
  const LbRegion *region;

  set_up (f);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_p, 0));
  g_assert_cmpint (lb_image_canvas_get_tool (f->canvas), ==, LB_CANVAS_TOOL_POLYGON);
  for (guint i = 0; i < 5; i++)
    click_image (f, pts[2 * i], pts[2 * i + 1]);
  /* Backspace takes the fifth back; Enter closes the four */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_BackSpace, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0));
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  region = lb_item_get_region (item, 0);
  g_assert_cmpint (region->shape, ==, LB_REGION_SHAPE_POLYGON);
  g_assert_cmpuint (region->n_points, ==, 4);
  for (guint i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (region->points[i], pts[i], 1.01);
  /* That Enter submitted nothing: the item is still the one shown */
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, f->item_id);

  /* Escape cancels a polygon being drawn */
  click_image (f, 700, 700);
  click_image (f, 900, 700);
  g_assert_true (lb_image_canvas_get_drawing (f->canvas));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0));
  g_assert_false (lb_image_canvas_get_drawing (f->canvas));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);

  /* A click on the first vertex closes too */
  click_image (f, 700, 700);
  click_image (f, 900, 700);
  click_image (f, 800, 900);
  click_image (f, 700, 700);
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 2);
  g_assert_cmpuint (lb_item_get_region (item, 1)->n_points, ==, 3);

  /* Dragging a vertex of the selected polygon edits it */
  g_assert_cmpstr (lb_image_canvas_get_selected_region (f->canvas), ==,
                   lb_item_get_region (item, 1)->id);
  lb_ui_test_drag_image (f->canvas, 800, 900, 820, 950);
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpfloat_with_epsilon (lb_item_get_region (item, 1)->points[4], 820, 1.01);
  g_assert_cmpfloat_with_epsilon (lb_item_get_region (item, 1)->points[5], 950, 1.01);
  tear_down (f);
}

static void
test_edit_box (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  g_autofree char *id = NULL;
  double per_pixel;

  set_up (f);
  lb_ui_test_press_key (f->keys, GDK_KEY_b, 0);
  lb_ui_test_drag_image (f->canvas, 300, 300, 700, 600);
  item = stored (f);
  id = g_strdup (lb_item_get_region (item, 0)->id);
  per_pixel = lb_image_canvas_get_zoom (f->canvas);

  /* Move: drag from inside the selected box */
  lb_ui_test_drag_image (f->canvas, 500, 450, 560, 410);
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpstr (lb_item_get_region (item, 0)->id, ==, id);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 360, 260, 400, 300);

  /* Resize: the bottom-right handle */
  lb_ui_test_drag_image (f->canvas, 760, 560, 800, 700);
  g_clear_object (&item);
  item = stored (f);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 360, 260, 440, 440);
  /* ... and the left edge's */
  lb_ui_test_drag_image (f->canvas, 360, 480, 300, 480);
  g_clear_object (&item);
  item = stored (f);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 300, 260, 500, 440);
  g_assert_cmpfloat (per_pixel, >, 0);

  /* Nudges: 3 x Right, Shift+Down: one update after the last */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Right, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Right, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Right, 0));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Down, GDK_SHIFT_MASK));
  g_assert_cmpuint (lb_window_get_n_pending (f->window), ==, 0);  /* not yet sent */
  lb_test_spin_for (600);
  g_clear_object (&item);
  item = stored (f);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 303, 270, 500, 440);
  /* One undo takes all four nudges back */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_clear_object (&item);
  item = stored (f);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 300, 260, 500, 440);

  /* An undo right after a nudge (before it was sent) takes that nudge back */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Left, GDK_SHIFT_MASK));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  lb_test_spin_for (600);
  g_clear_object (&item);
  item = stored (f);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 300, 260, 500, 440);

  /* Relabel: a label's hotkey with the box selected (Tab selects it) */
  lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0);
  lb_ui_test_press_key (f->keys, GDK_KEY_Escape, 0);
  g_assert_null (lb_image_canvas_get_selected_region (f->canvas));
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0));
  g_assert_cmpstr (lb_image_canvas_get_selected_region (f->canvas), ==, id);
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_2, 0));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpstr (lb_item_get_region (item, 0)->label, ==, "dog");
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 300, 260, 500, 440);

  /* Delete removes it */
  g_assert_true (lb_ui_test_press_key (f->keys, GDK_KEY_Delete, 0));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 0);
  g_assert_null (lb_image_canvas_get_selected_region (f->canvas));
  tear_down (f);
}

static void
test_undo_redo (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  g_autofree char *id = NULL;

  set_up (f);
  lb_ui_test_press_key (f->keys, GDK_KEY_b, 0);
  lb_ui_test_drag_image (f->canvas, 100, 100, 400, 300);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  id = g_strdup (lb_item_get_region (item, 0)->id);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 0);
  g_assert_null (lb_image_canvas_get_selected_region (f->canvas));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.redo", NULL));
  g_clear_object (&item);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  g_assert_cmpstr (lb_item_get_region (item, 0)->id, ==, id);
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 100, 100, 300, 200);
  g_assert_cmpuint (lb_item_get_n_regions (lb_window_get_current_item (f->window)), ==, 1);

  /* Ctrl+Shift+Z is bound to win.redo */
  {
    GtkShortcutTrigger *trigger = gtk_keyval_trigger_new (GDK_KEY_z,
                                                          GDK_CONTROL_MASK | GDK_SHIFT_MASK);
    g_autoptr(GListModel) shortcuts = gtk_widget_observe_controllers (GTK_WIDGET (f->window));
    gboolean found = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (shortcuts) && !found; i++)
      {
        g_autoptr(GtkEventController) c = g_list_model_get_item (shortcuts, i);

        if (!GTK_IS_SHORTCUT_CONTROLLER (c))
          continue;
        for (guint k = 0; k < g_list_model_get_n_items (G_LIST_MODEL (c)) && !found; k++)
          {
            g_autoptr(GtkShortcut) s = g_list_model_get_item (G_LIST_MODEL (c), k);
            GtkShortcutAction *action = gtk_shortcut_get_action (s);
            g_autofree char *text = gtk_shortcut_action_to_string (action);

            if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (s), trigger)
                && strstr (text, "win.redo") != NULL)
              found = TRUE;
          }
      }
    g_object_unref (trigger);
    g_assert_true (found);
  }

  if (g_getenv ("LB_REGIONS_SHOT_WAIT") != NULL)
    {
      /* For a screenshot: a box of each label and a polygon, one selected */
      lb_ui_test_press_key (f->keys, GDK_KEY_2, 0);
      lb_ui_test_drag_image (f->canvas, 700, 250, 1150, 700);
      lb_ui_test_press_key (f->keys, GDK_KEY_p, 0);
      lb_ui_test_press_key (f->keys, GDK_KEY_1, 0);
      click_image (f, 300, 600);
      click_image (f, 600, 520);
      click_image (f, 640, 900);
      click_image (f, 420, 1050);
      click_image (f, 250, 850);
      lb_ui_test_press_key (f->keys, GDK_KEY_Return, 0);
      lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
      lb_ui_test_press_key (f->keys, GDK_KEY_b, 0);
      lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0);
      lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0);
      lb_ui_test_press_key (f->keys, GDK_KEY_Tab, 0);
      lb_test_spin_for (1000 * atoi (g_getenv ("LB_REGIONS_SHOT_WAIT")));
    }
  tear_down (f);
}

static JsonObject *
region_attributes (LbItem *item)
{
  g_autoptr(JsonNode) node = json_from_string (lb_item_get_region (item, 0)->attributes, NULL);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
test_attributes (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(JsonObject) attributes = NULL;
  LbPanel *panel;
  GtkWidget *editor;

  set_up (f);
  panel = LB_PANEL (lb_window_get_panel (f->window));
  lb_ui_test_press_key (f->keys, GDK_KEY_b, 0);
  lb_ui_test_drag_image (f->canvas, 300, 300, 700, 600);
  item = stored (f);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);

  /* The panel shows the cat's attributes for the selected box */
  editor = lb_panel_get_attribute_editor (panel, "occluded");
  g_assert_true (GTK_IS_SWITCH (editor));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (editor)));
  gtk_switch_set_active (GTK_SWITCH (editor), TRUE);
  g_clear_object (&item);
  item = stored (f);
  attributes = region_attributes (item);
  g_assert_true (json_object_get_boolean_member (attributes, "occluded"));
  g_clear_pointer (&attributes, json_object_unref);

  editor = lb_panel_get_attribute_editor (panel, "pose");
  g_assert_true (GTK_IS_DROP_DOWN (editor));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (editor), 2);
  g_clear_object (&item);
  item = stored (f);
  attributes = region_attributes (item);
  g_assert_cmpstr (json_object_get_string_member (attributes, "pose"), ==, "sitting");
  g_assert_true (json_object_get_boolean_member (attributes, "occluded"));
  g_clear_pointer (&attributes, json_object_unref);

  editor = lb_panel_get_attribute_editor (panel, "remark");
  g_assert_true (GTK_IS_ENTRY (editor));
  gtk_editable_set_text (GTK_EDITABLE (editor), "half hidden");
  g_signal_emit_by_name (editor, "activate");
  g_clear_object (&item);
  item = stored (f);
  attributes = region_attributes (item);
  g_assert_cmpstr (json_object_get_string_member (attributes, "remark"), ==, "half hidden");
  g_assert_cmpstr (json_object_get_string_member (attributes, "pose"), ==, "sitting");
  /* Geometry and label kept */
  lb_ui_test_assert_box (lb_item_get_region (item, 0), 300, 300, 400, 300);
  g_assert_cmpstr (lb_item_get_region (item, 0)->label, ==, "cat");

  /* The editors show the stored values again */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (lb_panel_get_attribute_editor (panel,
                                                                                   "occluded"))));
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (lb_panel_get_attribute_editor (
                                                                 panel, "pose"))), ==, 2);
  tear_down (f);
}

static void
test_schema_tool_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = NULL;

  schema = lb_schema_new_from_data ("{\"tools\": [\"class\", \"box\"], \"labels\": "
                                    "[{\"id\": \"bird\", \"hotkey\": \"B\"}]}",
                                    -1, "schema.json", &error);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "box tool"));
  g_assert_null (schema);
  g_clear_error (&error);

  schema = lb_schema_new_from_data ("{\"tools\": [\"class\", \"polygon\"], \"labels\": "
                                    "[{\"id\": \"x\"}], \"decisions\": "
                                    "[{\"id\": \"pass\", \"hotkey\": \"p\"}]}",
                                    -1, "schema.json", &error);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "polygon tool"));
  g_clear_error (&error);

  /* Without those tools, b and p are ordinary hotkeys */
  schema = lb_schema_new_from_data ("{\"labels\": [{\"id\": \"bird\", \"hotkey\": \"b\"},"
                                    " {\"id\": \"pig\", \"hotkey\": \"p\"}]}",
                                    -1, "schema.json", &error);
  g_assert_no_error (error);
  g_assert_nonnull (schema);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/regions/schema-tool-keys", test_schema_tool_keys);
  g_test_add_func ("/ui/regions/box-fit-and-zoomed", test_box_fit_and_zoomed);
  g_test_add_func ("/ui/regions/box-through-gesture", test_box_through_gesture);
  g_test_add_func ("/ui/regions/polygon", test_polygon);
  g_test_add_func ("/ui/regions/edit-box", test_edit_box);
  g_test_add_func ("/ui/regions/undo-redo", test_undo_redo);
  g_test_add_func ("/ui/regions/attributes", test_attributes);

  return g_test_run ();
}
