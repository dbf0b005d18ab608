/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-import-fixes"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "lb-import.h"
#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-test-support.h"

/* Batches are told apart by their folder, re-imports keep the schema, and
 * what an import refuses: empty imports, NUL characters, unusable ids. */

typedef struct {
  char    *dir;
  LbStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;

  f->dir = lb_test_make_tmpdir ("lb-import-fixes");
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

static LbImportReport *
import (Fixture    *f,
        const char *path,
        const char *name,
        const char *schema,
        GError    **error)
{
  LbImportOptions options = { name, schema };

  return lb_import (f->store, path, &options, NULL, NULL, NULL, error);
}

static guint
n_batches (Fixture *f)
{
  g_autoptr(GPtrArray) batches = lb_store_list_batches (f->store, NULL);

  g_assert_nonnull (batches);
  return batches->len;
}

static gboolean
has_rejection (LbImportReport *report,
               const char     *text)
{
  for (guint i = 0; i < report->rejections->len; i++)
    if (g_strcmp0 (g_ptr_array_index (report->rejections, i), text) == 0)
      return TRUE;
  return FALSE;
}

/* x1/photos and x2/photos are two batches; a --name that is taken by
 * another folder is refused; a changed file is a rejection */
static void
test_same_name_other_folder (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *x1 = g_build_filename (f->dir, "x1", "photos", NULL);
  g_autofree char *x2 = g_build_filename (f->dir, "x2", "photos", NULL);
  g_autofree char *x3 = g_build_filename (f->dir, "x3", "photos", NULL);
  g_autofree char *a1 = lb_test_copy_pngsuite ("basn2c08.png", x1, "a.png");
  g_autofree char *a2 = lb_test_copy_pngsuite ("basn0g01.png", x2, "a.png");
  g_autofree char *a3 = lb_test_copy_pngsuite ("basn0g01.png", x3, "a.png");
  g_autofree char *message = NULL;
  g_autoptr(LbImportReport) r1 = NULL;
  g_autoptr(LbImportReport) r2 = NULL;
  g_autoptr(LbImportReport) again = NULL;
  g_autoptr(LbImportReport) r3 = NULL;
  g_autoptr(LbImportReport) changed = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(GError) error = NULL;

  r1 = import (f, x1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r1->batch_name, ==, "photos");
  g_assert_null (r1->renamed_from);
  g_assert_cmpuint (r1->n_added, ==, 1);

  /* a derived name that is taken: the next free one, said in the report */
  r2 = import (f, x2, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r2->batch_name, ==, "photos-2");
  g_assert_cmpstr (r2->renamed_from, ==, "photos");
  g_assert_cmpuint (r2->n_added, ==, 1);
  g_assert_cmpuint (r2->n_existing, ==, 0);
  g_assert_cmpint (r2->batch_id, !=, r1->batch_id);
  item = lb_test_find_item (f->store, "photos-2", "a.png");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, a2);
  g_clear_object (&item);
  item = lb_test_find_item (f->store, "photos", "a.png");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, a1);

  /* importing x2 again finds its own batch */
  again = import (f, x2, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->batch_name, ==, "photos-2");
  g_assert_cmpint (again->batch_id, ==, r2->batch_id);
  g_assert_cmpuint (again->n_existing, ==, 1);
  g_assert_cmpuint (n_batches (f), ==, 2);

  /* a name the user gave is never changed */
  r3 = import (f, x3, "photos", NULL, &error);
  g_assert_null (r3);
  g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID);
  message = g_strdup_printf ("batch “photos” already exists for %s; choose another name "
                             "with --name", x1);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_assert_cmpuint (n_batches (f), ==, 2);
  g_assert_cmpuint (lb_store_count_items (f->store, r1->batch_id, LB_ITEM_FILTER_ALL), ==, 1);

  /* the same id with other content: a rejection, not "already present" */
  g_free (lb_test_copy_pngsuite ("basn0g01.png", x1, "a.png"));
  changed = import (f, x1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changed->n_added, ==, 0);
  g_assert_cmpuint (changed->n_existing, ==, 0);
  g_assert_cmpuint (changed->rejections->len, ==, 1);
  g_free (message);
  message = g_strdup_printf ("%s/a.png: item “a.png” is already in the batch with different "
                             "content", x1);
  g_assert_cmpstr (g_ptr_array_index (changed->rejections, 0), ==, message);
  g_clear_object (&item);
  item = lb_test_find_item (f->store, "photos", "a.png");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, a1);
}

