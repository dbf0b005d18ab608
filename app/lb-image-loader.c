/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-image-loader"
#include "config.h"

#include "lb-image-loader.h"

/* Decoding runs in a GThreadPool. Every push into the pool is a token: a
 * worker takes the next job from our own two queues, loads before
 * prefetches, so a prefetch asked for earlier never delays an image the
 * user is waiting for, and a queued prefetch that becomes a load moves up.
 *
 * Identical requests in flight share one job (one decode). Results go to
 * the caller's thread-default main context through GTask. One mutex guards
 * the cache, the LRU list, the in-flight table and the queues; it is never
 * held while decoding, so lookup() never waits for a decode. */

typedef struct
{
  char  *path;
  guint  width;
  guint  height;
} Key;

typedef struct
{
  Key       key;
  LbImage  *image;
  gsize     bytes;
  GList     lru_link;  /* in self->lru; data = the entry */
} CacheEntry;

typedef enum {
  JOB_QUEUED_LOAD,
  JOB_QUEUED_PREFETCH,
  JOB_RUNNING,
} JobState;

typedef struct
{
  Key        key;
  JobState   state;
  GList      queue_link;  /* in loads or prefetches while queued */
  GPtrArray *waiters;     /* Waiter*, owned */
} Job;

typedef struct
{
  GTask   *task;
  GSource *cancel_source;
} Waiter;

/* Everything the workers touch. Refcounted apart from the GObject: each
 * token in the pool holds a ref, so a worker still decoding when the loader
 * goes away finds its state alive, and finalize never waits for a decode. */
typedef struct
{
  gint         ref_count;   /* atomic */
  gsize        budget;

  GMutex       mutex;
  GHashTable  *cache;       /* Key* -> CacheEntry* (owns) */
  GQueue       lru;         /* head = most recently used */
  gsize        cached_bytes;
  GHashTable  *jobs;        /* Key* -> Job* (owns) */
  GQueue       loads;       /* Job*, FIFO */
  GQueue       prefetches;  /* Job*, FIFO */
  char        *root;        /* the batch folder decodes must stay in, or NULL */
} LoaderState;

struct _LbImageLoader
{
  GObject      parent_instance;

  GThreadPool *pool;
  LoaderState *state;
};

G_DEFINE_FINAL_TYPE (LbImageLoader, lb_image_loader, G_TYPE_OBJECT)

static guint
key_hash (gconstpointer data)
{
  const Key *key = data;

  return g_str_hash (key->path) ^ (key->width * 2654435761u) ^ (key->height * 40503u);
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  const Key *ka = a, *kb = b;

  return ka->width == kb->width && ka->height == kb->height && g_str_equal (ka->path, kb->path);
}

static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;

  lb_image_unref (entry->image);
  g_free (entry->key.path);
  g_free (entry);
}

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_object_unref (waiter->task);
  g_free (waiter);
}

static void
job_free (gpointer data)
{
  Job *job = data;

  g_ptr_array_unref (job->waiters);
  g_free (job->key.path);
  g_free (job);
}

/* Called with the mutex held */
static void
evict_locked (LoaderState   *self)
{
  while (self->cached_bytes > self->budget && self->lru.tail != NULL)
    {
      CacheEntry *entry = self->lru.tail->data;

      g_queue_unlink (&self->lru, &entry->lru_link);
      self->cached_bytes -= entry->bytes;
      g_hash_table_remove (self->cache, &entry->key);
    }
}

/* Called with the mutex held */
static void
cache_insert_locked (LoaderState   *self,
                     const Key     *key,
                     LbImage       *image)
{
  CacheEntry *entry;
  gsize bytes = lb_image_get_byte_size (image);

  if (bytes > self->budget)
    return;  /* handed to the waiters, not kept */

  entry = g_hash_table_lookup (self->cache, key);
  if (entry != NULL)
    {
      g_queue_unlink (&self->lru, &entry->lru_link);
      self->cached_bytes -= entry->bytes;
      g_hash_table_remove (self->cache, key);
    }

  entry = g_new0 (CacheEntry, 1);
  entry->key.path = g_strdup (key->path);
  entry->key.width = key->width;
  entry->key.height = key->height;
  entry->image = lb_image_ref (image);
  entry->bytes = bytes;
  entry->lru_link.data = entry;
  g_hash_table_insert (self->cache, &entry->key, entry);
  g_queue_push_head_link (&self->lru, &entry->lru_link);
  self->cached_bytes += bytes;
  evict_locked (self);
}

/* Called with the mutex held; returns a new ref or NULL */
static LbImage *
cache_lookup_locked (LoaderState   *self,
                     const Key     *key)
{
  CacheEntry *entry = g_hash_table_lookup (self->cache, key);

  if (entry == NULL)
    return NULL;
  g_queue_unlink (&self->lru, &entry->lru_link);
  g_queue_push_head_link (&self->lru, &entry->lru_link);
  return lb_image_ref (entry->image);
}

