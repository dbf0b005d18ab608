/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-sync"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-export.h"
#include "lb-sync-private.h"

G_DEFINE_QUARK (lb-sync-error-quark, lb_sync_error)

#define SETTINGS_SCHEMA APP_ID

static const char * const sink_names[] = { "outbox", "http", "postgres" };

const char *
lb_sync_sink_kind_to_string (LbSyncSinkKind kind)
{
  if ((guint) kind < G_N_ELEMENTS (sink_names))
    return sink_names[kind];
  return NULL;
}

gboolean
lb_sync_sink_kind_from_string (const char     *name,
                               LbSyncSinkKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (sink_names); i++)
    if (g_strcmp0 (name, sink_names[i]) == 0)
      {
        if (kind != NULL)
          *kind = (LbSyncSinkKind) i;
        return TRUE;
      }
  return FALSE;
}

char *
lb_sync_get_default_outbox (void)
{
  return g_build_filename (g_get_user_data_dir (), "labelbench", "outbox", NULL);
}

GType
lb_sync_status_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { LB_SYNC_STATUS_SYNCED, "LB_SYNC_STATUS_SYNCED", "synced" },
        { LB_SYNC_STATUS_PENDING, "LB_SYNC_STATUS_PENDING", "pending" },
        { LB_SYNC_STATUS_OFFLINE, "LB_SYNC_STATUS_OFFLINE", "offline" },
        { LB_SYNC_STATUS_FAILING, "LB_SYNC_STATUS_FAILING", "failing" },
        { 0, NULL, NULL },
      };
      GType id = g_enum_register_static ("LbSyncStatus", values);

      g_once_init_leave (&type_id, id);
    }
  return type_id;
}

/* Cursor names */

/* scheme://host[:port]/path: no userinfo, query or fragment */
static char *
http_target_key (const char  *url,
                 GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE,
                                     NULL);
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0
          && g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("The http sync target is not an http:// or https:// URL"));
      return NULL;
    }
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  /* SCHEME_NORMALIZE: the scheme's default port left out, an empty path "/" */
  return g_uri_join (G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, scheme, NULL, host,
                     g_uri_get_port (uri), g_uri_get_path (uri), NULL, NULL);
}

char *
lb_sync_cursor_name (LbSyncSinkKind   kind,
                     const char      *target,
                     GError         **error)
{
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (lb_sync_sink_kind_to_string (kind) != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((target == NULL || *target == '\0') && kind != LB_SYNC_SINK_OUTBOX)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("The %s sync sink needs a target"), lb_sync_sink_kind_to_string (kind));
      return NULL;
    }

  switch (kind)
    {
    case LB_SYNC_SINK_OUTBOX:
      if (target == NULL || *target == '\0')
        {
          g_autofree char *folder = lb_sync_get_default_outbox ();

          key = g_canonicalize_filename (folder, NULL);
        }
      else
        key = g_canonicalize_filename (target, NULL);
      break;
    case LB_SYNC_SINK_HTTP:
      key = http_target_key (target, error);
      break;
    case LB_SYNC_SINK_POSTGRES:
    default:
      key = _lb_sync_postgres_target_key (target, error);
      break;
    }
  if (key == NULL)
    return NULL;

  /* the store keeps UTF-8 names: a folder named in another encoding is
   * escaped, byte for byte, so two folders never share a name */
  name = g_strconcat (lb_sync_sink_kind_to_string (kind), " ", key, NULL);
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (name, NULL);

      g_free (name);
      name = g_steal_pointer (&escaped);
    }
  return g_steal_pointer (&name);
}

/* Config */

