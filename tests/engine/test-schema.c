/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-schema"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "lb-schema.h"

static const char issue_shape[] =
  "{\"name\": \"Comment review\", \"multi_label\": false,\n"
  " \"labels\": [{\"id\": \"ok\", \"title\": \"OK\", \"hotkey\": \"1\", \"color\": \"#2ec27e\"},\n"
  "            {\"id\": \"spam\", \"title\": \"Spam\", \"hotkey\": \"2\","
  " \"color\": \"#e01b24\"}],\n"
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"},\n"
  "               {\"id\": \"reject\", \"title\": \"Reject\", \"hotkey\": \"r\","
  " \"needs_reason\": true},\n"
  "               {\"id\": \"escalate\", \"title\": \"Escalate\", \"hotkey\": \"e\"}],\n"
  " \"reasons\": [{\"id\": \"abuse\", \"title\": \"Abuse\",\n"
  "              \"children\": [{\"id\": \"abuse/insult\", \"title\": \"Insult\"}]}]}\n";

static LbSchema *
parse_ok (const char *json)
{
  g_autoptr(GError) error = NULL;
  LbSchema *schema = lb_schema_new_from_data (json, -1, "schema.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (schema);
  return schema;
}

static void
assert_invalid (const char *json,
                const char *expected_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = lb_schema_new_from_data (json, -1, "schema.json", &error);

  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID);
  if (!g_str_has_prefix (error->message, expected_message))
    g_error ("expected a message starting with ‘%s’, got ‘%s’", expected_message, error->message);
}

static void
test_issue_shape (void)
{
  g_autoptr(LbSchema) schema = parse_ok (issue_shape);
  const LbSchemaLabel *label;
  const LbSchemaDecision *decision;
  const LbSchemaReason *reason;

  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Comment review");
  g_assert_false (lb_schema_get_multi_label (schema));

  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 2);
  label = lb_schema_get_label (schema, 0);
  g_assert_cmpstr (label->id, ==, "ok");
  g_assert_cmpstr (label->title, ==, "OK");
  g_assert_cmpstr (label->hotkey, ==, "1");
  g_assert_cmpstr (label->color, ==, "#2ec27e");
  label = lb_schema_get_label (schema, 1);
  g_assert_cmpstr (label->id, ==, "spam");
  g_assert_cmpstr (label->color, ==, "#e01b24");

  g_assert_cmpuint (lb_schema_get_n_decisions (schema), ==, 3);
  decision = lb_schema_get_decision (schema, 0);
  g_assert_cmpstr (decision->id, ==, "approve");
  g_assert_cmpstr (decision->hotkey, ==, "a");
  g_assert_false (decision->needs_reason);
  g_assert_false (decision->flag);
  decision = lb_schema_find_decision (schema, "reject");
  g_assert_nonnull (decision);
  g_assert_true (decision->needs_reason);
  g_assert_false (decision->flag);
  decision = lb_schema_find_decision (schema, "escalate");
  g_assert_nonnull (decision);
  g_assert_true (decision->flag);
  g_assert_false (decision->needs_reason);

  g_assert_cmpuint (lb_schema_get_n_reasons (schema), ==, 2);
  reason = lb_schema_get_reason (schema, 0);
  g_assert_cmpstr (reason->id, ==, "abuse");
  g_assert_cmpstr (reason->title, ==, "Abuse");
  g_assert_null (reason->parent_id);
  reason = lb_schema_get_reason (schema, 1);
  g_assert_cmpstr (reason->id, ==, "abuse/insult");
  g_assert_cmpstr (reason->title, ==, "Insult");
  g_assert_cmpstr (reason->parent_id, ==, "abuse");
  g_assert_true (lb_schema_find_reason (schema, "abuse/insult") == reason);
  g_assert_null (lb_schema_find_reason (schema, "insult"));
  g_assert_null (lb_schema_find_label (schema, "approve"));
}

static void
test_unknown_keys (void)
{
  g_autoptr(LbSchema) schema =
    parse_ok ("{\"labels\": [{\"id\": \"cat\", \"shortcut\": \"x\"}], \"tools\": [\"box\"],"
              " \"attributes\": {\"a\": 1}, \"version\": 3}");

  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 1);
  g_assert_cmpstr (lb_schema_get_label (schema, 0)->id, ==, "cat");
}

