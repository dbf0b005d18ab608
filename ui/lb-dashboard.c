/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-dashboard"
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "lb-report.h"
#include "lb-bar-chart.h"
#include "lb-heat-map.h"
#include "lb-line-chart.h"
#include "lb-dashboard.h"

struct _LbDashboard
{
  GtkWidget       parent_instance;

  GtkWidget      *scrolled;
  GtkLabel       *title_label;
  GtkLabel       *status_label;
  GtkSpinner     *spinner;
  GtkWidget      *export_button;
  GtkBox         *overview_box;
  GtkGrid        *agreement_grid;
  GtkGrid        *annotator_grid;
  GtkBox         *seats_box;
  GtkWidget      *throughput_chart;
  GtkWidget      *gold_chart;
  GtkWidget      *heat_map;
  GtkWidget      *line_chart;
  GtkDropDown    *pair_drop;
  GtkLabel       *pair_label;
  gboolean        filling;

  LbStore        *store;
  char           *batch;
  GCancellable   *cancellable;
  JsonNode       *report;
  GHashTable     *figures;   /* key -> GtkLabel */
  guint           n_loading;
  gboolean        again;     /* a change came while computing */
  gboolean        stale;     /* a change came while hidden */
  guint           generation;
  guint           refresh_id;
  char           *status;
  GtkNativeDialog *chooser;
};

G_DEFINE_FINAL_TYPE (LbDashboard, lb_dashboard, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------------------ */
/* Figures                                                                  */

char *
lb_dashboard_format_figure (JsonObject        *object,
                            const char        *member,
                            LbDashboardFormat  format)
{
  JsonNode *node;
  double x;

  g_return_val_if_fail (object != NULL && member != NULL, NULL);

  node = json_object_get_member (object, member);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_autofree char *note_member = g_strconcat (member, "_note", NULL);
      const char *note = json_object_get_string_member_with_default (object, note_member, NULL);

      if (g_strcmp0 (note, "no_variation") == 0)
        return g_strdup (_("No variation"));
      if (g_strcmp0 (note, "no_data") == 0)
        return g_strdup (_("No data"));
      if (g_strcmp0 (note, "unequal_ratings") == 0)
        return g_strdup (_("Unequal ratings"));
      return g_strdup ("—");
    }
  x = json_node_get_double (node);
  /* A defined figure with a note: "no_variation" keeps x = 1, not a perfect score */
  {
    g_autofree char *note_member = g_strconcat (member, "_note", NULL);
    const char *note = json_object_get_string_member_with_default (object, note_member, NULL);

    if (g_strcmp0 (note, "no_variation") == 0)
      return g_strdup (_("No variation"));
  }
  switch (format)
    {
    case LB_DASHBOARD_COUNT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case LB_DASHBOARD_FRACTION:
      return g_strdup_printf ("%.3f", x);
    case LB_DASHBOARD_PERCENT:
      /* Translators: a percentage */
      return g_strdup_printf (_("%.1f %%"), x * 100.0);
    case LB_DASHBOARD_RATE:
      /* Translators: items per hour */
      return g_strdup_printf (_("%.1f/h"), x);
    case LB_DASHBOARD_DURATION:
      if (x < 60000)
        return g_strdup_printf (_("%.1f s"), x / 1000.0);
      return g_strdup_printf (_("%.1f min"), x / 60000.0);
    default:
      g_assert_not_reached ();
    }
}

static double
figure_value (JsonObject *object,
              const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NAN;
  return json_node_get_double (node);
}

static GtkWidget *
figure_label (LbDashboard *self,
              const char  *key,
              const char  *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  g_hash_table_insert (self->figures, g_strdup (key), label);
  return label;
}

static void
clear_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    {
      if (GTK_IS_BOX (widget))
        gtk_box_remove (GTK_BOX (widget), child);
      else if (GTK_IS_GRID (widget))
        gtk_grid_remove (GTK_GRID (widget), child);
      else
        gtk_widget_unparent (child);
    }
}

