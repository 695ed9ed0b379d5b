# shellcheck shell=bash
# What every throwaway Postfix of the tests shares (tests/e2e/postfix.sh,
# tests/integration/t507-mailmap-resolve.sh): the first lines of main.cf,
# and the udmail roles applied from contrib/postfix/main.cf-udmail
# VERBATIM with only its table paths and postsrsd ports changed, so the
# documentation cannot drift from what the tests prove.

# pf_main_base DIR HOSTNAME: main.cf's test base on stdout: queue, data and
# mail log under DIR, no local delivery and no aliases, IPv4 on 127.0.0.1.
pf_main_base() {
	cat <<EOF
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
maillog_file = $1/maillog
maillog_file_prefixes = $1
myhostname = $2
mydestination =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
EOF
}

# pf_udmail_role ETC MAPS MX SRS NEXTHOP: append contrib/postfix's
# main.cf-udmail to ETC/main.cf with its tables under MAPS and postsrsd on
# $SRSD_FWD / $SRSD_REV (when set), then set its role flags udmail_mx and
# udmail_srs ("yes" or empty) and udmail_srs_nexthop.
pf_udmail_role() {
	sed -e "s|/etc/postfix/maps/|$2/|g" \
		-e "s|tcp:127.0.0.1:10001|tcp:127.0.0.1:${SRSD_FWD:-10001}|" \
		-e "s|tcp:127.0.0.1:10002|tcp:127.0.0.1:${SRSD_REV:-10002}|" \
		"${top_srcdir:?}/contrib/postfix/main.cf-udmail" >>"$1/main.cf"
	postconf -c "$1" -e "udmail_mx = $3" "udmail_srs = $4" \
		"udmail_srs_nexthop = $5"
}
