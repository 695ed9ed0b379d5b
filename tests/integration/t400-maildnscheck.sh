#!/bin/bash
# maildnscheck against a real unbound serving fixture zones: a good
# domain, a domain with one broken record per rule, a DNSSEC-signed zone
# (secure), one with expired signatures (bogus) and one the server drops
# (timeout -> UNKNOWN, never "missing").  Keys and certificates are made
# here with openssl and opendkim-genkey.
# shellcheck disable=SC2154 # set by make check or lib.sh
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/unbound.sh"
need_cmd unbound dig openssl opendkim-genkey ldns-keygen ldns-signzone python3
MDC="${top_builddir:?}/tools/maildnscheck"
cd "$T_DIR" || exit 1

# --- fixtures: keys and certificates ---------------------------------
opendkim-genkey -b 2048 -d good.test -s sel1 -D "$T_DIR" || exit 1
openssl genpkey -algorithm ed25519 -out ed1.pem 2>/dev/null || exit 1
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out wrong.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mx.signed.test \
	-keyout cur.key -out cur.pem -days 2 2>/dev/null || exit 1
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out next.key 2>/dev/null
# p= of the opendkim TXT file, joined
sel1_p=$(grep -o '"[^"]*"' sel1.txt | tr -d '"\n\t ' | sed 's/.*p=//')
ed1_p=$(openssl pkey -in ed1.pem -pubout -outform DER | tail -c 32 | openssl base64 -A)
cur_311=$(openssl x509 -in cur.pem -noout -pubkey | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -r | cut -d' ' -f1)
# a local-data TXT line with strings of at most 200 octets
txt() { # NAME TEXT
	printf "    local-data: '%s. 300 IN TXT" "$1"
	printf '%s' "$2" | fold -w 200 | while IFS= read -r s || [ -n "$s" ]; do printf ' "%s"' "$s"; done
	printf "'\n"
}

# --- zones -------------------------------------------------------------
cat >signed.test.zone <<EOZ
\$ORIGIN signed.test.
\$TTL 300
@ SOA ns.signed.test. h.signed.test. 1 3600 600 86400 300
@ NS ns
ns A 192.0.2.53
@ MX 10 mx
mx A 192.0.2.40
_25._tcp.mx TLSA 3 1 1 $cur_311
@ TXT "v=spf1 mx -all"
_dmarc TXT "v=DMARC1; p=reject"
EOZ
sed 's/signed\.test/bogus.test/g; s/192\.0\.2\.40/192.0.2.41/' signed.test.zone >bogus.test.zone
# only a PKIX-EE record: senders fall back to unauthenticated TLS
sed 's/signed\.test/pkix.test/g; s/TLSA 3 1 1/TLSA 1 1 1/' signed.test.zone >pkix.test.zone
ub_sign signed.test signed.test.zone || skip_all "ldns-signzone failed"
ub_sign bogus.test bogus.test.zone expired || skip_all "ldns-signzone failed"
ub_sign pkix.test pkix.test.zone || skip_all "ldns-signzone failed"

frag="$(cat <<EOF2
    local-zone: "test." static
    local-zone: "signed.test." transparent
    local-zone: "bogus.test." transparent
    local-zone: "pkix.test." transparent
    local-zone: "slow.test." deny
    local-zone: "2.0.192.in-addr.arpa." static
    local-data: "good.test. 300 IN SOA ns.good.test. h.good.test. 1 3600 600 86400 300"
    local-data: "good.test. 300 IN MX 10 mx1.good.test."
    local-data: "good.test. 300 IN MX 20 mx2.good.test."
    local-data: "mx1.good.test. 300 IN A 192.0.2.25"
    local-data: "mx2.good.test. 300 IN A 192.0.2.26"
    local-data-ptr: "192.0.2.25 mx1.good.test."
    local-data-ptr: "192.0.2.26 mx2.good.test."
    local-data-ptr: "192.0.2.40 mx.signed.test."
    local-data: 'good.test. 300 IN TXT "v=spf1 mx ip4:192.0.2.0/28 include:_spf.good.test" " -all"'
    local-data: '_spf.good.test. 300 IN TXT "v=spf1 ip6:2001:db8::/64 -all"'
    local-data: '_dmarc.good.test. 300 IN TXT "v=DMARC1; p=reject; sp=reject; adkim=s; rua=mailto:dmarc@reports.test"'
    local-data: 'good.test._report._dmarc.reports.test. 300 IN TXT "v=DMARC1;"'
