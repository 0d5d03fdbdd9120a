#!/bin/sh
# ports/makesum.sh — write ports/sysutils/jailme/distinfo for the port's
# DISTVERSION from the Go module proxy, as "make makesum" does on FreeBSD
# (Mk/Uses/go.mk: GO_MODULE fetches v$DISTVERSION.mod and v$DISTVERSION.zip
# from ${GO_GOPROXY}/jailme.dev/jailme/@v/ into
# DIST_SUBDIR=go/sysutils_jailme/jailme-v$DISTVERSION). For a release
# machine without a ports tree; it works only once the tag is published
# (ports/README.md, "A release").
set -eu
port=$(cd "$(dirname "$0")" && pwd)/sysutils/jailme
v=v$(sed -n 's/^DISTVERSION=[[:space:]]*//p' "$port/Makefile")
# Outside any module (this tree is jailme.dev/jailme itself, whose own
# version go mod download would not fetch), from the proxy the port uses.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
json=$(cd "$tmp" && GOFLAGS= GO111MODULE=on GOPROXY=https://proxy.golang.org go mod download -json "jailme.dev/jailme@$v")
field() { printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\{0,1\}\$/\\1/p"; }
mod=$(field GoMod)
zip=$(field Zip)
[ -f "$mod" ] && [ -f "$zip" ] || { echo "makesum: go mod download gave no .mod/.zip for $v" >&2; exit 1; }
d=go/sysutils_jailme/jailme-$v
{
	echo "TIMESTAMP = $(date +%s)"
	for f in "$mod" "$zip"; do
		n=$d/$v.${f##*.}
		echo "SHA256 ($n) = $(sha256sum "$f" | cut -d' ' -f1)"
		echo "SIZE ($n) = $(wc -c <"$f" | tr -d ' ')"
	done
} >"$port/distinfo"
cat "$port/distinfo"
