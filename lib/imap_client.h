/* imap_client.h - the small IMAP4rev1 client the agent needs to reconcile a
 * slot with its store's master: log in (as the Cyrus admin acting for a user),
 * read a mailbox's MAILBOXID (RFC 8474), copy messages with their flags and
 * internal date, create and delete mailboxes.  Synchronous, one command at a
 * time, every read bounded by the timeout given at connect. */
#ifndef SS_IMAP_CLIENT_H
#define SS_IMAP_CLIENT_H

#include <stddef.h>

struct imap;

/* One message as FETCH returned it; the caller frees it with imap_message_free. */
struct imap_message {
    char flags[256];        /* "\Seen \Answered", without \Recent */
    char internaldate[64];  /* "29-Nov-2026 02:59:30 +0000" */
    char *body;
    size_t len;
};

/* Connect to addr:port (TCP) or, when port is 0, to the unix socket addr, and read
 * the greeting.  NULL on failure (nothing listening, timeout, not an IMAP server). */
struct imap *imap_connect(const char *addr, int port, long timeout_ms);
/* LOGOUT (best effort) and free. */
void imap_close(struct imap *c);

/* AUTHENTICATE PLAIN as authc with password, acting for authz (NULL: authc itself).
 * 0 on success. */
int imap_login(struct imap *c, const char *authz, const char *authc, const char *password);

/* MAILBOXID of mailbox into id: 0 found, 1 no such mailbox, -1 error. */
int imap_mailbox_id(struct imap *c, const char *mailbox, char *id, size_t idlen);
/* EXAMINE mailbox; *exists gets its message count.  0 on success. */
int imap_examine(struct imap *c, const char *mailbox, long *exists);
/* FETCH message seq of the examined mailbox.  0 on success. */
int imap_fetch(struct imap *c, long seq, struct imap_message *m);
void imap_message_free(struct imap_message *m);
/* APPEND a message with its flags and internal date.  0 on success. */
int imap_append(struct imap *c, const char *mailbox, const struct imap_message *m);
/* CREATE / DELETE a mailbox; CREATE of an existing one counts as success. */
int imap_create(struct imap *c, const char *mailbox);
int imap_delete(struct imap *c, const char *mailbox);

/* SETACL mailbox identifier rights (an admin giving itself "x" to delete a user). */
int imap_setacl(struct imap *c, const char *mailbox, const char *ident, const char *rights);
/* LIST "" pattern: each mailbox name (unquoted) to fn.  0 on success. */
int imap_list(struct imap *c, const char *pattern, void (*fn)(void *ctx, const char *name),
              void *ctx);
/* LIST "" mailbox: 1 exists, 0 not, -1 error (an admin sees every user's mailboxes). */
int imap_exists(struct imap *c, const char *mailbox);

/* Make the server log mailbox for replication without changing what the user sees:
 * sets and clears its /private/comment (RFC 5464) when it has none.  0 done, 1 left
 * alone (it has a comment), -1 error. */
int imap_touch(struct imap *c, const char *mailbox);

/* The server's text of the last failed command ("NO ..."), for error messages. */
const char *imap_last_error(const struct imap *c);

#endif
