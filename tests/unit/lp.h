/* lp.h - a small dense simplex for proofs in the tests: how far is a system
 * of linear equalities and inequalities over x >= 0 from being feasible?
 * (Phase 1 only: the least total violation.)  If no real x meets the system,
 * no integer x does: that is how a test proves a placement impossible. */
#ifndef SS_TEST_LP_H
#define SS_TEST_LP_H

struct lp;

struct lp *lp_new(int vars);
void lp_free(struct lp *lp);
/* Add sum(coef[i] * x[idx[i]]) = rhs (sense '=') or <= rhs (sense '<'). */
void lp_row(struct lp *lp, const int *idx, const double *coef, int n, char sense, double rhs);
/* The least sum of violations over x >= 0: 0 (up to rounding) when feasible. */
double lp_infeasibility(struct lp *lp);

#endif
