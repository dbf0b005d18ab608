/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "lb-export.h"
#include "lb-item.h"
#include "lb-schema.h"
#include "lb-store.h"

G_BEGIN_DECLS

/* Internal to the export writers (lb-export*.c); lb-report.c uses the CSV
 * cell writer. */

/* Output is gathered in a buffer of this size, then written in one go. */
#define LB_EXPORT_FLUSH_SIZE (256 * 1024)

typedef struct _LbExportJob LbExportJob;

struct _LbExportJob {
  LbStore              *store;
  LbExportFilter        filter;
  GCancellable         *cancellable;

  /* single-file formats: the stream and its buffer (flushed by
   * _lb_export_maybe_flush () once it is LB_EXPORT_FLUSH_SIZE long) */
  GOutputStream        *output;
  GString              *buf;
  /* folder formats: the folder (made before the writer runs) */
  char                 *dir;
  /* formats with a sidecar naming their documents (CoNLL), written to a
   * path: the sidecar's stream, NULL otherwise (a stream export has none);
   * ids_buf is written to it by the caller after the writer returned */
  GOutputStream        *ids;
  GString              *ids_buf;

  LbExportProgressFunc  progress;
  gpointer              progress_data;
  gint64                next_progress_us;
  guint64               n_total;
  guint64               n_done;

  guint64               n_written;
  gint64                after_seq;     /* event formats: events after this seq */

  GPtrArray            *warnings;      /* of char*, at most a few hundred */
  guint64               n_warnings_dropped;
};

/* What the item loop gives each writer. */
typedef struct {
  LbBatch  *batch;
  LbSchema *schema;
  LbItem   *item;
  gint64    last_event_us;   /* time of the item's latest event, 0 = none */
} LbExportItem;

typedef gboolean (*LbExportItemFunc) (LbExportJob         *job,
                                      const LbExportItem  *entry,
                                      gpointer             user_data,
                                      GError             **error);

typedef gboolean (*LbExportBatchFunc) (LbExportJob  *job,
                                       LbBatch      *batch,
                                       LbSchema     *schema,
                                       gpointer      user_data,
                                       GError      **error);

/* The batches the filter selects, in store order (of LbBatch);
 * LB_EXPORT_ERROR_NOT_FOUND for a batch name the store does not have. */
GPtrArray *_lb_export_list_batches   (LbExportJob        *job,
                                      GError            **error);

/* Calls func for each item the filter selects (batch by batch, in queue
 * order), reading one item at a time; counts progress. kind_only: -1 = all
 * items, otherwise only items of that LbItemKind. */
gboolean   _lb_export_foreach_item   (LbExportJob        *job,
                                      int                 kind_only,
                                      LbExportItemFunc    func,
                                      gpointer            user_data,
                                      GError            **error);

/* Writes job->buf to job->output once it is long enough (or always, with
 * _lb_export_flush) */
gboolean   _lb_export_maybe_flush    (LbExportJob        *job,
                                      GError            **error);
gboolean   _lb_export_flush          (LbExportJob        *job,
                                      GError            **error);

/* Writes buf to out; write errors become LB_EXPORT_ERROR_WRITE (except
 * cancellation and a broken pipe) */
gboolean   _lb_export_write_all      (GOutputStream      *out,
                                      GString            *buf,
                                      GCancellable       *cancellable,
                                      GError            **error);

/* Adds a (translated) warning; only the first few hundred are kept, the
 * rest are counted. */
void       _lb_export_warn           (LbExportJob        *job,
                                      const char         *format,
                                      ...) G_GNUC_PRINTF (2, 3);

/* The upright size of the item's image (the regions' coordinate space);
 * FALSE (and a warning naming the file) when the file is missing or
 * unreadable. */
gboolean   _lb_export_image_size     (LbExportJob        *job,
                                      LbItem             *item,
                                      guint              *width,
                                      guint              *height);

/* A file written atomically: a temporary name beside PATH, fsynced and
 * renamed over PATH by _commit (); _abort removes the temporary file. */
typedef struct {
  char          *path;
  char          *tmp_path;
  int            fd;
  GOutputStream *output;
} LbExportFile;

