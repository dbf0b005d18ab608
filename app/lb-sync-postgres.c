/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-sync-postgres"
#include "config.h"

/* The PostgreSQL sink. The target is a libpq connection string or URI
 * ("host=db.example.org dbname=labelling user=seat"); the password, if any,
 * comes from the secret file and is passed to libpq apart from it.
 *
 * The table, created when missing, one row per event, keyed by its UUID:
 *
 *   CREATE TABLE IF NOT EXISTS labelbench_events (
 *     uuid        uuid PRIMARY KEY,   -- the event's UUID, unique in every store
 *     seq         bigint,             -- its seq in the store that synced it
 *     seat        uuid,               -- the store (seat) that created it
 *     batch       text,               -- batch name
 *     item        text,               -- the item's external id
 *     actor       text,
 *     role        text,               -- "annotator", "lead"
 *     kind        text,               -- "label", "decision", "region.create", ...
 *     payload     jsonb,              -- the event's JSON payload
 *     time        timestamptz,        -- when it happened (UTC)
 *     time_us     bigint,             -- the same, microseconds since the epoch
 *     dwell_ms    bigint,             -- time spent on the item
 *     act         bigint,             -- events of one act share it (local numbers)
 *     prev_hash   text,               -- hex SHA-256 of the seat's previous event
 *     hash        text,               -- hex SHA-256 chained over prev_hash
 *     received_at timestamptz DEFAULT now()
 *   );
 *
 * Each batch (10 000 events) is sent in one transaction:
 *   BEGIN; COPY labelbench_staging (...) FROM STDIN;
 *   INSERT INTO labelbench_events (...) SELECT ... FROM labelbench_staging
 *     ON CONFLICT (uuid) DO NOTHING;
 *   COMMIT;   -- the staging table (TEMP, ON COMMIT DELETE ROWS) empties itself
 * and the store's cursor moves after the COMMIT returned. A batch sent again
 * after a crash inserts nothing twice. */

#include <string.h>

#include <glib/gi18n.h>
#include <libpq-fe.h>

#include "lb-export.h"
#include "lb-sync-private.h"

#define COLUMNS "uuid, seq, seat, batch, item, actor, role, kind, payload, time, time_us, " \
                "dwell_ms, act, prev_hash, hash"

static const char create_table_sql[] =
  "CREATE TABLE IF NOT EXISTS labelbench_events ("
  " uuid uuid PRIMARY KEY,"
  " seq bigint,"
  " seat uuid,"
  " batch text,"
  " item text,"
  " actor text,"
  " role text,"
  " kind text,"
  " payload jsonb,"
  " time timestamptz,"
  " time_us bigint,"
  " dwell_ms bigint,"
  " act bigint,"
  " prev_hash text,"
  " hash text,"
  " received_at timestamptz DEFAULT now())";

static const char create_staging_sql[] =
  "CREATE TEMP TABLE IF NOT EXISTS labelbench_staging ("
  " uuid uuid, seq bigint, seat uuid, batch text, item text, actor text, role text,"
  " kind text, payload jsonb, time timestamptz, time_us bigint, dwell_ms bigint,"
  " act bigint, prev_hash text, hash text) ON COMMIT DELETE ROWS";

static const char insert_sql[] =
  "INSERT INTO labelbench_events (" COLUMNS ") SELECT " COLUMNS
  " FROM labelbench_staging ON CONFLICT (uuid) DO NOTHING";

typedef struct {
  LbStore            *store;
  const LbSyncConfig *config;
  LbSyncOptions       options;
  PGconn             *conn;
  GCancellable       *cancellable;
  gulong              cancel_id;
  GString            *rows;       /* COPY text format */
  guint               count;
  gint64              first_seq;
  gint64              last_seq;
  guint64             n_sent;
  guint               batch_limit;
  GError             *error;
} PgRun;

/* The server's message, one line, without the password */
static char *
conn_message (PgRun *run)
{
  return _lb_sync_sanitize_text (PQerrorMessage (run->conn), -1, 300, run->config->secret);
}

static gboolean
conn_lost (PgRun *run)
{
  return PQstatus (run->conn) != CONNECTION_OK;
}

