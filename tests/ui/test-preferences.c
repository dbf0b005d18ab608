/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-preferences"
#define G_SETTINGS_ENABLE_BACKEND
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "lb-preferences.h"
#include "lb-store.h"
#include "lb-sync.h"
#include "lb-sync-indicator.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* Preferences and the header's sync indicator, driven like a user would:
 * rows changed, entries applied; what the settings hold and what the rows
 * show is checked. Administrator locks come from GLib's keyfile settings
 * backend (the one used inside Flatpak) and its "locks" file; the indicator
 * runs the real LbSyncer of a real window against an outbox folder. */

#define WAIT_TIMEOUT_S 30
#define LOCK_PREFIX "/io/github/labelbench/Labelbench/"

static const char *sync_keys[] = {
  "sync-sink", "sync-target", "sync-interval", "sync-secret-file", "actor", "image-cache-mb",
};

typedef struct {
  char          *tmpdir;
  GSettings     *settings;
  LbPreferences *prefs;
} Fixture;

/* The memory backend (GSETTINGS_BACKEND=memory) is shared by the process */
static GSettings *
fresh_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);

  for (guint i = 0; i < G_N_ELEMENTS (sync_keys); i++)
    g_settings_reset (settings, sync_keys[i]);
  return settings;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->tmpdir = lb_test_make_tmpdir ("lb-test-preferences");
  f->settings = fresh_settings ();
}

