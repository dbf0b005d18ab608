/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "labelbench-cli"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixoutputstream.h>
#include <json-glib/json-glib.h>

#include "lb-bundle.h"
#include "lb-export.h"
#include "lb-import.h"
#include "lb-item.h"
#include "lb-schema.h"
#include "lb-stats.h"
#include "lb-store.h"
#include "lb-cli.h"
#include "lb-cli-sync.h"
#include "lb-cli-report.h"

#define PREVIEW_CHARS 60

typedef int (*LbCliCommandFunc) (int argc, char **argv);

typedef struct {
  const char       *name;
  const char       *summary;   /* N_() */
  LbCliCommandFunc  func;
} LbCliCommand;

int
lb_cli_fail (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* One line, whatever the message holds */
  g_strdelimit (message, "\n\r", ' ');
  fflush (stdout);
  fprintf (stderr, "labelbench-cli: %s\n", message);
  return LB_CLI_EXIT_FAILED;
}

static const char *
exit_status_text (void)
{
  return _("Exit status: 0 when all is done, 2 when it is done but some items were "
           "rejected (each listed on stderr), 1 when nothing was done (the reason is on "
           "stderr).\n"
           "--store defaults to the desktop application's store, "
           "$XDG_DATA_HOME/labelbench/labelbench.db.");
}

GSettings *
lb_cli_load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "store-path"))
    return NULL;
  return g_settings_new (APP_ID);
}

char *
lb_cli_default_store_path (void)
{
  g_autoptr(GSettings) settings = lb_cli_load_settings ();
  g_autofree char *path = settings != NULL ? g_settings_get_string (settings, "store-path")
                                           : NULL;

  if (path != NULL && *path != '\0')
    return g_steal_pointer (&path);
  return lb_store_get_default_path ();
}

gboolean
lb_cli_parse_options (GOptionContext  *context,
                      int             *argc,
                      char          ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("labelbench-cli %s", (*argv)[0]);

  g_set_prgname (prgname);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (g_option_context_get_description (context) == NULL)
    g_option_context_set_description (context, exit_status_text ());

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      lb_cli_fail (_("%s (see “labelbench-cli %s --help”)"), error->message, (*argv)[0]);
      return FALSE;
    }
  return TRUE;
}

/* Parses the options of a command that takes no arguments; prints what is
 * wrong and returns FALSE when they do not parse. */
static gboolean
parse_command (int                 argc,
               char              **argv,
               const GOptionEntry *entries,
               const char         *summary)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return FALSE;
  if (argc > 1)
    {
      lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);
      return FALSE;
    }
  return TRUE;
}

typedef enum {
  OPEN_READ,      /* read-only; a missing store is an error */
  OPEN_WRITE,     /* read-write; a missing store is an error */
  OPEN_CREATE,    /* read-write, created when missing (import only) */
} OpenMode;

/* Opens the store at path (NULL = the default path). Only import creates a
 * store: for the other commands a missing file is an error. Prints the error. */
static LbStore *
open_store (const char *path,
            OpenMode    mode)
{
  gboolean read_only = mode == OPEN_READ;
  LbStoreOpenFlags flags = read_only ? LB_STORE_OPEN_READ_ONLY
                           : mode == OPEN_WRITE ? LB_STORE_OPEN_EXISTING
                           : LB_STORE_OPEN_DEFAULT;
  g_autoptr(GError) error = NULL;
  g_autofree char *default_path = NULL;
  LbStore *store;

  if (path == NULL || *path == '\0')
    path = default_path = lb_cli_default_store_path ();

  if (mode != OPEN_CREATE && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      lb_cli_fail (_("No store at %s (import something first, or give --store)"), path);
      return NULL;
    }
  if (mode != OPEN_CREATE && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      lb_cli_fail (_("%s is a folder, not a store"), path);
      return NULL;
    }

  store = lb_store_open (path, flags, &error);
  if (store == NULL)
    {
      lb_cli_fail ("%s", error ? error->message : _("Cannot open the store"));
      return NULL;
    }
  return store;
}

LbStore *
lb_cli_open_existing_store (const char *path,
                            gboolean    read_only)
{
  return open_store (path, read_only ? OPEN_READ : OPEN_WRITE);
}

static void
close_store (LbStore *store)
{
  if (store == NULL)
    return;
  lb_store_close (store);
  g_object_unref (store);
}

/* Returns FALSE (and prints why) when the batch does not exist. */
static gboolean
resolve_batch (LbStore    *store,
               const char *name,
               gint64     *batch_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbBatch) batch = NULL;

  *batch_id = 0;
  if (name == NULL)
    return TRUE;

  batch = lb_store_find_batch (store, name, &error);
  if (batch == NULL)
    {
      if (error != NULL && !g_error_matches (error, LB_STORE_ERROR, LB_STORE_ERROR_NOT_FOUND))
        lb_cli_fail ("%s", error->message);
      else
        lb_cli_fail (_("No batch named “%s” in the store"), name);
      return FALSE;
    }
  *batch_id = batch->id;
  return TRUE;
}

static gboolean
write_stdout (const char *data,
              gsize       len)
{
  return fwrite (data, 1, len, stdout) == len;
}

/* import ----------------------------------------------------------------- */

typedef struct {
  gint64   last_us;
  gboolean shown;
} ImportProgress;

/* On a terminal only: a count that updates in place, at most 10 times a second */
static void
import_progress_cb (guint    n_done,
                    gpointer user_data)
{
  ImportProgress *progress = user_data;
  gint64 now = g_get_monotonic_time ();

  if (now - progress->last_us < G_USEC_PER_SEC / 10)
    return;
  progress->last_us = now;
  progress->shown = TRUE;
  fputs ("\r", stderr);
  fprintf (stderr, _("Importing… %u items"), n_done);
  fflush (stderr);
}

