#!/bin/bash
# t507-mailmap-resolve: `mailmap resolve` against a real Postfix moving
# messages.  Tables come from a Hiera export (no LDAP), and from
# hand-written maps for what our tables never hold (loops, catch-alls,
# error transports).  A throwaway Postfix on 127.0.0.1 plays each role
# with the settings of contrib/postfix; its delivery agents are
# discard(8), which logs the transport and next hop each recipient was
# handed.  For every address, Postfix's reply to RCPT must be the one
# mailmap predicts, and the recipients it delivers, with their
# transport and next hop, the "deliver" lines.  The client is outside
# mynetworks, as the prediction assumes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/lib/postfix-conf.sh"
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
need_cmd postfix postconf postmap swaks
[ "$(id -u)" = 0 ] || skip_all "starting a Postfix instance needs root"
getent passwd postfix >/dev/null || skip_all "no postfix user"
getent group postdrop >/dev/null || skip_all "no postdrop group"

# Postfix's daemons run as postfix and read the maps in here.
chmod 755 "$T_DIR"
U=$T_DIR/udmail
PF=$T_DIR/postfix
mkdir -p "$U/maps" "$U/state" "$U/hand" "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"

# --- the tables ---------------------------------------------------------
cat >"$U/udmail.yaml" <<EOF
user: $(id -un)
state_dir: $U/state
hiera:
  - $top_srcdir/tests/data/resolve/mail.yaml
transport_nexthop: "smtp:[srs.example.org]"
outputs:
  virtual:          { path: $U/maps/virtual }
  alias_domains:    { path: $U/maps/alias_domains }
  transport:        { path: $U/maps/transport }
  forward:          { path: $U/maps/forward }
  relay_recipients: { path: $U/maps/relay_recipients }
EOF
mailmap -c "$U/udmail.yaml" build >"$T_DIR/build.out" 2>&1 ||
	{ echo "Bail out! mailmap build failed"; exit 1; }

# The hand-made MX tables: what Postfix does with entries our model
# never writes.
cat >"$U/hand/virtual" <<'EOF'
stale@example.org	gone@example.net
@catch.example	@example.org
self@example.org	self@example.org, bob@example.net
team2@example.org	self@example.org, Self@Example.org, bob@example.org
bob@example.net	bob@example.org
loop1@example.org	loop2@example.org
loop2@example.org	loop1@example.org
EOF
printf 'example.net\texample.net\ncatch.example\tcatch.example\n' \
	>"$U/hand/alias_domains"
printf '%s\tOK\n' self@example.org bob@example.org nohop@example.org \
	bad@example.org gone@example.org x@deep.sub.example.org \
	>"$U/hand/relay_recipients"
cat >"$U/hand/transport" <<'EOF'
self@example.org	smtp:[srs.example.org]
bob@example.org	smtp:[srs.example.org]
gone@example.org	error:5.1.6 moved away
bad@example.org	smtp:
.sub.example.org	relay:[inner.example.org]
EOF
cat >"$U/hand.yaml" <<EOF
user: $(id -un)
domain: example.org
transport_nexthop: "smtp:[srs.example.org]"
outputs:
  virtual:          { path: $U/hand/virtual }
  alias_domains:    { path: $U/hand/alias_domains }
  transport:        { path: $U/hand/transport }
  relay_recipients: { path: $U/hand/relay_recipients }
EOF

# --- a throwaway Postfix ---------------------------------------------------
PORT=$(pick_port) || { echo "Bail out! no free port"; exit 1; }
pf_main_base "$PF" mx.test.invalid >"$PF/etc/main.cf"
cat >>"$PF/etc/main.cf" <<EOF
mynetworks = 192.0.2.1/32
smtputf8_enable = no
EOF
cp "$PF/etc/main.cf" "$PF/main.cf.base"
postconf -c "$PF/etc" -m 2>/dev/null | grep -qx lmdb ||
	skip_all "Postfix has no lmdb"
for m in virtual alias_domains relay_recipients transport; do
	postmap -c "$PF/etc" "lmdb:$U/hand/$m" ||
		{ echo "Bail out! postmap $m failed"; exit 1; }
done

# Every way out is discard(8) or error(8), each logging under its own
# service name: "postfix/SERVICE/PROGRAM[pid]: QID: to=<...>, ...".
cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n -  0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n -  - trivial-rewrite
bounce    unix - - n -  0 bounce
defer     unix - - n -  0 bounce
trace     unix - - n -  0 bounce
verify    unix - - n -  1 verify
proxymap  unix - - n -  - proxymap
showq     unix n - n -  - showq
anvil     unix - - n -  1 anvil
scache    unix - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
smtp      unix - - n -  - discard -o syslog_name=postfix/smtp
relay     unix - - n -  - discard -o syslog_name=postfix/relay
error     unix - - n -  - error -o syslog_name=postfix/error
retry     unix - - n -  - error -o syslog_name=postfix/retry
EOF
pf() { postfix -c "$PF/etc" "$@" >>"$T_DIR/postfix.out" 2>&1; }
pf start || { echo "Bail out! Postfix did not start"; cat "$T_DIR/postfix.out"; exit 1; }
wait_for 10 test -s "$PF/queue/pid/master.pid"
t_track_pid "$(tr -d ' ' <"$PF/queue/pid/master.pid")"
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" ||
	{ echo "Bail out! smtpd not listening"; exit 1; }