LbSyncConfig *
lb_sync_config_new (LbSyncSinkKind   kind,
                    const char      *target,
                    const char      *secret,
                    GError         **error)
{
  g_autoptr(LbSyncConfig) config = g_new0 (LbSyncConfig, 1);

  g_return_val_if_fail (lb_sync_sink_kind_to_string (kind) != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  config->kind = kind;
  config->secret = (secret != NULL && *secret != '\0') ? g_strdup (secret) : NULL;

  if (target == NULL || *target == '\0')
    {
      if (kind != LB_SYNC_SINK_OUTBOX)
        {
          g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                       kind == LB_SYNC_SINK_HTTP
                       ? _("The http sync sink needs a target: the URL to post the events to")
                       : _("The postgres sync sink needs a target: a libpq connection string "
                           "(“host=… dbname=… user=…”) or URI"));
          return NULL;
        }
      config->target = lb_sync_get_default_outbox ();
    }
  else if (kind == LB_SYNC_SINK_HTTP)
    {
      g_autoptr(GUri) uri = g_uri_parse (target, G_URI_FLAGS_ENCODED, NULL);
      const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

      if (uri == NULL || g_uri_get_host (uri) == NULL
          || (g_ascii_strcasecmp (scheme, "http") != 0
              && g_ascii_strcasecmp (scheme, "https") != 0))
        {
          g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                       _("The http sync target is not an http:// or https:// URL"));
          return NULL;
        }
      if (g_uri_get_userinfo (uri) != NULL)
        {
          g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                       _("The http sync target holds a user name or password: put the token "
                         "in the secret file (sync-secret-file) instead"));
          return NULL;
        }
      if (!_lb_sync_http_check_uri (uri, error))
        return NULL;
      config->target = g_strdup (target);
    }
  else if (kind == LB_SYNC_SINK_OUTBOX)
    {
      /* a relative folder would depend on the current folder of whoever
       * syncs (the app's is anything); labelbench-cli resolves its
       * --target before it gets here */
      if (!_lb_sync_outbox_check_folder (target, error))
        return NULL;
      config->target = g_strdup (target);
    }
  else
    {
      config->target = g_strdup (target);
    }

  config->name = lb_sync_cursor_name (kind, config->target, error);
  if (config->name == NULL)
    return NULL;
  return g_steal_pointer (&config);
}

char *
lb_sync_read_secret_file (const char  *path,
                          GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  char *end;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      /* the GLib message names the file and the system error, never contents */
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("Cannot read the sync secret file: %s"), local_error->message);
      return NULL;
    }

  end = strchr (contents, '\n');
  if (end != NULL)
    *end = '\0';
  g_strchomp (contents);
  if (*contents == '\0')
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("The sync secret file %s is empty"), path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

LbSyncConfig *
lb_sync_config_load (GError **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *sink = NULL;
  g_autofree char *target = NULL;
  g_autofree char *secret_file = NULL;
  g_autofree char *secret = NULL;
  LbSyncSinkKind kind;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "sync-sink"))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("The settings schema %s with the sync keys is not installed"),
                   SETTINGS_SCHEMA);
      return NULL;
    }

  settings = g_settings_new (SETTINGS_SCHEMA);
  sink = g_settings_get_string (settings, "sync-sink");
  if (g_strcmp0 (sink, "none") == 0)
    return NULL;
  if (!lb_sync_sink_kind_from_string (sink, &kind))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("Unknown sync sink “%s” (supported: outbox, http, postgres, none)"), sink);
      return NULL;
    }

  target = g_settings_get_string (settings, "sync-target");
  secret_file = g_settings_get_string (settings, "sync-secret-file");
  if (secret_file[0] != '\0')
    {
      secret = lb_sync_read_secret_file (secret_file, error);
      if (secret == NULL)
        return NULL;
    }

  return lb_sync_config_new (kind, target, secret, error);
}

LbSyncConfig *
lb_sync_config_copy (const LbSyncConfig *config)
{
  LbSyncConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_new0 (LbSyncConfig, 1);
  copy->name = g_strdup (config->name);
  copy->kind = config->kind;
  copy->target = g_strdup (config->target);
  copy->secret = g_strdup (config->secret);
  return copy;
}

void
lb_sync_config_free (LbSyncConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->name);
  g_free (config->target);
  if (config->secret != NULL)
    {
      memset (config->secret, 0, strlen (config->secret));
      g_free (config->secret);
    }
  g_free (config);
}

/* Options, backoff, text */

void
_lb_sync_options_resolve (const LbSyncOptions *options,
                          LbSyncOptions       *resolved)
{
  LbSyncOptions zero = { 0 };

  if (options == NULL)
    options = &zero;
  resolved->max_attempts = options->max_attempts ? options->max_attempts
                                                 : LB_SYNC_DEFAULT_MAX_ATTEMPTS;
  resolved->timeout_s = options->timeout_s;
  resolved->backoff_base_ms = options->backoff_base_ms ? options->backoff_base_ms
                                                       : LB_SYNC_DEFAULT_BACKOFF_BASE;
  resolved->backoff_cap_ms = options->backoff_cap_ms ? options->backoff_cap_ms
                                                     : LB_SYNC_DEFAULT_BACKOFF_CAP;
  resolved->batch_events = options->batch_events;
}

