/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-chart"
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n.h>

#include "lb-chart-private.h"

/* Adwaita's light values, used when a theme lacks a named colour */
static const struct {
  const char *name;
  const char *value;
} fallbacks[] = {
  { "accent_bg_color", "#3584e4" },
  { "accent_color", "#1c71d8" },
  { "success_bg_color", "#2ec27e" },
  { "success_color", "#1b8553" },
  { "warning_bg_color", "#e5a50a" },
  { "warning_color", "#9c6e03" },
  { "error_bg_color", "#e01b24" },
  { "error_color", "#c01c28" },
  { "view_bg_color", "#ffffff" },
  { "purple_3", "#9141ac" },
  { "brown_3", "#986a44" },
};

void
_lb_chart_get_fg_color (GtkWidget *widget,
                        GdkRGBA   *color)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
}

void
_lb_chart_lookup_color (GtkWidget  *widget,
                        const char *name,
                        GdkRGBA    *color)
{
  if (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (fallbacks); i++)
    if (g_str_equal (fallbacks[i].name, name))
      {
        gdk_rgba_parse (color, fallbacks[i].value);
        return;
      }
  _lb_chart_get_fg_color (widget, color);
}

void
_lb_chart_fill_color (GtkWidget  *widget,
                      const char *name,
                      GdkRGBA    *color)
{
  static const char *known[] = { "accent", "success", "warning", "error" };
  const char *base = "accent";
  g_autofree char *full = NULL;

  for (gsize i = 0; name != NULL && i < G_N_ELEMENTS (known); i++)
    if (g_str_equal (name, known[i]))
      base = known[i];
  full = g_strconcat (base, "_bg_color", NULL);
  _lb_chart_lookup_color (widget, full, color);
}

void
_lb_chart_bg_color (GtkWidget *widget,
                    GdkRGBA   *color)
{
  _lb_chart_lookup_color (widget, "view_bg_color", color);
  color->alpha = 1.0;
}

void
_lb_chart_mix (const GdkRGBA *a,
               const GdkRGBA *b,
               double         t,
               GdkRGBA       *out)
{
  t = CLAMP (t, 0.0, 1.0);
  out->red = (float) (a->red + (b->red - a->red) * t);
  out->green = (float) (a->green + (b->green - a->green) * t);
  out->blue = (float) (a->blue + (b->blue - a->blue) * t);
  out->alpha = (float) (a->alpha + (b->alpha - a->alpha) * t);
}

static double
channel_linear (double c)
{
  return c <= 0.03928 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

double
_lb_chart_luminance (const GdkRGBA *color)
{
  return 0.2126 * channel_linear (color->red) + 0.7152 * channel_linear (color->green)
         + 0.0722 * channel_linear (color->blue);
}

double
_lb_chart_contrast (const GdkRGBA *a,
                    const GdkRGBA *b)
{
  double la = _lb_chart_luminance (a);
  double lb = _lb_chart_luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

void
_lb_chart_set_source (cairo_t       *cr,
                      const GdkRGBA *color,
                      double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

PangoLayout *
_lb_chart_layout (GtkWidget  *widget,
                  const char *text,
                  double      scale,
                  gboolean    bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);

  if (scale != 1.0 || bold)
    {
      PangoContext *context = pango_layout_get_context (layout);
      PangoFontDescription *font =
        pango_font_description_copy (pango_context_get_font_description (context));
      int size = pango_font_description_get_size (font);

      if (size <= 0)
        size = 10 * PANGO_SCALE;
      if (pango_font_description_get_size_is_absolute (font))
        pango_font_description_set_absolute_size (font, size * scale);
      else
        pango_font_description_set_size (font, (int) (size * scale));
      if (bold)
        pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
      pango_layout_set_font_description (layout, font);
      pango_font_description_free (font);
    }
  return layout;
}

void
_lb_chart_rounded_rect (cairo_t *cr,
                        double   x,
                        double   y,
                        double   w,
                        double   h,
                        double   r)
{
  r = MIN (r, MIN (w, h) / 2);
  if (r <= 0)
    {
      cairo_rectangle (cr, x, y, w, h);
      return;
    }
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
_lb_chart_draw_empty (GtkWidget *widget,
                      cairo_t   *cr,
                      double     width,
                      double     height)
{
  g_autoptr(PangoLayout) layout = _lb_chart_layout (widget, _("No data yet"), 1.0, FALSE);
  GdkRGBA fg;
  int tw, th;

  _lb_chart_get_fg_color (widget, &fg);
  _lb_chart_rounded_rect (cr, 1, 1, width - 2, height - 2, 8);
  _lb_chart_set_source (cr, &fg, 0.15);
  cairo_set_line_width (cr, 1);
  {
    static const double dash[] = { 4, 4 };
    cairo_set_dash (cr, dash, 2, 0);
  }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  pango_layout_get_pixel_size (layout, &tw, &th);
  _lb_chart_set_source (cr, &fg, 0.55);
  cairo_move_to (cr, (width - tw) / 2, (height - th) / 2);
  pango_cairo_show_layout (cr, layout);
}

gboolean
_lb_chart_style_changed (GtkWidget *widget,
                         guint     *stamp)
{
  static const char *names[] = { "accent_bg_color", "accent_color", "success_bg_color",
                                 "view_bg_color" };
  PangoFontDescription *font = pango_context_get_font_description (
    gtk_widget_get_pango_context (widget));
  GdkRGBA color;
  guint hash;

  _lb_chart_get_fg_color (widget, &color);
  hash = gdk_rgba_hash (&color);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      _lb_chart_lookup_color (widget, names[i], &color);
      hash = hash * 31 + gdk_rgba_hash (&color);
    }
  hash = hash * 31 + (font ? pango_font_description_hash (font) : 0);
  if (hash == *stamp)
    return FALSE;
  *stamp = hash;
  return TRUE;
}

gboolean
_lb_chart_parse_day (const char *text,
                     guint32    *julian)
{
  int y, m, d;
  char end;
  g_autoptr(GDate) date = NULL;

  if (text == NULL || sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;
  date = g_date_new_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
  *julian = g_date_get_julian (date);
  return TRUE;
}

char *
_lb_chart_format_day (guint32 julian)
{
  g_autoptr(GDate) date = g_date_new_julian (julian);
  char month[64];

  if (g_date_strftime (month, sizeof month, "%b", date) == 0)
    g_snprintf (month, sizeof month, "%02d", g_date_get_month (date));
  /* TRANSLATORS: a short day on a chart's axis: abbreviated month, day */
  return g_strdup_printf (C_("chart day", "%s %d"), month, g_date_get_day (date));
}
