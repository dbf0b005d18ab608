/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-item-view"
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-image-canvas.h"
#include "lb-image.h"
#include "lb-item-view.h"
#include "lb-test-support.h"

/* What a user would see: the item view in a window of a fixed size, fed
 * with items pointing at files; the page on screen, the texture drawn,
 * the text shown, the message given. */

#define WINDOW_WIDTH  800
#define WINDOW_HEIGHT 600
#define SETTLE_TIMEOUT_S 20

typedef struct {
  GtkWidget     *window;
  LbItemView    *view;
  LbImageLoader *loader;
  char          *tmpdir;
} Fixture;

static const char * const no_labels[] = { NULL };

static LbItem *
make_item (gint64      id,
           LbItemKind  kind,
           const char *path,
           const char *text)
{
  g_autofree char *base = path ? g_path_get_basename (path) : g_strdup_printf ("text-%"
                                                                              G_GINT64_FORMAT,
                                                                              id);
  LbItemFields f = {
    .id = id,
    .batch_id = 1,
    .batch_name = "test",
    .external_id = base,
    .kind = kind,
    .path = path,
    .relative_path = path ? base : NULL,
    .text = text,
    .meta_json = "{}",
    .content_hash = "0000",
    .state = LB_ITEM_STATE_TODO,
    .labels = no_labels,
  };

  return lb_item_new (&f);
}

static LbItem *
make_image_item (gint64      id,
                 const char *path)
{
  return make_item (id, LB_ITEM_KIND_IMAGE, path, NULL);
}

static gboolean
is_settled (gpointer view)
{
  LbItemViewStatus status = lb_item_view_get_status (view);

  return status == LB_ITEM_VIEW_READY || status == LB_ITEM_VIEW_FAILED;
}

static void
wait_settled (LbItemView *view)
{
  lb_test_wait_until (is_settled, view, SETTLE_TIMEOUT_S);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GdkTexture *
view_texture (LbItemView *view)
{
  GtkWidget *canvas = find_descendant (GTK_WIDGET (view), LB_TYPE_IMAGE_CANVAS);

  g_assert_nonnull (canvas);
  return lb_image_canvas_get_texture (LB_IMAGE_CANVAS (canvas));
}

static const char *
view_page (LbItemView *view)
{
  GtkWidget *stack = find_descendant (GTK_WIDGET (view), GTK_TYPE_STACK);

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

/* The image area in device pixels: what the view asks the decoder for. */
static void
view_target_size (LbItemView *view,
                  guint      *width,
                  guint      *height)
{
  GtkWidget *stack = find_descendant (GTK_WIDGET (view), GTK_TYPE_STACK);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (view));

  *width = gtk_widget_get_width (stack) * scale;
  *height = gtk_widget_get_height (stack) * scale;
  g_assert_cmpuint (*width, >, 0);
  g_assert_cmpuint (*height, >, 0);
}

/* The texture fits the image area, keeps the source's aspect ratio and is
 * never larger than the source. */
static void
assert_texture_fits (LbItemView *view,
                     guint       source_width,
                     guint       source_height)
{
  GdkTexture *texture = view_texture (view);
  guint target_w, target_h;
  double f;
  int want_w, want_h;

  g_assert_nonnull (texture);
  view_target_size (view, &target_w, &target_h);

  f = MIN (1.0, MIN ((double) target_w / source_width, (double) target_h / source_height));
  want_w = MAX (1, (int) round (source_width * f));
  want_h = MAX (1, (int) round (source_height * f));

  g_assert_cmpint (gdk_texture_get_width (texture), <=, (int) target_w);
  g_assert_cmpint (gdk_texture_get_height (texture), <=, (int) target_h);
  g_assert_cmpint (ABS (gdk_texture_get_width (texture) - want_w), <=, 1);
  g_assert_cmpint (ABS (gdk_texture_get_height (texture) - want_h), <=, 1);
}

/* A photo-like picture (gradients, waves and noise), PNG or JPEG. */
static char *
write_image (const char *dir,
             const char *name,
             int         width,
             int         height,
             guint       seed)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint32 rng = seed * 2654435761u + 1;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;

        rng = rng * 1664525u + 1013904223u;
        p[0] = CLAMP (128 + 90 * sin (x * 0.01 + seed) + ((rng >> 24) & 15), 0, 255);
        p[1] = CLAMP (255.0 * y / height, 0, 255);
        p[2] = CLAMP (128 + 90 * cos ((x + y) * 0.007) + ((rng >> 16) & 15), 0, 255);
      }

  g_assert_true (gdk_pixbuf_save (pixbuf, path, g_str_has_suffix (name, ".png") ? "png" : "jpeg",
                                  &error, NULL));
  g_assert_no_error (error);
  return path;
}

