# SPDX-License-Identifier: BSD-2-Clause
# md5gate's libFuzzer targets, built apart from the normal build.
#
# GNU make. Run through `make fuzz` in a configured build directory,
# which passes the paths and the pkg-config flags; by hand:
#
#   make -f SRCDIR/tests/fuzz/fuzz.mk top_srcdir=SRCDIR top_builddir=. \
#        DEP_CFLAGS='...' DEP_LIBS='...'
#
# Every tests/fuzz/fuzz-NAME.c is a target, tests/fuzz/bin/fuzz-NAME,
# linked against the core library's and the plugin's sources (and the
# fake libsasl2 utilities) compiled here with clang, libFuzzer's coverage
# instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer. The
# core's and the plugin's source lists are the build's own (Makefile.am
# passes core_sources and plugin_sources), so a new core or plugin source
# is fuzzed as soon as it is built. The command's sources (cli/) are no
# part of that: a target of the command's code names exactly the files it
# needs below (cli_sources_NAME). A new target is one new fuzz-NAME.c
# (and its seeds in corpus/NAME/).

FUZZ_CC ?= clang
FUZZ_SANITIZE ?= address,undefined
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_WARN ?= -Wall -Wextra -Wno-comment -Werror

fz := $(top_srcdir)/tests/fuzz
obj := tests/fuzz/obj
bin := tests/fuzz/bin

san := -fsanitize=$(FUZZ_SANITIZE) -fno-sanitize-recover=all
# top_srcdir itself for the command's headers ("cli/smtp_device.h").
cppflags := -I$(top_builddir) -I$(top_srcdir) -I$(top_srcdir)/src -I$(top_srcdir)/plugins -I$(fz)

ifeq ($(strip $(core_sources)),)
$(error core_sources is empty: run this through `make fuzz`, or pass the lists as Makefile.am does)
endif

# The command's sources each target of the command's code links; the
# other targets link the core and the plugin only.
cli_sources_audit-read := cli/audit_read.c cli/cli.c cli/b64.c
cli_sources_base64 := cli/b64.c
cli_sources_postconf := cli/postfix_conf.c
cli_sources_smtp-client := cli/smtp_device.c cli/smtp_auth.c cli/smtp_parse.c cli/b64.c
cli_sources_smtp-parse := cli/smtp_parse.c
cli_sources_transcript := cli/transcript.c

lib_src := $(addprefix $(top_srcdir)/,$(filter %.c,$(core_sources) $(plugin_sources))) \
	$(fz)/fake-sasl.c
lib_obj := $(patsubst $(top_srcdir)/%.c,$(obj)/%.o,$(lib_src))
names := $(patsubst $(fz)/fuzz-%.c,%,$(wildcard $(fz)/fuzz-*.c))
targets := $(addprefix $(bin)/fuzz-,$(names))
cli_obj = $(patsubst %.c,$(obj)/%.o,$(cli_sources_$(1)))
all_cli_obj := $(sort $(foreach n,$(names),$(call cli_obj,$(n))))

all: $(targets)

$(obj)/%.o: $(top_srcdir)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(san) -fsanitize=fuzzer-no-link $(FUZZ_WARN) \
	    $(cppflags) $(DEP_CFLAGS) -MMD -MP -c -o $@ $<

$(obj)/libfuzz.a: $(lib_obj)
	rm -f $@
	ar rcs $@ $^

define fuzz_target
$(bin)/fuzz-$(1): $(fz)/fuzz-$(1).c $(call cli_obj,$(1)) $(obj)/libfuzz.a
	@mkdir -p $(bin)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(san) -fsanitize=fuzzer $(FUZZ_WARN) $(cppflags) \
	    $(DEP_CFLAGS) -MMD -MP -MF $(obj)/fuzz-$(1).d -o $$@ $$< $(call cli_obj,$(1)) \
	    $(obj)/libfuzz.a $(DEP_LIBS) -ldl
endef
$(foreach n,$(names),$(eval $(call fuzz_target,$(n))))

-include $(lib_obj:.o=.d) $(all_cli_obj:.o=.d) $(patsubst $(bin)/%,$(obj)/%.d,$(targets))

.PHONY: all
.DELETE_ON_ERROR:
