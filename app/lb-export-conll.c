/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-export"
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "lb-export-private.h"

/* CoNLL 2003 of the text items' spans, as BIO tags. */

static gboolean
is_own_token (gunichar c)
{
  return g_unichar_ispunct (c)   /* punctuation and symbols (emoji too) */
         || g_unichar_get_script (c) == G_UNICODE_SCRIPT_HAN;
}

GArray *
_lb_export_tokenize (const char *text)
{
  GArray *tokens = g_array_new (FALSE, FALSE, sizeof (LbExportToken));
  const char *p = text;
  gint64 cp = 0;
  LbExportToken current = { -1, -1, 0, 0 };

  if (text == NULL)
    return tokens;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);
      gsize byte = p - text;

      if (g_unichar_isspace (c) || is_own_token (c))
        {
          if (current.start >= 0)
            {
              g_array_append_val (tokens, current);
              current.start = -1;
            }
          if (!g_unichar_isspace (c))
            {
              LbExportToken one = { cp, cp + 1, byte, next - text };

              g_array_append_val (tokens, one);
            }
        }
      else
        {
          if (current.start < 0)
            {
              current.start = cp;
              current.start_byte = byte;
            }
          current.end = cp + 1;
          current.end_byte = next - text;
        }
      p = next;
      cp++;
    }
  if (current.start >= 0)
    g_array_append_val (tokens, current);
  return tokens;
}

static int
span_order (gconstpointer a,
            gconstpointer b)
{
  const LbSpan *x = *(const LbSpan * const *) a;
  const LbSpan *y = *(const LbSpan * const *) b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end > y->end ? -1 : 1;   /* the longer first */
  return 0;
}

static void
append_tag_label (GString    *s,
                  const char *label)
{
  for (const char *p = label; *p != '\0'; p++)
    g_string_append_c (s, g_ascii_isspace (*p) ? '_' : *p);
}

typedef struct {
  guint64 n_not_done;     /* texts left out: not annotated yet (todo or skipped) */
  guint64 n_no_span_tool; /* texts left out: their batch's schema has no span tool */
} ConllWriter;

/* batch TAB item, tabs and line breaks made spaces */
static void
append_ids_field (GString    *s,
                  const char *text)
{
  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    g_string_append_c (s, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
}

static gboolean
conll_item_cb (LbExportJob         *job,
               const LbExportItem  *entry,
               gpointer             user_data,
               GError             **error)
{
  ConllWriter *w = user_data;
  LbItem *item = entry->item;
  const char *text = lb_item_get_text (item);
  g_autoptr(GArray) tokens = _lb_export_tokenize (text);
  g_autoptr(GPtrArray) spans = g_ptr_array_new ();
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  GString *s = job->buf;
  guint k = 0;
  gint64 kept_end = -1;
  const LbSpan *open = NULL;

  /* Only texts with span work: spans drawn, or done in a batch that draws
   * spans (no spans then means no entities). Anything else would read as
   * "no entities here" to a trainer. */
  if (lb_item_get_n_spans (item) == 0)
    {
      if (!(lb_schema_get_tools (entry->schema) & LB_TOOL_SPAN))
        {
          w->n_no_span_tool++;
          return TRUE;
        }
      if (lb_item_get_state (item) != LB_ITEM_STATE_DONE)
        {
          w->n_not_done++;
          return TRUE;
        }
    }
  if (tokens->len == 0)
    return TRUE;

  /* Overlapping spans: the earliest-starting wins, then the longest; the
   * spans overlapping one kept are left out */
  for (guint i = 0; i < lb_item_get_n_spans (item); i++)
    g_ptr_array_add (spans, (gpointer) lb_item_get_span (item, i));
  g_ptr_array_sort (spans, span_order);
  for (guint i = 0; i < spans->len; i++)
    {
      const LbSpan *span = g_ptr_array_index (spans, i);

      if (span->start >= kept_end)
        {
          g_ptr_array_add (kept, (gpointer) span);
          kept_end = span->end;
        }
    }

  /* one document per text; the sidecar says which */
  g_string_append (s, "-DOCSTART- -X- -X- O\n\n");
  if (job->ids != NULL)
    {
      append_ids_field (job->ids_buf, lb_item_get_batch_name (item));
      g_string_append_c (job->ids_buf, '\t');
      append_ids_field (job->ids_buf, lb_item_get_external_id (item));
      g_string_append_c (job->ids_buf, '\n');
      if (job->ids_buf->len >= LB_EXPORT_FLUSH_SIZE
          && !_lb_export_write_all (job->ids, job->ids_buf, job->cancellable, error))
        return FALSE;
    }

  for (guint t = 0; t < tokens->len; t++)
    {
      const LbExportToken *token = &g_array_index (tokens, LbExportToken, t);
      const LbSpan *span = NULL;

      while (k < kept->len && ((const LbSpan *) g_ptr_array_index (kept, k))->end <= token->start)
        k++;
      if (k < kept->len)
        {
          const LbSpan *candidate = g_ptr_array_index (kept, k);

          if (candidate->start < token->end)
            span = candidate;
        }

      g_string_append_len (s, text + token->start_byte, token->end_byte - token->start_byte);
      g_string_append (s, " -X- _ ");
      if (span == NULL)
        g_string_append_c (s, 'O');
      else
        {
          g_string_append (s, span == open ? "I-" : "B-");
          append_tag_label (s, span->label);
        }
      g_string_append_c (s, '\n');
      open = span;
    }
  g_string_append_c (s, '\n');

  job->n_written++;
  return _lb_export_maybe_flush (job, error);
}

/* Per text item with span work, a document: "-DOCSTART- -X- -X- O", a
 * blank line, one token per line ("TOKEN -X- _ TAG", TAG O, B-label or
 * I-label) and a blank line. Written to a path, the sidecar (job->ids)
 * lists each document's batch TAB item, in order. The texts left out are
 * counted in the warnings. */
gboolean
_lb_export_conll (LbExportJob  *job,
                  GError      **error)
{
  ConllWriter w = { 0 };

  if (!_lb_export_foreach_item (job, LB_ITEM_KIND_TEXT, conll_item_cb, &w, error))
    return FALSE;
  if (w.n_not_done > 0)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, w.n_not_done);

      /* Translators: %s is a number of text items */
      _lb_export_warn (job, ngettext ("%s text not annotated yet was left out (no spans, "
                                      "not done)",
                                      "%s texts not annotated yet were left out (no spans, "
                                      "not done)",
                                      (gulong) MIN (w.n_not_done, G_MAXULONG)), n);
    }
  if (w.n_no_span_tool > 0)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GUINT64_FORMAT, w.n_no_span_tool);

      /* Translators: %s is a number of text items */
      _lb_export_warn (job, ngettext ("%s text of batches without the span tool was left out",
                                      "%s texts of batches without the span tool were left out",
                                      (gulong) MIN (w.n_no_span_tool, G_MAXULONG)), n);
    }
  return TRUE;
}