static LoaderState *
loader_state_ref (LoaderState *state)
{
  g_atomic_int_inc (&state->ref_count);
  return state;
}

static void
loader_state_unref (gpointer data)
{
  LoaderState *state = data;

  if (!g_atomic_int_dec_and_test (&state->ref_count))
    return;

  /* Jobs left are prefetches whose tokens were dropped (a pending load
   * holds a ref on the loader through its GTask, so it ran) */
  g_queue_clear (&state->loads);
  g_queue_clear (&state->prefetches);
  g_hash_table_unref (state->jobs);
  g_queue_init (&state->lru);
  g_hash_table_unref (state->cache);
  g_free (state->root);
  g_mutex_clear (&state->mutex);
  g_free (state);
}

/* Pool function; @data is a token: a ref on the state */
static void
worker_cb (gpointer data,
           gpointer user_data)
{
  LoaderState *self = data;
  g_autoptr(LbImage) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiters = NULL;
  g_autofree char *root = NULL;
  GList *link;
  Job *job;

  g_mutex_lock (&self->mutex);
  link = g_queue_pop_head_link (&self->loads);
  if (link == NULL)
    link = g_queue_pop_head_link (&self->prefetches);
  if (link == NULL)
    {
      g_mutex_unlock (&self->mutex);
      loader_state_unref (self);
      return;
    }
  job = link->data;
  job->state = JOB_RUNNING;
  root = g_strdup (self->root);
  g_mutex_unlock (&self->mutex);

  /* The job stays in the in-flight table, so nobody frees it meanwhile */
  image = lb_image_decode_file_within (root, job->key.path, job->key.width, job->key.height,
                                       lb_image_limits_default (), &error);

  g_mutex_lock (&self->mutex);
  if (image != NULL)
    cache_insert_locked (self, &job->key, image);
  waiters = g_steal_pointer (&job->waiters);
  job->waiters = g_ptr_array_new ();
  g_hash_table_remove (self->jobs, &job->key);  /* frees job */
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      if (image != NULL)
        g_task_return_pointer (waiter->task, lb_image_ref (image),
                               (GDestroyNotify) lb_image_unref);
      else
        g_task_return_error (waiter->task, g_error_copy (error));
    }
  if (error != NULL && waiters->len == 0)
    g_debug ("prefetch failed: %s", error->message);
  /* unreffing waiters drops their cancel sources and our task refs */
  g_clear_pointer (&waiters, g_ptr_array_unref);
  loader_state_unref (self);
}

static void
lb_image_loader_finalize (GObject *object)
{
  LbImageLoader *self = LB_IMAGE_LOADER (object);

  /* Queued tokens are dropped (and unref the state); a decode under way
   * finishes on its own, into a state nobody looks at any more. */
  g_thread_pool_free (self->pool, TRUE, FALSE);
  loader_state_unref (self->state);

  G_OBJECT_CLASS (lb_image_loader_parent_class)->finalize (object);
}

static void
lb_image_loader_class_init (LbImageLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lb_image_loader_finalize;
}

static void
lb_image_loader_init (LbImageLoader *self)
{
  LoaderState *state = g_new0 (LoaderState, 1);

  state->ref_count = 1;
  g_mutex_init (&state->mutex);
  state->cache = g_hash_table_new_full (key_hash, key_equal, NULL, cache_entry_free);
  state->jobs = g_hash_table_new_full (key_hash, key_equal, NULL, job_free);
  g_queue_init (&state->lru);
  g_queue_init (&state->loads);
  g_queue_init (&state->prefetches);
  self->state = state;
}

/**
 * lb_image_loader_new:
 * @budget_bytes: memory the cache may hold (pixels and bookkeeping)
 * @n_threads: decoding threads, 0 = one per processor
 */
LbImageLoader *
lb_image_loader_new (gsize budget_bytes,
                     guint n_threads)
{
  LbImageLoader *self = g_object_new (LB_TYPE_IMAGE_LOADER, NULL);
  g_autoptr(GError) error = NULL;

  if (n_threads == 0)
    n_threads = MAX (1, g_get_num_processors ());
  self->state->budget = budget_bytes;
  self->pool = g_thread_pool_new_full (worker_cb, NULL, loader_state_unref, n_threads, FALSE,
                                       &error);
  if (self->pool == NULL)
    g_error ("could not create the image decoding threads: %s", error->message);
  return self;
}

