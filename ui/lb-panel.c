/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-panel"
#include "config.h"

#include <glib/gi18n.h>

#include <json-glib/json-glib.h>

#include "lb-panel.h"

struct _LbPanel
{
  GtkWidget       parent_instance;

  GtkWidget      *predictions_bar;
  GtkLabel       *predictions_heading;
  GtkLabel       *predictions_label;
  GtkWidget      *predictions_button;
  LbPanelPredictionsState predictions_state;
  GtkWidget      *scroller;
  GtkWidget      *labels_section;
  GtkLabel       *labels_hint;
  GtkBox         *labels_box;
  GtkWidget      *decisions_section;
  GtkBox         *decisions_box;
  GtkWidget      *reasons_section;
  GtkLabel       *reason_hint;
  GtkSearchEntry *reason_search;
  GtkListBox     *reason_list;
  GtkWidget      *answers_section;
  GtkLabel       *answers_hint;
  GtkBox         *answers_box;
  GtkTextView    *note_view;
  GtkLabel       *message_label;
  GtkButton      *submit_button;
  GtkLabel       *saved_label;

  LbSchema       *schema;
  GPtrArray      *label_buttons;     /* GtkToggleButton, or GtkCheckButton when multi-label,
                                      * by schema index */
  GPtrArray      *field_editors;     /* GtkEntry or GtkTextView, by schema field index */
  GPtrArray      *decision_buttons;  /* GtkToggleButton, by schema index */
  GPtrArray      *reason_rows;       /* GtkListBoxRow, by schema index */
  gboolean       *picked_labels;     /* by schema index */
  int             decision;          /* schema index or -1 */
  int             reason;            /* schema index or -1 */
  char           *message;
  gboolean        dirty;
  gboolean        resetting;
  gboolean        syncing;           /* sync_buttons() is setting the buttons */

  /* Region tools (made in code, shown when the schema has them) */
  GtkWidget      *tools_section;
  GtkWidget      *tool_buttons[3];   /* by LbCanvasTool */
  GtkLabel       *region_label;
  GtkWidget      *attributes_box;    /* the selected region's attributes */
  char           *shown_attributes;  /* region id, label and attributes shown there */
  gboolean        setting_tool;
};

static void lb_panel_ensure_tools (LbPanel *self);

G_DEFINE_FINAL_TYPE (LbPanel, lb_panel, GTK_TYPE_WIDGET)

static void
swatch_draw_cb (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  const char *color = user_data;
  GdkRGBA rgba;
  double r = MIN (width, height) / 2.0;

  if (color == NULL || !gdk_rgba_parse (&rgba, color))
    gdk_rgba_parse (&rgba, "#9a9996");
  gdk_cairo_set_source_rgba (cr, &rgba);
  cairo_arc (cr, width / 2.0, height / 2.0, r, 0, 2 * G_PI);
  cairo_fill (cr);
}

/* Swatch, title and hotkey of a label or decision */
static GtkWidget *
make_choice_content (const char *title,
                     const char *hotkey,
                     const char *color)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *label;

  if (color != NULL)
    {
      GtkWidget *swatch = gtk_drawing_area_new ();

      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 12);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 12);
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), swatch_draw_cb,
                                      g_strdup (color), g_free);
      gtk_box_append (GTK_BOX (box), swatch);
    }

  label = gtk_label_new (NULL);
  gtk_label_set_text (GTK_LABEL (label), title);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);

  if (hotkey != NULL && hotkey[0] != '\0')
    {
      g_autofree char *upper = g_utf8_strup (hotkey, -1);
      GtkWidget *key = gtk_label_new (NULL);

      gtk_label_set_text (GTK_LABEL (key), upper);
      gtk_widget_add_css_class (key, "lb-hotkey");
      gtk_box_append (GTK_BOX (box), key);
    }
  return box;
}

static GtkWidget *
make_choice_button (const char *title,
                    const char *hotkey,
                    const char *color)
{
  GtkWidget *button = gtk_toggle_button_new ();

  gtk_button_set_child (GTK_BUTTON (button), make_choice_content (title, hotkey, color));
  gtk_widget_add_css_class (button, "lb-choice");
  return button;
}

/* Multi-label schemas: a check box per label, its hotkey toggles it */
static GtkWidget *
make_check_choice (const char *title,
                   const char *hotkey,
                   const char *color)
{
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *content = make_choice_content (title, hotkey, color);

  gtk_widget_set_margin_start (content, 4);
  gtk_widget_set_margin_top (content, 3);
  gtk_widget_set_margin_bottom (content, 3);
  gtk_check_button_set_child (GTK_CHECK_BUTTON (check), content);
  gtk_widget_set_focus_on_click (check, FALSE);
  gtk_widget_add_css_class (check, "lb-check-choice");
  return check;
}

