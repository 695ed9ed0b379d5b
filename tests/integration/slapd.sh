# shellcheck shell=bash
# slapd.sh: a throwaway OpenLDAP slapd (2.5) for integration tests.
#
# Usage, after lib.sh:
#   . "$top_srcdir/tests/integration/lib.sh"
#   . "$top_srcdir/tests/integration/slapd.sh"
#   slapd_require                   # skip_all unless slapd + ldap-utils exist
#   slapd_start [options]           # config + base tree + start, or fail
#   slapd_load FILE...              # add LDIF: slapadd before start,
#                                   # ldapadd (as rootdn) while running
#   slapd_stop                      # SIGTERM and wait
#   slapd_kill                      # SIGKILL ("server dies" tests)
#   slapd_pause / slapd_resume      # SIGSTOP / SIGCONT
#   slapd_render FILE               # print FILE with @DATE-N@ replaced
#   slapd_tls_server_cert CN SAN    # (--tls) a new server certificate from
#                                   # the test CA, used from the next start
#
# slapd_start options:
#   --size-limit N     sizelimit size.soft=N size.hard=N for everybody but
#                      the rootdn (non-paged searches over N fail with
#                      sizeLimitExceeded)
#   --prtotal V        size.prtotal=V (default "unlimited": paged searches
#                      may go past the size limit; "hard" caps them too)
#   --time-limit N     timelimit N seconds
#   --tls              StartTLS: a CA and a server cert (SAN 127.0.0.1,
#                      localhost) made with openssl in $SLAPD_DIR
#   --no-base          do not load tests/data/ldap/base.ldif
#   --no-syncprov      no RFC 4533 provider (clients must fall back to polling)
#   --load FILE        slapadd FILE before starting (repeatable)
#   --log LEVEL        slapd log level (default 0), log in $SLAPD_DIR/slapd.log
#   --syncrepl URI     a read-only syncrepl consumer (refreshAndPersist) of
#                      the slapd at URI, configured by the database section
#                      of contrib/slapd/replica.conf; no base tree, no rootdn
#   --sync-acl limited the service account uid=mailsync may read neither
#                      userPassword nor mailPassword nor emailForward (an
#                      under-privileged reader: it still sees every entry)
# To add data before the start with slapadd, call slapd_setup [options],
# then slapd_load, then slapd_start (options are taken from slapd_setup).
#
# A second instance, after slapd_start:
#   slapd_consumer_start           a replica of the running slapd (above),
#                                  in $T_DIR/slapd-consumer; exports
#                                  CONSUMER_URI CONSUMER_PID CONSUMER_DIR
#   slapd_synced URI_A URI_B       0 when both hold the same contextCSN
#
# Exported after slapd_start:
#   SLAPD_URI          ldap://127.0.0.1:PORT
#   SLAPD_LDAPI_URI    ldapi://<url-encoded $SLAPD_DIR/ldapi>
#   SLAPD_PORT SLAPD_PID SLAPD_DIR SLAPD_CONF
#   SLAPD_BASE         dc=example,dc=org
#   SLAPD_USERS        ou=users,dc=example,dc=org
#   SLAPD_ROOTDN / SLAPD_ROOTPW / SLAPD_ROOTPW_FILE   (may do anything)
#   SLAPD_SYNC_DN / SLAPD_SYNC_PW / SLAPD_SYNC_PW_FILE
#                      uid=mailsync,ou=services: reads everything incl.
#                      mailPassword and userPassword; no limits
#   SLAPD_EXTERNAL_DN  cn=external,dc=example,dc=org: what SASL EXTERNAL
#                      over ldapi maps this process's uid to; reads
#                      everything, may write mailPassword
#   SLAPD_CA SLAPD_WRONG_CA   (with --tls) the right CA, and an unrelated one
# Users bind as themselves (uid=alice,ou=users,... password alice-login in
# sample.ldif) and may write their own mailPassword and userPassword.
# Anonymous and ordinary users read everything except those two.
# The syncprov overlay is loaded (RFC 4533 refreshAndPersist works).