LbImage *
lb_image_loader_lookup (LbImageLoader *self,
                        const char    *path,
                        guint          target_width,
                        guint          target_height)
{
  Key key = { (char *) path, target_width, target_height };
  LbImage *image;

  g_return_val_if_fail (LB_IS_IMAGE_LOADER (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  g_mutex_lock (&self->state->mutex);
  image = cache_lookup_locked (self->state, &key);
  g_mutex_unlock (&self->state->mutex);
  return image;
}

gsize
lb_image_loader_get_cached_bytes (LbImageLoader *self)
{
  gsize bytes;

  g_return_val_if_fail (LB_IS_IMAGE_LOADER (self), 0);

  g_mutex_lock (&self->state->mutex);
  bytes = self->state->cached_bytes;
  g_mutex_unlock (&self->state->mutex);
  return bytes;
}

void
lb_image_loader_set_root (LbImageLoader *self,
                          const char    *root)
{
  g_return_if_fail (LB_IS_IMAGE_LOADER (self));

  g_mutex_lock (&self->state->mutex);
  g_free (self->state->root);
  self->state->root = g_strdup (root);
  g_mutex_unlock (&self->state->mutex);
}

/* Called with the mutex held: a new queued job, and a token in the pool */
static Job *
job_new_locked (LbImageLoader *loader,
                const Key     *key,
                gboolean       prefetch)
{
  LoaderState *self = loader->state;
  Job *job = g_new0 (Job, 1);

  job->key.path = g_strdup (key->path);
  job->key.width = key->width;
  job->key.height = key->height;
  job->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  job->queue_link.data = job;
  job->state = prefetch ? JOB_QUEUED_PREFETCH : JOB_QUEUED_LOAD;
  g_queue_push_tail_link (prefetch ? &self->prefetches : &self->loads, &job->queue_link);
  g_hash_table_insert (self->jobs, &job->key, job);
  g_thread_pool_push (loader->pool, loader_state_ref (self), NULL);
  return job;
}

/* Runs on the caller's context when the cancellable fires */
static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  LbImageLoader *self = g_task_get_source_object (task);
  Key *key = g_task_get_task_data (task);
  Waiter *found = NULL;
  Job *job;

  g_mutex_lock (&self->state->mutex);
  job = g_hash_table_lookup (self->state->jobs, key);
  if (job != NULL)
    {
      for (guint i = 0; i < job->waiters->len; i++)
        {
          Waiter *waiter = g_ptr_array_index (job->waiters, i);

          if (waiter->task == task)
            {
              found = g_ptr_array_steal_index (job->waiters, i);
              break;
            }
        }
      /* Nobody waits any more: finish it as a prefetch (into the cache) */
      if (found && job->waiters->len == 0 && job->state == JOB_QUEUED_LOAD)
        {
          g_queue_unlink (&self->state->loads, &job->queue_link);
          g_queue_push_tail_link (&self->state->prefetches, &job->queue_link);
          job->state = JOB_QUEUED_PREFETCH;
        }
    }
  g_mutex_unlock (&self->state->mutex);

  if (found != NULL)
    {
      g_task_return_error_if_cancelled (found->task);
      waiter_free (found);
    }
  return G_SOURCE_REMOVE;
}

static void
key_free (gpointer data)
{
  Key *key = data;

  g_free (key->path);
  g_free (key);
}

void
lb_image_loader_load_async (LbImageLoader       *self,
                            const char          *path,
                            guint                target_width,
                            guint                target_height,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Key key = { (char *) path, target_width, target_height };
  Key *task_key;
  LbImage *image;
  Waiter *waiter;
  Job *job;

  g_return_if_fail (LB_IS_IMAGE_LOADER (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lb_image_loader_load_async);
  task_key = g_new0 (Key, 1);
  task_key->path = g_strdup (path);
  task_key->width = target_width;
  task_key->height = target_height;
  g_task_set_task_data (task, task_key, key_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->state->mutex);
  image = cache_lookup_locked (self->state, &key);
  if (image != NULL)
    {
      g_mutex_unlock (&self->state->mutex);
      g_task_return_pointer (task, image, (GDestroyNotify) lb_image_unref);
      return;
    }

  job = g_hash_table_lookup (self->state->jobs, &key);
  if (job == NULL)
    {
      job = job_new_locked (self, &key, FALSE);
    }
  else if (job->state == JOB_QUEUED_PREFETCH)
    {
      /* someone waits for it now */
      g_queue_unlink (&self->state->prefetches, &job->queue_link);
      g_queue_push_tail_link (&self->state->loads, &job->queue_link);
      job->state = JOB_QUEUED_LOAD;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->task = g_object_ref (task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (waiter_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_set_priority (waiter->cancel_source, G_PRIORITY_DEFAULT);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }
  g_ptr_array_add (job->waiters, waiter);
  g_mutex_unlock (&self->state->mutex);
}

LbImage *
lb_image_loader_load_finish (LbImageLoader  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (LB_IS_IMAGE_LOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == lb_image_loader_load_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
lb_image_loader_prefetch (LbImageLoader *self,
                          const char    *path,
                          guint          target_width,
                          guint          target_height)
{
  Key key = { (char *) path, target_width, target_height };
  LoaderState *state;

  g_return_if_fail (LB_IS_IMAGE_LOADER (self));
  g_return_if_fail (path != NULL);

  state = self->state;
  g_mutex_lock (&state->mutex);
  if (!g_hash_table_contains (state->cache, &key) && !g_hash_table_contains (state->jobs, &key))
    job_new_locked (self, &key, TRUE);
  g_mutex_unlock (&state->mutex);
}
