/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-syncer"
#include "config.h"

/* The app's background syncer: one thread runs lb_sync_run_once_full() at
 * start, every interval and on lb_syncer_sync_now(); a sink that cannot be
 * reached is tried again sooner, with backoff. The thread never touches the
 * GObject: it posts each change of status, pending count and message to the
 * main context the syncer was created on, where the properties change and
 * are notified. The main thread never waits on the network or the disk,
 * except in lb_syncer_stop() (and dispose), which cancels the current
 * attempt and joins the thread. */

#include <glib/gi18n.h>

#include "lb-sync-private.h"

#define MIN_RETRY_MS  1000

typedef struct {
  gatomicrefcount  ref_count;
  GMutex           mutex;
  GCond            cond;
  gboolean         stop;
  gboolean         wake_sync;
  gboolean         wake_count;
  guint            interval;       /* seconds */
  GCancellable    *cancellable;
  LbStore         *store;
  LbSyncConfig    *config;
  GMainContext    *context;
  GWeakRef         syncer;
} Shared;

struct _LbSyncer {
  GObject       parent_instance;

  Shared       *shared;
  GThread      *thread;
  GSettings    *settings;
  gulong        item_changed_id;

  LbSyncStatus  status;
  guint64       pending;
  char         *message;
};

G_DEFINE_FINAL_TYPE (LbSyncer, lb_syncer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_PENDING,
  PROP_MESSAGE,
  PROP_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (!g_atomic_ref_count_dec (&shared->ref_count))
    return;
  g_mutex_clear (&shared->mutex);
  g_cond_clear (&shared->cond);
  g_clear_object (&shared->cancellable);
  g_clear_object (&shared->store);
  lb_sync_config_free (shared->config);
  g_main_context_unref (shared->context);
  g_weak_ref_clear (&shared->syncer);
  g_free (shared);
}

/* Posting to the main context */

typedef struct {
  Shared       *shared;
  gboolean      has_status;
  LbSyncStatus  status;
  gboolean      has_pending;
  guint64       pending;
  char         *message;   /* with has_status */
} Update;

static void
update_free (gpointer data)
{
  Update *u = data;

  shared_unref (u->shared);
  g_free (u->message);
  g_free (u);
}

static gboolean
apply_update_cb (gpointer data)
{
  Update *u = data;
  g_autoptr(LbSyncer) self = g_weak_ref_get (&u->shared->syncer);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_object_freeze_notify (G_OBJECT (self));
  if (u->has_pending && self->pending != u->pending)
    {
      self->pending = u->pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
  if (u->has_status)
    {
      if (g_strcmp0 (self->message, u->message) != 0)
        {
          g_free (self->message);
          self->message = g_strdup (u->message);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
        }
      if (self->status != u->status)
        {
          self->status = u->status;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
        }
    }
  /* a pending count while synced means pending */
  if (!u->has_status && u->has_pending)
    {
      LbSyncStatus want = self->status;

      if (self->status == LB_SYNC_STATUS_SYNCED && u->pending > 0)
        want = LB_SYNC_STATUS_PENDING;
      else if (self->status == LB_SYNC_STATUS_PENDING && u->pending == 0)
        want = LB_SYNC_STATUS_SYNCED;
      if (want != self->status)
        {
          self->status = want;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
        }
    }
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_REMOVE;
}

static void
post_update (Shared       *shared,
             gboolean      has_status,
             LbSyncStatus  status,
             const char   *message,
             gboolean      has_pending,
             guint64       pending)
{
  Update *u = g_new0 (Update, 1);

  u->shared = shared_ref (shared);
  u->has_status = has_status;
  u->status = status;
  u->message = g_strdup (message);
  u->has_pending = has_pending;
  u->pending = pending;
  /* not g_main_context_invoke(): from a thread without a context of its own
   * it would run the callback right here when the context is the default one */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, apply_update_cb, u, update_free);
    g_source_set_static_name (source, "[lb-syncer] update");
    g_source_attach (source, shared->context);
    g_source_unref (source);
  }
}

static gboolean
count_pending (Shared  *shared,
               guint64 *pending)
{
  g_autoptr(GError) error = NULL;

  *pending = lb_sync_count_pending (shared->store, shared->config, &error);
  if (error != NULL)
    {
      post_update (shared, TRUE, LB_SYNC_STATUS_FAILING, error->message, FALSE, 0);
      return FALSE;
    }
  return TRUE;
}

/* The thread */

