/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-sync-indicator"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-sync-indicator.h"

#define RESTART_DELAY_MS 300

struct _LbSyncIndicator
{
  GtkWidget     parent_instance;

  GtkWidget    *button;
  GtkWidget    *icon;
  GtkWidget    *label;
  GtkLabel     *title_label;
  GtkLabel     *reason_label;
  GtkLabel     *last_label;
  GtkLabel     *sink_label;
  GtkLabel     *target_label;
  GtkWidget    *sync_now_button;

  LbStore      *store;
  GSettings    *settings;
  LbSyncer     *syncer;
  GCancellable *load_cancellable;
  guint         generation;
  guint         restart_id;

  GDateTime    *last_synced;
  char         *config_error;   /* the configuration could not be read */
  char         *sink_text;
  char         *target_text;
};

G_DEFINE_FINAL_TYPE (LbSyncIndicator, lb_sync_indicator, GTK_TYPE_WIDGET)

static void restart (LbSyncIndicator *self);

/* What is shown of a target: never a password or a token */

static char *
mask_conninfo (const char *conninfo)
{
  g_autoptr(GRegex) regex = g_regex_new ("(password\\s*=\\s*)('([^'\\\\]|\\\\.)*'|\\S+)",
                                         G_REGEX_CASELESS, 0, NULL);

  return g_regex_replace (regex, conninfo, -1, 0, "\\1•••", 0, NULL);
}

static char *
mask_target (const char *target)
{
  g_autoptr(GUri) uri = NULL;

  if (target == NULL || target[0] == '\0')
    return NULL;
  uri = g_uri_parse (target, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    {
      /* URLs and postgresql:// URIs: no user info, no query */
      g_autoptr(GUri) shown = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                           g_uri_get_host (uri), g_uri_get_port (uri),
                                           g_uri_get_path (uri), NULL, NULL);
      g_autofree char *text = g_uri_to_string (shown);

      if (g_uri_get_query (uri) != NULL)
        return g_strconcat (text, "?…", NULL);
      return g_steal_pointer (&text);
    }
  if (g_path_is_absolute (target))
    return g_filename_display_name (target);
  return mask_conninfo (target);
}

static const char *
sink_title (const char *sink)
{
  if (g_strcmp0 (sink, "outbox") == 0)
    return _("Outbox folder");
  if (g_strcmp0 (sink, "http") == 0)
    return _("HTTP(S) endpoint");
  if (g_strcmp0 (sink, "postgres") == 0)
    return _("PostgreSQL database");
  return sink;
}

/* The button and its popover */

static void
set_css (GtkWidget  *widget,
         const char *class_name)
{
  static const char * const classes[] = { "success", "warning", "error", "accent" };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_strcmp0 (classes[i], class_name) == 0)
      gtk_widget_add_css_class (widget, classes[i]);
    else
      gtk_widget_remove_css_class (widget, classes[i]);
}

static void
show_state (LbSyncIndicator *self,
            const char      *icon,
            const char      *css,
            const char      *label,
            const char      *title,
            const char      *reason)
{
  g_autofree char *last = NULL;

  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), icon);
  set_css (self->button, css);
  gtk_label_set_text (GTK_LABEL (self->label), label);
  gtk_widget_set_tooltip_text (self->button, title);
  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->reason_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), reason != NULL && reason[0] != '\0');

  if (self->last_synced != NULL)
    last = g_date_time_format (self->last_synced, "%x %X");
  gtk_label_set_text (self->last_label, last != NULL ? last : _("Not yet"));
  gtk_label_set_text (self->sink_label, self->sink_text != NULL ? self->sink_text : "");
  gtk_label_set_text (self->target_label, self->target_text != NULL ? self->target_text : "");
}

