/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-image-canvas"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "lb-image-canvas.h"

#define CHECKER_SIZE 8      /* logical pixels per square */
#define ZOOM_STEP 1.25      /* one key press or one wheel notch */
#define MAX_ZOOM 32.0       /* 3200 %, unless fitting needs more */
#define SCROLL_PAN_STEP 48  /* logical pixels per wheel notch when zoomed in */
/* Larger pixel buffers (full-size decodes) are not kept for reuse. */
#define POOL_BUFFER_MAX ((gsize) 32 * 1024 * 1024)
/* Decodes this large are converted for cairo in a thread. */
#define THREAD_CONVERT_PIXELS (2 * 1024 * 1024)
/* ... and drawn in tiles of this size. */
#define TILE_SIZE 512
#define USE_TILES (g_getenv ("LB_CANVAS_NO_TILES") == NULL)

struct _LbImageCanvas
{
  GtkWidget   parent_instance;

  GdkTexture *texture;
  /* When the texture came from an LbImage: its pixels, and for the cairo
   * renderer the same pixels in cairo's layout, converted once. */
  LbImage    *image;
  cairo_surface_t *surface;
  /* A sharper decode of the same image being converted in a thread; the
   * previous one's surface is drawn (scaled) meanwhile. */
  GCancellable *converting;
  cairo_surface_t *previous_surface;
  /* The view-sized decode's surface kept beside a sharper one: drawn when
   * zoomed out, where it has pixels enough (and is already in the X
   * server, where the large one would have to be uploaded whole). */
  cairo_surface_t *lowres_surface;
  guint       content_width;
  guint       content_height;

  /* View: device pixels per source pixel, and where the image's top-left
   * corner is in widget (logical) coordinates. */
  double      zoom;
  double      offset_x;
  double      offset_y;
  gboolean    fitted;
  int         last_width;   /* the size the view was laid out for */
  int         last_height;

  /* Input */
  double      pointer_x;
  double      pointer_y;
  gboolean    pointer_inside;
  gboolean    space_held;
  gboolean    space_panned;
  gboolean    dragging;
  double      drag_start_x;  /* offset when the drag began */
  double      drag_start_y;
  double      pinch_start_zoom;

  /* Regions of the current item (drawn over the image) and the tools */
  LbItem      *regions_item;
  LbSchema    *schema;
  LbCanvasTool tool;
  char        *selected_id;
  int          mode;          /* MODE_*: what the primary button is doing */
  double       press_x;       /* widget coordinates of the press */
  double       press_y;
  double       press_ix;      /* image coordinates of the press */
  double       press_iy;
  int          handle;        /* box handle 0..7 or polygon vertex being dragged */
  gboolean     has_anchor;    /* box: the first of two clicks is down */
  double       anchor_x;      /* image coordinates */
  double       anchor_y;
  GArray      *poly;          /* polygon being drawn: x0, y0, x1, y1, ... */
  /* Geometry of the selected region as edited, until the store has it */
  gboolean     override;
  gboolean     tool_dragging;  /* the primary drag belongs to the tools */
  double       ov_box[4];
  GArray      *ov_points;
  double       orig_box[4];
  GArray      *orig_points;
  guint        nudge_id;
};

G_DEFINE_FINAL_TYPE (LbImageCanvas, lb_image_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_ZOOM,
  PROP_FITTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_REGION_CREATE,
  SIGNAL_REGION_UPDATE,
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  MODE_NONE,
  MODE_DRAW_BOX,   /* dragging out a new box (or the first of two clicks) */
  MODE_MOVE,       /* dragging the selected region */
  MODE_RESIZE,     /* dragging a handle of the selected box */
  MODE_VERTEX,     /* dragging a vertex of the selected polygon */
  MODE_SELECT,     /* a press that selects on release */
};

static void lb_image_canvas_draw_regions (LbImageCanvas *self, GtkSnapshot *snapshot);
static gboolean lb_image_canvas_tools_enabled (LbImageCanvas *self);
static void tool_drag_begin_cb (GtkGestureDrag *gesture, double x, double y,
                                LbImageCanvas *self);
static void tool_drag_update_cb (GtkGestureDrag *gesture, double dx, double dy,
                                 LbImageCanvas *self);
static void tool_drag_end_cb (GtkGestureDrag *gesture, double dx, double dy,
                              LbImageCanvas *self);

/* Geometry */

static gboolean
lb_image_canvas_get_content (LbImageCanvas *self,
                             double        *width,
                             double        *height)
{
  if (self->content_width > 0 && self->content_height > 0)
    {
      *width = self->content_width;
      *height = self->content_height;
      return TRUE;
    }
  if (self->texture != NULL)
    {
      *width = gdk_texture_get_width (self->texture);
      *height = gdk_texture_get_height (self->texture);
      return *width > 0 && *height > 0;
    }
  return FALSE;
}

static gboolean
lb_image_canvas_has_view (LbImageCanvas *self)
{
  double cw, ch;

  return gtk_widget_get_width (GTK_WIDGET (self)) > 0
         && gtk_widget_get_height (GTK_WIDGET (self)) > 0
         && lb_image_canvas_get_content (self, &cw, &ch);
}

static double
compute_fit_zoom (LbImageCanvas *self)
{
  double scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double cw, ch;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (width <= 0 || height <= 0 || !lb_image_canvas_get_content (self, &cw, &ch))
    return 1.0;

  /* Small images are enlarged to fit too: they are what is being labelled. */
  return MIN (width * scale / cw, height * scale / ch);
}

static double
lb_image_canvas_min_zoom (LbImageCanvas *self)
{
  return MIN (compute_fit_zoom (self), 1.0);
}

static double
lb_image_canvas_max_zoom (LbImageCanvas *self)
{
  return MAX (compute_fit_zoom (self) * 2.0, MAX_ZOOM);
}

/* One axis: centred (on a device pixel) when the image is smaller than the
 * view, else kept covering the view. */
static double
clamp_axis (double offset,
            double image_size,
            double view_size,
            double scale)
{
  if (image_size <= view_size + 1e-6)
    return floor ((view_size - image_size) * scale / 2.0) / scale;
  return CLAMP (offset, view_size - image_size, 0.0);
}

static void
lb_image_canvas_clamp (LbImageCanvas *self)
{
  double scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double cw, ch;

  if (!lb_image_canvas_get_content (self, &cw, &ch))
    return;

  self->offset_x = clamp_axis (self->offset_x, cw * self->zoom / scale,
                               gtk_widget_get_width (GTK_WIDGET (self)), scale);
  self->offset_y = clamp_axis (self->offset_y, ch * self->zoom / scale,
                               gtk_widget_get_height (GTK_WIDGET (self)), scale);
}

static void
lb_image_canvas_apply_fit (LbImageCanvas *self)
{
  self->zoom = compute_fit_zoom (self);
  lb_image_canvas_clamp (self);
}

/* Where the whole image goes, in widget coordinates; FALSE when nothing to
 * draw. A decode at about the fitted size is drawn pixel for pixel. */
static gboolean
lb_image_canvas_compute_rect (LbImageCanvas   *self,
                              graphene_rect_t *rect)
{
  double scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double cw, ch, tex_w, tex_h, draw_w, draw_h, x, y;

  if (self->texture == NULL || !lb_image_canvas_has_view (self))
    return FALSE;
  lb_image_canvas_get_content (self, &cw, &ch);

  tex_w = gdk_texture_get_width (self->texture);
  tex_h = gdk_texture_get_height (self->texture);
  draw_w = cw * self->zoom;   /* device pixels */
  draw_h = ch * self->zoom;
  x = self->offset_x * scale;
  y = self->offset_y * scale;

  /* The decoder rounds its output size; when the texture is that size,
   * draw it 1:1 on whole device pixels so that nothing blurs. */
  if (fabs (draw_w - tex_w) <= 1.5 && fabs (draw_h - tex_h) <= 1.5)
    {
      draw_w = tex_w;
      draw_h = tex_h;
      x = round (x);
      y = round (y);
    }

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
static cairo_user_data_key_t tiles_key;
static cairo_user_data_key_t levels_key;

static void
destroy_tile (gpointer tile)
{
  if (tile != NULL)
    cairo_surface_destroy (tile);
}

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

  if (buffer->size > POOL_BUFFER_MAX)
    {
      pool_buffer_free (buffer);
      return;
    }

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
 * a byte swap of about 1 ms (RGB24 when opaque: drawn without blending and
 * without a checkerboard). Safe in any thread. */
static cairo_surface_t *
surface_from_image (LbImage *image,
                    gsize    min_bytes)
{
  guint width = lb_image_get_width (image);
  guint height = lb_image_get_height (image);
  gsize stride = lb_image_get_stride (image);
  const guint8 *src = g_bytes_get_data (lb_image_get_pixels (image), NULL);
  guint32 alpha_and = 0xffffffffu;
  cairo_surface_t *surface;
  PoolBuffer *buffer;
  int dst_stride;

  /* RGB24 and ARGB32 have the same layout */
  dst_stride = cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, (int) width);
  if (dst_stride <= 0 || src == NULL)
    return NULL;
  if ((gsize) dst_stride * height > POOL_BUFFER_MAX)
    min_bytes = 0;
  buffer = pool_take (MAX ((gsize) dst_stride * height, min_bytes));
  if (buffer == NULL)
    return NULL;

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

  surface = cairo_image_surface_create_for_data (buffer->data,
                                                 alpha_and == 0xff ? CAIRO_FORMAT_RGB24
                                                                   : CAIRO_FORMAT_ARGB32,
                                                 (int) width, (int) height, dst_stride);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS
      || cairo_surface_set_user_data (surface, &pool_key, buffer,
                                      pool_give_back_cb) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      pool_buffer_free (buffer);
      return NULL;
    }
  /* Large ones are drawn in tiles (filled in on the main thread). Set after
   * the pixels: cairo frees user data last first, so the tiles (which a
   * frame may still hold, and copy when they go) go before their pixels. */
  if ((guint64) width * height >= THREAD_CONVERT_PIXELS)
    cairo_surface_set_user_data (surface, &tiles_key,
                                 g_ptr_array_new_with_free_func (destroy_tile),
                                 (cairo_destroy_func_t) g_ptr_array_unref);
  return surface;
}

