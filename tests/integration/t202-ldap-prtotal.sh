#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t202: when the server caps paged searches too (size.prtotal=hard), the
# fetch fails with the server's error instead of returning a truncated list.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 4

slapd_setup --size-limit 500 --prtotal hard || exit 1
"$top_srcdir/tests/data/ldap/gen-accounts.sh" 1200 >"$T_DIR/accounts.ldif"
slapd_load "$T_DIR/accounts.ldif" || exit 1
slapd_start || exit 1

t_exit 1 "paged fetch over the hard total limit fails" \
    "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" -p 100
like "$(cat "$T_DIR/last.err")" "ldap search ou=users,dc=example,dc=org: Size limit exceeded" \
    "error names the base and the limit"
is "$(wc -c <"$T_DIR/last.out")" 0 "no partial list"
# The rootdn has no limit: the data is all there.
n=$(ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -y "$SLAPD_ROOTPW_FILE" \
    -b "$SLAPD_USERS" -s one uid | grep -c '^dn:')
is "$n" 1200 "rootdn sees all 1200"
t_done