guint
_lb_sync_backoff_ms (const LbSyncOptions *options,
                     guint                attempt)
{
  guint64 bound = options->backoff_base_ms;

  for (guint i = 0; i < attempt && bound < options->backoff_cap_ms; i++)
    bound *= 2;
  bound = MIN (bound, (guint64) options->backoff_cap_ms);
  return (guint) g_random_int_range (0, (gint32) MIN (bound, G_MAXINT32 - 1) + 1);
}

gboolean
_lb_sync_sleep (guint          ms,
                GCancellable  *cancellable,
                GError       **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD pollfd;
  gboolean have_fd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pollfd);

  for (;;)
    {
      gint64 left = end - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          if (have_fd)
            g_cancellable_release_fd (cancellable);
          return FALSE;
        }
      if (left <= 0)
        break;
      if (have_fd)
        g_poll (&pollfd, 1, (int) MIN ((left + 999) / 1000, 1000));
      else
        g_usleep (MIN (left, 100000));
    }
  if (have_fd)
    g_cancellable_release_fd (cancellable);
  return TRUE;
}

char *
_lb_sync_sanitize_text (const char *text,
                        gssize      length,
                        guint       max_chars,
                        const char *secret)
{
  g_autofree char *valid = NULL;
  GString *out;
  guint n = 0;

  if (text == NULL)
    return g_strdup ("");
  if (length < 0)
    length = strlen (text);
  valid = g_utf8_make_valid (text, length);

  if (secret != NULL && *secret != '\0')
    {
      g_autoptr(GString) s = g_string_new (valid);

      g_string_replace (s, secret, "[secret]", 0);
      g_free (valid);
      valid = g_string_free (g_steal_pointer (&s), FALSE);
    }

  out = g_string_new (NULL);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n == max_chars)
        {
          g_string_append (out, "…");
          break;
        }
      if (g_unichar_iscntrl (c))
        c = ' ';
      if (c == ' ' && out->len > 0 && out->str[out->len - 1] == ' ')
        continue;
      g_string_append_unichar (out, c);
      n++;
    }
  g_strstrip (out->str);
  return g_string_free (out, FALSE);
}

/* Batches */

static void
batch_init (LbSyncBatch *batch)
{
  memset (batch, 0, sizeof *batch);
  batch->lines = g_string_sized_new (1024 * 1024);
  batch->uuid_sum = g_checksum_new (G_CHECKSUM_SHA256);
}

static void
batch_reset (LbSyncBatch *batch)
{
  g_string_truncate (batch->lines, 0);
  batch->count = 0;
  batch->first_seq = batch->last_seq = 0;
  g_clear_pointer (&batch->first_uuid, g_free);
  g_clear_pointer (&batch->last_uuid, g_free);
  g_checksum_reset (batch->uuid_sum);
}

static void
batch_clear (LbSyncBatch *batch)
{
  if (batch->lines != NULL)
    g_string_free (batch->lines, TRUE);
  g_free (batch->first_uuid);
  g_free (batch->last_uuid);
  if (batch->uuid_sum != NULL)
    g_checksum_free (batch->uuid_sum);
  memset (batch, 0, sizeof *batch);
}

/* A run over the JSON lines of lb_export_events_jsonl(): an output stream
 * that cuts them into batches and hands each full batch to the sink, then
 * advances the cursor. */

typedef struct {
  LbStore            *store;
  const LbSyncConfig *config;
  LbSyncOptions       options;
  LbSyncOutbox       *outbox;
  LbSyncHttp         *http;
  GCancellable       *cancellable;
  guint               batch_limit;
  gint64              batch_end;     /* outbox: a re-sent segment ends here, else 0 */
  LbSyncBatch         batch;
  GString            *partial;       /* an incomplete line between two writes */
  guint64             n_sent;
  gint64              cursor;
  GError             *error;         /* the sink's or the store's error */
} SyncRun;

#define LB_TYPE_SYNC_LINE_STREAM (lb_sync_line_stream_get_type ())
G_DECLARE_FINAL_TYPE (LbSyncLineStream, lb_sync_line_stream, LB, SYNC_LINE_STREAM, GOutputStream)

struct _LbSyncLineStream {
  GOutputStream  parent_instance;
  SyncRun       *run;
};

G_DEFINE_FINAL_TYPE (LbSyncLineStream, lb_sync_line_stream, G_TYPE_OUTPUT_STREAM)

