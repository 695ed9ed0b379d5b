#!/bin/bash
# Hashes from `mailpw hash` log in through a throwaway Dovecot reading a
# passwd-file (written here line by line, as lib/pwfile would: user:hash).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/dovecot.sh"
dovecot_need
M="$top_builddir/tools/mailpw"
[ -x "$M" ] || skip_all "tools/mailpw not built"

pw='login-Passw0rd ä'
: >"$T_DIR/passwd"
add_user() { # add_user NAME mailpw-hash-options...
	local u=$1 h
	shift
	h=$(printf '%s\n' "$pw-$u" | "$M" hash "$@") || return 1
	printf '%s:%s\n' "$u" "$h" >>"$T_DIR/passwd"
}
add_user a2def; ok $? "a2def: mailpw hash (defaults)"
add_user a2p2 -m 8192 -t 1 -p 2; ok $? "a2p2: mailpw hash"
add_user a2p4 -m 16384 -t 2 -p 4; ok $? "a2p4: mailpw hash"
add_user a2i --scheme ARGON2I -m 8192 -t 3; ok $? "a2i: mailpw hash"
add_user sha512 --scheme SHA512-CRYPT --rounds 10000; ok $? "sha512: mailpw hash"
add_user sha256 --scheme SHA256-CRYPT; ok $? "sha256: mailpw hash"
add_user blf --scheme BLF-CRYPT --rounds 6; ok $? "blf: mailpw hash"
is "$(wc -l <"$T_DIR/passwd")" 7 "passwd-file holds 7 users"
chmod 0640 "$T_DIR/passwd"
dovecot_start "$T_DIR/passwd" || skip_all "dovecot did not start"
for u in a2def a2p2 a2p4 a2i sha512 sha256 blf; do
	DOVECOT_PW="$pw-$u" dovecot_auth_test "$u"
	rc=$?
	ok $rc "$u: Dovecot accepts the right password"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$DOVECOT_DIR/auth.out"
	dovecot_auth_refused "$u" "$pw-$u "
	ok $? "$u: Dovecot refuses a wrong password"
done
dovecot_stop

plan "$T_NUM"
t_done
