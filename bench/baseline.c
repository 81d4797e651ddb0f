/* baseline.c - balance figures for a placement, and two baseline placements.
 *
 * Built and run by bench/plan-bench.sh; deliberately shares nothing with lib/
 * so that it also cross-checks the planner's own report.
 *
 *   baseline paired M SLOTS COPIES STORES     FastMail's original layout
 *   baseline random M SLOTS COPIES STORES     random machines, random master
 *   baseline eval   M SLOTS COPIES STORES     placement from stdin
 *
 * The stdin placement is one store a line: COPIES machine indexes (0-based),
 * master first, then the failover targets in order.
 *
 * Prints one line: masters_max busiest_single bound receivers_min
 * double_lost_max double_busiest_max.  Every machine has SLOTS slots (the
 * bench only generates such topologies), so the lower bound for the busiest
 * survivor of a single failure is ceil(STORES / (M - 1)) for any placement.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COPIES 3

struct placement {
    int m, slots, copies, stores;
    int (*mach)[MAX_COPIES];
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "baseline: out of memory\n");
        exit(1);
    }
    return p;
}

/* xorshift64*: the same sequence on every libc, so runs are repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static int rnd(int n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (int)((rng_state * 0x2545f4914f6cdd1dULL >> 33) % (uint64_t)n);
}

/* Machines in pairs (2k, 2k+1); a pair's stores are mastered half on each
 * side, so a failed machine's partner takes all its masters.  With three
 * copies the third goes round-robin over the machines outside the pair
 * (each pair starting after itself, so every machine gets its share). */
static void make_paired(struct placement *p)
{
    int pairs = p->m / 2;
    for (int s = 0; s < p->stores; s++) {
        int a = 2 * (s % pairs), j = s / pairs;
        p->mach[s][0] = a + j % 2;
        p->mach[s][1] = a + 1 - j % 2;
        if (p->copies == 3)
            p->mach[s][2] = (a + 2 + j % (p->m - 2)) % p->m;
    }
}

/* Each store takes COPIES distinct random machines that still have a free
 * slot (any machine once fewer than COPIES have one); the first is master. */
static void make_random(struct placement *p)
{
    int *used = xcalloc((size_t)p->m, sizeof(int));
    int *cand = xcalloc((size_t)p->m, sizeof(int));
    for (int s = 0; s < p->stores; s++) {
        for (int c = 0; c < p->copies; c++) {
            int n = 0;
            for (int pass = 0; pass < 2 && n == 0; pass++)
                for (int i = 0; i < p->m; i++) {
                    int taken = 0;
                    for (int d = 0; d < c; d++)
                        taken |= p->mach[s][d] == i;
                    if (!taken && (pass == 1 || used[i] < p->slots))
                        cand[n++] = i;
                }
            p->mach[s][c] = cand[rnd(n)];
            used[p->mach[s][c]]++;
        }
    }
    free(used);
    free(cand);
}

static int read_placement(struct placement *p)
{
    for (int s = 0; s < p->stores; s++)
        for (int c = 0; c < p->copies; c++)
            if (scanf("%d", &p->mach[s][c]) != 1 || p->mach[s][c] < 0 || p->mach[s][c] >= p->m) {
                fprintf(stderr, "baseline: bad placement on stdin (store %d)\n", s + 1);
                return -1;
            }
    return 0;
}

/* Masters per machine once the machines in `dead` are gone: each store's
 * master is its first surviving copy.  Returns the stores with none left. */
static int after_failure(const struct placement *p, const unsigned char *dead, int *load)
{
    int lost = 0;
    memset(load, 0, sizeof(int) * (size_t)p->m);
    for (int s = 0; s < p->stores; s++) {
        int c = 0;
        while (c < p->copies && dead[p->mach[s][c]])
            c++;
        if (c == p->copies)
            lost++;
        else
            load[p->mach[s][c]]++;
    }
    return lost;
}

struct figures {
    int masters_max, busiest_single, bound, receivers_min, double_lost, double_busiest;
};

static void busiest_and_receivers(const struct placement *p, const unsigned char *dead,
                                  const int *masters, const int *load, int *busiest,
                                  int *receivers)
{
    *busiest = 0;
    *receivers = 0;
    for (int i = 0; i < p->m; i++) {
        if (dead[i])
            continue;
        if (load[i] > *busiest)
            *busiest = load[i];
        if (load[i] > masters[i])
            ++*receivers;
    }
}

static void evaluate(const struct placement *p, struct figures *f)
{
    unsigned char *dead = xcalloc((size_t)p->m, 1);
    int *masters = xcalloc((size_t)p->m, sizeof(int));
    int *load = xcalloc((size_t)p->m, sizeof(int));
    after_failure(p, dead, masters);
    memset(f, 0, sizeof(*f));
    f->receivers_min = p->m;
    for (int i = 0; i < p->m; i++)
        if (masters[i] > f->masters_max)
            f->masters_max = masters[i];
    f->bound = p->m > 1 ? (p->stores + p->m - 2) / (p->m - 1) : 0;
    for (int a = 0; a < p->m; a++) {
        int busiest, receivers;
        dead[a] = 1;
        after_failure(p, dead, load);
        busiest_and_receivers(p, dead, masters, load, &busiest, &receivers);
        if (busiest > f->busiest_single)
            f->busiest_single = busiest;
        if (receivers < f->receivers_min)
            f->receivers_min = receivers;
        for (int b = a + 1; b < p->m; b++) {
            dead[b] = 1;
            int lost = after_failure(p, dead, load);
            busiest_and_receivers(p, dead, masters, load, &busiest, &receivers);
            if (lost > f->double_lost)
                f->double_lost = lost;
            if (busiest > f->double_busiest)
                f->double_busiest = busiest;
            dead[b] = 0;
        }
        dead[a] = 0;
    }
    free(dead);
    free(masters);
    free(load);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: baseline paired|random|eval MACHINES SLOTS COPIES STORES\n");
        return 2;
    }
    struct placement p = {atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), NULL};
    if (p.m < 2 || p.copies < 2 || p.copies > MAX_COPIES || p.copies > p.m || p.stores < 0 ||
        (strcmp(argv[1], "paired") == 0 && p.m % 2 != 0)) {
        fprintf(stderr, "baseline: unsupported size (paired needs an even machine count)\n");
        return 2;
    }
    p.mach = xcalloc((size_t)p.stores, sizeof(*p.mach));
    int rc = 0;
    if (strcmp(argv[1], "paired") == 0)
        make_paired(&p);
    else if (strcmp(argv[1], "random") == 0)
        make_random(&p);
    else if (strcmp(argv[1], "eval") == 0)
        rc = read_placement(&p);
    else
        rc = -1;
    if (rc == 0) {
        struct figures f;
        evaluate(&p, &f);
        printf("%d %d %d %d %d %d\n", f.masters_max, f.busiest_single, f.bound, f.receivers_min,
               f.double_lost, f.double_busiest);
    }
    free(p.mach);
    return rc == 0 ? 0 : 2;
}
