# jailme — see README.md. `make` builds, `make test` runs every test (root for
# the namespace suites), `make cross` builds jailsh for FreeBSD.

GO       ?= go
BUILD    ?= build
# An execution count, not a duration: go1.26's fuzz coordinator can report
# "context deadline exceeded" as a failure when a duration runs out while a
# worker is busy (go.dev/issue/75804, fixed in go1.27); a count has no
# deadline. 500,000 runs take 10 to 20 s per target here.
FUZZTIME ?= 500000x

# The version jailsh --version prints: the nearest tag (git describe), or,
# with no tag yet, VERSION plus the commit (0.2.0-gc929c62-dirty); outside a
# git checkout (a release tarball, a port's distfile) the VERSION file.
# Packagers may pass JAILME_VERSION=... instead.
JAILME_VERSION ?= $(shell v=$$(git describe --tags --always --dirty 2>/dev/null); f=$$(cat VERSION 2>/dev/null); \
	if [ -z "$$v" ]; then echo "$${f:-unknown}"; \
	elif printf '%s\n' "$$v" | grep -Eqx '[0-9a-f]{4,}(-dirty)?'; then echo "$${f:-unknown}-g$$v"; \
	else echo "$$v"; fi)
# EXTLDFLAGS go to the C linker of both binaries (cgo links externally):
# debian/rules passes dpkg-buildflags' LDFLAGS, -z now among them.
EXTLDFLAGS ?=
GOFLAGS_BUILD = -trimpath -ldflags "-s -w -X main.version=$(JAILME_VERSION) $(if $(EXTLDFLAGS),-extldflags '$(EXTLDFLAGS)')"

.PHONY: all helper jailsh pam cross vet unit fuzz rootcheck integration confine e2e lockout sshd fleet runtimes installcheck manlint portlint demo test clean deps version package-test

all: jailsh pam

# The attach helper (internal/attach/c/attach.c), embedded in jailsh: a
# static program with no libc of the host's, run from a sealed memfd
# (issue 27). Built into the source tree because go:embed reads it there.
HELPER   = internal/attach/jailsh-attach
MUSLCC  ?= musl-gcc
helper: $(HELPER)
$(HELPER): internal/attach/c/attach.c internal/attach/c/plan.h
	$(MUSLCC) -static -Os -s -Wall -Wextra -Werror -o $@ internal/attach/c/attach.c

jailsh: $(HELPER)
	$(GO) build $(GOFLAGS_BUILD) -o $(BUILD)/jailsh ./jailsh

# c-shared Go behind hand-written C glue (pam_jailme/glue.c); Go links it
# -z nodelete already, said again here because it is load-bearing: the Go
# runtime cannot be unloaded.
pam: $(HELPER)
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -trimpath \
		-ldflags "-s -w -X main.version=$(JAILME_VERSION) -extldflags '-Wl,-soname,pam_jailme.so -Wl,-z,nodelete $(EXTLDFLAGS)'" \
		-o $(BUILD)/pam_jailme.so ./pam_jailme
	rm -f $(BUILD)/pam_jailme.h

cross: $(HELPER)
	GOOS=freebsd GOARCH=amd64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BUILD)/freebsd-amd64/jailsh ./jailsh
	GOOS=freebsd GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o $(BUILD)/freebsd-arm64/jailsh ./jailsh

version:
	@echo $(JAILME_VERSION)

vet: $(HELPER)
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	GOOS=freebsd CGO_ENABLED=0 $(GO) vet ./internal/... ./jailsh

# -count=1: a reused runner must not replay a cached pass.
unit: all
	JAILME_PAM_SO=$(CURDIR)/$(BUILD)/pam_jailme.so $(GO) test -count=1 ./...

# Each parser's fuzz target for a short time: a crash fails the build.
fuzz:
	$(GO) test ./internal/config/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/userdb/ -run '^$$' -fuzz '^FuzzParsePasswd$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/userdb/ -run '^$$' -fuzz '^FuzzParseGroup$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/userdb/ -run '^$$' -fuzz '^FuzzParseMasterPasswd$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/logincap/ -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/enroll/ -run '^$$' -fuzz '^FuzzEditGroup$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/audit/ -run '^$$' -fuzz '^FuzzLine$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/directory/ -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME)

integration: all
	bash tests/jailsh.sh

e2e: all
	bash tests/e2e.sh

# Who pam_jailme is about (root and host users pass, whatever the config
# says) and several jails per user, through real sshd, su and login.
lockout: all
	bash tests/lockout.sh

# What sshd does without the login shell: forwarding, internal-sftp.
sshd: all
	bash tests/sshd.sh

# Linux: a session is no stronger than the jail's own processes (issue 7).
confine: all
	bash tests/confine.sh

# Host users from a directory: real slapd and nslcd in private namespaces,
# healthy, hung and down (issue 13).
fleet: all
	bash tests/fleet.sh

# Jails by container name with the real runc, crun, podman and docker (issue 12).
runtimes: all
	bash tests/runtimes.sh

