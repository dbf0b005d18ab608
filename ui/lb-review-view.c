/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-review-view"
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lb-review-view.h"
#include "lb-item-view.h"
#include "lb-panel.h"

/* One annotator's work on a queued item, as the queue read it */
typedef struct {
  char   *actor;
  gint64  dwell_ms;
  gint64  last_us;
  char   *verdict;   /* the review that looked at it, or NULL */
} WorkInfo;

/* One row of the queue */
typedef struct {
  gint64     id;
  char      *external_id;
  char      *verdict;     /* "accept", "fix", "reject", or NULL */
  gboolean   saving;
  gboolean   gold;
  GPtrArray *works;       /* of WorkInfo */
} RowInfo;

struct _LbReviewView
{
  GtkWidget       parent_instance;

  /* template: filter bar */
  GtkDropDown    *annotator_drop;
  GtkDropDown    *label_drop;
  GtkDropDown    *decision_drop;
  GtkDropDown    *reason_drop;
  GtkDropDown    *time_drop;
  GtkCheckButton *unreviewed_check;
  GtkCheckButton *disputed_check;
  GtkCheckButton *sample_check;
  GtkSpinButton  *percent_spin;
  GtkSpinButton  *seed_spin;
  GtkLabel       *count_label;
  GPtrArray      *annotator_ids;   /* index 0 = all (NULL) */
  GPtrArray      *label_ids;
  GPtrArray      *decision_ids;
  GPtrArray      *reason_ids;
  gboolean        filling;
  /* queue */
  GtkStringList  *queue;
  GtkSingleSelection *selection;
  GtkListView    *queue_view;
  GtkStack       *queue_stack;
  /* item */
  GtkBox         *item_box;
  GtkWidget      *item_view;
  /* right column */
  GtkLabel       *item_title;
  GtkLabel       *current_label;
  GtkBox         *works_box;
  GtkWidget      *verdict_box;
  GtkWidget      *gold_button;
  GtkRevealer    *comment_revealer;
  GtkEntry       *comment_entry;
  GtkWidget      *fix_box;
  LbPanel        *panel;
  GtkLabel       *status_label;

  LbStore        *store;
  gint64          batch_id;
  char           *batch_name;
  LbSchema       *schema;
  char           *actor;
  GCancellable   *cancellable;
  GHashTable     *rows;            /* gint64 id -> RowInfo */
  GArray         *ids;             /* queue order */
  LbItem         *current;
  GPtrArray      *current_works;   /* of LbItem: each annotator's own view */
  int             shown_work;      /* the work whose regions and spans are drawn, or -1:
                                    * the item's state */
  gboolean        fixing;
  gboolean        rejecting;
  char           *region_label;    /* the label the next box or polygon gets */
  guint           n_corrections;   /* region/span corrections saved in this fix */
  guint           n_in_flight;     /* ... asked for, not yet answered */
  guint           fix_serial;      /* which fix (F) a correction belongs to */
  guint           cancelled_serial;  /* the latest fix left with Escape */
  GArray         *history;         /* item ids the lead reviewed here, oldest first */
  guint           n_pending;
  guint           n_loading;
  guint           load_serial;
  guint           detail_serial;
  gint64          shown_us;
  char           *status;
};

G_DEFINE_FINAL_TYPE (LbReviewView, lb_review_view, GTK_TYPE_WIDGET)

static void work_info_free (gpointer data)
{
  WorkInfo *w = data;

  g_free (w->actor);
  g_free (w->verdict);
  g_free (w);
}

static void
row_info_free (gpointer data)
{
  RowInfo *row = data;

  g_free (row->external_id);
  g_free (row->verdict);
  g_clear_pointer (&row->works, g_ptr_array_unref);
  g_free (row);
}

static void
set_status (LbReviewView *self,
            const char   *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
}

static const char *
verdict_title (const char *verdict)
{
  if (g_strcmp0 (verdict, "accept") == 0)
    return _("Accepted");
  if (g_strcmp0 (verdict, "fix") == 0)
    return _("Fixed");
  if (g_strcmp0 (verdict, "reject") == 0)
    return _("Rejected");
  return _("Not reviewed");
}

static char *
format_time (gint64 us)
{
  g_autoptr(GDateTime) dt = NULL;

  if (us <= 0)
    return g_strdup ("—");
  dt = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

static char *
format_dwell (gint64 ms)
{
  if (ms < 60000)
    /* Translators: a dwell time in seconds */
    return g_strdup_printf (_("%.1f s"), ms / 1000.0);
  /* Translators: a dwell time in minutes */
  return g_strdup_printf (_("%.1f min"), ms / 60000.0);
}

/* ------------------------------------------------------------------------ */
/* The queue: read in a thread                                              */

typedef struct {
  LbStore       *store;
  gint64         batch_id;
  char          *annotator;
  char          *label;
  char          *decision;
  char          *reason;
  gint64         since_us;
  LbReviewStatus status;
  gboolean       disputed_only;
  double         fraction;
  guint64        seed;
  /* out */
  GArray        *ids;
  GHashTable    *rows;
  GPtrArray     *annotators;
} QueueLoad;

static void
queue_load_free (QueueLoad *load)
{
  g_clear_object (&load->store);
  g_free (load->annotator);
  g_free (load->label);
  g_free (load->decision);
  g_free (load->reason);
  g_clear_pointer (&load->ids, g_array_unref);
  g_clear_pointer (&load->rows, g_hash_table_unref);
  g_clear_pointer (&load->annotators, g_ptr_array_unref);
  g_free (load);
}

static gboolean
collect_work_cb (const LbItemWork *work,
                 gpointer          user_data,
                 GError          **error)
{
  QueueLoad *load = user_data;
  RowInfo *row = g_hash_table_lookup (load->rows, &work->item_id);

  for (guint i = 0; i < work->n_works; i++)
    {
      if (!g_ptr_array_find_with_equal_func (load->annotators, work->works[i].actor,
                                             g_str_equal, NULL))
        g_ptr_array_add (load->annotators, g_strdup (work->works[i].actor));
    }
  if (row == NULL)
    return TRUE;
  row->external_id = g_strdup (work->external_id);
  row->verdict = g_strdup (work->review_verdict);
  row->gold = work->gold_json != NULL;
  for (guint i = 0; i < work->n_works; i++)
    {
      WorkInfo *w = g_new0 (WorkInfo, 1);

      w->actor = g_strdup (work->works[i].actor);
      w->dwell_ms = work->works[i].dwell_ms;
      w->last_us = work->works[i].last_us;
      w->verdict = g_strdup (work->works[i].review_verdict);
      g_ptr_array_add (row->works, w);
    }
  return TRUE;
}

static void
queue_thread_cb (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  QueueLoad *load = task_data;
  LbReviewQuery query = {
    .batch_id = load->batch_id,
    .annotator = load->annotator,
    .label = load->label,
    .decision = load->decision,
    .reason = load->reason,
    .since_us = load->since_us,
    .status = load->status,
    .disputed_only = load->disputed_only,
    .sample_fraction = load->fraction,
    .sample_seed = load->seed,
  };
  GError *error = NULL;

  load->ids = lb_store_list_review_ids (load->store, &query, &error);
  if (load->ids == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  load->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, row_info_free);
  load->annotators = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < load->ids->len; i++)
    {
      RowInfo *row = g_new0 (RowInfo, 1);

      row->id = g_array_index (load->ids, gint64, i);
      row->works = g_ptr_array_new_with_free_func (work_info_free);
      g_hash_table_insert (load->rows, &row->id, row);
    }
  if (!lb_store_foreach_item_work (load->store, load->batch_id, collect_work_cb, load, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static const char *
drop_id (GtkDropDown *drop,
         GPtrArray   *ids)
{
  guint pos = gtk_drop_down_get_selected (drop);

  if (ids == NULL || pos == GTK_INVALID_LIST_POSITION || pos >= ids->len)
    return NULL;
  return g_ptr_array_index (ids, pos);
}

static void show_current (LbReviewView *self);
static void fill_annotators (LbReviewView *self, GPtrArray *annotators);

static gint64
selected_id (LbReviewView *self)
{
  guint pos;

  if (self->selection == NULL)
    return 0;
  pos = gtk_single_selection_get_selected (self->selection);
  if (pos == GTK_INVALID_LIST_POSITION || pos >= self->ids->len)
    return 0;
  return g_array_index (self->ids, gint64, pos);
}

static void
update_count (LbReviewView *self)
{
  g_autofree char *text = NULL;

  /* Translators: the number of items in the review queue */
  text = g_strdup_printf (g_dngettext (NULL, "%u item", "%u items", self->ids->len),
                          self->ids->len);
  gtk_label_set_text (self->count_label, text);
  gtk_stack_set_visible_child_name (self->queue_stack, self->ids->len > 0 ? "list" : "empty");
}

static void
queue_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LbReviewView *self = LB_REVIEW_VIEW (source);
  GTask *task = G_TASK (result);
  QueueLoad *load = g_task_get_task_data (task);
  guint serial = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  gint64 keep = selected_id (self);
  guint keep_pos = GTK_INVALID_LIST_POSITION;
  g_autoptr(GPtrArray) strings = NULL;

  self->n_loading--;
  if (!g_task_propagate_boolean (task, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("The review queue cannot be read: %s"),
                                                   error->message);
          set_status (self, text);
        }
      return;
    }
  if (serial != self->load_serial)
    return;

  fill_annotators (self, load->annotators);
  g_hash_table_unref (self->rows);
  self->rows = g_steal_pointer (&load->rows);
  g_array_unref (self->ids);
  self->ids = g_steal_pointer (&load->ids);

  strings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->ids->len; i++)
    {
      gint64 id = g_array_index (self->ids, gint64, i);

      g_ptr_array_add (strings, g_strdup_printf ("%" G_GINT64_FORMAT, id));
      if (id == keep)
        keep_pos = i;
    }
  g_ptr_array_add (strings, NULL);
  gtk_string_list_splice (self->queue, 0, g_list_model_get_n_items (G_LIST_MODEL (self->queue)),
                          (const char * const *) strings->pdata);
  update_count (self);
  if (keep_pos == GTK_INVALID_LIST_POSITION && self->ids->len > 0)
    keep_pos = 0;
  gtk_single_selection_set_selected (self->selection, keep_pos);
  show_current (self);
}

