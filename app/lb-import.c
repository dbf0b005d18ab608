/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-import"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-image.h"
#include "lb-import.h"
#include "lb-import-private.h"
#include "lb-label-config.h"
#include "lb-predictions.h"
#include "lb-schema.h"
#include "lb-store-private.h"

#define READ_BLOCK_SIZE (64 * 1024)

/* A chunk is also committed once its texts take this much memory. */
#define CHUNK_MAX_BYTES (32 * 1024 * 1024)

/* A JSONL line may hold a text of LB_IMPORT_MAX_TEXT_BYTES written with
 * escapes, a "meta" object and more; longer lines are not even parsed. */
#define MAX_LINE_BYTES (8 * 1024 * 1024)

G_DEFINE_QUARK (lb-import-error-quark, lb_import_error)

typedef enum {
  SOURCE_FOLDER,
  SOURCE_JSONL,
  SOURCE_CSV,
  SOURCE_LABEL_STUDIO,
} SourceKind;

/* Where an item of the chunk came from, for its rejection */
typedef struct {
  const char *file;
  guint       line;
} Origin;

typedef struct {
  LbStore              *store;
  gint64                batch_id;      /* 0 until the first chunk is committed */
  const char           *name;          /* the batch to make */
  gboolean              name_is_explicit;
  const char           *source;
  const char           *schema_json;   /* NULL: keep the batch's schema */
  LbSchema             *item_schema;   /* the schema the items are answered in */
  const char           *origin_file;   /* of the next add_item () */
  guint                 origin_line;
  guint                 ls_task;       /* Label Studio: 1-based task being read, or 0 */
  GArray               *origins;       /* of Origin, one per item of the chunk */
  GArray               *spare_origins;
  GArray               *conflicts;     /* of guint: indices in the spare chunk */
  const char           *display_path;  /* PATH as the user gave it */
  char                 *root;          /* absolute batch folder */
  char                 *root_real;     /* the same with symbolic links resolved */
  gsize                 root_real_len;

  GArray               *items;         /* of LbNewItem, the chunk being filled */
  gsize                 chunk_bytes;   /* about how much memory its strings take */
  GStringChunk         *strings;       /* its strings */
  GArray               *spare_items;   /* the chunk being committed, or empty */
  GStringChunk         *spare_strings;
  GThread              *committer;     /* commits the spare chunk while items are read */
  guint                 commit_added;
  guint                 commit_existing;
  GError               *commit_error;
  GStringChunk         *ids;           /* manifest ids, for the whole import */
  GHashTable           *seen_ids;      /* manifest ids already imported */
  GChecksum            *checksum;
  guint8               *block;         /* READ_BLOCK_SIZE bytes */
  GString              *scratch;       /* file contents, paths, ... */

  LbImportReport       *report;
  guint                 n_done;
  LbImportProgressFunc  progress;
  gpointer              progress_data;
  GCancellable         *cancellable;

  /* Label Studio task files */
  JsonParser           *ls_parser;     /* parses one task at a time */
  LbSchema             *ls_schema;     /* the schema the import gives or the batch has */
  GPtrArray            *ls_replays;    /* of LsReplay*: added tasks with annotations */
  GPtrArray            *ls_spare_replays; /* those of the chunk being committed */
  LbLsMapping          *ls_replay_mapping; /* of the batch's schema, for the annotations */
  gint64                ls_watermark;  /* the highest item id before the import */
} Importer;

void
lb_import_report_free (LbImportReport *report)
{
  if (report == NULL)
    return;

  g_free (report->batch_name);
  g_free (report->renamed_from);
  g_clear_pointer (&report->rejections, g_ptr_array_unref);
  g_free (report);
}

static void
importer_clear (Importer *im)
{
  if (im->committer != NULL)
    g_thread_join (g_steal_pointer (&im->committer));
  g_clear_error (&im->commit_error);
  g_clear_pointer (&im->spare_items, g_array_unref);
  g_clear_pointer (&im->spare_strings, g_string_chunk_free);
  g_clear_pointer (&im->origins, g_array_unref);
  g_clear_pointer (&im->spare_origins, g_array_unref);
  g_clear_pointer (&im->conflicts, g_array_unref);
  g_free (im->root);
  g_free (im->root_real);
  g_clear_pointer (&im->items, g_array_unref);
  g_clear_pointer (&im->strings, g_string_chunk_free);
  g_clear_pointer (&im->ids, g_string_chunk_free);
  g_clear_pointer (&im->seen_ids, g_hash_table_unref);
  g_clear_pointer (&im->checksum, g_checksum_free);
  g_free (im->block);
  if (im->scratch != NULL)
    g_string_free (im->scratch, TRUE);
  g_clear_pointer (&im->report, lb_import_report_free);
  g_clear_pointer (&im->ls_replays, g_ptr_array_unref);
  g_clear_pointer (&im->ls_spare_replays, g_ptr_array_unref);
  g_clear_pointer (&im->ls_replay_mapping, _lb_ls_mapping_free);
  g_clear_pointer (&im->ls_schema, lb_schema_unref);
  g_clear_pointer (&im->item_schema, lb_schema_unref);
  g_clear_object (&im->ls_parser);
}

static void G_GNUC_PRINTF (4, 5)
reject (Importer   *im,
        const char *file,
        guint       line,
        const char *format,
        ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (line > 0)
    g_ptr_array_add (im->report->rejections, g_strdup_printf ("%s:%u: %s", file, line, reason));
  else if (im->ls_task > 0)
    g_ptr_array_add (im->report->rejections,
                     g_strdup_printf (_("%s: task %u: %s"), file, im->ls_task, reason));
  else
    g_ptr_array_add (im->report->rejections, g_strdup_printf ("%s: %s", file, reason));
}

/* Runs on a thread of its own, so the next chunk is read while the store's
 * writer thread commits this one. */
static gpointer
commit_thread_cb (gpointer data)
{
  Importer *im = data;

  _lb_store_insert_items_checked (im->store, im->batch_id,
                                  (const LbNewItem *) (gpointer) im->spare_items->data,
                                  im->spare_items->len, &im->commit_added,
                                  &im->commit_existing, im->conflicts, &im->commit_error);
  return NULL;
}

static gboolean ls_replay (Importer   *im,
                           GPtrArray  *replays,
                           GError    **error);

/* Waits for the chunk being committed, then reports progress. */
static gboolean
wait_for_commit (Importer  *im,
                 GError   **error)
{
  if (im->committer == NULL)
    return TRUE;

  g_thread_join (g_steal_pointer (&im->committer));
  if (im->commit_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&im->commit_error));
      return FALSE;
    }

  im->report->n_added += im->commit_added;
  im->report->n_existing += im->commit_existing;
  im->n_done += im->spare_items->len;
  for (guint i = 0; i < im->conflicts->len; i++)
    {
      guint index = g_array_index (im->conflicts, guint, i);
      const Origin *origin = &g_array_index (im->spare_origins, Origin, index);

      reject (im, origin->file, origin->line,
              _("item “%s” is already in the batch with different content"),
              g_array_index (im->spare_items, LbNewItem, index).external_id);
    }
  g_array_set_size (im->conflicts, 0);
  g_array_set_size (im->spare_items, 0);
  g_array_set_size (im->spare_origins, 0);
  g_string_chunk_clear (im->spare_strings);

  /* Label Studio: the annotations of the items just committed */
  if (im->ls_spare_replays != NULL && !ls_replay (im, im->ls_spare_replays, error))
    return FALSE;

  if (im->progress != NULL)
    im->progress (im->n_done, im->progress_data);

  return TRUE;
}

/* Finds or makes the batch (see _lb_store_ensure_import_batch()). */
static gboolean
ensure_batch (Importer  *im,
              GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;

  if (!_lb_store_ensure_import_batch (im->store, im->name, im->name_is_explicit, im->root,
                                      im->root_real, im->source, im->schema_json, &name,
                                      &im->batch_id, &local_error))
    {
      /* the batch cannot take this import: the import as a whole is unusable */
      if (g_error_matches (local_error, LB_STORE_ERROR, LB_STORE_ERROR_INVALID))
        g_set_error_literal (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                             local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  im->report->batch_id = im->batch_id;
  if (g_strcmp0 (name, im->report->batch_name) != 0)
    {
      im->report->renamed_from = g_steal_pointer (&im->report->batch_name);
      im->report->batch_name = g_steal_pointer (&name);
    }
  return TRUE;
}

/* Hands the collected items over to be committed in one transaction,
 * after the previous chunk's COMMIT returned. */
static gboolean
flush (Importer  *im,
       GError   **error)
{
  GArray *items;
  GArray *origins;
  GStringChunk *strings;

  if (!wait_for_commit (im, error))
    return FALSE;

  if (g_cancellable_is_cancelled (im->cancellable))
    {
      g_set_error_literal (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_CANCELLED,
                           _("The import was cancelled"));
      return FALSE;
    }

  if (im->items->len == 0)
    return TRUE;

  /* the batch is made with its first items: an import that finds none makes none */
  if (im->batch_id == 0 && !ensure_batch (im, error))
    return FALSE;

  items = im->spare_items;
  origins = im->spare_origins;
  strings = im->spare_strings;
  im->spare_items = im->items;
  im->spare_origins = im->origins;
  im->spare_strings = im->strings;
  im->items = items;
  im->origins = origins;
  im->strings = strings;
  im->chunk_bytes = 0;
  if (im->ls_replays != NULL)
    {
      GPtrArray *replays = im->ls_spare_replays;

      im->ls_spare_replays = im->ls_replays;
      im->ls_replays = replays;
    }

  im->commit_added = im->commit_existing = 0;
  im->committer = g_thread_new ("lb-import-commit", commit_thread_cb, im);
  return TRUE;
}

static const char *
hash_bytes (Importer   *im,
            const void *data,
            gsize       length)
{
  g_checksum_reset (im->checksum);
  g_checksum_update (im->checksum, data, length);
  return g_string_chunk_insert_len (im->strings, g_checksum_get_string (im->checksum), 64);
}

/* Adds one item to the chunk; the strings are copied (external_id is
 * copied unless it already lives in im->ids). */
static gboolean
add_item (Importer    *im,
          const char  *external_id,
          gboolean     id_is_kept,
          LbItemKind   kind,
          const char  *relative_path,
          const char  *text,
          gsize        text_length,
          const char  *meta_json,
          const char  *content_hash,
          GError     **error)
{
  LbNewItem item = { 0, };
  Origin origin = { 0, };

  origin.file = g_string_chunk_insert_const (im->strings, im->origin_file);
  origin.line = im->origin_line;
  g_array_append_val (im->origins, origin);

  item.external_id = id_is_kept ? external_id : g_string_chunk_insert (im->strings, external_id);
  item.kind = kind;
  item.relative_path = relative_path ? g_string_chunk_insert (im->strings, relative_path) : NULL;
  item.text = text ? g_string_chunk_insert_len (im->strings, text, text_length) : NULL;
  item.meta_json = meta_json ? g_string_chunk_insert (im->strings, meta_json) : NULL;
  item.content_hash = content_hash;
  g_array_append_val (im->items, item);
  im->chunk_bytes += text_length + (meta_json ? strlen (meta_json) : 0) + 256;

  if (im->items->len >= LB_IMPORT_CHUNK_SIZE || im->chunk_bytes >= CHUNK_MAX_BYTES)
    return flush (im, error);
  return TRUE;
}

/* Returns NULL when the text is acceptable, or the reason it is not. */
static const char *
check_text (const char *text,
            gsize       length)
{
  if (length == 0)
    return _("empty text");
  if (length > LB_IMPORT_MAX_TEXT_BYTES)
    return _("text too long (more than 1 MiB)");
  if (!g_utf8_validate (text, length, NULL))
    return _("text is not valid UTF-8");
  for (const char *p = text; p < text + length; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return NULL;
  return _("text is empty (only white space)");
}

/* NULL when ID (valid UTF-8) can be an item's id, or the reason it cannot */
static const char *
check_id (const char *id)
{
  gboolean blank = TRUE;

  for (const char *p = id; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        return _("“id” contains a control character (tab, new line, ...)");
      if (!g_unichar_isspace (c))
        blank = FALSE;
    }
  if (blank)
    return _("“id” is empty");
  return NULL;
}

static gboolean
has_image_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL &&
         (g_ascii_strcasecmp (dot, ".png") == 0 ||
          g_ascii_strcasecmp (dot, ".jpg") == 0 ||
          g_ascii_strcasecmp (dot, ".jpeg") == 0);
}

static gboolean
has_text_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && g_ascii_strcasecmp (dot, ".txt") == 0;
}

/* Resolves PATH (inside the batch root) with its symbolic links and checks
 * the result is still inside the root. Returns NULL or the reason. */
static char *
check_inside_root (Importer   *im,
                   const char *path)
{
  char resolved[PATH_MAX];

  if (realpath (path, resolved) == NULL)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT || saved_errno == ENOTDIR)
        return g_strdup (_("file not found"));
      return g_strdup (g_strerror (saved_errno));
    }

  if (strncmp (resolved, im->root_real, im->root_real_len) != 0 ||
      (resolved[im->root_real_len] != '/' &&
       !(im->root_real_len == 1 && im->root_real[0] == '/')))
    return g_strdup (_("path outside the batch folder"));

  return NULL;
}

