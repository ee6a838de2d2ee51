/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	transcript 3h
/* SUMMARY
/*	SASL exchanges in an SMTP transcript (swaks output, Postfix mail log)
/* SYNOPSIS
/*	#include "cli/transcript.h"
/*--*/
#ifndef MG_TRANSCRIPT_H
#define MG_TRANSCRIPT_H

#include <stddef.h>

#include "mg_error.h"

#define TR_LINE_MAX	16384		/* a mail log line with a 4096-byte response */
#define TR_STREAMS	32		/* sessions followed at once (log lines interleave) */
#define TR_STEPS_MAX	16		/* messages in one exchange */
#define TR_MECH_MAX	20		/* SASL mechanism names: RFC 4422 */
#define TR_STREAM_MAX	64		/* "postfix/smtpd[12345]" */
#define TR_STEPS_PER_LINE 3		/* see tr_line() */

enum tr_kind {
    TR_NONE,				/* nothing to report for this line */
    TR_AUTH,				/* the client's AUTH: mech, initial response */
    TR_CHALLENGE,			/* server 334: text is the base64 */
    TR_RESPONSE,			/* client: text is the base64 */
    TR_EMPTY,				/* client: the empty reply */
    TR_CANCEL,				/* client: "*" */
    TR_RESULT,				/* server: the reply that ends the exchange */
    TR_UNFINISHED,			/* the exchange had no end in the transcript */
    TR_ERROR,				/* reason says what is wrong with the line */
};

struct tr_step {
    enum tr_kind kind;
    unsigned long lineno;
    const char *stream;			/* "" for a single session */
    char    mech[TR_MECH_MAX + 1];
    int     index;			/* 1 for the first challenge or response */
    int     code;			/* TR_RESULT: the SMTP reply code */
    int     initial;			/* TR_RESPONSE, TR_EMPTY: given with AUTH */
    const char *text;			/* base64, or the result's text */
    size_t  len;
    char    reason[MG_REASON_MAX];
};

struct tr_stream {
    char    id[TR_STREAM_MAX + 1];
    char    mech[TR_MECH_MAX + 1];
    int     active;			/* within an exchange */
    int     challenges;
    int     responses;
    int     cancelled;
    unsigned long used;			/* for eviction: the last line */
};

struct tr_state {
    struct tr_stream streams[TR_STREAMS];
    unsigned long lineno;
    struct tr_stream evicted;		/* reported as unfinished */
    int     pending_eviction;
};

extern void tr_init(struct tr_state *);
extern int tr_line(struct tr_state *, const char *line, size_t len, struct tr_step *);
extern int tr_finish(struct tr_state *, struct tr_step *);

#endif
