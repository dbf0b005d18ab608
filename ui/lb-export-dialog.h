/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "lb-store.h"

G_BEGIN_DECLS

/* The Export dialog (main menu "Export…", Ctrl+E): a format, which items
 * (the current batch or all batches, optionally only those changed since a
 * day), and where to write (a file, or a folder for the folder formats).
 * The export runs in a thread with a progress bar and Cancel; success closes
 * the dialog with a toast "Exported N items to PATH" and an "Open Folder"
 * button (with warnings, e.g. missing images, the dialog stays open listing
 * them); a failure is shown in the dialog, naming the file and the problem.
 *
 * Actions (installed on the class; the buttons use them, tests too):
 *   export.start    runs the export (enabled when not running and an output is set)
 *   export.cancel   cancels a running export, or closes the dialog
 *   export.choose   opens the file chooser for the output */
#define LB_TYPE_EXPORT_DIALOG (lb_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LbExportDialog, lb_export_dialog, LB, EXPORT_DIALOG, AdwWindow)

/* BATCH_ID 0: no current batch (only "all batches" is offered). TOASTS (may
 * be NULL) is where the success toast goes, normally the main window's. */
LbExportDialog *lb_export_dialog_new          (GtkWindow       *parent,
                                               AdwToastOverlay *toasts,
                                               LbStore         *store,
                                               gint64           batch_id);

/* Selects the format in the format list (what a click on its row does);
 * FALSE if there is no such format. */
gboolean     lb_export_dialog_set_format      (LbExportDialog  *self,
                                               const char      *format);
const char  *lb_export_dialog_get_format      (LbExportDialog  *self);
/* TRUE: all batches; FALSE: the current batch */
void         lb_export_dialog_set_all_batches (LbExportDialog  *self,
                                               gboolean         all);
/* Only items changed since the start of that day (local time); NULL: all */
void         lb_export_dialog_set_since       (LbExportDialog  *self,
                                               GDateTime       *day);
/* Only the items a lead accepted or fixed (item formats; the switch is
 * insensitive for the event log and bundles) */
void         lb_export_dialog_set_reviewed_only (LbExportDialog *self,
                                                 gboolean        reviewed_only);
gboolean     lb_export_dialog_get_reviewed_only_sensitive (LbExportDialog *self);
/* The output file or folder, as the file chooser sets it */
void         lb_export_dialog_set_output      (LbExportDialog  *self,
                                               GFile           *file);
GFile       *lb_export_dialog_get_output      (LbExportDialog  *self);

/* What the user sees, for tests */
gboolean     lb_export_dialog_get_running     (LbExportDialog  *self);
/* "options" or "progress" */
const char  *lb_export_dialog_get_page        (LbExportDialog  *self);
/* the progress bar's fraction and text */
double       lb_export_dialog_get_fraction    (LbExportDialog  *self);
/* the error shown in the dialog, or NULL */
const char  *lb_export_dialog_get_error_text  (LbExportDialog  *self);
/* the success toast's text once the export finished, or NULL */
const char  *lb_export_dialog_get_result_text (LbExportDialog  *self);
/* the warnings shown in the dialog after an export that succeeded with
 * warnings (the dialog then stays open), or NULL */
const char  *lb_export_dialog_get_warnings_text (LbExportDialog *self);
/* TRUE once the progress page was shown for the last export */
gboolean     lb_export_dialog_get_progress_shown (LbExportDialog *self);

G_END_DECLS
