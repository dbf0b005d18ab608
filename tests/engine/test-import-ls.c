/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-import-ls"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-export.h"
#include "lb-import.h"
#include "lb-import-private.h"
#include "lb-predictions.h"
#include "lb-store.h"
#include "lb-test-support.h"

/* Import of Label Studio task files. The fixtures in
 * tests/fixtures/label-studio follow Label Studio's documented export format,
 * https://labelstud.io/guide/export#Label-Studio-JSON-format-of-annotated-tasks
 * (tasks with "data", "annotations" [{"completed_by", "result": [{"from_name",
 * "to_name", "type", "value", "original_width", "original_height"}]}] and
 * "predictions" [{"model_version", "score", "result"}], as in
 * https://labelstud.io/guide/predictions), with the result types of
 * https://labelstud.io/tags/ (choices, rectanglelabels and polygonlabels in
 * percent of the image, labels with start/end in JavaScript string offsets,
 * textarea). */

typedef struct {
  char    *dir;
  LbStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;

  f->dir = lb_test_make_tmpdir ("lb-import-ls");
  db = g_build_filename (f->dir, "store.db", NULL);
  f->store = lb_test_open_store (db);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* Copies fixture NAME into the batch folder; returns its new path */
static char *
copy_fixture (Fixture    *f,
              const char *name)
{
  g_autofree char *from = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-studio", name,
                                            NULL);
  char *to = g_build_filename (f->dir, "batch", name, NULL);

  lb_test_write_file (f->dir, "batch/.keep", "", 0);
  lb_test_copy_file (from, to);
  return to;
}

static char *
fixture_path (const char *name)
{
  return g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-studio", name, NULL);
}

/* A 64 × 48 PNG (header and one empty IDAT: enough to probe its size) */
static void
write_png (Fixture    *f,
           const char *relative)
{
  g_autoptr(GBytes) png = lb_test_png_header (64, 48);
  g_autofree char *path = g_build_filename ("batch", relative, NULL);
  gsize size;
  const char *data = g_bytes_get_data (png, &size);

  lb_test_write_file (f->dir, path, data, size);
}

static void
assert_rejection (LbImportReport *report,
                  const char     *file,
                  const char     *rest)
{
  g_autofree char *line = g_strdup_printf ("%s: %s", file, rest);

  for (guint i = 0; i < report->rejections->len; i++)
    if (g_str_equal (g_ptr_array_index (report->rejections, i), line))
      return;
  for (guint i = 0; i < report->rejections->len; i++)
    g_printerr ("  have: %s\n", (char *) g_ptr_array_index (report->rejections, i));
  g_error ("rejection not found: %s", line);
}

static LbImportReport *
import_with (Fixture    *f,
             const char *path,
             const char *schema_path,
             GError    **error)
{
  LbImportOptions options = { NULL, schema_path };

  return lb_import (f->store, path, &options, NULL, NULL, NULL, error);
}

static JsonNode *
item_regions (LbItem *item)
{
  return lb_test_parse_json (lb_item_get_regions_json (item));
}

static void
assert_close (double a,
              double b)
{
  if (fabs (a - b) > 1e-6)
    g_error ("%.9g differs from %.9g", a, b);
}

typedef struct {
  gint64 first_us;
  gint64 first_dwell_ms;
  gint64 last_us;
} LbTimes;

static gboolean
collect_time_cb (const LbEvent *event,
                 gpointer       user_data,
                 GError       **error)
{
  LbTimes *times = user_data;

  if (times->first_us == 0)
    {
      times->first_us = event->time_us;
      times->first_dwell_ms = event->dwell_ms;
    }
  times->last_us = event->time_us;
  return TRUE;
}

/* Image tasks: choices, boxes, polygons, textarea, predictions; unsupported
 * results listed; paths outside the folder, uploads and URLs rejected while
 * the rest imports */
