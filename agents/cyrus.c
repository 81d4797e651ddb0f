/* cyrus.c - ocf:slotstore:cyrus, one Cyrus slot as a promotable clone
 * instance.  Actions are small functions over lib/slot (processes, config)
 * and lib/ocf (environment, logging, attributes); see the metadata for the
 * behaviour and the promotion-score ladder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cyrus_agent.h"
#include "ocf.h"
#include "slot.h"

#define STOP_MS 10000L

/* Attribute name of the persistent "outdated" mark of a store. */
static void outdated_name(const struct slot *s, char *buf, size_t len)
{
    snprintf(buf, len, "slotstore-outdated-%s", s->store);
}

static void score_cache(const struct slot *s, int member, char *buf, size_t len)
{
    snprintf(buf, len, "%s/state/score.%s", s->dir, s->m[member].node);
}

static void publish(const struct slot *s, int member, const char *score)
{
    char cache[SLOT_PATH + 160];
    score_cache(s, member, cache, sizeof(cache));
    ocf_promotion_set(s->m[member].node, score, cache);
}

/* start/promote/demote are rare and the attribute may have been changed by
 * another slot since our cache was written: always send. */
static void publish_now(const struct slot *s, int member, const char *score)
{
    char cache[SLOT_PATH + 160];
    score_cache(s, member, cache, sizeof(cache));
    unlink(cache);
    ocf_promotion_set(s->m[member].node, score, cache);
}

static int is_marked(const struct slot *s, int member)
{
    char mark[32], v[8];
    snprintf(mark, sizeof(mark), "outdated.%s", s->m[member].channel);
    return slot_state_get(s, mark, v, sizeof(v)) == 0;
}

/* A replica that (re)started since the master last saw its log drained: its first
 * verdict needs a full drain, as for a marked one (a young pending log would call it
 * in sync before the master's sync_client has even reached it, e.g. before Cyrus's
 * copy-back of a crashed master's orphan messages). */
static int is_rejoined(const struct slot *s, int member)
{
    char name[32], v[8];
    snprintf(name, sizeof(name), "rejoined.%s", s->m[member].channel);
    return slot_state_get(s, name, v, sizeof(v)) == 0;
}

static void set_rejoined(const struct slot *s, int member, int on)
{
    char name[32];
    snprintf(name, sizeof(name), "rejoined.%s", s->m[member].channel);
    if (on)
        slot_state_set(s, name, "1");
    else
        slot_state_del(s, name);
}

/* A new master adopts the outdated marks in the CIB (a previous master may
 * have set them), so that its monitor clears them only after a full drain. */
static void adopt_mark(const struct slot *s, int member)
{
    char name[128], mark[32], v[64];
    outdated_name(s, name, sizeof(name));
    snprintf(mark, sizeof(mark), "outdated.%s", s->m[member].channel);
    if (ocf_node_attr_get(s->m[member].node, name, v, sizeof(v)) == 0 && v[0] &&
        strcmp(v, "0") != 0)
        slot_state_set(s, mark, "1");
    else
        slot_state_del(s, mark);
}

/* The outdated mark is permanent: it survives the master that set it. */
static void set_outdated(const struct slot *s, int member, int outdated)
{
    char name[128], mark[32];
    outdated_name(s, name, sizeof(name));
    snprintf(mark, sizeof(mark), "outdated.%s", s->m[member].channel);
    char have[8];
    int had = slot_state_get(s, mark, have, sizeof(have)) == 0;
    if (outdated && !had) {
        ocf_log(OCF_WARN, "replication to %s has failed for more than %d s: outdating it",
                s->m[member].node, s->outdate_grace);
        if (ocf_node_attr_set(s->m[member].node, name, "1") == 0)
            slot_state_set(s, mark, "1");
    } else if (!outdated && had) {
        ocf_log(OCF_INFO, "replica %s caught up: clearing its outdated mark", s->m[member].node);
        if (ocf_node_attr_set(s->m[member].node, name, NULL) == 0)
            slot_state_del(s, mark);
    }
    publish(s, member, outdated ? SCORE_OUTDATED : SCORE_INSYNC);
}

