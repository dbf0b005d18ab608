/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "lb-item.h"
#include "lb-schema.h"
#include "lb-store.h"

G_BEGIN_DECLS

/* Internal API of the Label Studio import (lb-import-ls.c) and of the
 * pre-annotations (lb-predictions.c). */

/* One region, span or answer in Labelbench's coordinate forms. origin is
 * the 1-based index of the Label Studio result it came from (0: none), for
 * the messages. */
typedef struct {
  char          *label;
  LbRegionShape  shape;
  double         box[4];       /* BOX: x, y, width, height in source pixels */
  GArray        *points;       /* POLYGON: of double, x0, y0, x1, y1, ... */
  char          *attributes;   /* JSON object, or NULL */
  guint          origin;
} LbPreRegion;

typedef struct {
  char   *label;
  gint64  start;               /* Unicode code points, end excluded */
  gint64  end;
  char   *text;                /* the covered text, or NULL */
  guint   origin;
} LbPreSpan;

typedef struct {
  char  *field;
  char  *text;
  guint  origin;
} LbPreAnswer;

/* What one annotation or prediction says about an item. */
typedef struct {
  char      *model;             /* predictions: model_version; NULL for annotations */
  double     score;
  gboolean   has_score;
  GPtrArray *labels;            /* of char*; NULL = no class labels given */
  char      *decision;
  char      *reason;
  char      *note;
  guint      submission_origin; /* the first result of labels / decision / reason / note */
  GPtrArray *regions;           /* of LbPreRegion* */
  GPtrArray *spans;             /* of LbPreSpan* */
  GPtrArray *answers;           /* of LbPreAnswer* */
  gboolean   skipped;           /* Label Studio's was_cancelled */
  gint64     dwell_ms;          /* Label Studio's lead_time */
} LbPreAnnotation;

LbPreAnnotation *_lb_pre_annotation_new      (void);
void             _lb_pre_annotation_free     (LbPreAnnotation *pa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbPreAnnotation, _lb_pre_annotation_free)

gboolean         _lb_pre_annotation_is_empty (const LbPreAnnotation *pa);

/* The "_predictions" object (see lb-predictions.h) and back. */
JsonNode        *_lb_pre_annotation_to_json  (const LbPreAnnotation *pa);
LbPreAnnotation *_lb_pre_annotation_from_json (JsonNode  *node,
                                               GError   **error);

/* Called for a part the store refused; the application goes on. */
typedef void (*LbPreFailFunc) (guint          origin,
                               const GError  *error,
                               gpointer       user_data);

/* Appends PA as ACTOR's events on the item (lb_predictions_accept()).
 * skip_present: parts the item already has are not made again. Without
 * FAIL the first refused part stops it (FALSE and the error). */
gboolean         _lb_pre_annotation_apply    (LbStore               *store,
                                              gint64                 item_id,
                                              const char            *actor,
                                              const LbPreAnnotation *pa,
                                              gboolean               skip_present,
                                              LbPreFailFunc          fail,
                                              gpointer               fail_data,
                                              GError               **error);

/* Label Studio names (from_name) of a schema: those of its labeling config
 * (lb_schema_get_label_config_json()), then the defaults "label", "decision",
 * "reason", "box", "polygon", "span", the schema's field ids and "note"
 * (a textarea that is the item's note). */
typedef struct _LbLsMapping LbLsMapping;

LbLsMapping     *_lb_ls_mapping_new          (LbSchema    *schema);
void             _lb_ls_mapping_free         (LbLsMapping *mapping);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbLsMapping, _lb_ls_mapping_free)

/* The data key of the labeling config's first <Image> or <Text> (value
 * "$key"), and which kind it is; FALSE when the schema has no config. */
gboolean         _lb_ls_mapping_get_data_key (LbLsMapping *mapping,
                                              const char **key,
                                              LbItemKind  *kind);

/* Translates one annotation's or prediction's "result" array for an item
 * of KIND: images at IMAGE_PATH (probed for their size when a result needs
 * it), texts with body TEXT. Results that cannot be translated are left out
 * and listed in PROBLEMS as "result M: reason" (M 1-based). Never NULL. */
LbPreAnnotation *_lb_ls_translate            (LbLsMapping *mapping,
                                              JsonArray   *result,
                                              LbItemKind   kind,
                                              const char  *image_path,
                                              const char  *text,
                                              GPtrArray   *problems);

/* Leaves out of PA what SCHEMA cannot take (unknown labels, decisions,
 * reasons or fields, tools the schema does not have, several labels in a
 * single-label schema), each listed in PROBLEMS as "result M: reason". */
void             _lb_pre_annotation_check    (LbPreAnnotation *pa,
                                              LbSchema        *schema,
                                              GPtrArray       *problems);

/* Label Studio's string offsets (UTF-16 code units) into TEXT as Unicode
 * code points; FALSE when OFFSET is past the end or inside a surrogate pair. */
gboolean         _lb_ls_utf16_to_code_points (const char  *text,
                                              gint64       offset,
                                              gint64      *code_points);

G_END_DECLS