static void
add_stat (LbDashboard *self,
          const char  *key,
          const char  *title,
          const char  *value)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *number = figure_label (self, key, value);
  GtkWidget *caption = gtk_label_new (title);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (number, "title-2");
  gtk_label_set_xalign (GTK_LABEL (number), 0.5);
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_set_margin_top (number, 10);
  gtk_widget_set_margin_bottom (caption, 10);
  gtk_widget_set_margin_start (box, 0);
  gtk_widget_set_hexpand (box, TRUE);
  gtk_widget_set_size_request (box, 120, -1);
  gtk_box_append (GTK_BOX (box), number);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_box_append (self->overview_box, box);
}

static JsonObject *
batch_object (LbDashboard *self)
{
  JsonObject *root;
  JsonArray *batches;

  if (self->report == NULL || !JSON_NODE_HOLDS_OBJECT (self->report))
    return NULL;
  root = json_node_get_object (self->report);
  if (!json_object_has_member (root, "batches"))
    return NULL;
  batches = json_object_get_array_member (root, "batches");
  for (guint i = 0; i < json_array_get_length (batches); i++)
    {
      JsonObject *b = json_array_get_object_element (batches, i);

      if (self->batch == NULL || g_strcmp0 (json_object_get_string_member (b, "batch"),
                                            self->batch) == 0)
        return b;
    }
  return NULL;
}

static void
show_overview (LbDashboard *self,
               JsonObject  *batch)
{
  const struct { const char *member; const char *title; LbDashboardFormat format; } stats[] = {
    { "items", N_("Items"), LB_DASHBOARD_COUNT },
    { "annotated", N_("Annotated"), LB_DASHBOARD_COUNT },
    { "reviewed", N_("Reviewed"), LB_DASHBOARD_COUNT },
    { "review_acceptance_rate", N_("Accepted by review"), LB_DASHBOARD_PERCENT },
    { "gold_items", N_("Gold items"), LB_DASHBOARD_COUNT },
    { "agreed", N_("Agreed"), LB_DASHBOARD_COUNT },
    { "disputed", N_("Disputed"), LB_DASHBOARD_COUNT },
  };

  clear_children (GTK_WIDGET (self->overview_box));
  for (guint i = 0; i < G_N_ELEMENTS (stats); i++)
    {
      g_autofree char *key = g_strconcat ("batch.", stats[i].member, NULL);
      g_autofree char *value = lb_dashboard_format_figure (batch, stats[i].member,
                                                           stats[i].format);

      add_stat (self, key, _(stats[i].title), value);
    }
}

static void
show_agreement (LbDashboard *self,
                JsonObject  *batch)
{
  const struct { const char *member; const char *title; LbDashboardFormat format; } columns[] = {
    { "units", N_("Items"), LB_DASHBOARD_COUNT },
    { "percent_agreement", N_("Percent agreement"), LB_DASHBOARD_PERCENT },
    { "fleiss_kappa", N_("Fleiss’ κ"), LB_DASHBOARD_FRACTION },
    { "krippendorff_alpha", N_("Krippendorff’s α"), LB_DASHBOARD_FRACTION },
  };
  const struct { const char *field; const char *title; } rows[] = {
    { "labels", N_("Labels") },
    { "decisions", N_("Decisions") },
  };

  clear_children (GTK_WIDGET (self->agreement_grid));
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      GtkWidget *h = gtk_label_new (_(columns[c].title));

      gtk_label_set_xalign (GTK_LABEL (h), 0);
      gtk_widget_add_css_class (h, "dim-label");
      gtk_grid_attach (self->agreement_grid, h, c + 1, 0, 1, 1);
    }
  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    {
      JsonObject *figures = json_object_has_member (batch, rows[r].field)
                            ? json_object_get_object_member (batch, rows[r].field) : NULL;
      GtkWidget *name = gtk_label_new (_(rows[r].title));

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_widget_add_css_class (name, "heading");
      gtk_grid_attach (self->agreement_grid, name, 0, r + 1, 1, 1);
      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          g_autofree char *key = g_strdup_printf ("%s.%s", rows[r].field, columns[c].member);
          g_autofree char *value = figures != NULL
                                   ? lb_dashboard_format_figure (figures, columns[c].member,
                                                                 columns[c].format)
                                   : g_strdup ("—");
          GtkWidget *label = figure_label (self, key, value);

          gtk_widget_add_css_class (label, "numeric");
          gtk_grid_attach (self->agreement_grid, label, c + 1, r + 1, 1, 1);
        }
    }
}

