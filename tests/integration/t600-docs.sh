#!/bin/bash
# t600-docs: the administrator documentation is usable.
#  - every manual page in man/ renders without a warning (groff -ww, or
#    man -l; mandoc, when installed, must find no error);
#  - each built program's --help mentions every command and option its
#    page's SYNOPSIS documents (mailmap: build diff check query dump
#    resolve), and --version works;
#  - the contrib/ examples are accepted by the real tools: postconf for
#    the main.cf snippets (no unknown or unused parameter), doveconf for
#    the Dovecot snippet, systemd-analyze verify for the units.
# The plan is printed at the end: the number of pages and programs varies.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

# The pages and units as installed: `make` writes them from their .in
# files into the build tree (mk/install.am).
man_dir=$top_builddir/man
contrib=$top_srcdir/contrib
units_dir=$top_builddir/contrib/systemd

pages=$(find "$man_dir" -maxdepth 1 -type f -name '*.[1-8]' 2>/dev/null | sort)
[ -n "$pages" ] || skip_all "no manual pages in $man_dir"

if command -v groff >/dev/null 2>&1; then
	render='groff'
elif command -v man >/dev/null 2>&1; then
	render='man'
else
	skip_all "neither groff nor man installed"
fi

# render PAGE: formatted text on stdout, warnings on stderr.  Under
# `make distcheck` the pages name paths under its temporary prefix
# (.../udmail-X/_inst/share/...), too long for a line wherever the build
# tree sits; only there is groff's "can't break line" not a defect of the
# page as installed.
render() {
	local nobreak=
	grep -q '/_inst/' "$1" && nobreak=-Wbreak
	case $render in
	groff) LC_ALL=C.UTF-8 groff -mandoc -ww ${nobreak:+"$nobreak"} -Tutf8 -P-cbou "$1" ;;
	man) LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l -Tutf8 "$1" ;;
	esac
}

# skip_one "description" "why": a TAP skip.
skip_one() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM - $1 # SKIP $2"
}

# --- 1. every page renders cleanly --------------------------------------
for page in $pages; do
	name=$(basename "$page")
	if [ ! -s "$page" ]; then
		# Another area's page, not written yet: say so, do not fail
		# the whole suite for it.
		skip_one "$name renders" "empty placeholder"
		continue
	fi
	render "$page" >"$T_DIR/page.txt" 2>"$T_DIR/page.err"
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$T_DIR/page.err" ]
	ok $? "$name renders with $render, no warnings"
	[ -s "$T_DIR/page.err" ] && sed 's/^/#   /' "$T_DIR/page.err" | head -20
	grep -q '^NAME' "$T_DIR/page.txt" && grep -q 'SEE ALSO' "$T_DIR/page.txt"
	ok $? "$name has NAME and SEE ALSO sections"
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W error "$page" >"$T_DIR/lint.out" 2>&1
		rc=$?
		# 0: clean; 1: only notes below the level asked for
		[ $rc -le 1 ] && ! grep -qE 'ERROR|UNSUPP' "$T_DIR/lint.out"
		ok $? "$name: mandoc -T lint finds no error"
		[ $rc -le 1 ] || sed 's/^/#   /' "$T_DIR/lint.out" | head -20
	fi
done

# --- 2. --help of built programs covers the documented SYNOPSIS ----------
# synopsis_words PAGE: the commands (.Cm) and options (.Fl) of an mdoc
# SYNOPSIS, one per line, as typed on a command line.
synopsis_words() {
	awk '
	/^\.Sh / { in_syn = ($2 == "SYNOPSIS"); next }
	!in_syn { next }
	{
		for (i = 1; i <= NF; i++) {
			w = $i
			if ((w == ".Cm" || w == "Cm") && i < NF) {
				print $(i + 1)
			} else if ((w == ".Fl" || w == "Fl") && i < NF) {
				o = $(i + 1)
				gsub(/\\-/, "-", o)
				if (o ~ /^[A-Za-z0-9-]/)
					print "-" o
			}
		}
	}' "$1" | grep -vxE -- '--?(help|version)|[|]' | sort -u
}

