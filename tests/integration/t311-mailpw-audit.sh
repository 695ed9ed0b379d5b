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

# carol's as the Perl ud-ldap stores it: a bare crypt(3) MD5 hash
md5=$(openssl passwd -1 'carol-old')
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
like "$out" $'carol\tlegacy\tMD5-CRYPT\tlegacy scheme MD5-CRYPT; stored without \\{SCHEME\\}, published as \\{MD5-CRYPT\\}' "carol: legacy MD5-CRYPT, bare"
like "$out" $'alice\tweak\tARGON2ID\tARGON2ID cost m=4096,t=3 below m=65536,t=3' "alice: below cost"
like "$out" $'listmaster\tmissing\tUNKNOWN\tno mailPassword' "listmaster: missing"
! grep -q '^dave' "$T_DIR/last.out"
ok $? "locked account skipped without --all"
is "$(grep '^#' "$T_DIR/last.out")" "# 4 accounts checked, 4 need a new password; by scheme:
# ARGON2ID	1
# MD5-CRYPT	1	(1 without {SCHEME})
# missing	1
# malformed	1" "summary: accounts per scheme"
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
assert d["schemes"] == {"ARGON2ID": 1, "MD5-CRYPT": 1, "missing": 1,
                        "malformed": 1}, d["schemes"]
assert d["unprefixed"] == 1, d
pre = {a["uid"]: a["prefixed"] for a in d["accounts"]}
assert pre["carol"] is False and pre["alice"] is True, pre
PY
ok $? "JSON: statuses, counts per scheme, prefixed"

# A scheme Dovecot has and udmail does not verify: its own status.
setpw bob "{CRAM-MD5}99a8a7515dd11beb8a483f53bb8e5de1c5e62ee22afe573a9983451584966ecc"
t_exit 1 "audit with a CRAM-MD5 value" "$M" -c "$C" audit
like "$(cat "$T_DIR/last.out")" $'bob\tunsupported\tUNKNOWN\tpassword scheme \\{CRAM-MD5\\} is not supported' "bob: unsupported, scheme named"
like "$(cat "$T_DIR/last.out")" $'# unsupported\t1' "unsupported counted"

t_exit 1 "audit --all" "$M" -c "$C" audit --all --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); st={a["uid"]:(a["state"],a["status"],a["scheme"]) for a in d["accounts"]}; assert st["dave"]==("locked","ok","SHA512-CRYPT"), st; assert d["attention"]==4, d' "$T_DIR/last.out"
ok $? "--all includes locked accounts ({CRYPT}\$6\$ counted as SHA512-CRYPT), only active ones count"

# Fix everything with mailpw set: audit is then clean.
for u in alice bob carol; do
	printf 'fresh-password-for-%s\n' "${u}x" | sed "s/$u//" | "$M" -c "$C" set --stdin "$u" >/dev/null 2>&1
	ok $? "set $u"
done
t_exit 1 "the role account without mailPassword still counts" "$M" -c "$C" audit
t_exit 0 "audit --ignore-missing clean after migration (exit 0)" "$M" -c "$C" audit --ignore-missing
is "$(grep -v '^#' "$T_DIR/last.out")" "" "no account listed"
like "$(cat "$T_DIR/last.out")" $'# ARGON2ID\t3' "all three now ARGON2ID"
t_exit 0 "-v lists the fine accounts too" "$M" -v -c "$C" audit --ignore-missing
like "$(cat "$T_DIR/last.out")" $'alice\tok\tARGON2ID' "alice ok after set"
setpw alice ""
t_exit 1 "missing mailPassword needs attention" "$M" -c "$C" audit
like "$(cat "$T_DIR/last.out")" $'^alice\tmissing\t' "alice: missing"

sed "s|$SLAPD_URI|ldap://127.0.0.1:1|" "$C" >"$T_DIR/down.yaml"
t_exit 69 "LDAP unreachable" "$M" -c "$T_DIR/down.yaml" audit

plan "$T_NUM"
t_done
