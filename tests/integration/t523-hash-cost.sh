#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t523: a stored hash too costly to verify at every login (SHA-crypt with
# rounds=999999999, argon2 with m=4 GiB or t=1024, bcrypt cost 31) would
# tie up Dovecot's auth workers for minutes per attempt.  mailmap build
# leaves it out of the passwd-file with a warning naming the account
# (never the hash), mailmap check counts it, mailpw audit lists it as
# costly; password_policy.max_cost moves the ceiling.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"

S=abcdefghijklmnop
D86=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./0123456789abcdefghijkl
SALT=c29tZXNhbHRzb21lc2FsdA
TAG=YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY
entry() { # entry UID MAILPASSWORD
	printf 'dn: uid=%s,%s\nobjectClass: top\nobjectClass: inetOrgPerson\n' "$1" "$SLAPD_USERS"
	printf 'objectClass: debianAccount\nobjectClass: shadowAccount\nobjectClass: debianDeveloper\nobjectClass: udmailAccount\n'
	printf 'uid: %s\ncn: %s\nsn: %s\nuidNumber: %s\ngidNumber: 100\n' "$1" "$1" "$1" "$((3000 + ${#1}))"
	printf 'homeDirectory: /home/%s\nuserPassword: {SSHA}x\n' "$1"
	printf 'emailForward: %s@example.net\nmailPassword: %s\n\n' "$1" "$2"
}
slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
{
	entry rounds "{SHA512-CRYPT}\$6\$rounds=999999999\$$S\$$D86"
	entry argonmem "{ARGON2ID}\$argon2id\$v=19\$m=4194304,t=1,p=1\$$SALT\$$TAG"
	entry argonpasses "{ARGON2ID}\$argon2id\$v=19\$m=65536,t=1024,p=1\$$SALT\$$TAG"
	entry bcrypt "{BLF-CRYPT}\$2y\$31\$abcdefghijklmnopqrstuu0123456789abcdefghijklmnopqrstu"
	entry fine "{SHA512-CRYPT}\$6\$rounds=100000\$$S\$$D86"
} >"$T_DIR/costly.ldif"
# The objectClasses above must match the test schema; fail loudly if not.
slapd_load "$T_DIR/costly.ldif" || { echo "Bail out! costly.ldif did not load"; exit 1; }
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
C="-c $U/udmail.yaml"

# shellcheck disable=SC2086
mailmap $C build >"$T_DIR/out" 2>"$T_DIR/err"
ok $? "mailmap build publishes the rest"
pw=$U/dovecot/passwd
for u in rounds argonmem argonpasses bcrypt; do
	! grep -q "^$u:" "$pw"; ok $? "$u: too costly, not in the passwd-file"
done
grep -q '^fine:' "$pw"; ok $? "a SHA-crypt hash with 100000 rounds is published"
grep -q '^alice:' "$pw"; ok $? "everyday hashes are published"
like "$(cat "$T_DIR/err")" "uid=rounds,.*mailPassword of rounds unusable: SHA-crypt rounds 999999999 above the ceiling 500000" \
	"the warning names the account, the parameter and the ceiling"
like "$(cat "$T_DIR/err")" "argonmem unusable: argon2 memory m \(KiB\) 4194304 above" "argon2 memory named"
like "$(cat "$T_DIR/err")" "argonpasses unusable: argon2 passes t 1024 above" "argon2 passes named"
like "$(cat "$T_DIR/err")" "bcrypt unusable: bcrypt cost 31 above" "bcrypt cost named"
! grep -qF -e "$D86" -e "$TAG" -e "abcdefghijklmnopqrstuu" "$T_DIR/err" "$T_DIR/out"
ok $? "no hash in any message"

# shellcheck disable=SC2086
t_exit 65 "mailmap check counts the dropped values (exit 65)" mailmap $C check
# shellcheck disable=SC2086
mailpw $C audit >"$T_DIR/audit" 2>&1
grep -E '^(rounds|argonmem|argonpasses|bcrypt)[[:space:]]' "$T_DIR/audit" | grep -c costly >"$T_DIR/n"
is "$(cat "$T_DIR/n")" 4 "mailpw audit lists the four as costly"

# A site that really wants slower hashes raises the ceiling.
printf 'password_policy:\n  max_cost: { crypt_rounds: 999999999 }\n' >>"$U/udmail.yaml"
# shellcheck disable=SC2086
mailmap $C build --force >/dev/null 2>&1
grep -q '^rounds:' "$pw"; ok $? "max_cost.crypt_rounds raised: published"
! grep -q '^argonmem:' "$pw"; ok $? "... the other ceilings still hold"
printf 'password_policy:\n  max_cost: { argon2_m: 32768 }\n' >"$T_DIR/low.yaml"
sed '/^password_policy:/,$d' "$U/udmail.yaml" >"$T_DIR/c.yaml" && cat "$T_DIR/low.yaml" >>"$T_DIR/c.yaml"
t_exit 78 "a ceiling below mailpw's own argon2 cost is a configuration error" \
	mailmap -c "$T_DIR/c.yaml" check
like "$(cat "$T_DIR/last.err")" "above max_cost" "... saying why"
plan "$T_NUM"
t_done
