/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-window"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-bundle.h"
#include "lb-import.h"
#include "lb-label-config.h"
#include "lb-predictions.h"
#include "lb-item-list.h"
#include "lb-item-view.h"
#include "lb-image-loader.h"
#include "lb-panel.h"
#include "lb-batch-list.h"
#include "lb-export-dialog.h"
#include "lb-preferences.h"
#include "lb-sync-indicator.h"
#include "lb-review-view.h"
#include "lb-dashboard.h"
#include "lb-window.h"

#define N_PREFETCH 3
#define MAX_SCAN 5000

struct _LbWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkWidget            *save_box;
  GtkImage             *save_icon;
  GtkLabel             *save_label;
  LbSyncIndicator      *sync_indicator;
  GtkStack             *stack;
  AdwStatusPage        *import_page;
  GtkSpinner           *import_spinner;
  AdwStatusPage        *error_page;
  GtkStack             *queue_stack;
  AdwStatusPage        *queue_empty_page;
  GtkListView          *queue_view;
  GtkBox               *item_box;
  LbPanel              *panel;
  LbReviewView         *review_view;
  LbDashboard          *dashboard;
  GtkWidget            *mode_box;
  char                 *mode;          /* "label", "review" or "quality" */
  LbBatchList          *batch_list;   /* the welcome page's "In This Store" */

  GtkWidget            *item_view;
  GtkEventController   *key_controller;
  /* Space went down over a zoomed image: it skips when it comes up,
   * unless the image was dragged meanwhile (Space+drag pans). */
  gboolean              space_pending;
  gint64                space_item_id;   /* the item shown when it went down */
  GSettings            *settings;
  LbStore              *store;
  LbImageLoader        *loader;
  GCancellable         *cancellable;
  GCancellable         *import_cancellable;
  GtkNativeDialog      *chooser;
  AdwMessageDialog     *actor_dialog;

  gint64                batch_id;
  char                 *batch_name;
  char                 *batch_root;  /* images may not leave it, even through a later link */
  LbSchema             *schema;
  LbItemList           *list;
  GtkSingleSelection   *selection;
  LbItemFilter          filter;
  gboolean              blind;         /* overlap > 1: the actor's own queue and view only */
  guint                 count_serial;  /* blind progress: bumped when the queue is rebuilt */
  gboolean              counting;
  gboolean              count_again;

  LbItem               *current;
  char                 *region_label;  /* label of new regions: the last picked one */
  guint                 current_pos;   /* last known position in the queue */
  gint64                queue_keep;    /* the item to show when the queue has loaded */
  gint64                shown_us;      /* monotonic time the current item was shown */
  gboolean              selecting;

  char                 *actor;
  char                 *subtitle;
  char                 *save_state;
  char                 *error_text;
  GStrv                 rejections;
  guint                 n_pending;
  gboolean              importing;
  char                 *import_name;   /* base name of what is being imported */
  GFile                *chosen_config; /* the label config picked before the folder/manifest */
  GStrv                 import_notes;  /* parts of the last import's label config not translated */
  char                 *previous_page;
  GHashTable           *pending_ids;   /* item id -> count of acts in flight */
  GHashTable           *unsaved_answers; /* "ITEM_ID\nFIELD" -> answer text whose act failed */
  GHashTable           *predictions;   /* item id -> LbPanelPredictionsState once accepting */
  GArray               *history;       /* item ids of submitted or skipped acts, oldest first */
};

G_DEFINE_FINAL_TYPE (LbWindow, lb_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_FILTER,
  PROP_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *filter_names[] = {
  [LB_ITEM_FILTER_ALL] = "all",
  [LB_ITEM_FILTER_TODO] = "todo",
  [LB_ITEM_FILTER_DONE] = "done",
  [LB_ITEM_FILTER_FLAGGED] = "flagged",
};

static void show_item (LbWindow *self, LbItem *item);
static void set_mode (LbWindow *self, const char *mode);
static void build_queue (LbWindow *self);

/* Small helpers */

static void
toast (LbWindow   *self,
       const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static gboolean
is_pending (LbWindow *self,
            gint64    item_id)
{
  return g_hash_table_contains (self->pending_ids, &item_id);
}

static void
pending_add (LbWindow *self,
             gint64    item_id)
{
  gint64 *key = g_new (gint64, 1);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_ids, &item_id));

  *key = item_id;
  g_hash_table_replace (self->pending_ids, key, GUINT_TO_POINTER (count + 1));
}

static void
pending_remove (LbWindow *self,
                gint64    item_id)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_ids, &item_id));

  if (count <= 1)
    g_hash_table_remove (self->pending_ids, &item_id);
  else
    {
      gint64 *key = g_new (gint64, 1);
      *key = item_id;
      g_hash_table_replace (self->pending_ids, key, GUINT_TO_POINTER (count - 1));
    }
}

static gint64
current_id (LbWindow *self)
{
  return self->current ? lb_item_get_id (self->current) : 0;
}

/* Blind labelling (overlap batches) with no name yet: the queue and items
 * as an annotator with no work sees them; acts ask for the name first
 * (ensure_actor ()) and the queue is rebuilt for it then. */
#define NO_ACTOR "\n"

static const char *
blind_actor (LbWindow *self)
{
  return self->actor != NULL ? self->actor : NO_ACTOR;
}

/* The item as the label mode shows it: with overlap, the actor's own work only */
static LbItem *
get_item (LbWindow *self,
          gint64    item_id)
{
  if (self->blind)
    return lb_store_get_item_for_actor (self->store, item_id, blind_actor (self), NULL);
  return lb_store_get_item (self->store, item_id, NULL);
}

static void
set_page (LbWindow   *self,
          const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
}

/* Header: title, progress, save state */

static void
update_save_state (LbWindow *self)
{
  GtkWidget *label = GTK_WIDGET (self->save_label);
  const char *icon;
  char *text;

  if (self->n_pending > 0)
    {
      text = g_strdup (_("Saving…"));
      icon = "emblem-synchronizing-symbolic";
    }
  else if (self->error_text != NULL)
    {
      text = g_strdup_printf (_("Not saved: %s"), self->error_text);
      icon = "dialog-error-symbolic";
    }
  else
    {
      text = g_strdup (_("All changes saved"));
      icon = "emblem-ok-symbolic";
    }

  g_free (self->save_state);
  self->save_state = text;
  gtk_label_set_text (self->save_label, text);
  gtk_widget_set_tooltip_text (self->save_box, text);
  gtk_image_set_from_icon_name (self->save_icon, icon);
  if (self->error_text != NULL && self->n_pending == 0)
    {
      gtk_widget_add_css_class (self->save_box, "error");
      gtk_widget_remove_css_class (label, "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (self->save_box, "error");
      gtk_widget_add_css_class (label, "dim-label");
    }
  gtk_widget_set_visible (self->save_box, self->batch_id != 0);
}

static void
set_progress (LbWindow *self,
              guint     done,
              guint     total)
{
  g_free (self->subtitle);
  /* Translators: progress in the header bar, e.g. "12 / 40 done" */
  self->subtitle = g_strdup_printf (_("%u / %u done"), done, total);
  /* the labelling progress is the label mode's (the review queue and the
   * dashboard count for themselves) */
  if (self->mode == NULL || g_str_equal (self->mode, "label"))
    adw_window_title_set_subtitle (self->window_title, self->subtitle);
}

/* The header's progress, counted in worker threads (the main thread does
 * not read the store for it): the batch's done items out of all
 * (lb_store_count_progress_async ()), or, blind, the actor's own done items
 * out of those open to them (theirs, and those still short of their
 * overlap; lb_store_list_queue_ids_async ()). One count at a time, another
 * one after it when something changed meanwhile. */
typedef struct {
  GWeakRef  self;
  guint     serial;
  guint     done;
} CountData;

static void count_progress (LbWindow *self);

static void
count_data_free (CountData *data)
{
  g_weak_ref_clear (&data->self);
  g_free (data);
}

static void
count_all_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CountData *data = user_data;
  g_autoptr(LbWindow) self = g_weak_ref_get (&data->self);
  g_autoptr(GArray) ids = lb_store_list_queue_ids_finish (LB_STORE (source), result, NULL);

  if (self != NULL)
    {
      self->counting = FALSE;
      if (data->serial == self->count_serial && ids != NULL)
        set_progress (self, data->done, ids->len);
      if (self->count_again || data->serial != self->count_serial)
        count_progress (self);
    }
  count_data_free (data);
}

static void
count_plain_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  CountData *data = user_data;
  g_autoptr(LbWindow) self = g_weak_ref_get (&data->self);
  g_autoptr(GError) error = NULL;
  guint done = 0, total = 0;
  gboolean ok = lb_store_count_progress_finish (LB_STORE (source), result, &done, &total,
                                                &error);

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Cannot count the batch's progress: %s", error->message);
  if (self != NULL)
    {
      self->counting = FALSE;
      if (ok && data->serial == self->count_serial)
        set_progress (self, done, total);
      if (ok && (self->count_again || data->serial != self->count_serial))
        count_progress (self);
    }
  count_data_free (data);
}

static void
count_done_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CountData *data = user_data;
  g_autoptr(LbWindow) self = g_weak_ref_get (&data->self);
  g_autoptr(GArray) ids = lb_store_list_queue_ids_finish (LB_STORE (source), result, NULL);

  if (self == NULL || ids == NULL || data->serial != self->count_serial || self->store == NULL)
    {
      if (self != NULL)
        {
          self->counting = FALSE;
          if (ids != NULL)
            count_progress (self);
        }
      count_data_free (data);
      return;
    }
  data->done = ids->len;
  lb_store_list_queue_ids_async (self->store, self->batch_id, blind_actor (self),
                                 LB_ITEM_FILTER_ALL, self->cancellable, count_all_done_cb, data);
}

static void
count_progress (LbWindow *self)
{
  CountData *data;

  if (self->store == NULL || self->batch_id == 0)
    {
      self->count_again = FALSE;
      return;
    }
  if (self->counting)
    {
      self->count_again = TRUE;
      return;
    }
  self->counting = TRUE;
  self->count_again = FALSE;
  data = g_new0 (CountData, 1);
  g_weak_ref_init (&data->self, self);
  data->serial = self->count_serial;
  if (self->blind)
    lb_store_list_queue_ids_async (self->store, self->batch_id, blind_actor (self),
                                   LB_ITEM_FILTER_DONE, self->cancellable, count_done_done_cb,
                                   data);
  else
    lb_store_count_progress_async (self->store, self->batch_id, self->cancellable,
                                   count_plain_done_cb, data);
}

static void
update_header (LbWindow *self)
{
  if (self->store == NULL || self->batch_id == 0)
    {
      adw_window_title_set_title (self->window_title, _("Labelbench"));
      adw_window_title_set_subtitle (self->window_title, "");
      g_clear_pointer (&self->subtitle, g_free);
      gtk_window_set_title (GTK_WINDOW (self), _("Labelbench"));
      gtk_widget_set_visible (self->save_box, FALSE);
      gtk_widget_set_visible (self->mode_box, FALSE);
      return;
    }
  else
    {
      g_autofree char *title = NULL;

      /* the subtitle follows when the count is back */
      count_progress (self);
      adw_window_title_set_title (self->window_title, self->batch_name);
      title = g_strdup_printf ("%s — %s", self->batch_name, _("Labelbench"));
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_widget_set_visible (self->mode_box, TRUE);
    }
  update_save_state (self);
}

static void
update_queue_empty (LbWindow *self)
{
  guint n = self->list ? g_list_model_get_n_items (G_LIST_MODEL (self->list)) : 0;

  if (n > 0 || (self->list != NULL && lb_item_list_get_loading (self->list)))
    {
      gtk_stack_set_visible_child_name (self->queue_stack, "list");
      return;
    }

  switch (self->filter)
    {
    case LB_ITEM_FILTER_TODO:
      adw_status_page_set_icon_name (self->queue_empty_page, "emblem-ok-symbolic");
      adw_status_page_set_title (self->queue_empty_page, _("All Done"));
      adw_status_page_set_description (self->queue_empty_page,
                                       _("Nothing left to do in this batch."));
      break;
    case LB_ITEM_FILTER_FLAGGED:
      adw_status_page_set_icon_name (self->queue_empty_page, "emblem-important-symbolic");
      adw_status_page_set_title (self->queue_empty_page, _("Nothing Flagged"));
      adw_status_page_set_description (self->queue_empty_page, NULL);
      break;
    case LB_ITEM_FILTER_DONE:
    case LB_ITEM_FILTER_ALL:
    default:
      adw_status_page_set_icon_name (self->queue_empty_page, "folder-documents-symbolic");
      adw_status_page_set_title (self->queue_empty_page, _("No Items"));
      adw_status_page_set_description (self->queue_empty_page, NULL);
      break;
    }
  gtk_stack_set_visible_child_name (self->queue_stack, "empty");
}

/* The queue */

static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *id = gtk_label_new (NULL);
  GtkWidget *preview = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (id), 0);
  gtk_label_set_ellipsize (GTK_LABEL (id), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_use_markup (GTK_LABEL (id), FALSE);
  gtk_widget_add_css_class (id, "heading");
  gtk_label_set_xalign (GTK_LABEL (preview), 0);
  gtk_label_set_ellipsize (GTK_LABEL (preview), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (preview), TRUE);
  gtk_label_set_use_markup (GTK_LABEL (preview), FALSE);
  gtk_widget_add_css_class (preview, "dim-label");
  gtk_widget_add_css_class (preview, "caption");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), id);
  gtk_box_append (GTK_BOX (texts), preview);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);

  g_object_set_data (G_OBJECT (list_item), "lb-icon", icon);
  g_object_set_data (G_OBJECT (list_item), "lb-id", id);
  g_object_set_data (G_OBJECT (list_item), "lb-preview", preview);
  gtk_list_item_set_child (list_item, box);
}

static char *
make_preview (LbItem *item)
{
  if (lb_item_get_kind (item) == LB_ITEM_KIND_TEXT && lb_item_get_text (item) != NULL)
    {
      const char *text = lb_item_get_text (item);
      const char *end = text;
      GString *s = g_string_new (NULL);
      guint n = 0;

      /* First 120 characters, newlines folded into spaces */
      while (*end != '\0' && n < 120)
        {
          gunichar c = g_utf8_get_char (end);

          if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
          if (!(c == ' ' && s->len > 0 && s->str[s->len - 1] == ' '))
            g_string_append_unichar (s, c);
          end = g_utf8_next_char (end);
          n++;
        }
      return g_string_free (s, FALSE);
    }
  if (lb_item_get_relative_path (item) != NULL
      && g_strcmp0 (lb_item_get_relative_path (item), lb_item_get_external_id (item)) != 0)
    return g_strdup (lb_item_get_relative_path (item));
  return g_strdup (_("Image"));
}

static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  LbItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *icon = g_object_get_data (G_OBJECT (list_item), "lb-icon");
  GtkWidget *id = g_object_get_data (G_OBJECT (list_item), "lb-id");
  GtkWidget *preview = g_object_get_data (G_OBJECT (list_item), "lb-preview");
  g_autofree char *text = NULL;
  const char *icon_name;
  const char *tooltip;

  if (item == NULL)
    return;

  gtk_widget_remove_css_class (icon, "success");
  gtk_widget_remove_css_class (icon, "warning");
  gtk_widget_remove_css_class (icon, "dim-label");
  if (lb_item_get_flagged (item))
    {
      icon_name = "emblem-important-symbolic";
      tooltip = _("Flagged");
      gtk_widget_add_css_class (icon, "warning");
    }
  else
    switch (lb_item_get_state (item))
      {
      case LB_ITEM_STATE_DONE:
        icon_name = "emblem-ok-symbolic";
        tooltip = _("Done");
        gtk_widget_add_css_class (icon, "success");
        break;
      case LB_ITEM_STATE_SKIPPED:
        icon_name = "media-skip-forward-symbolic";
        tooltip = _("Skipped");
        gtk_widget_add_css_class (icon, "dim-label");
        break;
      case LB_ITEM_STATE_TODO:
      default:
        icon_name = lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE ? "image-x-generic-symbolic"
                                                                  : "text-x-generic-symbolic";
        tooltip = _("To do");
        gtk_widget_add_css_class (icon, "dim-label");
        break;
      }
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), icon_name);
  gtk_widget_set_tooltip_text (icon, tooltip);

  gtk_label_set_text (GTK_LABEL (id), lb_item_get_external_id (item));
  text = make_preview (item);
  gtk_label_set_text (GTK_LABEL (preview), text);
}

static gboolean
find_next_todo (LbWindow *self,
                guint     from,
                guint    *out)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  gint64 cur = current_id (self);
  guint scanned = 0;

  for (guint pass = 0; pass < 2; pass++)
    {
      guint start = pass == 0 ? from : 0;
      guint stop = pass == 0 ? n : MIN (from, n);

      for (guint i = start; i < stop && scanned < MAX_SCAN; i++, scanned++)
        {
          g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (self->list), i);
          gint64 id;

          if (item == NULL)
            continue;
          id = lb_item_get_id (item);
          if (id == cur || is_pending (self, id))
            continue;
          if (lb_item_get_state (item) != LB_ITEM_STATE_DONE)
            {
              *out = i;
              return TRUE;
            }
        }
    }
  return FALSE;
}

static guint
current_position (LbWindow *self)
{
  guint pos;

  if (self->current != NULL && self->list != NULL
      && lb_item_list_find (self->list, lb_item_get_id (self->current), &pos))
    return pos;
  return self->current_pos;
}

static void
prefetch_after (LbWindow *self,
                guint     pos)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

  if (self->item_view == NULL)
    return;
  for (guint i = pos + 1; i < n && i <= pos + N_PREFETCH; i++)
    {
      g_autoptr(LbItem) item = g_list_model_get_item (G_LIST_MODEL (self->list), i);

      if (item != NULL && lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE)
        lb_item_view_prefetch (LB_ITEM_VIEW (self->item_view), item);
    }
}

static void
go_to_position (LbWindow *self,
                guint     pos)
{
  g_autoptr(LbItem) item = NULL;

  if (self->list == NULL || pos >= g_list_model_get_n_items (G_LIST_MODEL (self->list)))
    return;

  item = g_list_model_get_item (G_LIST_MODEL (self->list), pos);
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, pos);
  self->selecting = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self->queue_view), "list.scroll-to-item", "u", pos);
  self->current_pos = pos;
  show_item (self, item);
  prefetch_after (self, pos);
}

static void
go_to_item_id (LbWindow *self,
               gint64    item_id)
{
  g_autoptr(LbItem) item = NULL;
  guint pos;

  if (self->list != NULL && lb_item_list_find (self->list, item_id, &pos))
    {
      go_to_position (self, pos);
      return;
    }
  /* Not in the filtered queue: show it anyway */
  item = get_item (self, item_id);
  if (item == NULL)
    return;
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
  show_item (self, item);
}

static void
advance (LbWindow *self)
{
  guint pos = current_position (self);
  guint next;

  if (self->list == NULL)
    return;
  if (self->filter == LB_ITEM_FILTER_DONE || self->filter == LB_ITEM_FILTER_FLAGGED)
    {
      /* Reviewing finished work: simply the next one in the queue */
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

      if (self->current != NULL && lb_item_list_find (self->list, current_id (self), &pos))
        pos++;
      if (pos < n)
        go_to_position (self, pos);
      return;
    }
  if (find_next_todo (self, pos + 1, &next))
    go_to_position (self, next);
  else
    toast (self, _("No more items to do in this batch"));
}

static void
sync_regions (LbWindow *self)
{
  LbImageCanvas *canvas;

  if (self->item_view == NULL)
    return;
  canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view));
  if (self->current != NULL && lb_item_get_kind (self->current) == LB_ITEM_KIND_IMAGE)
    lb_image_canvas_set_regions (canvas, self->current, self->schema);
  else
    lb_image_canvas_set_regions (canvas, NULL, self->schema);
  /* Spans are repainted from the same snapshot (after an act, undo or redo) */
  lb_item_view_set_spans (LB_ITEM_VIEW (self->item_view), self->current, self->schema);
  /* The selected region's label, size and attributes as the store has them */
  {
    const char *id = lb_image_canvas_get_selected_region (canvas);

    lb_panel_set_selected_region (self->panel, id != NULL && self->current != NULL
                                               ? lb_item_find_region (self->current, id) : NULL);
  }
}

static char *
unsaved_key (gint64      item_id,
             const char *field)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT "\n%s", item_id, field);
}

/* The bar of the current item's pre-annotations */
static void
update_predictions (LbWindow *self)
{
  g_autofree char *description = NULL;
  gpointer state = NULL;

  if (self->current != NULL)
    {
      gint64 id = lb_item_get_id (self->current);

      description = lb_predictions_describe (self->current);
      state = g_hash_table_lookup (self->predictions, &id);
    }
  lb_panel_set_predictions (self->panel, description,
                            state != NULL ? GPOINTER_TO_INT (state) - 1
                                          : LB_PANEL_PREDICTIONS_OFFERED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.accept-predictions",
                                 description != NULL && state == NULL);
}

/* The panel shows the item's saved state, except answers whose act failed:
 * those are put back in their fields, to be submitted again. */
static void
reset_panel (LbWindow *self,
             LbItem   *item)
{
  lb_panel_reset (self->panel, item);
  update_predictions (self);
  if (item == NULL || self->schema == NULL || g_hash_table_size (self->unsaved_answers) == 0)
    return;
  for (guint i = 0; i < lb_schema_get_n_fields (self->schema); i++)
    {
      const char *field = lb_schema_get_field (self->schema, i)->id;
      g_autofree char *key = unsaved_key (lb_item_get_id (item), field);
      const char *text = g_hash_table_lookup (self->unsaved_answers, key);

      if (text != NULL)
        lb_panel_set_answer (self->panel, field, text);
    }
}

static void
show_item (LbWindow *self,
           LbItem   *item)
{
  /* Nudges not yet sent belong to the item they were made on */
  if (self->item_view != NULL)
    lb_image_canvas_flush_nudge (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)));
  g_set_object (&self->current, item);
  /* The item being worked on keeps its place in the queue until the user moves on */
  if (self->list != NULL)
    lb_item_list_set_pinned (self->list, item != NULL ? lb_item_get_id (item) : 0);
  self->shown_us = g_get_monotonic_time ();
  if (self->item_view != NULL)
    lb_item_view_set_item (LB_ITEM_VIEW (self->item_view), item);
  sync_regions (self);
  reset_panel (self, item);
}

static void
selection_changed_cb (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      LbWindow           *self)
{
  LbItem *item;
  guint pos;

  if (self->selecting)
    return;
  item = gtk_single_selection_get_selected_item (selection);
  pos = gtk_single_selection_get_selected (selection);
  if (item == NULL)
    return;
  if (self->current != NULL && lb_item_get_id (item) == lb_item_get_id (self->current))
    {
      self->current_pos = pos;
      return;
    }
  self->current_pos = pos;
  show_item (self, item);
  prefetch_after (self, pos);
}

static void
list_items_changed_cb (GListModel *model,
                       guint       position,
                       guint       removed,
                       guint       added,
                       LbWindow   *self)
{
  guint pos;

  update_queue_empty (self);

  /* A changed item comes back as a new snapshot, which the selection model
   * takes for another item and unselects: keep the current item selected */
  if (self->current != NULL && lb_item_list_find (self->list, current_id (self), &pos)
      && gtk_single_selection_get_selected (self->selection) != pos)
    {
      self->selecting = TRUE;
      gtk_single_selection_set_selected (self->selection, pos);
      self->selecting = FALSE;
      self->current_pos = pos;
    }
}

/* Store signals */

static void
item_changed_cb (LbStore  *store,
                 gint64    item_id,
                 LbWindow *self)
{
  gint64 start = g_get_monotonic_time ();

  update_header (self);
  g_debug ("item-changed: header updated in %.2f ms", (g_get_monotonic_time () - start) / 1000.0);

  if (self->current != NULL && lb_item_get_id (self->current) == item_id)
    {
      g_autoptr(LbItem) fresh = get_item (self, item_id);

      if (fresh == NULL)
        return;
      g_set_object (&self->current, fresh);
      sync_regions (self);
      if (lb_panel_get_dirty (self->panel))
        lb_panel_show_saved (self->panel, fresh);
      else
        reset_panel (self, fresh);
    }
}

static void
items_added_cb (LbStore  *store,
                gint64    batch_id,
                LbWindow *self)
{
  if (batch_id == self->batch_id)
    update_header (self);

  if (self->importing && self->import_name != NULL)
    {
      guint n = lb_store_count_items (store, batch_id, LB_ITEM_FILTER_ALL);
      g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u item so far",
                                                             "%u items so far", n), n);
      g_autofree char *text = g_strdup_printf ("%s\n%s", self->import_name, count);
      g_autofree char *escaped = g_markup_escape_text (text, -1);

      adw_status_page_set_description (self->import_page, escaped);
    }
}

/* Acts */

typedef struct {
  LbWindow *self;
  gint64    item_id;
  gboolean  fallback;   /* undo: try the previous act when this item has none */
  char    **answers;    /* submit: the answers sent (field id, text, ...), or NULL */
} ActData;

static ActData *
act_data_new (LbWindow *self,
              gint64    item_id)
{
  ActData *data = g_new0 (ActData, 1);

  data->self = g_object_ref (self);
  data->item_id = item_id;
  pending_add (self, item_id);
  self->n_pending++;
  update_save_state (self);
  return data;
}

static void
act_data_finish (ActData      *data,
                 const GError *error)
{
  LbWindow *self = data->self;

  pending_remove (self, data->item_id);
  self->n_pending--;
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (self->error_text);
      self->error_text = g_strdup (error->message);
    }
  else if (error == NULL)
    g_clear_pointer (&self->error_text, g_free);
  update_save_state (self);
}

static void
act_data_free (ActData *data)
{
  g_object_unref (data->self);
  g_strfreev (data->answers);
  g_free (data);
}

static gint64
dwell_ms (LbWindow *self)
{
  return (g_get_monotonic_time () - self->shown_us) / 1000;
}

static gboolean
ensure_actor (LbWindow *self)
{
  if (self->actor != NULL && self->actor[0] != '\0')
    return TRUE;
  lb_window_ask_actor (self);
  return FALSE;
}

/* A submit that failed keeps its answers: the text goes back into the
 * field when the item is shown, to be submitted again; nothing typed is lost */
