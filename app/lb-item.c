/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-item"
#include "config.h"

#include <json-glib/json-glib.h>

#include "lb-item.h"

struct _LbItem
{
  GObject      parent_instance;

  gint64       id;
  gint64       batch_id;
  char        *batch_name;
  char        *external_id;
  LbItemKind   kind;
  char        *path;
  char        *relative_path;
  char        *text;
  char        *meta_json;
  char        *content_hash;
  LbItemState  state;
  char       **labels;
  char        *decision;
  char        *reason;
  char        *note;
  gboolean     flagged;
  char        *last_actor;
  char        *regions_json;
  char        *spans_json;
  char        *answers_json;
  char        *review_verdict;
  char        *reviewer;
  char        *review_comment;
  gboolean     gold;
  gint64       updated_us;
  GArray      *regions;   /* of LbRegion */
  GArray      *spans;     /* of LbSpan */
  GHashTable  *answers;   /* field -> text, or NULL */
};

G_DEFINE_FINAL_TYPE (LbItem, lb_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_BATCH_ID,
  PROP_EXTERNAL_ID,
  PROP_KIND,
  PROP_STATE,
  PROP_DONE,
  PROP_FLAGGED,
  PROP_TEXT,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
lb_item_kind_to_string (LbItemKind kind)
{
  switch (kind)
    {
    case LB_ITEM_KIND_IMAGE:
      return "image";
    case LB_ITEM_KIND_TEXT:
      return "text";
    default:
      return "unknown";
    }
}

const char *
lb_item_state_to_string (LbItemState state)
{
  switch (state)
    {
    case LB_ITEM_STATE_TODO:
      return "todo";
    case LB_ITEM_STATE_SKIPPED:
      return "skipped";
    case LB_ITEM_STATE_DONE:
      return "done";
    default:
      return "unknown";
    }
}

static void
lb_item_finalize (GObject *object)
{
  LbItem *self = (LbItem *) object;

  g_free (self->batch_name);
  g_free (self->external_id);
  g_free (self->path);
  g_free (self->relative_path);
  g_free (self->text);
  g_free (self->meta_json);
  g_free (self->content_hash);
  g_strfreev (self->labels);
  g_free (self->decision);
  g_free (self->reason);
  g_free (self->note);
  g_free (self->last_actor);
  g_free (self->regions_json);
  g_free (self->spans_json);
  g_free (self->answers_json);
  g_free (self->review_verdict);
  g_free (self->reviewer);
  g_free (self->review_comment);
  g_clear_pointer (&self->regions, g_array_unref);
  g_clear_pointer (&self->spans, g_array_unref);
  g_clear_pointer (&self->answers, g_hash_table_unref);

  G_OBJECT_CLASS (lb_item_parent_class)->finalize (object);
}

static void
lb_item_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  LbItem *self = LB_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_BATCH_ID:
      g_value_set_int64 (value, self->batch_id);
      break;
    case PROP_EXTERNAL_ID:
      g_value_set_string (value, self->external_id);
      break;
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_DONE:
      g_value_set_boolean (value, self->state == LB_ITEM_STATE_DONE);
      break;
    case PROP_FLAGGED:
      g_value_set_boolean (value, self->flagged);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_item_class_init (LbItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lb_item_finalize;
  object_class->get_property = lb_item_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_BATCH_ID] = g_param_spec_int64 ("batch-id", NULL, NULL,
                                                  0, G_MAXINT64, 0, flags);
  properties[PROP_EXTERNAL_ID] = g_param_spec_string ("external-id", NULL, NULL, NULL, flags);
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_DONE] = g_param_spec_boolean ("done", NULL, NULL, FALSE, flags);
  properties[PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE, flags);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lb_item_init (LbItem *self)
{
}

static void
region_clear (gpointer data)
{
  LbRegion *r = data;

  g_free (r->id);
  g_free (r->label);
  g_free (r->points);
  g_free (r->attributes);
}

static void
span_clear (gpointer data)
{
  LbSpan *s = data;

  g_free (s->id);
  g_free (s->label);
  g_free (s->text);
}

/* The elements of a JSON array of objects, NULL when none */
static JsonArray *
object_array (const char *json,
              JsonNode  **node)
{
  if (g_str_equal (json, "[]"))
    return NULL;
  *node = json_from_string (json, NULL);
  return *node != NULL && JSON_NODE_HOLDS_ARRAY (*node) ? json_node_get_array (*node) : NULL;
}

static double
number_element (JsonArray *array,
                guint      index)
{
  JsonNode *node = index < json_array_get_length (array)
                     ? json_array_get_element (array, index) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_double (node) : 0;
}