static void
show_annotators (LbDashboard *self,
                 JsonObject  *batch)
{
  const struct { const char *member; const char *title; LbDashboardFormat format; } columns[] = {
    { "items_done", N_("Items"), LB_DASHBOARD_COUNT },
    { "throughput_per_hour", N_("Items/hour"), LB_DASHBOARD_RATE },
    { "median_dwell_ms", N_("Median dwell"), LB_DASHBOARD_DURATION },
    { "reviewed", N_("Reviewed"), LB_DASHBOARD_COUNT },
    { "review_acceptance_rate", N_("Acceptance"), LB_DASHBOARD_PERCENT },
    { "gold_accuracy", N_("Gold accuracy"), LB_DASHBOARD_PERCENT },
  };
  JsonArray *annotators = json_object_has_member (batch, "annotators")
                          ? json_object_get_array_member (batch, "annotators") : NULL;
  guint n = annotators != NULL ? json_array_get_length (annotators) : 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) golds = g_array_new (FALSE, FALSE, sizeof (double));
  GtkWidget *h;

  clear_children (GTK_WIDGET (self->annotator_grid));
  h = gtk_label_new (_("Annotator"));
  gtk_label_set_xalign (GTK_LABEL (h), 0);
  gtk_widget_add_css_class (h, "dim-label");
  gtk_grid_attach (self->annotator_grid, h, 0, 0, 1, 1);
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      h = gtk_label_new (_(columns[c].title));
      gtk_label_set_xalign (GTK_LABEL (h), 0);
      gtk_widget_add_css_class (h, "dim-label");
      gtk_grid_attach (self->annotator_grid, h, c + 1, 0, 1, 1);
    }
  for (guint r = 0; r < n; r++)
    {
      JsonObject *a = json_array_get_object_element (annotators, r);
      const char *who = json_object_get_string_member (a, "annotator");
      GtkWidget *name = gtk_label_new (who);
      double v;

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_widget_add_css_class (name, "heading");
      gtk_grid_attach (self->annotator_grid, name, 0, r + 1, 1, 1);
      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          g_autofree char *key = g_strdup_printf ("annotator.%s.%s", who, columns[c].member);
          g_autofree char *value = lb_dashboard_format_figure (a, columns[c].member,
                                                               columns[c].format);
          GtkWidget *label = figure_label (self, key, value);

          gtk_widget_add_css_class (label, "numeric");
          gtk_grid_attach (self->annotator_grid, label, c + 1, r + 1, 1, 1);
        }
      g_ptr_array_add (names, (gpointer) who);
      v = figure_value (a, "throughput_per_hour");
      g_array_append_val (rates, v);
      v = figure_value (a, "gold_accuracy");
      g_array_append_val (golds, v);
    }
  lb_bar_chart_set_data (LB_BAR_CHART (self->throughput_chart),
                         (const char * const *) names->pdata, (double *) rates->data, names->len);
  lb_bar_chart_set_data (LB_BAR_CHART (self->gold_chart),
                         (const char * const *) names->pdata, (double *) golds->data, names->len);
}

/* The pairs of the labels' figures, or the decisions' when labels have none */
static JsonArray *
pairs_of (JsonObject  *batch,
          JsonObject **figures_out)
{
  const char *fields[] = { "labels", "decisions" };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      JsonObject *figures = json_object_has_member (batch, fields[i])
                            ? json_object_get_object_member (batch, fields[i]) : NULL;
      JsonArray *pairs = figures != NULL && json_object_has_member (figures, "pairs")
                         ? json_object_get_array_member (figures, "pairs") : NULL;

      if (pairs != NULL && json_array_get_length (pairs) > 0)
        {
          *figures_out = figures;
          return pairs;
        }
    }
  *figures_out = NULL;
  return NULL;
}

