#!/bin/bash
# Faults never cost mail: for each broken input the build fails (or drops
# just the bad record) with a message naming the place, and the tables
# published before stay byte-identical (same inode, mtime, content).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap setpriv
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
plan 42

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
C="-c $U/udmail.yaml"
V=lmdb:$U/maps/virtual
R=lmdb:$U/maps/relay_recipients
# shellcheck disable=SC2086
t_run "initial build" mailmap $C build
good=$(snapshot)
hiera=$U/hiera/mail.yaml
cp "$hiera" "$T_DIR/mail.yaml.good"

# 1. Broken YAML: the error names file:line:col.
printf 'version: 1\naliases:\n  postmaster: [alice, bob\n  abuse: x\n' >"$hiera"
# shellcheck disable=SC2086
t_exit 65 "broken YAML: build fails with EX_DATAERR" mailmap $C build
like "$(cat "$T_DIR/last.err")" "$hiera:[0-9]+:[0-9]+: " "broken YAML: message names file:line:col"
is "$(snapshot)" "$good" "broken YAML: tables untouched"
printf 'version: 1\naliases: [a, b]\n' >"$hiera"
# shellcheck disable=SC2086
t_exit 65 "wrong shape: build fails" mailmap $C build
is "$(snapshot)" "$good" "wrong shape: tables untouched"
printf 'version: 1\naliases:\n  x: y\n\0\n' >"$hiera"
# shellcheck disable=SC2086
t_exit 65 "NUL byte in YAML: build fails" mailmap $C build
rm -f "$hiera"
# shellcheck disable=SC2086
t_exit 65 "missing Hiera file: build fails" mailmap $C build
like "$(cat "$T_DIR/last.err")" "mail.yaml" "missing file is named"
is "$(snapshot)" "$good" "missing file: tables untouched"
cp "$T_DIR/mail.yaml.good" "$hiera"

# 2. Shrink guard: dropping 11 of 25 virtual entries (4 aliases, their
# alias-domain entries and sender logins) is over 10 %, and nothing in
# LDAP explains it.
grep -vE '^  (postmaster|abuse|hostmaster|security):' "$T_DIR/mail.yaml.good" |
	sed '/^sender_logins:/,$d' >"$hiera"
# shellcheck disable=SC2086
t_exit 65 "shrink guard refuses" mailmap $C build
like "$(cat "$T_DIR/last.err")" "virtual: would shrink from 25 to 14 entries: 11 not explained by LDAP" \
	"shrink guard says which table, how much and that LDAP does not explain it"
is "$(snapshot)" "$good" "shrink guard: tables untouched"
# shellcheck disable=SC2086
t_run "--force overrides the guard" mailmap $C build --force
is "$(postmap -s "$V" | wc -l)" 14 "forced build published 14 entries"
cp "$T_DIR/mail.yaml.good" "$hiera"
# shellcheck disable=SC2086
t_run "rebuild with the full export" mailmap $C build
good=$(snapshot)

# 3. Empty LDAP answer: a fault, not a fact.
sed 's|base: ou=users,dc=example,dc=org|base: ou=services,dc=example,dc=org|' \
	"$U/udmail.yaml" >"$U/empty.yaml"
t_exit 65 "empty LDAP answer refused" mailmap -c "$U/empty.yaml" build
like "$(cat "$T_DIR/last.err")" "returned no accounts" "empty answer explained"
is "$(snapshot)" "$good" "empty answer: tables untouched"

# 4. Hostile LDAP values: one bad record is dropped, the rest kept.
nl=$(printf 'x@ext.example\nevil@ext.example' | base64 -w0)
long=$(printf 'a%.0s' $(seq 1 5000))@ext.example
colon=$(printf '{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ:$aGFzaGhhc2g' | base64 -w0)
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=nl,$SLAPD_USERS
objectClass: top
objectClass: inetOrgPerson
objectClass: shadowAccount
objectClass: debianAccount
objectClass: debianDeveloper
uid: nl
cn: n
sn: l
uidNumber: 3001
gidNumber: 3001
homeDirectory: /home/nl
emailForward:: $nl

