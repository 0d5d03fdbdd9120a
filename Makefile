# jailme — see README.md. `make` builds, `make test` runs every test (root for
# the namespace suites), `make cross` builds jailsh for FreeBSD.

GO       ?= go
BUILD    ?= build
FUZZTIME ?= 20s
GOFLAGS_BUILD = -trimpath -ldflags "-s -w"

.PHONY: all jailsh pam cross vet unit fuzz integration confine e2e runtimes installcheck manlint demo test clean deps

all: jailsh pam

jailsh:
	$(GO) build $(GOFLAGS_BUILD) -o $(BUILD)/jailsh ./jailsh

# c-shared Go behind hand-written C glue (pam_jailme/glue.c); Go links it
# -z nodelete already, said again here because it is load-bearing: the Go
# runtime cannot be unloaded.
pam:
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -trimpath \
		-ldflags "-s -w -extldflags '-Wl,-soname,pam_jailme.so -Wl,-z,nodelete'" \
		-o $(BUILD)/pam_jailme.so ./pam_jailme
	rm -f $(BUILD)/pam_jailme.h

cross:
	GOOS=freebsd GOARCH=amd64 CGO_ENABLED=0 $(GO) build -trimpath -o $(BUILD)/freebsd-amd64/jailsh ./jailsh
	GOOS=freebsd GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -o $(BUILD)/freebsd-arm64/jailsh ./jailsh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	GOOS=freebsd CGO_ENABLED=0 $(GO) vet ./internal/... ./jailsh

unit: all
	JAILME_PAM_SO=$(CURDIR)/$(BUILD)/pam_jailme.so $(GO) test ./...

# Each parser's fuzz target for a short time: a crash fails the build.
fuzz:
	$(GO) test ./internal/config/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/userdb/ -run '^$$' -fuzz '^FuzzParsePasswd$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/userdb/ -run '^$$' -fuzz '^FuzzParseGroup$$' -fuzztime $(FUZZTIME)

integration: all
	bash tests/jailsh.sh

e2e: all
	bash tests/e2e.sh

# Linux: a session is no stronger than the jail's own processes (issue 7).
confine: all
	bash tests/confine.sh

# Jails by container name with the real runc, crun, podman and docker (issue 12).
runtimes: all
	bash tests/runtimes.sh

test: deps vet unit fuzz integration confine e2e runtimes installcheck manlint

installcheck: all
	JAILME_BUILD=$(CURDIR)/$(BUILD) bash tests/install.sh

manlint:
	bash tests/manlint.sh

# A throwaway jail and users in private namespaces, a login over real ssh,
# a refused login and its reason; everything vanishes with the namespaces.
demo: deps all
	bash tests/demo.sh

clean:
	rm -rf $(BUILD)

deps:
	@sh .ci/deps.sh