static gboolean
has_width (gpointer widget)
{
  return gtk_widget_get_width (widget) > 0;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tmpdir = lb_test_make_tmpdir ("lb-item-view");

  fixture->loader = lb_image_loader_new (64 * 1024 * 1024, 2);
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), WINDOW_WIDTH, WINDOW_HEIGHT);
  fixture->view = LB_ITEM_VIEW (lb_item_view_new ());
  lb_item_view_set_image_loader (fixture->view, fixture->loader);
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));
  gtk_window_present (GTK_WINDOW (fixture->window));

  lb_test_wait_until (has_width, fixture->view, SETTLE_TIMEOUT_S);
  lb_test_spin_for (50);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *view = GTK_WIDGET (fixture->view);

  g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &view);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  /* Loads still running must not keep the view (or crash into it). */
  lb_test_spin_for (100);
  g_assert_null (view);

  /* Decodes still running hold the loader until they finish. */
  for (int i = 0; i < 200 && G_OBJECT (fixture->loader)->ref_count > 1; i++)
    lb_test_spin_for (50);
  g_assert_finalize_object (fixture->loader);
  lb_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_EMPTY);
  g_assert_cmpstr (view_page (fixture->view), ==, "empty");
  g_assert_null (lb_item_view_get_item (fixture->view));
}

static void
test_pngsuite (Fixture       *fixture,
               gconstpointer  data)
{
  const char *dir_path = g_getenv ("LB_PNGSUITE_DIR");
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n_good = 0;

  g_assert_nonnull (dir_path);
  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".png"))
      g_ptr_array_add (names, g_strdup (name));
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *base = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir_path, base, NULL);
      g_autoptr(LbItem) item = make_image_item (i + 1, path);

      g_test_message ("%s", base);
      lb_item_view_set_item (fixture->view, item);
      wait_settled (fixture->view);
      g_assert_true (lb_item_view_get_item (fixture->view) == item);

      if (base[0] == 'x')
        {
          /* PngSuite's corrupt files */
          g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_FAILED);
          g_assert_cmpstr (view_page (fixture->view), ==, "error");
          g_assert_nonnull (strstr (lb_item_view_get_error_message (fixture->view), base));
        }
      else
        {
          guint w = 0, h = 0;

          g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
          g_assert_cmpstr (view_page (fixture->view), ==, "image");
          g_assert_null (lb_item_view_get_error_message (fixture->view));
          g_assert_true (lb_image_probe_file (path, &w, &h, &error));
          g_assert_no_error (error);
          assert_texture_fits (fixture->view, w, h);
          n_good++;
        }
    }

  g_assert_cmpuint (n_good, >, 0);
}

/* A large image is decoded at the view's size, not at its own. */
static void
test_scaled_to_view (Fixture       *fixture,
                     gconstpointer  data)
{
  const struct { const char *name; int w, h; } cases[] = {
    { "wide.png", 3000, 1000 },
    { "tall.jpg", 900, 2400 },
    { "photo.jpg", 1600, 1200 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_image (fixture->tmpdir, cases[i].name,
                                           cases[i].w, cases[i].h, i);
      g_autoptr(LbItem) item = make_image_item (i + 1, path);
      GdkTexture *texture;
      guint target_w, target_h;

      lb_item_view_set_item (fixture->view, item);
      wait_settled (fixture->view);
      g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
      assert_texture_fits (fixture->view, cases[i].w, cases[i].h);

      /* It fills the area along one side. */
      texture = view_texture (fixture->view);
      view_target_size (fixture->view, &target_w, &target_h);
      g_assert_true (ABS (gdk_texture_get_width (texture) - (int) target_w) <= 1
                     || ABS (gdk_texture_get_height (texture) - (int) target_h) <= 1);
    }
}

/* Writes a PNG whose header claims width x height, with correct CRCs. */
static char *
write_huge_header_png (const char *dir,
                       guint32     width,
                       guint32     height)
{
  g_autoptr(GBytes) png = lb_test_png_header (width, height);

  lb_test_write_file (dir, "huge.png", g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  return g_build_filename (dir, "huge.png", NULL);
}

static void
assert_fails_naming (Fixture    *fixture,
                     const char *path,
                     const char *also_in_message)
{
  g_autoptr(LbItem) item = make_image_item (g_str_hash (path), path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *message_lower = NULL;
  const char *message;

  g_test_message ("%s", base);
  lb_item_view_set_item (fixture->view, item);
  wait_settled (fixture->view);

  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_FAILED);
  g_assert_cmpstr (view_page (fixture->view), ==, "error");
  g_assert_null (view_texture (fixture->view));
  message = lb_item_view_get_error_message (fixture->view);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, base));
  message_lower = g_utf8_strdown (message, -1);
  if (also_in_message != NULL)
    g_assert_nonnull (strstr (message_lower, also_in_message));
}

static void
test_bad_images (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *suite = g_getenv ("LB_PNGSUITE_DIR");
  g_autofree char *good = g_build_filename (suite, "basn2c08.png", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (fixture->tmpdir, "missing.png", NULL);
  g_autofree char *empty = g_build_filename (fixture->tmpdir, "empty.png", NULL);
  g_autofree char *text = g_build_filename (fixture->tmpdir, "really-text.png", NULL);
  g_autofree char *truncated = g_build_filename (fixture->tmpdir, "truncated.png", NULL);
  g_autofree char *damaged = g_build_filename (fixture->tmpdir, "damaged.png", NULL);
  g_autofree char *huge = NULL;
  char *idat;

  g_assert_true (g_file_get_contents (good, &contents, &len, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (text, "hello, I am a text file\n", -1, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, len / 2, NULL));
  /* The image data itself garbled (its CRC no longer matches) */
  idat = NULL;
  for (gsize i = 8; i + 4 <= len && idat == NULL; i++)
    if (memcmp (contents + i, "IDAT", 4) == 0)
      idat = contents + i;
  g_assert_nonnull (idat);
  for (char *p = idat + 4; p < idat + 64 && p < contents + len; p++)
    *p ^= 0x5a;
  g_assert_true (g_file_set_contents (damaged, contents, len, NULL));
  huge = write_huge_header_png (fixture->tmpdir, 100000, 100000);

  assert_fails_naming (fixture, missing, NULL);
  assert_fails_naming (fixture, empty, NULL);
  assert_fails_naming (fixture, text, NULL);
  assert_fails_naming (fixture, truncated, NULL);
  assert_fails_naming (fixture, damaged, NULL);
  /* Refused from the header alone, before any allocation */
  assert_fails_naming (fixture, huge, "limit");

  /* A good image after a bad one shows again. */
  {
    g_autoptr(LbItem) item = make_image_item (4242, good);

    lb_item_view_set_item (fixture->view, item);
    wait_settled (fixture->view);
    g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
    g_assert_null (lb_item_view_get_error_message (fixture->view));
    g_assert_cmpstr (view_page (fixture->view), ==, "image");
  }
}

/* A file name with markup characters is shown literally on the error page. */
static void
test_error_page_escapes (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, "a&b<i>c.png", NULL);
  g_autoptr(LbItem) item = make_image_item (7, path);
  GtkWidget *status_page;
  const char *description;

  lb_item_view_set_item (fixture->view, item);
  wait_settled (fixture->view);
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_FAILED);
  g_assert_nonnull (strstr (lb_item_view_get_error_message (fixture->view), "a&b<i>c.png"));

  status_page = gtk_stack_get_visible_child (
    GTK_STACK (find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_STACK)));
  g_assert_true (ADW_IS_STATUS_PAGE (status_page));
  description = adw_status_page_get_description (ADW_STATUS_PAGE (status_page));
  g_assert_nonnull (strstr (description, "a&amp;b&lt;i&gt;c.png"));
}

static void
test_text (Fixture       *fixture,
           gconstpointer  data)
{
  const char *body = "这是一段中文文本，用于测试换行和显示。\n"
                     "<b>not bold</b> & co &amp; <span foreground=\"red\">plain</span>";
  g_autoptr(LbItem) item = make_item (1, LB_ITEM_KIND_TEXT, NULL, body);
  GtkWidget *text_view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *shown = NULL;

  lb_item_view_set_item (fixture->view, item);
  /* Text is ready at once. */
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
  g_assert_cmpstr (view_page (fixture->view), ==, "text");

  text_view = find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_TEXT_VIEW);
  g_assert_nonnull (text_view);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  shown = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
  g_assert_cmpstr (shown, ==, body);

  /* The window's hotkeys keep working: the text never takes the focus. */
  g_assert_false (gtk_widget_get_focusable (text_view));
  g_assert_false (gtk_text_view_get_editable (GTK_TEXT_VIEW (text_view)));
  g_assert_cmpint (gtk_text_view_get_wrap_mode (GTK_TEXT_VIEW (text_view)), ==,
                   GTK_WRAP_WORD_CHAR);
}

