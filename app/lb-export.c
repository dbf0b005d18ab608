/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-bundle.h"
#include "lb-export.h"
#include "lb-export-private.h"
#include "lb-image.h"

#define FLUSH_SIZE LB_EXPORT_FLUSH_SIZE
#define CANCEL_CHECK_EVERY 4096
/* progress at most this often */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)
/* warnings kept; the rest are counted */
#define MAX_WARNINGS 200

G_DEFINE_QUARK (lb-export-error-quark, lb_export_error)

typedef gboolean (*FormatWriter) (LbExportJob *job, GError **error);

typedef struct {
  const char   *name;
  const char   *title;       /* N_() */
  const char   *extension;   /* NULL: a folder */
  gboolean      events;      /* counts events, not items */
  FormatWriter  write;
  const char   *ids_suffix;  /* written to a path: a sidecar PATH<suffix> naming the
                              * documents (LbExportJob.ids), or NULL */
} FormatInfo;

static gboolean write_events_jsonl (LbExportJob *job, GError **error);
static gboolean write_bundle (LbExportJob *job, GError **error);

static const FormatInfo format_infos[] = {
  { "jsonl", N_("Event log (JSON Lines)"), "jsonl", TRUE, write_events_jsonl },
  { "state-jsonl", N_("Current item state (JSON Lines)"), "jsonl", FALSE,
    _lb_export_state_jsonl },
  { "csv", N_("Spreadsheet (CSV)"), "csv", FALSE, _lb_export_csv },
  { "label-studio", N_("Label Studio tasks (JSON)"), "json", FALSE, _lb_export_label_studio },
  { "coco", N_("COCO detection (JSON)"), "json", FALSE, _lb_export_coco },
  { "voc", N_("Pascal VOC (folder of XML files)"), NULL, FALSE, _lb_export_voc },
  { "yolo", N_("YOLO (folder of text files)"), NULL, FALSE, _lb_export_yolo },
  { "conll", N_("CoNLL 2003 (text spans as BIO tags)"), "conll", FALSE, _lb_export_conll,
    ".ids" },
  { "bundle", N_("Seat bundle (to merge into another store)"), "lbbundle", TRUE, write_bundle },
};

static const char * const formats[] = {
  "jsonl", "state-jsonl", "csv", "label-studio", "coco", "voc", "yolo", "conll", "bundle", NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (formats) == G_N_ELEMENTS (format_infos) + 1);

static gboolean
check_filter (const FormatInfo      *info,
              const LbExportFilter  *filter,
              GError               **error)
{
  if (filter != NULL && filter->reviewed_only && info->events)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT,
                   _("“Only reviewed items” applies to item exports; “%s” exports events"),
                   info->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_reviewed (LbItem *item)
{
  const char *verdict = lb_item_get_review_verdict (item);

  return g_strcmp0 (verdict, "accept") == 0 || g_strcmp0 (verdict, "fix") == 0;
}

const char * const *
lb_export_get_formats (void)
{
  return formats;
}

static const FormatInfo *
find_format (const char *format)
{
  if (format == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (format_infos); i++)
    if (g_str_equal (format_infos[i].name, format))
      return &format_infos[i];
  return NULL;
}

const char *
lb_export_format_get_title (const char *format)
{
  const FormatInfo *info = find_format (format);

  return info != NULL ? _(info->title) : NULL;
}

gboolean
lb_export_format_is_directory (const char *format)
{
  const FormatInfo *info = find_format (format);

  return info != NULL && info->extension == NULL;
}

const char *
lb_export_format_get_extension (const char *format)
{
  const FormatInfo *info = find_format (format);

  return info != NULL ? info->extension : NULL;
}

static void
set_unknown_format_error (GError    **error,
                          const char *format)
{
  g_autofree char *list = g_strjoinv (", ", (char **) formats);

  g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT,
               _("Unknown export format “%s” (supported: %s)"), format, list);
}

static const char hex_digits[] = "0123456789abcdef";

/* Bytes copied as they are: printable ASCII except '"' and '\\', DEL, and
 * every byte of a (validated) multi-byte UTF-8 sequence. */
#define IS_PLAIN(c) ((c) >= 0x20 && (c) != '"' && (c) != '\\')

static void
append_escaped_valid (GString    *str,
                      const char *text,
                      gsize       len)
{
  const guchar *p = (const guchar *) text;
  const guchar *end = p + len;

  while (p < end)
    {
      const guchar *run = p;

      while (p < end && IS_PLAIN (*p))
        p++;
      if (p > run)
        g_string_append_len (str, (const char *) run, p - run);
      if (p == end)
        break;

      switch (*p)
        {
        case '"': g_string_append_len (str, "\\\"", 2); break;
        case '\\': g_string_append_len (str, "\\\\", 2); break;
        case '\n': g_string_append_len (str, "\\n", 2); break;
        case '\r': g_string_append_len (str, "\\r", 2); break;
        case '\t': g_string_append_len (str, "\\t", 2); break;
        case '\b': g_string_append_len (str, "\\b", 2); break;
        case '\f': g_string_append_len (str, "\\f", 2); break;
        default:
          {
            char esc[6] = { '\\', 'u', '0', '0', hex_digits[*p >> 4], hex_digits[*p & 0xf] };
            g_string_append_len (str, esc, 6);
          }
          break;
        }
      p++;
    }
}

