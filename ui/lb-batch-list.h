/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* The batches of a store, most recent first, one row each: name, source
 * folder or manifest, "N of M done", the date it was imported. Shown on
 * the welcome page ("In This Store") and by Switch Batch (Ctrl+B).
 *
 * The list is read off the main thread once a store is set, and read again
 * when the store adds items (an import) or an act changes an item, while
 * the list is on screen. Activating a row (click, Enter) emits
 *   "batch-activated" (gint64 batch_id)
 */

/* One batch as the list shows it (also what lb_batch_list_load_async gives) */
typedef struct {
  gint64  id;
  char   *name;
  char   *source;
  gint64  created_us;
  guint   n_done;
  guint   n_total;
} LbBatchInfo;

void          lb_batch_info_free            (LbBatchInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbBatchInfo, lb_batch_info_free)

/* Reads the batches of STORE with their progress in a worker thread, most
 * recent first; the result is a GPtrArray of LbBatchInfo. */
void          lb_batch_list_load_async      (LbStore             *store,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GPtrArray    *lb_batch_list_load_finish     (GAsyncResult        *result,
                                             GError             **error);

#define LB_TYPE_BATCH_LIST (lb_batch_list_get_type ())
G_DECLARE_FINAL_TYPE (LbBatchList, lb_batch_list, LB, BATCH_LIST, GtkWidget)

GtkWidget    *lb_batch_list_new             (void);
void          lb_batch_list_set_store       (LbBatchList *self,
                                             LbStore     *store);
/* The batch open in the window (0 = none): its row says so */
void          lb_batch_list_set_current     (LbBatchList *self,
                                             gint64       batch_id);
/* Reads the list again (off the main thread) */
void          lb_batch_list_refresh         (LbBatchList *self);
/* Whether a read is under way */
gboolean      lb_batch_list_get_loading     (LbBatchList *self);
/* What the list shows, for tests: the rows in order (AdwActionRow) */
guint         lb_batch_list_get_n_batches   (LbBatchList *self);
gint64        lb_batch_list_get_batch_id    (LbBatchList *self,
                                             guint        index);
GtkWidget    *lb_batch_list_get_row         (LbBatchList *self,
                                             guint        index);
/* The progress text of row INDEX, e.g. "3 of 5 done" */
const char   *lb_batch_list_get_progress    (LbBatchList *self,
                                             guint        index);

/* A small modal window "Switch Batch" over PARENT showing LIST (it takes
 * it); it closes on Escape and once a row was activated. */
GtkWindow    *lb_batch_list_dialog_new      (GtkWindow   *parent,
                                             LbBatchList *list);
/* The list of such a window, or NULL */
LbBatchList  *lb_batch_list_dialog_get_list (GtkWindow   *dialog);

G_END_DECLS
