#!/bin/bash
# mailpw hash: every hash it makes verifies with `doveadm pw -t`, for each
# scheme and several argon2 costs; wrong passwords are refused; the
# stdin/stdout contract of mailpw(1) holds.
. "$top_srcdir/tests/integration/lib.sh"
need_cmd doveadm
M="$top_builddir/tools/mailpw"
[ -x "$M" ] || skip_all "tools/mailpw not built"



pw='Tr0ub4dor&3 ünïcode'
# hash_ok DESC ARGS...: hash $pw, check the shape, doveadm accepts it and
# refuses a wrong password.
hash_ok() {
	local d=$1 h n
	shift
	h=$(printf '%s\n' "$pw" | "$M" hash "$@" 2>"$T_DIR/err")
	ok $? "$d: exit 0"
	n=$(printf '%s\n' "$h" | wc -l)
	like "$h" '^\{[A-Z0-9-]+\}\$' "$d: one {SCHEME}\$ line ($n)"
	doveadm pw -t "$h" -p "$pw" >/dev/null 2>&1
	ok $? "$d: doveadm pw -t verifies"
	! doveadm pw -t "$h" -p "${pw}x" >/dev/null 2>&1
	ok $? "$d: doveadm pw -t refuses a wrong password"
	LAST_HASH=$h
}

# The -c of a missing file fails; without -c a missing default is fine.
t_exit 78 "explicit missing config is a config error" sh -c "printf x | '$M' -c '$T_DIR/none.yaml' hash"

for p in 1 2 4; do
	for t in 1 3; do
		hash_ok "argon2id m=8192 t=$t p=$p" -m 8192 -t "$t" -p "$p"
	done
done
hash_ok "argon2id defaults" 
like "$LAST_HASH" '^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' \
	"default is doveadm's m=65536,t=3,p=1"
hash_ok "argon2id m=64MiB t=2 p=2" -m 65536 -t 2 -p 2
hash_ok "argon2i t=3" --scheme ARGON2I -m 4096 -t 3
hash_ok "argon2i t=1 p=2" --scheme argon2i -m 4096 -t 1 -p 2
hash_ok "sha512-crypt" --scheme SHA512-CRYPT
hash_ok "sha512-crypt rounds=20000" --scheme SHA512-CRYPT --rounds 20000
like "$LAST_HASH" 'rounds=20000' "rounds option used"
hash_ok "sha256-crypt" --scheme SHA256-CRYPT --rounds 6000
hash_ok "blf-crypt cost 5" --scheme BLF-CRYPT --rounds 5

# Exactly one line, nothing else, and the trailing newline is not part of
# the password (with and without one).
h=$(printf '%s' "$pw" | "$M" hash -m 1024 -t 1)
doveadm pw -t "$h" -p "$pw" >/dev/null 2>&1
ok $? "password without trailing newline"
printf '%s\n' "$pw" | "$M" hash -m 1024 -t 1 >"$T_DIR/out" 2>"$T_DIR/err"
is "$(wc -l <"$T_DIR/out")" 1 "stdout holds exactly one line"
is "$(wc -c <"$T_DIR/err")" 0 "stderr empty on success"

# Unusable input: clean error on stderr, nothing on stdout.
bad_in() {
	local want=$1 d=$2
	shift 2
	"$@" >"$T_DIR/out" 2>"$T_DIR/err"
	local rc=$?
	[ "$rc" -eq "$want" ]
	ok $? "$d (exit $rc, want $want)"
	[ -s "$T_DIR/out" ]
	ok $((!$?)) "$d: nothing on stdout"
}
bad_in 66 "empty input" sh -c "printf '' | '$M' hash"
bad_in 66 "just a newline" sh -c "printf '\n' | '$M' hash"
bad_in 65 "two lines" sh -c "printf 'a\nb\n' | '$M' hash"
bad_in 65 "NUL byte" sh -c "printf 'ab\000cd' | '$M' hash"
bad_in 65 "invalid UTF-8" sh -c "printf 'ab\377cd' | '$M' hash"
bad_in 65 "over the length limit" sh -c "head -c 1025 /dev/zero | tr '\0' a | '$M' hash"
bad_in 64 "unknown scheme" sh -c "printf x | '$M' hash --scheme MD5-CRYPT"
bad_in 64 "password on the command line is refused" "$M" hash "$pw"
bad_in 64 "p=0" sh -c "printf x | '$M' hash -p 0"
bad_in 64 "SHA-crypt rounds below 1000" sh -c "printf x | '$M' hash --scheme SHA512-CRYPT --rounds 10"
bad_in 64 "argon2 m below 8*p" sh -c "printf x | '$M' hash -m 8 -p 2"
# an unusable password (the man page: 65), not a failure of the hashing
bad_in 65 "BLF-CRYPT over 72 bytes" sh -c "head -c 73 /dev/zero | tr '\0' a | '$M' hash --scheme BLF-CRYPT"
like "$(cat "$T_DIR/err")" '72 bytes' "BLF-CRYPT explains the 72-byte limit"
bad_in 64 "generate --hash, BLF-CRYPT, 80 characters: refused before printing" "$M" generate --scheme BLF-CRYPT --hash --length 80
grep -q aaaa "$T_DIR/err"
ok $((!$?)) "error does not echo the password"

# Once mailpw has read the password (it waits for EOF, so it is still
# alive), neither its argv nor its environment holds it.
# pw_read: mailpw's read(2)s have taken $n bytes more than $r0
rchar() { sed -n 's/^rchar: //p' "/proc/$mp/io" 2>/dev/null; }
pw_read() {
	local r
	r=$(rchar)
	[ -n "$r" ] && [ "$r" -ge $((r0 + n)) ]
}
mkfifo "$T_DIR/fifo"
"$M" hash -m 1024 -t 1 <"$T_DIR/fifo" >"$T_DIR/fifo.out" &
mp=$!
exec 3>"$T_DIR/fifo"
# mailpw itself (not the shell before exec), blocked reading the empty fifo
wait_for 5 grep -q pipe_read "/proc/$mp/wchan"
ok $? "mailpw waits for the password"
r0=$(rchar)
n=$(printf '%s\n' "$pw" | wc -c)
printf '%s\n' "$pw" >&3
wait_for 5 pw_read && kill -0 "$mp" 2>/dev/null
ok $? "mailpw read the password and is still alive"
tr '\0' ' ' <"/proc/$mp/cmdline" >"$T_DIR/cmdline"
tr '\0' '\n' <"/proc/$mp/environ" >"$T_DIR/environ"
exec 3>&-
wait "$mp"
ok $? "mailpw hash from the fifo: exit 0"
like "$(cat "$T_DIR/cmdline")" 'mailpw hash' "cmdline captured"
[ -s "$T_DIR/environ" ]
ok $? "environ captured"
grep -qF "Tr0ub4dor" "$T_DIR/cmdline"
ok $((!$?)) "password not in /proc/PID/cmdline"
grep -qF "Tr0ub4dor" "$T_DIR/environ"
ok $((!$?)) "password not in /proc/PID/environ"

plan "$T_NUM"
t_done
