/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-export-formats"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <json-glib/json-glib.h>

#include "lb-bundle.h"
#include "lb-export.h"
#include "lb-import.h"
#include "lb-store.h"
#include "lb-test-support.h"

/* Images: boxes and polygons with attributes, a caption, multi-label classes. */
#define PICS_SCHEMA_JSON \
  "{\"name\": \"Pets\", \"multi_label\": true," \
  " \"tools\": [\"class\", \"box\", \"polygon\", \"note\"]," \
  " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\"," \
  "               \"attributes\": [{\"id\": \"truncated\", \"type\": \"bool\"}," \
  "                                {\"id\": \"difficult\", \"type\": \"bool\"}," \
  "                                {\"id\": \"pose\", \"type\": \"choice\"," \
  "                                 \"options\": [\"Left\", \"Frontal\"]}]}," \
  "              {\"id\": \"dog\", \"hotkey\": \"2\"}]," \
  " \"decisions\": [{\"id\": \"approve\", \"hotkey\": \"a\"}," \
  "                 {\"id\": \"reject\", \"hotkey\": \"r\", \"needs_reason\": true}]," \
  " \"reasons\": [{\"id\": \"abuse\"}]," \
  " \"fields\": [{\"id\": \"caption\", \"title\": \"Caption\"}]}"

/* Texts: named entities as spans, overlapping allowed */
#define TEXTS_SCHEMA_JSON \
  "{\"name\": \"NER\", \"tools\": [\"class\", \"span\", \"note\"]," \
  " \"labels\": [{\"id\": \"PER\", \"hotkey\": \"p\"}, {\"id\": \"LOC\", \"hotkey\": \"l\"}," \
  "              {\"id\": \"ORG\", \"hotkey\": \"o\"}]," \
  " \"decisions\": [{\"id\": \"approve\", \"hotkey\": \"a\"}," \
  "                 {\"id\": \"reject\", \"hotkey\": \"r\", \"needs_reason\": true}]," \
  " \"reasons\": [{\"id\": \"abuse\"}]}"

/* code points: 我0 爱1 北2 京3 天4 安5 门6 _7 😀8 _9 Hello10-14 ,15 _16 world17-21 !22 */
static const char t1_text[] = "我爱北京天安门 😀 Hello, world!";

/* A Label Studio labeling config with its own names */
#define LS_CONFIG_XML \
  "<View>\n" \
  "  <Image name=\"img\" value=\"$picture\"/>\n" \
  "  <RectangleLabels name=\"bbox\" toName=\"img\">\n" \
  "    <Label value=\"car\"/>\n" \
  "  </RectangleLabels>\n" \
  "  <Choices name=\"kind\" toName=\"img\">\n" \
  "    <Choice value=\"road\"/>\n" \
  "  </Choices>\n" \
  "</View>\n"

typedef struct {
  char    *dir;
  LbStore *store;
  gint64   photo_a;   /* 200 x 100, a/photo.png */
  gint64   photo_b;   /* 32 x 32, b/photo.png */
  gint64   gone;      /* its file removed after the import */
  gint64   t1;
  gint64   t2;
  gint64   road;      /* of the batch with a Label Studio config */
  gint64   time_before_last;  /* before the last act (on t2) */
} Fixture;

static void
write_png (const char *dir,
           const char *relative,
           guint       width,
           guint       height)
{
  g_autoptr(GBytes) png = lb_test_png_header (width, height);

  lb_test_write_file (dir, relative, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

static void
create_region (Fixture            *f,
               gint64              item,
               const LbRegionSpec *spec)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_create_region (f->store, item, "ann", spec, NULL, &error));
  g_assert_no_error (error);
}

static void
create_span (Fixture    *f,
             gint64      item,
             const char *label,
             gint64      start,
             gint64      end)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_create_span (f->store, item, "李明", label, start, end, NULL, &error));
  g_assert_no_error (error);
}

