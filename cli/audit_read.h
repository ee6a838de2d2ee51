/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	audit_read 3h
/* SUMMARY
/*	reading md5gate's audit file back
/* SYNOPSIS
/*	#include "cli/audit_read.h"
/*--*/
#ifndef MG_AUDIT_READ_H
#define MG_AUDIT_READ_H

#include <stddef.h>
#include <sys/types.h>

#include "audit.h"

 /*
  * A line longer than the longest record md5gate writes is not a record.
  */
#define AR_LINE_MAX	MG_AUDIT_LINE_MAX

 /*
  * Text fields as the writer bounds them: a name of MG_AUDIT_NAME_MAX
  * bytes whose every byte became the four characters \xNN.
  */
#define AR_TEXT_MAX	(4 * MG_AUDIT_NAME_MAX)

 /*
  * Where lines come from: a file (plain or gzip, through zlib) or, for
  * tests and fuzzing, memory. read() returns bytes read, 0 at the end,
  * -1 on error.
  */
struct ar_source {
    ssize_t (*read) (void *ctx, void *buf, size_t len);
    void   *ctx;
};

enum ar_line_status {
    AR_LINE,				/* a line, without its newline */
    AR_LINE_TOO_LONG,			/* a line longer than AR_LINE_MAX, skipped */
    AR_LINE_END,			/* no more lines (for now) */
    AR_LINE_ERROR,			/* the source failed */
};

struct ar_lines {
    struct ar_source src;
    unsigned char buf[65536];		/* bytes read, not yet split */
    size_t  pos;
    size_t  end;
    char    line[AR_LINE_MAX + 1];	/* the line so far, NUL-terminated */
    size_t  len;
    int     overflow;			/* the line outgrew line[] */
    int     partial;			/* the last line had no newline */
    int     taken;			/* line[] was returned: start afresh */
    unsigned long lineno;		/* of the line returned */
};

extern void ar_lines_init(struct ar_lines *, struct ar_source);
extern enum ar_line_status ar_next_line(struct ar_lines *, int final);

 /*
  * One record. Text is as the JSON string held it (valid UTF-8; it may
  * still hold anything a peer sent); empty when absent or null.
  */
#define AR_TRI_NA	(-1)

struct ar_record {
    char    time[32];			/* YYYY-MM-DDThh:mm:ss.mmmZ */
    char    side[8];			/* server or client */
    char    mech[32];
    char    outcome[24];
    char    account[AR_TEXT_MAX + 1];	/* the canonical identity, if given */
    char    authid[AR_TEXT_MAX + 1];
    char    authzid[AR_TEXT_MAX + 1];
    char    realm[AR_TEXT_MAX + 1];
    char    remote_addr[AR_TEXT_MAX + 1];
    char    remote_port[AR_TEXT_MAX + 1];
    char    local_addr[AR_TEXT_MAX + 1];
    char    local_port[AR_TEXT_MAX + 1];
    char    service[AR_TEXT_MAX + 1];
    char    reason[AR_TEXT_MAX + 1];
    char    rule[AR_TEXT_MAX + 1];
    char    qop[AR_TEXT_MAX + 1];
    char    final_reply[AR_TEXT_MAX + 1];
    char    secret[AR_TEXT_MAX + 1];
    int     enforced;			/* AR_TRI_NA, 0, 1 */
    int     tls;			/* AR_TRI_NA, 0, 1 */
};

extern int ar_parse_record(const char *line, size_t len, struct ar_record *,
			           char *why, size_t why_size);
extern const char *ar_account(const struct ar_record *);
extern const char *ar_real_outcome(const struct ar_record *, int *audit_only);

 /*
  * "YYYY-MM-DD[Thh:mm[:ss]]" (UTC) or "N[smhd]" ago, as the start of a
  * record's time for comparison; 0 when it is neither.
  */
extern int ar_parse_since(const char *arg, long long now, char *out, size_t size);

#endif
