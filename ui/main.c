/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "labelbench"
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "lb-application.h"

int main (int argc, char **argv);

int
main (int    argc,
      char **argv)
{
  g_autoptr(LbApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* LABELBENCH_LOCALEDIR: the translations of a build tree (build-aux/run-demo) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("LABELBENCH_LOCALEDIR") != NULL
                                     ? g_getenv ("LABELBENCH_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Labelbench"));
  app = lb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
