/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-charts"
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "lb-bar-chart.h"
#include "lb-heat-map.h"
#include "lb-line-chart.h"
#include "lb-test-support.h"

/* The quality dashboard's charts, standalone: layout through their
 * accessors, accessible summaries, the empty state, and pixels of the real
 * rendering (the widget in a window, snapshotted and rendered to a texture
 * by a cairo renderer).
 *
 * LB_CHARTS_SCREENSHOT=1 (or =dark) instead shows a demo dashboard with the
 * three charts for LB_CHARTS_SCREENSHOT_SECONDS (default 8) and exits. */

#define WAIT_TIMEOUT_S 20

static const char *annotators[] = { "Alice Martin", "王芳", "Bob Okafor" };

typedef struct {
  GtkWidget *window;
  GtkWidget *chart;
} Fixture;

static gboolean
allocated_cb (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (f->chart) && gtk_widget_get_width (f->chart) > 0;
}

static void
show_chart (Fixture   *f,
            GtkWidget *chart,
            int        width,
            int        height)
{
  f->chart = chart;
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), width, height);
  gtk_window_set_child (GTK_WINDOW (f->window), chart);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_wait_until (allocated_cb, f, WAIT_TIMEOUT_S);
  lb_test_spin_for (50);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window)
    gtk_window_destroy (GTK_WINDOW (f->window));
  lb_test_spin_for (20);
}

/* The widget as drawn, over the view background, as a texture */
static GdkTexture *
render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GError) error = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderNode *node;
  GdkTexture *texture;
  GdkRGBA bg;

  g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget),
                                                 "view_bg_color", &bg));
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  g_assert_true (gsk_renderer_realize (renderer, NULL, &error));
  g_assert_no_error (error);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_renderer_unrealize (renderer);
  gsk_render_node_unref (node);
  return texture;
}

typedef struct {
  int     width;
  int     height;
  gsize   stride;
  guint8 *data;
} Pixels;

static void
pixels_init (Pixels     *p,
             GdkTexture *texture)
{
  p->width = gdk_texture_get_width (texture);
  p->height = gdk_texture_get_height (texture);
  p->stride = (gsize) p->width * 4;
  p->data = g_malloc (p->stride * p->height);
  gdk_texture_download (texture, p->data, p->stride);
}

/* The pixel at X, Y (cairo ARGB32, opaque here: the background is) */
static GdkRGBA
pixel_at (const Pixels *p,
          double        x,
          double        y)
{
  int ix = CLAMP ((int) x, 0, p->width - 1);
  int iy = CLAMP ((int) y, 0, p->height - 1);
  const guint32 v = *(const guint32 *) (p->data + iy * p->stride + ix * 4);

  return (GdkRGBA) { ((v >> 16) & 0xff) / 255.f, ((v >> 8) & 0xff) / 255.f,
                     (v & 0xff) / 255.f, ((v >> 24) & 0xff) / 255.f };
}

static double
color_distance (const GdkRGBA *a,
                const GdkRGBA *b)
{
  return fabs (a->red - b->red) + fabs (a->green - b->green) + fabs (a->blue - b->blue);
}

static GdkRGBA
named_color (GtkWidget  *widget,
             const char *name)
{
  GdkRGBA color;

  g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget),
                                                 name, &color));
  return color;
}

/* Bar chart */

static const double throughput[] = { 41.3, 38.0, 12.5 };

static LbBarChart *
throughput_chart (void)
{
  LbBarChart *chart = LB_BAR_CHART (lb_bar_chart_new ());

  lb_bar_chart_set_data (chart, annotators, throughput, 3);
  lb_bar_chart_set_unit (chart, LB_BAR_CHART_UNIT_PER_HOUR);
  lb_bar_chart_set_reference (chart, 38.0, "Team median");
  return chart;
}

