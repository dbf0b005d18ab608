/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-preferences"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-preferences.h"
#include "lb-sync.h"
#include "lb-window.h"

/* The sink row's items, in this order */
static const char * const sink_ids[] = { "none", "outbox", "http", "postgres" };

struct _LbPreferences
{
  AdwPreferencesWindow  parent_instance;

  /* template */
  AdwEntryRow          *actor_row;
  AdwActionRow         *cache_row;
  GtkSpinButton        *cache_spin;
  AdwComboRow          *sink_row;
  AdwActionRow         *outbox_row;
  GtkWidget            *outbox_button;
  AdwEntryRow          *url_row;
  AdwEntryRow          *conninfo_row;
  AdwActionRow         *secret_row;
  GtkWidget            *secret_button;
  GtkWidget            *secret_clear_button;
  AdwActionRow         *interval_row;
  GtkSpinButton        *interval_spin;

  GSettings            *settings;
  GtkNativeDialog      *chooser;
};

G_DEFINE_FINAL_TYPE (LbPreferences, lb_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static char *
current_sink (LbPreferences *self)
{
  return g_settings_get_string (self->settings, "sync-sink");
}

/* sync-sink <-> the combo row's position */

static gboolean
sink_get_mapping (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (sink_ids); i++)
    if (strcmp (id, sink_ids[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

/* The sink chosen in the row: a target of another sink's form (a URL left
 * as the outbox folder, a folder as the URL, ...) is not carried over. The
 * target is kept when it is one the new sink can use (sync off and on
 * again, or back to where it was), else cleared: the outbox then uses its
 * default folder, and the URL or connection string is asked for. */
static void
target_follow_sink (LbPreferences *self,
                    const char    *sink)
{
  g_autofree char *target = g_settings_get_string (self->settings, "sync-target");
  g_autoptr(LbSyncConfig) config = NULL;
  LbSyncSinkKind kind;

  if (target[0] == '\0' || !lb_sync_sink_kind_from_string (sink, &kind))
    return;
  config = lb_sync_config_new (kind, target, NULL, NULL);
  if (config == NULL && g_settings_is_writable (self->settings, "sync-target"))
    g_settings_set_string (self->settings, "sync-target", "");
}

/* Called only when the row's selection changed (by the user), never when
 * the binding shows a change of the setting */
static GVariant *
sink_set_mapping (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  LbPreferences *self = LB_PREFERENCES (user_data);
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (sink_ids))
    return NULL;
  target_follow_sink (self, sink_ids[i]);
  return g_variant_new_string (sink_ids[i]);
}

/* Rows, their subtitles and the administrator's locks */

static void
set_lock_icon (GtkWidget *row,
               gboolean   locked)
{
  GtkWidget *icon = g_object_get_data (G_OBJECT (row), "lb-lock-icon");

  /* Added only while locked: an empty prefix would still indent the title */
  if (locked && icon == NULL)
    {
      icon = gtk_image_new_from_icon_name ("changes-prevent-symbolic");
      gtk_widget_set_tooltip_text (icon, _("Set by your administrator"));
      gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
      if (ADW_IS_ENTRY_ROW (row))
        adw_entry_row_add_prefix (ADW_ENTRY_ROW (row), icon);
      else
        adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      g_object_set_data (G_OBJECT (row), "lb-lock-icon", icon);
    }
  else if (!locked && icon != NULL)
    {
      if (ADW_IS_ENTRY_ROW (row))
        adw_entry_row_remove (ADW_ENTRY_ROW (row), icon);
      else
        adw_action_row_remove (ADW_ACTION_ROW (row), icon);
      g_object_set_data (G_OBJECT (row), "lb-lock-icon", NULL);
    }
}

/* ROW edits KEY; SUBTITLE is what the row says when it is not locked */
static void
apply_lock (LbPreferences *self,
            GtkWidget     *row,
            const char    *key,
            const char    *subtitle)
{
  gboolean writable = g_settings_is_writable (self->settings, key);

  gtk_widget_set_sensitive (row, writable);
  set_lock_icon (row, !writable);
  if (ADW_IS_ACTION_ROW (row))
    {
      g_autofree char *text = NULL;
      g_autofree char *escaped = NULL;

      if (!writable && subtitle != NULL && subtitle[0] != '\0')
        /* Translators: a locked setting's row: "Set by your administrator — /srv/outbox" */
        text = g_strdup_printf (_("Set by your administrator — %s"), subtitle);
      else if (!writable)
        text = g_strdup (_("Set by your administrator"));
      else
        text = g_strdup (subtitle);
      escaped = text != NULL ? g_markup_escape_text (text, -1) : NULL;
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
    }
  else if (!writable)
    gtk_widget_set_tooltip_text (row, _("Set by your administrator"));
  else
    gtk_widget_set_tooltip_text (row, NULL);
}

static char *
path_for_display (const char *path)
{
  return g_filename_display_name (path);
}

/* Why the sync engine refuses the sink's target (the same message the
 * header's indicator shows), or NULL. No I/O: the form is checked, not
 * the folder, server or database. */
static char *
target_problem (const char *sink,
                const char *target)
{
  g_autoptr(LbSyncConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  LbSyncSinkKind kind;

  if (target[0] == '\0' || !lb_sync_sink_kind_from_string (sink, &kind))
    return NULL;
  config = lb_sync_config_new (kind, target, NULL, &error);
  return config == NULL ? g_strdup (error->message) : NULL;
}

/* An entry row whose applied text is refused: red, the reason in its tooltip */
static void
show_problem (GtkWidget  *row,
              const char *problem)
{
  if (problem != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_widget_set_tooltip_text (row, problem);
    }
  else
    gtk_widget_remove_css_class (row, "error");
}

static void
update_rows (LbPreferences *self)
{
  g_autofree char *sink = current_sink (self);
  g_autofree char *target = g_settings_get_string (self->settings, "sync-target");
  g_autofree char *secret_file = g_settings_get_string (self->settings, "sync-secret-file");
  g_autofree char *outbox_text = NULL;
  g_autofree char *secret_text = NULL;
  g_autofree char *problem = target_problem (sink, target);
  gboolean outbox = strcmp (sink, "outbox") == 0;
  gboolean http = strcmp (sink, "http") == 0;
  gboolean postgres = strcmp (sink, "postgres") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->outbox_row), outbox);
  gtk_widget_set_visible (GTK_WIDGET (self->url_row), http);
  gtk_widget_set_visible (GTK_WIDGET (self->conninfo_row), postgres);
  gtk_widget_set_visible (GTK_WIDGET (self->secret_row), http || postgres);
  gtk_widget_set_visible (GTK_WIDGET (self->interval_row), strcmp (sink, "none") != 0);

  if (outbox && problem != NULL)
    outbox_text = g_strdup (problem);
  else if (target[0] != '\0')
    outbox_text = path_for_display (target);
  else
    {
      g_autofree char *def = lb_sync_get_default_outbox ();
      g_autofree char *shown = path_for_display (def);

      /* Translators: %s is the default outbox folder */
      outbox_text = g_strdup_printf (_("Default: %s"), shown);
    }
  if (secret_file[0] != '\0')
    secret_text = path_for_display (secret_file);
  else
    secret_text = g_strdup (_("None. The token or password is read from this file, never "
                              "shown nor kept in the settings."));
  gtk_widget_set_visible (self->secret_clear_button, secret_file[0] != '\0');

  /* The entries show the setting unless the user is editing them */
  if (http && !gtk_widget_has_focus (GTK_WIDGET (self->url_row))
      && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->url_row)), target) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->url_row), target);
  if (postgres && !gtk_widget_has_focus (GTK_WIDGET (self->conninfo_row))
      && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->conninfo_row)), target) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->conninfo_row), target);

  apply_lock (self, GTK_WIDGET (self->actor_row), "actor", NULL);
  apply_lock (self, GTK_WIDGET (self->cache_row), "image-cache-mb",
              _("Memory for decoded images, used from the next start"));
  apply_lock (self, GTK_WIDGET (self->sink_row), "sync-sink", NULL);
  apply_lock (self, GTK_WIDGET (self->outbox_row), "sync-target", outbox_text);
  apply_lock (self, GTK_WIDGET (self->url_row), "sync-target", NULL);
  apply_lock (self, GTK_WIDGET (self->conninfo_row), "sync-target", NULL);
  apply_lock (self, GTK_WIDGET (self->secret_row), "sync-secret-file", secret_text);
  apply_lock (self, GTK_WIDGET (self->interval_row), "sync-interval", NULL);
  show_problem (GTK_WIDGET (self->url_row), http ? problem : NULL);
  show_problem (GTK_WIDGET (self->conninfo_row), postgres ? problem : NULL);
}