static void
sync_buttons (LbPanel *self)
{
  self->syncing = TRUE;
  for (guint i = 0; i < self->label_buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (self->label_buttons, i);

      if (GTK_IS_CHECK_BUTTON (button))
        gtk_check_button_set_active (GTK_CHECK_BUTTON (button), self->picked_labels[i]);
      else
        gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), self->picked_labels[i]);
    }
  for (guint i = 0; i < self->decision_buttons->len; i++)
    gtk_toggle_button_set_active (g_ptr_array_index (self->decision_buttons, i),
                                  (int) i == self->decision);
  for (guint i = 0; i < self->reason_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->reason_rows, i);
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "lb-check");

      gtk_widget_set_opacity (check, (int) i == self->reason ? 1.0 : 0.0);
      if ((int) i == self->reason)
        gtk_widget_add_css_class (row, "lb-picked");
      else
        gtk_widget_remove_css_class (row, "lb-picked");
    }
  self->syncing = FALSE;

  if (self->schema != NULL && self->decision >= 0)
    {
      const LbSchemaDecision *d = lb_schema_get_decision (self->schema, self->decision);

      if (d->needs_reason)
        {
          g_autofree char *text = g_strdup_printf (_("Required for %s"), d->title);
          gtk_label_set_text (self->reason_hint, text);
          gtk_widget_add_css_class (GTK_WIDGET (self->reason_hint), "warning");
          gtk_widget_remove_css_class (GTK_WIDGET (self->reason_hint), "dim-label");
          return;
        }
    }
  gtk_label_set_text (self->reason_hint, _("Optional"));
  gtk_widget_remove_css_class (GTK_WIDGET (self->reason_hint), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->reason_hint), "dim-label");
}

static void
pick_label_of (LbPanel   *self,
               GtkWidget *button)
{
  const char *id = g_object_get_data (G_OBJECT (button), "lb-id");
  g_autofree char *param = g_strconcat ("label:", id, NULL);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.pick", "s", param);
  /* shows the pending choice again, also when the window refused it */
  sync_buttons (self);
}

static void
label_clicked_cb (GtkButton *button,
                  LbPanel   *self)
{
  pick_label_of (self, GTK_WIDGET (button));
}

static void
label_check_toggled_cb (GtkCheckButton *check,
                        LbPanel        *self)
{
  if (self->syncing)
    return;
  pick_label_of (self, GTK_WIDGET (check));
}

static void
decision_clicked_cb (GtkButton *button,
                     LbPanel   *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "lb-id");
  g_autofree char *param = g_strconcat ("decision:", id, NULL);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.pick", "s", param);
  sync_buttons (self);
}

static void
reason_row_activated_cb (GtkListBox    *list,
                         GtkListBoxRow *row,
                         LbPanel       *self)
{
  const char *id = g_object_get_data (G_OBJECT (row), "lb-id");

  gtk_widget_activate_action (GTK_WIDGET (self), "win.pick-reason", "s", id);
}

static gboolean
reason_filter_cb (GtkListBoxRow *row,
                  gpointer       user_data)
{
  LbPanel *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->reason_search));
  const char *haystack = g_object_get_data (G_OBJECT (row), "lb-haystack");
  g_autofree char *needle = NULL;

  if (text == NULL || text[0] == '\0')
    return TRUE;
  needle = g_utf8_casefold (text, -1);
  return haystack != NULL && strstr (haystack, needle) != NULL;
}

static GtkListBoxRow *
first_visible_reason (LbPanel *self)
{
  for (guint i = 0; i < self->reason_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->reason_rows, i);

      if (reason_filter_cb (GTK_LIST_BOX_ROW (row), self))
        return GTK_LIST_BOX_ROW (row);
    }
  return NULL;
}

static void
reason_search_changed_cb (GtkSearchEntry *entry,
                          LbPanel        *self)
{
  gtk_list_box_invalidate_filter (self->reason_list);
}

static void
reason_search_activate_cb (GtkSearchEntry *entry,
                           LbPanel        *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  GtkListBoxRow *row;

  if (text == NULL || text[0] == '\0')
    return;
  row = first_visible_reason (self);
  if (row != NULL)
    reason_row_activated_cb (self->reason_list, row, self);
}

static void
note_changed_cb (GtkTextBuffer *buffer,
                 LbPanel       *self)
{
  if (!self->resetting)
    self->dirty = TRUE;
}

/* Answer fields */

static void
field_changed_cb (gpointer  widget_or_buffer,
                  LbPanel  *self)
{
  if (!self->resetting)
    self->dirty = TRUE;
}

static void
field_activate_cb (GtkEntry *entry,
                   LbPanel  *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.submit", NULL);
}

/* Ctrl+Enter submits from any answer field; in a multi-line one plain
 * Enter starts a new line. Runs in the capture phase, before the field's
 * own key handling. */
static gboolean
field_key_pressed_cb (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      LbPanel               *self)
{
  GdkModifierType mods = state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK
                                  | GDK_SHIFT_MASK);

  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
      && mods == GDK_CONTROL_MASK)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.submit", NULL);
      return TRUE;
    }
  return FALSE;
}

static GtkWidget *
make_field_editor (LbPanel             *self,
                   const LbSchemaField *field)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *hint = gtk_label_new (NULL);
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkWidget *editor;

  gtk_label_set_text (GTK_LABEL (title), field->title != NULL ? field->title : field->id);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_box_append (GTK_BOX (top), title);
  /* Translators: how an answer field submits: Enter, or Ctrl+Enter in a multi-line one */
  gtk_label_set_text (GTK_LABEL (hint), field->multiline ? _("Ctrl+⏎ submits") : _("⏎ submits"));
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_widget_add_css_class (hint, "caption");
  gtk_box_append (GTK_BOX (top), hint);
  gtk_box_append (GTK_BOX (box), top);

  if (field->multiline)
    {
      GtkWidget *scroller = gtk_scrolled_window_new ();

      editor = gtk_text_view_new ();
      gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (editor), GTK_WRAP_WORD_CHAR);
      gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (editor), FALSE);
      gtk_text_view_set_top_margin (GTK_TEXT_VIEW (editor), 8);
      gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (editor), 8);
      gtk_text_view_set_left_margin (GTK_TEXT_VIEW (editor), 10);
      gtk_text_view_set_right_margin (GTK_TEXT_VIEW (editor), 10);
      g_signal_connect (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), "changed",
                        G_CALLBACK (field_changed_cb), self);
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                      GTK_POLICY_AUTOMATIC);
      gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 88);
      gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 220);
      gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), editor);
      gtk_widget_add_css_class (scroller, "card");
      gtk_widget_add_css_class (scroller, "lb-note");
      gtk_box_append (GTK_BOX (box), scroller);
    }
  else
    {
      editor = gtk_entry_new ();
      g_signal_connect (editor, "changed", G_CALLBACK (field_changed_cb), self);
      g_signal_connect (editor, "activate", G_CALLBACK (field_activate_cb), self);
      gtk_box_append (GTK_BOX (box), editor);
    }
  gtk_accessible_update_relation (GTK_ACCESSIBLE (editor),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, title, NULL, -1);
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (field_key_pressed_cb), self);
  gtk_widget_add_controller (editor, keys);
  g_object_set_data_full (G_OBJECT (editor), "lb-field", g_strdup (field->id), g_free);
  g_ptr_array_add (self->field_editors, editor);
  return box;
}

