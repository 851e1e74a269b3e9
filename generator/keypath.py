"""Key paths: how hardgen names a place in answers data (`service.port`, `ingress[0].labels.app`).

Problems, origins, the wizard, upgrade notes and migrations all speak in key
paths; this is the one module that builds, splits and walks them, so the same
place is spelt the same way in every message.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def join(prefix: str, key: object) -> str:
    """`prefix.key`, or `key` at the root."""
    return f"{prefix}.{key}" if prefix else str(key)


def item(prefix: str, index: int) -> str:
    """`prefix[index]`: an item of a list."""
    return f"{prefix}[{index}]"


def parts(path: str) -> list[str | int]:
    """`ingress[0].name` -> ['ingress', 0, 'name']."""
    return [int(p[1:-1]) if p.startswith("[") else p for p in _PART.findall(path)]


def parent(path: str) -> str:
    """The path one level up ('' at the root): `a.b[2]` -> `a.b`, `a.b` -> `a`."""
    return re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path) if re.search(r"[.\[]", path) else ""


def within(path: str, ancestor: str) -> bool:
    """`path` is `ancestor` or a place inside it (`a.b` and `a[0]` are within `a`; `ab` is not)."""
    return path == ancestor or path.startswith((ancestor + ".", ancestor + "["))


def get(data: Any, path: str, default: Any = None) -> Any:
    """The value at `path` in nested dicts and lists, or `default` when any step is missing."""
    node = data
    for part in parts(path):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return default
            node = node[part]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return default
    return node


def put(data: dict, path: str, value: Any) -> None:
    """Set the value at `path`, creating the dicts and lists on the way."""
    steps = parts(path)
    node: Any = data
    for part, following in itertools.pairwise(steps):
        if isinstance(part, int):
            node = node[part]
            continue
        if not isinstance(node.get(part), (dict, list)):
            node[part] = [] if isinstance(following, int) else {}
        node = node[part]
    node[steps[-1]] = value


def drop(data: dict, path: str) -> None:
    """Remove the key at `path` if it is there."""
    up, _, last = path.rpartition(".")
    node = get(data, up) if up else data
    if isinstance(node, dict):
        node.pop(last, None)


def leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of nested dicts by its dotted path (lists are leaves; an empty dict is one too)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(leaves(value, join(prefix, key)))
        return out or {prefix: {}}
    return {prefix: data}