/* A seat bundle (labelbench-cli export --format bundle) merged into the store */
static int
import_bundle (const char *store_path,
               const char *path)
{
  g_autoptr(GError) error = NULL;
  guint64 n_added = 0, n_present = 0;
  LbStore *store;
  gboolean ok;

  store = open_store (store_path, OPEN_CREATE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  ok = lb_bundle_import (store, path, &n_added, &n_present, NULL, &error);
  close_store (store);
  if (!ok)
    return lb_cli_fail ("%s", error->message);

  {
    /* numbers as %s: xgettext cannot read G_GUINT64_FORMAT */
    g_autofree char *added = g_strdup_printf ("%" G_GUINT64_FORMAT, n_added);
    g_autofree char *present = g_strdup_printf ("%" G_GUINT64_FORMAT, n_present);

    printf (g_dngettext (GETTEXT_PACKAGE, "%s event merged", "%s events merged", n_added),
            added);
    printf (g_dngettext (GETTEXT_PACKAGE, ", %s already present\n", ", %s already present\n",
                         n_present), present);
  }
  return fflush (stdout) == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}

static int
cmd_import (int    argc,
            char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *schema_path = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(GError) error = NULL;
  LbImportOptions options = { 0 };
  ImportProgress progress = { 0 };
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "schema", 0, 0, G_OPTION_ARG_FILENAME, &schema_path,
      N_("Label schema: a schema.json, or a Label Studio labeling config (.xml; what it "
         "cannot say is listed on stderr) (default: schema.json in the folder, or the "
         "built-in one)"), N_("FILE") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name,
      N_("Batch name (default: the folder's or manifest's name)"), N_("NAME") },
    { NULL }
  };

  context = g_option_context_new (_("PATH"));
  g_option_context_set_summary (context,
                                _("Imports a folder (PNG, JPEG and .txt files), a JSONL or "
                                  "CSV manifest, or Label Studio tasks (a .json file; their "
                                  "annotations and predictions come along) as a batch. "
                                  "Importing it again adds only the new items. A seat bundle "
                                  "(export --format bundle) is merged: its events not yet in "
                                  "the store are added."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;

  if (argc < 2)
    return lb_cli_fail (_("Give the folder or manifest to import"));
  if (argc > 2)
    return lb_cli_fail (_("Give only one folder or manifest to import (got “%s” too)"),
                        argv[2]);
  if (name != NULL && !g_utf8_validate (name, -1, NULL))
    return lb_cli_fail (_("The batch name is not valid UTF-8"));
  if (!g_file_test (argv[1], G_FILE_TEST_EXISTS))
    return lb_cli_fail (_("%s: no such file or folder"), argv[1]);
  if (lb_bundle_is_bundle (argv[1]))
    {
      if (name != NULL || schema_path != NULL)
        return lb_cli_fail (_("%s is a seat bundle: it keeps its batches’ names and schemas "
                              "(no --name or --schema)"), argv[1]);
      return import_bundle (store_path, argv[1]);
    }

  store = open_store (store_path, OPEN_CREATE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  options.name = name;
  options.schema_path = schema_path;
  report = lb_import (store, argv[1], &options,
                      isatty (STDERR_FILENO) ? import_progress_cb : NULL, &progress,
                      NULL, &error);
  close_store (store);
  if (progress.shown)
    fprintf (stderr, "\r\033[K");

  if (report == NULL)
    return lb_cli_fail ("%s", error ? error->message : _("Nothing could be imported"));

  if (report->rejections != NULL)
    {
      fflush (stdout);
      for (guint i = 0; i < report->rejections->len; i++)
        fprintf (stderr, "%s\n", (const char *) g_ptr_array_index (report->rejections, i));
    }

  if (report->n_added == 0 && report->n_existing == 0
      && report->rejections != NULL && report->rejections->len > 0)
    return lb_cli_fail (g_dngettext (GETTEXT_PACKAGE,
                                     "Nothing imported: the only item was rejected",
                                     "Nothing imported: all %u items were rejected",
                                     report->rejections->len),
                        report->rejections->len);

  printf (g_dngettext (GETTEXT_PACKAGE,
                       "Imported %u item into batch %s",
                       "Imported %u items into batch %s", report->n_added),
          report->n_added, report->batch_name ? report->batch_name : "");
  printf (g_dngettext (GETTEXT_PACKAGE,
                       " (%u already present)", " (%u already present)", report->n_existing),
          report->n_existing);
  printf ("\n");
  if (report->renamed_from != NULL)
    printf (_("A batch “%s” of another folder is in the store already: this one was named "
              "“%s” (choose a name with --name)\n"), report->renamed_from, report->batch_name);
  if (report->rejections != NULL && report->rejections->len > 0)
    printf (g_dngettext (GETTEXT_PACKAGE, "%u item rejected (listed on stderr)\n",
                         "%u items rejected (listed on stderr)\n", report->rejections->len),
            report->rejections->len);

  if (fflush (stdout) != 0)
    return LB_CLI_EXIT_FAILED;

  return report->rejections != NULL && report->rejections->len > 0
         ? LB_CLI_EXIT_PARTIAL : LB_CLI_EXIT_OK;
}

/* items ------------------------------------------------------------------ */

static char *
make_preview (const char *text)
{
  GString *s = g_string_new (NULL);
  const char *p = text ? text : "";
  guint n = 0;

  for (; *p != '\0' && n < PREVIEW_CHARS; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n' || c == '\r' || c == '\t' || g_unichar_iscntrl (c))
        g_string_append_c (s, ' ');
      else
        g_string_append_unichar (s, c);
    }
  while (s->len > 0 && s->str[s->len - 1] == ' ')
    g_string_truncate (s, s->len - 1);
  if (*p != '\0')
    g_string_append (s, "…");
  return g_string_free (s, FALSE);
}

static void
add_json_member (JsonBuilder *b,
                 const char  *member,
                 const char  *json)
{
  JsonNode *node = json != NULL ? json_from_string (json, NULL) : NULL;

  if (node == NULL)
    return;
  json_builder_set_member_name (b, member);
  json_builder_add_value (b, node);
}

static JsonNode *
item_to_json (LbItem *item)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char * const *labels = lb_item_get_labels (item);
  const char *meta = lb_item_get_meta_json (item);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, lb_item_get_external_id (item));
  json_builder_set_member_name (b, "batch");
  json_builder_add_string_value (b, lb_item_get_batch_name (item));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, lb_item_kind_to_string (lb_item_get_kind (item)));
  if (lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE)
    {
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, lb_item_get_relative_path (item));
    }
  else
    {
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, lb_item_get_text (item));
    }
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, lb_item_state_to_string (lb_item_get_state (item)));

  json_builder_set_member_name (b, "labels");
  json_builder_begin_array (b);
  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    json_builder_add_string_value (b, labels[i]);
  json_builder_end_array (b);

  add_json_member (b, "regions", lb_item_get_regions_json (item));
  add_json_member (b, "spans", lb_item_get_spans_json (item));
  add_json_member (b, "answers", lb_item_get_answers_json (item));

  if (lb_item_get_decision (item) != NULL)
    {
      json_builder_set_member_name (b, "decision");
      json_builder_add_string_value (b, lb_item_get_decision (item));
    }
  if (lb_item_get_reason (item) != NULL)
    {
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, lb_item_get_reason (item));
    }
  if (lb_item_get_note (item) != NULL && *lb_item_get_note (item) != '\0')
    {
      json_builder_set_member_name (b, "note");
      json_builder_add_string_value (b, lb_item_get_note (item));
    }
  if (lb_item_get_flagged (item))
    {
      json_builder_set_member_name (b, "flagged");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (lb_item_get_last_actor (item) != NULL)
    {
      json_builder_set_member_name (b, "actor");
      json_builder_add_string_value (b, lb_item_get_last_actor (item));
    }
  if (meta != NULL && strcmp (meta, "{}") != 0)
    {
      g_autoptr(JsonNode) node = json_from_string (meta, NULL);

      if (node != NULL)
        {
          json_builder_set_member_name (b, "meta");
          json_builder_add_value (b, g_steal_pointer (&node));
        }
    }
  if (lb_item_get_content_hash (item) != NULL)
    {
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, lb_item_get_content_hash (item));
    }
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