static gpointer
sync_thread (gpointer data)
{
  Shared *shared = data;
  const LbSyncOptions one_attempt = { .max_attempts = 1 };
  LbSyncOptions options;
  guint attempt = 0;

  /* one attempt per run: the loop below retries, showing "offline" meanwhile */
  _lb_sync_options_resolve (&one_attempt, &options);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      guint64 pending = 0;
      gint64 wait_ms;
      gint64 deadline;
      gint64 interval_ms;

      g_mutex_lock (&shared->mutex);
      interval_ms = (gint64) shared->interval * 1000;
      shared->wake_sync = FALSE;
      shared->wake_count = FALSE;
      if (shared->stop)
        {
          g_mutex_unlock (&shared->mutex);
          break;
        }
      g_mutex_unlock (&shared->mutex);

      if (count_pending (shared, &pending) && pending > 0)
        post_update (shared, TRUE, LB_SYNC_STATUS_PENDING, NULL, TRUE, pending);

      if (lb_sync_run_once_full (shared->store, shared->config, &options, NULL,
                                 shared->cancellable, &error))
        {
          attempt = 0;
          if (count_pending (shared, &pending))
            post_update (shared, TRUE,
                         pending > 0 ? LB_SYNC_STATUS_PENDING : LB_SYNC_STATUS_SYNCED,
                         NULL, TRUE, pending);
          wait_ms = interval_ms;
        }
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          wait_ms = 0;   /* stopping */
        }
      else if (g_error_matches (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE))
        {
          count_pending (shared, &pending);
          post_update (shared, TRUE, LB_SYNC_STATUS_OFFLINE, error->message, TRUE, pending);
          wait_ms = MAX (MIN_RETRY_MS, _lb_sync_backoff_ms (&options, attempt));
          wait_ms = MIN (wait_ms, MAX (interval_ms, MIN_RETRY_MS));
          attempt++;
        }
      else
        {
          count_pending (shared, &pending);
          post_update (shared, TRUE, LB_SYNC_STATUS_FAILING, error->message, TRUE, pending);
          g_message ("sync to %s failing: %s", shared->config->name, error->message);
          wait_ms = interval_ms;
          attempt++;
        }

      /* wait for the interval, a sync-now or a stop; recount on new events */
      deadline = g_get_monotonic_time () + wait_ms * 1000;
      g_mutex_lock (&shared->mutex);
      while (!shared->stop && !shared->wake_sync)
        {
          if (shared->wake_count)
            {
              shared->wake_count = FALSE;
              g_mutex_unlock (&shared->mutex);
              if (count_pending (shared, &pending))
                post_update (shared, FALSE, 0, NULL, TRUE, pending);
              g_mutex_lock (&shared->mutex);
              continue;
            }
          if (!g_cond_wait_until (&shared->cond, &shared->mutex, deadline))
            break;
        }
      g_mutex_unlock (&shared->mutex);
    }

  shared_unref (shared);
  return NULL;
}

/* The object */

static void
item_changed_cb (LbStore  *store,
                 gint64    item_id,
                 LbSyncer *self)
{
  Shared *shared = self->shared;

  g_mutex_lock (&shared->mutex);
  shared->wake_count = TRUE;
  g_cond_signal (&shared->cond);
  g_mutex_unlock (&shared->mutex);
}

