/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-regions"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-schema.h"
#include "lb-store.h"
#include "lb-store-private.h"

/* Boxes and polygons on images, spans on texts, a caption field. */
#define REGION_SCHEMA_JSON \
  "{\"name\": \"Regions\"," \
  " \"tools\": [\"class\", \"box\", \"polygon\", \"span\", \"note\"]," \
  " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\"," \
  "               \"attributes\": [{\"id\": \"occluded\", \"type\": \"bool\"}," \
  "                                {\"id\": \"comment\", \"type\": \"text\"}," \
  "                                {\"id\": \"pose\", \"type\": \"choice\"," \
  "                                 \"options\": [\"sitting\", \"standing\"]}]}," \
  "              {\"id\": \"dog\", \"hotkey\": \"2\"}]," \
  " \"fields\": [{\"id\": \"caption\", \"title\": \"Caption\", \"multiline\": true}]}"

static void
assert_schema_invalid (const char *json,
                       const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = lb_schema_new_from_data (json, -1, "s.json", &error);

  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID);
  if (strstr (error->message, message) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, message);
}

static void
test_schema_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = lb_schema_new_from_data (REGION_SCHEMA_JSON, -1, "s.json",
                                                        &error);
  g_autoptr(LbSchema) again = NULL;
  g_autoptr(LbSchema) plain = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  g_autofree char *plain_json = NULL;
  const LbSchemaLabel *cat;
  const LbSchemaAttribute *pose;
  const LbSchemaField *caption;

  g_assert_no_error (error);
  g_assert_cmpint (lb_schema_get_tools (schema), ==,
                   LB_TOOL_CLASS | LB_TOOL_BOX | LB_TOOL_POLYGON | LB_TOOL_SPAN | LB_TOOL_NOTE);
  g_assert_true (lb_schema_has_tool (schema, LB_TOOL_BOX));
  g_assert_true (lb_schema_get_overlapping_spans (schema));

  cat = lb_schema_find_label (schema, "cat");
  g_assert_cmpuint (cat->n_attributes, ==, 3);
  g_assert_cmpint (cat->attributes[0].type, ==, LB_ATTRIBUTE_BOOL);
  g_assert_cmpstr (cat->attributes[0].title, ==, "occluded");
  pose = lb_schema_label_find_attribute (cat, "pose");
  g_assert_cmpint (pose->type, ==, LB_ATTRIBUTE_CHOICE);
  g_assert_cmpstr (pose->options[1], ==, "standing");
  g_assert_null (pose->options[2]);
  g_assert_cmpuint (lb_schema_find_label (schema, "dog")->n_attributes, ==, 0);

  g_assert_cmpuint (lb_schema_get_n_fields (schema), ==, 1);
  caption = lb_schema_find_field (schema, "caption");
  g_assert_cmpstr (caption->title, ==, "Caption");
  g_assert_true (caption->multiline);

  /* round trip */
  json = lb_schema_to_json (schema);
  again = lb_schema_new_from_data (json, -1, "again", &error);
  g_assert_no_error (error);
  json_again = lb_schema_to_json (again);
  g_assert_cmpstr (json, ==, json_again);
  g_assert_nonnull (strstr (json, "\"tools\":[\"class\",\"box\",\"polygon\",\"span\",\"note\"]"));
  g_assert_nonnull (strstr (json, "\"options\":[\"sitting\",\"standing\"]"));

  /* a schema without the new keys: class and note, overlapping spans, and
   * its canonical JSON does not mention them */
  plain = lb_schema_new_default ();
  g_assert_cmpint (lb_schema_get_tools (plain), ==, LB_TOOL_CLASS | LB_TOOL_NOTE);
  g_assert_false (lb_schema_has_tool (plain, LB_TOOL_SPAN));
  g_assert_true (lb_schema_get_overlapping_spans (plain));
  g_assert_cmpuint (lb_schema_get_n_fields (plain), ==, 0);
  plain_json = lb_schema_to_json (plain);
  g_assert_null (strstr (plain_json, "tools"));
  g_assert_null (strstr (plain_json, "fields"));
  g_assert_null (strstr (plain_json, "overlapping"));
}

static void
test_schema_invalid (void)
{
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\"}], \"tools\": [\"box\", \"lasso\"]}",
                         "s.json: tools[1]: “lasso” is not a tool");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\"}], \"tools\": [\"box\", \"box\"]}",
                         "s.json: tools[1]: tool “box” is listed twice");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\"}], \"tools\": \"box\"}",
                         "s.json: tools: must be an array");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\", \"attributes\": [{\"id\": \"x\","
                         " \"type\": \"number\"}]}]}",
                         "s.json: labels[0].attributes[0].type: “number” is not bool");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\", \"attributes\": [{\"id\": \"x\","
                         " \"type\": \"choice\"}]}]}",
                         "s.json: labels[0].attributes[0].options: a choice attribute needs");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\", \"attributes\": [{\"id\": \"x\","
                         " \"type\": \"bool\"}, {\"id\": \"x\", \"type\": \"text\"}]}]}",
                         "s.json: labels[0].attributes[1].id: attribute “x” is listed twice");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\", \"attributes\": [{\"id\": \"x\","
                         " \"type\": \"choice\", \"options\": [\"p\", 3]}]}]}",
                         "s.json: labels[0].attributes[0].options[1]: must be a string");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\"}], \"fields\": [{\"id\": \"c\"},"
                         " {\"id\": \"c\"}]}",
                         "s.json: fields[1].id: field “c” is listed twice");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\"}], \"fields\": [{\"title\": \"c\"}]}",
                         "s.json: fields[0].id: is missing");
  assert_schema_invalid ("{\"labels\": [{\"id\": \"a\"}], \"overlapping_spans\": 0}",
                         "s.json: overlapping_spans: must be true or false");
  assert_schema_invalid ("{\"decisions\": [{\"id\": \"a\"}], \"tools\": [\"span\"]}",
                         "s.json: tools: regions and spans need at least one label");
}

/* @STORE_TESTS@ */

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/regions/schema/keys", test_schema_keys);
  g_test_add_func ("/engine/regions/schema/invalid", test_schema_invalid);
  /* @STORE_TEST_REGISTRATION@ */

  return g_test_run ();
}