static void
submit_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ActData *data = user_data;
  LbWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  char **answers = data->answers;

  if (lb_store_submit_finish (LB_STORE (source), result, &error))
    {
      for (guint i = 0; answers != NULL && answers[i] != NULL; i += 2)
        {
          g_autofree char *key = unsaved_key (data->item_id, answers[i]);

          if (g_strcmp0 (g_hash_table_lookup (self->unsaved_answers, key), answers[i + 1]) == 0)
            g_hash_table_remove (self->unsaved_answers, key);
        }
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *msg = NULL;

      g_debug ("submit of item %" G_GINT64_FORMAT " failed: %s", data->item_id, error->message);
      for (guint i = 0; answers != NULL && answers[i] != NULL; i += 2)
        {
          g_hash_table_replace (self->unsaved_answers, unsaved_key (data->item_id, answers[i]),
                                g_strdup (answers[i + 1]));
          if (self->current != NULL && lb_item_get_id (self->current) == data->item_id)
            lb_panel_set_answer (self->panel, answers[i], answers[i + 1]);
        }
      if (answers != NULL && answers[0] != NULL)
        {
          const LbSchemaField *field = self->schema != NULL
                                         ? lb_schema_find_field (self->schema, answers[0])
                                         : NULL;

          /* Translators: an answer field's title, then the reason */
          msg = g_strdup_printf (_("“%s” not saved, the text is kept in the field: %s"),
                                 field != NULL && field->title != NULL ? field->title
                                                                       : answers[0],
                                 error->message);
        }
      else
        msg = g_strdup_printf (_("Not saved: %s"), error->message);
      toast (self, msg);
    }
  act_data_finish (data, error);
  act_data_free (data);
}

static void
history_push (LbWindow *self,
              gint64    item_id)
{
  g_array_append_val (self->history, item_id);
  if (self->history->len > 1000)
    g_array_remove_range (self->history, 0, self->history->len - 1000);
}

/* The answers changed in the panel: field id, text, field id, text, ... */
static GStrv
changed_answers (LbWindow *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; self->schema != NULL && i < lb_schema_get_n_fields (self->schema); i++)
    {
      const char *field = lb_schema_get_field (self->schema, i)->id;
      g_autofree char *text = lb_panel_get_answer (self->panel, field);
      const char *saved = lb_item_get_answer (self->current, field);

      if (text == NULL || g_strcmp0 (text, saved != NULL ? saved : "") == 0)
        continue;
      g_strv_builder_add (builder, field);
      g_strv_builder_add (builder, text);
    }
  return g_strv_builder_end (builder);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  g_auto(GStrv) labels = NULL;
  g_auto(GStrv) answers = NULL;
  g_autofree char *note = NULL;
  const char *decision;
  const char *reason;
  const char *saved_note;
  LbSubmission sub = { 0 };
  ActData *data;
  gboolean had_labels;

  if (self->current == NULL || self->store == NULL)
    return;
  if (!ensure_actor (self))
    return;

  labels = lb_panel_get_labels (self->panel);
  decision = lb_panel_get_decision (self->panel);
  reason = lb_panel_get_reason (self->panel);
  note = lb_panel_get_note (self->panel);
  g_strstrip (note);
  saved_note = lb_item_get_note (self->current);
  had_labels = lb_item_get_labels (self->current)[0] != NULL;
  answers = changed_answers (self);

  if (labels[0] == NULL && decision == NULL && !had_labels && answers[0] == NULL)
    {
      lb_panel_set_message (self->panel, _("Pick a label or a decision first"));
      return;
    }
  if (decision != NULL)
    {
      const LbSchemaDecision *d = lb_schema_find_decision (self->schema, decision);

      if (d != NULL && d->needs_reason && reason == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("Pick a reason for %s"), d->title);

          lb_panel_set_message (self->panel, msg);
          lb_panel_focus_reason (self->panel);
          return;
        }
    }

  sub.labels = (labels[0] != NULL || had_labels) ? (const char * const *) labels : NULL;
  sub.decision = decision;
  sub.reason = decision != NULL ? reason : NULL;
  /* a note emptied in the panel is cleared ("") */
  sub.note = g_strcmp0 (note, saved_note != NULL ? saved_note : "") != 0 ? note : NULL;
  sub.dwell_ms = dwell_ms (self);
  /* the answers are events of the same act: one Ctrl+Z takes the whole submit back */
  sub.answers = answers[0] != NULL ? (const char * const *) answers : NULL;

  data = act_data_new (self, lb_item_get_id (self->current));
  data->answers = g_steal_pointer (&answers);
  lb_store_submit_async (self->store, lb_item_get_id (self->current), self->actor, &sub,
                         self->cancellable, submit_done_cb, data);
  history_push (self, lb_item_get_id (self->current));
  lb_panel_set_message (self->panel, NULL);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  {
    gint64 start = g_get_monotonic_time ();

    advance (self);
    g_debug ("submit: next item set in %.2f ms", (g_get_monotonic_time () - start) / 1000.0);
  }
}

/* Pre-annotations: accepted in a thread (lb_predictions_accept() blocks
 * until each COMMIT returned) */

static void
set_predictions_state (LbWindow                *self,
                       gint64                   item_id,
                       LbPanelPredictionsState  state)
{
  gint64 *key = g_new (gint64, 1);

  *key = item_id;
  g_hash_table_replace (self->predictions, key, GINT_TO_POINTER (state + 1));
}

static void
accept_thread_cb (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ActData *data = task_data;
  const char *actor = g_object_get_data (G_OBJECT (task), "lb-actor");
  LbStore *store = g_object_get_data (G_OBJECT (task), "lb-store");
  GError *error = NULL;

  if (lb_predictions_accept (store, data->item_id, actor, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
accept_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LbWindow *self = LB_WINDOW (source);
  ActData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    set_predictions_state (self, data->item_id, LB_PANEL_PREDICTIONS_ACCEPTED);
  else
    {
      g_autofree char *msg = g_strdup_printf (_("Pre-annotations not accepted: %s"),
                                              error->message);

      g_hash_table_remove (self->predictions, &data->item_id);
      toast (self, msg);
    }
  act_data_finish (data, error);
  if (self->current != NULL && lb_item_get_id (self->current) == data->item_id)
    update_predictions (self);
}

static void
accept_predictions_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  g_autoptr(GTask) task = NULL;
  ActData *data;
  gint64 id;

  if (self->current == NULL || self->store == NULL || !lb_predictions_has (self->current)
      || !ensure_actor (self))
    return;
  id = lb_item_get_id (self->current);
  if (g_hash_table_contains (self->predictions, &id))
    return;
  set_predictions_state (self, id, LB_PANEL_PREDICTIONS_ACCEPTING);
  update_predictions (self);

  data = act_data_new (self, id);
  task = g_task_new (self, NULL, accept_done_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) act_data_free);
  g_object_set_data_full (G_OBJECT (task), "lb-actor", g_strdup (self->actor), g_free);
  g_object_set_data_full (G_OBJECT (task), "lb-store", g_object_ref (self->store),
                          g_object_unref);
  history_push (self, id);
  g_task_run_in_thread (task, accept_thread_cb);
}

static void
skip_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ActData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!lb_store_skip_finish (LB_STORE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    toast (data->self, error->message);
  act_data_finish (data, error);
  act_data_free (data);
}

static void
skip_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  gint64 id;

  if (self->current == NULL || self->store == NULL || !ensure_actor (self))
    return;

  id = lb_item_get_id (self->current);
  lb_store_skip_async (self->store, id, self->actor, dwell_ms (self), self->cancellable,
                       skip_done_cb, act_data_new (self, id));
  history_push (self, id);
  advance (self);
}

static void undo_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
history_remove_last (LbWindow *self,
                     gint64    item_id)
{
  for (guint i = self->history->len; i > 0; i--)
    if (g_array_index (self->history, gint64, i - 1) == item_id)
      {
        g_array_remove_index (self->history, i - 1);
        return;
      }
}

static void
start_undo (LbWindow *self,
            gint64    item_id,
            gboolean  fallback)
{
  ActData *data = act_data_new (self, item_id);

  data->fallback = fallback;
  lb_store_undo_async (self->store, item_id, self->actor, self->cancellable,
                       undo_done_cb, data);
}

static void
undo_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ActData *data = user_data;
  LbWindow *self = data->self;
  g_autoptr(GError) error = NULL;

  if (lb_store_undo_finish (LB_STORE (source), result, &error))
    {
      history_remove_last (self, data->item_id);
      act_data_finish (data, NULL);
      toast (self, _("Undone"));
    }
  else if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID))
    {
      gint64 target = 0;

      /* Nothing to undo on this item: it is not a failed save */
      act_data_finish (data, NULL);
      if (data->fallback)
        {
          history_remove_last (self, data->item_id);
          if (self->history->len > 0)
            target = g_array_index (self->history, gint64, self->history->len - 1);
        }
      if (target != 0)
        {
          go_to_item_id (self, target);
          start_undo (self, target, FALSE);
        }
      else
        toast (self, _("Nothing to undo"));
    }
  else
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      act_data_finish (data, error);
    }
  act_data_free (data);
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  gint64 target;

  /* In review mode the header's Undo undoes the lead's latest review, as Ctrl+Z */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "review") == 0)
    {
      lb_review_view_undo (self->review_view);
      return;
    }
  if (self->store == NULL || self->batch_id == 0 || !ensure_actor (self))
    return;

  /* Nudges not yet sent are the last act */
  if (self->item_view != NULL)
    lb_image_canvas_flush_nudge (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)));
  target = current_id (self);
  if (target == 0 && self->history->len > 0)
    target = g_array_index (self->history, gint64, self->history->len - 1);
  if (target == 0)
    return;
  start_undo (self, target, TRUE);
}

static void
redo_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ActData *data = user_data;
  LbWindow *self = data->self;
  g_autoptr(GError) error = NULL;

  if (lb_store_redo_finish (LB_STORE (source), result, &error))
    {
      act_data_finish (data, NULL);
      toast (self, _("Redone"));
    }
  else if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID))
    {
      act_data_finish (data, NULL);
      toast (self, _("Nothing to redo"));
    }
  else
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      act_data_finish (data, error);
    }
  act_data_free (data);
}

static void
redo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  gint64 target;

  if (self->store == NULL || self->batch_id == 0 || !ensure_actor (self))
    return;
  if (self->item_view != NULL)
    lb_image_canvas_flush_nudge (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)));
  target = current_id (self);
  if (target == 0)
    return;
  lb_store_redo_async (self->store, target, self->actor, self->cancellable,
                       redo_done_cb, act_data_new (self, target));
}

/* Regions */

static gboolean
has_region_tools (LbWindow *self)
{
  return self->schema != NULL
         && (lb_schema_has_tool (self->schema, LB_TOOL_BOX)
             || lb_schema_has_tool (self->schema, LB_TOOL_POLYGON));
}

/* The label new regions get: the last picked one, or the first */
static const char *
current_region_label (LbWindow *self)
{
  if (self->schema == NULL || lb_schema_get_n_labels (self->schema) == 0)
    return NULL;
  if (self->region_label != NULL && lb_schema_find_label (self->schema, self->region_label))
    return self->region_label;
  return lb_schema_get_label (self->schema, 0)->id;
}

static void
region_act_done (ActData      *data,
                 const GError *error)
{
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *msg = g_strdup_printf (_("Not saved: %s"), error->message);

      toast (data->self, msg);
    }
  /* Draw what the store holds (also when the edit was refused) */
  if (error != NULL)
    sync_regions (data->self);
  act_data_finish (data, error);
  act_data_free (data);
}

static void
create_region_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ActData *data = user_data;
  LbWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *region_id = NULL;

  if (lb_store_create_region_finish (LB_STORE (source), result, &region_id, &error)
      && self->current != NULL && lb_item_get_id (self->current) == data->item_id)
    {
      g_autoptr(LbItem) fresh = get_item (self, data->item_id);

      if (fresh != NULL)
        {
          g_set_object (&self->current, fresh);
          sync_regions (self);
          lb_image_canvas_select_region (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)),
                                         region_id);
        }
    }
  region_act_done (data, error);
}

static void
update_region_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  lb_store_update_region_finish (LB_STORE (source), result, &error);
  region_act_done (user_data, error);
}

static void
delete_region_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  lb_store_delete_region_finish (LB_STORE (source), result, &error);
  region_act_done (user_data, error);
}

static void
region_create_cb (LbImageCanvas *canvas,
                  guint          shape,
                  gpointer       coords,
                  guint          n_coords,
                  LbWindow      *self)
{
  LbRegionSpec spec = { 0 };
  gint64 id;

  if (self->store == NULL || self->current == NULL || !ensure_actor (self))
    return;
  spec.label = current_region_label (self);
  if (spec.label == NULL)
    return;
  lb_region_spec_set_shape (&spec, shape, coords, n_coords);
  spec.dwell_ms = dwell_ms (self);
  id = lb_item_get_id (self->current);
  lb_store_create_region_async (self->store, id, self->actor, &spec, self->cancellable,
                                create_region_done_cb, act_data_new (self, id));
}

static void
region_update_cb (LbImageCanvas *canvas,
                  const char    *region_id,
                  guint          shape,
                  gpointer       coords,
                  guint          n_coords,
                  LbWindow      *self)
{
  LbRegionSpec spec = { 0 };
  gint64 id;

  if (self->store == NULL || self->current == NULL || !ensure_actor (self))
    return;
  /* Geometry only: the label and attributes stay */
  lb_region_spec_set_shape (&spec, shape, coords, n_coords);
  spec.dwell_ms = dwell_ms (self);
  id = lb_item_get_id (self->current);
  lb_store_update_region_async (self->store, id, self->actor, region_id, &spec,
                                self->cancellable, update_region_done_cb,
                                act_data_new (self, id));
}

