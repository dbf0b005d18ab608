/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-heat-map"
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "lb-chart-private.h"
#include "lb-heat-map.h"

#define CELL_NATURAL 56.0
#define CELL_MAX 84.0
#define CELL_SPACING 2.0
#define EMPTY_HEIGHT 160

struct _LbHeatMap
{
  GtkWidget  parent_instance;

  GPtrArray *categories;  /* char* */
  guint     *counts;      /* n × n */
  guint     *row_totals;
  char      *row_title;
  char      *column_title;
  char      *summary;
  guint      style_stamp;  /* _lb_chart_style_changed() */
};

G_DEFINE_FINAL_TYPE (LbHeatMap, lb_heat_map, GTK_TYPE_WIDGET)

typedef struct {
  double text_h;
  double row_title_w;   /* the rotated row title's column */
  double label_w;       /* the row labels' column */
  double gx, gy;        /* the grid's top left */
  double cell;
  double totals_w;
  double caption_y;
  double caption_h;
  double ox;            /* the block's left edge: centred in a wider widget */
  double header_h;      /* the column names' row: one line, or their length turned
                         * upright when a name is wider than its cell */
  gboolean upright;
} Layout;

static guint
n_of (LbHeatMap *self)
{
  return self->categories->len;
}

static double
intensity (LbHeatMap *self,
           guint      row,
           guint      column)
{
  guint total = self->row_totals[row];

  return total == 0 ? 0 : (double) self->counts[row * n_of (self) + column] / total;
}

static double
text_width (GtkWidget  *widget,
            const char *text,
            double      scale,
            gboolean    bold)
{
  g_autoptr(PangoLayout) layout = _lb_chart_layout (widget, text, scale, bold);
  int w;

  pango_layout_get_pixel_size (layout, &w, NULL);
  return w;
}

static double
text_height (GtkWidget *widget)
{
  g_autoptr(PangoLayout) layout = _lb_chart_layout (widget, "Ag\u56fd", 1.0, FALSE);
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  return h;
}

static PangoLayout *
caption_layout (LbHeatMap *self,
                double     width)
{
  PangoLayout *caption =
    _lb_chart_layout (GTK_WIDGET (self),
                      _("Shade: share of the row's items (each row normalised to its total). "
                        "Outlined: both chose the same."), 0.85, FALSE);

  pango_layout_set_width (caption, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (caption, PANGO_WRAP_WORD_CHAR);
  return caption;
}

static double
caption_width (const Layout *l,
               guint         n)
{
  return MAX (120, n * l->cell + l->totals_w);
}

static void
compute_layout (LbHeatMap *self,
                int        width,
                int        height,
                Layout    *l)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n = n_of (self);
  double max_label = 0, max_total;
  double cell_w, cell_h;
  g_autofree char *biggest = NULL;
  guint biggest_total = 0;

  l->text_h = text_height (widget);
  for (guint i = 0; i < n; i++)
    {
      max_label = MAX (max_label, text_width (widget, g_ptr_array_index (self->categories, i),
                                              1.0, FALSE));
      biggest_total = MAX (biggest_total, self->row_totals[i]);
    }
  biggest = g_strdup_printf ("%u", biggest_total);
  max_total = MAX (text_width (widget, _("Total"), 0.85, FALSE),
                   text_width (widget, biggest, 1.0, FALSE));

  l->row_title_w = self->row_title ? l->text_h + LB_CHART_GAP : 0;
  l->label_w = MIN (max_label, floor (width * 0.28));
  l->totals_w = max_total + 2 * LB_CHART_GAP;
  l->gx = l->row_title_w + l->label_w + LB_CHART_GAP;
  l->header_h = l->text_h;
  l->upright = FALSE;
  l->gy = (self->column_title ? l->text_h + 4 : 0) + l->header_h + 6;
  {
    g_autoptr(PangoLayout) caption = caption_layout (self, MAX (40, width - l->gx));
    int h;

    pango_layout_get_pixel_size (caption, NULL, &h);
    l->caption_h = h + LB_CHART_GAP;
  }
  cell_w = (width - l->gx - l->totals_w) / MAX (n, 1);
  cell_h = (height - l->gy - l->caption_h) / MAX (n, 1);
  l->cell = floor (CLAMP (MIN (cell_w, cell_h), l->text_h + 6, CELL_MAX));
  /* column names wider than their cells ("abusive" over a 50 px column) stand
   * upright, the header row as tall as the longest (within a third of the height) */
  if (max_label > l->cell - 4)
    {
      l->upright = TRUE;
      l->header_h = MAX (l->text_h, MIN (max_label, floor (height / 3.0)));
      l->gy = (self->column_title ? l->text_h + 4 : 0) + l->header_h + 6;
      cell_h = (height - l->gy - l->caption_h) / MAX (n, 1);
      l->cell = floor (CLAMP (MIN (cell_w, cell_h), l->text_h + 6, CELL_MAX));
    }
  /* the caption goes under the block, as wide as it: if it wraps to more
   * lines there, make the cells room */
  {
    g_autoptr(PangoLayout) caption = caption_layout (self, caption_width (l, n));
    int h;

    pango_layout_get_pixel_size (caption, NULL, &h);
    if (h + LB_CHART_GAP > l->caption_h)
      {
        l->caption_h = h + LB_CHART_GAP;
        cell_h = (height - l->gy - l->caption_h) / MAX (n, 1);
        l->cell = floor (CLAMP (MIN (cell_w, cell_h), l->text_h + 6, CELL_MAX));
      }
  }
  l->ox = MAX (0, floor ((width - (l->gx + n * l->cell + l->totals_w)) / 2));
  l->gx += l->ox;
  l->caption_y = l->gy + n * l->cell + LB_CHART_GAP * 0.75;
}

