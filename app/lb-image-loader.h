/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-image.h"

G_BEGIN_DECLS

/* Decodes images in a thread pool into a cache bounded by a memory budget
 * (least recently used first out). Keys are (path, target size). Results
 * come back on the thread-default main context of the caller. */
#define LB_TYPE_IMAGE_LOADER (lb_image_loader_get_type ())
G_DECLARE_FINAL_TYPE (LbImageLoader, lb_image_loader, LB, IMAGE_LOADER, GObject)

LbImageLoader *lb_image_loader_new          (gsize                 budget_bytes,
                                             guint                 n_threads);
/* Cached image or NULL; never decodes. Cheap: for painting at once. */
LbImage       *lb_image_loader_lookup       (LbImageLoader        *self,
                                             const char           *path,
                                             guint                 target_width,
                                             guint                 target_height);
void           lb_image_loader_load_async   (LbImageLoader        *self,
                                             const char           *path,
                                             guint                 target_width,
                                             guint                 target_height,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
LbImage       *lb_image_loader_load_finish  (LbImageLoader        *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/* Decodes into the cache in the background, at low priority, unless cached. */
void           lb_image_loader_prefetch     (LbImageLoader        *self,
                                             const char           *path,
                                             guint                 target_width,
                                             guint                 target_height);
gsize          lb_image_loader_get_cached_bytes (LbImageLoader    *self);

/* The batch folder the images come from: decodes started from now on
 * refuse a file whose resolved path leaves it (lb_image_decode_file_within()).
 * NULL (the default) = no check. */
void           lb_image_loader_set_root     (LbImageLoader        *self,
                                             const char           *root);

G_END_DECLS