static void
update_from_syncer (LbSyncIndicator *self)
{
  LbSyncStatus status;
  guint64 pending;
  const char *message;
  g_autofree char *count = NULL;
  g_autofree char *label = NULL;
  g_autofree char *title = NULL;

  if (self->syncer == NULL)
    return;
  status = lb_syncer_get_status (self->syncer);
  pending = lb_syncer_get_pending (self->syncer);
  message = lb_syncer_get_message (self->syncer);
  count = g_strdup_printf ("%" G_GUINT64_FORMAT, pending);

  switch (status)
    {
    case LB_SYNC_STATUS_SYNCED:
      g_clear_pointer (&self->last_synced, g_date_time_unref);
      self->last_synced = g_date_time_new_now_local ();
      show_state (self, "emblem-ok-symbolic", NULL, _("Synced"),
                  _("Every event was delivered"), NULL);
      break;
    case LB_SYNC_STATUS_PENDING:
      if (pending == 0)
        {
          show_state (self, "emblem-synchronizing-symbolic", NULL, _("Syncing…"),
                      _("Counting the events to deliver"), NULL);
          break;
        }
      /* Translators: %s is a number of events not yet delivered, e.g. "12 pending" */
      label = g_strdup_printf (ngettext ("%s pending", "%s pending", (gulong) pending), count);
      /* Translators: %s is a number of events */
      title = g_strdup_printf (ngettext ("%s event waiting to be delivered",
                                         "%s events waiting to be delivered", (gulong) pending),
                               count);
      show_state (self, "emblem-synchronizing-symbolic", "accent", label, title, NULL);
      break;
    case LB_SYNC_STATUS_OFFLINE:
      show_state (self, "network-offline-symbolic", "warning", _("Offline"),
                  _("The sink cannot be reached; retrying"), message);
      break;
    case LB_SYNC_STATUS_FAILING:
    default:
      show_state (self, "dialog-warning-symbolic", "error", _("Sync failing"),
                  _("The events are not being delivered"), message);
      break;
    }
}

static void
syncer_notify_cb (LbSyncer        *syncer,
                  GParamSpec      *pspec,
                  LbSyncIndicator *self)
{
  if (syncer == self->syncer)
    update_from_syncer (self);
}

static void
show_config_error (LbSyncIndicator *self,
                   const char      *message)
{
  g_free (self->config_error);
  self->config_error = g_strdup (message);
  show_state (self, "dialog-warning-symbolic", "error", _("Sync failing"),
              _("The sync settings cannot be used"), message);
}

/* The syncer's life */

static void
stop_syncer (LbSyncIndicator *self)
{
  if (self->syncer == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->syncer, self);
  lb_syncer_stop (self->syncer);
  g_clear_object (&self->syncer);
}

typedef struct {
  LbSyncSinkKind  kind;
  char           *target;
  char           *secret_file;
} LoadData;

static void
load_data_free (gpointer data)
{
  LoadData *load = data;

  g_free (load->target);
  g_free (load->secret_file);
  g_free (load);
}

/* Reads the secret file off the main thread */
static void
load_config_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  LoadData *load = task_data;
  g_autofree char *secret = NULL;
  GError *error = NULL;
  LbSyncConfig *config;

  if (load->secret_file[0] != '\0')
    {
      secret = lb_sync_read_secret_file (load->secret_file, &error);
      if (secret == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  config = lb_sync_config_new (load->kind, load->target, secret, &error);
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  if (config == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, config, (GDestroyNotify) lb_sync_config_free);
}

static void
load_config_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  LbSyncIndicator *self = LB_SYNC_INDICATOR (source);
  guint generation = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = g_task_propagate_pointer (G_TASK (result), &error);

  if (generation != self->generation || self->store == NULL)
    return;
  g_clear_object (&self->load_cancellable);
  if (config == NULL)
    {
      g_message ("Sync is not started: %s", error->message);
      show_config_error (self, error->message);
      return;
    }

  self->syncer = lb_syncer_new (self->store, config);
  if (self->settings != NULL)
    lb_syncer_set_interval (self->syncer, g_settings_get_uint (self->settings, "sync-interval"));
  g_signal_connect (self->syncer, "notify::status", G_CALLBACK (syncer_notify_cb), self);
  g_signal_connect (self->syncer, "notify::pending", G_CALLBACK (syncer_notify_cb), self);
  g_signal_connect (self->syncer, "notify::message", G_CALLBACK (syncer_notify_cb), self);
  update_from_syncer (self);
  lb_syncer_start (self->syncer);
}

