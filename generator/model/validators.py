"""Validators for model fields: each returns None when fine, else what is allowed.

They are strict on purpose: values land in Dockerfiles, unit files and JVM
argfiles, which are line formats, so a validator is what keeps a value from
escaping its line (no newlines, quotes or shell metacharacters where none belong).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Mapping

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
_QUANTITY_CPU = re.compile(r"^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$")
_QUANTITY_MEM = re.compile(r"^[0-9]+(Ki|Mi|Gi|Ti)$")
_JVM_FLAG = re.compile(r"^-[A-Za-z][A-Za-z0-9_.:+=/,%-]*$")


def dns_label(max_len: int):
    def check(value: str) -> str | None:
        if len(value) > max_len:
            return f"is longer than {max_len} characters"
        if not re.match(DNS_LABEL, value):
            return "is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)"
        return None

    return check


def system_user(value: str) -> str | None:
    """A name systemd-sysusers accepts in strict mode and that cannot be mistaken for a UID or for root."""
    if value == "root" or not re.match(r"^[a-z][-a-z0-9]{0,31}$", value) or value.endswith("-"):
        return "is not a system user name (lower-case letters, digits and '-', starting with a letter, at most 32 characters, not root)"
    return None


def identifier(value: str) -> str | None:
    if not re.match(IDENTIFIER, value) or len(value) > 64:
        return "is not an identifier (a letter, then letters, digits or '_', at most 64 characters)"
    return None


def port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "is not a port (1-65535)"


def image_name(value: str) -> str | None:
    return None if _IMAGE_NAME.match(value) and len(value) <= 255 else "is not an image name (lower-case registry/path, e.g. registry.example.com/team/orders)"


def image_ref(value: str) -> str | None:
    if value.endswith(":latest"):
        return "uses the tag 'latest'; pin a version tag (e.g. eclipse-temurin:21-jre-noble)"
    return None if _IMAGE_REF.match(value) else "is not an image reference with a tag (name:tag)"


def image_tag(value: str) -> str | None:
    if value == "latest":
        return "is not allowed: 'latest' is not a fixed version; use a release tag"
    return None if _TAG.match(value) else "is not an image tag (letters, digits, '_', '.', '-'; at most 128)"


def digest(value: str) -> str | None:
    return None if _DIGEST.match(value) else "is not an image digest (sha256: and 64 lower-case hex digits)"


def relative_path(value: str) -> str | None:
    if not _REL_PATH.match(value) or ".." in value.split("/") or "//" in value:
        return "is not a relative path inside the project (letters, digits, '_', '.', '-', '/'; no '..')"
    return None


def absolute_path(value: str) -> str | None:
    if not _ABS_PATH.match(value) or ".." in value.split("/") or value.endswith("/") or "//" in value:
        return "is not an absolute path (like /opt/orders: letters, digits, '_', '.', '-', '/'; no '..')"
    return None


def cidr(value: str) -> str | None:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return "is not a CIDR block (like 10.0.4.0/24, host bits zero)"
    return None


def cpu(value: str) -> str | None:
    return None if _QUANTITY_CPU.match(value) and value not in ("0", "0m") else "is not a CPU quantity (like 500m or 1)"


def memory(value: str) -> str | None:
    if not _QUANTITY_MEM.match(value):
        return "is not a memory quantity (like 512Mi or 2Gi)"
    return None if memory_bytes(value) >= 64 * 2**20 else "is below the 64Mi a JVM needs"


def memory_bytes(value: str) -> int:
    number, unit = int(value[:-2]), value[-2:]
    return number * {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[unit]


def labels(value: Mapping[str, str]) -> str | None:
    for k, v in value.items():
        if not _LABEL_NAME.match(k) or len(k.split("/")[-1]) > 63:
            return f"has the key {k!r}, which is not a Kubernetes label name"
        if not isinstance(v, str) or len(v) > 63 or not _LABEL_VALUE.match(v):
            return f"has the value {v!r} for {k!r}, which is not a Kubernetes label value (quote numbers)"
    return None


def jvm_flag(value: str) -> str | None:
    if not _JVM_FLAG.match(value):
        return "is not a single JVM option (starts with '-', no spaces, quotes or '#')"
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


def looks_like_secret_value(text: str) -> bool:
    """A pasted token or password where a *name* belongs: long, mixed-class, high-entropy text."""
    if len(text) < 16:
        return False
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    counts = Counter(text)
    entropy = -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())
    return (classes >= 3 and "_" not in text) or entropy > 4.2


def secret_name(value: str) -> str | None:
    if looks_like_secret_value(value):
        return ValueHidden("looks like a secret value; give the configurable's name (e.g. dbPassword), never the secret itself")
    return identifier(value)
