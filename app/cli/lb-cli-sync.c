/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "labelbench-cli"
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "lb-store.h"
#include "lb-sync.h"
#include "lb-cli.h"
#include "lb-cli-sync.h"

/* labelbench-cli sync --store DB [--sink outbox|http|postgres] [--target T]
 * [--secret-file F] [--max-attempts N]: what the target has not confirmed yet
 * is sent, batch by batch; the target's cursor moves after each batch. */
int
lb_cli_sync (int    argc,
             char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *sink = NULL;
  g_autofree char *target = NULL;
  g_autofree char *secret_file = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbSyncConfig) config = NULL;
  g_autoptr(LbStore) store = NULL;
  LbSyncOptions options = { 0 };
  LbSyncSinkKind kind;
  int max_attempts = 0;
  int timeout_s = 0;
  int backoff_ms = 0;
  int batch_events = 0;
  guint64 n_sent = 0;
  gint64 cursor;
  gboolean target_given;
  gboolean ok;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "sink", 0, 0, G_OPTION_ARG_STRING, &sink,
      N_("Where to send the events: outbox, http or postgres (default: the sync-sink "
         "setting)"), N_("NAME") },
    { "target", 't', 0, G_OPTION_ARG_STRING, &target,
      N_("The outbox folder, the URL, or the libpq connection string (default: the "
         "sync-target setting)"), N_("T") },
    { "secret-file", 0, 0, G_OPTION_ARG_FILENAME, &secret_file,
      N_("A file whose first line is the bearer token or the password (default: the "
         "sync-secret-file setting)"), N_("FILE") },
    { "max-attempts", 0, 0, G_OPTION_ARG_INT, &max_attempts,
      N_("Tries per batch when the sink cannot be reached (default 8)"), N_("N") },
    { "timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &timeout_s, NULL, NULL },
    { "backoff-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &backoff_ms, NULL, NULL },
    { "batch-events", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &batch_events, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Sends the events the sink has not confirmed yet: to an "
                                  "outbox folder (JSONL segments and manifest.json), an "
                                  "HTTP(S) endpoint (NDJSON batches) or a PostgreSQL table "
                                  "(labelbench_events). Sending again never duplicates an "
                                  "event. Exit status 0 when everything is synced, 1 when "
                                  "not (the reason is on stderr)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
  if (max_attempts < 0 || timeout_s < 0 || backoff_ms < 0 || batch_events < 0)
    return lb_cli_fail (_("--max-attempts must be a positive number"));

  target_given = target != NULL;

  /* defaults from the settings; the target and the secret file only when
   * they belong to the configured sink */
  settings = lb_cli_load_settings ();
  if (settings != NULL)
    {
      g_autofree char *setting_sink = g_settings_get_string (settings, "sync-sink");

      if (sink == NULL)
        sink = g_strdup (setting_sink);
      if (g_strcmp0 (sink, setting_sink) == 0)
        {
          if (target == NULL)
            target = g_settings_get_string (settings, "sync-target");
          if (secret_file == NULL)
            secret_file = g_settings_get_string (settings, "sync-secret-file");
        }
    }
  if (sink == NULL)
    sink = g_strdup ("outbox");
  if (g_strcmp0 (sink, "none") == 0)
    return lb_cli_fail (_("Sync is turned off (the sync-sink setting is “none”): give --sink"));
  if (!lb_sync_sink_kind_from_string (sink, &kind))
    return lb_cli_fail (_("Unknown sink “%s” (supported: outbox, http, postgres)"), sink);

  /* an outbox folder given here may be relative: it is taken from the
   * current folder. The engine takes only absolute ones, so a relative
   * sync-target setting is refused: it would depend on where the app or
   * the script happens to run */
  if (target_given && kind == LB_SYNC_SINK_OUTBOX && *target != '\0'
      && !g_path_is_absolute (target))
    {
      g_autofree char *absolute = g_canonicalize_filename (target, NULL);

      g_free (target);
      target = g_steal_pointer (&absolute);
    }

  if (secret_file != NULL && *secret_file != '\0')
    {
      secret = lb_sync_read_secret_file (secret_file, &error);
      if (secret == NULL)
        return lb_cli_fail ("%s", error->message);
    }

  config = lb_sync_config_new (kind, target, secret, &error);
  if (config == NULL)
    return lb_cli_fail ("%s", error->message);

  store = lb_cli_open_existing_store (store_path, FALSE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  options.max_attempts = (guint) max_attempts;
  options.timeout_s = (guint) timeout_s;
  options.backoff_base_ms = (guint) backoff_ms;
  options.batch_events = (guint) batch_events;
  ok = lb_sync_run_once_full (store, config, &options, &n_sent, NULL, &error);

  cursor = lb_store_get_sync_cursor (store, config->name, NULL);
  {
    g_autofree char *sent = g_strdup_printf ("%" G_GUINT64_FORMAT, n_sent);
    g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
    g_autofree char *left = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             lb_store_count_events_after (store, cursor));

    /* TRANSLATORS: "Sent 1000 events to the http sink; cursor at seq 1000, 0 pending" */
    printf (g_dngettext (GETTEXT_PACKAGE,
                         "Sent %s event to the %s sink; cursor at seq %s, %s pending\n",
                         "Sent %s events to the %s sink; cursor at seq %s, %s pending\n",
                         (gulong) MIN (n_sent, G_MAXULONG)),
            sent, lb_sync_sink_kind_to_string (kind), seq, left);
    if (kind == LB_SYNC_SINK_OUTBOX)
      printf (_("Outbox: %s\n"), config->target);
    /* the target's cursor (its name never holds a password or a token) */
    printf (_("Cursor: %s\n"), config->name);
  }
  lb_store_close (store);

  if (!ok)
    return lb_cli_fail ("%s", error->message);
  return fflush (stdout) == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}
