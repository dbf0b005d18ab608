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

  /* All in device pixels: fit the content into the view, never enlarge it. */
  view_w = width * scale;
  view_h = height * scale;
  f = MIN (1.0, MIN (view_w / content_w, view_h / content_h));
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

static void
lb_image_canvas_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  LbImageCanvas *self = LB_IMAGE_CANVAS (widget);
  static const GdkRGBA light = { 0.80f, 0.80f, 0.80f, 1.0f };
  static const GdkRGBA dark = { 0.60f, 0.60f, 0.60f, 1.0f };
  graphene_rect_t rect, tile;

  if (!lb_image_canvas_compute_rect (self, &rect))
    return;

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

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
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