/* Printable ASCII that needs no escape */
#define IS_SAFE_ASCII(c) ((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')

void
lb_export_append_json_string (GString    *str,
                              const char *text)
{
  const guchar *p;
  gsize len;

  g_return_if_fail (str != NULL);

  if (text == NULL)
    {
      g_string_append_len (str, "null", 4);
      return;
    }

  /* Fast path: plain ASCII (ids, hashes, most names) is copied in one go */
  for (p = (const guchar *) text; IS_SAFE_ASCII (*p); p++)
    ;
  len = (const char *) p - text;
  g_string_append_c (str, '"');
  g_string_append_len (str, text, len);
  if (*p != '\0')
    {
      const char *rest = (const char *) p;
      gsize rest_len = strlen (rest);

      if (G_LIKELY (g_utf8_validate_len (rest, rest_len, NULL)))
        {
          append_escaped_valid (str, rest, rest_len);
        }
      else
        {
          g_autofree char *valid = g_utf8_make_valid (rest, rest_len);
          append_escaped_valid (str, valid, strlen (valid));
        }
    }
  g_string_append_c (str, '"');
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm). */
static void
civil_from_days (gint64  days,
                 gint64 *year,
                 guint  *month,
                 guint  *day)
{
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  gint64 d = doy - (153 * mp + 2) / 5 + 1;
  gint64 m = mp < 10 ? mp + 3 : mp - 9;

  *year = yoe + era * 400 + (m <= 2);
  *month = (guint) m;
  *day = (guint) d;
}

static inline void
put_digits (char   *out,
            guint64 value,
            int     width)
{
  for (int i = width - 1; i >= 0; i--)
    {
      out[i] = '0' + value % 10;
      value /= 10;
    }
}

void
lb_export_append_time (GString *str,
                       gint64   time_us)
{
  gint64 secs, usecs, days, sod, year;
  guint month, day;
  char buf[27];

  g_return_if_fail (str != NULL);

  /* floor division, so times before 1970 work too */
  secs = time_us / G_USEC_PER_SEC;
  usecs = time_us % G_USEC_PER_SEC;
  if (usecs < 0)
    {
      usecs += G_USEC_PER_SEC;
      secs -= 1;
    }
  days = secs / 86400;
  sod = secs % 86400;
  if (sod < 0)
    {
      sod += 86400;
      days -= 1;
    }
  civil_from_days (days, &year, &month, &day);

  if (year < 0 || year > 9999)
    {
      /* Not representable in RFC 3339; keep the line valid anyway. */
      g_string_append_printf (str, "%" G_GINT64_FORMAT "-%02u-%02uT%02d:%02d:%02d.%06dZ",
                              year, month, day, (int) (sod / 3600), (int) (sod / 60 % 60),
                              (int) (sod % 60), (int) usecs);
      return;
    }

  put_digits (buf, (guint64) year, 4);
  buf[4] = '-';
  put_digits (buf + 5, month, 2);
  buf[7] = '-';
  put_digits (buf + 8, day, 2);
  buf[10] = 'T';
  put_digits (buf + 11, (guint64) (sod / 3600), 2);
  buf[13] = ':';
  put_digits (buf + 14, (guint64) (sod / 60 % 60), 2);
  buf[16] = ':';
  put_digits (buf + 17, (guint64) (sod % 60), 2);
  buf[19] = '.';
  put_digits (buf + 20, (guint64) usecs, 6);
  buf[26] = 'Z';
  g_string_append_len (str, buf, sizeof buf);
}

void
_lb_export_append_int (GString *str,
                       gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 v = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      *--p = '0' + v % 10;
      v /= 10;
    }
  while (v != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (str, p, buf + sizeof buf - p);
}

/* The stored payload is compact JSON written by the store: copy it as it is.
 * Anything that does not look like one JSON object or array on one line is parsed
 * and written again, or kept as a string, so every line stays valid JSON. */
