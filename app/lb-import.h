/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-types.h"
#include "lb-store.h"

G_BEGIN_DECLS

#define LB_IMPORT_ERROR (lb_import_error_quark ())

/* Texts longer than this (in bytes of UTF-8) are rejected. */
#define LB_IMPORT_MAX_TEXT_BYTES (1024 * 1024)

/* Items are inserted in transactions of at most this many. */
#define LB_IMPORT_CHUNK_SIZE 10000

/* Errors that stop the whole import (nothing imported). Rejections of single
 * items are not errors: they are listed in the report. */
typedef enum {
  LB_IMPORT_ERROR_NOT_FOUND,    /* PATH does not exist */
  LB_IMPORT_ERROR_UNSUPPORTED,  /* not a folder, .jsonl, .csv or .json file */
  LB_IMPORT_ERROR_INVALID,      /* the manifest is unusable as a whole (no header, bad schema,
                                 * a .json whose structure is broken: "FILE:LINE:COLUMN:
                                 * invalid JSON: reason") */
  LB_IMPORT_ERROR_CANCELLED,
} LbImportError;

typedef struct {
  const char *name;         /* batch name; NULL = the folder's or manifest's base name */
  const char *schema_path;  /* overrides the folder's schema.json; NULL = schema.json or default */
} LbImportOptions;

struct _LbImportReport {
  char      *batch_name;
  char      *renamed_from;  /* the batch name it would have had, when that name was taken
                             * by a batch of another folder; NULL otherwise */
  gint64     batch_id;
  guint      n_added;
  guint      n_existing;    /* already in the batch (re-import) */
  GPtrArray *rejections;    /* of char*: "FILE[:LINE]: reason", in input order; for Label
                             * Studio files "FILE: task N: reason" and "FILE: task N:
                             * [annotation K: | prediction K: ]result M: reason" (N, K, M
                             * 1-based) */
  guint      n_annotations; /* Label Studio: annotations brought in as events */
};

void lb_import_report_free (LbImportReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbImportReport, lb_import_report_free)

/* Called on the importing thread after each committed chunk. */
typedef void (*LbImportProgressFunc) (guint    n_done,
                                      gpointer user_data);

GQuark          lb_import_error_quark (void);

/* Imports PATH (a folder, a .jsonl or a .csv manifest, or a Label Studio
 * .json task file) into the store, streaming, one transaction per chunk.
 *
 * Label Studio task files (a JSON array of tasks, or one task object),
 * streamed: a scanner splits the array into tasks and json-glib parses one
 * task at a time, so memory is that of one chunk whatever the file's size
 * (a task over 8 MiB is rejected). The file's structure (strings, brackets,
 * commas) is checked first: a broken one imports nothing; a task json-glib
 * cannot read is rejected alone ("FILE: task N: line L: invalid JSON ...").
 * - the item is the data member named by the labeling config's first
 *   <Image>/<Text> value="$key" (the schema's label_config), else "image" or
 *   "text", else the first string member (said in the rejections, once);
 *   image paths are relative to the file's folder and confined to it;
 *   "/data/upload/...", "/data/local-files/..." and URLs are rejected;
 * - the external id is data.lb_item (our own exports), else the task's "id";
 * - the task's "meta" object becomes the item's meta; its best-scored
 *   prediction is kept there as pre-annotations (LB_PREDICTIONS_META_KEY,
 *   see lb-predictions.h), not as events;
 * - the annotations of the items this import ADDED become events of the actor
 *   "label-studio:<completed_by>" (a user id, or the email of a completed_by
 *   object), or of completed_by itself when it is a string (our own export
 *   writes actor names); items that were there already get nothing, so a
 *   re-import adds nothing. The events carry the import's time, not
 *   created_at; lead_time becomes the dwell time; was_cancelled a skip.
 * - results that cannot be translated are listed in the rejections. Blocks the calling thread: the GUI
 * uses lb_import_async(). Returns NULL with an error only when nothing
 * could be imported at all. */
LbImportReport *lb_import             (LbStore                *store,
                                       const char             *path,
                                       const LbImportOptions  *options,
                                       LbImportProgressFunc    progress,
                                       gpointer                progress_data,
                                       GCancellable           *cancellable,
                                       GError                **error);
void            lb_import_async       (LbStore                *store,
                                       const char             *path,
                                       const LbImportOptions  *options,
                                       GCancellable           *cancellable,
                                       GAsyncReadyCallback     callback,
                                       gpointer                user_data);
LbImportReport *lb_import_finish      (LbStore                *store,
                                       GAsyncResult           *result,
                                       GError                **error);

G_END_DECLS