static void
test_image_tasks (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = copy_fixture (f, "image-tasks.json");
  g_autofree char *config = fixture_path ("image-config.xml");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) a = NULL;
  g_autoptr(LbItem) b = NULL;
  g_autoptr(LbItem) c = NULL;
  g_autoptr(JsonNode) regions = NULL;
  g_autofree char *description = NULL;
  const LbRegion *box, *polygon;

  write_png (f, "images/a.png");
  write_png (f, "images/b.png");
  write_png (f, "images/c.png");
  lb_test_write_file (f->dir, "outside.png", "\x89PNG\r\n\x1a\n", 8);

  report = import_with (f, path, config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->n_added, ==, 3);
  g_assert_cmpuint (report->n_annotations, ==, 2);

  assert_rejection (report, path, "task 1: prediction 2: left out (an item keeps one prediction: "
                                  "the best-scored, 1)");
  assert_rejection (report, path, "task 2: data.image “../outside.png”: path outside the batch "
                                  "folder (“..”)");
  assert_rejection (report, path, "task 3: data.image “/data/upload/1/5f2a-cat.png”: a file "
                                  "uploaded to Label Studio, not available here (copy the images "
                                  "beside the task file and give their relative paths)");
  assert_rejection (report, path, "task 4: data.image “https://example.com/cat.png”: a URL; only "
                                  "image files in the task file’s folder are imported (download "
                                  "them beside it and give their relative paths)");
  assert_rejection (report, path, "task 1: result 5: type “rating” not supported (Labelbench "
                                  "reads choices, rectanglelabels, polygonlabels, labels and "
                                  "textarea)");
  assert_rejection (report, path, "task 1: result 6: unknown from_name “mystery” (not in the "
                                  "batch’s labeling config)");
  assert_rejection (report, path, "task 1: result 7: type “relation” not supported (Labelbench "
                                  "reads choices, rectanglelabels, polygonlabels, labels and "
                                  "textarea)");
  assert_rejection (report, path, "task 6: result 2: original_width × original_height (640 × "
                                  "480) is not the image’s size (64 × 48)");
  g_assert_cmpuint (report->rejections->len, ==, 8);

  /* task 101: its annotation as events of label-studio:7, in pixels */
  a = lb_test_find_item (f->store, NULL, "101");
  g_assert_cmpstr (lb_item_get_relative_path (a), ==, "images/a.png");
  g_assert_cmpint (lb_item_get_state (a), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstrv (lb_item_get_labels (a), ((const char *[]) { "indoor", NULL }));
  g_assert_cmpstr (lb_item_get_last_actor (a), ==, "label-studio:7");
  g_assert_cmpstr (lb_item_get_answer (a, "caption"), ==, "a cat on a sofa");
  g_assert_cmpuint (lb_item_get_n_regions (a), ==, 2);
  box = lb_item_get_region (a, 0);
  g_assert_cmpint (box->shape, ==, LB_REGION_SHAPE_BOX);
  g_assert_cmpstr (box->label, ==, "Cat");
  assert_close (box->box[0], 16);
  assert_close (box->box[1], 24);
  assert_close (box->box[2], 32);
  assert_close (box->box[3], 12);
  polygon = lb_item_get_region (a, 1);
  g_assert_cmpint (polygon->shape, ==, LB_REGION_SHAPE_POLYGON);
  g_assert_cmpstr (polygon->label, ==, "Dog");
  g_assert_cmpuint (polygon->n_points, ==, 3);
  assert_close (polygon->points[2], 32);
  assert_close (polygon->points[5], 24);
  regions = item_regions (a);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (regions)), ==, 2);

  /* the task's meta is kept, the best prediction with it */
  g_assert_nonnull (strstr (lb_item_get_meta_json (a), "\"source\":\"camera-3\""));
  description = lb_predictions_describe (a);
  g_assert_cmpstr (description, ==, "yolo-v8: 1 box");
  g_clear_pointer (&description, g_free);

  /* task 106: what fits is taken, the box measured on another image is not */
  c = lb_test_find_item (f->store, NULL, "106");
  g_assert_cmpstrv (lb_item_get_labels (c), ((const char *[]) { "outdoor", NULL }));
  g_assert_cmpuint (lb_item_get_n_regions (c), ==, 0);
  g_assert_cmpstr (lb_item_get_last_actor (c), ==, "label-studio:ann@example.com");

  /* task 105: predictions only: no events, still to do */
  b = lb_test_find_item (f->store, NULL, "105");
  g_assert_cmpint (lb_item_get_state (b), ==, LB_ITEM_STATE_TODO);
  g_assert_true (lb_predictions_has (b));
  description = lb_predictions_describe (b);
  g_assert_cmpstr (description, ==, "segmenter-2: 1 polygon, 1 answer, label outdoor");
  g_assert_null (lb_predictions_describe (c));
  g_assert_false (lb_predictions_has (c));

  /* 4 events for 101 (labels, box, polygon, answer), 1 for 106 */
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 5);

  /* the events carry the annotation's created_at and lead_time, not the
   * import's time: 101's were made 2024-03-01 10:00 UTC in 12.5 s */
  {
    LbTimes times = { 0, };

    g_assert_true (lb_store_foreach_event (f->store, 0, collect_time_cb, &times, &error));
    g_assert_no_error (error);
    g_assert_cmpint (times.first_us, ==, G_GINT64_CONSTANT (1709287200) * G_USEC_PER_SEC);
    g_assert_cmpint (times.first_dwell_ms, ==, 12500);
    g_assert_cmpint (times.last_us, >, times.first_us);   /* 106's: no created_at, now */
  }
}

