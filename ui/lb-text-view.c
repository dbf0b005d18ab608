/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-text-view"
#include "config.h"

#include <string.h>

#include "lb-text-view.h"

/* Bars under the text, one row per nesting depth (deeper ones share the last row) */
#define BAR_ROWS 3
#define BAR_STEP 3
#define BAR_HEIGHT 2
/* Room under a line for the bars, then two rows of tags above the next line
 * (a tag that would cover another one on the first row goes to the second) */
#define BAR_ROOM (2 + BAR_ROWS * BAR_STEP)
#define TAG_ROWS 2
#define TAG_PAD_X 4
#define TAG_PAD_Y 1
#define TAG_GAP 2
#define FILL_ALPHA 0.24
#define FILL_ALPHA_SELECTED 0.42

typedef struct {
  const LbSpan *span;       /* owned by the item */
  GdkRGBA       color;
  const char   *title;      /* the label's title (or id), owned by the schema or item */
  guint         depth;
} SpanInfo;

typedef struct {
  guint    first;           /* into frame_rects */
  guint    count;           /* 0: not on screen */
  gboolean known;
  gboolean cut;             /* the span starts above the screen: no tag */
} RectRange;

typedef struct {
  graphene_rect_t rect;     /* buffer coordinates */
  guint           index;    /* into spans */
} TagHit;

struct _LbTextView
{
  GtkTextView  parent_instance;

  LbItem      *item;
  LbSchema    *schema;
  GArray      *spans;       /* SpanInfo, by start, the longer first */
  char        *selected;
  GHashTable  *layouts;     /* title -> PangoLayout of its tag */
  GHashTable  *extents;     /* display line start offset -> its y and height, for one frame */
  GArray      *tag_hits;    /* TagHit, from the last frame */
  GArray      *frame_rects; /* GdkRectangle: each span's boxes, found once per frame */
  GArray      *frame_ranges;  /* RectRange per span */
  gint64       clip_start;  /* the offsets on screen in this frame, with a margin */
  gint64       clip_end;
  int          tag_height;
  gboolean     span_mode;

  /* The spacing the view had before span mode made room for tags and bars */
  gboolean     saved_spacing;
  int          pixels_above;
  int          pixels_below;
  int          pixels_inside;

  /* A press that may turn out to be a click */
  gboolean     press_valid;
  double       press_x;
  double       press_y;
  GtkTextMark *scroll_mark;
};

G_DEFINE_FINAL_TYPE (LbTextView, lb_text_view, GTK_TYPE_TEXT_VIEW)

enum {
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static int
compare_spans (gconstpointer a,
               gconstpointer b)
{
  const SpanInfo *x = a;
  const SpanInfo *y = b;

  if (x->span->start != y->span->start)
    return x->span->start < y->span->start ? -1 : 1;
  if (x->span->end != y->span->end)
    return x->span->end > y->span->end ? -1 : 1;
  return strcmp (x->span->id, y->span->id);
}

static PangoLayout *
tag_layout (LbTextView *self,
            const char *title)
{
  PangoLayout *layout = g_hash_table_lookup (self->layouts, title);

  if (layout == NULL)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      /* Plain text: a title is never markup */
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), title);
      pango_attr_list_insert (attrs, pango_attr_scale_new (0.8));
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_SEMIBOLD));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
      g_hash_table_insert (self->layouts, g_strdup (title), layout);
    }
  return layout;
}

static int
measure_tag_height (LbTextView *self)
{
  PangoRectangle logical;

  pango_layout_get_pixel_extents (tag_layout (self, "Ag 中"), NULL, &logical);
  return logical.height + 2 * TAG_PAD_Y;
}

