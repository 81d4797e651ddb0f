/* placement.h - which slots form which store, and in which failover order.
 *
 * A placement assigns every store `copies` slots on distinct machines; the
 * first is the planned master, the rest are the failover targets in order.
 * The planner aims at the balance properties documented in README.md
 * ("What a good placement is"): masters per machine at the fair share, and
 * after any single (or double) machine failure the extra masters spread as
 * evenly as the water-filling bound allows.
 */
#ifndef SS_PLACEMENT_H
#define SS_PLACEMENT_H

#include "topology.h"

struct ss_store {
    char *name;
    int machine[SS_MAX_COPIES];  /* machine index per copy, failover order */
    int slot[SS_MAX_COPIES];     /* slot number on that machine, 1-based */
    int fixed;                   /* pinned by the topology: never moved */
};

struct ss_placement {
    const struct ss_topology *topo;  /* not owned */
    int copies;
    int nstores;
    struct ss_store *stores;
};

/* What changed between an old placement and a new one (plan --from). */
struct ss_moves {
    int slot_moves;              /* store copies that now live on another machine */
    int slot_moves_bound;        /* lower bound for slot_moves */
    int slot_moves_budget;       /* what the search may spend (ss_move_budget of the
                                  * copies new or grown machines take); the moves a
                                  * change forces may pass it */
    int master_moves;            /* existing stores whose master machine changed */
    int master_moves_bound;
    int new_stores;
    int fresh_matched;           /* keeping the old copies could not meet the targets: a
                                  * fresh plan, its stores matched to the old ones */
};

/* Plan from scratch. */
int ss_plan(const struct ss_topology *topo, struct ss_placement **out, struct ss_error *err);

/* Plan for a changed topology, keeping as many of `old`'s slots where they are.
 * `old` numbers machines as `topo` does; -1 (or a number beyond topo's
 * machines) is a machine that no longer exists (its copies move).  Its
 * topology pointer may be NULL.  Store names of `old` are kept. */
int ss_plan_from(const struct ss_topology *topo, const struct ss_placement *old,
                 struct ss_placement **out, struct ss_moves *moves, struct ss_error *err);

/* The most slot moves a re-plan spends on a change that forces `forced` (the
 * copies new or grown machines take): the topology's move-budget, by default
 * 1.25x (property 4). */
int ss_move_budget(const struct ss_topology *topo, int forced);

/* One slot move of a re-plan: old store `store`'s copy on from_machine:from_slot
 * (from_machine -1: a machine the topology no longer has) now lives on
 * to_machine:to_slot. */
struct ss_slot_move {
    int store;
    int from_machine, from_slot;
    int to_machine, to_slot;
};

/* The slot moves of `p`, planned --from `old` for `topo`, one per copy that
 * ss_moves.slot_moves counts, in store order.  Returns how many; *out is
 * malloc'd (NULL when none), the caller frees it. */
int ss_slot_moves(const struct ss_topology *topo, const struct ss_placement *old,
                  const struct ss_placement *p, struct ss_slot_move **out);

void ss_placement_free(struct ss_placement *p);

/* Masters per machine of `p` into m (topo->nmachines entries, overwritten);
 * a store without a master machine (-1) counts nowhere. */
void ss_placement_masters(const struct ss_placement *p, int *m);

/* Build an empty placement (used by readers such as the CIB parser). */
struct ss_placement *ss_placement_new(const struct ss_topology *topo, int copies, int nstores);

#endif
