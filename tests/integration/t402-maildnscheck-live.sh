#!/bin/bash
# maildnscheck --live against local servers only: a signed zone on a
# throwaway unbound, SMTP STARTTLS and implicit-TLS endpoints and an
# HTTPS server for the MTA-STS policy (tests/integration/smtptls.py,
# httpstls.py), all on 127.0.0.1, reached through --port-map.  The CA
# and every certificate are made here.
# shellcheck disable=SC2154 # set by make check or lib.sh
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/unbound.sh"
need_cmd unbound dig openssl ldns-keygen ldns-signzone python3
MDC="${top_builddir:?}/tools/maildnscheck"
cd "$T_DIR" || exit 1

# --- certificates: a CA, leaves it signs, one self-signed ---------------
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
# shellcheck disable=SC2086
openssl req -x509 $ec -subj "/CN=Test CA" -keyout ca.key -out ca.pem \
	-days 30 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=keyCertSign 2>/dev/null || exit 1
leaf() { # FILE NAME DAYS
	# shellcheck disable=SC2086
	openssl req $ec -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" \
		2>/dev/null &&
		printf 'subjectAltName=DNS:%s\n' "$2" >"$1.ext" &&
		openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days "$3" -extfile "$1.ext" -out "$1.pem" \
			2>/dev/null
}
leaf mx mx.live.test 90 || exit 1
leaf other mx.live.test 90 || exit 1      # valid, but not the published key
leaf sub smtp.live.test 90 || exit 1
leaf soon smtp.live.test 5 || exit 1      # expires in 5 days
leaf wrong www.example.test 90 || exit 1  # another name
leaf sts mta-sts.live.test 90 || exit 1
# DANE-TA (RFC 7672 §3.1.2): the server sends the trust anchor too
cat sub.pem ca.pem >subchain.pem && cp sub.key subchain.key
cat soon.pem ca.pem >soonchain.pem && cp soon.key soonchain.key
spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -r | cut -d' ' -f1; }

# --- the zone, signed ----------------------------------------------------
cat >live.test.zone <<EOZ
\$ORIGIN live.test.
\$TTL 300
@ SOA ns.live.test. h.live.test. 1 3600 600 86400 300
@ NS ns
ns A 127.0.0.1
@ MX 10 mx
mx A 127.0.0.1
smtp A 127.0.0.1
mta-sts A 127.0.0.1
_25._tcp.mx TLSA 3 1 1 $(spki mx.pem)
_465._tcp.smtp TLSA 2 1 1 $(spki ca.pem)
_587._tcp.smtp TLSA 2 1 1 $(spki ca.pem)
_submissions._tcp SRV 0 1 465 smtp
_submission._tcp SRV 0 1 587 smtp
_mta-sts TXT "v=STSv1; id=2026a"
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@live.test"
@ TXT "v=spf1 mx -all"
_dmarc TXT "v=DMARC1; p=reject"
EOZ
ub_sign live.test live.test.zone || skip_all "ldns-signzone failed"
frag="$(cat <<EOF2
    local-zone: "test." static
    local-zone: "live.test." transparent
#AUTH
$(ub_auth_zone live.test live.test.zone.signed)
EOF2
)"
ub_start "$frag" || { echo "1..0 # SKIP unbound did not start"; exit 0; }
R="--resolver 127.0.0.1#$UB_PORT --trust-anchor $T_DIR/ta.ds"

# --- servers ---------------------------------------------------------------
server() { # VAR MODE CERT: start smtptls.py, set VAR to its port
	local p
	p=$(pick_port) || return 1
	python3 "$top_srcdir/tests/integration/smtptls.py" "$p" "$2" "$3.pem" "$3.key" &
	t_track_pid $!
	printf -v "$1" '%s' "$p"
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p"
}
server P_MX starttls mx || exit 1
server P_OTHER starttls other || exit 1
server P_PLAIN nostarttls mx || exit 1
server P_SILENT silent mx || exit 1
server P_SUB starttls subchain || exit 1
server P_SUBS implicit subchain || exit 1
server P_NOTA implicit sub || exit 1
server P_SOON implicit soonchain || exit 1
server P_WRONG starttls wrong || exit 1
mkdir -p www/.well-known
policy() { printf 'version: STSv1\r\nmode: %s\r\n%bmax_age: 604800\r\n' "$1" "$2" >www/.well-known/mta-sts.txt; }
policy enforce 'mx: mx.live.test\r\n'
P_HTTPS=$(pick_port) || exit 1
python3 "$top_srcdir/tests/integration/httpstls.py" "$P_HTTPS" www sts.pem sts.key 2>/dev/null &
t_track_pid $!
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P_HTTPS" || exit 1

cat >exp.yaml <<EOF
domains:
  live.test:
    dane: required
    mta_sts: {mode: enforce, mx: [mx.live.test]}
    tlsrpt: {rua: ["mailto:tls@live.test"]}
    tls:
      mx.live.test: {cert: mx.pem}
EOF
plan 29
ids() { # FILE: "id:STATUS" of every finding
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["domains"][0]
print(" ".join(f["id"]+":"+f["status"]+":"+str(f["subject"]) for f in d["findings"]))' "$1"
}
live() { # PORT25 PORT465 PORT587 [args]: run --live, JSON in live.json
	local p25=$1 p465=$2 p587=$3
	shift 3
	"$MDC" -c exp.yaml $R --allow-reserved --live --live-timeout 2 \
		--ca-file ca.pem --format json \
		--port-map "25=$p25,465=$p465,587=$p587,443=$P_HTTPS" "$@" live.test >live.json
}