static GArray *
parse_regions (const char *json)
{
  GArray *regions = g_array_new (FALSE, TRUE, sizeof (LbRegion));
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array = object_array (json, &node);

  g_array_set_clear_func (regions, region_clear);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonNode *box = o != NULL ? json_object_get_member (o, "box") : NULL;
      JsonNode *points = o != NULL ? json_object_get_member (o, "points") : NULL;
      JsonNode *attributes = o != NULL ? json_object_get_member (o, "attributes") : NULL;
      LbRegion r = { 0, };

      if (o == NULL)
        continue;
      r.id = g_strdup (json_object_get_string_member_with_default (o, "id", ""));
      r.label = g_strdup (json_object_get_string_member_with_default (o, "label", ""));
      r.attributes = attributes != NULL ? json_to_string (attributes, FALSE) : g_strdup ("{}");
      if (box != NULL && JSON_NODE_HOLDS_ARRAY (box))
        {
          r.shape = LB_REGION_SHAPE_BOX;
          for (guint k = 0; k < 4; k++)
            r.box[k] = number_element (json_node_get_array (box), k);
        }
      else if (points != NULL && JSON_NODE_HOLDS_ARRAY (points))
        {
          JsonArray *p = json_node_get_array (points);

          r.shape = LB_REGION_SHAPE_POLYGON;
          r.n_points = json_array_get_length (p);
          r.points = g_new0 (double, 2 * MAX (r.n_points, 1));
          for (guint k = 0; k < r.n_points; k++)
            {
              JsonNode *pair = json_array_get_element (p, k);

              if (!JSON_NODE_HOLDS_ARRAY (pair))
                continue;
              r.points[2 * k] = number_element (json_node_get_array (pair), 0);
              r.points[2 * k + 1] = number_element (json_node_get_array (pair), 1);
            }
        }
      g_array_append_val (regions, r);
    }
  return regions;
}

static GArray *
parse_spans (const char *json)
{
  GArray *spans = g_array_new (FALSE, TRUE, sizeof (LbSpan));
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array = object_array (json, &node);

  g_array_set_clear_func (spans, span_clear);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      LbSpan sp = { 0, };

      if (o == NULL)
        continue;
      sp.id = g_strdup (json_object_get_string_member_with_default (o, "id", ""));
      sp.label = g_strdup (json_object_get_string_member_with_default (o, "label", ""));
      sp.start = json_object_get_int_member_with_default (o, "start", 0);
      sp.end = json_object_get_int_member_with_default (o, "end", 0);
      sp.start_byte = json_object_get_int_member_with_default (o, "start_byte", 0);
      sp.end_byte = json_object_get_int_member_with_default (o, "end_byte", 0);
      sp.text = g_strdup (json_object_get_string_member_with_default (o, "text", ""));
      g_array_append_val (spans, sp);
    }
  return spans;
}

static GHashTable *
parse_answers (const char *json)
{
  g_autoptr(JsonNode) node = NULL;
  GHashTable *answers;
  JsonObject *o;
  g_autoptr(GList) members = NULL;

  if (g_str_equal (json, "{}"))
    return NULL;
  node = json_from_string (json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  o = json_node_get_object (node);
  answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *text = json_object_get_string_member_with_default (o, l->data, NULL);

      if (text != NULL)
        g_hash_table_insert (answers, g_strdup (l->data), g_strdup (text));
    }
  return answers;
}

LbItem *
lb_item_new (const LbItemFields *fields)
{
  LbItem *self;

  g_return_val_if_fail (fields != NULL, NULL);

  self = g_object_new (LB_TYPE_ITEM, NULL);
  self->id = fields->id;
  self->batch_id = fields->batch_id;
  self->batch_name = g_strdup (fields->batch_name);
  self->external_id = g_strdup (fields->external_id);
  self->kind = fields->kind;
  self->path = g_strdup (fields->path);
  self->relative_path = g_strdup (fields->relative_path);
  self->text = g_strdup (fields->text);
  self->meta_json = g_strdup (fields->meta_json != NULL ? fields->meta_json : "{}");
  self->content_hash = g_strdup (fields->content_hash);
  self->state = fields->state;
  if (fields->labels != NULL)
    self->labels = g_strdupv ((char **) fields->labels);
  else
    self->labels = g_new0 (char *, 1);
  self->decision = g_strdup (fields->decision);
  self->reason = g_strdup (fields->reason);
  self->note = g_strdup (fields->note);
  self->flagged = fields->flagged;
  self->last_actor = g_strdup (fields->last_actor);
  self->regions_json = g_strdup (fields->regions_json != NULL ? fields->regions_json : "[]");
  self->spans_json = g_strdup (fields->spans_json != NULL ? fields->spans_json : "[]");
  self->answers_json = g_strdup (fields->answers_json != NULL ? fields->answers_json : "{}");
  /* regions and spans are parsed on first use: most readers (item lists,
   * most exports) only want the JSON text */
  self->answers = parse_answers (self->answers_json);
  self->review_verdict = g_strdup (fields->review_verdict);
  self->reviewer = g_strdup (fields->reviewer);
  self->review_comment = g_strdup (fields->review_comment);
  self->gold = fields->gold;
  self->updated_us = fields->updated_us;

  return self;
}

