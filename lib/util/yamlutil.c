/*
 * yamlutil: libyaml's event stream, checked: every limit is checked before
 * a reader sees the event, so a hostile file costs at most max_bytes and
 * one event at a time; aliases are refused outright, which is what makes
 * alias bombs harmless.  Scalars never hold a NUL, so str is the whole
 * value as a C string.  Readers take it pulled (lib/yschema) or pushed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "addr.h"
#include "array.h"
#include "hash.h"
#include "yamlutil.h"

#define YSTR_TAG "tag:yaml.org,2002:str"
#define YSEQ_TAG "tag:yaml.org,2002:seq"
#define YMAP_TAG "tag:yaml.org,2002:map"

/* The checked event stream. */
struct ystream {
	const char *name;
	const char *data;
	size_t len;
	const struct yaml_limits *lim;
	size_t depth;
	size_t values;
	size_t nodes;
	int ndocs;
	int state;   /* 0 reading, 1 at the end, -1 failed */
	int have_ev; /* ev is libyaml's and must be deleted */
	yaml_parser_t parser;
	yaml_event_t ev;
	struct errbuf *eb;
};

int
yaml_read_file(const char *path, size_t max_bytes, char **data_r,
    size_t *len_r, struct errbuf *eb)
{
	struct stat st;
	char *data = NULL, *p;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	*data_r = NULL;
	*len_r = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		errbuf_syserr(eb, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		errbuf_syserr(eb, "%s", path);
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		errbuf_set(eb, "%s: is a directory, expected a YAML file",
		    path);
		eb->errnum = EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errbuf_set(eb, "%s: not a regular file", path);
		goto fail;
	}
	if ((unsigned long long)st.st_size > max_bytes) {
		errbuf_set(eb, "%s: larger than %zu bytes", path, max_bytes);
		eb->errnum = EFBIG;
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max_bytes) {
				errbuf_set(eb, "%s: larger than %zu bytes",
				    path, max_bytes);
				eb->errnum = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if (cap > max_bytes + 1)
				cap = max_bytes + 1;
			if ((p = realloc(data, cap + 1)) == NULL) {
				errbuf_syserr(eb, "%s", path);
				goto fail;
			}
			data = p;
		}
		n = read(fd, data + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errbuf_syserr(eb, "%s", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max_bytes) {
		errbuf_set(eb, "%s: larger than %zu bytes", path, max_bytes);
		eb->errnum = EFBIG;
		goto fail;
	}
	if (data == NULL && (data = malloc(1)) == NULL) {
		errbuf_syserr(eb, "%s", path);
		goto fail;
	}
	data[len] = '\0';
	(void)close(fd);
	*data_r = data;
	*len_r = len;
	return 0;
fail:
	free(data);
	(void)close(fd);
	return -1;
}

/* libyaml reports decoding errors by byte offset only; count lines and
   characters the way its marks do (CR, LF or CRLF end a line). */
static void
offset_position(const char *data, size_t len, size_t off, unsigned *line_r,
    unsigned *col_r)
{
	unsigned line = 1, col = 1;
	size_t i;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\n' || (c == '\r' && (i + 1 >= len ||
		    data[i + 1] != '\n'))) {
			line++;
			col = 1;
		} else if (c != '\r' && (c & 0xc0) != 0x80)
			col++;
	}
	*line_r = line;
	*col_r = col;
}