static void
relabel_region (LbWindow   *self,
                const char *region_id,
                const char *label)
{
  LbRegionSpec spec = { 0 };
  gint64 id;

  if (self->store == NULL || self->current == NULL || !ensure_actor (self))
    return;
  spec.label = label;
  spec.shape = LB_REGION_SHAPE_NONE;
  spec.dwell_ms = dwell_ms (self);
  id = lb_item_get_id (self->current);
  lb_store_update_region_async (self->store, id, self->actor, region_id, &spec,
                                self->cancellable, update_region_done_cb,
                                act_data_new (self, id));
}

static void
delete_region (LbWindow   *self,
               const char *region_id)
{
  gint64 id;

  if (self->store == NULL || self->current == NULL || !ensure_actor (self))
    return;
  id = lb_item_get_id (self->current);
  lb_store_delete_region_async (self->store, id, self->actor, region_id, self->cancellable,
                                delete_region_done_cb, act_data_new (self, id));
}

/* Spans */

/* The text view when the current item is a text whose schema has the span tool */
static LbTextView *
span_text_view (LbWindow *self)
{
  LbItemView *view;
  LbTextView *text;

  if (self->item_view == NULL || self->current == NULL || self->schema == NULL)
    return NULL;
  view = LB_ITEM_VIEW (self->item_view);
  text = lb_item_view_get_text_view (view);
  if (!lb_item_view_get_showing_text (view) || !lb_text_view_get_span_mode (text))
    return NULL;
  return text;
}

static void
create_span_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ActData *data = user_data;
  LbWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *span_id = NULL;

  if (lb_store_create_span_finish (LB_STORE (source), result, &span_id, &error)
      && self->current != NULL && lb_item_get_id (self->current) == data->item_id)
    {
      g_autoptr(LbItem) fresh = get_item (self, data->item_id);

      if (fresh != NULL)
        {
          g_set_object (&self->current, fresh);
          sync_regions (self);
          lb_text_view_select_span (lb_item_view_get_text_view (LB_ITEM_VIEW (self->item_view)),
                                    span_id);
        }
    }
  region_act_done (data, error);
}

static void
delete_span_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  lb_store_delete_span_finish (LB_STORE (source), result, &error);
  region_act_done (user_data, error);
}

/* A label's hotkey on selected text: that text becomes a span of the label */
static void
create_span (LbWindow   *self,
             LbTextView *text,
             const char *label,
             gint64      start,
             gint64      end)
{
  const LbSpan *other;
  gint64 id;

  if (self->store == NULL || !ensure_actor (self))
    return;
  other = lb_schema_get_overlapping_spans (self->schema) ? NULL
          : lb_text_view_find_overlap (text, start, end);
  if (other != NULL)
    {
      const LbSchemaLabel *l = lb_schema_find_label (self->schema, other->label);
      g_autofree char *msg =
        /* Translators: the label's title, then the text the existing span covers */
        g_strdup_printf (_("Not marked: the selection overlaps the span “%s” (%s), and spans "
                           "may not overlap in this batch"),
                         other->text, l != NULL && l->title != NULL ? l->title : other->label);

      lb_panel_set_message (self->panel, msg);
      return;
    }
  lb_panel_set_message (self->panel, NULL);
  lb_text_view_clear_text_selection (text);
  id = lb_item_get_id (self->current);
  lb_store_create_span_async (self->store, id, self->actor, label, start, end,
                              self->cancellable, create_span_done_cb, act_data_new (self, id));
}

static void
delete_span (LbWindow   *self,
             const char *span_id)
{
  gint64 id;

  if (self->store == NULL || self->current == NULL || !ensure_actor (self))
    return;
  id = lb_item_get_id (self->current);
  lb_store_delete_span_async (self->store, id, self->actor, span_id, self->cancellable,
                              delete_span_done_cb, act_data_new (self, id));
}

static void
pick_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  const char *what = g_variant_get_string (parameter, NULL);

  if (self->schema == NULL || self->current == NULL)
    return;

  if (g_str_has_prefix (what, "label:"))
    {
      LbTextView *text = span_text_view (self);
      gint64 start, end;

      /* Text selected, then a label picked in the panel: a span */
      if (text != NULL && lb_text_view_get_text_selection (text, &start, &end)
          && lb_schema_find_label (self->schema, what + strlen ("label:")) != NULL)
        {
          create_span (self, text, what + strlen ("label:"), start, end);
          return;
        }
      g_free (self->region_label);
      self->region_label = g_strdup (what + strlen ("label:"));
      /* with the box or polygon tool in hand, the label is the next region's,
       * not one of the item's own */
      if (self->item_view == NULL || lb_item_get_kind (self->current) != LB_ITEM_KIND_IMAGE
          || lb_image_canvas_get_tool (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)))
               == LB_CANVAS_TOOL_SELECT)
        lb_panel_toggle_label (self->panel, what + strlen ("label:"));
    }
  else if (g_str_has_prefix (what, "decision:"))
    {
      const LbSchemaDecision *d = lb_schema_find_decision (self->schema,
                                                           what + strlen ("decision:"));

      if (d != NULL && lb_panel_pick_decision (self->panel, d->id)
          && d->needs_reason && lb_panel_get_decision (self->panel) != NULL
          && lb_panel_get_reason (self->panel) == NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("Pick a reason for %s"), d->title);
          lb_panel_set_message (self->panel, msg);
        }
    }
  else
    {
      guint index;
      LbHotkeyTarget target = lb_schema_lookup_hotkey (self->schema, what, &index);

      if (target == LB_HOTKEY_LABEL)
        lb_panel_toggle_label (self->panel, lb_schema_get_label (self->schema, index)->id);
      else if (target == LB_HOTKEY_DECISION)
        {
          g_autofree char *param = g_strconcat ("decision:",
                                                lb_schema_get_decision (self->schema, index)->id,
                                                NULL);
          pick_action (widget, action_name, g_variant_new_string (param));
        }
    }
}

static void
pick_reason_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);

  if (self->schema == NULL || self->current == NULL)
    return;
  if (lb_panel_pick_reason (self->panel, g_variant_get_string (parameter, NULL)))
    {
      GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

      /* Back to the item so that the next Enter submits */
      if (lb_panel_is_reason_search (self->panel, focus)
          || lb_panel_is_reason_widget (self->panel, focus))
        gtk_window_set_focus (GTK_WINDOW (self), NULL);
    }
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  guint pos;

  if (self->list == NULL)
    return;
  pos = current_position (self);
  if (self->current != NULL && lb_item_list_find (self->list, current_id (self), &pos))
    pos++;
  go_to_position (self, pos);
}

static void
previous_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  guint pos;

  if (self->list == NULL)
    return;
  pos = current_position (self);
  if (pos > 0)
    go_to_position (self, pos - 1);
}

static void
focus_note_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);

  if (self->batch_id != 0)
    lb_panel_focus_note (self->panel);
}

static void
focus_reason_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);

  if (self->batch_id != 0)
    lb_panel_focus_reason (self->panel);
}

/* Filters */

static void
set_filter (LbWindow     *self,
            LbItemFilter  filter)
{
  if (self->filter == filter)
    return;
  self->filter = filter;
  /* queue_loaded () follows, the item shown stays meanwhile */
  if (self->list != NULL)
    lb_item_list_set_filter (self->list, filter);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

/* Opening */

static void
import_finished (LbWindow       *self,
                 LbImportReport *report,
                 GError         *error)
{
  self->importing = FALSE;
  gtk_spinner_stop (self->import_spinner);
  g_clear_object (&self->import_cancellable);

  if (report == NULL)
    {
      if (g_strcmp0 (self->previous_page, "work") == 0 && self->batch_id != 0)
        set_page (self, "work");
      else
        set_page (self, "welcome");
      /* error NULL: already said */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !g_error_matches (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_CANCELLED))
        {
          g_autofree char *msg = g_strdup_printf (_("Cannot import: %s"), error->message);
          toast (self, msg);
        }
      return;
    }

  g_clear_pointer (&self->rejections, g_strfreev);
  if (report->rejections != NULL && report->rejections->len > 0)
    {
      GStrvBuilder *builder = g_strv_builder_new ();
      g_autofree char *title = NULL;
      AdwToast *t;

      for (guint i = 0; i < report->rejections->len; i++)
        g_strv_builder_add (builder, g_ptr_array_index (report->rejections, i));
      self->rejections = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);

      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u item could not be imported",
                                            "%u items could not be imported",
                                            report->rejections->len),
                               report->rejections->len);
      t = adw_toast_new (title);
      adw_toast_set_button_label (t, _("Details"));
      adw_toast_set_action_name (t, "win.show-rejections");
      adw_toast_set_timeout (t, 10);
      adw_toast_overlay_add_toast (self->toast_overlay, t);
    }

  if (!lb_window_open_batch (self, report->batch_id, &error))
    lb_window_show_error (self, _("Cannot Open the Batch"), error->message);
}

/* Opening a folder, a manifest or a seat bundle: the worker sniffs the
 * file (lb_bundle_is_bundle reads its first line) and either merges the
 * bundle into the store (how a team lead collects the seats' work) or
 * imports the folder or manifest. */

typedef struct {
  LbStore        *store;
  char           *path;
  gboolean        is_bundle;
  LbImportReport *report;      /* an import */
  guint64         n_added;     /* a merge: events appended, already there */
  guint64         n_present;
  GArray         *batch_ids;   /* a merge: the store's ids of the bundle's batches */
} OpenData;

static void
open_data_free (OpenData *od)
{
  g_clear_object (&od->store);
  g_free (od->path);
  g_clear_pointer (&od->report, lb_import_report_free);
  g_clear_pointer (&od->batch_ids, g_array_unref);
  g_free (od);
}

/* The ids in STORE of the batches the bundle at PATH carries (its "batch"
 * lines follow the header), read after the merge created them */
static GArray *
bundle_batch_ids (LbStore    *store,
                  const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autoptr(GDataInputStream) data = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean header = TRUE;

  if (in == NULL)
    return ids;
  data = g_data_input_stream_new (G_INPUT_STREAM (in));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (data, NULL, NULL, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(LbBatch) batch = NULL;
      JsonNode *root;
      JsonObject *o;

      if (line == NULL)
        break;
      if (header)
        {
          header = FALSE;
          continue;
        }
      if (!json_parser_load_from_data (parser, line, -1, NULL)
          || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        break;
      o = json_node_get_object (root);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", ""), "batch") != 0)
        break;
      batch = lb_store_find_batch (store, json_object_get_string_member_with_default (o, "name",
                                                                                      ""), NULL);
      if (batch != NULL)
        g_array_append_val (ids, batch->id);
    }
  return ids;
}

static gboolean
show_merging_cb (gpointer user_data)
{
  LbWindow *self = user_data;

  if (self->importing)
    /* Translators: the progress page while a seat bundle is merged into the store */
    adw_status_page_set_title (self->import_page, _("Merging…"));
  return G_SOURCE_REMOVE;
}

static void
open_thread_cb (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  OpenData *od = task_data;
  GError *error = NULL;

  if (lb_bundle_is_bundle (od->path))
    {
      od->is_bundle = TRUE;
      g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT, show_merging_cb,
                                  g_object_ref (source_object), g_object_unref);
      if (!lb_bundle_import (od->store, od->path, &od->n_added, &od->n_present, cancellable,
                             &error))
        {
          g_task_return_error (task, error);
          return;
        }
      od->batch_ids = bundle_batch_ids (od->store, od->path);
      g_task_return_boolean (task, TRUE);
      return;
    }
  od->report = lb_import (od->store, od->path, NULL, NULL, NULL, cancellable, &error);
  if (od->report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
merge_finished (LbWindow *self,
                OpenData *od,
                GError   *error)
{
  g_autofree char *name = g_path_get_basename (od->path);
  g_autofree char *msg = NULL;
  g_autofree char *added = g_strdup_printf ("%" G_GUINT64_FORMAT, od->n_added);
  g_autofree char *present = g_strdup_printf ("%" G_GUINT64_FORMAT, od->n_present);

  if (error != NULL)
    {
      g_autofree char *body = NULL;
      GtkWidget *dialog;

      import_finished (self, NULL, NULL);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Translators: the bundle's file name, then the problem (which names the file and line) */
      body = g_strdup_printf (_("Nothing was merged from %s. %s"), name, error->message);
      /* Translators: heading of the dialog when a seat bundle cannot be merged */
      dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Bundle Not Merged"), body);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  self->importing = FALSE;
  gtk_spinner_stop (self->import_spinner);
  g_clear_object (&self->import_cancellable);
  /* Translators: a toast after merging a seat bundle; the number of events
   * added, the bundle's file name, the number of events the store had already */
  msg = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Merged %s event from %s (%s already present)",
                                      "Merged %s events from %s (%s already present)",
                                      (gulong) od->n_added),
                         added, name, present);
  toast (self, msg);
  if (od->batch_ids != NULL && od->batch_ids->len == 1)
    {
      g_autoptr(GError) local = NULL;

      if (!lb_window_open_batch (self, g_array_index (od->batch_ids, gint64, 0), &local))
        lb_window_show_error (self, _("Cannot Open the Batch"), local->message);
      return;
    }
  /* Several batches (or none): the welcome page lists them all */
  lb_batch_list_refresh (self->batch_list);
  if (g_strcmp0 (self->previous_page, "work") == 0 && self->batch_id != 0)
    set_page (self, "work");
  else
    lb_window_show_welcome (self);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LbWindow *self = LB_WINDOW (source);
  OpenData *od = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (od->is_bundle)
    merge_finished (self, od, error);
  else
    import_finished (self, od->report, error);
}

/* Importing with a label config (a Label Studio XML config or our JSON
 * schema) chosen by the user: the config is read first, so that a broken
 * one is named with its line before anything is imported, and what it says
 * that has no equivalent here is kept apart from the rejected items. */

typedef struct {
  LbStore        *store;
  char           *path;
  char           *config_path;
  LbImportReport *report;
  GPtrArray      *untranslated;   /* of char*, or NULL */
} ConfigImport;

static void
config_import_free (ConfigImport *ci)
{
  g_clear_object (&ci->store);
  g_free (ci->path);
  g_free (ci->config_path);
  g_clear_pointer (&ci->report, lb_import_report_free);
  g_clear_pointer (&ci->untranslated, g_ptr_array_unref);
  g_free (ci);
}

static void
config_import_thread_cb (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  ConfigImport *ci = task_data;
  LbImportOptions options = { NULL, ci->config_path };
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GHashTable) notes = NULL;
  GError *error = NULL;

  if (lb_label_config_is_config (ci->config_path))
    schema = lb_label_config_load (ci->config_path, &ci->untranslated, &error);
  else
    schema = lb_schema_new_from_file (ci->config_path, &error);
  if (schema == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  ci->report = lb_import (ci->store, ci->path, &options, NULL, NULL, cancellable, &error);
  if (ci->report == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* lb_import() lists the untranslated parts among the rejections */
  notes = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; ci->untranslated != NULL && i < ci->untranslated->len; i++)
    g_hash_table_add (notes, g_ptr_array_index (ci->untranslated, i));
  for (guint i = 0; ci->report->rejections != NULL && i < ci->report->rejections->len;)
    {
      if (g_hash_table_contains (notes, g_ptr_array_index (ci->report->rejections, i)))
        g_ptr_array_remove_index (ci->report->rejections, i);
      else
        i++;
    }
  g_task_return_boolean (task, TRUE);
}

static void
notes_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  if (g_strcmp0 (response, "copy") == 0)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (dialog)),
                            g_object_get_data (G_OBJECT (dialog), "lb-text"));
}

