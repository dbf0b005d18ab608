/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-schema.h"
#include "lb-item.h"
#include "lb-image-canvas.h"

G_BEGIN_DECLS

/* The right-hand panel: the batch schema's labels and decisions as buttons
 * with their hotkeys (labels as check boxes when the schema is
 * multi-label), the reason codes with a search entry, the answer fields of
 * the schema, a note field, the Submit button and the current item's saved
 * state, and a bar for an item's pre-annotations. It holds the annotator's
 * pending choice and answers; the window reads them on win.submit. Its
 * buttons activate the window's actions (win.pick, win.pick-reason,
 * win.submit, win.accept-predictions). */
#define LB_TYPE_PANEL (lb_panel_get_type ())
G_DECLARE_FINAL_TYPE (LbPanel, lb_panel, LB, PANEL, GtkWidget)

GtkWidget   *lb_panel_new                (void);
void         lb_panel_set_schema         (LbPanel    *self,
                                          LbSchema   *schema);
/* Resets the pending choice and the note to the item's saved state and
 * shows the saved state. item may be NULL. */
void         lb_panel_reset              (LbPanel    *self,
                                          LbItem     *item);
/* Shows the saved state of the item (after a COMMIT) without touching the
 * pending choice. */
void         lb_panel_show_saved         (LbPanel    *self,
                                          LbItem     *item);

/* Pending choice. Return FALSE when the id is not in the schema. */
gboolean     lb_panel_toggle_label       (LbPanel    *self,
                                          const char *label_id);
gboolean     lb_panel_pick_decision      (LbPanel    *self,
                                          const char *decision_id);
gboolean     lb_panel_pick_reason        (LbPanel    *self,
                                          const char *reason_id);
/* The picked label ids in schema order (NULL-terminated, maybe empty). */
GStrv        lb_panel_get_labels         (LbPanel    *self);
const char  *lb_panel_get_decision       (LbPanel    *self);
const char  *lb_panel_get_reason         (LbPanel    *self);
char        *lb_panel_get_note           (LbPanel    *self);
void         lb_panel_set_note           (LbPanel    *self,
                                          const char *note);
/* Answer fields (one per schema field, filled from the item on reset):
 * the text shown, stripped; NULL when the schema has no such field. */
char        *lb_panel_get_answer         (LbPanel    *self,
                                          const char *field_id);
/* Puts text in the field as if typed (the panel becomes dirty); FALSE when
 * the schema has no such field. */
gboolean     lb_panel_set_answer         (LbPanel    *self,
                                          const char *field_id,
                                          const char *text);
/* The field's editor: a GtkEntry, or a GtkTextView for a multi-line field.
 * Enter in an entry, Ctrl+Enter in any field activates win.submit. */
GtkWidget   *lb_panel_get_field_editor   (LbPanel    *self,
                                          const char *field_id);
/* The label's button: a GtkCheckButton when the schema is multi-label,
 * a GtkToggleButton otherwise. */
GtkWidget   *lb_panel_get_label_button   (LbPanel    *self,
                                          const char *label_id);
/* TRUE once the annotator changed something since the last reset. */
gboolean     lb_panel_get_dirty          (LbPanel    *self);

/* A hint or problem shown above the Submit button; NULL hides it. */
void         lb_panel_set_message        (LbPanel    *self,
                                          const char *message);
const char  *lb_panel_get_message        (LbPanel    *self);
const char  *lb_panel_get_saved_text     (LbPanel    *self);

void         lb_panel_focus_note         (LbPanel    *self);
void         lb_panel_focus_reason       (LbPanel    *self);
gboolean     lb_panel_is_note_widget     (LbPanel    *self,
                                          GtkWidget  *widget);
gboolean     lb_panel_is_reason_widget   (LbPanel    *self,
                                          GtkWidget  *widget);
gboolean     lb_panel_is_reason_search   (LbPanel    *self,
                                          GtkWidget  *widget);

/* Pre-annotations of the item: a bar with the description (NULL hides it)
 * and, while OFFERED, an Accept button (win.accept-predictions). */
typedef enum {
  LB_PANEL_PREDICTIONS_OFFERED,
  LB_PANEL_PREDICTIONS_ACCEPTING,
  LB_PANEL_PREDICTIONS_ACCEPTED,
} LbPanelPredictionsState;

void         lb_panel_set_predictions    (LbPanel                 *self,
                                          const char              *description,
                                          LbPanelPredictionsState  state);
/* The description shown, or NULL when the bar is hidden */
const char  *lb_panel_get_predictions_text (LbPanel *self);
LbPanelPredictionsState lb_panel_get_predictions_state (LbPanel *self);

/* Region tools: the active one (toggle buttons that activate win.set-tool
 * with "select", "box" or "polygon") and the selected region (or NULL). */
void         lb_panel_set_tool           (LbPanel        *self,
                                          LbCanvasTool    tool);
LbCanvasTool lb_panel_get_tool           (LbPanel        *self);
/* Whether the tool row shows (a schema with boxes or polygons, an image) */
gboolean     lb_panel_get_tools_shown    (LbPanel        *self);
void         lb_panel_set_selected_region (LbPanel       *self,
                                           const LbRegion *region);
/* The editor (GtkSwitch, GtkEntry, GtkDropDown) of an attribute of the
 * selected region's label, or NULL; a change activates
 * win.set-region-attributes with all of them as a JSON object. */
GtkWidget   *lb_panel_get_attribute_editor (LbPanel      *self,
                                            const char   *attribute_id);

G_END_DECLS
