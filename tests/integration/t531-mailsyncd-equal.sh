#!/bin/bash
# Equal to a full rebuild, always: thousands of random LDAP changes
# (passwords, forwards, locks, expiry, retirement, renames, deletes,
# adds) and Hiera edits reach a running mailsyncd, which applies them to
# the entries it holds, with daemon restarts (the entries kept across
# them), slapd restarts, a change made while slapd was down (slapadd,
# behind the cookie's back) and cookie expiry mixed in: slapd restarted
# on a fresh database (every entryUUID new: the present phase names
# nothing the daemon holds, so it reads everything again) or on an older
# copy of its database (the daemon's cookie is from the future).  A
# short session log makes small refreshes delete phases, larger ones
# present phases.  At each quiet point every published
# table must equal, byte for byte, what `mailmap build` makes from
# scratch into an empty directory.  SEED=n reproduces a run; ROUNDS=n
# (default 40) and BATCH=n (default 60 changes a round) size it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/slapd.sh"
. "$top_srcdir/tests/integration/udmail.sh"
slapd_require
need_cmd postmap
[ -x "$top_builddir/src/mailsyncd" ] || skip_all "mailsyncd not built"
ROUNDS=${ROUNDS:-40}
BATCH=${BATCH:-60}
SEED=${SEED:-$(date +%s)}
plan $((ROUNDS + 3))
diag "SEED=$SEED ROUNDS=$ROUNDS BATCH=$BATCH"

NACC=300
slapd_setup
slapd_load "$top_srcdir/tests/data/ldap/sample.ldif"
"$top_srcdir/tests/data/ldap/gen-accounts.sh" $NACC >"$T_DIR/accounts.ldif"
slapd_load "$T_DIR/accounts.ldif"
# A short session log: small batches are refreshed with a delete phase,
# larger ones with a present phase.
sed -i 's/^syncprov-checkpoint.*/&\nsyncprov-sessionlog 30/' "$SLAPD_CONF"
# With an odd seed, syncprov answers a refresh it cannot serve from the
# session log with e-syncRefreshRequired instead of a present phase.
[ $((SEED % 2)) = 1 ] &&
	sed -i 's/^syncprov-sessionlog.*/&\nsyncprov-reloadhint TRUE/' "$SLAPD_CONF"
slapd_start || { echo "Bail out! slapd did not start"; exit 1; }
udmail_setup
# Random deletes in small tables: this test is about equality, the
# guard has its own tests.
echo "shrink_guard: 90%" >>"$U/udmail.yaml"
# The reference: the same configuration, every path under $U/ref.
REF=$U/ref
sed -e "s|$U/maps/|$REF/maps/|; s|$U/dovecot/|$REF/dovecot/|" \
	-e "s|^state_dir: .*|state_dir: $REF/state|" \
	-e "s|^metrics_file: .*|metrics_file: $REF/state/udmail.prom|" \
	"$U/udmail.yaml" >"$U/ref.yaml"
OUTS="virtual alias_domains relay_recipients transport forward sender_login"

# A seeded generator of our own: RANDOM is also used by the harness.
S=$SEED
rnd() { S=$(((S * 1103515245 + 12345) % 2147483648)); R=$(((S >> 8) % $1)); }

HASHES=()
while read -r _ h; do HASHES+=("$h"); done \
	< <(grep '^mailPassword:' "$top_srcdir/tests/data/ldap/sample.ldif" | sort -u)
UIDS=()
for ((i = 1; i <= NACC; i++)); do UIDS+=("$(printf 'u%07d' "$i")"); done
NEXT=1