static void
append_payload (GString    *str,
                const char *payload)
{
  gsize len;

  if (payload == NULL || *payload == '\0')
    {
      g_string_append_len (str, "{}", 2);
      return;
    }

  /* one line of valid UTF-8: no control characters, which also means
   * no raw newline (inside JSON strings they are escaped anyway) */
  {
    const guchar *p = (const guchar *) payload;
    gboolean ascii = TRUE;

    for (; *p >= 0x20; p++)
      ascii &= *p < 0x80;
    len = (const char *) p - payload;
    if (*p == '\0'
        && ((payload[0] == '{' && payload[len - 1] == '}')
            || (payload[0] == '[' && payload[len - 1] == ']'))
        && (ascii || g_utf8_validate_len (payload, len, NULL)))
      {
        g_string_append_len (str, payload, len);
        return;
      }
    len += strlen ((const char *) p);
  }

  {
    g_autoptr(JsonParser) parser = json_parser_new ();

    if (json_parser_load_from_data (parser, payload, len, NULL)
        && json_parser_get_root (parser) != NULL)
      {
        g_autoptr(JsonGenerator) gen = json_generator_new ();
        g_autofree char *text = NULL;

        json_generator_set_root (gen, json_parser_get_root (parser));
        text = json_generator_to_data (gen, NULL);
        g_string_append (str, text);
      }
    else
      {
        lb_export_append_json_string (str, payload);
      }
  }
}


#define append_int _lb_export_append_int

void
_lb_export_append_json (GString    *str,
                        const char *json,
                        const char *fallback)
{
  if (json == NULL || *json == '\0')
    {
      g_string_append (str, fallback);
      return;
    }
  append_payload (str, json);
}

void
_lb_export_append_double (GString *str,
                          double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append_c (str, '0');
      return;
    }
  if (value == 0)
    value = 0;  /* no "-0" */
  if (value == floor (value) && fabs (value) < 1e15)
    {
      append_int (str, (gint64) value);
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  g_string_append (str, buf);
}

void
_lb_export_append_fixed (GString *str,
                         double   value,
                         int      decimals)
{
  char format[16];
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    value = 0;
  g_snprintf (format, sizeof format, "%%.%df", CLAMP (decimals, 0, 17));
  g_ascii_formatd (buf, sizeof buf, format, value);
  /* no "-0.000000" */
  if (buf[0] == '-' && strspn (buf + 1, "0.") == strlen (buf + 1))
    g_string_append (str, buf + 1);
  else
    g_string_append (str, buf);
}

/* Passes a cancellation or a closed pipe on as it is; anything else
 * becomes a write error of the export. Takes LOCAL_ERROR. */
static void
propagate_write_error (GError **error,
                       GError  *local_error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    {
      g_propagate_error (error, local_error);
      return;
    }
  g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
               _("Cannot write the export: %s"), local_error->message);
  g_error_free (local_error);
}

gboolean
_lb_export_write_all (GOutputStream  *out,
                      GString        *buf,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (buf->len == 0)
    return TRUE;
  if (!g_output_stream_write_all (out, buf->str, buf->len, NULL, cancellable, &local_error))
    {
      propagate_write_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_string_truncate (buf, 0);
  return TRUE;
}

gboolean
_lb_export_flush (LbExportJob  *job,
                  GError      **error)
{
  return _lb_export_write_all (job->output, job->buf, job->cancellable, error);
}

gboolean
_lb_export_maybe_flush (LbExportJob  *job,
                        GError      **error)
{
  if (job->buf->len < FLUSH_SIZE)
    return TRUE;
  return _lb_export_flush (job, error);
}

void
_lb_export_warn (LbExportJob *job,
                 const char  *format,
                 ...)
{
  va_list args;

  if (job->warnings->len >= MAX_WARNINGS)
    {
      job->n_warnings_dropped++;
      return;
    }
  va_start (args, format);
  g_ptr_array_add (job->warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

gboolean
_lb_export_image_size (LbExportJob *job,
                       LbItem      *item,
                       guint       *width,
                       guint       *height)
{
  g_autoptr(GError) local_error = NULL;
  const char *path = lb_item_get_path (item);

  *width = *height = 0;
  if (path == NULL)
    return FALSE;
  if (!lb_image_probe_file (path, width, height, &local_error) || *width == 0 || *height == 0)
    {
      _lb_export_warn (job, _("%s (item “%s” of batch “%s”): the image size is unknown, "
                              "exported without it: %s"),
                       lb_item_get_relative_path (item), lb_item_get_external_id (item),
                       lb_item_get_batch_name (item),
                       local_error != NULL ? local_error->message : _("empty image"));
      *width = *height = 0;
      return FALSE;
    }
  return TRUE;
}

static void
report_progress (LbExportJob *job,
                 gboolean     force)
{
  gint64 now;

  if (job->progress == NULL)
    return;
  now = g_get_monotonic_time ();
  if (!force && now < job->next_progress_us)
    return;
  job->next_progress_us = now + PROGRESS_INTERVAL_US;
  job->progress (job->n_done, MAX (job->n_total, job->n_done), job->progress_data);
}

/* Atomic files */

gboolean
_lb_export_file_open (LbExportFile  *file,
                      const char    *path,
                      GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *template = g_strdup_printf (".%s.XXXXXX", base);

  memset (file, 0, sizeof *file);
  file->fd = -1;
  file->path = g_strdup (path);
  file->tmp_path = g_build_filename (dir, template, NULL);
  file->fd = g_mkstemp_full (file->tmp_path, O_WRONLY | O_CLOEXEC, 0644);
  if (file->fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE, _("Cannot write %s: %s"),
                   path, g_strerror (saved_errno));
      g_clear_pointer (&file->path, g_free);
      g_clear_pointer (&file->tmp_path, g_free);
      return FALSE;
    }
  /* written through a stream of its own; file->fd is kept for the fsync */
  {
    g_autoptr(GFile) tmp = g_file_new_for_path (file->tmp_path);
    g_autoptr(GError) local_error = NULL;

    file->output = G_OUTPUT_STREAM (g_file_append_to (tmp, G_FILE_CREATE_NONE, NULL,
                                                      &local_error));
    if (file->output == NULL)
      {
        g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE, _("Cannot write %s: %s"),
                     path, local_error->message);
        _lb_export_file_abort (file);
        return FALSE;
      }
  }
  return TRUE;
}

static void
file_clear (LbExportFile *file)
{
  g_clear_object (&file->output);
  if (file->fd >= 0)
    close (file->fd);
  file->fd = -1;
  g_clear_pointer (&file->path, g_free);
  g_clear_pointer (&file->tmp_path, g_free);
}

void
_lb_export_file_abort (LbExportFile *file)
{
  if (file->tmp_path != NULL)
    g_unlink (file->tmp_path);
  file_clear (file);
}

gboolean
_lb_export_file_commit (LbExportFile  *file,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  int fd = file->fd;

  if (!g_output_stream_close (file->output, NULL, &local_error))
    {
      propagate_write_error (error, g_steal_pointer (&local_error));
      _lb_export_file_abort (file);
      return FALSE;
    }
  g_clear_object (&file->output);
  file->fd = -1;
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE, _("Cannot write %s: %s"),
                   file->path, g_strerror (saved_errno));
      _lb_export_file_abort (file);
      return FALSE;
    }
  if (g_rename (file->tmp_path, file->path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                   _("Cannot rename %s to %s: %s"), file->tmp_path, file->path,
                   g_strerror (saved_errno));
      _lb_export_file_abort (file);
      return FALSE;
    }
  file_clear (file);
  return TRUE;
}