static void
settings_changed_cb (GSettings     *settings,
                     const char    *key,
                     LbPreferences *self)
{
  if (g_str_has_prefix (key, "sync-"))
    update_rows (self);
  else if (strcmp (key, "actor") == 0)
    {
      g_autofree char *actor = g_settings_get_string (settings, "actor");

      if (!gtk_widget_has_focus (GTK_WIDGET (self->actor_row)))
        gtk_editable_set_text (GTK_EDITABLE (self->actor_row), actor);
    }
}

static void
writable_changed_cb (GSettings     *settings,
                     const char    *key,
                     LbPreferences *self)
{
  update_rows (self);
}

/* Entries: written when applied */

static void
actor_apply_cb (AdwEntryRow   *row,
                LbPreferences *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (name[0] == '\0' || !g_settings_is_writable (self->settings, "actor"))
    return;
  g_settings_set_string (self->settings, "actor", name);
  if (LB_IS_WINDOW (parent))
    lb_window_set_actor (LB_WINDOW (parent), name);
}

static void
target_apply_cb (AdwEntryRow   *row,
                 LbPreferences *self)
{
  g_autofree char *target = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (g_settings_is_writable (self->settings, "sync-target"))
    g_settings_set_string (self->settings, "sync-target", target);
}

/* Choosers */

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     LbPreferences   *self)
{
  g_autoptr(GFile) file = NULL;
  const char *what = g_object_get_data (G_OBJECT (chooser), "lb-what");

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL && g_strcmp0 (what, "outbox") == 0)
    lb_preferences_set_outbox (self, file);
  else if (file != NULL)
    lb_preferences_set_secret_file (self, file);
  gtk_native_dialog_destroy (chooser);
  if (self->chooser == chooser)
    g_clear_object (&self->chooser);
}