static void
lb_text_view_update_mode (LbTextView *self)
{
  GtkTextView *tv = GTK_TEXT_VIEW (self);
  gboolean mode = self->schema != NULL && lb_schema_has_tool (self->schema, LB_TOOL_SPAN);

  if (mode == self->span_mode)
    return;
  self->span_mode = mode;

  if (mode)
    {
      int gap;

      if (!self->saved_spacing)
        {
          self->pixels_above = gtk_text_view_get_pixels_above_lines (tv);
          self->pixels_below = gtk_text_view_get_pixels_below_lines (tv);
          self->pixels_inside = gtk_text_view_get_pixels_inside_wrap (tv);
          self->saved_spacing = TRUE;
        }
      self->tag_height = measure_tag_height (self);
      gap = TAG_ROWS * (self->tag_height + 1) + TAG_GAP + BAR_ROOM;
      gtk_text_view_set_pixels_above_lines (tv, gap);
      gtk_text_view_set_pixels_below_lines (tv, 0);
      gtk_text_view_set_pixels_inside_wrap (tv, gap);
    }
  else if (self->saved_spacing)
    {
      gtk_text_view_set_pixels_above_lines (tv, self->pixels_above);
      gtk_text_view_set_pixels_below_lines (tv, self->pixels_below);
      gtk_text_view_set_pixels_inside_wrap (tv, self->pixels_inside);
    }

  /* The selection is drawn over the text's own boxes, not the room left
   * for tags and bars (style.css hides the view's own) */
  if (mode)
    gtk_widget_add_css_class (GTK_WIDGET (self), "lb-spans");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "lb-spans");

  /* A caret and the focus only where selections mean something; otherwise
   * the window's hotkeys keep working without the text ever taking the focus */
  gtk_text_view_set_cursor_visible (tv, mode);
  gtk_widget_set_focusable (GTK_WIDGET (self), mode);
}

static void
set_selected (LbTextView *self,
              const char *span_id)
{
  if (g_strcmp0 (self->selected, span_id) == 0)
    return;
  g_free (self->selected);
  self->selected = g_strdup (span_id);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static int
find_index (LbTextView *self,
            const char *span_id)
{
  if (span_id == NULL)
    return -1;
  for (guint i = 0; i < self->spans->len; i++)
    if (g_str_equal (g_array_index (self->spans, SpanInfo, i).span->id, span_id))
      return (int) i;
  return -1;
}

static void
buffer_iter (LbTextView  *self,
             gint64       offset,
             GtkTextIter *iter)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  int n = gtk_text_buffer_get_char_count (buffer);

  gtk_text_buffer_get_iter_at_offset (buffer, iter, (int) CLAMP (offset, 0, n));
}

/* The top and height of the display line that starts at line_start: the
 * union of its characters' boxes (a run in another font, say Latin digits
 * among Chinese, has boxes of its own height) */
static void
line_extent (LbTextView        *self,
             const GtkTextIter *line_start,
             int               *y,
             int               *height)
{
  GtkTextView *tv = GTK_TEXT_VIEW (self);
  gpointer key = GINT_TO_POINTER (gtk_text_iter_get_offset (line_start) + 1);
  gint64 packed = GPOINTER_TO_SIZE (g_hash_table_lookup (self->extents, key));
  GtkTextIter it = *line_start;
  GtkTextIter end = *line_start;
  int top = G_MAXINT, bottom = G_MININT;

  if (packed != 0)
    {
      *y = (int) (packed >> 32) - (1 << 30);
      *height = (int) (packed & 0xffffffff);
      return;
    }

  gtk_text_view_forward_display_line (tv, &end);
  do
    {
      GdkRectangle r;

      gtk_text_view_get_iter_location (tv, &it, &r);
      top = MIN (top, r.y);
      bottom = MAX (bottom, r.y + r.height);
    }
  while (gtk_text_iter_forward_char (&it) && gtk_text_iter_compare (&it, &end) < 0
         && !gtk_text_iter_is_end (&it));
  *y = top;
  *height = MAX (bottom - top, 1);
  packed = ((gint64) (*y + (1 << 30)) << 32) | (guint32) *height;
  if (sizeof (gpointer) >= sizeof (gint64))
    g_hash_table_insert (self->extents, key, GSIZE_TO_POINTER (packed));
}

