#!/bin/bash
# udmail demo: a throwaway slapd on 127.0.0.1 with sample accounts (active,
# locked, retired, expired, with forwards and mail passwords), a sample
# Hiera export, one `mailmap build`, and the published tables answering
# the real consumers: `postmap -q` and `doveadm pw -t`.
# Run as root on Debian 12 (installs what is missing); nothing is left
# running afterwards.  DEMO_KEEP=1 keeps the files.
set -eu -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Bold headings on a terminal only.
if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@"; }

if [ "$(id -u)" -eq 0 ]; then
	step "installing dependencies (Debian packages)"
	bash contrib/install-deps.sh demo
fi
step "building udmail"
# The same build the test command makes (warnings are errors).
[ -x configure ] || autoreconf -fi >/dev/null
grep -q -e '-Werror' Makefile 2>/dev/null || ./configure -q --enable-werror
make -j"$(nproc)" >/dev/null

export top_srcdir=$top top_builddir=$top
T_KEEP=${DEMO_KEEP:-0}
set +u
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
# shellcheck source=tests/integration/slapd.sh
. tests/integration/slapd.sh
set -u
D=$T_DIR

step "starting a throwaway slapd on 127.0.0.1 (userdir-ldap test schema + udmail.schema)"
slapd_setup
slapd_load tests/data/ldap/sample.ldif
slapd_start
echo "slapd: $SLAPD_URI, base $SLAPD_USERS"

step "sample Hiera export and configuration"
mkdir -p "$D/hiera" "$D/maps" "$D/dovecot" "$D/state"
cp tests/data/demo/mail.yaml "$D/hiera/mail.yaml"
group=$(getent group dovecot >/dev/null && echo dovecot || id -gn)
sed -e "s|@USER@|$(id -un)|" -e "s|@DIR@|$D|g" -e "s|@LDAP_URI@|$SLAPD_URI|" \
	-e "s|@SYNC_DN@|$SLAPD_SYNC_DN|" -e "s|@SYNC_PW_FILE@|$SLAPD_SYNC_PW_FILE|" \
	-e "s|@GROUP@|$group|" tests/data/demo/udmail.yaml.in >"$D/udmail.yaml"
echo "config: $D/udmail.yaml"

step "mailmap build (warnings below are the sample's deliberate faults)"
show tools/mailmap -v -c "$D/udmail.yaml" build

step "the published tables, read by postmap"
export MAIL_CONFIG="$D/postfix"
mkdir -p "$MAIL_CONFIG" && : >"$MAIL_CONFIG/main.cf"
show postmap -q postmaster@example.org "lmdb:$D/maps/virtual"
show postmap -q abuse@example.org "lmdb:$D/maps/virtual"
show postmap -q abuse@members.example.org "lmdb:$D/maps/virtual"
show postmap -q members.example.org "lmdb:$D/maps/alias_domains"
show postmap -q alice@example.org "lmdb:$D/maps/relay_recipients"
show postmap -q bob@example.org "lmdb:$D/maps/transport"
show postmap -q bob@example.org "hash:$D/maps/forward"
show postmap -q board@example.org "hash:$D/maps/forward"
show postmap -q alice@members.example.org "lmdb:$D/maps/sender_login"
echo "retired judy (expect nothing, exit 1):"
show postmap -q judy@example.org "lmdb:$D/maps/relay_recipients" || echo "(exit $?)"
show postmap -s "lmdb:$D/maps/virtual"

step "the Dovecot passwd-file: alice's mail password, verified by doveadm"
ls -l "$D/dovecot/passwd"
cut -d: -f1 "$D/dovecot/passwd" | sed 's/^/user: /'
# Test data only: the demo password is documented in sample.ldif.
hash=$(awk -F: '$1 == "alice" { print $2 }' "$D/dovecot/passwd")
echo '$ doveadm pw -t "<alice'"'"'s hash from the passwd-file>" -p alice-mail-pw-1'
doveadm pw -t "$hash" -p alice-mail-pw-1 | sed 's/^{[A-Z0-9-]*}[^ ]*/<hash>/' 

step "mailmap resolve: what Postfix does with mail for an address"
echo "(this host enables virtual and forward: an MX and SRS host in one)"
show tools/mailmap -c "$D/udmail.yaml" resolve abuse@members.example.org
echo "the same on an MX that hands forwarded addresses to the SRS host:"
show tools/mailmap -c "$D/udmail.yaml" resolve --role mx abuse@members.example.org
echo "an unknown address is refused at RCPT (exit 1):"
show tools/mailmap -c "$D/udmail.yaml" resolve nobody@example.org || echo "(exit $?)"

step "done"
[ "$T_KEEP" = 1 ] && echo "files kept in $D"
slapd_stop