/* Checks an image file inside the root and hashes it. Returns NULL and
 * sets *hash, or returns the reason the file is rejected. */
static char *
check_image_file (Importer    *im,
                  const char  *path,
                  const char **hash)
{
  static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 jpeg_signature[3] = { 0xff, 0xd8, 0xff };
  struct stat st;
  gssize n_read;
  gsize total = 0;
  gboolean first = TRUE;
  char *reason;
  int fd;

  if ((reason = check_inside_root (im, path)) != NULL)
    return reason;

  if (g_stat (path, &st) != 0)
    return g_strdup (errno == ENOENT ? _("file not found") : g_strerror (errno));
  if (!S_ISREG (st.st_mode))
    return g_strdup (_("not a regular file"));

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    return g_strdup_printf (_("cannot read the file: %s"), g_strerror (errno));

  g_checksum_reset (im->checksum);
  while ((n_read = read (fd, im->block, READ_BLOCK_SIZE)) != 0)
    {
      if (n_read < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          close (fd);
          return g_strdup_printf (_("cannot read the file: %s"), g_strerror (saved_errno));
        }

      if (first)
        {
          /* A short first read of a tiny file: fill the signature bytes */
          while (n_read < 8)
            {
              gssize more = read (fd, im->block + n_read, READ_BLOCK_SIZE - n_read);

              if (more <= 0)
                break;
              n_read += more;
            }

          if (!(n_read >= 8 && memcmp (im->block, png_signature, 8) == 0) &&
              !(n_read >= 3 && memcmp (im->block, jpeg_signature, 3) == 0))
            {
              close (fd);
              return g_strdup (_("not a PNG or JPEG image"));
            }
          first = FALSE;
        }

      g_checksum_update (im->checksum, im->block, n_read);
      total += n_read;
    }
  close (fd);

  if (total == 0)
    return g_strdup (_("not a PNG or JPEG image"));

  *hash = g_string_chunk_insert_len (im->strings, g_checksum_get_string (im->checksum), 64);
  return NULL;
}

/* Turns a manifest's image path into a clean relative path (in
 * im->scratch). Returns NULL or the reason it is rejected. */
static char *
normalize_relative_path (Importer   *im,
                         const char *path)
{
  const char *p = path;

  if (*path == '\0')
    return g_strdup (_("empty image path"));
  if (g_path_is_absolute (path))
    return g_strdup (_("absolute path not allowed"));

  g_string_truncate (im->scratch, 0);
  while (*p != '\0')
    {
      const char *slash = strchr (p, '/');
      gsize length = slash ? (gsize) (slash - p) : strlen (p);

      if (length == 2 && p[0] == '.' && p[1] == '.')
        return g_strdup (_("path outside the batch folder (“..”)"));

      if (length > 0 && !(length == 1 && p[0] == '.'))
        {
          if (im->scratch->len > 0)
            g_string_append_c (im->scratch, '/');
          g_string_append_len (im->scratch, p, length);
        }

      p += length;
      if (*p == '/')
        p++;
    }

  if (im->scratch->len == 0)
    return g_strdup (_("empty image path"));

  return NULL;
}

static gboolean get_optional_string (JsonObject  *object,
                                     const char  *name,
                                     const char **value);

/* A gold answer ("gold" in the item's meta, an object) checked against the
 * schema the items are answered in: NULL, or the reason the item is
 * rejected (an answer no annotator can give would mark every one wrong). */
static char *
check_gold (LbSchema   *schema,
            const char *meta_json)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *gold;
  JsonNode *node, *labels;
  const char *decision, *reason;

  /* the meta is written compactly by json-glib or read_flat_line(): a key
   * "gold" is there as such */
  if (schema == NULL || meta_json == NULL || strstr (meta_json, "\"gold\"") == NULL)
    return NULL;
  root = json_from_string (meta_json, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  node = json_object_get_member (json_node_get_object (root), "gold");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;  /* not a gold answer */
  gold = json_node_get_object (node);

  labels = json_object_get_member (gold, "labels");
  if (labels != NULL && JSON_NODE_HOLDS_NULL (labels))
    labels = NULL;
  if (labels != NULL)
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (labels) ? json_node_get_array (labels) : NULL;
      guint n = array != NULL ? json_array_get_length (array) : 0;

      if (array == NULL)
        return g_strdup (_("gold answer: “labels” is not an array of label ids"));
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *label;

          if (!JSON_NODE_HOLDS_VALUE (element)
              || json_node_get_value_type (element) != G_TYPE_STRING)
            return g_strdup (_("gold answer: “labels” is not an array of label ids"));
          label = json_node_get_string (element);
          if (lb_schema_find_label (schema, label) == NULL)
            return g_strdup_printf (_("gold answer: unknown label “%s”"), label);
        }
      if (n > 1 && !lb_schema_get_multi_label (schema))
        return g_strdup (_("gold answer: several labels, but the schema allows one per item"));
    }

  if (!get_optional_string (gold, "decision", &decision))
    return g_strdup (_("gold answer: “decision” is not a string"));
  if (decision != NULL && lb_schema_find_decision (schema, decision) == NULL)
    return g_strdup_printf (_("gold answer: unknown decision “%s”"), decision);

  if (!get_optional_string (gold, "reason", &reason))
    return g_strdup (_("gold answer: “reason” is not a string"));
  if (reason != NULL && lb_schema_find_reason (schema, reason) == NULL)
    return g_strdup_printf (_("gold answer: unknown reason “%s”"), reason);

  if (labels == NULL && decision == NULL && reason == NULL)
    return g_strdup (_("gold answer: it gives no “labels”, “decision” or “reason”"));
  return NULL;
}

/* An item of a manifest (JSONL or CSV), after its own format is parsed. */
static gboolean
add_manifest_item (Importer    *im,
                   guint        line,
                   const char  *id,
                   const char  *image,
                   const char  *text,
                   gsize        text_length,
                   const char  *meta_json,
                   GError     **error)
{
  const char *file = im->display_path;
  const char *kept_id;
  const char *hash = NULL;
  const char *reason;

  if (id == NULL || *id == '\0')
    {
      reject (im, file, line, _("missing “id”"));
      return TRUE;
    }
  if (!g_utf8_validate (id, -1, NULL))
    {
      reject (im, file, line, _("“id” is not valid UTF-8"));
      return TRUE;
    }
  if ((reason = check_id (id)) != NULL)
    {
      reject (im, file, line, "%s", reason);
      return TRUE;
    }
  if (g_hash_table_contains (im->seen_ids, id))
    {
      reject (im, file, line, _("duplicate id “%s”"), id);
      return TRUE;
    }
  if (image == NULL && text == NULL)
    {
      reject (im, file, line, _("neither “image” nor “text”"));
      return TRUE;
    }
  if (image != NULL && text != NULL)
    {
      reject (im, file, line, _("both “image” and “text”"));
      return TRUE;
    }
  {
    g_autofree char *why = check_gold (im->item_schema, meta_json);

    if (why != NULL)
      {
        reject (im, file, line, "%s", why);
        return TRUE;
      }
  }

  if (image != NULL)
    {
      g_autofree char *full = NULL;
      g_autofree char *why = NULL;

      if (!g_utf8_validate (image, -1, NULL))
        {
          reject (im, file, line, _("the image path is not valid UTF-8"));
          return TRUE;
        }
      if ((why = normalize_relative_path (im, image)) != NULL)
        {
          reject (im, file, line, "%s: %s", image, why);
          return TRUE;
        }
      if (!has_image_extension (im->scratch->str))
        {
          reject (im, file, line, _("%s: not a PNG or JPEG image (the name must end in .png, "
                                    ".jpg or .jpeg)"), image);
          return TRUE;
        }

      full = g_build_filename (im->root, im->scratch->str, NULL);
      if ((why = check_image_file (im, full, &hash)) != NULL)
        {
          reject (im, file, line, "%s: %s", image, why);
          return TRUE;
        }
    }
  else if ((reason = check_text (text, text_length)) != NULL)
    {
      reject (im, file, line, "%s", reason);
      return TRUE;
    }
  else
    {
      hash = hash_bytes (im, text, text_length);
    }

  kept_id = g_string_chunk_insert (im->ids, id);
  g_hash_table_add (im->seen_ids, (gpointer) kept_id);

  /* im->scratch still holds the normalised image path */
  im->origin_file = file;
  im->origin_line = line;
  return add_item (im, kept_id, TRUE, image ? LB_ITEM_KIND_IMAGE : LB_ITEM_KIND_TEXT,
                   image ? im->scratch->str : NULL, text, text_length, meta_json, hash, error);
}

/* JSON helpers */

/* json-glib says "<data>:1:17: Parse error: unexpected ..."; keep the
 * column and the explanation. */
static char *
json_error_reason (const GError *error)
{
  const char *message = error->message;
  guint line_no, column;
  int consumed = 0;

  if (sscanf (message, "<data>:%u:%u: %n", &line_no, &column, &consumed) == 2 && consumed > 0)
    {
      message += consumed;
      if (g_str_has_prefix (message, "Parse error: "))
        message += strlen ("Parse error: ");
      return g_strdup_printf (_("invalid JSON (column %u): %s"), column, message);
    }

  return g_strdup_printf (_("invalid JSON: %s"), message);
}

/* Returns NULL and sets *meta_json (owned by the caller) or the reason. */
static char *
meta_to_json (JsonNode  *node,
              char     **meta_json)
{
  *meta_json = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup (_("“meta” is not an object"));

  *meta_json = json_to_string (node, FALSE);
  if (strlen (*meta_json) > LB_IMPORT_MAX_TEXT_BYTES)
    {
      g_clear_pointer (meta_json, g_free);
      return g_strdup (_("“meta” too long (more than 1 MiB)"));
    }
  return NULL;
}

/* JSONL */

static gboolean
is_blank (const char *p,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (p[i]))
      return FALSE;
  return TRUE;
}

/* A fast path for the common line: a flat object whose values are strings,
 * numbers, true, false or null ({"id": "...", "text": "..."}). It either
 * reads the line exactly as json-glib would, or gives up (returns FALSE)
 * and the line goes through json-glib, which also explains any error. */

typedef struct {
  GString  *key;
  GString  *id;
  GString  *image;
  GString  *text;
  GString  *other;
  GString  *meta;
  gboolean  has_id;
  gboolean  has_image;
  gboolean  has_text;
  gboolean  has_meta;
} FlatLine;

static void
flat_line_clear (FlatLine *flat)
{
  g_string_free (flat->key, TRUE);
  g_string_free (flat->id, TRUE);
  g_string_free (flat->image, TRUE);
  g_string_free (flat->text, TRUE);
  g_string_free (flat->other, TRUE);
  g_string_free (flat->meta, TRUE);
}