/* A dialog with a heading, a body and a list of lines to read or copy */
static GtkWidget *
present_list_dialog (LbWindow   *self,
                     const char *heading,
                     const char *body,
                     const char *text)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 160);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scroller), 520);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_widget_add_css_class (scroller, "card");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "copy", _("C_opy"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_object_set_data_full (G_OBJECT (dialog), "lb-text", g_strdup (text), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (notes_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
config_import_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  LbWindow *self = LB_WINDOW (source);
  ConfigImport *ci = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *config_name = g_path_get_basename (ci->config_path);

  g_clear_pointer (&self->import_notes, g_strfreev);
  if (!g_task_propagate_boolean (G_TASK (result), &error) && error->domain == LB_SCHEMA_ERROR)
    {
      /* The config itself is broken: said in a dialog, with its file and line */
      g_autofree char *body = g_strdup_printf (_("Nothing was imported. %s"), error->message);
      GtkWidget *dialog;

      import_finished (self, NULL, NULL);
      /* Translators: heading of the dialog when a label config cannot be read */
      dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Label Config Not Usable"), body);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  if (error != NULL)
    {
      import_finished (self, NULL, error);
      return;
    }

  if (ci->untranslated != NULL && ci->untranslated->len > 0)
    {
      GStrvBuilder *builder = g_strv_builder_new ();

      for (guint i = 0; i < ci->untranslated->len; i++)
        g_strv_builder_add (builder, g_ptr_array_index (ci->untranslated, i));
      self->import_notes = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
    }
  import_finished (self, ci->report, NULL);

  if (self->import_notes != NULL)
    {
      g_autofree char *text = g_strjoinv ("\n", self->import_notes);
      g_autofree char *body = NULL;
      guint n = g_strv_length (self->import_notes);

      /* Translators: the batch's name, the config file's name, the number of parts */
      body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "“%s” was imported with the labels of %s. "
                                           "This part of the config has no equivalent in "
                                           "Labelbench and is not in the batch's schema:",
                                           "“%s” was imported with the labels of %s. "
                                           "These %u parts of the config have no equivalent in "
                                           "Labelbench and are not in the batch's schema:", n),
                              ci->report->batch_name, config_name, n);
      present_list_dialog (self, _("Label Config Partly Translated"), body, text);
    }
}

void
lb_window_import (LbWindow *self,
                  GFile    *file)
{
  lb_window_import_with_config (self, file, NULL);
}

void
lb_window_import_with_config (LbWindow *self,
                              GFile    *file,
                              GFile    *config)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *config_path = NULL;

  g_return_if_fail (LB_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (config == NULL || G_IS_FILE (config));

  if (self->store == NULL)
    {
      toast (self, _("No store is open"));
      return;
    }
  if (self->importing)
    {
      toast (self, _("An import is already running"));
      return;
    }
  path = g_file_get_path (file);
  config_path = config != NULL ? g_file_get_path (config) : NULL;
  if (path == NULL || (config != NULL && config_path == NULL))
    {
      toast (self, _("Only local files can be imported"));
      return;
    }

  name = g_file_get_basename (file);
  g_free (self->previous_page);
  self->previous_page = g_strdup (gtk_stack_get_visible_child_name (self->stack));
  adw_status_page_set_description (self->import_page, NULL);
  adw_status_page_set_title (self->import_page, _("Importing…"));
  g_free (self->import_name);
  self->import_name = g_strdup (name);
  {
    g_autofree char *escaped = g_markup_escape_text (name, -1);
    adw_status_page_set_description (self->import_page, escaped);
  }
  gtk_spinner_start (self->import_spinner);
  set_page (self, "import");
  self->importing = TRUE;
  self->import_cancellable = g_cancellable_new ();
  if (config_path != NULL)
    {
      ConfigImport *ci = g_new0 (ConfigImport, 1);
      g_autoptr(GTask) task = g_task_new (self, self->import_cancellable,
                                          config_import_done_cb, NULL);

      ci->store = g_object_ref (self->store);
      ci->path = g_steal_pointer (&path);
      ci->config_path = g_steal_pointer (&config_path);
      g_task_set_task_data (task, ci, (GDestroyNotify) config_import_free);
      /* The report is what counts, even if cancelled after the last chunk */
      g_task_set_return_on_cancel (task, FALSE);
      g_task_set_check_cancellable (task, FALSE);
      g_task_run_in_thread (task, config_import_thread_cb);
      return;
    }
  {
    OpenData *od = g_new0 (OpenData, 1);
    g_autoptr(GTask) task = g_task_new (self, self->import_cancellable, open_done_cb, NULL);

    od->store = g_object_ref (self->store);
    od->path = g_steal_pointer (&path);
    g_task_set_task_data (task, od, (GDestroyNotify) open_data_free);
    g_task_set_return_on_cancel (task, FALSE);
    g_task_set_check_cancellable (task, FALSE);
    g_task_run_in_thread (task, open_thread_cb);
  }
}

char *
lb_window_get_demo_dir (void)
{
  const char *env = g_getenv ("LABELBENCH_DEMO_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (g_file_test (LB_DEMO_DIR, G_FILE_TEST_IS_DIR))
    return g_strdup (LB_DEMO_DIR);
  return g_strdup (LB_SOURCE_DEMO_DIR);
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     LbWindow        *self)
{
  g_autoptr(GFile) config = g_steal_pointer (&self->chosen_config);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        lb_window_import_with_config (self, file, config);
    }
  gtk_native_dialog_destroy (dialog);
  if (self->chooser == dialog)
    g_clear_object (&self->chooser);
}

static void open_chooser (LbWindow *self, gboolean folder);

/* Step one of opening with a label config: the config; step two is the
 * folder or manifest (the dialog's "lb-folder"). */
static void
config_chooser_response_cb (GtkNativeDialog *dialog,
                            int              response,
                            LbWindow        *self)
{
  gboolean folder = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "lb-folder"));
  g_autoptr(GFile) config = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    config = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  if (self->chooser == dialog)
    g_clear_object (&self->chooser);
  if (config == NULL)
    return;
  open_chooser (self, folder);
  if (self->chooser != NULL)
    g_set_object (&self->chosen_config, config);
}

static void
open_config_chooser (LbWindow *self,
                     gboolean  folder)
{
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) configs = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  /* Translators: title of the file chooser for a label config, before the folder or manifest */
  native = gtk_file_chooser_native_new (_("Choose a Label Config"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Next"), _("_Cancel"));
  gtk_file_filter_set_name (configs, _("Label configs (Label Studio XML, schema JSON)"));
  gtk_file_filter_add_pattern (configs, "*.xml");
  gtk_file_filter_add_pattern (configs, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), configs);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_object_set_data (G_OBJECT (native), "lb-folder", GINT_TO_POINTER (folder));
  g_signal_connect (native, "response", G_CALLBACK (config_chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (self->chooser);
}

static void
open_with_config_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  open_config_chooser (LB_WINDOW (widget),
                       g_strcmp0 (action_name, "win.open-folder-with-config") == 0);
}

static void
open_chooser (LbWindow *self,
              gboolean  folder)
{
  GtkFileChooserNative *native;

  if (self->chooser != NULL)
    return;
  native = gtk_file_chooser_native_new (folder ? _("Open Folder") : _("Open Manifest"),
                                        GTK_WINDOW (self),
                                        folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                               : GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  if (!folder)
    {
      g_autoptr(GtkFileFilter) manifests = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (manifests, _("Manifests and seat bundles (JSONL, CSV, LBBUNDLE)"));
      gtk_file_filter_add_pattern (manifests, "*.jsonl");
      gtk_file_filter_add_pattern (manifests, "*.lbbundle");
      gtk_file_filter_add_pattern (manifests, "*.csv");
      gtk_file_filter_add_pattern (manifests, "*.json");
      gtk_file_filter_add_mime_type (manifests, "text/csv");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), manifests);
      gtk_file_filter_set_name (all, _("All Files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (self->chooser);
}

/* Locating a batch's files (they moved, or the batch came in a seat bundle
 * from another seat): the batch points at the folder chosen, and what is
 * shown is read again from the store with the new paths */

static void
batch_relocated_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LbWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbBatch) batch = NULL;

  if (!lb_store_set_batch_root_finish (LB_STORE (source), result, &error))
    {
      toast (self, error->message);
      return;
    }
  if (self->store != LB_STORE (source) || self->batch_id == 0)
    return;
  batch = lb_store_get_batch (self->store, self->batch_id, &error);
  if (batch == NULL)
    {
      toast (self, error->message);
      return;
    }
  g_free (self->batch_root);
  self->batch_root = g_strdup (batch->root);
  lb_image_loader_set_root (self->loader, self->batch_root);
  /* Translators: %s is a folder */
  {
    g_autofree char *display = g_filename_display_name (batch->root);
    g_autofree char *msg = g_strdup_printf (_("The batch’s files are now read from %s"),
                                            display);
    toast (self, msg);
  }

  /* A new queue: its items carry the new paths; the item shown comes back */
  self->queue_keep = current_id (self);
  g_clear_object (&self->current);
  build_queue (self);
  if (g_strcmp0 (self->mode, "review") == 0)
    lb_review_view_reload (self->review_view);
}

void
lb_window_relocate_batch (LbWindow *self,
                          GFile    *folder)
{
  g_autofree char *path = NULL;

  g_return_if_fail (LB_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (folder));

  path = g_file_get_path (folder);
  if (self->store == NULL || self->batch_id == 0 || path == NULL)
    return;
  lb_store_set_batch_root_async (self->store, self->batch_id, path, self->cancellable,
                                 batch_relocated_cb, g_object_ref (self));
}

static void
locate_chooser_response_cb (GtkNativeDialog *dialog,
                            int              response,
                            LbWindow        *self)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  if (self->chooser == dialog)
    g_clear_object (&self->chooser);
  if (folder != NULL)
    lb_window_relocate_batch (self, folder);
}

static void
locate_batch_folder_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  GtkFileChooserNative *native;
  g_autofree char *title = NULL;

  if (self->chooser != NULL || self->store == NULL || self->batch_id == 0)
    return;
  /* Translators: title of the folder chooser; %s is the batch's name */
  title = g_strdup_printf (_("Locate the Folder of “%s”"), self->batch_name);
  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (locate_chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (self->chooser);
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  open_chooser (LB_WINDOW (widget), TRUE);
}

static void
open_manifest_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  open_chooser (LB_WINDOW (widget), FALSE);
}

static void
open_demo_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_autofree char *dir = lb_window_get_demo_dir ();
  g_autoptr(GFile) file = g_file_new_for_path (dir);

  lb_window_import (LB_WINDOW (widget), file);
}

static void
cancel_import_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);

  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
}

static void
rejections_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        gpointer          user_data)
{
  if (g_strcmp0 (response, "copy") == 0)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (dialog)),
                            g_object_get_data (G_OBJECT (dialog), "lb-text"));
}

