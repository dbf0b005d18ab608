/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "lb-store.h"

G_BEGIN_DECLS

#define LB_STATS_ERROR (lb_stats_error_quark ())

typedef enum {
  LB_STATS_ERROR_FAILED,    /* the store could not be read (message included) */
} LbStatsError;

GQuark    lb_stats_error_quark (void);

/* Counts over the derived item state (batch_id 0 = all batches):
 * {"items": N, "done": N, "skipped": N, "todo": N, "flagged": N,
 *  "labels": {"id": N, ...}, "decisions": {"id": N, ...},
 *  "reasons": {"id": N, ...},
 *  "actors": {"name": {"items": N, "events": N, "dwell_ms": N}, ...},
 *  "events": N}
 * items = done + skipped + todo ("todo": nothing submitted, not skipped).
 * labels, decisions and reasons count the items whose current state has
 * them, most frequent first. Per actor: "items" the items they acted on,
 * "events" their events (retractions included), "acts" their acts other
 * than undos, "dwell_ms" the total dwell of those acts and "mean_dwell_ms"
 * the mean per act. "events" (top level) counts all events. */
JsonNode *lb_stats_compute (LbStore  *store,
                            gint64    batch_id,
                            GError  **error);

G_END_DECLS
