/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-stats"
#include "config.h"

#include "lb-stats.h"
