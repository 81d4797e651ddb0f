/* exact.c - the integer program of exact.h.
 *
 * Variables: x_i_j, the 2-slot stores with master i and replica j, or
 * t_i_j_k, the 3-slot stores with master i, first failover j, second k
 * (machines in three distinct zones); E, the worst double-failure excess,
 * minimised.  Every property is linear in them except the bound of a double
 * failure of a and b, which depends on how many stores have master a and
 * first failover b (ab) and the other way round (ba): binaries y_a_b_i_j pick
 * the one pair (ab, ba) = (i, j), and the bound is read off a table of
 * chk_double_bound, so the model is exactly the checker's measure. */
#include "exact.h"

#include <stdarg.h>
#include <stdlib.h>

struct writer {
    FILE *out;
    const struct chk_input *in;
    const struct exact_counts *q;
    int terms; /* on the current row, to break long lines */
};

/* A named row; the name is printf'ed from fmt. */
__attribute__((format(printf, 2, 3))) static void begin(struct writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(w->out, " ");
    vfprintf(w->out, fmt, ap);
    fprintf(w->out, ":");
    va_end(ap);
    w->terms = 0;
}

static void term(struct writer *w, long coef, const char *name)
{
    fprintf(w->out, " %c %ld %s", coef < 0 ? '-' : '+', coef < 0 ? -coef : coef, name);
    if (++w->terms % 8 == 0)
        fprintf(w->out, "\n  ");
}

static void end(struct writer *w, const char *sense, long rhs)
{
    fprintf(w->out, " %s %ld\n", sense, rhs);
}

/* 3-slot stores: may a store have master i, first failover j, second k? */
static int ordered(const struct chk_input *in, int i, int j, int k)
{
    int zi = in->zone[i], zj = in->zone[j], zk = in->zone[k];
    return zi != zj && zj != zk && zi != zk;
}

/* 2-slot stores: may a store have master i and replica j? */
static int paired(const struct chk_input *in, int i, int j)
{
    return i != j && (in->zones < 2 || in->zone[i] != in->zone[j]);
}

/* May a store have master i and first failover j? */
static int may_lead(const struct chk_input *in, int i, int j)
{
    return in->copies == 2 ? paired(in, i, j) : i != j && in->zone[i] != in->zone[j];
}

static void store_term(struct writer *w, int i, int j, int k)
{
    char name[48];
    if (w->in->copies == 2)
        snprintf(name, sizeof(name), "x_%d_%d", i, j);
    else
        snprintf(name, sizeof(name), "t_%d_%d_%d", i, j, k);
    term(w, 1, name);
}

/* The stores with master i and first failover j. */
static void lead_terms(struct writer *w, int i, int j)
{
    const struct chk_input *in = w->in;
    if (in->copies == 2) {
        if (paired(in, i, j))
            store_term(w, i, j, -1);
        return;
    }
    for (int k = 0; k < in->machines; k++)
        if (ordered(in, i, j, k))
            store_term(w, i, j, k);
}

static void y_term(struct writer *w, long coef, int a, int b, int i, int j)
{
    char name[64];
    snprintf(name, sizeof(name), "y_%d_%d_%d_%d", a, b, i, j);
    term(w, coef, name);
}

/* The most stores a -> b property 2 lets a placement with these counts have. */
static int most_shared(const struct exact_counts *q, int a, int b)
{
    int most = q->single[a] + q->slack - q->m[b];
    most = most < q->m[a] ? most : q->m[a];
    most = most < q->room[b] ? most : q->room[b];
    return most > 0 ? most : 0;
}

static void masters_and_replicas(struct writer *w)
{
    const struct chk_input *in = w->in;
    int M = in->machines;
    for (int i = 0; i < M; i++) {
        begin(w, "masters_%d", i);
        for (int j = 0; j < M; j++)
            lead_terms(w, i, j);
        end(w, "=", w->q->m[i]);
        begin(w, "replicas_%d", i);
        for (int j = 0; j < M; j++) {
            if (in->copies == 2 && paired(in, j, i))
                store_term(w, j, i, -1);
            for (int k = 0; in->copies == 3 && k < M; k++)
                if (ordered(in, i, j, k)) {
                    store_term(w, j, i, k);
                    store_term(w, j, k, i);
                }
        }
        end(w, "=", w->q->room[i]);
    }
}

static void single_failures(struct writer *w)
{
    int M = w->in->machines;
    for (int a = 0; a < M; a++)
        for (int c = 0; c < M; c++) {
            if (!may_lead(w->in, a, c))
                continue;
            begin(w, "single_%d_%d", a, c);
            lead_terms(w, a, c);
            end(w, "<=", (long)w->q->single[a] + w->q->slack - w->q->m[c]);
        }
}

