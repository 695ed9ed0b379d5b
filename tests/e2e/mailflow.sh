# shellcheck shell=bash
# The end-to-end mail flow, run by t800 (MX, SRS and submission on three
# Postfix instances, as on three hosts) and t801 (one instance playing
# every role).  A throwaway slapd with tests/data/ldap/sample.ldif and the
# demo Hiera export feed one mailsyncd per host; real Postfix routes real
# messages; smtp-sink is the outside world; postsrsd rewrites senders;
# Dovecot checks SMTP AUTH.  What is asserted is what Postfix did: RCPT
# answers, the recipients and envelope sender the sink received, the
# queues and the logs (no bounce, nothing deferred), and that
# `mailmap resolve` predicted each of it.
#
# Test passwords below are throwaway values from sample.ldif; swaks takes
# them on its command line, which is acceptable for test data only.

. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/e2e/postfix.sh"
slapd_require
pf_need
need_cmd ldapmodify
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"

OUTSIDE=sender@outside.example

# host_conf NAME NEXTHOP OUTPUT...: $T_DIR/NAME/udmail.yaml, tables in
# $T_DIR/NAME/maps, passwd-file in $T_DIR/NAME/dovecot.
host_conf() {
	local name=$1 nexthop=$2 h=$T_DIR/$1 o
	shift 2
	mkdir -p "$h/maps" "$h/dovecot" "$h/state"
	chmod 0755 "$h" "$h/maps" "$h/dovecot"
	{
		echo "user: $(id -un)"
		echo "domain: example.org"
		echo "state_dir: $h/state"
		echo "metrics_file: $h/state/udmail.prom"
		echo "hiera: [ $T_DIR/hiera/mail.yaml ]"
		echo "transport_nexthop: \"$nexthop\""
		echo "ldap:"
		echo "  uri: $SLAPD_URI"
		echo "  bind_dn: $SLAPD_SYNC_DN"
		echo "  bind_password_file: $SLAPD_SYNC_PW_FILE"
		echo "  base: $SLAPD_USERS"
		echo "outputs:"
		for o in "$@"; do
			case $o in
			passwd) echo "  passwd: { path: $h/dovecot/passwd, group: dovecot }" ;;
			*) echo "  $o: { path: $h/maps/$o, format: lmdb }" ;;
			esac
		done
	} >"$h/udmail.yaml"
}

# sync_start NAME: mailsyncd for host NAME, until its first publish.
sync_start() {
	mailsyncd -c "$T_DIR/$1/udmail.yaml" -v --interval 3600 \
		2>"$T_DIR/$1/mailsyncd.log" &
	t_track_pid $!
	wait_for 15 grep -q "watching ou=users" "$T_DIR/$1/mailsyncd.log"
}

# expect_rcpt PORT ADDR accepted|refused ROLE: Postfix's RCPT answer, and
# mailmap resolve's prediction for ROLE on host HOSTCONF.
expect_rcpt() {
	local port=$1 addr=$2 want=$3 role=$4 conf=$5 got pred
	got=$(rcpt "$port" "$OUTSIDE" "$addr")
	case $got in
	2*) got=accepted ;;
	[45]*) got="refused" ;;
	*) got="no answer ($got)" ;;
	esac
	is "$got" "$want" "RCPT $addr: $want"
	pred=$(mailmap -c "$conf" resolve --role "$role" "$addr" 2>&1 | head -1)
	case $pred in
	"RCPT "*": accepted"*) pred=accepted ;;
	"RCPT "*": refused"*) pred=refused ;;
	esac
	is "$pred" "$got" "mailmap resolve --role $role predicts RCPT $addr"
}

# resolve_finals CONF ROLE ADDR: the final recipients mailmap resolve
# predicts (the "deliver X: ..." lines), sorted, space separated.
resolve_finals() {
	mailmap -c "$1" resolve --role "$2" "$3" 2>/dev/null </dev/null |
		sed -n 's/^deliver \([^:]*\):.*/\1/p' | sort -u | tr '\n' ' ' |
		sed 's/ $//'
}

