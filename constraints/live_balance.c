/* live_balance.c - see live_balance.h.  Pacemaker promotes the instance with the
 * highest promotion score plus role=Promoted preference: an in-sync replica (1000)
 * beats one not known in sync (1) whatever the preferences (10/20/30), an outdated one
 * (-INFINITY) never wins, and among equals the failover order decides. */
#include <stdlib.h>
#include <string.h>

#include "live_balance.h"

static int can_run(const struct cluster_state *st, const char *machine)
{
    int i = cs_machine_index(st, machine);
    return i >= 0 && st->m[i].state == CS_ONLINE;
}

/* The slot of s that would be promoted if the machine `gone` failed, or NULL. */
static const struct cs_slot *successor(const struct cluster_state *st, const struct cs_store *s,
                                       const char *gone)
{
    const struct cs_slot *unknown = NULL;
    for (int j = 0; j < s->nslots; j++) {
        const struct cs_slot *slot = &s->slots[j];
        if (strcmp(slot->machine, gone) == 0 || slot->role != CS_UNPROMOTED ||
            !can_run(st, slot->machine) || slot->state == CS_OUTDATED || slot->marked)
            continue;
        if (slot->state == CS_IN_SYNC)
            return slot;
        if (!unknown)
            unknown = slot;
    }
    return unknown;
}

static void fail_one(const struct cluster_state *st, int x, int *load, struct lb_failure *f)
{
    const char *gone = st->m[x].name;
    int *took = calloc((size_t)st->nm, sizeof(int));
    memset(f, 0, sizeof(*f));
    f->machine = x;
    f->busiest = -1;
    for (int i = 0; i < st->nm; i++)
        load[i] = st->m[i].masters;
    for (int k = 0; k < st->ns; k++) {
        const struct cs_store *s = &st->s[k];
        if (!s->master || strcmp(s->master, gone) != 0)
            continue;
        f->masters++;
        const struct cs_slot *to = successor(st, s, gone);
        if (!to) {
            f->stranded++;
            continue;
        }
        int t = cs_machine_index(st, to->machine);
        load[t]++;
        f->unconfirmed += to->state != CS_IN_SYNC;
        if (took && !took[t]++)
            f->targets++;
    }
    for (int i = 0; i < st->nm; i++)
        if (i != x && can_run(st, st->m[i].name) && (f->busiest < 0 || load[i] > load[f->busiest]))
            f->busiest = i;
    f->busiest_load = f->busiest >= 0 ? load[f->busiest] : 0;
    free(took);
}

/* Worse: more stores stranded, then a busier survivor. */
static int worse(const struct lb_failure *a, const struct lb_failure *b)
{
    if (a->stranded != b->stranded)
        return a->stranded > b->stranded;
    return a->busiest_load > b->busiest_load;
}

int live_balance_compute(const struct cluster_state *st, struct live_balance *lb)
{
    memset(lb, 0, sizeof(*lb));
    lb->worst = -1;
    lb->f = calloc((size_t)st->nm + 1, sizeof(*lb->f));
    int *load = calloc((size_t)st->nm + 1, sizeof(int));
    if (!lb->f || !load) {
        free(load);
        live_balance_free(lb);
        return -1;
    }
    for (int i = 0; i < st->nm; i++) {
        if (!can_run(st, st->m[i].name))
            continue;
        int m = st->m[i].masters;
        if (lb->online == 0 || m < lb->min_masters)
            lb->min_masters = m;
        if (lb->online == 0 || m > lb->max_masters)
            lb->max_masters = m;
        lb->online++;
        struct lb_failure *f = &lb->f[lb->nf++];
        fail_one(st, i, load, f);
        if (lb->worst < 0 || worse(f, &lb->f[lb->worst]))
            lb->worst = lb->nf - 1;
    }
    lb->fair = lb->online ? (double)st->ns / lb->online : 0.0;
    free(load);
    return 0;
}

void live_balance_free(struct live_balance *lb)
{
    free(lb->f);
    lb->f = NULL;
    lb->nf = 0;
}
