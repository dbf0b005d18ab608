/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Preferences (main menu, Ctrl+comma), bound to the app's GSettings:
 *   General  actor (your name), image-cache-mb
 *   Sync     sync-sink (None, Outbox folder, HTTP(S), PostgreSQL), sync-target (a
 *            folder chooser for the outbox, an entry for a URL or a libpq
 *            conninfo), sync-secret-file (a file chooser; the secret itself is
 *            never shown nor kept in the settings), sync-interval.
 *            Choosing another sink keeps sync-target only when the new sink
 *            can use it (lb_sync_config_new() takes it), else clears it: a
 *            URL never becomes the outbox folder (which then falls back to
 *            its default), a folder never the URL.
 * A key that is not writable (locked by an administrator, e.g. a dconf lock
 * or the keyfile backend's locks file) makes its row insensitive, with
 * "Set by your administrator". Text entries are written when applied (Enter
 * or the apply button), the rest at once. */
#define LB_TYPE_PREFERENCES (lb_preferences_get_type ())
G_DECLARE_FINAL_TYPE (LbPreferences, lb_preferences, LB, PREFERENCES, AdwPreferencesWindow)

LbPreferences *lb_preferences_new        (GtkWindow     *parent,
                                          GSettings     *settings);

/* The row that edits KEY ("actor", "image-cache-mb", "sync-sink",
 * "sync-target" (the one shown for the current sink), "sync-secret-file",
 * "sync-interval"), for tests; NULL for another key. */
GtkWidget     *lb_preferences_get_row    (LbPreferences *self,
                                          const char    *key);
/* What the secret file row's chooser does with the file it got */
void           lb_preferences_set_secret_file (LbPreferences *self,
                                               GFile         *file);
/* What the outbox row's folder chooser does with the folder it got */
void           lb_preferences_set_outbox (LbPreferences *self,
                                          GFile         *folder);

G_END_DECLS