void
lb_review_view_reload (LbReviewView *self)
{
  g_autoptr(GTask) task = NULL;
  QueueLoad *load;
  guint time_pos;

  g_return_if_fail (LB_IS_REVIEW_VIEW (self));

  if (self->store == NULL || self->filling)
    return;
  load = g_new0 (QueueLoad, 1);
  load->store = g_object_ref (self->store);
  load->batch_id = self->batch_id;
  load->annotator = g_strdup (drop_id (self->annotator_drop, self->annotator_ids));
  load->label = g_strdup (drop_id (self->label_drop, self->label_ids));
  load->decision = g_strdup (drop_id (self->decision_drop, self->decision_ids));
  load->reason = g_strdup (drop_id (self->reason_drop, self->reason_ids));
  time_pos = gtk_drop_down_get_selected (self->time_drop);
  if (time_pos == 1 || time_pos == 2)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GDateTime) midnight =
        g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                               g_date_time_get_day_of_month (now), 0, 0, 0);

      if (time_pos == 1)
        load->since_us = g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
      else
        load->since_us = g_get_real_time () - 7 * G_TIME_SPAN_DAY;
    }
  load->status = gtk_check_button_get_active (self->unreviewed_check)
                 ? LB_REVIEW_STATUS_UNREVIEWED : LB_REVIEW_STATUS_ANY;
  load->disputed_only = gtk_check_button_get_active (self->disputed_check);
  if (gtk_check_button_get_active (self->sample_check))
    {
      load->fraction = gtk_spin_button_get_value (self->percent_spin) / 100.0;
      load->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
    }

  self->load_serial++;
  self->n_loading++;
  task = g_task_new (self, self->cancellable, queue_done_cb, GUINT_TO_POINTER (self->load_serial));
  g_task_set_source_tag (task, lb_review_view_reload);
  g_task_set_task_data (task, load, (GDestroyNotify) queue_load_free);
  g_task_run_in_thread (task, queue_thread_cb);
}

/* ------------------------------------------------------------------------ */
/* Filter bar                                                               */

static void
fill_drop (GtkDropDown *drop,
           GPtrArray   *ids,
           const char  *all_title,
           const char * const *new_ids,
           const char * const *titles,
           guint        n)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  g_ptr_array_set_size (ids, 0);
  g_ptr_array_add (ids, NULL);
  gtk_string_list_append (model, all_title);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (ids, g_strdup (new_ids[i]));
      gtk_string_list_append (model, titles[i]);
    }
  gtk_drop_down_set_model (drop, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (drop, 0);
}

static void
fill_annotators (LbReviewView *self,
                 GPtrArray    *annotators)
{
  const char *current = drop_id (self->annotator_drop, self->annotator_ids);
  g_autofree char *keep = g_strdup (current);
  guint keep_pos = 0;

  /* Only when the batch gained an annotator */
  if (annotators->len + 1 == self->annotator_ids->len)
    {
      gboolean same = TRUE;

      for (guint i = 0; i < annotators->len && same; i++)
        same = g_strcmp0 (g_ptr_array_index (annotators, i),
                          g_ptr_array_index (self->annotator_ids, i + 1)) == 0;
      if (same)
        return;
    }
  self->filling = TRUE;
  fill_drop (self->annotator_drop, self->annotator_ids, _("All annotators"),
             (const char * const *) annotators->pdata, (const char * const *) annotators->pdata,
             annotators->len);
  for (guint i = 1; i < self->annotator_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->annotator_ids, i), keep) == 0)
      keep_pos = i;
  gtk_drop_down_set_selected (self->annotator_drop, keep_pos);
  self->filling = FALSE;
}

static void
fill_schema_filters (LbReviewView *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();

  self->filling = TRUE;
  for (guint i = 0; i < lb_schema_get_n_labels (self->schema); i++)
    {
      g_ptr_array_add (ids, lb_schema_get_label (self->schema, i)->id);
      g_ptr_array_add (titles, lb_schema_get_label (self->schema, i)->title);
    }
  fill_drop (self->label_drop, self->label_ids, _("All labels"),
             (const char * const *) ids->pdata, (const char * const *) titles->pdata, ids->len);
  g_ptr_array_set_size (ids, 0);
  g_ptr_array_set_size (titles, 0);
  for (guint i = 0; i < lb_schema_get_n_decisions (self->schema); i++)
    {
      g_ptr_array_add (ids, lb_schema_get_decision (self->schema, i)->id);
      g_ptr_array_add (titles, lb_schema_get_decision (self->schema, i)->title);
    }
  fill_drop (self->decision_drop, self->decision_ids, _("All decisions"),
             (const char * const *) ids->pdata, (const char * const *) titles->pdata, ids->len);
  g_ptr_array_set_size (ids, 0);
  g_ptr_array_set_size (titles, 0);
  for (guint i = 0; i < lb_schema_get_n_reasons (self->schema); i++)
    {
      g_ptr_array_add (ids, lb_schema_get_reason (self->schema, i)->id);
      g_ptr_array_add (titles, lb_schema_get_reason (self->schema, i)->title);
    }
  fill_drop (self->reason_drop, self->reason_ids, _("All reasons"),
             (const char * const *) ids->pdata, (const char * const *) titles->pdata, ids->len);
  self->filling = FALSE;
}

static void
filter_changed_cb (LbReviewView *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->percent_spin),
                            gtk_check_button_get_active (self->sample_check));
  gtk_widget_set_sensitive (GTK_WIDGET (self->seed_spin),
                            gtk_check_button_get_active (self->sample_check));
  lb_review_view_reload (self);
}

static void
new_seed_cb (GtkButton    *button,
             LbReviewView *self)
{
  gtk_spin_button_set_value (self->seed_spin, g_random_int_range (1, 1000000));
}

/* ------------------------------------------------------------------------ */
/* The current item                                                         */

typedef struct {
  LbStore   *store;
  gint64     id;
  GPtrArray *actors;
  LbItem    *item;
  GPtrArray *works;   /* of LbItem */
} DetailLoad;

static void
detail_load_free (DetailLoad *load)
{
  g_clear_object (&load->store);
  g_clear_pointer (&load->actors, g_ptr_array_unref);
  g_clear_object (&load->item);
  g_clear_pointer (&load->works, g_ptr_array_unref);
  g_free (load);
}

static void
detail_thread_cb (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  DetailLoad *load = task_data;
  GError *error = NULL;

  load->item = lb_store_get_item (load->store, load->id, &error);
  if (load->item == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  load->works = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < load->actors->len; i++)
    {
      LbItem *work = lb_store_get_item_for_actor (load->store, load->id,
                                                  g_ptr_array_index (load->actors, i), &error);

      if (work == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (load->works, work);
    }
  g_task_return_boolean (task, TRUE);
}

static char *
join_titles (LbReviewView       *self,
             const char * const *labels)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    {
      const LbSchemaLabel *label = lb_schema_find_label (self->schema, labels[i]);

      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, label != NULL ? label->title : labels[i]);
    }
  if (s->len == 0)
    g_string_append (s, "—");
  return g_string_free (s, FALSE);
}

static const char *
decision_title (LbReviewView *self,
                const char   *id)
{
  const LbSchemaDecision *d = id != NULL ? lb_schema_find_decision (self->schema, id) : NULL;

  return d != NULL ? d->title : id != NULL ? id : "—";
}

static const char *
reason_title (LbReviewView *self,
              const char   *id)
{
  const LbSchemaReason *r = id != NULL ? lb_schema_find_reason (self->schema, id) : NULL;

  return r != NULL ? r->title : id;
}

/* A line "2 regions: Cat, Dog" (COUNT: "2 regions"; LABELS, the regions'
 * or spans' label ids, gets a NULL appended) */
static void
append_shapes (LbReviewView *self,
               GString      *s,
               const char   *count,
               GPtrArray    *labels)
{
  guint n = labels->len;

  g_string_append (s, count);
  g_ptr_array_add (labels, NULL);
  if (n > 0)
    {
      g_autofree char *titles = join_titles (self, (const char * const *) labels->pdata);

      /* Translators: after "2 regions", the regions' labels */
      g_string_append_printf (s, C_("count, then labels", ": %s"), titles);
    }
  g_string_append_c (s, '\n');
}

