#!/bin/bash
# Hostile directory entries (issue 12, defect 1).  A local user who can
# write an output directory races a root `mailmap build`: an inotify
# racer (tests/helpers/racer, run as nobody) swaps every temp file for a
# symbolic link into a root-only directory, and links are planted at the
# final names.  udmail must refuse a directory (or a directory on its
# path) that another user can change, with a message that names it and
# the fix; in a sticky shared directory it must publish regular files and
# replace a link at a final name instead of following it or giving up.
# Nothing may ever be written outside the output directories.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap setpriv
RACER=$top_builddir/tests/helpers/racer
[ -x "$RACER" ] || skip_all "racer not built"
[ "$(id -u)" = 0 ] || skip_all "needs root (the attacked writer runs as root)"
plan 33

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
C="-c $U/udmail.yaml"
V=lmdb:$U/maps/virtual
chmod 0711 "$T_DIR" "$U"
FINALS="virtual.lmdb alias_domains.lmdb relay_recipients.lmdb transport.lmdb forward.db sender_login.lmdb"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# The attacker's goal: root-only, one canary inside.
SECRET=$T_DIR/secret
mkdir -m 0700 "$SECRET"
echo precious >"$SECRET/canary"
secret_intact() {
	[ "$(find "$SECRET" -mindepth 1 | wc -l)" = 1 ] &&
		[ "$(cat "$SECRET/canary")" = precious ] && return 0
	diag "written outside the output directories:" "$(ls -la "$SECRET")"
	return 1
}

# out_dirs OWNER MODE: fresh, empty maps and dovecot directories.
out_dirs() {
	rm -rf "$U/maps" "$U/dovecot"
	mkdir "$U/maps" "$U/dovecot"
	chown "$1" "$U/maps" "$U/dovecot"
	chmod "$2" "$U/maps" "$U/dovecot"
}

RACERS=""
race_start() {
	local d
	RACERS=""
	for d in maps dovecot; do
		$NOBODY "$RACER" "$U/$d" "$SECRET" 60 >"$T_DIR/racer-$d.out" 2>&1 &
		t_track_pid $!
		RACERS="$RACERS $!"
		wait_for 5 grep -q ready "$T_DIR/racer-$d.out" || diag "racer $d not ready"
	done
}
race_stop() { # prints the number of temp files the racers swapped
	local p
	for p in $RACERS; do kill "$p" 2>/dev/null; done
	for p in $RACERS; do wait "$p" 2>/dev/null; done
	cat "$T_DIR/racer-maps.out" "$T_DIR/racer-dovecot.out" |
		awk '/^swapped/ { n += $2 } END { print n + 0 }'
}

# 1. The directories belong to another user (as the shipped tmpfiles.d
#    line makes them udmail's): a root build is refused before it creates
#    anything, so the racer has nothing to swap.
out_dirs 65534 0755
race_start
# shellcheck disable=SC2086
t_exit 73 "root build into directories owned by nobody: refused" mailmap $C build
err=$(cat "$T_DIR/last.err")
swapped=$(race_stop)
like "$err" "$U/(maps|dovecot): directory owned by nobody \\(uid 65534\\)" \
	"the message names the directory and its owner"
like "$err" "run as that user, or make root own the directory" "the message says the fix"
secret_intact; ok $? "nothing written outside the output directories"
is "$swapped" 0 "no temp file was there to swap"
is "$(find "$U/maps" "$U/dovecot" -mindepth 1 | wc -l)" 0 "nothing created in the directories"
# The daemon's one-shot run takes the same path.
race_start
t_exit 73 "mailsyncd --once as root: refused too" mailsyncd --once -c "$U/udmail.yaml"
swapped=$(race_stop)
like "$(cat "$T_DIR/last.err")" "directory owned by nobody" "mailsyncd says why"
secret_intact; ok $? "mailsyncd: nothing written outside"

# 2. Root's, but writable by everyone and not sticky.
out_dirs 0 0777
race_start
# shellcheck disable=SC2086
t_exit 73 "world-writable directories: refused" mailmap $C build
swapped=$(race_stop)
like "$(cat "$T_DIR/last.err")" "$U/(maps|dovecot): directory writable by everyone \\(mode 0777\\) and not sticky" \
	"the message names the mode"
