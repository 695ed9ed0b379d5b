#!/bin/bash
# bench/latency.sh [N] [K]: mailsyncd against N accounts (default 10000)
# in a local slapd, every table lmdb (FORMAT=hash: Berkeley DB), side by
# side with paged ldapsearch:
#   startup: daemon start -> first publish, with an empty state (tables
#     built), and a restart with the saved cookie and entries and nothing
#     changed (until LDAP said so: no entry read, no build);
#     the reference is `ldapsearch -E pr=1000` of the same attributes
#   change latency: K changes (default 100), one at a time on a quiet
#     daemon: ldapmodify started -> `postmap -q` on the forward table
#     returns the new value; p50, p99, max
#   a burst of 1,000 changes in one ldapmodify: the syncs it cost and the
#     time until the last change is visible
#   the daemon's peak resident set (VmHWM)
# Run from a built tree: bench/latency.sh 10000
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
. "$top_srcdir/bench/lib.sh"
N=${1:-10000}
K=${2:-100}
D=$top_builddir/src/mailsyncd
[ -x "$D" ] || { echo "build first: $D missing" >&2; exit 1; }
slapd_require

bench_directory "$N" || exit 1
# FORMAT=hash: every map a Berkeley DB hash table (a change to one is a
# whole build: those are rewritten whole).
FORMAT=${FORMAT:-lmdb}
[ "$FORMAT" = hash ] && sed -i 's/format: lmdb/format: hash/' "$U/udmail.yaml"
F=$FORMAT:$U/maps/forward
ATTRS=(uid emailForward mailPassword userPassword shadowExpire accountStatus)
FILTER='(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))'
ref() {
	ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" \
		-b "$SLAPD_USERS" -s one -E pr=1000/noprompt "$FILTER" "${ATTRS[@]}"
}
ls_t=$(RUNS=3 best ref) || exit 1
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT

# start: the daemon in the background; START_MS: ms to its first publish,
# or, restarted with its saved cookie, until LDAP said nothing changed.
start() {
	local t0 i
	: >"$T_DIR/daemon.log"
	t0=$(now)
	"$D" -c "$U/udmail.yaml" -v --interval 3600 </dev/null >/dev/null \
		2>"$T_DIR/daemon.log" &
	pid=$!
	for ((i = 0; i < 60000; i++)); do
		grep -q 'sync done\|nothing changed since the state held' \
			"$T_DIR/daemon.log" && break
		sleep 0.005
	done
	START_MS=$(ms "$t0" "$(now)")
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null; pid=""; }
syncs() { grep -c 'sync done' "$T_DIR/daemon.log"; }
modify() {
	ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null
}
forward() {
	printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: emailForward\nemailForward: %s\n\n' \
		"$1" "$SLAPD_USERS" "$2"
}
# An account that is neither locked (every 10th) nor retired (every 50th).
account() {
	local i=$(($1 % N + 1))
	[ $((i % 10)) -eq 0 ] && i=$((i % N + 1))
	printf 'u%07d' "$i"
}
# visible KEY VALUE: wait until the forward table maps KEY to VALUE.
visible() {
	local i
	for ((i = 0; i < 60000; i++)); do
		[ "$(postmap -q "$1" "$F" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.002
	done
	return 1
}

rm -rf "$U/maps/"* "$U/dovecot/"* "$U/state/"*
start
fresh_ms=$START_MS
sleep 1
extra=$(($(syncs) - 1))
stop
start
again_ms=$START_MS
sleep 1
again_syncs=$(syncs)
# Once idle it builds the model (publishing nothing) for changes in place.
for ((i = 0; i < 60000; i++)); do
	grep -q 'ready for changes in place' "$T_DIR/daemon.log" && break
	sleep 0.005
done
prep=$(sed -n 's/.*ready for changes in place: .* built in \([0-9.]*\) s.*/\1/p' "$T_DIR/daemon.log")

lat=()
for ((k = 1; k <= K; k++)); do
	a=$(account $((k * 7919)))
	v="lat-$k@bench.example.net"
	t0=$(now)
	forward "$a" "$v" | modify || exit 1
	visible "$a@example.org" "$v" || { echo "change $k never visible" >&2; exit 1; }
	lat+=("$(ms "$t0" "$(now)")")
	sleep 0.3
done
pct() {
	printf '%s\n' "$@" | sort -n | awk '
	{ v[NR] = $1 }
	END { i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
	      print v[i50], v[i99], v[NR] }'
}
read -r p50 p99 max <<<"$(pct "${lat[@]}")"

# Password changes: ldapmodify -> the passwd-file holds the new line.
H=("$(grep -m1 '^mailPassword:' "$T_DIR/accounts.ldif" | cut -d' ' -f2)"
	'{SHA512-CRYPT}$6$QD7cy7dF/BSNI/CS$tA84iZMBnb6Kt7aUzp9Y.d7XnYwNLy2Oadr6GL5kB/cSfeKAVzW8p3lDkirp6rjUcqoboMfuJ8AY.tbEZym4/1')
PK=$((K < 10 ? K : 10))
plat=()
for ((k = 1; k <= PK; k++)); do
	a=$(account $((k * 104729)))
	t0=$(now)
	printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: mailPassword\nmailPassword: %s\n\n' \
		"$a" "$SLAPD_USERS" "${H[k % 2]}" | modify || exit 1
	for ((i = 0; i < 60000; i++)); do
		grep -qF "$a:${H[k % 2]}" "$U/dovecot/passwd" && break
		sleep 0.002
	done
	plat+=("$(ms "$t0" "$(now)")")
	sleep 0.3
done
read -r pp50 pp99 pmax <<<"$(pct "${plat[@]}")"

a=$(account 12345)
for ((i = 1; i <= 1000; i++)); do forward "$a" "burst-$i@bench.example.net"; done >"$T_DIR/burst.ldif"
n0=$(syncs)
t0=$(now)
modify <"$T_DIR/burst.ldif" || exit 1
t1=$(now)
visible "$a@example.org" "burst-1000@bench.example.net" || exit 1
t2=$(now)
sleep 1
burst_syncs=$(($(syncs) - n0))
hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
stop

printf '%-58s %10s\n' "mailsyncd, $N accounts, $FORMAT tables" ""
printf '%-58s %10.3f\n' "ldapsearch -E pr=1000/noprompt, seconds (reference)" "$ls_t"
printf '%-58s %10.3f\n' "startup -> first publish, empty state, seconds" "$(awk -v m="$fresh_ms" 'BEGIN { print m / 1000 }')"
printf '%-58s %10s\n' "  ratio to ldapsearch" "$(ratio "$fresh_ms" "$(awk -v s="$ls_t" 'BEGIN { print s * 1000 }')")"
printf '%-58s %10s\n' "  further syncs after the watch started (want 0)" "$extra"
printf '%-58s %10.3f\n' "restart, saved cookie, nothing changed -> ready, seconds" "$(awk -v m="$again_ms" 'BEGIN { print m / 1000 }')"
printf '%-58s %10s\n' "  builds at that restart (want 0)" "$again_syncs"
printf '%-58s %10s\n' "  then, once idle, model for changes in place, seconds" "${prep:-none}"
printf '%-58s %10s\n' "change latency ldapmodify -> postmap -q, $K changes, ms" "p50 $p50"
printf '%-58s %10s\n' "" "p99 $p99"
printf '%-58s %10s\n' "" "max $max"
printf '%-58s %10s\n' "  reference: ud-ldap's cron generation (not measured)" "5-15 min"
printf '%-58s %10s\n' "password change -> passwd-file line, $PK changes, ms" "p50 $pp50"
printf '%-58s %10s\n' "" "p99 $pp99"
printf '%-58s %10s\n' "" "max $pmax"
printf '%-58s %10s\n' "  syncs in place / whole after the restart" "$(grep -c 'sync done .*in place' "$T_DIR/daemon.log") / $(grep -c 'sync done .*held LDAP' "$T_DIR/daemon.log")"
printf '%-58s %10s\n' "burst: 1,000 changes in one ldapmodify, ms to apply" "$(ms "$t0" "$t1")"
printf '%-58s %10s\n' "  ms until the last is visible" "$(ms "$t0" "$t2")"
printf '%-58s %10s\n' "  syncs it cost" "$burst_syncs"
printf '%-58s %10s\n' "mailsyncd peak RSS (VmHWM), MiB" "$hwm"
