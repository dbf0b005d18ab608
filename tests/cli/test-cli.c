/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli"
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "lb-store.h"
#include "lb-test-support.h"

/* End-to-end tests of labelbench-cli: the real binary ($LB_CLI), run with
 * g_spawn_sync, checked on its exit status, stdout, stderr and the store. */

typedef struct {
  char *dir;     /* scratch folder */
  char *store;   /* DIR/store.db */
  char *folder;  /* DIR/photos: a batch folder */
} Fixture;

/* The environment of the next runs; NULL = ours */
static char **run_envp;

#define run_cli(run, ...) lb_test_run_cli ((run), run_envp, __VA_ARGS__)

/* A failure: exit status 1 and one line "labelbench-cli: MESSAGE" on stderr */
static void
assert_failed_with (LbTestRun  *run,
                    const char *fragment)
{
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "labelbench-cli: "));
  g_assert_true (g_str_has_suffix (run->err, "\n"));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);  /* one line */
  if (fragment != NULL && strstr (run->err, fragment) == NULL)
    g_error ("stderr “%s” does not mention “%s”", run->err, fragment);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-test-cli");
  f->store = g_build_filename (f->dir, "store.db", NULL);
  f->folder = g_build_filename (f->dir, "photos", NULL);

  /* A folder batch: two images (one in a subfolder), two texts, a schema */
  g_free (lb_test_copy_pngsuite ("basn2c08.png", f->folder, "a-basn2c08.png"));
  g_free (lb_test_copy_pngsuite ("basn0g01.png", f->folder, "sub/b-basn0g01.png"));
  lb_test_write_file (f->folder, "c-comment.txt", "Great \"value\",\nwould buy again", -1);
  lb_test_write_file (f->folder, "d-中文.txt", "质量很好，物流太慢", -1);
  lb_test_write_file (f->folder, "schema.json", lb_test_comment_schema_json, -1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir_lock = g_strconcat (f->dir, ".lock", NULL);

  lb_test_remove_tree (f->dir);
  /* left by the run that gives the scratch folder itself as --store */
  g_unlink (dir_lock);
  g_free (f->dir);
  g_free (f->store);
  g_free (f->folder);
}

static JsonObject *
find_item (JsonArray  *items,
           const char *id)
{
  JsonObject *found = NULL;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (o, "id"), id) == 0)
        {
          g_assert_null (found);  /* no duplicates */
          found = o;
        }
    }
  g_assert_nonnull (found);
  return found;
}

static JsonNode *
items_json (Fixture    *f,
            const char *batch)
{
  g_auto(LbTestRun) run = { 0 };

  if (batch != NULL)
    run_cli (&run, "items", "--store", f->store, "--batch", batch, "--json", NULL);
  else
    run_cli (&run, "items", "--store", f->store, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  return lb_test_parse_json (run.out);
}

static void
import_folder (Fixture *f)
{
  g_auto(LbTestRun) run = { 0 };

  run_cli (&run, "import", "--store", f->store, f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Imported 4 items into batch photos (0 already present)\n");
  g_assert_cmpstr (run.err, ==, "");
}

/* Tests ------------------------------------------------------------------ */

/* The build tree's translations (LABELBENCH_LOCALEDIR, as build-aux/run-demo
 * sets it): Chinese with LANGUAGE=zh_CN, English without */
static void
test_translations (void)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *po = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);

  run_envp = g_environ_setenv (g_get_environ (), "LABELBENCH_LOCALEDIR", po, TRUE);
  run_envp = g_environ_setenv (run_envp, "LANGUAGE", "zh_CN", TRUE);
  run_cli (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "用法："));
  g_assert_nonnull (strstr (run.out, "列出批次"));

  run_envp = g_environ_unsetenv (run_envp, "LANGUAGE");
  run_cli (&run, "--help", NULL);
  g_assert_true (g_str_has_prefix (run.out, "Usage:"));
  g_clear_pointer (&run_envp, g_strfreev);
}

/* The batch's files moved: relocate points the batch at their new folder,
 * and refuses a folder without them */
static void
test_relocate (Fixture       *f,
               gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *moved = g_build_filename (f->dir, "moved photos", NULL);
  g_autofree char *empty = g_build_filename (f->dir, "empty", NULL);
  g_autofree char *expected = NULL;

  import_folder (f);
  g_assert_cmpint (g_rename (f->folder, moved), ==, 0);
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);

  run_cli (&run, "relocate", "--store", f->store, "--batch", "photos", "--folder", empty, NULL);
  assert_failed_with (&run, "None of the batch’s images is in");
  run_cli (&run, "relocate", "--store", f->store, "--batch", "photos", "--folder",
           f->store, NULL);
  assert_failed_with (&run, "is not a folder");
  run_cli (&run, "relocate", "--store", f->store, "--batch", "nope", "--folder", moved, NULL);
  assert_failed_with (&run, "nope");

  run_cli (&run, "relocate", "--store", f->store, "--batch", "photos", "--folder", moved, NULL);
  g_assert_cmpint (run.status, ==, 0);
  expected = g_strdup_printf ("photos\t%s\n", moved);
  g_assert_cmpstr (run.out, ==, expected);
  g_clear_pointer (&expected, g_free);

  run_cli (&run, "batches", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  expected = g_strdup_printf ("\t%s\n", moved);
  g_assert_true (g_str_has_suffix (run.out, expected));
}

static void
test_help (void)
{
  g_auto(LbTestRun) run = { 0 };
  static const char * const commands[] = {
    "import", "items", "label", "undo", "export", "stats", "verify", "bench",
  };

  run_cli (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *line = g_strdup_printf ("\n  %s ", commands[i]);
      g_assert_nonnull (strstr (run.out, line));
    }

  run_cli (&run, "label", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "labelbench-cli label"));
  g_assert_nonnull (strstr (run.out, "--store"));
  g_assert_nonnull (strstr (run.out, "--decision"));

  run_cli (&run, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Usage"));

  run_cli (&run, "frobnicate", NULL);
  assert_failed_with (&run, "frobnicate");

  run_cli (&run, "items", "--no-such-option", NULL);
  assert_failed_with (&run, "--no-such-option");
}

static void
test_import_folder (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *items;
  JsonObject *o;
  g_auto(GStrv) lines = NULL;

  import_folder (f);

  /* again: nothing new, no duplicates */
  run_cli (&run, "import", "--store", f->store, f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Imported 0 items into batch photos (4 already present)\n");

  root = items_json (f, NULL);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  items = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (items), ==, 4);

  o = find_item (items, "a-basn2c08.png");
  g_assert_cmpstr (json_object_get_string_member (o, "batch"), ==, "photos");
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "image");
  g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, "a-basn2c08.png");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "todo");
  g_assert_false (json_object_has_member (o, "text"));

  o = find_item (items, "sub/b-basn0g01.png");
  g_assert_cmpstr (json_object_get_string_member (o, "path"), ==, "sub/b-basn0g01.png");

  o = find_item (items, "c-comment.txt");
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (o, "text"), ==,
                   "Great \"value\",\nwould buy again");
  g_assert_false (json_object_has_member (o, "path"));

  o = find_item (items, "d-中文.txt");
  g_assert_cmpstr (json_object_get_string_member (o, "text"), ==, "质量很好，物流太慢");
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "todo");

  /* plain listing: one tab-separated line per item, in path order */
  run_cli (&run, "items", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "photos\ta-basn2c08.png\timage\ttodo\ta-basn2c08.png");
  /* path order: a-..., c-..., d-..., sub/... */
  g_assert_cmpstr (lines[1], ==,
                   "photos\tc-comment.txt\ttext\ttodo\tGreat \"value\", would buy again");
  g_assert_cmpstr (lines[2], ==, "photos\td-中文.txt\ttext\ttodo\t质量很好，物流太慢");

  /* batches */
  run_cli (&run, "batches", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "photos\t4\t0\t"));

  /* an unknown batch */
  run_cli (&run, "items", "--store", f->store, "--batch", "nope", NULL);
  assert_failed_with (&run, "nope");
}

