/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-schema"
#include "config.h"

#include "lb-schema.h"
