"""Write a structured merge back as the user's own bytes, changed only where the merge changed something.

The YAML and TOML engines decide a merge on parsed trees, and a tree dumped again
is not the user's text: a YAML dumper drops a leading `---`, rewrites `"on"` or
`"true"` in its own quoting style, re-indents a flow list; any of that is a silent
change of bytes nobody asked for (and `yes` unquoted is a boolean to Kubernetes).
So the tree's text only *decides*; what is written is spliced from the sides'
lines, and each candidate must read back as exactly the data the tree merge
decided (strings typed in some YAML compared with their quoting, see
`yaml.same_data`), else the next is tried:

1. the sides' line diff3, when it has no clash: every line comes from the user's
   file or the new render as it was written there; where both sides only added
   lines at one place (a key appended to the same table), both runs are kept, the
   user's first or else the new render's;
2. the tree's text with the user's lines put back: a line diff3 of (the user's file
   dumped as the tree merge dumps it, the user's file, the tree's text) carries the
   user's formatting over to every line the merge did not change, and keeps the
   comments, blank lines and `---` the user wrote next to a line it did change;
3. the tree's text as dumped.

Each is linear, or nearly, in the files' size (the diffs are bounded as every
line diff of hardgen is, see `lines.MAX_DIFF_WORK`).
"""

from __future__ import annotations

from collections.abc import Callable

from generator.regenerate.merge.lines import merge_sequences


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def spliced(base: str, ours: str, theirs: str, decided: str, *, clean: bool, dumped_ours: Callable[[], str],
            same_data: Callable[[str, str], bool]) -> str:
    """`decided`: the tree merge's text; `clean`: it has no conflict (a proposal never takes a line-diff3 shortcut:
    its conflicting keys take the new render, which a clash-free line merge would not have seen)."""
    if clean:
        for keep_both, theirs_first in ((False, False), (True, False), (True, True)):
            direct = merge_sequences(_lines(base), _lines(ours), _lines(theirs), keep_both=keep_both, theirs_first=theirs_first)
            if not direct.clashes:
                text = "".join(direct.merged)
                if _reads_as(text, decided, same_data):
                    return text
    mine = dumped_ours()
    if mine == ours:
        return decided  # the dumper writes the user's file as it is: the tree's text keeps every byte already
    carried = merge_sequences(_lines(mine), _lines(ours), _lines(decided), resolve=_inert_kept)
    text = "".join(carried.merged)  # a line both the format and the merge changed takes the merge's
    return text if _reads_as(text, decided, same_data) else decided


def _inert(line: str) -> bool:
    """A line that holds no data: blank, a comment, a YAML document marker."""
    bare = line.strip()
    return not bare or bare.startswith("#") or bare == "---"


def _inert_kept(base: tuple, ours: tuple, theirs: tuple) -> tuple:
    """A run the user reformatted and the merge changed: the user's comments, blank lines and `---` that open or close
    the run (a comment typed above a value the upgrade changes), around the merge's lines, taken line by line where
    the rest of the run has as many lines on every side (two values requoted, one of them changed by the merge)."""
    head = 0
    while head < len(ours) and _inert(ours[head]):
        head += 1
    tail = len(ours)
    while tail > head and _inert(ours[tail - 1]):
        tail -= 1
    core = ours[head:tail]
    middle = tuple(o if t == b else t for b, o, t in zip(base, core, theirs, strict=True)) \
        if len(base) == len(core) == len(theirs) else theirs
    there = set(middle)
    return (*(x for x in ours[:head] if x not in there), *middle, *(x for x in ours[tail:] if x not in there))


def _reads_as(text: str, decided: str, same_data: Callable[[str, str], bool]) -> bool:
    if text == decided:
        return True  # the usual case: the dumper writes what the line merge has, and nothing needs reading again
    try:
        return same_data(text, decided)
    except Exception:  # a candidate that does not parse is no candidate
        return False
