/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "probe-canvas"
#include "config.h"

/* Frame-time probe for the image canvas (a benchmark, not a test): a
 * 4000 x 3000 (12 MP) photo-like JPEG is shown, then the view is zoomed
 * and panned one step per frame from a tick callback, as a Ctrl+scroll or
 * a drag would. Each frame is timed from the frame clock's "before-paint"
 * to its "after-paint" (the update, layout, snapshot and render), plus an
 * XSync so that the X server's own drawing (the cairo renderer draws with
 * XRender) is in the figure; and the main thread's CPU time over the same
 * span.
 *
 *   GSK_RENDERER=cairo xvfb-run -a -s "-screen 0 1600x1000x24" \
 *     ./_build/tests/ui/probe-canvas [-n 300] [--no-sync]
 */

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "lb-item-view.h"

typedef enum {
  PHASE_IDLE,
  PHASE_ZOOM,
  PHASE_PAN,
} Phase;

typedef struct {
  GtkWidget     *window;
  LbItemView    *view;
  LbImageCanvas *canvas;
  Phase          phase;
  guint          frame;
  guint          n_frames;
  gboolean       sync;
  gint64         t0;
  gint64         cpu0;
  gboolean       started;
  GArray        *wall;   /* gint64 microseconds */
  GArray        *cpu;
} Probe;

static const char * const no_labels[] = { NULL };

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Something like a photograph: smooth shapes, texture, sensor noise. */
static char *
write_photo (const char *dir,
             int         width,
             int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "photo-12mp.jpg", NULL);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint32 rng = 12345;
  double cx = width * 0.45, cy = height * 0.55;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        double d = hypot (x - cx, y - cy) / width;
        double sky = (double) y / height;
        int noise;

        rng = rng * 1664525u + 1013904223u;
        noise = (int) ((rng >> 24) & 15) - 8;
        p[0] = CLAMP (60 + 150 * sky + 40 * sin (x * 0.02) + noise, 0, 255);
        p[1] = CLAMP (90 + 120 * exp (-8 * d * d) + 20 * cos (y * 0.03) + noise, 0, 255);
        p[2] = CLAMP (200 - 120 * sky + 30 * sin ((x + y) * 0.01) + noise, 0, 255);
      }

  gdk_pixbuf_save (pixbuf, path, "jpeg", &error, "quality", "90", NULL);
  if (error != NULL)
    g_error ("Cannot write %s: %s", path, error->message);
  return path;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
spin_until_texture_width (Probe *probe,
                          int    width)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      GdkTexture *texture = lb_image_canvas_get_texture (probe->canvas);

      if (texture != NULL && gdk_texture_get_width (texture) == width)
        return;
      g_main_context_iteration (NULL, TRUE);
    }
  g_error ("No decode %d pixels wide arrived", width);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint i;

  if (sorted->len == 0)
    return NAN;
  i = (guint) ceil (p / 100.0 * sorted->len) - 1;
  i = MIN (i, sorted->len - 1);
  return g_array_index (sorted, gint64, i) / 1000.0;
}

static void
report (const char *what,
        GArray     *samples)
{
  gint64 sum = 0;

  g_array_sort (samples, compare_gint64);
  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, gint64, i);

  g_print ("  %-22s n=%-4u mean %6.2f  p50 %6.2f  p95 %6.2f  p99 %6.2f  max %6.2f ms\n",
           what, samples->len, samples->len ? sum / 1000.0 / samples->len : NAN,
           percentile (samples, 50), percentile (samples, 95), percentile (samples, 99),
           percentile (samples, 100));
}

