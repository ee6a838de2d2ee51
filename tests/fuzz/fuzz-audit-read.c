/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * md5gate audit's reader (cli/audit_read.c): the line splitter over a
 * source that delivers the input in pieces of varying size, the record
 * parser on every line, and the terminal-safe text of every field.
 *
 * Input: one byte choosing the piece size, then the file.
 *
 * Invariants: the lines returned, with the newlines between them, are the
 * input (a line too long is skipped whole, nothing else is lost); no line
 * is longer than AR_LINE_MAX; a refused record has a reason; an accepted
 * one has a time of md5gate's form, a known side and outcome, and its
 * real outcome is one md5gate writes; safe text holds no C0 or C1
 * control, DEL, bidirectional or invisible formatting character, and
 * stays within its buffer.
 */
#include <string.h>

#include "fuzz.h"
#include "cli/audit_read.h"
#include "cli/cli.h"

struct mem {
    const uint8_t *data;
    size_t  size;
    size_t  pos;
    size_t  piece;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
    struct mem *m = ctx;
    size_t  n = m->size - m->pos;

    if (n > len)
	n = len;
    if (n > m->piece)
	n = m->piece;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return ((ssize_t) n);
}

static void check_safe(const char *s)
{
    static char out[8 * AR_TEXT_MAX + 1];
    const unsigned char *p;

    cli_safe_text(s, strlen(s), out, sizeof(out));
    FUZZ_ASSERT(strlen(out) < sizeof(out), "safe text overflows");
    for (p = (const unsigned char *) out; *p; p++) {
	FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f, "byte 0x%02x in safe text", *p);
	if (p[0] == 0xc2)
	    FUZZ_ASSERT(p[1] < 0x80 || p[1] > 0x9f, "C1 control in safe text");
	if (p[0] == 0xe2 && p[1] == 0x80)
	    FUZZ_ASSERT(p[2] < 0xaa || p[2] > 0xae, "bidirectional override in safe text");
	if (p[0] == 0xe2 && p[1] == 0x81)
	    FUZZ_ASSERT(p[2] < 0xa6 || p[2] > 0xa9, "bidirectional isolate in safe text");
    }
}

static void check_record(const struct ar_record *rec)
{
    static const char *const real[] = {
	"success", "bad-credentials", "unknown-user", "malformed", "replay",
	"policy-denied", "locked-out", "aborted", "internal-error",
	"server-auth-failed", 0,
    };
    const char *outcome;
    int     audit_only, i;

    FUZZ_ASSERT(strlen(rec->time) == 24 && rec->time[10] == 'T', "time %s", rec->time);
    FUZZ_ASSERT(strcmp(rec->side, "server") == 0 || strcmp(rec->side, "client") == 0,
		"side");
    outcome = ar_real_outcome(rec, &audit_only);
    for (i = 0; real[i] && strcmp(real[i], outcome) != 0; i++)
	 /* void */ ;
    FUZZ_ASSERT(real[i] != 0, "real outcome \"%s\"", outcome);
    check_safe(ar_account(rec));
    check_safe(rec->authzid);
    check_safe(rec->remote_addr);
    check_safe(rec->local_port);
    check_safe(rec->reason);
    check_safe(rec->mech);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ar_lines lines;
    static struct ar_record rec;
    struct mem m;
    char    why[MG_REASON_MAX];
    char    since[32];
    enum ar_line_status st;
    size_t  off = 0, rest;
    const uint8_t *nl;

    if (size < 1)
	return (0);
    m = (struct mem) {data + 1, size - 1, 0, (size_t) data[0] * 37 + 1};
    ar_lines_init(&lines, (struct ar_source) {mem_read, &m});
    while ((st = ar_next_line(&lines, 1)) == AR_LINE || st == AR_LINE_TOO_LONG) {
	rest = m.size - off;
	nl = memchr(m.data + off, '\n', rest);
	if (st == AR_LINE_TOO_LONG) {
	    FUZZ_ASSERT((nl ? (size_t) (nl - m.data) - off : rest) > AR_LINE_MAX,
			"a line of %zu bytes skipped", nl ? (size_t) (nl - m.data) - off : rest);
	    off = nl ? (size_t) (nl - m.data) + 1 : m.size;
	    continue;
	}
	FUZZ_ASSERT(lines.len <= AR_LINE_MAX, "line of %zu bytes", lines.len);
	FUZZ_ASSERT(lines.len == (nl ? (size_t) (nl - m.data) - off : rest)
		    && memcmp(lines.line, m.data + off, lines.len) == 0,
		    "line %lu is not the input", lines.lineno);
	off += lines.len + (nl ? 1 : 0);
	if (ar_parse_record(lines.line, lines.len, &rec, why, sizeof(why)))
	    check_record(&rec);
	else
	    FUZZ_ASSERT(why[0] != 0, "refused without a reason");
	check_safe(lines.line);
	(void) ar_parse_since(lines.line, 1700000000LL, since, sizeof(since));
    }
    FUZZ_ASSERT(st == AR_LINE_END, "status %d", (int) st);
    FUZZ_ASSERT(m.pos == m.size && off == m.size, "input not read to the end");
    return (0);
}
