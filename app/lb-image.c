/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "lb-image"
#include "config.h"

#include "lb-image.h"
