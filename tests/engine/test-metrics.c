/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-metrics"
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "lb-metrics.h"

#define M LB_METRICS_MISSING

/* Builds a table from ROWS (n_units × n_coders, M = missing). */
static LbMetricsRatings *
ratings_from_rows (const guint *rows,
                   guint        n_units,
                   guint        n_coders,
                   guint        n_categories)
{
  LbMetricsRatings *r = lb_metrics_ratings_new (n_units, n_coders, n_categories);

  for (guint u = 0; u < n_units; u++)
    for (guint c = 0; c < n_coders; c++)
      lb_metrics_ratings_set (r, u, c, rows[u * n_coders + c]);
  return r;
}

/* Builds a table from per-unit category counts (Fleiss's layout): the
 * values of each unit go to coders 0, 1, … in category order. */
static LbMetricsRatings *
ratings_from_counts (const guint *counts,
                     guint        n_units,
                     guint        n_categories,
                     guint        n_coders)
{
  LbMetricsRatings *r = lb_metrics_ratings_new (n_units, n_coders, n_categories);

  for (guint u = 0; u < n_units; u++)
    {
      guint coder = 0;

      for (guint k = 0; k < n_categories; k++)
        for (guint i = 0; i < counts[u * n_categories + k]; i++)
          lb_metrics_ratings_set (r, u, coder++, k);
      g_assert_cmpuint (coder, <=, n_coders);
    }
  return r;
}

/* Sets N units from FIRST on: coder 0 A, coder 1 B; returns the next unit. */
static guint
set_pairs (LbMetricsRatings *r,
           guint             first,
           guint             n,
           guint             a,
           guint             b)
{
  for (guint u = first; u < first + n; u++)
    {
      lb_metrics_ratings_set (r, u, 0, a);
      lb_metrics_ratings_set (r, u, 1, b);
    }
  return first + n;
}

/* Cohen's kappa. Source: Wikipedia, "Cohen's kappa", section "Simple
 * example" (50 grant proposals, readers A and B, yes/no): both yes 20,
 * A yes and B no 5, A no and B yes 10, both no 15; p_o = 0.7, p_e = 0.5,
 * κ = 0.4. */