static void
show_pair (LbDashboard *self)
{
  JsonObject *batch = batch_object (self);
  JsonObject *figures = NULL;
  JsonArray *pairs = batch != NULL ? pairs_of (batch, &figures) : NULL;
  guint pos = gtk_drop_down_get_selected (self->pair_drop);
  JsonObject *pair;
  JsonArray *categories, *confusion;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree guint *counts = NULL;
  g_autofree char *kappa = NULL;
  g_autofree char *agreement = NULL;
  g_autofree char *text = NULL;
  g_autofree char *row_title = NULL;
  g_autofree char *column_title = NULL;
  guint n;

  if (pairs == NULL || pos == GTK_INVALID_LIST_POSITION || pos >= json_array_get_length (pairs))
    {
      lb_heat_map_set_data (LB_HEAT_MAP (self->heat_map), NULL, NULL, 0);
      gtk_label_set_text (self->pair_label, _("No two annotators labelled the same items yet"));
      return;
    }
  pair = json_array_get_object_element (pairs, pos);
  categories = json_object_get_array_member (figures, "categories");
  confusion = json_object_get_array_member (pair, "confusion");
  n = json_array_get_length (categories);
  counts = g_new0 (guint, MAX (n * n, 1));
  for (guint i = 0; i < n; i++)
    {
      JsonArray *row = json_array_get_array_element (confusion, i);

      g_ptr_array_add (names, (gpointer) json_array_get_string_element (categories, i));
      for (guint j = 0; j < n && row != NULL && j < json_array_get_length (row); j++)
        counts[i * n + j] = json_array_get_int_element (row, j);
    }
  lb_heat_map_set_data (LB_HEAT_MAP (self->heat_map), (const char * const *) names->pdata,
                        counts, n);
  /* Translators: the rows of the confusion matrix: "alice’s label" */
  row_title = g_strdup_printf (_("%s’s value"), json_object_get_string_member (pair, "a"));
  column_title = g_strdup_printf (_("%s’s value"), json_object_get_string_member (pair, "b"));
  lb_heat_map_set_titles (LB_HEAT_MAP (self->heat_map), row_title, column_title);
  kappa = lb_dashboard_format_figure (pair, "cohen_kappa", LB_DASHBOARD_FRACTION);
  agreement = lb_dashboard_format_figure (pair, "percent_agreement", LB_DASHBOARD_PERCENT);
  /* Translators: the figures of one pair of annotators */
  text = g_strdup_printf (_("%s and %s: %lld items, Cohen’s κ %s, agreement %s"),
                          json_object_get_string_member (pair, "a"),
                          json_object_get_string_member (pair, "b"),
                          (long long) json_object_get_int_member (pair, "units"), kappa, agreement);
  gtk_label_set_text (self->pair_label, text);
  g_hash_table_insert (self->figures, g_strdup ("pair.cohen_kappa"),
                       self->pair_label);
}

static void
fill_pairs (LbDashboard *self,
            JsonObject  *batch)
{
  JsonObject *figures = NULL;
  JsonArray *pairs = pairs_of (batch, &figures);
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  guint keep = gtk_drop_down_get_selected (self->pair_drop);

  for (guint i = 0; pairs != NULL && i < json_array_get_length (pairs); i++)
    {
      JsonObject *pair = json_array_get_object_element (pairs, i);
      g_autofree char *name = g_strdup_printf ("%s × %s", json_object_get_string_member (pair, "a"),
                                               json_object_get_string_member (pair, "b"));

      gtk_string_list_append (model, name);
    }
  self->filling = TRUE;
  gtk_drop_down_set_model (self->pair_drop, G_LIST_MODEL (model));
  if (keep != GTK_INVALID_LIST_POSITION
      && keep < g_list_model_get_n_items (G_LIST_MODEL (model)))
    gtk_drop_down_set_selected (self->pair_drop, keep);
  else
    gtk_drop_down_set_selected (self->pair_drop, 0);
  self->filling = FALSE;
  show_pair (self);
}