static void
set_pg_error (PgRun      *run,
              GError    **error,
              const char *what)
{
  g_autofree char *message = conn_message (run);

  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return;
  if (conn_lost (run))
    g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE,
                 /* Translators: "PostgreSQL: COPY failed: server closed the connection" */
                 _("PostgreSQL: %s failed: %s"), what, message);
  else
    g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED,
                 _("PostgreSQL: %s failed: %s"), what, message);
}

static gboolean
exec_command (PgRun       *run,
              const char  *sql,
              const char  *what,
              GError     **error)
{
  PGresult *res = PQexec (run->conn, sql);
  gboolean ok = res != NULL && PQresultStatus (res) == PGRES_COMMAND_OK;

  if (!ok)
    {
      if (res != NULL && PQresultErrorMessage (res)[0] != '\0' && !conn_lost (run))
        {
          g_autofree char *message = _lb_sync_sanitize_text (PQresultErrorMessage (res), -1,
                                                             300, run->config->secret);

          if (!g_cancellable_set_error_if_cancelled (run->cancellable, error))
            g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED,
                         _("PostgreSQL: %s failed: %s"), what, message);
        }
      else
        set_pg_error (run, error, what);
    }
  PQclear (res);
  return ok;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  PGconn *conn = user_data;
  PGcancel *cancel = PQgetCancel (conn);
  char errbuf[256];

  if (cancel != NULL)
    {
      PQcancel (cancel, errbuf, sizeof errbuf);
      PQfreeCancel (cancel);
    }
}

/* Drives PQconnectPoll() until connected, failed, timed out or cancelled */
static gboolean
wait_connected (PgRun   *run,
                GError **error)
{
  guint timeout_s = run->options.timeout_s ? run->options.timeout_s : LB_SYNC_DEFAULT_PG_TIMEOUT;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  GPollFD fds[2];
  gboolean have_cancel_fd = FALSE;
  gboolean ok = FALSE;

  if (run->cancellable != NULL)
    have_cancel_fd = g_cancellable_make_pollfd (run->cancellable, &fds[1]);

  while (PQstatus (run->conn) != CONNECTION_BAD
         && state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        goto out;
      if (left <= 0)
        {
          g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE,
                       _("Cannot connect to PostgreSQL: no answer within %u s"), timeout_s);
          goto out;
        }
      fds[0].fd = PQsocket (run->conn);
      fds[0].events = state == PGRES_POLLING_READING ? G_IO_IN : G_IO_OUT;
      fds[0].revents = 0;
      if (have_cancel_fd)
        fds[1].revents = 0;
      if (fds[0].fd < 0)
        break;
      if (g_poll (fds, have_cancel_fd ? 2 : 1, (int) MIN ((left + 999) / 1000, 1000)) > 0
          && fds[0].revents != 0)
        state = PQconnectPoll (run->conn);
    }

  if (PQstatus (run->conn) != CONNECTION_OK)
    {
      g_autofree char *message = conn_message (run);

      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE,
                   _("Cannot connect to PostgreSQL: %s"), message);
      goto out;
    }
  ok = TRUE;

out:
  if (have_cancel_fd)
    g_cancellable_release_fd (run->cancellable);
  return ok;
}

static gboolean
connect_db (PgRun   *run,
            GError **error)
{
  const char *keys[] = { "dbname", "password", "application_name", NULL };
  const char *values[] = { run->config->target, run->config->secret, "labelbench", NULL };

  /* a NULL password value is skipped by libpq; dbname is expanded. The
   * non-blocking connect lets a cancellation (the app's syncer stopping)
   * end the wait at once. */
  run->conn = PQconnectStartParams (keys, values, 1);
  if (run->conn == NULL)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE,
                   _("PostgreSQL: out of memory while connecting"));
      return FALSE;
    }
  if (!wait_connected (run, error))
    return FALSE;
  if (run->cancellable != NULL)
    run->cancel_id = g_cancellable_connect (run->cancellable, G_CALLBACK (cancelled_cb),
                                            run->conn, NULL);

  if (!exec_command (run, "SET client_min_messages = warning", "SET", error))
    return FALSE;

  /* two seats creating the table at the same moment: one of them gets a
   * unique violation on the catalog; the second try sees the table */
  if (!exec_command (run, create_table_sql, "CREATE TABLE labelbench_events", NULL)
      && !exec_command (run, create_table_sql, "CREATE TABLE labelbench_events", error))
    return FALSE;
  return exec_command (run, create_staging_sql, "CREATE TEMP TABLE", error);
}

