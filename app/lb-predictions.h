/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "lb-types.h"
#include "lb-store.h"

G_BEGIN_DECLS

/* Pre-annotations: what a model proposed for an item, kept with the item
 * (not as events) until an annotator accepts them.
 *
 * They live in the item's meta JSON (lb_item_get_meta_json()) under the key
 * LB_PREDICTIONS_META_KEY, in Labelbench's own coordinate forms:
 *
 *   "_predictions": {
 *     "model":    "model-x",                 (Label Studio's model_version, or "label-studio")
 *     "score":    0.87,                      (optional)
 *     "labels":   ["cat", ...],              (optional: class labels)
 *     "decision": "approve",                 (optional)
 *     "reason":   "spam",                    (optional)
 *     "note":     "text",                    (optional)
 *     "regions":  [{"label", "shape": "box", "box": [x, y, w, h],
 *                   "attributes": {...}} |
 *                  {"label", "shape": "polygon", "points": [[x, y], ...],
 *                   "attributes": {...}}, ...],   (source-image pixels)
 *     "spans":    [{"label", "start", "end", "text"}, ...],  (Unicode code points)
 *     "answers":  {"field": "text", ...}
 *   }
 *
 * The Label Studio import (lb_import() of a task .json) writes them from a
 * task's "predictions". */

#define LB_PREDICTIONS_META_KEY "_predictions"

#define LB_PREDICTIONS_ERROR (lb_predictions_error_quark ())

typedef enum {
  LB_PREDICTIONS_ERROR_NONE,     /* the item has no pre-annotations */
  LB_PREDICTIONS_ERROR_INVALID,  /* they are there but unusable (names the part) */
} LbPredictionsError;

GQuark    lb_predictions_error_quark (void);

/* TRUE when the item carries pre-annotations. */
gboolean  lb_predictions_has        (LbItem       *item);

/* A short translated summary for the panel, e.g. "model-x: 2 boxes, label
 * Cat" (label ids as stored); NULL when the item has none. Free it. */
char     *lb_predictions_describe   (LbItem       *item);

/* Turns the item's pre-annotations into ACTOR's own events through the
 * public store API: one submission (labels, decision, reason) when there
 * are any, then one act per region, span and answer. Regions and spans the
 * item already has (same label and geometry / offsets) and answers it
 * already holds are not made again, so accepting twice adds nothing.
 * Blocks until each COMMIT returned: never call it on the GUI main thread
 * (run it in a GTask thread). LB_PREDICTIONS_ERROR_NONE when the item has
 * none; a store error (LB_STORE_ERROR_*) when the store refuses a part
 * (parts before it stay saved). */
gboolean  lb_predictions_accept     (LbStore      *store,
                                     gint64        item_id,
                                     const char   *actor,
                                     GError      **error);
/* The same in a GTask thread, for the GUI: completes on the caller's
 * thread-default main context after the last COMMIT returned. */
void      lb_predictions_accept_async  (LbStore             *store,
                                        gint64               item_id,
                                        const char          *actor,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean  lb_predictions_accept_finish (LbStore             *store,
                                        GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
