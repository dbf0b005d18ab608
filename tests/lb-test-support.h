/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "lb-image-loader.h"
#include "lb-import.h"
#include "lb-item-list.h"
#include "lb-store.h"

G_BEGIN_DECLS

/* Helpers shared by the test programs (engine, cli and ui suites). Every one
 * of them fails the running test (g_assert / g_error) when something goes
 * wrong, so that callers need not check. The library never links GTK. */

/* The comment-review schema of the export, stats and CLI tests: multi-label
 * "ok"/"spam", decisions approve/reject (needs a reason)/escalate, reason
 * "abuse" with child "abuse/insult". */
extern const char lb_test_comment_schema_json[];

/* A new scratch folder named PREFIX-XXXXXX in the temporary folder. */
char       *lb_test_make_tmpdir     (const char *prefix);

/* Removes PATH and, if it is a folder, all below it (links are removed,
 * never followed). A missing PATH is fine. */
void        lb_test_remove_tree     (const char *path);

/* Writes DIR/RELATIVE (DIR NULL: the path RELATIVE; LENGTH -1: a
 * NUL-terminated string), making the folders it needs. */
void        lb_test_write_file      (const char *dir,
                                     const char *relative,
                                     const char *contents,
                                     gssize      length);

/* Copies the file FROM to TO (byte for byte). */
void        lb_test_copy_file       (const char *from,
                                     const char *to);

/* $LB_PNGSUITE_DIR (must be set and be a folder), and a file in it */
const char *lb_test_pngsuite_dir    (void);
char       *lb_test_pngsuite_path   (const char *name);

/* Copies PngSuite's NAME to DIR/RELATIVE (making folders); returns the
 * SHA-256 of its contents, in hex. */
char       *lb_test_copy_pngsuite   (const char *name,
                                     const char *dir,
                                     const char *relative);

/* PNG pieces: the CRC-32 of a chunk (CRC 0 to start), a big-endian
 * 32-bit number, and a whole small PNG whose real IHDR claims WIDTH ×
 * HEIGHT (8-bit RGBA), with one tiny IDAT and IEND */
guint32     lb_test_crc32           (guint32       crc,
                                     const guint8 *p,
                                     gsize         n);
void        lb_test_put_be32        (guint8       *p,
                                     guint32       v);
GBytes     *lb_test_png_header      (guint32       width,
                                     guint32       height);

/* Opens (creating it if need be) the store at PATH */
LbStore    *lb_test_open_store      (const char *path);

/* Imports PATH (OPTIONS may be NULL) into STORE; the import must succeed
 * with N_ADDED items added and nothing rejected. Returns the batch id. */
gint64      lb_test_import          (LbStore               *store,
                                     const char            *path,
                                     const LbImportOptions *options,
                                     guint                  n_added);

/* The item ITEM_ID of STORE (it must be there) */
LbItem     *lb_test_get_item        (LbStore    *store,
                                     gint64      item_id);

/* The item EXTERNAL_ID of batch BATCH (NULL: of any batch) of STORE; it
 * must be there */
LbItem     *lb_test_find_item       (LbStore    *store,
                                     const char *batch,
                                     const char *external_id);

/* Dispatches whatever the default main context has ready, without blocking. */
void        lb_test_pump            (void);

/* Runs the thread-default main context for MS milliseconds. */
void        lb_test_spin_for        (guint ms);

typedef gboolean (*LbTestCondition) (gpointer data);

/* Runs the thread-default main context until CONDITION (DATA) holds; the
 * test fails if it does not within TIMEOUT_S seconds. */
void        lb_test_wait_until      (LbTestCondition condition,
                                     gpointer        data,
                                     guint           timeout_s);

/* Writes at PATH a store of this version with 2 000 text items whose pages
 * are then overwritten (its header and schema page intact): opening it
 * works, its integrity check fails. Returns the first item's id. */
gint64      lb_test_make_damaged_store (const char *path);

/* Runs the thread-default main context until LIST has read its ids (the
 * test fails if not within 30 s); returns LIST */
LbItemList *lb_test_wait_list       (LbItemList *list);

/* Runs the thread-default main context until LOADER has PATH decoded to
 * fit WIDTH × HEIGHT in its cache, and returns that image (a reference);
 * the test fails if it is not there within TIMEOUT_S seconds. */
LbImage    *lb_test_wait_for_lookup (LbImageLoader *loader,
                                     const char    *path,
                                     guint          width,
                                     guint          height,
                                     guint          timeout_s);

/* TEXT parsed as JSON (it must parse) */
JsonNode   *lb_test_parse_json      (const char *text);

/* The integer member at PATH ("a.b.c") of O; the test fails if any part
 * of the path is missing. */
gint64      lb_test_json_int        (JsonObject *o,
                                     const char *path);

/* A run of labelbench-cli ($LB_CLI) */
typedef struct {
  int   status;  /* exit status */
  char *out;     /* stdout */
  char *err;     /* stderr */
} LbTestRun;

void        lb_test_run_clear       (LbTestRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LbTestRun, lb_test_run_clear)

/* Runs labelbench-cli with the NULL-terminated arguments in the environment
 * ENVP (NULL: ours) and fills RUN (cleared first); returns the exit status.
 * The program must exit, never die of a signal. */
int         lb_test_run_cli         (LbTestRun   *run,
                                     char       **envp,
                                     ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
