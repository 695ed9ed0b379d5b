#!/bin/sh
# gen-accounts.sh N [BASE]: print LDIF for N active test accounts
# u0000001.. under BASE (default ou=users,dc=example,dc=org), in the
# shape of sample.ldif: every account has a forward and a mail password;
# every 10th is locked, every 50th retired (memorial).  For benchmarks
# and paged-results tests; load base.ldif first.
# The mail password is one fixed ARGON2ID hash of "bench-mail-pw".
set -eu
n=${1:?usage: gen-accounts.sh N [BASE]}
base=${2:-ou=users,dc=example,dc=org}
awk -v n="$n" -v base="$base" 'BEGIN {
	hash = "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$FgJQ6l1gbrCQKzlBT181Rw$o3rRE5k90IrCz3NT4vv+4LS92FVmfrNAV4V4SWy4Gok"
	for (i = 1; i <= n; i++) {
		u = sprintf("u%07d", i)
		printf "dn: uid=%s,%s\n", u, base
		printf "objectClass: top\nobjectClass: inetOrgPerson\n"
		printf "objectClass: debianAccount\nobjectClass: shadowAccount\n"
		printf "objectClass: debianDeveloper\nobjectClass: udmailAccount\n"
		printf "uid: %s\ncn: User %d\nsn: Bench\n", u, i
		printf "uidNumber: %d\ngidNumber: %d\n", 100000 + i, 100000 + i
		if (i % 10 == 0)
			printf "userPassword: {crypt}*LK*\n"
		else
			printf "userPassword: {SSHA}uc9+WjHmzYP8DhreB6aAles5+lpOWza9\n"
		if (i % 50 == 0)
			printf "accountStatus: memorial\n"
		printf "emailForward: %s@forward.example.net\n", u
		printf "mailPassword: %s\n\n", hash
	}
}'
