/*
 * test_spf_openspf: run the OpenSPF RFC 7208 suite
 * ($UDMAIL_SHARED/conformance/openspf/rfc7208-tests.yml) against
 * spf_check_host() over a dns_fixture built from each scenario's zonedata.
 * The zone conventions are those of the suite's own driver (pyspf
 * testspf.py): a bare TIMEOUT makes every type without earlier records
 * time out, "TXT: NONE" means no TXT, and SPF (type 99) records are also
 * served as TXT when the name lists no TXT at all.  One TAP line per test.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "dns_fixture.h"
#include "spf.h"

struct run {
	unsigned n, failed;
	const char *only; /* argv[1]: run only tests whose name contains it */
};

static yaml_node_t *
get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *
scalar(yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* TXT/SPF value: one string or a list of strings (NUL bytes kept). */
static int
add_txt(struct dns_resolver *r, yaml_document_t *doc, const char *name,
    uint16_t type, yaml_node_t *v, struct errbuf *eb)
{
	const char *strs[64];
	size_t lens[64], n = 0;
	yaml_node_item_t *it;

	if (v->type == YAML_SCALAR_NODE) {
		strs[0] = (const char *)v->data.scalar.value;
		lens[0] = v->data.scalar.length;
		return dns_fixture_add_txt(r, name, type, strs, lens, 1, eb);
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return -1;
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top && n < 64; it++) {
		yaml_node_t *s = yaml_document_get_node(doc, *it);

		if (s == NULL || s->type != YAML_SCALAR_NODE)
			return -1;
		strs[n] = (const char *)s->data.scalar.value;
		lens[n++] = s->data.scalar.length;
	}
	return dns_fixture_add_txt(r, name, type, strs, lens, n, eb);
}

static int
load_name(struct dns_resolver *r, yaml_document_t *doc, const char *name,
    yaml_node_t *seq, struct errbuf *eb)
{
	yaml_node_t *spf[64];
	size_t nspf = 0, i;
	int txt_seen = 0, timeout = 0;
	yaml_node_item_t *it;

	if (seq->type != YAML_SEQUENCE_NODE)
		return -1;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top && !timeout; it++) {
		yaml_node_t *e = yaml_document_get_node(doc, *it), *k, *v;
		const char *type, *sv;

		if (e->type == YAML_SCALAR_NODE) {
			if (strcmp(scalar(e), "TIMEOUT") != 0)
				return -1;
			/* Records listed after it are never reached. */
			if (dns_fixture_set_status(r, name, DNS_T_ANY_STATUS,
			    DNS_TIMEOUT) == -1)
				return -1;
			timeout = 1;
			continue;
		}
		if (e->type != YAML_MAPPING_NODE ||
		    e->data.mapping.pairs.top - e->data.mapping.pairs.start != 1)
			return -1;
		k = yaml_document_get_node(doc, e->data.mapping.pairs.start->key);
		v = yaml_document_get_node(doc,
		    e->data.mapping.pairs.start->value);
		if ((type = scalar(k)) == NULL || v == NULL)
			return -1;
		sv = scalar(v);
		if (sv != NULL && strcmp(sv, "NONE") == 0) {
			txt_seen |= strcmp(type, "TXT") == 0;
			continue;
		}
		if (strcmp(type, "TXT") == 0 || strcmp(type, "SPF") == 0) {
			uint16_t t = type[0] == 'T' ? DNS_T_TXT : DNS_T_SPF;

			if (sv != NULL && strcmp(sv, "TIMEOUT") == 0) {
				if (t == DNS_T_TXT)
					txt_seen = 1;
				if (dns_fixture_set_status(r, name, t,
				    DNS_TIMEOUT) == -1)
					return -1;
				continue;
			}
			if (t == DNS_T_TXT)
				txt_seen = 1;
			else if (nspf < 64)
				spf[nspf++] = v;
			if (add_txt(r, doc, name, t, v, eb) == -1)
				return -1;
		} else if (strcmp(type, "MX") == 0) {
			yaml_node_t *pref, *host;

			if (v->type != YAML_SEQUENCE_NODE ||
			    v->data.sequence.items.top -
			    v->data.sequence.items.start != 2)
				return -1;
			pref = yaml_document_get_node(doc,
			    v->data.sequence.items.start[0]);
			host = yaml_document_get_node(doc,
			    v->data.sequence.items.start[1]);
			if (scalar(pref) == NULL || scalar(host) == NULL ||
			    dns_fixture_add_mx(r, name,
			    (uint16_t)atoi(scalar(pref)), scalar(host), eb) == -1)
				return -1;
		} else {
			static const struct {
				const char *n;
				uint16_t t;
			} types[] = { { "A", DNS_T_A }, { "AAAA", DNS_T_AAAA },
				{ "PTR", DNS_T_PTR }, { "CNAME", DNS_T_CNAME } };

			for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
				if (strcmp(type, types[i].n) == 0)
					break;
			if (i == sizeof(types) / sizeof(types[0]) || sv == NULL ||
			    dns_fixture_add(r, name, types[i].t, sv, eb) == -1)
				return -1;
		}
	}
	/* The suite's driver serves SPF records as TXT too, unless the name
	   lists TXT records (or TXT: NONE) of its own. */
	if (!txt_seen && !timeout)
		for (i = 0; i < nspf; i++)
			if (add_txt(r, doc, name, DNS_T_TXT, spf[i], eb) == -1)
				return -1;
	return 0;
}

static struct dns_resolver *
load_zone(yaml_document_t *doc, yaml_node_t *zone)
{
	struct dns_resolver *r;
	yaml_node_pair_t *p;
	struct errbuf eb;

	if ((r = dns_fixture_new()) == NULL)
		return NULL;
	if (zone == NULL)
		return r;
	for (p = zone->data.mapping.pairs.start; p < zone->data.mapping.pairs.top;
	    p++) {
		const char *name = scalar(yaml_document_get_node(doc, p->key));

		if (name == NULL || load_name(r, doc, name,
		    yaml_document_get_node(doc, p->value), &eb) == -1) {
			printf("# zonedata %s: cannot load\n", name ? name : "?");
			dns_resolver_free(&r);
			return NULL;
		}
	}
	return r;
}

static int
result_ok(yaml_document_t *doc, yaml_node_t *want, enum spf_result got)
{
	yaml_node_item_t *it;

	if (scalar(want) != NULL)
		return strcmp(scalar(want), spf_result_name(got)) == 0;
	if (want == NULL || want->type != YAML_SEQUENCE_NODE)
		return 0;
	for (it = want->data.sequence.items.start;
	    it < want->data.sequence.items.top; it++)
		if (scalar(yaml_document_get_node(doc, *it)) != NULL &&
		    strcmp(scalar(yaml_document_get_node(doc, *it)),
		    spf_result_name(got)) == 0)
			return 1;
	return 0;
}

static void
diag(const struct spf_eval *ev)
{
	size_t i;

	printf("#   result %s, error %s, explanation %s\n",
	    spf_result_name(ev->result), ev->error ? ev->error : "-",
	    ev->explanation ? ev->explanation : "-");
	for (i = 0; i < ev->ntrace; i++)
		printf("#   %*s%s %s: %s\n", (int)ev->trace[i].depth * 2, "",
		    ev->trace[i].domain, ev->trace[i].term ?
		    ev->trace[i].term : "", ev->trace[i].detail);
}

static void
run_test(struct run *run, struct dns_resolver *r, yaml_document_t *doc,
    const char *scen, const char *name, yaml_node_t *t)
{
	struct spf_request req;
	struct spf_eval *ev = NULL;
	struct errbuf eb;
	const char *want_exp = scalar(get(doc, t, "explanation"));
	yaml_node_t *want = get(doc, t, "result");
	int ok;

	if (run->only != NULL && strstr(name, run->only) == NULL)
		return;
	memset(&req, 0, sizeof(req));
	req.ip = scalar(get(doc, t, "host"));
	req.sender = scalar(get(doc, t, "mailfrom"));
	req.helo = scalar(get(doc, t, "helo"));
	req.default_exp = "DEFAULT";
	req.now = 1;
	run->n++;
	if (spf_check_host(r, &req, &ev, &eb) == -1) {
		printf("not ok %u - %s/%s # %s\n", run->n, scen, name, eb.msg);
		run->failed++;
		return;
	}
	ok = result_ok(doc, want, ev->result);
	if (ok && want_exp != NULL)
		ok = ev->explanation != NULL &&
		    strcmp(ev->explanation, want_exp) == 0;
	printf("%s %u - %s/%s\n", ok ? "ok" : "not ok", run->n, scen, name);
	if (!ok) {
		run->failed++;
		printf("#   want %s%s%s\n", scalar(want) ? scalar(want) : "[list]",
		    want_exp ? ", explanation " : "", want_exp ? want_exp : "");
		diag(ev);
	}
	spf_eval_free(&ev);
}

static int
run_doc(struct run *run, yaml_document_t *doc)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *tests;
	struct dns_resolver *r;
	const char *scen;
	yaml_node_pair_t *p;

	if (root == NULL)
		return 0;
	scen = scalar(get(doc, root, "description"));
	if ((tests = get(doc, root, "tests")) == NULL ||
	    tests->type != YAML_MAPPING_NODE)
		return 0;
	if ((r = load_zone(doc, get(doc, root, "zonedata"))) == NULL)
		return -1;
	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++)
		run_test(run, r, doc, scen ? scen : "?",
		    scalar(yaml_document_get_node(doc, p->key)),
		    yaml_document_get_node(doc, p->value));
	dns_resolver_free(&r);
	return 0;
}

int
main(int argc, char **argv)
{
	struct run run = { 0, 0, argc > 1 ? argv[1] : NULL };
	const char *shared = getenv("UDMAIL_SHARED");
	char path[4096];
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *fp;
	int done = 0, rv = 0;

	(void)snprintf(path, sizeof(path), "%s/conformance/openspf/"
	    "rfc7208-tests.yml", shared != NULL ? shared : "../shared");
	if ((fp = fopen(path, "rb")) == NULL) {
		printf("1..0 # SKIP %s not found (set UDMAIL_SHARED)\n", path);
		return 0;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	while (!done) {
		if (!yaml_parser_load(&parser, &doc)) {
			printf("Bail out! %s: YAML error: %s\n", path,
			    parser.problem ? parser.problem : "?");
			rv = 1;
			break;
		}
		if (yaml_document_get_root_node(&doc) == NULL)
			done = 1;
		else if (run_doc(&run, &doc) == -1) {
			printf("Bail out! %s: bad zonedata\n", path);
			rv = 1;
			done = 1;
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	printf("1..%u\n", run.n);
	if (rv == 0 && run.n > 0)
		printf("# %u passed, %u failed\n", run.n - run.failed,
		    run.failed);
	return rv != 0 || run.failed > 0 || run.n == 0;
}