/* What one annotator decided, as lines of text */
static char *
describe_work (LbReviewView   *self,
               const WorkInfo *info,
               LbItem         *work)
{
  GString *s = g_string_new (NULL);
  g_autofree char *labels = join_titles (self, lb_item_get_labels (work));
  g_autofree char *when = format_time (info->last_us);
  g_autofree char *dwell = format_dwell (info->dwell_ms);
  const char *reason = reason_title (self, lb_item_get_reason (work));
  const char *note = lb_item_get_note (work);
  g_autoptr(JsonNode) answers = json_from_string (lb_item_get_answers_json (work), NULL);

  if (lb_item_get_state (work) == LB_ITEM_STATE_SKIPPED)
    g_string_append_printf (s, "%s\n", _("Skipped"));
  g_string_append_printf (s, _("Labels: %s"), labels);
  g_string_append_c (s, '\n');
  g_string_append_printf (s, _("Decision: %s"), decision_title (self, lb_item_get_decision (work)));
  if (reason != NULL)
    g_string_append_printf (s, " — %s", reason);
  g_string_append_c (s, '\n');
  /* Regions and spans where the schema has their tools (or some were made) */
  if (lb_item_get_kind (work) == LB_ITEM_KIND_IMAGE
      && (lb_item_get_n_regions (work) > 0
          || lb_schema_has_tool (self->schema, LB_TOOL_BOX)
          || lb_schema_has_tool (self->schema, LB_TOOL_POLYGON)))
    {
      guint n = lb_item_get_n_regions (work);
      g_autoptr(GPtrArray) shape_labels = g_ptr_array_new ();
      g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%u region", "%u regions",
                                                             n), n);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (shape_labels, lb_item_get_region (work, i)->label);
      append_shapes (self, s, count, shape_labels);
    }
  else if (lb_item_get_kind (work) == LB_ITEM_KIND_TEXT
           && (lb_item_get_n_spans (work) > 0
               || lb_schema_has_tool (self->schema, LB_TOOL_SPAN)))
    {
      guint n = lb_item_get_n_spans (work);
      g_autoptr(GPtrArray) shape_labels = g_ptr_array_new ();
      g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%u span", "%u spans", n),
                                                n);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (shape_labels, lb_item_get_span (work, i)->label);
      append_shapes (self, s, count, shape_labels);
    }
  if (note != NULL && note[0] != '\0')
    {
      g_string_append_printf (s, _("Note: %s"), note);
      g_string_append_c (s, '\n');
    }
  if (answers != NULL && JSON_NODE_HOLDS_OBJECT (answers))
    {
      JsonObject *object = json_node_get_object (answers);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        g_string_append_printf (s, "%s: %s\n", (const char *) l->data,
                                json_object_get_string_member_with_default (object, l->data, ""));
    }
  /* Translators: dwell time and when the annotator last acted */
  g_string_append_printf (s, _("Dwell %s · %s"), dwell, when);
  if (info->verdict != NULL)
    g_string_append_printf (s, "\n%s", verdict_title (info->verdict));
  return g_string_free (s, FALSE);
}

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static void work_card_pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y,
                                  LbReviewView *self);

static void
show_works (LbReviewView *self)
{
  RowInfo *row = NULL;

  clear_box (self->works_box);
  if (self->current != NULL)
    {
      gint64 id = lb_item_get_id (self->current);

      row = g_hash_table_lookup (self->rows, &id);
    }
  if (row == NULL || self->current_works == NULL)
    return;
  for (guint i = 0; i < row->works->len && i < self->current_works->len; i++)
    {
      WorkInfo *info = g_ptr_array_index (row->works, i);
      g_autofree char *text = describe_work (self, info, g_ptr_array_index (self->current_works, i));
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *name = gtk_label_new (info->actor);
      GtkWidget *body = gtk_label_new (text);

      gtk_widget_add_css_class (card, "card");
      gtk_widget_add_css_class (card, "lb-review-work");
      gtk_widget_set_margin_bottom (card, 6);
      gtk_widget_add_css_class (name, "heading");
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_xalign (GTK_LABEL (body), 0);
      gtk_label_set_wrap (GTK_LABEL (body), TRUE);
      gtk_label_set_selectable (GTK_LABEL (body), FALSE);
      for (GtkWidget *w = name; w != NULL; w = w == name ? body : NULL)
        {
          gtk_widget_set_margin_start (w, 12);
          gtk_widget_set_margin_end (w, 12);
        }
      gtk_widget_set_margin_top (name, 8);
      gtk_widget_set_margin_bottom (body, 8);
      gtk_box_append (GTK_BOX (card), name);
      gtk_box_append (GTK_BOX (card), body);
      /* a click (or the annotator's number key) draws their own regions and spans */
      {
        GtkGesture *click = gtk_gesture_click_new ();

        g_object_set_data (G_OBJECT (card), "lb-work-index", GINT_TO_POINTER (i));
        g_signal_connect (click, "pressed", G_CALLBACK (work_card_pressed_cb), self);
        gtk_widget_add_controller (card, GTK_EVENT_CONTROLLER (click));
        gtk_widget_set_cursor_from_name (card, "pointer");
        if ((int) i == self->shown_work)
          gtk_widget_add_css_class (card, "lb-review-work-shown");
      }
      gtk_box_append (self->works_box, card);
    }
}

static void
show_item_state (LbReviewView *self)
{
  LbItem *item = self->current;
  g_autofree char *labels = NULL;
  g_autofree char *text = NULL;
  const char *verdict;

  if (item == NULL)
    {
      gtk_label_set_text (self->item_title, _("No item"));
      gtk_label_set_text (self->current_label, "");
      return;
    }
  gtk_label_set_text (self->item_title, lb_item_get_external_id (item));
  gtk_button_set_label (GTK_BUTTON (self->gold_button),
                        lb_item_get_gold (item) ? _("Not _Gold (G)") : _("Mark as _Gold (G)"));
  labels = join_titles (self, lb_item_get_labels (item));
  verdict = lb_item_get_review_verdict (item);
  if (verdict != NULL)
    text = g_strdup_printf (_("%s by %s%s%s\nNow: %s · %s%s"),
                            verdict_title (verdict), lb_item_get_reviewer (item),
                            lb_item_get_review_comment (item) != NULL ? " — " : "",
                            lb_item_get_review_comment (item) != NULL
                              ? lb_item_get_review_comment (item) : "",
                            labels, decision_title (self, lb_item_get_decision (item)),
                            lb_item_get_gold (item) ? _(" · Gold") : "");
  else
    text = g_strdup_printf (_("Not reviewed\nNow: %s · %s%s"), labels,
                            decision_title (self, lb_item_get_decision (item)),
                            lb_item_get_gold (item) ? _(" · Gold") : "");
  gtk_label_set_text (self->current_label, text);
}

static void
show_item_in_view (LbReviewView *self)
{
  LbItemView *view = LB_ITEM_VIEW (self->item_view);
  LbImageCanvas *canvas = lb_item_view_get_canvas (view);
  LbItem *shown = lb_item_view_get_item (view);
  LbItem *drawn = self->current;

  /* one annotator's regions and spans, or the item's (always while fixing) */
  if (!self->fixing && self->current_works != NULL && self->shown_work >= 0
      && (guint) self->shown_work < self->current_works->len)
    drawn = g_ptr_array_index (self->current_works, self->shown_work);

  if (self->current == NULL || shown == NULL
      || lb_item_get_id (shown) != lb_item_get_id (self->current))
    lb_item_view_set_item (view, self->current);
  if (self->current != NULL && lb_item_get_kind (self->current) == LB_ITEM_KIND_IMAGE)
    lb_image_canvas_set_regions (canvas, drawn, self->schema);
  else
    lb_image_canvas_set_regions (canvas, NULL, self->schema);
  lb_item_view_set_spans (view, drawn, self->schema);
}

static void show_works (LbReviewView *self);

/* Draws annotator INDEX's own regions and spans (their card highlighted),
 * or, for the card already shown or -1, the item's state again */
static void
show_work (LbReviewView *self,
           int           index)
{
  if (self->current_works == NULL || index < 0 || (guint) index >= self->current_works->len
      || index == self->shown_work || self->fixing)
    index = -1;
  self->shown_work = index;
  show_item_in_view (self);
  show_works (self);
}

static void
work_card_pressed_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      LbReviewView    *self)
{
  GtkWidget *card = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  show_work (self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (card), "lb-work-index")));
}

static void
detail_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LbReviewView *self = LB_REVIEW_VIEW (source);
  GTask *task = G_TASK (result);
  DetailLoad *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->n_loading--;
  if (!g_task_propagate_boolean (task, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message);
      return;
    }
  if (GPOINTER_TO_UINT (user_data) != self->detail_serial)
    return;
  if (self->current == NULL || lb_item_get_id (self->current) != lb_item_get_id (load->item))
    self->shown_work = -1;
  g_set_object (&self->current, load->item);
  g_clear_pointer (&self->current_works, g_ptr_array_unref);
  self->current_works = g_steal_pointer (&load->works);
  show_item_in_view (self);
  show_item_state (self);
  show_works (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.gold", TRUE);
}