$(txt sel1._domainkey.good.test "v=DKIM1; k=rsa; p=$sel1_p")
$(txt ed1._domainkey.good.test "v=DKIM1; k=ed25519; p=$ed1_p")
    local-data: 'old._domainkey.good.test. 300 IN TXT "v=DKIM1; p="'
    local-data: "_submission._tcp.good.test. 300 IN SRV 0 1 587 mx1.good.test."
    local-data: "bad.test. 300 IN MX 10 mail.bad.test."
    local-data: "bad.test. 300 IN MX 20 192.0.2.99."
    local-data: "mail.bad.test. 300 IN CNAME mx1.good.test."
    local-data: 'bad.test. 300 IN TXT "v=spf1 +all"'
    local-data: '_dmarc.bad.test. 300 IN TXT "v=DMARC1; p=none; rua=mailto:d@elsewhere.test"'
$(txt sel1._domainkey.bad.test "v=DKIM1; k=rsa; p=$sel1_p")
    local-data: "sub.inh.test. 300 IN A 192.0.2.60"
    local-data: '_dmarc.inh.test. 300 IN TXT "v=DMARC1; p=quarantine; sp=reject; rua=mailto:d@rep.test"'
    local-data: "junk.test. 300 IN MX 10 mx1.good.test."
    local-data: '_dmarc.junk.test. 300 IN TXT "p=reject; v=DMARC1"'
    local-data: "permerr.test. 300 IN MX 10 mx1.good.test."
    local-data: 'permerr.test. 300 IN TXT "v=spf1 redirect=mx1.good.test"'
    local-data: "unsigned.test. 300 IN MX 10 mx1.good.test."
    local-data: 'unsigned.test. 300 IN TXT "v=spf1 -all"'
#AUTH
$(ub_auth_zone signed.test signed.test.zone.signed)
$(ub_auth_zone bogus.test bogus.test.zone.signed)
$(ub_auth_zone pkix.test pkix.test.zone.signed)
EOF2
)"
ub_start "$frag" || { echo "1..0 # SKIP unbound did not start"; exit 0; }
R="--resolver 127.0.0.1#$UB_PORT"

cat >exp.yaml <<EOF
domains:
  good.test:
    mx: [{host: mx1.good.test, pref: 10}, {host: mx2.good.test, pref: 20}]
    spf:
      terms: [mx, "ip4:192.0.2.0/28", "include:_spf.good.test", "-all"]
      must_pass: [192.0.2.25, "2001:db8::7"]
      must_fail: [203.0.113.7]
    dmarc: {p: reject, sp: reject, adkim: s, rua: "mailto:dmarc@reports.test"}
    dkim:
      sel1: {key: sel1.private}
      ed1: {key: ed1.pem}
      old: revoked
    ptr: [192.0.2.25]
    dane: optional
    submission: [{host: mx1.good.test, port: 587}]
  bad.test:
    mx: [{host: mx1.bad.test, pref: 10}]
    spf: {must_fail: [203.0.113.7]}
    dmarc: {p: reject}
    dkim:
      sel1: {key: wrong.pem}
  signed.test:
    mx: [{host: mx.signed.test, pref: 10}]
    dmarc: {p: reject}
    dnssec: secure
    tls:
      mx.signed.test: {cert: cur.pem, next_key: next.key, dane: required}
  bogus.test:
    mx: [{host: mx.bogus.test, pref: 10}]
    dane: required
  slow.test:
    mx: [{host: mx.slow.test, pref: 10}]
    dmarc: {p: reject}
  sub.inh.test:
    dmarc: {p: reject, effective: reject}
  junk.test:
    dmarc: {p: reject}
  unsigned.test:
    dnssec: secure
  pkix.test:
    tls:
      mx.pkix.test: {cert: cur.pem, dane: optional}