static void
lb_image_canvas_ensure_surface (LbImageCanvas *self)
{
  gsize view_size;
  int scale;

  if (self->surface != NULL || self->image == NULL || self->converting != NULL)
    return;

  /* Big enough for any image decoded at this view's size, so it can be
   * used again for the next one. */
  scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  view_size = (gsize) gtk_widget_get_width (GTK_WIDGET (self)) * scale * 4
              * (gsize) gtk_widget_get_height (GTK_WIDGET (self)) * scale;
  self->surface = surface_from_image (self->image, view_size);
}

/* Half the size, each pixel the mean of 2 x 2 (premultiplied, so colours
 * and alpha average right); two channels at a time in 32-bit lanes. */
static cairo_surface_t *
half_surface (cairo_surface_t *src)
{
  int w = cairo_image_surface_get_width (src);
  int h = cairo_image_surface_get_height (src);
  int ss = cairo_image_surface_get_stride (src);
  int hw = MAX (1, w / 2), hh = MAX (1, h / 2), ds;
  const guint8 *sdata = cairo_image_surface_get_data (src);
  cairo_surface_t *dst = cairo_image_surface_create (cairo_image_surface_get_format (src), hw, hh);
  guint8 *ddata;

  if (cairo_surface_status (dst) != CAIRO_STATUS_SUCCESS || sdata == NULL)
    {
      cairo_surface_destroy (dst);
      return NULL;
    }
  cairo_surface_flush (dst);
  ddata = cairo_image_surface_get_data (dst);
  ds = cairo_image_surface_get_stride (dst);

  for (int y = 0; y < hh; y++)
    {
      const guint32 *r0 = (const guint32 *) (gconstpointer) (sdata + (gsize) (2 * y) * ss);
      const guint32 *r1 = (const guint32 *) (gconstpointer) (sdata + (gsize) MIN (2 * y + 1, h - 1)
                                                             * ss);
      guint32 *o = (guint32 *) (gpointer) (ddata + (gsize) y * ds);

      for (int x = 0; x < hw; x++)
        {
          int x0 = 2 * x, x1 = MIN (2 * x + 1, w - 1);
          guint32 a = r0[x0], b = r0[x1], c = r1[x0], d = r1[x1];
          guint32 lo = (a & 0x00ff00ffu) + (b & 0x00ff00ffu) + (c & 0x00ff00ffu)
                       + (d & 0x00ff00ffu) + 0x00020002u;
          guint32 hi = ((a >> 8) & 0x00ff00ffu) + ((b >> 8) & 0x00ff00ffu)
                       + ((c >> 8) & 0x00ff00ffu) + ((d >> 8) & 0x00ff00ffu) + 0x00020002u;

          o[x] = ((lo >> 2) & 0x00ff00ffu) | (((hi >> 2) & 0x00ff00ffu) << 8);
        }
    }
  cairo_surface_mark_dirty (dst);
  return dst;
}

static void
destroy_level (gpointer level)
{
  cairo_surface_destroy (level);
}

/* Smaller copies of a large surface, each half the one before, for
 * drawing it zoomed out: a reduction of at most 2 stays cheap (bilinear,
 * on the pixels drawn) and smooth. */
static void
add_levels (cairo_surface_t *surface)
{
  GPtrArray *levels = g_ptr_array_new_with_free_func (destroy_level);
  cairo_surface_t *level = surface;

  while ((guint64) cairo_image_surface_get_width (level) * cairo_image_surface_get_height (level)
         >= THREAD_CONVERT_PIXELS)
    {
      level = half_surface (level);
      if (level == NULL)
        break;
      g_ptr_array_add (levels, level);
    }
  cairo_surface_set_user_data (surface, &levels_key, levels,
                               (cairo_destroy_func_t) g_ptr_array_unref);
}

/* The smallest of the surface and its levels with pixels enough for
 * device_width. */
static cairo_surface_t *
pick_level (cairo_surface_t *surface,
            double           device_width)
{
  GPtrArray *levels = cairo_surface_get_user_data (surface, &levels_key);
  cairo_surface_t *best = surface;

  for (guint i = 0; levels != NULL && i < levels->len; i++)
    {
      cairo_surface_t *level = g_ptr_array_index (levels, i);

      if (cairo_image_surface_get_width (level) + 0.5 < device_width)
        break;
      best = level;
    }
  return best;
}

static void
convert_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  cairo_surface_t *surface = NULL;

  if (!g_task_return_error_if_cancelled (task))
    {
      surface = surface_from_image (task_data, 0);
      if (surface != NULL)
        add_levels (surface);
      g_task_return_pointer (task, surface, (GDestroyNotify) cairo_surface_destroy);
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
  if (self->converting != NULL)
    {
      g_cancellable_cancel (self->converting);
      g_clear_object (&self->converting);
    }
  if (self->surface != NULL)
    g_idle_add_full (G_PRIORITY_LOW, destroy_surface_cb, g_steal_pointer (&self->surface), NULL);
  if (self->previous_surface != NULL)
    g_idle_add_full (G_PRIORITY_LOW, destroy_surface_cb,
                     g_steal_pointer (&self->previous_surface), NULL);
  if (self->lowres_surface != NULL)
    g_idle_add_full (G_PRIORITY_LOW, destroy_surface_cb,
                     g_steal_pointer (&self->lowres_surface), NULL);
}

static void
convert_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (source);
  cairo_surface_t *surface = g_task_propagate_pointer (G_TASK (result), NULL);

  if (g_task_get_cancellable (G_TASK (result)) != self->converting)
    {
      g_clear_pointer (&surface, cairo_surface_destroy);
      return;
    }

  /* NULL (out of memory): converted on the main thread at the next frame */
  g_clear_object (&self->converting);
  self->surface = surface;
  if (self->previous_surface != NULL && surface != NULL
      && cairo_surface_get_user_data (self->previous_surface, &tiles_key) == NULL
      && cairo_image_surface_get_width (self->previous_surface)
         < cairo_image_surface_get_width (surface))
    {
      if (self->lowres_surface != NULL)
        g_idle_add_full (G_PRIORITY_LOW, destroy_surface_cb,
                         g_steal_pointer (&self->lowres_surface), NULL);
      self->lowres_surface = g_steal_pointer (&self->previous_surface);
    }
  if (self->previous_surface != NULL)
    g_idle_add_full (G_PRIORITY_LOW, destroy_surface_cb,
                     g_steal_pointer (&self->previous_surface), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
lb_image_canvas_uses_cairo (LbImageCanvas *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GskRenderer *renderer = native ? gtk_native_get_renderer (native) : NULL;

  return renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer);
}

/* A tile: a cairo surface over a TILE_SIZE square of a large surface's
 * pixels (no copy), made when first drawn. With the X11 cairo renderer
 * each surface drawn scaled is uploaded to the X server once: in tiles,
 * only what is seen gets uploaded, a little at a time. */
static cairo_surface_t *
get_tile (cairo_surface_t *surface,
          GPtrArray       *tiles,
          int              n_cols,
          int              col,
          int              row)
{
  cairo_surface_t *tile = g_ptr_array_index (tiles, row * n_cols + col);
  int width, height, stride, x, y;
  guint8 *data;

  if (tile != NULL)
    return tile;

  width = cairo_image_surface_get_width (surface);
  height = cairo_image_surface_get_height (surface);
  stride = cairo_image_surface_get_stride (surface);
  data = cairo_image_surface_get_data (surface);
  x = col * TILE_SIZE;
  y = row * TILE_SIZE;
  tile = cairo_image_surface_create_for_data (data + (gsize) y * stride + (gsize) x * 4,
                                              cairo_image_surface_get_format (surface),
                                              MIN (TILE_SIZE, width - x),
                                              MIN (TILE_SIZE, height - y), stride);
  g_ptr_array_index (tiles, row * n_cols + col) = tile;
  return tile;
}