static const char *
skip_space (const char *p,
            const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    p++;
  return p;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (const char *p,
           const char *end,
           gunichar   *value)
{
  *value = 0;
  if (end - p < 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return FALSE;
      *value = (*value << 4) | digit;
    }
  return TRUE;
}

/* Reads a string (p is on its opening quote) into out; NULL to give up. */
static const char *
flat_string (const char *p,
             const char *end,
             GString    *out)
{
  g_string_truncate (out, 0);
  p++;

  for (;;)
    {
      const char *run = p;

      while (p < end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        p++;
      if (p > run)
        g_string_append_len (out, run, p - run);
      if (p >= end || (guchar) *p < 0x20)
        return NULL;
      if (*p == '"')
        return p + 1;

      /* an escape */
      if (++p >= end)
        return NULL;
      switch (*p)
        {
        case '"': g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/': g_string_append_c (out, '/'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar c, low;

            if (!read_hex4 (p + 1, end, &c))
              return NULL;
            p += 4;
            if (c >= 0xdc00 && c <= 0xdfff)
              return NULL;
            if (c >= 0xd800 && c <= 0xdbff)
              {
                if (end - p < 7 || p[1] != '\\' || p[2] != 'u' || !read_hex4 (p + 3, end, &low) ||
                    low < 0xdc00 || low > 0xdfff)
                  return NULL;
                c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
                p += 6;
              }
            if (c == 0)
              return NULL;
            g_string_append_unichar (out, c);
          }
          break;
        default:
          return NULL;
        }
      p++;
    }
}

/* Checks a JSON number (p on its first character); NULL to give up.
 * *integer tells whether it is a plain integer that fits an id. */
static const char *
flat_number (const char *p,
             const char *end,
             gboolean   *integer)
{
  const char *start = p;

  *integer = TRUE;
  if (p < end && *p == '-')
    p++;
  if (p >= end || !g_ascii_isdigit (*p))
    return NULL;
  if (*p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  if (p < end && *p == '.')
    {
      *integer = FALSE;
      p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *integer = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return NULL;
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p - start > 18 || (start[0] == '-' && p - start == 2 && start[1] == '0'))
    *integer = FALSE;
  return p;
}

static gboolean
flat_literal (const char **p,
              const char  *end,
              const char  *word)
{
  gsize length = strlen (word);

  if ((gsize) (end - *p) < length || memcmp (*p, word, length) != 0)
    return FALSE;
  *p += length;
  return TRUE;
}

/* Skips a string without escapes or control characters (p is on its
 * opening quote); NULL when it has any. */
static const char *
skip_plain_string (const char *p,
                   const char *end)
{
  for (p++; p < end; p++)
    {
      if (*p == '"')
        return p + 1;
      if (*p == '\\' || (guchar) *p < 0x20)
        return NULL;
    }
  return NULL;
}

#define COMPACT_MAX_DEPTH 32
#define COMPACT_MAX_KEYS 32

/* Appends a JSON value to out without white space, exactly as json-glib
 * writes it back, for the common subset: objects, arrays, strings without
 * escapes, integers, true, false and null. Gives up (NULL) on anything
 * else, on repeated keys and on deep nesting: json-glib then does it. */
static const char *
compact_value (const char *p,
               const char *end,
               GString    *out,
               guint       depth)
{
  const char *start = p;

  if (p >= end || depth > COMPACT_MAX_DEPTH)
    return NULL;

  if (*p == '{' || *p == '[')
    {
      struct { const char *name; gsize length; } keys[COMPACT_MAX_KEYS];
      gboolean is_object = *p == '{';
      char close = is_object ? '}' : ']';
      guint n_keys = 0;

      g_string_append_c (out, *p);
      p = skip_space (p + 1, end);
      if (p < end && *p == close)
        {
          g_string_append_c (out, close);
          return p + 1;
        }

      for (;;)
        {
          if (is_object)
            {
              const char *key = p;

              if (p >= end || *p != '"' || !(p = skip_plain_string (p, end)) ||
                  n_keys == COMPACT_MAX_KEYS)
                return NULL;
              for (guint i = 0; i < n_keys; i++)
                if (keys[i].length == (gsize) (p - key) && memcmp (keys[i].name, key, p - key) == 0)
                  return NULL;
              keys[n_keys].name = key;
              keys[n_keys].length = p - key;
              n_keys++;

              g_string_append_len (out, key, p - key);
              p = skip_space (p, end);
              if (p >= end || *p != ':')
                return NULL;
              g_string_append_c (out, ':');
              p = skip_space (p + 1, end);
            }

          if (!(p = compact_value (p, end, out, depth + 1)))
            return NULL;
          p = skip_space (p, end);
          if (p < end && *p == ',')
            {
              g_string_append_c (out, ',');
              p = skip_space (p + 1, end);
              continue;
            }
          if (p < end && *p == close)
            {
              g_string_append_c (out, close);
              return p + 1;
            }
          return NULL;
        }
    }

  if (*p == '"')
    p = skip_plain_string (p, end);
  else if (*p == '-' || g_ascii_isdigit (*p))
    {
      gboolean integer;

      if (!(p = flat_number (p, end, &integer)) || !integer)
        return NULL;
    }
  else if (!flat_literal (&p, end, "true") && !flat_literal (&p, end, "false") &&
           !flat_literal (&p, end, "null"))
    return NULL;

  if (p != NULL)
    g_string_append_len (out, start, p - start);
  return p;
}

/* A "meta" object written compactly; FALSE to leave it to json-glib. */
static gboolean
compact_meta (const char *p,
              const char *end,
              GString    *out)
{
  g_string_truncate (out, 0);
  p = skip_space (p, end);
  if (p >= end || *p != '{' || !(p = compact_value (p, end, out, 0)))
    return FALSE;
  return skip_space (p, end) == end;
}

static gboolean
read_flat_line (FlatLine   *flat,
                const char *p,
                const char *end)
{
  flat->has_id = flat->has_image = flat->has_text = flat->has_meta = FALSE;

  p = skip_space (p, end);
  if (p >= end || *p != '{')
    return FALSE;
  p = skip_space (p + 1, end);

  for (;;)
    {
      GString *target = flat->other;
      gboolean *has = NULL;
      gboolean is_id = FALSE;
      gboolean is_meta = FALSE;

      if (p >= end || *p != '"' || !(p = flat_string (p, end, flat->key)))
        return FALSE;
      p = skip_space (p, end);
      if (p >= end || *p != ':')
        return FALSE;
      p = skip_space (p + 1, end);
      if (p >= end)
        return FALSE;

      if (g_str_equal (flat->key->str, "id"))
        target = flat->id, has = &flat->has_id, is_id = TRUE;
      else if (g_str_equal (flat->key->str, "image"))
        target = flat->image, has = &flat->has_image;
      else if (g_str_equal (flat->key->str, "text"))
        target = flat->text, has = &flat->has_text;
      else if (g_str_equal (flat->key->str, "meta"))
        is_meta = TRUE;

      if (is_meta && *p == '{')
        {
          g_string_truncate (flat->meta, 0);
          if (!(p = compact_value (p, end, flat->meta, 0)))
            return FALSE;
          flat->has_meta = TRUE;
        }
      else if (*p == '"')
        {
          /* a string "meta" is rejected by the slow path */
          if (is_meta || !(p = flat_string (p, end, target)))
            return FALSE;
          if (has != NULL)
            *has = TRUE;
        }
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          const char *start = p;
          gboolean integer;

          if (is_meta || (has != NULL && !is_id) || !(p = flat_number (p, end, &integer)))
            return FALSE;
          if (is_id)
            {
              if (!integer)
                return FALSE;
              g_string_truncate (flat->id, 0);
              g_string_append_len (flat->id, start, p - start);
              flat->has_id = TRUE;
            }
        }
      else if (flat_literal (&p, end, "null"))
        {
          if (has != NULL)
            *has = FALSE;
          if (is_meta)
            flat->has_meta = FALSE;
        }
      else if (flat_literal (&p, end, "true") || flat_literal (&p, end, "false"))
        {
          if (has != NULL || is_meta)
            return FALSE;
        }
      else
        return FALSE;  /* objects, arrays and errors: json-glib */

      p = skip_space (p, end);
      if (p < end && *p == ',')
        {
          p = skip_space (p + 1, end);
          continue;
        }
      if (p < end && *p == '}')
        break;
      return FALSE;
    }

  return skip_space (p + 1, end) == end;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FlatLine, flat_line_clear)

/* The member NAME of OBJECT in *VALUE: NULL when it is missing or null.
 * FALSE when it is there but not a string. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *name,
                     const char **value)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  *value = json_node_get_string (node);
  return TRUE;
}

/* Whether a string of the JSON line holds the escape \u0000; *member is
 * then the top-level member it is in (or is), "" when there is none.
 * json-glib's strings end at a NUL, so such lines are rejected before they
 * are read, on either path. */
static gboolean
find_nul_escape (const char  *p,
                 gsize        length,
                 char       **member)
{
  const char *end = p + length;
  g_autofree char *key = NULL;
  int depth = 0;

  *member = NULL;
  if (memchr (p, '\\', length) == NULL)
    return FALSE;

  while (p < end)
    {
      if (*p == '"')
        {
          const char *start = ++p;
          const char *after;
          gboolean has_nul = FALSE;
          gboolean is_key;

          while (p < end && *p != '"')
            {
              if (*p == '\\')
                {
                  if (end - p >= 6 && memcmp (p + 1, "u0000", 5) == 0)
                    has_nul = TRUE;
                  p += 2;
                }
              else
                p++;
            }
          if (p > end)
            p = end;
          for (after = p + 1; after < end && g_ascii_isspace (*after); after++)
            ;
          is_key = after < end && *after == ':';
          if (depth == 1 && is_key)
            {
              g_free (key);
              key = g_strndup (start, p - start);
            }
          if (has_nul)
            {
              *member = g_strdup (depth == 1 && is_key ? "" : key != NULL ? key : "");
              return TRUE;
            }
          p++;
          continue;
        }
      if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        depth--;
      p++;
    }
  return FALSE;
}

/* Whether the number that is the line's top-level "id" (the last one, as
 * json-glib keeps it) fits a 64-bit integer: json-glib wraps one that does
 * not (2^64 - 1 reads as -1), which would give the item another id. TRUE
 * when the number is not found as such (its key written with escapes). */
static gboolean
id_number_fits (const char *p,
                gsize       length)
{
  const char *end = p + length;
  g_autofree char *token = NULL;
  int depth = 0;

  while (p < end)
    {
      if (*p == '"')
        {
          const char *start = ++p;
          gsize key_length;

          while (p < end && *p != '"')
            p += *p == '\\' ? 2 : 1;
          if (p >= end)
            break;
          key_length = p - start;
          for (p++; p < end && g_ascii_isspace (*p); p++)
            ;
          if (depth == 1 && p < end && *p == ':' && key_length == 2
              && memcmp (start, "id", 2) == 0)
            {
              const char *value;

              for (p++; p < end && g_ascii_isspace (*p); p++)
                ;
              for (value = p; p < end && (g_ascii_isdigit (*p) || *p == '-'); p++)
                ;
              g_free (token);
              token = p > value ? g_strndup (value, p - value) : NULL;
            }
          continue;
        }
      if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        depth--;
      p++;
    }

  return token == NULL
         || g_ascii_string_to_signed (token, 10, G_MININT64, G_MAXINT64, NULL, NULL);
}

static gboolean
import_jsonl_line (Importer    *im,
                   JsonParser  *parser,
                   FlatLine    *flat,
                   guint        line,
                   const char  *data,
                   gsize        length,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *meta_json = NULL;
  g_autofree char *why = NULL;
  char number[32];
  JsonObject *object;
  JsonNode *root, *node;
  const char *id = NULL;
  const char *image = NULL;
  const char *text = NULL;
  gsize text_length = 0;

  if (!g_utf8_validate (data, length, NULL))
    {
      reject (im, im->display_path, line, _("text is not valid UTF-8"));
      return TRUE;
    }

  if (find_nul_escape (data, length, &why))
    {
      if (*why != '\0')
        reject (im, im->display_path, line, _("“%s” contains a NUL character"), why);
      else
        reject (im, im->display_path, line, _("a string contains a NUL character"));
      return TRUE;
    }
  g_clear_pointer (&why, g_free);

  if (read_flat_line (flat, data, data + length))
    {
      if (flat->has_meta && flat->meta->len > LB_IMPORT_MAX_TEXT_BYTES)
        {
          reject (im, im->display_path, line, _("“meta” too long (more than 1 MiB)"));
          return TRUE;
        }
      return add_manifest_item (im, line,
                                flat->has_id ? flat->id->str : NULL,
                                flat->has_image ? flat->image->str : NULL,
                                flat->has_text ? flat->text->str : NULL,
                                flat->has_text ? flat->text->len : 0,
                                flat->has_meta ? flat->meta->str : NULL, error);
    }

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      why = json_error_reason (local_error);
      reject (im, im->display_path, line, "%s", why);
      return TRUE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      reject (im, im->display_path, line, _("not a JSON object"));
      return TRUE;
    }
  object = json_node_get_object (root);

  node = json_object_get_member (object, "id");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        id = json_node_get_string (node);
      else if (type == G_TYPE_INT64)
        {
          if (!id_number_fits (data, length))
            {
              reject (im, im->display_path, line,
                      _("“id” is an integer too large for an id (write it as a string)"));
              return TRUE;
            }
          g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, json_node_get_int (node));
          id = number;
        }
    }
  if (node != NULL && id == NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      reject (im, im->display_path, line, _("“id” is not a string or an integer"));
      return TRUE;
    }

  if (!get_optional_string (object, "image", &image))
    {
      reject (im, im->display_path, line, _("“image” is not a string"));
      return TRUE;
    }

  if (!get_optional_string (object, "text", &text))
    {
      reject (im, im->display_path, line, _("“text” is not a string"));
      return TRUE;
    }
  if (text != NULL)
    text_length = strlen (text);

  node = json_object_get_member (object, "gold");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonNode *meta = json_object_get_member (object, "meta");

      /* a known answer (gold item, see lb_store_mark_gold()): kept in the
       * item's meta as "gold" */
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          reject (im, im->display_path, line, _("“gold” is not an object"));
          return TRUE;
        }
      if (meta == NULL || JSON_NODE_HOLDS_NULL (meta))
        {
          json_object_set_object_member (object, "meta", json_object_new ());
          meta = json_object_get_member (object, "meta");
        }
      if (JSON_NODE_HOLDS_OBJECT (meta))
        json_object_set_member (json_node_get_object (meta), "gold", json_node_copy (node));
    }

  if ((why = meta_to_json (json_object_get_member (object, "meta"), &meta_json)) != NULL)
    {
      reject (im, im->display_path, line, "%s", why);
      return TRUE;
    }

  return add_manifest_item (im, line, id, image, text, text_length, meta_json, error);
}