static gboolean
deliver_batch (SyncRun  *run,
               GError  **error)
{
  LbSyncBatch *batch = &run->batch;
  gboolean ok = FALSE;

  if (batch->count == 0)
    return TRUE;

  switch (run->config->kind)
    {
    case LB_SYNC_SINK_OUTBOX:
      ok = _lb_sync_outbox_write (run->outbox, batch, error);
      break;
    case LB_SYNC_SINK_HTTP:
      ok = _lb_sync_http_post (run->http, batch, run->cancellable, error);
      break;
    case LB_SYNC_SINK_POSTGRES:
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    return FALSE;

  /* the sink confirmed: only now the cursor moves */
  {
    g_autoptr(GError) local_error = NULL;

    if (!lb_store_set_sync_cursor (run->store, run->config->name, batch->last_seq,
                                   &local_error))
      {
        g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                     _("The %s sink confirmed events up to seq %lld but the store cannot "
                       "record it: %s"),
                     lb_sync_sink_kind_to_string (run->config->kind),
                     (long long) batch->last_seq, local_error->message);
        return FALSE;
      }
  }
  g_debug ("%s: confirmed %u events, seq %" G_GINT64_FORMAT "–%" G_GINT64_FORMAT,
           run->config->name, batch->count, batch->first_seq, batch->last_seq);
  run->cursor = batch->last_seq;
  run->n_sent += batch->count;
  batch_reset (batch);
  return TRUE;
}

/* {"uuid":"UUID","seq":N,... as lb_export_events_jsonl() writes it */
static gboolean
parse_line_head (const char  *line,
                 gsize        len,
                 char       **uuid,
                 gint64      *seq)
{
  static const char uuid_key[] = "{\"uuid\":\"";
  static const char seq_key[] = "\",\"seq\":";
  const char *p, *q, *end = line + len;
  char *num_end;

  if (len < sizeof uuid_key || memcmp (line, uuid_key, sizeof uuid_key - 1) != 0)
    return FALSE;
  p = line + sizeof uuid_key - 1;
  q = memchr (p, '"', end - p);
  if (q == NULL || q == p || (gsize) (end - q) < sizeof seq_key
      || memcmp (q, seq_key, sizeof seq_key - 1) != 0)
    return FALSE;
  *seq = g_ascii_strtoll (q + sizeof seq_key - 1, &num_end, 10);
  if (num_end == q + sizeof seq_key - 1 || *seq <= 0)
    return FALSE;
  *uuid = g_strndup (p, q - p);
  return TRUE;
}

static gboolean
take_line (SyncRun     *run,
           const char  *line,
           gsize        len,   /* with the '\n' */
           GError     **error)
{
  LbSyncBatch *batch = &run->batch;
  char *uuid = NULL;
  gint64 seq = 0;

  if (!parse_line_head (line, len, &uuid, &seq))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("An exported event line does not start with its uuid and seq"));
      return FALSE;
    }

  if (batch->count == 0)
    {
      batch->first_seq = seq;
      batch->first_uuid = g_strdup (uuid);
      /* a segment of a crashed run starting here: the same range again,
       * whatever the batch size is now (a bogus range is ignored) */
      run->batch_end = run->outbox != NULL ? _lb_sync_outbox_segment_end (run->outbox, seq) : 0;
      if (run->batch_end - seq + 1 > LB_SYNC_OUTBOX_SEGMENT_EVENTS)
        run->batch_end = 0;
    }
  batch->last_seq = seq;
  g_free (batch->last_uuid);
  batch->last_uuid = uuid;
  batch->count++;
  g_checksum_update (batch->uuid_sum, (const guchar *) uuid, -1);
  g_checksum_update (batch->uuid_sum, (const guchar *) "\n", 1);
  g_string_append_len (batch->lines, line, len);

  if (run->batch_end > 0 ? seq >= run->batch_end : batch->count >= run->batch_limit)
    return deliver_batch (run, error);
  return TRUE;
}

static gssize
lb_sync_line_stream_write_fn (GOutputStream  *stream,
                              const void     *buffer,
                              gsize           count,
                              GCancellable   *cancellable,
                              GError        **error)
{
  SyncRun *run = LB_SYNC_LINE_STREAM (stream)->run;
  const char *p = buffer, *end = p + count;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gboolean ok;

      if (nl == NULL)
        {
          g_string_append_len (run->partial, p, end - p);
          break;
        }
      if (run->partial->len > 0)
        {
          g_string_append_len (run->partial, p, nl + 1 - p);
          ok = take_line (run, run->partial->str, run->partial->len, &run->error);
          g_string_truncate (run->partial, 0);
        }
      else
        {
          ok = take_line (run, p, nl + 1 - p, &run->error);
        }
      if (!ok)
        {
          /* the export wraps it; run->error keeps the real one */
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               run->error->message);
          return -1;
        }
      p = nl + 1;
    }
  return count;
}

