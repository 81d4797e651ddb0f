/* cib_xml.h - a placement as Pacemaker configuration (reading it back: cib_read.h).
 *
 * What slotstore owns in a CIB (and nothing else is ever touched):
 *  - clones whose primitive is ocf:slotstore:cyrus (clone id = store name,
 *    primitive id = <store>-cyrus),
 *  - constraints and property sets whose id starts with "slotstore-".
 *
 * Each store gets:
 *  - rsc_location slotstore-loc-<store>-<machine>, node based, score 100,
 *    resource-discovery="exclusive": the store runs (and is probed) only there;
 *  - rsc_location slotstore-pref-<store>-<machine>, role="Promoted",
 *    score SS_PREF_STEP * (copies - position): distinct, in failover order.
 *
 * Each machine with a zone gets the permanent node attribute slotstore-zone
 * (instance_attributes slotstore-node-<machine>), so that a CIB carries the
 * zone rule to `slotstore simulate` and operators can use it in rules.
 *
 * The promotion-score ladder of ocf:slotstore:cyrus is a multiple of 1000
 * for slots in sync and -INFINITY for stale ones, so these preferences (at
 * most 30) only break ties between equally fresh slots and can never lift a
 * slot that has not published (-1) above one in sync (see README.md).
 */
#ifndef SS_CIB_XML_H
#define SS_CIB_XML_H

#include <libxml/tree.h>

#include "placement.h"

#define SS_ID_PREFIX "slotstore-"
#define SS_ZONE_ATTRIBUTE "slotstore-zone"

/* Pacemaker runs one action at a time on a machine whose load average exceeds
 * 2 x load-threshold x cores (default 80%).  A mail machine's load average counts
 * processes waiting on disk and the agent's actions are light: throttled, every action
 * of a drain ran in turn (20 masters on the lab: 34.8 s at --parallel 8; unthrottled
 * 14.2 s at --parallel 20, bench/README.md).  slotstore throttles only far beyond. */
#define SS_LOAD_THRESHOLD "1000%"
#define SS_AGENT_CLASS "ocf"
#define SS_AGENT_PROVIDER "slotstore"
#define SS_AGENT_TYPE "cyrus"
#define SS_PREF_STEP 10
#define SS_LOCATION_SCORE 100
#define SS_CRM_FEATURE_SET "3.16.1"
#define SS_VALIDATE_WITH "pacemaker-3.9"

/* A complete CIB as indented text, appended to `out`: nodes, cluster
 * options, stores, constraints and an empty status section.  Written as a
 * stream, so its memory is the text's. */
int ss_cib_text(const struct ss_placement *p, xmlBufferPtr out, struct ss_error *err);

/* The same CIB as a document: nodes, cluster options, stores, constraints and an
 * empty status section.  Caller frees with xmlFreeDoc. */
int ss_cib_document(const struct ss_placement *p, xmlDocPtr *out, struct ss_error *err);

/* The <resources> children and <constraints> children slotstore owns (the
 * stores, and the fence device when the topology names one), as two fresh
 * nodes (<resources>, <constraints>) the caller frees. */
int ss_cib_owned_sections(const struct ss_placement *p, xmlNodePtr *resources,
                          xmlNodePtr *constraints, struct ss_error *err);

/* Remove every element slotstore owns from a CIB document's configuration
 * (resources, constraints and the nodes' slotstore attribute sets); returns
 * how many elements were removed. */
int ss_cib_strip_owned(xmlDocPtr cib);

/* Give each node of the CIB that is a machine of `t` with a zone its
 * slotstore-zone attribute (after ss_cib_strip_owned: nodes are Pacemaker's,
 * only the attribute set is slotstore's); returns how many nodes got one. */
int ss_cib_add_zones(xmlDocPtr cib, const struct ss_topology *t);

/* Is this element one slotstore owns? */
int ss_cib_is_owned(xmlNodePtr node);

/* The ocf:slotstore:cyrus primitive of a clone element, or NULL when the
 * element is not a store slotstore owns. */
xmlNodePtr ss_cib_owned_primitive(xmlNodePtr clone);

/* The first section NAME ("resources", "constraints", ...) of the CIB's
 * configuration, or NULL. */
xmlNodePtr ss_cib_section(xmlDocPtr cib, const char *name);

#endif