find_prog() {
	local d
	for d in "$top_builddir/tools" "$top_builddir/src"; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

for page in $pages; do
	case $page in
	*.1 | *.8) ;;
	*) continue ;;
	esac
	name=$(basename "$page")
	prog=${name%.*}
	[ -s "$page" ] || continue
	if ! bin=$(find_prog "$prog"); then
		skip_one "$prog --help covers $name" "$prog not built"
		continue
	fi
	"$bin" --help >"$T_DIR/help.out" 2>"$T_DIR/help.err"
	ok $? "$prog --help exits 0"
	"$bin" --version >"$T_DIR/version.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && grep -q "$prog" "$T_DIR/version.out"
	ok $? "$prog --version exits 0 and names the program"
	words=$(synopsis_words "$page")
	if [ "$prog" = mailmap ]; then
		words=$(printf '%s\n' $words build diff check query dump \
		    resolve | sort -u)
	fi
	if ! grep -q '^\.Sh' "$page" && [ "$prog" != mailmap ]; then
		skip_one "$prog --help covers $name" "not an mdoc page"
		continue
	fi
	missing=
	for w in $words; do
		grep -qwe "$w" "$T_DIR/help.out" || missing="$missing $w"
	done
	[ -z "$missing" ]
	ok $? "$prog --help mentions every word of its SYNOPSIS ($(echo $words))"
	[ -z "$missing" ] || diag "missing from --help:$missing"
done

# --- 3. contrib examples are accepted by the real tools ------------------
if command -v postconf >/dev/null 2>&1; then
	for f in "$contrib"/postfix/main.cf-*; do
		[ -f "$f" ] || continue
		name=$(basename "$f")
		d=$T_DIR/postfix-$name
		mkdir -p "$d"
		# Commented suggestions ("#name = value") are checked too.
		sed -E 's/^#([a-z_0-9]+ = )/\1/' "$f" >"$d/main.cf"
		if [ -f /usr/share/postfix/master.cf.dist ]; then
			cp /usr/share/postfix/master.cf.dist "$d/master.cf"
		else
			: >"$d/master.cf"
		fi
		postconf -c "$d" -n >"$d/out" 2>"$d/err"
		rc=$?
		[ $rc -eq 0 ] && [ ! -s "$d/err" ]
		ok $? "postconf accepts $name without a warning"
		sed 's/^/#   /' "$d/err" | head -20
		n=$(grep -cE '^[a-z_0-9]+ =( |$)' "$d/main.cf")
		m=$(grep -vc '^config_directory = ' "$d/out")
		is "$m" "$n" "postconf -n lists all $n parameters of $name"
	done
else
	skip_one "postconf accepts the main.cf snippets" "postconf not installed"
fi

if command -v doveconf >/dev/null 2>&1 && [ -f "$contrib/dovecot/10-udmail-auth.conf" ]; then
	d=$T_DIR/dovecot
	mkdir -p "$d"
	cat >"$d/dovecot.conf" <<EOF
protocols =
base_dir = $d/run
state_dir = $d/state
log_path = $d/log
!include $contrib/dovecot/10-udmail-auth.conf
EOF
	doveconf -c "$d/dovecot.conf" -n >"$d/out" 2>"$d/err"
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$d/err" ]
	ok $? "doveconf accepts 10-udmail-auth.conf"
	sed 's/^/#   /' "$d/err" | head -20
	grep -q 'driver = passwd-file' "$d/out"
	ok $? "the Dovecot snippet defines a passwd-file passdb"
else
	skip_one "doveconf accepts 10-udmail-auth.conf" "doveconf not installed"
fi

# systemd-analyze verify needs a working systemd; probe with a trivial unit.
units=$( (find "$units_dir" -maxdepth 1 -type f -name '*.service'
	find "$contrib/systemd" -maxdepth 1 -type f -name '*.timer') 2>/dev/null |
	sort)
sa_ok=0
if command -v systemd-analyze >/dev/null 2>&1 && [ -n "$units" ]; then
	mkdir -p "$T_DIR/probe"
	printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' \
	    >"$T_DIR/probe/udmail-probe.service"
	if systemd-analyze verify --man=no \
	    "$T_DIR/probe/udmail-probe.service" >"$T_DIR/probe.out" 2>&1 &&
	    [ ! -s "$T_DIR/probe.out" ]; then
		sa_ok=1
	fi
fi
if [ $sa_ok = 1 ]; then
	mkdir -p "$T_DIR/units"
	cp $units "$T_DIR/units/"
	for u in "$T_DIR"/units/*; do
		name=$(basename "$u")
		(cd "$T_DIR/units" && systemd-analyze verify --man=no "$name") \
		    >"$T_DIR/verify.out" 2>&1
		# The programs are not installed here; anything else counts.
		grep -v 'is not executable' \
		    "$T_DIR/verify.out" >"$T_DIR/verify.err"
		[ ! -s "$T_DIR/verify.err" ]
		ok $? "systemd-analyze verify $name"
		sed 's/^/#   /' "$T_DIR/verify.err" | head -20
	done
	grep -q '^Type=notify' "$T_DIR/units/mailsyncd.service"
	ok $? "mailsyncd.service is Type=notify"
else
	skip_one "systemd-analyze verify contrib/systemd units" \
	    "systemd-analyze not usable here"
fi

plan "$T_NUM"
t_done
