/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-export-private.h"

/* Label Studio task JSON: a JSON array of tasks, one per item, written one
 * task at a time. The shapes follow the team's shared conventions (see
 * lb-export.h), so that lsimport reads our export back. */

typedef struct {
  JsonNode   *config;        /* the schema's label_config, or NULL */
  JsonArray  *objects;       /* [{tag, name, value}] or NULL */
  JsonArray  *controls;      /* [{tag, name, toName, labels}] or NULL */
  LbSchema   *schema;        /* the schema this is for (not a reference) */
  gint64      batch_id;
  guint64     n_tasks;
} LsWriter;

static void
ls_writer_set_schema (LsWriter *w,
                      LbBatch  *batch,
                      LbSchema *schema)
{
  const char *json;

  if (w->batch_id == batch->id && w->schema == schema)
    return;
  g_clear_pointer (&w->config, json_node_unref);
  w->objects = w->controls = NULL;
  w->schema = schema;
  w->batch_id = batch->id;

  json = lb_schema_get_label_config_json (schema);
  if (json == NULL)
    return;
  w->config = json_from_string (json, NULL);
  if (w->config == NULL || !JSON_NODE_HOLDS_OBJECT (w->config))
    {
      g_clear_pointer (&w->config, json_node_unref);
      return;
    }
  {
    JsonObject *o = json_node_get_object (w->config);
    JsonNode *objects = json_object_get_member (o, "objects");
    JsonNode *controls = json_object_get_member (o, "controls");

    if (objects != NULL && JSON_NODE_HOLDS_ARRAY (objects))
      w->objects = json_node_get_array (objects);
    if (controls != NULL && JSON_NODE_HOLDS_ARRAY (controls))
      w->controls = json_node_get_array (controls);
  }
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
control_has_label (JsonObject *control,
                   const char *label)
{
  JsonNode *labels = json_object_get_member (control, "labels");

  if (label == NULL || labels == NULL || !JSON_NODE_HOLDS_ARRAY (labels))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (labels)); i++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (labels), i);

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (n), label) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The object the results point at: the config's first Image or Text
 * object (its name, and its data key from "$value"), or the defaults. */
static void
ls_object (LsWriter    *w,
           gboolean     image,
           const char **name,
           const char **data_key)
{
  const char *tag = image ? "Image" : "Text";

  *name = image ? "image" : "text";
  *data_key = *name;
  if (w->objects == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (w->objects); i++)
    {
      JsonNode *n = json_array_get_element (w->objects, i);
      JsonObject *o;
      const char *value;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        continue;
      o = json_node_get_object (n);
      if (g_strcmp0 (member_string (o, "tag"), tag) != 0 || member_string (o, "name") == NULL)
        continue;
      *name = member_string (o, "name");
      value = member_string (o, "value");
      if (value != NULL && value[0] == '$' && value[1] != '\0')
        *data_key = value + 1;
      return;
    }
}

/* from_name / to_name of a result: the config's control of that tag that
 * lists the label (or has the name, for TextArea), else the first of that
 * tag, else the defaults. */
static void
ls_names (LsWriter    *w,
          const char  *tag,
          const char  *label,
          const char  *field,
          const char  *default_from,
          const char  *default_to,
          const char **from_name,
          const char **to_name)
{
  JsonObject *first = NULL;
  JsonObject *found = NULL;

  *from_name = default_from;
  *to_name = default_to;
  if (w->controls == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (w->controls) && found == NULL; i++)
    {
      JsonNode *n = json_array_get_element (w->controls, i);
      JsonObject *o;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        continue;
      o = json_node_get_object (n);
      if (g_strcmp0 (member_string (o, "tag"), tag) != 0 || member_string (o, "name") == NULL)
        continue;
      if (field != NULL)
        {
          if (g_strcmp0 (member_string (o, "name"), field) == 0)
            found = o;
          continue;
        }
      if (first == NULL)
        first = o;
      if (control_has_label (o, label))
        found = o;
    }
  if (found == NULL)
    found = first;
  if (found == NULL)
    return;
  *from_name = member_string (found, "name");
  if (member_string (found, "toName") != NULL)
    *to_name = member_string (found, "toName");
}