static void
test_bar_layout (Fixture       *f,
                 gconstpointer  data)
{
  LbBarChart *chart = g_object_ref_sink (throughput_chart ());
  graphene_rect_t bars[3], names[3];

  for (guint i = 0; i < 3; i++)
    g_assert_true (lb_bar_chart_get_bar_extents (chart, i, 500, 200, &bars[i], &names[i]));
  g_assert_false (lb_bar_chart_get_bar_extents (chart, 3, 500, 200, NULL, NULL));

  /* given order, top to bottom; lengths in proportion to the values; the
   * largest ends before the room its value label needs */
  g_assert_cmpfloat (bars[0].origin.y, <, bars[1].origin.y);
  g_assert_cmpfloat (bars[1].origin.y, <, bars[2].origin.y);
  g_assert_cmpfloat (bars[0].size.width, >, bars[1].size.width);
  g_assert_cmpfloat (bars[1].size.width, >, bars[2].size.width);
  g_assert_cmpfloat_with_epsilon (bars[2].size.width / bars[0].size.width, 12.5 / 41.3, 0.01);
  g_assert_cmpfloat (bars[0].origin.x + bars[0].size.width, <, 500 - 30);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (names[i].origin.x, >=, 0);
      g_assert_cmpfloat (names[i].size.width, >, 0);
      g_assert_cmpfloat (names[i].origin.x + names[i].size.width, <=, bars[i].origin.x);
    }

  /* sorted: Bob (12.5) stays last, the order is by value */
  {
    static const double swapped[] = { 12.5, 38.0, 41.3 };

    lb_bar_chart_set_data (chart, annotators, swapped, 3);
    lb_bar_chart_set_sorted (chart, TRUE);
    for (guint i = 0; i < 3; i++)
      lb_bar_chart_get_bar_extents (chart, i, 500, 200, &bars[i], NULL);
    g_assert_cmpfloat (bars[2].origin.y, <, bars[1].origin.y);
    g_assert_cmpfloat (bars[1].origin.y, <, bars[0].origin.y);
  }

  /* no value: no bar, "n/a" */
  {
    const double with_nan[] = { 20.0, NAN };
    g_autofree char *na = NULL;

    lb_bar_chart_set_data (chart, annotators, with_nan, 2);
    lb_bar_chart_get_bar_extents (chart, 1, 500, 200, &bars[1], NULL);
    g_assert_cmpfloat (bars[1].size.width, ==, 0);
    na = lb_bar_chart_format_value (chart, NAN);
    g_assert_cmpstr (na, ==, "n/a");
  }
  g_assert_finalize_object (chart);
}

static void
test_bar_chinese_names (Fixture       *f,
                        gconstpointer  data)
{
  static const char *names[] = { "王芳", "数据标注质量审核小组组长王小明同志的名字非常长", "Bob" };
  static const double values[] = { 0.92, 0.81, 0.75 };
  LbBarChart *chart = LB_BAR_CHART (lb_bar_chart_new ());
  graphene_rect_t bar, name, short_name;

  lb_bar_chart_set_data (chart, names, values, 3);
  lb_bar_chart_set_unit (chart, LB_BAR_CHART_UNIT_PERCENT);
  show_chart (f, GTK_WIDGET (chart), 360, 140);

  /* the long name is cut to a third of the width and never reaches the bar */
  g_assert_true (lb_bar_chart_get_bar_extents (chart, 1, 360, 140, &bar, &name));
  g_assert_cmpfloat (name.size.width, <=, 120);
  g_assert_cmpfloat (name.size.width, >, 40);
  g_assert_cmpfloat (name.origin.x + name.size.width, <=, bar.origin.x);
  /* the short Chinese name is drawn whole: two CJK glyphs are wider than
   * one and a half em-ish characters, narrower than the column */
  g_assert_true (lb_bar_chart_get_bar_extents (chart, 0, 360, 140, NULL, &short_name));
  g_assert_cmpfloat (short_name.size.width, >, 12);
  g_assert_cmpfloat (short_name.size.width, <, name.size.width);

  {
    g_autofree char *text = lb_bar_chart_format_value (chart, 0.92);
    g_assert_cmpstr (text, ==, "92%");
  }
  /* the percent scale is 0-100 %: 92 % fills 92 % of the 100 % track */
  {
    graphene_rect_t full;
    static const double full_first[] = { 1.0, 0.81, 0.75 };

    g_assert_true (lb_bar_chart_get_bar_extents (chart, 0, 360, 140, &bar, NULL));
    lb_bar_chart_set_data (chart, names, full_first, 3);
    g_assert_true (lb_bar_chart_get_bar_extents (chart, 0, 360, 140, &full, NULL));
    g_assert_cmpfloat_with_epsilon (bar.size.width / full.size.width, 0.92, 0.01);
  }
}

