/* ocf.h - the OCF runtime an agent needs: exit codes, parameters from the
 * environment, Pacemaker-style logging, running helpers without a shell,
 * and node attributes through crm_attribute.
 *
 * crm_attribute is forked rather than linked: Pacemaker 2.1.5 has no public
 * attrd client API, and writing the CIB status directly would bypass attrd. */
#ifndef SS_OCF_H
#define SS_OCF_H

#include <stddef.h>

enum ocf_rc {
    OCF_SUCCESS = 0,
    OCF_ERR_GENERIC = 1,
    OCF_ERR_ARGS = 2,
    OCF_ERR_UNIMPLEMENTED = 3,
    OCF_ERR_PERM = 4,
    OCF_ERR_INSTALLED = 5,
    OCF_ERR_CONFIGURED = 6,
    OCF_NOT_RUNNING = 7,
    OCF_RUNNING_PROMOTED = 8,
    OCF_FAILED_PROMOTED = 9
};

enum ocf_level { OCF_DEBUG, OCF_INFO, OCF_WARN, OCF_ERR };

/* OCF_RESKEY_<name>, or def when unset or empty. */
const char *ocf_param(const char *name, const char *def);
/* OCF_RESKEY_CRM_meta_<name>, or NULL. */
const char *ocf_meta(const char *name);

/* "cyrus(<instance>)" as the log tag; HA_LOGFILE, HA_DEBUGLOG, HA_LOGFACILITY
 * are honoured, stderr always gets the message (Pacemaker logs it). */
void ocf_log_init(const char *agent, const char *instance);
void ocf_log(enum ocf_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The action's timeout (CRM_meta_timeout, ms) or def_ms. */
long ocf_timeout_ms(long def_ms);
/* A monitor with interval 0: a probe, which must never change state. */
int ocf_is_probe(const char *action);

/* fork/exec argv (no shell); stdin from in (or /dev/null), stdout into out
 * (NUL-terminated, may be NULL); stderr passed through, or discarded when
 * stdout is captured (queries).  Returns the exit
 * status, or -1 when it could not run or was killed. */
int ocf_run(const char *const argv[], const char *in, char *out, size_t outlen);

/* Promotion score of this resource on node (crm_attribute --promotion).
 * cache: a file remembering the last published value, so that nothing is
 * forked when the value is unchanged (NULL: always publish).  Another
 * writer (the master publishes its replicas' scores, the replica its own)
 * can change the attribute behind a cache, so a cached value is re-sent
 * after OCF_PROMOTION_REFRESH seconds anyway. */
#define OCF_PROMOTION_REFRESH 60
int ocf_promotion_set(const char *node, const char *score, const char *cache);
/* Read it back into buf; returns 0 when found. */
int ocf_promotion_get(const char *node, char *buf, size_t len);

/* A permanent node attribute (lifetime forever); value NULL deletes it. */
int ocf_node_attr_set(const char *node, const char *name, const char *value);
/* First line of a small file, without its line end; 0 or -1. */
int ocf_read_line(const char *path, char *buf, size_t len);
int ocf_node_attr_get(const char *node, const char *name, char *buf, size_t len);
/* A transient node attribute (lifetime reboot: gone when the node leaves). */
int ocf_node_status_set(const char *node, const char *name, const char *value);
/* Read one back into buf; 0 when found. */
int ocf_node_status_get(const char *node, const char *name, char *buf, size_t len);

#endif
