/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export"
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-export-private.h"

/* Object detection formats of the image items' regions: COCO (one JSON
 * file), Pascal VOC and YOLO (folders). Regions are in source-image pixels
 * (the upright picture), fitted to the image by _lb_export_fit_region ()
 * (a region wholly outside it is left out); polygons become their bounding
 * boxes where a format only has boxes. */

typedef struct {
  GPtrArray  *classes;     /* of char*, class order */
  GHashTable *class_index; /* label -> index + 1 */
} Classes;

static gboolean
classes_init (LbExportJob  *job,
              Classes      *c,
              GError      **error)
{
  g_autoptr(GPtrArray) batches = _lb_export_list_batches (job, error);
  g_autoptr(GPtrArray) schemas = NULL;

  if (batches == NULL)
    return FALSE;
  schemas = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_schema_unref);
  for (guint i = 0; i < batches->len; i++)
    {
      LbBatch *batch = g_ptr_array_index (batches, i);
      LbSchema *schema = lb_store_get_batch_schema (job->store, batch->id, error);

      if (schema == NULL)
        return FALSE;
      g_ptr_array_add (schemas, schema);
    }
  /* the schemas that draw regions; all of them when none does */
  for (guint i = 0; i < schemas->len; i++)
    if (lb_schema_get_tools (g_ptr_array_index (schemas, i)) & (LB_TOOL_BOX | LB_TOOL_POLYGON))
      {
        for (guint k = schemas->len; k-- > 0;)
          if (!(lb_schema_get_tools (g_ptr_array_index (schemas, k))
                & (LB_TOOL_BOX | LB_TOOL_POLYGON)))
            g_ptr_array_remove_index (schemas, k);
        break;
      }
  c->classes = _lb_export_class_list (batches, schemas);
  c->class_index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < c->classes->len; i++)
    g_hash_table_insert (c->class_index, g_ptr_array_index (c->classes, i),
                         GUINT_TO_POINTER (i + 1));
  return TRUE;
}

static void
classes_clear (Classes *c)
{
  g_clear_pointer (&c->class_index, g_hash_table_unref);
  g_clear_pointer (&c->classes, g_ptr_array_unref);
}

/* 0 = not a class */
static guint
class_number (Classes    *c,
              const char *label)
{
  return label != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (c->class_index, label)) : 0;
}

static void
warn_unknown_label (LbExportJob    *job,
                    LbItem         *item,
                    const LbRegion *r)
{
  _lb_export_warn (job, _("%s (item “%s” of batch “%s”): region %s left out: its label “%s” "
                          "is not in the schema"),
                   lb_item_get_relative_path (item), lb_item_get_external_id (item),
                   lb_item_get_batch_name (item), r->id, r->label);
}

/* COCO */

typedef struct {
  Classes        classes;
  GFileIOStream *spool_io;
  GOutputStream *spool;
  GString       *spool_buf;
  guint64        n_images;
  guint64        n_annotations;
} CocoWriter;

