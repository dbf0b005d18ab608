/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-import"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <jpeglib.h>

#include "lb-import.h"
#include "lb-item.h"
#include "lb-schema.h"
#include "lb-store.h"
#include "lb-test-support.h"

typedef struct {
  char    *dir;    /* scratch folder */
  char    *batch;  /* dir/batch, the batch root */
  LbStore *store;
} Fixture;

/* A small real JPEG, made with libjpeg. Returns its SHA-256. */
static char *
write_jpeg (const char *dir,
            const char *relative)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  guint8 row[16 * 3];
  char *hash;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = 16;
  cinfo.image_height = 8;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW rows[1] = { row };

      for (guint x = 0; x < 16; x++)
        {
          row[x * 3] = x * 16;
          row[x * 3 + 1] = cinfo.next_scanline * 32;
          row[x * 3 + 2] = 128;
        }
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  lb_test_write_file (dir, relative, (const char *) buffer, size);
  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, buffer, size);
  free (buffer);
  return hash;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autofree char *db = NULL;

  fixture->dir = lb_test_make_tmpdir ("lb-import");
  fixture->batch = g_build_filename (fixture->dir, "batch", NULL);
  g_assert_cmpint (g_mkdir (fixture->batch, 0755), ==, 0);

  db = g_build_filename (fixture->dir, "store.db", NULL);
  fixture->store = lb_test_open_store (db);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  lb_store_close (fixture->store);
  g_clear_object (&fixture->store);
  lb_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->batch);
}

static LbImportReport *
import_ok (Fixture               *fixture,
           const char            *path,
           const LbImportOptions *options)
{
  g_autoptr(GError) error = NULL;
  LbImportReport *report;

  report = lb_import (fixture->store, path, options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static void assert_import_fails (Fixture               *fixture,
                                 const char            *path,
                                 const LbImportOptions *options,
                                 int                    code,
                                 const char            *prefix,
                                 ...) G_GNUC_NULL_TERMINATED;

/* Importing PATH fails with CODE; the message starts with PREFIX (unless
 * NULL) and mentions each of the NULL-terminated fragments that follow */
static void
assert_import_fails (Fixture               *fixture,
                     const char            *path,
                     const LbImportOptions *options,
                     int                    code,
                     const char            *prefix,
                     ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImportReport) report = NULL;
  const char *fragment;
  va_list args;

  report = lb_import (fixture->store, path, options, NULL, NULL, NULL, &error);
  g_assert_null (report);
  g_assert_error (error, LB_IMPORT_ERROR, code);
  if (prefix != NULL)
    g_assert_true (g_str_has_prefix (error->message, prefix));
  va_start (args, prefix);
  while ((fragment = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, fragment) == NULL)
      g_error ("“%s” does not mention “%s”", error->message, fragment);
  va_end (args);
}

static void
assert_rejection (LbImportReport *report,
                  guint           index,
                  const char     *expected_prefix)
{
  const char *rejection;

  if (index >= report->rejections->len)
    g_error ("expected rejection %u ‘%s’, but there are only %u", index, expected_prefix,
             report->rejections->len);
  rejection = g_ptr_array_index (report->rejections, index);
  if (!g_str_has_prefix (rejection, expected_prefix))
    g_error ("rejection %u: expected ‘%s…’, got ‘%s’", index, expected_prefix, rejection);
}

static void
assert_no_item (Fixture    *fixture,
                const char *batch,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = lb_store_find_item (fixture->store, batch, id, &error);

  g_assert_null (item);
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND);
}

/* The external ids of the batch in queue order, joined by spaces */
static char *
list_ids (Fixture *fixture,
          gint64   batch_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = lb_store_list_item_ids (fixture->store, batch_id, LB_ITEM_FILTER_ALL,
                                                  &error);
  g_autoptr(GString) joined = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(LbItem) item = lb_store_get_item (fixture->store,
                                                  g_array_index (ids, gint64, i), &error);

      g_assert_no_error (error);
      if (i > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, lb_item_get_external_id (item));
    }
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static char *
sha256 (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* JSONL */

static void
test_jsonl (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autofree char *png_hash = lb_test_copy_pngsuite ("basn2c08.png", fixture->batch, "img/a.png");
  g_autofree char *jpeg_hash = write_jpeg (fixture->batch, "img/b.JPG");
  g_autofree char *manifest = g_build_filename (fixture->batch, "tasks.jsonl", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = NULL;

  lb_test_write_file (fixture->batch, "tasks.jsonl",
                      "{\"id\": \"p1\", \"image\": \"img/a.png\", \"meta\": {\"source\": \"cam 1\","
                      " \"n\": [1, 2]}}\n"
                      "\r\n"
                      "{\"id\": \"t1\", \"text\": \"Hello, world\"}\r\n"
                      "   \n"
                      "{\"id\": \"p2\", \"image\": \"./img//b.JPG\"}\n"
                      "{\"id\": \"t2\", \"text\": \"你好，世界\\n第二行\", \"meta\": null}\n"
                      "{\"id\": 7, \"text\": \"numbered\"}", -1);

  report = import_ok (fixture, manifest, NULL);
  g_assert_cmpuint (report->rejections->len, ==, 0);
  g_assert_cmpuint (report->n_added, ==, 5);
  g_assert_cmpuint (report->n_existing, ==, 0);
  g_assert_cmpstr (report->batch_name, ==, "tasks");

  batch = lb_store_get_batch (fixture->store, report->batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (batch->name, ==, "tasks");
  g_assert_cmpstr (batch->source, ==, manifest);
  g_assert_cmpstr (batch->root, ==, fixture->batch);

  /* no schema.json: the default schema */
  schema = lb_store_get_batch_schema (fixture->store, report->batch_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lb_schema_find_label (schema, "relevant"));

  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "p1 t1 p2 t2 7");

  item = lb_test_find_item (fixture->store, "tasks", "p1");
  g_assert_cmpint (lb_item_get_kind (item), ==, LB_ITEM_KIND_IMAGE);
  g_assert_cmpstr (lb_item_get_relative_path (item), ==, "img/a.png");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, png_hash);
  g_assert_cmpstr (lb_item_get_meta_json (item), ==, "{\"source\":\"cam 1\",\"n\":[1,2]}");
  g_clear_object (&item);

  item = lb_test_find_item (fixture->store, "tasks", "p2");
  g_assert_cmpint (lb_item_get_kind (item), ==, LB_ITEM_KIND_IMAGE);
  g_assert_cmpstr (lb_item_get_relative_path (item), ==, "img/b.JPG");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, jpeg_hash);
  g_assert_cmpstr (lb_item_get_meta_json (item), ==, "{}");
  g_clear_object (&item);

  item = lb_test_find_item (fixture->store, "tasks", "t2");
  g_assert_cmpint (lb_item_get_kind (item), ==, LB_ITEM_KIND_TEXT);
  g_assert_cmpstr (lb_item_get_text (item), ==, "你好，世界\n第二行");
  hash = sha256 ("你好，世界\n第二行");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, hash);
  g_clear_object (&item);

  item = lb_test_find_item (fixture->store, "tasks", "t1");
  g_assert_cmpstr (lb_item_get_text (item), ==, "Hello, world");
}

