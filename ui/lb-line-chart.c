/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-line-chart"
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "lb-chart-private.h"
#include "lb-line-chart.h"

#define EMPTY_HEIGHT 160
#define LINE_WIDTH 2.5
#define DOT_RADIUS 3.5
#define LEGEND_SWATCH 16   /* the colour square and its gap */

typedef struct {
  char   *name;
  GArray *days;    /* guint32 Julian days, sorted */
  GArray *values;  /* double 0..1, same order */
} Series;

struct _LbLineChart
{
  GtkWidget  parent_instance;

  GPtrArray *series;   /* Series* */
  guint32    first_day;
  guint32    last_day;
  gboolean   percent;
  char      *summary;
  guint      style_stamp;  /* _lb_chart_style_changed() */
};

G_DEFINE_FINAL_TYPE (LbLineChart, lb_line_chart, GTK_TYPE_WIDGET)

typedef struct {
  double text_h;
  double legend_h;
  double legend_line_h;
  double legend_baseline;  /* of a line of the legend, from its top */
  double x0, x1;   /* the first and the last day */
  double y0, y1;   /* 1 and 0 */
  guint  label_every;
} Layout;

static const char *palette[] = {
  "accent_color", "success_color", "warning_color", "error_color", "purple_3", "brown_3",
};

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->name);
  g_array_unref (s->days);
  g_array_unref (s->values);
  g_free (s);
}

static gboolean
has_points (LbLineChart *self)
{
  for (guint i = 0; i < self->series->len; i++)
    if (((Series *) g_ptr_array_index (self->series, i))->days->len > 0)
      return TRUE;
  return FALSE;
}

static void
series_color (GtkWidget *widget,
              guint      index,
              GdkRGBA   *color)
{
  _lb_chart_lookup_color (widget, palette[index % G_N_ELEMENTS (palette)], color);
  color->alpha = 1;
}

static char *
format_axis (LbLineChart *self,
             double       value)
{
  if (self->percent)
    return g_strdup_printf (C_("chart value", "%.0f%%"), value * 100);
  return g_strdup_printf ("%.2f", value);
}

static double
text_size (GtkWidget  *widget,
           const char *text,
           double      scale,
           int        *height)
{
  g_autoptr(PangoLayout) layout = _lb_chart_layout (widget, text, scale, FALSE);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  if (height)
    *height = h;
  return w;
}

static PangoLayout *
legend_layout (LbLineChart *self,
               guint        index,
               int          width)
{
  Series *s = g_ptr_array_index (self->series, index);
  PangoLayout *layout = _lb_chart_layout (GTK_WIDGET (self), s->name, 0.9, FALSE);

  pango_layout_set_width (layout, MAX (20, width - LEGEND_SWATCH) * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  return layout;
}

/* Places the legend's items left to right, wrapping at WIDTH: item I at
 * XS[I] on line LINES[I] (either may be NULL); returns the number of lines */
static guint
legend_place (LbLineChart *self,
              int          width,
              double      *xs,
              guint       *lines)
{
  double x = 0;
  guint line = 0;

  for (guint i = 0; i < self->series->len; i++)
    {
      g_autoptr(PangoLayout) name = legend_layout (self, i, width);
      int tw;

      pango_layout_get_pixel_size (name, &tw, NULL);
      if (x > 0 && x + LEGEND_SWATCH + tw > width)
        {
          x = 0;
          line++;
        }
      if (xs)
        xs[i] = x;
      if (lines)
        lines[i] = line;
      x += LEGEND_SWATCH + tw + 2 * LB_CHART_GAP;
    }
  return line + 1;
}

static void
compute_layout (LbLineChart *self,
                int          width,
                int          height,
                Layout      *l)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autofree char *axis = format_axis (self, 1.0);
  g_autofree char *day = _lb_chart_format_day (self->last_day);
  guint n_days = self->last_day - self->first_day + 1;
  double day_w, axis_w, step;
  int th;

  text_size (widget, "Ag\u56fd", 0.85, &th);
  l->text_h = th;
  axis_w = text_size (widget, axis, 0.85, NULL);
  day_w = text_size (widget, "Sep 30", 0.85, NULL);
  day_w = MAX (day_w, text_size (widget, day, 0.85, NULL));
  {
    g_autoptr(PangoLayout) sample = _lb_chart_layout (widget, "Ag\u56fd", 0.9, FALSE);
    int lh;

    pango_layout_get_pixel_size (sample, NULL, &lh);
    l->legend_line_h = lh + LB_CHART_GAP / 2;
    l->legend_baseline = pango_layout_get_baseline (sample) / (double) PANGO_SCALE;
    l->legend_h = legend_place (self, width, NULL, NULL) * l->legend_line_h + 1.5 * LB_CHART_GAP;
  }
  l->x0 = axis_w + LB_CHART_GAP + MAX (4, day_w / 2 - axis_w - LB_CHART_GAP);
  l->x1 = MAX (l->x0 + 10, width - day_w / 2 - 2);
  l->y0 = l->legend_h + th / 2.0;
  l->y1 = MAX (l->y0 + 10, height - th - LB_CHART_GAP);
  step = n_days > 1 ? (l->x1 - l->x0) / (n_days - 1) : l->x1 - l->x0;
  l->label_every = 1;
  {
    static const guint strides[] = { 1, 2, 3, 7, 14, 28, 56, 112, 364 };
    for (gsize i = 0; i < G_N_ELEMENTS (strides); i++)
      {
        l->label_every = strides[i];
        if (step * strides[i] >= day_w + 12)
          break;
      }
  }
}