static void
cell_colors (LbHeatMap *self,
             guint      row,
             guint      column,
             GdkRGBA   *fill,
             GdkRGBA   *text)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkRGBA bg, fg, accent;
  static const GdkRGBA light = { 1, 1, 1, 1 };
  static const GdkRGBA dark = { 0.04f, 0.04f, 0.06f, 1 };
  guint count = self->counts[row * n_of (self) + column];

  _lb_chart_bg_color (widget, &bg);
  _lb_chart_get_fg_color (widget, &fg);
  _lb_chart_fill_color (widget, "accent", &accent);
  accent.alpha = 1;
  fg.alpha = 1;
  /* on a dark view, a deeper accent at the top keeps every count light */
  if (_lb_chart_luminance (&bg) < 0.2)
    {
      static const GdkRGBA black = { 0, 0, 0, 1 };

      _lb_chart_mix (&accent, &black, 0.3, &accent);
    }
  if (count == 0)
    _lb_chart_mix (&bg, &fg, 0.05, fill);
  else
    _lb_chart_mix (&bg, &accent, 0.14 + 0.86 * intensity (self, row, column), fill);
  *text = _lb_chart_contrast (fill, &light) >= _lb_chart_contrast (fill, &dark) ? light : dark;
}

static void
lb_heat_map_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  LbHeatMap *self = LB_HEAT_MAP (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  guint n = n_of (self);
  GdkRGBA fg;
  Layout l;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (n == 0)
    {
      _lb_chart_draw_empty (widget, cr, width, height);
      cairo_destroy (cr);
      return;
    }
  _lb_chart_get_fg_color (widget, &fg);
  compute_layout (self, width, height, &l);

  if (self->column_title)
    {
      g_autoptr(PangoLayout) title = _lb_chart_layout (widget, self->column_title, 0.85, TRUE);
      int tw, th;

      pango_layout_set_width (title, (int) (n * l.cell * PANGO_SCALE));
      pango_layout_set_ellipsize (title, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (title, &tw, &th);
      _lb_chart_set_source (cr, &fg, 0.7);
      cairo_move_to (cr, l.gx + (n * l.cell - tw) / 2, 0);
      pango_cairo_show_layout (cr, title);
    }
  if (self->row_title)
    {
      g_autoptr(PangoLayout) title = _lb_chart_layout (widget, self->row_title, 0.85, TRUE);
      int tw, th;

      pango_layout_set_width (title, (int) (n * l.cell * PANGO_SCALE));
      pango_layout_set_ellipsize (title, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (title, &tw, &th);
      cairo_save (cr);
      cairo_translate (cr, l.ox, l.gy + (n * l.cell + tw) / 2);
      cairo_rotate (cr, -G_PI / 2);
      _lb_chart_set_source (cr, &fg, 0.7);
      cairo_move_to (cr, 0, 0);
      pango_cairo_show_layout (cr, title);
      cairo_restore (cr);
    }

  for (guint i = 0; i < n; i++)
    {
      const char *name = g_ptr_array_index (self->categories, i);
      g_autoptr(PangoLayout) column = _lb_chart_layout (widget, name, 1.0, FALSE);
      g_autoptr(PangoLayout) row = _lb_chart_layout (widget, name, 1.0, FALSE);
      g_autofree char *total = g_strdup_printf ("%u", self->row_totals[i]);
      g_autoptr(PangoLayout) total_layout = _lb_chart_layout (widget, total, 1.0, FALSE);
      int tw, th;

      _lb_chart_set_source (cr, &fg, 0.85);
      if (l.upright)
        {
          /* read from the bottom up, ending just above its column */
          pango_layout_set_width (column, (int) (l.header_h * PANGO_SCALE));
          pango_layout_set_ellipsize (column, PANGO_ELLIPSIZE_END);
          pango_layout_get_pixel_size (column, &tw, &th);
          cairo_save (cr);
          cairo_translate (cr, l.gx + i * l.cell + (l.cell - th) / 2, l.gy - 4);
          cairo_rotate (cr, -G_PI / 2);
          cairo_move_to (cr, 0, 0);
          pango_cairo_show_layout (cr, column);
          cairo_restore (cr);
        }
      else
        {
          pango_layout_set_width (column, (int) ((l.cell - 4) * PANGO_SCALE));
          pango_layout_set_ellipsize (column, PANGO_ELLIPSIZE_END);
          pango_layout_get_pixel_size (column, &tw, &th);
          cairo_move_to (cr, l.gx + i * l.cell + (l.cell - tw) / 2, l.gy - th - 4);
          pango_cairo_show_layout (cr, column);
        }

      pango_layout_set_width (row, (int) (l.label_w * PANGO_SCALE));
      pango_layout_set_ellipsize (row, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (row, &tw, &th);
      cairo_move_to (cr, l.gx - LB_CHART_GAP - tw, l.gy + i * l.cell + (l.cell - th) / 2);
      pango_cairo_show_layout (cr, row);

      pango_layout_get_pixel_size (total_layout, &tw, &th);
      _lb_chart_set_source (cr, &fg, 0.6);
      cairo_move_to (cr, l.gx + n * l.cell + l.totals_w - LB_CHART_GAP - tw,
                     l.gy + i * l.cell + (l.cell - th) / 2);
      pango_cairo_show_layout (cr, total_layout);
    }
  {
    g_autoptr(PangoLayout) total = _lb_chart_layout (widget, _("Total"), 0.85, FALSE);
    int tw, th;

    pango_layout_get_pixel_size (total, &tw, &th);
    _lb_chart_set_source (cr, &fg, 0.6);
    cairo_move_to (cr, l.gx + n * l.cell + l.totals_w - LB_CHART_GAP - tw, l.gy - th - 4);
    pango_cairo_show_layout (cr, total);
  }

  for (guint r = 0; r < n; r++)
    for (guint c = 0; c < n; c++)
      {
        double x = l.gx + c * l.cell + CELL_SPACING / 2;
        double y = l.gy + r * l.cell + CELL_SPACING / 2;
        double s = l.cell - CELL_SPACING;
        guint count = self->counts[r * n + c];
        g_autofree char *text = g_strdup_printf ("%u", count);
        g_autoptr(PangoLayout) layout = _lb_chart_layout (widget, text, 1.0, r == c);
        GdkRGBA fill, ink;
        int tw, th;

        cell_colors (self, r, c, &fill, &ink);
        _lb_chart_rounded_rect (cr, x, y, s, s, 4);
        _lb_chart_set_source (cr, &fill, 1.0);
        cairo_fill (cr);
        if (r == c)
          {
            _lb_chart_rounded_rect (cr, x + 1, y + 1, s - 2, s - 2, 3.5);
            _lb_chart_set_source (cr, &fg, 0.8);
            cairo_set_line_width (cr, 2);
            cairo_stroke (cr);
          }
        pango_layout_get_pixel_size (layout, &tw, &th);
        _lb_chart_set_source (cr, &ink, count == 0 ? 0.45 : 1.0);
        cairo_move_to (cr, x + (s - tw) / 2, y + (s - th) / 2);
        pango_cairo_show_layout (cr, layout);
      }

  {
    g_autoptr(PangoLayout) caption =
      caption_layout (self, caption_width (&l, n));

    _lb_chart_set_source (cr, &fg, 0.6);
    cairo_move_to (cr, l.gx, l.caption_y);
    pango_cairo_show_layout (cr, caption);
  }
  cairo_destroy (cr);
}

static void
lb_heat_map_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  LbHeatMap *self = LB_HEAT_MAP (widget);
  guint n = n_of (self);
  Layout l;

  if (n == 0)
    {
      *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : EMPTY_HEIGHT;
      *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 360 : EMPTY_HEIGHT;
      return;
    }
  compute_layout (self, 4096, 4096, &l);
  l.gx -= l.ox;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = (int) ceil (l.gx + n * (l.text_h + 6) + l.totals_w);
      *natural = (int) ceil (l.gx + n * CELL_NATURAL + l.totals_w);
    }
  else
    {
      /* the caption as wrapped at the natural width (or the width given), and
       * the column names' row as tall as they need at that width */
      g_autoptr(PangoLayout) caption =
        caption_layout (self, MAX (120, n * CELL_NATURAL + l.totals_w));
      int h;

      compute_layout (self, for_size > 0 ? for_size
                                         : (int) ceil (l.gx + n * CELL_NATURAL + l.totals_w),
                      4096, &l);
      pango_layout_get_pixel_size (caption, NULL, &h);
      *minimum = (int) ceil (l.gy + n * (l.text_h + 6) + h + LB_CHART_GAP);
      *natural = (int) ceil (l.gy + n * CELL_NATURAL + h + LB_CHART_GAP);
    }
}

static gboolean
cell_at (LbHeatMap *self,
         double     x,
         double     y,
         guint     *row,
         guint     *column)
{
  Layout l;
  double c, r;

  if (n_of (self) == 0)
    return FALSE;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                  gtk_widget_get_height (GTK_WIDGET (self)), &l);
  c = floor ((x - l.gx) / l.cell);
  r = floor ((y - l.gy) / l.cell);
  if (c < 0 || r < 0 || c >= n_of (self) || r >= n_of (self))
    return FALSE;
  *row = (guint) r;
  *column = (guint) c;
  return TRUE;
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  LbHeatMap *self = LB_HEAT_MAP (widget);
  g_autofree char *text = NULL;
  guint r, c;

  if (keyboard_mode)
    {
      gtk_tooltip_set_text (tooltip, self->summary);
      return TRUE;
    }
  if (!cell_at (self, x, y, &r, &c))
    return FALSE;
  /* TRANSLATORS: a confusion matrix cell: row category → column category: count (share) */
  text = g_strdup_printf (_("%s → %s: %u (%.0f%% of the row)"),
                          (const char *) g_ptr_array_index (self->categories, r),
                          (const char *) g_ptr_array_index (self->categories, c),
                          self->counts[r * n_of (self) + c], 100 * intensity (self, r, c));
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
update_summary (LbHeatMap *self)
{
  GString *text = g_string_new (NULL);
  guint n = n_of (self);
  guint agreed = 0, total = 0;

  if (n == 0)
    g_string_append (text, _("Confusion matrix: no data yet"));
  else
    {
      for (guint i = 0; i < n; i++)
        {
          agreed += self->counts[i * n + i];
          total += self->row_totals[i];
        }
      g_string_append_printf (text, _("Confusion matrix of %u categories, rows: %s, columns: "
                                      "%s. Same category on %u of %u items."),
                              n, self->row_title ? self->row_title : _("first annotator"),
                              self->column_title ? self->column_title : _("second annotator"),
                              agreed, total);
      for (guint r = 0; r < n; r++)
        {
          g_string_append_c (text, ' ');
          g_string_append_printf (text, _("%s:"),
                                  (const char *) g_ptr_array_index (self->categories, r));
          for (guint c = 0; c < n; c++)
            g_string_append_printf (text, "%s %s %u", c == 0 ? "" : ",",
                                    (const char *) g_ptr_array_index (self->categories, c),
                                    self->counts[r * n + c]);
          g_string_append_c (text, '.');
        }
    }
  g_free (self->summary);
  self->summary = g_string_free (text, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary,
                                  -1);
}

/* Colours come from the style at drawing time: a new style (dark, another
 * accent, a larger font) redraws; the text may change size too. */
static void
lb_heat_map_css_changed (GtkWidget         *widget,
                         GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lb_heat_map_parent_class)->css_changed (widget, change);
  if (_lb_chart_style_changed (widget, &LB_HEAT_MAP (widget)->style_stamp))
    gtk_widget_queue_resize (widget);
}

