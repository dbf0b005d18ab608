/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-canvas"
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-image-canvas.h"
#include "lb-import.h"
#include "lb-item-view.h"
#include "lb-store.h"
#include "lb-window.h"
#include "lb-test-support.h"
#include "lb-ui-test-support.h"

/* The image canvas: zoom, pan and coordinates on a canvas in a window;
 * the sharper decode when zoomed in, in an item view; Space tap / Space+drag
 * and arrow keys in the real window, driven through its key controller. */

#define WAIT_TIMEOUT_S 20
#define VIEW_W 800
#define VIEW_H 600
#define SRC_W 4000
#define SRC_H 3000

/* A picture with structure (gradients and a grid), saved as PNG or JPEG. */
static void
write_picture (const char *path,
               int         width,
               int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        gboolean line = x % 100 < 2 || y % 100 < 2;

        p[0] = line ? 0 : (guint8) (255 * x / width);
        p[1] = line ? 0 : (guint8) (255 * y / height);
        p[2] = line ? 0 : 160;
      }
  gdk_pixbuf_save (pixbuf, path, g_str_has_suffix (path, ".png") ? "png" : "jpeg", &error, NULL);
  g_assert_no_error (error);
}

/* Canvas alone */

typedef struct {
  GtkWidget     *window;
  LbImageCanvas *canvas;
} CanvasFixture;

static gboolean
canvas_allocated (gpointer data)
{
  CanvasFixture *f = data;

  return gtk_widget_get_width (GTK_WIDGET (f->canvas)) == VIEW_W
         && gtk_widget_get_height (GTK_WIDGET (f->canvas)) == VIEW_H;
}

static void
canvas_set_up (CanvasFixture *f,
               gconstpointer  data)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 *pixels = g_malloc (400 * 300 * 4);

  /* A decode at a tenth of a 4000 x 3000 source */
  memset (pixels, 0x80, 400 * 300 * 4);
  bytes = g_bytes_new_take (pixels, 400 * 300 * 4);
  texture = gdk_memory_texture_new (400, 300, GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes, 400 * 4);

  f->window = gtk_window_new ();
  f->canvas = LB_IMAGE_CANVAS (lb_image_canvas_new ());
  gtk_widget_set_size_request (GTK_WIDGET (f->canvas), VIEW_W, VIEW_H);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->canvas));
  gtk_window_set_resizable (GTK_WINDOW (f->window), FALSE);
  lb_image_canvas_set_content_size (f->canvas, SRC_W, SRC_H);
  lb_image_canvas_set_texture (f->canvas, texture);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_wait_until (canvas_allocated, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (20);
}

static void
canvas_tear_down (CanvasFixture *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  lb_test_spin_for (10);
}

static void
assert_image_point (LbImageCanvas *canvas,
                    double         wx,
                    double         wy,
                    double         ix,
                    double         iy)
{
  double x, y;

  lb_image_canvas_widget_to_image (canvas, wx, wy, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, ix, 1e-6);
  g_assert_cmpfloat_with_epsilon (y, iy, 1e-6);
}

