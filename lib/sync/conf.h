/*
 * conf: the udmail.yaml configuration, parsed once into plain structs.
 * Every program reads the same file (default SYSCONFDIR/udmail/udmail.yaml);
 * each takes the parts it needs.  Documented in udmail.yaml(5).
 */
#ifndef UDMAIL_CONF_H
#define UDMAIL_CONF_H

#include <stddef.h>
#include <sys/types.h>

#include "errbuf.h"
#include "outputs.h"
#include "pwpolicy.h"

#define CONF_PATH_DEFAULT SYSCONFDIR "/udmail/udmail.yaml"

enum map_format { MAP_FORMAT_LMDB, MAP_FORMAT_HASH, MAP_FORMAT_TEXT };

struct conf_output {
	int enabled;
	char *path;             /* without the .lmdb/.db suffix for maps */
	enum map_format format; /* maps only; default lmdb */
	mode_t mode;            /* default 0644, passwd 0640 */
	char *group;            /* NULL: leave the group alone; passwd: "dovecot" */
};

/* CONF_ prefix: <ldap.h> already defines LDAP_AUTH_NONE/SIMPLE as macros. */
enum ldap_auth {
	CONF_LDAP_AUTH_NONE,
	CONF_LDAP_AUTH_SIMPLE,
	CONF_LDAP_AUTH_SASL_EXTERNAL
};

struct conf_ldap {
	int enabled;              /* 0: Hiera-only (no ldap: section) */
	char *uri;                /* ldap://, ldaps://, ldapi:// */
	int starttls;             /* 1: StartTLS required */
	int allow_cleartext;      /* 1: ldap:// to another host without TLS */
	char *ca_file;            /* NULL: system default */
	enum ldap_auth auth;
	char *bind_dn;            /* simple bind */
	char *bind_password_file; /* simple bind; first line, never argv */
	char *base;               /* search base (people) */
	int scope;                /* LDAP_SCOPE_ONELEVEL (default) or _SUBTREE */
	char *filter;             /* default ud-ldap's ud-generate filter */
	int page_size;            /* RFC 2696; default 500, 0: no paging */
	int timeout;              /* seconds, per operation; default 30 */
	int network_timeout;      /* seconds, connect; default 10 */
	/* attribute names, defaults follow ud-ldap */
	char *attr_uid;           /* uid */
	char *attr_forward;       /* emailForward */
	char *attr_password;      /* mailPassword */
	char *attr_user_password; /* userPassword */
	char *attr_shadow_expire; /* shadowExpire */
	char *attr_account_status;/* accountStatus */
};

/* The highest argon2 t udmail.yaml accepts (password_policy.argon2.t):
   more passes than that make logins slow without adding much. */
#define CONF_ARGON2_T_MAX 100

/* The service user mailsyncd and mailmap become when started as root. */
#define CONF_USER_DEFAULT "udmail"

struct conf {
	char *path;              /* the file this came from */
	char *user;              /* CONF_USER_DEFAULT; "root" stays root */
	char *domain;            /* primary mail domain; Hiera may set it */
	char **hiera_files;      /* NULL-terminated list of export files */
	size_t hiera_count;
	char *transport_nexthop; /* e.g. "smtp:[srs.example.org]" */
	int sender_login_alias_domains; /* uid@alias-domain too; default 1 */
	double shrink_max;       /* share of entries a build may drop; 0.10 */
	int retired_grace_days;  /* "retiring DATE": 186 (6*31) as ud-ldap */
	char *state_dir;         /* lock, metrics; LOCALSTATEDIR/lib/udmail */
	char *metrics_file;      /* Prometheus textfile, NULL: none */
	struct conf_ldap ldap;
	struct conf_output out[OUTPUT_COUNT];
	struct conf_policy policy;
};

/* Largest configuration file accepted. */
#define CONF_MAX_BYTES (1024 * 1024)

/* Read PATH.  Returns NULL and fills EB ("FILE:LINE:COL: what") on a
   syntax error, an unknown or duplicate key, a value of the wrong type or
   out of range, or a missing required key; "FILE: why" when the file
   cannot be read. */
struct conf *conf_load(const char *path, struct errbuf *eb)
    __attribute__((warn_unused_result));
/* Same from memory (LEN bytes, need not be NUL-terminated); NAME is used
   in messages and stored as conf->path. */
struct conf *conf_load_mem(const char *name, const char *data, size_t len,
    struct errbuf *eb) __attribute__((warn_unused_result));
/* A configuration with all defaults and no outputs enabled, or NULL when
   out of memory. */
struct conf *conf_new_default(void);
/* Free CONFP's configuration (NULL is fine) and set *CONFP to NULL. */
void conf_free(struct conf **confp);

/* Name of an output as used in the YAML file and on the command line
   ("virtual", "alias_domains", "transport", "forward", "sender_login",
   "passwd"); conf_output_by_name returns -1 when unknown. */
const char *conf_output_name(enum output_kind kind);
int conf_output_by_name(const char *name);
const char *conf_format_name(enum map_format fmt); /* lmdb, hash, text */
int conf_format_by_name(const char *name);
/* The file a map output lives in: PATH.lmdb, PATH.db or PATH (text and
   passwd).  Returns a malloc'd string or NULL. */
char *conf_output_file(const struct conf_output *o, enum output_kind kind);

#endif
