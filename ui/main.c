/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "labelbench"
#include "config.h"

int main (int argc, char **argv);
int
main (int argc, char **argv)
{
  return 1;
}
