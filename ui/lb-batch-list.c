/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-batch-list"
#include "config.h"

#include <glib/gi18n.h>

#include "lb-batch-list.h"

/* Reads are debounced: an import emits "items-added" per chunk, a quick
 * annotator "item-changed" per act. */
#define REFRESH_DELAY_MS 400

struct _LbBatchList
{
  GtkWidget      parent_instance;

  GtkWidget     *clamp;
  GtkWidget     *group;
  GtkListBox    *list_box;

  LbStore       *store;
  GCancellable  *cancellable;    /* of the read under way */
  GPtrArray     *batches;        /* of LbBatchInfo, as shown */
  GPtrArray     *rows;           /* of AdwActionRow, as shown */
  gint64         current_id;
  gboolean       hide_when_empty;
  gboolean       stale;          /* the store changed while the list was not shown */
  gboolean       reload;         /* read again once the read under way is done */
  guint          refresh_id;
};

G_DEFINE_FINAL_TYPE (LbBatchList, lb_batch_list, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_HIDE_WHEN_EMPTY,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  BATCH_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define PROGRESS_KEY "lb-batch-list-progress"
#define DIALOG_LIST_KEY "lb-batch-list-dialog-list"

void
lb_batch_info_free (LbBatchInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->source);
  g_free (info);
}

/* Reading, in a worker thread */

static int
compare_recent_first (gconstpointer a,
                      gconstpointer b)
{
  const LbBatchInfo *x = *(const LbBatchInfo * const *) a;
  const LbBatchInfo *y = *(const LbBatchInfo * const *) b;

  if (x->created_us != y->created_us)
    return x->created_us > y->created_us ? -1 : 1;
  return x->id > y->id ? -1 : (x->id < y->id ? 1 : 0);
}

static void
load_thread_cb (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LbStore *store = task_data;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  GError *error = NULL;

  batches = lb_store_list_batches (store, &error);
  if (batches == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  infos = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_batch_info_free);
  for (guint i = 0; i < batches->len; i++)
    {
      LbBatch *batch = g_ptr_array_index (batches, i);
      LbBatchInfo *info = g_new0 (LbBatchInfo, 1);

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          lb_batch_info_free (info);
          g_task_return_error (task, error);
          return;
        }
      info->id = batch->id;
      info->name = g_strdup (batch->name);
      info->source = g_strdup (batch->source != NULL && batch->source[0] != '\0'
                               ? batch->source : batch->root);
      info->created_us = batch->created_us;
      info->n_total = lb_store_count_items (store, batch->id, LB_ITEM_FILTER_ALL);
      info->n_done = lb_store_count_items (store, batch->id, LB_ITEM_FILTER_DONE);
      g_ptr_array_add (infos, info);
    }
  g_ptr_array_sort (infos, compare_recent_first);
  g_task_return_pointer (task, g_steal_pointer (&infos), (GDestroyNotify) g_ptr_array_unref);
}

void
lb_batch_list_load_async (LbStore             *store,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (LB_IS_STORE (store));

  /* No source object: a window closed meanwhile is not kept alive */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_batch_list_load_async);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_task_run_in_thread (task, load_thread_cb);
}

GPtrArray *
lb_batch_list_load_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Rows */

static char *
format_created (gint64 created_us)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (created_us / G_USEC_PER_SEC);
  g_autofree char *date = NULL;

  if (dt == NULL)
    return g_strdup ("");
  /* Translators: the date a batch was imported, in g_date_time_format()'s
   * notation, e.g. "25 Nov 2026, 07:12" */
  date = g_date_time_format (dt, _("%-d %b %Y, %H:%M"));
  /* Translators: %s is a date, e.g. "25 Nov 2026, 07:12" */
  return g_strdup_printf (_("Imported %s"), date != NULL ? date : "");
}