/* Importing the same file again adds nothing: no items, no events */
static void
test_reimport (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = copy_fixture (f, "image-tasks.json");
  g_autofree char *config = fixture_path ("image-config.xml");
  g_autoptr(LbImportReport) first = NULL;
  g_autoptr(LbImportReport) second = NULL;
  g_autoptr(GError) error = NULL;

  write_png (f, "images/a.png");
  write_png (f, "images/b.png");
  write_png (f, "images/c.png");

  first = import_with (f, path, config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->n_added, ==, 3);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 5);

  second = import_with (f, path, config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->n_added, ==, 0);
  g_assert_cmpuint (second->n_existing, ==, 3);
  g_assert_cmpuint (second->n_annotations, ==, 0);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 5);
  g_assert_cmpuint (lb_store_count_items (f->store, 0, LB_ITEM_FILTER_ALL), ==, 3);
}

/* Accepting the predictions makes them the actor's events; twice adds nothing */
static void
test_accept (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = copy_fixture (f, "image-tasks.json");
  g_autofree char *config = fixture_path ("image-config.xml");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) before = NULL;
  g_autoptr(LbItem) after = NULL;
  g_autoptr(LbItem) other = NULL;
  const LbRegion *polygon;
  gint64 seq;

  write_png (f, "images/a.png");
  write_png (f, "images/b.png");
  write_png (f, "images/c.png");
  report = import_with (f, path, config, &error);
  g_assert_no_error (error);

  before = lb_test_find_item (f->store, NULL, "105");
  seq = lb_store_get_last_seq (f->store);
  g_assert_true (lb_predictions_accept (f->store, lb_item_get_id (before), "ann", &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, seq + 3);

  after = lb_test_find_item (f->store, NULL, "105");
  g_assert_cmpint (lb_item_get_state (after), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_last_actor (after), ==, "ann");
  g_assert_cmpstrv (lb_item_get_labels (after), ((const char *[]) { "outdoor", NULL }));
  g_assert_cmpstr (lb_item_get_answer (after, "caption"), ==, "a dog in a garden");
  g_assert_cmpuint (lb_item_get_n_regions (after), ==, 1);
  polygon = lb_item_get_region (after, 0);
  g_assert_cmpstr (polygon->label, ==, "Dog");
  g_assert_cmpuint (polygon->n_points, ==, 4);
  assert_close (polygon->points[0], 16);
  assert_close (polygon->points[1], 12);
  assert_close (polygon->points[4], 48);
  assert_close (polygon->points[5], 36);

  /* again: everything is there already */
  g_assert_true (lb_predictions_accept (f->store, lb_item_get_id (before), "ann", &error));
  g_assert_no_error (error);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, seq + 3);

  /* an item without predictions */
  other = lb_test_find_item (f->store, NULL, "106");
  g_assert_false (lb_predictions_accept (f->store, lb_item_get_id (other), "ann", &error));
  g_assert_error (error, LB_PREDICTIONS_ERROR, LB_PREDICTIONS_ERROR_NONE);
  g_assert_nonnull (strstr (error->message, "106"));
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Accept;

static void
accepted_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Accept *accept = user_data;

  accept->ok = lb_predictions_accept_finish (LB_STORE (source), result, &accept->error);
  accept->done = TRUE;
}

static gboolean
accept_done (gpointer data)
{
  return ((Accept *) data)->done;
}

