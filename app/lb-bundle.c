/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-bundle"
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-bundle.h"
#include "lb-store-private.h"

/* The format is described in lb-bundle.h. */

G_DEFINE_QUARK (lb-bundle-error-quark, lb_bundle_error)

#define HEADER_SNIFF_MAX 4096

/* ------------------------------------------------------------------------ */
/* Export                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  GOutputStream *out;
  GChecksum     *checksum;
  GCancellable  *cancellable;
  guint64        n_events;
} Writer;

static gboolean
write_line (Writer       *w,
            JsonBuilder  *builder,
            gboolean      hashed,
            GError      **error)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;
  gsize len = 0;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  if (hashed)
    {
      g_checksum_update (w->checksum, (const guchar *) text, len);
      g_checksum_update (w->checksum, (const guchar *) "\n", 1);
    }
  return g_output_stream_write_all (w->out, text, len, NULL, w->cancellable, error)
         && g_output_stream_write_all (w->out, "\n", 1, NULL, w->cancellable, error);
}

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static gboolean
export_batch_cb (const LbBatch  *batch,
                 gpointer        user_data,
                 GError        **error)
{
  Writer *w = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "type", "batch");
  add_string (b, "name", batch->name);
  add_string (b, "source", batch->source);
  add_string (b, "root", batch->root);
  add_int (b, "created_us", batch->created_us);
  add_string (b, "schema", batch->schema_json);
  json_builder_end_object (b);
  return write_line (w, b, TRUE, error);
}

static gboolean
export_item_cb (const char       *batch,
                const LbNewItem  *item,
                gpointer          user_data,
                GError          **error)
{
  Writer *w = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_string (b, "type", "item");
  add_string (b, "batch", batch);
  add_string (b, "external_id", item->external_id);
  add_string (b, "kind", lb_item_kind_to_string (item->kind));
  add_string (b, "path", item->relative_path);
  add_string (b, "text", item->text);
  add_string (b, "meta", item->meta_json);
  add_string (b, "content_hash", item->content_hash);
  json_builder_end_object (b);
  return write_line (w, b, TRUE, error);
}

static gboolean
export_event_cb (const LbEvent  *ev,
                 gpointer        user_data,
                 GError        **error)
{
  Writer *w = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (w->n_events % 1024 == 0 && g_cancellable_set_error_if_cancelled (w->cancellable, error))
    return FALSE;

  json_builder_begin_object (b);
  add_string (b, "type", "event");
  add_string (b, "uuid", ev->uuid);
  add_string (b, "seat", ev->seat);
  add_string (b, "batch", ev->batch);
  add_string (b, "item", ev->item);
  add_string (b, "actor", ev->actor);
  add_string (b, "role", ev->role);
  add_string (b, "kind", ev->kind);
  add_string (b, "payload", ev->payload);
  add_int (b, "time_us", ev->time_us);
  add_int (b, "dwell_ms", ev->dwell_ms);
  add_int (b, "act", ev->act);
  add_string (b, "prev_hash", ev->prev_hash);
  add_string (b, "hash", ev->hash);
  json_builder_end_object (b);
  if (!write_line (w, b, TRUE, error))
    return FALSE;
  w->n_events++;
  return TRUE;
}

gboolean
lb_bundle_export (LbStore        *store,
                  const char     *batch,
                  GOutputStream  *out,
                  guint64        *n_events,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_autoptr(GOutputStream) buffered = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  Writer w = { 0, };

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  buffered = g_buffered_output_stream_new_sized (out, 64 * 1024);
  g_filter_output_stream_set_close_base_stream (G_FILTER_OUTPUT_STREAM (buffered), FALSE);
  w.out = buffered;
  w.checksum = checksum;
  w.cancellable = cancellable;

  json_builder_begin_object (b);
  add_string (b, "format", LB_BUNDLE_FORMAT);
  add_int (b, "version", LB_BUNDLE_VERSION);
  add_string (b, "seat", lb_store_get_seat_id (store));
  add_int (b, "created_us", g_get_real_time ());
  add_string (b, "batch", batch);
  json_builder_end_object (b);
  if (!write_line (&w, b, TRUE, error))
    return FALSE;

  if (!_lb_store_foreach_chain_row (store, batch, export_batch_cb, export_item_cb,
                                    export_event_cb, &w, error))
    return FALSE;

  json_builder_reset (b);
  json_builder_begin_object (b);
  add_string (b, "type", "end");
  add_int (b, "events", (gint64) w.n_events);
  add_string (b, "sha256", g_checksum_get_string (checksum));
  json_builder_end_object (b);
  if (!write_line (&w, b, FALSE, error)
      || !g_output_stream_flush (buffered, cancellable, error))
    return FALSE;

  if (n_events != NULL)
    *n_events = w.n_events;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

/* The line as a JSON object (*root_out holds it), or NULL */
static JsonObject *
parse_line (JsonParser  *parser,
            const char  *line,
            gsize        len,
            JsonNode   **root_out)
{
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, (gssize) len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  *root_out = json_node_ref (root);
  return json_node_get_object (root);
}