const char *
lb_item_get_review_verdict (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->review_verdict;
}

const char *
lb_item_get_reviewer (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->reviewer;
}

const char *
lb_item_get_review_comment (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->review_comment;
}

gboolean
lb_item_get_gold (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), FALSE);
  return self->gold;
}

gint64
lb_item_get_updated_us (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return self->updated_us;
}

gint64
lb_item_get_id (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return self->id;
}

gint64
lb_item_get_batch_id (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return self->batch_id;
}

const char *
lb_item_get_batch_name (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->batch_name;
}

const char *
lb_item_get_external_id (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->external_id;
}

LbItemKind
lb_item_get_kind (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), LB_ITEM_KIND_IMAGE);
  return self->kind;
}

const char *
lb_item_get_path (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->path;
}

const char *
lb_item_get_relative_path (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->relative_path;
}

const char *
lb_item_get_text (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->text;
}

const char *
lb_item_get_meta_json (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->meta_json;
}

const char *
lb_item_get_content_hash (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->content_hash;
}

LbItemState
lb_item_get_state (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), LB_ITEM_STATE_TODO);
  return self->state;
}

const char * const *
lb_item_get_labels (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return (const char * const *) self->labels;
}

const char *
lb_item_get_decision (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->decision;
}

const char *
lb_item_get_reason (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->reason;
}

const char *
lb_item_get_note (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->note;
}

gboolean
lb_item_get_flagged (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), FALSE);
  return self->flagged;
}

const char *
lb_item_get_last_actor (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->last_actor;
}

const char *
lb_item_get_regions_json (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->regions_json;
}

const char *
lb_item_get_spans_json (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->spans_json;
}

const char *
lb_item_get_answers_json (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  return self->answers_json;
}

/* Thread-safe: an LbItem may be read from several threads */
static GArray *
item_regions (LbItem *self)
{
  if (g_once_init_enter (&self->regions))
    g_once_init_leave (&self->regions, parse_regions (self->regions_json));
  return self->regions;
}

static GArray *
item_spans (LbItem *self)
{
  if (g_once_init_enter (&self->spans))
    g_once_init_leave (&self->spans, parse_spans (self->spans_json));
  return self->spans;
}

guint
lb_item_get_n_regions (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return item_regions (self)->len;
}

guint
lb_item_get_n_spans (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return item_spans (self)->len;
}

const LbRegion *
lb_item_get_region (LbItem *self,
                    guint   index)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  g_return_val_if_fail (index < item_regions (self)->len, NULL);
  return &g_array_index (item_regions (self), LbRegion, index);
}

const LbRegion *
lb_item_find_region (LbItem     *self,
                     const char *id)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);

  for (guint i = 0; id != NULL && i < item_regions (self)->len; i++)
    if (g_str_equal (g_array_index (item_regions (self), LbRegion, i).id, id))
      return &g_array_index (item_regions (self), LbRegion, i);
  return NULL;
}

const LbSpan *
lb_item_get_span (LbItem *self,
                  guint   index)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  g_return_val_if_fail (index < item_spans (self)->len, NULL);
  return &g_array_index (item_spans (self), LbSpan, index);
}

const LbSpan *
lb_item_find_span (LbItem     *self,
                   const char *id)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);

  for (guint i = 0; id != NULL && i < item_spans (self)->len; i++)
    if (g_str_equal (g_array_index (item_spans (self), LbSpan, i).id, id))
      return &g_array_index (item_spans (self), LbSpan, i);
  return NULL;
}

const char *
lb_item_get_answer (LbItem     *self,
                    const char *field)
{
  g_return_val_if_fail (LB_IS_ITEM (self), NULL);
  g_return_val_if_fail (field != NULL, NULL);

  return self->answers != NULL ? g_hash_table_lookup (self->answers, field) : NULL;
}
