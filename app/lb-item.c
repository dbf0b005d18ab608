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
  guint        n_regions;
  guint        n_spans;
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

static guint
count_elements (const char *json)
{
  g_autoptr(JsonNode) node = NULL;

  if (g_str_equal (json, "[]"))
    return 0;
  node = json_from_string (json, NULL);
  return node != NULL && JSON_NODE_HOLDS_ARRAY (node)
         ? json_array_get_length (json_node_get_array (node)) : 0;
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
  self->n_regions = count_elements (self->regions_json);
  self->n_spans = count_elements (self->spans_json);

  return self;
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

guint
lb_item_get_n_regions (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return self->n_regions;
}

guint
lb_item_get_n_spans (LbItem *self)
{
  g_return_val_if_fail (LB_IS_ITEM (self), 0);
  return self->n_spans;
}
