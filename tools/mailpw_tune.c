/*
 * mailpw tune: the argon2id cost that takes about the target time on this
 * machine, measured, within the memory the user allows.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <getopt.h>

#include "buf.h"
#include "log.h"
#include "mailpw.h"
#include "monotime.h"

/* Milliseconds for one argon2id hash at M KiB, T passes; best of 2 so a
   scheduler hiccup does not skew the choice. */
static double
tune_measure(struct pwhash_params *p, uint32_t m, uint32_t t)
{
	static const char pw[] = "mailpw tune";
	char out[PWHASH_MAX];
	struct errbuf eb;
	double best = 0, t0, d;
	int i;

	p->m_kib = m;
	p->t_cost = t;
	for (i = 0; i < 2; i++) {
		t0 = monotime_now();
		if (pwhash_make(p, pw, sizeof(pw) - 1, out, &eb) == -1)
			fatalx(EX_SOFTWARE, "%s", eb.msg);
		d = (monotime_now() - t0) * 1e3;
		if (i == 0 || d < best)
			best = d;
	}
	log_info("m=%u,t=%u,p=%u: %.1f ms", m, t, p->lanes, best);
	return best;
}

int
cmd_tune(struct mailpw *mp, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "target-ms", required_argument, NULL, OPT_TARGET },
		{ "max-memory", required_argument, NULL, OPT_MAXMEM },
		{ "parallelism", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 } };
	unsigned long target = 0, maxm = 1048576, lanes = 1;
	struct pwhash_params p;
	uint32_t m, t = 3, prev_m;
	double ms, prev_ms;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+p:", lo, NULL)) != -1) {
		if (c == OPT_TARGET)
			target = mailpw_num_arg("--target-ms", optarg, 1,
			    600000);
		else if (c == OPT_MAXMEM)
			maxm = mailpw_num_arg("--max-memory", optarg, 64,
			    PWHASH_ARGON2_M_MAX);
		else if (c == 'p')
			lanes = mailpw_num_arg("--parallelism", optarg, 1,
			    PWHASH_ARGON2_P_MAX);
		else
			mailpw_usage();
	}
	if (optind != argc || target == 0)
		mailpw_usage();
	pwhash_params_default(&p);
	p.lanes = (uint32_t)lanes;
	/* Memory first (it is what makes guessing costly on GPUs), at
	   t=3 as doveadm uses; only at the memory cap do passes grow. */
	m = 8 * 1024 < 8 * p.lanes ? 8 * p.lanes : 8 * 1024;
	if (m > maxm)
		m = (uint32_t)maxm;
	ms = tune_measure(&p, m, t);
	prev_m = m;
	prev_ms = ms;
	while (ms < (double)target && m < maxm) {
		prev_m = m;
		prev_ms = ms;
		m = m * 2 > maxm ? (uint32_t)maxm : m * 2;
		ms = tune_measure(&p, m, t);
	}
	/* Time grows about linearly with m: interpolate between the last
	   two points when the last doubling overshot, in 1 MiB units. */
	if (ms > (double)target * 1.1 && m > prev_m && ms > prev_ms) {
		m = prev_m + (uint32_t)(((double)target - prev_ms) *
		    (double)(m - prev_m) / (ms - prev_ms));
		m &= ~1023U;
		if (m < prev_m)
			m = prev_m;
		ms = tune_measure(&p, m, t);
	}
	/* Up to what udmail.yaml accepts, so the advice below can be taken. */
	while (ms < (double)target * 0.9 && t < CONF_ARGON2_T_MAX) {
		t++;
		ms = tune_measure(&p, m, t);
	}
	(void)printf("m=%u,t=%u,p=%u\t%.0f ms\n", m, t, p.lanes, ms);
	(void)printf("# mailpw hash -m %u -t %u -p %u; udmail.yaml "
	    "password_policy: argon2: { m: %u, t: %u, p: %u }\n", m, t,
	    p.lanes, m, t, p.lanes);
	if (fflush(stdout) == EOF)
		fatal(EX_IOERR, "stdout");
	return 0;
}
