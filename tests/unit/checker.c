/* checker.c - independent placement checker (see checker.h). */
#include "checker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int eligible(const struct chk_input *in, int a, int b)
{
    if (a == b)
        return 0;
    if (in->zones == 0 || in->copies > in->zones)
        return 1;
    return in->zone[a] != in->zone[b];
}

/* Smallest L >= floor with sum_b min(room_b, max(0, L - m_b)) >= moving, by counting up. */
static int level(const struct chk_input *in, const int *m, const int *room, const int *alive,
                 const int *recv, int moving)
{
    int L = 0;
    for (int b = 0; b < in->machines; b++)
        if (alive[b] && m[b] > L)
            L = m[b];
    for (;; L++) {
        long got = 0;
        for (int b = 0; b < in->machines; b++)
            if (alive[b] && recv[b] && L > m[b])
                got += (L - m[b] < room[b]) ? L - m[b] : room[b];
        if (got >= moving)
            return L;
        if (L > 10000000)
            return L;
    }
}

static void failure(const struct chk_input *in, const int *m, const int *room, const int *dead,
                    int *busiest, int *lost, int *receivers, int *load)
{
    memset(load, 0, sizeof(int) * (size_t)in->machines);
    *lost = 0;
    for (int s = 0; s < in->stores; s++) {
        int c = 0;
        while (c < in->copies && dead[in->member[s * in->copies + c]])
            c++;
        if (c == in->copies)
            (*lost)++;
        else
            load[in->member[s * in->copies + c]]++;
    }
    *busiest = 0;
    *receivers = 0;
    for (int b = 0; b < in->machines; b++) {
        if (dead[b])
            continue;
        if (load[b] > *busiest)
            *busiest = load[b];
        if (load[b] > m[b])
            (*receivers)++;
    }
    (void)room;
}

void chk_run(const struct chk_input *in, int doubles, struct chk_report *r)
{
    int M = in->machines, k = in->copies;
    memset(r, 0, sizeof(*r));
    r->ok_distinct = r->ok_capacity = r->ok_zones = r->ok_fair = 1;
    int *m = calloc((size_t)M, sizeof(int)), *n = calloc((size_t)M, sizeof(int));
    int *room = calloc((size_t)M, sizeof(int)), *load = calloc((size_t)M, sizeof(int));
    int *dead = calloc((size_t)M, sizeof(int)), *alive = calloc((size_t)M, sizeof(int));
    int *recv = calloc((size_t)M, sizeof(int));
    long total = 0;
    for (int i = 0; i < M; i++)
        total += in->slots[i];
    for (int s = 0; s < in->stores; s++) {
        const int *mem = &in->member[s * k];
        m[mem[0]]++;
        int zseen[8] = {0}, nz = 0;
        for (int c = 0; c < k; c++) {
            n[mem[c]]++;
            for (int d = 0; d < c; d++)
                if (mem[d] == mem[c] && r->ok_distinct) {
                    r->ok_distinct = 0;
                    snprintf(r->why, sizeof(r->why), "store %d has two copies on machine %d", s,
                             mem[c]);
                }
            if (in->zones && !zseen[in->zone[mem[c]]]) {
                zseen[in->zone[mem[c]]] = 1;
                nz++;
            }
        }
        int need = in->zones ? (k < in->zones ? k : in->zones) : 0;
        if (in->zones && nz < need && r->ok_zones) {
            r->ok_zones = 0;
            snprintf(r->why, sizeof(r->why), "store %d spans %d zones, needs %d", s, nz, need);
        }
    }
    for (int i = 0; i < M; i++) {
        if (n[i] > in->slots[i] && r->ok_capacity) {
            r->ok_capacity = 0;
            snprintf(r->why, sizeof(r->why), "machine %d holds %d copies, has %d slots", i, n[i],
                     in->slots[i]);
        }
        /* fair share f = S*slots/total; m must be floor(f) or ceil(f) */
        long num = (long)in->stores * in->slots[i];
        long fl = num / total, ce = (num + total - 1) / total;
        if ((m[i] < fl || m[i] > ce) && r->ok_fair) {
            r->ok_fair = 0;
            snprintf(r->why, sizeof(r->why), "machine %d has %d masters, fair share %.2f", i,
                     m[i], (double)num / total);
        }
        room[i] = n[i] - m[i];
    }
    /* single failures */
    r->single_worst_excess = -1000000;
    r->single_min_receivers = M;
    for (int f = 0; f < M; f++) {
        for (int b = 0; b < M; b++) {
            dead[b] = b == f;
            alive[b] = !dead[b];
            recv[b] = eligible(in, f, b);
        }
        int busiest, lost, receivers;
        failure(in, m, room, dead, &busiest, &lost, &receivers, load);
        int bound = level(in, m, room, alive, recv, m[f] - lost);
        if (busiest - bound > r->single_worst_excess)
            r->single_worst_excess = busiest - bound;
        if (m[f] > 0 && receivers < r->single_min_receivers)
            r->single_min_receivers = receivers;
    }
    /* the pair bound for 2-slot stores: even spread over the allowed pairs, and
     * no machine can spread its copies over more partners than it has */
    long pairs = 0;
    r->pair_bound = 0;
    for (int a = 0; a < M; a++) {
        int partners = 0;
        for (int b = 0; b < M; b++)
            if (eligible(in, a, b)) {
                partners++;
                pairs += b > a;
            }
        if (partners && (n[a] + partners - 1) / partners > r->pair_bound)
            r->pair_bound = (n[a] + partners - 1) / partners;
    }
    if (pairs && (in->stores + pairs - 1) / pairs > r->pair_bound)
        r->pair_bound = (int)((in->stores + pairs - 1) / pairs);
    r->double_worst_excess = -1000000;
    if (doubles)
        for (int a = 0; a < M; a++)
            for (int b2 = a + 1; b2 < M; b2++) {
                for (int b = 0; b < M; b++) {
                    dead[b] = b == a || b == b2;
                    alive[b] = !dead[b];
                    recv[b] = 1;
                }
                int busiest, lost, receivers;
                failure(in, m, room, dead, &busiest, &lost, &receivers, load);
                int bound = level(in, m, room, alive, recv, m[a] + m[b2] - lost);
                if (busiest - bound > r->double_worst_excess)
                    r->double_worst_excess = busiest - bound;
                if (lost > r->double_max_lost)
                    r->double_max_lost = lost;
            }
    free(m);
    free(n);
    free(room);
    free(load);
    free(dead);
    free(alive);
    free(recv);
}