static void
append_tiles (cairo_t               *cr,
              cairo_surface_t       *surface,
              const graphene_rect_t *rect,
              const graphene_rect_t *visible,
              cairo_filter_t         filter,
              int                    scale)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int n_cols = (width + TILE_SIZE - 1) / TILE_SIZE;
  int n_rows = (height + TILE_SIZE - 1) / TILE_SIZE;
  GPtrArray *tiles = cairo_surface_get_user_data (surface, &tiles_key);
  double sx = rect->size.width / width;    /* logical pixels per surface pixel */
  double sy = rect->size.height / height;
  int c0, c1, r0, r1;

  if (tiles->len == 0)
    g_ptr_array_set_size (tiles, n_cols * n_rows);

  c0 = CLAMP ((int) floor ((visible->origin.x - rect->origin.x) / sx / TILE_SIZE), 0, n_cols - 1);
  c1 = CLAMP ((int) floor ((visible->origin.x + visible->size.width - rect->origin.x) / sx
                           / TILE_SIZE), 0, n_cols - 1);
  r0 = CLAMP ((int) floor ((visible->origin.y - rect->origin.y) / sy / TILE_SIZE), 0, n_rows - 1);
  r1 = CLAMP ((int) floor ((visible->origin.y + visible->size.height - rect->origin.y) / sy
                           / TILE_SIZE), 0, n_rows - 1);

  for (int row = r0; row <= r1; row++)
    for (int col = c0; col <= c1; col++)
      {
        cairo_surface_t *tile = get_tile (surface, tiles, n_cols, col, row);
        double x = rect->origin.x + col * TILE_SIZE * sx;
        double y = rect->origin.y + row * TILE_SIZE * sy;
        /* Edges on whole device pixels, shared by neighbours: no seams */
        double x0 = round (x * scale) / scale;
        double y0 = round (y * scale) / scale;
        double x1 = round ((rect->origin.x + MIN ((col + 1) * TILE_SIZE, width) * sx) * scale)
                    / scale;
        double y1 = round ((rect->origin.y + MIN ((row + 1) * TILE_SIZE, height) * sy) * scale)
                    / scale;

        if (col == n_cols - 1)
          x1 = rect->origin.x + rect->size.width;
        if (row == n_rows - 1)
          y1 = rect->origin.y + rect->size.height;
        if (col == 0)
          x0 = rect->origin.x;
        if (row == 0)
          y0 = rect->origin.y;

        cairo_save (cr);
        cairo_rectangle (cr, x0, y0, x1 - x0, y1 - y0);
        cairo_clip (cr);
        cairo_translate (cr, x, y);
        cairo_scale (cr, sx, sy);
        cairo_set_source_surface (cr, tile, 0, 0);
        cairo_pattern_set_filter (cairo_get_source (cr), filter);
        cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
        cairo_paint (cr);
        cairo_restore (cr);
      }
}

/* Only the visible part: cairo (pixman, or the X server's Render) then
 * works on the pixels on screen, whatever the size of the decode. */
static void
lb_image_canvas_append_surface (LbImageCanvas         *self,
                                GtkSnapshot           *snapshot,
                                cairo_surface_t       *surface,
                                const graphene_rect_t *rect,
                                const graphene_rect_t *visible)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double zoom = rect->size.width * scale / width;
  gboolean one_to_one = fabs (rect->size.width * scale - width) < 0.01
                        && fabs (rect->size.height * scale - height) < 0.01;
  cairo_filter_t filter;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, visible);

  /* Pixel for pixel: no filtering needed. Enlarged a lot, the pixels show
   * as they are (where exactly an edge is matters when labelling) rather
   * than a blur. Reduced by at most 2 (there are half-size levels of
   * large decodes, and the view asks for decodes by powers of 2),
   * bilinear; more, a box filter over the pixels drawn (slow in cairo). */
  if (one_to_one || zoom >= 3.0)
    filter = CAIRO_FILTER_NEAREST;
  else if (zoom >= 0.5)
    filter = CAIRO_FILTER_BILINEAR;
  else
    filter = CAIRO_FILTER_GOOD;

  cairo_rectangle (cr, visible->origin.x, visible->origin.y,
                   visible->size.width, visible->size.height);
  cairo_clip (cr);

  if (USE_TILES && cairo_surface_get_user_data (surface, &tiles_key) != NULL)
    {
      append_tiles (cr, surface, rect, visible, filter, scale);
    }
  else
    {
      cairo_translate (cr, rect->origin.x, rect->origin.y);
      cairo_scale (cr, rect->size.width / width, rect->size.height / height);
      cairo_set_source_surface (cr, surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), filter);
      cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
      cairo_paint (cr);
    }
  cairo_destroy (cr);
}

static void
lb_image_canvas_snapshot_image (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (widget);
  static const GdkRGBA light = { 0.80f, 0.80f, 0.80f, 1.0f };
  static const GdkRGBA dark = { 0.60f, 0.60f, 0.60f, 1.0f };
  graphene_rect_t rect, visible, tile;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                               gtk_widget_get_height (widget));
  cairo_surface_t *surface = NULL;

  if (!lb_image_canvas_compute_rect (self, &rect)
      || !graphene_rect_intersection (&rect, &bounds, &visible))
    return;

  if (self->image != NULL && lb_image_canvas_uses_cairo (self))
    {
      lb_image_canvas_ensure_surface (self);
      surface = self->surface != NULL ? self->surface : self->previous_surface;
      if (surface != NULL)
        surface = pick_level (surface, rect.size.width * gtk_widget_get_scale_factor (widget));
      if (surface != NULL && self->lowres_surface != NULL
          && rect.size.width * gtk_widget_get_scale_factor (widget)
             <= cairo_image_surface_get_width (self->lowres_surface) + 0.5)
        surface = self->lowres_surface;
    }

  if (surface != NULL && cairo_image_surface_get_format (surface) == CAIRO_FORMAT_RGB24)
    {
      lb_image_canvas_append_surface (self, snapshot, surface, &rect, &visible);
      return;
    }

  /* A checkerboard behind the image shows where it is transparent; it
   * moves with the image. */
  graphene_rect_init (&tile, rect.origin.x, rect.origin.y, 2 * CHECKER_SIZE, 2 * CHECKER_SIZE);
  gtk_snapshot_push_repeat (snapshot, &visible, &tile);
  gtk_snapshot_translate (snapshot, &rect.origin);
  gtk_snapshot_append_color (snapshot, &light,
                             &GRAPHENE_RECT_INIT (0, 0, CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_append_color (snapshot, &dark,
                             &GRAPHENE_RECT_INIT (CHECKER_SIZE, 0, CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_append_color (snapshot, &dark,
                             &GRAPHENE_RECT_INIT (0, CHECKER_SIZE, CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_append_color (snapshot, &light,
                             &GRAPHENE_RECT_INIT (CHECKER_SIZE, CHECKER_SIZE,
                                                  CHECKER_SIZE, CHECKER_SIZE));
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (-rect.origin.x, -rect.origin.y));
  gtk_snapshot_pop (snapshot);

  if (surface != NULL)
    {
      lb_image_canvas_append_surface (self, snapshot, surface, &rect, &visible);
    }
  else
    {
      /* GL renderers keep the texture on the GPU: draw it whole, clipped. */
      gtk_snapshot_push_clip (snapshot, &visible);
      gtk_snapshot_append_texture (snapshot, self->texture, &rect);
      gtk_snapshot_pop (snapshot);
    }
}

static void
lb_image_canvas_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  lb_image_canvas_snapshot_image (widget, snapshot);
  lb_image_canvas_draw_regions (LB_IMAGE_CANVAS (widget), snapshot);
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
lb_image_canvas_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (widget);

  if (self->fitted)
    {
      lb_image_canvas_apply_fit (self);
    }
  else
    {
      /* Keep the point at the centre of the view where it was. */
      self->offset_x += (width - self->last_width) / 2.0;
      self->offset_y += (height - self->last_height) / 2.0;
      self->zoom = CLAMP (self->zoom, lb_image_canvas_min_zoom (self),
                          lb_image_canvas_max_zoom (self));
      lb_image_canvas_clamp (self);
    }
  self->last_width = width;
  self->last_height = height;
}

/* Changes of view */

static void
lb_image_canvas_set_fitted (LbImageCanvas *self,
                            gboolean       fitted)
{
  if (self->fitted == fitted)
    return;
  self->fitted = fitted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FITTED]);
}

static void
lb_image_canvas_view_changed (LbImageCanvas *self,
                              double         old_zoom)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->zoom != old_zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

static void
lb_image_canvas_update_cursor (LbImageCanvas *self)
{
  const char *name = NULL;

  if (self->dragging)
    name = "grabbing";
  else if (self->space_held && lb_image_canvas_get_zoomed_in (self))
    name = "grab";
  else if (self->tool != LB_CANVAS_TOOL_SELECT)
    name = "crosshair";
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

/* Input */

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           LbImageCanvas            *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  if (self->tool != LB_CANVAS_TOOL_SELECT)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          LbImageCanvas            *self)
{
  self->pointer_inside = FALSE;
  if (self->tool != LB_CANVAS_TOOL_SELECT)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           LbImageCanvas            *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (
                                                                          controller));
  double x, y;

  if (!lb_image_canvas_has_view (self) || self->texture == NULL)
    return FALSE;

  if (state & GDK_CONTROL_MASK)
    {
      x = self->pointer_inside ? self->pointer_x : gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      y = self->pointer_inside ? self->pointer_y : gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
      lb_image_canvas_zoom_at (self, self->zoom * pow (ZOOM_STEP, -dy), x, y);
      return TRUE;
    }

  if (!lb_image_canvas_get_zoomed_in (self))
    return FALSE;
  if (state & GDK_SHIFT_MASK)
    lb_image_canvas_pan (self, -dy * SCROLL_PAN_STEP, -dx * SCROLL_PAN_STEP);
  else
    lb_image_canvas_pan (self, -dx * SCROLL_PAN_STEP, -dy * SCROLL_PAN_STEP);
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               LbImageCanvas  *self)
{
  guint button = gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (gesture));

  /* The primary button pans only with Space held; otherwise it is left to
   * the tools. */
  self->tool_dragging = FALSE;
  if (button == GDK_BUTTON_PRIMARY && !self->space_held && lb_image_canvas_tools_enabled (self))
    {
      tool_drag_begin_cb (gesture, x, y, self);
      return;
    }
  if ((button == GDK_BUTTON_PRIMARY && !self->space_held) || self->texture == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->dragging = TRUE;
  self->drag_start_x = self->offset_x;
  self->drag_start_y = self->offset_y;
  if (button == GDK_BUTTON_PRIMARY)
    self->space_panned = TRUE;
  lb_image_canvas_update_cursor (self);
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                LbImageCanvas  *self)
{
  if (self->tool_dragging)
    {
      tool_drag_update_cb (gesture, dx, dy, self);
      return;
    }
  if (!self->dragging)
    return;
  lb_image_canvas_set_offset (self, self->drag_start_x + dx, self->drag_start_y + dy);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             LbImageCanvas  *self)
{
  if (self->tool_dragging)
    {
      self->tool_dragging = FALSE;
      tool_drag_end_cb (gesture, dx, dy, self);
      return;
    }
  if (!self->dragging)
    return;
  drag_update_cb (gesture, dx, dy, self);
  self->dragging = FALSE;
  lb_image_canvas_update_cursor (self);
}

static void
pinch_begin_cb (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                LbImageCanvas    *self)
{
  self->pinch_start_zoom = self->zoom;
}

static void
pinch_scale_changed_cb (GtkGestureZoom *gesture,
                        double          scale,
                        LbImageCanvas  *self)
{
  double x, y;

  if (self->texture == NULL
      || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  lb_image_canvas_zoom_at (self, self->pinch_start_zoom * scale, x, y);
}

/* Regions */

#define HANDLE_SIZE 8.0     /* logical pixels */
#define HIT_SLOP 6.0        /* logical pixels around a handle or vertex */
#define CLICK_SLOP 3.0      /* a press that moves less is a click */
#define NUDGE_COMMIT_MS 400

static const LbRegion *
lb_image_canvas_find_region (LbImageCanvas *self,
                             const char    *id)
{
  if (self->regions_item == NULL || id == NULL)
    return NULL;
  return lb_item_find_region (self->regions_item, id);
}

static const LbRegion *
lb_image_canvas_selected (LbImageCanvas *self)
{
  return lb_image_canvas_find_region (self, self->selected_id);
}

static void
lb_image_canvas_set_selected (LbImageCanvas *self,
                              const char    *id)
{
  if (g_strcmp0 (self->selected_id, id) == 0)
    return;
  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

/* The geometry to draw for a region: the edited one for the selected
 * region while it is being edited, otherwise the stored one. */
static void
region_geometry (LbImageCanvas  *self,
                 const LbRegion *region,
                 const double  **box,
                 const double  **points,
                 guint          *n_points)
{
  if (self->override && g_strcmp0 (region->id, self->selected_id) == 0)
    {
      *box = self->ov_box;
      *points = (const double *) (gpointer) self->ov_points->data;
      *n_points = self->ov_points->len / 2;
      return;
    }
  *box = region->box;
  *points = region->points;
  *n_points = region->n_points;
}

static void
lb_image_canvas_begin_override (LbImageCanvas  *self,
                                const LbRegion *region)
{
  if (self->override)
    return;
  self->override = TRUE;
  memcpy (self->ov_box, region->box, sizeof self->ov_box);
  g_array_set_size (self->ov_points, 0);
  if (region->points != NULL)
    g_array_append_vals (self->ov_points, region->points, region->n_points * 2);
}

static void
lb_image_canvas_snapshot_original (LbImageCanvas *self)
{
  memcpy (self->orig_box, self->ov_box, sizeof self->orig_box);
  g_array_set_size (self->orig_points, 0);
  g_array_append_vals (self->orig_points, self->ov_points->data, self->ov_points->len);
}

static void
lb_image_canvas_emit_update (LbImageCanvas *self)
{
  const LbRegion *region = lb_image_canvas_selected (self);

  if (region == NULL || !self->override)
    return;
  if (region->shape == LB_REGION_SHAPE_BOX)
    {
      if (memcmp (region->box, self->ov_box, sizeof self->ov_box) == 0)
        {
          self->override = FALSE;
          return;
        }
      g_signal_emit (self, signals[SIGNAL_REGION_UPDATE], 0, region->id,
                     (guint) LB_REGION_SHAPE_BOX, self->ov_box, 4u);
    }
  else
    {
      if (self->ov_points->len == region->n_points * 2
          && memcmp (region->points, self->ov_points->data,
                     sizeof (double) * self->ov_points->len) == 0)
        {
          self->override = FALSE;
          return;
        }
      g_signal_emit (self, signals[SIGNAL_REGION_UPDATE], 0, region->id,
                     (guint) LB_REGION_SHAPE_POLYGON, self->ov_points->data,
                     self->ov_points->len);
    }
}

static gboolean
point_in_polygon (const double *pts,
                  guint         n,
                  double        x,
                  double        y)
{
  gboolean inside = FALSE;

  for (guint i = 0, j = n - 1; i < n; j = i++)
    {
      double xi = pts[2 * i], yi = pts[2 * i + 1], xj = pts[2 * j], yj = pts[2 * j + 1];

      if (((yi > y) != (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi))
        inside = !inside;
    }
  return inside;
}

static gboolean
region_contains (LbImageCanvas  *self,
                 const LbRegion *region,
                 double          ix,
                 double          iy)
{
  const double *box, *points;
  guint n;

  region_geometry (self, region, &box, &points, &n);
  if (region->shape == LB_REGION_SHAPE_BOX)
    return ix >= box[0] && iy >= box[1] && ix <= box[0] + box[2] && iy <= box[1] + box[3];
  return n >= 3 && point_in_polygon (points, n, ix, iy);
}

/* The topmost (latest) region under an image point, or NULL */
static const LbRegion *
lb_image_canvas_region_at (LbImageCanvas *self,
                           double         ix,
                           double         iy)
{
  guint n;

  if (self->regions_item == NULL)
    return NULL;
  n = lb_item_get_n_regions (self->regions_item);
  for (guint i = n; i > 0; i--)
    {
      const LbRegion *region = lb_item_get_region (self->regions_item, i - 1);

      if (region_contains (self, region, ix, iy))
        return region;
    }
  return NULL;
}

/* Box handles 0..7: corners and edge middles, clockwise from the top left */
static void
box_handle_point (const double *box,
                  int           handle,
                  double       *x,
                  double       *y)
{
  static const double fx[8] = { 0, 0.5, 1, 1, 1, 0.5, 0, 0 };
  static const double fy[8] = { 0, 0, 0, 0.5, 1, 1, 1, 0.5 };

  *x = box[0] + box[2] * fx[handle];
  *y = box[1] + box[3] * fy[handle];
}

/* The handle (box) or vertex (polygon) of the selected region near a
 * widget point, or -1 */
static int
lb_image_canvas_handle_at (LbImageCanvas *self,
                           double         wx,
                           double         wy)
{
  const LbRegion *region = lb_image_canvas_selected (self);
  const double *box, *points;
  guint n;

  if (region == NULL)
    return -1;
  region_geometry (self, region, &box, &points, &n);
  if (region->shape == LB_REGION_SHAPE_BOX)
    {
      for (int h = 0; h < 8; h++)
        {
          double ix, iy, hx, hy;

          box_handle_point (box, h, &ix, &iy);
          lb_image_canvas_image_to_widget (self, ix, iy, &hx, &hy);
          if (fabs (hx - wx) <= HIT_SLOP && fabs (hy - wy) <= HIT_SLOP)
            return h;
        }
      return -1;
    }
  for (guint i = 0; i < n; i++)
    {
      double hx, hy;

      lb_image_canvas_image_to_widget (self, points[2 * i], points[2 * i + 1], &hx, &hy);
      if (fabs (hx - wx) <= HIT_SLOP && fabs (hy - wy) <= HIT_SLOP)
        return (int) i;
    }
  return -1;
}

static void
lb_image_canvas_clamp_point (LbImageCanvas *self,
                             double        *ix,
                             double        *iy)
{
  double cw = 0, ch = 0;

  if (!lb_image_canvas_get_content (self, &cw, &ch))
    return;
  *ix = CLAMP (*ix, 0, cw);
  *iy = CLAMP (*iy, 0, ch);
}

static void
lb_image_canvas_finish_box (LbImageCanvas *self,
                            double         ix,
                            double         iy)
{
  double box[4];

  lb_image_canvas_clamp_point (self, &ix, &iy);
  box[0] = MIN (self->anchor_x, ix);
  box[1] = MIN (self->anchor_y, iy);
  box[2] = fabs (ix - self->anchor_x);
  box[3] = fabs (iy - self->anchor_y);
  self->has_anchor = FALSE;
  self->mode = MODE_NONE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (box[2] < 1.0 || box[3] < 1.0)
    return;
  g_signal_emit (self, signals[SIGNAL_REGION_CREATE], 0, (guint) LB_REGION_SHAPE_BOX, box, 4u);
}

static gboolean
lb_image_canvas_finish_polygon (LbImageCanvas *self)
{
  g_autoptr(GArray) points = NULL;

  if (self->poly->len < 6)
    return FALSE;
  points = g_steal_pointer (&self->poly);
  self->poly = g_array_new (FALSE, FALSE, sizeof (double));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_REGION_CREATE], 0, (guint) LB_REGION_SHAPE_POLYGON,
                 points->data, points->len);
  return TRUE;
}

static void
lb_image_canvas_tool_press (LbImageCanvas *self,
                            double         wx,
                            double         wy)
{
  const LbRegion *hit;
  double ix, iy;
  int handle;

  lb_image_canvas_widget_to_image (self, wx, wy, &ix, &iy);
  self->press_x = wx;
  self->press_y = wy;
  self->press_ix = ix;
  self->press_iy = iy;
  self->mode = MODE_NONE;

  /* The second of two clicks ends a box */
  if (self->tool == LB_CANVAS_TOOL_BOX && self->has_anchor)
    {
      lb_image_canvas_finish_box (self, ix, iy);
      return;
    }

  /* Adding vertices to a polygon being drawn; its first vertex closes it */
  if (self->tool == LB_CANVAS_TOOL_POLYGON && self->poly->len > 0)
    {
      double fx, fy;

      lb_image_canvas_image_to_widget (self, g_array_index (self->poly, double, 0),
                                       g_array_index (self->poly, double, 1), &fx, &fy);
      if (self->poly->len >= 6 && fabs (fx - wx) <= HIT_SLOP && fabs (fy - wy) <= HIT_SLOP)
        {
          lb_image_canvas_finish_polygon (self);
          return;
        }
      lb_image_canvas_clamp_point (self, &ix, &iy);
      g_array_append_val (self->poly, ix);
      g_array_append_val (self->poly, iy);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  /* Handles of the selected region */
  handle = lb_image_canvas_handle_at (self, wx, wy);
  if (handle >= 0)
    {
      const LbRegion *region = lb_image_canvas_selected (self);

      lb_image_canvas_begin_override (self, region);
      lb_image_canvas_snapshot_original (self);
      self->handle = handle;
      self->mode = region->shape == LB_REGION_SHAPE_BOX ? MODE_RESIZE : MODE_VERTEX;
      return;
    }

  hit = lb_image_canvas_region_at (self, ix, iy);

  /* Inside the selected region: move it */
  if (hit != NULL && g_strcmp0 (hit->id, self->selected_id) == 0)
    {
      lb_image_canvas_begin_override (self, hit);
      lb_image_canvas_snapshot_original (self);
      self->mode = MODE_MOVE;
      return;
    }

  switch (self->tool)
    {
    case LB_CANVAS_TOOL_BOX:
      lb_image_canvas_clamp_point (self, &ix, &iy);
      self->anchor_x = ix;
      self->anchor_y = iy;
      self->mode = MODE_DRAW_BOX;
      break;
    case LB_CANVAS_TOOL_POLYGON:
      if (hit != NULL)
        {
          /* A click on a region selects it (on release) */
          self->mode = MODE_SELECT;
          break;
        }
      lb_image_canvas_clamp_point (self, &ix, &iy);
      g_array_append_val (self->poly, ix);
      g_array_append_val (self->poly, iy);
      lb_image_canvas_set_selected (self, NULL);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    case LB_CANVAS_TOOL_SELECT:
    default:
      lb_image_canvas_set_selected (self, hit != NULL ? hit->id : NULL);
      if (hit != NULL)
        {
          lb_image_canvas_begin_override (self, hit);
          lb_image_canvas_snapshot_original (self);
          self->mode = MODE_MOVE;
        }
      break;
    }
}

static void
lb_image_canvas_tool_motion (LbImageCanvas *self,
                             double         wx,
                             double         wy)
{
  double ix, iy, dx, dy, cw = 0, ch = 0;

  self->pointer_x = wx;
  self->pointer_y = wy;
  lb_image_canvas_widget_to_image (self, wx, wy, &ix, &iy);
  lb_image_canvas_get_content (self, &cw, &ch);
  dx = ix - self->press_ix;
  dy = iy - self->press_iy;

  switch (self->mode)
    {
    case MODE_MOVE:
      if (lb_image_canvas_selected (self) == NULL)
        break;   /* gone meanwhile (an undo) */
      if (self->orig_points->len > 0 && lb_image_canvas_selected (self)->shape
                                        == LB_REGION_SHAPE_POLYGON)
        {
          double minx = G_MAXDOUBLE, miny = G_MAXDOUBLE, maxx = -G_MAXDOUBLE, maxy = -G_MAXDOUBLE;
          const double *o = (const double *) (gpointer) self->orig_points->data;

          for (guint i = 0; i < self->orig_points->len; i += 2)
            {
              minx = MIN (minx, o[i]);
              maxx = MAX (maxx, o[i]);
              miny = MIN (miny, o[i + 1]);
              maxy = MAX (maxy, o[i + 1]);
            }
          dx = CLAMP (dx, -minx, cw - maxx);
          dy = CLAMP (dy, -miny, ch - maxy);
          for (guint i = 0; i < self->orig_points->len; i += 2)
            {
              g_array_index (self->ov_points, double, i) = round (o[i] + dx);
              g_array_index (self->ov_points, double, i + 1) = round (o[i + 1] + dy);
            }
        }
      else
        {
          self->ov_box[0] = round (CLAMP (self->orig_box[0] + dx, 0, cw - self->orig_box[2]));
          self->ov_box[1] = round (CLAMP (self->orig_box[1] + dy, 0, ch - self->orig_box[3]));
        }
      break;
    case MODE_RESIZE:
      {
        double x0 = self->orig_box[0], y0 = self->orig_box[1];
        double x1 = x0 + self->orig_box[2], y1 = y0 + self->orig_box[3];
        int h = self->handle;

        if (h == 0 || h == 6 || h == 7)
          x0 += dx;
        if (h == 2 || h == 3 || h == 4)
          x1 += dx;
        if (h == 0 || h == 1 || h == 2)
          y0 += dy;
        if (h == 4 || h == 5 || h == 6)
          y1 += dy;
        x0 = CLAMP (x0, 0, cw);
        x1 = CLAMP (x1, 0, cw);
        y0 = CLAMP (y0, 0, ch);
        y1 = CLAMP (y1, 0, ch);
        self->ov_box[0] = round (MIN (x0, x1));
        self->ov_box[1] = round (MIN (y0, y1));
        self->ov_box[2] = MAX (1.0, round (fabs (x1 - x0)));
        self->ov_box[3] = MAX (1.0, round (fabs (y1 - y0)));
      }
      break;
    case MODE_VERTEX:
      if ((guint) self->handle * 2 + 1 < self->ov_points->len)
        {
          lb_image_canvas_clamp_point (self, &ix, &iy);
          g_array_index (self->ov_points, double, self->handle * 2) = round (ix);
          g_array_index (self->ov_points, double, self->handle * 2 + 1) = round (iy);
        }
      break;
    default:
      break;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
lb_image_canvas_tool_release (LbImageCanvas *self,
                              double         wx,
                              double         wy)
{
  gboolean click = fabs (wx - self->press_x) < CLICK_SLOP && fabs (wy - self->press_y) < CLICK_SLOP;
  int mode = self->mode;

  lb_image_canvas_tool_motion (self, wx, wy);
  self->mode = MODE_NONE;

  switch (mode)
    {
    case MODE_DRAW_BOX:
      if (click)
        {
          const LbRegion *hit = lb_image_canvas_region_at (self, self->press_ix, self->press_iy);

          /* A click on a region selects it; elsewhere it is the first of two clicks */
          if (hit != NULL)
            lb_image_canvas_set_selected (self, hit->id);
          else
            {
              lb_image_canvas_set_selected (self, NULL);
              self->has_anchor = TRUE;
            }
          gtk_widget_queue_draw (GTK_WIDGET (self));
        }
      else
        {
          double ix, iy;

          lb_image_canvas_widget_to_image (self, wx, wy, &ix, &iy);
          lb_image_canvas_finish_box (self, ix, iy);
        }
      break;
    case MODE_SELECT:
      {
        const LbRegion *hit = lb_image_canvas_region_at (self, self->press_ix, self->press_iy);

        lb_image_canvas_set_selected (self, hit != NULL ? hit->id : NULL);
      }
      break;
    case MODE_MOVE:
    case MODE_RESIZE:
    case MODE_VERTEX:
      if (click && mode == MODE_MOVE)
        {
          /* Nothing moved */
          memcpy (self->ov_box, self->orig_box, sizeof self->ov_box);
          g_array_set_size (self->ov_points, 0);
          g_array_append_vals (self->ov_points, self->orig_points->data, self->orig_points->len);
        }
      lb_image_canvas_emit_update (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;
    default:
      break;
    }
}

static gboolean
lb_image_canvas_tools_enabled (LbImageCanvas *self)
{
  return self->texture != NULL && self->regions_item != NULL && self->schema != NULL
         && (lb_schema_has_tool (self->schema, LB_TOOL_BOX)
             || lb_schema_has_tool (self->schema, LB_TOOL_POLYGON));
}

static void
tool_drag_begin_cb (GtkGestureDrag *gesture,
                    double          x,
                    double          y,
                    LbImageCanvas  *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->tool_dragging = TRUE;
  /* Keys go to the tools again (not to a text field of the panel) */
  if (root != NULL)
    gtk_root_set_focus (root, NULL);
  lb_image_canvas_tool_press (self, x, y);
}

static void
tool_drag_update_cb (GtkGestureDrag *gesture,
                     double          dx,
                     double          dy,
                     LbImageCanvas  *self)
{
  lb_image_canvas_tool_motion (self, self->press_x + dx, self->press_y + dy);
}

static void
tool_drag_end_cb (GtkGestureDrag *gesture,
                  double          dx,
                  double          dy,
                  LbImageCanvas  *self)
{
  lb_image_canvas_tool_release (self, self->press_x + dx, self->press_y + dy);
}

/* Drawing */

static void
label_color (LbImageCanvas *self,
             const char    *label_id,
             GdkRGBA       *rgba)
{
  const LbSchemaLabel *label = self->schema != NULL && label_id != NULL
                               ? lb_schema_find_label (self->schema, label_id) : NULL;

  if (label == NULL || label->color == NULL || !gdk_rgba_parse (rgba, label->color))
    gdk_rgba_parse (rgba, "#e01b24");
}

static void
path_region (LbImageCanvas *self,
             cairo_t       *cr,
             LbRegionShape  shape,
             const double  *box,
             const double  *points,
             guint          n,
             gboolean       close)
{
  double x, y;

  cairo_new_path (cr);
  if (shape == LB_REGION_SHAPE_BOX)
    {
      double x1, y1;

      lb_image_canvas_image_to_widget (self, box[0], box[1], &x, &y);
      lb_image_canvas_image_to_widget (self, box[0] + box[2], box[1] + box[3], &x1, &y1);
      cairo_rectangle (cr, round (x) + 0.5, round (y) + 0.5, round (x1) - round (x),
                       round (y1) - round (y));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      lb_image_canvas_image_to_widget (self, points[2 * i], points[2 * i + 1], &x, &y);
      cairo_line_to (cr, x, y);
    }
  if (close)
    cairo_close_path (cr);
}

static void
draw_handle (cairo_t *cr,
             double   x,
             double   y)
{
  cairo_rectangle (cr, round (x - HANDLE_SIZE / 2) + 0.5, round (y - HANDLE_SIZE / 2) + 0.5,
                   HANDLE_SIZE - 1, HANDLE_SIZE - 1);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
draw_tag (LbImageCanvas *self,
          cairo_t       *cr,
          const char    *text,
          const GdkRGBA *color,
          double         x,
          double         y)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoFontDescription *font = pango_font_description_from_string ("Sans Bold 8");
  int tw, th;
  double luma = 0.299 * color->red + 0.587 * color->green + 0.114 * color->blue;

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_get_pixel_size (layout, &tw, &th);
  x = round (x);
  y = round (y - th - 2);
  if (y < 0)
    y = round (y + th + 2);
  cairo_rectangle (cr, x, y, tw + 6, th + 2);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_fill (cr);
  if (luma > 0.6)
    cairo_set_source_rgb (cr, 0, 0, 0);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x + 3, y + 1);
  pango_cairo_show_layout (cr, layout);
}

static void
lb_image_canvas_draw_regions (LbImageCanvas *self,
                              GtkSnapshot   *snapshot)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  gboolean drawing_tool = self->tool != LB_CANVAS_TOOL_SELECT && self->regions_item != NULL;
  guint n = self->regions_item != NULL ? lb_item_get_n_regions (self->regions_item) : 0;
  GdkRGBA current;
  cairo_t *cr;

  if (self->texture == NULL || width <= 0 || height <= 0
      || (n == 0 && !drawing_tool))
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  for (guint i = 0; i < n; i++)
    {
      const LbRegion *region = lb_item_get_region (self->regions_item, i);
      gboolean selected = g_strcmp0 (region->id, self->selected_id) == 0;
      const LbSchemaLabel *label = self->schema != NULL
                                   ? lb_schema_find_label (self->schema, region->label) : NULL;
      const double *box, *points;
      guint np;
      GdkRGBA color;
      double tx, ty;

      region_geometry (self, region, &box, &points, &np);
      label_color (self, region->label, &color);
      path_region (self, cr, region->shape, box, points, np, TRUE);
      cairo_set_source_rgba (cr, color.red, color.green, color.blue, selected ? 0.30 : 0.15);
      cairo_fill_preserve (cr);
      /* A dark outline under the colour keeps it visible on any image */
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_width (cr, selected ? 5 : 4);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
      cairo_stroke_preserve (cr);
      cairo_set_line_width (cr, selected ? 3 : 2);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_stroke (cr);

      if (region->shape == LB_REGION_SHAPE_BOX)
        lb_image_canvas_image_to_widget (self, box[0], box[1], &tx, &ty);
      else if (np > 0)
        {
          double minx = points[0], miny = points[1];

          for (guint k = 1; k < np; k++)
            if (points[2 * k + 1] < miny)
              {
                miny = points[2 * k + 1];
                minx = points[2 * k];
              }
          lb_image_canvas_image_to_widget (self, minx, miny, &tx, &ty);
          /* beside the top vertex, clear of its handle */
          tx += HANDLE_SIZE / 2 + 2;
        }
      else
        continue;
      draw_tag (self, cr, label != NULL ? label->title : region->label, &color, tx - 1, ty);

      if (selected)
        {
          if (region->shape == LB_REGION_SHAPE_BOX)
            for (int h = 0; h < 8; h++)
              {
                double ix, iy, hx, hy;

                box_handle_point (box, h, &ix, &iy);
                lb_image_canvas_image_to_widget (self, ix, iy, &hx, &hy);
                draw_handle (cr, hx, hy);
              }
          else
            for (guint k = 0; k < np; k++)
              {
                double hx, hy;

                lb_image_canvas_image_to_widget (self, points[2 * k], points[2 * k + 1], &hx, &hy);
                draw_handle (cr, hx, hy);
              }
        }
    }

  label_color (self, NULL, &current);

  /* A box being drawn */
  if (self->mode == MODE_DRAW_BOX || self->has_anchor)
    {
      double ix, iy, box[4];

      lb_image_canvas_widget_to_image (self, self->pointer_x, self->pointer_y, &ix, &iy);
      lb_image_canvas_clamp_point (self, &ix, &iy);
      box[0] = MIN (self->anchor_x, ix);
      box[1] = MIN (self->anchor_y, iy);
      box[2] = fabs (ix - self->anchor_x);
      box[3] = fabs (iy - self->anchor_y);
      path_region (self, cr, LB_REGION_SHAPE_BOX, box, NULL, 0, TRUE);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 4, 4 }, 2, 0);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.9);
      cairo_set_dash (cr, (double[]) { 4, 4 }, 2, 4);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  /* A polygon being drawn, to the pointer */
  if (self->poly->len > 0)
    {
      const double *p = (const double *) (gpointer) self->poly->data;
      guint np = self->poly->len / 2;

      path_region (self, cr, LB_REGION_SHAPE_POLYGON, NULL, p, np, FALSE);
      if (self->pointer_inside)
        cairo_line_to (cr, self->pointer_x, self->pointer_y);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
      cairo_set_line_width (cr, 3);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      for (guint k = 0; k < np; k++)
        {
          double hx, hy;

          lb_image_canvas_image_to_widget (self, p[2 * k], p[2 * k + 1], &hx, &hy);
          draw_handle (cr, hx, hy);
        }
    }

  /* Crosshair guide while a drawing tool is active */
  if (drawing_tool && self->pointer_inside && self->mode != MODE_MOVE
      && self->mode != MODE_RESIZE && self->mode != MODE_VERTEX)
    {
      double x = round (self->pointer_x) + 0.5, y = round (self->pointer_y) + 0.5;

      cairo_set_line_width (cr, 1);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.7);
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, width, y);
      cairo_move_to (cr, x, 0);
      cairo_line_to (cr, x, height);
      cairo_set_dash (cr, (double[]) { 3, 3 }, 2, 0);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, width, y);
      cairo_move_to (cr, x, 0);
      cairo_line_to (cr, x, height);
      cairo_set_dash (cr, (double[]) { 3, 3 }, 2, 3);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  cairo_destroy (cr);
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
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_FITTED:
      g_value_set_boolean (value, self->fitted);
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
  if (self->converting != NULL)
    g_cancellable_cancel (self->converting);
  g_clear_object (&self->converting);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_pointer (&self->previous_surface, cairo_surface_destroy);
  g_clear_pointer (&self->lowres_surface, cairo_surface_destroy);
  g_clear_handle_id (&self->nudge_id, g_source_remove);
  g_clear_object (&self->regions_item);
  g_clear_pointer (&self->schema, lb_schema_unref);
  g_clear_pointer (&self->selected_id, g_free);
  g_clear_pointer (&self->poly, g_array_unref);
  g_clear_pointer (&self->ov_points, g_array_unref);
  g_clear_pointer (&self->orig_points, g_array_unref);

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
  widget_class->size_allocate = lb_image_canvas_size_allocate;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL,
                         GDK_TYPE_TEXTURE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL,
                         0.0, G_MAXDOUBLE, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FITTED] =
    g_param_spec_boolean ("fitted", NULL, NULL,
                          TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A new region drawn: (shape, const double *coords, n_coords) in
   * source-image pixels; BOX: x, y, w, h; POLYGON: x0, y0, x1, y1, ... */
  signals[SIGNAL_REGION_CREATE] =
    g_signal_new ("region-create", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_POINTER, G_TYPE_UINT);
  /* The geometry of a region changed: (id, shape, coords, n_coords) */
  signals[SIGNAL_REGION_UPDATE] =
    g_signal_new ("region-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_UINT, G_TYPE_POINTER, G_TYPE_UINT);
  signals[SIGNAL_SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "lb-image-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lb_image_canvas_init (LbImageCanvas *self)
{
  GtkEventController *controller;
  GtkGesture *drag;

  self->zoom = 1.0;
  self->fitted = TRUE;
  self->poly = g_array_new (FALSE, FALSE, sizeof (double));
  self->ov_points = g_array_new (FALSE, FALSE, sizeof (double));
  self->orig_points = g_array_new (FALSE, FALSE, sizeof (double));
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  /* Touchpad or touchscreen pinch */
  drag = gtk_gesture_zoom_new ();
  g_signal_connect (drag, "begin", G_CALLBACK (pinch_begin_cb), self);
  g_signal_connect (drag, "scale-changed", G_CALLBACK (pinch_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  /* Middle button, and primary button with Space held */
  for (guint button = GDK_BUTTON_PRIMARY; button <= GDK_BUTTON_MIDDLE; button++)
    {
      drag = gtk_gesture_drag_new ();
      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), button);
      g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
      g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
      g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
      gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
    }
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

  if (self->fitted)
    lb_image_canvas_apply_fit (self);
  else
    lb_image_canvas_clamp (self);

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

void
lb_image_canvas_set_image (LbImageCanvas *self,
                           LbImage       *image)
{
  g_autoptr(GdkTexture) texture = NULL;
  cairo_surface_t *keep = NULL;
  cairo_surface_t *lowres = NULL;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (image == NULL)
    {
      lb_image_canvas_set_texture (self, NULL);
      return;
    }

  /* Another decode of the same image (after a zoom): a large one is
   * converted in a thread while the one on screen stays, scaled. */
  if (self->image != NULL && self->content_width == lb_image_get_source_width (image)
      && self->content_height == lb_image_get_source_height (image)
      && (guint64) lb_image_get_width (image) * lb_image_get_height (image) >= THREAD_CONVERT_PIXELS
      && lb_image_canvas_uses_cairo (self))
    {
      if (self->surface != NULL)
        keep = g_steal_pointer (&self->surface);
      else
        keep = g_steal_pointer (&self->previous_surface);
      lowres = g_steal_pointer (&self->lowres_surface);
    }

  /* Only wraps the pixels, which are already at the size needed. */
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

  if (keep != NULL)
    {
      g_autoptr(GTask) task = NULL;

      self->previous_surface = keep;
      self->lowres_surface = lowres;
      self->converting = g_cancellable_new ();
      task = g_task_new (self, self->converting, convert_done_cb, NULL);
      g_task_set_source_tag (task, lb_image_canvas_set_image);
      g_task_set_task_data (task, lb_image_ref (image), (GDestroyNotify) lb_image_unref);
      g_task_run_in_thread (task, convert_thread);
    }
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
  lb_image_canvas_zoom_fit (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lb_image_canvas_get_content_size (LbImageCanvas *self,
                                  guint         *width,
                                  guint         *height)
{
  double cw = 0, ch = 0;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (!lb_image_canvas_get_content (self, &cw, &ch))
    cw = ch = 0;
  if (width != NULL)
    *width = (guint) cw;
  if (height != NULL)
    *height = (guint) ch;
}

double
lb_image_canvas_get_zoom (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), 1.0);

  return self->zoom;
}

double
lb_image_canvas_get_fit_zoom (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), 1.0);

  return compute_fit_zoom (self);
}

double
lb_image_canvas_get_min_zoom (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), 1.0);

  return lb_image_canvas_min_zoom (self);
}

