/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-image-canvas"
#include "config.h"

#include <math.h>

#include "lb-image-canvas.h"

#define CHECKER_SIZE 8   /* logical pixels per square */

struct _LbImageCanvas
{
  GtkWidget   parent_instance;

  GdkTexture *texture;
  /* When the texture came from an LbImage: its pixels, and for the cairo
   * renderer the same pixels in cairo's layout, converted once. */
  LbImage    *image;
  cairo_surface_t *surface;
  gboolean    opaque;
  guint       content_width;
  guint       content_height;
};

G_DEFINE_FINAL_TYPE (LbImageCanvas, lb_image_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Where the texture goes, in widget coordinates; FALSE when nothing to draw. */
static gboolean
lb_image_canvas_compute_rect (LbImageCanvas   *self,
                              graphene_rect_t *rect)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double tex_w, tex_h, content_w, content_h, view_w, view_h, f, draw_w, draw_h, x, y;

  if (self->texture == NULL || width <= 0 || height <= 0)
    return FALSE;

  tex_w = gdk_texture_get_width (self->texture);
  tex_h = gdk_texture_get_height (self->texture);
  content_w = self->content_width > 0 ? self->content_width : tex_w;
  content_h = self->content_height > 0 ? self->content_height : tex_h;
  if (tex_w <= 0 || tex_h <= 0 || content_w <= 0 || content_h <= 0)
    return FALSE;

  /* All in device pixels: fit the content into the view (small images are
   * enlarged to fit too: they are what is being labelled). */
  view_w = width * scale;
  view_h = height * scale;
  f = MIN (view_w / content_w, view_h / content_h);
  draw_w = content_w * f;
  draw_h = content_h * f;

  /* The decoder rounds its output size; when the texture is that size, draw
   * it 1:1 so every image pixel lands on one device pixel (no blur). */
  if (fabs (draw_w - tex_w) <= 1.5 && fabs (draw_h - tex_h) <= 1.5
      && tex_w <= view_w && tex_h <= view_h)
    {
      draw_w = tex_w;
      draw_h = tex_h;
    }

  x = floor ((view_w - draw_w) / 2.0);
  y = floor ((view_h - draw_h) / 2.0);

  graphene_rect_init (rect, x / scale, y / scale, draw_w / scale, draw_h / scale);
  return TRUE;
}

/* Pixel buffers for the cairo surfaces, kept for the next image: writing
 * into fresh memory costs a page fault per 4 KiB, which is most of the cost
 * of a conversion (about 5 ms instead of 1.4 ms for 1400 x 900). */
#define POOL_MAX 3

typedef struct {
  guint8 *data;
  gsize   size;
} PoolBuffer;

static GPtrArray *pool;   /* of PoolBuffer, free for use */
G_LOCK_DEFINE_STATIC (pool);
static cairo_user_data_key_t pool_key;

static void
pool_buffer_free (PoolBuffer *buffer)
{
  g_free (buffer->data);
  g_free (buffer);
}

static PoolBuffer *
pool_take (gsize size)
{
  PoolBuffer *buffer = NULL;

  G_LOCK (pool);
  for (guint i = 0; pool != NULL && i < pool->len; i++)
    {
      PoolBuffer *candidate = g_ptr_array_index (pool, i);

      if (candidate->size >= size)
        {
          buffer = g_ptr_array_steal_index_fast (pool, i);
          break;
        }
    }
  G_UNLOCK (pool);

  if (buffer == NULL)
    {
      buffer = g_new0 (PoolBuffer, 1);
      buffer->data = g_try_malloc (size);
      buffer->size = size;
      if (buffer->data == NULL)
        {
          g_free (buffer);
          return NULL;
        }
    }

  return buffer;
}

static void
pool_give_back_cb (gpointer data)
{
  PoolBuffer *buffer = data;

  G_LOCK (pool);
  if (pool == NULL)
    pool = g_ptr_array_new ();
  if (pool->len >= POOL_MAX)
    {
      /* Keep the largest ones: they fit any image at the view's size. */
      guint smallest = 0;

      for (guint i = 1; i < pool->len; i++)
        if (((PoolBuffer *) g_ptr_array_index (pool, i))->size
            < ((PoolBuffer *) g_ptr_array_index (pool, smallest))->size)
          smallest = i;
      if (((PoolBuffer *) g_ptr_array_index (pool, smallest))->size < buffer->size)
        {
          PoolBuffer *old = g_ptr_array_steal_index_fast (pool, smallest);

          g_ptr_array_add (pool, buffer);
          buffer = old;
        }
      G_UNLOCK (pool);
      pool_buffer_free (buffer);
      return;
    }
  g_ptr_array_add (pool, buffer);
  G_UNLOCK (pool);
}

