/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-image"
#include "config.h"

#include "lb-image.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

/* Decoding of PNG (libpng) and JPEG (libjpeg-turbo) into premultiplied
 * RGBA8, scaled down with a box (area-averaging) filter.
 *
 * Colour management: none. gAMA, cHRM, sRGB and iCCP are ignored, as browsers
 * that do not colour-manage do: the stored samples are shown as sRGB. 16-bit
 * samples are rounded to 8 bits (png_set_scale_16). bKGD is ignored too;
 * transparency is kept as alpha. */

struct _LbImage
{
  gint     ref_count;   /* atomic */
  guint    width;
  guint    height;
  gsize    stride;
  GBytes  *pixels;
  guint    source_width;
  guint    source_height;
};

G_DEFINE_BOXED_TYPE (LbImage, lb_image, lb_image_ref, lb_image_unref)

G_DEFINE_QUARK (lb-image-error-quark, lb_image_error)

/* Progressive JPEGs with more scans than this are refused: each scan costs a
 * pass over the whole coefficient buffer (libjpeg-turbo's advice). */
#define MAX_JPEG_SCANS 500

const LbImageLimits *
lb_image_limits_default (void)
{
  static const LbImageLimits limits = {
    .max_width = 32768,
    .max_height = 32768,
    .max_pixels = 100 * 1000 * 1000,
    .max_chunk_bytes = 8 * 1024 * 1024,
  };

  return &limits;
}

LbImage *
lb_image_ref (LbImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
lb_image_unref (LbImage *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_int_dec_and_test (&self->ref_count))
    {
      g_bytes_unref (self->pixels);
      g_free (self);
    }
}

guint
lb_image_get_width (LbImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->width;
}

guint
lb_image_get_height (LbImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->height;
}

gsize
lb_image_get_stride (LbImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->stride;
}

GBytes *
lb_image_get_pixels (LbImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->pixels;
}

guint
lb_image_get_source_width (LbImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->source_width;
}

guint
lb_image_get_source_height (LbImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->source_height;
}

gsize
lb_image_get_byte_size (LbImage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return sizeof (LbImage) + self->stride * self->height;
}

/* Takes @pixels (g_malloc'ed, width * 4 * height bytes). */
static LbImage *
lb_image_new_take (guint8 *pixels,
                   guint   width,
                   guint   height,
                   guint   source_width,
                   guint   source_height)
{
  LbImage *self = g_new0 (LbImage, 1);

  self->ref_count = 1;
  self->width = width;
  self->height = height;
  self->stride = (gsize) width * 4;
  self->pixels = g_bytes_new_take (pixels, self->stride * height);
  self->source_width = source_width;
  self->source_height = source_height;
  return self;
}

/* ------------------------------------------------------------------ */
/* Pixel helpers                                                       */

/* Exact round (x / 255) for x <= 255 * 255 */
static inline guint
div255 (guint x)
{
  x += 128;
  return (x + (x >> 8)) >> 8;
}

static void
premultiply_row (guint8 *row,
                 guint   width)
{
  for (guint i = 0; i < width; i++, row += 4)
    {
      guint a = row[3];

      if (a == 255)
        continue;
      if (a == 0)
        {
          row[0] = row[1] = row[2] = 0;
          continue;
        }
      row[0] = div255 (row[0] * a);
      row[1] = div255 (row[1] * a);
      row[2] = div255 (row[2] * a);
    }
}

void
lb_image_compute_fit (guint  width,
                      guint  height,
                      guint  target_width,
                      guint  target_height,
                      guint *out_width,
                      guint *out_height)
{
  guint64 tw = target_width ? target_width : G_MAXUINT;
  guint64 th = target_height ? target_height : G_MAXUINT;

  if (width == 0 || height == 0 || (width <= tw && height <= th))
    {
      *out_width = width;
      *out_height = height;
      return;
    }

  if ((guint64) width * th <= (guint64) height * tw)
    {
      /* height is the tighter bound */
      *out_height = th;
      *out_width = ((guint64) width * th + height / 2) / height;
    }
  else
    {
      *out_width = tw;
      *out_height = ((guint64) height * tw + width / 2) / width;
    }
  *out_width = CLAMP (*out_width, 1, MIN (width, tw));
  *out_height = CLAMP (*out_height, 1, MIN (height, th));
}

/* ------------------------------------------------------------------ */
/* Box (area-averaging) downscaler, fed one source row at a time.      */
/*                                                                     */
/* Vertical pass first: source row y covers [P(y), P(y+1)) in fixed-   */
/* point destination rows, P(y) = floor(y * dh * 256 / sh), so the     */
/* weights of a destination row sum to exactly 256 and a source row    */
/* touches at most two destination rows; 16-bit accumulators over the  */
/* whole source width (vectorised). Then, for each finished row, a     */
/* horizontal pass per destination pixel: a partial first source       */
/* pixel, a run of whole ones (summed, one multiply) and a partial     */
/* last one, weights summing to exactly 2^14.                          */

#define V_SHIFT 8
#define H_SHIFT 14

typedef struct
{
  guint    first;    /* first source x */
  guint    n_mid;    /* whole source pixels after it */
  guint    last;     /* last source x (== first when only one) */
  guint32  w_first;
  guint32  w_mid;
  guint32  w_last;
} HSpan;

