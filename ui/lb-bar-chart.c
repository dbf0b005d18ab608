/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-bar-chart"
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "lb-bar-chart.h"
#include "lb-chart-private.h"

#define MIN_ROW_HEIGHT 30.0
#define BAR_RADIUS 4.0
#define EMPTY_HEIGHT 96
#define NAME_INSET 6.0       /* names start here, inside the focus ring */
#define MAX_BAR_HEIGHT 22.0

struct _LbBarChart
{
  GtkWidget       parent_instance;

  GPtrArray      *names;      /* char*, data order */
  GArray         *values;     /* double, data order */
  guint          *order;      /* display position -> data index */
  LbBarChartUnit  unit;
  double          reference;  /* NaN: none */
  char           *reference_label;
  gboolean        sorted;
  char           *color_name;
  char           *summary;
  int             focus_bar;  /* data index or -1 */
  guint      style_stamp;  /* _lb_chart_style_changed() */
};

G_DEFINE_FINAL_TYPE (LbBarChart, lb_bar_chart, GTK_TYPE_WIDGET)

typedef struct {
  double text_h;
  double name_w;     /* the names' column */
  double x0;         /* bars start here ... */
  double x1;         /* ... and the largest ends here */
  double top;        /* first row */
  double row_h;
  double bar_h;
  double scale_max;
} Layout;

static double
value_at (LbBarChart *self,
          guint       index)
{
  return g_array_index (self->values, double, index);
}

char *
lb_bar_chart_format_value (LbBarChart *self,
                           double      value)
{
  g_return_val_if_fail (LB_IS_BAR_CHART (self), NULL);

  if (isnan (value))
    return g_strdup (C_("chart value", "n/a"));
  switch (self->unit)
    {
    case LB_BAR_CHART_UNIT_PERCENT:
      /* TRANSLATORS: a percentage at a bar's end */
      return g_strdup_printf (C_("chart value", "%.0f%%"), value * 100);
    case LB_BAR_CHART_UNIT_PER_HOUR:
      /* TRANSLATORS: a rate at a bar's end, items per hour */
      return g_strdup_printf (C_("chart value", "%.1f/h"), value);
    case LB_BAR_CHART_UNIT_COUNT:
    default:
      if (fabs (value - round (value)) < 1e-9)
        return g_strdup_printf ("%.0f", value);
      return g_strdup_printf ("%.1f", value);
    }
}

/* The exact value, for tooltips */
static char *
format_exact (LbBarChart *self,
              double      value)
{
  if (isnan (value))
    return g_strdup (_("no value"));
  switch (self->unit)
    {
    case LB_BAR_CHART_UNIT_PERCENT:
      return g_strdup_printf (_("%.2f%%"), value * 100);
    case LB_BAR_CHART_UNIT_PER_HOUR:
      return g_strdup_printf (_("%.2f items per hour"), value);
    case LB_BAR_CHART_UNIT_COUNT:
    default:
      return g_strdup_printf ("%g", value);
    }
}

static int
compare_desc (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  LbBarChart *self = user_data;
  double va = value_at (self, *(const guint *) a);
  double vb = value_at (self, *(const guint *) b);

  if (isnan (va) != isnan (vb))
    return isnan (va) ? 1 : -1;
  if (!isnan (va) && va != vb)
    return va > vb ? -1 : 1;
  return (int) *(const guint *) a - (int) *(const guint *) b;  /* stable */
}

static void
update_order (LbBarChart *self)
{
  guint n = self->values->len;

  g_free (self->order);
  self->order = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    self->order[i] = i;
  if (self->sorted && n > 1)
    g_qsort_with_data (self->order, (gint) n, sizeof (guint), compare_desc, self);
}

static void
update_summary (LbBarChart *self)
{
  GString *text = g_string_new (NULL);

  if (self->values->len == 0)
    g_string_append (text, _("Bar chart: no data yet"));
  for (guint p = 0; p < self->values->len; p++)
    {
      guint i = self->order[p];
      g_autofree char *value = format_exact (self, value_at (self, i));

      if (p > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, _("%s: %s"),
                              (const char *) g_ptr_array_index (self->names, i), value);
    }
  if (!isnan (self->reference) && self->values->len > 0)
    {
      g_autofree char *value = format_exact (self, self->reference);

      g_string_append (text, ". ");
      g_string_append_printf (text, _("%s: %s"),
                              self->reference_label ? self->reference_label : _("Reference"),
                              value);
    }
  g_free (self->summary);
  self->summary = g_string_free (text, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary,
                                  -1);
}

