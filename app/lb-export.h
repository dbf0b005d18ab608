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
 * prev_hash, hash. Constant memory. Write errors are LB_EXPORT_ERROR_WRITE,
 * except G_IO_ERROR_CANCELLED and G_IO_ERROR_BROKEN_PIPE (the reader went
 * away), which are passed through. */
gboolean lb_export_events_jsonl (LbStore        *store,
                                 gint64          after_seq,
                                 GOutputStream  *output,
                                 guint64        *n_written,
                                 GCancellable   *cancellable,
                                 GError        **error);

/* The names of the event export formats, NULL-terminated ("jsonl"). */
const char * const *lb_export_get_formats (void);

/* Streams the events in the named format; LB_EXPORT_ERROR_FORMAT, naming
 * the supported formats, when there is no such format. */
gboolean lb_export_events      (LbStore        *store,
                                const char     *format,
                                gint64          after_seq,
                                GOutputStream  *output,
                                guint64        *n_written,
                                GCancellable   *cancellable,
                                GError        **error);

/* Appends text to str as a JSON string literal (with the quotes): quotes,
 * backslashes and control characters escaped, valid UTF-8 copied as it is,
 * invalid bytes replaced by U+FFFD. NULL gives null. */
void     lb_export_append_json_string (GString    *str,
                                       const char *text);

/* Appends the time as RFC 3339 UTC with microseconds:
 * "2026-11-25T03:04:05.123456Z" (without quotes). */
void     lb_export_append_time        (GString    *str,
                                       gint64      time_us);

G_END_DECLS
