/* placement_basic.c - a placement that meets property 1 and nothing more.
 *
 * The planner chooses each store's master and first failover for balance
 * before its last copy; on a few machines of one or two slots in tight
 * zones that choice can leave a store no machine for its last copy although
 * a placement exists.  Then this one is used: every store takes the machines
 * with the most free slots the zone rule allows, so that no machine or zone
 * is left with more free slots than stores to fill them; one flow then gives
 * every machine the floor or ceiling of its share of masters.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "placement_int.h"

/* Free slots of x's zone (or of x alone without zones): ties go to the
 * fuller zone, whose slots are the harder ones to fill. */
static long zone_free(const struct ss_topology *t, const int *free_slots, int x)
{
    if (t->nzones == 0)
        return 0;
    long z = 0;
    for (int i = 0; i < t->nmachines; i++)
        if (t->machines[i].zone_id == t->machines[x].zone_id)
            z += free_slots[i];
    return z;
}

static int pick_machines(const struct ss_topology *t, int k, int *free_slots, int *pick)
{
    for (int c = 0; c < k; c++) {
        int best = -1;
        long best_zone = 0;
        for (int x = 0; x < t->nmachines; x++) {
            if (free_slots[x] <= 0 || !ss_copy_allowed(t, pick, c, x))
                continue;
            long zf = zone_free(t, free_slots, x);
            if (best < 0 || zf > best_zone ||
                (zf == best_zone && free_slots[x] > free_slots[best])) {
                best = x;
                best_zone = zf;
            }
        }
        if (best < 0)
            return -1;
        pick[c] = best;
        free_slots[best]--;
    }
    return 0;
}

/* Masters within floor..ceil of every machine's share: one flow, floors
 * first (raising a cap later never takes flow off a filled floor). */
static int choose_masters(const struct ss_topology *t, struct ss_placement *pl)
{
    int M = t->nmachines, S = pl->nstores, k = pl->copies;
    int src = S + M, sink = S + M + 1;
    struct ss_flow *fl = ss_flow_new(S + M + 2);
    int *edge = ss_xcalloc((size_t)S * k, sizeof(int)), *cap_edge = ss_xcalloc((size_t)M, sizeof(int));
    int *ceil_m = ss_xcalloc((size_t)M, sizeof(int));
    for (int i = 0; i < M; i++) {
        int floor_m;
        ss_master_share(t, S, i, &floor_m, &ceil_m[i]);
        cap_edge[i] = ss_flow_add_edge(fl, S + i, sink, floor_m);
    }
    for (int s = 0; s < S; s++) {
        ss_flow_add_edge(fl, src, s, 1);
        for (int c = 0; c < k; c++)
            edge[s * k + c] = ss_flow_add_edge(fl, s, S + pl->stores[s].machine[c], 1);
    }
    long got = ss_flow_run(fl, src, sink);
    for (int i = 0; i < M; i++)
        ss_flow_set_cap(fl, cap_edge[i], ceil_m[i]);
    got += ss_flow_run(fl, src, sink);
    for (int s = 0; s < S && got == S; s++)
        for (int c = 1; c < k; c++)
            if (ss_flow_edge_flow(fl, edge[s * k + c]) > 0) {
                struct ss_store *st = &pl->stores[s];
                int m = st->machine[c];
                st->machine[c] = st->machine[0];
                st->machine[0] = m;
            }
    free(ceil_m);
    free(cap_edge);
    free(edge);
    ss_flow_free(fl);
    return got == S ? 0 : -1;
}

int ss_plan_basic(const struct ss_topology *t, int S, struct ss_placement **out)
{
    int M = t->nmachines, k = ss_topology_copies(t);
    int *free_slots = ss_xcalloc((size_t)M, sizeof(int));
    for (int i = 0; i < M; i++)
        free_slots[i] = t->machines[i].slots;
    struct ss_placement *pl = ss_placement_new(t, k, S);
    int rc = 0, counter = 0, width = ss_name_width(S);
    GHashTable *taken = g_hash_table_new(g_str_hash, g_str_equal);
    for (int s = 0; s < S && rc == 0; s++) {
        pl->stores[s].name = ss_next_store_name(t, taken, &counter, width);
        rc = pick_machines(t, k, free_slots, pl->stores[s].machine);
    }
    g_hash_table_destroy(taken);
    free(free_slots);
    struct ss_error err = {0};
    if (rc == 0)
        rc = choose_masters(t, pl);
    if (rc == 0)
        rc = ss_assign_slots(t, pl, &err);
    if (rc != 0) {
        ss_placement_free(pl);
        return -1;
    }
    *out = pl;
    return 0;
}
