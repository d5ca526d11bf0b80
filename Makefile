# spotheal: build, test, benchmark, install.
#
#   make            library (static + shared), spotheal.pc, the spotheal CLI
#   make deps       install the Debian packages the build and tests need
#   make demo       repair the bundled sample, write a before/after picture
#   make check      unit, golden and CLI tests
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make bench      speed and quality against ffmpeg and the peers
#   make install    PREFIX=/usr/local DESTDIR=...

VERSION    = 0.1.0
SOVERSION  = 0
PREFIX    ?= /usr/local
prefix    ?= $(PREFIX)
bindir    ?= $(prefix)/bin
libdir    ?= $(prefix)/lib
includedir ?= $(prefix)/include
mandir    ?= $(prefix)/share/man
DESTDIR   ?=

CC        ?= cc
PKG_CONFIG ?= pkg-config
O         ?= build

CLI_PKGS   = libavformat libavcodec libavutil libswscale libjpeg libpng zlib
TEST_PKGS  = cmocka

WARN    = -Wall -Wextra -Wundef -Wstrict-prototypes -Werror=missing-prototypes \
          -Wno-unused-parameter -Werror=vla -Wshadow
CFLAGS ?= -O2 -g
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -I. $(WARN) -fvisibility=hidden -pthread
PIC     = -fPIC

CLI_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CLI_PKGS) 2>/dev/null)
CLI_LIBS   := $(shell $(PKG_CONFIG) --libs $(CLI_PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

LIB_SRCS  = $(sort $(wildcard src/*.c)) $(sort $(wildcard filters/*.c))
CLI_SRCS  = $(sort $(wildcard src/cli/*.c))
TEST_SRCS = $(sort $(wildcard tests/unit/test_*.c))
TEST_SUPPORT = $(sort $(wildcard tests/support/*.c))
TOOL_SRCS = $(sort $(wildcard tests/tools/*.c))

LIB_OBJS  = $(LIB_SRCS:%.c=$(O)/%.o)
CLI_OBJS  = $(CLI_SRCS:%.c=$(O)/%.o)
TEST_BINS = $(TEST_SRCS:tests/unit/%.c=$(O)/tests/%)
TEST_SUPPORT_OBJS = $(TEST_SUPPORT:%.c=$(O)/%.o)
TOOL_BINS = $(TOOL_SRCS:tests/tools/%.c=$(O)/tests/tools/%)

LIB_A   = $(O)/libspotheal.a
LIB_SO  = $(O)/libspotheal.so.$(SOVERSION)
PC      = $(O)/spotheal.pc
CLI     = $(O)/spotheal

.PHONY: FORCE all deps demo demo-run check check-run asan ubsan bench bench-run install uninstall clean tests

all: $(LIB_A) $(LIB_SO) $(PC) $(CLI)

deps:
	@sh tools/deps.sh

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(PIC) $(CLI_CFLAGS) $(TEST_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libspotheal.so.$(SOVERSION) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm -pthread
	ln -sf libspotheal.so.$(SOVERSION) $(O)/libspotheal.so

PC_TEXT = 'prefix=%s\nlibdir=%s\nincludedir=%s\n\nName: spotheal\nDescription: find and heal sensor defects in video and image sequences\nVersion: %s\nLibs: -L$${libdir} -lspotheal\nLibs.private: -lm -pthread\nCflags: -I$${includedir}\n' \
	    '$(prefix)' '$(libdir)' '$(includedir)' '$(VERSION)'

# the .pc names the prefix: remade whenever it changes
$(O)/pc-prefix: FORCE
	@mkdir -p $(dir $@)
	@echo '$(prefix) $(libdir) $(includedir)' | cmp -s - $@ || echo '$(prefix) $(libdir) $(includedir)' > $@

$(PC): Makefile $(O)/pc-prefix
	@mkdir -p $(dir $@)
	printf $(PC_TEXT) > $@

FORCE:

# keep intermediate objects (no "rm" lines after the test summary)
.SECONDARY:

$(CLI): $(CLI_OBJS) $(LIB_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(CLI_OBJS) $(LIB_A) $(CLI_LIBS) -lm

$(O)/tests/%: tests/unit/%.c $(TEST_SUPPORT_OBJS) $(LIB_A) $(filter-out $(O)/src/cli/main.o,$(CLI_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CLI_CFLAGS) $(TEST_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(TEST_SUPPORT_OBJS) $(filter-out $(O)/src/cli/main.o,$(CLI_OBJS)) $(LIB_A) $(TEST_LIBS) $(CLI_LIBS) -lm

# measuring tools (tests/tools): linked with the library only
$(O)/tests/tools/%: tests/tools/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) -lm

tests: all $(TEST_BINS) $(TOOL_BINS)

# check, demo and bench first install what is missing, then run in a new
# make so that the pkg-config flags are read after the install.
check:
	@sh tools/deps.sh
	@$(MAKE) --no-print-directory check-run

check-run: tests
	@O=$(O) sh tests/run.sh

asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) --no-print-directory O=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" check

ubsan: asan

bench:
	@sh tools/deps.sh bench
	@$(MAKE) --no-print-directory bench-run

# the whole output is also kept in $(O)/bench/latest.md, for docs/benchmarks.md
bench-run: all $(O)/spscore $(O)/sppaint
	@mkdir -p $(O)/bench
	@{ O=$(O) sh bench/run.sh; echo $$? >$(O)/bench/rc; } 2>&1 | tee $(O)/bench/latest.md
	@exit $$(cat $(O)/bench/rc)

$(O)/sppaint: bench/sppaint.c tests/support/paint.c tests/support/paint.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ bench/sppaint.c tests/support/paint.c -lm

$(O)/spscore: bench/spscore.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(shell $(PKG_CONFIG) --cflags libcjson) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(shell $(PKG_CONFIG) --libs libcjson) -lm

demo:
	@sh tools/deps.sh
	@$(MAKE) --no-print-directory demo-run

demo-run: all
	@O=$(O) sh tools/demo.sh

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir) $(DESTDIR)$(mandir)/man1
	install -m 755 $(CLI) $(DESTDIR)$(bindir)/spotheal
	install -m 644 $(LIB_A) $(DESTDIR)$(libdir)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(libdir)/
	ln -sf libspotheal.so.$(SOVERSION) $(DESTDIR)$(libdir)/libspotheal.so
	install -m 644 src/spotheal.h $(DESTDIR)$(includedir)/spotheal.h
	install -m 644 $(PC) $(DESTDIR)$(libdir)/pkgconfig/spotheal.pc
	install -m 644 docs/spotheal.1 $(DESTDIR)$(mandir)/man1/spotheal.1

uninstall:
	rm -f $(DESTDIR)$(bindir)/spotheal $(DESTDIR)$(libdir)/libspotheal.a \
	    $(DESTDIR)$(libdir)/libspotheal.so.$(SOVERSION) $(DESTDIR)$(libdir)/libspotheal.so \
	    $(DESTDIR)$(includedir)/spotheal.h $(DESTDIR)$(libdir)/pkgconfig/spotheal.pc \
	    $(DESTDIR)$(mandir)/man1/spotheal.1

clean:
	rm -rf build build-asan

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_SUPPORT_OBJS:.o=.d)