#define SCHEMA_A \
  "{\"name\": \"A\", \"labels\": [{\"id\": \"a\", \"title\": \"A\", \"hotkey\": \"1\"}]}"
#define SCHEMA_B \
  "{\"name\": \"B\", \"labels\": [{\"id\": \"b\", \"title\": \"B\", \"hotkey\": \"1\"}]}"

/* no schema given: the batch keeps its own; another one is refused once
 * there are decisions, and taken while there are none */
static void
test_schema_kept (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *manifest = g_build_filename (f->dir, "cs.jsonl", NULL);
  g_autofree char *schema_a = g_build_filename (f->dir, "a.schema.json", NULL);
  g_autofree char *schema_b = g_build_filename (f->dir, "b.schema.json", NULL);
  const char *labels[] = { "a", NULL };
  LbSubmission submission = { .labels = labels };
  g_autoptr(LbImportReport) r = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(GError) error = NULL;

  lb_test_write_file (NULL, manifest, "{\"id\": \"c1\", \"text\": \"one\"}\n", -1);
  lb_test_write_file (NULL, schema_a, SCHEMA_A, -1);
  lb_test_write_file (NULL, schema_b, SCHEMA_B, -1);

  r = import (f, manifest, NULL, schema_a, &error);
  g_assert_no_error (error);
  g_clear_pointer (&r, lb_import_report_free);

  /* no events yet: another schema replaces it */
  r = import (f, manifest, NULL, schema_b, &error);
  g_assert_no_error (error);
  schema = lb_store_get_batch_schema (f->store, r->batch_id, &error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "B");
  g_clear_pointer (&schema, lb_schema_unref);
  g_clear_pointer (&r, lb_import_report_free);

  r = import (f, manifest, NULL, schema_a, &error);
  g_assert_no_error (error);
  item = lb_test_find_item (f->store, "cs", "c1");
  g_assert_true (lb_store_submit (f->store, lb_item_get_id (item), "ann", &submission, &error));
  g_assert_no_error (error);
  g_clear_pointer (&r, lb_import_report_free);

  /* none given: kept (it used to become the default schema) */
  lb_test_write_file (NULL, manifest, "{\"id\": \"c1\", \"text\": \"one\"}\n"
                      "{\"id\": \"c2\", \"text\": \"two\"}\n", -1);
  r = import (f, manifest, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_added, ==, 1);
  schema = lb_store_get_batch_schema (f->store, r->batch_id, &error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "A");
  g_clear_pointer (&schema, lb_schema_unref);
  g_clear_pointer (&r, lb_import_report_free);

  /* another one with decisions made: refused, nothing imported */
  lb_test_write_file (NULL, manifest, "{\"id\": \"c3\", \"text\": \"three\"}\n", -1);
  r = import (f, manifest, NULL, schema_b, &error);
  g_assert_null (r);
  g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "batch “cs” already has decisions under another schema; "
                                       "import under a new --name");
  g_clear_error (&error);
  g_assert_cmpuint (lb_store_count_items (f->store, 0, LB_ITEM_FILTER_ALL), ==, 2);
  schema = lb_store_get_batch_schema (f->store, lb_item_get_batch_id (item), &error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "A");
}

