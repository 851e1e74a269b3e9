"""Write: staged, atomic, never through a symlink, never outside the output folder.

Everything is rendered in memory before this module runs, so a rendering
failure writes nothing. Files are staged in a private folder on the same file
system and then renamed into place; a fresh output folder appears in one
rename. Files hardgen did not write, or that were edited since, are not
overwritten unless forced: the writer reports them and leaves the folder as it was.

Staged files are not fsync'ed. The rename gives the atomicity that matters
(no reader or failed run ever sees a half-written file or folder); surviving a
power cut in the same second is not worth one journal commit per file (a
third of a single run, most of a batch run), because every file can be
rebuilt byte for byte from `.hardgen/answers.yaml`. git checkout, copier and
cookiecutter do not fsync either; ext4 flushes a replaced file's data before
its rename by default (auto_da_alloc).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import field
from pathlib import Path, PurePosixPath

from generator.errors import Problem, UserError
from generator.output.state import BASE_DIR, STATE_DIR, State, is_unchanged
from generator.records import record

Desired = dict[str, tuple[bytes, int]]


@record
class WriteResult:
    """What a write did, for the one-line summary."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # no longer generated, but edited: left for the user

    def summary(self) -> str:
        parts = [f"{len(self.written)} written", f"{len(self.unchanged)} unchanged"]
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.kept:
            parts.append(f"{len(self.kept)} no longer generated but edited, kept: {', '.join(self.kept)}")
        return ", ".join(parts)


def assert_inside(rel: str) -> None:
    """A planned path stays inside the output folder (what PurePosixPath would say, without building one per file)."""
    parts = [part for part in rel.split("/") if part not in ("", ".")]
    if rel.startswith("/") or ".." in parts or not parts:
        raise AssertionError(f"planned path escapes the output folder: {rel}")


def _no_symlink_on_the_way(root: Path, rel: str, label: str, make_parents: bool = False) -> Path:
    """The path of `rel` under `root`, refusing a symlink in any existing component.

    With `make_parents`, missing folders on the way are created (0755) as the walk
    reaches them, so the check and the creation see the same components.
    """
    current = root
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            raise UserError(Problem(label, "", f"{current} is a symbolic link; hardgen never writes through one"))
        if make_parents and i < len(parts) - 1 and not current.exists():
            current.mkdir(mode=0o755)
    return current


def plan_writes(out_dir: Path, desired: Desired, previous: State | None, force: bool, label: str) -> tuple[Desired, list[str], list[str], list[str]]:
    """Decide which files change, which stale ones go, and which stay; refuse foreign files."""
    if out_dir.is_symlink():
        raise UserError(Problem(label, "", f"{out_dir} is a symbolic link; give the real folder"))
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(Problem(label, "", f"{out_dir} exists and is not a folder"))
    if not out_dir.exists():  # a fresh folder: nothing to compare, refuse or remove, no symlink on the way
        for rel in desired:
            assert_inside(rel)
        return dict(sorted(desired.items())), [], [], []
    changes: Desired = {}
    unchanged, refused = [], []
    for rel, (content, mode) in sorted(desired.items()):
        assert_inside(rel)
        path = _no_symlink_on_the_way(out_dir, rel, label)
        if path.is_file() and path.read_bytes() == content and stat.S_IMODE(path.stat().st_mode) == mode:
            unchanged.append(rel)
            continue
        if not rel.startswith(STATE_DIR + "/") and is_unchanged(out_dir, rel, previous) is False and not force:
            refused.append(rel)
            continue
        changes[rel] = (content, mode)
    if refused:
        raise UserError([
            Problem(label, "", f"{rel} exists and was not written by hardgen, or was edited since; "
                    "use 'hardgen regenerate' to merge, or --force to overwrite")
            for rel in refused
        ])
    removed, kept = [], []
    if previous is not None:
        for rel in sorted(set(previous.files) - {r for r in desired}):
            assert_inside(rel)
            ours = is_unchanged(out_dir, rel, previous)
            if ours:
                removed.append(rel)
            elif ours is False:
                kept.append(rel)
    return changes, unchanged, removed, kept


def write_output(out_dir: Path, desired: Desired, previous: State | None, *, force: bool = False, label: str = "--output") -> WriteResult:
    changes, unchanged, removed, kept = plan_writes(out_dir, desired, previous, force, label)
    result = WriteResult(written=sorted(changes), unchanged=unchanged, removed=removed, kept=kept)
    bases = [f"{STATE_DIR}/{BASE_DIR}/{rel}" for rel in removed]
    apply_changes(out_dir, changes, removed + [b for b in bases if (out_dir / b).is_file()], label=label)
    return result


def apply_changes(out_dir: Path, changes: Desired, remove: list[str], *, label: str = "--output") -> None:
    """Write contents a caller already decided on (staged, then renamed into place) and delete `remove`.

    `hardgen regenerate` decides per file (replace, merge, keep) and hands the
    outcome here, so the safety rules stay in one place: paths stay inside the
    folder, no component may be a symlink, the planned mode is set exactly.
    """
    if not changes and not remove:
        return
    absent = not os.path.lexists(out_dir)  # a folder that does not exist has no symlink inside it
    for rel in [*changes, *remove]:
        assert_inside(rel)
        if not absent:
            _no_symlink_on_the_way(out_dir, rel, label)
    if out_dir.is_symlink():
        raise UserError(Problem(label, "", f"{out_dir} is a symbolic link; give the real folder"))
    fresh = not out_dir.exists()
    parent = out_dir.parent if fresh else out_dir
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".hardgen-stage-", dir=parent))
    try:
        made: set[Path] = {stage}
        for rel, (content, mode) in changes.items():
            path = stage / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
                made.add(path.parent)
            _write_new(path, content, mode)
        if fresh:
            os.chmod(stage, 0o755)
            os.rename(stage, out_dir)
            return
        for rel in changes:
            os.replace(stage / rel, _no_symlink_on_the_way(out_dir, rel, label, make_parents=True))
        for rel in remove:
            path = out_dir / rel
            if path.is_file() and not path.is_symlink():
                path.unlink()
            _prune_empty(out_dir, path.parent)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _write_new(path: Path, content: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not loosen or tighten the planned mode
        os.write(fd, content)
    finally:
        os.close(fd)


def _prune_empty(root: Path, directory: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
