#!/bin/bash
# mailpw set against a throwaway slapd: service bind and --self, the
# policy, the messages (never a password or hash), and that the stored
# hash verifies with doveadm and mailpw verify --user.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/mailpw-conf.sh"
slapd_require
need_cmd doveadm
M="$top_builddir/tools/mailpw"
[ -x "$M" ] || skip_all "tools/mailpw not built"

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
C=$T_DIR/udmail.yaml
mailpw_conf "$C"
ADN="uid=alice,$SLAPD_USERS"

new='Neue Mail-Passwort 7'
before=$(ldap_mailpassword alice)
t_exit 0 "set --stdin alice" sh -c "printf '%s\n' '$new' | '$M' -c '$C' set --stdin alice"
is "$(cat "$T_DIR/last.out")" "mailPassword of $ADN replaced (ARGON2ID)" "says what changed"
after=$(ldap_mailpassword alice)
[ -n "$after" ] && [ "$after" != "$before" ]
ok $? "mailPassword changed"
like "$after" '^\{ARGON2ID\}\$argon2id\$v=19\$m=8192,t=1,p=1\$' "policy cost from the configuration"
doveadm pw -t "$after" -p "$new" >/dev/null 2>&1
ok $? "doveadm verifies the stored hash"
! grep -qF -e "$new" -e "${after#\{ARGON2ID\}}" "$T_DIR/last.out" "$T_DIR/last.err"
ok $? "neither password nor hash printed"
t_exit 0 "verify --user alice, right password" sh -c "printf '%s' '$new' | '$M' -c '$C' verify --user alice"
t_exit 1 "verify --user alice, old password" sh -c "printf 'alice-mail-pw-1' | '$M' -c '$C' verify --user alice"
t_exit 0 "verify --user bob (SHA512-CRYPT from the sample)" sh -c "printf 'bob-mail-pw-2' | '$M' -c '$C' verify --user bob"
t_exit 67 "verify --user nosuch" sh -c "printf x | '$M' -c '$C' verify --user nosuch"
t_exit 0 "verify --user BOB: uids match without regard to case, as in LDAP" sh -c "printf 'bob-mail-pw-2' | '$M' -c '$C' verify --user BOB"
t_exit 66 "verify --user listmaster: no mailPassword (the man page: 66)" sh -c "printf x | '$M' -c '$C' verify --user listmaster"
like "$(cat "$T_DIR/last.err")" 'listmaster: no mailPassword' "names the user and the attribute"
t_exit 0 "verify --user heidi: an expired account's hash still checks" sh -c "printf 'erin-mail-pw-5' | '$M' -c '$C' verify --user heidi"
like "$(cat "$T_DIR/last.err")" 'heidi: account expired: mailsyncd publishes no passwd-file line' "with a note that it cannot log in"

# Policy: refused before anything is written.
cur=$(ldap_mailpassword alice)
t_exit 65 "too short" sh -c "printf 'short\n' | '$M' -c '$C' set --stdin alice"
like "$(cat "$T_DIR/last.err")" 'shorter than 12' "names the rule"
t_exit 65 "contains the user name" sh -c "printf 'xx-Alice-1234567\n' | '$M' -c '$C' set --stdin alice"
like "$(cat "$T_DIR/last.err")" 'contains the user name' "names the rule"
! grep -q 'xx-Alice' "$T_DIR/last.err"
ok $? "rejected password not echoed"
t_exit 65 "two lines" sh -c "printf 'first-line-long\nsecond-line-long\n' | '$M' -c '$C' set --stdin alice"
t_exit 65 "invalid UTF-8" sh -c "printf 'long enough \377 pw\n' | '$M' -c '$C' set --stdin alice"
is "$(ldap_mailpassword alice)" "$cur" "entry unchanged after refusals"
t_exit 64 "no terminal and no --stdin" sh -c "printf 'whatever-long-pw\n' | '$M' -c '$C' set alice"
t_exit 64 "password on argv is not an option" "$M" -c "$C" set --stdin alice 'some-password-12'
t_exit 67 "unknown user" sh -c "printf 'long-enough-pw-1\n' | '$M' -c '$C' set --stdin nosuch"

# --self: bind as the user (first line: LDAP password, then the new one).
t_exit 0 "set --self --stdin bob" sh -c "printf 'bob-login\nnew-mail-pw-for-b9\n' | '$M' -c '$C' set --self --stdin bob"
is "$(cat "$T_DIR/last.out")" "mailPassword of uid=bob,$SLAPD_USERS replaced (ARGON2ID)" "--self says what changed"
doveadm pw -t "$(ldap_mailpassword bob)" -p 'new-mail-pw-for-b9' >/dev/null 2>&1
ok $? "bob's new hash verifies"
t_exit 77 "--self with a wrong LDAP password" sh -c "printf 'wrong-login\nother-pw-for-b10\n' | '$M' -c '$C' set --self --stdin bob"
! grep -q 'wrong-login' "$T_DIR/last.err"
ok $? "wrong LDAP password not echoed"

# generate --set: one step; the printed password is the one stored.
t_exit 0 "generate --set carol" "$M" -c "$C" generate --set carol --words 4
gen=$(sed -n 2p "$T_DIR/last.out")
like "$(head -1 "$T_DIR/last.out")" "^mailPassword of uid=carol,$SLAPD_USERS replaced" "says what changed first"
like "$gen" '^[a-z]{6}(-[a-z]{6}){3}$' "then the generated password"
doveadm pw -t "$(ldap_mailpassword carol)" -p "$gen" >/dev/null 2>&1
ok $? "carol's stored hash matches the generated password"

# LDAP down: EX_UNAVAILABLE, nothing written.
sed "s|$SLAPD_URI|ldap://127.0.0.1:1|" "$C" >"$T_DIR/down.yaml"
t_exit 69 "LDAP unreachable" sh -c "printf 'long-enough-pw-1\n' | '$M' -c '$T_DIR/down.yaml' set --stdin alice"
printf 'ldap: [\n' >"$T_DIR/broken.yaml"
t_exit 78 "broken configuration" sh -c "printf 'long-enough-pw-1\n' | '$M' -c '$T_DIR/broken.yaml' set --stdin alice"

plan "$T_NUM"
t_done