static void
restart (LbSyncIndicator *self)
{
  g_autofree char *sink = NULL;
  g_autoptr(GTask) task = NULL;
  LoadData *load;
  LbSyncSinkKind kind;

  self->generation++;
  g_clear_handle_id (&self->restart_id, g_source_remove);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  stop_syncer (self);
  g_clear_pointer (&self->config_error, g_free);
  g_clear_pointer (&self->sink_text, g_free);
  g_clear_pointer (&self->target_text, g_free);

  if (self->store == NULL || self->settings == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }
  sink = g_settings_get_string (self->settings, "sync-sink");
  if (strcmp (sink, "none") == 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);

  load = g_new0 (LoadData, 1);
  load->target = g_settings_get_string (self->settings, "sync-target");
  load->secret_file = g_settings_get_string (self->settings, "sync-secret-file");
  self->sink_text = g_strdup (sink_title (sink));
  if (load->target[0] != '\0')
    self->target_text = mask_target (load->target);
  else if (strcmp (sink, "outbox") == 0)
    {
      g_autofree char *def = lb_sync_get_default_outbox ();

      self->target_text = g_filename_display_name (def);
    }

  if (!lb_sync_sink_kind_from_string (sink, &kind))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown sync sink “%s”"), sink);

      load_data_free (load);
      show_config_error (self, message);
      return;
    }
  load->kind = kind;
  show_state (self, "emblem-synchronizing-symbolic", NULL, _("Starting…"),
              _("Sync is starting"), NULL);

  self->load_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->load_cancellable, load_config_done_cb,
                     GUINT_TO_POINTER (self->generation));
  g_task_set_source_tag (task, restart);
  g_task_set_task_data (task, load, load_data_free);
  g_task_run_in_thread (task, load_config_thread);
}

static gboolean
restart_timeout_cb (gpointer user_data)
{
  LbSyncIndicator *self = user_data;

  self->restart_id = 0;
  restart (self);
  return G_SOURCE_REMOVE;
}

static void
settings_changed_cb (GSettings       *settings,
                     const char      *key,
                     LbSyncIndicator *self)
{
  if (!g_str_has_prefix (key, "sync-"))
    return;
  /* A few changes in a row (a folder and a sink) restart it once */
  g_clear_handle_id (&self->restart_id, g_source_remove);
  self->restart_id = g_timeout_add (RESTART_DELAY_MS, restart_timeout_cb, self);
}

static void
sync_now_clicked_cb (LbSyncIndicator *self)
{
  lb_sync_indicator_sync_now (self);
}

/* Public API */

GtkWidget *
lb_sync_indicator_new (void)
{
  return g_object_new (LB_TYPE_SYNC_INDICATOR, NULL);
}

void
lb_sync_indicator_set_store (LbSyncIndicator *self,
                             LbStore         *store)
{
  g_return_if_fail (LB_IS_SYNC_INDICATOR (self));
  g_return_if_fail (store == NULL || LB_IS_STORE (store));

  if (self->store == store)
    return;
  stop_syncer (self);
  g_set_object (&self->store, store);
  restart (self);
}