static gint64
find_id (Fixture    *f,
         const char *batch,
         const char *external_id)
{
  g_autoptr(LbItem) item = lb_test_find_item (f->store, batch, external_id);

  return lb_item_get_id (item);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *pics = NULL;
  g_autofree char *road = NULL;
  g_autofree char *texts = NULL;
  g_autofree char *texts_schema = NULL;
  g_autofree char *ls_config = NULL;
  g_autofree char *gone_path = NULL;
  LbImportOptions pics_options = { .name = "pics" };
  LbImportOptions texts_options = { .name = "texts" };
  LbImportOptions road_options = { .name = "roads" };
  const double triangle[] = { 0, 0, 100, 0, 100, 50 };
  LbRegionSpec box_a = { "cat", LB_REGION_SHAPE_BOX, { 20, 10, 50, 40 }, NULL, 0,
                         "{\"truncated\": true, \"pose\": \"Left\"}", 0 };
  LbRegionSpec poly_a = { "dog", LB_REGION_SHAPE_POLYGON, { 0, }, triangle, 3, NULL, 0 };
  LbRegionSpec box_b = { "dog", LB_REGION_SHAPE_BOX, { 8, 8, 16, 8 }, NULL, 0, NULL, 0 };
  LbRegionSpec box_gone = { "cat", LB_REGION_SHAPE_BOX, { 1, 1, 2, 2 }, NULL, 0, NULL, 0 };
  LbRegionSpec box_road = { "car", LB_REGION_SHAPE_BOX, { 10, 10, 20, 20 }, NULL, 0, NULL, 0 };
  const char *a_labels[] = { "cat", "dog", NULL };
  const char *road_labels[] = { "road", NULL };
  LbSubmission sub = { 0 };

  f->dir = lb_test_make_tmpdir ("lb-test-export-formats");
  pics = g_build_filename (f->dir, "pics", NULL);
  write_png (pics, "a/photo.png", 200, 100);
  g_free (lb_test_copy_pngsuite ("basn2c08.png", pics, "b/photo.png"));
  g_free (lb_test_copy_pngsuite ("basn0g01.png", pics, "gone.png"));
  lb_test_write_file (pics, "schema.json", PICS_SCHEMA_JSON, -1);

  lb_test_write_file (f->dir, "texts/schema.json", TEXTS_SCHEMA_JSON, -1);
  {
    g_autoptr(GString) manifest = g_string_new (NULL);

    g_string_append_printf (manifest, "{\"id\": \"t1\", \"text\": \"%s\"}\n", t1_text);
    g_string_append (manifest, "{\"id\": \"t2\", \"text\": \"plain words\"}\n");
    lb_test_write_file (f->dir, "texts/items.jsonl", manifest->str, -1);
  }
  road = g_build_filename (f->dir, "road", NULL);
  write_png (road, "street.png", 400, 200);
  lb_test_write_file (f->dir, "config.xml", LS_CONFIG_XML, -1);

  db = g_build_filename (f->dir, "store.db", NULL);
  texts = g_build_filename (f->dir, "texts", "items.jsonl", NULL);
  texts_schema = g_build_filename (f->dir, "texts", "schema.json", NULL);
  ls_config = g_build_filename (f->dir, "config.xml", NULL);
  texts_options.schema_path = texts_schema;
  road_options.schema_path = ls_config;

  f->store = lb_test_open_store (db);
  lb_test_import (f->store, pics, &pics_options, 3);
  lb_test_import (f->store, texts, &texts_options, 2);
  lb_test_import (f->store, road, &road_options, 1);

  f->photo_a = find_id (f, "pics", "a/photo.png");
  f->photo_b = find_id (f, "pics", "b/photo.png");
  f->gone = find_id (f, "pics", "gone.png");
  f->t1 = find_id (f, "texts", "t1");
  f->t2 = find_id (f, "texts", "t2");
  f->road = find_id (f, "roads", "street.png");

  create_region (f, f->photo_a, &box_a);
  create_region (f, f->photo_a, &poly_a);
  sub.labels = a_labels;
  sub.decision = "approve";
  g_assert_true (lb_store_submit (f->store, f->photo_a, "ann", &sub, &error));
  g_assert_no_error (error);
  g_assert_true (lb_store_set_answer (f->store, f->photo_a, "ann", "caption", "一只猫, \"big\"",
                                      &error));
  g_assert_no_error (error);
  create_region (f, f->photo_b, &box_b);
  create_region (f, f->gone, &box_gone);
  create_region (f, f->road, &box_road);
  memset (&sub, 0, sizeof sub);
  sub.labels = road_labels;
  g_assert_true (lb_store_submit (f->store, f->road, "ann", &sub, &error));
  g_assert_no_error (error);

  create_span (f, f->t1, "LOC", 2, 7);     /* 北京天安门 */
  create_span (f, f->t1, "ORG", 2, 4);     /* 北京: same start, shorter: loses */
  create_span (f, f->t1, "PER", 10, 15);   /* Hello, after the emoji */
  create_span (f, f->t1, "ORG", 5, 12);    /* overlaps LOC, starts later: loses */

  gone_path = g_build_filename (pics, "gone.png", NULL);
  g_assert_cmpint (g_unlink (gone_path), ==, 0);

  /* the last act, a moment later */
  g_usleep (2000);
  f->time_before_last = g_get_real_time ();
  g_usleep (2000);
  memset (&sub, 0, sizeof sub);
  sub.decision = "reject";
  sub.reason = "abuse";
  sub.note = "=HYPERLINK(\"http://x\"), said \"中文\"";
  g_assert_true (lb_store_submit (f->store, f->t2, "王芳", &sub, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_pump ();
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* The export as a string (through lb_export_to_stream) */
static char *
export_string (Fixture              *f,
               const char           *format,
               const LbExportFilter *filter,
               guint64              *n_written,
               char               ***warnings)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  gsize size;

  g_assert_true (lb_export_to_stream (f->store, format, filter, out, NULL, NULL, n_written,
                                      warnings, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  size = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), size);
}

static char *
read_file (const char *dir,
           const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” is not in:\n%s", needle, haystack);
}

static gboolean
warnings_mention (char       **warnings,
                  const char  *text)
{
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    if (strstr (warnings[i], text) != NULL)
      return TRUE;
  return FALSE;
}

static JsonObject *
find_by_member (JsonArray  *array,
                const char *member,
                const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      JsonNode *m = json_object_get_member (o, member);

      if (m != NULL && JSON_NODE_HOLDS_VALUE (m)
          && json_node_get_value_type (m) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (m), value) == 0)
        return o;
    }
  g_error ("no element with %s = %s", member, value);
  return NULL;
}

static JsonObject *
find_by_int (JsonArray  *array,
             const char *member,
             gint64      value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      if (json_object_has_member (o, member) && json_object_get_int_member (o, member) == value)
        return o;
    }
  g_error ("no element with %s = %" G_GINT64_FORMAT, member, value);
  return NULL;
}

static void
assert_numbers (JsonArray    *array,
                const double *expected,
                guint         n)
{
  g_assert_cmpuint (json_array_get_length (array), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (json_array_get_double_element (array, i), expected[i], 1e-9);
}

static void
test_format_list (void)
{
  static const char * const expected[] = {
    "jsonl", "state-jsonl", "csv", "label-studio", "coco", "voc", "yolo", "conll", "bundle",
  };
  const char * const *formats = lb_export_get_formats ();

  g_assert_cmpuint (g_strv_length ((char **) formats), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpstr (formats[i], ==, expected[i]);
      g_assert_nonnull (lb_export_format_get_title (formats[i]));
      g_assert_cmpint (lb_export_format_is_directory (formats[i]), ==,
                       g_str_equal (formats[i], "voc") || g_str_equal (formats[i], "yolo"));
      g_assert_true ((lb_export_format_get_extension (formats[i]) == NULL)
                     == lb_export_format_is_directory (formats[i]));
    }
  g_assert_null (lb_export_format_get_title ("xml"));
  g_assert_false (lb_export_format_is_directory ("xml"));
  g_assert_cmpstr (lb_export_format_get_extension ("csv"), ==, "csv");
}

static void
test_parse_time (void)
{
  g_autoptr(GError) error = NULL;
  gint64 t = 0;

  g_assert_true (lb_export_parse_time ("2026-11-25", &t, &error));
  g_assert_no_error (error);
  g_assert_cmpint (t, ==, G_GINT64_CONSTANT (1795564800) * G_USEC_PER_SEC);
  g_assert_true (lb_export_parse_time ("2026-11-25T08:00:00Z", &t, &error));
  g_assert_cmpint (t, ==, (G_GINT64_CONSTANT (1795564800) + 8 * 3600) * G_USEC_PER_SEC);
  g_assert_true (lb_export_parse_time ("2026-11-25T16:00:00.5+08:00", &t, &error));
  g_assert_cmpint (t, ==, (G_GINT64_CONSTANT (1795564800) + 8 * 3600) * G_USEC_PER_SEC
                          + G_USEC_PER_SEC / 2);
  g_assert_no_error (error);

  g_assert_false (lb_export_parse_time ("yesterday", &t, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT);
  assert_contains (error->message, "“yesterday” is not a time");
  g_clear_error (&error);
  g_assert_false (lb_export_parse_time ("2026-13-45", &t, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT);
}

static void
test_state_jsonl (Fixture       *f,
                  gconstpointer  data)
{
  guint64 n = 0;
  g_autofree char *text = export_string (f, "state-jsonl", NULL, &n, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean seen_a = FALSE, seen_t1 = FALSE, seen_t2 = FALSE;

  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpuint (g_strv_length (lines), ==, 7);
  g_assert_cmpstr (lines[6], ==, "");
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(JsonNode) node = lb_test_parse_json (lines[i]);
      JsonObject *o = json_node_get_object (node);
      const char *item = json_object_get_string_member (o, "item");

      for (guint k = 0; k < 15; k++)
        {
          static const char * const members[] = {
            "batch", "item", "kind", "meta", "state", "labels", "decision", "reason", "note",
            "regions", "spans", "answers", "last_actor", "updated", "meta",
          };
          g_assert_true (json_object_has_member (o, members[k]));
        }
      if (g_str_equal (item, "a/photo.png"))
        {
          JsonArray *regions = json_object_get_array_member (o, "regions");
          JsonObject *box = json_array_get_object_element (regions, 0);
          const double bbox[] = { 20, 10, 50, 40 };

          seen_a = TRUE;
          g_assert_cmpstr (json_object_get_string_member (o, "batch"), ==, "pics");
          g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "image");
          g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, "a/photo.png");
          g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "done");
          g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "approve");
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "labels")),
                            ==, 2);
          g_assert_cmpuint (json_array_get_length (regions), ==, 2);
          assert_numbers (json_object_get_array_member (box, "box"), bbox, 4);
          g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                             o, "answers"), "caption"), ==, "一只猫, \"big\"");
          g_assert_cmpstr (json_object_get_string_member (o, "last_actor"), ==, "ann");
          g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "updated"), "Z"));
        }
      else if (g_str_equal (item, "t1"))
        {
          JsonArray *spans = json_object_get_array_member (o, "spans");

          seen_t1 = TRUE;
          g_assert_cmpstr (json_object_get_string_member (o, "text"), ==, t1_text);
          g_assert_cmpuint (json_array_get_length (spans), ==, 4);
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (spans, 0),
                                                          "text"), ==, "北京天安门");
        }
      else if (g_str_equal (item, "t2"))
        {
          seen_t2 = TRUE;
          g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "abuse");
          g_assert_cmpstr (json_object_get_string_member (o, "last_actor"), ==, "王芳");
        }
    }
  g_assert_true (seen_a && seen_t1 && seen_t2);
}