/* The rectangles (buffer coordinates) a range covers, one per display line */
static void
range_rects (LbTextView *self,
             gint64      start,
             gint64      end,
             GArray     *rects)
{
  GtkTextView *tv = GTK_TEXT_VIEW (self);
  GtkTextIter it, stop;

  g_array_set_size (rects, 0);
  buffer_iter (self, start, &it);
  buffer_iter (self, end, &stop);

  while (gtk_text_iter_compare (&it, &stop) < 0)
    {
      GtkTextIter next = it;
      GtkTextIter line_start = it;
      GtkTextIter last;
      GdkRectangle a, b, r;

      if (!gtk_text_view_forward_display_line (tv, &next)
          || gtk_text_iter_compare (&next, &stop) > 0)
        next = stop;
      if (gtk_text_iter_compare (&next, &it) <= 0)
        break;
      last = next;
      gtk_text_iter_backward_char (&last);
      /* A paragraph's end is no glyph: the box stops at the last character */
      if (gtk_text_iter_compare (&last, &it) > 0 && gtk_text_iter_ends_line (&last))
        gtk_text_iter_backward_char (&last);

      gtk_text_view_get_iter_location (tv, &it, &a);
      gtk_text_view_get_iter_location (tv, &last, &b);
      r.x = MIN (a.x, b.x);
      r.width = MAX (a.x + a.width, b.x + b.width) - r.x;
      if (!gtk_text_view_starts_display_line (tv, &line_start))
        gtk_text_view_backward_display_line_start (tv, &line_start);
      line_extent (self, &line_start, &r.y, &r.height);
      if (r.width > 0 && r.height > 0)
        g_array_append_val (rects, r);
      it = next;
    }
}

static gboolean
span_visible (LbTextView         *self,
              const SpanInfo     *info,
              const GdkRectangle *visible)
{
  GtkTextView *tv = GTK_TEXT_VIEW (self);
  GtkTextIter s, e;
  int sy, sh, ey, eh;
  int margin = TAG_ROWS * (self->tag_height + 1) + TAG_GAP + BAR_ROOM;

  buffer_iter (self, info->span->start, &s);
  buffer_iter (self, info->span->end, &e);
  gtk_text_view_get_line_yrange (tv, &s, &sy, &sh);
  gtk_text_view_get_line_yrange (tv, &e, &ey, &eh);
  return ey + eh + margin >= visible->y && sy - margin <= visible->y + visible->height;
}

/* The boxes of span i on screen (none when it is off screen), worked out
 * once per frame for both layers; valid until the next call */
static const GdkRectangle *
span_rects (LbTextView         *self,
            guint               i,
            const GdkRectangle *visible,
            GArray             *scratch,
            guint              *n,
            gboolean           *cut)
{
  RectRange *range;

  if (self->frame_ranges->len != self->spans->len)
    {
      g_array_set_size (self->frame_rects, 0);
      g_array_set_size (self->frame_ranges, 0);
      g_array_set_size (self->frame_ranges, self->spans->len);
    }
  range = &g_array_index (self->frame_ranges, RectRange, i);
  if (!range->known)
    {
      const SpanInfo *info = &g_array_index (self->spans, SpanInfo, i);

      range->known = TRUE;
      range->first = self->frame_rects->len;
      range->count = 0;
      if (span_visible (self, info, visible))
        {
          gint64 start = info->span->start, end = info->span->end;

          /* Only the part on screen: a long span costs what is shown */
          if (self->clip_start > start)
            {
              start = self->clip_start;
              range->cut = TRUE;
            }
          end = MIN (end, self->clip_end);
          range_rects (self, start, end, scratch);
          g_array_append_vals (self->frame_rects, scratch->data, scratch->len);
          range->count = scratch->len;
        }
    }
  *n = range->count;
  if (cut != NULL)
    *cut = range->cut;
  return range->count > 0 ? &g_array_index (self->frame_rects, GdkRectangle, range->first) : NULL;
}

static gboolean
is_light (const GdkRGBA *c)
{
  return 0.299 * c->red + 0.587 * c->green + 0.114 * c->blue > 0.6;
}

static void
snapshot_selection (LbTextView   *self,
                    GtkSnapshot  *snapshot,
                    GArray       *rects)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self));
  GtkTextIter a, b;
  GdkRGBA color;

  if (!gtk_text_buffer_get_selection_bounds (buffer, &a, &b))
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (style, "accent_bg_color", &color))
    color = (GdkRGBA) { 0.21, 0.52, 0.89, 1.0 };
  G_GNUC_END_IGNORE_DEPRECATIONS
  color.alpha = gtk_widget_has_focus (GTK_WIDGET (self)) ? 0.35 : 0.2;
  range_rects (self, gtk_text_iter_get_offset (&a), gtk_text_iter_get_offset (&b), rects);
  for (guint k = 0; k < rects->len; k++)
    {
      const GdkRectangle *r = &g_array_index (rects, GdkRectangle, k);

      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (r->x, r->y, r->width, r->height));
    }
}

static void
snapshot_below (LbTextView  *self,
                GtkSnapshot *snapshot,
                GdkRectangle *visible,
                GArray      *rects)
{
  for (guint i = 0; i < self->spans->len; i++)
    {
      const SpanInfo *info = &g_array_index (self->spans, SpanInfo, i);
      gboolean selected = g_strcmp0 (self->selected, info->span->id) == 0;
      GdkRGBA fill = info->color;
      const GdkRectangle *boxes;
      guint n;

      boxes = span_rects (self, i, visible, rects, &n, NULL);
      fill.alpha = selected ? FILL_ALPHA_SELECTED : FILL_ALPHA;
      for (guint k = 0; k < n; k++)
        {
          const GdkRectangle *r = &boxes[k];

          gtk_snapshot_append_color (snapshot, &fill,
                                     &GRAPHENE_RECT_INIT (r->x, r->y, r->width, r->height));
        }
    }
}

static void
append_outline (GtkSnapshot           *snapshot,
                const graphene_rect_t *rect,
                float                  radius,
                float                  width,
                const GdkRGBA         *color)
{
  GskRoundedRect rr;
  const float widths[4] = { width, width, width, width };
  const GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&rr, rect, radius);
  gtk_snapshot_append_border (snapshot, &rr, widths, colors);
}

/* The x, from x on, where a tag of w × h at y covers none placed so far */
static float
place_tag (LbTextView *self,
           float       x,
           float       y,
           float       w,
           float       h)
{
  gboolean moved = TRUE;

  for (guint guard = 0; moved && guard <= self->tag_hits->len; guard++)
    {
      moved = FALSE;
      for (guint k = 0; k < self->tag_hits->len; k++)
        {
          const graphene_rect_t *o = &g_array_index (self->tag_hits, TagHit, k).rect;

          if (o->origin.y < y + h && y < o->origin.y + o->size.height
              && o->origin.x < x + w + 1 && x < o->origin.x + o->size.width + 1)
            {
              x = o->origin.x + o->size.width + 2;
              moved = TRUE;
            }
        }
    }
  return x;
}

