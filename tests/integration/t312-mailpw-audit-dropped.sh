#!/bin/bash
# mailpw audit on a mailPassword that the LDAP fetch drops (a line break
# in the value; a space or no {SCHEME}, where the fetch drops those):
# reported as malformed with the reason, never as "missing: no
# mailPassword", and --ignore-missing does not hide it (issue 12, 11).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/mailpw-conf.sh"
slapd_require
need_cmd python3
M="$top_builddir/tools/mailpw"
[ -x "$M" ] || skip_all "tools/mailpw not built"

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
C=$T_DIR/udmail.yaml
mailpw_conf "$C"
setpw64() { # setpw64 UID VALUE: VALUE sent base64-encoded (any bytes)
	printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: mailPassword\nmailPassword:: %s\n' \
		"$1" "$SLAPD_USERS" "$(printf '%s' "$2" | base64 -w0)" |
		ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null
}
setpw64 alice $'{SHA512-CRYPT}$6$saltsalt$linebreak\nsecondline'
ok $? "alice: a value with a line break stored"
setpw64 bob '{SHA512-CRYPT}$6$saltsalt$with space'
ok $? "bob: a value with a space stored"
setpw64 carol 'no-scheme-hashhashhash'
ok $? "carol: a value without {SCHEME} stored"

t_exit 1 "audit needs attention" "$M" -c "$C" audit --ignore-missing
out=$(cat "$T_DIR/last.out")
like "$out" $'^alice\tmalformed\t[A-Z0-9-]*\tmailPassword value dropped: contains a line break$' \
	"line break: malformed, with the reason"
like "$out" $'^bob\t(malformed|unsupported)\t' "space: not missing"
like "$out" $'^carol\t(malformed|unsupported|legacy)\t' "no {SCHEME}: not missing"
! grep -q 'no mailPassword' "$T_DIR/last.out"
ok $? "none of them reported as missing"
! grep -qE 'linebreak|secondline|with space|hashhashhash' "$T_DIR/last.out" "$T_DIR/last.err"
ok $? "no value printed"

t_exit 1 "audit --format json" "$M" -c "$C" audit --format json --ignore-missing
python3 - "$T_DIR/last.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = {a["uid"]: (a["status"], a["reason"]) for a in d["accounts"]}
assert st["alice"] == ("malformed", "mailPassword value dropped: contains a line break"), st
assert st["bob"][0] != "missing" and st["carol"][0] != "missing", st
PY
ok $? "JSON: alice malformed, with the reason"

plan "$T_NUM"
t_done
