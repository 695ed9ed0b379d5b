# shellcheck shell=bash
# legacy-hash.sh: stored mailPassword values of every kind a running
# site may hold, made at test time by the tools that make them in the
# wild (never hard-coded).  After lib.sh:
#
#   legacy_hash KIND PASSWORD    print the stored value; exit 1 when the
#                                generating tool failed
#   legacy_published KIND        the {SCHEME} the passwd-file must carry
#
# KIND:
#   bare-md5 bare-sha256 bare-sha512   openssl passwd -1/-5/-6 (crypt(3)
#                       as the Perl userdir-ldap writes it, no prefix)
#   bare-md5-tail       bare-md5 followed by "$tail" (Dovecot ignores it)
#   bare-2a bare-2b bare-2x bare-y bare-gy bare-des
#                       libcrypt's crypt_gensalt + crypt, from python3 via
#                       ctypes ($2x$: a $2b$ salt relabelled)
#   bare-2y             doveadm pw -s BLF-CRYPT, prefix removed
#   crypt-lower         "{crypt}" + openssl passwd -6 (ud-ldap's style)
#   sha256-hex          "{SHA256}" + sha256sum's hex digest
#   plain-trunc         "{PLAIN-TRUNC}N-password"
#   dv:SCHEME           doveadm pw -s SCHEME (SMD5, SSHA, PBKDF2, ...)
# Test passwords only: doveadm takes its password on argv.

# shellcheck disable=SC2034 # used by the tests that source this file
LEGACY_KINDS="bare-md5 bare-md5-tail bare-sha256 bare-sha512 bare-2a bare-2b
bare-2x bare-2y bare-y bare-gy bare-des crypt-lower sha256-hex plain-trunc
dv:SMD5 dv:SSHA dv:SSHA256 dv:SSHA512 dv:SHA dv:SHA1 dv:SHA256 dv:SHA512
dv:SHA256.HEX dv:PLAIN-MD5 dv:LDAP-MD5 dv:MD5 dv:MD5-CRYPT dv:SHA256-CRYPT
dv:SHA512-CRYPT dv:BLF-CRYPT dv:CRYPT dv:DES-CRYPT dv:PBKDF2 dv:SCRAM-SHA-1
dv:SCRAM-SHA-256 dv:ARGON2I dv:ARGON2ID dv:PLAIN dv:CLEAR dv:CLEARTEXT"

# libcrypt through ctypes: the same crypt(3) the system's tools use, and
# no dependency on Python's crypt module (gone in 3.13).  Password on
# stdin, setting prefix as argument.
legacy_libcrypt() {
	printf '%s' "$2" | python3 -c '
import ctypes, sys
lc = ctypes.CDLL("libcrypt.so.1")
lc.crypt_gensalt.restype = ctypes.c_char_p
lc.crypt.restype = ctypes.c_char_p
prefix = sys.argv[1].encode()
label = None
if prefix == b"$2x$":
    prefix, label = b"$2b$", b"$2x$"
salt = lc.crypt_gensalt(prefix, 5 if prefix.startswith(b"$2") else 0,
                        None, 0)
if not salt:
    sys.exit(1)
if label:
    salt = label + salt[4:]
h = lc.crypt(sys.stdin.buffer.read(), salt)
if not h or h.startswith(b"*"):
    sys.exit(1)
print(h.decode())
' "$1"
}

legacy_hash() {
	local kind=$1 pw=$2 h
	case $kind in
	bare-md5) openssl passwd -1 -stdin <<<"$pw" ;;
	bare-md5-tail) h=$(openssl passwd -1 -stdin <<<"$pw") && printf '%s$tail\n' "$h" ;;
	bare-sha256) openssl passwd -5 -stdin <<<"$pw" ;;
	bare-sha512) openssl passwd -6 -stdin <<<"$pw" ;;
	bare-2a) legacy_libcrypt '$2a$' "$pw" ;;
	bare-2b) legacy_libcrypt '$2b$' "$pw" ;;
	bare-2x) legacy_libcrypt '$2x$' "$pw" ;;
	bare-y) legacy_libcrypt '$y$' "$pw" ;;
	bare-gy) legacy_libcrypt '$gy$' "$pw" ;;
	bare-des) legacy_libcrypt '' "$pw" ;;
	bare-2y) h=$(doveadm pw -s BLF-CRYPT -p "$pw") && printf '%s\n' "${h#\{BLF-CRYPT\}}" ;;
	crypt-lower) h=$(openssl passwd -6 -stdin <<<"$pw") && printf '{crypt}%s\n' "$h" ;;
	sha256-hex) h=$(printf '%s' "$pw" | sha256sum) && printf '{SHA256}%s\n' "${h%% *}" ;;
	plain-trunc) printf '{PLAIN-TRUNC}%d-%s\n' "${#pw}" "$pw" ;;
	dv:*) doveadm pw -s "${kind#dv:}" -p "$pw" ;;
	*) echo "legacy_hash: unknown kind $kind" >&2; return 2 ;;
	esac
}

# What Dovecot calls the value (the canonical name udmail publishes).
legacy_published() {
	case $1 in
	bare-md5 | bare-md5-tail | dv:MD5 | dv:MD5-CRYPT) echo MD5-CRYPT ;;
	bare-sha256 | dv:SHA256-CRYPT) echo SHA256-CRYPT ;;
	bare-sha512 | crypt-lower | dv:SHA512-CRYPT) echo SHA512-CRYPT ;;
	bare-2? | dv:BLF-CRYPT | dv:CRYPT) echo BLF-CRYPT ;;
	bare-y | bare-gy) echo CRYPT ;;
	bare-des | dv:DES-CRYPT) echo DES-CRYPT ;;
	sha256-hex) echo SHA256 ;;
	plain-trunc) echo PLAIN-TRUNC ;;
	dv:SHA1) echo SHA ;;
	dv:CLEAR | dv:CLEARTEXT) echo PLAIN ;;
	dv:*) echo "${1#dv:}" ;;
	esac
}
