/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-image"
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <png.h>
#include <jpeglib.h>

#include "lb-image.h"
#include "lb-test-support.h"

static char *scratch_dir;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static char *
write_scratch (const char   *name,
               const void   *data,
               gsize         len)
{
  lb_test_write_file (scratch_dir, name, data, len);
  return g_build_filename (scratch_dir, name, NULL);
}

static guint
div255 (guint x)
{
  return (x + 127) / 255;
}

static const guint8 *
image_pixels (LbImage *image)
{
  gsize size;
  const guint8 *p = g_bytes_get_data (lb_image_get_pixels (image), &size);

  g_assert_cmpuint (size, ==, lb_image_get_stride (image) * lb_image_get_height (image));
  g_assert_cmpuint (lb_image_get_stride (image), ==, lb_image_get_width (image) * 4);
  return p;
}

static void
assert_error_names_file (GError     *error,
                         int         code,
                         const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  g_assert_error (error, LB_IMAGE_ERROR, code);
  if (strstr (error->message, base) == NULL)
    g_error ("message \"%s\" does not name %s", error->message, base);
}

/* Decoding PATH (to TW × TH, with LIMITS; NULL: the defaults) is refused
 * with CODE, in a message that names the file */
static void
assert_decode_refused (const char          *path,
                       guint                tw,
                       guint                th,
                       const LbImageLimits *limits,
                       int                  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) image = lb_image_decode_file (path, tw, th, limits, &error);

  g_assert_null (image);
  assert_error_names_file (error, code, path);
}

/* Probing PATH is refused the same way */
static void
assert_probe_refused (const char *path,
                      int         code)
{
  g_autoptr(GError) error = NULL;
  guint w, h;

  g_assert_false (lb_image_probe_file (path, &w, &h, &error));
  assert_error_names_file (error, code, path);
}

/* The same PNG without chunks that carry colour-space information: the
 * oracle then decodes the samples as they are stored, like lb_image does. */
static GBytes *
strip_colour_chunks (const guint8 *data,
                     gsize         len)
{
  GByteArray *out = g_byte_array_new ();
  gsize pos = 8;

  g_assert_cmpuint (len, >=, 8);
  g_byte_array_append (out, data, 8);
  while (pos + 12 <= len)
    {
      guint32 n = ((guint32) data[pos] << 24) | (data[pos + 1] << 16) |
                  (data[pos + 2] << 8) | data[pos + 3];
      const guint8 *type = data + pos + 4;

      g_assert_cmpuint (pos + 12 + n, <=, len);
      if (memcmp (type, "gAMA", 4) != 0 && memcmp (type, "cHRM", 4) != 0 &&
          memcmp (type, "sRGB", 4) != 0 && memcmp (type, "iCCP", 4) != 0)
        g_byte_array_append (out, data + pos, n + 12);
      pos += n + 12;
    }
  return g_byte_array_free_to_bytes (out);
}

/* Independent decoder: libpng's simplified API, RGBA 8-bit, premultiplied here. */
static guint8 *
oracle_decode (const char *path,
               guint      *width,
               guint      *height)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) stripped = NULL;
  g_autoptr(GError) error = NULL;
  png_image image;
  gsize len;
  guint8 *buffer;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  stripped = strip_colour_chunks ((const guint8 *) contents, len);

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory (&image, g_bytes_get_data (stripped, NULL),
                                         g_bytes_get_size (stripped)))
    g_error ("oracle: %s: %s", path, image.message);
  /* no gAMA any more: 16-bit samples are sRGB-encoded, not linear */
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  image.format = PNG_FORMAT_RGBA;
  buffer = g_malloc (PNG_IMAGE_SIZE (image));
  if (!png_image_finish_read (&image, NULL, buffer, 0, NULL))
    g_error ("oracle: %s: %s", path, image.message);

  for (gsize i = 0; i < (gsize) image.width * image.height; i++)
    {
      guint8 *p = buffer + i * 4;

      p[0] = div255 (p[0] * p[3]);
      p[1] = div255 (p[1] * p[3]);
      p[2] = div255 (p[2] * p[3]);
    }
  *width = image.width;
  *height = image.height;
  png_image_free (&image);
  return buffer;
}

static guint
max_abs_diff (const guint8 *a,
              const guint8 *b,
              gsize         n)
{
  guint max = 0;

  for (gsize i = 0; i < n; i++)
    max = MAX (max, (guint) ABS ((int) a[i] - (int) b[i]));
  return max;
}

/* ------------------------------------------------------------------ */
/* PngSuite                                                            */

static void
test_pngsuite_all (void)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n_good = 0, n_bad = 0;
  g_autoptr(GString) oracle_twin = g_string_new (NULL);

  dir = g_dir_open (lb_test_pngsuite_dir (), 0, &error);
  g_assert_no_error (error);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(LbImage) image = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree guint8 *expected = NULL;
      guint ew, eh;
      const guint8 *pixels;
      guint max_diff = 0;

      if (!g_str_has_suffix (name, ".png"))
        continue;
      path = lb_test_pngsuite_path (name);
      image = lb_image_decode_file (path, 0, 0, NULL, &local_error);

      if (name[0] == 'x')
        {
          /* deliberately corrupt */
          g_assert_null (image);
          g_assert_nonnull (local_error);
          g_assert_true (g_error_matches (local_error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT) ||
                         g_error_matches (local_error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_UNSUPPORTED));
          g_assert_nonnull (strstr (local_error->message, name));
          n_bad++;
          continue;
        }

      if (local_error)
        g_error ("%s: %s", name, local_error->message);
      g_assert_nonnull (image);

      expected = oracle_decode (path, &ew, &eh);
      g_assert_cmpuint (lb_image_get_width (image), ==, ew);
      g_assert_cmpuint (lb_image_get_height (image), ==, eh);
      g_assert_cmpuint (lb_image_get_source_width (image), ==, ew);
      g_assert_cmpuint (lb_image_get_source_height (image), ==, eh);
      pixels = image_pixels (image);
      max_diff = max_abs_diff (pixels, expected, (gsize) ew * eh * 4);

      if (max_diff != 0 && name[0] == 'i')
        {
          /* libpng 1.6.39's simplified API mis-assembles some interlaced
           * 16-bit images (rows of later passes land on the wrong lines;
           * ibasn0g16 is one). For those the oracle is the simplified API's
           * decoding of the non-interlaced twin, which is the same picture
           * (see the corpus README). */
          g_autofree char *twin = lb_test_pngsuite_path (name + 1);

          g_assert_true (g_file_test (twin, G_FILE_TEST_EXISTS));
          g_free (expected);
          expected = oracle_decode (twin, &ew, &eh);
          max_diff = max_abs_diff (pixels, expected, (gsize) ew * eh * 4);
          g_string_append_printf (oracle_twin, " %s", name);
        }
      if (max_diff != 0)
        g_error ("%s: decoded pixels differ from libpng's simplified API by up to %u",
                 name, max_diff);
      n_good++;
    }

  g_test_message ("PngSuite: %u decoded identically to the oracle, %u refused", n_good, n_bad);
  if (oracle_twin->len)
    g_test_message ("compared with the oracle of the non-interlaced twin:%s", oracle_twin->str);
  g_assert_cmpuint (n_good, >=, 15);
}

