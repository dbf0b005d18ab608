/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-export-dialog"
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "lb-export.h"
#include "lb-export-dialog.h"
#include "lb-store.h"
#include "lb-test-support.h"
#include "lb-window.h"
#include "lb-ui-test-support.h"

/* The real Export dialog on a small labelled store: a format picked in its
 * list, the output set the way the file chooser sets it, Export pressed;
 * the main loop spins while the export thread runs. What is checked: the
 * progress page was shown, the toast a user sees, the files written, and an
 * error in the dialog when the output cannot be written. */

#define WAIT_TIMEOUT_S 30

static const char schema_json[] =
  "{\"name\": \"animals\", \"tools\": [\"class\", \"box\"],"
  " \"labels\": [{\"id\": \"cat\", \"title\": \"Cat\", \"hotkey\": \"1\"},"
  "              {\"id\": \"dog\", \"title\": \"Dog\", \"hotkey\": \"2\"}]}";

typedef struct {
  char            *tmpdir;
  LbStore         *store;
  gint64           batch_id;
  GtkWindow       *parent;
  AdwToastOverlay *toasts;
  LbExportDialog  *dialog;
} Fixture;

static void
add_box (Fixture    *f,
         const char *external_id,
         const char *label,
         double      x,
         double      y,
         double      w,
         double      h)
{
  g_autoptr(LbItem) item = lb_test_find_item (f->store, "animals", external_id);
  g_autoptr(GError) error = NULL;
  LbRegionSpec spec = { 0 };

  spec.label = label;
  spec.shape = LB_REGION_SHAPE_BOX;
  spec.box[0] = x;
  spec.box[1] = y;
  spec.box[2] = w;
  spec.box[3] = h;
  g_assert_true (lb_store_create_region (f->store, lb_item_get_id (item), "Tester", &spec, NULL,
                                         &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *batch = NULL;
  g_autofree char *db = NULL;
  GtkWidget *overlay;

  f->tmpdir = lb_test_make_tmpdir ("lb-test-export-dialog");
  batch = g_build_filename (f->tmpdir, "animals", NULL);
  lb_test_write_file (batch, "schema.json", schema_json, -1);
  g_free (lb_test_copy_pngsuite ("basn2c08.png", batch, "a-colour.png"));
  g_free (lb_test_copy_pngsuite ("basn0g08.png", batch, "b-grey.png"));
  g_free (lb_test_copy_pngsuite ("basn6a08.png", batch, "c-alpha.png"));

  db = g_build_filename (f->tmpdir, "store.db", NULL);
  f->store = lb_test_open_store (db);
  f->batch_id = lb_test_import (f->store, batch, NULL, 3);
  /* PngSuite images are 32 × 32 */
  add_box (f, "a-colour.png", "cat", 4, 4, 16, 8);
  add_box (f, "a-colour.png", "dog", 0, 16, 32, 16);
  add_box (f, "b-grey.png", "dog", 8, 8, 8, 8);

  f->parent = GTK_WINDOW (gtk_window_new ());
  g_object_ref (f->parent);
  gtk_window_set_default_size (f->parent, 900, 700);
  overlay = adw_toast_overlay_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), adw_status_page_new ());
  gtk_window_set_child (f->parent, overlay);
  f->toasts = ADW_TOAST_OVERLAY (overlay);
  gtk_window_present (f->parent);
  lb_test_spin_for (50);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->dialog != NULL)
    {
      lb_ui_test_destroy_window (GTK_WINDOW (f->dialog));
    }
  gtk_window_destroy (f->parent);
  lb_test_spin_for (20);
  g_assert_finalize_object (f->parent);
  lb_store_close (f->store);
  g_clear_object (&f->store);
  lb_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
}

static LbExportDialog *
open_dialog (Fixture *f)
{
  /* GTK's list of toplevels owns the dialog; our reference lets the test
   * read it after it closed itself */
  g_clear_object (&f->dialog);
  f->dialog = g_object_ref (lb_export_dialog_new (f->parent, f->toasts, f->store, f->batch_id));
  gtk_window_present (GTK_WINDOW (f->dialog));
  lb_test_spin_for (50);
  return f->dialog;
}