typedef struct {
  gboolean       json;
  JsonGenerator *gen;
  guint64        n;
  gboolean       write_failed;
  int            write_errno;
} ItemsOutput;

static gboolean
items_write_cb (LbItem    *item,
                gpointer   user_data,
                GError   **error)
{
  ItemsOutput *out = user_data;
  gboolean ok;

  if (out->json)
    {
      g_autoptr(JsonNode) node = item_to_json (item);
      g_autofree char *text = NULL;
      gsize len = 0;

      json_generator_set_root (out->gen, node);
      text = json_generator_to_data (out->gen, &len);
      ok = out->n == 0 || write_stdout (",\n", 2);
      ok = ok && write_stdout (text, len);
    }
  else
    {
      g_autofree char *preview = NULL;
      const char *what;

      if (lb_item_get_kind (item) == LB_ITEM_KIND_IMAGE)
        what = preview = make_preview (lb_item_get_relative_path (item));
      else
        what = preview = make_preview (lb_item_get_text (item));

      ok = fprintf (stdout, "%s\t%s\t%s\t%s\t%s\n",
                    lb_item_get_batch_name (item),
                    lb_item_get_external_id (item),
                    lb_item_kind_to_string (lb_item_get_kind (item)),
                    lb_item_state_to_string (lb_item_get_state (item)),
                    what) >= 0;
    }
  out->n++;
  if (!ok)
    {
      out->write_failed = TRUE;
      out->write_errno = errno;
      g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errno),
                           g_strerror (errno));
    }
  return ok;
}

static int
cmd_items (int    argc,
           char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *batch_name = NULL;
  gboolean json = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonGenerator) gen = NULL;
  ItemsOutput out = { 0, };
  gint64 batch_id = 0;
  gboolean ok = TRUE;
  int write_errno;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch_name,
      N_("Only the items of this batch"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write a JSON array"), NULL },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Lists the items in queue order with their state. Plain "
                        "output is one line per item: batch, id, kind, state and the "
                        "path or the start of the text, separated by tabs.")))
    return LB_CLI_EXIT_FAILED;

  store = open_store (store_path, OPEN_READ);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  if (!resolve_batch (store, batch_name, &batch_id))
    {
      close_store (store);
      return LB_CLI_EXIT_FAILED;
    }

  gen = json_generator_new ();
  if (json)
    ok = write_stdout ("[", 1);

  out.json = json;
  out.gen = gen;
  /* streamed in one read snapshot: no query per item, memory flat */
  if (ok && !lb_store_foreach_item (store, batch_id, LB_ITEM_FILTER_ALL, items_write_cb, &out,
                                    NULL, &error))
    {
      if (!out.write_failed)
        {
          close_store (store);
          if (json)
            fputs ("]\n", stdout);
          return lb_cli_fail ("%s", error->message);
        }
      ok = FALSE;
    }

  if (json && ok)
    ok = write_stdout ("]\n", 2);
  if (fflush (stdout) != 0)
    ok = FALSE;
  write_errno = out.write_failed ? out.write_errno : errno;

  close_store (store);

  if (!ok)
    {
      /* The reader went away (items | head): nothing to tell it */
      if (write_errno == EPIPE)
        return LB_CLI_EXIT_FAILED;
      return lb_cli_fail (_("Cannot write the list: %s"), g_strerror (write_errno));
    }
  return LB_CLI_EXIT_OK;
}

/* label, skip, undo ------------------------------------------------------- */

static char *
join_schema_ids (LbSchema *schema,
                 char      what)
{
  GString *s = g_string_new (NULL);
  guint n = what == 'l' ? lb_schema_get_n_labels (schema)
          : what == 'd' ? lb_schema_get_n_decisions (schema)
          : lb_schema_get_n_reasons (schema);

  for (guint i = 0; i < n; i++)
    {
      const char *id = what == 'l' ? lb_schema_get_label (schema, i)->id
                     : what == 'd' ? lb_schema_get_decision (schema, i)->id
                     : lb_schema_get_reason (schema, i)->id;
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, id);
    }
  if (n == 0)
    g_string_append (s, _("none"));
  return g_string_free (s, FALSE);
}

/* Checks the names against the batch schema, to give a message that lists
 * the valid ones. The store validates again. */
static gboolean
check_against_schema (LbStore     *store,
                      LbItem      *item,
                      char       **labels,
                      const char  *decision,
                      const char  *reason)
{
  g_autoptr(LbSchema) schema = lb_store_get_batch_schema (store, lb_item_get_batch_id (item),
                                                          NULL);

  if (schema == NULL)
    return TRUE;

  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    {
      if (lb_schema_find_label (schema, labels[i]) == NULL)
        {
          g_autofree char *valid = join_schema_ids (schema, 'l');

          lb_cli_fail (_("Unknown label “%s” in batch %s (labels: %s)"), labels[i],
                       lb_item_get_batch_name (item), valid);
          return FALSE;
        }
    }
  if (decision != NULL && lb_schema_find_decision (schema, decision) == NULL)
    {
      g_autofree char *valid = join_schema_ids (schema, 'd');

      lb_cli_fail (_("Unknown decision “%s” in batch %s (decisions: %s)"), decision,
                   lb_item_get_batch_name (item), valid);
      return FALSE;
    }
  if (reason != NULL && lb_schema_find_reason (schema, reason) == NULL)
    {
      g_autofree char *valid = join_schema_ids (schema, 'r');

      lb_cli_fail (_("Unknown reason “%s” in batch %s (reasons: %s)"), reason,
                   lb_item_get_batch_name (item), valid);
      return FALSE;
    }
  return TRUE;
}

static LbItem *
find_item (LbStore    *store,
           const char *batch,
           const char *external_id)
{
  g_autoptr(GError) error = NULL;
  LbItem *item = lb_store_find_item (store, batch, external_id, &error);

  if (item == NULL)
    {
      if (error != NULL)
        lb_cli_fail ("%s", error->message);
      else
        lb_cli_fail (_("No item “%s”"), external_id);
    }
  return item;
}

static void
print_item_state (LbStore    *store,
                  gint64      item_id,
                  const char *external_id)
{
  g_autoptr(LbItem) item = lb_store_get_item (store, item_id, NULL);

  if (item != NULL)
    printf (_("item %s: %s\n"), external_id,
            lb_item_state_to_string (lb_item_get_state (item)));
}

