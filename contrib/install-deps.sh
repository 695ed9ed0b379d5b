#!/bin/sh
# Install everything udmail needs to build, test and run its demo on
# Debian 12 (bookworm).  Run as root.  Idempotent; services that the
# packages would start (slapd, postfix, dovecot, unbound) are not started:
# the tests and the demo start their own throwaway instances on loopback.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must be run as root (it calls apt-get)" >&2
	exit 77
fi

pkgs="build-essential autoconf automake libtool pkg-config
 libldap-dev libsodium-dev libargon2-dev libyaml-dev libdb-dev liblmdb-dev
 libunbound-dev libevent-dev libcrypt-dev libssl-dev libcmocka-dev
 slapd ldap-utils postfix postfix-lmdb dovecot-core unbound unbound-anchor
 lmdb-utils db5.3-util openssl opendkim-tools ldnsutils bind9-dnsutils
 valgrind swaks shellcheck hyperfine time procps
 python3 git groff-base man-db cppcheck"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections

# Keep the packages' own daemons from starting (no system slapd on :389,
# no unbound on :53); only while we install, and only if we made the file.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT

apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