static gboolean
import_jsonl (Importer    *im,
              const char  *data,
              gsize        length,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_auto(FlatLine) flat = {
    g_string_new (NULL), g_string_new (NULL), g_string_new (NULL), g_string_new (NULL),
    g_string_new (NULL), g_string_new (NULL),
  };
  const char *p = data;
  const char *end = data + length;
  guint line = 0;

  if (length >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;

  while (p < end)
    {
      const char *newline = memchr (p, '\n', end - p);
      const char *line_end = newline ? newline : end;
      gsize line_length = line_end - p;

      line++;
      if (line_length > 0 && p[line_length - 1] == '\r')
        line_length--;

      if (line_length > MAX_LINE_BYTES)
        reject (im, im->display_path, line, _("line too long (more than 8 MiB)"));
      else if (!is_blank (p, line_length) &&
               !import_jsonl_line (im, parser, &flat, line, p, line_length, error))
        return FALSE;

      p = newline ? newline + 1 : end;
    }

  return TRUE;
}

/* CSV (RFC 4180) */

typedef enum {
  CSV_RECORD,
  CSV_END,
  CSV_UNTERMINATED,
} CsvStatus;

typedef struct {
  const char *p;
  const char *end;
  guint       line;     /* the line p is on, 1-based */
  GString    *fields;   /* the record's fields, each followed by a NUL */
  GArray     *starts;   /* of gsize: where each field starts in fields */
  GArray     *lengths;  /* of gsize */
  gboolean    too_long; /* the record's fields did not fit in MAX_LINE_BYTES */
} CsvReader;

/* Keeps at most MAX_LINE_BYTES of a record: the rest is skipped. */
static inline void
csv_append (CsvReader  *r,
            const char *data,
            gsize       length)
{
  if (r->fields->len + length > MAX_LINE_BYTES)
    r->too_long = TRUE;
  else
    g_string_append_len (r->fields, data, length);
}

static void
csv_end_field (CsvReader *r,
               gsize      start)
{
  gsize length = r->fields->len - start;

  g_array_append_val (r->starts, start);
  g_array_append_val (r->lengths, length);
  g_string_append_c (r->fields, '\0');
}

/* Reads one record; *start_line is the line it starts on. */
static CsvStatus
csv_read_record (CsvReader *r,
                 guint     *start_line)
{
  const char *p = r->p;
  const char *end = r->end;

  if (p >= end)
    return CSV_END;

  *start_line = r->line;
  r->too_long = FALSE;
  g_string_truncate (r->fields, 0);
  g_array_set_size (r->starts, 0);
  g_array_set_size (r->lengths, 0);

  for (;;)
    {
      gsize start = r->fields->len;
      const char *run;

      if (p < end && *p == '"')
        {
          p++;
          for (;;)
            {
              const char *quote = memchr (p, '"', end - p);

              if (quote == NULL)
                {
                  r->p = end;
                  return CSV_UNTERMINATED;
                }

              for (const char *q = p; (q = memchr (q, '\n', quote - q)) != NULL; q++)
                r->line++;
              csv_append (r, p, quote - p);
              p = quote + 1;

              if (p < end && *p == '"')
                {
                  csv_append (r, "\"", 1);
                  p++;
                  continue;
                }
              break;
            }
        }

      /* Unquoted data (or, leniently, anything after a closing quote) */
      run = p;
      while (p < end && *p != ',' && *p != '\n' && *p != '\r')
        p++;
      if (p > run)
        csv_append (r, run, p - run);
      csv_end_field (r, start);

      if (p >= end)
        break;
      if (*p == ',')
        {
          p++;
          continue;
        }
      if (*p == '\r')
        p++;
      if (p < end && *p == '\n')
        p++;
      r->line++;
      break;
    }

  r->p = p;
  return CSV_RECORD;
}

static const char *
csv_field (CsvReader *r,
           int        column,
           gsize     *length)
{
  if (column < 0)
    return NULL;
  if (length != NULL)
    *length = g_array_index (r->lengths, gsize, column);
  return r->fields->str + g_array_index (r->starts, gsize, column);
}

typedef struct {
  CsvReader reader;
  guint     n_columns;
  int       id;
  int       image;
  int       text;
  int       meta;
} CsvManifest;

static void
csv_manifest_clear (CsvManifest *csv)
{
  if (csv->reader.fields != NULL)
    g_string_free (csv->reader.fields, TRUE);
  g_clear_pointer (&csv->reader.starts, g_array_unref);
  g_clear_pointer (&csv->reader.lengths, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CsvManifest, csv_manifest_clear)

/* Reads the header: the whole import fails when it is unusable. */
static gboolean
csv_read_header (CsvManifest  *csv,
                 const char   *display_path,
                 const char   *data,
                 gsize         length,
                 GError      **error)
{
  CsvReader *r = &csv->reader;
  guint line;

  r->p = data;
  r->end = data + length;
  r->line = 1;
  r->fields = g_string_sized_new (256);
  r->starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  csv->id = csv->image = csv->text = csv->meta = -1;

  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    r->p += 3;

  if (csv_read_record (r, &line) != CSV_RECORD)
    {
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                   _("%s: no header row (it must name the “id” and “image” or “text” "
                     "columns)"), display_path);
      return FALSE;
    }

  csv->n_columns = r->starts->len;
  for (guint i = 0; i < csv->n_columns; i++)
    {
      g_autofree char *name = g_strstrip (g_strdup (csv_field (r, i, NULL)));
      int *column = NULL;

      if (g_ascii_strcasecmp (name, "id") == 0)
        column = &csv->id;
      else if (g_ascii_strcasecmp (name, "image") == 0)
        column = &csv->image;
      else if (g_ascii_strcasecmp (name, "text") == 0)
        column = &csv->text;
      else if (g_ascii_strcasecmp (name, "meta") == 0)
        column = &csv->meta;

      if (column != NULL && *column >= 0)
        {
          g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                       _("%s:1: the header names the column “%s” twice"), display_path, name);
          return FALSE;
        }
      if (column != NULL)
        *column = i;
    }

  if (csv->id < 0)
    {
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                   _("%s:1: the header has no “id” column"), display_path);
      return FALSE;
    }
  if (csv->image < 0 && csv->text < 0)
    {
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                   _("%s:1: the header has neither an “image” nor a “text” column"),
                   display_path);
      return FALSE;
    }

  return TRUE;
}

static gboolean
import_csv (Importer     *im,
            CsvManifest  *csv,
            GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GString) compact = g_string_new (NULL);
  CsvReader *r = &csv->reader;
  CsvStatus status;
  guint line = 0;

  while ((status = csv_read_record (r, &line)) == CSV_RECORD)
    {
      g_autofree char *meta_json = NULL;
      const char *image = NULL;
      const char *text = NULL;
      gsize length = 0;
      gsize text_length = 0;

      /* A blank line */
      if (r->starts->len == 1 && g_array_index (r->lengths, gsize, 0) == 0 && !r->too_long)
        continue;

      if (r->too_long)
        {
          reject (im, im->display_path, line, _("record too long (more than 8 MiB)"));
          continue;
        }

      if (r->starts->len != csv->n_columns)
        {
          reject (im, im->display_path, line,
                  _("wrong number of fields (%u; the header has %u)"),
                  r->starts->len, csv->n_columns);
          continue;
        }

      if (csv->image >= 0 && (image = csv_field (r, csv->image, &length)) != NULL && length == 0)
        image = NULL;
      if (csv->text >= 0 && (text = csv_field (r, csv->text, &text_length)) != NULL &&
          text_length == 0)
        text = NULL;

      /* An embedded NUL would cut a field short */
      if (text != NULL && strlen (text) != text_length)
        {
          reject (im, im->display_path, line, _("text is not valid UTF-8"));
          continue;
        }
      if ((image != NULL && strlen (image) != length) ||
          strlen (csv_field (r, csv->id, NULL)) != g_array_index (r->lengths, gsize, csv->id))
        {
          reject (im, im->display_path, line, _("a field holds a NUL byte"));
          continue;
        }

      if (csv->meta >= 0)
        {
          const char *meta = csv_field (r, csv->meta, &length);

          if (!is_blank (meta, length))
            {
              g_autoptr(GError) local_error = NULL;
              g_autofree char *why = NULL;

              if (!g_utf8_validate (meta, length, NULL))
                why = g_strdup (_("“meta” is not valid UTF-8"));
              else if (compact_meta (meta, meta + length, compact))
                {
                  if (compact->len > LB_IMPORT_MAX_TEXT_BYTES)
                    why = g_strdup (_("“meta” too long (more than 1 MiB)"));
                  else
                    meta_json = g_strndup (compact->str, compact->len);
                }
              else if (!json_parser_load_from_data (parser, meta, length, &local_error))
                {
                  g_autofree char *json_why = json_error_reason (local_error);

                  why = g_strdup_printf (_("“meta”: %s"), json_why);
                }
              else
                why = meta_to_json (json_parser_get_root (parser), &meta_json);

              if (why != NULL)
                {
                  reject (im, im->display_path, line, "%s", why);
                  continue;
                }
            }
        }

      if (!add_manifest_item (im, line, csv_field (r, csv->id, NULL), image, text, text_length,
                              meta_json, error))
        return FALSE;
    }

  if (status == CSV_UNTERMINATED)
    reject (im, im->display_path, line, _("unterminated quoted field"));

  return TRUE;
}

/* Folders */

typedef struct {
  char     *name;
  char     *key;      /* the name, with a '/' appended for folders */
  gboolean  is_dir;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->name);
  g_free (entry->key);
}

static int
entry_compare (gconstpointer a,
               gconstpointer b)
{
  return strcmp (((const Entry *) a)->key, ((const Entry *) b)->key);
}

