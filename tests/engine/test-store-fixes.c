/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store-fixes"
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lb-image.h"
#include "lb-image-loader.h"
#include "lb-import.h"
#include "lb-store.h"
#include "lb-test-support.h"

/* Opening without creating, verify's view of a chain cut short and of a
 * derived state that does not match its events, images that leave their
 * batch folder after the import. */

typedef struct {
  char    *dir;
  char    *path;
  LbStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = lb_test_make_tmpdir ("lb-store-fixes");
  f->path = g_build_filename (f->dir, "store.db", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->store != NULL)
    lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
sql (const char *path,
     const char *statements)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  if (sqlite3_exec (db, statements, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", statements, message);
  sqlite3_close (db);
}

/* A store with a batch of three texts, each labelled once */
static void
make_labelled_store (Fixture *f)
{
  g_autofree char *manifest = g_build_filename (f->dir, "t.jsonl", NULL);
  g_autofree char *schema = g_build_filename (f->dir, "schema.json", NULL);
  const char *labels[] = { "ok", NULL };
  LbSubmission submission = { .labels = labels };
  g_autoptr(GError) error = NULL;
  LbImportOptions options = { NULL, schema };

  lb_test_write_file (NULL, schema, lb_test_comment_schema_json, -1);
  lb_test_write_file (NULL, manifest, "{\"id\": \"a\", \"text\": \"one\"}\n"
                      "{\"id\": \"b\", \"text\": \"two\"}\n"
                      "{\"id\": \"c\", \"text\": \"three\"}\n", -1);
  f->store = lb_test_open_store (f->path);
  lb_test_import (f->store, manifest, &options, 3);
  for (guint i = 0; i < 3; i++)
    {
      const char *id = (const char *[]) { "a", "b", "c" }[i];
      g_autoptr(LbItem) item = lb_test_find_item (f->store, "t", id);

      g_assert_true (lb_store_submit (f->store, lb_item_get_id (item), "ann", &submission,
                                      &error));
      g_assert_no_error (error);
    }
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
  lb_store_close (f->store);
  g_clear_object (&f->store);
}

static gboolean
verify_fails_with (Fixture    *f,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) ro = lb_store_open (f->path, LB_STORE_OPEN_READ_ONLY, &error);

  g_assert_no_error (error);
  g_assert_false (lb_store_verify (ro, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, fragment);
  return TRUE;
}

/* LB_STORE_OPEN_EXISTING creates nothing; a file that is no store keeps no
 * .lock beside it */
static void
test_open_existing (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *lock = g_strconcat (f->path, ".lock", NULL);
  g_autofree char *notes = g_build_filename (f->dir, "notes.txt", NULL);
  g_autofree char *notes_lock = g_strconcat (notes, ".lock", NULL);
  g_autofree char *message = g_strdup_printf ("No store at “%s”", f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;

  g_assert_null (lb_store_open (f->path, LB_STORE_OPEN_EXISTING, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_OPEN);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));

  lb_test_write_file (NULL, notes, "not a store\n", -1);
  g_assert_null (lb_store_open (notes, LB_STORE_OPEN_EXISTING, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_null (lb_store_open (notes, LB_STORE_OPEN_DEFAULT, &error));
  g_assert_error (error, LB_STORE_ERROR, LB_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_false (g_file_test (notes_lock, G_FILE_TEST_EXISTS));

  /* DEFAULT still creates (the GUI's default store) */
  store = lb_store_open (f->path, LB_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  lb_store_close (store);
  g_clear_object (&store);
  store = lb_store_open (f->path, LB_STORE_OPEN_EXISTING, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
}

/* the last event deleted (after dropping the trigger): verify sees it */
static void
test_verify_truncated (Fixture       *f,
                       gconstpointer  data)
{
  make_labelled_store (f);
  sql (f->path, "DROP TRIGGER events_no_delete;"
                "DELETE FROM events WHERE seq = (SELECT MAX (seq) FROM events);");
  verify_fails_with (f, "the chain ends at event 2 after 2 events but the store recorded 3 "
                        "events for seat");
}

/* an item_state row changed behind the store's back */
static void
test_verify_item_state (Fixture       *f,
                        gconstpointer  data)
{
  make_labelled_store (f);
  sql (f->path, "UPDATE item_state SET labels = '[\"spam\"]' WHERE item_id ="
                " (SELECT id FROM items WHERE external_id = 'b');");
  verify_fails_with (f, "item “b” of batch “t”");
  sql (f->path, "UPDATE item_state SET labels = '[\"ok\"]', state = 'todo' WHERE item_id ="
                " (SELECT id FROM items WHERE external_id = 'b');");
  verify_fails_with (f, "(state) does not match its events");
}

/* a store from before the chain was recorded gets it recorded when opened */
static void
test_verify_old_store (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  make_labelled_store (f);
  sql (f->path, "DELETE FROM meta WHERE key LIKE 'chain:%';");
  f->store = lb_test_open_store (f->path);
  g_assert_true (lb_store_verify (f->store, &error));
  g_assert_no_error (error);
  lb_store_close (f->store);
  g_clear_object (&f->store);

  sql (f->path, "DROP TRIGGER events_no_delete;"
                "DELETE FROM events WHERE seq = (SELECT MAX (seq) FROM events);");
  verify_fails_with (f, "recorded 3 events");
}

/* a symbolic link planted in the batch folder after the import */
static void
test_image_leaves_root (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *root = g_build_filename (f->dir, "photos", NULL);
  g_autofree char *outside = g_build_filename (f->dir, "secret", NULL);
  g_autofree char *inside = g_build_filename (root, "a.png", NULL);
  g_autofree char *planted = g_build_filename (root, "b.png", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(LbImage) ok = NULL;
  g_autoptr(LbImage) none = NULL;
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (16 * 1024 * 1024, 1);
  g_autoptr(GError) error = NULL;

  g_free (lb_test_copy_pngsuite ("basn2c08.png", root, "a.png"));
  g_free (lb_test_copy_pngsuite ("basn2c08.png", outside, "s.png"));
  g_free (lb_test_copy_pngsuite ("basn2c08.png", root, "b.png"));
  g_assert_cmpint (g_unlink (planted), ==, 0);
  {
    g_autofree char *target = g_build_filename (outside, "s.png", NULL);
    g_assert_cmpint (symlink (target, planted), ==, 0);
  }

  ok = lb_image_decode_file_within (root, inside, 0, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (ok), ==, 32);

  none = lb_image_decode_file_within (root, planted, 0, 0, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_NOT_FOUND);
  expected = g_strdup_printf ("%s: path leaves the batch folder", planted);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* the loader, given the batch folder, refuses it too */
  lb_image_loader_set_root (loader, root);
  lb_image_loader_prefetch (loader, planted, 0, 0);
  lb_image_loader_prefetch (loader, inside, 0, 0);
  g_clear_pointer (&ok, lb_image_unref);
  ok = lb_test_wait_for_lookup (loader, inside, 0, 0, 10);
  lb_test_spin_for (200);
  g_assert_null (lb_image_loader_lookup (loader, planted, 0, 0));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/store-fixes/open-existing", Fixture, NULL, fixture_set_up,
              test_open_existing, fixture_tear_down);
  g_test_add ("/engine/store-fixes/verify-truncated", Fixture, NULL, fixture_set_up,
              test_verify_truncated, fixture_tear_down);
  g_test_add ("/engine/store-fixes/verify-item-state", Fixture, NULL, fixture_set_up,
              test_verify_item_state, fixture_tear_down);
  g_test_add ("/engine/store-fixes/verify-old-store", Fixture, NULL, fixture_set_up,
              test_verify_old_store, fixture_tear_down);
  g_test_add ("/engine/store-fixes/image-leaves-root", Fixture, NULL, fixture_set_up,
              test_image_leaves_root, fixture_tear_down);

  return g_test_run ();
}
