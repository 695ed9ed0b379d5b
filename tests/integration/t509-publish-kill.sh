#!/bin/bash
# Crashes (issue 12, defect 2, and fault injection): kill -9 at random
# points of a large publish (200,000 Hiera entries; lmdb, hash and text
# tables), alternately `mailmap build` and `mailsyncd --once`, each
# switching every table between two contents A and B that differ in every
# entry.  After every kill each table must be exactly A or exactly B
# (postmap -s, the oracle); the next run and the daemon's start must
# remove every temp file the kills left, and a run must never remove the
# temp files of one still at work (it waits for the publish lock).
# UDMAIL_KILL_RUNS sets the number of kills (default 30).
. "$top_srcdir/tests/integration/lib.sh"
need_cmd postmap python3
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
plan 14

RUNS=${UDMAIL_KILL_RUNS:-30}
N=200000
D=$T_DIR/big
mkdir -p "$D/hiera" "$D/state" "$D/pf" "$D/maps" "$D/refA" "$D/refB"
: >"$D/pf/main.cf"
MAIL_CONFIG=$D/pf
export MAIL_CONFIG
TABLES="virtual.lmdb relay_recipients.lmdb sender_login.lmdb forward.db transport"

# Contents A and B: same sizes (the shrink guard stays quiet), no entry
# in common.
python3 - "$D/hiera" "$N" <<'EOF'
import sys
d, n = sys.argv[1], int(sys.argv[2])
for tag, fwd, ali in (("A", "u", "a"), ("B", "w", "b")):
    with open(f"{d}/{tag}.yaml", "w") as f:
        f.write("version: 1\ndomain: example.org\n"
                "alias_domains: [mail.example.org]\nforwards:\n")
        for i in range(n // 2):
            f.write(f"  {fwd}{i:06d}: [{fwd}{i:06d}@ext-{tag}.example.net]\n")
        f.write("aliases:\n")
        for i in range(n // 2):
            f.write(f"  {ali}{i:06d}: {fwd}{i:06d}\n")
        f.write("sender_logins:\n")
        for i in range(0, n // 2, 10):
            f.write(f"  {ali}{i:06d}: [{fwd}{i:06d}]\n")
EOF
conf() { # conf OUTDIR
	cat <<EOF
user: $(id -un)
state_dir: $D/state
hiera:
  - $D/hiera/mail.yaml
transport_nexthop: "smtp:[srs.example.org]"
outputs:
  virtual:          { path: $1/virtual, format: lmdb }
  relay_recipients: { path: $1/relay_recipients, format: lmdb }
  sender_login:     { path: $1/sender_login, format: lmdb }
  forward:          { path: $1/forward, format: hash }
  transport:        { path: $1/transport, format: text }
EOF
}
conf "$D/maps" >"$D/udmail.yaml"
use() { cp "$D/hiera/$1.yaml" "$D/hiera/mail.yaml"; }

# digest DIR TABLE: what postmap reads, whatever the storage order.
digest() {
	case $2 in
	*.lmdb) postmap -s "lmdb:$1/${2%.lmdb}" 2>&1 | sort | md5sum ;;
	*.db) postmap -s "hash:$1/${2%.db}" 2>&1 | sort | md5sum ;;
	*) sort "$1/$2" | md5sum ;;
	esac | cut -c1-32
}
leftovers() { find "$D/maps" -maxdepth 1 -name '.*' -type f | wc -l; }
# temp files, whatever their naming, but for the decoy made below
temps() { find "$D/maps" -maxdepth 1 -name '.*' -type f ! -name '.virtual.lmdb.keep' | wc -l; }

# References: A and B built on their own.
for x in A B; do
	use $x
	conf "$D/ref$x" >"$D/ref$x.yaml"
	mailmap -c "$D/ref$x.yaml" build >/dev/null 2>"$D/ref$x.err" ||
		{ echo "Bail out! reference build $x failed: $(cat "$D/ref$x.err")"; exit 1; }
	for t in $TABLES; do
		eval "ref_${x}_${t//./_}=\$(digest \"\$D/ref$x\" \"\$t\")"
	done
