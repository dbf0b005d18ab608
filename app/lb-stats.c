/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-stats"
#include "config.h"

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "lb-stats.h"

#define BUSY_TIMEOUT_MS 10000

G_DEFINE_QUARK (lb-stats-error-quark, lb_stats_error)

/* Every query takes the batch as ?1; 0 = all batches. */

static const char sql_items[] =
  "SELECT COUNT (*) FROM items WHERE ?1 = 0 OR batch_id = ?1";

static const char sql_states[] =
  "SELECT s.state, COUNT (*), SUM (s.flagged != 0) FROM item_state s"
  " JOIN items i ON i.id = s.item_id"
  " WHERE ?1 = 0 OR i.batch_id = ?1 GROUP BY s.state";

static const char sql_labels[] =
  "SELECT j.value, COUNT (*) AS n FROM item_state s"
  " JOIN items i ON i.id = s.item_id, json_each (s.labels) j"
  " WHERE s.state = 'done' AND json_valid (s.labels) AND (?1 = 0 OR i.batch_id = ?1)"
  " GROUP BY j.value ORDER BY n DESC, j.value";

static const char sql_decisions[] =
  "SELECT s.decision, COUNT (*) AS n FROM item_state s JOIN items i ON i.id = s.item_id"
  " WHERE s.decision IS NOT NULL AND (?1 = 0 OR i.batch_id = ?1)"
  " GROUP BY s.decision ORDER BY n DESC, s.decision";

static const char sql_reasons[] =
  "SELECT s.reason, COUNT (*) AS n FROM item_state s JOIN items i ON i.id = s.item_id"
  " WHERE s.reason IS NOT NULL AND (?1 = 0 OR i.batch_id = ?1)"
  " GROUP BY s.reason ORDER BY n DESC, s.reason";

static const char sql_events[] =
  "SELECT COUNT (*) FROM events e"
  " WHERE ?1 = 0 OR e.item_id IN (SELECT id FROM items WHERE batch_id = ?1)";

/* One pass over the events, grouped by act: the events of an act share its
 * actor, item and dwell. Undo acts (retractions) count as events, not acts. */
static const char sql_actors[] =
  "SELECT actor, SUM (n), COUNT (DISTINCT item), SUM (is_act),"
  "  SUM (CASE WHEN is_act THEN d ELSE 0 END)"
  " FROM (SELECT e.actor AS actor, e.act AS act, MAX (e.item_id) AS item, COUNT (*) AS n,"
  "         MAX (e.kind != 'retract') AS is_act, MAX (e.dwell_ms) AS d"
  "       FROM events e"
  "       WHERE ?1 = 0 OR e.item_id IN (SELECT id FROM items WHERE batch_id = ?1)"
  "       GROUP BY e.actor, e.act)"
  " GROUP BY actor ORDER BY actor";

static gboolean
set_error (GError     **error,
           sqlite3     *db,
           const char  *path)
{
  g_set_error (error, LB_STATS_ERROR, LB_STATS_ERROR_FAILED,
               _("Cannot read the statistics of “%s”: %s"), path,
               db != NULL ? sqlite3_errmsg (db) : _("out of memory"));
  return FALSE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         gint64       batch_id,
         const char  *path,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_error (error, db, path);
      sqlite3_finalize (stmt);
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, batch_id);
  return stmt;
}

static gboolean
query_count (sqlite3     *db,
             const char  *sql,
             gint64       batch_id,
             const char  *path,
             gint64      *count,
             GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, sql, batch_id, path, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return set_error (error, db, path);
  return TRUE;
}

/* Adds "member": {"name": count, ...} from a query of (name, count) rows */
static gboolean
add_counts (JsonBuilder *b,
            const char  *member,
            sqlite3     *db,
            const char  *sql,
            gint64       batch_id,
            const char  *path,
            GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, sql, batch_id, path, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);

      if (name == NULL)
        continue;
      json_builder_set_member_name (b, name);
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 1));
    }
  json_builder_end_object (b);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    return set_error (error, db, path);
  return TRUE;
}

static gboolean
add_actors (JsonBuilder *b,
            sqlite3     *db,
            gint64       batch_id,
            const char  *path,
            GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, sql_actors, batch_id, path, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  json_builder_set_member_name (b, "actors");
  json_builder_begin_object (b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *actor = (const char *) sqlite3_column_text (stmt, 0);
      gint64 acts = sqlite3_column_int64 (stmt, 3);
      gint64 dwell = sqlite3_column_int64 (stmt, 4);

      json_builder_set_member_name (b, actor != NULL ? actor : "");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "items");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 2));
      json_builder_set_member_name (b, "events");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 1));
      json_builder_set_member_name (b, "acts");
      json_builder_add_int_value (b, acts);
      json_builder_set_member_name (b, "dwell_ms");
      json_builder_add_int_value (b, dwell);
      json_builder_set_member_name (b, "mean_dwell_ms");
      json_builder_add_int_value (b, acts > 0 ? (dwell + acts / 2) / acts : 0);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    return set_error (error, db, path);
  return TRUE;
}

static gboolean
compute (JsonBuilder *b,
         sqlite3     *db,
         gint64       batch_id,
         const char  *path,
         GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 n_items = 0, n_done = 0, n_skipped = 0, n_flagged = 0, n_events = 0;
  int rc;

  if (!query_count (db, sql_items, batch_id, path, &n_items, error))
    return FALSE;

  stmt = prepare (db, sql_states, batch_id, path, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *state = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (state, "done") == 0)
        n_done = sqlite3_column_int64 (stmt, 1);
      else if (g_strcmp0 (state, "skipped") == 0)
        n_skipped = sqlite3_column_int64 (stmt, 1);
      n_flagged += sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_error (error, db, path);

  if (!query_count (db, sql_events, batch_id, path, &n_events, error))
    return FALSE;

  json_builder_set_member_name (b, "items");
  json_builder_add_int_value (b, n_items);
  json_builder_set_member_name (b, "done");
  json_builder_add_int_value (b, n_done);
  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, n_skipped);
  json_builder_set_member_name (b, "todo");
  json_builder_add_int_value (b, MAX (n_items - n_done - n_skipped, 0));
  json_builder_set_member_name (b, "flagged");
  json_builder_add_int_value (b, n_flagged);

  return add_counts (b, "labels", db, sql_labels, batch_id, path, error)
         && add_counts (b, "decisions", db, sql_decisions, batch_id, path, error)
         && add_counts (b, "reasons", db, sql_reasons, batch_id, path, error)
         && add_actors (b, db, batch_id, path, error)
         && (json_builder_set_member_name (b, "events"),
             json_builder_add_int_value (b, n_events), TRUE);
}

JsonNode *
lb_stats_compute (LbStore  *store,
                  gint64    batch_id,
                  GError  **error)
{
  g_autoptr(JsonBuilder) b = NULL;
  const char *path;
  sqlite3 *db = NULL;
  gboolean ok;
  int rc;

  g_return_val_if_fail (LB_IS_STORE (store), NULL);
  g_return_val_if_fail (batch_id >= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A connection of our own, read-only: safe from any thread, and one
   * read transaction gives consistent numbers. */
  path = lb_store_get_path (store);
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (error, db, path);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  if (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_error (error, db, path);
      sqlite3_close (db);
      return NULL;
    }

  b = json_builder_new ();
  json_builder_begin_object (b);
  ok = compute (b, db, batch_id, path, error);
  json_builder_end_object (b);

  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);

  if (!ok)
    return NULL;
  return json_builder_get_root (b);
}
