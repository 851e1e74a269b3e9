"""Answers written by an older hardgen, brought forward to the current schema in memory.

`.hardgen/answers.yaml` carries `schema_version`. When the layout of the answers
changes, a migration step here rewrites the old layout into the new one and
says what it did, so `hardgen regenerate` can replay an old folder with the
installed hardgen; the migrated answers are written back only when the
regeneration succeeds. A file from a *newer* hardgen is refused: guessing at a
layout we do not know could silently drop a setting.

Schema 0 is the pre-release layout of hardgen 0.0.x: no `schema_version` key,
the JDK under `java`, the listener port and TLS switch at the top level
(`port`, `tls`), and the JVM settings flat (`security_manager`, `jvm_flags`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from generator import keypath
from generator.errors import Problem, UserError, show

#: The version of the answers format this hardgen writes (`schema_version` in every answers file).
SCHEMA_VERSION = 1

Step = Callable[[dict[str, Any]], list[str]]


_ABSENT = object()


def _move(data: dict[str, Any], old: str, new: str) -> str | None:
    """Move top-level key `old` to key path `new`; an explicit value at `new` wins. When a mapping on the way is
    something else (`service: [1]`), nothing moves: the model then reports both keys."""
    if old not in data:
        return None
    steps = keypath.parts(new)
    for depth in range(1, len(steps)):
        above = keypath.get(data, ".".join(map(str, steps[:depth])), _ABSENT)
        if above is not _ABSENT and not isinstance(above, dict):
            return None
    value = data.pop(old)
    if keypath.get(data, new, _ABSENT) is not _ABSENT:
        return f"dropped {old} (superseded by {new})"
    keypath.put(data, new, value)
    return f"moved {old} to {new}"


def _v0_to_v1(data: dict[str, Any]) -> list[str]:
    moves = (("java", "jdk"), ("port", "service.port"), ("tls", "service.tls"),
             ("security_manager", "jvm.security_manager"), ("jvm_flags", "jvm.extra_flags"))
    return [note for old, new in moves if (note := _move(data, old, new))]


#: MIGRATIONS[n] turns schema n into schema n + 1.
MIGRATIONS: dict[int, Step] = {0: _v0_to_v1}


def migrate(data: dict[str, Any], source: str) -> tuple[dict[str, Any], list[str]]:
    """Answers data at SCHEMA_VERSION and the notes of what changed (empty when already current)."""
    version = data.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise UserError(Problem(source, "schema_version", f"{show(version)} is not a schema version (a whole number)"))
    if version > SCHEMA_VERSION:
        raise UserError(Problem(source, "schema_version", f"{version} was written by a newer hardgen (this one reads up to {SCHEMA_VERSION}); upgrade hardgen"))
    if version == SCHEMA_VERSION:
        return data, []
    data = copy.deepcopy(data)
    notes = []
    while version < SCHEMA_VERSION:
        changes = MIGRATIONS[version](data)
        notes.append(f"{source}: answers migrated from schema {version} to {version + 1}" + (f": {'; '.join(changes)}" if changes else ""))
        version += 1
    data["schema_version"] = SCHEMA_VERSION
    return data, notes
