/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-predictions"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-import-private.h"
#include "lb-predictions.h"

G_DEFINE_QUARK (lb-predictions-error-quark, lb_predictions_error)

/* Pre-annotations */

static void
pre_region_free (gpointer data)
{
  LbPreRegion *r = data;

  g_free (r->label);
  g_clear_pointer (&r->points, g_array_unref);
  g_free (r->attributes);
  g_free (r);
}

static void
pre_span_free (gpointer data)
{
  LbPreSpan *s = data;

  g_free (s->label);
  g_free (s->text);
  g_free (s);
}

static void
pre_answer_free (gpointer data)
{
  LbPreAnswer *a = data;

  g_free (a->field);
  g_free (a->text);
  g_free (a);
}

LbPreAnnotation *
_lb_pre_annotation_new (void)
{
  LbPreAnnotation *pa = g_new0 (LbPreAnnotation, 1);

  pa->regions = g_ptr_array_new_with_free_func (pre_region_free);
  pa->spans = g_ptr_array_new_with_free_func (pre_span_free);
  pa->answers = g_ptr_array_new_with_free_func (pre_answer_free);
  return pa;
}

void
_lb_pre_annotation_free (LbPreAnnotation *pa)
{
  if (pa == NULL)
    return;
  g_free (pa->model);
  g_clear_pointer (&pa->labels, g_ptr_array_unref);
  g_free (pa->decision);
  g_free (pa->reason);
  g_free (pa->note);
  g_ptr_array_unref (pa->regions);
  g_ptr_array_unref (pa->spans);
  g_ptr_array_unref (pa->answers);
  g_free (pa);
}

gboolean
_lb_pre_annotation_is_empty (const LbPreAnnotation *pa)
{
  return pa->labels == NULL && pa->decision == NULL && pa->reason == NULL && pa->note == NULL &&
         pa->regions->len == 0 && pa->spans->len == 0 && pa->answers->len == 0 &&
         !pa->skipped;
}

JsonNode *
_lb_pre_annotation_to_json (const LbPreAnnotation *pa)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, pa->model != NULL ? pa->model : "label-studio");
  if (pa->has_score)
    {
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, pa->score);
    }
  if (pa->labels != NULL)
    {
      json_builder_set_member_name (b, "labels");
      json_builder_begin_array (b);
      for (guint i = 0; i < pa->labels->len; i++)
        json_builder_add_string_value (b, g_ptr_array_index (pa->labels, i));
      json_builder_end_array (b);
    }
  if (pa->decision != NULL)
    {
      json_builder_set_member_name (b, "decision");
      json_builder_add_string_value (b, pa->decision);
    }
  if (pa->reason != NULL)
    {
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, pa->reason);
    }
  if (pa->note != NULL)
    {
      json_builder_set_member_name (b, "note");
      json_builder_add_string_value (b, pa->note);
    }

  json_builder_set_member_name (b, "regions");
  json_builder_begin_array (b);
  for (guint i = 0; i < pa->regions->len; i++)
    {
      const LbPreRegion *r = g_ptr_array_index (pa->regions, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, r->label);
      json_builder_set_member_name (b, "shape");
      if (r->shape == LB_REGION_SHAPE_BOX)
        {
          json_builder_add_string_value (b, "box");
          json_builder_set_member_name (b, "box");
          json_builder_begin_array (b);
          for (guint k = 0; k < 4; k++)
            json_builder_add_double_value (b, r->box[k]);
          json_builder_end_array (b);
        }
      else
        {
          json_builder_add_string_value (b, "polygon");
          json_builder_set_member_name (b, "points");
          json_builder_begin_array (b);
          for (guint k = 0; k + 1 < r->points->len; k += 2)
            {
              json_builder_begin_array (b);
              json_builder_add_double_value (b, g_array_index (r->points, double, k));
              json_builder_add_double_value (b, g_array_index (r->points, double, k + 1));
              json_builder_end_array (b);
            }
          json_builder_end_array (b);
        }
      if (r->attributes != NULL)
        {
          json_builder_set_member_name (b, "attributes");
          json_builder_add_value (b, json_from_string (r->attributes, NULL));
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "spans");
  json_builder_begin_array (b);
  for (guint i = 0; i < pa->spans->len; i++)
    {
      const LbPreSpan *s = g_ptr_array_index (pa->spans, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, s->label);
      json_builder_set_member_name (b, "start");
      json_builder_add_int_value (b, s->start);
      json_builder_set_member_name (b, "end");
      json_builder_add_int_value (b, s->end);
      if (s->text != NULL)
        {
          json_builder_set_member_name (b, "text");
          json_builder_add_string_value (b, s->text);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "answers");
  json_builder_begin_object (b);
  for (guint i = 0; i < pa->answers->len; i++)
    {
      const LbPreAnswer *a = g_ptr_array_index (pa->answers, i);

      json_builder_set_member_name (b, a->field);
      json_builder_add_string_value (b, a->text);
    }
  json_builder_end_object (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

static gboolean G_GNUC_PRINTF (2, 3)
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LB_PREDICTIONS_ERROR, LB_PREDICTIONS_ERROR_INVALID,
               _("The pre-annotations are not usable: %s"), message);
  return FALSE;
}

static gboolean
get_number (JsonNode *node,
            double   *value)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return isfinite (*value);
}

