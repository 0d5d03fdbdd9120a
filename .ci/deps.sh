#!/bin/sh
# Installs what jailme's build and tests need, only what is missing (Debian
# or Ubuntu). Not root: prints the command to run instead.
set -eu
pkgs="gcc libc6-dev musl-tools make libpam0g-dev openssh-server openssh-client pamtester busybox-static
      iproute2 util-linux procps binutils mandoc man-db rsync tmux strace
      dpkg-dev debhelper fakeroot lintian libpam-runtime"
# tests/fleet.sh: a real directory (slapd) and NSS provider (nslcd), run only
# inside the suite's private namespaces. Never libpam-ldapd or libpam-sss:
# their postinst runs pam-auth-update on the real /etc/pam.d.
pkgs="$pkgs slapd ldap-utils nslcd libnss-ldapd"
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
# The directory packages must not configure this machine: no slapd database,
# no ldap in the real nsswitch.conf, no service started. Checked below.
debconf-set-selections <<'EOF2'
slapd slapd/no_configuration boolean true
libnss-ldapd libnss-ldapd/nsswitch multiselect
libnss-ldapd libnss-ldapd/clean_nsswitch boolean false
nslcd nslcd/ldap-uris string ldapi:///
nslcd nslcd/ldap-base string dc=invalid
EOF2
nss=$(mktemp) && cp -p /etc/nsswitch.conf "$nss"
rcd=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && rcd=1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null || st=$?
[ -n "$rcd" ] && rm -f /usr/sbin/policy-rc.d
if ! cmp -s "$nss" /etc/nsswitch.conf; then
	echo "jailme: a package changed /etc/nsswitch.conf: restored" >&2
	cp -p "$nss" /etc/nsswitch.conf
fi
rm -f "$nss"
exit "${st:-0}"