typedef struct
{
  guint     sw, sh, dw, dh;
  HSpan    *spans;     /* dw */
  guint16  *acc0;      /* current destination row, sw * 4 */
  guint16  *acc1;      /* next destination row */
  guint8   *dst;
  gsize     dst_stride;
  guint     y;         /* next source row */
  guint     dy;        /* current destination row */
} BoxScaler;

static void
box_weights (guint   src,
             guint   dst,
             guint   shift,
             guint   i,
             guint  *d,
             guint  *wa,
             guint  *wb)
{
  guint64 p0 = ((guint64) i * dst << shift) / src;
  guint64 p1 = ((guint64) (i + 1) * dst << shift) / src;
  guint64 boundary;

  *d = p0 >> shift;
  boundary = (guint64) (*d + 1) << shift;
  if (p1 <= boundary)
    {
      *wa = p1 - p0;
      *wb = 0;
    }
  else
    {
      *wa = boundary - p0;
      *wb = p1 - boundary;
    }
}

static gboolean
box_scaler_init (BoxScaler *s,
                 guint      sw,
                 guint      sh,
                 guint      dw,
                 guint      dh,
                 guint8    *dst)
{
  const guint32 one = 1u << H_SHIFT;

  g_assert (dw <= sw && dh <= sh && dw > 0 && dh > 0);

  memset (s, 0, sizeof *s);
  s->sw = sw;
  s->sh = sh;
  s->dw = dw;
  s->dh = dh;
  s->dst = dst;
  s->dst_stride = (gsize) dw * 4;
  s->spans = g_try_new (HSpan, dw);
  /* + 16 lanes of slack for the vector loop */
  s->acc0 = g_try_new0 (guint16, (gsize) sw * 4 + 16);
  s->acc1 = g_try_new0 (guint16, (gsize) sw * 4 + 16);
  if (!s->spans || !s->acc0 || !s->acc1)
    return FALSE;

  /* Destination pixel d covers source [d * sw / dw, (d + 1) * sw / dw),
   * here in units of 1/dw source pixel */
  for (guint d = 0; d < dw; d++)
    {
      HSpan *span = &s->spans[d];
      guint64 left = (guint64) d * sw;
      guint64 right = left + sw;
      guint64 first = left / dw;
      guint64 last = (right - 1) / dw;

      span->first = first;
      if (first == last)
        {
          span->n_mid = 0;
          span->last = first;
          span->w_first = one;
          span->w_mid = 0;
          span->w_last = 0;
        }
      else
        {
          guint64 cover_first = (first + 1) * dw - left;

          span->n_mid = last - first - 1;
          span->last = last;
          span->w_first = cover_first * one / sw;
          span->w_mid = (guint64) dw * one / sw;
          span->w_last = one - span->w_first - span->n_mid * span->w_mid;
        }
    }
  return TRUE;
}

static void
box_scaler_clear (BoxScaler *s)
{
  g_clear_pointer (&s->spans, g_free);
  g_clear_pointer (&s->acc0, g_free);
  g_clear_pointer (&s->acc1, g_free);
}

#if defined(__GNUC__) && (__GNUC__ >= 9 || defined(__clang__))
#define LB_HAVE_VECTOR 1
typedef guint8 v16u8 __attribute__ ((vector_size (16)));
typedef guint16 v16u16 __attribute__ ((vector_size (32)));
typedef guint16 v4u16 __attribute__ ((vector_size (8)));
typedef guint32 v4u32 __attribute__ ((vector_size (16)));
#endif

#if defined(LB_HAVE_VECTOR) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
/* An AVX2 build of the hot loop where the CPU has it, picked at load time */
#define LB_TARGET_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define LB_TARGET_CLONES
#endif

/* acc[i] += row[i] * w for n bytes */
LB_TARGET_CLONES
static void
accumulate_row (guint16      *acc,
                const guint8 *row,
                gsize         n,
                guint16       w)
{
  gsize i = 0;

#ifdef LB_HAVE_VECTOR
  for (; i + 16 <= n; i += 16)
    {
      v16u8 b;
      v16u16 a;

      memcpy (&b, row + i, 16);
      memcpy (&a, acc + i, 32);
      a += __builtin_convertvector (b, v16u16) * w;
      memcpy (acc + i, &a, 32);
    }
#endif
  for (; i < n; i++)
    acc[i] += row[i] * w;
}

static void
box_scaler_emit_row (BoxScaler *s)
{
  guint8 *out = s->dst + (gsize) s->dy * s->dst_stride;
  const guint16 *acc = s->acc0;
  const guint32 round = 1u << (V_SHIFT + H_SHIFT - 1);

  for (guint d = 0; d < s->dw; d++, out += 4)
    {
      const HSpan *span = &s->spans[d];
      const guint16 *a = acc + (gsize) span->first * 4;
#ifdef LB_HAVE_VECTOR
      v4u16 p16;
      v4u32 first, mid = { 0, 0, 0, 0 }, last, sum;

      memcpy (&p16, a, 8);
      first = __builtin_convertvector (p16, v4u32);
      for (guint i = 1; i <= span->n_mid; i++)
        {
          memcpy (&p16, a + i * 4, 8);
          mid += __builtin_convertvector (p16, v4u32);
        }
      memcpy (&p16, acc + (gsize) span->last * 4, 8);
      last = __builtin_convertvector (p16, v4u32);
      sum = (first * span->w_first + mid * span->w_mid + last * span->w_last + round)
            >> (V_SHIFT + H_SHIFT);
      for (guint c = 0; c < 4; c++)
        out[c] = MIN (sum[c], 255);
#else
      const guint16 *l = acc + (gsize) span->last * 4;

      for (guint c = 0; c < 4; c++)
        {
          guint32 mid = 0, sum;

          for (guint i = 1; i <= span->n_mid; i++)
            mid += a[i * 4 + c];
          sum = (a[c] * span->w_first + mid * span->w_mid + l[c] * span->w_last + round)
                >> (V_SHIFT + H_SHIFT);
          out[c] = MIN (sum, 255);
        }
#endif
    }

  /* rotate the accumulators */
  {
    guint16 *tmp = s->acc0;

    s->acc0 = s->acc1;
    s->acc1 = tmp;
    memset (s->acc1, 0, ((gsize) s->sw * 4 + 16) * sizeof (guint16));
  }
  s->dy++;
}

