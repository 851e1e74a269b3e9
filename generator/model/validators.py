"""Validators for model fields: each returns None when fine, else what is allowed.

They are strict on purpose: values land in Dockerfiles, unit files and JVM
argfiles, which are line formats, so a validator is what keeps a value from
escaping its line (no newlines, quotes or shell metacharacters where none belong).
Every pattern is matched with `fullmatch`: `re.match` with `$` accepts a trailing
newline ("x\n"), which is how a value would escape its line.
"""

from __future__ import annotations

import functools
import ipaddress
import posixpath
import re
from collections.abc import Mapping

from generator import secret_like
from generator.errors import ValueHidden

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_]*$"
_LABEL_NAME = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_IMAGE_NAME = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+|__)*(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$")
_IMAGE_REF = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[0-9]+)?(/[a-z0-9._-]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_REL_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
_ABS_PATH = re.compile(r"^/[A-Za-z0-9_][A-Za-z0-9_./-]*$")
_QUANTITY_CPU = re.compile(r"^([1-9][0-9]{0,5}m|(0|[1-9][0-9]{0,2})(\.[0-9]{1,3})?)$")
_QUANTITY_MEM = re.compile(r"^[1-9][0-9]{0,9}(Ki|Mi|Gi|Ti)$")
_JVM_FLAG = re.compile(r"^-[A-Za-z][A-Za-z0-9_.:+=/,%-]*$")
#: Longest path a Linux system call takes (PATH_MAX), and longest name in a folder (NAME_MAX).
PATH_MAX = 4095
NAME_MAX = 255
#: The most memory a quantity may name (1024Ti = 2^50 bytes): systemd, docker and the JVM all read it.
MEMORY_MAX_BYTES = 2**50
#: Trees the service user may write (systemd gives it StateDirectory=/LogsDirectory=/CacheDirectory= there,
#: PrivateTmp= and /dev/shm are its own, home folders are someone's) or that the kernel owns: a jar or a java
#: binary there could be rewritten by the service it starts.
WRITABLE_TREES = ("/var/lib", "/var/log", "/var/cache", "/var/tmp", "/var/spool", "/var/mail", "/var/crash", "/var/lock",
                  "/var/run", "/run", "/tmp", "/dev", "/proc", "/sys", "/home", "/root", "/lost+found")
#: ... and trees no install folder may be in, though a java binary may (/etc/alternatives/java): hardgen's
#: configuration folder is /etc/<name>, and its tmpfiles.d lines would fight over a shared one.
CONFIG_TREES = ("/etc", "/boot", "/efi")


#: Characters no value may hold: C0 controls (a newline ends a line of a unit file, a NUL ends a C string), DEL,
#: C1 controls (NEL is a line break to YAML), the Unicode line and paragraph separators, the byte-order mark,
#: bidi controls (text that reads differently than it runs), lone surrogates (not encodable as UTF-8) and
#: non-characters (U+FFFE, U+FFFF and the rest: YAML cannot carry them).
_UNSAFE_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufdd0-\ufdef\ud800-\udfff"
    "\ufffe\uffff\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff\U0005fffe\U0005ffff"
    "\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe"
    "\U000bffff\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff"
)


@functools.cache
def _unsafe(multiline: bool) -> re.Pattern[str]:
    """Compiled on first use: printable ASCII, nearly every value, never needs it."""
    return re.compile(f"[{_UNSAFE_CHARS}]" if multiline else f"[\n\t{_UNSAFE_CHARS}]")


