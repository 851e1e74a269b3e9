"""TOML files (Ballerina Config.toml, the secrets template), merged key by key with tomlkit.

tomlkit keeps the user's comments, blank lines and key order; a key the new
render adds is appended to its table (TOML has no other order that matters).
"""

from __future__ import annotations

from typing import Any

from generator.regenerate.merge.splice import spliced
from generator.regenerate.merge.tree import TreeMerge, plain_data

#: tomlkit re-indexes a whole array on every item it adds, so rebuilding a long one by structure is quadratic;
#: a longer array than this makes the engine give up, and the file is merged by lines (linear) instead.
MAX_REBUILT_ITEMS = 1000


class TooLong(ValueError):
    """An array too long to rebuild with tomlkit in reasonable time."""


def _plain(x: Any) -> Any:
    if hasattr(x, "unwrap"):
        x = x.unwrap()
    return plain_data(x)


def _scalar(x: Any) -> Any:
    return x.unwrap() if hasattr(x, "unwrap") else x


def _rebuild(seq, items: list, origins: list[int | None] | None, added: list[int]) -> None:
    """Edit a tomlkit array in place, one item at a time, as tomlkit formats such edits (its commas, its indents)."""
    if len(items) > MAX_REBUILT_ITEMS or len(seq) > MAX_REBUILT_ITEMS:
        raise TooLong(f"an array of more than {MAX_REBUILT_ITEMS} items")
    if origins is None:
        del seq[:]
        seq.extend(items)
        return
    keep = {old: new for new, old in enumerate(origins) if old is not None}
    at = 0
    for old in range(len(seq)):  # the kept items, replaced where the merge took another node; the others deleted
        if old in keep:
            if seq[at] is not items[keep[old]]:
                seq[at] = items[keep[old]]
            at += 1
        else:
            del seq[at]
    there = [old is not None for old in origins]
    for new in added:  # each new item where it goes among those already there
        seq.insert(sum(there[:new]), items[new])
        there[new] = True


def _restring(like: Any, text: str) -> Any:
    """A string merged by lines, written as the new render writes it (a multi-line string stays one)."""
    import tomlkit

    kind = getattr(getattr(like, "type", None), "name", "")
    return tomlkit.string(text, literal=kind in ("MLL", "SLL"), multiline=kind in ("MLB", "MLL"))


def merge(base: str, ours: str, theirs: str):
    """(merged text, conflicts); raises tomlkit's ParseError when a side is not TOML."""
    import tomlkit

    b, o, t = tomlkit.parse(base), tomlkit.parse(ours), tomlkit.parse(theirs)
    tree = TreeMerge(plain=_plain, scalar=_scalar, rebuild=_rebuild, restring=_restring)
    tree.merge_map(b, o, t, "")
    return spliced(base, ours, theirs, tomlkit.dumps(o), clean=not tree.conflicts, dumped_ours=lambda: tomlkit.dumps(tomlkit.parse(ours)),
                   same_data=same_data), tree.conflicts


def same_data(text: str, other: str) -> bool:
    """Do two TOML texts hold the same values, of the same types (`1` and `1.0` differ)?"""
    import tomllib

    return _strict(tomllib.loads(text)) == _strict(tomllib.loads(other))


def _strict(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strict(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_strict(v) for v in x]
    return (type(x).__name__, x)