dn: uid=Mallory,$SLAPD_USERS
objectClass: top
objectClass: inetOrgPerson
objectClass: shadowAccount
objectClass: debianAccount
objectClass: debianDeveloper
objectClass: udmailAccount
uid: Mallory
cn: m
sn: m
uidNumber: 3002
gidNumber: 3002
homeDirectory: /home/mallory
emailForward: $long
mailPassword:: $colon
LDIF
ok $? "hostile entries added to slapd"
# shellcheck disable=SC2086
t_run "build with hostile LDAP values succeeds" mailmap $C build
err=$(cat "$T_DIR/last.err")
like "$err" "uid=nl,ou=users" "newline in emailForward: entry named"
like "$err" "uid=Mallory,ou=users,dc=example,dc=org: emailForward value dropped: longer than 200 characters" \
	"over-long forward: entry named with the reason"
pq_absent "$R" nl@example.org; ok $? "bad forward not published"
pq_absent "$R" mallory@example.org; ok $? "over-long forward not published"
grep -q '^mallory:' "$U/dovecot/passwd"; ok $((! $?)) "hash with ':' not in passwd-file"
printf '%s' "$err" | grep -q 'aGFzaGhhc2g\|c2FsdHNhbHQ'; ok $((! $?)) "the hash never appears in messages"
is "$(pq "$R" alice@example.org)" "OK" "good records kept"
good=$(snapshot)

# 5. Unwritable output directory (as an unprivileged user).
chmod 0711 "$T_DIR" "$U"
chmod -R o+rX "$U/hiera" "$U/udmail.yaml" "$U/maps" "$U/dovecot"
cp "$SLAPD_SYNC_PW_FILE" "$U/sync.pw" && chmod 0600 "$U/sync.pw" && chown 65534:65534 "$U/sync.pw"
# The publish lock lives in state_dir: the publishing user writes there.
mkdir "$U/nstate" && chown 65534:65534 "$U/nstate"
sed -e "s|bind_password_file: .*|bind_password_file: $U/sync.pw|" \
	-e "s|state_dir: .*|state_dir: $U/nstate|" -e '/metrics_file/d' \
	"$U/udmail.yaml" >"$U/nobody.yaml"
chmod 0644 "$U/nobody.yaml"
ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: emailForward
emailForward: alice@changed.example.net
LDIF
t_exit 73 "unwritable directory: EX_CANTCREAT" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$top_builddir/tools/mailmap" -c "$U/nobody.yaml" build
like "$(cat "$T_DIR/last.err")" "$U/(maps|dovecot).*Permission denied" "message names the directory"
is "$(snapshot)" "$good" "unwritable: tables untouched"
[ -z "$(find "$U/maps" -maxdepth 1 -name '.*' -type f)" ]; ok $? "no temp files left behind"
# Only the passwd-file's directory is unwritable: the maps, which could be
# written, are not published either (every table or none).
chown 65534 "$U/maps"
t_exit 73 "one unwritable output fails the build" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$top_builddir/tools/mailmap" -c "$U/nobody.yaml" build
is "$(snapshot)" "$good" "the writable maps were not published either"
[ -z "$(find "$U/maps" -maxdepth 1 -name '.*' -type f)" ]; ok $? "their temp files were removed"
chown 0 "$U/maps"
# The other way round: the passwd-file, written while LDAP pages arrive,
# is not published when a map cannot be written.  (Nobody cannot give a
# file to group dovecot, only to its own.)
sed -E "s/group: [a-z0-9_-]+/group: $(id -gn 65534)/" "$U/nobody.yaml" >"$U/nobody-pw.yaml"
chmod 0644 "$U/nobody-pw.yaml"
chown 65534 "$U/dovecot"
t_exit 73 "an unwritable map fails the build" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$top_builddir/tools/mailmap" -c "$U/nobody-pw.yaml" build
like "$(cat "$T_DIR/last.err")" "$U/maps.*Permission denied" "the message names the maps directory"
is "$(snapshot)" "$good" "the passwd-file written while fetching was not published"
[ -z "$(find "$U/dovecot" -maxdepth 1 -name '.*' -type f)" ]; ok $? "its temp file was removed"
chown 0 "$U/dovecot"

# 6. The LDAP server dies in the middle of the operation.
slapd_pause
# shellcheck disable=SC2086
(mailmap $C build >"$T_DIR/dies.out" 2>"$T_DIR/dies.err"; echo $? >"$T_DIR/dies.rc") &
sleep 0.5
slapd_kill
wait
is "$(cat "$T_DIR/dies.rc")" 69 "server died: EX_UNAVAILABLE"
like "$(cat "$T_DIR/dies.err")" "ldap" "server died: message says ldap"
is "$(snapshot)" "$good" "server died: tables untouched"
t_done
