#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t209: a bind that may not read what the outputs need (issue 12, defect
# 4).  slapd returns every entry, but without mailPassword, userPassword
# or emailForward: an anonymous bind, or a service account an ACL keeps
# out.  Publishing that would empty passwd and sender_login (and the
# routing tables); it is refused as an LDAP failure (exit 69), naming
# the missing attributes and the likely cause, on a first publish too,
# with --force too, and nothing is written.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
plan 22

published() { find "$U/maps" "$U/dovecot" -type f | wc -l; }

# 1. The service account may not read the three attributes.
slapd_setup --sync-acl limited
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
C=$U/udmail.yaml
# The fixture really hides them (else this test proves nothing).
ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" \
	-b "$SLAPD_USERS" -s one uid mailPassword userPassword emailForward >"$T_DIR/seen"
is "$(grep -c '^uid:' "$T_DIR/seen") $(grep -c '^[a-zA-Z]*[pP]assword:\|^emailForward:' "$T_DIR/seen")" \
	"12 0" "limited reader sees the 12 entries and not one of the three attributes"

t_exit 69 "first publish, limited reader: mailmap build refused" mailmap -c "$C" build
err=$(cat "$T_DIR/last.err")
like "$err" "none of the 11 accounts carries emailForward, mailPassword or userPassword" \
	"message names every missing attribute"
like "$err" "uid=mailsync,ou=services,dc=example,dc=org" "message names the bind"
like "$err" "ACL" "message names the likely cause"
like "$err" "needed by virtual, transport, forward, sender_login, passwd, relay_recipients" \
	"message names the outputs that need them"
is "$(published)" 0 "nothing published"
t_exit 69 "--force does not override it" mailmap -c "$C" build --force
is "$(published)" 0 "nothing published with --force"
t_exit 69 "mailsyncd --once refuses it too" mailsyncd -c "$C" --once --force
is "$(published)" 0 "nothing published by mailsyncd"
grep -q '^udmail_sync_failure_info{reason="ldap"} 1$' "$U/state/udmail.prom"
ok $? "metrics: failure reason ldap"

# 2. Anonymous bind, default ACLs: emailForward is public, the two
# password attributes are not.
slapd_stop
rm -rf "$SLAPD_DIR/db" "$U"
slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
sed -e '/bind_dn:/d' -e 's/^  bind_password_file: .*/  auth: none/' "$C" >"$U/anon.yaml"
t_exit 69 "first publish, anonymous: refused" mailmap -c "$U/anon.yaml" build
err=$(cat "$T_DIR/last.err")
like "$err" "none of the 11 accounts carries mailPassword or userPassword \(needed by sender_login, passwd\)" \
	"anonymous: the password attributes named, not emailForward"
like "$err" "anonymous" "anonymous: the bind is named"
is "$(published)" 0 "anonymous: nothing published"
# A host with routing outputs only needs nothing the anonymous bind lacks.
sed -e '/^  sender_login:/d' -e '/^  passwd:/d' "$U/anon.yaml" >"$U/anon-mx.yaml"
t_run "anonymous bind for routing outputs only: published" mailmap -c "$U/anon-mx.yaml" build
is "$(pq "lmdb:$U/maps/relay_recipients" alice@example.org)" OK "routing tables are complete"
rm -f "$U"/maps/*

# 3. The real reader publishes; then anonymous --force over good tables
# is refused and leaves them alone.
t_run "service account: published" mailmap -c "$C" build
is "$(cut -d: -f1 "$U/dovecot/passwd" | tr '\n' ' ')" "alice bob carol " "passwd complete"
good=$(snapshot)
t_exit 69 "anonymous --force over published tables: refused" mailmap -c "$U/anon.yaml" build --force
is "$(snapshot)" "$good" "tables untouched"
t_done