static GtkWidget *
make_row (LbBatchList       *self,
          const LbBatchInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box, *progress, *bar, *created, *icon;
  g_autofree char *source = g_filename_display_name (info->source != NULL ? info->source : "");
  g_autofree char *done = NULL;
  g_autofree char *date = format_created (info->created_us);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), source);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, source);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);

  /* Translators: a batch's progress, e.g. "3 of 5 done" */
  done = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u done", "%u of %u done",
                                       info->n_total),
                          info->n_done, info->n_total);
  progress = gtk_label_new (done);
  gtk_label_set_xalign (GTK_LABEL (progress), 1.0);
  gtk_widget_add_css_class (progress, "numeric");
  gtk_box_append (GTK_BOX (box), progress);

  bar = gtk_level_bar_new_for_interval (0, MAX (info->n_total, 1));
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), MIN (info->n_done, MAX (info->n_total, 1)));
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_widget_set_size_request (bar, 120, -1);
  gtk_box_append (GTK_BOX (box), bar);

  created = gtk_label_new (date);
  gtk_label_set_xalign (GTK_LABEL (created), 1.0);
  gtk_widget_add_css_class (created, "dim-label");
  gtk_widget_add_css_class (created, "caption");
  gtk_box_append (GTK_BOX (box), created);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);

  if (info->id == self->current_id)
    {
      icon = gtk_image_new_from_icon_name ("object-select-symbolic");
      /* Translators: tooltip of the batch open in the window */
      gtk_widget_set_tooltip_text (icon, _("Open now"));
    }
  else
    icon = gtk_image_new_from_icon_name ("go-next-symbolic");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), icon);

  g_object_set_data_full (G_OBJECT (row), PROGRESS_KEY, g_steal_pointer (&done), g_free);
  return row;
}

static void
update_visible (LbBatchList *self)
{
  gboolean empty = self->batches == NULL || self->batches->len == 0;

  gtk_widget_set_visible (GTK_WIDGET (self), !(empty && self->hide_when_empty));
}

static void
show_batches (LbBatchList *self,
              GPtrArray   *batches)
{
  GtkWidget *focus_row = NULL;
  gint64 focus_id = 0;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* Keep the keyboard focus on the same batch across a refresh */
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    if (focus != NULL && gtk_widget_is_ancestor (focus, g_ptr_array_index (self->rows, i)))
      focus_id = ((LbBatchInfo *) g_ptr_array_index (self->batches, i))->id;
    else if (focus != NULL && focus == g_ptr_array_index (self->rows, i))
      focus_id = ((LbBatchInfo *) g_ptr_array_index (self->batches, i))->id;

  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    gtk_list_box_remove (self->list_box, g_ptr_array_index (self->rows, i));
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->batches, g_ptr_array_unref);

  self->batches = g_ptr_array_ref (batches);
  self->rows = g_ptr_array_new ();
  for (guint i = 0; i < batches->len; i++)
    {
      LbBatchInfo *info = g_ptr_array_index (batches, i);
      GtkWidget *row = make_row (self, info);

      g_ptr_array_add (self->rows, row);
      gtk_list_box_append (self->list_box, row);
      if (focus_id != 0 && info->id == focus_id)
        focus_row = row;
    }
  if (focus_row != NULL)
    gtk_widget_grab_focus (focus_row);
  update_visible (self);
}

static void load (LbBatchList *self);

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(LbBatchList) self = g_weak_ref_get (weak);
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);
  batches = lb_batch_list_load_finish (result, &error);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (batches != NULL)
    show_batches (self, batches);
  else
    g_message ("Cannot list the batches of the store: %s", error->message);

  if (self->reload)
    load (self);
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
load (LbBatchList *self)
{
  GWeakRef *weak;

  self->reload = FALSE;
  self->stale = FALSE;
  if (self->store == NULL)
    return;
  if (self->cancellable != NULL)
    {
      self->reload = TRUE;
      return;
    }

  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  self->cancellable = g_cancellable_new ();
  lb_batch_list_load_async (self->store, self->cancellable, load_done_cb, weak);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  LbBatchList *self = user_data;

  self->refresh_id = 0;
  /* A list hidden because it is empty cannot wait to be seen */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) || !gtk_widget_get_visible (GTK_WIDGET (self))
      || self->batches == NULL)
    load (self);
  else
    self->stale = TRUE;
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (LbBatchList *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_DELAY_MS, refresh_timeout_cb, self);
}

static void
store_items_added_cb (LbStore     *store,
                      gint64       batch_id,
                      LbBatchList *self)
{
  schedule_refresh (self);
}

static void
store_item_changed_cb (LbStore     *store,
                       gint64       item_id,
                       LbBatchList *self)
{
  /* Only the progress changes: read it when the list is seen */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    schedule_refresh (self);
  else
    self->stale = TRUE;
}