static void
test_jsonl_rejections (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "m.jsonl", NULL);
  g_autofree char *outside = g_build_filename (fixture->dir, "outside.png", NULL);
  g_autofree char *link = g_build_filename (fixture->batch, "link.png", NULL);
  g_autofree char *dir_png = g_build_filename (fixture->batch, "dir.png", NULL);
  g_autofree char *png_hash = NULL;
  g_autofree char *long_text = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *prefix = NULL;
  guint i = 0;

  png_hash = lb_test_copy_pngsuite ("basn0g08.png", fixture->batch, "ok.png");
  g_free (lb_test_copy_pngsuite ("basn0g08.png", fixture->dir, "outside.png"));
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (g_mkdir (dir_png, 0755), ==, 0);
  lb_test_write_file (fixture->batch, "fake.png", "this is text, not a picture\n", -1);
  lb_test_write_file (fixture->batch, "anim.gif", "GIF89a", -1);

  long_text = g_strnfill (LB_IMPORT_MAX_TEXT_BYTES + 1, 'x');

  /* line numbers: the comment says which */
  g_string_append (lines, "{\"id\": \"first\", \"text\": \"kept\"}\n");           /* 1 */
  g_string_append (lines, "{\"id\": \"broken\", \"text\": }\n");                  /* 2 */
  g_string_append (lines, "[\"not\", \"an\", \"object\"]\n");                     /* 3 */
  g_string_append (lines, "{\"text\": \"no id\"}\n");                             /* 4 */
  g_string_append (lines, "{\"id\": \"first\", \"text\": \"again\"}\n");          /* 5 */
  g_string_append (lines, "{\"id\": \"empty\"}\n");                               /* 6 */
  g_string_append (lines, "{\"id\": \"two\", \"text\": \"t\", \"image\": \"ok.png\"}\n"); /* 7 */
  g_string_append (lines, "{\"id\": \"up\", \"image\": \"sub/../../outside.png\"}\n");  /* 8 */
  g_string_append_printf (lines, "{\"id\": \"abs\", \"image\": \"%s\"}\n", outside);    /* 9 */
  g_string_append (lines, "{\"id\": \"gone\", \"image\": \"missing.png\"}\n");    /* 10 */
  g_string_append (lines, "{\"id\": \"fake\", \"image\": \"fake.png\"}\n");       /* 11 */
  g_string_append (lines, "{\"id\": \"gif\", \"image\": \"anim.gif\"}\n");        /* 12 */
  g_string_append (lines, "{\"id\": \"dir\", \"image\": \"dir.png\"}\n");         /* 13 */
  g_string_append (lines, "{\"id\": \"link\", \"image\": \"link.png\"}\n");       /* 14 */
  g_string_append (lines, "{\"id\": \"latin1\", \"text\": \"caf\xe9\"}\n");       /* 15 */
  g_string_append_printf (lines, "{\"id\": \"long\", \"text\": \"%s\"}\n", long_text); /* 16 */
  g_string_append (lines, "{\"id\": \"blank\", \"text\": \"\"}\n");               /* 17 */
  g_string_append (lines, "{\"id\": \"meta\", \"text\": \"m\", \"meta\": [1]}\n");/* 18 */
  g_string_append (lines, "\n");                                                  /* 19 */
  g_string_append (lines, "{\"id\": \"last\", \"image\": \"ok.png\"}\n");         /* 20 */
  g_string_append (lines, "{\"id\": \"image-type\", \"image\": 3}\n");            /* 21 */
  lb_test_write_file (fixture->batch, "m.jsonl", lines->str, lines->len);

  report = import_ok (fixture, manifest, NULL);

#define EXPECT(line, reason) \
  G_STMT_START { \
    g_free (prefix); \
    prefix = g_strdup_printf ("%s:%u: %s", manifest, line, reason); \
    assert_rejection (report, i++, prefix); \
  } G_STMT_END

  EXPECT (2, "invalid JSON (column ");
  EXPECT (3, "not a JSON object");
  EXPECT (4, "missing “id”");
  EXPECT (5, "duplicate id “first”");
  EXPECT (6, "neither “image” nor “text”");
  EXPECT (7, "both “image” and “text”");
  EXPECT (8, "sub/../../outside.png: path outside the batch folder (“..”)");
  g_free (prefix);
  prefix = g_strdup_printf ("%s:9: %s: absolute path not allowed", manifest, outside);
  assert_rejection (report, i++, prefix);
  EXPECT (10, "missing.png: file not found");
  EXPECT (11, "fake.png: not a PNG or JPEG image");
  EXPECT (12, "anim.gif: not a PNG or JPEG image (the name must end in .png, .jpg or .jpeg)");
  EXPECT (13, "dir.png: not a regular file");
  EXPECT (14, "link.png: path outside the batch folder");
  EXPECT (15, "text is not valid UTF-8");
  EXPECT (16, "text too long");
  EXPECT (17, "empty text");
  EXPECT (18, "“meta” is not an object");
  EXPECT (21, "“image” is not a string");
#undef EXPECT
  g_assert_cmpuint (report->rejections->len, ==, i);

  /* the rest of the batch is imported */
  g_assert_cmpuint (report->n_added, ==, 2);
  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "first last");
  assert_no_item (fixture, "m", "fake");
  assert_no_item (fixture, "m", "link");
  {
    g_autoptr(LbItem) item = lb_test_find_item (fixture->store, "m", "first");

    /* the first occurrence of a duplicate id wins */
    g_assert_cmpstr (lb_item_get_text (item), ==, "kept");
  }
}


