/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-types.h"
#include "lb-store.h"

G_BEGIN_DECLS

/* A GListModel of LbItem for one batch and filter, backed by the store:
 * it keeps only the item ids (8 bytes each) and makes LbItem snapshots when
 * asked for a position. The ids of a batch are read in a worker thread: a
 * new list is empty and "loading" until they arrive (one items-changed);
 * after lb_item_list_set_filter() the previous ids stay until the new ones
 * replace them. A list of all batches (batch_id 0) reads them at once. It follows the store's "item-changed" and
 * "items-added" signals and emits items-changed with exact positions
 * (an item that leaves the filter is removed, one that enters is inserted
 * at its queue position). */
#define LB_TYPE_ITEM_LIST (lb_item_list_get_type ())
G_DECLARE_FINAL_TYPE (LbItemList, lb_item_list, LB, ITEM_LIST, GObject)

LbItemList   *lb_item_list_new          (LbStore      *store,
                                         gint64        batch_id,
                                         LbItemFilter  filter);
/* An annotator's blind queue (overlap batches): the ids of
 * lb_store_list_queue_ids (store, batch_id, actor, filter), and the items
 * as the annotator sees them (lb_store_get_item_for_actor()). It follows the
 * store's signals as the batch list does: an item leaves the To Do queue
 * when the actor did it or enough other annotators did, and comes back when
 * that is undone. */
LbItemList   *lb_item_list_new_for_actor (LbStore      *store,
                                          gint64        batch_id,
                                          const char   *actor,
                                          LbItemFilter  filter);
/* The actor of a list made by lb_item_list_new_for_actor(), or NULL */
const char   *lb_item_list_get_actor    (LbItemList   *self);
LbStore      *lb_item_list_get_store    (LbItemList   *self);
gint64        lb_item_list_get_batch_id (LbItemList   *self);
LbItemFilter  lb_item_list_get_filter   (LbItemList   *self);
void          lb_item_list_set_filter   (LbItemList   *self,
                                         LbItemFilter  filter);
/* Whether ids are being read ("loading", notified when it changes) */
gboolean      lb_item_list_get_loading  (LbItemList   *self);
/* The item the user is on: it stays in the list when it stops matching the
 * filter (a box drawn on a To Do item makes it done), so the queue does not
 * jump under the user; it leaves when the pin moves to another item (or 0)
 * and it still does not match. */
void          lb_item_list_set_pinned   (LbItemList   *self,
                                         gint64        item_id);
gint64        lb_item_list_get_pinned   (LbItemList   *self);
/* Position of the item in the list; FALSE when it is not in it. */
gboolean      lb_item_list_find         (LbItemList   *self,
                                         gint64        item_id,
                                         guint        *position);

G_END_DECLS
