#!/bin/bash
# bench/map-build.sh: build the same N-entry table with postmap and with
# maptool (lib/map), for lmdb: and hash:, side by side in one run; print
# seconds, time ratios (maptool / postmap) and peak RSS.
# Usage: bench/map-build.sh [N=1000000]   (run after `make`)
# Targets: lmdb <= 0.5x, hash <= 0.35x postmap's time; <= 256 MiB RSS.
set -eu

N=1000000
for a in "$@"; do
	case $a in
	N=*) N=${a#N=} ;;
	*) echo "usage: $0 [N=count]" >&2; exit 64 ;;
	esac
done

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir}"
MAPTOOL=$top_builddir/tests/helpers/maptool
PATH=$PATH:/usr/sbin:/sbin
for c in postmap /usr/bin/time; do
	command -v "$c" >/dev/null || { echo "$c not installed" >&2; exit 69; }
done
[ -x "$MAPTOOL" ] || { echo "$MAPTOOL missing: run make first" >&2; exit 69; }

D=$(mktemp -d "${TMPDIR:-/tmp}/udmail-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT
mkdir "$D/pf"
: >"$D/pf/main.cf"
export MAIL_CONFIG=$D/pf

# Keys user000001@example.org.., values 40-70 bytes; sorted like a
# generated table would be.
awk -v n="$N" 'BEGIN {
	srand(42)
	for (i = 1; i <= n; i++) {
		v = sprintf("forward%06d@mail-%d.example.net", i, i % 977)
		pad = int(rand() * 30) + 40 - length(v)
		if (pad > 0) {
			v = v ", x" substr("abcdefghijklmnopqrstuvwxyz0123456789", 1, pad > 3 ? pad - 3 : 1) "@e.org"
		}
		printf "user%06d@example.org\t%s\n", i, v
	}
}' >"$D/in.txt"
echo "entries: $N ($(wc -c <"$D/in.txt") bytes of input)"

# run NAME CMD...: time the command, stdin from the input; sets SECS, RSS.
run() {
	local name=$1
	shift
	sync
	/usr/bin/time -f '%e %M' -o "$D/time.$name" "$@" <"$D/in.txt" >/dev/null
	read -r SECS RSS <"$D/time.$name"
	RSS=$((RSS / 1024))
}

printf '%-6s %-8s %9s %9s %9s\n' format tool seconds 'rss MiB' 'file MB'
for fmt in lmdb hash; do
	case $fmt in lmdb) suf=.lmdb ;; hash) suf=.db ;; esac
	cp "$D/in.txt" "$D/pm"
	run "pm-$fmt" postmap "$fmt:$D/pm"
	pm_s=$SECS pm_rss=$RSS
	pm_size=$(($(stat -c %s "$D/pm$suf") / 1000000))
	run "mt-$fmt" "$MAPTOOL" write "$fmt" "$D/mt$suf"
	mt_s=$SECS mt_rss=$RSS
	mt_size=$(($(stat -c %s "$D/mt$suf") / 1000000))
	printf '%-6s %-8s %9s %9s %9s\n' "$fmt" postmap "$pm_s" "$pm_rss" "$pm_size"
	printf '%-6s %-8s %9s %9s %9s\n' "$fmt" maptool "$mt_s" "$mt_rss" "$mt_size"
	ratio=$(awk -v a="$mt_s" -v b="$pm_s" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
	echo "$fmt ratio maptool/postmap: ${ratio}x"

	# Same entries both ways (spot check, not timed).
	k=user$(printf '%06d' $(((N + 1) / 2)))@example.org
	a=$(postmap -q "$k" "$fmt:$D/pm")
	b=$(postmap -q "$k" "$fmt:$D/mt")
	[ "$a" = "$b" ] || echo "MISMATCH for $k: '$a' vs '$b'"
	if [ "$fmt" = hash ]; then
		# As the sync writes it: unique keys, so inserted in Berkeley
		# DB's bucket order with an 8 MiB cache (lib/map_db.c).
		run "mt-hash-u" "$MAPTOOL" write -u hash "$D/mtu.db"
		printf '%-6s %-8s %9s %9s %9s\n' hash "maptool -u" "$SECS" "$RSS" \
			$(($(stat -c %s "$D/mtu.db") / 1000000))
		echo "hash ratio maptool -u/postmap: $(awk -v a="$SECS" -v b="$pm_s" 'BEGIN { printf "%.2f", a / b }')x"
		b=$(postmap -q "$k" "hash:$D/mtu")
		[ "$a" = "$b" ] || echo "MISMATCH (-u) for $k: '$a' vs '$b'"
		rm -f "$D/mtu.db"
	fi
	rm -f "$D/pm" "$D/pm$suf" "$D/mt$suf"
done