EOF
TA="--trust-anchor $T_DIR/ta.ds"
plan 71
: >all-ids.txt
json_ids() { # FILE: "id:STATUS:dnssec ..." of the first domain
	python3 -c 'import json,sys
for d in json.load(open(sys.argv[1]))["domains"]:
	for f in d["findings"]: print(f["id"])' "$1" >>all-ids.txt
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["domains"][0]
print(d["resolver"]["validating"], " ".join(f["id"]+":"+f["status"]+":"+str((f["evidence"] or {}).get("dnssec")) for f in d["findings"]))' "$1"
}

# good domain
t_exit 0 "good.test: nagios OK" "$MDC" -c exp.yaml $R $TA --allow-reserved --format nagios good.test
line=$(head -1 "$T_DIR/last.out")
like "$line" '^MAILDNS OK - good.test: 0 critical, 0 unknown, 0 warning \|' "nagios status line"
like "$line" "'spf_lookups'=[0-9]+;8;10;0; .*'dkim_min_bits'=2048;2048:;1024:;0; .*'mx_usable'=2;;1:;0; .*'dmarc_policy'=2;;;0;2 'time'=[0-9.]+s;;;0;$" "nagios perfdata"
t_exit 0 "good.test: json" "$MDC" -c exp.yaml $R $TA --allow-reserved --format json good.test
ids=$(json_ids "$T_DIR/last.out")
for want in dkim.key.match:OK dkim.revoked:OK dmarc.external.authorized:OK \
	mx.usable:OK ptr.fcrdns:OK spf.ip.must_fail:OK spf.ip.must_pass:OK \
	spf.terms:OK srv.match:OK; do
	case " $ids " in *" $want:"*) r=0 ;; *) r=1 ;; esac
	ok $r "good.test: $want"
done
n=$(printf '%s' "$ids" | grep -o 'dkim.key.match:OK' | wc -l)
is "$n" 2 "good.test: RSA and Ed25519 keys both match their files"

# bad domain: each broken record fires its rule
t_exit 2 "bad.test: CRITICAL exit" "$MDC" -c exp.yaml $R --allow-reserved --format json bad.test
ids=$(json_ids "$T_DIR/last.out")
like "$ids" 'dkim.key.mismatch:CRITICAL' "dkim key mismatch"
like "$ids" 'dmarc.policy.weaker:CRITICAL' "dmarc policy weaker"
like "$ids" 'mx.target.cname:WARNING' "mx target is a CNAME"
like "$ids" 'mx.target.ip_literal:CRITICAL' "mx IP literal"
like "$ids" 'spf.ip.must_fail:CRITICAL' "+all lets a must_fail IP pass"
like "$ids" 'dmarc.external.unauthorized:WARNING' "external rua not authorized"

# signed zone: validated, DANE current/next
t_exit 1 "signed.test: WARNING (next key not yet published)" "$MDC" -c exp.yaml $R $TA --allow-reserved --format json signed.test
ids=$(json_ids "$T_DIR/last.out")
like "$ids" '^True .*tlsa.dnssec.secure:OK:secure' "TLSA secure through the trust anchor"
like "$ids" 'tlsa.current.match:OK' "current certificate matches 3 1 1"
like "$ids" 'tlsa.next.missing:WARNING' "next key not published: WARNING"

# bogus zone
t_exit 2 "bogus.test: CRITICAL" "$MDC" -c exp.yaml $R $TA --allow-reserved --format json bogus.test
ids=$(json_ids "$T_DIR/last.out")
like "$ids" 'mx.dnssec.bogus:CRITICAL:bogus' "expired signatures: bogus, CRITICAL"
r=0; printf '%s' "$ids" | grep -q 'mx.missing\|mx.domain.nxdomain' && r=1
ok $r "bogus is not reported as a missing record"