static gboolean
coco_image_cb (LbExportJob         *job,
               const LbExportItem  *entry,
               gpointer             user_data,
               GError             **error)
{
  CocoWriter *w = user_data;
  LbItem *item = entry->item;
  GString *s = job->buf;
  GString *a = w->spool_buf;
  guint width = 0, height = 0;

  _lb_export_image_size (job, item, &width, &height);

  if (w->n_images++ > 0)
    g_string_append_c (s, ',');
  g_string_append (s, "\n{\"id\":");
  _lb_export_append_int (s, lb_item_get_id (item));
  g_string_append (s, ",\"file_name\":");
  lb_export_append_json_string (s, lb_item_get_relative_path (item));
  g_string_append (s, ",\"width\":");
  _lb_export_append_int (s, width);
  g_string_append (s, ",\"height\":");
  _lb_export_append_int (s, height);
  g_string_append (s, ",\"lb_item\":");
  lb_export_append_json_string (s, lb_item_get_external_id (item));
  g_string_append (s, ",\"lb_batch\":");
  lb_export_append_json_string (s, lb_item_get_batch_name (item));
  g_string_append_c (s, '}');

  for (guint i = 0; i < lb_item_get_n_regions (item); i++)
    {
      const LbRegion *r = lb_item_get_region (item, i);
      guint category = class_number (&w->classes, r->label);
      g_auto(LbExportRegion) fitted = { 0 };
      const double *b = fitted.box;
      double area;

      if (category == 0)
        {
          warn_unknown_label (job, item, r);
          continue;
        }
      if (!_lb_export_fit_region (job, item, r, width, height, &fitted))
        continue;

      if (w->n_annotations++ > 0)
        g_string_append_c (a, ',');
      g_string_append (a, "\n{\"id\":");
      _lb_export_append_int (a, (gint64) w->n_annotations);
      g_string_append (a, ",\"image_id\":");
      _lb_export_append_int (a, lb_item_get_id (item));
      g_string_append (a, ",\"category_id\":");
      _lb_export_append_int (a, category);
      g_string_append (a, ",\"bbox\":[");
      for (guint k = 0; k < 4; k++)
        {
          if (k > 0)
            g_string_append_c (a, ',');
          _lb_export_append_double (a, b[k]);
        }
      g_string_append (a, "],\"segmentation\":[[");
      if (fitted.shape == LB_REGION_SHAPE_POLYGON)
        {
          const double *pts = fitted.points;
          double twice = 0;

          for (guint k = 0; k < fitted.n_points; k++)
            {
              guint next = (k + 1) % fitted.n_points;

              if (k > 0)
                g_string_append_c (a, ',');
              _lb_export_append_double (a, pts[2 * k]);
              g_string_append_c (a, ',');
              _lb_export_append_double (a, pts[2 * k + 1]);
              twice += pts[2 * k] * pts[2 * next + 1] - pts[2 * next] * pts[2 * k + 1];
            }
          area = fabs (twice) / 2;
        }
      else
        {
          const double corners[8] = {
            b[0], b[1], b[0] + b[2], b[1], b[0] + b[2], b[1] + b[3], b[0], b[1] + b[3],
          };

          for (guint k = 0; k < 8; k++)
            {
              if (k > 0)
                g_string_append_c (a, ',');
              _lb_export_append_double (a, corners[k]);
            }
          area = b[2] * b[3];
        }
      g_string_append (a, "]],\"area\":");
      _lb_export_append_double (a, area);
      g_string_append (a, ",\"iscrowd\":0,\"attributes\":");
      _lb_export_append_json (a, r->attributes, "{}");
      g_string_append_c (a, '}');
    }

  if (a->len >= LB_EXPORT_FLUSH_SIZE
      && !_lb_export_write_all (w->spool, a, job->cancellable, error))
    return FALSE;

  job->n_written++;
  return _lb_export_maybe_flush (job, error);
}

/* Copies the spooled annotations to the output */
static gboolean
coco_copy_spool (LbExportJob  *job,
                 CocoWriter   *w,
                 GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GInputStream *input;
  char chunk[64 * 1024];

  if (!_lb_export_write_all (w->spool, w->spool_buf, job->cancellable, error)
      || !_lb_export_flush (job, error))
    return FALSE;
  if (!g_seekable_seek (G_SEEKABLE (w->spool_io), 0, G_SEEK_SET, job->cancellable,
                        &local_error))
    goto io_error;
  input = g_io_stream_get_input_stream (G_IO_STREAM (w->spool_io));
  for (;;)
    {
      gssize n = g_input_stream_read (input, chunk, sizeof chunk, job->cancellable,
                                      &local_error);

      if (n < 0)
        goto io_error;
      if (n == 0)
        break;
      if (!g_output_stream_write_all (job->output, chunk, n, NULL, job->cancellable,
                                      &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
              || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                         _("Cannot write the export: %s"), local_error->message);
          return FALSE;
        }
    }
  return TRUE;

io_error:
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                 _("Cannot read back the temporary file of the annotations: %s"),
                 local_error->message);
  return FALSE;
}