/* "X1,Y1,X2,..." as doubles: exactly n of them when n > 0, else an even
 * number of at least min. FALSE (and the message printed) otherwise. */
static gboolean
parse_numbers (const char  *option,
               const char  *text,
               guint        n,
               guint        min,
               GArray     **out)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (double));
  guint count = g_strv_length (parts);

  for (guint i = 0; i < count; i++)
    {
      char *end = NULL;
      double v = g_ascii_strtod (g_strstrip (parts[i]), &end);

      if (*parts[i] == '\0' || end == NULL || *end != '\0' || !isfinite (v))
        {
          lb_cli_fail (_("%s: “%s” is not a number"), option, parts[i]);
          return FALSE;
        }
      g_array_append_val (numbers, v);
    }
  if ((n > 0 && count != n) || (n == 0 && (count % 2 != 0 || count < min)))
    {
      if (n > 0)
        lb_cli_fail (_("%s takes %u numbers separated by commas (got “%s”)"), option, n, text);
      else
        lb_cli_fail (_("%s takes at least %u pairs of numbers X,Y separated by commas "
                       "(got “%s”)"), option, min / 2, text);
      return FALSE;
    }
  *out = g_steal_pointer (&numbers);
  return TRUE;
}

/* One region or span: --box / --polygon / --span with exactly one --label */
static gboolean
label_region_or_span (LbStore     *store,
                      LbItem      *item,
                      const char  *actor,
                      gboolean     as_lead,
                      const char  *label,
                      const char  *box,
                      const char  *polygon,
                      const char  *span,
                      const char  *attributes,
                      gint64       dwell_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) numbers = NULL;
  g_autofree char *id = NULL;
  gboolean ok;

  if (span != NULL)
    {
      if (!parse_numbers ("--span", span, 2, 0, &numbers))
        return FALSE;
      if (g_array_index (numbers, double, 0) != (gint64) g_array_index (numbers, double, 0)
          || g_array_index (numbers, double, 1) != (gint64) g_array_index (numbers, double, 1))
        {
          lb_cli_fail (_("--span takes whole numbers START,END (code points)"));
          return FALSE;
        }
      if (as_lead)
        {
          LbCorrection correction = { LB_CORRECTION_SPAN_CREATE, NULL, NULL, label,
                                      (gint64) g_array_index (numbers, double, 0),
                                      (gint64) g_array_index (numbers, double, 1), dwell_ms };

          ok = lb_store_correct (store, lb_item_get_id (item), actor, &correction, &id, &error);
        }
      else
        ok = lb_store_create_span (store, lb_item_get_id (item), actor, label,
                                   (gint64) g_array_index (numbers, double, 0),
                                   (gint64) g_array_index (numbers, double, 1), &id, &error);
    }
  else
    {
      LbRegionSpec spec = { label, LB_REGION_SHAPE_BOX, { 0, }, NULL, 0, attributes, dwell_ms };

      if (box != NULL)
        {
          if (!parse_numbers ("--box", box, 4, 0, &numbers))
            return FALSE;
          memcpy (spec.box, numbers->data, sizeof spec.box);
        }
      else
        {
          if (!parse_numbers ("--polygon", polygon, 0, 6, &numbers))
            return FALSE;
          spec.shape = LB_REGION_SHAPE_POLYGON;
          spec.points = (const double *) numbers->data;
          spec.n_points = numbers->len / 2;
        }
      if (as_lead)
        {
          LbCorrection correction = { LB_CORRECTION_REGION_CREATE, NULL, &spec, NULL, 0, 0,
                                      dwell_ms };

          ok = lb_store_correct (store, lb_item_get_id (item), actor, &correction, &id, &error);
        }
      else
        ok = lb_store_create_region (store, lb_item_get_id (item), actor, &spec, &id, &error);
    }

  if (!ok)
    {
      lb_cli_fail ("%s", error ? error->message : _("Cannot save"));
      return FALSE;
    }
  printf ("%s %s\n", span != NULL ? "span" : "region", id);
  return TRUE;
}

/* --answer FIELD=TEXT, one act each */
/* --answer FIELD=TEXT options as LbSubmission.answers (field, text, ...) */
static GStrv
parse_answers (char **answers)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; answers != NULL && answers[i] != NULL; i++)
    {
      g_autofree char *field = NULL;
      const char *eq = strchr (answers[i], '=');

      if (eq == NULL || eq == answers[i])
        {
          lb_cli_fail (_("--answer takes FIELD=TEXT (got “%s”)"), answers[i]);
          return NULL;
        }
      field = g_strndup (answers[i], eq - answers[i]);
      g_strv_builder_add (builder, field);
      g_strv_builder_add (builder, eq + 1);
    }
  return g_strv_builder_end (builder);
}

