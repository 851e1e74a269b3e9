"""Three-way merge of one generated file: base (last render), ours (the file now), theirs (new render).

The engine follows the file's format: YAML and TOML by structure (key paths in
conflicts), everything else by lines. A structured file the user left unparsable
is merged by lines instead, so a broken edit is still never overwritten.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from generator.regenerate.merge.tree import Conflict

ENGINES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


@dataclass
class Merged:
    content: bytes  # the merge; with conflicts, the proposal (new render wins each conflict)
    conflicts: list[Conflict] = field(default_factory=list)
    engine: str = "lines"


def engine_for(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return ENGINES.get(name[name.rfind("."):], "lines") if "." in name else "lines"


def three_way(path: str, base: bytes, ours: bytes, theirs: bytes) -> Merged:
    if ours == theirs or base == theirs:
        return Merged(ours)
    if base == ours:
        return Merged(theirs)
    try:
        texts = base.decode("utf-8"), ours.decode("utf-8"), theirs.decode("utf-8")
    except UnicodeDecodeError:
        return Merged(theirs, [Conflict("(whole file)", "binary or non-UTF-8 content", "new render")], "bytes")
    engine = engine_for(path)
    if engine != "lines":
        try:
            text, conflicts = importlib.import_module(f"generator.regenerate.merge.{engine}").merge(*texts)
            return Merged(text.encode("utf-8"), conflicts, engine)
        except Exception:
            pass
    from generator.regenerate.merge.lines import merge_text

    text, clashes = merge_text(*texts)
    return Merged(text.encode("utf-8"), [Conflict(w, repr(o), repr(t)) for w, o, t in clashes], "lines")
