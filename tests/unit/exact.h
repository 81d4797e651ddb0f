/* exact.h - the exact integer program behind `test_placement exact`: the
 * least worst double-failure excess any placement with given master and copy
 * counts can reach while every single failure stays within its bound + slack
 * (and, with 2-slot stores, no pair of machines shares more stores than the
 * pair bound).  For 2-slot stores, and 3-slot stores with one copy in each of
 * 3+ zones.  Written in CPLEX LP format for an outside MIP solver (e.g. cbc);
 * the LP relaxation in test_placement only proves the cases where not even a
 * fractional placement exists. */
#ifndef SS_EXACT_H
#define SS_EXACT_H

#include <stdio.h>

#include "checker.h"

struct exact_counts {
    const int *m;     /* masters per machine */
    const int *room;  /* replicas per machine */
    const int *single; /* the checker's bound per single failure */
    int slack;        /* the allowance on it */
    int pair_bound;   /* 2-slot stores: most stores on one pair of machines */
};

/* in: the topology (its member list is not used).  Returns 0, or -1 for
 * 3-slot stores in fewer than 3 zones. */
int exact_write(FILE *out, const struct chk_input *in, const struct exact_counts *q);

#endif
