/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-store"
#include "config.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "lb-bundle.h"
#include "lb-store.h"
#include "lb-store-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* "LbSt" */
#define LB_STORE_APPLICATION_ID 0x4c625374

#define LB_STORE_BUSY_TIMEOUT_MS 10000

/* Forward migrations: migrations[n] brings a store from user_version n to n + 1.
 * Never edit a step once released; append a new one. */
static const char *const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE schemas ("
  "  id     INTEGER PRIMARY KEY,"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  json   TEXT NOT NULL"
  ");"
  "CREATE TABLE batches ("
  "  id         INTEGER PRIMARY KEY,"
  "  name       TEXT NOT NULL UNIQUE,"
  "  root       TEXT NOT NULL,"
  "  source     TEXT NOT NULL,"
  "  schema_id  INTEGER NOT NULL REFERENCES schemas (id),"
  "  created_us INTEGER NOT NULL"
  ");"
  "CREATE TABLE items ("
  "  id           INTEGER PRIMARY KEY,"
  "  batch_id     INTEGER NOT NULL REFERENCES batches (id),"
  "  external_id  TEXT NOT NULL,"
  "  kind         TEXT NOT NULL CHECK (kind IN ('image', 'text')),"
  "  path         TEXT,"
  "  body         TEXT,"
  "  meta         TEXT,"
  "  content_hash TEXT,"
  "  UNIQUE (batch_id, external_id)"
  ");"
  "CREATE INDEX items_batch ON items (batch_id);"
  "CREATE TABLE events ("
  "  seq       INTEGER PRIMARY KEY,"
  "  uuid      TEXT NOT NULL UNIQUE,"
  "  seat      TEXT NOT NULL,"
  "  item_id   INTEGER REFERENCES items (id),"
  "  actor     TEXT NOT NULL,"
  "  role      TEXT NOT NULL,"
  "  kind      TEXT NOT NULL,"
  "  payload   TEXT NOT NULL,"
  "  time_us   INTEGER NOT NULL,"
  "  dwell_ms  INTEGER NOT NULL DEFAULT 0,"
  "  act       INTEGER NOT NULL,"
  "  prev_hash TEXT NOT NULL,"
  "  hash      TEXT NOT NULL"
  ");"
  "CREATE INDEX events_item ON events (item_id, seq);"
  "CREATE INDEX events_seat ON events (seat, seq);"
  "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
  "  BEGIN SELECT RAISE (ABORT, 'events are append-only'); END;"
  "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
  "  BEGIN SELECT RAISE (ABORT, 'events are append-only'); END;"
  "CREATE TABLE item_state ("
  "  item_id    INTEGER PRIMARY KEY REFERENCES items (id),"
  "  state      TEXT NOT NULL,"
  "  labels     TEXT NOT NULL DEFAULT '[]',"
  "  decision   TEXT,"
  "  reason     TEXT,"
  "  note       TEXT,"
  "  flagged    INTEGER NOT NULL DEFAULT 0,"
  "  last_actor TEXT,"
  "  last_seq   INTEGER,"
  "  updated_us INTEGER"
  ");"
  "CREATE INDEX item_state_state ON item_state (state);"
  "CREATE INDEX item_state_flagged ON item_state (flagged) WHERE flagged;",
  /* 1 -> 2: regions, spans and free-text answers in the derived state */
  "ALTER TABLE item_state ADD COLUMN regions TEXT NOT NULL DEFAULT '[]';"
  "ALTER TABLE item_state ADD COLUMN spans TEXT NOT NULL DEFAULT '[]';"
  "ALTER TABLE item_state ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';",
  /* 2 -> 3: one cursor per sync sink, the last event seq the sink confirmed */
  "CREATE TABLE IF NOT EXISTS sync_cursors ("
  "  sink       TEXT PRIMARY KEY,"
  "  seq        INTEGER NOT NULL CHECK (seq >= 0),"
  "  updated_us INTEGER NOT NULL"
  ");",
  /* 3 -> 4: review (issue 5): the latest review in effect and the gold answer;
   * the columns (see review_columns) are added by add_missing_columns () first */
  "CREATE INDEX IF NOT EXISTS item_state_review ON item_state (review);",
  /* 4 -> 5: the time of the item's latest event (max time_us, whatever the
   * seq order), so item listings and exports need no query per item; the
   * column is added by add_missing_columns () first */
  "UPDATE item_state SET last_time_us ="
  " (SELECT max(e.time_us) FROM events e WHERE e.item_id = item_state.item_id);",
};

/* Columns a migration adds to item_state when they are missing (a store
 * taken back to an older version by hand may still have them) */
static const struct {
  int         version;   /* the migration's target user_version */
  const char *name;
  const char *type;
} added_columns[] = {
  { 4, "review", "TEXT" },
  { 4, "reviewer", "TEXT" },
  { 4, "review_comment", "TEXT" },
  { 4, "review_seq", "INTEGER" },
  { 4, "gold", "TEXT" },
  { 5, "last_time_us", "INTEGER" },
};

#define LB_STORE_VERSION ((int) G_N_ELEMENTS (migrations))

typedef enum {
  REQUEST_STOP,
  REQUEST_ENSURE_BATCH,
  REQUEST_INSERT_ITEMS,
  REQUEST_SET_CURSOR,
  REQUEST_MERGE,
  REQUEST_SET_OVERLAP,
  REQUEST_SET_ROOT,
  REQUEST_SUBMIT,
  REQUEST_SKIP,
  REQUEST_UNDO,
  REQUEST_REDO,
  REQUEST_REGION_CREATE,
  REQUEST_REGION_UPDATE,
  REQUEST_REGION_DELETE,
  REQUEST_SPAN_CREATE,
  REQUEST_SPAN_DELETE,
  REQUEST_ANSWER,
  REQUEST_REVIEW,
  REQUEST_GOLD,
} RequestKind;

/* Requests that append events to one item (and emit "item-changed") */
#define REQUEST_IS_ACT(kind) ((kind) >= REQUEST_SUBMIT)

typedef struct {
  RequestKind      kind;

  /* acts (owned copies) */
  gint64           item_id;
  char            *actor;
  gboolean         has_labels;
  char           **labels;
  char            *decision;
  char            *reason;
  char            *note;
  char           **answers;     /* field id, text, ... (submissions) */
  gint64           dwell_ms;
  gint64           time_us;     /* the act's time (_lb_store_set_act_time ()); 0: its commit */

  /* regions, spans, answers (owned copies) */
  char            *target;      /* region or span id (created: made by the request) */
  char            *label;       /* NULL = unchanged (updates) */
  LbRegionShape    shape;       /* NONE = geometry unchanged (updates) */
  double           box[4];
  double          *points;      /* x0, y0, x1, y1, ... */
  guint            n_points;
  char            *attributes;  /* JSON object, NULL = unchanged / {} */
  gint64           start;
  gint64           end;
  char            *field;
  char            *text;

  /* a lead's correction (lb_store_correct ()): "lead", else NULL */
  const char      *role;
  gboolean         lead_retract; /* an undo or redo of a lead's act: its events are a lead's */

  /* reviews and gold marks */
  LbReviewVerdict  verdict;
  char            *comment;
  gboolean         gold;

  /* batches and items (borrowed: the caller waits) */
  const char      *name;
  const char      *root;
  const char      *source;
  const char      *schema_json;
  gint64           batch_id;
  const LbNewItem *items;
  guint            n_items;
  gboolean         for_import;        /* _lb_store_ensure_import_batch () */
  gboolean         name_is_explicit;
  const char      *root_real;
  GArray          *conflicts;         /* of guint: items already there with other content */

  /* sync cursors (borrowed: the caller waits) */
  const char      *sink;
  gint64           cursor_seq;

  /* bundle merges (borrowed: the caller waits) */
  LbStoreMergeFunc merge_func;
  gpointer         merge_data;
  LbStoreMerge    *merge;

  /* results */
  gboolean         ok;
  GError          *error;
  gint64           out_batch_id;
  char            *out_name;
  guint            n_added;
  guint            n_existing;
  guint64          n_merged;
  guint64          n_present;

  /* completion: either a waiting caller or a task */
  GMutex           mutex;
  GCond            cond;
  gboolean         done;
  GTask           *task;
} Request;

struct _LbStore
{
  GObject       parent_instance;

  char         *path;
  gboolean      read_only;
  char         *seat_id;
  GMainContext *context;

  int           lock_fd;
  gboolean      lock_created;  /* this opener made the .lock file */

  /* read connection, guarded by read_lock */
  GMutex        read_lock;
  sqlite3      *rdb;
  sqlite3_stmt *get_item_stmt;

  /* writer */
  GMutex        state_lock;
  gboolean      check_pending; /* the writer runs PRAGMA quick_check before any write */
  GError       *damage;        /* what that check found, guarded by state_lock */
  GThread      *writer;
  GAsyncQueue  *queue;
  sqlite3      *wdb;           /* owned by the writer thread once it runs */
  char         *last_hash;     /* writer thread only */
  GHashTable   *schemas;       /* writer thread only: batch id -> LbSchema */

  /* signals waiting for the opener's context, guarded by emit_lock */
  GMutex        emit_lock;
  GArray       *pending;
  gboolean      emit_scheduled;
  gboolean      disposing;     /* no new emissions for an object going away */
};

G_DEFINE_FINAL_TYPE (LbStore, lb_store, G_TYPE_OBJECT)

enum {
  SIGNAL_ITEM_CHANGED,
  SIGNAL_ITEMS_ADDED,
  SIGNAL_DAMAGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (lb-store-error-quark, lb_store_error)

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

/* Numbers go into translatable messages as %s (xgettext cannot read
 * G_GINT64_FORMAT inside _()): num_str (n).s lives until the end of the
 * full expression. */
typedef struct {
  char s[24];
} NumStr;

static inline NumStr
num_str (gint64 value)
{
  NumStr n;

  g_snprintf (n.s, sizeof n.s, "%" G_GINT64_FORMAT, value);
  return n;
}

static gboolean
set_sqlite_error (GError    **error,
                  sqlite3    *db,
                  const char *what)
{
  int code = db != NULL ? sqlite3_errcode (db) : SQLITE_ERROR;
  LbStoreError lb_code = LB_STORE_ERROR_FAILED;

  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    lb_code = LB_STORE_ERROR_CORRUPT;

  g_set_error (error, LB_STORE_ERROR, lb_code, _("%s: %s"), what,
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          GError     **error)
{
  char *errmsg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      int code = sqlite3_errcode (db);

      g_set_error (error, LB_STORE_ERROR,
                   (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
                     ? LB_STORE_ERROR_CORRUPT : LB_STORE_ERROR_FAILED,
                   _("Database error: %s"), errmsg != NULL ? errmsg : sqlite3_errstr (code));
      sqlite3_free (errmsg);
      return FALSE;
    }

  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (error, db, _("Database error"));
      return NULL;
    }

  return stmt;
}

static inline const char *
col_text (sqlite3_stmt *stmt,
          int           col)
{
  return (const char *) sqlite3_column_text (stmt, col);
}

static inline void
bind_text (sqlite3_stmt *stmt,
           int           col,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, col, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, col);
}

static gboolean
query_int (sqlite3     *db,
           const char  *sql,
           gint64      *value,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = sqlite3_column_int64 (stmt, 0);
  else if (rc == SQLITE_DONE)
    *value = 0;
  else
    return set_sqlite_error (error, db, _("Database error"));

  return TRUE;
}

static char *
sha256_hex (const char *data,
            gssize      len)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, data, len);
}

static LbItemKind
kind_from_string (const char *kind)
{
  return g_strcmp0 (kind, "text") == 0 ? LB_ITEM_KIND_TEXT : LB_ITEM_KIND_IMAGE;
}

static LbItemState
state_from_string (const char *state)
{
  if (g_strcmp0 (state, "done") == 0)
    return LB_ITEM_STATE_DONE;
  if (g_strcmp0 (state, "skipped") == 0)
    return LB_ITEM_STATE_SKIPPED;
  return LB_ITEM_STATE_TODO;
}

void
lb_batch_free (LbBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->name);
  g_free (batch->root);
  g_free (batch->source);
  g_free (batch->schema_json);
  g_free (batch);
}

void
lb_event_free (LbEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->uuid);
  g_free (event->seat);
  g_free (event->batch);
  g_free (event->item);
  g_free (event->actor);
  g_free (event->role);
  g_free (event->kind);
  g_free (event->payload);
  g_free (event->prev_hash);
  g_free (event->hash);
  g_free (event);
}

char *
lb_store_get_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "labelbench", "labelbench.db", NULL);
}

/* The hash of an event: SHA-256 over its fields, each written as its
 * decimal byte length, ':' and its bytes, so no two field lists share a
 * serialisation. */
static char *
compute_event_hash (const char *prev_hash,
                    const char *uuid,
                    const char *seat,
                    const char *batch,
                    const char *item,
                    const char *actor,
                    const char *role,
                    const char *kind,
                    const char *payload,
                    gint64      time_us,
                    gint64      dwell_ms)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  char time_buf[32];
  char dwell_buf[32];
  const char *fields[11];

  g_snprintf (time_buf, sizeof time_buf, "%" G_GINT64_FORMAT, time_us);
  g_snprintf (dwell_buf, sizeof dwell_buf, "%" G_GINT64_FORMAT, dwell_ms);

  fields[0] = prev_hash;
  fields[1] = uuid;
  fields[2] = seat;
  fields[3] = batch;
  fields[4] = item;
  fields[5] = actor;
  fields[6] = role;
  fields[7] = kind;
  fields[8] = payload;
  fields[9] = time_buf;
  fields[10] = dwell_buf;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *f = fields[i] != NULL ? fields[i] : "";
      gsize len = strlen (f);
      char len_buf[32];

      g_snprintf (len_buf, sizeof len_buf, "%" G_GSIZE_FORMAT ":", len);
      g_checksum_update (checksum, (const guchar *) len_buf, -1);
      g_checksum_update (checksum, (const guchar *) f, len);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

/* ------------------------------------------------------------------------ */
/* Signals on the opener's main context                                     */
/* ------------------------------------------------------------------------ */

/* Emissions are queued under emit_lock and delivered by one idle source at
 * a time on the opener's context; nothing is queued when nobody listens
 * (the CLI never runs a main loop). */
typedef struct {
  guint  signal;
  gint64 arg;
} Emission;

typedef struct {
  GWeakRef store;
} EmissionSource;

static void
emission_source_free (gpointer data)
{
  EmissionSource *es = data;

  g_weak_ref_clear (&es->store);
  g_free (es);
}

static gboolean
emission_cb (gpointer data)
{
  EmissionSource *es = data;
  g_autoptr(LbStore) self = g_weak_ref_get (&es->store);
  g_autoptr(GArray) pending = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->emit_lock);
  pending = g_steal_pointer (&self->pending);
  self->emit_scheduled = FALSE;
  g_mutex_unlock (&self->emit_lock);

  for (guint i = 0; pending != NULL && i < pending->len; i++)
    {
      Emission *em = &g_array_index (pending, Emission, i);
      g_signal_emit (self, signals[em->signal], 0, em->arg);
    }

  return G_SOURCE_REMOVE;
}

static void
schedule_emission (LbStore *self,
                   guint    signal,
                   gint64   arg)
{
  Emission em = { signal, arg };

  g_mutex_lock (&self->emit_lock);
  /* "damaged" comes once, maybe before its handler is connected: always queued */
  if (self->disposing
      || (signal != SIGNAL_DAMAGED
          && !g_signal_has_handler_pending (self, signals[signal], 0, FALSE)))
    {
      g_mutex_unlock (&self->emit_lock);
      return;
    }

  if (self->pending == NULL)
    self->pending = g_array_new (FALSE, FALSE, sizeof (Emission));
  g_array_append_val (self->pending, em);

  if (!self->emit_scheduled)
    {
      EmissionSource *es = g_new0 (EmissionSource, 1);
      GSource *source = g_idle_source_new ();

      g_weak_ref_init (&es->store, self);
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, emission_cb, es, emission_source_free);
      g_source_set_static_name (source, "[lb-store] signals");
      g_source_attach (source, self->context);
      g_source_unref (source);
      self->emit_scheduled = TRUE;
    }
  g_mutex_unlock (&self->emit_lock);
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */
/* ------------------------------------------------------------------------ */

static void
request_free (Request *req)
{
  if (req == NULL)
    return;
  g_free (req->actor);
  g_strfreev (req->labels);
  g_free (req->decision);
  g_free (req->reason);
  g_free (req->note);
  g_strfreev (req->answers);
  g_free (req->target);
  g_free (req->label);
  g_free (req->points);
  g_free (req->attributes);
  g_free (req->field);
  g_free (req->text);
  g_free (req->comment);
  g_clear_error (&req->error);
  g_clear_object (&req->task);
  g_free (req);
}

/* The time the acts requested by this thread carry, when not now */
static GPrivate act_time = G_PRIVATE_INIT (g_free);

void
_lb_store_set_act_time (gint64 time_us)
{
  gint64 *t = NULL;

  if (time_us > 0)
    {
      t = g_new (gint64, 1);
      *t = time_us;
    }
  g_private_replace (&act_time, t);
}

static Request *
request_new (RequestKind kind)
{
  Request *req = g_new0 (Request, 1);
  gint64 *t = g_private_get (&act_time);

  req->kind = kind;
  req->time_us = t != NULL ? *t : 0;
  return req;
}

static gboolean
task_complete_cb (gpointer data)
{
  Request *req = data;

  if (req->ok && (req->kind == REQUEST_REGION_CREATE || req->kind == REQUEST_SPAN_CREATE
                  || req->role != NULL))
    g_task_return_pointer (req->task, g_strdup (req->target), g_free);
  else if (req->ok)
    g_task_return_boolean (req->task, TRUE);
  else
    g_task_return_error (req->task, g_steal_pointer (&req->error));

  return G_SOURCE_REMOVE;
}

static void
complete_request (LbStore *self,
                  Request *req)
{
  if (req->task != NULL)
    {
      GMainContext *context = g_task_get_context (req->task);
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, task_complete_cb, req, (GDestroyNotify) request_free);
      g_source_set_static_name (source, "[lb-store] complete");
      g_source_attach (source, context);
      g_source_unref (source);
    }
  else
    {
      g_mutex_lock (&req->mutex);
      req->done = TRUE;
      g_cond_signal (&req->cond);
      g_mutex_unlock (&req->mutex);
    }
}

static gboolean
check_writable (LbStore  *self,
                GError  **error)
{
  if (self->read_only)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY,
                   _("The store “%s” is open read-only"), self->path);
      return FALSE;
    }
  return TRUE;
}

/* Queues req; FALSE (and req untouched) when the store is closed. */
static gboolean
push_request (LbStore  *self,
              Request  *req,
              GError  **error)
{
  gboolean ok = FALSE;

  if (!check_writable (self, error))
    return FALSE;

  g_mutex_lock (&self->state_lock);
  if (self->queue != NULL && self->writer != NULL)
    {
      g_async_queue_push (self->queue, req);
      ok = TRUE;
    }
  g_mutex_unlock (&self->state_lock);

  if (!ok)
    g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED,
                 _("The store “%s” is closed"), self->path);
  return ok;
}

/* Runs req on the writer thread and waits for its COMMIT. req is owned by
 * the caller. */
static gboolean
run_request_sync (LbStore  *self,
                  Request  *req,
                  GError  **error)
{
  g_mutex_init (&req->mutex);
  g_cond_init (&req->cond);

  if (!push_request (self, req, error))
    {
      g_mutex_clear (&req->mutex);
      g_cond_clear (&req->cond);
      return FALSE;
    }

  g_mutex_lock (&req->mutex);
  while (!req->done)
    g_cond_wait (&req->cond, &req->mutex);
  g_mutex_unlock (&req->mutex);

  g_mutex_clear (&req->mutex);
  g_cond_clear (&req->cond);

  if (!req->ok)
    {
      g_propagate_error (error, g_steal_pointer (&req->error));
      return FALSE;
    }
  return TRUE;
}

static void
run_request_async (LbStore             *self,
                   Request             *req,
                   gpointer             source_tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  /* Once committed, an act is reported as done even if cancelled meanwhile. */
  g_task_set_check_cancellable (task, FALSE);
  req->task = g_object_ref (task);

  if (!push_request (self, req, &error))
    {
      request_free (req);
      g_task_return_error (task, error);
    }
}

/* ------------------------------------------------------------------------ */
/* Writer thread                                                            */
/* ------------------------------------------------------------------------ */

typedef struct {
  gint64      batch_id;
  char       *batch_name;
  char       *external_id;
  LbItemKind  kind;
  char       *text;
} ItemRef;

static void
item_ref_clear (ItemRef *ref)
{
  g_clear_pointer (&ref->batch_name, g_free);
  g_clear_pointer (&ref->external_id, g_free);
  g_clear_pointer (&ref->text, g_free);
}

static gboolean
writer_lookup_item (LbStore  *self,
                    gint64    item_id,
                    ItemRef  *ref,
                    GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self->wdb,
                  "SELECT i.batch_id, b.name, i.external_id, i.kind, i.body FROM items i"
                  " JOIN batches b ON b.id = i.batch_id WHERE i.id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ref->batch_id = sqlite3_column_int64 (stmt, 0);
      ref->batch_name = g_strdup (col_text (stmt, 1));
      ref->external_id = g_strdup (col_text (stmt, 2));
      ref->kind = kind_from_string (col_text (stmt, 3));
      ref->text = g_strdup (col_text (stmt, 4));
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                   _("No item with id %s in the store"), num_str (item_id).s);
      return FALSE;
    }
  return set_sqlite_error (error, self->wdb, _("Cannot read the item"));
}

static LbSchema *
writer_get_schema (LbStore  *self,
                   gint64    batch_id,
                   GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  LbSchema *schema;
  int rc;

  schema = g_hash_table_lookup (self->schemas, &batch_id);
  if (schema != NULL)
    return schema;

  stmt = prepare (self->wdb,
                  "SELECT s.json, b.name FROM batches b JOIN schemas s ON s.id = b.schema_id"
                  " WHERE b.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, batch_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                     _("No batch with id %s in the store"), num_str (batch_id).s);
      else
        set_sqlite_error (error, self->wdb, _("Cannot read the batch schema"));
      return NULL;
    }

  schema = lb_schema_new_from_data (col_text (stmt, 0), -1, col_text (stmt, 1), error);
  if (schema == NULL)
    return NULL;

  g_hash_table_insert (self->schemas, g_memdup2 (&batch_id, sizeof batch_id), schema);
  return schema;
}

typedef struct {
  gint64    seq;
  char     *uuid;
  char     *actor;
  char     *kind;
  char     *payload;
  gint64    time_us;
  gint64    act;
  char     *role;
  gint64    dwell_ms;
  gboolean  active;   /* no retract in effect targets it */
  gboolean  retract;
} EventRow;

static void
event_row_clear (gpointer data)
{
  EventRow *row = data;

  g_free (row->uuid);
  g_free (row->actor);
  g_free (row->kind);
  g_free (row->payload);
  g_free (row->role);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

static JsonObject *
node_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The uuids a retract event's payload names */
static JsonArray *
retract_targets (JsonObject *payload)
{
  JsonNode *node = payload != NULL ? json_object_get_member (payload, "retracts") : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The item's events in seq order, each marked active or not. The one rule:
 * walking from the newest event to the oldest, an event is inactive when an
 * active retract targets it. A retract of a retract so puts its targets'
 * targets back (redo), and retracts only ever target older events. */
static void mark_active (GArray *rows);

/* Appends the row of a statement whose first columns are seq, uuid, actor,
 * kind, payload, time_us, act, role, dwell_ms */
static void
append_event_row (GArray       *rows,
                  sqlite3_stmt *stmt)
{
  EventRow row;

  row.seq = sqlite3_column_int64 (stmt, 0);
  row.uuid = g_strdup (col_text (stmt, 1));
  row.actor = g_strdup (col_text (stmt, 2));
  row.kind = g_strdup (col_text (stmt, 3));
  row.payload = g_strdup (col_text (stmt, 4));
  row.time_us = sqlite3_column_int64 (stmt, 5);
  row.act = sqlite3_column_int64 (stmt, 6);
  row.role = g_strdup (col_text (stmt, 7));
  row.dwell_ms = sqlite3_column_int64 (stmt, 8);
  row.retract = g_strcmp0 (row.kind, "retract") == 0;
  row.active = TRUE;
  g_array_append_val (rows, row);
}

static gboolean
writer_load_item_events (LbStore  *self,
                         gint64    item_id,
                         GArray  **rows_out,
                         GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (EventRow));
  int rc;

  g_array_set_clear_func (rows, event_row_clear);

  stmt = prepare (self->wdb,
                  "SELECT seq, uuid, actor, kind, payload, time_us, act, role, dwell_ms"
                  " FROM events WHERE item_id = ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    append_event_row (rows, stmt);
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot read the item’s events"));

  mark_active (rows);
  *rows_out = g_steal_pointer (&rows);
  return TRUE;
}

/* Sets each row's active flag (the rule above) */
static void
mark_active (GArray *rows)
{
  g_autoptr(GHashTable) retracted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_uuid = g_hash_table_new (g_str_hash, g_str_equal);

  /* uuid -> index + 1; the keys point into rows, which outlive the tables */
  for (guint i = 0; i < rows->len; i++)
    g_hash_table_insert (by_uuid, g_array_index (rows, EventRow, i).uuid, GUINT_TO_POINTER (i + 1));

  for (guint i = rows->len; i-- > 0;)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);
      g_autoptr(JsonNode) root = NULL;
      JsonArray *targets;

      row->active = !g_hash_table_contains (retracted, row->uuid);
      if (!row->active || !row->retract)
        continue;

      root = parse_json (row->payload);
      targets = retract_targets (node_object (root));
      for (guint j = 0; targets != NULL && j < json_array_get_length (targets); j++)
        {
          const char *uuid = json_array_get_string_element (targets, j);
          guint k = uuid != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (by_uuid, uuid)) : 0;

          if (k > 0 && k - 1 < i)  /* only older events */
            g_hash_table_add (retracted, g_array_index (rows, EventRow, k - 1).uuid);
        }
    }
}

static const EventRow *
find_row (GArray     *rows,
          const char *uuid)
{
  for (guint i = 0; uuid != NULL && i < rows->len; i++)
    if (g_str_equal (g_array_index (rows, EventRow, i).uuid, uuid))
      return &g_array_index (rows, EventRow, i);
  return NULL;
}

static gboolean
decision_is_flagged (LbSchema   *schema,
                     const char *decision)
{
  const LbSchemaDecision *d;

  if (decision == NULL)
    return FALSE;
  if (g_strcmp0 (decision, "escalate") == 0)
    return TRUE;
  d = schema != NULL ? lb_schema_find_decision (schema, decision) : NULL;
  return d != NULL && d->flag;
}

/* The derived state of an item: its active events folded in seq order. */
typedef struct {
  JsonArray  *labels;
  char       *decision;
  char       *reason;
  char       *note;
  const char *last_actor;   /* points into the rows */
  gboolean    skipped;
  GPtrArray  *regions;      /* of JsonObject, in creation order */
  GPtrArray  *spans;        /* of JsonObject, in creation order */
  JsonObject *answers;
  gint64      last_seq;
  gint64      updated_us;
  gint64      max_time_us;   /* the latest time_us of all its events */
  char       *review_verdict;   /* the latest review in effect */
  char       *reviewer;
  char       *review_comment;
  gint64      review_seq;
  char       *gold;             /* the gold answer (JSON object) a lead marked, or NULL */
} Derived;

static void
derived_clear (Derived *d)
{
  g_clear_pointer (&d->labels, json_array_unref);
  g_clear_pointer (&d->decision, g_free);
  g_clear_pointer (&d->reason, g_free);
  g_clear_pointer (&d->note, g_free);
  g_clear_pointer (&d->regions, g_ptr_array_unref);
  g_clear_pointer (&d->spans, g_ptr_array_unref);
  g_clear_pointer (&d->answers, json_object_unref);
  g_clear_pointer (&d->review_verdict, g_free);
  g_clear_pointer (&d->reviewer, g_free);
  g_clear_pointer (&d->review_comment, g_free);
  g_clear_pointer (&d->gold, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Derived, derived_clear)

static JsonObject *
find_by_id (GPtrArray  *objects,
            const char *id,
            guint      *index)
{
  for (guint i = 0; id != NULL && i < objects->len; i++)
    {
      JsonObject *obj = g_ptr_array_index (objects, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (obj, "id", NULL), id) == 0)
        {
          if (index != NULL)
            *index = i;
          return obj;
        }
    }
  return NULL;
}

static void
copy_member (JsonObject *to,
             JsonObject *from,
             const char *member)
{
  JsonNode *node = json_object_get_member (from, member);

  if (node != NULL)
    json_object_set_member (to, member, json_node_copy (node));
}