static const char *
get_string (JsonObject *o,
            const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
region_from_json (JsonNode     *node,
                  guint         index,
                  LbPreRegion **out,
                  GError      **error)
{
  LbPreRegion *r;
  JsonObject *o;
  const char *label, *shape;
  JsonNode *attributes;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, _("regions[%u] is not an object"), index);
  o = json_node_get_object (node);
  label = get_string (o, "label");
  shape = get_string (o, "shape");
  if (label == NULL)
    return invalid (error, _("regions[%u] has no label"), index);

  r = g_new0 (LbPreRegion, 1);
  r->label = g_strdup (label);
  *out = r;

  if (g_strcmp0 (shape, "box") == 0)
    {
      JsonNode *box = json_object_get_member (o, "box");
      JsonArray *array = box != NULL && JSON_NODE_HOLDS_ARRAY (box) ? json_node_get_array (box)
                                                                   : NULL;

      r->shape = LB_REGION_SHAPE_BOX;
      if (array == NULL || json_array_get_length (array) != 4)
        return invalid (error, _("regions[%u].box is not [x, y, width, height]"), index);
      for (guint k = 0; k < 4; k++)
        if (!get_number (json_array_get_element (array, k), &r->box[k]))
          return invalid (error, _("regions[%u].box is not [x, y, width, height]"), index);
    }
  else if (g_strcmp0 (shape, "polygon") == 0)
    {
      JsonNode *points = json_object_get_member (o, "points");
      JsonArray *array = points != NULL && JSON_NODE_HOLDS_ARRAY (points)
                           ? json_node_get_array (points) : NULL;

      r->shape = LB_REGION_SHAPE_POLYGON;
      r->points = g_array_new (FALSE, FALSE, sizeof (double));
      if (array == NULL)
        return invalid (error, _("regions[%u].points is not a list of points"), index);
      for (guint k = 0; k < json_array_get_length (array); k++)
        {
          JsonNode *point = json_array_get_element (array, k);
          JsonArray *xy = JSON_NODE_HOLDS_ARRAY (point) ? json_node_get_array (point) : NULL;
          double x, y;

          if (xy == NULL || json_array_get_length (xy) != 2 ||
              !get_number (json_array_get_element (xy, 0), &x) ||
              !get_number (json_array_get_element (xy, 1), &y))
            return invalid (error, _("regions[%u].points[%u] is not [x, y]"), index, k);
          g_array_append_val (r->points, x);
          g_array_append_val (r->points, y);
        }
    }
  else
    return invalid (error, _("regions[%u].shape is neither “box” nor “polygon”"), index);

  attributes = json_object_get_member (o, "attributes");
  if (attributes != NULL && JSON_NODE_HOLDS_OBJECT (attributes) &&
      json_object_get_size (json_node_get_object (attributes)) > 0)
    r->attributes = json_to_string (attributes, FALSE);
  return TRUE;
}

