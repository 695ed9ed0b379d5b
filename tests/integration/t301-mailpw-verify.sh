#!/bin/bash
# mailpw verify against hashes doveadm makes (every scheme a deployment
# may hold), its exit codes, and mailpw generate / tune output.
. "$top_srcdir/tests/integration/lib.sh"
need_cmd doveadm
M="$top_builddir/tools/mailpw"
[ -x "$M" ] || skip_all "tools/mailpw not built"

pw='s3cret pässword'
for s in ARGON2ID ARGON2I SHA512-CRYPT SHA256-CRYPT MD5-CRYPT BLF-CRYPT CRYPT \
	SSHA SSHA256 SSHA512 SMD5 SHA SHA256 SHA512 SHA256.HEX PLAIN-MD5 LDAP-MD5 \
	MD5 PBKDF2 SCRAM-SHA-1 SCRAM-SHA-256 PLAIN CLEAR CLEARTEXT; do
	doveadm pw -s "$s" -p "$pw" >"$T_DIR/h" 2>/dev/null || { ok 1 "doveadm pw -s $s"; continue; }
	t_exit 0 "$s from doveadm: right password" sh -c "printf '%s\n' '$pw' | '$M' verify --hash-file '$T_DIR/h'"
	is "$(wc -c <"$T_DIR/last.out")" 0 "$s: nothing on stdout"
	t_exit 1 "$s from doveadm: wrong password" sh -c "printf '%s\n' '${pw}X' | '$M' verify --hash-file '$T_DIR/h'"
	t_exit 1 "$s from doveadm: prefix of the password" sh -c "printf 's3cret' | '$M' verify --hash-file '$T_DIR/h'"
done

# argon2 with p>1 and odd costs (libargon2 made, Dovecot verifies them).
for pt in "1 1" "2 1" "4 3"; do
	set -- $pt
	h=$(printf '%s' "$pw" | "$M" hash -m 2048 -t "$2" -p "$1")
	printf '%s\n' "$h" >"$T_DIR/h"
	t_exit 0 "argon2id p=$1 t=$2: mailpw verify" sh -c "printf '%s' '$pw' | '$M' verify --hash-file '$T_DIR/h'"
done

# Bare crypt(3) hashes, as the Perl ud-ldap stores them, made by openssl.
for o in -1 -5 -6; do
	openssl passwd "$o" -stdin <<<"$pw" >"$T_DIR/h"
	t_exit 0 "bare openssl passwd $o: right password" sh -c "printf '%s' '$pw' | '$M' verify --hash-file '$T_DIR/h'"
	t_exit 1 "bare openssl passwd $o: wrong password" sh -c "printf '%s' '${pw}X' | '$M' verify --hash-file '$T_DIR/h'"
done
# DES reads 8 bytes: the wrong password differs early.
doveadm pw -s DES-CRYPT -p "$pw" >"$T_DIR/h"
t_exit 0 "DES-CRYPT from doveadm: right password" sh -c "printf '%s' '$pw' | '$M' verify --hash-file '$T_DIR/h'"
t_exit 1 "DES-CRYPT from doveadm: wrong password" sh -c "printf 'x3cret p' | '$M' verify --hash-file '$T_DIR/h'"
sed 's/^{DES-CRYPT}//' "$T_DIR/h" >"$T_DIR/h2"
t_exit 0 "bare DES: right password" sh -c "printf '%s' '$pw' | '$M' verify --hash-file '$T_DIR/h2'"
t_exit 0 "-v says a legacy hash should be replaced" sh -c "printf '%s' '$pw' | '$M' -v verify --hash-file '$T_DIR/h2'"
like "$(cat "$T_DIR/last.err")" 'hash should be replaced: legacy scheme DES-CRYPT' "... and why"

# --hash-fd: the hash on another descriptor, nothing on argv.
doveadm pw -s SHA512-CRYPT -p "$pw" >"$T_DIR/h"
t_exit 0 "--hash-fd 3" sh -c "printf '%s' '$pw' | '$M' verify --hash-fd 3 3<'$T_DIR/h'"
t_exit 1 "--hash-fd 3, wrong password" sh -c "printf 'nope' | '$M' verify --hash-fd 3 3<'$T_DIR/h'"

