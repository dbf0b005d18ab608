/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* The sync module delivers the store's events to a central pipeline through
 * one sink. Each sink has its own cursor in the store (the last seq it
 * confirmed), advanced only after the sink confirmed; every sink is
 * idempotent on the event UUID, so a crash or a lost connection at any
 * point means re-sending, never loss and never a duplicate.
 *
 *   outbox   (the default) a folder of JSONL segments, each written to a
 *            temporary name, fsynced and renamed, named by seat and seq range
 *            ("events-SEAT-FIRST-LAST.jsonl", a re-send rewrites the same
 *            file), plus manifest.json listing each segment's first/last seq
 *            and uuid, count, SHA-256 and creation time.
 *   http     POST of NDJSON batches (application/x-ndjson, <= 1000 events)
 *            with an Idempotency-Key derived from the batch's events, TLS
 *            verification on, "Authorization: Bearer SECRET"; 2xx confirms,
 *            5xx / timeouts / network errors are retried with exponential
 *            backoff and full jitter, 4xx fails at once.
 *   postgres libpq conninfo; the table labelbench_events (created if missing,
 *            keyed by uuid), COPY into a staging table then INSERT ... ON
 *            CONFLICT (uuid) DO NOTHING, cursor advanced after COMMIT.
 *
 * Secrets (bearer token, password) never appear in logs, error messages or
 * exports. */

#define LB_SYNC_ERROR (lb_sync_error_quark ())

typedef enum {
  LB_SYNC_ERROR_CONFIG,    /* no sink configured, unknown sink, bad target, unreadable secret */
  LB_SYNC_ERROR_OFFLINE,   /* the sink cannot be reached (network, timeout, 5xx); retried */
  LB_SYNC_ERROR_REJECTED,  /* the sink refused the events (4xx, SQL error); not retried */
  LB_SYNC_ERROR_WRITE,     /* the outbox folder cannot be written */
  LB_SYNC_ERROR_STORE,     /* the store cannot be read or the cursor cannot be saved */
} LbSyncError;

typedef enum {
  LB_SYNC_SINK_OUTBOX,
  LB_SYNC_SINK_HTTP,
  LB_SYNC_SINK_POSTGRES,
} LbSyncSinkKind;

/* The cursor belongs to the sink kind (name): pointing a sink at another
 * target sends it only the events the previous target had not confirmed. */
typedef struct {
  char           *name;    /* the cursor's name in the store: "outbox", "http", "postgres" */
  LbSyncSinkKind  kind;
  char           *target;  /* folder, URL, or libpq conninfo */
  char           *secret;  /* bearer token or password, or NULL */
} LbSyncConfig;

typedef enum {
  LB_SYNC_STATUS_SYNCED,   /* every event confirmed by the sink */
  LB_SYNC_STATUS_PENDING,  /* "pending" events not sent yet (or being sent) */
  LB_SYNC_STATUS_OFFLINE,  /* the sink cannot be reached; retrying ("message" says why) */
  LB_SYNC_STATUS_FAILING,  /* the sink refused the events or the configuration is wrong
                            * ("message" says why); retried at the next interval */
} LbSyncStatus;

GQuark        lb_sync_error_quark       (void);

/* "outbox", "http", "postgres"; NULL for an unknown kind */
const char   *lb_sync_sink_kind_to_string   (LbSyncSinkKind  kind);
/* FALSE for anything else than the three names above */
gboolean      lb_sync_sink_kind_from_string (const char      *name,
                                             LbSyncSinkKind  *kind);

/* $XDG_DATA_HOME/labelbench/outbox, the outbox target when sync-target is empty */
char         *lb_sync_get_default_outbox (void);

/* A config; target NULL or "" = the sink's default (outbox only); secret
 * may be NULL. LB_SYNC_ERROR_CONFIG when the target is missing (http,
 * postgres) or not an http(s) URL (http). */
LbSyncConfig *lb_sync_config_new        (LbSyncSinkKind   kind,
                                         const char      *target,
                                         const char      *secret,
                                         GError         **error);
/* From GSettings (io.github.labelbench.Labelbench): sync-sink, sync-target,
 * and the secret read from the file named by sync-secret-file (first line,
 * trailing whitespace removed). Returns NULL without an error when
 * sync-sink is "none"; LB_SYNC_ERROR_CONFIG when the secret file cannot be
 * read (the message names the file, never its contents). */
