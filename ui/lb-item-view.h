/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-image-canvas.h"
#include "lb-item.h"
#include "lb-image-loader.h"
#include "lb-schema.h"
#include "lb-text-view.h"

G_BEGIN_DECLS

/* Shows one item: an image (decoded off the main thread at the view's size)
 * or a text (plain, wrapped, scrollable), or a clear message when the item
 * cannot be shown (corrupt, missing or over-limit image). */
#define LB_TYPE_ITEM_VIEW (lb_item_view_get_type ())
G_DECLARE_FINAL_TYPE (LbItemView, lb_item_view, LB, ITEM_VIEW, GtkWidget)

typedef enum {
  LB_ITEM_VIEW_EMPTY,    /* no item */
  LB_ITEM_VIEW_LOADING,  /* image being decoded */
  LB_ITEM_VIEW_READY,    /* image or text shown */
  LB_ITEM_VIEW_FAILED,   /* message shown instead (see error-message) */
} LbItemViewStatus;

#define LB_TYPE_ITEM_VIEW_STATUS (lb_item_view_status_get_type ())
GType             lb_item_view_status_get_type   (void) G_GNUC_CONST;

GtkWidget        *lb_item_view_new               (void);
void              lb_item_view_set_image_loader  (LbItemView    *self,
                                                  LbImageLoader *loader);
LbItem           *lb_item_view_get_item          (LbItemView    *self);
void              lb_item_view_set_item          (LbItemView    *self,
                                                  LbItem        *item);
/* Decodes an upcoming image item at this view's size into the cache. */
void              lb_item_view_prefetch          (LbItemView    *self,
                                                  LbItem        *item);
/* Properties "status" and "error-message" notify when they change. */
LbItemViewStatus  lb_item_view_get_status        (LbItemView    *self);
const char       *lb_item_view_get_error_message (LbItemView    *self);
/* The image canvas (zoom, pan, coordinates), and whether it shows the
 * current item's image. */
LbImageCanvas    *lb_item_view_get_canvas        (LbItemView    *self);
gboolean          lb_item_view_get_showing_image (LbItemView    *self);
/* What the page of an item that cannot be shown says can still be done
 * (NULL: "You can still label or skip this item.") */
void              lb_item_view_set_failure_hint  (LbItemView    *self,
                                                  const char    *hint);
/* Whether the error page offers "Locate the Batch Folder…" (the image file
 * is missing; the button activates "win.locate-batch-folder") */
gboolean          lb_item_view_get_offers_locate (LbItemView    *self);
/* The text view (spans, selection, caret), and whether it shows the
 * current item's text. */
LbTextView       *lb_item_view_get_text_view     (LbItemView    *self);
gboolean          lb_item_view_get_showing_text  (LbItemView    *self);
/* Draws the spans of item (a fresh snapshot of the text shown; anything
 * else clears them) in the schema's colours; the schema's span tool turns
 * span marking on. */
void              lb_item_view_set_spans         (LbItemView    *self,
                                                  LbItem        *item,
                                                  LbSchema      *schema);

G_END_DECLS