static void
close_prefs (Fixture *f)
{
  if (f->prefs == NULL)
    return;
  lb_ui_test_destroy_window (GTK_WINDOW (f->prefs));
  f->prefs = NULL;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  close_prefs (f);
  for (guint i = 0; i < G_N_ELEMENTS (sync_keys); i++)
    g_settings_reset (f->settings, sync_keys[i]);
  g_clear_object (&f->settings);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static LbPreferences *
open_prefs (Fixture *f)
{
  f->prefs = g_object_ref (lb_preferences_new (NULL, f->settings));
  gtk_window_present (GTK_WINDOW (f->prefs));
  lb_test_spin_for (50);
  return f->prefs;
}

static GtkWidget *
row (Fixture    *f,
     const char *key)
{
  GtkWidget *w = lb_preferences_get_row (f->prefs, key);

  g_assert_nonnull (w);
  return w;
}

static gboolean
shown (GtkWidget *widget)
{
  return gtk_widget_get_visible (widget) && gtk_widget_get_mapped (widget);
}

static gboolean
tree_has_text (GtkWidget  *widget,
               const char *needle)
{
  const char *text = NULL;

  if (GTK_IS_LABEL (widget))
    text = gtk_label_get_text (GTK_LABEL (widget));
  else if (GTK_IS_EDITABLE (widget))
    text = gtk_editable_get_text (GTK_EDITABLE (widget));
  if (text != NULL && strstr (text, needle) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (tree_has_text (c, needle))
      return TRUE;
  return FALSE;
}

static void
test_rows_write_settings (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *value = NULL;
  g_autofree char *secret = g_build_filename (f->tmpdir, "token", NULL);
  g_autoptr(GFile) secret_file = g_file_new_for_path (secret);
  g_autoptr(GFile) outbox = NULL;
  g_autofree char *outbox_path = g_build_filename (f->tmpdir, "outbox", NULL);
  GtkWidget *entry;

  open_prefs (f);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->prefs), "sync");
  lb_test_spin_for (50);

  /* The default: the outbox folder, its chooser row shown */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "sync-sink"))), ==, 1);
  g_assert_true (shown (row (f, "sync-target")));
  g_assert_true (ADW_IS_ACTION_ROW (row (f, "sync-target")));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-target"))),
                            "Default: "));
  g_assert_false (shown (row (f, "sync-secret-file")));

  /* The folder chooser's answer */
  outbox = g_file_new_for_path (outbox_path);
  lb_preferences_set_outbox (f->prefs, outbox);
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, outbox_path);
  g_clear_pointer (&value, g_free);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-target"))), ==,
                   outbox_path);
  lb_ui_test_screenshot ("preferences-sync.png", 400);

  /* HTTP(S): the row writes the key; the URL entry replaces the folder */
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "sync-sink")), 2);
  value = g_settings_get_string (f->settings, "sync-sink");
  g_assert_cmpstr (value, ==, "http");
  g_clear_pointer (&value, g_free);
  lb_test_spin_for (20);
  entry = row (f, "sync-target");
  g_assert_true (ADW_IS_ENTRY_ROW (entry));
  g_assert_true (shown (entry));
  g_assert_true (shown (row (f, "sync-secret-file")));
  gtk_editable_set_text (GTK_EDITABLE (entry), "  https://pipeline.example/events  ");
  g_signal_emit_by_name (entry, "apply");
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, "https://pipeline.example/events");
  g_clear_pointer (&value, g_free);

  /* The secret file: its path is kept and shown, never what it holds */
  lb_test_write_file (NULL, secret, "s3cr3t-token\n", -1);
  lb_preferences_set_secret_file (f->prefs, secret_file);
  value = g_settings_get_string (f->settings, "sync-secret-file");
  g_assert_cmpstr (value, ==, secret);
  g_clear_pointer (&value, g_free);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-secret-file"))),
                   ==, secret);
  g_assert_false (tree_has_text (GTK_WIDGET (f->prefs), "s3cr3t"));
  lb_preferences_set_secret_file (f->prefs, NULL);
  value = g_settings_get_string (f->settings, "sync-secret-file");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);

  /* PostgreSQL: the conninfo entry */
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "sync-sink")), 3);
  value = g_settings_get_string (f->settings, "sync-sink");
  g_assert_cmpstr (value, ==, "postgres");
  g_clear_pointer (&value, g_free);
  entry = row (f, "sync-target");
  g_assert_true (ADW_IS_ENTRY_ROW (entry));
  g_assert_true (shown (entry));

  /* The interval */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (adw_action_row_get_activatable_widget (
                               ADW_ACTION_ROW (row (f, "sync-interval")))), 120);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "sync-interval"), ==, 120);

  /* Off: only the sink row is left */
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "sync-sink")), 0);
  value = g_settings_get_string (f->settings, "sync-sink");
  g_assert_cmpstr (value, ==, "none");
  g_clear_pointer (&value, g_free);
  lb_test_spin_for (20);
  g_assert_false (shown (row (f, "sync-interval")));
  g_assert_false (shown (row (f, "sync-target")));

  /* A change from elsewhere (an administrator's script) shows at once */
  g_settings_set_string (f->settings, "sync-sink", "outbox");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "sync-sink"))), ==, 1);

  /* General: the name is written when applied */
  entry = row (f, "actor");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Mei Lin");
  value = g_settings_get_string (f->settings, "actor");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_signal_emit_by_name (entry, "apply");
  value = g_settings_get_string (f->settings, "actor");
  g_assert_cmpstr (value, ==, "Mei Lin");
  g_clear_pointer (&value, g_free);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (adw_action_row_get_activatable_widget (
                               ADW_ACTION_ROW (row (f, "image-cache-mb")))), 512);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "image-cache-mb"), ==, 512);

  /* Nothing is locked with the memory backend */
  g_assert_true (gtk_widget_get_sensitive (row (f, "sync-sink")));
  g_assert_false (tree_has_text (GTK_WIDGET (f->prefs), "Set by your administrator"));
}

/* A new name applied in Preferences signs the window's next decisions */
static void
test_actor_to_window (Fixture       *f,
                      gconstpointer  data)
{
  LbWindow *window = g_object_ref (lb_window_new (NULL));
  GtkWidget *entry;

  lb_window_set_actor (window, "Old Name");
  gtk_window_present (GTK_WINDOW (window));
  f->prefs = g_object_ref (lb_preferences_new (GTK_WINDOW (window), f->settings));
  gtk_window_present (GTK_WINDOW (f->prefs));
  lb_test_spin_for (50);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (f->prefs)) == GTK_WINDOW (window));

  entry = row (f, "actor");
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_signal_emit_by_name (entry, "apply");
  g_assert_cmpstr (lb_window_get_actor (window), ==, "Old Name");   /* blank: ignored */
  gtk_editable_set_text (GTK_EDITABLE (entry), " Ana Souza ");
  g_signal_emit_by_name (entry, "apply");
  g_assert_cmpstr (lb_window_get_actor (window), ==, "Ana Souza");

  close_prefs (f);

  /* The main menu's Preferences (win.preferences, Ctrl+comma) opens them
   * once the window has its settings */
  lb_window_set_settings (window, f->settings);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preferences", NULL));
  lb_test_spin_for (50);
  {
    g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());
    GtkWindow *found = NULL;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

        if (LB_IS_PREFERENCES (w))
          found = GTK_WINDOW (w);
      }
    g_assert_nonnull (found);
    g_assert_true (gtk_window_get_transient_for (found) == GTK_WINDOW (window));
    gtk_window_destroy (found);
  }

  lb_ui_test_destroy_window (GTK_WINDOW (window));
}

