/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-item-view"
#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "lb-image-canvas.h"
#include "lb-item-view.h"
#include "lb-text-view.h"

/* The spinner appears only when decoding takes longer than this, so fast
 * loads do not flicker. */
#define SPINNER_DELAY_MS 150
/* A resize asks for a new decode once the size has been stable this long. */
#define RESIZE_DEBOUNCE_MS 200
/* A zoom asks for a sharper (or lighter) decode once it paused this long. */
#define ZOOM_DEBOUNCE_MS 80
/* The decode fits the view when it is off by at most this (device pixels). */
#define SIZE_SLACK 2
#define MAX_PENDING_PREFETCH 8
/* After a resize, the upcoming images are decoded again at the new size. */
#define MAX_RECENT_PREFETCH 4
#define DEFAULT_CACHE_BYTES (256 * 1024 * 1024)

struct _LbItemView
{
  GtkWidget          parent_instance;

  char              *failure_hint;   /* under an item that cannot be shown; NULL: labelling's */

  /* Template children */
  GtkWidget         *box;
  GtkStack          *stack;
  GtkSpinner        *spinner;
  LbImageCanvas     *canvas;
  GtkScrolledWindow *scrolled;
  LbTextView        *text_view;
  AdwStatusPage     *error_page;
  GtkWidget         *locate_button;
  GtkLabel          *caption;

  LbImageLoader     *loader;
  LbItem            *item;
  LbItemViewStatus   status;
  char              *error_message;

  /* Bumped for every new item: results of older loads are dropped. */
  guint              generation;
  GCancellable      *cancellable;         /* loads for the current item */
  GCancellable      *resize_cancellable;  /* the re-decode after a resize */
  gboolean           waiting_for_size;    /* image item set before we had a size */
  guint              target_width;        /* device pixels asked of the decoder */
  guint              target_height;
  guint              source_width;
  guint              source_height;

  guint              spinner_timeout_id;
  guint              resize_timeout_id;
  guint              allocate_idle_id;
  GPtrArray         *pending_prefetch;    /* paths asked before we had a size */
  GPtrArray         *recent_prefetch;     /* the last paths prefetched, oldest first */
  guint              prefetch_width;      /* the size they were prefetched at */
  guint              prefetch_height;
  guint              reprefetch_timeout_id;

  GtkTextTag        *body_tag;
};

G_DEFINE_FINAL_TYPE (LbItemView, lb_item_view, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (LbItemViewStatus, lb_item_view_status,
                    G_DEFINE_ENUM_VALUE (LB_ITEM_VIEW_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (LB_ITEM_VIEW_LOADING, "loading"),
                    G_DEFINE_ENUM_VALUE (LB_ITEM_VIEW_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (LB_ITEM_VIEW_FAILED, "failed"))

enum {
  PROP_0,
  PROP_ITEM,
  PROP_STATUS,
  PROP_ERROR_MESSAGE,
  PROP_IMAGE_LOADER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  GWeakRef view;
  guint    generation;
  guint    target_width;
  guint    target_height;
  gboolean resize;
} LoadData;

static void lb_item_view_start_image (LbItemView *self);
static void lb_item_view_check_resize (LbItemView *self);
static gboolean lb_item_view_get_wanted_size (LbItemView *self,
                                              guint      *width,
                                              guint      *height);

static void
load_data_free (LoadData *data)
{
  g_weak_ref_clear (&data->view);
  g_free (data);
}

static LbImageLoader *
lb_item_view_ensure_loader (LbItemView *self)
{
  if (self->loader == NULL)
    {
      guint n_threads = CLAMP (g_get_num_processors (), 1, 4);

      self->loader = lb_image_loader_new (DEFAULT_CACHE_BYTES, n_threads);
    }

  return self->loader;
}

/* The size, in device pixels, an image should be decoded at to fill the
 * image area. FALSE before the view has been given a size. */
static gboolean
lb_item_view_get_target_size (LbItemView *self,
                              guint      *width,
                              guint      *height)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int w = gtk_widget_get_width (GTK_WIDGET (self->stack));
  int h = gtk_widget_get_height (GTK_WIDGET (self->stack));

  if (w <= 0 || h <= 0)
    return FALSE;

  *width = (guint) w * (guint) scale;
  *height = (guint) h * (guint) scale;
  return TRUE;
}

static void
lb_item_view_set_status (LbItemView       *self,
                         LbItemViewStatus  status,
                         const char       *error_message)
{
  if (g_strcmp0 (self->error_message, error_message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }

  if (self->status != status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

static void
lb_item_view_stop_spinner (LbItemView *self)
{
  g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
}

static void
lb_item_view_cancel_loads (LbItemView *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  if (self->resize_cancellable != NULL)
    {
      g_cancellable_cancel (self->resize_cancellable);
      g_clear_object (&self->resize_cancellable);
    }
  g_clear_handle_id (&self->resize_timeout_id, g_source_remove);
  self->waiting_for_size = FALSE;
}

static void
lb_item_view_set_caption (LbItemView *self,
                          guint       source_width,
                          guint       source_height)
{
  const char *external_id = self->item ? lb_item_get_external_id (self->item) : NULL;
  g_autofree char *text = NULL;

  if (external_id == NULL)
    external_id = "";

  if (source_width > 0 && source_height > 0)
    /* Translators: item id, the image's size in pixels, then the zoom */
    text = g_strdup_printf (_("%s  ·  %u × %u  ·  %.0f %%"), external_id,
                            source_width, source_height,
                            lb_image_canvas_get_zoom (self->canvas) * 100.0);
  else
    text = g_strdup (external_id);

  gtk_label_set_text (self->caption, text);
}

static gboolean
spinner_timeout_cb (gpointer user_data)
{
  LbItemView *self = user_data;

  self->spinner_timeout_id = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);

  return G_SOURCE_REMOVE;
}

/* A blank page at once (never the previous item's content, so nobody labels
 * what they no longer see), and a spinner only if it takes a while. */
static void
lb_item_view_show_loading (LbItemView *self)
{
  lb_image_canvas_set_texture (self->canvas, NULL);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  if (self->spinner_timeout_id == 0 && !gtk_spinner_get_spinning (self->spinner))
    self->spinner_timeout_id = g_timeout_add (SPINNER_DELAY_MS, spinner_timeout_cb, self);
  lb_item_view_set_status (self, LB_ITEM_VIEW_LOADING, NULL);
}

/* MISSING: the image file is not where the batch says (the batch's files
 * moved, or it came from another seat): the page offers to locate them */
static void
lb_item_view_show_failure (LbItemView *self,
                           const char *message,
                           gboolean    missing)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  g_autofree char *description = NULL;

  lb_item_view_stop_spinner (self);
  gtk_widget_set_visible (self->locate_button, missing);
  lb_image_canvas_set_texture (self->canvas, NULL);

  /* The status page's description is Pango markup: the message (which
   * names a file, possibly with & or <) is escaped. */
  description = g_strdup_printf ("%s\n\n%s", escaped,
                                 self->failure_hint != NULL
                                   ? self->failure_hint
                                   : _("You can still label or skip this item."));
  adw_status_page_set_description (self->error_page, description);
  gtk_stack_set_visible_child_name (self->stack, "error");
  lb_item_view_set_caption (self, 0, 0);
  lb_item_view_set_status (self, LB_ITEM_VIEW_FAILED, message);
}

static void
lb_item_view_show_image (LbItemView *self,
                         LbImage    *image,
                         guint       target_width,
                         guint       target_height)
{
  lb_item_view_stop_spinner (self);

  self->target_width = target_width;
  self->target_height = target_height;
  self->source_width = lb_image_get_source_width (image);
  self->source_height = lb_image_get_source_height (image);

  /* The pixels are already at the view's size: this only wraps them. */
  lb_image_canvas_set_image (self->canvas, image);
  gtk_stack_set_visible_child_name (self->stack, "image");
  lb_item_view_set_caption (self, self->source_width, self->source_height);
  lb_item_view_set_status (self, LB_ITEM_VIEW_READY, NULL);

  /* The view may have changed size while this was decoding. */
  lb_item_view_check_resize (self);
}

static void
lb_item_view_show_text (LbItemView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
  const char *text = lb_item_get_text (self->item);
  GtkTextIter start, end;

  lb_item_view_stop_spinner (self);
  lb_image_canvas_set_texture (self->canvas, NULL);

  /* The spans of the previous text are gone; this one's come with
   * lb_item_view_set_spans(). */
  lb_text_view_set_spans (self->text_view, NULL, lb_text_view_get_schema (self->text_view));
  /* Plain text, never markup; nothing else is ever inserted, so the
   * buffer's offsets are the item's code points. */
  gtk_text_buffer_set_text (buffer, text ? text : "", -1);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_apply_tag (buffer, self->body_tag, &start, &end);
  gtk_text_buffer_place_cursor (buffer, &start);

  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled), 0);
  gtk_adjustment_set_value (gtk_scrolled_window_get_hadjustment (self->scrolled), 0);

  gtk_stack_set_visible_child_name (self->stack, "text");
  lb_item_view_set_caption (self, 0, 0);
  lb_item_view_set_status (self, LB_ITEM_VIEW_READY, NULL);
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(LbItemView) self = g_weak_ref_get (&data->view);
  g_autoptr(LbImage) image = NULL;
  g_autoptr(GError) error = NULL;

  image = lb_image_loader_load_finish (LB_IMAGE_LOADER (source), result, &error);

  /* A result for an item that is no longer shown is dropped. */
  if (self == NULL || data->generation != self->generation || self->item == NULL)
    goto out;

  if (data->resize)
    g_clear_object (&self->resize_cancellable);

  if (image == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        goto out;
      if (data->resize)
        {
          /* The decode at the old size is still on screen: keep it. */
          g_debug ("Re-decoding after a resize failed: %s", error->message);
          goto out;
        }
      lb_item_view_show_failure (self, error->message,
                                 g_error_matches (error, LB_IMAGE_ERROR,
                                                  LB_IMAGE_ERROR_NOT_FOUND));
      goto out;
    }

  lb_item_view_show_image (self, image, data->target_width, data->target_height);

out:
  load_data_free (data);
}

static void
lb_item_view_load (LbItemView   *self,
                   const char   *path,
                   guint         width,
                   guint         height,
                   GCancellable *cancellable,
                   gboolean      resize)
{
  LoadData *data = g_new0 (LoadData, 1);

  g_weak_ref_init (&data->view, self);
  data->generation = self->generation;
  data->target_width = width;
  data->target_height = height;
  data->resize = resize;

  lb_image_loader_load_async (lb_item_view_ensure_loader (self), path, width, height,
                              cancellable, load_cb, data);
}

static void
lb_item_view_start_image (LbItemView *self)
{
  const char *path = lb_item_get_path (self->item);
  g_autoptr(LbImage) image = NULL;
  guint width, height;

  lb_item_view_set_caption (self, 0, 0);

  if (path == NULL || *path == '\0')
    {
      g_autofree char *message =
        g_strdup_printf (_("Item “%s” has no image file"), lb_item_get_external_id (self->item));

      lb_item_view_show_failure (self, message, FALSE);
      return;
    }

  if (!lb_item_view_get_target_size (self, &width, &height))
    {
      /* Decoding at a guessed size would be wasted: wait for the first
       * allocation. */
      self->waiting_for_size = TRUE;
      lb_item_view_show_loading (self);
      return;
    }

  /* Prefetched: paint at once, no loading state in between. */
  image = lb_image_loader_lookup (lb_item_view_ensure_loader (self), path, width, height);
  if (image != NULL)
    {
      lb_item_view_show_image (self, image, width, height);
      return;
    }

  lb_item_view_show_loading (self);
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  lb_item_view_load (self, path, width, height, self->cancellable, FALSE);
}

static gboolean
resize_timeout_cb (gpointer user_data)
{
  LbItemView *self = user_data;
  g_autoptr(LbImage) image = NULL;
  const char *path;
  guint width, height;

  self->resize_timeout_id = 0;

  if (self->item == NULL || self->status != LB_ITEM_VIEW_READY
      || lb_item_get_kind (self->item) != LB_ITEM_KIND_IMAGE
      || !lb_item_view_get_wanted_size (self, &width, &height))
    return G_SOURCE_REMOVE;

  path = lb_item_get_path (self->item);
  image = lb_image_loader_lookup (lb_item_view_ensure_loader (self), path, width, height);
  if (image != NULL)
    {
      lb_item_view_show_image (self, image, width, height);
      return G_SOURCE_REMOVE;
    }

  /* Keep showing the old decode, scaled, until this one arrives. */
  if (self->resize_cancellable != NULL)
    g_cancellable_cancel (self->resize_cancellable);
  g_clear_object (&self->resize_cancellable);
  self->resize_cancellable = g_cancellable_new ();
  lb_item_view_load (self, path, width, height, self->resize_cancellable, TRUE);

  return G_SOURCE_REMOVE;
}

/* The size to ask the decoder for: the view's size while the image is
 * fitted (what was prefetched), else enough for the zoom, in steps of
 * powers of two of the source size so that zooming does not decode at
 * every step; never more than the source. FALSE before the view has a
 * size. */
static gboolean
lb_item_view_get_wanted_size (LbItemView *self,
                              guint      *width,
                              guint      *height)
{
  double zoom = lb_image_canvas_get_zoom (self->canvas);
  double fit = lb_image_canvas_get_fit_zoom (self->canvas);
  double f;

  if (!lb_item_view_get_target_size (self, width, height))
    return FALSE;
  if (self->source_width == 0 || self->source_height == 0
      || lb_image_canvas_get_fitted (self->canvas) || zoom <= fit * 1.02 || fit >= 1.0)
    return TRUE;

  f = zoom >= 1.0 ? 1.0 : MIN (1.0, pow (2.0, ceil (log2 (zoom))));
  *width = MAX (1, (guint) ceil (self->source_width * f));
  *height = MAX (1, (guint) ceil (self->source_height * f));
  return TRUE;
}

/* Does the shown decode still suit the view and the zoom? If not, ask for
 * a new one once the size or the zoom settles. */
static void
lb_item_view_check_resize_after (LbItemView *self,
                                 guint       delay_ms)
{
  GdkTexture *texture = lb_image_canvas_get_texture (self->canvas);
  guint width, height, fit_w, fit_h;
  double f, want_w, want_h, tex_w, tex_h;

  if (self->item == NULL || self->status != LB_ITEM_VIEW_READY || texture == NULL
      || lb_item_get_kind (self->item) != LB_ITEM_KIND_IMAGE
      || self->source_width == 0 || self->source_height == 0
      || !lb_item_view_get_wanted_size (self, &width, &height))
    return;

  if (width == self->target_width && height == self->target_height)
    {
      g_clear_handle_id (&self->resize_timeout_id, g_source_remove);
      return;
    }

  /* What the decoder makes of that size */
  f = MIN (1.0, MIN ((double) width / self->source_width,
                     (double) height / self->source_height));
  lb_image_compute_fit (self->source_width, self->source_height, width, height, &fit_w, &fit_h);
  want_w = self->source_width * f;
  want_h = self->source_height * f;
  tex_w = gdk_texture_get_width (texture);
  tex_h = gdk_texture_get_height (texture);

  if ((fabs (want_w - tex_w) <= SIZE_SLACK && fabs (want_h - tex_h) <= SIZE_SLACK)
      || (fit_w == tex_w && fit_h == tex_h))
    {
      g_clear_handle_id (&self->resize_timeout_id, g_source_remove);
      return;
    }

  g_clear_handle_id (&self->resize_timeout_id, g_source_remove);
  self->resize_timeout_id = g_timeout_add (delay_ms, resize_timeout_cb, self);
}

static void
lb_item_view_check_resize (LbItemView *self)
{
  lb_item_view_check_resize_after (self, RESIZE_DEBOUNCE_MS);
}

static void
canvas_zoom_cb (LbImageCanvas *canvas,
                GParamSpec    *pspec,
                LbItemView    *self)
{
  if (self->status != LB_ITEM_VIEW_READY || self->source_width == 0)
    return;
  lb_item_view_set_caption (self, self->source_width, self->source_height);
  lb_item_view_check_resize_after (self, ZOOM_DEBOUNCE_MS);
}

static void
lb_item_view_remember_prefetch (LbItemView *self,
                                const char *path,
                                guint       width,
                                guint       height)
{
  for (guint i = 0; i < self->recent_prefetch->len; i++)
    if (g_str_equal (g_ptr_array_index (self->recent_prefetch, i), path))
      {
        g_ptr_array_remove_index (self->recent_prefetch, i);
        break;
      }
  if (self->recent_prefetch->len >= MAX_RECENT_PREFETCH)
    g_ptr_array_remove_index (self->recent_prefetch, 0);
  g_ptr_array_add (self->recent_prefetch, g_strdup (path));
  self->prefetch_width = width;
  self->prefetch_height = height;
}

static gboolean
reprefetch_timeout_cb (gpointer user_data)
{
  LbItemView *self = user_data;
  LbImageLoader *loader = lb_item_view_ensure_loader (self);
  guint width, height;

  self->reprefetch_timeout_id = 0;
  if (!lb_item_view_get_target_size (self, &width, &height))
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < self->recent_prefetch->len; i++)
    lb_image_loader_prefetch (loader, g_ptr_array_index (self->recent_prefetch, i),
                              width, height);
  self->prefetch_width = width;
  self->prefetch_height = height;

  return G_SOURCE_REMOVE;
}

