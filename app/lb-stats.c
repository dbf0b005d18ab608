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

static void
add_int (JsonBuilder *b,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_int_value (b, value);
}

/* Adds the value of one row (named by its first column) to an object */
typedef void (*AddRowFunc) (JsonBuilder  *b,
                            sqlite3_stmt *stmt);

/* Adds "member": {...}, one member a row of the query */
static gboolean
add_rows (JsonBuilder  *b,
          const char   *member,
          sqlite3      *db,
          const char   *sql,
          gint64        batch_id,
          const char   *path,
          AddRowFunc    add_row,
          GError      **error)
{
  sqlite3_stmt *stmt = prepare (db, sql, batch_id, path, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    add_row (b, stmt);
  json_builder_end_object (b);
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    return set_error (error, db, path);
  return TRUE;
}

/* A (name, count) row: "name": count; rows without a name are left out */
static void
add_count_row (JsonBuilder  *b,
               sqlite3_stmt *stmt)
{
  const char *name = (const char *) sqlite3_column_text (stmt, 0);

  if (name != NULL)
    add_int (b, name, sqlite3_column_int64 (stmt, 1));
}

/* A row of sql_actors: "actor": {"items": …, "events": …, …} */
static void
add_actor_row (JsonBuilder  *b,
               sqlite3_stmt *stmt)
{
  const char *actor = (const char *) sqlite3_column_text (stmt, 0);
  gint64 acts = sqlite3_column_int64 (stmt, 3);
  gint64 dwell = sqlite3_column_int64 (stmt, 4);

  json_builder_set_member_name (b, actor != NULL ? actor : "");
  json_builder_begin_object (b);
  add_int (b, "items", sqlite3_column_int64 (stmt, 2));
  add_int (b, "events", sqlite3_column_int64 (stmt, 1));
  add_int (b, "acts", acts);
  add_int (b, "dwell_ms", dwell);
  add_int (b, "mean_dwell_ms", acts > 0 ? (dwell + acts / 2) / acts : 0);
  json_builder_end_object (b);
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

  add_int (b, "items", n_items);
  add_int (b, "done", n_done);
  add_int (b, "skipped", n_skipped);
  add_int (b, "todo", MAX (n_items - n_done - n_skipped, 0));
  add_int (b, "flagged", n_flagged);

  if (!add_rows (b, "labels", db, sql_labels, batch_id, path, add_count_row, error)
      || !add_rows (b, "decisions", db, sql_decisions, batch_id, path, add_count_row, error)
      || !add_rows (b, "reasons", db, sql_reasons, batch_id, path, add_count_row, error)
      || !add_rows (b, "actors", db, sql_actors, batch_id, path, add_actor_row, error))
    return FALSE;
  add_int (b, "events", n_events);
  return TRUE;
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
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
      rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
    }
  if (rc != SQLITE_OK)
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
