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

Schema 1 is the layout of hardgen 0.1.0 and 0.2.0. Keys were added to it after its
first answers files were written, and some of them change what is generated when
left at their default: the TLS keystore wiring (`service.keystore_path_key`)
mounts a keystore.p12 that a deployed Secret does not hold. Schema 2 is schema 1
with every such key written down: moving to it gives an absent key the value that
reproduces what the older hardgen generated, and says how to opt in. The test
`tests/test_upgrade_replay.py` fails when a key is added without that decision.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from generator import keypath
from generator.errors import Problem, UserError, show
from generator.records import record

#: The version of the answers format this hardgen writes (`schema_version` in every answers file).
SCHEMA_VERSION = 2

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


@record(frozen=True)
class LateKey:
    """A key added to a schema after answers of that schema were written, and what an answers file without it got.

    `old` is the value that reproduces the older output; `when` the answers under which the key matters at all, as
    (key path, the values that make it matter, the default when the key path is absent); a list matters when it
    holds one of the values. `opt_in` is the `--set` arguments that switch to the new behaviour.
    """

    path: str
    old: Any
    opt_in: str
    why: str
    when: tuple[tuple[str, tuple[Any, ...], Any], ...] = ()


#: Keys added to schema 1 whose default changes what is generated (test_upgrade_replay.py lists the inert ones).
SCHEMA_1_LATE_KEYS = (
    LateKey("service.keystore_path_key", None,
            "--set service.keystore_path_key=keystorePath --set service.keystore_passphrase_key=keystorePassword",
            "these answers predate the TLS keystore wiring, so no keystore.p12 is mounted or configured",
            (("service.tls", (True,), True),)),
    LateKey("service.keystore_passphrase_key", None, "", "as service.keystore_path_key",
            (("service.tls", (True,), True), ("service.keystore_path_key", (None,), None))),
    LateKey("kubernetes.resources.memory", "512Mi", "--set kubernetes.resources.memory=768Mi",
            "the default when these answers were written; the default is now 768Mi",
            (("targets", ("kubernetes",), ["docker"]),)),
)


def _matters(data: dict[str, Any], key: LateKey) -> bool:
    for path, values, default in key.when:
        found = keypath.get(data, path, default)
        items = found if isinstance(found, list) else [found]
        if not any(v in values for v in items if not isinstance(v, (dict, list))):
            return False
    return True


def _v1_to_v2(data: dict[str, Any]) -> list[str]:
    notes = []
    for key in SCHEMA_1_LATE_KEYS:
        if keypath.get(data, key.path, _ABSENT) is not _ABSENT or not _matters(data, key):
            continue
        above = keypath.get(data, keypath.parent(key.path), _ABSENT)
        if above is not _ABSENT and not isinstance(above, dict):
            continue  # `service: 3`: the model reports it; nothing to fill in
        keypath.put(data, key.path, key.old)
        note = f"{key.path} set to {show(key.old) if key.old is not None else 'null'}, {key.why}"
        notes.append(note + (f" (opt in with {key.opt_in})" if key.opt_in else ""))
    return notes


#: MIGRATIONS[n] turns schema n into schema n + 1.
MIGRATIONS: dict[int, Step] = {0: _v0_to_v1, 1: _v1_to_v2}


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
