/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Drawing shared by the chart widgets (LbBarChart, LbHeatMap, LbLineChart):
 * colours from the widget's style (so light and dark follow the theme),
 * text layouts and the empty state. */

/* Side of the gap between a chart's parts, in logical pixels */
#define LB_CHART_GAP 8.0

/* The widget's text colour (CSS "color") */
void         _lb_chart_get_fg_color     (GtkWidget     *widget,
                                         GdkRGBA       *color);
/* A libadwaita named colour ("accent_bg_color", "success_color", ...);
 * the Adwaita light value if the theme does not define it. */
void         _lb_chart_lookup_color     (GtkWidget     *widget,
                                         const char    *name,
                                         GdkRGBA       *color);
/* The colour named "NAME_bg_color" for fills (NAME: accent, success,
 * warning, error; anything else means accent) */
void         _lb_chart_fill_color       (GtkWidget     *widget,
                                         const char    *name,
                                         GdkRGBA       *color);
/* The view's background (what the chart is drawn on) */
void         _lb_chart_bg_color         (GtkWidget     *widget,
                                         GdkRGBA       *color);
void         _lb_chart_mix              (const GdkRGBA *a,
                                         const GdkRGBA *b,
                                         double         t,
                                         GdkRGBA       *out);
/* WCAG relative luminance and contrast ratio (1..21) of opaque colours */
double       _lb_chart_luminance        (const GdkRGBA *color);
double       _lb_chart_contrast         (const GdkRGBA *a,
                                         const GdkRGBA *b);
void         _lb_chart_set_source       (cairo_t       *cr,
                                         const GdkRGBA *color,
                                         double         alpha);
/* A layout of TEXT in the widget's font, SCALE times its size, bold or not */
PangoLayout *_lb_chart_layout           (GtkWidget     *widget,
                                         const char    *text,
                                         double         scale,
                                         gboolean       bold);
/* Centred "No data yet" (and a dim border) drawn in a W×H area */
void         _lb_chart_draw_empty       (GtkWidget     *widget,
                                         cairo_t       *cr,
                                         double         width,
                                         double         height);
/* TRUE when what the charts draw with (text colour, font, background and
 * accent colours) differs from the last call's, whose hash *STAMP keeps:
 * css_changed redraws only then, not on every state change (hover, focus). */
gboolean     _lb_chart_style_changed    (GtkWidget     *widget,
                                         guint         *stamp);
/* Formats "YYYY-MM-DD" / a Julian day as a short day ("Nov 3") */
gboolean     _lb_chart_parse_day        (const char    *text,
                                         guint32       *julian);
char        *_lb_chart_format_day       (guint32        julian);
void         _lb_chart_rounded_rect     (cairo_t       *cr,
                                         double         x,
                                         double         y,
                                         double         w,
                                         double         h,
                                         double         r);

G_END_DECLS