static void
get_pixel (LbImage *image,
           guint    x,
           guint    y,
           guint8   out[4])
{
  const guint8 *p = image_pixels (image) + y * lb_image_get_stride (image) + x * 4;

  memcpy (out, p, 4);
}

static void
test_pngsuite_spot (void)
{
  g_autofree char *g01 = lb_test_pngsuite_path ("basn0g01.png");
  g_autofree char *a08 = lb_test_pngsuite_path ("basn6a08.png");
  g_autofree char *g16 = lb_test_pngsuite_path ("basn0g16.png");
  g_autoptr(LbImage) image = NULL;
  g_autoptr(GError) error = NULL;
  guint8 px[4];
  guint black = 0, white = 0;

  /* 1-bit grey: only black and white, opaque; top-left is white, bottom-right black */
  image = lb_image_decode_file (g01, 0, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (image), ==, 32);
  g_assert_cmpuint (lb_image_get_height (image), ==, 32);
  for (guint y = 0; y < 32; y++)
    for (guint x = 0; x < 32; x++)
      {
        get_pixel (image, x, y, px);
        g_assert_cmpuint (px[3], ==, 255);
        g_assert_cmpuint (px[0], ==, px[1]);
        g_assert_cmpuint (px[1], ==, px[2]);
        g_assert_true (px[0] == 0 || px[0] == 255);
        if (px[0])
          white++;
        else
          black++;
      }
  g_assert_cmpuint (black, ==, 524);  /* the README: "basn0g01.png: PASS (524 zero samples)" */
  g_assert_cmpuint (white, ==, 1024 - 524);
  get_pixel (image, 0, 0, px);
  g_assert_cmpuint (px[0], ==, 255);
  get_pixel (image, 31, 31, px);
  g_assert_cmpuint (px[0], ==, 0);
  g_clear_pointer (&image, lb_image_unref);

  /* 8-bit RGBA: the alpha channel runs from fully transparent to opaque across
   * each row; transparent pixels are all zero once premultiplied */
  image = lb_image_decode_file (a08, 0, 0, NULL, &error);
  g_assert_no_error (error);
  get_pixel (image, 0, 0, px);
  g_assert_cmpuint (px[3], ==, 0);
  g_assert_cmpuint (px[0] | px[1] | px[2], ==, 0);
  get_pixel (image, 31, 0, px);
  g_assert_cmpuint (px[3], ==, 255);
  for (guint x = 0; x < 32; x++)
    {
      guint8 left[4];

      get_pixel (image, x, 5, px);
      g_assert_cmpuint (px[0], <=, px[3]);
      g_assert_cmpuint (px[1], <=, px[3]);
      g_assert_cmpuint (px[2], <=, px[3]);
      if (x > 0)
        {
          get_pixel (image, x - 1, 5, left);
          g_assert_cmpuint (px[3], >=, left[3]);
        }
    }
  g_clear_pointer (&image, lb_image_unref);

  /* 16-bit grey: a diagonal ramp that wraps around; samples as stored,
   * rounded to 8 bits (the file's gAMA 1.0 is ignored) */
  image = lb_image_decode_file (g16, 0, 0, NULL, &error);
  g_assert_no_error (error);
  {
    struct { guint x, y, v; } known[] = {
      { 0, 0, 0 }, { 3, 0, 27 }, { 27, 0, 242 }, { 30, 0, 213 }, { 0, 3, 6 }, { 30, 30, 34 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (known); i++)
      {
        get_pixel (image, known[i].x, known[i].y, px);
        g_assert_cmpuint (px[0], ==, known[i].v);
        g_assert_cmpuint (px[1], ==, known[i].v);
        g_assert_cmpuint (px[3], ==, 255);
      }
  }
}

static void
test_pngsuite_interlaced (void)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n = 0;

  dir = g_dir_open (lb_test_pngsuite_dir (), 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *ipath = NULL;
      g_autofree char *path = NULL;
      g_autoptr(LbImage) a = NULL;
      g_autoptr(LbImage) b = NULL;

      if (name[0] != 'i' || !g_str_has_suffix (name, ".png"))
        continue;
      ipath = lb_test_pngsuite_path (name);
      path = lb_test_pngsuite_path (name + 1);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;

      a = lb_image_decode_file (ipath, 0, 0, NULL, &error);
      g_assert_no_error (error);
      b = lb_image_decode_file (path, 0, 0, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lb_image_get_width (a), ==, lb_image_get_width (b));
      g_assert_cmpuint (lb_image_get_height (a), ==, lb_image_get_height (b));
      if (!g_bytes_equal (lb_image_get_pixels (a), lb_image_get_pixels (b)))
        g_error ("%s and %s decode differently", name, name + 1);

      /* scaled, interlaced takes the whole-image path, the other streams rows */
      g_clear_pointer (&a, lb_image_unref);
      g_clear_pointer (&b, lb_image_unref);
      a = lb_image_decode_file (ipath, 13, 13, NULL, &error);
      g_assert_no_error (error);
      b = lb_image_decode_file (path, 13, 13, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (lb_image_get_width (a), ==, 13);
      g_assert_true (g_bytes_equal (lb_image_get_pixels (a), lb_image_get_pixels (b)));
      n++;
    }
  g_assert_cmpuint (n, >=, 9);
}

/* Truncations and flipped bytes of every good PngSuite file: never a crash,
 * either an image or an error that names the file. */
static void
test_pngsuite_damaged (void)
{
  const char *names[] = { "basn0g01.png", "basn2c16.png", "basn3p04.png", "basn4a16.png",
                          "basn6a08.png", "ibasn6a16.png", "ftbyn3p08.png" };
  GRand *rand = g_rand_new_with_seed (42);

  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      g_autofree char *path = lb_test_pngsuite_path (names[f]);
      g_autofree char *contents = NULL;
      gsize len;

      g_autoptr(LbImage) whole = NULL;

      g_file_get_contents (path, &contents, &len, NULL);
      g_assert_nonnull (contents);
      whole = lb_image_decode_file (path, 0, 0, NULL, NULL);
      g_assert_nonnull (whole);

      for (gsize cut = 0; cut < len; cut += 1 + len / 60)
        {
          g_autofree char *p = write_scratch ("cut.png", contents, cut);
          g_autoptr(GError) error = NULL;
          g_autoptr(LbImage) image = lb_image_decode_file (p, 0, 0, NULL, &error);

          /* Cut after the image data (only IEND or trailing chunks lost):
           * the whole picture is there and shown; anything else is refused */
          if (image)
            {
              g_assert_no_error (error);
              g_assert_true (g_bytes_equal (lb_image_get_pixels (image),
                                            lb_image_get_pixels (whole)));
              continue;
            }
          g_assert_nonnull (error);
          g_assert_true (g_error_matches (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT) ||
                         g_error_matches (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_UNSUPPORTED));
          g_assert_nonnull (strstr (error->message, "cut.png"));
        }

      for (guint i = 0; i < 100; i++)
        {
          g_autofree char *copy = g_memdup2 (contents, len);
          g_autofree char *p = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(LbImage) image = NULL;
          gsize at = g_rand_int_range (rand, 8, len);

          copy[at] ^= 1 << g_rand_int_range (rand, 0, 8);
          p = write_scratch ("flip.png", copy, len);
          image = lb_image_decode_file (p, 7, 7, NULL, &error);
          g_assert_true ((image == NULL) != (error == NULL));
          if (error)
            assert_error_names_file (error, LB_IMAGE_ERROR_CORRUPT, p);
        }
    }
  g_rand_free (rand);
}