static void
test_bar_summary (Fixture       *f,
                  gconstpointer  data)
{
  LbBarChart *chart = g_object_ref_sink (throughput_chart ());
  const char *summary = lb_bar_chart_get_summary (chart);

  g_assert_nonnull (strstr (summary, "Alice Martin: 41.30 items per hour"));
  g_assert_nonnull (strstr (summary, "王芳: 38.00 items per hour"));
  g_assert_nonnull (strstr (summary, "Bob Okafor: 12.50 items per hour"));
  g_assert_nonnull (strstr (summary, "Team median: 38.00 items per hour"));
  g_assert_true (strstr (summary, "Alice") < strstr (summary, "Bob"));

  lb_bar_chart_set_sorted (chart, TRUE);
  lb_bar_chart_set_data (chart, NULL, NULL, 0);
  g_assert_cmpstr (lb_bar_chart_get_summary (chart), ==, "Bar chart: no data yet");
  g_assert_cmpuint (lb_bar_chart_get_n_bars (chart), ==, 0);
  g_assert_finalize_object (chart);
}

static void
test_bar_pixels (Fixture       *f,
                 gconstpointer  data)
{
  LbBarChart *chart = throughput_chart ();
  g_autoptr(GdkTexture) texture = NULL;
  graphene_rect_t bars[3];
  GdkRGBA fill, bg, p;
  Pixels px;
  int width, height;

  show_chart (f, GTK_WIDGET (chart), 480, 160);
  width = gtk_widget_get_width (f->chart);
  height = gtk_widget_get_height (f->chart);
  for (guint i = 0; i < 3; i++)
    lb_bar_chart_get_bar_extents (chart, i, width, height, &bars[i], NULL);
  fill = named_color (f->chart, "accent_bg_color");
  bg = named_color (f->chart, "view_bg_color");
  texture = render (f->chart);
  pixels_init (&px, texture);

  /* the largest bar is filled up to its end ... */
  p = pixel_at (&px, bars[0].origin.x + bars[0].size.width - 4,
                bars[0].origin.y + bars[0].size.height / 2);
  g_assert_cmpfloat (color_distance (&p, &fill), <, 0.1);
  p = pixel_at (&px, bars[0].origin.x + 4, bars[0].origin.y + bars[0].size.height / 2);
  g_assert_cmpfloat (color_distance (&p, &fill), <, 0.1);
  /* ... and at that x, the shortest bar's row is background */
  p = pixel_at (&px, bars[0].origin.x + bars[0].size.width - 4,
                bars[2].origin.y + bars[2].size.height / 2);
  g_assert_cmpfloat (color_distance (&p, &bg), <, 0.05);
  g_assert_cmpfloat (color_distance (&p, &fill), >, 0.3);
  /* between two bars, background */
  p = pixel_at (&px, bars[2].origin.x + 2,
                (bars[1].origin.y + bars[1].size.height + bars[2].origin.y) / 2);
  g_assert_cmpfloat (color_distance (&p, &fill), >, 0.3);
  g_free (px.data);
}

/* The chart's own key controller, as a key press reaches it */
static gboolean
press_key (GtkWidget *widget,
           guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
    }
  return handled;
}