static void
test_defaults (void)
{
  g_autoptr(LbSchema) schema =
    parse_ok ("{\"labels\": [{\"id\": \"cat\"}, {\"id\": \"dog\", \"hotkey\": \"a\"},"
              " {\"id\": \"bird\"}]}");
  const LbSchemaLabel *label;

  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Untitled schema");
  g_assert_false (lb_schema_get_multi_label (schema));

  /* title defaults to the id, colours come from the palette by index */
  label = lb_schema_get_label (schema, 0);
  g_assert_cmpstr (label->title, ==, "cat");
  g_assert_null (label->hotkey);
  g_assert_cmpstr (label->color, ==, "#3584e4");
  g_assert_cmpstr (lb_schema_get_label (schema, 1)->color, ==, "#2ec27e");
  g_assert_cmpstr (lb_schema_get_label (schema, 2)->color, ==, "#e5a50a");

  /* no "decisions": approve / reject / escalate; "a" is taken by a label */
  g_assert_cmpuint (lb_schema_get_n_decisions (schema), ==, 3);
  g_assert_cmpstr (lb_schema_get_decision (schema, 0)->id, ==, "approve");
  g_assert_null (lb_schema_get_decision (schema, 0)->hotkey);
  g_assert_cmpstr (lb_schema_get_decision (schema, 1)->id, ==, "reject");
  g_assert_cmpstr (lb_schema_get_decision (schema, 1)->hotkey, ==, "r");
  /* no reasons to pick from: Reject can be made without one */
  g_assert_false (lb_schema_get_decision (schema, 1)->needs_reason);
  g_assert_cmpstr (lb_schema_get_decision (schema, 2)->id, ==, "escalate");
  g_assert_cmpstr (lb_schema_get_decision (schema, 2)->hotkey, ==, "e");
  g_assert_true (lb_schema_get_decision (schema, 2)->flag);
  g_assert_cmpuint (lb_schema_get_n_reasons (schema), ==, 0);
}

static void
test_explicit_no_decisions (void)
{
  g_autoptr(LbSchema) schema =
    parse_ok ("{\"name\": \"Animals\", \"multi_label\": true, \"labels\": [{\"id\": \"cat\"}],"
              " \"decisions\": []}");

  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Animals");
  g_assert_true (lb_schema_get_multi_label (schema));
  g_assert_cmpuint (lb_schema_get_n_decisions (schema), ==, 0);
}

static void
test_decisions_only (void)
{
  g_autoptr(LbSchema) schema =
    parse_ok ("{\"decisions\": [{\"id\": \"keep\", \"hotkey\": \"q\", \"flag\": true},"
              " {\"id\": \"escalate\", \"flag\": false}]}");

  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 0);
  g_assert_true (lb_schema_get_decision (schema, 0)->flag);
  g_assert_cmpstr (lb_schema_get_decision (schema, 0)->title, ==, "keep");
  g_assert_false (lb_schema_get_decision (schema, 1)->flag);
}

static void
test_default_schema (void)
{
  g_autoptr(LbSchema) schema = lb_schema_new_default ();
  g_autoptr(LbSchema) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  g_autoptr(GError) error = NULL;
  guint index;

  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 3);
  g_assert_cmpstr (lb_schema_get_label (schema, 0)->id, ==, "relevant");
  g_assert_cmpstr (lb_schema_get_label (schema, 1)->id, ==, "not-relevant");
  g_assert_cmpstr (lb_schema_get_label (schema, 2)->id, ==, "unsure");
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "2", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpuint (index, ==, 1);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "R", &index), ==, LB_HOTKEY_DECISION);
  g_assert_cmpuint (index, ==, 1);
  g_assert_true (lb_schema_find_decision (schema, "reject")->needs_reason);
  g_assert_true (lb_schema_find_decision (schema, "escalate")->flag);
  g_assert_cmpstr (lb_schema_find_reason (schema, "abuse/insult")->parent_id, ==, "abuse");
  g_assert_cmpstr (lb_schema_find_reason (schema, "violence/graphic")->parent_id, ==, "violence");
  g_assert_nonnull (lb_schema_find_reason (schema, "abuse/harassment"));
  g_assert_nonnull (lb_schema_find_reason (schema, "spam"));
  g_assert_nonnull (lb_schema_find_reason (schema, "sexual"));
  g_assert_nonnull (lb_schema_find_reason (schema, "other"));

  /* the default schema is valid by its own rules */
  json = lb_schema_to_json (schema);
  again = lb_schema_new_from_data (json, -1, "default", &error);
  g_assert_no_error (error);
  json_again = lb_schema_to_json (again);
  g_assert_cmpstr (json, ==, json_again);
}