one_change() {
	local u dn today i
	rnd ${#UIDS[@]}
	i=$R
	u=${UIDS[$i]}
	dn="uid=$u,$SLAPD_USERS"
	today=$(($(date +%s) / 86400))
	rnd 12
	case $R in
	0) rnd ${#HASHES[@]}
	   printf 'dn: %s\nchangetype: modify\nreplace: mailPassword\nmailPassword: %s\n\n' "$dn" "${HASHES[$R]}" ;;
	1) printf 'dn: %s\nchangetype: modify\nreplace: mailPassword\n-\n\n' "$dn" ;;
	2) rnd 1000
	   printf 'dn: %s\nchangetype: modify\nreplace: emailForward\nemailForward: f%s@elsewhere.example.net\n\n' "$dn" "$R" ;;
	3) printf 'dn: %s\nchangetype: modify\nreplace: emailForward\n-\n\n' "$dn" ;;
	4) printf 'dn: %s\nchangetype: modify\nreplace: userPassword\nuserPassword: {crypt}*LK*\n\n' "$dn" ;;
	5) printf 'dn: %s\nchangetype: modify\nreplace: userPassword\nuserPassword: {SSHA}uc9+WjHmzYP8DhreB6aAles5+lpOWza9\n\n' "$dn" ;;
	6) rnd 20
	   printf 'dn: %s\nchangetype: modify\nreplace: shadowExpire\nshadowExpire: %d\n\n' "$dn" $((today - 10 + R)) ;;
	7) printf 'dn: %s\nchangetype: modify\nreplace: accountStatus\naccountStatus: memorial\n\n' "$dn" ;;
	8) printf 'dn: %s\nchangetype: modify\nreplace: accountStatus\n-\n\n' "$dn" ;;
	9) printf 'dn: %s\nchangetype: modrdn\nnewrdn: uid=r%s\ndeleteoldrdn: 1\n\n' "$dn" "$NEXT"
	   UIDS[$i]=r$NEXT
	   NEXT=$((NEXT + 1)) ;;
	10) printf 'dn: %s\nchangetype: delete\n\n' "$dn"
	   UIDS=("${UIDS[@]:0:$i}" "${UIDS[@]:$((i + 1))}") ;;
	11) u=n$NEXT
	   NEXT=$((NEXT + 1))
	   "$top_srcdir/tests/data/ldap/gen-accounts.sh" 1 | sed -e "s/u0000001/$u/g" \
		-e "s/^uidNumber: .*/uidNumber: $((200000 + NEXT))/" | sed '/^dn:/a changetype: add'
	   UIDS+=("$u") ;;
	esac
}

