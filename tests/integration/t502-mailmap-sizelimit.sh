#!/bin/bash
# A search that hits the server's hard size limit is a failed fetch,
# never a silently truncated one: nothing is published.  Paged results
# (RFC 2696) get past the soft limit.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
plan 7

# Paged searches may go past the limit of 5 (prtotal unlimited) ...
slapd_setup --size-limit 5
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
sed 's|^  base: ou=users,dc=example,dc=org|&\n  page_size: 2|' "$U/udmail.yaml" >"$U/paged.yaml"
t_run "paged search past a soft size limit of 5" mailmap -c "$U/paged.yaml" build
is "$(postmap -s "lmdb:$U/maps/virtual" | wc -l)" 25 "all entries fetched"
good=$(snapshot)
slapd_stop

# ... a hard total limit of 5 for paged searches too must fail the fetch.
rm -rf "$SLAPD_DIR"
SLAPD_SETUP_DONE=0
slapd_setup --size-limit 5 --prtotal 5
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
sed -i "s|ldap://127.0.0.1:[0-9]*|$SLAPD_URI|" "$U/paged.yaml"
t_exit 69 "hard size limit: build fails (EX_UNAVAILABLE)" mailmap -c "$U/paged.yaml" build
like "$(cat "$T_DIR/last.err")" "[Ss]ize limit" "message names the size limit"
is "$(snapshot)" "$good" "size limit: tables untouched"
sed -i "s|ldap://127.0.0.1:[0-9]*|$SLAPD_URI|" "$U/udmail.yaml"
t_exit 69 "same with the default page size" mailmap -c "$U/udmail.yaml" build
is "$(snapshot)" "$good" "tables still untouched"
t_done
