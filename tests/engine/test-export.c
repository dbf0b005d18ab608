/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-export"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <sqlite3.h>

#include "lb-export.h"
#include "lb-import.h"
#include "lb-store.h"
#include "lb-test-support.h"

/* Text that needs every kind of escaping */
static const char tricky_note[] =
  "He said \"no\" \\ then\nleft\r\tat 3\x01\x1f — 中文评论 \x7f end";

typedef struct {
  char    *dir;
  LbStore *store;
  gint64   batch_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *db = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *schema = NULL;
  LbImportOptions options = { .name = "reviews" };

  f->dir = lb_test_make_tmpdir ("lb-test-export");
  lb_test_write_file (f->dir, "schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (f->dir, "items.jsonl",
                      "{\"id\": \"c1\", \"text\": \"Great \\\"value\\\"\\nsecond line\"}\n"
                      "{\"id\": \"c2\", \"text\": \"质量很好，物流太慢\"}\n"
                      "{\"id\": \"c3\", \"text\": \"third\"}\n", -1);

  db = g_build_filename (f->dir, "store.db", NULL);
  manifest = g_build_filename (f->dir, "items.jsonl", NULL);
  schema = g_build_filename (f->dir, "schema.json", NULL);
  options.schema_path = schema;

  f->store = lb_test_open_store (db);
  f->batch_id = lb_test_import (f->store, manifest, &options, 3);
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

static gint64
item_id (Fixture    *f,
         const char *external_id)
{
  g_autoptr(LbItem) item = lb_test_find_item (f->store, "reviews", external_id);

  return lb_item_get_id (item);
}

static char *
export_to_string (LbStore *store,
                  gint64   after_seq,
                  guint64 *n_written)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = lb_export_events_jsonl (store, after_seq, out, n_written, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  /* add the terminating NUL */
  if (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) == 0)
    return g_strdup ("");
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
}

static char *
parse_json_string_literal (const char *literal)
{
  g_autofree char *doc = g_strdup_printf ("[%s]", literal);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  node = json_from_string (doc, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return g_strdup (json_array_get_string_element (json_node_get_array (node), 0));
}

static void
test_json_string (void)
{
  static const char * const samples[] = {
    "", "plain", "quote \" backslash \\ slash /", "line\nfeed\rreturn\ttab\bback\fform",
    "\x01\x02\x1f\x7f", "中文评论，质量很好", "emoji 😀 and U+2028 \xe2\x80\xa8 in text",
    tricky_note,
  };

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);
      g_autofree char *back = NULL;

      lb_export_append_json_string (s, samples[i]);
      /* one line, a literal, no raw control characters */
      g_assert_true (s->str[0] == '"' && s->str[s->len - 1] == '"');
      for (gsize j = 0; j < s->len; j++)
        g_assert_cmpint ((guchar) s->str[j], >=, 0x20);
      back = parse_json_string_literal (s->str);
      g_assert_cmpstr (back, ==, samples[i]);
    }

  /* exact forms */
  {
    g_autoptr(GString) s = g_string_new (NULL);
    lb_export_append_json_string (s, "a\"b\\c\nd\x01" "e中");
    g_assert_cmpstr (s->str, ==, "\"a\\\"b\\\\c\\nd\\u0001e中\"");
  }
  {
    g_autoptr(GString) s = g_string_new (NULL);
    lb_export_append_json_string (s, NULL);
    g_assert_cmpstr (s->str, ==, "null");
  }
  /* invalid UTF-8 never reaches the output */
  {
    g_autoptr(GString) s = g_string_new (NULL);
    g_autofree char *back = NULL;

    lb_export_append_json_string (s, "bad \xff\xfe bytes \xc3");
    g_assert_true (g_utf8_validate (s->str, -1, NULL));
    back = parse_json_string_literal (s->str);
    g_assert_true (g_str_has_prefix (back, "bad "));
    g_assert_nonnull (strstr (back, " bytes "));
  }
}

static void
test_time_format (void)
{
  static const struct { gint64 us; const char *text; } cases[] = {
    { 0, "1970-01-01T00:00:00.000000Z" },
    { 1, "1970-01-01T00:00:00.000001Z" },
    { -1, "1969-12-31T23:59:59.999999Z" },
    { G_GINT64_CONSTANT (951782400000000), "2000-02-29T00:00:00.000000Z" },
    { G_GINT64_CONSTANT (1795921445123456), "2026-11-29T03:04:05.123456Z" },
    { G_GINT64_CONSTANT (253402300799999999), "9999-12-31T23:59:59.999999Z" },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);

      lb_export_append_time (s, cases[i].us);
      g_assert_cmpstr (s->str, ==, cases[i].text);
    }

  /* agrees with GDateTime */
  for (guint i = 0; i < 2000; i++)
    {
      gint64 us = (gint64) (g_rand_double (rand) * 4.0e15) - G_GINT64_CONSTANT (1000000000000000);
      g_autoptr(GString) s = g_string_new (NULL);
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC
                                                              - (us % G_USEC_PER_SEC < 0));
      g_autofree char *date = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
      gint64 frac = ((us % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC;
      g_autofree char *expected = g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", date, frac);

      lb_export_append_time (s, us);
      g_assert_cmpstr (s->str, ==, expected);
    }
}