static int
cmd_label (int    argc,
           char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *item_id = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *decision = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *note = NULL;
  g_autofree char *box = NULL;
  g_autofree char *polygon = NULL;
  g_autofree char *span = NULL;
  g_autofree char *attributes = NULL;
  g_auto(GStrv) labels = NULL;
  g_auto(GStrv) answers = NULL;
  g_auto(GStrv) answer_pairs = NULL;
  gint64 dwell_ms = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  LbSubmission submission = { 0 };
  gboolean shape;
  gboolean ok = TRUE;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "item", 'i', 0, G_OPTION_ARG_STRING, &item_id, N_("The item's id"), N_("ID") },
    { "actor", 'a', 0, G_OPTION_ARG_STRING, &actor, N_("Who labels"), N_("NAME") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch,
      N_("The item's batch (needed when the id is in several batches)"), N_("NAME") },
    { "label", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &labels,
      N_("A label (repeat for several); with --box, --polygon or --span the region's or "
         "span's label"), N_("L") },
    { "decision", 'd', 0, G_OPTION_ARG_STRING, &decision, N_("A decision"), N_("D") },
    { "reason", 'r', 0, G_OPTION_ARG_STRING, &reason, N_("The decision's reason"), N_("R") },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note"), N_("TEXT") },
    { "box", 0, 0, G_OPTION_ARG_STRING, &box,
      N_("Draw a box (source-image pixels)"), N_("X,Y,W,H") },
    { "polygon", 0, 0, G_OPTION_ARG_STRING, &polygon,
      N_("Draw a polygon (source-image pixels, at least 3 points)"), N_("X1,Y1,X2,Y2,…") },
    { "span", 0, 0, G_OPTION_ARG_STRING, &span,
      N_("Mark a span of the text (Unicode code points, END excluded)"), N_("START,END") },
    { "attributes", 0, 0, G_OPTION_ARG_STRING, &attributes,
      N_("The region's attributes, a JSON object"), N_("JSON") },
    { "answer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &answers,
      N_("Answer a free-text field of the schema (repeat for several)"), N_("FIELD=TEXT") },
    { "dwell-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &dwell_ms, NULL, NULL },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Labels an item and/or makes a decision on it, as one act "
                        "(--label L [--label L2 …] and/or --decision D [--reason R], "
                        "[--note TEXT], --note \"\" clears the note); or draws one region "
                        "(--box or --polygon with --label L) or marks one span (--span with --label L); "
                        "--answer FIELD=TEXT answers a field. Prints the new region's or "
                        "span's id.")))
    return LB_CLI_EXIT_FAILED;
  shape = box != NULL || polygon != NULL || span != NULL;
  if (item_id == NULL)
    return lb_cli_fail (_("Give the item with --item ID"));
  if (actor == NULL || *actor == '\0')
    return lb_cli_fail (_("Give who labels with --actor NAME"));
  if (labels == NULL && decision == NULL && note == NULL && !shape && answers == NULL)
    return lb_cli_fail (_("Give --label L or --decision D (or both), --note TEXT, --box, "
                          "--polygon or --span with --label L, or --answer FIELD=TEXT"));
  if ((box != NULL) + (polygon != NULL) + (span != NULL) > 1)
    return lb_cli_fail (_("Give only one of --box, --polygon and --span"));
  if (shape && (labels == NULL || g_strv_length (labels) != 1))
    return lb_cli_fail (_("--box, --polygon and --span need exactly one --label"));
  if (shape && (decision != NULL || note != NULL))
    return lb_cli_fail (_("--box, --polygon and --span cannot be combined with --decision or "
                          "--note (make them separate calls)"));
  if (attributes != NULL && box == NULL && polygon == NULL)
    return lb_cli_fail (_("--attributes needs --box or --polygon"));
  if (reason != NULL && decision == NULL)
    return lb_cli_fail (_("--reason needs --decision"));
  if (dwell_ms < 0)
    return lb_cli_fail (_("--dwell-ms cannot be negative"));
  answer_pairs = parse_answers (answers);
  if (answer_pairs == NULL)
    return LB_CLI_EXIT_FAILED;

  store = open_store (store_path, OPEN_WRITE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  item = find_item (store, batch, item_id);
  if (item == NULL
      || !check_against_schema (store, item, labels, decision, reason))
    {
      close_store (store);
      return LB_CLI_EXIT_FAILED;
    }

  if (shape)
    ok = label_region_or_span (store, item, actor, FALSE, labels[0], box, polygon, span, attributes,
                               dwell_ms);
  /* labels, decision, note and answers as one act; answers given with a
   * region or span are an act of their own after it */
  if (ok && (!shape || answer_pairs[0] != NULL))
    {
      if (!shape)
        {
          submission.labels = (const char * const *) labels;
          submission.decision = decision;
          submission.reason = reason;
          submission.note = note;
        }
      submission.answers = answer_pairs[0] != NULL ? (const char * const *) answer_pairs : NULL;
      submission.dwell_ms = dwell_ms;

      if (!lb_store_submit (store, lb_item_get_id (item), actor, &submission, &error))
        {
          lb_cli_fail ("%s", error ? error->message : _("Cannot save"));
          ok = FALSE;
        }
    }

  if (ok)
    print_item_state (store, lb_item_get_id (item), item_id);
  close_store (store);
  return ok ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}

typedef enum {
  ACT_SKIP,
  ACT_UNDO,
  ACT_REDO,
} SimpleAct;

/* A lead's correction of an item's regions or spans, kept apart from the
 * annotators' work (role "lead"); the next review of the item (a fix) lists it */
static int
cmd_correct (int    argc,
             char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *item_id = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *label = NULL;
  g_autofree char *box = NULL;
  g_autofree char *polygon = NULL;
  g_autofree char *span = NULL;
  g_autofree char *attributes = NULL;
  g_autofree char *delete_region = NULL;
  g_autofree char *delete_span = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  guint n_shapes, n_deletes;
  gboolean ok;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "item", 'i', 0, G_OPTION_ARG_STRING, &item_id, N_("The item's id"), N_("ID") },
    { "actor", 'a', 0, G_OPTION_ARG_STRING, &actor, N_("The team lead"), N_("LEAD") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch,
      N_("The item's batch (needed when the id is in several batches)"), N_("NAME") },
    { "label", 'l', 0, G_OPTION_ARG_STRING, &label,
      N_("The label of the region or span drawn"), N_("L") },
    { "box", 0, 0, G_OPTION_ARG_STRING, &box,
      N_("Draw a box (source-image pixels)"), N_("X,Y,W,H") },
    { "polygon", 0, 0, G_OPTION_ARG_STRING, &polygon,
      N_("Draw a polygon (source-image pixels, at least 3 points)"), N_("X1,Y1,X2,Y2,…") },
    { "span", 0, 0, G_OPTION_ARG_STRING, &span,
      N_("Mark a span of the text (Unicode code points, END excluded)"), N_("START,END") },
    { "attributes", 0, 0, G_OPTION_ARG_STRING, &attributes,
      N_("The region's attributes, a JSON object"), N_("JSON") },
    { "delete-region", 0, 0, G_OPTION_ARG_STRING, &delete_region,
      N_("Delete a region (its id, as items --json shows)"), N_("ID") },
    { "delete-span", 0, 0, G_OPTION_ARG_STRING, &delete_span,
      N_("Delete a span (its id, as items --json shows)"), N_("ID") },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("A team lead corrects an item's regions or spans before a review: "
                        "draws a box, a polygon or a span (--label L), or deletes one by its "
                        "id. Corrections are the lead's own events; the annotators' work is "
                        "kept. Then review --verdict fix completes the fix, and undoing that "
                        "review takes the corrections back too. Prints the new id.")))
    return LB_CLI_EXIT_FAILED;
  n_shapes = (box != NULL) + (polygon != NULL) + (span != NULL);
  n_deletes = (delete_region != NULL) + (delete_span != NULL);
  if (item_id == NULL)
    return lb_cli_fail (_("Give the item with --item ID"));
  if (actor == NULL || *actor == '\0')
    return lb_cli_fail (_("Give the team lead with --actor LEAD"));
  if (n_shapes + n_deletes != 1)
    return lb_cli_fail (_("Give one of --box, --polygon, --span, --delete-region and "
                          "--delete-span"));
  if (n_shapes == 1 && label == NULL)
    return lb_cli_fail (_("--box, --polygon and --span need --label"));
  if (attributes != NULL && box == NULL && polygon == NULL)
    return lb_cli_fail (_("--attributes needs --box or --polygon"));

  store = open_store (store_path, OPEN_WRITE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  item = find_item (store, batch, item_id);
  if (item == NULL)
    {
      close_store (store);
      return LB_CLI_EXIT_FAILED;
    }

  if (n_shapes == 1)
    ok = label_region_or_span (store, item, actor, TRUE, label, box, polygon, span, attributes,
                               0);
  else
    {
      LbCorrection correction = { 0 };

      correction.kind = delete_region != NULL ? LB_CORRECTION_REGION_DELETE
                                              : LB_CORRECTION_SPAN_DELETE;
      correction.target = delete_region != NULL ? delete_region : delete_span;
      ok = lb_store_correct (store, lb_item_get_id (item), actor, &correction, NULL, &error);
      if (!ok)
        lb_cli_fail ("%s", error ? error->message : _("Cannot save"));
    }

  if (ok)
    print_item_state (store, lb_item_get_id (item), item_id);
  close_store (store);
  return ok ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}