static void
load_detail (LbReviewView *self,
             gint64        id)
{
  g_autoptr(GTask) task = NULL;
  DetailLoad *load;
  RowInfo *row = g_hash_table_lookup (self->rows, &id);

  load = g_new0 (DetailLoad, 1);
  load->store = g_object_ref (self->store);
  load->id = id;
  load->actors = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; row != NULL && i < row->works->len; i++)
    g_ptr_array_add (load->actors,
                     g_strdup (((WorkInfo *) g_ptr_array_index (row->works, i))->actor));
  self->detail_serial++;
  self->n_loading++;
  task = g_task_new (self, self->cancellable, detail_done_cb,
                     GUINT_TO_POINTER (self->detail_serial));
  g_task_set_task_data (task, load, (GDestroyNotify) detail_load_free);
  g_task_run_in_thread (task, detail_thread_cb);
}

/* The canvas's tool and the panel's tool row, together */
static void
set_tool (LbReviewView *self,
          LbCanvasTool  tool)
{
  lb_image_canvas_set_tool (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), tool);
  lb_panel_set_tool (self->panel, tool);
}

static void
leave_modes (LbReviewView *self)
{
  LbImageCanvas *canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view));

  lb_image_canvas_cancel (canvas);
  set_tool (self, LB_CANVAS_TOOL_SELECT);
  lb_panel_set_selected_region (self->panel, NULL);
  self->fixing = FALSE;
  self->rejecting = FALSE;
  self->n_corrections = 0;
  self->n_in_flight = 0;
  gtk_widget_set_visible (self->fix_box, FALSE);
  gtk_widget_set_visible (self->verdict_box, TRUE);
  gtk_revealer_set_reveal_child (self->comment_revealer, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->comment_entry), "");
}

static void cancel_fix (LbReviewView *self);

static void
show_current (LbReviewView *self)
{
  gint64 id = selected_id (self);

  /* Moving on in the middle of a fix takes its corrections back, as Escape */
  if (self->fixing && (self->n_corrections > 0 || self->n_in_flight > 0)
      && self->current != NULL && lb_item_get_id (self->current) != id)
    cancel_fix (self);
  leave_modes (self);
  self->shown_us = g_get_monotonic_time ();
  if (id == 0)
    {
      self->detail_serial++;
      g_clear_object (&self->current);
      g_clear_pointer (&self->current_works, g_ptr_array_unref);
      show_item_in_view (self);
      show_item_state (self);
      show_works (self);
      return;
    }
  if (self->current != NULL && lb_item_get_id (self->current) != id)
    {
      /* The old item's details never show beside the new one, and no
       * verdict goes to it once the lead moved on */
      g_clear_object (&self->current);
      g_clear_pointer (&self->current_works, g_ptr_array_unref);
      clear_box (self->works_box);
    }
  load_detail (self, id);
}

static void
selection_changed_cb (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      LbReviewView       *self)
{
  gint64 id = selected_id (self);

  if (self->current != NULL && lb_item_get_id (self->current) == id)
    return;
  show_current (self);
}

static void
move (LbReviewView *self,
      int           delta)
{
  guint pos = gtk_single_selection_get_selected (self->selection);
  guint n = self->ids->len;

  if (n == 0)
    return;
  if (pos == GTK_INVALID_LIST_POSITION)
    pos = 0;
  else if (delta > 0 && pos + 1 < n)
    pos++;
  else if (delta < 0 && pos > 0)
    pos--;
  else
    return;
  gtk_single_selection_set_selected (self->selection, pos);
  gtk_widget_activate_action (GTK_WIDGET (self->queue_view), "list.scroll-to-item", "u", pos);
}

/* Re-binds the row of item ID (its verdict changed) */
static void
refresh_row (LbReviewView *self,
             gint64        id)
{
  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == id)
      {
        g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
        const char *strings[] = { text, NULL };
        guint selected = gtk_single_selection_get_selected (self->selection);

        gtk_string_list_splice (self->queue, i, 1, strings);
        if (selected == i)
          gtk_single_selection_set_selected (self->selection, i);
        return;
      }
}

/* ------------------------------------------------------------------------ */
/* Verdicts                                                                 */

typedef struct {
  LbReviewView *self;
  gint64        id;
  char         *external_id;
  char         *verdict;
  guint         serial;   /* corrections: their fix */
} ActData;

static void
act_data_free (ActData *data)
{
  g_object_unref (data->self);
  g_free (data->external_id);
  g_free (data->verdict);
  g_free (data);
}

static ActData *
act_begin (LbReviewView *self,
           const char   *verdict)
{
  ActData *data = g_new0 (ActData, 1);
  RowInfo *row;

  data->self = g_object_ref (self);
  data->id = lb_item_get_id (self->current);
  data->external_id = g_strdup (lb_item_get_external_id (self->current));
  data->verdict = g_strdup (verdict);
  self->n_pending++;
  row = g_hash_table_lookup (self->rows, &data->id);
  if (row != NULL && verdict != NULL)
    {
      row->saving = TRUE;
      refresh_row (self, data->id);
    }
  set_status (self, _("Saving…"));
  return data;
}

static void
act_end (ActData      *data,
         const GError *error,
         const char   *saved_text)
{
  LbReviewView *self = data->self;
  RowInfo *row = g_hash_table_lookup (self->rows, &data->id);

  self->n_pending--;
  if (row != NULL)
    row->saving = FALSE;
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

      set_status (self, text);
    }
  else
    set_status (self, saved_text);
  if (row != NULL)
    refresh_row (self, data->id);
}

/* A review saved or undone: the queue row's verdict, and its annotators'
 * cards (one review looks at all their work) */
static void
set_row_verdict (LbReviewView *self,
                 gint64        id,
                 const char   *verdict)
{
  RowInfo *row = g_hash_table_lookup (self->rows, &id);

  if (row == NULL)
    return;
  g_free (row->verdict);
  row->verdict = g_strdup (verdict);
  for (guint i = 0; row->works != NULL && i < row->works->len; i++)
    {
      WorkInfo *info = g_ptr_array_index (row->works, i);

      g_free (info->verdict);
      info->verdict = g_strdup (verdict);
    }
  if (self->current != NULL && lb_item_get_id (self->current) == id)
    show_works (self);
}

static void
review_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ActData *data = user_data;
  LbReviewView *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (lb_store_review_finish (LB_STORE (source), result, &error))
    {
      set_row_verdict (self, data->id, data->verdict);
      g_array_append_val (self->history, data->id);
      /* Translators: "Accepted “item-7” — saved" */
      text = g_strdup_printf (_("%s “%s” — saved"), verdict_title (data->verdict),
                              data->external_id);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* refused: back to the item (the view moved on at once), to see why */
      for (guint i = 0; i < self->ids->len; i++)
        if (g_array_index (self->ids, gint64, i) == data->id)
          gtk_single_selection_set_selected (self->selection, i);
    }
  act_end (data, error, text);
  act_data_free (data);
}

static gint64
dwell (LbReviewView *self)
{
  return (g_get_monotonic_time () - self->shown_us) / 1000;
}

static void
review (LbReviewView       *self,
        LbReviewVerdict     verdict,
        const char         *comment,
        const LbSubmission *fix)
{
  ActData *data;

  if (self->current == NULL || self->store == NULL)
    return;
  /* the review act lists the fix's corrections: they are no longer to cancel */
  self->n_corrections = 0;
  self->n_in_flight = 0;
  data = act_begin (self, lb_review_verdict_to_string (verdict));
  lb_store_review_async (self->store, data->id, self->actor, verdict, comment, fix,
                         self->cancellable, review_done_cb, data);
  leave_modes (self);
  move (self, +1);
}

/* Region and span corrections (while fixing): each one is a lead's act
 * (lb_store_correct ()), shown at once; the fix's review act made with
 * Enter lists them, so undoing the review takes them back too. */

static const char *
region_label (LbReviewView *self)
{
  if (self->schema == NULL || lb_schema_get_n_labels (self->schema) == 0)
    return NULL;
  if (self->region_label != NULL && lb_schema_find_label (self->schema, self->region_label))
    return self->region_label;
  return lb_schema_get_label (self->schema, 0)->id;
}

/* The end of a correction's (or its undo's) act: the queue's row stays as
 * it is (refreshing it would reselect it, which leaves the fix) */
static void
correction_end (ActData      *data,
                const GError *error,
                const char   *saved_text)
{
  LbReviewView *self = data->self;

  self->n_pending--;
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);

      set_status (self, text);
    }
  else
    set_status (self, saved_text);
}

static void cancel_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void region_selection_changed_cb (LbImageCanvas *canvas, LbReviewView *self);