/* nothing in the manifest or folder: an error, and no batch */
static void
test_nothing_found (Fixture       *f,
                    gconstpointer  data)
{
  const char *files[] = { "empty.jsonl", "", "header.csv", "id,text\n", "blank.jsonl", "\n\n" };
  g_autofree char *folder = g_build_filename (f->dir, "nothing", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (files); i += 2)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i], NULL);
      g_autofree char *message = g_strdup_printf ("%s: no items found", path);

      lb_test_write_file (NULL, path, files[i + 1], -1);
      g_assert_null (import (f, path, NULL, NULL, &error));
      g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, message);
      g_clear_error (&error);
    }

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_null (import (f, folder, NULL, NULL, &error));
  expected = g_strdup_printf ("%s: no items found", folder);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpuint (n_batches (f), ==, 0);
}

/* \u0000 in a string, ids with control characters or only spaces, texts of
 * white space only: rejected with the line */
static void
test_refused_strings (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *manifest = g_build_filename (f->dir, "s.jsonl", NULL);
  static const char *const lines[] = {
    "{\"id\": \"ok\", \"text\": \"fine \\\\u0000 is no NUL here\"}",     /* 1 */
    "{\"id\": \"c\", \"text\": \"has\\u0000nul\"}",                     /* 2: fast path */
    "{\"id\": \"d\", \"text\": \"has\\u0000nul\", \"meta\": {\"a\": [1]}}", /* 3 */
    "{\"id\": \"e\", \"text\": \"x\", \"meta\": {\"a\": \"\\u0000\"}}", /* 4 */
    "{\"id\": \"f\\u0000g\", \"text\": \"x\"}",                         /* 5 */
    "{\"id\": \"tab\\there\", \"text\": \"x\"}",                        /* 6 */
    "{\"id\": \"line\\nbreak\", \"text\": \"x\"}",                      /* 7 */
    "{\"id\": \"   \", \"text\": \"x\"}",                               /* 8 */
    "{\"id\": \"w\", \"text\": \" \\t\\n \"}",                          /* 9 */
    "{\"id\": 42, \"text\": \"an integer id\"}",                        /* 10 */
  };
  static const char *const expected[] = {
    "2: “text” contains a NUL character",
    "3: “text” contains a NUL character",
    "4: “meta” contains a NUL character",
    "5: “id” contains a NUL character",
    "6: “id” contains a control character (tab, new line, ...)",
    "7: “id” contains a control character (tab, new line, ...)",
    "8: “id” is empty",
    "9: text is empty (only white space)",
  };
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(LbImportReport) r = NULL;
  g_autoptr(LbItem) ok = NULL;
  g_autoptr(LbItem) number = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_string_append_printf (contents, "%s\n", lines[i]);
  lb_test_write_file (NULL, manifest, contents->str, -1);

  r = import (f, manifest, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_added, ==, 2);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *full = g_strdup_printf ("%s:%s", manifest, expected[i]);

      if (!has_rejection (r, full))
        g_error ("no rejection “%s”", full);
    }
  g_assert_cmpuint (r->rejections->len, ==, G_N_ELEMENTS (expected));

  ok = lb_test_find_item (f->store, "s", "ok");
  g_assert_cmpstr (lb_item_get_text (ok), ==, "fine \\u0000 is no NUL here");
  number = lb_test_find_item (f->store, "s", "42");
  g_assert_cmpstr (lb_item_get_text (number), ==, "an integer id");
}

static void
assert_rejections (LbImportReport     *report,
                   const char         *file,
                   const char * const *expected,
                   guint               n_expected)
{
  for (guint i = 0; i < n_expected; i++)
    {
      g_autofree char *full = g_strdup_printf ("%s:%s", file, expected[i]);

      if (!has_rejection (report, full))
        {
          for (guint j = 0; j < report->rejections->len; j++)
            g_printerr ("  %s\n", (char *) g_ptr_array_index (report->rejections, j));
          g_error ("no rejection “%s”", full);
        }
    }
  g_assert_cmpuint (report->rejections->len, ==, n_expected);
}

/* A gold answer is checked against the schema the items are answered in:
 * an unknown label, decision or reason (which would mark every annotator
 * wrong) rejects the line, in JSONL ("gold" or "meta".gold, both paths) and
 * CSV ("meta" column); a re-import checks against the batch's schema */
