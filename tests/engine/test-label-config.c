/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-label-config"
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lb-label-config.h"
#include "lb-schema.h"

/* Translates a fixture of tests/fixtures/label-config; *lines gets the
 * untranslated lines joined by '\n'. */
static LbSchema *
load_fixture (const char  *name,
              char       **lines,
              GError     **error)
{
  const char *dir = g_getenv ("LB_FIXTURES_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) untranslated = NULL;
  LbSchema *schema;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, "label-config", name, NULL);
  schema = lb_label_config_load (path, &untranslated, error);
  if (lines != NULL)
    {
      g_autoptr(GString) s = g_string_new (NULL);

      for (guint i = 0; untranslated != NULL && i < untranslated->len; i++)
        g_string_append_printf (s, "%s\n", (const char *) g_ptr_array_index (untranslated, i));
      *lines = g_string_free (g_steal_pointer (&s), FALSE);
    }
  return schema;
}

static void
assert_round_trip (LbSchema *schema)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = lb_schema_to_json (schema);
  g_autoptr(LbSchema) again = lb_schema_new_from_data (json, -1, "again", &error);
  g_autofree char *json_again = NULL;

  g_assert_no_error (error);
  json_again = lb_schema_to_json (again);
  g_assert_cmpstr (json, ==, json_again);
}

static void
test_image_classification (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("image-classification.xml", &lines, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (lines, ==, "");
  g_assert_cmpstr (lb_schema_get_name (schema), ==, "image-classification");
  g_assert_false (lb_schema_get_multi_label (schema));
  g_assert_cmpint (lb_schema_get_tools (schema), ==, LB_TOOL_CLASS | LB_TOOL_NOTE);
  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 3);
  g_assert_cmpstr (lb_schema_get_label (schema, 0)->id, ==, "Adult content");
  g_assert_cmpstr (lb_schema_get_label (schema, 2)->id, ==, "Violence");
  /* the decisions a schema has by default */
  g_assert_nonnull (lb_schema_find_decision (schema, "approve"));
  /* name and toName kept */
  g_assert_nonnull (strstr (lb_schema_get_label_config_json (schema),
                            "\"tag\":\"Choices\",\"name\":\"choice\",\"toName\":\"image\""));
  g_assert_nonnull (strstr (lb_schema_get_label_config_json (schema),
                            "\"tag\":\"Image\",\"name\":\"image\",\"value\":\"$image\""));
  assert_round_trip (schema);
}

static void
test_object_detection (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("object-detection.xml", &lines, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (lines, ==, "");
  g_assert_cmpint (lb_schema_get_tools (schema), ==, LB_TOOL_BOX | LB_TOOL_NOTE);
  g_assert_cmpstr (lb_schema_find_label (schema, "Airplane")->color, ==, "#008000");
  g_assert_cmpstr (lb_schema_find_label (schema, "Car")->color, ==, "#0000ff");
  assert_round_trip (schema);
}

static void
test_ner (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("ner.xml", &lines, &error);

  g_assert_no_error (error);
  /* Labels before the Text they name: still spans */
  g_assert_cmpint (lb_schema_get_tools (schema), ==, LB_TOOL_SPAN | LB_TOOL_NOTE);
  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 4);
  g_assert_cmpstr (lb_schema_find_label (schema, "PER")->color, ==, "#ff0000");
  g_assert_cmpstr (lb_schema_find_label (schema, "LOC")->color, ==, "#ffa500");
  /* a colour name we do not know: listed, and the label gets one of ours */
  g_assert_cmpstr (lines, ==,
                   "ner.xml:4: <Label> background “darkorange” not supported: not a colour of "
                   "the form #rrggbb\n");
  g_assert_cmpuint (strlen (lb_schema_find_label (schema, "ORG")->color), ==, 7);
  assert_round_trip (schema);
}

static void
test_polygons (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("polygon-segmentation.xml", &lines, &error);

  g_assert_no_error (error);
  g_assert_cmpint (lb_schema_get_tools (schema), ==, LB_TOOL_POLYGON | LB_TOOL_NOTE);
  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 2);
  g_assert_cmpstr (lines, ==,
                   "polygon-segmentation.xml:2: <Header> not supported: Labelbench has no such "
                   "tool\n");
  assert_round_trip (schema);
}

static void
test_text_classification_multiple (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("text-classification-multiple.xml", &lines, &error);
  const LbSchemaField *comment;

  g_assert_no_error (error);
  g_assert_true (lb_schema_get_multi_label (schema));
  g_assert_cmpint (lb_schema_get_tools (schema), ==, LB_TOOL_CLASS | LB_TOOL_NOTE);
  g_assert_cmpstr (lb_schema_find_label (schema, "Positive")->hotkey, ==, "1");
  g_assert_cmpstr (lb_schema_find_label (schema, "Neutral")->hotkey, ==, "3");
  g_assert_cmpstr (lb_schema_find_label (schema, "Positive")->color, ==, "#2ec27e");
  g_assert_cmpstr (lb_schema_find_label (schema, "Negative")->color, ==, "#e01b24");
  g_assert_cmpstr (lb_schema_find_label (schema, "Neutral")->color, ==, "#ffaa00");
  g_assert_cmpuint (lb_schema_get_n_fields (schema), ==, 1);
  comment = lb_schema_find_field (schema, "comment");
  g_assert_cmpstr (comment->title, ==, "Why?");
  g_assert_true (comment->multiline);
  /* the nested <View> is a container; its <Header> is listed */
  g_assert_cmpstr (lines, ==,
                   "text-classification-multiple.xml:4: <Header> not supported: Labelbench has "
                   "no such tool\n");
  g_assert_nonnull (strstr (lb_schema_get_label_config_json (schema),
                            "{\"tag\":\"TextArea\",\"name\":\"comment\",\"toName\":\"text\"}"));
  assert_round_trip (schema);
}

