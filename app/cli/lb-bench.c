/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-bench"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixoutputstream.h>
#include <png.h>
#include <jpeglib.h>

#include "lb-export.h"
#include "lb-image.h"
#include "lb-import.h"
#include "lb-schema.h"
#include "lb-store.h"
#include "lb-store-private.h"
#include "lb-cli.h"

#include <sqlite3.h>

/* Targets from DESIGN.md */
#define TARGET_IMPORT_PER_S   200000.0
#define TARGET_COMMIT_P99_MS  5.0
#define TARGET_PNG_MPS        50.0
#define TARGET_JPEG_MPS       150.0
#define TARGET_EXPORT_PER_S   (1000000.0 / 3.0)

typedef struct {
  char     *dir;
  gboolean  quick;
  gboolean  keep;     /* --keep: also the export-formats stores */
  gboolean  failed;
} Bench;

static double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC;
}

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
remove_tree (const char *path)
{
  GDir *dir;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
bench_error (Bench      *bench,
             const char *what,
             GError     *error)
{
  bench->failed = TRUE;
  fflush (stdout);
  fprintf (stderr, "labelbench-cli: bench: %s: %s\n", what,
           error ? error->message : _("failed"));
}

static LbStore *
bench_open_store (Bench      *bench,
                  const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (bench->dir, name, NULL);
  LbStore *store = lb_store_open (path, LB_STORE_OPEN_DEFAULT, &error);

  if (store == NULL)
    bench_error (bench, path, error);
  return store;
}

static void
bench_close_store (LbStore *store)
{
  if (store == NULL)
    return;
  lb_store_close (store);
  g_object_unref (store);
  drain_main_context ();
}

/* Manifest rows ---------------------------------------------------------- */

static const char * const words_en[] = {
  "the", "review", "comment", "seller", "shipped", "quickly", "great", "price", "never",
  "again", "works", "as", "described", "broken", "on", "arrival", "would", "buy", "refund",
  "please", "support", "answered", "after", "three", "days", "colour", "size", "fits",
  "battery", "lasts", "long", "screen", "bright", "cheap", "plastic", "love", "it",
};
static const char * const words_zh[] = {
  "质量", "很好", "物流", "太慢", "客服", "态度", "不错", "价格",
  "便宜", "推荐", "购买", "包装", "破损", "颜色", "尺寸", "合适",
  "退款", "一般",
};

static void
append_row_text (GString *s,
                 GRand   *rand,
                 guint    row)
{
  guint n_words = g_rand_int_range (rand, 6, 16);
  gboolean zh = row % 5 == 4;

  for (guint w = 0; w < n_words; w++)
    {
      if (zh)
        g_string_append (s, words_zh[g_rand_int_range (rand, 0, G_N_ELEMENTS (words_zh))]);
      else
        {
          if (w > 0)
            g_string_append_c (s, ' ');
          g_string_append (s, words_en[g_rand_int_range (rand, 0, G_N_ELEMENTS (words_en))]);
        }
    }
  g_string_append_printf (s, " #%u", row);
}

/* Writes the same n text rows as a JSONL and a CSV manifest. */
static gboolean
write_manifests (const char  *jsonl_path,
                 const char  *csv_path,
                 guint        n,
                 GError     **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GString) jsonl = g_string_sized_new (1 << 20);
  g_autoptr(GString) csv = g_string_sized_new (1 << 20);
  g_autoptr(GString) text = g_string_new (NULL);
  FILE *fj = g_fopen (jsonl_path, "wb");
  FILE *fc = g_fopen (csv_path, "wb");
  gboolean ok = fj != NULL && fc != NULL;

  if (ok)
    g_string_append (csv, "id,text\n");

  for (guint i = 0; ok && i < n; i++)
    {
      g_string_truncate (text, 0);
      append_row_text (text, rand, i);
      /* the words hold no character that JSON or CSV would need to escape */
      g_string_append_printf (jsonl, "{\"id\": \"t%07u\", \"text\": \"%s\"}\n", i, text->str);
      g_string_append_printf (csv, "t%07u,\"%s\"\n", i, text->str);

      if (jsonl->len > (1 << 20) || i + 1 == n)
        {
          ok = fwrite (jsonl->str, 1, jsonl->len, fj) == jsonl->len
               && fwrite (csv->str, 1, csv->len, fc) == csv->len;
          g_string_truncate (jsonl, 0);
          g_string_truncate (csv, 0);
        }
    }

  if (fj != NULL && fclose (fj) != 0)
    ok = FALSE;
  if (fc != NULL && fclose (fc) != 0)
    ok = FALSE;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write the manifests in %s"),
                 jsonl_path);
  return ok;
}

