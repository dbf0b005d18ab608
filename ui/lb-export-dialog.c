/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export-dialog"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-export.h"
#include "lb-export-dialog.h"

#define PROGRESS_INTERVAL_MS 100
#define MAX_WARNINGS_SHOWN 8

/* What the export thread shares with the main thread */
typedef struct {
  LbStore *store;
  char    *format;
  char    *batch;        /* NULL = all batches */
  gint64   since_us;
  gboolean reviewed_only;
  char    *path;
  GMutex   lock;
  GCond    cond;
  guint64  n_done;       /* under lock */
  guint64  n_total;      /* under lock */
  gboolean finished;     /* under lock: the thread is done with the store */
  guint64  n_written;
  GStrv    warnings;
} ExportJob;

struct _LbExportDialog
{
  AdwWindow         parent_instance;

  /* template */
  GtkWidget        *export_button;
  GtkButton        *cancel_button;
  GtkStack         *stack;
  GtkWidget        *error_box;
  GtkLabel         *error_label;
  GtkImage         *message_icon;
  AdwComboRow      *format_row;
  AdwComboRow      *scope_row;
  AdwActionRow     *since_row;
  AdwActionRow     *reviewed_row;
  GtkSwitch        *reviewed_switch;
  GtkMenuButton    *date_button;
  GtkCalendar      *calendar;
  GtkSwitch        *since_switch;
  AdwActionRow     *output_row;
  AdwStatusPage    *progress_page;
  GtkProgressBar   *progress_bar;

  LbStore          *store;
  gint64            batch_id;
  char             *batch_name;
  GStrv             formats;        /* format ids, in the order of format_row */
  AdwToastOverlay  *toasts;         /* weak */
  GFile            *output;
  GtkNativeDialog  *chooser;

  GCancellable     *cancellable;
  ExportJob        *job;            /* the running export's, owned by its task */
  guint             progress_id;
  gboolean          running;
  gboolean          close_pending;
  gboolean          progress_shown;
  char             *error_text;
  char             *warnings_text;
  char             *result_text;
};

G_DEFINE_FINAL_TYPE (LbExportDialog, lb_export_dialog, ADW_TYPE_WINDOW)

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  g_clear_object (&job->store);
  g_free (job->format);
  g_free (job->batch);
  g_free (job->path);
  g_strfreev (job->warnings);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_free (job);
}

/* Names */

static const char *
current_format (LbExportDialog *self)
{
  guint i = adw_combo_row_get_selected (self->format_row);

  if (self->formats == NULL || i >= g_strv_length (self->formats))
    return NULL;
  return self->formats[i];
}

static gboolean
all_batches (LbExportDialog *self)
{
  return self->batch_id == 0 || adw_combo_row_get_selected (self->scope_row) == 1;
}

static gboolean
is_directory_format (LbExportDialog *self)
{
  const char *format = current_format (self);

  return format != NULL && lb_export_format_is_directory (format);
}

/* A file name made of the batch name and the format: "comments-coco.json" */
static char *
default_name (LbExportDialog *self)
{
  const char *format = current_format (self);
  const char *ext;
  g_autofree char *base = NULL;

  if (format == NULL)
    format = "export";
  base = g_strdup (!all_batches (self) && self->batch_name != NULL ? self->batch_name
                                                                      : "labelbench");
  g_strdelimit (base, "/\\:*?\"<>|", '_');
  if (base[0] == '.' || base[0] == '\0')
    {
      char *t = g_strconcat ("batch", base, NULL);
      g_free (base);
      base = t;
    }
  if (lb_export_format_is_directory (format))
    return g_strdup_printf ("%s-%s", base, format);
  ext = lb_export_format_get_extension (format);
  return g_strdup_printf ("%s-%s.%s", base, format, ext != NULL ? ext : "txt");
}

static GFile *
default_folder (void)
{
  const char *dir = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    dir = g_get_home_dir ();
  return g_file_new_for_path (dir);
}

static char *
display_path (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  return path != NULL ? g_filename_display_name (path) : g_file_get_parse_name (file);
}