gboolean
lb_bundle_is_bundle (const char *path)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(JsonNode) root = NULL;
  char buf[HEADER_SNIFF_MAX];
  gsize n = 0;
  const char *nl;
  JsonObject *obj;

  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  in = g_file_read (file, NULL, NULL);
  if (in == NULL
      || !g_input_stream_read_all (G_INPUT_STREAM (in), buf, sizeof buf, &n, NULL, NULL))
    return FALSE;
  nl = memchr (buf, '\n', n);
  if (nl == NULL)
    return FALSE;
  {
    g_autoptr(JsonParser) parser = json_parser_new_immutable ();

    obj = parse_line (parser, buf, nl - buf, &root);
  }
  return obj != NULL
         && g_strcmp0 (json_object_get_string_member_with_default (obj, "format", NULL),
                       LB_BUNDLE_FORMAT) == 0;
}

typedef struct {
  const char        *path;
  GDataInputStream  *in;
  GCancellable      *cancellable;
  GChecksum         *checksum;
  JsonParser        *parser;
  guint              line;       /* the line being merged, from 1 */
  guint64            n_events;
  gboolean           have_end;
} Reader;

typedef enum {
  PHASE_HEADER,
  PHASE_BATCHES,
  PHASE_ITEMS,
  PHASE_EVENTS,
  PHASE_END,
} Phase;

/* A member that must be a string (or, when nullable, null or absent). */
static gboolean
get_string (JsonObject   *obj,
            const char   *name,
            gboolean      nullable,
            const char  **value,
            GError      **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *value = NULL;
  if ((node == NULL || JSON_NODE_HOLDS_NULL (node)) && nullable)
    return TRUE;
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("“%s” is missing or not a string"), name);
      return FALSE;
    }
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_int (JsonObject  *obj,
         const char  *name,
         gint64      *value,
         GError     **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("“%s” is missing or not an integer"), name);
      return FALSE;
    }
  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean
check_json_object_text (const char  *text,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  if (text == NULL)
    return TRUE;
  if (json_parser_load_from_data (parser, text, -1, NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    return TRUE;
  g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
               _("“%s” is not the text of a JSON object"), name);
  return FALSE;
}

static gboolean
merge_header (JsonObject  *obj,
              GError     **error)
{
  const char *format = NULL;
  gint64 version = 0;

  if (!get_string (obj, "format", FALSE, &format, error)
      || strcmp (format, LB_BUNDLE_FORMAT) != 0)
    {
      g_clear_error (error);
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("not a Labelbench bundle (no “%s” header)"), LB_BUNDLE_FORMAT);
      return FALSE;
    }
  if (!get_int (obj, "version", &version, error))
    return FALSE;
  if (version > LB_BUNDLE_VERSION || version < 1)
    {
      g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, version);

      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_VERSION,
                   _("bundle version %s is not supported (this Labelbench reads version %d); "
                     "update Labelbench"), v, LB_BUNDLE_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
merge_batch (LbStoreMerge  *merge,
             JsonObject    *obj,
             GError       **error)
{
  LbBatch batch = { 0, };
  const char *name, *source, *root, *schema;

  if (!get_string (obj, "name", FALSE, &name, error)
      || !get_string (obj, "source", TRUE, &source, error)
      || !get_string (obj, "root", TRUE, &root, error)
      || !get_string (obj, "schema", FALSE, &schema, error))
    return FALSE;
  if (json_object_has_member (obj, "created_us")
      && !get_int (obj, "created_us", &batch.created_us, error))
    return FALSE;
  batch.name = (char *) name;
  batch.source = (char *) source;
  batch.root = (char *) root;
  batch.schema_json = (char *) schema;
  return _lb_store_merge_batch (merge, &batch, error);
}

static gboolean
merge_item (LbStoreMerge  *merge,
            JsonObject    *obj,
            GError       **error)
{
  LbNewItem item = { 0, };
  const char *batch, *kind;

  if (!get_string (obj, "batch", FALSE, &batch, error)
      || !get_string (obj, "external_id", FALSE, &item.external_id, error)
      || !get_string (obj, "kind", FALSE, &kind, error)
      || !get_string (obj, "path", TRUE, &item.relative_path, error)
      || !get_string (obj, "text", TRUE, &item.text, error)
      || !get_string (obj, "meta", TRUE, &item.meta_json, error)
      || !get_string (obj, "content_hash", TRUE, &item.content_hash, error)
      || !check_json_object_text (item.meta_json, "meta", error))
    return FALSE;

  if (strcmp (kind, "image") == 0)
    item.kind = LB_ITEM_KIND_IMAGE;
  else if (strcmp (kind, "text") == 0)
    item.kind = LB_ITEM_KIND_TEXT;
  else
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("item “%s”: unknown kind “%s”"), item.external_id, kind);
      return FALSE;
    }
  return _lb_store_merge_item (merge, batch, &item, error);
}