/* The sqlite3 shell's own .import of the CSV rows, as the reference.
 * Returns the time in seconds, or < 0 when the shell is missing or failed. */
static double
time_sqlite3_import (const char *db_path,
                     const char *csv_path,
                     char      **error_text)
{
  g_autofree char *sqlite3 = g_find_program_in_path ("sqlite3");
  g_autofree char *import_cmd = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  int status = 0;

  *error_text = NULL;
  if (sqlite3 == NULL)
    return -1;

  import_cmd = g_strdup_printf (".import \"%s\" t", csv_path);
  {
    const char *argv[] = { sqlite3, "-batch", db_path, ".mode csv", import_cmd, NULL };

    start = g_get_monotonic_time ();
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                       NULL, &err, &status, &error))
      {
        *error_text = g_strdup (error->message);
        return -2;
      }
  }
  {
    double secs = seconds_since (start);

    if (!g_spawn_check_wait_status (status, &error))
      {
        *error_text = g_strdup_printf ("%s %s", error->message, err ? g_strstrip (err) : "");
        return -2;
      }
    return secs;
  }
}

static void
bench_import (Bench *bench,
              guint  n)
{
  g_autofree char *jsonl_path = g_build_filename (bench->dir, "rows.jsonl", NULL);
  g_autofree char *csv_path = g_build_filename (bench->dir, "rows.csv", NULL);
  g_autofree char *store_name = g_strdup_printf ("import-%u.db", n);
  g_autofree char *ref_name = g_strdup_printf ("sqlite3-%u.db", n);
  g_autofree char *ref_path = g_build_filename (bench->dir, ref_name, NULL);
  g_autofree char *store_path = g_build_filename (bench->dir, store_name, NULL);
  g_autofree char *ref_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImportReport) report = NULL;
  LbImportOptions options = { .name = "bench", .schema_path = NULL };
  LbStore *store;
  double secs, ref_secs;
  gint64 start;

  if (!write_manifests (jsonl_path, csv_path, n, &error))
    {
      bench_error (bench, _("import"), error);
      return;
    }

  store = bench_open_store (bench, store_name);
  if (store == NULL)
    return;

  start = g_get_monotonic_time ();
  report = lb_import (store, jsonl_path, &options, NULL, NULL, NULL, &error);
  secs = seconds_since (start);
  bench_close_store (store);

  if (report == NULL)
    {
      bench_error (bench, _("import"), error);
      return;
    }
  if (report->n_added != n)
    {
      g_autoptr(GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                         _("imported %u of %u rows"), report->n_added, n);
      bench_error (bench, _("import"), e);
    }

  printf (_("import %u rows: %.2f s, %.0f items/s (target ≥ %.0f/s)"), n, secs,
          n / MAX (secs, 1e-9), TARGET_IMPORT_PER_S);

  ref_secs = time_sqlite3_import (ref_path, csv_path, &ref_error);
  if (ref_secs == -1)
    printf ("; %s\n", _("sqlite3 reference: not available (install sqlite3)"));
  else if (ref_secs < 0)
    printf ("; %s %s\n", _("sqlite3 reference failed:"), ref_error ? ref_error : "");
  else
    printf (_("; sqlite3 .import of the same rows: %.2f s, %.0f rows/s\n"), ref_secs,
            n / MAX (ref_secs, 1e-9));
  fflush (stdout);

  g_unlink (jsonl_path);
  g_unlink (csv_path);
  remove_tree (ref_path);
  remove_tree (store_path);
  {
    g_autofree char *wal = g_strconcat (store_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (store_path, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
}

/* Commit latency --------------------------------------------------------- */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint idx;

  if (sorted->len == 0)
    return 0;
  idx = (guint) ceil (p / 100.0 * sorted->len);
  idx = CLAMP (idx, 1, sorted->len) - 1;
  return g_array_index (sorted, double, idx);
}

/* Imports n text items and submits one act on each: a label and, when the
 * schema has one that needs no reason, a decision. Returns the store (for
 * the export figure), or NULL. */
static LbStore *
bench_commit (Bench *bench,
              guint  n)
{
  g_autofree char *jsonl_path = g_build_filename (bench->dir, "commit.jsonl", NULL);
  g_autofree char *csv_path = g_build_filename (bench->dir, "commit.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImportReport) report = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) times = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  const char *decision = NULL;
  const char *labels[2] = { NULL, NULL };
  LbImportOptions options = { .name = "commit", .schema_path = NULL };
  LbStore *store;
  gint64 start_all;
  double total;

  if (!write_manifests (jsonl_path, csv_path, n, &error))
    {
      bench_error (bench, _("commit"), error);
      return NULL;
    }

  store = bench_open_store (bench, "commit.db");
  if (store == NULL)
    return NULL;

  report = lb_import (store, jsonl_path, &options, NULL, NULL, NULL, &error);
  g_unlink (jsonl_path);
  g_unlink (csv_path);
  if (report == NULL)
    goto fail;

  schema = lb_store_get_batch_schema (store, report->batch_id, &error);
  if (schema == NULL)
    goto fail;
  ids = lb_store_list_item_ids (store, report->batch_id, LB_ITEM_FILTER_ALL, &error);
  if (ids == NULL)
    goto fail;
  if (lb_schema_get_n_labels (schema) > 0)
    labels[0] = lb_schema_get_label (schema, 0)->id;
  for (guint i = 0; i < lb_schema_get_n_decisions (schema); i++)
    {
      const LbSchemaDecision *d = lb_schema_get_decision (schema, i);

      if (!d->needs_reason)
        {
          decision = d->id;
          break;
        }
    }

  start_all = g_get_monotonic_time ();
  for (guint i = 0; i < n && i < ids->len; i++)
    {
      LbSubmission sub = { 0 };
      gint64 start;
      double ms;

      sub.labels = labels[0] != NULL ? labels : NULL;
      sub.decision = decision;
      sub.dwell_ms = 800 + i % 1700;
      start = g_get_monotonic_time ();
      if (!lb_store_submit (store, g_array_index (ids, gint64, i), "bench", &sub, &error))
        goto fail;
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (times, ms);
      if (i % 256 == 0)
        drain_main_context ();
    }
  total = seconds_since (start_all);
  drain_main_context ();

  g_array_sort (times, compare_doubles);
  printf (_("durable commit, %u submits (one transaction each, synchronous=FULL): "
            "p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.0f commits/s (target p99 ≤ %.0f ms)\n"),
          times->len, percentile (times, 50), percentile (times, 99),
          times->len ? g_array_index (times, double, times->len - 1) : 0.0,
          times->len / MAX (total, 1e-9), TARGET_COMMIT_P99_MS);
  fflush (stdout);
  return store;

fail:
  bench_error (bench, _("commit"), error);
  bench_close_store (store);
  return NULL;
}

/* Decoding --------------------------------------------------------------- */

/* A photo-like RGB image: smooth gradients, soft shapes and sensor noise. */
static guint8 *
make_photo (guint width,
            guint height)
{
  guint8 *pixels = g_malloc ((gsize) width * height * 3);
  guint32 seed = 0x9e3779b9;

  for (guint y = 0; y < height; y++)
    {
      guint8 *row = pixels + (gsize) y * width * 3;
      double fy = (double) y / height;

      for (guint x = 0; x < width; x++)
        {
          double fx = (double) x / width;
          double shade = 0.5 + 0.5 * sin (fx * 7.0 + fy * 3.0) * cos (fy * 5.0 - fx * 2.0);
          double r = 40 + 150 * fx + 50 * shade;
          double g = 60 + 120 * fy + 60 * shade;
          double b = 90 + 100 * (1 - fx) * fy + 40 * shade;
          int noise;

          seed = seed * 1664525u + 1013904223u;
          noise = (int) ((seed >> 24) & 0x0f) - 8;
          row[x * 3 + 0] = CLAMP ((int) r + noise, 0, 255);
          row[x * 3 + 1] = CLAMP ((int) g + noise, 0, 255);
          row[x * 3 + 2] = CLAMP ((int) b + noise, 0, 255);
        }
    }
  return pixels;
}

static gboolean
write_png (const char    *path,
           const guint8  *pixels,
           guint          width,
           guint          height,
           GError       **error)
{
  png_image image;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;

  if (!png_image_write_to_file (&image, path, 0, pixels, (png_int_32) (width * 3), NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, image.message);
      png_image_free (&image);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegError;

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegError *err = (JpegError *) cinfo->err;

  cinfo->err->format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

static gboolean
write_jpeg (const char    *path,
            const guint8  *pixels,
            guint          width,
            guint          height,
            int            quality,
            GError       **error)
{
  struct jpeg_compress_struct cinfo;
  JpegError jerr;
  FILE *volatile file = NULL;

  file = g_fopen (path, "wb");
  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }

  cinfo.err = jpeg_std_error (&jerr.pub);
  jerr.pub.error_exit = jpeg_error_exit_cb;
  if (setjmp (jerr.jump))
    {
      jpeg_destroy_compress (&cinfo);
      fclose (file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, jerr.message);
      return FALSE;
    }

  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, file);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) (pixels + (gsize) cinfo.next_scanline * width * 3);
      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);

  if (fclose (file) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static void
bench_decode_one (Bench      *bench,
                  const char *what,
                  const char *path,
                  guint       width,
                  guint       height,
                  guint       runs,
                  double      target)
{
  g_autoptr(GError) error = NULL;
  gint64 start;
  double secs;

  /* once to warm the page cache */
  {
    g_autoptr(LbImage) image = lb_image_decode_file (path, 0, 0, lb_image_limits_default (),
                                                     &error);
    if (image == NULL)
      {
        bench_error (bench, what, error);
        return;
      }
    if (lb_image_get_width (image) != width || lb_image_get_height (image) != height)
      {
        g_autoptr(GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                           _("decoded %ux%u, expected %ux%u"),
                                           lb_image_get_width (image),
                                           lb_image_get_height (image), width, height);
        bench_error (bench, what, e);
        return;
      }
  }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(LbImage) image = lb_image_decode_file (path, 0, 0, lb_image_limits_default (),
                                                       &error);
      if (image == NULL)
        {
          bench_error (bench, what, error);
          return;
        }
    }
  secs = seconds_since (start);

  printf (_("%s decode %ux%u, full size, 1 thread: %.1f MP/s, %.1f ms per image "
            "(target ≥ %.0f MP/s)\n"),
          what, width, height, (double) width * height * runs / 1e6 / MAX (secs, 1e-9),
          secs * 1000.0 / runs, target);
  fflush (stdout);
}

static void
bench_decode (Bench *bench)
{
  guint width = bench->quick ? 640 : 4000;
  guint height = bench->quick ? 480 : 3000;
  guint runs = bench->quick ? 3 : 8;
  g_autofree char *png_path = g_build_filename (bench->dir, "photo.png", NULL);
  g_autofree char *jpeg_path = g_build_filename (bench->dir, "photo.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = make_photo (width, height);

  if (!write_png (png_path, pixels, width, height, &error))
    bench_error (bench, "PNG", error);
  else
    bench_decode_one (bench, "PNG", png_path, width, height, runs, TARGET_PNG_MPS);

  g_clear_error (&error);
  if (!write_jpeg (jpeg_path, pixels, width, height, 90, &error))
    bench_error (bench, "JPEG", error);
  else
    bench_decode_one (bench, _("JPEG (quality 90)"), jpeg_path, width, height, runs * 2,
                      TARGET_JPEG_MPS);
}

/* Export ----------------------------------------------------------------- */

/* More events for the export figure, through the public API: acts of a
 * label, a decision and a note (three events each), every act its own
 * durable transaction, until the store holds n_events or time runs out. */
static void
bench_make_events (Bench   *bench,
                   LbStore *store,
                   gint64   n_events)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(LbSchema) schema = NULL;
  g_autoptr(GArray) ids = NULL;
  const char *labels[2] = { NULL, NULL };
  const char *decision = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 first_seq = lb_store_get_last_seq (store);
  guint n_acts = 0;
  LbBatch *batch;

  if (first_seq >= n_events)
    return;

  batches = lb_store_list_batches (store, &error);
  if (batches == NULL || batches->len == 0)
    goto fail;
  batch = g_ptr_array_index (batches, 0);
  schema = lb_store_get_batch_schema (store, batch->id, &error);
  if (schema == NULL)
    goto fail;
  ids = lb_store_list_item_ids (store, batch->id, LB_ITEM_FILTER_ALL, &error);
  if (ids == NULL || ids->len == 0)
    goto fail;
  if (lb_schema_get_n_labels (schema) > 0)
    labels[0] = lb_schema_get_label (schema, lb_schema_get_n_labels (schema) - 1)->id;
  for (guint i = 0; i < lb_schema_get_n_decisions (schema); i++)
    if (!lb_schema_get_decision (schema, i)->needs_reason)
      decision = lb_schema_get_decision (schema, i)->id;

  while (lb_store_get_last_seq (store) < n_events && seconds_since (start) < 90.0)
    {
      LbSubmission sub = { 0 };
      g_autofree char *note = g_strdup_printf ("bench note %u: \"quoted\", 中文, tab\tend",
                                               n_acts);

      sub.labels = labels[0] != NULL ? labels : NULL;
      sub.decision = decision;
      sub.note = note;
      sub.dwell_ms = 1000 + n_acts % 3000;
      if (!lb_store_submit (store, g_array_index (ids, gint64, n_acts % ids->len), "bench-2",
                            &sub, &error))
        goto fail;
      n_acts++;
      if (n_acts % 256 == 0)
        drain_main_context ();
    }
  drain_main_context ();

  {
    g_autofree char *made = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             lb_store_get_last_seq (store) - first_seq);

    printf (_("  (made %s more events for the export, %u acts of a label, a "
              "decision and a note, in %.1f s)\n"),
            made, n_acts, seconds_since (start));
  }
  fflush (stdout);
  return;

fail:
  bench_error (bench, _("export"), error);
}