static void
begin_result (GString    *s,
              gboolean   *first,
              const char *id,
              const char *from_name,
              const char *to_name,
              const char *type)
{
  if (!*first)
    g_string_append_c (s, ',');
  *first = FALSE;
  g_string_append (s, "{\"id\":");
  lb_export_append_json_string (s, id);
  g_string_append (s, ",\"from_name\":");
  lb_export_append_json_string (s, from_name);
  g_string_append (s, ",\"to_name\":");
  lb_export_append_json_string (s, to_name);
  g_string_append (s, ",\"type\":");
  lb_export_append_json_string (s, type);
}

static void
append_choices (GString            *s,
                gboolean           *first,
                const char         *id,
                const char         *from_name,
                const char         *to_name,
                const char * const *values)
{
  begin_result (s, first, id, from_name, to_name, "choices");
  g_string_append (s, ",\"value\":{\"choices\":[");
  for (guint i = 0; values[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      lb_export_append_json_string (s, values[i]);
    }
  g_string_append (s, "]}}");
}

static void
append_attributes_meta (GString    *s,
                        const char *attributes)
{
  if (attributes == NULL || *attributes == '\0' || g_str_equal (attributes, "{}"))
    return;
  g_string_append (s, ",\"meta\":{\"attributes\":");
  _lb_export_append_json (s, attributes, "{}");
  g_string_append_c (s, '}');
}

/* JavaScript string offsets (UTF-16 code units) of a UTF-8 byte offset */
static gint64
utf16_offset (const char *text,
              gsize       byte_offset)
{
  const guchar *p = (const guchar *) text;
  gint64 units = 0;

  for (gsize i = 0; i < byte_offset && p[i] != '\0'; i++)
    {
      if ((p[i] & 0xC0) != 0x80)
        units++;
      if (p[i] >= 0xF0)
        units++;  /* outside the BMP: a surrogate pair */
    }
  return units;
}

static gboolean
ls_task_cb (LbExportJob         *job,
            const LbExportItem  *entry,
            gpointer             user_data,
            GError             **error)
{
  LsWriter *w = user_data;
  LbItem *item = entry->item;
  GString *s = job->buf;
  gboolean image = lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE;
  const char * const *labels = lb_item_get_labels (item);
  const char *object_name, *data_key;
  g_autofree char *item_key = NULL;
  guint width = 0, height = 0;
  gboolean have_size = FALSE;
  gboolean first = TRUE;
  gboolean any;

  ls_writer_set_schema (w, entry->batch, entry->schema);
  ls_object (w, image, &object_name, &data_key);
  item_key = g_strdup_printf ("%" G_GINT64_FORMAT, lb_item_get_id (item));

  any = labels[0] != NULL || lb_item_get_decision (item) != NULL
        || lb_item_get_reason (item) != NULL || lb_item_get_note (item) != NULL
        || lb_item_get_n_regions (item) > 0 || lb_item_get_n_spans (item) > 0
        || g_strcmp0 (lb_item_get_answers_json (item), "{}") != 0;

  if (image && lb_item_get_n_regions (item) > 0)
    have_size = _lb_export_image_size (job, item, &width, &height);

  if (w->n_tasks++ > 0)
    g_string_append (s, ",\n");
  g_string_append (s, "{\"id\":");
  g_string_append (s, item_key);
  g_string_append (s, ",\"data\":{");
  lb_export_append_json_string (s, data_key);
  g_string_append_c (s, ':');
  lb_export_append_json_string (s, image ? lb_item_get_relative_path (item)
                                         : lb_item_get_text (item));
  g_string_append (s, ",\"lb_item\":");
  lb_export_append_json_string (s, lb_item_get_external_id (item));
  g_string_append (s, ",\"lb_batch\":");
  lb_export_append_json_string (s, lb_item_get_batch_name (item));
  g_string_append (s, "},\"annotations\":[");

  if (any)
    {
      g_string_append (s, "{\"id\":");
      g_string_append (s, item_key);
      g_string_append (s, ",\"completed_by\":");
      lb_export_append_json_string (s, lb_item_get_last_actor (item));
      g_string_append (s, ",\"created_at\":");
      if (entry->last_event_us != 0)
        {
          g_string_append_c (s, '"');
          lb_export_append_time (s, entry->last_event_us);
          g_string_append_c (s, '"');
        }
      else
        g_string_append (s, "null");
      g_string_append (s, ",\"result\":[");

      /* class labels: one result per Choices control that lists them */
      if (labels[0] != NULL)
        {
          g_autoptr(GPtrArray) done = g_ptr_array_new ();

          for (guint i = 0; labels[i] != NULL; i++)
            {
              g_autoptr(GPtrArray) values = g_ptr_array_new ();
              const char *from, *to;
              g_autofree char *id = NULL;

              if (g_ptr_array_find_with_equal_func (done, labels[i], g_str_equal, NULL))
                continue;
              ls_names (w, "Choices", labels[i], NULL, "label", object_name, &from, &to);
              for (guint k = i; labels[k] != NULL; k++)
                {
                  const char *f2, *t2;

                  if (g_ptr_array_find_with_equal_func (done, labels[k], g_str_equal, NULL))
                    continue;
                  ls_names (w, "Choices", labels[k], NULL, "label", object_name, &f2, &t2);
                  if (g_strcmp0 (f2, from) != 0)
                    continue;
                  g_ptr_array_add (values, (gpointer) labels[k]);
                  g_ptr_array_add (done, (gpointer) labels[k]);
                }
              g_ptr_array_add (values, NULL);
              id = g_strdup_printf ("%s-%s", item_key, from);
              append_choices (s, &first, id, from, to, (const char * const *) values->pdata);
            }
        }
      if (lb_item_get_decision (item) != NULL)
        {
          const char *values[] = { lb_item_get_decision (item), NULL };
          g_autofree char *id = g_strdup_printf ("%s-decision", item_key);

          append_choices (s, &first, id, "decision", object_name, values);
        }
      if (lb_item_get_reason (item) != NULL)
        {
          const char *values[] = { lb_item_get_reason (item), NULL };
          g_autofree char *id = g_strdup_printf ("%s-reason", item_key);

          append_choices (s, &first, id, "reason", object_name, values);
        }

      for (guint i = 0; i < lb_item_get_n_regions (item); i++)
        {
          const LbRegion *r = lb_item_get_region (item, i);
          gboolean box = r->shape == LB_REGION_SHAPE_BOX;
          g_auto(LbExportRegion) fitted = { 0 };
          const char *from, *to;

          if (!have_size)
            {
              _lb_export_warn (job, _("%s (item “%s” of batch “%s”): region %s left out: "
                                      "Label Studio needs the image size"),
                               lb_item_get_relative_path (item),
                               lb_item_get_external_id (item), lb_item_get_batch_name (item),
                               r->id);
              continue;
            }
          /* in the image, like every other format: 0..100 % */
          if (!_lb_export_fit_region (job, item, r, width, height, &fitted))
            continue;
          box = fitted.shape == LB_REGION_SHAPE_BOX;
          ls_names (w, box ? "RectangleLabels" : "PolygonLabels", r->label, NULL,
                    box ? "box" : "polygon", object_name, &from, &to);
          begin_result (s, &first, r->id, from, to, box ? "rectanglelabels" : "polygonlabels");
          g_string_append (s, ",\"original_width\":");
          _lb_export_append_int (s, width);
          g_string_append (s, ",\"original_height\":");
          _lb_export_append_int (s, height);
          g_string_append (s, ",\"image_rotation\":0,\"value\":{");
          if (box)
            {
              g_string_append (s, "\"x\":");
              _lb_export_append_double (s, fitted.box[0] * 100.0 / width);
              g_string_append (s, ",\"y\":");
              _lb_export_append_double (s, fitted.box[1] * 100.0 / height);
              g_string_append (s, ",\"width\":");
              _lb_export_append_double (s, fitted.box[2] * 100.0 / width);
              g_string_append (s, ",\"height\":");
              _lb_export_append_double (s, fitted.box[3] * 100.0 / height);
              g_string_append (s, ",\"rotation\":0,\"rectanglelabels\":[");
            }
          else
            {
              g_string_append (s, "\"points\":[");
              for (guint k = 0; k < fitted.n_points; k++)
                {
                  if (k > 0)
                    g_string_append_c (s, ',');
                  g_string_append_c (s, '[');
                  _lb_export_append_double (s, fitted.points[2 * k] * 100.0 / width);
                  g_string_append_c (s, ',');
                  _lb_export_append_double (s, fitted.points[2 * k + 1] * 100.0 / height);
                  g_string_append_c (s, ']');
                }
              g_string_append (s, "],\"closed\":true,\"polygonlabels\":[");
            }
          lb_export_append_json_string (s, r->label);
          g_string_append (s, "]}");
          append_attributes_meta (s, r->attributes);
          g_string_append_c (s, '}');
        }

      for (guint i = 0; i < lb_item_get_n_spans (item); i++)
        {
          const LbSpan *span = lb_item_get_span (item, i);
          const char *text = lb_item_get_text (item);
          const char *from, *to;
          gint64 start16, end16;

          if (text == NULL)
            continue;
          start16 = utf16_offset (text, (gsize) span->start_byte);
          end16 = start16 + utf16_offset (text + span->start_byte,
                                          (gsize) (span->end_byte - span->start_byte));
          ls_names (w, "Labels", span->label, NULL, "span", object_name, &from, &to);
          begin_result (s, &first, span->id, from, to, "labels");
          g_string_append (s, ",\"value\":{\"start\":");
          _lb_export_append_int (s, start16);
          g_string_append (s, ",\"end\":");
          _lb_export_append_int (s, end16);
          g_string_append (s, ",\"text\":");
          lb_export_append_json_string (s, span->text);
          g_string_append (s, ",\"labels\":[");
          lb_export_append_json_string (s, span->label);
          g_string_append (s, "]}}");
        }

      for (guint i = 0; i < lb_schema_get_n_fields (entry->schema); i++)
        {
          const LbSchemaField *field = lb_schema_get_field (entry->schema, i);
          const char *answer = lb_item_get_answer (item, field->id);
          const char *from, *to;
          g_autofree char *id = NULL;

          if (answer == NULL || *answer == '\0')
            continue;
          ls_names (w, "TextArea", NULL, field->id, field->id, object_name, &from, &to);
          id = g_strdup_printf ("%s-%s", item_key, field->id);
          begin_result (s, &first, id, from, to, "textarea");
          g_string_append (s, ",\"value\":{\"text\":[");
          lb_export_append_json_string (s, answer);
          g_string_append (s, "]}}");
        }

      if (lb_item_get_note (item) != NULL && *lb_item_get_note (item) != '\0'
          && lb_schema_find_field (entry->schema, "note") == NULL)
        {
          g_autofree char *id = g_strdup_printf ("%s-note", item_key);

          begin_result (s, &first, id, "note", object_name, "textarea");
          g_string_append (s, ",\"value\":{\"text\":[");
          lb_export_append_json_string (s, lb_item_get_note (item));
          g_string_append (s, "]}}");
        }

      g_string_append (s, "]}");
    }
  g_string_append (s, "],\"predictions\":[]}");

  job->n_written++;
  return _lb_export_maybe_flush (job, error);
}

/* A JSON array of tasks, one line per task. */
gboolean
_lb_export_label_studio (LbExportJob  *job,
                         GError      **error)
{
  LsWriter w = { 0 };
  gboolean ok;

  w.batch_id = -1;
  g_string_append (job->buf, "[\n");
  ok = _lb_export_foreach_item (job, -1, ls_task_cb, &w, error);
  g_clear_pointer (&w.config, json_node_unref);
  if (ok)
    g_string_append (job->buf, w.n_tasks > 0 ? "\n]\n" : "]\n");
  return ok;
}