static void
parser_error(struct ystream *ys, const yaml_parser_t *p)
{
	unsigned line, col;
	const char *tab = "";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		errbuf_set(ys->eb, "%s: out of memory", ys->name);
		ys->eb->errnum = ENOMEM;
		return;
	case YAML_READER_ERROR:
		offset_position(ys->data, ys->len, p->problem_offset, &line,
		    &col);
		if (p->problem_value == 0)
			errbuf_set(ys->eb, "%s:%u:%u: NUL byte not allowed, "
			    "expected UTF-8 text", ys->name, line, col);
		else if (p->problem_value != -1)
			errbuf_set(ys->eb, "%s:%u:%u: %s (0x%x), expected "
			    "UTF-8 text", ys->name, line, col, p->problem,
			    (unsigned)p->problem_value);
		else
			errbuf_set(ys->eb, "%s:%u:%u: %s, expected UTF-8 text",
			    ys->name, line, col, p->problem);
		return;
	default:
		break;
	}
	line = (unsigned)p->problem_mark.line + 1;
	col = (unsigned)p->problem_mark.column + 1;
	if (p->problem_mark.index < ys->len &&
	    ys->data[p->problem_mark.index] == '\t' &&
	    (p->problem == NULL || strstr(p->problem, "tab") == NULL))
		tab = " (tabs are not allowed for indentation)";
	if (p->context != NULL)
		errbuf_set(ys->eb, "%s:%u:%u: %s%s (%s at line %u)", ys->name,
		    line, col, p->problem != NULL ? p->problem : "syntax error",
		    tab, p->context, (unsigned)p->context_mark.line + 1);
	else
		errbuf_set(ys->eb, "%s:%u:%u: %s%s", ys->name, line, col,
		    p->problem != NULL ? p->problem : "syntax error", tab);
}

static int
event_error(struct ystream *ys, const yaml_event_t *ev, const char *what)
{
	errbuf_set(ys->eb, "%s:%u:%u: %s", ys->name,
	    (unsigned)ev->start_mark.line + 1,
	    (unsigned)ev->start_mark.column + 1, what);
	return -1;
}

static int
check_props(struct ystream *ys, const yaml_event_t *ev,
    const yaml_char_t *anchor, const yaml_char_t *tag, const char *ok_tag)
{
	if (anchor != NULL)
		return event_error(ys, ev, "anchors (&name) are not allowed, "
		    "write the value out");
	if (tag != NULL && strcmp((const char *)tag, ok_tag) != 0)
		return event_error(ys, ev, "tags (!name) are not allowed, "
		    "expected a plain value");
	return 0;
}

static int
check_scalar(struct ystream *ys, const yaml_event_t *ev)
{
	size_t len = ev->data.scalar.length;

	if (check_props(ys, ev, ev->data.scalar.anchor, ev->data.scalar.tag,
	    YSTR_TAG) == -1)
		return -1;
	if (len > ys->lim->max_scalar) {
		errbuf_set(ys->eb, "%s:%u:%u: value longer than %zu bytes",
		    ys->name, (unsigned)ev->start_mark.line + 1,
		    (unsigned)ev->start_mark.column + 1, ys->lim->max_scalar);
		return -1;
	}
	/* A quoted "\0" escape: every reader takes values as C strings, so
	   one would be cut short there ("none\0junk"). */
	if (memchr(ev->data.scalar.value, '\0', len) != NULL)
		return event_error(ys, ev, "NUL character (\\0) not allowed "
		    "in a value");
	if (ys->lim->max_values != 0 && ys->values >= ys->lim->max_values) {
		errbuf_set(ys->eb, "%s:%u:%u: more than %zu values in one "
		    "file", ys->name, (unsigned)ev->start_mark.line + 1,
		    (unsigned)ev->start_mark.column + 1, ys->lim->max_values);
		return -1;
	}
	ys->values++;
	return 0;
}

static int
check_open(struct ystream *ys, const yaml_event_t *ev, int seq)
{
	const yaml_char_t *anchor, *tag;

	if (seq) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	} else {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	}
	if (check_props(ys, ev, anchor, tag, seq ? YSEQ_TAG : YMAP_TAG) == -1)
		return -1;
	if (ys->depth >= ys->lim->max_depth) {
		errbuf_set(ys->eb, "%s:%u:%u: nested deeper than %zu levels",
		    ys->name, (unsigned)ev->start_mark.line + 1,
		    (unsigned)ev->start_mark.column + 1, ys->lim->max_depth);
		return -1;
	}
	ys->depth++;
	return 0;
}

/* Scalars, lists and mappings: what a reader of the whole document
   would hold, capped before any of it is looked at. */
static int
count_node(struct ystream *ys, const yaml_event_t *ev)
{
	if (ys->lim->max_nodes != 0 && ys->nodes >= ys->lim->max_nodes) {
		errbuf_set(ys->eb, "%s:%u:%u: more than %zu values in one "
		    "file", ys->name, (unsigned)ev->start_mark.line + 1,
		    (unsigned)ev->start_mark.column + 1, ys->lim->max_nodes);
		return -1;
	}
	ys->nodes++;
	return 0;
}

/* Check one libyaml event and fill OUT.  Returns 1 for an event to hand
   on, 2 at the end of the stream, 0 to skip it, -1 on error. */
static int
on_event(struct ystream *ys, const yaml_event_t *ev, struct yevent *out)
{
	memset(out, 0, sizeof(*out));
	out->line = (unsigned)ev->start_mark.line + 1;
	out->col = (unsigned)ev->start_mark.column + 1;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (ys->ndocs++ > 0)
			return event_error(ys, ev, "a second document "
			    "('---'), expected one document per file");
		return 0;
	case YAML_ALIAS_EVENT:
		return event_error(ys, ev, "aliases (*name) are not allowed, "
		    "write the value out");
	case YAML_SCALAR_EVENT:
		if (check_scalar(ys, ev) == -1 || count_node(ys, ev) == -1)
			return -1;
		out->type = YEV_SCALAR;
		out->str = (const char *)ev->data.scalar.value;
		out->len = ev->data.scalar.length;
		out->plain = ev->data.scalar.tag == NULL &&
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return 1;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (check_open(ys, ev, ev->type == YAML_SEQUENCE_START_EVENT) ==
		    -1 || count_node(ys, ev) == -1)
			return -1;
		out->type = ev->type == YAML_SEQUENCE_START_EVENT ? YEV_SEQ :
		    YEV_MAP;
		return 1;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		ys->depth--;
		out->type = YEV_END;
		return 1;
	case YAML_STREAM_END_EVENT:
		return 2;
	default:
		return 0;
	}
}

struct ystream *
ystream_open(const char *name, const char *data, size_t len,
    const struct yaml_limits *lim, struct errbuf *eb)
{
	struct ystream *ys;

	/* With the encoding fixed, libyaml would take a UTF-8 byte order
	   mark for content; editors hide it, so positions start after it. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (len > lim->max_bytes) {
		errbuf_set(eb, "%s: larger than %zu bytes", name,
		    lim->max_bytes);
		eb->errnum = EFBIG;
		return NULL;
	}
	if ((ys = calloc(1, sizeof(*ys))) == NULL ||
	    !yaml_parser_initialize(&ys->parser)) {
		free(ys);
		errbuf_set(eb, "%s: out of memory", name);
		eb->errnum = ENOMEM;
		return NULL;
	}
	ys->name = name;
	ys->data = data;
	ys->len = len;
	ys->lim = lim;
	ys->eb = eb;
	yaml_parser_set_input_string(&ys->parser, (const unsigned char *)data,
	    len);
	yaml_parser_set_encoding(&ys->parser, YAML_UTF8_ENCODING);
	return ys;
}

int
ystream_next(struct ystream *ys, struct yevent *ev)
{
	int r;

	if (ys->state != 0)
		return ys->state == 1 ? 0 : -1;
	do {
		if (ys->have_ev) {
			yaml_event_delete(&ys->ev);
			ys->have_ev = 0;
		}
		if (!yaml_parser_parse(&ys->parser, &ys->ev)) {
			parser_error(ys, &ys->parser);
			r = -1;
			break;
		}
		ys->have_ev = 1;
		r = on_event(ys, &ys->ev, ev);
	} while (r == 0);
	if (r == 1)
		return 1;
	ys->state = r == 2 ? 1 : -1;
	return ys->state == 1 ? 0 : -1;
}

void
ystream_close(struct ystream **ysp)
{
	struct ystream *ys;

	if (ysp == NULL || (ys = *ysp) == NULL)
		return;
	if (ys->have_ev)
		yaml_event_delete(&ys->ev);
	yaml_parser_delete(&ys->parser);
	free(ys);
	*ysp = NULL;
}

int
yaml_parse_events(const char *name, const char *data, size_t len,
    const struct yaml_limits *lim, yaml_event_fn *fn, void *arg,
    struct errbuf *eb)
{
	struct ystream *ys;
	struct yevent ev;
	int r;

	if ((ys = ystream_open(name, data, len, lim, eb)) == NULL)
		return -1;
	while ((r = ystream_next(ys, &ev)) == 1)
		if (fn(arg, &ev) == -1) {
			r = -1;
			break;
		}
	ystream_close(&ys);
	return r;
}

static int
scalar_is_null(const char *s, size_t len, int plain)
{
	if (!plain)
		return 0;
	return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

int
yevent_is_null(const struct yevent *ev)
{
	return ev->type == YEV_SCALAR && scalar_is_null(ev->str, ev->len,
	    ev->plain);
}

const char *
yevent_kind(const struct yevent *ev)
{
	if (yevent_is_null(ev))
		return "null";
	switch (ev->type) {
	case YEV_MAP:
		return "a mapping";
	case YEV_SEQ:
		return "a list";
	default:
		return "a string";
	}
}

/* Open addressing; a slot holds the key's index + 1 (low half, 0: free)
   and the high half of its FNV-1a hash (the better mixed one), which
   also gives the slot: probing and growing touch the key array and the
   text only when those 32 bits match. */
struct yseen_key {
	const char *str;
	unsigned len, line;
};

struct yseen {
	uint64_t *slot;
	size_t mask;
	struct yseen_key *key;
	size_t count, cap;
};

static uint64_t
yseen_hash(const char *s, size_t len)
{
	return hash_fnv1a(s, len);
}

#define YSEEN_TAG(h) ((h) & 0xffffffff00000000ULL)
#define YSEEN_POS(h) ((size_t)((h) >> 32))

struct yseen *
yseen_new(size_t hint)
{
	struct yseen *s;
	size_t n = 16;

	while (n < hint * 2 && n < ((size_t)1 << 30))
		n <<= 1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->slot = calloc(n, sizeof(*s->slot))) == NULL) {
		free(s);
		return NULL;
	}
	s->mask = n - 1;
	return s;
}