static JsonObject *
line_object (JsonNode **holder,
             const char *line)
{
  g_autoptr(GError) error = NULL;

  *holder = json_from_string (line, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*holder);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*holder));
  return json_node_get_object (*holder);
}

static void
test_jsonl (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { "ok", "spam", NULL };
  LbSubmission sub = { 0 };
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *prev_hash = NULL;
  guint64 n_written = 0;
  guint n_lines;
  gint64 c1 = item_id (f, "c1");
  gint64 c2 = item_id (f, "c2");
  gint64 before_us = g_get_real_time ();

  sub.labels = labels;
  sub.decision = "reject";
  sub.reason = "abuse/insult";
  sub.note = tricky_note;
  sub.dwell_ms = 1234;
  g_assert_true (lb_store_submit (f->store, c1, "alice \"the\" annotator", &sub, &error));
  g_assert_no_error (error);

  memset (&sub, 0, sizeof sub);
  sub.decision = "approve";
  sub.dwell_ms = 50;
  g_assert_true (lb_store_submit (f->store, c2, "李明", &sub, &error));
  g_assert_no_error (error);

  g_assert_true (lb_store_undo (f->store, c2, "李明", &error));
  g_assert_no_error (error);

  text = export_to_string (f->store, 0, &n_written);
  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines) - 1;  /* after the last \n */
  g_assert_cmpstr (lines[n_lines], ==, "");
  g_assert_cmpuint (n_written, ==, n_lines);
  /* act 1: label, decision, note; act 2: decision; undo: retract */
  g_assert_cmpuint (n_lines, ==, 5);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, 5);

  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(JsonNode) holder = NULL;
      JsonObject *o = line_object (&holder, lines[i]);
      static const char * const fields[] = {
        "uuid", "seq", "seat", "batch", "item", "actor", "role", "kind", "payload", "time",
        "time_us", "dwell_ms", "act", "prev_hash", "hash",
      };
      const char *kind;
      JsonObject *payload;
      gint64 time_us;
      g_autoptr(GString) expected_time = g_string_new (NULL);

      for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
        g_assert_true (json_object_has_member (o, fields[k]));
      g_assert_cmpuint (json_object_get_size (o), ==, G_N_ELEMENTS (fields));

      g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (o, "seat"), ==,
                       lb_store_get_seat_id (f->store));
      g_assert_cmpstr (json_object_get_string_member (o, "batch"), ==, "reviews");
      g_assert_cmpstr (json_object_get_string_member (o, "role"), ==, "annotator");
      g_assert_cmpuint (strlen (json_object_get_string_member (o, "uuid")), ==, 36);
      g_assert_cmpuint (strlen (json_object_get_string_member (o, "hash")), ==, 64);

      /* the chain: each prev_hash is the hash before it */
      if (i == 0)
        g_assert_cmpstr (json_object_get_string_member (o, "prev_hash"), ==, "");
      else
        g_assert_cmpstr (json_object_get_string_member (o, "prev_hash"), ==, prev_hash);
      g_free (prev_hash);
      prev_hash = g_strdup (json_object_get_string_member (o, "hash"));

      time_us = json_object_get_int_member (o, "time_us");
      g_assert_cmpint (time_us, >=, before_us - G_USEC_PER_SEC);
      g_assert_cmpint (time_us, <=, g_get_real_time () + G_USEC_PER_SEC);
      lb_export_append_time (expected_time, time_us);
      g_assert_cmpstr (json_object_get_string_member (o, "time"), ==, expected_time->str);
      g_assert_true (g_str_has_suffix (expected_time->str, "Z"));

      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "payload")));
      payload = json_object_get_object_member (o, "payload");
      kind = json_object_get_string_member (o, "kind");

      if (i < 3)
        {
          g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, "c1");
          g_assert_cmpstr (json_object_get_string_member (o, "actor"), ==,
                           "alice \"the\" annotator");
          g_assert_cmpint (json_object_get_int_member (o, "act"), ==, 1);
        }
      else
        {
          g_assert_cmpstr (json_object_get_string_member (o, "item"), ==, "c2");
          g_assert_cmpstr (json_object_get_string_member (o, "actor"), ==, "李明");
        }

      if (g_str_equal (kind, "label"))
        {
          JsonArray *arr = json_object_get_array_member (payload, "labels");
          g_assert_cmpuint (json_array_get_length (arr), ==, 2);
          g_assert_cmpstr (json_array_get_string_element (arr, 0), ==, "ok");
          g_assert_cmpstr (json_array_get_string_element (arr, 1), ==, "spam");
          g_assert_cmpint (json_object_get_int_member (o, "dwell_ms"), ==, 1234);
        }
      else if (g_str_equal (kind, "note"))
        {
          g_assert_cmpstr (json_object_get_string_member (payload, "text"), ==, tricky_note);
        }
      else if (g_str_equal (kind, "decision") && i < 3)
        {
          g_assert_cmpstr (json_object_get_string_member (payload, "decision"), ==, "reject");
          g_assert_cmpstr (json_object_get_string_member (payload, "reason"), ==,
                           "abuse/insult");
        }
      else if (g_str_equal (kind, "decision"))
        {
          g_assert_cmpint (i, ==, 3);
          g_assert_cmpstr (json_object_get_string_member (payload, "decision"), ==, "approve");
          g_assert_cmpint (json_object_get_int_member (o, "act"), ==, 4);
        }
      else
        {
          JsonArray *arr;

          g_assert_cmpstr (kind, ==, "retract");
          g_assert_cmpint (i, ==, 4);
          arr = json_object_get_array_member (payload, "retracts");
          g_assert_cmpuint (json_array_get_length (arr), ==, 1);
        }
    }

  /* the three kinds of act 1 are all there */
  g_assert_nonnull (strstr (text, "\"kind\":\"label\""));
  g_assert_nonnull (strstr (text, "\"kind\":\"note\""));
  g_assert_nonnull (strstr (text, "\"kind\":\"decision\""));
  g_assert_nonnull (strstr (text, "\"kind\":\"retract\""));

  /* after_seq */
  {
    guint64 n = 0;
    g_autofree char *tail = export_to_string (f->store, 3, &n);
    g_auto(GStrv) tail_lines = g_strsplit (tail, "\n", -1);

    g_assert_cmpuint (n, ==, 2);
    g_assert_cmpstr (tail_lines[0], ==, lines[3]);
    g_assert_cmpstr (tail_lines[1], ==, lines[4]);
  }
  {
    guint64 n = 1;
    g_autofree char *none = export_to_string (f->store, 5, &n);

    g_assert_cmpuint (n, ==, 0);
    g_assert_cmpstr (none, ==, "");
  }
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  const char *labels[] = { "ok", NULL };
  LbSubmission sub = { .labels = labels };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_assert_true (lb_store_submit (f->store, item_id (f, "c3"), "bob", &sub, &error));
  g_assert_no_error (error);

  /* unknown format names the supported ones */
  g_assert_false (lb_export_events (f->store, "xml", 0, out, NULL, NULL, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "xml"));
  g_assert_nonnull (strstr (error->message, "jsonl"));
  g_clear_error (&error);

  /* cancelled */
  g_cancellable_cancel (cancellable);
  g_assert_false (lb_export_events_jsonl (f->store, 0, out, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* a stream that cannot be written */
  g_output_stream_close (out, NULL, NULL);
  g_assert_false (lb_export_events (f->store, "jsonl", 0, out, NULL, NULL, &error));
  g_assert_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE);
}