# dropped zone: timeout -> UNKNOWN
t_exit 3 "slow.test: UNKNOWN" "$MDC" -c exp.yaml $R --timeout 1 --retries 0 --format nagios slow.test
like "$(cat "$T_DIR/last.out")" 'UNKNOWN slow.test mx.lookup' "timeout reported as mx.lookup UNKNOWN"
r=0; grep -q 'missing' "$T_DIR/last.out" && r=1
ok $r "timeout is never 'missing'"

# several domains concurrently, prom file written atomically
mkdir -p prom
t_exit 2 "all domains: worst status" "$MDC" -c exp.yaml $R $TA --allow-reserved --timeout 1 --retries 0 --prom-file prom/mail.prom
is "$(grep -c '^[a-z.]*test: ' "$T_DIR/last.out")" 9 "text output covers all 9 domains"
like "$(cat prom/mail.prom 2>/dev/null)" 'maildnscheck_status\{domain="good.test"\} 0' "prom file: per-domain status"
is "$(grep -c '^# TYPE maildnscheck_status ' prom/mail.prom):$(find prom -name '*.tmp.*' | wc -l)" "1:0" "prom: TYPE once, no temp file left"

# DMARC inherited from the organizational domain: its sp, its rua
t_exit 1 "sub.inh.test: WARNING (inherited rua not authorized)" "$MDC" -c exp.yaml $R --allow-reserved --format json sub.inh.test
ids=$(json_ids "$T_DIR/last.out")
like "$ids" 'dmarc.inherited:OK' "sub.inh.test: policy inherited"
r=0; printf '%s' "$ids" | grep -q 'dmarc.policy.weaker' && r=1
ok $r "sub.inh.test: sp=reject of the parent meets p: reject"
like "$ids" 'dmarc.external.unauthorized:WARNING' "sub.inh.test: inherited rua is checked"
"$MDC" -c exp.yaml $R --allow-reserved --format nagios sub.inh.test >nagios.out
like "$(head -1 nagios.out)" "'dmarc_policy'=2;" "sub.inh.test: perfdata carries the inherited sp"

# a _dmarc TXT that is not a DMARC record
t_exit 2 "junk.test: CRITICAL" "$MDC" -c exp.yaml $R --allow-reserved --format json junk.test
ids=$(json_ids "$T_DIR/last.out")
like "$ids" 'dmarc.record.discarded:CRITICAL' "junk.test: reported as discarded"
r=0; printf '%s' "$ids" | grep -q 'dmarc.missing' && r=1
ok $r "junk.test: not reported as missing"

# SPF lint without must_pass sees a top-level permerror
t_exit 2 "permerr.test: CRITICAL without expectations" "$MDC" $R --allow-reserved --format json permerr.test
like "$(json_ids "$T_DIR/last.out")" 'spf.redirect_none:CRITICAL' "permerr.test: redirect to a domain without SPF"

# expected DNSSEC state
t_exit 2 "unsigned.test: CRITICAL when expected secure" "$MDC" -c exp.yaml $R $TA --allow-reserved --format json unsigned.test
like "$(json_ids "$T_DIR/last.out")" 'dnssec.insecure:CRITICAL' "unsigned.test: dnssec.insecure"
"$MDC" -c exp.yaml $R $TA --allow-reserved --format json signed.test >signed.json
like "$(json_ids signed.json)" 'dnssec.secure:OK' "signed.test: every RRset secure"

# TLSA without a usable record: senders use unauthenticated TLS
t_exit 1 "pkix.test: WARNING, not CRITICAL" "$MDC" -c exp.yaml $R $TA --allow-reserved --format json pkix.test
ids=$(json_ids "$T_DIR/last.out")
like "$ids" 'tlsa.unusable:WARNING' "pkix.test: tlsa.unusable WARNING"
r=0; printf '%s' "$ids" | grep -q 'tlsa.current.mismatch' && r=1
ok $r "pkix.test: no 'senders stop delivering'"

