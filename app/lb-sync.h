/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* The sync module delivers the store's events to a central pipeline through
 * one sink. Each target has its own cursor in the store (the last seq it
 * confirmed), advanced only after the target confirmed; every sink is
 * idempotent on the event UUID, so a crash or a lost connection at any
 * point means re-sending, never loss and never a duplicate.
 *
 *   outbox   (the default) a folder (an absolute path) of JSONL segments,
 *            each written to a temporary name, fsynced and renamed, named by
 *            seat and seq range
 *            ("events-SEAT-FIRST-LAST.jsonl", a re-send rewrites the same
 *            file), plus manifest.json listing each segment's first/last seq
 *            and uuid, count, SHA-256 and creation time.
 *   http     POST of NDJSON batches (application/x-ndjson, <= 1000 events)
 *            to an https:// URL (plain http:// only to localhost,
 *            127.0.0.0/8 or ::1: the token is never sent unencrypted over
 *            the network) with an Idempotency-Key derived from the batch's
 *            events, TLS verification on, "Authorization: Bearer SECRET";
 *            2xx confirms, 5xx / timeouts / network errors are retried with
 *            exponential backoff and full jitter, 4xx fails at once.
 *   postgres libpq conninfo; the table labelbench_events (created if missing,
 *            keyed by uuid), COPY into a staging table then INSERT ... ON
 *            CONFLICT (uuid) DO NOTHING, cursor advanced after COMMIT.
 *
 * The cursor belongs to the target, not to the sink kind: its name (see
 * lb_sync_cursor_name()) is the kind and what identifies the target, so
 * pointing a sink at another folder, URL or database (a lead, or a fleet
 * administrator through the locked settings) sends the new target the whole
 * history and leaves the old target alone; pointing it back continues where
 * the old target's cursor stopped. Cursor names never hold a secret.
 *
 * Stores of earlier versions kept one cursor per kind, under the bare names
 * "outbox", "http" and "postgres". They are not read any more: after the
 * upgrade each target gets its history once more, which duplicates nothing
 * (every sink is idempotent on the event UUID: the outbox rewrites the same
 * segment files with the same bytes, and brings back those a consumer took,
 * HTTP sends the same Idempotency-Keys, PostgreSQL inserts ON CONFLICT DO
 * NOTHING). Those rows are kept, not deleted: they cost a few bytes, a new
 * name always holds a space so it never meets them, and an older build
 * opening the store (a fleet rolled back) still finds its cursor instead of
 * sending everything again.
 *
 * Secrets (bearer token, password) never appear in logs, error messages,
 * cursor names or exports. */

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

typedef struct {
  char           *name;    /* the cursor's name in the store: lb_sync_cursor_name() of
                            * kind and target (e.g. "outbox /srv/outbox") */
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

/* The name of a target's cursor in the store, the kind, a space and:
 *   outbox    the folder's absolute path (g_canonicalize_filename(): a
 *             relative path is taken from the current folder; the folder
 *             need not exist): "outbox /srv/outbox"
 *   http      scheme://host[:port]/path of the URL, scheme and host in
 *             lower case, a default port left out, without the user name,
 *             password, query and fragment (they may hold secrets):
 *             "http https://pipeline.example.org/events"
 *   postgres  host, port, dbname and user, those of them the connection
 *             string or postgresql:// URI gives, in that order (no libpq
 *             defaults filled in; values quoted as libpq quotes them), never
 *             the password or any other option:
 *             "postgres host=/tmp/x port=5433 dbname=lb user=ann";
 *             "postgres (libpq defaults)" when it gives none of them
 * A name that would not be valid UTF-8 has its other bytes escaped (\ooo).
 * LB_SYNC_ERROR_CONFIG when the target is not an http(s) URL (http) or not a
 * connection string or URI libpq can parse (postgres); the message never
 * repeats the target. target NULL or "" = the default outbox (outbox only). */
char         *lb_sync_cursor_name       (LbSyncSinkKind   kind,
                                         const char      *target,
                                         GError         **error);

/* A config; target NULL or "" = the sink's default (outbox only); secret
 * may be NULL; name is lb_sync_cursor_name() of kind and target.
 * LB_SYNC_ERROR_CONFIG when the target is
 *   outbox    not an absolute path (a relative one would land under the
 *             current folder of whoever syncs; a front end resolves it
 *             first if it means it: labelbench-cli sync --target does);
 *             the message names it (a URL without user name, password,
 *             query or fragment)
 *   http      missing, not an http(s) URL, one with a user name or
 *             password, or a plain http:// URL to another computer: the
 *             bearer token and the events are only sent encrypted, except
 *             to localhost, 127.0.0.0/8 or ::1 (a local forwarding agent);
 *             the message says an https:// URL is needed
 *   postgres  missing, or not a libpq connection string or URI.
 * lb_sync_run_once() refuses the same outbox and http targets in a config
 * built by hand. */
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

/* Events after the target's cursor (safe from any thread; reads the store). */
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