hiera_edit() {
	local i n
	{
		sed -n '1,/^aliases:/p' "$top_srcdir/tests/data/demo/mail.yaml"
		echo "  postmaster: [alice, bob]"
		rnd 15
		n=$R
		for ((i = 0; i < n; i++)); do
			rnd ${#UIDS[@]}
			echo "  role$i: ${UIDS[$R]}"
		done
		echo "forwards:"
		rnd 10
		n=$R
		for ((i = 0; i < n; i++)); do
			rnd 100
			echo "  team$i: [t$R@partner.example.com, t$((R + 1))@partner.example.com]"
		done
		echo "sender_logins:"
		echo "  postmaster: [alice, bob]"
	} >"$U/hiera/.mail.yaml.new"
	# Not a subshell: rnd's state must move on.
	mv "$U/hiera/.mail.yaml.new" "$U/hiera/mail.yaml"
}

start_daemon() {
	mailsyncd -c "$U/udmail.yaml" --interval 3600 2>>"$T_DIR/daemon.log" &
	pid=$!
	t_track_pid $pid
}
stop_daemon() { kill -TERM "$pid"; wait "$pid"; }
# slapd down and up again on the same address.
restart_slapd() {
	slapd_stop
	# -w: the database's contextCSN moves past the new entry, as
	# OpenLDAP asks for offline adds on a provider; without it syncprov
	# tells a consumer that reconnects before the next change that
	# nothing changed, and no consumer sees the entry until it reads
	# everything again (mailsyncd: at the next UTC day or SIGHUP).
	if [ -n "${1:-}" ]; then
		slapadd -q -w -f "$SLAPD_CONF" -l "$1" >"$T_DIR/slapadd.log" 2>&1 ||
			diag "slapadd: $(cat "$T_DIR/slapadd.log")"
	fi
	start_slapd
}
start_slapd() {
	"$SLAPD_BIN" -d 0 -f "$SLAPD_CONF" -h "$SLAPD_URI/ $SLAPD_LDAPI_URI" \
		>>"$SLAPD_DIR/slapd.log" 2>&1 &
	SLAPD_PID=$!
	t_track_pid "$SLAPD_PID"
	wait_for 10 ldapsearch -x -H "$SLAPD_URI" -b "" -s base
}

# slapd restarted on DB: the LDIF of a whole database.
reload_db() {
	slapd_stop
	rm -rf "$SLAPD_DIR/db" && mkdir -p "$SLAPD_DIR/db" &&
		slapadd -q -f "$SLAPD_CONF" -l "$1" >"$T_DIR/slapadd.log" 2>&1 ||
		diag "slapadd: $(cat "$T_DIR/slapadd.log")"
	start_slapd
}
# The same entries with new entryUUIDs and CSNs.
fresh_db() {
	slapcat -f "$SLAPD_CONF" 2>/dev/null |
		grep -v -i '^\(entryUUID\|entryCSN\|contextCSN\):' >"$T_DIR/fresh.ldif"
	reload_db "$T_DIR/fresh.ldif"
}
keep_db() {
	slapcat -f "$SLAPD_CONF" >"$T_DIR/kept.ldif" 2>/dev/null
	KEPT_UIDS=("${UIDS[@]}")
}
# Back to the kept copy: the daemon's cookie is newer than the server.
older_db() {
	[ -s "$T_DIR/kept.ldif" ] || keep_db
	reload_db "$T_DIR/kept.ldif"
	UIDS=("${KEPT_UIDS[@]}")
}

# The daemon's tables against a rebuild from scratch, byte for byte
# (hash: postmap -s, sorted: Berkeley DB's layout depends on history).
same() {
	local o f
	for o in $OUTS; do
		f=$(awk -v o="$o:" '$1 == o { for (i = 1; i <= NF; i++) if ($i == "format:") { sub(/[ }]*$/, "", $(i + 1)); print $(i + 1) } }' "$U/udmail.yaml")
		if [ "$f" = hash ]; then
			[ "$(postmap -s "hash:$U/maps/$o" | sort)" = "$(postmap -s "hash:$REF/maps/$o" | sort)" ] ||
				{ echo "$o"; return 1; }
		else
			cmp -s "$U/maps/$o.lmdb" "$REF/maps/$o.lmdb" ||
				[ "$(postmap -s "lmdb:$U/maps/$o" | sort)" = "$(postmap -s "lmdb:$REF/maps/$o" | sort)" ] ||
				{ echo "$o"; return 1; }
		fi
	done
	cmp -s "$U/dovecot/passwd" "$REF/dovecot/passwd" || { echo passwd; return 1; }
}
rebuild() {
	rm -rf "$REF"
	mkdir -p "$REF/maps" "$REF/dovecot" "$REF/state"
	mailmap -c "$U/ref.yaml" build >/dev/null 2>"$T_DIR/ref.err"
}
# A quiet point: the daemon has caught up when its tables equal a fresh
# rebuild (rebuilt each try: the daemon may still be syncing).
quiet_equal() {
	local i
	for ((i = 0; i < 50; i++)); do
		rebuild || { diag "mailmap build: $(cat "$T_DIR/ref.err")"; return 1; }
		DIFF=$(same) && return 0
		sleep 0.2
	done
	return 1
}

start_daemon
wait_for 10 test -s "$U/dovecot/passwd"; ok $? "daemon published"
quiet_equal; ok $? "equal to a rebuild at start"

changes=0
for ((round = 1; round <= ROUNDS; round++)); do
	ev=""
	rnd 14
	case $R in
	0) ev="daemon restart"; stop_daemon ;;
	1) ev="slapd restart"; restart_slapd ;;
	2) ev="slapd restart with an entry added offline"
	   u=o$NEXT; NEXT=$((NEXT + 1))
	   "$top_srcdir/tests/data/ldap/gen-accounts.sh" 1 | sed -e "s/u0000001/$u/g" \
		-e "s/^uidNumber: .*/uidNumber: $((300000 + NEXT))/" >"$T_DIR/offline.ldif"
	   UIDS+=("$u")
	   restart_slapd "$T_DIR/offline.ldif" ;;
	3|4) ev="hiera edit"; hiera_edit ;;
	5) ev="slapd restart on a fresh database"; fresh_db ;;
	6) ev="slapd restart on an older copy of its database"; older_db ;;
	7) ev="daemon stopped, slapd restarted on a fresh database, daemon started"
	   stop_daemon; fresh_db ;;
	esac
	# Now and then, a copy of the database for older_db.
	rnd 4
	[ "$R" = 0 ] && keep_db
	# In this shell, not a pipeline's: one_change keeps its state here.
	: >"$T_DIR/batch.ldif"
	for ((c = 0; c < BATCH; c++)); do one_change >>"$T_DIR/batch.ldif"; done
	ldapmodify -c -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" \
		<"$T_DIR/batch.ldif" >/dev/null 2>>"$T_DIR/ldapmodify.err"
	changes=$((changes + BATCH))
	case $ev in "daemon restart"|"daemon stopped"*) start_daemon ;; esac
	quiet_equal
	ok $? "round $round (${ev:-changes only}): every table equals a rebuild${DIFF:+ (differs: $DIFF)}"
done
diag "$changes changes in $ROUNDS rounds; $(grep -c '^ldap_' "$T_DIR/ldapmodify.err") refused by slapd"
diag "daemon: $(grep -c 'sync done .*held LDAP entries' "$T_DIR/daemon.log") builds from held entries, $(grep -c 'sync done .*fetch' "$T_DIR/daemon.log") after a fetch, $(grep -c 'reading every entry again' "$T_DIR/daemon.log") refreshes from nothing forced by the server ($(grep -c 'e-syncRefreshRequired' "$T_DIR/daemon.log") by e-syncRefreshRequired), $(grep -c 'as the last run left them' "$T_DIR/daemon.log") starts from kept entries"
kill -0 "$pid"; ok $? "daemon still running"
stop_daemon
