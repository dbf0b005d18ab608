/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-regions"
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

/* End to end through $LB_CLI: boxes, polygons, spans, answers, undo and redo,
 * and a Label Studio labeling config as the schema of an import. */

#define SCHEMA_JSON \
  "{\"name\": \"Regions\", \"tools\": [\"class\", \"box\", \"polygon\", \"span\", \"note\"]," \
  " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\", \"attributes\":" \
  "              [{\"id\": \"occluded\", \"type\": \"bool\"}]}," \
  "             {\"id\": \"dog\", \"hotkey\": \"2\"}]," \
  " \"fields\": [{\"id\": \"caption\"}]}"

typedef struct {
  char *dir;
  char *store;
  char *folder;
} Fixture;

typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

static void G_GNUC_NULL_TERMINATED
run_cli (Run *run,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("LB_CLI");
  const char *arg;
  int wait_status = 0;
  va_list ap;

  g_assert_nonnull (cli);
  run_clear (run);
  g_ptr_array_add (args, (char *) cli);
  va_start (ap, run);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &run->out, &run->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (from, &contents, &length, &error));
  g_assert_true (g_file_set_contents (to, contents, length, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *png = g_build_filename (g_getenv ("LB_PNGSUITE_DIR"), "basn2c08.png", NULL);
  g_autofree char *copy = NULL;

  f->dir = g_dir_make_tmp ("lb-test-cli-regions-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = g_build_filename (f->dir, "store.db", NULL);
  f->folder = g_build_filename (f->dir, "batch", NULL);
  g_assert_cmpint (g_mkdir (f->folder, 0755), ==, 0);

  copy = g_build_filename (f->folder, "a.png", NULL);
  copy_file (png, copy);
  /* CJK, an emoji, e + combining acute */
  write_file (f->folder, "t.txt", "猫🐈e\xcc\x81x is here");
  write_file (f->folder, "schema.json", SCHEMA_JSON);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_remove (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store);
  g_free (f->folder);
}

/* The item's object from `items --json` */
static JsonObject *
item_json (Fixture    *f,
           const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  Run run = { 0, };
  JsonArray *items;
  JsonObject *found = NULL;

  run_cli (&run, "items", "--store", f->store, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = json_from_string (run.out, &error);
  g_assert_no_error (error);
  items = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (items); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (items, i),
                                                    "id"), id))
      found = json_object_ref (json_array_get_object_element (items, i));
  run_clear (&run);
  g_assert_nonnull (found);
  return found;
}

static void
import (Fixture *f)
{
  Run run = { 0, };

  run_cli (&run, "import", "--store", f->store, f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

static void
test_boxes_and_polygons (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) item = NULL;
  Run run = { 0, };
  JsonArray *regions;
  JsonObject *r;
  JsonArray *a;

  import (f);

  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "10.5,20,30,40.25", "--label", "cat", "--attributes",
           "{\"occluded\": true}", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "region "));
  g_assert_nonnull (strstr (run.out, "item a.png: done\n"));

  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--polygon", "1,1,20,1,10,15", "--label", "dog", NULL);
  g_assert_cmpint (run.status, ==, 0);

  item = item_json (f, "a.png");
  g_assert_cmpstr (json_object_get_string_member (item, "state"), ==, "done");
  regions = json_object_get_array_member (item, "regions");
  g_assert_cmpuint (json_array_get_length (regions), ==, 2);
  r = json_array_get_object_element (regions, 0);
  g_assert_cmpstr (json_object_get_string_member (r, "label"), ==, "cat");
  a = json_object_get_array_member (r, "box");
  g_assert_cmpfloat (json_array_get_double_element (a, 0), ==, 10.5);
  g_assert_cmpfloat (json_array_get_double_element (a, 3), ==, 40.25);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (r, "attributes"),
                                                 "occluded"));
  r = json_array_get_object_element (regions, 1);
  g_assert_cmpstr (json_object_get_string_member (r, "shape"), ==, "polygon");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "points")), ==, 3);

  /* refused, with a message */
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "1,2,0,4", "--label", "cat", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "width and a height above 0"));
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "1,2,3", "--label", "cat", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "--box takes 4 numbers"));
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--polygon", "1,2,3,4", "--label", "cat", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "at least 3 pairs"));
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "1,2,3,x", "--label", "cat", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "“x” is not a number"));
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "1,2,3,4", "--label", "horse", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Unknown label “horse”"));
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "1,2,3,4", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "exactly one --label"));
  run_clear (&run);
}

