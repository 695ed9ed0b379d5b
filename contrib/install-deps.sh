#!/bin/sh
# Install the Debian 12 (bookworm) packages udmail needs, by purpose:
#
#   runtime  what a mail host needs to run the programs (shared libraries
#            only; the .deb pulls these in by itself)
#   build    runtime + compiler, autotools and the -dev packages
#   demo     build + the servers and clients contrib/demo.sh starts
#            (slapd, postmap, doveadm)
#   test     demo + everything the test suite and CI use (Postfix and
#            Dovecot daemons, postsrsd, unbound, swaks, valgrind, linters,
#            packaging tools, debootstrap for tests/package)
#   bench    test + the benchmark tools (hyperfine)
#
# Usage (as root): install-deps.sh [PURPOSE...]   (default: test)
# Idempotent: exits at once when everything is there.  Runs `apt-get
# update` first.  Services the packages ship (slapd, postfix, dovecot,
# unbound, postsrsd) are neither started during the install nor left
# enabled to start at boot: the demo and the tests start throwaway
# instances of their own on 127.0.0.1.  A service that was already
# installed before is left exactly as it was.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must be run as root (it calls apt-get)" >&2
	exit 77
fi

runtime="libldap-2.5-0 libsodium23 libargon2-1 libyaml-0-2 libdb5.3
 liblmdb0 libunbound8 libssl3 libcrypt1"
# libunbound-dev's pkg-config file requires nettle and hogweed, but the
# package does not depend on nettle-dev: name it ourselves.
build="build-essential autoconf automake libtool pkg-config
 libldap-dev libsodium-dev libargon2-dev libyaml-dev libdb-dev liblmdb-dev
 libunbound-dev nettle-dev libevent-dev libcrypt-dev libssl-dev
 libcmocka-dev"
demo="slapd ldap-utils postfix postfix-lmdb dovecot-core procps"
test="postfix-ldap unbound unbound-anchor postsrsd lmdb-utils db5.3-util openssl
 opendkim-tools ldnsutils bind9-dnsutils valgrind swaks shellcheck cppcheck
 time git python3 groff-base man-db iproute2 strace
 dpkg-dev debhelper fakeroot lintian debootstrap"
bench="hyperfine"
services="slapd postfix dovecot unbound postsrsd"

[ $# -gt 0 ] || set -- test
pkgs=""
for purpose in "$@"; do
	case $purpose in
	runtime) pkgs="$pkgs $runtime" ;;
	build) pkgs="$pkgs $runtime $build" ;;
	demo) pkgs="$pkgs $runtime $build $demo" ;;
	test) pkgs="$pkgs $runtime $build $demo $test" ;;
	bench) pkgs="$pkgs $runtime $build $demo $test $bench" ;;
	*)
		echo "install-deps.sh: unknown purpose '$purpose' (runtime, build, demo, test, bench)" >&2
		exit 64
		;;
	esac
done

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
missing=""
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

# Remember which services were there before: only the ones we install
# are disabled afterwards.
had=""
for s in $services; do
	if installed "$s"; then had="$had $s"; fi
done

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections 2>/dev/null || true

# Keep the packages' daemons from starting while we install (no system
# slapd on :389, no unbound on :53); only if we made the file.
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

# ... nor start at the next boot.
for s in $services; do
	case " $had " in *" $s "*) continue ;; esac
	installed "$s" || continue
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --quiet "$s.service" >/dev/null 2>&1 || true
	fi
	if [ -e "/etc/init.d/$s" ] && command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d "$s" disable >/dev/null 2>&1 || true
	fi
done