/* ------------------------------------------------------------------ */
/* Refusals                                                            */

static void
test_png_too_large (void)
{
  struct { guint32 w, h; const char *what; } cases[] = {
    { 100000, 100000, "32768 × 32768 pixels" },
    { 40000, 30, "32768 × 32768 pixels" },
    { 20000, 20000, "100 megapixels" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = lb_test_png_header (cases[i].w, cases[i].h);
      g_autofree char *path = write_scratch ("huge.png", g_bytes_get_data (bytes, NULL),
                                             g_bytes_get_size (bytes));
      g_autoptr(GError) error = NULL;
      g_autoptr(LbImage) image = lb_image_decode_file (path, 0, 0, NULL, &error);
      g_autofree char *size = g_strdup_printf ("%u × %u", cases[i].w, cases[i].h);
      guint w = 0, h = 0;

      g_assert_null (image);
      assert_error_names_file (error, LB_IMAGE_ERROR_TOO_LARGE, path);
      g_assert_nonnull (strstr (error->message, size));
      g_assert_nonnull (strstr (error->message, cases[i].what));

      /* probing is allowed: it reports the size */
      g_clear_error (&error);
      g_assert_true (lb_image_probe_file (path, &w, &h, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (w, ==, cases[i].w);
      g_assert_cmpuint (h, ==, cases[i].h);
    }

  /* The crafted header is otherwise valid: small sizes get past the limits
   * and fail only for lack of image data */
  {
    g_autoptr(GBytes) bytes = lb_test_png_header (100, 100);
    g_autofree char *path = write_scratch ("small.png", g_bytes_get_data (bytes, NULL),
                                           g_bytes_get_size (bytes));

    assert_decode_refused (path, 0, 0, NULL, LB_IMAGE_ERROR_CORRUPT);
  }

  /* Custom limits apply to real files too */
  {
    g_autofree char *path = lb_test_pngsuite_path ("basn2c08.png");
    LbImageLimits limits = *lb_image_limits_default ();

    limits.max_pixels = 32 * 32 - 1;
    assert_decode_refused (path, 0, 0, &limits, LB_IMAGE_ERROR_TOO_LARGE);

    limits = *lb_image_limits_default ();
    limits.max_height = 31;
    assert_decode_refused (path, 0, 0, &limits, LB_IMAGE_ERROR_TOO_LARGE);
  }
}

/* An ancillary chunk over max_chunk_bytes */
static void
test_png_chunk_limit (void)
{
  g_autofree char *src = lb_test_pngsuite_path ("basn2c08.png");
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;
  GByteArray *out = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) image = NULL;
  g_autoptr(LbImage) original = NULL;
  LbImageLimits limits = *lb_image_limits_default ();
  gsize len, n = 4096;
  guint8 head[8];
  g_autofree guint8 *body = g_malloc0 (n + 4);
  guint32 crc;

  g_file_get_contents (src, &contents, &len, NULL);
  /* signature + IHDR (33 bytes), then a 4 KiB private ancillary chunk */
  g_byte_array_append (out, (guint8 *) contents, 33);
  lb_test_put_be32 (head, n);
  memcpy (head + 4, "zzZz", 4);  /* unknown, safe-to-copy ancillary chunk */
  crc = lb_test_crc32 (0, head + 4, 4);
  crc = lb_test_crc32 (crc, body, n);
  lb_test_put_be32 (body + n, crc);
  g_byte_array_append (out, head, 8);
  g_byte_array_append (out, body, n + 4);
  g_byte_array_append (out, (guint8 *) contents + 33, len - 33);
  bytes = g_byte_array_free_to_bytes (out);
  path = write_scratch ("chunky.png", g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  /* unknown chunks are skipped: the picture is the original's */
  original = lb_image_decode_file (src, 0, 0, NULL, &error);
  g_assert_no_error (error);
  image = lb_image_decode_file (path, 0, 0, &limits, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (lb_image_get_pixels (image), lb_image_get_pixels (original)));
  g_clear_pointer (&image, lb_image_unref);

  /* a chunk over the chunk limit is skipped unread by libpng (a benign
   * error): nothing is allocated for it and the image still shows */
  limits.max_chunk_bytes = 1024;
  image = lb_image_decode_file (path, 0, 0, &limits, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (lb_image_get_pixels (image), lb_image_get_pixels (original)));
}

/* The damage of PngSuite's x*.png files, made from good files here */
typedef enum {
  X_SIGNATURE_BYTE,  /* xs1n0g01: signature byte 1 MSB reset */
  X_ADDED_CR,        /* xcrn0g04: a CR added (line-ending conversion) */
  X_DROPPED_CR,      /* xlfn0g04-like: the CR of \r\n dropped */
  X_COLOUR_TYPE,     /* xc1n0g08 / xc9n2c08: invalid colour type, good CRC */
  X_BIT_DEPTH,       /* xd0n2c08 / xd3n2c08 / xd9n2c08: invalid bit depth, good CRC */
  X_IHDR_CRC,        /* xhdn0g08: bad IHDR checksum */
  X_IDAT_CRC,        /* xcsn0g01: bad IDAT checksum */
  X_NO_IDAT,         /* xdtn0g01: no IDAT chunk */
} XDamage;

static GBytes *
damage_png (const guint8 *data,
            gsize         len,
            XDamage       damage,
            guint8        value)
{
  GByteArray *out = g_byte_array_new ();
  gsize pos;

  switch (damage)
    {
    case X_SIGNATURE_BYTE:
      g_byte_array_append (out, data, len);
      out->data[0] &= 0x7F;  /* 0x89 -> 0x09 */
      break;
    case X_ADDED_CR:
      g_byte_array_append (out, data, 5);
      g_byte_array_append (out, (const guint8 *) "\r", 1);
      g_byte_array_append (out, data + 5, len - 5);
      break;
    case X_DROPPED_CR:
      g_byte_array_append (out, data, 4);
      g_byte_array_append (out, data + 5, len - 5);
      break;
    case X_COLOUR_TYPE:
    case X_BIT_DEPTH:
      g_byte_array_append (out, data, len);
      out->data[damage == X_COLOUR_TYPE ? 25 : 24] = value;
      lb_test_put_be32 (out->data + 29, lb_test_crc32 (0, out->data + 12, 17));
      break;
    case X_IHDR_CRC:
      g_byte_array_append (out, data, len);
      out->data[32] ^= 0x01;
      break;
    case X_IDAT_CRC:
    case X_NO_IDAT:
      g_byte_array_append (out, data, 8);
      for (pos = 8; pos + 12 <= len; )
        {
          guint32 n = ((guint32) data[pos] << 24) | (data[pos + 1] << 16) |
                      (data[pos + 2] << 8) | data[pos + 3];
          gboolean idat = memcmp (data + pos + 4, "IDAT", 4) == 0;

          if (!(idat && damage == X_NO_IDAT))
            {
              gsize at = out->len;

              g_byte_array_append (out, data + pos, n + 12);
              if (idat)
                out->data[at + 8 + n] ^= 0x55;
            }
          pos += n + 12;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  return g_byte_array_free_to_bytes (out);
}

static void
test_pngsuite_x_damage (void)
{
  static const struct { const char *from; XDamage damage; guint8 value; int code; } cases[] = {
    { "basn0g01.png", X_SIGNATURE_BYTE, 0, LB_IMAGE_ERROR_UNSUPPORTED },
    { "basn0g04.png", X_ADDED_CR, 0, LB_IMAGE_ERROR_UNSUPPORTED },
    { "basn0g04.png", X_DROPPED_CR, 0, LB_IMAGE_ERROR_UNSUPPORTED },
    { "basn0g08.png", X_COLOUR_TYPE, 1, LB_IMAGE_ERROR_CORRUPT },
    { "basn2c08.png", X_COLOUR_TYPE, 9, LB_IMAGE_ERROR_CORRUPT },
    { "basn2c08.png", X_BIT_DEPTH, 0, LB_IMAGE_ERROR_CORRUPT },
    { "basn2c08.png", X_BIT_DEPTH, 3, LB_IMAGE_ERROR_CORRUPT },
    { "basn2c08.png", X_BIT_DEPTH, 99, LB_IMAGE_ERROR_CORRUPT },
    { "basn0g08.png", X_IHDR_CRC, 0, LB_IMAGE_ERROR_CORRUPT },
    { "basn0g01.png", X_IDAT_CRC, 0, LB_IMAGE_ERROR_CORRUPT },
    { "basn0g01.png", X_NO_IDAT, 0, LB_IMAGE_ERROR_CORRUPT },
    { "ibasn6a16.png", X_IDAT_CRC, 0, LB_IMAGE_ERROR_CORRUPT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *src = lb_test_pngsuite_path (cases[i].from);
      g_autofree char *contents = NULL;
      g_autofree char *name = g_strdup_printf ("x%u-%s", i, cases[i].from);
      g_autofree char *path = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(LbImage) image = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
      bytes = damage_png ((const guint8 *) contents, len, cases[i].damage, cases[i].value);
      path = write_scratch (name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

      /* scaled and full size take different paths */
      for (guint scaled = 0; scaled < 2; scaled++)
        {
          image = lb_image_decode_file (path, scaled ? 10 : 0, scaled ? 10 : 0, NULL, &error);
          if (image != NULL)
            g_error ("%s (scaled: %u) decoded", name, scaled);
          assert_error_names_file (error, cases[i].code, path);
          g_test_message ("%s", error->message);
          g_clear_error (&error);
        }
    }
}

static void
test_refusals (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) image = NULL;
  g_autofree char *missing = g_build_filename (scratch_dir, "missing.png", NULL);
  g_autofree char *text = write_scratch ("notes.png", "just some text\n", 15);
  g_autofree char *empty = write_scratch ("empty.jpg", "", 0);
  g_autofree char *src = lb_test_pngsuite_path ("basn2c08.png");
  g_autofree char *contents = NULL;
  g_autofree char *truncated = NULL;
  g_autofree char *badcrc = NULL;
  gsize len;

  assert_decode_refused (missing, 0, 0, NULL, LB_IMAGE_ERROR_NOT_FOUND);
  assert_probe_refused (missing, LB_IMAGE_ERROR_NOT_FOUND);

  assert_decode_refused (text, 0, 0, NULL, LB_IMAGE_ERROR_UNSUPPORTED);
  assert_probe_refused (text, LB_IMAGE_ERROR_UNSUPPORTED);

  assert_decode_refused (empty, 0, 0, NULL, LB_IMAGE_ERROR_UNSUPPORTED);

  /* a directory is not an image either */
  image = lb_image_decode_file (scratch_dir, 0, 0, NULL, &error);
  g_assert_null (image);
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_file_get_contents (src, &contents, &len, NULL);
  truncated = write_scratch ("truncated.png", contents, len / 2);
  assert_decode_refused (truncated, 0, 0, NULL, LB_IMAGE_ERROR_CORRUPT);

  /* damaged IHDR CRC */
  contents[29] ^= 0xFF;
  badcrc = write_scratch ("badcrc.png", contents, len);
  assert_decode_refused (badcrc, 0, 0, NULL, LB_IMAGE_ERROR_CORRUPT);
}

static void
test_display_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) image = NULL;
  /* a name that is not valid UTF-8 still shows up readably */
  g_autofree char *path = write_scratch ("caf\xe9.png", "nope", 4);

  image = lb_image_decode_file (path, 0, 0, NULL, &error);
  g_assert_null (image);
  g_assert_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_UNSUPPORTED);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, "caf"));
  g_unlink (path);
}

/* ------------------------------------------------------------------ */
/* JPEG                                                                */

typedef enum {
  JPEG_RGB,
  JPEG_GREY,
  JPEG_CMYK,
} JpegKind;

static void
gradient_pixel (guint   x,
                guint   y,
                guint   w,
                guint   h,
                guint8  rgb[3])
{
  rgb[0] = x * 255 / (w - 1);
  rgb[1] = y * 255 / (h - 1);
  rgb[2] = (x + y) * 255 / (w + h - 2);
}

/* RGB source of the gradient (what the JPEG should look like) */
static guint8 *
gradient_rgba (guint    w,
               guint    h,
               JpegKind kind)
{
  guint8 *out = g_malloc ((gsize) w * h * 4);

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint8 *p = out + ((gsize) y * w + x) * 4;

        gradient_pixel (x, y, w, h, p);
        if (kind == JPEG_GREY)
          p[1] = p[2] = p[0];
        p[3] = 255;
      }
  return out;
}