/* 2-slot stores: a double failure loses the stores on both machines. */
static void pairs(struct writer *w)
{
    int M = w->in->machines;
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            if (!paired(w->in, a, b))
                continue;
            begin(w, "pair_%d_%d", a, b);
            store_term(w, a, b, -1);
            store_term(w, b, a, -1);
            end(w, "<=", w->q->pair_bound);
        }
}

/* Rows choosing (ab, ba) of a pair whose masters may fail over to each
 * other; the bound's table goes to bound[i * (hb + 1) + j]. */
static void shared_choice(struct writer *w, int a, int b, int ha, int hb, int *bound)
{
    begin(w, "one_%d_%d", a, b);
    for (int i = 0; i <= ha; i++)
        for (int j = 0; j <= hb; j++) {
            y_term(w, 1, a, b, i, j);
            bound[i * (hb + 1) + j] = chk_double_bound(w->in, w->q->m, w->q->room, a, b, i, j);
        }
    end(w, "=", 1);
    begin(w, "ab_%d_%d", a, b);
    lead_terms(w, a, b);
    for (int i = 1; i <= ha; i++)
        for (int j = 0; j <= hb; j++)
            y_term(w, -i, a, b, i, j);
    end(w, "=", 0);
    begin(w, "ba_%d_%d", a, b);
    lead_terms(w, b, a);
    for (int i = 0; i <= ha; i++)
        for (int j = 1; j <= hb; j++)
            y_term(w, -j, a, b, i, j);
    end(w, "=", 0);
}

static void double_failure(struct writer *w, int a, int b)
{
    const struct chk_input *in = w->in;
    const int *m = w->q->m;
    int M = in->machines, apart = may_lead(in, a, b);
    int ha = apart ? most_shared(w->q, a, b) : 0, hb = apart ? most_shared(w->q, b, a) : 0;
    int *bound = malloc(sizeof(int) * (size_t)(ha + 1) * (size_t)(hb + 1));
    if (apart)
        shared_choice(w, a, b, ha, hb, bound);
    else
        bound[0] = chk_double_bound(in, m, w->q->room, a, b, 0, 0);
    for (int c = 0; c < M; c++) {
        if (c == a || c == b)
            continue;
        /* m_c + what reaches c - bound <= E */
        begin(w, "double_%d_%d_%d", a, b, c);
        lead_terms(w, a, c);
        lead_terms(w, b, c);
        if (in->copies == 3 && apart && ordered(in, a, b, c)) {
            store_term(w, a, b, c);
            store_term(w, b, a, c);
        }
        term(w, -1, "E");
        if (!apart) {
            end(w, "<=", (long)bound[0] - m[c]);
            continue;
        }
        for (int i = 0; i <= ha; i++)
            for (int j = 0; j <= hb; j++)
                y_term(w, -bound[i * (hb + 1) + j], a, b, i, j);
        end(w, "<=", -m[c]);
    }
    free(bound);
}

static void declarations(struct writer *w)
{
    const struct chk_input *in = w->in;
    int M = in->machines;
    fprintf(w->out, "Bounds\n -1000 <= E <= 1000\nGeneral\n E\n");
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            if (in->copies == 2 && paired(in, i, j))
                fprintf(w->out, " x_%d_%d\n", i, j);
            for (int k = 0; in->copies == 3 && k < M; k++)
                if (ordered(in, i, j, k))
                    fprintf(w->out, " t_%d_%d_%d\n", i, j, k);
        }
    fprintf(w->out, "Binary\n");
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            if (!may_lead(in, a, b))
                continue;
            int ha = most_shared(w->q, a, b), hb = most_shared(w->q, b, a);
            for (int i = 0; i <= ha; i++)
                for (int j = 0; j <= hb; j++)
                    fprintf(w->out, " y_%d_%d_%d_%d\n", a, b, i, j);
        }
    fprintf(w->out, "End\n");
}

int exact_write(FILE *out, const struct chk_input *in, const struct exact_counts *q)
{
    if (in->copies == 3 && in->zones < 3)
        return -1;
    struct writer w = {out, in, q, 0};
    fprintf(out, "\\ least worst double-failure excess E, every single failure within its "
                 "bound + %d\nMinimize\n obj: E\nSubject To\n",
            q->slack);
    masters_and_replicas(&w);
    single_failures(&w);
    if (in->copies == 2)
        pairs(&w);
    for (int a = 0; a < in->machines; a++)
        for (int b = a + 1; b < in->machines; b++)
            double_failure(&w, a, b);
    declarations(&w);
    return 0;
}
