/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-sync-outbox"
#include "config.h"

/* The outbox sink: a folder a pipeline or a file-transfer agent picks up.
 *
 *   events-SEAT-FIRST-LAST.jsonl   one segment: at most 10 000 events, one
 *                                  JSON object per line (the format of
 *                                  `labelbench-cli export --format jsonl`);
 *                                  FIRST and LAST are the store's seq range,
 *                                  12 digits, so a re-send after a crash
 *                                  rewrites the same file with the same bytes
 *   manifest.json                  {"format": "labelbench-outbox", "version": 1,
 *                                   "segments": [{"file", "seat", "first_seq",
 *                                   "last_seq", "first_uuid", "last_uuid",
 *                                   "count", "sha256", "created"}, ...]}
 *
 * Each file is written to a temporary name (".NAME.tmp"), fsynced, renamed
 * over NAME, and the folder fsynced. A segment is in the manifest only once
 * it is durable; the store's cursor moves only once the manifest is durable.
 * A consumer should read manifest.json and take the segments it lists
 * (checking their SHA-256); a segment not (yet) in the manifest may be
 * rewritten. Event UUIDs are unique across the listed segments. A consumer
 * may move or delete the segments it took: the next write drops them from
 * the manifest (once the store's cursor is past them). */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lb-export.h"
#include "lb-sync-private.h"

#define MANIFEST_NAME "manifest.json"
#define LOCK_NAME ".lock"

typedef struct {
  char   *file;
  char   *seat;
  gint64  first_seq;
  gint64  last_seq;
  char   *first_uuid;
  char   *last_uuid;
  gint64  count;
  char   *sha256;
  char   *created;
} Segment;

struct _LbSyncOutbox {
  char      *folder;
  char      *seat;
  int        lock_fd;
  GPtrArray *segments;   /* of Segment, manifest order */
  GHashTable *orphans;   /* first seq (gint64*) -> last seq (gint64*): this seat's segment
                          * files the manifest does not list */
};

static void
segment_free (Segment *s)
{
  g_free (s->file);
  g_free (s->seat);
  g_free (s->first_uuid);
  g_free (s->last_uuid);
  g_free (s->sha256);
  g_free (s->created);
  g_free (s);
}

static void
set_errno_error (GError    **error,
                 const char *what,
                 const char *path,
                 int         saved_errno)
{
  g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
               /* Translators: "Cannot write the outbox file /path: No space left" */
               _("Cannot %s the outbox file %s: %s"), what, path, g_strerror (saved_errno));
}

static gboolean
fsync_folder (const char  *folder,
              GError     **error)
{
  int fd = g_open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd < 0 || fsync (fd) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
                   _("Cannot flush the outbox folder %s: %s"), folder, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* temp name, write, fsync, close, rename, fsync the folder */
static gboolean
write_durably (const char  *folder,
               const char  *name,
               const char  *data,
               gsize        len,
               GError     **error)
{
  g_autofree char *tmp_name = g_strdup_printf (".%s.tmp", name);
  g_autofree char *tmp = g_build_filename (folder, tmp_name, NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  int fd;

  fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      set_errno_error (error, _("create"), tmp, errno);
      return FALSE;
    }
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_unlink (tmp);
          set_errno_error (error, _("write"), tmp, saved);
          return FALSE;
        }
      data += n;
      len -= n;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      set_errno_error (error, _("flush"), tmp, saved);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_unlink (tmp);
      set_errno_error (error, _("rename"), path, saved);
      return FALSE;
    }
  return fsync_folder (folder, error);
}

static char *
segment_name (const char *seat,
              gint64      first,
              gint64      last)
{
  return g_strdup_printf ("events-%s-%012" G_GINT64_FORMAT "-%012" G_GINT64_FORMAT ".jsonl",
                          seat, first, last);
}