void
lb_sync_indicator_set_settings (LbSyncIndicator *self,
                                GSettings       *settings)
{
  g_return_if_fail (LB_IS_SYNC_INDICATOR (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect (settings, "changed", G_CALLBACK (settings_changed_cb), self);
  restart (self);
}

void
lb_sync_indicator_stop (LbSyncIndicator *self)
{
  g_return_if_fail (LB_IS_SYNC_INDICATOR (self));

  self->generation++;
  g_clear_handle_id (&self->restart_id, g_source_remove);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  stop_syncer (self);
}

void
lb_sync_indicator_sync_now (LbSyncIndicator *self)
{
  g_return_if_fail (LB_IS_SYNC_INDICATOR (self));

  if (self->syncer != NULL)
    lb_syncer_sync_now (self->syncer);
  else if (self->config_error != NULL)
    restart (self);  /* the secret file may be readable now */
}

LbSyncer *
lb_sync_indicator_get_syncer (LbSyncIndicator *self)
{
  g_return_val_if_fail (LB_IS_SYNC_INDICATOR (self), NULL);
  return self->syncer;
}

const char *
lb_sync_indicator_get_label (LbSyncIndicator *self)
{
  g_return_val_if_fail (LB_IS_SYNC_INDICATOR (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self)) ? gtk_label_get_text (GTK_LABEL (self->label))
                                                    : NULL;
}

const char *
lb_sync_indicator_get_reason (LbSyncIndicator *self)
{
  g_return_val_if_fail (LB_IS_SYNC_INDICATOR (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->reason_label))
         ? gtk_label_get_text (self->reason_label) : NULL;
}

const char *
lb_sync_indicator_get_sink_text (LbSyncIndicator *self)
{
  g_return_val_if_fail (LB_IS_SYNC_INDICATOR (self), NULL);
  return gtk_label_get_text (self->sink_label);
}

const char *
lb_sync_indicator_get_target_text (LbSyncIndicator *self)
{
  g_return_val_if_fail (LB_IS_SYNC_INDICATOR (self), NULL);
  return gtk_label_get_text (self->target_label);
}

gboolean
lb_sync_indicator_get_has_synced (LbSyncIndicator *self)
{
  g_return_val_if_fail (LB_IS_SYNC_INDICATOR (self), FALSE);
  return self->last_synced != NULL;
}

void
lb_sync_indicator_popup (LbSyncIndicator *self)
{
  g_return_if_fail (LB_IS_SYNC_INDICATOR (self));
  gtk_menu_button_popup (GTK_MENU_BUTTON (self->button));
}

/* GObject */

static void
lb_sync_indicator_dispose (GObject *object)
{
  LbSyncIndicator *self = LB_SYNC_INDICATOR (object);

  lb_sync_indicator_stop (self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_pointer (&self->button, gtk_widget_unparent);

  G_OBJECT_CLASS (lb_sync_indicator_parent_class)->dispose (object);
}

static void
lb_sync_indicator_finalize (GObject *object)
{
  LbSyncIndicator *self = LB_SYNC_INDICATOR (object);

  g_clear_pointer (&self->last_synced, g_date_time_unref);
  g_free (self->config_error);
  g_free (self->sink_text);
  g_free (self->target_text);

  G_OBJECT_CLASS (lb_sync_indicator_parent_class)->finalize (object);
}

static void
lb_sync_indicator_class_init (LbSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_sync_indicator_dispose;
  object_class->finalize = lb_sync_indicator_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lb-sync-indicator");
}

static GtkLabel *
add_field (GtkGrid    *grid,
           int         row,
           const char *name)
{
  GtkWidget *key = gtk_label_new (name);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (key), 1);
  gtk_label_set_yalign (GTK_LABEL (key), 0);
  gtk_widget_add_css_class (key, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (value), 40);
  gtk_widget_set_hexpand (value, TRUE);
  gtk_grid_attach (grid, key, 0, row, 1, 1);
  gtk_grid_attach (grid, value, 1, row, 1, 1);
  return GTK_LABEL (value);
}

static void
lb_sync_indicator_init (LbSyncIndicator *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *grid = gtk_grid_new ();

  self->icon = gtk_image_new_from_icon_name ("emblem-synchronizing-symbolic");
  self->label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (content), self->icon);
  gtk_box_append (GTK_BOX (content), self->label);

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  gtk_label_set_xalign (self->title_label, 0);
  gtk_label_set_wrap (self->title_label, TRUE);
  self->reason_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->reason_label, 0);
  gtk_label_set_wrap (self->reason_label, TRUE);
  gtk_label_set_wrap_mode (self->reason_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (self->reason_label, 48);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), FALSE);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->last_label = add_field (GTK_GRID (grid), 0, _("Last synced"));
  self->sink_label = add_field (GTK_GRID (grid), 1, _("Sink"));
  self->target_label = add_field (GTK_GRID (grid), 2, _("Target"));

  self->sync_now_button = gtk_button_new_with_mnemonic (_("_Sync Now"));
  gtk_widget_set_halign (self->sync_now_button, GTK_ALIGN_END);
  gtk_widget_add_css_class (self->sync_now_button, "suggested-action");
  g_signal_connect_swapped (self->sync_now_button, "clicked", G_CALLBACK (sync_now_clicked_cb),
                            self);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->reason_label));
  gtk_box_append (GTK_BOX (box), grid);
  gtk_box_append (GTK_BOX (box), self->sync_now_button);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_size_request (box, 320, -1);
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  self->button = gtk_menu_button_new ();
  gtk_menu_button_set_child (GTK_MENU_BUTTON (self->button), content);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->button), popover);
  gtk_widget_add_css_class (self->button, "flat");
  gtk_widget_add_css_class (self->button, "lb-sync-state");
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