static double run_export_child (const char  *store_path,
                                const char  *format,
                                const char  *out_path,
                                long        *max_rss_kib,
                                double      *cpu_secs,
                                GError     **error);

static void
bench_export (Bench   *bench,
              LbStore *store)
{
  g_autofree char *path = g_build_filename (bench->dir, "events.jsonl", NULL);
  g_autoptr(GError) error = NULL;
  guint64 n_events = 0, total = 0;
  g_autofree char *n_events_str = NULL;
  g_autofree char *total_str = NULL;
  guint64 goal = bench->quick ? 100000 : 1000000;
  guint passes = 0;
  gint64 start;
  double secs, first_secs;
  int fd;

  /* One pass over every event to a file */
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", path,
                   g_strerror (errno));
      bench_error (bench, _("export"), error);
      return;
    }
  {
    g_autoptr(GOutputStream) out = g_unix_output_stream_new (fd, TRUE);

    start = g_get_monotonic_time ();
    if (!lb_export_events_jsonl (store, 0, out, &n_events, NULL, &error)
        || !g_output_stream_close (out, NULL, &error))
      {
        bench_error (bench, _("export"), error);
        return;
      }
    first_secs = seconds_since (start);
  }
  if (n_events == 0)
    {
      g_autoptr(GError) e = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, _("no events"));
      bench_error (bench, _("export"), e);
      return;
    }
  n_events_str = g_strdup_printf ("%" G_GUINT64_FORMAT, n_events);
  printf (_("JSONL export, one pass over the store's %s events to a file: "
            "%.3f s, %.0f events/s (target 1 000 000 events ≤ 3 s, ≥ %.0f/s)\n"),
          n_events_str, first_secs, n_events / MAX (first_secs, 1e-9), TARGET_EXPORT_PER_S);

  /* The store holds fewer events than the target's million: export them
   * again and again (each pass reads them from SQLite and writes them to
   * /dev/null) until a million lines were written. */
  fd = g_open ("/dev/null", O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return;
  {
    g_autoptr(GOutputStream) out = g_unix_output_stream_new (fd, TRUE);

    start = g_get_monotonic_time ();
    while (total < goal)
      {
        guint64 n = 0;

        if (!lb_export_events_jsonl (store, 0, out, &n, NULL, &error))
          {
            bench_error (bench, _("export"), error);
            return;
          }
        total += n;
        passes++;
      }
    secs = seconds_since (start);
  }

  total_str = g_strdup_printf ("%" G_GUINT64_FORMAT, total);
  printf (_("JSONL export, %s events (%u passes over the %s "
            "events) to /dev/null: %.2f s, %.0f events/s (target 1 000 000 events ≤ 3 s)\n"),
          total_str, passes, n_events_str, secs, total / MAX (secs, 1e-9));

  /* the same through labelbench-cli export in a process of its own, for its peak memory */
  {
    g_autofree char *out_path = g_build_filename (bench->dir, "events-cli.jsonl", NULL);
    long rss = 0;
    double cpu = 0;

    secs = run_export_child (lb_store_get_path (store), "jsonl", out_path, &rss, &cpu, &error);
    if (secs < 0)
      bench_error (bench, _("export"), error);
    else
      printf (_("JSONL export through labelbench-cli export -o FILE, %s events: %.2f s "
                "(CPU %.2f s), peak RSS %.1f MiB\n"), n_events_str, secs, cpu, rss / 1024.0);
    g_unlink (out_path);
  }
  fflush (stdout);
}