double
lb_image_canvas_get_max_zoom (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), 1.0);

  return lb_image_canvas_max_zoom (self);
}

gboolean
lb_image_canvas_get_fitted (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), TRUE);

  return self->fitted;
}

gboolean
lb_image_canvas_get_zoomed_in (LbImageCanvas *self)
{
  double scale, cw, ch;

  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  if (self->texture == NULL || !lb_image_canvas_has_view (self))
    return FALSE;
  scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  lb_image_canvas_get_content (self, &cw, &ch);
  return cw * self->zoom / scale > gtk_widget_get_width (GTK_WIDGET (self)) + 0.5
         || ch * self->zoom / scale > gtk_widget_get_height (GTK_WIDGET (self)) + 0.5;
}

void
lb_image_canvas_zoom_at (LbImageCanvas *self,
                         double         zoom,
                         double         x,
                         double         y)
{
  double old_zoom, ix, iy, scale, fit;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (!lb_image_canvas_has_view (self) || !(zoom > 0))
    return;

  old_zoom = self->zoom;
  fit = compute_fit_zoom (self);
  zoom = CLAMP (zoom, lb_image_canvas_min_zoom (self), lb_image_canvas_max_zoom (self));
  /* Stepping back to about the fitted size lands on it exactly. */
  if (fabs (zoom / fit - 1.0) < 0.02)
    {
      lb_image_canvas_zoom_fit (self);
      return;
    }

  scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  lb_image_canvas_widget_to_image (self, x, y, &ix, &iy);
  self->zoom = zoom;
  self->offset_x = x - ix * zoom / scale;
  self->offset_y = y - iy * zoom / scale;
  lb_image_canvas_clamp (self);
  lb_image_canvas_set_fitted (self, FALSE);
  lb_image_canvas_update_cursor (self);
  lb_image_canvas_view_changed (self, old_zoom);
}

