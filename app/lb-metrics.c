/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-metrics"
#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "lb-metrics.h"

G_DEFINE_QUARK (lb-metrics-error-quark, lb_metrics_error)

/* Names of units, coders or categories: NAMES[i] the name of index i (may
 * be shorter than the count, NULL entries for unnamed ones), INDEX name →
 * index + 1. */
typedef struct {
  GPtrArray  *names;
  GHashTable *index;
} Names;

struct _LbMetricsRatings {
  guint      n_coders;
  guint      n_categories;
  GPtrArray *rows;        /* per unit: a GArray of guint, one per coder, or NULL
                           * (no values); a row shorter than n_coders is missing
                           * the values of the later coders */
  Names      units;
  Names      coders;
  Names      categories;
};

static void
names_init (Names *names)
{
  names->names = g_ptr_array_new_with_free_func (g_free);
  names->index = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
names_clear (Names *names)
{
  g_clear_pointer (&names->index, g_hash_table_unref);
  g_clear_pointer (&names->names, g_ptr_array_unref);
}

static guint
names_find (const Names *names,
            const char  *name)
{
  gpointer value;

  if (name == NULL)
    return LB_METRICS_MISSING;
  value = g_hash_table_lookup (names->index, name);
  return value != NULL ? GPOINTER_TO_UINT (value) - 1 : LB_METRICS_MISSING;
}

static const char *
names_get (const Names *names,
           guint        i)
{
  return i < names->names->len ? g_ptr_array_index (names->names, i) : NULL;
}

/* Records NAME for the new index I (the current count). */
static void
names_add (Names      *names,
           guint       i,
           const char *name)
{
  char *copy;

  if (name == NULL)
    return;
  while (names->names->len < i)
    g_ptr_array_add (names->names, NULL);
  copy = g_strdup (name);
  g_ptr_array_add (names->names, copy);
  g_hash_table_insert (names->index, copy, GUINT_TO_POINTER (i + 1));
}

static void
row_free (gpointer data)
{
  if (data != NULL)
    g_array_unref (data);
}

LbMetricsRatings *
lb_metrics_ratings_new (guint n_units,
                        guint n_coders,
                        guint n_categories)
{
  LbMetricsRatings *self;

  g_return_val_if_fail (n_units < G_MAXUINT && n_coders < G_MAXUINT, NULL);
  g_return_val_if_fail (n_categories < G_MAXUINT, NULL);

  self = g_new0 (LbMetricsRatings, 1);
  self->n_coders = n_coders;
  self->n_categories = n_categories;
  self->rows = g_ptr_array_new_full (n_units, row_free);
  g_ptr_array_set_size (self->rows, n_units);
  names_init (&self->units);
  names_init (&self->coders);
  names_init (&self->categories);
  return self;
}

void
lb_metrics_ratings_free (LbMetricsRatings *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->rows);
  names_clear (&self->units);
  names_clear (&self->coders);
  names_clear (&self->categories);
  g_free (self);
}

guint
lb_metrics_ratings_get_n_units (const LbMetricsRatings *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->rows->len;
}

guint
lb_metrics_ratings_get_n_coders (const LbMetricsRatings *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_coders;
}

guint
lb_metrics_ratings_get_n_categories (const LbMetricsRatings *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_categories;
}

guint
lb_metrics_ratings_add_unit (LbMetricsRatings *self,
                             const char       *name)
{
  guint i;

  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  g_return_val_if_fail (self->rows->len < G_MAXUINT - 1, LB_METRICS_MISSING);

  i = names_find (&self->units, name);
  if (i != LB_METRICS_MISSING)
    return i;
  i = self->rows->len;
  g_ptr_array_add (self->rows, NULL);
  names_add (&self->units, i, name);
  return i;
}

guint
lb_metrics_ratings_add_coder (LbMetricsRatings *self,
                              const char       *name)
{
  guint i;

  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  g_return_val_if_fail (self->n_coders < G_MAXUINT - 1, LB_METRICS_MISSING);

  i = names_find (&self->coders, name);
  if (i != LB_METRICS_MISSING)
    return i;
  i = self->n_coders++;
  names_add (&self->coders, i, name);
  return i;
}

guint
lb_metrics_ratings_add_category (LbMetricsRatings *self,
                                 const char       *name)
{
  guint i;

  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  g_return_val_if_fail (self->n_categories < G_MAXUINT - 1, LB_METRICS_MISSING);

  i = names_find (&self->categories, name);
  if (i != LB_METRICS_MISSING)
    return i;
  i = self->n_categories++;
  names_add (&self->categories, i, name);
  return i;
}

