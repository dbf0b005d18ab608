/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "lb-store.h"

G_BEGIN_DECLS

#define LB_EXPORT_ERROR (lb_export_error_quark ())

typedef enum {
  LB_EXPORT_ERROR_FORMAT,   /* unknown format name */
  LB_EXPORT_ERROR_WRITE,
  LB_EXPORT_ERROR_NOT_FOUND, /* no such batch */
  LB_EXPORT_ERROR_NOT_EMPTY, /* a folder format into a folder that holds files already */
} LbExportError;

GQuark   lb_export_error_quark (void);

/* Streams every event (seq > after_seq) as one JSON object per line:
 * uuid, seq, seat, batch, item, actor, role, kind, payload (object),
 * time (RFC 3339 UTC with microseconds), time_us, dwell_ms, act,
 * prev_hash, hash. Constant memory. Write errors are LB_EXPORT_ERROR_WRITE,
 * except G_IO_ERROR_CANCELLED and G_IO_ERROR_BROKEN_PIPE (the reader went
 * away), which are passed through. */
gboolean lb_export_events_jsonl (LbStore        *store,
                                 gint64          after_seq,
                                 GOutputStream  *output,
                                 guint64        *n_written,
                                 GCancellable   *cancellable,
                                 GError        **error);

/* What to export. Zero-initialised = everything. */
typedef struct {
  const char *batch;     /* batch name; NULL = all batches */
  gint64      since_us;  /* 0 = all; item formats: the items with an event at or
                          * after this time (UTC, microseconds since the epoch);
                          * event formats: the events at or after it */
  gint64      after_seq; /* "jsonl" only: the events after this sequence number */
  gboolean    reviewed_only; /* item formats only: the items whose latest review in effect
                              * accepted or fixed them (lb_item_get_review_verdict); the
                              * state exported is the corrected one. Event formats refuse it
                              * (LB_EXPORT_ERROR_FORMAT) */
} LbExportFilter;

/* Parses a time for LbExportFilter.since_us: RFC 3339 ("2026-11-25T08:00:00Z",
 * "2026-11-25T16:00:00+08:00"; without an offset: UTC) or a day
 * "YYYY-MM-DD" (its start, UTC). LB_EXPORT_ERROR_FORMAT otherwise. */
gboolean    lb_export_parse_time  (const char  *text,
                                   gint64      *time_us,
                                   GError     **error);

/* Called on the exporting thread at most about 10 times a second, and once
 * at the end (n_done == n_total). n_total is the number of items (item
 * formats) or events (event formats) to go through, 0 when unknown. */
typedef void (*LbExportProgressFunc) (guint64  n_done,
                                      guint64  n_total,
                                      gpointer user_data);

/* The names of the export formats, NULL-terminated, in this order. Every
 * writer streams: it reads one item (or event) at a time and writes through
 * a 256 KiB buffer, so memory stays flat whatever the batch size (VOC and
 * YOLO also keep the file name stems already used, to make them unique).
 *
 * "jsonl"        the event log, one JSON object per event (see
 *                lb_export_events_jsonl ()); filter: the batch's events,
 *                events at or after since_us.
 * "state-jsonl"  one JSON object per item: batch, item, kind, path (images)
 *                or text, meta, state, labels, decision, reason, note,
 *                regions (pixels), spans (code points and UTF-8 bytes),
 *                answers, last_actor, updated (RFC 3339 of its latest event).
 * "csv"          RFC 4180, one row per item, CRLF line ends, UTF-8 WITH a
 *                byte order mark so spreadsheet applications (Excel, WPS)
 *                read Chinese right. Columns: batch, item, kind, path, text,
 *                state, labels (joined with ";"), decision, reason, note,
 *                answers (JSON), regions and spans (their numbers),
 *                last_actor, updated. Cells starting with = + - @ (or a tab
 *                or CR) get a leading ' against formula injection.
 * "label-studio" a JSON array of Label Studio tasks, one per item, per the
 *                team's conventions: image regions in percent of the upright
 *                image with original_width / original_height, text spans
 *                with UTF-16 offsets, from_name / to_name from the schema's
 *                Label Studio config when it has one; region attributes in
 *                the result's meta.attributes; the note as a textarea
 *                "note" (unless the schema has a field of that name).
 * "coco"         COCO detection JSON of the image items: info, licenses,
 *                categories (the labels of the schemas with the box or
 *                polygon tool, in schema order, ids from 1), images (id = the item's store id, file_name = its path
 *                relative to the batch folder, width, height), annotations
 *                (bbox [x, y, w, h] in pixels; segmentation: the polygon, or
 *                a box's 4 corners; area: the polygon's (shoelace) or w × h;
 *                iscrowd 0; attributes).
 * "voc"          a folder: Annotations/<image stem>.xml per image item
 *                (Pascal VOC: folder = batch, filename, size, segmented 0,
 *                objects with name, pose, truncated, difficult from the
 *                region attributes of those names, bndbox rounded to whole
 *                pixels; polygons give their bounding box) and
 *                ImageSets/Main/default.txt listing the stems. Stems that
 *                collide get "_2", "_3", ...
 * "yolo"         a folder: labels/<image stem>.txt per image item ("class cx
 *                cy w h" normalised to 0..1 with 6 decimals, classes from
 *                0), classes.txt, data.yaml, and images.tsv saying which
 *                image each stem is (stem, batch, path). Images are not
 *                copied.
 * "conll"        CoNLL 2003 of the text items, one document per item:
 *                "-DOCSTART- -X- -X- O", a blank line, one token per line
 *                ("TOKEN -X- _ TAG", BIO tags of the spans) and a blank
 *                line. Written to a path, a sidecar PATH.ids lists each
 *                document's "batch<TAB>item" (external id) in order (tabs
 *                and line breaks in them made spaces); a stream export has
 *                no sidecar. Only texts with span work are written: those
 *                with spans, and those done in a batch whose schema has the
 *                span tool; the others (not done yet, or of a schema without
 *                spans) are left out and counted in the warnings. Tokens are split
 *                on whitespace; each punctuation or symbol character (emoji
 *                too) and each CJK ideograph is a token of its own.
 *                Overlapping spans: the earliest-starting wins, then the
 *                longest; spans overlapping a kept one are left out.
 * "bundle"       a seat bundle (lb_bundle_export ()): the batch filter picks
 *                the seats; a since_us is LB_EXPORT_ERROR_FORMAT (a chain cut
 *                short would not verify).
 *
 * Image sizes come from lb_image_probe_file () (the upright size, the
 * regions' coordinate space); a missing or unreadable image is a warning
 * (size 0 in COCO and VOC; left out of YOLO; its regions left out of Label
 * Studio), never a failed export. COCO, Label Studio, VOC and YOLO fit the
 * regions to the image the same way: box edges and polygon points clamped
 * to 0..width and 0..height (to 0 and up when the size is unknown); a
 * region with nothing inside the image is left out with a warning naming
 * the item. */
const char * const *lb_export_get_formats (void);

/* A translated title for the Export dialog ("COCO detection (JSON)"), or
 * NULL for an unknown format. */
const char *lb_export_format_get_title     (const char *format);

/* TRUE for the formats whose output is a folder ("voc", "yolo"). */
gboolean    lb_export_format_is_directory  (const char *format);

/* The usual file name extension of a single-file format, without the dot
 * ("jsonl", "csv", "json", "conll", ...); NULL for folder formats. */
const char *lb_export_format_get_extension (const char *format);

/* Exports the store in the format to PATH. Files are written to a temporary
 * name in the same folder, fsynced and renamed over PATH, so PATH is either
 * the old file or the complete new one. Folder formats write into a new or
 * an empty folder only: a PATH holding anything is LB_EXPORT_ERROR_NOT_EMPTY
 * ("The folder PATH is not empty: ..."), before anything is written, so no
 * file of an earlier export is ever read as this one's. They create PATH
 * (and its sub-folders) and write each file the same way. n_written (may be NULL):
 * items written (item formats) or events (event formats). Images that are
 * missing or unreadable do not fail the export: they are written with what
 * is known (no size) and each is listed in the warnings (see
 * lb_export_to_path_full()); the plain form logs them with g_message(). */
gboolean    lb_export_to_path     (LbStore                *store,
                                   const char             *format,
                                   const LbExportFilter   *filter,
                                   const char             *path,
                                   LbExportProgressFunc    progress,
                                   gpointer                user_data,
                                   guint64                *n_written,
                                   GCancellable           *cancellable,
                                   GError                **error);

/* lb_export_to_path() giving the warnings too: *warnings (may be NULL) is
 * set to a NULL-terminated array of translated messages (free with
 * g_strfreev()), or NULL when there were none. */
gboolean    lb_export_to_path_full (LbStore               *store,
                                    const char            *format,
                                    const LbExportFilter  *filter,
                                    const char            *path,
                                    LbExportProgressFunc   progress,
                                    gpointer               user_data,
                                    guint64               *n_written,
                                    char                ***warnings,
                                    GCancellable          *cancellable,
                                    GError               **error);

/* Streams a single-file format to OUTPUT (standard output of the CLI, a
 * pipe). Folder formats are LB_EXPORT_ERROR_FORMAT. The stream is flushed,
 * not closed. */
gboolean    lb_export_to_stream   (LbStore                *store,
                                   const char             *format,
                                   const LbExportFilter   *filter,
                                   GOutputStream          *output,
                                   LbExportProgressFunc    progress,
                                   gpointer                user_data,
                                   guint64                *n_written,
                                   char                 ***warnings,
                                   GCancellable           *cancellable,
                                   GError                **error);

/* Streams the events in the named event format; LB_EXPORT_ERROR_FORMAT,
 * naming the supported formats, when there is no such format. */
gboolean lb_export_events      (LbStore        *store,
                                const char     *format,
                                gint64          after_seq,
                                GOutputStream  *output,
                                guint64        *n_written,
                                GCancellable   *cancellable,
                                GError        **error);

/* Appends text to str as a JSON string literal (with the quotes): quotes,
 * backslashes and control characters escaped, valid UTF-8 copied as it is,
 * invalid bytes replaced by U+FFFD. NULL gives null. */
void     lb_export_append_json_string (GString    *str,
                                       const char *text);

/* Appends the time as RFC 3339 UTC with microseconds:
 * "2026-11-25T03:04:05.123456Z" (without quotes). */
void     lb_export_append_time        (GString    *str,
                                       gint64      time_us);

G_END_DECLS