# predict_finals LAYOUT ADDR: the outside world's recipients of a message
# to ADDR as mailmap resolve predicts them: on separate hosts, each of the
# MX's deliveries resolved again as the SRS host.
predict_finals() {
	local x
	if [ "$1" = combined ]; then
		resolve_finals "$T_DIR/all/udmail.yaml" combined "$2"
		return
	fi
	for x in $(resolve_finals "$T_DIR/mx/udmail.yaml" mx "$2"); do
		resolve_finals "$T_DIR/srs/udmail.yaml" srs "$x" | tr ' ' '\n'
		echo
	done | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ---------------------------------------------------------------------
# mailflow LAYOUT: separate | combined
mailflow() {
	local layout=$1 mx_port srs_port sub_port mx srs sub id a i role=mx
	local -A final

	slapd_setup
	slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
	slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
	mkdir -p "$T_DIR/hiera"
	cp "$top_srcdir/tests/data/demo/mail.yaml" "$T_DIR/hiera/mail.yaml"
	sink_start || { echo "Bail out! smtp-sink did not start"; exit 1; }
	srsd_start || { echo "Bail out! postsrsd did not start"; exit 1; }

	mx_port=$(pick_port)
	if [ "$layout" = separate ]; then
		srs_port=$(pick_port)
		mx=mx srs=srs sub=sub
		host_conf mx "smtp:[127.0.0.1]:$srs_port" virtual alias_domains \
			relay_recipients transport
		host_conf srs "smtp:[127.0.0.1]:1" forward
		host_conf sub "smtp:[127.0.0.1]:1" sender_login passwd
		for h in mx srs sub; do
			sync_start $h; ok $? "mailsyncd for host $h published and watches LDAP"
		done
		PF_SRS_NEXTHOP="smtp:[127.0.0.1]:$srs_port"
		pf_instance mx "$mx_port" "$T_DIR/mx/maps" mx &&
			pf_instance srs "$srs_port" "$T_DIR/srs/maps" srs &&
			pf_instance sub "$(pick_port)" "$T_DIR/sub/maps" submission
		ok $? "three Postfix instances configured from contrib/postfix"
		pf_start mx && pf_start srs && pf_start sub
		ok $? "three Postfix instances started"
	else
		mx=all srs=all sub=all srs_port=$mx_port role=combined
		# The transport table is built as the MX role needs it; its
		# next hop is a closed port, so if Postfix ever used it here,
		# the mail would be deferred and the test would see it.
		host_conf all "smtp:[127.0.0.1]:1" virtual alias_domains \
			relay_recipients transport forward sender_login passwd
		sync_start all; ok $? "mailsyncd for the combined host published and watches LDAP"
		pf_instance all "$mx_port" "$T_DIR/all/maps" mx srs submission
		ok $? "one Postfix instance configured from contrib/postfix with every role"
		pf_start all; ok $? "Postfix started"
	fi
	sub_port=$PF_SUB_PORT
	dovecot_sasl_start "$sub" "$T_DIR/$sub/dovecot/passwd"
	ok $? "Dovecot started with contrib/dovecot/10-udmail-auth.conf"

	# --- RCPT: every address accepted or refused, as predicted -------
	for a in postmaster@example.org abuse@example.org security@example.org \
		alice@example.org Bob@Example.ORG board@example.org \
		dave@example.org heidi@example.org listmaster@example.org \
		postmaster@mail.example.org abuse@members.example.org \
		alice@mail.example.org board@members.example.org; do
		expect_rcpt "$mx_port" "$a" accepted $role "$T_DIR/$mx/udmail.yaml"
	done
	for a in carol@example.org judy@example.org webmaster@example.org \
		nobody@example.org nobody@members.example.org \
		carol@mail.example.org judy@members.example.org \
		someone@elsewhere.example; do
		expect_rcpt "$mx_port" "$a" refused $role "$T_DIR/$mx/udmail.yaml"
	done
	if [ "$layout" = separate ]; then
		# The SRS host takes only forwarded addresses.
		expect_rcpt "$srs_port" alice@example.org accepted srs "$T_DIR/srs/udmail.yaml"
		expect_rcpt "$srs_port" postmaster@example.org refused srs "$T_DIR/srs/udmail.yaml"
		expect_rcpt "$srs_port" carol@example.org refused srs "$T_DIR/srs/udmail.yaml"
	fi

	# --- delivery: the outside world receives what was expected ------
	final[postmaster@example.org]="alice@example.net bob.backup@example.com bob@example.net"
	final[abuse@members.example.org]=${final[postmaster@example.org]}
	final[security@example.org]="alice@example.net sec-team@partner.example.com"
	final[alice@mail.example.org]="alice@example.net"
	final[bob@example.org]="bob.backup@example.com bob@example.net"
	final[board@members.example.org]="chair@board.example.net treasurer@board.example.net"
	final[dave@example.org]="dave@example.net"
	final[listmaster@example.org]="listmaster@lists.example.net"
	i=0
	for a in "${!final[@]}"; do
		i=$((i + 1))
		send "$mx_port" "$OUTSIDE" "$a" "flow$i@test.invalid" ||
			diag "swaks to $a failed: $(tail -3 "$T_DIR/swaks-flow$i@test.invalid.out")"
	done
	pf_quiet "$mx" "$srs" "$sub"; ok $? "every queue drained"
	i=0
	for a in "${!final[@]}"; do
		i=$((i + 1))
		id=flow$i@test.invalid
		is "$(sink_rcpts "$id")" "${final[$a]}" "$a reached its final recipients"
		like "$(sink_sender "$id")" "^SRS0=[^=]+=[^=]+=outside\.example=sender@example\.org$" \
			"$a: envelope sender SRS-rewritten"
		if [ "$layout" = separate ]; then
			# The MX hands over what mailmap resolve says it does.
			is "$(pf_to mx "$id" | awk '$2 == "sent" { print $1 }' | sort -u | tr '\n' ' ' | sed 's/ $//')" \
				"$(resolve_finals "$T_DIR/mx/udmail.yaml" mx "$a")" \
				"$a: the MX's deliveries are the ones mailmap resolve predicts"
		fi
		is "$(predict_finals "$layout" "$a")" \
			"${final[$a]}" "$a: mailmap resolve predicts the same final recipients"
	done

	# --- a bounce comes back through the MX to the original sender ----
	srs_addr=$(sink_sender flow1@test.invalid | head -1)
	case $srs_addr in
	SRS0=*@example.org) ;;
	*) diag "no SRS sender seen at the sink ('$srs_addr'): using a made-up one"
	   srs_addr=SRS0=none=XX=outside.example=sender@example.org ;;
	esac
	like "$(rcpt "$mx_port" "" "$srs_addr")" "^250" "MX accepts a bounce to $srs_addr"
	send "$mx_port" "" "$srs_addr" bounce1@test.invalid; ok $? "bounce sent to the MX"
	like "$(rcpt "$mx_port" "" "SRS0=abcd=XY=outside.example=sender@example.org")" "^5" \
		"MX refuses a forged SRS address"
	pf_quiet "$mx" "$srs" "$sub"
	is "$(sink_rcpts bounce1@test.invalid)" "$OUTSIDE" "the bounce reached the original sender"

	# --- submission: AUTH and sender logins ---------------------------
	auth() { # auth USER PASSWORD FROM ID
		send "$sub_port" "$3" "friend@outside.example" "$4" -tls \
			--auth PLAIN --auth-user "$1" --auth-password "$2"
	}
	auth alice alice-mail-pw-1 alice@example.org sub1@test.invalid; ok $? "alice (ARGON2ID) authenticates and sends as herself"
	auth ALICE alice-mail-pw-1 alice@members.example.org sub2@test.invalid; ok $? "upper-case login, alias-domain sender"
	auth bob bob-mail-pw-2 postmaster@example.org sub3@test.invalid; ok $? "bob (SHA512-CRYPT) sends as postmaster (Hiera sender_logins)"
	auth alice wrong-password alice@example.org sub4@test.invalid
	ok $((! $?)) "wrong password refused"
	grep -q "535 5.7.8" "$T_DIR/swaks-sub4@test.invalid.out"; ok $? "... with 535 5.7.8"
	auth dave dave-mail-pw-4 dave@example.org sub5@test.invalid
	ok $((! $?)) "locked account cannot authenticate"
	auth heidi erin-mail-pw-5 heidi@example.org sub6@test.invalid
	ok $((! $?)) "expired account cannot authenticate"
	auth alice alice-mail-pw-1 bob@example.org sub7@test.invalid
	grep -q "553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice" \
		"$T_DIR/swaks-sub7@test.invalid.out"
	ok $? "sender login mismatch refused"
	send "$sub_port" alice@example.org friend@outside.example sub8@test.invalid -tls
	ok $((! $?)) "no relaying without AUTH on the submission port"
	pf_quiet "$mx" "$srs" "$sub"
	is "$(sink_rcpts sub1@test.invalid)" "friend@outside.example" "submitted mail reached the outside"
	is "$(sink_sender sub1@test.invalid)" "alice@example.org" "our own sender is not SRS-rewritten"
	is "$(sink_rcpts sub7@test.invalid)" "" "refused mail never left"

	# --- changes reach Postfix through mailsyncd, no reload -----------
	ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=carol,$SLAPD_USERS
