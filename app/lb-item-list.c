/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-item-list"
#include "config.h"

#include "lb-item-list.h"
#include "lb-item.h"
#include "lb-store-private.h"

/* A direct-mapped cache of recently made snapshots, keyed by item id. */
#define CACHE_SIZE 256

typedef struct {
  gint64  id;
  LbItem *item;
} CacheSlot;

struct _LbItemList
{
  GObject       parent_instance;

  LbStore      *store;
  gint64        batch_id;
  LbItemFilter  filter;
  char         *actor;   /* an annotator's blind queue (lb_store_list_queue_ids ()), or NULL */

  GArray       *ids;     /* gint64, in queue order */
  CacheSlot     cache[CACHE_SIZE];
  gint64        pinned;  /* stays while it no longer matches the filter; 0 = none */

  /* The ids are read in a worker thread (lb_store_list_queue_ids_async ());
   * what changes meanwhile is applied once they arrive */
  GCancellable *load_cancellable;  /* of the load under way, or NULL */
  GArray       *changed_meanwhile; /* gint64 item ids */
  gboolean      added_meanwhile;

  gulong        item_changed_id;
  gulong        items_added_id;
};

static void lb_item_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LbItemList, lb_item_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      lb_item_list_model_init))

enum {
  PROP_0,
  PROP_FILTER,
  PROP_N_ITEMS,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static inline CacheSlot *
cache_slot (LbItemList *self,
            gint64      id)
{
  return &self->cache[(guint64) id % CACHE_SIZE];
}

static void
cache_forget (LbItemList *self,
              gint64      id)
{
  CacheSlot *slot = cache_slot (self, id);

  if (slot->id == id)
    {
      slot->id = 0;
      g_clear_object (&slot->item);
    }
}

static void
cache_clear (LbItemList *self)
{
  for (guint i = 0; i < CACHE_SIZE; i++)
    {
      self->cache[i].id = 0;
      g_clear_object (&self->cache[i].item);
    }
}

/* The ids read on the calling thread: only for the lists of all batches,
 * whose order is not the id order (tests and the CLI; the window's lists
 * are of one batch and load in a worker thread) */
static GArray *
load_ids (LbItemList *self)
{
  g_autoptr(GError) error = NULL;
  GArray *ids;

  if (self->actor != NULL)
    ids = lb_store_list_queue_ids (self->store, self->batch_id, self->actor, self->filter,
                                   &error);
  else
    ids = lb_store_list_item_ids (self->store, self->batch_id, self->filter, &error);
  if (ids == NULL)
    {
      g_warning ("Cannot list the items: %s", error->message);
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    }
  return ids;
}

static gboolean
item_matches (LbItemList *self,
              LbItem     *item)
{
  if (self->batch_id != 0 && lb_item_get_batch_id (item) != self->batch_id)
    return FALSE;
  if (self->actor != NULL)
    {
      g_autoptr(GError) error = NULL;
      gboolean in = FALSE;

      if (!_lb_store_item_in_queue (self->store, lb_item_get_id (item), self->actor,
                                    self->filter, &in, &error))
        g_warning ("Cannot read item %" G_GINT64_FORMAT ": %s", lb_item_get_id (item),
                   error->message);
      return in;
    }

  switch (self->filter)
    {
    case LB_ITEM_FILTER_TODO:
      return lb_item_get_state (item) != LB_ITEM_STATE_DONE;
    case LB_ITEM_FILTER_DONE:
      return lb_item_get_state (item) == LB_ITEM_STATE_DONE;
    case LB_ITEM_FILTER_FLAGGED:
      return lb_item_get_flagged (item);
    case LB_ITEM_FILTER_ALL:
    default:
      return TRUE;
    }
}

/* Replaces the ids with new_ids and emits one items-changed covering the
 * part that differs (exact for one insertion, removal or an append). */
static void
replace_ids (LbItemList *self,
             GArray     *new_ids)
{
  GArray *old_ids = self->ids;
  guint old_len = old_ids->len;
  guint new_len = new_ids->len;
  guint prefix = 0;
  guint suffix = 0;
  guint removed, added;

  while (prefix < old_len && prefix < new_len
         && g_array_index (old_ids, gint64, prefix) == g_array_index (new_ids, gint64, prefix))
    prefix++;
  while (suffix < old_len - prefix && suffix < new_len - prefix
         && g_array_index (old_ids, gint64, old_len - 1 - suffix)
              == g_array_index (new_ids, gint64, new_len - 1 - suffix))
    suffix++;

  removed = old_len - prefix - suffix;
  added = new_len - prefix - suffix;

  self->ids = new_ids;
  g_array_unref (old_ids);

  if (removed > 0 || added > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), prefix, removed, added);
      if (removed != added)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

/* New items have higher ids than all before them: fetch and append only
 * the ids above the last one in the list (batch lists only). */
static void
append_new_ids (LbItemList *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) added = NULL;
  gint64 last = self->ids->len > 0 ? g_array_index (self->ids, gint64, self->ids->len - 1) : 0;
  guint old_len = self->ids->len;

