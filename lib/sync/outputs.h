/*
 * outputs: the outputs, enum output_kind, and one row per output: its name
 * in udmail.yaml and the metrics, its default mode and its rank in the
 * build.  The config parser (conf_outputs.c) derives its outputs: keys
 * from the names; the emitters are a table by kind in model_emit.c.  A new
 * output is one enum value and one row here, its emitter, its test and its
 * documentation.  Nothing here depends on the model.
 */
#ifndef UDMAIL_OUTPUTS_H
#define UDMAIL_OUTPUTS_H

#include <sys/types.h>

/* The outputs of DESIGN.md, in this order everywhere. */
enum output_kind {
	OUTPUT_VIRTUAL,      /* virtual alias map (MX) */
	OUTPUT_ALIAS_DOMAINS,/* virtual_alias_domains table (MX) */
	OUTPUT_TRANSPORT,    /* forwarded address -> SRS next hop (MX) */
	OUTPUT_FORWARD,      /* address -> external addresses (SRS) */
	OUTPUT_SENDER_LOGIN, /* smtpd_sender_login_maps (submission) */
	OUTPUT_PASSWD,       /* Dovecot passwd-file (submission) */
	OUTPUT_RELAY_RECIPIENTS, /* relay_recipient_maps (MX) */
	OUTPUT_COUNT
};

struct output_desc {
	const char *name; /* udmail.yaml key under outputs:, metric label */
	mode_t mode;      /* default file mode */
	int build_rank;   /* 0 is built first: the largest tables first, so
			     the longest writes start earliest */
};

/* Indexed by enum output_kind; every kind has a row. */
extern const struct output_desc outputs[OUTPUT_COUNT];

/* The output built at position RANK (0 .. OUTPUT_COUNT - 1). */
enum output_kind output_by_rank(int rank);

#endif