static void
lb_syncer_dispose (GObject *object)
{
  LbSyncer *self = LB_SYNCER (object);

  lb_syncer_stop (self);
  if (self->item_changed_id != 0)
    g_clear_signal_handler (&self->item_changed_id, self->shared->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (lb_syncer_parent_class)->dispose (object);
}

static void
lb_syncer_finalize (GObject *object)
{
  LbSyncer *self = LB_SYNCER (object);

  g_weak_ref_set (&self->shared->syncer, NULL);
  shared_unref (self->shared);
  g_free (self->message);

  G_OBJECT_CLASS (lb_syncer_parent_class)->finalize (object);
}

static void
lb_syncer_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LbSyncer *self = LB_SYNCER (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_PENDING:
      g_value_set_uint64 (value, self->pending);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, lb_syncer_get_interval (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_syncer_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  LbSyncer *self = LB_SYNCER (object);

  switch (prop_id)
    {
    case PROP_INTERVAL:
      lb_syncer_set_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lb_syncer_class_init (LbSyncerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lb_syncer_dispose;
  object_class->finalize = lb_syncer_finalize;
  object_class->get_property = lb_syncer_get_property;
  object_class->set_property = lb_syncer_set_property;

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, LB_TYPE_SYNC_STATUS, LB_SYNC_STATUS_PENDING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING] =
    g_param_spec_uint64 ("pending", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 1, 86400, 30,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lb_syncer_init (LbSyncer *self)
{
  self->status = LB_SYNC_STATUS_PENDING;
}

LbSyncer *
lb_syncer_new (LbStore            *store,
               const LbSyncConfig *config)
{
  LbSyncer *self;
  Shared *shared;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  g_return_val_if_fail (LB_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (LB_TYPE_SYNCER, NULL);
  shared = g_new0 (Shared, 1);
  g_atomic_ref_count_init (&shared->ref_count);
  g_mutex_init (&shared->mutex);
  g_cond_init (&shared->cond);
  shared->interval = 30;
  shared->cancellable = g_cancellable_new ();
  shared->store = g_object_ref (store);
  shared->config = lb_sync_config_copy (config);
  shared->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&shared->syncer, self);
  self->shared = shared;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "sync-interval"))
    {
      self->settings = g_settings_new (APP_ID);
      g_settings_bind (self->settings, "sync-interval", self, "interval", G_SETTINGS_BIND_GET);
    }

  self->item_changed_id = g_signal_connect (store, "item-changed",
                                            G_CALLBACK (item_changed_cb), self);
  return self;
}

void
lb_syncer_set_interval (LbSyncer *self,
                        guint     seconds)
{
  Shared *shared;

  g_return_if_fail (LB_IS_SYNCER (self));
  g_return_if_fail (seconds > 0);

  shared = self->shared;
  g_mutex_lock (&shared->mutex);
  if (shared->interval == seconds)
    {
      g_mutex_unlock (&shared->mutex);
      return;
    }
  shared->interval = seconds;
  g_cond_signal (&shared->cond);
  g_mutex_unlock (&shared->mutex);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

guint
lb_syncer_get_interval (LbSyncer *self)
{
  guint interval;

  g_return_val_if_fail (LB_IS_SYNCER (self), 0);

  g_mutex_lock (&self->shared->mutex);
  interval = self->shared->interval;
  g_mutex_unlock (&self->shared->mutex);
  return interval;
}

void
lb_syncer_start (LbSyncer *self)
{
  g_return_if_fail (LB_IS_SYNCER (self));

  if (self->thread != NULL)
    return;
  g_mutex_lock (&self->shared->mutex);
  self->shared->stop = FALSE;
  g_mutex_unlock (&self->shared->mutex);
  self->thread = g_thread_new ("lb-syncer", sync_thread, shared_ref (self->shared));
}

void
lb_syncer_stop (LbSyncer *self)
{
  Shared *shared;

  g_return_if_fail (LB_IS_SYNCER (self));

  if (self->thread == NULL)
    return;
  shared = self->shared;
  g_mutex_lock (&shared->mutex);
  shared->stop = TRUE;
  g_cond_signal (&shared->cond);
  g_mutex_unlock (&shared->mutex);
  g_cancellable_cancel (shared->cancellable);

  g_thread_join (g_steal_pointer (&self->thread));

  /* ready for another start */
  g_object_unref (shared->cancellable);
  shared->cancellable = g_cancellable_new ();
}

void
lb_syncer_sync_now (LbSyncer *self)
{
  g_return_if_fail (LB_IS_SYNCER (self));

  if (self->thread == NULL)
    {
      lb_syncer_start (self);
      return;
    }
  g_mutex_lock (&self->shared->mutex);
  self->shared->wake_sync = TRUE;
  g_cond_signal (&self->shared->cond);
  g_mutex_unlock (&self->shared->mutex);
}

LbSyncStatus
lb_syncer_get_status (LbSyncer *self)
{
  g_return_val_if_fail (LB_IS_SYNCER (self), LB_SYNC_STATUS_FAILING);
  return self->status;
}

guint64
lb_syncer_get_pending (LbSyncer *self)
{
  g_return_val_if_fail (LB_IS_SYNCER (self), 0);
  return self->pending;
}

const char *
lb_syncer_get_message (LbSyncer *self)
{
  g_return_val_if_fail (LB_IS_SYNCER (self), NULL);
  return self->message;
}

const LbSyncConfig *
lb_syncer_get_config (LbSyncer *self)
{
  g_return_val_if_fail (LB_IS_SYNCER (self), NULL);
  return self->shared->config;
}