/* events-SEAT-FIRST-LAST.jsonl of this seat */
static gboolean
parse_segment_name (const char *name,
                    const char *seat,
                    gint64     *first,
                    gint64     *last)
{
  gsize seat_len = strlen (seat);
  const char *p;
  char *end;

  if (!g_str_has_prefix (name, "events-") || strncmp (name + 7, seat, seat_len) != 0
      || name[7 + seat_len] != '-')
    return FALSE;
  p = name + 8 + seat_len;
  *first = g_ascii_strtoll (p, &end, 10);
  if (end == p || *end != '-')
    return FALSE;
  p = end + 1;
  *last = g_ascii_strtoll (p, &end, 10);
  if (end == p || strcmp (end, ".jsonl") != 0 || *first <= 0 || *last < *first)
    return FALSE;
  return TRUE;
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
read_manifest (LbSyncOutbox  *outbox,
               GError       **error)
{
  g_autofree char *path = g_build_filename (outbox->folder, MANIFEST_NAME, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *segments;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  if (!json_parser_load_from_file (parser, path, &local_error))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
                   _("The outbox manifest %s cannot be read: %s"), path, local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "segments")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root),
                                                         "segments")))
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
                   _("The outbox manifest %s has no “segments” array"), path);
      return FALSE;
    }

  segments = json_object_get_array_member (json_node_get_object (root), "segments");
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonNode *node = json_array_get_element (segments, i);
      JsonObject *o;
      Segment *s;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      o = json_node_get_object (node);
      if (member_string (o, "file") == NULL || member_string (o, "seat") == NULL)
        {
          g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
                       _("The outbox manifest %s: segment %u has no file or seat"), path, i + 1);
          return FALSE;
        }
      s = g_new0 (Segment, 1);
      s->file = g_strdup (member_string (o, "file"));
      s->seat = g_strdup (member_string (o, "seat"));
      s->first_seq = json_object_get_int_member_with_default (o, "first_seq", 0);
      s->last_seq = json_object_get_int_member_with_default (o, "last_seq", 0);
      s->first_uuid = g_strdup (member_string (o, "first_uuid"));
      s->last_uuid = g_strdup (member_string (o, "last_uuid"));
      s->count = json_object_get_int_member_with_default (o, "count", 0);
      s->sha256 = g_strdup (member_string (o, "sha256"));
      s->created = g_strdup (member_string (o, "created"));
      g_ptr_array_add (outbox->segments, s);
    }
  return TRUE;
}

static Segment *
find_segment (LbSyncOutbox *outbox,
              const char   *file)
{
  for (guint i = 0; i < outbox->segments->len; i++)
    {
      Segment *s = g_ptr_array_index (outbox->segments, i);

      if (strcmp (s->file, file) == 0)
        return s;
    }
  return NULL;
}

/* Removes temporary files of a crashed run; notes this seat's segment files
 * the manifest does not list. */
static gboolean
scan_folder (LbSyncOutbox  *outbox,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (outbox->folder, 0, &local_error);
  const char *name;

  if (dir == NULL)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
                   _("Cannot read the outbox folder: %s"), local_error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gint64 first, last;

      if (name[0] == '.' && g_str_has_suffix (name, ".tmp"))
        {
          g_autofree char *path = g_build_filename (outbox->folder, name, NULL);

          g_unlink (path);
        }
      else if (parse_segment_name (name, outbox->seat, &first, &last)
               && find_segment (outbox, name) == NULL)
        {
          gint64 *key = g_new (gint64, 1), *value = g_new (gint64, 1);

          *key = first;
          *value = last;
          g_hash_table_replace (outbox->orphans, key, value);
        }
    }
  return TRUE;
}

gboolean
_lb_sync_outbox_check_folder (const char  *folder,
                              GError     **error)
{
  g_autofree char *shown = NULL;

  if (folder != NULL && g_path_is_absolute (folder))
    return TRUE;

  if (folder != NULL && g_uri_peek_scheme (folder) != NULL)
    {
      /* a URL left over from another sink: named without its user name,
       * password, query and fragment, which may hold secrets */
      g_autoptr(GUri) uri = g_uri_parse (folder, G_URI_FLAGS_ENCODED, NULL);

      if (uri != NULL)
        shown = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL,
                            g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri),
                            NULL, NULL);
      else
        shown = g_strdup_printf ("%s:…", g_uri_peek_scheme (folder));
    }
  else
    shown = g_filename_display_name (folder != NULL ? folder : "");

  /* Translators: %s is what sync-target holds, e.g. "https://example.org/in" */
  g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
               _("The outbox sync target “%s” is not an absolute folder path: choose the "
                 "outbox folder again, or leave the target empty for the default folder"),
               shown);
  return FALSE;
}