static void
test_text_scrolls_to_top (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autoptr(LbItem) first = NULL;
  g_autoptr(LbItem) second = NULL;
  GtkWidget *scrolled;
  GtkAdjustment *vadj;

  for (int i = 0; i < 300; i++)
    g_string_append_printf (long_text, "Line %d: 第%d行的内容。\n", i, i);
  first = make_item (1, LB_ITEM_KIND_TEXT, NULL, long_text->str);
  g_string_append (long_text, "(the second one)\n");
  second = make_item (2, LB_ITEM_KIND_TEXT, NULL, long_text->str);

  lb_item_view_set_item (fixture->view, first);
  scrolled = gtk_widget_get_ancestor (find_descendant (GTK_WIDGET (fixture->view),
                                                      GTK_TYPE_TEXT_VIEW),
                                      GTK_TYPE_SCROLLED_WINDOW);
  vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  /* Long enough to scroll (once laid out): scroll to the end. */
  for (int i = 0; i < 100; i++)
    {
      lb_test_spin_for (50);
      if (gtk_adjustment_get_upper (vadj) > 2 * gtk_adjustment_get_page_size (vadj))
        break;
    }
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadj), >, 2 * gtk_adjustment_get_page_size (vadj));
  gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj));
  lb_test_spin_for (100);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadj), >, 0);

  lb_item_view_set_item (fixture->view, second);
  lb_test_spin_for (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadj), ==, 0);
}

/* 20 items set in a row without waiting: the last one is what shows, and
 * late results for the others do not replace it. */
static void
test_switch_quickly (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  LbItem *last;
  int last_w = 0, last_h = 0;
  GdkTexture *texture;

  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("img%02d.%s", i, i % 2 ? "jpg" : "png");
      /* Each its own aspect ratio, so the texture tells which one it is */
      int w = 1000 + 60 * i, h = 700;
      g_autofree char *path = write_image (fixture->tmpdir, name, w, h, i);

      g_ptr_array_add (items, make_image_item (i + 1, path));
      last_w = w;
      last_h = h;
    }

  for (guint i = 0; i < items->len; i++)
    lb_item_view_set_item (fixture->view, g_ptr_array_index (items, i));
  last = g_ptr_array_index (items, items->len - 1);

  wait_settled (fixture->view);
  /* Let any stale result arrive. */
  lb_test_spin_for (1500);

  g_assert_true (lb_item_view_get_item (fixture->view) == last);
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
  assert_texture_fits (fixture->view, last_w, last_h);
  texture = view_texture (fixture->view);
  g_assert_cmpfloat (fabs ((double) gdk_texture_get_width (texture) / gdk_texture_get_height (texture)
                           - (double) last_w / last_h), <, 0.01);
}

static void
status_changed_cb (LbItemView *view,
                   GParamSpec *pspec,
                   gboolean   *saw_loading)
{
  if (lb_item_view_get_status (view) == LB_ITEM_VIEW_LOADING)
    *saw_loading = TRUE;
}

static void
test_prefetch (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = write_image (fixture->tmpdir, "next.jpg", 2000, 1500, 3);
  g_autoptr(LbItem) item = make_image_item (1, path);
  g_autoptr(LbImage) cached = NULL;
  gboolean saw_loading = FALSE;
  guint w, h;
  gulong handler;

  view_target_size (fixture->view, &w, &h);
  g_assert_null (lb_image_loader_lookup (fixture->loader, path, w, h));

  lb_item_view_prefetch (fixture->view, item);
  /* Prefetching does not change what is shown */
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_EMPTY);

  /* The cache fills from a worker thread: poll it. */
  for (int i = 0; i < SETTLE_TIMEOUT_S * 100; i++)
    {
      cached = lb_image_loader_lookup (fixture->loader, path, w, h);
      if (cached != NULL)
        break;
      lb_test_spin_for (10);
    }
  g_assert_nonnull (cached);

  handler = g_signal_connect (fixture->view, "notify::status",
                              G_CALLBACK (status_changed_cb), &saw_loading);
  lb_item_view_set_item (fixture->view, item);
  /* Shown at once, without a main loop iteration or a loading state */
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
  g_assert_false (saw_loading);
  g_assert_true (view_texture (fixture->view) != NULL);
  assert_texture_fits (fixture->view, 2000, 1500);
  g_signal_handler_disconnect (fixture->view, handler);
}

