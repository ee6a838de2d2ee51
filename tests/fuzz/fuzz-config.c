/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * md5gate's configuration file parser (src/mg_config.c), read from
 * memory. Invariants: success gives settings in range and an absolute
 * audit file path; a refusal names the stream and a line, and leaves
 * the defaults.
 */
#include <string.h>

#include "fuzz.h"
#include "mg_config.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mg_config cfg;
    struct mg_error err;
    enum mg_code code;
    FILE   *fp;

    if (size == 0 || (fp = fmemopen((void *) data, size, "r")) == 0)
	return (0);
    mg_config_init(&cfg);
    code = mg_config_load_stream(fp, "fuzz.conf", &cfg, &err);
    fclose(fp);
    if (code == MG_OK) {
	FUZZ_ASSERT(cfg.found == 1 && cfg.path && strcmp(cfg.path, "fuzz.conf") == 0,
		    "path");
	FUZZ_ASSERT(cfg.audit_file == 0 || cfg.audit_file[0] == '/', "relative audit file");
	FUZZ_ASSERT(cfg.audit_failure == MG_AUDIT_CONTINUE
		    || cfg.audit_failure == MG_AUDIT_REFUSE, "audit_failure");
	FUZZ_ASSERT(cfg.audit_success_level >= MG_LOG_NONE
		    && cfg.audit_success_level <= MG_LOG_DEBUG, "success level");
	FUZZ_ASSERT(cfg.audit_failure_level >= MG_LOG_NONE
		    && cfg.audit_failure_level <= MG_LOG_DEBUG, "failure level");
    } else {
	FUZZ_ASSERT(code == MG_MALFORMED, "code %d", (int) code);
	FUZZ_ASSERT(err.code == code, "err.code");
	FUZZ_ASSERT(strncmp(err.reason, "fuzz.conf:", 10) == 0, "reason \"%s\"", err.reason);
	FUZZ_ASSERT(cfg.audit_file == 0 && cfg.path == 0, "refused, yet filled");
    }
    mg_config_free(&cfg);
    return (0);
}
