/*
 * dnscheck_ids: every finding id maildnscheck reports, with its severity
 * and meaning.  Ids are an interface monitoring depends on: one is never
 * renamed or reused for something else.  maildnscheck(1) lists the same
 * table (a unit test compares them), and the unit tests refuse a finding
 * whose id is not here.
 */
#include <string.h>

#include "dnscheck.h"

/* Severity: the status the finding has; "W/C" is WARNING, or CRITICAL
   when the expected state asks for what is missing. */
static const struct dnscheck_idinfo ids[] = {
	/* mx */
	{ "mx.usable", "OK", "at least one MX host has an address" },
	{ "mx.domain.nxdomain", "CRITICAL", "the domain does not exist" },
	{ "mx.missing", "CRITICAL", "no MX and no address: no mail is "
	    "delivered" },
	{ "mx.implicit", "W/C", "no MX, mail goes to the domain's address "
	    "(RFC 5321 §5.1); CRITICAL when MX hosts are expected" },
	{ "mx.null", "OK", "null MX (RFC 7505): the domain accepts no mail" },
	{ "mx.null.mixed", "CRITICAL", "null MX next to other MX records" },
	{ "mx.null.unexpected", "CRITICAL", "null MX where MX hosts are "
	    "expected" },
	{ "mx.null.missing", "CRITICAL", "a null MX is expected but not "
	    "published" },
	{ "mx.target.ip_literal", "CRITICAL", "an MX exchange written as an "
	    "IP address" },
	{ "mx.target.cname", "WARNING", "an MX exchange is an alias (RFC 2181 "
	    "§10.3)" },
	{ "mx.target.noaddr", "WARNING", "an MX host has no A or AAAA" },
	{ "mx.target.lookup", "UNKNOWN", "an MX host's addresses could not be "
	    "looked up" },
	{ "mx.target.reserved", "WARNING", "an MX host has an address in a "
	    "reserved range (RFC 6890)" },
	{ "mx.unusable", "CRITICAL", "no MX host has an address" },
	{ "mx.host.missing", "CRITICAL", "an expected MX host is not "
	    "published" },
	{ "mx.host.extra", "WARNING", "an MX host is published but not "
	    "expected" },
	{ "mx.pref.changed", "WARNING", "an MX preference (or rank) differs "
	    "from the expected one" },
	{ "mx.lookup", "UNKNOWN", "the MX lookup timed out or failed" },
	{ "mx.dnssec.bogus", "CRITICAL", "an MX or MX-host answer failed "
	    "DNSSEC validation" },
	/* spf */
	{ "spf.none", "WARNING", "no SPF record" },
	{ "spf.multiple", "CRITICAL", "more than one SPF record: permerror" },
	{ "spf.syntax", "CRITICAL", "the record does not parse: permerror" },
	{ "spf.non_ascii", "CRITICAL", "non-ASCII bytes: permerror" },
	{ "spf.size", "WARNING", "the record is longer than 450 octets" },
	{ "spf.plus_all", "CRITICAL", "+all lets every host pass" },
	{ "spf.neutral_all", "WARNING", "?all asserts nothing" },
	{ "spf.no_all", "WARNING", "no all and no redirect: neutral for "
	    "other hosts" },
	{ "spf.ptr", "WARNING", "the ptr mechanism SHOULD NOT be used" },
	{ "spf.lookups", "W/C", "DNS-querying terms close to (WARNING) or over "
	    "(CRITICAL) the limit of 10" },
	{ "spf.void", "W/C", "void lookups at (WARNING) or over (CRITICAL) the "
	    "limit of 2" },
	{ "spf.void_term", "OK", "a term whose lookup was void (NXDOMAIN or "
	    "no data), named for spf.void" },
	{ "spf.include", "CRITICAL", "a record reached through include or "
	    "redirect does not parse or is not unique: permerror" },
	{ "spf.include_none", "CRITICAL", "an include target without SPF "
	    "(RFC 7208 §5.2): permerror" },
	{ "spf.redirect_none", "CRITICAL", "a redirect target without SPF "
	    "(RFC 7208 §6.1): permerror" },
	{ "spf.target_invalid", "CRITICAL", "an include or redirect target is "
	    "not a domain name: permerror" },
	{ "spf.macro", "CRITICAL", "a macro that cannot be expanded: "
	    "permerror" },
	{ "spf.mx_limit", "CRITICAL", "an mx term with more than 10 MX names "
	    "(RFC 7208 §4.6.4): permerror" },
	{ "spf.ptr_limit", "WARNING", "more than 10 PTR names for a tested "
	    "address: the rest are not used" },
	{ "spf.loop", "CRITICAL", "include or redirect back to a record in "
	    "use: permerror at the lookup limit" },
	{ "spf.dns", "UNKNOWN", "a lookup of the SPF evaluation timed out or "
	    "failed: temperror" },
	{ "spf.dnssec.bogus", "CRITICAL", "an answer of the SPF evaluation "
	    "failed DNSSEC validation" },
	{ "spf.terms", "OK", "the top-level terms are the expected ones" },
	{ "spf.term_missing", "CRITICAL", "an expected term is not "
	    "published" },
	{ "spf.term_extra", "WARNING", "a published term is not expected" },
	{ "spf.qualifier_changed", "WARNING", "a term has another qualifier "
	    "than expected" },
	{ "spf.all_weakened", "CRITICAL", "all is weaker than expected" },
	{ "spf.all_strengthened", "WARNING", "all is stronger than expected" },
	{ "spf.ip.must_pass", "OK/C", "check_host() of an address that must "
	    "pass; CRITICAL when it does not (UNKNOWN on temperror)" },
	{ "spf.ip.must_fail", "OK/C", "check_host() of an address that must "
	    "fail; CRITICAL when it does not (UNKNOWN on temperror)" },
	{ "spf.check_host", "UNKNOWN", "check_host() could not run" },
	{ "spf.expected.invalid", "UNKNOWN", "an expected term does not "
	    "parse" },
	{ "spf.internal", "UNKNOWN", "the SPF check ran out of memory" },
	/* dmarc */
	{ "dmarc.record", "OK", "the domain's DMARC record" },
	{ "dmarc.inherited", "OK", "no record of the domain's own: the "
	    "organizational domain's sp (else p) applies" },
	{ "dmarc.missing", "W/C", "no DMARC record and none inherited; "
	    "CRITICAL when DMARC is expected" },
	{ "dmarc.record.discarded", "W/C", "a TXT at _dmarc that does not "
	    "start with v=DMARC1; CRITICAL when it leaves an expected domain "
	    "without policy" },
	{ "dmarc.multiple", "CRITICAL", "more than one DMARC record: no "
	    "policy" },
	{ "dmarc.misplaced", "WARNING", "v=DMARC1 at the domain instead of "
	    "_dmarc" },
	{ "dmarc.invalid", "CRITICAL", "the record gives no usable policy" },
	{ "dmarc.syntax", "CRITICAL", "the record is not a valid tag list" },
	{ "dmarc.version", "CRITICAL", "the first tag is not exactly "
	    "v=DMARC1" },
	{ "dmarc.whitespace", "WARNING", "the record starts with "
	    "whitespace" },
	{ "dmarc.tag.unknown", "WARNING", "an unknown tag (a typo?)" },
	{ "dmarc.tag.obsolete", "WARNING", "pct, ri or rf, removed in RFC "
	    "9989" },
	{ "dmarc.p.missing", "WARNING", "no p= tag" },
	{ "dmarc.p.invalid", "CRITICAL", "p= is not a policy" },
	{ "dmarc.sp.invalid", "CRITICAL", "sp= is not a policy" },
	{ "dmarc.np.invalid", "CRITICAL", "np= is not a policy" },
	{ "dmarc.adkim.invalid", "WARNING", "adkim= is not r or s" },
	{ "dmarc.aspf.invalid", "WARNING", "aspf= is not r or s" },
	{ "dmarc.psd.invalid", "WARNING", "psd= is not y, n or u" },
	{ "dmarc.t.invalid", "WARNING", "t= is not y or n" },
	{ "dmarc.pct.invalid", "WARNING", "pct= is not 0 to 100" },
	{ "dmarc.fo.invalid", "WARNING", "fo= is not valid" },
	{ "dmarc.rua.invalid", "WARNING", "a rua URI is not a usable mailto:" },
	{ "dmarc.ruf.invalid", "WARNING", "a ruf URI is not a usable mailto:" },
	{ "dmarc.rua.size", "WARNING", "a rua URI has the obsolete !size "
	    "suffix" },
	{ "dmarc.ruf.size", "WARNING", "a ruf URI has the obsolete !size "
	    "suffix" },
	{ "dmarc.pct.partial", "WARNING", "pct < 100 on an enforcing policy" },
	{ "dmarc.testing", "WARNING", "t=y: the policy applies one step "
	    "lower" },
	{ "dmarc.external.authorized", "OK", "a report destination in another "
	    "organization authorizes the reports" },
	{ "dmarc.external.unauthorized", "WARNING", "a report destination in "
	    "another organization does not authorize them: no reports" },
	{ "dmarc.policy.weaker", "CRITICAL", "an effective policy (p, sp, np, "
	    "or effective) is weaker than expected" },
	{ "dmarc.policy.stronger", "WARNING", "an effective policy is "
	    "stronger than expected" },
	{ "dmarc.pct.lower", "CRITICAL", "pct is lower than expected" },
	{ "dmarc.alignment.drift", "W/C", "adkim or aspf differs; CRITICAL "
	    "when relaxed instead of strict" },
	{ "dmarc.psd.drift", "WARNING", "psd differs from the expected value" },
	{ "dmarc.rua.drift", "WARNING", "the rua destinations changed" },
	{ "dmarc.ruf.drift", "WARNING", "the ruf destinations changed" },
	{ "dmarc.lookup", "UNKNOWN", "a DMARC lookup timed out or failed" },
	{ "dmarc.dnssec.bogus", "CRITICAL", "a DMARC answer failed DNSSEC "
	    "validation" },
	/* dkim */
	{ "dkim.key.match", "OK", "the published key is the key file's" },
	{ "dkim.key.mismatch", "CRITICAL", "the published key is not the key "
	    "file's: signatures fail" },
	{ "dkim.key.unreadable", "UNKNOWN", "the key file cannot be read" },
	{ "dkim.key.type", "CRITICAL", "k= does not match the key file's "
	    "type" },
	{ "dkim.missing", "CRITICAL", "no key record at an expected "
	    "selector" },
	{ "dkim.multiple", "WARNING", "more than one TXT at a selector" },
	{ "dkim.syntax", "CRITICAL", "the key record is not a valid tag "
	    "list" },
	{ "dkim.version", "CRITICAL", "v= is present but not first or not "
	    "DKIM1" },
	{ "dkim.k.unsupported", "CRITICAL", "a key type verifiers do not "
	    "know" },
	{ "dkim.p.missing", "CRITICAL", "no p= tag" },
	{ "dkim.p.invalid", "CRITICAL", "p= is not a usable key" },
	{ "dkim.ed25519.length", "CRITICAL", "an Ed25519 key that is not 32 "
	    "bytes" },
	{ "dkim.rsa.weak", "CRITICAL", "an RSA key under 1024 bits (RFC 8301: "
	    "rejected)" },
	{ "dkim.rsa.short", "WARNING", "an RSA key under 2048 bits" },
	{ "dkim.hash.sha1", "CRITICAL", "h= allows only SHA-1" },
	{ "dkim.service", "CRITICAL", "s= excludes email" },
	{ "dkim.testing", "WARNING", "t=y on a selector not expected to "
	    "test" },
	{ "dkim.revoked", "OK", "an expected revoked selector is revoked" },
	{ "dkim.revoked.unexpected", "W/C", "an empty p= (revoked); CRITICAL "
	    "when the selector is expected active" },
	{ "dkim.not_revoked", "CRITICAL", "a selector expected revoked still "
	    "has a key" },
	{ "dkim.name", "UNKNOWN", "the selector name is too long for DNS" },
	{ "dkim.lookup", "UNKNOWN", "a key lookup timed out or failed" },
	{ "dkim.dnssec.bogus", "CRITICAL", "a key answer failed DNSSEC "
	    "validation" },
	/* tlsa */
	{ "tlsa.absent", "OK", "no TLSA and none expected" },
	{ "tlsa.missing", "W/C", "no TLSA at a host with a certificate "
	    "configured; CRITICAL when DANE is required" },
	{ "tlsa.unexpected", "WARNING", "TLSA published where DANE is not "
	    "expected" },
	{ "tlsa.dnssec.secure", "OK", "the TLSA RRset (or its denial) is "
	    "DNSSEC-secure" },
	{ "tlsa.dnssec.insecure", "W/C", "TLSA is not DNSSEC-secure, so "
	    "senders ignore it; CRITICAL when DANE or a secure name is "
	    "expected" },
	{ "tlsa.dnssec.unvalidated", "UNKNOWN", "the resolver does not "
	    "validate DNSSEC" },
	{ "tlsa.mx.insecure", "W/C", "the MX RRset is not secure: senders do "
	    "not look for TLSA" },
	{ "tlsa.addr.insecure", "W/C", "the host's address records are not "
	    "secure: senders do not look for TLSA" },
	{ "tlsa.srv.insecure", "W/C", "the SRV RRset of a submission host is "
	    "not secure: clients do not look for TLSA (RFC 7673)" },
	{ "tlsa.usage.pkix", "WARNING", "a PKIX-TA/PKIX-EE record, unused for "
	    "SMTP" },
	{ "tlsa.record.invalid", "WARNING", "an unusable record (parameters "
	    "or digest length)" },
	{ "tlsa.unusable", "W/C", "no usable record: senders fall back to "
	    "unauthenticated TLS; CRITICAL when DANE is required" },
	{ "tlsa.current.match", "OK", "the current certificate or key "
	    "matches" },
	{ "tlsa.current.mismatch", "W/C", "the current certificate or key "
	    "matches no usable record: CRITICAL when DANE senders use the "
	    "records (they stop delivering), WARNING when they ignore them" },
	{ "tlsa.current.unreadable", "UNKNOWN", "the certificate or key file "
	    "cannot be read" },
	{ "tlsa.next.match", "OK", "the next key is pre-published" },
	{ "tlsa.next.missing", "WARNING", "the next key is not published "
	    "yet" },
	{ "tlsa.next.unreadable", "UNKNOWN", "the next certificate or key "
	    "file cannot be read" },
	{ "tlsa.record.stale", "WARNING", "a record matches neither the "
	    "current nor the next key" },
	{ "tlsa.lookup", "UNKNOWN", "a TLSA lookup timed out or failed" },
	{ "tlsa.dnssec.bogus", "CRITICAL", "a TLSA answer failed DNSSEC "
	    "validation: senders defer mail" },
	/* ptr */
	{ "ptr.fcrdns", "OK", "forward-confirmed reverse DNS" },
	{ "ptr.missing", "CRITICAL", "a sending address has no PTR" },
	{ "ptr.mx.missing", "WARNING", "an MX address has no PTR" },
	{ "ptr.fcrdns.fail", "W/C", "the PTR name does not resolve back; "
	    "CRITICAL for sending addresses" },
	{ "ptr.name.drift", "WARNING", "the PTR name is not the expected "
	    "one" },
	{ "ptr.lookup", "UNKNOWN", "a reverse or forward lookup failed" },
	{ "ptr.dnssec.bogus", "CRITICAL", "a reverse or forward answer failed "
	    "DNSSEC validation" },
	/* srv */
	{ "srv.match", "OK", "the submission SRV record is as expected" },
	{ "srv.target.cname", "CRITICAL", "an SRV target is an alias, which "
	    "RFC 2782 does not allow" },
	{ "srv.target.noaddr", "WARNING", "an SRV target has no address" },
	{ "srv.target.lookup", "UNKNOWN", "an SRV target's addresses could "
	    "not be looked up" },
	{ "srv.missing", "WARNING", "no SRV record for the service" },
	{ "srv.target.missing", "WARNING", "an expected SRV target is not "
	    "published" },
	{ "srv.drift", "WARNING", "port, priority or weight differ" },
	{ "srv.lookup", "UNKNOWN", "an SRV lookup timed out or failed" },
	{ "srv.dnssec.bogus", "CRITICAL", "an SRV answer failed DNSSEC "
	    "validation" },
	/* mtasts */
	{ "mtasts.txt", "OK", "the _mta-sts record and its id" },
	{ "mtasts.missing", "CRITICAL", "no _mta-sts record where a policy is "
	    "expected" },
	{ "mtasts.txt.invalid", "W/C", "the _mta-sts record does not parse or "
	    "is not unique: senders apply no policy; CRITICAL when a mode is "
	    "expected" },
	{ "mtasts.policy", "OK", "the policy file, fetched and parsed" },
	{ "mtasts.policy.noaddr", "W/C", "mta-sts.<domain> has no address" },
	{ "mtasts.policy.fetch", "UNKNOWN", "the policy host could not be "
	    "reached" },
	{ "mtasts.policy.tls", "W/C", "the policy host's certificate is not "
	    "trusted or not valid for its name, or TLS failed" },
	{ "mtasts.policy.http", "W/C", "the policy is not served with status "
	    "200 (redirects are not followed)" },
	{ "mtasts.policy.size", "W/C", "the policy is larger than 64 KiB" },
	{ "mtasts.policy.invalid", "W/C", "the policy does not parse: senders "
	    "do not use it" },
	{ "mtasts.policy.type", "WARNING", "the policy is not served as "
	    "text/plain" },
	{ "mtasts.max_age.short", "WARNING", "max_age under a day" },
	{ "mtasts.mx.uncovered", "W/C", "an MX host matches no mx line; "
	    "CRITICAL in mode enforce (senders refuse it)" },
	{ "mtasts.mx.unused", "WARNING", "an mx line matches no MX host" },
	{ "mtasts.mx.drift", "WARNING", "an expected mx line is not in the "
	    "policy" },
	{ "mtasts.mode.weaker", "CRITICAL", "the policy mode is weaker than "
	    "expected" },
	{ "mtasts.mode.stronger", "WARNING", "the policy mode is stronger "
	    "than expected" },
	{ "mtasts.lookup", "UNKNOWN", "an MTA-STS lookup timed out or "
	    "failed" },
	{ "mtasts.dnssec.bogus", "CRITICAL", "an MTA-STS answer failed "
	    "DNSSEC validation" },
	/* tlsrpt */
	{ "tlsrpt.record", "OK", "the _smtp._tls record and its "
	    "destinations" },
	{ "tlsrpt.missing", "WARNING", "no TLS-RPT record while DANE or "
	    "MTA-STS is in use (or expected)" },
	{ "tlsrpt.invalid", "WARNING", "the _smtp._tls record does not parse "
	    "or is not unique: no reports" },
	{ "tlsrpt.rua.drift", "WARNING", "the report destinations differ from "
	    "the expected ones" },
	{ "tlsrpt.lookup", "UNKNOWN", "a TLS-RPT lookup timed out or failed" },
	{ "tlsrpt.dnssec.bogus", "CRITICAL", "a TLS-RPT answer failed DNSSEC "
	    "validation" },
	/* tls: live, with --live */
	{ "tls.ok", "OK", "TLS works: protocol and cipher" },
	{ "tls.connect", "UNKNOWN", "the server could not be reached from "
	    "here" },
	{ "tls.local_error", "UNKNOWN", "the probe could not run (CA file)" },
	{ "tls.starttls.missing", "W/C", "STARTTLS is not offered; CRITICAL "
	    "for submission, DANE or MTA-STS enforce" },
	{ "tls.handshake", "W/C", "the TLS handshake fails; CRITICAL for "
	    "submission, DANE or MTA-STS enforce" },
	{ "tls.dane.match", "OK", "the served chain matches a usable TLSA "
	    "record" },
	{ "tls.dane.mismatch", "W/C", "the served chain matches no usable "
	    "TLSA record: CRITICAL unless senders ignore the records" },
	{ "tls.cert.name", "W/C", "the certificate is not valid for the host "
	    "name: CRITICAL for submission and MTA-STS enforce, WARNING for "
	    "MTA-STS testing" },
	{ "tls.cert.untrusted", "W/C", "the chain is not trusted: as "
	    "tls.cert.name" },
	{ "tls.cert.expired", "CRITICAL", "the certificate has expired" },
	{ "tls.cert.expiring", "W/C", "the certificate expires within 21 "
	    "days (WARNING) or 7 days (CRITICAL)" },
	{ "tls.cert.current", "OK", "the server uses the expected current "
	    "key" },
	{ "tls.cert.next", "WARNING", "the server uses the expected next key "
	    "already" },
	{ "tls.cert.unexpected", "WARNING", "the server uses neither the "
	    "expected current nor next key" },
	/* dns: the run itself */
	{ "dnssec.secure", "OK", "every RRset looked up in the domain is "
	    "DNSSEC-secure, as expected" },
	{ "dnssec.insecure", "CRITICAL", "an RRset in a domain expected "
	    "signed is not DNSSEC-secure" },
	{ "dnssec.unexpected", "WARNING", "a domain expected unsigned "
	    "validates as secure" },
	{ "dnssec.unvalidated", "UNKNOWN", "an expected DNSSEC state cannot "
	    "be checked: the resolver does not validate" },
	{ "dns.deadline", "UNKNOWN", "the domain's deadline passed: the rest "
	    "of its check was not done" },
	{ "dns.local_error", "UNKNOWN", "a query could not be made (a name "
	    "too long, no memory)" },
	{ "ack.unused", "OK", "an acknowledgement matches no finding" },
	{ "internal.nomem", "UNKNOWN", "out of memory: findings were lost" },
	{ NULL, NULL, NULL },
};

const struct dnscheck_idinfo *
dnscheck_ids(size_t *n_r)
{
	*n_r = sizeof(ids) / sizeof(ids[0]) - 1;
	return ids;
}

const struct dnscheck_idinfo *
dnscheck_id_lookup(const char *id)
{
	size_t i;

	for (i = 0; ids[i].id != NULL; i++)
		if (strcmp(ids[i].id, id) == 0)
			return &ids[i];
	return NULL;
}
