/* cluster_state.h - what the cluster runs now, as `slotstore status`, `drain`
 * and `undrain` see it.
 *
 * Two sources, read once each:
 *  - crm_mon --one-shot --output-as=xml: the machines (online, standby,
 *    offline), quorum, and the instances of every store clone with their role;
 *  - the CIB through libcib (live_cib.c): each store's planned failover order
 *    (its primitive's `slots` parameter, first = planned master), operators'
 *    manual constraints (rsc_location cli-*, from crm_resource --move/--ban),
 *    the agents' promotion scores (transient master-<primitive>), replication
 *    lag (transient slotstore-lag-<store>), outdated marks (permanent
 *    slotstore-outdated-<store>, see cmd_marks.c) and the maintenance lock
 *    of drain/undrain.
 * Both honour CIB_file.  They are two reads, so a change in between can show
 * for one run.  Nothing is changed.
 */
#ifndef SS_CLUSTER_STATE_H
#define SS_CLUSTER_STATE_H

#include <glib.h>
#include <libxml/tree.h>

#include "error.h"

#define CS_MARK_PREFIX "slotstore-outdated-"
#define CS_LAG_PREFIX "slotstore-lag-"
#define CS_SCORE_PREFIX "master-"
#define CS_MANUAL_PREFIX "cli-"
#define CS_INSYNC 1000          /* agent's ladder: >= 1000 in sync, 1 unconfirmed */
/* drain/undrain's lock: a cluster_property_set (and its nvpair) of this id */
#define CS_LOCK_ID "slotstore-maintenance-lock"

enum cs_node_state { CS_ONLINE, CS_STANDBY, CS_OFFLINE };
enum cs_role { CS_STOPPED, CS_UNPROMOTED, CS_PROMOTED };
enum cs_slot_state { CS_MASTER, CS_IN_SYNC, CS_CATCHING_UP, CS_OUTDATED, CS_SLOT_STOPPED,
                     CS_UNKNOWN };

extern const char *const cs_node_state_name[]; /* "online", "standby", "offline" */
extern const char *const cs_role_name[];       /* "Stopped", "Unpromoted", "Promoted" */
extern const char *const cs_slot_state_name[]; /* "master", "in sync", ... "unknown" */

struct cs_machine {
    char *name;
    enum cs_node_state state;
    int masters;          /* promoted instances here now */
    int planned;          /* stores whose `slots` start here */
    int replicas;         /* unpromoted instances here now */
    int outdated;         /* slots here in state outdated */
};

struct cs_slot {
    char *machine;
    enum cs_role role;
    char *score;          /* promotion score, NULL unknown */
    char *lag;            /* seconds, NULL unknown */
    int marked;           /* outdated mark on this machine */
    enum cs_slot_state state;
};

struct cs_store {
    char *name;
    char *prim;
    struct cs_slot *slots;  /* failover order */
    int nslots;
    char *master;           /* machine now, NULL none */
};

struct cs_constraint {
    char *id, *rsc, *role, *node, *score;   /* NULL when absent */
};

struct cs_mark {
    char *store, *machine;
    const char *leftover;   /* why the mark has no slot, NULL when it has one */
};

struct cluster_state {
    const char *who;        /* the command, for messages ("status") */
    const char *cib_file;   /* CIB_file, NULL for the live cluster */
    int own_pgrp;           /* run crm_mon in its own process group (no ^C) */
    struct cs_machine *m;
    int nm;
    struct cs_store *s;
    int ns;
    struct cs_constraint *c;
    int nc;
    struct cs_mark *mk;
    int nmk;
    int quorum;             /* live: crm_mon's DC has quorum; CIB_file: <cib have-quorum> */
    char *lock;             /* value of the maintenance lock, NULL when none */
    GHashTable *store_ix;   /* clone id -> index + 1 */
    GHashTable *prim_ix;    /* primitive id -> index + 1 */
};

/* Read both sources (CIB_file from the environment) and judge the slots;
 * `who` names the command in messages; cs->own_pgrp set before is kept.
 * Free cs afterwards, also on failure. */
int cluster_state_read(struct cluster_state *cs, const char *who, struct ss_error *err);
/* The state of one CIB already read (the whole <cib>): its configuration and
 * status, with crm_mon run on a copy of it, so that everything is judged on
 * exactly that version.  Free cs afterwards, also on failure. */
int cluster_state_of_cib(struct cluster_state *cs, const char *who, xmlNodePtr cib,
                         struct ss_error *err);
/* Read crm_mon again (machines, quorum, roles, masters) and judge the slots
 * again with the scores and marks already read.  other_cib: crm_mon on this
 * file instead (a simulation's result), NULL: as at cluster_state_read. */
int cluster_state_read_roles(struct cluster_state *cs, const char *other_cib,
                             struct ss_error *err);
void cluster_state_free(struct cluster_state *cs);

int cs_machine_index(const struct cluster_state *cs, const char *name);
int cs_store_index(const struct cluster_state *cs, const char *name);
struct cs_slot *cs_slot_on(const struct cs_store *s, const char *machine);
const char *cs_planned_master(const struct cs_store *s);
/* The manual constraint of that id, NULL when none. */
const struct cs_constraint *cs_constraint(const struct cluster_state *cs, const char *id);

/* A finished child process: exit code (-1 when killed, by signal sig), its
 * stdout and stderr (g_free'd by cs_child_clear). */
struct cs_child {
    int code;
    int sig;
    char *out;
    char *err;
};

/* Run argv (PATH searched) to its end.  other_cib: with CIB_file=other_cib;
 * detach: in its own process group (a terminal's ^C reaches only us) with
 * stdin from /dev/null.  0, or -1 when it could not start (*why, g_free). */
int cs_run(char **argv, const char *other_cib, int detach, struct cs_child *c, char **why);
void cs_child_clear(struct cs_child *c);

#endif