static void
test_bar_keyboard (Fixture       *f,
                   gconstpointer  data)
{
  static const double values[] = { 12.5, 41.3, 38.0 };
  LbBarChart *chart = LB_BAR_CHART (lb_bar_chart_new ());

  lb_bar_chart_set_data (chart, annotators, values, 3);
  lb_bar_chart_set_sorted (chart, TRUE);
  show_chart (f, GTK_WIDGET (chart), 400, 140);
  g_assert_true (gtk_widget_get_focusable (f->chart));
  /* before any key: no bar, or the first shown when the window already gave
   * the chart the focus (that can land between two looks, so either) */
  {
    int bar = lb_bar_chart_get_focus_bar (chart);

    g_assert_true (bar == -1 || bar == 1);
  }

  /* the keys walk the bars as shown (largest first), and stop at the ends */
  g_assert_true (press_key (f->chart, GDK_KEY_Home));
  g_assert_cmpint (lb_bar_chart_get_focus_bar (chart), ==, 1);
  g_assert_true (press_key (f->chart, GDK_KEY_Down));
  g_assert_cmpint (lb_bar_chart_get_focus_bar (chart), ==, 2);
  g_assert_true (press_key (f->chart, GDK_KEY_Down));
  g_assert_cmpint (lb_bar_chart_get_focus_bar (chart), ==, 0);
  g_assert_true (press_key (f->chart, GDK_KEY_Down));
  g_assert_cmpint (lb_bar_chart_get_focus_bar (chart), ==, 0);
  g_assert_true (press_key (f->chart, GDK_KEY_Up));
  g_assert_cmpint (lb_bar_chart_get_focus_bar (chart), ==, 2);
  g_assert_true (press_key (f->chart, GDK_KEY_End));
  g_assert_cmpint (lb_bar_chart_get_focus_bar (chart), ==, 0);
  /* other keys go on to the window */
  g_assert_false (press_key (f->chart, GDK_KEY_a));
}

static gboolean
differs_in (const Pixels  *px,
            const GdkRGBA *bg,
            int            x0,
            int            y0,
            int            x1,
            int            y1)
{
  guint n = 0;

  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        GdkRGBA p = pixel_at (px, x, y);
        if (color_distance (&p, bg) > 0.5)
          n++;
      }
  return n > 20;
}

static void
test_empty_state (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *charts[] = { lb_bar_chart_new (), lb_heat_map_new (), lb_line_chart_new () };

  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      gtk_widget_set_vexpand (charts[i], TRUE);
      gtk_box_append (GTK_BOX (box), charts[i]);
    }
  show_chart (f, box, 400, 600);
  g_assert_cmpstr (lb_heat_map_get_summary (LB_HEAT_MAP (charts[1])), ==,
                   "Confusion matrix: no data yet");
  g_assert_cmpstr (lb_line_chart_get_summary (LB_LINE_CHART (charts[2])), ==,
                   "Line chart: no data yet");

  /* "No data yet" in the middle of each, nothing in its corners' insides */
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      g_autoptr(GdkTexture) texture = render (charts[i]);
      GdkRGBA bg = named_color (charts[i], "view_bg_color");
      int w = gtk_widget_get_width (charts[i]);
      int h = gtk_widget_get_height (charts[i]);
      Pixels px;

      g_assert_cmpint (h, >=, 90);
      pixels_init (&px, texture);
      g_assert_true (differs_in (&px, &bg, w / 2 - 50, h / 2 - 12, w / 2 + 50, h / 2 + 12));
      g_assert_false (differs_in (&px, &bg, 6, 6, 40, 30));
      g_free (px.data);
    }
}

/* Heat map */

static const char *signs[] = { "Stop", "Yield", "Speed limit", "No entry" };
static const guint confusion[] = {
  41, 2, 0, 1,
  3, 28, 1, 0,
  0, 2, 35, 0,
  4, 0, 0, 19,
};

static LbHeatMap *
signs_heat_map (void)
{
  LbHeatMap *map = LB_HEAT_MAP (lb_heat_map_new ());

  lb_heat_map_set_data (map, signs, confusion, 4);
  lb_heat_map_set_titles (map, "Alice Martin's label", "王芳's label");
  return map;
}

static void
check_contrast (LbHeatMap *map)
{
  for (guint r = 0; r < 4; r++)
    for (guint c = 0; c < 4; c++)
      {
        GdkRGBA fill, text;
        double lf, lt;

        g_assert_true (lb_heat_map_get_cell_colors (map, r, c, &fill, &text));
        if (confusion[r * 4 + c] == 0)
          continue;
        lf = 0.2126 * pow (fill.red, 2.2) + 0.7152 * pow (fill.green, 2.2)
             + 0.0722 * pow (fill.blue, 2.2);
        lt = 0.2126 * pow (text.red, 2.2) + 0.7152 * pow (text.green, 2.2)
             + 0.0722 * pow (text.blue, 2.2);
        /* WCAG AA for normal text */
        g_assert_cmpfloat ((MAX (lf, lt) + 0.05) / (MIN (lf, lt) + 0.05), >=, 4.5);
      }
}