static void
test_gold_checked (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *manifest = g_build_filename (f->dir, "g.jsonl", NULL);
  g_autofree char *more = g_build_filename (f->dir, "more.jsonl", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "c.csv", NULL);
  g_autofree char *schema = g_build_filename (f->dir, "comment.schema.json", NULL);
  g_autofree char *labels_only = g_build_filename (f->dir, "ab.schema.json", NULL);
  static const char *const lines[] = {
    "{\"id\": \"g1\", \"text\": \"t\", \"gold\": {\"labels\": [\"spam\"],"
    " \"decision\": \"reject\", \"reason\": \"abuse/insult\"}}",                 /* 1 */
    "{\"id\": \"g2\", \"text\": \"t\", \"gold\": {\"labels\": [\"nonexistent\"]}}",  /* 2 */
    "{\"id\": \"g3\", \"text\": \"t\", \"gold\": {\"decision\": \"ban\"}}",        /* 3 */
    "{\"id\": \"g4\", \"text\": \"t\", \"gold\": {\"decision\": \"reject\","
    " \"reason\": \"rude\"}}",                                                    /* 4 */
    "{\"id\": \"g5\", \"text\": \"t\", \"meta\": {\"gold\": {\"labels\": [\"nope\"]}}}",
    "{\"id\": \"g6\", \"text\": \"t\", \"gold\": {\"labels\": \"spam\"}}",         /* 6 */
    "{\"id\": \"g7\", \"text\": \"t\", \"gold\": {}}",                             /* 7 */
    "{\"id\": \"g8\", \"text\": \"t\", \"gold\": {\"decision\": 1}}",              /* 8 */
    "{\"id\": \"g9\", \"text\": \"t\", \"meta\": {\"src\": \"x\","
    " \"gold\": {\"labels\": [\"ok\", \"spam\"], \"decision\": null}}}",             /* 9 */
  };
  static const char *const expected[] = {
    "2: gold answer: unknown label “nonexistent”",
    "3: gold answer: unknown decision “ban”",
    "4: gold answer: unknown reason “rude”",
    "5: gold answer: unknown label “nope”",
    "6: gold answer: “labels” is not an array of label ids",
    "7: gold answer: it gives no “labels”, “decision” or “reason”",
    "8: gold answer: “decision” is not a string",
  };
  static const char *const expected_more[] = {
    "2: gold answer: unknown label “relevant”",
  };
  static const char *const expected_csv[] = {
    "3: gold answer: unknown label “nonexistent”",
    "4: gold answer: several labels, but the schema allows one per item",
  };
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(LbImportReport) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) g1 = NULL;
  g_autoptr(LbItem) h1 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_string_append_printf (contents, "%s\n", lines[i]);
  lb_test_write_file (NULL, manifest, contents->str, -1);
  lb_test_write_file (NULL, schema, lb_test_comment_schema_json, -1);

  r = import (f, manifest, NULL, schema, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_added, ==, 2);
  assert_rejections (r, manifest, expected, G_N_ELEMENTS (expected));
  g1 = lb_test_find_item (f->store, "g", "g1");
  g_assert_nonnull (strstr (lb_item_get_meta_json (g1), "\"abuse/insult\""));
  g_clear_pointer (&r, lb_import_report_free);

  /* more items for the batch, no schema given: its own schema, not the default */
  lb_test_write_file (NULL, more,
                      "{\"id\": \"h1\", \"text\": \"t\", \"gold\": {\"labels\": [\"spam\"]}}\n"
                      "{\"id\": \"h2\", \"text\": \"t\", \"gold\": {\"labels\": [\"relevant\"]}}\n",
                      -1);
  r = import (f, more, "g", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_added, ==, 1);
  assert_rejections (r, more, expected_more, G_N_ELEMENTS (expected_more));
  h1 = lb_test_find_item (f->store, "g", "h1");
  g_assert_cmpint (lb_item_get_batch_id (h1), ==, lb_item_get_batch_id (g1));
  g_clear_pointer (&r, lb_import_report_free);

  /* CSV, a single-label schema without reasons or decisions (the defaults) */
  lb_test_write_file (NULL, labels_only, "{\"labels\": [{\"id\": \"a\"}, {\"id\": \"b\"}]}", -1);
  lb_test_write_file (NULL, csv,
                      "id,text,meta\n"
                      "c1,one,\"{\"\"gold\"\": {\"\"labels\"\": [\"\"a\"\"],"
                      " \"\"decision\"\": \"\"reject\"\"}}\"\n"
                      "c2,two,\"{\"\"gold\"\": {\"\"labels\"\": [\"\"nonexistent\"\"]}}\"\n"
                      "c3,three,\"{\"\"gold\"\": {\"\"labels\"\": [\"\"a\"\", \"\"b\"\"]}}\"\n",
                      -1);
  r = import (f, csv, NULL, labels_only, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_added, ==, 1);
  assert_rejections (r, csv, expected_csv, G_N_ELEMENTS (expected_csv));
}

