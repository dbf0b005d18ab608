/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-label-config"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-label-config.h"

typedef enum {
  CONTROL_CHOICES,
  CONTROL_LABELS,
  CONTROL_RECTANGLE,
  CONTROL_POLYGON,
} ControlKind;

typedef struct {
  ControlKind  kind;
  char        *tag;
  char        *name;
  char        *to_name;
  int          line;
  GPtrArray   *labels;     /* of char*: label ids */
} Control;

typedef struct {
  char *id;
  char *title;
  char *hotkey;
  char *color;
  int   line;  /* where the label was declared, for messages */
  char *tag;
} ConfigLabel;

typedef struct {
  const char          *origin;
  GMarkupParseContext *context;
  const char          *xml;            /* the text, to find where elements start */
  const char          *xml_end;
  const char          *scan;           /* after the last element start found */
  int                  scan_line;      /* the line of scan */
  int                  element_line;   /* the line the current element starts on */
  GPtrArray           *untranslated;   /* of char* */
  gboolean             seen_root;
  int                  skip_depth;     /* > 0: inside a tag that is not translated */
  Control             *control;        /* the control being read, or NULL */
  GPtrArray           *controls;       /* of Control* */
  GArray              *labels;         /* of ConfigLabel, unique ids */
  JsonBuilder         *objects;        /* [{"tag", "name", "value"}] */
  JsonBuilder         *fields;         /* [{"id", "title", "multiline"}] */
  JsonBuilder         *kept_fields;    /* TextArea for label_config.controls */
  GHashTable          *object_kinds;   /* name -> "Image" / "Text" */
  gboolean             multi_label;
  guint                n_fields;
} Config;

static void
control_free (gpointer data)
{
  Control *c = data;

  g_free (c->tag);
  g_free (c->name);
  g_free (c->to_name);
  g_ptr_array_unref (c->labels);
  g_free (c);
}

static void
config_label_clear (gpointer data)
{
  ConfigLabel *l = data;

  g_free (l->id);
  g_free (l->title);
  g_free (l->hotkey);
  g_free (l->tag);
  g_free (l->color);
}

static int
current_line (Config *c)
{
  return c->element_line;
}

/* GMarkup reports where it is when it calls back (after a start tag's '>'
 * and what follows it), not where the element started: find the start tag
 * in the text, in document order, skipping comments, CDATA and the like. */
static void
find_element_start (Config     *c,
                    const char *tag)
{
  gsize tag_len = strlen (tag);
  const char *p = c->scan;

  while (p < c->xml_end)
    {
      if (*p == '\n')
        c->scan_line++;
      else if (*p == '<' && p + 1 < c->xml_end && (p[1] == '!' || p[1] == '?'))
        {
          const char *close = p[1] == '!' && p + 3 < c->xml_end && p[2] == '-' && p[3] == '-'
                                ? g_strstr_len (p, c->xml_end - p, "-->")
                                : memchr (p, '>', c->xml_end - p);

          for (const char *q = p; close != NULL && q < close; q++)
            if (*q == '\n')
              c->scan_line++;
          p = close != NULL ? close : c->xml_end;
          continue;
        }
      else if (*p == '<' && (gsize) (c->xml_end - p) > tag_len
               && strncmp (p + 1, tag, tag_len) == 0
               && (p + 1 + tag_len == c->xml_end || strchr (" \t\r\n/>", p[1 + tag_len])))
        {
          c->element_line = c->scan_line;
          c->scan = p + 1;
          return;
        }
      p++;
    }

  /* not found (cannot happen with well-formed text): GMarkup's position */
  g_markup_parse_context_get_position (c->context, &c->element_line, NULL);
  c->scan = c->xml_end;
}

