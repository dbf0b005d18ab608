/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-sync-http"
#include "config.h"

/* The HTTP(S) sink: each batch (at most 1000 events) is one
 *   POST TARGET
 *   Content-Type: application/x-ndjson
 *   Idempotency-Key: lb-SHA256     (SHA-256 over "UUID\n" of the batch's events:
 *                                   the same events give the same key)
 *   Authorization: Bearer SECRET   (when a secret is configured)
 *   X-Labelbench-Events: COUNT
 * whose body is the events' JSON lines (the format of
 * `labelbench-cli export --format jsonl`). The receiver must treat the event
 * UUID (or the key) as its idempotency key: after a crash or a lost answer
 * the same events are posted again.
 *
 * 2xx: confirmed. 5xx, 408, 429, timeouts and network errors: retried with
 * exponential backoff and full jitter. Any other status (redirects are not
 * followed: they would carry the token elsewhere): failing, reported
 * with the status and a short, sanitized excerpt of the body; not retried.
 * TLS certificates are always verified (the system's trust store); nothing
 * here turns that off. Plain http:// is refused (the token would travel in
 * clear text) unless the host is this computer: localhost, 127.0.0.0/8 or
 * ::1. The token appears in no log and no error message. */

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "lb-sync-private.h"

#define BODY_EXCERPT_CHARS 160

struct _LbSyncHttp {
  SoupSession   *session;
  GUri          *uri;
  char          *shown_uri;   /* for messages: no userinfo, no query */
  char          *secret;
  LbSyncOptions  options;
};

/* localhost, 127.0.0.0/8 or ::1: plain http:// stays on this computer (a
 * local forwarding agent, the tests' server) */
static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
_lb_sync_http_check_uri (GUri    *uri,
                         GError **error)
{
  const char *scheme = g_uri_get_scheme (uri);
  g_autofree char *lower_scheme = NULL;
  g_autofree char *lower_host = NULL;
  g_autofree char *shown = NULL;

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0 && host_is_loopback (g_uri_get_host (uri)))
    return TRUE;

  /* named as in the cursor's name: no user name, password, query or fragment */
  lower_scheme = g_ascii_strdown (scheme, -1);
  lower_host = g_uri_get_host (uri) != NULL ? g_ascii_strdown (g_uri_get_host (uri), -1) : NULL;
  shown = g_uri_join (G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, lower_scheme, NULL,
                      lower_host, g_uri_get_port (uri), g_uri_get_path (uri), NULL, NULL);
  /* Translators: %s is the URL, e.g. "http://pipeline.example.org/events" */
  g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
               _("The http sync target %s needs an https:// URL: plain http:// would send "
                 "the token and the events unencrypted, and is accepted only to this "
                 "computer (localhost, 127.0.0.1, ::1)"),
               shown);
  return FALSE;
}

LbSyncHttp *
_lb_sync_http_new (const LbSyncConfig  *config,
                   const LbSyncOptions *options,
                   GError             **error)
{
  g_autoptr(LbSyncHttp) http = g_new0 (LbSyncHttp, 1);
  g_autoptr(GError) local_error = NULL;

  http->options = *options;
  http->uri = g_uri_parse (config->target, SOUP_HTTP_URI_FLAGS, &local_error);
  if (http->uri == NULL)
    {
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_CONFIG,
                   _("The http sync target is not a URL: %s"), local_error->message);
      return NULL;
    }
  /* lb_sync_config_new() checked it too; a config may be built by hand */
  if (!_lb_sync_http_check_uri (http->uri, error))
    return NULL;
  http->shown_uri = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (http->uri), NULL,
                                g_uri_get_host (http->uri), g_uri_get_port (http->uri),
                                g_uri_get_path (http->uri), NULL, NULL);
  http->secret = g_strdup (config->secret);

  /* TLS: the default GTlsDatabase verifies every certificate, and no
   * "accept-certificate" handler is ever connected */
  http->session = soup_session_new_with_options ("timeout",
                                                 options->timeout_s ? options->timeout_s
                                                 : LB_SYNC_DEFAULT_HTTP_TIMEOUT,
                                                 "idle-timeout", 60,
                                                 "user-agent", "Labelbench/" PACKAGE_VERSION " ",
                                                 NULL);
  return g_steal_pointer (&http);
}

void
_lb_sync_http_free (LbSyncHttp *http)
{
  if (http == NULL)
    return;
  g_clear_object (&http->session);
  g_clear_pointer (&http->uri, g_uri_unref);
  g_free (http->shown_uri);
  if (http->secret != NULL)
    memset (http->secret, 0, strlen (http->secret));
  g_free (http->secret);
  g_free (http);
}

