#!/bin/bash
# End-to-end mail flow with MX, SRS and submission on three Postfix
# instances (three hosts); see tests/e2e/mailflow.sh.
. "$top_srcdir/tests/e2e/mailflow.sh"
mailflow separate
