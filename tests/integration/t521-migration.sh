#!/bin/bash
# t521: the migration steps of README.md ("Migrating from ud-ldap's
# generated files") on a copy of a ud-generate file set
# (tests/data/ud-generate) and a Postfix ldap: table over the same
# directory: build alongside, mailmap diff against the old passwd-file,
# every address the old files or the ldap: table route is routed the
# same way by the new tables (postmap -q), the only differences being
# the ones the guide lists; Dovecot switched to the new passwd-file and
# back (rollback) with every user logging in throughout; main.cf
# switched and restored.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/dovecot.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
dovecot_need
need_cmd postmap postalias postconf
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
PF=$T_DIR/postfix-old
mkdir -p "$PF"
: >"$PF/main.cf"
postconf -c "$PF" -m 2>/dev/null | grep -qx ldap || skip_all "Postfix without ldap: tables (postfix-ldap)"
plan 22

slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif" \
	"$top_srcdir/tests/data/ud-generate/legacy.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
D=example.org

# The running site: a copy of ud-generate's files, and a Postfix whose
# main.cf routes with them and with an ldap: table.
OLD=$T_DIR/old
cp -a "$top_srcdir/tests/data/ud-generate/hosts" "$OLD"
chmod -R u+w "$OLD"
cat >"$PF/ldap_local.cf" <<EOF
server_host = $SLAPD_URI
search_base = $SLAPD_USERS
version = 3
query_filter = (&(uid=%u)(emailForward=*))
result_attribute = emailForward
domain = $D
EOF
cat >"$PF/main.cf" <<EOF
compatibility_level = 3.6
alias_maps = hash:$OLD/forward-alias
virtual_alias_maps = ldap:$PF/ldap_local.cf
EOF
postalias -c "$PF" "$OLD/forward-alias"
t_run "old alias map built" postalias -c "$PF" -q alice "hash:$OLD/forward-alias"