void
lb_image_canvas_zoom_in (LbImageCanvas *self)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  lb_image_canvas_zoom_at (self, self->zoom * ZOOM_STEP,
                           gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
lb_image_canvas_zoom_out (LbImageCanvas *self)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  lb_image_canvas_zoom_at (self, self->zoom / ZOOM_STEP,
                           gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
lb_image_canvas_zoom_fit (LbImageCanvas *self)
{
  double old_zoom;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  old_zoom = self->zoom;
  lb_image_canvas_apply_fit (self);
  lb_image_canvas_set_fitted (self, TRUE);
  lb_image_canvas_update_cursor (self);
  lb_image_canvas_view_changed (self, old_zoom);
}

void
lb_image_canvas_zoom_one_to_one (LbImageCanvas *self)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (!lb_image_canvas_has_view (self))
    return;
  if (fabs (compute_fit_zoom (self) - 1.0) < 1e-9)
    {
      lb_image_canvas_zoom_fit (self);
      return;
    }
  lb_image_canvas_zoom_at (self, 1.0,
                           gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
lb_image_canvas_get_offset (LbImageCanvas *self,
                            double        *x,
                            double        *y)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (x != NULL)
    *x = self->offset_x;
  if (y != NULL)
    *y = self->offset_y;
}

void
lb_image_canvas_set_offset (LbImageCanvas *self,
                            double         x,
                            double         y)
{
  double old_x = self->offset_x, old_y = self->offset_y;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  self->offset_x = x;
  self->offset_y = y;
  lb_image_canvas_clamp (self);
  if (self->offset_x != old_x || self->offset_y != old_y)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lb_image_canvas_pan (LbImageCanvas *self,
                     double         dx,
                     double         dy)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  lb_image_canvas_set_offset (self, self->offset_x + dx, self->offset_y + dy);
}

void
lb_image_canvas_widget_to_image (LbImageCanvas *self,
                                 double         widget_x,
                                 double         widget_y,
                                 double        *image_x,
                                 double        *image_y)
{
  double per_pixel;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  /* logical pixels per source pixel */
  per_pixel = self->zoom / gtk_widget_get_scale_factor (GTK_WIDGET (self));
  if (image_x != NULL)
    *image_x = (widget_x - self->offset_x) / per_pixel;
  if (image_y != NULL)
    *image_y = (widget_y - self->offset_y) / per_pixel;
}

void
lb_image_canvas_image_to_widget (LbImageCanvas *self,
                                 double         image_x,
                                 double         image_y,
                                 double        *widget_x,
                                 double        *widget_y)
{
  double per_pixel;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  per_pixel = self->zoom / gtk_widget_get_scale_factor (GTK_WIDGET (self));
  if (widget_x != NULL)
    *widget_x = self->offset_x + image_x * per_pixel;
  if (widget_y != NULL)
    *widget_y = self->offset_y + image_y * per_pixel;
}

void
lb_image_canvas_set_space_held (LbImageCanvas *self,
                                gboolean       held)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (held && !self->space_held)
    self->space_panned = FALSE;
  self->space_held = held;
  lb_image_canvas_update_cursor (self);
}

gboolean
lb_image_canvas_get_space_panned (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  return self->space_panned;
}

/* Regions */

void
lb_image_canvas_set_regions (LbImageCanvas *self,
                             LbItem        *item,
                             LbSchema      *schema)
{
  gboolean same_item;

  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));
  g_return_if_fail (item == NULL || LB_IS_ITEM (item));

  same_item = item != NULL && self->regions_item != NULL
              && lb_item_get_id (item) == lb_item_get_id (self->regions_item);
  if (schema != self->schema)
    {
      g_clear_pointer (&self->schema, lb_schema_unref);
      if (schema != NULL)
        self->schema = lb_schema_ref (schema);
    }
  g_set_object (&self->regions_item, item);

  if (!same_item)
    {
      /* Another item: whatever was being drawn or edited is dropped. */
      g_clear_handle_id (&self->nudge_id, g_source_remove);
      self->override = FALSE;
      self->has_anchor = FALSE;
      self->mode = MODE_NONE;
      g_array_set_size (self->poly, 0);
    }
  else if (self->nudge_id == 0 && self->mode == MODE_NONE)
    {
      /* The store has the edit now (or it failed): draw what it holds */
      self->override = FALSE;
    }

  if (self->selected_id != NULL && lb_image_canvas_selected (self) == NULL)
    {
      self->override = FALSE;
      lb_image_canvas_set_selected (self, NULL);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lb_image_canvas_set_tool (LbImageCanvas *self,
                          LbCanvasTool   tool)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (self->tool == tool)
    return;
  self->tool = tool;
  self->has_anchor = FALSE;
  if (self->mode == MODE_DRAW_BOX)
    self->mode = MODE_NONE;
  g_array_set_size (self->poly, 0);
  lb_image_canvas_update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

LbCanvasTool
lb_image_canvas_get_tool (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), LB_CANVAS_TOOL_SELECT);

  return self->tool;
}