static int self_outdated(const struct slot *s)
{
    char name[128], v[64];
    outdated_name(s, name, sizeof(name));
    if (ocf_node_attr_get(s->node, name, v, sizeof(v)) == 0 && v[0] && strcmp(v, "0") != 0)
        return 1;
    if (ocf_promotion_get(s->node, v, sizeof(v)) == 0 && strcmp(v, SCORE_OUTDATED) == 0)
        return 1;
    return 0;
}

/* Every other slot carries the permanent outdated mark: none of them can have been
 * promoted since, so this slot (a former master) holds the only complete copy. */
static int others_all_outdated(const struct slot *s)
{
    char name[128], v[64];
    outdated_name(s, name, sizeof(name));
    for (int i = 0; i < s->n; i++) {
        if (i == s->self)
            continue;
        if (ocf_node_attr_get(s->m[i].node, name, v, sizeof(v)) != 0 || !v[0] ||
            strcmp(v, "0") == 0)
            return 0;
    }
    return 1;
}

static int running_role(const struct slot *s)
{
    char r[16];
    if (slot_state_get(s, "role", r, sizeof(r)) != 0)
        return -1;
    return strcmp(r, "master") == 0 ? SLOT_MASTER : SLOT_REPLICA;
}

static void set_role(const struct slot *s, int role)
{
    if (role < 0)
        slot_state_del(s, "role");
    else
        slot_state_set(s, "role", role == SLOT_MASTER ? "master" : "replica");
}

static void stop_sync_clients(const struct slot *s)
{
    for (int i = 0; i < s->n; i++)
        if (i != s->self)
            slot_sync_stop(s, i, 3000);
}

/* Everything of the slot stopped: sync_clients, then Cyrus's group. */
static int stop_all(const struct slot *s)
{
    stop_sync_clients(s);
    return slot_master_stop(s, STOP_MS);
}

static int start_role(const struct slot *s, enum slot_role role)
{
    if (slot_write_config(s, role) != 0)
        return OCF_ERR_GENERIC;
    if (slot_master_start(s, role, ocf_timeout_ms(60000) - 2000) != 0) {
        slot_master_stop(s, STOP_MS);
        return OCF_ERR_GENERIC;
    }
    set_role(s, role);
    return OCF_SUCCESS;
}

static int action_start(const struct slot *s)
{
    if (slot_master_alive(s) && running_role(s) >= 0)
        return OCF_SUCCESS;
    if (slot_create(s) != 0)
        return OCF_ERR_PERM;
    stop_all(s); /* leftovers of a crash: orphaned children keep the ports */
    /* A sync log left by a crash holds writes the replicas lack. Normally a replica has
     * been promoted meanwhile and this slot is stale: park the log (never replayed).
     * When every replica is marked outdated, no one was promoted: this slot is the
     * freshest, and its log is kept so that, promoted again, it replicates those writes. */
    int parked = 0;
    if (!self_outdated(s) && others_all_outdated(s))
        ocf_log(OCF_INFO, "every other slot is outdated: keeping this former master's sync log");
    else
        parked = slot_park_sync_log(s);
    int rc = start_role(s, SLOT_REPLICA);
    if (rc != OCF_SUCCESS)
        return rc;
    /* A clean hand-over (state/handover-clean) proves freshness only at the
     * moment of demote: after a stop the master may have written more, so a
     * started replica is "unknown" until the master's monitor confirms it. */
    if (parked > 0 || self_outdated(s))
        publish_now(s, s->self, SCORE_OUTDATED); /* a former master that did not hand over */
    else
        publish_now(s, s->self, SCORE_UNKNOWN);
    ocf_log(OCF_INFO, "started as replica on %s:%d", s->m[s->self].addr, s->sync_port);
    return OCF_SUCCESS;
}

static int action_stop(const struct slot *s)
{
    int rc = stop_all(s);
    set_role(s, -1);
    slot_state_del(s, "handover-clean");
    return rc == 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
}

