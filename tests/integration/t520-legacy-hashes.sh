#!/bin/bash
# t520: every kind of stored mailPassword a running ud-ldap site may hold
# (bare crypt(3) hashes as the Perl ud-ldap writes them, and the
# {SCHEME} forms Dovecot knows), made at test time by openssl, libcrypt
# and doveadm, goes through LDAP and `mailmap build` into the
# passwd-file with an explicit {SCHEME}, and each user logs in to a real
# Dovecot whose default scheme is PLAIN (so a value left without its
# prefix could not verify).  mailpw verify --user agrees.  Values that
# verify nothing, or that udmail does not support, are left out with a
# warning naming the account and never the hash; mailpw audit counts
# the accounts per scheme.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/dovecot.sh"
. "$top_srcdir/tests/integration/udmail.sh"
. "$top_srcdir/tests/integration/legacy-hash.sh"
slapd_require
dovecot_need
need_cmd openssl python3 sha256sum
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
M="$top_builddir/tools/mailpw"

# account LDIF UID MAILPASSWORD
account() {
	cat <<LDIF
dn: uid=$1,$SLAPD_USERS
objectClass: top
objectClass: inetOrgPerson
objectClass: debianAccount
objectClass: shadowAccount
objectClass: debianDeveloper
objectClass: udmailAccount
uid: $1
cn: $1
sn: Legacy
uidNumber: $((4000 + n))
gidNumber: $((4000 + n))
userPassword: {SSHA}uc9+WjHmzYP8DhreB6aAles5+lpOWza9
mailPassword: $2

LDIF
}

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
# One account per kind, uid legNN; the password starts with NN so that
# DES (8 bytes) tells the accounts apart.
n=0
kinds=()
: >"$T_DIR/legacy.ldif"
for k in $LEGACY_KINDS; do
	n=$((n + 1))
	u=$(printf 'leg%02d' "$n")
	pw=$(printf '%02d-%s pw' "$n" "${k#dv:}")
	h=$(legacy_hash "$k" "$pw") || { echo "Bail out! could not make a $k hash"; exit 1; }
	kinds+=("$k")
	printf '%s\t%s\t%s\n' "$u" "$k" "$pw" >>"$T_DIR/cases"
	printf '%s\n' "$h" >>"$T_DIR/stored"
	account "$u" "$h" >>"$T_DIR/legacy.ldif"
done
# Values Dovecot would not verify, or udmail does not support.
garbage=(
	'$6$SECRETSALT$SECRETHASHVALUE'
	'{SHA}SECRETnot-base64!'
	'{PLAIN-TRUNC}0-'
	"$(doveadm pw -s CRAM-MD5 -p SECRET-cram)"
	'SECRETplain'
)
for g in "${garbage[@]}"; do
	n=$((n + 1))
	account "$(printf 'bad%02d' "$n")" "$g" >>"$T_DIR/legacy.ldif"