static void
disconnect_db (PgRun *run)
{
  if (run->cancel_id != 0)
    g_cancellable_disconnect (run->cancellable, run->cancel_id);
  run->cancel_id = 0;
  g_clear_pointer (&run->conn, PQfinish);
}

/* COPY text format: backslash, tab, newline and carriage return escaped */
static void
append_copy_text (GString    *s,
                  const char *text)
{
  if (text == NULL)
    {
      g_string_append_len (s, "\\N", 2);
      return;
    }
  for (const char *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '\\': g_string_append_len (s, "\\\\", 2); break;
      case '\t': g_string_append_len (s, "\\t", 2); break;
      case '\n': g_string_append_len (s, "\\n", 2); break;
      case '\r': g_string_append_len (s, "\\r", 2); break;
      default: g_string_append_c (s, *p); break;
      }
}

static gboolean
send_batch (PgRun   *run,
            GError **error)
{
  PGresult *res;
  gboolean ok;

  if (!exec_command (run, "BEGIN", "BEGIN", error))
    return FALSE;

  res = PQexec (run->conn, "COPY labelbench_staging (" COLUMNS ") FROM STDIN");
  ok = res != NULL && PQresultStatus (res) == PGRES_COPY_IN;
  PQclear (res);
  if (!ok)
    {
      set_pg_error (run, error, "COPY");
      return FALSE;
    }
  if (PQputCopyData (run->conn, run->rows->str, (int) run->rows->len) != 1
      || PQputCopyEnd (run->conn, NULL) != 1)
    {
      set_pg_error (run, error, "COPY");
      return FALSE;
    }
  res = PQgetResult (run->conn);
  ok = res != NULL && PQresultStatus (res) == PGRES_COMMAND_OK;
  if (!ok && res != NULL && !conn_lost (run))
    {
      g_autofree char *message = _lb_sync_sanitize_text (PQresultErrorMessage (res), -1, 300,
                                                         run->config->secret);

      if (!g_cancellable_set_error_if_cancelled (run->cancellable, error))
        g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED,
                     _("PostgreSQL: COPY of events seq %lld–%lld failed: %s"),
                     (long long) run->first_seq, (long long) run->last_seq, message);
    }
  else if (!ok)
    set_pg_error (run, error, "COPY");
  PQclear (res);
  while ((res = PQgetResult (run->conn)) != NULL)
    PQclear (res);
  if (!ok)
    return FALSE;

  {
    /* Translators: "PostgreSQL: INSERT of events seq 1–500 failed: ..." */
    g_autofree char *what = g_strdup_printf (_("INSERT of events seq %lld–%lld"),
                                             (long long) run->first_seq,
                                             (long long) run->last_seq);

    if (!exec_command (run, insert_sql, what, error))
      return FALSE;
  }

  return exec_command (run, "COMMIT", "COMMIT", error);
}

static gboolean
flush_batch (PgRun   *run,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (run->count == 0)
    return TRUE;

  if (!send_batch (run, error))
    return FALSE;

  /* COMMIT returned: the events are in the table; now the cursor */
  if (!lb_store_set_sync_cursor (run->store, run->config->name, run->last_seq, &local_error))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("PostgreSQL confirmed events up to seq %lld but the store cannot "
                     "record it: %s"), (long long) run->last_seq,
                   local_error->message);
      return FALSE;
    }
  run->n_sent += run->count;
  run->count = 0;
  g_string_truncate (run->rows, 0);
  return TRUE;
}

static void
append_int (GString *s,
            gint64   v)
{
  g_string_append_printf (s, "%" G_GINT64_FORMAT, v);
}

