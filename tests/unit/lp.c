/* lp.c - phase-1 dense tableau simplex (see lp.h). */
#include "lp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LP_EPS 1e-9
#define LP_MAX_PIVOTS 200000

struct lp {
    int vars, rows, cap;
    double *coef; /* rows x vars */
    double *rhs;
    char *sense;
};

struct lp *lp_new(int vars)
{
    struct lp *lp = calloc(1, sizeof(*lp));
    lp->vars = vars;
    return lp;
}

void lp_free(struct lp *lp)
{
    if (lp == NULL)
        return;
    free(lp->coef);
    free(lp->rhs);
    free(lp->sense);
    free(lp);
}

void lp_row(struct lp *lp, const int *idx, const double *coef, int n, char sense, double rhs)
{
    if (lp->rows == lp->cap) {
        lp->cap = lp->cap ? 2 * lp->cap : 64;
        lp->coef = realloc(lp->coef, sizeof(double) * (size_t)lp->cap * lp->vars);
        lp->rhs = realloc(lp->rhs, sizeof(double) * (size_t)lp->cap);
        lp->sense = realloc(lp->sense, (size_t)lp->cap);
    }
    double *row = &lp->coef[(size_t)lp->rows * lp->vars];
    memset(row, 0, sizeof(double) * (size_t)lp->vars);
    for (int i = 0; i < n; i++)
        row[idx[i]] += coef[i];
    lp->rhs[lp->rows] = rhs;
    lp->sense[lp->rows] = sense;
    lp->rows++;
}

struct tableau {
    int R, W, nx, ns, na; /* rows; width (columns + rhs); variables, slacks, artificials */
    double *t;            /* (R + 1) x W; row R is the reduced cost row, its rhs -w */
    int *basis;
};

#define T(tb, r, c) ((tb)->t[(size_t)(r) * (tb)->W + (c)])

/* Every row with its right-hand side made non-negative; a '<' row keeps its
 * slack as the starting basis, any other row starts on an artificial. */
static void build(const struct lp *lp, struct tableau *tb)
{
    int R = lp->rows, nx = lp->vars, ns = 0, na = 0;
    for (int r = 0; r < R; r++) {
        ns += lp->sense[r] == '<';
        na += lp->sense[r] != '<' || lp->rhs[r] < 0;
    }
    tb->R = R;
    tb->nx = nx;
    tb->ns = ns;
    tb->na = na;
    tb->W = nx + ns + na + 1;
    tb->t = calloc((size_t)(R + 1) * tb->W, sizeof(double));
    tb->basis = calloc((size_t)R, sizeof(int));
    int s = nx, a = nx + ns;
    for (int r = 0; r < R; r++) {
        double sign = lp->rhs[r] < 0 ? -1 : 1;
        for (int j = 0; j < nx; j++)
            T(tb, r, j) = sign * lp->coef[(size_t)r * nx + j];
        T(tb, r, tb->W - 1) = sign * lp->rhs[r];
        if (lp->sense[r] == '<')
            T(tb, r, s) = sign;
        if (lp->sense[r] == '<' && sign > 0) {
            tb->basis[r] = s++;
            continue;
        }
        s += lp->sense[r] == '<';
        T(tb, r, a) = 1;
        tb->basis[r] = a++;
        /* the cost row: minimise the artificials, priced out of the basis */
        for (int j = 0; j < tb->W; j++)
            if (j < nx + ns || j == tb->W - 1)
                T(tb, R, j) -= T(tb, r, j);
    }
}

static void pivot(struct tableau *tb, int pr, int pc)
{
    double p = T(tb, pr, pc);
    for (int j = 0; j < tb->W; j++)
        T(tb, pr, j) /= p;
    for (int r = 0; r <= tb->R; r++) {
        double f = T(tb, r, pc);
        if (r == pr || f == 0)
            continue;
        for (int j = 0; j < tb->W; j++)
            T(tb, r, j) -= f * T(tb, pr, j);
    }
    tb->basis[pr] = pc;
}

/* Entering column: the most negative reduced cost, or with `bland` the first
 * negative one (Bland's rule cannot cycle); artificials never re-enter. */
static int entering(const struct tableau *tb, int bland)
{
    int best = -1;
    for (int j = 0; j < tb->nx + tb->ns; j++) {
        double d = T(tb, tb->R, j);
        if (d >= -LP_EPS)
            continue;
        if (bland)
            return j;
        if (best < 0 || d < T(tb, tb->R, best))
            best = j;
    }
    return best;
}

static int leaving(const struct tableau *tb, int pc)
{
    int best = -1;
    double ratio = 0;
    for (int r = 0; r < tb->R; r++) {
        double a = T(tb, r, pc);
        if (a <= LP_EPS)
            continue;
        double q = T(tb, r, tb->W - 1) / a;
        if (best < 0 || q < ratio - LP_EPS ||
            (q < ratio + LP_EPS && tb->basis[r] < tb->basis[best])) {
            best = r;
            ratio = q;
        }
    }
    return best;
}

double lp_infeasibility(struct lp *lp)
{
    struct tableau tb;
    build(lp, &tb);
    double w = -1; /* stays -1 if it gives up */
    int degenerate = 0;
    for (int it = 0; it < LP_MAX_PIVOTS; it++) {
        /* Dantzig's rule for speed; Bland's after a run of degenerate pivots */
        int pc = entering(&tb, degenerate > 50);
        if (pc < 0) {
            /* rounding can leave a feasible system a hair below 0 */
            w = fmax(0, -T(&tb, tb.R, tb.W - 1));
            break;
        }
        int pr = leaving(&tb, pc);
        if (pr < 0)
            break; /* unbounded: cannot happen with a cost bounded below by 0 */
        degenerate = T(&tb, pr, tb.W - 1) <= LP_EPS ? degenerate + 1 : 0;
        pivot(&tb, pr, pc);
    }
    free(tb.t);
    free(tb.basis);
    return w;
}