/* Splits RFC 4180 text into rows of cells */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *cell = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++; !(*p == '"' && p[1] != '"'); p++)
            {
              g_assert_true (*p != '\0');
              if (*p == '"')
                p++;
              g_string_append_c (cell, *p);
            }
          p++;
          continue;
        }
      if (*p == ',')
        {
          g_ptr_array_add (row, g_strdup (cell->str));
          g_string_truncate (cell, 0);
          p++;
          continue;
        }
      if (*p == '\r')
        {
          g_assert_cmpint (p[1], ==, '\n');
          g_ptr_array_add (row, g_strdup (cell->str));
          g_string_truncate (cell, 0);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          p += 2;
          continue;
        }
      g_assert_cmpint (*p, !=, '\n');  /* bare LF only inside quotes */
      g_string_append_c (cell, *p++);
    }
  g_assert_cmpuint (row->len, ==, 0);
  g_ptr_array_unref (row);
  g_string_free (cell, TRUE);
  return rows;
}

static const char *
cell (GPtrArray *rows,
      guint      row,
      guint      column)
{
  GPtrArray *r = g_ptr_array_index (rows, row);

  return g_ptr_array_index (r, column);
}

static void
test_csv (Fixture       *f,
          gconstpointer  data)
{
  static const char * const header[] = {
    "batch", "item", "kind", "path", "text", "state", "labels", "decision", "reason", "note",
    "answers", "regions", "spans", "last_actor", "updated",
  };
  guint64 n = 0;
  g_autofree char *text = export_string (f, "csv", NULL, &n, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  guint a = 0, t1 = 0, t2 = 0;

  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF" "batch,item,"));
  rows = parse_csv (text + 3);
  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpuint (rows->len, ==, 7);
  for (guint r = 0; r < rows->len; r++)
    g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (rows, r))->len, ==,
                      G_N_ELEMENTS (header));
  for (guint c = 0; c < G_N_ELEMENTS (header); c++)
    g_assert_cmpstr (cell (rows, 0, c), ==, header[c]);
  for (guint r = 1; r < rows->len; r++)
    {
      if (g_str_equal (cell (rows, r, 1), "a/photo.png"))
        a = r;
      else if (g_str_equal (cell (rows, r, 1), "t1"))
        t1 = r;
      else if (g_str_equal (cell (rows, r, 1), "t2"))
        t2 = r;
    }
  g_assert_true (a > 0 && t1 > 0 && t2 > 0);

  g_assert_cmpstr (cell (rows, a, 3), ==, "a/photo.png");
  g_assert_cmpstr (cell (rows, a, 5), ==, "done");
  g_assert_cmpstr (cell (rows, a, 6), ==, "cat;dog");
  g_assert_cmpstr (cell (rows, a, 7), ==, "approve");
  g_assert_cmpstr (cell (rows, a, 10), ==, "{\"caption\":\"一只猫, \\\"big\\\"\"}");
  g_assert_cmpstr (cell (rows, a, 11), ==, "2");
  g_assert_cmpstr (cell (rows, a, 12), ==, "0");
  g_assert_cmpstr (cell (rows, t1, 4), ==, t1_text);
  g_assert_cmpstr (cell (rows, t1, 12), ==, "4");
  g_assert_cmpstr (cell (rows, t1, 5), ==, "done");
  /* formula injection: the note starts with = */
  g_assert_cmpstr (cell (rows, t2, 9), ==, "'=HYPERLINK(\"http://x\"), said \"中文\"");
  g_assert_cmpstr (cell (rows, t2, 8), ==, "abuse");
  g_assert_cmpstr (cell (rows, t2, 13), ==, "王芳");
  /* the quoted cell in the file itself */
  assert_contains (text, ",\"'=HYPERLINK(\"\"http://x\"\"), said \"\"中文\"\"\",");
}

static JsonArray *
ls_results (JsonArray *tasks,
            gint64     item_id)
{
  JsonObject *task = find_by_int (tasks, "id", item_id);
  JsonArray *annotations = json_object_get_array_member (task, "annotations");

  g_assert_cmpuint (json_array_get_length (annotations), ==, 1);
  return json_object_get_array_member (json_array_get_object_element (annotations, 0),
                                       "result");
}