static void
test_unsupported (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("unsupported.xml", &lines, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (lines, ==,
                   "unsupported.xml:3: <Rating name=\"rating\"> not supported: Labelbench has no "
                   "such tool\n"
                   "unsupported.xml:4: <KeyPointLabels name=\"kp\"> not supported: Labelbench "
                   "has no such tool\n"
                   "unsupported.xml:7: <Taxonomy name=\"taxonomy\"> not supported: Labelbench "
                   "has no such tool\n"
                   "unsupported.xml:12: <Choices name=\"quality\"> perRegion not supported: the "
                   "choices apply to the whole item\n"
                   "unsupported.xml:13: <Choice> hotkey “j” not supported: J, K, ? and Space "
                   "are Labelbench’s own\n"
                   "unsupported.xml:15: <Choice> hotkey “B” not supported: another label has "
                   "it\n"
                   "unsupported.xml:17: <Labels name=\"words\"> not supported: <Labels> work on "
                   "a <Text> (toName “image”); use <RectangleLabels> or <PolygonLabels> on "
                   "images\n");
  /* what could be translated was */
  g_assert_nonnull (lb_schema_find_label (schema, "Good"));
  g_assert_null (lb_schema_find_label (schema, "Good")->hotkey);
  g_assert_cmpstr (lb_schema_find_label (schema, "Bad")->hotkey, ==, "b");
  g_assert_null (lb_schema_find_label (schema, "Ugly")->hotkey);
  g_assert_null (lb_schema_find_label (schema, "Eye"));
  g_assert_null (lb_schema_find_label (schema, "Cats"));
  g_assert_false (lb_schema_has_tool (schema, LB_TOOL_SPAN));
}

static void
test_malformed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("malformed.xml", NULL, &error);

  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "malformed.xml:5:"));
}

static void
test_not_a_view (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GPtrArray) untranslated = NULL;

  schema = lb_label_config_to_schema ("<Form><Choices/></Form>", -1, "x.xml", &untranslated,
                                      &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "x.xml:1:"));
  g_assert_nonnull (strstr (error->message, "starts with <View>"));
  g_clear_error (&error);

  schema = lb_label_config_to_schema ("", -1, "x.xml", &untranslated, &error);
  g_assert_null (schema);
  g_assert_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE);
  g_clear_error (&error);

  /* a View with nothing we translate: no labels, but the default decisions */
  schema = lb_label_config_to_schema ("<View><Image name=\"i\" value=\"$i\"/></View>", -1,
                                      "x.xml", &untranslated, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_schema_get_n_labels (schema), ==, 0);
  g_assert_cmpuint (lb_schema_get_n_decisions (schema), ==, 3);
  g_assert_cmpuint (untranslated->len, ==, 0);

  g_assert_true (lb_label_config_is_config ("a/config.XML"));
  g_assert_false (lb_label_config_is_config ("schema.json"));
}

/* B and P pick the box and polygon tools: labels lose those keys, and
 * the config says so instead of failing to translate. */
static void
test_tool_hotkeys (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autoptr(LbSchema) schema = load_fixture ("tool-hotkeys.xml", &lines, &error);

  g_assert_no_error (error);
  g_assert_nonnull (schema);
  g_assert_cmpint (lb_schema_get_tools (schema) & (LB_TOOL_BOX | LB_TOOL_POLYGON), ==,
                   LB_TOOL_BOX | LB_TOOL_POLYGON);
  g_assert_null (lb_schema_find_label (schema, "Bicycle")->hotkey);
  g_assert_null (lb_schema_find_label (schema, "Person")->hotkey);
  g_assert_cmpstr (lb_schema_find_label (schema, "Puddle")->hotkey, ==, "w");
  g_assert_nonnull (strstr (lines, "tool-hotkeys.xml:4: "));
  g_assert_nonnull (strstr (lines, "B picks the box tool"));
  g_assert_nonnull (strstr (lines, "tool-hotkeys.xml:5: "));
  g_assert_nonnull (strstr (lines, "P picks the polygon tool"));
  assert_round_trip (schema);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/label-config/image-classification", test_image_classification);
  g_test_add_func ("/engine/label-config/object-detection", test_object_detection);
  g_test_add_func ("/engine/label-config/ner", test_ner);
  g_test_add_func ("/engine/label-config/polygons", test_polygons);
  g_test_add_func ("/engine/label-config/text-classification-multiple",
                   test_text_classification_multiple);
  g_test_add_func ("/engine/label-config/unsupported", test_unsupported);
  g_test_add_func ("/engine/label-config/malformed", test_malformed);
  g_test_add_func ("/engine/label-config/tool-hotkeys", test_tool_hotkeys);
  g_test_add_func ("/engine/label-config/not-a-view", test_not_a_view);

  return g_test_run ();
}
