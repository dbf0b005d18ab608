/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Values between 0 and 1 over days (e.g. agreement per day): one line per
 * series, a legend above, gridlines at 0, 0.25, 0.5, 0.75 and 1 (written as
 * percentages with lb_line_chart_set_percent()), a tick per day and a
 * label every few days, as many as fit. The days run from the first day of
 * any series to the last; a day a series has no value for is a gap in its
 * line (a lone point is a dot). Colours: accent, success, warning, error,
 * then purple and brown, from the style.
 *
 * The accessible label summarises each series (days, mean, last value,
 * days without data); a tooltip gives the values of the day under the
 * pointer. With no points it draws "No data yet". Redraws only when its
 * data, size or style change. */
#define LB_TYPE_LINE_CHART (lb_line_chart_get_type ())
G_DECLARE_FINAL_TYPE (LbLineChart, lb_line_chart, LB, LINE_CHART, GtkWidget)

GtkWidget  *lb_line_chart_new           (void);

/* Removes every series */
void        lb_line_chart_clear         (LbLineChart        *self);

/* Adds a series NAME of N points: DAYS[i] ("YYYY-MM-DD", UTC calendar
 * days, any order) and VALUES[i] (clamped to 0..1; NaN = no value that
 * day). Points whose day does not parse are skipped. Returns the series'
 * index. */
guint       lb_line_chart_add_series    (LbLineChart        *self,
                                         const char         *name,
                                         const char * const *days,
                                         const double       *values,
                                         guint               n);
guint       lb_line_chart_get_n_series  (LbLineChart        *self);

/* TRUE: the axis reads 0%–100%; FALSE (default): 0–1 */
void        lb_line_chart_set_percent   (LbLineChart        *self,
                                         gboolean            percent);

/* Where series SERIES's point on DAY ("YYYY-MM-DD") is drawn for a
 * WIDTH×HEIGHT allocation; FALSE if the series has no value that day */
gboolean    lb_line_chart_get_point     (LbLineChart        *self,
                                         guint               series,
                                         const char         *day,
                                         int                 width,
                                         int                 height,
                                         graphene_point_t   *point);

/* How many separate runs of consecutive days series SERIES is drawn as
 * (1 with no gap; 0 with no value) */
guint       lb_line_chart_get_n_runs    (LbLineChart        *self,
                                         guint               series);

/* The text of the accessible label */
const char *lb_line_chart_get_summary   (LbLineChart        *self);

G_END_DECLS