static void
test_label_studio (Fixture       *f,
                   gconstpointer  data)
{
  g_auto(GStrv) warnings = NULL;
  guint64 n = 0;
  g_autofree char *text = export_string (f, "label-studio", NULL, &n, &warnings);
  g_autoptr(JsonNode) root = lb_test_parse_json (text);
  JsonArray *tasks = json_node_get_array (root);
  JsonArray *results;
  JsonObject *o, *value, *task;
  const double points[] = { 0, 0, 50, 0, 50, 50 };

  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 6);

  /* photo a: 200 x 100 */
  task = find_by_int (tasks, "id", f->photo_a);
  o = json_object_get_object_member (task, "data");
  g_assert_cmpstr (json_object_get_string_member (o, "image"), ==, "a/photo.png");
  g_assert_cmpstr (json_object_get_string_member (o, "lb_item"), ==, "a/photo.png");
  g_assert_cmpstr (json_object_get_string_member (o, "lb_batch"), ==, "pics");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (task, "predictions")),
                    ==, 0);
  o = json_array_get_object_element (json_object_get_array_member (task, "annotations"), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "completed_by"), ==, "ann");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "created_at"), "Z"));

  results = ls_results (tasks, f->photo_a);
  o = find_by_member (results, "type", "rectanglelabels");
  g_assert_cmpstr (json_object_get_string_member (o, "from_name"), ==, "box");
  g_assert_cmpstr (json_object_get_string_member (o, "to_name"), ==, "image");
  g_assert_cmpint (json_object_get_int_member (o, "original_width"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (o, "original_height"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (o, "image_rotation"), ==, 0);
  value = json_object_get_object_member (o, "value");
  g_assert_cmpfloat (json_object_get_double_member (value, "x"), ==, 10);
  g_assert_cmpfloat (json_object_get_double_member (value, "y"), ==, 10);
  g_assert_cmpfloat (json_object_get_double_member (value, "width"), ==, 25);
  g_assert_cmpfloat (json_object_get_double_member (value, "height"), ==, 40);
  g_assert_cmpfloat (json_object_get_double_member (value, "rotation"), ==, 0);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (value, "rectanglelabels"), 0), ==, "cat");
  o = json_object_get_object_member (json_object_get_object_member (o, "meta"), "attributes");
  g_assert_true (json_object_get_boolean_member (o, "truncated"));
  g_assert_cmpstr (json_object_get_string_member (o, "pose"), ==, "Left");

  o = find_by_member (results, "type", "polygonlabels");
  g_assert_cmpstr (json_object_get_string_member (o, "from_name"), ==, "polygon");
  value = json_object_get_object_member (o, "value");
  {
    JsonArray *pts = json_object_get_array_member (value, "points");

    g_assert_cmpuint (json_array_get_length (pts), ==, 3);
    for (guint i = 0; i < 3; i++)
      assert_numbers (json_array_get_array_element (pts, i), points + 2 * i, 2);
  }
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (value, "polygonlabels"), 0), ==, "dog");

  o = find_by_member (results, "from_name", "label");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "choices");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_object_get_object_member (o, "value"), "choices")), ==, 2);
  o = find_by_member (results, "from_name", "decision");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (
                     json_object_get_object_member (o, "value"), "choices"), 0), ==, "approve");
  o = find_by_member (results, "from_name", "caption");
  g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "textarea");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (
                     json_object_get_object_member (o, "value"), "text"), 0), ==,
                   "一只猫, \"big\"");

  /* spans: UTF-16 offsets (the emoji counts 2) */
  task = find_by_int (tasks, "id", f->t1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (task, "data"),
                                                  "text"), ==, t1_text);
  results = ls_results (tasks, f->t1);
  g_assert_cmpuint (json_array_get_length (results), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      static const struct { const char *label, *text; gint64 start, end; } spans[] = {
        { "LOC", "北京天安门", 2, 7 }, { "ORG", "北京", 2, 4 }, { "PER", "Hello", 11, 16 },
        { "ORG", "安门 😀 He", 5, 13 },
      };
      o = json_array_get_object_element (results, i);
      g_assert_cmpstr (json_object_get_string_member (o, "type"), ==, "labels");
      g_assert_cmpstr (json_object_get_string_member (o, "from_name"), ==, "span");
      g_assert_cmpstr (json_object_get_string_member (o, "to_name"), ==, "text");
      value = json_object_get_object_member (o, "value");
      g_assert_cmpint (json_object_get_int_member (value, "start"), ==, spans[i].start);
      g_assert_cmpint (json_object_get_int_member (value, "end"), ==, spans[i].end);
      g_assert_cmpstr (json_object_get_string_member (value, "text"), ==, spans[i].text);
      g_assert_cmpstr (json_array_get_string_element (
                         json_object_get_array_member (value, "labels"), 0), ==, spans[i].label);
    }

  /* names from the batch's Label Studio config */
  task = find_by_int (tasks, "id", f->road);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (task, "data"),
                                                  "picture"), ==, "street.png");
  results = ls_results (tasks, f->road);
  o = find_by_member (results, "type", "rectanglelabels");
  g_assert_cmpstr (json_object_get_string_member (o, "from_name"), ==, "bbox");
  g_assert_cmpstr (json_object_get_string_member (o, "to_name"), ==, "img");
  value = json_object_get_object_member (o, "value");
  g_assert_cmpfloat (json_object_get_double_member (value, "x"), ==, 2.5);
  g_assert_cmpfloat (json_object_get_double_member (value, "height"), ==, 10);
  o = find_by_member (results, "type", "choices");
  g_assert_cmpstr (json_object_get_string_member (o, "from_name"), ==, "kind");
  g_assert_cmpstr (json_object_get_string_member (o, "to_name"), ==, "img");

  /* the missing image: its region left out, a warning names it */
  results = ls_results (tasks, f->gone);
  g_assert_cmpuint (json_array_get_length (results), ==, 0);
  g_assert_true (warnings_mention (warnings, "gone.png"));

  /* 32 x 32 */
  results = ls_results (tasks, f->photo_b);
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  o = json_array_get_object_element (results, 0);
  g_assert_cmpint (json_object_get_int_member (o, "original_width"), ==, 32);
  value = json_object_get_object_member (o, "value");
  g_assert_cmpfloat (json_object_get_double_member (value, "x"), ==, 25);
  g_assert_cmpfloat (json_object_get_double_member (value, "height"), ==, 25);
}

static void
test_coco (Fixture       *f,
           gconstpointer  data)
{
  g_auto(GStrv) warnings = NULL;
  LbExportFilter filter = { .batch = "pics" };
  guint64 n = 0;
  g_autofree char *text = export_string (f, "coco", &filter, &n, &warnings);
  g_autoptr(JsonNode) root = lb_test_parse_json (text);
  JsonObject *coco = json_node_get_object (root);
  JsonArray *categories = json_object_get_array_member (coco, "categories");
  JsonArray *images = json_object_get_array_member (coco, "images");
  JsonArray *annotations = json_object_get_array_member (coco, "annotations");
  JsonObject *o;
  const double box_bbox[] = { 20, 10, 50, 40 };
  const double box_seg[] = { 20, 10, 70, 10, 70, 50, 20, 50 };
  const double poly_bbox[] = { 0, 0, 100, 50 };
  const double poly_seg[] = { 0, 0, 100, 0, 100, 50 };

  g_assert_true (json_object_has_member (coco, "info"));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (json_array_get_length (categories), ==, 2);
  o = json_array_get_object_element (categories, 0);
  g_assert_cmpint (json_object_get_int_member (o, "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "cat");
  g_assert_true (json_object_has_member (o, "supercategory"));
  o = json_array_get_object_element (categories, 1);
  g_assert_cmpint (json_object_get_int_member (o, "id"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "dog");

  g_assert_cmpuint (json_array_get_length (images), ==, 3);
  o = find_by_int (images, "id", f->photo_a);
  g_assert_cmpstr (json_object_get_string_member (o, "file_name"), ==, "a/photo.png");
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (o, "height"), ==, 100);
  o = find_by_int (images, "id", f->photo_b);
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 32);
  o = find_by_int (images, "id", f->gone);
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 0);
  g_assert_true (warnings_mention (warnings, "gone.png"));

  g_assert_cmpuint (json_array_get_length (annotations), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      o = json_array_get_object_element (annotations, i);
      g_assert_cmpint (json_object_get_int_member (o, "id"), ==, i + 1);
      g_assert_cmpint (json_object_get_int_member (o, "iscrowd"), ==, 0);
      g_assert_true (json_object_has_member (o, "attributes"));
    }
  /* the box */
  o = json_array_get_object_element (annotations, 0);
  g_assert_cmpint (json_object_get_int_member (o, "image_id"), ==, f->photo_a);
  g_assert_cmpint (json_object_get_int_member (o, "category_id"), ==, 1);
  assert_numbers (json_object_get_array_member (o, "bbox"), box_bbox, 4);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "segmentation")),
                    ==, 1);
  assert_numbers (json_array_get_array_element (json_object_get_array_member (o, "segmentation"),
                                                0), box_seg, 8);
  g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, 2000);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "attributes"),
                                                 "truncated"));
  /* the polygon: shoelace area of the right triangle 100 x 50 */
  o = json_array_get_object_element (annotations, 1);
  g_assert_cmpint (json_object_get_int_member (o, "category_id"), ==, 2);
  assert_numbers (json_object_get_array_member (o, "bbox"), poly_bbox, 4);
  assert_numbers (json_array_get_array_element (json_object_get_array_member (o, "segmentation"),
                                                0), poly_seg, 6);
  g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, 2500);
  o = json_array_get_object_element (annotations, 2);
  g_assert_cmpint (json_object_get_int_member (o, "image_id"), ==, f->photo_b);
  g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, 128);
}