done
n=0
for t in $TABLES; do
	a=ref_A_${t//./_} b=ref_B_${t//./_}
	[ "${!a}" != "${!b}" ] || n=$((n + 1))
done
is "$n" 0 "A and B differ in every table"

use A
t_run "initial build (A)" mailmap -c "$D/udmail.yaml" build
start=$(date +%s%N)
use B
t_run "timed build (A to B)" mailmap -c "$D/udmail.yaml" build
dur=$((($(date +%s%N) - start) / 1000000))
diag "a full publish takes $dur ms; kills fall within 0..$((dur * 11 / 10)) ms"

# tables_check [A|B]: each table exactly A or exactly B (or exactly the
# one named); prints the others.
tables_check() {
	local t d a b bad=""
	for t in $TABLES; do
		[ -f "$D/maps/$t" ] && [ ! -L "$D/maps/$t" ] || { bad="$bad $t(missing)"; continue; }
		d=$(digest "$D/maps" "$t")
		a=ref_${1:-A}_${t//./_} b=ref_${1:-B}_${t//./_}
		[ "$d" = "${!a}" ] || [ "$d" = "${!b}" ] || bad="$bad $t"
	done
	echo "$bad"
}

mixed=0 landed=0 maxleft=0 maxbytes=0
for i in $(seq 1 "$RUNS"); do
	[ $((i % 2)) = 1 ] && use A || use B
	if [ $((i % 4)) -lt 2 ]; then
		mailmap -c "$D/udmail.yaml" build >/dev/null 2>&1 &
	else
		mailsyncd --once -c "$D/udmail.yaml" >/dev/null 2>&1 &
	fi
	pid=$!
	ms=$((RANDOM % (dur * 11 / 10 + 1)))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null && landed=$((landed + 1))
	wait "$pid" 2>/dev/null
	bad=$(tables_check)
	[ -z "$bad" ] || { mixed=$((mixed + 1)); diag "kill $i at $ms ms: neither A nor B:$bad"; }
	l=$(leftovers)
	[ "$l" -le "$maxleft" ] || maxleft=$l
	b=$(du -sk "$D/maps" | cut -f1)
	[ "$b" -le "$maxbytes" ] || maxbytes=$b
done
is "$mixed" 0 "after each of $RUNS kills ($landed mid-run), every table is exactly old or exactly new"
diag "most temp files seen after a kill: $maxleft; largest maps directory: $maxbytes KiB"
[ "$maxleft" -gt 0 ]
ok $? "the kills left temp files behind (else this test proves nothing)"

# kill_mid_publish X: a build towards X killed while its temp files exist.
kill_mid_publish() {
	local pid
	use "$1"
	mailmap -c "$D/udmail.yaml" build >/dev/null 2>&1 &
	pid=$!
	wait_for 10 sh -c "[ \"\$(find '$D/maps' -name '.*' -type f ! -name '.virtual.lmdb.keep' | wc -l)\" -gt 0 ]"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# The next run removes them, and only them.
if [ "$(leftovers)" = 0 ]; then
	if [ -z "$(tables_check A)" ]; then kill_mid_publish B; else kill_mid_publish A; fi
fi
diag "temp files before the next run: $(leftovers)"
touch "$D/maps/.virtual.lmdb.keep" "$D/maps/notes"
use A
t_run "the next run after the kills" mailmap -v -c "$D/udmail.yaml" build
is "$(leftovers)" 1 "it removed every temp file the kills left"
like "$(cat "$T_DIR/last.err")" "removed [0-9]+ temp files? an interrupted run left" "and said so"
[ -e "$D/maps/.virtual.lmdb.keep" ] && [ -e "$D/maps/notes" ]
ok $? "files that only look alike were kept"
is "$(tables_check A)" "" "every table is A again"

# The daemon's start removes them too, even while its source is broken.
kill_mid_publish B
echo 'version: [' >"$D/hiera/mail.yaml"
before=$(temps)
mailsyncd -c "$D/udmail.yaml" >"$T_DIR/daemon.out" 2>"$T_DIR/daemon.err" &
dpid=$!
t_track_pid "$dpid"
wait_for 10 grep -q 'sync failed' "$T_DIR/daemon.err"
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
diag "temp files before the daemon started: $before"
is "$([ "$before" -gt 0 ] && temps)" 0 "the daemon's start removed them (its first sync failed on the broken export)"

# A run never removes the temp files of one still at work: it waits.
use A
mailmap -c "$D/udmail.yaml" build >/dev/null 2>&1
use B
mailmap -c "$D/udmail.yaml" build >"$T_DIR/first.out" 2>"$T_DIR/first.err" &
first=$!
wait_for 10 sh -c "[ \"\$(find '$D/maps' -name '.*' -type f ! -name '.virtual.lmdb.keep' | wc -l)\" -gt 0 ]"
kill -STOP "$first"
held=$(find "$D/maps" -name '.*' -type f ! -name '.virtual.lmdb.keep' | sort)
use A
mailmap -c "$D/udmail.yaml" build >"$T_DIR/second.out" 2>"$T_DIR/second.err" &
second=$!
sleep 1
kill -0 "$second" 2>/dev/null
ok $? "a second run waits while the first holds the lock"
is "$(find "$D/maps" -name '.*' -type f ! -name '.virtual.lmdb.keep' | sort)" "$held" \
	"the first run's temp files are untouched"
kill -CONT "$first"
wait "$first"
r1=$?
wait "$second"
r2=$?
is "$r1 $r2 $(tables_check A)" "0 0 " "both finish; the second (A) published last, whole"
t_done