# the per-domain deadline: a dropped zone costs its deadline, not every
# lookup's timeout, and does not hold the others
now() { date +%s.%N; }
took() { awk "BEGIN { printf \"%.2f\", $2 - $1 }"; }
under() { awk "BEGIN { exit !($2 - $1 < $3) }"; }
t0=$(now)
t_exit 3 "slow.test: UNKNOWN within the deadline" "$MDC" -c exp.yaml $R --timeout 5 --retries 1 --deadline 1.5 --format json slow.test
t1=$(now)
like "$(json_ids "$T_DIR/last.out")" 'dns.deadline:UNKNOWN' "slow.test: dns.deadline"
under "$t0" "$t1" 3
ok $? "slow.test: done in $(took "$t0" "$t1") s (deadline 1.5 s)"
t0=$(now)
t_exit 3 "good.test and slow.test together" "$MDC" -c exp.yaml $R $TA --allow-reserved --deadline 1.5 --format nagios good.test slow.test
t1=$(now)
under "$t0" "$t1" 3
ok $? "two domains in $(took "$t0" "$t1") s"
printf 'domains:\n  slow.test:\n    deadline: 0.5\n' >deadline.yaml
t0=$(now)
t_exit 3 "expected-state deadline wins" "$MDC" -c deadline.yaml $R --timeout 5 --deadline 60 slow.test
t1=$(now)
under "$t0" "$t1" 2
ok $? "slow.test with deadline: 0.5 in $(took "$t0" "$t1") s"

# acknowledgements: OK with the reason until the date, then they fire
cat >ack.yaml <<EOA
domains:
  bad.test:
    ack:
      - {id: dmarc.external.unauthorized, subject: "mailto:d@elsewhere.test",
         reason: "the provider authorizes by contract", until: 2099-12-31}
      - {id: mx.target.cname, reason: "old", until: 2001-01-01}
EOA
"$MDC" -c ack.yaml $R --allow-reserved --format json bad.test >ack.json
ids=$(json_ids ack.json)
like "$ids" 'dmarc.external.unauthorized:OK' "acknowledged finding reports OK"
like "$(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["domains"][0]["findings"]:
	if f["acknowledged"]: print(f["acknowledged"]["status"], f["acknowledged"]["until"])' ack.json)" '^WARNING 2099-12-31$' "JSON keeps the acknowledged status and date"
like "$ids" 'mx.target.cname:WARNING' "an expired acknowledgement fires again"

# every id reported above is documented
"$MDC" --list-ids | awk '{ print $1 }' | sort -u >listed.txt
sort -u all-ids.txt | comm -23 - listed.txt >undocumented.txt
is "$(tr '\n' ' ' <undocumented.txt)" "" "every reported finding id is in --list-ids"

# the expected state is refused like udmail.yaml: depth, duplicates
python3 -c 'print("domains:\n  a.test:\n    spf: " + "[" * 100000 + "]" * 100000)' >deep.yaml
t0=$(now)
t_exit 78 "100k-level expected state: EX_CONFIG" "$MDC" -c deep.yaml $R a.test
t1=$(now)
like "$(cat "$T_DIR/last.err")" 'deep.yaml:3:[0-9]+: nested deeper than 8 levels' "deep file: position and reason"
under "$t0" "$t1" 1
ok $? "deep file refused in $(took "$t0" "$t1") s"
printf 'domains:\n  a.test:\n    dmarc: {p: reject}\n    dmarc: {p: none}\n' >dup.yaml
t_exit 78 "duplicate key: EX_CONFIG" "$MDC" -c dup.yaml $R a.test
like "$(cat "$T_DIR/last.err")" "dup.yaml:4:5: domains.a.test: duplicate key 'dmarc' \(first at line 3\)" "duplicate key named with both lines"
t_exit 64 "empty domain argument: EX_USAGE" "$MDC" $R ""

# invocation errors
t_exit 64 "bad option: EX_USAGE" "$MDC" $R --format xml good.test
printf 'domains:\n  x.test:\n    dmarc: {p: nope}\n' >bad.yaml
t_exit 78 "bad expected state: EX_CONFIG" "$MDC" -c bad.yaml $R x.test
like "$(cat "$T_DIR/last.err")" 'bad.yaml:3:16: domains.x.test.dmarc.p: .nope.: expected none, quarantine or reject' "config error names file:line:col"
t_done
