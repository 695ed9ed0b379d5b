# shellcheck shell=bash
# Fixture for sync tests: after lib.sh and slapd.sh (slapd running),
#   udmail_setup            writes $U/udmail.yaml from tests/data/demo
#                           (outputs under $U/maps, passwd $U/dovecot/passwd)
#                           and a scratch MAIL_CONFIG for postmap
#   pq TYPE:FILE KEY        postmap -q, value on stdout, status as postmap
#   snapshot                checksums of every published file (+ inode)
U=$T_DIR/udmail
export U

udmail_setup() {
	local group
	mkdir -p "$U/hiera" "$U/maps" "$U/dovecot" "$U/state" "$U/postfix"
	cp "${top_srcdir:?}/tests/data/demo/mail.yaml" "$U/hiera/mail.yaml"
	group=$(getent group dovecot >/dev/null && echo dovecot || id -gn)
	sed -e "s|@USER@|$(id -un)|" -e "s|@DIR@|$U|g" -e "s|@LDAP_URI@|${SLAPD_URI:-ldap://127.0.0.1:1}|" \
		-e "s|@SYNC_DN@|${SLAPD_SYNC_DN:-}|" \
		-e "s|@SYNC_PW_FILE@|${SLAPD_SYNC_PW_FILE:-/dev/null}|" \
		-e "s|@GROUP@|$group|" \
		"$top_srcdir/tests/data/demo/udmail.yaml.in" >"$U/udmail.yaml"
	: >"$U/postfix/main.cf"
	MAIL_CONFIG=$U/postfix
	export MAIL_CONFIG
}

pq() { postmap -q "$2" "$1"; }
# pq_absent MAP KEY: postmap reads MAP and does not find KEY (exit 1 with
# nothing on stdout or stderr; a fatal error, such as a missing or broken
# map, also exits 1 but says so on stderr).
pq_absent() {
	local out err rc
	out=$(postmap -q "$2" "$1" 2>"$T_DIR/pq.err")
	rc=$?
	err=$(cat "$T_DIR/pq.err")
	[ "$rc" = 1 ] && [ -z "$out" ] && [ -z "$err" ] && return 0
	diag "postmap -q $2 $1: exit $rc, stdout '$out', stderr '$err'"
	return 1
}

snapshot() {
	(cd "$U" && find maps dovecot -type f | sort | while read -r f; do
		printf '%s %s %s\n' "$(stat -c '%i %Y' "$f")" \
			"$(sha256sum <"$f" | cut -c1-16)" "$f"
	done)
}
