/*
 * outputs: the table of outputs.  Rows use designated initializers so a
 * row cannot land under another kind; the unit test checks that every
 * kind has a name and that the ranks are a permutation.  The emitters
 * are the same kind of table in model_emit.c, kept there so that this
 * one, which the config parser reads, knows nothing of the model.
 */
#include <assert.h>

#include "outputs.h"

const struct output_desc outputs[OUTPUT_COUNT] = {
	[OUTPUT_VIRTUAL] = { "virtual", 0644, 1 },
	[OUTPUT_ALIAS_DOMAINS] = { "alias_domains", 0644, 6 },
	[OUTPUT_TRANSPORT] = { "transport", 0644, 5 },
	[OUTPUT_FORWARD] = { "forward", 0644, 2 },
	[OUTPUT_SENDER_LOGIN] = { "sender_login", 0644, 0 },
	/* Dovecot's auth process reads it as a member of the file's group. */
	[OUTPUT_PASSWD] = { "passwd", 0640, 3 },
	[OUTPUT_RELAY_RECIPIENTS] = { "relay_recipients", 0644, 4 },
};

_Static_assert(sizeof(outputs) / sizeof(outputs[0]) == OUTPUT_COUNT,
    "one row per enum output_kind");

enum output_kind
output_by_rank(int rank)
{
	int k;

	for (k = 0; k < OUTPUT_COUNT; k++)
		if (outputs[k].build_rank == rank)
			return (enum output_kind)k;
	assert(!"every rank has an output");
	return OUTPUT_VIRTUAL;
}