static void
test_fit_and_one_to_one (CanvasFixture *f,
                         gconstpointer  data)
{
  double x, y, ix, iy;

  /* Fitted: 4000 x 3000 in 800 x 600 is 20 %, the whole image in view */
  g_assert_true (lb_image_canvas_get_fitted (f->canvas));
  g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), 0.2, 1e-9);
  g_assert_false (lb_image_canvas_get_zoomed_in (f->canvas));
  assert_image_point (f->canvas, 0, 0, 0, 0);
  assert_image_point (f->canvas, VIEW_W, VIEW_H, SRC_W, SRC_H);

  /* 1:1 around the centre of the view */
  lb_image_canvas_zoom_one_to_one (f->canvas);
  g_assert_false (lb_image_canvas_get_fitted (f->canvas));
  g_assert_cmpfloat (lb_image_canvas_get_zoom (f->canvas), ==, 1.0);
  g_assert_true (lb_image_canvas_get_zoomed_in (f->canvas));
  assert_image_point (f->canvas, VIEW_W / 2.0, VIEW_H / 2.0, SRC_W / 2.0, SRC_H / 2.0);
  /* one widget pixel is one image pixel */
  lb_image_canvas_widget_to_image (f->canvas, 10, 10, &x, &y);
  lb_image_canvas_widget_to_image (f->canvas, 110, 60, &ix, &iy);
  g_assert_cmpfloat_with_epsilon (ix - x, 100, 1e-9);
  g_assert_cmpfloat_with_epsilon (iy - y, 50, 1e-9);

  /* Back to fit */
  lb_image_canvas_zoom_fit (f->canvas);
  g_assert_true (lb_image_canvas_get_fitted (f->canvas));
  g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), 0.2, 1e-9);
  lb_image_canvas_get_offset (f->canvas, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
  g_assert_cmpfloat (y, ==, 0);

  /* Zooming out stops at fit for an image larger than the view; steps in
   * and back out land on fit exactly */
  lb_image_canvas_zoom_out (f->canvas);
  g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), 0.2, 1e-9);
  lb_image_canvas_zoom_in (f->canvas);
  g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), 0.25, 1e-9);
  g_assert_false (lb_image_canvas_get_fitted (f->canvas));
  lb_image_canvas_zoom_out (f->canvas);
  g_assert_true (lb_image_canvas_get_fitted (f->canvas));

  /* A new image (another size) starts fitted */
  lb_image_canvas_zoom_one_to_one (f->canvas);
  lb_image_canvas_set_content_size (f->canvas, 1600, 1600);
  g_assert_true (lb_image_canvas_get_fitted (f->canvas));
  g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), 600.0 / 1600, 1e-9);
  /* narrower than the view: centred */
  lb_image_canvas_get_offset (f->canvas, &x, &y);
  g_assert_cmpfloat (x, ==, 100);
  g_assert_cmpfloat (y, ==, 0);
}

static void
test_zoom_keeps_pointer (CanvasFixture *f,
                         gconstpointer  data)
{
  static const struct { double zoom, x, y; } steps[] = {
    { 0.6, 300, 250 },
    { 2.0, 123, 456 },
    { 7.5, 700, 80 },
    { 0.9, 400, 300 },
    { 1.3, 10, 590 },
  };
  double ix, iy;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      lb_image_canvas_widget_to_image (f->canvas, steps[i].x, steps[i].y, &ix, &iy);
      lb_image_canvas_zoom_at (f->canvas, steps[i].zoom, steps[i].x, steps[i].y);
      g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (f->canvas), steps[i].zoom, 1e-9);
      /* the image point under the pointer stays under the pointer */
      assert_image_point (f->canvas, steps[i].x, steps[i].y, ix, iy);
    }

  /* Clamped to the limits */
  lb_image_canvas_zoom_at (f->canvas, 1000, 400, 300);
  g_assert_cmpfloat (lb_image_canvas_get_zoom (f->canvas), ==,
                     lb_image_canvas_get_max_zoom (f->canvas));
  lb_image_canvas_zoom_at (f->canvas, 0.001, 400, 300);
  g_assert_true (lb_image_canvas_get_fitted (f->canvas));
}

