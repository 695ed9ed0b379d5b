#!/bin/bash
# t700-deb: the Debian packages build, pass lintian, install on a fresh
# Debian 12 and work there.  Prints TAP.
#
#  - a fresh bookworm chroot (debootstrap --variant=minbase; the unpacked
#    system is cached as a tarball, so only the first run pays for
#    debootstrap) with the host's apt sources, made first: without a
#    network the test skips before it reports anything;
#  1. dpkg-buildpackage -us -uc -b in a copy of this checkout (tracked
#     and untracked-but-not-ignored files, so uncommitted edits count);
#  2. lintian: no error, no warning;
#  3. apt-get install ./udmail_*.deb ./udmail-dnscheck_*.deb in the
#     chroot: the user udmail and its directories exist, udmail.yaml is a
#     conffile, the units are installed but neither enabled nor started;
#  4. mailmap --version, maildnscheck --version;
#  5. mailsyncd --once as udmail on the demo Hiera export
#     (tests/data/demo/mail.yaml, a Hiera-only configuration): the tables
#     are published in /etc/postfix/maps, owned by udmail, mode 0644, and
#     another user reads them through mailmap query;
#  6. apt-get remove keeps the configuration, purge removes it and
#     /var/lib/udmail.
#
# Needs root (chroot, mounts), debootstrap, dpkg-dev, debhelper and
# lintian (contrib/install-deps.sh test), and the Debian mirror; without
# them it skips with the reason.  Nothing in the chroot listens on the
# network.  Run it from .ci/run, or by hand:  bash tests/package/t700-deb.sh
#
# Env: UDMAIL_PKGTEST_CACHE (default /var/tmp/udmail-pkgtest): the base
#        tarball (about 70 MB), the apt archives of earlier runs, and the
#        run directories while they exist.
#      T_KEEP=1: keep the run directory (build log, packages, chroot).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${UDMAIL_PKGTEST_CACHE:-/var/tmp/udmail-pkgtest}
suite=bookworm
start=$(date +%s)

