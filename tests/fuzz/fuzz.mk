# md5gate's libFuzzer targets, built apart from the normal build.
#
# GNU make. Run through `make fuzz` in a configured build directory,
# which passes the paths and the pkg-config flags; by hand:
#
#   make -f SRCDIR/tests/fuzz/fuzz.mk top_srcdir=SRCDIR top_builddir=. \
#        DEP_CFLAGS='...' DEP_LIBS='...'
#
# Every tests/fuzz/fuzz-NAME.c is a target, tests/fuzz/bin/fuzz-NAME,
# linked against all of src/ and plugins/ (and the fake libsasl2
# utilities) compiled here with clang, libFuzzer's coverage
# instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer. A
# new target is one new fuzz-NAME.c (and its seeds in corpus/NAME/);
# new core or plugin sources are picked up by themselves.

FUZZ_CC ?= clang
FUZZ_SANITIZE ?= address,undefined
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_WARN ?= -Wall -Wextra -Wno-comment -Werror

fz := $(top_srcdir)/tests/fuzz
obj := tests/fuzz/obj
bin := tests/fuzz/bin

san := -fsanitize=$(FUZZ_SANITIZE) -fno-sanitize-recover=all
cppflags := -I$(top_builddir) -I$(top_srcdir)/src -I$(top_srcdir)/plugins -I$(fz)

lib_src := $(wildcard $(top_srcdir)/src/*.c $(top_srcdir)/src/*/*.c \
	$(top_srcdir)/plugins/*.c) $(fz)/fake-sasl.c
lib_obj := $(patsubst $(top_srcdir)/%.c,$(obj)/%.o,$(lib_src))
targets := $(patsubst $(fz)/fuzz-%.c,$(bin)/fuzz-%,$(wildcard $(fz)/fuzz-*.c))

all: $(targets)

$(obj)/%.o: $(top_srcdir)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(san) -fsanitize=fuzzer-no-link $(FUZZ_WARN) \
	    $(cppflags) $(DEP_CFLAGS) -MMD -MP -c -o $@ $<

$(obj)/libfuzz.a: $(lib_obj)
	rm -f $@
	ar rcs $@ $^

$(bin)/fuzz-%: $(fz)/fuzz-%.c $(obj)/libfuzz.a
	@mkdir -p $(bin)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(san) -fsanitize=fuzzer $(FUZZ_WARN) $(cppflags) \
	    $(DEP_CFLAGS) -MMD -MP -MF $(obj)/$(@F).d -o $@ $< $(obj)/libfuzz.a \
	    $(DEP_LIBS) -ldl

-include $(lib_obj:.o=.d) $(patsubst $(bin)/%,$(obj)/%.d,$(targets))

.PHONY: all
.DELETE_ON_ERROR:
