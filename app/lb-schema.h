/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "lb-types.h"

G_BEGIN_DECLS

#define LB_SCHEMA_ERROR (lb_schema_error_quark ())

typedef enum {
  LB_SCHEMA_ERROR_PARSE,    /* not JSON, or not an object */
  LB_SCHEMA_ERROR_INVALID,  /* JSON, but a field is missing, of the wrong type or clashes */
  LB_SCHEMA_ERROR_IO,       /* the file cannot be read */
} LbSchemaError;

typedef enum {
  LB_ATTRIBUTE_BOOL,
  LB_ATTRIBUTE_TEXT,
  LB_ATTRIBUTE_CHOICE,
} LbAttributeType;

/* A property of a region or span with this label, e.g. occluded: bool. */
typedef struct {
  char             *id;
  char             *title;
  LbAttributeType   type;
  char            **options;   /* CHOICE: the values (NULL-terminated); NULL otherwise */
} LbSchemaAttribute;

typedef struct {
  char              *id;
  char              *title;
  char              *hotkey;        /* one character as UTF-8, or NULL */
  char              *color;         /* "#rrggbb" */
  guint              n_attributes;
  LbSchemaAttribute *attributes;    /* n_attributes of them, or NULL */
} LbSchemaLabel;

/* A free-text answer the annotator gives per item (a caption, a transcription). */
typedef struct {
  char     *id;
  char     *title;
  gboolean  multiline;
} LbSchemaField;

/* The tools a batch's schema enables ("tools": ["class", "box", ...]).
 * Without "tools" a schema has CLASS and NOTE. */
typedef enum {
  LB_TOOL_CLASS   = 1 << 0,
  LB_TOOL_BOX     = 1 << 1,
  LB_TOOL_POLYGON = 1 << 2,
  LB_TOOL_SPAN    = 1 << 3,
  LB_TOOL_NOTE    = 1 << 4,
} LbSchemaTools;

#define LB_TOOLS_DEFAULT (LB_TOOL_CLASS | LB_TOOL_NOTE)

typedef struct {
  char     *id;
  char     *title;
  char     *hotkey;
  gboolean  needs_reason;
  gboolean  flag;          /* items with this decision show under the Flagged filter */
} LbSchemaDecision;

/* Reasons are a two-level tree kept as a flat list in tree order:
 * each top-level reason is followed by its children. */
typedef struct {
  char *id;         /* e.g. "abuse/insult" */
  char *title;
  char *parent_id;  /* NULL for a top-level reason */
} LbSchemaReason;

typedef enum {
  LB_HOTKEY_NONE,
  LB_HOTKEY_LABEL,
  LB_HOTKEY_DECISION,
} LbHotkeyTarget;

#define LB_TYPE_SCHEMA (lb_schema_get_type ())

GType                   lb_schema_get_type          (void) G_GNUC_CONST;
GQuark                  lb_schema_error_quark       (void);

LbSchema               *lb_schema_new_default       (void);
/* origin names the file in error messages ("schema.json: labels[2].hotkey: ...").
 * A decision that needs a reason in a schema without reasons is read as not
 * needing one (a store may hold such a schema from an older version);
 * lb_schema_new_from_file(), for a file a person wrote, refuses it. */
LbSchema               *lb_schema_new_from_data     (const char  *data,
                                                     gssize       length,
                                                     const char  *origin,
                                                     GError     **error);
LbSchema               *lb_schema_new_from_file     (const char  *path,
                                                     GError     **error);
LbSchema               *lb_schema_ref               (LbSchema    *self);
void                    lb_schema_unref             (LbSchema    *self);

/* Canonical JSON; lb_schema_new_from_data() on it gives an equal schema. */
char                   *lb_schema_to_json           (LbSchema    *self);

const char             *lb_schema_get_name          (LbSchema    *self);
gboolean                lb_schema_get_multi_label   (LbSchema    *self);

guint                   lb_schema_get_n_labels      (LbSchema    *self);
const LbSchemaLabel    *lb_schema_get_label         (LbSchema    *self,
                                                     guint        index);
const LbSchemaLabel    *lb_schema_find_label        (LbSchema    *self,
                                                     const char  *id);

guint                   lb_schema_get_n_decisions   (LbSchema    *self);
const LbSchemaDecision *lb_schema_get_decision      (LbSchema    *self,
                                                     guint        index);
const LbSchemaDecision *lb_schema_find_decision     (LbSchema    *self,
                                                     const char  *id);

guint                   lb_schema_get_n_reasons     (LbSchema    *self);
const LbSchemaReason   *lb_schema_get_reason        (LbSchema    *self,
                                                     guint        index);
const LbSchemaReason   *lb_schema_find_reason       (LbSchema    *self,
                                                     const char  *id);

LbSchemaTools           lb_schema_get_tools         (LbSchema    *self);
gboolean                lb_schema_has_tool          (LbSchema    *self,
                                                     LbSchemaTools tool);
/* "class", "box", "polygon", "span", "note" for one tool, NULL otherwise */
const char             *lb_schema_tool_to_string    (LbSchemaTools tool);
gboolean                lb_schema_get_overlapping_spans (LbSchema *self);  /* default TRUE */

const LbSchemaAttribute *lb_schema_label_find_attribute (const LbSchemaLabel *label,
                                                         const char          *id);
const char             *lb_attribute_type_to_string (LbAttributeType type);

guint                   lb_schema_get_n_fields      (LbSchema    *self);
const LbSchemaField    *lb_schema_get_field         (LbSchema    *self,
                                                     guint        index);
const LbSchemaField    *lb_schema_find_field        (LbSchema    *self,
                                                     const char  *id);

/* What a Label Studio labeling config said (name, toName, value of its tags),
 * kept for exports back to Label Studio; a JSON object, or NULL. */
const char             *lb_schema_get_label_config_json (LbSchema *self);

/* key is one character as UTF-8, matched case-insensitively. */
LbHotkeyTarget          lb_schema_lookup_hotkey     (LbSchema    *self,
                                                     const char  *key,
                                                     guint       *index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbSchema, lb_schema_unref)

G_END_DECLS
