# tlsdiag - explains why a TLS handshake between an embedded device and a server fails.
#
#   make            build build/tlsdiag
#   make demo       the main job: build, then reproduce and explain both founding reports
#   make check      install/verify dependencies, build normal and ASan+UBSan, run every test
#   make asan       build build/asan/tlsdiag and its tests with ASan+UBSan
#   make deps       install the Debian packages we need (idempotent; root)
#   make wolfssl-full  build wolfSSL from Debian's source with TLS 1.0/SSLv3/static RSA
#   make fuzz       run the libFuzzer targets (FUZZ_SECONDS each)
#   make valgrind   every suite once under valgrind memcheck (tests/valgrind.sh)
#   make bench      performance figures (BENCH_SIZE=small|large|N_MB; docs/performance.md)
#   make install PREFIX=/usr/local [DESTDIR=...]   binary, scenarios, profiles, man pages, completions, docs
#   make uninstall PREFIX=/usr/local [DESTDIR=...]
#
# Flags are composed as redis does: FINAL_CFLAGS = STD WARN OPT DEBUG CFLAGS.
# SANITIZER=address,undefined (or any -fsanitize list) switches sanitizers on.

VERSION     := 0.1.0
BUILD       ?= build
PREFIX      ?= /usr/local
CC          ?= cc
SANITIZER   ?=
FUZZ_SECONDS ?= 20
CHECK_FUZZ_SECONDS ?= 10
# The builds of 'make check' use every CPU (the suites themselves run one at a time).
CHECK_JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
BENCH_SIZE  ?= small

STD   := -std=c11 -D_GNU_SOURCE
WARN  := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Werror
OPT   ?= -O2
DEBUG ?= -g
ifneq ($(SANITIZER),)
  OPT := -O1
  DEBUG += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# wolfSSL: the full build from 'make wolfssl-full' when it is there, else Debian's.
WOLFSSL_FULL := $(abspath build/wolfssl-full)
# ($(shell) does not see exported variables before make 4.4: the path is given inline.)
ifneq ($(wildcard $(WOLFSSL_FULL)/lib/pkgconfig/wolfssl.pc),)
  export PKG_CONFIG_PATH := $(WOLFSSL_FULL)/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
  WOLFSSL_PC   := PKG_CONFIG_PATH=$(PKG_CONFIG_PATH) pkg-config
  WOLFSSL_LIBS = $(shell $(WOLFSSL_PC) --static --libs wolfssl)
else
  WOLFSSL_PC   := pkg-config
  WOLFSSL_LIBS = $(shell pkg-config --libs wolfssl)
endif

# mbedTLS 2.28 and BearSSL 0.6, the client engines of client_mbedtls.c and client_bearssl.c.
# Debian's libmbedtls-dev and libbearssl-dev ship no pkg-config files: they are found by their
# headers and linked with -lmbedtls -lmbedx509 -lmbedcrypto and -lbearssl.  Without them (or
# with MBEDTLS=no / BEARSSL=no) the engine's file compiles to a stub that reports each case of
# that engine as SKIP with the reason, never as a pass.
MBEDTLS ?= $(if $(wildcard /usr/include/mbedtls/ssl.h),yes,no)
BEARSSL ?= $(if $(wildcard /usr/include/bearssl.h),yes,no)
ENGINE_CFLAGS := $(if $(filter yes,$(MBEDTLS)),-DTLSDIAG_HAVE_MBEDTLS) $(if $(filter yes,$(BEARSSL)),-DTLSDIAG_HAVE_BEARSSL)
ENGINE_LIBS   := $(if $(filter yes,$(MBEDTLS)),-lmbedtls -lmbedx509 -lmbedcrypto) $(if $(filter yes,$(BEARSSL)),-lbearssl)

PKGS     := libpcap libcrypto jansson inih
# External headers are -isystem so their warnings do not fail our -Werror build.
EXT_CFLAGS = $(patsubst -I%,-isystem %,$(shell $(WOLFSSL_PC) --cflags wolfssl) $(shell pkg-config --cflags $(PKGS))) $(ENGINE_CFLAGS)
EXT_LIBS   = $(WOLFSSL_LIBS) $(ENGINE_LIBS) $(shell pkg-config --libs $(PKGS)) -lpthread
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

FINAL_CFLAGS  = $(STD) $(WARN) $(OPT) $(DEBUG) $(CFLAGS) -I. $(EXT_CFLAGS) \
                -DTLSDIAG_VERSION='"$(VERSION)"' -MMD -MP
FINAL_LDFLAGS = $(DEBUG) $(LDFLAGS)

# Sources: every .c under harness/ but the build tools; tests/test_*.c are Check suites.
SRCS      := $(shell find harness -name '*.c' -not -path 'harness/tools/*' | sort)
LIB_SRCS  := $(filter-out harness/main.c,$(SRCS))
OBJS      := $(SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/support/*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

# Data files compiled into the binary (core/embedded.h), named by their source path.
EMBED_FILES := $(sort $(wildcard harness/explain/tables/*.ini servers/*.ini servers/*.in))

.PHONY: all asan check tests demo bench fuzz valgrind install install-files uninstall clean deps wolfssl-full help
.DEFAULT_GOAL := all

all: $(BUILD)/tlsdiag

help:
	@sed -n '3,16p' Makefile | sed 's/^# \{0,1\}//'

# Rebuild everything when the flags change (e.g. after 'make wolfssl-full').
$(BUILD)/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(FINAL_CFLAGS) $(EXT_LIBS)' | cmp -s - $@ || echo '$(CC) $(FINAL_CFLAGS) $(EXT_LIBS)' > $@
FORCE:

$(BUILD)/tlsdiag: $(OBJS)
	$(CC) $(FINAL_LDFLAGS) -o $@ $(OBJS) $(EXT_LIBS)

$(BUILD)/obj/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/embed: harness/tools/embed.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) -O1 -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/embed $(EMBED_FILES)
	@mkdir -p $(@D)
	$(BUILD)/embed $@ $(foreach f,$(EMBED_FILES),$(f)=$(f))

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB_OBJS) $(FINAL_LDFLAGS) $(EXT_LIBS) $(CHECK_LIBS)

tests: $(BUILD)/tlsdiag $(TEST_BINS)

asan:
	$(MAKE) BUILD=build/asan SANITIZER=address,undefined tests

deps:
	@sh harness/tools/deps.sh

wolfssl-full: deps
	@sh harness/tools/wolfssl-full.sh $(WOLFSSL_FULL)

# The whole suite, on the normal build and on the ASan+UBSan build.
# The whole suite: normal and ASan+UBSan builds, the decoder's suites once under
# valgrind, a short fuzz smoke, and the small bench (alerts must agree with tshark).
# The summary line of tests/run.sh comes last.
check: deps wolfssl-full
	$(MAKE) -j$(CHECK_JOBS) tests
	$(MAKE) -j$(CHECK_JOBS) asan
	sh tests/valgrind.sh build
	$(MAKE) -j$(CHECK_JOBS) BUILD=build/fuzz CC=clang SANITIZER=fuzzer-no-link,address,undefined build/fuzz/fuzz-objs
	sh tests/fuzz/run.sh build/fuzz $(CHECK_FUZZ_SECONDS)
	sh tests/bench/bench.sh build/tlsdiag small --no-matrix
	sh tests/run.sh build build/asan

demo: deps wolfssl-full
	$(MAKE) all
	sh scenarios/demo.sh build/tlsdiag

bench: deps
	$(MAKE) all
	sh tests/bench/bench.sh build/tlsdiag $(BENCH_SIZE)

fuzz: deps
	$(MAKE) BUILD=build/fuzz CC=clang SANITIZER=fuzzer-no-link,address,undefined build/fuzz/fuzz-objs
	sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

# Every suite once under valgrind memcheck, every process followed: zero errors, zero definite/indirect leaks.
valgrind:
	$(MAKE) tests
	sh tests/valgrind.sh $(BUILD)

# libFuzzer targets: the library objects built by clang, one binary per tests/fuzz/fuzz_*.c.
$(BUILD)/fuzz-objs: $(LIB_OBJS) $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
	@touch $@
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(FINAL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJS) $(FINAL_LDFLAGS) -fsanitize=fuzzer $(EXT_LIBS)

# Debian's layout under PREFIX; DESTDIR stages it (packaging).  The binary finds
# its data as <its dir>/../share/tlsdiag (core/datadir.h): nothing is compiled in
# from PREFIX, so a staged or moved tree works.  docs/install.md lists the files.
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share/tlsdiag
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/tlsdiag
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
INST_SCENARIOS := $(sort $(wildcard scenarios/*.ini))
INST_PROFILES  := $(sort $(wildcard servers/*.ini))
INST_MAN       := $(sort $(wildcard man/*.1))
INST_DOCS      := README.md $(sort $(wildcard docs/*.md))
INST_SCHEMAS   := $(sort $(wildcard docs/schema/*.json))
INSTALL        ?= install

install: all
	@$(MAKE) --no-print-directory install-files

# Copies an already built $(BUILD)/tlsdiag and the data (tests/test_install.c uses it on its own build).
install-files:
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios $(DESTDIR)$(DATADIR)/servers \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0755 $(BUILD)/tlsdiag $(DESTDIR)$(BINDIR)/tlsdiag
	$(INSTALL) -m 0644 $(INST_SCENARIOS) $(DESTDIR)$(DATADIR)/scenarios/
	$(INSTALL) -m 0644 $(INST_PROFILES) $(DESTDIR)$(DATADIR)/servers/
	$(INSTALL) -m 0644 $(INST_MAN) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(INST_DOCS) $(DESTDIR)$(DOCDIR)/
	$(if $(INST_SCHEMAS),$(INSTALL) -d $(DESTDIR)$(DOCDIR)/schema && $(INSTALL) -m 0644 $(INST_SCHEMAS) $(DESTDIR)$(DOCDIR)/schema/)
	$(INSTALL) -m 0644 completions/tlsdiag.bash $(DESTDIR)$(BASHCOMPDIR)/tlsdiag
	$(INSTALL) -m 0644 completions/_tlsdiag $(DESTDIR)$(ZSHCOMPDIR)/_tlsdiag

# Removes what install put there, and the directories that are tlsdiag's alone.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tlsdiag $(DESTDIR)$(BASHCOMPDIR)/tlsdiag $(DESTDIR)$(ZSHCOMPDIR)/_tlsdiag
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(INST_MAN)))
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

# The wolfSSL full build (build/wolfssl-*) survives: it takes minutes and is stamped.
clean:
	find build -mindepth 1 -maxdepth 1 ! -name 'wolfssl-*' -exec rm -rf {} + 2>/dev/null || true

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