static void
editor_set_text (GtkWidget  *editor,
                 const char *text)
{
  if (GTK_IS_TEXT_VIEW (editor))
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)),
                              text != NULL ? text : "", -1);
  else
    gtk_editable_set_text (GTK_EDITABLE (editor), text != NULL ? text : "");
}

static char *
editor_get_text (GtkWidget *editor)
{
  if (GTK_IS_TEXT_VIEW (editor))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (editor)));
}

static GtkWidget *
find_field_editor (LbPanel    *self,
                   const char *field_id)
{
  for (guint i = 0; field_id != NULL && i < self->field_editors->len; i++)
    {
      GtkWidget *editor = g_ptr_array_index (self->field_editors, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (editor), "lb-field"), field_id) == 0)
        return editor;
    }
  return NULL;
}

static void
clear_children (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_BOX (box))
        gtk_box_remove (GTK_BOX (box), child);
      else
        gtk_list_box_remove (GTK_LIST_BOX (box), child);
    }
}

void
lb_panel_set_schema (LbPanel  *self,
                     LbSchema *schema)
{
  guint n;

  g_return_if_fail (LB_IS_PANEL (self));

  clear_children (GTK_WIDGET (self->labels_box));
  clear_children (GTK_WIDGET (self->decisions_box));
  clear_children (GTK_WIDGET (self->reason_list));
  clear_children (GTK_WIDGET (self->answers_box));
  g_ptr_array_set_size (self->label_buttons, 0);
  g_ptr_array_set_size (self->field_editors, 0);
  g_ptr_array_set_size (self->decision_buttons, 0);
  g_ptr_array_set_size (self->reason_rows, 0);
  g_clear_pointer (&self->picked_labels, g_free);
  g_clear_pointer (&self->schema, lb_schema_unref);
  self->decision = -1;
  self->reason = -1;
  gtk_editable_set_text (GTK_EDITABLE (self->reason_search), "");

  if (self->tools_section != NULL)
    gtk_widget_set_visible (self->tools_section, FALSE);
  if (schema == NULL)
    return;
  self->schema = lb_schema_ref (schema);
  if (lb_schema_has_tool (schema, LB_TOOL_BOX) || lb_schema_has_tool (schema, LB_TOOL_POLYGON))
    {
      lb_panel_ensure_tools (self);
      gtk_widget_set_visible (self->tools_section, TRUE);
      gtk_widget_set_visible (self->tool_buttons[LB_CANVAS_TOOL_BOX],
                              lb_schema_has_tool (schema, LB_TOOL_BOX));
      gtk_widget_set_visible (self->tool_buttons[LB_CANVAS_TOOL_POLYGON],
                              lb_schema_has_tool (schema, LB_TOOL_POLYGON));
      lb_panel_set_selected_region (self, NULL);
    }

  n = lb_schema_get_n_labels (schema);
  self->picked_labels = g_new0 (gboolean, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      const LbSchemaLabel *l = lb_schema_get_label (schema, i);
      const char *color = l->color != NULL ? l->color : "#9a9996";
      GtkWidget *button;

      if (lb_schema_get_multi_label (schema))
        {
          button = make_check_choice (l->title, l->hotkey, color);
          g_signal_connect (button, "toggled", G_CALLBACK (label_check_toggled_cb), self);
        }
      else
        {
          button = make_choice_button (l->title, l->hotkey, color);
          g_signal_connect (button, "clicked", G_CALLBACK (label_clicked_cb), self);
        }
      g_object_set_data_full (G_OBJECT (button), "lb-id", g_strdup (l->id), g_free);
      gtk_box_append (self->labels_box, button);
      g_ptr_array_add (self->label_buttons, button);
    }
  gtk_widget_set_visible (self->labels_section, n > 0);
  gtk_label_set_text (self->labels_hint,
                      lb_schema_get_multi_label (schema) ? _("Pick any") : _("Pick one"));

  n = lb_schema_get_n_decisions (schema);
  for (guint i = 0; i < n; i++)
    {
      const LbSchemaDecision *d = lb_schema_get_decision (schema, i);
      GtkWidget *button = make_choice_button (d->title, d->hotkey, NULL);

      g_object_set_data_full (G_OBJECT (button), "lb-id", g_strdup (d->id), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (decision_clicked_cb), self);
      gtk_box_append (self->decisions_box, button);
      g_ptr_array_add (self->decision_buttons, button);
    }
  gtk_widget_set_visible (self->decisions_section, n > 0);

  n = lb_schema_get_n_reasons (schema);
  for (guint i = 0; i < n; i++)
    {
      const LbSchemaReason *r = lb_schema_get_reason (schema, i);
      const LbSchemaReason *parent = r->parent_id ? lb_schema_find_reason (schema, r->parent_id)
                                                  : NULL;
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *title = gtk_label_new (NULL);
      GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");
      g_autofree char *hay = g_strdup_printf ("%s\n%s\n%s", r->title, r->id,
                                              parent ? parent->title : "");

      gtk_label_set_text (GTK_LABEL (title), r->title);
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_widget_set_margin_top (box, 8);
      gtk_widget_set_margin_bottom (box, 8);
      gtk_widget_set_margin_start (box, r->parent_id ? 30 : 12);
      gtk_widget_set_margin_end (box, 12);
      if (r->parent_id == NULL)
        gtk_widget_add_css_class (title, "heading");
      gtk_box_append (GTK_BOX (box), title);
      gtk_widget_set_opacity (check, 0.0);
      gtk_box_append (GTK_BOX (box), check);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      g_object_set_data_full (G_OBJECT (row), "lb-id", g_strdup (r->id), g_free);
      g_object_set_data_full (G_OBJECT (row), "lb-haystack", g_utf8_casefold (hay, -1), g_free);
      g_object_set_data (G_OBJECT (row), "lb-check", check);
      gtk_list_box_append (self->reason_list, row);
      g_ptr_array_add (self->reason_rows, row);
    }
  gtk_widget_set_visible (self->reasons_section, n > 0);

  n = lb_schema_get_n_fields (schema);
  for (guint i = 0; i < n; i++)
    gtk_box_append (self->answers_box, make_field_editor (self, lb_schema_get_field (schema, i)));
  gtk_widget_set_visible (self->answers_section, n > 0);
  /* Translators: beside the Answers heading in the panel */
  gtk_label_set_text (self->answers_hint, _("Saved on Submit"));

  sync_buttons (self);
}

