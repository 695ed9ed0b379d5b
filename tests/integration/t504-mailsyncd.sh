#!/bin/bash
# mailsyncd against a real slapd: the first sync, an LDAP change reaching
# the tables through the RFC 4533 persistent search within seconds, a
# Hiera export replaced by rename, its directory moved away and made
# again, the single-instance lock, --once, a
# dead LDAP server (tables kept), SIGTERM.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
plan 21

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
F=hash:$U/maps/forward
V=lmdb:$U/maps/virtual

t_run "mailsyncd --once" mailsyncd -c "$U/udmail.yaml" --once
is "$(pq "$F" alice@example.org)" "alice@example.net" "--once published"
grep -q '^udmail_sync_success 1$' "$U/state/udmail.prom"; ok $? "metrics file says success"

mailsyncd -c "$U/udmail.yaml" -v --interval 3600 2>"$T_DIR/daemon.log" &
pid=$!
t_track_pid $pid
wait_for 10 grep -q "watching ou=users" "$T_DIR/daemon.log"; ok $? "daemon started its LDAP watch"
t_exit 75 "a second instance is refused (lock)" mailsyncd -c "$U/udmail.yaml"
sleep 1

t0=$(date +%s%N)
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: emailForward
emailForward: alice@moved.example.net
LDIF
wait_for 10 sh -c "postmap -q alice@example.org '$F' | grep -q moved"; ok $? "LDAP change reached the forward map"
diag "ldap change -> published in $((($(date +%s%N) - t0) / 1000000)) ms"

t0=$(date +%s%N)
sed 's/^  hostmaster: postmaster/  hostmaster: alice/' "$U/hiera/mail.yaml" >"$U/hiera/.mail.yaml.new"
mv "$U/hiera/.mail.yaml.new" "$U/hiera/mail.yaml"
wait_for 10 sh -c "postmap -q hostmaster@example.org '$V' | grep -qx alice@example.org"
ok $? "Hiera export replaced by rename reached the virtual map"
diag "hiera change -> published in $((($(date +%s%N) - t0) / 1000000)) ms"

# The directory itself moved away and made again (a deploy that swaps
# directories): its inotify watch went with the old one, so the daemon
# must notice, keep the tables, and follow the new directory.
mv "$U/hiera" "$U/hiera.away"
wait_for 10 grep -q "export directory removed or moved" "$T_DIR/daemon.log"
ok $? "the Hiera directory moved away is noticed"
mkdir "$U/hiera"
sed 's/^  hostmaster: alice/  hostmaster: bob/' "$U/hiera.away/mail.yaml" >"$U/hiera/mail.yaml"
wait_for 15 sh -c "postmap -q hostmaster@example.org '$V' | grep -qx bob@example.org"
ok $? "a change in the directory made again reached the virtual map"
grep -q "watched again" "$T_DIR/daemon.log"; ok $? "the log says the directory is watched again"
sed 's/^  hostmaster: bob/  hostmaster: alice/' "$U/hiera/mail.yaml" >"$U/hiera/.mail.yaml.new"
mv "$U/hiera/.mail.yaml.new" "$U/hiera/mail.yaml"
wait_for 10 sh -c "postmap -q hostmaster@example.org '$V' | grep -qx alice@example.org"
ok $? "and the next change there arrives by inotify"

good=$(snapshot)
slapd_kill
wait_for 10 grep -q "reconnecting\|persistent search" "$T_DIR/daemon.log"; ok $? "daemon noticed the dead server"
kill -HUP $pid
wait_for 10 grep -q "sync failed (ldap)" "$T_DIR/daemon.log"; ok $? "sync fails while LDAP is down (SIGHUP reload)"
kill -0 $pid; ok $? "daemon keeps running"
is "$(snapshot)" "$good" "tables untouched while LDAP is down"
prom=$U/state/udmail.prom
grep -q '^udmail_sync_success 0$' "$prom"; ok $? "metrics: failure reported"
ts=$(awk '/^udmail_sync_last_success_timestamp_seconds/ { print $2 }' "$prom")
[ "${ts:-0}" -gt 0 ]; ok $? "metrics: last success time kept ($ts)"
grep -q '^udmail_output_entries{output="virtual"} 25$' "$prom"; ok $? "metrics: entry counts kept"
kill -TERM $pid
wait $pid; ok $? "SIGTERM: clean exit"

# A server without syncprov: the daemon falls back to polling instead of
# reconnecting in a loop.
slapd_stop
rm -rf "$SLAPD_DIR"
SLAPD_SETUP_DONE=0
slapd_setup --no-syncprov
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
sed -i "s|ldap://127.0.0.1:[0-9]*|$SLAPD_URI|" "$U/udmail.yaml"
mailsyncd -c "$U/udmail.yaml" -v --interval 3600 2>"$T_DIR/daemon2.log" &
pid=$!
t_track_pid $pid
wait_for 10 grep -q "lacks RFC 4533" "$T_DIR/daemon2.log"; ok $? "no syncprov: falls back to polling"
sleep 3
n=$(grep -c "sync done" "$T_DIR/daemon2.log")
is "$n" 1 "no busy loop: one sync in 3 s"
kill -TERM $pid
wait $pid
t_done