/* Text spans on Chinese text with emoji: UTF-16 offsets become code points;
 * offsets inside a surrogate pair and a text that does not match are listed */
static void
test_text_tasks (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = copy_fixture (f, "text-tasks.json");
  g_autofree char *config = fixture_path ("text-config.xml");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) predicted = NULL;
  g_autofree char *description = NULL;
  Accept accept = { 0, };
  const LbSpan *span;

  report = import_with (f, path, config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 2);
  assert_rejection (report, path, "task 1: result 4: offsets 11–16 (UTF-16 code units) do not "
                                  "fit the text");
  assert_rejection (report, path, "task 1: result 5: value.text “张三” is not the text at 2–5 "
                                  "(“ 张三”)");
  assert_rejection (report, path, "task 3: data.text: text is empty (only white space)");
  g_assert_cmpuint (report->rejections->len, ==, 3);

  item = lb_test_find_item (f->store, NULL, "201");
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "alice");
  g_assert_cmpuint (lb_item_get_n_spans (item), ==, 3);
  span = lb_item_get_span (item, 0);
  g_assert_cmpstr (span->label, ==, "PER");
  g_assert_cmpint (span->start, ==, 2);
  g_assert_cmpint (span->end, ==, 4);
  g_assert_cmpstr (span->text, ==, "张三");
  span = lb_item_get_span (item, 1);
  g_assert_cmpstr (span->label, ==, "LOC");
  g_assert_cmpint (span->start, ==, 6);
  g_assert_cmpstr (span->text, ==, "北京");
  span = lb_item_get_span (item, 2);
  g_assert_cmpint (span->start, ==, 11);
  g_assert_cmpint (span->end, ==, 16);
  g_assert_cmpstr (span->text, ==, "Alice");
  g_assert_cmpstr (lb_item_get_answer (item, "summary"), ==, "张三 lives in Beijing");

  predicted = lb_test_find_item (f->store, NULL, "202");
  description = lb_predictions_describe (predicted);
  g_assert_cmpstr (description, ==, "ner-small: 1 span");
  /* the asynchronous form, as the GUI uses it */
  lb_predictions_accept_async (f->store, lb_item_get_id (predicted), "bob", NULL, accepted_cb,
                               &accept);
  lb_test_wait_until (accept_done, &accept, 30);
  g_assert_true (accept.ok);
  g_assert_no_error (accept.error);
  g_clear_object (&predicted);
  predicted = lb_test_find_item (f->store, NULL, "202");
  g_assert_cmpuint (lb_item_get_n_spans (predicted), ==, 1);
  span = lb_item_get_span (predicted, 0);
  g_assert_cmpint (span->start, ==, 3);
  g_assert_cmpint (span->end, ==, 8);
  g_assert_cmpstr (span->text, ==, "Paris");
}

/* Predictions the schema cannot take are said at import, the rest kept */
static void
test_prediction_check (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "p.json", NULL);
  g_autofree char *config = fixture_path ("text-config.xml");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autofree char *description = NULL;

  lb_test_write_file (f->dir, "p.json",
                      "[{\"id\": 1, \"data\": {\"text\": \"Acme in Oslo\"},"
                      "  \"predictions\": [{\"model_version\": \"m\", \"result\": ["
                      "   {\"from_name\": \"ner\", \"to_name\": \"text\", \"type\": \"labels\","
                      "    \"value\": {\"start\": 0, \"end\": 4, \"labels\": [\"ORG\"]}},"
                      "   {\"from_name\": \"ner\", \"to_name\": \"text\", \"type\": \"labels\","
                      "    \"value\": {\"start\": 8, \"end\": 12, \"labels\": [\"LOC\"]}},"
                      "   {\"from_name\": \"decision\", \"to_name\": \"text\","
                      "    \"type\": \"choices\", \"value\": {\"choices\": [\"maybe\"]}}]}]}]",
                      -1);
  report = import_with (f, path, config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 1);
  assert_rejection (report, path, "task 1: prediction 1: result 1: label “ORG” is not in the "
                                  "batch’s schema");
  assert_rejection (report, path, "task 1: prediction 1: result 3: decision “maybe” is not in "
                                  "the batch’s schema");
  g_assert_cmpuint (report->rejections->len, ==, 2);

  item = lb_test_find_item (f->store, NULL, "1");
  description = lb_predictions_describe (item);
  g_assert_cmpstr (description, ==, "m: 1 span");
}

