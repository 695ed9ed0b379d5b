#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t206: hostile values from LDAP.  A uid with ':' or non-ASCII bytes
# rejects its entry, and so does a second uid value that is not the
# RDN's (the account name comes from the RDN); an upper-case uid is kept
# with a warning; a forward with a line break, over 200 characters or not
# an address list is dropped (entry kept); a mail password with a line
# break is dropped without being printed, one that is merely no hash
# Dovecot verifies is kept for the model and mailpw audit to judge (t520).
# Other entries are kept.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 16

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" \
    --load "$top_srcdir/tests/data/ldap/hostile.ldif" || exit 1
t_run "fetch succeeds despite hostile entries" \
    "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" -v
out=$(cat "$T_DIR/last.out")
err=$(cat "$T_DIR/last.err")
line() { grep "^$1	" <<<"$out"; }

is "$(wc -l <<<"$out")" 18 "11 sample + 7 hostile entries kept"
like "$err" "uid=bad:uid,ou=users,dc=example,dc=org: entry rejected: uid in the RDN: contains ':'" \
    "uid with ':' rejected, DN named"
like "$err" 'uid=j\\C3\\BCrgen,ou=users,dc=example,dc=org: entry rejected: uid in the RDN: not ASCII' \
    "non-ASCII uid rejected, DN escaped"
! grep -q 'bad:uid\|rgen\|multi' <<<"$out"
ok $? "rejected entries are not in the list"
is "$(line Mallory)" "Mallory	active	mallory@example.net	no" "upper-case uid kept"
like "$err" "uid=Mallory,.*: uid Mallory has upper case" "upper-case uid reported"
like "$err" "uid=multi1,.*: entry rejected: uid value multi2 differs from the RDN's multi1" \
    "a second uid value rejects the entry"
like "$err" "18 accounts, 3 entries rejected" "three entries counted as rejected"
is "$(line fwdnl)" "fwdnl	active	-	yes" "forward with a line break dropped, password kept"
like "$err" "uid=fwdnl,.*: emailForward value dropped: contains a line break" "line break reported"
like "$err" "uid=fwdlong,.*: emailForward value dropped: longer than 200" "over-long forward reported"
like "$err" "uid=fwdname,.*: emailForward value dropped: not an address" "non-address forward reported"
is "$(line fwdlist | cut -f3 | wc -c)" 201 "200-character comma list kept whole"
is "$(line pwnoscheme | cut -f2,4)$(line pwnl | cut -f2,4)" "active	yesactive	no" \
    "mail password with a line break dropped, garbage one kept for pwhash, entries kept"
! grep -q 'SECRET' "$T_DIR/last.out" "$T_DIR/last.err"
ok $? "dropped password values are never printed"
t_done