static void
show_days (LbDashboard *self,
           JsonObject  *batch)
{
  const struct { const char *field; const char *title; } fields[] = {
    { "labels", N_("Labels") },
    { "decisions", N_("Decisions") },
  };

  lb_line_chart_clear (LB_LINE_CHART (self->line_chart));
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      JsonObject *figures = json_object_has_member (batch, fields[f].field)
                            ? json_object_get_object_member (batch, fields[f].field) : NULL;
      JsonArray *days = figures != NULL && json_object_has_member (figures, "per_day")
                        ? json_object_get_array_member (figures, "per_day") : NULL;
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint i = 0; days != NULL && i < json_array_get_length (days); i++)
        {
          JsonObject *day = json_array_get_object_element (days, i);
          double v = figure_value (day, "percent_agreement");

          g_ptr_array_add (names, (gpointer) json_object_get_string_member (day, "day"));
          g_array_append_val (values, v);
        }
      if (names->len > 0)
        lb_line_chart_add_series (LB_LINE_CHART (self->line_chart), _(fields[f].title),
                                  (const char * const *) names->pdata, (double *) values->data,
                                  names->len);
    }
}

static void
show_seats (LbDashboard *self)
{
  JsonObject *root = json_node_get_object (self->report);
  JsonArray *seats = json_object_has_member (root, "seats")
                     ? json_object_get_array_member (root, "seats") : NULL;

  clear_children (GTK_WIDGET (self->seats_box));
  for (guint i = 0; seats != NULL && i < json_array_get_length (seats); i++)
    {
      JsonObject *seat = json_array_get_object_element (seats, i);
      gboolean verified = json_object_get_boolean_member_with_default (seat, "verified", FALSE);
      const char *broken = json_object_get_string_member_with_default (seat, "broken", NULL);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *icon = gtk_image_new_from_icon_name (verified ? "emblem-ok-symbolic"
                                                               : "dialog-warning-symbolic");
      g_autofree char *key = g_strdup_printf ("seat.%u", i);
      g_autofree char *text = NULL;
      GtkWidget *label;

      if (verified)
        /* Translators: a seat's hash chain checked: "Seat 1a2b…: 120 events, verified" */
        text = g_strdup_printf (_("Seat %.8s…: %lld events, verified"),
                                json_object_get_string_member (seat, "seat"),
                                (long long) json_object_get_int_member (seat, "events"));
      else
        text = g_strdup_printf (_("Seat %.8s…: chain broken at %s"),
                                json_object_get_string_member (seat, "seat"),
                                broken != NULL ? broken : _("an unknown event"));
      label = figure_label (self, key, text);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (icon, verified ? "success" : "error");
      gtk_widget_add_css_class (label, verified ? "success" : "error");
      gtk_box_append (GTK_BOX (row), icon);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (self->seats_box, row);
    }
}

static void
set_status (LbDashboard *self,
            const char  *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
  if (self->status_label != NULL)
    gtk_label_set_text (self->status_label, text != NULL ? text : "");
}

static void
show_report (LbDashboard *self)
{
  JsonObject *batch = batch_object (self);
  JsonObject *root = json_node_get_object (self->report);
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;

  g_hash_table_remove_all (self->figures);
  when = g_date_time_new_from_unix_local (json_object_get_int_member_with_default (root,
                                                                               "generated_us",
                                                                               0)
                                          / G_USEC_PER_SEC);
  time = g_date_time_format (when, "%H:%M:%S");
  /* Translators: when the report was computed */
  text = g_strdup_printf (_("Computed at %s"), time);
  set_status (self, text);
  show_seats (self);
  if (batch == NULL)
    {
      clear_children (GTK_WIDGET (self->overview_box));
      clear_children (GTK_WIDGET (self->agreement_grid));
      clear_children (GTK_WIDGET (self->annotator_grid));
      return;
    }
  show_overview (self, batch);
  show_agreement (self, batch);
  show_annotators (self, batch);
  fill_pairs (self, batch);
  show_days (self, batch);
}

/* ------------------------------------------------------------------------ */
/* Computing                                                                */

static void start (LbDashboard *self);

static void
report_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LbDashboard) self = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *report = lb_report_build_finish (LB_STORE (source), result, &error);

  self->n_loading--;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      /* disposed meanwhile: no widgets left to show it in */
      g_clear_pointer (&report, json_node_unref);
      return;
    }
  if (self->n_loading == 0)
    gtk_spinner_stop (self->spinner);
  if (report == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("The report cannot be computed: %s"),
                                                   error->message);

          set_status (self, text);
        }
      return;
    }
  g_clear_pointer (&self->report, json_node_unref);
  self->report = report;
  self->generation++;
  show_report (self);
  gtk_widget_set_sensitive (self->export_button, TRUE);
  if (self->again)
    start (self);
}

