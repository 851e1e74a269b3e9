"""Decide, file by file, what a regeneration does with the user's folder; write nothing.

Three versions of every file meet here: *base* (what hardgen wrote last time,
`.hardgen/base/`), *ours* (the file as it is now) and *theirs* (the new render).

- unchanged since generated -> replaced by the new render;
- edited -> three-way merge (`generator.merge`); a clean merge is written;
- conflict -> the user's file stays as it is, the proposal goes to `FILE.hardgen-new`,
  and the file keeps its *old* base and record in `.hardgen/`, so the next run
  merges against the same base and reports the same conflict until the user's
  file agrees with the new render on those keys (or `--force` takes the proposal).
  Advancing the base instead would make the next run see "the user changed it,
  hardgen did not" and silently keep the user's side, losing the upgrade's change;
  With `--conflict=inline` a file merged by lines gets git-style conflict markers
  instead; a file with markers left in it is a conflict on every later run.
- a conflict is *resolved* once its proposal is gone (taken with `mv`, or deleted
  to keep your file) and no markers are left: if this hardgen renders what the
  conflict was against (its digest is in `state.json`), that render becomes the
  base, so the user's file counts as their edit of it and stops conflicting;
- deleted by the user -> not recreated (unless `--force`); it stays in the state,
  with the new render as its base, so later runs keep respecting the deletion;
- no longer generated -> removed when untouched, otherwise kept, reported and
  forgotten by `.hardgen/` (hardgen no longer owns it).

A proposal is hardgen's only while it is as hardgen wrote it: `state.json` records
the digest of each one written, and only such a proposal is replaced or removed
once its conflict is gone. A `FILE.hardgen-new` the user wrote, or edited, is theirs:
it is never removed, and a conflict that needs its place is refused (exit 2).

Nothing is read through a symbolic link, anywhere on the way (`Walker`).

The `.hardgen/` files are rebuilt from those decisions; the writer applies the lot.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__
from generator.errors import Problem, UserError
from generator.inputs.migrate import SCHEMA_VERSION
from generator.output.state import (
    BASE_DIR,
    PROPOSAL_SUFFIX,
    STATE_DIR,
    State,
    Walker,
    digest,
    read_file,
    state_files,
    state_for,
)
from generator.output.writer import Desired
from generator.regenerate.merge import engine_for, three_way
from generator.regenerate.merge.lines import unresolved_markers
from generator.regenerate.merge.tree import Conflict
from generator.regenerate.outcomes import Action
from generator.targets.plan import PlannedFile


@dataclass
class Outcome:
    path: str
    action: Action
    before: bytes | None = None
    after: bytes | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    markers: int | None = None  # a conflict left as markers in the file: the line of the first (None: a proposal)
    inline: bool = False  # this run writes the conflict as markers into the user's file
    inline_refused: str = ""  # --conflict=inline was asked, but the file's format cannot take markers: its engine


@dataclass
class Reconciliation:
    outcomes: list[Outcome] = field(default_factory=list)
    changes: Desired = field(default_factory=dict)  # artefacts, proposals and .hardgen/ files to write
    remove: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)  # files whose conflict the user resolved since the last run
    pending: dict[str, str] = field(default_factory=dict)  # files left in conflict -> digest of the render, for the state

    @property
    def conflicts(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action.needs_the_user]

    def artefact_changes(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.action.leaves_the_file]


class _Folder:
    """The output folder as reconcile reads it: lstat-ed once per path, never through a symbolic link."""

    def __init__(self, out_dir: Path, label: str):
        self.root = out_dir
        self.walker = Walker(out_dir, label)

    def read(self, rel: str) -> bytes | None:
        st = self.walker.stat(rel)
        if st is None:
            return None
        if not stat.S_ISREG(st.st_mode):
            raise UserError(Problem(str(self.root / rel), "", "is not a regular file"))
        return read_file(os.path.join(self.root, rel))

    def mode(self, rel: str) -> int | None:
        st = self.walker.stat(rel)
        return None if st is None else stat.S_IMODE(st.st_mode)

    def base(self, rel: str) -> bytes | None:
        st = self.walker.stat(f"{STATE_DIR}/{BASE_DIR}/{rel}")
        if st is None or not stat.S_ISREG(st.st_mode):
            return None
        return read_file(os.path.join(self.root, STATE_DIR, BASE_DIR, rel))


def reconcile(out_dir: Path, previous: State, planned: list[PlannedFile], answers: bytes, fingerprint: str, *, force: bool = False,
              inline: bool = False) -> Reconciliation:
    """`inline`: write a conflict of a file merged by lines as git-style markers into the file, not as a proposal."""
    rec = Reconciliation()
    disk = _Folder(out_dir, str(out_dir))
    bases: list[PlannedFile] = []  # what .hardgen/base/ holds after this run
    proposals: dict[str, str] = {}  # the proposals this run writes, recorded in the state
    for f in planned:
        base = _decide(rec, disk, f, previous, force, inline)
        if base is not None:
            bases.append(base)
        proposal = f"{f.path}{PROPOSAL_SUFFIX}"
        there = disk.read(proposal)
        written_by_us = there is not None and previous.proposals.get(proposal) == digest(there)
        if proposal in rec.changes:
            if there is not None and not written_by_us and there != rec.changes[proposal][0]:
                raise UserError(Problem(str(out_dir / proposal), "", "exists and hardgen did not write it (or it was edited since); "
                                        f"move it away so that hardgen can put its proposal for {f.path} there"))
            proposals[proposal] = digest(rec.changes[proposal][0])
        elif written_by_us:
            rec.remove.append(proposal)  # the conflict it proposed a way out of is gone
    for rel in sorted(set(previous.files) - {f.path for f in planned}):
        ours = disk.read(rel)
        if ours is not None and ours == disk.base(rel):
            rec.outcomes.append(Outcome(rel, Action.REMOVED, ours, None))
            rec.remove.append(rel)
        elif ours is not None:
            rec.outcomes.append(Outcome(rel, Action.KEPT_EDITED, ours, ours))
        if disk.base(rel) is not None:
            rec.remove.append(f"{STATE_DIR}/{BASE_DIR}/{rel}")
    state = state_for(__version__, SCHEMA_VERSION, bases, "" if rec.conflicts else fingerprint, proposals, rec.pending)
    for rel, (content, mode) in state_files(state, bases, answers).items():
        if disk.read(rel) != content or disk.mode(rel) != mode:
            rec.changes[rel] = (content, mode)
    return rec


def _decide(rec: Reconciliation, disk: _Folder, f: PlannedFile, previous: State, force: bool, inline: bool) -> PlannedFile | None:
    """Decide one planned file; returns what its merge base is from now on (None: hardgen does not own it)."""
    record = previous.files.get(f.path)
    ours = disk.read(f.path)
    base = disk.base(f.path) if record is not None else None

    def put(action: Action, content: bytes, conflicts: Sequence[Conflict] = ()) -> None:
        rec.outcomes.append(Outcome(f.path, action, ours, content, list(conflicts)))
        rec.changes[f.path] = (content, f.mode)

    def propose(action: Action, content: bytes, conflicts: list[Conflict], refused: str = "") -> None:
        rec.outcomes.append(Outcome(f.path, action, ours, content, conflicts, inline_refused=refused))
        rec.changes[f"{f.path}{PROPOSAL_SUFFIX}"] = (content, f.mode)

    if ours is None:
        if record is None:
            put(Action.CREATED, f.content)
        elif force:
            put(Action.RECREATED, f.content)
        else:
            rec.outcomes.append(Outcome(f.path, Action.KEPT_DELETED))  # recorded, so later runs respect it too
        return f
    if ours == f.content:
        if disk.mode(f.path) != f.mode and (record is None or ours == base):
            put(Action.MODE, f.content)
        return f
    if record is None and not force:
        propose(Action.FOREIGN, f.content, [Conflict("(whole file)", "a file hardgen did not write", "the generated file")])
        return None
    if record is None or ours == base:
        put(Action.UPDATED, f.content)
        return f
    pending = previous.conflicts.get(f.path)
    marks = unresolved_markers(ours)
    if marks is not None:  # never merged as an edit (not even with --force): the markers would be taken for the user's lines
        rec.outcomes.append(Outcome(f.path, Action.CONFLICT, ours, ours, markers=marks))
        if pending and base:
            rec.pending[f.path] = pending
        return PlannedFile(f.path, base, record.mode) if base else None
    if pending == digest(f.content) and disk.read(f"{f.path}{PROPOSAL_SUFFIX}") is None:
        rec.resolved.append(f.path)  # the user's file is their resolution: an edit of the render it was against
        base = f.content
    merged = three_way(f.path, base or b"", ours, f.content, f"hardgen {__version__}" if inline else None)  # a lost base/ file: two-way
    if merged.conflicts and not force:
        if base:
            rec.pending[f.path] = digest(f.content)
        if merged.marked is not None:
            rec.outcomes.append(Outcome(f.path, Action.CONFLICT, ours, merged.marked, merged.conflicts, inline=True))
            rec.changes[f.path] = (merged.marked, f.mode)
        else:
            propose(Action.CONFLICT, merged.content, merged.conflicts, engine_for(f.path) if inline else "")
        return PlannedFile(f.path, base, record.mode) if base else None
    if merged.content != ours:
        put(Action.MERGED, merged.content, merged.conflicts)
    return f