/* A file that is not JSON: one error with the line, nothing imported */
static void
test_broken_json (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *path = copy_fixture (f, "broken.json");
  g_autofree char *expected = g_strdup_printf ("%s:3:", path);
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;

  report = import_with (f, path, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_assert_nonnull (strstr (error->message, "invalid JSON"));

  batches = lb_store_list_batches (f->store, NULL);
  g_assert_cmpuint (batches->len, ==, 0);
}

/* Broken structure refuses the file with line and column; a task json-glib
 * cannot read is rejected alone */
static void
test_streamed_errors (Fixture       *f,
                      gconstpointer  data)
{
  static const struct {
    const char *contents;
    const char *message;   /* after "PATH:" */
  } broken[] = {
    { "[{\"id\": 1, \"data\": {\"text\": \"a\"}}\n{\"id\": 2, \"data\": {\"text\": \"b\"}}]",
      "2:1: invalid JSON: “,” or “]” expected after a task" },
    { "[{\"id\": 1, \"data\": {\"text\": \"a\"}},\n {\"id\": 2, \"data\": {\"text\": \"b\"}}",
      "2:34: invalid JSON: the list of tasks is not closed (“]”)" },
    { "[{\"id\": 1, \"data\": {\"text\": \"a\"}}] x",
      "1:36: invalid JSON: something after the end of the list of tasks" },
    { "[{\"id\": 1, \"data\": {\"text\": \"a}}]", "1:" },
  };
  g_autofree char *path = g_build_filename (f->dir, "s.json", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autofree char *prefix = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s:%s", path, broken[i].message);

      lb_test_write_file (f->dir, "s.json", broken[i].contents, -1);
      report = import_with (f, path, NULL, &error);
      g_assert_null (report);
      g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, expected))
        g_error ("“%s” does not start with “%s”", error->message, expected);
      g_clear_error (&error);
    }
  batches = lb_store_list_batches (f->store, NULL);
  g_assert_cmpuint (batches->len, ==, 0);

  lb_test_write_file (f->dir, "s.json",
                      "[{\"id\": 1, \"data\": {\"text\": \"a\"}},\n"
                      " {\"id\": 2, \"data\": {\"text\": tru}},\n"
                      " {\"id\": 3, \"data\": {\"text\": \"c\"}}]", -1);
  report = import_with (f, path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 2);
  g_assert_cmpuint (report->rejections->len, ==, 1);
  prefix = g_strdup_printf ("%s: task 2: line 2, column ", path);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (report->rejections, 0), prefix));
}

/* Annotations on both sides of a chunk boundary all become events */
static void
test_chunks (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "many.json", NULL);
  g_autoptr(GString) json = g_string_new ("[");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const guint annotated[] = { 1, LB_IMPORT_CHUNK_SIZE - 1, LB_IMPORT_CHUNK_SIZE,
                              LB_IMPORT_CHUNK_SIZE + 1, LB_IMPORT_CHUNK_SIZE + 50 };
  guint n = LB_IMPORT_CHUNK_SIZE + 50;

  for (guint i = 1; i <= n; i++)
    {
      gboolean with = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (annotated); k++)
        with = with || annotated[k] == i;
      g_string_append_printf (json, "%s\n{\"id\": %u, \"data\": {\"text\": \"text %u\"}",
                              i > 1 ? "," : "", i, i);
      if (with)
        g_string_append (json, ", \"annotations\": [{\"completed_by\": 5, \"result\": ["
                               "{\"from_name\": \"label\", \"to_name\": \"text\","
                               " \"type\": \"choices\", \"value\": {\"choices\": [\"unsure\"]}}]}]");
      g_string_append (json, "}");
    }
  g_string_append (json, "\n]\n");
  lb_test_write_file (f->dir, "many.json", json->str, json->len);

  report = import_with (f, path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, n);
  g_assert_cmpuint (report->rejections->len, ==, 0);
  g_assert_cmpuint (report->n_annotations, ==, G_N_ELEMENTS (annotated));
  for (guint k = 0; k < G_N_ELEMENTS (annotated); k++)
    {
      g_autofree char *id = g_strdup_printf ("%u", annotated[k]);
      g_autoptr(LbItem) item = lb_test_find_item (f->store, NULL, id);

      g_assert_cmpstrv (lb_item_get_labels (item), ((const char *[]) { "unsure", NULL }));
      g_assert_cmpstr (lb_item_get_last_actor (item), ==, "label-studio:5");
    }
  g_assert_cmpuint (lb_store_count_items (f->store, 0, LB_ITEM_FILTER_DONE), ==,
                    G_N_ELEMENTS (annotated));
}

