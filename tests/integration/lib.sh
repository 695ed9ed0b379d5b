# shellcheck shell=bash
# Shared helpers for integration tests: TAP output, a private temp dir
# removed on exit, loopback port picking, and process cleanup.
# Source it first:  . "$top_srcdir/tests/integration/lib.sh"
set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${UDMAIL_SHARED:=$top_srcdir/../shared}"
export top_srcdir top_builddir UDMAIL_SHARED
PATH="$top_builddir/tools:$top_builddir/src:$PATH:/usr/sbin:/sbin"
export PATH

T_NUM=0
T_FAILED=0
T_PIDS=""
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/udmail-test.XXXXXX")
export T_DIR

# Runs on every exit, under `set -e` too (the demo): a process that is
# already gone must not end the cleanup early, and the script's own exit
# status is kept.
t_cleanup() {
	local rc=$? p
	set +e
	for p in $T_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $T_PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ "${T_KEEP:-0}" = 1 ] || [ "$T_FAILED" != 0 ]; then
		echo "# test files kept in $T_DIR"
	else
		rm -rf "$T_DIR"
	fi
	exit "$rc"
}
trap t_cleanup EXIT

# Remember a background process so it is killed on exit.
t_track_pid() { T_PIDS="$T_PIDS $1"; }

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '# %s\n' "$@"; }

ok() { # ok COND-EXIT-STATUS "description"
	T_NUM=$((T_NUM + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_NUM - $2"
	else
		echo "not ok $T_NUM - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# t_run "description" cmd args...: ok if the command exits 0.
t_run() {
	local d=$1
	shift
	"$@" >"$T_DIR/last.out" 2>"$T_DIR/last.err"
	local rc=$?
	ok $rc "$d"
	[ $rc -eq 0 ] || { sed 's/^/#   /' "$T_DIR/last.err" | head -20; }
	return $rc
}

# t_exit EXPECTED "description" cmd args...: ok if the exit status matches.
t_exit() {
	local want=$1 d=$2
	shift 2
	"$@" >"$T_DIR/last.out" 2>"$T_DIR/last.err"
	local rc=$?
	[ "$rc" -eq "$want" ]
	ok $? "$d (exit $rc, want $want)"
	[ "$rc" -eq "$want" ] || { sed 's/^/#   /' "$T_DIR/last.err" | head -20; }
}

# is GOT WANT "description"
is() {
	[ "$1" = "$2" ]
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || { diag "got:  '$1'" "want: '$2'"; }
}

# like GOT REGEX "description"
like() {
	printf '%s' "$1" | grep -Eq -- "$2"
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || { diag "got:  '$1'" "want match: '$2'"; }
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# A TCP port on 127.0.0.1 that nothing listens on right now, below the
# kernel's ephemeral range: a port in that range may be some connection's
# source port (TCP or UDP), which no connect test sees, and a server
# (unbound binds UDP too, Postfix) would then fail with "Address already
# in use".
pick_port() {
	local p i lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "${lo:-0}" -gt 12000 ] || lo=32768
	for i in $(seq 1 50); do
		p=$((10000 + (RANDOM * 7 + $$ + i) % (lo - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_for SECONDS cmd...: retry until the command succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

t_done() {
	echo "# $T_NUM tests, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}
