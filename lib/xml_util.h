/* xml_util.h - small libxml2 helpers shared by the CIB writer and the tools that
 * read crm_mon, crm_simulate and CIB XML. */
#ifndef SS_XML_UTIL_H
#define SS_XML_UTIL_H

#include <libxml/tree.h>

/* Attribute `name` of n as a malloc'd string; when absent a copy of def, or NULL when
 * def is NULL.  Aborts when out of memory. */
char *ss_xml_prop(xmlNodePtr n, const char *name, const char *def);
/* Whether n has attribute `name` equal to value. */
int ss_xml_prop_is(xmlNodePtr n, const char *name, const char *value);
/* The first child element of n (NULL allowed) called `name`; NULL when none. */
xmlNodePtr ss_xml_child(xmlNodePtr n, const char *name);
/* Whether a and b (either may be NULL: then not the same) serialize to the same
 * text, attributes in order.  Aborts when out of memory. */
int ss_xml_same_text(xmlNodePtr a, xmlNodePtr b);
/* Write n as indented text to a new private temporary file named after
 * `pattern` (g_file_open_tmp, e.g. "slotstore-patch-XXXXXX.xml"): for tools
 * that take XML only as a file (cibadmin --patch, crm_mon under CIB_file).
 * Returns its path (the caller unlinks it and frees it with g_free), or NULL
 * with why was not in *why (caller g_frees). */
char *ss_xml_temp_file(xmlNodePtr n, const char *pattern, char **why);

#endif
