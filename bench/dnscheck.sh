#!/bin/bash
# bench/dnscheck.sh: maildnscheck against a local unbound.  One domain with
# 2 MX hosts, 3 DKIM selectors and SPF with 4 includes (target < 0.1 s),
# then 100 such domains in one run (target < 5 s); side by side with
# dig + opendkim-testkey doing the checks they can do.  Then the same 100
# domains with --live, their MX hosts answering STARTTLS on a local test
# server (tests/integration/smtptls.py), and 99 healthy domains next to one
# whose server drops every query (per-domain deadline).  No assertions.
# Run from a built tree: bench/dnscheck.sh [N_DOMAINS]
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir
# a private parent for the temp dir: other runs may sweep /tmp/udmail-test.*
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/udmail-bench.XXXXXX") || exit 1
TMPDIR=$BENCH_TMP
. "$top_srcdir/tests/integration/lib.sh"
trap 't_cleanup; rmdir "$BENCH_TMP" 2>/dev/null' EXIT
. "$top_srcdir/tests/integration/unbound.sh"
need_cmd unbound dig openssl opendkim-genkey opendkim-testkey
N=${1:-100}
first=d$(seq -w 0 $((N - 1)) | head -1).test
MDC="$top_builddir/tools/maildnscheck"
cd "$T_DIR" || exit 1

for s in s1 s2 s3; do
	opendkim-genkey -b 2048 -d bench.test -s "$s" -D "$T_DIR" || exit 1
	p=$(grep -o '"[^"]*"' "$s.txt" | tr -d '"\n\t ' | sed 's/.*p=//')
	eval "p_$s=\$p"
done
frag='    local-zone: "test." static
    local-zone: "2.0.192.in-addr.arpa." static'
yaml="domains:"
for i in $(seq -w 0 $((N - 1))); do
	d="d$i.test"
	frag="$frag
    local-data: \"$d. 300 IN MX 10 mx1.$d.\"
    local-data: \"$d. 300 IN MX 20 mx2.$d.\"
    local-data: \"mx1.$d. 300 IN A 192.0.2.25\"
    local-data: \"mx2.$d. 300 IN A 192.0.2.26\"
    local-data: '$d. 300 IN TXT \"v=spf1 include:a.$d include:b.$d include:c.$d include:e.$d -all\"'
    local-data: '_dmarc.$d. 300 IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@$d\"'"
	for inc in a b c e; do
		frag="$frag
    local-data: '$inc.$d. 300 IN TXT \"v=spf1 ip4:192.0.2.0/28 -all\"'"
	done
	for s in s1 s2 s3; do
		eval "p=\$p_$s"
		frag="$frag
    local-data: '$s._domainkey.$d. 300 IN TXT \"v=DKIM1; k=rsa; p=${p:0:200}\" \"${p:200}\"'"
	done
	yaml="$yaml
  $d:
    mx: [{host: mx1.$d, pref: 10}, {host: mx2.$d, pref: 20}]
    spf: {must_pass: [192.0.2.1], must_fail: [203.0.113.7]}
    dmarc: {p: reject}
    dkim: {s1: {key: s1.private}, s2: {key: s2.private}, s3: {key: s3.private}}"
done
for i in $(seq -w 0 $((N - 1))); do
	d="v$i.test"
	frag="$frag
    local-data: \"$d. 300 IN MX 10 mx.$d.\"
    local-data: \"mx.$d. 300 IN A 127.0.0.1\"
    local-data: '$d. 300 IN TXT \"v=spf1 mx -all\"'
    local-data: '_dmarc.$d. 300 IN TXT \"v=DMARC1; p=reject\"'"
done
frag="$frag
    local-zone: \"dead.test.\" deny
    local-data-ptr: \"192.0.2.25 mx1.$first.\"
    local-data-ptr: \"192.0.2.26 mx2.$first.\""
