#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t205: simple bind with a password file (first line, newline cut; a file
# others can read is refused), wrong password, SASL EXTERNAL over ldapi,
# and the uid lookup (find_dn) with filter metacharacters.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 19

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
B=(-H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN")
pw() { (umask 077 && printf "$1" >"$T_DIR/$2"); }

pw 'mailsync-secret\nsecond line ignored\n' good.pw
t_run "simple bind, password file with a newline" "$F" "${B[@]}" -y "$T_DIR/good.pw"
is "$(grep -c '	yes$' "$T_DIR/last.out")" 5 "service account reads the mail passwords"
pw 'mailsync-secret\r\n' crlf.pw
t_run "password file with CRLF" "$F" "${B[@]}" -y "$T_DIR/crlf.pw" -c

pw 'not-the-password\n' wrong.pw
t_exit 1 "wrong password fails" "$F" "${B[@]}" -y "$T_DIR/wrong.pw"
like "$(cat "$T_DIR/last.err")" "ldap bind as uid=mailsync,ou=services,dc=example,dc=org to ldap://127.0.0.1:$SLAPD_PORT: Invalid credentials" \
    "message names the DN, the server and the reason"
! grep -q 'not-the-password' "$T_DIR/last.err"
ok $? "the password is not in the message"

pw 'mailsync-secret\n' open.pw
chmod 0644 "$T_DIR/open.pw"
t_exit 1 "world-readable password file refused" "$F" "${B[@]}" -y "$T_DIR/open.pw"
like "$(cat "$T_DIR/last.err")" "open.pw: readable or writable by others \\(mode 0644\\)" "says why"
chmod 0640 "$T_DIR/open.pw"
t_run "group-readable password file is fine" "$F" "${B[@]}" -y "$T_DIR/open.pw" -c

pw '\n' empty.pw
t_exit 1 "empty first line refused" "$F" "${B[@]}" -y "$T_DIR/empty.pw"
t_exit 1 "missing password file" "$F" "${B[@]}" -y "$T_DIR/nonexistent.pw"
like "$(cat "$T_DIR/last.err")" "nonexistent.pw: No such file" "names the file and errno"

t_run "SASL EXTERNAL over ldapi" "$F" -H "$SLAPD_LDAPI_URI" -b "$SLAPD_USERS" -E
is "$(grep -c '	yes$' "$T_DIR/last.out")" 5 "EXTERNAL identity reads the mail passwords"
t_exit 1 "SASL EXTERNAL over TCP fails" "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" -E

t_run "find_dn alice" "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" --find alice
is "$(cat "$T_DIR/last.out")" "uid=alice,$SLAPD_USERS" "find_dn prints alice's DN"
t_exit 1 "find_dn escapes filter metacharacters" \
    "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" --find 'a*)(uid=*'
is "$(cat "$T_DIR/last.out")/$(cat "$T_DIR/last.err")" "/ldapfetch: a*)(uid=*: no such account" \
    "no DN printed, 'no such account' (the uid matched literally)"
t_done