/* GTK 4.8's cairo renderer converts a memory texture to a cairo surface
 * through floats on every frame it draws (about 6 ms for a 1400 x 900
 * image). Converting R,G,B,A bytes to cairo's native-endian ARGB32 once is
 * a byte swap of about 1 ms. */
static void
lb_image_canvas_ensure_surface (LbImageCanvas *self)
{
  guint width, height;
  gsize stride, view_size;
  const guint8 *src;
  int dst_stride, scale;
  guint32 alpha_and = 0xffffffffu;
  PoolBuffer *buffer;

  if (self->surface != NULL || self->image == NULL)
    return;

  width = lb_image_get_width (self->image);
  height = lb_image_get_height (self->image);
  stride = lb_image_get_stride (self->image);
  src = g_bytes_get_data (lb_image_get_pixels (self->image), NULL);

  /* RGB24 and ARGB32 have the same layout */
  dst_stride = cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, (int) width);
  if (dst_stride <= 0 || src == NULL)
    return;
  /* Big enough for any image decoded at this view's size, so it can be
   * used again for the next one. */
  scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  view_size = (gsize) gtk_widget_get_width (GTK_WIDGET (self)) * scale * 4
              * (gsize) gtk_widget_get_height (GTK_WIDGET (self)) * scale;
  buffer = pool_take (MAX ((gsize) dst_stride * height, view_size));
  if (buffer == NULL)
    return;

  for (guint y = 0; y < height; y++)
    {
      const guint8 *s = src + y * stride;
      guint32 *d = (guint32 *) (gpointer) (buffer->data + (gsize) y * dst_stride);

      for (guint x = 0; x < width; x++, s += 4)
        {
          alpha_and &= s[3];
          d[x] = ((guint32) s[3] << 24) | ((guint32) s[0] << 16) | ((guint32) s[1] << 8) | s[2];
        }
    }

  /* Opaque images are drawn without blending and without a checkerboard. */
  self->opaque = alpha_and == 0xff;
  self->surface = cairo_image_surface_create_for_data (buffer->data,
                                                       self->opaque ? CAIRO_FORMAT_RGB24
                                                                    : CAIRO_FORMAT_ARGB32,
                                                       (int) width, (int) height, dst_stride);
  if (cairo_surface_status (self->surface) != CAIRO_STATUS_SUCCESS
      || cairo_surface_set_user_data (self->surface, &pool_key, buffer,
                                      pool_give_back_cb) != CAIRO_STATUS_SUCCESS)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      pool_buffer_free (buffer);
      return;
    }
}

static gboolean
destroy_surface_cb (gpointer user_data)
{
  cairo_surface_destroy (user_data);
  return G_SOURCE_REMOVE;
}

/* Destroying a surface that was drawn to an X11 window frees its server-side
 * copy, which takes milliseconds: do it after the next frame, not before. */
static void
lb_image_canvas_drop_surface (LbImageCanvas *self)
{
  if (self->surface != NULL)
    g_idle_add_full (G_PRIORITY_LOW, destroy_surface_cb, g_steal_pointer (&self->surface), NULL);
}

static gboolean
lb_image_canvas_uses_cairo (LbImageCanvas *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GskRenderer *renderer = native ? gtk_native_get_renderer (native) : NULL;

  return renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer);
}

static void
lb_image_canvas_append_surface (LbImageCanvas         *self,
                                GtkSnapshot           *snapshot,
                                const graphene_rect_t *rect)
{
  int width = cairo_image_surface_get_width (self->surface);
  int height = cairo_image_surface_get_height (self->surface);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double zoom = rect->size.width * scale / width;
  gboolean one_to_one = fabs (rect->size.width * scale - width) < 0.01
                        && fabs (rect->size.height * scale - height) < 0.01;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, rect);

  cairo_translate (cr, rect->origin.x, rect->origin.y);
  cairo_scale (cr, rect->size.width / width, rect->size.height / height);
  cairo_set_source_surface (cr, self->surface, 0, 0);
  /* Pixel for pixel: no filtering needed. A small image enlarged a lot
   * shows its pixels as they are rather than a blur. */
  cairo_pattern_set_filter (cairo_get_source (cr),
                            one_to_one || zoom >= 3.0 ? CAIRO_FILTER_NEAREST
                                                      : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_destroy (cr);
}