/* UI state */

static void
update_actions (LbExportDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.start",
                                 !self->running && self->output != NULL
                                 && current_format (self) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.choose", !self->running);
}

static void
update_output_row (LbExportDialog *self)
{
  g_autofree char *shown = NULL;
  g_autofree char *escaped = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->output_row),
                                 is_directory_format (self) ? _("Save Into the Folder")
                                                            : _("Save To"));
  if (self->output != NULL)
    shown = display_path (self->output);
  escaped = g_markup_escape_text (shown != NULL ? shown : _("Not chosen"), -1);
  adw_action_row_set_subtitle (self->output_row, escaped);
  update_actions (self);
}

/* The format or the scope changed: same folder, the default name */
static void
reset_output_name (LbExportDialog *self)
{
  g_autoptr(GFile) folder = NULL;
  g_autofree char *name = default_name (self);

  folder = self->output != NULL ? g_file_get_parent (self->output) : NULL;
  if (folder == NULL)
    folder = default_folder ();
  g_clear_object (&self->output);
  self->output = g_file_get_child (folder, name);
  update_output_row (self);
}

/* The box above the options: an error, or the warnings of an export that
 * succeeded; NULL hides it */
static void
show_message (LbExportDialog *self,
              const char     *text,
              gboolean        is_error)
{
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_image_set_from_icon_name (self->message_icon, is_error ? "dialog-error-symbolic"
                                                             : "dialog-warning-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_icon), is_error ? "warning" : "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->message_icon), is_error ? "error" : "warning");
  gtk_widget_set_visible (self->error_box, text != NULL);
}

static void
show_error (LbExportDialog *self,
            const char     *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  g_clear_pointer (&self->warnings_text, g_free);
  show_message (self, text, TRUE);
}

static void
update_date_label (LbExportDialog *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->calendar);
  g_autofree char *text = g_date_time_format (day, "%x");

  gtk_menu_button_set_label (self->date_button, text);
}

static gboolean
is_event_format (const char *format)
{
  return g_strcmp0 (format, "jsonl") == 0 || g_strcmp0 (format, "bundle") == 0;
}

/* Reviews are per item: the event log and bundles carry every event */
static void
update_reviewed_row (LbExportDialog *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->reviewed_row),
                            !is_event_format (current_format (self)));
}

static void
format_changed_cb (LbExportDialog *self)
{
  update_reviewed_row (self);
  reset_output_name (self);
}

static void
scope_changed_cb (LbExportDialog *self)
{
  reset_output_name (self);
}

static void
day_selected_cb (LbExportDialog *self)
{
  update_date_label (self);
  gtk_switch_set_active (self->since_switch, TRUE);
}

static gint64
since_us (LbExportDialog *self)
{
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) midnight = NULL;

  if (!gtk_switch_get_active (self->since_switch))
    return 0;
  day = gtk_calendar_get_date (self->calendar);
  midnight = g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                                    g_date_time_get_day_of_month (day), 0, 0, 0);
  return midnight != NULL ? g_date_time_to_unix (midnight) * G_USEC_PER_SEC : 0;
}

/* Choosing the output */

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     LbExportDialog  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL && is_directory_format (self))
        {
          /* The folder chosen is where the export's own folder is made */
          g_autofree char *name = default_name (self);
          g_autoptr(GFile) child = g_file_get_child (file, name);

          lb_export_dialog_set_output (self, child);
        }
      else if (file != NULL)
        lb_export_dialog_set_output (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  if (self->chooser == chooser)
    g_clear_object (&self->chooser);
}