static double
text_height (GtkWidget *widget)
{
  g_autoptr(PangoLayout) layout = _lb_chart_layout (widget, "Ag\u56fd", 1.0, FALSE);
  int th;

  pango_layout_get_pixel_size (layout, NULL, &th);
  return th;
}

static void
compute_layout (LbBarChart *self,
                int         width,
                int         height,
                Layout     *l)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n = self->values->len;
  double max_name = 0, max_value_w = 0, max = 0;

  l->text_h = text_height (widget);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PangoLayout) name =
        _lb_chart_layout (widget, g_ptr_array_index (self->names, i), 1.0, FALSE);
      g_autofree char *text = lb_bar_chart_format_value (self, value_at (self, i));
      g_autoptr(PangoLayout) value = _lb_chart_layout (widget, text, 1.0, TRUE);
      int w;

      pango_layout_get_pixel_size (name, &w, NULL);
      max_name = MAX (max_name, w);
      pango_layout_get_pixel_size (value, &w, NULL);
      max_value_w = MAX (max_value_w, w);
      if (!isnan (value_at (self, i)))
        max = MAX (max, value_at (self, i));
    }
  if (!isnan (self->reference))
    max = MAX (max, self->reference);

  /* percentages: room for "100%" whatever the values, so the scale stays put */
  if (self->unit == LB_BAR_CHART_UNIT_PERCENT)
    {
      g_autofree char *text = lb_bar_chart_format_value (self, 1.0);
      g_autoptr(PangoLayout) value = _lb_chart_layout (widget, text, 1.0, TRUE);
      int w;

      pango_layout_get_pixel_size (value, &w, NULL);
      max_value_w = MAX (max_value_w, w);
    }
  l->name_w = MIN (max_name, floor (width / 3.0) - NAME_INSET);
  l->x0 = NAME_INSET + l->name_w + 1.5 * LB_CHART_GAP;
  l->x1 = MAX (l->x0 + 20, width - max_value_w - LB_CHART_GAP);
  l->top = isnan (self->reference) ? 0 : l->text_h + 6;
  l->row_h = MAX (MIN_ROW_HEIGHT, l->text_h + 14);
  if (n > 0 && l->top + n * l->row_h > height)
    l->row_h = MAX (l->text_h + 2, (height - l->top) / n);
  else if (n > 0)  /* more room: rows a little taller, the rest stays below */
    l->row_h = MIN (l->row_h * 1.4, (height - l->top) / n);
  l->bar_h = MIN (MAX_BAR_HEIGHT, MIN (l->row_h - 8, MAX (12, round (l->row_h * 0.62))));
  if (self->unit == LB_BAR_CHART_UNIT_PERCENT)
    l->scale_max = MAX (1.0, max);
  else
    l->scale_max = max > 0 ? max : 1.0;
}

static double
bar_length (LbBarChart   *self,
            const Layout *l,
            double        value)
{
  if (isnan (value) || value <= 0)
    return 0;
  return (l->x1 - l->x0) * MIN (value, l->scale_max) / l->scale_max;
}

static guint
position_of (LbBarChart *self,
             guint       index)
{
  for (guint p = 0; p < self->values->len; p++)
    if (self->order[p] == index)
      return p;
  g_assert_not_reached ();
}