static void
test_pan_clamps (CanvasFixture *f,
                 gconstpointer  data)
{
  double x0, y0, x, y;

  /* Nothing to pan while fitted */
  lb_image_canvas_pan (f->canvas, -50, -50);
  lb_image_canvas_get_offset (f->canvas, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
  g_assert_cmpfloat (y, ==, 0);

  lb_image_canvas_zoom_one_to_one (f->canvas);
  lb_image_canvas_get_offset (f->canvas, &x0, &y0);
  g_assert_cmpfloat (x0, ==, VIEW_W / 2.0 - SRC_W / 2.0);
  g_assert_cmpfloat (y0, ==, VIEW_H / 2.0 - SRC_H / 2.0);

  /* Moves the view by as much as asked */
  lb_image_canvas_pan (f->canvas, -50, 30);
  lb_image_canvas_get_offset (f->canvas, &x, &y);
  g_assert_cmpfloat (x, ==, x0 - 50);
  g_assert_cmpfloat (y, ==, y0 + 30);
  assert_image_point (f->canvas, VIEW_W / 2.0, VIEW_H / 2.0, SRC_W / 2.0 + 50, SRC_H / 2.0 - 30);

  /* and stops at the edges: the image always covers the view */
  lb_image_canvas_pan (f->canvas, 1e6, 1e6);
  lb_image_canvas_get_offset (f->canvas, &x, &y);
  g_assert_cmpfloat (x, ==, 0);
  g_assert_cmpfloat (y, ==, 0);
  assert_image_point (f->canvas, 0, 0, 0, 0);
  lb_image_canvas_pan (f->canvas, -1e6, -1e6);
  assert_image_point (f->canvas, VIEW_W, VIEW_H, SRC_W, SRC_H);

  /* Zooming near an edge keeps the image covering the view too */
  lb_image_canvas_zoom_at (f->canvas, 0.3, VIEW_W, VIEW_H);
  assert_image_point (f->canvas, VIEW_W, VIEW_H, SRC_W, SRC_H);
}

static void
test_coordinates_round_trip (CanvasFixture *f,
                             gconstpointer  data)
{
  static const double zooms[] = { 0.2, 0.37, 1.0, 2.5, 16.0 };
  static const double points[][2] = { { 0, 0 }, { 1234.5, 987.25 }, { 4000, 3000 }, { 17, 2999 } };

  for (guint i = 0; i < G_N_ELEMENTS (zooms); i++)
    {
      lb_image_canvas_zoom_at (f->canvas, zooms[i], 333, 222);
      lb_image_canvas_pan (f->canvas, -77, 41);

      for (guint j = 0; j < G_N_ELEMENTS (points); j++)
        {
          double wx, wy, ix, iy;

          lb_image_canvas_image_to_widget (f->canvas, points[j][0], points[j][1], &wx, &wy);
          lb_image_canvas_widget_to_image (f->canvas, wx, wy, &ix, &iy);
          g_assert_cmpfloat_with_epsilon (ix, points[j][0], 1e-6);
          g_assert_cmpfloat_with_epsilon (iy, points[j][1], 1e-6);
          /* the scale is the zoom: 10 image pixels are 10 * zoom widget pixels */
          {
            double wx2, wy2;

            lb_image_canvas_image_to_widget (f->canvas, points[j][0] + 10, points[j][1] + 10,
                                             &wx2, &wy2);
            g_assert_cmpfloat_with_epsilon (wx2 - wx, 10 * lb_image_canvas_get_zoom (f->canvas),
                                            1e-6);
            g_assert_cmpfloat_with_epsilon (wy2 - wy, 10 * lb_image_canvas_get_zoom (f->canvas),
                                            1e-6);
          }
        }
    }
}

/* Item view: a sharper decode when zoomed in */

typedef struct {
  GtkWidget     *window;
  LbItemView    *view;
  LbImageLoader *loader;
  char          *tmpdir;
  guint          want_width;
} ViewFixture;

static const char * const no_labels[] = { NULL };

static LbItem *
make_image_item (gint64      id,
                 const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  LbItemFields fields = {
    .id = id,
    .batch_id = 1,
    .batch_name = "test",
    .external_id = base,
    .kind = LB_ITEM_KIND_IMAGE,
    .path = path,
    .relative_path = base,
    .meta_json = "{}",
    .content_hash = "0000",
    .state = LB_ITEM_STATE_TODO,
    .labels = no_labels,
  };

  return lb_item_new (&fields);
}

static gboolean
view_ready (gpointer data)
{
  ViewFixture *f = data;

  return lb_item_view_get_status (f->view) == LB_ITEM_VIEW_READY;
}

static gboolean
texture_width_is (gpointer data)
{
  ViewFixture *f = data;
  GdkTexture *texture = lb_image_canvas_get_texture (lb_item_view_get_canvas (f->view));

  return texture != NULL && (guint) gdk_texture_get_width (texture) == f->want_width;
}

static GtkLabel *
find_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child);

      if (found != NULL && strstr (gtk_label_get_text (found), "×") != NULL)
        return found;
    }
  return NULL;
}