static void
test_round_trip (void)
{
  g_autoptr(LbSchema) schema = parse_ok (issue_shape);
  g_autoptr(LbSchema) again = NULL;
  g_autofree char *json = lb_schema_to_json (schema);
  g_autofree char *json_again = NULL;

  again = parse_ok (json);
  json_again = lb_schema_to_json (again);
  g_assert_cmpstr (json, ==, json_again);

  g_assert_cmpstr (lb_schema_get_name (again), ==, "Comment review");
  g_assert_cmpuint (lb_schema_get_n_labels (again), ==, 2);
  g_assert_cmpstr (lb_schema_get_label (again, 1)->title, ==, "Spam");
  g_assert_cmpstr (lb_schema_get_label (again, 1)->hotkey, ==, "2");
  g_assert_cmpstr (lb_schema_get_label (again, 1)->color, ==, "#e01b24");
  g_assert_cmpuint (lb_schema_get_n_decisions (again), ==, 3);
  g_assert_true (lb_schema_get_decision (again, 1)->needs_reason);
  g_assert_true (lb_schema_get_decision (again, 2)->flag);
  g_assert_cmpuint (lb_schema_get_n_reasons (again), ==, 2);
  g_assert_cmpstr (lb_schema_get_reason (again, 1)->parent_id, ==, "abuse");

  /* an escalate decision explicitly not flagged stays so */
  {
    g_autoptr(LbSchema) unflagged =
      parse_ok ("{\"decisions\": [{\"id\": \"escalate\", \"flag\": false}]}");
    g_autofree char *unflagged_json = lb_schema_to_json (unflagged);
    g_autoptr(LbSchema) unflagged_again = parse_ok (unflagged_json);

    g_assert_false (lb_schema_get_decision (unflagged_again, 0)->flag);
  }

  /* colours are kept in lower case */
  {
    g_autoptr(LbSchema) upper =
      parse_ok ("{\"labels\": [{\"id\": \"x\", \"color\": \"#AABBCC\"}]}");

    g_assert_cmpstr (lb_schema_get_label (upper, 0)->color, ==, "#aabbcc");
  }
}