static gboolean
allocate_idle_cb (gpointer user_data)
{
  LbItemView *self = user_data;
  guint width, height;

  self->allocate_idle_id = 0;

  if (!lb_item_view_get_target_size (self, &width, &height))
    return G_SOURCE_REMOVE;

  if (self->pending_prefetch != NULL && self->pending_prefetch->len > 0)
    {
      LbImageLoader *loader = lb_item_view_ensure_loader (self);

      for (guint i = 0; i < self->pending_prefetch->len; i++)
        {
          const char *path = g_ptr_array_index (self->pending_prefetch, i);

          lb_image_loader_prefetch (loader, path, width, height);
          lb_item_view_remember_prefetch (self, path, width, height);
        }
      g_ptr_array_set_size (self->pending_prefetch, 0);
    }

  /* The images prefetched at the old size would miss the cache now. */
  g_clear_handle_id (&self->reprefetch_timeout_id, g_source_remove);
  if (self->recent_prefetch->len > 0
      && (width != self->prefetch_width || height != self->prefetch_height))
    self->reprefetch_timeout_id = g_timeout_add (RESIZE_DEBOUNCE_MS, reprefetch_timeout_cb, self);

  if (self->waiting_for_size && self->item != NULL)
    {
      self->waiting_for_size = FALSE;
      lb_item_view_start_image (self);
    }
  else
    {
      if (self->status == LB_ITEM_VIEW_READY && self->source_width > 0)
        lb_item_view_set_caption (self, self->source_width, self->source_height);
      lb_item_view_check_resize (self);
    }

  return G_SOURCE_REMOVE;
}

