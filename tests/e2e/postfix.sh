# shellcheck shell=bash
# Throwaway Postfix instances, postsrsd, Dovecot auth and an smtp-sink
# "outside world" for the end-to-end mail tests, all on 127.0.0.1.  Every
# instance's main.cf is a small test base (paths, ports, no DNS, the sink
# as relayhost) followed by contrib/postfix/main.cf-udmail VERBATIM with
# only its table paths and postsrsd ports changed; the submission role
# appends contrib/postfix/master.cf-submission with only its service
# names (ports) changed, and Dovecot includes
# contrib/dovecot/10-udmail-auth.conf with only its paths changed.  So the
# documentation cannot drift from what these tests prove.
# Needs root (Postfix's master runs as root and drops privileges).
#
#   pf_need                          skip_all unless everything is there
#   sink_start                       smtp-sink on $SINK_PORT, one file
#                                    per message under $SINK_DIR
#   srsd_start                       postsrsd (domain example.org) on
#                                    $SRSD_FWD / $SRSD_REV
#   pf_instance NAME PORT MAPS ROLES...  configure instance NAME, port 25
#                                    as 127.0.0.1:PORT, tables from MAPS,
#                                    roles mx, srs (main.cf flags) and
#                                    submission (master.cf services on
#                                    $PF_SUB_PORT / $PF_SUBS_PORT)
#   pf_start NAME / pf_stop NAME
#   pf_log NAME                      the instance's mail log file
#   pf_quiet NAME...                 wait until every queue is empty
#   dovecot_sasl_start NAME PASSWD   Dovecot auth for instance NAME
#   rcpt PORT FROM TO                RCPT answer line of a client that
#                                    stops after RCPT ("250 ...", "550 ...")
#   send PORT FROM TO ID             a message with Message-ID <ID>
#   sink_rcpts ID                    the sink's recipients of message ID
#   sink_sender ID                   the sink's envelope sender of ID
#   pf_to NAME ID                    "to" of each delivery of message ID
#                                    by NAME, as the log says
#                                    ("addr status relay" lines)

PF_CONTRIB=${top_srcdir:?}/contrib
. "$top_srcdir/tests/lib/postfix-conf.sh"
. "$top_srcdir/tests/lib/dovecot-conf.sh"

pf_need() {
	need_cmd postfix postconf postmap postqueue smtp-sink swaks postsrsd \
		dovecot doveadm openssl
	[ "$(id -u)" -eq 0 ] || skip_all "Postfix end-to-end tests must run as root"
	[ -r /etc/postfix/master.cf ] || skip_all "no /etc/postfix/master.cf"
	cat /etc/postfix/dynamicmaps.cf /etc/postfix/dynamicmaps.cf.d/* 2>/dev/null |
		grep -q "^lmdb[[:space:]]" || skip_all "postfix-lmdb not installed"
	getent passwd postfix >/dev/null || skip_all "no postfix user"
}

sink_start() {
	SINK_PORT=$(pick_port) || return 1
	SINK_DIR=$T_DIR/sink
	mkdir -p "$SINK_DIR"
	chown nobody "$SINK_DIR"
	chmod 0711 "$T_DIR"
	smtp-sink -u nobody -d "$SINK_DIR/m." \
		"127.0.0.1:$SINK_PORT" 50 >"$T_DIR/sink.log" 2>&1 &
	t_track_pid $!
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SINK_PORT"
}

srsd_start() {
	SRSD_FWD=$(pick_port) && SRSD_REV=$(pick_port) || return 1
	head -c 24 /dev/urandom | base64 >"$T_DIR/postsrsd.secret"
	chmod 0600 "$T_DIR/postsrsd.secret"
	postsrsd -s "$T_DIR/postsrsd.secret" -d example.org -l 127.0.0.1 \
		-f "$SRSD_FWD" -r "$SRSD_REV" -4 >"$T_DIR/postsrsd.log" 2>&1 &
	t_track_pid $!
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SRSD_REV"
}

# pf_instance NAME PORT MAPS ROLE...
pf_instance() {
	local name=$1 port=$2 maps=$3 d role mx="" srs="" sub=0
	shift 3
	for role in "$@"; do
		case $role in
		mx) mx=yes ;;
		srs) srs=yes ;;
		submission) sub=1 ;;
		*) echo "pf_instance: unknown role $role" >&2; return 1 ;;
		esac
	done
	d=$T_DIR/pf-$name
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	{
		echo "# test base for instance $name (tests/e2e/postfix.sh)"
		pf_main_base "$d" "$name.test.invalid"
	} >"$d/etc/main.cf"
	cat >>"$d/etc/main.cf" <<EOF
mail_owner = postfix
setgid_group = postdrop
mydomain = test.invalid
# every client is outside: only authenticated ones may relay
mynetworks =
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:$SINK_PORT
smtpd_tls_chain_files = $T_DIR/tls/key.pem, $T_DIR/tls/cert.pem
smtp_tls_security_level = none
biff = no
delay_warning_time = 0
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOF
	pf_udmail_role "$d/etc" "$maps" "$mx" "$srs" \
		"${PF_SRS_NEXTHOP:-smtp:[127.0.0.1]:1}"
	# Debian's master.cf with port 25 on 127.0.0.1:PORT and no chroot
	# (a chroot jail would need copies of /etc files in each queue).
	sed -e "s|^smtp      inet|127.0.0.1:$port inet|" /etc/postfix/master.cf \
		>"$d/etc/master.cf"
	if [ $sub = 1 ]; then
		PF_SUB_PORT=$(pick_port) && PF_SUBS_PORT=$(pick_port) || return 1
		sed -e "s|^submission inet|127.0.0.1:$PF_SUB_PORT inet|" \
			-e "s|^submissions inet|127.0.0.1:$PF_SUBS_PORT inet|" \
			-e "s|lmdb:/etc/postfix/maps/|lmdb:$maps/|" \
			"$PF_CONTRIB/postfix/master.cf-submission" >>"$d/etc/master.cf"
	fi
	postconf -c "$d/etc" -F '*/*/chroot = n'
	pf_tls
	postfix -c "$d/etc" check >"$d/check.out" 2>&1 ||
		{ sed 's/^/#   /' "$d/check.out"; return 1; }
}

