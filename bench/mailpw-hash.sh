#!/bin/bash
# bench/mailpw-hash.sh: `mailpw hash` / `mailpw verify` against
# `doveadm pw -s ARGON2ID` / `doveadm pw -t` with the same cost (m=64 MiB,
# t=3, p=1), side by side in one run; prints the ratios (target <= 1.1)
# and peak RSS.  Usage: bench/mailpw-hash.sh [RUNS]  (default 20)
# Run from the build tree (tools/mailpw) or set MAILPW=path.
set -eu
runs=${1:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
M=${MAILPW:-$top/tools/mailpw}
command -v doveadm >/dev/null || { echo "doveadm not installed" >&2; exit 77; }
[ -x "$M" ] || { echo "$M not built" >&2; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pw='bench-password-123'
printf '%s\n' "$pw" >"$d/pw"
"$M" hash -m 65536 -t 3 -p 1 <"$d/pw" >"$d/mine"
doveadm pw -s ARGON2ID -p "$pw" >"$d/dove"
mean() { # mean CMD...: shell loop timing, robust without hyperfine
	local t0 t1
	t0=$(date +%s.%N)
	for _ in $(seq 1 "$runs"); do "$@" >/dev/null 2>&1; done
	t1=$(date +%s.%N)
	echo "$t0 $t1 $runs" | awk '{ printf "%.4f", ($2 - $1) / $3 }'
}
if command -v hyperfine >/dev/null; then
	hyperfine --warmup 2 --runs "$runs" --export-json "$d/h.json" \
	    -n "mailpw hash" "$M hash -m 65536 -t 3 -p 1 <$d/pw" \
	    -n "doveadm pw -s" "doveadm pw -s ARGON2ID -p $pw" \
	    -n "mailpw verify" "$M verify --hash-file $d/dove <$d/pw" \
	    -n "doveadm pw -t" "doveadm pw -t '$(cat "$d/dove")' -p $pw" \
	    >"$d/h.txt" 2>&1
	python3 - "$d/h.json" >"$d/means" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["mean"])
PY
	hm=$(sed -n 1p "$d/means"); hd=$(sed -n 2p "$d/means")
	vm=$(sed -n 3p "$d/means"); vd=$(sed -n 4p "$d/means")
	tool=hyperfine
else
	hm=$(mean sh -c "'$M' hash -m 65536 -t 3 -p 1 <'$d/pw'")
	hd=$(mean doveadm pw -s ARGON2ID -p "$pw")
	vm=$(mean sh -c "'$M' verify --hash-file '$d/dove' <'$d/pw'")
	vd=$(mean doveadm pw -t "$(cat "$d/dove")" -p "$pw")
	tool="shell loop"
fi
# peak RSS in KiB of one run (stdin from $d/pw)
rss() { /usr/bin/time -f %M "$@" <"$d/pw" 2>&1 >/dev/null | tail -1; }
rhm=$(rss "$M" hash -m 65536 -t 3 -p 1)
rhd=$(rss doveadm pw -s ARGON2ID -p "$pw")
rvm=$(rss "$M" verify --hash-file "$d/dove")
rvd=$(rss doveadm pw -t "$(cat "$d/dove")" -p "$pw")

echo "argon2id m=65536 KiB, t=3, p=1; $runs runs each ($tool)"
printf '%-16s %9s %9s %7s %12s %12s\n' op mailpw doveadm ratio "RSS mailpw" "RSS doveadm"
awk -v hm="$hm" -v hd="$hd" -v vm="$vm" -v vd="$vd" -v a="$rhm" -v b="$rhd" -v c="$rvm" -v e="$rvd" 'BEGIN {
	printf "%-16s %8.1fms %8.1fms %6.2fx %9d KiB %9d KiB\n", "hash", hm*1000, hd*1000, hm/hd, a, b
	printf "%-16s %8.1fms %8.1fms %6.2fx %9d KiB %9d KiB\n", "verify", vm*1000, vd*1000, vm/vd, c, e
	printf "target: ratio <= 1.10\n"
}'
