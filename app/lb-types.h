/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LbStore        LbStore;
typedef struct _LbSchema       LbSchema;
typedef struct _LbItem         LbItem;
typedef struct _LbItemList     LbItemList;
typedef struct _LbImage        LbImage;
typedef struct _LbImageLoader  LbImageLoader;
typedef struct _LbImportReport LbImportReport;
typedef struct _LbEvent        LbEvent;
typedef struct _LbBatch        LbBatch;

typedef enum {
  LB_ITEM_KIND_IMAGE,
  LB_ITEM_KIND_TEXT,
} LbItemKind;

/* The derived state of an item, as the queue shows it. */
typedef enum {
  LB_ITEM_STATE_TODO,     /* nothing submitted yet */
  LB_ITEM_STATE_SKIPPED,  /* skipped, still to do */
  LB_ITEM_STATE_DONE,     /* labels and/or a decision submitted */
} LbItemState;

/* Queue filters. FLAGGED = items whose current decision is "escalate"
 * (or any decision the schema marks "flag": true). */
typedef enum {
  LB_ITEM_FILTER_ALL,
  LB_ITEM_FILTER_TODO,     /* TODO and SKIPPED */
  LB_ITEM_FILTER_DONE,
  LB_ITEM_FILTER_FLAGGED,
} LbItemFilter;

const char *lb_item_kind_to_string  (LbItemKind   kind);   /* "image" / "text" */
const char *lb_item_state_to_string (LbItemState  state);  /* "todo" / "skipped" / "done" */

G_END_DECLS