static char *
export_dir (Fixture              *f,
            const char           *format,
            const LbExportFilter *filter,
            guint64              *n_written,
            char               ***warnings)
{
  g_autoptr(GError) error = NULL;
  char *out = g_build_filename (f->dir, format, "out", NULL);

  g_assert_true (lb_export_to_path_full (f->store, format, filter, out, NULL, NULL, n_written,
                                         warnings, NULL, &error));
  g_assert_no_error (error);
  return out;
}

static void
test_voc (Fixture       *f,
          gconstpointer  data)
{
  g_auto(GStrv) warnings = NULL;
  LbExportFilter filter = { .batch = "pics" };
  guint64 n = 0;
  g_autofree char *out = export_dir (f, "voc", &filter, &n, &warnings);
  g_autofree char *a = read_file (out, "Annotations/photo.xml");
  g_autofree char *b = read_file (out, "Annotations/photo_2.xml");
  g_autofree char *gone = read_file (out, "Annotations/gone.xml");
  g_autofree char *list = read_file (out, "ImageSets/Main/default.txt");
  g_autoptr(GMarkupParseContext) context = NULL;
  static const GMarkupParser no_callbacks = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (list, ==, "photo\nphoto_2\ngone\n");

  /* well-formed XML */
  context = g_markup_parse_context_new (&no_callbacks, 0, NULL, NULL);
  g_assert_true (g_markup_parse_context_parse (context, a, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);

  assert_contains (a, "<annotation>\n  <folder>pics</folder>\n  <filename>photo.png</filename>\n");
  assert_contains (a, "  <size>\n    <width>200</width>\n    <height>100</height>\n"
                      "    <depth>3</depth>\n  </size>\n  <segmented>0</segmented>\n");
  assert_contains (a, "  <object>\n    <name>cat</name>\n    <pose>Left</pose>\n"
                      "    <truncated>1</truncated>\n    <difficult>0</difficult>\n"
                      "    <bndbox>\n      <xmin>20</xmin>\n      <ymin>10</ymin>\n"
                      "      <xmax>70</xmax>\n      <ymax>50</ymax>\n    </bndbox>\n"
                      "  </object>\n");
  assert_contains (a, "  <object>\n    <name>dog</name>\n    <pose>Unspecified</pose>\n"
                      "    <truncated>0</truncated>\n    <difficult>0</difficult>\n"
                      "    <bndbox>\n      <xmin>0</xmin>\n      <ymin>0</ymin>\n"
                      "      <xmax>100</xmax>\n      <ymax>50</ymax>\n    </bndbox>\n");
  assert_contains (b, "<filename>photo.png</filename>");
  assert_contains (b, "<width>32</width>");
  assert_contains (b, "<xmin>8</xmin>\n      <ymin>8</ymin>\n      <xmax>24</xmax>\n"
                      "      <ymax>16</ymax>");
  assert_contains (gone, "<width>0</width>");
  g_assert_true (warnings_mention (warnings, "gone.png"));
}

static void
test_yolo (Fixture       *f,
           gconstpointer  data)
{
  g_auto(GStrv) warnings = NULL;
  LbExportFilter filter = { .batch = "pics" };
  guint64 n = 0;
  g_autofree char *out = export_dir (f, "yolo", &filter, &n, &warnings);
  g_autofree char *a = read_file (out, "labels/photo.txt");
  g_autofree char *b = read_file (out, "labels/photo_2.txt");
  g_autofree char *classes = read_file (out, "classes.txt");
  g_autofree char *yaml = read_file (out, "data.yaml");
  g_autofree char *gone = g_build_filename (out, "labels", "gone.txt", NULL);

  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (a, ==,
                   "0 0.225000 0.300000 0.250000 0.400000\n"
                   "1 0.250000 0.250000 0.500000 0.500000\n");
  g_assert_cmpstr (b, ==, "1 0.500000 0.375000 0.500000 0.250000\n");
  g_assert_cmpstr (classes, ==, "cat\ndog\n");
  {
    g_autofree char *images = read_file (out, "images.tsv");

    g_assert_cmpstr (images, ==, "stem\tbatch\tpath\nphoto\tpics\ta/photo.png\n"
                                 "photo_2\tpics\tb/photo.png\n");
  }
  assert_contains (yaml, "\nnc: 2\nnames:\n  0: \"cat\"\n  1: \"dog\"\n");
  g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));
  g_assert_true (warnings_mention (warnings, "gone.png"));
}

static void
test_conll (Fixture       *f,
            gconstpointer  data)
{
  g_auto(GStrv) warnings = NULL;
  guint64 n = 0;
  g_autofree char *text = export_string (f, "conll", NULL, &n, &warnings);

  g_assert_cmpuint (n, ==, 2);
  g_assert_null (warnings);
  g_assert_cmpstr (text, ==,
                   "-DOCSTART- -X- -X- O\n"
                   "\n"
                   "我 -X- _ O\n"
                   "爱 -X- _ O\n"
                   "北 -X- _ B-LOC\n"
                   "京 -X- _ I-LOC\n"
                   "天 -X- _ I-LOC\n"
                   "安 -X- _ I-LOC\n"
                   "门 -X- _ I-LOC\n"
                   "😀 -X- _ O\n"
                   "Hello -X- _ B-PER\n"
                   ", -X- _ O\n"
                   "world -X- _ O\n"
                   "! -X- _ O\n"
                   "\n"
                   "-DOCSTART- -X- -X- O\n"
                   "\n"
                   "plain -X- _ O\n"
                   "words -X- _ O\n"
                   "\n");
}

/* One document per text, mapped back by FILE.ids; texts without span work
 * (not done yet, or of a batch whose schema has no span tool) are left out
 * and counted in the warnings */
