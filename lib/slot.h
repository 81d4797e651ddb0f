/* slot.h - one Cyrus slot: a private Cyrus instance under <base_dir>/<store>.
 *
 * Tree (root-owned unless said):
 *   etc/imapd.conf  common config, ends with "@include: etc/role.conf"
 *   etc/role.conf   master or replica settings (sync_log, channels)
 *   etc/cyrus.conf  services of the role; every cmd has its own -C
 *   conf/ spool/ meta/ run/   Cyrus's own (cyrus:mail)
 *   state/          the agent's: role, pids, caches, marks
 *   log/            stdout/stderr of master and sync_client
 * Processes: `master` runs in its own session (pgid = its pid, recorded);
 * each rolling sync_client too, so stopping master leaves it draining. */
#ifndef SS_SLOT_H
#define SS_SLOT_H

#include <stddef.h>

#define SLOT_MAX 3
#define SLOT_PATH 512

enum slot_role { SLOT_REPLICA, SLOT_MASTER };

struct slot_member {
    char node[128];
    int slotno;
    char addr[64];
    char channel[16]; /* sync channel name used by a master towards this member */
};

struct slot {
    char store[64];
    char node[128];
    int self; /* index of this slot in members (failover order) */
    int n;
    struct slot_member m[SLOT_MAX];
    int imap_port, lmtp_port, sync_port;
    char dir[SLOT_PATH];
    char bin[SLOT_PATH];
    char sync_repeat[32];
    char sync_password[128];
    char extra[1024];
    int outdate_grace; /* seconds */
};

/* Fill from OCF parameters; on error writes a message naming the parameter
 * and returns -1 (bad configuration) or -2 (Cyrus not installed). */
int slot_parse(struct slot *s, char *err, size_t errlen);
void slot_path(const struct slot *s, const char *rel, char *buf, size_t len);

/* Directories, sasldb (first start only) and the config of a role. */
int slot_create(const struct slot *s);
int slot_write_config(const struct slot *s, enum slot_role role);
/* Replication progress of the slot's data: the sum of every mailbox's HIGHESTMODSEQ,
 * read from the cyrus.index headers.  A replica holds its master's modseqs, so of two
 * replicas of one master the one that has received more has the larger sum.  0, or -1
 * when the tree cannot be read or an index has an unknown format. */
int slot_progress(const struct slot *s, unsigned long long *sum);
/* A replica's local IMAP for the agent alone (reconciling after a cut): a unix
 * socket under the slot's run/socket; -1 when the path is too long for one. */
int slot_admin_socket(const struct slot *s, char *buf, size_t len);
/* Move leftover sync logs aside (they describe writes made as master). */
int slot_park_sync_log(const struct slot *s);

int slot_master_start(const struct slot *s, enum slot_role role, long timeout_ms);
int slot_master_stop(const struct slot *s, long timeout_ms);
/* Stop writers gracefully: Cyrus's shutdown file makes every service answer
 * 421 at its next command, so a delivery in flight finishes with its reply
 * instead of being cut after its commit (which the sender would retry: a
 * duplicate).  Waits `settle_ms`.  slot_unquiesce removes the file (the
 * rolling sync_client also obeys it, so remove it before draining). */
void slot_quiesce(const struct slot *s, long settle_ms);
void slot_unquiesce(const struct slot *s);
int slot_master_alive(const struct slot *s);
/* Anything left in the master's process group (orphaned children). */
int slot_group_alive(const struct slot *s);
int slot_listening(const char *addr, int port);

int slot_sync_start(const struct slot *s, int member);
/* A one-off sync_client -A (every user compared) towards a member that may lack changes
 * no sync log names (a replica behind the new master after a failover); stopped with
 * slot_sync_stop. */
int slot_sync_full(const struct slot *s, int member);
int slot_sync_stop(const struct slot *s, int member, long timeout_ms);
int slot_sync_alive(const struct slot *s, int member);
/* Seconds the channel's pending log has waited (0 when drained). */
long slot_sync_pending_age(const struct slot *s, int member);
int slot_sync_drained_all(const struct slot *s);
/* The sync log files waiting for a member now (log-run, log), each named so that it is
 * told apart from a later file: "" when none waits.  slot_sync_shipped is 1 once none of
 * the files a backlog names waits any more, i.e. all it held has been sent, even though
 * newer writes may wait in newer files (a busy store's log is seldom seen empty). */
#define SLOT_BACKLOG_LEN 96
int slot_sync_backlog(const struct slot *s, int member, char *buf, size_t len);
int slot_sync_shipped(const struct slot *s, int member, const char *backlog);

/* state/<name> files: a short string or absent. */
int slot_state_get(const struct slot *s, const char *name, char *buf, size_t len);
int slot_state_set(const struct slot *s, const char *name, const char *value);
void slot_state_del(const struct slot *s, const char *name);

#endif