static void
test_heat_map_colors (Fixture       *f,
                      gconstpointer  data)
{
  LbHeatMap *map = signs_heat_map ();
  AdwStyleManager *style = adw_style_manager_get_default ();
  GdkRGBA bg, a, b;

  show_chart (f, GTK_WIDGET (map), 520, 420);

  /* normalised per row: 41 of 44, 2 of 44; the row sums to 1 */
  g_assert_cmpfloat_with_epsilon (lb_heat_map_get_cell_intensity (map, 0, 0), 41.0 / 44, 1e-9);
  g_assert_cmpfloat_with_epsilon (lb_heat_map_get_cell_intensity (map, 3, 0), 4.0 / 23, 1e-9);
  g_assert_cmpfloat (lb_heat_map_get_cell_intensity (map, 4, 0), ==, -1);
  {
    double sum = 0;
    for (guint c = 0; c < 4; c++)
      sum += lb_heat_map_get_cell_intensity (map, 1, c);
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-9);
  }

  /* a larger share is further from the background than a smaller one */
  bg = named_color (f->chart, "view_bg_color");
  lb_heat_map_get_cell_colors (map, 0, 0, &a, NULL);
  lb_heat_map_get_cell_colors (map, 0, 1, &b, NULL);
  g_assert_cmpfloat (color_distance (&a, &bg), >, color_distance (&b, &bg) + 0.3);
  check_contrast (map);

  /* the drawn cells have those colours (a point inside, off the count) */
  {
    g_autoptr(GdkTexture) texture = render (f->chart);
    int w = gtk_widget_get_width (f->chart), h = gtk_widget_get_height (f->chart);
    graphene_rect_t rect;
    Pixels px;
    GdkRGBA p;

    pixels_init (&px, texture);
    for (guint c = 0; c < 2; c++)
      {
        GdkRGBA fill;

        g_assert_true (lb_heat_map_get_cell_rect (map, 0, c, w, h, &rect));
        g_assert_cmpfloat (rect.size.width, >=, 30);
        lb_heat_map_get_cell_colors (map, 0, c, &fill, NULL);
        p = pixel_at (&px, rect.origin.x + 6, rect.origin.y + rect.size.height - 6);
        g_assert_cmpfloat (color_distance (&p, &fill), <, 0.08);
      }
    g_free (px.data);
  }

  /* dark: still readable, still ordered */
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  lb_test_spin_for (100);
  bg = named_color (f->chart, "view_bg_color");
  g_assert_cmpfloat (bg.red, <, 0.3);
  lb_heat_map_get_cell_colors (map, 0, 0, &a, NULL);
  lb_heat_map_get_cell_colors (map, 0, 1, &b, NULL);
  g_assert_cmpfloat (color_distance (&a, &bg), >, color_distance (&b, &bg) + 0.3);
  check_contrast (map);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  lb_test_spin_for (50);
}

static void
test_heat_map_summary (Fixture       *f,
                       gconstpointer  data)
{
  LbHeatMap *map = g_object_ref_sink (signs_heat_map ());
  const char *summary = lb_heat_map_get_summary (map);

  g_assert_nonnull (strstr (summary, "rows: Alice Martin's label, columns: 王芳's label"));
  /* 41 + 28 + 35 + 19 of 136 */
  g_assert_nonnull (strstr (summary, "Same category on 123 of 136 items."));
  g_assert_nonnull (strstr (summary, "No entry: Stop 4, Yield 0, Speed limit 0, No entry 19."));
  g_assert_cmpuint (lb_heat_map_get_n_categories (map), ==, 4);
  g_assert_finalize_object (map);
}

/* Line chart */