static int
cmd_simple_act (int        argc,
                char     **argv,
                SimpleAct  mode)
{
  static const char *const summaries[] = {
    N_("Skips the item: it stays to do."),
    N_("Undoes the actor's latest act on the item (appends a retraction; nothing is "
       "deleted)."),
    N_("Redoes the actor's latest undo on the item (retracts the retraction), unless the "
       "actor acted on the item since."),
  };
  g_autofree char *store_path = NULL;
  g_autofree char *item_id = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbItem) item = NULL;
  gboolean ok;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "item", 'i', 0, G_OPTION_ARG_STRING, &item_id, N_("The item's id"), N_("ID") },
    { "actor", 'a', 0, G_OPTION_ARG_STRING, &actor, N_("Who acts"), N_("NAME") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch,
      N_("The item's batch (needed when the id is in several batches)"), N_("NAME") },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _(summaries[mode])))
    return LB_CLI_EXIT_FAILED;
  if (item_id == NULL)
    return lb_cli_fail (_("Give the item with --item ID"));
  if (actor == NULL || *actor == '\0')
    return lb_cli_fail (_("Give who acts with --actor NAME"));

  store = open_store (store_path, OPEN_WRITE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  item = find_item (store, batch, item_id);
  if (item == NULL)
    {
      close_store (store);
      return LB_CLI_EXIT_FAILED;
    }

  if (mode == ACT_UNDO)
    ok = lb_store_undo (store, lb_item_get_id (item), actor, &error);
  else if (mode == ACT_REDO)
    ok = lb_store_redo (store, lb_item_get_id (item), actor, &error);
  else
    ok = lb_store_skip (store, lb_item_get_id (item), actor, 0, &error);

  if (!ok)
    {
      close_store (store);
      return lb_cli_fail ("%s", error ? error->message : _("Cannot save"));
    }

  print_item_state (store, lb_item_get_id (item), item_id);
  close_store (store);
  return LB_CLI_EXIT_OK;
}

static int
cmd_undo (int    argc,
          char **argv)
{
  return cmd_simple_act (argc, argv, ACT_UNDO);
}

static int
cmd_skip (int    argc,
          char **argv)
{
  return cmd_simple_act (argc, argv, ACT_SKIP);
}

static int
cmd_redo (int    argc,
          char **argv)
{
  return cmd_simple_act (argc, argv, ACT_REDO);
}

/* export ----------------------------------------------------------------- */

/* TRUE when writing to output would write over the store or one of the
 * files SQLite and Labelbench keep beside it. */
static gboolean
output_is_store_file (const char *output,
                      const char *store_path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", ".lock" };
  g_autofree char *output_abs = g_canonicalize_filename (output, NULL);
  g_autofree char *store_abs = g_canonicalize_filename (store_path, NULL);
  GStatBuf out_st;
  gboolean have_out_st = g_stat (output, &out_st) == 0;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (store_abs, suffixes[i], NULL);
      GStatBuf st;

      if (g_strcmp0 (name, output_abs) == 0)
        return TRUE;
      if (have_out_st && g_stat (name, &st) == 0
          && st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino)
        return TRUE;
    }
  return FALSE;
}

static int
cmd_export (int    argc,
            char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *format = NULL;
  g_autofree char *output_path = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *since = NULL;
  g_auto(GStrv) warnings = NULL;
  gint64 after_seq = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) output = NULL;
  LbExportFilter filter = { 0 };
  guint64 n_written = 0;
  gboolean to_stdout;
  gboolean counts_events;
  gboolean ok;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      N_("Output format: jsonl (default), state-jsonl, csv, label-studio, coco, voc, yolo, "
         "conll, bundle"), N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output_path,
      N_("Write to PATH (a file, written atomically; a folder for voc and yolo); "
         "- or none: standard output"), N_("PATH") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch, N_("Only this batch"), N_("NAME") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since,
      N_("Only items with an event at or after TIME (events: the events at or after it); "
         "RFC 3339 or YYYY-MM-DD (UTC)"), N_("TIME") },
    { "after-seq", 0, 0, G_OPTION_ARG_INT64, &after_seq,
      N_("jsonl: only the events after this sequence number"), N_("N") },
    { "reviewed", 0, 0, G_OPTION_ARG_NONE, &filter.reviewed_only,
      N_("Item formats: only the items a lead accepted or fixed (with the corrections)"),
      NULL },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Exports the store. jsonl: the event log, one JSON object per "
                        "line and per event: uuid, seq, seat, batch, item, actor, role, "
                        "kind, payload, time (UTC), time_us, dwell_ms, act, prev_hash, "
                        "hash. state-jsonl and csv: the current state of each item. "
                        "label-studio: Label Studio tasks. coco: COCO detection. voc, "
                        "yolo: folders of annotation files. conll: text spans as BIO "
                        "tags. bundle: a seat bundle to merge into another store.")))
    return LB_CLI_EXIT_FAILED;
  if (format == NULL)
    format = g_strdup ("jsonl");
  if (!g_strv_contains (lb_export_get_formats (), format))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) lb_export_get_formats ());
      return lb_cli_fail (_("Unknown export format “%s” (supported: %s)"), format, list);
    }
  if (after_seq < 0)
    return lb_cli_fail (_("--after-seq cannot be negative"));
  if (after_seq > 0 && !g_str_equal (format, "jsonl"))
    return lb_cli_fail (_("--after-seq applies to the jsonl format only"));
  if (since != NULL && !lb_export_parse_time (since, &filter.since_us, &error))
    return lb_cli_fail ("--since: %s", error->message);
  to_stdout = output_path == NULL || g_str_equal (output_path, "-");
  if (to_stdout && lb_export_format_is_directory (format))
    return lb_cli_fail (_("The %s export is a folder: give it with -o FOLDER"), format);
  filter.batch = batch;
  filter.after_seq = after_seq;
  counts_events = g_str_equal (format, "jsonl") || g_str_equal (format, "bundle");

  store = open_store (store_path, OPEN_READ);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  if (!to_stdout && output_is_store_file (output_path, lb_store_get_path (store)))
    {
      close_store (store);
      return lb_cli_fail (_("%s is the store (or one of its files); give another file to "
                            "--output"), output_path);
    }

  if (to_stdout)
    {
      fflush (stdout);
      output = g_unix_output_stream_new (1, FALSE);
      ok = lb_export_to_stream (store, format, &filter, output, NULL, NULL, &n_written,
                                &warnings, NULL, &error);
    }
  else
    {
      /* a temporary file beside the target, fsynced and renamed over it at the end */
      ok = lb_export_to_path_full (store, format, &filter, output_path, NULL, NULL, &n_written,
                                   &warnings, NULL, &error);
    }
  close_store (store);

  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_printerr (_("Warning: %s\n"), warnings[i]);

  /* The reader went away (export | head): nothing to tell it */
  if (!ok && to_stdout && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return LB_CLI_EXIT_FAILED;
  if (!ok)
    return lb_cli_fail ("%s", error ? error->message : _("The export failed"));

  if (!to_stdout)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n_written);

      if (counts_events)
        /* TRANSLATORS: %s is the number of events, then the file */
        g_printerr (g_dngettext (GETTEXT_PACKAGE, "Exported %s event to %s\n",
                                 "Exported %s events to %s\n",
                                 (gulong) MIN (n_written, G_MAXULONG)),
                    count, output_path);
      else
        /* TRANSLATORS: %s is the number of items, then the file or folder */
        g_printerr (g_dngettext (GETTEXT_PACKAGE, "Exported %s item to %s\n",
                                 "Exported %s items to %s\n",
                                 (gulong) MIN (n_written, G_MAXULONG)),
                    count, output_path);
    }
  return LB_CLI_EXIT_OK;
}