static void
open_chooser (LbPreferences        *self,
              const char           *what,
              const char           *title,
              GtkFileChooserAction  action,
              const char           *current)
{
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, _("_Select"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (current != NULL && current[0] != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_path (current);
      g_autoptr(GFile) parent = action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                ? g_object_ref (file) : g_file_get_parent (file);

      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), parent, NULL);
    }
  g_object_set_data (G_OBJECT (chooser), "lb-what", (gpointer) what);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

static void
outbox_clicked_cb (LbPreferences *self)
{
  g_autofree char *target = g_settings_get_string (self->settings, "sync-target");

  open_chooser (self, "outbox", _("Choose the Outbox Folder"),
                GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, target);
}

static void
secret_clicked_cb (LbPreferences *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "sync-secret-file");

  open_chooser (self, "secret", _("Choose the Secret File"), GTK_FILE_CHOOSER_ACTION_OPEN,
                path);
}

static void
secret_clear_clicked_cb (LbPreferences *self)
{
  lb_preferences_set_secret_file (self, NULL);
}

/* Public API */

LbPreferences *
lb_preferences_new (GtkWindow *parent,
                    GSettings *settings)
{
  LbPreferences *self;
  g_autoptr(GtkStringList) sinks = NULL;
  g_autofree char *actor = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (LB_TYPE_PREFERENCES, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);

  sinks = gtk_string_list_new (NULL);
  gtk_string_list_append (sinks, _("Nothing (sync off)"));
  gtk_string_list_append (sinks, _("Outbox folder"));
  gtk_string_list_append (sinks, _("HTTP(S) endpoint"));
  gtk_string_list_append (sinks, _("PostgreSQL database"));
  adw_combo_row_set_model (self->sink_row, G_LIST_MODEL (sinks));

  /* Sensitivity is ours (apply_lock), with the reason in the subtitle */
  g_settings_bind_with_mapping (settings, "sync-sink", self->sink_row, "selected",
                                G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY,
                                sink_get_mapping, sink_set_mapping, self, NULL);
  g_settings_bind (settings, "image-cache-mb", gtk_spin_button_get_adjustment (self->cache_spin),
                   "value", G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
  g_settings_bind (settings, "sync-interval",
                   gtk_spin_button_get_adjustment (self->interval_spin), "value",
                   G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);

  actor = g_settings_get_string (settings, "actor");
  gtk_editable_set_text (GTK_EDITABLE (self->actor_row), actor);

  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  g_signal_connect_object (settings, "writable-changed", G_CALLBACK (writable_changed_cb),
                           self, 0);
  update_rows (self);
  return self;
}

GtkWidget *
lb_preferences_get_row (LbPreferences *self,
                        const char    *key)
{
  g_autofree char *sink = NULL;

  g_return_val_if_fail (LB_IS_PREFERENCES (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (strcmp (key, "actor") == 0)
    return GTK_WIDGET (self->actor_row);
  if (strcmp (key, "image-cache-mb") == 0)
    return GTK_WIDGET (self->cache_row);
  if (strcmp (key, "sync-sink") == 0)
    return GTK_WIDGET (self->sink_row);
  if (strcmp (key, "sync-secret-file") == 0)
    return GTK_WIDGET (self->secret_row);
  if (strcmp (key, "sync-interval") == 0)
    return GTK_WIDGET (self->interval_row);
  if (strcmp (key, "sync-target") != 0)
    return NULL;
  sink = current_sink (self);
  if (strcmp (sink, "http") == 0)
    return GTK_WIDGET (self->url_row);
  if (strcmp (sink, "postgres") == 0)
    return GTK_WIDGET (self->conninfo_row);
  return GTK_WIDGET (self->outbox_row);
}

void
lb_preferences_set_secret_file (LbPreferences *self,
                                GFile         *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (LB_IS_PREFERENCES (self));

  if (!g_settings_is_writable (self->settings, "sync-secret-file"))
    return;
  path = file != NULL ? g_file_get_path (file) : NULL;
  g_settings_set_string (self->settings, "sync-secret-file", path != NULL ? path : "");
}

void
lb_preferences_set_outbox (LbPreferences *self,
                           GFile         *folder)
{
  g_autofree char *path = NULL;

  g_return_if_fail (LB_IS_PREFERENCES (self));

  if (!g_settings_is_writable (self->settings, "sync-target"))
    return;
  path = folder != NULL ? g_file_get_path (folder) : NULL;
  g_settings_set_string (self->settings, "sync-target", path != NULL ? path : "");
}

/* GObject */

static void
lb_preferences_dispose (GObject *object)
{
  LbPreferences *self = LB_PREFERENCES (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_PREFERENCES);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lb_preferences_parent_class)->dispose (object);
}

static void
lb_preferences_class_init (LbPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/lb-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, actor_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, cache_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, cache_spin);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, sink_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, outbox_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, outbox_button);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, url_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, conninfo_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, secret_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, secret_button);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, secret_clear_button);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, interval_row);
  gtk_widget_class_bind_template_child (widget_class, LbPreferences, interval_spin);
}

static void
lb_preferences_init (LbPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self->actor_row, "apply", G_CALLBACK (actor_apply_cb), self);
  g_signal_connect (self->url_row, "apply", G_CALLBACK (target_apply_cb), self);
  g_signal_connect (self->conninfo_row, "apply", G_CALLBACK (target_apply_cb), self);
  g_signal_connect_swapped (self->outbox_button, "clicked", G_CALLBACK (outbox_clicked_cb), self);
  g_signal_connect_swapped (self->secret_button, "clicked", G_CALLBACK (secret_clicked_cb), self);
  g_signal_connect_swapped (self->secret_clear_button, "clicked",
                            G_CALLBACK (secret_clear_clicked_cb), self);
}
