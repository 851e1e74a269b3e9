"""diff3 by lines, for the line formats (Dockerfile, unit files, java.options, scripts).

Written on difflib (the `merge3` package is GPL). Each side's changes against the
base are hunks in base coordinates; hunks of the two sides that touch the same
base lines form a cluster. A cluster with changes from one side only is applied;
one where both sides made the same change is applied once; anything else is a
conflict. Adjacent changes are *not* overlapping: a line the user appended after
the Security Manager flags survives the upgrade that deletes those flags, which
is the common case in hand-edited option files (git's merge would call it a conflict).

The algorithm is generic over sequences of hashable items, so the YAML engine
reuses it for lists of scalars (container args, command lines).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Hunk:
    start: int  # base range [start, end); start == end is an insertion before base[start]
    end: int
    items: tuple
    side: str  # "ours" or "theirs"


@dataclass(frozen=True)
class Clash:
    """Both sides changed base[start:end] differently; positions are 0-based."""

    start: int
    end: int
    ours: tuple
    theirs: tuple
    ours_at: int  # index in the *ours* sequence where the clash begins


@dataclass
class SequenceMerge:
    merged: list  # the proposal: conflicts resolved to theirs
    clashes: list[Clash]


def _hunks(base: Sequence[Hashable], other: Sequence[Hashable], side: str) -> list[Hunk]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [Hunk(i1, i2, tuple(other[j1:j2]), side) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _touch(a: Hunk, b: Hunk) -> bool:
    """Do two hunks of different sides change the same base lines (or insert at the same place)?"""
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _apply(base: Sequence, start: int, end: int, hunks: list[Hunk]) -> tuple:
    """base[start:end] with one side's hunks applied."""
    out: list = []
    cursor = start
    for h in sorted(hunks, key=lambda h: (h.start, h.end)):
        out.extend(base[cursor:h.start])
        out.extend(h.items)
        cursor = h.end
    out.extend(base[cursor:end])
    return tuple(out)


def _clusters(hunks: list[Hunk]) -> list[list[Hunk]]:
    """Group hunks transitively connected by `_touch` across sides, in base order."""
    order = sorted(hunks, key=lambda h: (h.start, h.end != h.start, h.end))
    groups: list[list[Hunk]] = []
    for h in order:
        if groups and any(_touch(h, g) for g in groups[-1] if g.side != h.side):
            groups[-1].append(h)
        else:
            groups.append([h])
    return groups


def merge_sequences(base: Sequence, ours: Sequence, theirs: Sequence) -> SequenceMerge:
    hunks = _hunks(base, ours, "ours") + _hunks(base, theirs, "theirs")
    merged: list = []
    clashes: list[Clash] = []
    cursor = 0
    shift = 0  # len(ours) - len(base) so far, to locate a clash in the user's file
    for group in _clusters(hunks):
        start = min(h.start for h in group)
        end = max(h.end for h in group)
        merged.extend(base[cursor:start])
        mine = [h for h in group if h.side == "ours"]
        new = [h for h in group if h.side == "theirs"]
        ours_part = _apply(base, start, end, mine)
        theirs_part = _apply(base, start, end, new)
        if mine and new and ours_part != theirs_part:
            clashes.append(Clash(start, end, ours_part, theirs_part, start + shift))
        merged.extend(theirs_part if new else ours_part)
        shift += len(ours_part) - (end - start)
        cursor = end
    merged.extend(base[cursor:])
    return SequenceMerge(merged, clashes)


def merge_text(base: str, ours: str, theirs: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Merge three texts by lines; conflicts as (where, yours, new) with 1-based line numbers of your file."""
    result = merge_sequences(base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True))
    conflicts = []
    for c in result.clashes:
        first = c.ours_at + 1
        where = f"line {first}" if len(c.ours) <= 1 else f"lines {first}-{first + len(c.ours) - 1}"
        conflicts.append((where, "".join(c.ours).rstrip("\n"), "".join(c.theirs).rstrip("\n")))
    return "".join(result.merged), conflicts