static gboolean
import_text_file (Importer    *im,
                  const char  *display,
                  const char  *path,
                  const char  *relative,
                  gboolean     is_link,
                  GError     **error)
{
  g_autofree char *why = NULL;
  const char *text;
  const char *reason;
  gsize length;
  struct stat st;
  gssize n_read;
  int read_errno = 0;
  int fd;

  if (is_link && (why = check_inside_root (im, path)) != NULL)
    {
      reject (im, display, 0, "%s", why);
      return TRUE;
    }

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      reject (im, display, 0, _("cannot read the file: %s"), g_strerror (errno));
      return TRUE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      reject (im, display, 0, _("not a regular file"));
      return TRUE;
    }
  if (st.st_size > LB_IMPORT_MAX_TEXT_BYTES + 3)
    {
      close (fd);
      reject (im, display, 0, _("text too long (more than 1 MiB)"));
      return TRUE;
    }

  g_string_truncate (im->scratch, 0);
  for (;;)
    {
      n_read = read (fd, im->block, READ_BLOCK_SIZE);
      if (n_read < 0 && errno == EINTR)
        continue;
      if (n_read < 0)
        read_errno = errno;
      if (n_read <= 0)
        break;
      g_string_append_len (im->scratch, (const char *) im->block, n_read);
      if (im->scratch->len > LB_IMPORT_MAX_TEXT_BYTES + 3)
        break;
    }
  close (fd);
  if (n_read < 0)
    {
      reject (im, display, 0, _("cannot read the file: %s"), g_strerror (read_errno));
      return TRUE;
    }

  text = im->scratch->str;
  length = im->scratch->len;
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    {
      text += 3;
      length -= 3;
    }

  if ((reason = check_text (text, length)) != NULL)
    {
      reject (im, display, 0, "%s", reason);
      return TRUE;
    }

  im->origin_file = display;
  im->origin_line = 0;
  return add_item (im, relative, FALSE, LB_ITEM_KIND_TEXT, NULL, text, length, NULL,
                   hash_bytes (im, text, length), error);
}

static gboolean
import_folder (Importer    *im,
               const char  *display_dir,
               const char  *dir,
               const char  *relative_dir,
               GError     **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  struct dirent *dirent;
  DIR *handle;

  g_array_set_clear_func (entries, entry_clear);

  handle = opendir (dir);
  if (handle == NULL)
    {
      reject (im, display_dir, 0, _("cannot read the folder: %s"), g_strerror (errno));
      return TRUE;
    }

  while ((dirent = readdir (handle)) != NULL)
    {
      Entry entry;
      gboolean is_dir;

      if (dirent->d_name[0] == '.')
        continue;

      if (dirent->d_type == DT_DIR)
        is_dir = TRUE;
      else if (dirent->d_type == DT_UNKNOWN)
        {
          g_autofree char *path = g_build_filename (dir, dirent->d_name, NULL);
          struct stat st;

          is_dir = g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode);
        }
      else
        is_dir = FALSE;

      if (!is_dir && !has_image_extension (dirent->d_name) &&
          !has_text_extension (dirent->d_name))
        continue;

      entry.name = g_strdup (dirent->d_name);
      entry.key = is_dir ? g_strconcat (dirent->d_name, "/", NULL) : g_strdup (dirent->d_name);
      entry.is_dir = is_dir;
      g_array_append_val (entries, entry);
    }
  closedir (handle);

  g_array_sort (entries, entry_compare);

  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *entry = &g_array_index (entries, Entry, i);
      g_autofree char *path = g_build_filename (dir, entry->name, NULL);
      g_autofree char *display = g_build_filename (display_dir, entry->name, NULL);
      g_autofree char *relative = relative_dir ? g_strconcat (relative_dir, "/", entry->name, NULL)
                                               : g_strdup (entry->name);
      struct stat st;
      gboolean is_link;

      if (entry->is_dir)
        {
          if (!import_folder (im, display, path, relative, error))
            return FALSE;
          continue;
        }

      if (g_lstat (path, &st) != 0)
        continue;  /* gone meanwhile */
      is_link = S_ISLNK (st.st_mode);

      /* Symbolic links to folders are not followed (no loops) */
      if (is_link && g_stat (path, &st) == 0 && S_ISDIR (st.st_mode))
        continue;

      if (!g_utf8_validate (relative, -1, NULL))
        {
          g_autofree char *shown = g_filename_display_name (display);

          reject (im, shown, 0, _("the file name is not valid UTF-8"));
          continue;
        }
      if (check_id (relative) != NULL)
        {
          g_autofree char *shown = g_strescape (display, "\"");

          reject (im, shown, 0, _("the file name contains a control character"));
          continue;
        }

      if (has_image_extension (entry->name))
        {
          g_autofree char *why = NULL;
          const char *hash = NULL;

          if ((why = check_image_file (im, path, &hash)) != NULL)
            {
              reject (im, display, 0, "%s", why);
              continue;
            }
          im->origin_file = display;
          im->origin_line = 0;
          if (!add_item (im, relative, FALSE, LB_ITEM_KIND_IMAGE, relative, NULL, 0, NULL, hash,
                         error))
            return FALSE;
        }
      else if (!import_text_file (im, display, path, relative, is_link, error))
        return FALSE;
    }

  return TRUE;
}

/* Label Studio task files (.json): a JSON array of tasks, as Label Studio
 * exports them (https://labelstud.io/guide/export#Label-Studio-JSON-format-of-annotated-tasks).
 * Read one task at a time (see import_label_studio()); the items go to the
 * store in chunks as for the other manifests, and the annotations of each
 * chunk's new items once it is committed. */

/* An added task whose annotations become events once its item is committed */
typedef struct {
  guint       task;          /* 1-based */
  const char *external_id;   /* in im->ids */
  JsonNode   *node;          /* the task (a reference) */
  JsonArray  *annotations;   /* in node */
  LbItemKind  kind;
  char       *image_path;    /* absolute, images */
  const char *text;          /* in the tree, texts */
} LsReplay;

static void
ls_replay_free (gpointer data)
{
  LsReplay *replay = data;

  json_node_unref (replay->node);
  g_free (replay->image_path);
  g_free (replay);
}

static JsonArray *
ls_get_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
ls_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

/* Who made an annotation: Label Studio writes completed_by as a user id
 * (a number, or an object with "id" and "email"): "label-studio:ID" (or
 * "label-studio:EMAIL"). A string is an actor's name, as our own export
 * writes it, and is kept as it is. */
static char *
ls_actor (JsonObject *annotation)
{
  JsonNode *node = json_object_get_member (annotation, "completed_by");

  if (ls_is_string (node) && *json_node_get_string (node) != '\0')
    return g_strdup (json_node_get_string (node));
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("label-studio:%" G_GINT64_FORMAT, json_node_get_int (node));
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *user = json_node_get_object (node);
      JsonNode *email = json_object_get_member (user, "email");
      JsonNode *id = json_object_get_member (user, "id");

      if (ls_is_string (email) && *json_node_get_string (email) != '\0')
        return g_strdup_printf ("label-studio:%s", json_node_get_string (email));
      if (id != NULL && JSON_NODE_HOLDS_VALUE (id) &&
          json_node_get_value_type (id) == G_TYPE_INT64)
        return g_strdup_printf ("label-studio:%" G_GINT64_FORMAT, json_node_get_int (id));
    }
  return g_strdup ("label-studio");
}

/* The prediction kept for the item: the best-scored one, or the first.
 * Returns its "_predictions" JSON (NULL when nothing could be translated);
 * what is left out goes to problems. */
static JsonNode *
ls_translate_predictions (LbLsMapping *mapping,
                          LbSchema    *schema,
                          JsonArray   *predictions,
                          LbItemKind   kind,
                          const char  *image_path,
                          const char  *text,
                          GPtrArray   *problems)
{
  g_autoptr(LbPreAnnotation) pa = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  guint n = json_array_get_length (predictions);
  guint best = G_MAXUINT;
  double best_score = -G_MAXDOUBLE;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (predictions, i);
      JsonNode *score;
      double value = -G_MAXDOUBLE / 2;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_ptr_array_add (problems, g_strdup_printf (_("prediction %u: not a JSON object"),
                                                      i + 1));
          continue;
        }
      score = json_object_get_member (json_node_get_object (node), "score");
      if (score != NULL && JSON_NODE_HOLDS_VALUE (score) &&
          (json_node_get_value_type (score) == G_TYPE_DOUBLE ||
           json_node_get_value_type (score) == G_TYPE_INT64))
        value = json_node_get_double (score);
      if (best == G_MAXUINT || value > best_score)
        {
          best = i;
          best_score = value;
        }
    }
  if (best == G_MAXUINT)
    return NULL;

  for (guint i = 0; i < n; i++)
    if (i != best && JSON_NODE_HOLDS_OBJECT (json_array_get_element (predictions, i)))
      g_ptr_array_add (problems,
                       g_strdup_printf (_("prediction %u: left out (an item keeps one "
                                          "prediction: the best-scored, %u)"), i + 1, best + 1));

  {
    JsonObject *prediction = json_node_get_object (json_array_get_element (predictions, best));
    JsonNode *model = json_object_get_member (prediction, "model_version");
    JsonNode *score = json_object_get_member (prediction, "score");

    pa = _lb_ls_translate (mapping, ls_get_array (prediction, "result"), kind, image_path, text,
                           lines);
    /* what accepting them would be refused is said now */
    _lb_pre_annotation_check (pa, schema, lines);
    for (guint i = 0; i < lines->len; i++)
      g_ptr_array_add (problems, g_strdup_printf (_("prediction %u: %s"), best + 1,
                                                  (char *) g_ptr_array_index (lines, i)));
    if (ls_is_string (model) && *json_node_get_string (model) != '\0')
      pa->model = g_strdup (json_node_get_string (model));
    if (score != NULL && JSON_NODE_HOLDS_VALUE (score) &&
        (json_node_get_value_type (score) == G_TYPE_DOUBLE ||
         json_node_get_value_type (score) == G_TYPE_INT64))
      {
        pa->score = json_node_get_double (score);
        pa->has_score = TRUE;
      }
  }

  if (_lb_pre_annotation_is_empty (pa))
    return NULL;
  return _lb_pre_annotation_to_json (pa);
}

/* Image values that name no file here */
static const char *
ls_remote_reason (const char *value)
{
  if (g_str_has_prefix (value, "/data/upload/"))
    return _("a file uploaded to Label Studio, not available here (copy the images beside the "
             "task file and give their relative paths)");
  if (g_str_has_prefix (value, "/data/local-files/"))
    return _("a file of Label Studio’s local storage, not available here (give the path "
             "relative to the task file)");
  if (g_str_has_prefix (value, "http://") || g_str_has_prefix (value, "https://") ||
      g_str_has_prefix (value, "s3://") || g_str_has_prefix (value, "gs://") ||
      g_str_has_prefix (value, "azure-blob://") || g_str_has_prefix (value, "data:"))
    return _("a URL; only image files in the task file’s folder are imported (download them "
             "beside it and give their relative paths)");
  return NULL;
}

