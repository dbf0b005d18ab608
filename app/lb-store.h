/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-types.h"
#include "lb-schema.h"
#include "lb-item.h"

G_BEGIN_DECLS

#define LB_STORE_ERROR (lb_store_error_quark ())

typedef enum {
  LB_STORE_ERROR_OPEN,       /* the file cannot be opened or created */
  LB_STORE_ERROR_LOCKED,     /* another process has the store open for writing */
  LB_STORE_ERROR_CORRUPT,    /* PRAGMA quick_check failed, or not a Labelbench store */
  LB_STORE_ERROR_TOO_NEW,    /* made by a newer Labelbench (user_version too high) */
  LB_STORE_ERROR_READ_ONLY,  /* a write on a store opened read-only */
  LB_STORE_ERROR_NOT_FOUND,  /* no such item or batch */
  LB_STORE_ERROR_INVALID,    /* the request does not fit the schema, nothing to undo, ... */
  LB_STORE_ERROR_FAILED,     /* any other SQLite error (message included) */
} LbStoreError;

typedef enum {
  LB_STORE_OPEN_DEFAULT   = 0,       /* read-write; creates the file when missing */
  LB_STORE_OPEN_READ_ONLY = 1 << 0,  /* no writer thread, no lock; for items/stats/export/verify */
  LB_STORE_OPEN_EXISTING  = 1 << 1,  /* read-write, but a missing file is LB_STORE_ERROR_OPEN
                                      * ("no store at PATH"), nothing is created */
} LbStoreOpenFlags;

struct _LbBatch {
  gint64  id;
  char   *name;
  char   *root;         /* absolute folder the items' paths are relative to */
  char   *source;       /* what was imported: folder, manifest file */
  char   *schema_json;  /* the batch's label schema (canonical JSON) */
  gint64  created_us;   /* UTC, microseconds since the epoch */
};

void     lb_batch_free (LbBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbBatch, lb_batch_free)

/* One row of the append-only events table. */
struct _LbEvent {
  gint64  seq;          /* local sequence number, 1, 2, 3, ... */
  char   *uuid;
  char   *seat;         /* the UUID of the store that created the event */
  char   *batch;        /* batch name */
  char   *item;         /* the item's external id */
  char   *actor;
  char   *role;         /* "annotator", or "lead" for reviews, corrections, gold marks */
  char   *kind;         /* "label", "decision", "note", "skip", "retract", "region.create",
                         * "region.update", "region.delete", "span.create", "span.delete",
                         * "answer", "review", "gold" (role "lead") */
  char   *payload;      /* JSON object */
  gint64  time_us;      /* UTC, microseconds since the epoch */
  gint64  dwell_ms;
  gint64  act;          /* events appended by one request share the act (its first seq) */
  char   *prev_hash;    /* hex SHA-256 of the seat's previous event, "" for the first */
  char   *hash;         /* hex SHA-256 over prev_hash and the fields that mean the same in
                         * every store: uuid, seat, batch, item, actor, role, kind, payload,
                         * time_us, dwell_ms (not seq and act, which are local numbers) */
};

void     lb_event_free (LbEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbEvent, lb_event_free)

/* What an annotator submits for one item: one act, one transaction.
 * Each non-NULL part becomes one event of the act. */
typedef struct {
  const char *const *labels;    /* label ids (NULL-terminated); NULL = no "label" event.
                                 * An empty array clears the labels. */
  const char        *decision;  /* decision id or NULL */
  const char        *reason;    /* reason id or NULL; required if the decision needs_reason */
  const char        *note;      /* free text; "" clears the note; NULL = no "note" event */
  gint64             dwell_ms;  /* time spent on the item before submitting */
  const char *const *answers;   /* free-text fields answered in the same act ("answer"
                                 * events): field id, text, field id, text, ..., NULL;
                                 * "" clears an answer. NULL = none */
} LbSubmission;

