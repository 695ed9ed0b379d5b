/*
 * conf_outputs: the outputs: section of udmail.yaml: one table of keys
 * per output (path, format, mode, owner and group) and the checks of an
 * output as a whole.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "outputs.h"
#include "yamlutil.h"
#include "yschema.h"

#include "conf_int.h"

static int
h_format(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct conf_output *o = base;
	char tmp[300];
	int f;

	if (c->kind == OUTPUT_PASSWD)
		return cfail(c, v, ck->name, "the passwd-file has no format, "
		    "remove this key");
	if (want_scalar(c, ck, v, "lmdb, hash or text") == -1)
		return -1;
	if ((f = conf_format_by_name(v->str)) == -1)
		return cfail(c, v, ck->name, "'%s': expected lmdb, hash or "
		    "text", shown(v, tmp, sizeof(tmp)));
	o->format = (enum map_format)f;
	return 0;
}

static int
h_mode(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct conf_output *o = base;
	mode_t m = 0;
	unsigned i;
	char tmp[300];

	if (want_scalar(c, ck, v, "an octal mode like \"0640\"") == -1)
		return -1;
	if (v->len < 4 || v->len > 5 || v->str[0] != '0')
		goto bad;
	for (i = 1; i < v->len; i++) {
		if (v->str[i] < '0' || v->str[i] > '7')
			goto bad;
		m = (m << 3) | (mode_t)(v->str[i] - '0');
	}
	if (m > 0777)
		return cfail(c, v, ck->name, "'%s': setuid, setgid and sticky "
		    "bits are not allowed", shown(v, tmp, sizeof(tmp)));
	if (m & 0002)
		return cfail(c, v, ck->name, "'%s' is writable by everyone",
		    shown(v, tmp, sizeof(tmp)));
	if (c->kind == OUTPUT_PASSWD && (m & 0007))
		return cfail(c, v, ck->name, "'%s' lets every local user read "
		    "password hashes, expected no access for others (0640)",
		    shown(v, tmp, sizeof(tmp)));
	o->mode = m;
	return 0;
bad:
	return cfail(c, v, ck->name, "'%s': expected an octal mode like "
	    "\"0640\"", shown(v, tmp, sizeof(tmp)));
}

/* A user or group name as useradd(8) takes it (or a number). */
static int
sysname_ok(const struct yevent *v)
{
	unsigned i;
	int ok;

	ok = v->len > 0 && v->len <= 32 && v->str[0] != '-';
	for (i = 0; i < v->len && ok; i++) {
		char ch = v->str[i];

		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		    ch == '.';
	}
	return ok;
}

static int
h_group(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	char tmp[300];

	if (want_scalar(c, ck, v, "a group name") == -1)
		return -1;
	if (!sysname_ok(v))
		return cfail(c, v, ck->name, "'%s': expected a group name or "
		    "number", shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

/* A name, not a number: getpwnam(3) looks it up, and "root" says in
   words that the programs keep root's privileges. */
int
h_user(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	char tmp[300];

	if (want_scalar(c, ck, v, "a user name") == -1)
		return -1;
	if (!sysname_ok(v) || strspn(v->str, "0123456789") == v->len)
		return cfail(c, v, ck->name, "'%s': expected a user name, like "
		    "udmail", shown(v, tmp, sizeof(tmp)));
	return h_str(c, ck, v, base);
}

static const struct ckey output_keys[] = {
	{ "path", h_path, offsetof(struct conf_output, path), 0, 0, MK_PATH },
	{ "format", h_format, 0, 0, 0, MK_FORMAT },
	{ "mode", h_mode, 0, 0, 0, 0 },
	{ "group", h_group, offsetof(struct conf_output, group), 0, 0, 0 },
	CK_END
};

static int
check_output(struct cctx *c, const struct yevent *at)
{
	struct conf_output *o = &c->conf->out[c->kind];
	const char *suffix;
	size_t n, sn;

	if (o->path == NULL)
		return cfail(c, at, NULL, "missing required key 'path'");
	if (c->kind == OUTPUT_PASSWD || o->format == MAP_FORMAT_TEXT)
		return 0;
	/* Postfix appends the suffix itself: lmdb:/etc/postfix/maps/virtual
	   opens virtual.lmdb. */
	suffix = o->format == MAP_FORMAT_LMDB ? ".lmdb" : ".db";
	n = strlen(o->path);
	sn = strlen(suffix);
	if (n > sn && strcmp(o->path + n - sn, suffix) == 0)
		return cfail(c, MARK(c, MK_PATH), "path", "name the map "
		    "without '%s', as in main.cf (%s:/etc/postfix/maps/x "
		    "opens x%s)", suffix, conf_format_name(o->format), suffix);
	return 0;
}

static int
h_output(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	char sect[32];
	int r;

	c->kind = (int)ck->min;
	(void)snprintf(sect, sizeof(sect), "outputs.%s", ck->name);
	if (v->type != YEV_MAP)
		return cfail(c, v, ck->name, "expected a mapping with 'path', "
		    "got %s", yevent_kind(v));
	c->section = sect;
	c->mark[MK_PATH].line = c->mark[MK_FORMAT].line = 0;
	c->conf->out[c->kind].enabled = 1;
	r = walk_map(c, "output settings", v, output_keys,
	    &c->conf->out[c->kind]);
	if (r == 0)
		r = check_output(c, MARK(c, MK_OUT + c->kind));
	c->section = "outputs";
	return r;
}

/* The outputs: keys, one per row of outputs[], in its order. */
static void
outputs_keys(struct ckey keys[OUTPUT_COUNT + 1])
{
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++) {
		keys[k] = (struct ckey){ outputs[k].name, h_output, 0, k, 0,
		    (enum mark)(MK_OUT + k) };
	}
	keys[OUTPUT_COUNT] = (struct ckey)CK_END;
}

int
h_outputs(struct cctx *c, const struct ckey *ck, const struct yevent *v,
    void *base)
{
	struct ckey keys[OUTPUT_COUNT + 1];
	int r;

	if (yevent_is_null(v))
		return 0;
	outputs_keys(keys);
	c->section = "outputs";
	r = walk_map(c, "outputs", v, keys, base);
	c->section = "";
	return r;
}