static void
start (LbDashboard *self)
{
  self->again = FALSE;
  self->stale = FALSE;
  if (self->store == NULL)
    return;
  if (self->n_loading > 0)
    {
      self->again = TRUE;
      return;
    }
  self->n_loading++;
  gtk_spinner_start (self->spinner);
  lb_report_build_async (self->store, self->batch, self->cancellable, report_done_cb,
                         g_object_ref (self));
}

void
lb_dashboard_refresh (LbDashboard *self)
{
  g_return_if_fail (LB_IS_DASHBOARD (self));
  start (self);
}

static gboolean
refresh_timeout_cb (gpointer user_data)
{
  LbDashboard *self = user_data;

  self->refresh_id = 0;
  start (self);
  return G_SOURCE_REMOVE;
}

static void
item_changed_cb (LbStore     *store,
                 gint64       item_id,
                 LbDashboard *self)
{
  /* Reviews come one after another: one report for a burst of them */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->stale = TRUE;
  else if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (300, refresh_timeout_cb, self);
}

static void
lb_dashboard_map (GtkWidget *widget)
{
  LbDashboard *self = LB_DASHBOARD (widget);

  GTK_WIDGET_CLASS (lb_dashboard_parent_class)->map (widget);
  /* Changes made in the other modes while hidden */
  if (self->stale)
    start (self);
}

void
lb_dashboard_open (LbDashboard *self,
                   LbStore     *store,
                   const char  *batch)
{
  g_return_if_fail (LB_IS_DASHBOARD (self));
  g_return_if_fail (LB_IS_STORE (store));

  if (self->store != store)
    {
      if (self->store != NULL)
        g_signal_handlers_disconnect_by_data (self->store, self);
      g_set_object (&self->store, store);
      g_signal_connect (store, "item-changed", G_CALLBACK (item_changed_cb), self);
    }
  if (g_strcmp0 (self->batch, batch) != 0)
    {
      g_free (self->batch);
      self->batch = g_strdup (batch);
      g_clear_pointer (&self->report, json_node_unref);
    }
  {
    g_autofree char *title = batch != NULL ? g_strdup_printf (_("Quality of “%s”"), batch)
                                           : g_strdup (_("Quality of Every Batch"));

    gtk_label_set_text (self->title_label, title);
  }
  start (self);
}

/* ------------------------------------------------------------------------ */
/* Export                                                                   */

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LbDashboard) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The report was not saved: %s"), error->message);

      set_status (self, text);
      return;
    }
  {
    g_autofree char *name = g_file_get_parse_name (G_FILE (source));
    g_autofree char *text = g_strdup_printf (_("Report saved to %s"), name);

    set_status (self, text);
  }
}