static void
lb_image_canvas_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (widget);
  static const GdkRGBA light = { 0.80f, 0.80f, 0.80f, 1.0f };
  static const GdkRGBA dark = { 0.60f, 0.60f, 0.60f, 1.0f };
  graphene_rect_t rect, tile;
  gboolean cairo = FALSE;

  if (!lb_image_canvas_compute_rect (self, &rect))
    return;

  if (self->image != NULL && lb_image_canvas_uses_cairo (self))
    {
      lb_image_canvas_ensure_surface (self);
      cairo = self->surface != NULL;
    }

  if (cairo && self->opaque)
    {
      lb_image_canvas_append_surface (self, snapshot, &rect);
      return;
    }

  /* A checkerboard behind the image shows where it is transparent. */
  graphene_rect_init (&tile, 0, 0, 2 * CHECKER_SIZE, 2 * CHECKER_SIZE);
  gtk_snapshot_push_repeat (snapshot, &rect, &tile);
  gtk_snapshot_append_color (snapshot, &light,
                             &GRAPHENE_RECT_INIT (0, 0, CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_append_color (snapshot, &dark,
                             &GRAPHENE_RECT_INIT (CHECKER_SIZE, 0, CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_append_color (snapshot, &dark,
                             &GRAPHENE_RECT_INIT (0, CHECKER_SIZE, CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_append_color (snapshot, &light,
                             &GRAPHENE_RECT_INIT (CHECKER_SIZE, CHECKER_SIZE,
                                                  CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_pop (snapshot);

  if (cairo)
    lb_image_canvas_append_surface (self, snapshot, &rect);
  else
    gtk_snapshot_append_texture (snapshot, self->texture, &rect);
}

static void
lb_image_canvas_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  /* The canvas takes whatever room it gets; the image adapts to it. */
  *minimum = 0;
  *natural = 0;
}

static void
lb_image_canvas_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_image_canvas_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      lb_image_canvas_set_texture (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_image_canvas_dispose (GObject *object)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (object);

  g_clear_object (&self->texture);
  g_clear_pointer (&self->image, lb_image_unref);
  g_clear_pointer (&self->surface, cairo_surface_destroy);

  G_OBJECT_CLASS (lb_image_canvas_parent_class)->dispose (object);
}

static void
lb_image_canvas_class_init (LbImageCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_image_canvas_dispose;
  object_class->get_property = lb_image_canvas_get_property;
  object_class->set_property = lb_image_canvas_set_property;

  widget_class->snapshot = lb_image_canvas_snapshot;
  widget_class->measure = lb_image_canvas_measure;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL,
                         GDK_TYPE_TEXTURE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "lb-image-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lb_image_canvas_init (LbImageCanvas *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
lb_image_canvas_new (void)
{
  return g_object_new (LB_TYPE_IMAGE_CANVAS, NULL);
}

GdkTexture *
lb_image_canvas_get_texture (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), NULL);

  return self->texture;
}

void
lb_image_canvas_set_texture (LbImageCanvas *self,
                             GdkTexture    *texture)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (!g_set_object (&self->texture, texture))
    return;

  g_clear_pointer (&self->image, lb_image_unref);
  lb_image_canvas_drop_surface (self);

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

void
lb_image_canvas_set_image (LbImageCanvas *self,
                           LbImage       *image)
{
  g_autoptr(GdkTexture) texture = NULL;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (image == NULL)
    {
      lb_image_canvas_set_texture (self, NULL);
      return;
    }

  /* Only wraps the pixels, which are already at the view's size. */
  texture = gdk_memory_texture_new (lb_image_get_width (image),
                                    lb_image_get_height (image),
                                    GDK_MEMORY_R8G8B8A8_PREMULTIPLIED,
                                    lb_image_get_pixels (image),
                                    lb_image_get_stride (image));
  lb_image_canvas_set_content_size (self,
                                    lb_image_get_source_width (image),
                                    lb_image_get_source_height (image));
  lb_image_canvas_set_texture (self, texture);
  self->image = lb_image_ref (image);
}

void
lb_image_canvas_set_content_size (LbImageCanvas *self,
                                  guint          width,
                                  guint          height)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (self->content_width == width && self->content_height == height)
    return;

  self->content_width = width;
  self->content_height = height;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