static gboolean
export_finished (gpointer data)
{
  Fixture *f = data;

  return !lb_export_dialog_get_running (f->dialog);
}

static void
press_export (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "export.start", NULL));
  /* The progress page replaces the options at once, the thread runs */
  g_assert_cmpstr (lb_export_dialog_get_page (f->dialog), ==, "progress");
  g_assert_true (lb_export_dialog_get_progress_shown (f->dialog));
  lb_test_wait_until (export_finished, f, WAIT_TIMEOUT_S);
}

static JsonNode *
parse_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return lb_test_parse_json (contents);
}

/* The combo row lists the engine's formats by their translated titles */
static void
test_format_list (Fixture       *f,
                  gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  const char * const *formats = lb_export_get_formats ();
  g_autofree char *name = NULL;

  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  g_assert_cmpstr (lb_export_dialog_get_format (dialog), ==, "coco");
  g_assert_false (lb_export_dialog_set_format (dialog, "no-such-format"));

  for (guint i = 0; formats[i] != NULL; i++)
    {
      g_assert_true (lb_export_dialog_set_format (dialog, formats[i]));
      g_assert_true (lb_ui_test_find_label (GTK_WIDGET (dialog),
                                            lb_export_format_get_title (formats[i])));
    }

  /* A sensible default output: the batch and the format */
  lb_export_dialog_set_format (dialog, "coco");
  name = g_file_get_basename (lb_export_dialog_get_output (dialog));
  g_assert_cmpstr (name, ==, "animals-coco.json");
  g_free (name);
  lb_export_dialog_set_format (dialog, "yolo");
  name = g_file_get_basename (lb_export_dialog_get_output (dialog));
  g_assert_cmpstr (name, ==, "animals-yolo");
  g_free (name);
  lb_export_dialog_set_all_batches (dialog, TRUE);
  name = g_file_get_basename (lb_export_dialog_get_output (dialog));
  g_assert_cmpstr (name, ==, "labelbench-yolo");

  /* Escape (export.cancel) closes it when nothing runs */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.cancel", NULL));
  lb_test_spin_for (20);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
}

static void
test_coco_then_yolo (Fixture       *f,
                     gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *out_dir = g_build_filename (f->tmpdir, "out", NULL);
  g_autofree char *coco_path = g_build_filename (out_dir, "animals.json", NULL);
  g_autofree char *yolo_path = g_build_filename (out_dir, "animals-yolo", NULL);
  g_autofree char *classes_path = g_build_filename (yolo_path, "classes.txt", NULL);
  g_autofree char *labels_path = g_build_filename (yolo_path, "labels", "a-colour.txt", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *classes = NULL;
  g_autofree char *labels = NULL;
  g_autoptr(GFile) coco_file = g_file_new_for_path (coco_path);
  g_autoptr(GFile) yolo_file = g_file_new_for_path (yolo_path);
  g_autoptr(JsonNode) coco = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *o;

  g_assert_cmpint (g_mkdir (out_dir, 0700), ==, 0);

  /* COCO */
  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  lb_export_dialog_set_output (dialog, coco_file);
  lb_ui_test_screenshot ("export-dialog.png", 300);
  press_export (f);
  g_assert_null (lb_export_dialog_get_error_text (dialog));
  expected = g_strdup_printf ("Exported 3 items to %s", coco_path);
  g_assert_cmpstr (lb_export_dialog_get_result_text (dialog), ==, expected);
  /* The dialog closed; the toast is in the parent window */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  lb_ui_test_wait_label (GTK_WIDGET (f->parent), expected, WAIT_TIMEOUT_S);
  g_assert_true (lb_ui_test_find_label (GTK_WIDGET (f->parent), "Open Folder"));
  lb_ui_test_screenshot ("export-toast.png", 300);

  coco = parse_file (coco_path);
  o = json_node_get_object (coco);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "images")), ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "annotations")),
                    ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "categories")),
                    ==, 2);

  /* YOLO, in a second dialog: a folder */
  dialog = open_dialog (f);
  g_assert_true (lb_export_dialog_set_format (dialog, "yolo"));
  lb_export_dialog_set_output (dialog, yolo_file);
  press_export (f);
  g_assert_null (lb_export_dialog_get_error_text (dialog));
  g_free (expected);
  expected = g_strdup_printf ("Exported 3 items to %s", yolo_path);
  g_assert_cmpstr (lb_export_dialog_get_result_text (dialog), ==, expected);

  g_assert_true (g_file_get_contents (classes_path, &classes, NULL, NULL));
  g_assert_cmpstr (classes, ==, "cat\ndog\n");
  g_assert_true (g_file_get_contents (labels_path, &labels, NULL, NULL));
  lines = g_strsplit (labels, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);   /* two boxes and the final newline */
  /* cat: x 4..20, y 4..12 of 32 × 32 */
  g_assert_cmpstr (lines[0], ==, "0 0.375000 0.250000 0.500000 0.250000");
  g_assert_cmpstr (lines[1], ==, "1 0.500000 0.750000 1.000000 0.500000");
}

