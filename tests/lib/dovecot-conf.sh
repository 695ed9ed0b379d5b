# shellcheck shell=bash
# What every throwaway Dovecot of the tests shares (tests/integration/
# dovecot.sh, tests/e2e/postfix.sh).

# dovecot_conf_base DIR NAME: dovecot.conf's test base on stdout: no
# network service, sockets and state under DIR, the log in
# DIR/dovecot.log, instance NAME, failed logins answered at once.
dovecot_conf_base() {
	cat <<EOF
protocols =
listen = 127.0.0.1
base_dir = $1/run
state_dir = $1/state
instance_name = $2
log_path = $1/dovecot.log
ssl = no
auth_verbose = yes
auth_failure_delay = 0
# Dovecot's per-IP authentication penalty (2, 4, 8, 15 s after each
# failure) would slow every failed-login test from 127.0.0.1; a test
# environment only switches it off (mode 0: no socket).
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  chroot =
}
EOF
}
