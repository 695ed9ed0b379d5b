#!/bin/bash
# Started as root, mailsyncd and mailmap become the configured user
# (issue 12, defect 8) after reading udmail.yaml and before LDAP or a
# Hiera export is read: real, effective and saved ids are the user's,
# root's groups are gone, the process is not dumpable, and what it
# publishes belongs to that user.  An unknown user is refused (67) before
# anything else happens; user: root is kept, with one warning.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
. "$top_srcdir/tests/integration/nocore.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (switching users)"
slapd_require
need_cmd python3 setpriv
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
getent passwd nobody >/dev/null || skip_all "no user nobody"
NB_UID=$(id -u nobody)
NB_GID=$(id -g nobody)

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
group=$(getent group dovecot >/dev/null && echo dovecot || id -gn)

# The directories nobody may write, as tmpfiles.d sets them up for udmail;
# the passwd-file's directory is setgid, so the file gets group $group.
chmod 0711 "$T_DIR" "$U"
chmod -R o+rX "$U/hiera"
chown -R "$NB_UID:$NB_GID" "$U/maps" "$U/state"
chown "$NB_UID:$group" "$U/dovecot" && chmod 2750 "$U/dovecot"
cp "$SLAPD_SYNC_PW_FILE" "$U/sync.pw"
chown "$NB_UID" "$U/sync.pw" && chmod 0600 "$U/sync.pw"
# conf USER [FILE]: the test configuration for USER in $U/USER.yaml.
conf() {
	sed -e "s|^user: .*|user: $1|" \
		-e "s|bind_password_file: .*|bind_password_file: $U/sync.pw|" \
		"$U/udmail.yaml" >"$U/$1.yaml"
	chmod 0644 "$U/$1.yaml"
}
conf nobody
owners() { find "$U/maps" "$U/dovecot" "$U/state" -type f -printf '%u\n' | sort -u; }

# --- an unknown user: refused before LDAP, Hiera or any file -------------
conf udmail-test-nouser
t_exit 67 "mailsyncd --once: unknown user refused (EX_NOUSER)" \
	mailsyncd -c "$U/udmail-test-nouser.yaml" --once
like "$(cat "$T_DIR/last.err")" "^mailsyncd: $U/udmail-test-nouser.yaml: user udmail-test-nouser: no such user: create it .* or set user: root" \
	"the message names the file and the user, and the ways out"
[ -z "$(find "$U/maps" "$U/dovecot" "$U/state" -type f)" ]
ok $? "nothing written, not even the lock file"
t_exit 67 "mailmap build: unknown user refused too" \
	mailmap -c "$U/udmail-test-nouser.yaml" build
# Not root: nobody to switch away from, so no lookup and no refusal.
t_exit 0 "run as another user, an unknown user: is no error" \
	setpriv --reuid="$NB_UID" --regid="$NB_GID" --clear-groups \
	"$top_builddir/src/mailsyncd" -c "$U/udmail-test-nouser.yaml" --once --dry-run

# --- the switch -----------------------------------------------------------
t_run "mailsyncd --once as root, user: nobody" mailsyncd -c "$U/nobody.yaml" --once
is "$(owners)" "nobody" "tables, passwd-file, lock and state belong to nobody"
is "$(stat -c '%G %a' "$U/dovecot/passwd")" "$group 640" \
	"passwd-file: group $group (setgid directory), mode 0640"
grep -q '^alice:' "$U/dovecot/passwd"; ok $? "passwd-file written through LDAP as nobody"
t_run "mailmap build as root, user: nobody" mailmap -c "$U/nobody.yaml" build --force
is "$(owners)" "nobody" "mailmap build as root leaves no root-owned file"
t_run "mailmap query as root reads the passwd-file as nobody" \
	mailmap -c "$U/nobody.yaml" query passwd alice

# The Hiera export and the bind password are read after the switch: made
# readable by root only, they are out of reach.
chmod 0600 "$U/hiera/mail.yaml"
t_exit 65 "Hiera export readable by root only: refused" \
	mailsyncd -c "$U/nobody.yaml" --once
like "$(cat "$T_DIR/last.err")" "$U/hiera/mail.yaml: Permission denied" \
	"Hiera export parsed after the switch"
chmod 0644 "$U/hiera/mail.yaml"
chown 0 "$U/sync.pw"
t_exit 69 "bind password readable by root only: refused" \
	mailsyncd -c "$U/nobody.yaml" --once
like "$(cat "$T_DIR/last.err")" "bind password file $U/sync.pw: Permission denied" \
	"LDAP bind after the switch"
chown "$NB_UID" "$U/sync.pw"

# The daemon: ids, groups, capabilities, dumpable flag, core limit.
mkdir -p "$T_DIR/cwd" && chmod 1777 "$T_DIR/cwd"
crash_probe SEGV "$T_DIR/cwd" "sync done" "$top_builddir/src/mailsyncd" \
	-c "$U/nobody.yaml" --interval 3600 >"$T_DIR/probe.out" 2>&1
sed 's/^/#   /' "$T_DIR/probe.out"
ids="ids $NB_UID $NB_UID $NB_UID $NB_UID | $NB_GID $NB_GID $NB_GID $NB_GID |"
grep -qxF -e "$ids" -e "$ids $NB_GID" "$T_DIR/probe.out"
ok $? "daemon: real, effective, saved and fs ids are nobody's; root's groups gone"
grep -qx 'owner 0' "$T_DIR/probe.out"
ok $? "daemon: not dumpable (/proc/PID/status belongs to root, not nobody)"
grep -qx 'limit 0 0' "$T_DIR/probe.out"; ok $? "daemon: core size limit 0"
grep -qx 'coredump no' "$T_DIR/probe.out"; ok $? "daemon: SIGSEGV leaves no core"
grep -qx 'corefile no' "$T_DIR/probe.out"; ok $? "daemon: no core file in its (world-writable) directory"

# --- user: root: kept, said once ------------------------------------------
# Root's own directories now: staying root, it writes only where no other
# user could redirect it.
chown -R 0:0 "$U/maps" "$U/state"
chown "0:$group" "$U/dovecot"
conf root
mailsyncd -c "$U/root.yaml" --interval 3600 2>"$T_DIR/root.log" &
pid=$!
t_track_pid $pid
wait_for 10 grep -q "sync done" "$T_DIR/root.log"; ok $? "user: root: daemon runs"
is "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$pid/status")" 0000 "user: root: still root"
sed -i 's|^user: root|user: nobody|' "$U/root.yaml"
kill -HUP $pid
wait_for 10 grep -q "configuration reloaded" "$T_DIR/root.log"; ok $? "reload"
is "$(grep -c 'user: root: running as root, with every privilege' "$T_DIR/root.log")" 1 \
	"user: root: one warning, not repeated on reload"
grep -q "$U/root.yaml: user: nobody takes effect at the next start; running as before (user root)" \
	"$T_DIR/root.log"
ok $? "reload: a changed user: is said to wait for a restart"
kill -TERM $pid
wait $pid; ok $? "SIGTERM: clean exit"

plan "$T_NUM"
t_done