/* GLib's keyfile backend with a defaults folder holding "defaults" and
 * "locks" (what an administrator deploys in /etc/glib-2.0/settings) */
static GSettings *
locked_settings (const char *dir)
{
  g_autofree char *defaults_dir = g_build_filename (dir, "admin", NULL);
  g_autofree char *keyfile = g_build_filename (dir, "user", "keyfile", NULL);
  g_autoptr(GSettingsBackend) probe = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;

  lb_test_write_file (defaults_dir, "defaults",
                      "[io/github/labelbench/Labelbench]\n"
                      "sync-sink='outbox'\n"
                      "sync-target='/srv/labelbench/outbox'\n", -1);
  lb_test_write_file (defaults_dir, "locks",
                      "# the fleet's sync is not the annotator's choice\n"
                      LOCK_PREFIX "sync-sink\n"
                      LOCK_PREFIX "sync-target\n", -1);
  /* The type is private; g_keyfile_settings_backend_new() gives it, but not
   * the defaults-dir construct property */
  probe = g_keyfile_settings_backend_new (keyfile, "/", NULL);
  backend = g_object_new (G_OBJECT_TYPE (probe), "filename", keyfile, "root-path", "/",
                          "defaults-dir", defaults_dir, NULL);
  return g_settings_new_with_backend (APP_ID, backend);
}

static void
test_locked_keys (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *sink_row;
  GtkWidget *target_row;
  g_autofree char *value = NULL;

  g_clear_object (&f->settings);
  f->settings = locked_settings (f->tmpdir);
  g_assert_false (g_settings_is_writable (f->settings, "sync-sink"));
  g_assert_false (g_settings_is_writable (f->settings, "sync-target"));
  g_assert_true (g_settings_is_writable (f->settings, "sync-interval"));

  open_prefs (f);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->prefs), "sync");
  lb_test_spin_for (50);

  sink_row = row (f, "sync-sink");
  g_assert_false (gtk_widget_get_sensitive (sink_row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (sink_row)), ==,
                   "Set by your administrator");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (sink_row)), ==, 1);

  target_row = row (f, "sync-target");
  g_assert_false (gtk_widget_get_sensitive (target_row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (target_row)), ==,
                   "Set by your administrator — /srv/labelbench/outbox");

  /* What is not locked stays editable, without the note */
  g_assert_true (gtk_widget_get_sensitive (row (f, "sync-interval")));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-interval"))), ==, "");
  g_assert_true (gtk_widget_get_sensitive (row (f, "actor")));

  /* The chooser's answer cannot move a locked folder */
  {
    g_autoptr(GFile) other = g_file_new_for_path (f->tmpdir);

    lb_preferences_set_outbox (f->prefs, other);
    value = g_settings_get_string (f->settings, "sync-target");
    g_assert_cmpstr (value, ==, "/srv/labelbench/outbox");
  }
  lb_ui_test_screenshot ("preferences-locked.png", 400);
}

/* Another sink chosen in the row does not inherit a target of the wrong
 * form: the URL typed for HTTP(S) never becomes the outbox folder (which
 * then falls back to its default), the folder never the URL. A target the
 * new sink can use is kept (sync off and on again) */
