#!/bin/bash
# lib/pwfile against a real Dovecot 2.3: hashes from doveadm pw written by
# maptool pwfile authenticate; wrong passwords and omitted users fail; a
# same-size republish within the same second is picked up (Dovecot
# re-reads a passwd-file only when its mtime second or size changes).
# Test passwords only: doveadm takes them on argv.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dovecot.sh"
dovecot_need
getent group dovecot >/dev/null || skip_all "no dovecot group"
MAPTOOL=$top_builddir/tests/helpers/maptool
[ -x "$MAPTOOL" ] || skip_all "maptool not built"
plan 14

PW=$T_DIR/passwd
pw_a='correct horse battery'
pw_a2='another horse battery'
pw_b='bob test password 1'
h_a=$(doveadm pw -s ARGON2ID -p "$pw_a")
h_a2=$(doveadm pw -s ARGON2ID -p "$pw_a2")
h_b=$(doveadm pw -s SHA512-CRYPT -p "$pw_b")
h_c=$(doveadm pw -s SHA512-CRYPT -p carol)

publish() { # publish "user<TAB>hash" lines from stdin
	"$MAPTOOL" pwfile -g dovecot "$PW" >"$T_DIR/pub.out" 2>"$T_DIR/pub.err"
}
auth() { # auth USER PASSWORD
	DOVECOT_PW=$2 dovecot_auth_test "$1"
}

printf 'alice\t%s\nbob\t%s\n' "$h_a" "$h_b" | publish
ok $? "maptool pwfile writes the file"
is "$(stat -c '%a %G' "$PW")" "640 dovecot" "mode 0640, group dovecot"

# The auth process runs as dovecot: the group must be what lets it read.
DOVECOT_AUTH_USER=dovecot
dovecot_start "$PW" || { diag "no dovecot"; exit 1; }

# Same-size change while the file's mtime second is not behind the clock,
# as when publish, a login and the republish share one second: the writer
# must still move the mtime second forward, or Dovecot keeps the old file.
# The first file's mtime is set a few seconds ahead (touch -d), so the
# case is the same on a fast machine and a loaded one.  Dovecot answers
# quickly while no failed login is pending: this comes first.
printf 'alice\t%s\nbob\t%s\ndave\t%s\n' "$h_a" "$h_b" "$h_c" | publish
touch -d "@$(($(date +%s) + 5))" "$PW"
auth bob "$pw_b"
r_load=$?
m1=$(stat -c %Y "$PW") s1=$(stat -c %s "$PW")
printf 'alice\t%s\nbob\t%s\ndave\t%s\n' "$h_a2" "$h_b" "$h_c" | publish
m2=$(stat -c %Y "$PW") s2=$(stat -c %s "$PW")
ok $r_load "bob, right password (SHA512-CRYPT): file loaded"
is "$s2" "$s1" "new hash has the same size"
[ "$m2" -gt "$m1" ]
ok $? "mtime second advanced ($m1 -> $m2)"
is "$m2" "$((m1 + 1))" "old mtime second not behind the clock: mtime bumped by one"
sleep 1.2
auth alice "$pw_a2"
ok $? "dovecot picked up alice's new password (ARGON2ID)"

auth alice "$pw_a2"
ok $? "alice, new password (ARGON2ID)"
dovecot_auth_refused alice "$pw_a"
ok $? "alice's old password refused"
dovecot_auth_refused carol carol
ok $? "carol (omitted from the file) refused"
grep -q 'carol.*unknown user' "$DOVECOT_LOG"
ok $? "dovecot logged carol as unknown user"
printf 'alice\t%s\nbob\t%s\ncarol\t%s\n' "$h_a2" "$h_b" "$h_c" | publish
sleep 1.1
auth carol carol
ok $? "carol, once added, authenticates"

# Unchanged content: nothing replaced.
ino=$(stat -c %i "$PW") m3=$(stat -c %Y "$PW")
printf 'alice\t%s\nbob\t%s\ncarol\t%s\n' "$h_a2" "$h_b" "$h_c" | publish
is "$(cat "$T_DIR/pub.out")/$(stat -c '%i %Y' "$PW")" "unchanged/$ino $m3" "same content: same inode and mtime"
printf 'alice\t%s\nBad:User\t%s\n' "$h_a2" "$h_b" | publish
is "$?/$(grep -c 'Bad' "$T_DIR/pub.err")/$(grep -c '\$6\$' "$T_DIR/pub.err")" "65/1/0" "bad user rejected by name, hash not echoed"
dovecot_stop
t_done
