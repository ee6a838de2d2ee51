/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fake-sasl: just enough of libsasl2 to drive md5gate's mechanisms
 * in-process, for the fuzz targets. See fake-sasl.c.
 */
#ifndef MG_FAKE_SASL_H
#define MG_FAKE_SASL_H

#include <stddef.h>
#include <stdint.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

 /*
  * A fuzz input is one option byte followed by the peer's messages,
  * separated by FAKE_SEP (ASCII RS, a control character that no
  * mechanism message may contain anyway).
  */
#define FAKE_SEP	0x1e
#define FAKE_MSGS_MAX	6

struct fake_msgs {
    char   *text;			/* copy of the input, owned */
    const char *msg[FAKE_MSGS_MAX];
    size_t  len[FAKE_MSGS_MAX];
    int     count;
    unsigned opts;			/* the option byte */
};

extern void fake_split(const uint8_t *, size_t, struct fake_msgs *);
extern void fake_msgs_free(struct fake_msgs *);

 /*
  * Server options (bits of the option byte).
  */
#define FAKE_S_SUCCESS_DATA	(1U << 0)	/* sparams->flags */
#define FAKE_S_NO_USER_REALM	(1U << 1)	/* user_realm null */
#define FAKE_S_URI_STRICT	(1U << 2)
#define FAKE_S_REALM_STRICT	(1U << 3)
#define FAKE_S_FINAL_EMPTY	(1U << 4)
#define FAKE_S_PROXY_DENY	(1U << 5)	/* proxy policy callback refuses */
#define FAKE_S_NO_ADDRS		(1U << 6)	/* no ip{local,remote}port */
#define FAKE_S_EXTRA_STEP	(1U << 7)	/* step once more after the end */

 /*
  * Client options.
  */
#define FAKE_C_PROMPTS		(1U << 0)	/* callbacks with null procs */
#define FAKE_C_AUTHZID		(1U << 1)
#define FAKE_C_GETREALM		(1U << 2)	/* a SASL_CB_GETREALM callback */
#define FAKE_C_NO_CALLBACKS	(1U << 3)	/* getcallback fails */
#define FAKE_C_ODD_USER		(1U << 4)	/* non-ASCII, spaced user name */
#define FAKE_C_NO_ADDRS		(1U << 6)
#define FAKE_C_EXTRA_STEP	(1U << 7)

 /*
  * Placeholders a message may carry, replaced before it is handed over:
  * the server's nonce, and the digest or rspauth that verifies with the
  * password of the user the message names. They let the fuzzer reach
  * the code behind a successful verification.
  */
#define FAKE_NONCE	"@NONCE@"
#define FAKE_CRAM	"@DIGEST@"
#define FAKE_RESPONSE	"@RESPONSE@"
#define FAKE_RSPAUTH	"@RSPAUTH@"

extern const char *fake_password(const char *user, size_t len);

 /*
  * What the plugin handed canon_user in the last session, in order.
  */
#define FAKE_CANON_MAX	4

struct fake_canon_call {
    char    user[256];
    unsigned flags;
};

extern const struct fake_canon_call *fake_canon_calls(int *count);

 /*
  * The plugin's configuration file, instead of the default one (audit
  * records to /dev/null); before the first fake_*_mech() call.
  */
extern void fake_set_policy(const char *text);

extern const sasl_server_plug_t *fake_server_mech(const char *name);
extern const sasl_client_plug_t *fake_client_mech(const char *name);
extern int fake_server_session(const sasl_server_plug_t *, struct fake_msgs *);
extern int fake_client_session(const sasl_client_plug_t *, struct fake_msgs *);

#endif