static void
test_sink_change_drops_target (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *outbox_path = g_build_filename (f->tmpdir, "outbox", NULL);
  g_autoptr(GFile) outbox = g_file_new_for_path (outbox_path);
  g_autofree char *value = NULL;
  GtkWidget *sink_row;
  GtkWidget *entry;
  const char *subtitle;

  open_prefs (f);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->prefs), "sync");
  lb_test_spin_for (50);
  sink_row = row (f, "sync-sink");

  /* HTTP(S) with a URL, then back to the outbox folder */
  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 2);
  lb_test_spin_for (20);
  entry = row (f, "sync-target");
  g_assert_true (ADW_IS_ENTRY_ROW (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "https://example.invalid/ingest");
  g_signal_emit_by_name (entry, "apply");
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, "https://example.invalid/ingest");
  g_clear_pointer (&value, g_free);

  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 1);
  lb_test_spin_for (20);
  value = g_settings_get_string (f->settings, "sync-sink");
  g_assert_cmpstr (value, ==, "outbox");
  g_clear_pointer (&value, g_free);
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_true (ADW_IS_ACTION_ROW (row (f, "sync-target")));
  g_assert_true (shown (row (f, "sync-target")));
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-target")));
  g_assert_true (g_str_has_prefix (subtitle, "Default: "));
  g_assert_null (strstr (subtitle, "example.invalid"));

  /* a folder chosen for the outbox is not the URL of HTTP(S) nor a
   * PostgreSQL connection string */
  lb_preferences_set_outbox (f->prefs, outbox);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 2);
  lb_test_spin_for (20);
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "sync-target"))), ==, "");

  /* a URL the sync would refuse says why on the row */
  entry = row (f, "sync-target");
  gtk_editable_set_text (GTK_EDITABLE (entry), "http://example.invalid/in");
  g_signal_emit_by_name (entry, "apply");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (entry));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (entry), "https://"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "https://example.invalid/in");
  g_signal_emit_by_name (entry, "apply");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  g_assert_null (gtk_widget_get_tooltip_text (entry));
  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 3);
  lb_test_spin_for (20);
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "sync-target"))), ==, "");

  /* sync off and on again keeps a folder the outbox can use */
  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 1);
  lb_preferences_set_outbox (f->prefs, outbox);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sink_row), 1);
  lb_test_spin_for (20);
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, outbox_path);
  g_clear_pointer (&value, g_free);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-target"))), ==,
                   outbox_path);

  /* a change of the settings from elsewhere (an administrator's script sets
   * the sink, then the target) is shown, never rewritten */
  g_settings_set_string (f->settings, "sync-sink", "http");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (sink_row)), ==, 2);
  value = g_settings_get_string (f->settings, "sync-target");
  g_assert_cmpstr (value, ==, outbox_path);
  g_clear_pointer (&value, g_free);

  /* an outbox folder the sync would refuse: the row says why */
  g_settings_set_string (f->settings, "sync-target", "rel-dir");
  g_settings_set_string (f->settings, "sync-sink", "outbox");
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, "sync-target")));
  g_assert_nonnull (strstr (subtitle, "rel-dir"));
  g_assert_nonnull (strstr (subtitle, "absolute"));
}

/* The sync indicator of a real window */

typedef struct {
  char            *tmpdir;
  char            *outbox;
  GSettings       *settings;
  LbStore         *store;
  gint64           batch_id;
  LbWindow        *window;
  LbSyncIndicator *indicator;
  char            *want;
} IndicatorFixture;

static LbSyncIndicator *
find_indicator (GtkWidget *widget)
{
  if (LB_IS_SYNC_INDICATOR (widget))
    return LB_SYNC_INDICATOR (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      LbSyncIndicator *found = find_indicator (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_is (gpointer data)
{
  IndicatorFixture *f = data;

  return g_strcmp0 (lb_sync_indicator_get_label (f->indicator), f->want) == 0;
}

static void
wait_label (IndicatorFixture *f,
            const char       *want)
{
  g_free (f->want);
  f->want = g_strdup (want);
  lb_test_wait_until (label_is, f, WAIT_TIMEOUT_S);
}

static void
submit_label (IndicatorFixture *f,
              const char       *external_id,
              const char       *label)
{
  g_autoptr(LbItem) item = lb_test_find_item (f->store, "comments", external_id);
  const char *labels[] = { label, NULL };
  LbSubmission submission = { 0 };
  g_autoptr(GError) error = NULL;

  submission.labels = labels;
  submission.dwell_ms = 1200;
  g_assert_true (lb_store_submit (f->store, lb_item_get_id (item), "Tester", &submission, &error));
  g_assert_no_error (error);
}

static void
indicator_set_up (IndicatorFixture *f,
                  gconstpointer     data)
{
  g_autofree char *batch = NULL;
  g_autofree char *db = NULL;

  f->tmpdir = lb_test_make_tmpdir ("lb-test-sync-indicator");
  f->outbox = g_build_filename (f->tmpdir, "outbox", NULL);
  batch = g_build_filename (f->tmpdir, "comments", NULL);
  lb_test_write_file (batch, "schema.json", lb_test_comment_schema_json, -1);
  lb_test_write_file (batch, "c1.txt", "Great post, thanks!", -1);
  lb_test_write_file (batch, "c2.txt", "Buy cheap watches here", -1);
  lb_test_write_file (batch, "c3.txt", "I disagree, politely.", -1);
  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  f->batch_id = lb_test_import (f->store, batch, NULL, 3);
  submit_label (f, "c1.txt", "ok");

  f->settings = fresh_settings ();
  g_settings_set_string (f->settings, "sync-sink", "outbox");
  g_settings_set_string (f->settings, "sync-target", f->outbox);
  /* no background sync during the test: only at start and on Sync Now */
  g_settings_set_uint (f->settings, "sync-interval", 3600);

  f->window = g_object_ref (lb_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1400, 900);
  lb_window_set_settings (f->window, f->settings);
  lb_window_set_actor (f->window, "Tester");
  f->indicator = find_indicator (GTK_WIDGET (f->window));
  g_assert_nonnull (f->indicator);
  /* No store yet: nothing to sync, nothing shown */
  g_assert_null (lb_sync_indicator_get_label (f->indicator));
  lb_window_set_store (f->window, f->store);
  g_assert_true (lb_window_open_batch (f->window, f->batch_id, NULL));
  lb_ui_test_wait_queue (f->window);
  gtk_window_present (GTK_WINDOW (f->window));
  lb_test_spin_for (50);
}

static void
indicator_tear_down (IndicatorFixture *f,
                     gconstpointer     data)
{
  /* Closing the window stops the syncer before the store closes */
  lb_ui_test_destroy_window (GTK_WINDOW (f->window));
  lb_store_close (f->store);
  g_clear_object (&f->store);
  for (guint i = 0; i < G_N_ELEMENTS (sync_keys); i++)
    g_settings_reset (f->settings, sync_keys[i]);
  g_clear_object (&f->settings);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->outbox);
  g_free (f->want);
}

static void
test_indicator_pending_then_synced (IndicatorFixture *f,
                                    gconstpointer     data)
{
  g_autofree char *pending = NULL;
  g_autofree char *manifest = g_build_filename (f->outbox, "manifest.json", NULL);
  g_autofree char *cursor = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n;

  /* The syncer starts with the window and delivers what the store holds */
  wait_label (f, "Synced");
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  g_assert_true (lb_sync_indicator_get_has_synced (f->indicator));
  g_assert_cmpstr (lb_sync_indicator_get_sink_text (f->indicator), ==, "Outbox folder");
  g_assert_cmpstr (lb_sync_indicator_get_target_text (f->indicator), ==, f->outbox);
  g_assert_null (lb_sync_indicator_get_reason (f->indicator));

  /* New work: the events wait for the next sync, and their number shows */
  submit_label (f, "c2.txt", "spam");
  submit_label (f, "c3.txt", "ok");
  /* the cursor of this outbox folder */
  cursor = lb_sync_cursor_name (LB_SYNC_SINK_OUTBOX, f->outbox, &error);
  g_assert_no_error (error);
  n = lb_store_count_events_after (f->store, lb_store_get_sync_cursor (f->store, cursor,
                                                                       &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  pending = g_strdup_printf ("%" G_GINT64_FORMAT " pending", n);
  wait_label (f, pending);
  lb_ui_test_screenshot ("sync-indicator-pending.png", 400);
  lb_sync_indicator_popup (f->indicator);
  lb_ui_test_screenshot ("sync-indicator-pending-popover.png", 400);

  /* Sync Now delivers them */
  lb_sync_indicator_sync_now (f->indicator);
  wait_label (f, "Synced");
  g_assert_cmpint (lb_store_get_sync_cursor (f->store, cursor, NULL), ==,
                   lb_store_get_last_seq (f->store));
  lb_ui_test_screenshot ("sync-indicator-synced.png", 400);
}

/* f->outbox's cursor is at the store's last event */
static gboolean
outbox_has_all (gpointer data)
{
  IndicatorFixture *f = data;
  g_autofree char *cursor = lb_sync_cursor_name (LB_SYNC_SINK_OUTBOX, f->outbox, NULL);

  return lb_store_get_sync_cursor (f->store, cursor, NULL) == lb_store_get_last_seq (f->store);
}

/* Lines in the folder's segments */
static gint64
count_segment_lines (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *entry;
  gint64 n = 0;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (entry, "events-") && g_str_has_suffix (entry, ".jsonl"))
      {
        g_autofree char *path = g_build_filename (folder, entry, NULL);
        g_autofree char *text = NULL;

        g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
        for (const char *p = text; *p != '\0'; p++)
          n += *p == '\n';
      }
  return n;
}

/* The outbox pointed at another folder while the window is open: the new
 * folder gets every event of the seat, the old one is left as it was */
static void
test_indicator_repoint (IndicatorFixture *f,
                        gconstpointer     data)
{
  g_autofree char *folder_a = g_strdup (f->outbox);
  g_autofree char *folder_b = g_build_filename (f->tmpdir, "outbox-b", NULL);
  g_autofree char *manifest_a = g_build_filename (folder_a, "manifest.json", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 n;

  wait_label (f, "Synced");
  n = lb_store_get_last_seq (f->store);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (count_segment_lines (folder_a), ==, n);
  g_assert_true (g_file_get_contents (manifest_a, &before, NULL, NULL));

  g_free (f->outbox);
  f->outbox = g_strdup (folder_b);
  g_settings_set_string (f->settings, "sync-target", folder_b);
  lb_test_wait_until (outbox_has_all, f, WAIT_TIMEOUT_S);
  wait_label (f, "Synced");
  g_assert_cmpstr (lb_sync_indicator_get_target_text (f->indicator), ==, folder_b);
  g_assert_cmpint (count_segment_lines (folder_b), ==, n);
  g_assert_true (g_file_get_contents (manifest_a, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (count_segment_lines (folder_a), ==, n);
}

static void
test_indicator_failing_and_off (IndicatorFixture *f,
                                gconstpointer     data)
{
  g_autofree char *blocker = g_build_filename (f->tmpdir, "a-file", NULL);
  g_autofree char *bad = g_build_filename (blocker, "outbox", NULL);
  const char *reason;

  wait_label (f, "Synced");

  /* An outbox that cannot be made: failing, with the reason */
  lb_test_write_file (NULL, blocker, "not a folder\n", -1);
  g_settings_set_string (f->settings, "sync-target", bad);
  submit_label (f, "c2.txt", "spam");
  wait_label (f, "Sync failing");
  reason = lb_sync_indicator_get_reason (f->indicator);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, blocker));
  lb_sync_indicator_popup (f->indicator);
  lb_ui_test_screenshot ("sync-indicator-failing.png", 400);

  /* HTTP(S) to a port where nothing listens: offline, retrying, with the
   * reason; the bearer token from the secret file is never shown */
  {
    g_autofree char *token = g_build_filename (f->tmpdir, "token", NULL);

    lb_test_write_file (NULL, token, "tok-hunter3\n", -1);
    g_settings_set_string (f->settings, "sync-secret-file", token);
    g_settings_set_string (f->settings, "sync-target", "https://127.0.0.1:1/events?key=abc");
    g_settings_set_string (f->settings, "sync-sink", "http");
    wait_label (f, "Offline");
    reason = lb_sync_indicator_get_reason (f->indicator);
    g_assert_nonnull (reason);
    g_assert_null (strstr (reason, "tok-hunter3"));
    g_assert_cmpstr (lb_sync_indicator_get_sink_text (f->indicator), ==, "HTTP(S) endpoint");
    /* no query string (it may hold a key) */
    g_assert_cmpstr (lb_sync_indicator_get_target_text (f->indicator), ==,
                     "https://127.0.0.1:1/events?…");
    g_settings_set_string (f->settings, "sync-secret-file", "");

    /* A target that is no URL: the settings cannot be used, and it says so */
    g_settings_set_string (f->settings, "sync-target", "pipeline.example");
    wait_label (f, "Sync failing");
    g_assert_nonnull (lb_sync_indicator_get_reason (f->indicator));
    g_assert_null (lb_sync_indicator_get_syncer (f->indicator));
  }

  /* PostgreSQL: the password in a conninfo is never shown */
  g_settings_set_string (f->settings, "sync-target",
                         "host=127.0.0.1 port=1 dbname=labels user=seat password=hunter2");
  g_settings_set_string (f->settings, "sync-sink", "postgres");
  lb_test_spin_for (600);
  g_assert_cmpstr (lb_sync_indicator_get_sink_text (f->indicator), ==, "PostgreSQL database");
  g_assert_null (strstr (lb_sync_indicator_get_target_text (f->indicator), "hunter2"));
  g_assert_nonnull (strstr (lb_sync_indicator_get_target_text (f->indicator), "password=•••"));

  /* Sync off: hidden */
  g_settings_set_string (f->settings, "sync-sink", "none");
  lb_test_spin_for (600);
  g_assert_null (lb_sync_indicator_get_label (f->indicator));
  g_assert_null (lb_sync_indicator_get_syncer (f->indicator));
}

static gboolean
shows_http (gpointer data)
{
  IndicatorFixture *f = data;

  return g_strcmp0 (lb_sync_indicator_get_sink_text (f->indicator), "HTTP(S) endpoint") == 0;
}

/* Targets the engine refuses: failing, with a reason that says what is
 * wrong, and nothing written or sent */
static void
test_indicator_refused_targets (IndicatorFixture *f,
                                gconstpointer     data)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *stray = g_build_filename (cwd, "https:", NULL);
  const char *reason;

  wait_label (f, "Synced");
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));

  /* a URL left as the outbox folder (from the HTTP(S) sink) */
  g_settings_set_string (f->settings, "sync-target", "https://example.invalid/ingest");
  wait_label (f, "Sync failing");
  reason = lb_sync_indicator_get_reason (f->indicator);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "https://example.invalid/ingest"));
  g_assert_nonnull (strstr (reason, "absolute"));
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));

  /* plain http:// to another computer: the token would go unencrypted */
  g_settings_set_string (f->settings, "sync-target", "http://example.invalid/ingest");
  g_settings_set_string (f->settings, "sync-sink", "http");
  lb_test_wait_until (shows_http, f, WAIT_TIMEOUT_S);
  wait_label (f, "Sync failing");
  reason = lb_sync_indicator_get_reason (f->indicator);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "https://"));
  g_assert_nonnull (strstr (reason, "http://example.invalid/ingest"));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *home = NULL;

  /* A default outbox would go to $XDG_DATA_HOME: keep it in a scratch folder
   * (set before anything asks GLib for it) */
  home = lb_test_make_tmpdir ("lb-test-preferences-home");
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/preferences/rows-write-settings", Fixture, NULL, fixture_set_up,
              test_rows_write_settings, fixture_tear_down);
  g_test_add ("/ui/preferences/actor-to-window", Fixture, NULL, fixture_set_up,
              test_actor_to_window, fixture_tear_down);
  g_test_add ("/ui/preferences/locked-keys", Fixture, NULL, fixture_set_up,
              test_locked_keys, fixture_tear_down);
  g_test_add ("/ui/sync-indicator/pending-then-synced", IndicatorFixture, NULL,
              indicator_set_up, test_indicator_pending_then_synced, indicator_tear_down);
  g_test_add ("/ui/sync-indicator/failing-and-off", IndicatorFixture, NULL,
              indicator_set_up, test_indicator_failing_and_off, indicator_tear_down);
  g_test_add ("/ui/sync-indicator/repoint", IndicatorFixture, NULL,
              indicator_set_up, test_indicator_repoint, indicator_tear_down);
  g_test_add ("/ui/preferences/sink-change-drops-target", Fixture, NULL, fixture_set_up,
              test_sink_change_drops_target, fixture_tear_down);
  g_test_add ("/ui/sync-indicator/refused-targets", IndicatorFixture, NULL,
              indicator_set_up, test_indicator_refused_targets, indicator_tear_down);

  {
    int status = g_test_run ();

    lb_test_remove_tree (home);
    return status;
  }
}
