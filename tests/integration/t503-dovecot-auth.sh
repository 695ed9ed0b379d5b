#!/bin/bash
# The passwd-file mailmap publishes, read by a real Dovecot: users log in
# with their mail password; a locked account is refused (omitted, since
# nologin would not stop SMTP AUTH); a password changed in LDAP works
# right after the next build, even when the hash has the same length and
# the rebuild falls in the same second (Dovecot's mtime/size rule).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/dovecot.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
dovecot_need
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
plan 10

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
t_run "mailmap build" mailmap -c "$U/udmail.yaml" build
DOVECOT_AUTH_USER=dovecot
getent passwd dovecot >/dev/null || DOVECOT_AUTH_USER=root
export DOVECOT_AUTH_USER
dovecot_start "$U/dovecot/passwd" || { echo "Bail out! dovecot did not start"; exit 1; }

DOVECOT_PW=alice-mail-pw-1 dovecot_auth_test alice; ok $? "alice logs in (ARGON2ID) as user $DOVECOT_AUTH_USER"
DOVECOT_PW=bob-mail-pw-2 dovecot_auth_test bob; ok $? "bob logs in (SHA512-CRYPT)"

setpw() {
	ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: mailPassword
mailPassword: $1
LDIF
}
# Same scheme and cost: every new line has exactly the old length.
h1=$(doveadm pw -s ARGON2ID -p alice-new-pw-1)
h2=$(doveadm pw -s ARGON2ID -p alice-new-pw-2)
old=$(awk -F: '$1 == "alice" { print $2 }' "$U/dovecot/passwd")
is "${#h1}/${#h2}" "${#old}/${#old}" "new hashes have the old length"
# Publish B, let Dovecot load it, publish C in the same second: without the mtime
# bump C would share B's size and second and Dovecot would keep B.
sleep "0.$(printf '%03d' $((999 - 10#$(date +%N) / 1000000)))"
setpw "$h1"
mailmap -c "$U/udmail.yaml" build >/dev/null 2>&1
DOVECOT_PW=alice-new-pw-1 dovecot_auth_test alice; ok $? "first new password works"
m1=$(stat -c %Y "$U/dovecot/passwd")
setpw "$h2"
t_run "second rebuild right after" mailmap -c "$U/udmail.yaml" build
m2=$(stat -c %Y "$U/dovecot/passwd")
[ "$m2" -gt "$m1" ]; ok $? "mtime second advanced ($m1 -> $m2)"
sleep 1.2
DOVECOT_PW=alice-new-pw-2 dovecot_auth_test alice; ok $? "Dovecot serves the newest password"
# Failed logins last: Dovecot's auth penalty slows every later attempt.
dovecot_auth_refused alice alice-new-pw-1; ok $? "the previous password no longer works"
dovecot_auth_refused dave dave-mail-pw-4; ok $? "locked dave refused (not in the file)"
t_done