LbPreAnnotation *
_lb_pre_annotation_from_json (JsonNode  *node,
                              GError   **error)
{
  g_autoptr(LbPreAnnotation) pa = _lb_pre_annotation_new ();
  JsonObject *o;
  JsonNode *member;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, _("not an object"));
      return NULL;
    }
  o = json_node_get_object (node);

  if ((text = get_string (o, "model")) != NULL)
    pa->model = g_strdup (text);
  if (get_number (json_object_get_member (o, "score"), &pa->score))
    pa->has_score = TRUE;
  if ((text = get_string (o, "decision")) != NULL)
    pa->decision = g_strdup (text);
  if ((text = get_string (o, "reason")) != NULL)
    pa->reason = g_strdup (text);
  if ((text = get_string (o, "note")) != NULL && *text != '\0')
    pa->note = g_strdup (text);

  member = json_object_get_member (o, "labels");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (member))
        {
          invalid (error, _("“labels” is not a list"));
          return NULL;
        }
      array = json_node_get_array (member);
      pa->labels = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *label = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (label) || json_node_get_value_type (label) != G_TYPE_STRING)
            {
              invalid (error, _("labels[%u] is not a string"), i);
              return NULL;
            }
          g_ptr_array_add (pa->labels, g_strdup (json_node_get_string (label)));
        }
    }

  member = json_object_get_member (o, "regions");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *array = json_node_get_array (member);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          LbPreRegion *r = NULL;
          gboolean ok = region_from_json (json_array_get_element (array, i), i, &r, error);

          if (r != NULL)
            g_ptr_array_add (pa->regions, r);
          if (!ok)
            return NULL;
        }
    }

  member = json_object_get_member (o, "spans");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *array = json_node_get_array (member);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *so = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element)
                                                           : NULL;
          double start, end;
          LbPreSpan *s;

          if (so == NULL || get_string (so, "label") == NULL ||
              !get_number (json_object_get_member (so, "start"), &start) ||
              !get_number (json_object_get_member (so, "end"), &end))
            {
              invalid (error, _("spans[%u] is not {label, start, end}"), i);
              return NULL;
            }
          s = g_new0 (LbPreSpan, 1);
          s->label = g_strdup (get_string (so, "label"));
          s->start = (gint64) start;
          s->end = (gint64) end;
          s->text = g_strdup (get_string (so, "text"));
          g_ptr_array_add (pa->spans, s);
        }
    }

  member = json_object_get_member (o, "answers");
  if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    {
      JsonObject *answers = json_node_get_object (member);
      JsonObjectIter iter;
      const char *field;
      JsonNode *value;

      json_object_iter_init (&iter, answers);
      while (json_object_iter_next (&iter, &field, &value))
        {
          LbPreAnswer *a;

          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
            {
              invalid (error, _("answers.%s is not a string"), field);
              return NULL;
            }
          a = g_new0 (LbPreAnswer, 1);
          a->field = g_strdup (field);
          a->text = g_strdup (json_node_get_string (value));
          g_ptr_array_add (pa->answers, a);
        }
    }

  return g_steal_pointer (&pa);
}

/* Applying */

static gboolean
same_strings (const char * const *have,
              GPtrArray          *want)
{
  guint n = have != NULL ? g_strv_length ((char **) have) : 0;

  if (n != want->len)
    return FALSE;
  for (guint i = 0; i < want->len; i++)
    if (!g_strv_contains (have, g_ptr_array_index (want, i)))
      return FALSE;
  return TRUE;
}

static gboolean
region_present (LbItem            *item,
                const LbPreRegion *r)
{
  for (guint i = 0; item != NULL && i < lb_item_get_n_regions (item); i++)
    {
      const LbRegion *have = lb_item_get_region (item, i);
      gboolean same = TRUE;

      if (have->shape != r->shape || g_strcmp0 (have->label, r->label) != 0)
        continue;
      if (r->shape == LB_REGION_SHAPE_BOX)
        {
          for (guint k = 0; k < 4; k++)
            same = same && fabs (have->box[k] - r->box[k]) < 1e-9;
        }
      else
        {
          same = have->n_points * 2 == r->points->len;
          for (guint k = 0; same && k < r->points->len; k++)
            same = fabs (have->points[k] - g_array_index (r->points, double, k)) < 1e-9;
        }
      if (same)
        return TRUE;
    }
  return FALSE;
}

static gboolean
span_present (LbItem          *item,
              const LbPreSpan *s)
{
  for (guint i = 0; item != NULL && i < lb_item_get_n_spans (item); i++)
    {
      const LbSpan *have = lb_item_get_span (item, i);

      if (have->start == s->start && have->end == s->end &&
          g_strcmp0 (have->label, s->label) == 0)
        return TRUE;
    }
  return FALSE;
}

/* FALSE when the caller must stop (no FAIL given) */
static gboolean
failed (LbPreFailFunc   fail,
        gpointer        fail_data,
        guint           origin,
        GError        **local_error,
        GError        **error)
{
  if (fail == NULL)
    {
      g_propagate_error (error, g_steal_pointer (local_error));
      return FALSE;
    }
  fail (origin, *local_error, fail_data);
  g_clear_error (local_error);
  return TRUE;
}