static void
lb_item_view_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  LbItemView *self = LB_ITEM_VIEW (widget);

  gtk_widget_allocate (self->box, width, height, baseline, NULL);

  /* Loads and page changes do not belong inside an allocation: react to
   * the new size right after it. */
  if (self->allocate_idle_id == 0)
    self->allocate_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, allocate_idle_cb,
                                              self, NULL);
}

static void
lb_item_view_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  LbItemView *self = LB_ITEM_VIEW (widget);

  gtk_widget_measure (self->box, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static gboolean
lb_item_view_same_content (LbItem *a,
                           LbItem *b)
{
  return a != NULL && b != NULL
         && lb_item_get_id (a) == lb_item_get_id (b)
         && lb_item_get_kind (a) == lb_item_get_kind (b)
         && g_strcmp0 (lb_item_get_path (a), lb_item_get_path (b)) == 0
         && g_strcmp0 (lb_item_get_text (a), lb_item_get_text (b)) == 0;
}

static void
lb_item_view_dispose (GObject *object)
{
  LbItemView *self = LB_ITEM_VIEW (object);

  lb_item_view_cancel_loads (self);
  g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
  g_clear_handle_id (&self->allocate_idle_id, g_source_remove);
  g_clear_handle_id (&self->reprefetch_timeout_id, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_ITEM_VIEW);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));
       child != NULL;
       child = gtk_widget_get_first_child (GTK_WIDGET (self)))
    gtk_widget_unparent (child);

  g_clear_object (&self->item);
  g_clear_object (&self->loader);
  g_clear_pointer (&self->pending_prefetch, g_ptr_array_unref);
  g_clear_pointer (&self->recent_prefetch, g_ptr_array_unref);

  G_OBJECT_CLASS (lb_item_view_parent_class)->dispose (object);
}

static void
lb_item_view_finalize (GObject *object)
{
  LbItemView *self = LB_ITEM_VIEW (object);

  g_free (self->error_message);
  g_free (self->failure_hint);

  G_OBJECT_CLASS (lb_item_view_parent_class)->finalize (object);
}

static void
lb_item_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LbItemView *self = LB_ITEM_VIEW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_IMAGE_LOADER:
      g_value_set_object (value, self->loader);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_item_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LbItemView *self = LB_ITEM_VIEW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      lb_item_view_set_item (self, g_value_get_object (value));
      break;
    case PROP_IMAGE_LOADER:
      lb_item_view_set_image_loader (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_item_view_class_init (LbItemViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_item_view_dispose;
  object_class->finalize = lb_item_view_finalize;
  object_class->get_property = lb_item_view_get_property;
  object_class->set_property = lb_item_view_set_property;

  /* No layout manager: the view allocates its one child itself because it
   * needs to know its size to choose the decode size. */
  widget_class->measure = lb_item_view_measure;
  widget_class->size_allocate = lb_item_view_size_allocate;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         LB_TYPE_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       LB_TYPE_ITEM_VIEW_STATUS, LB_ITEM_VIEW_EMPTY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IMAGE_LOADER] =
    g_param_spec_object ("image-loader", NULL, NULL,
                         LB_TYPE_IMAGE_LOADER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/lb-item-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LbItemView, box);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, stack);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, spinner);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, canvas);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, scrolled);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, text_view);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, error_page);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, locate_button);
  gtk_widget_class_bind_template_child (widget_class, LbItemView, caption);

  gtk_widget_class_set_css_name (widget_class, "lb-item-view");
}

static void
lb_item_view_init (LbItemView *self)
{
  GtkTextBuffer *buffer;

  g_type_ensure (LB_TYPE_IMAGE_CANVAS);
  g_type_ensure (LB_TYPE_TEXT_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->canvas, "notify::zoom", G_CALLBACK (canvas_zoom_cb), self);

  /* A little larger than the interface font; the user's font (and its
   * CJK fallback) is kept. */
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->text_view));
  self->body_tag = gtk_text_buffer_create_tag (buffer, NULL,
                                               "scale", PANGO_SCALE_LARGE,
                                               NULL);

  self->pending_prefetch = g_ptr_array_new_with_free_func (g_free);
  self->recent_prefetch = g_ptr_array_new_with_free_func (g_free);
  self->status = LB_ITEM_VIEW_EMPTY;
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

GtkWidget *
lb_item_view_new (void)
{
  return g_object_new (LB_TYPE_ITEM_VIEW, NULL);
}

void
lb_item_view_set_image_loader (LbItemView    *self,
                               LbImageLoader *loader)
{
  g_return_if_fail (LB_IS_ITEM_VIEW (self));
  g_return_if_fail (loader == NULL || LB_IS_IMAGE_LOADER (loader));

  if (g_set_object (&self->loader, loader))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAGE_LOADER]);
}

LbItem *
lb_item_view_get_item (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), NULL);

  return self->item;
}