pf_tls() {
	[ -f "$T_DIR/tls/cert.pem" ] && return 0
	mkdir -p "$T_DIR/tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj /CN=localhost -keyout "$T_DIR/tls/key.pem" \
		-out "$T_DIR/tls/cert.pem" >/dev/null 2>&1
}

pf_start() {
	local d=$T_DIR/pf-$1 _
	postfix -c "$d/etc" start >"$d/start.out" 2>&1 ||
		{ sed 's/^/#   /' "$d/start.out"; return 1; }
	# "postfix start" returns before master has written its pid; on a
	# loaded machine that can take seconds.
	for _ in $(seq 1 200); do
		[ -s "$d/queue/pid/master.pid" ] && break
		sleep 0.1
	done
	if [ ! -s "$d/queue/pid/master.pid" ]; then
		diag "Postfix $1 did not come up (a port taken meanwhile?):"
		tail -5 "$d/maillog" 2>/dev/null | sed 's/^/#   /'
		return 1
	fi
	t_track_pid "$(tr -d ' ' <"$d/queue/pid/master.pid")"
}

pf_stop() { postfix -c "$T_DIR/pf-$1/etc" stop >/dev/null 2>&1; }
pf_log() { echo "$T_DIR/pf-$1/maillog"; }

# pf_quiet NAME...: every queue empty (up to 30 s).
pf_quiet() {
	local n i busy
	for i in $(seq 1 150); do
		busy=0
		for n in "$@"; do
			postqueue -c "$T_DIR/pf-$n/etc" -p 2>/dev/null |
				grep -q '^Mail queue is empty' || busy=1
		done
		[ $busy = 0 ] && return 0
		[ $((i % 10)) = 0 ] && for n in "$@"; do
			postqueue -c "$T_DIR/pf-$n/etc" -f 2>/dev/null
		done
		sleep 0.2
	done
	return 1
}

# dovecot_sasl_start NAME PASSWD: Dovecot with only the passdb of
# contrib/dovecot/10-udmail-auth.conf (paths changed), its auth socket in
# instance NAME's queue.
dovecot_sasl_start() {
	local d=$T_DIR/dovecot-$1 q=$T_DIR/pf-$1/queue
	mkdir -p "$d/run" "$d/state"
	chmod 0755 "$d"
	{
		echo "# test base (tests/e2e/postfix.sh)"
		dovecot_conf_base "$d" "udmail-e2e-$1-$$"
	} >"$d/dovecot.conf"
	cat >>"$d/dovecot.conf" <<EOF
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
!include $d/udmail-auth.conf
EOF
	sed -e "s|/etc/dovecot/udmail/passwd|$2|" \
		-e "s|/var/spool/postfix/private/auth|$q/private/auth|" \
		"$PF_CONTRIB/dovecot/10-udmail-auth.conf" >"$d/udmail-auth.conf"
	dovecot -c "$d/dovecot.conf" >"$d/start.err" 2>&1 ||
		{ sed 's/^/#   /' "$d/start.err"; return 1; }
	# Tracked first, so that it is stopped even if it never gets ready.
	wait_for 5 test -s "$d/run/master.pid" || return 1
	t_track_pid "$(cat "$d/run/master.pid")"
	wait_for 5 test -S "$q/private/auth"
}

# rcpt PORT FROM TO: the server's answer to RCPT TO, one line.
rcpt() {
	swaks --server "127.0.0.1:$1" --from "$2" --to "$3" --quit-after RCPT --timeout 20 \
		</dev/null 2>&1 | awk '/ -> RCPT TO:/ { r = 1; next }
			r && /^<[-~*]/ { sub(/^<[-~*]+ +/, ""); print; exit }'
}

# send PORT FROM TO ID [swaks options...]: exit status of swaks.
send() {
	local port=$1 from=$2 to=$3 id=$4
	shift 4
	swaks --server "127.0.0.1:$port" --from "$from" --to "$to" --timeout 20 \
		--header "Message-Id: <$id>" --header "Subject: $id" \
		--body "udmail e2e $id" "$@" </dev/null >"$T_DIR/swaks-$id.out" 2>&1
}

# The sink's files of message ID.
sink_files() { grep -l -F "Message-Id: <$1>" "$SINK_DIR"/m.* 2>/dev/null; }
sink_rcpts() {
	local f
	for f in $(sink_files "$1"); do
		sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' "$f"
	done | tr 'A-Z' 'a-z' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
sink_sender() {
	local f
	for f in $(sink_files "$1"); do
		sed -n 's/^X-Mail-Args: <\([^>]*\)>.*/\1/p' "$f"
	done | sort -u
}

# pf_to NAME ID: "to orig_to status" of NAME's deliveries of message ID,
# sorted.
pf_to() {
	local log=$T_DIR/pf-$1/maillog q
	for q in $(sed -n "s/.* \([0-9A-F]\{6,\}\): message-id=<$2>.*/\1/p" "$log" | sort -u); do
		grep " $q: to=<" "$log" |
			sed -n 's/.* to=<\([^>]*\)>.* status=\([a-z]*\).*/\1 \2/p'
	done | sort -u
}