/* "region.create" and "region.update" payloads onto the derived regions */
static void
fold_region (Derived    *d,
             const char *kind,
             JsonObject *obj)
{
  static const char *const members[] = { "label", "shape", "box", "points", "attributes" };
  const char *id = json_object_get_string_member_with_default (obj, "region", NULL);
  JsonObject *region;
  guint index;

  if (id == NULL)
    return;
  region = find_by_id (d->regions, id, &index);

  if (g_str_equal (kind, "region.create") && region == NULL)
    {
      region = json_object_new ();
      json_object_set_string_member (region, "id", id);
      g_ptr_array_add (d->regions, region);
    }
  else if (g_str_equal (kind, "region.delete") && region != NULL)
    {
      g_ptr_array_remove_index (d->regions, index);
      return;
    }
  if (region == NULL || g_str_equal (kind, "region.delete"))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    copy_member (region, obj, members[i]);
  if (!json_object_has_member (region, "attributes"))
    json_object_set_object_member (region, "attributes", json_object_new ());
}

static void
fold_span (Derived    *d,
           const char *kind,
           JsonObject *obj)
{
  static const char *const members[] = {
    "label", "start", "end", "start_byte", "end_byte", "text",
  };
  const char *id = json_object_get_string_member_with_default (obj, "span", NULL);
  JsonObject *span;
  guint index;

  if (id == NULL)
    return;
  span = find_by_id (d->spans, id, &index);
  if (g_str_equal (kind, "span.delete"))
    {
      if (span != NULL)
        g_ptr_array_remove_index (d->spans, index);
      return;
    }
  if (span != NULL)
    return;

  span = json_object_new ();
  json_object_set_string_member (span, "id", id);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    copy_member (span, obj, members[i]);
  g_ptr_array_add (d->spans, span);
}

static char *node_to_string (JsonNode *node);

static void
forget_review (Derived *d)
{
  g_clear_pointer (&d->review_verdict, g_free);
  g_clear_pointer (&d->reviewer, g_free);
  g_clear_pointer (&d->review_comment, g_free);
  d->review_seq = 0;
}

static void
fold_event (Derived        *d,
            const EventRow *row,
            JsonObject     *obj)
{
  const char *kind = row->kind;

  if (g_strcmp0 (kind, "label") == 0)
    {
      JsonNode *node = obj != NULL ? json_object_get_member (obj, "labels") : NULL;

      g_clear_pointer (&d->labels, json_array_unref);
      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        d->labels = json_array_ref (json_node_get_array (node));
    }
  else if (g_strcmp0 (kind, "decision") == 0)
    {
      JsonNode *reason = obj != NULL ? json_object_get_member (obj, "reason") : NULL;

      g_free (d->decision);
      g_free (d->reason);
      d->decision = g_strdup (obj != NULL ? json_object_get_string_member_with_default (
                                              obj, "decision", NULL) : NULL);
      d->reason = reason != NULL && JSON_NODE_HOLDS_VALUE (reason)
                    ? g_strdup (json_node_get_string (reason)) : NULL;
    }
  else if (g_strcmp0 (kind, "note") == 0)
    {
      const char *text = obj != NULL
                           ? json_object_get_string_member_with_default (obj, "text", NULL)
                           : NULL;

      g_free (d->note);
      d->note = text != NULL && *text != '\0' ? g_strdup (text) : NULL;
    }
  else if (g_strcmp0 (kind, "skip") == 0)
    d->skipped = TRUE;
  else if (g_strcmp0 (kind, "review") == 0)
    {
      JsonNode *comment = obj != NULL ? json_object_get_member (obj, "comment") : NULL;

      g_free (d->review_verdict);
      g_free (d->reviewer);
      g_free (d->review_comment);
      d->review_verdict = g_strdup (obj != NULL ? json_object_get_string_member_with_default (
                                                    obj, "verdict", NULL) : NULL);
      d->reviewer = g_strdup (row->actor);
      d->review_comment = comment != NULL && JSON_NODE_HOLDS_VALUE (comment)
                            ? g_strdup (json_node_get_string (comment)) : NULL;
      d->review_seq = row->seq;
      return;  /* a review is not the item's last actor's work */
    }
  else if (g_strcmp0 (kind, "gold") == 0)
    {
      JsonNode *answer = obj != NULL ? json_object_get_member (obj, "answer") : NULL;

      g_clear_pointer (&d->gold, g_free);
      if (obj != NULL && json_object_get_boolean_member_with_default (obj, "gold", FALSE)
          && answer != NULL && JSON_NODE_HOLDS_OBJECT (answer))
        d->gold = node_to_string (answer);
      return;
    }
  else if (obj != NULL && g_str_has_prefix (kind, "region."))
    fold_region (d, kind, obj);
  else if (obj != NULL && g_str_has_prefix (kind, "span."))
    fold_span (d, kind, obj);
  else if (obj != NULL && g_strcmp0 (kind, "answer") == 0)
    {
      const char *field = json_object_get_string_member_with_default (obj, "field", NULL);
      const char *text = json_object_get_string_member_with_default (obj, "text", NULL);

      if (field == NULL)
        return;
      if (text != NULL && *text != '\0')
        json_object_set_string_member (d->answers, field, text);
      else if (json_object_has_member (d->answers, field))
        json_object_remove_member (d->answers, field);
    }
  else
    return;

  /* an annotator's work after the review is not reviewed: the item is
   * unreviewed again (the review stays in the log) */
  if (g_strcmp0 (row->role, "lead") != 0)
    forget_review (d);
  d->last_actor = row->actor;
}

/* An event that is an annotator's own work (not a lead's review, correction
 * or gold mark, not a retract) */
static gboolean
row_is_work (const EventRow *row)
{
  return !row->retract && g_strcmp0 (row->role, "lead") != 0;
}

/* Whether ACTOR has annotator's work in effect on the item */
static gboolean
actor_did_work (GArray     *rows,
                const char *actor)
{
  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && row_is_work (row) && g_strcmp0 (row->actor, actor) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The one replay: the active events, oldest first. ACTOR non-NULL: only
 * that annotator's own work (their events with a role other than "lead"),
 * which is what they see of the item when labelling blind. BASE non-NULL:
 * of the annotators' work only BASE's, with every lead event (what
 * derive_item_state () makes of an item several annotators did). */
static void
derive_state_for (GArray     *rows,
                  const char *actor,
                  const char *base,
                  Derived    *d)
{
  d->regions = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  d->spans = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  d->answers = json_object_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);
      g_autoptr(JsonNode) root = NULL;

      if (actor != NULL && (!row_is_work (row) || g_strcmp0 (row->actor, actor) != 0))
        continue;
      d->last_seq = row->seq;
      d->updated_us = row->time_us;
      d->max_time_us = MAX (d->max_time_us, row->time_us);
      if (!row->active || row->retract)
        continue;
      if (base != NULL && row_is_work (row) && g_strcmp0 (row->actor, base) != 0)
        {
          /* another annotator's work: not in the state, but like any work
           * it comes after the review in effect */
          forget_review (d);
          continue;
        }

      root = parse_json (row->payload);
      fold_event (d, row, node_object (root));
    }
}


static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static char *
objects_to_json (GPtrArray *objects)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_sized_new (objects->len);

  for (guint i = 0; i < objects->len; i++)
    json_array_add_object_element (array, json_object_ref (g_ptr_array_index (objects, i)));
  json_node_take_array (node, array);
  return node_to_string (node);
}

/* The item_state columns of a derived state */
typedef struct {
  const char *state;
  char       *labels;   /* NULL = "[]" */
  char       *regions;
  char       *spans;
  char       *answers;
} StateColumns;

static void
state_columns_clear (StateColumns *c)
{
  g_clear_pointer (&c->labels, g_free);
  g_clear_pointer (&c->regions, g_free);
  g_clear_pointer (&c->spans, g_free);
  g_clear_pointer (&c->answers, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StateColumns, state_columns_clear)

static void
state_columns (const Derived *d,
               StateColumns  *c)
{
  gboolean has_labels;
  const char *state;
  char *labels = NULL;
  char *regions, *spans, *answers;

  has_labels = d->labels != NULL && json_array_get_length (d->labels) > 0;
  if (d->labels != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, d->labels);
      labels = node_to_string (node);
    }
  regions = objects_to_json (d->regions);
  spans = objects_to_json (d->spans);
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

    json_node_set_object (node, d->answers);
    answers = node_to_string (node);
  }

  if (has_labels || d->decision != NULL || d->regions->len > 0 || d->spans->len > 0
      || json_object_get_size (d->answers) > 0)
    state = "done";
  else if (d->skipped)
    state = "skipped";
  else
    state = "todo";

  c->state = state;
  c->labels = labels;
  c->regions = regions;
  c->spans = spans;
  c->answers = answers;
}

/* Replays the item's events and writes its item_state row. */
static char **strv_from_json_array (JsonArray *array);

/* Of the annotators who worked on the item on their own, the one whose work
 * stands for the item: of those who finished it (labels, decision, regions,
 * spans or answers), the one a strict majority agrees with
 * (lb_actor_work_agree ()), else the one who worked last; the only one who
 * finished it; or, when none did, the latest. NULL when a single annotator
 * worked on it (the actor strings are the rows'). */
static const char *
consensus_base (GArray *rows)
{
  g_autoptr(GPtrArray) actors = g_ptr_array_new ();
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) strvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GArray) works = g_array_new (FALSE, TRUE, sizeof (LbActorWork));
  const char *latest = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && row_is_work (row)
          && !g_ptr_array_find_with_equal_func (actors, row->actor, g_str_equal, NULL))
        g_ptr_array_add (actors, row->actor);
    }
  if (actors->len < 2)
    return NULL;

  for (guint a = 0; a < actors->len; a++)
    {
      g_auto(Derived) d = { 0, };
      g_auto(StateColumns) c = { 0, };
      LbActorWork w = { 0, };
      char **labels;

      derive_state_for (rows, g_ptr_array_index (actors, a), NULL, &d);
      state_columns (&d, &c);
      if (!g_str_equal (c.state, "done"))
        continue;
      w.actor = g_ptr_array_index (actors, a);
      w.state = LB_ITEM_STATE_DONE;
      labels = strv_from_json_array (d.labels);
      g_ptr_array_add (strvs, labels);
      w.labels = (const char * const *) labels;
      w.decision = g_steal_pointer (&d.decision);
      w.reason = g_steal_pointer (&d.reason);
      w.regions_json = g_steal_pointer (&c.regions);
      w.spans_json = g_steal_pointer (&c.spans);
      g_ptr_array_add (strings, (char *) w.decision);
      g_ptr_array_add (strings, (char *) w.reason);
      g_ptr_array_add (strings, (char *) w.regions_json);
      g_ptr_array_add (strings, (char *) w.spans_json);
      g_array_append_val (works, w);
    }
  if (works->len == 0)
    {
      /* nobody finished it: the latest annotator's work as it is */
      for (guint i = 0; i < rows->len; i++)
        {
          EventRow *row = &g_array_index (rows, EventRow, i);

          if (row->active && row_is_work (row))
            latest = row->actor;
        }
      return latest;
    }
  if (works->len == 1)
    return g_array_index (works, LbActorWork, 0).actor;   /* the one finished work */

  for (guint i = 0; i < works->len; i++)
    {
      guint count = 0;

      for (guint j = 0; j < works->len; j++)
        if (i == j || lb_actor_work_agree (&g_array_index (works, LbActorWork, i),
                                           &g_array_index (works, LbActorWork, j)))
          count++;
      if (2 * count > works->len)
        return g_array_index (works, LbActorWork, i).actor;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (!row->active || !row_is_work (row))
        continue;
      for (guint j = 0; j < works->len; j++)
        if (g_str_equal (g_array_index (works, LbActorWork, j).actor, row->actor))
          latest = g_array_index (works, LbActorWork, j).actor;
    }
  return latest;
}

/* The item's state. With OVERLAP > 1 the annotators worked blind, each on
 * their own: when two or more did the item, the state is not a
 * field-by-field mix of their works but one whole work (consensus_base ()),
 * with the lead's reviews, corrections and gold marks on top. With overlap 1
 * they share the queue and each act edits what is there. */
static void
derive_item_state (GArray  *rows,
                   guint    overlap,
                   Derived *d)
{
  derive_state_for (rows, NULL, overlap > 1 ? consensus_base (rows) : NULL, d);
}

/* What an act of REQ is checked against: a blind annotator's own work
 * (they neither see nor collide with the others'), else the item's state */
static void
derive_request_view (GArray        *rows,
                     guint          overlap,
                     const Request *req,
                     Derived       *d)
{
  if (overlap > 1 && req->role == NULL)
    derive_state_for (rows, req->actor, NULL, d);
  else
    derive_item_state (rows, overlap, d);
}

/* How many annotators the item asks for: its meta's "overlap", else its
 * batch's (meta "overlap:NAME"), else 1. *STMT (nullable) keeps the
 * statement for the next call, freed by the caller. */
static guint
item_overlap_with (sqlite3       *db,
                   sqlite3_stmt **stmt_cache,
                   gint64         item_id)
{
  sqlite3_stmt *stmt = stmt_cache != NULL ? *stmt_cache : NULL;
  g_autoptr(sqlite3_stmt) own = NULL;
  gint64 overlap = 1;

  if (stmt == NULL)
    {
      stmt = prepare (db,
                      "SELECT CASE WHEN json_valid (i.meta)"
                      "  AND json_type (i.meta, '$.overlap') = 'integer'"
                      "  THEN json_extract (i.meta, '$.overlap') END, m.value"
                      " FROM items i JOIN batches b ON b.id = i.batch_id"
                      " LEFT JOIN meta m ON m.key = 'overlap:' || b.name WHERE i.id = ?1",
                      NULL);
      if (stmt == NULL)
        return 1;
      if (stmt_cache != NULL)
        *stmt_cache = stmt;
      else
        own = stmt;
    }
  sqlite3_reset (stmt);
  sqlite3_bind_int64 (stmt, 1, item_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (sqlite3_column_type (stmt, 0) == SQLITE_INTEGER)
        overlap = sqlite3_column_int64 (stmt, 0);
      else if (col_text (stmt, 1) != NULL)
        overlap = g_ascii_strtoll (col_text (stmt, 1), NULL, 10);
    }
  return (guint) CLAMP (overlap, 1, 1000);
}

static guint
item_overlap (sqlite3 *db,
              gint64   item_id)
{
  return item_overlap_with (db, NULL, item_id);
}

static gboolean
writer_rebuild_state (LbStore   *self,
                      gint64     item_id,
                      LbSchema  *schema,
                      GError   **error)
{
  g_autoptr(GArray) rows = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_auto(Derived) d = { 0, };
  g_auto(StateColumns) c = { 0, };

  if (!writer_load_item_events (self, item_id, &rows, error))
    return FALSE;
  derive_item_state (rows, item_overlap (self->wdb, item_id), &d);
  state_columns (&d, &c);

  stmt = prepare (self->wdb,
                  "INSERT OR REPLACE INTO item_state (item_id, state, labels, decision, reason,"
                  " note, flagged, last_actor, last_seq, updated_us, regions, spans, answers,"
                  " review, reviewer, review_comment, review_seq, gold, last_time_us)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                  " ?16, ?17, ?18, ?19)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item_id);
  bind_text (stmt, 2, c.state);
  bind_text (stmt, 3, c.labels != NULL ? c.labels : "[]");
  bind_text (stmt, 4, d.decision);
  bind_text (stmt, 5, d.reason);
  bind_text (stmt, 6, d.note);
  sqlite3_bind_int (stmt, 7, decision_is_flagged (schema, d.decision));
  bind_text (stmt, 8, d.last_actor);
  sqlite3_bind_int64 (stmt, 9, d.last_seq);
  sqlite3_bind_int64 (stmt, 10, d.updated_us);
  bind_text (stmt, 11, c.regions);
  bind_text (stmt, 12, c.spans);
  bind_text (stmt, 13, c.answers);
  bind_text (stmt, 14, d.review_verdict);
  bind_text (stmt, 15, d.reviewer);
  bind_text (stmt, 16, d.review_comment);
  if (d.review_verdict != NULL)
    sqlite3_bind_int64 (stmt, 17, d.review_seq);
  bind_text (stmt, 18, d.gold);
  if (rows->len > 0)
    sqlite3_bind_int64 (stmt, 19, d.max_time_us);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot save the item’s state"));

  return TRUE;
}

typedef struct {
  gint64      next_seq;
  gint64      act;
  char       *prev_hash;   /* the chain head inside this transaction */
  const char *role;        /* of the act's events; NULL = "annotator" */
} ActContext;

static gboolean
writer_begin_act (LbStore     *self,
                  ActContext  *ctx,
                  GError     **error)
{
  gint64 max_seq = 0;

  if (!query_int (self->wdb, "SELECT COALESCE (MAX (seq), 0) FROM events", &max_seq, error))
    return FALSE;
  ctx->next_seq = max_seq + 1;
  ctx->act = ctx->next_seq;
  ctx->prev_hash = g_strdup (self->last_hash);
  return TRUE;
}

/* meta "chain:SEAT:count" += added and "chain:SEAT:head" = head, in the
 * caller's transaction */
static gboolean
record_chain (sqlite3     *db,
              const char  *seat,
              gint64       added,
              const char  *head,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) count = NULL;
  g_autoptr(sqlite3_stmt) last = NULL;
  g_autofree char *count_key = g_strdup_printf ("chain:%s:count", seat);
  g_autofree char *head_key = g_strdup_printf ("chain:%s:head", seat);

  count = prepare (db,
                   "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key)"
                   " DO UPDATE SET value = CAST (value AS INTEGER) + ?2", error);
  last = prepare (db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", error);
  if (count == NULL || last == NULL)
    return FALSE;
  bind_text (count, 1, count_key);
  sqlite3_bind_int64 (count, 2, added);
  bind_text (last, 1, head_key);
  bind_text (last, 2, head);
  if (sqlite3_step (count) != SQLITE_DONE || sqlite3_step (last) != SQLITE_DONE)
    return set_sqlite_error (error, db, _("Cannot record the chain"));
  return TRUE;
}

static gboolean
writer_append_event (LbStore       *self,
                     ActContext    *ctx,
                     gint64         item_id,
                     const ItemRef *ref,
                     const char    *actor,
                     const char    *kind,
                     const char    *payload,
                     gint64         time_us,
                     gint64         dwell_ms,
                     GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *hash = NULL;
  const char *role = ctx->role != NULL ? ctx->role : "annotator";

  hash = compute_event_hash (ctx->prev_hash, uuid, self->seat_id, ref->batch_name,
                             ref->external_id, actor, role, kind, payload, time_us, dwell_ms);

  stmt = prepare (self->wdb,
                  "INSERT INTO events (seq, uuid, seat, item_id, actor, role, kind, payload,"
                  " time_us, dwell_ms, act, prev_hash, hash)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, ctx->next_seq);
  bind_text (stmt, 2, uuid);
  bind_text (stmt, 3, self->seat_id);
  sqlite3_bind_int64 (stmt, 4, item_id);
  bind_text (stmt, 5, actor);
  bind_text (stmt, 6, role);
  bind_text (stmt, 7, kind);
  bind_text (stmt, 8, payload);
  sqlite3_bind_int64 (stmt, 9, time_us);
  sqlite3_bind_int64 (stmt, 10, dwell_ms);
  sqlite3_bind_int64 (stmt, 11, ctx->act);
  bind_text (stmt, 12, ctx->prev_hash != NULL ? ctx->prev_hash : "");
  bind_text (stmt, 13, hash);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot append the event"));

  /* the seat's event count and last hash, for verify to see a chain cut short */
  if (!record_chain (self->wdb, self->seat_id, 1, hash, error))
    return FALSE;

  ctx->next_seq++;
  g_free (ctx->prev_hash);
  ctx->prev_hash = g_steal_pointer (&hash);
  return TRUE;
}

static char *
builder_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static gboolean G_GNUC_PRINTF (2, 3)
invalid_act (GError     **error,
             const char  *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
validate_submission (LbSchema  *schema,
                     Request   *req,
                     GError   **error)
{
  guint n_labels = req->labels != NULL ? g_strv_length (req->labels) : 0;
  const LbSchemaDecision *decision = NULL;
  if (!req->has_labels && req->decision == NULL && req->note == NULL
      && (req->answers == NULL || req->answers[0] == NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("Nothing to submit: no labels, decision, note or answer"));
      return FALSE;
    }
  for (guint i = 0; req->answers != NULL && req->answers[i] != NULL; i += 2)
    if (lb_schema_find_field (schema, req->answers[i]) == NULL)
      return invalid_act (error, _("Unknown field “%s” (not in the batch’s schema)"),
                          req->answers[i]);

  for (guint i = 0; i < n_labels; i++)
    {
      if (lb_schema_find_label (schema, req->labels[i]) == NULL)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("Unknown label “%s” (not in the batch’s schema)"), req->labels[i]);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        if (g_strcmp0 (req->labels[i], req->labels[j]) == 0)
          {
            g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                         _("Label “%s” given twice"), req->labels[i]);
            return FALSE;
          }
    }

  if (n_labels > 0 && !lb_schema_has_tool (schema, LB_TOOL_CLASS))
    return invalid_act (error, _("Label “%s” cannot be given to the whole item: the batch’s "
                                 "schema has no “class” tool (draw a region or mark a span "
                                 "with it)"), req->labels[0]);
  if (req->note != NULL && *req->note != '\0' && !lb_schema_has_tool (schema, LB_TOOL_NOTE))
    return invalid_act (error, _("The “note” tool is not enabled in the batch’s schema"));

  if (n_labels > 1 && !lb_schema_get_multi_label (schema))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("Only one label may apply in this batch, but %u were given"), n_labels);
      return FALSE;
    }

  if (req->decision != NULL)
    {
      decision = lb_schema_find_decision (schema, req->decision);
      if (decision == NULL)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("Unknown decision “%s” (not in the batch’s schema)"), req->decision);
          return FALSE;
        }
    }

  if (req->reason != NULL)
    {
      if (req->decision == NULL)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("A reason (“%s”) needs a decision"), req->reason);
          return FALSE;
        }
      if (lb_schema_find_reason (schema, req->reason) == NULL)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("Unknown reason “%s” (not in the batch’s schema)"), req->reason);
          return FALSE;
        }
    }
  else if (decision != NULL && decision->needs_reason)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("The decision “%s” needs a reason"), req->decision);
      return FALSE;
    }

  return TRUE;
}

/* The label exists and the schema enables the tool */
static const LbSchemaLabel *
check_label_tool (LbSchema       *schema,
                  const char     *label,
                  LbSchemaTools   tool,
                  GError        **error)
{
  const LbSchemaLabel *l = lb_schema_find_label (schema, label);

  if (!lb_schema_has_tool (schema, tool))
    {
      invalid_act (error, _("The “%s” tool is not enabled in the batch’s schema"),
                   lb_schema_tool_to_string (tool));
      return NULL;
    }
  if (l == NULL)
    invalid_act (error, _("Unknown label “%s” (not in the batch’s schema)"), label);
  return l;
}

static gboolean
check_attributes (const LbSchemaLabel  *label,
                  JsonObject           *attributes,
                  GError              **error)
{
  g_autoptr(GList) members = json_object_get_members (attributes);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *id = l->data;
      const LbSchemaAttribute *a = lb_schema_label_find_attribute (label, id);
      JsonNode *node = json_object_get_member (attributes, id);
      GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_NONE;

      if (a == NULL)
        return invalid_act (error, _("Label “%s” has no attribute “%s”"), label->id, id);
      if (a->type == LB_ATTRIBUTE_BOOL && type != G_TYPE_BOOLEAN)
        return invalid_act (error, _("Attribute “%s” must be true or false"), id);
      if (a->type != LB_ATTRIBUTE_BOOL && type != G_TYPE_STRING)
        return invalid_act (error, _("Attribute “%s” must be a string"), id);
      if (a->type == LB_ATTRIBUTE_CHOICE
          && !g_strv_contains ((const char * const *) a->options, json_node_get_string (node)))
        {
          g_autofree char *options = g_strjoinv (", ", a->options);
          return invalid_act (error, _("“%s” is not an option of attribute “%s” (%s)"),
                              json_node_get_string (node), id, options);
        }
    }
  return TRUE;
}

/* Removes the members label has no attribute for; TRUE if any went */
static gboolean
drop_foreign_attributes (const LbSchemaLabel *label,
                         JsonObject          *attributes)
{
  g_autoptr(GList) members = json_object_get_members (attributes);
  gboolean dropped = FALSE;

  for (GList *l = members; l != NULL; l = l->next)
    if (lb_schema_label_find_attribute (label, l->data) == NULL)
      {
        g_autofree char *name = g_strdup (l->data);

        json_object_remove_member (attributes, name);
        dropped = TRUE;
      }
  return dropped;
}

static gboolean
check_geometry (const Request  *req,
                GError        **error)
{
  if (req->shape == LB_REGION_SHAPE_BOX)
    {
      for (guint i = 0; i < 4; i++)
        if (!isfinite (req->box[i]))
          return invalid_act (error, _("A box needs finite coordinates"));
      if (req->box[2] <= 0 || req->box[3] <= 0)
        return invalid_act (error, _("A box needs a width and a height above 0 (got %g × %g)"),
                            req->box[2], req->box[3]);
    }
  else if (req->shape == LB_REGION_SHAPE_POLYGON)
    {
      if (req->n_points < 3)
        return invalid_act (error, _("A polygon needs at least 3 points (got %u)"),
                            req->n_points);
      for (guint i = 0; i < 2 * req->n_points; i++)
        if (!isfinite (req->points[i]))
          return invalid_act (error, _("A polygon needs finite coordinates"));
    }
  return TRUE;
}

static void
add_geometry (JsonBuilder   *b,
              const Request *req)
{
  json_builder_set_member_name (b, "shape");
  json_builder_add_string_value (b, req->shape == LB_REGION_SHAPE_BOX ? "box" : "polygon");
  if (req->shape == LB_REGION_SHAPE_BOX)
    {
      json_builder_set_member_name (b, "box");
      json_builder_begin_array (b);
      for (guint i = 0; i < 4; i++)
        json_builder_add_double_value (b, req->box[i]);
      json_builder_end_array (b);
    }
  else
    {
      json_builder_set_member_name (b, "points");
      json_builder_begin_array (b);
      for (guint i = 0; i < req->n_points; i++)
        {
          json_builder_begin_array (b);
          json_builder_add_double_value (b, req->points[2 * i]);
          json_builder_add_double_value (b, req->points[2 * i + 1]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
    }
}

static const char *
shape_name (LbRegionShape shape)
{
  return shape == LB_REGION_SHAPE_BOX ? "box" : "polygon";
}

/* region.create, region.update, region.delete: validated against the schema
 * and the item's current regions; the payload in *payload. */
static gboolean
build_region_act (LbSchema       *schema,
                  const ItemRef  *ref,
                  Derived        *d,
                  Request        *req,
                  char          **payload,
                  GError        **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) attributes = NULL;
  JsonObject *region = NULL;
  const LbSchemaLabel *label;
  const char *label_id = req->label;
  LbRegionShape shape = req->shape;

  if (ref->kind != LB_ITEM_KIND_IMAGE)
    return invalid_act (error, _("Regions are drawn on images; item “%s” is a text"),
                        ref->external_id);

  if (req->kind != REQUEST_REGION_CREATE)
    {
      region = find_by_id (d->regions, req->target, NULL);
      if (region == NULL)
        return invalid_act (error, _("Item “%s” has no region “%s”"), ref->external_id,
                            req->target);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "region");
  json_builder_add_string_value (b, req->target);

  if (req->kind == REQUEST_REGION_DELETE)
    goto done;

  if (region != NULL)
    {
      const char *current = json_object_get_string_member_with_default (region, "shape", "");

      if (label_id == NULL)
        label_id = json_object_get_string_member_with_default (region, "label", "");
      if (shape != LB_REGION_SHAPE_NONE && !g_str_equal (current, shape_name (shape)))
        return invalid_act (error, _("Region “%s” is a %s, not a %s"), req->target, current,
                            shape_name (shape));
      if (shape == LB_REGION_SHAPE_NONE)
        shape = g_str_equal (current, "box") ? LB_REGION_SHAPE_BOX : LB_REGION_SHAPE_POLYGON;
    }
  else if (label_id == NULL)
    return invalid_act (error, _("A region needs a label"));
  else if (shape == LB_REGION_SHAPE_NONE)
    return invalid_act (error, _("A region needs a box or a polygon"));

  label = check_label_tool (schema, label_id,
                            shape == LB_REGION_SHAPE_BOX ? LB_TOOL_BOX : LB_TOOL_POLYGON, error);
  if (label == NULL || !check_geometry (req, error))
    return FALSE;

  /* the attributes the region will have */
  if (req->attributes != NULL)
    {
      attributes = parse_json (req->attributes);
      if (node_object (attributes) == NULL)
        return invalid_act (error, _("The attributes must be a JSON object"));
    }
  else if (region != NULL && json_object_has_member (region, "attributes"))
    {
      attributes = json_node_copy (json_object_get_member (region, "attributes"));
      /* a new label: the attributes it does not have go (and the event says so) */
      if (req->label != NULL && node_object (attributes) != NULL
          && drop_foreign_attributes (label, node_object (attributes)))
        {
          g_free (req->attributes);
          req->attributes = json_to_string (attributes, FALSE);
        }
    }
  if (attributes != NULL && !check_attributes (label, node_object (attributes), error))
    return FALSE;

  if (req->label != NULL || req->kind == REQUEST_REGION_CREATE)
    {
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, label_id);
    }
  if (req->shape != LB_REGION_SHAPE_NONE)
    add_geometry (b, req);
  if (req->attributes != NULL || req->kind == REQUEST_REGION_CREATE)
    {
      json_builder_set_member_name (b, "attributes");
      if (attributes != NULL)
        json_builder_add_value (b, g_steal_pointer (&attributes));
      else
        {
          json_builder_begin_object (b);
          json_builder_end_object (b);
        }
    }
  if (req->kind == REQUEST_REGION_UPDATE && req->label == NULL
      && req->shape == LB_REGION_SHAPE_NONE && req->attributes == NULL)
    return invalid_act (error, _("Nothing to change in region “%s”"), req->target);

done:
  json_builder_end_object (b);
  *payload = builder_to_string (b);
  return TRUE;
}