static void
correct_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ActData *data = user_data;
  LbReviewView *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  gboolean ok = lb_store_correct_finish (LB_STORE (source), result, &id, &error);

  if (self->fixing && data->serial == self->fix_serial)
    {
      self->n_in_flight--;
      if (ok)
        self->n_corrections++;
    }
  else if (ok && data->serial == self->cancelled_serial && self->store != NULL)
    {
      /* saved after its fix was left with Escape: taken back too (the undos
       * asked for then ran after it, so this one takes the last back) */
      ActData *undo = g_new0 (ActData, 1);

      undo->self = g_object_ref (self);
      undo->id = data->id;
      undo->external_id = g_strdup (data->external_id);
      undo->verdict = g_strdup ("cancel");
      self->n_pending++;
      lb_store_undo_async (self->store, undo->id, self->actor, self->cancellable,
                           cancel_done_cb, undo);
    }
  /* Draw what the store holds (also when the edit was refused) */
  if (self->store != NULL && self->current != NULL
      && lb_item_get_id (self->current) == data->id)
    {
      g_autoptr(LbItem) fresh = lb_store_get_item (self->store, data->id, NULL);

      if (fresh != NULL)
        g_set_object (&self->current, fresh);
      show_item_in_view (self);
      if (id != NULL && lb_item_get_kind (self->current) == LB_ITEM_KIND_TEXT)
        lb_text_view_select_span (lb_item_view_get_text_view (LB_ITEM_VIEW (self->item_view)),
                                  g_str_equal (data->verdict, "span.delete") ? NULL : id);
      /* the attribute editors show the region as stored */
      region_selection_changed_cb (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), self);
    }
  /* Translators: a region or span correction was saved */
  correction_end (data, error, _("Correction saved — Enter completes the fix"));
  act_data_free (data);
}

static void
correct (LbReviewView       *self,
         const char         *what,
         const LbCorrection *correction)
{
  ActData *data;

  if (!self->fixing || self->current == NULL || self->store == NULL)
    return;
  data = act_begin (self, NULL);
  data->verdict = g_strdup (what);
  data->serial = self->fix_serial;
  self->n_in_flight++;
  lb_store_correct_async (self->store, data->id, self->actor, correction, self->cancellable,
                          correct_done_cb, data);
}

static void
region_create_cb (LbImageCanvas *canvas,
                  guint          shape,
                  gpointer       coords,
                  guint          n_coords,
                  LbReviewView  *self)
{
  LbRegionSpec spec = { 0 };
  LbCorrection c = { LB_CORRECTION_REGION_CREATE, };

  if (!self->fixing)
    {
      show_item_in_view (self);
      set_status (self, _("Press F to fix the regions"));
      return;
    }
  spec.label = region_label (self);
  if (spec.label == NULL)
    return;
  lb_region_spec_set_shape (&spec, shape, coords, n_coords);
  spec.dwell_ms = dwell (self);
  c.region = &spec;
  correct (self, "region.create", &c);
}

static void
region_update_cb (LbImageCanvas *canvas,
                  const char    *region_id,
                  guint          shape,
                  gpointer       coords,
                  guint          n_coords,
                  LbReviewView  *self)
{
  LbRegionSpec spec = { 0 };
  LbCorrection c = { LB_CORRECTION_REGION_UPDATE, };

  if (!self->fixing)
    {
      /* outside a fix the regions stay as the store has them */
      show_item_in_view (self);
      set_status (self, _("Press F to fix the regions"));
      return;
    }
  lb_region_spec_set_shape (&spec, shape, coords, n_coords);
  spec.dwell_ms = dwell (self);
  c.target = region_id;
  c.region = &spec;
  correct (self, "region.update", &c);
}

/* Keys of the regions and spans while fixing; FALSE when not one of them */
static gboolean
handle_correction_key (LbReviewView    *self,
                       guint            keyval,
                       GdkModifierType  state,
                       const char      *key)
{
  double step = (state & GDK_SHIFT_MASK) ? 10 : 1;
  LbItemView *view = LB_ITEM_VIEW (self->item_view);
  LbImageCanvas *canvas = lb_item_view_get_canvas (view);
  LbTextView *text = lb_item_view_get_text_view (view);
  gboolean image = self->current != NULL
                   && lb_item_get_kind (self->current) == LB_ITEM_KIND_IMAGE;
  gboolean spans = !image && lb_item_view_get_showing_text (view)
                   && lb_text_view_get_span_mode (text);
  const char *selected = NULL;
  LbCorrection c = { 0 };
  guint index;
  gint64 start, end;

  if (self->schema == NULL || self->current == NULL)
    return FALSE;
  if (image)
    selected = lb_image_canvas_get_selected_region (canvas);
  else if (spans)
    selected = lb_text_view_get_selected_span (text);
  else
    return FALSE;

  if (image && (keyval == GDK_KEY_b || keyval == GDK_KEY_B)
      && lb_schema_has_tool (self->schema, LB_TOOL_BOX))
    {
      set_tool (self, LB_CANVAS_TOOL_BOX);
      return TRUE;
    }
  if (image && (keyval == GDK_KEY_p || keyval == GDK_KEY_P)
      && lb_schema_has_tool (self->schema, LB_TOOL_POLYGON))
    {
      set_tool (self, LB_CANVAS_TOOL_POLYGON);
      return TRUE;
    }

  switch (keyval)
    {
    case GDK_KEY_Escape:
      if (image && lb_image_canvas_cancel (canvas))
        return TRUE;
      if (image && lb_image_canvas_get_tool (canvas) != LB_CANVAS_TOOL_SELECT)
        {
          set_tool (self, LB_CANVAS_TOOL_SELECT);
          return TRUE;
        }
      if (spans && lb_text_view_get_text_selection (text, NULL, NULL))
        {
          lb_text_view_clear_text_selection (text);
          return TRUE;
        }
      return FALSE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      /* Enter closes a polygon; while drawing it never submits */
      if (image && lb_image_canvas_close_polygon (canvas))
        return TRUE;
      return image && lb_image_canvas_get_drawing (canvas);
    case GDK_KEY_BackSpace:
      return image && lb_image_canvas_remove_last_vertex (canvas);
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      if (selected == NULL)
        return FALSE;
      c.kind = image ? LB_CORRECTION_REGION_DELETE : LB_CORRECTION_SPAN_DELETE;
      c.target = selected;
      c.dwell_ms = dwell (self);
      correct (self, image ? "region.delete" : "span.delete", &c);
      return TRUE;
    case GDK_KEY_Left:
      return image && selected != NULL && lb_image_canvas_nudge (canvas, -step, 0);
    case GDK_KEY_Right:
      return image && selected != NULL && lb_image_canvas_nudge (canvas, step, 0);
    case GDK_KEY_Up:
      return image && selected != NULL && lb_image_canvas_nudge (canvas, 0, -step);
    case GDK_KEY_Down:
      return image && selected != NULL && lb_image_canvas_nudge (canvas, 0, step);
    case GDK_KEY_Tab:
    case GDK_KEY_ISO_Left_Tab:
      return image ? lb_image_canvas_cycle_selection (canvas, keyval == GDK_KEY_ISO_Left_Tab)
                   : lb_text_view_cycle_selection (text, keyval == GDK_KEY_ISO_Left_Tab);
    default:
      break;
    }

  if (key == NULL || key[0] == '\0'
      || lb_schema_lookup_hotkey (self->schema, key, &index) != LB_HOTKEY_LABEL)
    return FALSE;

  /* A label's hotkey marks the selected text, relabels the selected region,
   * or picks the label of the next box or polygon (with the Select tool,
   * also the class label) */
  if (spans && lb_text_view_get_text_selection (text, &start, &end))
    {
      c.kind = LB_CORRECTION_SPAN_CREATE;
      c.label = lb_schema_get_label (self->schema, index)->id;
      c.start = start;
      c.end = end;
      c.dwell_ms = dwell (self);
      lb_text_view_clear_text_selection (text);
      correct (self, "span.create", &c);
      return TRUE;
    }
  g_free (self->region_label);
  self->region_label = g_strdup (lb_schema_get_label (self->schema, index)->id);
  if (image && selected != NULL)
    {
      LbRegionSpec spec = { 0 };

      lb_image_canvas_flush_nudge (canvas);
      spec.label = self->region_label;
      spec.shape = LB_REGION_SHAPE_NONE;
      spec.dwell_ms = dwell (self);
      c.kind = LB_CORRECTION_REGION_UPDATE;
      c.target = selected;
      c.region = &spec;
      correct (self, "region.update", &c);
      return TRUE;
    }
  /* with the box or polygon tool in hand, the key picks the next region's
   * label only, not one of the item's own */
  if (image && lb_image_canvas_get_tool (canvas) != LB_CANVAS_TOOL_SELECT)
    return TRUE;
  return FALSE;
}

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ActData *data = user_data;
  LbReviewView *self = data->self;
  g_autoptr(GError) error = NULL;
  gboolean ok = lb_store_undo_finish (LB_STORE (source), result, &error);

  if (ok && self->current != NULL && lb_item_get_id (self->current) == data->id)
    {
      if (!self->fixing)
        load_detail (self, data->id);
      else
        {
          g_autoptr(LbItem) fresh = lb_store_get_item (self->store, data->id, NULL);

          if (fresh != NULL)
            g_set_object (&self->current, fresh);
          show_item_in_view (self);
        }
    }
  correction_end (data, error, g_str_equal (data->verdict, "cancel") ? _("Fix cancelled")
                                                                     : _("Correction undone"));
  act_data_free (data);
}