static const char *
attr (const char **names,
      const char **values,
      const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

static void G_GNUC_PRINTF (5, 6)
untranslated (Config      *c,
              int          line,
              const char  *tag,
              const char  *name,
              const char  *format,
              ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (name != NULL)
    g_ptr_array_add (c->untranslated,
                     g_strdup_printf ("%s:%d: <%s name=\"%s\"> %s", c->origin, line, tag, name,
                                      reason));
  else
    g_ptr_array_add (c->untranslated,
                     g_strdup_printf ("%s:%d: <%s> %s", c->origin, line, tag, reason));
}

static const struct {
  const char *name;
  const char *hex;
} css_colors[] = {
  { "red", "#ff0000" }, { "green", "#008000" }, { "blue", "#0000ff" },
  { "yellow", "#ffff00" }, { "orange", "#ffa500" }, { "purple", "#800080" },
  { "pink", "#ffc0cb" }, { "brown", "#a52a2a" }, { "gray", "#808080" },
  { "grey", "#808080" }, { "black", "#000000" }, { "white", "#ffffff" },
  { "cyan", "#00ffff" }, { "magenta", "#ff00ff" }, { "lime", "#00ff00" },
  { "navy", "#000080" }, { "teal", "#008080" }, { "olive", "#808000" },
  { "maroon", "#800000" }, { "silver", "#c0c0c0" },
};

/* "#rrggbb", "#rgb" or a CSS colour name as "#rrggbb"; NULL if not understood */
static char *
translate_color (const char *color)
{
  gsize len = strlen (color);

  if (color[0] == '#' && (len == 7 || len == 4))
    {
      for (gsize i = 1; i < len; i++)
        if (!g_ascii_isxdigit (color[i]))
          return NULL;
      if (len == 7)
        return g_ascii_strdown (color, -1);
      return g_ascii_strdown ((char[]) { '#', color[1], color[1], color[2], color[2],
                                         color[3], color[3], '\0' }, -1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (css_colors); i++)
    if (g_ascii_strcasecmp (color, css_colors[i].name) == 0)
      return g_strdup (css_colors[i].hex);
  return NULL;
}

static gboolean
hotkey_taken (Config     *c,
              const char *hotkey)
{
  gunichar key = g_unichar_tolower (g_utf8_get_char (hotkey));

  for (guint i = 0; i < c->labels->len; i++)
    {
      const char *other = g_array_index (c->labels, ConfigLabel, i).hotkey;

      if (other != NULL && g_unichar_tolower (g_utf8_get_char (other)) == key)
        return TRUE;
    }
  return FALSE;
}

/* <Choice> or <Label> inside a control */
static void
add_label (Config      *c,
           const char  *tag,
           const char **names,
           const char **values)
{
  const char *value = attr (names, values, "value");
  const char *alias = attr (names, values, "alias");
  const char *hotkey = attr (names, values, "hotkey");
  const char *background = attr (names, values, "background");
  const char *id = alias != NULL && *alias != '\0' ? alias : value;
  int line = current_line (c);
  ConfigLabel label = { 0, };

  if (id == NULL || *id == '\0')
    {
      untranslated (c, line, tag, NULL, _("not supported: it has no value"));
      return;
    }
  g_ptr_array_add (c->control->labels, g_strdup (id));

  for (guint i = 0; i < c->labels->len; i++)
    if (g_str_equal (g_array_index (c->labels, ConfigLabel, i).id, id))
      return;  /* the same label in another control: one label */

  label.id = g_strdup (id);
  label.line = line;
  label.tag = g_strdup (tag);
  label.title = g_strdup (value != NULL && *value != '\0' ? value : id);

  if (hotkey != NULL && *hotkey != '\0')
    {
      gunichar key = g_unichar_tolower (g_utf8_get_char_validated (hotkey, -1));

      if (g_utf8_strlen (hotkey, -1) != 1)
        untranslated (c, line, tag, NULL, _("hotkey “%s” not supported: one character only"),
                      hotkey);
      else if (key == 'j' || key == 'k' || key == '?' || key == ' ')
        untranslated (c, line, tag, NULL,
                      _("hotkey “%s” not supported: J, K, ? and Space are Labelbench’s own"),
                      hotkey);
      else if (hotkey_taken (c, hotkey))
        untranslated (c, line, tag, NULL,
                      _("hotkey “%s” not supported: another label has it"), hotkey);
      else
        label.hotkey = g_strdup (hotkey);
    }

  if (background != NULL && *background != '\0')
    {
      label.color = translate_color (background);
      if (label.color == NULL)
        untranslated (c, line, tag, NULL,
                      _("background “%s” not supported: not a colour of the form #rrggbb"),
                      background);
    }

  g_array_append_val (c->labels, label);
}

static void
start_control (Config      *c,
               ControlKind  kind,
               const char  *tag,
               const char **names,
               const char **values)
{
  Control *control = g_new0 (Control, 1);

  control->kind = kind;
  control->tag = g_strdup (tag);
  control->name = g_strdup (attr (names, values, "name"));
  control->to_name = g_strdup (attr (names, values, "toName"));
  control->line = current_line (c);
  control->labels = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (c->controls, control);
  c->control = control;

  if (kind == CONTROL_CHOICES)
    {
      const char *choice = attr (names, values, "choice");
      const char *per_region = attr (names, values, "perRegion");

      if (g_strcmp0 (choice, "multiple") == 0)
        c->multi_label = TRUE;
      if (g_strcmp0 (per_region, "true") == 0)
        untranslated (c, control->line, tag, control->name,
                      _("perRegion not supported: the choices apply to the whole item"));
    }
}

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *tag,
                  const char          **names,
                  const char          **values,
                  gpointer              user_data,
                  GError              **error)
{
  Config *c = user_data;
  const char *name = attr (names, values, "name");
  int line;

  find_element_start (c, tag);
  line = current_line (c);

  if (c->skip_depth > 0)
    {
      c->skip_depth++;
      return;
    }

  if (!c->seen_root)
    {
      c->seen_root = TRUE;
      if (!g_str_equal (tag, "View"))
        g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                     _("a labeling config starts with <View>, not <%s>"), tag);
      return;
    }

  if (c->control != NULL)
    {
      gboolean choices = c->control->kind == CONTROL_CHOICES;

      if (g_str_equal (tag, choices ? "Choice" : "Label"))
        add_label (c, tag, names, values);
      else
        untranslated (c, line, tag, name, _("not supported inside <%s>"), c->control->tag);
      c->skip_depth = 1;  /* nothing below a Choice or Label */
      return;
    }

  if (g_str_equal (tag, "View"))
    return;
  if (g_str_equal (tag, "Image") || g_str_equal (tag, "Text"))
    {
      if (name == NULL)
        {
          untranslated (c, line, tag, NULL, _("not supported: it has no name"));
          c->skip_depth = 1;
          return;
        }
      g_hash_table_insert (c->object_kinds, g_strdup (name), g_strdup (tag));
      json_builder_begin_object (c->objects);
      json_builder_set_member_name (c->objects, "tag");
      json_builder_add_string_value (c->objects, tag);
      json_builder_set_member_name (c->objects, "name");
      json_builder_add_string_value (c->objects, name);
      if (attr (names, values, "value") != NULL)
        {
          json_builder_set_member_name (c->objects, "value");
          json_builder_add_string_value (c->objects, attr (names, values, "value"));
        }
      json_builder_end_object (c->objects);
      c->skip_depth = 1;
      return;
    }
  if (g_str_equal (tag, "Choices"))
    start_control (c, CONTROL_CHOICES, tag, names, values);
  else if (g_str_equal (tag, "Labels"))
    start_control (c, CONTROL_LABELS, tag, names, values);
  else if (g_str_equal (tag, "RectangleLabels"))
    start_control (c, CONTROL_RECTANGLE, tag, names, values);
  else if (g_str_equal (tag, "PolygonLabels"))
    start_control (c, CONTROL_POLYGON, tag, names, values);
  else if (g_str_equal (tag, "TextArea"))
    {
      const char *rows = attr (names, values, "rows");
      const char *placeholder = attr (names, values, "placeholder");
      gboolean multiline = rows != NULL && g_ascii_strtoll (rows, NULL, 10) > 1;

      if (name == NULL || *name == '\0')
        untranslated (c, line, tag, NULL, _("not supported: it has no name"));
      else
        {
          json_builder_begin_object (c->fields);
          json_builder_set_member_name (c->fields, "id");
          json_builder_add_string_value (c->fields, name);
          json_builder_set_member_name (c->fields, "title");
          json_builder_add_string_value (c->fields, placeholder != NULL && *placeholder != '\0'
                                                      ? placeholder : name);
          json_builder_set_member_name (c->fields, "multiline");
          json_builder_add_boolean_value (c->fields, multiline);
          json_builder_end_object (c->fields);
          c->n_fields++;

          json_builder_begin_object (c->kept_fields);
          json_builder_set_member_name (c->kept_fields, "tag");
          json_builder_add_string_value (c->kept_fields, tag);
          json_builder_set_member_name (c->kept_fields, "name");
          json_builder_add_string_value (c->kept_fields, name);
          if (attr (names, values, "toName") != NULL)
            {
              json_builder_set_member_name (c->kept_fields, "toName");
              json_builder_add_string_value (c->kept_fields, attr (names, values, "toName"));
            }
          json_builder_end_object (c->kept_fields);
        }
      c->skip_depth = 1;
    }
  else
    {
      untranslated (c, line, tag, name, _("not supported: Labelbench has no such tool"));
      c->skip_depth = 1;
    }
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *tag,
                gpointer              user_data,
                GError              **error)
{
  Config *c = user_data;

  if (c->skip_depth > 0)
    {
      c->skip_depth--;
      return;
    }
  if (c->control != NULL && g_str_equal (tag, c->control->tag))
    c->control = NULL;
}