/* A fresh snapshot of the shown item (as after labelling it) does not
 * reload it. */
static void
test_same_item_snapshot (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = write_image (fixture->tmpdir, "same.png", 640, 480, 4);
  g_autoptr(LbItem) item = make_image_item (5, path);
  g_autoptr(LbItem) again = make_image_item (5, path);
  GdkTexture *texture;
  gboolean saw_loading = FALSE;
  gulong handler;

  lb_item_view_set_item (fixture->view, item);
  wait_settled (fixture->view);
  texture = view_texture (fixture->view);
  g_assert_nonnull (texture);

  handler = g_signal_connect (fixture->view, "notify::status",
                              G_CALLBACK (status_changed_cb), &saw_loading);
  lb_item_view_set_item (fixture->view, again);
  g_assert_true (lb_item_view_get_item (fixture->view) == again);
  g_assert_true (view_texture (fixture->view) == texture);
  g_assert_false (saw_loading);
  g_signal_handler_disconnect (fixture->view, handler);

  lb_item_view_set_item (fixture->view, NULL);
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_EMPTY);
  g_assert_cmpstr (view_page (fixture->view), ==, "empty");
}

typedef struct {
  LbItemView *view;
  int         old_width;
} Grown;

/* A texture is on screen all the time; is it wider than before? */
static gboolean
texture_grown (gpointer data)
{
  Grown *grown = data;
  GdkTexture *texture = view_texture (grown->view);

  g_assert_nonnull (texture);
  return gdk_texture_get_width (texture) > grown->old_width;
}

/* When the view grows, the image is decoded again at the new size, while
 * the old decode stays on screen (no loading state). */
static void
test_resize (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = write_image (fixture->tmpdir, "big.jpg", 4000, 3000, 5);
  g_autofree char *next_path = write_image (fixture->tmpdir, "next.png", 2000, 1000, 6);
  g_autoptr(LbItem) item = make_image_item (1, path);
  g_autoptr(LbItem) next = make_image_item (2, next_path);
  g_autoptr(LbImage) next_image = NULL;
  gboolean saw_loading = FALSE;
  Grown grown = { fixture->view, 0 };
  guint w, h;
  gulong handler;

  lb_item_view_set_item (fixture->view, item);
  wait_settled (fixture->view);
  grown.old_width = gdk_texture_get_width (view_texture (fixture->view));
  lb_item_view_prefetch (fixture->view, next);

  handler = g_signal_connect (fixture->view, "notify::status",
                              G_CALLBACK (status_changed_cb), &saw_loading);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window),
                               WINDOW_WIDTH + 400, WINDOW_HEIGHT + 300);

  lb_test_wait_until (texture_grown, &grown, SETTLE_TIMEOUT_S);

  g_assert_false (saw_loading);
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
  assert_texture_fits (fixture->view, 4000, 3000);
  g_signal_handler_disconnect (fixture->view, handler);

  /* The upcoming image, prefetched at the old size, is decoded again at
   * the new one, so moving on stays instant. */
  view_target_size (fixture->view, &w, &h);
  next_image = lb_test_wait_for_lookup (fixture->loader, next_path, w, h, SETTLE_TIMEOUT_S);
  g_assert_nonnull (next_image);
  lb_item_view_set_item (fixture->view, next);
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_READY);
}

/* The window goes away while an image is being decoded. */
static void
test_destroy_while_loading (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = write_image (fixture->tmpdir, "slow.png", 3000, 2000, 6);
  g_autoptr(LbItem) item = make_image_item (1, path);

  lb_item_view_set_item (fixture->view, item);
  g_assert_cmpint (lb_item_view_get_status (fixture->view), ==, LB_ITEM_VIEW_LOADING);
  g_assert_cmpstr (view_page (fixture->view), ==, "loading");
  /* tear_down destroys the window now and checks the view is finalized */
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/ui/item-view/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("empty", test_empty);
  ADD ("pngsuite", test_pngsuite);
  ADD ("scaled-to-view", test_scaled_to_view);
  ADD ("bad-images", test_bad_images);
  ADD ("error-page-escapes", test_error_page_escapes);
  ADD ("text", test_text);
  ADD ("text-scrolls-to-top", test_text_scrolls_to_top);
  ADD ("switch-quickly", test_switch_quickly);
  ADD ("prefetch", test_prefetch);
  ADD ("same-item-snapshot", test_same_item_snapshot);
  ADD ("resize", test_resize);
  ADD ("destroy-while-loading", test_destroy_while_loading);

#undef ADD

  return g_test_run ();
}
