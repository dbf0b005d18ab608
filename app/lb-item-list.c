/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-item-list"
#include "config.h"

#include "lb-item-list.h"