static void
control_to_json (JsonBuilder   *b,
                 const Control *control)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tag");
  json_builder_add_string_value (b, control->tag);
  if (control->name != NULL)
    {
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, control->name);
    }
  if (control->to_name != NULL)
    {
      json_builder_set_member_name (b, "toName");
      json_builder_add_string_value (b, control->to_name);
    }
  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (guint i = 0; i < control->labels->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (control->labels, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* The tools the controls enable; controls that cannot work are listed */
static LbSchemaTools
controls_tools (Config *c)
{
  LbSchemaTools tools = LB_TOOL_NOTE;

  for (guint i = 0; i < c->controls->len; i++)
    {
      Control *control = g_ptr_array_index (c->controls, i);
      const char *object = control->to_name != NULL
                             ? g_hash_table_lookup (c->object_kinds, control->to_name) : NULL;

      if (control->labels->len == 0)
        {
          untranslated (c, control->line, control->tag, control->name,
                        _("not supported: it has no labels"));
          continue;
        }
      switch (control->kind)
        {
        case CONTROL_CHOICES:
          tools |= LB_TOOL_CLASS;
          break;
        case CONTROL_LABELS:
          if (g_strcmp0 (object, "Text") == 0)
            tools |= LB_TOOL_SPAN;
          else
            untranslated (c, control->line, control->tag, control->name,
                          _("not supported: <Labels> work on a <Text> (toName “%s”); use "
                            "<RectangleLabels> or <PolygonLabels> on images"),
                          control->to_name != NULL ? control->to_name : "");
          break;
        case CONTROL_RECTANGLE:
          tools |= LB_TOOL_BOX;
          break;
        case CONTROL_POLYGON:
          tools |= LB_TOOL_POLYGON;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return tools;
}

/* B and P switch to the box and polygon tools when the schema has them:
 * a label cannot keep those keys then. */
static void
drop_tool_hotkeys (Config        *c,
                   LbSchemaTools  tools)
{
  for (guint i = 0; i < c->labels->len; i++)
    {
      ConfigLabel *l = &g_array_index (c->labels, ConfigLabel, i);
      gunichar key;

      if (l->hotkey == NULL)
        continue;
      key = g_unichar_tolower (g_utf8_get_char (l->hotkey));
      if ((key == 'b' && (tools & LB_TOOL_BOX)) || (key == 'p' && (tools & LB_TOOL_POLYGON)))
        {
          untranslated (c, l->line, l->tag, NULL,
                        key == 'b'
                          ? _("hotkey “%s” not supported: B picks the box tool")
                          : _("hotkey “%s” not supported: P picks the polygon tool"),
                        l->hotkey);
          g_clear_pointer (&l->hotkey, g_free);
        }
    }
}

static char *
schema_json (Config     *c,
             const char *name)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  LbSchemaTools tools = controls_tools (c);

  drop_tool_hotkeys (c, tools);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "multi_label");
  json_builder_add_boolean_value (b, c->multi_label);

  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->labels->len; i++)
    {
      ConfigLabel *l = &g_array_index (c->labels, ConfigLabel, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, l->id);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, l->title);
      if (l->hotkey != NULL)
        {
          json_builder_set_member_name (b, "hotkey");
          json_builder_add_string_value (b, l->hotkey);
        }
      if (l->color != NULL)
        {
          json_builder_set_member_name (b, "color");
          json_builder_add_string_value (b, l->color);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "tools");
  json_builder_begin_array (b);
  for (guint t = 0; t < 5; t++)
    if (tools & (1u << t))
      json_builder_add_string_value (b, lb_schema_tool_to_string (1u << t));
  json_builder_end_array (b);

  json_builder_end_array (c->fields);
  json_builder_set_member_name (b, "fields");
  json_builder_add_value (b, json_builder_get_root (c->fields));

  json_builder_set_member_name (b, "label_config");
  json_builder_begin_object (b);
  json_builder_end_array (c->objects);
  json_builder_set_member_name (b, "objects");
  json_builder_add_value (b, json_builder_get_root (c->objects));
  json_builder_set_member_name (b, "controls");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->controls->len; i++)
    control_to_json (b, g_ptr_array_index (c->controls, i));
  {
    g_autoptr(JsonNode) kept = NULL;
    JsonArray *array;

    json_builder_end_array (c->kept_fields);
    kept = json_builder_get_root (c->kept_fields);
    array = json_node_get_array (kept);
    for (guint i = 0; i < json_array_get_length (array); i++)
      json_builder_add_value (b, json_node_copy (json_array_get_element (array, i)));
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static const GMarkupParser parser = {
  start_element_cb, end_element_cb, NULL, NULL, NULL,
};

LbSchema *
lb_label_config_to_schema (const char   *xml,
                           gssize        length,
                           const char   *origin,
                           GPtrArray   **untranslated_out,
                           GError      **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) controls = g_ptr_array_new_with_free_func (control_free);
  g_autoptr(GArray) labels = g_array_new (FALSE, TRUE, sizeof (ConfigLabel));
  g_autoptr(GHashTable) object_kinds = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                              g_free, g_free);
  g_autoptr(JsonBuilder) objects = json_builder_new ();
  g_autoptr(JsonBuilder) fields = json_builder_new ();
  g_autoptr(JsonBuilder) kept_fields = json_builder_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *name = NULL;
  LbSchema *schema;
  Config c = { 0, };

  g_return_val_if_fail (xml != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (origin == NULL)
    origin = "config.xml";
  if (length < 0)
    length = strlen (xml);
  if (!g_utf8_validate (xml, length, NULL))
    {
      g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE, _("%s: not valid UTF-8"),
                   origin);
      return NULL;
    }

  g_array_set_clear_func (labels, config_label_clear);
  c.origin = origin;
  c.xml = c.scan = xml;
  c.xml_end = xml + length;
  c.scan_line = 1;
  c.untranslated = lines;
  c.controls = controls;
  c.labels = labels;
  c.objects = objects;
  c.fields = fields;
  c.kept_fields = kept_fields;
  c.object_kinds = object_kinds;
  json_builder_begin_array (objects);
  json_builder_begin_array (fields);
  json_builder_begin_array (kept_fields);

  c.context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &c, NULL);
  if (!g_markup_parse_context_parse (c.context, xml, length, &local_error)
      || !g_markup_parse_context_end_parse (c.context, &local_error))
    {
      int line = 0, column = 0;
      const char *message = local_error->message;
      const char *rest = strstr (message, ": ");

      /* "Error on line 3 char 5: problem" -> "ORIGIN:3:5: problem" */
      g_markup_parse_context_get_position (c.context, &line, &column);
      if (g_str_has_prefix (message, "Error on line") && rest != NULL)
        message = rest + 2;
      g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE, "%s:%d:%d: %s", origin, line,
                   column, message);
      g_markup_parse_context_free (c.context);
      return NULL;
    }
  g_markup_parse_context_free (c.context);

  if (!c.seen_root)
    {
      g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE,
                   _("%s: an empty labeling config"), origin);
      return NULL;
    }

  name = g_path_get_basename (origin);
  if (strrchr (name, '.') != NULL && strrchr (name, '.') != name)
    *strrchr (name, '.') = '\0';
  json = schema_json (&c, name);
  schema = lb_schema_new_from_data (json, -1, origin, error);
  if (schema == NULL)
    return NULL;

  if (untranslated_out != NULL)
    *untranslated_out = g_steal_pointer (&lines);
  return schema;
}

LbSchema *
lb_label_config_load (const char   *path,
                      GPtrArray   **untranslated,
                      GError      **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *origin = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error_literal (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_IO, local_error->message);
      return NULL;
    }
  origin = g_path_get_basename (path);
  return lb_label_config_to_schema (contents, length, origin, untranslated, error);
}

gboolean
lb_label_config_is_config (const char *path)
{
  gsize len = path != NULL ? strlen (path) : 0;

  return len > 4 && g_ascii_strcasecmp (path + len - 4, ".xml") == 0;
}