/* {"info", "licenses", "categories", "images", "annotations"}: images are
 * the image items (id = the item's store id), annotations go to an
 * unlinked temporary file while the images are written, then are copied
 * after them, so memory stays flat. */
gboolean
_lb_export_coco (LbExportJob  *job,
                 GError      **error)
{
  CocoWriter w = { 0 };
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFile) spool_file = NULL;
  GString *s = job->buf;
  gboolean ok = FALSE;

  if (!classes_init (job, &w.classes, error))
    goto out;

  spool_file = g_file_new_tmp ("labelbench-coco-XXXXXX.json", &w.spool_io, &local_error);
  if (spool_file == NULL)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                   _("Cannot make a temporary file for the annotations: %s"),
                   local_error->message);
      goto out;
    }
  /* only our open stream holds it from now on */
  g_file_delete (spool_file, NULL, NULL);
  w.spool = g_io_stream_get_output_stream (G_IO_STREAM (w.spool_io));
  w.spool_buf = g_string_sized_new (LB_EXPORT_FLUSH_SIZE + 64 * 1024);

  g_string_append (s, "{\"info\":{\"description\":\"Labelbench export\",\"version\":\"1.0\","
                      "\"contributor\":\"Labelbench\",\"date_created\":\"");
  lb_export_append_time (s, g_get_real_time ());
  g_string_append (s, "\"},\n\"licenses\":[],\n\"categories\":[");
  for (guint i = 0; i < w.classes.classes->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, "\n{\"id\":");
      _lb_export_append_int (s, i + 1);
      g_string_append (s, ",\"name\":");
      lb_export_append_json_string (s, g_ptr_array_index (w.classes.classes, i));
      g_string_append (s, ",\"supercategory\":\"\"}");
    }
  g_string_append (s, "],\n\"images\":[");

  if (!_lb_export_foreach_item (job, LB_ITEM_KIND_IMAGE, coco_image_cb, &w, error))
    goto out;

  g_string_append (s, "],\n\"annotations\":[");
  if (!coco_copy_spool (job, &w, error))
    goto out;
  g_string_append (s, "]}\n");
  ok = TRUE;

out:
  if (w.spool_io != NULL)
    g_io_stream_close (G_IO_STREAM (w.spool_io), NULL, NULL);
  g_clear_object (&w.spool_io);
  if (w.spool_buf != NULL)
    g_string_free (w.spool_buf, TRUE);
  classes_clear (&w.classes);
  return ok;
}

/* Region attributes for VOC */

static gboolean
attribute_is_true (JsonObject *attributes,
                   const char *name)
{
  JsonNode *node = attributes != NULL ? json_object_get_member (attributes, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (node);
    case G_TYPE_INT64:
      return json_node_get_int (node) != 0;
    case G_TYPE_DOUBLE:
      return json_node_get_double (node) != 0;
    case G_TYPE_STRING:
      {
        const char *v = json_node_get_string (node);

        return g_ascii_strcasecmp (v, "true") == 0 || g_ascii_strcasecmp (v, "yes") == 0
               || g_str_equal (v, "1");
      }
    default:
      return FALSE;
    }
}

static void
append_xml_element (GString    *s,
                    const char *indent,
                    const char *name,
                    const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *escaped = NULL;

  if (text == NULL)
    text = "";
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  escaped = g_markup_escape_text (text, -1);
  g_string_append_printf (s, "%s<%s>%s</%s>\n", indent, name, escaped, name);
}

static void
append_xml_int (GString    *s,
                const char *indent,
                const char *name,
                gint64      value)
{
  g_string_append_printf (s, "%s<%s>%" G_GINT64_FORMAT "</%s>\n", indent, name, value, name);
}