static gboolean
event_cb (const LbEvent *e,
          gpointer       user_data,
          GError       **error)
{
  PgRun *run = user_data;
  GString *s = run->rows;

  if (run->count == 0)
    run->first_seq = e->seq;
  run->last_seq = e->seq;

  append_copy_text (s, e->uuid);
  g_string_append_c (s, '\t');
  append_int (s, e->seq);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->seat);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->batch);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->item);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->actor);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->role);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->kind);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->payload != NULL && *e->payload != '\0' ? e->payload : "{}");
  g_string_append_c (s, '\t');
  lb_export_append_time (s, e->time_us);
  g_string_append_c (s, '\t');
  append_int (s, e->time_us);
  g_string_append_c (s, '\t');
  append_int (s, e->dwell_ms);
  g_string_append_c (s, '\t');
  append_int (s, e->act);
  g_string_append_c (s, '\t');
  append_copy_text (s, e->prev_hash != NULL ? e->prev_hash : "");
  g_string_append_c (s, '\t');
  append_copy_text (s, e->hash);
  g_string_append_c (s, '\n');

  run->count++;
  if (run->count >= run->batch_limit)
    {
      if (!flush_batch (run, &run->error))
        {
          g_set_error_literal (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE, run->error->message);
          return FALSE;
        }
      if (g_cancellable_set_error_if_cancelled (run->cancellable, &run->error))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, run->error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* A conninfo value as libpq reads it back: quoted when empty or holding a
 * space, a quote or a backslash */
static void
append_conninfo_value (GString    *s,
                       const char *value)
{
  if (*value != '\0' && strpbrk (value, " \t\n\r\f\v'\\") == NULL)
    {
      g_string_append (s, value);
      return;
    }
  g_string_append_c (s, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '\'');
}

char *
_lb_sync_postgres_target_key (const char  *conninfo,
                              GError     **error)
{
  static const char * const keys[] = { "host", "port", "dbname", "user" };
  PQconninfoOption *options;
  char *errmsg = NULL;
  GString *s;

  options = PQconninfoParse (conninfo, &errmsg);
  if (options == NULL)
    {
      /* libpq's message can quote the string, and so a password in it */
      if (errmsg != NULL)
        PQfreemem (errmsg);
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("The postgres sync target is not a libpq connection string "
                     "(“host=… dbname=… user=…”) or URI"));
      return NULL;
    }

  s = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    for (const PQconninfoOption *o = options; o->keyword != NULL; o++)
      if (strcmp (o->keyword, keys[i]) == 0 && o->val != NULL)
        {
          if (s->len > 0)
            g_string_append_c (s, ' ');
          g_string_append_printf (s, "%s=", keys[i]);
          append_conninfo_value (s, o->val);
          break;
        }
  PQconninfoFree (options);

  if (s->len == 0)
    g_string_append (s, "(libpq defaults)");
  return g_string_free (s, FALSE);
}

gboolean
_lb_sync_postgres_run (LbStore             *store,
                       const LbSyncConfig  *config,
                       const LbSyncOptions *options,
                       guint64             *n_sent,
                       GCancellable        *cancellable,
                       GError             **error)
{
  PgRun run = { 0 };
  g_autoptr(GError) local_error = NULL;
  gboolean ok = FALSE;
  gint64 cursor;

  run.store = store;
  run.config = config;
  run.options = *options;
  run.cancellable = cancellable;
  run.batch_limit = options->batch_events > 0
                    ? MIN (options->batch_events, LB_SYNC_POSTGRES_BATCH_EVENTS)
                    : LB_SYNC_POSTGRES_BATCH_EVENTS;

  for (guint attempt = 0; ; attempt++)
    {
      g_clear_error (&local_error);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      if (connect_db (&run, &local_error))
        break;
      disconnect_db (&run);
      if (!g_error_matches (local_error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE)
          || attempt + 1 >= run.options.max_attempts)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          goto out;
        }
      if (!_lb_sync_sleep (_lb_sync_backoff_ms (&run.options, attempt), cancellable, error))
        goto out;
    }

  cursor = lb_store_get_sync_cursor (store, config->name, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                   _("Cannot read the %s sink's cursor: %s"),
                   lb_sync_sink_kind_to_string (config->kind), local_error->message);
      goto out;
    }

  run.rows = g_string_sized_new (4 * 1024 * 1024);
  ok = lb_store_foreach_event (store, cursor, event_cb, &run, &local_error)
       && flush_batch (&run, &run.error);
  if (!ok)
    {
      if (run.error != NULL)
        g_propagate_error (error, g_steal_pointer (&run.error));
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_STORE,
                     _("Cannot read the events of the store: %s"),
                     local_error != NULL ? local_error->message : "?");
    }

out:
  disconnect_db (&run);
  g_clear_error (&run.error);
  if (run.rows != NULL)
    g_string_free (run.rows, TRUE);
  if (n_sent != NULL)
    *n_sent = run.n_sent;
  return ok;
}
