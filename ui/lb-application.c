/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-application"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "lb-application.h"
#include "lb-batch-list.h"
#include "lb-store.h"
#include "lb-window.h"

/* Each launch is its own process (G_APPLICATION_NON_UNIQUE): its --store,
 * --actor, --demo and PATH are its own, so work is never signed with another
 * launch's name nor written into another launch's store. Two processes on
 * one store are kept apart by the store's write lock, and the second one is
 * told so on its error page.
 *
 * The store is opened in a worker thread (quick_check can take a while on a
 * big store); meanwhile the window shows "Opening the Store…". */

typedef enum {
  STORE_NONE,
  STORE_OPENING,
  STORE_OPEN,
  STORE_FAILED,
} StoreState;

struct _LbApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  LbStore        *store;
  GError         *store_error;
  StoreState      store_state;

  char           *store_option;
  char           *actor_option;
  gboolean        demo_option;

  /* what the command line asked for, done once the store is open */
  GFile          *pending_file;
  gboolean        pending_demo;
  gboolean        pending_last_batch;
  gboolean        shutting_down;
};

G_DEFINE_FINAL_TYPE (LbApplication, lb_application, ADW_TYPE_APPLICATION)

/* The window's own content while the store is being opened */
#define OPENING_CONTENT_KEY "lb-application-saved-content"

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
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       NULL);
}

GSettings *
lb_application_get_settings (LbApplication *self)
{
  g_return_val_if_fail (LB_IS_APPLICATION (self), NULL);
  return self->settings;
}

LbStore *
lb_application_get_store (LbApplication *self)
{
  g_return_val_if_fail (LB_IS_APPLICATION (self), NULL);
  return self->store;
}

gboolean
lb_application_get_opening (LbApplication *self)
{
  g_return_val_if_fail (LB_IS_APPLICATION (self), FALSE);
  return self->store_state == STORE_OPENING;
}

static char *
store_path (LbApplication *self)
{
  g_autofree char *path = NULL;

  if (self->store_option != NULL)
    return g_strdup (self->store_option);
  if (self->settings != NULL)
    {
      path = g_settings_get_string (self->settings, "store-path");
      if (path[0] != '\0')
        return g_steal_pointer (&path);
    }
  return lb_store_get_default_path ();
}

/* PATH as one shell word, quoted only when it needs it */
static char *
quote_path (const char *path)
{
  for (const char *p = path; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._-+,:@%", *p) == NULL && !((guchar) *p & 0x80))
      return g_shell_quote (path);
  return g_strdup (path);
}

/* The error with what to do next added to its message */
static GError *
store_error_with_next_step (const GError *error,
                            const char   *path)
{
  g_autofree char *next = NULL;

  if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT))
    {
      g_autofree char *display = g_filename_display_name (path);
      g_autofree char *quoted = quote_path (display);

      /* Translators: %s is the store's path, as typed in a shell */
      next = g_strdup_printf (_("The file was left untouched. Restore it from a backup or move "
                                "it aside; “labelbench-cli verify --store %s” gives details."),
                              quoted);
    }
  else if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_LOCKED))
    next = g_strdup (_("Close the other Labelbench window using this store, or start "
                       "Labelbench with --store to use another one."));
  else if (g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_TOO_NEW))
    next = g_strdup (_("The file was left untouched. Open it with the newer Labelbench "
                       "that made it, or start Labelbench with --store to use another one."));
  else
    next = g_strdup (_("Check that the folder exists and that you may write there, or start "
                       "Labelbench with --store to use another one."));

  return g_error_new (error->domain, error->code, "%s\n\n%s", error->message, next);
}

/* Opening off the main thread */

static void
open_store_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  const char *path = task_data;
  GError *error = NULL;
  LbStore *store;

  /* The store emits its signals on the thread-default main context of its
   * opener. This thread has none of its own, so that is the global default
   * context: the main thread's, checked in start_open_store(). */
  g_warn_if_fail (g_main_context_get_thread_default () == NULL);

  store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

