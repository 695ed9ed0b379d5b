#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t210: the shrink guard never holds back a removal LDAP explains (issue
# 12, defect 5).  Three accounts: locking one (as ud-lock does) takes
# the passwd-file from 3 lines to 2 and sender_login from 6 entries to
# 4; retiring one takes it out of the routing tables, with the alias
# that led only to it.  Both publish at once.  An entry that vanishes
# from the answer is not explained: the guard refuses, and says which
# removals it counted as explained and which not.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
plan 23

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/guard.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
C=$U/udmail.yaml
cat >"$U/hiera/mail.yaml" <<YAML
version: 1
domain: example.org
alias_domains: [mail.example.org]
aliases:
  team: g3
YAML
pw=$U/dovecot/passwd
S=lmdb:$U/maps/sender_login
R=lmdb:$U/maps/relay_recipients
mod() { ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -y "$SLAPD_ROOTPW_FILE" >/dev/null; }
users() { cut -d: -f1 "$pw" | tr '\n' ' '; }

t_run "first publish" mailsyncd -c "$C" --once
is "$(users)" "g1 g2 g3 " "passwd: three accounts"
is "$(postmap -s "$S" | wc -l)" 6 "sender_login: six entries"

# 1. ud-lock g1: 3 -> 2 passwd lines (33 %), 6 -> 4 sender_login entries.
mod <<LDIF
dn: uid=g1,$SLAPD_USERS
changetype: modify
replace: userPassword
userPassword: {crypt}*LK*
-
replace: shadowExpire
shadowExpire: 1
-
replace: accountStatus
accountStatus: retiring $(date -u +%F)
LDIF
t_run "locking g1 is published at once (mailsyncd --once)" mailsyncd -v -c "$C" --once
is "$(users)" "g2 g3 " "passwd: g1 can no longer log in"
pq_absent "$S" g1@example.org; ok $? "sender_login: g1 can no longer send"
is "$(pq "lmdb:$U/maps/transport" g1@example.org)" "smtp:[srs.example.org]" \
	"a locked account keeps its forward (ud-ldap)"
like "$(cat "$T_DIR/last.err")" "passwd: 1 removal explained by LDAP \(locked, expired or retired\)" \
	"the explained removal is logged"

# 2. Retire g3 (memorial): routing loses g3 and team, which led only to it.
mod <<LDIF
dn: uid=g3,$SLAPD_USERS
changetype: modify
replace: accountStatus
accountStatus: memorial
LDIF
t_run "retiring g3 is published at once (mailmap build)" mailmap -c "$C" build
is "$(users)" "g2 " "passwd: g3 gone"
pq_absent "$R" g3@example.org; ok $? "relay_recipients: g3 gone"
pq_absent "$R" team@example.org; ok $? "relay_recipients: team (only g3) gone"
pq_absent "lmdb:$U/maps/virtual" g3@mail.example.org; ok $? "virtual: g3's alias-domain entry gone"
pq_absent "hash:$U/maps/forward" g3@example.org; ok $? "forward: g3 gone"
is "$(pq "$R" g2@example.org)" OK "relay_recipients: g2 stays"
good=$(snapshot)

# 3. g2 vanishes from the answer (deleted, or hidden by a filter or ACL
# change): nothing explains it.
ldapdelete -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -y "$SLAPD_ROOTPW_FILE" "uid=g2,$SLAPD_USERS"
t_exit 65 "an unexplained disappearance trips the guard" mailmap -c "$C" build
err=$(cat "$T_DIR/last.err")
like "$err" "passwd: would shrink from 1 to 0 entries: 1 not explained by LDAP" \
	"the guard names the unexplained removal"
is "$(snapshot)" "$good" "tables untouched"
t_exit 65 "mailsyncd --once refuses it too" mailsyncd -c "$C" --once
is "$(snapshot)" "$good" "tables still untouched"

# 4. Explained and unexplained together: g1 retired and g2 gone.  The
# explained part is counted, the rest still trips the guard.
mod <<LDIF
dn: uid=g1,$SLAPD_USERS
changetype: modify
replace: accountStatus
accountStatus: memorial
LDIF
t_exit 65 "mixed: still refused" mailmap -c "$C" build
like "$(cat "$T_DIR/last.err")" "relay_recipients: would shrink from 2 to 0 entries: 1 explained by LDAP \(locked, expired or retired\), 1 not" \
	"mixed: both parts named"
t_run "--force publishes it" mailmap -c "$C" build --force
t_done