static void
show_rejections_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  g_autofree char *text = NULL;
  GtkWidget *dialog;
  GtkWidget *scroller;
  GtkWidget *view;

  if (self->rejections == NULL)
    return;

  text = g_strjoinv ("\n", self->rejections);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Items Not Imported"),
                                   _("These lines of the batch were left out. "
                                     "The other items were imported."));
  view = gtk_text_view_new ();
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 200);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scroller), 460);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_widget_add_css_class (scroller, "card");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "copy", _("C_opy"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_object_set_data_full (G_OBJECT (dialog), "lb-text", g_steal_pointer (&text), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (rejections_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         LbWindow      *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  lb_window_import (self, G_FILE (files->data));
  if (files->next != NULL)
    toast (self, _("Only the first dropped item was opened"));
  return TRUE;
}

/* Keyboard */

gboolean
lb_window_handle_hotkey (LbWindow   *self,
                         const char *key)
{
  guint index;
  LbHotkeyTarget target;
  g_autofree char *param = NULL;

  g_return_val_if_fail (LB_IS_WINDOW (self), FALSE);

  if (self->schema == NULL || key == NULL || key[0] == '\0' || self->current == NULL)
    return FALSE;
  target = lb_schema_lookup_hotkey (self->schema, key, &index);
  if (target == LB_HOTKEY_LABEL)
    param = g_strconcat ("label:", lb_schema_get_label (self->schema, index)->id, NULL);
  else if (target == LB_HOTKEY_DECISION)
    param = g_strconcat ("decision:", lb_schema_get_decision (self->schema, index)->id, NULL);
  else
    return FALSE;
  return gtk_widget_activate_action (GTK_WIDGET (self), "win.pick", "s", param);
}

static gboolean
is_text_widget (GtkWidget *widget)
{
  return widget != NULL && (GTK_IS_EDITABLE (widget) || GTK_IS_TEXT_VIEW (widget));
}

/* Image view */

#define PAN_STEP 64   /* logical pixels per arrow key press */

static LbImageCanvas *
image_canvas (LbWindow *self)
{
  LbItemView *view = LB_ITEM_VIEW (self->item_view);

  return lb_item_view_get_showing_image (view) ? lb_item_view_get_canvas (view) : NULL;
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbImageCanvas *canvas = image_canvas (LB_WINDOW (widget));

  if (canvas == NULL)
    return;
  if (g_str_equal (action_name, "win.zoom-in"))
    lb_image_canvas_zoom_in (canvas);
  else if (g_str_equal (action_name, "win.zoom-out"))
    lb_image_canvas_zoom_out (canvas);
  else if (g_str_equal (action_name, "win.zoom-fit"))
    lb_image_canvas_zoom_fit (canvas);
  else if (g_str_equal (action_name, "win.zoom-original"))
    lb_image_canvas_zoom_one_to_one (canvas);
}

static void
end_space (LbWindow *self,
           gboolean  may_skip)
{
  LbImageCanvas *canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view));
  gboolean panned = lb_image_canvas_get_space_panned (canvas);

  if (!self->space_pending)
    return;
  self->space_pending = FALSE;
  lb_image_canvas_set_space_held (canvas, FALSE);
  /* Only the item it went down on (not one moved to meanwhile) */
  if (may_skip && !panned && self->current != NULL
      && lb_item_get_id (self->current) == self->space_item_id)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.skip", NULL);
}

static void
key_released_cb (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 LbWindow              *self)
{
  if (keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Space)
    end_space (self, TRUE);
}

static void
active_changed_cb (GtkWindow  *window,
                   GParamSpec *pspec,
                   LbWindow   *self)
{
  /* The release may never come to us: no skip then. */
  if (!gtk_window_is_active (window))
    end_space (self, FALSE);
}

/* Keys for the image when it is zoomed in; FALSE when not one of them. */
static gboolean
handle_image_key (LbWindow        *self,
                  guint            keyval,
                  GdkModifierType  state)
{
  LbImageCanvas *canvas = image_canvas (self);
  double step = PAN_STEP * ((state & GDK_SHIFT_MASK) ? 4 : 1);

  if (canvas == NULL)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      lb_image_canvas_zoom_in (canvas);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      lb_image_canvas_zoom_out (canvas);
      return TRUE;
    default:
      break;
    }

  /* Arrows pan only when there is something to pan (and, later, nothing
   * is selected); otherwise Up and Down move in the queue. */
  if (!lb_image_canvas_get_zoomed_in (canvas))
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Left:
      lb_image_canvas_pan (canvas, step, 0);
      return TRUE;
    case GDK_KEY_Right:
      lb_image_canvas_pan (canvas, -step, 0);
      return TRUE;
    case GDK_KEY_Up:
      lb_image_canvas_pan (canvas, 0, step);
      return TRUE;
    case GDK_KEY_Down:
      lb_image_canvas_pan (canvas, 0, -step);
      return TRUE;
    case GDK_KEY_space:
    case GDK_KEY_KP_Space:
      if (!self->space_pending && self->current != NULL)
        {
          self->space_pending = TRUE;
          self->space_item_id = lb_item_get_id (self->current);
          lb_image_canvas_set_space_held (canvas, TRUE);
        }
      return TRUE;
    default:
      return FALSE;
    }
}

/* Keys of the region tools; FALSE when not one of them */
static gboolean
handle_region_key (LbWindow        *self,
                   guint            keyval,
                   GdkModifierType  state,
                   const char      *key)
{
  LbImageCanvas *canvas = image_canvas (self);
  const char *selected;
  double step = (state & GDK_SHIFT_MASK) ? 10 : 1;
  guint index;

  if (canvas == NULL || !has_region_tools (self) || self->current == NULL)
    return FALSE;
  selected = lb_image_canvas_get_selected_region (canvas);

  /* B and P pick the tools when the schema enables them (the schema
   * refuses them as hotkeys then) */
  if ((keyval == GDK_KEY_b || keyval == GDK_KEY_B)
      && lb_schema_has_tool (self->schema, LB_TOOL_BOX))
    {
      lb_window_set_tool (self, LB_CANVAS_TOOL_BOX);
      return TRUE;
    }
  if ((keyval == GDK_KEY_p || keyval == GDK_KEY_P)
      && lb_schema_has_tool (self->schema, LB_TOOL_POLYGON))
    {
      lb_window_set_tool (self, LB_CANVAS_TOOL_POLYGON);
      return TRUE;
    }

  switch (keyval)
    {
    case GDK_KEY_Escape:
      if (lb_image_canvas_cancel (canvas))
        return TRUE;
      if (lb_image_canvas_get_tool (canvas) != LB_CANVAS_TOOL_SELECT)
        {
          lb_window_set_tool (self, LB_CANVAS_TOOL_SELECT);
          return TRUE;
        }
      return FALSE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      /* Enter closes a polygon; while drawing it never submits */
      if (lb_image_canvas_close_polygon (canvas))
        return TRUE;
      return lb_image_canvas_get_drawing (canvas);
    case GDK_KEY_BackSpace:
      return lb_image_canvas_remove_last_vertex (canvas);
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      if (selected == NULL)
        return FALSE;
      delete_region (self, selected);
      return TRUE;
    case GDK_KEY_Tab:
    case GDK_KEY_ISO_Left_Tab:
    case GDK_KEY_KP_Tab:
      /* Inside the panel, Tab moves the focus as usual */
      {
        GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

        if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->panel)))
          return FALSE;
      }
      return lb_image_canvas_cycle_selection (canvas, keyval == GDK_KEY_ISO_Left_Tab
                                                      || (state & GDK_SHIFT_MASK));
    case GDK_KEY_Left:
      return lb_image_canvas_nudge (canvas, -step, 0);
    case GDK_KEY_Right:
      return lb_image_canvas_nudge (canvas, step, 0);
    case GDK_KEY_Up:
      return lb_image_canvas_nudge (canvas, 0, -step);
    case GDK_KEY_Down:
      return lb_image_canvas_nudge (canvas, 0, step);
    default:
      break;
    }

  /* A label's hotkey relabels the selected region */
  if (selected != NULL && key != NULL && key[0] != '\0'
      && lb_schema_lookup_hotkey (self->schema, key, &index) == LB_HOTKEY_LABEL)
    {
      const char *label = lb_schema_get_label (self->schema, index)->id;

      g_free (self->region_label);
      self->region_label = g_strdup (label);
      lb_image_canvas_flush_nudge (canvas);
      relabel_region (self, selected, label);
      return TRUE;
    }
  return FALSE;
}

/* Keys of a text with the span tool; FALSE when not one of them */
static gboolean
handle_span_key (LbWindow        *self,
                 guint            keyval,
                 GdkModifierType  state,
                 const char      *key)
{
  LbTextView *text = span_text_view (self);
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));
  gboolean shift = (state & GDK_SHIFT_MASK) != 0;
  const char *selected;
  gint64 start, end;
  guint index;

  if (text == NULL)
    return FALSE;
  selected = lb_text_view_get_selected_span (text);

  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      /* Without Shift, Up and Down move in the queue */
      if (!shift)
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      /* The caret shows where the selection goes */
      if (focus != GTK_WIDGET (text))
        gtk_widget_grab_focus (GTK_WIDGET (text));
      return lb_text_view_move_caret (text, keyval, FALSE, shift);
    case GDK_KEY_Escape:
      if (lb_text_view_get_text_selection (text, NULL, NULL))
        lb_text_view_clear_text_selection (text);
      else if (selected != NULL)
        lb_text_view_select_span (text, NULL);
      else if (focus == GTK_WIDGET (text))
        gtk_window_set_focus (GTK_WINDOW (self), NULL);
      else
        return FALSE;
      return TRUE;
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      if (selected == NULL)
        return FALSE;
      delete_span (self, selected);
      return TRUE;
    case GDK_KEY_Tab:
    case GDK_KEY_ISO_Left_Tab:
    case GDK_KEY_KP_Tab:
      /* Inside the panel, Tab moves the focus as usual */
      if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->panel)))
        return FALSE;
      return lb_text_view_cycle_selection (text, keyval == GDK_KEY_ISO_Left_Tab || shift);
    default:
      break;
    }

  if (key == NULL || key[0] == '\0'
      || lb_schema_lookup_hotkey (self->schema, key, &index) != LB_HOTKEY_LABEL)
    return FALSE;

  /* A label's hotkey marks the selected text; without a selection it picks
   * the class label as usual */
  if (lb_text_view_get_text_selection (text, &start, &end))
    {
      create_span (self, text, lb_schema_get_label (self->schema, index)->id, start, end);
      return TRUE;
    }
  if (!lb_schema_has_tool (self->schema, LB_TOOL_CLASS))
    {
      lb_panel_set_message (self->panel,
                            _("Select some text first (drag, or Shift+arrows), then press "
                              "the label’s key"));
      return TRUE;
    }
  return FALSE;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                LbWindow              *self)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));
  GdkModifierType mods = state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK);
  gboolean working = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "work") == 0;
  gunichar c;
  char buf[8] = { 0 };

  /* The review mode has keys of its own (A, F, R, G, Ctrl+Z, ...) */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "review") == 0)
    return lb_review_view_handle_key (self->review_view, keyval, state);

  /* The span text takes the focus for its caret, yet the window's keys
   * work there as anywhere on the item */
  if (is_text_widget (focus) && !LB_IS_TEXT_VIEW (focus))
    {
      if (keyval == GDK_KEY_Escape && mods == 0)
        {
          gtk_window_set_focus (GTK_WINDOW (self), NULL);
          return TRUE;
        }
      if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter)
          && mods == 0 && !(state & GDK_SHIFT_MASK)
          && lb_panel_is_note_widget (self->panel, focus))
        {
          gtk_widget_activate_action (GTK_WIDGET (self), "win.submit", NULL);
          return TRUE;
        }
      if (keyval == GDK_KEY_Down && lb_panel_is_reason_search (self->panel, focus))
        return gtk_widget_child_focus (GTK_WIDGET (self->panel), GTK_DIR_TAB_FORWARD);
      return FALSE;
    }

  if (mods != 0)
    return FALSE;

  c = gdk_keyval_to_unicode (keyval);
  if (c == '?')
    return gtk_widget_activate_action (GTK_WIDGET (self), "win.show-help-overlay", NULL);

  if (!working)
    return FALSE;

  if (c != 0 && g_unichar_isgraph (c))
    g_unichar_to_utf8 (c, buf);
  if (!lb_panel_is_reason_widget (self->panel, focus)
      && (handle_region_key (self, keyval, state, buf)
          || handle_span_key (self, keyval, state, buf)))
    return TRUE;

  if (c != 0 && g_unichar_isgraph (c))
    {
      if (lb_window_handle_hotkey (self, buf))
        return TRUE;
    }

  /* Inside the reason list, Enter, Space and arrows work the list */
  if (lb_panel_is_reason_widget (self->panel, focus))
    return FALSE;

  /* Space held down repeats: it still counts as one press. */
  if (self->space_pending && (keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Space))
    return TRUE;

  if (handle_image_key (self, keyval, state))
    return TRUE;

  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.submit", NULL);
      return TRUE;
    case GDK_KEY_space:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.skip", NULL);
      return TRUE;
    case GDK_KEY_j:
    case GDK_KEY_J:
    case GDK_KEY_Down:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.next", NULL);
      return TRUE;
    case GDK_KEY_k:
    case GDK_KEY_K:
    case GDK_KEY_Up:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.previous", NULL);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
