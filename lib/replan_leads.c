/* replan_leads.c - give a finished re-plan's stores back their old masters.
 *
 * The re-plan's order steps choose masters for the failure bounds and take
 * more master moves than the final sets need (the sweep of 252 added
 * machines: 2401 master moves where the sets force 898; 2-slot 27x20 in 2
 * zones + 1 switched 15 masters though its new stores could take every new
 * lead).  A store led by x whose old master y is still one of its machines
 * goes back to y; y then leads one store too many, so a store led by y hands
 * its lead on to another of its machines, and so on until a hand-over
 * reaches x: every machine keeps its master count.  The path is the
 * shortest over machines (breadth first) through stores that do not leave
 * their own old master; it is kept only where no bound of the plan gets
 * worse (the caller measures), so each kept cycle saves at least one master
 * move and costs nothing else.  A 3-slot store has two orders for each
 * hand-over (hand_lead); the second is tried where the first gets worse.
 */
#include <stdlib.h>
#include <string.h>

#include "placement_int.h"
#include "replan_int.h"

#define LEADS_PASSES 3
#define LEADS_TRIES 4 /* paths tried per store whose old master is free */
/* A measure counts every double failure (M^2 / 2 of them, each over the S
 * stores): at most this much of that work in all, and no more after
 * LEADS_FUTILE paths in a row kept nothing, each measured in one order or
 * two (3-slot stores in 3 zones, whose failures sit at their levels, keep
 * few: 60x80 in 3 zones + 1 spends 3.6 s in all, 0.2 s more than with one
 * order). */
#define LEADS_WORK 400000000.0
#define LEADS_FUTILE 128

struct leads {
    struct ss_placement *pl;
    const struct ss_placement *old;
    int M, S_old;
    long measures_left;
    int futile; /* measures in a row that kept nothing */
    int *lead, *lead_at;  /* stores by master: lead[lead_at[u] .. lead_at[u+1]) */
    int *via, *from;      /* BFS: the store that hands machine v its lead, and from where */
    int *queue;           /* BFS: machines reached, in order (M) */
    unsigned char *banned; /* stores a rejected path used (for the current store) */
    int *changed;          /* stores a path changed (M + 1) ... */
    struct ss_store *save; /* ... and what they were */
};

/* The old master of store s, or -1 (a new store, or one whose master left). */
static int old_master(const struct leads *L, int s)
{
    if (s >= L->S_old)
        return -1;
    int y = L->old->stores[s].machine[0];
    return y >= 0 && y < L->M ? y : -1;
}

/* May store s (led by u) hand its lead on along a path?  (Its machine to
 * hand to is one of its replicas: find_path offers no other.) */
static int may_hand(const struct leads *L, int s, int skip, int u)
{
    return s != skip && !L->pl->stores[s].fixed && !L->banned[s] && old_master(L, s) != u;
}

/* Breadth first from y to x over hand-overs (a store led by u to its machine
 * v); hand-overs back to a store's old master are tried first at each
 * machine.  Fills via/from; returns whether x was reached. */
static int find_path(struct leads *L, int skip, int y, int x)
{
    int M = L->M, k = L->pl->copies, head = 0, tail = 0, *queue = L->queue;
    for (int v = 0; v < M; v++)
        L->via[v] = -1;
    L->from[y] = -1;
    L->via[y] = skip; /* reached */
    queue[tail++] = y;
    while (head < tail && L->via[x] < 0) {
        int u = queue[head++];
        for (int gain = 1; gain >= 0; gain--)
            for (int i = L->lead_at[u]; i < L->lead_at[u + 1]; i++) {
                int s = L->lead[i];
                const struct ss_store *st = &L->pl->stores[s];
                for (int c = 1; c < k; c++) {
                    int v = st->machine[c];
                    if (v < 0 || L->via[v] >= 0 || (old_master(L, s) == v) != gain ||
                        !may_hand(L, s, skip, u))
                        continue;
                    L->via[v] = s;
                    L->from[v] = u;
                    queue[tail++] = v;
                }
            }
    }
    return L->via[x] >= 0;
}

/* Store st's lead to its copy on machine v: the two exchange places; with
 * `turn` (3 slots), the other two replicas exchange theirs too, so the old
 * master becomes the last failover instead of the first. */
