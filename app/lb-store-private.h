/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "lb-store.h"

G_BEGIN_DECLS

/* Internal API for the importer and the tests. */

typedef struct {
  const char *external_id;
  LbItemKind  kind;
  const char *relative_path;  /* images: path relative to the batch root */
  const char *text;           /* texts: the body, valid UTF-8 */
  const char *meta_json;      /* a JSON object, or NULL */
  const char *content_hash;   /* hex SHA-256 of the file bytes or of the text */
} LbNewItem;

/* Finds the batch by name or creates it (on the writer thread). An existing
 * batch keeps its id; its schema is replaced when schema_json differs. */
gboolean _lb_store_ensure_batch   (LbStore          *self,
                                   const char       *name,
                                   const char       *root,
                                   const char       *source,
                                   const char       *schema_json,
                                   gint64           *batch_id,
                                   GError          **error);

/* The importer's batch (on the writer thread). The batch NAME is used when
 * it is new or has the same root (ROOT, or a folder whose real path is
 * ROOT_REAL). When NAME exists for another root: name_is_explicit →
 * LB_STORE_ERROR_INVALID ("batch “NAME” already exists for ROOT; ..."),
 * otherwise the first of NAME-2, NAME-3, ... that is new or has this root.
 * schema_json NULL keeps an existing batch's schema (a new batch gets the
 * default one); a different schema for a batch that already has events is
 * LB_STORE_ERROR_INVALID. *out_name (may be NULL) is the batch's name. */
gboolean _lb_store_ensure_import_batch (LbStore     *self,
                                        const char  *name,
                                        gboolean     name_is_explicit,
                                        const char  *root,
                                        const char  *root_real,
                                        const char  *source,
                                        const char  *schema_json,
                                        char       **out_name,
                                        gint64      *batch_id,
                                        GError     **error);

/* Inserts the items in one transaction on the writer thread, blocking the
 * caller until COMMIT returned. Items whose external id already exists in
 * the batch are left as they are and counted in n_existing. Emits
 * "items-added" when n_added > 0. */
gboolean _lb_store_insert_items   (LbStore          *self,
                                   gint64            batch_id,
                                   const LbNewItem  *items,
                                   guint             n_items,
                                   guint            *n_added,
                                   guint            *n_existing,
                                   GError          **error);

/* Like _lb_store_insert_items(); an item whose external id is in the batch
 * already with another content hash is neither added nor counted as
 * existing: its index in items is appended to conflicts (of guint). */
gboolean _lb_store_insert_items_checked (LbStore          *self,
                                         gint64            batch_id,
                                         const LbNewItem  *items,
                                         guint             n_items,
                                         guint            *n_added,
                                         guint            *n_existing,
                                         GArray           *conflicts,
                                         GError          **error);

/* Like lb_store_list_item_ids(), for the items with an id above after_id
 * only. New items get higher ids than every item before them, so the item
 * list appends what an import added. */
GArray  *_lb_store_list_item_ids_after (LbStore       *self,
                                        gint64         batch_id,
                                        LbItemFilter   filter,
                                        gint64         after_id,
                                        GError       **error);  /* of gint64 */

/* Seat bundles (lb-bundle.c). */

/* A consistent read snapshot of whole per-seat chains: the batches and the
 * items their events touch, then the events in seq order. batch NULL = all
 * seats; otherwise the seats with at least one event in that batch
 * (LB_STORE_ERROR_NOT_FOUND when there is no such batch). Each callback may
 * stop the walk by returning FALSE with an error. Any thread. */
typedef gboolean (*LbStoreBatchFunc) (const LbBatch    *batch,
                                      gpointer          user_data,
                                      GError          **error);
typedef gboolean (*LbStoreItemFunc)  (const char       *batch,
                                      const LbNewItem  *item,
                                      gpointer          user_data,
                                      GError          **error);

gboolean _lb_store_foreach_chain_row (LbStore          *self,
                                      const char       *batch,
                                      LbStoreBatchFunc  batch_func,
                                      LbStoreItemFunc   item_func,
                                      LbEventFunc       event_func,
                                      gpointer          user_data,
                                      GError          **error);

/* A merge runs func on the writer thread inside one transaction, which is
 * committed when func and the final checks succeed and rolled back
 * otherwise; func feeds the bundle's lines to the _lb_store_merge_* calls
 * below (only valid inside func). Errors are LB_BUNDLE_ERROR (CONFLICT,
 * FORK, FORMAT) or LB_STORE_ERROR; the caller adds the file and line. */
typedef struct _LbStoreMerge LbStoreMerge;
typedef gboolean (*LbStoreMergeFunc) (LbStoreMerge  *merge,
                                      gpointer       user_data,
                                      GError       **error);

gboolean _lb_store_merge        (LbStore           *self,
                                 LbStoreMergeFunc   func,
                                 gpointer           user_data,
                                 guint64           *n_added,
                                 guint64           *n_present,
                                 GError           **error);
/* Creates the batch when missing; an existing one must have the same schema. */
gboolean _lb_store_merge_batch  (LbStoreMerge      *merge,
                                 const LbBatch     *batch,
                                 GError           **error);
/* Creates the item when missing; an existing one must have the same content hash. */
gboolean _lb_store_merge_item   (LbStoreMerge      *merge,
                                 const char        *batch,
                                 const LbNewItem   *item,
                                 GError           **error);
/* Checks the event against its seat's chain (in the bundle and in the
 * store) and appends it unless it is there already (*added says which).
 * Events must come in their seats' chain order. */
gboolean _lb_store_merge_event  (LbStoreMerge      *merge,
                                 const LbEvent     *event,
                                 gboolean          *added,
                                 GError           **error);

/* Whether the item is in ACTOR's queue with FILTER (lb_store_list_queue_ids()),
 * computed for that item alone: *in. For the item list of an annotator. */
gboolean _lb_store_item_in_queue (LbStore       *self,
                                  gint64         item_id,
                                  const char    *actor,
                                  LbItemFilter   filter,
                                  gboolean      *in,
                                  GError       **error);

/* Binary search in ids sorted ascending: TRUE when id is there (*position =
 * its index), FALSE otherwise (*position = where it would go). position may
 * be NULL. */
gboolean _lb_ids_search (GArray  *ids,
                         gint64   id,
                         guint   *position);

/* Work done elsewhere, brought in (Label Studio annotations): the acts this
 * thread requests from now on carry TIME_US (UTC microseconds) as their
 * time, not the time of their commit; 0 goes back to the commit time. */
void         _lb_store_set_act_time      (gint64 time_us);

G_END_DECLS