set_tool_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  const char *name = g_variant_get_string (parameter, NULL);

  if (g_str_equal (name, "box"))
    lb_window_set_tool (LB_WINDOW (widget), LB_CANVAS_TOOL_BOX);
  else if (g_str_equal (name, "polygon"))
    lb_window_set_tool (LB_WINDOW (widget), LB_CANVAS_TOOL_POLYGON);
  else
    lb_window_set_tool (LB_WINDOW (widget), LB_CANVAS_TOOL_SELECT);
}

static void
set_region_attributes_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  LbImageCanvas *canvas;
  LbRegionSpec spec = { 0 };
  const char *region_id;
  gint64 id;

  if (self->store == NULL || self->current == NULL || self->item_view == NULL
      || !ensure_actor (self))
    return;
  canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view));
  region_id = lb_image_canvas_get_selected_region (canvas);
  if (region_id == NULL)
    return;
  spec.shape = LB_REGION_SHAPE_NONE;
  spec.attributes = g_variant_get_string (parameter, NULL);
  spec.dwell_ms = dwell_ms (self);
  id = lb_item_get_id (self->current);
  lb_store_update_region_async (self->store, id, self->actor, region_id, &spec,
                                self->cancellable, update_region_done_cb,
                                act_data_new (self, id));
}

static void
region_selection_changed_cb (LbImageCanvas *canvas,
                             LbWindow      *self)
{
  const char *id = lb_image_canvas_get_selected_region (canvas);

  lb_panel_set_selected_region (self->panel, id != NULL && self->current != NULL
                                             ? lb_item_find_region (self->current, id) : NULL);
}

void
lb_window_set_tool (LbWindow     *self,
                    LbCanvasTool  tool)
{
  g_return_if_fail (LB_IS_WINDOW (self));

  if (self->item_view == NULL)
    return;
  lb_image_canvas_set_tool (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), tool);
  lb_panel_set_tool (self->panel, tool);
}

GtkEventController *
lb_window_get_key_controller (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->key_controller;
}

/* Export and Preferences */

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  LbExportDialog *dialog;

  if (self->store == NULL)
    return;
  dialog = lb_export_dialog_new (GTK_WINDOW (self), self->toast_overlay, self->store,
                                 self->batch_id);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A batch already in the store: the welcome page's list, Switch Batch */
static void
batch_activated_cb (LbBatchList *list,
                    gint64       batch_id,
                    LbWindow    *self)
{
  g_autoptr(GError) error = NULL;

  if (self->store == NULL || self->importing)
    return;
  if (batch_id == self->batch_id && g_strcmp0 (lb_window_get_page (self), "work") == 0)
    return;
  if (!lb_window_open_batch (self, batch_id, &error))
    lb_window_show_error (self, _("Cannot Open the Batch"), error->message);
}

static void
switch_batch_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);
  GtkWidget *list;
  GtkWindow *dialog;

  if (self->store == NULL || self->importing)
    return;
  list = lb_batch_list_new ();
  lb_batch_list_set_current (LB_BATCH_LIST (list), self->batch_id);
  lb_batch_list_set_store (LB_BATCH_LIST (list), self->store);
  g_signal_connect_object (list, "batch-activated", G_CALLBACK (batch_activated_cb), self, 0);
  dialog = lb_batch_list_dialog_new (GTK_WINDOW (self), LB_BATCH_LIST (list));
  gtk_window_present (dialog);
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LbWindow *self = LB_WINDOW (widget);

  if (self->settings != NULL)
    gtk_window_present (GTK_WINDOW (lb_preferences_new (GTK_WINDOW (self), self->settings)));
}

/* Who is labelling */

static void
actor_entry_changed_cb (GtkEditable      *entry,
                        AdwMessageDialog *dialog)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "continue", text[0] != '\0');
}

static void
actor_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   LbWindow         *self)
{
  GtkWidget *entry = adw_message_dialog_get_extra_child (dialog);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (g_strcmp0 (response, "continue") == 0 && name[0] != '\0')
    {
      lb_window_set_actor (self, name);
      if (self->settings != NULL)
        g_settings_set_string (self->settings, "actor", name);
    }
  self->actor_dialog = NULL;
}

void
lb_window_ask_actor (LbWindow *self)
{
  GtkWidget *dialog;
  GtkWidget *entry;

  g_return_if_fail (LB_IS_WINDOW (self));

  if (self->actor_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->actor_dialog));
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Who Is Labelling?"),
                                   _("Every decision you make is signed with this name, "
                                     "so that your work can be counted and reviewed. "
                                     "You are asked only once."));
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Your name"));
  gtk_entry_set_max_length (GTK_ENTRY (entry), 100);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "later", _("_Later"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "continue", _("_Continue"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "continue",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "continue");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "later");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "continue", FALSE);
  g_signal_connect (entry, "changed", G_CALLBACK (actor_entry_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (actor_response_cb), self);
  self->actor_dialog = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* Public API */

LbWindow *
lb_window_new (GtkApplication *app)
{
  return g_object_new (LB_TYPE_WINDOW, "application", app, NULL);
}

void
lb_window_set_settings (LbWindow  *self,
                        GSettings *settings)
{
  g_return_if_fail (LB_IS_WINDOW (self));

  if (!g_set_object (&self->settings, settings) || settings == NULL)
    return;
  g_clear_object (&self->loader);
  self->loader = lb_image_loader_new ((gsize) g_settings_get_uint (settings, "image-cache-mb")
                                      * 1024 * 1024,
                                      CLAMP (g_get_num_processors (), 1, 4));
  lb_image_loader_set_root (self->loader, self->batch_root);
  lb_item_view_set_image_loader (LB_ITEM_VIEW (self->item_view), self->loader);
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", TRUE);
  lb_sync_indicator_set_settings (self->sync_indicator, settings);
}

/* Actions that read or write the store do nothing useful without one:
 * the header buttons show them greyed out instead. */
static void
update_store_actions (LbWindow *self)
{
  static const char * const actions[] = {
    "win.open-folder", "win.open-manifest", "win.open-demo",
    "win.open-folder-with-config", "win.open-manifest-with-config",
    "win.submit", "win.skip", "win.undo", "win.redo", "win.export", "win.switch-batch",
  };
  gboolean has_store = self->store != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), actions[i], has_store);
}

void
lb_window_set_store (LbWindow *self,
                     LbStore  *store)
{
  g_return_if_fail (LB_IS_WINDOW (self));

  if (self->store == store)
    return;
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->store, store);
  update_store_actions (self);
  lb_sync_indicator_set_store (self->sync_indicator, store);
  lb_batch_list_set_store (self->batch_list, store);
  if (store != NULL)
    {
      g_signal_connect_object (store, "item-changed", G_CALLBACK (item_changed_cb), self, 0);
      g_signal_connect_object (store, "items-added", G_CALLBACK (items_added_cb), self, 0);
      if (self->batch_id == 0)
        set_page (self, "welcome");
    }
}

LbStore *
lb_window_get_store (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->store;
}

void
lb_window_show_error (LbWindow   *self,
                      const char *title,
                      const char *message)
{
  g_autofree char *escaped = NULL;

  g_return_if_fail (LB_IS_WINDOW (self));

  g_free (self->error_text);
  self->error_text = NULL;
  g_free (self->previous_page);
  self->previous_page = NULL;
  escaped = g_markup_escape_text (message ? message : "", -1);
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, escaped);
  g_object_set_data_full (G_OBJECT (self->error_page), "lb-text",
                          g_strdup (message ? message : ""), g_free);
  set_page (self, "error");
}

void
lb_window_show_store_error (LbWindow     *self,
                            const GError *error)
{
  const char *title = _("Cannot Open the Store");

  g_return_if_fail (LB_IS_WINDOW (self));

  if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_LOCKED))
    title = _("The Store Is in Use");
  else if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT))
    title = _("The Store Is Damaged");
  else if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_TOO_NEW))
    title = _("The Store Needs a Newer Labelbench");
  lb_window_show_error (self, title, error ? error->message : "");
}

void
lb_window_show_welcome (LbWindow *self)
{
  g_return_if_fail (LB_IS_WINDOW (self));
  set_page (self, "welcome");
}

/* The queue's ids have arrived (a batch opened, another filter or
 * annotator): show queue_keep, else keep the item shown when it is in the
 * queue, else go to the first item to do. With nothing in the queue the item
 * shown stays. */
static void
queue_loaded (LbWindow *self)
{
  gint64 keep = self->queue_keep != 0 ? self->queue_keep : current_id (self);
  guint pos;

  self->queue_keep = 0;
  update_queue_empty (self);
  if (keep != 0 && lb_item_list_find (self->list, keep, &pos))
    {
      if (current_id (self) != keep)
        {
          go_to_position (self, pos);
          return;
        }
      self->selecting = TRUE;
      gtk_single_selection_set_selected (self->selection, pos);
      self->selecting = FALSE;
      self->current_pos = pos;
      gtk_widget_activate_action (GTK_WIDGET (self->queue_view), "list.scroll-to-item", "u", pos);
      return;
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (self->list)) == 0 && self->current != NULL)
    return;

  self->current_pos = 0;
  g_clear_object (&self->current);
  if (find_next_todo (self, 0, &pos))
    go_to_position (self, pos);
  else
    go_to_position (self, 0);
  if (self->current == NULL)
    show_item (self, NULL);
}

static void
queue_loading_cb (LbItemList *list,
                  GParamSpec *pspec,
                  LbWindow   *self)
{
  if (!lb_item_list_get_loading (list))
    queue_loaded (self);
}

/* The label mode's queue for the open batch: with overlap > 1 the actor's
 * blind queue (lb_item_list_new_for_actor ()), else the batch's items. Its
 * ids are read in a worker thread; queue_loaded () follows. */
static void
build_queue (LbWindow *self)
{
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->list);
  self->count_serial++;
  if (self->blind)
    {
      /* No count of another annotator's or batch's progress meanwhile */
      g_clear_pointer (&self->subtitle, g_free);
      adw_window_title_set_subtitle (self->window_title, "");
    }
  if (self->blind)
    self->list = lb_item_list_new_for_actor (self->store, self->batch_id, blind_actor (self),
                                             self->filter);
  else
    self->list = lb_item_list_new (self->store, self->batch_id, self->filter);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->list)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;
  g_signal_connect (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect (self->list, "items-changed", G_CALLBACK (list_items_changed_cb), self);
  g_signal_connect (self->list, "notify::loading", G_CALLBACK (queue_loading_cb), self);
  gtk_list_view_set_model (self->queue_view, GTK_SELECTION_MODEL (self->selection));
}

void
lb_window_set_actor (LbWindow   *self,
                     const char *actor)
{
  g_autofree char *previous = NULL;

  g_return_if_fail (LB_IS_WINDOW (self));

  previous = self->actor;
  self->actor = (actor != NULL && actor[0] != '\0') ? g_strdup (actor) : NULL;
  if (!self->blind || self->store == NULL || self->batch_id == 0
      || g_strcmp0 (previous, self->actor) == 0)
    return;

  /* Blind labelling: another annotator's queue, and nothing of the
   * previous one's work left on screen; the item shown stays when it is in
   * the new queue (the name asked for at the first act), shown as the new
   * annotator sees it */
  self->queue_keep = current_id (self);
  g_clear_object (&self->current);
  g_array_set_size (self->history, 0);
  g_hash_table_remove_all (self->unsaved_answers);
  build_queue (self);
  update_header (self);
  update_queue_empty (self);
}

const char *
lb_window_get_actor (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->actor;
}

static void
append_hotkey_shortcut (GString    *xml,
                        const char *hotkey,
                        const char *title)
{
  gunichar c;
  guint keyval;
  const char *name;
  guint parsed_key = 0;
  GdkModifierType parsed_mods = 0;
  g_autofree char *lower = NULL;
  g_autofree char *escaped = NULL;

  if (hotkey == NULL || hotkey[0] == '\0')
    return;
  lower = g_utf8_strdown (hotkey, -1);
  c = g_utf8_get_char (lower);
  keyval = gdk_unicode_to_keyval (c);
  name = gdk_keyval_name (keyval);
  if (name == NULL || !gtk_accelerator_parse (name, &parsed_key, &parsed_mods))
    return;
  escaped = g_markup_printf_escaped ("<child><object class=\"GtkShortcutsShortcut\">"
                                     "<property name=\"title\">%s</property>"
                                     "<property name=\"accelerator\">%s</property>"
                                     "</object></child>", title, name);
  g_string_append (xml, escaped);
}

