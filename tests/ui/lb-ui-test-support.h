/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "lb-image-canvas.h"
#include "lb-item.h"
#include "lb-window.h"

G_BEGIN_DECLS

/* GTK-level helpers shared by the UI tests (tests/lb-test-support.h has the
 * engine-only ones). Like those, each fails the running test when
 * something goes wrong. */

/* A key as the annotator presses it: KEYS (e.g. the window's key
 * controller, lb_window_get_key_controller ()) gets "key-pressed" then
 * "key-released" with STATE; TRUE when it took the press. */
gboolean    lb_ui_test_press_key      (GtkEventController *keys,
                                       guint               keyval,
                                       GdkModifierType     state);

/* Copies the demo's FROM (relative to lb_window_get_demo_dir ()) to
 * DIR/TO */
void        lb_ui_test_copy_demo      (const char *from,
                                       const char *dir,
                                       const char *to);

/* A new LbWindow (the caller owns the reference: tear-down can check that
 * it is finalized), 1400 × 900 by default, on STORE (or NULL) as ACTOR;
 * not shown yet */
LbWindow   *lb_ui_test_new_window     (LbStore    *store,
                                       const char *actor);

/* Opens batch BATCH_ID in WINDOW; it must succeed. Returns when the
 * queue has loaded and its first item to do is shown. */
void        lb_ui_test_open_batch     (LbWindow *window,
                                       gint64    batch_id);

/* The header's subtitle (the progress, counted in a worker thread) becomes
 * EXPECTED within 20 s; the test fails with what it shows otherwise */
void        lb_ui_test_assert_subtitle (LbWindow   *window,
                                        const char *expected);

/* Runs the main context until WINDOW's queue has read its ids (a batch
 * opened, a filter or an annotator changed) and shown the item that follows */
void        lb_ui_test_wait_queue     (LbWindow *window);

/* Destroys WINDOW, lets GTK drop its references and checks that the
 * caller's reference was the last one (the window is finalized) */
void        lb_ui_test_destroy_window (GtkWindow *window);

/* WIDGET's own GtkGestureDrag on the primary button (the test fails if it
 * has none) */
GtkGesture *lb_ui_test_primary_drag   (GtkWidget *widget);

/* Presses CANVAS at the image point (X0, Y0), drags in four steps and
 * releases at (X1, Y1), through the canvas's press/drag/release handlers */
void        lb_ui_test_drag_image     (LbImageCanvas *canvas,
                                       double         x0,
                                       double         y0,
                                       double         x1,
                                       double         y1);

/* REGION is a box at (X, Y), W × H source pixels, give or take a pixel */
void        lb_ui_test_assert_box     (const LbRegion *region,
                                       double          x,
                                       double          y,
                                       double          w,
                                       double          h);

/* ROOT itself or the first widget of TYPE below it (depth first), or NULL */
GtkWidget  *lb_ui_test_find_widget    (GtkWidget *root,
                                       GType      type);

/* The GtkShortcutsShortcut titled TITLE at or below ROOT (a shortcuts
 * window), or NULL */
GtkWidget  *lb_ui_test_find_shortcut  (GtkWidget  *root,
                                       const char *title);

/* TRUE when a mapped GtkLabel reading exactly TEXT is ROOT or below it */
gboolean    lb_ui_test_find_label     (GtkWidget  *root,
                                       const char *text);

/* Runs the main context until lb_ui_test_find_label (ROOT, TEXT) holds;
 * the test fails if it does not within TIMEOUT_S seconds */
void        lb_ui_test_wait_label     (GtkWidget  *root,
                                       const char *text,
                                       guint       timeout_s);

/* LbTestCondition's for lb_test_wait_until (), DATA an LbWindow: nothing
 * left to save; no import running and the queue loaded; the item view
 * shows an image */
gboolean    lb_ui_test_nothing_pending (gpointer window);
gboolean    lb_ui_test_import_finished (gpointer window);
gboolean    lb_ui_test_image_shown     (gpointer window);

/* When $LB_SCREENSHOT_DIR is set: lets the screen settle SETTLE_MS, then
 * saves the whole screen to $LB_SCREENSHOT_DIR/NAME (ImageMagick's
 * import); a failure is only a test message */
void        lb_ui_test_screenshot     (const char *name,
                                       guint       settle_ms);

G_END_DECLS