/* span.create, span.delete */
static gboolean
build_span_act (LbSchema       *schema,
                const ItemRef  *ref,
                Derived        *d,
                Request        *req,
                char          **payload,
                GError        **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *text = ref->text != NULL ? ref->text : "";
  const char *start_p, *end_p;
  glong length;

  if (ref->kind != LB_ITEM_KIND_TEXT)
    return invalid_act (error, _("Spans are marked in texts; item “%s” is an image"),
                        ref->external_id);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "span");
  json_builder_add_string_value (b, req->target);

  if (req->kind == REQUEST_SPAN_DELETE)
    {
      if (find_by_id (d->spans, req->target, NULL) == NULL)
        return invalid_act (error, _("Item “%s” has no span “%s”"), ref->external_id,
                            req->target);
      goto done;
    }

  if (check_label_tool (schema, req->label, LB_TOOL_SPAN, error) == NULL)
    return FALSE;

  length = g_utf8_strlen (text, -1);
  if (req->start < 0 || req->start >= req->end || req->end > length)
    return invalid_act (error, _("A span needs 0 ≤ start < end ≤ %ld (the text’s length in "
                                 "characters); got %s–%s"),
                        length, num_str (req->start).s, num_str (req->end).s);

  if (!lb_schema_get_overlapping_spans (schema))
    for (guint i = 0; i < d->spans->len; i++)
      {
        JsonObject *span = g_ptr_array_index (d->spans, i);
        gint64 s = json_object_get_int_member_with_default (span, "start", 0);
        gint64 e = json_object_get_int_member_with_default (span, "end", 0);

        if (req->start < e && s < req->end)
          return invalid_act (error, _("The span %s–%s overlaps the span %s–%s and this "
                                       "batch does not allow overlapping spans"),
                              num_str (req->start).s, num_str (req->end).s,
                              num_str (s).s, num_str (e).s);
      }

  start_p = g_utf8_offset_to_pointer (text, req->start);
  end_p = g_utf8_offset_to_pointer (text, req->end);

  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, req->label);
  json_builder_set_member_name (b, "start");
  json_builder_add_int_value (b, req->start);
  json_builder_set_member_name (b, "end");
  json_builder_add_int_value (b, req->end);
  json_builder_set_member_name (b, "start_byte");
  json_builder_add_int_value (b, start_p - text);
  json_builder_set_member_name (b, "end_byte");
  json_builder_add_int_value (b, end_p - text);
  {
    g_autofree char *covered = g_strndup (start_p, end_p - start_p);

    json_builder_set_member_name (b, "text");
    json_builder_add_string_value (b, covered);
  }

done:
  json_builder_end_object (b);
  *payload = builder_to_string (b);
  return TRUE;
}

static gboolean
build_answer_act (LbSchema  *schema,
                  Request   *req,
                  char     **payload,
                  GError   **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (lb_schema_find_field (schema, req->field) == NULL)
    return invalid_act (error, _("Unknown field “%s” (not in the batch’s schema)"),
                        req->field);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "field");
  json_builder_add_string_value (b, req->field);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, req->text != NULL ? req->text : "");
  json_builder_end_object (b);
  *payload = builder_to_string (b);
  return TRUE;
}

static char *
retract_payload (GPtrArray *uuids)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "retracts");
  json_builder_begin_array (b);
  for (guint i = 0; i < uuids->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (uuids, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return builder_to_string (b);
}

/* Undo: the events still in effect of the actor's latest act still in effect */
static char *
build_undo (GArray      *rows,
            const char  *actor,
            GError     **error)
{
  g_autoptr(GPtrArray) uuids = g_ptr_array_new ();
  gint64 act = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && !row->retract && g_strcmp0 (row->actor, actor) == 0)
        act = MAX (act, row->act);
    }
  if (act == 0)
    {
      invalid_act (error, _("Nothing to undo for “%s” on this item"), actor);
      return NULL;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->act == act && row->active && !row->retract)
        g_ptr_array_add (uuids, row->uuid);
    }

  /* a review takes back with it the lead's corrections it completed */
  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);
      g_autoptr(JsonNode) root = NULL;
      JsonObject *obj;
      JsonArray *corrections;

      if (row->act != act || !row->active || g_strcmp0 (row->kind, "review") != 0)
        continue;
      root = parse_json (row->payload);
      obj = node_object (root);
      corrections = obj != NULL && json_object_has_member (obj, "corrections")
                      ? json_object_get_array_member (obj, "corrections") : NULL;
      for (guint j = 0; corrections != NULL && j < json_array_get_length (corrections); j++)
        {
          EventRow *c = (EventRow *) find_row (rows,
                                               json_array_get_string_element (corrections, j));

          if (c != NULL && c->active && !c->retract)
            g_ptr_array_add (uuids, c->uuid);
        }
    }
  return retract_payload (uuids);
}

/* Redo: retracts the actor's latest undo still in effect (a retract whose
 * targets are acts, not retracts), unless the actor acted after it. */
static char *
build_redo (GArray      *rows,
            const char  *actor,
            GError     **error)
{
  g_autoptr(GPtrArray) uuids = g_ptr_array_new ();

  for (guint i = rows->len; i-- > 0;)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);
      g_autoptr(JsonNode) root = NULL;
      JsonArray *targets;
      const EventRow *target;

      if (g_strcmp0 (row->actor, actor) != 0)
        continue;
      if (!row->retract)
        break;  /* a newer act: the undone acts stay undone */
      if (!row->active)
        continue;

      root = parse_json (row->payload);
      targets = retract_targets (node_object (root));
      target = targets != NULL && json_array_get_length (targets) > 0
                 ? find_row (rows, json_array_get_string_element (targets, 0)) : NULL;
      if (target == NULL || target->retract)
        continue;  /* a redo itself */

      g_ptr_array_add (uuids, row->uuid);
      return retract_payload (uuids);
    }

  invalid_act (error, _("Nothing to redo for “%s” on this item"), actor);
  return NULL;
}

/* Whether the events a retract PAYLOAD names were a lead's */
static gboolean
retracts_lead_act (GArray     *rows,
                   const char *payload)
{
  g_autoptr(JsonNode) root = parse_json (payload);
  JsonObject *obj = node_object (root);
  JsonArray *uuids = obj != NULL && json_object_has_member (obj, "retracts")
                       ? json_object_get_array_member (obj, "retracts") : NULL;
  const char *first = uuids != NULL && json_array_get_length (uuids) > 0
                        ? json_array_get_string_element (uuids, 0) : NULL;

  for (guint i = 0; first != NULL && i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (g_strcmp0 (row->uuid, first) == 0)
        return g_strcmp0 (row->role, "lead") == 0;
    }
  return FALSE;
}

/* What an undo or redo puts back must still fit the schema: with other
 * actors' acts in between, a span put back may overlap one made since. */
static gboolean
check_retract_result (LbSchema    *schema,
                      GArray      *rows,
                      guint        overlap,
                      Request     *req,
                      const char  *payload,
                      GError     **error)
{
  g_auto(Derived) d = { 0, };
  EventRow row = { 0, };
  const char *what = req->kind == REQUEST_UNDO ? _("Cannot undo") : _("Cannot redo");

  if (lb_schema_get_overlapping_spans (schema))
    return TRUE;

  row.uuid = g_strdup ("");
  row.actor = g_strdup (req->actor);
  row.kind = g_strdup ("retract");
  row.payload = g_strdup (payload);
  row.retract = TRUE;
  g_array_append_val (rows, row);
  mark_active (rows);
  derive_request_view (rows, overlap, req, &d);
  g_array_set_size (rows, rows->len - 1);
  mark_active (rows);

  for (guint i = 0; i < d.spans->len; i++)
    for (guint j = 0; j < i; j++)
      {
        JsonObject *a = g_ptr_array_index (d.spans, i);
        JsonObject *b = g_ptr_array_index (d.spans, j);
        gint64 as = json_object_get_int_member_with_default (a, "start", 0);
        gint64 ae = json_object_get_int_member_with_default (a, "end", 0);
        gint64 bs = json_object_get_int_member_with_default (b, "start", 0);
        gint64 be = json_object_get_int_member_with_default (b, "end", 0);

        if (as < be && bs < ae)
          return invalid_act (error, _("%s: the spans %s–%s and %s–%s would overlap, and "
                                       "this batch does not allow overlapping spans"),
                              what, num_str (bs).s, num_str (be).s, num_str (as).s,
                              num_str (ae).s);
      }
  return TRUE;
}

static const char *
request_event_kind (RequestKind kind)
{
  switch (kind)
    {
    case REQUEST_SKIP:
      return "skip";
    case REQUEST_UNDO:
    case REQUEST_REDO:
      return "retract";
    case REQUEST_REGION_CREATE:
      return "region.create";
    case REQUEST_REGION_UPDATE:
      return "region.update";
    case REQUEST_REGION_DELETE:
      return "region.delete";
    case REQUEST_SPAN_CREATE:
      return "span.create";
    case REQUEST_SPAN_DELETE:
      return "span.delete";
    case REQUEST_ANSWER:
      return "answer";
    default:
      g_assert_not_reached ();
    }
}

/* The payload of a one-event act, validated against the schema and the
 * item's events. */
static char *
build_single_event (LbStore        *self,
                    LbSchema       *schema,
                    const ItemRef  *ref,
                    Request        *req,
                    GError        **error)
{
  g_autoptr(GArray) rows = NULL;
  g_auto(Derived) d = { 0, };
  char *payload = NULL;
  guint overlap;

  if (req->kind == REQUEST_SKIP)
    return g_strdup ("{}");
  if (req->kind == REQUEST_ANSWER)
    return build_answer_act (schema, req, &payload, error) ? payload : NULL;

  if (!writer_load_item_events (self, req->item_id, &rows, error))
    return NULL;
  overlap = item_overlap (self->wdb, req->item_id);
  /* a lead's correction, like a review, is another person's */
  if (req->role != NULL && actor_did_work (rows, req->actor))
    {
      invalid_act (error, _("%s labelled item “%s” and cannot correct it: corrections are "
                            "another lead’s"), req->actor, ref->external_id);
      return NULL;
    }
  if (req->kind == REQUEST_UNDO || req->kind == REQUEST_REDO)
    {
      payload = req->kind == REQUEST_UNDO ? build_undo (rows, req->actor, error)
                                          : build_redo (rows, req->actor, error);
      if (payload != NULL
          && !check_retract_result (schema, rows, overlap, req, payload, error))
        g_clear_pointer (&payload, g_free);
      /* taking back a lead's act (a review, a correction) is a lead's act */
      req->lead_retract = payload != NULL && retracts_lead_act (rows, payload);
      return payload;
    }

  derive_request_view (rows, overlap, req, &d);
  if (req->kind == REQUEST_SPAN_CREATE || req->kind == REQUEST_SPAN_DELETE)
    return build_span_act (schema, ref, &d, req, &payload, error) ? payload : NULL;
  return build_region_act (schema, ref, &d, req, &payload, error) ? payload : NULL;
}

static gboolean
append_json_event (LbStore        *self,
                   ActContext     *ctx,
                   Request        *req,
                   const ItemRef  *ref,
                   const char     *kind,
                   JsonBuilder    *b,
                   gint64          time_us,
                   GError        **error)
{
  g_autofree char *payload = builder_to_string (b);

  return writer_append_event (self, ctx, req->item_id, ref, req->actor, kind, payload, time_us,
                              req->dwell_ms, error);
}

/* The label, decision and note events of a submission (or of a lead's fix) */
static gboolean
append_submission_events (LbStore        *self,
                          ActContext     *ctx,
                          Request        *req,
                          const ItemRef  *ref,
                          gint64          time_us,
                          GError        **error)
{
  if (req->has_labels)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "labels");
      json_builder_begin_array (b);
      for (guint i = 0; req->labels != NULL && req->labels[i] != NULL; i++)
        json_builder_add_string_value (b, req->labels[i]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      if (!append_json_event (self, ctx, req, ref, "label", b, time_us, error))
        return FALSE;
    }
  if (req->decision != NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "decision");
      json_builder_add_string_value (b, req->decision);
      json_builder_set_member_name (b, "reason");
      if (req->reason != NULL)
        json_builder_add_string_value (b, req->reason);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
      if (!append_json_event (self, ctx, req, ref, "decision", b, time_us, error))
        return FALSE;
    }
  if (req->note != NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      /* "" clears the note (the replay takes it for no note) */
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, req->note);
      json_builder_end_object (b);
      if (!append_json_event (self, ctx, req, ref, "note", b, time_us, error))
        return FALSE;
    }
  for (guint i = 0; req->answers != NULL && req->answers[i] != NULL; i += 2)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "field");
      json_builder_add_string_value (b, req->answers[i]);
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, req->answers[i + 1]);
      json_builder_end_object (b);
      if (!append_json_event (self, ctx, req, ref, "answer", b, time_us, error))
        return FALSE;
    }
  return TRUE;
}

/* The uuids of the annotators' work in effect on the item: what a review
 * looks at */
static GPtrArray *
work_in_effect (GArray *rows)
{
  GPtrArray *uuids = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && row_is_work (row) && g_strcmp0 (row->kind, "review") != 0
          && g_strcmp0 (row->kind, "gold") != 0)
        g_ptr_array_add (uuids, row->uuid);
    }
  return uuids;
}

/* A lead's corrections (role "lead", region.* and span.* events) in effect
 * made after the latest review in effect: what a review act completes */
static GPtrArray *
pending_corrections (GArray *rows)
{
  GPtrArray *uuids = g_ptr_array_new ();
  gint64 after = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && g_strcmp0 (row->kind, "review") == 0)
        after = MAX (after, row->seq);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && !row->retract && row->seq > after
          && g_strcmp0 (row->role, "lead") == 0 && row->kind != NULL
          && (g_str_has_prefix (row->kind, "region.") || g_str_has_prefix (row->kind, "span.")))
        g_ptr_array_add (uuids, row->uuid);
    }
  return uuids;
}

static gboolean
writer_review (LbStore        *self,
               LbSchema       *schema,
               const ItemRef  *ref,
               Request        *req,
               ActContext     *ctx,
               gint64          time_us,
               GError        **error)
{
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) of = NULL;
  g_autoptr(GPtrArray) corrections = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!writer_load_item_events (self, req->item_id, &rows, error))
    return FALSE;
  of = work_in_effect (rows);
  corrections = pending_corrections (rows);
  if (of->len == 0)
    return invalid_act (error, _("Nothing to review: item “%s” of batch “%s” has no "
                                 "annotator’s work"), ref->external_id, ref->batch_name);
  /* a review is another person's look at the work */
  if (actor_did_work (rows, req->actor))
    return invalid_act (error, _("%s labelled item “%s” and cannot review it: the review "
                                 "is another lead’s"), req->actor, ref->external_id);
  if (req->verdict == LB_REVIEW_FIX)
    {
      /* the corrections of a fix: the regions and spans drawn before it
       * (lb_store_correct ()) and/or what it changes itself */
      gboolean changes = req->has_labels || req->decision != NULL || req->note != NULL
                         || (req->answers != NULL && req->answers[0] != NULL);

      if (!changes && corrections->len == 0)
        return invalid_act (error, _("Nothing was corrected in item “%s”: change its labels, "
                                     "decision, note, regions or spans, or accept it as it is"),
                            ref->external_id);
      if (changes && !validate_submission (schema, req, error))
        return FALSE;
    }

  ctx->role = "lead";
  if (!writer_begin_act (self, ctx, error))
    return FALSE;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, lb_review_verdict_to_string (req->verdict));
  json_builder_set_member_name (b, "comment");
  if (req->comment != NULL && *req->comment != '\0')
    json_builder_add_string_value (b, req->comment);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "of");
  json_builder_begin_array (b);
  for (guint i = 0; i < of->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (of, i));
  json_builder_end_array (b);
  if (corrections->len > 0)
    {
      json_builder_set_member_name (b, "corrections");
      json_builder_begin_array (b);
      for (guint i = 0; i < corrections->len; i++)
        json_builder_add_string_value (b, g_ptr_array_index (corrections, i));
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  if (!append_json_event (self, ctx, req, ref, "review", b, time_us, error))
    return FALSE;

  if (req->verdict == LB_REVIEW_FIX)
    return append_submission_events (self, ctx, req, ref, time_us, error);
  return TRUE;
}

static gboolean
writer_gold (LbStore        *self,
             const ItemRef  *ref,
             Request        *req,
             ActContext     *ctx,
             gint64          time_us,
             GError        **error)
{
  g_autoptr(GArray) rows = NULL;
  g_auto(Derived) d = { 0, };
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!writer_load_item_events (self, req->item_id, &rows, error))
    return FALSE;
  derive_item_state (rows, item_overlap (self->wdb, req->item_id), &d);
  if (req->gold && g_strcmp0 (d.review_verdict, "accept") != 0
      && g_strcmp0 (d.review_verdict, "fix") != 0)
    return invalid_act (error, _("Item “%s” of batch “%s” cannot be made gold: only an "
                                 "accepted or fixed item can"), ref->external_id,
                        ref->batch_name);
  if (!req->gold && d.gold == NULL)
    return invalid_act (error, _("Item “%s” of batch “%s” is not marked gold"),
                        ref->external_id, ref->batch_name);

  ctx->role = "lead";
  if (!writer_begin_act (self, ctx, error))
    return FALSE;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "gold");
  json_builder_add_boolean_value (b, req->gold);
  if (req->gold)
    {
      json_builder_set_member_name (b, "answer");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "labels");
      json_builder_begin_array (b);
      for (guint i = 0; d.labels != NULL && i < json_array_get_length (d.labels); i++)
        json_builder_add_string_value (b, json_array_get_string_element (d.labels, i));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "decision");
      if (d.decision != NULL)
        json_builder_add_string_value (b, d.decision);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "reason");
      if (d.reason != NULL)
        json_builder_add_string_value (b, d.reason);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return append_json_event (self, ctx, req, ref, "gold", b, time_us, error);
}

static gboolean
writer_submit (LbStore     *self,
               Request     *req,
               ActContext  *ctx,
               GError     **error)
{
  ItemRef ref = { 0, };
  LbSchema *schema;
  gint64 time_us = req->time_us > 0 ? req->time_us : g_get_real_time ();
  gboolean ok = FALSE;

  if (!writer_lookup_item (self, req->item_id, &ref, error))
    goto out;

  schema = writer_get_schema (self, ref.batch_id, error);
  if (schema == NULL)
    goto out;

  if (req->kind == REQUEST_SUBMIT)
    {
      if (!validate_submission (schema, req, error) || !writer_begin_act (self, ctx, error)
          || !append_submission_events (self, ctx, req, &ref, time_us, error))
        goto out;
    }
  else if (req->kind == REQUEST_REVIEW)
    {
      if (!writer_review (self, schema, &ref, req, ctx, time_us, error))
        goto out;
    }
  else if (req->kind == REQUEST_GOLD)
    {
      if (!writer_gold (self, &ref, req, ctx, time_us, error))
        goto out;
    }
  else
    {
      g_autofree char *payload = build_single_event (self, schema, &ref, req, error);
      gboolean retract = req->kind == REQUEST_UNDO || req->kind == REQUEST_REDO;

      ctx->role = req->lead_retract ? "lead" : req->role;
      if (payload == NULL || !writer_begin_act (self, ctx, error)
          || !writer_append_event (self, ctx, req->item_id, &ref, req->actor,
                                   request_event_kind (req->kind), payload, time_us,
                                   retract ? 0 : req->dwell_ms, error))
        goto out;
    }

  if (!writer_rebuild_state (self, req->item_id, schema, error))
    goto out;

  ok = TRUE;

out:
  item_ref_clear (&ref);
  return ok;
}

/* The batch's schema changed: which decisions flag an item may have too. */
static gboolean
writer_reflag_batch (LbStore  *self,
                     gint64    batch_id,
                     GError  **error)
{
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  LbSchema *schema;
  int rc;

  schema = writer_get_schema (self, batch_id, error);
  if (schema == NULL)
    return FALSE;

  select = prepare (self->wdb,
                    "SELECT s.item_id, s.decision, s.flagged FROM item_state s"
                    " JOIN items i ON i.id = s.item_id"
                    " WHERE i.batch_id = ?1 AND s.decision IS NOT NULL", error);
  update = prepare (self->wdb, "UPDATE item_state SET flagged = ?2 WHERE item_id = ?1", error);
  if (select == NULL || update == NULL)
    return FALSE;
  sqlite3_bind_int64 (select, 1, batch_id);

  while ((rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      gboolean flagged = decision_is_flagged (schema, col_text (select, 1));

      if (flagged == (sqlite3_column_int (select, 2) != 0))
        continue;
      sqlite3_reset (update);
      sqlite3_bind_int64 (update, 1, sqlite3_column_int64 (select, 0));
      sqlite3_bind_int (update, 2, flagged);
      if (sqlite3_step (update) != SQLITE_DONE)
        return set_sqlite_error (error, self->wdb, _("Cannot update the items’ state"));
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot read the items’ state"));

  return TRUE;
}

/* The id of the schema JSON in the schemas table (added when missing). */
static gboolean
writer_schema_id (LbStore     *self,
                  const char  *json,
                  gint64      *schema_id,
                  GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sha = sha256_hex (json, -1);

  stmt = prepare (self->wdb, "INSERT OR IGNORE INTO schemas (sha256, json) VALUES (?1, ?2)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, sha);
  bind_text (stmt, 2, json);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot save the schema"));
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = prepare (self->wdb, "SELECT id FROM schemas WHERE sha256 = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, sha);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return set_sqlite_error (error, self->wdb, _("Cannot save the schema"));
  *schema_id = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* The batch NAME: *found FALSE when there is none. */
static gboolean
writer_find_batch (LbStore     *self,
                   const char  *name,
                   gboolean    *found,
                   gint64      *batch_id,
                   char       **root,
                   gint64      *schema_id,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self->wdb, "SELECT id, schema_id, root FROM batches WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    {
      *batch_id = sqlite3_column_int64 (stmt, 0);
      *schema_id = sqlite3_column_int64 (stmt, 1);
      *root = g_strdup (col_text (stmt, 2));
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot read the batch"));
  return TRUE;
}

/* The folder ROOT (as stored) is the folder NEW_ROOT (whose real path is
 * NEW_REAL, may be NULL) */
static gboolean
same_root (const char *root,
           const char *new_root,
           const char *new_real)
{
  char resolved[PATH_MAX];

  if (g_strcmp0 (root, new_root) == 0)
    return TRUE;
  return root != NULL && new_real != NULL && realpath (root, resolved) != NULL
         && strcmp (resolved, new_real) == 0;
}

static gboolean
writer_ensure_batch (LbStore  *self,
                     Request  *req,
                     GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *default_json = NULL;
  g_autofree char *name = g_strdup (req->name);
  g_autofree char *root = NULL;
  const char *json = req->schema_json;
  gboolean found = FALSE;
  gint64 batch_id = 0;
  gint64 old_schema = 0;
  gint64 schema_id = 0;

  /* the importer's batch: the name with the same root, else the first free
   * NAME-2, NAME-3, ... (a name the user chose is never changed) */
  for (guint n = 1; ; n++)
    {
      if (n > 1)
        {
          g_free (name);
          name = g_strdup_printf ("%s-%u", req->name, n);
        }
      g_clear_pointer (&root, g_free);
      if (!writer_find_batch (self, name, &found, &batch_id, &root, &old_schema, error))
        return FALSE;
      if (!found || !req->for_import || same_root (root, req->root, req->root_real))
        break;
      if (req->name_is_explicit || n >= 10000)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("batch “%s” already exists for %s; choose another name with --name"),
                       name, root);
          return FALSE;
        }
    }

  /* the importer keeps the batch's schema when it was given none */
  if (found && req->for_import && json == NULL)
    {
      req->out_batch_id = batch_id;
      req->out_name = g_steal_pointer (&name);
      return TRUE;
    }

  if (json == NULL)
    {
      g_autoptr(LbSchema) def = lb_schema_new_default ();
      default_json = lb_schema_to_json (def);
      json = default_json;
    }
  if (!writer_schema_id (self, json, &schema_id, error))
    return FALSE;

  if (found)
    {
      if (old_schema != schema_id)
        {
          if (req->for_import)
            {
              gint64 n_events = 0;

              stmt = prepare (self->wdb,
                              "SELECT count(*) FROM events e JOIN items i ON i.id = e.item_id"
                              " WHERE i.batch_id = ?1", error);
              if (stmt == NULL)
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, batch_id);
              if (sqlite3_step (stmt) != SQLITE_ROW)
                return set_sqlite_error (error, self->wdb, _("Cannot read the events"));
              n_events = sqlite3_column_int64 (stmt, 0);
              g_clear_pointer (&stmt, sqlite3_finalize);
              if (n_events > 0)
                {
                  g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                               _("batch “%s” already has decisions under another schema; "
                                 "import under a new --name"), name);
                  return FALSE;
                }
            }

          stmt = prepare (self->wdb, "UPDATE batches SET schema_id = ?1 WHERE id = ?2", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, schema_id);
          sqlite3_bind_int64 (stmt, 2, batch_id);
          if (sqlite3_step (stmt) != SQLITE_DONE)
            return set_sqlite_error (error, self->wdb, _("Cannot update the batch"));
          g_hash_table_remove (self->schemas, &batch_id);
          if (!writer_reflag_batch (self, batch_id, error))
            return FALSE;
        }
      req->out_batch_id = batch_id;
      req->out_name = g_steal_pointer (&name);
      return TRUE;
    }

  stmt = prepare (self->wdb,
                  "INSERT INTO batches (name, root, source, schema_id, created_us)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  bind_text (stmt, 2, req->root != NULL ? req->root : "");
  bind_text (stmt, 3, req->source != NULL ? req->source : "");
  sqlite3_bind_int64 (stmt, 4, schema_id);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot create the batch"));

  req->out_batch_id = sqlite3_last_insert_rowid (self->wdb);
  req->out_name = g_steal_pointer (&name);
  return TRUE;
}

static gboolean
writer_insert_items (LbStore  *self,
                     Request  *req,
                     GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) same_hash = NULL;
  gint64 exists = 0;

  {
    g_autoptr(sqlite3_stmt) check = prepare (self->wdb, "SELECT 1 FROM batches WHERE id = ?1",
                                             error);
    if (check == NULL)
      return FALSE;
    sqlite3_bind_int64 (check, 1, req->batch_id);
    exists = sqlite3_step (check) == SQLITE_ROW;
  }
  if (!exists)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                   _("No batch with id %s in the store"),
                   num_str (req->batch_id).s);
      return FALSE;
    }

  stmt = prepare (self->wdb,
                  "INSERT OR IGNORE INTO items (batch_id, external_id, kind, path, body, meta,"
                  " content_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (stmt == NULL)
    return FALSE;

  req->n_added = 0;
  req->n_existing = 0;

  for (guint i = 0; i < req->n_items; i++)
    {
      const LbNewItem *item = &req->items[i];

      if (item->external_id == NULL)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("Item %u has no id"), i);
          return FALSE;
        }

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, req->batch_id);
      sqlite3_bind_text (stmt, 2, item->external_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, lb_item_kind_to_string (item->kind), -1, SQLITE_STATIC);
      if (item->relative_path != NULL)
        sqlite3_bind_text (stmt, 4, item->relative_path, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 4);
      if (item->text != NULL)
        sqlite3_bind_text (stmt, 5, item->text, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 5);
      if (item->meta_json != NULL)
        sqlite3_bind_text (stmt, 6, item->meta_json, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 6);
      if (item->content_hash != NULL)
        sqlite3_bind_text (stmt, 7, item->content_hash, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (stmt, 7);

      if (sqlite3_step (stmt) != SQLITE_DONE)
        return set_sqlite_error (error, self->wdb, _("Cannot add the items"));

      if (sqlite3_changes (self->wdb) > 0)
        req->n_added++;
      else if (req->conflicts != NULL && item->content_hash != NULL)
        {
          gboolean same = TRUE;

          if (same_hash == NULL)
            same_hash = prepare (self->wdb,
                                 "SELECT content_hash IS ?3 FROM items"
                                 " WHERE batch_id = ?1 AND external_id = ?2", error);
          if (same_hash == NULL)
            return FALSE;
          sqlite3_reset (same_hash);
          sqlite3_bind_int64 (same_hash, 1, req->batch_id);
          sqlite3_bind_text (same_hash, 2, item->external_id, -1, SQLITE_STATIC);
          sqlite3_bind_text (same_hash, 3, item->content_hash, -1, SQLITE_STATIC);
          if (sqlite3_step (same_hash) == SQLITE_ROW)
            same = sqlite3_column_int (same_hash, 0) != 0;
          if (same)
            req->n_existing++;
          else
            g_array_append_val (req->conflicts, i);
        }
      else
        req->n_existing++;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Sync cursors and bundle merges (writer thread)                           */
/* ------------------------------------------------------------------------ */

static gboolean
writer_set_cursor (LbStore  *self,
                   Request  *req,
                   GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 last_seq = 0;

  if (!query_int (self->wdb, "SELECT COALESCE (MAX (seq), 0) FROM events", &last_seq, error))
    return FALSE;
  if (req->cursor_seq > last_seq)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("Sink “%s” cannot confirm event %s: the store’s last event is %s"),
                   req->sink, num_str (req->cursor_seq).s, num_str (last_seq).s);
      return FALSE;
    }

  /* a cursor never moves back */
  stmt = prepare (self->wdb,
                  "INSERT INTO sync_cursors (sink, seq, updated_us) VALUES (?1, ?2, ?3)"
                  " ON CONFLICT (sink) DO UPDATE SET seq = excluded.seq,"
                  " updated_us = excluded.updated_us WHERE excluded.seq > sync_cursors.seq",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, req->sink);
  sqlite3_bind_int64 (stmt, 2, req->cursor_seq);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot save the sync cursor"));
  return TRUE;
}