/* The values of JSONL lines, read by the fast path or by json-glib */
static void
test_jsonl_values (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "v.jsonl", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *ids = NULL;
  guint i = 0;

  lb_test_write_file (fixture->batch, "v.jsonl",
                      "{\"id\": \"e1\", \"text\": \"tab\\there \\\"q\\\" \\\\ \\/ \\u00e9"
                      " \\ud83d\\ude00 \\u4E2D\"}\n"
                      "  {  \"id\"  :  \"e2\" , \"score\": -1.5e3, \"ok\": true, \"no\": false,"
                      " \"x\": null,"
                      " \"text\": \"plain\", \"meta\": null }  \n"
                      "{\"id\": \"e3\", \"text\": \"first\", \"text\": \"second\"}\n"
                      "{\"id\": \"e4\", \"text\": \"first\", \"text\": \"second\", \"meta\": {}}\n"
                      "{\"id\": 12, \"text\": \"numbered\"}\n"
                      "{\"id\": \"e5\", \"text\": \"with a list\", \"tags\": [\"a\", {\"b\": 1}]}\n"
                      "{\"id\": \"e6\", \"image\": null, \"text\": \"null image\"}\n"
                      "{\"id\": 1.5, \"text\": \"x\"}\n"                          /* 8 */
                      "{\"id\": true, \"text\": \"x\"}\n"                         /* 9 */
                      "{\"id\": \"e7\", \"text\": 5}\n"                           /* 10 */
                      "{\"id\": \"e8\", \"text\": \"x\", \"meta\": \"string\"}\n" /* 11 */
                      "{\"id\": \"e9\", \"text\": \"x\"} junk\n"                  /* 12 */
                      "{\"id\": \"e10\", \"text\": \"x\",}\n"                     /* 13 */
                      /* 14: json-glib allows an unknown escape */
                      "{\"id\": \"e11\", \"text\": \"x\\q\"}\n"
                      "{\"id\": \"e12\", \"text\": \"x\", \"image\": false}\n"    /* 15 */
                      "{\"id\": null, \"text\": \"x\"}\n"                         /* 16 */
                      "{\"id\": \"e13\", \"text\": \"\\u0000\"}\n",               /* 17 */
                      -1);

  report = import_ok (fixture, manifest, NULL);

#define EXPECT(line, reason) \
  G_STMT_START { \
    g_free (prefix); \
    prefix = g_strdup_printf ("%s:%u: %s", manifest, line, reason); \
    assert_rejection (report, i++, prefix); \
  } G_STMT_END

  EXPECT (8, "“id” is not a string or an integer");
  EXPECT (9, "“id” is not a string or an integer");
  EXPECT (10, "“text” is not a string");
  EXPECT (11, "“meta” is not an object");
  EXPECT (12, "invalid JSON");
  EXPECT (13, "invalid JSON");
  EXPECT (15, "“image” is not a string");
  EXPECT (16, "missing “id”");
  /* json-glib would stop the string at U+0000: the line is refused */
  EXPECT (17, "“text” contains a NUL character");
#undef EXPECT
  g_assert_cmpuint (report->rejections->len, ==, i);

  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "e1 e2 e3 e4 12 e5 e6 e11");

  {
    g_autoptr(LbItem) e1 = lb_test_find_item (fixture->store, "v", "e1");
    g_autoptr(LbItem) e2 = lb_test_find_item (fixture->store, "v", "e2");
    g_autoptr(LbItem) e3 = lb_test_find_item (fixture->store, "v", "e3");
    g_autoptr(LbItem) e4 = lb_test_find_item (fixture->store, "v", "e4");
    g_autoptr(LbItem) e6 = lb_test_find_item (fixture->store, "v", "e6");

    g_assert_cmpstr (lb_item_get_text (e1), ==, "tab\there \"q\" \\ / é 😀 中");
    g_assert_cmpstr (lb_item_get_text (e2), ==, "plain");
    g_assert_cmpstr (lb_item_get_meta_json (e2), ==, "{}");
    /* both paths agree on a repeated key */
    g_assert_cmpstr (lb_item_get_text (e3), ==, lb_item_get_text (e4));
    g_assert_cmpstr (lb_item_get_text (e3), ==, "second");
    g_assert_cmpint (lb_item_get_kind (e6), ==, LB_ITEM_KIND_TEXT);
  }
}

/* "meta" is stored as compact JSON, the same whichever way it was read */
static void
test_meta (Fixture       *fixture,
           gconstpointer  user_data)
{
  static const char *const metas[] = {
    "{}",
    "{ \"a\" : 1 , \"b\" : -20 }",
    "{\"nested\": {\"list\": [1, [], {}, [true, false, null]], \"s\": \"中文 ünïcode\"}}",
    "{\"escaped\": \"tab\\there \\u00e9\"}",
    "{\"float\": 1.5, \"exp\": 2e3, \"zero\": -0}",
    "{\"dup\": 1, \"dup\": 2}",
    "{\"big\": 123456789012345678901234}",
    "{\"\": \"empty key\"}",
  };
  g_autofree char *jsonl = g_build_filename (fixture->batch, "meta.jsonl", NULL);
  g_autofree char *csv = g_build_filename (fixture->batch, "meta.csv", NULL);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GString) rows = g_string_new ("id,text,meta\n");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbImportReport) csv_report = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (metas); i++)
    {
      g_autofree char *quoted = NULL;
      g_auto(GStrv) parts = g_strsplit (metas[i], "\"", -1);

      /* the fast path, then json-glib (an array elsewhere on the line) */
      g_string_append_printf (lines, "{\"id\": \"fast-%u\", \"text\": \"t\", \"meta\": %s}\n",
                              i, metas[i]);
      g_string_append_printf (lines, "{\"id\": \"slow-%u\", \"text\": \"t\", \"meta\": %s,"
                              " \"x\": [0]}\n", i, metas[i]);
      quoted = g_strjoinv ("\"\"", parts);
      g_string_append_printf (rows, "csv-%u,t,\"%s\"\n", i, quoted);
    }
  lb_test_write_file (fixture->batch, "meta.jsonl", lines->str, lines->len);
  lb_test_write_file (fixture->batch, "meta.csv", rows->str, rows->len);

  report = import_ok (fixture, jsonl, NULL);
  g_assert_cmpuint (report->rejections->len, ==, 0);
  csv_report = import_ok (fixture, csv, NULL);
  g_assert_cmpuint (csv_report->rejections->len, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (metas); i++)
    {
      g_autofree char *fast_id = g_strdup_printf ("fast-%u", i);
      g_autofree char *slow_id = g_strdup_printf ("slow-%u", i);
      g_autofree char *csv_id = g_strdup_printf ("csv-%u", i);
      g_autoptr(LbItem) fast = lb_test_find_item (fixture->store, "meta", fast_id);
      g_autoptr(LbItem) slow = lb_test_find_item (fixture->store, "meta", slow_id);
      g_autoptr(LbItem) from_csv = NULL;
      g_autoptr(GError) error = NULL;

      from_csv = lb_store_find_item (fixture->store, NULL, csv_id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (lb_item_get_meta_json (fast), ==, lb_item_get_meta_json (slow));
      g_assert_cmpstr (lb_item_get_meta_json (from_csv), ==, lb_item_get_meta_json (slow));
    }

  {
    g_autoptr(LbItem) item = lb_test_find_item (fixture->store, "meta", "fast-2");

    g_assert_cmpstr (lb_item_get_meta_json (item), ==,
                     "{\"nested\":{\"list\":[1,[],{},[true,false,null]],\"s\":\"中文 ünïcode\"}}");
  }
}

