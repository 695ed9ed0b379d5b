/*
 * outputs: one row per output of enum output_kind (conf.h): its name in
 * udmail.yaml and the metrics, its default mode and its rank in the build.
 * A new output is one enum value, one row here, its emitter (model_emit.c),
 * its test and its documentation.
 */
#ifndef UDMAIL_OUTPUTS_H
#define UDMAIL_OUTPUTS_H

#include <sys/types.h>

#include "conf.h"

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