userns: all
	bash tests/userns.sh

# Most of it needs root (namespaces, a setuid jailsh, real sshd, su, login):
# as anyone else make test fails at once rather than pass with the root
# suites skipped, and TestPAM fails instead of skipping (JAILME_TEST_ROOT).
test: export JAILME_TEST_ROOT = 1
test: rootcheck deps vet unit fuzz integration confine e2e lockout sshd fleet runtimes userns installcheck package-test manlint portlint

rootcheck:
	@[ "$$(id -u)" = 0 ] || { echo "make test: must run as root: the integration suites build namespaces, jails and a setuid jailsh (you are uid $$(id -u))" >&2; exit 1; }

installcheck: all
	JAILME_BUILD=$(CURDIR)/$(BUILD) bash tests/install.sh

manlint:
	bash tests/manlint.sh

# The FreeBSD port's files (pam.d, options, plist, version): issue 25.
portlint:
	bash tests/portlint.sh

# The Debian package: dpkg-buildpackage in a copy of this tree, then install,
# pam-auth-update and purge in a throwaway root (private namespaces, overlays
# over /usr and /var/lib; see tests/package.sh). The .deb is left in
# $(BUILD)/deb/.
package-test:
	JAILME_BUILD=$(CURDIR)/$(BUILD) bash tests/package.sh

# A throwaway jail and users in private namespaces, a login over real ssh,
# a refused login and its reason; everything vanishes with the namespaces.
demo: deps all
	bash tests/demo.sh

clean:
	rm -rf $(BUILD) $(HELPER)

deps:
	@sh .ci/deps.sh

# --- install / uninstall (see jailsh(8)) -------------------------------------
# make && make install [PREFIX=/usr/local] [DESTDIR=/pkgroot] [PAMDIR=...]
# installs what "make" built (it does not build as root): jailsh setuid root,
# the PAM module, the man pages, the example config and pam.d snippets, and
# adds jailsh to /etc/shells once (not with DESTDIR: the package does that).
# /etc/jailme.conf is never created or overwritten.
#
# As root, jailsh is installed 4755 root:0. As anyone else (a package staged
# by an ordinary user: dpkg-buildpackage without fakeroot, poudriere, nfpm)
# files are installed as that user and jailsh 0755, never setuid to the
# builder: the package applies root and 4755 (debian/rules, the port's
# pkg-plist).
PREFIX      ?= /usr/local
DESTDIR     ?=
INSTALL     ?= install
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
EXAMPLESDIR ?= $(PREFIX)/share/examples/jailme
SHELLS       = /etc/shells
SSHD_DROPIN  = /etc/ssh/sshd_config.d/jailme.conf
JAILSH_PATH  = $(SBINDIR)/jailsh
# The pages name where this install puts things (/usr/sbin in the .deb).
MANPATHS     = sed -e 's|/usr/local/sbin/jailsh|$(JAILSH_PATH)|g' -e 's|/usr/local/share/examples/jailme|$(EXAMPLESDIR)|g'