/* A marked or rejoined replica needs everything that waited for it when it answered
 * again to have been sent.  A drained log proves it, but a busy store's log is seldom seen
 * empty, so the files waiting at that moment are recorded (state/backlog.CHANNEL) and
 * their being gone proves it too.  Recorded only once the replica answers: the files
 * then waiting hold every write it missed. */
static void backlog_name(const struct slot *s, int member, char *buf, size_t len)
{
    snprintf(buf, len, "backlog.%s", s->m[member].channel);
}

static int backlog_shipped(const struct slot *s, int member)
{
    char name[32], backlog[SLOT_BACKLOG_LEN];
    backlog_name(s, member, name, sizeof(name));
    if (slot_state_get(s, name, backlog, sizeof(backlog)) == 0)
        return slot_sync_shipped(s, member, backlog);
    if (!slot_listening(s->m[member].addr, s->sync_port) ||
        slot_sync_backlog(s, member, backlog, sizeof(backlog)) != 0)
        return 0;
    slot_state_set(s, name, backlog);
    return backlog[0] == '\0';
}

static void forget_backlog(const struct slot *s, int member)
{
    char name[32];
    backlog_name(s, member, name, sizeof(name));
    slot_state_del(s, name);
}

/* A rolling sync_client whose replica was away backs off up to 20 min: when
 * work is waiting and the replica answers again, restart it so a replica
 * catches up in seconds, not minutes. */
#define KICK_INTERVAL 60 /* seconds */

static void kick_sync_client(const struct slot *s, int i, long age, int marked)
{
    char away[32];
    snprintf(away, sizeof(away), "unreachable.%s", s->m[i].channel);
    if (!slot_listening(s->m[i].addr, s->sync_port)) {
        slot_state_set(s, away, "1");
        forget_backlog(s, i); /* what it missed grows until it answers again */
        return;
    }
    if (age == 0 || (!marked && age <= s->outdate_grace))
        return;
    /* at once when it answers again after being seen away; otherwise at most once a
     * minute (a replica that came back between two monitors): restarting every few
     * seconds would kill a long full sync (copy-back after a crash) before it ends */
    char v[32], kicked[32];
    snprintf(kicked, sizeof(kicked), "kicked.%s", s->m[i].channel);
    time_t now = time(NULL);
    int seen_away = slot_state_get(s, away, v, sizeof(v)) == 0;
    if (!seen_away && slot_state_get(s, kicked, v, sizeof(v)) == 0 &&
        now - strtol(v, NULL, 10) < KICK_INTERVAL)
        return;
    slot_state_del(s, away);
    snprintf(v, sizeof(v), "%ld", (long)now);
    slot_state_set(s, kicked, v);
    ocf_log(OCF_INFO, "replica %s answers again: restarting its sync_client", s->m[i].node);
    slot_sync_stop(s, i, 3000);
    slot_sync_start(s, i);
}
/* Replication lag of a replica as the master sees it: seconds its sync log
 * has waited (0 = drained), as the transient node attribute
 * slotstore-lag-<store> on the replica's node; forked only on change. */
/* The lag in coarse steps (seconds, rounded down): an attribute that followed every second
 * of jitter under load would rewrite the CIB, and so abort Pacemaker's transition, on
 * almost every monitor of every store, slowing every failover and planned move. */
static long lag_step(long age)
{
    static const long steps[] = {10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 86400};
    long v = 0;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && age >= steps[i]; i++)
        v = steps[i];
    return v;
}

static void publish_lag(const struct slot *s, int member, long age)
{
    char cache[48], last[32] = "", value[32], name[96];
    snprintf(cache, sizeof(cache), "lag.%s", s->m[member].channel);
    snprintf(value, sizeof(value), "%ld", lag_step(age));
    if (slot_state_get(s, cache, last, sizeof(last)) == 0 && strcmp(last, value) == 0)
        return;
    snprintf(name, sizeof(name), "slotstore-lag-%s", s->store);
    if (ocf_node_status_set(s->m[member].node, name, value) == 0)
        slot_state_set(s, cache, value);
}

