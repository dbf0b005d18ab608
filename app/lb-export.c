/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-export.h"

/* Output is gathered in a buffer of this size, then written in one go. */
#define FLUSH_SIZE (256 * 1024)
#define CANCEL_CHECK_EVERY 4096

G_DEFINE_QUARK (lb-export-error-quark, lb_export_error)

static const char * const formats[] = { "jsonl", NULL };

const char * const *
lb_export_get_formats (void)
{
  return formats;
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

static void
append_int (GString *str,
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
 * Anything that does not look like one JSON object on one line is parsed
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
    if (*p == '\0' && payload[0] == '{' && payload[len - 1] == '}'
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

typedef struct {
  GOutputStream *output;
  GCancellable  *cancellable;
  GString       *buf;
  guint64        n_written;
} ExportJob;

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

static gboolean
flush_job (ExportJob  *job,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (job->buf->len == 0)
    return TRUE;

  if (!g_output_stream_write_all (job->output, job->buf->str, job->buf->len, NULL,
                                  job->cancellable, &local_error))
    {
      propagate_write_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_string_truncate (job->buf, 0);
  return TRUE;
}

static gboolean
export_event_cb (const LbEvent *event,
                 gpointer       user_data,
                 GError       **error)
{
  ExportJob *job = user_data;
  GString *s = job->buf;

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

  if (job->n_written % CANCEL_CHECK_EVERY == 0
      && g_cancellable_set_error_if_cancelled (job->cancellable, error))
    return FALSE;

  if (s->len >= FLUSH_SIZE)
    return flush_job (job, error);

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
  ExportJob job = { 0 };
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_written != NULL)
    *n_written = 0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  job.output = output;
  job.cancellable = cancellable;
  job.buf = g_string_sized_new (FLUSH_SIZE + 64 * 1024);

  ok = lb_store_foreach_event (store, MAX (after_seq, 0), export_event_cb, &job, error)
       && flush_job (&job, error);

  if (ok)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_output_stream_flush (output, cancellable, &local_error))
        {
          propagate_write_error (error, g_steal_pointer (&local_error));
          ok = FALSE;
        }
    }

  g_string_free (job.buf, TRUE);

  if (n_written != NULL)
    *n_written = job.n_written;

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

  {
    g_autofree char *list = g_strjoinv (", ", (char **) formats);

    g_set_error (error, LB_EXPORT_ERROR, LB_EXPORT_ERROR_FORMAT,
                 _("Unknown export format “%s” (supported: %s)"), format, list);
  }
  return FALSE;
}
