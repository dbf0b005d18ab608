/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-regions"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

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

typedef struct {
  char    *dir;
  char    *path;
  LbStore *store;
  gint64   batch_id;
  gint64   image;    /* i1 */
  gint64   text;     /* t1: "猫🐈e\u0301x and more" */
  gint64   text2;    /* t2 */
} Fixture;

/* CJK, an emoji outside the BMP, e + combining acute accent */
#define MIXED_TEXT "猫🐈e\xcc\x81x is here"

static void
fixture_setup_with (Fixture    *f,
                    const char *schema_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = NULL;
  LbNewItem items[] = {
    { "i1", LB_ITEM_KIND_IMAGE, "a.png", NULL, NULL, "h1" },
    { "t1", LB_ITEM_KIND_TEXT, NULL, MIXED_TEXT, NULL, "h2" },
    { "t2", LB_ITEM_KIND_TEXT, NULL, "plain text here", NULL, "h3" },
  };

  f->dir = g_dir_make_tmp ("test-regions-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "store.db", NULL);
  f->store = lb_store_open (f->path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (_lb_store_ensure_batch (f->store, "b", f->dir, f->dir, schema_json,
                                         &f->batch_id, &error));
  g_assert_no_error (error);
  g_assert_true (_lb_store_insert_items (f->store, f->batch_id, items, G_N_ELEMENTS (items),
                                         NULL, NULL, &error));
  g_assert_no_error (error);
  ids = lb_store_list_item_ids (f->store, f->batch_id, LB_ITEM_FILTER_ALL, &error);
  g_assert_no_error (error);
  f->image = g_array_index (ids, gint64, 0);
  f->text = g_array_index (ids, gint64, 1);
  f->text2 = g_array_index (ids, gint64, 2);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_setup_with (f, data != NULL ? data : REGION_SCHEMA_JSON);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  lb_store_close (f->store);
  g_assert_finalize_object (f->store);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, name, NULL);
      g_remove (child);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static JsonArray *
item_array (Fixture    *f,
            gint64      item_id,
            gboolean    spans,
            LbItem    **item_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = lb_store_get_item (f->store, item_id, &error);
  JsonNode *node;
  JsonArray *array;

  g_assert_no_error (error);
  node = json_from_string (spans ? lb_item_get_spans_json (item)
                                 : lb_item_get_regions_json (item), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  array = json_array_ref (json_node_get_array (node));
  json_node_unref (node);
  g_assert_cmpuint (json_array_get_length (array), ==,
                    spans ? lb_item_get_n_spans (item) : lb_item_get_n_regions (item));
  if (item_out != NULL)
    *item_out = g_steal_pointer (&item);
  return array;
}

static guint
n_regions (Fixture *f)
{
  g_autoptr(JsonArray) regions = item_array (f, f->image, FALSE, NULL);
  return json_array_get_length (regions);
}

static char *
region_label (Fixture *f,
              guint    index)
{
  g_autoptr(JsonArray) regions = item_array (f, f->image, FALSE, NULL);
  return g_strdup (json_object_get_string_member (json_array_get_object_element (regions, index),
                                                  "label"));
}

/* kind and payload of the newest event */
typedef struct {
  char *kind;
  char *payload;
  gint64 n;
} LastEvent;

static gboolean
last_event_cb (const LbEvent *event,
               gpointer       user_data,
               GError       **error)
{
  LastEvent *last = user_data;

  g_free (last->kind);
  g_free (last->payload);
  last->kind = g_strdup (event->kind);
  last->payload = g_strdup (event->payload);
  last->n++;
  return TRUE;
}

static JsonObject *
last_event (Fixture     *f,
            const char  *kind)
{
  g_autoptr(GError) error = NULL;
  LastEvent last = { 0, };
  JsonNode *node;
  JsonObject *obj;

  g_assert_true (lb_store_foreach_event (f->store, 0, last_event_cb, &last, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (last.kind, ==, kind);
  node = json_from_string (last.payload, &error);
  g_assert_no_error (error);
  obj = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  g_free (last.kind);
  g_free (last.payload);
  return obj;
}

static void
test_region_events (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *box_id = NULL;
  g_autofree char *poly_id = NULL;
  g_autoptr(JsonObject) ev = NULL;
  g_autoptr(JsonArray) regions = NULL;
  g_autoptr(LbItem) item = NULL;
  const double points[] = { 10.5, 20.25, 110, 20, 60, 90.75 };
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 12.5, 30, 100.25, 50 }, NULL, 0,
                       "{\"occluded\": true, \"pose\": \"sitting\"}", 1500 };
  LbRegionSpec poly = { "dog", LB_REGION_SHAPE_POLYGON, { 0, }, points, 3, NULL, 0 };
  LbRegionSpec move = { NULL, LB_REGION_SHAPE_BOX, { 13.5, 31, 100.25, 50 }, NULL, 0, NULL, 0 };
  LbRegionSpec relabel = { "dog", LB_REGION_SHAPE_NONE, { 0, }, NULL, 0, NULL, 0 };
  JsonObject *r;
  JsonArray *a;

  g_assert_true (lb_store_create_region (f->store, f->image, "ann", &box, &box_id, &error));
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (box_id));

  /* one event, in source-image pixels */
  ev = last_event (f, "region.create");
  g_assert_cmpstr (json_object_get_string_member (ev, "region"), ==, box_id);
  g_assert_cmpstr (json_object_get_string_member (ev, "label"), ==, "cat");
  g_assert_cmpstr (json_object_get_string_member (ev, "shape"), ==, "box");
  a = json_object_get_array_member (ev, "box");
  g_assert_cmpfloat (json_array_get_double_element (a, 0), ==, 12.5);
  g_assert_cmpfloat (json_array_get_double_element (a, 2), ==, 100.25);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (ev, "attributes"),
                                                 "occluded"));
  g_clear_pointer (&ev, json_object_unref);

  g_assert_true (lb_store_create_region (f->store, f->image, "ann", &poly, &poly_id, &error));
  g_assert_no_error (error);

  regions = item_array (f, f->image, FALSE, &item);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_last_actor (item), ==, "ann");
  /* the parsed form */
  {
    const LbRegion *pr = lb_item_get_region (item, 0);

    g_assert_cmpstr (pr->id, ==, box_id);
    g_assert_cmpstr (pr->label, ==, "cat");
    g_assert_cmpint (pr->shape, ==, LB_REGION_SHAPE_BOX);
    g_assert_cmpfloat (pr->box[0], ==, 12.5);
    g_assert_cmpfloat (pr->box[1], ==, 30);
    g_assert_cmpfloat (pr->box[2], ==, 100.25);
    g_assert_cmpfloat (pr->box[3], ==, 50);
    g_assert_nonnull (strstr (pr->attributes, "\"pose\":\"sitting\""));
    pr = lb_item_find_region (item, poly_id);
    g_assert_true (pr == lb_item_get_region (item, 1));
    g_assert_cmpint (pr->shape, ==, LB_REGION_SHAPE_POLYGON);
    g_assert_cmpuint (pr->n_points, ==, 3);
    g_assert_cmpfloat (pr->points[0], ==, 10.5);
    g_assert_cmpfloat (pr->points[1], ==, 20.25);
    g_assert_cmpfloat (pr->points[5], ==, 90.75);
    g_assert_cmpstr (pr->attributes, ==, "{}");
    g_assert_null (lb_item_find_region (item, "nope"));
  }
  g_assert_cmpuint (json_array_get_length (regions), ==, 2);
  r = json_array_get_object_element (regions, 0);
  g_assert_cmpstr (json_object_get_string_member (r, "id"), ==, box_id);
  r = json_array_get_object_element (regions, 1);
  g_assert_cmpstr (json_object_get_string_member (r, "id"), ==, poly_id);
  g_assert_cmpstr (json_object_get_string_member (r, "shape"), ==, "polygon");
  a = json_object_get_array_member (r, "points");
  g_assert_cmpuint (json_array_get_length (a), ==, 3);
  g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (a, 2), 1),
                     ==, 90.75);
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (r, "attributes")),
                    ==, 0);
  g_clear_pointer (&regions, json_array_unref);
  g_clear_object (&item);

  /* move, then relabel (the old attributes would not fit the new label: replaced) */
  g_assert_true (lb_store_update_region (f->store, f->image, "ann", box_id, &move, &error));
  g_assert_no_error (error);
  ev = last_event (f, "region.update");
  g_assert_false (json_object_has_member (ev, "label"));
  g_assert_true (json_object_has_member (ev, "box"));
  g_clear_pointer (&ev, json_object_unref);

  /* "dog" has no attributes: cat's go, and the event says so */
  g_assert_true (lb_store_update_region (f->store, f->image, "ann", box_id, &relabel, &error));
  g_assert_no_error (error);
  ev = last_event (f, "region.update");
  g_assert_cmpstr (json_object_get_string_member (ev, "label"), ==, "dog");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (ev, "attributes")), ==,
                    0);
  g_clear_pointer (&ev, json_object_unref);
  regions = item_array (f, f->image, FALSE, NULL);
  r = json_array_get_object_element (regions, 0);
  g_assert_cmpstr (json_object_get_string_member (r, "label"), ==, "dog");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (r, "attributes")), ==,
                    0);
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (r, "box"), 0),
                     ==, 13.5);
  g_clear_pointer (&regions, json_array_unref);

  /* delete */
  g_assert_true (lb_store_delete_region (f->store, f->image, "ann", poly_id, &error));
  g_assert_no_error (error);
  ev = last_event (f, "region.delete");
  g_assert_cmpstr (json_object_get_string_member (ev, "region"), ==, poly_id);
  g_assert_cmpuint (n_regions (f), ==, 1);

  /* gone: neither updated nor deleted again */
  g_assert_false (lb_store_delete_region (f->store, f->image, "ann", poly_id, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

static void
assert_region_refused (Fixture            *f,
                       gint64              item_id,
                       const LbRegionSpec *spec,
                       const char         *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 before = lb_store_get_last_seq (f->store);

  g_assert_false (lb_store_create_region (f->store, item_id, "ann", spec, &id, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_null (id);
  if (strstr (error->message, message) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, message);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, before);
}

static void
test_region_validation (Fixture       *f,
                        gconstpointer  data)
{
  const double two[] = { 0, 0, 5, 5 };
  const double bad[] = { 0, 0, 5, 5, NAN, 1 };
  LbRegionSpec spec = { "cat", LB_REGION_SHAPE_BOX, { 1, 1, 10, 10 }, NULL, 0, NULL, 0 };

  spec.label = "horse";
  assert_region_refused (f, f->image, &spec, "Unknown label “horse”");
  spec.label = "cat";
  spec.box[2] = 0;
  assert_region_refused (f, f->image, &spec, "width and a height above 0");
  spec.box[2] = 10;
  spec.box[3] = -1;
  assert_region_refused (f, f->image, &spec, "width and a height above 0");
  spec.box[3] = INFINITY;
  assert_region_refused (f, f->image, &spec, "finite");
  spec.box[3] = 10;
  assert_region_refused (f, f->text, &spec, "is a text");

  spec.attributes = "{\"occluded\": \"yes\"}";
  assert_region_refused (f, f->image, &spec, "Attribute “occluded” must be true or false");
  spec.attributes = "{\"pose\": \"flying\"}";
  assert_region_refused (f, f->image, &spec, "“flying” is not an option of attribute “pose”");
  spec.attributes = "{\"colour\": \"red\"}";
  assert_region_refused (f, f->image, &spec, "Label “cat” has no attribute “colour”");
  spec.attributes = "[1]";
  assert_region_refused (f, f->image, &spec, "must be a JSON object");
  spec.attributes = NULL;

  spec.shape = LB_REGION_SHAPE_POLYGON;
  spec.points = two;
  spec.n_points = 2;
  assert_region_refused (f, f->image, &spec, "at least 3 points");
  spec.points = bad;
  spec.n_points = 3;
  assert_region_refused (f, f->image, &spec, "finite");

  g_assert_cmpuint (n_regions (f), ==, 0);
}

static void
test_region_tool_disabled (Fixture       *f,
                           gconstpointer  data)
{
  LbRegionSpec spec = { "cat", LB_REGION_SHAPE_BOX, { 1, 1, 10, 10 }, NULL, 0, NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  assert_region_refused (f, f->image, &spec, "The “box” tool is not enabled");
  g_assert_false (lb_store_create_span (f->store, f->text, "ann", "cat", 0, 1, &id, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“span” tool is not enabled"));
}

/* A schema without "class" and "note": the whole item gets neither */
static void
test_class_tool_disabled (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *labels[] = { "cat", NULL };
  const char *none[] = { NULL };
  LbSubmission sub = { labels, NULL, NULL, NULL, 0 };
  LbRegionSpec spec = { "cat", LB_REGION_SHAPE_BOX, { 1, 1, 10, 10 }, NULL, 0, NULL, 0 };

  g_assert_false (lb_store_submit (f->store, f->image, "ann", &sub, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no “class” tool"));
  g_clear_error (&error);

  sub.labels = NULL;
  sub.note = "a note";
  g_assert_false (lb_store_submit (f->store, f->image, "ann", &sub, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“note” tool is not enabled"));
  g_clear_error (&error);

  /* decisions, clearing labels and boxes still work */
  sub.note = NULL;
  sub.labels = none;
  sub.decision = "approve";
  g_assert_true (lb_store_submit (f->store, f->image, "ann", &sub, &error));
  g_assert_no_error (error);
  g_assert_true (lb_store_create_region (f->store, f->image, "ann", &spec, NULL, &error));
  g_assert_no_error (error);
}

static void
test_spans_code_points (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cat_id = NULL;
  g_autofree char *accent_id = NULL;
  g_autoptr(JsonObject) ev = NULL;
  g_autoptr(JsonArray) spans = NULL;
  g_autoptr(LbItem) item = NULL;
  JsonObject *s;

  /* 猫 (3 bytes) 🐈 (4 bytes) e (1) U+0301 (2) x (1): code points 0..4 */
  g_assert_true (lb_store_create_span (f->store, f->text, "ann", "cat", 0, 2, &cat_id, &error));
  g_assert_no_error (error);
  ev = last_event (f, "span.create");
  g_assert_cmpstr (json_object_get_string_member (ev, "span"), ==, cat_id);
  g_assert_cmpint (json_object_get_int_member (ev, "start"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (ev, "end"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (ev, "start_byte"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (ev, "end_byte"), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (ev, "text"), ==, "猫🐈");

  /* e + combining acute: two code points, three bytes */
  g_assert_true (lb_store_create_span (f->store, f->text, "ann", "dog", 2, 4, &accent_id,
                                       &error));
  g_assert_no_error (error);
  /* overlapping spans are allowed by default */
  g_assert_true (lb_store_create_span (f->store, f->text, "ann", "cat", 1, 5, NULL, &error));
  g_assert_no_error (error);

  spans = item_array (f, f->text, TRUE, &item);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpuint (json_array_get_length (spans), ==, 3);
  s = json_array_get_object_element (spans, 1);
  g_assert_cmpstr (json_object_get_string_member (s, "id"), ==, accent_id);
  g_assert_cmpstr (json_object_get_string_member (s, "label"), ==, "dog");
  g_assert_cmpint (json_object_get_int_member (s, "start_byte"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (s, "end_byte"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (s, "text"), ==, "e\xcc\x81");
  s = json_array_get_object_element (spans, 2);
  g_assert_cmpstr (json_object_get_string_member (s, "text"), ==, "🐈e\xcc\x81x");
  g_assert_cmpint (json_object_get_int_member (s, "end_byte"), ==, 11);
  {
    const LbSpan *ps = lb_item_find_span (item, accent_id);

    g_assert_true (ps == lb_item_get_span (item, 1));
    g_assert_cmpint (ps->start, ==, 2);
    g_assert_cmpint (ps->end, ==, 4);
    g_assert_cmpint (ps->start_byte, ==, 7);
    g_assert_cmpint (ps->end_byte, ==, 10);
    g_assert_cmpstr (ps->text, ==, "e\xcc\x81");
    g_assert_cmpstr (ps->label, ==, "dog");
    /* the byte offsets point at the text */
    g_assert_cmpmem (lb_item_get_text (item) + ps->start_byte, ps->end_byte - ps->start_byte,
                     ps->text, strlen (ps->text));
  }

  /* bounds: the text has 13 code points */
  g_assert_cmpint (g_utf8_strlen (MIXED_TEXT, -1), ==, 13);
  g_assert_true (lb_store_create_span (f->store, f->text, "ann", "cat", 12, 13, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lb_store_create_span (f->store, f->text, "ann", "cat", 12, 14, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "≤ 13"));
  g_clear_error (&error);
  g_assert_false (lb_store_create_span (f->store, f->text, "ann", "cat", 3, 3, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lb_store_create_span (f->store, f->text, "ann", "cat", -1, 2, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lb_store_create_span (f->store, f->text, "ann", "horse", 0, 2, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lb_store_create_span (f->store, f->image, "ann", "cat", 0, 2, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "is an image"));
  g_clear_error (&error);

  /* delete */
  g_assert_true (lb_store_delete_span (f->store, f->text, "ann", accent_id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&spans, json_array_unref);
  spans = item_array (f, f->text, TRUE, NULL);
  g_assert_cmpuint (json_array_get_length (spans), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (spans, 1), "id"),
                   !=, accent_id);
  g_assert_false (lb_store_delete_span (f->store, f->text, "ann", accent_id, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
}

static void
test_spans_no_overlap (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (lb_store_create_span (f->store, f->text2, "ann", "cat", 0, 5, NULL, &error));
  g_assert_no_error (error);
  /* touching is fine, overlapping is not */
  g_assert_true (lb_store_create_span (f->store, f->text2, "ann", "cat", 5, 6, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lb_store_create_span (f->store, f->text2, "ann", "dog", 4, 9, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "overlaps the span 0–5"));
  g_clear_error (&error);
}

/* Undo and redo cannot put back a span that another actor's span overlaps since */
static void
test_spans_no_overlap_undo (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 before;

  g_assert_true (lb_store_create_span (f->store, f->text2, "ann", "cat", 0, 5, &id, &error));
  g_assert_true (lb_store_delete_span (f->store, f->text2, "ann", id, &error));
  g_assert_true (lb_store_create_span (f->store, f->text2, "bob", "dog", 3, 8, NULL, &error));
  g_assert_no_error (error);

  before = lb_store_get_last_seq (f->store);
  g_assert_false (lb_store_undo (f->store, f->text2, "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Cannot undo: the spans 0–5 and 3–8 would overlap"));
  g_clear_error (&error);
  g_assert_cmpint (lb_store_get_last_seq (f->store), ==, before);

  /* once bob undid his, ann's undo goes through, and bob cannot redo his */
  g_assert_true (lb_store_undo (f->store, f->text2, "bob", &error));
  g_assert_true (lb_store_undo (f->store, f->text2, "ann", &error));   /* the span is back */
  g_assert_no_error (error);
  g_assert_false (lb_store_redo (f->store, f->text2, "bob", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Cannot redo: the spans 0–5 and 3–8 would overlap"));
}

static void
test_answers (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(JsonObject) ev = NULL;

  g_assert_true (lb_store_set_answer (f->store, f->image, "ann", "caption", "两只猫", &error));
  g_assert_no_error (error);
  ev = last_event (f, "answer");
  g_assert_cmpstr (json_object_get_string_member (ev, "field"), ==, "caption");
  g_assert_cmpstr (json_object_get_string_member (ev, "text"), ==, "两只猫");
  item = lb_store_get_item (f->store, f->image, &error);
  g_assert_cmpstr (lb_item_get_answers_json (item), ==, "{\"caption\":\"两只猫\"}");
  g_assert_cmpstr (lb_item_get_answer (item, "caption"), ==, "两只猫");
  g_assert_null (lb_item_get_answer (item, "title"));
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_clear_object (&item);

  g_assert_false (lb_store_set_answer (f->store, f->image, "ann", "title", "x", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Unknown field “title”"));
  g_clear_error (&error);

  /* "" clears it, and the item is to do again */
  g_assert_true (lb_store_set_answer (f->store, f->image, "ann", "caption", "", &error));
  g_assert_no_error (error);
  item = lb_store_get_item (f->store, f->image, &error);
  g_assert_cmpstr (lb_item_get_answers_json (item), ==, "{}");
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_clear_object (&item);

  /* Labels and answers submitted together: one act, undone as one */
  {
    const char *labels[] = { "cat", NULL };
    const char *answers[] = { "caption", "一只猫 🐱", NULL };
    const char *unknown[] = { "caption", "x", "title", "y", NULL };
    const char *odd[] = { "caption", NULL };
    LbSubmission sub = { .labels = labels, .answers = answers };
    gint64 seq = lb_store_get_last_seq (f->store);

    g_assert_true (lb_store_submit (f->store, f->image, "ann", &sub, &error));
    g_assert_no_error (error);
    item = lb_store_get_item (f->store, f->image, &error);
    g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "cat");
    g_assert_cmpstr (lb_item_get_answer (item, "caption"), ==, "一只猫 🐱");
    g_clear_object (&item);
    g_assert_cmpint (lb_store_get_last_seq (f->store), ==, seq + 2);

    g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));
    g_assert_no_error (error);
    item = lb_store_get_item (f->store, f->image, &error);
    g_assert_null (lb_item_get_labels (item)[0]);
    g_assert_null (lb_item_get_answer (item, "caption"));
    g_clear_object (&item);

    /* an unknown field refuses the whole act; so does a field without text */
    seq = lb_store_get_last_seq (f->store);
    sub.answers = unknown;
    g_assert_false (lb_store_submit (f->store, f->image, "ann", &sub, &error));
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "Unknown field “title”"));
    g_clear_error (&error);
    sub.answers = odd;
    g_assert_false (lb_store_submit (f->store, f->image, "ann", &sub, &error));
    g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_cmpint (lb_store_get_last_seq (f->store), ==, seq);

    /* answers alone are an act too */
    sub = (LbSubmission) { .answers = answers };
    g_assert_true (lb_store_submit (f->store, f->image, "ann", &sub, &error));
    g_assert_no_error (error);
    item = lb_store_get_item (f->store, f->image, &error);
    g_assert_cmpstr (lb_item_get_answer (item, "caption"), ==, "一只猫 🐱");
  }
}

static void
test_undo_redo (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *box_id = NULL;
  g_autofree char *span_id = NULL;
  g_autofree char *label = NULL;
  g_autoptr(LbItem) item = NULL;
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 1, 2, 3, 4 }, NULL, 0, NULL, 0 };
  LbRegionSpec relabel = { "dog", LB_REGION_SHAPE_NONE, { 0, }, NULL, 0, NULL, 0 };
  const char *labels[] = { "cat", NULL };
  LbSubmission sub = { labels, NULL, NULL, NULL, 0 };

  /* nothing to redo on a fresh item */
  g_assert_false (lb_store_redo (f->store, f->image, "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* undo of a create, then redo: the region is back, same id */
  g_assert_true (lb_store_create_region (f->store, f->image, "ann", &box, &box_id, &error));
  g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_regions (f), ==, 0);
  item = lb_store_get_item (f->store, f->image, NULL);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_TODO);
  g_clear_object (&item);
  g_assert_true (lb_store_redo (f->store, f->image, "ann", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_regions (f), ==, 1);
  g_assert_false (lb_store_redo (f->store, f->image, "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* across tools: relabel, class label, then undo both, redo both in order */
  g_assert_true (lb_store_update_region (f->store, f->image, "ann", box_id, &relabel, &error));
  g_assert_true (lb_store_submit (f->store, f->image, "ann", &sub, &error));
  g_assert_no_error (error);
  label = region_label (f, 0);
  g_assert_cmpstr (label, ==, "dog");
  g_clear_pointer (&label, g_free);

  g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));   /* the class label */
  item = lb_store_get_item (f->store, f->image, NULL);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, NULL);
  g_clear_object (&item);
  g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));   /* the relabel */
  label = region_label (f, 0);
  g_assert_cmpstr (label, ==, "cat");
  g_clear_pointer (&label, g_free);
  g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));   /* the create */
  g_assert_no_error (error);
  g_assert_cmpuint (n_regions (f), ==, 0);
  g_assert_false (lb_store_undo (f->store, f->image, "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (lb_store_redo (f->store, f->image, "ann", &error));   /* the create */
  g_assert_cmpuint (n_regions (f), ==, 1);
  label = region_label (f, 0);
  g_assert_cmpstr (label, ==, "cat");
  g_clear_pointer (&label, g_free);
  g_assert_true (lb_store_redo (f->store, f->image, "ann", &error));   /* the relabel */
  label = region_label (f, 0);
  g_assert_cmpstr (label, ==, "dog");
  g_clear_pointer (&label, g_free);
  g_assert_true (lb_store_redo (f->store, f->image, "ann", &error));   /* the class label */
  g_assert_no_error (error);
  item = lb_store_get_item (f->store, f->image, NULL);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "cat");
  g_clear_object (&item);

  /* undo after a redo works on the act put back */
  g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));
  item = lb_store_get_item (f->store, f->image, NULL);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, NULL);
  g_clear_object (&item);

  /* a new act after an undo: nothing to redo any more */
  g_assert_true (lb_store_delete_region (f->store, f->image, "ann", box_id, &error));
  g_assert_false (lb_store_redo (f->store, f->image, "ann", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (n_regions (f), ==, 0);

  /* undo of a delete puts the region back as it was */
  g_assert_true (lb_store_undo (f->store, f->image, "ann", &error));
  g_assert_cmpuint (n_regions (f), ==, 1);
  label = region_label (f, 0);
  g_assert_cmpstr (label, ==, "dog");
  g_clear_pointer (&label, g_free);

  /* spans: undo of a create, redo; another actor's redo stack is their own */
  g_assert_true (lb_store_create_span (f->store, f->text, "ann", "cat", 0, 1, &span_id, &error));
  g_assert_true (lb_store_undo (f->store, f->text, "ann", &error));
  g_assert_false (lb_store_redo (f->store, f->text, "bob", &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (lb_store_redo (f->store, f->text, "ann", &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonArray) spans = item_array (f, f->text, TRUE, NULL);
    g_assert_cmpuint (json_array_get_length (spans), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (spans, 0),
                                                    "id"), ==, span_id);
  }

  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
}

static void
test_state_survives_reopen (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  g_autoptr(LbStore) ro = NULL;
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 1, 2, 3, 4 }, NULL, 0, NULL, 0 };

  g_assert_true (lb_store_create_region (f->store, f->image, "ann", &box, NULL, &error));
  g_assert_no_error (error);

  ro = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  item = lb_store_get_item (ro, f->image, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_item_get_n_regions (item), ==, 1);
  g_assert_cmpuint (lb_store_count_items (ro, f->batch_id, LB_ITEM_FILTER_DONE), ==, 1);

  /* a read-only store refuses acts */
  g_assert_false (lb_store_create_region (ro, f->image, "ann", &box, NULL, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_READ_ONLY);
  lb_store_close (ro);
}

/* A store made before regions (version 1) is migrated: its items keep their
 * state and get empty regions, spans and answers. */
static void
test_migration_from_1 (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  const char *labels[] = { "cat", NULL };
  LbSubmission sub = { labels, NULL, NULL, NULL, 0 };
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 1, 2, 3, 4 }, NULL, 0, NULL, 0 };
  sqlite3 *db = NULL;

  g_assert_true (lb_store_submit (f->store, f->image, "ann", &sub, &error));
  g_assert_no_error (error);
  lb_store_close (f->store);
  g_clear_object (&f->store);

  /* back to version 1 */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE item_state DROP COLUMN regions;"
                                     "ALTER TABLE item_state DROP COLUMN spans;"
                                     "ALTER TABLE item_state DROP COLUMN answers;"
                                     "PRAGMA user_version = 1;", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  f->store = lb_store_open (f->path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  item = lb_store_get_item (f->store, f->image, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lb_item_get_state (item), ==, LB_ITEM_STATE_DONE);
  g_assert_cmpstr (lb_item_get_labels (item)[0], ==, "cat");
  g_assert_cmpstr (lb_item_get_regions_json (item), ==, "[]");
  g_assert_cmpstr (lb_item_get_spans_json (item), ==, "[]");
  g_assert_cmpstr (lb_item_get_answers_json (item), ==, "{}");
  g_assert_true (lb_store_create_region (f->store, f->image, "ann", &box, NULL, &error));
  g_assert_no_error (error);
}

typedef struct {
  GMainLoop *loop;
  char      *id;
  gboolean   ok;
} AsyncData;

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncData *data = user_data;
  g_autoptr(GError) error = NULL;

  data->ok = lb_store_create_region_finish (LB_STORE (source), result, &data->id, &error);
  g_assert_no_error (error);
  g_main_loop_quit (data->loop);
}

static void
redone_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncData *data = user_data;
  g_autoptr(GError) error = NULL;

  data->ok = lb_store_redo_finish (LB_STORE (source), result, &error);
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID);
  g_main_loop_quit (data->loop);
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  AsyncData d = { g_main_loop_new (NULL, FALSE), NULL, FALSE };
  LbRegionSpec box = { "cat", LB_REGION_SHAPE_BOX, { 1, 2, 3, 4 }, NULL, 0, NULL, 0 };
  g_autoptr(JsonArray) regions = NULL;

  lb_store_create_region_async (f->store, f->image, "ann", &box, NULL, created_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_true (d.ok);
  g_assert_true (g_uuid_string_is_valid (d.id));
  regions = item_array (f, f->image, FALSE, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (regions, 0),
                                                  "id"), ==, d.id);

  lb_store_redo_async (f->store, f->image, "ann", NULL, redone_cb, &d);
  g_main_loop_run (d.loop);
  g_assert_false (d.ok);

  g_free (d.id);
  g_main_loop_unref (d.loop);
}

#define DEFAULT_TOOLS_SCHEMA \
  "{\"labels\": [{\"id\": \"cat\"}]}"

#define BOX_ONLY_SCHEMA \
  "{\"tools\": [\"box\"], \"labels\": [{\"id\": \"cat\"}]}"

#define NO_OVERLAP_SCHEMA \
  "{\"tools\": [\"span\"], \"overlapping_spans\": false," \
  " \"labels\": [{\"id\": \"cat\"}, {\"id\": \"dog\"}]}"

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/regions/schema/keys", test_schema_keys);
  g_test_add_func ("/engine/regions/schema/invalid", test_schema_invalid);
#define ADD(path, func, schema) \
  g_test_add ("/engine/regions/" path, Fixture, schema, fixture_setup, func, fixture_teardown)
  ADD ("regions/events", test_region_events, NULL);
  ADD ("regions/validation", test_region_validation, NULL);
  ADD ("regions/tool-disabled", test_region_tool_disabled, DEFAULT_TOOLS_SCHEMA);
  ADD ("regions/class-tool-disabled", test_class_tool_disabled, BOX_ONLY_SCHEMA);
  ADD ("spans/code-points", test_spans_code_points, NULL);
  ADD ("spans/no-overlap", test_spans_no_overlap, NO_OVERLAP_SCHEMA);
  ADD ("spans/no-overlap-undo", test_spans_no_overlap_undo, NO_OVERLAP_SCHEMA);
  ADD ("answers", test_answers, NULL);
  ADD ("undo-redo", test_undo_redo, NULL);
  ADD ("reopen", test_state_survives_reopen, NULL);
  ADD ("migration-from-1", test_migration_from_1, NULL);
  ADD ("async", test_async, NULL);
#undef ADD

  return g_test_run ();
}
