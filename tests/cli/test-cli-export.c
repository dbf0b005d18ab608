/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-export"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-test-support.h"

/* labelbench-cli export in every format, end to end: the real binary
 * ($LB_CLI) on a store made through the CLI itself. */

#define SCHEMA_JSON \
  "{\"name\": \"Mixed\", \"tools\": [\"class\", \"box\", \"polygon\", \"span\", \"note\"]," \
  " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\"," \
  "               \"attributes\": [{\"id\": \"difficult\", \"type\": \"bool\"}]}," \
  "              {\"id\": \"LOC\", \"hotkey\": \"2\"}]}"

typedef struct {
  char *dir;
  char *store;
  char *folder;
} Fixture;

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” is not in:\n%s", needle, haystack);
}

static void
label (Fixture    *f,
       const char *item,
       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(LbTestRun) run = { 0 };
  const char *arg;
  va_list ap;
  int status;

  /* lb_test_run_cli takes its arguments as varargs: up to 8 here */
  va_start (ap, item);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  while (args->len < 8)
    g_ptr_array_add (args, NULL);

  status = lb_test_run_cli (&run, NULL, "label", "--store", f->store, "--item", item,
                            "--actor", "ann", args->pdata[0], args->pdata[1], args->pdata[2],
                            args->pdata[3], args->pdata[4], args->pdata[5], args->pdata[6],
                            args->pdata[7], NULL);
  if (status != 0)
    g_error ("label %s failed: %s", item, run.err);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(GBytes) png = lb_test_png_header (200, 100);

  f->dir = lb_test_make_tmpdir ("lb-test-cli-export");
  f->store = g_build_filename (f->dir, "store.db", NULL);
  f->folder = g_build_filename (f->dir, "mixed", NULL);

  lb_test_write_file (f->folder, "wide.png", g_bytes_get_data (png, NULL),
                      g_bytes_get_size (png));
  g_free (lb_test_copy_pngsuite ("basn2c08.png", f->folder, "missing.png"));
  lb_test_write_file (f->folder, "news.txt", "我在北京 😀 ok", -1);
  lb_test_write_file (f->folder, "schema.json", SCHEMA_JSON, -1);

  lb_test_run_cli (&run, NULL, "import", "--store", f->store, f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);

  label (f, "wide.png", "--label", "cat", "--box", "20,10,50,40",
         "--attributes", "{\"difficult\": true}", NULL);
  label (f, "wide.png", "--label", "cat", "--polygon", "0,0,100,0,100,50", NULL);
  label (f, "missing.png", "--label", "cat", "--box", "1,1,2,2", NULL);
  /* 北京: code points 2..4 */
  label (f, "news.txt", "--label", "LOC", "--span", "2,4", NULL);
  label (f, "news.txt", "--label", "cat", "--note", "=1+1", NULL);

  {
    g_autofree char *missing = g_build_filename (f->folder, "missing.png", NULL);

    g_assert_cmpint (g_unlink (missing), ==, 0);
  }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store);
  g_free (f->folder);
}

static char *
read_file (const char *dir,
           const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_error ("%s was not written", path);
  return contents;
}

static void
test_stdout_formats (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };

  /* CSV to standard output with -o - */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv", "-o", "-",
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "\xEF\xBB\xBF" "batch,item,kind,path,text,state,"));
  assert_contains (run.out, "\r\nmixed,news.txt,text,,我在北京 😀 ok,done,cat,,,'=1+1,,0,1,ann,");
  assert_contains (run.out, "\r\nmixed,wide.png,image,wide.png,,done,,,,,,2,0,ann,");

  /* CoNLL: each ideograph a token, the emoji too */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "conll", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==,
                   "-DOCSTART- -X- -X- O\n\n"
                   "我 -X- _ O\n在 -X- _ O\n北 -X- _ B-LOC\n京 -X- _ I-LOC\n"
                   "😀 -X- _ O\nok -X- _ O\n\n");

  /* Label Studio: the span after no emoji, the box in percent */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "label-studio", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonNode) root = lb_test_parse_json (run.out);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 3);
    assert_contains (run.out, "\"value\":{\"start\":2,\"end\":4,\"text\":\"北京\","
                              "\"labels\":[\"LOC\"]}");
    assert_contains (run.out, "\"original_width\":200,\"original_height\":100,"
                              "\"image_rotation\":0,\"value\":{\"x\":10,\"y\":10,"
                              "\"width\":25,\"height\":40,\"rotation\":0,"
                              "\"rectanglelabels\":[\"cat\"]},"
                              "\"meta\":{\"attributes\":{\"difficult\":true}}");
  }
  /* the missing image is a warning, not a failure */
  assert_contains (run.err, "Warning: missing.png");

  /* state JSONL */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "state-jsonl",
                   "--batch", "mixed", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 4);
  }
}