static void
test_line_gaps (Fixture       *f,
                gconstpointer  data)
{
  /* Monday to Wednesday, then Friday, Saturday; one lone Tuesday later;
   * given out of order */
  static const char *days[] = { "2026-11-03", "2026-11-02", "2026-11-04", "2026-11-06",
                                "2026-11-07", "2026-11-10", "bogus" };
  static const double values[] = { 0.8, 0.7, 0.9, 0.5, 1.0, 0.6, 0.3 };
  static const char *other_days[] = { "2026-11-02", "2026-11-05" };
  static const double other_values[] = { 0.4, NAN };
  LbLineChart *chart = LB_LINE_CHART (lb_line_chart_new ());
  graphene_point_t p2, p3, p4, p6, p7;
  int w, h;

  lb_line_chart_set_percent (chart, TRUE);
  g_assert_cmpuint (lb_line_chart_add_series (chart, "Alice × 王芳", days, values, 7), ==, 0);
  g_assert_cmpuint (lb_line_chart_add_series (chart, "Alice × Bob", other_days, other_values, 2),
                    ==, 1);
  show_chart (f, GTK_WIDGET (chart), 560, 300);
  w = gtk_widget_get_width (f->chart);
  h = gtk_widget_get_height (f->chart);

  g_assert_cmpuint (lb_line_chart_get_n_series (chart), ==, 2);
  g_assert_cmpuint (lb_line_chart_get_n_runs (chart, 0), ==, 3);
  g_assert_cmpuint (lb_line_chart_get_n_runs (chart, 1), ==, 1);  /* NaN: no point */
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-02", w, h, &p2));
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-03", w, h, &p3));
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-04", w, h, &p4));
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-06", w, h, &p6));
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-07", w, h, &p7));
  g_assert_false (lb_line_chart_get_point (chart, 0, "2026-11-05", w, h, &p6));
  g_assert_false (lb_line_chart_get_point (chart, 1, "2026-11-05", w, h, &p6));
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-06", w, h, &p6));
  /* days evenly spaced; higher values higher up; 100 % above 50 % */
  g_assert_cmpfloat_with_epsilon (p3.x - p2.x, p4.x - p3.x, 0.01);
  g_assert_cmpfloat_with_epsilon (p6.x - p4.x, 2 * (p3.x - p2.x), 0.01);
  g_assert_cmpfloat (p4.y, <, p3.y);
  g_assert_cmpfloat (p7.y, <, p6.y);

  {
    const char *summary = lb_line_chart_get_summary (chart);

    g_assert_nonnull (strstr (summary, "from 2026-11-02 to 2026-11-10"));
    g_assert_nonnull (strstr (summary, "Alice × 王芳: 6 days, mean 75%, last 60% on 2026-11-10, "
                                       "3 days without data."));
  }

  /* pixels: the line between Monday and Tuesday is drawn; between
   * Wednesday and Friday (no Thursday) it is not */
  {
    g_autoptr(GdkTexture) texture = render (f->chart);
    GdkRGBA color = named_color (f->chart, "accent_color");
    GdkRGBA bg = named_color (f->chart, "view_bg_color");
    GdkRGBA p;
    Pixels px;

    pixels_init (&px, texture);
    p = pixel_at (&px, (p2.x + p3.x) / 2, (p2.y + p3.y) / 2);
    g_assert_cmpfloat (color_distance (&p, &color), <, 0.25);
    p = pixel_at (&px, (p4.x + p6.x) / 2, (p4.y + p6.y) / 2);
    g_assert_cmpfloat (color_distance (&p, &color), >, 0.5);
    g_assert_cmpfloat (color_distance (&p, &bg), <, 0.2);
    g_free (px.data);
  }

  lb_line_chart_clear (chart);
  g_assert_cmpuint (lb_line_chart_get_n_series (chart), ==, 0);
  g_assert_cmpstr (lb_line_chart_get_summary (chart), ==, "Line chart: no data yet");
}

