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


def fix_hints(problems: list[Problem], sets: list[str], answers_label: str) -> list[Problem]:
    """What to add to the command line when the stored answers and the overrides cannot both hold."""
    out = []
    if any(p.path == "jvm.security_manager" for p in problems) and "jvm.security_manager=false" not in sets:
        out.append(Problem("--set", "jvm.security_manager", f"the answers in {answers_label} enable the Security Manager, which hardgen no longer generates; "
                           "regenerate with --set jvm.security_manager=false (its security.policy file is then removed)"))
    if problems:
        out.append(Problem(answers_label, "", "nothing regenerated in this folder; fix the answers above with --set KEY=VALUE (or edit this file) and run again"))
    return out