typedef struct {
  char     *store_head;   /* the seat's last hash in the store, as merged so far */
  char     *bundle_head;  /* the seat's last hash in the bundle so far */
  gint64    appended;
  gint64    unrecorded;   /* events of the seat in the store without a recorded count */
} MergeSeat;

static void
merge_seat_free (gpointer data)
{
  MergeSeat *ms = data;

  g_free (ms->store_head);
  g_free (ms->bundle_head);
  g_free (ms);
}

struct _LbStoreMerge {
  LbStore      *self;
  GHashTable   *seats;          /* seat -> MergeSeat */
  GHashTable   *batches;        /* name -> gint64 id */
  GHashTable   *added_batches;  /* gint64 id -> itself: batches that got items */
  GArray       *changed;        /* of gint64: item ids whose state was rebuilt */
  gint64        first_seq;
  gint64        next_seq;
  char         *act_seat;       /* the last event's seat and act, bundle and local */
  gint64        act_bundle;
  gint64        act_local;
  guint64       n_added;
  guint64       n_present;
  sqlite3_stmt *find_event;
  sqlite3_stmt *find_item;
  sqlite3_stmt *insert_event;
  sqlite3_stmt *item_hash;
  sqlite3_stmt *insert_item;
};

static void
merge_clear (LbStoreMerge *m)
{
  g_clear_pointer (&m->seats, g_hash_table_unref);
  g_clear_pointer (&m->batches, g_hash_table_unref);
  g_clear_pointer (&m->added_batches, g_hash_table_unref);
  g_clear_pointer (&m->changed, g_array_unref);
  g_clear_pointer (&m->act_seat, g_free);
  g_clear_pointer (&m->find_event, sqlite3_finalize);
  g_clear_pointer (&m->find_item, sqlite3_finalize);
  g_clear_pointer (&m->insert_event, sqlite3_finalize);
  g_clear_pointer (&m->item_hash, sqlite3_finalize);
  g_clear_pointer (&m->insert_item, sqlite3_finalize);
}

static gint64 *
boxed_id (gint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

/* TRUE when the two schema texts mean the same schema */
static gboolean
same_schema (const char *a,
             const char *b,
             const char *name)
{
  g_autoptr(LbSchema) sa = NULL;
  g_autoptr(LbSchema) sb = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *cb = NULL;

  if (g_strcmp0 (a, b) == 0)
    return TRUE;
  sa = lb_schema_new_from_data (a, -1, name, NULL);
  sb = lb_schema_new_from_data (b, -1, name, NULL);
  if (sa == NULL || sb == NULL)
    return FALSE;
  ca = lb_schema_to_json (sa);
  cb = lb_schema_to_json (sb);
  return g_strcmp0 (ca, cb) == 0;
}

gboolean
_lb_store_merge_batch (LbStoreMerge   *m,
                       const LbBatch  *batch,
                       GError        **error)
{
  LbStore *self = m->self;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *root = NULL;
  gboolean found = FALSE;
  gint64 batch_id = 0;
  gint64 schema_id = 0;

  g_return_val_if_fail (batch != NULL && batch->name != NULL, FALSE);

  if (*batch->name == '\0' || batch->schema_json == NULL)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("a batch without a name or a schema"));
      return FALSE;
    }
  if (g_hash_table_contains (m->batches, batch->name))
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("batch “%s” is listed twice"), batch->name);
      return FALSE;
    }

  if (!writer_find_batch (self, batch->name, &found, &batch_id, &root, &schema_id, error))
    return FALSE;

  if (found)
    {
      stmt = prepare (self->wdb, "SELECT json FROM schemas WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, schema_id);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        return set_sqlite_error (error, self->wdb, _("Cannot read the batch schema"));
      if (!same_schema (col_text (stmt, 0), batch->schema_json, batch->name))
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_CONFLICT,
                       _("batch “%s” has another schema in the store than in the bundle"),
                       batch->name);
          return FALSE;
        }
    }
  else
    {
      g_autoptr(LbSchema) schema = NULL;
      GError *local = NULL;

      schema = lb_schema_new_from_data (batch->schema_json, -1, batch->name, &local);
      if (schema == NULL)
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                       _("batch “%s”: its schema is not valid: %s"), batch->name,
                       local->message);
          g_error_free (local);
          return FALSE;
        }
      if (!writer_schema_id (self, batch->schema_json, &schema_id, error))
        return FALSE;

      stmt = prepare (self->wdb,
                      "INSERT INTO batches (name, root, source, schema_id, created_us)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, batch->name);
      bind_text (stmt, 2, batch->root != NULL ? batch->root : "");
      bind_text (stmt, 3, batch->source != NULL ? batch->source : "");
      sqlite3_bind_int64 (stmt, 4, schema_id);
      sqlite3_bind_int64 (stmt, 5, batch->created_us != 0 ? batch->created_us
                                                          : g_get_real_time ());
      if (sqlite3_step (stmt) != SQLITE_DONE)
        return set_sqlite_error (error, self->wdb, _("Cannot create the batch"));
      batch_id = sqlite3_last_insert_rowid (self->wdb);
    }

  g_hash_table_insert (m->batches, g_strdup (batch->name), boxed_id (batch_id));
  return TRUE;
}

/* A relative path that stays inside its root */
static gboolean
path_is_confined (const char *path)
{
  g_auto(GStrv) parts = NULL;

  if (path == NULL)
    return TRUE;
  if (*path == '\0' || g_path_is_absolute (path) || strchr (path, '\\') != NULL)
    return FALSE;
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

gboolean
_lb_store_merge_item (LbStoreMerge     *m,
                      const char       *batch,
                      const LbNewItem  *item,
                      GError          **error)
{
  LbStore *self = m->self;
  sqlite3_stmt *stmt;
  gint64 *batch_id;
  int rc;

  g_return_val_if_fail (item != NULL, FALSE);

  batch_id = batch != NULL ? g_hash_table_lookup (m->batches, batch) : NULL;
  if (item->external_id == NULL || *item->external_id == '\0')
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT, _("an item without an id"));
      return FALSE;
    }
  if (batch_id == NULL)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("item “%s”: batch “%s” is not listed before it"),
                   item->external_id, batch != NULL ? batch : "");
      return FALSE;
    }
  if (!path_is_confined (item->relative_path))
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("item “%s”: its path “%s” leaves the batch folder"),
                   item->external_id, item->relative_path);
      return FALSE;
    }

  if (m->item_hash == NULL)
    m->item_hash = prepare (self->wdb, "SELECT content_hash FROM items"
                                       " WHERE batch_id = ?1 AND external_id = ?2", error);
  if (m->item_hash == NULL)
    return FALSE;
  sqlite3_reset (m->item_hash);
  sqlite3_bind_int64 (m->item_hash, 1, *batch_id);
  bind_text (m->item_hash, 2, item->external_id);
  rc = sqlite3_step (m->item_hash);
  if (rc == SQLITE_ROW)
    {
      const char *hash = col_text (m->item_hash, 0);

      if (g_strcmp0 (hash, item->content_hash) != 0)
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_CONFLICT,
                       _("item “%s” of batch “%s” has other content in the store "
                         "(content hash %s, the bundle’s %s)"),
                       item->external_id, batch, hash != NULL ? hash : "-",
                       item->content_hash != NULL ? item->content_hash : "-");
          return FALSE;
        }
      sqlite3_reset (m->item_hash);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot read the item"));
  sqlite3_reset (m->item_hash);

  if (m->insert_item == NULL)
    m->insert_item = prepare (self->wdb,
                              "INSERT INTO items (batch_id, external_id, kind, path, body, meta,"
                              " content_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", error);
  if (m->insert_item == NULL)
    return FALSE;
  stmt = m->insert_item;
  sqlite3_reset (stmt);
  sqlite3_bind_int64 (stmt, 1, *batch_id);
  bind_text (stmt, 2, item->external_id);
  bind_text (stmt, 3, lb_item_kind_to_string (item->kind));
  bind_text (stmt, 4, item->relative_path);
  bind_text (stmt, 5, item->text);
  bind_text (stmt, 6, item->meta_json);
  bind_text (stmt, 7, item->content_hash);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot add the items"));

  if (!g_hash_table_contains (m->added_batches, batch_id))
    {
      gint64 *key = boxed_id (*batch_id);
      g_hash_table_add (m->added_batches, key);
    }
  return TRUE;
}

/* The seat's state in this merge, read from the store the first time */
static MergeSeat *
merge_get_seat (LbStoreMerge  *m,
                const char    *seat,
                GError       **error)
{
  LbStore *self = m->self;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *count_key = NULL;
  MergeSeat *ms;

  ms = g_hash_table_lookup (m->seats, seat);
  if (ms != NULL)
    return ms;

  ms = g_new0 (MergeSeat, 1);
  ms->bundle_head = g_strdup ("");

  stmt = prepare (self->wdb, "SELECT hash FROM events WHERE seat = ?1 ORDER BY seq DESC LIMIT 1",
                  error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, seat);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    ms->store_head = g_strdup (col_text (stmt, 0));
  else
    ms->store_head = g_strdup ("");
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* a seat whose events came before the chains were recorded */
  count_key = g_strdup_printf ("chain:%s:count", seat);
  stmt = prepare (self->wdb, "SELECT 1 FROM meta WHERE key = ?1", error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, count_key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_clear_pointer (&stmt, sqlite3_finalize);
      stmt = prepare (self->wdb, "SELECT count(*) FROM events WHERE seat = ?1", error);
      if (stmt == NULL)
        goto fail;
      bind_text (stmt, 1, seat);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        ms->unrecorded = sqlite3_column_int64 (stmt, 0);
    }

  g_hash_table_insert (m->seats, g_strdup (seat), ms);
  return ms;

fail:
  merge_seat_free (ms);
  return NULL;
}

gboolean
_lb_store_merge_event (LbStoreMerge   *m,
                       const LbEvent  *ev,
                       gboolean       *added,
                       GError        **error)
{
  LbStore *self = m->self;
  g_autofree char *hash = NULL;
  MergeSeat *ms;
  gint64 item_id = 0;
  gint64 act;
  int rc;

  g_return_val_if_fail (ev != NULL, FALSE);

  if (added != NULL)
    *added = FALSE;

  if (ev->uuid == NULL || *ev->uuid == '\0' || ev->seat == NULL || *ev->seat == '\0'
      || ev->actor == NULL || ev->kind == NULL || ev->payload == NULL
      || ev->prev_hash == NULL || ev->hash == NULL)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("event %s: a field is missing"), ev->uuid != NULL ? ev->uuid : "?");
      return FALSE;
    }

  ms = merge_get_seat (m, ev->seat, error);
  if (ms == NULL)
    return FALSE;

  /* the bundle's own chain: linked and unaltered */
  if (strcmp (ev->prev_hash, ms->bundle_head) != 0)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   *ms->bundle_head == '\0'
                     ? _("event %s: seat %s’s chain does not start here (its previous hash "
                         "is not empty)")
                     : _("event %s: its previous hash does not match seat %s’s previous event"),
                   ev->uuid, ev->seat);
      return FALSE;
    }
  hash = compute_event_hash (ev->prev_hash, ev->uuid, ev->seat, ev->batch, ev->item, ev->actor,
                             ev->role, ev->kind, ev->payload, ev->time_us, ev->dwell_ms);
  if (strcmp (hash, ev->hash) != 0)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("event %s: its hash does not match its contents"), ev->uuid);
      return FALSE;
    }
  g_free (ms->bundle_head);
  ms->bundle_head = g_strdup (ev->hash);

  /* already in the store? */
  if (m->find_event == NULL)
    m->find_event = prepare (self->wdb, "SELECT seat, hash, act FROM events WHERE uuid = ?1",
                             error);
  if (m->find_event == NULL)
    return FALSE;
  sqlite3_reset (m->find_event);
  bind_text (m->find_event, 1, ev->uuid);
  rc = sqlite3_step (m->find_event);
  if (rc == SQLITE_ROW)
    {
      if (g_strcmp0 (col_text (m->find_event, 0), ev->seat) != 0
          || g_strcmp0 (col_text (m->find_event, 1), ev->hash) != 0
          || ms->appended > 0)
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORK,
                       _("seat %s: the store’s chain and the bundle’s differ at event %s"),
                       ev->seat, ev->uuid);
          return FALSE;
        }
      g_free (m->act_seat);
      m->act_seat = g_strdup (ev->seat);
      m->act_bundle = ev->act;
      m->act_local = sqlite3_column_int64 (m->find_event, 2);
      m->n_present++;
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot read the events"));

  /* new: it must continue the seat's chain as the store has it */
  if (strcmp (ev->prev_hash, ms->store_head) != 0)
    {
      g_autoptr(sqlite3_stmt) other = NULL;
      g_autofree char *other_uuid = NULL;

      /* the store's event in that place of the chain */
      other = prepare (self->wdb, "SELECT uuid FROM events WHERE seat = ?1 AND prev_hash = ?2"
                                  " ORDER BY seq LIMIT 1", error);
      if (other == NULL)
        return FALSE;
      bind_text (other, 1, ev->seat);
      bind_text (other, 2, ev->prev_hash);
      if (sqlite3_step (other) == SQLITE_ROW)
        other_uuid = g_strdup (col_text (other, 0));
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORK,
                   _("seat %s: the store’s chain and the bundle’s differ from event %s on "
                     "(the store has event %s there); the seat’s store was copied or "
                     "restored and both copies went on"),
                   ev->seat, ev->uuid, other_uuid != NULL ? other_uuid : "-");
      return FALSE;
    }

  if (ev->item != NULL)
    {
      if (m->find_item == NULL)
        m->find_item = prepare (self->wdb,
                                "SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id"
                                " WHERE b.name = ?1 AND i.external_id = ?2", error);
      if (m->find_item == NULL)
        return FALSE;
      sqlite3_reset (m->find_item);
      bind_text (m->find_item, 1, ev->batch);
      bind_text (m->find_item, 2, ev->item);
      rc = sqlite3_step (m->find_item);
      if (rc == SQLITE_ROW)
        item_id = sqlite3_column_int64 (m->find_item, 0);
      else if (rc == SQLITE_DONE)
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                       _("event %s: item “%s” of batch “%s” is not listed in the bundle"),
                       ev->uuid, ev->item, ev->batch != NULL ? ev->batch : "");
          return FALSE;
        }
      else
        return set_sqlite_error (error, self->wdb, _("Cannot read the item"));
    }

  if (m->next_seq == 0)
    {
      gint64 max_seq = 0;

      if (!query_int (self->wdb, "SELECT COALESCE (MAX (seq), 0) FROM events", &max_seq, error))
        return FALSE;
      m->first_seq = m->next_seq = max_seq + 1;
    }

  /* the events of one act are consecutive in any store: a new act starts
   * when the seat or the bundle's act number changes */
  if (m->act_seat != NULL && strcmp (m->act_seat, ev->seat) == 0 && m->act_bundle == ev->act)
    act = m->act_local;
  else
    act = m->next_seq;
  g_free (m->act_seat);
  m->act_seat = g_strdup (ev->seat);
  m->act_bundle = ev->act;
  m->act_local = act;

  if (m->insert_event == NULL)
    m->insert_event = prepare (self->wdb,
                               "INSERT INTO events (seq, uuid, seat, item_id, actor, role, kind,"
                               " payload, time_us, dwell_ms, act, prev_hash, hash)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                               error);
  if (m->insert_event == NULL)
    return FALSE;
  sqlite3_reset (m->insert_event);
  sqlite3_bind_int64 (m->insert_event, 1, m->next_seq);
  bind_text (m->insert_event, 2, ev->uuid);
  bind_text (m->insert_event, 3, ev->seat);
  if (item_id != 0)
    sqlite3_bind_int64 (m->insert_event, 4, item_id);
  else
    sqlite3_bind_null (m->insert_event, 4);
  bind_text (m->insert_event, 5, ev->actor);
  bind_text (m->insert_event, 6, ev->role != NULL ? ev->role : "");
  bind_text (m->insert_event, 7, ev->kind);
  bind_text (m->insert_event, 8, ev->payload);
  sqlite3_bind_int64 (m->insert_event, 9, ev->time_us);
  sqlite3_bind_int64 (m->insert_event, 10, ev->dwell_ms);
  sqlite3_bind_int64 (m->insert_event, 11, act);
  bind_text (m->insert_event, 12, ev->prev_hash);
  bind_text (m->insert_event, 13, ev->hash);
  if (sqlite3_step (m->insert_event) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot append the event"));

  m->next_seq++;
  ms->appended++;
  g_free (ms->store_head);
  ms->store_head = g_strdup (ev->hash);
  m->n_added++;
  if (added != NULL)
    *added = TRUE;
  return TRUE;
}

/* After the bundle was read: the chains recorded, the touched items rebuilt */
static gboolean
writer_finish_merge (LbStore       *self,
                     LbStoreMerge  *m,
                     GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int rc;

  g_hash_table_iter_init (&iter, m->seats);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      MergeSeat *ms = value;

      if (ms->appended > 0
          && !record_chain (self->wdb, key, ms->appended + ms->unrecorded, ms->store_head,
                            error))
        return FALSE;
    }

  if (m->first_seq == 0)
    return TRUE;

  stmt = prepare (self->wdb,
                  "SELECT DISTINCT e.item_id, i.batch_id FROM events e"
                  " JOIN items i ON i.id = e.item_id WHERE e.seq >= ?1 ORDER BY e.item_id",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, m->first_seq);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 item_id = sqlite3_column_int64 (stmt, 0);
      LbSchema *schema = writer_get_schema (self, sqlite3_column_int64 (stmt, 1), error);

      if (schema == NULL || !writer_rebuild_state (self, item_id, schema, error))
        return FALSE;
      g_array_append_val (m->changed, item_id);
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot read the events"));
  return TRUE;
}

static gboolean
writer_merge (LbStore  *self,
              Request  *req,
              GError  **error)
{
  LbStoreMerge *m = g_new0 (LbStoreMerge, 1);

  m->self = self;
  m->seats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, merge_seat_free);
  m->batches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->added_batches = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  m->changed = g_array_new (FALSE, FALSE, sizeof (gint64));
  req->merge = m;

  if (!req->merge_func (m, req->merge_data, error))
    return FALSE;
  g_clear_pointer (&m->find_event, sqlite3_finalize);
  g_clear_pointer (&m->find_item, sqlite3_finalize);
  g_clear_pointer (&m->insert_event, sqlite3_finalize);
  g_clear_pointer (&m->item_hash, sqlite3_finalize);
  g_clear_pointer (&m->insert_item, sqlite3_finalize);
  if (!writer_finish_merge (self, m, error))
    return FALSE;

  req->n_merged = m->n_added;
  req->n_present = m->n_present;
  return TRUE;
}

static gboolean
writer_set_overlap (LbStore  *self,
                    Request  *req,
                    GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *name = NULL;
  g_autofree char *key = NULL;
  g_autofree char *value = g_strdup_printf ("%u", (guint) req->cursor_seq);
  int rc;

  stmt = prepare (self->wdb, "SELECT name FROM batches WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, req->batch_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                     _("No batch with id %s in the store"), num_str (req->batch_id).s);
      else
        set_sqlite_error (error, self->wdb, _("Cannot read the batch"));
      return FALSE;
    }
  name = g_strdup (col_text (stmt, 0));
  g_clear_pointer (&stmt, sqlite3_finalize);

  key = g_strconcat ("overlap:", name, NULL);
  stmt = prepare (self->wdb, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  bind_text (stmt, 2, value);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot save the batch’s overlap"));
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* the states of items several annotators did depend on it */
  {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    LbSchema *schema = writer_get_schema (self, req->batch_id, error);

    if (schema == NULL)
      return FALSE;
    stmt = prepare (self->wdb,
                    "SELECT DISTINCT e.item_id FROM events e JOIN items i ON i.id = e.item_id"
                    " WHERE i.batch_id = ?1 ORDER BY e.item_id", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, req->batch_id);
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 id = sqlite3_column_int64 (stmt, 0);

        g_array_append_val (ids, id);
      }
    if (rc != SQLITE_DONE)
      return set_sqlite_error (error, self->wdb, _("Cannot read the events"));
    for (guint i = 0; i < ids->len; i++)
      if (!writer_rebuild_state (self, g_array_index (ids, gint64, i), schema, error))
        return FALSE;
  }
  return TRUE;
}

static gboolean
writer_set_root (LbStore  *self,
                 Request  *req,
                 GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self->wdb, "UPDATE batches SET root = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, req->batch_id);
  bind_text (stmt, 2, req->root);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (error, self->wdb, _("Cannot save the batch’s folder"));
  if (sqlite3_changes (self->wdb) == 0)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                   _("No batch with id %s in the store"), num_str (req->batch_id).s);
      return FALSE;
    }
  return TRUE;
}

static void
writer_run (LbStore *self,
            Request *req)
{
  ActContext ctx = { 0, };
  GError *error = NULL;
  gboolean ok;

  g_mutex_lock (&self->state_lock);
  if (self->damage != NULL)
    error = g_error_copy (self->damage);
  g_mutex_unlock (&self->state_lock);
  if (error != NULL)
    {
      /* the integrity check failed: nothing is written into a damaged file */
      req->ok = FALSE;
      req->error = error;
      complete_request (self, req);
      return;
    }

  if (req->task != NULL && g_cancellable_set_error_if_cancelled (g_task_get_cancellable (req->task),
                                                                 &error))
    {
      /* cancelled before it started: nothing was written */
      req->ok = FALSE;
      req->error = error;
      complete_request (self, req);
      return;
    }

  if (!exec_sql (self->wdb, "BEGIN IMMEDIATE", &error))
    {
      req->ok = FALSE;
      req->error = error;
      complete_request (self, req);
      return;
    }

  switch (req->kind)
    {
    case REQUEST_ENSURE_BATCH:
      ok = writer_ensure_batch (self, req, &error);
      break;
    case REQUEST_INSERT_ITEMS:
      ok = writer_insert_items (self, req, &error);
      break;
    case REQUEST_SET_CURSOR:
      ok = writer_set_cursor (self, req, &error);
      break;
    case REQUEST_MERGE:
      ok = writer_merge (self, req, &error);
      break;
    case REQUEST_SET_OVERLAP:
      ok = writer_set_overlap (self, req, &error);
      break;
    case REQUEST_SET_ROOT:
      ok = writer_set_root (self, req, &error);
      break;
    case REQUEST_SUBMIT:
    case REQUEST_SKIP:
    case REQUEST_UNDO:
    case REQUEST_REDO:
    case REQUEST_REGION_CREATE:
    case REQUEST_REGION_UPDATE:
    case REQUEST_REGION_DELETE:
    case REQUEST_SPAN_CREATE:
    case REQUEST_SPAN_DELETE:
    case REQUEST_ANSWER:
    case REQUEST_REVIEW:
    case REQUEST_GOLD:
      ok = writer_submit (self, req, &ctx, &error);
      break;
    case REQUEST_STOP:
    default:
      g_assert_not_reached ();
    }

  if (ok)
    ok = exec_sql (self->wdb, "COMMIT", &error);

  if (!ok)
    {
      if (req->merge != NULL)
        {
          /* schemas cached for batches the rollback takes away */
          g_hash_table_remove_all (self->schemas);
          merge_clear (req->merge);
          g_clear_pointer (&req->merge, g_free);
        }
      sqlite3_exec (self->wdb, "ROLLBACK", NULL, NULL, NULL);
      g_clear_pointer (&ctx.prev_hash, g_free);
      req->ok = FALSE;
      req->error = error;
      complete_request (self, req);
      return;
    }

  /* committed */
  if (ctx.prev_hash != NULL)
    {
      g_free (self->last_hash);
      self->last_hash = g_steal_pointer (&ctx.prev_hash);
    }

  if (req->merge != NULL)
    {
      LbStoreMerge *m = req->merge;
      MergeSeat *own = g_hash_table_lookup (m->seats, self->seat_id);
      GHashTableIter iter;
      gpointer key;

      /* the bundle may have carried this seat's own events (a restored store) */
      if (own != NULL && own->appended > 0)
        {
          g_free (self->last_hash);
          self->last_hash = g_strdup (own->store_head);
        }
      g_hash_table_iter_init (&iter, m->added_batches);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        schedule_emission (self, SIGNAL_ITEMS_ADDED, *(gint64 *) key);
      for (guint i = 0; i < m->changed->len; i++)
        schedule_emission (self, SIGNAL_ITEM_CHANGED, g_array_index (m->changed, gint64, i));
      merge_clear (m);
      g_clear_pointer (&req->merge, g_free);
    }

  if (req->kind == REQUEST_INSERT_ITEMS && req->n_added > 0)
    schedule_emission (self, SIGNAL_ITEMS_ADDED, req->batch_id);
  else if (REQUEST_IS_ACT (req->kind))
    schedule_emission (self, SIGNAL_ITEM_CHANGED, req->item_id);

  req->ok = TRUE;
  complete_request (self, req);
}

static gboolean check_quick (LbStore *self, sqlite3 *db, GError **error);

static gpointer
writer_thread (gpointer data)
{
  LbStore *self = data;

  /* The integrity check of an existing store, off the opener's path: a
   * 1M-item store takes 0.3 s warm, seconds cold. Requests wait for it. */
  if (self->check_pending)
    {
      GError *damage = NULL;

      if (!check_quick (self, self->wdb, &damage))
        {
          g_debug ("integrity check failed: %s", damage->message);
          g_mutex_lock (&self->state_lock);
          self->damage = damage;
          g_mutex_unlock (&self->state_lock);
          schedule_emission (self, SIGNAL_DAMAGED, 0);
        }
    }

  for (;;)
    {
      Request *req = g_async_queue_pop (self->queue);

      if (req->kind == REQUEST_STOP)
        {
          request_free (req);
          break;
        }

      writer_run (self, req);
    }

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Open and close                                                           */
/* ------------------------------------------------------------------------ */

static gboolean
acquire_lock (LbStore  *self,
              GError  **error)
{
  g_autofree char *lock_path = g_strconcat (self->path, ".lock", NULL);
  char buf[32];
  int fd;

  fd = g_open (lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  self->lock_created = fd >= 0;
  if (fd < 0 && errno == EEXIST)
    fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN,
                   _("Cannot create the lock file “%s”: %s"), lock_path, g_strerror (saved));
      return FALSE;
    }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      ssize_t n;

      if (saved == EWOULDBLOCK)
        {
          long pid = 0;

          n = pread (fd, buf, sizeof buf - 1, 0);
          if (n > 0)
            {
              buf[n] = '\0';
              pid = strtol (buf, NULL, 10);
            }
          if (pid > 0)
            g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_LOCKED,
                         _("“%s” is already open for writing by another Labelbench process "
                           "(pid %ld)"), self->path, pid);
          else
            g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_LOCKED,
                         _("“%s” is already open for writing by another Labelbench process"),
                         self->path);
        }
      else
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN,
                     _("Cannot lock “%s”: %s"), lock_path, g_strerror (saved));
      close (fd);
      return FALSE;
    }

  g_snprintf (buf, sizeof buf, "%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, buf, strlen (buf), 0) < 0)
    g_debug ("Cannot write the pid into %s: %s", lock_path, g_strerror (errno));

  self->lock_fd = fd;
  return TRUE;
}

