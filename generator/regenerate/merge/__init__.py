"""Three-way merge of one generated file: base (last render), ours (the file now), theirs (new render).

The engine follows the file's format: YAML and TOML by structure (key paths in
conflicts), everything else by lines. A structured file the user left unparsable
is merged by lines instead, so a broken edit is still never overwritten.

The user's file and the merge base are read back from the folder, so a merge is
bounded like any input: a side larger than `MAX_MERGE_BYTES` is not merged (a
conflict says why; the proposal is the new render), YAML with anchors, aliases
or non-core tags is refused the same way (never expanded, never merged by lines
instead), and every engine takes time linear, or nearly, in the size of the files.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from generator.regenerate.merge.tree import Conflict

ENGINES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}
#: The input cap of answers files: a generated file is a few kilobytes, so this is generous for a hand-edited one.
MAX_MERGE_BYTES = 1 << 20


@dataclass
class Merged:
    content: bytes  # the merge; with conflicts, the proposal (new render wins each conflict)
    conflicts: list[Conflict] = field(default_factory=list)
    engine: str = "lines"
    marked: bytes | None = None  # asked for markers and merged by lines: the merge with git-style conflict blocks


def engine_for(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return ENGINES.get(name[name.rfind("."):], "lines") if "." in name else "lines"


def three_way(path: str, base: bytes, ours: bytes, theirs: bytes, markers: str | None = None) -> Merged:
    """`markers`: the name of the new side in git-style conflict markers, for a file merged by lines (`Merged.marked`);
    markers would break a YAML or TOML file, so those never get them.

    A user's file with Windows line endings throughout (hardgen writes LF) is merged as if it had LF ones, and the
    result gets CRLF back: otherwise every line would differ from the base, and the whole file would conflict.
    """
    if _crlf(ours) and not _crlf(base) and not _crlf(theirs) and b"\r" not in base + theirs:
        lf = _merge(path, base, ours.replace(b"\r\n", b"\n"), theirs, markers)
        lf.content = lf.content.replace(b"\n", b"\r\n")
        lf.marked = lf.marked.replace(b"\n", b"\r\n") if lf.marked is not None else None
        return lf
    return _merge(path, base, ours, theirs, markers)


def _crlf(text: bytes) -> bool:
    """Every line break is CRLF (and there is one)."""
    return b"\r\n" in text and text.count(b"\n") == text.count(b"\r\n")


def _merge(path: str, base: bytes, ours: bytes, theirs: bytes, markers: str | None) -> Merged:
    if ours == theirs or base == theirs:
        return Merged(ours)
    if base == ours:
        return Merged(theirs)
    largest = max(len(base), len(ours))
    if largest > MAX_MERGE_BYTES:
        why = f"{'your file' if len(ours) == largest else 'the merge base in .hardgen/base/'} is larger than {MAX_MERGE_BYTES >> 20} MiB"
        return Merged(theirs, [Conflict("(whole file)", f"{why}, which hardgen does not merge", "new render")], "none")
    try:
        texts = base.decode("utf-8"), ours.decode("utf-8"), theirs.decode("utf-8")
    except UnicodeDecodeError:
        return Merged(theirs, [Conflict("(whole file)", "binary or non-UTF-8 content", "new render")], "bytes")
    engine = engine_for(path)
    if engine != "lines":
        module = importlib.import_module(f"generator.regenerate.merge.{engine}")
        try:
            text, conflicts = module.merge(*texts)
            return Merged(text.encode("utf-8"), conflicts, engine)
        except Exception as exc:  # any parser error: merged by lines below, unless refused
            if isinstance(exc, getattr(module, "Refused", ())):
                return Merged(theirs, [Conflict("(whole file)", str(exc), "new render")], engine)
    from generator.regenerate.merge.lines import merge_sequences
    from generator.regenerate.merge.tree import clash_line

    b, o, t = (x.splitlines(keepends=True) for x in texts)
    result = merge_sequences(b, o, t, markers if engine == "lines" else None)
    # Shown as the structured engines show values: the first line where the sides differ, quoted, at most 60 characters.
    conflicts = [clash_line("", c.ours, c.theirs, c.ours_at) for c in result.clashes]
    marked = "".join(result.marked).encode("utf-8") if result.marked is not None and conflicts else None
    return Merged("".join(result.merged).encode("utf-8"), conflicts, "lines", marked)