static void
box_scaler_push_row (BoxScaler    *s,
                     const guint8 *row)
{
  guint d, wa, wb;
  gsize n = (gsize) s->sw * 4;

  g_assert (s->y < s->sh);

  box_weights (s->sh, s->dh, V_SHIFT, s->y, &d, &wa, &wb);
  g_assert (d == s->dy);

  if (wa)
    accumulate_row (s->acc0, row, n, wa);
  if (wb)
    accumulate_row (s->acc1, row, n, wb);
  s->y++;

  /* destination row d is complete once the source reaches its lower edge */
  if (wb || ((guint64) s->y * s->dh << V_SHIFT) / s->sh >= ((guint64) (d + 1) << V_SHIFT))
    box_scaler_emit_row (s);
}

/* Scales a whole premultiplied RGBA buffer; returns a new buffer or NULL when out of memory. */
static guint8 *
box_scale_buffer (const guint8 *src,
                  guint         sw,
                  guint         sh,
                  guint         dw,
                  guint         dh)
{
  BoxScaler s;
  guint8 *dst = g_try_malloc ((gsize) dw * dh * 4);

  if (dst == NULL)
    return NULL;
  if (!box_scaler_init (&s, sw, sh, dw, dh, dst))
    {
      box_scaler_clear (&s);
      g_free (dst);
      return NULL;
    }
  for (guint y = 0; y < sh; y++)
    box_scaler_push_row (&s, src + (gsize) y * sw * 4);
  g_assert (s.dy == dh);
  box_scaler_clear (&s);
  return dst;
}

LbImage *
lb_image_scale (LbImage *self,
                guint    target_width,
                guint    target_height)
{
  guint dw, dh;
  guint8 *dst;

  g_return_val_if_fail (self != NULL, NULL);

  lb_image_compute_fit (self->width, self->height, target_width, target_height, &dw, &dh);
  if (dw == self->width && dh == self->height)
    return lb_image_ref (self);

  dst = box_scale_buffer (g_bytes_get_data (self->pixels, NULL),
                          self->width, self->height, dw, dh);
  if (dst == NULL)
    return NULL;
  return lb_image_new_take (dst, dw, dh, self->source_width, self->source_height);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static gboolean
check_limits (const char          *display,
              guint32              width,
              guint32              height,
              const LbImageLimits *limits,
              GError             **error)
{
  if (width > limits->max_width || height > limits->max_height)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_TOO_LARGE,
                   _("%s: image is %u × %u pixels, over the limit of %u × %u pixels"),
                   display, width, height, limits->max_width, limits->max_height);
      return FALSE;
    }
  if ((guint64) width * height > limits->max_pixels)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_TOO_LARGE,
                   _("%s: image is %u × %u pixels, over the limit of %g megapixels"),
                   display, width, height, (double) limits->max_pixels / 1e6);
      return FALSE;
    }
  return TRUE;
}

static void
set_out_of_memory (const char  *display,
                   guint        width,
                   guint        height,
                   GError     **error)
{
  g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_IO,
               _("%s: not enough memory to decode an image of %u × %u pixels"),
               display, width, height);
}

typedef enum {
  FORMAT_UNKNOWN,
  FORMAT_PNG,
  FORMAT_JPEG,
} ImageFormat;

static ImageFormat
sniff_format (const guint8 *data,
              gsize         len)
{
  static const guint8 png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (len >= 8 && memcmp (data, png_sig, 8) == 0)
    return FORMAT_PNG;
  if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return FORMAT_JPEG;
  return FORMAT_UNKNOWN;
}

static inline guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint32
crc32_of (const guint8 *p,
          gsize         n)
{
  guint32 crc = 0xFFFFFFFFu;

  for (gsize i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
  return ~crc;
}

/* PNG: signature, then IHDR must be the first chunk, of length 13, with a
 * good CRC (so that a damaged size reads as damage, not as a huge image). */
static gboolean
png_parse_ihdr (const guint8 *data,
                gsize         len,
                const char   *display,
                guint32      *width,
                guint32      *height,
                GError      **error)
{
  if (len < 8 + 8 + 13 + 4 || read_be32 (data + 8) != 13 || memcmp (data + 12, "IHDR", 4) != 0)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT,
                   _("%s: the PNG image is damaged (no valid header)"), display);
      return FALSE;
    }
  if (crc32_of (data + 12, 4 + 13) != read_be32 (data + 29))
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT,
                   _("%s: the PNG image is damaged (wrong header checksum)"), display);
      return FALSE;
    }
  *width = read_be32 (data + 16);
  *height = read_be32 (data + 20);
  if (*width == 0 || *height == 0 || *width > PNG_UINT_31_MAX || *height > PNG_UINT_31_MAX)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT,
                   _("%s: the PNG image is damaged (invalid size %u × %u)"),
                   display, *width, *height);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* PNG                                                                 */

