/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-import-ls"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-image.h"
#include "lb-import-private.h"

/* Label Studio task results as Labelbench's regions, spans, labels,
 * decisions, reasons and answers. The format is Label Studio's JSON export
 * (https://labelstud.io/guide/export#Label-Studio-JSON-format-of-annotated-tasks)
 * and the shared conventions of the team brief: from_name names the control,
 * image coordinates are percent of the image, text offsets UTF-16 code units. */

typedef enum {
  TARGET_LABELS,     /* choices: class labels */
  TARGET_DECISION,   /* choices: one decision */
  TARGET_REASON,     /* choices: one reason */
  TARGET_BOX,        /* rectanglelabels */
  TARGET_POLYGON,    /* polygonlabels */
  TARGET_SPAN,       /* labels (on a text) */
  TARGET_ANSWER,     /* textarea: the field named from_name */
  TARGET_NOTE,       /* textarea "note": the item's note (when no field has that name) */
} Target;

struct _LbLsMapping {
  GHashTable *targets;   /* from_name -> GINT_TO_POINTER (Target + 1) */
  char       *data_key;  /* of the config's first Image or Text, or NULL */
  LbItemKind  data_kind;
};

static const char *
target_type (Target target)
{
  switch (target)
    {
    case TARGET_LABELS:
    case TARGET_DECISION:
    case TARGET_REASON:
      return "choices";
    case TARGET_BOX:
      return "rectanglelabels";
    case TARGET_POLYGON:
      return "polygonlabels";
    case TARGET_SPAN:
      return "labels";
    case TARGET_ANSWER:
    case TARGET_NOTE:
      return "textarea";
    default:
      g_assert_not_reached ();
    }
}

static void
add_target (LbLsMapping *m,
            const char  *name,
            Target       target)
{
  if (name != NULL && !g_hash_table_contains (m->targets, name))
    g_hash_table_insert (m->targets, g_strdup (name), GINT_TO_POINTER (target + 1));
}

LbLsMapping *
_lb_ls_mapping_new (LbSchema *schema)
{
  LbLsMapping *m = g_new0 (LbLsMapping, 1);
  const char *config = lb_schema_get_label_config_json (schema);

  m->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (config != NULL)
    {
      g_autoptr(JsonNode) root = json_from_string (config, NULL);
      JsonObject *o = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root)
                                                                   : NULL;
      JsonNode *objects = o != NULL ? json_object_get_member (o, "objects") : NULL;
      JsonNode *controls = o != NULL ? json_object_get_member (o, "controls") : NULL;

      if (objects != NULL && JSON_NODE_HOLDS_ARRAY (objects))
        {
          JsonArray *array = json_node_get_array (objects);

          for (guint i = 0; i < json_array_get_length (array) && m->data_key == NULL; i++)
            {
              JsonNode *node = json_array_get_element (array, i);
              JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                : NULL;
              const char *tag, *value;

              if (object == NULL)
                continue;
              tag = json_object_get_string_member_with_default (object, "tag", "");
              value = json_object_get_string_member_with_default (object, "value", "");
              if (value[0] != '$' || value[1] == '\0')
                continue;
              if (g_str_equal (tag, "Image"))
                m->data_kind = LB_ITEM_KIND_IMAGE;
              else if (g_str_equal (tag, "Text"))
                m->data_kind = LB_ITEM_KIND_TEXT;
              else
                continue;
              m->data_key = g_strdup (value + 1);
            }
        }

      if (controls != NULL && JSON_NODE_HOLDS_ARRAY (controls))
        {
          JsonArray *array = json_node_get_array (controls);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *node = json_array_get_element (array, i);
              JsonObject *control = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                 : NULL;
              const char *tag, *name;

              if (control == NULL)
                continue;
              tag = json_object_get_string_member_with_default (control, "tag", "");
              name = json_object_get_string_member_with_default (control, "name", NULL);
              if (g_str_equal (tag, "Choices"))
                add_target (m, name, TARGET_LABELS);
              else if (g_str_equal (tag, "Labels"))
                add_target (m, name, TARGET_SPAN);
              else if (g_str_equal (tag, "RectangleLabels"))
                add_target (m, name, TARGET_BOX);
              else if (g_str_equal (tag, "PolygonLabels"))
                add_target (m, name, TARGET_POLYGON);
              else if (g_str_equal (tag, "TextArea"))
                add_target (m, name, TARGET_ANSWER);
            }
        }
    }

  /* the defaults of our own export, where the config did not take the name */
  add_target (m, "label", TARGET_LABELS);
  add_target (m, "decision", TARGET_DECISION);
  add_target (m, "reason", TARGET_REASON);
  add_target (m, "box", TARGET_BOX);
  add_target (m, "polygon", TARGET_POLYGON);
  add_target (m, "span", TARGET_SPAN);
  for (guint i = 0; i < lb_schema_get_n_fields (schema); i++)
    add_target (m, lb_schema_get_field (schema, i)->id, TARGET_ANSWER);
  add_target (m, "note", TARGET_NOTE);

  return m;
}