static void
choose_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (widget);
  gboolean folder = is_directory_format (self);
  g_autoptr(GFile) parent = NULL;
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (self->chooser);
      return;
    }
  chooser = gtk_file_chooser_native_new (folder ? _("Choose Where to Create the Export Folder")
                                                : _("Export To"),
                                         GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_SAVE,
                                         folder ? _("_Select") : _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  parent = self->output != NULL ? g_file_get_parent (self->output) : NULL;
  if (parent == NULL)
    parent = default_folder ();
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), parent, NULL);
  if (!folder)
    {
      g_autofree char *name = self->output != NULL ? g_file_get_basename (self->output)
                                                   : default_name (self);

      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

/* The export thread */

static void
export_progress_cb (guint64  n_done,
                    guint64  n_total,
                    gpointer user_data)
{
  ExportJob *job = user_data;

  g_mutex_lock (&job->lock);
  job->n_done = n_done;
  job->n_total = n_total;
  g_mutex_unlock (&job->lock);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  LbExportFilter filter = { job->batch, job->since_us, 0, job->reviewed_only };
  GError *error = NULL;

  gboolean ok;

  ok = lb_export_to_path_full (job->store, job->format, &filter, job->path,
                               export_progress_cb, job, &job->n_written, &job->warnings,
                               cancellable, &error);
  g_mutex_lock (&job->lock);
  job->finished = TRUE;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->lock);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
progress_tick_cb (gpointer user_data)
{
  LbExportDialog *self = user_data;
  guint64 done, total;
  g_autofree char *text = NULL;

  if (self->job == NULL)
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&self->job->lock);
  done = self->job->n_done;
  total = self->job->n_total;
  g_mutex_unlock (&self->job->lock);

  if (total > 0)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, (double) done / total));
      /* Translators: export progress, e.g. "1200 of 5000" */
      text = g_strdup_printf (_("%llu of %llu"), (unsigned long long) done,
                              (unsigned long long) total);
    }
  else
    {
      gtk_progress_bar_pulse (self->progress_bar);
      text = g_strdup (_("Starting…"));
    }
  gtk_progress_bar_set_text (self->progress_bar, text);
  return G_SOURCE_CONTINUE;
}