T_NUM=0 T_FAILED=0
ok() { # ok STATUS DESCRIPTION
	T_NUM=$((T_NUM + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_NUM - $2"
	else
		echo "not ok $T_NUM - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}
is() { # is GOT EXPECTED DESCRIPTION
	[ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
}
diag() { printf '# %s\n' "$@"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail() { echo "Bail out! $*"; exit 1; }
elapsed() { echo "$(($(date +%s) - start)) s"; }

# --- can this run here? ----------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, chroot, mounts)"
for t in debootstrap dpkg-buildpackage dh lintian chroot runuser; do
	command -v "$t" >/dev/null 2>&1 ||
		skip_all "$t not installed (bash contrib/install-deps.sh test)"
done
[ -f "$top/debian/control" ] || skip_all "no debian/ directory in $top"
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
	skip_all "$top is not a git checkout (the package is built from one)"

# The mirror the host uses (first deb822 URIs, else sources.list).
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
# Network: a TCP connection to the mirror, unless apt goes through a proxy
# (then apt-get update in the chroot is the test).
if ! apt-config dump 2>/dev/null | grep -qi '^Acquire::[a-z]*::Proxy '; then
	hostport=${mirror#*://}
	hostport=${hostport%%/*}
	case $mirror in https:*) port=443 ;; *) port=80 ;; esac
	case $hostport in *:*) port=${hostport##*:} hostport=${hostport%:*} ;; esac
	timeout 15 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$hostport" "$port" 2>/dev/null ||
		skip_all "cannot reach $hostport:$port (no network for debootstrap and apt)"
fi

mkdir -p "$cache" && cache=$(cd "$cache" && pwd -P) || bail "cannot create $cache"
base=$cache/$suite-minbase.tar.gz
exec 9>"$cache/.lock"
flock -w 600 9 || bail "another t700-deb run holds $cache/.lock"
run=$(mktemp -d "$cache/run.XXXXXX") || bail "mktemp failed"
root=$run/chroot

# --- cleanup: nothing keeps running in the chroot, nothing stays mounted ----
# mounts_under DIR: mount points at or below DIR, deepest first.
mounts_under() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r
}
# procs_in DIR: PIDs whose root directory is DIR.
procs_in() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$1" ] && echo "${p#/proc/}"
	done
}
cleanup() {
	local rc=$? m p sig
	set +e
	if [ -d "$root" ]; then
		for sig in TERM TERM KILL; do
			p=$(procs_in "$root")
			[ -z "$p" ] && break
			# shellcheck disable=SC2086
			kill -s "$sig" $p 2>/dev/null
			sleep 1
		done
		for m in $(mounts_under "$root"); do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
	fi
	if [ "${T_KEEP:-0}" = 1 ]; then
		echo "# kept: $run"
	elif [ -z "$(mounts_under "$root")" ]; then
		# --one-file-system: never into a mount that did not go away
		rm -rf --one-file-system "$run"
	else
		echo "# still mounted under $root; not removed: $run"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- a fresh bookworm, first: without network, skip before any TAP line ---
if [ ! -s "$base" ]; then
	t0=$(date +%s)
	diag "debootstrap --variant=minbase $suite from $mirror (once; cached in $base)"
	if ! debootstrap --variant=minbase "$suite" "$run/base" "$mirror" \
		>"$run/debootstrap.log" 2>&1; then
		tail -15 "$run/debootstrap.log" | sed 's/^/#   /'
		for m in $(mounts_under "$run/base"); do umount -l "$m"; done
		bail "debootstrap failed"
	fi
	for m in $(mounts_under "$run/base"); do umount "$m" || umount -l "$m"; done
	tar -C "$run/base" -czf "$base.tmp" . && mv "$base.tmp" "$base" ||
		bail "cannot write $base"
	rm -rf --one-file-system "$run/base"
	diag "debootstrap and tarball: $(($(date +%s) - t0)) s"
fi
mkdir -p "$root" && tar -C "$root" -xzf "$base" || bail "cannot unpack $base"

# The host's apt sources (and proxy settings, if any) in place of the
# one-suite sources.list debootstrap wrote; resolver and hosts.
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && cp "$f" "$root$f"
done
for f in $(grep -lis '^[[:space:]]*Acquire::[a-z]*::Proxy' /etc/apt/apt.conf.d/* 2>/dev/null); do
	cp "$f" "$root$f"
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
# No service starts in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
# Packages fetched by earlier runs.
mkdir -p "$cache/archives"
find "$cache/archives" -maxdepth 1 -name '*.deb' -exec cp -t "$root/var/cache/apt/archives/" {} + 2>/dev/null
# debootstrap made the device nodes (/dev/null, ...) and the tarball
# keeps them; nothing of the host's /dev is mounted in.
[ -c "$root/dev/null" ] && [ -c "$root/dev/urandom" ] ||
	bail "no /dev/null or /dev/urandom in $base (remove it to rebuild)"
mount -t proc proc "$root/proc" &&
	mount -t sysfs -o ro sysfs "$root/sys" &&
	mount -t tmpfs tmpfs "$root/tmp" ||
	bail "cannot mount /proc, /sys or /tmp in the chroot"

# in_root CMD...: run in the chroot with a clean environment.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
}

if ! in_root apt-get update -q >"$run/apt.log" 2>&1; then
	tail -10 "$run/apt.log" | sed 's/^/#   /'
	grep -qiE 'Could not resolve|Temporary failure|Unable to connect|Network is unreachable' \
		"$run/apt.log" && skip_all "apt-get update in the chroot cannot reach the mirror"
	bail "apt-get update failed in the chroot"
fi

# --- 1. build -------------------------------------------------------------
mkdir -p "$run/src/udmail"
git -C "$top" ls-files -z --cached --others --exclude-standard |
	(cd "$top" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
	tar -x -C "$run/src/udmail"
version=$(cd "$run/src/udmail" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
t0=$(date +%s)
# nocheck: CI runs the unit tests several times already; this is about
# the package.
(cd "$run/src/udmail" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$run/build.log" 2>&1
rc=$?
ok $rc "dpkg-buildpackage -us -uc -b ($(($(date +%s) - t0)) s)"
[ $rc -eq 0 ] || { tail -25 "$run/build.log" | sed 's/^/#   /'; bail "no package"; }
debs="udmail_${version}_$arch.deb udmail-dnscheck_${version}_$arch.deb"
for d in $debs; do
	[ -s "$run/src/$d" ]
	ok $? "built $d"
done

# --- 2. lintian -----------------------------------------------------------
lintian --fail-on error,warning "$run/src/udmail_${version}_$arch.changes" \
	>"$run/lintian.log" 2>&1
rc=$?
ok $rc "lintian: no error or warning"
grep -E '^[EW]: ' "$run/lintian.log" | sed 's/^/#   /'
dpkg-deb -f "$run/src/udmail-dnscheck_${version}_$arch.deb" Depends |
	grep -qE 'libldap|libdb|liblmdb|libargon2'
[ $? -eq 1 ]
ok $? "udmail-dnscheck needs no LDAP, Berkeley DB, lmdb or argon2 library"

# --- 3. install -----------------------------------------------------------
mkdir -p "$root/root/debs"
for d in $debs; do cp "$run/src/$d" "$root/root/debs/"; done
t0=$(date +%s)
# shellcheck disable=SC2086
in_root sh -c "cd /root/debs && apt-get install -y -q --no-install-recommends $(printf './%s ' $debs)" \
	>>"$run/apt.log" 2>&1
rc=$?
ok $rc "apt-get install ./udmail_*.deb ./udmail-dnscheck_*.deb in a fresh $suite ($(($(date +%s) - t0)) s)"
[ $rc -eq 0 ] || { tail -25 "$run/apt.log" | sed 's/^/#   /'; bail "not installed"; }
cp -n "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null
grep -E '^(Setting up|Unpacking) ' "$run/apt.log" | grep -c 'Setting up' |
	sed 's/^/# packages set up: /'

for p in udmail udmail-dnscheck; do
	is "$(in_root dpkg-query -W -f '${Status} ${Version}' "$p" 2>&1)" \
		"install ok installed $version" "$p $version is installed"
done

# The user, from sysusers.d.
IFS=: read -r u _ uid gid _ home shell <<<"$(in_root getent passwd udmail)"
is "$u" udmail "user udmail exists"
[ -n "$uid" ] && [ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ]
ok $? "udmail is a system user (uid ${uid:-none})"
is "$home" /var/lib/udmail "its home is /var/lib/udmail"
case $shell in */nologin | /bin/false) r=0 ;; *) r=1 ;; esac
ok $r "it has no login shell ($shell)"
is "$(in_root getent group udmail | cut -d: -f3)" "$gid" "group udmail is its primary group"

# The directories, from tmpfiles.d.
is "$(in_root stat -c '%U:%G %a' /var/lib/udmail 2>&1)" "udmail:udmail 750" \
	"/var/lib/udmail: udmail:udmail 0750"
is "$(in_root stat -c '%U:%G %a' /etc/postfix/maps 2>&1)" "udmail:udmail 755" \
	"/etc/postfix/maps: udmail:udmail 0755"

# The configuration is a conffile.
in_root dpkg-query -W -f '${Conffiles}\n' udmail | grep -q '^ /etc/udmail/udmail.yaml [0-9a-f]\{32\}$'
ok $? "/etc/udmail/udmail.yaml is a conffile"

# Units installed, not enabled, not started.
for u in mailsyncd.service mailsyncd-once.service mailsyncd-once.timer; do
	[ -f "$root/lib/systemd/system/$u" ]
	ok $? "$u installed"
done
for u in mailsyncd.service mailsyncd-once.timer; do
	is "$(in_root systemctl is-enabled "$u" 2>&1)" disabled "$u is not enabled"
done
is "$(find "$root/etc/systemd/system" -name 'mailsyncd*' 2>/dev/null)" "" \
	"no mailsyncd unit linked under /etc/systemd/system"
grep -q '^ExecStart=/usr/sbin/mailsyncd -c /etc/udmail/udmail.yaml$' \
	"$root/lib/systemd/system/mailsyncd.service"
ok $? "mailsyncd.service runs /usr/sbin/mailsyncd -c /etc/udmail/udmail.yaml"
is "$(procs_in "$root")" "" "no process left running in the chroot"

# --- 4. the programs run --------------------------------------------------
out=$(in_root mailmap --version 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "mailmap (udmail) $version" ]
ok $? "mailmap --version: $out"
out=$(in_root maildnscheck --version 2>&1)
rc=$?
case $out in "maildnscheck "*"$version") r=$rc ;; *) r=1 ;; esac
ok $r "maildnscheck --version: $out"
in_root man -w mailsyncd >/dev/null 2>&1 ||
	[ -f "$root/usr/share/man/man8/mailsyncd.8.gz" ]
ok $? "mailsyncd(8) installed"

# --- 5. mailsyncd --once as udmail on the demo export ---------------------
mkdir -p "$root/etc/udmail/hiera"
cp "$top/tests/data/demo/mail.yaml" "$root/etc/udmail/hiera/mail.yaml"
# Hiera only (no ldap section): no directory server in the chroot.
cat >"$root/etc/udmail/udmail.yaml" <<'EOF'
state_dir: /var/lib/udmail
metrics_file: /var/lib/udmail/udmail.prom
hiera:
  - /etc/udmail/hiera/mail.yaml
transport_nexthop: "smtp:[srs.example.org]"
outputs:
  virtual:       { path: /etc/postfix/maps/virtual }
  alias_domains: { path: /etc/postfix/maps/alias_domains }
  transport:     { path: /etc/postfix/maps/transport }
  forward:       { path: /etc/postfix/maps/forward, format: hash }
  sender_login:  { path: /etc/postfix/maps/sender_login }
EOF
chmod 644 "$root/etc/udmail/udmail.yaml" "$root/etc/udmail/hiera/mail.yaml"
in_root runuser -u udmail -- mailsyncd --once -c /etc/udmail/udmail.yaml \
	>"$run/sync.out" 2>"$run/sync.err"
rc=$?
is "$rc" 0 "runuser -u udmail -- mailsyncd --once exits 0"
[ $rc -eq 0 ] || sed 's/^/#   /' "$run/sync.err" | head -20
for f in virtual.lmdb alias_domains.lmdb transport.lmdb sender_login.lmdb forward.db; do
	is "$(in_root stat -c '%U:%G %a' "/etc/postfix/maps/$f" 2>&1)" "udmail:udmail 644" \
		"/etc/postfix/maps/$f published, udmail:udmail 0644"
done
is "$(in_root stat -c '%U' /var/lib/udmail/mailsyncd.lock 2>&1)" udmail \
	"the lock is in /var/lib/udmail, owned by udmail"
grep -q '^udmail_sync_last_success_timestamp_seconds [1-9]' "$root/var/lib/udmail/udmail.prom" 2>/dev/null
ok $? "metrics file records a successful run"
# Another user (as Postfix would) reads what udmail published.
q() { in_root runuser -u nobody -- mailmap -c /etc/udmail/udmail.yaml query "$@" 2>&1; }
is "$(q forward board@example.org)" \
	"chair@board.example.net, treasurer@board.example.net" \
	"nobody reads forward: board@example.org"
is "$(q virtual board@members.example.org)" "board@example.org" \
	"nobody reads virtual: board@members.example.org -> board@example.org"
is "$(q alias_domains mail.example.org)" "mail.example.org" \
	"nobody reads alias_domains: mail.example.org"
# A second run publishes nothing new: unchanged tables keep their inode.
i1=$(stat -c %i "$root/etc/postfix/maps/virtual.lmdb")
in_root runuser -u udmail -- mailsyncd --once -c /etc/udmail/udmail.yaml >/dev/null 2>&1
rc=$?
i2=$(stat -c %i "$root/etc/postfix/maps/virtual.lmdb")
[ $rc -eq 0 ] && [ "$i1" = "$i2" ]
ok $? "a second run exits 0 and leaves the unchanged table in place"

# --- 6. remove, purge -----------------------------------------------------
in_root apt-get remove -y -q udmail >>"$run/apt.log" 2>&1
ok $? "apt-get remove udmail"
[ ! -e "$root/usr/sbin/mailsyncd" ] && [ -f "$root/etc/udmail/udmail.yaml" ]
ok $? "removed: mailsyncd gone, /etc/udmail/udmail.yaml kept"
in_root apt-get purge -y -q udmail >>"$run/apt.log" 2>&1
ok $? "apt-get purge udmail"
[ ! -e "$root/etc/udmail/udmail.yaml" ] && [ ! -e "$root/var/lib/udmail" ]
ok $? "purged: udmail.yaml and /var/lib/udmail gone"
[ -f "$root/etc/postfix/maps/virtual.lmdb" ]
ok $? "purged: the published tables stay for the mail system"
out=$(in_root maildnscheck --version 2>&1)
ok $? "udmail-dnscheck still works alone: $out"

diag "t700-deb: $(elapsed) in all"
echo "1..$T_NUM"
[ "$T_FAILED" -eq 0 ]
