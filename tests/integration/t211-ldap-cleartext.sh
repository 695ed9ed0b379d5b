#!/bin/bash
# ldap:// to another machine without StartTLS is refused before any
# connection (issue 12, defect 9): mailsyncd, mailmap and mailpw set exit
# 78 at once, naming the URI and the ways out, and never call connect(2)
# for an Internet socket.  strace watches, and makes any connect(2) fail
# on the spot, so even a regression sends nothing to 192.0.2.1.
. "$top_srcdir/tests/integration/lib.sh"
need_cmd strace timeout
for p in tools/mailpw tools/mailmap src/mailsyncd; do
	[ -x "$top_builddir/$p" ] || skip_all "$p not built"
done
strace -f -o /dev/null -e trace=connect -e inject=connect:error=ENETUNREACH \
	true 2>/dev/null || skip_all "strace cannot inject errors"

mkdir -p "$T_DIR/state" "$T_DIR/maps"
printf 'version: 1\ndomain: example.org\n' >"$T_DIR/mail.yaml"
(umask 077 && echo secret >"$T_DIR/pw")
cat >"$T_DIR/udmail.yaml" <<EOF
user: $(id -un)
state_dir: $T_DIR/state
hiera: [ $T_DIR/mail.yaml ]
ldap:
  uri: ldap://127.0.0.1 ldap://192.0.2.1:389/
  bind_dn: cn=mailsync,dc=example,dc=org
  bind_password_file: $T_DIR/pw
  base: ou=users,dc=example,dc=org
  network_timeout: 30
outputs:
  virtual: { path: $T_DIR/maps/virtual }
EOF
MSG="$T_DIR/udmail.yaml:5:8: ldap.uri: ldap://192.0.2.1:389/ would send the bind password and password hashes in clear: set starttls: true, or use ldaps:// or ldapi://, or set allow_cleartext: true if the network is trusted"

# refused NAME CMD...: exit 78 within 2 s, the message, no inet connect.
refused() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	# timeout: a daemon that did start would run for good
	timeout 10 strace -f -qq -o "$T_DIR/strace.$name" -e trace=connect \
		-e inject=connect:error=ENETUNREACH "$@" \
		</dev/null >"$T_DIR/out" 2>"$T_DIR/err"
	rc=$?
	t1=$(date +%s%N)
	is "$rc" 78 "$name: refused (EX_CONFIG)"
	grep -qF -- "$MSG" "$T_DIR/err"; ok $? "$name: the message names the URI and the fixes"
	[ $(((t1 - t0) / 1000000)) -lt 2000 ]; ok $? "$name: at once ($(((t1 - t0) / 1000000)) ms)"
	! grep -E 'connect\(.*AF_INET' "$T_DIR/strace.$name"
	ok $? "$name: no connect(2) to any Internet address"
	grep -q 'secret' "$T_DIR/err" "$T_DIR/out"; ok $((! $?)) "$name: the password is not shown"
}

refused "mailsyncd --once" mailsyncd -c "$T_DIR/udmail.yaml" --once
refused "mailsyncd" mailsyncd -c "$T_DIR/udmail.yaml"
refused "mailmap build" mailmap -c "$T_DIR/udmail.yaml" build
refused "mailmap diff" mailmap -c "$T_DIR/udmail.yaml" diff
refused "mailpw set" sh -c "echo 'a-new-password-42' | mailpw -c '$T_DIR/udmail.yaml' set --stdin alice"
refused "mailpw audit" mailpw -c "$T_DIR/udmail.yaml" audit

# The same file with allow_cleartext: true is accepted (mailmap check
# --hiera-only reads the configuration and never connects).
sed -i 's|^  network_timeout: 30|&\n  allow_cleartext: true|' "$T_DIR/udmail.yaml"
strace -f -qq -o "$T_DIR/strace.allowed" -e trace=connect \
	-e inject=connect:error=ENETUNREACH \
	mailmap -c "$T_DIR/udmail.yaml" check --hiera-only "$T_DIR/mail.yaml" \
	>"$T_DIR/out" 2>"$T_DIR/err"
is "$?" 0 "allow_cleartext: true: the configuration is accepted"
sed 's/^/#   /' "$T_DIR/err"

plan "$T_NUM"
t_done
