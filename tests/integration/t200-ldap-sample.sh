#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t200: fetch the sample accounts from a real slapd and check each
# account's state (ud-ldap's rules: src_ldap_state), forward and password
# flag.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 9

slapd_setup || exit 1
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
slapd_start || exit 1

t_run "fetch as the service account" \
    "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE"
got=$(cat "$T_DIR/last.out")
want=$(printf '%s\n' \
	"alice	active	alice@example.net	yes" \
	"bob	active	bob@example.net, bob.backup@example.com	yes" \
	"carol	active	-	yes" \
	"dave	locked	dave@example.net	yes" \
	"erin	retired	erin@example.net	no" \
	"frank	retired	frank@example.net	no" \
	"grace	retired	grace@example.net	no" \
	"heidi	expired	heidi@example.net	yes" \
	"ivan	locked	ivan@example.net	no" \
	"judy	retired	judy@example.net	no" \
	"listmaster	active	listmaster@lists.example.net	no")
is "$got" "$want" "states, forwards and password flags of every sample account"
is "$(cat "$T_DIR/last.err")" "" "no warnings for the sample"

# Oracle: ldapsearch with ud-generate's filter sees the same uids.
ldapsearch -LLL -x -H "$SLAPD_URI" -b "$SLAPD_USERS" -s one \
    '(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))' uid |
    sed -n 's/^uid: //p' | sort >"$T_DIR/oracle"
is "$(cut -f1 <<<"$got")" "$(cat "$T_DIR/oracle")" "same uids as ldapsearch"
! grep -q '^toor' <<<"$got"
ok $? "uidNumber=0 entry excluded by the default filter"
! grep -q 'argon2\|\$6\$' "$T_DIR/last.out" "$T_DIR/last.err"
ok $? "no hash in the output"

# Anonymous may not read passwords: everything looks locked, no mail
# passwords (a reader without rights is visible, not silently "fine").
t_run "anonymous fetch works" "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS"
is "$(cut -f2,4 "$T_DIR/last.out" | sort -u | tr '\n' ' ')" \
    "locked	no retired	no " "anonymous sees no userPassword and no mailPassword"

# A filter of our own and subtree scope.
"$F" -H "$SLAPD_URI" -b "$SLAPD_BASE" -s sub -f '(emailForward=*@example.net)' \
    -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" >"$T_DIR/sub.out" 2>&1
is "$(cut -f1 "$T_DIR/sub.out" | tr '\n' ' ')" \
    "alice dave erin frank grace heidi ivan judy toor " "custom filter, subtree scope"
t_done