static void
lb_sync_line_stream_class_init (LbSyncLineStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = lb_sync_line_stream_write_fn;
}

static void
lb_sync_line_stream_init (LbSyncLineStream *self)
{
}

static gboolean
run_json_sink (SyncRun  *run,
               GError  **error)
{
  g_autoptr(LbSyncLineStream) stream = g_object_new (LB_TYPE_SYNC_LINE_STREAM, NULL);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  stream->run = run;
  batch_init (&run->batch);
  run->partial = g_string_new (NULL);

  ok = lb_export_events_jsonl (run->store, run->cursor, G_OUTPUT_STREAM (stream), NULL,
                               run->cancellable, &local_error);
  if (ok && run->partial->len > 0)
    {
      g_set_error (&run->error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("The event export ended in the middle of a line"));
      ok = FALSE;
    }
  if (ok)
    ok = deliver_batch (run, &run->error);

  if (!ok)
    {
      if (run->error != NULL)
        g_propagate_error (error, g_steal_pointer (&run->error));
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                     _("Cannot read the events of the store: %s"),
                     local_error != NULL ? local_error->message : "?");
    }

  g_clear_error (&run->error);
  g_string_free (g_steal_pointer (&run->partial), TRUE);
  batch_clear (&run->batch);
  g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, NULL);
  return ok;
}

static guint
batch_limit (const LbSyncOptions *options,
             guint                maximum)
{
  return options->batch_events > 0 ? MIN (options->batch_events, maximum) : maximum;
}

gboolean
lb_sync_run_once_full (LbStore             *store,
                       const LbSyncConfig  *config,
                       const LbSyncOptions *options,
                       guint64             *n_sent,
                       GCancellable        *cancellable,
                       GError             **error)
{
  SyncRun run = { 0 };
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (config != NULL && config->name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_sent != NULL)
    *n_sent = 0;

  if (lb_store_is_read_only (store))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("The store %s is open read-only: syncing records the sink's cursor"),
                   lb_store_get_path (store));
      return FALSE;
    }

  run.store = store;
  run.config = config;
  run.cancellable = cancellable;
  _lb_sync_options_resolve (options, &run.options);

  run.cursor = lb_store_get_sync_cursor (store, config->name, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("Cannot read the %s sink's cursor: %s"),
                   lb_sync_sink_kind_to_string (config->kind), local_error->message);
      return FALSE;
    }

  switch (config->kind)
    {
    case LB_SYNC_SINK_OUTBOX:
      run.outbox = _lb_sync_outbox_open (config->target, lb_store_get_seat_id (store),
                                         run.cursor, cancellable, error);
      if (run.outbox == NULL)
        return FALSE;
      run.batch_limit = batch_limit (&run.options, LB_SYNC_OUTBOX_SEGMENT_EVENTS);
      ok = run_json_sink (&run, error);
      g_clear_pointer (&run.outbox, _lb_sync_outbox_close);
      break;

    case LB_SYNC_SINK_HTTP:
      run.http = _lb_sync_http_new (config, &run.options, error);
      if (run.http == NULL)
        return FALSE;
      run.batch_limit = batch_limit (&run.options, LB_SYNC_HTTP_BATCH_EVENTS);
      ok = run_json_sink (&run, error);
      g_clear_pointer (&run.http, _lb_sync_http_free);
      break;

    case LB_SYNC_SINK_POSTGRES:
      ok = _lb_sync_postgres_run (store, config, &run.options, &run.n_sent, cancellable, error);
      break;

    default:
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG, _("Unknown sync sink"));
      return FALSE;
    }

  if (n_sent != NULL)
    *n_sent = run.n_sent;
  return ok;
}

gboolean
lb_sync_run_once (LbStore            *store,
                  const LbSyncConfig *config,
                  guint64            *n_sent,
                  GCancellable       *cancellable,
                  GError            **error)
{
  return lb_sync_run_once_full (store, config, NULL, n_sent, cancellable, error);
}

guint64
lb_sync_count_pending (LbStore            *store,
                       const LbSyncConfig *config,
                       GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 cursor;

  g_return_val_if_fail (LB_IS_STORE (store), 0);
  g_return_val_if_fail (config != NULL, 0);

  cursor = lb_store_get_sync_cursor (store, config->name, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("Cannot read the %s sink's cursor: %s"),
                   lb_sync_sink_kind_to_string (config->kind), local_error->message);
      return 0;
    }
  return (guint64) MAX (lb_store_count_events_after (store, cursor), 0);
}
