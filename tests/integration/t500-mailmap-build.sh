#!/bin/bash
# mailmap build against a real slapd: every output checked with its real
# consumer (postmap -q / -s on lmdb and hash, doveadm pw -t on the
# passwd-file), then query, dump, resolve, diff, and "unchanged means
# untouched".
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap doveadm
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
plan 46

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
C="-c $U/udmail.yaml"
V=lmdb:$U/maps/virtual

# shellcheck disable=SC2086
t_run "mailmap build" mailmap $C build
like "$(cat "$T_DIR/last.out")" "virtual +25 entries +published" "build reports virtual"
like "$(cat "$T_DIR/last.err")" "webmaster@example.org -> carol@example.org: target has no mail destination" \
	"dangling alias named with its origin"
like "$(cat "$T_DIR/last.err")" "mail.yaml:[0-9]+" "warning carries file:line"

is "$(pq "$V" postmaster@example.org)" "alice@example.org, bob@example.org" "virtual: alias to two accounts"
is "$(pq "$V" ABUSE@Example.ORG)" "alice@example.org, bob@example.org" "virtual: nested alias flattened, query folded"
R=lmdb:$U/maps/relay_recipients
pq_absent "$V" alice@example.org; ok $? "virtual: a forwarded user has no entry (relayed as is)"
is "$(pq "$R" alice@example.org)" "OK" "relay_recipients: forwarded user"
is "$(pq "$R" postmaster@example.org)" "OK" "relay_recipients: alias"
pq_absent "$V" security@example.org; ok $? "virtual: mixed alias leaves the MX as itself"
is "$(pq "$V" postmaster@mail.example.org)" "postmaster@example.org" "virtual: alias domain, one entry per address"
is "$(pq "$V" alice@members.example.org)" "alice@example.org" "virtual: alias domain, forwarded user"
pq_absent "$V" @mail.example.org; ok $? "virtual: no alias-domain catch-all"
pq_absent "$V" carol@mail.example.org; ok $? "virtual: no alias-domain entry for an undeliverable user"
is "$(pq "$R" dave@example.org)" "OK" "relay_recipients: locked user keeps forwarding (ud-ldap)"
pq_absent "$R" judy@example.org; ok $? "relay_recipients: retired user absent"
pq_absent "$R" carol@example.org; ok $? "relay_recipients: user without forward absent"
pq_absent "$R" toor@example.org; ok $? "relay_recipients: uidNumber=0 entry not fetched"
is "$(postmap -s "$R" | grep -c .)" 11 "relay_recipients: 11 deliverable addresses"
is "$(pq "lmdb:$U/maps/alias_domains" members.example.org)" "members.example.org" "alias_domains: bare domain key"
is "$(pq "lmdb:$U/maps/transport" board@example.org)" "smtp:[srs.example.org]" "transport: hiera forward"
is "$(pq "lmdb:$U/maps/transport" listmaster@example.org)" "smtp:[srs.example.org]" "transport: role account"
pq_absent "lmdb:$U/maps/transport" postmaster@example.org; ok $? "transport: pure alias not sent to SRS"
is "$(pq "hash:$U/maps/forward" bob@example.org)" "bob@example.net, bob.backup@example.com" "forward (hash): comma list"
is "$(pq "hash:$U/maps/forward" security@example.org)" "sec-team@partner.example.com, alice@example.org" "forward (hash): a mixed alias, external part then local terminals"
is "$(pq "lmdb:$U/maps/sender_login" postmaster@example.org)" "alice, bob" "sender_login: hiera logins"
is "$(pq "lmdb:$U/maps/sender_login" carol@members.example.org)" "carol" "sender_login: alias domain"
pq_absent "lmdb:$U/maps/sender_login" dave@example.org; ok $? "sender_login: locked user cannot send"
pm=$(postmap -s "$V")
is "$(printf '%s\n' "$pm" | grep -c .)" 25 "postmap -s lists every virtual entry"
is "$(printf '%s\n' "$pm" | cut -f1 | tr -d 'a-z0-9@.\n' )" "" "every key is lower case"

pw=$U/dovecot/passwd
is "$(stat -c %a "$pw")" 640 "passwd-file mode 0640"
is "$(cut -d: -f1 "$pw" | tr '\n' ' ')" "alice bob carol " "passwd: only active accounts with a hash"
h=$(awk -F: '$1 == "alice" { print $2 }' "$pw")
doveadm pw -t "$h" -p alice-mail-pw-1 >/dev/null 2>&1; ok $? "doveadm verifies alice's hash from the passwd-file"
h=$(awk -F: '$1 == "bob" { print $2 }' "$pw")
doveadm pw -t "$h" -p bob-mail-pw-2 >/dev/null 2>&1; ok $? "doveadm verifies bob's hash from the passwd-file"
doveadm pw -t "$h" -p wrong >/dev/null 2>&1; ok $((! $?)) "doveadm rejects a wrong password"

# shellcheck disable=SC2086
is "$(mailmap $C query virtual Hostmaster@example.org)" "alice@example.org, bob@example.org" "mailmap query"
# shellcheck disable=SC2086
t_exit 1 "mailmap query: missing key exits 1" mailmap $C query virtual nobody@example.org
# shellcheck disable=SC2086
like "$(mailmap $C query passwd alice)" "^\{ARGON2ID\} \(hash not shown\)$" "mailmap query passwd hides the hash"
# shellcheck disable=SC2086
dump=$(mailmap $C dump virtual | sort)
is "$(printf '%s\n' "$dump" | grep -c .)" 25 "mailmap dump lists 25 virtual entries"
is "$dump" "$(postmap -s "$V" | sort)" "mailmap dump equals postmap -s"
# The demo enables virtual and forward: a host that is MX and SRS.
# shellcheck disable=SC2086
is "$(mailmap $C resolve abuse@members.example.org; echo "exit $?")" \
"RCPT abuse@members.example.org: accepted (virtual_alias_maps: virtual)
  abuse@members.example.org -> virtual: abuse@example.org
    abuse@example.org -> virtual: alice@example.org, bob@example.org
      alice@example.org -> forward: alice@example.net
      bob@example.org -> forward: bob@example.net, bob.backup@example.com
deliver alice@example.net: smtp (default_transport, SRS sender)
deliver bob@example.net: smtp (default_transport, SRS sender)
deliver bob.backup@example.com: smtp (default_transport, SRS sender)
exit 0" "resolve follows alias domain, aliases, forwards (combined host)"

before=$(snapshot)
sleep 1.1
# shellcheck disable=SC2086
t_run "second build" mailmap $C build
is "$(snapshot)" "$before" "unchanged content: no file replaced (same inode and mtime)"
# shellcheck disable=SC2086
t_exit 0 "diff with nothing to change exits 0" mailmap $C diff

ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: emailForward
emailForward: alice@new.example.net
LDIF
# shellcheck disable=SC2086
mailmap $C diff >"$T_DIR/diff.out" 2>&1; rc=$?
is "$rc" 1 "diff exits 1 when something would change"
like "$(cat "$T_DIR/diff.out")" "forward: ~ alice@example.org	alice@example.net -> alice@new.example.net" "diff shows the change"
t_done