static int
find_label_index (LbPanel    *self,
                  const char *id)
{
  guint n = self->schema ? lb_schema_get_n_labels (self->schema) : 0;

  for (guint i = 0; id != NULL && i < n; i++)
    if (g_strcmp0 (lb_schema_get_label (self->schema, i)->id, id) == 0)
      return i;
  return -1;
}

static int
find_decision_index (LbPanel    *self,
                     const char *id)
{
  guint n = self->schema ? lb_schema_get_n_decisions (self->schema) : 0;

  for (guint i = 0; id != NULL && i < n; i++)
    if (g_strcmp0 (lb_schema_get_decision (self->schema, i)->id, id) == 0)
      return i;
  return -1;
}

static int
find_reason_index (LbPanel    *self,
                   const char *id)
{
  guint n = self->schema ? lb_schema_get_n_reasons (self->schema) : 0;

  for (guint i = 0; id != NULL && i < n; i++)
    if (g_strcmp0 (lb_schema_get_reason (self->schema, i)->id, id) == 0)
      return i;
  return -1;
}

void
lb_panel_show_saved (LbPanel *self,
                     LbItem  *item)
{
  g_autoptr(GString) text = NULL;
  const char * const *labels;
  const char *decision;
  const char *reason;

  g_return_if_fail (LB_IS_PANEL (self));

  if (item == NULL)
    {
      gtk_label_set_text (self->saved_label, "");
      return;
    }

  labels = lb_item_get_labels (item);
  decision = lb_item_get_decision (item);
  reason = lb_item_get_reason (item);

  if (lb_item_get_state (item) == LB_ITEM_STATE_TODO)
    {
      gtk_label_set_text (self->saved_label, _("Not labelled yet"));
      return;
    }
  if (lb_item_get_state (item) == LB_ITEM_STATE_SKIPPED)
    {
      gtk_label_set_text (self->saved_label, _("Skipped"));
      return;
    }

  text = g_string_new (NULL);
  if (labels != NULL && labels[0] != NULL)
    {
      g_autoptr(GString) titles = g_string_new (NULL);

      for (guint i = 0; labels[i] != NULL; i++)
        {
          const LbSchemaLabel *l = self->schema ? lb_schema_find_label (self->schema, labels[i])
                                                : NULL;
          if (i > 0)
            g_string_append (titles, ", ");
          g_string_append (titles, l ? l->title : labels[i]);
        }
      /* Translators: the saved labels of the item, e.g. "Saved: OK, Spam" */
      g_string_append_printf (text, _("Saved: %s"), titles->str);
    }
  if (decision != NULL)
    {
      const LbSchemaDecision *d = self->schema ? lb_schema_find_decision (self->schema, decision)
                                               : NULL;
      const LbSchemaReason *r = (self->schema && reason) ? lb_schema_find_reason (self->schema,
                                                                                  reason)
                                                         : NULL;
      const char *dtitle = d ? d->title : decision;

      if (text->len > 0)
        g_string_append_c (text, '\n');
      if (reason != NULL)
        /* Translators: the saved decision and its reason, e.g. "Decision: Reject (Insult)" */
        g_string_append_printf (text, _("Decision: %s (%s)"), dtitle, r ? r->title : reason);
      else
        /* Translators: the saved decision, e.g. "Decision: Approve" */
        g_string_append_printf (text, _("Decision: %s"), dtitle);
    }
  if (self->schema != NULL)
    {
      g_autoptr(GString) titles = g_string_new (NULL);

      for (guint i = 0; i < lb_schema_get_n_fields (self->schema); i++)
        {
          const LbSchemaField *field = lb_schema_get_field (self->schema, i);

          if (lb_item_get_answer (item, field->id) == NULL)
            continue;
          if (titles->len > 0)
            g_string_append (titles, ", ");
          g_string_append (titles, field->title != NULL ? field->title : field->id);
        }
      if (titles->len > 0)
        {
          if (text->len > 0)
            g_string_append_c (text, '\n');
          /* Translators: the fields of the item that have a saved answer, e.g. "Answered: Caption" */
          g_string_append_printf (text, _("Answered: %s"), titles->str);
        }
    }
  if (text->len == 0)
    g_string_append (text, _("Saved"));
  if (lb_item_get_last_actor (item) != NULL)
    {
      g_string_append (text, "\n");
      g_string_append_printf (text, _("by %s"), lb_item_get_last_actor (item));
    }
  gtk_label_set_text (self->saved_label, text->str);
}

