/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lb-store.h"
#include "lb-sync.h"

G_BEGIN_DECLS

/* The sync state in the header bar: a compact button (icon and "Synced",
 * "N pending", "Offline" or "Sync failing") whose popover gives the reason,
 * the last successful sync, the sink and its target (never the secret) and
 * "Sync Now".
 *
 * It owns the background LbSyncer: once it has a store and the settings and
 * sync-sink is not "none", it reads the configuration (the secret file in a
 * thread), creates the syncer and starts it; a change of sync-sink,
 * sync-target, sync-secret-file or sync-interval restarts it; a store set to
 * NULL (the window closing) stops it. Hidden while sync is off. */
#define LB_TYPE_SYNC_INDICATOR (lb_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (LbSyncIndicator, lb_sync_indicator, LB, SYNC_INDICATOR, GtkWidget)

GtkWidget   *lb_sync_indicator_new          (void);
void         lb_sync_indicator_set_store    (LbSyncIndicator *self,
                                             LbStore         *store);
void         lb_sync_indicator_set_settings (LbSyncIndicator *self,
                                             GSettings       *settings);
/* Stops the syncer (joins its thread); the window calls it when closing */
void         lb_sync_indicator_stop         (LbSyncIndicator *self);
/* What "Sync Now" does */
void         lb_sync_indicator_sync_now     (LbSyncIndicator *self);

/* What the user sees, for tests */
LbSyncer    *lb_sync_indicator_get_syncer   (LbSyncIndicator *self);
/* the button's text ("Synced", "12 pending", "Offline", "Sync failing") */
const char  *lb_sync_indicator_get_label    (LbSyncIndicator *self);
/* the popover's reason line, or NULL */
const char  *lb_sync_indicator_get_reason   (LbSyncIndicator *self);
/* the popover's "Sink" and "Target" values */
const char  *lb_sync_indicator_get_sink_text   (LbSyncIndicator *self);
const char  *lb_sync_indicator_get_target_text (LbSyncIndicator *self);
/* TRUE once the last successful sync time is known */
gboolean     lb_sync_indicator_get_has_synced  (LbSyncIndicator *self);
void         lb_sync_indicator_popup        (LbSyncIndicator *self);

G_END_DECLS