static void
release_lock (LbStore *self)
{
  if (self->lock_fd >= 0)
    {
      /* The file stays: removing it would race with another opener. */
      flock (self->lock_fd, LOCK_UN);
      close (self->lock_fd);
      self->lock_fd = -1;
    }
}

/* A file that exists and is not empty must start with the SQLite header. */
static gboolean
check_header (const char  *path,
              GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  char buf[16];
  ssize_t n;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return TRUE;  /* missing: SQLite reports what is wrong */

  n = read (fd, buf, sizeof buf);
  close (fd);

  if (n == 0)
    return TRUE;
  if (n != (ssize_t) sizeof buf || memcmp (buf, magic, sizeof magic) != 0)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                   _("“%s” is not a Labelbench store (not an SQLite database); "
                     "it was left as it is"), path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_connection (LbStore   *self,
                 gboolean   read_only,
                 sqlite3  **db_out,
                 GError   **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_NOMUTEX;
  int rc;

  flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  rc = sqlite3_open_v2 (self->path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                     _("“%s” is damaged: %s"), self->path, sqlite3_errstr (rc));
      else
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN,
                     _("Cannot open “%s”: %s"), self->path,
                     db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return FALSE;
    }

  sqlite3_busy_timeout (db, LB_STORE_BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (db, 0);
  *db_out = db;
  return TRUE;
}

static gboolean
add_file_to_error (GError     **error,
                   const char  *path,
                   gboolean     ok,
                   GError      *local)
{
  if (ok)
    return TRUE;
  if (local->domain == LB_STORE_ERROR && local->code == LB_STORE_ERROR_CORRUPT)
    g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                 _("“%s” is damaged: %s"), path, local->message);
  else
    g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
  g_error_free (local);
  return FALSE;
}

/* SQLite's report of a damaged file can run to pages: its first two
 * findings, in at most 200 characters (`labelbench-cli verify` and the
 * sqlite3 shell give the rest) */
static char *
quick_check_summary (const char *report)
{
  g_auto(GStrv) lines = g_strsplit (report != NULL ? report : "", "\n", 0);
  GString *s = g_string_new (NULL);
  guint n = 0, more = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || g_str_has_prefix (lines[i], "*** in database"))
        continue;
      if (n == 2)
        {
          more++;
          continue;
        }
      if (n++ > 0)
        g_string_append (s, "; ");
      g_string_append (s, lines[i]);
    }
  if (s->len > 200)
    {
      const char *cut = g_utf8_find_prev_char (s->str, s->str + 200);

      g_string_truncate (s, cut != NULL ? (gsize) (cut - s->str) : 200);
      g_string_append (s, "…");
    }
  else if (more > 0)
    g_string_append (s, "; …");
  return g_string_free (s, FALSE);
}

static gboolean
check_quick (LbStore  *self,
             sqlite3  *db,
             GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GError *local = NULL;
  int rc;

  stmt = prepare (db, "PRAGMA quick_check", &local);
  if (stmt == NULL)
    return add_file_to_error (error, self->path, FALSE, local);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_sqlite_error (&local, db, _("Quick check failed"));
      return add_file_to_error (error, self->path, FALSE, local);
    }
  if (g_strcmp0 (col_text (stmt, 0), "ok") != 0)
    {
      g_autofree char *first = quick_check_summary (col_text (stmt, 0));

      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                   _("“%s” is damaged (quick check: %s); it was left as it is"),
                   self->path, first);
      return FALSE;
    }
  return TRUE;
}

/* Checks the version and application id; *version is the user_version. */
static gboolean
check_version (LbStore  *self,
               sqlite3  *db,
               int      *version,
               GError  **error)
{
  gint64 user_version = 0;
  gint64 app_id = 0;
  gint64 n_tables = 0;
  GError *local = NULL;

  if (!query_int (db, "PRAGMA user_version", &user_version, &local)
      || !query_int (db, "PRAGMA application_id", &app_id, &local)
      || !query_int (db, "SELECT count(*) FROM sqlite_master", &n_tables, &local))
    return add_file_to_error (error, self->path, FALSE, local);

  if (app_id != LB_STORE_APPLICATION_ID && (user_version != 0 || n_tables != 0))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                   _("“%s” is an SQLite database but not a Labelbench store; "
                     "it was left as it is"), self->path);
      return FALSE;
    }

  if (user_version > LB_STORE_VERSION)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_TOO_NEW,
                   _("“%s” was made by a newer Labelbench (store version %d, this one "
                     "knows up to %d); update Labelbench to open it"),
                   self->path, (int) user_version, LB_STORE_VERSION);
      return FALSE;
    }

  *version = (int) user_version;
  return TRUE;
}

static gboolean
add_missing_columns (sqlite3  *db,
                     int       version,
                     GError  **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (added_columns); i++)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;
      g_autofree char *sql = NULL;
      gint64 present = 0;

      if (added_columns[i].version != version)
        continue;
      stmt = prepare (db, "SELECT count(*) FROM pragma_table_info ('item_state') WHERE name = ?1",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, added_columns[i].name);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        return set_sqlite_error (error, db, _("Cannot read the table’s columns"));
      present = sqlite3_column_int64 (stmt, 0);
      if (present > 0)
        continue;
      /* names and types are constants of this file, not input */
      sql = g_strdup_printf ("ALTER TABLE item_state ADD COLUMN %s %s", added_columns[i].name,
                             added_columns[i].type);
      if (!exec_sql (db, sql, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (LbStore  *self,
         int       version,
         GError  **error)
{
  for (int v = version; v < LB_STORE_VERSION; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", v + 1);
      g_autofree char *set_app_id = g_strdup_printf ("PRAGMA application_id = %d",
                                                     LB_STORE_APPLICATION_ID);
      GError *local = NULL;

      if (!exec_sql (self->wdb, "BEGIN IMMEDIATE", &local))
        return add_file_to_error (error, self->path, FALSE, local);

      if (!add_missing_columns (self->wdb, v + 1, &local)
          || !exec_sql (self->wdb, migrations[v], &local)
          || !exec_sql (self->wdb, set_app_id, &local)
          || !exec_sql (self->wdb, set_version, &local)
          || !exec_sql (self->wdb, "COMMIT", &local))
        {
          sqlite3_exec (self->wdb, "ROLLBACK", NULL, NULL, NULL);
          g_prefix_error (&local, _("Cannot upgrade the store to version %d: "), v + 1);
          return add_file_to_error (error, self->path, FALSE, local);
        }
    }

  return TRUE;
}

static gboolean
init_meta (LbStore  *self,
           GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *seat = g_uuid_string_random ();
  g_autofree char *created = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());

  if (!exec_sql (self->wdb, "BEGIN IMMEDIATE", error))
    return FALSE;

  stmt = prepare (self->wdb, "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, "seat_id");
  bind_text (stmt, 2, seat);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (error, self->wdb, _("Cannot initialise the store"));
      goto fail;
    }
  sqlite3_reset (stmt);
  bind_text (stmt, 1, "created_us");
  bind_text (stmt, 2, created);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (error, self->wdb, _("Cannot initialise the store"));
      goto fail;
    }

  return exec_sql (self->wdb, "COMMIT", error);

fail:
  sqlite3_exec (self->wdb, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
load_seat (LbStore  *self,
           sqlite3  *db,
           GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (db, "SELECT value FROM meta WHERE key = 'seat_id'", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                   _("“%s” has no seat id; it is not a complete Labelbench store"), self->path);
      return FALSE;
    }
  self->seat_id = g_strdup (col_text (stmt, 0));
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!self->read_only)
    {
      stmt = prepare (db, "SELECT hash FROM events WHERE seat = ?1 ORDER BY seq DESC LIMIT 1",
                      error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, self->seat_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        self->last_hash = g_strdup (col_text (stmt, 0));
      else
        self->last_hash = g_strdup ("");
      g_clear_pointer (&stmt, sqlite3_finalize);

      /* a store from before the chain was recorded: record it as it is */
      {
        g_autofree char *count_key = g_strdup_printf ("chain:%s:count", self->seat_id);
        gint64 recorded = 0, n_events = 0;

        stmt = prepare (db, "SELECT count(*) FROM meta WHERE key = ?1", error);
        if (stmt == NULL)
          return FALSE;
        bind_text (stmt, 1, count_key);
        if (sqlite3_step (stmt) == SQLITE_ROW)
          recorded = sqlite3_column_int64 (stmt, 0);
        g_clear_pointer (&stmt, sqlite3_finalize);

        if (recorded == 0)
          {
            stmt = prepare (db, "SELECT count(*) FROM events WHERE seat = ?1", error);
            if (stmt == NULL)
              return FALSE;
            bind_text (stmt, 1, self->seat_id);
            if (sqlite3_step (stmt) == SQLITE_ROW)
              n_events = sqlite3_column_int64 (stmt, 0);
            g_clear_pointer (&stmt, sqlite3_finalize);
            if (!exec_sql (db, "BEGIN IMMEDIATE", error))
              return FALSE;
            if (!record_chain (db, self->seat_id, n_events, self->last_hash, error))
              {
                sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
                return FALSE;
              }
            if (!exec_sql (db, "COMMIT", error))
              return FALSE;
          }
      }
    }

  return TRUE;
}

/* The steps of lb_store_open() after the lock is taken. */
static gboolean
open_writable (LbStore  *self,
               int       version,
               GError  **error)
{
  if (!check_header (self->path, error))
    return FALSE;
  if (!open_connection (self, FALSE, &self->wdb, error))
    return FALSE;

  /* look before changing anything in the file: a store to migrate is
   * checked now; one of this version by the writer thread before its first
   * write (lb_store_dup_damage ()) */
  if (!check_version (self, self->wdb, &version, error))
    return FALSE;
  if (version == LB_STORE_VERSION)
    self->check_pending = TRUE;
  else if (!check_quick (self, self->wdb, error))
    return FALSE;

  {
    GError *local = NULL;
    gboolean ok = exec_sql (self->wdb, "PRAGMA journal_mode = WAL", &local)
                  && exec_sql (self->wdb, "PRAGMA synchronous = FULL", &local)
                  && exec_sql (self->wdb, "PRAGMA foreign_keys = ON", &local)
                  && exec_sql (self->wdb, "PRAGMA cache_size = -32768", &local);
    if (!add_file_to_error (error, self->path, ok, local))
      return FALSE;
  }

  if (!migrate (self, version, error)
      || !init_meta (self, error)
      || !load_seat (self, self->wdb, error))
    return FALSE;

  return TRUE;
}

LbStore *
lb_store_open (const char        *path,
               LbStoreOpenFlags   flags,
               GError           **error)
{
  g_autoptr(LbStore) self = NULL;
  int version = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (LB_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->read_only = (flags & LB_STORE_OPEN_READ_ONLY) != 0;
  self->context = g_main_context_ref_thread_default ();

  if (self->read_only)
    {
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN,
                       _("There is no store at “%s”"), path);
          return NULL;
        }
      if (!check_header (path, error))
        return NULL;
      if (!open_connection (self, TRUE, &self->rdb, error)
          || !check_quick (self, self->rdb, error)
          || !check_version (self, self->rdb, &version, error))
        return NULL;
      if (version < LB_STORE_VERSION)
        {
          g_set_error (error, LB_STORE_ERROR, version == 0 ? LB_STORE_ERROR_CORRUPT
                                                           : LB_STORE_ERROR_OPEN,
                       version == 0
                         ? _("“%s” is not a Labelbench store")
                         : _("“%s” needs an upgrade; open it once for writing"), path);
          return NULL;
        }
      if (!load_seat (self, self->rdb, error))
        return NULL;
      return g_steal_pointer (&self);
    }

  if ((flags & LB_STORE_OPEN_EXISTING) != 0 && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN,
                   _("No store at “%s”"), path);
      return NULL;
    }

  {
    g_autofree char *dir = g_path_get_dirname (path);

    if (g_mkdir_with_parents (dir, 0755) != 0)
      {
        int saved = errno;
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN,
                     _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved));
        return NULL;
      }
  }

  if (!acquire_lock (self, error))
    return NULL;
  if (!open_writable (self, version, error))
    {
      /* a file that is no store keeps no .lock beside it */
      if (self->lock_created)
        {
          g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
          g_unlink (lock_path);
        }
      return NULL;
    }

  if (!open_connection (self, TRUE, &self->rdb, error))
    return NULL;

  self->schemas = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify) lb_schema_unref);
  self->queue = g_async_queue_new ();
  self->writer = g_thread_new ("lb-store-writer", writer_thread, self);

  return g_steal_pointer (&self);
}

void
lb_store_close (LbStore *self)
{
  GThread *writer;

  g_return_if_fail (LB_IS_STORE (self));

  g_mutex_lock (&self->state_lock);
  writer = g_steal_pointer (&self->writer);
  if (writer != NULL)
    g_async_queue_push (self->queue, request_new (REQUEST_STOP));
  g_mutex_unlock (&self->state_lock);

  if (writer != NULL)
    g_thread_join (writer);

  g_mutex_lock (&self->state_lock);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_mutex_unlock (&self->state_lock);

  g_mutex_lock (&self->read_lock);
  g_clear_pointer (&self->get_item_stmt, sqlite3_finalize);
  g_clear_pointer (&self->rdb, sqlite3_close);
  g_mutex_unlock (&self->read_lock);

  g_clear_pointer (&self->wdb, sqlite3_close);
  g_clear_pointer (&self->schemas, g_hash_table_unref);

  release_lock (self);
}

static void
lb_store_dispose (GObject *object)
{
  LbStore *self = LB_STORE (object);

  g_mutex_lock (&self->emit_lock);
  self->disposing = TRUE;
  g_mutex_unlock (&self->emit_lock);

  lb_store_close (self);

  G_OBJECT_CLASS (lb_store_parent_class)->dispose (object);
}

static void
lb_store_finalize (GObject *object)
{
  LbStore *self = LB_STORE (object);

  g_free (self->path);
  g_free (self->seat_id);
  g_free (self->last_hash);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->pending, g_array_unref);
  g_mutex_clear (&self->read_lock);
  g_clear_error (&self->damage);
  g_mutex_clear (&self->state_lock);
  g_mutex_clear (&self->emit_lock);

  G_OBJECT_CLASS (lb_store_parent_class)->finalize (object);
}

static void
lb_store_class_init (LbStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lb_store_dispose;
  object_class->finalize = lb_store_finalize;

  signals[SIGNAL_ITEM_CHANGED] =
    g_signal_new ("item-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_ITEMS_ADDED] =
    g_signal_new ("items-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_DAMAGED] =
    g_signal_new ("damaged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
lb_store_init (LbStore *self)
{
  self->lock_fd = -1;
  g_mutex_init (&self->read_lock);
  g_mutex_init (&self->state_lock);
  g_mutex_init (&self->emit_lock);
}

GError *
lb_store_dup_damage (LbStore *self)
{
  GError *damage = NULL;

  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  g_mutex_lock (&self->state_lock);
  if (self->damage != NULL)
    damage = g_error_copy (self->damage);
  g_mutex_unlock (&self->state_lock);
  return damage;
}

const char *
lb_store_get_path (LbStore *self)
{
  g_return_val_if_fail (LB_IS_STORE (self), NULL);
  return self->path;
}

const char *
lb_store_get_seat_id (LbStore *self)
{
  g_return_val_if_fail (LB_IS_STORE (self), NULL);
  return self->seat_id;
}

gboolean
lb_store_is_read_only (LbStore *self)
{
  g_return_val_if_fail (LB_IS_STORE (self), TRUE);
  return self->read_only;
}

/* ------------------------------------------------------------------------ */
/* Reads                                                                    */
/* ------------------------------------------------------------------------ */

static gboolean
check_open_for_read (LbStore  *self,
                     GError  **error)
{
  if (self->rdb == NULL)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED,
                   _("The store “%s” is closed"), self->path);
      return FALSE;
    }
  return TRUE;
}

#define BATCH_COLUMNS "b.id, b.name, b.root, b.source, s.json, b.created_us"
#define BATCH_FROM " FROM batches b JOIN schemas s ON s.id = b.schema_id"

static LbBatch *
batch_from_row (sqlite3_stmt *stmt)
{
  LbBatch *batch = g_new0 (LbBatch, 1);

  batch->id = sqlite3_column_int64 (stmt, 0);
  batch->name = g_strdup (col_text (stmt, 1));
  batch->root = g_strdup (col_text (stmt, 2));
  batch->source = g_strdup (col_text (stmt, 3));
  batch->schema_json = g_strdup (col_text (stmt, 4));
  batch->created_us = sqlite3_column_int64 (stmt, 5);
  return batch;
}

GPtrArray *
lb_store_list_batches (LbStore  *self,
                       GError  **error)
{
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_batch_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  g_mutex_lock (&self->read_lock);
  if (!check_open_for_read (self, error))
    ok = FALSE;
  else if ((stmt = prepare (self->rdb, "SELECT " BATCH_COLUMNS BATCH_FROM " ORDER BY b.id",
                            error)) == NULL)
    ok = FALSE;
  else
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (batches, batch_from_row (stmt));
      if (rc != SQLITE_DONE)
        ok = set_sqlite_error (error, self->rdb, _("Cannot read the batches"));
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_mutex_unlock (&self->read_lock);

  return ok ? g_steal_pointer (&batches) : NULL;
}

static LbBatch *
read_batch (LbStore    *self,
            const char *name,
            gint64      batch_id,
            GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  LbBatch *batch = NULL;
  int rc;

  g_mutex_lock (&self->read_lock);
  if (!check_open_for_read (self, error))
    goto out;
  if (name != NULL)
    stmt = prepare (self->rdb, "SELECT " BATCH_COLUMNS BATCH_FROM " WHERE b.name = ?1", error);
  else
    stmt = prepare (self->rdb, "SELECT " BATCH_COLUMNS BATCH_FROM " WHERE b.id = ?1", error);
  if (stmt == NULL)
    goto out;
  if (name != NULL)
    bind_text (stmt, 1, name);
  else
    sqlite3_bind_int64 (stmt, 1, batch_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    batch = batch_from_row (stmt);
  else if (rc == SQLITE_DONE)
    {
      if (name != NULL)
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                     _("No batch named “%s” in the store"), name);
      else
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                     _("No batch with id %s in the store"), num_str (batch_id).s);
    }
  else
    set_sqlite_error (error, self->rdb, _("Cannot read the batch"));

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_mutex_unlock (&self->read_lock);
  return batch;
}

LbBatch *
lb_store_find_batch (LbStore     *self,
                     const char  *name,
                     GError     **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return read_batch (self, name, 0, error);
}

LbBatch *
lb_store_get_batch (LbStore  *self,
                    gint64    batch_id,
                    GError  **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  return read_batch (self, NULL, batch_id, error);
}

LbSchema *
lb_store_get_batch_schema (LbStore  *self,
                           gint64    batch_id,
                           GError  **error)
{
  g_autoptr(LbBatch) batch = NULL;

  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  batch = read_batch (self, NULL, batch_id, error);
  if (batch == NULL)
    return NULL;

  return lb_schema_new_from_data (batch->schema_json, -1, batch->name, error);
}

/* The WHERE / ORDER BY of an item query. Columns: i = items, s = item_state. */
static const char *
filter_sql (LbItemFilter filter)
{
  switch (filter)
    {
    case LB_ITEM_FILTER_TODO:
      return " FROM items i WHERE i.id NOT IN"
             " (SELECT item_id FROM item_state WHERE state = 'done')";
    case LB_ITEM_FILTER_DONE:
      return " FROM item_state s JOIN items i ON i.id = s.item_id WHERE s.state = 'done'";
    case LB_ITEM_FILTER_FLAGGED:
      return " FROM item_state s JOIN items i ON i.id = s.item_id WHERE s.flagged";
    case LB_ITEM_FILTER_ALL:
    default:
      return " FROM items i WHERE 1";
    }
}

static sqlite3_stmt *
prepare_item_query_after (sqlite3       *db,
                          const char    *select,
                          gint64         batch_id,
                          LbItemFilter   filter,
                          gint64         after_id,
                          gboolean       ordered,
                          GError       **error)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  sql = g_strconcat (select, filter_sql (filter),
                     batch_id != 0 ? " AND i.batch_id = ?1" : "",
                     after_id > 0 ? " AND i.id > ?2" : "",
                     ordered ? " ORDER BY i.batch_id, i.id" : "", NULL);
  stmt = prepare (db, sql, error);
  if (stmt != NULL && batch_id != 0)
    sqlite3_bind_int64 (stmt, 1, batch_id);
  if (stmt != NULL && after_id > 0)
    sqlite3_bind_int64 (stmt, 2, after_id);
  return stmt;
}

static sqlite3_stmt *
prepare_item_query (sqlite3       *db,
                    const char    *select,
                    gint64         batch_id,
                    LbItemFilter   filter,
                    gboolean       ordered,
                    GError       **error)
{
  return prepare_item_query_after (db, select, batch_id, filter, 0, ordered, error);
}

/* The number of items of the batch (0 = all) passing FILTER, through DB */
static gboolean
count_items_on (sqlite3       *db,
                gint64         batch_id,
                LbItemFilter   filter,
                guint         *count,
                GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean todo = filter == LB_ITEM_FILTER_TODO;

  /* to do = all - done: two index-only counts */
  stmt = prepare_item_query (db, "SELECT count(*)", batch_id,
                             todo ? LB_ITEM_FILTER_ALL : filter, FALSE, error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return set_sqlite_error (error, db, _("Cannot count the items"));
  *count = (guint) sqlite3_column_int64 (stmt, 0);
  if (todo)
    {
      guint done = 0;

      if (!count_items_on (db, batch_id, LB_ITEM_FILTER_DONE, &done, error))
        return FALSE;
      *count -= MIN (*count, done);
    }
  return TRUE;
}

guint
lb_store_count_items (LbStore       *self,
                      gint64         batch_id,
                      LbItemFilter   filter)
{
  g_autoptr(GError) error = NULL;
  guint count = 0;

  g_return_val_if_fail (LB_IS_STORE (self), 0);

  g_mutex_lock (&self->read_lock);
  if (check_open_for_read (self, &error))
    count_items_on (self->rdb, batch_id, filter, &count, &error);
  g_mutex_unlock (&self->read_lock);
  if (error != NULL)
    g_warning ("Cannot count items: %s", error->message);
  return count;
}

static sqlite3 *open_private_reader (LbStore *self, GError **error);

typedef struct {
  gint64 batch_id;
  guint  done;
  guint  total;
} ProgressCount;

static void
count_progress_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ProgressCount *c = task_data;
  GError *error = NULL;
  sqlite3 *db = open_private_reader (LB_STORE (source), &error);
  gboolean ok = db != NULL && exec_sql (db, "BEGIN", &error)
                && count_items_on (db, c->batch_id, LB_ITEM_FILTER_DONE, &c->done, &error)
                && count_items_on (db, c->batch_id, LB_ITEM_FILTER_ALL, &c->total, &error);

  if (db != NULL)
    {
      exec_sql (db, "COMMIT", NULL);
      sqlite3_close (db);
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lb_store_count_progress_async (LbStore             *self,
                               gint64               batch_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ProgressCount *c;

  g_return_if_fail (LB_IS_STORE (self));

  c = g_new0 (ProgressCount, 1);
  c->batch_id = batch_id;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_store_count_progress_async);
  g_task_set_task_data (task, c, g_free);
  g_task_run_in_thread (task, count_progress_thread);
}

gboolean
lb_store_count_progress_finish (LbStore       *self,
                                GAsyncResult  *result,
                                guint         *done,
                                guint         *total,
                                GError       **error)
{
  ProgressCount *c;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  c = g_task_get_task_data (G_TASK (result));
  *done = c->done;
  *total = c->total;
  return TRUE;
}

static GArray *
read_ids (sqlite3       *db,
          sqlite3_stmt  *stmt,
          GError       **error)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, _("Cannot list the items"));
      g_clear_pointer (&ids, g_array_unref);
    }
  return ids;
}

gboolean
_lb_ids_search (GArray *ids,
                gint64  id,
                guint  *position)
{
  guint lo = 0;
  guint hi = ids->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gint64 v = g_array_index (ids, gint64, mid);

      if (v == id)
        {
          if (position != NULL)
            *position = mid;
          return TRUE;
        }
      if (v < id)
        lo = mid + 1;
      else
        hi = mid;
    }

  if (position != NULL)
    *position = lo;
  return FALSE;
}

/* The ids of the items passing FILTER after AFTER_ID, read through DB */
static GArray *
list_item_ids_on (sqlite3       *db,
                  gint64         batch_id,
                  LbItemFilter   filter,
                  gint64         after_id,
                  GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GArray *ids = NULL;

  if (filter == LB_ITEM_FILTER_TODO)
    {
      /* all ids (a covering index scan) minus the done ones: much faster
       * than asking SQLite to probe item_state for each of a million rows */
      g_autoptr(GArray) done = NULL;
      guint n = 0;

      stmt = prepare (db,
                      "SELECT s.item_id FROM item_state s JOIN items i ON i.id = s.item_id"
                      " WHERE s.state = 'done' AND (?1 = 0 OR i.batch_id = ?1)"
                      " AND s.item_id > ?2 ORDER BY s.item_id",
                      error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, batch_id);
      sqlite3_bind_int64 (stmt, 2, after_id);
      done = read_ids (db, stmt, error);
      if (done == NULL)
        return NULL;
      g_clear_pointer (&stmt, sqlite3_finalize);

      stmt = prepare_item_query_after (db, "SELECT i.id", batch_id, LB_ITEM_FILTER_ALL,
                                       after_id, TRUE, error);
      if (stmt == NULL)
        return NULL;
      ids = read_ids (db, stmt, error);
      if (ids == NULL || done->len == 0)
        return ids;

      for (guint i = 0; i < ids->len; i++)
        {
          gint64 id = g_array_index (ids, gint64, i);

          if (!_lb_ids_search (done, id, NULL))
            g_array_index (ids, gint64, n++) = id;
        }
      g_array_set_size (ids, n);
      return ids;
    }

  stmt = prepare_item_query_after (db, "SELECT i.id", batch_id, filter, after_id, TRUE, error);
  if (stmt == NULL)
    return NULL;
  return read_ids (db, stmt, error);
}

static GArray *
list_item_ids (LbStore       *self,
               gint64         batch_id,
               LbItemFilter   filter,
               gint64         after_id,
               GError       **error)
{
  GArray *ids = NULL;

  g_mutex_lock (&self->read_lock);
  if (check_open_for_read (self, error))
    ids = list_item_ids_on (self->rdb, batch_id, filter, after_id, error);
  g_mutex_unlock (&self->read_lock);
  return ids;
}

GArray *
lb_store_list_item_ids (LbStore       *self,
                        gint64         batch_id,
                        LbItemFilter   filter,
                        GError       **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  return list_item_ids (self, batch_id, filter, 0, error);
}

GArray *
_lb_store_list_item_ids_after (LbStore       *self,
                               gint64         batch_id,
                               LbItemFilter   filter,
                               gint64         after_id,
                               GError       **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  return list_item_ids (self, batch_id, filter, after_id, error);
}

/* The labels as "<length in characters>:<label>" one after the other, in
 * order: SQLite reads the JSON array, no JSON parser per item here */
#define ITEM_LABELS \
  "CASE WHEN s.labels IS NULL OR s.labels = '[]' OR NOT json_valid (s.labels) THEN NULL" \
  " ELSE (SELECT group_concat (x, '') FROM (SELECT length (value) || ':' || value AS x" \
  " FROM json_each (s.labels) WHERE type = 'text' ORDER BY key)) END"

#define ITEM_SELECT \
  "SELECT i.id, i.batch_id, b.name, b.root, i.external_id, i.kind, i.path, i.body, i.meta," \
  " i.content_hash, s.state, " ITEM_LABELS ", s.decision, s.reason, s.note, s.flagged, s.last_actor," \
  " s.regions, s.spans, s.answers, s.review, s.reviewer, s.review_comment," \
  " s.gold IS NOT NULL OR (json_valid (i.meta) AND json_type (i.meta, '$.gold') = 'object')," \
  " s.last_time_us" \
  " FROM items i JOIN batches b ON b.id = i.batch_id" \
  " LEFT JOIN item_state s ON s.item_id = i.id"

