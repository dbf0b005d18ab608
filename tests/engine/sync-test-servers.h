/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* Helpers of the sync tests: a store with events, a PostgreSQL server and an
 * HTTP server, both started by the test itself. Each fails the test when
 * something goes wrong. */

/* Opens (creating) the store DIR/NAME with one batch of 8 texts, then makes
 * n_acts acts of two events each (labels + a note with characters that need
 * escaping). The store stays open. */
LbStore    *sync_test_make_store   (const char *dir,
                                    const char *name,
                                    guint       n_acts);
/* n_acts more acts on the store made above */
void        sync_test_add_acts     (LbStore    *store,
                                    guint       n_acts);
/* The store's event uuids (uuid -> GINT64 seq) */
GHashTable *sync_test_store_uuids  (LbStore    *store);
/* Renames the sync_cursors row "from" of the store file db_path (closed) to
 * "to", by SQL: e.g. back to the bare kind name of earlier versions */
void        sync_test_store_rename_cursor (const char *db_path,
                                           const char *from,
                                           const char *to);

/* PostgreSQL: initdb in DIR/pg and a postgres on a Unix socket only (no
 * TCP), as the "postgres" user when we run as root. The server stops when
 * sync_test_pg_stop() is called or when the test process dies (it watches a
 * pipe from us), so a failing test leaves nothing running. The server
 * binaries missing is a failure that says to run build-aux/install-deps. */
typedef struct _SyncTestPg SyncTestPg;

SyncTestPg *sync_test_pg_start     (const char *dir);
const char *sync_test_pg_conninfo  (SyncTestPg *pg);
/* Runs one SQL statement with the NULL-terminated text parameters ($1, $2,
 * ...) and returns the first column of the first row, or NULL when there is
 * no row. */
char       *sync_test_pg_query     (SyncTestPg *pg,
                                    const char *sql,
                                    ...) G_GNUC_NULL_TERMINATED;
/* The same on another database of the server (a conninfo of
 * sync_test_pg_create_db()) */
char       *sync_test_pg_query_on  (const char *conninfo,
                                    const char *sql,
                                    ...) G_GNUC_NULL_TERMINATED;
/* Creates the database dbname on the server (dropping it first when it
 * exists) and returns the conninfo that reaches it */
char       *sync_test_pg_create_db (SyncTestPg *pg,
                                    const char *dbname);
void        sync_test_pg_stop      (SyncTestPg *pg);

/* HTTP: a SoupServer on 127.0.0.1 in a thread of its own. POST /events with
 * NDJSON bodies; events are deduplicated by uuid and every delivery counted.
 * Faults, chosen per request from a seeded random sequence: */
typedef struct {
  guint32     seed;
  double      p_500;          /* answer 500 */
  double      p_delay;        /* record the events, then answer after delay_ms */
  double      p_drop;         /* close the connection without an answer (the events
                               * are recorded on one drop in two) */
  guint       delay_ms;
  const char *reject_uuid;    /* a batch holding this uuid gets 400 (never recorded) */
  const char *token;          /* the bearer token the server expects, or NULL */
  const char *tls_pem;        /* certificate and key: serve https:// with them */
} SyncTestHttpFaults;

typedef struct _SyncTestHttp SyncTestHttp;

SyncTestHttp *sync_test_http_start      (const SyncTestHttpFaults *faults);
/* http(s)://127.0.0.1:PORT/events */
const char   *sync_test_http_url        (SyncTestHttp *http);
/* uuid -> GUINT count of deliveries the server accepted (a copy) */
GHashTable   *sync_test_http_uuids      (SyncTestHttp *http);
guint         sync_test_http_requests   (SyncTestHttp *http);
/* requests whose Authorization, Content-Type or Idempotency-Key was wrong or
 * missing, or whose key differed from an earlier post of the same events */
guint         sync_test_http_bad_requests (SyncTestHttp *http);
guint         sync_test_http_rejected   (SyncTestHttp *http);  /* 400s sent */
guint         sync_test_http_faults     (SyncTestHttp *http);  /* 500s, delays, drops */
void          sync_test_http_stop       (SyncTestHttp *http);

G_END_DECLS
