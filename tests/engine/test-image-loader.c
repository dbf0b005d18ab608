/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-image-loader"
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <png.h>

#include "lb-image-loader.h"
#include "lb-test-support.h"

static char *scratch_dir;
static GThread *main_thread;

/* width x height RGBA PNG, noisy so that it takes a moment to decode */
static char *
make_png (const char *name,
          guint       width,
          guint       height,
          guint       seed)
{
  g_autofree guint8 *rgba = g_malloc ((gsize) width * height * 4);
  char *path = g_build_filename (scratch_dir, name, NULL);
  GRand *rand = g_rand_new_with_seed (seed);
  png_image image;

  for (gsize i = 0; i < (gsize) width * height * 4; i++)
    rgba[i] = (i % 4 == 3) ? 255 : (guint8) g_rand_int (rand);
  g_rand_free (rand);

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGBA;
  g_assert_true (png_image_write_to_file (&image, path, 0, rgba, 0, NULL));
  return path;
}

typedef struct
{
  guint     n_done;
  LbImage  *image[4];
  GError   *error[4];
  GThread  *thread[4];
} Results;

typedef struct
{
  Results *results;
  guint    slot;
} Slot;

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Slot *slot = user_data;
  Results *r = slot->results;

  r->image[slot->slot] = lb_image_loader_load_finish (LB_IMAGE_LOADER (source), result,
                                                      &r->error[slot->slot]);
  r->thread[slot->slot] = g_thread_self ();
  r->n_done++;
  g_free (slot);
}

static void
load (LbImageLoader *loader,
      const char    *path,
      guint          width,
      guint          height,
      GCancellable  *cancellable,
      Results       *results,
      guint          slot)
{
  Slot *s = g_new0 (Slot, 1);

  s->results = results;
  s->slot = slot;
  lb_image_loader_load_async (loader, path, width, height, cancellable, load_cb, s);
}

static void
results_clear (Results *r)
{
  for (guint i = 0; i < G_N_ELEMENTS (r->image); i++)
    {
      g_clear_pointer (&r->image[i], lb_image_unref);
      g_clear_error (&r->error[i]);
    }
  memset (r, 0, sizeof *r);
}

typedef struct
{
  guint *counter;
  guint  n;
} Count;

static gboolean
counted (gpointer data)
{
  Count *count = data;

  return *count->counter >= count->n;
}

/* Iterates the thread-default main context until *COUNTER reaches N; the
 * test fails after 20 s */
static void
wait_for (guint *counter,
          guint  n)
{
  Count count = { counter, n };

  lb_test_wait_until (counted, &count, 20);
}

static void
test_load (void)
{
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (64 * 1024 * 1024, 0);
  g_autofree char *path = make_png ("load.png", 300, 200, 1);
  g_autoptr(LbImage) hit = NULL;
  g_autoptr(LbImage) first = NULL;
  Results r = { 0 };

  g_assert_null (lb_image_loader_lookup (loader, path, 0, 0));
  g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), ==, 0);

  load (loader, path, 0, 0, NULL, &r, 0);
  load (loader, path, 150, 150, NULL, &r, 1);
  /* never synchronously, even when it could be quick */
  g_assert_cmpuint (r.n_done, ==, 0);
  wait_for (&r.n_done, 2);

  g_assert_no_error (r.error[0]);
  g_assert_no_error (r.error[1]);
  g_assert_true (r.thread[0] == main_thread);
  g_assert_true (r.thread[1] == main_thread);
  g_assert_cmpuint (lb_image_get_width (r.image[0]), ==, 300);
  g_assert_cmpuint (lb_image_get_height (r.image[0]), ==, 200);
  g_assert_cmpuint (lb_image_get_width (r.image[1]), ==, 150);
  g_assert_cmpuint (lb_image_get_height (r.image[1]), ==, 100);
  g_assert_cmpuint (lb_image_get_source_width (r.image[1]), ==, 300);

  /* cached by (path, size) */
  hit = lb_image_loader_lookup (loader, path, 0, 0);
  g_assert_true (hit == r.image[0]);
  g_clear_pointer (&hit, lb_image_unref);
  hit = lb_image_loader_lookup (loader, path, 150, 150);
  g_assert_true (hit == r.image[1]);
  g_assert_null (lb_image_loader_lookup (loader, path, 100, 100));
  g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), ==,
                    lb_image_get_byte_size (r.image[0]) + lb_image_get_byte_size (r.image[1]));

  /* a cached image comes back at once, still through the main loop */
  first = lb_image_ref (r.image[0]);
  results_clear (&r);
  load (loader, path, 0, 0, NULL, &r, 0);
  g_assert_cmpuint (r.n_done, ==, 0);
  wait_for (&r.n_done, 1);
  g_assert_no_error (r.error[0]);
  g_assert_true (r.image[0] == first);
  results_clear (&r);
}

