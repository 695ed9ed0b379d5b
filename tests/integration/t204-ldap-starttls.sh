#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t204: StartTLS with the right CA works; a wrong CA, no CA (system
# store, which does not know our test CA), or a certificate from the right
# CA for another host name fails the connection.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
need_cmd openssl
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || skip_all "ldapfetch not built"
plan 10

slapd_start --tls --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
B=(-b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" -t 5)

t_run "StartTLS with the CA file" "$F" -H "$SLAPD_URI" "${B[@]}" -Z --ca "$SLAPD_CA"
is "$(grep -c . "$T_DIR/last.out")" 11 "all sample accounts over StartTLS"

t_exit 1 "StartTLS with a wrong CA fails" "$F" -H "$SLAPD_URI" "${B[@]}" -Z --ca "$SLAPD_WRONG_CA"
like "$(cat "$T_DIR/last.err")" "ldap StartTLS to ldap://127.0.0.1:$SLAPD_PORT \\(CA file .*wrong-ca.crt\\): Connect error" \
    "error names the server, the CA file and the failure"

t_exit 1 "StartTLS with the system CA store fails" "$F" -H "$SLAPD_URI" "${B[@]}" -Z
t_exit 1 "StartTLS is refused on ldapi://" "$F" -H "$SLAPD_LDAPI_URI" "${B[@]}" -Z --ca "$SLAPD_CA"
like "$(cat "$T_DIR/last.err")" "StartTLS needs an ldap:// uri" "clear message for ldapi + StartTLS"

# The same slapd on 127.0.0.1, now with a certificate from the right CA
# for another name only: the hostname check must refuse it.
slapd_stop
slapd_tls_server_cert other.invalid DNS:other.invalid || exit 1
slapd_start || exit 1
t_exit 1 "StartTLS to a name the certificate lacks fails" "$F" -H "$SLAPD_URI" "${B[@]}" -Z --ca "$SLAPD_CA"
like "$(cat "$T_DIR/last.err")" "ldap StartTLS to ldap://127.0.0.1:$SLAPD_PORT \\(CA file .*/ca.crt\\): Connect error" \
    "error names the server, the CA file and the failure"
# Oracle: libldap (ldapsearch, debug output) trusts the chain and refuses
# the name, so the name is what failed the connection above.
LDAPTLS_CACERT=$SLAPD_CA LDAPTLS_REQCERT=demand \
    ldapsearch -d 1 -x -ZZ -H "$SLAPD_URI" -b "" -s base >"$T_DIR/ls.out" 2>&1
like "$(cat "$T_DIR/ls.out")" "TLS: hostname \\(127\\.0\\.0\\.1\\) does not match common name in certificate \\(other\\.invalid\\)" \
    "libldap refuses the certificate for its host name"
t_done
