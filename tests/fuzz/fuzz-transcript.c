/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The transcript reader of md5gate decode --transcript
 * (cli/transcript.c): swaks output and Postfix mail-log lines, one
 * line at a time, then the unfinished exchanges.
 *
 * Input: the transcript; lines end at newlines.
 *
 * Invariants: a line gives at most TR_STEPS_PER_LINE steps, each of a
 * known kind and numbered with its line; message text lies within the
 * line; a mechanism is 1 to TR_MECH_MAX of A-Z 0-9 - _; an error has a
 * reason of printable ASCII; tr_finish() ends after at most TR_STREAMS
 * exchanges.
 */
#include <string.h>

#include "fuzz.h"
#include "cli/transcript.h"

static void check_step(const struct tr_step *step, const char *line, size_t len,
		               unsigned long lineno)
{
    const char *cp;

    FUZZ_ASSERT(step->kind > TR_NONE && step->kind <= TR_ERROR, "kind %d", (int) step->kind);
    FUZZ_ASSERT(step->lineno <= lineno, "step of line %lu after line %lu",
		step->lineno, lineno);
    if (step->kind == TR_ERROR) {
	FUZZ_ASSERT(step->reason[0] != 0, "error without a reason");
	for (cp = step->reason; *cp; cp++)
	    FUZZ_ASSERT(*cp >= 0x20 && *cp < 0x7f, "byte 0x%02x in a reason", *cp);
	return;
    }
    FUZZ_ASSERT(step->mech[0] != 0 && strlen(step->mech) <= TR_MECH_MAX, "mech");
    for (cp = step->mech; *cp; cp++)
	FUZZ_ASSERT((*cp >= 'A' && *cp <= 'Z') || (*cp >= '0' && *cp <= '9')
		    || *cp == '-' || *cp == '_', "mech byte 0x%02x", *cp);
    if (step->kind == TR_CHALLENGE || step->kind == TR_RESPONSE || step->kind == TR_RESULT) {
	FUZZ_ASSERT(step->lineno == lineno, "message of another line");
	FUZZ_ASSERT(step->text >= line && step->text + step->len <= line + len,
		    "text outside the line");
	FUZZ_ASSERT(step->index <= TR_STEPS_MAX, "index %d", step->index);
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tr_state st;
    struct tr_step steps[TR_STEPS_PER_LINE];
    const char *line = (const char *) data, *end = line + size, *nl;
    unsigned long lineno = 0;
    size_t  len;
    int     n, i, finished = 0;

    tr_init(&st);
    while (line < end) {
	nl = memchr(line, '\n', (size_t) (end - line));
	len = nl ? (size_t) (nl - line) : (size_t) (end - line);
	lineno++;
	n = tr_line(&st, line, len, steps);
	FUZZ_ASSERT(n >= 0 && n <= TR_STEPS_PER_LINE, "%d steps", n);
	for (i = 0; i < n; i++)
	    check_step(steps + i, line, len, lineno);
	line += len + (nl ? 1 : 0);
    }
    while (tr_finish(&st, steps)) {
	FUZZ_ASSERT(steps[0].kind == TR_UNFINISHED, "kind %d", (int) steps[0].kind);
	FUZZ_ASSERT(++finished <= TR_STREAMS, "more unfinished exchanges than streams");
    }
    return (0);
}