static void
test_unwritable_output (Fixture       *f,
                        gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *blocker = g_build_filename (f->tmpdir, "not-a-folder", NULL);
  g_autofree char *path = g_build_filename (blocker, "animals.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const char *error_text;

  /* The "folder" is a file: nothing can be written below it (even as root) */
  lb_test_write_file (NULL, blocker, "just a file\n", -1);
  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  lb_export_dialog_set_output (dialog, file);
  press_export (f);

  error_text = lb_export_dialog_get_error_text (dialog);
  g_assert_nonnull (error_text);
  g_assert_nonnull (strstr (error_text, path));
  g_assert_true (lb_ui_test_find_label (GTK_WIDGET (dialog), error_text));
  g_assert_null (lb_export_dialog_get_result_text (dialog));
  /* Still open on its options, ready for another try */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (lb_export_dialog_get_page (dialog), ==, "options");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  lb_ui_test_screenshot ("export-error.png", 300);

  /* A new output clears the error */
  {
    g_autofree char *good = g_build_filename (f->tmpdir, "good.json", NULL);
    g_autoptr(GFile) good_file = g_file_new_for_path (good);

    lb_export_dialog_set_output (dialog, good_file);
    g_assert_null (lb_export_dialog_get_error_text (dialog));
  }
}

/* A folder format into a folder that holds files already is refused before
 * anything is written; the dialog shows why, naming the folder */
static void
test_folder_not_empty (Fixture       *f,
                       gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *folder = g_build_filename (f->tmpdir, "old-yolo", NULL);
  g_autofree char *labels = g_build_filename (folder, "labels", NULL);
  g_autofree char *stale = g_build_filename (folder, "labels", "stale.txt", NULL);
  g_autofree char *classes = g_build_filename (folder, "classes.txt", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  const char *error_text;

  lb_test_write_file (NULL, stale, "0 0.5 0.5 1 1\n", -1);
  g_assert_true (lb_export_dialog_set_format (dialog, "yolo"));
  lb_export_dialog_set_output (dialog, file);
  press_export (f);

  error_text = lb_export_dialog_get_error_text (dialog);
  expected = g_strdup_printf ("The folder %s is not empty: give a new folder or empty it",
                              folder);
  g_assert_cmpstr (error_text, ==, expected);
  g_assert_true (lb_ui_test_find_label (GTK_WIDGET (dialog), error_text));
  g_assert_null (lb_export_dialog_get_result_text (dialog));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (lb_export_dialog_get_page (dialog), ==, "options");
  /* nothing written, nothing removed */
  g_assert_true (g_file_test (stale, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GDir) dir = g_dir_open (labels, 0, NULL);

    g_assert_cmpstr (g_dir_read_name (dir), ==, "stale.txt");
    g_assert_null (g_dir_read_name (dir));
  }
  g_assert_false (g_file_test (classes, G_FILE_TEST_EXISTS));
}

/* A missing image does not fail the export: it is done, and the dialog
 * stays open listing what was left out */
static void
test_warnings (Fixture       *f,
               gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *image = g_build_filename (f->tmpdir, "animals", "c-alpha.png", NULL);
  g_autofree char *path = g_build_filename (f->tmpdir, "coco.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(JsonNode) coco = NULL;
  const char *warnings;
  const char *result;

  g_assert_cmpint (g_remove (image), ==, 0);
  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  lb_export_dialog_set_output (dialog, file);
  press_export (f);

  result = lb_export_dialog_get_result_text (dialog);
  g_assert_nonnull (result);
  g_assert_true (g_str_has_prefix (result, "Exported "));
  g_assert_true (g_str_has_suffix (result, ", with warnings"));
  g_assert_null (lb_export_dialog_get_error_text (dialog));
  warnings = lb_export_dialog_get_warnings_text (dialog);
  g_assert_nonnull (warnings);
  g_assert_nonnull (strstr (warnings, "c-alpha.png"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (lb_export_dialog_get_page (dialog), ==, "options");
  g_assert_true (lb_ui_test_find_label (GTK_WIDGET (dialog), warnings));
  lb_ui_test_screenshot ("export-warnings.png", 300);

  coco = parse_file (path);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (coco), "annotations")), ==, 3);
}

/* Only the items changed since a day: none changed tomorrow */
static void
test_changed_since (Fixture       *f,
                    gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *path = g_build_filename (f->tmpdir, "since.json", NULL);
  g_autofree char *all_path = g_build_filename (f->tmpdir, "all.json", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) all_file = g_file_new_for_path (all_path);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  g_autoptr(JsonNode) coco = NULL;

  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  lb_export_dialog_set_since (dialog, tomorrow);
  lb_export_dialog_set_output (dialog, file);
  press_export (f);
  expected = g_strdup_printf ("Exported 0 items to %s", path);
  g_assert_cmpstr (lb_export_dialog_get_result_text (dialog), ==, expected);
  coco = parse_file (path);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (coco), "images")), ==, 0);

  /* Since yesterday: the two images that got boxes today, not the third */
  dialog = open_dialog (f);
  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  lb_export_dialog_set_since (dialog, yesterday);
  lb_export_dialog_set_output (dialog, all_file);
  press_export (f);
  g_free (expected);
  expected = g_strdup_printf ("Exported 2 items to %s", all_path);
  g_assert_cmpstr (lb_export_dialog_get_result_text (dialog), ==, expected);

  /* The event log counts events: the three boxes drawn */
  {
    g_autofree char *events_path = g_build_filename (f->tmpdir, "events.jsonl", NULL);
    g_autoptr(GFile) events_file = g_file_new_for_path (events_path);

    dialog = open_dialog (f);
    g_assert_true (lb_export_dialog_set_format (dialog, "jsonl"));
    lb_export_dialog_set_since (dialog, yesterday);
    lb_export_dialog_set_output (dialog, events_file);
    press_export (f);
    g_free (expected);
    expected = g_strdup_printf ("Exported 3 events to %s", events_path);
    g_assert_cmpstr (lb_export_dialog_get_result_text (dialog), ==, expected);
  }
}