static void
test_budget (void)
{
  const guint side = 256;
  gsize one = (gsize) side * side * 4;
  gsize budget = one + one / 2;  /* each image is over half of it */
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (budget, 2);
  char *paths[5];
  Results r = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *name = g_strdup_printf ("budget-%u.png", i);

      paths[i] = make_png (name, side, side, i);
    }

  /* one at a time: after each, only the newest fits */
  for (guint i = 0; i < 4; i++)
    {
      load (loader, paths[i], 0, 0, NULL, &r, 0);
      wait_for (&r.n_done, 1);
      g_assert_no_error (r.error[0]);
      g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), <=, budget);
      g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), ==,
                        lb_image_get_byte_size (r.image[0]));
      results_clear (&r);
    }
  g_assert_null (lb_image_loader_lookup (loader, paths[0], 0, 0));
  g_assert_null (lb_image_loader_lookup (loader, paths[2], 0, 0));
  {
    g_autoptr(LbImage) last = lb_image_loader_lookup (loader, paths[3], 0, 0);

    g_assert_nonnull (last);
  }

  /* several at once */
  for (guint i = 0; i < 4; i++)
    load (loader, paths[i], 0, 0, NULL, &r, i);
  wait_for (&r.n_done, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_no_error (r.error[i]);
  g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), <=, budget);
  results_clear (&r);

  /* Least recently used goes first: with a budget of two small images,
   * touching A keeps it when C arrives; B goes */
  {
    g_autoptr(LbImageLoader) lru = lb_image_loader_new (2 * (one / 4 + 1024), 1);
    g_autoptr(LbImage) a = NULL;
    g_autoptr(LbImage) b = NULL;
    g_autoptr(LbImage) c = NULL;

    for (guint i = 0; i < 3; i++)
      {
        load (lru, paths[i], side / 2, side / 2, NULL, &r, 0);
        wait_for (&r.n_done, 1);
        g_assert_no_error (r.error[0]);
        results_clear (&r);
        if (i == 1)
          {
            a = lb_image_loader_lookup (lru, paths[0], side / 2, side / 2);
            g_assert_nonnull (a);
            g_clear_pointer (&a, lb_image_unref);
          }
      }
    a = lb_image_loader_lookup (lru, paths[0], side / 2, side / 2);
    b = lb_image_loader_lookup (lru, paths[1], side / 2, side / 2);
    c = lb_image_loader_lookup (lru, paths[2], side / 2, side / 2);
    g_assert_nonnull (a);
    g_assert_null (b);
    g_assert_nonnull (c);
  }

  /* An image bigger than the whole budget is returned but not kept */
  {
    g_autoptr(LbImageLoader) tiny = lb_image_loader_new (one / 2, 1);

    load (tiny, paths[4], 0, 0, NULL, &r, 0);
    wait_for (&r.n_done, 1);
    g_assert_no_error (r.error[0]);
    g_assert_nonnull (r.image[0]);
    g_assert_cmpuint (lb_image_get_width (r.image[0]), ==, side);
    g_assert_cmpuint (lb_image_loader_get_cached_bytes (tiny), ==, 0);
    g_assert_null (lb_image_loader_lookup (tiny, paths[4], 0, 0));
    results_clear (&r);
  }

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_free (paths[i]);
}

