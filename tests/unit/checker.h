/* checker.h - an independent checker of the placement properties (README,
 * "What a good placement is").  It shares no code with the planner: it reads
 * only the topology's machines and the stores' machine lists. */
#ifndef SS_CHECKER_H
#define SS_CHECKER_H

struct chk_input {
    int machines;
    const int *slots;      /* per machine */
    const int *zone;       /* per machine, -1 without zones */
    int zones;             /* number of zones, 0 without */
    int copies;            /* 2 or 3 */
    int stores;
    const int *member;     /* stores x copies machine indexes, failover order */
    /* optional outputs (NULL: not wanted): each failure's bound for the busiest
     * survivor, single_bound[f] for machine f, double_bound[a*machines+b] for
     * a < b (only when doubles are checked) */
    int *single_bound;
    int *double_bound;
};

struct chk_report {
    int ok_distinct, ok_capacity, ok_zones, ok_fair;
    int single_worst_excess;   /* max over failures of busiest - bound (<= 0 is good) */
    int single_slack;          /* least worst excess any placement with these master and copy
                                * counts can have (0 when the water-filling bound is reachable
                                * for every failure at once); computed by a max-flow */
    int single_slack_any;      /* 2-slot stores: the same with any copy counts the slots
                                * allow, at the plan's bounds (else single_slack) */
    int single_min_receivers;  /* fewest survivors receiving masters over all failures */
    int double_worst_excess;   /* max over pairs of busiest - bound */
    int double_max_lost;       /* most stores lost by one double failure (2-slot stores) */
    int pair_bound;            /* the bound for that */
    char why[512];             /* first problem found */
};

void chk_run(const struct chk_input *in, int doubles, struct chk_report *out);

/* The double-failure bound of a and b for any placement with these master
 * counts m and replica counts room, given ab stores mastered on a with first
 * failover b and ba the other way round (what chk_run uses for the given
 * placement; non-decreasing in ab and in ba). */
int chk_double_bound(const struct chk_input *in, const int *m, const int *room, int a, int b,
                     int ab, int ba);

#endif