/* One step per frame */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Probe *probe = user_data;
  double t = (double) probe->frame / probe->n_frames;
  int w = gtk_widget_get_width (GTK_WIDGET (probe->canvas));
  int h = gtk_widget_get_height (GTK_WIDGET (probe->canvas));

  if (probe->phase == PHASE_ZOOM)
    {
      /* From fit to 300 % and back, twice, around a point that wanders
       * like a pointer would. */
      double fit = lb_image_canvas_get_fit_zoom (probe->canvas);
      double u = fabs (sin (t * 2 * G_PI));
      double zoom = fit * pow (3.0 / fit, u);

      lb_image_canvas_zoom_at (probe->canvas, zoom,
                               w * (0.3 + 0.4 * t), h * (0.4 + 0.2 * sin (t * 7)));
    }
  else if (probe->phase == PHASE_PAN)
    {
      /* At 1:1 then at 200 %, a drag along a Lissajous path */
      double target = t < 0.5 ? 1.0 : 2.0;
      double cw = 4000 * target, ch = 3000 * target;

      if (lb_image_canvas_get_zoom (probe->canvas) != target)
        lb_image_canvas_zoom_at (probe->canvas, target, w / 2.0, h / 2.0);
      lb_image_canvas_set_offset (probe->canvas,
                                  -(cw - w) * (0.5 + 0.5 * sin (t * 4 * G_PI * 3)),
                                  -(ch - h) * (0.5 + 0.5 * sin (t * 4 * G_PI * 2)));
    }
  probe->frame++;
  return G_SOURCE_CONTINUE;
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Probe         *probe)
{
  if (probe->phase == PHASE_IDLE)
    return;
  probe->t0 = g_get_monotonic_time ();
  probe->cpu0 = thread_cpu_us ();
  probe->started = TRUE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Probe         *probe)
{
  gint64 wall;

  if (probe->phase == PHASE_IDLE || !probe->started)
    return;

#ifdef GDK_WINDOWING_X11
  if (probe->sync && GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    XSync (gdk_x11_display_get_xdisplay (gdk_display_get_default ()), False);
#endif
  wall = g_get_monotonic_time () - probe->t0;
  g_array_append_val (probe->wall, wall);
  wall = thread_cpu_us () - probe->cpu0;
  g_array_append_val (probe->cpu, wall);
  probe->started = FALSE;
}

static void
run_phase (Probe      *probe,
           Phase       phase,
           const char *name)
{
  guint id;

  g_array_set_size (probe->wall, 0);
  g_array_set_size (probe->cpu, 0);
  probe->frame = 0;
  probe->phase = phase;
  id = gtk_widget_add_tick_callback (GTK_WIDGET (probe->canvas), tick_cb, probe, NULL);
  while (probe->wall->len < probe->n_frames)
    g_main_context_iteration (NULL, TRUE);
  gtk_widget_remove_tick_callback (GTK_WIDGET (probe->canvas), id);
  probe->phase = PHASE_IDLE;

  g_print ("%s (%u frames):\n", name, probe->n_frames);
  report (probe->sync ? "frame (with XSync)" : "frame", probe->wall);
  report ("main thread CPU", probe->cpu);
}

int
main (int   argc,
      char **argv)
{
  Probe probe = { 0 };
  int n_frames = 300;
  gboolean no_sync = FALSE;
  GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &n_frames, "Frames per phase", "N" },
    { "no-sync", 0, 0, G_OPTION_ARG_NONE, &no_sync, "Do not wait for the X server", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- image canvas frame times");
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImageLoader) loader = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  GdkFrameClock *clock;
  gint64 t;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  gtk_init ();
  adw_init ();

  probe.n_frames = MAX (n_frames, 10);
  probe.sync = !no_sync;
  probe.wall = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.cpu = g_array_new (FALSE, FALSE, sizeof (gint64));

  tmpdir = g_dir_make_tmp ("lb-probe-canvas-XXXXXX", &error);
  if (tmpdir == NULL)
    g_error ("%s", error->message);
  t = g_get_monotonic_time ();
  path = write_photo (tmpdir, 4000, 3000);
  g_print ("wrote a 4000 x 3000 JPEG in %.0f ms\n", (g_get_monotonic_time () - t) / 1000.0);

  {
    LbItemFields f = {
      .id = 1, .batch_id = 1, .batch_name = "probe", .external_id = "photo-12mp",
      .kind = LB_ITEM_KIND_IMAGE, .path = path, .relative_path = "photo-12mp.jpg",
      .meta_json = "{}", .content_hash = "", .state = LB_ITEM_STATE_TODO, .labels = no_labels,
    };
    item = lb_item_new (&f);
  }

  loader = lb_image_loader_new (512 * 1024 * 1024, 2);
  probe.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (probe.window), 1400, 900);
  probe.view = LB_ITEM_VIEW (lb_item_view_new ());
  lb_item_view_set_image_loader (probe.view, loader);
  probe.canvas = lb_item_view_get_canvas (probe.view);
  gtk_window_set_child (GTK_WINDOW (probe.window), GTK_WIDGET (probe.view));
  gtk_window_present (GTK_WINDOW (probe.window));
  spin_for (200);

  lb_item_view_set_item (probe.view, item);
  while (lb_item_view_get_status (probe.view) != LB_ITEM_VIEW_READY)
    g_main_context_iteration (NULL, TRUE);
  spin_for (300);

  renderer = gtk_native_get_renderer (GTK_NATIVE (probe.window));
  g_print ("renderer: %s; canvas %d x %d\n", G_OBJECT_TYPE_NAME (renderer),
           gtk_widget_get_width (GTK_WIDGET (probe.canvas)),
           gtk_widget_get_height (GTK_WIDGET (probe.canvas)));

  clock = gtk_widget_get_frame_clock (probe.window);
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &probe);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &probe);

  /* With the full-size decode in place (what 1:1 and beyond show) */
  t = g_get_monotonic_time ();
  lb_image_canvas_zoom_one_to_one (probe.canvas);
  spin_until_texture_width (&probe, 4000);
  g_print ("full-size decode shown %.0f ms after asking for 1:1\n",
           (g_get_monotonic_time () - t) / 1000.0);
  spin_for (300);

  run_phase (&probe, PHASE_ZOOM, "zoom, fit <-> 300 %, around a moving point");
  spin_for (300);
  run_phase (&probe, PHASE_PAN, "pan at 100 % and 200 %");

  gtk_window_destroy (GTK_WINDOW (probe.window));
  spin_for (50);
  g_unlink (path);
  g_rmdir (tmpdir);
  g_array_unref (probe.wall);
  g_array_unref (probe.cpu);
  return 0;
}
