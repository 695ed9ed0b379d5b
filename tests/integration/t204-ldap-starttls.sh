#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t204: StartTLS with the right CA works; a wrong CA, or no CA (system
# store, which does not know our test CA), fails the connection.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
need_cmd openssl
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 8

slapd_start --tls --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
B=(-b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" -t 5)

t_run "StartTLS with the CA file" "$F" -H "$SLAPD_URI" "${B[@]}" -Z --ca "$SLAPD_CA"
is "$(grep -c . "$T_DIR/last.out")" 11 "all sample accounts over StartTLS"

t_exit 1 "StartTLS with a wrong CA fails" "$F" -H "$SLAPD_URI" "${B[@]}" -Z --ca "$SLAPD_WRONG_CA"
like "$(cat "$T_DIR/last.err")" "ldap StartTLS to ldap://127.0.0.1:$SLAPD_PORT \\(CA file .*wrong-ca.crt\\): Connect error" \
    "error names the server, the CA file and the failure"

t_exit 1 "StartTLS with the system CA store fails" "$F" -H "$SLAPD_URI" "${B[@]}" -Z
t_exit 1 "StartTLS to a name the certificate lacks fails" \
    "$F" -H "ldap://127.0.0.2:$SLAPD_PORT" "${B[@]}" -Z --ca "$SLAPD_CA"
t_exit 1 "StartTLS is refused on ldapi://" "$F" -H "$SLAPD_LDAPI_URI" "${B[@]}" -Z --ca "$SLAPD_CA"
like "$(cat "$T_DIR/last.err")" "StartTLS needs an ldap:// uri" "clear message for ldapi + StartTLS"
t_done
