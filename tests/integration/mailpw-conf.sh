# shellcheck shell=bash
# mailpw_conf FILE [BIND_DN PASSWORD_FILE]: write a udmail.yaml for the
# slapd of slapd.sh (service bind as the rootdn unless told otherwise),
# with a cheap argon2 cost so tests stay fast.
mailpw_conf() {
	local f=$1 dn=${2:-$SLAPD_ROOTDN} pwf=${3:-$T_DIR/service.pw}
	if [ -z "${3:-}" ]; then
		(umask 077 && printf '%s\n' "$SLAPD_ROOTPW" >"$pwf")
	fi
	cat >"$f" <<EOT
# mailmap (t349) runs as whoever runs the test, root included.
user: $(id -un)
domain: example.org
ldap:
  uri: $SLAPD_URI
  bind_dn: $dn
  bind_password_file: $pwf
  base: $SLAPD_USERS
password_policy:
  min_length: 12
  argon2: { t: 1, m: 8192, p: 1 }
EOT
}

# ldap_mailpassword UID: the stored mailPassword, read as the rootdn.
ldap_mailpassword() {
	ldapsearch -LLL -o ldif-wrap=no -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" \
	    -w "$SLAPD_ROOTPW" -b "$SLAPD_USERS" "(uid=$1)" mailPassword |
	    sed -n 's/^mailPassword: //p'
}