void
lb_panel_reset (LbPanel *self,
                LbItem  *item)
{
  GtkTextBuffer *buffer;
  guint n;

  g_return_if_fail (LB_IS_PANEL (self));

  n = self->schema ? lb_schema_get_n_labels (self->schema) : 0;
  for (guint i = 0; i < n; i++)
    self->picked_labels[i] = FALSE;
  self->decision = -1;
  self->reason = -1;

  self->resetting = TRUE;
  buffer = gtk_text_view_get_buffer (self->note_view);
  gtk_text_buffer_set_text (buffer, "", -1);
  gtk_editable_set_text (GTK_EDITABLE (self->reason_search), "");

  /* the region tools are for images */
  if (self->tools_section != NULL)
    gtk_widget_set_visible (self->tools_section,
                            self->schema != NULL
                            && (lb_schema_has_tool (self->schema, LB_TOOL_BOX)
                                || lb_schema_has_tool (self->schema, LB_TOOL_POLYGON))
                            && (item == NULL || lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE));

  if (item != NULL && lb_item_get_state (item) == LB_ITEM_STATE_DONE)
    {
      const char * const *labels = lb_item_get_labels (item);

      for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
        {
          int idx = find_label_index (self, labels[i]);
          if (idx >= 0)
            self->picked_labels[idx] = TRUE;
        }
      self->decision = find_decision_index (self, lb_item_get_decision (item));
      self->reason = find_reason_index (self, lb_item_get_reason (item));
    }
  if (item != NULL && lb_item_get_note (item) != NULL)
    gtk_text_buffer_set_text (buffer, lb_item_get_note (item), -1);
  for (guint i = 0; i < self->field_editors->len; i++)
    {
      GtkWidget *editor = g_ptr_array_index (self->field_editors, i);
      const char *id = g_object_get_data (G_OBJECT (editor), "lb-field");

      editor_set_text (editor, item != NULL ? lb_item_get_answer (item, id) : NULL);
    }
  self->resetting = FALSE;
  self->dirty = FALSE;

  lb_panel_set_message (self, NULL);
  lb_panel_show_saved (self, item);
  sync_buttons (self);
  gtk_adjustment_set_value (
    gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)), 0);
}

gboolean
lb_panel_toggle_label (LbPanel    *self,
                       const char *label_id)
{
  int idx;

  g_return_val_if_fail (LB_IS_PANEL (self), FALSE);

  idx = find_label_index (self, label_id);
  if (idx < 0)
    return FALSE;

  if (!lb_schema_get_multi_label (self->schema) && !self->picked_labels[idx])
    {
      guint n = lb_schema_get_n_labels (self->schema);
      for (guint i = 0; i < n; i++)
        self->picked_labels[i] = FALSE;
    }
  self->picked_labels[idx] = !self->picked_labels[idx];
  self->dirty = TRUE;
  lb_panel_set_message (self, NULL);
  sync_buttons (self);
  return TRUE;
}

gboolean
lb_panel_pick_decision (LbPanel    *self,
                        const char *decision_id)
{
  int idx;

  g_return_val_if_fail (LB_IS_PANEL (self), FALSE);

  idx = find_decision_index (self, decision_id);
  if (idx < 0)
    return FALSE;

  self->decision = self->decision == idx ? -1 : idx;
  /* the reason explains the decision: another decision, another reason
   * (reject for an insult, then approve, is not an approval "for an insult") */
  self->reason = -1;
  self->dirty = TRUE;
  lb_panel_set_message (self, NULL);
  sync_buttons (self);
  return TRUE;
}

gboolean
lb_panel_pick_reason (LbPanel    *self,
                      const char *reason_id)
{
  int idx;

  g_return_val_if_fail (LB_IS_PANEL (self), FALSE);

  idx = find_reason_index (self, reason_id);
  if (idx < 0)
    return FALSE;

  self->reason = idx;
  self->dirty = TRUE;
  lb_panel_set_message (self, NULL);
  sync_buttons (self);
  return TRUE;
}

GStrv
lb_panel_get_labels (LbPanel *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n;

  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  n = self->schema ? lb_schema_get_n_labels (self->schema) : 0;
  for (guint i = 0; i < n; i++)
    if (self->picked_labels[i])
      g_strv_builder_add (builder, lb_schema_get_label (self->schema, i)->id);
  return g_strv_builder_end (builder);
}

const char *
lb_panel_get_decision (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  if (self->schema == NULL || self->decision < 0)
    return NULL;
  return lb_schema_get_decision (self->schema, self->decision)->id;
}

const char *
lb_panel_get_reason (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  if (self->schema == NULL || self->reason < 0)
    return NULL;
  return lb_schema_get_reason (self->schema, self->reason)->id;
}

