/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lb-export-private.h"

/* The items' current state: one JSON object per line ("state-jsonl") or
 * one CSV row per item ("csv"). */

static void
append_member (GString    *s,
               const char *name,
               const char *value)
{
  g_string_append_c (s, ',');
  lb_export_append_json_string (s, name);
  g_string_append_c (s, ':');
  lb_export_append_json_string (s, value);
}

/* One line per item:
 * {"batch", "item", "kind", "path" | "text", "meta", "state", "labels": [...],
 *  "decision", "reason", "note", "regions": [...], "spans": [...],
 *  "answers": {...}, "last_actor", "updated": RFC 3339 of its latest event
 *  or null}; absent values are null. Regions in source-image pixels, spans
 *  in code points (and UTF-8 bytes), as lb_item_get_regions_json () says. */
static gboolean
state_line_cb (LbExportJob         *job,
               const LbExportItem  *entry,
               gpointer             user_data,
               GError             **error)
{
  LbItem *item = entry->item;
  GString *s = job->buf;
  const char * const *labels = lb_item_get_labels (item);

  g_string_append (s, "{\"batch\":");
  lb_export_append_json_string (s, lb_item_get_batch_name (item));
  append_member (s, "item", lb_item_get_external_id (item));
  append_member (s, "kind", lb_item_kind_to_string (lb_item_get_kind (item)));
  if (lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE)
    append_member (s, "path", lb_item_get_relative_path (item));
  else
    append_member (s, "text", lb_item_get_text (item));
  g_string_append (s, ",\"meta\":");
  _lb_export_append_json (s, lb_item_get_meta_json (item), "{}");
  append_member (s, "state", lb_item_state_to_string (lb_item_get_state (item)));
  g_string_append (s, ",\"labels\":[");
  for (guint i = 0; labels[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      lb_export_append_json_string (s, labels[i]);
    }
  g_string_append_c (s, ']');
  append_member (s, "decision", lb_item_get_decision (item));
  append_member (s, "reason", lb_item_get_reason (item));
  append_member (s, "note", lb_item_get_note (item));
  g_string_append (s, ",\"regions\":");
  _lb_export_append_json (s, lb_item_get_regions_json (item), "[]");
  g_string_append (s, ",\"spans\":");
  _lb_export_append_json (s, lb_item_get_spans_json (item), "[]");
  g_string_append (s, ",\"answers\":");
  _lb_export_append_json (s, lb_item_get_answers_json (item), "{}");
  append_member (s, "last_actor", lb_item_get_last_actor (item));
  g_string_append (s, ",\"updated\":");
  if (entry->last_event_us != 0)
    {
      g_string_append_c (s, '"');
      lb_export_append_time (s, entry->last_event_us);
      g_string_append_c (s, '"');
    }
  else
    g_string_append (s, "null");
  g_string_append (s, "}\n");

  job->n_written++;
  return _lb_export_maybe_flush (job, error);
}

gboolean
_lb_export_state_jsonl (LbExportJob  *job,
                        GError      **error)
{
  return _lb_export_foreach_item (job, -1, state_line_cb, NULL, error);
}

/* CSV (RFC 4180) */

void
_lb_export_append_csv_cell (GString    *s,
                            const char *value)
{
  g_autofree char *valid = NULL;
  gboolean quote;

  if (value == NULL || *value == '\0')
    return;
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  quote = strpbrk (value, ",\"\r\n") != NULL;
  if (quote)
    g_string_append_c (s, '"');
  if (strchr ("=+-@\t\r", value[0]) != NULL)
    g_string_append_c (s, '\'');
  if (!quote)
    {
      g_string_append (s, value);
      return;
    }
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

/* A cell after a comma (unless it is the first), see
 * _lb_export_append_csv_cell () */
static void
append_cell (GString    *s,
             const char *value,
             gboolean    first)
{
  if (!first)
    g_string_append_c (s, ',');
  _lb_export_append_csv_cell (s, value);
}

static void
append_number_cell (GString *s,
                    guint64  value)
{
  g_string_append_c (s, ',');
  _lb_export_append_int (s, (gint64) value);
}

static gboolean
csv_row_cb (LbExportJob         *job,
            const LbExportItem  *entry,
            gpointer             user_data,
            GError             **error)
{
  LbItem *item = entry->item;
  GString *s = job->buf;
  g_autofree char *labels = g_strjoinv (";", (char **) lb_item_get_labels (item));
  gboolean image = lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE;
  const char *answers = lb_item_get_answers_json (item);

  append_cell (s, lb_item_get_batch_name (item), TRUE);
  append_cell (s, lb_item_get_external_id (item), FALSE);
  append_cell (s, lb_item_kind_to_string (lb_item_get_kind (item)), FALSE);
  append_cell (s, image ? lb_item_get_relative_path (item) : NULL, FALSE);
  append_cell (s, image ? NULL : lb_item_get_text (item), FALSE);
  append_cell (s, lb_item_state_to_string (lb_item_get_state (item)), FALSE);
  append_cell (s, labels, FALSE);
  append_cell (s, lb_item_get_decision (item), FALSE);
  append_cell (s, lb_item_get_reason (item), FALSE);
  append_cell (s, lb_item_get_note (item), FALSE);
  append_cell (s, answers != NULL && g_strcmp0 (answers, "{}") != 0 ? answers : NULL, FALSE);
  append_number_cell (s, lb_item_get_n_regions (item));
  append_number_cell (s, lb_item_get_n_spans (item));
  append_cell (s, lb_item_get_last_actor (item), FALSE);
  g_string_append_c (s, ',');
  if (entry->last_event_us != 0)
    lb_export_append_time (s, entry->last_event_us);
  g_string_append (s, "\r\n");

  job->n_written++;
  return _lb_export_maybe_flush (job, error);
}

/* UTF-8 with a byte order mark, so that spreadsheet applications (Excel,
 * WPS) read Chinese text right; rows end in CRLF. Columns: batch, item,
 * kind, path (images), text (texts), state, labels (joined with ";"),
 * decision, reason, note, answers (a JSON object), regions and spans (their
 * numbers), last_actor, updated (RFC 3339 UTC of the latest event). */
gboolean
_lb_export_csv (LbExportJob  *job,
                GError      **error)
{
  g_string_append (job->buf,
                   "\xEF\xBB\xBF" "batch,item,kind,path,text,state,labels,decision,reason,note,"
                   "answers,regions,spans,last_actor,updated\r\n");
  return _lb_export_foreach_item (job, -1, csv_row_cb, NULL, error);
}