static double
day_x (LbLineChart  *self,
       const Layout *l,
       guint32       day)
{
  guint n_days = self->last_day - self->first_day + 1;

  if (n_days <= 1)
    return (l->x0 + l->x1) / 2;
  return l->x0 + (l->x1 - l->x0) * (day - self->first_day) / (n_days - 1);
}

static double
value_y (const Layout *l,
         double        value)
{
  return l->y1 - (l->y1 - l->y0) * CLAMP (value, 0.0, 1.0);
}

static void
draw_series (LbLineChart  *self,
             cairo_t      *cr,
             const Layout *l,
             Series       *s,
             const GdkRGBA *color)
{
  guint n = s->days->len;

  cairo_set_line_width (cr, LINE_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  _lb_chart_set_source (cr, color, 1.0);
  for (guint i = 0; i < n; i++)
    {
      guint32 day = g_array_index (s->days, guint32, i);
      double x = day_x (self, l, day);
      double y = value_y (l, g_array_index (s->values, double, i));
      gboolean joined = i > 0 && g_array_index (s->days, guint32, i - 1) + 1 == day;

      if (joined)
        cairo_line_to (cr, x, y);
      else
        {
          cairo_stroke (cr);
          cairo_move_to (cr, x, y);
        }
    }
  cairo_stroke (cr);
  for (guint i = 0; i < n; i++)
    {
      double x = day_x (self, l, g_array_index (s->days, guint32, i));
      double y = value_y (l, g_array_index (s->values, double, i));

      cairo_arc (cr, x, y, DOT_RADIUS, 0, 2 * G_PI);
      cairo_fill (cr);
    }
}

static void
lb_line_chart_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  LbLineChart *self = LB_LINE_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  Layout l;
  cairo_t *cr;
  g_autofree double *xs = NULL;
  g_autofree guint *lines = NULL;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!has_points (self))
    {
      _lb_chart_draw_empty (widget, cr, width, height);
      cairo_destroy (cr);
      return;
    }
  _lb_chart_get_fg_color (widget, &fg);
  compute_layout (self, width, height, &l);

  /* legend, wrapped over as many lines as it needs */
  xs = g_new0 (double, self->series->len);
  lines = g_new0 (guint, self->series->len);
  legend_place (self, width, xs, lines);
  for (guint i = 0; i < self->series->len; i++)
    {
      g_autoptr(PangoLayout) name = legend_layout (self, i, width);
      double y = lines[i] * l.legend_line_h;
      GdkRGBA color;
      int tw, th;

      series_color (widget, i, &color);
      pango_layout_get_pixel_size (name, &tw, &th);
      double line_h = l.legend_line_h - LB_CHART_GAP / 2;  /* one line of text */

      _lb_chart_rounded_rect (cr, xs[i], y + line_h / 2 - 5, 10, 10, 3);
      _lb_chart_set_source (cr, &color, 1.0);
      cairo_fill (cr);
      _lb_chart_set_source (cr, &fg, 0.85);
      /* on the line's baseline, whatever font (Latin, CJK) the name falls to */
      cairo_move_to (cr, xs[i] + LEGEND_SWATCH,
                     y + l.legend_baseline
                     - pango_layout_get_baseline (name) / (double) PANGO_SCALE);
      pango_cairo_show_layout (cr, name);
    }

  /* gridlines and their labels */
  cairo_set_line_width (cr, 1);
  for (int g = 0; g <= 4; g++)
    {
      double v = g / 4.0;
      double y = round (value_y (&l, v)) + 0.5;
      g_autofree char *text = format_axis (self, v);
      g_autoptr(PangoLayout) label = _lb_chart_layout (widget, text, 0.85, FALSE);
      int tw, th;

      _lb_chart_set_source (cr, &fg, g == 0 ? 0.3 : 0.1);
      cairo_move_to (cr, l.x0 - 4, y);
      cairo_line_to (cr, l.x1 + 4, y);
      cairo_stroke (cr);
      pango_layout_get_pixel_size (label, &tw, &th);
      _lb_chart_set_source (cr, &fg, 0.6);
      cairo_move_to (cr, l.x0 - LB_CHART_GAP - tw, y - th / 2.0);
      pango_cairo_show_layout (cr, label);
    }

  /* day ticks: one a day, a label every few days (always the first) */
  for (guint32 d = self->first_day; d <= self->last_day; d++)
    {
      double x = round (day_x (self, &l, d)) + 0.5;
      gboolean labelled = (d - self->first_day) % l.label_every == 0;

      _lb_chart_set_source (cr, &fg, labelled ? 0.35 : 0.2);
      cairo_move_to (cr, x, l.y1);
      cairo_line_to (cr, x, l.y1 + (labelled ? 5 : 3));
      cairo_stroke (cr);
      if (labelled)
        {
          g_autofree char *text = _lb_chart_format_day (d);
          g_autoptr(PangoLayout) label = _lb_chart_layout (widget, text, 0.85, FALSE);
          int tw, th;

          pango_layout_get_pixel_size (label, &tw, &th);
          _lb_chart_set_source (cr, &fg, 0.6);
          cairo_move_to (cr, CLAMP (x - tw / 2.0, 0, width - tw), l.y1 + 6);
          pango_cairo_show_layout (cr, label);
        }
    }

  for (guint i = 0; i < self->series->len; i++)
    {
      GdkRGBA color;

      series_color (widget, i, &color);
      draw_series (self, cr, &l, g_ptr_array_index (self->series, i), &color);
    }
  cairo_destroy (cr);
}

