#!/bin/bash
# mailsyncd reports a standing problem when it appears and when it goes
# away, not on every run (cron mails whatever --once prints): the second
# --once on the same data prints nothing while the metrics still count
# the problem; a new dangling alias, a fixed one, -v, a damaged or
# unwritable record of what was reported, LDAP down (no false
# "resolved"), and the daemon across its runs and a restart.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
plan 51

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
# This test is about reporting: its Hiera edits (an alias and its two
# alias-domain entries at a time, of 25) must not trip the shrink guard.
sed -i '1i shrink_guard: 50%' "$U/udmail.yaml"
V=lmdb:$U/maps/virtual
H=$U/hiera/mail.yaml
W=$U/state/mailsyncd.warnings
PROM=$U/state/udmail.prom
WEB="webmaster@example.org -> carol@example.org: target has no mail destination (dangling target dropped)"
HELP="helpdesk@example.org -> nobody@example.org: no such address (dangling target dropped)"

# once [ARGS]: mailsyncd --once; status in $rc, stderr in $T_DIR/err
# with the Hiera file's path and line numbers made stable ("H:N").
once() {
	mailsyncd -c "$U/udmail.yaml" --once "$@" >"$T_DIR/out" 2>"$T_DIR/err.raw"
	rc=$?
	# Run as root, user: root in the configuration adds a warning.
	sed -e "s|$H:[0-9]*:|H:N:|g" -e "s|$U|U|g" \
		-e '/: user: root: running as root/d' "$T_DIR/err.raw" >"$T_DIR/err"
}
err() { cat "$T_DIR/err"; }
# hiera_edit SED-SCRIPT: edit the export in place, as a new file (rename).
hiera_edit() {
	sed -e "$1" "$H" >"$H.new" && mv "$H.new" "$H"
}
metric() { awk -v m="$1" '$1 == m { print $2 }' "$PROM"; }

# --- the first run says it, the second says nothing -----------------------
once
is "$rc" 0 "first --once succeeds"
is "$(err)" "mailsyncd: H:N: $WEB
mailsyncd: 0 rejected, 0 conflicts, 0 loops, 1 dangling; warnings: 1 standing, 1 new, 0 resolved" \
	"first run: the dangling alias and a summary"
rm -f "$PROM"
once
is "$rc" 0 "second --once succeeds"
is "$(err)" "" "second run on the same data: nothing on stderr"
is "$(cat "$T_DIR/out")" "" "and nothing on stdout"
is "$(metric 'udmail_records_rejected{reason="dangling"}')" 1 "quiet run: metrics still count the dangling alias"
is "$(metric udmail_sync_warnings)" 1 "quiet run: metrics count one warning"
is "$(metric udmail_sync_success)" 1 "quiet run: metrics say success"

# The record: only the service user reads it, no password hash in it.
is "$(stat -c %a "$W")" 600 "record of reported warnings is mode 0600"
grep -q 'webmaster@example.org -> carol@example.org' "$W"; ok $? "record names the warning"
! grep -Eqi 'argon2|\{SHA512-CRYPT\}|\$6\$|\{SSHA\}|login' "$W"; ok $? "record holds no password or hash"

# --- -v shows the whole standing list every time --------------------------
once -v
is "$rc" 0 "--once -v succeeds"
grep -qF "mailsyncd: H:N: $WEB" "$T_DIR/err"; ok $? "-v: the standing warning again"
grep -qF "warnings: 1 standing, 0 new, 0 resolved" "$T_DIR/err"; ok $? "-v: the summary says nothing is new"
once
is "$(err)" "" "after -v: quiet again"

# --- a new problem: only it is said; moved line numbers do not count ------
hiera_edit 's/^aliases:$/aliases:\n  helpdesk: nobody/'
once
is "$rc" 0 "--once with a second dangling alias succeeds"
is "$(err)" "mailsyncd: H:N: $HELP
mailsyncd: 0 rejected, 0 conflicts, 0 loops, 2 dangling; warnings: 2 standing, 1 new, 0 resolved" \
	"only the new dangling alias is reported (webmaster moved a line, not repeated)"
once
is "$(err)" "" "then quiet"
is "$(metric 'udmail_records_rejected{reason="dangling"}')" 2 "quiet run: metrics count both"

# --- a fixed problem is said once ------------------------------------------
hiera_edit 's/^  webmaster: carol.*/  webmaster: alice/'
once
is "$rc" 0 "--once after fixing webmaster succeeds"
is "$(err)" "mailsyncd: resolved: H:N: $WEB
mailsyncd: 0 rejected, 0 conflicts, 0 loops, 1 dangling; warnings: 1 standing, 0 new, 1 resolved" \
	"the fixed alias is reported resolved, once"