/* CSV */

static void
test_csv (Fixture       *fixture,
          gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "comments.csv", NULL);
  g_autofree char *png_hash = lb_test_copy_pngsuite ("basn6a08.png", fixture->batch, "pics/x.png");
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *prefix = NULL;

  lb_test_write_file (fixture->batch, "comments.csv",
                      "\xef\xbb\xbf" "id,text,image,meta,extra\r\n"                     /* 1 */
                      "c1,\"Hello, world\",,,\r\n"                                      /* 2 */
                      "c2,\"She said \"\"hi\"\"\",,\"{\"\"lang\"\": \"\"en\"\"}\",x\r\n"  /* 3 */
                      "c3,\"line one\r\nline two\nline three\",,,\r\n"                  /* 4-6 */
                      "c4,too,few\r\n"                                                  /* 7 */
                      "\r\n"                                                            /* 8 */
                      "p1,,pics/x.png,,\n"                                              /* 9 */
                      "c5,中文评论,,\"[1]\",\n"                                         /* 10 */
                      "c6,\"multi\nline, with comma\",,,\n"                             /* 11-12 */
                      "c7,\"unterminated,,,\nmore\n", -1);                              /* 13 */

  report = import_ok (fixture, manifest, NULL);
  g_assert_cmpstr (report->batch_name, ==, "comments");

  g_assert_cmpuint (report->rejections->len, ==, 3);
  prefix = g_strdup_printf ("%s:7: wrong number of fields", manifest);
  assert_rejection (report, 0, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s:10: “meta” is not an object", manifest);
  assert_rejection (report, 1, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s:13: unterminated quoted field", manifest);
  assert_rejection (report, 2, prefix);

  g_assert_cmpuint (report->n_added, ==, 5);
  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "c1 c2 c3 p1 c6");

  item = lb_test_find_item (fixture->store, "comments", "c1");
  g_assert_cmpstr (lb_item_get_text (item), ==, "Hello, world");
  g_clear_object (&item);
  item = lb_test_find_item (fixture->store, "comments", "c2");
  g_assert_cmpstr (lb_item_get_text (item), ==, "She said \"hi\"");
  g_assert_cmpstr (lb_item_get_meta_json (item), ==, "{\"lang\":\"en\"}");
  g_clear_object (&item);
  item = lb_test_find_item (fixture->store, "comments", "c3");
  g_assert_cmpstr (lb_item_get_text (item), ==, "line one\r\nline two\nline three");
  g_clear_object (&item);
  item = lb_test_find_item (fixture->store, "comments", "p1");
  g_assert_cmpint (lb_item_get_kind (item), ==, LB_ITEM_KIND_IMAGE);
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, png_hash);
  g_clear_object (&item);
  item = lb_test_find_item (fixture->store, "comments", "c6");
  g_assert_cmpstr (lb_item_get_text (item), ==, "multi\nline, with comma");
}

