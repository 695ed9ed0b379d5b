# shellcheck shell=bash
# Harness for the maildnscheck integration tests: a throwaway unbound on
# 127.0.0.1 serving fixture zones from $T_DIR.  It never recurses: every
# name outside the fixtures is REFUSED.  Source after lib.sh.
#
#   ub_sign ZONE FILE [expired]   sign FILE (ldns), append its DS to $T_DIR/ta.ds
#   ub_start FRAGMENT             write $T_DIR/unbound.conf, start, set UB_PORT
#   ub_auth_zone ZONE FILE        config text serving a signed zone file

UB_PORT=""

ub_need() {
	need_cmd unbound dig openssl
}

# ub_sign ZONE FILE [expired]: writes FILE.signed; the DS goes to ta.ds.
ub_sign() {
	local zone=$1 file=$2 how=${3:-} k
	need_cmd ldns-keygen ldns-signzone
	(cd "$T_DIR" && k=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone") &&
		if [ "$how" = expired ]; then
			ldns-signzone -n -i 20200101000000 -e 20200201000000 "$file" "$k"
		else
			ldns-signzone -n "$file" "$k"
		fi && cat "$k.ds" >>"$T_DIR/ta.ds") || return 1
}

ub_auth_zone() {
	printf 'auth-zone:\n    name: "%s."\n    zonefile: "%s"\n' "$1" "$2"
	printf '    for-downstream: no\n    for-upstream: yes\n    fallback-enabled: no\n'
}

# ub_start FRAGMENT: FRAGMENT holds server: lines (indented) and, after a
# line "#AUTH", top-level auth-zone blocks.
ub_start() {
	local frag=$1 server auth
	ub_need
	server=${frag%%#AUTH*}
	auth=""
	case $frag in *"#AUTH"*) auth=${frag#*#AUTH} ;; esac
	UB_PORT=$(pick_port) || return 1
	cat >"$T_DIR/unbound.conf" <<EOC
server:
    interface: 127.0.0.1@$UB_PORT
    port: $UB_PORT
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$T_DIR"
    pidfile: ""
    use-syslog: no
    logfile: "$T_DIR/unbound.log"
    verbosity: 1
    do-ip6: no
    module-config: "iterator"
    access-control: 127.0.0.0/8 allow
    local-zone: "." refuse
$server
$auth
EOC
	if command -v unbound-checkconf >/dev/null 2>&1 &&
		! unbound-checkconf "$T_DIR/unbound.conf" >"$T_DIR/checkconf.out" 2>&1; then
		sed 's/^/# /' "$T_DIR/checkconf.out"
		return 1
	fi
	unbound -d -c "$T_DIR/unbound.conf" >"$T_DIR/unbound.out" 2>&1 &
	t_track_pid $!
	wait_for 10 dig +time=1 +tries=1 @127.0.0.1 -p "$UB_PORT" version.bind CH TXT ||
		{ sed 's/^/# /' "$T_DIR/unbound.out"; return 1; }
}
