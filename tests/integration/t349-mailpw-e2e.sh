#!/bin/bash
# End to end: `mailpw set` writes mailPassword in slapd, `mailmap build`
# publishes the passwd-file, and a throwaway Dovecot accepts the new
# password (and no longer the old one).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/dovecot.sh"
. "$top_srcdir/tests/integration/mailpw-conf.sh"
M="$top_builddir/tools/mailpw"
MM="$top_builddir/tools/mailmap"
[ -x "$M" ] || skip_all "tools/mailpw not built"
[ -x "$MM" ] || skip_all "tools/mailmap not built"
slapd_require
dovecot_need

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
C=$T_DIR/udmail.yaml
mailpw_conf "$C"
mkdir -p "$T_DIR/out"
cat >>"$C" <<EOT
shrink_guard: 100%
state_dir: $T_DIR/state
outputs:
  passwd: { path: $T_DIR/out/passwd, mode: "0640", group: root }
EOT
mkdir -p "$T_DIR/state"

t_run "mailmap build (before)" "$MM" -c "$C" build
[ -s "$T_DIR/out/passwd" ]
ok $? "passwd-file published"
dovecot_start "$T_DIR/out/passwd" || exit 1
DOVECOT_PW='alice-mail-pw-1' dovecot_auth_test alice
ok $? "old password works before the change"

new='brand-new Mail pw 42'
t_run "mailpw set alice" sh -c "printf '%s\n' '$new' | '$M' -c '$C' set --stdin alice"
sleep 1.1 # a distinct mtime second, as Dovecot needs (formats.md 4.1)
t_run "mailmap build (after)" "$MM" -c "$C" build
DOVECOT_PW="$new" wait_for 5 dovecot_auth_test alice
ok $? "Dovecot accepts the new password"
dovecot_auth_refused alice 'alice-mail-pw-1'
ok $? "Dovecot refuses the old password"
! grep -qF "$new" "$T_DIR/out/passwd"
ok $? "the passwd-file holds no plaintext"

# generate --set the same way, for bob (SHA512-CRYPT before).
t_run "mailpw generate --set bob" "$M" -c "$C" generate --set bob
gen=$(sed -n 2p "$T_DIR/last.out")
sleep 1.1
t_run "mailmap build (bob)" "$MM" -c "$C" build
DOVECOT_PW="$gen" wait_for 5 dovecot_auth_test bob
ok $? "Dovecot accepts bob's generated password"
dovecot_stop

plan "$T_NUM"
t_done