/* The shortcuts window lists the open batch's own hotkeys first. */
static void
update_help_overlay (LbWindow *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GString) xml = NULL;
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *group = NULL;
  GString *shortcuts;
  const char *base;
  const char *first;
  GObject *overlay;
  gsize at;

  bytes = g_resources_lookup_data (RESOURCE_PREFIX "/gtk/help-overlay.ui", 0, NULL);
  if (bytes == NULL || self->schema == NULL)
    return;
  base = g_bytes_get_data (bytes, NULL);
  first = strstr (base, "<child><object class=\"GtkShortcutsGroup\">");
  if (first == NULL)
    return;
  at = first - base;

  shortcuts = g_string_new (NULL);
  for (guint i = 0; i < lb_schema_get_n_labels (self->schema); i++)
    {
      const LbSchemaLabel *l = lb_schema_get_label (self->schema, i);
      append_hotkey_shortcut (shortcuts, l->hotkey, l->title);
    }
  for (guint i = 0; i < lb_schema_get_n_decisions (self->schema); i++)
    {
      const LbSchemaDecision *d = lb_schema_get_decision (self->schema, i);
      append_hotkey_shortcut (shortcuts, d->hotkey, d->title);
    }
  if (lb_schema_get_n_fields (self->schema) > 0)
    {
      /* Translators: in the shortcuts window; Enter alone starts a new line there */
      g_autofree char *escaped = g_markup_printf_escaped (
        "<child><object class=\"GtkShortcutsShortcut\">"
        "<property name=\"title\">%s</property>"
        "<property name=\"accelerator\">&lt;ctrl&gt;Return</property>"
        "</object></child>", _("Submit from a multi-line answer"));

      g_string_append (shortcuts, escaped);
    }
  if (shortcuts->len == 0)
    {
      g_string_free (shortcuts, TRUE);
      return;
    }
  {
    /* Translators: title of the group of the open batch's hotkeys in the shortcuts window */
    g_autofree char *title = g_strdup_printf (_("This Batch: %s"), self->batch_name);
    group = g_markup_printf_escaped ("<child><object class=\"GtkShortcutsGroup\">"
                                     "<property name=\"title\">%s</property>", title);
  }

  xml = g_string_new_len (base, g_bytes_get_size (bytes));
  g_string_insert (xml, at, "</object></child>");
  g_string_insert (xml, at, shortcuts->str);
  g_string_insert (xml, at, group);
  g_string_free (shortcuts, TRUE);

  builder = gtk_builder_new ();
  gtk_builder_set_translation_domain (builder, GETTEXT_PACKAGE);
  if (!gtk_builder_add_from_string (builder, xml->str, xml->len, &error))
    {
      g_warning ("Cannot build the shortcuts window: %s", error->message);
      return;
    }
  overlay = gtk_builder_get_object (builder, "help_overlay");
  if (GTK_IS_SHORTCUTS_WINDOW (overlay))
    gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                             GTK_SHORTCUTS_WINDOW (overlay));
}

gboolean
lb_window_open_batch (LbWindow  *self,
                      gint64     batch_id,
                      GError   **error)
{
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(LbSchema) schema = NULL;

  g_return_val_if_fail (LB_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  batch = lb_store_get_batch (self->store, batch_id, error);
  if (batch == NULL)
    return FALSE;
  schema = lb_store_get_batch_schema (self->store, batch_id, error);
  if (schema == NULL)
    return FALSE;

  g_clear_object (&self->current);
  g_clear_pointer (&self->region_label, g_free);
  g_clear_pointer (&self->schema, lb_schema_unref);
  g_array_set_size (self->history, 0);

  self->batch_id = batch_id;
  lb_batch_list_set_current (self->batch_list, batch_id);
  g_free (self->batch_name);
  self->batch_name = g_strdup (batch->name);
  g_free (self->batch_root);
  self->batch_root = g_strdup (batch->root);
  lb_image_loader_set_root (self->loader, self->batch_root);
  self->schema = lb_schema_ref (schema);
  self->blind = lb_store_get_batch_overlap (self->store, batch_id, NULL) > 1;
  build_queue (self);

  lb_panel_set_schema (self->panel, schema);
  if (self->item_view != NULL)
    lb_window_set_tool (self, LB_CANVAS_TOOL_SELECT);
  update_help_overlay (self);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-batch", batch->name);

  set_page (self, "work");
  set_mode (self, "label");
  update_header (self);
  update_queue_empty (self);
  self->queue_keep = 0;
  self->current_pos = 0;
  show_item (self, NULL);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  return TRUE;
}

gboolean
lb_window_get_queue_loading (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), FALSE);
  return self->list != NULL && lb_item_list_get_loading (self->list);
}

gint64
lb_window_get_batch_id (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), 0);
  return self->batch_id;
}

LbItem *
lb_window_get_current_item (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->current;
}

const char *
lb_window_get_title_text (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return adw_window_title_get_title (self->window_title);
}

const char *
lb_window_get_subtitle (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return adw_window_title_get_subtitle (self->window_title);
}

const char *
lb_window_get_save_state (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return gtk_widget_get_visible (self->save_box) ? gtk_label_get_text (self->save_label) : NULL;
}

const char *
lb_window_get_message (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return lb_panel_get_message (self->panel);
}

const char *
lb_window_get_page (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
lb_window_get_error_text (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return g_object_get_data (G_OBJECT (self->error_page), "lb-text");
}

const char * const *
lb_window_get_import_notes (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return (const char * const *) self->import_notes;
}

const char * const *
lb_window_get_rejections (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return (const char * const *) self->rejections;
}

guint
lb_window_get_n_pending (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), 0);
  return self->n_pending;
}

gboolean
lb_window_get_importing (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), FALSE);
  return self->importing;
}

GListModel *
lb_window_get_queue (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->list ? G_LIST_MODEL (self->list) : NULL;
}

GtkWidget *
lb_window_get_panel (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->panel);
}

GtkWidget *
lb_window_get_item_view (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->item_view;
}

/* Modes: labelling, the lead's review, the quality dashboard */

static void
set_mode (LbWindow   *self,
          const char *mode)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (mode, "review") != 0 && g_strcmp0 (mode, "quality") != 0)
    mode = "label";
  if (self->store == NULL || self->batch_id == 0)
    mode = "label";
  if (g_str_equal (mode, "review"))
    {
      lb_review_view_set_image_loader (self->review_view, self->loader);
      lb_review_view_open (self->review_view, self->store, self->batch_id, self->actor);
      set_page (self, "review");
    }
  else if (g_str_equal (mode, "quality"))
    {
      lb_dashboard_open (self->dashboard, self->store, self->batch_name);
      set_page (self, "dashboard");
    }
  else if (g_strcmp0 (page, "review") == 0 || g_strcmp0 (page, "dashboard") == 0)
    {
      set_page (self, "work");
      gtk_window_set_focus (GTK_WINDOW (self), NULL);
    }
  if (g_strcmp0 (self->mode, mode) == 0)
    return;
  g_free (self->mode);
  self->mode = g_strdup (mode);
  adw_window_title_set_subtitle (self->window_title,
                                 g_str_equal (mode, "label") && self->subtitle != NULL
                                   ? self->subtitle : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

LbReviewView *
lb_window_get_review_view (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->review_view;
}

LbDashboard *
lb_window_get_dashboard (LbWindow *self)
{
  g_return_val_if_fail (LB_IS_WINDOW (self), NULL);
  return self->dashboard;
}

/* GObject */

static void
lb_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LbWindow *self = LB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_string (value, filter_names[self->filter]);
      break;
    case PROP_MODE:
      g_value_set_string (value, self->mode != NULL ? self->mode : "label");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  LbWindow *self = LB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      {
        const char *name = g_value_get_string (value);

        for (guint i = 0; i < G_N_ELEMENTS (filter_names); i++)
          if (g_strcmp0 (name, filter_names[i]) == 0)
            {
              set_filter (self, i);
              return;
            }
        g_warning ("Unknown filter %s", name ? name : "(null)");
      }
      break;
    case PROP_MODE:
      set_mode (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_window_dispose (GObject *object)
{
  LbWindow *self = LB_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->import_cancellable != NULL)
    g_cancellable_cancel (self->import_cancellable);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->queue_view != NULL)
    gtk_list_view_set_model (self->queue_view, NULL);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_WINDOW);

  g_clear_object (&self->current);
  g_clear_pointer (&self->region_label, g_free);
  g_clear_object (&self->selection);
  g_clear_object (&self->list);
  g_clear_object (&self->loader);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->import_cancellable);
  g_clear_object (&self->chosen_config);
  g_clear_pointer (&self->schema, lb_schema_unref);

  G_OBJECT_CLASS (lb_window_parent_class)->dispose (object);
}

static void
lb_window_finalize (GObject *object)
{
  LbWindow *self = LB_WINDOW (object);

  g_free (self->batch_name);
  g_free (self->batch_root);
  g_free (self->actor);
  g_free (self->subtitle);
  g_free (self->save_state);
  g_free (self->error_text);
  g_free (self->previous_page);
  g_free (self->import_name);
  g_free (self->mode);
  g_strfreev (self->import_notes);
  g_strfreev (self->rejections);
  g_hash_table_unref (self->pending_ids);
  g_hash_table_unref (self->unsaved_answers);
  g_hash_table_unref (self->predictions);
  g_array_unref (self->history);

  G_OBJECT_CLASS (lb_window_parent_class)->finalize (object);
}

static void
lb_window_class_init (LbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = lb_window_get_property;
  object_class->set_property = lb_window_set_property;
  object_class->dispose = lb_window_dispose;
  object_class->finalize = lb_window_finalize;

  properties[PROP_FILTER] =
    g_param_spec_string ("filter", NULL, NULL, "todo",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODE] =
    g_param_spec_string ("mode", NULL, NULL, "label",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (LB_TYPE_PANEL);
  g_type_ensure (LB_TYPE_REVIEW_VIEW);
  g_type_ensure (LB_TYPE_DASHBOARD);
  g_type_ensure (LB_TYPE_SYNC_INDICATOR);
  g_type_ensure (LB_TYPE_BATCH_LIST);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/lb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, save_box);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, save_icon);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, save_label);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, review_view);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, dashboard);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, mode_box);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, import_page);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, import_spinner);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, queue_empty_page);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, queue_view);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, item_box);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, panel);
  gtk_widget_class_bind_template_child (widget_class, LbWindow, batch_list);

  gtk_widget_class_install_action (widget_class, "win.pick", "s", pick_action);
  gtk_widget_class_install_action (widget_class, "win.pick-reason", "s", pick_reason_action);
  gtk_widget_class_install_action (widget_class, "win.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "win.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.set-tool", "s", set_tool_action);
  gtk_widget_class_install_action (widget_class, "win.set-region-attributes", "s",
                                   set_region_attributes_action);
  gtk_widget_class_install_action (widget_class, "win.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "win.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "win.focus-note", NULL, focus_note_action);
  gtk_widget_class_install_action (widget_class, "win.focus-reason", NULL, focus_reason_action);
  gtk_widget_class_install_property_action (widget_class, "win.filter", "filter");
  gtk_widget_class_install_property_action (widget_class, "win.mode", "mode");
  gtk_widget_class_install_action (widget_class, "win.open-folder", NULL, open_folder_action);
  gtk_widget_class_install_action (widget_class, "win.locate-batch-folder", NULL,
                                   locate_batch_folder_action);
  gtk_widget_class_install_action (widget_class, "win.open-manifest", NULL, open_manifest_action);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, open_demo_action);
  gtk_widget_class_install_action (widget_class, "win.open-folder-with-config", NULL,
                                   open_with_config_action);
  gtk_widget_class_install_action (widget_class, "win.open-manifest-with-config", NULL,
                                   open_with_config_action);
  gtk_widget_class_install_action (widget_class, "win.accept-predictions", NULL,
                                   accept_predictions_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-import", NULL, cancel_import_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.switch-batch", NULL, switch_batch_action);
  gtk_widget_class_install_action (widget_class, "win.show-rejections", NULL,
                                   show_rejections_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-original", NULL, zoom_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.focus-note", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.accept-predictions", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_A, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.accept-predictions", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.focus-reason", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-manifest", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.mode", "s", "label");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.mode", "s", "review");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "win.mode", "s", "quality");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK,
                                       "win.switch-batch", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK,
                                       "win.filter", "s", "todo");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK,
                                       "win.filter", "s", "done");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK,
                                       "win.filter", "s", "flagged");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_CONTROL_MASK,
                                       "win.filter", "s", "all");
  /* Zoom: with Ctrl, so that no schema hotkey can take them (plain + and -
   * work too when the schema does not use them). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK,
                                       "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK,
                                       "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK,
                                       "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK,
                                       "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK,
                                       "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK,
                                       "win.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "win.zoom-original", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0,
                                       GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "win.zoom-original", NULL);
}

static void
lb_window_init (LbWindow *self)
{
  GtkListItemFactory *factory;
  GtkDropTarget *drop;
  guint64 cache_mb = 256;

  self->filter = LB_ITEM_FILTER_TODO;
  self->pending_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->unsaved_answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->predictions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->history = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  update_store_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", FALSE);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind_cb), self);
  gtk_list_view_set_factory (self->queue_view, factory);
  g_object_unref (factory);

  self->loader = lb_image_loader_new (cache_mb * 1024 * 1024,
                                      CLAMP (g_get_num_processors (), 1, 4));
  self->item_view = lb_item_view_new ();
  gtk_widget_set_hexpand (self->item_view, TRUE);
  gtk_widget_set_vexpand (self->item_view, TRUE);
  lb_item_view_set_image_loader (LB_ITEM_VIEW (self->item_view), self->loader);
  gtk_box_append (self->item_box, self->item_view);
  g_signal_connect (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), "region-create",
                    G_CALLBACK (region_create_cb), self);
  g_signal_connect (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), "region-update",
                    G_CALLBACK (region_update_cb), self);
  g_signal_connect (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), "selection-changed",
                    G_CALLBACK (region_selection_changed_cb), self);

  self->key_controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (self->key_controller, GTK_PHASE_CAPTURE);
  g_signal_connect (self->key_controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (self->key_controller, "key-released", G_CALLBACK (key_released_cb), self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (active_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), self->key_controller);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect (self->batch_list, "batch-activated", G_CALLBACK (batch_activated_cb), self);

  update_header (self);
  set_page (self, "welcome");
}