void
lb_dashboard_export (LbDashboard *self,
                     GFile       *file,
                     const char  *format)
{
  char *text;
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (LB_IS_DASHBOARD (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->report == NULL)
    return;
  text = g_strcmp0 (format, "json") == 0 ? lb_report_to_json (self->report)
                                          : lb_report_to_csv (self->report);
  bytes = g_bytes_new_take (text, strlen (text));
  set_status (self, _("Saving the report…"));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->cancellable, export_done_cb, g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     LbDashboard     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *name = g_file_get_basename (file);

      lb_dashboard_export (self, file, g_str_has_suffix (name, ".json") ? "json" : "csv");
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
export_clicked_cb (GtkButton   *button,
                   LbDashboard *self)
{
  GtkNativeDialog *dialog;
  GtkFileFilter *filter;
  g_autofree char *name = NULL;

  if (self->chooser != NULL || self->report == NULL)
    return;
  dialog = GTK_NATIVE_DIALOG (gtk_file_chooser_native_new (_("Export Report"),
                                                           GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                           GTK_FILE_CHOOSER_ACTION_SAVE,
                                                           _("_Save"), _("_Cancel")));
  gtk_native_dialog_set_modal (dialog, TRUE);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("CSV (one figure a line)"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("JSON"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  name = g_strdup_printf ("%s-quality.csv", self->batch != NULL ? self->batch : "labelbench");
  g_strdelimit (name, "/\\:", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = dialog;
  gtk_native_dialog_show (dialog);
}

/* ------------------------------------------------------------------------ */
/* Construction                                                             */

static void
pair_changed_cb (LbDashboard *self)
{
  if (!self->filling)
    show_pair (self);
}

static void
lb_dashboard_dispose (GObject *object)
{
  LbDashboard *self = LB_DASHBOARD (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_DASHBOARD);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);
  g_clear_pointer (&self->figures, g_hash_table_unref);

  G_OBJECT_CLASS (lb_dashboard_parent_class)->dispose (object);
}

static void
lb_dashboard_finalize (GObject *object)
{
  LbDashboard *self = LB_DASHBOARD (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->report, json_node_unref);
  g_free (self->batch);
  g_free (self->status);

  G_OBJECT_CLASS (lb_dashboard_parent_class)->finalize (object);
}

static void
lb_dashboard_class_init (LbDashboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_dashboard_dispose;
  object_class->finalize = lb_dashboard_finalize;
  widget_class->map = lb_dashboard_map;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lbdashboard");

  g_type_ensure (LB_TYPE_BAR_CHART);
  g_type_ensure (LB_TYPE_HEAT_MAP);
  g_type_ensure (LB_TYPE_LINE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/lb-dashboard.ui");
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, scrolled);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, title_label);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, status_label);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, spinner);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, export_button);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, overview_box);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, agreement_grid);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, annotator_grid);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, seats_box);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, throughput_chart);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, gold_chart);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, heat_map);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, line_chart);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, pair_drop);
  gtk_widget_class_bind_template_child (widget_class, LbDashboard, pair_label);
  gtk_widget_class_bind_template_callback (widget_class, lb_dashboard_refresh);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
}

static void
lb_dashboard_init (LbDashboard *self)
{
  self->cancellable = g_cancellable_new ();
  self->figures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  lb_bar_chart_set_unit (LB_BAR_CHART (self->throughput_chart), LB_BAR_CHART_UNIT_PER_HOUR);
  lb_bar_chart_set_unit (LB_BAR_CHART (self->gold_chart), LB_BAR_CHART_UNIT_PERCENT);
  lb_bar_chart_set_color_name (LB_BAR_CHART (self->gold_chart), "success");
  lb_line_chart_set_percent (LB_LINE_CHART (self->line_chart), TRUE);
  g_signal_connect_swapped (self->pair_drop, "notify::selected", G_CALLBACK (pair_changed_cb),
                            self);
}

GtkWidget *
lb_dashboard_new (void)
{
  return g_object_new (LB_TYPE_DASHBOARD, NULL);
}

gboolean
lb_dashboard_get_loading (LbDashboard *self)
{
  g_return_val_if_fail (LB_IS_DASHBOARD (self), FALSE);
  return self->n_loading > 0 || self->refresh_id != 0;
}

JsonNode *
lb_dashboard_get_report (LbDashboard *self)
{
  g_return_val_if_fail (LB_IS_DASHBOARD (self), NULL);
  return self->report;
}

guint
lb_dashboard_get_generation (LbDashboard *self)
{
  g_return_val_if_fail (LB_IS_DASHBOARD (self), 0);
  return self->generation;
}

const char *
lb_dashboard_get_figure (LbDashboard *self,
                         const char  *key)
{
  GtkLabel *label;

  g_return_val_if_fail (LB_IS_DASHBOARD (self), NULL);
  label = g_hash_table_lookup (self->figures, key);
  return label != NULL ? gtk_label_get_text (label) : NULL;
}

const char *
lb_dashboard_get_status (LbDashboard *self)
{
  g_return_val_if_fail (LB_IS_DASHBOARD (self), NULL);
  return self->status;
}

GtkWidget *
lb_dashboard_get_chart (LbDashboard *self,
                        const char  *name)
{
  g_return_val_if_fail (LB_IS_DASHBOARD (self), NULL);
  if (g_strcmp0 (name, "throughput") == 0)
    return self->throughput_chart;
  if (g_strcmp0 (name, "gold") == 0)
    return self->gold_chart;
  if (g_strcmp0 (name, "confusion") == 0)
    return self->heat_map;
  if (g_strcmp0 (name, "agreement") == 0)
    return self->line_chart;
  return NULL;
}