void
_lb_ls_mapping_free (LbLsMapping *mapping)
{
  if (mapping == NULL)
    return;
  g_hash_table_unref (mapping->targets);
  g_free (mapping->data_key);
  g_free (mapping);
}

gboolean
_lb_ls_mapping_get_data_key (LbLsMapping *mapping,
                             const char **key,
                             LbItemKind  *kind)
{
  if (mapping->data_key == NULL)
    return FALSE;
  *key = mapping->data_key;
  *kind = mapping->data_kind;
  return TRUE;
}

gboolean
_lb_ls_utf16_to_code_points (const char *text,
                             gint64      offset,
                             gint64     *code_points)
{
  gint64 units = 0;
  gint64 n = 0;
  const char *p = text;

  while (units < offset && *p != '\0')
    {
      gunichar c = g_utf8_get_char (p);

      units += c >= 0x10000 ? 2 : 1;
      n++;
      p = g_utf8_next_char (p);
    }
  if (units != offset)
    return FALSE;  /* past the end, or between the halves of a surrogate pair */
  *code_points = n;
  return TRUE;
}

/* Translation */

typedef struct {
  LbPreAnnotation *pa;
  GPtrArray       *problems;
  guint            index;       /* 1-based, of the result being translated */
  LbItemKind       kind;
  const char      *image_path;
  const char      *text;
  gboolean         probed;
  guint            width;       /* 0 when the probe failed */
  guint            height;
  char            *probe_error;
} Translation;

static void G_GNUC_PRINTF (2, 3)
problem (Translation *t,
         const char  *format,
         ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (t->problems, g_strdup_printf (_("result %u: %s"), t->index, reason));
}

static gboolean
get_number (JsonObject *o,
            const char *name,
            double     *value)
{
  JsonNode *node = json_object_get_member (o, name);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return isfinite (*value);
}

/* The strings of VALUE's member NAME (an array of strings); NULL and a
 * problem when it is not one. */
static GPtrArray *
get_strings (Translation *t,
             JsonObject  *value,
             const char  *name)
{
  JsonNode *node = json_object_get_member (value, name);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      problem (t, _("value.%s is not a list"), name);
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          problem (t, _("value.%s[%u] is not a string"), name, i);
          return NULL;
        }
      g_ptr_array_add (strings, g_strdup (json_node_get_string (element)));
    }
  if (strings->len == 0)
    {
      problem (t, _("value.%s is empty"), name);
      return NULL;
    }
  return g_steal_pointer (&strings);
}

/* The image's size, probed once; FALSE (and a problem) when unknown */
static gboolean
image_size (Translation *t,
            JsonObject  *result)
{
  double original_width, original_height, rotation;

  if (t->kind != LB_ITEM_KIND_IMAGE)
    {
      problem (t, _("image regions on a text item"));
      return FALSE;
    }
  if (!t->probed)
    {
      g_autoptr(GError) error = NULL;

      t->probed = TRUE;
      if (!lb_image_probe_file (t->image_path, &t->width, &t->height, &error))
        {
          t->width = t->height = 0;
          t->probe_error = g_strdup (error->message);
        }
    }
  if (t->width == 0 || t->height == 0)
    {
      problem (t, _("the image’s size is not known: %s"),
               t->probe_error != NULL ? t->probe_error : "");
      return FALSE;
    }

  if (get_number (result, "image_rotation", &rotation) && rotation != 0)
    {
      problem (t, _("image_rotation %g not supported (only upright images)"), rotation);
      return FALSE;
    }

  /* the percentages are of the image Label Studio showed: it must be this one */
  if (get_number (result, "original_width", &original_width) &&
      get_number (result, "original_height", &original_height) &&
      (fabs (original_width - t->width) > 0.5 || fabs (original_height - t->height) > 0.5))
    {
      problem (t, _("original_width × original_height (%g × %g) is not the image’s size "
                    "(%u × %u)"), original_width, original_height, t->width, t->height);
      return FALSE;
    }
  return TRUE;
}