char *
lb_panel_get_note (LbPanel *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  buffer = gtk_text_view_get_buffer (self->note_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
lb_panel_set_note (LbPanel    *self,
                   const char *note)
{
  g_return_if_fail (LB_IS_PANEL (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->note_view), note ? note : "", -1);
}

char *
lb_panel_get_answer (LbPanel    *self,
                     const char *field_id)
{
  GtkWidget *editor;
  char *text;

  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  editor = find_field_editor (self, field_id);
  if (editor == NULL)
    return NULL;
  text = editor_get_text (editor);
  return g_strstrip (text);
}

gboolean
lb_panel_set_answer (LbPanel    *self,
                     const char *field_id,
                     const char *text)
{
  GtkWidget *editor;

  g_return_val_if_fail (LB_IS_PANEL (self), FALSE);

  editor = find_field_editor (self, field_id);
  if (editor == NULL)
    return FALSE;
  editor_set_text (editor, text);
  return TRUE;
}

GtkWidget *
lb_panel_get_field_editor (LbPanel    *self,
                           const char *field_id)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);
  return find_field_editor (self, field_id);
}

GtkWidget *
lb_panel_get_label_button (LbPanel    *self,
                           const char *label_id)
{
  int idx;

  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  idx = find_label_index (self, label_id);
  return idx >= 0 ? g_ptr_array_index (self->label_buttons, idx) : NULL;
}

gboolean
lb_panel_get_dirty (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), FALSE);
  return self->dirty;
}

void
lb_panel_set_message (LbPanel    *self,
                      const char *message)
{
  g_return_if_fail (LB_IS_PANEL (self));

  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

const char *
lb_panel_get_message (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);
  return self->message;
}

const char *
lb_panel_get_saved_text (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);
  return gtk_label_get_text (self->saved_label);
}

void
lb_panel_focus_note (LbPanel *self)
{
  g_return_if_fail (LB_IS_PANEL (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->note_view));
}

void
lb_panel_focus_reason (LbPanel *self)
{
  g_return_if_fail (LB_IS_PANEL (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->reason_search));
}

gboolean
lb_panel_is_note_widget (LbPanel   *self,
                         GtkWidget *widget)
{
  return widget != NULL && widget == GTK_WIDGET (self->note_view);
}

gboolean
lb_panel_is_reason_widget (LbPanel   *self,
                           GtkWidget *widget)
{
  return widget != NULL
         && (widget == GTK_WIDGET (self->reason_list)
             || gtk_widget_is_ancestor (widget, GTK_WIDGET (self->reason_list)));
}

gboolean
lb_panel_is_reason_search (LbPanel   *self,
                           GtkWidget *widget)
{
  return widget != NULL
         && (widget == GTK_WIDGET (self->reason_search)
             || gtk_widget_is_ancestor (widget, GTK_WIDGET (self->reason_search)));
}

void
lb_panel_set_predictions (LbPanel      *self,
                          const char   *description,
                          LbPanelPredictionsState state)
{
  g_return_if_fail (LB_IS_PANEL (self));

  self->predictions_state = state;
  gtk_widget_set_visible (self->predictions_bar, description != NULL);
  gtk_label_set_text (self->predictions_label, description != NULL ? description : "");
  switch (state)
    {
    case LB_PANEL_PREDICTIONS_ACCEPTING:
      /* Translators: heading of the pre-annotations bar while they are being saved */
      gtk_label_set_text (self->predictions_heading, _("Accepting pre-annotations…"));
      break;
    case LB_PANEL_PREDICTIONS_ACCEPTED:
      /* Translators: heading of the pre-annotations bar once the annotator accepted them */
      gtk_label_set_text (self->predictions_heading, _("Pre-annotations accepted"));
      break;
    case LB_PANEL_PREDICTIONS_OFFERED:
    default:
      /* Translators: heading of the bar of an item with a model's proposals */
      gtk_label_set_text (self->predictions_heading, _("Pre-annotated"));
      break;
    }
  gtk_widget_set_visible (self->predictions_button, state == LB_PANEL_PREDICTIONS_OFFERED);
}

const char *
lb_panel_get_predictions_text (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  if (!gtk_widget_get_visible (self->predictions_bar))
    return NULL;
  return gtk_label_get_text (self->predictions_label);
}

LbPanelPredictionsState
lb_panel_get_predictions_state (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), LB_PANEL_PREDICTIONS_OFFERED);
  return self->predictions_state;
}

GtkWidget *
lb_panel_new (void)
{
  return g_object_new (LB_TYPE_PANEL, NULL);
}

static void
tool_toggled_cb (GtkToggleButton *button,
                 LbPanel         *self)
{
  static const char *names[] = { "select", "box", "polygon" };

  if (self->setting_tool || !gtk_toggle_button_get_active (button))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (self->tool_buttons[i] == GTK_WIDGET (button))
      gtk_widget_activate_action (GTK_WIDGET (self), "win.set-tool", "s", names[i]);
}

static void
lb_panel_ensure_tools (LbPanel *self)
{
  GtkWidget *parent, *heading, *row;
  const char *titles[3];

  if (self->tools_section != NULL)
    return;
  /* Translators: the region tools in the side panel, with their keys */
  titles[0] = _("Select");
  titles[1] = _("Box (B)");
  titles[2] = _("Polygon (P)");

  self->tools_section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  heading = gtk_label_new (_("Tool"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (self->tools_section), heading);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (row, "linked");
  for (guint i = 0; i < 3; i++)
    {
      self->tool_buttons[i] = gtk_toggle_button_new_with_label (titles[i]);
      gtk_widget_set_hexpand (self->tool_buttons[i], TRUE);
      gtk_widget_set_focus_on_click (self->tool_buttons[i], FALSE);
      if (i > 0)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (self->tool_buttons[i]),
                                     GTK_TOGGLE_BUTTON (self->tool_buttons[0]));
      g_signal_connect (self->tool_buttons[i], "toggled", G_CALLBACK (tool_toggled_cb), self);
      gtk_box_append (GTK_BOX (row), self->tool_buttons[i]);
    }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->tool_buttons[0]), TRUE);
  gtk_box_append (GTK_BOX (self->tools_section), row);
  self->region_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->region_label, 0);
  gtk_label_set_wrap (self->region_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->region_label), "dim-label");
  gtk_box_append (GTK_BOX (self->tools_section), GTK_WIDGET (self->region_label));
  self->attributes_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (self->tools_section), self->attributes_box);

  parent = gtk_widget_get_parent (self->labels_section);
  gtk_box_insert_child_after (GTK_BOX (parent), self->tools_section, NULL);
}