/* stats ------------------------------------------------------------------ */

static void
print_counts (JsonObject *root,
              const char *member,
              const char *title)
{
  JsonObject *obj = json_object_get_member (root, member) != NULL
                    && JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, member))
                    ? json_object_get_object_member (root, member) : NULL;
  g_autoptr(GList) names = NULL;

  printf ("\n%s\n", title);
  if (obj == NULL || json_object_get_size (obj) == 0)
    {
      printf ("  %s\n", _("(none)"));
      return;
    }
  names = json_object_get_members (obj);
  for (GList *l = names; l != NULL; l = l->next)
    printf ("  %-30s %10" G_GINT64_FORMAT "\n", (const char *) l->data,
            json_object_get_int_member (obj, l->data));
}

static gint64
int_member (JsonObject *obj,
            const char *name)
{
  return obj != NULL && json_object_has_member (obj, name)
         ? json_object_get_int_member (obj, name) : 0;
}

static void
print_stats (JsonObject *root)
{
  JsonNode *actors_node = json_object_get_member (root, "actors");
  JsonObject *actors = actors_node && JSON_NODE_HOLDS_OBJECT (actors_node)
                       ? json_node_get_object (actors_node) : NULL;
  g_autoptr(GList) names = NULL;

  printf ("%-32s %10" G_GINT64_FORMAT "\n", _("Items"), int_member (root, "items"));
  printf ("  %-30s %10" G_GINT64_FORMAT "\n", _("done"), int_member (root, "done"));
  printf ("  %-30s %10" G_GINT64_FORMAT "\n", _("to do"), int_member (root, "todo"));
  printf ("  %-30s %10" G_GINT64_FORMAT "\n", _("skipped"), int_member (root, "skipped"));
  printf ("  %-30s %10" G_GINT64_FORMAT "\n", _("flagged"), int_member (root, "flagged"));
  printf ("%-32s %10" G_GINT64_FORMAT "\n", _("Events"), int_member (root, "events"));

  print_counts (root, "labels", _("Labels (items)"));
  print_counts (root, "decisions", _("Decisions (items)"));
  print_counts (root, "reasons", _("Reasons (items)"));

  printf ("\n%-32s %10s %10s %10s %12s\n", _("Actors"), _("items"), _("events"), _("acts"),
          _("mean dwell"));
  if (actors == NULL || json_object_get_size (actors) == 0)
    {
      printf ("  %s\n", _("(none)"));
      return;
    }
  names = json_object_get_members (actors);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (actors, l->data);
      JsonObject *a = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      printf ("  %-30s %10" G_GINT64_FORMAT " %10" G_GINT64_FORMAT " %10" G_GINT64_FORMAT
              " %10.1f s\n",
              (const char *) l->data, int_member (a, "items"), int_member (a, "events"),
              int_member (a, "acts"), int_member (a, "mean_dwell_ms") / 1000.0);
    }
}

static int
cmd_stats (int    argc,
           char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *batch_name = NULL;
  gboolean json = FALSE;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) stats = NULL;
  gint64 batch_id = 0;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch_name, N_("Only this batch"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Write a JSON object"), NULL },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Counts items by state, label, decision and reason, and "
                        "the work of each actor.")))
    return LB_CLI_EXIT_FAILED;

  store = open_store (store_path, OPEN_READ);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  if (!resolve_batch (store, batch_name, &batch_id))
    {
      close_store (store);
      return LB_CLI_EXIT_FAILED;
    }

  stats = lb_stats_compute (store, batch_id, &error);
  close_store (store);
  if (stats == NULL)
    return lb_cli_fail ("%s", error ? error->message : _("Cannot compute the statistics"));

  if (json)
    {
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *text = NULL;

      json_generator_set_pretty (gen, TRUE);
      json_generator_set_root (gen, stats);
      text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
    }
  else if (JSON_NODE_HOLDS_OBJECT (stats))
    {
      print_stats (json_node_get_object (stats));
    }

  if (fflush (stdout) != 0)
    return LB_CLI_EXIT_FAILED;
  return LB_CLI_EXIT_OK;
}

/* verify ----------------------------------------------------------------- */

static int
cmd_verify (int    argc,
            char **argv)
{
  g_autofree char *store_path = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n_events;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Checks the store's integrity and every seat's hash chain; "
                        "names the first broken event.")))
    return LB_CLI_EXIT_FAILED;

  store = open_store (store_path, OPEN_READ);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  if (!lb_store_verify (store, &error))
    {
      close_store (store);
      return lb_cli_fail ("%s", error ? error->message : _("The store did not verify"));
    }
  n_events = lb_store_get_last_seq (store);
  close_store (store);

  {
    g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, n_events);

    /* TRANSLATORS: %s is the number of events */
    printf (g_dngettext (GETTEXT_PACKAGE, "OK: %s event, chain intact\n",
                         "OK: %s events, chain intact\n", (gulong) MAX (n_events, 0)),
            count);
  }
  return fflush (stdout) == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}

