/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A confusion matrix as a heat map: N×N cells, row = the first
 * annotator's category, column = the second's, each cell with its count.
 * The colour of a cell is its count as a share of its row (the row
 * normalised to its total; a caption under the grid says so), from the
 * view's background to the accent colour; the count's colour (light or
 * dark) is picked for contrast with the cell. The diagonal (agreement) is
 * outlined and its counts bold. Row totals stand to the right. Titles name
 * the rows' and columns' annotators.
 *
 * The accessible label summarises the matrix (agreement, then each row).
 * A tooltip per cell gives its count and row share. With no categories it
 * draws "No data yet". Redraws only when its data, size or style change. */
#define LB_TYPE_HEAT_MAP (lb_heat_map_get_type ())
G_DECLARE_FINAL_TYPE (LbHeatMap, lb_heat_map, LB, HEAT_MAP, GtkWidget)

GtkWidget  *lb_heat_map_new                (void);

/* N category names and COUNTS, N×N row-major (counts[row * n + column]);
 * both copied. N = 0 shows the empty state. */
void        lb_heat_map_set_data           (LbHeatMap          *self,
                                            const char * const *categories,
                                            const guint        *counts,
                                            guint               n);
guint       lb_heat_map_get_n_categories   (LbHeatMap          *self);

/* What the rows and columns are ("Alice's label", "Bob's label"); NULL
 * for none */
void        lb_heat_map_set_titles         (LbHeatMap          *self,
                                            const char         *row_title,
                                            const char         *column_title);

/* count / row total, 0 for an empty row; -1 out of range */
double      lb_heat_map_get_cell_intensity (LbHeatMap          *self,
                                            guint               row,
                                            guint               column);

/* The cell's fill and its count's colour as drawn with the current style;
 * FALSE out of range */
gboolean    lb_heat_map_get_cell_colors    (LbHeatMap          *self,
                                            guint               row,
                                            guint               column,
                                            GdkRGBA            *fill,
                                            GdkRGBA            *text);

/* The cell's square for a WIDTH×HEIGHT allocation; FALSE out of range */
gboolean    lb_heat_map_get_cell_rect      (LbHeatMap          *self,
                                            guint               row,
                                            guint               column,
                                            int                 width,
                                            int                 height,
                                            graphene_rect_t    *rect);

/* The text of the accessible label */
const char *lb_heat_map_get_summary        (LbHeatMap          *self);

G_END_DECLS
