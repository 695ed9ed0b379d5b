#!/bin/bash
# An ordinary LDAP change (forward, password, lock, add, delete) reaches
# lmdb tables where they lie: the map file keeps its inode (one write
# transaction, read by a real `postmap -q` at once), the passwd-file is
# replaced by a spliced copy with a new mtime second, and every table
# equals a rebuild from scratch afterwards.  A lock removes the account
# from the passwd-file at once.  A change to an account something else
# names (a Hiera alias) builds whole, and says why.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
plan 29

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
"$top_srcdir/tests/data/ldap/gen-accounts.sh" 40 >"$T_DIR/accounts.ldif"
slapd_load "$T_DIR/accounts.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
sed -i 's/format: hash/format: lmdb/' "$U/udmail.yaml"
REF=$U/ref
sed -e "s|$U/maps/|$REF/maps/|; s|$U/dovecot/|$REF/dovecot/|" \
	-e "s|^state_dir: .*|state_dir: $REF/state|" \
	-e "s|^metrics_file: .*|metrics_file: $REF/state/udmail.prom|" \
	"$U/udmail.yaml" >"$U/ref.yaml"
OUTS="virtual alias_domains relay_recipients transport forward sender_login"

modify() {
	ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null
}
same() {
	local o
	rm -rf "$REF"
	mkdir -p "$REF/maps" "$REF/dovecot" "$REF/state"
	mailmap -c "$U/ref.yaml" build >/dev/null 2>"$T_DIR/ref.err" || return 1
	for o in $OUTS; do
		[ "$(postmap -s "lmdb:$U/maps/$o" | sort)" = "$(postmap -s "lmdb:$REF/maps/$o" | sort)" ] ||
			{ diag "$o differs"; return 1; }
	done
	cmp -s "$U/dovecot/passwd" "$REF/dovecot/passwd" || { diag "passwd differs"; return 1; }
}
inplace() { grep -c 'sync done .*in place' "$T_DIR/daemon.log"; }
whole() { grep -c 'sync done .*held LDAP entries' "$T_DIR/daemon.log"; }

mailsyncd -c "$U/udmail.yaml" -v --interval 3600 2>"$T_DIR/daemon.log" &
pid=$!
t_track_pid $pid
wait_for 10 grep -q "sync done" "$T_DIR/daemon.log"
ok $? "daemon published"
same; ok $? "equal to a rebuild at start"

ino=$(stat -c %i "$U/maps/forward.lmdb")
printf 'dn: uid=u0000005,%s\nchangetype: modify\nreplace: emailForward\nemailForward: new5@elsewhere.example.net\n\n' "$SLAPD_USERS" | modify
wait_for 10 sh -c '[ "$(postmap -q u0000005@example.org lmdb:'"$U"'/maps/forward)" = new5@elsewhere.example.net ]'
ok $? "a forward change: postmap -q reads the new value"
is "$(inplace)" 1 "applied in place"
is "$(stat -c %i "$U/maps/forward.lmdb")" "$ino" "the lmdb file was updated where it lies (same inode)"
same; ok $? "equal to a rebuild"

pw0=$(stat -c '%i %Y' "$U/dovecot/passwd")
h=$(grep '^mailPassword:' "$top_srcdir/tests/data/ldap/sample.ldif" | sed -n 2p | cut -d' ' -f2)
printf 'dn: uid=u0000006,%s\nchangetype: modify\nreplace: mailPassword\nmailPassword: %s\n\n' "$SLAPD_USERS" "$h" | modify
wait_for 10 grep -qF "u0000006:$h" "$U/dovecot/passwd"
ok $? "a password change reaches the passwd-file"
is "$(inplace)" 2 "applied in place"
pw1=$(stat -c '%i %Y' "$U/dovecot/passwd")
[ "${pw0% *}" != "${pw1% *}" ] && [ "${pw1#* }" -gt "${pw0#* }" ]
ok $? "the passwd-file was replaced, with a later mtime second ($pw0 -> $pw1)"
same; ok $? "equal to a rebuild"

printf 'dn: uid=u0000007,%s\nchangetype: modify\nreplace: userPassword\nuserPassword: {crypt}*LK*\n\n' "$SLAPD_USERS" | modify
wait_for 10 sh -c "! grep -q '^u0000007:' '$U/dovecot/passwd'"
ok $? "a lock removes the account from the passwd-file at once"
pq_absent "lmdb:$U/maps/sender_login" u0000007@example.org
ok $? "and from sender_login"
is "$(inplace)" 3 "applied in place"

gen() {
	"$top_srcdir/tests/data/ldap/gen-accounts.sh" 1 | sed -e "s/u0000001/$1/g" \
		-e "s/^uidNumber: .*/uidNumber: $2/" | sed '/^dn:/a changetype: add'
}
gen n1 300001 | modify
wait_for 10 sh -c '[ "$(postmap -q n1@example.org lmdb:'"$U"'/maps/forward)" = n1@forward.example.net ]'
ok $? "an added account is published"
printf 'dn: uid=u0000008,%s\nchangetype: delete\n\n' "$SLAPD_USERS" | modify
wait_for 10 sh -c "! grep -q '^u0000008:' '$U/dovecot/passwd'"
ok $? "a deleted account leaves the passwd-file"
wait_for 10 pq_absent "lmdb:$U/maps/forward" u0000008@example.org
ok $? "and the forward table"
is "$(inplace)" 5 "both applied in place"
same; ok $? "equal to a rebuild"

w0=$(whole)
printf 'dn: uid=alice,%s\nchangetype: modify\nreplace: emailForward\nemailForward: alice2@example.net\n\n' "$SLAPD_USERS" | modify
wait_for 10 sh -c '[ "$(postmap -q alice@example.org lmdb:'"$U"'/maps/forward)" = alice2@example.net ]'
ok $? "a change to an account a Hiera alias names is published"
is "$(whole)" $((w0 + 1)) "built whole"
grep -q "building whole: a changed account's address is named elsewhere" "$T_DIR/daemon.log"
ok $? "and the log says why"
same; ok $? "equal to a rebuild"
kill -TERM $pid
wait $pid; ok $? "SIGTERM: clean exit"

# Restarted with its saved entries and nothing changed: no sync, but the
# model is built once idle, so the first change goes in place too.
mailsyncd -c "$U/udmail.yaml" -v --interval 3600 2>"$T_DIR/r1.log" &
pid=$!
t_track_pid $pid
wait_for 20 grep -q "ready for changes in place" "$T_DIR/r1.log"
ok $? "restart with the entries kept: ready for changes in place"
is "$(grep -c 'sync done' "$T_DIR/r1.log")" 0 "and no sync"
printf 'dn: uid=u0000009,%s\nchangetype: modify\nreplace: emailForward\nemailForward: new9@elsewhere.example.net\n\n' "$SLAPD_USERS" | modify
wait_for 10 sh -c '[ "$(postmap -q u0000009@example.org lmdb:'"$U"'/maps/forward)" = new9@elsewhere.example.net ]'
ok $? "the first change after the restart is published"
is "$(grep -c 'sync done .*in place' "$T_DIR/r1.log")" 1 "in place"
same; ok $? "equal to a rebuild"
kill -TERM $pid
wait $pid; ok $? "SIGTERM: clean exit"
