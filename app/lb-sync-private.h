/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lb-sync.h"

G_BEGIN_DECLS

#define LB_SYNC_OUTBOX_SEGMENT_EVENTS  10000
#define LB_SYNC_HTTP_BATCH_EVENTS      1000
#define LB_SYNC_POSTGRES_BATCH_EVENTS  10000

#define LB_SYNC_DEFAULT_MAX_ATTEMPTS   8
#define LB_SYNC_DEFAULT_HTTP_TIMEOUT   60
#define LB_SYNC_DEFAULT_PG_TIMEOUT     10
#define LB_SYNC_DEFAULT_BACKOFF_BASE   500
#define LB_SYNC_DEFAULT_BACKOFF_CAP    (5 * 60 * 1000)

/* One batch of events as NDJSON lines (the lines of lb_export_events_jsonl) */
typedef struct {
  GString   *lines;
  guint      count;
  gint64     first_seq;
  gint64     last_seq;
  char      *first_uuid;
  char      *last_uuid;
  GChecksum *uuid_sum;     /* SHA-256 over "UUID\n" of each event, in order */
} LbSyncBatch;

/* The options with every zero field replaced by its default */
void      _lb_sync_options_resolve   (const LbSyncOptions *options,
                                      LbSyncOptions       *resolved);
/* A random delay in [0, min (cap, base * 2^attempt)] ms: full jitter */
guint     _lb_sync_backoff_ms        (const LbSyncOptions *options,
                                      guint                attempt);
/* Sleeps ms milliseconds; FALSE (with G_IO_ERROR_CANCELLED) when cancelled */
gboolean  _lb_sync_sleep             (guint                ms,
                                      GCancellable        *cancellable,
                                      GError             **error);
/* text with control characters replaced by spaces, invalid UTF-8 by U+FFFD,
 * cut to max_chars characters ("…" added), and secret (if any) replaced by
 * "[secret]" */
char     *_lb_sync_sanitize_text     (const char          *text,
                                      gssize               length,
                                      guint                max_chars,
                                      const char          *secret);

/* Outbox folder */
typedef struct _LbSyncOutbox LbSyncOutbox;

/* TRUE when folder is an absolute path; else LB_SYNC_ERROR_CONFIG naming
 * it (a URL without its user name, password, query and fragment) */
gboolean      _lb_sync_outbox_check_folder    (const char          *folder,
                                               GError             **error);

/* Creates the folder when missing, takes its lock (.lock, flock; waits for
 * another writer, cancellable), reads manifest.json, removes temporary
 * files left by a crash, and forgets the seat's segments up to cursor whose
 * files a consumer took away. */
LbSyncOutbox *_lb_sync_outbox_open            (const char          *folder,
                                               const char          *seat,
                                               gint64               cursor,
                                               GCancellable        *cancellable,
                                               GError             **error);
/* The last seq of an existing segment of this seat that starts at
 * first_seq (listed in the manifest or left by a crash before the manifest
 * was written), 0 when there is none: a re-send must rewrite that range. */
gint64        _lb_sync_outbox_segment_end     (LbSyncOutbox        *outbox,
                                               gint64               first_seq);
/* Writes the batch as a segment (temp name, fsync, rename, folder fsync),
 * then manifest.json the same way. */
gboolean      _lb_sync_outbox_write           (LbSyncOutbox        *outbox,
                                               const LbSyncBatch   *batch,
                                               GError             **error);
void          _lb_sync_outbox_close           (LbSyncOutbox        *outbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbSyncOutbox, _lb_sync_outbox_close)

/* HTTP(S) */
typedef struct _LbSyncHttp LbSyncHttp;

/* TRUE when uri (parsed by the caller) may carry the events and the token:
 * https://, or plain http:// to this computer (localhost, 127.0.0.0/8,
 * ::1); else LB_SYNC_ERROR_CONFIG saying an https:// URL is needed */
gboolean      _lb_sync_http_check_uri         (GUri                *uri,
                                               GError             **error);

LbSyncHttp   *_lb_sync_http_new               (const LbSyncConfig  *config,
                                               const LbSyncOptions *options,
                                               GError             **error);
/* POSTs the batch, retrying 5xx, timeouts and network errors up to
 * max_attempts times; TRUE once a 2xx came back. */
gboolean      _lb_sync_http_post              (LbSyncHttp          *http,
                                               const LbSyncBatch   *batch,
                                               GCancellable        *cancellable,
                                               GError             **error);
void          _lb_sync_http_free              (LbSyncHttp          *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbSyncHttp, _lb_sync_http_free)

/* PostgreSQL: host, port, dbname and user as the conninfo gives them, the
 * target's part of the cursor name (never the password) */
char         *_lb_sync_postgres_target_key    (const char          *conninfo,
                                               GError             **error);
/* PostgreSQL: the whole run (reads the events itself, advances the cursor) */
gboolean      _lb_sync_postgres_run           (LbStore             *store,
                                               const LbSyncConfig  *config,
                                               const LbSyncOptions *options,
                                               guint64             *n_sent,
                                               GCancellable        *cancellable,
                                               GError             **error);

G_END_DECLS