gboolean
_lb_export_write_file (LbExportJob  *job,
                       const char   *path,
                       GString      *contents,
                       GError      **error)
{
  LbExportFile file;

  if (!_lb_export_file_open (&file, path, error))
    return FALSE;
  if (!_lb_export_write_all (file.output, contents, job->cancellable, error))
    {
      _lb_export_file_abort (&file);
      return FALSE;
    }
  return _lb_export_file_commit (&file, error);
}

/* Makes the rename of the files in DIR durable */
static void
sync_dir (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* A folder export goes into a new or an empty folder only: files of an
 * earlier export that this one does not write would be read as part of it
 * (a trainer reads every file). Checked before anything is written. */
static gboolean
check_folder_empty (const char  *path,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;
  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                   _("Cannot read the folder %s: %s"), path, local_error->message);
      return FALSE;
    }
  if (g_dir_read_name (dir) != NULL)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_EMPTY,
                   _("The folder %s is not empty: give a new folder or empty it"), path);
      return FALSE;
    }
  return TRUE;
}

/* Regions fitted to the image */

gboolean
_lb_export_fit_region (LbExportJob     *job,
                       LbItem          *item,
                       const LbRegion  *region,
                       guint            width,
                       guint            height,
                       LbExportRegion  *fitted)
{
  double x0, y0, x1, y1;
  /* an unknown size (0) only bounds the coordinates below */
  double max_x = width > 0 ? (double) width : G_MAXDOUBLE;
  double max_y = height > 0 ? (double) height : G_MAXDOUBLE;

  memset (fitted, 0, sizeof *fitted);
  fitted->shape = region->shape;
  if (region->shape == LB_REGION_SHAPE_POLYGON && region->n_points > 0)
    {
      x0 = x1 = region->points[0];
      y0 = y1 = region->points[1];
      for (guint k = 1; k < region->n_points; k++)
        {
          x0 = MIN (x0, region->points[2 * k]);
          x1 = MAX (x1, region->points[2 * k]);
          y0 = MIN (y0, region->points[2 * k + 1]);
          y1 = MAX (y1, region->points[2 * k + 1]);
        }
    }
  else
    {
      fitted->shape = LB_REGION_SHAPE_BOX;
      x0 = region->box[0];
      y0 = region->box[1];
      x1 = x0 + region->box[2];
      y1 = y0 + region->box[3];
    }

  if (!(isfinite (x0) && isfinite (y0) && isfinite (x1) && isfinite (y1))
      || x1 <= 0 || y1 <= 0 || x0 >= max_x || y0 >= max_y)
    {
      if (width > 0 && height > 0)
        _lb_export_warn (job, _("%s (item “%s” of batch “%s”): region %s left out: it lies "
                                "outside the image (%u × %u pixels)"),
                         lb_item_get_relative_path (item), lb_item_get_external_id (item),
                         lb_item_get_batch_name (item), region->id, width, height);
      else
        _lb_export_warn (job, _("%s (item “%s” of batch “%s”): region %s left out: it lies "
                                "outside the image"),
                         lb_item_get_relative_path (item), lb_item_get_external_id (item),
                         lb_item_get_batch_name (item), region->id);
      return FALSE;
    }

  /* clamping is monotonic: the clamped points' bounds are the clamped bounds */
  x0 = CLAMP (x0, 0, max_x);
  y0 = CLAMP (y0, 0, max_y);
  x1 = CLAMP (x1, 0, max_x);
  y1 = CLAMP (y1, 0, max_y);
  fitted->box[0] = x0;
  fitted->box[1] = y0;
  fitted->box[2] = x1 - x0;
  fitted->box[3] = y1 - y0;
  if (fitted->shape == LB_REGION_SHAPE_POLYGON)
    {
      fitted->n_points = region->n_points;
      fitted->points = g_new (double, 2 * (gsize) region->n_points);
      for (guint k = 0; k < region->n_points; k++)
        {
          fitted->points[2 * k] = CLAMP (region->points[2 * k], 0, max_x);
          fitted->points[2 * k + 1] = CLAMP (region->points[2 * k + 1], 0, max_y);
        }
    }
  return TRUE;
}