/* Export formats ---------------------------------------------------------- */

#define EXPORT_SCHEMA_JSON \
  "{\"name\": \"Bench\", \"tools\": [\"class\", \"box\", \"polygon\"]," \
  " \"labels\": [{\"id\": \"cat\", \"hotkey\": \"1\"}, {\"id\": \"dog\", \"hotkey\": \"2\"}]}"

/* A store of n image items (all showing one 640 x 480 PNG), each done with
 * a label, a decision and one box. The items go in through the importer's
 * own bulk insert; their state (what the exports read) is written straight
 * into item_state in one statement, as a million durable acts would take
 * hours: the figure is about the export, not about making the store. */
static gboolean
make_export_store (Bench       *bench,
                   const char  *store_name,
                   guint        n,
                   GError     **error)
{
  g_autofree char *root = g_build_filename (bench->dir, "export-images", NULL);
  g_autofree char *png_path = g_build_filename (root, "img.png", NULL);
  g_autofree char *store_path = g_build_filename (bench->dir, store_name, NULL);
  const guint chunk = 10000;
  LbStore *store;
  gint64 batch_id = 0;
  gboolean ok = TRUE;

  if (!g_file_test (png_path, G_FILE_TEST_EXISTS))
    {
      g_autofree guint8 *pixels = make_photo (640, 480);

      g_mkdir_with_parents (root, 0755);
      if (!write_png (png_path, pixels, 640, 480, error))
        return FALSE;
    }

  store = lb_store_open (store_path, LB_STORE_OPEN_DEFAULT, error);
  if (store == NULL)
    return FALSE;
  ok = _lb_store_ensure_batch (store, "images", root, root, EXPORT_SCHEMA_JSON, &batch_id,
                               error);
  for (guint start = 0; ok && start < n; start += chunk)
    {
      guint count = MIN (chunk, n - start);
      g_autofree LbNewItem *items = g_new0 (LbNewItem, count);
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      guint n_added = 0, n_existing = 0;

      for (guint i = 0; i < count; i++)
        {
          char *id = g_strdup_printf ("i%07u", start + i);

          g_ptr_array_add (ids, id);
          items[i].external_id = id;
          items[i].kind = LB_ITEM_KIND_IMAGE;
          items[i].relative_path = "img.png";
          items[i].content_hash =
            "0000000000000000000000000000000000000000000000000000000000000000";
        }
      ok = _lb_store_insert_items (store, batch_id, items, count, &n_added, &n_existing, error);
    }
  lb_store_close (store);
  g_object_unref (store);
  drain_main_context ();
  if (!ok)
    return FALSE;

  {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    rc = sqlite3_open_v2 (store_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
      rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO item_state (item_id, state, labels, decision, "
                               " last_actor, regions)"
                               " SELECT id, 'done', '[\"cat\"]', 'approve', 'bench', ?1"
                               " FROM items WHERE batch_id = ?2", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
      {
        sqlite3_bind_text (stmt, 1,
                           "[{\"id\":\"7f0b6f4e-2a4c-4d7e-9a51-3c2b1d0e9f8a\",\"label\":"
                           "\"cat\",\"shape\":\"box\",\"box\":[120.5,80,200,150],"
                           "\"attributes\":{}}]", -1, SQLITE_STATIC);
        sqlite3_bind_int64 (stmt, 2, batch_id);
        rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
      }
    if (rc != SQLITE_OK)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", store_path,
                     db != NULL ? sqlite3_errmsg (db) : "sqlite3_open");
        ok = FALSE;
      }
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
  return ok;
}

/* VmHWM of a running process (its peak resident set since its exec), in
 * KiB; 0 when it cannot be read (the process is gone). */
static long
read_vm_hwm (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return 0;
  line = strstr (status, "\nVmHWM:");
  return line != NULL ? strtol (line + 7, NULL, 10) : 0;
}

/* Runs "labelbench-cli export" (this very program) in a child process, so
 * that its memory is the export's alone; returns the seconds, or < 0.
 * The peak is the child's VmHWM, read every 10 ms while it runs: its
 * ru_maxrss would also count the pages it shared with this (larger)
 * process between the fork and the exec. */
static double
run_export_child (const char  *store_path,
                  const char  *format,
                  const char  *out_path,
                  long        *max_rss_kib,
                  double      *cpu_secs,
                  GError     **error)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", error);
  struct rusage usage;
  siginfo_t info;
  GPid pid;
  int status = 0;
  long hwm = 0;
  gint64 start;

  if (self == NULL)
    return -1;
  {
    const char *argv[] = {
      self, "export", "--store", store_path, "--format", format, "-o", out_path, NULL,
    };

    start = g_get_monotonic_time ();
    if (!g_spawn_async (NULL, (char **) argv, NULL,
                        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                        | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, error))
      return -1;
  }
  for (;;)
    {
      hwm = MAX (hwm, read_vm_hwm (pid));
      memset (&info, 0, sizeof info);
      /* exited? (left a zombie, reaped below) */
      if (waitid (P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
        break;
      g_usleep (10000);
    }
  while (wait4 (pid, &status, 0, &usage) < 0)
    if (errno != EINTR)
      {
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "wait4: %s",
                     g_strerror (errno));
        return -1;
      }
  {
    double secs = seconds_since (start);

    g_spawn_close_pid (pid);
    if (!g_spawn_check_wait_status (status, error))
      return -1;
    *max_rss_kib = hwm;
    *cpu_secs = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6
                + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    return secs;
  }
}

static void
bench_export_formats (Bench *bench)
{
  static const char * const formats[] = { "state-jsonl", "csv", "coco" };
  guint sizes[2];
  long rss[2][G_N_ELEMENTS (formats)] = { { 0 } };
  double secs[2][G_N_ELEMENTS (formats)] = { { 0 } };
  double cpu[2][G_N_ELEMENTS (formats)] = { { 0 } };
  gint64 bytes[2][G_N_ELEMENTS (formats)] = { { 0 } };

  sizes[0] = bench->quick ? 2000 : 100000;
  sizes[1] = bench->quick ? 20000 : 1000000;

  for (guint s = 0; s < 2; s++)
    {
      g_autofree char *store_name = g_strdup_printf ("export-%u.db", sizes[s]);
      g_autofree char *store_path = g_build_filename (bench->dir, store_name, NULL);
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();

      if (!make_export_store (bench, store_name, sizes[s], &error))
        {
          bench_error (bench, _("export formats"), error);
          return;
        }
      printf (_("  (made a store of %u image items with a box each in %.1f s)\n"), sizes[s],
              seconds_since (start));
      fflush (stdout);

      for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
        {
          g_autofree char *out_path = g_build_filename (bench->dir, "export.out", NULL);
          GStatBuf st;

          secs[s][f] = run_export_child (store_path, formats[f], out_path, &rss[s][f],
                                         &cpu[s][f], &error);
          if (secs[s][f] < 0)
            {
              bench_error (bench, formats[f], error);
              return;
            }
          if (g_stat (out_path, &st) == 0)
            bytes[s][f] = st.st_size;
          g_unlink (out_path);
        }
      if (bench->keep)
        continue;
      remove_tree (store_path);
      {
        g_autofree char *wal = g_strconcat (store_path, "-wal", NULL);
        g_autofree char *shm = g_strconcat (store_path, "-shm", NULL);
        g_unlink (wal);
        g_unlink (shm);
      }
    }

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    printf (_("%s export, %u items (one box each) to a file: %.2f s (CPU %.2f s), "
              "%.0f items/s, %.1f MB written, peak RSS %.1f MiB (%u items: %.1f MiB in "
              "%.2f s)\n"),
            formats[f], sizes[1], secs[1][f], cpu[1][f], sizes[1] / MAX (secs[1][f], 1e-9),
            bytes[1][f] / 1e6, rss[1][f] / 1024.0, sizes[0], rss[0][f] / 1024.0, secs[0][f]);
  fflush (stdout);
}

int
lb_cli_bench (int    argc,
              char **argv)
{
  gboolean quick = FALSE;
  gboolean keep = FALSE;
  gint64 n_events = -1;
  g_autofree char *only = NULL;
  g_autofree char *tmp_parent = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  Bench bench = { 0 };
  LbStore *commit_store;
  gint64 start;
  const GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
      N_("Small sizes: finishes in a few seconds (for tests)"), NULL },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &tmp_parent,
      N_("Make the temporary folder in DIR (default: $TMPDIR)"), N_("DIR") },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, N_("Keep the temporary folder"), NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      N_("Only this figure: import, commit, decode, export or export-formats"), N_("NAME") },
    { "events", 0, 0, G_OPTION_ARG_INT64, &n_events,
      N_("Make the store hold N events for the export figure, through durable submits "
         "(default: 100000; 0 in --quick; at most 90 s)"), N_("N") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Measures, on data it makes in a temporary folder: import "
                                  "of 100 000 and 1 000 000 manifest rows (with the sqlite3 "
                                  "shell's .import of the same rows as the reference), durable "
                                  "commit latency, PNG and JPEG decoding, JSONL export, and "
                                  "the state-jsonl, CSV and COCO exports of 1 000 000 items "
                                  "with their peak memory. "
                                  "Each figure is printed with its target from DESIGN.md."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!lb_cli_parse_options (context, &argc, &argv))
    return LB_CLI_EXIT_FAILED;
  if (argc > 1)
    return lb_cli_fail (_("Unexpected argument “%s”"), argv[1]);

  if (tmp_parent != NULL)
    {
      g_autofree char *tmpl = g_build_filename (tmp_parent, "labelbench-bench-XXXXXX", NULL);
      bench.dir = g_mkdtemp (tmpl) ? g_steal_pointer (&tmpl) : NULL;
      if (bench.dir == NULL)
        return lb_cli_fail (_("Cannot make a folder in %s: %s"), tmp_parent,
                            g_strerror (errno));
    }
  else
    {
      bench.dir = g_dir_make_tmp ("labelbench-bench-XXXXXX", &error);
      if (bench.dir == NULL)
        return lb_cli_fail ("%s", error->message);
    }
  bench.quick = quick;
  bench.keep = keep;
  if (n_events < 0)
    n_events = quick ? 0 : 100000;

  printf (_("labelbench bench (%s) in %s\n"), quick ? _("quick") : _("full"), bench.dir);
  {
    g_autofree char *loadavg = NULL;

    /* figures are only as good as the machine was quiet */
    if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
      {
        g_auto(GStrv) fields = g_strsplit (loadavg, " ", 2);
        printf (_("%u CPUs, load average %s at the start\n"), g_get_num_processors (),
                fields[0]);
      }
  }
  fflush (stdout);
  start = g_get_monotonic_time ();