static void
test_spans_undo_redo (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) item = NULL;
  Run run = { 0, };
  JsonArray *spans;
  JsonObject *s;

  import (f);

  /* code points 1..4: 🐈, e, U+0301 */
  run_cli (&run, "label", "--store", f->store, "-i", "t.txt", "-a", "ann",
           "--span", "1,4", "--label", "dog", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "span "));

  item = item_json (f, "t.txt");
  spans = json_object_get_array_member (item, "spans");
  g_assert_cmpuint (json_array_get_length (spans), ==, 1);
  s = json_array_get_object_element (spans, 0);
  g_assert_cmpint (json_object_get_int_member (s, "start"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (s, "end"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (s, "start_byte"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (s, "end_byte"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (s, "text"), ==, "🐈e\xcc\x81");
  g_clear_pointer (&item, json_object_unref);

  run_cli (&run, "label", "--store", f->store, "-i", "t.txt", "-a", "ann",
           "--span", "10,14", "--label", "dog", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "≤ 13"));

  /* undo the span, redo it */
  run_cli (&run, "undo", "--store", f->store, "-i", "t.txt", "-a", "ann", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item t.txt: todo\n");
  run_cli (&run, "redo", "--store", f->store, "-i", "t.txt", "-a", "ann", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item t.txt: done\n");
  run_cli (&run, "redo", "--store", f->store, "-i", "t.txt", "-a", "ann", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Nothing to redo"));

  item = item_json (f, "t.txt");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "spans")), ==, 1);
  g_clear_pointer (&item, json_object_unref);

  /* an answer */
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--answer", "caption=两只猫 on a mat", NULL);
  g_assert_cmpint (run.status, ==, 0);
  item = item_json (f, "a.png");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item,
                                                                                 "answers"),
                                                  "caption"), ==, "两只猫 on a mat");
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--answer", "title=x", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Unknown field “title”"));
  g_clear_pointer (&item, json_object_unref);

  /* a label and an answer are one act: one undo takes both back */
  run_cli (&run, "label", "--store", f->store, "-i", "t.txt", "-a", "bob", "--label", "cat",
           "--answer", "caption=a cat", NULL);
  g_assert_cmpint (run.status, ==, 0);
  item = item_json (f, "t.txt");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (item, "labels"),
                                                  0), ==, "cat");
  g_clear_pointer (&item, json_object_unref);
  run_cli (&run, "undo", "--store", f->store, "-i", "t.txt", "-a", "bob", NULL);
  g_assert_cmpint (run.status, ==, 0);
  item = item_json (f, "t.txt");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "labels")), ==, 0);
  g_assert_false (json_object_has_member (json_object_get_object_member (item, "answers"),
                                          "caption"));

  run_cli (&run, "verify", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

static void
test_label_config_import (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *config = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-config",
                                              "unsupported.xml", NULL);
  g_autofree char *ner = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-config",
                                           "ner.xml", NULL);
  g_autofree char *broken = g_build_filename (g_getenv ("LB_FIXTURES_DIR"), "label-config",
                                              "malformed.xml", NULL);
  Run run = { 0, };

  /* what the config cannot say is listed on stderr; exit 2 */
  run_cli (&run, "import", "--store", f->store, "--schema", config, f->folder, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "unsupported.xml:3: <Rating name=\"rating\"> not supported"));
  g_assert_nonnull (strstr (run.err, "unsupported.xml:7: <Taxonomy name=\"taxonomy\"> not "
                                     "supported"));
  g_assert_nonnull (strstr (run.out, "Imported 2 items"));

  /* a NER config gives spans on the texts */
  run_cli (&run, "import", "--store", f->store, "--schema", ner, "--name", "ner", f->folder,
           NULL);
  g_assert_cmpint (run.status, ==, 2);  /* darkorange */
  run_cli (&run, "label", "--store", f->store, "-b", "ner", "-i", "t.txt", "-a", "ann",
           "--span", "0,1", "--label", "LOC", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (&run, "label", "--store", f->store, "-b", "ner", "-i", "a.png", "-a", "ann",
           "--box", "0,0,1,1", "--label", "LOC", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "“box” tool is not enabled"));

  run_cli (&run, "import", "--store", f->store, "--schema", broken, "--name", "x", f->folder,
           NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "malformed.xml:5:"));
  run_clear (&run);
}

