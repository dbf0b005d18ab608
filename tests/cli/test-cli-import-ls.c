/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-import-ls"
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lb-test-support.h"

/* End to end through $LB_CLI: import of a Label Studio task file
 * (tests/fixtures/label-studio, Label Studio's documented export format,
 * https://labelstud.io/guide/export#Label-Studio-JSON-format-of-annotated-tasks),
 * then accept of an item's predictions, then items --json. */

typedef struct {
  char *dir;
  char *store;
  char *tasks;
  char *config;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *from = NULL;
  g_autoptr(GBytes) png = lb_test_png_header (64, 48);
  const char *images[] = { "batch/images/a.png", "batch/images/b.png", "batch/images/c.png" };
  gsize size;
  const char *bytes = g_bytes_get_data (png, &size);

  f->dir = lb_test_make_tmpdir ("lb-cli-import-ls");
  f->store = g_build_filename (f->dir, "store.db", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    lb_test_write_file (f->dir, images[i], bytes, size);
  from = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-studio", "image-tasks.json",
                           NULL);
  f->tasks = g_build_filename (f->dir, "batch", "tasks.json", NULL);
  lb_test_copy_file (from, f->tasks);
  f->config = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-studio", "image-config.xml",
                                NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store);
  g_free (f->tasks);
  g_free (f->config);
}

/* The object of items --json with the id */
static JsonObject *
find_item (JsonNode   *items,
           const char *id)
{
  JsonArray *array = json_node_get_array (items);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (o, "id"), id) == 0)
        return o;
    }
  g_error ("no item %s in items --json", id);
  return NULL;
}

static void
assert_labels (JsonObject *item,
               const char *label)
{
  JsonArray *labels = json_object_get_array_member (item, "labels");

  g_assert_cmpuint (json_array_get_length (labels), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (labels, 0), ==, label);
}

static void
test_import_accept (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };
  g_autoptr(JsonNode) items = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *expected = NULL;
  JsonObject *item, *region;
  JsonArray *regions;

  /* import: 3 items, the rejected tasks and results on stderr, status 2 */
  lb_test_run_cli (&run, NULL, "import", "--store", f->store, "--schema", f->config, f->tasks,
                   NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.out, "Imported 3 items into batch tasks"));
  expected = g_strdup_printf ("%s: task 3: data.image “/data/upload/1/5f2a-cat.png”: a file "
                              "uploaded to Label Studio", f->tasks);
  g_assert_nonnull (strstr (run.err, expected));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s: task 1: result 5: type “rating” not supported", f->tasks);
  g_assert_nonnull (strstr (run.err, expected));

  /* before: 105 has only predictions */
  lb_test_run_cli (&run, NULL, "items", "--store", f->store, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  items = lb_test_parse_json (run.out);
  item = find_item (items, "105");
  g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "todo");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "labels")), ==, 0);
  item = find_item (items, "101");
  assert_labels (item, "indoor");
  g_assert_cmpstr (json_object_get_string_member (item, "actor"), ==, "label-studio:7");
  g_clear_pointer (&items, json_node_unref);

  /* accept */
  lb_test_run_cli (&run, NULL, "accept", "--store", f->store, "--item", "105", "--actor", "ann",
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item 105: accepted segmenter-2: 1 polygon, 1 answer, label "
                                "outdoor (done)\n");

  lb_test_run_cli (&run, NULL, "items", "--store", f->store, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  items = lb_test_parse_json (run.out);
  item = find_item (items, "105");
  g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "done");
  g_assert_cmpstr (json_object_get_string_member (item, "actor"), ==, "ann");
  assert_labels (item, "outdoor");
  regions = json_object_get_array_member (item, "regions");
  g_assert_cmpuint (json_array_get_length (regions), ==, 1);
  region = json_array_get_object_element (regions, 0);
  g_assert_cmpstr (json_object_get_string_member (region, "label"), ==, "Dog");
  g_assert_cmpstr (json_object_get_string_member (region, "shape"), ==, "polygon");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "answers"),
                                                  "caption"), ==, "a dog in a garden");

  /* accepting again changes nothing, and says so */
  lb_test_run_cli (&run, NULL, "accept", "--store", f->store, "--item", "105", "--actor", "ann",
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item 105: already accepted, nothing added (done)\n");
  lb_test_run_cli (&run, NULL, "items", "--store", f->store, "--json", NULL);
  again = lb_test_parse_json (run.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (find_item (again, "105"),
                                                                         "regions")), ==, 1);

  /* an item without predictions, and a missing item */
  lb_test_run_cli (&run, NULL, "accept", "--store", f->store, "--item", "106", "--actor", "ann",
                   NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Item “106” has no pre-annotations"));
  lb_test_run_cli (&run, NULL, "accept", "--store", f->store, "--item", "999", "--actor", "ann",
                   NULL);
  g_assert_cmpint (run.status, ==, 1);
  lb_test_run_cli (&run, NULL, "accept", "--store", f->store, "--item", "105", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "--actor"));
}

/* broken JSON: one line on stderr with the file and line, status 1 */
static void
test_import_broken (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };
  g_autofree char *from = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-studio",
                                            "broken.json", NULL);
  g_autofree char *broken = g_build_filename (f->dir, "broken.json", NULL);
  g_autofree char *expected = NULL;

  lb_test_copy_file (from, broken);
  lb_test_run_cli (&run, NULL, "import", "--store", f->store, broken, NULL);
  g_assert_cmpint (run.status, ==, 1);
  expected = g_strdup_printf ("labelbench-cli: %s:3:", broken);
  g_assert_true (g_str_has_prefix (run.err, expected));
  g_assert_nonnull (strstr (run.err, "invalid JSON"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/import-ls/import-accept", Fixture, NULL, fixture_set_up, test_import_accept,
              fixture_tear_down);
  g_test_add ("/cli/import-ls/broken", Fixture, NULL, fixture_set_up, test_import_broken,
              fixture_tear_down);

  return g_test_run ();
}
