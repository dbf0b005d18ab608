/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-test-support"
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lb-store-private.h"
#include "lb-test-support.h"

const char lb_test_comment_schema_json[] =
  "{\"name\": \"Comment review\", \"multi_label\": true,"
  " \"labels\": [{\"id\": \"ok\", \"title\": \"OK\", \"hotkey\": \"1\", \"color\": \"#2ec27e\"},"
  "              {\"id\": \"spam\", \"title\": \"Spam\", \"hotkey\": \"2\","
  "               \"color\": \"#e01b24\"}],"
  " \"decisions\": [{\"id\": \"approve\", \"title\": \"Approve\", \"hotkey\": \"a\"},"
  "                 {\"id\": \"reject\", \"title\": \"Reject\", \"hotkey\": \"r\","
  "                  \"needs_reason\": true},"
  "                 {\"id\": \"escalate\", \"title\": \"Escalate\", \"hotkey\": \"e\"}],"
  " \"reasons\": [{\"id\": \"abuse\", \"title\": \"Abuse\","
  "               \"children\": [{\"id\": \"abuse/insult\", \"title\": \"Insult\"}]}]}";

char *
lb_test_make_tmpdir (const char *prefix)
{
  g_autofree char *template = g_strconcat (prefix, "-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

void
lb_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          lb_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

void
lb_test_write_file (const char *dir,
                    const char *relative,
                    const char *contents,
                    gssize      length)
{
  g_autofree char *path = dir ? g_build_filename (dir, relative, NULL) : g_strdup (relative);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

void
lb_test_copy_file (const char *from,
                   const char *to)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (from, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, contents, length, &error);
  g_assert_no_error (error);
}

const char *
lb_test_pngsuite_dir (void)
{
  const char *dir = g_getenv ("LB_PNGSUITE_DIR");

  g_assert_nonnull (dir);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  return dir;
}

char *
lb_test_pngsuite_path (const char *name)
{
  return g_build_filename (lb_test_pngsuite_dir (), name, NULL);
}

char *
lb_test_copy_pngsuite (const char *name,
                       const char *dir,
                       const char *relative)
{
  g_autofree char *source = lb_test_pngsuite_path (name);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_file_get_contents (source, &contents, &length, &error);
  g_assert_no_error (error);
  lb_test_write_file (dir, relative, contents, length);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

guint32
lb_test_crc32 (guint32       crc,
               const guint8 *p,
               gsize         n)
{
  crc = ~crc;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
  return ~crc;
}

void
lb_test_put_be32 (guint8  *p,
                  guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

GBytes *
lb_test_png_header (guint32 width,
                    guint32 height)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *out = g_byte_array_new ();
  guint8 chunk[8 + 13 + 4];
  guint8 idat[12 + 8] = { 0 };
  guint8 iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D' };
  guint32 crc;

  g_byte_array_append (out, sig, 8);
  lb_test_put_be32 (chunk, 13);
  memcpy (chunk + 4, "IHDR", 4);
  lb_test_put_be32 (chunk + 8, width);
  lb_test_put_be32 (chunk + 12, height);
  chunk[16] = 8;  /* depth */
  chunk[17] = 6;  /* RGBA */
  chunk[18] = chunk[19] = chunk[20] = 0;
  crc = lb_test_crc32 (0, chunk + 4, 17);
  lb_test_put_be32 (chunk + 21, crc);
  g_byte_array_append (out, chunk, sizeof chunk);

  lb_test_put_be32 (idat, 8);
  memcpy (idat + 4, "IDAT", 4);
  memcpy (idat + 8, "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  lb_test_put_be32 (idat + 16, lb_test_crc32 (0, idat + 4, 12));
  g_byte_array_append (out, idat, sizeof idat);

  lb_test_put_be32 (iend + 8, lb_test_crc32 (0, iend + 4, 4));
  g_byte_array_append (out, iend, sizeof iend);
  return g_byte_array_free_to_bytes (out);
}

LbStore *
lb_test_open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  LbStore *store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

gint64
lb_test_import (LbStore               *store,
                const char            *path,
                const LbImportOptions *options,
                guint                  n_added)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImportReport) report = NULL;

  report = lb_import (store, path, options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->n_added, ==, n_added);
  g_assert_cmpuint (report->rejections->len, ==, 0);
  return report->batch_id;
}

LbItem *
lb_test_get_item (LbStore *store,
                  gint64   item_id)
{
  g_autoptr(GError) error = NULL;
  LbItem *item = lb_store_get_item (store, item_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (item);
  return item;
}

LbItem *
lb_test_find_item (LbStore    *store,
                   const char *batch,
                   const char *external_id)
{
  g_autoptr(GError) error = NULL;
  LbItem *item = lb_store_find_item (store, batch, external_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (item);
  return item;
}

void
lb_test_pump (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

void
lb_test_spin_for (guint ms)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) source = g_timeout_source_new (ms);
  gboolean done = FALSE;

  g_source_set_callback (source, flag_cb, &done, NULL);
  g_source_attach (source, context);
  while (!done)
    g_main_context_iteration (context, TRUE);
}

void
lb_test_wait_until (LbTestCondition condition,
                    gpointer        data,
                    guint           timeout_s)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  /* Polled rather than blocking: the condition may be made true by another
   * thread without anything waking the context. */
  while (!condition (data))
    {
      if (g_get_monotonic_time () >= deadline)
        g_error ("condition not met within %u s", timeout_s);
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (1000);
    }
}

static gboolean
list_loaded (gpointer data)
{
  return !lb_item_list_get_loading (data);
}

LbItemList *
lb_test_wait_list (LbItemList *list)
{
  lb_test_wait_until (list_loaded, list, 30);
  return list;
}

typedef struct
{
  LbImageLoader *loader;
  const char    *path;
  guint          width;
  guint          height;
  LbImage       *image;
} Lookup;

static gboolean
looked_up (gpointer data)
{
  Lookup *lookup = data;

  lookup->image = lb_image_loader_lookup (lookup->loader, lookup->path, lookup->width,
                                          lookup->height);
  return lookup->image != NULL;
}

LbImage *
lb_test_wait_for_lookup (LbImageLoader *loader,
                         const char    *path,
                         guint          width,
                         guint          height,
                         guint          timeout_s)
{
  Lookup lookup = { loader, path, width, height, NULL };

  lb_test_wait_until (looked_up, &lookup, timeout_s);
  return lookup.image;
}

JsonNode *
lb_test_parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

gint64
lb_test_json_int (JsonObject *o,
                  const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  guint n = g_strv_length (parts);

  for (guint i = 0; i + 1 < n; i++)
    {
      if (!json_object_has_member (o, parts[i]))
        g_error ("no member %s in %s", parts[i], path);
      o = json_object_get_object_member (o, parts[i]);
      g_assert_nonnull (o);
    }
  if (!json_object_has_member (o, parts[n - 1]))
    g_error ("no member %s", path);
  return json_object_get_int_member (o, parts[n - 1]);
}

void
lb_test_run_clear (LbTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

int
lb_test_run_cli (LbTestRun   *run,
                 char       **envp,
                 ...)
{
  const char *cli = g_getenv ("LB_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  const char *first;
  va_list args;

  g_assert_nonnull (cli);
  lb_test_run_clear (run);
  g_ptr_array_add (argv, (char *) cli);
  va_start (args, envp);
  first = va_arg (args, const char *);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);

  if (!WIFEXITED (wait_status))
    g_error ("labelbench-cli %s died (wait status %d); stderr: %s", first, wait_status,
             run->err);
  run->status = WEXITSTATUS (wait_status);
  g_test_message ("labelbench-cli %s -> %d\nstdout: %s\nstderr: %s", first, run->status,
                  run->out, run->err);
  return run->status;
}

gint64
lb_test_make_damaged_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_path_get_dirname (path);
  g_autofree char *contents = NULL;
  LbStore *store = lb_test_open_store (path);
  gint64 batch_id = 0, first_id = 0;
  gsize len = 0;
  sqlite3 *db = NULL;

  g_assert_true (_lb_store_ensure_batch (store, "b", root, root, NULL, &batch_id, &error));
  g_assert_no_error (error);
  for (guint chunk = 0; chunk < 4; chunk++)
    {
      LbNewItem items[500];
      g_autoptr(GPtrArray) strs = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < G_N_ELEMENTS (items); i++)
        {
          char *id = g_strdup_printf ("item-%u-%u", chunk, i);
          char *text = g_strdup_printf ("a text of some length to fill pages %u %u", chunk, i);

          g_ptr_array_add (strs, id);
          g_ptr_array_add (strs, text);
          items[i] = (LbNewItem) { id, LB_ITEM_KIND_TEXT, NULL, text, NULL, "hash" };
        }
      g_assert_true (_lb_store_insert_items (store, batch_id, items, G_N_ELEMENTS (items),
                                             NULL, NULL, &error));
      g_assert_no_error (error);
    }
  {
    g_autoptr(GArray) ids = lb_store_list_item_ids (store, batch_id, LB_ITEM_FILTER_ALL, &error);

    g_assert_no_error (error);
    first_id = g_array_index (ids, gint64, 0);
  }
  lb_store_close (store);
  g_object_unref (store);

  /* everything in the main file, then its b-tree pages smashed (page 1,
   * with the header and the schema, kept) */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 40 * 4096);
  for (gsize off = 4096 * 3; off < len - 4096; off += 4096 * 5)
    memset (contents + off, 0xA5, 4096);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));
  return first_id;
}