typedef struct
{
  FILE         *file;
  guint32       width;
  guint32       height;
  char          message[256];
  /* decoding state, kept here (not in locals) so it survives longjmp */
  png_structp   png;
  png_infop     info;
  guint8       *pixels;
  guint8       *scaled;
  guint8       *row;
  png_bytep    *rows;
  BoxScaler     scaler;
  gboolean      scaler_ready;
} PngDecode;

static void
png_error_cb (png_structp     png,
              png_const_charp message)
{
  PngDecode *d = png_get_error_ptr (png);

  g_strlcpy (d->message, message, sizeof d->message);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp     png,
                png_const_charp message)
{
  g_debug ("libpng warning: %s", message);
}

static void
png_read_cb (png_structp png,
             png_bytep   out,
             png_size_t  n)
{
  PngDecode *d = png_get_io_ptr (png);

  if (fread (out, 1, n, d->file) != n)
    png_error (png, ferror (d->file) ? "read error" : "file is truncated");
}

static void
png_decode_free (PngDecode *d)
{
  if (d->png)
    png_destroy_read_struct (&d->png, d->info ? &d->info : NULL, NULL);
  if (d->scaler_ready)
    box_scaler_clear (&d->scaler);
  g_free (d->pixels);
  g_free (d->scaled);
  g_free (d->row);
  g_free (d->rows);
  g_free (d);
}

/* @head: the first bytes of @file (at least the signature and IHDR) */
static LbImage *
decode_png (FILE                *file,
            const guint8        *head,
            gsize                head_len,
            const char          *display,
            guint                target_width,
            guint                target_height,
            const LbImageLimits *limits,
            GError             **error)
{
  /* Chunks we never use: discarded unread instead of decompressed and stored */
  static const png_byte ignored_chunks[] =
    "cHRM\0gAMA\0iCCP\0sRGB\0bKGD\0hIST\0sBIT\0sPLT\0tEXt\0zTXt\0iTXt\0tIME\0pHYs\0oFFs\0"
    "pCAL\0sCAL\0eXIf";
  PngDecode *d;
  guint32 width, height;
  guint dw, dh;
  int bit_depth, color_type, interlace, passes;
  gboolean has_alpha;
  LbImage *image;

  if (!png_parse_ihdr (head, head_len, display, &width, &height, error))
    return NULL;
  if (!check_limits (display, width, height, limits, error))
    return NULL;

  d = g_new0 (PngDecode, 1);
  d->file = file;
  d->width = width;
  d->height = height;
  if (fseek (file, 0, SEEK_SET) != 0)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_IO,
                   _("%s: could not read the file: %s"), display, g_strerror (errno));
      g_free (d);
      return NULL;
    }

  d->png = png_create_read_struct (PNG_LIBPNG_VER_STRING, d, png_error_cb, png_warning_cb);
  if (d->png)
    d->info = png_create_info_struct (d->png);
  if (d->png == NULL || d->info == NULL)
    {
      png_decode_free (d);
      set_out_of_memory (display, width, height, error);
      return NULL;
    }

  if (setjmp (png_jmpbuf (d->png)))
    {
      /* ours and libpng's own allocation failures say so */
      if (g_ascii_strcasecmp (d->message, "out of memory") == 0)
        set_out_of_memory (display, d->width, d->height, error);
      else
        g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT,
                     _("%s: the PNG image is damaged (%s)"), display, d->message);
      png_decode_free (d);
      return NULL;
    }

  png_set_user_limits (d->png, limits->max_width, limits->max_height);
  png_set_chunk_cache_max (d->png, 128);
  png_set_chunk_malloc_max (d->png, limits->max_chunk_bytes);
  png_set_keep_unknown_chunks (d->png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks,
                               sizeof ignored_chunks / 5);
  png_set_read_fn (d->png, d, png_read_cb);