/* Master side of the monitor: supervise each sync_client, judge each replica. */
static void check_replicas(const struct slot *s, int probe)
{
    for (int i = 0; i < s->n; i++) {
        if (i == s->self)
            continue;
        int alive = slot_sync_alive(s, i);
        if (!alive && !probe) {
            ocf_log(OCF_WARN, "sync_client to %s (%s) is not running: restarting it",
                    s->m[i].node, s->m[i].channel);
            slot_sync_start(s, i);
        }
        if (probe)
            continue;
        long age = slot_sync_pending_age(s, i);
        publish_lag(s, i, age);
        int marked = is_marked(s, i) || is_rejoined(s, i);
        char name[32], since[32];
        snprintf(name, sizeof(name), "failing.%s", s->m[i].channel);
        /* in sync: drained, or sent all that waited when it answered again; or, unless
         * marked outdated, a young pending log (under constant writes the log is rarely
         * seen empty) */
        int caught_up = age == 0 || (marked && alive && backlog_shipped(s, i));
        if (alive && (caught_up || (!marked && age <= s->outdate_grace))) {
            slot_state_del(s, name);
            if (caught_up) {
                set_rejoined(s, i, 0);
                forget_backlog(s, i);
            }
            set_outdated(s, i, 0);
            continue;
        }
        kick_sync_client(s, i, age, marked);
        if (alive && age <= s->outdate_grace)
            continue; /* catching up: no verdict yet */
        if (slot_state_get(s, name, since, sizeof(since)) != 0) {
            snprintf(since, sizeof(since), "%ld", (long)time(NULL));
            slot_state_set(s, name, since);
        }
        if (time(NULL) - strtol(since, NULL, 10) >= s->outdate_grace)
            set_outdated(s, i, 1);
    }
}

/* A probe finding this slot promoted.  A restarted controller wipes its node's transient
 * attributes, and Pacemaker demotes a promoted instance that has no promotion score in
 * favour of a replica: put back only what is missing (a probe changes nothing that is in
 * place), and forget the replicas' published scores so the next monitor sends them again. */
static void restore_master_score(const struct slot *s)
{
    char v[64] = "";
    if (ocf_promotion_get(s->node, v, sizeof(v)) == 0 && strcmp(v, SCORE_MASTER) == 0)
        return;
    ocf_log(OCF_WARN, "this master's promotion score is %s: publishing it again",
            v[0] ? v : "gone (a restarted controller?)");
    publish_now(s, s->self, SCORE_MASTER);
    for (int i = 0; i < s->n; i++) {
        if (i == s->self)
            continue;
        char cache[SLOT_PATH + 160];
        score_cache(s, i, cache, sizeof(cache));
        unlink(cache);
    }
}

static int action_monitor(const struct slot *s, int probe)
{
    int role = running_role(s);
    int alive = slot_master_alive(s);
    if (!alive) {
        /* A probe after a crash or reboot finds only the role file left: not running
         * (start deals with the leftovers). A recurring monitor reports the failure. */
        if ((role < 0 || probe) && !slot_group_alive(s))
            return OCF_NOT_RUNNING;
        ocf_log(OCF_ERR, "Cyrus master of the slot is not running (role %s)",
                role == SLOT_MASTER ? "master" : role == SLOT_REPLICA ? "replica" : "none");
        return role == SLOT_MASTER ? OCF_FAILED_PROMOTED : OCF_ERR_GENERIC;
    }
    if (role < 0) {
        ocf_log(OCF_ERR, "Cyrus runs but the agent has no record of starting it");
        return OCF_ERR_GENERIC;
    }
    int port = role == SLOT_MASTER ? s->imap_port : s->sync_port;
    if (!slot_listening(s->m[s->self].addr, port)) {
        ocf_log(OCF_ERR, "nothing answers on %s:%d", s->m[s->self].addr, port);
        return role == SLOT_MASTER ? OCF_FAILED_PROMOTED : OCF_ERR_GENERIC;
    }
    if (role != SLOT_MASTER) {
        if (!probe)
            cyrus_reconcile(s);
        return OCF_SUCCESS;
    }
    if (s->lmtp_port != s->imap_port &&
        !slot_listening(s->m[s->self].addr, s->lmtp_port)) {
        ocf_log(OCF_ERR, "LMTP does not answer on %s:%d", s->m[s->self].addr, s->lmtp_port);
        return OCF_FAILED_PROMOTED;
    }
    check_replicas(s, probe);
    if (probe)
        restore_master_score(s);
    else
        publish(s, s->self, SCORE_MASTER);
    return OCF_RUNNING_PROMOTED;
}