once
is "$(err)" "" "then quiet"
is "$(pq "$V" webmaster@example.org)" "alice@example.org" "the fix was published"

# --- a damaged record never stops publishing ------------------------------
hiera_edit 's/^  hostmaster: postmaster/  hostmaster: alice/'
head -c 300 /dev/urandom >"$W"
once
is "$rc" 0 "damaged record: --once still succeeds"
is "$(pq "$V" hostmaster@example.org)" "alice@example.org" "damaged record: the change was published"
is "$(grep -c 'reporting every standing warning again' "$T_DIR/err")" 1 "damaged record: said once"
grep -qF "mailsyncd: H:N: $HELP" "$T_DIR/err"; ok $? "damaged record: the standing warning is reported again"
once
is "$(err)" "" "record rewritten: quiet again"

truncate -s 2G "$W"
once
is "$rc" 0 "huge record: --once still succeeds"
grep -q 'larger than' "$T_DIR/err"; ok $? "huge record: refused by its size"
once
is "$(err)" "" "then quiet"

# A record that cannot be written: the run publishes anyway and says why.
rm -f "$W"
mkdir "$W"
hiera_edit 's/^  hostmaster: alice/  hostmaster: bob/'
once
is "$rc" 0 "unwritable record: --once still succeeds"
is "$(pq "$V" hostmaster@example.org)" "bob@example.org" "unwritable record: the change was published"
grep -q 'may be reported again' "$T_DIR/err"; ok $? "unwritable record: says so"
rmdir "$W"
once
is "$(err)" "mailsyncd: H:N: $HELP
mailsyncd: 0 rejected, 0 conflicts, 0 loops, 1 dangling; warnings: 1 standing, 1 new, 0 resolved" \
	"record back: the standing warning is reported once more"

# --- LDAP down: the run fails loudly but resolves nothing ------------------
# carol's own problem depends on LDAP: with LDAP down it is not seen,
# which does not mean it went away.
hiera_edit 's/^  webmaster: alice/  webmaster: carol/'
once
grep -qF "mailsyncd: H:N: $WEB" "$T_DIR/err"; ok $? "webmaster dangling again: reported"
slapd_stop
once
is "$rc" 69 "LDAP down: --once exits 69 as before"
grep -q 'sync failed (ldap)' "$T_DIR/err"; ok $? "LDAP down: the failure is reported"
! grep -q 'resolved' "$T_DIR/err"; ok $? "LDAP down: nothing reported resolved"
is "$(metric 'udmail_records_rejected{reason="dangling"}')" 2 "LDAP down: metrics keep the last good count"
once
grep -q 'sync failed (ldap)' "$T_DIR/err"; ok $? "LDAP still down: the failure is reported on every run"
slapd_start || { echo "Bail out! slapd did not restart"; exit 1; }
sed -i "s|ldap://127.0.0.1:[0-9]*|$SLAPD_URI|" "$U/udmail.yaml"
once
is "$rc" 0 "LDAP back: --once succeeds"
is "$(err)" "" "LDAP back: nothing new, nothing resolved"

# --- the daemon: same rule across its runs and a restart -------------------
mailsyncd -c "$U/udmail.yaml" --interval 3600 2>"$T_DIR/daemon.log" &
pid=$!
t_track_pid $pid
wait_for 10 grep -q "sync done" "$T_DIR/daemon.log"; ok $? "daemon: first sync done"
! grep -q 'dangling target dropped' "$T_DIR/daemon.log"; ok $? "daemon start: known warnings not repeated"
grep -q 'standing warnings: 2, unchanged since they were reported' "$T_DIR/daemon.log"; ok $? "daemon start: one line says they stand"
hiera_edit 's/^  hostmaster: bob/  hostmaster: nobody2/'
wait_for 10 grep -q 'hostmaster@example.org -> nobody2' "$T_DIR/daemon.log"; ok $? "daemon: a new dangling alias is logged"
hiera_edit 's/^  abuse: postmaster/  abuse: alice/'
wait_for 10 sh -c "postmap -q abuse@example.org '$V' | grep -qx alice@example.org"; ok $? "daemon: next change published"
sleep 0.5
is "$(grep -c 'nobody2' "$T_DIR/daemon.log")" 1 "daemon: the new warning is logged once across runs"
hiera_edit 's/^  hostmaster: nobody2/  hostmaster: alice/'
wait_for 10 grep -q 'resolved: .*hostmaster@example.org -> nobody2' "$T_DIR/daemon.log"; ok $? "daemon: the fix is logged as resolved"
kill -TERM $pid
wait $pid
once
is "$(err)" "" "--once after the daemon: what it logged is not repeated"
t_done