static PangoLayout *
name_layout (LbBarChart   *self,
             const Layout *l,
             guint         index)
{
  PangoLayout *layout =
    _lb_chart_layout (GTK_WIDGET (self), g_ptr_array_index (self->names, index), 1.0, FALSE);

  pango_layout_set_width (layout, (int) (l->name_w * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

gboolean
lb_bar_chart_get_bar_extents (LbBarChart      *self,
                              guint            index,
                              int              width,
                              int              height,
                              graphene_rect_t *bar,
                              graphene_rect_t *name)
{
  Layout l;
  double y;

  g_return_val_if_fail (LB_IS_BAR_CHART (self), FALSE);

  if (index >= self->values->len)
    return FALSE;
  compute_layout (self, width, height, &l);
  y = l.top + position_of (self, index) * l.row_h;
  if (bar)
    graphene_rect_init (bar, l.x0, y + (l.row_h - l.bar_h) / 2,
                        bar_length (self, &l, value_at (self, index)), l.bar_h);
  if (name)
    {
      g_autoptr(PangoLayout) layout = name_layout (self, &l, index);
      PangoRectangle ink, logical;

      pango_layout_get_pixel_extents (layout, &ink, &logical);
      graphene_rect_init (name, NAME_INSET + MIN (ink.x, logical.x),
                          y + (l.row_h - logical.height) / 2,
                          MAX (ink.x + ink.width, logical.x + logical.width)
                          - MIN (ink.x, logical.x),
                          logical.height);
    }
  return TRUE;
}

static void
lb_bar_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  LbBarChart *self = LB_BAR_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA fg, fill, focus;
  Layout l;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->values->len == 0)
    {
      _lb_chart_draw_empty (widget, cr, width, height);
      cairo_destroy (cr);
      return;
    }

  _lb_chart_get_fg_color (widget, &fg);
  _lb_chart_fill_color (widget, self->color_name, &fill);
  _lb_chart_lookup_color (widget, "accent_color", &focus);
  compute_layout (self, width, height, &l);

  for (guint p = 0; p < self->values->len; p++)
    {
      guint i = self->order[p];
      double y = l.top + p * l.row_h;
      double value = value_at (self, i);
      double len = bar_length (self, &l, value);
      g_autoptr(PangoLayout) name = name_layout (self, &l, i);
      g_autofree char *text = lb_bar_chart_format_value (self, value);
      g_autoptr(PangoLayout) label = _lb_chart_layout (widget, text, 1.0, !isnan (value));
      int tw, th;

      if ((gtk_widget_get_state_flags (widget) & GTK_STATE_FLAG_FOCUS_VISIBLE)
          && gtk_widget_has_focus (widget) && self->focus_bar == (int) i)
        {
          _lb_chart_rounded_rect (cr, 1, y + 1, width - 2, l.row_h - 2, 6);
          _lb_chart_set_source (cr, &focus, 0.12);
          cairo_fill_preserve (cr);
          _lb_chart_set_source (cr, &focus, 0.8);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }

      pango_layout_get_pixel_size (name, &tw, &th);
      _lb_chart_set_source (cr, &fg, 0.85);
      cairo_move_to (cr, NAME_INSET, y + (l.row_h - th) / 2);
      pango_cairo_show_layout (cr, name);

      /* a faint track shows where 100 % would be for percentages */
      if (self->unit == LB_BAR_CHART_UNIT_PERCENT)
        {
          _lb_chart_rounded_rect (cr, l.x0, y + (l.row_h - l.bar_h) / 2, l.x1 - l.x0, l.bar_h,
                                  BAR_RADIUS);
          _lb_chart_set_source (cr, &fg, 0.06);
          cairo_fill (cr);
        }
      if (len > 0)
        {
          _lb_chart_rounded_rect (cr, l.x0, y + (l.row_h - l.bar_h) / 2, MAX (len, 2), l.bar_h,
                                  MIN (BAR_RADIUS, len / 2));
          _lb_chart_set_source (cr, &fill, 1.0);
          cairo_fill (cr);
        }

      pango_layout_get_pixel_size (label, &tw, &th);
      _lb_chart_set_source (cr, &fg, isnan (value) ? 0.5 : 0.9);
      if (self->unit == LB_BAR_CHART_UNIT_PERCENT)
        cairo_move_to (cr, l.x1 + LB_CHART_GAP, y + (l.row_h - th) / 2);
      else
        cairo_move_to (cr, l.x0 + len + LB_CHART_GAP * 0.75, y + (l.row_h - th) / 2);
      pango_cairo_show_layout (cr, label);
    }

  if (!isnan (self->reference))
    {
      static const double dash[] = { 4, 3 };
      double x = round (l.x0 + bar_length (self, &l, self->reference)) + 0.5;
      g_autofree char *value = lb_bar_chart_format_value (self, self->reference);
      g_autofree char *text = g_strdup_printf (_("%s %s"),
                                               self->reference_label ? self->reference_label
                                                                     : _("Reference"),
                                               value);
      g_autoptr(PangoLayout) label = _lb_chart_layout (widget, text, 0.85, FALSE);
      int tw, th;

      _lb_chart_set_source (cr, &fg, 0.55);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, x, l.top - 2);
      cairo_line_to (cr, x, l.top + self->values->len * l.row_h);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);

      pango_layout_get_pixel_size (label, &tw, &th);
      cairo_move_to (cr, CLAMP (x - tw / 2.0, l.x0, MAX (l.x0, width - tw)),
                     MAX (0, l.top - th - 4));
      _lb_chart_set_source (cr, &fg, 0.7);
      pango_cairo_show_layout (cr, label);
    }
  cairo_destroy (cr);
}