PAM_SNIPPETS = $(notdir $(wildcard etc/pam.d/*))
ifeq ($(shell uname -s),FreeBSD)
PAMDIR      ?= /usr/local/lib
else
# The multiarch module directory (/lib/x86_64-linux-gnu/security on Debian),
# else /lib/security. Evaluated only by the recipes below.
PAMDIR      ?= $(shell ma=$$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || $(CC) -print-multiarch 2>/dev/null); \
		 if [ -n "$$ma" ] && [ -d "/lib/$$ma/security" ]; then echo "/lib/$$ma/security"; else echo /lib/security; fi)
endif
ROOT        := $(filter 0,$(shell id -u))
OWNER        = $(if $(ROOT),-o root -g 0)
JAILSH_MODE  = $(if $(ROOT),4755,0755)

.PHONY: install uninstall uninstall-check

install:
	@test -f $(BUILD)/jailsh && test -f $(BUILD)/pam_jailme.so || \
		{ echo "make install: $(BUILD)/jailsh or $(BUILD)/pam_jailme.so missing: run make first" >&2; exit 1; }
	@pamdir='$(PAMDIR)'; set -ex; \
	$(INSTALL) -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$$pamdir" "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(EXAMPLESDIR)/pam.d"; \
	$(INSTALL) $(OWNER) -m $(JAILSH_MODE) $(BUILD)/jailsh "$(DESTDIR)$(JAILSH_PATH)"; \
	$(INSTALL) $(OWNER) -m 0644 $(BUILD)/pam_jailme.so "$(DESTDIR)$$pamdir/pam_jailme.so"
	@set -e; for m in jailsh/jailsh.8 pam_jailme/pam_jailme.8 etc/jailme.conf.5; do \
		d="$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}"; \
		echo "$(MANPATHS) $$m >$$d"; rm -f "$$d"; $(MANPATHS) $$m >"$$d"; \
		chmod 0644 "$$d"; $(if $(ROOT),chown root:0 "$$d";) \
	done
	$(INSTALL) $(OWNER) -m 0644 etc/jailme.conf "$(DESTDIR)$(EXAMPLESDIR)/"
	$(INSTALL) $(OWNER) -m 0755 etc/lxc-jailme-hook "$(DESTDIR)$(EXAMPLESDIR)/"
	$(INSTALL) $(OWNER) -m 0644 $(addprefix etc/pam.d/,$(PAM_SNIPPETS)) "$(DESTDIR)$(EXAMPLESDIR)/pam.d/"
	$(INSTALL) -d "$(DESTDIR)$(EXAMPLESDIR)/sshd_config.d"
	$(INSTALL) $(OWNER) -m 0644 etc/ssh/sshd_config.d/jailme.conf "$(DESTDIR)$(EXAMPLESDIR)/sshd_config.d/"
	@# The sshd drop-in (issue 17) goes live only where sshd_config includes
	@# its directory, and never over a file the admin has there.
	@if [ -z "$(DESTDIR)" ] && grep -qsE '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' /etc/ssh/sshd_config; then \
		if [ -e $(SSHD_DROPIN) ]; then echo "make install: $(SSHD_DROPIN) exists: left as it is"; \
		else $(INSTALL) $(OWNER) -m 0644 etc/ssh/sshd_config.d/jailme.conf $(SSHD_DROPIN) && \
			echo "installed $(SSHD_DROPIN): reload sshd; put jailed users in group jailme"; fi; \
	fi
	@if [ -z "$(ROOT)" ]; then \
		echo "make install: not root: $(DESTDIR)$(JAILSH_PATH) is 0755 and yours; the package must make it 4755 root"; \
	fi
	@if [ -z "$(DESTDIR)" ] && ! grep -qxF '$(JAILSH_PATH)' $(SHELLS) 2>/dev/null; then \
		if [ -s $(SHELLS) ] && [ -n "$$(tail -c 1 $(SHELLS))" ]; then echo >>$(SHELLS); fi; \
		echo '$(JAILSH_PATH)' >>$(SHELLS) && echo "added $(JAILSH_PATH) to $(SHELLS)"; \
	fi

# Removing the module while a PAM stack still names it breaks that service
# for everyone ("Module is unknown": su, sshd, login refuse root too), and
# removing jailsh leaves its users without a login shell. On the live system
# (no DESTDIR) uninstall refuses while either is true, naming each, unless
# FORCE=1. A DESTDIR is a staging tree: the host's stacks and users are not
# its business.
uninstall-check:
	@[ -n "$(DESTDIR)" ] || [ "$(FORCE)" = 1 ] || { \
	refs=$$(grep -Hn '^[[:space:]]*[^#[:space:]].*pam_jailme' /etc/pam.d/* /etc/pam.conf 2>/dev/null); \
	users=$$(getent passwd | awk -F: -v s='$(JAILSH_PATH)' '$$7 == s { print $$1 }' | sort -u | tr '\n' ' '); \
	[ -z "$$refs$$users" ] && exit 0; \
	echo "make uninstall: refusing: logins still depend on what it would remove:" >&2; \
	if [ -n "$$refs" ]; then printf '%s\n' "$$refs" | sed 's/^\([^:]*:[0-9]*\):.*/  \1: uses pam_jailme (remove the line; pam-auth-update --disable jailme for common-*)/' >&2; fi; \
	if [ -n "$$users" ]; then echo "  login shell $(JAILSH_PATH): $$users(chsh -s /bin/sh USER, or another shell)" >&2; fi; \
	echo "make uninstall: FORCE=1 removes it anyway" >&2; exit 1; }

uninstall: uninstall-check
	@pamdir='$(PAMDIR)'; set -x; \
	rm -f "$(DESTDIR)$(JAILSH_PATH)" "$(DESTDIR)$$pamdir/pam_jailme.so"
	rm -f "$(DESTDIR)$(MANDIR)/man8/jailsh.8" "$(DESTDIR)$(MANDIR)/man8/pam_jailme.8" "$(DESTDIR)$(MANDIR)/man5/jailme.conf.5"
	rm -f "$(DESTDIR)$(EXAMPLESDIR)/jailme.conf" "$(DESTDIR)$(EXAMPLESDIR)/lxc-jailme-hook" $(addprefix "$(DESTDIR)$(EXAMPLESDIR)/pam.d/,$(addsuffix ",$(PAM_SNIPPETS)))
	rm -f "$(DESTDIR)$(EXAMPLESDIR)/sshd_config.d/jailme.conf"
	-rmdir "$(DESTDIR)$(EXAMPLESDIR)/pam.d" "$(DESTDIR)$(EXAMPLESDIR)/sshd_config.d" "$(DESTDIR)$(EXAMPLESDIR)" 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && cmp -s etc/ssh/sshd_config.d/jailme.conf $(SSHD_DROPIN); then \
		rm -f $(SSHD_DROPIN) && echo "removed $(SSHD_DROPIN): reload sshd"; \
	fi
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
