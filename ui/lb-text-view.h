/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-item.h"
#include "lb-schema.h"

G_BEGIN_DECLS

/* The read-only text of a text item, with its spans drawn over it: a
 * translucent fill in each label's colour, a bar per nesting depth under
 * the text (so overlapping spans stay readable) and the label's title in a
 * small tag above the span's start. Nothing is ever inserted into the
 * buffer: its character offsets are the item's code points.
 *
 * When the schema enables the span tool, the view takes the focus and shows
 * a caret so that text can be selected with the mouse or Shift+arrows; a
 * click on a span selects it. The window turns selections into spans.
 *
 * Signal "selection-changed": the selected span changed. */
#define LB_TYPE_TEXT_VIEW (lb_text_view_get_type ())
G_DECLARE_FINAL_TYPE (LbTextView, lb_text_view, LB, TEXT_VIEW, GtkTextView)

GtkWidget    *lb_text_view_new                (void);
/* item: the text item shown (or NULL: no spans); schema: the batch's (or
 * NULL), giving colours, titles and whether spans can be marked. */
void          lb_text_view_set_spans          (LbTextView *self,
                                               LbItem     *item,
                                               LbSchema   *schema);
LbSchema     *lb_text_view_get_schema         (LbTextView *self);
/* TRUE when the schema has the span tool */
gboolean      lb_text_view_get_span_mode      (LbTextView *self);
guint         lb_text_view_get_n_spans        (LbTextView *self);
/* The nesting depth a span is drawn at (0 = outermost), G_MAXUINT if unknown */
guint         lb_text_view_get_span_depth     (LbTextView *self,
                                               const char *span_id);

/* The selected span's id, or NULL */
const char   *lb_text_view_get_selected_span  (LbTextView *self);
void          lb_text_view_select_span        (LbTextView *self,
                                               const char *span_id);
/* Selects the next (previous) span in text order; FALSE when there is none */
gboolean      lb_text_view_cycle_selection    (LbTextView *self,
                                               gboolean    backward);
/* What a click at (x, y) in widget coordinates does: selects the span (or
 * its tag) there (the innermost; again on the same spot, the next one out),
 * or drops the selection. TRUE when a span was hit. */
gboolean      lb_text_view_select_at          (LbTextView *self,
                                               double      x,
                                               double      y);

/* The selected text in code points; FALSE when nothing is selected */
gboolean      lb_text_view_get_text_selection (LbTextView *self,
                                               gint64     *start,
                                               gint64     *end);
/* Collapses the text selection to its end */
void          lb_text_view_clear_text_selection (LbTextView *self);
/* Moves the caret as Left, Right, Home, End, Up or Down would (extending
 * the selection when extend is TRUE); FALSE for any other key. */
gboolean      lb_text_view_move_caret         (LbTextView *self,
                                               guint       keyval,
                                               gboolean    words,
                                               gboolean    extend);
/* The first span that overlaps [start, end), or NULL */
const LbSpan *lb_text_view_find_overlap       (LbTextView *self,
                                               gint64      start,
                                               gint64      end);

G_END_DECLS