static void
open_folder_cb (AdwToast  *toast,
                GtkWidget *overlay)
{
  const char *uri = g_object_get_data (G_OBJECT (toast), "lb-folder-uri");
  GtkRoot *root = gtk_widget_get_root (overlay);

  if (uri != NULL)
    gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static void
show_success (LbExportDialog *self,
              ExportJob      *job)
{
  g_autoptr(GFile) file = g_file_new_for_path (job->path);
  g_autoptr(GFile) folder = NULL;
  g_autofree char *shown = display_path (file);
  g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, job->n_written);
  guint n_warnings = job->warnings != NULL ? g_strv_length (job->warnings) : 0;
  g_autofree char *base = NULL;

  /* The event formats count events, the others items */
  if (is_event_format (job->format))
    /* Translators: the first %s is a number of events, the second a path */
    base = g_strdup_printf (ngettext ("Exported %s event to %s", "Exported %s events to %s",
                                      (gulong) job->n_written),
                            count, shown);
  else
    /* Translators: the first %s is a number of items, the second a path */
    base = g_strdup_printf (ngettext ("Exported %s item to %s", "Exported %s items to %s",
                                      (gulong) job->n_written),
                            count, shown);
  g_free (self->result_text);
  if (n_warnings > 0)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      /* The first few; all of them go to the log */
      for (guint i = 0; i < n_warnings && i < MAX_WARNINGS_SHOWN; i++)
        g_string_append_printf (list, "%s%s", i > 0 ? "\n" : "", job->warnings[i]);
      if (n_warnings > MAX_WARNINGS_SHOWN)
        g_string_append_printf (list, "\n%s", _("… (the full list is in the log)"));

      /* Translators: %s is "Exported 12 items to PATH" */
      self->result_text = g_strdup_printf (_("%s, with warnings"), base);
      /* The export is there; the dialog stays to show what was left out */
      g_free (self->warnings_text);
      self->warnings_text = g_strdup_printf ("%s\n\n%s", self->result_text, list->str);
      for (guint i = 0; i < n_warnings; i++)
        g_message ("Export to %s: %s", shown, job->warnings[i]);
    }
  else
    self->result_text = g_steal_pointer (&base);

  if (self->toasts != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (self->result_text, -1);
      g_autofree char *uri = NULL;
      AdwToast *toast = adw_toast_new (escaped);

      folder = lb_export_format_is_directory (job->format) ? g_object_ref (file)
                                                           : g_file_get_parent (file);
      uri = folder != NULL ? g_file_get_uri (folder) : NULL;
      adw_toast_set_timeout (toast, 8);
      if (uri != NULL)
        {
          adw_toast_set_button_label (toast, _("Open Folder"));
          g_object_set_data_full (G_OBJECT (toast), "lb-folder-uri", g_steal_pointer (&uri),
                                  g_free);
          g_signal_connect_object (toast, "button-clicked", G_CALLBACK (open_folder_cb),
                                   self->toasts, 0);
        }
      adw_toast_overlay_add_toast (self->toasts, toast);
    }
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->progress_id, g_source_remove);
  self->running = FALSE;
  self->job = NULL;
  g_clear_object (&self->cancellable);
  if (self->stack == NULL)
    return;  /* destroyed meanwhile (the export was cancelled) */

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      gtk_stack_set_visible_child_name (self->stack, "options");
      update_actions (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, NULL);
      else
        {
          g_autoptr(GFile) file = g_file_new_for_path (job->path);
          g_autofree char *shown = display_path (file);
          g_autofree char *text = NULL;

          /* The engine's errors name the file already */
          if (strstr (error->message, job->path) != NULL || strstr (error->message, shown) != NULL)
            text = g_strdup (error->message);
          else
            /* Translators: the first %s is a path, the second the problem */
            text = g_strdup_printf (_("Cannot export to “%s”: %s"), shown, error->message);
          show_error (self, text);
          g_message ("%s", text);
        }
      if (self->close_pending)
        gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  show_success (self, job);
  update_actions (self);
  if (self->warnings_text != NULL && !self->close_pending)
    {
      gtk_stack_set_visible_child_name (self->stack, "options");
      show_message (self, self->warnings_text, FALSE);
      /* the export is done: this button only closes now */
      gtk_button_set_label (self->cancel_button, _("_Close"));
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (widget);
  g_autoptr(GTask) task = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *description = NULL;
  ExportJob *job;
  const char *format = current_format (self);

  if (self->running || self->output == NULL || format == NULL)
    return;

  job = g_new0 (ExportJob, 1);
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  job->store = g_object_ref (self->store);
  job->format = g_strdup (format);
  job->batch = all_batches (self) ? NULL : g_strdup (self->batch_name);
  job->since_us = since_us (self);
  job->reviewed_only = gtk_widget_get_sensitive (GTK_WIDGET (self->reviewed_row))
                       && gtk_switch_get_active (self->reviewed_switch);
  job->path = g_file_get_path (self->output);
  if (job->path == NULL)
    {
      export_job_free (job);
      show_error (self, _("Choose a local file or folder to export to."));
      return;
    }

  show_error (self, NULL);
  g_clear_pointer (&self->result_text, g_free);
  gtk_button_set_label (self->cancel_button, _("_Cancel"));
  self->running = TRUE;
  self->progress_shown = TRUE;
  self->job = job;
  self->cancellable = g_cancellable_new ();
  shown = display_path (self->output);
  /* Translators: "COCO detection (JSON) to /home/ann/comments-coco.json" */
  description = g_markup_printf_escaped (_("%s to %s"), lb_export_format_get_title (format),
                                         shown);
  adw_status_page_set_description (self->progress_page, description);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));
  gtk_stack_set_visible_child_name (self->stack, "progress");
  update_actions (self);
  self->progress_id = g_timeout_add (PROGRESS_INTERVAL_MS, progress_tick_cb, self);

  task = g_task_new (self, self->cancellable, export_done_cb, NULL);
  g_task_set_source_tag (task, start_action);
  /* An export that finished before the cancellation is reported as done */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, export_job_free);
  g_task_run_in_thread (task, export_thread);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (widget);

  if (self->running)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static gboolean
lb_export_dialog_close_request (GtkWindow *window)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (window);

  /* A running export is cancelled first; the dialog goes when it stopped */
  if (self->running)
    {
      self->close_pending = TRUE;
      g_cancellable_cancel (self->cancellable);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (lb_export_dialog_parent_class)->close_request (window);
}

