#!/bin/bash
# Disk full (fault injection): the outputs live on a small tmpfs.  With no
# space at all, and with space for the small tables but not the large
# ones, `mailmap build` and `mailsyncd --once` fail with a message that
# names the file and says "No space left on device", publish nothing
# (every table or none; the passwd-file written while fetching is not
# published either) and leave no temp file.  A disk filled by the temp
# files of killed runs is freed by the next run, which then publishes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap python3 df
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
MNT=$T_DIR/mnt
mkdir "$MNT"
mount -t tmpfs -o size=24m,mode=0755 udmail-test "$MNT" 2>/dev/null ||
	skip_all "mount -t tmpfs not permitted here"
trap 'rc=$?; umount "$MNT" 2>/dev/null; (exit $rc); t_cleanup' EXIT
plan 18

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
mkdir "$MNT/maps" "$MNT/dovecot"
sed -e "s|$U/maps/|$MNT/maps/|" -e "s|$U/dovecot/|$MNT/dovecot/|" "$U/udmail.yaml" >"$U/full.yaml"
C="-c $U/full.yaml"
# Bulk, so that the forward and transport tables are large (some MB).
python3 - "$U/hiera/mail.yaml" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
lines = "".join(f"  bulk{i:05d}: [bulk{i:05d}@old.example.net]\n" for i in range(40000))
s = s.replace("forwards:\n", "forwards:\n" + lines, 1)
open(p, "w").write(s)
EOF
# shellcheck disable=SC2086
t_run "build onto the tmpfs" mailmap $C build
state() { # what postmap and Dovecot would read, and which inodes
	local f
	for f in "$MNT"/maps/*.lmdb "$MNT"/maps/*.db; do
		case $f in
		*.lmdb) printf '%s %s\n' "$(stat -c %i "$f")" "$(postmap -s "lmdb:${f%.lmdb}" | sort | md5sum)" ;;
		*.db) printf '%s %s\n' "$(stat -c %i "$f")" "$(postmap -s "hash:${f%.db}" | sort | md5sum)" ;;
		esac
	done
	printf '%s %s\n' "$(stat -c %i "$MNT/dovecot/passwd")" "$(md5sum <"$MNT/dovecot/passwd")"
}
temps() { find "$MNT" -name '.*' -type f | wc -l; }
old=$(state)
diag "tables: $(du -sk "$MNT/maps" | cut -f1) KiB"

# Every table changes from here on.
sed -i 's/@old\.example\.net/@new.example.net/' "$U/hiera/mail.yaml"
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: emailForward
emailForward: alice@changed.example.net
LDIF

# 1. No space at all.
head -c 100M /dev/zero >"$MNT/fill" 2>/dev/null
is "$(df --output=avail -B1 "$MNT" | tail -1 | tr -d ' ')" 0 "the tmpfs is full"
# shellcheck disable=SC2086
t_exit 73 "disk full: build fails with EX_CANTCREAT" mailmap $C build
err=$(cat "$T_DIR/last.err")
diag "$(printf %s "$err" | tail -1)"
like "$err" "$MNT/(maps|dovecot)/[^:]*: .*No space left on device" "the message names the file and says why"
is "$(state)" "$old" "disk full: every table as before"
is "$(temps)" 0 "disk full: no temp file left"
t_exit 73 "disk full: mailsyncd --once fails the same way" mailsyncd --once -c "$U/full.yaml"
like "$(cat "$T_DIR/last.err")" "No space left on device" "mailsyncd says why"
is "$(state)" "$old" "mailsyncd: every table as before"

# 2. Space for the small tables and the passwd-file, not for the large
#    ones: none is published.
rm "$MNT/fill"
avail=$(df --output=avail -B1 "$MNT" | tail -1 | tr -d ' ')
head -c $((avail - 1024 * 1024)) /dev/zero >"$MNT/fill"
# shellcheck disable=SC2086
t_exit 73 "1 MiB free: build fails" mailmap $C build
like "$(cat "$T_DIR/last.err")" "No space left on device" "the message says why"
is "$(state)" "$old" "1 MiB free: no table published, not even the small ones"
is "$(temps)" 0 "1 MiB free: no temp file left"

# 3. The disk is full of what killed runs left (a crash loop under
#    Restart=on-failure): the next run removes those first, then has the
#    space to publish.  Leftovers of this version and of older ones.
rm "$MNT/fill"
i=0
while [ "$(df --output=avail -B1 "$MNT" | tail -1 | tr -d ' ')" -gt 0 ]; do
	i=$((i + 1))
	case $((i % 3)) in
	0) name=.forward.db.udmail-tmp.Kill$(printf %02d $i) ;;
	1) name=.transport.lmdb.Kx9$(printf %03d $i) ;;
	*) name=.passwd.udmail-tmp.Kill$(printf %02d $i) ;;
	esac
	case $name in .passwd*) d=dovecot ;; *) d=maps ;; esac
	head -c 2M /dev/zero >"$MNT/$d/$name" 2>/dev/null
done
diag "$i temp files fill the tmpfs"
# shellcheck disable=SC2086
t_run "full of leftovers: the next run publishes" mailmap -v $C build
like "$(cat "$T_DIR/last.err")" "removed [0-9]+ temp files an interrupted run left" "it says it removed them"
is "$(temps)" 0 "no leftover remains"
[ "$(state)" != "$old" ]
ok $? "the new tables are published"
is "$(postmap -q bulk00007@example.org "hash:$MNT/maps/forward")" "bulk00007@new.example.net" \
	"postmap reads the new forward table"
t_done
