/* cyrus_meta.c - OCF metadata of ocf:slotstore:cyrus (validated in tests
 * against resource-agents' metadata.rng, which is why there is no
 * "reloadable" attribute: that schema does not allow it). */
#include <stdio.h>

#include "cyrus_agent.h"

#define P(name, req, type, def, shortd, longd)                                              \
    "<parameter name=\"" name "\" unique=\"0\" required=\"" req "\">\n"                       \
    "<longdesc lang=\"en\">" longd "</longdesc>\n"                                          \
    "<shortdesc lang=\"en\">" shortd "</shortdesc>\n"                                       \
    "<content type=\"" type "\"" def "/>\n</parameter>\n"

static const char meta[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n"
    "<resource-agent name=\"cyrus\" version=\"" PACKAGE_VERSION "\">\n"
    "<version>1.1</version>\n"
    "<longdesc lang=\"en\">\n"
    "Runs one slot of a slotstore store: a private Cyrus IMAP instance under base_dir/store,\n"
    "as an instance of a promotable clone. Unpromoted = replica: only sync_server listens\n"
    "(addr:sync_port); no IMAP and no LMTP, so nothing can write to a replica (read checks are\n"
    "done on the slot's files). Promoted = master: IMAP and pre-authenticated LMTP (lmtpd -a),\n"
    "sync_log on, and one supervised rolling sync_client per replica (sync channel pN, N = the\n"
    "replica's position in slots). Promotion restarts Cyrus in the master role (safer than\n"
    "SIGHUP). Demotion is a lossless hand-over: Cyrus master stopped (no writers), the sync log\n"
    "drained while sync_client still runs (bounded by the demote timeout), sync_client stopped,\n"
    "restart as replica, and state/handover-clean recorded.\n"
    "\n"
    "Promotion-score ladder (crm_attribute --promotion, forked only when the value changes):\n"
    "1100 = master running: more than the role=Promoted preferences differ, so a master stays\n"
    "where it is (no automatic failback; moves are explicit: pcs/crm_resource or slotstore);\n"
    "1000 = replica that the master's monitor found in sync (its sync_client\n"
    "alive and its channel's sync log drained, or pending for less than outdate_grace; a replica\n"
    "marked outdated, or restarted since, needs all that waited for it when it answered again\n"
    "sent: the log drained, or the log files then waiting gone, as a busy store's log is seldom\n"
    "seen empty), or a master that has just\n"
    "handed over cleanly;\n"
    "1 = replica started, freshness not yet confirmed (also after a clean hand-over once\n"
    "stopped: the master may have written since);\n"
    "-INFINITY (explicit) = outdated: the master saw replication to it failing for longer than\n"
    "outdate_grace (also marked by the permanent node attribute slotstore-outdated-STORE, which\n"
    "survives the master's death and is cleared when replication catches up), or a former\n"
    "master restarted with an undrained sync log (its log is parked in state/, never replayed).\n"
    "Such a former master's replica monitor reconciles it with the store's master over IMAP\n"
    "(admin login with sync_password; a local IMAP on the unix socket run/socket/admin): each\n"
    "mailbox the parked log names that the master lacks, or holds under another MAILBOXID (created\n"
    "on both sides of a cut), is copied to state/rescue/, deleted here and appended to the master\n"
    "with its flags and date; mailboxes both hold are touched on the master so that Cyrus\n"
    "copies this slot's orphan messages back now. The parked log becomes reconciled-*.\n"
    "The role=Promoted preferences written by slotstore cib (10/20/30) only break ties.\n"
    "Stores with 3 slots: at pre-promote each replica publishes slotstore-progress-STORE (the\n"
    "sum of its mailboxes' HIGHESTMODSEQ); promote refuses while another promotable replica\n"
    "has more (its score drops to 1), and a new master runs one sync_client -A towards each\n"
    "replica that has less.\n"
    "promote refuses (generic error) on a slot that is outdated or at -INFINITY.\n"
    "The master's recurring monitor also sets the transient node attribute\n"
    "slotstore-lag-STORE on each replica's node: seconds its sync log has waited, rounded down to\n"
    "0, 10, 30, 60, 120, 300 ... (coarse: every change rewrites the CIB and aborts Pacemaker's\n"
    "transition; on a loaded lab 172 of 580 aborts came from finer steps).\n"
    "\n"
    "Cyrus logs only to syslog (prefix cyrus/STORE); run a syslog daemon to see its messages.\n"
    "Stdout/stderr of Cyrus go to base_dir/STORE/log/. Agent messages follow HA_LOGFILE and\n"
    "HA_LOGFACILITY. Probes (monitor with interval 0) never change state, except that a probe\n"
    "finding the slot promoted without its promotion score (wiped by a restarted controller)\n"
    "publishes it again.\n"
    "</longdesc>\n"
    "<shortdesc lang=\"en\">One Cyrus IMAP slot of a slotstore store (promotable)</shortdesc>\n"
    "<parameters>\n"
    P("store", "1", "string", "", "Store name",
      "Name of the store; the slot tree is base_dir/store.")
    P("slots", "1", "string", "", "Slots of the store, failover order",
      "Every slot of the store as machine:slot@IPv4, space separated, in failover order, e.g. "
      "\"imap01:3@10.0.1.3 imap07:12@10.0.7.12\" (2 or 3 slots). This instance is the one whose "
      "machine is the local node.")
    P("imap_port", "0", "integer", " default=\"143\"", "IMAP port",
      "IMAP port on the slot's address (master only).")
    P("lmtp_port", "0", "integer", " default=\"24\"", "LMTP port",
      "LMTP port on the slot's address (master only, pre-authenticated).")
    P("sync_port", "0", "integer", " default=\"2005\"", "Replication port",
      "sync_server port on the slot's address (replica only).")
    P("base_dir", "0", "string", " default=\"/var/lib/slotstore\"", "Root of slot trees",
      "Directory under which each store's slot tree lives.")
    P("sync_repeat_interval", "0", "string", " default=\"0\"", "Rolling sync interval",
      "Cyrus sync_repeat_interval of the rolling sync_client (0: lowest lag).")
    P("sync_password", "0", "string", "", "Replication password",
      "Password of the cyrus user between slots of the store (default: the store name; set "
      "one on real clusters).")
    P("outdate_grace", "0", "integer", " default=\"30\"", "Seconds before outdating",
      "Seconds replication to a replica may fail before the master's monitor outdates it "
      "(promotion score -INFINITY and slotstore-outdated-STORE node attribute).")
    P("extra_config", "0", "string", "", "Extra imapd.conf lines",
      "Extra imapd.conf settings separated by ';', e.g. \"autocreate_post: yes; "
      "autocreate_quota: 100000\".")
    P("cyrus_bin", "0", "string", " default=\"/usr/lib/cyrus/bin\"", "Cyrus programs",
      "Directory of Cyrus's master, imapd, lmtpd, sync_client, sync_server, ctl_cyrusdb.")
    P("node", "0", "string", "", "Node name override",
      "Name of this node in slots (default: CRM_meta_on_node, then the host name). For tests "
      "that run several slots of one store on one machine.")
    "</parameters>\n"
    "<actions>\n"
    "<action name=\"start\" timeout=\"60s\"/>\n"
    "<action name=\"stop\" timeout=\"60s\"/>\n"
    "<action name=\"promote\" timeout=\"60s\"/>\n"
    "<action name=\"demote\" timeout=\"120s\"/>\n"
    "<action name=\"monitor\" depth=\"0\" timeout=\"20s\" interval=\"9s\" role=\"Promoted\"/>\n"
    "<action name=\"monitor\" depth=\"0\" timeout=\"20s\" interval=\"11s\" role=\"Unpromoted\"/>\n"
    "<action name=\"notify\" timeout=\"20s\"/>\n"
    "<action name=\"reload-agent\" timeout=\"20s\"/>\n"
    "<action name=\"meta-data\" timeout=\"5s\"/>\n"
    "<action name=\"validate-all\" timeout=\"20s\"/>\n"
    "</actions>\n"
    "</resource-agent>\n";

int cyrus_meta_data(void)
{
    fputs(meta, stdout);
    return 0;
}
