/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* The lead's quality dashboard for one batch: the report of lb-report.h,
 * computed in a thread (again after each change to the batch's items):
 * a per-annotator table (items, items per hour, median dwell, acceptance
 * rate, gold accuracy), the agreement figures of the labels and decisions
 * (percent agreement, Fleiss' kappa, Krippendorff's alpha; an undefined
 * figure says why), bar charts of throughput and gold accuracy, the
 * confusion matrix of a chosen pair of annotators, agreement per day,
 * and each seat's hash-chain check. "Export Report…" saves it as CSV or
 * JSON (the engine's formats). */
#define LB_TYPE_DASHBOARD (lb_dashboard_get_type ())
G_DECLARE_FINAL_TYPE (LbDashboard, lb_dashboard, LB, DASHBOARD, GtkWidget)

GtkWidget  *lb_dashboard_new          (void);
/* Shows the report of the batch (NULL: every batch) and keeps it current. */
void        lb_dashboard_open         (LbDashboard *self,
                                       LbStore     *store,
                                       const char  *batch);
void        lb_dashboard_refresh      (LbDashboard *self);
/* Writes the report shown to FILE: "csv" or "json" */
void        lb_dashboard_export       (LbDashboard *self,
                                       GFile       *file,
                                       const char  *format);

/* How the dashboard writes one figure of a report object: MEMBER of
 * OBJECT as a count ("12"), a fraction ("0.812"), a percent ("81.2 %"),
 * a rate ("41.3/h") or a duration ("4.2 s"); a null figure gives the
 * reason of its "MEMBER_note" ("No variation", "No data", ...) or "—". */
typedef enum {
  LB_DASHBOARD_COUNT,
  LB_DASHBOARD_FRACTION,
  LB_DASHBOARD_PERCENT,
  LB_DASHBOARD_RATE,
  LB_DASHBOARD_DURATION,
} LbDashboardFormat;

char       *lb_dashboard_format_figure (JsonObject        *object,
                                        const char        *member,
                                        LbDashboardFormat  format);

/* What the lead sees, for tests */
gboolean    lb_dashboard_get_loading  (LbDashboard *self);
/* The report shown (NULL before the first) */
JsonNode   *lb_dashboard_get_report   (LbDashboard *self);
guint       lb_dashboard_get_generation (LbDashboard *self);  /* reports shown so far */
/* The text of a figure on screen: "labels.fleiss_kappa", "decisions.percent_agreement",
 * "annotator.NAME.throughput_per_hour", "batch.reviewed", "seat.0", ... or NULL */
const char *lb_dashboard_get_figure   (LbDashboard *self,
                                       const char  *key);
const char *lb_dashboard_get_status   (LbDashboard *self);
GtkWidget  *lb_dashboard_get_chart    (LbDashboard *self,
                                       const char  *name);  /* "throughput", "gold",
                                                             * "confusion", "agreement" */

G_END_DECLS