/* Ctrl+Z while fixing: the latest correction of this fix */
static void
undo_correction (LbReviewView *self)
{
  ActData *data = act_begin (self, NULL);

  self->n_corrections--;
  data->verdict = g_strdup ("undo");
  lb_store_undo_async (self->store, data->id, self->actor, self->cancellable, cancel_done_cb,
                       data);
}

/* Escape leaves a fix: the corrections made in it are taken back */
static void
cancel_fix (LbReviewView *self)
{
  guint n;

  lb_image_canvas_flush_nudge (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)));
  n = self->n_corrections;
  self->cancelled_serial = self->fix_serial;
  for (guint i = 0; i < n && self->current != NULL && self->store != NULL; i++)
    {
      ActData *data = act_begin (self, NULL);

      data->verdict = g_strdup ("cancel");
      lb_store_undo_async (self->store, data->id, self->actor, self->cancellable,
                           cancel_done_cb, data);
    }
  leave_modes (self);
}

static void
accept_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  review (LB_REVIEW_VIEW (widget), LB_REVIEW_ACCEPT, NULL, NULL);
}

static void
fix_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);

  if (self->current == NULL)
    return;
  leave_modes (self);
  self->fixing = TRUE;
  self->fix_serial++;
  /* a fix corrects the item's state: that is what is drawn */
  self->shown_work = -1;
  show_item_in_view (self);
  show_works (self);
  lb_panel_reset (self->panel, self->current);
  lb_panel_set_message (self->panel, _("Fix the labels, regions or spans (B box, P polygon, a "
                                       "label’s key on selected text, Delete removes), then "
                                       "press Enter. Escape cancels."));
  gtk_widget_set_visible (self->verdict_box, FALSE);
  gtk_widget_set_visible (self->fix_box, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
reject_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);

  if (self->current == NULL)
    return;
  leave_modes (self);
  self->rejecting = TRUE;
  gtk_revealer_set_reveal_child (self->comment_revealer, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->comment_entry));
}

static void
comment_activate_cb (GtkEntry     *entry,
                     LbReviewView *self)
{
  g_autofree char *comment = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (comment[0] == '\0')
    {
      set_status (self, _("A rejection needs a comment: say what is wrong"));
      return;
    }
  review (self, LB_REVIEW_REJECT, comment, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static gboolean
same_label_set (const char * const *a,
                const char * const *b)
{
  guint n = 0;

  for (; a[n] != NULL; n++)
    if (!g_strv_contains (b, a[n]))
      return FALSE;
  return n == g_strv_length ((char **) b);
}

static void
submit_fix (LbReviewView *self)
{
  g_auto(GStrv) labels = NULL;
  g_autofree char *note = NULL;
  LbSubmission fix = { 0 };

  if (!self->fixing || self->current == NULL)
    return;
  /* nudges not yet sent are corrections of this fix */
  lb_image_canvas_flush_nudge (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)));
  labels = lb_panel_get_labels (self->panel);
  note = g_strstrip (lb_panel_get_note (self->panel));
  /* what the lead changed, and only that: the corrections of the fix */
  if (!same_label_set ((const char * const *) labels, lb_item_get_labels (self->current)))
    fix.labels = (const char * const *) labels;
  if (g_strcmp0 (lb_panel_get_decision (self->panel), lb_item_get_decision (self->current)) != 0
      || g_strcmp0 (lb_panel_get_reason (self->panel), lb_item_get_reason (self->current)) != 0)
    {
      fix.decision = lb_panel_get_decision (self->panel);
      fix.reason = lb_panel_get_reason (self->panel);
    }
  /* "" clears the note */
  if (g_strcmp0 (note, lb_item_get_note (self->current) != NULL
                         ? lb_item_get_note (self->current) : "") != 0)
    fix.note = note;
  fix.dwell_ms = dwell (self);
  if (fix.decision != NULL)
    {
      const LbSchemaDecision *d = lb_schema_find_decision (self->schema, fix.decision);

      if (d != NULL && d->needs_reason && fix.reason == NULL)
        {
          lb_panel_set_message (self->panel, _("This decision needs a reason"));
          lb_panel_focus_reason (self->panel);
          return;
        }
    }
  review (self, LB_REVIEW_FIX, NULL, &fix);
}

static void
pick_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);
  const char *param = g_variant_get_string (parameter, NULL);

  if (!self->fixing)
    return;
  if (g_str_has_prefix (param, "label:"))
    lb_panel_toggle_label (self->panel, param + strlen ("label:"));
  else if (g_str_has_prefix (param, "decision:"))
    lb_panel_pick_decision (self->panel, param + strlen ("decision:"));
}

/* The panel's tool row (it activates win.set-tool): the tools of the fix */
static void
set_tool_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (!self->fixing)
    {
      lb_panel_set_tool (self->panel, LB_CANVAS_TOOL_SELECT);
      set_status (self, _("Press F to fix the regions"));
      return;
    }
  if (g_str_equal (name, "box") && lb_schema_has_tool (self->schema, LB_TOOL_BOX))
    set_tool (self, LB_CANVAS_TOOL_BOX);
  else if (g_str_equal (name, "polygon") && lb_schema_has_tool (self->schema, LB_TOOL_POLYGON))
    set_tool (self, LB_CANVAS_TOOL_POLYGON);
  else
    set_tool (self, LB_CANVAS_TOOL_SELECT);
}

/* The panel's attribute editors of the selected region (they activate
 * win.set-region-attributes): a correction of the region while fixing */
static void
set_region_attributes_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);
  LbImageCanvas *canvas = lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view));
  const char *region_id = lb_image_canvas_get_selected_region (canvas);
  LbRegionSpec spec = { 0 };
  LbCorrection c = { LB_CORRECTION_REGION_UPDATE, };

  if (!self->fixing || self->current == NULL || region_id == NULL)
    return;
  spec.shape = LB_REGION_SHAPE_NONE;
  spec.attributes = g_variant_get_string (parameter, NULL);
  spec.dwell_ms = dwell (self);
  c.target = region_id;
  c.region = &spec;
  correct (self, "region.update", &c);
}

static void
region_selection_changed_cb (LbImageCanvas *canvas,
                             LbReviewView  *self)
{
  const char *id = lb_image_canvas_get_selected_region (canvas);

  lb_panel_set_selected_region (self->panel, self->fixing && id != NULL && self->current != NULL
                                             ? lb_item_find_region (self->current, id) : NULL);
}

static void
pick_reason_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);

  if (self->fixing)
    lb_panel_pick_reason (self->panel, g_variant_get_string (parameter, NULL));
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  submit_fix (LB_REVIEW_VIEW (widget));
}

static void
gold_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ActData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (lb_store_mark_gold_finish (LB_STORE (source), result, &error))
    {
      /* Translators: "“item-7” marked as gold — saved" */
      text = g_strdup_printf (data->verdict != NULL ? _("“%s” marked as gold — saved")
                                                    : _("“%s” no longer gold — saved"),
                              data->external_id);
      g_array_append_val (data->self->history, data->id);
    }
  act_end (data, error, text);
  act_data_free (data);
}

static void
gold_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);
  gboolean gold;
  ActData *data;

  if (self->current == NULL)
    return;
  gold = !lb_item_get_gold (self->current);
  data = act_begin (self, NULL);
  if (gold)
    data->verdict = g_strdup ("gold");
  lb_store_mark_gold_async (self->store, data->id, self->actor, gold, self->cancellable,
                            gold_done_cb, data);
}

static void
undo_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ActData *data = user_data;
  LbReviewView *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (lb_store_undo_finish (LB_STORE (source), result, &error))
    {
      set_row_verdict (self, data->id, NULL);
      /* Translators: "Review of “item-7” undone" */
      text = g_strdup_printf (_("Review of “%s” undone"), data->external_id);
      if (self->current != NULL && lb_item_get_id (self->current) == data->id)
        load_detail (self, data->id);
    }
  act_end (data, error, text);
  act_data_free (data);
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LbReviewView *self = LB_REVIEW_VIEW (widget);
  ActData *data;
  gint64 id;

  if (self->store == NULL || (self->history->len == 0 && self->current == NULL))
    {
      set_status (self, _("Nothing to undo"));
      return;
    }
  if (self->history->len > 0)
    {
      id = g_array_index (self->history, gint64, self->history->len - 1);
      g_array_set_size (self->history, self->history->len - 1);
    }
  else
    {
      /* nothing reviewed in this session: the lead's latest act on the item
       * shown (a review of an earlier session), if any */
      id = lb_item_get_id (self->current);
    }
  /* Back to the item whose review is undone */
  for (guint i = 0; i < self->ids->len; i++)
    if (g_array_index (self->ids, gint64, i) == id)
      gtk_single_selection_set_selected (self->selection, i);
  data = g_new0 (ActData, 1);
  data->self = g_object_ref (self);
  data->id = id;
  {
    RowInfo *row = g_hash_table_lookup (self->rows, &id);

    data->external_id = g_strdup (row != NULL ? row->external_id : "");
  }
  self->n_pending++;
  set_status (self, _("Saving…"));
  lb_store_undo_async (self->store, id, self->actor, self->cancellable, undo_done_cb, data);
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  move (LB_REVIEW_VIEW (widget), g_str_equal (action_name, "review.next") ? +1 : -1);
}