void
lb_panel_set_tool (LbPanel      *self,
                   LbCanvasTool  tool)
{
  g_return_if_fail (LB_IS_PANEL (self));

  if (self->tools_section == NULL || (guint) tool >= 3)
    return;
  self->setting_tool = TRUE;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->tool_buttons[tool]), TRUE);
  self->setting_tool = FALSE;
}

gboolean
lb_panel_get_tools_shown (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), FALSE);
  return self->tools_section != NULL && gtk_widget_get_visible (self->tools_section);
}

LbCanvasTool
lb_panel_get_tool (LbPanel *self)
{
  g_return_val_if_fail (LB_IS_PANEL (self), LB_CANVAS_TOOL_SELECT);

  for (guint i = 0; self->tools_section != NULL && i < 3; i++)
    if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->tool_buttons[i])))
      return (LbCanvasTool) i;
  return LB_CANVAS_TOOL_SELECT;
}

/* Sends all the attributes shown (win.set-region-attributes, a JSON object) */
static void
attributes_changed (LbPanel *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (builder);
  for (GtkWidget *row = gtk_widget_get_first_child (self->attributes_box); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *editor = gtk_widget_get_last_child (row);
      const char *id = g_object_get_data (G_OBJECT (editor), "lb-attribute");

      if (id == NULL)
        continue;
      if (GTK_IS_SWITCH (editor))
        {
          json_builder_set_member_name (builder, id);
          json_builder_add_boolean_value (builder, gtk_switch_get_active (GTK_SWITCH (editor)));
        }
      else if (GTK_IS_ENTRY (editor))
        {
          const char *text = gtk_editable_get_text (GTK_EDITABLE (editor));

          if (text[0] == '\0')
            continue;
          json_builder_set_member_name (builder, id);
          json_builder_add_string_value (builder, text);
        }
      else if (GTK_IS_DROP_DOWN (editor))
        {
          guint pos = gtk_drop_down_get_selected (GTK_DROP_DOWN (editor));
          GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (editor)));

          /* the first entry is "none" */
          if (pos == 0 || pos == GTK_INVALID_LIST_POSITION)
            continue;
          json_builder_set_member_name (builder, id);
          json_builder_add_string_value (builder, gtk_string_list_get_string (list, pos));
        }
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.set-region-attributes", "s", json);
}

static void
attribute_switch_cb (GtkSwitch  *editor,
                     GParamSpec *pspec,
                     LbPanel    *self)
{
  attributes_changed (self);
}

static void
attribute_entry_cb (GtkEntry *editor,
                    LbPanel  *self)
{
  attributes_changed (self);
}

static void
attribute_drop_down_cb (GtkDropDown *editor,
                        GParamSpec  *pspec,
                        LbPanel     *self)
{
  attributes_changed (self);
}

static void
lb_panel_show_attributes (LbPanel        *self,
                          const LbRegion *region)
{
  const LbSchemaLabel *label = NULL;
  g_autofree char *key = NULL;
  g_autoptr(JsonNode) values = NULL;
  JsonObject *object = NULL;
  GtkWidget *child;

  if (region != NULL && self->schema != NULL)
    label = lb_schema_find_label (self->schema, region->label);
  if (label != NULL && label->n_attributes > 0)
    key = g_strdup_printf ("%s\n%s\n%s", region->id, region->label,
                           region->attributes != NULL ? region->attributes : "{}");
  if (g_strcmp0 (key, self->shown_attributes) == 0)
    return;
  g_free (self->shown_attributes);
  self->shown_attributes = g_steal_pointer (&key);

  while ((child = gtk_widget_get_first_child (self->attributes_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->attributes_box), child);
  gtk_widget_set_visible (self->attributes_box, self->shown_attributes != NULL);
  if (self->shown_attributes == NULL)
    return;

  values = json_from_string (region->attributes != NULL ? region->attributes : "{}", NULL);
  if (values != NULL && JSON_NODE_HOLDS_OBJECT (values))
    object = json_node_get_object (values);

  for (guint i = 0; i < label->n_attributes; i++)
    {
      const LbSchemaAttribute *a = &label->attributes[i];
      JsonNode *value = object != NULL ? json_object_get_member (object, a->id) : NULL;
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *title = gtk_label_new (a->title != NULL ? a->title : a->id);
      GtkWidget *editor;

      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_box_append (GTK_BOX (row), title);
      switch (a->type)
        {
        case LB_ATTRIBUTE_BOOL:
          editor = gtk_switch_new ();
          gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
          gtk_switch_set_active (GTK_SWITCH (editor),
                                 value != NULL && JSON_NODE_HOLDS_VALUE (value)
                                 && json_node_get_value_type (value) == G_TYPE_BOOLEAN
                                 && json_node_get_boolean (value));
          g_signal_connect (editor, "notify::active", G_CALLBACK (attribute_switch_cb), self);
          break;
        case LB_ATTRIBUTE_CHOICE:
          {
            g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
            guint selected = 0;

            /* Translators: no value picked for a region's attribute */
            gtk_string_list_append (list, _("None"));
            for (guint k = 0; a->options != NULL && a->options[k] != NULL; k++)
              {
                gtk_string_list_append (list, a->options[k]);
                if (value != NULL && JSON_NODE_HOLDS_VALUE (value)
                    && g_strcmp0 (json_node_get_string (value), a->options[k]) == 0)
                  selected = k + 1;
              }
            editor = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&list)), NULL);
            gtk_drop_down_set_selected (GTK_DROP_DOWN (editor), selected);
            g_signal_connect (editor, "notify::selected", G_CALLBACK (attribute_drop_down_cb),
                              self);
          }
          break;
        case LB_ATTRIBUTE_TEXT:
        default:
          editor = gtk_entry_new ();
          if (value != NULL && JSON_NODE_HOLDS_VALUE (value)
              && json_node_get_value_type (value) == G_TYPE_STRING)
            gtk_editable_set_text (GTK_EDITABLE (editor), json_node_get_string (value));
          /* Translators: placeholder of a region's free-text attribute */
          gtk_entry_set_placeholder_text (GTK_ENTRY (editor), _("Enter saves"));
          g_signal_connect (editor, "activate", G_CALLBACK (attribute_entry_cb), self);
          break;
        }
      g_object_set_data_full (G_OBJECT (editor), "lb-attribute", g_strdup (a->id), g_free);
      gtk_box_append (GTK_BOX (row), editor);
      gtk_box_append (GTK_BOX (self->attributes_box), row);
    }
}

