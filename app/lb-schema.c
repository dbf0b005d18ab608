/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-schema"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-schema.h"

struct _LbSchema {
  gatomicrefcount  ref_count;
  char            *name;
  gboolean         multi_label;
  GArray          *labels;     /* of LbSchemaLabel */
  GArray          *decisions;  /* of LbSchemaDecision */
  GArray          *reasons;    /* of LbSchemaReason, in tree order */
  GArray          *fields;     /* of LbSchemaField */
  LbSchemaTools    tools;
  gboolean         overlapping_spans;
  char            *label_config;  /* JSON object or NULL */
};

static const char *const tool_names[] = { "class", "box", "polygon", "span", "note" };
static const char *const attribute_type_names[] = { "bool", "text", "choice" };

G_DEFINE_BOXED_TYPE (LbSchema, lb_schema, lb_schema_ref, lb_schema_unref)
G_DEFINE_QUARK (lb-schema-error-quark, lb_schema_error)

/* Keys the window uses for itself: next, previous, help, skip. */
static const gunichar reserved_keys[] = { 'j', 'k', '?', ' ' };

/* GNOME HIG palette, used for labels without a colour, by index. */
static const char *const default_colors[] = {
  "#3584e4", /* blue 3 */
  "#2ec27e", /* green 4 */
  "#e5a50a", /* yellow 5 */
  "#e66100", /* orange 4 */
  "#c01c28", /* red 4 */
  "#813d9c", /* purple 3 */
  "#865e3c", /* brown 3 */
  "#1c71d8", /* blue 4 */
  "#26a269", /* green 5 */
  "#f5c211", /* yellow 4 */
  "#9141ac", /* purple 2 */
  "#77767b", /* dark 1 */
};

static void
label_clear (gpointer data)
{
  LbSchemaLabel *label = data;

  g_free (label->id);
  g_free (label->title);
  g_free (label->hotkey);
  g_free (label->color);
  for (guint i = 0; i < label->n_attributes; i++)
    {
      g_free (label->attributes[i].id);
      g_free (label->attributes[i].title);
      g_strfreev (label->attributes[i].options);
    }
  g_free (label->attributes);
}

static void
field_clear (gpointer data)
{
  LbSchemaField *field = data;

  g_free (field->id);
  g_free (field->title);
}

static void
decision_clear (gpointer data)
{
  LbSchemaDecision *decision = data;

  g_free (decision->id);
  g_free (decision->title);
  g_free (decision->hotkey);
}

static void
reason_clear (gpointer data)
{
  LbSchemaReason *reason = data;

  g_free (reason->id);
  g_free (reason->title);
  g_free (reason->parent_id);
}

static LbSchema *
lb_schema_alloc (void)
{
  LbSchema *self = g_new0 (LbSchema, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->labels = g_array_new (FALSE, TRUE, sizeof (LbSchemaLabel));
  g_array_set_clear_func (self->labels, label_clear);
  self->decisions = g_array_new (FALSE, TRUE, sizeof (LbSchemaDecision));
  g_array_set_clear_func (self->decisions, decision_clear);
  self->reasons = g_array_new (FALSE, TRUE, sizeof (LbSchemaReason));
  g_array_set_clear_func (self->reasons, reason_clear);
  self->fields = g_array_new (FALSE, TRUE, sizeof (LbSchemaField));
  g_array_set_clear_func (self->fields, field_clear);
  self->tools = LB_TOOLS_DEFAULT;
  self->overlapping_spans = TRUE;

  return self;
}

LbSchema *
lb_schema_ref (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
lb_schema_unref (LbSchema *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_free (self->name);
      g_array_unref (self->labels);
      g_array_unref (self->decisions);
      g_array_unref (self->reasons);
      g_array_unref (self->fields);
      g_free (self->label_config);
      g_free (self);
    }
}

static void
add_label (LbSchema   *self,
           const char *id,
           const char *title,
           const char *hotkey,
           const char *color)
{
  LbSchemaLabel label = {
    g_strdup (id), g_strdup (title), g_strdup (hotkey), g_strdup (color),
  };

  g_array_append_val (self->labels, label);
}

static void
add_decision (LbSchema   *self,
              const char *id,
              const char *title,
              const char *hotkey,
              gboolean    needs_reason,
              gboolean    flag)
{
  LbSchemaDecision decision = {
    g_strdup (id), g_strdup (title), g_strdup (hotkey), needs_reason, flag,
  };

  g_array_append_val (self->decisions, decision);
}

static void
add_reason (LbSchema   *self,
            const char *id,
            const char *title,
            const char *parent_id)
{
  LbSchemaReason reason = { g_strdup (id), g_strdup (title), g_strdup (parent_id) };

  g_array_append_val (self->reasons, reason);
}

static gunichar
hotkey_fold (const char *key)
{
  return g_unichar_tolower (g_utf8_get_char (key));
}

static gboolean
hotkey_is_used (LbSchema   *self,
                const char *key)
{
  guint index;

  return lb_schema_lookup_hotkey (self, key, &index) != LB_HOTKEY_NONE;
}

/* The decisions a schema gets when it does not list any. Their titles are
 * stored in English and translated for display (they are marked N_()).
 * Reject asks for a reason only when the schema has reasons to pick from. */
static void
add_default_decisions (LbSchema *self,
                       gboolean  has_reasons)
{
  static const struct {
    const char *id;
    const char *title;
    const char *hotkey;
    gboolean    needs_reason;
    gboolean    flag;
  } defaults[] = {
    { "approve",  N_("Approve"),  "a", FALSE, FALSE },
    { "reject",   N_("Reject"),   "r", TRUE,  FALSE },
    { "escalate", N_("Escalate"), "e", FALSE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      /* A label may already use the letter: the decision then has no key. */
      const char *hotkey = hotkey_is_used (self, defaults[i].hotkey) ? NULL : defaults[i].hotkey;

      add_decision (self, defaults[i].id, defaults[i].title, hotkey,
                    defaults[i].needs_reason && has_reasons, defaults[i].flag);
    }
}

LbSchema *
lb_schema_new_default (void)
{
  LbSchema *self = lb_schema_alloc ();

  self->name = g_strdup (N_("Default schema"));
  self->multi_label = FALSE;

  add_label (self, "relevant", N_("Relevant"), "1", "#2ec27e");
  add_label (self, "not-relevant", N_("Not relevant"), "2", "#e01b24");
  add_label (self, "unsure", N_("Unsure"), "3", "#e5a50a");

  add_default_decisions (self, TRUE);

  add_reason (self, "spam", N_("Spam"), NULL);
  add_reason (self, "abuse", N_("Abuse"), NULL);
  add_reason (self, "abuse/insult", N_("Insult"), "abuse");
  add_reason (self, "abuse/harassment", N_("Harassment"), "abuse");
  add_reason (self, "violence", N_("Violence"), NULL);
  add_reason (self, "violence/graphic", N_("Graphic violence"), "violence");
  add_reason (self, "sexual", N_("Sexual content"), NULL);
  add_reason (self, "other", N_("Other"), NULL);

  return self;
}

/* Parsing */

typedef struct {
  const char *origin;
  LbSchema   *schema;
  gboolean    strict;  /* a file a person wrote, not a schema the store kept */
} Parse;

static gboolean G_GNUC_PRINTF (4, 5)
invalid (Parse       *p,
         GError     **error,
         const char  *field,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_INVALID,
               "%s: %s: %s", p->origin, field, message);
  return FALSE;
}

/* Reads an optional string member. A missing member or null gives NULL. */
static gboolean
get_string (Parse       *p,
            JsonObject  *object,
            const char  *member,
            const char  *where,
            const char **value,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *field = g_strdup_printf ("%s%s%s", where, *where ? "." : "", member);
      return invalid (p, error, field, _("must be a string"));
    }

  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_boolean (Parse       *p,
             JsonObject  *object,
             const char  *member,
             const char  *where,
             gboolean    *value,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_autofree char *field = g_strdup_printf ("%s%s%s", where, *where ? "." : "", member);
      return invalid (p, error, field, _("must be true or false"));
    }

  *value = json_node_get_boolean (node);
  return TRUE;
}

/* Reads an optional array member; a missing member or null gives NULL. */
static gboolean
get_array (Parse       *p,
           JsonObject  *object,
           const char  *member,
           const char  *where,
           JsonArray  **value,
           GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *field = g_strdup_printf ("%s%s%s", where, *where ? "." : "", member);
      return invalid (p, error, field, _("must be an array"));
    }

  *value = json_node_get_array (node);
  return TRUE;
}

static gboolean
get_element_object (Parse       *p,
                    JsonArray   *array,
                    guint        i,
                    const char  *where,
                    JsonObject **value,
                    GError     **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (p, error, where, _("must be an object"));

  *value = json_node_get_object (node);
  return TRUE;
}

static gboolean
check_id (Parse       *p,
          const char  *id,
          const char  *where,
          GError     **error)
{
  g_autofree char *field = g_strdup_printf ("%s.id", where);

  if (id == NULL)
    return invalid (p, error, field, _("is missing"));
  if (*id == '\0')
    return invalid (p, error, field, _("must not be empty"));
  return TRUE;
}

static gboolean
check_hotkey (Parse       *p,
              const char  *hotkey,
              const char  *where,
              GError     **error)
{
  g_autofree char *field = NULL;
  gunichar folded;
  guint index;
  LbHotkeyTarget target;

  if (hotkey == NULL)
    return TRUE;

  field = g_strdup_printf ("%s.hotkey", where);

  if (!g_utf8_validate (hotkey, -1, NULL) || g_utf8_strlen (hotkey, -1) != 1)
    return invalid (p, error, field, _("“%s” is not exactly one character"), hotkey);

  folded = hotkey_fold (hotkey);
  if (folded != ' ' && !g_unichar_isgraph (folded))
    return invalid (p, error, field, _("U+%04X is not a printable character"),
                    g_utf8_get_char (hotkey));

  for (guint i = 0; i < G_N_ELEMENTS (reserved_keys); i++)
    {
      if (folded == reserved_keys[i])
        {
          if (folded == ' ')
            return invalid (p, error, field,
                            _("Space is reserved (it skips an item)"));
          return invalid (p, error, field,
                          _("“%s” is reserved (J and K move, ? shows the keys)"), hotkey);
        }
    }

  /* B and P pick the box and polygon tools when the schema enables them */
  if (folded == 'b' && (p->schema->tools & LB_TOOL_BOX))
    return invalid (p, error, field,
                    _("“%s” is reserved for the box tool (the schema's tools include “box”)"),
                    hotkey);
  if (folded == 'p' && (p->schema->tools & LB_TOOL_POLYGON))
    return invalid (p, error, field,
                    _("“%s” is reserved for the polygon tool (the schema's tools include "
                      "“polygon”)"),
                    hotkey);

  target = lb_schema_lookup_hotkey (p->schema, hotkey, &index);
  if (target == LB_HOTKEY_LABEL)
    return invalid (p, error, field, _("“%s” is already used by label “%s”"),
                    hotkey, g_array_index (p->schema->labels, LbSchemaLabel, index).id);
  if (target == LB_HOTKEY_DECISION)
    return invalid (p, error, field, _("“%s” is already used by decision “%s”"),
                    hotkey, g_array_index (p->schema->decisions, LbSchemaDecision, index).id);

  return TRUE;
}

static gboolean
parse_color (Parse       *p,
             const char  *color,
             const char  *where,
             char       **out,
             GError     **error)
{
  if (strlen (color) != 7 || color[0] != '#')
    goto bad;

  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      goto bad;

  *out = g_ascii_strdown (color, -1);
  return TRUE;

bad:
  {
    g_autofree char *field = g_strdup_printf ("%s.color", where);
    return invalid (p, error, field, _("“%s” is not a colour of the form #rrggbb"), color);
  }
}

static gboolean
parse_attribute_options (Parse              *p,
                         JsonObject         *object,
                         const char         *where,
                         LbSchemaAttribute  *attribute,
                         GError            **error)
{
  g_autofree char *field = g_strdup_printf ("%s.options", where);
  g_autoptr(GPtrArray) options = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (!get_array (p, object, "options", where, &array, error))
    return FALSE;
  if (attribute->type != LB_ATTRIBUTE_CHOICE)
    {
      if (array != NULL)
        return invalid (p, error, field, _("only a choice attribute has options"));
      return TRUE;
    }
  if (array == NULL || json_array_get_length (array) == 0)
    return invalid (p, error, field, _("a choice attribute needs at least one option"));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *option;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING
          || *(option = json_node_get_string (node)) == '\0')
        {
          g_autofree char *element = g_strdup_printf ("%s[%u]", field, i);
          return invalid (p, error, element, _("must be a string that is not empty"));
        }
      for (guint j = 0; j < options->len; j++)
        if (g_str_equal (g_ptr_array_index (options, j), option))
          {
            g_autofree char *element = g_strdup_printf ("%s[%u]", field, i);
            return invalid (p, error, element, _("option “%s” is listed twice"), option);
          }
      g_ptr_array_add (options, g_strdup (option));
    }
  g_ptr_array_add (options, NULL);
  attribute->options = (char **) g_ptr_array_free (g_steal_pointer (&options), FALSE);
  return TRUE;
}

/* "attributes": [{"id", "title", "type": "bool" | "text" | "choice", "options": [...]}] */
static gboolean
parse_attributes (Parse          *p,
                  JsonObject     *object,
                  const char     *label_where,
                  LbSchemaLabel  *label,
                  GError        **error)
{
  JsonArray *array;
  guint n;

  if (!get_array (p, object, "attributes", label_where, &array, error))
    return FALSE;
  n = array != NULL ? json_array_get_length (array) : 0;
  if (n == 0)
    return TRUE;

  label->attributes = g_new0 (LbSchemaAttribute, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *where = g_strdup_printf ("%s.attributes[%u]", label_where, i);
      LbSchemaAttribute *attribute = &label->attributes[i];
      JsonObject *element;
      const char *id, *title, *type;
      guint t;

      if (!get_element_object (p, array, i, where, &element, error) ||
          !get_string (p, element, "id", where, &id, error) ||
          !get_string (p, element, "title", where, &title, error) ||
          !get_string (p, element, "type", where, &type, error) ||
          !check_id (p, id, where, error))
        return FALSE;

      if (lb_schema_label_find_attribute (label, id) != NULL)
        {
          g_autofree char *field = g_strdup_printf ("%s.id", where);
          return invalid (p, error, field, _("attribute “%s” is listed twice"), id);
        }

      for (t = 0; t < G_N_ELEMENTS (attribute_type_names); t++)
        if (g_strcmp0 (type, attribute_type_names[t]) == 0)
          break;
      if (t == G_N_ELEMENTS (attribute_type_names))
        {
          g_autofree char *field = g_strdup_printf ("%s.type", where);
          if (type == NULL)
            return invalid (p, error, field, _("is missing (bool, text or choice)"));
          return invalid (p, error, field, _("“%s” is not bool, text or choice"), type);
        }

      attribute->id = g_strdup (id);
      attribute->title = g_strdup (title ? title : id);
      attribute->type = (LbAttributeType) t;
      label->n_attributes = i + 1;

      if (!parse_attribute_options (p, element, where, attribute, error))
        return FALSE;
    }

  return TRUE;
}

/* "tools": ["class", "box", "polygon", "span", "note"] */
static gboolean
parse_tools (Parse       *p,
             JsonArray   *array,
             GError     **error)
{
  LbSchemaTools tools = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *where = g_strdup_printf ("tools[%u]", i);
      JsonNode *node = json_array_get_element (array, i);
      const char *name;
      guint t;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return invalid (p, error, where, _("must be a string"));
      name = json_node_get_string (node);
      for (t = 0; t < G_N_ELEMENTS (tool_names); t++)
        if (g_str_equal (name, tool_names[t]))
          break;
      if (t == G_N_ELEMENTS (tool_names))
        return invalid (p, error, where,
                        _("“%s” is not a tool (class, box, polygon, span, note)"), name);
      if (tools & (1u << t))
        return invalid (p, error, where, _("tool “%s” is listed twice"), name);
      tools |= 1u << t;
    }

  p->schema->tools = tools;
  return TRUE;
}

/* "fields": [{"id", "title", "multiline": bool}] */
static gboolean
parse_fields (Parse       *p,
              JsonArray   *array,
              GError     **error)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *where = g_strdup_printf ("fields[%u]", i);
      JsonObject *object;
      const char *id, *title;
      LbSchemaField field = { 0, };

      if (!get_element_object (p, array, i, where, &object, error) ||
          !get_string (p, object, "id", where, &id, error) ||
          !get_string (p, object, "title", where, &title, error) ||
          !get_boolean (p, object, "multiline", where, &field.multiline, error) ||
          !check_id (p, id, where, error))
        return FALSE;

      if (lb_schema_find_field (p->schema, id) != NULL)
        {
          g_autofree char *member = g_strdup_printf ("%s.id", where);
          return invalid (p, error, member, _("field “%s” is listed twice"), id);
        }

      field.id = g_strdup (id);
      field.title = g_strdup (title ? title : id);
      g_array_append_val (p->schema->fields, field);
    }

  return TRUE;
}