static void
test_cohen_wikipedia (void)
{
  enum { YES, NO };
  g_autoptr(LbMetricsRatings) r = lb_metrics_ratings_new (50, 2, 2);
  g_autoptr(GError) error = NULL;
  g_autofree guint *confusion = NULL;
  double kappa = -2, agreement = -2;
  guint u = 0, n = 0;

  u = set_pairs (r, u, 20, YES, YES);
  u = set_pairs (r, u, 5, YES, NO);
  u = set_pairs (r, u, 10, NO, YES);
  u = set_pairs (r, u, 15, NO, NO);
  g_assert_cmpuint (u, ==, 50);

  g_assert_true (lb_metrics_cohen_kappa (r, 0, 1, &kappa, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 50);
  g_assert_cmpfloat_with_epsilon (kappa, 0.4, 1e-3);
  /* symmetric in the coders */
  g_assert_true (lb_metrics_cohen_kappa (r, 1, 0, &kappa, NULL, &error));
  g_assert_cmpfloat_with_epsilon (kappa, 0.4, 1e-3);

  /* p_o of the same example */
  g_assert_true (lb_metrics_percent_agreement (r, &agreement, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 50);
  g_assert_cmpfloat_with_epsilon (agreement, 0.7, 1e-12);

  /* the example's table: rows A, columns B */
  confusion = lb_metrics_confusion_matrix (r, 0, 1, &n);
  g_assert_cmpuint (n, ==, 50);
  g_assert_cmpuint (confusion[YES * 2 + YES], ==, 20);
  g_assert_cmpuint (confusion[YES * 2 + NO], ==, 5);
  g_assert_cmpuint (confusion[NO * 2 + YES], ==, 10);
  g_assert_cmpuint (confusion[NO * 2 + NO], ==, 15);
}

/* Fleiss' kappa. Source: Wikipedia, "Fleiss' kappa", section "Worked
 * example": 10 subjects, 14 raters, 5 categories; p_j = 0.143, 0.200,
 * 0.279, 0.150, 0.229; P̄ = 0.378, P̄e = 0.213, κ = 0.210. */
static const guint fleiss_counts[10 * 5] = {
  0, 0, 0, 0, 14,
  0, 2, 6, 4, 2,
  0, 0, 3, 5, 6,
  0, 3, 9, 2, 0,
  2, 2, 8, 1, 1,
  7, 7, 0, 0, 0,
  3, 2, 6, 3, 0,
  2, 5, 3, 2, 2,
  6, 5, 2, 1, 0,
  0, 2, 2, 3, 7,
};

static void
test_fleiss_wikipedia (void)
{
  static const double p_j[5] = { 0.143, 0.200, 0.279, 0.150, 0.229 };
  g_autoptr(LbMetricsRatings) r = ratings_from_counts (fleiss_counts, 10, 5, 14);
  g_autoptr(GError) error = NULL;
  g_autofree guint *distribution = NULL;
  double kappa = -2, agreement = -2;
  guint n = 0;

  g_assert_true (lb_metrics_fleiss_kappa (r, 0, &kappa, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 10);
  g_assert_cmpfloat_with_epsilon (kappa, 0.210, 1e-3);

  /* asking for units with exactly 14 ratings: the same units */
  g_assert_true (lb_metrics_fleiss_kappa (r, 14, &kappa, &n, &error));
  g_assert_cmpuint (n, ==, 10);
  g_assert_cmpfloat_with_epsilon (kappa, 0.210, 1e-3);

  /* P̄ is the pairwise percent agreement */
  g_assert_true (lb_metrics_percent_agreement (r, &agreement, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 10);
  g_assert_cmpfloat_with_epsilon (agreement, 0.378, 1e-3);

  /* the per-category shares p_j */
  distribution = lb_metrics_distribution (r, LB_METRICS_ALL_CODERS, &n);
  g_assert_cmpuint (n, ==, 140);
  for (guint k = 0; k < 5; k++)
    g_assert_cmpfloat_with_epsilon ((double) distribution[k] / n, p_j[k], 1e-3);

  /* no unit has 13 ratings */
  g_assert_false (lb_metrics_fleiss_kappa (r, 13, &kappa, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpfloat (kappa, ==, 0.0);
}

/* Krippendorff's alpha. Source: K. Krippendorff (2011), "Computing
 * Krippendorff's Alpha-Reliability", University of Pennsylvania, section
 * "C. Nominal data, any number of observers, missing data": 4 observers
 * A–D, 12 units, values 1–5 (here 0–4), "." missing. The paper's
 * coincidence matrix has o_11 = 7, o_12 = 4/3, o_13 = o_14 = 1/3,
 * o_22 = 10, o_23 = 4/3, o_24 = 1/3, o_33 = 8, o_34 = 1/3, o_44 = 4,
 * o_55 = 3, margins n_c = 9, 13, 10, 5, 3, n = 40; α = 0.743. */
static const guint kripp_rows[12 * 4] = {
  /* A  B  C  D */
  0, 0, M, 0,
  1, 1, 2, 1,
  2, 2, 2, 2,
  2, 2, 2, 2,
  1, 1, 1, 1,
  0, 1, 2, 3,
  3, 3, 3, 3,
  0, 0, 1, 0,
  1, 1, 1, 1,
  M, 4, 4, 4,
  M, M, 0, 0,
  M, 2, M, M,
};

static void
test_krippendorff_2011 (void)
{
  static const guint margins[5] = { 9, 13, 10, 5, 3 };
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (kripp_rows, 12, 4, 5);
  g_autoptr(GError) error = NULL;
  g_autofree double *o = NULL;
  double alpha = -2;
  guint n_units = 0, n_values = 0;

  g_assert_true (lb_metrics_krippendorff_alpha (r, &alpha, &n_units, &n_values, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (alpha, 0.743, 1e-3);
  /* unit 12 has one value: not pairable */
  g_assert_cmpuint (n_units, ==, 11);
  g_assert_cmpuint (n_values, ==, 40);

  o = lb_metrics_coincidences (r);
  g_assert_cmpfloat_with_epsilon (o[0 * 5 + 0], 7.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[0 * 5 + 1], 4.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[0 * 5 + 2], 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[0 * 5 + 3], 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[1 * 5 + 1], 10.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[1 * 5 + 2], 4.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[1 * 5 + 3], 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[2 * 5 + 2], 8.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[2 * 5 + 3], 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[3 * 5 + 3], 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (o[4 * 5 + 4], 3.0, 1e-12);
  for (guint c = 0; c < 5; c++)
    {
      double row = 0;

      for (guint k = 0; k < 5; k++)
        {
          g_assert_cmpfloat_with_epsilon (o[c * 5 + k], o[k * 5 + c], 1e-12);
          row += o[c * 5 + k];
        }
      g_assert_cmpfloat_with_epsilon (row, margins[c], 1e-12);
    }
  for (guint k = 0; k < 4; k++)
    g_assert_cmpfloat (o[k * 5 + 4], ==, 0.0);
}

/* The same data through the other figures, values computed by hand. */
static void
test_krippendorff_data_other_figures (void)
{
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (kripp_rows, 12, 4, 5);
  g_autoptr(GError) error = NULL;
  g_autofree guint *confusion = NULL;
  g_autofree guint *distribution = NULL;
  double kappa = -2;
  guint n = 0;

  /* Fleiss over the units with all four values (units 2–9): S = Σ n_uc² =
   * 104, T = 32, Q = Σ T_c² = 4² + 13² + 10² + 5² = 310, m = 4:
   * κ = ((S - T) T - Q (m - 1)) / ((T² - Q)(m - 1)) = 1374 / 2142. */
  g_assert_true (lb_metrics_fleiss_kappa (r, 4, &kappa, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpfloat_with_epsilon (kappa, 1374.0 / 2142.0, 1e-12);

  /* without a count, the units differ (3 values in unit 1, 4 in unit 2) */
  g_assert_false (lb_metrics_fleiss_kappa (r, 0, &kappa, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_UNEQUAL_RATINGS);
  g_assert_nonnull (strstr (error->message, "#0"));
  g_assert_nonnull (strstr (error->message, "#1"));
  g_assert_cmpfloat (kappa, ==, 0.0);
  g_clear_error (&error);

  /* Cohen, A and B: both coded units 1–9, agree on 8; margins A = 3, 3,
   * 2, 1, B = 2, 4, 2, 1; κ = (9·8 - 23) / (81 - 23) = 49 / 58. */
  g_assert_true (lb_metrics_cohen_kappa (r, 0, 1, &kappa, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 9);
  g_assert_cmpfloat_with_epsilon (kappa, 49.0 / 58.0, 1e-12);

  confusion = lb_metrics_confusion_matrix (r, 0, 1, &n);
  g_assert_cmpuint (n, ==, 9);
  g_assert_cmpuint (confusion[0 * 5 + 0], ==, 2);
  g_assert_cmpuint (confusion[0 * 5 + 1], ==, 1);   /* unit 6: A 1, B 2 */
  g_assert_cmpuint (confusion[1 * 5 + 1], ==, 3);
  g_assert_cmpuint (confusion[2 * 5 + 2], ==, 2);
  g_assert_cmpuint (confusion[3 * 5 + 3], ==, 1);
  g_assert_cmpuint (confusion[4 * 5 + 4], ==, 0);

  /* coder C's values in the paper: 3, 3, 3, 2, 3, 4, 2, 2, 5, 1 */
  distribution = lb_metrics_distribution (r, 2, &n);
  g_assert_cmpuint (n, ==, 10);
  g_assert_cmpuint (distribution[0], ==, 1);
  g_assert_cmpuint (distribution[1], ==, 3);
  g_assert_cmpuint (distribution[2], ==, 4);
  g_assert_cmpuint (distribution[3], ==, 1);
  g_assert_cmpuint (distribution[4], ==, 1);
}

/* Percent agreement, hand-computed: 3 coders.
 *   unit 1: a a a → 6 of 6 ordered pairs agree → 1
 *   unit 2: a a b → 2 of 6 → 1/3
 *   unit 3: a b . → 0 of 2 → 0
 *   unit 4: a . . → one value: left out
 *   unit 5: . . . → left out
 * mean over the 3 pairable units: (1 + 1/3 + 0) / 3 = 4/9. */
static void
test_percent_agreement (void)
{
  static const guint rows[5 * 3] = {
    0, 0, 0,
    0, 0, 1,
    0, 1, M,
    0, M, M,
    M, M, M,
  };
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (rows, 5, 3, 2);
  g_autoptr(GError) error = NULL;
  double agreement = -2;
  guint n = 0;

  g_assert_true (lb_metrics_percent_agreement (r, &agreement, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat_with_epsilon (agreement, 4.0 / 9.0, 1e-12);
}

/* Every coder agrees on every unit, several categories used: all figures 1. */
static void
test_all_agree (void)
{
  static const guint rows[4 * 3] = {
    0, 0, 0,
    1, 1, 1,
    2, 2, M,
    1, 1, 1,
  };
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (rows, 4, 3, 3);
  g_autoptr(GError) error = NULL;
  double value = -2;
  guint n = 0;

  g_assert_true (lb_metrics_percent_agreement (r, &value, &n, &error));
  g_assert_cmpfloat (value, ==, 1.0);
  g_assert_true (lb_metrics_cohen_kappa (r, 0, 1, &value, &n, &error));
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat_with_epsilon (value, 1.0, 1e-12);
  g_assert_true (lb_metrics_fleiss_kappa (r, 3, &value, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat_with_epsilon (value, 1.0, 1e-12);
  g_assert_true (lb_metrics_krippendorff_alpha (r, &value, &n, NULL, &error));
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat_with_epsilon (value, 1.0, 1e-12);
  g_assert_no_error (error);
}

/* One category only (or one used): the chance-corrected figures are 0/0;
 * they fail with NO_VARIATION and report 1.0, never NaN; percent
 * agreement is 1. */
static void
test_one_category (void)
{
  static const guint rows[3 * 3] = {
    0, 0, 0,
    0, 0, M,
    0, 0, 0,
  };
  g_autoptr(GError) error = NULL;
  double value;
  guint n;

  for (guint n_categories = 1; n_categories <= 3; n_categories += 2)
    {
      g_autoptr(LbMetricsRatings) r = ratings_from_rows (rows, 3, 3, n_categories);

      value = -2;
      g_assert_true (lb_metrics_percent_agreement (r, &value, &n, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (value, ==, 1.0);

      value = -2;
      g_assert_false (lb_metrics_cohen_kappa (r, 0, 1, &value, &n, &error));
      g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_VARIATION);
      g_assert_cmpuint (n, ==, 3);
      g_assert_cmpfloat (value, ==, 1.0);
      g_clear_error (&error);

      value = -2;
      g_assert_false (lb_metrics_fleiss_kappa (r, 3, &value, &n, &error));
      g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_VARIATION);
      g_assert_cmpuint (n, ==, 2);
      g_assert_cmpfloat (value, ==, 1.0);
      g_clear_error (&error);

      value = -2;
      g_assert_false (lb_metrics_krippendorff_alpha (r, &value, &n, NULL, &error));
      g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_VARIATION);
      g_assert_cmpuint (n, ==, 3);
      g_assert_cmpfloat (value, ==, 1.0);
      g_assert_false (isnan (value));
      g_clear_error (&error);
    }
}

/* Systematic disagreement, hand-computed. Two coders, two units, yes/no:
 * A = yes, no; B = no, yes. Cohen: p_o = 0, p_e = 1/2, κ = -1.
 * Krippendorff: n = 4, n_c = 2, 2, Σ o_cc = 0:
 * α = (3·0 - 2·(2·1)) / (4·3 - 2·(2·1)) = -4 / 8 = -0.5.
 * Coders using different single categories (A all yes, B all no):
 * p_o = 0, p_e = 0, κ = 0 (defined: the marginals vary between coders). */
static void
test_disagreement (void)
{
  static const guint crossed[2 * 2] = { 0, 1, 1, 0 };
  static const guint split[3 * 2] = { 0, 1, 0, 1, 0, 1 };
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (crossed, 2, 2, 2);
  g_autoptr(LbMetricsRatings) s = ratings_from_rows (split, 3, 2, 2);
  g_autoptr(GError) error = NULL;
  double value = -2;

  g_assert_true (lb_metrics_cohen_kappa (r, 0, 1, &value, NULL, &error));
  g_assert_cmpfloat_with_epsilon (value, -1.0, 1e-12);
  g_assert_true (lb_metrics_krippendorff_alpha (r, &value, NULL, NULL, &error));
  g_assert_cmpfloat_with_epsilon (value, -0.5, 1e-12);
  g_assert_true (lb_metrics_percent_agreement (r, &value, NULL, &error));
  g_assert_cmpfloat (value, ==, 0.0);

  g_assert_true (lb_metrics_cohen_kappa (s, 0, 1, &value, NULL, &error));
  g_assert_cmpfloat (value, ==, 0.0);
  g_assert_no_error (error);
}

/* No unit has two values: nothing is pairable. */
static void
test_no_pairable (void)
{
  static const guint rows[3 * 3] = {
    0, M, M,
    M, 1, M,
    M, M, 2,
  };
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (rows, 3, 3, 3);
  g_autoptr(GError) error = NULL;
  g_autofree guint *confusion = NULL;
  g_autofree guint *distribution = NULL;
  g_autofree double *o = NULL;
  double value = -2;
  guint n = 7, n_values = 7;

  g_assert_false (lb_metrics_percent_agreement (r, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpfloat (value, ==, 0.0);
  g_clear_error (&error);

  value = -2;
  g_assert_false (lb_metrics_cohen_kappa (r, 0, 1, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_assert_cmpfloat (value, ==, 0.0);
  g_clear_error (&error);

  value = -2;
  g_assert_false (lb_metrics_fleiss_kappa (r, 0, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_assert_cmpfloat (value, ==, 0.0);
  g_clear_error (&error);

  value = -2;
  g_assert_false (lb_metrics_krippendorff_alpha (r, &value, &n, &n_values, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (n_values, ==, 0);
  g_assert_cmpfloat (value, ==, 0.0);
  g_clear_error (&error);

  o = lb_metrics_coincidences (r);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat (o[i], ==, 0.0);
  confusion = lb_metrics_confusion_matrix (r, 0, 1, &n);
  g_assert_cmpuint (n, ==, 0);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpuint (confusion[i], ==, 0);

  /* the values are still counted */
  distribution = lb_metrics_distribution (r, LB_METRICS_ALL_CODERS, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (distribution[0], ==, 1);
  g_assert_cmpuint (distribution[2], ==, 1);
}

/* Every value missing, and an empty table. */
static void
test_all_missing (void)
{
  g_autoptr(LbMetricsRatings) r = lb_metrics_ratings_new (5, 3, 4);
  g_autoptr(LbMetricsRatings) empty = lb_metrics_ratings_new (0, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autofree guint *distribution = NULL;
  g_autofree guint *none = NULL;
  double value = -2;
  guint n = 7;

  for (guint u = 0; u < 5; u++)
    for (guint c = 0; c < 3; c++)
      g_assert_cmpuint (lb_metrics_ratings_get (r, u, c), ==, M);

  g_assert_false (lb_metrics_percent_agreement (r, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_false (lb_metrics_cohen_kappa (r, 0, 2, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_false (lb_metrics_fleiss_kappa (r, 3, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_false (lb_metrics_krippendorff_alpha (r, &value, &n, NULL, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_cmpfloat (value, ==, 0.0);

  distribution = lb_metrics_distribution (r, 1, &n);
  g_assert_cmpuint (n, ==, 0);
  for (guint k = 0; k < 4; k++)
    g_assert_cmpuint (distribution[k], ==, 0);

  g_assert_false (lb_metrics_krippendorff_alpha (empty, &value, &n, NULL, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);
  g_assert_false (lb_metrics_percent_agreement (empty, &value, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);
  none = lb_metrics_distribution (empty, LB_METRICS_ALL_CODERS, &n);
  g_assert_cmpuint (n, ==, 0);
}

/* Filling by name as the report code does from events: the later answer
 * of an actor replaces the earlier one, a NULL category clears it. */
static void
test_named (void)
{
  g_autoptr(LbMetricsRatings) r = lb_metrics_ratings_new (0, 0, 0);
  g_autoptr(LbMetricsRatings) numeric = ratings_from_rows (kripp_rows, 12, 4, 5);
  static const char * const coders[] = { "ann", "bob", "cho", "dan" };
  static const char * const labels[] = { "cat", "dog", "fox", "owl", "yak" };
  g_autoptr(GError) error = NULL;
  double alpha = -2, expected = -2;
  guint n_values = 0;

  /* schema order first */
  for (guint k = 0; k < 5; k++)
    g_assert_cmpuint (lb_metrics_ratings_add_category (r, labels[k]), ==, k);
  g_assert_cmpuint (lb_metrics_ratings_add_category (r, "fox"), ==, 2);
  g_assert_cmpuint (lb_metrics_ratings_get_n_categories (r), ==, 5);

  /* a wrong answer first, replaced later; a retracted one */
  lb_metrics_ratings_set_named (r, "item-06", "dan", "cat");
  lb_metrics_ratings_set_named (r, "item-12", "ann", "owl");
  lb_metrics_ratings_set_named (r, "item-12", "ann", NULL);
  for (guint u = 0; u < 12; u++)
    {
      g_autofree char *item = g_strdup_printf ("item-%02u", u + 1);

      for (guint c = 0; c < 4; c++)
        {
          guint v = kripp_rows[u * 4 + c];

          if (v != M)
            lb_metrics_ratings_set_named (r, item, coders[c], labels[v]);
        }
    }

  g_assert_cmpuint (lb_metrics_ratings_get_n_units (r), ==, 12);
  g_assert_cmpuint (lb_metrics_ratings_get_n_coders (r), ==, 4);
  g_assert_cmpuint (lb_metrics_ratings_find_unit (r, "item-06"), ==, 0);
  g_assert_cmpuint (lb_metrics_ratings_find_unit (r, "item-12"), ==, 1);
  g_assert_cmpuint (lb_metrics_ratings_find_coder (r, "dan"), ==, 0);
  g_assert_cmpuint (lb_metrics_ratings_find_coder (r, "ann"), ==, 1);
  g_assert_cmpuint (lb_metrics_ratings_find_coder (r, "eve"), ==, M);
  g_assert_cmpuint (lb_metrics_ratings_find_category (r, "yak"), ==, 4);
  g_assert_cmpuint (lb_metrics_ratings_find_category (r, NULL), ==, M);
  g_assert_cmpstr (lb_metrics_ratings_get_unit_name (r, 1), ==, "item-12");
  g_assert_cmpstr (lb_metrics_ratings_get_coder_name (r, 0), ==, "dan");
  g_assert_cmpstr (lb_metrics_ratings_get_category_name (r, 3), ==, "owl");
  g_assert_null (lb_metrics_ratings_get_unit_name (r, 12));
  /* dan's later answer on item-06 (unit 0) is "owl" (4 in the paper) */
  g_assert_cmpuint (lb_metrics_ratings_get (r, 0, 0), ==, 3);
  /* ann's retracted answer on item-12 stays cleared */
  g_assert_cmpuint (lb_metrics_ratings_get (r, 1, 1), ==, M);

  /* the same figure as the numeric table of the paper */
  g_assert_true (lb_metrics_krippendorff_alpha (numeric, &expected, NULL, NULL, &error));
  g_assert_true (lb_metrics_krippendorff_alpha (r, &alpha, NULL, &n_values, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_values, ==, 40);
  g_assert_cmpfloat_with_epsilon (alpha, expected, 1e-12);

  /* a coder added late has no values anywhere; an unnamed unit can be added */
  g_assert_cmpuint (lb_metrics_ratings_add_coder (r, "eve"), ==, 4);
  g_assert_cmpuint (lb_metrics_ratings_get (r, 5, 4), ==, M);
  g_assert_cmpuint (lb_metrics_ratings_add_unit (r, NULL), ==, 12);
  g_assert_cmpuint (lb_metrics_ratings_add_unit (r, "item-01"),
                    ==, lb_metrics_ratings_find_unit (r, "item-01"));
  lb_metrics_ratings_set (r, 12, 4, 0);
  lb_metrics_ratings_set (r, 12, 0, 0);
  g_assert_cmpuint (lb_metrics_ratings_get (r, 12, 4), ==, 0);
  g_assert_cmpuint (lb_metrics_ratings_get (r, 12, 1), ==, M);
}

/* Fleiss with unequal counts names the items. */
static void
test_fleiss_unequal_named (void)
{
  g_autoptr(LbMetricsRatings) r = lb_metrics_ratings_new (0, 0, 0);
  g_autoptr(GError) error = NULL;
  double kappa = -2;
  guint n = 7;

  lb_metrics_ratings_set_named (r, "a.jpg", "ann", "cat");
  lb_metrics_ratings_set_named (r, "a.jpg", "bob", "dog");
  lb_metrics_ratings_set_named (r, "b.jpg", "ann", "cat");            /* one value: left out */
  lb_metrics_ratings_set_named (r, "c.jpg", "ann", "cat");
  lb_metrics_ratings_set_named (r, "c.jpg", "bob", "cat");
  lb_metrics_ratings_set_named (r, "c.jpg", "cho", "dog");

  g_assert_false (lb_metrics_fleiss_kappa (r, 0, &kappa, &n, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_UNEQUAL_RATINGS);
  g_assert_nonnull (strstr (error->message, "“a.jpg”"));
  g_assert_nonnull (strstr (error->message, "“c.jpg”"));
  g_assert_null (strstr (error->message, "b.jpg"));
  g_assert_cmpuint (n, ==, 0);
  g_clear_error (&error);

  /* P̄ = 0, P̄e = (1/2)² + (1/2)² = 1/2: κ = -1 */
  g_assert_true (lb_metrics_fleiss_kappa (r, 2, &kappa, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat_with_epsilon (kappa, -1.0, 1e-12);
}

/* Gold accuracy: correct / answered, per coder, unanswered gold left out. */
static void
test_gold (void)
{
  static const guint rows[6 * 3] = {
    0, 0, M,
    1, 0, M,
    2, 2, M,
    1, M, M,
    0, 1, 2,
    2, 2, 2,
  };
  /* units 0–3 are gold; 4 is not; 5 is beyond the key */
  static const guint key[5] = { 0, 1, 2, 2, M };
  g_autoptr(LbMetricsRatings) r = ratings_from_rows (rows, 6, 3, 3);
  g_autoptr(GError) error = NULL;
  double accuracy = -2;
  guint correct = 7, answered = 7;

  g_assert_true (lb_metrics_gold_accuracy (r, key, 5, 0, &accuracy, &correct, &answered,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpuint (answered, ==, 4);
  g_assert_cmpuint (correct, ==, 3);
  g_assert_cmpfloat_with_epsilon (accuracy, 0.75, 1e-12);

  g_assert_true (lb_metrics_gold_accuracy (r, key, 5, 1, &accuracy, &correct, &answered,
                                           &error));
  g_assert_cmpuint (answered, ==, 3);
  g_assert_cmpuint (correct, ==, 2);
  g_assert_cmpfloat_with_epsilon (accuracy, 2.0 / 3.0, 1e-12);

  /* coder 2 answered only non-gold units */
  g_assert_false (lb_metrics_gold_accuracy (r, key, 5, 2, &accuracy, &correct, &answered,
                                            &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_assert_cmpuint (answered, ==, 0);
  g_assert_cmpfloat (accuracy, ==, 0.0);
  g_clear_error (&error);

  /* no key at all */
  g_assert_false (lb_metrics_gold_accuracy (r, NULL, 0, 0, &accuracy, NULL, NULL, &error));
  g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
  g_clear_error (&error);

  /* named coders are named in the message */
  {
    g_autoptr(LbMetricsRatings) named = lb_metrics_ratings_new (0, 0, 0);
    static const guint key1[1] = { 0 };

    lb_metrics_ratings_set_named (named, "x", "ann", "cat");
    lb_metrics_ratings_add_coder (named, "bob");
    g_assert_false (lb_metrics_gold_accuracy (named, key1, 1, 1, &accuracy, NULL, NULL,
                                              &error));
    g_assert_error (error, LB_METRICS_ERROR, LB_METRICS_ERROR_NO_DATA);
    g_assert_nonnull (strstr (error->message, "“bob”"));
  }
}

static void
test_median (void)
{
  static const gint64 odd[5] = { 900, 100, 500, 300, 700 };
  static const gint64 even[4] = { 4000, 1000, 2000, 3001 };
  static const gint64 pair[2] = { 1, 2 };
  static const gint64 negative[3] = { -5, -1, -3 };
  static const gint64 huge[2] = { G_MAXINT64, G_MAXINT64 - 2 };
  static const gint64 extremes[2] = { G_MININT64, G_MAXINT64 };
  gint64 copy[5];
  double median = -2;

  memcpy (copy, odd, sizeof odd);
  g_assert_true (lb_metrics_median (copy, 5, &median));
  g_assert_cmpfloat (median, ==, 500.0);
  /* the input is not reordered */
  g_assert_cmpmem (copy, sizeof copy, odd, sizeof odd);

  g_assert_true (lb_metrics_median (even, 4, &median));
  g_assert_cmpfloat (median, ==, 2500.5);
  g_assert_true (lb_metrics_median (pair, 2, &median));
  g_assert_cmpfloat (median, ==, 1.5);
  g_assert_true (lb_metrics_median (negative, 3, &median));
  g_assert_cmpfloat (median, ==, -3.0);
  g_assert_true (lb_metrics_median (odd, 1, &median));
  g_assert_cmpfloat (median, ==, 900.0);

  /* no overflow near the ends of the range */
  g_assert_true (lb_metrics_median (huge, 2, &median));
  g_assert_cmpfloat_with_epsilon (median / (double) G_MAXINT64, 1.0, 1e-12);
  g_assert_true (lb_metrics_median (extremes, 2, &median));
  g_assert_cmpfloat (fabs (median), <=, 1.0);

  median = -2;
  g_assert_false (lb_metrics_median (NULL, 0, &median));
  g_assert_cmpfloat (median, ==, 0.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/metrics/cohen-kappa/wikipedia", test_cohen_wikipedia);
  g_test_add_func ("/engine/metrics/fleiss-kappa/wikipedia", test_fleiss_wikipedia);
  g_test_add_func ("/engine/metrics/krippendorff-alpha/krippendorff-2011",
                   test_krippendorff_2011);
  g_test_add_func ("/engine/metrics/krippendorff-data/other-figures",
                   test_krippendorff_data_other_figures);
  g_test_add_func ("/engine/metrics/percent-agreement", test_percent_agreement);
  g_test_add_func ("/engine/metrics/edge/all-agree", test_all_agree);
  g_test_add_func ("/engine/metrics/edge/one-category", test_one_category);
  g_test_add_func ("/engine/metrics/edge/disagreement", test_disagreement);
  g_test_add_func ("/engine/metrics/edge/no-pairable", test_no_pairable);
  g_test_add_func ("/engine/metrics/edge/all-missing", test_all_missing);
  g_test_add_func ("/engine/metrics/named", test_named);
  g_test_add_func ("/engine/metrics/fleiss-kappa/unequal", test_fleiss_unequal_named);
  g_test_add_func ("/engine/metrics/gold-accuracy", test_gold);
  g_test_add_func ("/engine/metrics/median", test_median);

  return g_test_run ();
}