static void
snapshot_above (LbTextView   *self,
                GtkSnapshot  *snapshot,
                GdkRectangle *visible,
                GArray       *rects)
{
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self));
  g_autoptr(GArray) firsts = g_array_new (FALSE, FALSE, sizeof (GdkRectangle));
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (guint));
  GdkRGBA fg;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_array_set_size (self->tag_hits, 0);

  /* Bars under the text, one row per depth; the selected span outlined */
  for (guint i = 0; i < self->spans->len; i++)
    {
      const SpanInfo *info = &g_array_index (self->spans, SpanInfo, i);
      gboolean selected = g_strcmp0 (self->selected, info->span->id) == 0;
      guint row = MIN (info->depth, BAR_ROWS - 1);
      const GdkRectangle *boxes;
      gboolean cut;
      guint n;

      boxes = span_rects (self, i, visible, rects, &n, &cut);
      if (n == 0)
        continue;
      for (guint k = 0; k < n; k++)
        {
          const GdkRectangle *r = &boxes[k];
          float y = r->y + r->height + 1 + row * BAR_STEP;

          gtk_snapshot_append_color (snapshot, &info->color,
                                     &GRAPHENE_RECT_INIT (r->x, y, r->width,
                                                          selected ? BAR_HEIGHT + 1 : BAR_HEIGHT));
          if (selected)
            append_outline (snapshot, &GRAPHENE_RECT_INIT (r->x - 2, r->y - 2,
                                                           r->width + 4, r->height + 4),
                            3, 2, &info->color);
        }
      if (!cut)
        {
          g_array_append_val (firsts, boxes[0]);
          g_array_append_val (shown, i);
        }
    }

  /* The label's title above each span's start; tags on one line never cover
   * each other: a later one moves right */
  for (guint n = 0; n < shown->len; n++)
    {
      guint i = g_array_index (shown, guint, n);
      const SpanInfo *info = &g_array_index (self->spans, SpanInfo, i);
      const GdkRectangle *first = &g_array_index (firsts, GdkRectangle, n);
      gboolean selected = g_strcmp0 (self->selected, info->span->id) == 0;
      PangoLayout *layout = tag_layout (self, info->title);
      PangoRectangle logical;
      GskRoundedRect rr;
      GdkRGBA ink;
      TagHit hit;
      float w, h, x, y;

      pango_layout_get_pixel_extents (layout, NULL, &logical);
      w = logical.width + 2 * TAG_PAD_X;
      h = logical.height + 2 * TAG_PAD_Y;
      /* Above the span's start, on the first row with room there; when
       * neither has, further right on the row that needs the least */
      x = first->x;
      y = first->y - TAG_GAP - h;
      for (guint row = 0; row < TAG_ROWS; row++)
        {
          float row_y = first->y - TAG_GAP - h - row * (self->tag_height + 1);
          float row_x = place_tag (self, first->x, row_y, w, h);

          if (row == 0 || row_x < x)
            {
              x = row_x;
              y = row_y;
            }
          if (row_x == first->x)
            break;
        }

      graphene_rect_init (&hit.rect, x, y, w, h);
      hit.index = i;
      g_array_append_val (self->tag_hits, hit);

      gsk_rounded_rect_init_from_rect (&rr, &hit.rect, 3);
      gtk_snapshot_push_rounded_clip (snapshot, &rr);
      gtk_snapshot_append_color (snapshot, &info->color, &hit.rect);
      gtk_snapshot_pop (snapshot);
      if (selected)
        append_outline (snapshot, &GRAPHENE_RECT_INIT (x - 2, y - 2, w + 4, h + 4), 4, 2, &fg);

      ink = is_light (&info->color) ? (GdkRGBA) { 0, 0, 0, 0.87 } : (GdkRGBA) { 1, 1, 1, 1 };
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + TAG_PAD_X - logical.x,
                                                              y + TAG_PAD_Y - logical.y));
      gtk_snapshot_append_layout (snapshot, layout, &ink);
      gtk_snapshot_restore (snapshot);
    }
}

static void
lb_text_view_snapshot_layer (GtkTextView      *text_view,
                             GtkTextViewLayer  layer,
                             GtkSnapshot      *snapshot)
{
  LbTextView *self = LB_TEXT_VIEW (text_view);
  g_autoptr(GArray) rects = NULL;
  GdkRectangle visible;

  if (!self->span_mode && self->spans->len == 0)
    {
      g_array_set_size (self->tag_hits, 0);
      return;
    }

  /* The layout may have changed since the last frame */
  gtk_text_view_get_visible_rect (text_view, &visible);
  if (layer == GTK_TEXT_VIEW_LAYER_BELOW_TEXT)
    {
      int margin = TAG_ROWS * (self->tag_height + 1) + TAG_GAP + BAR_ROOM;
      GtkTextIter top, bottom;

      g_hash_table_remove_all (self->extents);
      g_array_set_size (self->frame_ranges, 0);
      gtk_text_view_get_line_at_y (text_view, &top, MAX (0, visible.y - margin), NULL);
      gtk_text_view_get_line_at_y (text_view, &bottom, visible.y + visible.height + margin, NULL);
      gtk_text_iter_forward_line (&bottom);
      self->clip_start = gtk_text_iter_get_offset (&top);
      self->clip_end = gtk_text_iter_get_offset (&bottom);
      /* Within a long paragraph, the display lines on screen (the iters are
       * the nearest ones when the points are beside the text) */
      gtk_text_view_get_iter_at_location (text_view, &top, 0, MAX (0, visible.y - margin));
      if (!gtk_text_view_starts_display_line (text_view, &top))
        gtk_text_view_backward_display_line_start (text_view, &top);
      self->clip_start = MAX (self->clip_start, gtk_text_iter_get_offset (&top));
      gtk_text_view_get_iter_at_location (text_view, &bottom, visible.x + visible.width,
                                          visible.y + visible.height + margin);
      gtk_text_view_forward_display_line (text_view, &bottom);
      self->clip_end = MIN (self->clip_end, gtk_text_iter_get_offset (&bottom));
    }
  rects = g_array_new (FALSE, FALSE, sizeof (GdkRectangle));
  if (layer == GTK_TEXT_VIEW_LAYER_BELOW_TEXT)
    {
      snapshot_below (self, snapshot, &visible, rects);
      if (self->span_mode)
        snapshot_selection (self, snapshot, rects);
    }
  else
    snapshot_above (self, snapshot, &visible, rects);
}