static void
show_opening (LbWindow   *window,
              const char *path)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  GtkWidget *box, *header, *title, *page, *spinner;

  if (content == NULL || g_object_get_data (G_OBJECT (window), OPENING_CONTENT_KEY) != NULL)
    return;

  /* Keep the window's content (header, work area) aside until the store is open */
  g_object_set_data_full (G_OBJECT (window), OPENING_CONTENT_KEY, g_object_ref (content),
                          g_object_unref);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_name (box, "lb-opening");
  header = adw_header_bar_new ();
  title = adw_window_title_new (_("Labelbench"), "");
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  gtk_box_append (GTK_BOX (box), header);

  spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  page = adw_status_page_new ();
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Opening the Store…"));
  {
    g_autofree char *display = g_filename_display_name (path);
    g_autofree char *escaped = g_markup_escape_text (display, -1);

    adw_status_page_set_description (ADW_STATUS_PAGE (page), escaped);
  }
  adw_status_page_set_child (ADW_STATUS_PAGE (page), spinner);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
}

static void
end_opening (LbWindow *window)
{
  GtkWidget *content = g_object_get_data (G_OBJECT (window), OPENING_CONTENT_KEY);

  if (content == NULL)
    return;
  g_object_ref (content);
  g_object_set_data (G_OBJECT (window), OPENING_CONTENT_KEY, NULL);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), content);
  g_object_unref (content);
}

static void
update_store_actions (LbApplication *self)
{
  GAction *open = g_action_map_lookup_action (G_ACTION_MAP (self), "open");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (open), self->store_state == STORE_OPEN);
}

/* No last batch (or not one of this store): a store holding a single batch
 * opens it, as long as the window still shows the welcome page. */
static void
only_batch_listed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(LbWindow) window = g_weak_ref_get (weak);
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);
  batches = lb_batch_list_load_finish (result, &error);
  if (batches == NULL)
    {
      if (window != NULL)
        g_message ("Cannot list the batches of the store: %s", error->message);
      return;
    }
  if (window == NULL || batches->len != 1 || lb_window_get_store (window) == NULL
      || lb_window_get_batch_id (window) != 0 || lb_window_get_importing (window)
      || g_strcmp0 (lb_window_get_page (window), "welcome") != 0)
    return;

  {
    LbBatchInfo *only = g_ptr_array_index (batches, 0);

    if (!lb_window_open_batch (window, only->id, &error))
      g_message ("Cannot open the batch %s: %s", only->name, error->message);
  }
}

static void
open_only_batch (LbWindow *window)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  g_weak_ref_init (weak, window);
  lb_batch_list_load_async (lb_window_get_store (window), NULL, only_batch_listed_cb, weak);
}

/* The window has its store (or its error): do what the command line asked */
static void
run_pending (LbApplication *self,
             LbWindow      *window)
{
  g_autoptr(GFile) file = g_steal_pointer (&self->pending_file);
  gboolean demo = self->pending_demo;
  gboolean last_batch = self->pending_last_batch;

  self->pending_demo = FALSE;
  self->pending_last_batch = FALSE;
  if (self->store == NULL)
    return;

  if (lb_window_get_actor (window) == NULL)
    lb_window_ask_actor (window);

  if (file != NULL)
    lb_window_import (window, file);
  else if (demo)
    {
      g_autofree char *dir = lb_window_get_demo_dir ();
      g_autoptr(GFile) demo_dir = g_file_new_for_path (dir);

      lb_window_import (window, demo_dir);
    }
  else if (last_batch)
    {
      g_autofree char *last = self->settings != NULL
                              ? g_settings_get_string (self->settings, "last-batch")
                              : g_strdup ("");
      g_autoptr(LbBatch) batch = NULL;

      if (last[0] != '\0')
        batch = lb_store_find_batch (self->store, last, NULL);
      if (batch != NULL)
        {
          g_autoptr(GError) error = NULL;

          if (!lb_window_open_batch (window, batch->id, &error))
            g_message ("Cannot open the last batch %s: %s", last, error->message);
        }
      else
        open_only_batch (window);
    }
}

static void
attach_store (LbApplication *self,
              LbWindow      *window)
{
  end_opening (window);
  if (self->store != NULL)
    lb_window_set_store (window, self->store);
  else
    {
      g_autofree char *path = store_path (self);
      g_autoptr(GError) shown = store_error_with_next_step (self->store_error, path);

      lb_window_show_store_error (window, shown);
    }
}