guint
lb_metrics_ratings_find_unit (const LbMetricsRatings *self,
                              const char             *name)
{
  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  return names_find (&self->units, name);
}

guint
lb_metrics_ratings_find_coder (const LbMetricsRatings *self,
                               const char             *name)
{
  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  return names_find (&self->coders, name);
}

guint
lb_metrics_ratings_find_category (const LbMetricsRatings *self,
                                  const char             *name)
{
  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  return names_find (&self->categories, name);
}

const char *
lb_metrics_ratings_get_unit_name (const LbMetricsRatings *self,
                                  guint                   unit)
{
  g_return_val_if_fail (self != NULL, NULL);
  return names_get (&self->units, unit);
}

const char *
lb_metrics_ratings_get_coder_name (const LbMetricsRatings *self,
                                   guint                   coder)
{
  g_return_val_if_fail (self != NULL, NULL);
  return names_get (&self->coders, coder);
}

const char *
lb_metrics_ratings_get_category_name (const LbMetricsRatings *self,
                                      guint                   category)
{
  g_return_val_if_fail (self != NULL, NULL);
  return names_get (&self->categories, category);
}

void
lb_metrics_ratings_set (LbMetricsRatings *self,
                        guint             unit,
                        guint             coder,
                        guint             category)
{
  GArray *row;

  g_return_if_fail (self != NULL);
  g_return_if_fail (unit < self->rows->len);
  g_return_if_fail (coder < self->n_coders);
  g_return_if_fail (category < self->n_categories || category == LB_METRICS_MISSING);

  row = g_ptr_array_index (self->rows, unit);
  if (row == NULL)
    {
      if (category == LB_METRICS_MISSING)
        return;
      row = g_array_sized_new (FALSE, FALSE, sizeof (guint), self->n_coders);
      self->rows->pdata[unit] = row;
    }
  if (coder >= row->len)
    {
      guint old_len = row->len;

      if (category == LB_METRICS_MISSING)
        return;
      g_array_set_size (row, coder + 1);
      for (guint i = old_len; i < row->len; i++)
        g_array_index (row, guint, i) = LB_METRICS_MISSING;
    }
  g_array_index (row, guint, coder) = category;
}

void
lb_metrics_ratings_set_named (LbMetricsRatings *self,
                              const char       *unit,
                              const char       *coder,
                              const char       *category)
{
  guint u, c, k = LB_METRICS_MISSING;

  g_return_if_fail (self != NULL);
  g_return_if_fail (unit != NULL);
  g_return_if_fail (coder != NULL);

  u = lb_metrics_ratings_add_unit (self, unit);
  c = lb_metrics_ratings_add_coder (self, coder);
  if (category != NULL)
    k = lb_metrics_ratings_add_category (self, category);
  lb_metrics_ratings_set (self, u, c, k);
}

static inline guint
get_value (const LbMetricsRatings *self,
           guint                   unit,
           guint                   coder)
{
  const GArray *row = g_ptr_array_index (self->rows, unit);

  if (row == NULL || coder >= row->len)
    return LB_METRICS_MISSING;
  return g_array_index (row, guint, coder);
}

guint
lb_metrics_ratings_get (const LbMetricsRatings *self,
                        guint                   unit,
                        guint                   coder)
{
  g_return_val_if_fail (self != NULL, LB_METRICS_MISSING);
  g_return_val_if_fail (unit < self->rows->len, LB_METRICS_MISSING);
  g_return_val_if_fail (coder < self->n_coders, LB_METRICS_MISSING);

  return get_value (self, unit, coder);
}

/* Per-unit category counts n_uc, in a scratch table that remembers which
 * categories it touched so that clearing costs no more than counting. */
typedef struct {
  guint *counts;   /* n_categories, all zero between units */
  guint *seen;     /* the categories with a count, n_seen of them */
  guint  n_seen;
} UnitCounts;

static void
unit_counts_init (UnitCounts             *uc,
                  const LbMetricsRatings *self)
{
  uc->counts = g_new0 (guint, MAX (self->n_categories, 1));
  uc->seen = g_new (guint, MAX (MIN (self->n_categories, self->n_coders), 1));
  uc->n_seen = 0;
}

static void
unit_counts_clear (UnitCounts *uc)
{
  g_clear_pointer (&uc->counts, g_free);
  g_clear_pointer (&uc->seen, g_free);
}

