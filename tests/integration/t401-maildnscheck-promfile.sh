#!/bin/bash
# maildnscheck --prom-file as root (issue 12, defect 1): the file is
# written like every udmail file (lib/atomicfile), so a device at the
# name is refused, not replaced; a link planted at the old predictable
# temp name ("PATH.tmp.<pid>") or at the final name is never followed;
# a directory another user owns is refused; a killed run's temp file is
# removed by a later run once it is an hour old.  No DNS server: the
# resolver is a closed port on 127.0.0.1, every check ends UNKNOWN, and
# the metrics are written all the same.
. "$top_srcdir/tests/integration/lib.sh"
MDC=${top_builddir:?}/tools/maildnscheck
[ -x "$MDC" ] || skip_all "maildnscheck not built"
[ "$(id -u)" = 0 ] || skip_all "needs root (mknod, and the writer it attacks)"
need_cmd setpriv
plan 15

port=$(pick_port) || skip_all "no free port"
PROM=$T_DIR/prom
mkdir -m 1777 "$PROM"
chmod 0711 "$T_DIR"
SECRET=$T_DIR/secret
mkdir -m 0700 "$SECRET"
echo precious >"$SECRET/victim"
echo precious >"$SECRET/victim2"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
check() { # check PROM-FILE: a run whose checks all time out
	"$MDC" --resolver "127.0.0.1#$port" --timeout 1 --retries 0 \
		--prom-file "$1" example.test
}

# 1. A device node at the name (as with --prom-file /dev/full): refused,
#    the node stays.  A copy of /dev/full's node, not the real one.
if mknod "$T_DIR/full" c 1 7 2>/dev/null; then
	t_exit 3 "device as prom file: UNKNOWN" check "$T_DIR/full"
	is "$(stat -c %F "$T_DIR/full")" "character special file" "the device node is still there"
	like "$(cat "$T_DIR/last.err")" "$T_DIR/full: not a regular file, refusing to replace it" \
		"the warning says why"
else
	for i in 1 2 3; do ok 0 "# SKIP mknod not permitted"; done
fi

# 2. Links planted by nobody in a shared (sticky) directory: at every
#    name the old code used as its temp file, and at the final name.
#    Started through exec, so the shell's pid is maildnscheck's.
$NOBODY ln -s "$SECRET/victim2" "$PROM/mail.prom"
cat >"$T_DIR/run.sh" <<EOF
#!/bin/bash
setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$SECRET/victim" "$PROM/mail.prom.tmp.\$\$"
exec "$MDC" --resolver "127.0.0.1#$port" --timeout 1 --retries 0 --prom-file "$PROM/mail.prom" example.test
EOF
t_exit 3 "links planted at the temp and final names: the run completes" bash "$T_DIR/run.sh"
is "$(cat "$SECRET/victim") $(cat "$SECRET/victim2")" "precious precious" "no file behind a link was written"
[ -f "$PROM/mail.prom" ] && [ ! -L "$PROM/mail.prom" ]
ok $? "the link at the final name was replaced by the metrics file"
grep -q '^maildnscheck_up 1' "$PROM/mail.prom"
ok $? "the metrics are there"
is "$(stat -c %a "$PROM/mail.prom")" 644 "mode 0644"
ok "$(grep -c 'prom file' "$T_DIR/last.err")" "no warning about the prom file"

# 3. A directory that belongs to another user: refused with the reason.
mkdir "$T_DIR/theirs"
chown 65534 "$T_DIR/theirs"
t_exit 3 "prom file in nobody's directory: UNKNOWN" check "$T_DIR/theirs/mail.prom"
like "$(cat "$T_DIR/last.err")" "prom file: $T_DIR/theirs: directory owned by nobody" \
	"the warning names the directory and its owner"
is "$(find "$T_DIR/theirs" -mindepth 1 | wc -l)" 0 "nothing written there"

# 4. A killed run's temp file: kept while it could be a running check's,
#    removed once an hour old; another user's never.
touch "$PROM/.mail.prom.udmail-tmp.AbC123" "$PROM/.mail.prom.udmail-tmp.Old123" \
	"$PROM/.mail.prom.udmail-tmp.Nob123"
touch -d '2 hours ago' "$PROM/.mail.prom.udmail-tmp.Old123" "$PROM/.mail.prom.udmail-tmp.Nob123"
chown 65534 "$PROM/.mail.prom.udmail-tmp.Nob123"
t_exit 3 "a run with leftovers" check "$PROM/mail.prom"
[ ! -e "$PROM/.mail.prom.udmail-tmp.Old123" ]
ok $? "the hour-old leftover was removed"
[ -e "$PROM/.mail.prom.udmail-tmp.AbC123" ] && [ -e "$PROM/.mail.prom.udmail-tmp.Nob123" ]
ok $? "a fresh one and another user's were kept"
t_done