/* Whatever a (damaged or tampered) store holds, each line stays one valid
 * JSON object. */
static void
test_odd_payloads (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  static const char * const payloads[] = {
    "{\n  \"labels\": [\"ok\"]\n}",   /* pretty-printed: parsed and written again */
    "not json at all",                  /* kept as a string */
    "{\"text\": \"tab\there\"}",        /* a raw control character */
    "{\"text\": \"中文\"}",              /* copied as it is */
  };
  const char *labels[] = { "ok", NULL };
  LbSubmission sub = { .labels = labels };
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  sqlite3 *db = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_assert_true (lb_store_submit (f->store, item_id (f, "c3"), "bob", &sub, &error));
      g_assert_no_error (error);
    }

  g_assert_cmpint (sqlite3_open (lb_store_get_path (f->store), &db), ==, SQLITE_OK);
  sqlite3_exec (db, "DROP TRIGGER IF EXISTS events_no_update", NULL, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE events SET payload = ?1 WHERE seq = ?2",
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, payloads[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, i + 1);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);

  text = export_to_string (f->store, 0, NULL);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (payloads) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autoptr(JsonNode) holder = NULL;
      JsonObject *o = line_object (&holder, lines[i]);
      JsonNode *payload = json_object_get_member (o, "payload");

      switch (i)
        {
        case 0:
          g_assert_cmpstr (json_array_get_string_element (
                             json_object_get_array_member (json_node_get_object (payload),
                                                           "labels"), 0), ==, "ok");
          break;
        case 1:
          g_assert_cmpstr (json_node_get_string (payload), ==, "not json at all");
          break;
        case 2:
          g_assert_true (JSON_NODE_HOLDS_OBJECT (payload) || JSON_NODE_HOLDS_VALUE (payload));
          break;
        case 3:
          g_assert_cmpstr (json_object_get_string_member (json_node_get_object (payload),
                                                          "text"), ==, "中文");
          break;
        }
    }

  /* and verify names the first changed event */
  g_assert_false (lb_store_verify (f->store, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/export/json-string", test_json_string);
  g_test_add_func ("/engine/export/time", test_time_format);
  g_test_add ("/engine/export/jsonl", Fixture, NULL, fixture_set_up, test_jsonl,
              fixture_tear_down);
  g_test_add ("/engine/export/odd-payloads", Fixture, NULL, fixture_set_up, test_odd_payloads,
              fixture_tear_down);
  g_test_add ("/engine/export/errors", Fixture, NULL, fixture_set_up, test_errors,
              fixture_tear_down);

  return g_test_run ();
}