static char *
attributes_of (JsonObject *result)
{
  JsonNode *meta = json_object_get_member (result, "meta");
  JsonNode *attributes;

  if (meta == NULL || !JSON_NODE_HOLDS_OBJECT (meta))
    return NULL;
  attributes = json_object_get_member (json_node_get_object (meta), "attributes");
  if (attributes == NULL || !JSON_NODE_HOLDS_OBJECT (attributes) ||
      json_object_get_size (json_node_get_object (attributes)) == 0)
    return NULL;
  return json_to_string (attributes, FALSE);
}

static void
translate_choices (Translation *t,
                   Target       target,
                   JsonObject  *value)
{
  g_autoptr(GPtrArray) choices = get_strings (t, value, "choices");
  LbPreAnnotation *pa = t->pa;

  if (choices == NULL)
    return;

  if (target == TARGET_LABELS)
    {
      if (pa->labels == NULL)
        pa->labels = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < choices->len; i++)
        g_ptr_array_add (pa->labels, g_strdup (g_ptr_array_index (choices, i)));
    }
  else
    {
      char **slot = target == TARGET_DECISION ? &pa->decision : &pa->reason;

      if (choices->len != 1)
        {
          problem (t, target == TARGET_DECISION ? _("more than one decision")
                                                : _("more than one reason"));
          return;
        }
      if (*slot != NULL)
        {
          problem (t, target == TARGET_DECISION ? _("a second decision") : _("a second reason"));
          return;
        }
      *slot = g_strdup (g_ptr_array_index (choices, 0));
    }
  if (pa->submission_origin == 0)
    pa->submission_origin = t->index;
}

static void
translate_rectangle (Translation *t,
                     JsonObject  *result,
                     JsonObject  *value)
{
  g_autoptr(GPtrArray) labels = NULL;
  double x, y, w, h, rotation;

  if (!get_number (value, "x", &x) || !get_number (value, "y", &y) ||
      !get_number (value, "width", &w) || !get_number (value, "height", &h))
    {
      problem (t, _("value needs the numbers x, y, width and height"));
      return;
    }
  if (get_number (value, "rotation", &rotation) && fabs (rotation) > 1e-9)
    {
      problem (t, _("a box rotated by %g° not supported"), rotation);
      return;
    }
  if (!(labels = get_strings (t, value, "rectanglelabels")))
    return;
  if (!image_size (t, result))
    return;

  for (guint i = 0; i < labels->len; i++)
    {
      LbPreRegion *r = g_new0 (LbPreRegion, 1);

      r->label = g_strdup (g_ptr_array_index (labels, i));
      r->shape = LB_REGION_SHAPE_BOX;
      r->box[0] = x * t->width / 100.0;
      r->box[1] = y * t->height / 100.0;
      r->box[2] = w * t->width / 100.0;
      r->box[3] = h * t->height / 100.0;
      r->attributes = attributes_of (result);
      r->origin = t->index;
      g_ptr_array_add (t->pa->regions, r);
    }
}