static void
test_decode_follows_zoom (void)
{
  ViewFixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(LbItem) item = NULL;
  LbImageCanvas *canvas;
  GdkTexture *texture;
  GtkLabel *caption;
  guint fitted_width;

  f->tmpdir = g_dir_make_tmp ("lb-test-canvas-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->tmpdir, "big.jpg", NULL);
  write_picture (path, 2400, 1800);

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 640, 520);
  f->loader = lb_image_loader_new (256 * 1024 * 1024, 2);
  f->view = LB_ITEM_VIEW (lb_item_view_new ());
  lb_item_view_set_image_loader (f->view, f->loader);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_spin_for (50);

  item = make_image_item (1, path);
  lb_item_view_set_item (f->view, item);
  lb_test_wait_until (view_ready, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (300);   /* any re-decode after the first allocations */
  canvas = lb_item_view_get_canvas (f->view);
  texture = lb_image_canvas_get_texture (canvas);
  g_assert_nonnull (texture);
  fitted_width = gdk_texture_get_width (texture);
  /* decoded at about the view's size, not at the source's */
  g_assert_cmpuint (fitted_width, <=, 640);
  g_assert_true (lb_image_canvas_get_fitted (canvas));

  caption = find_label (GTK_WIDGET (f->view));
  g_assert_nonnull (caption);
  g_assert_nonnull (strstr (gtk_label_get_text (caption), "2400 × 1800"));

  /* 1:1: the full-size decode arrives, and is shown with the same view */
  lb_image_canvas_zoom_one_to_one (canvas);
  g_assert_nonnull (strstr (gtk_label_get_text (caption), "100 %"));
  f->want_width = 2400;
  lb_test_wait_until (texture_width_is, f, WAIT_TIMEOUT_S);
  g_assert_cmpfloat (lb_image_canvas_get_zoom (canvas), ==, 1.0);
  g_assert_false (lb_image_canvas_get_fitted (canvas));

  /* Zoomed between fit and 50 %: half the source is enough */
  lb_image_canvas_zoom_fit (canvas);
  f->want_width = fitted_width;
  lb_test_wait_until (texture_width_is, f, WAIT_TIMEOUT_S);
  lb_image_canvas_zoom_at (canvas, lb_image_canvas_get_fit_zoom (canvas) * 1.5, 100, 100);
  g_assert_cmpfloat (lb_image_canvas_get_zoom (canvas), <, 0.5);
  f->want_width = 1200;
  lb_test_wait_until (texture_width_is, f, WAIT_TIMEOUT_S);

  /* A new item starts fitted */
  lb_item_view_set_item (f->view, NULL);
  lb_item_view_set_item (f->view, item);
  lb_test_wait_until (view_ready, f, WAIT_TIMEOUT_S);
  g_assert_true (lb_image_canvas_get_fitted (canvas));

  gtk_window_destroy (GTK_WINDOW (f->window));
  lb_test_spin_for (20);
  g_clear_object (&f->loader);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

/* What the cairo renderer draws of a large decode (tiles, half-size
 * levels) is the picture: pixel for pixel at 1:1 across tile edges, and
 * the right colours zoomed out. */

static GdkTexture *
render_canvas (LbImageCanvas *canvas)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (canvas));
  GskRenderer *renderer = gtk_native_get_renderer (native);
  int w = gtk_widget_get_width (GTK_WIDGET (canvas));
  int h = gtk_widget_get_height (GTK_WIDGET (canvas));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  g_assert_true (GSK_IS_CAIRO_RENDERER (renderer));
  /* What the canvas draws, by itself */
  GTK_WIDGET_GET_CLASS (canvas)->snapshot (GTK_WIDGET (canvas), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
}

/* R, G, B of the rendered pixel at widget (x, y) */
static void
texture_pixel (GdkTexture *texture,
               guint8     *pixels,
               int         x,
               int         y,
               int        *rgb)
{
  gsize stride = gdk_texture_get_width (texture) * 4;
  guint32 p = *(guint32 *) (gpointer) (pixels + y * stride + x * 4);  /* cairo ARGB32 */

  rgb[0] = (p >> 16) & 0xff;
  rgb[1] = (p >> 8) & 0xff;
  rgb[2] = p & 0xff;
}

static void
expected_pixel (int  x,
                int  y,
                int  width,
                int  height,
                int *rgb)
{
  gboolean line = x % 100 < 2 || y % 100 < 2;

  rgb[0] = line ? 0 : 255 * x / width;
  rgb[1] = line ? 0 : 255 * y / height;
  rgb[2] = line ? 0 : 160;
}

static void
test_render_tiles_and_levels (void)
{
  ViewFixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(GdkTexture) rendered = NULL;
  g_autofree guint8 *pixels = NULL;
  LbImageCanvas *canvas;
  int w, h, checked = 0;

  f->tmpdir = g_dir_make_tmp ("lb-test-canvas-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->tmpdir, "big.png", NULL);
  write_picture (path, 2400, 1800);

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 700, 560);
  f->loader = lb_image_loader_new (256 * 1024 * 1024, 2);
  f->view = LB_ITEM_VIEW (lb_item_view_new ());
  lb_item_view_set_image_loader (f->view, f->loader);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->view));
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_spin_for (50);
  if (!GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (f->window))))
    {
      g_test_skip ("not the cairo renderer");
      gtk_window_destroy (GTK_WINDOW (f->window));
      g_clear_object (&f->loader);
      lb_test_remove_tree (f->tmpdir);
      g_free (f->tmpdir);
      return;
    }

  item = make_image_item (1, path);
  lb_item_view_set_item (f->view, item);
  lb_test_wait_until (view_ready, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (300);
  canvas = lb_item_view_get_canvas (f->view);

  /* 1:1, the full-size decode (converted in a thread, drawn in tiles) */
  lb_image_canvas_zoom_one_to_one (canvas);
  f->want_width = 2400;
  lb_test_wait_until (texture_width_is, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (500);
  /* the top-left corner of the view on a tile corner (512, 512), so that
   * the view crosses tile edges both ways */
  lb_image_canvas_set_offset (canvas, -400, -300);
  w = gtk_widget_get_width (GTK_WIDGET (canvas));
  h = gtk_widget_get_height (GTK_WIDGET (canvas));
  rendered = render_canvas (canvas);
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (rendered, pixels, (gsize) w * 4);
  for (int y = 0; y < h; y += 7)
    for (int x = 0; x < w; x += 5)
      {
        int got[3], want[3];

        texture_pixel (rendered, pixels, x, y, got);
        expected_pixel (x + 400, y + 300, 2400, 1800, want);
        for (int c = 0; c < 3; c++)
          if (got[c] != want[c])
            g_error ("pixel (%d, %d) of the image: %d %d %d, drawn %d %d %d", x + 400, y + 300,
                     want[0], want[1], want[2], got[0], got[1], got[2]);
        checked++;
      }
  /* and right on the tile edges */
  for (int i = 0; i < 4; i++)
    {
      int got[3], want[3];
      int x = 511 + (i & 1) - 400, y = 511 + (i >> 1) - 300;

      texture_pixel (rendered, pixels, x, y, got);
      expected_pixel (x + 400, y + 300, 2400, 1800, want);
      g_assert_cmpint (got[0], ==, want[0]);
      g_assert_cmpint (got[1], ==, want[1]);
      g_assert_cmpint (got[2], ==, want[2]);
    }
  g_assert_cmpint (checked, >, 1000);

  /* Zoomed out to 40 % (drawn from the half-size level, before a smaller
   * decode arrives): away from the grid lines, the colours are right */
  lb_image_canvas_zoom_at (canvas, 0.4, 0, 0);
  g_clear_object (&rendered);
  rendered = render_canvas (canvas);
  gdk_texture_download (rendered, pixels, (gsize) w * 4);
  for (int iy = 50; iy < 1800; iy += 100)
    for (int ix = 50; ix < 2400; ix += 100)
      {
        double wx, wy;
        int got[3], want[3];

        lb_image_canvas_image_to_widget (canvas, ix, iy, &wx, &wy);
        if (wx < 0 || wy < 0 || wx >= w || wy >= h)
          continue;
        texture_pixel (rendered, pixels, (int) wx, (int) wy, got);
        expected_pixel (ix, iy, 2400, 1800, want);
        for (int c = 0; c < 3; c++)
          g_assert_cmpint (ABS (got[c] - want[c]), <=, 3);
      }

  gtk_window_destroy (GTK_WINDOW (f->window));
  lb_test_spin_for (20);
  g_clear_object (&f->loader);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

/* The window: Space tap skips, Space+drag pans, arrows pan when zoomed */

typedef struct {
  char     *tmpdir;
  LbStore  *store;
  LbWindow *window;
} WindowFixture;

static LbItemState
stored_state (WindowFixture *f,
              gint64         id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = lb_store_get_item (f->store, id, &error);

  g_assert_no_error (error);
  return lb_item_get_state (item);
}

static void
test_window_space_and_arrows (void)
{
  WindowFixture fixture = { 0 }, *f = &fixture;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImportReport) report = NULL;
  g_autofree char *db = NULL;
  g_autofree char *batch = NULL;
  GtkEventController *keys;
  LbImageCanvas *canvas;
  GtkGesture *drag;
  gboolean handled = FALSE;
  double x0, y0, x, y;
  gint64 id;

  f->tmpdir = g_dir_make_tmp ("lb-test-canvas-XXXXXX", &error);
  g_assert_no_error (error);
  batch = g_build_filename (f->tmpdir, "photos", NULL);
  g_assert_cmpint (g_mkdir (batch, 0700), ==, 0);
  for (int i = 1; i <= 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("%02d.png", i);
      g_autofree char *path = g_build_filename (batch, name, NULL);

      write_picture (path, 1600, 1200);
    }

  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_store_open (db, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  report = lb_import (f->store, batch, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 4);

  f->window = lb_ui_test_new_window (f->store, "Tester");
  lb_ui_test_open_batch (f->window, report->batch_id);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_wait_until (lb_ui_test_image_shown, f->window, WAIT_TIMEOUT_S);
  lb_test_spin_for (50);

  keys = lb_window_get_key_controller (f->window);
  canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (lb_window_get_item_view (f->window)));
  drag = lb_ui_test_primary_drag (GTK_WIDGET (canvas));

  /* Fitted: Space skips at once */
  id = lb_item_get_id (lb_window_get_current_item (f->window));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_space, 0, 0, &handled);
  g_assert_true (handled);
  g_signal_emit_by_name (keys, "key-released", GDK_KEY_space, 0, 0);
  lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
  g_assert_cmpint (stored_state (f, id), ==, LB_ITEM_STATE_SKIPPED);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), !=, id);
  lb_test_wait_until (lb_ui_test_image_shown, f->window, WAIT_TIMEOUT_S);

  /* Zoomed in (Ctrl+plus is the action): Space+drag pans, no skip */
  id = lb_item_get_id (lb_window_get_current_item (f->window));
  for (int i = 0; i < 4; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.zoom-in", NULL));
  g_assert_true (lb_image_canvas_get_zoomed_in (canvas));
  lb_image_canvas_get_offset (canvas, &x0, &y0);

  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_space, 0, 0, &handled);
  g_assert_true (handled);
  /* held: the key repeats */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_space, 0, 0, &handled);
  g_assert_true (handled);
  g_signal_emit_by_name (drag, "drag-begin", 300.0, 300.0);
  g_signal_emit_by_name (drag, "drag-update", 40.0, 25.0);
  g_signal_emit_by_name (drag, "drag-end", 60.0, 35.0);
  g_signal_emit_by_name (keys, "key-released", GDK_KEY_space, 0, 0);
  lb_test_spin_for (50);
  lb_image_canvas_get_offset (canvas, &x, &y);
  g_assert_cmpfloat (x, ==, x0 + 60);
  g_assert_cmpfloat (y, ==, y0 + 35);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id);
  lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
  g_assert_cmpint (stored_state (f, id), ==, LB_ITEM_STATE_TODO);

  /* Without Space, a primary-button drag does not pan (it is for tools) */
  g_signal_emit_by_name (drag, "drag-begin", 300.0, 300.0);
  g_signal_emit_by_name (drag, "drag-update", 40.0, 25.0);
  g_signal_emit_by_name (drag, "drag-end", 40.0, 25.0);
  lb_image_canvas_get_offset (canvas, &x0, &y0);
  g_assert_cmpfloat (x0, ==, x);
  g_assert_cmpfloat (y0, ==, y);

  /* Zoomed in, arrows pan and do not move in the queue */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
  g_assert_true (handled);
  lb_image_canvas_get_offset (canvas, &x, &y);
  g_assert_cmpfloat (y, <, y0);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Left, 0, 0, &handled);
  lb_image_canvas_get_offset (canvas, &x, NULL);
  g_assert_cmpfloat (x, >, x0);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id);

  /* A Space tap while zoomed in still skips (when it comes up) */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_space, 0, 0, &handled);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, id);
  g_signal_emit_by_name (keys, "key-released", GDK_KEY_space, 0, 0);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), !=, id);
  lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
  g_assert_cmpint (stored_state (f, id), ==, LB_ITEM_STATE_SKIPPED);

  /* The next item starts fitted; there Down moves in the queue again */
  lb_test_wait_until (lb_ui_test_image_shown, f->window, WAIT_TIMEOUT_S);
  g_assert_true (lb_image_canvas_get_fitted (canvas));
  id = lb_item_get_id (lb_window_get_current_item (f->window));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), !=, id);

  /* Ctrl+0 and Ctrl+Alt+0 are the fit and 1:1 actions */
  lb_test_wait_until (lb_ui_test_image_shown, f->window, WAIT_TIMEOUT_S);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.zoom-original", NULL));
  g_assert_cmpfloat (lb_image_canvas_get_zoom (canvas), ==, 1.0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.zoom-fit", NULL));
  g_assert_true (lb_image_canvas_get_fitted (canvas));

  /* Space down, then K, then Space up: a move, no skip of either item */
  id = lb_item_get_id (lb_window_get_current_item (f->window));
  for (int i = 0; i < 4; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.zoom-in", NULL));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_space, 0, 0, &handled);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_k, 0, 0, &handled);
  g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), !=, id);
  {
    gint64 next_id = lb_item_get_id (lb_window_get_current_item (f->window));

    g_signal_emit_by_name (keys, "key-released", GDK_KEY_space, 0, 0);
    lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
    g_assert_cmpint (lb_item_get_id (lb_window_get_current_item (f->window)), ==, next_id);
    g_assert_cmpint (stored_state (f, id), ==, LB_ITEM_STATE_TODO);
    g_assert_cmpint (stored_state (f, next_id), ==, LB_ITEM_STATE_TODO);
  }

  /* Plain + (or =) and - zoom too, when the schema has no such hotkey */
  {
    double zoom;

    lb_test_wait_until (lb_ui_test_image_shown, f->window, WAIT_TIMEOUT_S);
    zoom = lb_image_canvas_get_zoom (canvas);
    g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_plus, 0, GDK_SHIFT_MASK, &handled);
    g_assert_true (handled);
    g_assert_cmpfloat (lb_image_canvas_get_zoom (canvas), >, zoom);
    g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_equal, 0, 0, &handled);
    g_assert_true (handled);
    g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_minus, 0, 0, &handled);
    g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_minus, 0, 0, &handled);
    g_assert_cmpfloat_with_epsilon (lb_image_canvas_get_zoom (canvas), zoom, 1e-9);
  }

  lb_test_wait_until (lb_ui_test_nothing_pending, f->window, WAIT_TIMEOUT_S);
  lb_ui_test_destroy_window (GTK_WINDOW (f->window));
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

int
main (int    argc,
      char **argv)
{
  /* What the seats use (no GPU), and what draws large images in tiles */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/ui/canvas/" path, CanvasFixture, NULL, canvas_set_up, func, canvas_tear_down)

  ADD ("fit-and-one-to-one", test_fit_and_one_to_one);
  ADD ("zoom-keeps-pointer", test_zoom_keeps_pointer);
  ADD ("pan-clamps", test_pan_clamps);
  ADD ("coordinates-round-trip", test_coordinates_round_trip);
  g_test_add_func ("/ui/canvas/decode-follows-zoom", test_decode_follows_zoom);
  g_test_add_func ("/ui/canvas/render-tiles-and-levels", test_render_tiles_and_levels);
  g_test_add_func ("/ui/canvas/window-space-and-arrows", test_window_space_and_arrows);

  return g_test_run ();
}
