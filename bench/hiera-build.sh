#!/bin/bash
# bench/hiera-build.sh [N]: a Hiera export of N forwards (default 999990,
# under the 2,000,000 values a file may hold: a forward is two)
# through `mailmap build` into the forward table, beside `postmap` given
# the same entries in the same order (the export's), for lmdb and hash.
# Prints the best seconds of RUNS (default 3) alternating runs, peak
# RSS and the median ratio mailmap / postmap.
# Run from a built tree: bench/hiera-build.sh 1000000
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/bench/lib.sh"
N=${1:-999990}
M=$top_builddir/tools/mailmap
[ -x "$M" ] || { echo "build first: $M missing" >&2; exit 1; }
need_cmd postmap
mkdir -p "$T_DIR/pf" "$T_DIR/maps" "$T_DIR/state"
: >"$T_DIR/pf/main.cf"
export MAIL_CONFIG=$T_DIR/pf

awk -v n="$N" -v y="$T_DIR/mail.yaml" -v t="$T_DIR/in.txt" 'BEGIN {
	print "version: 1\ndomain: example.org\nforwards:" >y
	for (i = 1; i <= n; i++) {
		printf "  f%d: f%d@m%d.net\n", i, i, i % 977 >y
		printf "f%d@example.org\tf%d@m%d.net\n", i, i, i % 977 >t
	}
}'
# Run as root (a throwaway VM), mailmap would drop to the udmail user.
user=
[ "$(id -u)" = 0 ] && user="user: root"
for fmt in lmdb hash; do
	cat >"$T_DIR/$fmt.yaml" <<CONF
$user
state_dir: $T_DIR/state
hiera:
  - $T_DIR/mail.yaml
outputs:
  forward: { path: $T_DIR/maps/forward, format: $fmt }
CONF
done

# One run of each tool; both start from nothing (no table, no input
# table beside the text) every time.
run_mailmap() {
	rm -f "$T_DIR/maps/"*
	/usr/bin/time -f '%M' -o "$T_DIR/rss.mm" "$M" -c "$T_DIR/$fmt.yaml" \
		build
}
run_postmap() {
	rm -f "$T_DIR/pm" "$T_DIR/pm$suf"
	cp "$T_DIR/in.txt" "$T_DIR/pm"
	/usr/bin/time -f '%M' -o "$T_DIR/rss.pm" postmap "$fmt:$T_DIR/pm"
}

printf '%-52s %9s %9s\n' "$N forwards from one Hiera export" seconds "rss MiB"
echo "($RUNS alternating runs each: best time, median of the run ratios)"
for fmt in lmdb hash; do
	case $fmt in lmdb) suf=.lmdb ;; hash) suf=.db ;; esac
	read -r pm_s mm_s q < <(paired run_postmap run_mailmap) || exit 1
	pm_rss=$(awk '{ print int($1 / 1024) }' "$T_DIR/rss.pm")
	mm_rss=$(awk '{ print int($1 / 1024) }' "$T_DIR/rss.mm")
	# The same table both ways.
	a=$(postmap -s "$fmt:$T_DIR/pm" | sort | cksum)
	b=$(postmap -s "$fmt:$T_DIR/maps/forward" | sort | cksum)
	[ "$a" = "$b" ] || echo "MISMATCH: $fmt tables differ"
	printf '%-52s %9s %9s\n' "$fmt: postmap, same entries in the export's order" "$pm_s" "$pm_rss"
	printf '%-52s %9s %9s\n' "$fmt: mailmap build (YAML read, model, table)" "$mm_s" "$mm_rss"
	printf '%-52s %9sx\n' "$fmt: ratio mailmap / postmap" "$q"
	rm -f "$T_DIR/pm" "$T_DIR/pm$suf"
done
