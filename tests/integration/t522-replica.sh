#!/bin/bash
# t522: a mail host that reads a local replica.  A provider slapd and a
# syncrepl consumer (refreshAndPersist, configured by
# contrib/slapd/replica.conf) on 127.0.0.1; mailsyncd reads only the
# consumer.  Changes made on the provider (a forward, a bare $1$ mail
# password as the Perl ud-ldap writes it, a new account)
# reach the published tables through the consumer; the latency is
# reported (no timed assertion beyond a generous timeout).  The consumer
# refuses writes with a referral, and keeps serving mailsyncd while the
# provider is frozen.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap openssl
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
plan 14

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! provider slapd did not start"; exit 1; }
slapd_consumer_start || { echo "Bail out! consumer slapd did not start"; exit 1; }
wait_for 30 slapd_synced "$SLAPD_URI" "$CONSUMER_URI"
ok $? "consumer caught up with the provider (same contextCSN)"
is "$(ldapsearch -x -LLL -H "$CONSUMER_URI" -D "$SLAPD_SYNC_DN" -w "$SLAPD_SYNC_PW" \
	-b "$SLAPD_USERS" '(mailPassword=*)' uid | grep -c '^uid:')" 5 \
	"the mail host's reader sees the replicated mailPassword values"

udmail_setup
sed -i "s|uri: .*|uri: $CONSUMER_URI|" "$U/udmail.yaml"
F=hash:$U/maps/forward
P=$U/dovecot/passwd
t_run "mailsyncd --once against the consumer" mailsyncd -c "$U/udmail.yaml" --once
is "$(pq "$F" alice@example.org)" "alice@example.net" "tables published from the consumer"

mailsyncd -c "$U/udmail.yaml" -v --interval 3600 2>"$T_DIR/daemon.log" &
pid=$!
t_track_pid $pid
wait_for 10 grep -q "watching ou=users" "$T_DIR/daemon.log"
ok $? "mailsyncd watches the consumer (RFC 4533 on the replica's syncprov)"
grep -q "127.0.0.1:$SLAPD_PORT" "$T_DIR/daemon.log"
ok $((!$?)) "mailsyncd never names the provider"
sleep 1

modify() { # modify LDIF-body (as the provider's rootdn)
	ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null
}
# Milliseconds since $1 (date +%s%N).
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# 1. A forward changed on the provider.
t0=$(date +%s%N)
modify <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: emailForward
emailForward: alice@moved.example.net
LDIF
wait_for 30 sh -c "ldapsearch -x -LLL -H '$CONSUMER_URI' -b '$SLAPD_USERS' '(uid=alice)' emailForward | grep -q moved"
ok $? "forward change replicated to the consumer"
rep=$(ms "$t0")
wait_for 30 sh -c "postmap -q alice@example.org '$F' | grep -qx alice@moved.example.net"
ok $? "forward change on the provider reached the forward table"
diag "forward: provider -> consumer $rep ms, provider -> published table $(ms "$t0") ms"

# 2. A mail password as the Perl ud-ldap writes it (bare $1$).
h=$(openssl passwd -1 -stdin <<<'alice-replica-pw')
t0=$(date +%s%N)
modify <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: mailPassword
mailPassword: $h
LDIF
wait_for 30 grep -qxF "alice:{MD5-CRYPT}$h" "$P"
ok $? "bare \$1\$ password set on the provider published as {MD5-CRYPT}"
diag "mail password: provider -> passwd-file $(ms "$t0") ms"

# 3. A new account.
t0=$(date +%s%N)
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=zed,$SLAPD_USERS
objectClass: top
objectClass: inetOrgPerson
objectClass: debianAccount
objectClass: shadowAccount
objectClass: debianDeveloper
uid: zed
cn: Zed
sn: Replica
uidNumber: 2201
gidNumber: 2201
userPassword: {SSHA}uc9+WjHmzYP8DhreB6aAles5+lpOWza9
emailForward: zed@example.net
LDIF
wait_for 30 sh -c "postmap -q zed@example.org '$F' | grep -qx zed@example.net"
ok $? "account added on the provider appears in the forward table"
diag "new account: provider -> published table $(ms "$t0") ms"
# The replica is read-only: a user's own write is referred to the provider.
ldapmodify -x -H "$CONSUMER_URI" -D "uid=carol,$SLAPD_USERS" -w carol-login \
	>"$T_DIR/write.out" 2>&1 <<LDIF
dn: uid=carol,$SLAPD_USERS
changetype: modify
replace: mailPassword
mailPassword: {PLAIN}x
LDIF
is "$?" 10 "a write on the consumer is refused with a referral (ldapmodify exit 10)"
grep -q "$SLAPD_URI" "$T_DIR/write.out"
ok $? "... naming the provider"

# The provider frozen: the mail host still syncs from its replica.
slapd_pause
n=$(grep -c "sync done" "$T_DIR/daemon.log")
kill -HUP $pid
wait_for 20 sh -c "[ \$(grep -c 'sync done' '$T_DIR/daemon.log') -gt $n ]"
ok $? "provider frozen: a full sync from the consumer still succeeds"
! grep -q "sync failed" "$T_DIR/daemon.log"
ok $? "no failed sync"
slapd_resume
kill -TERM $pid
wait $pid
t_done
