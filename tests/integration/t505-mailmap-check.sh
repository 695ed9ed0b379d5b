#!/bin/bash
# mailmap check: `--hiera-only FILE` needs no configuration and no LDAP
# (Puppet's validate_cmd): targets it cannot see are presumed to be LDAP
# accounts, real faults still fail it.  Without --hiera-only it checks the
# whole configured pipeline.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"
slapd_require
plan 11

demo=$top_srcdir/tests/data/demo/mail.yaml
t_exit 66 "-c naming a missing file is an error even with --hiera-only" \
	mailmap -c "$T_DIR/none.yaml" check --hiera-only "$demo"
t_run "demo export passes --hiera-only with no configuration file" \
	mailmap check --hiera-only "$demo"
like "$(cat "$T_DIR/last.out")" "0 rejected, 0 conflicts, 0 loops, 0 dangling" "summary line"

cat >"$T_DIR/loop.yaml" <<'YAML'
version: 1
domain: example.org
aliases:
  a: b
  b: a
  c: "x@ext.example, bad target"
YAML
t_exit 65 "alias loop and a bad target fail the check" mailmap check --hiera-only "$T_DIR/loop.yaml"
like "$(cat "$T_DIR/last.err")" "loop.yaml:[0-9]+: .*alias loop" "loop named with file:line"
printf 'version: 1\ndomain: example.org\naliases:\n  a: [b\n' >"$T_DIR/broken.yaml"
t_exit 65 "broken YAML fails" mailmap check --hiera-only "$T_DIR/broken.yaml"
like "$(cat "$T_DIR/last.err")" "broken.yaml:[0-9]+:[0-9]+:" "broken YAML: file:line:col"
printf 'version: 1\naliases:\n  a: b@ext.example\n' >"$T_DIR/nodomain.yaml"
t_exit 78 "no domain anywhere: configuration error" mailmap check --hiera-only "$T_DIR/nodomain.yaml"
t_run "--domain supplies it" mailmap check --hiera-only --domain example.org "$T_DIR/nodomain.yaml"

# The full check sees LDAP: webmaster -> carol (no forward) is dangling.
slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
t_exit 65 "full check reports the dangling target" mailmap -c "$U/udmail.yaml" check
like "$(cat "$T_DIR/last.err")" "webmaster@example.org -> carol@example.org" "dangling target named"
t_done