/* Mouse: a press then a release that selected no text is a click */

static void
click_pressed_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  LbTextView      *self)
{
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  self->press_valid = self->span_mode && n_press == 1 && !(state & GDK_SHIFT_MASK);
  self->press_x = x;
  self->press_y = y;
}

static gboolean
legacy_event_cb (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 LbTextView               *self)
{
  GtkTextBuffer *buffer;

  if (gdk_event_get_event_type (event) != GDK_BUTTON_RELEASE
      || gdk_button_event_get_button (event) != GDK_BUTTON_PRIMARY || !self->press_valid)
    return GDK_EVENT_PROPAGATE;

  self->press_valid = FALSE;
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  if (!gtk_text_buffer_get_has_selection (buffer))
    lb_text_view_select_at (self, self->press_x, self->press_y);
  return GDK_EVENT_PROPAGATE;
}

/* GObject */

static void
lb_text_view_dispose (GObject *object)
{
  LbTextView *self = LB_TEXT_VIEW (object);

  g_clear_object (&self->item);
  g_clear_pointer (&self->schema, lb_schema_unref);
  g_clear_pointer (&self->layouts, g_hash_table_unref);
  g_clear_pointer (&self->extents, g_hash_table_unref);

  G_OBJECT_CLASS (lb_text_view_parent_class)->dispose (object);
}

static void
lb_text_view_finalize (GObject *object)
{
  LbTextView *self = LB_TEXT_VIEW (object);

  g_array_unref (self->spans);
  g_array_unref (self->tag_hits);
  g_array_unref (self->frame_rects);
  g_array_unref (self->frame_ranges);
  g_free (self->selected);

  G_OBJECT_CLASS (lb_text_view_parent_class)->finalize (object);
}

static void
lb_text_view_class_init (LbTextViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkTextViewClass *text_view_class = GTK_TEXT_VIEW_CLASS (klass);

  object_class->dispose = lb_text_view_dispose;
  object_class->finalize = lb_text_view_finalize;
  text_view_class->snapshot_layer = lb_text_view_snapshot_layer;

  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
lb_text_view_init (LbTextView *self)
{
  GtkGesture *click;
  GtkEventController *legacy;
  GtkTextBuffer *buffer;
  GtkTextIter start;

  self->spans = g_array_new (FALSE, FALSE, sizeof (SpanInfo));
  self->tag_hits = g_array_new (FALSE, FALSE, sizeof (TagHit));
  self->frame_rects = g_array_new (FALSE, FALSE, sizeof (GdkRectangle));
  self->frame_ranges = g_array_new (FALSE, TRUE, sizeof (RectRange));
  self->layouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->extents = g_hash_table_new (NULL, NULL);

  /* Read-only: nothing to undo in the text (Ctrl+Z is the window's) */
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  gtk_text_buffer_set_enable_undo (buffer, FALSE);
  gtk_text_buffer_get_start_iter (buffer, &start);
  self->scroll_mark = gtk_text_buffer_create_mark (buffer, NULL, &start, TRUE);

  /* Seen before the view's own gestures, which claim the sequence */
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  legacy = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (legacy_event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), legacy);
}

/* Public API */

GtkWidget *
lb_text_view_new (void)
{
  return g_object_new (LB_TYPE_TEXT_VIEW, NULL);
}