static gboolean
parse_labels (Parse       *p,
              JsonArray   *array,
              GError     **error)
{
  guint n = array ? json_array_get_length (array) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *where = g_strdup_printf ("labels[%u]", i);
      JsonObject *object;
      const char *id, *title, *hotkey, *color;
      char *canonical_color = NULL;

      if (!get_element_object (p, array, i, where, &object, error) ||
          !get_string (p, object, "id", where, &id, error) ||
          !get_string (p, object, "title", where, &title, error) ||
          !get_string (p, object, "hotkey", where, &hotkey, error) ||
          !get_string (p, object, "color", where, &color, error) ||
          !check_id (p, id, where, error))
        return FALSE;

      if (lb_schema_find_label (p->schema, id) != NULL)
        {
          g_autofree char *field = g_strdup_printf ("%s.id", where);
          return invalid (p, error, field, _("label “%s” is listed twice"), id);
        }

      if (!check_hotkey (p, hotkey, where, error))
        return FALSE;

      if (color != NULL && !parse_color (p, color, where, &canonical_color, error))
        return FALSE;

      add_label (p->schema, id, title ? title : id, hotkey,
                 canonical_color ? canonical_color
                                 : default_colors[i % G_N_ELEMENTS (default_colors)]);
      g_free (canonical_color);

      if (!parse_attributes (p, object, where,
                             &g_array_index (p->schema->labels, LbSchemaLabel,
                                             p->schema->labels->len - 1), error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_decisions (Parse       *p,
                 JsonArray   *array,
                 GError     **error)
{
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *where = g_strdup_printf ("decisions[%u]", i);
      JsonObject *object;
      const char *id, *title, *hotkey;
      gboolean needs_reason = FALSE;
      gboolean flag;

      if (!get_element_object (p, array, i, where, &object, error) ||
          !get_string (p, object, "id", where, &id, error) ||
          !get_string (p, object, "title", where, &title, error) ||
          !get_string (p, object, "hotkey", where, &hotkey, error) ||
          !check_id (p, id, where, error))
        return FALSE;

      flag = g_str_equal (id, "escalate");
      if (!get_boolean (p, object, "needs_reason", where, &needs_reason, error) ||
          !get_boolean (p, object, "flag", where, &flag, error))
        return FALSE;

      if (lb_schema_find_decision (p->schema, id) != NULL)
        {
          g_autofree char *field = g_strdup_printf ("%s.id", where);
          return invalid (p, error, field, _("decision “%s” is listed twice"), id);
        }

      if (!check_hotkey (p, hotkey, where, error))
        return FALSE;

      add_decision (p->schema, id, title ? title : id, hotkey, needs_reason, flag);
    }

  return TRUE;
}

static gboolean
parse_reason (Parse       *p,
              JsonObject  *object,
              const char  *where,
              const char  *parent_id,
              GError     **error)
{
  const char *id, *title;
  JsonArray *children;

  if (!get_string (p, object, "id", where, &id, error) ||
      !get_string (p, object, "title", where, &title, error) ||
      !get_array (p, object, "children", where, &children, error) ||
      !check_id (p, id, where, error))
    return FALSE;

  if (lb_schema_find_reason (p->schema, id) != NULL)
    {
      g_autofree char *field = g_strdup_printf ("%s.id", where);
      return invalid (p, error, field, _("reason “%s” is listed twice"), id);
    }

  if (children != NULL && json_array_get_length (children) > 0 && parent_id != NULL)
    {
      g_autofree char *field = g_strdup_printf ("%s.children", where);
      return invalid (p, error, field, _("reasons can be nested only two levels deep"));
    }

  add_reason (p->schema, id, title ? title : id, parent_id);

  for (guint i = 0; children != NULL && i < json_array_get_length (children); i++)
    {
      g_autofree char *child_where = g_strdup_printf ("%s.children[%u]", where, i);
      JsonObject *child;

      if (!get_element_object (p, children, i, child_where, &child, error) ||
          !parse_reason (p, child, child_where, id, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_root (Parse       *p,
            JsonObject  *root,
            GError     **error)
{
  const char *name;
  JsonArray *labels, *decisions, *reasons, *tools, *fields;
  JsonNode *label_config;

  if (!get_string (p, root, "name", "", &name, error) ||
      !get_boolean (p, root, "multi_label", "", &p->schema->multi_label, error) ||
      !get_array (p, root, "labels", "", &labels, error) ||
      !get_array (p, root, "decisions", "", &decisions, error) ||
      !get_array (p, root, "reasons", "", &reasons, error) ||
      !get_array (p, root, "tools", "", &tools, error) ||
      !get_array (p, root, "fields", "", &fields, error) ||
      !get_boolean (p, root, "overlapping_spans", "", &p->schema->overlapping_spans, error))
    return FALSE;

  if (tools != NULL && !parse_tools (p, tools, error))
    return FALSE;
  if (fields != NULL && !parse_fields (p, fields, error))
    return FALSE;

  label_config = json_object_get_member (root, "label_config");
  if (label_config != NULL && !JSON_NODE_HOLDS_NULL (label_config))
    {
      if (!JSON_NODE_HOLDS_OBJECT (label_config))
        return invalid (p, error, "label_config", _("must be an object"));
      p->schema->label_config = json_to_string (label_config, FALSE);
    }

  p->schema->name = g_strdup (name != NULL && *name != '\0' ? name : _("Untitled schema"));

  if (!parse_labels (p, labels, error))
    return FALSE;

  if (decisions == NULL)
    add_default_decisions (p->schema,
                           reasons != NULL && json_array_get_length (reasons) > 0);
  else if (!parse_decisions (p, decisions, error))
    return FALSE;

  for (guint i = 0; reasons != NULL && i < json_array_get_length (reasons); i++)
    {
      g_autofree char *where = g_strdup_printf ("reasons[%u]", i);
      JsonObject *object;

      if (!get_element_object (p, reasons, i, where, &object, error) ||
          !parse_reason (p, object, where, NULL, error))
        return FALSE;
    }

  /* a reason cannot be given when there is none: a file that asks for one
   * is refused; a schema a store kept from before this rule is read without
   * the requirement (its batch's Reject could never be submitted) */
  if (p->schema->reasons->len == 0)
    for (guint i = 0; i < p->schema->decisions->len; i++)
      {
        LbSchemaDecision *decision = &g_array_index (p->schema->decisions, LbSchemaDecision, i);

        if (!decision->needs_reason)
          continue;
        if (p->strict)
          {
            g_autofree char *field = g_strdup_printf ("decisions[%u].needs_reason", i);
            return invalid (p, error, field,
                            _("decision “%s” needs a reason, but the schema has no "
                              "“reasons”"), decision->id);
          }
        decision->needs_reason = FALSE;
      }

  if (p->schema->labels->len == 0 && p->schema->decisions->len == 0)
    return invalid (p, error, "labels",
                    _("the schema needs at least one label or one decision"));

  if ((p->schema->tools & (LB_TOOL_BOX | LB_TOOL_POLYGON | LB_TOOL_SPAN))
      && p->schema->labels->len == 0)
    return invalid (p, error, "tools", _("regions and spans need at least one label"));

  return TRUE;
}

static LbSchema *
schema_parse (const char  *data,
              gssize       length,
              const char  *origin,
              gboolean     strict,
              GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(LbSchema) schema = NULL;
  JsonNode *root;
  Parse p;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (origin == NULL)
    origin = "schema";

  if (length < 0)
    length = strlen (data);

  if (!g_utf8_validate (data, length, NULL))
    {
      g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE,
                   _("%s: not valid UTF-8"), origin);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      const char *message = local_error->message;

      /* json-glib says "<data>:LINE:COLUMN: Parse error: ..."; keep LINE:COLUMN */
      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE, "%s:%s", origin, message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_PARSE,
                   _("%s: a schema must be a JSON object"), origin);
      return NULL;
    }

  schema = lb_schema_alloc ();
  p.origin = origin;
  p.schema = schema;
  p.strict = strict;
  if (!parse_root (&p, json_node_get_object (root), error))
    return NULL;

  return g_steal_pointer (&schema);
}

LbSchema *
lb_schema_new_from_data (const char  *data,
                         gssize       length,
                         const char  *origin,
                         GError     **error)
{
  return schema_parse (data, length, origin, FALSE, error);
}

LbSchema *
lb_schema_new_from_file (const char  *path,
                         GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error_literal (error, LB_SCHEMA_ERROR, LB_SCHEMA_ERROR_IO, local_error->message);
      return NULL;
    }

  return schema_parse (contents, length, path, TRUE, error);
}

/* Canonical JSON */

static void
add_string_member (JsonBuilder *builder,
                   const char  *member,
                   const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

char *
lb_schema_to_json (LbSchema *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  add_string_member (builder, "name", self->name);
  json_builder_set_member_name (builder, "multi_label");
  json_builder_add_boolean_value (builder, self->multi_label);

  json_builder_set_member_name (builder, "labels");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->labels->len; i++)
    {
      const LbSchemaLabel *label = &g_array_index (self->labels, LbSchemaLabel, i);

      json_builder_begin_object (builder);
      add_string_member (builder, "id", label->id);
      add_string_member (builder, "title", label->title);
      add_string_member (builder, "hotkey", label->hotkey);
      add_string_member (builder, "color", label->color);
      if (label->n_attributes > 0)
        {
          json_builder_set_member_name (builder, "attributes");
          json_builder_begin_array (builder);
          for (guint j = 0; j < label->n_attributes; j++)
            {
              const LbSchemaAttribute *attribute = &label->attributes[j];

              json_builder_begin_object (builder);
              add_string_member (builder, "id", attribute->id);
              add_string_member (builder, "title", attribute->title);
              add_string_member (builder, "type", attribute_type_names[attribute->type]);
              if (attribute->options != NULL)
                {
                  json_builder_set_member_name (builder, "options");
                  json_builder_begin_array (builder);
                  for (guint k = 0; attribute->options[k] != NULL; k++)
                    json_builder_add_string_value (builder, attribute->options[k]);
                  json_builder_end_array (builder);
                }
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "decisions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->decisions->len; i++)
    {
      const LbSchemaDecision *decision = &g_array_index (self->decisions, LbSchemaDecision, i);

      json_builder_begin_object (builder);
      add_string_member (builder, "id", decision->id);
      add_string_member (builder, "title", decision->title);
      add_string_member (builder, "hotkey", decision->hotkey);
      json_builder_set_member_name (builder, "needs_reason");
      json_builder_add_boolean_value (builder, decision->needs_reason);
      json_builder_set_member_name (builder, "flag");
      json_builder_add_boolean_value (builder, decision->flag);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "reasons");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->reasons->len; i++)
    {
      const LbSchemaReason *reason = &g_array_index (self->reasons, LbSchemaReason, i);
      gboolean has_children;

      g_assert (reason->parent_id == NULL);

      json_builder_begin_object (builder);
      add_string_member (builder, "id", reason->id);
      add_string_member (builder, "title", reason->title);

      has_children = i + 1 < self->reasons->len &&
                     g_array_index (self->reasons, LbSchemaReason, i + 1).parent_id != NULL;
      if (has_children)
        {
          json_builder_set_member_name (builder, "children");
          json_builder_begin_array (builder);
          while (i + 1 < self->reasons->len &&
                 g_array_index (self->reasons, LbSchemaReason, i + 1).parent_id != NULL)
            {
              const LbSchemaReason *child = &g_array_index (self->reasons, LbSchemaReason, ++i);

              json_builder_begin_object (builder);
              add_string_member (builder, "id", child->id);
              add_string_member (builder, "title", child->title);
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  /* The members added with regions are written only when they differ from
   * their defaults, so older schemas keep their canonical JSON. */
  if (self->tools != LB_TOOLS_DEFAULT)
    {
      json_builder_set_member_name (builder, "tools");
      json_builder_begin_array (builder);
      for (guint t = 0; t < G_N_ELEMENTS (tool_names); t++)
        if (self->tools & (1u << t))
          json_builder_add_string_value (builder, tool_names[t]);
      json_builder_end_array (builder);
    }
  if (self->fields->len > 0)
    {
      json_builder_set_member_name (builder, "fields");
      json_builder_begin_array (builder);
      for (guint i = 0; i < self->fields->len; i++)
        {
          const LbSchemaField *field = &g_array_index (self->fields, LbSchemaField, i);

          json_builder_begin_object (builder);
          add_string_member (builder, "id", field->id);
          add_string_member (builder, "title", field->title);
          json_builder_set_member_name (builder, "multiline");
          json_builder_add_boolean_value (builder, field->multiline);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  if (!self->overlapping_spans)
    {
      json_builder_set_member_name (builder, "overlapping_spans");
      json_builder_add_boolean_value (builder, FALSE);
    }
  if (self->label_config != NULL)
    {
      JsonNode *config = json_from_string (self->label_config, NULL);

      if (config != NULL)
        {
          json_builder_set_member_name (builder, "label_config");
          json_builder_add_value (builder, config);
        }
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Accessors */

const char *
lb_schema_get_name (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

gboolean
lb_schema_get_multi_label (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->multi_label;
}

guint
lb_schema_get_n_labels (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->labels->len;
}

const LbSchemaLabel *
lb_schema_get_label (LbSchema *self,
                     guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->labels->len, NULL);
  return &g_array_index (self->labels, LbSchemaLabel, index);
}

const LbSchemaLabel *
lb_schema_find_label (LbSchema   *self,
                      const char *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->labels->len; i++)
    if (g_str_equal (g_array_index (self->labels, LbSchemaLabel, i).id, id))
      return &g_array_index (self->labels, LbSchemaLabel, i);
  return NULL;
}

guint
lb_schema_get_n_decisions (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->decisions->len;
}

const LbSchemaDecision *
lb_schema_get_decision (LbSchema *self,
                        guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->decisions->len, NULL);
  return &g_array_index (self->decisions, LbSchemaDecision, index);
}

const LbSchemaDecision *
lb_schema_find_decision (LbSchema   *self,
                         const char *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->decisions->len; i++)
    if (g_str_equal (g_array_index (self->decisions, LbSchemaDecision, i).id, id))
      return &g_array_index (self->decisions, LbSchemaDecision, i);
  return NULL;
}

guint
lb_schema_get_n_reasons (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->reasons->len;
}

const LbSchemaReason *
lb_schema_get_reason (LbSchema *self,
                      guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->reasons->len, NULL);
  return &g_array_index (self->reasons, LbSchemaReason, index);
}

const LbSchemaReason *
lb_schema_find_reason (LbSchema   *self,
                       const char *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->reasons->len; i++)
    if (g_str_equal (g_array_index (self->reasons, LbSchemaReason, i).id, id))
      return &g_array_index (self->reasons, LbSchemaReason, i);
  return NULL;
}

LbHotkeyTarget
lb_schema_lookup_hotkey (LbSchema   *self,
                         const char *key,
                         guint      *index)
{
  gunichar folded;

  g_return_val_if_fail (self != NULL, LB_HOTKEY_NONE);

  if (index != NULL)
    *index = 0;

  if (key == NULL || *key == '\0' || !g_utf8_validate (key, -1, NULL))
    return LB_HOTKEY_NONE;

  folded = hotkey_fold (key);

  for (guint i = 0; i < self->labels->len; i++)
    {
      const char *hotkey = g_array_index (self->labels, LbSchemaLabel, i).hotkey;

      if (hotkey != NULL && hotkey_fold (hotkey) == folded)
        {
          if (index != NULL)
            *index = i;
          return LB_HOTKEY_LABEL;
        }
    }

  for (guint i = 0; i < self->decisions->len; i++)
    {
      const char *hotkey = g_array_index (self->decisions, LbSchemaDecision, i).hotkey;

      if (hotkey != NULL && hotkey_fold (hotkey) == folded)
        {
          if (index != NULL)
            *index = i;
          return LB_HOTKEY_DECISION;
        }
    }

  return LB_HOTKEY_NONE;
}

LbSchemaTools
lb_schema_get_tools (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->tools;
}

gboolean
lb_schema_has_tool (LbSchema      *self,
                    LbSchemaTools  tool)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return (self->tools & tool) == tool && tool != 0;
}

const char *
lb_schema_tool_to_string (LbSchemaTools tool)
{
  for (guint t = 0; t < G_N_ELEMENTS (tool_names); t++)
    if (tool == (1u << t))
      return tool_names[t];
  return NULL;
}

gboolean
lb_schema_get_overlapping_spans (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->overlapping_spans;
}

const LbSchemaAttribute *
lb_schema_label_find_attribute (const LbSchemaLabel *label,
                                const char          *id)
{
  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < label->n_attributes; i++)
    if (g_strcmp0 (label->attributes[i].id, id) == 0)
      return &label->attributes[i];
  return NULL;
}

const char *
lb_attribute_type_to_string (LbAttributeType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (attribute_type_names), NULL);
  return attribute_type_names[type];
}

guint
lb_schema_get_n_fields (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->fields->len;
}

const LbSchemaField *
lb_schema_get_field (LbSchema *self,
                     guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->fields->len, NULL);
  return &g_array_index (self->fields, LbSchemaField, index);
}

const LbSchemaField *
lb_schema_find_field (LbSchema   *self,
                      const char *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->fields->len; i++)
    if (g_str_equal (g_array_index (self->fields, LbSchemaField, i).id, id))
      return &g_array_index (self->fields, LbSchemaField, i);
  return NULL;
}

const char *
lb_schema_get_label_config_json (LbSchema *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->label_config;
}