#ifdef PNG_IGNORE_ADLER32
  /* The chunk CRCs already cover the compressed data: skip zlib's second checksum */
  png_set_option (d->png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif

  png_read_info (d->png, d->info);
  png_get_IHDR (d->png, d->info, &width, &height, &bit_depth, &color_type, &interlace,
                NULL, NULL);

  has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (d->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (d->png);
  if (png_get_valid (d->png, d->info, PNG_INFO_tRNS))
    {
      png_set_tRNS_to_alpha (d->png);
      has_alpha = TRUE;
    }
  if (bit_depth == 16)
    png_set_scale_16 (d->png);
  if (!(color_type & PNG_COLOR_MASK_COLOR))
    png_set_gray_to_rgb (d->png);
  if (!has_alpha)
    png_set_filler (d->png, 0xFF, PNG_FILLER_AFTER);
  passes = png_set_interlace_handling (d->png);
  png_read_update_info (d->png, d->info);

  if (png_get_rowbytes (d->png, d->info) != (gsize) width * 4)
    png_error (d->png, "unexpected row layout");

  lb_image_compute_fit (width, height, target_width, target_height, &dw, &dh);

  if (passes > 1 || (dw == width && dh == height))
    {
      /* Whole image into one buffer, rows decoded in place */
      d->pixels = g_try_malloc ((gsize) width * height * 4);
      if (d->pixels == NULL)
        png_error (d->png, "out of memory");

      if (passes > 1)
        {
          d->rows = g_try_new (png_bytep, height);
          if (d->rows == NULL)
            png_error (d->png, "out of memory");
          for (guint y = 0; y < height; y++)
            d->rows[y] = d->pixels + (gsize) y * width * 4;
          png_read_image (d->png, d->rows);
          if (has_alpha)
            for (guint y = 0; y < height; y++)
              premultiply_row (d->rows[y], width);
        }
      else
        {
          for (guint y = 0; y < height; y++)
            {
              guint8 *row = d->pixels + (gsize) y * width * 4;

              png_read_row (d->png, row, NULL);
              if (has_alpha)
                premultiply_row (row, width);
            }
        }

      if (dw != width || dh != height)
        {
          d->scaled = box_scale_buffer (d->pixels, width, height, dw, dh);
          if (d->scaled == NULL)
            png_error (d->png, "out of memory");
          image = lb_image_new_take (g_steal_pointer (&d->scaled), dw, dh, width, height);
        }
      else
        {
          image = lb_image_new_take (g_steal_pointer (&d->pixels), dw, dh, width, height);
        }
    }
  else
    {
      /* Non-interlaced and scaled: stream rows through the scaler */
      d->scaled = g_try_malloc ((gsize) dw * dh * 4);
      d->row = g_try_malloc ((gsize) width * 4);
      d->scaler_ready = TRUE;
      if (d->scaled == NULL || d->row == NULL ||
          !box_scaler_init (&d->scaler, width, height, dw, dh, d->scaled))
        png_error (d->png, "out of memory");
      for (guint y = 0; y < height; y++)
        {
          png_read_row (d->png, d->row, NULL);
          if (has_alpha)
            premultiply_row (d->row, width);
          box_scaler_push_row (&d->scaler, d->row);
        }
      image = lb_image_new_take (g_steal_pointer (&d->scaled), dw, dh, width, height);
    }

  /* The trailing chunks (after the image data) are not read: nothing in them is used. */
  png_decode_free (d);
  return image;
}

/* ------------------------------------------------------------------ */
/* JPEG                                                                */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf               jump;
  char                  message[JMSG_LENGTH_MAX];
} JpegErrorMgr;

typedef struct
{
  struct jpeg_decompress_struct cinfo;
  JpegErrorMgr                  jerr;
  struct jpeg_progress_mgr      progress;
  guint8                       *pixels;
  guint8                       *scaled;
  guint8                       *cmyk;
  guint8                       *rowbuf;
  BoxScaler                     scaler;
  gboolean                      scaler_ready;
  gboolean                      created;
} JpegDecode;

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
jpeg_emit_message_cb (j_common_ptr cinfo,
                      int          msg_level)
{
  JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;

  if (msg_level < 0)
    {
      /* A truncated file is an error (libjpeg would fill the rest with grey);
       * other warnings (extraneous bytes and such) are common in files that
       * display fine elsewhere. */
      if (err->pub.msg_code == JWRN_JPEG_EOF)
        jpeg_error_exit_cb (cinfo);
      err->pub.num_warnings++;
      if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
        return;
    }
  else if (msg_level > 0)
    {
      return;  /* trace messages */
    }

  {
    char buffer[JMSG_LENGTH_MAX];

    (*cinfo->err->format_message) (cinfo, buffer);
    g_debug ("libjpeg: %s", buffer);
  }
}

static void
jpeg_output_message_cb (j_common_ptr cinfo)
{
  char buffer[JMSG_LENGTH_MAX];

  (*cinfo->err->format_message) (cinfo, buffer);
  g_debug ("libjpeg: %s", buffer);
}

static void
jpeg_progress_cb (j_common_ptr cinfo)
{
  if (cinfo->is_decompressor &&
      ((j_decompress_ptr) cinfo)->input_scan_number > MAX_JPEG_SCANS)
    {
      JpegErrorMgr *err = (JpegErrorMgr *) cinfo->err;

      g_snprintf (err->message, sizeof err->message,
                  "more than %d progressive scans", MAX_JPEG_SCANS);
      longjmp (err->jump, 1);
    }
}

static void
jpeg_decode_free (JpegDecode *d)
{
  if (d->created)
    jpeg_destroy_decompress (&d->cinfo);
  if (d->scaler_ready)
    box_scaler_clear (&d->scaler);
  g_free (d->pixels);
  g_free (d->scaled);
  g_free (d->cmyk);
  g_free (d->rowbuf);
  g_free (d);
}

static void
jpeg_decode_setup (JpegDecode *d)
{
  d->cinfo.err = jpeg_std_error (&d->jerr.pub);
  d->jerr.pub.error_exit = jpeg_error_exit_cb;
  d->jerr.pub.emit_message = jpeg_emit_message_cb;
  d->jerr.pub.output_message = jpeg_output_message_cb;
}

/* After a longjmp: valid JPEGs using what this libjpeg cannot decode
 * (12-bit samples, lossless, ...) are UNSUPPORTED, the rest CORRUPT */