/* A region to create ("region.create") or the changes to one ("region.update"),
 * in source-image pixels (LbRegionShape is in lb-item.h). */
typedef struct {
  const char    *label;       /* label id; updates: NULL = unchanged */
  LbRegionShape  shape;
  double         box[4];      /* BOX: x, y, width, height (width and height > 0) */
  const double  *points;      /* POLYGON: x0, y0, x1, y1, ... (n_points pairs, >= 3) */
  guint          n_points;
  const char    *attributes;  /* JSON object {"occluded": true, ...} checked against the
                               * label's attributes; create: NULL = {}; update: NULL =
                               * unchanged (given: replaces them all) */
  gint64         dwell_ms;
} LbRegionSpec;

/* SPEC's shape and geometry from a shape and its coordinates as the image
 * canvas gives them (a box: x, y, w, h; a polygon: x0, y0, x1, y1, ...);
 * COORDS is borrowed by SPEC */
void         lb_region_spec_set_shape    (LbRegionSpec      *spec,
                                          LbRegionShape      shape,
                                          const double      *coords,
                                          guint              n_coords);

typedef gboolean (*LbEventFunc) (const LbEvent *event,
                                 gpointer       user_data,
                                 GError       **error);

/* Signals, emitted on the main context lb_store_open() was called on,
 * after the COMMIT that caused them returned:
 *   "item-changed" (gint64 item_id)   an act changed the item's derived state
 *   "items-added"  (gint64 batch_id)  an import chunk added items to the batch
 *   "damaged"      (gint64 0)         the integrity check found the file damaged
 *                                     (lb_store_dup_damage () says how); nothing
 *                                     is written into it from then on
 */
#define LB_TYPE_STORE (lb_store_get_type ())
G_DECLARE_FINAL_TYPE (LbStore, lb_store, LB, STORE, GObject)

GQuark       lb_store_error_quark        (void);

/* $XDG_DATA_HOME/labelbench/labelbench.db */
char        *lb_store_get_default_path   (void);

/* Creates the file when missing (unless READ_ONLY or EXISTING), takes the write
 * lock, migrates it and starts the writer thread. The integrity check (PRAGMA
 * quick_check, which reads the whole file) runs before anything is changed:
 * at once for a READ_ONLY open or a store to migrate; for a store of this
 * version, in the writer thread before its first write, so that opening a
 * large store is quick. If it fails, every write fails with
 * LB_STORE_ERROR_CORRUPT, "damaged" is emitted and lb_store_dup_damage ()
 * returns the error. Signals are emitted on the thread-default main context
 * of the caller. */
LbStore     *lb_store_open               (const char        *path,
                                          LbStoreOpenFlags   flags,
                                          GError           **error);
/* The error of the integrity check when it found the store damaged (a
 * copy, naming the file); NULL when it passed or has not finished */
GError      *lb_store_dup_damage         (LbStore           *self);

/* Finishes queued writes, stops the writer thread, releases the lock. */
void         lb_store_close              (LbStore           *self);

const char  *lb_store_get_path           (LbStore           *self);
const char  *lb_store_get_seat_id        (LbStore           *self);
gboolean     lb_store_is_read_only       (LbStore           *self);

/* Batches */
GPtrArray   *lb_store_list_batches       (LbStore           *self,
                                          GError           **error);  /* of LbBatch */
LbBatch     *lb_store_find_batch         (LbStore           *self,
                                          const char        *name,
                                          GError           **error);
LbBatch     *lb_store_get_batch          (LbStore           *self,
                                          gint64             batch_id,
                                          GError           **error);
LbSchema    *lb_store_get_batch_schema   (LbStore           *self,
                                          gint64             batch_id,
                                          GError           **error);

/* Items. batch_id 0 = all batches. Reads go through the read connection. */
guint        lb_store_count_items        (LbStore           *self,
                                          gint64             batch_id,
                                          LbItemFilter       filter);