SLAPD_BIN=${SLAPD_BIN:-/usr/sbin/slapd}
SLAPD_BASE="dc=example,dc=org"
SLAPD_USERS="ou=users,$SLAPD_BASE"
SLAPD_ROOTDN="cn=admin,$SLAPD_BASE"
SLAPD_ROOTPW="admin-secret"
SLAPD_SYNC_DN="uid=mailsync,ou=services,$SLAPD_BASE"
SLAPD_SYNC_PW="mailsync-secret"
SLAPD_EXTERNAL_DN="cn=external,$SLAPD_BASE"
SLAPD_DIR="$T_DIR/slapd"
SLAPD_CONF="$SLAPD_DIR/slapd.conf"
SLAPD_PID=""
SLAPD_PORT=""
SLAPD_URI=""
SLAPD_LDAPI_URI=""
SLAPD_CA=""
SLAPD_WRONG_CA=""
SLAPD_ROOTPW_FILE="$SLAPD_DIR/rootpw"
SLAPD_SYNC_PW_FILE="$SLAPD_DIR/mailsync.pw"
SLAPD_SETUP_DONE=0
SLAPD_LOGLEVEL=0
export SLAPD_BASE SLAPD_USERS SLAPD_ROOTDN SLAPD_ROOTPW SLAPD_SYNC_DN \
	SLAPD_SYNC_PW SLAPD_EXTERNAL_DN SLAPD_DIR SLAPD_CONF SLAPD_ROOTPW_FILE \
	SLAPD_SYNC_PW_FILE

slapd_data() { echo "${top_srcdir:?}/tests/data/ldap"; }

slapd_require() {
	[ -x "$SLAPD_BIN" ] || skip_all "slapd not installed ($SLAPD_BIN)"
	need_cmd slapadd ldapsearch ldapadd ldapmodify slappasswd
	[ -r /etc/ldap/schema/core.schema ] || skip_all "OpenLDAP schema files missing"
}

# Print FILE with every @DATE-N@ replaced by the UTC date N days ago.
slapd_render() {
	local f=$1 now tok n d args=()
	now=$(date -u +%s)
	for tok in $(grep -o '@DATE-[0-9]*@' "$f" | sort -u); do
		n=${tok#@DATE-}
		n=${n%@}
		d=$(date -u -d "@$((now - n * 86400))" +%F)
		args+=(-e "s/$tok/$d/g")
	done
	if [ ${#args[@]} -eq 0 ]; then
		cat "$f"
	else
		sed "${args[@]}" "$f"
	fi
}

slapd_make_tls() {
	local d=$SLAPD_DIR/tls
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout ca.key -out ca.crt -days 3 \
		    -subj "/CN=udmail test CA" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout wrong-ca.key -out wrong-ca.crt -days 3 \
		    -subj "/CN=udmail test CA"
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
	SLAPD_CA=$d/ca.crt
	SLAPD_WRONG_CA=$d/wrong-ca.crt
	export SLAPD_CA SLAPD_WRONG_CA
	slapd_tls_server_cert 127.0.0.1 IP:127.0.0.1,DNS:localhost
}

# slapd_tls_server_cert CN SAN: (re)issue the server certificate from the
# test CA for subject CN=CN and subjectAltName=SAN.  slapd reads it when
# it starts: call it between slapd_stop and slapd_start to serve another
# name (on the same 127.0.0.1).
slapd_tls_server_cert() {
	local d=$SLAPD_DIR/tls
	(
		cd "$d" || exit 1
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout server.key -out server.csr \
		    -subj "/CN=$1" &&
		printf '%s\n' "subjectAltName=$2" \
		    'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' \
		    >server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
		    -CAcreateserial -out server.crt -days 3 -extfile server.ext
	) >>"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
}

# slapd_setup [options]: write the configuration and the base tree.
slapd_setup() {
	local size_limit="" prtotal=unlimited time_limit="" tls=0 base=1
	local syncprov="overlay syncprov
syncprov-checkpoint 100 10"
	local loads=() uid f hash sd syncrepl="" sync_acl=full sync_read
	while [ $# -gt 0 ]; do
		case $1 in
		--syncrepl) syncrepl=$2; base=0; shift ;;
		--size-limit) size_limit=$2; shift ;;
		--prtotal) prtotal=$2; shift ;;
		--time-limit) time_limit=$2; shift ;;
		--tls) tls=1 ;;
		--no-base) base=0 ;;
		--no-syncprov) syncprov="" ;;
		--load) loads+=("$2"); shift ;;
		--log) SLAPD_LOGLEVEL=$2; shift ;;
		--sync-acl) sync_acl=$2; shift ;;
		*) echo "slapd_setup: unknown option $1" >&2; return 2 ;;
		esac
		shift
	done
	case $sync_acl in
	full) sync_read="by dn.exact=\"$SLAPD_SYNC_DN\" read" ;;
	limited) sync_read="by dn.exact=\"$SLAPD_SYNC_DN\" none" ;;
	*) echo "slapd_setup: --sync-acl full or limited" >&2; return 2 ;;
	esac
	mkdir -p "$SLAPD_DIR/db" || return 1
	(umask 077 &&
	    printf '%s' "$SLAPD_ROOTPW" >"$SLAPD_ROOTPW_FILE" &&
	    printf '%s' "$SLAPD_SYNC_PW" >"$SLAPD_SYNC_PW_FILE") || return 1
	if [ $tls = 1 ]; then
		slapd_make_tls || return 1
	fi
	uid=$(id -u)
	hash=$(slappasswd -s "$SLAPD_ROOTPW") || return 1
	sd=/etc/ldap/schema
	{
		echo "# generated by tests/integration/slapd.sh"
		for f in $sd/core.schema $sd/cosine.schema $sd/nis.schema \
		    $sd/inetorgperson.schema \
		    "$(slapd_data)/userdir-ldap-test.schema" \
		    "$top_srcdir/schema/udmail.schema"; do
			echo "include $f"
		done
		cat <<EOF
pidfile $SLAPD_DIR/slapd.pid
argsfile $SLAPD_DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb.la
moduleload syncprov.la
sizelimit unlimited
EOF
		# SASL EXTERNAL over ldapi: the peer's uid names the identity.
		echo "authz-regexp \"^gidNumber=[0-9]+\\\\+uidNumber=$uid,cn=peercred,cn=external,cn=auth\$\" \"$SLAPD_EXTERNAL_DN\""
		if [ $tls = 1 ]; then
			cat <<EOF
TLSCACertificateFile $SLAPD_DIR/tls/ca.crt
TLSCertificateFile $SLAPD_DIR/tls/server.crt
TLSCertificateKeyFile $SLAPD_DIR/tls/server.key
EOF
		fi
		if [ -n "$syncrepl" ]; then
			slapd_replica_section "$syncrepl"
		else
			cat <<EOF

database mdb
suffix "$SLAPD_BASE"
rootdn "$SLAPD_ROOTDN"
rootpw $hash
directory $SLAPD_DIR/db
maxsize 4294967296
index objectClass eq
index uid eq
index entryCSN,entryUUID eq
EOF
		fi
		if [ -n "$size_limit" ]; then
			echo "sizelimit size.soft=$size_limit size.hard=$size_limit size.prtotal=$prtotal"
			# The reader of a real installation would get its own
			# "limits dn.exact=... size=unlimited"; in tests the
			# service account feels the limit like everybody else.
		fi
		[ -z "$time_limit" ] || echo "timelimit $time_limit"
		cat <<EOF
access to attrs=userPassword
	by dn.exact="$SLAPD_EXTERNAL_DN" read
	$sync_read
	by self write
	by anonymous auth
	by * none
access to attrs=mailPassword
	by dn.exact="$SLAPD_EXTERNAL_DN" write
	$sync_read
	by self write
	by * none
access to attrs=emailForward
	by dn.exact="$SLAPD_EXTERNAL_DN" read
	$sync_read
	by * read
access to *
	by dn.exact="$SLAPD_EXTERNAL_DN" read
	by * read

$syncprov
EOF
	} >"$SLAPD_CONF" || return 1
	"$SLAPD_BIN" -T test -f "$SLAPD_CONF" -u >"$SLAPD_DIR/slaptest.log" 2>&1 ||
	    { cat "$SLAPD_DIR/slaptest.log" >&2; return 1; }
	SLAPD_SETUP_DONE=1
	if [ $base = 1 ]; then
		slapd_load "$(slapd_data)/base.ldif" || return 1
	fi
	for f in "${loads[@]}"; do
		slapd_load "$f" || return 1
	done
}