#define WANT(name) (only == NULL || g_str_equal (only, name))
  if (!WANT ("import") && !WANT ("commit") && !WANT ("decode") && !WANT ("export")
      && !WANT ("export-formats"))
    {
      remove_tree (bench.dir);
      g_free (bench.dir);
      return lb_cli_fail (_("--only: “%s” is not a figure (import, commit, decode, export, "
                            "export-formats)"), only);
    }

  if (!WANT ("import"))
    ;
  else if (quick)
    bench_import (&bench, 10000);
  else
    {
      bench_import (&bench, 100000);
      bench_import (&bench, 1000000);
    }

  commit_store = NULL;
  if (WANT ("commit") || WANT ("export"))
    commit_store = bench_commit (&bench, quick ? 200 : 2000);
  if (WANT ("decode"))
    bench_decode (&bench);
  if (commit_store != NULL && !WANT ("export"))
    bench_close_store (commit_store);
  else if (commit_store != NULL)
    {
      if (n_events > 0)
        bench_make_events (&bench, commit_store, n_events);
      bench_export (&bench, commit_store);
      bench_close_store (commit_store);
    }
  if (WANT ("export-formats"))
    bench_export_formats (&bench);
#undef WANT

  printf (_("bench finished in %.1f s\n"), seconds_since (start));
  fflush (stdout);

  if (!keep)
    remove_tree (bench.dir);
  else
    printf (_("kept %s\n"), bench.dir);
  g_free (bench.dir);

  if (bench.failed)
    return lb_cli_fail (_("Some measurements failed (see above)"));
  return LB_CLI_EXIT_OK;
}