/* A switch to dark while shown redraws with the dark colours */
static void
test_style_switch (Fixture       *f,
                   gconstpointer  data)
{
  LbHeatMap *map = signs_heat_map ();
  AdwStyleManager *style = adw_style_manager_get_default ();
  graphene_rect_t zero;
  GdkRGBA light_px, dark_px, dark_fill;
  int w, h;

  show_chart (f, GTK_WIDGET (map), 520, 420);
  w = gtk_widget_get_width (f->chart);
  h = gtk_widget_get_height (f->chart);
  g_assert_true (lb_heat_map_get_cell_rect (map, 0, 2, w, h, &zero));  /* count 0 */
  {
    g_autoptr(GdkTexture) texture = render (f->chart);
    Pixels px;

    pixels_init (&px, texture);
    light_px = pixel_at (&px, zero.origin.x + 5, zero.origin.y + 5);
    g_free (px.data);
  }
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  lb_test_spin_for (150);
  {
    g_autoptr(GdkTexture) texture = render (f->chart);
    Pixels px;

    pixels_init (&px, texture);
    dark_px = pixel_at (&px, zero.origin.x + 5, zero.origin.y + 5);
    g_free (px.data);
  }
  lb_heat_map_get_cell_colors (map, 0, 2, &dark_fill, NULL);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  lb_test_spin_for (50);

  g_assert_cmpfloat (light_px.red, >, 0.8);
  g_assert_cmpfloat (dark_px.red, <, 0.3);
  g_assert_cmpfloat (color_distance (&dark_px, &dark_fill), <, 0.08);
}

static void
test_line_legend_wraps (Fixture       *f,
                        gconstpointer  data)
{
  static const char *days[] = { "2026-11-02", "2026-11-03" };
  static const double values[] = { 1.0, 0.5 };
  static const char *pairs[] = { "Alice Martin × 王芳", "Alice Martin × Bob Okafor",
                                 "王芳 × Bob Okafor", "Chen Jing × 王芳" };
  LbLineChart *chart = g_object_ref_sink (LB_LINE_CHART (lb_line_chart_new ()));
  graphene_point_t wide, narrow;

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    lb_line_chart_add_series (chart, pairs[i], days, values, 2);
  /* wide: one legend line; narrow: several, and the plot starts lower */
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-02", 1200, 300, &wide));
  g_assert_true (lb_line_chart_get_point (chart, 0, "2026-11-02", 260, 300, &narrow));
  g_assert_cmpfloat (narrow.y, >, wide.y + 20);
  g_assert_cmpfloat (narrow.y, <, 300);
  g_assert_finalize_object (chart);
}

/* The demo dashboard for screenshots */

static GtkWidget *
card (const char *title,
      const char *subtitle,
      GtkWidget  *chart)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *heading = gtk_label_new (title);
  GtkWidget *caption = gtk_label_new (subtitle);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "lb-chart-card");
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_widget_set_margin_bottom (caption, 10);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_box_append (GTK_BOX (box), chart);
  return box;
}

