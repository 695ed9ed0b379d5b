#!/bin/bash
# bench/sync.sh [N]: a full sync of N accounts (default 100000) from a
# local slapd -- fetch, model, all six outputs, publish -- side by side
# with `ldapsearch` fetching the same attributes with paged results.
# Prints both times, the ratio (target <= 1.2) and mailmap's peak RSS.
# Run from a built tree: bench/sync.sh
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
. "$top_srcdir/bench/lib.sh"
N=${1:-100000}
M=$top_builddir/tools/mailmap
[ -x "$M" ] || { echo "build first: $M missing" >&2; exit 1; }
slapd_require

bench_directory "$N" || exit 1

ATTRS=(uid emailForward mailPassword userPassword shadowExpire accountStatus)
FILTER='(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))'
ref() {
	ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" \
		-b "$SLAPD_USERS" -s one -E pr=1000/noprompt "$FILTER" "${ATTRS[@]}"
}
# Each run rebuilds from scratch: remove what the previous one published.
fresh() { rm -f "$U"/maps/* "$U"/dovecot/*; "$M" -c "$U/udmail.yaml" build; }
read -r ls_t mm_t med <<<"$(paired ref fresh)" || exit 1
rm -f "$U"/maps/* "$U"/dovecot/*
rss=$(maxrss "$M" -c "$U/udmail.yaml" build) || exit 1
un_rss=$(maxrss "$M" -c "$U/udmail.yaml" build) || exit 1
un_t=$(best "$M" -c "$U/udmail.yaml" build) || exit 1
n=$(postmap -s "lmdb:$U/maps/virtual" | wc -l)
# The same with Berkeley DB hash tables, whose writer keeps the table in
# a cache of up to 128 MiB while building (lib/map_db.c).
sed 's/format: lmdb/format: hash/' "$U/udmail.yaml" >"$U/hash.yaml"
rm -f "$U"/maps/* "$U"/dovecot/*
hash_rss=$(maxrss "$M" -c "$U/hash.yaml" build) || exit 1

printf '%-44s %10s\n' "full sync, $N accounts (best of $RUNS, alternating)" "seconds"
printf '%-44s %10.3f\n' "ldapsearch -E pr=1000/noprompt (reference)" "$ls_t"
printf '%-44s %10.3f\n' "mailmap build, all six outputs, fresh" "$mm_t"
printf '%-44s %10.3f\n' "mailmap build, nothing changed" "$un_t"
printf '%-44s %10s\n' "ratio of best times (<= 1.2)" "$(ratio "$mm_t" "$ls_t")"
printf '%-44s %10s\n' "median of per-run ratios (<= 1.2)" "$med"
printf '%-44s %10s\n' "mailmap peak RSS, MiB, fresh (<= 256)" "$rss"
printf '%-44s %10s\n' "mailmap peak RSS, MiB, nothing changed" "$un_rss"
printf '%-44s %10s\n' "mailmap peak RSS, MiB, fresh, hash tables" "$hash_rss"
printf '%-44s %10s\n' "virtual entries published" "$n"
