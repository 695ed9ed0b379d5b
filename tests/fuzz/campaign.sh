#!/bin/bash
# tests/fuzz/campaign.sh: a long libFuzzer run over every parser target,
# one after the other, and a table of what it did.
#
#   CC=clang ./configure --enable-fuzzing && make
#   tests/fuzz/campaign.sh [-s SECONDS] [-j JOBS] [-o OUTDIR] [TARGET...]
#
# Each target runs SECONDS of wall time (default 240) on a copy of its
# corpus under OUTDIR (default $TMPDIR/udmail-fuzz), JOBS targets at a
# time (default 1), at low priority.  The CPU time of every run is
# measured (getrusage of the child, user + system), not assumed from the
# wall time.  A crash, leak or timeout leaves its reproducer in
# OUTDIR/TARGET/ and makes the script exit 1.  New corpus entries stay in
# OUTDIR; `-merge=1` them into tests/fuzz/corpus/TARGET by hand when they
# add coverage worth replaying in every `make check`.
set -u

secs=240 jobs=1 out=${TMPDIR:-/tmp}/udmail-fuzz
while getopts s:j:o: opt; do
	case $opt in
	s) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-s SECONDS] [-j JOBS] [-o OUTDIR] [TARGET...]" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
if [ $# -eq 0 ]; then
	set --
	for f in tests/fuzz/fuzz_*.c; do
		t=${f#tests/fuzz/fuzz_}
		t=${t%.c}
		[ "$t" = files ] && continue
		set -- "$@" "$t"
	done
fi
for t in "$@"; do
	if [ ! -x "tests/fuzz/fuzz_$t" ]; then
		echo "$0: tests/fuzz/fuzz_$t not built (CC=clang ./configure --enable-fuzzing)" >&2
		exit 69
	fi
done
mkdir -p "$out" || exit 73

# One target: its corpus copy, the run, and a result line in OUT/T.result:
# target cpu_seconds executions coverage corpus_size status
run_one() {
	local t=$1 dir=$out/$1 log=$out/$1.log st
	mkdir -p "$dir/corpus"
	cp -n tests/fuzz/corpus/"$t"/* "$dir/corpus/" 2>/dev/null
	# -rss_limit_mb: ASan's shadow is not counted; 2 GB is libFuzzer's
	# default, said here so a reader sees it.
	/usr/bin/time -f '%U %S' -o "$dir/time" \
	    nice -n 19 "tests/fuzz/fuzz_$t" -max_total_time="$secs" \
	    -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix="$dir/" "$dir/corpus" >"$log" 2>&1
	st=$?
	awk -v t="$t" -v st="$st" '
	    FNR == NR { cpu = $1 + $2; next }
	    /stat::number_of_executed_units/ { n = $2 }
	    /^#[0-9]+/ && / cov: / {
		for (i = 1; i <= NF; i++) if ($i == "cov:") cov = $(i + 1)
	    }
	    END {
		printf "%s %.0f %d %d %s\n", t, cpu, n, cov,
		    st == 0 ? "ok" : "FAILED(" st ")"
	    }' "$dir/time" "$log" >"$out/$t.result"
	echo "$(ls "$dir/corpus" | wc -l)" >>"$out/$t.result"
}

running=0
for t in "$@"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

fail=0 total=0
printf '%-12s %10s %14s %8s %8s  %s\n' target cpu_s executions cov corpus result
for t in "$@"; do
	{ read -r name cpu n cov st; read -r corp; } <"$out/$t.result"
	printf '%-12s %10s %14s %8s %8s  %s\n' "$name" "$cpu" "$n" "$cov" \
	    "$corp" "$st"
	total=$((total + cpu))
	[ "$st" = ok ] || fail=1
done
awk -v c="$total" -v s="$secs" 'BEGIN { printf "total CPU: %d s (%.2f h), %d s wall per target\n", c, c / 3600, s }'
exit $fail