static void
test_csv_rejections (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "m.csv", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *ids = NULL;
  guint i = 0;

  g_free (lb_test_copy_pngsuite ("basn0g08.png", fixture->batch, "ok.png"));
  lb_test_write_file (fixture->batch, "fake.jpg", "not a jpeg", -1);

  lb_test_write_file (fixture->batch, "m.csv",
                      "ID , Image,Text\n"                     /* 1 */
                      ",ok.png,\n"                            /* 2 */
                      "a,ok.png,\n"                           /* 3 */
                      "a,,again\n"                            /* 4 */
                      "b,,\n"                                 /* 5 */
                      "c,ok.png,text\n"                       /* 6 */
                      "d,../ok.png,\n"                        /* 7 */
                      "e,/etc/passwd.png,\n"                  /* 8 */
                      "f,nope.png,\n"                         /* 9 */
                      "g,fake.jpg,\n"                         /* 10 */
                      "h,,\"bad \xff utf-8\"\n"               /* 11 */
                      "i,,fine\n"                             /* 12 */
                      "j,\"unterminated\n", -1);              /* 13 */

  report = import_ok (fixture, manifest, NULL);

#define EXPECT(line, reason) \
  G_STMT_START { \
    g_free (prefix); \
    prefix = g_strdup_printf ("%s:%u: %s", manifest, line, reason); \
    assert_rejection (report, i++, prefix); \
  } G_STMT_END

  EXPECT (2, "missing “id”");
  EXPECT (4, "duplicate id “a”");
  EXPECT (5, "neither “image” nor “text”");
  EXPECT (6, "both “image” and “text”");
  EXPECT (7, "../ok.png: path outside the batch folder (“..”)");
  EXPECT (8, "/etc/passwd.png: absolute path not allowed");
  EXPECT (9, "nope.png: file not found");
  EXPECT (10, "fake.jpg: not a PNG or JPEG image");
  EXPECT (11, "text is not valid UTF-8");
  EXPECT (13, "unterminated quoted field");
#undef EXPECT
  g_assert_cmpuint (report->rejections->len, ==, i);

  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "a i");

  /* NUL bytes and file names that are not UTF-8 */
  {
    static const char nul_csv[] = "id,image,text\n"
                                  "n\0ul,,x\n"
                                  "m,,t\0xt\n"
                                  "l,bad\xff.png,\n"
                                  "ok,,fine\n";
    g_autofree char *nul_manifest = g_build_filename (fixture->batch, "nul.csv", NULL);
    g_autoptr(LbImportReport) nul_report = NULL;
    g_autofree char *nul_ids = NULL;

    lb_test_write_file (fixture->batch, "nul.csv", nul_csv, sizeof nul_csv - 1);
    nul_report = import_ok (fixture, nul_manifest, NULL);
    i = 0;
    g_clear_pointer (&report, lb_import_report_free);
    report = g_steal_pointer (&nul_report);
    g_free (manifest);
    manifest = g_steal_pointer (&nul_manifest);
#define EXPECT(line, reason) \
  G_STMT_START { \
    g_free (prefix); \
    prefix = g_strdup_printf ("%s:%u: %s", manifest, line, reason); \
    assert_rejection (report, i++, prefix); \
  } G_STMT_END
    EXPECT (2, "a field holds a NUL byte");
    EXPECT (3, "text is not valid UTF-8");
    EXPECT (4, "the image path is not valid UTF-8");
#undef EXPECT
    g_assert_cmpuint (report->rejections->len, ==, i);
    nul_ids = list_ids (fixture, report->batch_id);
    g_assert_cmpstr (nul_ids, ==, "ok");
  }
}

