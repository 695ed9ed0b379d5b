#!/bin/bash
# The whole udmail test suite on a Debian 12 machine: installs what is
# missing (as root), builds with warnings as errors, runs `make check`
# (unit tests, integration tests against real slapd, postmap, doveadm,
# Dovecot and unbound on 127.0.0.1) and prints "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

if [ "$(id -u)" -eq 0 ]; then
	bash contrib/install-deps.sh || exit 1
fi
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi || exit 1
fi
# Always with warnings as errors, also when an earlier run (the demo, a
# developer) configured this tree without them.
if [ ! -f Makefile ] || ! grep -q -e '-Werror' Makefile; then
	# shellcheck disable=SC2086
	./configure --enable-werror ${UDMAIL_CONFIGURE_FLAGS:-} || exit 1
fi
make -j"$(nproc)" || exit 1
make -j"$(nproc)" check "$@"
rc=$?
bash contrib/test-summary.sh .
exit $rc