/* Destroyed while exporting (gtk_window_destroy(), e.g. the application
 * quitting, unrealizes it; the task keeps the object alive): the store may be
 * closed right after, so cancel and wait until the thread let go of it
 * (cancelled, that is soon). */
static void
format_item_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
format_item_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  user_data)
{
  GtkStringObject *title = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (title));
}

static void
lb_export_dialog_unrealize (GtkWidget *widget)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (widget);

  if (self->running && self->job != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_mutex_lock (&self->job->lock);
      while (!self->job->finished)
        g_cond_wait (&self->job->cond, &self->job->lock);
      g_mutex_unlock (&self->job->lock);
    }
  GTK_WIDGET_CLASS (lb_export_dialog_parent_class)->unrealize (widget);
}

/* Public API */

LbExportDialog *
lb_export_dialog_new (GtkWindow       *parent,
                      AdwToastOverlay *toasts,
                      LbStore         *store,
                      gint64           batch_id)
{
  LbExportDialog *self;
  g_autoptr(GtkStringList) scopes = NULL;
  g_autoptr(GtkStringList) titles = NULL;
  const char * const *formats;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (LB_IS_STORE (store), NULL);

  self = g_object_new (LB_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  self->batch_id = batch_id;
  if (toasts != NULL)
    g_set_weak_pointer (&self->toasts, toasts);

  if (batch_id != 0)
    {
      g_autoptr(LbBatch) batch = lb_store_get_batch (store, batch_id, NULL);

      if (batch != NULL)
        self->batch_name = g_strdup (batch->name);
      else
        self->batch_id = 0;
    }

  formats = lb_export_get_formats ();
  self->formats = g_strdupv ((char **) formats);
  titles = gtk_string_list_new (NULL);
  for (guint i = 0; formats[i] != NULL; i++)
    {
      const char *title = lb_export_format_get_title (formats[i]);

      gtk_string_list_append (titles, title != NULL ? title : formats[i]);
    }
  adw_combo_row_set_model (self->format_row, G_LIST_MODEL (titles));
  /* the choices in full (the default list cuts "YOLO (folder of text files…") */
  {
    g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

    g_signal_connect (factory, "setup", G_CALLBACK (format_item_setup_cb), NULL);
    g_signal_connect (factory, "bind", G_CALLBACK (format_item_bind_cb), NULL);
    adw_combo_row_set_list_factory (self->format_row, factory);
  }

  scopes = gtk_string_list_new (NULL);
  if (self->batch_name != NULL)
    {
      /* Translators: %s is the batch's name */
      g_autofree char *current = g_strdup_printf (_("This batch: %s"), self->batch_name);

      gtk_string_list_append (scopes, current);
    }
  else
    gtk_string_list_append (scopes, _("This batch"));
  gtk_string_list_append (scopes, _("All batches"));
  adw_combo_row_set_model (self->scope_row, G_LIST_MODEL (scopes));
  if (self->batch_id == 0)
    {
      adw_combo_row_set_selected (self->scope_row, 1);
      gtk_widget_set_sensitive (GTK_WIDGET (self->scope_row), FALSE);
    }

  g_signal_connect_swapped (self->format_row, "notify::selected",
                            G_CALLBACK (format_changed_cb), self);
  update_reviewed_row (self);
  g_signal_connect_swapped (self->scope_row, "notify::selected",
                            G_CALLBACK (scope_changed_cb), self);
  reset_output_name (self);
  return self;
}

gboolean
lb_export_dialog_set_format (LbExportDialog *self,
                             const char     *format)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  for (guint i = 0; self->formats != NULL && self->formats[i] != NULL; i++)
    if (strcmp (self->formats[i], format) == 0)
      {
        adw_combo_row_set_selected (self->format_row, i);
        return TRUE;
      }
  return FALSE;
}

const char *
lb_export_dialog_get_format (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), NULL);
  return current_format (self);
}