# Unusable stored hashes: EX_DATAERR with a reason, never the hash.
printf '%s\n' '{ARGON2ID}$argon2id$v=16$m=65536,t=3,p=1$c2FsdHNhbHQ$EQl2eAxsHj8X/yWh84MjKob6UJ6+iCY5+9uXrrVb+Ls' >"$T_DIR/bad"
t_exit 65 "argon2 v=16 is unusable" sh -c "printf x | '$M' verify --hash-file '$T_DIR/bad'"
like "$(cat "$T_DIR/last.err")" 'version' "reason names the version"
grep -q 'EQl2eAxs' "$T_DIR/last.err"
ok $((!$?)) "reason does not quote the hash"
printf '%s\n' '$1$abc$defghijklmnopqrstuvwx' >"$T_DIR/bad"
t_exit 65 "bare \$1\$ that is no MD5-crypt hash" sh -c "printf x | '$M' verify --hash-file '$T_DIR/bad'"
like "$(cat "$T_DIR/last.err")" 'no \{SCHEME\} prefix: MD5-crypt hash is not 22' "reason says what is wrong"
printf '%s\n' '{CRAM-MD5}99a8a7515dd11beb8a483f53bb8e5de1c5e62ee22afe573a9983451584966ecc' >"$T_DIR/bad"
t_exit 65 "{CRAM-MD5} is not supported" sh -c "printf x | '$M' verify --hash-file '$T_DIR/bad'"
like "$(cat "$T_DIR/last.err")" 'password scheme \{CRAM-MD5\} is not supported' "reason names the scheme"
printf '%s\n' '{CRYPT}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$EQl2eAxsHj8X/yWh84MjKob6UJ6+iCY5+9uXrrVb+Ls' >"$T_DIR/bad"
t_exit 65 "{CRYPT}\$argon2id is refused like Dovecot" sh -c "printf x | '$M' verify --hash-file '$T_DIR/bad'"
: >"$T_DIR/empty"
t_exit 66 "empty hash file" sh -c "printf x | '$M' verify --hash-file '$T_DIR/empty'"
t_exit 66 "missing hash file" sh -c "printf x | '$M' verify --hash-file '$T_DIR/nonexistent'"
t_exit 66 "no password" sh -c "'$M' verify --hash-file '$T_DIR/h' </dev/null"
t_exit 64 "verify without a hash source" sh -c "printf x | '$M' verify"
t_exit 64 "verify with two hash sources" sh -c "printf x | '$M' verify --hash-file a --hash-fd 3"
t_exit 64 "unknown command" "$M" frobnicate
t_exit 0 "--version" "$M" --version
like "$(cat "$T_DIR/last.out")" '^mailpw \(udmail\) [0-9]' "--version output"
t_exit 0 "--help" "$M" --help

# generate: shapes, entropy on stderr, --hash verifies in Dovecot.
t_exit 0 "generate" "$M" generate
like "$(cat "$T_DIR/last.out")" '^[A-Za-z2-9]{20}$' "default: 20 characters"
like "$(cat "$T_DIR/last.err")" '^entropy: 116\.[0-9] bits$' "entropy printed on stderr"
t_exit 0 "generate --length 32" "$M" generate --length 32
is "$(tr -d '\n' <"$T_DIR/last.out" | wc -c)" 32 "32 characters"
t_exit 0 "generate --words 4" "$M" generate --words 4
like "$(cat "$T_DIR/last.out")" '^[a-z]{6}(-[a-z]{6}){3}$' "four words"
like "$(cat "$T_DIR/last.err")" 'entropy: 80\.0 bits' "80 bits for four words"
a=$("$M" generate 2>/dev/null)
b=$("$M" generate 2>/dev/null)
[ "$a" != "$b" ]
ok $? "two generated passwords differ"
"$M" generate --words 5 --hash -m 4096 -t 1 >"$T_DIR/gen" 2>/dev/null
is "$(wc -l <"$T_DIR/gen")" 2 "--hash: password and hash lines"
doveadm pw -t "$(sed -n 2p "$T_DIR/gen")" -p "$(sed -n 1p "$T_DIR/gen")" >/dev/null 2>&1
ok $? "generated hash verifies with doveadm"
t_exit 64 "--words and --length together" "$M" generate --words 3 --length 9

# tune prints a cost line that hash accepts.
t_exit 0 "tune --target-ms 20" "$M" tune --target-ms 20 --max-memory 65536
like "$(head -1 "$T_DIR/last.out")" '^m=[0-9]+,t=[0-9]+,p=1	[0-9]+ ms$' "tune result line"
t_exit 64 "tune without a target" "$M" tune

plan "$T_NUM"
t_done