# everything right
live "$P_MX" "$P_SUBS" "$P_SUB"
rc=$?
got=$(ids live.json)
like "$got" 'tls.ok:OK:mx.live.test\[127.0.0.1\]:25' "MX: STARTTLS works"
like "$got" 'tls.dane.match:OK:mx.live.test\[127.0.0.1\]:25' "MX: chain matches DANE-EE 3 1 1"
like "$got" 'tls.dane.match:OK:smtp.live.test\[127.0.0.1\]:465' "465: chain matches DANE-TA 2 1 1 with the name"
like "$got" 'tls.ok:OK:smtp.live.test\[127.0.0.1\]:587' "587: STARTTLS works"
like "$got" 'tls.cert.current:OK' "MX serves the expected current key"
like "$got" 'mtasts.policy:OK' "MTA-STS policy fetched over HTTPS"
like "$got" 'tlsrpt.record:OK' "TLS-RPT record"
r=0; printf '%s' "$got" | grep -Eq ':(CRITICAL|UNKNOWN):' && r=1
ok $r "no CRITICAL or UNKNOWN when all is right (exit $rc)"
[ "$rc" -le 1 ]
ok $? "exit $rc is OK or WARNING"

# the MX serves another key than its DANE-EE record: DANE senders stop
live "$P_OTHER" "$P_SUBS" "$P_SUB"
is "$?" 2 "wrong MX key: CRITICAL"
got=$(ids live.json)
like "$got" 'tls.dane.mismatch:CRITICAL:mx.live.test' "tls.dane.mismatch CRITICAL"
like "$got" 'tls.cert.unexpected:WARNING' "not the expected current key"

"$MDC" -c exp.yaml $R --allow-reserved --live --ca-file ca.pem --format nagios \
	--port-map "25=$P_MX,465=$P_SUBS,587=$P_SUB,443=$P_HTTPS" live.test >nagios.out
like "$(head -1 nagios.out)" "'tls_cert_days'=(89|90);21:;7:;;" "perfdata: days left of the soonest certificate"

# DANE-TA needs the trust anchor in the chain the server sends
live "$P_MX" "$P_NOTA" "$P_SUB"
like "$(ids live.json)" 'tls.dane.mismatch:CRITICAL:smtp.live.test\[127.0.0.1\]:465' "DANE-TA without the CA sent: mismatch"

# no STARTTLS on the MX, with DANE published
live "$P_PLAIN" "$P_SUBS" "$P_SUB"
like "$(ids live.json)" 'tls.starttls.missing:CRITICAL:mx.live.test' "no STARTTLS under DANE: CRITICAL"

# submission certificate expiring in 5 days, and one for another name
live "$P_MX" "$P_SOON" "$P_WRONG"
got=$(ids live.json)
like "$got" 'tls.cert.expiring:CRITICAL:smtp.live.test\[127.0.0.1\]:465' "expires in 5 days: CRITICAL"
like "$got" 'tls.cert.name:CRITICAL:smtp.live.test\[127.0.0.1\]:587' "certificate for another name: CRITICAL on submission"
like "$(python3 -c 'import json; d=json.load(open("live.json"))["domains"][0]
print([m["value"] for m in d["metrics"] if m["name"]=="tls_cert_days" and m["labels"]["host"].endswith(":465")][0])')" '^[45](\.0)?$' "days left as a metric"

# a server that accepts and says nothing costs the per-host time only
t0=$(date +%s.%N)
live "$P_SILENT" "$P_SUBS" "$P_SUB"
t1=$(date +%s.%N)
got=$(ids live.json)
like "$got" 'tls.handshake:CRITICAL:mx.live.test' "silent MX: handshake fails"
awk "BEGIN { exit !($t1 - $t0 < 4) }"
ok $? "silent MX bounded by --live-timeout 2: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"

# MTA-STS: the policy does not cover the MX, in enforce mode
policy enforce 'mx: mail.live.test\r\n'
live "$P_MX" "$P_SUBS" "$P_SUB"
got=$(ids live.json)
like "$got" 'mtasts.mx.uncovered:CRITICAL:mx.live.test' "MX outside the enforce policy: CRITICAL"
like "$got" 'mtasts.mx.unused:WARNING' "stale mx line"
like "$got" 'mtasts.mx.drift:WARNING' "expected mx line missing"
policy testing 'mx: mx.live.test\r\n'
live "$P_MX" "$P_SUBS" "$P_SUB"
like "$(ids live.json)" 'mtasts.mode.weaker:CRITICAL' "testing where enforce is expected"
printf 'version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n' >www/.well-known/mta-sts.txt
live "$P_MX" "$P_SUBS" "$P_SUB"
like "$(ids live.json)" 'mtasts.policy.invalid:CRITICAL' "policy without mx: invalid"
policy enforce 'mx: mx.live.test\r\n'

# the policy host's certificate is not trusted without the CA
"$MDC" -c exp.yaml $R --allow-reserved --live --live-timeout 2 --format json \
	--port-map "25=$P_MX,465=$P_SUBS,587=$P_SUB,443=$P_HTTPS" live.test >live.json
got=$(ids live.json)
like "$got" 'mtasts.policy.tls:CRITICAL' "untrusted policy host: CRITICAL when enforce is expected"
like "$got" 'tls.cert.untrusted:CRITICAL:smtp.live.test' "untrusted submission certificate"

# without --live nothing connects, and the expected mode still fetches
"$MDC" -c exp.yaml $R --allow-reserved --ca-file ca.pem --format json \
	--port-map "443=$P_HTTPS" live.test >live.json
got=$(ids live.json)
r=0; printf '%s' "$got" | grep -q 'tls\.' && r=1
ok $r "no tls.* finding without --live"
like "$got" 'mtasts.policy:OK' "expected mta_sts: the policy is fetched anyway"
t_done