static void
test_hotkey_lookup (void)
{
  g_autoptr(LbSchema) schema = parse_ok (issue_shape);
  g_autoptr(LbSchema) letters =
    parse_ok ("{\"labels\": [{\"id\": \"big\", \"hotkey\": \"B\"}, {\"id\": \"umlaut\","
              " \"hotkey\": \"Ä\"}], \"decisions\": []}");
  guint index = 99;

  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "1", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpuint (index, ==, 0);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "2", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpuint (index, ==, 1);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "e", &index), ==, LB_HOTKEY_DECISION);
  g_assert_cmpuint (index, ==, 2);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "E", &index), ==, LB_HOTKEY_DECISION);
  g_assert_cmpuint (index, ==, 2);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "A", &index), ==, LB_HOTKEY_DECISION);
  g_assert_cmpuint (index, ==, 0);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "3", &index), ==, LB_HOTKEY_NONE);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "j", &index), ==, LB_HOTKEY_NONE);
  g_assert_cmpint (lb_schema_lookup_hotkey (schema, "", &index), ==, LB_HOTKEY_NONE);

  g_assert_cmpint (lb_schema_lookup_hotkey (letters, "b", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpuint (index, ==, 0);
  g_assert_cmpint (lb_schema_lookup_hotkey (letters, "B", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpint (lb_schema_lookup_hotkey (letters, "ä", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpuint (index, ==, 1);
}

static void
test_chinese (void)
{
  g_autoptr(LbSchema) schema =
    parse_ok ("{\"name\": \"评论审核\", \"labels\": [{\"id\": \"ok\", \"title\": \"正常\","
              " \"hotkey\": \"1\"},"
              " {\"id\": \"ad\", \"title\": \"广告\", \"hotkey\": \"广\"}],"
              " \"decisions\": [{\"id\": \"approve\", \"title\": \"通过\", \"hotkey\": \"a\"}],"
              " \"reasons\": [{\"id\": \"abuse\", \"title\": \"辱骂\", \"children\":"
              " [{\"id\": \"abuse/insult\", \"title\": \"人身攻击\"}]}]}");
  g_autofree char *json = lb_schema_to_json (schema);
  g_autoptr(LbSchema) again = parse_ok (json);
  guint index;

  g_assert_cmpstr (lb_schema_get_name (again), ==, "评论审核");
  g_assert_cmpstr (lb_schema_get_label (again, 0)->title, ==, "正常");
  g_assert_cmpstr (lb_schema_get_label (again, 1)->hotkey, ==, "广");
  g_assert_cmpstr (lb_schema_get_decision (again, 0)->title, ==, "通过");
  g_assert_cmpstr (lb_schema_get_reason (again, 1)->title, ==, "人身攻击");
  g_assert_cmpint (lb_schema_lookup_hotkey (again, "广", &index), ==, LB_HOTKEY_LABEL);
  g_assert_cmpuint (index, ==, 1);
}

static void
test_invalid (void)
{
  /* ids */
  assert_invalid ("{\"labels\": [{\"title\": \"x\"}]}", "schema.json: labels[0].id: is missing");
  assert_invalid ("{\"labels\": [{\"id\": \"\"}]}", "schema.json: labels[0].id: must not be empty");
  assert_invalid ("{\"labels\": [{\"id\": 3}]}", "schema.json: labels[0].id: must be a string");
  assert_invalid ("{\"labels\": [{\"id\": \"a\"}, {\"id\": \"a\"}]}",
                  "schema.json: labels[1].id: label “a” is listed twice");
  assert_invalid ("{\"decisions\": [{\"id\": \"x\"}, {\"id\": \"x\"}]}",
                  "schema.json: decisions[1].id: decision “x” is listed twice");
  assert_invalid ("{\"decisions\": [{\"title\": \"x\"}]}",
                  "schema.json: decisions[0].id: is missing");
  assert_invalid ("{\"labels\": [{\"id\": \"a\"}],"
                  " \"reasons\": [{\"id\": \"r\"}, {\"id\": \"r\"}]}",
                  "schema.json: reasons[1].id: reason “r” is listed twice");
  assert_invalid ("{\"labels\": [{\"id\": \"a\"}], \"reasons\": [{\"id\": \"p\", \"children\":"
                  " [{\"id\": \"p/c\"}, {\"id\": \"p/c\"}]}]}",
                  "schema.json: reasons[0].children[1].id: reason “p/c” is listed twice");
  assert_invalid ("{\"labels\": [{\"id\": \"a\"}], \"reasons\": [{\"id\": \"p\", \"children\":"
                  " [{\"title\": \"nameless\"}]}]}",
                  "schema.json: reasons[0].children[0].id: is missing");

  /* hotkeys */
  assert_invalid (
    "{\"labels\": [{\"id\": \"ok\", \"hotkey\": \"1\"}, {\"id\": \"b\", \"hotkey\": \"2\"},"
    " {\"id\": \"c\", \"hotkey\": \"1\"}]}",
    "schema.json: labels[2].hotkey: “1” is already used by label “ok”");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \"A\"}],"
                  " \"decisions\": [{\"id\": \"approve\", \"hotkey\": \"a\"}]}",
                  "schema.json: decisions[0].hotkey: “a” is already used by label “x”");
  assert_invalid ("{\"decisions\": [{\"id\": \"approve\", \"hotkey\": \"a\"},"
                  " {\"id\": \"accept\", \"hotkey\": \"A\"}]}",
                  "schema.json: decisions[1].hotkey: “A” is already used by decision “approve”");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \"12\"}]}",
                  "schema.json: labels[0].hotkey: “12” is not exactly one character");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \"\"}]}",
                  "schema.json: labels[0].hotkey: “” is not exactly one character");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": 1}]}",
                  "schema.json: labels[0].hotkey: must be a string");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \"j\"}]}",
                  "schema.json: labels[0].hotkey: “j” is reserved");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \"K\"}]}",
                  "schema.json: labels[0].hotkey: “K” is reserved");
  assert_invalid ("{\"decisions\": [{\"id\": \"x\", \"hotkey\": \"?\"}]}",
                  "schema.json: decisions[0].hotkey: “?” is reserved");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \" \"}]}",
                  "schema.json: labels[0].hotkey: Space is reserved");
  /* Enter submits: control characters are no hotkeys */
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"hotkey\": \"\\n\"}]}",
                  "schema.json: labels[0].hotkey: U+000A is not a printable character");

  /* colours */
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"color\": \"red\"}]}",
                  "schema.json: labels[0].color: “red” is not a colour of the form #rrggbb");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"color\": \"#12345g\"}]}",
                  "schema.json: labels[0].color: “#12345g” is not a colour");
  assert_invalid ("{\"labels\": [{\"id\": \"x\", \"color\": \"#fff\"}]}",
                  "schema.json: labels[0].color: “#fff” is not a colour");

  /* nesting, shapes and types */
  assert_invalid ("{\"labels\": [{\"id\": \"a\"}], \"reasons\": [{\"id\": \"p\", \"children\":"
                  " [{\"id\": \"p/c\", \"children\": [{\"id\": \"p/c/d\"}]}]}]}",
                  "schema.json: reasons[0].children[0].children: reasons can be nested only two"
                  " levels deep");
  assert_invalid ("{\"labels\": [], \"decisions\": []}",
                  "schema.json: labels: the schema needs at least one label or one decision");
  assert_invalid ("{\"labels\": {\"id\": \"a\"}}", "schema.json: labels: must be an array");
  assert_invalid ("{\"labels\": [\"a\"]}", "schema.json: labels[0]: must be an object");
  assert_invalid ("{\"name\": 5, \"labels\": [{\"id\": \"a\"}]}",
                  "schema.json: name: must be a string");
  assert_invalid ("{\"multi_label\": \"yes\"}", "schema.json: multi_label: must be true or false");
  assert_invalid ("{\"decisions\": [{\"id\": \"r\", \"needs_reason\": 1}]}",
                  "schema.json: decisions[0].needs_reason: must be true or false");
}