  added = _lb_store_list_item_ids_after (self->store, self->batch_id, self->filter, last,
                                         &error);
  if (added == NULL)
    {
      g_warning ("Cannot list the new items: %s", error->message);
      return;
    }
  if (added->len == 0)
    return;

  g_array_append_vals (self->ids, added->data, added->len);
  g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, added->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
item_changed_cb (LbStore    *store,
                 gint64      item_id,
                 LbItemList *self)
{
  g_autoptr(LbItem) item = NULL;
  g_autoptr(GError) error = NULL;
  gboolean present;
  gboolean matches;
  guint position = 0;

  cache_forget (self, item_id);

  if (self->load_cancellable != NULL)
    {
      g_array_append_val (self->changed_meanwhile, item_id);
      if (lb_item_list_find (self, item_id, &position))
        g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
      return;
    }

  item = lb_store_get_item (self->store, item_id, &error);
  if (item == NULL)
    {
      g_warning ("Cannot read item %" G_GINT64_FORMAT ": %s", item_id, error->message);
      return;
    }

  if (self->batch_id != 0 && lb_item_get_batch_id (item) != self->batch_id)
    return;

  if (self->batch_id == 0)
    {
      /* queue order spans batches: ids are not sorted, reload and diff */
      if (self->filter == LB_ITEM_FILTER_ALL && self->actor == NULL)
        {
          if (lb_item_list_find (self, item_id, &position))
            g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
        }
      else
        replace_ids (self, load_ids (self));
      return;
    }

  present = _lb_ids_search (self->ids, item_id, &position);
  matches = item_matches (self, item);

  if (present && (matches || item_id == self->pinned))
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
    }
  else if (present)
    {
      g_array_remove_index (self->ids, position);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
  else if (matches && position == self->ids->len && self->actor == NULL)
    {
      /* past the end: items added whose "items-added" has not arrived yet
       * may come before it; take them all */
      append_new_ids (self);
    }
  else if (matches)
    {
      g_array_insert_val (self->ids, position, item_id);
      /* keep the fresh snapshot */
      {
        CacheSlot *slot = cache_slot (self, item_id);
        g_clear_object (&slot->item);
        slot->id = item_id;
        slot->item = g_object_ref (item);
      }
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

static void
items_added_cb (LbStore    *store,
                gint64      batch_id,
                LbItemList *self)
{
  if (self->batch_id != 0 && batch_id != self->batch_id)
    return;
  if (self->filter == LB_ITEM_FILTER_DONE || self->filter == LB_ITEM_FILTER_FLAGGED)
    return;  /* new items are to do */

  if (self->load_cancellable != NULL)
    self->added_meanwhile = TRUE;
  else if (self->batch_id != 0 && self->actor == NULL)
    append_new_ids (self);
  else
    replace_ids (self, load_ids (self));
}

static GType
lb_item_list_get_item_type (GListModel *model)
{
  return LB_TYPE_ITEM;
}

static guint
lb_item_list_get_n_items (GListModel *model)
{
  LbItemList *self = LB_ITEM_LIST (model);

  return self->ids->len;
}

static gpointer
lb_item_list_get_item (GListModel *model,
                       guint       position)
{
  LbItemList *self = LB_ITEM_LIST (model);
  g_autoptr(GError) error = NULL;
  CacheSlot *slot;
  LbItem *item;
  gint64 id;

  if (position >= self->ids->len)
    return NULL;

  id = g_array_index (self->ids, gint64, position);
  slot = cache_slot (self, id);
  if (slot->id == id && slot->item != NULL)
    return g_object_ref (slot->item);

  if (self->actor != NULL)
    item = lb_store_get_item_for_actor (self->store, id, self->actor, &error);
  else
    item = lb_store_get_item (self->store, id, &error);
  if (item == NULL)
    {
      g_warning ("Cannot read item %" G_GINT64_FORMAT ": %s", id, error->message);
      return NULL;
    }

  g_clear_object (&slot->item);
  slot->id = id;
  slot->item = g_object_ref (item);
  return item;
}

static void
lb_item_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lb_item_list_get_item_type;
  iface->get_n_items = lb_item_list_get_n_items;
  iface->get_item = lb_item_list_get_item;
}

static void
lb_item_list_dispose (GObject *object)
{
  LbItemList *self = LB_ITEM_LIST (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->store != NULL)
    {
      g_clear_signal_handler (&self->item_changed_id, self->store);
      g_clear_signal_handler (&self->items_added_id, self->store);
    }
  g_clear_object (&self->store);
  cache_clear (self);

  G_OBJECT_CLASS (lb_item_list_parent_class)->dispose (object);
}

static void
lb_item_list_finalize (GObject *object)
{
  LbItemList *self = LB_ITEM_LIST (object);

  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->changed_meanwhile, g_array_unref);
  g_free (self->actor);

  G_OBJECT_CLASS (lb_item_list_parent_class)->finalize (object);
}

static void
lb_item_list_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  LbItemList *self = LB_ITEM_LIST (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_int (value, self->filter);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->ids->len);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->load_cancellable != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_item_list_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  LbItemList *self = LB_ITEM_LIST (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      lb_item_list_set_filter (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_item_list_class_init (LbItemListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lb_item_list_dispose;
  object_class->finalize = lb_item_list_finalize;
  object_class->get_property = lb_item_list_get_property;
  object_class->set_property = lb_item_list_set_property;

  properties[PROP_FILTER] =
    g_param_spec_int ("filter", NULL, NULL, LB_ITEM_FILTER_ALL, LB_ITEM_FILTER_FLAGGED,
                      LB_ITEM_FILTER_ALL,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lb_item_list_init (LbItemList *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->changed_meanwhile = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
ids_loaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LbItemList) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) changed = NULL;
  GArray *ids;

  ids = lb_store_list_queue_ids_finish (LB_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* a newer load (another filter) or the list went away */
  if (ids == NULL)
    {
      g_warning ("Cannot list the items: %s", error->message);
      ids = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  g_clear_object (&self->load_cancellable);
  changed = g_steal_pointer (&self->changed_meanwhile);
  self->changed_meanwhile = g_array_new (FALSE, FALSE, sizeof (gint64));

  replace_ids (self, ids);

  /* The ids are of a snapshot taken some time after the load began:
   * look again at what changed meanwhile */
  for (guint i = 0; i < changed->len; i++)
    item_changed_cb (self->store, g_array_index (changed, gint64, i), self);
  if (self->added_meanwhile)
    {
      self->added_meanwhile = FALSE;
      items_added_cb (self->store, self->batch_id, self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Reads the ids for the current filter in a worker thread; the ids shown
 * until then stay. A list of all batches reads them at once (load_ids ()). */
static void
start_load (LbItemList *self)
{
  gboolean was_loading = self->load_cancellable != NULL;

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);

  if (self->batch_id == 0)
    {
      replace_ids (self, load_ids (self));
      if (was_loading)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
      return;
    }

  self->load_cancellable = g_cancellable_new ();
  lb_store_list_queue_ids_async (self->store, self->batch_id, self->actor, self->filter,
                                 self->load_cancellable, ids_loaded_cb, g_object_ref (self));
  if (!was_loading)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

LbItemList *
lb_item_list_new (LbStore      *store,
                  gint64        batch_id,
                  LbItemFilter  filter)
{
  LbItemList *self;

  g_return_val_if_fail (LB_IS_STORE (store), NULL);

  self = g_object_new (LB_TYPE_ITEM_LIST, NULL);
  self->store = g_object_ref (store);
  self->batch_id = batch_id;
  self->filter = filter;
  self->item_changed_id = g_signal_connect (store, "item-changed",
                                            G_CALLBACK (item_changed_cb), self);
  self->items_added_id = g_signal_connect (store, "items-added",
                                           G_CALLBACK (items_added_cb), self);
  start_load (self);
  return self;
}

LbItemList *
lb_item_list_new_for_actor (LbStore      *store,
                            gint64        batch_id,
                            const char   *actor,
                            LbItemFilter  filter)
{
  LbItemList *self;

  g_return_val_if_fail (LB_IS_STORE (store), NULL);
  g_return_val_if_fail (actor != NULL && *actor != '\0', NULL);

  self = g_object_new (LB_TYPE_ITEM_LIST, NULL);
  self->store = g_object_ref (store);
  self->batch_id = batch_id;
  self->filter = filter;
  self->actor = g_strdup (actor);
  self->item_changed_id = g_signal_connect (store, "item-changed",
                                            G_CALLBACK (item_changed_cb), self);
  self->items_added_id = g_signal_connect (store, "items-added",
                                           G_CALLBACK (items_added_cb), self);
  start_load (self);
  return self;
}

const char *
lb_item_list_get_actor (LbItemList *self)
{
  g_return_val_if_fail (LB_IS_ITEM_LIST (self), NULL);
  return self->actor;
}

LbStore *
lb_item_list_get_store (LbItemList *self)
{
  g_return_val_if_fail (LB_IS_ITEM_LIST (self), NULL);
  return self->store;
}

gint64
lb_item_list_get_batch_id (LbItemList *self)
{
  g_return_val_if_fail (LB_IS_ITEM_LIST (self), 0);
  return self->batch_id;
}

LbItemFilter
lb_item_list_get_filter (LbItemList *self)
{
  g_return_val_if_fail (LB_IS_ITEM_LIST (self), LB_ITEM_FILTER_ALL);
  return self->filter;
}

void
lb_item_list_set_filter (LbItemList   *self,
                         LbItemFilter  filter)
{
  g_return_if_fail (LB_IS_ITEM_LIST (self));

  if (self->filter == filter)
    return;
  self->filter = filter;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
  if (self->store != NULL)
    start_load (self);
}

gboolean
lb_item_list_get_loading (LbItemList *self)
{
  g_return_val_if_fail (LB_IS_ITEM_LIST (self), FALSE);
  return self->load_cancellable != NULL;
}

void
lb_item_list_set_pinned (LbItemList *self,
                         gint64      item_id)
{
  gint64 old;
  guint position;

  g_return_if_fail (LB_IS_ITEM_LIST (self));

  old = self->pinned;
  self->pinned = item_id;
  if (old == 0 || old == item_id || !_lb_ids_search (self->ids, old, &position))
    return;

  /* The pin moved on: the old item leaves if it is known to no longer match */
  {
    g_autoptr(LbItem) item = lb_store_get_item (self->store, old, NULL);

    if (item == NULL || item_matches (self, item))
      return;
  }
  cache_forget (self, old);
  g_array_remove_index (self->ids, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

gint64
lb_item_list_get_pinned (LbItemList *self)
{
  g_return_val_if_fail (LB_IS_ITEM_LIST (self), 0);

  return self->pinned;
}

gboolean
lb_item_list_find (LbItemList *self,
                   gint64      item_id,
                   guint      *position)
{
  guint pos = 0;

  g_return_val_if_fail (LB_IS_ITEM_LIST (self), FALSE);

  if (self->batch_id != 0)
    {
      if (!_lb_ids_search (self->ids, item_id, &pos))
        return FALSE;
    }
  else
    {
      guint i;

      for (i = 0; i < self->ids->len; i++)
        if (g_array_index (self->ids, gint64, i) == item_id)
          break;
      if (i == self->ids->len)
        return FALSE;
      pos = i;
    }

  if (position != NULL)
    *position = pos;
  return TRUE;
}