void
lb_text_view_set_spans (LbTextView *self,
                        LbItem     *item,
                        LbSchema   *schema)
{
  g_autoptr(GArray) ends = NULL;

  g_return_if_fail (LB_IS_TEXT_VIEW (self));
  g_return_if_fail (item == NULL || LB_IS_ITEM (item));

  if (schema != self->schema)
    {
      if (schema != NULL)
        lb_schema_ref (schema);
      g_clear_pointer (&self->schema, lb_schema_unref);
      self->schema = schema;
      g_hash_table_remove_all (self->layouts);
      lb_text_view_update_mode (self);
    }

  if (item != NULL && lb_item_get_kind (item) != LB_ITEM_KIND_TEXT)
    item = NULL;
  if (item != NULL)
    g_object_ref (item);
  g_clear_object (&self->item);
  self->item = item;

  g_array_set_size (self->spans, 0);
  for (guint i = 0; item != NULL && i < lb_item_get_n_spans (item); i++)
    {
      const LbSpan *span = lb_item_get_span (item, i);
      const LbSchemaLabel *label = schema ? lb_schema_find_label (schema, span->label) : NULL;
      SpanInfo info = { span, { 0.5, 0.5, 0.5, 1.0 }, span->label, 0 };

      if (label != NULL)
        {
          if (label->title != NULL && label->title[0] != '\0')
            info.title = label->title;
          if (label->color == NULL || !gdk_rgba_parse (&info.color, label->color))
            info.color = (GdkRGBA) { 0.5, 0.5, 0.5, 1.0 };
        }
      g_array_append_val (self->spans, info);
    }
  g_array_sort (self->spans, compare_spans);
  g_array_set_size (self->frame_ranges, 0);

  /* Depths: each span on the first row free at its start */
  ends = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < self->spans->len; i++)
    {
      SpanInfo *info = &g_array_index (self->spans, SpanInfo, i);
      guint row;

      for (row = 0; row < ends->len; row++)
        if (g_array_index (ends, gint64, row) <= info->span->start)
          break;
      if (row == ends->len)
        g_array_append_val (ends, info->span->end);
      else
        g_array_index (ends, gint64, row) = info->span->end;
      info->depth = row;
    }

  if (self->selected != NULL && find_index (self, self->selected) < 0)
    set_selected (self, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

LbSchema *
lb_text_view_get_schema (LbTextView *self)
{
  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), NULL);
  return self->schema;
}

gboolean
lb_text_view_get_span_mode (LbTextView *self)
{
  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), FALSE);
  return self->span_mode;
}

guint
lb_text_view_get_n_spans (LbTextView *self)
{
  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), 0);
  return self->spans->len;
}

guint
lb_text_view_get_span_depth (LbTextView *self,
                             const char *span_id)
{
  int i;

  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), G_MAXUINT);
  i = find_index (self, span_id);
  return i < 0 ? G_MAXUINT : g_array_index (self->spans, SpanInfo, i).depth;
}

const char *
lb_text_view_get_selected_span (LbTextView *self)
{
  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), NULL);
  return self->selected;
}

void
lb_text_view_select_span (LbTextView *self,
                          const char *span_id)
{
  int i;

  g_return_if_fail (LB_IS_TEXT_VIEW (self));

  i = find_index (self, span_id);
  set_selected (self, i < 0 ? NULL : span_id);
  if (i >= 0)
    {
      GtkTextIter iter;

      buffer_iter (self, g_array_index (self->spans, SpanInfo, i).span->start, &iter);
      gtk_text_buffer_move_mark (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self)),
                                 self->scroll_mark, &iter);
      gtk_text_view_scroll_mark_onscreen (GTK_TEXT_VIEW (self), self->scroll_mark);
    }
}

gboolean
lb_text_view_cycle_selection (LbTextView *self,
                              gboolean    backward)
{
  int n, i;

  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), FALSE);

  n = (int) self->spans->len;
  if (n == 0)
    return FALSE;
  i = find_index (self, self->selected);
  if (i < 0)
    i = backward ? n - 1 : 0;
  else
    i = (i + (backward ? n - 1 : 1)) % n;
  lb_text_view_select_span (self, g_array_index (self->spans, SpanInfo, i).span->id);
  return TRUE;
}