static LbWindow *
first_window (LbApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (LB_IS_WINDOW (active))
    return LB_WINDOW (active);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (LB_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* The store's integrity check (run by its writer thread after opening)
 * found it damaged: nothing more is written into it, and every window says
 * so, with what to do next, as when opening fails */
static void
store_damaged_cb (LbStore       *store,
                  gint64         unused,
                  LbApplication *self)
{
  GError *damage = lb_store_dup_damage (store);

  if (damage == NULL || self->store != store || self->store_state != STORE_OPEN)
    {
      g_clear_error (&damage);
      return;
    }
  g_message ("The store is damaged: %s", damage->message);
  g_clear_error (&self->store_error);
  self->store_error = damage;
  self->store_state = STORE_FAILED;
  update_store_actions (self);
  g_signal_handlers_disconnect_by_data (store, self);
  g_clear_object (&self->store);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (LB_IS_WINDOW (l->data))
      {
        lb_window_set_store (l->data, NULL);
        attach_store (self, l->data);
      }
}

static void
open_store_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  LbApplication *self = LB_APPLICATION (source);
  LbWindow *window;

  g_assert (self->store == NULL);
  self->store = g_task_propagate_pointer (G_TASK (result), &self->store_error);
  self->store_state = self->store != NULL ? STORE_OPEN : STORE_FAILED;
  if (self->store == NULL)
    g_message ("Cannot open the store: %s", self->store_error->message);
  update_store_actions (self);

  if (self->shutting_down)
    return;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (LB_IS_WINDOW (l->data))
      attach_store (self, l->data);

  window = first_window (self);
  if (window != NULL)
    run_pending (self, window);

  if (self->store != NULL)
    {
      g_signal_connect_object (self->store, "damaged", G_CALLBACK (store_damaged_cb), self, 0);
      store_damaged_cb (self->store, 0, self);   /* the check may have ended already */
    }
}

static void
start_open_store (LbApplication *self,
                  LbWindow      *window)
{
  g_autofree char *path = store_path (self);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GTask) task = NULL;

  self->store_state = STORE_OPENING;
  update_store_actions (self);
  show_opening (window, path);

  task = g_task_new (self, NULL, open_store_done_cb, NULL);
  g_task_set_source_tag (task, start_open_store);
  g_task_set_task_data (task, g_strdup (path), g_free);

  if (context == g_main_context_default ())
    g_task_run_in_thread (task, open_store_thread);
  else
    {
      /* Run inside a main context of someone else's: only an opener on this
       * thread gets the store's signals delivered there. */
      GError *error = NULL;
      LbStore *store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);

      if (store == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, store, g_object_unref);
    }
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

  switch (self->store_state)
    {
    case STORE_NONE:
      start_open_store (self, window);
      break;
    case STORE_OPENING:
      {
        g_autofree char *path = store_path (self);

        show_opening (window, path);
      }
      break;
    case STORE_OPEN:
    case STORE_FAILED:
    default:
      attach_store (self, window);
      break;
    }

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
lb_application_activate (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);
  gboolean created;
  LbWindow *window = ensure_window (self, &created);

  if (!created)
    return;

  if (self->demo_option)
    self->pending_demo = TRUE;
  else
    self->pending_last_batch = TRUE;
  if (self->store_state != STORE_OPENING)
    run_pending (self, window);
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

  if (n_files > 0)
    g_set_object (&self->pending_file, files[0]);
  if (self->store_state != STORE_OPENING)
    run_pending (self, window);
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
  update_store_actions (self);
}

static void
lb_application_shutdown (GApplication *app)
{
  LbApplication *self = LB_APPLICATION (app);
  GList *windows;

  /* An open still running in its thread: let it finish, then close the store */
  self->shutting_down = TRUE;
  if (self->store_state == STORE_OPENING)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      while (self->store_state == STORE_OPENING)
        g_main_context_iteration (context, TRUE);
    }

  windows = gtk_application_get_windows (GTK_APPLICATION (app));
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
  g_clear_object (&self->pending_file);
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
                                              "to import and open, or a seat bundle "
                                              "(.lbbundle) to merge into the store."));
}