LbSyncOutbox *
_lb_sync_outbox_open (const char    *folder,
                      const char    *seat,
                      gint64         cursor,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(LbSyncOutbox) outbox = NULL;
  g_autofree char *lock_path = NULL;

  /* a relative folder would be one under whatever the current folder is */
  if (!_lb_sync_outbox_check_folder (folder, error))
    return NULL;

  outbox = g_new0 (LbSyncOutbox, 1);
  outbox->lock_fd = -1;
  outbox->folder = g_strdup (folder);
  outbox->seat = g_strdup (seat);
  outbox->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);
  outbox->orphans = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_WRITE,
                   _("Cannot create the outbox folder %s: %s"), folder, g_strerror (saved));
      return NULL;
    }

  /* one writer at a time: the app's syncer and labelbench-cli sync, or
   * several seats sharing the folder, wait for each other */
  lock_path = g_build_filename (folder, LOCK_NAME, NULL);
  outbox->lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (outbox->lock_fd < 0)
    {
      set_errno_error (error, _("create"), lock_path, errno);
      return NULL;
    }
  while (flock (outbox->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          set_errno_error (error, _("lock"), lock_path, errno);
          return NULL;
        }
      /* another writer: wait for it, but stay cancellable */
      if (!_lb_sync_sleep (100, cancellable, error))
        return NULL;
    }

  if (!read_manifest (outbox, error) || !scan_folder (outbox, error))
    return NULL;

  /* a consumer may take segments away once it has them: entries of this
   * seat already confirmed (up to the cursor) whose file is gone leave the
   * manifest at the next write, so it does not grow forever */
  for (guint i = outbox->segments->len; i > 0; i--)
    {
      Segment *s = g_ptr_array_index (outbox->segments, i - 1);
      g_autofree char *path = NULL;

      if (strcmp (s->seat, outbox->seat) != 0 || s->last_seq > cursor)
        continue;
      path = g_build_filename (folder, s->file, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_ptr_array_remove_index (outbox->segments, i - 1);
    }

  return g_steal_pointer (&outbox);
}

gint64
_lb_sync_outbox_segment_end (LbSyncOutbox *outbox,
                             gint64        first_seq)
{
  gint64 *last = g_hash_table_lookup (outbox->orphans, &first_seq);

  if (last != NULL)
    return *last;

  for (guint i = 0; i < outbox->segments->len; i++)
    {
      Segment *s = g_ptr_array_index (outbox->segments, i);

      if (s->first_seq == first_seq && strcmp (s->seat, outbox->seat) == 0)
        return s->last_seq;
    }
  return 0;
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

static char *
manifest_to_data (LbSyncOutbox *outbox,
                  gsize        *len)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *data;

  json_builder_begin_object (b);
  add_string (b, "format", "labelbench-outbox");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "segments");
  json_builder_begin_array (b);
  for (guint i = 0; i < outbox->segments->len; i++)
    {
      Segment *s = g_ptr_array_index (outbox->segments, i);

      json_builder_begin_object (b);
      add_string (b, "file", s->file);
      add_string (b, "seat", s->seat);
      json_builder_set_member_name (b, "first_seq");
      json_builder_add_int_value (b, s->first_seq);
      json_builder_set_member_name (b, "last_seq");
      json_builder_add_int_value (b, s->last_seq);
      add_string (b, "first_uuid", s->first_uuid);
      add_string (b, "last_uuid", s->last_uuid);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, s->count);
      add_string (b, "sha256", s->sha256);
      add_string (b, "created", s->created);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  data = json_generator_to_data (gen, len);
  /* end with a newline */
  data = g_realloc (data, *len + 2);
  data[(*len)++] = '\n';
  data[*len] = '\0';
  return data;
}

gboolean
_lb_sync_outbox_write (LbSyncOutbox       *outbox,
                       const LbSyncBatch  *batch,
                       GError            **error)
{
  g_autofree char *name = segment_name (outbox->seat, batch->first_seq, batch->last_seq);
  g_autofree char *manifest = NULL;
  g_autoptr(GString) created = g_string_new (NULL);
  Segment *s;
  gsize manifest_len = 0;

  if (!write_durably (outbox->folder, name, batch->lines->str, batch->lines->len, error))
    return FALSE;

  s = find_segment (outbox, name);
  if (s == NULL)
    {
      s = g_new0 (Segment, 1);
      s->file = g_strdup (name);
      g_ptr_array_add (outbox->segments, s);
    }
  g_free (s->seat);
  s->seat = g_strdup (outbox->seat);
  s->first_seq = batch->first_seq;
  s->last_seq = batch->last_seq;
  g_free (s->first_uuid);
  s->first_uuid = g_strdup (batch->first_uuid);
  g_free (s->last_uuid);
  s->last_uuid = g_strdup (batch->last_uuid);
  s->count = batch->count;
  g_free (s->sha256);
  s->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) batch->lines->str,
                                           batch->lines->len);
  lb_export_append_time (created, g_get_real_time ());
  g_free (s->created);
  s->created = g_strdup (created->str);

  g_hash_table_remove (outbox->orphans, &batch->first_seq);

  manifest = manifest_to_data (outbox, &manifest_len);
  return write_durably (outbox->folder, MANIFEST_NAME, manifest, manifest_len, error);
}

void
_lb_sync_outbox_close (LbSyncOutbox *outbox)
{
  if (outbox == NULL)
    return;
  if (outbox->lock_fd >= 0)
    close (outbox->lock_fd);
  g_clear_pointer (&outbox->segments, g_ptr_array_unref);
  g_clear_pointer (&outbox->orphans, g_hash_table_unref);
  g_free (outbox->folder);
  g_free (outbox->seat);
  g_free (outbox);
}
