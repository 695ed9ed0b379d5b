#!/bin/bash
# mailpw audit on a slapd holding mixed hashes: missing, malformed,
# legacy, below the configured cost, fine; text and JSON; exit status;
# no hash ever printed.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/mailpw-conf.sh"
slapd_require
need_cmd doveadm python3
M="$top_builddir/tools/mailpw"
[ -x "$M" ] || skip_all "tools/mailpw not built"

slapd_start --load "$top_srcdir/tests/data/ldap/sample.ldif" || exit 1
C=$T_DIR/udmail.yaml
mailpw_conf "$C"
# Floor: the default argon2 cost (m=65536, t=3).
sed -i 's/argon2: .*/argon2: { t: 3, m: 65536, p: 1 }/' "$C"

md5=$(doveadm pw -s MD5-CRYPT -p 'carol-old')
weak=$(doveadm pw -s SHA512-CRYPT -p x | sed 's/^{SHA512-CRYPT}//')
setpw() { # setpw UID VALUE (empty VALUE deletes)
	if [ -n "$2" ]; then
		printf 'dn: uid=%s,%s\nchangetype: modify\nreplace: mailPassword\nmailPassword: %s\n' "$1" "$SLAPD_USERS" "$2"
	else
		printf 'dn: uid=%s,%s\nchangetype: modify\ndelete: mailPassword\n' "$1" "$SLAPD_USERS"
	fi | ldapmodify -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" >/dev/null
}
setpw carol "$md5"
setpw bob "{SHA}not-base64!"
setpw alice "{ARGON2ID}\$argon2id\$v=19\$m=4096,t=3,p=1\$c2FsdHNhbHQ\$EQl2eAxsHj8X/yWh84MjKob6UJ6+iCY5+9uXrrVb+Ls"
# listmaster (a role account) has none; dave (locked) gets an old {CRYPT}
setpw dave "{CRYPT}$weak"

t_exit 1 "audit finds problems (exit 1)" "$M" -c "$C" audit
out=$(cat "$T_DIR/last.out")
like "$out" $'^bob\tmalformed\tUNKNOWN\t' "bob: malformed"
like "$out" $'carol\tlegacy\tMD5-CRYPT\tlegacy scheme MD5-CRYPT' "carol: legacy MD5-CRYPT"
like "$out" $'alice\tweak\tARGON2ID\tARGON2ID cost m=4096,t=3 below m=65536,t=3' "alice: below cost"
like "$out" $'listmaster\tmissing\tUNKNOWN\tno mailPassword' "listmaster: missing"
! grep -q '^dave' "$T_DIR/last.out"
ok $? "locked account skipped without --all"
! grep -qE 'argon2id\$|\$1\$|not-base64' "$T_DIR/last.out" "$T_DIR/last.err"
ok $? "no hash printed"

t_exit 1 "audit --format json" "$M" -c "$C" audit --format json
python3 - "$T_DIR/last.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = {a["uid"]: a["status"] for a in d["accounts"]}
assert st == {"alice": "weak", "bob": "malformed", "carol": "legacy",
              "listmaster": "missing"}, st
assert d["attention"] == 4 and d["checked"] == 4, d
PY
ok $? "JSON: statuses and counts"

t_exit 1 "audit --all" "$M" -c "$C" audit --all --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); st={a["uid"]:(a["state"],a["status"]) for a in d["accounts"]}; assert st["dave"]==("locked","ok"), st; assert d["attention"]==4, d' "$T_DIR/last.out"
ok $? "--all includes locked accounts, only active ones count"

# Fix everything with mailpw set: audit is then clean.
for u in alice bob carol; do
	printf 'fresh-password-for-%s\n' "${u}x" | sed "s/$u//" | "$M" -c "$C" set --stdin "$u" >/dev/null 2>&1
	ok $? "set $u"
done
t_exit 1 "the role account without mailPassword still counts" "$M" -c "$C" audit
t_exit 0 "audit --ignore-missing clean after migration (exit 0)" "$M" -c "$C" audit --ignore-missing
is "$(cat "$T_DIR/last.out")" "" "nothing listed"
t_exit 0 "-v lists the fine accounts too" "$M" -v -c "$C" audit --ignore-missing
like "$(cat "$T_DIR/last.out")" $'alice\tok\tARGON2ID' "alice ok after set"
setpw alice ""
t_exit 1 "missing mailPassword needs attention" "$M" -c "$C" audit
like "$(cat "$T_DIR/last.out")" $'^alice\tmissing\t' "alice: missing"

sed "s|$SLAPD_URI|ldap://127.0.0.1:1|" "$C" >"$T_DIR/down.yaml"
t_exit 69 "LDAP unreachable" "$M" -c "$T_DIR/down.yaml" audit

plan "$T_NUM"
t_done