static void
test_csv_header (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *no_id = g_build_filename (fixture->batch, "no-id.csv", NULL);
  g_autofree char *no_content = g_build_filename (fixture->batch, "no-content.csv", NULL);
  g_autofree char *empty = g_build_filename (fixture->batch, "empty.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;

  lb_test_write_file (fixture->batch, "no-id.csv", "name,text\nx,y\n", -1);
  lb_test_write_file (fixture->batch, "no-content.csv", "id,meta\nx,{}\n", -1);
  lb_test_write_file (fixture->batch, "empty.csv", "", 0);

  assert_import_fails (fixture, no_id, NULL, LB_IMPORT_ERROR_INVALID, no_id, "“id”", NULL);
  assert_import_fails (fixture, no_content, NULL, LB_IMPORT_ERROR_INVALID, NULL,
                       "“image”", "“text”", NULL);
  assert_import_fails (fixture, empty, NULL, LB_IMPORT_ERROR_INVALID, NULL, NULL);

  /* nothing was created */
  batches = lb_store_list_batches (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 0);
}

/* Folders */

static void
test_folder (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *outside = g_build_filename (fixture->dir, "outside.png", NULL);
  g_autofree char *link = g_build_filename (fixture->batch, "z-link.png", NULL);
  g_autofree char *dir_link = g_build_filename (fixture->batch, "loop", NULL);
  g_autofree char *inside_link = g_build_filename (fixture->batch, "y-inside.png", NULL);
  g_autofree char *secret = g_build_filename (fixture->dir, "secret.txt", NULL);
  g_autofree char *secret_link = g_build_filename (fixture->batch, "zz-secret.txt", NULL);
  g_autofree char *png_hash = NULL;
  g_autofree char *jpeg_hash = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GError) error = NULL;

  png_hash = lb_test_copy_pngsuite ("basn3p08.png", fixture->batch, "b/Image.PNG");
  jpeg_hash = write_jpeg (fixture->batch, "a/photo.jpeg");
  g_free (lb_test_copy_pngsuite ("basn0g16.png", fixture->batch, "a.png"));
  g_free (lb_test_copy_pngsuite ("basn0g08.png", fixture->dir, "outside.png"));
  lb_test_write_file (fixture->batch, "a/b/deep.txt", "deep", -1);
  lb_test_write_file (fixture->batch, "a.txt", "\xef\xbb\xbfwith a BOM", -1);
  lb_test_write_file (fixture->batch, "B.txt", "upper case sorts first", -1);
  lb_test_write_file (fixture->batch, "c.txt", "", 0);
  lb_test_write_file (fixture->batch, "d.txt", "caf\xe9", -1);
  lb_test_write_file (fixture->batch, "e.png", "GIF89a is no PNG", -1);
  lb_test_write_file (fixture->batch, "notes.md", "ignored", -1);
  lb_test_write_file (fixture->batch, "data.csv", "id,text\nx,y\n", -1);
  lb_test_write_file (fixture->batch, ".hidden.txt", "hidden", -1);
  lb_test_write_file (fixture->batch, ".git/x.txt", "hidden folder", -1);
  lb_test_write_file (fixture->batch, "schema.json",
                      "{\"name\": \"Folder schema\","
                      " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\"}]}", -1);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (symlink ("a.png", inside_link), ==, 0);
  g_assert_cmpint (symlink (fixture->batch, dir_link), ==, 0);
  lb_test_write_file (fixture->dir, "secret.txt", "outside the batch", -1);
  g_assert_cmpint (symlink (secret, secret_link), ==, 0);

  report = import_ok (fixture, fixture->batch, NULL);
  g_assert_cmpstr (report->batch_name, ==, "batch");

  /* sorted by relative path, bytewise: "a.png" < "a.txt" < "a/..." */
  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "B.txt a.png a.txt a/b/deep.txt a/photo.jpeg b/Image.PNG y-inside.png");
  g_assert_cmpuint (report->n_added, ==, 7);

  g_assert_cmpuint (report->rejections->len, ==, 5);
  prefix = g_strdup_printf ("%s/c.txt: empty text", fixture->batch);
  assert_rejection (report, 0, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s/d.txt: text is not valid UTF-8", fixture->batch);
  assert_rejection (report, 1, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s/e.png: not a PNG or JPEG image", fixture->batch);
  assert_rejection (report, 2, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s/z-link.png: path outside the batch folder", fixture->batch);
  assert_rejection (report, 3, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s/zz-secret.txt: path outside the batch folder", fixture->batch);
  assert_rejection (report, 4, prefix);

  schema = lb_store_get_batch_schema (fixture->store, report->batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Folder schema");

  item = lb_test_find_item (fixture->store, "batch", "a.txt");
  g_assert_cmpint (lb_item_get_kind (item), ==, LB_ITEM_KIND_TEXT);
  g_assert_cmpstr (lb_item_get_text (item), ==, "with a BOM");
  hash = sha256 ("with a BOM");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, hash);
  g_clear_object (&item);

  item = lb_test_find_item (fixture->store, "batch", "b/Image.PNG");
  g_assert_cmpint (lb_item_get_kind (item), ==, LB_ITEM_KIND_IMAGE);
  g_assert_cmpstr (lb_item_get_relative_path (item), ==, "b/Image.PNG");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, png_hash);
  g_clear_object (&item);

  item = lb_test_find_item (fixture->store, "batch", "a/photo.jpeg");
  g_assert_cmpstr (lb_item_get_content_hash (item), ==, jpeg_hash);
}

static void
test_folder_text_too_long (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autofree char *text = g_strnfill (LB_IMPORT_MAX_TEXT_BYTES, 'a');
  g_autofree char *longer = g_strnfill (LB_IMPORT_MAX_TEXT_BYTES + 1, 'a');
  g_autofree char *bom = g_strconcat ("\xef\xbb\xbf", text, NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *ids = NULL;

  lb_test_write_file (fixture->batch, "exactly.txt", text, -1);
  lb_test_write_file (fixture->batch, "longer.txt", longer, -1);
  lb_test_write_file (fixture->batch, "with-bom.txt", bom, -1);

  report = import_ok (fixture, fixture->batch, NULL);
  g_assert_cmpuint (report->rejections->len, ==, 1);
  prefix = g_strdup_printf ("%s/longer.txt: text too long", fixture->batch);
  assert_rejection (report, 0, prefix);
  ids = list_ids (fixture, report->batch_id);
  g_assert_cmpstr (ids, ==, "exactly.txt with-bom.txt");
}

/* Whole-file errors */

static void
test_errors (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
  g_autofree char *text = g_build_filename (fixture->batch, "notes.txt", NULL);
  g_autofree char *manifest = g_build_filename (fixture->batch, "m.jsonl", NULL);
  g_autofree char *bad_schema = g_build_filename (fixture->dir, "bad-schema.json", NULL);
  g_autofree char *folder_schema = g_build_filename (fixture->batch, "schema.json", NULL);
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;
  LbImportOptions options = { NULL, bad_schema };

  lb_test_write_file (fixture->batch, "notes.txt", "hello", -1);
  lb_test_write_file (fixture->batch, "m.jsonl", "{\"id\": \"a\", \"text\": \"b\"}\n", -1);
  lb_test_write_file (fixture->dir, "bad-schema.json",
                      "{\"labels\": [{\"id\": \"x\", \"color\": \"blue\"}]}", -1);

  assert_import_fails (fixture, missing, NULL, LB_IMPORT_ERROR_NOT_FOUND, missing, NULL);
  assert_import_fails (fixture, text, NULL, LB_IMPORT_ERROR_UNSUPPORTED, text, NULL);

  /* --schema with an invalid schema: the schema's message is included */
  assert_import_fails (fixture, manifest, &options, LB_IMPORT_ERROR_INVALID, NULL,
                       "bad-schema.json: labels[0].color: “blue”", NULL);

  /* an invalid schema.json beside the manifest */
  lb_test_write_file (fixture->batch, "schema.json", "{\"labels\": [", -1);
  assert_import_fails (fixture, manifest, NULL, LB_IMPORT_ERROR_INVALID, NULL, folder_schema,
                       NULL);

  /* the same for a folder */
  assert_import_fails (fixture, fixture->batch, NULL, LB_IMPORT_ERROR_INVALID, NULL, NULL);

  batches = lb_store_list_batches (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (batches->len, ==, 0);
}

static void
test_options (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "m.jsonl", NULL);
  g_autofree char *schema_path = g_build_filename (fixture->dir, "review.json", NULL);
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(GError) error = NULL;
  LbImportOptions options = { "Shift 3", schema_path };

  lb_test_write_file (fixture->batch, "m.jsonl", "{\"id\": \"a\", \"text\": \"b\"}\n", -1);
  lb_test_write_file (fixture->batch, "schema.json",
                      "{\"name\": \"Beside\", \"labels\": [{\"id\": \"x\"}]}", -1);
  lb_test_write_file (fixture->dir, "review.json",
                      "{\"name\": \"Review\", \"labels\": [{\"id\": \"y\"}]}", -1);

  /* --schema wins over the schema.json beside the manifest */
  report = import_ok (fixture, manifest, &options);
  g_assert_cmpstr (report->batch_name, ==, "Shift 3");
  batch = lb_store_find_batch (fixture->store, "Shift 3", &error);
  g_assert_no_error (error);
  g_assert_cmpint (batch->id, ==, report->batch_id);
  schema = lb_store_get_batch_schema (fixture->store, report->batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Review");
  g_clear_pointer (&report, lb_import_report_free);
  g_clear_pointer (&schema, lb_schema_unref);

  /* without options: the schema.json beside it, the manifest's name */
  report = import_ok (fixture, manifest, NULL);
  g_assert_cmpstr (report->batch_name, ==, "m");
  schema = lb_store_get_batch_schema (fixture->store, report->batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Beside");
}

static void
test_reimport (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "m.jsonl", NULL);
  g_autoptr(LbImportReport) first = NULL;
  g_autoptr(LbImportReport) second = NULL;
  g_autoptr(LbImportReport) folder = NULL;
  g_autoptr(LbImportReport) folder_again = NULL;

  lb_test_write_file (fixture->batch, "m.jsonl",
                      "{\"id\": \"a\", \"text\": \"one\"}\n"
                      "{\"id\": \"b\", \"text\": \"two\"}\n", -1);
  lb_test_write_file (fixture->batch, "t/c.txt", "three", -1);

  first = import_ok (fixture, manifest, NULL);
  g_assert_cmpuint (first->n_added, ==, 2);

  lb_test_write_file (fixture->batch, "m.jsonl",
                      "{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": \"b\", \"text\": \"two\"}\n"
                      "{\"id\": \"new\", \"text\": \"added later\"}\n", -1);
  second = import_ok (fixture, manifest, NULL);
  g_assert_cmpint (second->batch_id, ==, first->batch_id);
  g_assert_cmpuint (second->n_added, ==, 1);
  g_assert_cmpuint (second->n_existing, ==, 2);
  g_assert_cmpuint (lb_store_count_items (fixture->store, first->batch_id, LB_ITEM_FILTER_ALL),
                    ==, 3);

  folder = import_ok (fixture, fixture->batch, NULL);
  g_assert_cmpuint (folder->n_added, ==, 1);
  folder_again = import_ok (fixture, fixture->batch, NULL);
  g_assert_cmpint (folder_again->batch_id, ==, folder->batch_id);
  g_assert_cmpuint (folder_again->n_added, ==, 0);
  g_assert_cmpuint (folder_again->n_existing, ==, 1);
  g_assert_cmpuint (lb_store_count_items (fixture->store, folder->batch_id, LB_ITEM_FILTER_ALL),
                    ==, 1);
}

/* Big manifests: chunks, progress, cancellation, rate */

static char *
write_text_manifest (Fixture    *fixture,
                     const char *name,
                     guint       n_rows,
                     gboolean    csv,
                     gboolean    meta)
{
  g_autofree char *path = g_build_filename (fixture->batch, name, NULL);
  FILE *file = fopen (path, "w");

  g_assert_nonnull (file);
  if (csv)
    fputs (meta ? "id,text,meta\n" : "id,text\n", file);
  for (guint i = 0; i < n_rows; i++)
    {
      if (!meta && csv)
        fprintf (file, "item-%07u,\"Comment number %u, \"\"quoted\"\" and plain\"\n", i, i);
      else if (!meta)
        fprintf (file, "{\"id\": \"item-%07u\", \"text\": \"Comment number %u, a short text to "
                 "label\"}\n", i, i);
      else if (csv)
        fprintf (file, "item-%07u,\"Comment number %u, \"\"quoted\"\" and plain\","
                 "\"{\"\"n\"\": %u}\"\n", i, i, i % 10);
      else
        fprintf (file, "{\"id\": \"item-%07u\", \"text\": \"Comment number %u, a short text to "
                 "label\", \"meta\": {\"n\": %u}}\n", i, i, i % 10);
    }
  g_assert_cmpint (fclose (file), ==, 0);

  return g_steal_pointer (&path);
}

typedef struct {
  GCancellable *cancellable;
  GArray       *calls;
} ProgressData;

static void
progress_cb (guint    n_done,
             gpointer user_data)
{
  ProgressData *data = user_data;

  g_array_append_val (data->calls, n_done);
  if (data->cancellable != NULL && n_done >= LB_IMPORT_CHUNK_SIZE)
    g_cancellable_cancel (data->cancellable);
}

static void
test_progress (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autofree char *manifest = write_text_manifest (fixture, "big.jsonl", 25000, FALSE, TRUE);
  g_autoptr(GArray) calls = g_array_new (FALSE, FALSE, sizeof (guint));
  ProgressData data = { NULL, calls };
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = lb_import (fixture->store, manifest, NULL, progress_cb, &data, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 25000);
  g_assert_cmpuint (calls->len, ==, 3);
  g_assert_cmpuint (g_array_index (calls, guint, 0), ==, 10000);
  g_assert_cmpuint (g_array_index (calls, guint, 1), ==, 20000);
  g_assert_cmpuint (g_array_index (calls, guint, 2), ==, 25000);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autofree char *manifest = write_text_manifest (fixture, "big.jsonl", 25000, FALSE, TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GArray) calls = g_array_new (FALSE, FALSE, sizeof (guint));
  ProgressData data = { cancellable, calls };
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbImportReport) resumed = NULL;
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(GError) error = NULL;

  report = lb_import (fixture->store, manifest, NULL, progress_cb, &data, cancellable, &error);
  g_assert_null (report);
  g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_CANCELLED);
  g_clear_error (&error);

  /* stopped after the first chunk, which stays committed */
  g_assert_cmpuint (calls->len, ==, 1);
  batch = lb_store_find_batch (fixture->store, "big", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_store_count_items (fixture->store, batch->id, LB_ITEM_FILTER_ALL),
                    ==, LB_IMPORT_CHUNK_SIZE);

  /* importing again completes it without duplicates */
  resumed = import_ok (fixture, manifest, NULL);
  g_assert_cmpuint (resumed->n_added, ==, 25000 - LB_IMPORT_CHUNK_SIZE);
  g_assert_cmpuint (resumed->n_existing, ==, LB_IMPORT_CHUNK_SIZE);
  g_assert_cmpuint (lb_store_count_items (fixture->store, batch->id, LB_ITEM_FILTER_ALL),
                    ==, 25000);

  /* cancelled before it starts: nothing happens */
  report = lb_import (fixture->store, manifest, NULL, NULL, NULL, cancellable, &error);
  g_assert_null (report);
  g_assert_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_CANCELLED);
}


/* Big texts: chunks are also cut by size; over-long lines and meta */
static void
test_big_texts (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autofree char *manifest = g_build_filename (fixture->batch, "big-texts.jsonl", NULL);
  g_autofree char *text = g_strnfill (LB_IMPORT_MAX_TEXT_BYTES, 'w');
  g_autofree char *escaped = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(GArray) calls = g_array_new (FALSE, FALSE, sizeof (guint));
  ProgressData data = { NULL, calls };
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  GString *huge;

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (lines, "{\"id\": \"big-%02u\", \"text\": \"%s\"}\n", i, text);
  /* line 41: a meta object over 1 MiB */
  g_string_append_printf (lines, "{\"id\": \"meta\", \"text\": \"x\", \"meta\": {\"a\": \"%s\"}}\n",
                          text);
  /* line 42: a line over 8 MiB, \u0077 is a "w" */
  huge = g_string_new ("{\"id\": \"huge\", \"text\": \"");
  for (guint i = 0; i < 1500000; i++)
    g_string_append (huge, "\\u0077");
  g_string_append (huge, "\"}\n");
  g_string_append_len (lines, huge->str, huge->len);
  g_string_free (huge, TRUE);
  /* line 43: 1 MiB of escapes is fine (a quote, then tabs: not only white space) */
  escaped = g_strnfill (LB_IMPORT_MAX_TEXT_BYTES / 2, 'x');
  for (guint i = 0; escaped[i] != '\0'; i += 2)
    escaped[i] = '\\', escaped[i + 1] = 't';
  escaped[1] = '"';
  g_string_append_printf (lines, "{\"id\": \"tabs\", \"text\": \"%s\"}\n", escaped);
  lb_test_write_file (fixture->batch, "big-texts.jsonl", lines->str, lines->len);

  report = lb_import (fixture->store, manifest, NULL, progress_cb, &data, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_added, ==, 41);

  g_assert_cmpuint (report->rejections->len, ==, 2);
  prefix = g_strdup_printf ("%s:41: “meta” too long", manifest);
  assert_rejection (report, 0, prefix);
  g_free (prefix);
  prefix = g_strdup_printf ("%s:42: line too long", manifest);
  assert_rejection (report, 1, prefix);

  /* 32 texts of 1 MiB fill a chunk */
  g_assert_cmpuint (calls->len, ==, 2);
  g_assert_cmpuint (g_array_index (calls, guint, 0), ==, 32);
  g_assert_cmpuint (g_array_index (calls, guint, 1), ==, 41);

  /* a CSV record over 8 MiB is skipped without keeping it in memory */
  {
    g_autofree char *csv = g_build_filename (fixture->batch, "huge.csv", NULL);
    g_autoptr(LbImportReport) csv_report = NULL;
    g_autoptr(GString) rows = g_string_new ("id,text\n\"huge\",\"");
    g_autofree char *csv_ids = NULL;

    for (guint i = 0; i < 9; i++)
      g_string_append (rows, text);
    g_string_append (rows, "\"\nafter,still imported\n");
    lb_test_write_file (fixture->batch, "huge.csv", rows->str, rows->len);

    csv_report = import_ok (fixture, csv, NULL);
    g_assert_cmpuint (csv_report->rejections->len, ==, 1);
    g_free (prefix);
    prefix = g_strdup_printf ("%s:2: record too long", csv);
    assert_rejection (csv_report, 0, prefix);
    csv_ids = list_ids (fixture, csv_report->batch_id);
    g_assert_cmpstr (csv_ids, ==, "after");
  }

  {
    g_autoptr(LbItem) item = lb_test_find_item (fixture->store, "big-texts", "big-39");
    g_autoptr(LbItem) tabs = lb_test_find_item (fixture->store, "big-texts", "tabs");

    g_assert_cmpstr (lb_item_get_text (item), ==, text);
    g_assert_cmpuint (strlen (lb_item_get_text (tabs)), ==, LB_IMPORT_MAX_TEXT_BYTES / 4);
  }
}

static void
import_async_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LbImportReport **report = user_data;
  g_autoptr(GError) error = NULL;

  *report = lb_import_finish (LB_STORE (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autofree char *manifest = write_text_manifest (fixture, "async.csv", 12000, TRUE, TRUE);
  g_autoptr(LbImportReport) report = NULL;
  LbImportOptions options = { "Async batch", NULL };

  lb_import_async (fixture->store, manifest, &options, NULL, import_async_cb, &report);
  while (report == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (report->batch_name, ==, "Async batch");
  g_assert_cmpuint (report->n_added, ==, 12000);
  g_assert_cmpuint (report->rejections->len, ==, 0);
  {
    g_autoptr(LbItem) item = lb_test_find_item (fixture->store, "Async batch", "item-0000042");

    g_assert_cmpstr (lb_item_get_text (item), ==, "Comment number 42, \"quoted\" and plain");
    g_assert_cmpstr (lb_item_get_meta_json (item), ==, "{\"n\":2}");
  }
}

static void
measure_rate (Fixture    *fixture,
              const char *name,
              guint       n_rows,
              gboolean    csv,
              gboolean    meta)
{
  g_autofree char *manifest = write_text_manifest (fixture, name, n_rows, csv, meta);
  g_autoptr(LbImportReport) report = NULL;
  gint64 start, end;

  start = g_get_monotonic_time ();
  report = import_ok (fixture, manifest, NULL);
  end = g_get_monotonic_time ();

  g_assert_cmpuint (report->n_added, ==, n_rows);
  g_test_message ("%s: %u rows in %.3f s: %.0f items/s", name, n_rows,
                  (end - start) / 1e6, n_rows / ((end - start) / 1e6));
  if (g_test_perf ())
    g_test_minimized_result (n_rows / ((end - start) / 1e6), "%s items/s", name);
}

static void
test_rate (Fixture       *fixture,
           gconstpointer  user_data)
{
  guint n_rows = g_test_perf () ? 1000000 : 100000;

  measure_rate (fixture, "rate-jsonl.jsonl", n_rows, FALSE, FALSE);
  measure_rate (fixture, "rate-csv.csv", n_rows, TRUE, FALSE);
  measure_rate (fixture, "rate-meta-jsonl.jsonl", n_rows, FALSE, TRUE);
  measure_rate (fixture, "rate-meta-csv.csv", n_rows, TRUE, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/engine/import/jsonl", test_jsonl);
  ADD ("/engine/import/jsonl-rejections", test_jsonl_rejections);
  ADD ("/engine/import/jsonl-values", test_jsonl_values);
  ADD ("/engine/import/meta", test_meta);
  ADD ("/engine/import/csv", test_csv);
  ADD ("/engine/import/csv-rejections", test_csv_rejections);
  ADD ("/engine/import/csv-header", test_csv_header);
  ADD ("/engine/import/folder", test_folder);
  ADD ("/engine/import/folder-text-too-long", test_folder_text_too_long);
  ADD ("/engine/import/errors", test_errors);
  ADD ("/engine/import/options", test_options);
  ADD ("/engine/import/reimport", test_reimport);
  ADD ("/engine/import/progress", test_progress);
  ADD ("/engine/import/cancel", test_cancel);
  ADD ("/engine/import/big-texts", test_big_texts);
  ADD ("/engine/import/async", test_async);
  ADD ("/engine/import/rate", test_rate);
#undef ADD

  return g_test_run ();
}