/* A lead's corrections through the CLI: correct draws a box and deletes the
 * annotator's span; review --verdict fix completes the fix; the item's state
 * shows the corrections, the annotator's events stay, and the lead's undo
 * takes the fix and its corrections back */
static void
test_lead_corrections (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonObject) item = NULL;
  g_autofree char *span_id = NULL;
  Run run = { 0, };
  JsonArray *regions;

  import (f);
  run_cli (&run, "label", "--store", f->store, "-i", "a.png", "-a", "ann",
           "--box", "1,1,10,10", "--label", "cat", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (&run, "label", "--store", f->store, "-i", "t.txt", "-a", "ann",
           "--span", "0,1", "--label", "cat", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "span "));
  span_id = g_strndup (run.out + 5, strcspn (run.out + 5, "\n"));

  run_cli (&run, "correct", "--store", f->store, "-i", "a.png", "-a", "lead",
           "--box", "2,3,4,5", "--label", "dog", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "region "));
  run_cli (&run, "correct", "--store", f->store, "-i", "t.txt", "-a", "lead",
           "--delete-span", span_id, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (&run, "review", "--store", f->store, "--item", "a.png", "--actor", "lead",
           "--verdict", "fix", "--label", "dog", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* a fix of corrections alone: no --label, --decision or --note needed */
  run_cli (&run, "review", "--store", f->store, "--item", "t.txt", "--actor", "lead",
           "--verdict", "fix", NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* nothing corrected: refused */
  run_cli (&run, "review", "--store", f->store, "--item", "t.txt", "--actor", "lead",
           "--verdict", "fix", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Nothing was corrected in item “t.txt”"));

  item = item_json (f, "a.png");
  regions = json_object_get_array_member (item, "regions");
  g_assert_cmpuint (json_array_get_length (regions), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (regions, 1),
                                                  "label"), ==, "dog");
  g_clear_pointer (&item, json_object_unref);
  item = item_json (f, "t.txt");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "spans")), ==, 0);
  g_clear_pointer (&item, json_object_unref);

  /* the corrections are the lead's events; the annotator's stay */
  run_cli (&run, "export", "--store", f->store, "--format", "jsonl", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"actor\":\"lead\",\"role\":\"lead\",\"kind\":\"region.create\""));
  g_assert_nonnull (strstr (run.out, "\"actor\":\"ann\",\"role\":\"annotator\",\"kind\":\"span.create\""));

  /* undoing the fix takes its correction back */
  run_cli (&run, "undo", "--store", f->store, "-i", "a.png", "-a", "lead", NULL);
  g_assert_cmpint (run.status, ==, 0);
  item = item_json (f, "a.png");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "regions")), ==, 1);

  /* refused, with a message */
  run_cli (&run, "correct", "--store", f->store, "-i", "a.png", "-a", "lead",
           "--box", "2,3,4,5", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "need --label"));
  run_cli (&run, "correct", "--store", f->store, "-i", "a.png", "-a", "lead",
           "--delete-region", "no-such-region", NULL);
  g_assert_cmpint (run.status, ==, 1);
  run_clear (&run);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/regions/boxes-and-polygons", Fixture, NULL, fixture_set_up,
              test_boxes_and_polygons, fixture_tear_down);
  g_test_add ("/cli/regions/spans-undo-redo", Fixture, NULL, fixture_set_up,
              test_spans_undo_redo, fixture_tear_down);
  g_test_add ("/cli/regions/lead-corrections", Fixture, NULL, fixture_set_up,
              test_lead_corrections, fixture_tear_down);
  g_test_add ("/cli/regions/label-config-import", Fixture, NULL, fixture_set_up,
              test_label_config_import, fixture_tear_down);

  return g_test_run ();
}
