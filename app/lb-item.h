/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "lb-types.h"

G_BEGIN_DECLS

/* Regions are kept in source-image pixels (doubles). */
typedef enum {
  LB_REGION_SHAPE_NONE,     /* (updates: the geometry stays as it is) */
  LB_REGION_SHAPE_BOX,
  LB_REGION_SHAPE_POLYGON,
} LbRegionShape;

/* One current region of an image item */
typedef struct {
  char          *id;            /* UUID */
  char          *label;
  LbRegionShape  shape;
  double         box[4];        /* BOX: x, y, width, height */
  double        *points;        /* POLYGON: x0, y0, x1, y1, ... */
  guint          n_points;      /* pairs in points */
  char          *attributes;    /* JSON object, "{}" when none */
} LbRegion;

/* One current span of a text item */
typedef struct {
  char   *id;                   /* UUID */
  char   *label;
  gint64  start;                /* Unicode code points, end excluded */
  gint64  end;
  gint64  start_byte;           /* UTF-8 bytes into the text */
  gint64  end_byte;
  char   *text;                 /* the covered text */
} LbSpan;

/* An immutable snapshot of one item and its derived state, as read from
 * the store. A new snapshot is read after the item changes. */
#define LB_TYPE_ITEM (lb_item_get_type ())
G_DECLARE_FINAL_TYPE (LbItem, lb_item, LB, ITEM, GObject)

gint64              lb_item_get_id            (LbItem *self);
gint64              lb_item_get_batch_id      (LbItem *self);
const char         *lb_item_get_batch_name    (LbItem *self);
const char         *lb_item_get_external_id   (LbItem *self);
LbItemKind          lb_item_get_kind          (LbItem *self);
/* For images: the absolute path (batch root + relative path); NULL for texts */
const char         *lb_item_get_path          (LbItem *self);
/* The path relative to the batch root, as stored and exported */
const char         *lb_item_get_relative_path (LbItem *self);
/* For texts: the body (valid UTF-8); NULL for images */
const char         *lb_item_get_text          (LbItem *self);
const char         *lb_item_get_meta_json     (LbItem *self);   /* "{}" when none */
const char         *lb_item_get_content_hash  (LbItem *self);   /* hex SHA-256 */

LbItemState         lb_item_get_state         (LbItem *self);
const char * const *lb_item_get_labels        (LbItem *self);   /* never NULL */
const char         *lb_item_get_decision      (LbItem *self);   /* or NULL */
const char         *lb_item_get_reason        (LbItem *self);   /* or NULL */
const char         *lb_item_get_note          (LbItem *self);   /* or NULL */
gboolean            lb_item_get_flagged       (LbItem *self);
const char         *lb_item_get_last_actor    (LbItem *self);   /* or NULL */

/* The current regions, spans and answers, as JSON (never NULL):
 *   regions: [{"id", "label", "shape": "box"|"polygon", "box": [x, y, w, h] |
 *              "points": [[x, y], ...], "attributes": {...}}, ...]  (source-image pixels)
 *   spans:   [{"id", "label", "start", "end", "start_byte", "end_byte", "text"}, ...]
 *            (start/end in Unicode code points, *_byte in UTF-8 bytes)
 *   answers: {"field": "text", ...}
 * Regions and spans are in the order they were created. */
const char         *lb_item_get_regions_json  (LbItem *self);   /* "[]" when none */
const char         *lb_item_get_spans_json    (LbItem *self);   /* "[]" when none */
const char         *lb_item_get_answers_json  (LbItem *self);   /* "{}" when none */
guint               lb_item_get_n_regions     (LbItem *self);
guint               lb_item_get_n_spans       (LbItem *self);
/* The same, parsed: index < n */
const LbRegion     *lb_item_get_region        (LbItem *self,
                                               guint   index);
const LbRegion     *lb_item_find_region       (LbItem *self,
                                               const char *id);   /* or NULL */
const LbSpan       *lb_item_get_span          (LbItem *self,
                                               guint   index);
const LbSpan       *lb_item_find_span         (LbItem *self,
                                               const char *id);   /* or NULL */
/* The answer to a field of the schema, or NULL */
const char         *lb_item_get_answer        (LbItem *self,
                                               const char *field);

/* Review (issue 5). The verdict of the latest review in effect on the
 * item: "accept", "fix" or "reject", or NULL when the item has no review
 * (none made, the review was undone, or an annotator acted on the item
 * after it: new work is unreviewed; the review stays in the event log and
 * in the works it looked at, see LbActorWork). The reviewer is the lead who made
 * it, the comment what the lead wrote (or NULL). After a "fix" the item's
 * labels, decision, reason and note are the lead's corrections; the
 * annotator's own values stay in the event log (see
 * lb_store_get_item_for_actor()). */
const char         *lb_item_get_review_verdict (LbItem *self);   /* or NULL */
const char         *lb_item_get_reviewer       (LbItem *self);   /* or NULL */
const char         *lb_item_get_review_comment (LbItem *self);   /* or NULL */
/* TRUE when the item has a known answer (a gold item): its manifest meta
 * has a "gold" object, or a lead marked it (lb_store_mark_gold()). The
 * annotators' queues do not tell gold items apart. */
gboolean            lb_item_get_gold           (LbItem *self);
/* The time (µs since the epoch) of the item's latest event, whatever its
 * kind or author (a retract counts too); 0 when it has none */
gint64              lb_item_get_updated_us     (LbItem *self);

/* For the store only */
typedef struct {
  gint64              id;
  gint64              batch_id;
  const char         *batch_name;
  const char         *external_id;
  LbItemKind          kind;
  const char         *path;
  const char         *relative_path;
  const char         *text;
  const char         *meta_json;
  const char         *content_hash;
  LbItemState         state;
  const char * const *labels;
  const char         *decision;
  const char         *reason;
  const char         *note;
  gboolean            flagged;
  const char         *last_actor;
  const char         *regions_json;   /* NULL = "[]" */
  const char         *spans_json;     /* NULL = "[]" */
  const char         *answers_json;   /* NULL = "{}" */
  const char         *review_verdict;
  const char         *reviewer;
  const char         *review_comment;
  gboolean            gold;
  gint64              updated_us;
} LbItemFields;

LbItem             *lb_item_new               (const LbItemFields *fields);

G_END_DECLS