/* Pixel edges rounded to whole pixels, inside the image when its size is known */
static gint64
voc_coordinate (double value,
                guint  limit)
{
  double v = round (value);

  if (v < 0)
    v = 0;
  if (limit > 0 && v > limit)
    v = limit;
  return (gint64) v;
}

typedef struct {
  GHashTable   *stems;
  LbExportFile  list;     /* ImageSets/Main/default.txt */
  GString      *list_buf;
  char         *annotations_dir;
} VocWriter;

static gboolean
voc_image_cb (LbExportJob         *job,
              const LbExportItem  *entry,
              gpointer             user_data,
              GError             **error)
{
  VocWriter *w = user_data;
  LbItem *item = entry->item;
  g_autoptr(GString) s = g_string_sized_new (1024);
  g_autofree char *stem = _lb_export_unique_stem (w->stems, lb_item_get_relative_path (item));
  g_autofree char *file_name = g_path_get_basename (lb_item_get_relative_path (item));
  g_autofree char *xml_name = g_strconcat (stem, ".xml", NULL);
  g_autofree char *xml_path = g_build_filename (w->annotations_dir, xml_name, NULL);
  guint width = 0, height = 0;

  _lb_export_image_size (job, item, &width, &height);

  g_string_append (s, "<annotation>\n");
  append_xml_element (s, "  ", "folder", lb_item_get_batch_name (item));
  append_xml_element (s, "  ", "filename", file_name);
  append_xml_element (s, "  ", "path", lb_item_get_relative_path (item));
  g_string_append (s, "  <source>\n");
  append_xml_element (s, "    ", "database", "Labelbench");
  g_string_append (s, "  </source>\n  <size>\n");
  append_xml_int (s, "    ", "width", width);
  append_xml_int (s, "    ", "height", height);
  append_xml_int (s, "    ", "depth", 3);
  g_string_append (s, "  </size>\n");
  append_xml_int (s, "  ", "segmented", 0);

  for (guint i = 0; i < lb_item_get_n_regions (item); i++)
    {
      const LbRegion *r = lb_item_get_region (item, i);
      g_autoptr(JsonNode) attributes_node = NULL;
      JsonObject *attributes = NULL;
      JsonNode *pose;
      g_auto(LbExportRegion) fitted = { 0 };
      const double *b = fitted.box;

      if (!_lb_export_fit_region (job, item, r, width, height, &fitted))
        continue;
      if (r->attributes != NULL)
        attributes_node = json_from_string (r->attributes, NULL);
      if (attributes_node != NULL && JSON_NODE_HOLDS_OBJECT (attributes_node))
        attributes = json_node_get_object (attributes_node);
      pose = attributes != NULL ? json_object_get_member (attributes, "pose") : NULL;

      g_string_append (s, "  <object>\n");
      append_xml_element (s, "    ", "name", r->label);
      append_xml_element (s, "    ", "pose",
                          pose != NULL && JSON_NODE_HOLDS_VALUE (pose)
                          && json_node_get_value_type (pose) == G_TYPE_STRING
                            ? json_node_get_string (pose) : "Unspecified");
      append_xml_int (s, "    ", "truncated", attribute_is_true (attributes, "truncated"));
      append_xml_int (s, "    ", "difficult", attribute_is_true (attributes, "difficult"));
      if (attributes != NULL && json_object_has_member (attributes, "occluded"))
        append_xml_int (s, "    ", "occluded", attribute_is_true (attributes, "occluded"));
      g_string_append (s, "    <bndbox>\n");
      append_xml_int (s, "      ", "xmin", voc_coordinate (b[0], width));
      append_xml_int (s, "      ", "ymin", voc_coordinate (b[1], height));
      append_xml_int (s, "      ", "xmax", voc_coordinate (b[0] + b[2], width));
      append_xml_int (s, "      ", "ymax", voc_coordinate (b[1] + b[3], height));
      g_string_append (s, "    </bndbox>\n  </object>\n");
    }
  g_string_append (s, "</annotation>\n");

  if (!_lb_export_write_file (job, xml_path, s, error))
    return FALSE;

  g_string_append (w->list_buf, stem);
  g_string_append_c (w->list_buf, '\n');
  if (w->list_buf->len >= LB_EXPORT_FLUSH_SIZE
      && !_lb_export_write_all (w->list.output, w->list_buf, job->cancellable, error))
    return FALSE;

  job->n_written++;
  return TRUE;
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                   _("Cannot make the folder %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* DIR/Annotations/<stem>.xml per image item, DIR/ImageSets/Main/default.txt
 * listing the stems. */
gboolean
_lb_export_voc (LbExportJob  *job,
                GError      **error)
{
  VocWriter w = { 0 };
  g_autofree char *sets_dir = g_build_filename (job->dir, "ImageSets", "Main", NULL);
  g_autofree char *list_path = g_build_filename (sets_dir, "default.txt", NULL);
  gboolean ok = FALSE;

  w.annotations_dir = g_build_filename (job->dir, "Annotations", NULL);
  w.stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.list_buf = g_string_new (NULL);

  if (!make_dir (w.annotations_dir, error) || !make_dir (sets_dir, error)
      || !_lb_export_file_open (&w.list, list_path, error))
    goto out;

  ok = _lb_export_foreach_item (job, LB_ITEM_KIND_IMAGE, voc_image_cb, &w, error)
       && _lb_export_write_all (w.list.output, w.list_buf, job->cancellable, error)
       && _lb_export_file_commit (&w.list, error);
  if (!ok)
    _lb_export_file_abort (&w.list);

out:
  g_hash_table_unref (w.stems);
  g_string_free (w.list_buf, TRUE);
  g_free (w.annotations_dir);
  return ok;
}

/* YOLO */

typedef struct {
  Classes       classes;
  GHashTable   *stems;
  char         *labels_dir;
  LbExportFile  list;       /* images.tsv: which image each stem is */
  GString      *list_buf;
} YoloWriter;

static void
append_tsv_field (GString    *s,
                  const char *text)
{
  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    g_string_append_c (s, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
}

static gboolean
yolo_image_cb (LbExportJob         *job,
               const LbExportItem  *entry,
               gpointer             user_data,
               GError             **error)
{
  YoloWriter *w = user_data;
  LbItem *item = entry->item;
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *stem = NULL;
  g_autofree char *txt_name = NULL;
  g_autofree char *txt_path = NULL;
  guint width = 0, height = 0;

  if (!_lb_export_image_size (job, item, &width, &height))
    return TRUE;  /* cannot normalise: warned, left out */

  stem = _lb_export_unique_stem (w->stems, lb_item_get_relative_path (item));
  txt_name = g_strconcat (stem, ".txt", NULL);
  txt_path = g_build_filename (w->labels_dir, txt_name, NULL);

  for (guint i = 0; i < lb_item_get_n_regions (item); i++)
    {
      const LbRegion *r = lb_item_get_region (item, i);
      guint number = class_number (&w->classes, r->label);
      g_auto(LbExportRegion) fitted = { 0 };
      double x0, y0, x1, y1;

      if (number == 0)
        {
          warn_unknown_label (job, item, r);
          continue;
        }
      if (!_lb_export_fit_region (job, item, r, width, height, &fitted))
        continue;
      x0 = fitted.box[0];
      y0 = fitted.box[1];
      x1 = fitted.box[0] + fitted.box[2];
      y1 = fitted.box[1] + fitted.box[3];

      _lb_export_append_int (s, number - 1);
      g_string_append_c (s, ' ');
      _lb_export_append_fixed (s, (x0 + x1) / 2 / width, 6);
      g_string_append_c (s, ' ');
      _lb_export_append_fixed (s, (y0 + y1) / 2 / height, 6);
      g_string_append_c (s, ' ');
      _lb_export_append_fixed (s, (x1 - x0) / width, 6);
      g_string_append_c (s, ' ');
      _lb_export_append_fixed (s, (y1 - y0) / height, 6);
      g_string_append_c (s, '\n');
    }

  if (!_lb_export_write_file (job, txt_path, s, error))
    return FALSE;

  append_tsv_field (w->list_buf, stem);
  g_string_append_c (w->list_buf, '\t');
  append_tsv_field (w->list_buf, lb_item_get_batch_name (item));
  g_string_append_c (w->list_buf, '\t');
  append_tsv_field (w->list_buf, lb_item_get_relative_path (item));
  g_string_append_c (w->list_buf, '\n');
  if (w->list_buf->len >= LB_EXPORT_FLUSH_SIZE
      && !_lb_export_write_all (w->list.output, w->list_buf, job->cancellable, error))
    return FALSE;

  job->n_written++;
  return TRUE;
}

static void
append_yaml_string (GString    *s,
                    const char *text)
{
  /* a JSON string is a YAML double-quoted scalar */
  lb_export_append_json_string (s, text);
}

/* DIR/labels/<stem>.txt per image item ("class cx cy w h", normalised to
 * 0..1 with 6 decimals, classes from 0), DIR/classes.txt, DIR/data.yaml and
 * DIR/images.tsv (stem, batch, image path relative to the batch folder). */
gboolean
_lb_export_yolo (LbExportJob  *job,
                 GError      **error)
{
  YoloWriter w = { 0 };
  g_autoptr(GString) classes_txt = g_string_new (NULL);
  g_autoptr(GString) yaml = g_string_new (NULL);
  g_autofree char *classes_path = g_build_filename (job->dir, "classes.txt", NULL);
  g_autofree char *yaml_path = g_build_filename (job->dir, "data.yaml", NULL);
  g_autofree char *list_path = g_build_filename (job->dir, "images.tsv", NULL);
  gboolean ok = FALSE;

  w.labels_dir = g_build_filename (job->dir, "labels", NULL);
  w.stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.list_buf = g_string_new ("stem\tbatch\tpath\n");
  if (!classes_init (job, &w.classes, error) || !make_dir (w.labels_dir, error)
      || !_lb_export_file_open (&w.list, list_path, error))
    goto out;

  g_string_append (yaml,
                   "# Labelbench export (YOLO). The images are not copied: put each\n"
                   "# image in images/ under the stem of its labels/ file (images.tsv\n"
                   "# says which image each stem is).\n"
                   "path: .\ntrain: images\nval: images\nnc: ");
  _lb_export_append_int (yaml, w.classes.classes->len);
  g_string_append (yaml, "\nnames:\n");
  for (guint i = 0; i < w.classes.classes->len; i++)
    {
      const char *name = g_ptr_array_index (w.classes.classes, i);

      g_string_append (classes_txt, name);
      g_string_append_c (classes_txt, '\n');
      g_string_append (yaml, "  ");
      _lb_export_append_int (yaml, i);
      g_string_append (yaml, ": ");
      append_yaml_string (yaml, name);
      g_string_append_c (yaml, '\n');
    }

  ok = _lb_export_foreach_item (job, LB_ITEM_KIND_IMAGE, yolo_image_cb, &w, error)
       && _lb_export_write_all (w.list.output, w.list_buf, job->cancellable, error)
       && _lb_export_file_commit (&w.list, error)
       && _lb_export_write_file (job, classes_path, classes_txt, error)
       && _lb_export_write_file (job, yaml_path, yaml, error);
  if (!ok)
    _lb_export_file_abort (&w.list);

out:
  g_string_free (w.list_buf, TRUE);
  classes_clear (&w.classes);
  g_hash_table_unref (w.stems);
  g_free (w.labels_dir);
  return ok;
}