void
_lb_export_region_clear (LbExportRegion *fitted)
{
  g_clear_pointer (&fitted->points, g_free);
  fitted->n_points = 0;
}

/* Items */

GPtrArray *
_lb_export_list_batches (LbExportJob  *job,
                         GError      **error)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *selected;

  if (job->filter.batch != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      LbBatch *batch = lb_store_find_batch (job->store, job->filter.batch, &local_error);

      if (batch == NULL)
        {
          if (g_error_matches (local_error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND))
            g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_FOUND,
                         _("No batch “%s” in the store"), job->filter.batch);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      selected = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_batch_free);
      g_ptr_array_add (selected, batch);
      return selected;
    }

  all = lb_store_list_batches (job->store, error);
  if (all == NULL)
    return NULL;
  return g_steal_pointer (&all);
}

typedef struct {
  LbExportJob      *job;
  int               kind_only;
  LbExportItemFunc  func;
  gpointer          user_data;
  GPtrArray        *batches;   /* of LbBatch, by id */
  GPtrArray        *schemas;   /* of LbSchema, the same order */
  guint             current;   /* index of the batch of the last item */
} ItemWalk;

static gboolean
export_item_cb (LbItem    *item,
                gpointer   user_data,
                GError   **error)
{
  ItemWalk *walk = user_data;
  LbExportJob *job = walk->job;
  gint64 batch_id = lb_item_get_batch_id (item);
  LbExportItem entry = { NULL, NULL, item, lb_item_get_updated_us (item) };

  /* the items come batch by batch, in batch id order, like the batches */
  if (((LbBatch *) g_ptr_array_index (walk->batches, walk->current))->id != batch_id)
    {
      guint i;

      for (i = 0; i < walk->batches->len; i++)
        if (((LbBatch *) g_ptr_array_index (walk->batches, i))->id == batch_id)
          break;
      if (i == walk->batches->len)
        return TRUE;  /* a batch added after the export started */
      walk->current = i;
    }
  entry.batch = g_ptr_array_index (walk->batches, walk->current);
  entry.schema = g_ptr_array_index (walk->schemas, walk->current);

  job->n_done++;
  report_progress (job, FALSE);

  if (job->filter.since_us != 0 && entry.last_event_us < job->filter.since_us)
    return TRUE;
  if (walk->kind_only >= 0 && (int) lb_item_get_kind (item) != walk->kind_only)
    return TRUE;
  if (job->filter.reviewed_only && !is_reviewed (item))
    return TRUE;
  return walk->func (job, &entry, walk->user_data, error);
}