/* ------------------------------------------------------------------------ */
/* Keys                                                                     */

static gboolean
is_text_widget (GtkWidget *widget)
{
  return widget != NULL && (GTK_IS_EDITABLE (widget) || GTK_IS_TEXT_VIEW (widget));
}

void
lb_review_view_undo (LbReviewView *self)
{
  g_return_if_fail (LB_IS_REVIEW_VIEW (self));

  if (self->fixing)
    lb_image_canvas_flush_nudge (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)));
  if (self->fixing && self->n_in_flight > 0)
    set_status (self, _("Saving…"));   /* the correction's answer first */
  else if (self->fixing && self->n_corrections > 0 && self->current != NULL
           && self->store != NULL)
    undo_correction (self);
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "review.undo", NULL);
}

gboolean
lb_review_view_handle_key (LbReviewView   *self,
                           guint           keyval,
                           GdkModifierType state)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GdkModifierType mods = state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK);
  gunichar c = gdk_keyval_to_unicode (keyval);
  GtkWidget *widget = GTK_WIDGET (self);

  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), FALSE);

  /* While fixing, the tools' keys first (also in the text, where spans are
   * marked) */
  if (self->fixing && mods == 0
      && (!is_text_widget (focus)
          || focus == GTK_WIDGET (lb_item_view_get_text_view (LB_ITEM_VIEW (self->item_view)))))
    {
      char key[8] = { 0 };

      if (c != 0 && g_unichar_isgraph (c))
        g_unichar_to_utf8 (c, key);
      if (handle_correction_key (self, keyval, state, key))
        return TRUE;
    }
  if (keyval == GDK_KEY_Escape && mods == 0 && (self->fixing || self->rejecting))
    {
      if (self->fixing)
        cancel_fix (self);
      else
        leave_modes (self);
      gtk_widget_grab_focus (widget);
      return TRUE;
    }
  if (mods == GDK_CONTROL_MASK && (keyval == GDK_KEY_z || keyval == GDK_KEY_Z))
    {
      lb_review_view_undo (self);
      return TRUE;
    }
  if (is_text_widget (focus))
    {
      /* Enter in the fix's note submits it; the comment entry has its own */
      if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && mods == 0
          && self->fixing && lb_panel_is_note_widget (self->panel, focus)
          && !(state & GDK_SHIFT_MASK))
        {
          submit_fix (self);
          return TRUE;
        }
      return FALSE;
    }
  if (mods != 0)
    return FALSE;
  if (c == '?')
    return gtk_widget_activate_action (widget, "win.show-help-overlay", NULL);
  if (focus != NULL && self->fixing && lb_panel_is_reason_widget (self->panel, focus))
    return FALSE;

  if (self->fixing)
    {
      char buf[8] = { 0 };
      guint index;
      LbHotkeyTarget target = LB_HOTKEY_NONE;

      if (c != 0 && g_unichar_isgraph (c))
        {
          g_unichar_to_utf8 (c, buf);
          target = lb_schema_lookup_hotkey (self->schema, buf, &index);
        }
      if (target == LB_HOTKEY_LABEL)
        return lb_panel_toggle_label (self->panel, lb_schema_get_label (self->schema, index)->id);
      if (target == LB_HOTKEY_DECISION)
        return lb_panel_pick_decision (self->panel,
                                       lb_schema_get_decision (self->schema, index)->id);
      if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
        {
          submit_fix (self);
          return TRUE;
        }
      return FALSE;
    }

  switch (keyval)
    {
    case GDK_KEY_a:
    case GDK_KEY_A:
      return gtk_widget_activate_action (widget, "review.accept", NULL);
    case GDK_KEY_f:
    case GDK_KEY_F:
      return gtk_widget_activate_action (widget, "review.fix", NULL);
    case GDK_KEY_r:
    case GDK_KEY_R:
      return gtk_widget_activate_action (widget, "review.reject", NULL);
    case GDK_KEY_g:
    case GDK_KEY_G:
      return gtk_widget_activate_action (widget, "review.gold", NULL);
    case GDK_KEY_j:
    case GDK_KEY_J:
    case GDK_KEY_Down:
      return gtk_widget_activate_action (widget, "review.next", NULL);
    case GDK_KEY_k:
    case GDK_KEY_K:
    case GDK_KEY_Up:
      return gtk_widget_activate_action (widget, "review.previous", NULL);
    case GDK_KEY_1: case GDK_KEY_2: case GDK_KEY_3:
    case GDK_KEY_4: case GDK_KEY_5: case GDK_KEY_6:
    case GDK_KEY_7: case GDK_KEY_8: case GDK_KEY_9:
      if (self->current_works == NULL || (guint) (keyval - GDK_KEY_1) >= self->current_works->len)
        return FALSE;
      show_work (self, keyval - GDK_KEY_1);
      return TRUE;
    case GDK_KEY_0:
      show_work (self, -1);
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                LbReviewView          *self)
{
  return lb_review_view_handle_key (self, keyval, state);
}

/* ------------------------------------------------------------------------ */
/* Queue rows                                                               */

static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (list_item, box);
}

static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             LbReviewView             *self)
{
  GtkStringObject *object = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  gint64 id = g_ascii_strtoll (gtk_string_object_get_string (object), NULL, 10);
  RowInfo *row = g_hash_table_lookup (self->rows, &id);
  GString *s = g_string_new (NULL);

  if (row == NULL)
    {
      gtk_label_set_text (GTK_LABEL (title), gtk_string_object_get_string (object));
      gtk_label_set_text (GTK_LABEL (subtitle), "");
      g_string_free (s, TRUE);
      return;
    }
  gtk_label_set_text (GTK_LABEL (title), row->external_id);
  for (guint i = 0; i < row->works->len; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, ((WorkInfo *) g_ptr_array_index (row->works, i))->actor);
    }
  g_string_append (s, " · ");
  g_string_append (s, row->saving ? _("Saving…") : verdict_title (row->verdict));
  if (row->gold)
    g_string_append_printf (s, " · %s", _("Gold"));
  gtk_label_set_text (GTK_LABEL (subtitle), s->str);
  g_string_free (s, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Store                                                                    */

static void
item_changed_cb (LbStore      *store,
                 gint64        item_id,
                 LbReviewView *self)
{
  if (self->current != NULL && lb_item_get_id (self->current) == item_id
      && !self->fixing && !self->rejecting)
    load_detail (self, item_id);
}

void
lb_review_view_open (LbReviewView *self,
                     LbStore      *store,
                     gint64        batch_id,
                     const char   *actor)
{
  g_autoptr(LbBatch) batch = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (LB_IS_REVIEW_VIEW (self));
  g_return_if_fail (LB_IS_STORE (store));

  g_free (self->actor);
  self->actor = g_strdup (actor != NULL ? actor : g_get_user_name ());
  if (self->store != store || self->batch_id != batch_id)
    {
      LbSchema *schema;

      batch = lb_store_get_batch (store, batch_id, &error);
      schema = batch != NULL ? lb_store_get_batch_schema (store, batch_id, &error) : NULL;
      if (schema == NULL)
        {
          set_status (self, error->message);
          return;
        }
      if (self->store != NULL)
        g_signal_handlers_disconnect_by_data (self->store, self);
      g_set_object (&self->store, store);
      g_signal_connect (store, "item-changed", G_CALLBACK (item_changed_cb), self);
      self->batch_id = batch_id;
      g_free (self->batch_name);
      self->batch_name = g_strdup (batch->name);
      g_clear_pointer (&self->schema, lb_schema_unref);
      self->schema = schema;
      g_array_set_size (self->history, 0);
      g_clear_object (&self->current);
      lb_panel_set_schema (self->panel, schema);
      fill_schema_filters (self);
    }
  set_status (self, NULL);
  lb_review_view_reload (self);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------------ */
/* Construction                                                             */

static void
setup (LbReviewView *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;
  GtkWidget *filters[] = { GTK_WIDGET (self->annotator_drop), GTK_WIDGET (self->label_drop),
                           GTK_WIDGET (self->decision_drop), GTK_WIDGET (self->reason_drop),
                           GTK_WIDGET (self->time_drop) };

  gtk_spin_button_set_value (self->seed_spin, g_random_int_range (1, 1000000));
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    g_signal_connect_swapped (filters[i], "notify::selected", G_CALLBACK (filter_changed_cb), self);
  g_signal_connect_swapped (self->unreviewed_check, "toggled", G_CALLBACK (filter_changed_cb), self);
  g_signal_connect_swapped (self->disputed_check, "toggled", G_CALLBACK (filter_changed_cb), self);
  g_signal_connect_swapped (self->sample_check, "toggled", G_CALLBACK (filter_changed_cb), self);
  g_signal_connect_swapped (self->percent_spin, "value-changed", G_CALLBACK (filter_changed_cb),
                            self);
  g_signal_connect_swapped (self->seed_spin, "value-changed", G_CALLBACK (filter_changed_cb),
                            self);

  self->queue = gtk_string_list_new (NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->queue)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected", G_CALLBACK (selection_changed_cb), self);
  gtk_list_view_set_model (self->queue_view, GTK_SELECTION_MODEL (self->selection));
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind_cb), self);
  gtk_list_view_set_factory (self->queue_view, factory);
  g_object_unref (factory);

  self->item_view = lb_item_view_new ();
  lb_item_view_set_failure_hint (LB_ITEM_VIEW (self->item_view),
                                 _("You can still review what the annotators decided."));
  gtk_widget_set_hexpand (self->item_view, TRUE);
  gtk_widget_set_vexpand (self->item_view, TRUE);
  gtk_box_append (self->item_box, self->item_view);
  g_signal_connect (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), "region-create",
                    G_CALLBACK (region_create_cb), self);
  g_signal_connect (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), "region-update",
                    G_CALLBACK (region_update_cb), self);
  g_signal_connect (lb_item_view_get_canvas (LB_ITEM_VIEW (self->item_view)), "selection-changed",
                    G_CALLBACK (region_selection_changed_cb), self);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_BUBBLE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