const char *
lb_image_canvas_get_selected_region (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), NULL);

  return lb_image_canvas_selected (self) != NULL ? self->selected_id : NULL;
}

void
lb_image_canvas_select_region (LbImageCanvas *self,
                               const char    *id)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  lb_image_canvas_flush_nudge (self);
  self->override = FALSE;
  lb_image_canvas_set_selected (self, id);
}

gboolean
lb_image_canvas_cycle_selection (LbImageCanvas *self,
                                 gboolean       backward)
{
  guint n, index = 0;

  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  if (self->regions_item == NULL || (n = lb_item_get_n_regions (self->regions_item)) == 0)
    return FALSE;
  for (guint i = 0; i < n && self->selected_id != NULL; i++)
    if (g_strcmp0 (lb_item_get_region (self->regions_item, i)->id, self->selected_id) == 0)
      {
        index = backward ? (i + n - 1) % n : (i + 1) % n;
        break;
      }
  if (self->selected_id == NULL && backward)
    index = n - 1;
  lb_image_canvas_select_region (self, lb_item_get_region (self->regions_item, index)->id);
  return TRUE;
}

gboolean
lb_image_canvas_get_drawing (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  return self->has_anchor || self->poly->len > 0 || self->mode != MODE_NONE;
}

gboolean
lb_image_canvas_cancel (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  if (lb_image_canvas_get_drawing (self))
    {
      if (self->mode == MODE_MOVE || self->mode == MODE_RESIZE || self->mode == MODE_VERTEX)
        self->override = FALSE;
      self->has_anchor = FALSE;
      self->mode = MODE_NONE;
      g_array_set_size (self->poly, 0);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return TRUE;
    }
  if (self->selected_id != NULL)
    {
      lb_image_canvas_select_region (self, NULL);
      return TRUE;
    }
  return FALSE;
}