static void
test_coalesce (void)
{
  /* Budget 0: nothing is cached, so two callers can only share one image
   * if they shared one decode */
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (0, 2);
  g_autofree char *path = make_png ("coalesce.png", 1500, 1500, 3);
  Results r = { 0 };

  load (loader, path, 0, 0, NULL, &r, 0);
  load (loader, path, 0, 0, NULL, &r, 1);
  load (loader, path, 400, 400, NULL, &r, 2);
  wait_for (&r.n_done, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_no_error (r.error[i]);
  g_assert_true (r.image[0] == r.image[1]);
  g_assert_true (r.image[0] != r.image[2]);
  g_assert_cmpuint (lb_image_get_width (r.image[2]), ==, 400);
  g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), ==, 0);
  results_clear (&r);

  /* and after they are done, a new load decodes again */
  load (loader, path, 0, 0, NULL, &r, 0);
  wait_for (&r.n_done, 1);
  g_assert_no_error (r.error[0]);
  g_assert_cmpuint (lb_image_get_width (r.image[0]), ==, 1500);
  results_clear (&r);
}

static void
test_cancel (void)
{
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (64 * 1024 * 1024, 1);
  g_autofree char *path = make_png ("cancel.png", 1200, 1200, 4);
  g_autofree char *other = make_png ("cancel-other.png", 100, 100, 5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) early = g_cancellable_new ();
  g_autoptr(LbImage) cached = NULL;
  Results r = { 0 };

  /* already cancelled */
  g_cancellable_cancel (early);
  load (loader, other, 0, 0, early, &r, 0);
  wait_for (&r.n_done, 1);
  g_assert_error (r.error[0], G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r.image[0]);
  results_clear (&r);

  /* two waiters on one decode; the one cancelled gets CANCELLED at once,
   * the other its image; the decode still lands in the cache */
  load (loader, path, 0, 0, cancellable, &r, 0);
  load (loader, path, 0, 0, NULL, &r, 1);
  g_cancellable_cancel (cancellable);
  wait_for (&r.n_done, 1);
  g_assert_error (r.error[0], G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r.image[0]);
  wait_for (&r.n_done, 2);
  g_assert_no_error (r.error[1]);
  g_assert_nonnull (r.image[1]);
  g_assert_cmpuint (lb_image_get_width (r.image[1]), ==, 1200);
  cached = lb_image_loader_lookup (loader, path, 0, 0);
  g_assert_true (cached == r.image[1]);
  g_clear_pointer (&cached, lb_image_unref);
  results_clear (&r);

  /* the only waiter cancelled: CANCELLED, and the decode finishes into the cache */
  g_cancellable_reset (cancellable);
  load (loader, path, 600, 600, cancellable, &r, 0);
  g_cancellable_cancel (cancellable);
  wait_for (&r.n_done, 1);
  g_assert_error (r.error[0], G_IO_ERROR, G_IO_ERROR_CANCELLED);
  results_clear (&r);
  cached = lb_test_wait_for_lookup (loader, path, 600, 600, 20);
  g_assert_cmpuint (lb_image_get_width (cached), ==, 600);
}

static void
test_prefetch (void)
{
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (256 * 1024 * 1024, 1);
  g_autofree char *big = make_png ("prefetch-big.png", 1000, 1000, 6);
  g_autofree char *wanted = make_png ("prefetch-wanted.png", 64, 64, 7);
  g_autoptr(LbImage) image = NULL;
  Results r = { 0 };
  guint n_prefetched = 0;

  /* prefetch then lookup */
  lb_image_loader_prefetch (loader, wanted, 32, 32);
  image = lb_test_wait_for_lookup (loader, wanted, 32, 32, 20);
  g_assert_cmpuint (lb_image_get_width (image), ==, 32);
  g_clear_pointer (&image, lb_image_unref);
  /* prefetching what is cached does nothing */
  lb_image_loader_prefetch (loader, wanted, 32, 32);

  /* One thread, six prefetches queued, then a load: the load goes before
   * all prefetches but the one already running */
  for (guint i = 0; i < 6; i++)
    lb_image_loader_prefetch (loader, big, 100 + i, 100 + i);
  load (loader, wanted, 0, 0, NULL, &r, 0);
  wait_for (&r.n_done, 1);
  g_assert_no_error (r.error[0]);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(LbImage) p = lb_image_loader_lookup (loader, big, 100 + i, 100 + i);

      if (p)
        n_prefetched++;
    }
  g_assert_cmpuint (n_prefetched, <=, 1);
  results_clear (&r);

  /* a load joining a queued prefetch is served by it */
  lb_image_loader_prefetch (loader, big, 50, 50);
  load (loader, big, 50, 50, NULL, &r, 0);
  wait_for (&r.n_done, 1);
  g_assert_no_error (r.error[0]);
  g_assert_cmpuint (lb_image_get_width (r.image[0]), ==, 50);
  results_clear (&r);

  /* all prefetches end up cached */
  for (guint i = 0; i < 6; i++)
    {
      image = lb_test_wait_for_lookup (loader, big, 100 + i, 100 + i, 20);
      g_assert_cmpuint (lb_image_get_width (image), ==, 100 + i);
      g_clear_pointer (&image, lb_image_unref);
    }

  /* a failing prefetch is dropped quietly */
  {
    g_autofree char *missing = g_build_filename (scratch_dir, "nope.png", NULL);
    gsize before = lb_image_loader_get_cached_bytes (loader);

    lb_image_loader_prefetch (loader, missing, 0, 0);
    load (loader, wanted, 0, 0, NULL, &r, 0);  /* queued after it on the one thread */
    wait_for (&r.n_done, 1);
    g_assert_null (lb_image_loader_lookup (loader, missing, 0, 0));
    g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), ==, before);
    results_clear (&r);
  }
}

