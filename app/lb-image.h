/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "lb-types.h"

G_BEGIN_DECLS

#define LB_IMAGE_ERROR (lb_image_error_quark ())

/* Every message names the file. */
typedef enum {
  LB_IMAGE_ERROR_NOT_FOUND,
  LB_IMAGE_ERROR_UNSUPPORTED,  /* neither PNG nor JPEG */
  LB_IMAGE_ERROR_CORRUPT,      /* the decoder failed */
  LB_IMAGE_ERROR_TOO_LARGE,    /* over a limit, refused before decoding */
  LB_IMAGE_ERROR_IO,
} LbImageError;

typedef struct {
  guint32 max_width;        /* pixels */
  guint32 max_height;
  guint64 max_pixels;       /* width * height */
  gsize   max_chunk_bytes;  /* largest PNG ancillary chunk */
} LbImageLimits;

/* 32768 x 32768, 100 megapixels, 8 MiB chunks */
const LbImageLimits *lb_image_limits_default (void);

#define LB_TYPE_IMAGE (lb_image_get_type ())

GType         lb_image_get_type         (void) G_GNUC_CONST;
GQuark        lb_image_error_quark      (void);

/* Decodes a PNG or JPEG, scaled down (never up) to fit within
 * target_width x target_height keeping the aspect ratio; 0 x 0 = full size.
 * JPEG uses DCT scaling when it can. Safe to call from any thread.
 * A JPEG's EXIF orientation is applied (photos come out upright, as in a
 * browser): sizes here and in probe are those of the picture as shown.
 * Colour profiles and gAMA are ignored (samples are taken as sRGB). */
LbImage      *lb_image_decode_file      (const char           *path,
                                         guint                 target_width,
                                         guint                 target_height,
                                         const LbImageLimits  *limits,
                                         GError              **error);
/* lb_image_decode_file() for a file of a batch: PATH's symbolic links are
 * resolved first, and a file that is not inside ROOT (resolved too) is
 * refused with LB_IMAGE_ERROR_NOT_FOUND ("path leaves the batch folder"),
 * so a link planted after the import is not followed out of the batch.
 * ROOT NULL: no check. */
LbImage      *lb_image_decode_file_within (const char          *root,
                                           const char          *path,
                                           guint                target_width,
                                           guint                target_height,
                                           const LbImageLimits *limits,
                                           GError             **error);

/* Reads only the header: size of the source image. */
gboolean      lb_image_probe_file       (const char           *path,
                                         guint                *width,
                                         guint                *height,
                                         GError              **error);

LbImage      *lb_image_ref              (LbImage *self);
void          lb_image_unref            (LbImage *self);
/* Pixels: 8-bit R, G, B, A per pixel, premultiplied alpha, rows of
 * get_stride() bytes (GDK_MEMORY_R8G8B8A8_PREMULTIPLIED).
 * get_pixels() is (transfer none): g_bytes_ref() it to keep it. */
guint         lb_image_get_width        (LbImage *self);
guint         lb_image_get_height       (LbImage *self);
gsize         lb_image_get_stride       (LbImage *self);
GBytes       *lb_image_get_pixels       (LbImage *self);
/* Size of the source before scaling */
guint         lb_image_get_source_width  (LbImage *self);
guint         lb_image_get_source_height (LbImage *self);
/* Memory held by the image (pixels + struct), as the loader's cache counts it */
gsize         lb_image_get_byte_size    (LbImage *self);
/* A new image scaled down (box filter, never up) to fit target_width x
 * target_height, or a new ref of @self when it already fits; NULL when out
 * of memory. Source size is kept. */
LbImage      *lb_image_scale            (LbImage *self,
                                         guint    target_width,
                                         guint    target_height);
/* The size lb_image_decode_file() produces for a source of width x height:
 * aspect kept, never larger than the source, 0 = no bound in that direction. */
void          lb_image_compute_fit      (guint    width,
                                         guint    height,
                                         guint    target_width,
                                         guint    target_height,
                                         guint   *out_width,
                                         guint   *out_height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbImage, lb_image_unref)

G_END_DECLS