gboolean
_lb_export_foreach_item (LbExportJob       *job,
                         int                kind_only,
                         LbExportItemFunc   func,
                         gpointer           user_data,
                         GError           **error)
{
  g_autoptr(GPtrArray) batches = _lb_export_list_batches (job, error);
  g_autoptr(GPtrArray) schemas = NULL;
  ItemWalk walk = { job, kind_only, func, user_data, NULL, NULL, 0 };

  if (batches == NULL)
    return FALSE;

  job->n_total = 0;
  schemas = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_schema_unref);
  for (guint b = 0; b < batches->len; b++)
    {
      LbBatch *batch = g_ptr_array_index (batches, b);
      LbSchema *schema = lb_store_get_batch_schema (job->store, batch->id, error);

      if (schema == NULL)
        return FALSE;
      g_ptr_array_add (schemas, schema);
      job->n_total += lb_store_count_items (job->store, batch->id, LB_ITEM_FILTER_ALL);
    }
  report_progress (job, TRUE);
  if (batches->len == 0)
    return TRUE;

  walk.batches = batches;
  walk.schemas = schemas;
  /* one walk in queue order, one read snapshot; the items are streamed,
   * never held all at once */
  return lb_store_foreach_item (job->store,
                                job->filter.batch != NULL
                                  ? ((LbBatch *) g_ptr_array_index (batches, 0))->id : 0,
                                LB_ITEM_FILTER_ALL, export_item_cb, &walk, job->cancellable,
                                error);
}

GPtrArray *
_lb_export_class_list (GPtrArray *batches,
                       GPtrArray *schemas)
{
  GPtrArray *classes = g_ptr_array_new_with_free_func (g_free);

  for (guint s = 0; s < schemas->len; s++)
    {
      LbSchema *schema = g_ptr_array_index (schemas, s);

      for (guint i = 0; i < lb_schema_get_n_labels (schema); i++)
        {
          const char *id = lb_schema_get_label (schema, i)->id;

          if (!g_ptr_array_find_with_equal_func (classes, id, g_str_equal, NULL))
            g_ptr_array_add (classes, g_strdup (id));
        }
    }
  return classes;
}

char *
_lb_export_unique_stem (GHashTable *seen,
                        const char *relative_path)
{
  g_autofree char *base = g_path_get_basename (relative_path != NULL ? relative_path : "image");
  char *dot = strrchr (base, '.');
  char *stem;

  if (dot != NULL && dot != base)
    *dot = '\0';
  if (*base == '\0' || g_str_equal (base, ".") || g_str_equal (base, G_DIR_SEPARATOR_S))
    {
      g_free (base);
      base = g_strdup ("image");
    }

  stem = g_strdup (base);
  for (guint n = 2; g_hash_table_contains (seen, stem); n++)
    {
      g_free (stem);
      stem = g_strdup_printf ("%s_%u", base, n);
    }
  g_hash_table_add (seen, g_strdup (stem));
  return stem;
}

/* Events */

static gboolean
export_event_cb (const LbEvent *event,
                 gpointer       user_data,
                 GError       **error)
{
  LbExportJob *job = user_data;
  GString *s = job->buf;

  job->n_done = event->seq;
  if ((event->seq & (CANCEL_CHECK_EVERY - 1)) == 0)
    {
      if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
        return FALSE;
      report_progress (job, FALSE);
    }
  if (job->filter.batch != NULL && g_strcmp0 (job->filter.batch, event->batch) != 0)
    return TRUE;
  if (job->filter.since_us != 0 && event->time_us < job->filter.since_us)
    return TRUE;

  g_string_append_len (s, "{\"uuid\":", 8);
  lb_export_append_json_string (s, event->uuid);
  g_string_append_len (s, ",\"seq\":", 7);
  append_int (s, event->seq);
  g_string_append_len (s, ",\"seat\":", 8);
  lb_export_append_json_string (s, event->seat);
  g_string_append_len (s, ",\"batch\":", 9);
  lb_export_append_json_string (s, event->batch);
  g_string_append_len (s, ",\"item\":", 8);
  lb_export_append_json_string (s, event->item);
  g_string_append_len (s, ",\"actor\":", 9);
  lb_export_append_json_string (s, event->actor);
  g_string_append_len (s, ",\"role\":", 8);
  lb_export_append_json_string (s, event->role);
  g_string_append_len (s, ",\"kind\":", 8);
  lb_export_append_json_string (s, event->kind);
  g_string_append_len (s, ",\"payload\":", 11);
  append_payload (s, event->payload);
  g_string_append_len (s, ",\"time\":\"", 9);
  lb_export_append_time (s, event->time_us);
  g_string_append_len (s, "\",\"time_us\":", 12);
  append_int (s, event->time_us);
  g_string_append_len (s, ",\"dwell_ms\":", 12);
  append_int (s, event->dwell_ms);
  g_string_append_len (s, ",\"act\":", 7);
  append_int (s, event->act);
  g_string_append_len (s, ",\"prev_hash\":", 13);
  lb_export_append_json_string (s, event->prev_hash ? event->prev_hash : "");
  g_string_append_len (s, ",\"hash\":", 8);
  lb_export_append_json_string (s, event->hash);
  g_string_append_len (s, "}\n", 2);

  job->n_written++;

  return _lb_export_maybe_flush (job, error);
}