/* The batch's done items and all its items (batch_id 0 = all), counted in a
 * worker thread on a connection of its own, in one snapshot: the header's
 * progress, without the main thread reading the store */
void         lb_store_count_progress_async  (LbStore             *self,
                                             gint64               batch_id,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean     lb_store_count_progress_finish (LbStore             *self,
                                             GAsyncResult        *result,
                                             guint               *done,
                                             guint               *total,
                                             GError             **error);
LbItem      *lb_store_get_item           (LbStore           *self,
                                          gint64             item_id,
                                          GError           **error);
/* batch may be NULL when the external id is unique in the store */
LbItem      *lb_store_find_item          (LbStore           *self,
                                          const char        *batch,
                                          const char        *external_id,
                                          GError           **error);
/* Ids of the items in queue order (batch, then import order) passing filter. */
GArray      *lb_store_list_item_ids      (LbStore           *self,
                                          gint64             batch_id,
                                          LbItemFilter       filter,
                                          GError           **error);  /* of gint64 */

/* Called per item by lb_store_foreach_item(); the item is the caller's only
 * for the call (take a ref to keep it). FALSE with error set stops the walk. */
typedef gboolean (*LbItemFunc) (LbItem    *item,
                                gpointer   user_data,
                                GError   **error);

/* Every item of batch_id (0 = all) passing filter, in queue order (batch, then
 * import order), read in one read transaction (one consistent snapshot) on a
 * connection of its own: safe from any thread, memory flat whatever the number
 * of items. FALSE with error set when a read fails, func fails (its error is
 * passed on) or cancellable is cancelled (G_IO_ERROR_CANCELLED). */
gboolean     lb_store_foreach_item       (LbStore           *self,
                                          gint64             batch_id,
                                          LbItemFilter       filter,
                                          LbItemFunc         func,
                                          gpointer           user_data,
                                          GCancellable      *cancellable,
                                          GError           **error);

/* Acts. Validated against the item's batch schema; the synchronous forms
 * block until the writer thread's COMMIT returned (never call them on the
 * main thread of the GUI); the _async forms complete on the caller's main
 * context after the COMMIT returned. */
gboolean     lb_store_submit             (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const LbSubmission  *submission,
                                          GError             **error);
void         lb_store_submit_async       (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const LbSubmission  *submission,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_submit_finish      (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

gboolean     lb_store_skip               (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          gint64               dwell_ms,
                                          GError             **error);
void         lb_store_skip_async         (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          gint64               dwell_ms,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_skip_finish        (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Appends one "retract" event retracting every event of the actor's latest
 * act on the item that is still in effect. LB_STORE_ERROR_INVALID when
 * there is nothing to undo. Acts already retracted are passed over, so
 * repeated undos walk back through the actor's acts on the item; a retract
 * is never undone itself. */
gboolean     lb_store_undo               (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          GError             **error);
void         lb_store_undo_async         (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_undo_finish        (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Appends one "retract" event that retracts the actor's latest undo (a
 * retract made by lb_store_undo()) still in effect on the item, which puts
 * the undone act back; LB_STORE_ERROR_INVALID when there is nothing to redo,
 * or when the actor made a new act on the item after that undo. */
gboolean     lb_store_redo               (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          GError             **error);
void         lb_store_redo_async         (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_redo_finish        (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Regions (images) and spans (texts). Each call is one act of one event;
 * lb_store_undo() and lb_store_redo() work on them as on any act. The item's
 * derived state lists the current ones (lb_item_get_regions_json(), ...).
 * The create calls give the new region's or span's id (a UUID, free it) in
 * *id (may be NULL); the id is made before the request is queued. */
gboolean     lb_store_create_region      (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const LbRegionSpec  *spec,
                                          char               **region_id,
                                          GError             **error);
void         lb_store_create_region_async (LbStore            *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const LbRegionSpec  *spec,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_create_region_finish (LbStore           *self,
                                          GAsyncResult        *result,
                                          char               **region_id,
                                          GError             **error);

/* spec->label NULL keeps the label; spec->shape NONE keeps the geometry
 * (otherwise it must be the region's shape); spec->attributes NULL keeps them. */
gboolean     lb_store_update_region      (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *region_id,
                                          const LbRegionSpec  *spec,
                                          GError             **error);
void         lb_store_update_region_async (LbStore            *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *region_id,
                                          const LbRegionSpec  *spec,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_update_region_finish (LbStore           *self,
                                          GAsyncResult        *result,
                                          GError             **error);

gboolean     lb_store_delete_region      (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *region_id,
                                          GError             **error);
void         lb_store_delete_region_async (LbStore            *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *region_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_delete_region_finish (LbStore           *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* start and end are offsets in Unicode code points into the item's text
 * (0 <= start < end <= its length); the engine adds the UTF-8 byte offsets
 * and the covered text to the event. */
gboolean     lb_store_create_span        (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *label,
                                          gint64               start,
                                          gint64               end,
                                          char               **span_id,
                                          GError             **error);
void         lb_store_create_span_async  (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *label,
                                          gint64               start,
                                          gint64               end,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_create_span_finish (LbStore             *self,
                                          GAsyncResult        *result,
                                          char               **span_id,
                                          GError             **error);

gboolean     lb_store_delete_span        (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *span_id,
                                          GError             **error);
void         lb_store_delete_span_async  (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *span_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_delete_span_finish (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* The answer to one of the schema's free-text fields; "" clears it. */
gboolean     lb_store_set_answer         (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *field,
                                          const char          *text,
                                          GError             **error);
void         lb_store_set_answer_async   (LbStore             *self,
                                          gint64               item_id,
                                          const char          *actor,
                                          const char          *field,
                                          const char          *text,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_set_answer_finish  (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Events in sequence order, seq > after_seq, read on the calling thread
 * with a connection of its own (safe from any thread). Stops at the first
 * callback returning FALSE (its error is propagated). */
gboolean     lb_store_foreach_event      (LbStore           *self,
                                          gint64             after_seq,
                                          LbEventFunc        func,
                                          gpointer           user_data,
                                          GError           **error);
gint64       lb_store_get_last_seq       (LbStore           *self);

/* The number of events with seq > after_seq, read on the read connection
 * (safe from any thread): what a sink whose cursor is after_seq has pending. */
gint64       lb_store_count_events_after (LbStore           *self,
                                          gint64             after_seq);

/* Sync cursors: per sink name, the last event seq the sink confirmed
 * (table sync_cursors, store version 3).
 * lb_store_get_sync_cursor() returns 0 when the sink never confirmed anything
 * (and on error, with error set); it reads with a connection of its own, so it
 * is safe from any thread.
 * lb_store_set_sync_cursor() runs on the writer thread and returns after its
 * COMMIT (durable); a seq lower than the current cursor is ignored (a cursor
 * never moves back), a seq above the last event is LB_STORE_ERROR_INVALID.
 * It blocks: never call it on the main thread of the GUI. */
gint64       lb_store_get_sync_cursor    (LbStore           *self,
                                          const char        *sink,
                                          GError           **error);
gboolean     lb_store_set_sync_cursor    (LbStore           *self,
                                          const char        *sink,
                                          gint64             seq,
                                          GError           **error);

/* PRAGMA integrity_check plus every seat's hash chain, each chain against
 * the event count and last hash the store recorded with every append (so a
 * chain cut short is seen), and every item's derived state against a replay
 * of its events. Returns TRUE when all pass; otherwise FALSE with
 * LB_STORE_ERROR_CORRUPT and a message that names the first broken event
 * (seq and uuid), the seat whose chain is short, or the item. */
gboolean     lb_store_verify             (LbStore           *self,
                                          GError           **error);

/* ------------------------------------------------------------------------ */
/* Review, overlap, consensus and gold (issue 5)                            */
/* ------------------------------------------------------------------------ */

typedef enum {
  LB_REVIEW_ACCEPT,
  LB_REVIEW_FIX,
  LB_REVIEW_REJECT,
} LbReviewVerdict;

/* "accept", "fix", "reject" */
const char  *lb_review_verdict_to_string   (LbReviewVerdict   verdict);
/* FALSE when TEXT is none of them */
gboolean     lb_review_verdict_from_string (const char       *text,
                                            LbReviewVerdict  *verdict);

/* A lead's review of an item: one act, appended with role "lead":
 *   a "review" event {"verdict": "accept"|"fix"|"reject", "comment": text |
 *   null, "of": [uuids of the annotators' events in effect on the item]},
 *   then, for LB_REVIEW_FIX only, the corrections FIX holds as "label",
 *   "decision" and "note" events (validated against the schema like a
 *   submission; fix->dwell_ms is the dwell of the whole review act).
 * FIX must be NULL unless the verdict is LB_REVIEW_FIX, and given then.
 * A reject needs a comment (why). LB_STORE_ERROR_INVALID when the item has
 * no annotator's work in effect.
 * The annotators' events are never changed: after a fix the item's derived
 * state (lb_store_get_item()) holds the lead's corrections, the latest act,
 * and lb_store_get_item_for_actor() still gives each annotator's own values.
 * The item gets the verdict, reviewer and comment (lb_item_get_review_*);
 * a later review replaces them. lb_store_undo (item, lead) takes the whole
 * review act back (verdict and corrections, the region and span
 * corrections it lists included: see lb_store_correct()), as any act. */
gboolean     lb_store_review             (LbStore             *self,
                                          gint64               item_id,
                                          const char          *lead_actor,
                                          LbReviewVerdict      verdict,
                                          const char          *comment,
                                          const LbSubmission  *fix,
                                          GError             **error);
void         lb_store_review_async       (LbStore             *self,
                                          gint64               item_id,
                                          const char          *lead_actor,
                                          LbReviewVerdict      verdict,
                                          const char          *comment,
                                          const LbSubmission  *fix,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_review_finish      (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* A lead's corrections of regions and spans (review mode's fix, F): the
 * same acts as lb_store_create_region() ... lb_store_delete_span(), one act
 * of one event each, validated the same way, but appended with role "lead":
 * they never change the annotators' events, the item's derived state
 * (lb_store_get_item()) folds them in order with everything else (so the
 * lead's latest correction wins), lb_store_get_item_for_actor() and the
 * annotators' works (consensus, figures) leave them out, and reports tell
 * them apart by the role. A lead may correct any region or span in effect,
 * an annotator's or their own.
 * The next review act of the item (lb_store_review(), typically the fix the
 * lead completes with Enter) lists the lead's corrections in effect made
 * since the latest review in effect in its "review" event, member
 * "corrections": [uuids] (absent when there are none). lb_store_undo (item,
 * lead) of that review act retracts the corrections it lists together with
 * the act, in one "retract" event (redo puts them all back); an undo before
 * the review is made takes back the lead's latest correction alone, as for
 * any act.
 * lb_store_correct() gives the id of the region or span it created or
 * changed in *id (may be NULL; free it). */
typedef enum {
  LB_CORRECTION_REGION_CREATE,   /* region */
  LB_CORRECTION_REGION_UPDATE,   /* target, region (as lb_store_update_region()) */
  LB_CORRECTION_REGION_DELETE,   /* target */
  LB_CORRECTION_SPAN_CREATE,     /* label, start, end */
  LB_CORRECTION_SPAN_DELETE,     /* target */
} LbCorrectionKind;

typedef struct {
  LbCorrectionKind    kind;
  const char         *target;    /* the region's or span's id (update, delete) */
  const LbRegionSpec *region;    /* region create and update; its dwell_ms counts */
  const char         *label;     /* span create */
  gint64              start;     /* span create: code points, as lb_store_create_span() */
  gint64              end;
  gint64              dwell_ms;  /* deletes and span create */
} LbCorrection;

gboolean     lb_store_correct            (LbStore             *self,
                                          gint64               item_id,
                                          const char          *lead_actor,
                                          const LbCorrection  *correction,
                                          char               **id,
                                          GError             **error);
void         lb_store_correct_async      (LbStore             *self,
                                          gint64               item_id,
                                          const char          *lead_actor,
                                          const LbCorrection  *correction,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_correct_finish     (LbStore             *self,
                                          GAsyncResult        *result,
                                          char               **id,
                                          GError             **error);

/* A lead marks a reviewed item (verdict accept or fix in effect) as gold,
 * or takes the mark away (GOLD FALSE): one "gold" event, role "lead",
 * payload {"gold": true, "answer": {"labels": [...], "decision": id|null,
 * "reason": id|null}} — the answer is the item's current state — or
 * {"gold": false}. Undo works on it as on any act.
 * Items are also gold when their manifest gave them a known answer: the
 * item's meta has a "gold" object of the same form (JSONL manifest line
 * {"id": ..., "gold": {"labels": ["cat"]}} or "meta": {"gold": {...}}).
 * A lead's mark wins over the manifest's answer. */
gboolean     lb_store_mark_gold          (LbStore             *self,
                                          gint64               item_id,
                                          const char          *lead_actor,
                                          gboolean             gold,
                                          GError             **error);
void         lb_store_mark_gold_async    (LbStore             *self,
                                          gint64               item_id,
                                          const char          *lead_actor,
                                          gboolean             gold,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     lb_store_mark_gold_finish   (LbStore             *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* The item as ACTOR sees it when labelling blind: its derived state folded
 * from ACTOR's own work only (their events in effect with a role other
 * than "lead"; other annotators' work and the lead's reviews and
 * corrections left out). The review fields are NULL and gold is FALSE
 * (gold items are not told apart in an annotator's queue). The annotator
 * mode of the UI shows this snapshot. */
LbItem      *lb_store_get_item_for_actor (LbStore           *self,
                                          gint64             item_id,
                                          const char        *actor,
                                          GError           **error);

/* Overlap: how many distinct annotators each item of the batch asks for
 * (1 by default). Kept in the store per batch name (meta key
 * "overlap:NAME"; not carried by seat bundles: set it on each seat); set by
 * the import from the schema file's "overlap": N, by `labelbench-cli
 * overlap`, or here; an item's meta "overlap": N overrides it for that item.
 * lb_store_set_batch_overlap() runs on the writer thread (blocks). */
guint        lb_store_get_batch_overlap  (LbStore           *self,
                                          gint64             batch_id,
                                          GError           **error);
gboolean     lb_store_set_batch_overlap  (LbStore           *self,
                                          gint64             batch_id,
                                          guint              overlap,
                                          GError           **error);

/* Points the batch at ROOT (an absolute folder): where its items' files are
 * on this machine, when they moved or when a seat bundle brought the batch
 * from another seat. Not an event (the folder is a seat's own business);
 * refused when ROOT is not a folder or when none of the batch's images (of
 * the first 100) is in it. Runs on the writer thread (blocks); the _async
 * form runs in a worker thread and completes on the caller's context. */
gboolean     lb_store_set_batch_root     (LbStore           *self,
                                          gint64             batch_id,
                                          const char        *root,
                                          GError           **error);
void         lb_store_set_batch_root_async  (LbStore             *self,
                                             gint64               batch_id,
                                             const char          *root,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean     lb_store_set_batch_root_finish (LbStore             *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* The queue of one annotator in a batch with overlap (batch_id 0 = all),
 * in queue order:
 *   LB_ITEM_FILTER_TODO: items ACTOR has no work in effect on (skipped ones
 *     included) that fewer than their overlap N distinct annotators have
 *     done; gold items are among them, unmarked.
 *   LB_ITEM_FILTER_DONE: items ACTOR has done (their own work in effect).
 *   LB_ITEM_FILTER_ALL: both.
 *   LB_ITEM_FILTER_FLAGGED: items ACTOR has done whose own decision flags.
 * With overlap 1 and a single annotator this is lb_store_list_item_ids(). */
GArray      *lb_store_list_queue_ids     (LbStore           *self,
                                          gint64             batch_id,
                                          const char        *actor,
                                          LbItemFilter       filter,
                                          GError           **error);  /* of gint64 */

/* One annotator's own work on one item (see lb_store_get_item_for_actor()) */
typedef struct {
  const char         *actor;
  LbItemState         state;           /* DONE or SKIPPED */
  const char * const *labels;          /* never NULL */
  const char         *decision;        /* or NULL */
  const char         *reason;          /* or NULL */
  const char         *regions_json;    /* as lb_item_get_regions_json() */
  const char         *spans_json;      /* as lb_item_get_spans_json() */
  gint64              dwell_ms;        /* the dwell of their acts in effect, summed */
  guint               n_acts;          /* their acts in effect */
  gint64              first_us;        /* time of their first and latest event in effect */
  gint64              last_us;
  const char         *review_verdict;  /* the latest review in effect whose "of" names
                                        * one of their events, or NULL */
  const char         *reviewer;
} LbActorWork;

/* One item with its annotators' works and its current state */
typedef struct {
  gint64              item_id;
  gint64              batch_id;
  const char         *batch;
  const char         *external_id;
  LbItemKind          kind;
  LbItemState         state;           /* the item's current state */
  const char * const *labels;          /* current (a lead's fix wins); never NULL */
  const char         *decision;
  const char         *reason;
  const char         *review_verdict;  /* latest review in effect, or NULL */
  const char         *reviewer;
  const char         *gold_json;       /* the known answer {"labels": [...], "decision":
                                        * ..., "reason": ...}, or NULL: not gold */
  guint               overlap;         /* annotators asked for (>= 1) */
  guint               n_works;
  const LbActorWork  *works;           /* annotators in the order they first acted */
  gint64              last_us;         /* latest annotator event in effect, 0 if none */
} LbItemWork;

typedef gboolean (*LbItemWorkFunc) (const LbItemWork *work,
                                    gpointer          user_data,
                                    GError          **error);

/* Every item of the batch (0 = all) in item id order (queue order within a
 * batch), with each annotator's own work, read in one snapshot with a
 * connection of its own (any thread). Works over stores that merged other
 * seats' bundles as over a single seat. Stops at a callback returning FALSE. */
gboolean     lb_store_foreach_item_work  (LbStore           *self,
                                          gint64             batch_id,
                                          LbItemWorkFunc     func,
                                          gpointer           user_data,
                                          GError           **error);

/* Consensus of an item's works (two or more annotators):
 *   two annotators agree when they gave the same label set, the same
 *   decision (and reason), boxes that match one to one (same label,
 *   IoU >= LB_CONSENSUS_IOU; polygons by their bounding boxes) and spans
 *   that match one to one (same label, overlap: the length of the
 *   intersection >= LB_CONSENSUS_IOU × the length of the union).
 *   The item has consensus when some annotator agrees with a strict
 *   majority of the annotators (counting themself); *agreed (nullable) is
 *   that annotator's index in works. Items with fewer than two works have
 *   no consensus question: LB_CONSENSUS_NONE. */
#define LB_CONSENSUS_IOU 0.5

typedef enum {
  LB_CONSENSUS_NONE,       /* fewer than two annotators */
  LB_CONSENSUS_AGREED,
  LB_CONSENSUS_DISPUTED,   /* sent to review */
} LbConsensus;

LbConsensus  lb_consensus_of_work        (const LbItemWork  *work,
                                          guint             *agreed);
/* Whether two annotators' works agree (the rule above) */
gboolean     lb_actor_work_agree         (const LbActorWork *a,
                                          const LbActorWork *b);

typedef enum {
  LB_REVIEW_STATUS_ANY,
  LB_REVIEW_STATUS_UNREVIEWED,   /* no review in effect */
  LB_REVIEW_STATUS_REVIEWED,     /* a review in effect (any verdict) */
} LbReviewStatus;

/* The review queue's filter. NULL / 0 fields do not filter. */
typedef struct {
  gint64          batch_id;         /* 0 = all batches */
  const char     *annotator;        /* items this annotator has done */
  const char     *label;            /* an annotator's labels include it */
  const char     *decision;         /* an annotator's decision */
  const char     *reason;           /* an annotator's reason */
  gint64          since_us;         /* an annotator's latest event at or after */
  gint64          until_us;         /* ... and before (0: no bound) */
  LbReviewStatus  status;
  gboolean        disputed_only;    /* items whose consensus is DISPUTED */
  double          sample_fraction;  /* 0 (or >= 1): all; else a share per annotator */
  guint64         sample_seed;
} LbReviewQuery;

/* The ids of the annotated items (an annotator's work in effect) passing
 * QUERY (NULL: all), in queue order. An item passes when one of its
 * annotators' works (the given annotator's, when QUERY->annotator is set)
 * matches label, decision, reason and the time range together.
 * Sampling, per annotator and reproducible: the work of annotator A on
 * item I is sampled when
 *   u = (first 8 bytes, big-endian, of SHA-256 ("SEED\nA\nBATCH\nI")) / 2^64
 * is below sample_fraction (SEED in decimal, BATCH the batch name, I the
 * item's external id). Each (annotator, item) is decided on its own, so a
 * seed gives the same sample as items are added (new items never change
 * whether older ones are in), and about that share of each annotator's
 * items. An item passes when one of its matching works is sampled. */
GArray      *lb_store_list_review_ids    (LbStore              *self,
                                          const LbReviewQuery  *query,
                                          GError              **error);  /* of gint64 */

/* The same in a worker thread (the walk reads every event of the batch:
 * about 40 ms for 6 000 events, 0.5 s for 30 000): QUERY and its strings
 * are copied; the callback runs on the caller's thread-default main
 * context. _finish returns the ids (of gint64) or NULL with the error. */
void         lb_store_list_review_ids_async  (LbStore              *self,
                                              const LbReviewQuery  *query,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GArray      *lb_store_list_review_ids_finish (LbStore              *self,
                                              GAsyncResult         *result,
                                              GError              **error);
/* lb_store_list_queue_ids() in a worker thread, as above; with ACTOR NULL
 * the batch's items passing FILTER (lb_store_list_item_ids ()), read on a
 * connection of its own so that the caller's reads do not wait for it */
void         lb_store_list_queue_ids_async   (LbStore              *self,
                                              gint64                batch_id,
                                              const char           *actor,
                                              LbItemFilter          filter,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GArray      *lb_store_list_queue_ids_finish  (LbStore              *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Per-seat hash-chain check, for the report: for each seat with events,
 * in the order seats first appear, calls FUNC with the seat, its event
 * count and, when its chain breaks, a message naming the first broken
 * event (seq and uuid; NULL when the chain verifies). */
typedef void (*LbSeatChainFunc) (const char *seat,
                                 gint64      n_events,
                                 const char *broken,
                                 gpointer    user_data);
gboolean     lb_store_verify_seats       (LbStore           *self,
                                          LbSeatChainFunc    func,
                                          gpointer           user_data,
                                          GError           **error);

G_END_DECLS
