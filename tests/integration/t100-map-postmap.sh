#!/bin/bash
# lib/map against the real postmap: tables written by maptool (lmdb and
# hash) answer postmap -q for every key (also upper-case queries; missing
# key exit 1) and dump equal under postmap -s; tables written by postmap
# from the same source read identically through maptool dump.
. "$top_srcdir/tests/integration/lib.sh"
need_cmd postmap
MAPTOOL=$top_builddir/tests/helpers/maptool
[ -x "$MAPTOOL" ] || skip_all "maptool not built"
plan 32

mkdir "$T_DIR/pf"
: >"$T_DIR/pf/main.cf"
export MAIL_CONFIG=$T_DIR/pf

# Source: commas, spaces, tabs inside values, non-ASCII values, mixed-case
# keys, then 5000 generated entries.
{
	printf 'Postmaster@Example.ORG\talice@example.org, bob@example.org\n'
	printf '@alias.example\t@example.org\n'
	printf 'carol@example.org\tCarol Ünïcødé <c@example.net>\n'
	printf 'dave@example.org\tx y  z\n'
	for i in $(seq 1 5000); do
		printf 'user%05d@example.org\tfwd%d@mail.example.net, other%d@example.com\n' "$i" "$i" "$i"
	done
} >"$T_DIR/src"
N=$(wc -l <"$T_DIR/src")
# What postmap -s should print: keys folded, sorted.
awk -F'\t' '{ printf "%s\t%s\n", tolower($1), $2 }' "$T_DIR/src" | LC_ALL=C sort >"$T_DIR/want"

for fmt in lmdb hash; do
	case $fmt in lmdb) suf=.lmdb ;; hash) suf=.db ;; esac
	t_run "$fmt: maptool write" "$MAPTOOL" write "$fmt" "$T_DIR/ours$suf" <"$T_DIR/src"
	is "$(find "$T_DIR" -maxdepth 1 \( -name '.ours*' -o -name '*-lock' -o -name '__db*' \) | wc -l)" 0 "$fmt: no temp or lock file left"

	# every key, through one postmap -q - run
	cut -f1 "$T_DIR/src" | postmap -q - "$fmt:$T_DIR/ours" >"$T_DIR/q.out" 2>"$T_DIR/q.err"
	is "$(wc -l <"$T_DIR/q.out")" "$N" "$fmt: postmap -q finds all $N keys"
	# postmap -q - echoes each query key as given
	awk -F'\t' '{ printf "%s\t%s\n", tolower($1), $2 }' "$T_DIR/q.out" |
		LC_ALL=C sort | cmp -s - "$T_DIR/want"
	ok $? "$fmt: postmap -q values equal the source"

	v=$(postmap -q POSTMASTER@EXAMPLE.ORG "$fmt:$T_DIR/ours")
	is "$v" "alice@example.org, bob@example.org" "$fmt: upper-case query"
	v=$(postmap -q carol@example.org "$fmt:$T_DIR/ours")
	is "$v" "Carol Ünïcødé <c@example.net>" "$fmt: non-ASCII value"
	t_exit 1 "$fmt: missing key" postmap -q nobody@example.org "$fmt:$T_DIR/ours"

	postmap -s "$fmt:$T_DIR/ours" | LC_ALL=C sort >"$T_DIR/s.out"
	cmp -s "$T_DIR/s.out" "$T_DIR/want"
	ok $? "$fmt: postmap -s dump equals the source"

	# the other direction: postmap writes, maptool reads
	cp "$T_DIR/src" "$T_DIR/theirs"
	t_run "$fmt: postmap builds the same source" postmap "$fmt:$T_DIR/theirs"
	"$MAPTOOL" dump "$fmt" "$T_DIR/theirs$suf" | LC_ALL=C sort >"$T_DIR/d.out"
	cmp -s "$T_DIR/d.out" "$T_DIR/want"
	ok $? "$fmt: maptool dump of postmap's table equals the source"
	v=$("$MAPTOOL" get "$fmt" "$T_DIR/theirs$suf" User00042@EXAMPLE.org)
	is "$v" "fwd42@mail.example.net, other42@example.com" "$fmt: maptool get on postmap's table"
	is "$("$MAPTOOL" count "$fmt" "$T_DIR/theirs$suf")" "$N" "$fmt: maptool count"

	# same entries again: old file left alone (inode)
	ino=$(stat -c %i "$T_DIR/ours$suf")
	out=$(LC_ALL=C sort -r "$T_DIR/src" | "$MAPTOOL" write "$fmt" "$T_DIR/ours$suf")
	is "$out/$(stat -c %i "$T_DIR/ours$suf")" "unchanged/$ino" "$fmt: same entries, other order: not replaced"
done

# Bucket order (maptool -u, as the sync writes hash tables): 300,000
# entries are over the 16 MiB held in memory, so they go through the
# spill files; postmap must read every one, and no file may be left.
awk 'BEGIN { for (i = 1; i <= 300000; i++)
	printf "big%06d@example.org\tfwd%d@mail.example.net, other-address-%d@example.com\n", i, i, i }' >"$T_DIR/big"
t_run "hash -u: maptool write, spilling" "$MAPTOOL" write -u hash "$T_DIR/big.db" <"$T_DIR/big"
is "$(find "$T_DIR" -maxdepth 1 -name '.*' -type f | wc -l)" 0 "hash -u: no temp or spill file left"
postmap -s "hash:$T_DIR/big" | LC_ALL=C sort >"$T_DIR/big.out"
LC_ALL=C sort "$T_DIR/big" | cmp -s - "$T_DIR/big.out"
ok $? "hash -u: postmap -s dump equals the source"
is "$(postmap -q BIG123456@example.org "hash:$T_DIR/big")" \
	"fwd123456@mail.example.net, other-address-123456@example.com" "hash -u: postmap -q"

# text output is postmap source
t_run "text: maptool write" "$MAPTOOL" write text "$T_DIR/txt" <"$T_DIR/src"
postmap "lmdb:$T_DIR/txt" && postmap -s "lmdb:$T_DIR/txt" | LC_ALL=C sort | cmp -s - "$T_DIR/want"
ok $? "text: postmap builds it into the same table"
t_done
