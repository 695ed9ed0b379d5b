# shellcheck shell=bash
# Shared by bench/*.sh: timing helpers.  Needs $T_DIR (tests/integration/lib.sh)
# and $top_srcdir, set by the script that sources this file.
: "${top_srcdir:?}"
: "${RUNS:=3}"

# best CMD...: the shortest wall time of RUNS runs, in seconds.
best() {
	local b="" s e d i
	for ((i = 0; i < RUNS; i++)); do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>"$T_DIR/bench.err" || { cat "$T_DIR/bench.err" >&2; return 1; }
		e=$(date +%s.%N)
		d=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')
		if [ -z "$b" ] || awk -v d="$d" -v b="$b" 'BEGIN { exit !(d < b) }'; then
			b=$d
		fi
	done
	echo "$b"
}

# maxrss CMD...: peak resident set size of one run, in MiB.
maxrss() {
	/usr/bin/time -f %M -o "$T_DIR/rss" "$@" >/dev/null 2>"$T_DIR/bench.err" ||
		{ cat "$T_DIR/bench.err" >&2; return 1; }
	awk '{ printf "%.1f", $1 / 1024 }' "$T_DIR/rss"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# elapsed CMD...: wall time of one run, in seconds.
elapsed() {
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>"$T_DIR/bench.err" || { cat "$T_DIR/bench.err" >&2; return 1; }
	e=$(date +%s.%N)
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }'
}

# paired REF-FUNCTION OUR-FUNCTION: RUNS alternating runs of the two, so a
# noisy machine hits both alike.  Prints "best_ref best_ours median_ratio".
paired() {
	local i r o rs=() os=() qs=()
	for ((i = 0; i < RUNS; i++)); do
		r=$(elapsed "$1") || return 1
		o=$(elapsed "$2") || return 1
		rs+=("$r") os+=("$o") qs+=("$(ratio "$o" "$r")")
	done
	printf '%s %s %s\n' \
		"$(printf '%s\n' "${rs[@]}" | sort -n | head -1)" \
		"$(printf '%s\n' "${os[@]}" | sort -n | head -1)" \
		"$(printf '%s\n' "${qs[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
}

# bench_directory N: a throwaway slapd with N generated accounts and
# $U/udmail.yaml for it (pages of 1000; every map lmdb, the default
# format, as a real host would have).  Needs slapd.sh and udmail.sh.
bench_directory() {
	slapd_setup || return 1
	"$top_srcdir/tests/data/ldap/gen-accounts.sh" "$1" >"$T_DIR/accounts.ldif"
	slapd_load "$T_DIR/accounts.ldif" || return 1
	slapd_start || return 1
	udmail_setup
	sed -i 's|^  base: ou=users,dc=example,dc=org|&\n  page_size: 1000|' "$U/udmail.yaml"
	sed -i 's/format: hash/format: lmdb/' "$U/udmail.yaml"
}