static gboolean
dialog_gone (gpointer data)
{
  Fixture *f = data;

  return !gtk_widget_get_visible (GTK_WIDGET (f->dialog)) && export_finished (f);
}

/* Closing the dialog while it exports cancels the export; whatever the
 * moment, the output is the complete file or nothing, never a part */
static void
test_close_while_running (Fixture       *f,
                          gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *out_dir = g_build_filename (f->tmpdir, "out", NULL);
  g_autofree char *path = g_build_filename (out_dir, "animals.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_assert_cmpint (g_mkdir (out_dir, 0700), ==, 0);
  g_assert_true (lb_export_dialog_set_format (dialog, "state-jsonl"));
  lb_export_dialog_set_output (dialog, file);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.start", NULL));
  g_assert_true (lb_export_dialog_get_running (dialog));
  gtk_window_close (GTK_WINDOW (dialog));
  lb_test_wait_until (dialog_gone, f, WAIT_TIMEOUT_S);
  g_assert_false (lb_export_dialog_get_running (dialog));

  dir = g_dir_open (out_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_cmpstr (name, ==, "animals.jsonl");   /* no temporary file left */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      g_assert_nonnull (lb_export_dialog_get_result_text (dialog));
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      lines = g_strsplit (contents, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 4);  /* 3 items and the final newline */
      for (guint i = 0; i < 3; i++)
        json_node_unref (lb_test_parse_json (lines[i]));
    }
  else
    g_assert_null (lb_export_dialog_get_result_text (dialog));
}

static gboolean
progress_moved (gpointer data)
{
  Fixture *f = data;

  return lb_export_dialog_get_fraction (f->dialog) > 0 || !lb_export_dialog_get_running (f->dialog);
}

/* A big export: the progress bar moves while the window keeps running its
 * main loop; Cancel stops it, back to the options, no error, no file */
static void
test_progress_and_cancel (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "many.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LbExportDialog *dialog = NULL;
  const guint n = 60000;
  double fraction;

  /* The export must still be running, not near its end, when the test looks:
   * on a fast machine it can finish first, so the batch grows until then */
  for (guint round = 0; round < 6; round++)
    {
      g_autofree char *name = g_strdup_printf ("many-%u", round);
      g_autofree char *manifest_dir = g_build_filename (f->tmpdir, name, NULL);
      g_autofree char *manifest = g_build_filename (manifest_dir, "many.jsonl", NULL);
      g_autoptr(GString) lines = g_string_new (NULL);
      guint count = n << round;

      for (guint i = 0; i < count; i++)
        g_string_append_printf (lines, "{\"id\": \"t%u\", \"text\": \"comment number %u\"}\n",
                                i, i);
      lb_test_write_file (NULL, manifest, lines->str, lines->len);
      lb_test_import (f->store, manifest, NULL, count);

      g_remove (path);   /* a finished round closed its dialog */
      dialog = open_dialog (f);
      g_assert_true (lb_export_dialog_set_format (dialog, "state-jsonl"));
      lb_export_dialog_set_all_batches (dialog, TRUE);
      lb_export_dialog_set_output (dialog, file);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.start", NULL));
      g_assert_cmpstr (lb_export_dialog_get_page (dialog), ==, "progress");

      lb_test_wait_until (progress_moved, f, WAIT_TIMEOUT_S);
      /* well before its end, so that Cancel comes while it runs */
      if (lb_export_dialog_get_running (dialog) && lb_export_dialog_get_fraction (dialog) < 0.5)
        break;
      lb_test_wait_until (export_finished, f, WAIT_TIMEOUT_S);
    }
  fraction = lb_export_dialog_get_fraction (dialog);
  g_assert_true (lb_export_dialog_get_running (dialog));
  g_assert_cmpfloat (fraction, >, 0);
  g_assert_cmpfloat (fraction, <, 1);
  lb_ui_test_screenshot ("export-progress.png", 300);
  if (!lb_export_dialog_get_running (dialog))
    {
      /* only when the screenshot's wait let it finish */
      g_assert_nonnull (g_getenv ("LB_SCREENSHOT_DIR"));
      g_test_skip ("the export finished during the screenshot");
      return;
    }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.cancel", NULL));
  lb_test_wait_until (export_finished, f, WAIT_TIMEOUT_S);
  g_assert_cmpstr (lb_export_dialog_get_page (dialog), ==, "options");
  g_assert_null (lb_export_dialog_get_error_text (dialog));
  g_assert_null (lb_export_dialog_get_result_text (dialog));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Again, and the dialog destroyed meanwhile (the application quitting):
   * it lets the thread stop before it goes, so the store can be closed */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.start", NULL));
  lb_test_wait_until (progress_moved, f, WAIT_TIMEOUT_S);
  if (lb_export_dialog_get_running (dialog) && lb_export_dialog_get_fraction (dialog) < 0.5)
    {
      gtk_window_destroy (GTK_WINDOW (dialog));
      lb_test_spin_for (50);
      g_assert_false (lb_export_dialog_get_running (dialog));
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
}

static GtkWidget *
find_file_chooser (void)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WIDGET (w);
    }
  return NULL;
}