gboolean
_lb_pre_annotation_apply (LbStore               *store,
                          gint64                 item_id,
                          const char            *actor,
                          const LbPreAnnotation *pa,
                          gboolean               skip_present,
                          LbPreFailFunc          fail,
                          gpointer               fail_data,
                          GError               **error)
{
  g_autoptr(LbItem) item = NULL;
  GError *local_error = NULL;

  if (skip_present)
    {
      item = lb_store_get_item (store, item_id, error);
      if (item == NULL)
        return FALSE;
    }

  if (pa->labels != NULL || pa->decision != NULL || pa->reason != NULL || pa->note != NULL)
    {
      g_autofree const char **labels = NULL;
      LbSubmission submission = { 0, };
      gboolean present = item != NULL &&
                         (pa->labels == NULL || same_strings (lb_item_get_labels (item),
                                                               pa->labels)) &&
                         (pa->decision == NULL ||
                          g_strcmp0 (lb_item_get_decision (item), pa->decision) == 0) &&
                         (pa->reason == NULL ||
                          g_strcmp0 (lb_item_get_reason (item), pa->reason) == 0) &&
                         (pa->note == NULL ||
                          g_strcmp0 (lb_item_get_note (item), pa->note) == 0);

      if (pa->labels != NULL)
        {
          labels = g_new0 (const char *, pa->labels->len + 1);
          for (guint i = 0; i < pa->labels->len; i++)
            labels[i] = g_ptr_array_index (pa->labels, i);
        }
      submission.labels = labels;
      submission.decision = pa->decision;
      submission.reason = pa->reason;
      submission.note = pa->note;
      submission.dwell_ms = pa->dwell_ms;

      if (!present && !lb_store_submit (store, item_id, actor, &submission, &local_error) &&
          !failed (fail, fail_data, pa->submission_origin, &local_error, error))
        return FALSE;
    }
  else if (pa->skipped && pa->regions->len == 0 && pa->spans->len == 0 && pa->answers->len == 0)
    {
      if (!lb_store_skip (store, item_id, actor, pa->dwell_ms, &local_error) &&
          !failed (fail, fail_data, 0, &local_error, error))
        return FALSE;
    }

  for (guint i = 0; i < pa->regions->len; i++)
    {
      const LbPreRegion *r = g_ptr_array_index (pa->regions, i);
      LbRegionSpec spec = { 0, };

      if (skip_present && region_present (item, r))
        continue;
      spec.label = r->label;
      spec.shape = r->shape;
      memcpy (spec.box, r->box, sizeof spec.box);
      if (r->shape == LB_REGION_SHAPE_POLYGON)
        {
          spec.points = (const double *) (gpointer) r->points->data;
          spec.n_points = r->points->len / 2;
        }
      spec.attributes = r->attributes;
      if (!lb_store_create_region (store, item_id, actor, &spec, NULL, &local_error) &&
          !failed (fail, fail_data, r->origin, &local_error, error))
        return FALSE;
    }

  for (guint i = 0; i < pa->spans->len; i++)
    {
      const LbPreSpan *s = g_ptr_array_index (pa->spans, i);

      if (skip_present && span_present (item, s))
        continue;
      if (!lb_store_create_span (store, item_id, actor, s->label, s->start, s->end, NULL,
                                 &local_error) &&
          !failed (fail, fail_data, s->origin, &local_error, error))
        return FALSE;
    }

  for (guint i = 0; i < pa->answers->len; i++)
    {
      const LbPreAnswer *a = g_ptr_array_index (pa->answers, i);

      if (skip_present && g_strcmp0 (lb_item_get_answer (item, a->field), a->text) == 0)
        continue;
      if (!lb_store_set_answer (store, item_id, actor, a->field, a->text, &local_error) &&
          !failed (fail, fail_data, a->origin, &local_error, error))
        return FALSE;
    }

  return TRUE;
}

/* Public API */

static LbPreAnnotation *
predictions_of (LbItem  *item,
                GError **error)
{
  g_autoptr(JsonNode) meta = NULL;
  JsonNode *node;

  meta = json_from_string (lb_item_get_meta_json (item), NULL);
  if (meta == NULL || !JSON_NODE_HOLDS_OBJECT (meta) ||
      (node = json_object_get_member (json_node_get_object (meta),
                                      LB_PREDICTIONS_META_KEY)) == NULL ||
      JSON_NODE_HOLDS_NULL (node))
    {
      g_set_error (error, LB_PREDICTIONS_ERROR, LB_PREDICTIONS_ERROR_NONE,
                   _("Item “%s” has no pre-annotations"), lb_item_get_external_id (item));
      return NULL;
    }
  return _lb_pre_annotation_from_json (node, error);
}