static void
lb_line_chart_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 480;
    }
  else
    {
      *minimum = 140;
      *natural = 240;
    }
}

static void
update_range (LbLineChart *self)
{
  gboolean any = FALSE;

  self->first_day = self->last_day = 0;
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);

      if (s->days->len == 0)
        continue;
      if (!any || g_array_index (s->days, guint32, 0) < self->first_day)
        self->first_day = g_array_index (s->days, guint32, 0);
      if (!any || g_array_index (s->days, guint32, s->days->len - 1) > self->last_day)
        self->last_day = g_array_index (s->days, guint32, s->days->len - 1);
      any = TRUE;
    }
}

static char *
iso_day (guint32 julian)
{
  g_autoptr(GDate) date = g_date_new_julian (julian);

  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (date), g_date_get_month (date),
                          g_date_get_day (date));
}

static void
update_summary (LbLineChart *self)
{
  GString *text = g_string_new (NULL);

  if (!has_points (self))
    g_string_append (text, _("Line chart: no data yet"));
  else
    {
      g_autofree char *first = iso_day (self->first_day);
      g_autofree char *last = iso_day (self->last_day);

      g_string_append_printf (text, _("Line chart from %s to %s."), first, last);
    }
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      guint n = s->days->len;
      double sum = 0;
      g_autofree char *mean = NULL;
      g_autofree char *latest = NULL;
      g_autofree char *latest_day = NULL;

      if (n == 0)
        {
          g_string_append_c (text, ' ');
          g_string_append_printf (text, _("%s: no data."), s->name);
          continue;
        }
      for (guint j = 0; j < n; j++)
        sum += g_array_index (s->values, double, j);
      mean = format_axis (self, sum / n);
      latest = format_axis (self, g_array_index (s->values, double, n - 1));
      latest_day = iso_day (g_array_index (s->days, guint32, n - 1));
      g_string_append_c (text, ' ');
      g_string_append_printf (text, _("%s: %u days, mean %s, last %s on %s, %u days without "
                                      "data."),
                              s->name, n, mean, latest, latest_day,
                              self->last_day - self->first_day + 1 - n);
    }
  g_free (self->summary);
  self->summary = g_string_free (text, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary,
                                  -1);
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  LbLineChart *self = LB_LINE_CHART (widget);
  GString *text;
  g_autofree char *day_text = NULL;
  guint n_days;
  guint32 day;
  Layout l;

  if (!has_points (self))
    return FALSE;
  if (keyboard_mode)
    {
      gtk_tooltip_set_text (tooltip, self->summary);
      return TRUE;
    }
  compute_layout (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &l);
  n_days = self->last_day - self->first_day + 1;
  if (n_days <= 1)
    day = self->first_day;
  else
    {
      double pos = round ((x - l.x0) / (l.x1 - l.x0) * (n_days - 1));

      if (pos < 0 || pos >= n_days)
        return FALSE;
      day = self->first_day + (guint32) pos;
    }
  day_text = _lb_chart_format_day (day);
  text = g_string_new (day_text);
  for (guint i = 0; i < self->series->len; i++)
    {
      Series *s = g_ptr_array_index (self->series, i);
      g_autofree char *value = NULL;

      for (guint j = 0; j < s->days->len; j++)
        if (g_array_index (s->days, guint32, j) == day)
          value = self->percent
                  ? g_strdup_printf ("%.1f%%", 100 * g_array_index (s->values, double, j))
                  : g_strdup_printf ("%.3f", g_array_index (s->values, double, j));
      g_string_append_printf (text, "\n%s: %s", s->name, value ? value : _("no data"));
    }
  gtk_tooltip_set_text (tooltip, text->str);
  g_string_free (text, TRUE);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) {
                              (int) (day_x (self, &l, day) - 6), 0, 12,
                              gtk_widget_get_height (widget) });
  return TRUE;
}

