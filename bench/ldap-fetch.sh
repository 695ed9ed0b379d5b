#!/bin/bash
# bench/ldap-fetch.sh [N]: N accounts (default 100000) in a throwaway
# slapd (loaded with slapadd), then, side by side over the same TCP
# connection type and page size:
#   ldapsearch -E pr=1000/noprompt   the same attributes, LDIF to /dev/null
#   ldapfetch -p 1000                our fetch + state + sort + print
# Each is run RUNS times (default 3); the best time counts.  Prints the
# ratio ldapfetch / ldapsearch (target: well under 1.2).
# Run from a built tree: top_srcdir=. top_builddir=. bench/ldap-fetch.sh
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/bench/lib.sh"
N=${1:-100000}
RUNS=${RUNS:-3}
F=$top_builddir/tests/helpers/ldapfetch
[ -x "$F" ] || { echo "build first: $F missing" >&2; exit 1; }
slapd_require

t0=$(date +%s.%N)
slapd_setup || exit 1
"$top_srcdir/tests/data/ldap/gen-accounts.sh" "$N" >"$T_DIR/accounts.ldif"
slapd_load "$T_DIR/accounts.ldif" || exit 1
slapd_start || exit 1
t1=$(date +%s.%N)
echo "# $N accounts generated and loaded with slapadd in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

ATTRS=(uid emailForward mailPassword userPassword shadowExpire accountStatus)
FILTER='(&(uid=*)(!(uidNumber=0))(objectClass=shadowAccount))'


ls_t=$(best ldapsearch -LLL -x -H "$SLAPD_URI" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" \
    -b "$SLAPD_USERS" -s one -E pr=1000/noprompt "$FILTER" "${ATTRS[@]}") || exit 1
uf_t=$(best "$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" \
    -y "$SLAPD_SYNC_PW_FILE" -p 1000) || exit 1
n=$("$F" -H "$SLAPD_URI" -b "$SLAPD_USERS" -D "$SLAPD_SYNC_DN" -y "$SLAPD_SYNC_PW_FILE" -p 1000 -c)
[ "$n" = "$N" ] || { echo "ldapfetch saw $n accounts, want $N" >&2; exit 1; }

printf '%-34s %10s\n' "tool ($N accounts, best of $RUNS)" "seconds"
printf '%-34s %10.3f\n' "ldapsearch -E pr=1000/noprompt" "$ls_t"
printf '%-34s %10.3f\n' "ldapfetch -p 1000" "$uf_t"
printf '%-34s %10.2f\n' "ratio ldapfetch/ldapsearch" "$(awk -v a="$uf_t" -v b="$ls_t" 'BEGIN { print a / b }')"