static gboolean
chooser_shown (gpointer data)
{
  return find_file_chooser () != NULL;
}

/* Choose…: a folder chooser for the folder formats, a save chooser with
 * the default name for files; its answer becomes the output */
static void
test_choose_output (Fixture       *f,
                    gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *chosen = NULL;
  GtkWidget *chooser;

  g_assert_true (lb_export_dialog_set_format (dialog, "yolo"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.choose", NULL));
  lb_test_wait_until (chooser_shown, NULL, WAIT_TIMEOUT_S);
  chooser = find_file_chooser ();
  g_assert_cmpint (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)), ==,
                   GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (chooser)));
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  lb_test_spin_for (50);
  /* cancelled: the output is what it was */
  chosen = g_file_get_basename (lb_export_dialog_get_output (dialog));
  g_assert_cmpstr (chosen, ==, "animals-yolo");

  /* A file format */
  g_assert_true (lb_export_dialog_set_format (dialog, "csv"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.choose", NULL));
  lb_test_wait_until (chooser_shown, NULL, WAIT_TIMEOUT_S);
  chooser = find_file_chooser ();
  g_assert_cmpint (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)), ==,
                   GTK_FILE_CHOOSER_ACTION_SAVE);
  {
    g_autofree char *name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));

    g_assert_cmpstr (name, ==, "animals-csv.csv");
  }
  /* (what the chooser answers goes through lb_export_dialog_set_output(),
   * which the other tests use) */
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  lb_test_spin_for (50);
  g_assert_null (find_file_chooser ());
}