static gboolean
merge_event (LbStoreMerge  *merge,
             JsonObject    *obj,
             GError       **error)
{
  LbEvent ev = { 0, };
  const char *uuid, *seat, *batch, *item, *actor, *role, *kind, *payload, *prev, *hash;

  if (!get_string (obj, "uuid", FALSE, &uuid, error)
      || !get_string (obj, "seat", FALSE, &seat, error)
      || !get_string (obj, "batch", TRUE, &batch, error)
      || !get_string (obj, "item", TRUE, &item, error)
      || !get_string (obj, "actor", FALSE, &actor, error)
      || !get_string (obj, "role", FALSE, &role, error)
      || !get_string (obj, "kind", FALSE, &kind, error)
      || !get_string (obj, "payload", FALSE, &payload, error)
      || !get_string (obj, "prev_hash", FALSE, &prev, error)
      || !get_string (obj, "hash", FALSE, &hash, error)
      || !get_int (obj, "time_us", &ev.time_us, error)
      || !get_int (obj, "dwell_ms", &ev.dwell_ms, error)
      || !get_int (obj, "act", &ev.act, error))
    return FALSE;

  ev.uuid = (char *) uuid;
  ev.seat = (char *) seat;
  ev.batch = (char *) batch;
  ev.item = (char *) item;
  ev.actor = (char *) actor;
  ev.role = (char *) role;
  ev.kind = (char *) kind;
  ev.payload = (char *) payload;
  ev.prev_hash = (char *) prev;
  ev.hash = (char *) hash;
  return _lb_store_merge_event (merge, &ev, NULL, error);
}

static gboolean
merge_trailer (Reader      *r,
               JsonObject  *obj,
               GError     **error)
{
  const char *sha = NULL;
  gint64 n_events = 0;

  if (!get_int (obj, "events", &n_events, error)
      || !get_string (obj, "sha256", FALSE, &sha, error))
    return FALSE;
  if (n_events < 0 || (guint64) n_events != r->n_events)
    {
      g_autofree char *said = g_strdup_printf ("%" G_GINT64_FORMAT, n_events);
      g_autofree char *held = g_strdup_printf ("%" G_GUINT64_FORMAT, r->n_events);

      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("the trailer counts %s events but the bundle holds %s"), said, held);
      return FALSE;
    }
  if (g_ascii_strcasecmp (sha, g_checksum_get_string (r->checksum)) != 0)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("the SHA-256 of the bundle does not match its trailer: the file was "
                     "altered or damaged"));
      return FALSE;
    }
  return TRUE;
}

static const char *
phase_type (Phase phase)
{
  switch (phase)
    {
    case PHASE_BATCHES: return "batch";
    case PHASE_ITEMS:   return "item";
    case PHASE_EVENTS:  return "event";
    case PHASE_END:     return "end";
    case PHASE_HEADER:
    default:            return "";
    }
}