gboolean   _lb_export_file_open      (LbExportFile       *file,
                                      const char         *path,
                                      GError            **error);
gboolean   _lb_export_file_commit    (LbExportFile       *file,
                                      GError            **error);
void       _lb_export_file_abort     (LbExportFile       *file);

/* Writes CONTENTS to PATH atomically (as above). */
gboolean   _lb_export_write_file     (LbExportJob        *job,
                                      const char         *path,
                                      GString            *contents,
                                      GError            **error);

/* A region fitted to the image (WIDTH x HEIGHT, the upright size), the same
 * way for every format: its box, or each point of its polygon, clamped to
 * 0..WIDTH and 0..HEIGHT (an unknown size, 0, bounds it below only); box:
 * the result's bounds (x, y, w, h). A region with nothing inside the image
 * gives FALSE and a warning naming the item and the region: leave it out.
 * Clear FITTED with _lb_export_region_clear () after a TRUE. */
typedef struct {
  LbRegionShape  shape;      /* BOX or POLYGON */
  double         box[4];
  double        *points;     /* POLYGON: x0, y0, x1, y1, ... */
  guint          n_points;
} LbExportRegion;

gboolean   _lb_export_fit_region     (LbExportJob        *job,
                                      LbItem             *item,
                                      const LbRegion     *region,
                                      guint               width,
                                      guint               height,
                                      LbExportRegion     *fitted);
void       _lb_export_region_clear   (LbExportRegion     *fitted);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LbExportRegion, _lb_export_region_clear)

/* Appends one CSV cell (RFC 4180, without a separator): quoted when it
 * holds a comma, quote, CR or LF (quotes doubled); text a spreadsheet
 * would take for a formula (starting with = + - @, a tab or a CR) gets a
 * leading apostrophe. Invalid UTF-8 becomes U+FFFD; NULL is empty. */
void       _lb_export_append_csv_cell (GString           *str,
                                       const char        *value);

/* Numbers: integers as they are; doubles in the shortest form that reads
 * back as the same double (non-finite values as 0). */
void       _lb_export_append_int     (GString            *str,
                                      gint64              value);
void       _lb_export_append_double  (GString            *str,
                                      double              value);
/* A double with exactly `decimals` decimals ("0.500000") */
void       _lb_export_append_fixed   (GString            *str,
                                      double              value,
                                      int                 decimals);

/* Copies a JSON value the store wrote (regions, spans, answers, meta) onto
 * one line, checking that it is one: FALLBACK ("[]", "{}") when empty. */
void       _lb_export_append_json    (GString            *str,
                                      const char         *json,
                                      const char         *fallback);

/* The labels of the selected batches' schemas, in schema order (the first
 * batch's first), each once: the class list of COCO and YOLO. Of char*. */
GPtrArray *_lb_export_class_list     (GPtrArray          *batches,
                                      GPtrArray          *schemas);

/* A file name stem for an image, unique within SEEN (which it is added
 * to): the relative path's base name without its extension, with "_2",
 * "_3", ... when another image had it already. */
char      *_lb_export_unique_stem    (GHashTable         *seen,
                                      const char         *relative_path);

/* The writers */
gboolean   _lb_export_state_jsonl    (LbExportJob *job, GError **error);
gboolean   _lb_export_csv            (LbExportJob *job, GError **error);
gboolean   _lb_export_label_studio   (LbExportJob *job, GError **error);
gboolean   _lb_export_coco           (LbExportJob *job, GError **error);
gboolean   _lb_export_voc            (LbExportJob *job, GError **error);
gboolean   _lb_export_yolo           (LbExportJob *job, GError **error);
gboolean   _lb_export_conll          (LbExportJob *job, GError **error);

/* Text tokens for CoNLL: [start, end) in code points. Whitespace separates
 * tokens; each punctuation or symbol character and each CJK ideograph is a
 * token of its own. Of LbExportToken. */
typedef struct {
  gint64 start;       /* code points */
  gint64 end;
  gsize  start_byte;
  gsize  end_byte;
} LbExportToken;

GArray    *_lb_export_tokenize       (const char         *text);

G_END_DECLS