static gboolean
ls_import_task (Importer     *im,
                LbLsMapping  *mapping,
                JsonNode     *node,
                gboolean     *guessed_key,
                GError      **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *full = NULL;
  g_autofree char *meta_json = NULL;
  g_autofree char *why = NULL;
  char number[32];
  JsonObject *task, *data;
  JsonNode *data_node, *value_node, *id_node, *meta_node;
  JsonArray *predictions, *annotations;
  const char *key = NULL;
  const char *value;
  const char *id = NULL;
  LbItemKind kind = LB_ITEM_KIND_TEXT;
  guint n_rejections;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      reject (im, im->display_path, 0, _("not a JSON object"));
      return TRUE;
    }
  task = json_node_get_object (node);
  data_node = json_object_get_member (task, "data");
  if (data_node == NULL || !JSON_NODE_HOLDS_OBJECT (data_node))
    {
      reject (im, im->display_path, 0, _("no “data” object"));
      return TRUE;
    }
  data = json_node_get_object (data_node);

  /* which member of data is the item */
  if (_lb_ls_mapping_get_data_key (mapping, &key, &kind))
    {
      if (!json_object_has_member (data, key))
        {
          reject (im, im->display_path, 0,
                  _("data has no “%s” (the labeling config’s <%s value=\"$%s\">)"), key,
                  kind == LB_ITEM_KIND_IMAGE ? "Image" : "Text", key);
          return TRUE;
        }
    }
  else if (json_object_has_member (data, "image"))
    key = "image", kind = LB_ITEM_KIND_IMAGE;
  else if (json_object_has_member (data, "text"))
    key = "text", kind = LB_ITEM_KIND_TEXT;
  else
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, data);
      while (json_object_iter_next (&iter, &name, &member))
        if (ls_is_string (member) && !g_str_equal (name, "lb_item") &&
            !g_str_equal (name, "lb_batch"))
          {
            key = name;
            break;
          }
      if (key == NULL)
        {
          reject (im, im->display_path, 0,
                  _("data has neither “image” nor “text” nor any other text or path"));
          return TRUE;
        }
      kind = has_image_extension (json_node_get_string (member)) ? LB_ITEM_KIND_IMAGE
                                                                  : LB_ITEM_KIND_TEXT;
      if (!*guessed_key)
        {
          /* said once per file, with the first task it applies to */
          *guessed_key = TRUE;
          reject (im, im->display_path, 0,
                  kind == LB_ITEM_KIND_IMAGE
                    ? _("data has neither “image” nor “text”: “%s” is taken as the image "
                        "(give a labeling config to say which)")
                    : _("data has neither “image” nor “text”: “%s” is taken as the text "
                        "(give a labeling config to say which)"), key);
        }
    }

  value_node = json_object_get_member (data, key);
  if (!ls_is_string (value_node))
    {
      reject (im, im->display_path, 0, _("data.%s is not a string"), key);
      return TRUE;
    }
  value = json_node_get_string (value_node);

  /* the external id: ours (data.lb_item) or Label Studio's task id */
  id_node = json_object_get_member (data, "lb_item");
  if (ls_is_string (id_node))
    id = json_node_get_string (id_node);
  else
    {
      id_node = json_object_get_member (task, "id");
      if (ls_is_string (id_node))
        id = json_node_get_string (id_node);
      else if (id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node) &&
               json_node_get_value_type (id_node) == G_TYPE_INT64)
        {
          g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, json_node_get_int (id_node));
          id = number;
        }
    }
  if (id == NULL)
    {
      reject (im, im->display_path, 0, _("no id (neither data.lb_item nor the task’s “id”)"));
      return TRUE;
    }

  if (kind == LB_ITEM_KIND_IMAGE)
    {
      const char *remote = ls_remote_reason (value);

      if (remote != NULL)
        {
          reject (im, im->display_path, 0, "data.%s “%s”: %s", key, value, remote);
          return TRUE;
        }
      /* checked here already: predictions probe the file */
      if ((why = normalize_relative_path (im, value)) != NULL)
        {
          reject (im, im->display_path, 0, "data.%s “%s”: %s", key, value, why);
          return TRUE;
        }
      full = g_build_filename (im->root, im->scratch->str, NULL);
      if ((why = check_inside_root (im, full)) != NULL)
        {
          reject (im, im->display_path, 0, "data.%s “%s”: %s", key, value, why);
          return TRUE;
        }
    }
  else if (check_text (value, strlen (value)) != NULL)
    {
      reject (im, im->display_path, 0, "data.%s: %s", key, check_text (value, strlen (value)));
      return TRUE;
    }

  /* meta: the task's own "meta", and the pre-annotations */
  meta_node = json_object_get_member (task, "meta");
  predictions = ls_get_array (task, "predictions");
  if ((meta_node != NULL && JSON_NODE_HOLDS_OBJECT (meta_node) &&
       json_object_get_size (json_node_get_object (meta_node)) > 0) ||
      (predictions != NULL && json_array_get_length (predictions) > 0))
    {
      g_autoptr(JsonNode) meta = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();
      JsonNode *kept = NULL;

      /* a new object: the parsed tree is immutable (and the predictions'
       * key is ours: a task's own "_predictions" is not kept) */
      if (meta_node != NULL && JSON_NODE_HOLDS_OBJECT (meta_node))
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *member;

          json_object_iter_init (&iter, json_node_get_object (meta_node));
          while (json_object_iter_next (&iter, &name, &member))
            if (!g_str_equal (name, LB_PREDICTIONS_META_KEY))
              json_object_set_member (object, name, json_node_copy (member));
        }
      json_node_take_object (meta, object);

      if (predictions != NULL && json_array_get_length (predictions) > 0)
        kept = ls_translate_predictions (mapping, im->ls_schema, predictions,
                                         kind, full, kind == LB_ITEM_KIND_TEXT ? value : NULL,
                                         problems);
      if (kept != NULL)
        json_object_set_member (object, LB_PREDICTIONS_META_KEY, kept);
      if (json_object_get_size (object) > 0)
        meta_json = json_to_string (meta, FALSE);
      if (meta_json != NULL && strlen (meta_json) > LB_IMPORT_MAX_TEXT_BYTES)
        {
          reject (im, im->display_path, 0, _("“meta” with the predictions too long (more than "
                                             "1 MiB)"));
          return TRUE;
        }
    }

  n_rejections = im->report->rejections->len;
  if (!add_manifest_item (im, 0, id, kind == LB_ITEM_KIND_IMAGE ? value : NULL,
                          kind == LB_ITEM_KIND_TEXT ? value : NULL,
                          kind == LB_ITEM_KIND_TEXT ? strlen (value) : 0, meta_json, error))
    return FALSE;
  if (im->report->rejections->len != n_rejections)
    return TRUE;  /* the item was rejected: nothing more about it */

  for (guint i = 0; i < problems->len; i++)
    reject (im, im->display_path, 0, "%s", (char *) g_ptr_array_index (problems, i));

  annotations = ls_get_array (task, "annotations");
  if (annotations != NULL && json_array_get_length (annotations) > 0)
    {
      LsReplay *replay = g_new0 (LsReplay, 1);

      replay->task = im->ls_task;
      replay->node = json_node_ref (node);
      replay->external_id = g_string_chunk_insert_const (im->ids, id);
      replay->annotations = annotations;
      replay->kind = kind;
      replay->image_path = g_steal_pointer (&full);
      replay->text = kind == LB_ITEM_KIND_TEXT ? value : NULL;
      g_ptr_array_add (im->ls_replays, replay);
    }
  return TRUE;
}

/* The file is read task by task: a scanner finds where each element of the
 * top-level array starts and ends (strings, brackets and commas only), and
 * json-glib parses that one task. Memory stays that of one chunk of tasks,
 * whatever the file's size. A file whose structure is broken (an unclosed
 * string or bracket, a missing comma) is refused as a whole before anything
 * is imported, with the line and column; a task that json-glib cannot read
 * (a bad literal, say) is rejected alone. */

typedef struct {
  const char *data;
  const char *p;
  const char *end;
  guint       line;        /* of p, 1-based */
  const char *line_start;  /* where that line starts */
} LsScanner;

static void
ls_scanner_advance (LsScanner  *sc,
                    const char *to)
{
  for (const char *q = sc->p; (q = memchr (q, '\n', to - q)) != NULL; q++)
    {
      sc->line++;
      sc->line_start = q + 1;
    }
  sc->p = to;
}

static void
ls_scanner_skip_space (LsScanner *sc)
{
  const char *q = sc->p;

  while (q < sc->end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
    q++;
  ls_scanner_advance (sc, q);
}

static guint
ls_scanner_column (LsScanner  *sc,
                   const char *at)
{
  return (guint) g_utf8_strlen (sc->line_start, at - sc->line_start) + 1;
}

/* A structural error at AT: json-glib's own explanation of the element that
 * starts at START when it has one (it is more precise), else REASON. */
static void
ls_structure_error (LsScanner   *sc,
                    const char  *display_path,
                    const char  *start,
                    guint        start_line,
                    const char  *start_line_start,
                    const char  *at,
                    const char  *reason,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  guint line_no, column;
  int consumed = 0;
  const char *stop = at < sc->end ? at + 1 : sc->end;

  if (start != NULL &&
      !json_parser_load_from_data (parser, start, stop - start, &local_error) &&
      sscanf (local_error->message, "<data>:%u:%u: %n", &line_no, &column, &consumed) == 2 &&
      consumed > 0)
    {
      const char *message = local_error->message + consumed;

      if (g_str_has_prefix (message, "Parse error: "))
        message += strlen ("Parse error: ");
      /* the task's first line starts before it */
      if (line_no == 1)
        column += g_utf8_strlen (start_line_start, start - start_line_start);
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                   _("%s:%u:%u: invalid JSON: %s"), display_path, start_line + line_no - 1,
                   column, message);
      return;
    }

  /* where AT is */
  ls_scanner_advance (sc, MIN (at, sc->end));
  g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID, _("%s:%u:%u: invalid JSON: %s"),
               display_path, sc->line, ls_scanner_column (sc, sc->p), reason);
}

/* json-glib's "<data>:LINE:COLUMN: Parse error: ..." for a task that starts
 * at START, on line LINE of the file (which starts at LINE_START) */
static char *
ls_task_error (const GError *error,
               const char   *start,
               guint         line,
               const char   *line_start)
{
  const char *message = error->message;
  guint line_no, column;
  int consumed = 0;

  if (sscanf (message, "<data>:%u:%u: %n", &line_no, &column, &consumed) == 2 && consumed > 0)
    {
      message += consumed;
      if (g_str_has_prefix (message, "Parse error: "))
        message += strlen ("Parse error: ");
      if (line_no == 1)
        column += g_utf8_strlen (line_start, start - line_start);
      return g_strdup_printf (_("line %u, column %u: invalid JSON: %s"), line + line_no - 1,
                              column, message);
    }
  return g_strdup_printf (_("line %u: invalid JSON: %s"), line, message);
}

#define LS_MAX_DEPTH 256

/* Moves past one JSON value (sc->p on its first character). FALSE at a
 * structural error, *at being where. */
static gboolean
ls_scan_value (LsScanner   *sc,
               const char **at,
               const char **reason)
{
  char stack[LS_MAX_DEPTH];
  guint depth = 0;
  const char *q = sc->p;

  do
    {
      if (q >= sc->end)
        {
          *at = sc->end;
          *reason = _("the file ends inside a task");
          return FALSE;
        }
      switch (*q)
        {
        case '"':
          for (q++; q < sc->end && *q != '"'; q++)
            if (*q == '\\')
              q++;
          if (q >= sc->end)
            {
              *at = sc->end;
              *reason = _("a string is not closed");
              return FALSE;
            }
          q++;
          break;
        case '{':
        case '[':
          if (depth == LS_MAX_DEPTH)
            {
              *at = q;
              *reason = _("nested too deeply");
              return FALSE;
            }
          stack[depth++] = *q == '{' ? '}' : ']';
          q++;
          break;
        case '}':
        case ']':
          if (depth == 0 || stack[depth - 1] != *q)
            {
              *at = q;
              *reason = *q == '}' ? _("unexpected “}”") : _("unexpected “]”");
              return FALSE;
            }
          depth--;
          q++;
          break;
        default:
          if (depth == 0)
            {
              /* a scalar on its own: up to the next delimiter */
              while (q < sc->end && !strchr (",]} \t\r\n", *q))
                q++;
            }
          else
            {
              const char *next = q + 1;

              /* runs without anything structural in them */
              while (next < sc->end && *next != '"' && *next != '{' && *next != '[' &&
                     *next != '}' && *next != ']')
                next++;
              q = next;
            }
          break;
        }
    }
  while (depth > 0);

  ls_scanner_advance (sc, q);
  return TRUE;
}

typedef enum {
  LS_NEXT_TASK,
  LS_NEXT_END,
  LS_NEXT_ERROR,
} LsNext;

/* The next task: *start, *length, *line and *line_start (the line it starts
 * on and where that line starts: columns are only counted for messages) */