static void
lb_bar_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  LbBarChart *self = LB_BAR_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 420;
    }
  else
    {
      double th = text_height (widget);
      double row_h = MAX (MIN_ROW_HEIGHT, th + 14);
      double top = isnan (self->reference) ? 0 : th + 6;
      guint n = self->values->len;

      *minimum = n == 0 ? EMPTY_HEIGHT : (int) ceil (top + n * (th + 2));
      *natural = n == 0 ? EMPTY_HEIGHT : (int) ceil (top + n * row_h);
    }
}

/* Data index at widget y, or -1 */
static int
bar_at (LbBarChart *self,
        double      y)
{
  Layout l;
  int p;

  if (self->values->len == 0)
    return -1;
  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                  gtk_widget_get_height (GTK_WIDGET (self)), &l);
  p = (int) floor ((y - l.top) / l.row_h);
  if (y < l.top || p < 0 || p >= (int) self->values->len)
    return -1;
  return (int) self->order[p];
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard_mode,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  LbBarChart *self = LB_BAR_CHART (widget);
  int i = keyboard_mode ? self->focus_bar : bar_at (self, y);
  g_autofree char *value = NULL;
  g_autofree char *text = NULL;
  Layout l;

  if (i < 0 || i >= (int) self->values->len)
    return FALSE;
  value = format_exact (self, value_at (self, i));
  text = g_strdup_printf (_("%s: %s"), (const char *) g_ptr_array_index (self->names, i), value);
  gtk_tooltip_set_text (tooltip, text);
  compute_layout (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &l);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) {
                              0, (int) (l.top + position_of (self, i) * l.row_h),
                              gtk_widget_get_width (widget), (int) l.row_h });
  return TRUE;
}

