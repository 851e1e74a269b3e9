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

The user's file is input, so the diff is bounded: difflib's matcher can take
cubic time (a file of many blank lines between lines that all differ), so when
its work could exceed `MAX_DIFF_WORK` the common head and tail are taken off and,
if the changed middle is still that costly, it is one replaced block: a coarser
diff (more conflicts), never a wrong one. Grouping hunks is linear.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

#: A bound on difflib's work, about a second of Python: (pairs of equal items) x (the shorter side's length).
MAX_DIFF_WORK = 10_000_000


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
    marked: list | None = None  # with `markers`: the merge with each clash between git-style conflict markers


#: Git's conflict markers (diff3 style); the last one is followed by the name of the new side.
OURS_MARK, BASE_MARK, SPLIT_MARK, THEIRS_MARK = "<<<<<<< yours", "||||||| base", "=======", ">>>>>>>"


def _marked(ours: tuple, base: Sequence, theirs: tuple, new_label: str) -> list:
    """One clash as git writes it with merge.conflictStyle=diff3; every part ends in a line break."""
    out: list = []
    for mark, part in ((OURS_MARK, ours), (BASE_MARK, base), (SPLIT_MARK, theirs)):
        out.append(mark + "\n")
        out.extend(part)
        if out[-1] != mark + "\n" and not str(out[-1]).endswith("\n"):
            out[-1] = out[-1] + "\n"
    out.append(f"{THEIRS_MARK} {new_label}\n")
    return out


def _hunks(base: Sequence[Hashable], other: Sequence[Hashable], side: str) -> list[Hunk]:
    if _work(base, other) <= MAX_DIFF_WORK:
        return _matched(base, other, 0, 0, side)
    lo, n, m = 0, len(base), len(other)
    while lo < n and lo < m and base[lo] == other[lo]:
        lo += 1
    while n > lo and m > lo and base[n - 1] == other[m - 1]:
        n, m = n - 1, m - 1
    if lo == n and lo == m:
        return []
    a, b = base[lo:n], other[lo:m]
    if _work(a, b) <= MAX_DIFF_WORK:
        return _matched(a, b, lo, lo, side)
    return [Hunk(lo, n, tuple(b), side)]


def _matched(base: Sequence[Hashable], other: Sequence[Hashable], at: int, other_at: int, side: str) -> list[Hunk]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [Hunk(at + i1, at + i2, tuple(other[j1:j2]), side) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _work(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """An upper bound of difflib's work on a and b: each of its at most 2 min(len) + 1 searches visits at most
    every pair of equal items once."""
    if not a or not b:
        return 0
    counts = Counter(b)
    pairs = sum(counts.get(x, 0) for x in a)
    return pairs * (2 * min(len(a), len(b)) + 1)


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
    """Group hunks transitively connected by `_touch` across sides, in base order, in one pass.

    In this order a hunk touches an earlier one of the other side exactly when that side's group so far has a
    change (not an insertion) ending after its start, or an insertion at the same place: so each side's latest
    end and latest insertion point are all a group needs to remember.
    """
    order = sorted(hunks, key=lambda h: (h.start, h.end != h.start, h.end))
    groups: list[list[Hunk]] = []
    ends: dict[str, int] = {}
    inserts: dict[str, int] = {}
    for h in order:
        other = "theirs" if h.side == "ours" else "ours"
        if h.start == h.end:
            touches = ends.get(other, -1) > h.start or inserts.get(other) == h.start
        else:
            touches = ends.get(other, -1) > h.start
        if groups and touches:
            groups[-1].append(h)
        else:
            groups.append([h])
            ends, inserts = {}, {}
        if h.start == h.end:
            inserts[h.side] = h.start
        else:
            ends[h.side] = max(ends.get(h.side, -1), h.end)
    return groups


def merge_sequences(base: Sequence, ours: Sequence, theirs: Sequence, markers: str | None = None, *,
                    keep_both: bool = False, theirs_first: bool = False,
                    resolve: Callable[[tuple, tuple, tuple], tuple] | None = None) -> SequenceMerge:
    """`markers`: the name of the new side; lines only (each item a line of text), builds `marked` as well.

    `keep_both`: where both sides only inserted items at the same place (both appended a rule to a list), the
    merge keeps the user's items, then the new side's that the user does not have (`theirs_first`: those first):
    a list's items are independent, unlike a file's lines, where two lines written at one place are often two
    versions of one. `resolve(base, ours, theirs)`: what `merged` holds for a clash (default: the new side's part)."""
    hunks = _hunks(base, ours, "ours") + _hunks(base, theirs, "theirs")
    marked: list | None = [] if markers is not None else None
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
        clash = bool(mine and new and ours_part != theirs_part)
        if clash and keep_both and all(h.start == h.end for h in group):
            mine_too = set(ours_part)
            extra = tuple(x for x in theirs_part if x not in mine_too)
            ours_part = extra + ours_part if theirs_first else ours_part + extra
            clash, new = False, []
        if clash:
            clashes.append(Clash(start, end, ours_part, theirs_part, start + shift))
        merged.extend((resolve(tuple(base[start:end]), ours_part, theirs_part) if clash and resolve else theirs_part) if new else ours_part)
        if marked is not None and markers is not None:
            marked.extend(base[cursor:start])
            marked.extend(_marked(ours_part, base[start:end], theirs_part, markers) if clash else theirs_part if new else ours_part)
        shift += len(ours_part) - (end - start)
        cursor = end
    merged.extend(base[cursor:])
    if marked is not None:
        marked.extend(base[cursor:])
    return SequenceMerge(merged, clashes, marked)


def unresolved_markers(text: bytes) -> int | None:
    """The line number of the first conflict block (a `<<<<<<< yours` line, later a `=======` and a `>>>>>>>`
    line) left in a file; None when there is none. Such a file is never merged as if it were an edit."""
    at = text.find(OURS_MARK.encode())
    while at >= 0:
        if at == 0 or text[at - 1:at] == b"\n":
            split = text.find(b"\n" + SPLIT_MARK.encode(), at)
            if split >= 0 and text.find(b"\n" + THEIRS_MARK.encode(), split) >= 0:
                return text.count(b"\n", 0, at) + 1
        at = text.find(OURS_MARK.encode(), at + 1)
    return None


def merge_text(base: str, ours: str, theirs: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Merge three texts by lines; conflicts as (where, yours, new) with 1-based line numbers of your file."""
    result = merge_sequences(base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True))
    conflicts = []
    for c in result.clashes:
        first = c.ours_at + 1
        where = f"line {first}" if len(c.ours) <= 1 else f"lines {first}-{first + len(c.ours) - 1}"
        conflicts.append((where, "".join(c.ours).rstrip("\n"), "".join(c.theirs).rstrip("\n")))
    return "".join(result.merged), conflicts