static LbItem *
item_from_row (sqlite3_stmt *stmt)
{
  LbItemFields f = { 0, };
  g_autofree char *abs_path = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  const char *labels_packed = col_text (stmt, 11);

  f.id = sqlite3_column_int64 (stmt, 0);
  f.batch_id = sqlite3_column_int64 (stmt, 1);
  f.batch_name = col_text (stmt, 2);
  f.external_id = col_text (stmt, 4);
  f.kind = kind_from_string (col_text (stmt, 5));
  f.relative_path = col_text (stmt, 6);
  if (f.kind == LB_ITEM_KIND_IMAGE && f.relative_path != NULL)
    {
      const char *root = col_text (stmt, 3);

      if (g_path_is_absolute (f.relative_path) || root == NULL || *root == '\0')
        abs_path = g_strdup (f.relative_path);
      else
        abs_path = g_build_filename (root, f.relative_path, NULL);
    }
  f.path = abs_path;
  f.text = f.kind == LB_ITEM_KIND_TEXT ? col_text (stmt, 7) : NULL;
  f.meta_json = col_text (stmt, 8);
  f.content_hash = col_text (stmt, 9);
  f.state = state_from_string (col_text (stmt, 10));

  /* see ITEM_LABELS */
  for (const char *p = labels_packed; p != NULL && *p != '\0';)
    {
      char *colon = NULL;
      guint64 n_chars = g_ascii_strtoull (p, &colon, 10);
      const char *end;

      if (colon == NULL || *colon != ':')
        break;
      end = colon + 1;
      for (guint64 i = 0; i < n_chars && *end != '\0'; i++)
        end = g_utf8_next_char (end);
      g_ptr_array_add (labels, g_strndup (colon + 1, end - (colon + 1)));
      p = end;
    }
  g_ptr_array_add (labels, NULL);
  f.labels = (const char * const *) labels->pdata;

  f.decision = col_text (stmt, 12);
  f.reason = col_text (stmt, 13);
  f.note = col_text (stmt, 14);
  f.flagged = sqlite3_column_int (stmt, 15) != 0;
  f.last_actor = col_text (stmt, 16);
  f.regions_json = col_text (stmt, 17);
  f.spans_json = col_text (stmt, 18);
  f.answers_json = col_text (stmt, 19);
  f.review_verdict = col_text (stmt, 20);
  f.reviewer = col_text (stmt, 21);
  f.review_comment = col_text (stmt, 22);
  f.gold = sqlite3_column_int (stmt, 23) != 0;
  f.updated_us = sqlite3_column_int64 (stmt, 24);  /* NULL: 0 */

  return lb_item_new (&f);
}

LbItem *
lb_store_get_item (LbStore  *self,
                   gint64    item_id,
                   GError  **error)
{
  LbItem *item = NULL;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  g_mutex_lock (&self->read_lock);
  if (!check_open_for_read (self, error))
    goto out;

  if (self->get_item_stmt == NULL)
    {
      if (sqlite3_prepare_v3 (self->rdb, ITEM_SELECT " WHERE i.id = ?1", -1,
                              SQLITE_PREPARE_PERSISTENT, &self->get_item_stmt, NULL) != SQLITE_OK)
        {
          set_sqlite_error (error, self->rdb, _("Cannot read the item"));
          goto out;
        }
    }

  sqlite3_bind_int64 (self->get_item_stmt, 1, item_id);
  rc = sqlite3_step (self->get_item_stmt);
  if (rc == SQLITE_ROW)
    item = item_from_row (self->get_item_stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                 _("No item with id %s in the store"), num_str (item_id).s);
  else
    set_sqlite_error (error, self->rdb, _("Cannot read the item"));
  sqlite3_reset (self->get_item_stmt);

out:
  g_mutex_unlock (&self->read_lock);
  return item;
}

static sqlite3 *open_private_reader (LbStore  *self,
                                     GError  **error);

gboolean
lb_store_foreach_item (LbStore       *self,
                       gint64         batch_id,
                       LbItemFilter   filter,
                       LbItemFunc     func,
                       gpointer       user_data,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  const char *where;
  sqlite3 *db;
  gboolean ok = TRUE;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  switch (filter)
    {
    case LB_ITEM_FILTER_TODO:
      where = " AND (s.state IS NULL OR s.state != 'done')";
      break;
    case LB_ITEM_FILTER_DONE:
      where = " AND s.state = 'done'";
      break;
    case LB_ITEM_FILTER_FLAGGED:
      where = " AND s.flagged";
      break;
    case LB_ITEM_FILTER_ALL:
    default:
      where = "";
      break;
    }
  sql = g_strconcat (ITEM_SELECT, batch_id != 0 ? " WHERE i.batch_id = ?1" : " WHERE 1", where,
                     " ORDER BY i.batch_id, i.id", NULL);

  db = open_private_reader (self, error);
  if (db == NULL)
    return FALSE;

  /* one read transaction: a consistent snapshot */
  if (!exec_sql (db, "BEGIN", error))
    {
      sqlite3_close (db);
      return FALSE;
    }

  stmt = prepare (db, sql, error);
  if (stmt == NULL)
    ok = FALSE;
  else
    {
      if (batch_id != 0)
        sqlite3_bind_int64 (stmt, 1, batch_id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr(LbItem) item = NULL;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              ok = FALSE;
              break;
            }
          item = item_from_row (stmt);
          if (!func (item, user_data, error))
            {
              ok = FALSE;
              break;
            }
        }
      if (ok && rc != SQLITE_DONE)
        ok = set_sqlite_error (error, db, _("Cannot list the items"));
    }

  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}

LbItem *
lb_store_find_item (LbStore     *self,
                    const char  *batch,
                    const char  *external_id,
                    GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  LbItem *item = NULL;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), NULL);
  g_return_val_if_fail (external_id != NULL, NULL);

  g_mutex_lock (&self->read_lock);
  if (!check_open_for_read (self, error))
    goto out;

  if (batch != NULL)
    stmt = prepare (self->rdb, ITEM_SELECT " WHERE b.name = ?1 AND i.external_id = ?2", error);
  else
    stmt = prepare (self->rdb, ITEM_SELECT " WHERE i.external_id = ?2 LIMIT 2", error);
  if (stmt == NULL)
    goto out;
  if (batch != NULL)
    bind_text (stmt, 1, batch);
  bind_text (stmt, 2, external_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      item = item_from_row (stmt);
      if (batch == NULL && sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_clear_object (&item);
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("Several batches have an item “%s”; name the batch"), external_id);
        }
    }
  else if (rc == SQLITE_DONE)
    {
      if (batch != NULL)
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                     _("No item “%s” in batch “%s”"), external_id, batch);
      else
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                     _("No item “%s” in the store"), external_id);
    }
  else
    set_sqlite_error (error, self->rdb, _("Cannot read the item"));

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_mutex_unlock (&self->read_lock);
  return item;
}

gint64
lb_store_get_last_seq (LbStore *self)
{
  gint64 seq = 0;

  g_return_val_if_fail (LB_IS_STORE (self), 0);

  g_mutex_lock (&self->read_lock);
  if (self->rdb != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!query_int (self->rdb, "SELECT COALESCE (MAX (seq), 0) FROM events", &seq, &error))
        g_warning ("Cannot read the last event: %s", error->message);
    }
  g_mutex_unlock (&self->read_lock);

  return seq;
}


/* ------------------------------------------------------------------------ */
/* Sync cursors                                                             */
/* ------------------------------------------------------------------------ */

gint64
lb_store_count_events_after (LbStore *self,
                             gint64   after_seq)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 count = 0;

  g_return_val_if_fail (LB_IS_STORE (self), 0);

  g_mutex_lock (&self->read_lock);
  if (self->rdb != NULL)
    {
      g_autoptr(GError) error = NULL;

      stmt = prepare (self->rdb, "SELECT count(*) FROM events WHERE seq > ?1", &error);
      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, after_seq);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            count = sqlite3_column_int64 (stmt, 0);
          else
            set_sqlite_error (&error, self->rdb, _("Cannot count the events"));
          g_clear_pointer (&stmt, sqlite3_finalize);
        }
      if (error != NULL)
        g_warning ("Cannot count the events: %s", error->message);
    }
  g_mutex_unlock (&self->read_lock);

  return count;
}

static gboolean
check_sink_name (const char  *sink,
                 GError     **error)
{
  if (sink == NULL || *sink == '\0' || !g_utf8_validate (sink, -1, NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("A sync sink needs a name"));
      return FALSE;
    }
  return TRUE;
}

gint64
lb_store_get_sync_cursor (LbStore     *self,
                          const char  *sink,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 seq = 0;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!check_sink_name (sink, error))
    return 0;

  g_mutex_lock (&self->read_lock);
  if (self->rdb == NULL)
    g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_FAILED,
                 _("The store “%s” is closed"), self->path);
  else if ((stmt = prepare (self->rdb, "SELECT seq FROM sync_cursors WHERE sink = ?1",
                            error)) != NULL)
    {
      bind_text (stmt, 1, sink);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        seq = sqlite3_column_int64 (stmt, 0);
      else if (rc != SQLITE_DONE)
        set_sqlite_error (error, self->rdb, _("Cannot read the sync cursor"));
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  g_mutex_unlock (&self->read_lock);

  return seq;
}

gboolean
lb_store_set_sync_cursor (LbStore     *self,
                          const char  *sink,
                          gint64       seq,
                          GError     **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_sink_name (sink, error))
    return FALSE;
  if (seq < 0)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("Sink “%s” cannot confirm event %s"), sink, num_str (seq).s);
      return FALSE;
    }

  req.kind = REQUEST_SET_CURSOR;
  req.sink = sink;
  req.cursor_seq = seq;
  return run_request_sync (self, &req, error);
}

/* ------------------------------------------------------------------------ */
/* Bundles (private API)                                                    */
/* ------------------------------------------------------------------------ */

gboolean
_lb_store_merge (LbStore           *self,
                 LbStoreMergeFunc   func,
                 gpointer           user_data,
                 guint64           *n_added,
                 guint64           *n_present,
                 GError           **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  req.kind = REQUEST_MERGE;
  req.merge_func = func;
  req.merge_data = user_data;
  if (!run_request_sync (self, &req, error))
    return FALSE;

  if (n_added != NULL)
    *n_added = req.n_merged;
  if (n_present != NULL)
    *n_present = req.n_present;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Batches and items (private API)                                          */
/* ------------------------------------------------------------------------ */

gboolean
_lb_store_ensure_batch (LbStore     *self,
                        const char  *name,
                        const char  *root,
                        const char  *source,
                        const char  *schema_json,
                        gint64      *batch_id,
                        GError     **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  req.kind = REQUEST_ENSURE_BATCH;
  req.name = name;
  req.root = root;
  req.source = source;
  req.schema_json = schema_json;

  if (!run_request_sync (self, &req, error))
    return FALSE;

  g_free (req.out_name);
  if (batch_id != NULL)
    *batch_id = req.out_batch_id;
  return TRUE;
}

gboolean
_lb_store_ensure_import_batch (LbStore     *self,
                               const char  *name,
                               gboolean     name_is_explicit,
                               const char  *root,
                               const char  *root_real,
                               const char  *source,
                               const char  *schema_json,
                               char       **out_name,
                               gint64      *batch_id,
                               GError     **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  req.kind = REQUEST_ENSURE_BATCH;
  req.for_import = TRUE;
  req.name_is_explicit = name_is_explicit;
  req.name = name;
  req.root = root;
  req.root_real = root_real;
  req.source = source;
  req.schema_json = schema_json;

  if (!run_request_sync (self, &req, error))
    return FALSE;

  if (batch_id != NULL)
    *batch_id = req.out_batch_id;
  if (out_name != NULL)
    *out_name = g_steal_pointer (&req.out_name);
  g_free (req.out_name);
  return TRUE;
}

gboolean
_lb_store_insert_items_checked (LbStore          *self,
                                gint64            batch_id,
                                const LbNewItem  *items,
                                guint             n_items,
                                guint            *n_added,
                                guint            *n_existing,
                                GArray           *conflicts,
                                GError          **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (items != NULL || n_items == 0, FALSE);

  req.kind = REQUEST_INSERT_ITEMS;
  req.batch_id = batch_id;
  req.items = items;
  req.n_items = n_items;
  req.conflicts = conflicts;

  if (!run_request_sync (self, &req, error))
    return FALSE;

  if (n_added != NULL)
    *n_added = req.n_added;
  if (n_existing != NULL)
    *n_existing = req.n_existing;
  return TRUE;
}

gboolean
_lb_store_insert_items (LbStore          *self,
                        gint64            batch_id,
                        const LbNewItem  *items,
                        guint             n_items,
                        guint            *n_added,
                        guint            *n_existing,
                        GError          **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (items != NULL || n_items == 0, FALSE);

  req.kind = REQUEST_INSERT_ITEMS;
  req.batch_id = batch_id;
  req.items = items;
  req.n_items = n_items;

  if (!run_request_sync (self, &req, error))
    return FALSE;

  if (n_added != NULL)
    *n_added = req.n_added;
  if (n_existing != NULL)
    *n_existing = req.n_existing;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Acts                                                                     */
/* ------------------------------------------------------------------------ */

static gboolean
check_actor (const char  *actor,
             GError     **error)
{
  if (actor == NULL || *actor == '\0')
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("No annotator name given"));
      return FALSE;
    }
  if (!g_utf8_validate (actor, -1, NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("The annotator name is not valid UTF-8"));
      return FALSE;
    }
  return TRUE;
}

static gboolean check_utf8 (const char *text, const char *what, GError **error);

static Request *
make_submit_request (gint64               item_id,
                     const char          *actor,
                     const LbSubmission  *submission,
                     GError             **error)
{
  Request *req;

  if (!check_actor (actor, error))
    return NULL;
  if (submission->note != NULL && !g_utf8_validate (submission->note, -1, NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("The note is not valid UTF-8"));
      return NULL;
    }
  for (guint i = 0; submission->labels != NULL && submission->labels[i] != NULL; i++)
    if (!g_utf8_validate (submission->labels[i], -1, NULL))
      {
        g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                     _("A label id is not valid UTF-8"));
        return NULL;
      }
  if ((submission->decision != NULL && !g_utf8_validate (submission->decision, -1, NULL))
      || (submission->reason != NULL && !g_utf8_validate (submission->reason, -1, NULL)))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("A decision or reason id is not valid UTF-8"));
      return NULL;
    }

  for (guint i = 0; submission->answers != NULL && submission->answers[i] != NULL; i += 2)
    {
      if (!check_utf8 (submission->answers[i], _("The field id"), error))
        return NULL;
      if (submission->answers[i + 1] == NULL)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                       _("The field “%s” has no answer"), submission->answers[i]);
          return NULL;
        }
      if (!check_utf8 (submission->answers[i + 1], _("The answer"), error))
        return NULL;
    }

  req = request_new (REQUEST_SUBMIT);
  req->item_id = item_id;
  req->actor = g_strdup (actor);
  req->answers = g_strdupv ((char **) submission->answers);
  req->has_labels = submission->labels != NULL;
  req->labels = submission->labels != NULL ? g_strdupv ((char **) submission->labels) : NULL;
  req->decision = g_strdup (submission->decision);
  req->reason = g_strdup (submission->reason);
  req->note = g_strdup (submission->note);
  req->dwell_ms = MAX (submission->dwell_ms, 0);
  return req;
}

static Request *
make_simple_request (RequestKind   kind,
                     gint64        item_id,
                     const char   *actor,
                     gint64        dwell_ms,
                     GError      **error)
{
  Request *req;

  if (!check_actor (actor, error))
    return NULL;

  req = request_new (kind);
  req->item_id = item_id;
  req->actor = g_strdup (actor);
  req->dwell_ms = MAX (dwell_ms, 0);
  return req;
}

static gboolean
run_owned_sync (LbStore  *self,
                Request  *req,
                GError  **error)
{
  gboolean ok;

  if (req == NULL)
    return FALSE;
  ok = run_request_sync (self, req, error);
  request_free (req);
  return ok;
}

static void
run_owned_async (LbStore             *self,
                 Request             *req,
                 GError              *error,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  if (req == NULL)
    {
      g_task_report_error (self, callback, user_data, source_tag, error);
      return;
    }
  run_request_async (self, req, source_tag, cancellable, callback, user_data);
}

/* The synchronous form of an act: make is called only on a writable store
 * (so a read-only store says so first). */
#define RUN_ACT_SYNC(self, error, make) \
  G_STMT_START { \
    g_return_val_if_fail (LB_IS_STORE (self), FALSE); \
    if (!check_writable (self, error)) \
      return FALSE; \
    return run_owned_sync (self, make, error); \
  } G_STMT_END

#define RUN_ACT_ASYNC(self, tag, cancellable, callback, user_data, make) \
  G_STMT_START { \
    GError *act_error_ = NULL; \
    GError **error = &act_error_; \
    Request *act_req_ = NULL; \
    g_return_if_fail (LB_IS_STORE (self)); \
    if (check_writable (self, error)) \
      act_req_ = make; \
    run_owned_async (self, act_req_, act_error_, tag, cancellable, callback, user_data); \
  } G_STMT_END

static gboolean
act_finish (LbStore       *self,
            GAsyncResult  *result,
            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* For the acts that create a region or span: the new id */
static gboolean
act_finish_id (LbStore       *self,
               GAsyncResult  *result,
               char         **id,
               GError       **error)
{
  g_autofree char *new_id = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  new_id = g_task_propagate_pointer (G_TASK (result), error);
  if (new_id == NULL)
    return FALSE;
  if (id != NULL)
    *id = g_steal_pointer (&new_id);
  return TRUE;
}

gboolean
lb_store_submit (LbStore             *self,
                 gint64               item_id,
                 const char          *actor,
                 const LbSubmission  *submission,
                 GError             **error)
{
  g_return_val_if_fail (submission != NULL, FALSE);
  RUN_ACT_SYNC (self, error, make_submit_request (item_id, actor, submission, error));
}

void
lb_store_submit_async (LbStore             *self,
                       gint64               item_id,
                       const char          *actor,
                       const LbSubmission  *submission,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (submission != NULL);
  RUN_ACT_ASYNC (self, lb_store_submit_async, cancellable, callback, user_data,
                 make_submit_request (item_id, actor, submission, error));
}

gboolean
lb_store_submit_finish (LbStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return act_finish (self, result, error);
}

gboolean
lb_store_skip (LbStore     *self,
               gint64       item_id,
               const char  *actor,
               gint64       dwell_ms,
               GError     **error)
{
  RUN_ACT_SYNC (self, error, make_simple_request (REQUEST_SKIP, item_id, actor, dwell_ms,
                                                  error));
}

void
lb_store_skip_async (LbStore             *self,
                     gint64               item_id,
                     const char          *actor,
                     gint64               dwell_ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  RUN_ACT_ASYNC (self, lb_store_skip_async, cancellable, callback, user_data,
                 make_simple_request (REQUEST_SKIP, item_id, actor, dwell_ms, error));
}

gboolean
lb_store_skip_finish (LbStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return act_finish (self, result, error);
}

gboolean
lb_store_undo (LbStore     *self,
               gint64       item_id,
               const char  *actor,
               GError     **error)
{
  RUN_ACT_SYNC (self, error, make_simple_request (REQUEST_UNDO, item_id, actor, 0, error));
}

void
lb_store_undo_async (LbStore             *self,
                     gint64               item_id,
                     const char          *actor,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  RUN_ACT_ASYNC (self, lb_store_undo_async, cancellable, callback, user_data,
                 make_simple_request (REQUEST_UNDO, item_id, actor, 0, error));
}

gboolean
lb_store_undo_finish (LbStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return act_finish (self, result, error);
}

gboolean
lb_store_redo (LbStore     *self,
               gint64       item_id,
               const char  *actor,
               GError     **error)
{
  RUN_ACT_SYNC (self, error, make_simple_request (REQUEST_REDO, item_id, actor, 0, error));
}

void
lb_store_redo_async (LbStore             *self,
                     gint64               item_id,
                     const char          *actor,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  RUN_ACT_ASYNC (self, lb_store_redo_async, cancellable, callback, user_data,
                 make_simple_request (REQUEST_REDO, item_id, actor, 0, error));
}

gboolean
lb_store_redo_finish (LbStore       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return act_finish (self, result, error);
}

static gboolean
check_utf8 (const char  *text,
            const char  *what,
            GError     **error)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID, _("%s is not valid UTF-8"),
                   what);
      return FALSE;
    }
  return TRUE;
}

/* region.create (target NULL: a new id) and region.update */
static Request *
make_region_request (RequestKind          kind,
                     gint64               item_id,
                     const char          *actor,
                     const char          *target,
                     const LbRegionSpec  *spec,
                     GError             **error)
{
  Request *req;

  if (!check_actor (actor, error)
      || !check_utf8 (target, _("The region id"), error)
      || !check_utf8 (spec != NULL ? spec->label : NULL, _("The label id"), error)
      || !check_utf8 (spec != NULL ? spec->attributes : NULL, _("The attributes"), error))
    return NULL;
  if (spec != NULL && spec->shape == LB_REGION_SHAPE_POLYGON && spec->n_points > 0
      && spec->points == NULL)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID, _("A polygon has no points"));
      return NULL;
    }

  req = make_simple_request (kind, item_id, actor, spec != NULL ? spec->dwell_ms : 0, error);
  req->target = target != NULL ? g_strdup (target) : g_uuid_string_random ();
  if (spec != NULL)
    {
      req->label = g_strdup (spec->label);
      req->shape = spec->shape;
      memcpy (req->box, spec->box, sizeof req->box);
      if (spec->shape == LB_REGION_SHAPE_POLYGON)
        {
          req->n_points = spec->n_points;
          req->points = g_memdup2 (spec->points, 2 * sizeof (double) * spec->n_points);
        }
      req->attributes = g_strdup (spec->attributes);
    }
  return req;
}

static Request *
make_target_request (RequestKind   kind,
                     gint64        item_id,
                     const char   *actor,
                     const char   *target,
                     GError      **error)
{
  Request *req;

  if (!check_actor (actor, error) || !check_utf8 (target, _("The id"), error))
    return NULL;
  req = make_simple_request (kind, item_id, actor, 0, error);
  req->target = target != NULL ? g_strdup (target) : g_uuid_string_random ();
  return req;
}

static Request *
make_span_request (gint64        item_id,
                   const char   *actor,
                   const char   *label,
                   gint64        start,
                   gint64        end,
                   GError      **error)
{
  Request *req;

  if (!check_utf8 (label, _("The label id"), error))
    return NULL;
  req = make_target_request (REQUEST_SPAN_CREATE, item_id, actor, NULL, error);
  if (req != NULL)
    {
      req->label = g_strdup (label);
      req->start = start;
      req->end = end;
    }
  return req;
}

static Request *
make_answer_request (gint64        item_id,
                     const char   *actor,
                     const char   *field,
                     const char   *text,
                     GError      **error)
{
  Request *req;

  if (!check_actor (actor, error) || !check_utf8 (field, _("The field id"), error)
      || !check_utf8 (text, _("The answer"), error))
    return NULL;
  req = make_simple_request (REQUEST_ANSWER, item_id, actor, 0, error);
  req->field = g_strdup (field);
  req->text = g_strdup (text != NULL ? text : "");
  return req;
}

/* Runs a create request and hands out the new id */
static gboolean
run_create_sync (LbStore  *self,
                 Request  *req,
                 char    **id,
                 GError  **error)
{
  g_autofree char *new_id = req != NULL ? g_strdup (req->target) : NULL;

  if (!run_owned_sync (self, req, error))
    return FALSE;
  if (id != NULL)
    *id = g_steal_pointer (&new_id);
  return TRUE;
}

void
lb_region_spec_set_shape (LbRegionSpec  *spec,
                          LbRegionShape  shape,
                          const double  *coords,
                          guint          n_coords)
{
  g_return_if_fail (spec != NULL);

  spec->shape = shape;
  if (shape == LB_REGION_SHAPE_BOX && n_coords == 4)
    memcpy (spec->box, coords, sizeof spec->box);
  else if (shape == LB_REGION_SHAPE_POLYGON)
    {
      spec->points = coords;
      spec->n_points = n_coords / 2;
    }
}

gboolean
lb_store_create_region (LbStore             *self,
                        gint64               item_id,
                        const char          *actor,
                        const LbRegionSpec  *spec,
                        char               **region_id,
                        GError             **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  if (!check_writable (self, error))
    return FALSE;
  return run_create_sync (self, make_region_request (REQUEST_REGION_CREATE, item_id, actor,
                                                     NULL, spec, error), region_id, error);
}

void
lb_store_create_region_async (LbStore             *self,
                              gint64               item_id,
                              const char          *actor,
                              const LbRegionSpec  *spec,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (spec != NULL);
  RUN_ACT_ASYNC (self, lb_store_create_region_async, cancellable, callback, user_data,
                 make_region_request (REQUEST_REGION_CREATE, item_id, actor, NULL, spec,
                                      error));
}

gboolean
lb_store_create_region_finish (LbStore       *self,
                               GAsyncResult  *result,
                               char         **region_id,
                               GError       **error)
{
  return act_finish_id (self, result, region_id, error);
}

gboolean
lb_store_update_region (LbStore             *self,
                        gint64               item_id,
                        const char          *actor,
                        const char          *region_id,
                        const LbRegionSpec  *spec,
                        GError             **error)
{
  g_return_val_if_fail (region_id != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  RUN_ACT_SYNC (self, error, make_region_request (REQUEST_REGION_UPDATE, item_id, actor,
                                                  region_id, spec, error));
}

void
lb_store_update_region_async (LbStore             *self,
                              gint64               item_id,
                              const char          *actor,
                              const char          *region_id,
                              const LbRegionSpec  *spec,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (region_id != NULL);
  g_return_if_fail (spec != NULL);
  RUN_ACT_ASYNC (self, lb_store_update_region_async, cancellable, callback, user_data,
                 make_region_request (REQUEST_REGION_UPDATE, item_id, actor, region_id, spec,
                                      error));
}

gboolean
lb_store_update_region_finish (LbStore       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return act_finish (self, result, error);
}

gboolean
lb_store_delete_region (LbStore     *self,
                        gint64       item_id,
                        const char  *actor,
                        const char  *region_id,
                        GError     **error)
{
  g_return_val_if_fail (region_id != NULL, FALSE);
  RUN_ACT_SYNC (self, error, make_target_request (REQUEST_REGION_DELETE, item_id, actor,
                                                  region_id, error));
}

void
lb_store_delete_region_async (LbStore             *self,
                              gint64               item_id,
                              const char          *actor,
                              const char          *region_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (region_id != NULL);
  RUN_ACT_ASYNC (self, lb_store_delete_region_async, cancellable, callback, user_data,
                 make_target_request (REQUEST_REGION_DELETE, item_id, actor, region_id, error));
}

gboolean
lb_store_delete_region_finish (LbStore       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return act_finish (self, result, error);
}

gboolean
lb_store_create_span (LbStore     *self,
                      gint64       item_id,
                      const char  *actor,
                      const char  *label,
                      gint64       start,
                      gint64       end,
                      char       **span_id,
                      GError     **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (label != NULL, FALSE);

  if (!check_writable (self, error))
    return FALSE;
  return run_create_sync (self, make_span_request (item_id, actor, label, start, end, error),
                          span_id, error);
}

void
lb_store_create_span_async (LbStore             *self,
                            gint64               item_id,
                            const char          *actor,
                            const char          *label,
                            gint64               start,
                            gint64               end,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (label != NULL);
  RUN_ACT_ASYNC (self, lb_store_create_span_async, cancellable, callback, user_data,
                 make_span_request (item_id, actor, label, start, end, error));
}

gboolean
lb_store_create_span_finish (LbStore       *self,
                             GAsyncResult  *result,
                             char         **span_id,
                             GError       **error)
{
  return act_finish_id (self, result, span_id, error);
}

gboolean
lb_store_delete_span (LbStore     *self,
                      gint64       item_id,
                      const char  *actor,
                      const char  *span_id,
                      GError     **error)
{
  g_return_val_if_fail (span_id != NULL, FALSE);
  RUN_ACT_SYNC (self, error, make_target_request (REQUEST_SPAN_DELETE, item_id, actor, span_id,
                                                  error));
}

void
lb_store_delete_span_async (LbStore             *self,
                            gint64               item_id,
                            const char          *actor,
                            const char          *span_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (span_id != NULL);
  RUN_ACT_ASYNC (self, lb_store_delete_span_async, cancellable, callback, user_data,
                 make_target_request (REQUEST_SPAN_DELETE, item_id, actor, span_id, error));
}

gboolean
lb_store_delete_span_finish (LbStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return act_finish (self, result, error);
}

gboolean
lb_store_set_answer (LbStore     *self,
                     gint64       item_id,
                     const char  *actor,
                     const char  *field,
                     const char  *text,
                     GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  RUN_ACT_SYNC (self, error, make_answer_request (item_id, actor, field, text, error));
}

void
lb_store_set_answer_async (LbStore             *self,
                           gint64               item_id,
                           const char          *actor,
                           const char          *field,
                           const char          *text,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (field != NULL);
  RUN_ACT_ASYNC (self, lb_store_set_answer_async, cancellable, callback, user_data,
                 make_answer_request (item_id, actor, field, text, error));
}

gboolean
lb_store_set_answer_finish (LbStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return act_finish (self, result, error);
}

/* ------------------------------------------------------------------------ */
/* Events and verification (own connection: any thread)                     */
/* ------------------------------------------------------------------------ */

#define EVENT_SELECT \
  "SELECT e.seq, e.uuid, e.seat, b.name, i.external_id, e.actor, e.role, e.kind, e.payload," \
  " e.time_us, e.dwell_ms, e.act, e.prev_hash, e.hash" \
  " FROM events e LEFT JOIN items i ON i.id = e.item_id" \
  " LEFT JOIN batches b ON b.id = i.batch_id"

static void
event_from_row (sqlite3_stmt *stmt,
                LbEvent      *ev)
{
  ev->seq = sqlite3_column_int64 (stmt, 0);
  ev->uuid = (char *) col_text (stmt, 1);
  ev->seat = (char *) col_text (stmt, 2);
  ev->batch = (char *) col_text (stmt, 3);
  ev->item = (char *) col_text (stmt, 4);
  ev->actor = (char *) col_text (stmt, 5);
  ev->role = (char *) col_text (stmt, 6);
  ev->kind = (char *) col_text (stmt, 7);
  ev->payload = (char *) col_text (stmt, 8);
  ev->time_us = sqlite3_column_int64 (stmt, 9);
  ev->dwell_ms = sqlite3_column_int64 (stmt, 10);
  ev->act = sqlite3_column_int64 (stmt, 11);
  ev->prev_hash = (char *) col_text (stmt, 12);
  ev->hash = (char *) col_text (stmt, 13);
}

static sqlite3 *
open_private_reader (LbStore  *self,
                     GError  **error)
{
  sqlite3 *db = NULL;

  if (!open_connection (self, TRUE, &db, error))
    return NULL;
  return db;
}

gboolean
lb_store_foreach_event (LbStore      *self,
                        gint64        after_seq,
                        LbEventFunc   func,
                        gpointer      user_data,
                        GError      **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  db = open_private_reader (self, error);
  if (db == NULL)
    return FALSE;

  /* one read transaction: a consistent snapshot */
  if (!exec_sql (db, "BEGIN", error))
    {
      sqlite3_close (db);
      return FALSE;
    }

  stmt = prepare (db, EVENT_SELECT " WHERE e.seq > ?1 ORDER BY e.seq", error);
  if (stmt == NULL)
    ok = FALSE;
  else
    {
      sqlite3_bind_int64 (stmt, 1, after_seq);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          LbEvent ev = { 0, };

          /* the strings point into the row; the callback must copy what it keeps */
          event_from_row (stmt, &ev);
          if (!func (&ev, user_data, error))
            {
              ok = FALSE;
              break;
            }
        }
      if (ok && rc != SQLITE_DONE)
        ok = set_sqlite_error (error, db, _("Cannot read the events"));
    }

  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}