def unsafe_text(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be written anywhere, or None: see _UNSAFE_CHARS. TOML escapes a newline or a tab in a
    string, so free text (`multiline`, config.values) may hold those two."""
    if value.isascii() and value.isprintable():
        return None
    found = _unsafe(multiline).search(value)
    if found is None:
        return None
    return f"holds the character U+{ord(found.group()):04X}, which no value may hold (line breaks, controls, bidi and byte-order marks, non-characters)"


def secret_value(value: str) -> str | None:
    """A value shaped like a secret (a token, a private key, a URL with a password, high-entropy text)."""
    if secret_like.secret_value(value):
        return ValueHidden("looks like a secret value (a token, key, password or other high-entropy text); hardgen never "
                           "writes secret values: list the configurable's name under secrets and fill the secrets file")
    return None


def dns_label(max_len: int):
    def check(value: str) -> str | None:
        if len(value) > max_len:
            return f"is longer than {max_len} characters"
        if not re.fullmatch(DNS_LABEL, value):
            return "is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)"
        return None

    return check


def system_user(value: str) -> str | None:
    """A name systemd-sysusers accepts in strict mode and that cannot be mistaken for a UID or for root."""
    if value == "root" or not re.fullmatch(r"[a-z][-a-z0-9]{0,31}", value) or value.endswith("-"):
        return "is not a system user name (lower-case letters, digits and '-', starting with a letter, at most 32 characters, not root)"
    return None


def identifier(value: str) -> str | None:
    if len(value) > 64 or not re.fullmatch(IDENTIFIER, value):
        return "is not an identifier (a letter, then letters, digits or '_', at most 64 characters)"
    return None


def port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "is not a port (1-65535)"


def image_name(value: str) -> str | None:
    return None if len(value) <= 255 and _IMAGE_NAME.fullmatch(value) else "is not an image name (lower-case registry/path, e.g. registry.example.com/team/orders)"


def image_ref(value: str) -> str | None:
    if value.endswith(":latest"):
        return "uses the tag 'latest'; pin a version tag (e.g. eclipse-temurin:21-jre-noble)"
    return None if len(value) <= 512 and _IMAGE_REF.fullmatch(value) else "is not an image reference with a tag (name:tag)"


def image_tag(value: str) -> str | None:
    if value == "latest":
        return "is not allowed: 'latest' is not a fixed version; use a release tag"
    return None if _TAG.fullmatch(value) else "is not an image tag (letters, digits, '_', '.', '-'; at most 128)"


def digest(value: str) -> str | None:
    return None if _DIGEST.fullmatch(value) else "is not an image digest (sha256: and 64 lower-case hex digits)"


def relative_path(value: str) -> str | None:
    if not _REL_PATH.fullmatch(value) or ".." in value.split("/") or "//" in value or not _fits_path_max(value):
        return "is not a relative path inside the project (letters, digits, '_', '.', '-', '/'; no '..'; at most 4095 characters)"
    return None


def absolute_path(value: str) -> str | None:
    if (not _ABS_PATH.fullmatch(value) or ".." in value.split("/") or value.endswith("/") or "//" in value
            or not _fits_path_max(value)):
        return "is not an absolute path (like /opt/orders: letters, digits, '_', '.', '-', '/'; no '..'; at most 4095 characters)"
    return None


def _fits_path_max(value: str) -> bool:
    return len(value) <= PATH_MAX and all(len(part) <= NAME_MAX for part in value.split("/"))


def _canonical(path: str) -> str:
    """The path as the kernel resolves it ('.' segments and a trailing '/' dropped)."""
    return posixpath.normpath(path)


def within(path: str, tree: str) -> bool:
    """`path` is `tree` or inside it, compared as the kernel resolves them."""
    path, tree = _canonical(path), _canonical(tree)
    return path == tree or path.startswith(tree.rstrip("/") + "/")


def overlaps(a: str, b: str) -> bool:
    """One of the two paths is the other or inside it."""
    return within(a, b) or within(b, a)


def install_dir(value: str) -> str | None:
    """systemd.install_dir: a folder of its own that only root writes, shared with nothing systemd or the OS manages."""
    why = absolute_path(value)
    if why:
        return why
    for tree in WRITABLE_TREES + CONFIG_TREES:
        if overlaps(value, tree):
            return (f"overlaps {tree}, where the service user could write (its StateDirectory=, LogsDirectory=, /tmp, a home) "
                    "or the system keeps its own files; install into a folder of its own, like /opt/<name>")
    if _canonical(value).count("/") < 2:
        return "is a top-level system folder; install into a folder of its own, like /opt/<name>"
    return None


def java_binary(value: str) -> str | None:
    """systemd.java: a java binary the service user cannot replace."""
    why = absolute_path(value)
    if why:
        return why
    for tree in WRITABLE_TREES:
        if within(value, tree):
            return f"is under {tree}, where the service user (or another user) could replace it; use a JDK installed by root, like /usr/bin/java"
    return None


def cidr(value: str) -> str | None:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return "is not a CIDR block (like 10.0.4.0/24, host bits zero)"
    return None


def cpu(value: str) -> str | None:
    return None if _QUANTITY_CPU.fullmatch(value) and value not in ("0", "0.0", "0.00", "0.000") else "is not a CPU quantity (like 500m or 1; at most 999 CPUs)"


def memory(value: str) -> str | None:
    if not _QUANTITY_MEM.fullmatch(value):
        return "is not a memory quantity (like 512Mi or 2Gi)"
    if memory_bytes(value) > MEMORY_MAX_BYTES:
        return "is more memory than hardgen writes (at most 1024Ti)"
    return None if memory_bytes(value) >= 64 * 2**20 else "is below the 64Mi a JVM needs"


def memory_bytes(value: str) -> int:
    number, unit = int(value[:-2]), value[-2:]
    return number * {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[unit]


def labels(value: Mapping[str, str]) -> str | None:
    from generator.errors import show

    for k, v in value.items():
        if not _LABEL_NAME.fullmatch(k) or len(k.split("/")[-1]) > 63 or len(k) > 317:
            return f"has the key {show(k)}, which is not a Kubernetes label name"
        if not isinstance(v, str) or len(v) > 63 or not _LABEL_VALUE.fullmatch(v):
            return f"has the value {show(v)} for {show(k)}, which is not a Kubernetes label value (quote numbers)"
    return None


def jvm_flag(value: str) -> str | None:
    if len(value) > PATH_MAX or not _JVM_FLAG.fullmatch(value):
        return "is not a single JVM option (starts with '-', no spaces, quotes or '#'; at most 4095 characters)"
    name, sep, setting = value[2:].partition("=") if value.startswith("-D") else ("", "", "")
    if sep and setting and secret_like.secret_name(name):
        return ValueHidden(f"sets -D{name}, which looks like a secret (a password, key or token); a JVM option is visible in "
                           "`ps`, the unit and the image: put the secret in the secrets file and read it as a configurable")
    if secret_like.secret_value(value):
        return secret_value(value)
    if value.startswith(("-Djava.security.manager", "-Djava.security.policy")):
        return ("is not allowed: the Security Manager is withdrawn (deprecated by JEP 411, refused at start-up by JDK 24+ "
                "per JEP 486); the container and systemd sandbox confine the JVM instead")
    if value.startswith("-Dcom.sun.management.jmxremote"):
        return ("is not allowed: any com.sun.management.jmxremote* property (even =false) starts the JMX management agent, "
                "which listens on a TCP port; without it the agent stays off")
    return None


def security_manager_withdrawn(value: bool) -> str | None:
    """`jvm.security_manager: true` in an older answers file: refused with the way out, never silently dropped."""
    if not value:
        return None
    return ("is withdrawn: the Java Security Manager is deprecated (JEP 411) and refused by JDK 24+ (JEP 486), and no policy "
            "that lets the Ballerina runtime listen, connect, load its TLS library and log can be verified here; the container "
            "and systemd sandbox confine the JVM instead. Set jvm.security_manager=false (a generated security.policy is then removed)")


def secret_name(value: str) -> str | None:
    """An item of `secrets`: the name of a secret configurable, never the secret itself."""
    if secret_like.pasted_secret(value):
        return ValueHidden("looks like a secret value; give the configurable's name (e.g. dbPassword), never the secret itself")
    return identifier(value)


def schema_version(current: int):
    """`schema_version`: answers of this format only; older answers files are migrated as they are read (`inputs/migrate.py`)."""

    def check(value: int) -> str | None:
        if value == current:
            return None
        if value > current:
            return f"was written by a newer hardgen (this one reads up to {current}); upgrade hardgen"
        if value >= 0:
            return (f"is an older answers format (this hardgen generates {current}); an answers file (--answers) or a folder's "
                    f".hardgen/answers.yaml of that version is migrated when read, or set schema_version: {current} once the keys are current")
        return f"is not a schema version (this hardgen generates {current})"

    return check


_LDAPS_URL = re.compile(r"^ldaps://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")
_LDAP_DN = re.compile(r"^[A-Za-z]+=[A-Za-z0-9 _.-]+(,[A-Za-z]+=[A-Za-z0-9 _.-]+)*$")
_MI_USER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,63}$")
#: Account names the seeds and WSO2's own samples use: a guessable super admin is half of a guessed login.
WELL_KNOWN_ADMINS = ("admin", "administrator", "root", "wso2carbon")


def ldaps_url(value: str) -> str | None:
    if _LDAPS_URL.fullmatch(value):
        return None
    return "is not an ldaps:// URL (ldaps://host[:port]); a user store is reached over TLS only (seed 002)"


def ldap_dn(value: str) -> str | None:
    return None if _LDAP_DN.fullmatch(value) else "is not a distinguished name (like ou=users,dc=example,dc=com)"


def mi_admin_user(value: str) -> str | None:
    if value.casefold() in WELL_KNOWN_ADMINS:
        return "is a well-known account name (seed 002's example is admin/admin); choose a name of your own"
    return None if _MI_USER.fullmatch(value) else "is not a user name (3-64 letters, digits, '_', '.', '-', starting with a letter)"
