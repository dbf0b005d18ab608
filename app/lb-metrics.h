/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Quality figures over reliability data: pure functions, no store, no I/O.
 *
 * Reliability data (Krippendorff's "reliability data matrix") is a table of
 * units (items) × coders (annotators); each cell holds the category
 * (label) a coder gave a unit, as an index 0 … n_categories - 1, or
 * LB_METRICS_MISSING when the coder gave none. One value per cell: a later
 * set replaces the earlier one, so a caller replaying events in order ends
 * with each annotator's current answer.
 *
 * Filling from the event log: create an empty table, add the schema's
 * labels in schema order as categories (lb_metrics_ratings_add_category),
 * then for each item and actor call
 *   lb_metrics_ratings_set_named (r, item_external_id, actor, label_id);
 * units and coders are added on first use, in that order.
 *
 * Results that can be undefined return FALSE with a LB_METRICS_ERROR:
 * - LB_METRICS_ERROR_NO_DATA: nothing to compare (no pairable unit, no
 *   answered gold unit, all values missing). The figure is set to 0.
 * - LB_METRICS_ERROR_NO_VARIATION: every compared value is the same single
 *   category, so chance agreement is total (Cohen p_e = 1, Fleiss P̄e = 1,
 *   Krippendorff D_e = 0) and the chance-corrected figure is 0/0. Such
 *   data carry no information about reliability: α is undefined for them
 *   (Krippendorff), and the kappas follow the same convention. The figure
 *   is still set, to 1.0 (the observed agreement, which is perfect), so that
 *   it is never NaN; a dashboard should show it as "no variation", not as
 *   perfect reliability.
 * Figures are never NaN or infinite. Counts are exact integers; the
 * coefficients are computed from them with one final division each. */

#define LB_METRICS_MISSING    G_MAXUINT  /* no value in this cell */
#define LB_METRICS_ALL_CODERS G_MAXUINT  /* lb_metrics_distribution: every coder */

#define LB_METRICS_ERROR (lb_metrics_error_quark ())

typedef enum {
  LB_METRICS_ERROR_NO_DATA,           /* nothing to compare */
  LB_METRICS_ERROR_NO_VARIATION,      /* one category only: coefficient 0/0 */
  LB_METRICS_ERROR_UNEQUAL_RATINGS,   /* Fleiss: units rated by different numbers */
} LbMetricsError;

GQuark            lb_metrics_error_quark          (void);

typedef struct _LbMetricsRatings LbMetricsRatings;

/* A table of N_UNITS × N_CODERS cells, all LB_METRICS_MISSING, over
 * N_CATEGORIES categories. Units, coders and categories made this way have
 * no names; more can be added. */
LbMetricsRatings *lb_metrics_ratings_new          (guint             n_units,
                                                   guint             n_coders,
                                                   guint             n_categories);
void              lb_metrics_ratings_free         (LbMetricsRatings *self);

guint             lb_metrics_ratings_get_n_units      (const LbMetricsRatings *self);
guint             lb_metrics_ratings_get_n_coders     (const LbMetricsRatings *self);
guint             lb_metrics_ratings_get_n_categories (const LbMetricsRatings *self);

/* Add a unit, coder or category and return its index. NAME may be NULL (no
 * name); a NAME already present adds nothing and returns its index. New
 * units have no values; a new coder has no values in any unit. */
guint             lb_metrics_ratings_add_unit     (LbMetricsRatings *self,
                                                   const char       *name);
guint             lb_metrics_ratings_add_coder    (LbMetricsRatings *self,
                                                   const char       *name);
guint             lb_metrics_ratings_add_category (LbMetricsRatings *self,
                                                   const char       *name);

/* The index of a named unit, coder or category, or LB_METRICS_MISSING. */
guint             lb_metrics_ratings_find_unit     (const LbMetricsRatings *self,
                                                    const char             *name);
guint             lb_metrics_ratings_find_coder    (const LbMetricsRatings *self,
                                                    const char             *name);
guint             lb_metrics_ratings_find_category (const LbMetricsRatings *self,
                                                    const char             *name);

/* The name given at add time, or NULL. */
const char       *lb_metrics_ratings_get_unit_name     (const LbMetricsRatings *self,
                                                        guint                   unit);
const char       *lb_metrics_ratings_get_coder_name    (const LbMetricsRatings *self,
                                                        guint                   coder);
const char       *lb_metrics_ratings_get_category_name (const LbMetricsRatings *self,
                                                        guint                   category);

/* Sets the value of a cell (CATEGORY LB_METRICS_MISSING clears it). */
void              lb_metrics_ratings_set          (LbMetricsRatings *self,
                                                   guint             unit,
                                                   guint             coder,
                                                   guint             category);
/* As lb_metrics_ratings_set, by name; the unit, coder and category are
 * added (lb_metrics_ratings_add_*) when new. CATEGORY NULL clears. */
void              lb_metrics_ratings_set_named    (LbMetricsRatings *self,
                                                   const char       *unit,
                                                   const char       *coder,
                                                   const char       *category);
/* The value of a cell, or LB_METRICS_MISSING. */
guint             lb_metrics_ratings_get          (const LbMetricsRatings *self,
                                                   guint                   unit,
                                                   guint                   coder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LbMetricsRatings, lb_metrics_ratings_free)

/* Percent agreement (as a fraction 0 … 1), pairwise: for each unit with at
 * least two values, the share of agreeing pairs among all pairs of its
 * values, Σ_c n_uc (n_uc - 1) / (m_u (m_u - 1)); then the mean of that over
 * those units, each unit weighing the same (Fleiss's P̄, generalised to
 * units with different numbers of values). With two coders: the share of
 * the units both coded on which they agree. Units with fewer than two
 * values are left out. N_UNITS (nullable): the units counted.
 * NO_DATA when no unit has two values. */
gboolean          lb_metrics_percent_agreement    (const LbMetricsRatings  *self,
                                                   double                  *agreement,
                                                   guint                   *n_units,
                                                   GError                 **error);

/* Cohen's kappa of CODER_A and CODER_B over the units both coded:
 * κ = (p_o - p_e) / (1 - p_e), p_o the share of those units on which they
 * agree, p_e = Σ_c p_a(c) p_b(c) from each coder's own marginals.
 * NO_DATA when no unit was coded by both; NO_VARIATION when both used one
 * and the same category throughout (p_e = 1; *kappa = 1). */
gboolean          lb_metrics_cohen_kappa          (const LbMetricsRatings  *self,
                                                   guint                    coder_a,
                                                   guint                    coder_b,
                                                   double                  *kappa,
                                                   guint                   *n_units,
                                                   GError                 **error);

/* Fleiss' kappa: κ = (P̄ - P̄e) / (1 - P̄e), P̄ the mean per-unit agreement,
 * P̄e = Σ_c p_c² from the pooled category shares. It needs the same number
 * m ≥ 2 of values in every unit counted (the coders may differ from unit
 * to unit). N_RATINGS = 0: units with fewer than two values are left out
 * (not pairable) and every other unit must have the same number m, else
 * UNEQUAL_RATINGS (the message names two units that differ).
 * N_RATINGS ≥ 2: only the units with exactly that many values count (e.g.
 * the items that reached a batch's overlap), the others are left out.
 * N_RATINGS = 1 is a programming error.
 * NO_DATA when no unit counts; NO_VARIATION when all values are one
 * category (P̄e = 1; *kappa = 1). */
gboolean          lb_metrics_fleiss_kappa         (const LbMetricsRatings  *self,
                                                   guint                    n_ratings,
                                                   double                  *kappa,
                                                   guint                   *n_units,
                                                   GError                 **error);

/* Krippendorff's alpha for nominal data, any number of coders, missing
 * values allowed, by the coincidence-matrix method of Krippendorff (2011),
 * "Computing Krippendorff's Alpha-Reliability":
 *   o_ck = Σ_u (number of c-k pairs of values in u) / (m_u - 1),
 *   n_c = Σ_k o_ck, n = Σ_c n_c,
 *   α = 1 - D_o / D_e = ((n - 1) Σ_c o_cc - Σ_c n_c (n_c - 1))
 *                       / (n (n - 1) - Σ_c n_c (n_c - 1)).
 * Units with fewer than two values are not pairable and left out.
 * N_UNITS, N_VALUES (nullable): the pairable units and their values (n).
 * NO_DATA when no unit is pairable; NO_VARIATION when every pairable value
 * is the same category (D_e = 0: α undefined per Krippendorff; *alpha = 1). */
gboolean          lb_metrics_krippendorff_alpha   (const LbMetricsRatings  *self,
                                                   double                  *alpha,
                                                   guint                   *n_units,
                                                   guint                   *n_values,
                                                   GError                 **error);

/* The coincidence matrix o_ck of the pairable units (row c, column k,
 * n_categories × n_categories, row-major, symmetric), newly allocated:
 * free with g_free. All zero when no unit is pairable. */
double           *lb_metrics_coincidences         (const LbMetricsRatings *self);

/* Confusion matrix of two coders over the units both coded: element
 * [a * n_categories + b] counts the units CODER_A put in category a and
 * CODER_B in b (n_categories × n_categories, row-major), newly allocated:
 * free with g_free. N_UNITS (nullable): the units counted. */
guint            *lb_metrics_confusion_matrix     (const LbMetricsRatings *self,
                                                   guint                   coder_a,
                                                   guint                   coder_b,
                                                   guint                  *n_units);

/* Per-category counts of the values of CODER (LB_METRICS_ALL_CODERS: of all
 * coders), n_categories elements, newly allocated: free with g_free.
 * N_VALUES (nullable): their sum. */
guint            *lb_metrics_distribution         (const LbMetricsRatings *self,
                                                   guint                   coder,
                                                   guint                  *n_values);

/* Gold accuracy of CODER: KEY[u] is the right category of unit u, or
 * LB_METRICS_MISSING when u is not a gold unit; units at or beyond N_KEY
 * are not gold. *N_ANSWERED counts the gold units CODER gave a value,
 * *N_CORRECT those where it equals the key, *ACCURACY = correct / answered
 * (all three nullable). Gold units the coder did not answer do not count.
 * NO_DATA when the coder answered no gold unit (*accuracy = 0). */
gboolean          lb_metrics_gold_accuracy        (const LbMetricsRatings  *self,
                                                   const guint             *key,
                                                   guint                    n_key,
                                                   guint                    coder,
                                                   double                  *accuracy,
                                                   guint                   *n_correct,
                                                   guint                   *n_answered,
                                                   GError                 **error);

/* The median of N_VALUES values (e.g. dwell times in ms; VALUES is not
 * changed): the middle value, or the mean of the two middle values for an
 * even count (no overflow; exact while |values| < 2^53, e.g. 1.5 for 1, 2).
 * FALSE and *median = 0 when N_VALUES is 0. */
gboolean          lb_metrics_median               (const gint64 *values,
                                                   gsize         n_values,
                                                   double       *median);

G_END_DECLS
