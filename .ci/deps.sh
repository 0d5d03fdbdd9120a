#!/bin/sh
# Installs what jailme's build and tests need, only what is missing (Debian
# or Ubuntu). Not root: prints the command to run instead.
set -eu
pkgs="gcc libc6-dev make libpam0g-dev openssh-server openssh-client pamtester busybox-static
      iproute2 util-linux procps binutils mandoc man-db rsync tmux"
# tests/runtimes.sh: the container runtimes Debian 12 ships (jq edits the OCI spec)
pkgs="$pkgs runc crun podman docker.io containerd lxc jq"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "jailme: missing packages:$missing" >&2
	echo "jailme: as root run: apt-get install -y$missing" >&2
	exit 1
fi
echo "jailme: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