static void
lb_heat_map_finalize (GObject *object)
{
  LbHeatMap *self = LB_HEAT_MAP (object);

  g_clear_pointer (&self->categories, g_ptr_array_unref);
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->row_totals, g_free);
  g_clear_pointer (&self->row_title, g_free);
  g_clear_pointer (&self->column_title, g_free);
  g_clear_pointer (&self->summary, g_free);
  G_OBJECT_CLASS (lb_heat_map_parent_class)->finalize (object);
}

static void
lb_heat_map_class_init (LbHeatMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lb_heat_map_finalize;
  widget_class->snapshot = lb_heat_map_snapshot;
  widget_class->measure = lb_heat_map_measure;
  widget_class->css_changed = lb_heat_map_css_changed;
  gtk_widget_class_set_css_name (widget_class, "lb-heat-map");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lb_heat_map_init (LbHeatMap *self)
{
  self->categories = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  update_summary (self);
}

GtkWidget *
lb_heat_map_new (void)
{
  return g_object_new (LB_TYPE_HEAT_MAP, NULL);
}

void
lb_heat_map_set_data (LbHeatMap          *self,
                      const char * const *categories,
                      const guint        *counts,
                      guint               n)
{
  g_return_if_fail (LB_IS_HEAT_MAP (self));
  g_return_if_fail (n == 0 || (categories != NULL && counts != NULL));

  g_ptr_array_set_size (self->categories, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->categories, g_strdup (categories[i] ? categories[i] : ""));
  g_free (self->counts);
  g_free (self->row_totals);
  self->counts = n > 0 ? g_memdup2 (counts, sizeof (guint) * n * n) : NULL;
  self->row_totals = g_new0 (guint, MAX (n, 1));
  for (guint r = 0; r < n; r++)
    for (guint c = 0; c < n; c++)
      self->row_totals[r] += counts[r * n + c];
  update_summary (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
lb_heat_map_get_n_categories (LbHeatMap *self)
{
  g_return_val_if_fail (LB_IS_HEAT_MAP (self), 0);

  return n_of (self);
}

void
lb_heat_map_set_titles (LbHeatMap  *self,
                        const char *row_title,
                        const char *column_title)
{
  g_return_if_fail (LB_IS_HEAT_MAP (self));

  g_free (self->row_title);
  g_free (self->column_title);
  self->row_title = g_strdup (row_title);
  self->column_title = g_strdup (column_title);
  update_summary (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

double
lb_heat_map_get_cell_intensity (LbHeatMap *self,
                                guint      row,
                                guint      column)
{
  g_return_val_if_fail (LB_IS_HEAT_MAP (self), -1);

  if (row >= n_of (self) || column >= n_of (self))
    return -1;
  return intensity (self, row, column);
}

gboolean
lb_heat_map_get_cell_colors (LbHeatMap *self,
                             guint      row,
                             guint      column,
                             GdkRGBA   *fill,
                             GdkRGBA   *text)
{
  GdkRGBA f, t;

  g_return_val_if_fail (LB_IS_HEAT_MAP (self), FALSE);

  if (row >= n_of (self) || column >= n_of (self))
    return FALSE;
  cell_colors (self, row, column, &f, &t);
  if (fill)
    *fill = f;
  if (text)
    *text = t;
  return TRUE;
}

gboolean
lb_heat_map_get_cell_rect (LbHeatMap       *self,
                           guint            row,
                           guint            column,
                           int              width,
                           int              height,
                           graphene_rect_t *rect)
{
  Layout l;

  g_return_val_if_fail (LB_IS_HEAT_MAP (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  if (row >= n_of (self) || column >= n_of (self))
    return FALSE;
  compute_layout (self, width, height, &l);
  graphene_rect_init (rect, l.gx + column * l.cell + CELL_SPACING / 2,
                      l.gy + row * l.cell + CELL_SPACING / 2,
                      l.cell - CELL_SPACING, l.cell - CELL_SPACING);
  return TRUE;
}

const char *
lb_heat_map_get_summary (LbHeatMap *self)
{
  g_return_val_if_fail (LB_IS_HEAT_MAP (self), NULL);

  return self->summary;
}
