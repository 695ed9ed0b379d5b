#!/bin/bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir: set by make check
# t208: an account's identity is its RDN (issue 12, defect 3).  Entries
# that claim another account's name through a second uid value, a
# multi-valued RDN or a uid only in a parent's RDN are refused whole,
# and two entries with the same name are both refused, whichever slapd
# returns first: the same entries loaded in two orders give the same
# outputs, byte for byte.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
slapd_require
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
plan 18

D=$top_srcdir/tests/data/ldap
# identity.ldif with its entries in reverse order (comments dropped).
awk 'BEGIN { RS = "" } !/^#/ { p[n++] = $0 } END { for (i = n - 1; i >= 0; i--) print p[i] "\n" }' \
	"$D/identity.ldif" >"$T_DIR/identity-rev.ldif"
group=$(getent group dovecot >/dev/null && echo dovecot || id -gn)

# run NAME LDIF: a fresh slapd holding LDIF, one mailmap build into
# $T_DIR/NAME (text maps, so that files compare byte for byte).
run() {
	local dir=$T_DIR/$1
	slapd_stop
	rm -rf "$SLAPD_DIR/db"
	if [ "$SLAPD_SETUP_DONE" = 0 ]; then
		slapd_setup || return 1
	else
		mkdir -p "$SLAPD_DIR/db" && slapd_load "$D/base.ldif" || return 1
	fi
	slapd_load "$D/identity-tree.ldif" "$2" && slapd_start || return 1
	ldapsearch -LLL -x -H "$SLAPD_URI" -b "$SLAPD_USERS" -s sub \
		'(objectClass=shadowAccount)' dn | grep '^dn' >"$dir.order"
	mkdir -p "$dir/hiera" "$dir/maps" "$dir/dovecot" "$dir/state"
	cat >"$dir/hiera/mail.yaml" <<YAML
version: 1
domain: example.org
alias_domains: [mail.example.org]
aliases:
  team: [victim, carol]
  victim: attacker@evil.example
  dup: attacker@evil.example
sender_logins:
  team: [victim]
YAML
	cat >"$dir/udmail.yaml" <<YAML
user: $(id -un)
state_dir: $dir/state
metrics_file: $dir/state/udmail.prom
hiera: [$dir/hiera/mail.yaml]
transport_nexthop: "smtp:[srs.example.org]"
ldap:
  uri: $SLAPD_URI
  bind_dn: $SLAPD_SYNC_DN
  bind_password_file: $SLAPD_SYNC_PW_FILE
  base: $SLAPD_USERS
  scope: sub
outputs:
  virtual:          { path: $dir/maps/virtual, format: text }
  alias_domains:    { path: $dir/maps/alias_domains, format: text }
  relay_recipients: { path: $dir/maps/relay_recipients, format: text }
  transport:        { path: $dir/maps/transport, format: text }
  forward:          { path: $dir/maps/forward, format: text }
  sender_login:     { path: $dir/maps/sender_login, format: text }
  passwd:           { path: $dir/dovecot/passwd, group: $group }
YAML
	mailmap -c "$dir/udmail.yaml" build >"$dir.out" 2>"$dir.err"
	echo $? >"$dir.rc"
}

run fwd "$D/identity.ldif" || { echo "Bail out! slapd"; exit 1; }
run rev "$T_DIR/identity-rev.ldif" || { echo "Bail out! slapd"; exit 1; }
slapd_stop

# The test means something only if slapd really answered in two orders.
[ "$(cat "$T_DIR/fwd.order")" != "$(cat "$T_DIR/rev.order")" ] &&
	[ "$(sort "$T_DIR/fwd.order")" = "$(sort "$T_DIR/rev.order")" ]
ok $? "slapd returned the same 7 entries in two different orders"
is "$(cat "$T_DIR/fwd.rc") $(cat "$T_DIR/rev.rc")" "0 0" "both builds succeed"
same=0
for f in maps/virtual maps/alias_domains maps/relay_recipients \
    maps/transport maps/forward maps/sender_login dovecot/passwd; do
	cmp "$T_DIR/fwd/$f" "$T_DIR/rev/$f" >/dev/null 2>&1 ||
		{ diag "$f differs between the two orders"; same=1; }
done
ok $same "every output is byte-identical whatever the answer order"

for o in fwd rev; do
	pw=$T_DIR/$o/dovecot/passwd
	is "$(cut -d: -f1 "$pw" | tr '\n' ' ')" "carol victim " \
		"$o: passwd holds only carol and the real victim"
	like "$(grep '^victim:' "$pw")" '^victim:\{ARGON2ID\}' \
		"$o: victim's line holds victim's own hash"
	is "$(grep '^victim@example.org' "$T_DIR/$o/maps/forward")" \
		"$(printf 'victim@example.org\tvictim@example.net')" "$o: victim's mail goes to victim"
	! grep -rq 'evil\|^dup' "$T_DIR/$o/maps" "$T_DIR/$o/dovecot"
	ok $? "$o: no output names an attacker's address or dup"
done

err=$(cat "$T_DIR/rev.err")
like "$err" "uid=claim,ou=users,dc=example,dc=org: entry rejected: uid value victim differs from the RDN" \
	"second uid value: entry refused, DN named"
like "$err" "cn=Victim\+uid=victim,ou=users,dc=example,dc=org: entry rejected: RDN" \
	"multi-valued RDN: entry refused"
like "$err" "cn=sub,uid=holder,ou=extra,ou=users,dc=example,dc=org: entry rejected: RDN" \
	"uid only in a parent's RDN: entry refused"
like "$err" "dup@example.org claimed by two LDAP entries" \
	"two entries with one name: both refused"
like "$err" "uid=dup,ou=extra,ou=users,dc=example,dc=org" "... and both DNs named"
is "$(grep 'claimed by two' "$T_DIR/fwd.err")" "$(grep 'claimed by two' "$T_DIR/rev.err")" \
	"... in the same words whichever came first"
prom=$T_DIR/rev/state/udmail.prom
is "$(awk '$1 == "udmail_records_rejected{reason=\"syntax\"}" { print $2 }' "$prom")" 3 \
	"the three refused entries are counted as rejected"
t_done
