/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "lb-schema.h"

G_BEGIN_DECLS

/* Label Studio labeling configs (the XML <View> of a project) as label
 * schemas. Translated: <View>, <Image>, <Text>, <Choices>/<Choice> (class
 * labels; choice="multiple" makes the schema multi-label), <Labels>/<Label>
 * on a <Text> (spans), <RectangleLabels> (boxes), <PolygonLabels>
 * (polygons), <TextArea> (a free-text field); their value, hotkey and
 * background attributes; the tags' name, toName and value are kept in the
 * schema's "label_config". Everything else is listed in *untranslated, one
 * line each: "ORIGIN:LINE: <Tag name="..."> not supported: reason".
 * Errors (LB_SCHEMA_ERROR): PARSE for XML that is not well-formed
 * ("ORIGIN:LINE:CHAR: problem"), INVALID when no schema results. */
LbSchema *lb_label_config_to_schema (const char   *xml,
                                     gssize        length,
                                     const char   *origin,
                                     GPtrArray   **untranslated,
                                     GError      **error);

/* Reads the file; the origin in the messages is the file's base name. */
LbSchema *lb_label_config_load      (const char   *path,
                                     GPtrArray   **untranslated,
                                     GError      **error);

/* TRUE when path names a labeling config (ends in .xml) */
gboolean  lb_label_config_is_config (const char   *path);

G_END_DECLS