/* The main menu's Export… (win.export, Ctrl+E) opens the dialog over the window */
static void
test_window_action (Fixture       *f,
                    gconstpointer  data)
{
  LbWindow *window = g_object_ref (lb_window_new (NULL));
  g_autoptr(GListModel) toplevels = NULL;
  LbExportDialog *found = NULL;

  lb_window_set_store (window, f->store);
  lb_ui_test_open_batch (window, f->batch_id);
  gtk_window_present (GTK_WINDOW (window));
  lb_test_spin_for (50);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  lb_test_spin_for (50);
  toplevels = g_object_ref (gtk_window_get_toplevels ());
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (LB_IS_EXPORT_DIALOG (w))
        found = LB_EXPORT_DIALOG (w);
    }
  g_assert_nonnull (found);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (found)) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (found)));
  /* the open batch is the default scope */
  {
    g_autofree char *name = g_file_get_basename (lb_export_dialog_get_output (found));

    g_assert_true (g_str_has_prefix (name, "animals-"));
  }
  gtk_window_destroy (GTK_WINDOW (found));
  lb_ui_test_destroy_window (GTK_WINDOW (window));
}

/* Only reviewed items: the one the lead accepted, not the unreviewed ones;
 * the switch does not apply to the event log */
static void
test_reviewed_only (Fixture       *f,
                    gconstpointer  data)
{
  LbExportDialog *dialog = open_dialog (f);
  g_autofree char *path = g_build_filename (f->tmpdir, "reviewed.json", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(LbItem) item = lb_test_find_item (f->store, "animals", "b-grey.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) coco = NULL;
  JsonArray *images;

  g_assert_true (lb_store_review (f->store, lb_item_get_id (item), "Lead",
                                  LB_REVIEW_ACCEPT, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (lb_export_dialog_set_format (dialog, "jsonl"));
  g_assert_false (lb_export_dialog_get_reviewed_only_sensitive (dialog));
  g_assert_true (lb_export_dialog_set_format (dialog, "coco"));
  g_assert_true (lb_export_dialog_get_reviewed_only_sensitive (dialog));

  lb_export_dialog_set_reviewed_only (dialog, TRUE);
  lb_export_dialog_set_output (dialog, file);
  press_export (f);
  expected = g_strdup_printf ("Exported 1 item to %s", path);
  g_assert_cmpstr (lb_export_dialog_get_result_text (dialog), ==, expected);
  coco = parse_file (path);
  images = json_object_get_array_member (json_node_get_object (coco), "images");
  g_assert_cmpuint (json_array_get_length (images), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (images, 0),
                                                  "file_name"), ==, "b-grey.png");
}


int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/ui/export-dialog/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("format-list", test_format_list);
  ADD ("coco-then-yolo", test_coco_then_yolo);
  ADD ("unwritable-output", test_unwritable_output);
  ADD ("folder-not-empty", test_folder_not_empty);
  ADD ("choose-output", test_choose_output);
  ADD ("warnings", test_warnings);
  ADD ("changed-since", test_changed_since);
  ADD ("reviewed-only", test_reviewed_only);
  ADD ("close-while-running", test_close_while_running);
  ADD ("progress-and-cancel", test_progress_and_cancel);
  ADD ("window-action", test_window_action);

  return g_test_run ();
}
