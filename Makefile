# dkimpipe - plain GNU make. Targets: all install check demo bench
# bench-postfix fuzz asan clean.

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	 = $(PREFIX)/sbin
MANDIR	 = $(PREFIX)/share/man
VERSION	 = 0.1

CC	?= cc
PKGS	 = libcrypto libbsd-overlay
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -lbsd) -lresolv

WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wcast-qual -Wformat=2 -Werror
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT	?= -O2 -g
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) \
	   $(INCS) $(PKG_CFLAGS) -DVERSION='"$(VERSION)"'
LDFLAGS	+= -pie -Wl,-z,relro,-z,now
LDLIBS	+= $(PKG_LIBS)

# The layers, bottom up: a file includes headers of its own layer and of
# the layers below it only (scripts/layers.py, run by make lint).
LAYERS	 = base dkim conf signer postfix batch cmd
INCS	 = $(addprefix -Isrc/,$(LAYERS))
SRCS	 = $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
HDRS	 = $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.h))
OBJS	 = $(SRCS:.c=.o)

all: dkimpipe

dkimpipe: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

src/%.o: src/%.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

install: dkimpipe
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 755 dkimpipe $(DESTDIR)$(SBINDIR)/dkimpipe
	install -m 644 man/dkimpipe.8 $(DESTDIR)$(MANDIR)/man8/dkimpipe.8
	install -m 644 man/dkimpipe.conf.5 $(DESTDIR)$(MANDIR)/man5/dkimpipe.conf.5

deps:
	sh scripts/install-deps.sh

# The README's two commands.
demo: deps
	$(MAKE) all
	sh scripts/demo.sh

check: deps
	$(MAKE) all unit dkimpipe-asan
	sh tests/sandbox.sh bats tests

bench: deps
	$(MAKE) all
	sh scripts/bench.sh

# Messages per second through a real (sandboxed) Postfix; needs root.
bench-postfix: deps
	$(MAKE) all
	bash scripts/bench-postfix.sh

# Static checks: cppcheck and scan-build on src/.
lint: deps
	sh scripts/lint.sh

# ASan/UBSan build beside the normal one, used by tests/90-sanitizers.bats.
SANITIZE = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
dkimpipe-asan: $(SRCS) $(HDRS)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(SANITIZE) $(WARN) $(INCS) $(PKG_CFLAGS) \
	    -DVERSION='"$(VERSION)"' -o $@ $(SRCS) $(LDLIBS)
asan: dkimpipe-asan

clean:
	rm -f dkimpipe dkimpipe-asan src/*/*.o tests/unit/*.bin tests/fuzz/fuzz_[a-z]*[a-z]
	rm -rf tests/fuzz/obj tests/fuzz/work

.PHONY: all install deps demo check bench bench-postfix lint asan clean

# Test drivers linked with the signer's own objects (tests/unit/*.c).
UNIT_OBJS = $(filter-out src/cmd/main.o,$(OBJS))
tests/unit/%.bin: tests/unit/%.c $(UNIT_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(UNIT_OBJS) $(LDLIBS)

UNITS	 = $(patsubst %.c,%.bin,$(wildcard tests/unit/*.c))
unit: $(UNITS)
.PHONY: unit

# libFuzzer targets (tests/fuzz/*.c, clang from Debian), each run for
# FUZZ_TIME seconds from its checked-in seed corpus; see scripts/fuzz.sh.
FUZZ_TIME ?= 60
FUZZ_CC	 = clang
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -g -O1 \
	   -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer $(INCS) $(PKG_CFLAGS) -DVERSION='"$(VERSION)"'
FUZZ_SRCS = $(filter-out src/cmd/main.c,$(SRCS))
FUZZ_OBJS = $(FUZZ_SRCS:src/%.c=tests/fuzz/obj/%.o)
FUZZERS	 = $(patsubst %.c,%,$(wildcard tests/fuzz/fuzz_*.c))

tests/fuzz/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

.SECONDARY: $(FUZZ_OBJS)

fuzzers: $(FUZZERS)

fuzz: deps
	$(MAKE) fuzzers
	sh scripts/fuzz.sh $(FUZZ_TIME) $(FUZZERS)

.PHONY: fuzz fuzzers