gboolean
lb_predictions_has (LbItem *item)
{
  g_autoptr(LbPreAnnotation) pa = NULL;

  g_return_val_if_fail (LB_IS_ITEM (item), FALSE);

  /* cheap test first: most items have none */
  if (strstr (lb_item_get_meta_json (item), "\"" LB_PREDICTIONS_META_KEY "\"") == NULL)
    return FALSE;
  pa = predictions_of (item, NULL);
  return pa != NULL;
}

char *
lb_predictions_describe (LbItem *item)
{
  g_autoptr(LbPreAnnotation) pa = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autofree char *joined = NULL;
  guint n_boxes = 0, n_polygons = 0;

  g_return_val_if_fail (LB_IS_ITEM (item), NULL);

  if (strstr (lb_item_get_meta_json (item), "\"" LB_PREDICTIONS_META_KEY "\"") == NULL)
    return NULL;
  pa = predictions_of (item, NULL);
  if (pa == NULL)
    return NULL;

  parts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < pa->regions->len; i++)
    {
      const LbPreRegion *r = g_ptr_array_index (pa->regions, i);

      if (r->shape == LB_REGION_SHAPE_BOX)
        n_boxes++;
      else
        n_polygons++;
    }
  if (n_boxes > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u box", "%u boxes",
                                                          n_boxes), n_boxes));
  if (n_polygons > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u polygon",
                                                          "%u polygons", n_polygons),
                                             n_polygons));
  if (pa->spans->len > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u span", "%u spans",
                                                          pa->spans->len), pa->spans->len));
  if (pa->answers->len > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u answer",
                                                          "%u answers", pa->answers->len),
                                             pa->answers->len));
  if (pa->labels != NULL && pa->labels->len > 0)
    {
      g_autoptr(GString) labels = g_string_new (NULL);

      for (guint i = 0; i < pa->labels->len; i++)
        {
          if (i > 0)
            g_string_append (labels, ", ");
          g_string_append (labels, g_ptr_array_index (pa->labels, i));
        }
      g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "label %s",
                                                            "labels %s", pa->labels->len),
                                               labels->str));
    }
  if (pa->decision != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("decision %s"), pa->decision));
  if (pa->reason != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("reason %s"), pa->reason));
  if (pa->note != NULL)
    g_ptr_array_add (parts, g_strdup (_("a note")));

  if (parts->len == 0)
    return NULL;

  g_ptr_array_add (parts, NULL);
  /* TRANSLATORS: joins the parts of a pre-annotation summary: "2 boxes, label Cat" */
  joined = g_strjoinv (_(", "), (char **) parts->pdata);
  /* TRANSLATORS: MODEL: SUMMARY, e.g. "model-x: 2 boxes, label Cat" */
  return g_strdup_printf (_("%s: %s"), pa->model != NULL ? pa->model : "label-studio", joined);
}

gboolean
lb_predictions_accept (LbStore     *store,
                       gint64       item_id,
                       const char  *actor,
                       GError     **error)
{
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbPreAnnotation) pa = NULL;

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (actor != NULL && *actor != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  item = lb_store_get_item (store, item_id, error);
  if (item == NULL)
    return FALSE;
  pa = predictions_of (item, error);
  if (pa == NULL)
    return FALSE;
  if (_lb_pre_annotation_is_empty (pa))
    {
      g_set_error (error, LB_PREDICTIONS_ERROR, LB_PREDICTIONS_ERROR_NONE,
                   _("Item “%s” has no pre-annotations"), lb_item_get_external_id (item));
      return FALSE;
    }

  return _lb_pre_annotation_apply (store, item_id, actor, pa, TRUE, NULL, NULL, error);
}

typedef struct {
  gint64  item_id;
  char   *actor;
} AcceptData;

static void
accept_data_free (gpointer data)
{
  AcceptData *accept = data;

  g_free (accept->actor);
  g_free (accept);
}

static void
accept_thread_cb (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  AcceptData *accept = task_data;
  GError *error = NULL;

  if (lb_predictions_accept (LB_STORE (source_object), accept->item_id, accept->actor, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
lb_predictions_accept_async (LbStore             *store,
                             gint64               item_id,
                             const char          *actor,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AcceptData *accept;

  g_return_if_fail (LB_IS_STORE (store));
  g_return_if_fail (actor != NULL && *actor != '\0');

  accept = g_new0 (AcceptData, 1);
  accept->item_id = item_id;
  accept->actor = g_strdup (actor);
  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_predictions_accept_async);
  g_task_set_task_data (task, accept, accept_data_free);
  g_task_run_in_thread (task, accept_thread_cb);
}

gboolean
lb_predictions_accept_finish (LbStore       *store,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