# The database section of contrib/slapd/replica.conf for a consumer of
# PROVIDER_URI here (its overlay comes with the ACLs, as for a provider).
slapd_replica_section() {
	echo
	sed -e '/^#/d' -e '/^overlay/,$d' \
	    -e "s|^directory .*|directory $SLAPD_DIR/db|" \
	    -e "s|ldaps://ldap.example.org|$1|g" \
	    -e "s|cn=replicator,dc=example,dc=org|$SLAPD_ROOTDN|" \
	    -e "s|replicator-password|$SLAPD_ROOTPW|" \
	    "${top_srcdir:?}/contrib/slapd/replica.conf"
}

slapd_consumer_start() {
	local p_dir=$SLAPD_DIR p_conf=$SLAPD_CONF p_pid=$SLAPD_PID
	local p_port=$SLAPD_PORT p_uri=$SLAPD_URI p_ldapi=$SLAPD_LDAPI_URI
	local p_rootpw=$SLAPD_ROOTPW_FILE p_syncpw=$SLAPD_SYNC_PW_FILE
	local p_done=$SLAPD_SETUP_DONE rc
	SLAPD_DIR=$T_DIR/slapd-consumer
	SLAPD_CONF=$SLAPD_DIR/slapd.conf
	SLAPD_ROOTPW_FILE=$SLAPD_DIR/rootpw
	SLAPD_SYNC_PW_FILE=$SLAPD_DIR/mailsync.pw
	SLAPD_SETUP_DONE=0
	SLAPD_PID=""
	slapd_setup --syncrepl "$p_uri" && slapd_start
	rc=$?
	CONSUMER_DIR=$SLAPD_DIR
	CONSUMER_URI=$SLAPD_URI
	CONSUMER_PID=$SLAPD_PID
	export CONSUMER_DIR CONSUMER_URI CONSUMER_PID
	SLAPD_DIR=$p_dir SLAPD_CONF=$p_conf SLAPD_PID=$p_pid SLAPD_PORT=$p_port
	SLAPD_URI=$p_uri SLAPD_LDAPI_URI=$p_ldapi SLAPD_ROOTPW_FILE=$p_rootpw
	SLAPD_SYNC_PW_FILE=$p_syncpw SLAPD_SETUP_DONE=$p_done
	export SLAPD_DIR SLAPD_CONF SLAPD_PID SLAPD_PORT SLAPD_URI \
	    SLAPD_LDAPI_URI SLAPD_ROOTPW_FILE SLAPD_SYNC_PW_FILE
	return $rc
}