static void
move_focus (LbBarChart *self,
            int         to_position)
{
  guint n = self->values->len;

  if (n == 0)
    return;
  to_position = CLAMP (to_position, 0, (int) n - 1);
  self->focus_bar = (int) self->order[to_position];
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                LbBarChart            *self)
{
  int p = self->focus_bar >= 0 ? (int) position_of (self, self->focus_bar) : -1;

  if (self->values->len == 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_focus (self, p - 1);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_focus (self, p + 1);
      return TRUE;
    case GDK_KEY_Home:
      move_focus (self, 0);
      return TRUE;
    case GDK_KEY_End:
      move_focus (self, (int) self->values->len - 1);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
focus_enter_cb (GtkEventControllerFocus *controller,
                LbBarChart              *self)
{
  if (self->focus_bar < 0 && self->values->len > 0)
    self->focus_bar = (int) self->order[0];
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
focus_leave_cb (GtkEventControllerFocus *controller,
                LbBarChart              *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            LbBarChart      *self)
{
  int i = bar_at (self, y);

  if (i >= 0)
    {
      self->focus_bar = i;
      gtk_widget_grab_focus (GTK_WIDGET (self));
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
lb_bar_chart_state_flags_changed (GtkWidget     *widget,
                                  GtkStateFlags  previous)
{
  GtkStateFlags changed = previous ^ gtk_widget_get_state_flags (widget);

  if (changed & (GTK_STATE_FLAG_FOCUS_VISIBLE | GTK_STATE_FLAG_FOCUSED))
    gtk_widget_queue_draw (widget);
  GTK_WIDGET_CLASS (lb_bar_chart_parent_class)->state_flags_changed (widget, previous);
}

/* Colours come from the style at drawing time: a new style (dark, another
 * accent, a larger font) redraws; the text may change size too. */
static void
lb_bar_chart_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (lb_bar_chart_parent_class)->css_changed (widget, change);
  if (_lb_chart_style_changed (widget, &LB_BAR_CHART (widget)->style_stamp))
    gtk_widget_queue_resize (widget);
}

static void
lb_bar_chart_finalize (GObject *object)
{
  LbBarChart *self = LB_BAR_CHART (object);

  g_clear_pointer (&self->names, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_array_unref);
  g_clear_pointer (&self->order, g_free);
  g_clear_pointer (&self->reference_label, g_free);
  g_clear_pointer (&self->color_name, g_free);
  g_clear_pointer (&self->summary, g_free);
  G_OBJECT_CLASS (lb_bar_chart_parent_class)->finalize (object);
}

static void
lb_bar_chart_class_init (LbBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lb_bar_chart_finalize;
  widget_class->snapshot = lb_bar_chart_snapshot;
  widget_class->measure = lb_bar_chart_measure;
  widget_class->css_changed = lb_bar_chart_css_changed;
  widget_class->state_flags_changed = lb_bar_chart_state_flags_changed;
  gtk_widget_class_set_css_name (widget_class, "lb-bar-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lb_bar_chart_init (LbBarChart *self)
{
  GtkEventController *controller;

  self->names = g_ptr_array_new_with_free_func (g_free);
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->order = g_new0 (guint, 1);
  self->reference = NAN;
  self->color_name = g_strdup ("accent");
  self->focus_bar = -1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (focus_enter_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect (controller, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  update_order (self);
  update_summary (self);
}

GtkWidget *
lb_bar_chart_new (void)
{
  return g_object_new (LB_TYPE_BAR_CHART, NULL);
}

void
lb_bar_chart_set_data (LbBarChart         *self,
                       const char * const *names,
                       const double       *values,
                       guint               n)
{
  g_return_if_fail (LB_IS_BAR_CHART (self));
  g_return_if_fail (n == 0 || (names != NULL && values != NULL));

  g_ptr_array_set_size (self->names, 0);
  g_array_set_size (self->values, 0);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (self->names, g_strdup (names[i] ? names[i] : ""));
      g_array_append_val (self->values, values[i]);
    }
  self->focus_bar = -1;
  update_order (self);
  update_summary (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
lb_bar_chart_get_n_bars (LbBarChart *self)
{
  g_return_val_if_fail (LB_IS_BAR_CHART (self), 0);

  return self->values->len;
}

void
lb_bar_chart_set_unit (LbBarChart     *self,
                       LbBarChartUnit  unit)
{
  g_return_if_fail (LB_IS_BAR_CHART (self));

  if (self->unit == unit)
    return;
  self->unit = unit;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lb_bar_chart_set_reference (LbBarChart *self,
                            double      value,
                            const char *label)
{
  g_return_if_fail (LB_IS_BAR_CHART (self));

  self->reference = value;
  g_free (self->reference_label);
  self->reference_label = g_strdup (label);
  update_summary (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
lb_bar_chart_set_sorted (LbBarChart *self,
                         gboolean    sorted)
{
  g_return_if_fail (LB_IS_BAR_CHART (self));

  if (self->sorted == !!sorted)
    return;
  self->sorted = !!sorted;
  update_order (self);
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lb_bar_chart_set_color_name (LbBarChart *self,
                             const char *name)
{
  g_return_if_fail (LB_IS_BAR_CHART (self));

  if (g_strcmp0 (self->color_name, name) == 0)
    return;
  g_free (self->color_name);
  self->color_name = g_strdup (name ? name : "accent");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
lb_bar_chart_get_summary (LbBarChart *self)
{
  g_return_val_if_fail (LB_IS_BAR_CHART (self), NULL);

  return self->summary;
}

int
lb_bar_chart_get_focus_bar (LbBarChart *self)
{
  g_return_val_if_fail (LB_IS_BAR_CHART (self), -1);

  return self->focus_bar;
}
