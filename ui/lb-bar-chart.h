/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a bar chart's values are, and how they are written */
typedef enum {
  LB_BAR_CHART_UNIT_COUNT,     /* a number: "42", "3.5" */
  LB_BAR_CHART_UNIT_PERCENT,   /* a fraction 0..1 written "93%"; the scale is 0–100 % */
  LB_BAR_CHART_UNIT_PER_HOUR,  /* a rate: "41.3/h", "41.30 items per hour" in tooltips */
} LbBarChartUnit;

/* Horizontal bars, one a row: a name (plain text, ellipsized when longer
 * than a third of the width) then a bar whose end carries the value. An
 * optional reference (e.g. the team median) is a dashed line across the
 * rows, labelled above them. Bars are in the given order, or sorted by
 * value (largest first) with lb_bar_chart_set_sorted().
 *
 * Colours come from the style (libadwaita's named colours), so light and
 * dark follow the theme. It is focusable: Up/Down/Home/End move between
 * bars; each bar's tooltip (pointer or keyboard) gives the exact value.
 * The accessible label is a summary of the data (lb_bar_chart_get_summary()).
 * With no rows it draws "No data yet". It redraws only when its data,
 * size or style changes. */
#define LB_TYPE_BAR_CHART (lb_bar_chart_get_type ())
G_DECLARE_FINAL_TYPE (LbBarChart, lb_bar_chart, LB, BAR_CHART, GtkWidget)

GtkWidget  *lb_bar_chart_new             (void);

/* Replaces the rows: N names and values (copied). A value that is NaN has
 * no bar and reads "n/a" (e.g. a throughput with no dwell time). N = 0
 * shows the empty state. */
void        lb_bar_chart_set_data        (LbBarChart         *self,
                                          const char * const *names,
                                          const double       *values,
                                          guint               n);
guint       lb_bar_chart_get_n_bars      (LbBarChart         *self);

/* How values are written and scaled (default LB_BAR_CHART_UNIT_COUNT) */
void        lb_bar_chart_set_unit        (LbBarChart         *self,
                                          LbBarChartUnit      unit);

/* A reference line at VALUE labelled LABEL ("Team median"); VALUE NaN
 * removes it */
void        lb_bar_chart_set_reference   (LbBarChart         *self,
                                          double              value,
                                          const char         *label);

/* TRUE: largest value first (NaN last); FALSE (default): the given order */
void        lb_bar_chart_set_sorted      (LbBarChart         *self,
                                          gboolean            sorted);

/* The fill: "accent" (default), "success", "warning" or "error" */
void        lb_bar_chart_set_color_name  (LbBarChart         *self,
                                          const char         *name);

/* One value as the chart writes it at a bar's end ("93%", "41.3/h") */
char       *lb_bar_chart_format_value    (LbBarChart         *self,
                                          double              value);

/* The text of the accessible label: every row's name and value, and the
 * reference */
const char *lb_bar_chart_get_summary     (LbBarChart         *self);

/* Layout for a WIDTH×HEIGHT allocation: for the row with data index INDEX
 * (the order given to set_data), the bar (0 wide for a zero or NaN value)
 * and the name's text as drawn (after ellipsizing). FALSE if INDEX is out
 * of range. */
gboolean    lb_bar_chart_get_bar_extents (LbBarChart         *self,
                                          guint               index,
                                          int                 width,
                                          int                 height,
                                          graphene_rect_t    *bar,
                                          graphene_rect_t    *name);

/* The bar being shown with keyboard focus (data index), or -1 */
int         lb_bar_chart_get_focus_bar   (LbBarChart         *self);

G_END_DECLS