static void
test_import_manifest (Fixture       *f,
                      gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *manifest = g_build_filename (f->folder, "items.jsonl", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) err_lines = NULL;
  JsonArray *items;

  lb_test_write_file (NULL, manifest,
                      "{\"id\": \"m1\", \"text\": \"first\"}\n"             /* 1 ok */
                      "{\"id\": \"m2\", \"text\": \n"                       /* 2 bad JSON */
                      "{\"text\": \"no id\"}\n"                             /* 3 no id */
                      "{\"id\": \"m4\", \"image\": \"../outside.png\"}\n"   /* 4 escapes */
                      "{\"id\": \"m5\", \"image\": \"a-basn2c08.png\"}\n"   /* 5 ok */
                      "{\"id\": \"m1\", \"text\": \"duplicate\"}\n"         /* 6 duplicate id */
                      "{\"id\": \"m7\", \"text\": \"中文\\n\\\"quoted\\\"\","
                      " \"meta\": {\"lang\": \"zh\"}}\n",
                      -1);

  run_cli (&run, "import", "--store", f->store, "--name", "manifest", manifest, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==,
                   "Imported 3 items into batch manifest (0 already present)\n"
                   "4 items rejected (listed on stderr)\n");
  err_lines = g_strsplit (run.err, "\n", -1);
  g_assert_cmpuint (g_strv_length (err_lines), ==, 5);
  g_assert_nonnull (strstr (err_lines[0], "items.jsonl:2: "));
  g_assert_nonnull (strstr (err_lines[1], "items.jsonl:3: "));
  g_assert_nonnull (strstr (err_lines[2], "items.jsonl:4: "));
  g_assert_nonnull (strstr (err_lines[3], "items.jsonl:6: "));
  g_assert_cmpstr (err_lines[4], ==, "");

  root = items_json (f, "manifest");
  items = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (find_item (items, "m1"), "text"), ==,
                   "first");
  g_assert_cmpstr (json_object_get_string_member (find_item (items, "m5"), "path"), ==,
                   "a-basn2c08.png");
  g_assert_cmpstr (json_object_get_string_member (find_item (items, "m7"), "text"), ==,
                   "中文\n\"quoted\"");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (find_item (items, "m7"), "meta"), "lang"),
                   ==, "zh");

  /* a CSV manifest: BOM, CRLF, quotes and an embedded newline */
  {
    g_autofree char *csv = g_build_filename (f->dir, "more.csv", NULL);
    g_autoptr(JsonNode) more = NULL;

    lb_test_write_file (NULL, csv, "\xef\xbb\xbfid,text\r\n"
                                   "k1,\"hello, \"\"world\"\"\r\nsecond\"\r\n"
                                   "k2,天气很好\r\n", -1);
    run_cli (&run, "import", "--store", f->store, csv, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "Imported 2 items into batch more (0 already present)\n");
    more = items_json (f, "more");
    items = json_node_get_array (more);
    g_assert_cmpuint (json_array_get_length (items), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (find_item (items, "k1"), "text"), ==,
                     "hello, \"world\"\r\nsecond");
    g_assert_cmpstr (json_object_get_string_member (find_item (items, "k2"), "text"), ==,
                     "天气很好");
  }

  /* nothing at the path: nothing done */
  run_cli (&run, "import", "--store", f->store, "/nonexistent/manifest.jsonl", NULL);
  assert_failed_with (&run, "/nonexistent/manifest.jsonl");

  /* a manifest whose every row is rejected: nothing done */
  {
    g_autofree char *bad = g_build_filename (f->dir, "bad.jsonl", NULL);

    lb_test_write_file (NULL, bad, "not json\n[1, 2]\n", -1);
    run_cli (&run, "import", "--store", f->store, bad, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "bad.jsonl:1: "));
    g_assert_nonnull (strstr (run.err, "bad.jsonl:2: "));
    g_assert_nonnull (strstr (run.err, "labelbench-cli: "));
  }
}