void
lb_export_dialog_set_all_batches (LbExportDialog *self,
                                  gboolean        all)
{
  g_return_if_fail (LB_IS_EXPORT_DIALOG (self));
  if (self->batch_id != 0)
    adw_combo_row_set_selected (self->scope_row, all ? 1 : 0);
}

void
lb_export_dialog_set_since (LbExportDialog *self,
                            GDateTime      *day)
{
  g_return_if_fail (LB_IS_EXPORT_DIALOG (self));

  if (day != NULL)
    {
      gtk_calendar_select_day (self->calendar, day);
      update_date_label (self);
    }
  gtk_switch_set_active (self->since_switch, day != NULL);
}

void
lb_export_dialog_set_reviewed_only (LbExportDialog *self,
                                    gboolean        reviewed_only)
{
  g_return_if_fail (LB_IS_EXPORT_DIALOG (self));

  gtk_switch_set_active (self->reviewed_switch, reviewed_only);
}

gboolean
lb_export_dialog_get_reviewed_only_sensitive (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), FALSE);

  return gtk_widget_get_sensitive (GTK_WIDGET (self->reviewed_row));
}

void
lb_export_dialog_set_output (LbExportDialog *self,
                             GFile          *file)
{
  g_return_if_fail (LB_IS_EXPORT_DIALOG (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  g_set_object (&self->output, file);
  show_error (self, NULL);
  update_output_row (self);
}

GFile *
lb_export_dialog_get_output (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), NULL);
  return self->output;
}

gboolean
lb_export_dialog_get_running (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), FALSE);
  return self->running;
}

const char *
lb_export_dialog_get_page (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

double
lb_export_dialog_get_fraction (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), 0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

const char *
lb_export_dialog_get_error_text (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), NULL);
  return self->error_text;
}

const char *
lb_export_dialog_get_result_text (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), NULL);
  return self->result_text;
}

const char *
lb_export_dialog_get_warnings_text (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), NULL);
  return self->warnings_text;
}

gboolean
lb_export_dialog_get_progress_shown (LbExportDialog *self)
{
  g_return_val_if_fail (LB_IS_EXPORT_DIALOG (self), FALSE);
  return self->progress_shown;
}

/* GObject */

static void
lb_export_dialog_dispose (GObject *object)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  g_clear_weak_pointer (&self->toasts);
  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_EXPORT_DIALOG);

  G_OBJECT_CLASS (lb_export_dialog_parent_class)->dispose (object);
}

static void
lb_export_dialog_finalize (GObject *object)
{
  LbExportDialog *self = LB_EXPORT_DIALOG (object);

  g_clear_object (&self->store);
  g_clear_object (&self->output);
  g_clear_object (&self->cancellable);
  g_free (self->batch_name);
  g_strfreev (self->formats);
  g_free (self->error_text);
  g_free (self->warnings_text);
  g_free (self->result_text);

  G_OBJECT_CLASS (lb_export_dialog_parent_class)->finalize (object);
}

static void
lb_export_dialog_class_init (LbExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lb_export_dialog_dispose;
  object_class->finalize = lb_export_dialog_finalize;
  window_class->close_request = lb_export_dialog_close_request;
  widget_class->unrealize = lb_export_dialog_unrealize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/lb-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, error_box);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, message_icon);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, scope_row);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, since_row);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, reviewed_row);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, reviewed_switch);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, date_button);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, calendar);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, since_switch);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, output_row);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, progress_page);
  gtk_widget_class_bind_template_child (widget_class, LbExportDialog, progress_bar);

  gtk_widget_class_install_action (widget_class, "export.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "export.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "export.choose", NULL, choose_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "export.cancel", NULL);
}

static void
lb_export_dialog_init (LbExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_window_set_default_widget (GTK_WINDOW (self), self->export_button);
  g_signal_connect_swapped (self->calendar, "day-selected", G_CALLBACK (day_selected_cb), self);
  g_object_bind_property (self->since_switch, "active", self->date_button, "sensitive",
                          G_BINDING_SYNC_CREATE);
  update_date_label (self);
  update_actions (self);
}