/* Runs on the store's writer thread, inside the merge's transaction. */
static gboolean
merge_lines_cb (LbStoreMerge  *merge,
                gpointer       user_data,
                GError       **error)
{
  Reader *r = user_data;
  Phase phase = PHASE_HEADER;

  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) local = NULL;
      JsonObject *obj;
      const char *type = NULL;
      Phase line_phase;
      gsize len = 0;
      gboolean ok = TRUE;

      line = g_data_input_stream_read_line (r->in, &len, r->cancellable, &local);
      if (line == NULL)
        {
          if (local != NULL)
            {
              g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_READ,
                           _("%s, line %u: %s"), r->path, r->line + 1, local->message);
              return FALSE;
            }
          break;
        }
      r->line++;

      if (r->line % 1024 == 0 && g_cancellable_set_error_if_cancelled (r->cancellable, error))
        return FALSE;

      if (phase == PHASE_END)
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                       _("%s, line %u: text after the bundle’s trailer"), r->path, r->line);
          return FALSE;
        }

      obj = parse_line (r->parser, line, len, &root);
      if (obj == NULL || !g_utf8_validate (line, len, NULL))
        {
          g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                       _("%s, line %u: not a JSON object (is the file cut short or damaged?)"),
                       r->path, r->line);
          return FALSE;
        }

      if (phase == PHASE_HEADER)
        {
          line_phase = PHASE_BATCHES;
          ok = merge_header (obj, &local);
        }
      else
        {
          type = json_object_get_string_member_with_default (obj, "type", "");
          if (strcmp (type, "batch") == 0)
            line_phase = PHASE_BATCHES;
          else if (strcmp (type, "item") == 0)
            line_phase = PHASE_ITEMS;
          else if (strcmp (type, "event") == 0)
            line_phase = PHASE_EVENTS;
          else if (strcmp (type, "end") == 0)
            line_phase = PHASE_END;
          else
            {
              g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                           _("%s, line %u: unknown line type “%s”"), r->path, r->line, type);
              return FALSE;
            }
          if (line_phase < phase)
            {
              g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                           _("%s, line %u: a “%s” line after the “%s” lines"), r->path,
                           r->line, type, phase_type (phase));
              return FALSE;
            }

          switch (line_phase)
            {
            case PHASE_BATCHES:
              ok = merge_batch (merge, obj, &local);
              break;
            case PHASE_ITEMS:
              ok = merge_item (merge, obj, &local);
              break;
            case PHASE_EVENTS:
              ok = merge_event (merge, obj, &local);
              r->n_events++;
              break;
            case PHASE_END:
              ok = merge_trailer (r, obj, &local);
              r->have_end = ok;
              break;
            case PHASE_HEADER:
            default:
              g_assert_not_reached ();
            }
        }

      if (!ok)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local), _("%s, line %u: "),
                                      r->path, r->line);
          return FALSE;
        }

      if (line_phase != PHASE_END)
        {
          g_checksum_update (r->checksum, (const guchar *) line, len);
          g_checksum_update (r->checksum, (const guchar *) "\n", 1);
        }
      phase = line_phase;
    }

  if (r->line == 0)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("%s: the file is empty, not a bundle"), r->path);
      return FALSE;
    }
  if (!r->have_end)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_FORMAT,
                   _("%s, line %u: the bundle ends without its trailer: the file is cut "
                     "short"), r->path, r->line);
      return FALSE;
    }
  return TRUE;
}

gboolean
lb_bundle_import (LbStore        *store,
                  const char     *path,
                  guint64        *n_added,
                  guint64        *n_present,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  Reader r = { 0, };

  g_return_val_if_fail (LB_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file = g_file_new_for_path (path);
  in = g_file_read (file, cancellable, &local);
  if (in == NULL)
    {
      g_set_error (error, LB_BUNDLE_ERROR, LB_BUNDLE_ERROR_READ,
                   _("Cannot read “%s”: %s"), path, local->message);
      return FALSE;
    }
  data = g_data_input_stream_new (G_INPUT_STREAM (in));
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (data), 64 * 1024);
  g_data_input_stream_set_newline_type (data, G_DATA_STREAM_NEWLINE_TYPE_LF);

  r.path = path;
  r.in = data;
  r.cancellable = cancellable;
  r.checksum = checksum;
  r.parser = parser;

  return _lb_store_merge (store, merge_lines_cb, &r, n_added, n_present, error);
}
