#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t201: paged results (RFC 2696) get every account past a server size
# limit; a search without paging hits the limit and fails loudly.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 10

slapd_setup --size-limit 500 || exit 1
"$top_srcdir/tests/data/ldap/gen-accounts.sh" 1200 >"$T_DIR/accounts.ldif"
slapd_load "$T_DIR/accounts.ldif" || exit 1
slapd_start || exit 1
B=(-H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE")

# The limit is real: ldapsearch without paging is cut at 500.
n=$(ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" \
    -b "$SLAPD_USERS" -s one uid 2>/dev/null | grep -c '^dn:')
is "$n" 500 "server size limit is 500 for a plain search"

t_run "paged fetch, page size 100" "$F" "${B[@]}" -p 100 -v -v
is "$(wc -l <"$T_DIR/last.out")" 1200 "all 1200 accounts with 100 a page"
like "$(cat "$T_DIR/last.err")" "page 12 done, 1200 accounts" "12 pages"
is "$(cut -f1 "$T_DIR/last.out" | sort -u | wc -l)" 1200 "no duplicates across pages"

t_run "paged fetch, page size 1000 (over the limit)" "$F" "${B[@]}" -p 1000 -c
is "$(cat "$T_DIR/last.out")" 1200 "all 1200 accounts with 1000 a page"

t_exit 1 "no paging: size limit fails the fetch" "$F" "${B[@]}" -p 0
like "$(cat "$T_DIR/last.err")" "ldap search ou=users,dc=example,dc=org: Size limit exceeded" \
    "error names the base and the LDAP error"
is "$(wc -c <"$T_DIR/last.out")" 0 "nothing printed from the partial answer"
t_done
