#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t203: the server dies (SIGKILL) or hangs (SIGSTOP) in the middle of a
# paged search: the fetch fails with an error naming the base, and prints
# nothing.  Small pages over many entries, and the server is stopped
# between pages, once the fetch has reported its third page.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 8

slapd_setup || exit 1
"$top_srcdir/tests/data/ldap/gen-accounts.sh" 5000 >"$T_DIR/accounts.ldif"
slapd_load "$T_DIR/accounts.ldif" || exit 1
slapd_start || exit 1
B=(-H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE")

# fetch_until_page N ARGS...: start a fetch in the background and stop
# slapd (SIGSTOP) as soon as page N is reported; sets FETCH_PID.
fetch_until_page() {
	local n=$1
	shift
	: >"$T_DIR/f.err"
	"$F" "${B[@]}" -v -v "$@" >"$T_DIR/f.out" 2>"$T_DIR/f.err" &
	FETCH_PID=$!
	t_track_pid "$FETCH_PID"
	wait_for 20 grep -q "page $n done" "$T_DIR/f.err" || return 1
	slapd_pause
}

# 1. SIGKILL while paused between pages.
fetch_until_page 3 -p 5 -t 20
ok $? "fetch reached page 3, server stopped"
slapd_kill
wait "$FETCH_PID"
rc=$?
is "$rc" 1 "fetch exits 1 when the server is killed mid-search"
like "$(grep -v 'page .* done' "$T_DIR/f.err")" \
    "ldap search ou=users,dc=example,dc=org: Can't contact LDAP server" \
    "error names the base and the lost connection"
is "$(wc -c <"$T_DIR/f.out")" 0 "nothing printed from the partial fetch"
! grep -q 'page 1000 done' "$T_DIR/f.err"
ok $? "the search was really interrupted (not all 1000 pages)"

# 2. A hung server (SIGSTOP) runs into the operation timeout.
slapd_start || exit 1
B[1]=$SLAPD_URI # a new port
fetch_until_page 3 -p 5 -t 2
ok $? "second fetch reached page 3, server stopped"
wait "$FETCH_PID"
rc=$?
slapd_resume
is "$rc" 1 "fetch exits 1 when the server stops answering"
like "$(grep -v 'page .* done' "$T_DIR/f.err")" \
    "ldap search ou=users,dc=example,dc=org: (no answer within 2 s|Timed out)" \
    "error says the search timed out"
t_done
