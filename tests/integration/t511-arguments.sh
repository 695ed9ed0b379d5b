#!/bin/bash
# Arguments and files out of bounds get a message that says what is
# wrong (issue 12, defect 11): maildnscheck refuses an empty or invalid
# domain argument (64) before any query, and never echoes a control
# character; a file over its size limit is named with the limit, not
# reported as "Argument list too long" (E2BIG from lib/buf).
. "$top_srcdir/tests/integration/lib.sh"
MDC=$top_builddir/tools/maildnscheck
[ -x "$MDC" ] || skip_all "maildnscheck not built"
[ -x "$top_builddir/tools/mailmap" ] || skip_all "mailmap not built"

# A port nothing listens on: a query sent there would time out (1 s).
port=$(pick_port) || { echo "Bail out! no free port"; exit 1; }
R="--resolver 127.0.0.1#$port --timeout 1 --retries 0"

# shellcheck disable=SC2086
t_exit 64 'maildnscheck "": EX_USAGE' "$MDC" $R ""
like "$(cat "$T_DIR/last.err")" "^maildnscheck: .*empty domain" \
	'"": the message says the domain is empty'
is "$(cat "$T_DIR/last.out")" "" '"": no report (no _dmarc query)'
# shellcheck disable=SC2086
t_exit 64 "a newline in a domain: EX_USAGE" "$MDC" $R $'exa\nmple.org'
like "$(cat "$T_DIR/last.err")" 'exa\\x0ample\.org.*control character' \
	"the newline is shown escaped"
is "$(wc -l <"$T_DIR/last.err")" 1 "one line of output"
is "$(cat "$T_DIR/last.out")" "" "no report"
# shellcheck disable=SC2086
t_exit 64 "a valid domain after an invalid one: still refused" "$MDC" $R example.org "a b.example"
like "$(cat "$T_DIR/last.err")" "a b\.example.*character ' ' not allowed" \
	"the bad one is named"
# shellcheck disable=SC2086
t_exit 64 "a domain longer than 253 characters" "$MDC" $R "$(printf 'a%.0s' $(seq 1 254)).org"

# maildnscheck's expected-state file: 4 MiB at most.
head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$T_DIR/big.yaml"
# shellcheck disable=SC2086
t_exit 78 "expected-state file over 4 MiB: EX_CONFIG" "$MDC" $R -c "$T_DIR/big.yaml" example.org
like "$(cat "$T_DIR/last.err")" "$T_DIR/big.yaml: larger than 4194304 bytes" \
	"the file and the limit named"

# A text map of 2 GiB (sparse: no disk used) read by mailmap query.
mkdir -p "$T_DIR/maps" "$T_DIR/state"
truncate -s 2G "$T_DIR/maps/virtual" || skip_all "truncate -s 2G failed"
cat >"$T_DIR/udmail.yaml" <<EOF
user: $(id -un)
state_dir: $T_DIR/state
outputs:
  virtual: { path: $T_DIR/maps/virtual, format: text }
EOF
t_exit 74 "a 2 GiB text map: EX_IOERR" mailmap -c "$T_DIR/udmail.yaml" query virtual a@example.org
like "$(cat "$T_DIR/last.err")" "$T_DIR/maps/virtual: larger than 2147483647 bytes" \
	"the map and the limit named"
! grep -q 'Argument list too long' "$T_DIR"/last.err
ok $? "not E2BIG's text"

plan "$T_NUM"
t_done