static gboolean
write_events_jsonl (LbExportJob  *job,
                    GError      **error)
{
  if (job->filter.batch != NULL)
    {
      g_autoptr(GPtrArray) batches = _lb_export_list_batches (job, error);

      if (batches == NULL)
        return FALSE;
    }
  job->n_total = (guint64) MAX (lb_store_get_last_seq (job->store), 0);
  report_progress (job, TRUE);
  if (!lb_store_foreach_event (job->store, MAX (job->after_seq, job->filter.after_seq),
                               export_event_cb, job, error))
    return FALSE;
  job->n_done = job->n_total;
  return TRUE;
}

gboolean
lb_export_parse_time (const char  *text,
                      gint64      *time_us,
                      GError     **error)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  guint year, month, day;
  char end;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (time_us != NULL, FALSE);

  if (sscanf (text, "%4u-%2u-%2u%c", &year, &month, &day, &end) == 3 && strlen (text) == 10)
    dt = g_date_time_new (utc, year, month, day, 0, 0, 0);
  else if (strlen (text) > 10 && (text[10] == 'T' || text[10] == 't' || text[10] == ' '))
    {
      g_autofree char *copy = g_strdup (text);

      copy[10] = 'T';
      dt = g_date_time_new_from_iso8601 (copy, utc);
    }
  if (dt == NULL)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT,
                   _("“%s” is not a time: give RFC 3339 (2026-11-25T08:00:00Z) or a day "
                     "(2026-11-25, UTC)"), text);
      return FALSE;
    }
  *time_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

/* Whole seat chains (see lb-bundle.h): the batch filter picks the seats,
 * since_us does not apply (a chain cut short would not verify). */
static gboolean
write_bundle (LbExportJob  *job,
              GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  guint64 n_events = 0;

  if (job->filter.since_us != 0)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT,
                   _("A seat bundle carries whole chains of events: it cannot be limited to "
                     "the events since a time"));
      return FALSE;
    }
  if (!_lb_export_flush (job, error))
    return FALSE;
  job->n_total = (guint64) MAX (lb_store_get_last_seq (job->store), 0);
  report_progress (job, TRUE);
  if (!lb_bundle_export (job->store, job->filter.batch, job->output, &n_events,
                         job->cancellable, &local_error))
    {
      if (g_error_matches (local_error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND))
        g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_NOT_FOUND,
                     _("No batch “%s” in the store"), job->filter.batch);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  job->n_written = n_events;
  job->n_done = job->n_total;
  return TRUE;
}

static void
job_init (LbExportJob          *job,
          LbStore              *store,
          const LbExportFilter *filter,
          LbExportProgressFunc  progress,
          gpointer              user_data,
          GCancellable         *cancellable)
{
  memset (job, 0, sizeof *job);
  job->store = store;
  if (filter != NULL)
    job->filter = *filter;
  job->cancellable = cancellable;
  job->progress = progress;
  job->progress_data = user_data;
  job->buf = g_string_sized_new (FLUSH_SIZE + 64 * 1024);
  job->ids_buf = g_string_new (NULL);
  job->warnings = g_ptr_array_new_with_free_func (g_free);
}

/* Hands the warnings over (or logs them) and frees the job */
static void
job_finish (LbExportJob   *job,
            char        ***warnings)
{
  if (job->n_warnings_dropped > 0)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, job->n_warnings_dropped);

      g_ptr_array_add (job->warnings,
                       g_strdup_printf (ngettext ("… and %s more warning",
                                                  "… and %s more warnings",
                                                  (gulong) MIN (job->n_warnings_dropped,
                                                                G_MAXULONG)), n));
    }
  if (warnings != NULL)
    {
      *warnings = NULL;
      if (job->warnings->len > 0)
        {
          g_ptr_array_add (job->warnings, NULL);
          *warnings = (char **) g_ptr_array_free (g_steal_pointer (&job->warnings), FALSE);
        }
    }
  else
    {
      for (guint i = 0; i < job->warnings->len; i++)
        g_message ("%s", (const char *) g_ptr_array_index (job->warnings, i));
    }
  g_clear_pointer (&job->warnings, g_ptr_array_unref);
  g_string_free (job->buf, TRUE);
  g_string_free (job->ids_buf, TRUE);
  g_clear_pointer (&job->dir, g_free);
}

static gboolean
run_to_stream (LbExportJob       *job,
               const FormatInfo  *info,
               GOutputStream     *output,
               GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  job->output = output;
  if (!info->write (job, error) || !_lb_export_flush (job, error))
    return FALSE;
  if (!g_output_stream_flush (output, job->cancellable, &local_error))
    {
      propagate_write_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  job->n_done = MAX (job->n_done, job->n_total);
  report_progress (job, TRUE);
  return TRUE;
}

gboolean
lb_export_events_jsonl (LbStore        *store,
                        gint64          after_seq,
                        GOutputStream  *output,
                        guint64        *n_written,
                        GCancellable   *cancellable,
                        GError        **error)
{
  LbExportJob job;
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_written != NULL)
    *n_written = 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  job_init (&job, store, NULL, NULL, NULL, cancellable);
  job.after_seq = MAX (after_seq, 0);
  ok = run_to_stream (&job, find_format ("jsonl"), output, error);
  if (n_written != NULL)
    *n_written = job.n_written;
  job_finish (&job, NULL);
  return ok;
}