static void
test_label_undo (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  JsonObject *o;

  import_folder (f);

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           "--label", "ok", "--label", "spam", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item c-comment.txt: done\n");
  g_assert_cmpstr (run.err, ==, "");

  run_cli (&run, "label", "--store", f->store, "--item", "d-中文.txt", "--actor", "李明",
           "--batch", "photos", "--decision", "reject", "--reason", "abuse/insult",
           "--note", "辱骂 \"quoted\"\nsecond line", NULL);
  g_assert_cmpint (run.status, ==, 0);

  {
    g_autoptr(JsonNode) root = items_json (f, NULL);
    JsonArray *items = json_node_get_array (root);
    JsonArray *labels;

    o = find_item (items, "c-comment.txt");
    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "done");
    labels = json_object_get_array_member (o, "labels");
    g_assert_cmpuint (json_array_get_length (labels), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (labels, 0), ==, "ok");
    g_assert_cmpstr (json_array_get_string_element (labels, 1), ==, "spam");
    g_assert_false (json_object_has_member (o, "decision"));

    o = find_item (items, "d-中文.txt");
    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "done");
    g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "reject");
    g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "abuse/insult");
    g_assert_cmpstr (json_object_get_string_member (o, "note"), ==,
                     "辱骂 \"quoted\"\nsecond line");

    o = find_item (items, "a-basn2c08.png");
    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "todo");
  }

  /* --note "" clears the note; the decision stays */
  run_cli (&run, "label", "--store", f->store, "--item", "d-中文.txt", "--actor", "李明",
           "--batch", "photos", "--note", "", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonNode) root = items_json (f, NULL);

    o = find_item (json_node_get_array (root), "d-中文.txt");
    g_assert_false (json_object_has_member (o, "note"));
    g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "reject");
  }

  /* undo by someone else: nothing to undo */
  run_cli (&run, "undo", "--store", f->store, "--item", "c-comment.txt", "--actor", "bob", NULL);
  assert_failed_with (&run, NULL);

  run_cli (&run, "undo", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item c-comment.txt: todo\n");
  {
    g_autoptr(JsonNode) root = items_json (f, NULL);

    o = find_item (json_node_get_array (root), "c-comment.txt");
    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "todo");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "labels")), ==, 0);
  }
  run_cli (&run, "undo", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           NULL);
  assert_failed_with (&run, NULL);

  /* skip */
  run_cli (&run, "skip", "--store", f->store, "--item", "a-basn2c08.png", "--actor", "alice",
           NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "item a-basn2c08.png: skipped\n");

  /* invalid requests: exit 1, a message, nothing saved */
  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           "--label", "kitten", NULL);
  assert_failed_with (&run, "kitten");
  g_assert_nonnull (strstr (run.err, "ok, spam"));

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           "--decision", "maybe", NULL);
  assert_failed_with (&run, "maybe");
  g_assert_nonnull (strstr (run.err, "approve, reject, escalate"));

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           "--decision", "reject", NULL);
  assert_failed_with (&run, NULL);

  run_cli (&run, "label", "--store", f->store, "--item", "no-such-item", "--actor", "alice",
           "--label", "ok", NULL);
  assert_failed_with (&run, "no-such-item");

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           NULL);
  assert_failed_with (&run, "--label");

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--label", "ok", NULL);
  assert_failed_with (&run, "--actor");

  {
    g_autoptr(JsonNode) root = items_json (f, NULL);

    o = find_item (json_node_get_array (root), "c-comment.txt");
    g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "todo");
  }

  /* label + decision in one act */
  run_cli (&run, "label", "--store", f->store, "--item", "sub/b-basn0g01.png", "--actor", "bob",
           "--label", "ok", "--decision", "escalate", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonNode) root = items_json (f, NULL);

    o = find_item (json_node_get_array (root), "sub/b-basn0g01.png");
    g_assert_cmpstr (json_object_get_string_member (o, "decision"), ==, "escalate");
    g_assert_true (json_object_get_boolean_member (o, "flagged"));
  }
}