static void
set_jpeg_error (JpegDecode  *d,
                const char  *display,
                GError     **error)
{
  switch (d->jerr.pub.msg_code)
    {
    case JERR_OUT_OF_MEMORY:
      set_out_of_memory (display, d->cinfo.image_width, d->cinfo.image_height, error);
      break;
    case JERR_BAD_PRECISION:
    case JERR_ARITH_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_UNSUPPORTED,
                   _("%s: this kind of JPEG image is not supported (%s)"),
                   display, d->jerr.message);
      break;
    default:
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_CORRUPT,
                   _("%s: the JPEG image is damaged (%s)"), display, d->jerr.message);
      break;
    }
}

/* CMYK (as stored) to opaque RGBA. Adobe writes inverted CMYK (0 = full ink). */
static void
cmyk_to_rgba (const guint8 *in,
              guint8       *out,
              guint         width,
              gboolean      inverted)
{
  for (guint x = 0; x < width; x++, in += 4, out += 4)
    {
      guint c = in[0], m = in[1], y = in[2], k = in[3];

      if (!inverted)
        {
          c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
      out[0] = div255 (c * k);
      out[1] = div255 (m * k);
      out[2] = div255 (y * k);
      out[3] = 255;
    }
}

/* EXIF orientation (tag 0x0112 in IFD0 of an APP1 "Exif" segment), 1..8;
 * 1 (as stored) when absent or unreadable. */
static guint
exif_orientation (j_decompress_ptr cinfo)
{
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != NULL; m = m->next)
    {
      const guint8 *p = m->data;
      gsize len = m->data_length;
      const guint8 *tiff;
      gsize tlen, ifd;
      gboolean le;
      guint n;

      if (m->marker != JPEG_APP0 + 1 || len < 6 + 8 || memcmp (p, "Exif\0\0", 6) != 0)
        continue;
      tiff = p + 6;
      tlen = len - 6;
      if (memcmp (tiff, "II*\0", 4) == 0)
        le = TRUE;
      else if (memcmp (tiff, "MM\0*", 4) == 0)
        le = FALSE;
      else
        return 1;

#define RD16(q) (le ? (guint) ((q)[0] | ((q)[1] << 8)) : (guint) (((q)[0] << 8) | (q)[1]))
#define RD32(q) (le ? ((guint32) (q)[0] | ((guint32) (q)[1] << 8) | ((guint32) (q)[2] << 16) | \
                       ((guint32) (q)[3] << 24)) \
                    : (((guint32) (q)[0] << 24) | ((guint32) (q)[1] << 16) | \
                       ((guint32) (q)[2] << 8) | (guint32) (q)[3]))
      ifd = RD32 (tiff + 4);
      if (ifd < 8 || ifd > tlen - 2)
        return 1;
      n = RD16 (tiff + ifd);
      for (guint i = 0; i < n; i++)
        {
          gsize e = ifd + 2 + (gsize) i * 12;
          guint value;

          if (e + 12 > tlen)
            break;
          if (RD16 (tiff + e) != 0x0112 || RD16 (tiff + e + 2) != 3)
            continue;
          value = RD16 (tiff + e + 8);
          return value >= 1 && value <= 8 ? value : 1;
        }
#undef RD16
#undef RD32
      return 1;
    }
  return 1;
}

/* Orientations 5 to 8 swap width and height */
static inline gboolean
orientation_transposes (guint orientation)
{
  return orientation >= 5;
}

/* A new buffer: @src (w x h RGBA) turned upright per EXIF @orientation */
static guint8 *
apply_orientation (const guint8 *src,
                   guint         w,
                   guint         h,
                   guint         orientation)
{
  gboolean t = orientation_transposes (orientation);
  guint ow = t ? h : w, oh = t ? w : h;
  guint8 *out = g_try_malloc ((gsize) ow * oh * 4);

  if (out == NULL)
    return NULL;

  for (guint y = 0; y < oh; y++)
    for (guint x = 0; x < ow; x++)
      {
        guint sx, sy;

        switch (orientation)
          {
          case 2: sx = w - 1 - x; sy = y; break;              /* mirrored */
          case 3: sx = w - 1 - x; sy = h - 1 - y; break;      /* 180° */
          case 4: sx = x; sy = h - 1 - y; break;              /* flipped */
          case 5: sx = y; sy = x; break;                      /* transposed */
          case 6: sx = y; sy = h - 1 - x; break;              /* 90° clockwise */
          case 7: sx = w - 1 - y; sy = h - 1 - x; break;      /* transverse */
          case 8: sx = w - 1 - y; sy = x; break;              /* 90° anticlockwise */
          default: sx = x; sy = y; break;
          }
        memcpy (out + ((gsize) y * ow + x) * 4, src + ((gsize) sy * w + sx) * 4, 4);
      }
  return out;
}

