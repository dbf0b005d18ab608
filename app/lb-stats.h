/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* Counts over the derived item state (batch_id 0 = all batches):
 * {"items": N, "done": N, "skipped": N, "todo": N, "flagged": N,
 *  "labels": {"id": N, ...}, "decisions": {"id": N, ...},
 *  "reasons": {"id": N, ...},
 *  "actors": {"name": {"items": N, "events": N, "dwell_ms": N}, ...},
 *  "events": N} */
JsonNode *lb_stats_compute (LbStore  *store,
                            gint64    batch_id,
                            GError  **error);

G_END_DECLS