static void
test_errors (void)
{
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (1024 * 1024, 2);
  g_autofree char *missing = g_build_filename (scratch_dir, "missing.png", NULL);
  g_autofree char *broken = g_build_filename (scratch_dir, "broken.jpg", NULL);
  g_autofree char *text = g_build_filename (scratch_dir, "text.png", NULL);
  Results r = { 0 };

  g_assert_true (g_file_set_contents (broken, "\xFF\xD8\xFF\xE0\0\x10JFIF", 10, NULL));
  g_assert_true (g_file_set_contents (text, "hello", 5, NULL));

  load (loader, missing, 0, 0, NULL, &r, 0);
  load (loader, broken, 100, 100, NULL, &r, 1);
  load (loader, text, 0, 0, NULL, &r, 2);
  load (loader, missing, 0, 0, NULL, &r, 3);
  wait_for (&r.n_done, 4);

  g_assert_error (r.error[0], LB_IMAGE_ERROR, LB_IMAGE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (r.error[0]->message, "missing.png"));
  g_assert_error (r.error[1], LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (r.error[1]->message, "broken.jpg"));
  g_assert_error (r.error[2], LB_IMAGE_ERROR, LB_IMAGE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (r.error[2]->message, "text.png"));
  g_assert_error (r.error[3], LB_IMAGE_ERROR, LB_IMAGE_ERROR_NOT_FOUND);
  for (guint i = 0; i < 4; i++)
    g_assert_null (r.image[i]);
  g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), ==, 0);
  g_assert_null (lb_image_loader_lookup (loader, missing, 0, 0));
  results_clear (&r);
}

/* Results come back on the thread-default context of the caller, also
 * when that is not the main thread's */
typedef struct
{
  LbImageLoader *loader;
  const char    *path;
  Results        results;
} ThreadData;

static gpointer
other_thread_cb (gpointer user_data)
{
  ThreadData *data = user_data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  load (data->loader, data->path, 10, 10, NULL, &data->results, 0);
  wait_for (&data->results.n_done, 1);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_other_context (void)
{
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (1024 * 1024, 1);
  g_autofree char *path = make_png ("thread.png", 40, 40, 8);
  ThreadData data = { loader, path, { 0 } };
  GThread *thread = g_thread_new ("loader-test", other_thread_cb, &data);

  g_thread_join (thread);
  g_assert_no_error (data.results.error[0]);
  g_assert_true (data.results.thread[0] == thread);
  g_assert_cmpuint (lb_image_get_width (data.results.image[0]), ==, 10);
  results_clear (&data.results);
}

/* Many loads, prefetches, lookups and cancellations at once over a small
 * budget: every load completes exactly once, with the right size or
 * CANCELLED, and the budget holds throughout */
typedef struct
{
  guint         *n_done;
  guint          expect_w;
  guint          expect_h;
  GCancellable  *cancellable;
} StressCall;

static void
stress_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  StressCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) image = lb_image_loader_load_finish (LB_IMAGE_LOADER (source), result,
                                                          &error);

  if (image != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (lb_image_get_width (image), ==, call->expect_w);
      g_assert_cmpuint (lb_image_get_height (image), ==, call->expect_h);
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_true (call->cancellable && g_cancellable_is_cancelled (call->cancellable));
    }
  (*call->n_done)++;
  g_clear_object (&call->cancellable);
  g_free (call);
}