static LbImage *
decode_jpeg (FILE                *file,
             const char          *display,
             guint                target_width,
             guint                target_height,
             const LbImageLimits *limits,
             GError             **error)
{
  JpegDecode *d = g_new0 (JpegDecode, 1);
  struct jpeg_decompress_struct *cinfo = &d->cinfo;
  guint width, height, dw, dh, ow, oh, orientation;
  gboolean is_cmyk, direct;
  LbImage *image;

  jpeg_decode_setup (d);
  if (setjmp (d->jerr.jump))
    {
      set_jpeg_error (d, display, error);
      jpeg_decode_free (d);
      return NULL;
    }

  jpeg_create_decompress (cinfo);
  d->created = TRUE;
  d->progress.progress_monitor = jpeg_progress_cb;
  cinfo->progress = &d->progress;
  if (fseek (file, 0, SEEK_SET) != 0)
    ERREXIT (cinfo, JERR_FILE_READ);
  jpeg_stdio_src (cinfo, file);
  jpeg_save_markers (cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header (cinfo, TRUE);

  /* Sizes as shown: camera photos are turned upright per their EXIF
   * orientation, as browsers (and Label Studio's frontend) show them */
  orientation = exif_orientation (cinfo);
  width = orientation_transposes (orientation) ? cinfo->image_height : cinfo->image_width;
  height = orientation_transposes (orientation) ? cinfo->image_width : cinfo->image_height;
  if (!check_limits (display, width, height, limits, error))
    {
      jpeg_decode_free (d);
      return NULL;
    }

  lb_image_compute_fit (width, height, target_width, target_height, &dw, &dh);
  if (orientation_transposes (orientation))
    {
      guint tmp = dw;

      /* decode to the stored orientation, turn at the end */
      dw = dh;
      dh = tmp;
    }

  /* DCT scaling: the smallest n/8 whose output still covers the target */
  cinfo->scale_denom = 8;
  for (guint n = 1; n <= 8; n++)
    {
      cinfo->scale_num = n;
      jpeg_calc_output_dimensions (cinfo);
      if (cinfo->output_width >= dw && cinfo->output_height >= dh)
        break;
    }

  is_cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = is_cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  jpeg_start_decompress (cinfo);

  ow = cinfo->output_width;
  oh = cinfo->output_height;
  if (cinfo->output_components != 4 || ow < dw || oh < dh)
    ERREXIT (cinfo, JERR_CONVERSION_NOTIMPL);
  direct = ow == dw && oh == dh;

  if (direct)
    {
      d->pixels = g_try_malloc ((gsize) dw * dh * 4);
      if (d->pixels == NULL)
        ERREXIT1 (cinfo, JERR_OUT_OF_MEMORY, 0);
    }
  else
    {
      d->scaled = g_try_malloc ((gsize) dw * dh * 4);
      d->scaler_ready = TRUE;
      if (d->scaled == NULL || !box_scaler_init (&d->scaler, ow, oh, dw, dh, d->scaled))
        ERREXIT1 (cinfo, JERR_OUT_OF_MEMORY, 1);
    }
  if (is_cmyk || !direct)
    {
      /* up to 16 rows at a time through a scratch buffer */
      d->rowbuf = g_try_malloc ((gsize) ow * 4 * 16);
      if (is_cmyk)
        d->cmyk = g_try_malloc ((gsize) ow * 4 * 16);
      if (d->rowbuf == NULL || (is_cmyk && d->cmyk == NULL))
        ERREXIT1 (cinfo, JERR_OUT_OF_MEMORY, 2);
    }

  while (cinfo->output_scanline < oh)
    {
      JSAMPROW rows[16];
      guint y0 = cinfo->output_scanline;
      guint n = MIN (16, oh - y0);
      guint got;

      for (guint i = 0; i < n; i++)
        {
          if (is_cmyk)
            rows[i] = d->cmyk + (gsize) i * ow * 4;
          else if (direct)
            rows[i] = d->pixels + (gsize) (y0 + i) * ow * 4;
          else
            rows[i] = d->rowbuf + (gsize) i * ow * 4;
        }
      got = jpeg_read_scanlines (cinfo, rows, n);
      if (got == 0)
        ERREXIT (cinfo, JERR_INPUT_EMPTY);

      for (guint i = 0; i < got; i++)
        {
          guint8 *rgba = direct ? d->pixels + (gsize) (y0 + i) * ow * 4
                                : d->rowbuf + (gsize) i * ow * 4;

          if (is_cmyk)
            cmyk_to_rgba (rows[i], rgba, ow, cinfo->saw_Adobe_marker);
          if (!direct)
            box_scaler_push_row (&d->scaler, rgba);
        }
    }

  /* Whatever follows the last scanline is not needed. */
  if (!direct)
    d->pixels = g_steal_pointer (&d->scaled);
  if (orientation > 1)
    {
      guint8 *turned = apply_orientation (d->pixels, dw, dh, orientation);

      if (turned == NULL)
        ERREXIT1 (cinfo, JERR_OUT_OF_MEMORY, 3);
      g_free (d->pixels);
      d->pixels = turned;
      if (orientation_transposes (orientation))
        {
          guint tmp = dw;

          dw = dh;
          dh = tmp;
        }
    }
  image = lb_image_new_take (g_steal_pointer (&d->pixels), dw, dh, width, height);

  jpeg_decode_free (d);
  return image;
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                 */

/* Opens @path for reading, with a large buffer */
static FILE *
open_file (const char  *path,
           const char  *display,
           GError     **error)
{
  FILE *f = g_fopen (path, "rbe");

  if (f == NULL)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT || saved_errno == ENOTDIR)
        g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_NOT_FOUND,
                     _("%s: file not found"), display);
      else
        g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_IO,
                     _("%s: could not read the file: %s"), display, g_strerror (saved_errno));
      return NULL;
    }
  setvbuf (f, NULL, _IOFBF, 256 * 1024);
  return f;
}