printf '%s\n' "$yaml" >exp.yaml
ub_start "$frag" || { echo "unbound did not start"; exit 1; }
R="--resolver 127.0.0.1#$UB_PORT"
printf 'server:\n    do-not-query-localhost: no\n    local-zone: "test." nodefault\nforward-zone:\n    name: "."\n    forward-addr: 127.0.0.1@%s\n' "$UB_PORT" >ub-client.conf
printf 'ResolverConfiguration %s/ub-client.conf\n' "$T_DIR" >testkey.conf

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
reference_one() { # dig for MX/A/SPF/DMARC, opendkim-testkey per selector
	local d=$1 s
	dig +short @127.0.0.1 -p "$UB_PORT" "$d" MX >/dev/null
	dig +short @127.0.0.1 -p "$UB_PORT" "mx1.$d" A >/dev/null
	dig +short @127.0.0.1 -p "$UB_PORT" "mx2.$d" A >/dev/null
	dig +short @127.0.0.1 -p "$UB_PORT" "$d" TXT >/dev/null
	dig +short @127.0.0.1 -p "$UB_PORT" "_dmarc.$d" TXT >/dev/null
	for s in s1 s2 s3; do
		opendkim-testkey -x testkey.conf -d "$d" -s "$s" -k "$s.private" >/dev/null 2>&1
	done
}

"$MDC" -c exp.yaml $R --allow-reserved $first >/dev/null # warm the cache
runs=10
t0=$(now); for _ in $(seq $runs); do "$MDC" -c exp.yaml $R --allow-reserved --format nagios $first >/dev/null; done; t1=$(now)
one=$(calc "($t1 - $t0) / $runs")
t0=$(now); for _ in $(seq $runs); do reference_one $first; done; t1=$(now)
ref_one=$(calc "($t1 - $t0) / $runs")
t0=$(now); "$MDC" -c exp.yaml $R --allow-reserved --format nagios >/dev/null; rc=$?; t1=$(now)
all=$(calc "$t1 - $t0")
t0=$(now); for i in $(seq -w 0 $((N - 1))); do reference_one "d$i.test"; done; t1=$(now)
ref_all=$(calc "$t1 - $t0")

# --live: STARTTLS on every MX, one local server standing in for all
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=mx.bench.test -keyout mx.key -out mx.pem -days 30 2>/dev/null
P_SMTP=$(pick_port)
python3 "$top_srcdir/tests/integration/smtptls.py" "$P_SMTP" starttls mx.pem mx.key &
t_track_pid $!
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P_SMTP"
live_domains=$(for i in $(seq -w 0 $((N - 1))); do printf 'v%s.test ' "$i"; done)
# shellcheck disable=SC2086
t0=$(now); "$MDC" $R --allow-reserved --live --port-map "25=$P_SMTP" --format nagios $live_domains >live.out; lrc=$?; t1=$(now)
live_all=$(calc "$t1 - $t0")
lprobes=$(grep -c 'tls.ok' <("$MDC" $R --allow-reserved --live -v --port-map "25=$P_SMTP" --format nagios $live_domains))
# one dead domain among healthy ones: bounded by its deadline
dead_domains="dead.test $(for i in $(seq -w 1 $((N - 1))); do printf 'v%s.test ' "$i"; done)"
# shellcheck disable=SC2086
t0=$(now); "$MDC" $R --allow-reserved --live --port-map "25=$P_SMTP" --deadline 3 --format nagios $dead_domains >/dev/null; drc=$?; t1=$(now)
dead_all=$(calc "$t1 - $t0")
q=$("$MDC" -c exp.yaml $R --allow-reserved --format json $first | python3 -c 'import json,sys; print(json.load(sys.stdin)["domains"][0]["dns_queries"])')
printf '%-44s %10s %10s %8s\n' "case" "maildnscheck" "dig+testkey" "ratio"
printf '%-44s %9.3fs %9.3fs %7.1fx\n' "1 domain (2 MX, 3 DKIM, SPF 4 includes)" "$one" "$ref_one" "$(calc "$ref_one / $one")"
printf '%-44s %9.3fs %9.3fs %7.1fx\n' "$N domains, one run (exit $rc)" "$all" "$ref_all" "$(calc "$ref_all / $all")"
printf '# maildnscheck: %s DNS queries per domain, also SPF check_host, DMARC, PTR;\n' "$q"
printf '# reference: 5 dig lookups + opendkim-testkey x3 (no SPF evaluation, no FCrDNS, no drift)\n'
printf '%-44s %9.3fs\n' "$N domains --live, STARTTLS (exit $lrc)" "$live_all"
printf '%-44s %9.3fs\n' "1 dead + $((N - 1)) live, --deadline 3 (exit $drc)" "$dead_all"
printf '# --live: %s TLS handshakes; per domain %.3f s\n' "$lprobes" "$(calc "$live_all / $N")"
printf '# targets: 1 domain < 0.1 s, %s domains < 5 s (live included), a dead domain costs its deadline\n' "$N"