static void
test_parse_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = NULL;

  schema = lb_schema_new_from_data ("{\"labels\": [\n  {\"id\": \"a\",}\n]}", -1, "schema.json",
                                    &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE);
  /* names the file and the line */
  g_assert_true (g_str_has_prefix (error->message, "schema.json:2:"));
  g_clear_error (&error);

  schema = lb_schema_new_from_data ("[1, 2]", -1, "schema.json", &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "schema.json: "));
  g_clear_error (&error);

  schema = lb_schema_new_from_data ("", -1, "schema.json", &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE);
  g_clear_error (&error);

  schema = lb_schema_new_from_file ("/nonexistent/schema.json", &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/schema.json"));
}

static void
test_from_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lb-schema-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(LbSchema) schema = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "schema.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"labels\": [{\"id\": \"a\", \"hotkey\": \"1\"},"
                                            " {\"id\": \"b\", \"hotkey\": \"1\"}]}", -1, NULL));
  schema = lb_schema_new_from_file (path, &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID);
  /* the message names the file as it was given */
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, ": labels[1].hotkey: "));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, issue_shape, -1, NULL));
  schema = lb_schema_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "Comment review");

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A decision needs a reason only when the schema has reasons: the default
 * Reject asks for one only then; a file that asks for one without reasons
 * is refused, naming the decision; a schema a store kept from before reads
 * as not needing one (its batch's Reject could never be submitted). */
static void
test_needs_reason_without_reasons (void)
{
  static const char asks[] =
    "{\"labels\": [{\"id\": \"ok\"}],\n"
    " \"decisions\": [{\"id\": \"approve\"},\n"
    "               {\"id\": \"reject\", \"hotkey\": \"r\", \"needs_reason\": true}]}\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lb-schema-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *kept_json = NULL;
  g_autofree char *now_json = NULL;
  g_autoptr(LbSchema) labels_only = NULL;
  g_autoptr(LbSchema) with_reasons = NULL;
  g_autoptr(LbSchema) kept = NULL;
  LbSchema *schema;

  g_assert_no_error (error);

  /* no "decisions", no "reasons": Reject needs none */
  labels_only = parse_ok ("{\"labels\": [{\"id\": \"ok\"}]}");
  g_assert_false (lb_schema_find_decision (labels_only, "reject")->needs_reason);
  g_assert_false (lb_schema_find_decision (labels_only, "approve")->needs_reason);

  /* no "decisions", some reasons: Reject needs one */
  with_reasons = parse_ok ("{\"labels\": [{\"id\": \"ok\"}],"
                           " \"reasons\": [{\"id\": \"spam\"}]}");
  g_assert_true (lb_schema_find_decision (with_reasons, "reject")->needs_reason);
  g_assert_false (lb_schema_find_decision (with_reasons, "approve")->needs_reason);

  /* a file asking for a reason without reasons: refused, naming the decision */
  path = g_build_filename (dir, "schema.json", NULL);
  g_assert_true (g_file_set_contents (path, asks, -1, NULL));
  schema = lb_schema_new_from_file (path, &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID);
  expected = g_strdup_printf ("%s: decisions[1].needs_reason: decision “reject” needs a reason, "
                              "but the schema has no “reasons”", path);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* the same decisions with a reason: accepted */
  g_assert_true (g_file_set_contents (path,
                                      "{\"decisions\": [{\"id\": \"reject\","
                                      " \"needs_reason\": true}],"
                                      " \"reasons\": [{\"id\": \"spam\"}]}", -1, NULL));
  schema = lb_schema_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (lb_schema_find_decision (schema, "reject")->needs_reason);
  lb_schema_unref (schema);

  /* what a store kept of a labels-only schema before: read without the
   * requirement, the same schema as that file gives now */
  kept = lb_schema_new_from_data ("{\"name\": \"Untitled schema\", \"multi_label\": false,"
                                  " \"labels\": [{\"id\": \"ok\", \"title\": \"ok\","
                                  " \"color\": \"#3584e4\"}],"
                                  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\","
                                  " \"hotkey\": \"a\", \"needs_reason\": false, \"flag\": false},"
                                  " {\"id\": \"reject\", \"title\": \"Reject\", \"hotkey\": \"r\","
                                  " \"needs_reason\": true, \"flag\": false},"
                                  " {\"id\": \"escalate\", \"title\": \"Escalate\","
                                  " \"hotkey\": \"e\", \"needs_reason\": false, \"flag\": true}],"
                                  " \"reasons\": []}", -1, "kept", &error);
  g_assert_no_error (error);
  g_assert_false (lb_schema_find_decision (kept, "reject")->needs_reason);
  kept_json = lb_schema_to_json (kept);
  now_json = lb_schema_to_json (labels_only);
  g_assert_cmpstr (kept_json, ==, now_json);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_refcount (void)
{
  LbSchema *schema = lb_schema_new_default ();
  GValue value = G_VALUE_INIT;

  g_value_init (&value, LB_TYPE_SCHEMA);
  g_value_set_boxed (&value, schema);
  lb_schema_unref (schema);
  g_assert_cmpstr (lb_schema_get_label (g_value_get_boxed (&value), 0)->id, ==, "relevant");
  g_value_unset (&value);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/schema/issue-shape", test_issue_shape);
  g_test_add_func ("/engine/schema/unknown-keys", test_unknown_keys);
  g_test_add_func ("/engine/schema/defaults", test_defaults);
  g_test_add_func ("/engine/schema/explicit-no-decisions", test_explicit_no_decisions);
  g_test_add_func ("/engine/schema/decisions-only", test_decisions_only);
  g_test_add_func ("/engine/schema/default-schema", test_default_schema);
  g_test_add_func ("/engine/schema/round-trip", test_round_trip);
  g_test_add_func ("/engine/schema/hotkey-lookup", test_hotkey_lookup);
  g_test_add_func ("/engine/schema/chinese", test_chinese);
  g_test_add_func ("/engine/schema/invalid", test_invalid);
  g_test_add_func ("/engine/schema/parse-errors", test_parse_errors);
  g_test_add_func ("/engine/schema/from-file", test_from_file);
  g_test_add_func ("/engine/schema/refcount", test_refcount);
  g_test_add_func ("/engine/schema/needs-reason-without-reasons",
                   test_needs_reason_without_reasons);

  return g_test_run ();
}