typedef enum {
  ATTEMPT_OK,
  ATTEMPT_RETRY,
  ATTEMPT_FAIL,
} AttemptResult;

static AttemptResult
post_once (LbSyncHttp         *http,
           const LbSyncBatch  *batch,
           const char         *key,
           GCancellable       *cancellable,
           char              **reason,
           GError            **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_POST, http->uri);
  g_autoptr(GBytes) body = g_bytes_new_static (batch->lines->str, batch->lines->len);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *count = g_strdup_printf ("%u", batch->count);
  guint status;

  /* a redirect is not followed (it would carry the token elsewhere): it is
   * reported like any other refusal */
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_set_request_body_from_bytes (msg, "application/x-ndjson", body);
  soup_message_headers_replace (headers, "Idempotency-Key", key);
  soup_message_headers_replace (headers, "X-Labelbench-Events", count);
  if (http->secret != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", http->secret, NULL);

      soup_message_headers_replace (headers, "Authorization", auth);
      memset (auth, 0, strlen (auth));
    }

  answer = soup_session_send_and_read (http->session, msg, cancellable, &local_error);
  if (answer == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return ATTEMPT_FAIL;
        }
      text = _lb_sync_sanitize_text (local_error->message, -1, BODY_EXCERPT_CHARS,
                                     http->secret);
      if (local_error->domain == G_TLS_ERROR)
        {
          g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED,
                       _("The TLS connection to %s failed: %s"), http->shown_uri, text);
          return ATTEMPT_FAIL;
        }
      *reason = g_strdup_printf (_("Cannot reach %s: %s"), http->shown_uri, text);
      return ATTEMPT_RETRY;
    }

  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return ATTEMPT_OK;

  {
    gsize len = 0;
    const char *data = g_bytes_get_data (answer, &len);
    g_autofree char *excerpt = _lb_sync_sanitize_text (data, len, BODY_EXCERPT_CHARS,
                                                       http->secret);
    g_autofree char *status_text = g_strdup_printf ("%u %s", status,
                                                    soup_message_get_reason_phrase (msg)
                                                    ? soup_message_get_reason_phrase (msg) : "");

    g_strchomp (status_text);
    if (status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT
        || status == 429 /* Too Many Requests */)
      {
        *reason = *excerpt != '\0'
                  ? g_strdup_printf (_("%s answered %s: %s"), http->shown_uri, status_text,
                                     excerpt)
                  : g_strdup_printf (_("%s answered %s"), http->shown_uri, status_text);
        return ATTEMPT_RETRY;
      }

    if (*excerpt != '\0')
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED,
                   _("%s refused events seq %lld–%lld with %s: %s"), http->shown_uri,
                   (long long) batch->first_seq, (long long) batch->last_seq,
                   status_text, excerpt);
    else
      g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_REJECTED,
                   _("%s refused events seq %lld–%lld with %s"), http->shown_uri,
                   (long long) batch->first_seq, (long long) batch->last_seq,
                   status_text);
    return ATTEMPT_FAIL;
  }
}

gboolean
_lb_sync_http_post (LbSyncHttp         *http,
                    const LbSyncBatch  *batch,
                    GCancellable       *cancellable,
                    GError            **error)
{
  g_autofree char *key = NULL;
  g_autofree char *reason = NULL;

  {
    GChecksum *sum = g_checksum_copy (batch->uuid_sum);

    key = g_strconcat ("lb-", g_checksum_get_string (sum), NULL);
    g_checksum_free (sum);
  }

  for (guint attempt = 0; attempt < http->options.max_attempts; attempt++)
    {
      if (attempt > 0)
        {
          guint delay = _lb_sync_backoff_ms (&http->options, attempt - 1);

          g_debug ("retrying in %u ms: %s", delay, reason);
          if (!_lb_sync_sleep (delay, cancellable, error))
            return FALSE;
        }
      g_clear_pointer (&reason, g_free);

      switch (post_once (http, batch, key, cancellable, &reason, error))
        {
        case ATTEMPT_OK:
          return TRUE;
        case ATTEMPT_FAIL:
          return FALSE;
        case ATTEMPT_RETRY:
        default:
          break;
        }
    }

  g_set_error (error, LB_SYNC_ERROR, LB_SYNC_ERROR_OFFLINE,
               g_dngettext (GETTEXT_PACKAGE, "%s (gave up after %u attempt)",
                            "%s (gave up after %u attempts)", http->options.max_attempts),
               reason, http->options.max_attempts);
  return FALSE;
}