static gboolean
quit_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static int
run_demo (const char *mode)
{
  static const double accuracy[] = { 0.94, 0.88, 0.71 };
  static const char *days[] = { "2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12",
                                "2026-11-13", "2026-11-16", "2026-11-17", "2026-11-18",
                                "2026-11-19", "2026-11-20" };
  static const double pair_ab[] = { 0.78, 0.82, 0.85, 0.84, 0.88, 0.86, 0.90, 0.89, 0.91, 0.93 };
  static const double pair_ac[] = { 0.64, 0.70, NAN, 0.69, 0.72, 0.75, 0.71, 0.78, 0.80, 0.79 };
  static const double pair_bc[] = { 0.61, 0.66, 0.68, 0.70, 0.67, NAN, NAN, 0.74, 0.77, 0.81 };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkWidget *window = adw_window_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_window_title_new ("Quality", "Batch “street-signs” · 3 annotators · "
                                           "Nov 9 – Nov 20");
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *grid = gtk_grid_new ();
  LbBarChart *speed = throughput_chart ();
  LbBarChart *gold = LB_BAR_CHART (lb_bar_chart_new ());
  LbHeatMap *map = signs_heat_map ();
  LbLineChart *line = LB_LINE_CHART (lb_line_chart_new ());
  const char *seconds = g_getenv ("LB_CHARTS_SCREENSHOT_SECONDS");
  gboolean done = FALSE;

  gtk_css_provider_load_from_resource (css, "/io/github/labelbench/Labelbench/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  if (g_strcmp0 (mode, "dark") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_FORCE_DARK);

  lb_bar_chart_set_data (gold, annotators, accuracy, 3);
  lb_bar_chart_set_unit (gold, LB_BAR_CHART_UNIT_PERCENT);
  lb_bar_chart_set_color_name (gold, "success");
  lb_bar_chart_set_sorted (gold, TRUE);
  lb_bar_chart_set_reference (gold, 0.85, "Target");
  lb_bar_chart_set_sorted (speed, TRUE);
  lb_line_chart_set_percent (line, TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (map), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (line), TRUE);
  lb_line_chart_add_series (line, "Alice × 王芳", days, pair_ab, G_N_ELEMENTS (days));
  lb_line_chart_add_series (line, "Alice × Bob", days, pair_ac, G_N_ELEMENTS (days));
  lb_line_chart_add_series (line, "王芳 × Bob", days, pair_bc, G_N_ELEMENTS (days));

  gtk_grid_set_row_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  g_object_set (grid, "margin-top", 18, "margin-bottom", 18, "margin-start", 18,
                "margin-end", 18, NULL);
  gtk_grid_attach (GTK_GRID (grid),
                   card ("Throughput", "Items per hour of active labelling", GTK_WIDGET (speed)),
                   0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid),
                   card ("Gold accuracy", "Share of gold items answered correctly",
                         GTK_WIDGET (gold)),
                   1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid),
                   card ("Confusion: Alice Martin × 王芳", "136 items both labelled",
                         GTK_WIDGET (map)),
                   0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid),
                   card ("Agreement over time", "Percent agreement per pair, by day",
                         GTK_WIDGET (line)),
                   1, 1, 1, 1);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), grid);
  gtk_widget_set_vexpand (scroller, TRUE);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  gtk_box_append (GTK_BOX (content), header);
  gtk_box_append (GTK_BOX (content), scroller);
  adw_window_set_content (ADW_WINDOW (window), content);
  gtk_window_set_default_size (GTK_WINDOW (window), 1300, 900);
  gtk_window_present (GTK_WINDOW (window));

  g_timeout_add_seconds (seconds ? (guint) atoi (seconds) : 8, quit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

int
main (int    argc,
      char **argv)
{
  const char *screenshot = g_getenv ("LB_CHARTS_SCREENSHOT");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (screenshot != NULL && *screenshot != '\0')
    return run_demo (screenshot);

  g_test_add ("/ui/charts/bar/layout", Fixture, NULL, NULL, test_bar_layout, fixture_tear_down);
  g_test_add ("/ui/charts/bar/chinese-names", Fixture, NULL, NULL, test_bar_chinese_names,
              fixture_tear_down);
  g_test_add ("/ui/charts/bar/summary", Fixture, NULL, NULL, test_bar_summary, fixture_tear_down);
  g_test_add ("/ui/charts/bar/pixels", Fixture, NULL, NULL, test_bar_pixels, fixture_tear_down);
  g_test_add ("/ui/charts/bar/keyboard", Fixture, NULL, NULL, test_bar_keyboard,
              fixture_tear_down);
  g_test_add ("/ui/charts/style-switch", Fixture, NULL, NULL, test_style_switch,
              fixture_tear_down);
  g_test_add ("/ui/charts/empty-state", Fixture, NULL, NULL, test_empty_state,
              fixture_tear_down);
  g_test_add ("/ui/charts/heat-map/colors", Fixture, NULL, NULL, test_heat_map_colors,
              fixture_tear_down);
  g_test_add ("/ui/charts/heat-map/summary", Fixture, NULL, NULL, test_heat_map_summary,
              fixture_tear_down);
  g_test_add ("/ui/charts/line/legend-wraps", Fixture, NULL, NULL, test_line_legend_wraps,
              fixture_tear_down);
  g_test_add ("/ui/charts/line/gaps", Fixture, NULL, NULL, test_line_gaps, fixture_tear_down);
  return g_test_run ();
}
