/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-image.h"
#include "lb-item.h"
#include "lb-schema.h"

G_BEGIN_DECLS

/* Draws one image over a checkerboard (so transparent images stay
 * readable), fitted into the widget or zoomed and panned.
 *
 * The texture is a decode of the source image at some resolution (at most
 * the source's own); the canvas maps it onto the source's pixel grid
 * (the "content size"), so zoom, pan and coordinates are all in source
 * pixels whatever the decode. Only the visible part is drawn.
 *
 * Zoom is in device pixels per source pixel: 1.0 is 1:1 (100 %).
 * Ctrl+scroll zooms around the pointer, scrolling pans when zoomed in,
 * the middle button drags, and so does the primary button while
 * lb_image_canvas_set_space_held() says Space is down; pinching zooms. */
#define LB_TYPE_IMAGE_CANVAS (lb_image_canvas_get_type ())
G_DECLARE_FINAL_TYPE (LbImageCanvas, lb_image_canvas, LB, IMAGE_CANVAS, GtkWidget)

GtkWidget  *lb_image_canvas_new              (void);
GdkTexture *lb_image_canvas_get_texture      (LbImageCanvas *self);
void        lb_image_canvas_set_texture      (LbImageCanvas *self,
                                              GdkTexture    *texture);
/* Shows a decoded image: sets the texture (and the content size to the
 * image's source size). With the cairo renderer the pixels are also kept
 * as a cairo surface converted once, instead of on every frame.
 * The zoom and pan are kept (a sharper decode of the same image). */
void        lb_image_canvas_set_image        (LbImageCanvas *self,
                                              LbImage       *image);
/* The size in pixels the texture stands for (the source image's size).
 * When the texture is a smaller decode than the view needs, it is
 * stretched to the size this content would have, until a sharper one
 * arrives. 0 x 0 = the texture's own size. A new size resets to fit. */
void        lb_image_canvas_set_content_size (LbImageCanvas *self,
                                              guint          width,
                                              guint          height);
void        lb_image_canvas_get_content_size (LbImageCanvas *self,
                                              guint         *width,
                                              guint         *height);

/* Zoom ("zoom" notifies on user zooms; "fitted" is TRUE while the image
 * follows the widget's size). Before the widget has a size, zooming is
 * ignored and the image stays fitted. */
double      lb_image_canvas_get_zoom         (LbImageCanvas *self);
double      lb_image_canvas_get_fit_zoom     (LbImageCanvas *self);
double      lb_image_canvas_get_min_zoom     (LbImageCanvas *self);
double      lb_image_canvas_get_max_zoom     (LbImageCanvas *self);
gboolean    lb_image_canvas_get_fitted       (LbImageCanvas *self);
/* TRUE when the image is larger than the view (there is something to pan). */
gboolean    lb_image_canvas_get_zoomed_in    (LbImageCanvas *self);
/* Zooms (clamped to min..max) keeping the image point under the widget
 * point (x, y) where it is, as far as the edges allow. */
void        lb_image_canvas_zoom_at          (LbImageCanvas *self,
                                              double         zoom,
                                              double         x,
                                              double         y);
/* One step in or out around the centre of the view. */
void        lb_image_canvas_zoom_in          (LbImageCanvas *self);
void        lb_image_canvas_zoom_out         (LbImageCanvas *self);
void        lb_image_canvas_zoom_fit         (LbImageCanvas *self);
/* 1:1 around the centre of the view. */
void        lb_image_canvas_zoom_one_to_one  (LbImageCanvas *self);

/* Pan: where the image's top-left corner is, in widget coordinates.
 * Clamped so that the image covers the view where it is larger than the
 * view, and is centred where it is smaller. */
void        lb_image_canvas_get_offset       (LbImageCanvas *self,
                                              double        *x,
                                              double        *y);
void        lb_image_canvas_set_offset       (LbImageCanvas *self,
                                              double         x,
                                              double         y);