static LsNext
ls_scanner_next (LsScanner   *sc,
                 const char  *display_path,
                 guint        index,
                 const char **start,
                 gsize       *length,
                 guint       *line,
                 const char **line_start,
                 GError     **error)
{
  const char *at = NULL;
  const char *reason = NULL;

  ls_scanner_skip_space (sc);
  if (index > 0)
    {
      if (sc->p < sc->end && *sc->p == ']')
        {
          ls_scanner_advance (sc, sc->p + 1);
          ls_scanner_skip_space (sc);
          if (sc->p < sc->end)
            {
              ls_structure_error (sc, display_path, NULL, 0, 0, sc->p,
                                  _("something after the end of the list of tasks"), error);
              return LS_NEXT_ERROR;
            }
          return LS_NEXT_END;
        }
      if (sc->p >= sc->end || *sc->p != ',')
        {
          ls_structure_error (sc, display_path, NULL, 0, 0, sc->p,
                              sc->p >= sc->end ? _("the list of tasks is not closed (“]”)")
                                               : _("“,” or “]” expected after a task"), error);
          return LS_NEXT_ERROR;
        }
      ls_scanner_advance (sc, sc->p + 1);
      ls_scanner_skip_space (sc);
    }
  else if (sc->p < sc->end && *sc->p == ']')
    {
      ls_scanner_advance (sc, sc->p + 1);
      ls_scanner_skip_space (sc);
      return sc->p < sc->end ? (ls_structure_error (sc, display_path, NULL, 0, 0, sc->p,
                                                    _("something after the end of the list of "
                                                      "tasks"), error), LS_NEXT_ERROR)
                             : LS_NEXT_END;
    }

  *start = sc->p;
  *line = sc->line;
  *line_start = sc->line_start;
  if (sc->p >= sc->end || *sc->p == ']' || *sc->p == ',')
    {
      ls_structure_error (sc, display_path, NULL, 0, 0, sc->p,
                          sc->p >= sc->end ? _("the list of tasks is not closed (“]”)")
                                           : _("a task expected"), error);
      return LS_NEXT_ERROR;
    }
  if (!ls_scan_value (sc, &at, &reason))
    {
      ls_structure_error (sc, display_path, *start, *line, *line_start, at, reason, error);
      return LS_NEXT_ERROR;
    }
  *length = sc->p - *start;
  return LS_NEXT_TASK;
}

/* Where the tasks start: after "[" (or at a single task object). */
static gboolean
ls_scanner_init (LsScanner   *sc,
                 const char  *display_path,
                 const char  *data,
                 gsize        length,
                 gboolean    *single,
                 GError     **error)
{
  sc->data = sc->p = sc->line_start = data;
  sc->end = data + length;
  sc->line = 1;
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    sc->p = sc->line_start = data + 3;

  ls_scanner_skip_space (sc);
  *single = sc->p < sc->end && *sc->p == '{';
  if (*single)
    return TRUE;
  if (sc->p >= sc->end || *sc->p != '[')
    {
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                   _("%s: not a Label Studio task file (a JSON array of tasks, each with a "
                     "“data” object)"), display_path);
      return FALSE;
    }
  ls_scanner_advance (sc, sc->p + 1);
  return TRUE;
}

/* Checks the whole file's structure first: nothing is imported from a
 * file that breaks off. */
static gboolean
ls_check_structure (const char  *display_path,
                    const char  *data,
                    gsize        length,
                    GError     **error)
{
  LsScanner sc;
  gboolean single;
  const char *start;
  gsize task_length;
  const char *line_start;
  guint line;
  LsNext next;

  if (!ls_scanner_init (&sc, display_path, data, length, &single, error))
    return FALSE;
  if (single)
    {
      const char *at = NULL;
      const char *reason = NULL;

      start = sc.p;
      line = sc.line;
      line_start = sc.line_start;
      if (!ls_scan_value (&sc, &at, &reason))
        {
          ls_structure_error (&sc, display_path, start, line, line_start, at, reason, error);
          return FALSE;
        }
      ls_scanner_skip_space (&sc);
      if (sc.p < sc.end)
        {
          ls_structure_error (&sc, display_path, NULL, 0, 0, sc.p,
                              _("something after the end of the task"), error);
          return FALSE;
        }
      return TRUE;
    }

  for (guint i = 0; (next = ls_scanner_next (&sc, display_path, i, &start, &task_length, &line,
                                              &line_start, error)) == LS_NEXT_TASK; i++)
    ;
  return next == LS_NEXT_END;
}

static gboolean
import_label_studio (Importer     *im,
                     const char   *data,
                     gsize         length,
                     GError      **error)
{
  g_autoptr(LbLsMapping) mapping = NULL;
  LsScanner sc;
  gboolean single = FALSE;
  gboolean guessed_key = FALSE;
  LsNext next = LS_NEXT_END;

  if (!ls_check_structure (im->display_path, data, length, error))
    return FALSE;

  /* items added by this import get ids above every item before it */
  if (g_strstr_len (data, length, "\"annotations\"") != NULL)
    {
      g_autoptr(GArray) ids = lb_store_list_item_ids (im->store, 0, LB_ITEM_FILTER_ALL, error);

      if (ids == NULL)
        return FALSE;
      for (guint i = 0; i < ids->len; i++)
        im->ls_watermark = MAX (im->ls_watermark, g_array_index (ids, gint64, i));
    }

  mapping = _lb_ls_mapping_new (im->ls_schema);
  im->ls_parser = json_parser_new_immutable ();
  im->ls_replays = g_ptr_array_new_with_free_func (ls_replay_free);
  im->ls_spare_replays = g_ptr_array_new_with_free_func (ls_replay_free);

  ls_scanner_init (&sc, im->display_path, data, length, &single, NULL);
  for (guint i = 0; ; i++)
    {
      g_autoptr(GError) local_error = NULL;
      const char *start = NULL;
      gsize task_length = 0;
      const char *line_start = NULL;
      guint line = 0;

      if (single)
        {
          if (i > 0)
            break;
          start = sc.p;
          task_length = sc.end - sc.p;
          line = sc.line;
          line_start = sc.line_start;
        }
      else if ((next = ls_scanner_next (&sc, im->display_path, i, &start, &task_length, &line,
                                        &line_start, error)) != LS_NEXT_TASK)
        break;

      im->ls_task = i + 1;
      if (task_length > MAX_LINE_BYTES)
        {
          reject (im, im->display_path, 0, _("too long (more than 8 MiB)"));
          continue;
        }
      if (!g_utf8_validate (start, task_length, NULL))
        {
          reject (im, im->display_path, 0, _("not valid UTF-8"));
          continue;
        }
      if (!json_parser_load_from_data (im->ls_parser, start, task_length, &local_error))
        {
          g_autofree char *why = ls_task_error (local_error, start, line, line_start);

          reject (im, im->display_path, 0, "%s", why);
          continue;
        }
      if (single && !(JSON_NODE_HOLDS_OBJECT (json_parser_get_root (im->ls_parser)) &&
                      json_object_has_member (json_node_get_object (
                                                json_parser_get_root (im->ls_parser)), "data")))
        {
          g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                       _("%s: not a Label Studio task file (a JSON array of tasks, each with a "
                         "“data” object)"), im->display_path);
          return FALSE;
        }
      if (!ls_import_task (im, mapping, json_parser_get_root (im->ls_parser), &guessed_key,
                           error))
        return FALSE;
    }
  im->ls_task = 0;
  return next != LS_NEXT_ERROR;
}

typedef struct {
  Importer   *im;
  const char *prefix;  /* "annotation K: " or "" */
} LsFail;

static void
ls_fail_cb (guint         origin,
            const GError *error,
            gpointer      user_data)
{
  LsFail *fail = user_data;

  if (origin > 0)
    reject (fail->im, fail->im->display_path, 0, _("%sresult %u: %s"), fail->prefix, origin,
            error->message);
  else
    reject (fail->im, fail->im->display_path, 0, "%s%s", fail->prefix, error->message);
}

/* An annotation's "created_at" (ISO 8601, UTC unless it says otherwise) in
 * UTC microseconds; 0 when missing, unreadable, before 2000 or ahead of now */
static gint64
ls_created_us (JsonObject *annotation)
{
  const char *text = json_object_get_string_member_with_default (annotation, "created_at", NULL);
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = NULL;
  gint64 us;

  if (text == NULL)
    return 0;
  when = g_date_time_new_from_iso8601 (text, utc);
  if (when == NULL)
    return 0;
  us = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  if (us < G_GINT64_CONSTANT (946684800) * G_USEC_PER_SEC || us > g_get_real_time ())
    return 0;
  return us;
}

/* The annotations of tasks whose items this import added (and which are
 * committed) become events, through the store's public API, at the time
 * Label Studio gives them. */
static gboolean
ls_replay (Importer   *im,
           GPtrArray  *replays,
           GError    **error)
{
  guint saved_task = im->ls_task;

  if (replays == NULL || replays->len == 0)
    return TRUE;

  if (im->ls_replay_mapping == NULL)
    {
      g_autoptr(LbSchema) schema = lb_store_get_batch_schema (im->store, im->batch_id, error);

      if (schema == NULL)
        return FALSE;
      im->ls_replay_mapping = _lb_ls_mapping_new (schema);
    }

  for (guint i = 0; i < replays->len; i++)
    {
      const LsReplay *replay = g_ptr_array_index (replays, i);
      g_autoptr(LbItem) item = NULL;
      guint n = json_array_get_length (replay->annotations);

      im->ls_task = replay->task;
      if (g_cancellable_is_cancelled (im->cancellable))
        {
          reject (im, im->display_path, 0,
                  _("annotations not imported: the import was cancelled"));
          continue;
        }

      item = lb_store_find_item (im->store, im->report->batch_name, replay->external_id, NULL);
      if (item == NULL || lb_item_get_id (item) <= im->ls_watermark)
        continue;  /* there before: its annotations were brought in then */

      for (guint k = 0; k < n; k++)
        {
          JsonNode *node = json_array_get_element (replay->annotations, k);
          g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
          g_autoptr(LbPreAnnotation) pa = NULL;
          g_autofree char *prefix = n > 1 ? g_strdup_printf (_("annotation %u: "), k + 1)
                                          : g_strdup ("");
          g_autofree char *actor = NULL;
          JsonObject *annotation;
          JsonNode *member;
          LsFail fail = { im, prefix };
          GError *apply_error = NULL;
          gboolean ok;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            {
              reject (im, im->display_path, 0, _("%snot a JSON object"), prefix);
              continue;
            }
          annotation = json_node_get_object (node);
          actor = ls_actor (annotation);
          pa = _lb_ls_translate (im->ls_replay_mapping, ls_get_array (annotation, "result"),
                                 replay->kind, replay->image_path, replay->text, problems);
          for (guint p = 0; p < problems->len; p++)
            reject (im, im->display_path, 0, "%s%s", prefix,
                    (char *) g_ptr_array_index (problems, p));

          member = json_object_get_member (annotation, "was_cancelled");
          pa->skipped = member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
                        json_node_get_value_type (member) == G_TYPE_BOOLEAN &&
                        json_node_get_boolean (member);
          member = json_object_get_member (annotation, "lead_time");
          if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
              (json_node_get_value_type (member) == G_TYPE_DOUBLE ||
               json_node_get_value_type (member) == G_TYPE_INT64) &&
              json_node_get_double (member) > 0 && json_node_get_double (member) < 1e9)
            pa->dwell_ms = (gint64) (json_node_get_double (member) * 1000.0);

          if (_lb_pre_annotation_is_empty (pa))
            continue;
          /* the work's own time, so throughput and agreement per day stay true */
          _lb_store_set_act_time (ls_created_us (annotation));
          ok = _lb_pre_annotation_apply (im->store, lb_item_get_id (item), actor, pa, FALSE,
                                         ls_fail_cb, &fail, &apply_error);
          _lb_store_set_act_time (0);
          if (!ok)
            {
              /* the item could not be read back: the store is failing */
              im->ls_task = saved_task;
              g_propagate_error (error, apply_error);
              return FALSE;
            }
          im->report->n_annotations++;
        }
    }
  im->ls_task = saved_task;
  g_ptr_array_set_size (replays, 0);
  return TRUE;
}

/* The import as a whole */

static SourceKind
source_kind_for (const char *path,
                 gboolean   *supported)
{
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, '/');

  *supported = TRUE;
  if (dot != NULL && (slash == NULL || dot > slash))
    {
      if (g_ascii_strcasecmp (dot, ".jsonl") == 0 || g_ascii_strcasecmp (dot, ".ndjson") == 0)
        return SOURCE_JSONL;
      if (g_ascii_strcasecmp (dot, ".csv") == 0)
        return SOURCE_CSV;
      if (g_ascii_strcasecmp (dot, ".json") == 0)
        return SOURCE_LABEL_STUDIO;
    }

  *supported = FALSE;
  return SOURCE_FOLDER;
}

