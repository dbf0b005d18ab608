/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-store.h"
#include "lb-image-loader.h"

G_BEGIN_DECLS

/* The team lead's review mode: a queue of annotated items (filter bar:
 * annotator, label, decision, reason, time, unreviewed only, disputed only, a seeded
 * per-annotator sample), the item with what each annotator decided, and
 * one key per verdict:
 *   A  accept            F  fix (the panel's tools, and the canvas's and the text's:
 *                          B box, P polygon, drag, Delete, a label's key on selected
 *                          text; each region or span edit is a lead correction,
 *                          lb_store_correct(); Enter submits the fix, which lists them)
 *   R  reject (a comment entry appears; Enter confirms)
 *   G  mark as gold / take the mark away
 *   J / K, Down / Up  next / previous      Ctrl+Z  undo the lead's latest review
 *   Escape  leaves the fix or the comment
 * Every write is an _async store call; a verdict shows "saved" after its COMMIT.
 * The window routes its keys here while the review page is shown
 * (lb_review_view_handle_key()). */
#define LB_TYPE_REVIEW_VIEW (lb_review_view_get_type ())
G_DECLARE_FINAL_TYPE (LbReviewView, lb_review_view, LB, REVIEW_VIEW, GtkWidget)

GtkWidget    *lb_review_view_new              (void);
void          lb_review_view_set_image_loader (LbReviewView  *self,
                                               LbImageLoader *loader);
/* Opens the batch's review queue for the lead ACTOR (reads off the main thread). */
void          lb_review_view_open             (LbReviewView  *self,
                                               LbStore       *store,
                                               gint64         batch_id,
                                               const char    *actor);
/* Reads the queue again with the filter bar's values. */
void          lb_review_view_reload           (LbReviewView  *self);
/* Ctrl+Z and the header's Undo button in review mode: while fixing, the
 * latest region or span correction of the fix; otherwise the lead's latest
 * review (with the corrections it completed). */
void          lb_review_view_undo             (LbReviewView  *self);
gboolean      lb_review_view_handle_key       (LbReviewView  *self,
                                               guint          keyval,
                                               GdkModifierType state);

/* Filter bar, as a user sets it (each one reloads the queue) */
void          lb_review_view_set_annotator    (LbReviewView  *self,
                                               const char    *annotator);  /* NULL = all */
/* FIELD "label", "decision" or "reason" and an id of the schema (NULL = all),
 * or "time" and "all", "today" or "week"; FALSE when there is no such choice */
gboolean      lb_review_view_set_filter       (LbReviewView  *self,
                                               const char    *field,
                                               const char    *value);
void          lb_review_view_set_unreviewed_only (LbReviewView *self,
                                                  gboolean      unreviewed);
/* Items whose annotators disagree (consensus DISPUTED, LbReviewQuery.disputed_only) */
void          lb_review_view_set_disputed_only (LbReviewView *self,
                                                gboolean      disputed);
/* percent 0 = no sampling */
void          lb_review_view_set_sampling     (LbReviewView  *self,
                                               double         percent,
                                               guint64        seed);
guint64       lb_review_view_get_seed         (LbReviewView  *self);

/* What the lead sees, for tests */
gboolean      lb_review_view_get_loading      (LbReviewView  *self);
GArray       *lb_review_view_get_queue_ids    (LbReviewView  *self);  /* of gint64, a copy */
LbItem       *lb_review_view_get_current_item (LbReviewView  *self);
const char   *lb_review_view_get_status       (LbReviewView  *self);
/* The annotators' work shown for the current item, one text per annotator */
char         *lb_review_view_get_works_text   (LbReviewView  *self);
guint         lb_review_view_get_n_pending    (LbReviewView  *self);
/* The annotator whose own regions and spans are drawn (their card clicked,
 * or their number key), -1 for the item's state */
int           lb_review_view_get_shown_work (LbReviewView *self);
gboolean      lb_review_view_get_fixing       (LbReviewView  *self);
GtkWidget    *lb_review_view_get_comment_entry (LbReviewView *self);
GtkWidget    *lb_review_view_get_panel        (LbReviewView  *self);
GtkWidget    *lb_review_view_get_item_view    (LbReviewView  *self);

G_END_DECLS