/* The seats a bundle carries: all, or those with events in batch ?1 */
#define CHAIN_SEATS \
  " (?1 IS NULL OR e.seat IN (SELECT DISTINCT f.seat FROM events f" \
  " JOIN items fi ON fi.id = f.item_id JOIN batches fb ON fb.id = fi.batch_id" \
  " WHERE fb.name = ?1))"

gboolean
_lb_store_foreach_chain_row (LbStore          *self,
                             const char       *batch,
                             LbStoreBatchFunc  batch_func,
                             LbStoreItemFunc   item_func,
                             LbEventFunc       event_func,
                             gpointer          user_data,
                             GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);

  db = open_private_reader (self, error);
  if (db == NULL)
    return FALSE;

  /* one read transaction: a consistent snapshot */
  if (!exec_sql (db, "BEGIN", error))
    goto out;

  if (batch != NULL)
    {
      stmt = prepare (db, "SELECT 1 FROM batches WHERE name = ?1", error);
      if (stmt == NULL)
        goto out;
      bind_text (stmt, 1, batch);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW)
        {
          if (rc == SQLITE_DONE)
            g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                         _("No batch “%s” in the store"), batch);
          else
            set_sqlite_error (error, db, _("Cannot read the batch"));
          goto out;
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
    }

  stmt = prepare (db,
                  "SELECT b.id, b.name, b.root, b.source, s.json, b.created_us FROM batches b"
                  " JOIN schemas s ON s.id = b.schema_id WHERE b.id IN"
                  " (SELECT i.batch_id FROM events e JOIN items i ON i.id = e.item_id"
                  " WHERE" CHAIN_SEATS ") ORDER BY b.id", error);
  if (stmt == NULL)
    goto out;
  bind_text (stmt, 1, batch);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LbBatch b = { 0, };

      b.id = sqlite3_column_int64 (stmt, 0);
      b.name = (char *) col_text (stmt, 1);
      b.root = (char *) col_text (stmt, 2);
      b.source = (char *) col_text (stmt, 3);
      b.schema_json = (char *) col_text (stmt, 4);
      b.created_us = sqlite3_column_int64 (stmt, 5);
      if (!batch_func (&b, user_data, error))
        goto out;
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, _("Cannot read the batches"));
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = prepare (db,
                  "SELECT b.name, i.external_id, i.kind, i.path, i.body, i.meta, i.content_hash"
                  " FROM items i JOIN batches b ON b.id = i.batch_id WHERE i.id IN"
                  " (SELECT e.item_id FROM events e WHERE" CHAIN_SEATS ") ORDER BY i.id",
                  error);
  if (stmt == NULL)
    goto out;
  bind_text (stmt, 1, batch);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LbNewItem item = { 0, };

      item.external_id = col_text (stmt, 1);
      item.kind = kind_from_string (col_text (stmt, 2));
      item.relative_path = col_text (stmt, 3);
      item.text = col_text (stmt, 4);
      item.meta_json = col_text (stmt, 5);
      item.content_hash = col_text (stmt, 6);
      if (!item_func (col_text (stmt, 0), &item, user_data, error))
        goto out;
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, _("Cannot read the items"));
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = prepare (db, EVENT_SELECT " WHERE" CHAIN_SEATS " ORDER BY e.seq", error);
  if (stmt == NULL)
    goto out;
  bind_text (stmt, 1, batch);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LbEvent ev = { 0, };

      event_from_row (stmt, &ev);
      if (!event_func (&ev, user_data, error))
        goto out;
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, _("Cannot read the events"));
      goto out;
    }
  ok = TRUE;

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}

typedef struct {
  char   *hash;
  gint64  seq;
  gint64  count;
} ChainHead;

/* Each seat's chain against what the store recorded with each append. */
static gboolean
verify_recorded_chains (LbStore     *self,
                        sqlite3     *db,
                        GHashTable  *heads,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (db,
                  "SELECT c.key, c.value, h.value FROM meta c"
                  " LEFT JOIN meta h ON h.key = substr (c.key, 1, length (c.key) - 5) || 'head'"
                  " WHERE c.key LIKE 'chain:%:count'", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = col_text (stmt, 0);
      g_autofree char *seat = g_strndup (key + 6, strlen (key) - 6 - 6);
      gint64 recorded = g_ascii_strtoll (col_text (stmt, 1), NULL, 10);
      const char *recorded_head = col_text (stmt, 2);
      ChainHead *head = g_hash_table_lookup (heads, seat);
      gint64 count = head != NULL ? head->count : 0;

      if (count != recorded || g_strcmp0 (head != NULL ? head->hash : "",
                                          recorded_head != NULL ? recorded_head : "") != 0)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                       _("the chain ends at event %s after %s events but the store recorded %s "
                         "events for seat %s (last hash %s)"),
                       num_str (head != NULL ? head->seq : 0).s, num_str (count).s,
                       num_str (recorded).s, seat,
                       recorded_head != NULL && *recorded_head != '\0' ? recorded_head : "-");
          return FALSE;
        }
    }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (error, db, _("Cannot read the store’s records"));
  return TRUE;
}

/* Every item's derived state (item_state) against a replay of its events. */
static gboolean
verify_item_states (LbStore  *self,
                    sqlite3  *db,
                    GError  **error)
{
  g_autoptr(sqlite3_stmt) events = NULL;
  g_autoptr(sqlite3_stmt) state = NULL;
  g_autoptr(sqlite3_stmt) overlap = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (EventRow));
  gint64 item_id = 0;
  gint64 n_orphans = 0;
  int rc;

  g_array_set_clear_func (rows, event_row_clear);

  /* items without events hold no decisions */
  if (!query_int (db,
                  "SELECT count(*) FROM item_state s WHERE (s.state != 'todo' OR s.last_seq"
                  " IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM events e"
                  " WHERE e.item_id = s.item_id)", &n_orphans, error))
    return FALSE;
  if (n_orphans > 0)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                   _("%s items have a derived state but no events"), num_str (n_orphans).s);
      return FALSE;
    }

  events = prepare (db,
                    "SELECT seq, uuid, actor, kind, payload, time_us, act, role, dwell_ms,"
                    " item_id FROM events WHERE item_id IS NOT NULL ORDER BY item_id, seq",
                    error);
  state = prepare (db,
                   "SELECT s.state, s.labels, s.decision, s.reason, s.note, s.last_seq,"
                   " s.regions, s.spans, s.answers, i.external_id, b.name, s.review,"
                   " s.reviewer, s.review_comment, s.gold, s.last_time_us"
                   " FROM items i JOIN batches b ON b.id = i.batch_id"
                   " LEFT JOIN item_state s ON s.item_id = i.id WHERE i.id = ?1", error);
  if (events == NULL || state == NULL)
    return FALSE;

  for (;;)
    {
      gint64 next_id = 0;

      rc = sqlite3_step (events);
      if (rc == SQLITE_ROW)
        next_id = sqlite3_column_int64 (events, 9);
      else if (rc != SQLITE_DONE)
        return set_sqlite_error (error, db, _("Cannot read the events"));

      if (rows->len > 0 && next_id != item_id)
        {
          g_auto(Derived) d = { 0, };
          g_auto(StateColumns) c = { 0, };
          const char *what = NULL;

          mark_active (rows);
          derive_item_state (rows, item_overlap_with (db, &overlap, item_id), &d);
          state_columns (&d, &c);

          sqlite3_reset (state);
          sqlite3_bind_int64 (state, 1, item_id);
          if (sqlite3_step (state) != SQLITE_ROW)
            what = _("the item");
          else if (g_strcmp0 (col_text (state, 0), c.state) != 0)
            what = _("state");
          else if (g_strcmp0 (col_text (state, 1), c.labels != NULL ? c.labels : "[]") != 0)
            what = _("labels");
          else if (g_strcmp0 (col_text (state, 2), d.decision) != 0
                   || g_strcmp0 (col_text (state, 3), d.reason) != 0)
            what = _("decision");
          else if (g_strcmp0 (col_text (state, 4), d.note) != 0)
            what = _("note");
          else if (sqlite3_column_int64 (state, 5) != d.last_seq
                   || sqlite3_column_int64 (state, 15) != d.max_time_us)
            what = _("last event");
          else if (g_strcmp0 (col_text (state, 6), c.regions) != 0)
            what = _("regions");
          else if (g_strcmp0 (col_text (state, 7), c.spans) != 0)
            what = _("spans");
          else if (g_strcmp0 (col_text (state, 8), c.answers) != 0)
            what = _("answers");
          else if (g_strcmp0 (col_text (state, 11), d.review_verdict) != 0
                   || g_strcmp0 (col_text (state, 12), d.reviewer) != 0
                   || g_strcmp0 (col_text (state, 13), d.review_comment) != 0)
            what = _("review");
          else if (g_strcmp0 (col_text (state, 14), d.gold) != 0)
            what = _("gold");

          if (what != NULL)
            {
              g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                           _("item “%s” of batch “%s” (id %s): its derived state (%s) does not "
                             "match its events"),
                           col_text (state, 9) != NULL ? col_text (state, 9) : "?",
                           col_text (state, 10) != NULL ? col_text (state, 10) : "?",
                           num_str (item_id).s, what);
              return FALSE;
            }
          g_array_set_size (rows, 0);
        }

      if (rc == SQLITE_DONE)
        break;
      item_id = next_id;
      append_event_row (rows, events);
    }

  return TRUE;
}

static void
chain_head_free (gpointer data)
{
  ChainHead *head = data;

  g_free (head->hash);
  g_free (head);
}

gboolean
lb_store_verify (LbStore  *self,
                 GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GHashTable) heads = NULL;
  g_autoptr(GString) problems = NULL;
  sqlite3 *db;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);

  db = open_private_reader (self, error);
  if (db == NULL)
    return FALSE;

  if (!exec_sql (db, "BEGIN", error))
    {
      sqlite3_close (db);
      return FALSE;
    }

  stmt = prepare (db, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    {
      ok = FALSE;
      goto out;
    }
  problems = g_string_new (NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = col_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0)
        {
          if (problems->len > 0)
            g_string_append (problems, "; ");
          g_string_append (problems, line);
        }
    }
  if (rc != SQLITE_DONE)
    {
      ok = set_sqlite_error (error, db, _("Integrity check failed"));
      goto out;
    }
  if (problems->len > 0)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                   _("“%s” is damaged (integrity check: %s)"), self->path, problems->str);
      ok = FALSE;
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, chain_head_free);
  stmt = prepare (db, EVENT_SELECT " ORDER BY e.seq", error);
  if (stmt == NULL)
    {
      ok = FALSE;
      goto out;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LbEvent ev = { 0, };
      ChainHead *head;
      g_autofree char *hash = NULL;
      const char *expected_prev;

      event_from_row (stmt, &ev);
      head = g_hash_table_lookup (heads, ev.seat != NULL ? ev.seat : "");
      expected_prev = head != NULL ? head->hash : "";

      if (g_strcmp0 (ev.prev_hash, expected_prev) != 0)
        {
          if (head != NULL)
            g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                         _("event %s (uuid %s): previous hash does not match event %s"),
                         num_str (ev.seq).s, ev.uuid, num_str (head->seq).s);
          else
            g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                         _("event %s (uuid %s): previous hash does not match the start "
                           "of its seat’s chain"),
                         num_str (ev.seq).s, ev.uuid);
          ok = FALSE;
          goto out;
        }

      hash = compute_event_hash (ev.prev_hash, ev.uuid, ev.seat, ev.batch, ev.item, ev.actor,
                                 ev.role, ev.kind, ev.payload, ev.time_us, ev.dwell_ms);
      if (g_strcmp0 (hash, ev.hash) != 0)
        {
          g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT,
                       _("event %s (uuid %s): hash does not match its contents"),
                       num_str (ev.seq).s, ev.uuid);
          ok = FALSE;
          goto out;
        }

      if (head == NULL)
        {
          head = g_new0 (ChainHead, 1);
          g_hash_table_insert (heads, g_strdup (ev.seat != NULL ? ev.seat : ""), head);
        }
      g_free (head->hash);
      head->hash = g_steal_pointer (&hash);
      head->seq = ev.seq;
      head->count++;
    }
  if (rc != SQLITE_DONE)
    ok = set_sqlite_error (error, db, _("Cannot read the events"));

  if (ok)
    ok = verify_recorded_chains (self, db, heads, error)
         && verify_item_states (self, db, error);

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Review, overlap, consensus and gold                                      */
/* ------------------------------------------------------------------------ */

static const char *const verdict_names[] = { "accept", "fix", "reject" };

const char *
lb_review_verdict_to_string (LbReviewVerdict verdict)
{
  g_return_val_if_fail ((guint) verdict < G_N_ELEMENTS (verdict_names), NULL);
  return verdict_names[verdict];
}

gboolean
lb_review_verdict_from_string (const char      *text,
                               LbReviewVerdict *verdict)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (verdict_names); i++)
    if (g_str_equal (text, verdict_names[i]))
      {
        if (verdict != NULL)
          *verdict = (LbReviewVerdict) i;
        return TRUE;
      }
  return FALSE;
}

static Request *
make_review_request (gint64               item_id,
                     const char          *actor,
                     LbReviewVerdict      verdict,
                     const char          *comment,
                     const LbSubmission  *fix,
                     GError             **error)
{
  Request *req;

  if ((guint) verdict >= G_N_ELEMENTS (verdict_names))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID, _("Unknown review verdict"));
      return NULL;
    }
  if ((verdict == LB_REVIEW_FIX) != (fix != NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   verdict == LB_REVIEW_FIX
                     ? _("A fix needs the corrected labels or decision")
                     : _("Only a fix carries corrections"));
      return NULL;
    }
  if (comment != NULL && !g_utf8_validate (comment, -1, NULL))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("The review comment is not valid UTF-8"));
      return NULL;
    }
  if (verdict == LB_REVIEW_REJECT && (comment == NULL || *comment == '\0'))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("A reject needs a comment saying why"));
      return NULL;
    }

  if (fix != NULL)
    {
      req = make_submit_request (item_id, actor, fix, error);
      if (req == NULL)
        return NULL;
      req->kind = REQUEST_REVIEW;
    }
  else
    {
      req = make_simple_request (REQUEST_REVIEW, item_id, actor, 0, error);
      if (req == NULL)
        return NULL;
    }
  req->verdict = verdict;
  req->comment = g_strdup (comment);
  return req;
}

gboolean
lb_store_review (LbStore             *self,
                 gint64               item_id,
                 const char          *lead_actor,
                 LbReviewVerdict      verdict,
                 const char          *comment,
                 const LbSubmission  *fix,
                 GError             **error)
{
  RUN_ACT_SYNC (self, error, make_review_request (item_id, lead_actor, verdict, comment, fix,
                                                  error));
}

void
lb_store_review_async (LbStore             *self,
                       gint64               item_id,
                       const char          *lead_actor,
                       LbReviewVerdict      verdict,
                       const char          *comment,
                       const LbSubmission  *fix,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  RUN_ACT_ASYNC (self, lb_store_review_async, cancellable, callback, user_data,
                 make_review_request (item_id, lead_actor, verdict, comment, fix, error));
}

gboolean
lb_store_review_finish (LbStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return act_finish (self, result, error);
}

static Request *
make_correction_request (gint64               item_id,
                         const char          *lead_actor,
                         const LbCorrection  *correction,
                         GError             **error)
{
  Request *req = NULL;

  switch (correction->kind)
    {
    case LB_CORRECTION_REGION_CREATE:
      req = make_region_request (REQUEST_REGION_CREATE, item_id, lead_actor, NULL,
                                 correction->region, error);
      break;
    case LB_CORRECTION_REGION_UPDATE:
      if (correction->target == NULL || correction->region == NULL)
        break;
      req = make_region_request (REQUEST_REGION_UPDATE, item_id, lead_actor, correction->target,
                                 correction->region, error);
      break;
    case LB_CORRECTION_REGION_DELETE:
    case LB_CORRECTION_SPAN_DELETE:
      if (correction->target == NULL)
        break;
      req = make_target_request (correction->kind == LB_CORRECTION_REGION_DELETE
                                   ? REQUEST_REGION_DELETE : REQUEST_SPAN_DELETE,
                                 item_id, lead_actor, correction->target, error);
      break;
    case LB_CORRECTION_SPAN_CREATE:
      req = make_span_request (item_id, lead_actor, correction->label, correction->start,
                               correction->end, error);
      break;
    default:
      break;
    }
  if (req == NULL && error != NULL && *error == NULL)
    g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                 _("A correction needs the id of the region or span it changes"));
  if (req != NULL)
    {
      req->role = "lead";
      if (correction->kind != LB_CORRECTION_REGION_CREATE
          && correction->kind != LB_CORRECTION_REGION_UPDATE)
        req->dwell_ms = MAX (correction->dwell_ms, 0);
    }
  return req;
}

gboolean
lb_store_correct (LbStore             *self,
                  gint64               item_id,
                  const char          *lead_actor,
                  const LbCorrection  *correction,
                  char               **id,
                  GError             **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (correction != NULL, FALSE);

  if (!check_writable (self, error))
    return FALSE;
  return run_create_sync (self, make_correction_request (item_id, lead_actor, correction, error),
                          id, error);
}

void
lb_store_correct_async (LbStore             *self,
                        gint64               item_id,
                        const char          *lead_actor,
                        const LbCorrection  *correction,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (correction != NULL);
  RUN_ACT_ASYNC (self, lb_store_correct_async, cancellable, callback, user_data,
                 make_correction_request (item_id, lead_actor, correction, error));
}

gboolean
lb_store_correct_finish (LbStore       *self,
                         GAsyncResult  *result,
                         char         **id,
                         GError       **error)
{
  return act_finish_id (self, result, id, error);
}

static Request *
make_gold_request (gint64        item_id,
                   const char   *actor,
                   gboolean      gold,
                   GError      **error)
{
  Request *req = make_simple_request (REQUEST_GOLD, item_id, actor, 0, error);

  if (req != NULL)
    req->gold = gold;
  return req;
}

gboolean
lb_store_mark_gold (LbStore     *self,
                    gint64       item_id,
                    const char  *lead_actor,
                    gboolean     gold,
                    GError     **error)
{
  RUN_ACT_SYNC (self, error, make_gold_request (item_id, lead_actor, gold, error));
}

void
lb_store_mark_gold_async (LbStore             *self,
                          gint64               item_id,
                          const char          *lead_actor,
                          gboolean             gold,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  RUN_ACT_ASYNC (self, lb_store_mark_gold_async, cancellable, callback, user_data,
                 make_gold_request (item_id, lead_actor, gold, error));
}

gboolean
lb_store_mark_gold_finish (LbStore       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return act_finish (self, result, error);
}

/* An item's events on DB (the caller holds what guards DB), marked active */
static GArray *
read_item_rows (sqlite3  *db,
                gint64    item_id,
                GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (EventRow));
  int rc;

  g_array_set_clear_func (rows, event_row_clear);
  stmt = prepare (db,
                  "SELECT seq, uuid, actor, kind, payload, time_us, act, role, dwell_ms"
                  " FROM events WHERE item_id = ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, item_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    append_event_row (rows, stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, db, _("Cannot read the item’s events"));
      return NULL;
    }
  mark_active (rows);
  return g_steal_pointer (&rows);
}

static char **
strv_from_json_array (JsonArray *array)
{
  GPtrArray *strv = g_ptr_array_new ();

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *s = json_array_get_string_element (array, i);

      if (s != NULL)
        g_ptr_array_add (strv, g_strdup (s));
    }
  g_ptr_array_add (strv, NULL);
  return (char **) g_ptr_array_free (strv, FALSE);
}

LbItem *
lb_store_get_item_for_actor (LbStore     *self,
                             gint64       item_id,
                             const char  *actor,
                             GError     **error)
{
  g_autoptr(LbItem) base = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_auto(Derived) d = { 0, };
  g_auto(StateColumns) c = { 0, };
  g_auto(GStrv) labels = NULL;
  LbItemFields f = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  base = lb_store_get_item (self, item_id, error);
  if (base == NULL)
    return NULL;
  schema = lb_store_get_batch_schema (self, lb_item_get_batch_id (base), error);
  if (schema == NULL)
    return NULL;

  g_mutex_lock (&self->read_lock);
  if (check_open_for_read (self, error))
    rows = read_item_rows (self->rdb, item_id, error);
  g_mutex_unlock (&self->read_lock);
  if (rows == NULL)
    return NULL;

  derive_state_for (rows, actor, NULL, &d);
  state_columns (&d, &c);
  labels = strv_from_json_array (d.labels);

  f.id = lb_item_get_id (base);
  f.batch_id = lb_item_get_batch_id (base);
  f.batch_name = lb_item_get_batch_name (base);
  f.external_id = lb_item_get_external_id (base);
  f.kind = lb_item_get_kind (base);
  f.path = lb_item_get_path (base);
  f.relative_path = lb_item_get_relative_path (base);
  f.text = lb_item_get_text (base);
  f.meta_json = lb_item_get_meta_json (base);
  f.content_hash = lb_item_get_content_hash (base);
  f.state = state_from_string (c.state);
  f.labels = (const char * const *) labels;
  f.decision = d.decision;
  f.reason = d.reason;
  f.note = d.note;
  f.flagged = decision_is_flagged (schema, d.decision);
  f.last_actor = d.last_actor;
  f.regions_json = c.regions;
  f.spans_json = c.spans;
  f.answers_json = c.answers;
  f.updated_us = d.max_time_us;
  return lb_item_new (&f);
}

guint
lb_store_get_batch_overlap (LbStore  *self,
                            gint64    batch_id,
                            GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  guint overlap = 0;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), 0);

  g_mutex_lock (&self->read_lock);
  if (!check_open_for_read (self, error))
    goto out;
  stmt = prepare (self->rdb,
                  "SELECT b.id, m.value FROM batches b LEFT JOIN meta m"
                  " ON m.key = 'overlap:' || b.name WHERE b.id = ?1", error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, batch_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    overlap = (guint) MAX (1, g_ascii_strtoll (col_text (stmt, 1) != NULL
                                                 ? col_text (stmt, 1) : "1", NULL, 10));
  else if (rc == SQLITE_DONE)
    g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND,
                 _("No batch with id %s in the store"), num_str (batch_id).s);
  else
    set_sqlite_error (error, self->rdb, _("Cannot read the batch"));

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_mutex_unlock (&self->read_lock);
  return overlap;
}

gboolean
lb_store_set_batch_overlap (LbStore  *self,
                            gint64    batch_id,
                            guint     overlap,
                            GError  **error)
{
  Request req = { 0, };

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);

  if (overlap < 1 || overlap > 1000)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("An overlap of %u annotators per item is out of range (1 to 1000)"),
                   overlap);
      return FALSE;
    }
  req.kind = REQUEST_SET_OVERLAP;
  req.batch_id = batch_id;
  req.cursor_seq = overlap;
  return run_request_sync (self, &req, error);
}

/* How many of the first 100 image items of the batch have their file under
 * ROOT (*n_looked: how many were looked at) */
static gboolean
count_files_under (LbStore     *self,
                   gint64       batch_id,
                   const char  *root,
                   guint       *n_looked,
                   guint       *n_found,
                   GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  *n_looked = *n_found = 0;
  g_mutex_lock (&self->read_lock);
  if (!check_open_for_read (self, error))
    goto out;
  stmt = prepare (self->rdb,
                  "SELECT path FROM items WHERE batch_id = ?1 AND kind = 'image'"
                  " AND path IS NOT NULL ORDER BY id LIMIT 100", error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, batch_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *path = g_build_filename (root, col_text (stmt, 0), NULL);

      (*n_looked)++;
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        (*n_found)++;
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (error, self->rdb, _("Cannot list the items"));
      goto out;
    }
  ok = TRUE;

out:
  g_mutex_unlock (&self->read_lock);
  return ok;
}

gboolean
lb_store_set_batch_root (LbStore     *self,
                         gint64       batch_id,
                         const char  *root,
                         GError     **error)
{
  g_autofree char *canonical = NULL;
  Request req = { 0, };
  guint n_looked, n_found;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (root != NULL, FALSE);

  if (!g_utf8_validate (root, -1, NULL) || !g_path_is_absolute (root)
      || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("“%s” is not a folder"), root);
      return FALSE;
    }
  canonical = g_canonicalize_filename (root, NULL);
  if (!count_files_under (self, batch_id, canonical, &n_looked, &n_found, error))
    return FALSE;
  if (n_looked > 0 && n_found == 0)
    {
      g_set_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID,
                   _("None of the batch’s images is in “%s” (%u looked for)"), canonical,
                   n_looked);
      return FALSE;
    }

  req.kind = REQUEST_SET_ROOT;
  req.batch_id = batch_id;
  req.root = canonical;
  return run_request_sync (self, &req, error);
}

typedef struct {
  gint64  batch_id;
  char   *root;
} SetRootData;

static void
set_root_data_free (gpointer data)
{
  SetRootData *d = data;

  g_free (d->root);
  g_free (d);
}

static void
set_root_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SetRootData *d = task_data;
  GError *error = NULL;

  if (lb_store_set_batch_root (LB_STORE (source), d->batch_id, d->root, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lb_store_set_batch_root_async (LbStore             *self,
                               gint64               batch_id,
                               const char          *root,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SetRootData *d;

  g_return_if_fail (LB_IS_STORE (self));
  g_return_if_fail (root != NULL);

  d = g_new0 (SetRootData, 1);
  d->batch_id = batch_id;
  d->root = g_strdup (root);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_store_set_batch_root_async);
  g_task_set_task_data (task, d, set_root_data_free);
  g_task_run_in_thread (task, set_root_thread);
}

gboolean
lb_store_set_batch_root_finish (LbStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Item works: one item's rows folded per annotator */

typedef struct {
  GPtrArray *strings;   /* owned strings of the current item */
  GPtrArray *strvs;     /* owned string arrays */
  GArray    *works;     /* of LbActorWork */
} WorkScratch;

static const char *
scratch_take (WorkScratch *s,
              char        *str)
{
  if (str != NULL)
    g_ptr_array_add (s->strings, str);
  return str;
}

static const char * const *
scratch_take_strv (WorkScratch *s,
                   char       **strv)
{
  g_ptr_array_add (s->strvs, strv);
  return (const char * const *) strv;
}

static gboolean
uuid_in_array (JsonArray  *array,
               GHashTable *uuids)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *uuid = json_array_get_string_element (array, i);

      if (uuid != NULL && g_hash_table_contains (uuids, uuid))
        return TRUE;
    }
  return FALSE;
}