gboolean
lb_text_view_select_at (LbTextView *self,
                        double      x,
                        double      y)
{
  GtkTextView *tv = GTK_TEXT_VIEW (self);
  GtkTextIter iter;
  int bx, by, trailing;
  gint64 offset;
  int current, best = -1;

  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), FALSE);

  gtk_text_view_window_to_buffer_coords (tv, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);

  /* A tag selects its span */
  for (guint k = self->tag_hits->len; k > 0; k--)
    {
      const TagHit *hit = &g_array_index (self->tag_hits, TagHit, k - 1);

      if (graphene_rect_contains_point (&hit->rect, &GRAPHENE_POINT_INIT (bx, by)))
        {
          set_selected (self, g_array_index (self->spans, SpanInfo, hit->index).span->id);
          return TRUE;
        }
    }

  /* The character under the point (not the nearest caret position) */
  if (!gtk_text_view_get_iter_at_position (tv, &iter, &trailing, bx, by))
    {
      set_selected (self, NULL);
      return FALSE;
    }
  offset = gtk_text_iter_get_offset (&iter);

  /* The innermost span there; on the selected one, the next one out */
  current = find_index (self, self->selected);
  if (current >= 0)
    {
      const LbSpan *cur = g_array_index (self->spans, SpanInfo, current).span;

      if (cur->start <= offset && offset < cur->end)
        {
          gint64 cur_len = cur->end - cur->start;

          for (guint i = 0; i < self->spans->len; i++)
            {
              const LbSpan *s = g_array_index (self->spans, SpanInfo, i).span;
              gint64 len = s->end - s->start;

              if ((int) i == current || s->start > offset || offset >= s->end)
                continue;
              if (len < cur_len || (len == cur_len && (int) i < current))
                continue;
              if (best < 0 || len < g_array_index (self->spans, SpanInfo, best).span->end
                                    - g_array_index (self->spans, SpanInfo, best).span->start)
                best = i;
            }
        }
    }
  if (best < 0)
    for (guint i = 0; i < self->spans->len; i++)
      {
        const LbSpan *s = g_array_index (self->spans, SpanInfo, i).span;

        if (s->start > offset || offset >= s->end)
          continue;
        if (best < 0 || s->end - s->start < g_array_index (self->spans, SpanInfo, best).span->end
                                             - g_array_index (self->spans, SpanInfo, best).span->start)
          best = i;
      }

  set_selected (self, best >= 0 ? g_array_index (self->spans, SpanInfo, best).span->id : NULL);
  return best >= 0;
}

gboolean
lb_text_view_get_text_selection (LbTextView *self,
                                 gint64     *start,
                                 gint64     *end)
{
  GtkTextIter a, b;

  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), FALSE);

  if (!gtk_text_buffer_get_selection_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self)),
                                             &a, &b))
    return FALSE;
  if (start != NULL)
    *start = gtk_text_iter_get_offset (&a);
  if (end != NULL)
    *end = gtk_text_iter_get_offset (&b);
  return TRUE;
}

void
lb_text_view_clear_text_selection (LbTextView *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter a, b;

  g_return_if_fail (LB_IS_TEXT_VIEW (self));

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  if (gtk_text_buffer_get_selection_bounds (buffer, &a, &b))
    gtk_text_buffer_place_cursor (buffer, &b);
}

gboolean
lb_text_view_move_caret (LbTextView *self,
                         guint       keyval,
                         gboolean    words,
                         gboolean    extend)
{
  GtkMovementStep step;
  int count;

  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), FALSE);

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      step = words ? GTK_MOVEMENT_WORDS : GTK_MOVEMENT_VISUAL_POSITIONS;
      count = -1;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      step = words ? GTK_MOVEMENT_WORDS : GTK_MOVEMENT_VISUAL_POSITIONS;
      count = 1;
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      step = GTK_MOVEMENT_DISPLAY_LINE_ENDS;
      count = -1;
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      step = GTK_MOVEMENT_DISPLAY_LINE_ENDS;
      count = 1;
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      step = GTK_MOVEMENT_DISPLAY_LINES;
      count = -1;
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      step = GTK_MOVEMENT_DISPLAY_LINES;
      count = 1;
      break;
    default:
      return FALSE;
    }

  /* What the view's own key bindings do */
  g_signal_emit_by_name (self, "move-cursor", step, count, extend);
  return TRUE;
}

const LbSpan *
lb_text_view_find_overlap (LbTextView *self,
                           gint64      start,
                           gint64      end)
{
  g_return_val_if_fail (LB_IS_TEXT_VIEW (self), NULL);

  for (guint i = 0; i < self->spans->len; i++)
    {
      const LbSpan *s = g_array_index (self->spans, SpanInfo, i).span;

      if (s->start < end && start < s->end)
        return s;
    }
  return NULL;
}
