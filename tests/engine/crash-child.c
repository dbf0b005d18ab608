/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "crash-child"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "lb-store.h"

/* Labels items of the store in a loop until killed. After each act's
 * lb_store_submit() returned, prints "ACT <item id> <note> <last seq>". */
int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbStore) store = NULL;
  g_autoptr(GArray) ids = NULL;
  const char *round;

  if (argc != 3)
    {
      fprintf (stderr, "usage: crash-child STORE ROUND\n");
      return 2;
    }
  round = argv[2];

  store = lb_store_open (argv[1], LB_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      fprintf (stderr, "crash-child: %s\n", error->message);
      return 1;
    }

  ids = lb_store_list_item_ids (store, 0, LB_ITEM_FILTER_ALL, &error);
  if (ids == NULL || ids->len == 0)
    {
      fprintf (stderr, "crash-child: no items\n");
      return 1;
    }

  printf ("READY\n");
  fflush (stdout);

  for (guint counter = 0; ; counter++)
    {
      gint64 item_id = g_array_index (ids, gint64, counter % ids->len);
      g_autofree char *note = g_strdup_printf ("r%s-%u", round, counter);
      const char *labels[] = { counter % 2 ? "ok" : "spam", NULL };
      LbSubmission sub = { .labels = labels, .note = note, .dwell_ms = counter };

      if (!lb_store_submit (store, item_id, "crash-child", &sub, &error))
        {
          fprintf (stderr, "crash-child: %s\n", error->message);
          return 1;
        }
      printf ("ACT %" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT "\n",
              item_id, note, lb_store_get_last_seq (store));
      fflush (stdout);
    }

  return 0;
}