/* Moves the image by (dx, dy) widget pixels (clamped). */
void        lb_image_canvas_pan              (LbImageCanvas *self,
                                              double         dx,
                                              double         dy);

/* Coordinates: widget (logical) pixels <-> source-image pixels. */
void        lb_image_canvas_widget_to_image  (LbImageCanvas *self,
                                              double         widget_x,
                                              double         widget_y,
                                              double        *image_x,
                                              double        *image_y);
void        lb_image_canvas_image_to_widget  (LbImageCanvas *self,
                                              double         image_x,
                                              double         image_y,
                                              double        *widget_x,
                                              double        *widget_y);

/* Space held: a primary-button drag pans. Releasing it returns whether a
 * pan happened since it was pressed (then the Space was not a tap). */
void        lb_image_canvas_set_space_held   (LbImageCanvas *self,
                                              gboolean       held);
gboolean    lb_image_canvas_get_space_panned (LbImageCanvas *self);

/* Regions: the canvas draws the item's regions (boxes, polygons) in their
 * labels' colours with the label's title, the selected one with handles.
 * With a drawing tool the primary button draws; it also selects, moves and
 * resizes. The canvas never writes to the store: it emits
 *   "region-create" (guint shape, const double *coords, guint n_coords)
 *   "region-update" (const char *id, guint shape, const double *coords, guint n_coords)
 * in source-image pixels (BOX: x, y, w, h; POLYGON: x0, y0, ...), and
 * "selection-changed". The edited geometry is drawn until the next
 * lb_image_canvas_set_regions() with the same item. */
typedef enum {
  LB_CANVAS_TOOL_SELECT,
  LB_CANVAS_TOOL_BOX,
  LB_CANVAS_TOOL_POLYGON,
} LbCanvasTool;

void          lb_image_canvas_set_regions         (LbImageCanvas *self,
                                                   LbItem        *item,
                                                   LbSchema      *schema);
void          lb_image_canvas_set_tool            (LbImageCanvas *self,
                                                   LbCanvasTool   tool);
LbCanvasTool  lb_image_canvas_get_tool            (LbImageCanvas *self);
/* The selected region's id (kept by id across item changes), or NULL */
const char   *lb_image_canvas_get_selected_region (LbImageCanvas *self);
void          lb_image_canvas_select_region       (LbImageCanvas *self,
                                                   const char    *id);
/* Tab: the next (or previous) region in creation order; FALSE when none */
gboolean      lb_image_canvas_cycle_selection     (LbImageCanvas *self,
                                                   gboolean       backward);
/* TRUE while a box or polygon is being drawn or a region dragged */
gboolean      lb_image_canvas_get_drawing         (LbImageCanvas *self);
/* Escape: cancels the drawing, else drops the selection; FALSE if neither */
gboolean      lb_image_canvas_cancel              (LbImageCanvas *self);
/* Enter: closes the polygon being drawn (3 vertices or more) */
gboolean      lb_image_canvas_close_polygon       (LbImageCanvas *self);
/* Backspace: removes the last vertex of the polygon being drawn */
gboolean      lb_image_canvas_remove_last_vertex  (LbImageCanvas *self);
/* Arrow keys: moves the selected region by (dx, dy) source pixels; the
 * nudges are sent as one "region-update" 400 ms after the last one (or at
 * lb_image_canvas_flush_nudge()). FALSE when nothing is selected. */
gboolean      lb_image_canvas_nudge               (LbImageCanvas *self,
                                                   double         dx,
                                                   double         dy);
void          lb_image_canvas_flush_nudge         (LbImageCanvas *self);

/* For tests: the primary button's press, motion and release at widget
 * coordinates, through the same code as the gesture's. */
void          lb_image_canvas_test_press          (LbImageCanvas *self,
                                                   double         x,
                                                   double         y);
void          lb_image_canvas_test_drag           (LbImageCanvas *self,
                                                   double         x,
                                                   double         y);
void          lb_image_canvas_test_release        (LbImageCanvas *self,
                                                   double         x,
                                                   double         y);

G_END_DECLS