/* ---- the freshest replica of a 3-slot store wins (as PAF does with LSNs) ----
 * At pre-promote every replica publishes its replication progress (slot_progress) as the
 * transient attribute slotstore-progress-STORE = "SUM@EPOCH" on its node; the one Pacemaker
 * chose compares at promote and steps back when another promotable replica has more. */
#define PROGRESS_FRESH 120 /* seconds a published progress counts */

static void progress_name(const struct slot *s, char *buf, size_t len)
{
    snprintf(buf, len, "slotstore-progress-%s", s->store);
}

static void publish_progress(const struct slot *s)
{
    unsigned long long sum;
    if (slot_progress(s, &sum) != 0) {
        ocf_log(OCF_WARN, "cannot read this slot's replication progress");
        return;
    }
    char name[96], value[64];
    progress_name(s, name, sizeof(name));
    snprintf(value, sizeof(value), "%llu@%ld", sum, (long)time(NULL));
    if (ocf_node_status_set(s->node, name, value) == 0)
        ocf_log(OCF_INFO, "replication progress of this slot: %llu", sum);
}

/* Published progress of member i ("SUM@EPOCH", fresh), into *sum: 0, or -1 when none. */
static int member_progress(const struct slot *s, int i, unsigned long long *sum)
{
    char name[96], v[64];
    progress_name(s, name, sizeof(name));
    if (ocf_node_status_get(s->m[i].node, name, v, sizeof(v)) != 0)
        return -1;
    char *at = strchr(v, '@');
    if (!at || time(NULL) - strtol(at + 1, NULL, 10) > PROGRESS_FRESH)
        return -1;
    *sum = strtoull(v, NULL, 10);
    return 0;
}

/* What promote knows of the store's progress: this slot's, and what the others published
 * (read once: the tree walk and the attribute queries serve both checks). */
struct progress_view {
    unsigned long long mine;
    unsigned long long theirs[SLOT_MAX];
    int published[SLOT_MAX];
};

/* 0 when this slot's progress is known (3-slot stores only), else -1. */
static int read_progress(const struct slot *s, struct progress_view *pv)
{
    if (s->n < 3 || slot_progress(s, &pv->mine) != 0)
        return -1;
    for (int i = 0; i < s->n; i++)
        pv->published[i] = i != s->self && member_progress(s, i, &pv->theirs[i]) == 0;
    return 0;
}

/* Index of a promotable member that published more progress than this slot has, or -1. */
static int fresher_member(const struct slot *s, const struct progress_view *pv)
{
    for (int i = 0; i < s->n; i++) {
        if (!pv->published[i] || pv->theirs[i] <= pv->mine)
            continue;
        char score[64];
        if (ocf_promotion_get(s->m[i].node, score, sizeof(score)) == 0 &&
            strcmp(score, SCORE_OUTDATED) == 0)
            continue; /* outdated: never promoted, whatever it holds */
        return i;
    }
    return -1;
}

/* A replica that published less progress than this new master lacks changes that no sync
 * log of ours names (the dead master's): one full compare of every user brings them. */
static void catch_up_behind(const struct slot *s, const struct progress_view *pv)
{
    for (int i = 0; i < s->n; i++) {
        if (!pv->published[i] || pv->theirs[i] >= pv->mine)
            continue;
        ocf_log(OCF_INFO, "%s is behind this slot (progress %llu < %llu): a full sync to it",
                s->m[i].node, pv->theirs[i], pv->mine);
        if (slot_sync_full(s, i) != 0)
            ocf_log(OCF_WARN, "cannot start a full sync_client to %s", s->m[i].node);
    }
}