changetype: modify
add: emailForward
emailForward: carol@new.example
LDIF
	wait_for 15 sh -c "$(declare -f rcpt); rcpt $mx_port $OUTSIDE carol@example.org | grep -q ^250"
	ok $? "a new forward: the MX accepts carol@example.org within seconds"
	send "$mx_port" "$OUTSIDE" carol@mail.example.org live1@test.invalid
	pf_quiet "$mx" "$srs" "$sub"
	is "$(sink_rcpts live1@test.invalid)" "carol@new.example" "... and the message reaches the new forward"
	pwline() { awk -F: '$1 == "alice"' "$T_DIR/$sub/dovecot/passwd" | sha256sum; }
	before=$(pwline)
	# The hash goes to ldapmodify on stdin, never on a command line.
	hash=$(printf 'alice-new-pw-77\n' | mailpw hash)
	ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null <<LDIF
dn: uid=alice,$SLAPD_USERS
changetype: modify
replace: mailPassword
mailPassword: $hash
LDIF
	unset hash
	for _ in $(seq 1 150); do [ "$(pwline)" != "$before" ] && break; sleep 0.1; done
	sleep 1.1 # Dovecot checks the file's mtime at most once a second
	auth alice alice-new-pw-77 alice@example.org live2@test.invalid; ok $? "a password change: the new password works at SMTP AUTH"
	auth alice alice-mail-pw-1 alice@example.org live3@test.invalid
	ok $((! $?)) "... and the old one no longer does"

	# --- nothing bounced, nothing deferred, nothing left ---------------
	pf_quiet "$mx" "$srs" "$sub"; ok $? "queues empty at the end"
	for h in $(printf '%s\n' "$mx" "$srs" "$sub" | sort -u); do
		bad=$(grep -E 'status=(bounced|deferred)|sender non-delivery notification' "$(pf_log "$h")")
		is "$bad" "" "$h: no bounce and nothing deferred in the log"
	done
	is "$(grep -l -F "X-Rcpt-Args: <$OUTSIDE>" "$SINK_DIR"/m.* 2>/dev/null | wc -l)" 1 \
		"the outside sender got exactly one message: the bounce it sent itself"
	echo "1..$T_NUM"
	t_done
}
