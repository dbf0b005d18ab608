/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-cli-fixes"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "lb-test-support.h"

/* labelbench-cli: only import makes a store, export -o never writes over
 * the store, an import that finds nothing fails, a batch name taken by
 * another folder. */

typedef struct {
  char *dir;
  char *store;
} Fixture;

#define run_cli(run, ...) lb_test_run_cli ((run), NULL, __VA_ARGS__)

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-test-cli-fixes");
  f->store = g_build_filename (f->dir, "store.db", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->store);
}

static void
assert_err_has (LbTestRun  *run,
                const char *fragment)
{
  if (strstr (run->err, fragment) == NULL)
    g_error ("stderr “%s” does not mention “%s”", run->err, fragment);
}

static void
import_texts (Fixture *f)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *manifest = g_build_filename (f->dir, "t.jsonl", NULL);

  lb_test_write_file (NULL, manifest, "{\"id\": \"a\", \"text\": \"one\"}\n", -1);
  run_cli (&run, "import", "--store", f->store, manifest, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
test_no_store_made (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *typo = g_build_filename (f->dir, "typo.db", NULL);
  g_autofree char *typo_lock = g_strconcat (typo, ".lock", NULL);
  static const char *const commands[] = { "label", "undo", "redo" };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (i == 0)
        run_cli (&run, commands[i], "--store", typo, "--item", "a", "--actor", "ann",
                 "--label", "ok", NULL);
      else
        run_cli (&run, commands[i], "--store", typo, "--item", "a", "--actor", "ann", NULL);
      g_assert_cmpint (run.status, ==, 1);
      assert_err_has (&run, typo);
      g_assert_false (g_file_test (typo, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (typo_lock, G_FILE_TEST_EXISTS));
    }
}

static void
test_export_over_store (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *wal = g_strconcat (f->store, "-wal", NULL);
  g_autofree char *lock = g_strconcat (f->store, ".lock", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link.db", NULL);
  g_autofree char *out = g_build_filename (f->dir, "events.jsonl", NULL);
  g_autofree char *old_tmp = g_strconcat (out, ".tmp", NULL);
  g_autofree char *contents = NULL;
  const char *targets[] = { f->store, wal, lock, link };
  g_autoptr(GDir) dir = NULL;
  const char *name;

  import_texts (f);
  g_assert_cmpint (symlink (f->store, link), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      run_cli (&run, "export", "--store", f->store, "-o", targets[i], NULL);
      g_assert_cmpint (run.status, ==, 1);
      assert_err_has (&run, "is the store");
    }
  run_cli (&run, "verify", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* a FILE.tmp of someone else's is left alone; no temporary file stays */
  lb_test_write_file (NULL, old_tmp, "mine\n", -1);
  run_cli (&run, "export", "--store", f->store, "-o", out, NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autofree char *said = g_strdup_printf ("Exported 0 events to %s\n", out);
    g_assert_cmpstr (run.err, ==, said);
  }
  g_assert_true (g_file_get_contents (old_tmp, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine\n");
  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, ".events.jsonl."));
}

static void
test_import_nothing (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *empty = g_build_filename (f->dir, "empty.jsonl", NULL);
  g_autofree char *header = g_build_filename (f->dir, "header.csv", NULL);
  g_autofree char *message = NULL;

  import_texts (f);
  lb_test_write_file (NULL, empty, "", -1);
  lb_test_write_file (NULL, header, "id,text\n", -1);

  run_cli (&run, "import", "--store", f->store, empty, NULL);
  g_assert_cmpint (run.status, ==, 1);
  message = g_strdup_printf ("labelbench-cli: %s: no items found\n", empty);
  g_assert_cmpstr (run.err, ==, message);
  g_assert_cmpstr (run.out, ==, "");

  run_cli (&run, "import", "--store", f->store, header, NULL);
  g_assert_cmpint (run.status, ==, 1);

  run_cli (&run, "batches", "--store", f->store, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "empty"));
  g_assert_null (strstr (run.out, "header"));
}

static void
test_import_renamed (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *x1 = g_build_filename (f->dir, "x1", "photos", NULL);
  g_autofree char *x2 = g_build_filename (f->dir, "x2", "photos", NULL);
  g_autofree char *message = NULL;

  lb_test_write_file (x1, "a.txt", "one", -1);
  lb_test_write_file (x2, "a.txt", "two", -1);

  run_cli (&run, "import", "--store", f->store, x1, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (&run, "import", "--store", f->store, x2, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==,
                   "Imported 1 item into batch photos-2 (0 already present)\n"
                   "A batch “photos” of another folder is in the store already: this one was "
                   "named “photos-2” (choose a name with --name)\n");

  run_cli (&run, "import", "--store", f->store, "--name", "photos", x2, NULL);
  g_assert_cmpint (run.status, ==, 1);
  message = g_strdup_printf ("labelbench-cli: batch “photos” already exists for %s; choose "
                             "another name with --name\n", x1);
  g_assert_cmpstr (run.err, ==, message);
}

/* A schema with labels but no reasons (a schema.json, a Label Studio
 * config): the default Reject needs no reason; a file whose decision asks
 * for one without reasons is refused at import, naming the decision */
static void
test_reject_without_reasons (Fixture       *f,
                             gconstpointer  data)
{
  g_auto(LbTestRun) run = { 0 };
  g_autofree char *folder = g_build_filename (f->dir, "plain", NULL);
  g_autofree char *manifest = g_build_filename (f->dir, "ls.jsonl", NULL);
  g_autofree char *config = g_build_filename (f->dir, "config.xml", NULL);
  g_autofree char *asks = g_build_filename (f->dir, "asks.json", NULL);
  g_autofree char *message = NULL;

  lb_test_write_file (folder, "a.txt", "one", -1);
  lb_test_write_file (folder, "schema.json", "{\"labels\": [{\"id\": \"ok\"}]}", -1);
  run_cli (&run, "import", "--store", f->store, folder, NULL);
  g_assert_cmpint (run.status, ==, 0);

  run_cli (&run, "label", "--store", f->store, "--item", "a.txt", "--actor", "ann",
           "--decision", "reject", NULL);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);

  /* a Label Studio labeling config has no reasons either */
  lb_test_write_file (NULL, manifest, "{\"id\": \"t1\", \"text\": \"hello\"}\n", -1);
  lb_test_write_file (NULL, config,
                      "<View><Text name=\"text\" value=\"$text\"/>"
                      "<Choices name=\"c\" toName=\"text\"><Choice value=\"Good\"/></Choices>"
                      "</View>", -1);
  run_cli (&run, "import", "--store", f->store, "--schema", config, manifest, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (&run, "label", "--store", f->store, "--item", "t1", "--actor", "ann",
           "--decision", "reject", NULL);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);

  /* asking for a reason without reasons: refused, nothing imported */
  lb_test_write_file (NULL, asks, "{\"labels\": [{\"id\": \"ok\"}], \"decisions\":"
                      " [{\"id\": \"remove\", \"needs_reason\": true}]}", -1);
  run_cli (&run, "import", "--store", f->store, "--schema", asks, "--name", "asks", manifest,
           NULL);
  g_assert_cmpint (run.status, ==, 1);
  message = g_strdup_printf ("labelbench-cli: The label schema is not usable: %s: "
                             "decisions[0].needs_reason: decision “remove” needs a reason, but "
                             "the schema has no “reasons”\n", asks);
  g_assert_cmpstr (run.err, ==, message);
  run_cli (&run, "batches", "--store", f->store, NULL);
  g_assert_null (strstr (run.out, "asks"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/fixes/no-store-made", Fixture, NULL, fixture_set_up, test_no_store_made,
              fixture_tear_down);
  g_test_add ("/cli/fixes/export-over-store", Fixture, NULL, fixture_set_up,
              test_export_over_store, fixture_tear_down);
  g_test_add ("/cli/fixes/import-nothing", Fixture, NULL, fixture_set_up, test_import_nothing,
              fixture_tear_down);
  g_test_add ("/cli/fixes/import-renamed", Fixture, NULL, fixture_set_up, test_import_renamed,
              fixture_tear_down);
  g_test_add ("/cli/fixes/reject-without-reasons", Fixture, NULL, fixture_set_up,
              test_reject_without_reasons, fixture_tear_down);

  return g_test_run ();
}
