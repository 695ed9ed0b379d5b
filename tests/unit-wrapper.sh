#!/bin/sh
# Run one unit test binary; under valgrind (errors fail the test) when
# UDMAIL_VALGRIND=1 and valgrind is installed.
if [ "${UDMAIL_VALGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	exec valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite "$@"
fi
exec "$@"
