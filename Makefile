# dkimpipe - plain GNU make. Targets: all install check demo bench
# bench-postfix fuzz asan deb clean.

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	 = $(PREFIX)/sbin
MANDIR	 = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share/dkimpipe
# The version has one source: the first line of debian/changelog.
VERSION	:= $(or $(shell head -n 1 debian/changelog 2>/dev/null | cut -d' ' -f2 | tr -d '()'),unknown)

CC	?= cc
PKGS	 = libcrypto libbsd-overlay
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -lbsd) -lresolv

WARN	 = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wcast-qual -Wformat=2 -Werror
# dpkg-buildflags' CFLAGS, CPPFLAGS and LDFLAGS (exported by dh, or set in
# the environment) come first and are kept; these are added to them, and
# -D_FORTIFY_SOURCE only when those flags do not choose a level.
HARDEN	:= $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2) \
	   -fstack-protector-strong -fPIE
OPT	?= -O2 -g
CFLAGS	+= $(CPPFLAGS) -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) \
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

# "dkimpipe version" prints VERSION
src/cmd/main.o: $(wildcard debian/changelog)

install: dkimpipe
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 755 dkimpipe $(DESTDIR)$(SBINDIR)/dkimpipe
	install -d $(DESTDIR)$(SHAREDIR)
	install -m 755 scripts/publish-nsupdate scripts/publish-zonefile $(DESTDIR)$(SHAREDIR)/
	sed 's/^\.Os.*/.Os dkimpipe $(VERSION)/' man/dkimpipe.8 > $(DESTDIR)$(MANDIR)/man8/dkimpipe.8
	sed 's/^\.Os.*/.Os dkimpipe $(VERSION)/' man/dkimpipe.conf.5 > $(DESTDIR)$(MANDIR)/man5/dkimpipe.conf.5
	chmod 644 $(DESTDIR)$(MANDIR)/man8/dkimpipe.8 $(DESTDIR)$(MANDIR)/man5/dkimpipe.conf.5

# A Debian package (debian/, debhelper): dpkg-buildpackage runs in a
# temporary copy of the tree, which only gets the .deb back, in DEBDIR.
# DEB_VERSION_OVERRIDE=V builds version V (a changelog entry added in the
# copy only), for upgrade tests.
DEBDIR	?= .
DEB_TREE = Makefile README.md debian examples man scripts src
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
	    { echo "make deb: needs dpkg-dev and debhelper (make deps)" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/dkimpipe-deb.XXXXXX"); \
	trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/dkimpipe"; \
	tar -cf - --exclude='*.o' $(DEB_TREE) | tar -xf - -C "$$tmp/dkimpipe"; \
	if [ -n "$(DEB_VERSION_OVERRIDE)" ]; then \
		{ printf 'dkimpipe (%s) UNRELEASED; urgency=medium\n\n  * Test build.\n\n -- %s  %s\n\n' \
		    "$(DEB_VERSION_OVERRIDE)" \
		    "$$(sed -n 's/^ -- \(.*>\)  .*/\1/p' debian/changelog | head -n 1)" \
		    "$$(date -R)"; cat debian/changelog; } > "$$tmp/dkimpipe/debian/changelog"; \
	fi; \
	(cd "$$tmp/dkimpipe" && DEB_BUILD_OPTIONS="noddebs $${DEB_BUILD_OPTIONS-}" \
	    dpkg-buildpackage -us -uc -b -Jauto); \
	mkdir -p "$(DEBDIR)"; \
	cp "$$tmp"/dkimpipe_*.deb "$(DEBDIR)/"; \
	for f in "$$tmp"/dkimpipe_*.deb; do echo "make deb: $(DEBDIR)/$${f##*/}"; done

deps:
	sh scripts/install-deps.sh

# The README's two commands.
demo: deps
	$(MAKE) all
	sh scripts/demo.sh

check: deps
	$(MAKE) all unit dkimpipe-asan
	sh tests/sandbox.sh bats --timing tests

# The signer under load and faults through a real Postfix; needs root.
SOAK_MESSAGES ?= 5000
SOAK_MAXSIZE ?= 5242880
soak: deps
	$(MAKE) all
	bash scripts/soak.sh $(SOAK_MESSAGES) $(SOAK_MAXSIZE)

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
	rm -f dkimpipe_*.deb

.PHONY: all install deps demo check bench bench-postfix soak lint asan deb clean

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