/* The first bytes, enough to tell the format and read a PNG's IHDR */
#define HEAD_BYTES 33

/* Opens @path and reads its first bytes into @head; NULL (and @error) if
 * it cannot be read or is neither PNG nor JPEG */
static FILE *
open_image (const char   *path,
            const char   *display,
            guint8        head[HEAD_BYTES],
            gsize        *len,
            ImageFormat  *format,
            GError      **error)
{
  FILE *f = open_file (path, display, error);

  if (f == NULL)
    return NULL;

  *len = fread (head, 1, HEAD_BYTES, f);
  if (ferror (f))
    {
      int saved_errno = errno;

      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_IO,
                   _("%s: could not read the file: %s"), display, g_strerror (saved_errno));
      fclose (f);
      return NULL;
    }

  *format = sniff_format (head, *len);
  if (*format == FORMAT_UNKNOWN)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_UNSUPPORTED,
                   _("%s: not a PNG or JPEG image"), display);
      fclose (f);
      return NULL;
    }
  return f;
}

LbImage *
lb_image_decode_file (const char          *path,
                      guint                target_width,
                      guint                target_height,
                      const LbImageLimits *limits,
                      GError             **error)
{
  g_autofree char *display = NULL;
  guint8 head[HEAD_BYTES];
  gsize len = 0;
  ImageFormat format;
  LbImage *image;
  FILE *f;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL)
    limits = lb_image_limits_default ();
  display = g_filename_display_name (path);

  /* Streamed from the file: nothing big is read or allocated before the
   * header passed the limits */
  f = open_image (path, display, head, &len, &format, error);
  if (f == NULL)
    return NULL;

  if (format == FORMAT_PNG)
    image = decode_png (f, head, len, display, target_width, target_height, limits, error);
  else
    image = decode_jpeg (f, display, target_width, target_height, limits, error);

  fclose (f);
  return image;
}

LbImage *
lb_image_decode_file_within (const char          *root,
                             const char          *path,
                             guint                target_width,
                             guint                target_height,
                             const LbImageLimits *limits,
                             GError             **error)
{
  g_autofree char *display = NULL;
  char root_real[PATH_MAX];
  char resolved[PATH_MAX];
  gsize root_len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (root == NULL)
    return lb_image_decode_file (path, target_width, target_height, limits, error);

  display = g_filename_display_name (path);
  if (realpath (path, resolved) == NULL || realpath (root, root_real) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, LB_IMAGE_ERROR,
                   saved_errno == ENOENT || saved_errno == ENOTDIR ? LB_IMAGE_ERROR_NOT_FOUND
                                                                  : LB_IMAGE_ERROR_IO,
                   "%s: %s", display, g_strerror (saved_errno));
      return NULL;
    }

  root_len = strlen (root_real);
  if (strncmp (resolved, root_real, root_len) != 0
      || (resolved[root_len] != '/' && strcmp (root_real, "/") != 0))
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_NOT_FOUND,
                   _("%s: path leaves the batch folder"), display);
      return NULL;
    }

  /* the file checked, not whatever the links point to by now */
  return lb_image_decode_file (resolved, target_width, target_height, limits, error);
}

static gboolean
probe_jpeg (FILE        *f,
            const char  *display,
            guint       *width,
            guint       *height,
            GError     **error)
{
  JpegDecode *d;

  if (fseek (f, 0, SEEK_SET) != 0)
    {
      g_set_error (error, LB_IMAGE_ERROR, LB_IMAGE_ERROR_IO,
                   _("%s: could not read the file: %s"), display, g_strerror (errno));
      return FALSE;
    }

  d = g_new0 (JpegDecode, 1);
  jpeg_decode_setup (d);
  if (setjmp (d->jerr.jump))
    {
      set_jpeg_error (d, display, error);
      jpeg_decode_free (d);
      return FALSE;
    }
  jpeg_create_decompress (&d->cinfo);
  d->created = TRUE;
  jpeg_stdio_src (&d->cinfo, f);
  jpeg_save_markers (&d->cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header (&d->cinfo, TRUE);
  if (orientation_transposes (exif_orientation (&d->cinfo)))
    {
      *width = d->cinfo.image_height;
      *height = d->cinfo.image_width;
    }
  else
    {
      *width = d->cinfo.image_width;
      *height = d->cinfo.image_height;
    }
  jpeg_decode_free (d);
  return TRUE;
}

gboolean
lb_image_probe_file (const char  *path,
                     guint       *width,
                     guint       *height,
                     GError     **error)
{
  g_autofree char *display = NULL;
  guint8 head[HEAD_BYTES];
  gsize len = 0;
  guint w = 0, h = 0;
  ImageFormat format;
  gboolean ok;
  FILE *f;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  f = open_image (path, display, head, &len, &format, error);
  if (f == NULL)
    return FALSE;

  if (format == FORMAT_PNG)
    {
      guint32 pw = 0, ph = 0;

      ok = png_parse_ihdr (head, len, display, &pw, &ph, error);
      w = pw;
      h = ph;
    }
  else
    {
      ok = probe_jpeg (f, display, &w, &h, error);
    }
  fclose (f);

  if (ok)
    {
      if (width)
        *width = w;
      if (height)
        *height = h;
    }
  return ok;
}