static void
lb_review_view_dispose (GObject *object)
{
  LbReviewView *self = LB_REVIEW_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LB_TYPE_REVIEW_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);
  g_clear_object (&self->current);
  g_clear_object (&self->selection);
  g_clear_object (&self->queue);
  g_clear_pointer (&self->current_works, g_ptr_array_unref);
  g_clear_pointer (&self->schema, lb_schema_unref);

  G_OBJECT_CLASS (lb_review_view_parent_class)->dispose (object);
}

static void
lb_review_view_finalize (GObject *object)
{
  LbReviewView *self = LB_REVIEW_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->history, g_array_unref);
  g_clear_pointer (&self->annotator_ids, g_ptr_array_unref);
  g_clear_pointer (&self->label_ids, g_ptr_array_unref);
  g_clear_pointer (&self->decision_ids, g_ptr_array_unref);
  g_clear_pointer (&self->reason_ids, g_ptr_array_unref);
  g_free (self->batch_name);
  g_free (self->actor);
  g_free (self->region_label);
  g_free (self->status);

  G_OBJECT_CLASS (lb_review_view_parent_class)->finalize (object);
}

static void
lb_review_view_class_init (LbReviewViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lb_review_view_dispose;
  object_class->finalize = lb_review_view_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lbreviewview");

  g_type_ensure (LB_TYPE_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/ui/lb-review-view.ui");
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, annotator_drop);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, label_drop);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, decision_drop);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, reason_drop);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, time_drop);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, unreviewed_check);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, disputed_check);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, sample_check);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, percent_spin);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, count_label);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, queue_view);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, item_box);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, item_title);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, current_label);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, works_box);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, verdict_box);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, gold_button);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, comment_revealer);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, comment_entry);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, fix_box);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, panel);
  gtk_widget_class_bind_template_child (widget_class, LbReviewView, status_label);
  gtk_widget_class_bind_template_callback (widget_class, new_seed_cb);
  gtk_widget_class_bind_template_callback (widget_class, comment_activate_cb);

  gtk_widget_class_install_action (widget_class, "review.accept", NULL, accept_action);
  gtk_widget_class_install_action (widget_class, "review.fix", NULL, fix_action);
  gtk_widget_class_install_action (widget_class, "review.reject", NULL, reject_action);
  gtk_widget_class_install_action (widget_class, "review.gold", NULL, gold_action);
  gtk_widget_class_install_action (widget_class, "review.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "review.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "review.previous", NULL, next_action);
  /* The fix's panel activates these: they shadow the window's while fixing */
  gtk_widget_class_install_action (widget_class, "win.pick", "s", pick_action);
  gtk_widget_class_install_action (widget_class, "win.pick-reason", "s", pick_reason_action);
  gtk_widget_class_install_action (widget_class, "win.set-tool", "s", set_tool_action);
  gtk_widget_class_install_action (widget_class, "win.set-region-attributes", "s",
                                   set_region_attributes_action);
  gtk_widget_class_install_action (widget_class, "win.submit", NULL, submit_action);
}

static void
lb_review_view_init (LbReviewView *self)
{
  self->cancellable = g_cancellable_new ();
  self->shown_work = -1;
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, row_info_free);
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->history = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->annotator_ids = g_ptr_array_new_with_free_func (g_free);
  self->label_ids = g_ptr_array_new_with_free_func (g_free);
  self->decision_ids = g_ptr_array_new_with_free_func (g_free);
  self->reason_ids = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  setup (self);
  g_ptr_array_add (self->annotator_ids, NULL);
  update_count (self);
  show_item_state (self);
}

GtkWidget *
lb_review_view_new (void)
{
  return g_object_new (LB_TYPE_REVIEW_VIEW, NULL);
}

void
lb_review_view_set_image_loader (LbReviewView  *self,
                                 LbImageLoader *loader)
{
  g_return_if_fail (LB_IS_REVIEW_VIEW (self));
  lb_item_view_set_image_loader (LB_ITEM_VIEW (self->item_view), loader);
}

void
lb_review_view_set_annotator (LbReviewView *self,
                              const char   *annotator)
{
  g_return_if_fail (LB_IS_REVIEW_VIEW (self));
  for (guint i = 0; i < self->annotator_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->annotator_ids, i), annotator) == 0)
      {
        gtk_drop_down_set_selected (self->annotator_drop, i);
        return;
      }
}

gboolean
lb_review_view_set_filter (LbReviewView *self,
                           const char   *field,
                           const char   *value)
{
  GtkDropDown *drop;
  GPtrArray *ids;

  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), FALSE);
  g_return_val_if_fail (field != NULL, FALSE);

  if (g_str_equal (field, "time"))
    {
      const char *times[] = { "all", "today", "week" };

      for (guint i = 0; i < G_N_ELEMENTS (times); i++)
        if (g_strcmp0 (value, times[i]) == 0)
          {
            gtk_drop_down_set_selected (self->time_drop, i);
            return TRUE;
          }
      return FALSE;
    }
  if (g_str_equal (field, "label"))
    drop = self->label_drop, ids = self->label_ids;
  else if (g_str_equal (field, "decision"))
    drop = self->decision_drop, ids = self->decision_ids;
  else if (g_str_equal (field, "reason"))
    drop = self->reason_drop, ids = self->reason_ids;
  else
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (ids, i), value) == 0)
      {
        gtk_drop_down_set_selected (drop, i);
        return TRUE;
      }
  return FALSE;
}

void
lb_review_view_set_disputed_only (LbReviewView *self,
                                  gboolean      disputed)
{
  g_return_if_fail (LB_IS_REVIEW_VIEW (self));
  gtk_check_button_set_active (self->disputed_check, disputed);
}

void
lb_review_view_set_unreviewed_only (LbReviewView *self,
                                    gboolean      unreviewed)
{
  g_return_if_fail (LB_IS_REVIEW_VIEW (self));
  gtk_check_button_set_active (self->unreviewed_check, unreviewed);
}

void
lb_review_view_set_sampling (LbReviewView *self,
                             double        percent,
                             guint64       seed)
{
  g_return_if_fail (LB_IS_REVIEW_VIEW (self));
  self->filling = TRUE;
  if (percent > 0)
    gtk_spin_button_set_value (self->percent_spin, percent);
  gtk_spin_button_set_value (self->seed_spin, (double) seed);
  self->filling = FALSE;
  if (gtk_check_button_get_active (self->sample_check) != (percent > 0))
    gtk_check_button_set_active (self->sample_check, percent > 0);
  else
    filter_changed_cb (self);
}

guint64
lb_review_view_get_seed (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), 0);
  return (guint64) gtk_spin_button_get_value (self->seed_spin);
}

gboolean
lb_review_view_get_loading (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), FALSE);
  return self->n_loading > 0;
}

GArray *
lb_review_view_get_queue_ids (LbReviewView *self)
{
  GArray *copy;

  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  copy = g_array_sized_new (FALSE, FALSE, sizeof (gint64), self->ids->len);
  g_array_append_vals (copy, self->ids->data, self->ids->len);
  return copy;
}

LbItem *
lb_review_view_get_current_item (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  return self->current;
}

const char *
lb_review_view_get_status (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  return self->status;
}

char *
lb_review_view_get_works_text (LbReviewView *self)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  for (GtkWidget *card = gtk_widget_get_first_child (GTK_WIDGET (self->works_box));
       card != NULL; card = gtk_widget_get_next_sibling (card))
    for (GtkWidget *l = gtk_widget_get_first_child (card); l != NULL;
         l = gtk_widget_get_next_sibling (l))
      g_string_append_printf (s, "%s\n", gtk_label_get_text (GTK_LABEL (l)));
  return g_string_free (s, FALSE);
}

guint
lb_review_view_get_n_pending (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), 0);
  return self->n_pending;
}

int
lb_review_view_get_shown_work (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), -1);
  return self->shown_work;
}

gboolean
lb_review_view_get_fixing (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), FALSE);
  return self->fixing;
}

GtkWidget *
lb_review_view_get_comment_entry (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  return GTK_WIDGET (self->comment_entry);
}

GtkWidget *
lb_review_view_get_panel (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  return GTK_WIDGET (self->panel);
}

GtkWidget *
lb_review_view_get_item_view (LbReviewView *self)
{
  g_return_val_if_fail (LB_IS_REVIEW_VIEW (self), NULL);
  return self->item_view;
}