static LbSchema *
load_schema (const char             *root,
             const LbImportOptions  *options,
             GPtrArray             **untranslated,
             gboolean               *given,
             GError                **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *beside = NULL;
  LbSchema *schema;

  *given = TRUE;

  /* a Label Studio labeling config: what it cannot say is reported like a rejection */
  if (options != NULL && lb_label_config_is_config (options->schema_path))
    schema = lb_label_config_load (options->schema_path, untranslated, &local_error);
  else if (options != NULL && options->schema_path != NULL)
    schema = lb_schema_new_from_file (options->schema_path, &local_error);
  else
    {
      beside = g_build_filename (root, "schema.json", NULL);
      if (!g_file_test (beside, G_FILE_TEST_EXISTS))
        {
          /* none given: a batch keeps its schema, a new one gets the default */
          *given = FALSE;
          return lb_schema_new_default ();
        }
      schema = lb_schema_new_from_file (beside, &local_error);
    }

  if (schema == NULL)
    g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                 _("The label schema is not usable: %s"), local_error->message);
  return schema;
}

/* "overlap": N in a JSON schema file (the schema itself ignores it): how
 * many distinct annotators each item asks for; 0 when not given */
static guint
schema_file_overlap (const char             *root,
                     const LbImportOptions  *options)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root_node, *node;

  if (options != NULL && options->schema_path != NULL)
    {
      if (lb_label_config_is_config (options->schema_path))
        return 0;
      path = g_strdup (options->schema_path);
    }
  else
    path = g_build_filename (root, "schema.json", NULL);

  if (!json_parser_load_from_file (parser, path, NULL))
    return 0;
  root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    return 0;
  node = json_object_get_member (json_node_get_object (root_node), "overlap");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return (guint) CLAMP (json_node_get_int (node), 0, 1000);
}

/* The batch the import adds to, found as the store will find it (see
 * writer_ensure_batch()): NAME, else NAME-2, NAME-3, ..., of the same
 * folder; NULL for a new batch */
static LbBatch *
find_own_batch (LbStore  *store,
                Importer *im)
{
  for (guint n = 1; n < 10000; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (im->name)
                                     : g_strdup_printf ("%s-%u", im->name, n);
      g_autoptr(LbBatch) batch = lb_store_find_batch (store, name, NULL);
      char resolved[PATH_MAX];

      if (batch == NULL)
        return NULL;
      if (g_strcmp0 (batch->root, im->root) == 0
          || (batch->root != NULL && realpath (batch->root, resolved) != NULL
              && strcmp (resolved, im->root_real) == 0))
        return g_steal_pointer (&batch);
      if (im->name_is_explicit)
        return NULL;
    }
  return NULL;
}

LbImportReport *
lb_import (LbStore                *store,
           const char             *path,
           const LbImportOptions  *options,
           LbImportProgressFunc    progress,
           gpointer                progress_data,
           GCancellable           *cancellable,
           GError                **error)
{
  g_auto(CsvManifest) csv = { 0, };
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *name = NULL;
  g_autofree char *schema_json = NULL;
  g_autoptr(GPtrArray) untranslated = NULL;
  Importer im = { 0, };
  char resolved[PATH_MAX];
  SourceKind kind;
  struct stat st;
  gboolean schema_given = FALSE;
  guint n_untranslated = 0;
  const char *data = NULL;
  gsize length = 0;
  gboolean ok;

  g_return_val_if_fail (LB_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
    {
      g_set_error_literal (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_CANCELLED,
                           _("The import was cancelled"));
      return NULL;
    }

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_NOT_FOUND,
                   saved_errno == ENOENT ? _("%s: no such file or folder") : "%s: %s",
                   path, g_strerror (saved_errno));
      return NULL;
    }

  absolute = g_canonicalize_filename (path, NULL);
  if (S_ISDIR (st.st_mode))
    {
      kind = SOURCE_FOLDER;
      im.root = g_strdup (absolute);
      name = g_path_get_basename (absolute);
    }
  else
    {
      gboolean supported;
      g_autofree char *base = g_path_get_basename (absolute);

      kind = source_kind_for (absolute, &supported);
      if (!supported || !S_ISREG (st.st_mode))
        {
          g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_UNSUPPORTED,
                       _("%s: not a folder, a .jsonl or .csv manifest or a Label Studio .json "
                         "task file"), path);
          return NULL;
        }
      im.root = g_path_get_dirname (absolute);
      name = g_strndup (base, strrchr (base, '.') - base);
    }

  if (options != NULL && options->name != NULL && *options->name != '\0')
    {
      g_free (name);
      name = g_strdup (options->name);
      im.name_is_explicit = TRUE;
    }

  if (realpath (im.root, resolved) == NULL)
    {
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_NOT_FOUND, "%s: %s",
                   im.root, g_strerror (errno));
      g_free (im.root);
      return NULL;
    }
  im.root_real = g_strdup (resolved);
  im.root_real_len = strlen (resolved);

  if (!(schema = load_schema (im.root, options, &untranslated, &schema_given, error)))
    {
      importer_clear (&im);
      return NULL;
    }
  if (schema_given)
    schema_json = lb_schema_to_json (schema);

  /* the schema the items are answered in (their gold answers are checked
   * against it): the one given, else the batch's own, else the default */
  im.name = name;
  {
    g_autoptr(LbBatch) own = find_own_batch (store, &im);

    if (own != NULL && schema_given && g_strcmp0 (own->schema_json, schema_json) != 0)
      {
        /* the batch's schema as an older version wrote it (a Reject that
         * needed a reason in a schema without reasons) is this one: kept as
         * it is, so a batch with decisions still takes new items */
        g_autoptr(LbSchema) kept = lb_schema_new_from_data (own->schema_json, -1, own->name,
                                                            NULL);
        g_autofree char *canonical = kept != NULL ? lb_schema_to_json (kept) : NULL;

        if (g_strcmp0 (canonical, schema_json) == 0)
          {
            g_free (schema_json);
            schema_json = g_strdup (own->schema_json);
          }
      }
    if (own != NULL && !schema_given)
      im.item_schema = lb_store_get_batch_schema (store, own->id, NULL);
    if (im.item_schema == NULL)
      im.item_schema = lb_schema_ref (schema);
  }

  /* Label Studio: the schema names the controls; without one given, the
   * batch's own when it exists */
  if (kind == SOURCE_LABEL_STUDIO)
    {
      g_autoptr(LbBatch) existing = schema_given ? NULL : lb_store_find_batch (store, name, NULL);

      if (existing != NULL)
        im.ls_schema = lb_store_get_batch_schema (store, existing->id, NULL);
      if (im.ls_schema == NULL)
        im.ls_schema = lb_schema_ref (schema);
    }

  if (kind == SOURCE_FOLDER)
    {
      g_autoptr(GDir) dir = g_dir_open (absolute, 0, &local_error);

      if (dir == NULL)
        {
          g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID, "%s: %s", path,
                       local_error->message);
          importer_clear (&im);
          return NULL;
        }
    }
  else
    {
      mapped = g_mapped_file_new (path, FALSE, &local_error);
      if (mapped == NULL)
        {
          g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID, "%s",
                       local_error->message);
          importer_clear (&im);
          return NULL;
        }
      data = g_mapped_file_get_contents (mapped);
      length = g_mapped_file_get_length (mapped);
      if (data == NULL)
        data = "";

      if (kind == SOURCE_CSV && !csv_read_header (&csv, path, data, length, error))
        {
          importer_clear (&im);
          return NULL;
        }
    }

  im.store = store;
  im.display_path = path;
  im.items = g_array_sized_new (FALSE, FALSE, sizeof (LbNewItem), LB_IMPORT_CHUNK_SIZE);
  im.strings = g_string_chunk_new (1024 * 1024);
  im.spare_items = g_array_sized_new (FALSE, FALSE, sizeof (LbNewItem), LB_IMPORT_CHUNK_SIZE);
  im.origins = g_array_sized_new (FALSE, FALSE, sizeof (Origin), LB_IMPORT_CHUNK_SIZE);
  im.spare_origins = g_array_sized_new (FALSE, FALSE, sizeof (Origin), LB_IMPORT_CHUNK_SIZE);
  im.conflicts = g_array_new (FALSE, FALSE, sizeof (guint));
  im.spare_strings = g_string_chunk_new (1024 * 1024);
  im.ids = g_string_chunk_new (1024 * 1024);
  im.seen_ids = g_hash_table_new (g_str_hash, g_str_equal);
  im.checksum = g_checksum_new (G_CHECKSUM_SHA256);
  im.block = g_malloc (READ_BLOCK_SIZE);
  im.scratch = g_string_sized_new (4096);
  im.report = g_new0 (LbImportReport, 1);
  im.report->batch_name = g_strdup (name);
  im.report->rejections = g_ptr_array_new_with_free_func (g_free);
  if (untranslated != NULL)
    {
      n_untranslated = untranslated->len;
      g_ptr_array_extend_and_steal (im.report->rejections, g_steal_pointer (&untranslated));
    }
  im.progress = progress;
  im.progress_data = progress_data;
  im.cancellable = cancellable;

  im.name = name;
  im.source = absolute;
  im.schema_json = schema_json;

  switch (kind)
    {
    case SOURCE_FOLDER:
      ok = import_folder (&im, path, absolute, NULL, error);
      break;
    case SOURCE_JSONL:
      ok = import_jsonl (&im, data, length, error);
      break;
    case SOURCE_CSV:
      ok = import_csv (&im, &csv, error);
      break;
    case SOURCE_LABEL_STUDIO:
      ok = import_label_studio (&im, data, length, error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (ok)
    ok = flush (&im, error) && wait_for_commit (&im, error);
  if (ok && kind == SOURCE_LABEL_STUDIO)
    ok = ls_replay (&im, im.ls_replays, error);

  /* nothing at all in PATH: no batch */
  if (ok && im.batch_id == 0 && im.report->rejections->len == n_untranslated)
    {
      g_set_error (error, LB_IMPORT_ERROR, LB_IMPORT_ERROR_INVALID,
                   _("%s: no items found"), path);
      ok = FALSE;
    }
  /* every item rejected: the batch is made all the same, for the list of
   * rejections to be shown beside it */
  if (ok && im.batch_id == 0)
    ok = ensure_batch (&im, error);

  /* the schema file's "overlap": N (annotators per item) is the batch's */
  if (ok && schema_given)
    {
      guint overlap = schema_file_overlap (im.root, options);

      if (overlap > 0)
        ok = lb_store_set_batch_overlap (store, im.batch_id, overlap, error);
    }

  if (!ok)
    {
      importer_clear (&im);
      return NULL;
    }

  {
    LbImportReport *report = g_steal_pointer (&im.report);

    importer_clear (&im);
    return report;
  }
}

/* Async */

typedef struct {
  char            *path;
  char            *name;
  char            *schema_path;
} ImportData;

static void
import_data_free (gpointer data)
{
  ImportData *import_data = data;

  g_free (import_data->path);
  g_free (import_data->name);
  g_free (import_data->schema_path);
  g_free (import_data);
}

static void
import_thread_cb (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ImportData *import_data = task_data;
  LbImportOptions options = { import_data->name, import_data->schema_path };
  GError *error = NULL;
  LbImportReport *report;

  report = lb_import (LB_STORE (source_object), import_data->path, &options, NULL, NULL,
                      cancellable, &error);
  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) lb_import_report_free);
}

void
lb_import_async (LbStore                *store,
                 const char             *path,
                 const LbImportOptions  *options,
                 GCancellable           *cancellable,
                 GAsyncReadyCallback     callback,
                 gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportData *import_data;

  g_return_if_fail (LB_IS_STORE (store));
  g_return_if_fail (path != NULL);

  import_data = g_new0 (ImportData, 1);
  import_data->path = g_strdup (path);
  if (options != NULL)
    {
      import_data->name = g_strdup (options->name);
      import_data->schema_path = g_strdup (options->schema_path);
    }

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_import_async);
  g_task_set_task_data (task, import_data, import_data_free);
  /* The report is what counts, even if cancelled after the last chunk */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, import_thread_cb);
}

LbImportReport *
lb_import_finish (LbStore       *store,
                  GAsyncResult  *result,
                  GError       **error)
{
  g_return_val_if_fail (LB_IS_STORE (store), NULL);
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
