/* cib_read.h - the stores slotstore owns, read back from a CIB.
 *
 * Both readers give the same placement: one store per owned clone (see
 * cib_xml.h), in document order, named by the clone id.  Machines are looked
 * up in `topo` by name (topo may be NULL); unknown machines are added to
 * *unknown (a NULL-terminated array of strings the caller frees; `unknown`
 * may be NULL) and stored as index -1.  Each store keeps the failover order
 * of its `slots` parameter.  A store whose `slots` parameter is missing or
 * has a copy count unlike the others is an SS_ERR_INPUT error.
 */
#ifndef SS_CIB_READ_H
#define SS_CIB_READ_H

#include <libxml/tree.h>

#include "placement.h"

/* From a CIB document (e.g. the live CIB, already in memory). */
int ss_cib_read_placement(xmlDocPtr cib, const struct ss_topology *topo,
                          struct ss_placement **out, char ***unknown, struct ss_error *err);

/* From a CIB file, streamed: only one resource at a time is held as a tree,
 * so a CIB of 40,000 stores (100 MB) is read in a few MB instead of 1 GB.
 * A file that cannot be read or is not XML is an SS_ERR_INPUT error naming it. */
int ss_cib_read_placement_file(const char *path, const struct ss_topology *topo,
                               struct ss_placement **out, char ***unknown, struct ss_error *err);

#endif
