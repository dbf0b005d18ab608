/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "lb-store.h"

G_BEGIN_DECLS

#define LB_REPORT_ERROR (lb_report_error_quark ())

typedef enum {
  LB_REPORT_ERROR_NOT_FOUND,   /* no such batch */
  LB_REPORT_ERROR_FAILED,      /* the store could not be read, the output not written */
} LbReportError;

GQuark    lb_report_error_quark (void);

/* The quality report of a store (one seat, or one that merged several
 * seats' bundles: the events of every seat count), for the batch named
 * BATCH or, NULL, every batch. A JSON object:
 *
 * {"store": path, "generated_us": N,
 *  "seats": [{"seat": uuid, "events": N, "verified": bool,
 *             "broken": "event SEQ (uuid U): ..." | null}, ...],
 *  "batches": [{
 *    "batch": name, "items": N, "overlap": N,
 *    "annotated": N      items with at least one annotator's work done,
 *    "reviewed": N, "accepted": N, "fixed": N, "rejected": N (the items' latest reviews),
 *    "review_acceptance_rate": accepted / reviewed | null,
 *    "gold_items": N, "agreed": N, "disputed": N (consensus, items with >= 2 annotators),
 *    "annotators": [{
 *      "annotator": name,
 *      "items_done": N       items whose own work (lb_store_get_item_for_actor) is done,
 *      "active_ms": N        the dwell of their acts in effect on those items, summed:
 *                            the time each item was in front of them before each act;
 *                            pauses between items do not count,
 *      "throughput_per_hour": items_done / (active_ms / 3 600 000) | null (no dwell),
 *      "median_dwell_ms": median over their done items of the per-item dwell | null,
 *      "reviewed", "accepted", "fixed", "rejected": their works by the latest review
 *                            in effect that looked at them,
 *      "review_acceptance_rate": accepted / reviewed | null,
 *      "gold_answered", "gold_correct": gold items they did, and got right (every
 *                            part the gold answer gives — label set, decision, reason —
 *                            equal), "gold_accuracy": correct / answered | null}, ...],
 *    "labels": FIGURES, "decisions": FIGURES}], ...}
 *
 * FIGURES, over the reliability data of one field (units = the batch's
 * items, coders = annotators, value = an annotator's own label set — the
 * labels joined by "+" in schema order; no labels = missing — or decision):
 *   {"units": N (items with a value from >= 2 annotators), "categories": [...],
 *    "percent_agreement": x | null, "fleiss_kappa": x | null,
 *    "krippendorff_alpha": x | null, with "*_note": "no_data" | "no_variation" |
 *    "unequal_ratings" when a figure is undefined (no_variation keeps x = 1),
 *    "distribution": {"category": N, ...} (every annotator's values),
 *    "pairs": [{"a": name, "b": name, "units": N, "cohen_kappa": x | null,
 *               "percent_agreement": x | null,
 *               "confusion": [[N, ...], ...] (row: a's category, column: b's, in
 *               "categories" order)}, ...]  (pairs with units > 0),
 *    "per_day": [{"day": "YYYY-MM-DD", "units": N, "percent_agreement": x | null}, ...]
 *      (items grouped by the UTC day of their latest annotator event)}
 * Fleiss' kappa counts the items with exactly "overlap" values when the
 * batch's overlap is 2 or more, otherwise every pairable item (which must
 * then all have the same number of values). */
JsonNode *lb_report_build  (LbStore       *store,
                            const char    *batch,
                            GError       **error);

/* lb_report_build() in a worker thread (it reads every event of the
 * batches: about 0.9 s for 30 000 events); the callback runs on the
 * caller's thread-default main context. _finish returns the report (free
 * with json_node_unref) or NULL with the error. */
void      lb_report_build_async  (LbStore              *store,
                                  const char           *batch,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
JsonNode *lb_report_build_finish (LbStore              *store,
                                  GAsyncResult         *result,
                                  GError              **error);

/* The report as CSV (RFC 4180, header line, one figure a line):
 *   section,batch,seat,annotator,annotator_b,category,category_b,day,metric,value
 * sections: seat, batch, annotator, labels / decisions (field figures),
 * labels-pair / decisions-pair, labels-confusion / decisions-confusion,
 * labels-distribution / decisions-distribution, labels-day / decisions-day.
 * Undefined figures have an empty value. Text cells are written like the
 * items CSV's (a leading ' on text starting with = + - @, a tab or a CR,
 * against formula injection: annotator names and labels are anyone's);
 * numbers as they are. */
char     *lb_report_to_csv (JsonNode      *report);

/* The report as pretty-printed JSON */
char     *lb_report_to_json (JsonNode     *report);

G_END_DECLS
