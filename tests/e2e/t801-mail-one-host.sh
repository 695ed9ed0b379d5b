#!/bin/bash
# End-to-end mail flow with one Postfix instance playing the MX, SRS and
# submission roles; see tests/e2e/mailflow.sh.
. "$top_srcdir/tests/e2e/mailflow.sh"
mailflow combined