gboolean
lb_image_canvas_close_polygon (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  return lb_image_canvas_finish_polygon (self);
}

gboolean
lb_image_canvas_remove_last_vertex (LbImageCanvas *self)
{
  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  if (self->poly->len == 0)
    return FALSE;
  g_array_set_size (self->poly, self->poly->len - 2);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

static gboolean
nudge_timeout_cb (gpointer user_data)
{
  LbImageCanvas *self = user_data;

  self->nudge_id = 0;
  lb_image_canvas_emit_update (self);
  return G_SOURCE_REMOVE;
}

gboolean
lb_image_canvas_nudge (LbImageCanvas *self,
                       double         dx,
                       double         dy)
{
  const LbRegion *region;
  double cw = 0, ch = 0;

  g_return_val_if_fail (LB_IS_IMAGE_CANVAS (self), FALSE);

  region = lb_image_canvas_selected (self);
  if (region == NULL || self->mode != MODE_NONE)
    return FALSE;
  lb_image_canvas_get_content (self, &cw, &ch);
  lb_image_canvas_begin_override (self, region);
  if (region->shape == LB_REGION_SHAPE_BOX)
    {
      self->ov_box[0] = CLAMP (self->ov_box[0] + dx, 0, MAX (0, cw - self->ov_box[2]));
      self->ov_box[1] = CLAMP (self->ov_box[1] + dy, 0, MAX (0, ch - self->ov_box[3]));
    }
  else
    {
      double minx = G_MAXDOUBLE, miny = G_MAXDOUBLE, maxx = -G_MAXDOUBLE, maxy = -G_MAXDOUBLE;
      double *p = (double *) (gpointer) self->ov_points->data;

      for (guint i = 0; i < self->ov_points->len; i += 2)
        {
          minx = MIN (minx, p[i]);
          maxx = MAX (maxx, p[i]);
          miny = MIN (miny, p[i + 1]);
          maxy = MAX (maxy, p[i + 1]);
        }
      dx = CLAMP (dx, -minx, cw - maxx);
      dy = CLAMP (dy, -miny, ch - maxy);
      for (guint i = 0; i < self->ov_points->len; i += 2)
        {
          p[i] += dx;
          p[i + 1] += dy;
        }
    }
  g_clear_handle_id (&self->nudge_id, g_source_remove);
  self->nudge_id = g_timeout_add (NUDGE_COMMIT_MS, nudge_timeout_cb, self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

void
lb_image_canvas_flush_nudge (LbImageCanvas *self)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  if (self->nudge_id == 0)
    return;
  g_clear_handle_id (&self->nudge_id, g_source_remove);
  lb_image_canvas_emit_update (self);
}

void
lb_image_canvas_test_press (LbImageCanvas *self,
                            double         x,
                            double         y)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  lb_image_canvas_tool_press (self, x, y);
}

void
lb_image_canvas_test_drag (LbImageCanvas *self,
                           double         x,
                           double         y)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  lb_image_canvas_tool_motion (self, x, y);
}

void
lb_image_canvas_test_release (LbImageCanvas *self,
                              double         x,
                              double         y)
{
  g_return_if_fail (LB_IS_IMAGE_CANVAS (self));

  lb_image_canvas_tool_release (self, x, y);
}