static void
translate_polygon (Translation *t,
                   JsonObject  *result,
                   JsonObject  *value)
{
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (double));
  JsonNode *node = json_object_get_member (value, "points");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      problem (t, _("value.points is not a list of [x, y] points"));
      return;
    }
  if (!(labels = get_strings (t, value, "polygonlabels")))
    return;
  if (!image_size (t, result))
    return;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *point = json_array_get_element (array, i);
      JsonArray *xy = JSON_NODE_HOLDS_ARRAY (point) ? json_node_get_array (point) : NULL;
      JsonNode *nx, *ny;
      double x, y;

      if (xy == NULL || json_array_get_length (xy) != 2 ||
          !JSON_NODE_HOLDS_VALUE (nx = json_array_get_element (xy, 0)) ||
          !JSON_NODE_HOLDS_VALUE (ny = json_array_get_element (xy, 1)) ||
          (json_node_get_value_type (nx) != G_TYPE_INT64 &&
           json_node_get_value_type (nx) != G_TYPE_DOUBLE) ||
          (json_node_get_value_type (ny) != G_TYPE_INT64 &&
           json_node_get_value_type (ny) != G_TYPE_DOUBLE))
        {
          problem (t, _("value.points[%u] is not [x, y]"), i);
          return;
        }
      x = json_node_get_double (nx) * t->width / 100.0;
      y = json_node_get_double (ny) * t->height / 100.0;
      g_array_append_val (points, x);
      g_array_append_val (points, y);
    }
  if (points->len < 6)
    {
      problem (t, _("a polygon needs at least 3 points"));
      return;
    }

  for (guint i = 0; i < labels->len; i++)
    {
      LbPreRegion *r = g_new0 (LbPreRegion, 1);

      r->label = g_strdup (g_ptr_array_index (labels, i));
      r->shape = LB_REGION_SHAPE_POLYGON;
      r->points = g_array_copy (points);
      r->attributes = attributes_of (result);
      r->origin = t->index;
      g_ptr_array_add (t->pa->regions, r);
    }
}

static void
translate_span (Translation *t,
                JsonObject  *value)
{
  g_autoptr(GPtrArray) labels = NULL;
  JsonNode *start_node = json_object_get_member (value, "start");
  JsonNode *end_node = json_object_get_member (value, "end");
  JsonNode *text_node = json_object_get_member (value, "text");
  g_autofree char *covered = NULL;
  gint64 start, end;

  if (t->kind != LB_ITEM_KIND_TEXT)
    {
      problem (t, _("text spans on an image item"));
      return;
    }
  if (start_node == NULL || end_node == NULL || !JSON_NODE_HOLDS_VALUE (start_node) ||
      !JSON_NODE_HOLDS_VALUE (end_node) || json_node_get_value_type (start_node) != G_TYPE_INT64 ||
      json_node_get_value_type (end_node) != G_TYPE_INT64)
    {
      problem (t, _("value.start and value.end must be character offsets (numbers)"));
      return;
    }
  if (!(labels = get_strings (t, value, "labels")))
    return;

  /* Label Studio counts UTF-16 code units (JavaScript string offsets) */
  if (json_node_get_int (start_node) < 0 ||
      json_node_get_int (end_node) <= json_node_get_int (start_node) ||
      !_lb_ls_utf16_to_code_points (t->text, json_node_get_int (start_node), &start) ||
      !_lb_ls_utf16_to_code_points (t->text, json_node_get_int (end_node), &end))
    {
      problem (t, _("offsets %lld–%lld (UTF-16 code units) do not fit the text"),
               (long long) json_node_get_int (start_node),
               (long long) json_node_get_int (end_node));
      return;
    }

  {
    const char *from = g_utf8_offset_to_pointer (t->text, start);
    const char *to = g_utf8_offset_to_pointer (from, end - start);

    covered = g_strndup (from, to - from);
  }
  if (text_node != NULL && !JSON_NODE_HOLDS_NULL (text_node))
    {
      const char *expected = JSON_NODE_HOLDS_VALUE (text_node) &&
                             json_node_get_value_type (text_node) == G_TYPE_STRING
                               ? json_node_get_string (text_node) : NULL;

      if (expected == NULL || !g_str_equal (expected, covered))
        {
          problem (t, _("value.text “%s” is not the text at %lld–%lld (“%s”)"),
                   expected != NULL ? expected : "", (long long) json_node_get_int (start_node),
                   (long long) json_node_get_int (end_node), covered);
          return;
        }
    }

  for (guint i = 0; i < labels->len; i++)
    {
      LbPreSpan *s = g_new0 (LbPreSpan, 1);

      s->label = g_strdup (g_ptr_array_index (labels, i));
      s->start = start;
      s->end = end;
      s->text = g_strdup (covered);
      s->origin = t->index;
      g_ptr_array_add (t->pa->spans, s);
    }
}

static void
translate_textarea (Translation *t,
                    const char  *field,
                    JsonObject  *value)
{
  g_autoptr(GPtrArray) texts = get_strings (t, value, "text");
  LbPreAnswer *a;

  if (texts == NULL)
    return;
  for (guint i = 0; i < t->pa->answers->len; i++)
    if (g_str_equal (((LbPreAnswer *) g_ptr_array_index (t->pa->answers, i))->field, field))
      {
        problem (t, _("a second answer to “%s”"), field);
        return;
      }

  g_ptr_array_add (texts, NULL);
  a = g_new0 (LbPreAnswer, 1);
  a->field = g_strdup (field);
  a->text = g_strjoinv ("\n", (char **) texts->pdata);
  a->origin = t->index;
  g_ptr_array_add (t->pa->answers, a);
}

static void
translate_note (Translation *t,
                JsonObject  *value)
{
  g_autoptr(GPtrArray) texts = get_strings (t, value, "text");

  if (texts == NULL)
    return;
  if (t->pa->note != NULL)
    {
      problem (t, _("a second note"));
      return;
    }
  g_ptr_array_add (texts, NULL);
  t->pa->note = g_strjoinv ("\n", (char **) texts->pdata);
  if (t->pa->note[0] == '\0')
    {
      g_clear_pointer (&t->pa->note, g_free);  /* an empty text area: no note */
      return;
    }
  if (t->pa->submission_origin == 0)
    t->pa->submission_origin = t->index;
}

static void G_GNUC_PRINTF (3, 4)
check_problem (GPtrArray  *problems,
               guint       origin,
               const char *format,
               ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  if (origin > 0)
    g_ptr_array_add (problems, g_strdup_printf (_("result %u: %s"), origin, reason));
  else
    g_ptr_array_add (problems, g_steal_pointer (&reason));
}

void
_lb_pre_annotation_check (LbPreAnnotation *pa,
                          LbSchema        *schema,
                          GPtrArray       *problems)
{
  if (pa->labels != NULL)
    {
      for (guint i = 0; i < pa->labels->len;)
        {
          const char *label = g_ptr_array_index (pa->labels, i);

          if (lb_schema_find_label (schema, label) == NULL)
            {
              check_problem (problems, pa->submission_origin,
                             _("label “%s” is not in the batch’s schema"), label);
              g_ptr_array_remove_index (pa->labels, i);
            }
          else
            i++;
        }
      if (pa->labels->len > 1 && !lb_schema_get_multi_label (schema))
        {
          check_problem (problems, pa->submission_origin,
                         _("%u labels, but the batch’s schema takes one label per item"),
                         pa->labels->len);
          g_ptr_array_set_size (pa->labels, 1);
        }
      if (pa->labels->len == 0)
        g_clear_pointer (&pa->labels, g_ptr_array_unref);
    }
  if (pa->decision != NULL && lb_schema_find_decision (schema, pa->decision) == NULL)
    {
      check_problem (problems, pa->submission_origin,
                     _("decision “%s” is not in the batch’s schema"), pa->decision);
      g_clear_pointer (&pa->decision, g_free);
    }
  if (pa->reason != NULL && lb_schema_find_reason (schema, pa->reason) == NULL)
    {
      check_problem (problems, pa->submission_origin,
                     _("reason “%s” is not in the batch’s schema"), pa->reason);
      g_clear_pointer (&pa->reason, g_free);
    }

  for (guint i = 0; i < pa->regions->len;)
    {
      LbPreRegion *r = g_ptr_array_index (pa->regions, i);
      gboolean box = r->shape == LB_REGION_SHAPE_BOX;

      if (!lb_schema_has_tool (schema, box ? LB_TOOL_BOX : LB_TOOL_POLYGON))
        check_problem (problems, r->origin,
                       box ? _("the batch’s schema has no box tool")
                           : _("the batch’s schema has no polygon tool"));
      else if (lb_schema_find_label (schema, r->label) == NULL)
        check_problem (problems, r->origin, _("label “%s” is not in the batch’s schema"),
                       r->label);
      else
        {
          i++;
          continue;
        }
      g_ptr_array_remove_index (pa->regions, i);
    }

  for (guint i = 0; i < pa->spans->len;)
    {
      LbPreSpan *s = g_ptr_array_index (pa->spans, i);

      if (!lb_schema_has_tool (schema, LB_TOOL_SPAN))
        check_problem (problems, s->origin, _("the batch’s schema has no span tool"));
      else if (lb_schema_find_label (schema, s->label) == NULL)
        check_problem (problems, s->origin, _("label “%s” is not in the batch’s schema"),
                       s->label);
      else
        {
          i++;
          continue;
        }
      g_ptr_array_remove_index (pa->spans, i);
    }

  for (guint i = 0; i < pa->answers->len;)
    {
      LbPreAnswer *a = g_ptr_array_index (pa->answers, i);

      if (lb_schema_find_field (schema, a->field) == NULL)
        {
          check_problem (problems, a->origin, _("field “%s” is not in the batch’s schema"),
                         a->field);
          g_ptr_array_remove_index (pa->answers, i);
        }
      else
        i++;
    }
}

LbPreAnnotation *
_lb_ls_translate (LbLsMapping *mapping,
                  JsonArray   *result,
                  LbItemKind   kind,
                  const char  *image_path,
                  const char  *text,
                  GPtrArray   *problems)
{
  Translation t = { 0, };

  t.pa = _lb_pre_annotation_new ();
  t.problems = problems;
  t.kind = kind;
  t.image_path = image_path;
  t.text = text;

  for (guint i = 0; result != NULL && i < json_array_get_length (result); i++)
    {
      JsonNode *node = json_array_get_element (result, i);
      JsonObject *r = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *value_node;
      JsonObject *value;
      const char *type, *from_name;
      gpointer found;
      Target target;

      t.index = i + 1;
      if (r == NULL)
        {
          problem (&t, _("not a JSON object"));
          continue;
        }
      type = json_object_get_string_member_with_default (r, "type", NULL);
      from_name = json_object_get_string_member_with_default (r, "from_name", NULL);
      if (type == NULL)
        {
          problem (&t, _("no “type”"));
          continue;
        }
      if (!g_str_equal (type, "choices") && !g_str_equal (type, "rectanglelabels") &&
          !g_str_equal (type, "polygonlabels") && !g_str_equal (type, "labels") &&
          !g_str_equal (type, "textarea"))
        {
          problem (&t, _("type “%s” not supported (Labelbench reads choices, "
                         "rectanglelabels, polygonlabels, labels and textarea)"), type);
          continue;
        }
      if (from_name == NULL)
        {
          problem (&t, _("no “from_name”"));
          continue;
        }
      found = g_hash_table_lookup (mapping->targets, from_name);
      if (found == NULL)
        {
          problem (&t, _("unknown from_name “%s” (not in the batch’s labeling config)"),
                   from_name);
          continue;
        }
      target = GPOINTER_TO_INT (found) - 1;
      if (!g_str_equal (type, target_type (target)))
        {
          problem (&t, _("type “%s” does not fit from_name “%s” (a %s)"), type, from_name,
                   target_type (target));
          continue;
        }
      value_node = json_object_get_member (r, "value");
      if (value_node == NULL || !JSON_NODE_HOLDS_OBJECT (value_node))
        {
          problem (&t, _("no “value” object"));
          continue;
        }
      value = json_node_get_object (value_node);

      switch (target)
        {
        case TARGET_LABELS:
        case TARGET_DECISION:
        case TARGET_REASON:
          translate_choices (&t, target, value);
          break;
        case TARGET_BOX:
          translate_rectangle (&t, r, value);
          break;
        case TARGET_POLYGON:
          translate_polygon (&t, r, value);
          break;
        case TARGET_SPAN:
          translate_span (&t, value);
          break;
        case TARGET_ANSWER:
          translate_textarea (&t, from_name, value);
          break;
        case TARGET_NOTE:
          translate_note (&t, value);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  g_free (t.probe_error);
  return t.pa;
}
