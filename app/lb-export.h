/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-store.h"

G_BEGIN_DECLS

#define LB_EXPORT_ERROR (lb_export_error_quark ())

typedef enum {
  LB_EXPORT_ERROR_FORMAT,   /* unknown format name */
  LB_EXPORT_ERROR_WRITE,
} LbExportError;

GQuark   lb_export_error_quark (void);

/* Streams every event (seq > after_seq) as one JSON object per line:
 * uuid, seq, seat, batch, item, actor, role, kind, payload (object),
 * time (RFC 3339 UTC with microseconds), time_us, dwell_ms, act,
 * prev_hash, hash. Constant memory. */
gboolean lb_export_events_jsonl (LbStore        *store,
                                 gint64          after_seq,
                                 GOutputStream  *output,
                                 guint64        *n_written,
                                 GCancellable   *cancellable,
                                 GError        **error);

G_END_DECLS