static void
row_activated_cb (GtkListBox    *box,
                  GtkListBoxRow *row,
                  LbBatchList   *self)
{
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    if (g_ptr_array_index (self->rows, i) == (gpointer) row)
      {
        LbBatchInfo *info = g_ptr_array_index (self->batches, i);

        g_signal_emit (self, signals[BATCH_ACTIVATED], 0, info->id);
        return;
      }
}

/* Public API */

GtkWidget *
lb_batch_list_new (void)
{
  return g_object_new (LB_TYPE_BATCH_LIST, NULL);
}

void
lb_batch_list_set_store (LbBatchList *self,
                         LbStore     *store)
{
  g_return_if_fail (LB_IS_BATCH_LIST (self));
  g_return_if_fail (store == NULL || LB_IS_STORE (store));

  if (self->store == store)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->store, store);

  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();

    show_batches (self, none);
  }
  if (store != NULL)
    {
      g_signal_connect_object (store, "items-added", G_CALLBACK (store_items_added_cb), self, 0);
      g_signal_connect_object (store, "item-changed", G_CALLBACK (store_item_changed_cb),
                               self, 0);
      load (self);
    }
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

void
lb_batch_list_set_current (LbBatchList *self,
                           gint64       batch_id)
{
  g_return_if_fail (LB_IS_BATCH_LIST (self));

  if (self->current_id == batch_id)
    return;
  self->current_id = batch_id;
  if (self->batches != NULL && self->batches->len > 0)
    {
      g_autoptr(GPtrArray) same = g_ptr_array_ref (self->batches);

      show_batches (self, same);
    }
}

void
lb_batch_list_refresh (LbBatchList *self)
{
  g_return_if_fail (LB_IS_BATCH_LIST (self));

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  load (self);
}

gboolean
lb_batch_list_get_loading (LbBatchList *self)
{
  g_return_val_if_fail (LB_IS_BATCH_LIST (self), FALSE);
  return self->cancellable != NULL || self->refresh_id != 0;
}

guint
lb_batch_list_get_n_batches (LbBatchList *self)
{
  g_return_val_if_fail (LB_IS_BATCH_LIST (self), 0);
  return self->batches != NULL ? self->batches->len : 0;
}

gint64
lb_batch_list_get_batch_id (LbBatchList *self,
                            guint        index)
{
  g_return_val_if_fail (LB_IS_BATCH_LIST (self), 0);
  g_return_val_if_fail (index < lb_batch_list_get_n_batches (self), 0);
  return ((LbBatchInfo *) g_ptr_array_index (self->batches, index))->id;
}

GtkWidget *
lb_batch_list_get_row (LbBatchList *self,
                       guint        index)
{
  g_return_val_if_fail (LB_IS_BATCH_LIST (self), NULL);
  g_return_val_if_fail (index < lb_batch_list_get_n_batches (self), NULL);
  return g_ptr_array_index (self->rows, index);
}

const char *
lb_batch_list_get_progress (LbBatchList *self,
                            guint        index)
{
  g_return_val_if_fail (LB_IS_BATCH_LIST (self), NULL);
  g_return_val_if_fail (index < lb_batch_list_get_n_batches (self), NULL);
  return g_object_get_data (g_ptr_array_index (self->rows, index), PROGRESS_KEY);
}

/* The Switch Batch window */

/* Once read, the keyboard starts on the first batch that is not open */
static void
dialog_loading_cb (LbBatchList *list,
                   GParamSpec  *pspec,
                   GtkWindow   *dialog)
{
  GtkWidget *focus, *scrolled;
  int natural = 0;

  if (lb_batch_list_get_loading (list) || list->rows == NULL || list->rows->len == 0)
    return;
  g_signal_handlers_disconnect_by_func (list, dialog_loading_cb, dialog);

  /* The window was sized before the rows came: let it grow to show them */
  scrolled = gtk_widget_get_ancestor (GTK_WIDGET (list), GTK_TYPE_SCROLLED_WINDOW);
  gtk_widget_measure (GTK_WIDGET (list), GTK_ORIENTATION_VERTICAL,
                      MAX (gtk_widget_get_width (GTK_WIDGET (list)), 480), NULL, &natural,
                      NULL, NULL);
  if (scrolled != NULL)
    gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled),
                                                MIN (natural, 520));

  focus = gtk_root_get_focus (GTK_ROOT (dialog));
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (list)))
    return;
  for (guint i = 0; i < list->rows->len; i++)
    if (((LbBatchInfo *) g_ptr_array_index (list->batches, i))->id != list->current_id
        || i == list->rows->len - 1)
      {
        gtk_widget_grab_focus (g_ptr_array_index (list->rows, i));
        return;
      }
}