static void
test_conll_documents (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  g_autofree char *more = g_build_filename (f->dir, "more", "items.jsonl", NULL);
  g_autofree char *more_schema = g_build_filename (f->dir, "more", "schema.json", NULL);
  g_autofree char *notes = g_build_filename (f->dir, "notes", "items.jsonl", NULL);
  g_autofree char *notes_schema = g_build_filename (f->dir, "notes", "schema.json", NULL);
  g_autofree char *path = g_build_filename (f->dir, "texts.conll", NULL);
  g_autofree char *ids_path = g_strconcat (path, ".ids", NULL);
  g_autofree char *text = NULL;
  g_autofree char *ids = NULL;
  LbImportOptions more_options = { .name = "more" };
  LbImportOptions notes_options = { .name = "notes" };
  const char *labels[] = { "ok", NULL };
  LbSubmission sub = { 0 };
  guint64 n = 0;

  lb_test_write_file (f->dir, "more/schema.json", TEXTS_SCHEMA_JSON, -1);
  lb_test_write_file (f->dir, "more/items.jsonl",
                      "{\"id\": \"m1\", \"text\": \"Paris calling\"}\n"
                      "{\"id\": \"m2\", \"text\": \"not looked at yet\"}\n"
                      "{\"id\": \"m3\", \"text\": \"skipped one\"}\n", -1);
  lb_test_write_file (f->dir, "notes/schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (f->dir, "notes/items.jsonl",
                      "{\"id\": \"n1\", \"text\": \"a classified comment\"}\n", -1);
  more_options.schema_path = more_schema;
  notes_options.schema_path = notes_schema;
  lb_test_import (f->store, more, &more_options, 3);
  lb_test_import (f->store, notes, &notes_options, 1);
  create_span (f, find_id (f, "more", "m1"), "LOC", 0, 5);
  g_assert_true (lb_store_skip (f->store, find_id (f, "more", "m3"), "ann", 0, &error));
  g_assert_no_error (error);
  /* done, but its schema has no span tool */
  sub.labels = labels;
  g_assert_true (lb_store_submit (f->store, find_id (f, "notes", "n1"), "ann", &sub, &error));
  g_assert_no_error (error);

  g_assert_true (lb_export_to_path_full (f->store, "conll", NULL, path, NULL, NULL, &n,
                                         &warnings, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  text = read_file (path, NULL);
  g_assert_true (g_str_has_prefix (text, "-DOCSTART- -X- -X- O\n\n我 -X- _ O\n"));
  assert_contains (text, "\n\n-DOCSTART- -X- -X- O\n\nplain -X- _ O\nwords -X- _ O\n\n"
                         "-DOCSTART- -X- -X- O\n\nParis -X- _ B-LOC\ncalling -X- _ O\n\n");
  g_assert_true (g_str_has_suffix (text, "calling -X- _ O\n\n"));
  g_assert_null (strstr (text, "looked"));
  g_assert_null (strstr (text, "skipped"));
  g_assert_null (strstr (text, "classified"));

  /* the documents in order: batch TAB item */
  ids = read_file (ids_path, NULL);
  g_assert_cmpstr (ids, ==, "texts\tt1\ntexts\tt2\nmore\tm1\n");

  /* what was left out is counted */
  g_assert_nonnull (warnings);
  g_assert_true (warnings_mention (warnings, "2 texts not annotated yet"));
  g_assert_true (warnings_mention (warnings, "1 text of batches without the span tool"));
  g_assert_cmpuint (g_strv_length (warnings), ==, 2);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* A folder export refuses a folder that already holds files, before it
 * writes anything: files of an earlier export would be read as this one's */
static void
test_folder_not_empty (Fixture       *f,
                       gconstpointer  data)
{
  static const char * const folder_formats[] = { "voc", "yolo" };
  LbExportFilter pics = { .batch = "pics" };
  LbExportFilter reviewed = { .batch = "pics", .reviewed_only = TRUE };

  for (guint i = 0; i < G_N_ELEMENTS (folder_formats); i++)
    {
      const char *format = folder_formats[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *out = export_dir (f, format, &pics, NULL, NULL);
      g_autofree char *listing = read_file (out, g_str_equal (format, "voc")
                                                   ? "ImageSets/Main/default.txt"
                                                   : "images.tsv");
      g_autofree char *sub = g_build_filename (out, g_str_equal (format, "voc")
                                                      ? "Annotations" : "labels", NULL);
      g_autofree char *other = g_build_filename (f->dir, format, "other", NULL);
      g_autofree char *kept = NULL;
      g_autofree char *empty = g_build_filename (f->dir, format, "empty", NULL);
      guint n_files = count_entries (sub);
      guint64 n = 99;

      g_assert_cmpuint (n_files, >=, 2);
      /* again into the same folder, with fewer items: refused, nothing changed */
      g_assert_false (lb_export_to_path_full (f->store, format, &reviewed, out, NULL, NULL, &n,
                                              NULL, NULL, &error));
      g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_EMPTY);
      assert_contains (error->message, out);
      assert_contains (error->message, "is not empty: give a new folder or empty it");
      g_assert_cmpuint (n, ==, 0);
      g_clear_error (&error);
      g_assert_cmpuint (count_entries (sub), ==, n_files);
      {
        g_autofree char *again = read_file (out, g_str_equal (format, "voc")
                                                   ? "ImageSets/Main/default.txt"
                                                   : "images.tsv");

        g_assert_cmpstr (again, ==, listing);
      }

      /* a folder holding anything else is refused too, and left as it was */
      lb_test_write_file (other, "notes.txt", "mine\n", -1);
      g_assert_false (lb_export_to_path_full (f->store, format, &pics, other, NULL, NULL, NULL,
                                              NULL, NULL, &error));
      g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_EMPTY);
      g_clear_error (&error);
      g_assert_cmpuint (count_entries (other), ==, 1);
      kept = read_file (other, "notes.txt");
      g_assert_cmpstr (kept, ==, "mine\n");

      /* an empty folder that exists already is fine */
      g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
      g_assert_true (lb_export_to_path_full (f->store, format, &pics, empty, NULL, NULL, &n,
                                             NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n, >=, 2);
    }
}

static JsonObject *
ls_result_by_id (JsonArray  *results,
                 const char *id)
{
  return find_by_member (results, "id", id);
}

/* Regions reaching out of the image are clipped to it the same way in
 * every format; one wholly outside is left out with a warning naming the
 * item. b/photo.png is 32 x 32. */
static void
test_regions_outside_image (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const double poly[] = { -8, 16, 16, -8, 40, 16, 16, 40 };
  LbRegionSpec big = { "cat", LB_REGION_SHAPE_BOX, { -5, -5, 1000, 1000 }, NULL, 0, NULL, 0 };
  LbRegionSpec edge = { "dog", LB_REGION_SHAPE_BOX, { 24, 16, 16, 32 }, NULL, 0, NULL, 0 };
  LbRegionSpec away = { "cat", LB_REGION_SHAPE_BOX, { 40, 40, 10, 10 }, NULL, 0, NULL, 0 };
  LbRegionSpec diamond = { "dog", LB_REGION_SHAPE_POLYGON, { 0, }, poly, 4, NULL, 0 };
  LbExportFilter pics = { .batch = "pics" };
  g_autofree char *big_id = NULL;
  g_autofree char *edge_id = NULL;
  g_autofree char *away_id = NULL;
  g_autofree char *diamond_id = NULL;

  g_assert_true (lb_store_create_region (f->store, f->photo_b, "ann", &big, &big_id, &error));
  g_assert_true (lb_store_create_region (f->store, f->photo_b, "ann", &edge, &edge_id, &error));
  g_assert_true (lb_store_create_region (f->store, f->photo_b, "ann", &away, &away_id, &error));
  g_assert_true (lb_store_create_region (f->store, f->photo_b, "ann", &diamond, &diamond_id,
                                         &error));
  g_assert_no_error (error);

  /* COCO */
  {
    g_auto(GStrv) warnings = NULL;
    g_autofree char *text = export_string (f, "coco", &pics, NULL, &warnings);
    g_autoptr(JsonNode) root = lb_test_parse_json (text);
    JsonArray *annotations = json_object_get_array_member (json_node_get_object (root),
                                                           "annotations");
    const double big_bbox[] = { 0, 0, 32, 32 };
    const double big_seg[] = { 0, 0, 32, 0, 32, 32, 0, 32 };
    const double edge_bbox[] = { 24, 16, 8, 16 };
    const double diamond_bbox[] = { 0, 0, 32, 32 };
    const double diamond_seg[] = { 0, 16, 16, 0, 32, 16, 16, 32 };
    g_autoptr(GPtrArray) of_b = g_ptr_array_new ();
    JsonObject *o;

    for (guint i = 0; i < json_array_get_length (annotations); i++)
      {
        o = json_array_get_object_element (annotations, i);
        if (json_object_get_int_member (o, "image_id") == f->photo_b)
          g_ptr_array_add (of_b, o);
      }
    /* box_b, big, edge and the diamond; not the one away from the image */
    g_assert_cmpuint (of_b->len, ==, 4);
    o = g_ptr_array_index (of_b, 1);
    assert_numbers (json_object_get_array_member (o, "bbox"), big_bbox, 4);
    assert_numbers (json_array_get_array_element (json_object_get_array_member (o, "segmentation"),
                                                  0), big_seg, 8);
    g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, 1024);
    o = g_ptr_array_index (of_b, 2);
    assert_numbers (json_object_get_array_member (o, "bbox"), edge_bbox, 4);
    g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, 128);
    o = g_ptr_array_index (of_b, 3);
    assert_numbers (json_object_get_array_member (o, "bbox"), diamond_bbox, 4);
    assert_numbers (json_array_get_array_element (json_object_get_array_member (o, "segmentation"),
                                                  0), diamond_seg, 8);
    g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, 512);
    g_assert_true (warnings_mention (warnings, "b/photo.png"));
    g_assert_true (warnings_mention (warnings, away_id));
    g_assert_true (warnings_mention (warnings, "outside the image"));
  }

  /* Label Studio: percent of the image, never below 0 or above 100 */
  {
    g_auto(GStrv) warnings = NULL;
    g_autofree char *text = export_string (f, "label-studio", &pics, NULL, &warnings);
    g_autoptr(JsonNode) root = lb_test_parse_json (text);
    JsonArray *results = ls_results (json_node_get_array (root), f->photo_b);
    JsonObject *value;
    JsonArray *points;
    const double expected_points[] = { 0, 50, 50, 0, 100, 50, 50, 100 };

    g_assert_cmpuint (json_array_get_length (results), ==, 4);
    g_assert_null (strstr (text, away_id));
    value = json_object_get_object_member (ls_result_by_id (results, big_id), "value");
    g_assert_cmpfloat (json_object_get_double_member (value, "x"), ==, 0);
    g_assert_cmpfloat (json_object_get_double_member (value, "y"), ==, 0);
    g_assert_cmpfloat (json_object_get_double_member (value, "width"), ==, 100);
    g_assert_cmpfloat (json_object_get_double_member (value, "height"), ==, 100);
    value = json_object_get_object_member (ls_result_by_id (results, edge_id), "value");
    g_assert_cmpfloat (json_object_get_double_member (value, "x"), ==, 75);
    g_assert_cmpfloat (json_object_get_double_member (value, "y"), ==, 50);
    g_assert_cmpfloat (json_object_get_double_member (value, "width"), ==, 25);
    g_assert_cmpfloat (json_object_get_double_member (value, "height"), ==, 50);
    value = json_object_get_object_member (ls_result_by_id (results, diamond_id), "value");
    points = json_object_get_array_member (value, "points");
    g_assert_cmpuint (json_array_get_length (points), ==, 4);
    for (guint i = 0; i < 4; i++)
      assert_numbers (json_array_get_array_element (points, i), expected_points + 2 * i, 2);
    g_assert_true (warnings_mention (warnings, "b/photo.png"));
    g_assert_true (warnings_mention (warnings, away_id));
  }

  /* VOC and YOLO agree: the same boxes, the one away left out */
  {
    g_auto(GStrv) warnings = NULL;
    g_autofree char *out = export_dir (f, "voc", &pics, NULL, &warnings);
    g_autofree char *xml = read_file (out, "Annotations/photo_2.xml");
    const char *p = xml;
    guint n_objects = 0;

    while ((p = strstr (p, "<object>")) != NULL)
      {
        n_objects++;
        p++;
      }
    g_assert_cmpuint (n_objects, ==, 4);
    assert_contains (xml, "<xmin>0</xmin>\n      <ymin>0</ymin>\n      <xmax>32</xmax>\n"
                          "      <ymax>32</ymax>");
    assert_contains (xml, "<xmin>24</xmin>\n      <ymin>16</ymin>\n      <xmax>32</xmax>\n"
                          "      <ymax>32</ymax>");
    g_assert_true (warnings_mention (warnings, away_id));
  }
  {
    g_auto(GStrv) warnings = NULL;
    g_autofree char *out = export_dir (f, "yolo", &pics, NULL, &warnings);
    g_autofree char *labels = read_file (out, "labels/photo_2.txt");

    g_assert_cmpstr (labels, ==,
                     "1 0.500000 0.375000 0.500000 0.250000\n"
                     "0 0.500000 0.500000 1.000000 1.000000\n"
                     "1 0.875000 0.750000 0.250000 0.500000\n"
                     "1 0.500000 0.500000 1.000000 1.000000\n");
    g_assert_true (warnings_mention (warnings, away_id));
  }
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  LbExportFilter texts = { .batch = "texts" };
  LbExportFilter since = { .since_us = f->time_before_last };
  LbExportFilter none = { .batch = "nope" };
  guint64 n = 0;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  text = export_string (f, "state-jsonl", &texts, &n, NULL);
  g_assert_cmpuint (n, ==, 2);
  g_assert_null (strstr (text, "\"pics\""));
  g_clear_pointer (&text, g_free);

  /* items with an event at or after the time: t2 only */
  text = export_string (f, "csv", &since, &n, NULL);
  g_assert_cmpuint (n, ==, 1);
  assert_contains (text, "\r\ntexts,t2,text,");
  g_clear_pointer (&text, g_free);

  /* events at or after it: the last act's decision (with its reason) and note */
  text = export_string (f, "jsonl", &since, &n, NULL);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  assert_contains (lines[0], "\"item\":\"t2\"");
  assert_contains (lines[0], "\"kind\":\"decision\"");
  assert_contains (lines[1], "\"kind\":\"note\"");
  g_clear_pointer (&text, g_free);

  /* events of one batch */
  text = export_string (f, "jsonl", &texts, &n, NULL);
  g_assert_cmpuint (n, ==, 6);  /* 4 spans, decision, note */
  g_assert_null (strstr (text, "\"batch\":\"pics\""));
  g_clear_pointer (&text, g_free);

  /* no such batch */
  g_assert_false (lb_export_to_stream (f->store, "csv", &none, out, NULL, NULL, NULL, NULL,
                                       NULL, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_FOUND);
  assert_contains (error->message, "“nope”");
  g_clear_error (&error);
  /* folders do not go to a stream */
  g_assert_false (lb_export_to_stream (f->store, "voc", NULL, out, NULL, NULL, NULL, NULL,
                                       NULL, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_false (lb_export_to_stream (f->store, "xml", NULL, out, NULL, NULL, NULL, NULL,
                                       NULL, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT);
  assert_contains (error->message, "conll");
}

typedef struct {
  guint   calls;
  guint64 last_done;
  guint64 last_total;
} Progress;

static void
progress_cb (guint64  n_done,
             guint64  n_total,
             gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (n_done, >=, p->last_done);
  g_assert_cmpuint (n_done, <=, n_total);
  p->calls++;
  p->last_done = n_done;
  p->last_total = n_total;
}

static void
test_to_path (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out_dir = g_build_filename (f->dir, "exports", NULL);
  g_autofree char *path = g_build_filename (out_dir, "state.jsonl", NULL);
  g_autofree char *bundle = g_build_filename (out_dir, "seat.lbbundle", NULL);
  g_autofree char *contents = NULL;
  Progress progress = { 0 };
  guint64 n = 0;

  g_assert_cmpint (g_mkdir (out_dir, 0755), ==, 0);
  lb_test_write_file (path, NULL, "old contents\n", -1);

  g_assert_true (lb_export_to_path (f->store, "state-jsonl", NULL, path, progress_cb,
                                    &progress, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 6);
  g_assert_cmpuint (progress.calls, >=, 2);
  g_assert_cmpuint (progress.last_done, ==, 6);
  g_assert_cmpuint (progress.last_total, ==, 6);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (contents, "{\"batch\":"));
  g_assert_null (strstr (contents, "old contents"));
  /* no temporary file left beside it */
  g_assert_cmpuint (count_entries (out_dir), ==, 1);

  /* a failed export leaves the old file as it was */
  {
    LbExportFilter none = { .batch = "nope" };

    g_assert_false (lb_export_to_path (f->store, "csv", &none, path, NULL, NULL, NULL, NULL,
                                       &error));
    g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpuint (count_entries (out_dir), ==, 1);
  }

  /* a folder format onto a file */
  g_assert_false (lb_export_to_path (f->store, "yolo", NULL, path, NULL, NULL, NULL, NULL,
                                     &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE);
  g_clear_error (&error);

  /* a bundle */
  g_assert_true (lb_export_to_path (f->store, "bundle", NULL, bundle, NULL, NULL, &n, NULL,
                                    &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, lb_store_get_last_seq (f->store));
  g_assert_true (lb_bundle_is_bundle (bundle));

  /* a bundle carries whole chains: no time limit */
  {
    LbExportFilter since = { .since_us = f->time_before_last };

    g_assert_false (lb_export_to_path (f->store, "bundle", &since, bundle, NULL, NULL, NULL,
                                       NULL, &error));
    g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT);
    g_clear_error (&error);
    g_assert_true (lb_bundle_is_bundle (bundle));
  }
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *path = g_build_filename (f->dir, "cancelled.csv", NULL);

  g_cancellable_cancel (cancellable);
  g_assert_false (lb_export_to_path (f->store, "csv", NULL, path, NULL, NULL, NULL,
                                     cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* A 64 x 48 grey JPEG whose EXIF orientation 6 turns it upright to 48 x 64 */
static GBytes *
make_turned_jpeg (void)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  guint8 row[64] = { 0 };
  /* Exif\0\0, little-endian TIFF header, IFD0: 0x0112 SHORT 1 = 6, no next IFD */
  static const guint8 exif[] = {
    'E', 'x', 'i', 'f', 0, 0, 'I', 'I', '*', 0, 8, 0, 0, 0,
    1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
  };
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = 64;
  cinfo.image_height = 48;
  cinfo.input_components = 1;
  cinfo.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  jpeg_write_marker (&cinfo, JPEG_APP0 + 1, exif, sizeof exif);
  while (cinfo.next_scanline < 48)
    {
      JSAMPROW rows[1] = { row };

      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buffer, size);
  free (buffer);
  return bytes;
}

/* Sizes are those of the upright picture, the regions' coordinate space */
static void
test_exif_orientation (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = make_turned_jpeg ();
  g_autofree char *folder = g_build_filename (f->dir, "turned", NULL);
  g_autofree char *out = NULL;
  g_autofree char *text = NULL;
  g_autofree char *yolo = NULL;
  g_autoptr(JsonNode) root = NULL;
  LbImportOptions options = { .name = "turned" };
  LbExportFilter filter = { .batch = "turned" };
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 12, 16, 24, 32 }, NULL, 0, NULL, 0 };
  JsonObject *image;

  lb_test_write_file (folder, "photo.jpg", g_bytes_get_data (jpeg, NULL),
                      g_bytes_get_size (jpeg));
  lb_test_write_file (folder, "schema.json", PICS_SCHEMA_JSON, -1);
  lb_test_import (f->store, folder, &options, 1);
  create_region (f, find_id (f, "turned", "photo.jpg"), &box);

  text = export_string (f, "coco", &filter, NULL, NULL);
  root = lb_test_parse_json (text);
  image = json_array_get_object_element (json_object_get_array_member (
                                           json_node_get_object (root), "images"), 0);
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 48);
  g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 64);

  out = export_dir (f, "yolo", &filter, NULL, NULL);
  yolo = read_file (out, "labels/photo.txt");
  g_assert_cmpstr (yolo, ==, "0 0.500000 0.500000 0.500000 0.500000\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/export/formats/list", test_format_list);
  g_test_add_func ("/engine/export/formats/parse-time", test_parse_time);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/export/state-jsonl", test_state_jsonl);
  ADD ("/engine/export/csv", test_csv);
  ADD ("/engine/export/label-studio", test_label_studio);
  ADD ("/engine/export/coco", test_coco);
  ADD ("/engine/export/voc", test_voc);
  ADD ("/engine/export/yolo", test_yolo);
  ADD ("/engine/export/conll", test_conll);
  ADD ("/engine/export/conll-documents", test_conll_documents);
  ADD ("/engine/export/folder-not-empty", test_folder_not_empty);
  ADD ("/engine/export/regions-outside-image", test_regions_outside_image);
  ADD ("/engine/export/filters", test_filters);
  ADD ("/engine/export/to-path", test_to_path);
  ADD ("/engine/export/cancel", test_cancel);
  ADD ("/engine/export/exif-orientation", test_exif_orientation);
#undef ADD

  return g_test_run ();
}