static void
test_files_and_folders (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *coco = g_build_filename (f->dir, "coco.json", NULL);
  g_autofree char *yolo = g_build_filename (f->dir, "yolo", NULL);
  g_autofree char *voc = g_build_filename (f->dir, "voc", NULL);
  g_autofree char *said = NULL;
  g_autofree char *text = NULL;

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "coco", "-o", coco,
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  said = g_strdup_printf ("Exported 2 items to %s\n", coco);
  assert_contains (run.err, said);
  assert_contains (run.err, "Warning: missing.png");
  {
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o;
    JsonArray *annotations;

    text = read_file (coco, NULL);
    root = lb_test_parse_json (text);
    annotations = json_object_get_array_member (json_node_get_object (root), "annotations");
    g_assert_cmpuint (json_array_get_length (annotations), ==, 3);
    /* missing.png's box (2 x 2), wide.png's box (50 x 40) and triangle (100 x 50 / 2) */
    for (guint i = 0; i < 3; i++)
      {
        static const double areas[] = { 4, 2000, 2500 };

        o = json_array_get_object_element (annotations, i);
        g_assert_cmpfloat (json_object_get_double_member (o, "area"), ==, areas[i]);
      }
  }

  /* folders need -o */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "yolo", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "labelbench-cli: The yolo export is a folder");
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "voc", "-o", "-",
                   NULL);
  g_assert_cmpint (run.status, ==, 1);

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "yolo", "-o", yolo,
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&text, g_free);
  text = read_file (yolo, "labels/wide.txt");
  g_assert_cmpstr (text, ==,
                   "0 0.225000 0.300000 0.250000 0.400000\n"
                   "0 0.250000 0.250000 0.500000 0.500000\n");
  g_clear_pointer (&text, g_free);
  text = read_file (yolo, "classes.txt");
  g_assert_cmpstr (text, ==, "cat\nLOC\n");

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "voc", "-o", voc,
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&text, g_free);
  text = read_file (voc, "Annotations/wide.xml");
  assert_contains (text, "<difficult>1</difficult>\n    <bndbox>\n      <xmin>20</xmin>\n"
                         "      <ymin>10</ymin>\n      <xmax>70</xmax>\n      <ymax>50</ymax>\n");

  /* the store itself is refused as the output */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv", "-o",
                   f->store, NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "is the store");
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };

  /* everything happened after 2000 */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "state-jsonl",
                   "--since", "2000-01-01", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 4);
  }

  /* nothing after 2999 */
  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "jsonl",
                   "--since", "2999-01-01T00:00:00Z", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv",
                   "--since", "2999-01-01", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "\xEF\xBB\xBF" "batch,item,kind,path,text,state,labels,"
                                "decision,reason,note,answers,regions,spans,last_actor,"
                                "updated\r\n");

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv",
                   "--since", "last week", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "“last week” is not a time");

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv",
                   "--batch", "nope", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "No batch “nope” in the store");

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "csv",
                   "--after-seq", "2", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "--after-seq");
}

/* --reviewed: only the items a lead accepted or fixed, with the fix's
 * correction; rejected and unreviewed items are left out; event formats
 * refuse it */
static void
test_reviewed (Fixture       *f,
               gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_auto(GStrv) lines = NULL;

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "state-jsonl",
                   "--reviewed", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "news.txt",
                   "--actor", "lead", "--verdict", "fix", "--label", "LOC", NULL);
  g_assert_cmpint (run.status, ==, 0);
  lb_test_run_cli (&run, NULL, "review", "--store", f->store, "--item", "wide.png",
                   "--actor", "lead", "--verdict", "reject", "--comment", "box too loose", NULL);
  g_assert_cmpint (run.status, ==, 0);

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "state-jsonl",
                   "--reviewed", NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);   /* one item and the final "" */
  assert_contains (lines[0], "\"item\":\"news.txt\"");
  assert_contains (lines[0], "\"labels\":[\"LOC\"]");   /* the lead's correction */

  lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", "jsonl",
                   "--reviewed", NULL);
  g_assert_cmpint (run.status, ==, 1);
  assert_contains (run.err, "item exports");
}

/* Exporting a folder format again into the folder of an earlier export is
 * refused before anything is written: its files would be read as this
 * export's */
static void
test_folder_again (Fixture       *f,
                   gconstpointer  data)
{
  static const char * const formats[] = { "voc", "yolo" };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_auto(LbTestRun) run = { 0 };
      g_autofree char *out = g_build_filename (f->dir, formats[i], NULL);
      g_autofree char *said = NULL;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      const char *listing = g_str_equal (formats[i], "voc") ? "ImageSets/Main/default.txt"
                                                             : "images.tsv";

      lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", formats[i],
                       "-o", out, NULL);
      g_assert_cmpint (run.status, ==, 0);
      before = read_file (out, listing);

      lb_test_run_cli (&run, NULL, "export", "--store", f->store, "--format", formats[i],
                       "--reviewed", "-o", out, NULL);
      g_assert_cmpint (run.status, ==, 1);
      said = g_strdup_printf ("%s is not empty: give a new folder or empty it", out);
      assert_contains (run.err, said);
      after = read_file (out, listing);
      g_assert_cmpstr (after, ==, before);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli/export/stdout", test_stdout_formats);
  ADD ("/cli/export/files-and-folders", test_files_and_folders);
  ADD ("/cli/export/filters", test_filters);
  ADD ("/cli/export/reviewed", test_reviewed);
  ADD ("/cli/export/folder-again", test_folder_again);
#undef ADD

  return g_test_run ();
}