/* batches ---------------------------------------------------------------- */

static int
cmd_batches (int    argc,
             char **argv)
{
  g_autofree char *store_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Lists the batches: name, items, done, the imported source and "
                        "the folder of its files, separated by tabs.")))
    return LB_CLI_EXIT_FAILED;

  store = open_store (store_path, OPEN_READ);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;

  batches = lb_store_list_batches (store, &error);
  if (batches == NULL)
    {
      close_store (store);
      return lb_cli_fail ("%s", error ? error->message : _("Cannot list the batches"));
    }
  for (guint i = 0; i < batches->len; i++)
    {
      LbBatch *b = g_ptr_array_index (batches, i);

      printf ("%s\t%u\t%u\t%s\t%s\n", b->name,
              lb_store_count_items (store, b->id, LB_ITEM_FILTER_ALL),
              lb_store_count_items (store, b->id, LB_ITEM_FILTER_DONE),
              b->source ? b->source : "", b->root ? b->root : "");
    }
  close_store (store);
  return fflush (stdout) == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}

/* A batch whose files moved, or that a seat bundle brought from another
 * seat: where its files are on this machine */
static int
cmd_relocate (int    argc,
              char **argv)
{
  g_autofree char *store_path = NULL;
  g_autofree char *batch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbBatch) b = NULL;
  g_autofree char *given = NULL;
  g_autofree char *folder = NULL;
  LbStore *store;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &store_path, N_("The store"), N_("DB") },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch, N_("The batch"), N_("NAME") },
    { "folder", 'f', 0, G_OPTION_ARG_FILENAME, &given, N_("Where the batch's files are now"),
      N_("DIR") },
    { NULL }
  };

  if (!parse_command (argc, argv, entries,
                      _("Points the batch at the folder where its items' files are now "
                        "(after they moved, or for a batch merged from another seat's "
                        "bundle); refused when none of the batch's images is there. Prints "
                        "the batch and its folder.")))
    return LB_CLI_EXIT_FAILED;
  if (batch == NULL)
    return lb_cli_fail (_("Give the batch with --batch NAME"));
  if (given == NULL)
    return lb_cli_fail (_("Give the folder with --folder DIR"));
  folder = g_canonicalize_filename (given, NULL);

  store = open_store (store_path, OPEN_WRITE);
  if (store == NULL)
    return LB_CLI_EXIT_FAILED;
  b = lb_store_find_batch (store, batch, &error);
  if (b == NULL || !lb_store_set_batch_root (store, b->id, folder, &error))
    {
      close_store (store);
      return lb_cli_fail ("%s", error != NULL ? error->message : _("No such batch"));
    }
  printf ("%s\t%s\n", b->name, folder);
  close_store (store);
  return fflush (stdout) == 0 ? LB_CLI_EXIT_OK : LB_CLI_EXIT_FAILED;
}

/* main ------------------------------------------------------------------- */

/* With stdin, stdout or stderr closed, the next file opened (the store!)
 * would get its number and our output would go into it. Hold them with
 * /dev/null opened read-only: writing there fails, as it should. */
static void
hold_standard_fds (void)
{
  for (int fd = 0; fd <= 2; fd++)
    {
      if (fcntl (fd, F_GETFD) == -1 && errno == EBADF)
        {
          int null_fd = open ("/dev/null", O_RDONLY);

          if (null_fd >= 0 && null_fd != fd)
            {
              dup2 (null_fd, fd);
              close (null_fd);
            }
        }
    }
}

static const LbCliCommand commands[] = {
  { "import", N_("Import a folder, a JSONL/CSV manifest or Label Studio tasks as a batch, "
                 "or merge a seat bundle"),
    cmd_import },
  { "batches", N_("List the batches"), cmd_batches },
  { "relocate", N_("Point a batch at the folder where its files are now"), cmd_relocate },
  { "items", N_("List items and their state (plain or JSON)"), cmd_items },
  { "label", N_("Label an item and/or make a decision on it"), cmd_label },
  { "skip", N_("Skip an item"), cmd_skip },
  { "undo", N_("Undo an actor's latest act on an item"), cmd_undo },
  { "redo", N_("Redo an actor's latest undo on an item"), cmd_redo },
  { "accept", N_("Accept an item's pre-annotations as an actor's own"), lb_cli_accept },
  { "export", N_("Export events or item state: JSONL, CSV, Label Studio, COCO, VOC, YOLO, "
                 "CoNLL, seat bundle"), cmd_export },
  { "stats", N_("Count items, labels, decisions and work per actor"), cmd_stats },
  { "verify", N_("Check the store's integrity and hash chains"), cmd_verify },
  { "review", N_("Review an item as a lead: accept, fix or reject; mark it gold"),
    lb_cli_review },
  { "correct", N_("Correct an item's regions or spans as a lead, before a fix"), cmd_correct },
  { "report", N_("Write the quality report (agreement, throughput, gold, reviews) as JSON "
                 "or CSV"), lb_cli_report },
  { "overlap", N_("Show or set how many annotators each item of a batch asks for"),
    lb_cli_overlap },
  { "queue", N_("List the items to review (filtered, sampled) or an annotator's queue"),
    lb_cli_review_queue },
  { "sync", N_("Send the events to the sync sink (outbox, HTTP, PostgreSQL)"), lb_cli_sync },
  { "bench", N_("Measure import, commit, decode and export speed"), lb_cli_bench },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n  labelbench-cli %s\n\n%s\n", _("Usage:"), _("COMMAND [OPTION…]"),
           _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n\n%s\n",
           _("“labelbench-cli COMMAND --help” shows the options of a command."),
           exit_status_text ());
}

int
main (int    argc,
      char **argv)
{
  const char *name;

  hold_standard_fds ();

  setlocale (LC_ALL, "");
  /* LABELBENCH_LOCALEDIR: the translations of a build tree (tests, run-demo) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LABELBENCH_LOCALEDIR") != NULL
                                     ? g_getenv ("LABELBENCH_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A closed pipe (labelbench-cli export | head) is a write error, not a signal */
  signal (SIGPIPE, SIG_IGN);

  g_set_prgname ("labelbench-cli");

  if (argc < 2)
    {
      print_usage (stderr);
      return LB_CLI_EXIT_FAILED;
    }

  name = argv[1];
  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") || g_str_equal (name, "help")
      || g_str_equal (name, "-?"))
    {
      print_usage (stdout);
      return LB_CLI_EXIT_OK;
    }
  if (g_str_equal (name, "--version"))
    {
      printf ("labelbench-cli %s\n", PACKAGE_VERSION);
      return LB_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (name, commands[i].name))
        return commands[i].func (argc - 1, argv + 1);
    }

  return lb_cli_fail (_("Unknown command “%s” (see “labelbench-cli --help”)"), name);
}