void
lb_item_view_set_item (LbItemView *self,
                       LbItem     *item)
{
  g_return_if_fail (LB_IS_ITEM_VIEW (self));
  g_return_if_fail (item == NULL || LB_IS_ITEM (item));

  if (self->item == item)
    return;

  /* A fresh snapshot of the item on screen (say, after it was labelled)
   * keeps what is shown: no reload, no flicker. */
  if (lb_item_view_same_content (self->item, item))
    {
      g_set_object (&self->item, item);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
      return;
    }

  g_object_freeze_notify (G_OBJECT (self));

  lb_item_view_cancel_loads (self);
  self->generation++;
  /* Each item starts fitted. */
  lb_image_canvas_zoom_fit (self->canvas);
  self->target_width = self->target_height = 0;
  self->source_width = self->source_height = 0;
  g_set_object (&self->item, item);

  if (item == NULL)
    {
      lb_item_view_stop_spinner (self);
      lb_image_canvas_set_texture (self->canvas, NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      gtk_label_set_text (self->caption, "");
      lb_item_view_set_status (self, LB_ITEM_VIEW_EMPTY, NULL);
    }
  else if (lb_item_get_kind (item) == LB_ITEM_KIND_TEXT)
    {
      lb_item_view_show_text (self);
    }
  else
    {
      lb_item_view_start_image (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
lb_item_view_prefetch (LbItemView *self,
                       LbItem     *item)
{
  const char *path;
  guint width, height;

  g_return_if_fail (LB_IS_ITEM_VIEW (self));
  g_return_if_fail (item == NULL || LB_IS_ITEM (item));

  if (item == NULL || lb_item_get_kind (item) != LB_ITEM_KIND_IMAGE)
    return;

  path = lb_item_get_path (item);
  if (path == NULL || *path == '\0')
    return;

  if (!lb_item_view_get_target_size (self, &width, &height))
    {
      /* Decoded as soon as the view knows its size. */
      if (self->pending_prefetch->len < MAX_PENDING_PREFETCH)
        g_ptr_array_add (self->pending_prefetch, g_strdup (path));
      return;
    }

  lb_image_loader_prefetch (lb_item_view_ensure_loader (self), path, width, height);
  lb_item_view_remember_prefetch (self, path, width, height);
}

LbItemViewStatus
lb_item_view_get_status (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), LB_ITEM_VIEW_EMPTY);

  return self->status;
}

const char *
lb_item_view_get_error_message (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), NULL);

  return self->error_message;
}

LbImageCanvas *
lb_item_view_get_canvas (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), NULL);

  return self->canvas;
}

void
lb_item_view_set_failure_hint (LbItemView *self,
                               const char *hint)
{
  g_return_if_fail (LB_IS_ITEM_VIEW (self));

  g_free (self->failure_hint);
  self->failure_hint = g_strdup (hint);
}

gboolean
lb_item_view_get_offers_locate (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), FALSE);

  return self->status == LB_ITEM_VIEW_FAILED && gtk_widget_get_visible (self->locate_button);
}

gboolean
lb_item_view_get_showing_image (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), FALSE);

  return self->status == LB_ITEM_VIEW_READY && self->item != NULL
         && lb_item_get_kind (self->item) == LB_ITEM_KIND_IMAGE
         && lb_image_canvas_get_texture (self->canvas) != NULL;
}

LbTextView *
lb_item_view_get_text_view (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), NULL);

  return self->text_view;
}

gboolean
lb_item_view_get_showing_text (LbItemView *self)
{
  g_return_val_if_fail (LB_IS_ITEM_VIEW (self), FALSE);

  return self->status == LB_ITEM_VIEW_READY && self->item != NULL
         && lb_item_get_kind (self->item) == LB_ITEM_KIND_TEXT;
}

void
lb_item_view_set_spans (LbItemView *self,
                        LbItem     *item,
                        LbSchema   *schema)
{
  g_return_if_fail (LB_IS_ITEM_VIEW (self));
  g_return_if_fail (item == NULL || LB_IS_ITEM (item));

  /* Only a snapshot of the text on screen */
  if (item != NULL
      && (self->item == NULL || lb_item_get_id (item) != lb_item_get_id (self->item)
          || lb_item_get_kind (item) != LB_ITEM_KIND_TEXT
          || g_strcmp0 (lb_item_get_text (item), lb_item_get_text (self->item)) != 0))
    item = NULL;
  lb_text_view_set_spans (self->text_view, item, schema);
}