GtkWidget *
lb_panel_get_attribute_editor (LbPanel    *self,
                               const char *attribute_id)
{
  g_return_val_if_fail (LB_IS_PANEL (self), NULL);

  if (self->attributes_box == NULL)
    return NULL;
  for (GtkWidget *row = gtk_widget_get_first_child (self->attributes_box); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *editor = gtk_widget_get_last_child (row);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (editor), "lb-attribute"), attribute_id) == 0)
        return editor;
    }
  return NULL;
}

void
lb_panel_set_selected_region (LbPanel        *self,
                              const LbRegion *region)
{
  const LbSchemaLabel *label;
  g_autofree char *text = NULL;

  g_return_if_fail (LB_IS_PANEL (self));

  if (self->region_label == NULL)
    return;
  lb_panel_show_attributes (self, region);
  if (region == NULL)
    {
      gtk_label_set_text (self->region_label,
                          _("Tab selects a region; Delete removes it; a label's key relabels it"));
      return;
    }
  label = self->schema != NULL ? lb_schema_find_label (self->schema, region->label) : NULL;
  if (region->shape == LB_REGION_SHAPE_BOX)
    {
      g_autofree char *w = g_strdup_printf ("%.0f", region->box[2]);
      g_autofree char *h = g_strdup_printf ("%.0f", region->box[3]);

      /* Translators: the selected region in the side panel: label, then size in pixels */
      text = g_strdup_printf (_("Selected box: %s, %s × %s px"),
                              label != NULL ? label->title : region->label, w, h);
    }
  else
    text = g_strdup_printf (_("Selected polygon: %s"),
                            label != NULL ? label->title : region->label);
  gtk_label_set_text (self->region_label, text);
}

static void
lb_panel_dispose (GObject *object)
{
  LbPanel *self = LB_PANEL (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_PANEL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (lb_panel_parent_class)->dispose (object);
}

static void
lb_panel_finalize (GObject *object)
{
  LbPanel *self = LB_PANEL (object);

  g_clear_pointer (&self->label_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->field_editors, g_ptr_array_unref);
  g_clear_pointer (&self->shown_attributes, g_free);
  g_clear_pointer (&self->decision_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->reason_rows, g_ptr_array_unref);
  g_clear_pointer (&self->picked_labels, g_free);
  g_clear_pointer (&self->schema, lb_schema_unref);
  g_clear_pointer (&self->message, g_free);

  G_OBJECT_CLASS (lb_panel_parent_class)->finalize (object);
}

static void
lb_panel_class_init (LbPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_panel_dispose;
  object_class->finalize = lb_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/lb-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, LbPanel, predictions_bar);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, predictions_heading);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, predictions_label);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, predictions_button);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, labels_section);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, labels_hint);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, labels_box);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, decisions_section);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, decisions_box);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, reasons_section);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, reason_hint);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, reason_search);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, reason_list);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, answers_section);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, answers_hint);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, answers_box);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, note_view);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, message_label);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, submit_button);
  gtk_widget_class_bind_template_child (widget_class, LbPanel, saved_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lbpanel");
}

static void
lb_panel_init (LbPanel *self)
{
  self->label_buttons = g_ptr_array_new ();
  self->field_editors = g_ptr_array_new ();
  self->decision_buttons = g_ptr_array_new ();
  self->reason_rows = g_ptr_array_new ();
  self->decision = -1;
  self->reason = -1;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self->reason_list, "row-activated", G_CALLBACK (reason_row_activated_cb), self);
  g_signal_connect (self->reason_search, "search-changed",
                    G_CALLBACK (reason_search_changed_cb), self);
  g_signal_connect (self->reason_search, "activate", G_CALLBACK (reason_search_activate_cb), self);
  g_signal_connect (gtk_text_view_get_buffer (self->note_view), "changed",
                    G_CALLBACK (note_changed_cb), self);
  gtk_list_box_set_filter_func (self->reason_list, reason_filter_cb, self, NULL);
}