static GBytes *
make_jpeg (guint    w,
           guint    h,
           JpegKind kind,
           gboolean progressive,
           int      quality)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  g_autofree guint8 *row = g_malloc ((gsize) w * 4);
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = kind == JPEG_GREY ? 1 : kind == JPEG_CMYK ? 4 : 3;
  cinfo.in_color_space = kind == JPEG_GREY ? JCS_GRAYSCALE : kind == JPEG_CMYK ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  if (progressive)
    jpeg_simple_progression (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < h)
    {
      JSAMPROW rows[1] = { row };
      guint y = cinfo.next_scanline;

      for (guint x = 0; x < w; x++)
        {
          guint8 rgb[3];

          gradient_pixel (x, y, w, h, rgb);
          if (kind == JPEG_GREY)
            row[x] = rgb[0];
          else if (kind == JPEG_RGB)
            memcpy (row + x * 3, rgb, 3);
          else
            {
              /* Adobe CMYK is stored inverted: no black ink (K = 255) and
               * C, M, Y inverted = the RGB values themselves */
              row[x * 4 + 0] = rgb[0];
              row[x * 4 + 1] = rgb[1];
              row[x * 4 + 2] = rgb[2];
              row[x * 4 + 3] = 255;
            }
        }
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buffer, size);
  free (buffer);
  return bytes;
}