done
slapd_load "$T_DIR/legacy.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
nk=${#kinds[@]}
plan $((nk * 4 + 14))
diag "kinds: ${kinds[*]}"

t_run "mailmap build" mailmap -c "$U/udmail.yaml" build
cp "$T_DIR/last.err" "$T_DIR/build.err"
P=$U/dovecot/passwd

# The passwd-file: each kind under the scheme Dovecot calls it, with the
# stored hash (a bare $1$ hash without the tail Dovecot ignores).
i=0
while IFS=$'\t' read -r u k pw; do
	i=$((i + 1))
	stored=$(sed -n "${i}p" "$T_DIR/stored")
	want=$(legacy_published "$k")
	got=$(awk -F: -v u="$u" '$1 == u { print substr($0, length(u) + 2) }' "$P")
	body=${stored#\{*\}}
	[ "$k" = bare-md5-tail ] && body=${body%\$tail}
	is "$got" "{$want}$body" "$u ($k): published as {$want}"
done <"$T_DIR/cases"

DOVECOT_AUTH_USER=dovecot
getent passwd dovecot >/dev/null || DOVECOT_AUTH_USER=root
export DOVECOT_AUTH_USER
DOVECOT_SCHEME=PLAIN dovecot_start "$P" || { echo "Bail out! dovecot did not start"; exit 1; }
t0=$(date +%s%N)
while IFS=$'\t' read -r u k pw; do
	DOVECOT_PW=$pw dovecot_auth_test "$u" </dev/null
	ok $? "$u ($k): Dovecot login"
done <"$T_DIR/cases"
diag "$nk Dovecot logins in $((($(date +%s%N) - t0) / 1000000)) ms"

C=$U/udmail.yaml
while IFS=$'\t' read -r u k pw; do
	printf '%s' "$pw" | "$M" -c "$C" verify --user "$u" >/dev/null 2>"$T_DIR/verify.err"
	ok $? "$u ($k): mailpw verify --user, right password"
	printf 'x%s' "$pw" | "$M" -c "$C" verify --user "$u" >/dev/null 2>>"$T_DIR/verify.err"
	[ $? = 1 ]
	ok $? "$u ($k): mailpw verify --user, wrong password"
done <"$T_DIR/cases"

# Garbage: no line, a warning naming the account, never the hash.
nbad=$(grep -c '^bad' "$P")
is "$nbad" 0 "no passwd-file line for the 5 unusable values"
for u in bad$((nk + 1)) bad$((nk + 4)); do
	grep -q "mailPassword of $u unusable" "$T_DIR/build.err"
	ok $? "$u: warning names the account"
done
like "$(cat "$T_DIR/build.err")" "mailPassword of bad$((nk + 4)) unusable: password scheme \{CRAM-MD5\} is not supported" \
	"unsupported scheme named"
! grep -q 'SECRET' "$T_DIR/build.err" "$T_DIR/last.out" "$P" "$T_DIR/verify.err"
ok $? "unusable values never printed"
stored_bits=$(cut -c 8-24 "$T_DIR/stored" | grep -F -f - "$T_DIR/build.err" "$T_DIR/verify.err")
is "$stored_bits" "" "no stored hash in any message"
# Only the published lines: every line has an explicit scheme.
! grep -qv '^[a-z0-9]*:{[A-Z0-9.-]*}' "$P"
ok $? "every passwd-file line starts user:{SCHEME}"

# Dovecot refuses: a wrong password on a bare legacy hash and on a
# digest; a dropped account.  (Last: auth penalties slow later logins.)
IFS=$'\t' read -r u k pw < <(grep -P '\tbare-md5\t' "$T_DIR/cases")
dovecot_auth_refused "$u" "x$pw"; ok $? "$u ($k): wrong password refused"
IFS=$'\t' read -r u k pw < <(grep -P '\tdv:SMD5\t' "$T_DIR/cases")
dovecot_auth_refused "$u" "x$pw"; ok $? "$u ($k): wrong password refused"
dovecot_auth_refused "bad$((nk + 1))" "x"; ok $? "account with an unusable value refused"

# mailpw audit: accounts per published scheme (plus the sample accounts).
"$M" -c "$C" audit >"$T_DIR/audit.out" 2>"$T_DIR/audit.err"
is "$?" 1 "mailpw audit: legacy values need attention (exit 1)"
bare=0 md5=0 md5bare=0
for k in "${kinds[@]}"; do
	case $k in bare-*) bare=$((bare + 1)) ;; esac
	[ "$(legacy_published "$k")" = MD5-CRYPT ] || continue
	md5=$((md5 + 1))
	case $k in bare-*) md5bare=$((md5bare + 1)) ;; esac
done
like "$(cat "$T_DIR/audit.out")" $'# MD5-CRYPT\t'"$md5"$'\t\\('"$md5bare"' without \{SCHEME\}\)' \
	"audit counts $md5 MD5-CRYPT accounts, $md5bare stored bare"
"$M" -c "$C" audit --format json >"$T_DIR/audit.json" 2>/dev/null
python3 - "$T_DIR/audit.json" "$bare" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
acc = {a["uid"]: a for a in d["accounts"]}
legacy = [a for u, a in acc.items() if u.startswith("leg")]
bad = [a for u, a in acc.items() if u.startswith("bad")]
assert sum(not a["prefixed"] for a in legacy) == int(sys.argv[2])
# and the two unusable values without a '{'
assert d["unprefixed"] == int(sys.argv[2]) + 2, d["unprefixed"]
assert sorted(a["status"] for a in bad) == ["malformed"] * 4 + ["unsupported"], bad
assert all(a["status"] != "malformed" for a in legacy), legacy
assert sum(d["schemes"].values()) == d["checked"], d
PY
ok $? "audit JSON: per-scheme counts add up, bare values counted, unusable ones named"
t_done