/* Without a labeling config: "image"/"text", else the first string member
 * (said once); data.lb_item is the id; one task object on its own */
static void
test_no_config (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *guess = g_build_filename (f->dir, "guess.json", NULL);
  g_autofree char *single = g_build_filename (f->dir, "single.json", NULL);
  g_autofree char *notask = g_build_filename (f->dir, "notask.json", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbImportReport) one = NULL;
  g_autoptr(LbImportReport) none = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbItem) ours = NULL;

  lb_test_write_file (f->dir, "guess.json",
                      "[{\"id\": 1, \"data\": {\"n\": 3, \"content\": \"hello world\"}},\n"
                      " {\"id\": 2, \"data\": {\"content\": \"second\"}},\n"
                      " {\"data\": {\"content\": \"no id\"}},\n"
                      " {\"id\": 4, \"data\": {\"n\": 1}},\n"
                      " 7]\n", -1);
  report = import_with (f, guess, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 2);
  assert_rejection (report, guess, "task 1: data has neither “image” nor “text”: “content” is "
                                   "taken as the text (give a labeling config to say which)");
  assert_rejection (report, guess, "task 3: no id (neither data.lb_item nor the task’s “id”)");
  assert_rejection (report, guess, "task 4: data has neither “image” nor “text” nor any other "
                                   "text or path");
  assert_rejection (report, guess, "task 5: not a JSON object");
  g_assert_cmpuint (report->rejections->len, ==, 4);
  item = lb_test_find_item (f->store, NULL, "1");
  g_assert_cmpstr (lb_item_get_text (item), ==, "hello world");

  lb_test_write_file (f->dir, "single.json",
                      "{\"id\": 9, \"data\": {\"text\": \"just one\", \"lb_item\": \"ours-1\", "
                      "\"lb_batch\": \"elsewhere\"}}", -1);
  one = import_with (f, single, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (one->n_added, ==, 1);
  ours = lb_test_find_item (f->store, NULL, "ours-1");
  g_assert_cmpstr (lb_item_get_text (ours), ==, "just one");

  lb_test_write_file (f->dir, "notask.json", "{\"tasks\": []}", -1);
  none = import_with (f, notask, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a Label Studio task file"));
}

/* UTF-16 offsets */
static void
test_utf16 (void)
{
  const char *text = "a😀b张";
  gint64 cp = -1;

  g_assert_true (_lb_ls_utf16_to_code_points (text, 0, &cp));
  g_assert_cmpint (cp, ==, 0);
  g_assert_true (_lb_ls_utf16_to_code_points (text, 1, &cp));
  g_assert_cmpint (cp, ==, 1);
  g_assert_false (_lb_ls_utf16_to_code_points (text, 2, &cp));
  g_assert_true (_lb_ls_utf16_to_code_points (text, 3, &cp));
  g_assert_cmpint (cp, ==, 2);
  g_assert_true (_lb_ls_utf16_to_code_points (text, 5, &cp));
  g_assert_cmpint (cp, ==, 4);
  g_assert_false (_lb_ls_utf16_to_code_points (text, 6, &cp));
}

/* Round trip: our Label Studio export imported into a fresh store gives the
 * same labels, decisions, notes, regions, spans and answers */

#define ROUND_TRIP_SCHEMA \
  "{\"name\": \"rt\", \"multi_label\": true," \
  " \"tools\": [\"class\", \"box\", \"polygon\", \"span\", \"note\"]," \
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\", \"hotkey\": \"1\"," \
  "               \"attributes\": [{\"id\": \"occluded\", \"title\": \"Occluded\"," \
  "                                 \"type\": \"bool\"}]}," \
  "              {\"id\": \"dog\", \"title\": \"Dog\", \"hotkey\": \"2\"}]," \
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"}," \
  "                 {\"id\": \"reject\", \"title\": \"Reject\", \"hotkey\": \"r\"," \
  "                  \"needs_reason\": true}]," \
  " \"reasons\": [{\"id\": \"abuse\", \"title\": \"Abuse\"," \
  "               \"children\": [{\"id\": \"abuse/insult\", \"title\": \"Insult\"}]}]," \
  " \"fields\": [{\"id\": \"caption\", \"title\": \"Caption\"}]}"

static void
assert_same_item (LbItem *a,
                  LbItem *b)
{
  g_autoptr(JsonNode) answers_a = lb_test_parse_json (lb_item_get_answers_json (a));
  g_autoptr(JsonNode) answers_b = lb_test_parse_json (lb_item_get_answers_json (b));

  g_assert_cmpstrv (lb_item_get_labels (a), lb_item_get_labels (b));
  g_assert_cmpstr (lb_item_get_decision (a), ==, lb_item_get_decision (b));
  g_assert_cmpstr (lb_item_get_reason (a), ==, lb_item_get_reason (b));
  g_assert_cmpstr (lb_item_get_note (a), ==, lb_item_get_note (b));
  g_assert_cmpstr (lb_item_get_last_actor (a), ==, lb_item_get_last_actor (b));
  g_assert_true (json_node_equal (answers_a, answers_b));

  g_assert_cmpuint (lb_item_get_n_regions (a), ==, lb_item_get_n_regions (b));
  for (guint i = 0; i < lb_item_get_n_regions (a); i++)
    {
      const LbRegion *ra = lb_item_get_region (a, i);
      const LbRegion *rb = lb_item_get_region (b, i);
      g_autoptr(JsonNode) attributes_a = lb_test_parse_json (ra->attributes);
      g_autoptr(JsonNode) attributes_b = lb_test_parse_json (rb->attributes);

      g_assert_cmpstr (ra->label, ==, rb->label);
      g_assert_cmpint (ra->shape, ==, rb->shape);
      if (ra->shape == LB_REGION_SHAPE_BOX)
        for (guint k = 0; k < 4; k++)
          assert_close (ra->box[k], rb->box[k]);
      else
        {
          g_assert_cmpuint (ra->n_points, ==, rb->n_points);
          for (guint k = 0; k < 2 * ra->n_points; k++)
            assert_close (ra->points[k], rb->points[k]);
        }
      g_assert_true (json_node_equal (attributes_a, attributes_b));
    }

  g_assert_cmpuint (lb_item_get_n_spans (a), ==, lb_item_get_n_spans (b));
  for (guint i = 0; i < lb_item_get_n_spans (a); i++)
    {
      const LbSpan *sa = lb_item_get_span (a, i);
      const LbSpan *sb = lb_item_get_span (b, i);

      g_assert_cmpstr (sa->label, ==, sb->label);
      g_assert_cmpint (sa->start, ==, sb->start);
      g_assert_cmpint (sa->end, ==, sb->end);
      g_assert_cmpstr (sa->text, ==, sb->text);
    }
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *manifest = g_build_filename (f->dir, "batch", "items.jsonl", NULL);
  g_autofree char *schema = g_build_filename (f->dir, "batch", "schema.json", NULL);
  g_autofree char *exported = g_build_filename (f->dir, "batch", "export.json", NULL);
  g_autofree char *db2 = g_build_filename (f->dir, "second.db", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) image = NULL;
  g_autoptr(LbItem) text = NULL;
  LbImportOptions options = { "round-trip", schema };
  const char *labels_image[] = { "cat", "dog", NULL };
  const char *labels_text[] = { "dog", NULL };
  const double triangle[] = { 1.25, 2.5, 60.125, 3.75, 30.3333333, 47.1 };
  const char *ids[] = { "img-1", "img-2", "txt-1", "txt-2" };
  LbSubmission submission = { 0, };
  LbRegionSpec box = { 0, };
  LbRegionSpec polygon = { 0, };
  LbStore *second;
  guint64 n_written = 0;
  gint64 id;

  write_png (f, "images/a.png");
  write_png (f, "images/b.png");
  lb_test_write_file (f->dir, "batch/schema.json", ROUND_TRIP_SCHEMA, -1);
  lb_test_write_file (f->dir, "batch/items.jsonl",
                      "{\"id\": \"img-1\", \"image\": \"images/a.png\"}\n"
                      "{\"id\": \"img-2\", \"image\": \"images/b.png\"}\n"
                      "{\"id\": \"txt-1\", \"text\": \"😀 张三住在北京。🎉 Alice\"}\n"
                      "{\"id\": \"txt-2\", \"text\": \"nothing here\"}\n", -1);
  lb_test_import (f->store, manifest, NULL, 4);

  /* img-1: labels, a decision with its reason, a note, a box with an
   * attribute, a polygon, an answer */
  id = lb_item_get_id (image = lb_test_find_item (f->store, NULL, "img-1"));
  submission.labels = labels_image;
  submission.decision = "reject";
  submission.reason = "abuse/insult";
  submission.note = "blurry";
  lb_store_submit (f->store, id, "ann", &submission, &error);
  g_assert_no_error (error);
  box.label = "cat";
  box.shape = LB_REGION_SHAPE_BOX;
  box.box[0] = 3.3;
  box.box[1] = 4.7;
  box.box[2] = 10.1;
  box.box[3] = 20.9;
  box.attributes = "{\"occluded\": true}";
  g_assert_true (lb_store_create_region (f->store, id, "ann", &box, NULL, &error));
  polygon.label = "dog";
  polygon.shape = LB_REGION_SHAPE_POLYGON;
  polygon.points = triangle;
  polygon.n_points = 3;
  g_assert_true (lb_store_create_region (f->store, id, "ann", &polygon, NULL, &error));
  g_assert_true (lb_store_set_answer (f->store, id, "ann", "caption", "两只猫 🐱", &error));
  g_assert_no_error (error);
  g_clear_object (&image);

  /* txt-1: a label, spans after emoji, an answer */
  id = lb_item_get_id (text = lb_test_find_item (f->store, NULL, "txt-1"));
  memset (&submission, 0, sizeof submission);
  submission.labels = labels_text;
  submission.decision = "approve";
  g_assert_true (lb_store_submit (f->store, id, "bo", &submission, &error));
  g_assert_true (lb_store_create_span (f->store, id, "bo", "cat", 2, 4, NULL, &error));
  g_assert_true (lb_store_create_span (f->store, id, "bo", "dog", 11, 16, NULL, &error));
  g_assert_true (lb_store_create_span (f->store, id, "bo", "cat", 6, 8, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&text);

  g_assert_true (lb_export_to_path (f->store, "label-studio", NULL, exported, NULL, NULL,
                                    &n_written, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_written, ==, 4);

  second = lb_test_open_store (db2);
  report = lb_import (second, exported, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < report->rejections->len; i++)
    g_printerr ("rejected: %s\n", (char *) g_ptr_array_index (report->rejections, i));
  g_assert_cmpuint (report->rejections->len, ==, 0);
  g_assert_cmpuint (report->n_added, ==, 4);
  g_assert_cmpuint (report->n_annotations, ==, 2);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(LbItem) a = lb_test_find_item (f->store, NULL, ids[i]);
      g_autoptr(LbItem) b = lb_test_find_item (second, "round-trip", ids[i]);

      g_assert_cmpstr (lb_item_get_relative_path (a), ==, lb_item_get_relative_path (b));
      g_assert_cmpstr (lb_item_get_text (a), ==, lb_item_get_text (b));
      g_assert_cmpstr (lb_item_get_content_hash (a), ==, lb_item_get_content_hash (b));
      g_assert_cmpint (lb_item_get_state (a), ==, lb_item_get_state (b));
      assert_same_item (a, b);
    }

  lb_store_close (second);
  g_object_unref (second);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/engine/import-ls/image-tasks", test_image_tasks);
  ADD ("/engine/import-ls/reimport", test_reimport);
  ADD ("/engine/import-ls/accept", test_accept);
  ADD ("/engine/import-ls/text-tasks", test_text_tasks);
  ADD ("/engine/import-ls/prediction-check", test_prediction_check);
  ADD ("/engine/import-ls/broken-json", test_broken_json);
  ADD ("/engine/import-ls/no-config", test_no_config);
  ADD ("/engine/import-ls/streamed-errors", test_streamed_errors);
  ADD ("/engine/import-ls/chunks", test_chunks);
  ADD ("/engine/import-ls/round-trip", test_round_trip);
  g_test_add_func ("/engine/import-ls/utf16", test_utf16);

  return g_test_run ();
}