/* Fills s->works from the item's rows (marked active) */
static void
fold_works (GArray      *rows,
            WorkScratch *s,
            gint64      *last_us)
{
  g_autoptr(GPtrArray) actors = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      EventRow *row = &g_array_index (rows, EventRow, i);

      if (row->active && row_is_work (row)
          && !g_ptr_array_find_with_equal_func (actors, row->actor, g_str_equal, NULL))
        g_ptr_array_add (actors, row->actor);
    }

  for (guint a = 0; a < actors->len; a++)
    {
      const char *actor = g_ptr_array_index (actors, a);
      g_auto(Derived) d = { 0, };
      g_auto(StateColumns) c = { 0, };
      g_autoptr(GHashTable) uuids = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GArray) acts = g_array_new (FALSE, FALSE, sizeof (gint64));
      LbActorWork w = { 0, };

      derive_state_for (rows, actor, NULL, &d);
      state_columns (&d, &c);
      if (g_str_equal (c.state, "todo"))
        continue;

      w.actor = actor;
      w.state = state_from_string (c.state);
      w.labels = scratch_take_strv (s, strv_from_json_array (d.labels));
      w.decision = scratch_take (s, g_steal_pointer (&d.decision));
      w.reason = scratch_take (s, g_steal_pointer (&d.reason));
      w.regions_json = scratch_take (s, g_steal_pointer (&c.regions));
      w.spans_json = scratch_take (s, g_steal_pointer (&c.spans));

      for (guint i = 0; i < rows->len; i++)
        {
          EventRow *row = &g_array_index (rows, EventRow, i);

          if (!row_is_work (row) || g_strcmp0 (row->actor, actor) != 0)
            continue;
          g_hash_table_add (uuids, row->uuid);
          if (!row->active)
            continue;
          if (w.first_us == 0)
            w.first_us = row->time_us;
          w.last_us = MAX (w.last_us, row->time_us);
          if (acts->len == 0 || g_array_index (acts, gint64, acts->len - 1) != row->act)
            {
              g_array_append_val (acts, row->act);
              w.dwell_ms += row->dwell_ms;
            }
        }
      w.n_acts = acts->len;
      *last_us = MAX (*last_us, w.last_us);

      for (guint i = 0; i < rows->len; i++)
        {
          EventRow *row = &g_array_index (rows, EventRow, i);
          g_autoptr(JsonNode) root = NULL;
          JsonObject *obj;
          JsonNode *of;

          if (!row->active || g_strcmp0 (row->kind, "review") != 0)
            continue;
          root = parse_json (row->payload);
          obj = node_object (root);
          of = obj != NULL ? json_object_get_member (obj, "of") : NULL;
          if (of == NULL || !JSON_NODE_HOLDS_ARRAY (of)
              || !uuid_in_array (json_node_get_array (of), uuids))
            continue;
          w.review_verdict = scratch_take (s, g_strdup (json_object_get_string_member_with_default (
                                                          obj, "verdict", NULL)));
          w.reviewer = row->actor;
        }

      g_array_append_val (s->works, w);
    }
}

#define ITEM_WORK_SELECT \
  "SELECT i.id, i.batch_id, b.name, i.external_id, i.kind, s.state, s.labels," \
  " s.decision, s.reason, s.review, s.reviewer," \
  " COALESCE (s.gold, CASE WHEN json_valid (i.meta)" \
  "   AND json_type (i.meta, '$.gold') = 'object'" \
  "   THEN json_extract (i.meta, '$.gold') END)," \
  " CASE WHEN json_valid (i.meta) AND json_type (i.meta, '$.overlap') = 'integer'" \
  "   THEN json_extract (i.meta, '$.overlap') END" \
  " FROM items i JOIN batches b ON b.id = i.batch_id" \
  " LEFT JOIN item_state s ON s.item_id = i.id"

#define EVENT_WORK_SELECT \
  "SELECT e.seq, e.uuid, e.actor, e.kind, e.payload, e.time_us, e.act, e.role," \
  " e.dwell_ms, e.item_id FROM events e JOIN items i ON i.id = e.item_id"

/* batch_id 0 = all; item_id 0 = all, else that item only */
static gboolean
foreach_item_work (LbStore         *self,
                   gint64           batch_id,
                   gint64           item_id_only,
                   LbItemWorkFunc   func,
                   gpointer         user_data,
                   GError         **error)
{
  g_autoptr(sqlite3_stmt) items = NULL;
  g_autoptr(sqlite3_stmt) events = NULL;
  g_autoptr(sqlite3_stmt) overlaps = NULL;
  g_autoptr(GHashTable) batch_overlap = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                               g_free, NULL);
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (EventRow));
  WorkScratch scratch = { 0, };
  sqlite3 *db;
  gboolean ok = TRUE;
  gboolean have_event = FALSE;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  g_array_set_clear_func (rows, event_row_clear);
  db = open_private_reader (self, error);
  if (db == NULL)
    return FALSE;
  if (!exec_sql (db, "BEGIN", error))
    {
      sqlite3_close (db);
      return FALSE;
    }

  scratch.strings = g_ptr_array_new_with_free_func (g_free);
  scratch.strvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  scratch.works = g_array_new (FALSE, TRUE, sizeof (LbActorWork));

  overlaps = prepare (db, "SELECT substr (key, 9), value FROM meta WHERE key LIKE 'overlap:%'",
                      error);
  if (overlaps == NULL)
    {
      ok = FALSE;
      goto out;
    }
  while (sqlite3_step (overlaps) == SQLITE_ROW)
    g_hash_table_insert (batch_overlap, g_strdup (col_text (overlaps, 0)),
                         GUINT_TO_POINTER ((guint) MAX (1, g_ascii_strtoll (
                                             col_text (overlaps, 1), NULL, 10))));

  /* one item: plain equalities, so that SQLite takes the primary key and
   * the events_item index instead of scanning */
  items = prepare (db, item_id_only != 0 ? ITEM_WORK_SELECT " WHERE i.id = ?2 AND ?1 = ?1"
                                         : ITEM_WORK_SELECT
                                           " WHERE ?1 = 0 OR i.batch_id = ?1 ORDER BY i.id",
                   error);
  events = prepare (db, item_id_only != 0
                          ? EVENT_WORK_SELECT " WHERE e.item_id = ?2 AND ?1 = ?1 ORDER BY e.seq"
                          : EVENT_WORK_SELECT " WHERE ?1 = 0 OR i.batch_id = ?1"
                                              " ORDER BY e.item_id, e.seq", error);
  if (items == NULL || events == NULL)
    {
      ok = FALSE;
      goto out;
    }
  sqlite3_bind_int64 (items, 1, batch_id);
  sqlite3_bind_int64 (events, 1, batch_id);
  sqlite3_bind_int64 (items, 2, item_id_only);
  sqlite3_bind_int64 (events, 2, item_id_only);

  rc = sqlite3_step (events);
  have_event = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ok = set_sqlite_error (error, db, _("Cannot read the events"));
      goto out;
    }

  while ((rc = sqlite3_step (items)) == SQLITE_ROW)
    {
      LbItemWork w = { 0, };
      g_autoptr(JsonNode) labels_root = NULL;
      gint64 item_id = sqlite3_column_int64 (items, 0);

      g_array_set_size (rows, 0);
      g_array_set_size (scratch.works, 0);
      g_ptr_array_set_size (scratch.strings, 0);
      g_ptr_array_set_size (scratch.strvs, 0);

      while (have_event && sqlite3_column_int64 (events, 9) <= item_id)
        {
          if (sqlite3_column_int64 (events, 9) == item_id)
            append_event_row (rows, events);
          rc = sqlite3_step (events);
          have_event = rc == SQLITE_ROW;
          if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            {
              ok = set_sqlite_error (error, db, _("Cannot read the events"));
              goto out;
            }
        }
      mark_active (rows);
      fold_works (rows, &scratch, &w.last_us);

      w.item_id = item_id;
      w.batch_id = sqlite3_column_int64 (items, 1);
      w.batch = col_text (items, 2);
      w.external_id = col_text (items, 3);
      w.kind = kind_from_string (col_text (items, 4));
      w.state = state_from_string (col_text (items, 5));
      labels_root = parse_json (col_text (items, 6));
      w.labels = scratch_take_strv (&scratch, strv_from_json_array (
                                      labels_root != NULL && JSON_NODE_HOLDS_ARRAY (labels_root)
                                        ? json_node_get_array (labels_root) : NULL));
      w.decision = col_text (items, 7);
      w.reason = col_text (items, 8);
      w.review_verdict = col_text (items, 9);
      w.reviewer = col_text (items, 10);
      w.gold_json = col_text (items, 11);
      if (sqlite3_column_type (items, 12) == SQLITE_INTEGER)
        w.overlap = (guint) CLAMP (sqlite3_column_int64 (items, 12), 1, 1000);
      else
        w.overlap = GPOINTER_TO_UINT (g_hash_table_lookup (batch_overlap, w.batch));
      if (w.overlap == 0)
        w.overlap = 1;
      w.n_works = scratch.works->len;
      w.works = (const LbActorWork *) scratch.works->data;

      if (!func (&w, user_data, error))
        {
          ok = FALSE;
          goto out;
        }
    }
  if (rc != SQLITE_DONE)
    ok = set_sqlite_error (error, db, _("Cannot read the items"));

out:
  g_clear_pointer (&items, sqlite3_finalize);
  g_clear_pointer (&events, sqlite3_finalize);
  g_clear_pointer (&overlaps, sqlite3_finalize);
  g_clear_pointer (&scratch.strings, g_ptr_array_unref);
  g_clear_pointer (&scratch.strvs, g_ptr_array_unref);
  g_clear_pointer (&scratch.works, g_array_unref);
  g_array_set_size (rows, 0);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}

gboolean
lb_store_foreach_item_work (LbStore         *self,
                            gint64           batch_id,
                            LbItemWorkFunc   func,
                            gpointer         user_data,
                            GError         **error)
{
  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return foreach_item_work (self, batch_id, 0, func, user_data, error);
}

/* Consensus */

typedef struct {
  const char *label;
  double      a;   /* box: x0, y0, x1, y1; span: start, end */
  double      b;
  double      c;
  double      d;
} Shape;

/* Regions (as bounding boxes) or spans of a work, parsed */
static GArray *
parse_shapes (const char *json,
              gboolean    spans,
              JsonNode  **keep)
{
  GArray *shapes = g_array_new (FALSE, TRUE, sizeof (Shape));
  JsonArray *array;

  *keep = parse_json (json);
  if (*keep == NULL || !JSON_NODE_HOLDS_ARRAY (*keep))
    return shapes;
  array = json_node_get_array (*keep);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      Shape s = { 0, };
      JsonArray *box, *points;

      if (o == NULL)
        continue;
      s.label = json_object_get_string_member_with_default (o, "label", NULL);
      if (spans)
        {
          s.a = json_object_get_int_member_with_default (o, "start", 0);
          s.b = json_object_get_int_member_with_default (o, "end", 0);
        }
      else if (json_object_has_member (o, "box")
               && (box = json_object_get_array_member (o, "box")) != NULL
               && json_array_get_length (box) == 4)
        {
          s.a = json_array_get_double_element (box, 0);
          s.b = json_array_get_double_element (box, 1);
          s.c = s.a + json_array_get_double_element (box, 2);
          s.d = s.b + json_array_get_double_element (box, 3);
        }
      else if (json_object_has_member (o, "points")
               && (points = json_object_get_array_member (o, "points")) != NULL)
        {
          for (guint k = 0; k < json_array_get_length (points); k++)
            {
              JsonArray *p = json_array_get_array_element (points, k);
              double x, y;

              if (p == NULL || json_array_get_length (p) < 2)
                continue;
              x = json_array_get_double_element (p, 0);
              y = json_array_get_double_element (p, 1);
              s.a = k == 0 ? x : MIN (s.a, x);
              s.b = k == 0 ? y : MIN (s.b, y);
              s.c = k == 0 ? x : MAX (s.c, x);
              s.d = k == 0 ? y : MAX (s.d, y);
            }
        }
      g_array_append_val (shapes, s);
    }
  return shapes;
}

static double
shape_iou (const Shape *x,
           const Shape *y,
           gboolean     spans)
{
  double inter, uni;

  if (spans)
    {
      inter = MAX (0.0, MIN (x->b, y->b) - MAX (x->a, y->a));
      uni = (x->b - x->a) + (y->b - y->a) - inter;
    }
  else
    {
      double w = MAX (0.0, MIN (x->c, y->c) - MAX (x->a, y->a));
      double h = MAX (0.0, MIN (x->d, y->d) - MAX (x->b, y->b));

      inter = w * h;
      uni = (x->c - x->a) * (x->d - x->b) + (y->c - y->a) * (y->d - y->b) - inter;
    }
  return uni > 0 ? inter / uni : 0.0;
}

/* One-to-one match: each shape of A, in order, takes the unmatched shape of
 * B with the same label and the highest IoU, which must reach the threshold */
static gboolean
shapes_match (const char *json_a,
              const char *json_b,
              gboolean    spans)
{
  g_autoptr(JsonNode) keep_a = NULL;
  g_autoptr(JsonNode) keep_b = NULL;
  g_autoptr(GArray) a = parse_shapes (json_a, spans, &keep_a);
  g_autoptr(GArray) b = parse_shapes (json_b, spans, &keep_b);
  g_autofree gboolean *taken = NULL;

  if (a->len != b->len)
    return FALSE;
  taken = g_new0 (gboolean, b->len + 1);
  for (guint i = 0; i < a->len; i++)
    {
      const Shape *x = &g_array_index (a, Shape, i);
      double best = -1;
      guint best_j = G_MAXUINT;

      for (guint j = 0; j < b->len; j++)
        {
          const Shape *y = &g_array_index (b, Shape, j);
          double iou;

          if (taken[j] || g_strcmp0 (x->label, y->label) != 0)
            continue;
          iou = shape_iou (x, y, spans);
          if (iou > best)
            {
              best = iou;
              best_j = j;
            }
        }
      if (best_j == G_MAXUINT || best < LB_CONSENSUS_IOU)
        return FALSE;
      taken[best_j] = TRUE;
    }
  return TRUE;
}

static gboolean
same_label_set (const char * const *a,
                const char * const *b)
{
  guint na = g_strv_length ((char **) a);
  guint nb = g_strv_length ((char **) b);

  if (na != nb)
    return FALSE;
  for (guint i = 0; i < na; i++)
    if (!g_strv_contains (b, a[i]))
      return FALSE;
  return TRUE;
}

gboolean
lb_actor_work_agree (const LbActorWork *a,
                     const LbActorWork *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return same_label_set (a->labels, b->labels)
         && g_strcmp0 (a->decision, b->decision) == 0
         && g_strcmp0 (a->reason, b->reason) == 0
         && shapes_match (a->regions_json, b->regions_json, FALSE)
         && shapes_match (a->spans_json, b->spans_json, TRUE);
}

LbConsensus
lb_consensus_of_work (const LbItemWork *work,
                      guint            *agreed)
{
  guint n = 0;

  g_return_val_if_fail (work != NULL, LB_CONSENSUS_NONE);

  for (guint i = 0; i < work->n_works; i++)
    if (work->works[i].state == LB_ITEM_STATE_DONE)
      n++;
  if (n < 2)
    return LB_CONSENSUS_NONE;

  for (guint i = 0; i < work->n_works; i++)
    {
      guint count = 0;

      if (work->works[i].state != LB_ITEM_STATE_DONE)
        continue;
      for (guint j = 0; j < work->n_works; j++)
        if (work->works[j].state == LB_ITEM_STATE_DONE
            && (i == j || lb_actor_work_agree (&work->works[i], &work->works[j])))
          count++;
      if (2 * count > n)
        {
          if (agreed != NULL)
            *agreed = i;
          return LB_CONSENSUS_AGREED;
        }
    }
  return LB_CONSENSUS_DISPUTED;
}

/* Review queue */

static gboolean
work_is_sampled (const LbReviewQuery *q,
                 const LbItemWork    *item,
                 const LbActorWork   *w)
{
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;
  g_autofree char *key = NULL;
  guint64 u = 0;

  if (q->sample_fraction <= 0.0 || q->sample_fraction >= 1.0)
    return TRUE;

  key = g_strdup_printf ("%" G_GUINT64_FORMAT "\n%s\n%s\n%s", q->sample_seed, w->actor,
                         item->batch, item->external_id);
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) key, -1);
  g_checksum_get_digest (checksum, digest, &len);
  for (guint i = 0; i < 8; i++)
    u = (u << 8) | digest[i];
  return (double) u / 18446744073709551616.0 < q->sample_fraction;
}

static gboolean
work_matches (const LbReviewQuery *q,
              const LbActorWork   *w)
{
  if (w->state != LB_ITEM_STATE_DONE)
    return FALSE;
  if (q->annotator != NULL && g_strcmp0 (q->annotator, w->actor) != 0)
    return FALSE;
  if (q->label != NULL && !g_strv_contains (w->labels, q->label))
    return FALSE;
  if (q->decision != NULL && g_strcmp0 (q->decision, w->decision) != 0)
    return FALSE;
  if (q->reason != NULL && g_strcmp0 (q->reason, w->reason) != 0)
    return FALSE;
  if (q->since_us != 0 && w->last_us < q->since_us)
    return FALSE;
  if (q->until_us != 0 && w->last_us >= q->until_us)
    return FALSE;
  return TRUE;
}

typedef struct {
  const LbReviewQuery *query;
  GArray              *ids;
} ReviewScan;

static gboolean
review_scan_cb (const LbItemWork  *item,
                gpointer           user_data,
                GError           **error)
{
  ReviewScan *scan = user_data;
  const LbReviewQuery *q = scan->query;

  if (q->status == LB_REVIEW_STATUS_UNREVIEWED && item->review_verdict != NULL)
    return TRUE;
  if (q->status == LB_REVIEW_STATUS_REVIEWED && item->review_verdict == NULL)
    return TRUE;
  if (q->disputed_only && lb_consensus_of_work (item, NULL) != LB_CONSENSUS_DISPUTED)
    return TRUE;

  for (guint i = 0; i < item->n_works; i++)
    if (work_matches (q, &item->works[i]) && work_is_sampled (q, item, &item->works[i]))
      {
        g_array_append_val (scan->ids, item->item_id);
        break;
      }
  return TRUE;
}

GArray *
lb_store_list_review_ids (LbStore              *self,
                          const LbReviewQuery  *query,
                          GError              **error)
{
  LbReviewQuery all = { 0, };
  ReviewScan scan = { query != NULL ? query : &all, NULL };

  g_return_val_if_fail (LB_IS_STORE (self), NULL);

  scan.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!lb_store_foreach_item_work (self, scan.query->batch_id, review_scan_cb, &scan, error))
    g_clear_pointer (&scan.ids, g_array_unref);
  return scan.ids;
}

typedef struct {
  LbReviewQuery  query;
  char          *annotator;
  char          *label;
  char          *decision;
  char          *reason;
  char          *actor;     /* queue lists */
  gint64         batch_id;
  LbItemFilter   filter;
} ListData;

static void
list_data_free (gpointer data)
{
  ListData *d = data;

  g_free (d->annotator);
  g_free (d->label);
  g_free (d->decision);
  g_free (d->reason);
  g_free (d->actor);
  g_free (d);
}

static void
list_review_ids_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  ListData *d = task_data;
  GError *error = NULL;
  GArray *ids = lb_store_list_review_ids (LB_STORE (source), &d->query, &error);

  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

void
lb_store_list_review_ids_async (LbStore              *self,
                                const LbReviewQuery  *query,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  ListData *d = g_new0 (ListData, 1);

  g_return_if_fail (LB_IS_STORE (self));

  if (query != NULL)
    d->query = *query;
  d->query.annotator = d->annotator = g_strdup (d->query.annotator);
  d->query.label = d->label = g_strdup (d->query.label);
  d->query.decision = d->decision = g_strdup (d->query.decision);
  d->query.reason = d->reason = g_strdup (d->query.reason);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_store_list_review_ids_async);
  g_task_set_task_data (task, d, list_data_free);
  g_task_run_in_thread (task, list_review_ids_thread);
}

GArray *
lb_store_list_review_ids_finish (LbStore       *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Annotator queues */

typedef struct {
  LbStore      *store;
  const char   *actor;
  LbItemFilter  filter;
  GArray       *ids;
  GHashTable   *schemas;   /* batch id -> LbSchema */
} QueueScan;

static gboolean
queue_scan_cb (const LbItemWork  *item,
               gpointer           user_data,
               GError           **error)
{
  QueueScan *scan = user_data;
  const LbActorWork *mine = NULL;
  guint n_done = 0;
  gboolean in = FALSE;

  for (guint i = 0; i < item->n_works; i++)
    {
      if (item->works[i].state == LB_ITEM_STATE_DONE)
        n_done++;
      if (g_strcmp0 (item->works[i].actor, scan->actor) == 0)
        mine = &item->works[i];
    }
  if (mine != NULL && mine->state != LB_ITEM_STATE_DONE)
    mine = NULL;  /* skipped: still to do */

  switch (scan->filter)
    {
    case LB_ITEM_FILTER_TODO:
      in = mine == NULL && n_done < item->overlap;
      break;
    case LB_ITEM_FILTER_DONE:
      in = mine != NULL;
      break;
    case LB_ITEM_FILTER_FLAGGED:
      if (mine != NULL && mine->decision != NULL)
        {
          LbSchema *schema = g_hash_table_lookup (scan->schemas, &item->batch_id);

          if (schema == NULL)
            {
              schema = lb_store_get_batch_schema (scan->store, item->batch_id, error);
              if (schema == NULL)
                return FALSE;
              g_hash_table_insert (scan->schemas, g_memdup2 (&item->batch_id, sizeof (gint64)),
                                   schema);
            }
          in = decision_is_flagged (schema, mine->decision);
        }
      break;
    case LB_ITEM_FILTER_ALL:
    default:
      in = mine != NULL || n_done < item->overlap;
      break;
    }
  if (in)
    g_array_append_val (scan->ids, item->item_id);
  return TRUE;
}

gboolean
_lb_store_item_in_queue (LbStore       *self,
                         gint64         item_id,
                         const char    *actor,
                         LbItemFilter   filter,
                         gboolean      *in,
                         GError       **error)
{
  QueueScan scan = { self, actor, filter, NULL, NULL };
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (actor != NULL && in != NULL, FALSE);

  scan.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  scan.schemas = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify) lb_schema_unref);
  ok = foreach_item_work (self, 0, item_id, queue_scan_cb, &scan, error);
  *in = ok && scan.ids->len > 0;
  g_array_unref (scan.ids);
  g_hash_table_unref (scan.schemas);
  return ok;
}

GArray *
lb_store_list_queue_ids (LbStore       *self,
                         gint64         batch_id,
                         const char    *actor,
                         LbItemFilter   filter,
                         GError       **error)
{
  QueueScan scan = { self, actor, filter, NULL, NULL };

  g_return_val_if_fail (LB_IS_STORE (self), NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  scan.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  scan.schemas = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify) lb_schema_unref);
  if (!lb_store_foreach_item_work (self, batch_id, queue_scan_cb, &scan, error))
    g_clear_pointer (&scan.ids, g_array_unref);
  g_hash_table_unref (scan.schemas);
  return scan.ids;
}

/* lb_store_list_item_ids () on a connection of its own, in one snapshot:
 * the main thread's reads do not wait for it */
static GArray *
list_item_ids_private (LbStore       *self,
                       gint64         batch_id,
                       LbItemFilter   filter,
                       GError       **error)
{
  sqlite3 *db = open_private_reader (self, error);
  GArray *ids = NULL;

  if (db == NULL)
    return NULL;
  if (exec_sql (db, "BEGIN", error))
    {
      ids = list_item_ids_on (db, batch_id, filter, 0, error);
      exec_sql (db, "COMMIT", NULL);
    }
  sqlite3_close (db);
  return ids;
}

static void
list_queue_ids_thread (GTask        *task,
                       gpointer      source,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ListData *d = task_data;
  GError *error = NULL;
  GArray *ids;

  if (d->actor != NULL)
    ids = lb_store_list_queue_ids (LB_STORE (source), d->batch_id, d->actor, d->filter, &error);
  else
    ids = list_item_ids_private (LB_STORE (source), d->batch_id, d->filter, &error);

  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

void
lb_store_list_queue_ids_async (LbStore             *self,
                               gint64               batch_id,
                               const char          *actor,
                               LbItemFilter         filter,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ListData *d;

  g_return_if_fail (LB_IS_STORE (self));

  d = g_new0 (ListData, 1);
  d->batch_id = batch_id;
  d->actor = g_strdup (actor);
  d->filter = filter;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_store_list_queue_ids_async);
  g_task_set_task_data (task, d, list_data_free);
  g_task_run_in_thread (task, list_queue_ids_thread);
}

GArray *
lb_store_list_queue_ids_finish (LbStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Per-seat chains */

typedef struct {
  char   *seat;
  char   *head;     /* hash of the last event checked */
  gint64  head_seq;
  gint64  count;
  char   *broken;   /* the first break, or NULL */
} SeatChain;

static void
seat_chain_free (gpointer data)
{
  SeatChain *c = data;

  g_free (c->seat);
  g_free (c->head);
  g_free (c->broken);
  g_free (c);
}

gboolean
lb_store_verify_seats (LbStore          *self,
                       LbSeatChainFunc   func,
                       gpointer          user_data,
                       GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) chains = g_ptr_array_new_with_free_func (seat_chain_free);
  g_autoptr(GHashTable) by_seat = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3 *db;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  db = open_private_reader (self, error);
  if (db == NULL)
    return FALSE;
  if (!exec_sql (db, "BEGIN", error))
    {
      sqlite3_close (db);
      return FALSE;
    }

  stmt = prepare (db, EVENT_SELECT " ORDER BY e.seq", error);
  if (stmt == NULL)
    {
      ok = FALSE;
      goto out;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LbEvent ev = { 0, };
      SeatChain *c;
      g_autofree char *hash = NULL;
      const char *seat;

      event_from_row (stmt, &ev);
      seat = ev.seat != NULL ? ev.seat : "";
      c = g_hash_table_lookup (by_seat, seat);
      if (c == NULL)
        {
          c = g_new0 (SeatChain, 1);
          c->seat = g_strdup (seat);
          c->head = g_strdup ("");
          g_ptr_array_add (chains, c);
          g_hash_table_insert (by_seat, c->seat, c);
        }
      c->count++;
      if (c->broken != NULL)
        continue;

      if (g_strcmp0 (ev.prev_hash, c->head) != 0)
        {
          c->broken = g_strdup_printf (_("event %s (uuid %s): previous hash does not match "
                                         "the seat’s previous event"),
                                       num_str (ev.seq).s, ev.uuid);
          continue;
        }
      hash = compute_event_hash (ev.prev_hash, ev.uuid, ev.seat, ev.batch, ev.item, ev.actor,
                                 ev.role, ev.kind, ev.payload, ev.time_us, ev.dwell_ms);
      if (g_strcmp0 (hash, ev.hash) != 0)
        {
          c->broken = g_strdup_printf (_("event %s (uuid %s): hash does not match its "
                                         "contents"), num_str (ev.seq).s, ev.uuid);
          continue;
        }
      g_free (c->head);
      c->head = g_steal_pointer (&hash);
      c->head_seq = ev.seq;
    }
  if (rc != SQLITE_DONE)
    {
      ok = set_sqlite_error (error, db, _("Cannot read the events"));
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* chains cut short: against the count and head recorded with each append */
  stmt = prepare (db,
                  "SELECT c.key, c.value, h.value FROM meta c"
                  " LEFT JOIN meta h ON h.key = substr (c.key, 1, length (c.key) - 5) || 'head'"
                  " WHERE c.key LIKE 'chain:%:count'", error);
  if (stmt == NULL)
    {
      ok = FALSE;
      goto out;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = col_text (stmt, 0);
      g_autofree char *seat = g_strndup (key + 6, strlen (key) - 6 - 6);
      gint64 recorded = g_ascii_strtoll (col_text (stmt, 1), NULL, 10);
      const char *recorded_head = col_text (stmt, 2) != NULL ? col_text (stmt, 2) : "";
      SeatChain *c = g_hash_table_lookup (by_seat, seat);

      if (c == NULL && recorded == 0)
        continue;  /* a seat with no events, and none recorded */
      if (c == NULL)
        {
          c = g_new0 (SeatChain, 1);
          c->seat = g_strdup (seat);
          c->head = g_strdup ("");
          g_ptr_array_add (chains, c);
          g_hash_table_insert (by_seat, c->seat, c);
        }
      if (c->broken == NULL && (c->count != recorded || g_strcmp0 (c->head, recorded_head) != 0))
        c->broken = g_strdup_printf (_("the chain ends at event %s after %s events but the "
                                       "store recorded %s events"),
                                     num_str (c->head_seq).s, num_str (c->count).s,
                                     num_str (recorded).s);
    }
  if (rc != SQLITE_DONE)
    {
      ok = set_sqlite_error (error, db, _("Cannot read the store’s records"));
      goto out;
    }

  for (guint i = 0; i < chains->len; i++)
    {
      SeatChain *c = g_ptr_array_index (chains, i);

      func (c->seat, c->count, c->broken, user_data);
    }

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}
