/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-application"
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lb-application.h"
#include "lb-store.h"
#include "lb-window.h"

struct _LbApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  LbStore        *store;
  GError         *store_error;
  gboolean        store_tried;

  char           *store_option;
  char           *actor_option;
  gboolean        demo_option;
};

G_DEFINE_FINAL_TYPE (LbApplication, lb_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "store", 's', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The store to open (default: the one in your data folder)"), N_("DB") },
  { "actor", 'a', 0, G_OPTION_ARG_STRING, NULL,
    N_("Sign decisions with this name (not saved)"), N_("NAME") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Import and open the bundled demo batch"), NULL },
  { NULL }
};

LbApplication *
lb_application_new (void)
{
  return g_object_new (LB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

GSettings *
lb_application_get_settings (LbApplication *self)
{
  g_return_val_if_fail (LB_IS_APPLICATION (self), NULL);
  return self->settings;
}

static void
open_store (LbApplication *self)
{
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  if (self->store_tried)
    return;
  self->store_tried = TRUE;

  if (self->store_option != NULL)
    path = g_strdup (self->store_option);
  else if (self->settings != NULL)
    {
      path = g_settings_get_string (self->settings, "store-path");
      if (path[0] == '\0')
        g_clear_pointer (&path, g_free);
    }
  if (path == NULL)
    path = lb_store_get_default_path ();

  dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0700);
  self->store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &self->store_error);
  if (self->store == NULL)
    g_message ("Cannot open the store %s: %s", path, self->store_error->message);
}

static LbWindow *
ensure_window (LbApplication *self,
               gboolean      *created)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  LbWindow *window;
  const char *actor = NULL;
  g_autofree char *saved_actor = NULL;

  *created = FALSE;
  if (LB_IS_WINDOW (active))
    return LB_WINDOW (active);

  *created = TRUE;
  window = lb_window_new (GTK_APPLICATION (self));
  lb_window_set_settings (window, self->settings);

  if (self->actor_option != NULL && self->actor_option[0] != '\0')
    actor = self->actor_option;
  else if (self->settings != NULL)
    {
      saved_actor = g_settings_get_string (self->settings, "actor");
      actor = saved_actor;
    }
  lb_window_set_actor (window, actor);

  open_store (self);
  if (self->store != NULL)
    lb_window_set_store (window, self->store);
  else
    lb_window_show_store_error (window, self->store_error);

  gtk_window_present (GTK_WINDOW (window));

  if (self->store != NULL && lb_window_get_actor (window) == NULL)
    lb_window_ask_actor (window);
  return window;
}

static void
lb_application_activate (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);
  gboolean created;
  LbWindow *window = ensure_window (self, &created);

  if (!created || self->store == NULL)
    return;

  if (self->demo_option)
    {
      g_autofree char *dir = lb_window_get_demo_dir ();
      g_autoptr(GFile) file = g_file_new_for_path (dir);

      lb_window_import (window, file);
    }
  else if (self->settings != NULL)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-batch");
      g_autoptr(LbBatch) batch = NULL;

      if (last[0] != '\0')
        batch = lb_store_find_batch (self->store, last, NULL);
      if (batch != NULL)
        {
          g_autoptr(GError) error = NULL;

          if (!lb_window_open_batch (window, batch->id, &error))
            g_message ("Cannot open the last batch %s: %s", last, error->message);
        }
    }
}

static void
lb_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  LbApplication *self = LB_APPLICATION (app);
  gboolean created;
  LbWindow *window = ensure_window (self, &created);

  if (self->store != NULL && n_files > 0)
    lb_window_import (window, files[0]);
}

static int
lb_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  LbApplication *self = LB_APPLICATION (app);
  const char *value;

  if (g_variant_dict_lookup (options, "store", "^&ay", &value))
    self->store_option = g_strdup (value);
  if (g_variant_dict_lookup (options, "actor", "&s", &value))
    self->actor_option = g_strdup (value);
  g_variant_dict_lookup (options, "demo", "b", &self->demo_option);
  return -1;
}

static void
lb_application_startup (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);
  GSettingsSchemaSource *source;
  g_autoptr(GSettingsSchema) schema = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *help_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (lb_application_parent_class)->startup (app);

  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema != NULL)
    self->settings = g_settings_new (APP_ID);
  else
    g_warning ("The GSettings schema %s is not installed; settings are not kept", APP_ID);

  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.open", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         help_accels);
}

static void
lb_application_shutdown (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  for (GList *l = windows; l != NULL; l = l->next)
    if (LB_IS_WINDOW (l->data))
      lb_window_set_store (l->data, NULL);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  if (self->store != NULL)
    lb_store_close (self->store);
  g_clear_object (&self->store);

  G_APPLICATION_CLASS (lb_application_parent_class)->shutdown (app);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  GList *windows = gtk_application_get_windows (app);

  /* Close windows first so that their size is saved */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;
      windows = windows->next;
      gtk_window_destroy (window);
    }
  g_application_quit (G_APPLICATION (app));
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.open-folder", NULL);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  static const char *developers[] = { "The Labelbench developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", window,
                        "modal", TRUE,
                        "application-name", _("Labelbench"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Labelbench developers"),
                        "developers", developers,
                        "comments", _("Label images and texts at keyboard speed, "
                                      "with every decision durably saved."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL },
  { "open", open_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
};

static void
lb_application_finalize (GObject *object)
{
  LbApplication *self = LB_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_error (&self->store_error);
  g_free (self->store_option);
  g_free (self->actor_option);

  G_OBJECT_CLASS (lb_application_parent_class)->finalize (object);
}

static void
lb_application_class_init (LbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = lb_application_finalize;
  app_class->activate = lb_application_activate;
  app_class->open = lb_application_open;
  app_class->startup = lb_application_startup;
  app_class->shutdown = lb_application_shutdown;
  app_class->handle_local_options = lb_application_handle_local_options;
}

static void
lb_application_init (LbApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[PATH]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("PATH is a folder or a JSONL or CSV manifest "
                                              "to import and open."));
}