static int action_promote(const struct slot *s)
{
    if (running_role(s) == SLOT_MASTER && slot_master_alive(s))
        return OCF_SUCCESS;
    if (self_outdated(s)) {
        ocf_log(OCF_ERR, "refusing to promote: this slot is outdated (its data may be stale)");
        return OCF_ERR_GENERIC;
    }
    struct progress_view pv;
    int known = read_progress(s, &pv) == 0;
    if (known) {
        int i = fresher_member(s, &pv);
        if (i >= 0) {
            ocf_log(OCF_WARN, "refusing to promote: %s has received more (progress above "
                    "this slot's %llu); stepping back so that Pacemaker promotes it",
                    s->m[i].node, pv.mine);
            publish_now(s, s->self, SCORE_UNKNOWN);
            return OCF_ERR_GENERIC;
        }
    }
    slot_master_stop(s, STOP_MS);
    slot_state_del(s, "handover-clean");
    int rc = start_role(s, SLOT_MASTER);
    if (rc != OCF_SUCCESS)
        return rc;
    for (int i = 0; i < s->n; i++)
        if (i != s->self) {
            adopt_mark(s, i);
            forget_backlog(s, i); /* recorded when this slot was master before */
            if (slot_sync_start(s, i) != 0)
                ocf_log(OCF_WARN, "cannot start sync_client to %s", s->m[i].node);
        }
    if (known)
        catch_up_behind(s, &pv);
    publish_now(s, s->self, SCORE_MASTER);
    ocf_log(OCF_INFO, "promoted: master on %s (imap %d, lmtp %d)", s->m[s->self].addr,
            s->imap_port, s->lmtp_port);
    return OCF_SUCCESS;
}

/* Wait for the sync log to drain while sync_clients run; bounded. */
static int drain(const struct slot *s, long budget_ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (slot_sync_drained_all(s))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (el >= budget_ms)
            return 0;
        for (int i = 0; i < s->n; i++)
            if (i != s->self && !slot_sync_alive(s, i) && slot_sync_pending_age(s, i) > 0)
                slot_sync_start(s, i);
        struct timespec d = {0, 10 * 1000000L};
        nanosleep(&d, NULL);
    }
}

static int action_demote(const struct slot *s)
{
    int role = running_role(s);
    if (role == SLOT_REPLICA && slot_master_alive(s))
        return OCF_SUCCESS;
    if (role < 0)
        return OCF_NOT_RUNNING;
    slot_quiesce(s, 250); /* deliveries in flight get their reply first */
    int stopped = slot_master_stop(s, STOP_MS); /* no writers from here on */
    slot_unquiesce(s);                          /* sync_client obeys it too */
    if (stopped != 0)
        return OCF_ERR_GENERIC;
    long budget = ocf_timeout_ms(120000) - 5000;
    int clean = drain(s, budget > 1000 ? budget : 1000);
    stop_sync_clients(s);
    if (clean) {
        char now[32];
        snprintf(now, sizeof(now), "%ld", (long)time(NULL));
        slot_state_set(s, "handover-clean", now);
        ocf_log(OCF_INFO, "sync log drained: handed over clean");
    } else {
        /* keep the log: replicas lack these writes, this slot stays the freshest */
        for (int i = 0; i < s->n; i++)
            if (i != s->self && slot_sync_pending_age(s, i) > 0)
                set_outdated(s, i, 1);
        ocf_log(OCF_WARN, "sync log not drained within the demote timeout");
    }
    int rc = start_role(s, SLOT_REPLICA);
    if (rc == OCF_SUCCESS)
        publish_now(s, s->self, SCORE_INSYNC);
    return rc;
}