gboolean
lb_export_events (LbStore        *store,
                  const char     *format,
                  gint64          after_seq,
                  GOutputStream  *output,
                  guint64        *n_written,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  if (g_strcmp0 (format, "jsonl") == 0)
    return lb_export_events_jsonl (store, after_seq, output, n_written, cancellable, error);

  set_unknown_format_error (error, format);
  return FALSE;
}

gboolean
lb_export_to_stream (LbStore               *store,
                     const char            *format,
                     const LbExportFilter  *filter,
                     GOutputStream         *output,
                     LbExportProgressFunc   progress,
                     gpointer               user_data,
                     guint64               *n_written,
                     char                ***warnings,
                     GCancellable          *cancellable,
                     GError               **error)
{
  const FormatInfo *info;
  LbExportJob job;
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_written != NULL)
    *n_written = 0;
  if (warnings != NULL)
    *warnings = NULL;

  info = find_format (format);
  if (info == NULL)
    {
      set_unknown_format_error (error, format);
      return FALSE;
    }
  if (!check_filter (info, filter, error))
    return FALSE;
  if (info->extension == NULL)
    {
      g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT,
                   _("The “%s” export is a folder of files: give a folder to write it to"),
                   format);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  job_init (&job, store, filter, progress, user_data, cancellable);
  ok = run_to_stream (&job, info, output, error);
  if (n_written != NULL)
    *n_written = job.n_written;
  job_finish (&job, warnings);
  return ok;
}

gboolean
lb_export_to_path_full (LbStore               *store,
                        const char            *format,
                        const LbExportFilter  *filter,
                        const char            *path,
                        LbExportProgressFunc   progress,
                        gpointer               user_data,
                        guint64               *n_written,
                        char                ***warnings,
                        GCancellable          *cancellable,
                        GError               **error)
{
  const FormatInfo *info;
  LbExportJob job;
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_written != NULL)
    *n_written = 0;
  if (warnings != NULL)
    *warnings = NULL;

  info = find_format (format);
  if (info == NULL)
    {
      set_unknown_format_error (error, format);
      return FALSE;
    }
  if (!check_filter (info, filter, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  job_init (&job, store, filter, progress, user_data, cancellable);

  if (info->extension != NULL)
    {
      LbExportFile file;
      LbExportFile ids = { NULL, NULL, -1, NULL };
      g_autofree char *ids_path = NULL;

      ok = _lb_export_file_open (&file, path, error);
      if (ok && info->ids_suffix != NULL)
        {
          ids_path = g_strconcat (path, info->ids_suffix, NULL);
          ok = _lb_export_file_open (&ids, ids_path, error);
          if (ok)
            job.ids = ids.output;
          else
            _lb_export_file_abort (&file);
        }
      if (ok)
        {
          /* the sidecar first: once PATH is there, so is what it refers to */
          ok = run_to_stream (&job, info, file.output, error)
               && (job.ids == NULL
                   || (_lb_export_write_all (job.ids, job.ids_buf, job.cancellable, error)
                       && _lb_export_file_commit (&ids, error)));
          job.ids = NULL;
          if (ok)
            {
              ok = _lb_export_file_commit (&file, error);
              if (ok)
                {
                  g_autofree char *dir = g_path_get_dirname (path);

                  sync_dir (dir);
                }
            }
          else
            {
              _lb_export_file_abort (&ids);
              _lb_export_file_abort (&file);
            }
        }
    }
  else
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                       _("Cannot write the export to %s: it is a file, and the “%s” "
                         "export is a folder"), path, format);
          ok = FALSE;
        }
      else if (!check_folder_empty (path, error))
        ok = FALSE;
      else if (g_mkdir_with_parents (path, 0755) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_WRITE,
                       _("Cannot make the folder %s: %s"), path, g_strerror (saved_errno));
          ok = FALSE;
        }
      else
        {
          job.dir = g_strdup (path);
          ok = info->write (&job, error);
          if (ok)
            {
              sync_dir (path);
              job.n_done = MAX (job.n_done, job.n_total);
              report_progress (&job, TRUE);
            }
        }
    }

  if (n_written != NULL)
    *n_written = job.n_written;
  job_finish (&job, warnings);
  return ok;
}

gboolean
lb_export_to_path (LbStore               *store,
                   const char            *format,
                   const LbExportFilter  *filter,
                   const char            *path,
                   LbExportProgressFunc   progress,
                   gpointer               user_data,
                   guint64               *n_written,
                   GCancellable          *cancellable,
                   GError               **error)
{
  return lb_export_to_path_full (store, format, filter, path, progress, user_data, n_written,
                                 NULL, cancellable, error);
}
