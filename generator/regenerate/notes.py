"""Why a regeneration changes what it changes, in the user's words rather than as a diff.

An upgrade that turns a flag off or moves to another JDK removes lines and whole
files; the user should read the reason next to the removal, not reverse-engineer
it. Notes compare the answers before and after (`--set`, migrations), and add the
domain reason for the changes whose consequences are not obvious.
"""

from __future__ import annotations

from typing import Any

from generator import keypath
from generator.errors import Problem, show


def answer_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    a, b = keypath.leaves(old), keypath.leaves(new)
    out = []
    for key in sorted(set(a) | set(b)):
        if key == "schema_version" or a.get(key) == b.get(key):
            continue
        before = show(a[key]) if key in a else "(unset)"
        after = show(b[key]) if key in b else "(unset)"
        out.append(f"answer {key}: {before} -> {after}")
    return out


def reasons(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = []
    if keypath.get(old, "jvm.security_manager") and not keypath.get(new, "jvm.security_manager"):
        out.append("Security Manager off (withdrawn in hardgen 0.2.0: JEP 411/486): -Djava.security.manager and -Djava.security.policy leave "
                   "java.options, and security.policy is no longer generated (removed if you had not edited it)")
    if keypath.get(old, "jdk") != keypath.get(new, "jdk") and not keypath.get(new, "image.base"):
        out.append(f"JDK {keypath.get(old, 'jdk')} -> {keypath.get(new, 'jdk')}: the base image follows (eclipse-temurin:{keypath.get(new, 'jdk')}-jre-noble)")
    return out


#: What the Dockerfile builds on when `image.base` is not set (generator/targets: the JRE of `jdk`).
DEFAULT_BASE = "eclipse-temurin:{jdk}-jre-noble"
DEFAULT_JAVA = "/usr/bin/java"


def pin_warnings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Pins the answers keep that a change of JDK or base image makes stale: they would keep the old runtime silently.

    A digest is not shown: 64 hex digits read as a secret to scanners, and the key says which one it is.
    """
    jdk_old, jdk_new = keypath.get(old, "jdk"), keypath.get(new, "jdk")
    base_old = keypath.get(old, "image.base") or DEFAULT_BASE.format(jdk=jdk_old)
    base_new = keypath.get(new, "image.base") or DEFAULT_BASE.format(jdk=jdk_new)
    if jdk_old == jdk_new and base_old == base_new:
        return []
    change = f"JDK {jdk_old} -> {jdk_new}" if jdk_old != jdk_new else f"base image {show(base_old)} -> {show(base_new)}"
    targets = keypath.get(new, "targets") or ()
    out = []

    def kept(key: str) -> bool:
        return bool(keypath.get(new, key)) and keypath.get(old, key) == keypath.get(new, key)

    if base_old != base_new and kept("image.base_digest") and {"docker", "kubernetes"} & set(targets):
        out.append(f"image.base_digest pins the base image of before the change ({change}): the Dockerfile would build on "
                   f"the old one whatever its tag says; pin the digest of {show(base_new)} (--set image.base_digest=sha256:...) or remove the pin")
    if kept("image.digest") and "kubernetes" in targets:
        out.append(f"image.digest pins the integration image built before the change ({change}): Kubernetes keeps pulling "
                   "that image; rebuild the image, push it, then pin its new digest (--set image.digest=sha256:...)")
    if jdk_old != jdk_new and "systemd" in targets and keypath.get(new, "systemd.java") == DEFAULT_JAVA:
        out.append(f"JDK {jdk_old} -> {jdk_new} on a VM: systemd.java is {DEFAULT_JAVA}, the VM's default java (Debian 12's is 17), "
                   f"which must be Java {jdk_new} or newer (install.sh refuses an older one): install a Java {jdk_new} runtime and make it "
                   f"the default, or point systemd.java at it (--set systemd.java=/path/to/bin/java)")
    return out


def fix_hints(problems: list[Problem], sets: list[str], answers_label: str) -> list[Problem]:
    """What to add to the command line when the stored answers and the overrides cannot both hold."""
    out = []
    if any(p.path == "jvm.security_manager" for p in problems) and "jvm.security_manager=false" not in sets:
        out.append(Problem("--set", "jvm.security_manager", f"the answers in {answers_label} enable the Security Manager, which hardgen no longer generates; "
                           "regenerate with --set jvm.security_manager=false (its security.policy file is then removed)"))
    if problems:
        out.append(Problem(answers_label, "", "nothing regenerated in this folder; fix the answers above with --set KEY=VALUE (or edit this file) and run again"))
    return out
