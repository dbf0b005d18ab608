/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lb-store.h"
#include "lb-item.h"
#include "lb-image-canvas.h"
#include "lb-review-view.h"
#include "lb-dashboard.h"

G_BEGIN_DECLS

/* The annotator's window: the queue, the item and the panel.
 *
 * Actions (installed on the class, driven by keys, buttons and tests):
 *   win.pick         (s)  a hotkey, "label:ID" or "decision:ID"
 *   win.pick-reason  (s)  a reason id
 *   win.submit            Enter
 *   win.skip              Space
 *   win.undo              Ctrl+Z
 *   win.next / win.previous   J / K, Down / Up
 *   win.focus-note        Ctrl+N
 *   win.focus-reason      Ctrl+F
 *   win.filter       (s)  "todo", "done", "flagged", "all" (stateful; Ctrl+1..4)
 *   win.open-folder       Ctrl+O
 *   win.open-manifest     Ctrl+Shift+O
 *   win.open-demo
 *   win.accept-predictions   Ctrl+Shift+A (the item's pre-annotations)
 *   win.mode         (s)  "label", "review" (the lead's review, Ctrl+R) or
 *                         "quality" (the dashboard, Ctrl+D); Ctrl+L back to labelling
 */
#define LB_TYPE_WINDOW (lb_window_get_type ())
G_DECLARE_FINAL_TYPE (LbWindow, lb_window, LB, WINDOW, AdwApplicationWindow)

/* app may be NULL (tests) */
LbWindow     *lb_window_new                  (GtkApplication *app);
/* Settings are optional: window size, `actor` and `last-batch` are kept there. */
void          lb_window_set_settings         (LbWindow       *self,
                                              GSettings      *settings);
void          lb_window_set_store            (LbWindow       *self,
                                              LbStore        *store);
LbStore      *lb_window_get_store            (LbWindow       *self);
/* Shows an error page instead of the work area (e.g. the store cannot be opened). */
void          lb_window_show_error           (LbWindow       *self,
                                              const char     *title,
                                              const char     *message);
/* The store could not be opened: names the problem (in use, damaged, too new). */
void          lb_window_show_store_error     (LbWindow       *self,
                                              const GError   *error);
void          lb_window_show_welcome         (LbWindow       *self);

void          lb_window_set_actor            (LbWindow       *self,
                                              const char     *actor);
const char   *lb_window_get_actor            (LbWindow       *self);
/* Asks "Who is labelling?" once; the answer is saved in the settings. */
void          lb_window_ask_actor            (LbWindow       *self);

gboolean      lb_window_open_batch           (LbWindow       *self,
                                              gint64          batch_id,
                                              GError        **error);
gint64        lb_window_get_batch_id         (LbWindow       *self);
/* Imports a folder or manifest off the main thread, then opens the batch. */
/* Points the open batch at FOLDER, where its files are now ("Locate the
 * Batch Folder…" on an item whose image is missing), then shows the items
 * again from there; a refusal (none of the batch's images there) is a toast */
void          lb_window_relocate_batch       (LbWindow       *self,
                                              GFile          *folder);
void          lb_window_import               (LbWindow       *self,
                                              GFile          *file);
/* The same with a label config (a Label Studio XML labeling config or a
 * schema .json; NULL = none) as the batch's schema; the config's parts that
 * have no equivalent are listed in a dialog and by get_import_notes(); a
 * broken config is named with its line in a dialog and nothing is imported.
 * win.open-folder-with-config / win.open-manifest-with-config ask for the
 * config, then the folder or manifest, and call this. */
void          lb_window_import_with_config   (LbWindow       *self,
                                              GFile          *file,
                                              GFile          *config);
/* The folder of the bundled demo batch (LABELBENCH_DEMO_DIR, installed, source tree). */
char         *lb_window_get_demo_dir         (void);

/* What the window's key controller does with a typed character: TRUE when
 * it was one of the schema's hotkeys (then win.pick was activated). */
gboolean      lb_window_handle_hotkey        (LbWindow       *self,
                                              const char     *key);
GtkEventController *lb_window_get_key_controller (LbWindow   *self);
/* The region tool (B, P, Escape; the panel's tool buttons) */
void          lb_window_set_tool             (LbWindow       *self,
                                              LbCanvasTool    tool);

/* What the user sees, for tests */
LbItem       *lb_window_get_current_item     (LbWindow       *self);
const char   *lb_window_get_title_text       (LbWindow       *self);
const char   *lb_window_get_subtitle         (LbWindow       *self);
const char   *lb_window_get_save_state       (LbWindow       *self);
const char   *lb_window_get_message          (LbWindow       *self);
/* "welcome", "import", "error" or "work" */
const char   *lb_window_get_page             (LbWindow       *self);
const char   *lb_window_get_error_text       (LbWindow       *self);
const char * const *lb_window_get_rejections (LbWindow       *self);
/* The untranslated parts of the last import's label config, or NULL */
const char * const *lb_window_get_import_notes (LbWindow     *self);
guint         lb_window_get_n_pending        (LbWindow       *self);
gboolean      lb_window_get_importing        (LbWindow       *self);
GListModel   *lb_window_get_queue            (LbWindow       *self);
/* Whether the queue's ids are being read (the item to show comes after) */
gboolean      lb_window_get_queue_loading    (LbWindow       *self);
GtkWidget    *lb_window_get_panel            (LbWindow       *self);
GtkWidget    *lb_window_get_item_view        (LbWindow       *self);
LbReviewView *lb_window_get_review_view      (LbWindow       *self);
LbDashboard  *lb_window_get_dashboard        (LbWindow       *self);

G_END_DECLS