static void
test_stress (void)
{
  const gsize budget = 200 * 1024;
  g_autoptr(LbImageLoader) loader = lb_image_loader_new (budget, 3);
  GRand *rand = g_rand_new_with_seed (99);
  char *paths[8];
  guint sizes[8][2];
  guint n_started = 0, n_done = 0;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *name = g_strdup_printf ("stress-%u.png", i);

      sizes[i][0] = 60 + 37 * i;
      sizes[i][1] = 200 - 13 * i;
      paths[i] = make_png (name, sizes[i][0], sizes[i][1], 100 + i);
    }

  for (guint op = 0; op < 400; op++)
    {
      guint f = g_rand_int_range (rand, 0, G_N_ELEMENTS (paths));
      guint t = g_rand_int_range (rand, 0, 4) * 40;  /* 0 = full size */
      guint kind = g_rand_int_range (rand, 0, 10);

      if (kind < 5)
        {
          StressCall *call = g_new0 (StressCall, 1);

          call->n_done = &n_done;
          lb_image_compute_fit (sizes[f][0], sizes[f][1], t, t, &call->expect_w, &call->expect_h);
          if (g_rand_boolean (rand))
            call->cancellable = g_cancellable_new ();
          lb_image_loader_load_async (loader, paths[f], t, t, call->cancellable, stress_cb, call);
          n_started++;
          if (call->cancellable && g_rand_boolean (rand))
            g_cancellable_cancel (call->cancellable);
        }
      else if (kind < 8)
        {
          lb_image_loader_prefetch (loader, paths[f], t, t);
        }
      else
        {
          g_autoptr(LbImage) hit = lb_image_loader_lookup (loader, paths[f], t, t);
          guint w, h;

          lb_image_compute_fit (sizes[f][0], sizes[f][1], t, t, &w, &h);
          if (hit)
            g_assert_cmpuint (lb_image_get_width (hit), ==, w);
        }
      g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), <=, budget);
      if (op % 7 == 0)
        g_main_context_iteration (NULL, FALSE);
    }

  wait_for (&n_done, n_started);
  g_assert_cmpuint (n_done, ==, n_started);
  g_assert_cmpuint (lb_image_loader_get_cached_bytes (loader), <=, budget);

  /* nothing more arrives later */
  lb_test_spin_for (50);
  g_assert_cmpuint (n_done, ==, n_started);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_free (paths[i]);
  g_rand_free (rand);
}

/* Dropping the loader with decodes queued and running: no hang, no crash */
static void
test_dispose_busy (void)
{
  g_autofree char *path = make_png ("busy.png", 800, 800, 9);
  LbImageLoader *loader = lb_image_loader_new (64 * 1024 * 1024, 2);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < 20; i++)
    lb_image_loader_prefetch (loader, path, 10 + i, 10 + i);
  g_usleep (5000);
  g_assert_finalize_object (loader);
  /* queued prefetches were dropped, not decoded: far less than 20 decodes */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  scratch_dir = lb_test_make_tmpdir ("lb-test-image-loader");

  g_test_add_func ("/engine/image-loader/load", test_load);
  g_test_add_func ("/engine/image-loader/budget", test_budget);
  g_test_add_func ("/engine/image-loader/coalesce", test_coalesce);
  g_test_add_func ("/engine/image-loader/cancel", test_cancel);
  g_test_add_func ("/engine/image-loader/prefetch", test_prefetch);
  g_test_add_func ("/engine/image-loader/errors", test_errors);
  g_test_add_func ("/engine/image-loader/other-context", test_other_context);
  g_test_add_func ("/engine/image-loader/stress", test_stress);
  g_test_add_func ("/engine/image-loader/dispose-busy", test_dispose_busy);

  ret = g_test_run ();
  lb_test_remove_tree (scratch_dir);
  g_free (scratch_dir);
  return ret;
}