static void
test_missing_store (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  static const char * const commands[] = { "items", "stats", "export", "verify", "batches" };
  g_autofree char *not_a_store = g_build_filename (f->dir, "notes.txt", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      run_cli (&run, commands[i], "--store", f->store, NULL);
      assert_failed_with (&run, f->store);
      g_assert_cmpstr (run.out, ==, "");
      /* reading never creates a store */
      g_assert_false (g_file_test (f->store, G_FILE_TEST_EXISTS));
    }

  run_cli (&run, "label", "--store", f->dir, "--item", "x", "--actor", "a", "--label", "ok",
           NULL);
  assert_failed_with (&run, NULL);

  /* a file that is not a store is reported and left alone */
  lb_test_write_file (NULL, not_a_store, "just some notes, not SQLite\n", -1);
  run_cli (&run, "items", "--store", not_a_store, NULL);
  assert_failed_with (&run, not_a_store);
  run_cli (&run, "import", "--store", not_a_store, f->folder, NULL);
  assert_failed_with (&run, not_a_store);
  {
    g_autofree char *contents = NULL;

    g_file_get_contents (not_a_store, &contents, NULL, NULL);
    g_assert_cmpstr (contents, ==, "just some notes, not SQLite\n");
  }
}

static void
test_default_store (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *xdg = g_build_filename (f->dir, "xdg", NULL);
  g_autofree char *expected = g_build_filename (xdg, "labelbench", "labelbench.db", NULL);

  run_envp = g_environ_setenv (g_get_environ (), "XDG_DATA_HOME", xdg, TRUE);

  /* reading never creates it */
  run_cli (&run, "items", NULL);
  assert_failed_with (&run, expected);

  run_cli (&run, "import", f->folder, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));

  run_cli (&run, "label", "--item", "c-comment.txt", "--actor", "alice", "--label", "ok", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (&run, "verify", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "OK: 1 event, chain intact\n");

  /* the app's store-path setting (an administrator's) wins over the default,
   * as it does for the app; overlap --set 0 is refused, not ignored */
  {
    g_autofree char *config = g_build_filename (f->dir, "config", NULL);
    g_autofree char *keyfile_dir = g_build_filename (config, "glib-2.0", "settings", NULL);
    g_autofree char *keyfile = NULL;

    g_assert_cmpint (g_mkdir_with_parents (keyfile_dir, 0700), ==, 0);
    keyfile = g_strdup_printf ("[io/github/labelbench/Labelbench]\nstore-path='%s'\n",
                               f->store);
    lb_test_write_file (keyfile_dir, "keyfile", keyfile, -1);
    run_envp = g_environ_setenv (run_envp, "GSETTINGS_BACKEND", "keyfile", TRUE);
    run_envp = g_environ_setenv (run_envp, "XDG_CONFIG_HOME", config, TRUE);
    run_cli (&run, "items", NULL);
    assert_failed_with (&run, f->store);
    run_cli (&run, "import", f->folder, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_file_test (f->store, G_FILE_TEST_IS_REGULAR));
    run_cli (&run, "overlap", "--batch", "photos", "--set", "0", NULL);
    assert_failed_with (&run, "1 to 1000");
    run_cli (&run, "overlap", "--batch", "photos", NULL);
    g_assert_cmpstr (run.out, ==, "1\n");
  }

  g_clear_pointer (&run_envp, g_strfreev);
}

/* While another process (here: this one) has the store open for writing,
 * writes are refused with a clear message and reads still work. */
static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  LbStore *store;

  import_folder (f);

  store = lb_store_open (f->store, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           "--label", "ok", NULL);
  assert_failed_with (&run, NULL);
  run_cli (&run, "import", "--store", f->store, f->folder, NULL);
  assert_failed_with (&run, NULL);

  run_cli (&run, "items", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "c-comment.txt\ttext\ttodo"));

  lb_store_close (store);
  g_object_unref (store);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt", "--actor", "alice",
           "--label", "ok", NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
