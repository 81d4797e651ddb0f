/* topology.h - the operator's topology file: machines, slots, zones, stores.
 *
 * The file is line oriented, '#' starts a comment, one statement a line.
 * See doc/slotstore-topology.5 for the format.  Parsing never half-succeeds:
 * on error nothing is returned and err names file:line, what and a hint.
 */
#ifndef SS_TOPOLOGY_H
#define SS_TOPOLOGY_H

#include "error.h"

#define SS_MAX_COPIES 3          /* slots per store: replicas + 1 */

struct ss_machine {
    char *name;
    char *zone;                  /* NULL when the topology has no zones */
    int zone_id;                 /* index into topology.zones, -1 without zones */
    int slots;
    int line;
};

struct ss_param {
    char *key;
    char *value;
};

/* A store the operator pinned: it keeps exactly these slots, in this order. */
struct ss_fixed_store {
    char *name;
    int ncopies;
    int machine[SS_MAX_COPIES];  /* machine indexes, failover order */
    int slot[SS_MAX_COPIES];     /* slot numbers (1-based), 0 = planner picks */
    int line;
};

struct ss_topology {
    char *path;
    int replicas;                /* 1 or 2 */
    int stores;                  /* requested store count, 0 = as many as fit */
    int move_budget;             /* re-plans move at most this percentage of the slot
                                  * moves a change forces (property 4: 125) */
    char *store_prefix;          /* store names are <prefix><NNN> */
    char *slot_address;          /* template, see ss_topology_slot_address() */
    int imap_port, lmtp_port, sync_port;
    int nmachines;
    struct ss_machine *machines;
    int nzones;
    char **zones;
    int nparams;
    struct ss_param *params;     /* extra agent parameters for every store */
    int nfixed;
    struct ss_fixed_store *fixed;
    char *fence_agent;           /* stonith agent for every machine, NULL = none */
    int nfence_params;
    struct ss_param *fence_params;
};

/* Parse a topology file; *out is owned by the caller (ss_topology_free). */
int ss_topology_load(const char *path, struct ss_topology **out, struct ss_error *err);
/* Parse text already in memory; `name` is used in messages. */
int ss_topology_parse(const char *text, const char *name, struct ss_topology **out,
                      struct ss_error *err);
void ss_topology_free(struct ss_topology *topo);

/* Machines and their zones only, no slots, stores or parameters: what the
 * zone rule needs to judge a placement read back from a CIB (simulate).
 * zones may be NULL (no zones); otherwise give every machine a zone. */
struct ss_topology *ss_topology_of_zones(int replicas, int n, const char *const *names,
                                         const char *const *zones);

int ss_topology_copies(const struct ss_topology *topo);          /* replicas + 1 */
int ss_topology_machine_index(const struct ss_topology *topo, const char *name);
int ss_topology_total_slots(const struct ss_topology *topo);

/* Expand the slot address template for slot `slot` (1-based) of machine `m`.
 * Placeholders: {machine} name, {m} machine number (1-based), {s} slot number.
 * Returns 0, or SS_ERR_INPUT when the result is not a usable address. */
int ss_topology_slot_address(const struct ss_topology *topo, int m, int slot, char *buf,
                             int len, struct ss_error *err);

#endif