like "$(cat "$T_DIR/last.err")" "chmod o-w or chmod \\+t" "the message says the fix"
secret_intact; ok $? "nothing written outside the output directories"

# 3. A directory on the way belongs to nobody: it could swap the output
#    directory itself for a link.
mkdir -p "$U/chain/maps"
chown 65534 "$U/chain"
sed "s|$U/maps/|$U/chain/maps/|" "$U/udmail.yaml" >"$U/chain.yaml"
t_exit 73 "a directory owned by nobody on the path: refused" mailmap -c "$U/chain.yaml" build
like "$(cat "$T_DIR/last.err")" "$U/chain: directory owned by nobody" "the message names that directory"
is "$(find "$U/chain/maps" -mindepth 1 | wc -l)" 0 "nothing written there"

# 4. A shared sticky directory (root's, 1777): nobody can create names
#    there but not move ours.  Links planted at every final name are
#    replaced by the tables, never followed; the racer gets nowhere.
out_dirs 0 1777
for f in $FINALS; do
	$NOBODY ln -s "$SECRET/$f" "$U/maps/$f"
done
$NOBODY ln -s "$SECRET/passwd" "$U/dovecot/passwd"
race_start
# shellcheck disable=SC2086
t_run "sticky shared directories: build publishes" mailmap $C build
err=$(cat "$T_DIR/last.err")
swapped=$(race_stop)
n=0
for f in $FINALS; do
	[ -f "$U/maps/$f" ] && [ ! -L "$U/maps/$f" ] || { diag "$f: $(ls -la "$U/maps/$f")"; n=$((n + 1)); }
done
is "$n" 0 "every planted link at a final name replaced by a regular file"
[ -f "$U/dovecot/passwd" ] && [ ! -L "$U/dovecot/passwd" ]
ok $? "the passwd-file too"
is "$(stat -c '%a %u' "$U/dovecot/passwd")" "640 0" "passwd-file mode 0640, owned by root"
is "$(pq "$V" postmaster@example.org)" "alice@example.org, bob@example.org" "postmap reads the published table"
like "$err" "virtual: $U/maps/virtual.lmdb: a symbolic link, not a table udmail published; it will be replaced" \
	"the planted link is reported"
secret_intact; ok $? "nothing written outside the output directories"
is "$swapped" 0 "the racer could not swap a single temp file"
grep -q '^failed [1-9]' "$T_DIR/racer-maps.out"
ok $? "... though it tried (rename refused by the sticky bit)"
is "$(find "$U/maps" "$U/dovecot" -name '*.udmail-tmp.*' | wc -l)" 0 "no temp file left"

# 5. A link at a final name pointing to a copy of the same table must not
#    pass for "unchanged" (it would stay, and its target be read as ours).
out_dirs 0 0755
# shellcheck disable=SC2086
t_run "plain root directories: build" mailmap $C build
mkdir -m 0700 "$T_DIR/elsewhere"
cp "$U/maps/virtual.lmdb" "$T_DIR/elsewhere/virtual.lmdb"
rm "$U/maps/virtual.lmdb"
ln -s "$T_DIR/elsewhere/virtual.lmdb" "$U/maps/virtual.lmdb"
before=$(stat -c '%i %Y' "$T_DIR/elsewhere/virtual.lmdb")
# shellcheck disable=SC2086
t_run "same entries behind a link: build" mailmap $C build
[ -f "$U/maps/virtual.lmdb" ] && [ ! -L "$U/maps/virtual.lmdb" ]
ok $? "the link was replaced by the table"
grep -q '^virtual .*published' "$T_DIR/last.out"
ok $? "virtual reported published, not unchanged"
is "$(stat -c '%i %Y' "$T_DIR/elsewhere/virtual.lmdb")" "$before" "the link's target untouched"
# shellcheck disable=SC2086
t_run "next build" mailmap $C build
grep -q '^virtual .*unchanged' "$T_DIR/last.out"
ok $? "then unchanged, as usual"
t_done