make_some_events (Fixture *f)
{
  g_auto(LbTestRun) run = { 0 };

  import_folder (f);
  g_assert_cmpint (run_cli (&run, "label", "--store", f->store, "--item", "c-comment.txt",
                            "--actor", "alice", "--label", "ok", "--note", "line\none \"q\"",
                            "--dwell-ms", "1500", NULL), ==, 0);
  g_assert_cmpint (run_cli (&run, "label", "--store", f->store, "--item", "d-中文.txt",
                            "--actor", "李明", "--decision", "reject", "--reason", "abuse",
                            "--dwell-ms", "2500", NULL), ==, 0);
  g_assert_cmpint (run_cli (&run, "label", "--store", f->store, "--item", "a-basn2c08.png",
                            "--actor", "alice", "--label", "spam", "--decision", "approve",
                            "--dwell-ms", "500", NULL), ==, 0);
  g_assert_cmpint (run_cli (&run, "undo", "--store", f->store, "--item", "a-basn2c08.png",
                            "--actor", "alice", NULL), ==, 0);
  g_assert_cmpint (run_cli (&run, "skip", "--store", f->store, "--item", "sub/b-basn0g01.png",
                            "--actor", "alice", NULL), ==, 0);
  /* events: 1 label, 2 note, 3 decision, 4 label, 5 decision, 6 retract, 7 skip */
}

static GPtrArray *
parse_jsonl (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  guint n = g_strv_length (lines);

  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpstr (lines[n - 1], ==, "");  /* every line ends with \n */
  for (guint i = 0; i + 1 < n; i++)
    {
      JsonNode *node = lb_test_parse_json (lines[i]);

      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_ptr_array_add (nodes, node);
    }
  return nodes;
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *out_path = g_build_filename (f->dir, "out", "events.jsonl", NULL);
  g_autofree char *tmp_path = g_strconcat (out_path, ".tmp", NULL);
  const char *prev = "";

  make_some_events (f);

  run_cli (&run, "export", "--store", f->store, "--format", "jsonl", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  events = parse_jsonl (run.out);
  g_assert_cmpuint (events->len, ==, 7);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *o = json_node_get_object (g_ptr_array_index (events, i));
      static const char * const fields[] = {
        "uuid", "seq", "seat", "batch", "item", "actor", "role", "kind", "payload", "time",
        "time_us", "dwell_ms", "act", "prev_hash", "hash",
      };
      static const char * const kinds[] = {
        "label", "note", "decision", "label", "decision", "retract", "skip",
      };
      g_autoptr(GDateTime) dt = NULL;

      for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
        g_assert_true (json_object_has_member (o, fields[k]));
      g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, kinds[i]);
      g_assert_cmpstr (json_object_get_string_member (o, "batch"), ==, "photos");
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "payload")));
      /* the chain */
      g_assert_cmpstr (json_object_get_string_member (o, "prev_hash"), ==, prev);
      prev = json_object_get_string_member (o, "hash");
      g_assert_cmpuint (strlen (prev), ==, 64);
      /* the time is RFC 3339 UTC and agrees with time_us */
      dt = g_date_time_new_from_iso8601 (json_object_get_string_member (o, "time"), NULL);
      g_assert_nonnull (dt);
      g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "time"), "Z"));
      g_assert_cmpint (g_date_time_to_unix (dt) * G_USEC_PER_SEC
                       + g_date_time_get_microsecond (dt), ==,
                       json_object_get_int_member (o, "time_us"));
    }

  {
    JsonObject *o = json_node_get_object (g_ptr_array_index (events, 1));
    JsonObject *payload = json_object_get_object_member (o, "payload");

    g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, "c-comment.txt");
    g_assert_cmpstr (json_object_get_string_member (payload, "text"), ==, "line\none \"q\"");
    g_assert_cmpint (json_object_get_int_member (o, "dwell_ms"), ==, 1500);
    g_assert_cmpint (json_object_get_int_member (o, "act"), ==, 1);

    o = json_node_get_object (g_ptr_array_index (events, 2));
    g_assert_cmpstr (json_object_get_string_member (o, "actor"), ==, "李明");
    g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, "d-中文.txt");
    payload = json_object_get_object_member (o, "payload");
    g_assert_cmpstr (json_object_get_string_member (payload, "decision"), ==, "reject");
    g_assert_cmpstr (json_object_get_string_member (payload, "reason"), ==, "abuse");
  }

  /* to a file, atomically: no .tmp left behind */
  {
    g_autofree char *out_dir = g_path_get_dirname (out_path);
    g_mkdir_with_parents (out_dir, 0755);
  }
  run_cli (&run, "export", "--store", f->store, "--format", "jsonl", "-o", out_path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_false (g_file_test (tmp_path, G_FILE_TEST_EXISTS));
  {
    g_autofree char *contents = NULL;
    g_autoptr(GPtrArray) again = NULL;

    g_assert_true (g_file_get_contents (out_path, &contents, NULL, NULL));
    again = parse_jsonl (contents);
    g_assert_cmpuint (again->len, ==, 7);
  }

  /* only the newer events */
  run_cli (&run, "export", "--store", f->store, "--format", "jsonl", "--after-seq", "5", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(GPtrArray) tail = parse_jsonl (run.out);

    g_assert_cmpuint (tail->len, ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (tail->pdata[0]), "seq"),
                     ==, 6);
  }

  /* an unknown format names the supported ones and writes nothing */
  g_unlink (out_path);
  run_cli (&run, "export", "--store", f->store, "--format", "xml", "-o", out_path, NULL);
  assert_failed_with (&run, "xml");
  g_assert_nonnull (strstr (run.err, "jsonl"));
  g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));

  /* a folder that does not exist */
  run_cli (&run, "export", "--store", f->store, "-o", "/nonexistent/dir/events.jsonl", NULL);
  assert_failed_with (&run, "/nonexistent/dir/events.jsonl");
}

static void
test_stats (Fixture       *f,
            gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;

  make_some_events (f);

  run_cli (&run, "stats", "--store", f->store, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = lb_test_parse_json (run.out);
  o = json_node_get_object (root);

  g_assert_cmpint (lb_test_json_int (o, "items"), ==, 4);
  g_assert_cmpint (lb_test_json_int (o, "done"), ==, 2);
  g_assert_cmpint (lb_test_json_int (o, "skipped"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "todo"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "flagged"), ==, 0);
  g_assert_cmpint (lb_test_json_int (o, "events"), ==, 7);
  g_assert_cmpint (lb_test_json_int (o, "labels.ok"), ==, 1);
  g_assert_false (json_object_has_member (json_object_get_object_member (o, "labels"), "spam"));
  g_assert_cmpint (lb_test_json_int (o, "decisions.reject"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "reasons.abuse"), ==, 1);
  /* alice: label+note act (1500 ms), label+decision act (500 ms), retract, skip (0 ms) */
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.items"), ==, 3);
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.events"), ==, 6);
  g_assert_cmpint (lb_test_json_int (o, "actors.alice.dwell_ms"), ==, 2000);
  g_assert_cmpint (lb_test_json_int (o, "actors.李明.items"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "actors.李明.events"), ==, 1);
  g_assert_cmpint (lb_test_json_int (o, "actors.李明.dwell_ms"), ==, 2500);

  /* plain table */
  run_cli (&run, "stats", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Items"));
  g_assert_nonnull (strstr (run.out, "李明"));
  g_assert_nonnull (strstr (run.out, "abuse"));

  /* one batch only */
  run_cli (&run, "stats", "--store", f->store, "--json", "--batch", "photos", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonNode) b = lb_test_parse_json (run.out);
    g_assert_cmpint (lb_test_json_int (json_node_get_object (b), "items"), ==, 4);
  }
  run_cli (&run, "stats", "--store", f->store, "--batch", "nope", NULL);
  assert_failed_with (&run, "nope");
}

static void
tamper (const char *store_path,
        gint64      seq)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = NULL;
  char *errmsg = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open_v2 (store_path, &db, SQLITE_OPEN_READWRITE, NULL), ==,
                   SQLITE_OK);
  /* the store refuses updates of events by a trigger; an attacker drops it */
  sql = g_strdup_printf ("DROP TRIGGER IF EXISTS events_no_update;"
                         "UPDATE events SET payload = '{\"labels\":[\"ok\"]}' WHERE seq = %"
                         G_GINT64_FORMAT ";", seq);
  rc = sqlite3_exec (db, sql, NULL, NULL, &errmsg);
  if (rc != SQLITE_OK)
    g_error ("tampering failed: %s", errmsg);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  const char *uuid;

  make_some_events (f);

  run_cli (&run, "verify", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "OK: 7 events, chain intact\n");

  run_cli (&run, "export", "--store", f->store, "--after-seq", "3", NULL);
  g_assert_cmpint (run.status, ==, 0);
  node = lb_test_parse_json (strtok (run.out, "\n"));
  uuid = json_object_get_string_member (json_node_get_object (node), "uuid");

  tamper (f->store, 4);

  run_cli (&run, "verify", "--store", f->store, NULL);
  assert_failed_with (&run, uuid);
  g_assert_cmpstr (run.out, ==, "");
}

static void
test_bench_quick (void)
{
  g_auto(LbTestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lb-test-bench-XXXXXX", &error);
  GDir *d;

  g_assert_no_error (error);
  run_cli (&run, "bench", "--quick", "--dir", dir, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_nonnull (strstr (run.out, "\nimport 10000 rows: "));
  g_assert_nonnull (strstr (run.out, "items/s (target ≥ 200000/s)"));
  g_assert_true (strstr (run.out, "sqlite3 .import of the same rows: ")
                 || strstr (run.out, "sqlite3 reference: not available"));
  g_assert_nonnull (strstr (run.out, "\ndurable commit, 200 submits"));
  g_assert_nonnull (strstr (run.out, "(target p99 ≤ 5 ms)"));
  g_assert_nonnull (strstr (run.out, "\nPNG decode 640x480"));
  g_assert_nonnull (strstr (run.out, "(target ≥ 50 MP/s)"));
  g_assert_nonnull (strstr (run.out, "\nJPEG (quality 90) decode 640x480"));
  g_assert_nonnull (strstr (run.out, "(target ≥ 150 MP/s)"));
  g_assert_nonnull (strstr (run.out, "\nJSONL export, one pass over the store's 400 events"));
  g_assert_nonnull (strstr (run.out, " passes over the 400 events) to /dev/null: "));

  /* it cleaned up after itself */
  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (d));
  g_dir_close (d);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/help", test_help);
  g_test_add_func ("/cli/translations", test_translations);
  g_test_add ("/cli/import/folder", Fixture, NULL, fixture_set_up, test_import_folder,
              fixture_tear_down);
  g_test_add ("/cli/import/manifest", Fixture, NULL, fixture_set_up, test_import_manifest,
              fixture_tear_down);
  g_test_add ("/cli/label-undo", Fixture, NULL, fixture_set_up, test_label_undo,
              fixture_tear_down);
  g_test_add ("/cli/missing-store", Fixture, NULL, fixture_set_up, test_missing_store,
              fixture_tear_down);
  g_test_add ("/cli/default-store", Fixture, NULL, fixture_set_up, test_default_store,
              fixture_tear_down);
  g_test_add ("/cli/locked", Fixture, NULL, fixture_set_up, test_locked, fixture_tear_down);
  g_test_add ("/cli/relocate", Fixture, NULL, fixture_set_up, test_relocate, fixture_tear_down);
  g_test_add ("/cli/export", Fixture, NULL, fixture_set_up, test_export, fixture_tear_down);
  g_test_add ("/cli/stats", Fixture, NULL, fixture_set_up, test_stats, fixture_tear_down);
  g_test_add ("/cli/verify", Fixture, NULL, fixture_set_up, test_verify, fixture_tear_down);
  g_test_add_func ("/cli/bench-quick", test_bench_quick);

  return g_test_run ();
}
