/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-bundle"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-test-support.h"

/* End to end through $LB_CLI: two seats import the same manifest and label
 * it, each exports a seat bundle (export --format bundle), and the lead's
 * store merges both with import; merging again adds nothing, and a cut
 * bundle is refused naming the file and line. */

typedef struct {
  char *dir;
  char *manifest;
  char *seat_a;
  char *seat_b;
  char *lead;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("test-cli-bundle");
  f->manifest = g_build_filename (f->dir, "batch", "comments.jsonl", NULL);
  f->seat_a = g_build_filename (f->dir, "a.db", NULL);
  f->seat_b = g_build_filename (f->dir, "b.db", NULL);
  f->lead = g_build_filename (f->dir, "lead.db", NULL);

  lb_test_write_file (NULL, f->manifest,
                      "{\"id\": \"c1\", \"text\": \"first comment\"}\n"
                      "{\"id\": \"c2\", \"text\": \"第二条评论\"}\n"
                      "{\"id\": \"c3\", \"text\": \"third comment\"}\n", -1);
  lb_test_write_file (f->dir, "batch/schema.json", lb_test_comment_schema_json, -1);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->manifest);
  g_free (f->seat_a);
  g_free (f->seat_b);
  g_free (f->lead);
}

static void
import_manifest (Fixture    *f,
                 const char *store)
{
  g_auto(LbTestRun) run = { 0, };
  g_autofree char *schema = g_build_filename (f->dir, "batch", "schema.json", NULL);

  lb_test_run_cli (&run, NULL, "import", "--store", store, "--name", "comments",
                   "--schema", schema, f->manifest, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Imported 3 items into batch comments (0 already present)\n");
}

static void
label (const char *store,
       const char *item,
       const char *actor,
       const char *label_id,
       const char *decision)
{
  g_auto(LbTestRun) run = { 0, };

  if (decision != NULL)
    lb_test_run_cli (&run, NULL, "label", "--store", store, "--batch", "comments", "--item",
                     item, "--actor", actor, "--label", label_id, "--decision", decision, NULL);
  else
    lb_test_run_cli (&run, NULL, "label", "--store", store, "--batch", "comments", "--item",
                     item, "--actor", actor, "--label", label_id, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static char *
export_bundle (Fixture    *f,
               const char *store,
               const char *name)
{
  g_auto(LbTestRun) run = { 0, };
  char *path = g_build_filename (f->dir, name, NULL);

  lb_test_run_cli (&run, NULL, "export", "--store", store, "--format", "bundle", "-o", path,
                   NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  return path;
}

/* The items of STORE as "id:labels:decision:actor" lines */
static char *
items_summary (const char *store)
{
  g_auto(LbTestRun) run = { 0, };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  JsonArray *items;

  lb_test_run_cli (&run, NULL, "items", "--store", store, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = lb_test_parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  items = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);
      JsonArray *labels = json_object_get_array_member (o, "labels");

      g_string_append_printf (s, "%s:%s:%s:%s:%s\n",
                              json_object_get_string_member (o, "id"),
                              json_object_get_string_member (o, "state"),
                              json_array_get_length (labels) > 0
                                ? json_array_get_string_element (labels, 0) : "-",
                              json_object_get_string_member_with_default (o, "decision", "-"),
                              json_object_get_string_member_with_default (o, "actor", "-"));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The lines of TEXT, sorted */
static char *
sorted_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  qsort (lines, g_strv_length (lines), sizeof (char *), compare_lines);
  return g_strjoinv ("\n", lines);
}

/* The events of STORE as "uuid hash actor time_us payload" lines, sorted */
static char *
events_summary (const char *store)
{
  g_auto(LbTestRun) run = { 0, };
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) s = g_string_new (NULL);

  lb_test_run_cli (&run, NULL, "export", "--store", store, "--format", "jsonl", NULL);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      JsonObject *o;

      if (*lines[i] == '\0')
        continue;
      node = lb_test_parse_json (lines[i]);
      o = json_node_get_object (node);
      g_ptr_array_add (rows, g_strdup_printf ("%s %s %s %" G_GINT64_FORMAT " %s",
                                              json_object_get_string_member (o, "uuid"),
                                              json_object_get_string_member (o, "hash"),
                                              json_object_get_string_member (o, "actor"),
                                              json_object_get_int_member (o, "time_us"),
                                              json_object_get_string_member (o, "kind")));
    }
  g_ptr_array_sort (rows, compare_lines);
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (s, "%s\n", (char *) g_ptr_array_index (rows, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
assert_verifies (const char *store)
{
  g_auto(LbTestRun) run = { 0, };

  lb_test_run_cli (&run, NULL, "verify", "--store", store, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
test_merge (Fixture       *f,
            gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };
  g_autofree char *bundle_a = NULL;
  g_autofree char *bundle_b = NULL;
  g_autofree char *items = NULL;
  g_autofree char *events_a = NULL;
  g_autofree char *events_b = NULL;
  g_autofree char *events_lead = NULL;
  g_autofree char *both = NULL;
  g_autofree char *lead_sorted = NULL;
  g_autoptr(GString) expected = NULL;

  import_manifest (f, f->seat_a);
  import_manifest (f, f->seat_b);
  label (f->seat_a, "c1", "alice", "ok", "approve");  /* 2 events */
  label (f->seat_a, "c2", "alice", "spam", NULL);     /* 1 */
  label (f->seat_b, "c3", "bob", "ok", NULL);         /* 1 */

  bundle_a = export_bundle (f, f->seat_a, "a.lbbundle");
  bundle_b = export_bundle (f, f->seat_b, "b.lbbundle");

  lb_test_run_cli (&run, NULL, "import", "--store", f->lead, bundle_a, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "3 events merged, 0 already present\n");
  lb_test_run_cli (&run, NULL, "import", "--store", f->lead, bundle_b, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "1 event merged, 0 already present\n");
  assert_verifies (f->lead);

  /* the same events (uuid, hash, actor, time) and the same states */
  events_a = events_summary (f->seat_a);
  events_b = events_summary (f->seat_b);
  events_lead = events_summary (f->lead);
  expected = g_string_new (events_a);
  g_string_append (expected, events_b);
  both = sorted_lines (expected->str);
  lead_sorted = sorted_lines (events_lead);
  g_assert_cmpstr (lead_sorted, ==, both);
  g_assert_cmpuint (strlen (both), >, 0);

  items = items_summary (f->lead);
  g_assert_cmpstr (items, ==,
                   "c1:done:ok:approve:alice\n"
                   "c2:done:spam:-:alice\n"
                   "c3:done:ok:-:bob\n");

  /* again: nothing new */
  lb_test_run_cli (&run, NULL, "import", "--store", f->lead, bundle_a, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "0 events merged, 3 already present\n");
  assert_verifies (f->lead);

  /* a bundle keeps its batches' names and schemas */
  lb_test_run_cli (&run, NULL, "import", "--store", f->lead, "--name", "x", bundle_a, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "bundle"));
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0, };
  g_autofree char *bundle = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cut = g_build_filename (f->dir, "cut.lbbundle", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len = 0;

  import_manifest (f, f->seat_a);
  import_manifest (f, f->lead);
  label (f->seat_a, "c1", "alice", "ok", "approve");
  label (f->seat_a, "c2", "alice", "spam", NULL);
  bundle = export_bundle (f, f->seat_a, "a.lbbundle");

  g_assert_true (g_file_get_contents (bundle, &text, &len, NULL));
  lb_test_write_file (NULL, cut, text, len - 40);  /* inside the trailer */

  before = items_summary (f->lead);
  lb_test_run_cli (&run, NULL, "import", "--store", f->lead, cut, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, cut));
  g_assert_nonnull (strstr (run.err, "line 8"));  /* header, batch, 2 items, 3 events, trailer */
  after = items_summary (f->lead);
  g_assert_cmpstr (after, ==, before);
  assert_verifies (f->lead);

  /* the whole bundle merges into the store that has the batch already */
  lb_test_run_cli (&run, NULL, "import", "--store", f->lead, bundle, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "3 events merged, 0 already present\n");
  assert_verifies (f->lead);
}

#define ADD(name, func) \
  g_test_add ("/cli/bundle/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("merge", test_merge);
  ADD ("refused", test_refused);

  return g_test_run ();
}