# Steps 1 and 2: audit, then build alongside (new paths, old files
# untouched).
old_sum=$(cd "$OLD" && sha256sum ./*)
mailpw -c "$U/udmail.yaml" audit >"$T_DIR/audit.out" 2>&1
like "$(cat "$T_DIR/audit.out")" $'# MD5-CRYPT\t2\t\\(2 without \\{SCHEME\\}\\)' \
	"step 1: mailpw audit counts the bare \$1\$ hashes"
t_run "step 2: mailmap build alongside" mailmap -c "$U/udmail.yaml" build
is "$(cd "$OLD" && sha256sum ./*)" "$old_sum" "step 2: the old files are untouched"

# Step 3: mailmap diff against the old passwd-file: only the bare values
# change (they gain a {SCHEME}); nobody loses a login.
sed "s|path: $U/dovecot/passwd|path: $OLD/mail-passwords|" "$U/udmail.yaml" >"$T_DIR/old-view.yaml"
mailmap -c "$T_DIR/old-view.yaml" diff passwd >"$T_DIR/diff.out" 2>"$T_DIR/diff.err"
is "$?" 1 "step 3: mailmap diff passwd against the old file: differences"
is "$(cut -d' ' -f1-3 "$T_DIR/diff.out" | sort)" "passwd: ~ oscar	(hash
passwd: ~ peggy	(hash
passwd: ~ trent	{crypt}" "step 3: only oscar, peggy, trent change (no + or -)"
like "$(grep oscar "$T_DIR/diff.out")" '-> \{MD5-CRYPT\} \(hash not shown\)$' "step 3: oscar's value gains {MD5-CRYPT}"
! grep -q 'oscarsal\|\$6\$' "$T_DIR/diff.out" "$T_DIR/diff.err"
ok $? "step 3: no hash printed"

# Step 3, routing: every address the old file set routes, the new tables route
# the same way: SRS forward = the old value; the MX accepts the address
# (relay_recipients) and hands it to the SRS host (transport).
addrs() { tr ', ' '\n\n' | grep . | sort; }
n=0 bad=""
while IFS=: read -r uid _; do
	n=$((n + 1))
	old=$(postalias -c "$PF" -q "$uid" "hash:$OLD/forward-alias" | addrs)
	new=$(pq "hash:$U/maps/forward" "$uid@$D" | addrs)
	[ -n "$old" ] && [ "$old" = "$new" ] &&
		pq "lmdb:$U/maps/relay_recipients" "$uid@$D" >/dev/null &&
		[ "$(pq "lmdb:$U/maps/transport" "$uid@$D")" = "smtp:[srs.example.org]" ] ||
		bad="$bad $uid"
done <"$OLD/forward-alias"
is "$bad" "" "step 3: the $n forwards of forward-alias route the same (forward, relay_recipients, transport)"
# ... and the new forward table routes no LDAP account the old files
# did not (its other keys come from Hiera).
ldapsearch -x -LLL -H "$SLAPD_URI" -b "$SLAPD_USERS" '(uid=*)' uid |
	sed -n "s/^uid: \(.*\)/\1@$D/p" | sort >"$T_DIR/ldap-addrs"
is "$(postmap -s "hash:$U/maps/forward" | cut -f1 | sort | comm -12 - "$T_DIR/ldap-addrs")" \
	"$(cut -d: -f1 "$OLD/forward-alias" | sed "s/\$/@$D/" | sort)" \
	"step 3: no account forwarded beyond the old ones"

# The same against the ldap: table: every uid with an emailForward.
only_old="" differ=""
for uid in $(ldapsearch -x -LLL -H "$SLAPD_URI" -b "$SLAPD_USERS" '(emailForward=*)' uid | sed -n 's/^uid: //p' | sort); do
	old=$(postmap -c "$PF" -q "$uid@$D" "ldap:$PF/ldap_local.cf" | addrs)
	new=$(pq "hash:$U/maps/forward" "$uid@$D" | addrs)
	if [ -z "$new" ]; then
		only_old="$only_old $uid"
	elif [ "$old" != "$new" ]; then
		differ="$differ $uid"
	fi
done
is "$differ" "" "step 3: ldap: table and new tables agree where both route"
is "$only_old" " erin frank grace judy toor" \
	"step 3: only the retired accounts and uidNumber 0 lose their route (as ud-generate did)"

# Step 4, Dovecot: first on the old file (its default scheme CRYPT reads
# the bare hashes), then switched to the new one, then rolled back.
logins() {
	local u pw fail=""
	for u in alice:alice-mail-pw-1 bob:bob-mail-pw-2 carol:carol-mail-pw-3 \
	    oscar:oscar-mail-pw-6 peggy:peggy-mail-pw-7 trent:trent-mail-pw-8; do
		pw=${u#*:}
		u=${u%%:*}
		DOVECOT_PW=$pw dovecot_auth_test "$u" </dev/null || fail="$fail $u"
	done
	echo "$fail"
}
switch_passdb() {
	sed -i "s|^  args = scheme=CRYPT .*|  args = scheme=CRYPT $1|" "$DOVECOT_CONF"
	doveadm -c "$DOVECOT_CONF" reload
	# the new auth process answers once it has read the file
	for _ in $(seq 1 50); do
		DOVECOT_PW=alice-mail-pw-1 dovecot_auth_test alice </dev/null && return 0
		sleep 0.1
	done
	return 1
}
cp -a "$OLD/mail-passwords" "$T_DIR/old-passwd"
dovecot_start "$T_DIR/old-passwd" || { echo "Bail out! dovecot did not start"; exit 1; }
is "$(logins)" "" "step 4: everybody logs in with the old file"
switch_passdb "$U/dovecot/passwd"
grep -q "^  args = scheme=CRYPT $U/dovecot/passwd\$" "$DOVECOT_CONF"
ok $? "step 4: passdb switched to the new file"
is "$(logins)" "" "step 4: everybody logs in with the new file"
! grep -qv '^[a-z0-9]*:{[A-Z0-9-]*}' "$U/dovecot/passwd"
ok $? "step 4: the new file gives every value its {SCHEME}"
switch_passdb "$T_DIR/old-passwd"
is "$(logins)" "" "step 5, rollback: everybody logs in with the old file again"
dovecot_auth_refused oscar wrong-pw; ok $? "a wrong password is still refused"

# Step 4, Postfix: main.cf switched to the new tables, the old one kept.
cp "$PF/main.cf" "$PF/main.cf.pre-udmail"
postconf -c "$PF" -e "virtual_alias_maps = lmdb:$U/maps/virtual" \
	"relay_recipient_maps = lmdb:$U/maps/relay_recipients" \
	"transport_maps = lmdb:$U/maps/transport" "alias_maps ="
lookup() { postmap -c "$PF" -q "$1" "$(postconf -c "$PF" -h "$2")"; }
lookup oscar@$D relay_recipient_maps >/dev/null
ok $? "step 4: main.cf's relay_recipient_maps is the new table, and lists oscar"
is "$(lookup oscar@$D transport_maps)" "smtp:[srs.example.org]" "step 4: transport_maps routes oscar to the SRS host"
cp "$PF/main.cf.pre-udmail" "$PF/main.cf"
is "$(lookup oscar@$D virtual_alias_maps | addrs | tr '\n' ' ')" \
	"oscar@backup.example.com oscar@example.net " "step 5, rollback: the old main.cf routes with the ldap: table again"
t_run "the old alias map still answers" postalias -c "$PF" -q oscar "hash:$OLD/forward-alias"
t_done
