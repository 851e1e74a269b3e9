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
- deleted by the user -> not recreated (unless `--force`); it stays in the state,
  with the new render as its base, so later runs keep respecting the deletion;
- no longer generated -> removed when untouched, otherwise kept, reported and
  forgotten by `.hardgen/` (hardgen no longer owns it).

The `.hardgen/` files are rebuilt from those decisions; the writer applies the lot.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import Problem, UserError
from .merge import three_way
from .merge.tree import Conflict
from .model import SCHEMA_VERSION
from .plan import PlannedFile
from .state import BASE_DIR, STATE_DIR, State, read_base, state_files, state_for
from .write import Desired

PROPOSAL_SUFFIX = ".hardgen-new"


@dataclass
class Outcome:
    path: str
    action: str  # created, updated, merged, mode, removed, conflict, kept-deleted, recreated, kept-edited, foreign
    before: bytes | None = None
    after: bytes | None = None
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class Reconciliation:
    outcomes: list[Outcome] = field(default_factory=list)
    changes: Desired = field(default_factory=dict)  # artefacts, proposals and .hardgen/ files to write
    remove: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action in ("conflict", "foreign")]

    def artefact_changes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action not in ("kept-deleted", "kept-edited")]


def _read(path: Path) -> bytes | None:
    if path.is_symlink():
        raise UserError(Problem(str(path), "", "is a symbolic link; hardgen never reads or writes through one"))
    if not path.exists():
        return None
    if not path.is_file():
        raise UserError(Problem(str(path), "", "is not a regular file"))
    return path.read_bytes()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def reconcile(out_dir: Path, previous: State, planned: list[PlannedFile], answers: bytes, fingerprint: str, *, force: bool = False) -> Reconciliation:
    rec = Reconciliation()
    bases: list[PlannedFile] = []  # what .hardgen/base/ holds after this run
    for f in planned:
        path = out_dir / f.path
        ours = _read(path)
        record = previous.files.get(f.path)
        base = read_base(out_dir, f.path) if record is not None else None
        proposal = f"{f.path}{PROPOSAL_SUFFIX}"
        stale_proposal = (out_dir / proposal).is_file() and not (out_dir / proposal).is_symlink()
        keep_old_base = False
        if ours is None:
            if record is None:
                rec.outcomes.append(Outcome(f.path, "created", None, f.content))
                rec.changes[f.path] = (f.content, f.mode)
            elif force:
                rec.outcomes.append(Outcome(f.path, "recreated", None, f.content))
                rec.changes[f.path] = (f.content, f.mode)
            else:
                rec.outcomes.append(Outcome(f.path, "kept-deleted"))
        elif ours == f.content:
            if _mode(path) != f.mode and (record is None or ours == base):
                rec.outcomes.append(Outcome(f.path, "mode", ours, ours))
                rec.changes[f.path] = (f.content, f.mode)
        elif record is None:
            if force:
                rec.outcomes.append(Outcome(f.path, "updated", ours, f.content))
                rec.changes[f.path] = (f.content, f.mode)
            else:
                conflict = Conflict("(whole file)", "a file hardgen did not write", "the generated file")
                rec.outcomes.append(Outcome(f.path, "foreign", ours, f.content, [conflict]))
                rec.changes[proposal] = (f.content, f.mode)
                stale_proposal = False
                keep_old_base = True  # not ours: stays out of the state
        elif ours == base:
            rec.outcomes.append(Outcome(f.path, "updated", ours, f.content))
            rec.changes[f.path] = (f.content, f.mode)
        else:
            base = base or b""  # a lost base/ file: a two-way merge, every difference conflicts
            merged = three_way(f.path, base, ours, f.content)
            if merged.conflicts and not force:
                rec.outcomes.append(Outcome(f.path, "conflict", ours, merged.content, merged.conflicts))
                rec.changes[proposal] = (merged.content, f.mode)
                stale_proposal = False
                keep_old_base = True
                if base:
                    bases.append(PlannedFile(f.path, base, record.mode))
            elif merged.content != ours:
                rec.outcomes.append(Outcome(f.path, "merged", ours, merged.content, merged.conflicts))
                rec.changes[f.path] = (merged.content, f.mode)
        if stale_proposal:
            rec.remove.append(proposal)  # the conflict it proposed a way out of is gone
        if not keep_old_base:
            bases.append(f)
    planned_paths = {f.path for f in planned}
    for rel in sorted(set(previous.files) - planned_paths):
        ours = _read(out_dir / rel)
        if ours is not None and ours == read_base(out_dir, rel):
            rec.outcomes.append(Outcome(rel, "removed", ours, None))
            rec.remove.append(rel)
        elif ours is not None:
            rec.outcomes.append(Outcome(rel, "kept-edited", ours, ours))
        if (out_dir / STATE_DIR / BASE_DIR / rel).is_file():
            rec.remove.append(f"{STATE_DIR}/{BASE_DIR}/{rel}")
    state = state_for(__version__, SCHEMA_VERSION, bases, "" if rec.conflicts else fingerprint)
    for rel, (content, mode) in state_files(state, bases, answers).items():
        if _read(out_dir / rel) != content or _mode(out_dir / rel) != mode:
            rec.changes[rel] = (content, mode)
    return rec
