#!/bin/bash
# No core dumps from the programs that hold password hashes or passwords
# (issue 12, defect 7): mailpw waiting for a password on stdin, mailmap
# waiting for an LDAP answer and the mailsyncd daemon are each killed by
# a crash signal with the core limit raised as far as the caller can.
# None may leave a core (file or core_pattern pipe: the kernel's
# WCOREDUMP flag); each runs with RLIMIT_CORE 0 and, unless we are root
# (then /proc tells nothing), is not dumpable: /proc/PID/status belongs to
# root although the process does not.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/nocore.sh"
need_cmd python3
for p in tools/mailpw tools/mailmap src/mailsyncd; do
	[ -x "$top_builddir/$p" ] || skip_all "$p not built"
done

me=$(id -un)
# check NAME: the probe's answers in $T_DIR/NAME.out
check() {
	local out=$T_DIR/$1.out
	grep -qx 'limit 0 0' "$out"; ok $? "$1: core size limit 0 (soft and hard)"
	grep -qx 'coredump no' "$out"; ok $? "$1: killed, no core dumped"
	grep -qx 'corefile no' "$out"; ok $? "$1: no core file in its directory"
	if [ "$(id -u)" != 0 ]; then
		grep -qx 'owner 0' "$out"
		ok $? "$1: not dumpable (/proc/PID/status owned by root)"
	fi
	grep -qx 'signaled [1-9][0-9]*' "$out"; ok $? "$1: ended by the signal"
	sed 's/^/#   /' "$out"
}

# --- mailpw hash, blocked reading the password ----------------------------
mkdir -p "$T_DIR/pw"
crash_probe ABRT "$T_DIR/pw" - "$top_builddir/tools/mailpw" hash \
	>"$T_DIR/mailpw.out" 2>&1
check mailpw

# --- mailmap build, blocked waiting for LDAP ------------------------------
# A listener on 127.0.0.1 that accepts and never answers.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
' >"$T_DIR/port" &
t_track_pid $!
wait_for 5 test -s "$T_DIR/port" || { echo "Bail out! no listener"; exit 1; }
mkdir -p "$T_DIR/mm/maps" "$T_DIR/mm/state"
cp "$top_srcdir/tests/data/demo/mail.yaml" "$T_DIR/mm/mail.yaml"
cat >"$T_DIR/mm/udmail.yaml" <<EOF
user: $me
state_dir: $T_DIR/mm/state
hiera: [ $T_DIR/mm/mail.yaml ]
ldap:
  uri: ldap://127.0.0.1:$(cat "$T_DIR/port")
  base: ou=users,dc=example,dc=org
  timeout: 60
  network_timeout: 60
outputs:
  virtual: { path: $T_DIR/mm/maps/virtual }
EOF
crash_probe SEGV "$T_DIR/mm" - "$top_builddir/tools/mailmap" \
	-c "$T_DIR/mm/udmail.yaml" build >"$T_DIR/mailmap.out" 2>&1
check mailmap

# --- the mailsyncd daemon, after its first sync ---------------------------
mkdir -p "$T_DIR/sd/maps" "$T_DIR/sd/state"
cp "$top_srcdir/tests/data/demo/mail.yaml" "$T_DIR/sd/mail.yaml"
cat >"$T_DIR/sd/udmail.yaml" <<EOF
user: $me
state_dir: $T_DIR/sd/state
hiera: [ $T_DIR/sd/mail.yaml ]
outputs:
  virtual: { path: $T_DIR/sd/maps/virtual }
EOF
crash_probe SEGV "$T_DIR/sd" "sync done" "$top_builddir/src/mailsyncd" \
	-c "$T_DIR/sd/udmail.yaml" --interval 3600 >"$T_DIR/mailsyncd.out" 2>&1
check mailsyncd
grep -q 'sync done' "$T_DIR/sd/stderr"; ok $? "mailsyncd: its first sync ran before the signal"

plan "$T_NUM"
t_done