# role mx|srs|combined TABLEDIR: main.cf is the base above followed by
# contrib/postfix/main.cf-udmail with its table paths changed and the
# role flags set; no postsrsd here, so its two lookups are switched off.
role() {
	local mx="" srs=""
	case $1 in
	mx) mx=yes ;;
	srs) srs=yes ;;
	combined) mx=yes srs=yes ;;
	esac
	cp "$PF/main.cf.base" "$PF/etc/main.cf"
	pf_udmail_role "$PF/etc" "$2" "$mx" "$srs" "smtp:[srs.example.org]"
	postconf -c "$PF/etc" -e \
		"sender_canonical_maps =" "recipient_canonical_maps ="
	pf reload
	# running daemons finish their current job and restart
	sleep 1.5
}

# Predicted deliveries as "rcpt transport nexthop" lines, sorted.
predicted() {
	awk '/^deliver / {
		line = substr($0, 9); i = index(line, ": ")
		rcpt = substr(line, 1, i - 1); rest = substr(line, i + 2)
		if (rest ~ /^error \(/) {
			t = "error"; h = rest
			sub(/^error \([0-9]\.[0-9]+\.[0-9]+ /, "", h)
			sub(/\) BOUNCE$/, "", h)
		} else if (rest ~ /^relay \(/) {
			t = "relay"; h = rest
			sub(/^relay \(/, "", h); sub(/.s MX\).*$/, "", h)
		} else if (rest ~ /^smtp \(default_transport/) {
			t = "smtp"; h = rcpt; sub(/^.*@/, "", h)
		} else {
			th = rest; sub(/ \((relay_)?transport.*$/, "", th)
			t = th; sub(/:.*$/, "", t)
			h = th; sub(/^[^:]*:/, "", h)
			if (t == "error" || t == "retry")
				sub(/^[0-9]\.[0-9]+\.[0-9]+ /, "", h)
		}
		print tolower(rcpt) " " t " " h
	}' "$1" | sort
}

# What Postfix did with queue file QID, in the same form.
delivered() {
	sed -En "s/^.* postfix\/([a-z]+)\/[a-z]+\[[0-9]+\]: $1: to=<([^>]*)>.* status=[a-z]+ \((.*)\)\$/\2 \1 \3/p" \
		"$PF/maillog" | awk '{ $1 = tolower($1); print }' | sort
}

# check ROLE CONFIG ADDR: one RCPT test, and for an accepted address one
# delivery test.
check() {
	local role=$1 conf=$2 a=$3 pred rc reply want qid n
	mailmap -c "$conf" resolve --role "$role" "$a" >"$T_DIR/pred" 2>&1
	rc=$?
	pred=$(head -1 "$T_DIR/pred")
	swaks --server 127.0.0.1 --port "$PORT" --from s@sender.example \
		--to "$a" --hide-informational --suppress-data \
		>"$T_DIR/swaks" 2>&1
	reply=$(awk '/-> RCPT TO:/ { getline; sub(/^<[-*]+ +/, ""); print; exit }' \
		"$T_DIR/swaks")
	case $pred in
	*": refused ("*)
		want=${pred#*: refused (}
		is "$reply" "${want%)}" "$role $a: refused as predicted (exit $rc)"
		return ;;
	*": accepted ("*)
		like "$reply" "^250 " "$role $a: accepted as predicted (exit $rc)" ;;
	*)
		ok 1 "$role $a: mailmap says '$pred'"
		return ;;
	esac
	if grep -q '^deliver .*: refused at end of DATA (451 4\.6\.0 Alias expansion error' \
		"$T_DIR/pred"; then
		grep -q '^<\*\* 451 4\.6\.0 Alias expansion error$' "$T_DIR/swaks"
		ok $? "$role $a: refused at end of DATA as predicted"
		return
	fi
	qid=$(sed -n 's/.*queued as \([0-9A-F]*\).*/\1/p' "$T_DIR/swaks")
	n=$(grep -c '^deliver ' "$T_DIR/pred")
	for _ in $(seq 1 100); do
		[ -n "$qid" ] && [ "$(delivered "$qid" | wc -l)" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 0.2
	is "$(delivered "$qid")" "$(predicted "$T_DIR/pred")" \
		"$role $a: delivered as predicted"
}

generated="abuse@example.net abuse@lists.example.org Postmaster@Example.NET
	postmaster@example.org security@example.org team@example.org
	outside@example.org alice@example.org carol@example.org
	nobody@example.org nobody@example.net x@sub.example.org
	someone@elsewhere.example"
for r in mx srs combined; do
	role "$r" "$U/maps"
	for a in $generated; do
		check "$r" "$U/udmail.yaml" "$a"
	done
done

role mx "$U/hand"
for a in stale@example.org zed@catch.example self@example.org \
	team2@example.org nohop@example.org bad@example.org gone@example.org \
	x@deep.sub.example.org loop1@example.org; do
	check mx "$U/hand.yaml" "$a"
done

# The exit status says the same.
t_exit 0 "exit 0: accepted and delivered" \
	mailmap -c "$U/udmail.yaml" resolve abuse@example.net
t_exit 1 "exit 1: refused" \
	mailmap -c "$U/udmail.yaml" resolve nobody@example.org
t_exit 2 "exit 2: accepted, then a bounce" \
	mailmap -c "$U/hand.yaml" resolve stale@example.org
t_exit 0 "exit 0: no transport entry, relay_transport to the SRS host" \
	mailmap -c "$U/hand.yaml" resolve nohop@example.org
t_exit 3 "exit 3: up to postsrsd" \
	mailmap -c "$U/udmail.yaml" resolve --role mx SRS0=x=yy=a.example=b@example.org
t_exit 64 "unknown role" mailmap -c "$U/udmail.yaml" resolve --role relay a@example.org
t_exit 78 "a role whose table is not enabled" \
	mailmap -c "$U/udmail.yaml" resolve --role submission a@example.org
like "$(cat "$T_DIR/last.err")" "role submission reads output 'sender_login', which is not enabled" \
	"... says which output"

pf stop
plan "$T_NUM"
t_done