/* Counts the values of UNIT; returns their number m_u. */
static guint
unit_counts_fill (UnitCounts             *uc,
                  const LbMetricsRatings *self,
                  guint                   unit)
{
  const GArray *row = g_ptr_array_index (self->rows, unit);
  guint m = 0;

  for (guint i = 0; i < uc->n_seen; i++)
    uc->counts[uc->seen[i]] = 0;
  uc->n_seen = 0;

  if (row == NULL)
    return 0;
  for (guint c = 0; c < row->len; c++)
    {
      guint k = g_array_index (row, guint, c);

      if (k == LB_METRICS_MISSING)
        continue;
      if (uc->counts[k]++ == 0)
        uc->seen[uc->n_seen++] = k;
      m++;
    }
  return m;
}

static char *
describe_unit (const LbMetricsRatings *self,
               guint                   unit)
{
  const char *name = names_get (&self->units, unit);

  if (name != NULL)
    return g_strdup_printf ("“%s”", name);
  return g_strdup_printf ("#%u", unit);
}

static gboolean
set_no_variation (GError **error)
{
  g_set_error_literal (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_VARIATION,
                       _("Every answer compared is the same label: agreement beyond chance "
                         "cannot be measured without variation"));
  return FALSE;
}

gboolean
lb_metrics_percent_agreement (const LbMetricsRatings  *self,
                              double                  *agreement,
                              guint                   *n_units,
                              GError                 **error)
{
  UnitCounts uc;
  double sum = 0.0;
  guint n = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (agreement != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  unit_counts_init (&uc, self);
  for (guint u = 0; u < self->rows->len; u++)
    {
      guint m = unit_counts_fill (&uc, self, u);
      guint64 agreeing = 0;

      if (m < 2)
        continue;
      for (guint i = 0; i < uc.n_seen; i++)
        {
          guint64 c = uc.counts[uc.seen[i]];

          agreeing += c * (c - 1);
        }
      sum += (double) agreeing / ((double) m * (m - 1));
      n++;
    }
  unit_counts_clear (&uc);

  if (n_units != NULL)
    *n_units = n;
  if (n == 0)
    {
      *agreement = 0.0;
      g_set_error_literal (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                           _("No item has answers from two annotators"));
      return FALSE;
    }
  *agreement = sum / n;
  return TRUE;
}

gboolean
lb_metrics_cohen_kappa (const LbMetricsRatings  *self,
                        guint                    coder_a,
                        guint                    coder_b,
                        double                  *kappa,
                        guint                   *n_units,
                        GError                 **error)
{
  g_autofree guint64 *margin_a = NULL;
  g_autofree guint64 *margin_b = NULL;
  guint64 n = 0, agree = 0, chance = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (coder_a < self->n_coders, FALSE);
  g_return_val_if_fail (coder_b < self->n_coders, FALSE);
  g_return_val_if_fail (kappa != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  margin_a = g_new0 (guint64, MAX (self->n_categories, 1));
  margin_b = g_new0 (guint64, MAX (self->n_categories, 1));
  for (guint u = 0; u < self->rows->len; u++)
    {
      guint a = get_value (self, u, coder_a);
      guint b = get_value (self, u, coder_b);

      if (a == LB_METRICS_MISSING || b == LB_METRICS_MISSING)
        continue;
      n++;
      agree += a == b;
      margin_a[a]++;
      margin_b[b]++;
    }
  for (guint k = 0; k < self->n_categories; k++)
    chance += margin_a[k] * margin_b[k];

  if (n_units != NULL)
    *n_units = (guint) n;
  if (n == 0)
    {
      *kappa = 0.0;
      g_set_error_literal (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                           _("No item was answered by both annotators"));
      return FALSE;
    }
  /* p_e = chance / n², p_o = agree / n; κ = (n agree - chance) / (n² - chance).
   * chance = n² only when both coders used one and the same category. */
  if (chance == n * n)
    {
      *kappa = 1.0;
      return set_no_variation (error);
    }
  *kappa = ((double) n * agree - (double) chance) / ((double) n * n - (double) chance);
  return TRUE;
}

gboolean
lb_metrics_fleiss_kappa (const LbMetricsRatings  *self,
                         guint                    n_ratings,
                         double                  *kappa,
                         guint                   *n_units,
                         GError                 **error)
{
  g_autofree guint64 *totals = NULL;
  UnitCounts uc;
  guint64 squares = 0, n = 0, pooled = 0;
  guint m = n_ratings, first_unit = 0, n_used_categories = 0;
  double t, num, den;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (n_ratings != 1, FALSE);
  g_return_val_if_fail (kappa != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  totals = g_new0 (guint64, MAX (self->n_categories, 1));
  unit_counts_init (&uc, self);
  for (guint u = 0; u < self->rows->len; u++)
    {
      guint m_u = unit_counts_fill (&uc, self, u);

      if (m_u < 2 || (n_ratings != 0 && m_u != n_ratings))
        continue;
      if (m == 0)
        {
          m = m_u;
          first_unit = u;
        }
      else if (m_u != m)
        {
          g_autofree char *a = describe_unit (self, first_unit);
          g_autofree char *b = describe_unit (self, u);

          unit_counts_clear (&uc);
          *kappa = 0.0;
          if (n_units != NULL)
            *n_units = 0;
          g_set_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_UNEQUAL_RATINGS,
                       _("Item %s has %u answers but item %s has %u: Fleiss’ kappa needs "
                         "the same number of answers for every item"), a, m, b, m_u);
          return FALSE;
        }
      for (guint i = 0; i < uc.n_seen; i++)
        {
          guint64 c = uc.counts[uc.seen[i]];

          squares += c * c;
          totals[uc.seen[i]] += c;
        }
      n++;
    }
  unit_counts_clear (&uc);

  if (n_units != NULL)
    *n_units = (guint) n;
  if (n == 0)
    {
      *kappa = 0.0;
      if (n_ratings != 0)
        g_set_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                     _("No item has exactly %u answers"), n_ratings);
      else
        g_set_error_literal (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                             _("No item has answers from two annotators"));
      return FALSE;
    }
  for (guint k = 0; k < self->n_categories; k++)
    {
      pooled += totals[k] * totals[k];
      n_used_categories += totals[k] != 0;
    }
  if (n_used_categories == 1)
    {
      *kappa = 1.0;
      return set_no_variation (error);
    }
  /* T = n m values; P̄ = (S - T) / (T (m - 1)), P̄e = Q / T², S the sum of
   * squared per-unit counts, Q of squared pooled counts; multiplying
   * κ = (P̄ - P̄e) / (1 - P̄e) through by T² (m - 1): */
  t = (double) n * m;
  num = (double) (squares - n * m) * t - (double) pooled * (m - 1);
  den = (t * t - (double) pooled) * (m - 1);
  *kappa = num / den;
  return TRUE;
}

/* Adds the coincidences of the pairable units to O (n_categories², may be
 * NULL), their diagonal to *DIAGONAL and the values per category to
 * MARGINS (n_categories, exact); returns the pairable units. */
static guint
coincidences (const LbMetricsRatings *self,
              double                 *o,
              double                 *diagonal,
              guint64                *margins)
{
  UnitCounts uc;
  guint n = 0;

  unit_counts_init (&uc, self);
  for (guint u = 0; u < self->rows->len; u++)
    {
      guint m = unit_counts_fill (&uc, self, u);
      double same = 0.0;

      if (m < 2)
        continue;
      for (guint i = 0; i < uc.n_seen; i++)
        {
          guint c = uc.seen[i];
          guint64 n_c = uc.counts[c];

          margins[c] += n_c;
          same += (double) (n_c * (n_c - 1));
          if (o == NULL)
            continue;
          for (guint j = 0; j < uc.n_seen; j++)
            {
              guint k = uc.seen[j];
              guint64 pairs = k == c ? n_c * (n_c - 1) : n_c * uc.counts[k];

              o[(gsize) c * self->n_categories + k] += (double) pairs / (m - 1);
            }
        }
      *diagonal += same / (m - 1);
      n++;
    }
  unit_counts_clear (&uc);
  return n;
}

gboolean
lb_metrics_krippendorff_alpha (const LbMetricsRatings  *self,
                               double                  *alpha,
                               guint                   *n_units,
                               guint                   *n_values,
                               GError                 **error)
{
  g_autofree guint64 *margins = NULL;
  double diagonal = 0.0, expected;
  guint64 n = 0, chance = 0;
  guint units, n_used_categories = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (alpha != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  margins = g_new0 (guint64, MAX (self->n_categories, 1));
  units = coincidences (self, NULL, &diagonal, margins);
  for (guint k = 0; k < self->n_categories; k++)
    {
      n += margins[k];
      if (margins[k] > 0)
        chance += margins[k] * (margins[k] - 1);
      n_used_categories += margins[k] != 0;
    }

  if (n_units != NULL)
    *n_units = units;
  if (n_values != NULL)
    *n_values = (guint) n;
  if (units == 0)
    {
      *alpha = 0.0;
      g_set_error_literal (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                           _("No item has answers from two annotators"));
      return FALSE;
    }
  /* D_e = 0 when all pairable values are one category */
  if (n_used_categories == 1)
    {
      *alpha = 1.0;
      return set_no_variation (error);
    }
  /* α = ((n - 1) Σ o_cc - Σ n_c (n_c - 1)) / (n (n - 1) - Σ n_c (n_c - 1)) */
  expected = (double) (n * (n - 1) - chance);
  *alpha = ((double) (n - 1) * diagonal - (double) chance) / expected;
  return TRUE;
}

double *
lb_metrics_coincidences (const LbMetricsRatings *self)
{
  g_autofree guint64 *margins = NULL;
  double *o, diagonal = 0.0;

  g_return_val_if_fail (self != NULL, NULL);

  o = g_new0 (double, MAX ((gsize) self->n_categories * self->n_categories, 1));
  margins = g_new0 (guint64, MAX (self->n_categories, 1));
  coincidences (self, o, &diagonal, margins);
  return o;
}

guint *
lb_metrics_confusion_matrix (const LbMetricsRatings *self,
                             guint                   coder_a,
                             guint                   coder_b,
                             guint                  *n_units)
{
  guint *matrix;
  guint n = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (coder_a < self->n_coders, NULL);
  g_return_val_if_fail (coder_b < self->n_coders, NULL);

  matrix = g_new0 (guint, MAX ((gsize) self->n_categories * self->n_categories, 1));
  for (guint u = 0; u < self->rows->len; u++)
    {
      guint a = get_value (self, u, coder_a);
      guint b = get_value (self, u, coder_b);

      if (a == LB_METRICS_MISSING || b == LB_METRICS_MISSING)
        continue;
      matrix[(gsize) a * self->n_categories + b]++;
      n++;
    }
  if (n_units != NULL)
    *n_units = n;
  return matrix;
}

guint *
lb_metrics_distribution (const LbMetricsRatings *self,
                         guint                   coder,
                         guint                  *n_values)
{
  guint *counts;
  guint n = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (coder < self->n_coders || coder == LB_METRICS_ALL_CODERS, NULL);

  counts = g_new0 (guint, MAX (self->n_categories, 1));
  for (guint u = 0; u < self->rows->len; u++)
    {
      const GArray *row = g_ptr_array_index (self->rows, u);

      if (row == NULL)
        continue;
      for (guint c = 0; c < row->len; c++)
        {
          guint k = g_array_index (row, guint, c);

          if (k == LB_METRICS_MISSING || (coder != LB_METRICS_ALL_CODERS && c != coder))
            continue;
          counts[k]++;
          n++;
        }
    }
  if (n_values != NULL)
    *n_values = n;
  return counts;
}

gboolean
lb_metrics_gold_accuracy (const LbMetricsRatings  *self,
                          const guint             *key,
                          guint                    n_key,
                          guint                    coder,
                          double                  *accuracy,
                          guint                   *n_correct,
                          guint                   *n_answered,
                          GError                 **error)
{
  guint correct = 0, answered = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL || n_key == 0, FALSE);
  g_return_val_if_fail (coder < self->n_coders, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint u = 0; u < MIN (n_key, self->rows->len); u++)
    {
      guint v;

      if (key[u] == LB_METRICS_MISSING)
        continue;
      v = get_value (self, u, coder);
      if (v == LB_METRICS_MISSING)
        continue;
      answered++;
      correct += v == key[u];
    }

  if (n_correct != NULL)
    *n_correct = correct;
  if (n_answered != NULL)
    *n_answered = answered;
  if (answered == 0)
    {
      const char *name = names_get (&self->coders, coder);

      if (accuracy != NULL)
        *accuracy = 0.0;
      if (name != NULL)
        g_set_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                     _("“%s” answered no gold item"), name);
      else
        g_set_error_literal (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA,
                             _("The annotator answered no gold item"));
      return FALSE;
    }
  if (accuracy != NULL)
    *accuracy = (double) correct / answered;
  return TRUE;
}

static int
compare_int64 (const void *a,
               const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

gboolean
lb_metrics_median (const gint64 *values,
                   gsize         n_values,
                   double       *median)
{
  g_autofree gint64 *sorted = NULL;

  g_return_val_if_fail (values != NULL || n_values == 0, FALSE);
  g_return_val_if_fail (median != NULL, FALSE);

  if (n_values == 0)
    {
      *median = 0.0;
      return FALSE;
    }
  sorted = g_memdup2 (values, n_values * sizeof (gint64));
  qsort (sorted, n_values, sizeof (gint64), compare_int64);
  if (n_values % 2 == 1)
    *median = (double) sorted[n_values / 2];
  else
    *median = (double) sorted[n_values / 2 - 1] / 2.0 + (double) sorted[n_values / 2] / 2.0;
  return TRUE;
}
