/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-ui-test-support"
#include "config.h"

#include "lb-item-view.h"
#include "lb-test-support.h"
#include "lb-ui-test-support.h"

gboolean
lb_ui_test_press_key (GtkEventController *keys,
                      guint               keyval,
                      GdkModifierType     state)
{
  gboolean handled = FALSE;

  g_assert_true (GTK_IS_EVENT_CONTROLLER_KEY (keys));
  g_signal_emit_by_name (keys, "key-pressed", keyval, 0, state, &handled);
  g_signal_emit_by_name (keys, "key-released", keyval, 0, state);
  return handled;
}

void
lb_ui_test_copy_demo (const char *from,
                      const char *dir,
                      const char *to)
{
  g_autofree char *demo = lb_window_get_demo_dir ();
  g_autofree char *src = g_build_filename (demo, from, NULL);
  g_autofree char *dst = g_build_filename (dir, to, NULL);

  lb_test_copy_file (src, dst);
}

LbWindow *
lb_ui_test_new_window (LbStore    *store,
                       const char *actor)
{
  LbWindow *window = g_object_ref (lb_window_new (NULL));

  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  lb_window_set_store (window, store);
  lb_window_set_actor (window, actor);
  return window;
}

void
lb_ui_test_open_batch (LbWindow *window,
                       gint64    batch_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_window_open_batch (window, batch_id, &error));
  g_assert_no_error (error);
  lb_ui_test_wait_queue (window);
}

static gboolean
queue_loaded (gpointer data)
{
  return !lb_window_get_queue_loading (data);
}

void
lb_ui_test_wait_queue (LbWindow *window)
{
  lb_test_wait_until (queue_loaded, window, 30);
}

void
lb_ui_test_destroy_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  lb_test_spin_for (20);
  g_assert_finalize_object (window);
}

GtkGesture *
lb_ui_test_primary_drag (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (c)
          && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (c)) == GDK_BUTTON_PRIMARY)
        return GTK_GESTURE (c);
    }
  g_assert_not_reached ();
  return NULL;
}

void
lb_ui_test_drag_image (LbImageCanvas *canvas,
                       double         x0,
                       double         y0,
                       double         x1,
                       double         y1)
{
  double ax, ay, bx, by;

  lb_image_canvas_image_to_widget (canvas, x0, y0, &ax, &ay);
  lb_image_canvas_image_to_widget (canvas, x1, y1, &bx, &by);
  lb_image_canvas_test_press (canvas, ax, ay);
  for (int i = 1; i <= 4; i++)
    lb_image_canvas_test_drag (canvas, ax + (bx - ax) * i / 4, ay + (by - ay) * i / 4);
  lb_image_canvas_test_release (canvas, bx, by);
}

void
lb_ui_test_assert_box (const LbRegion *region,
                       double          x,
                       double          y,
                       double          w,
                       double          h)
{
  g_assert_cmpint (region->shape, ==, LB_REGION_SHAPE_BOX);
  g_assert_cmpfloat_with_epsilon (region->box[0], x, 1.01);
  g_assert_cmpfloat_with_epsilon (region->box[1], y, 1.01);
  g_assert_cmpfloat_with_epsilon (region->box[2], w, 1.01);
  g_assert_cmpfloat_with_epsilon (region->box[3], h, 1.01);
}

GtkWidget *
lb_ui_test_find_widget (GtkWidget *root,
                        GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = lb_ui_test_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
lb_ui_test_find_shortcut (GtkWidget  *root,
                          const char *title)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (root))
    {
      g_autofree char *t = NULL;

      g_object_get (root, "title", &t, NULL);
      if (g_strcmp0 (t, title) == 0)
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = lb_ui_test_find_shortcut (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
lb_ui_test_find_label (GtkWidget  *root,
                       const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0
      && gtk_widget_get_mapped (root))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (lb_ui_test_find_label (child, text))
      return TRUE;
  return FALSE;
}

typedef struct {
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_shown_cb (gpointer data)
{
  LabelWait *w = data;

  return lb_ui_test_find_label (w->root, w->text);
}

void
lb_ui_test_wait_label (GtkWidget  *root,
                       const char *text,
                       guint       timeout_s)
{
  LabelWait w = { root, text };

  lb_test_wait_until (label_shown_cb, &w, timeout_s);
}

gboolean
lb_ui_test_nothing_pending (gpointer window)
{
  return lb_window_get_n_pending (LB_WINDOW (window)) == 0;
}

gboolean
lb_ui_test_import_finished (gpointer window)
{
  return !lb_window_get_importing (LB_WINDOW (window))
         && !lb_window_get_queue_loading (LB_WINDOW (window));
}

gboolean
lb_ui_test_image_shown (gpointer window)
{
  return lb_item_view_get_showing_image (
    LB_ITEM_VIEW (lb_window_get_item_view (LB_WINDOW (window))));
}

void
lb_ui_test_screenshot (const char *name,
                       guint       settle_ms)
{
  const char *dir = g_getenv ("LB_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *command = NULL;

  if (dir == NULL)
    return;
  lb_test_spin_for (settle_ms);
  path = g_build_filename (dir, name, NULL);
  quoted = g_shell_quote (path);
  command = g_strdup_printf ("import -window root %s", quoted);
  if (!g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL))
    g_test_message ("cannot take the screenshot %s", path);
  else
    g_test_message ("screenshot: %s", path);
}

typedef struct {
  LbWindow   *window;
  const char *expected;
} SubtitleWait;

static gboolean
subtitle_is (gpointer data)
{
  SubtitleWait *w = data;

  return g_strcmp0 (lb_window_get_subtitle (w->window), w->expected) == 0;
}

void
lb_ui_test_assert_subtitle (LbWindow   *window,
                            const char *expected)
{
  SubtitleWait w = { window, expected };
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!subtitle_is (&w) && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_cmpstr (lb_window_get_subtitle (window), ==, expected);
}