LbSyncConfig *lb_sync_config_load       (GError         **error);
/* Reads a secret file as lb_sync_config_load() does. */
char         *lb_sync_read_secret_file  (const char      *path,
                                         GError         **error);
LbSyncConfig *lb_sync_config_copy       (const LbSyncConfig *config);
void          lb_sync_config_free       (LbSyncConfig    *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbSyncConfig, lb_sync_config_free)

/* Sends every event after the sink's cursor, batch by batch, advancing the
 * cursor after each batch the sink confirmed. Blocks (never call it on the
 * GUI main thread). HTTP: retries 5xx, timeouts and network errors up to
 * max_attempts times per batch (0 = the default, 8) with exponential backoff
 * and full jitter, capped at 5 minutes. n_sent (may be NULL) gets the number
 * of events confirmed by this call, also on failure. Errors are
 * LB_SYNC_ERROR_*; G_IO_ERROR_CANCELLED when cancelled. */
gboolean      lb_sync_run_once          (LbStore            *store,
                                         const LbSyncConfig *config,
                                         guint64            *n_sent,
                                         GCancellable       *cancellable,
                                         GError            **error);
/* Tuning of one run; zero fields take the defaults. */
typedef struct {
  guint max_attempts;     /* per batch, HTTP and PostgreSQL connections (8) */
  guint timeout_s;        /* HTTP request / PostgreSQL connect timeout (60 / 10 s) */
  guint backoff_base_ms;  /* first retry delay bound (500 ms), doubled each attempt */
  guint backoff_cap_ms;   /* largest delay bound (300 000 ms = 5 min) */
  guint batch_events;     /* events per outbox segment / HTTP request / PostgreSQL
                           * transaction: 0 = the maximum (10 000 / 1000 / 10 000);
                           * larger values are capped to it */
} LbSyncOptions;

/* Same, with options (NULL = the defaults). */
gboolean      lb_sync_run_once_full     (LbStore             *store,
                                         const LbSyncConfig  *config,
                                         const LbSyncOptions *options,
                                         guint64             *n_sent,
                                         GCancellable        *cancellable,
                                         GError             **error);

/* Events after the sink's cursor (safe from any thread; reads the store). */
guint64       lb_sync_count_pending     (LbStore             *store,
                                         const LbSyncConfig  *config,
                                         GError             **error);

/* The background syncer of the app. Properties, notified on the main
 * context the syncer was created on:
 *   "status"   LbSyncStatus
 *   "pending"  guint64, events after the cursor
 *   "message"  string, the reason when offline or failing, else NULL
 *   "interval" guint seconds, read-write; follows the sync-interval setting
 *              (30) when the settings schema is installed
 * The thread syncs at start, every interval, and on lb_syncer_sync_now();
 * an offline sink is tried again sooner, with backoff (at most the
 * interval apart). New events (the store's "item-changed") update
 * "pending" without a sync. */
#define LB_TYPE_SYNC_STATUS (lb_sync_status_get_type ())
GType         lb_sync_status_get_type   (void) G_GNUC_CONST;

#define LB_TYPE_SYNCER (lb_syncer_get_type ())
G_DECLARE_FINAL_TYPE (LbSyncer, lb_syncer, LB, SYNCER, GObject)

LbSyncer     *lb_syncer_new             (LbStore            *store,
                                         const LbSyncConfig *config);
void          lb_syncer_set_interval    (LbSyncer           *self,
                                         guint               seconds);
guint         lb_syncer_get_interval    (LbSyncer           *self);
/* Starts the background thread; does nothing when running. */
void          lb_syncer_start           (LbSyncer           *self);
/* Cancels the current attempt and joins the thread (the cursor keeps what
 * was confirmed). */
void          lb_syncer_stop            (LbSyncer           *self);
/* Wakes the thread for a sync now (starts it when stopped). */
void          lb_syncer_sync_now        (LbSyncer           *self);
LbSyncStatus  lb_syncer_get_status      (LbSyncer           *self);
guint64       lb_syncer_get_pending     (LbSyncer           *self);
const char   *lb_syncer_get_message     (LbSyncer           *self);
const LbSyncConfig *lb_syncer_get_config (LbSyncer          *self);

G_END_DECLS