static void
dialog_batch_activated_cb (LbBatchList *list,
                           gint64       batch_id,
                           GtkWindow   *dialog)
{
  gtk_window_close (dialog);
}

GtkWindow *
lb_batch_list_dialog_new (GtkWindow   *parent,
                          LbBatchList *list)
{
  GtkWidget *dialog, *box, *header, *scrolled;
  GtkEventController *shortcuts;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (LB_IS_BATCH_LIST (list), NULL);

  dialog = g_object_new (ADW_TYPE_WINDOW,
                         "title", _("Switch Batch"),
                         "transient-for", parent,
                         "modal", TRUE,
                         "destroy-with-parent", TRUE,
                         "default-width", 640,
                         NULL);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  gtk_box_append (GTK_BOX (box), header);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 520);
  gtk_widget_set_margin_top (GTK_WIDGET (list), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (list), 18);
  gtk_widget_set_margin_start (GTK_WIDGET (list), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (list), 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (list));
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (dialog), box);

  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape,
                                                                                  0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (dialog, shortcuts);

  g_signal_connect_object (list, "batch-activated", G_CALLBACK (dialog_batch_activated_cb),
                           dialog, G_CONNECT_AFTER);
  g_signal_connect_object (list, "notify::loading", G_CALLBACK (dialog_loading_cb), dialog, 0);
  g_object_set_data (G_OBJECT (dialog), DIALOG_LIST_KEY, list);
  return GTK_WINDOW (dialog);
}

LbBatchList *
lb_batch_list_dialog_get_list (GtkWindow *dialog)
{
  g_return_val_if_fail (GTK_IS_WINDOW (dialog), NULL);
  return g_object_get_data (G_OBJECT (dialog), DIALOG_LIST_KEY);
}

/* GObject */

static void
lb_batch_list_map (GtkWidget *widget)
{
  LbBatchList *self = LB_BATCH_LIST (widget);

  GTK_WIDGET_CLASS (lb_batch_list_parent_class)->map (widget);
  if (self->stale)
    schedule_refresh (self);
}

static void
lb_batch_list_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LbBatchList *self = LB_BATCH_LIST (object);

  switch (prop_id)
    {
    case PROP_HIDE_WHEN_EMPTY:
      g_value_set_boolean (value, self->hide_when_empty);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, lb_batch_list_get_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_batch_list_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LbBatchList *self = LB_BATCH_LIST (object);

  switch (prop_id)
    {
    case PROP_HIDE_WHEN_EMPTY:
      self->hide_when_empty = g_value_get_boolean (value);
      update_visible (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_batch_list_dispose (GObject *object)
{
  LbBatchList *self = LB_BATCH_LIST (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->clamp, gtk_widget_unparent);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->batches, g_ptr_array_unref);

  G_OBJECT_CLASS (lb_batch_list_parent_class)->dispose (object);
}

static void
lb_batch_list_class_init (LbBatchListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = lb_batch_list_get_property;
  object_class->set_property = lb_batch_list_set_property;
  object_class->dispose = lb_batch_list_dispose;
  widget_class->map = lb_batch_list_map;

  properties[PROP_HIDE_WHEN_EMPTY] =
    g_param_spec_boolean ("hide-when-empty", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[BATCH_ACTIVATED] =
    g_signal_new ("batch-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lb-batch-list");
}

static void
lb_batch_list_init (LbBatchList *self)
{
  GtkWidget *placeholder;

  self->clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (self->clamp), 640);
  adw_clamp_set_tightening_threshold (ADW_CLAMP (self->clamp), 480);
  gtk_widget_set_parent (self->clamp, GTK_WIDGET (self));

  self->group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->group), _("In This Store"));
  adw_clamp_set_child (ADW_CLAMP (self->clamp), self->group);

  self->list_box = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list_box, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list_box), "boxed-list");
  placeholder = gtk_label_new (_("No batches in this store yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->list_box, placeholder);
  g_signal_connect (self->list_box, "row-activated", G_CALLBACK (row_activated_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->group), GTK_WIDGET (self->list_box));

  update_visible (self);
}
