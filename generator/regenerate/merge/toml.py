"""TOML files (Ballerina Config.toml, the secrets template), merged key by key with tomlkit.

tomlkit keeps the user's comments, blank lines and key order; a key the new
render adds is appended to its table (TOML has no other order that matters).
"""

from __future__ import annotations

from typing import Any

from generator.regenerate.merge.tree import TreeMerge, plain_data


def _plain(x: Any) -> Any:
    if hasattr(x, "unwrap"):
        x = x.unwrap()
    return plain_data(x)


def _insert(table, pos: int, key: Any, value: Any) -> None:
    table[key] = value


def merge(base: str, ours: str, theirs: str):
    """(merged text, conflicts); raises tomlkit's ParseError when a side is not TOML."""
    import tomlkit

    b, o, t = tomlkit.parse(base), tomlkit.parse(ours), tomlkit.parse(theirs)
    tree = TreeMerge(plain=_plain, insert=_insert)
    tree.merge_map(b, o, t, "")
    return tomlkit.dumps(o), tree.conflicts