static int
yseen_grow(struct yseen *s)
{
	size_t n = (s->mask + 1) * 2, i, j;
	uint64_t *slot, h;

	if (n > ((size_t)1 << 32) || (slot = calloc(n, sizeof(*slot))) == NULL)
		return -1;
	array_hint_huge(slot, n * sizeof(*slot)); /* probed at random */
	for (i = 0; i <= s->mask; i++) {
		if ((h = s->slot[i]) == 0)
			continue;
		for (j = YSEEN_POS(h) & (n - 1); slot[j] != 0;
		    j = (j + 1) & (n - 1))
			;
		slot[j] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->mask = n - 1;
	return 0;
}

uint64_t
yseen_prefetch(const struct yseen *s, const char *str, size_t len)
{
	uint64_t h = yseen_hash(str, len);

	__builtin_prefetch(&s->slot[YSEEN_POS(h) & s->mask]);
	return h;
}

int
yseen_add(struct yseen *s, const char *str, size_t len, unsigned line,
    unsigned *first_r)
{
	return yseen_add_hashed(s, yseen_hash(str, len), str, len, line,
	    first_r);
}

int
yseen_add_hashed(struct yseen *s, uint64_t h, const char *str, size_t len,
    unsigned line, unsigned *first_r)
{
	const struct yseen_key *k;
	size_t i;

	if ((s->count + 1) * 2 > s->mask + 1 && yseen_grow(s) == -1)
		return -1;
	if (s->count >= UINT32_MAX - 1)
		return -1;
	for (i = YSEEN_POS(h) & s->mask; s->slot[i] != 0;
	    i = (i + 1) & s->mask) {
		if (YSEEN_TAG(s->slot[i]) != YSEEN_TAG(h))
			continue;
		k = &s->key[(uint32_t)s->slot[i] - 1];
		if (k->len == len && memcmp(k->str, str, len) == 0) {
			*first_r = k->line;
			return 1;
		}
	}
	if (array_grow(&s->key, &s->cap, s->count, sizeof(*s->key)) == -1)
		return -1;
	s->key[s->count].str = str;
	s->key[s->count].len = (unsigned)len;
	s->key[s->count].line = line;
	s->slot[i] = YSEEN_TAG(h) | (uint64_t)++s->count;
	return 0;
}

void
yseen_free(struct yseen **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	free((*sp)->slot);
	free((*sp)->key);
	free(*sp);
	*sp = NULL;
}

const char *
ycheck_domain(const char *s, size_t len, struct errbuf *eb)
{
	return addr_check_domain(s, len, 1, eb) == -1 ? eb->msg : NULL;
}