# contextCSN of the suffix: the newest change a server holds.
slapd_csn() {
	ldapsearch -x -LLL -H "$1" -b "$SLAPD_BASE" -s base contextCSN 2>/dev/null |
	    sed -n 's/^contextCSN: //p' | sort
}

slapd_synced() {
	local a
	a=$(slapd_csn "$1")
	[ -n "$a" ] && [ "$a" = "$(slapd_csn "$2")" ]
}

slapd_running() {
	[ -n "$SLAPD_PID" ] && kill -0 "$SLAPD_PID" 2>/dev/null
}

# slapd_load FILE...: offline with slapadd, or online with ldapadd.
slapd_load() {
	local f tmp=$SLAPD_DIR/load.ldif
	for f in "$@"; do
		slapd_render "$f" >"$tmp" || return 1
		if slapd_running; then
			ldapadd -x -H "$SLAPD_LDAPI_URI" -D "$SLAPD_ROOTDN" \
			    -y "$SLAPD_ROOTPW_FILE" -f "$tmp" >"$SLAPD_DIR/load.log" 2>&1
		else
			slapadd -q -f "$SLAPD_CONF" -l "$tmp" >"$SLAPD_DIR/load.log" 2>&1
		fi || { echo "slapd_load $f failed:" >&2; cat "$SLAPD_DIR/load.log" >&2; return 1; }
	done
}

# shellcheck disable=SC2120 # the tests pass options; slapd_consumer_start does not
slapd_start() {
	local sock
	if [ "$SLAPD_SETUP_DONE" = 0 ]; then
		slapd_setup "$@" || return 1
	elif [ $# -gt 0 ]; then
		echo "slapd_start: options belong to slapd_setup when it was called" >&2
		return 2
	fi
	sock="$SLAPD_DIR/ldapi"
	SLAPD_LDAPI_URI="ldapi://$(printf '%s' "$sock" | sed 's|/|%2F|g')"
	for _ in 1 2 3 4 5; do
		SLAPD_PORT=$(pick_port) || return 1
		SLAPD_URI="ldap://127.0.0.1:$SLAPD_PORT"
		rm -f "$sock"
		"$SLAPD_BIN" -d "$SLAPD_LOGLEVEL" -f "$SLAPD_CONF" \
		    -h "$SLAPD_URI/ $SLAPD_LDAPI_URI" >>"$SLAPD_DIR/slapd.log" 2>&1 &
		SLAPD_PID=$!
		t_track_pid "$SLAPD_PID"
		if wait_for 10 ldapsearch -x -H "$SLAPD_URI" -b "" -s base; then
			export SLAPD_PID SLAPD_PORT SLAPD_URI SLAPD_LDAPI_URI
			return 0
		fi
		# Lost a race for the port, or it failed: look and retry.
		kill -9 "$SLAPD_PID" 2>/dev/null
		wait "$SLAPD_PID" 2>/dev/null
	done
	echo "slapd_start: slapd did not come up; log:" >&2
	tail -20 "$SLAPD_DIR/slapd.log" >&2
	return 1
}

slapd_stop() {
	slapd_running || return 0
	kill "$SLAPD_PID" 2>/dev/null
	wait "$SLAPD_PID" 2>/dev/null
	SLAPD_PID=""
}

slapd_kill() {
	slapd_running || return 0
	kill -9 "$SLAPD_PID" 2>/dev/null
	wait "$SLAPD_PID" 2>/dev/null
	SLAPD_PID=""
}

slapd_pause() { kill -STOP "$SLAPD_PID"; }
slapd_resume() { kill -CONT "$SLAPD_PID"; }
