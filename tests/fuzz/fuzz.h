/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by md5gate's libFuzzer targets (tests/fuzz/fuzz-*.c).
 */
#ifndef MG_FUZZ_H
#define MG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mg_error.h"

extern int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

 /*
  * A broken invariant: say which, and crash so that libFuzzer keeps the
  * input.
  */
#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
	    fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
	    fprintf(stderr, __VA_ARGS__); \
	    fputc('\n', stderr); \
	    abort(); \
	} \
    } while (0)

 /*
  * A core refusal carries a non-empty reason of plain printable ASCII
  * (mg_error.h: reasons never hold peer-supplied bytes).
  */
static inline void fuzz_check_reason(enum mg_code code, const struct mg_error *err)
{
    const unsigned char *cp;

    FUZZ_ASSERT(err->code == code, "code %d, err.code %d", (int) code, (int) err->code);
    FUZZ_ASSERT(err->reason[0] != 0, "empty reason for code %d", (int) code);
    for (cp = (const unsigned char *) err->reason; *cp; cp++)
	FUZZ_ASSERT(*cp >= 0x20 && *cp < 0x7f, "byte 0x%02x in reason \"%s\"",
		    *cp, err->reason);
}

#endif
