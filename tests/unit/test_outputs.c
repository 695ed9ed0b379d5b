#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "outputs.h"

/* Every kind has a row: a name conf_output_by_name finds again, a mode. */
static void
test_outputs_every_kind_has_a_row(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < OUTPUT_COUNT; k++) {
		assert_non_null(outputs[k].name);
		assert_int_equal(conf_output_by_name(outputs[k].name), k);
		assert_string_equal(conf_output_name((enum output_kind)k),
		    outputs[k].name);
		assert_true(outputs[k].mode != 0);
	}
	assert_int_equal(outputs[OUTPUT_PASSWD].mode, 0640);
}

/* The build ranks are a permutation: no output is built twice or never
   (a missing rank used to fall back to the virtual map silently). */
static void
test_outputs_ranks_are_a_permutation(void **state)
{
	int seen[OUTPUT_COUNT] = { 0 };
	int r;

	(void)state;
	for (r = 0; r < OUTPUT_COUNT; r++) {
		enum output_kind k = output_by_rank(r);

		assert_int_equal(outputs[k].build_rank, r);
		assert_int_equal(seen[k], 0);
		seen[k] = 1;
	}
	/* the largest tables first */
	assert_int_equal(output_by_rank(0), OUTPUT_SENDER_LOGIN);
	assert_int_equal(output_by_rank(OUTPUT_COUNT - 1),
	    OUTPUT_ALIAS_DOMAINS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_every_kind_has_a_row),
		cmocka_unit_test(test_outputs_ranks_are_a_permutation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