static int action_reload(const struct slot *s)
{
    int role = running_role(s);
    if (role >= 0 && slot_write_config(s, (enum slot_role)role) != 0)
        return OCF_ERR_GENERIC;
    return OCF_SUCCESS;
}

/* pre-promote (3-slot stores): every replica publishes its progress (see above).
 * post-start: a replica (re)started and published "unknown". The master forgets what it
 * last published for that node, so its next check (now, and every monitor) sends the
 * verdict again instead of waiting for the periodic refresh. */
static int action_notify(const struct slot *s)
{
    const char *type = ocf_param("CRM_meta_notify_type", "");
    const char *op = ocf_param("CRM_meta_notify_operation", "");
    if (strcmp(type, "pre") == 0 && strcmp(op, "promote") == 0) {
        if (s->n > 2 && running_role(s) == SLOT_REPLICA && slot_master_alive(s))
            publish_progress(s);
        return OCF_SUCCESS;
    }
    if (strcmp(type, "post") != 0 || strcmp(op, "start") != 0 ||
        running_role(s) != SLOT_MASTER || !slot_master_alive(s))
        return OCF_SUCCESS;
    char started[1024];
    snprintf(started, sizeof(started), " %s ", ocf_param("CRM_meta_notify_start_uname", ""));
    int any = 0;
    for (int i = 0; i < s->n; i++) {
        char needle[160], cache[SLOT_PATH + 96];
        snprintf(needle, sizeof(needle), " %s ", s->m[i].node);
        if (i == s->self || strstr(started, needle) == NULL)
            continue;
        score_cache(s, i, cache, sizeof(cache));
        unlink(cache);
        set_rejoined(s, i, 1);
        forget_backlog(s, i); /* recorded before its restart */
        /* its sync_client may be backing off for minutes: restart it now */
        if (slot_sync_pending_age(s, i) > 0) {
            slot_sync_stop(s, i, 3000);
            slot_sync_start(s, i);
        }
        any = 1;
    }
    if (any)
        check_replicas(s, 0);
    return OCF_SUCCESS;
}

static int usage(void)
{
    fprintf(stderr, "usage: cyrus {start|stop|monitor|promote|demote|notify|meta-data|"
                    "validate-all|reload-agent}\n");
    return OCF_ERR_UNIMPLEMENTED;
}

/* Bad configuration: what each action must answer. */
static int config_error(const char *action, int kind, const char *msg)
{
    ocf_log(OCF_ERR, "%s", msg);
    if (kind == -2) { /* Cyrus not installed here: it cannot be running */
        if (strcmp(action, "stop") == 0)
            return OCF_SUCCESS;
        if (strcmp(action, "monitor") == 0)
            return OCF_NOT_RUNNING;
        return OCF_ERR_INSTALLED;
    }
    return OCF_ERR_CONFIGURED;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return usage();
    const char *action = argv[1];
    if (strcmp(action, "meta-data") == 0)
        return cyrus_meta_data();
    ocf_log_init("cyrus", ocf_param("store", getenv("OCF_RESOURCE_INSTANCE")));
    static const char *const known[] = {"start", "stop", "monitor", "promote", "demote",
                                        "notify", "validate-all", "reload-agent", NULL};
    int ok = 0;
    for (int i = 0; known[i]; i++)
        ok |= strcmp(action, known[i]) == 0;
    if (!ok)
        return usage();
    struct slot s;
    char err[512];
    int kind = slot_parse(&s, err, sizeof(err));
    if (kind != 0)
        return config_error(action, kind, err);
    if (strcmp(action, "validate-all") == 0)
        return OCF_SUCCESS;
    if (strcmp(action, "notify") == 0)
        return action_notify(&s);
    if (strcmp(action, "start") == 0)
        return action_start(&s);
    if (strcmp(action, "stop") == 0)
        return action_stop(&s);
    if (strcmp(action, "monitor") == 0)
        return action_monitor(&s, ocf_is_probe(action));
    if (strcmp(action, "promote") == 0)
        return action_promote(&s);
    if (strcmp(action, "demote") == 0)
        return action_demote(&s);
    return action_reload(&s);
}