static void hand_lead(struct ss_store *st, int k, int v, int turn)
{
    ss_store_swap(st, 0, st, ss_copy_index(st, k, v));
    if (turn && k == 3)
        ss_store_swap(st, 1, st, 2);
}

/* Hand the leads along the path found to x (store a to y first; `turn` as
 * hand_lead has it, for every store of the path); the stores changed go to
 * L->changed (returns how many) with their old selves in L->save. */
static int apply_path(struct leads *L, int a, int y, int x, int turn)
{
    int k = L->pl->copies, n = 0, *changed = L->changed;
    struct ss_store *st = L->pl->stores, *save = L->save;
    changed[n] = a;
    save[n++] = st[a];
    hand_lead(&st[a], k, y, turn);
    for (int v = x; v != y; v = L->from[v]) {
        int s = L->via[v];
        changed[n] = s;
        save[n++] = st[s];
        hand_lead(&st[s], k, v, turn);
    }
    return n;
}

/* Undo the n stores apply_path changed. */
static void undo_path(struct leads *L, int n)
{
    for (int i = n - 1; i >= 0; i--)
        L->pl->stores[L->changed[i]] = L->save[i];
}

/* Try to give store a back its old master; returns whether it was. */
static int lead_back(struct leads *L, int a, int q[4], replan_measure measure, void *ctx)
{
    struct ss_store *st = L->pl->stores;
    int k = L->pl->copies, x = st[a].machine[0], y = old_master(L, a);
    if (st[a].fixed || y < 0 || y == x || ss_copy_index(&st[a], k, y) <= 0)
        return 0;
    memset(L->banned, 0, (size_t)L->pl->nstores);
    int kept = 0;
    for (int t = 0; t < LEADS_TRIES && L->measures_left > 0 && find_path(L, a, y, x); t++) {
        int n = 0;
        for (int turn = 0; turn < (k == 3 ? 2 : 1) && !kept && L->measures_left > 0; turn++) {
            int q2[4];
            n = apply_path(L, a, y, x, turn);
            measure(L->pl, ctx, q2);
            L->measures_left--;
            kept = q2[0] <= q[0] && q2[1] <= q[1] && q2[2] <= q[2];
            if (kept)
                memcpy(q, q2, sizeof(q2));
            else
                undo_path(L, n);
        }
        if (kept) {
            L->futile = 0;
            break;
        }
        if (++L->futile >= LEADS_FUTILE)
            L->measures_left = 0;
        for (int i = 0; i < n; i++)
            L->banned[L->changed[i]] = 1;
    }
    return kept;
}

int replan_restore_leads(struct ss_placement *pl, const struct ss_placement *old, int q[4],
                         replan_measure measure, void *ctx)
{
    struct leads L = {.pl = pl, .old = old, .M = pl->topo->nmachines,
                      .S_old = old->nstores < pl->nstores ? old->nstores : pl->nstores};
    if (pl->nstores == 0)
        return 0;
    L.lead = ss_xcalloc((size_t)pl->nstores, sizeof(int));
    L.lead_at = ss_xcalloc((size_t)L.M + 1, sizeof(int));
    L.via = ss_xcalloc((size_t)L.M, sizeof(int));
    L.from = ss_xcalloc((size_t)L.M, sizeof(int));
    L.queue = ss_xcalloc((size_t)L.M, sizeof(int));
    L.banned = ss_xcalloc((size_t)pl->nstores, 1);
    L.changed = ss_xcalloc((size_t)L.M + 1, sizeof(int));
    L.save = ss_xcalloc((size_t)L.M + 1, sizeof(struct ss_store));
    double one = 0.5 * L.M * L.M * (double)pl->nstores + 1.0;
    L.measures_left = LEADS_WORK / one > 16.0 ? (long)(LEADS_WORK / one) : 16;
    int kept = 0;
    for (int pass = 0, changed = 1; changed && pass < LEADS_PASSES && L.measures_left > 0;
         pass++) {
        changed = 0;
        for (int a = 0; a < L.S_old; a++) {
            ss_stores_by_master(pl, L.M, L.lead, L.lead_at);
            if (lead_back(&L, a, q, measure, ctx)) {
                changed = 1;
                kept++;
            }
        }
    }
    free(L.lead);
    free(L.lead_at);
    free(L.via);
    free(L.from);
    free(L.queue);
    free(L.banned);
    free(L.changed);
    free(L.save);
    return kept;
}