/* Colours come from the style at drawing time: a new style (dark, another
 * accent, a larger font) redraws; the text may change size too. */
static void
lb_line_chart_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lb_line_chart_parent_class)->css_changed (widget, change);
  if (_lb_chart_style_changed (widget, &LB_LINE_CHART (widget)->style_stamp))
    gtk_widget_queue_resize (widget);
}

static void
lb_line_chart_finalize (GObject *object)
{
  LbLineChart *self = LB_LINE_CHART (object);

  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->summary, g_free);
  G_OBJECT_CLASS (lb_line_chart_parent_class)->finalize (object);
}

static void
lb_line_chart_class_init (LbLineChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lb_line_chart_finalize;
  widget_class->snapshot = lb_line_chart_snapshot;
  widget_class->measure = lb_line_chart_measure;
  widget_class->css_changed = lb_line_chart_css_changed;
  gtk_widget_class_set_css_name (widget_class, "lb-line-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lb_line_chart_init (LbLineChart *self)
{
  self->series = g_ptr_array_new_with_free_func (series_free);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  update_summary (self);
}

GtkWidget *
lb_line_chart_new (void)
{
  return g_object_new (LB_TYPE_LINE_CHART, NULL);
}

void
lb_line_chart_clear (LbLineChart *self)
{
  g_return_if_fail (LB_IS_LINE_CHART (self));

  g_ptr_array_set_size (self->series, 0);
  update_range (self);
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

typedef struct {
  guint32 day;
  double  value;
} Point;

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const Point *pa = a, *pb = b;

  return pa->day < pb->day ? -1 : pa->day > pb->day;
}

guint
lb_line_chart_add_series (LbLineChart        *self,
                          const char         *name,
                          const char * const *days,
                          const double       *values,
                          guint               n)
{
  Series *s;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (Point));

  g_return_val_if_fail (LB_IS_LINE_CHART (self), 0);
  g_return_val_if_fail (n == 0 || (days != NULL && values != NULL), 0);

  for (guint i = 0; i < n; i++)
    {
      Point p;

      if (isnan (values[i]) || !_lb_chart_parse_day (days[i], &p.day))
        continue;
      p.value = CLAMP (values[i], 0.0, 1.0);
      g_array_append_val (points, p);
    }
  g_array_sort (points, compare_points);

  s = g_new0 (Series, 1);
  s->name = g_strdup (name ? name : "");
  s->days = g_array_new (FALSE, FALSE, sizeof (guint32));
  s->values = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < points->len; i++)
    {
      Point *p = &g_array_index (points, Point, i);

      if (s->days->len > 0 && g_array_index (s->days, guint32, s->days->len - 1) == p->day)
        {
          g_array_index (s->values, double, s->values->len - 1) = p->value;  /* last wins */
          continue;
        }
      g_array_append_val (s->days, p->day);
      g_array_append_val (s->values, p->value);
    }
  g_ptr_array_add (self->series, s);
  update_range (self);
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return self->series->len - 1;
}

guint
lb_line_chart_get_n_series (LbLineChart *self)
{
  g_return_val_if_fail (LB_IS_LINE_CHART (self), 0);

  return self->series->len;
}

void
lb_line_chart_set_percent (LbLineChart *self,
                           gboolean     percent)
{
  g_return_if_fail (LB_IS_LINE_CHART (self));

  if (self->percent == !!percent)
    return;
  self->percent = !!percent;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
lb_line_chart_get_point (LbLineChart      *self,
                         guint             series,
                         const char       *day,
                         int               width,
                         int               height,
                         graphene_point_t *point)
{
  Series *s;
  guint32 julian;
  Layout l;

  g_return_val_if_fail (LB_IS_LINE_CHART (self), FALSE);
  g_return_val_if_fail (point != NULL, FALSE);

  if (series >= self->series->len || !_lb_chart_parse_day (day, &julian))
    return FALSE;
  s = g_ptr_array_index (self->series, series);
  compute_layout (self, width, height, &l);
  for (guint i = 0; i < s->days->len; i++)
    if (g_array_index (s->days, guint32, i) == julian)
      {
        graphene_point_init (point, day_x (self, &l, julian),
                             value_y (&l, g_array_index (s->values, double, i)));
        return TRUE;
      }
  return FALSE;
}

guint
lb_line_chart_get_n_runs (LbLineChart *self,
                          guint        series)
{
  Series *s;
  guint runs = 0;

  g_return_val_if_fail (LB_IS_LINE_CHART (self), 0);

  if (series >= self->series->len)
    return 0;
  s = g_ptr_array_index (self->series, series);
  for (guint i = 0; i < s->days->len; i++)
    if (i == 0 || g_array_index (s->days, guint32, i - 1) + 1 != g_array_index (s->days,
                                                                                 guint32, i))
      runs++;
  return runs;
}

const char *
lb_line_chart_get_summary (LbLineChart *self)
{
  g_return_val_if_fail (LB_IS_LINE_CHART (self), NULL);

  return self->summary;
}