# --- install / uninstall (see jailsh(8)) -------------------------------------
# make && make install [PREFIX=/usr/local] [DESTDIR=/pkgroot] [PAMDIR=...]
# installs what "make" built (it does not build as root): jailsh setuid root,
# the PAM module, the man pages, the example config and pam.d snippets, and
# adds jailsh to /etc/shells once (not with DESTDIR: the package does that).
# /etc/jailme.conf is never created or overwritten.
PREFIX      ?= /usr/local
DESTDIR     ?=
INSTALL     ?= install
SBINDIR      = $(PREFIX)/sbin
MANDIR       = $(PREFIX)/share/man
EXAMPLESDIR  = $(PREFIX)/share/examples/jailme
SHELLS       = /etc/shells
JAILSH_PATH  = $(SBINDIR)/jailsh
PAM_SNIPPETS = $(notdir $(wildcard etc/pam.d/*))
ifeq ($(shell uname -s),FreeBSD)
PAMDIR      ?= /usr/local/lib
else
# The multiarch module directory (/lib/x86_64-linux-gnu/security on Debian),
# else /lib/security. Evaluated only by the recipes below.
PAMDIR      ?= $(shell ma=$$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch 2>/dev/null); \
		 if [ -n "$$ma" ] && [ -d "/lib/$$ma/security" ]; then echo "/lib/$$ma/security"; else echo /lib/security; fi)
endif

.PHONY: install uninstall

install:
	@test -f $(BUILD)/jailsh && test -f $(BUILD)/pam_jailme.so || \
		{ echo "make install: $(BUILD)/jailsh or $(BUILD)/pam_jailme.so missing: run make first" >&2; exit 1; }
	@pamdir='$(PAMDIR)'; set -ex; \
	$(INSTALL) -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$$pamdir" "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(EXAMPLESDIR)/pam.d"; \
	$(INSTALL) -o root -g 0 -m 4755 $(BUILD)/jailsh "$(DESTDIR)$(JAILSH_PATH)"; \
	$(INSTALL) -o root -g 0 -m 0644 $(BUILD)/pam_jailme.so "$(DESTDIR)$$pamdir/pam_jailme.so"
	$(INSTALL) -o root -g 0 -m 0644 jailsh/jailsh.8 pam_jailme/pam_jailme.8 "$(DESTDIR)$(MANDIR)/man8/"
	$(INSTALL) -o root -g 0 -m 0644 etc/jailme.conf.5 "$(DESTDIR)$(MANDIR)/man5/"
	$(INSTALL) -o root -g 0 -m 0644 etc/jailme.conf "$(DESTDIR)$(EXAMPLESDIR)/"
	$(INSTALL) -o root -g 0 -m 0755 etc/lxc-jailme-hook "$(DESTDIR)$(EXAMPLESDIR)/"
	$(INSTALL) -o root -g 0 -m 0644 $(addprefix etc/pam.d/,$(PAM_SNIPPETS)) "$(DESTDIR)$(EXAMPLESDIR)/pam.d/"
	@if [ -z "$(DESTDIR)" ] && ! grep -qxF '$(JAILSH_PATH)' $(SHELLS) 2>/dev/null; then \
		if [ -s $(SHELLS) ] && [ -n "$$(tail -c 1 $(SHELLS))" ]; then echo >>$(SHELLS); fi; \
		echo '$(JAILSH_PATH)' >>$(SHELLS) && echo "added $(JAILSH_PATH) to $(SHELLS)"; \
	fi

uninstall:
	@pamdir='$(PAMDIR)'; set -x; \
	rm -f "$(DESTDIR)$(JAILSH_PATH)" "$(DESTDIR)$$pamdir/pam_jailme.so"
	rm -f "$(DESTDIR)$(MANDIR)/man8/jailsh.8" "$(DESTDIR)$(MANDIR)/man8/pam_jailme.8" "$(DESTDIR)$(MANDIR)/man5/jailme.conf.5"
	rm -f "$(DESTDIR)$(EXAMPLESDIR)/jailme.conf" "$(DESTDIR)$(EXAMPLESDIR)/lxc-jailme-hook" $(addprefix "$(DESTDIR)$(EXAMPLESDIR)/pam.d/,$(addsuffix ",$(PAM_SNIPPETS)))
	-rmdir "$(DESTDIR)$(EXAMPLESDIR)/pam.d" "$(DESTDIR)$(EXAMPLESDIR)" 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && grep -qxF '$(JAILSH_PATH)' $(SHELLS) 2>/dev/null; then \
		umask 022 && { grep -vxF '$(JAILSH_PATH)' $(SHELLS) >$(SHELLS).jailme || [ $$? = 1 ]; } && \
		chmod 0644 $(SHELLS).jailme && mv -f $(SHELLS).jailme $(SHELLS) && \
		echo "removed $(JAILSH_PATH) from $(SHELLS)"; \
	fi

# What a jailed login costs against nsenter, a pam_permit stack and a plain
# sshd login, plus the identity check and config at scale (issue 6): one
# table, also written to build/bench.txt. Root; private namespaces as e2e.
.PHONY: bench
bench: all
	bash tests/bench.sh