static char *
write_jpeg (const char *name,
            GBytes     *bytes)
{
  return write_scratch (name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static double
mean_abs_error (const guint8 *a,
                const guint8 *b,
                gsize         n)
{
  guint64 sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += ABS ((int) a[i] - (int) b[i]);
  return (double) sum / n;
}

/* Floating-point area average, as the reference for scaled output */
static guint8 *
reference_box_scale (const guint8 *src,
                     guint         sw,
                     guint         sh,
                     guint         dw,
                     guint         dh)
{
  guint8 *out = g_malloc ((gsize) dw * dh * 4);
  double fx = (double) sw / dw, fy = (double) sh / dh;

  for (guint y = 0; y < dh; y++)
    for (guint x = 0; x < dw; x++)
      for (guint c = 0; c < 4; c++)
        {
          double sum = 0, area = 0;
          double x0 = x * fx, x1 = (x + 1) * fx, y0 = y * fy, y1 = (y + 1) * fy;

          for (guint sy = (guint) y0; sy < MIN (sh, (guint) ceil (y1)); sy++)
            for (guint sx = (guint) x0; sx < MIN (sw, (guint) ceil (x1)); sx++)
              {
                double wx = MIN (x1, sx + 1.0) - MAX (x0, (double) sx);
                double wy = MIN (y1, sy + 1.0) - MAX (y0, (double) sy);

                if (wx <= 0 || wy <= 0)
                  continue;
                sum += wx * wy * src[((gsize) sy * sw + sx) * 4 + c];
                area += wx * wy;
              }
          out[((gsize) y * dw + x) * 4 + c] = (guint8) (sum / area + 0.5);
        }
  return out;
}

static void
check_jpeg_kind (JpegKind    kind,
                 gboolean    progressive,
                 const char *name)
{
  g_autoptr(GBytes) bytes = make_jpeg (640, 480, kind, progressive, 95);
  g_autofree char *path = write_jpeg (name, bytes);
  g_autofree guint8 *source = gradient_rgba (640, 480, kind);
  g_autofree guint8 *reference = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) image = NULL;
  g_autoptr(LbImage) small = NULL;
  double err;
  guint w = 0, h = 0;

  g_assert_true (lb_image_probe_file (path, &w, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, 640);
  g_assert_cmpuint (h, ==, 480);

  image = lb_image_decode_file (path, 0, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (image), ==, 640);
  g_assert_cmpuint (lb_image_get_height (image), ==, 480);
  err = mean_abs_error (image_pixels (image), source, 640 * 480 * 4);
  g_test_message ("%s: full size mean abs error %.3f", name, err);
  g_assert_cmpfloat (err, <, 1.5);
  for (gsize i = 3; i < 640 * 480 * 4; i += 4)
    g_assert_cmpuint (image_pixels (image)[i], ==, 255);
  if (kind == JPEG_GREY)
    for (gsize i = 0; i < 640 * 480 * 4; i += 4)
      {
        g_assert_cmpuint (image_pixels (image)[i], ==, image_pixels (image)[i + 1]);
        g_assert_cmpuint (image_pixels (image)[i], ==, image_pixels (image)[i + 2]);
      }

  /* exactly 1/4: DCT scaling alone */
  small = lb_image_decode_file (path, 160, 120, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (small), ==, 160);
  g_assert_cmpuint (lb_image_get_height (small), ==, 120);
  g_assert_cmpuint (lb_image_get_source_width (small), ==, 640);
  g_assert_cmpuint (lb_image_get_source_height (small), ==, 480);
  reference = reference_box_scale (source, 640, 480, 160, 120);
  err = mean_abs_error (image_pixels (small), reference, 160 * 120 * 4);
  g_test_message ("%s: 160x120 mean abs error %.3f", name, err);
  g_assert_cmpfloat (err, <, 1.5);
  g_clear_pointer (&small, lb_image_unref);
  g_clear_pointer (&reference, g_free);

  /* 3/8 DCT scaling (240 x 180) then the box filter */
  small = lb_image_decode_file (path, 200, 200, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (small), ==, 200);
  g_assert_cmpuint (lb_image_get_height (small), ==, 150);
  reference = reference_box_scale (source, 640, 480, 200, 150);
  err = mean_abs_error (image_pixels (small), reference, 200 * 150 * 4);
  g_test_message ("%s: 200x150 mean abs error %.3f", name, err);
  g_assert_cmpfloat (err, <, 1.5);
}

static void
test_jpeg_rgb (void)
{
  check_jpeg_kind (JPEG_RGB, FALSE, "rgb.jpg");
}

static void
test_jpeg_grey (void)
{
  check_jpeg_kind (JPEG_GREY, FALSE, "grey.jpg");
}

static void
test_jpeg_progressive (void)
{
  check_jpeg_kind (JPEG_RGB, TRUE, "progressive.jpg");
}

static void
test_jpeg_cmyk (void)
{
  check_jpeg_kind (JPEG_CMYK, FALSE, "cmyk.jpg");
}

/* A 64 x 48 JPEG in four flat quadrants (red, green / blue, white) with
 * an EXIF orientation tag; big-endian ("MM") or little-endian TIFF. */
static GBytes *
make_oriented_jpeg (guint    orientation,
                    gboolean big_endian)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  guint8 row[64 * 3];
  guint8 exif[6 + 8 + 2 + 12 + 4];
  guint8 *t = exif + 6;
  GBytes *bytes;

  /* Exif\0\0, TIFF header, IFD0 with one entry: 0x0112 SHORT 1 = orientation */
  memset (exif, 0, sizeof exif);
  memcpy (exif, "Exif\0\0", 6);
  if (big_endian)
    {
      memcpy (t, "MM\0*\0\0\0\x08", 8);
      memcpy (t + 8, "\0\x01" "\x01\x12" "\0\x03" "\0\0\0\x01", 10);
      t[18] = 0;
      t[19] = orientation;
    }
  else
    {
      memcpy (t, "II*\0\x08\0\0\0", 8);
      memcpy (t + 8, "\x01\0" "\x12\x01" "\x03\0" "\x01\0\0\0", 10);
      t[18] = orientation;
      t[19] = 0;
    }

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = 64;
  cinfo.image_height = 48;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 95, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  jpeg_write_marker (&cinfo, JPEG_APP0 + 1, exif, sizeof exif);
  while (cinfo.next_scanline < 48)
    {
      JSAMPROW rows[1] = { row };
      guint y = cinfo.next_scanline;

      for (guint x = 0; x < 64; x++)
        {
          static const guint8 colours[4][3] = {
            { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 255 } };
          guint q = (y >= 24) * 2 + (x >= 32);

          memcpy (row + x * 3, colours[q], 3);
        }
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buffer, size);
  free (buffer);
  return bytes;
}

/* 'r', 'g', 'b', 'w' for the colour at (x, y), '?' if none is close */
static char
colour_at (LbImage *image,
           guint    x,
           guint    y)
{
  guint8 px[4];

  get_pixel (image, x, y, px);
  if (px[0] > 200 && px[1] > 200 && px[2] > 200)
    return 'w';
  if (px[0] > 200 && px[1] < 60 && px[2] < 60)
    return 'r';
  if (px[0] < 60 && px[1] > 200 && px[2] < 60)
    return 'g';
  if (px[0] < 60 && px[1] < 60 && px[2] > 200)
    return 'b';
  return '?';
}

static void
test_jpeg_orientation (void)
{
  /* Corners (top-left, top-right, bottom-left, bottom-right) as shown.
   * Stored: red green / blue white. */
  static const struct { guint orientation; const char *corners; gboolean turned; } cases[] = {
    { 1, "rgbw", FALSE },
    { 2, "grwb", FALSE },  /* mirrored left-right */
    { 3, "wbgr", FALSE },  /* 180° */
    { 4, "bwrg", FALSE },  /* mirrored top-bottom */
    { 5, "rbgw", TRUE },   /* transposed */
    { 6, "brwg", TRUE },   /* stored turned left: shown turned 90° clockwise */
    { 7, "wgbr", TRUE },   /* transverse */
    { 8, "gwrb", TRUE },   /* 90° anticlockwise */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint be = 0; be < 2; be++)
      {
        g_autoptr(GBytes) bytes = make_oriented_jpeg (cases[i].orientation, be);
        g_autofree char *path = write_jpeg ("oriented.jpg", bytes);
        g_autoptr(GError) error = NULL;
        g_autoptr(LbImage) image = NULL;
        g_autoptr(LbImage) small = NULL;
        guint ew = cases[i].turned ? 48 : 64, eh = cases[i].turned ? 64 : 48;
        guint w, h;
        char corners[5] = { 0 };

        image = lb_image_decode_file (path, 0, 0, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (lb_image_get_width (image), ==, ew);
        g_assert_cmpuint (lb_image_get_height (image), ==, eh);
        g_assert_cmpuint (lb_image_get_source_width (image), ==, ew);
        g_assert_cmpuint (lb_image_get_source_height (image), ==, eh);
        corners[0] = colour_at (image, 2, 2);
        corners[1] = colour_at (image, ew - 3, 2);
        corners[2] = colour_at (image, 2, eh - 3);
        corners[3] = colour_at (image, ew - 3, eh - 3);
        if (strcmp (corners, cases[i].corners) != 0)
          g_error ("orientation %u (%s): corners %s, expected %s", cases[i].orientation,
                   be ? "MM" : "II", corners, cases[i].corners);

        g_assert_true (lb_image_probe_file (path, &w, &h, &error));
        g_assert_cmpuint (w, ==, ew);
        g_assert_cmpuint (h, ==, eh);

        /* scaled: fits the target in the shown orientation */
        small = lb_image_decode_file (path, 24, 24, NULL, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (lb_image_get_width (small), ==, cases[i].turned ? 18 : 24);
        g_assert_cmpuint (lb_image_get_height (small), ==, cases[i].turned ? 24 : 18);
        g_assert_cmpint (colour_at (small, 1, 1), ==, cases[i].corners[0]);
        g_assert_cmpint (colour_at (small, lb_image_get_width (small) - 2,
                                    lb_image_get_height (small) - 2), ==, cases[i].corners[3]);
      }
}

/* Finds the SOFn marker and returns the offset of its height field */
static gsize
find_sof_size (const guint8 *p,
               gsize         len)
{
  for (gsize i = 2; i + 9 < len; )
    {
      guint seg;

      g_assert_cmpuint (p[i], ==, 0xFF);
      if (p[i + 1] >= 0xC0 && p[i + 1] <= 0xC2)
        return i + 5;
      seg = (p[i + 2] << 8) | p[i + 3];
      i += 2 + seg;
    }
  g_assert_not_reached ();
  return 0;
}

static void
test_jpeg_refusals (void)
{
  g_autoptr(GBytes) bytes = make_jpeg (64, 48, JPEG_RGB, FALSE, 90);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  gsize at = find_sof_size (copy, len);
  struct { guint w, h; const char *what; } cases[] = {
    { 65000, 65000, "32768 × 32768 pixels" },
    { 20000, 20000, "100 megapixels" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(LbImage) image = NULL;
      g_autofree char *size = g_strdup_printf ("%u × %u", cases[i].w, cases[i].h);
      guint w = 0, h = 0;

      copy[at] = cases[i].h >> 8;
      copy[at + 1] = cases[i].h & 0xFF;
      copy[at + 2] = cases[i].w >> 8;
      copy[at + 3] = cases[i].w & 0xFF;
      path = write_scratch ("huge.jpg", copy, len);
      image = lb_image_decode_file (path, 0, 0, NULL, &error);
      g_assert_null (image);
      assert_error_names_file (error, LB_IMAGE_ERROR_TOO_LARGE, path);
      g_assert_nonnull (strstr (error->message, size));
      g_assert_nonnull (strstr (error->message, cases[i].what));
      /* also when a small target is asked for */
      g_clear_error (&error);
      assert_decode_refused (path, 100, 100, NULL, LB_IMAGE_ERROR_TOO_LARGE);

      g_assert_true (lb_image_probe_file (path, &w, &h, &error));
      g_assert_cmpuint (w, ==, cases[i].w);
      g_assert_cmpuint (h, ==, cases[i].h);
    }

  /* 12-bit samples: a valid JPEG this build cannot decode */
  {
    g_autofree guint8 *p12 = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
    g_autofree char *path = NULL;

    p12[at - 1] = 12;
    path = write_scratch ("twelve.jpg", p12, len);
    assert_decode_refused (path, 0, 0, NULL, LB_IMAGE_ERROR_UNSUPPORTED);
  }

  /* truncated: the header is fine, the data stops half way */
  {
    g_autofree char *path = write_scratch ("truncated.jpg", g_bytes_get_data (bytes, NULL),
                                           len / 2);

    assert_decode_refused (path, 0, 0, NULL, LB_IMAGE_ERROR_CORRUPT);
  }

  /* only the start-of-image marker */
  {
    g_autofree char *path = write_scratch ("soi.jpg", "\xFF\xD8\xFF", 3);

    assert_decode_refused (path, 0, 0, NULL, LB_IMAGE_ERROR_CORRUPT);
    assert_probe_refused (path, LB_IMAGE_ERROR_CORRUPT);
  }

  /* every truncation and some flipped bytes: never a crash */
  {
    const guint8 *data = g_bytes_get_data (bytes, NULL);
    GRand *rand = g_rand_new_with_seed (7);

    for (gsize cut = 3; cut < len; cut += 1 + len / 80)
      {
        g_autofree char *path = write_scratch ("cut.jpg", data, cut);
        g_autoptr(GError) error = NULL;
        g_autoptr(LbImage) image = lb_image_decode_file (path, 0, 0, NULL, &error);

        g_assert_null (image);
        assert_error_names_file (error, LB_IMAGE_ERROR_CORRUPT, path);
      }
    for (guint i = 0; i < 200; i++)
      {
        g_autofree guint8 *flip = g_memdup2 (data, len);
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(LbImage) image = NULL;

        flip[g_rand_int_range (rand, 3, len)] ^= 1 << g_rand_int_range (rand, 0, 8);
        path = write_scratch ("flip.jpg", flip, len);
        image = lb_image_decode_file (path, 20, 20, NULL, &error);
        g_assert_true ((image == NULL) != (error == NULL));
        if (error)
          {
            /* a flipped header bit may also ask for a feature (12-bit,
             * arithmetic coding) or a size that is refused */
            g_assert_true (error->domain == LB_IMAGE_ERROR &&
                           (error->code == LB_IMAGE_ERROR_CORRUPT ||
                            error->code == LB_IMAGE_ERROR_UNSUPPORTED ||
                            error->code == LB_IMAGE_ERROR_TOO_LARGE));
            g_assert_nonnull (strstr (error->message, "flip.jpg"));
          }
      }
    g_rand_free (rand);
  }
}

/* ------------------------------------------------------------------ */
/* Scaling                                                             */

static void
test_fit (void)
{
  struct { guint w, h, tw, th, ew, eh; } cases[] = {
    { 640, 480, 0, 0, 640, 480 },
    { 640, 480, 1280, 960, 640, 480 },   /* never upscales */
    { 640, 480, 320, 240, 320, 240 },
    { 640, 480, 100, 100, 100, 75 },
    { 480, 640, 100, 100, 75, 100 },
    { 640, 480, 320, 0, 320, 240 },      /* 0 = unbounded in that direction */
    { 640, 480, 0, 120, 160, 120 },
    { 4000, 3000, 1200, 900, 1200, 900 },
    { 4000, 3000, 1920, 1080, 1440, 1080 },
    { 10000, 1, 100, 100, 100, 1 },      /* never below one pixel */
    { 1, 10000, 100, 100, 1, 100 },
    { 33, 33, 13, 13, 13, 13 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint w, h;

      lb_image_compute_fit (cases[i].w, cases[i].h, cases[i].tw, cases[i].th, &w, &h);
      g_assert_cmpuint (w, ==, cases[i].ew);
      g_assert_cmpuint (h, ==, cases[i].eh);
    }
}

static void
test_scale_png (void)
{
  g_autofree char *path = lb_test_pngsuite_path ("basn2c08.png");
  g_autofree char *alpha = lb_test_pngsuite_path ("basn6a16.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) full = NULL;
  g_autoptr(LbImage) image = NULL;
  g_autoptr(LbImage) rescaled = NULL;
  g_autofree guint8 *reference = NULL;

  full = lb_image_decode_file (path, 0, 0, NULL, &error);
  g_assert_no_error (error);

  image = lb_image_decode_file (path, 64, 64, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (image), ==, 32);
  g_assert_true (g_bytes_equal (lb_image_get_pixels (image), lb_image_get_pixels (full)));
  g_clear_pointer (&image, lb_image_unref);

  image = lb_image_decode_file (path, 16, 8, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (image), ==, 8);
  g_assert_cmpuint (lb_image_get_height (image), ==, 8);
  g_assert_cmpuint (lb_image_get_source_width (image), ==, 32);
  reference = reference_box_scale (image_pixels (full), 32, 32, 8, 8);
  g_assert_cmpfloat (mean_abs_error (image_pixels (image), reference, 8 * 8 * 4), <, 0.6);

  /* the decoder's scaling and lb_image_scale() agree */
  rescaled = lb_image_scale (full, 16, 8);
  g_assert_true (g_bytes_equal (lb_image_get_pixels (image), lb_image_get_pixels (rescaled)));
  g_clear_pointer (&image, lb_image_unref);
  g_clear_pointer (&reference, g_free);
  g_clear_pointer (&full, lb_image_unref);

  /* premultiplied alpha scales without dark fringes: compare to the float box */
  full = lb_image_decode_file (alpha, 0, 0, NULL, &error);
  g_assert_no_error (error);
  image = lb_image_decode_file (alpha, 11, 11, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lb_image_get_width (image), ==, 11);
  reference = reference_box_scale (image_pixels (full), 32, 32, 11, 11);
  for (gsize i = 0; i < 11 * 11 * 4; i++)
    g_assert_cmpint (ABS ((int) image_pixels (image)[i] - (int) reference[i]), <=, 2);
  for (gsize i = 0; i < 11 * 11 * 4; i += 4)
    {
      const guint8 *p = image_pixels (image) + i;

      g_assert_cmpuint (p[0], <=, p[3]);
      g_assert_cmpuint (p[1], <=, p[3]);
      g_assert_cmpuint (p[2], <=, p[3]);
    }
}

static LbImage *
decode_rgba_png (const char   *name,
                 const guint8 *rgba,
                 guint         w,
                 guint         h,
                 guint         tw,
                 guint         th)
{
  png_image image;
  g_autofree char *path = g_build_filename (scratch_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  LbImage *result;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = w;
  image.height = h;
  image.format = PNG_FORMAT_RGBA;
  g_assert_true (png_image_write_to_file (&image, path, 0, rgba, 0, NULL));
  result = lb_image_decode_file (path, tw, th, NULL, &error);
  g_assert_no_error (error);
  return result;
}

static void
test_scale_exact (void)
{
  guint8 solid[9 * 7 * 4];
  guint8 checker[2 * 2 * 4] = { 0, 0, 0, 255,  255, 255, 255, 255,
                                255, 255, 255, 255,  0, 0, 0, 255 };
  g_autoptr(LbImage) a = NULL;
  g_autoptr(LbImage) b = NULL;

  /* a flat colour stays exactly that colour at any scale */
  for (guint i = 0; i < sizeof solid; i += 4)
    {
      solid[i] = 200; solid[i + 1] = 17; solid[i + 2] = 99; solid[i + 3] = 255;
    }
  a = decode_rgba_png ("solid.png", solid, 9, 7, 4, 4);
  g_assert_cmpuint (lb_image_get_width (a), ==, 4);
  g_assert_cmpuint (lb_image_get_height (a), ==, 3);
  for (guint i = 0; i < 4 * 3 * 4; i += 4)
    {
      const guint8 *p = image_pixels (a) + i;

      g_assert_cmpuint (p[0], ==, 200);
      g_assert_cmpuint (p[1], ==, 17);
      g_assert_cmpuint (p[2], ==, 99);
      g_assert_cmpuint (p[3], ==, 255);
    }

  /* a 2 x 2 checkerboard averages to mid grey */
  b = decode_rgba_png ("checker.png", checker, 2, 2, 1, 1);
  g_assert_cmpuint (lb_image_get_width (b), ==, 1);
  g_assert_cmpuint (image_pixels (b)[0], ==, 128);
  g_assert_cmpuint (image_pixels (b)[3], ==, 255);
}

/* ------------------------------------------------------------------ */
/* Throughput (figures only; run with -m perf or LB_IMAGE_BENCH=1)     */

/* A synthetic "photo": smooth shapes plus sensor-like noise, RGB */
static guint8 *
make_photo_rgb (guint w,
                guint h)
{
  guint8 *rgb = g_malloc ((gsize) w * h * 3);
  GRand *rand = g_rand_new_with_seed (1);

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint8 *p = rgb + ((gsize) y * w + x) * 3;
        int n = g_rand_int_range (rand, -6, 7);

        p[0] = CLAMP ((int) (127 + 100 * sin (x / 97.0) * cos (y / 61.0)) + n, 0, 255);
        p[1] = CLAMP ((int) (x * 255 / w) + n, 0, 255);
        p[2] = CLAMP ((int) (y * 255 / h) - n, 0, 255);
      }
  g_rand_free (rand);
  return rgb;
}

static GBytes *
make_photo_jpeg (const guint8 *rgb,
                 guint         w,
                 guint         h,
                 int           quality)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, quality, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < h)
    {
      JSAMPROW row = (JSAMPROW) rgb + (gsize) cinfo.next_scanline * w * 3;

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buffer, size);
  free (buffer);
  return bytes;
}

static GBytes *
make_photo_png (const guint8 *rgb,
                guint         w,
                guint         h)
{
  png_image image;
  png_alloc_size_t size = 0;
  guint8 *buffer;

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = w;
  image.height = h;
  image.format = PNG_FORMAT_RGB;
  g_assert_true (png_image_write_get_memory_size (image, size, 0, rgb, 0, NULL));
  buffer = g_malloc (size);
  g_assert_true (png_image_write_to_memory (&image, buffer, &size, 0, rgb, 0, NULL));
  return g_bytes_new_take (buffer, size);
}

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Best of @rounds, in CPU seconds of this thread (the machine is shared:
 * wall time would measure the neighbours) */
static double
time_decode (const char *path,
             guint       tw,
             guint       th,
             guint       rounds)
{
  double best = G_MAXDOUBLE;

  for (guint i = 0; i < rounds; i++)
    {
      g_autoptr(GError) error = NULL;
      double t0 = thread_cpu_seconds ();
      g_autoptr(LbImage) image = lb_image_decode_file (path, tw, th, NULL, &error);

      g_assert_no_error (error);
      best = MIN (best, thread_cpu_seconds () - t0);
    }
  return best;
}

static void
test_throughput (void)
{
  const guint w = 4000, h = 3000;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *png_path = NULL;
  g_autofree char *jpeg_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbImage) full = NULL;
  g_autoptr(LbImage) scaled = NULL;
  g_autofree guint8 *rgb = NULL;
  double t, mp = w * (double) h / 1e6;

  if (!g_test_perf () && !g_getenv ("LB_IMAGE_BENCH"))
    {
      g_test_skip ("run with -m perf or LB_IMAGE_BENCH=1");
      return;
    }

  rgb = make_photo_rgb (w, h);
  png = make_photo_png (rgb, w, h);
  png_path = write_scratch ("photo.png", g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  jpeg = make_photo_jpeg (rgb, w, h, 90);
  jpeg_path = write_jpeg ("photo.jpg", jpeg);

  t = time_decode (png_path, 0, 0, 5);
  g_test_message ("PNG  %ux%u (%.1f MB): %.1f ms CPU, %.1f MP/s", w, h,
                  g_bytes_get_size (png) / 1e6, t * 1e3, mp / t);
  t = time_decode (png_path, 1200, 900, 5);
  g_test_message ("PNG  to 1200x900: %.1f ms", t * 1e3);
  t = time_decode (jpeg_path, 0, 0, 5);
  g_test_message ("JPEG %ux%u (%.1f MB): %.1f ms CPU, %.1f MP/s", w, h,
                  g_bytes_get_size (jpeg) / 1e6, t * 1e3, mp / t);
  t = time_decode (jpeg_path, 1200, 900, 5);
  g_test_message ("JPEG to 1200x900 (DCT 3/8 + box): %.1f ms", t * 1e3);

  full = lb_image_decode_file (png_path, 0, 0, NULL, &error);
  g_assert_no_error (error);
  t = G_MAXDOUBLE;
  for (guint i = 0; i < 5; i++)
    {
      double t0 = thread_cpu_seconds ();

      g_clear_pointer (&scaled, lb_image_unref);
      scaled = lb_image_scale (full, 1200, 900);
      t = MIN (t, thread_cpu_seconds () - t0);
    }
  g_test_message ("box scale 4000x3000 -> 1200x900: %.1f ms", t * 1e3);
  g_assert_cmpuint (lb_image_get_width (scaled), ==, 1200);
}

/* ------------------------------------------------------------------ */

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  scratch_dir = lb_test_make_tmpdir ("lb-test-image");

  g_test_add_func ("/engine/image/pngsuite/all", test_pngsuite_all);
  g_test_add_func ("/engine/image/pngsuite/spot", test_pngsuite_spot);
  g_test_add_func ("/engine/image/pngsuite/interlaced", test_pngsuite_interlaced);
  g_test_add_func ("/engine/image/pngsuite/damaged", test_pngsuite_damaged);
  g_test_add_func ("/engine/image/pngsuite/x-damage", test_pngsuite_x_damage);
  g_test_add_func ("/engine/image/png/too-large", test_png_too_large);
  g_test_add_func ("/engine/image/png/chunk-limit", test_png_chunk_limit);
  g_test_add_func ("/engine/image/refusals", test_refusals);
  g_test_add_func ("/engine/image/display-name", test_display_name);
  g_test_add_func ("/engine/image/jpeg/rgb", test_jpeg_rgb);
  g_test_add_func ("/engine/image/jpeg/grey", test_jpeg_grey);
  g_test_add_func ("/engine/image/jpeg/progressive", test_jpeg_progressive);
  g_test_add_func ("/engine/image/jpeg/cmyk", test_jpeg_cmyk);
  g_test_add_func ("/engine/image/jpeg/refusals", test_jpeg_refusals);
  g_test_add_func ("/engine/image/jpeg/orientation", test_jpeg_orientation);
  g_test_add_func ("/engine/image/scale/fit", test_fit);
  g_test_add_func ("/engine/image/scale/png", test_scale_png);
  g_test_add_func ("/engine/image/scale/exact", test_scale_exact);
  g_test_add_func ("/engine/image/throughput", test_throughput);

  ret = g_test_run ();
  lb_test_remove_tree (scratch_dir);
  g_free (scratch_dir);
  return ret;
}
