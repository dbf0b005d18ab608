/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-image.h"

G_BEGIN_DECLS

/* Draws one texture fitted into the widget, centred and pixel-aligned, over
 * a checkerboard so transparent images stay readable. The texture is
 * expected to be already decoded at (about) the widget's size in device
 * pixels, and is then drawn pixel for pixel; smaller images are enlarged
 * to fit (with the cairo renderer, by 3x or more without smoothing). */
#define LB_TYPE_IMAGE_CANVAS (lb_image_canvas_get_type ())
G_DECLARE_FINAL_TYPE (LbImageCanvas, lb_image_canvas, LB, IMAGE_CANVAS, GtkWidget)

GtkWidget  *lb_image_canvas_new              (void);
GdkTexture *lb_image_canvas_get_texture      (LbImageCanvas *self);
void        lb_image_canvas_set_texture      (LbImageCanvas *self,
                                              GdkTexture    *texture);
/* Shows a decoded image: sets the texture (and the content size to the
 * image's source size). With the cairo renderer the pixels are also kept
 * as a cairo surface converted once, instead of on every frame. */
void        lb_image_canvas_set_image        (LbImageCanvas *self,
                                              LbImage       *image);
/* The size in pixels the texture stands for (the source image's size).
 * When the texture is a smaller decode than the view needs (for instance
 * just after the view grew), it is stretched to the size this content
 * would have, until a sharper one arrives. 0 x 0 = the texture's own size. */
void        lb_image_canvas_set_content_size (LbImageCanvas *self,
                                              guint          width,
                                              guint          height);

G_END_DECLS
