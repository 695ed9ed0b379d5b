#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t207: referrals are faults.  A continuation reference inside the
# search, or a base that is itself a referral, fails the fetch.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 6

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" \
    --load "$top_srcdir/tests/data/ldap/referral.ldif" || exit 1
B=(-H "$SLAPD_URI" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE")

# Oracle: ldapsearch sees the continuation reference.
ldapsearch -x -H "$SLAPD_URI" -b "$SLAPD_USERS" -s one uid >"$T_DIR/ls.out" 2>&1
grep -q '^ref: ldap://127.0.0.1:1/' "$T_DIR/ls.out"
ok $? "slapd sends a search reference (ldapsearch shows it)"

t_exit 1 "continuation reference fails the fetch" "$F" "${B[@]}" -b "$SLAPD_USERS"
like "$(cat "$T_DIR/last.err")" "ldap search ou=users,dc=example,dc=org: server sent a referral" \
    "error names the base and the referral"
is "$(wc -c <"$T_DIR/last.out")" 0 "no partial list"

t_exit 1 "a base that is a referral fails" "$F" "${B[@]}" -b "ou=moved,$SLAPD_BASE"
like "$(cat "$T_DIR/last.err")" "ldap search ou=moved,dc=example,dc=org: Referral" \
    "error names the base and says Referral"
t_done