/* Integer ids are taken as their decimal text (Label Studio and many
 * pipelines number their items), on the fast and the slow path alike;
 * other numbers, booleans, objects and arrays are refused */
static void
test_numeric_ids (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *manifest = g_build_filename (f->dir, "n.jsonl", NULL);
  static const char *const lines[] = {
    "{\"id\": 5, \"text\": \"five\"}",                                   /* 1 */
    "{\"id\": -7, \"text\": \"minus seven\"}",                           /* 2 */
    "{\"id\": 6, \"text\": \"six\", \"tags\": [1]}",                      /* 3: json-glib */
    "{\"id\": 1234567890123456789, \"text\": \"big\"}",                  /* 4 */
    "{\"id\": 5.5, \"text\": \"x\"}",                                    /* 5 */
    "{\"id\": 5.0, \"text\": \"x\"}",                                    /* 6 */
    "{\"id\": 1e3, \"text\": \"x\"}",                                    /* 7 */
    "{\"id\": false, \"text\": \"x\"}",                                  /* 8 */
    "{\"id\": {\"n\": 1}, \"text\": \"x\"}",                             /* 9 */
    "{\"id\": [1], \"text\": \"x\"}",                                    /* 10 */
    "{\"id\": \"5\", \"text\": \"the same id as a string\"}",             /* 11 */
    /* json-glib wraps what does not fit 64 bits: 2^64 - 1 would read as -1 */
    "{\"id\": 18446744073709551615, \"text\": \"x\"}",                   /* 12 */
    "{\"id\": -9223372036854775809, \"text\": \"x\", \"x\": -1}",         /* 13 */
    "{\"id\": 9223372036854775807, \"text\": \"largest\"}",              /* 14 */
  };
  static const char *const expected[] = {
    "5: “id” is not a string or an integer",
    "6: “id” is not a string or an integer",
    "7: “id” is not a string or an integer",
    "8: “id” is not a string or an integer",
    "9: “id” is not a string or an integer",
    "10: “id” is not a string or an integer",
    "11: duplicate id “5”",
    "12: “id” is an integer too large for an id (write it as a string)",
    "13: “id” is an integer too large for an id (write it as a string)",
  };
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(LbImportReport) r = NULL;
  g_autoptr(GError) error = NULL;
  static const char *const ids[][2] = {
    { "5", "five" }, { "-7", "minus seven" }, { "6", "six" }, { "1234567890123456789", "big" },
    { "9223372036854775807", "largest" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_string_append_printf (contents, "%s\n", lines[i]);
  lb_test_write_file (NULL, manifest, contents->str, -1);

  r = import (f, manifest, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_added, ==, G_N_ELEMENTS (ids));
  assert_rejections (r, manifest, expected, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(LbItem) item = lb_test_find_item (f->store, "n", ids[i][0]);

      g_assert_cmpstr (lb_item_get_text (item), ==, ids[i][1]);
    }
}

/* A batch whose schema an older version stored with a Reject that needs a
 * reason but no reasons: its Reject can be made now, and re-importing its
 * folder with the same labels-only schema.json still adds items after
 * decisions were made (the schema is the same one) */
static void
test_old_reject_schema (Fixture       *f,
                        gconstpointer  data)
{
  static const char old_json[] =
    "{\"name\":\"Untitled schema\",\"multi_label\":false,"
    "\"labels\":[{\"id\":\"ok\",\"title\":\"ok\",\"color\":\"#3584e4\"}],"
    "\"decisions\":[{\"id\":\"approve\",\"title\":\"Approve\",\"hotkey\":\"a\","
    "\"needs_reason\":false,\"flag\":false},"
    "{\"id\":\"reject\",\"title\":\"Reject\",\"hotkey\":\"r\",\"needs_reason\":true,"
    "\"flag\":false},"
    "{\"id\":\"escalate\",\"title\":\"Escalate\",\"hotkey\":\"e\",\"needs_reason\":false,"
    "\"flag\":true}],\"reasons\":[]}";
  g_autofree char *folder = g_build_filename (f->dir, "old", NULL);
  g_autofree char *real = NULL;
  g_autofree char *name = NULL;
  g_autoptr(LbImportReport) r = NULL;
  g_autoptr(LbItem) a = NULL;
  g_autoptr(LbItem) b = NULL;
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(GError) error = NULL;
  LbSubmission reject = { .decision = "reject" };
  gint64 batch_id = 0;

  lb_test_write_file (folder, "a.txt", "one", -1);
  real = realpath (folder, NULL);
  g_assert_true (_lb_store_ensure_import_batch (f->store, "old", FALSE, folder, real, folder,
                                                old_json, &name, &batch_id, &error));
  g_assert_no_error (error);

  /* no schema given: the batch keeps the one it has */
  r = import (f, folder, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->batch_id, ==, batch_id);
  g_clear_pointer (&r, lb_import_report_free);

  a = lb_test_find_item (f->store, "old", "a.txt");
  g_assert_true (lb_store_submit (f->store, lb_item_get_id (a), "ann", &reject, &error));
  g_assert_no_error (error);

  lb_test_write_file (folder, "b.txt", "two", -1);
  lb_test_write_file (folder, "schema.json", "{\"labels\": [{\"id\": \"ok\"}]}", -1);
  r = import (f, folder, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->batch_id, ==, batch_id);
  g_assert_cmpuint (r->n_added, ==, 1);
  batch = lb_store_get_batch (f->store, batch_id, &error);
  g_assert_cmpstr (batch->schema_json, ==, old_json);

  b = lb_test_find_item (f->store, "old", "b.txt");
  g_assert_true (lb_store_submit (f->store, lb_item_get_id (b), "ann", &reject, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/import-fixes/same-name-other-folder", Fixture, NULL, fixture_set_up,
              test_same_name_other_folder, fixture_tear_down);
  g_test_add ("/engine/import-fixes/schema-kept", Fixture, NULL, fixture_set_up,
              test_schema_kept, fixture_tear_down);
  g_test_add ("/engine/import-fixes/nothing-found", Fixture, NULL, fixture_set_up,
              test_nothing_found, fixture_tear_down);
  g_test_add ("/engine/import-fixes/refused-strings", Fixture, NULL, fixture_set_up,
              test_refused_strings, fixture_tear_down);
  g_test_add ("/engine/import-fixes/gold-checked", Fixture, NULL, fixture_set_up,
              test_gold_checked, fixture_tear_down);
  g_test_add ("/engine/import-fixes/numeric-ids", Fixture, NULL, fixture_set_up,
              test_numeric_ids, fixture_tear_down);
  g_test_add ("/engine/import-fixes/old-reject-schema", Fixture, NULL, fixture_set_up,
              test_old_reject_schema, fixture_tear_down);

  return g_test_run ();
}
