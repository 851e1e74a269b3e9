"""Write: all or nothing, one run at a time, never through a symlink, never outside the output folder.

Everything is rendered in memory before this module runs, so a rendering
failure writes nothing. Files hardgen did not write, or that were edited since,
are not overwritten unless forced: the writer reports them and leaves the folder
as it was. After any failure, Ctrl-C or kill, the folder holds either every old
file or every new one:

- A **fresh folder** is staged beside it (`.hardgen-stage-*` in the parent) and
  appears in one rename.
- An **existing folder** is changed under a journal. The new files are staged in
  `FOLDER/.hardgen-stage-*/new/`; then `journal` (the list of steps) is committed
  by a rename; then each step moves the current file aside into `old/` (a hard
  link where the file system allows, so the name never goes missing) and the new
  one into place, artefacts first and `.hardgen/` last (`state.json` the very
  last step), so even without the journal the bookkeeping never runs ahead of
  the artefacts. A failure undoes the steps taken (each step can be undone, and
  redone, from what `new/` and `old/` hold); a killed run is completed by the next
  run on the folder before it does anything else (`settle`), or undone when it
  cannot be completed. `regenerate --check` refuses a folder with an interrupted
  write instead of judging half of one.
- **One run at a time**: a run holds `flock` on the folder itself (an open
  directory, so no lock file is ever left behind; the kernel drops the lock with
  the process): exclusive to write, shared to read (`regenerate --check`). A fresh
  folder's stage is locked by its creator, so a later run can tell a live stage
  from a dead one and remove only the dead (no `.hardgen-stage-*` outlives the
  next run).

Staged files are not fsync'ed. The renames give the atomicity that matters
against failures and kills; surviving a power cut in the same second is not
worth one journal commit per file (a third of a single run, most of a batch
run), because every file can be rebuilt byte for byte from
`.hardgen/answers.yaml`. git checkout, copier and cookiecutter do not fsync
either; ext4 flushes a replaced file's data before its rename by default
(auto_da_alloc).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import field
from pathlib import Path

from generator.errors import Problem, UserError
from generator.output.state import (
    BASE_DIR,
    STAGE_PREFIX,
    STATE_DIR,
    STATE_FILE,
    State,
    Walker,
    is_unchanged,
    path_problem,
    read_file,
    read_state,
    shown_path,
)
from generator.records import record

Desired = dict[str, tuple[bytes, int]]

JOURNAL = "journal"
_JOURNAL_VERSION = 1
_LAST = f"{STATE_DIR}/{STATE_FILE}"


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


# --- which folder -------------------------------------------------------------------------------------------------


def output_folder(path: Path | str, label: str) -> Path:
    """The folder `path` names, refusing a symbolic link at its end, also one reached by `name/..`.

    `link/sub/..` is `link` itself as far as the kernel is concerned, so `x/..` is taken out
    only after checking that `x` is a real folder (not a symbolic link); a symbolic link
    earlier on the way (`/home` on some systems) is the user's business, as before.
    """
    path = Path(path)
    anchor = path.anchor
    parts = list(path.parts[1:] if anchor else path.parts)
    kept: list[str] = []
    for part in parts:
        if part != "..":
            kept.append(part)
            continue
        if not kept or kept[-1] == "..":
            if not anchor:
                kept.append("..")
            continue
        here = Path(anchor, *kept)
        if here.is_symlink():
            raise UserError(Problem(label, "", f"{here} is a symbolic link (the '..' after it leaves through it); give the real folder"))
        if here.exists() and not here.is_dir():
            raise UserError(Problem(label, "", f"{here} is not a folder"))
        kept.pop()
    folder = Path(anchor, *kept) if anchor or kept else Path(".")
    if folder.is_symlink():
        raise UserError(Problem(label, "", f"{folder} is a symbolic link; give the real folder"))
    return folder


# --- one run at a time ----------------------------------------------------------------------------------------------

_HELD: dict[tuple[int, int], int] = {}  # (device, inode) of each folder this process holds locked -> depth


def _open_folder(folder: Path, label: str) -> int:
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError(Problem(label, "", f"{folder} is a symbolic link; give the real folder")) from None
        if exc.errno == errno.ENOTDIR:
            raise UserError(Problem(label, "", f"{folder} exists and is not a folder")) from None
        raise


def _flock(fd: int, how: int) -> bool:
    """Lock `fd`; False when the file system cannot lock (some network file systems): the run goes on unlocked."""
    try:
        fcntl.flock(fd, how)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF, errno.ENOSYS):
            return False
        raise


@contextlib.contextmanager
def locked_folder(folder: Path, label: str, *, write: bool, settle_mode: str | None = None) -> Iterator[None]:
    """Hold `folder`'s lock: exclusive to write, shared to read. Re-entrant within a process.

    On first acquisition the folder is settled (`settle`): "recover" (the default to write) completes or undoes an
    interrupted write and removes dead stages; "check" (the default to read) refuses a folder with an interrupted
    write; "tidy" only removes dead stages of fresh folders (a parent, before a fresh folder is staged in it).
    """
    fd = _open_folder(folder, label)
    try:
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        if key in _HELD:
            _HELD[key] += 1
            try:
                yield
            finally:
                _HELD[key] -= 1
            return
        _flock(fd, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        _HELD[key] = 1
        try:
            settle(folder, label, settle_mode or ("recover" if write else "check"))
            yield
        finally:
            del _HELD[key]
    finally:
        os.close(fd)


# --- stages, the journal, and what a killed run left ----------------------------------------------------------------


def _stage_in(parent: Path) -> tuple[Path, int]:
    """A new stage folder in `parent` (whose lock the caller holds), locked by this process until the fd is closed."""
    stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=parent))
    try:
        fd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage, fd


#: The names `_stage_in` gives (tempfile.mkdtemp's eight characters): a folder the user named alike is left alone.
_STAGE_NAME = re.compile(re.escape(STAGE_PREFIX) + r"[a-z0-9_]{8}")


def _stages(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries
                          if e.name.startswith(STAGE_PREFIX) and _STAGE_NAME.fullmatch(e.name) and e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []


def settle(folder: Path, label: str, mode: str) -> None:
    """Deal with what earlier runs left in `folder` (its lock held): see `locked_folder`."""
    if mode == "none":
        return
    for stage in _stages(folder):
        try:
            fd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            try:
                _flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    continue  # a live run's stage (a fresh folder being made in this one)
                raise
            journal = stage / JOURNAL
            committed = _exists(journal)
            if mode == "check":
                if committed and not _finished(folder, stage, _read_journal(folder, stage, label)):
                    raise UserError(Problem(label, "", f"a write by an earlier hardgen run was interrupted ({stage.name} holds its journal); "
                                            f"run 'hardgen regenerate {folder}' (or generate again) to complete it, then check again"))
                continue
            if committed:
                if mode == "tidy":
                    continue  # the interrupted write of `folder` itself: its own next run settles it
                _replay(folder, stage, _read_journal(folder, stage, label), label)
            shutil.rmtree(stage, ignore_errors=True)
        finally:
            os.close(fd)


@record
class _Journal:
    steps: list[tuple[str, str]]  # ("put" | "remove", path), in the order they are taken
    mkdirs: list[str]  # folders the steps need, parents first


def _read_journal(folder: Path, stage: Path, label: str) -> _Journal:
    """The journal of a stage, trusted no more than user input: every path checked, no symbolic link followed."""
    where = f"{label}: {stage.name}/{JOURNAL}"

    def refuse(why: str) -> UserError:
        return UserError(Problem(where, "", f"{why}; hardgen cannot complete this interrupted write (remove {stage} to give it up)"))

    try:
        data = json.loads(read_file(str(stage / JOURNAL), 4 << 20))
    except (UserError, OSError, RecursionError, ValueError):
        raise refuse("is not a journal hardgen wrote") from None
    if not isinstance(data, dict) or set(data) != {"hardgen_journal", "steps", "mkdirs"} or data["hardgen_journal"] != _JOURNAL_VERSION:
        raise refuse("is not a journal of this hardgen")
    steps, mkdirs = data["steps"], data["mkdirs"]
    if not isinstance(steps, list) or not isinstance(mkdirs, list):
        raise refuse("is not a journal of this hardgen")
    out: list[tuple[str, str]] = []
    for step in steps:
        if not (isinstance(step, list) and len(step) == 2 and step[0] in ("put", "remove")):
            raise refuse("holds a step hardgen never writes")
        why = _journal_path_problem(step[1])
        if why:
            raise refuse(f"{shown_path(step[1])} {why}")
        out.append((step[0], step[1]))
    for rel in mkdirs:
        why = _journal_path_problem(rel)
        if why:
            raise refuse(f"{shown_path(rel)} {why}")
    for sub in ("new", "old"):  # a link here would make the steps move files from elsewhere into the folder
        try:
            if not stat.S_ISDIR(os.lstat(stage / sub).st_mode):
                raise refuse(f"{sub} is not a folder")
        except FileNotFoundError:
            pass
    walker = Walker(folder, where)
    for i, (_kind, rel) in enumerate(out):
        walker.stat(rel)  # no symbolic link on the way
        for staged in _staged(stage, i):
            try:
                st = os.lstat(staged)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(st.st_mode):
                raise refuse(f"{staged.relative_to(stage)} is staged as something else than a file")
    for rel in mkdirs:
        walker.stat(rel)
    return _Journal(out, list(mkdirs))


def _staged(stage: Path, step: int) -> tuple[Path, Path]:
    """Where step `step` keeps the file it replaces or removes (`old`), and the new one until it is moved in (`new`).

    Named by the step's number, not its path: no folders to make in the stage, and nothing in it a path could escape.
    """
    return stage / "old" / str(step), stage / "new" / str(step)


def _journal_path_problem(rel: object) -> str | None:
    """`path_problem`, with `.hardgen/` and the paths under it allowed (the journal writes them last)."""
    if rel == STATE_DIR:
        return None
    if isinstance(rel, str) and rel.startswith(STATE_DIR + "/"):
        return path_problem(rel[len(STATE_DIR) + 1:])
    return path_problem(rel)


def _write_journal(stage: Path, journal: _Journal) -> None:
    data = {"hardgen_journal": _JOURNAL_VERSION, "steps": [list(s) for s in journal.steps], "mkdirs": journal.mkdirs}
    _write_new(stage / f"{JOURNAL}.tmp", json.dumps(data).encode(), 0o600)
    os.rename(stage / f"{JOURNAL}.tmp", stage / JOURNAL)  # the commit: from here on the write is completed, not dropped


def _finished(folder: Path, stage: Path, journal: _Journal) -> bool:
    """Every step of the journal was taken (the run died cleaning up): nothing is pending."""
    for i, (kind, rel) in enumerate(journal.steps):
        if kind == "put" and _exists(_staged(stage, i)[1]):
            return False
        if kind == "remove" and _exists(folder / rel):
            return False
    return True


def _exists(path: Path) -> bool:
    """`os.path.lexists`, except that an error other than "not there" is raised, not taken for "not there"."""
    try:
        os.lstat(path)
        return True
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return False
        raise


def _forward(folder: Path, stage: Path, journal: _Journal) -> None:
    """Take every step not yet taken; each is one rename (after moving the current file aside), so it can be redone."""
    for rel in journal.mkdirs:
        try:
            os.mkdir(folder / rel, 0o755)
        except FileExistsError:
            if not (folder / rel).is_dir() or (folder / rel).is_symlink():
                raise NotADirectoryError(errno.ENOTDIR, "is not a folder", str(folder / rel)) from None
    for i, (kind, rel) in enumerate(journal.steps):
        dest, (old, new) = folder / rel, _staged(stage, i)
        if kind == "put":
            if not _exists(new):
                continue  # taken
            if _exists(dest) and not _exists(old):
                _refuse_folder(dest)
                try:
                    os.link(dest, old, follow_symlinks=False)  # the name never goes missing
                except OSError:
                    os.rename(dest, old)
            os.replace(new, dest)
        elif _exists(dest) and not _exists(old):
            _refuse_folder(dest)
            os.rename(dest, old)
    for kind, rel in journal.steps:  # folders left empty by removals go too
        if kind == "remove":
            _prune_empty(folder, (folder / rel).parent)


def _refuse_folder(dest: Path) -> None:
    if stat.S_ISDIR(os.lstat(dest).st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder where hardgen writes a file", str(dest))


def _backward(folder: Path, stage: Path, journal: _Journal) -> None:
    """Undo every step taken, last first: the new file goes back to the stage, the old one back into place."""
    for i, (kind, rel) in reversed(list(enumerate(journal.steps))):
        dest, (old, new) = folder / rel, _staged(stage, i)
        if kind == "put" and not _exists(new) and _exists(dest):
            os.rename(dest, new)  # it was taken: the new file goes back
        if _exists(old) and not _exists(dest):  # (a put not taken yet left `dest` in place, `old` a second name of it)
            if not dest.parent.is_dir():
                os.makedirs(dest.parent, 0o755, exist_ok=True)
            os.rename(old, dest)
    for rel in reversed(journal.mkdirs):
        with contextlib.suppress(OSError):
            os.rmdir(folder / rel)


def _replay(folder: Path, stage: Path, journal: _Journal, label: str) -> None:
    """Complete an interrupted write; undo it when it cannot be completed (the folder ends all new or all old)."""
    try:
        _forward(folder, stage, journal)
    except OSError as forward_error:
        try:
            _backward(folder, stage, journal)
        except OSError as exc:
            raise UserError(Problem(label, "", f"an interrupted write in {stage.name} could neither be completed ({_why(forward_error)}) "
                                    f"nor undone ({_why(exc)}); fix that and run hardgen again")) from None
    os.unlink(stage / JOURNAL)


def _why(exc: OSError) -> str:
    return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc.strerror or exc)


# --- planning and writing -------------------------------------------------------------------------------------------


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
    walker = Walker(out_dir, label)
    changes: Desired = {}
    unchanged, refused = [], []
    for rel, (content, mode) in sorted(desired.items()):
        assert_inside(rel)
        st = walker.stat(rel)
        _writable(walker, out_dir, rel, st, label)
        if st is not None and stat.S_IMODE(st.st_mode) == mode and st.st_size == len(content) \
                and read_file(os.path.join(out_dir, rel)) == content:
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
            ours = is_unchanged(out_dir, rel, previous)
            if ours:
                removed.append(rel)
            elif ours is False:
                kept.append(rel)
    return changes, unchanged, removed, kept


def _writable(walker: Walker, out_dir: Path, rel: str, st: os.stat_result | None, label: str) -> None:
    """A file can go to `rel`: nothing but a regular file is there, and no file stands where a folder of the way goes."""
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise UserError(Problem(label, "", f"{out_dir / rel} is a folder (or another non-file) where hardgen writes a file; move it away"))
        return
    cut = rel.find("/")
    while cut >= 0:
        here = walker.stat(rel[:cut])
        if here is None:
            return
        if not stat.S_ISDIR(here.st_mode):
            raise UserError(Problem(label, "", f"{out_dir / rel[:cut]} is a file where hardgen needs a folder; move it away"))
        cut = rel.find("/", cut + 1)


def write_output(out_dir: Path, desired: Desired, *, force: bool = False, label: str = "--output", tidy: bool = True) -> WriteResult:
    """Write one folder. Its state is read under the folder's lock, where it cannot change.

    With `tidy`, dead stages of fresh folders are removed from the parent first (a batch does that once, for all its folders).
    """
    out_dir = output_folder(out_dir, label)
    for _attempt in range(3):  # another run may create the folder between the look and the rename: then it is an existing one
        if not os.path.lexists(out_dir):
            for rel in desired:
                assert_inside(rel)
            if _write_fresh(out_dir, dict(sorted(desired.items())), label, tidy):
                return WriteResult(written=sorted(desired))
            continue
        with locked_folder(out_dir, label, write=True):
            previous = read_state(out_dir)
            changes, unchanged, removed, kept = plan_writes(out_dir, desired, previous, force, label)
            walker = Walker(out_dir, label)
            bases = [b for b in (f"{STATE_DIR}/{BASE_DIR}/{rel}" for rel in removed) if (st := walker.stat(b)) and stat.S_ISREG(st.st_mode)]
            apply_changes(out_dir, changes, removed + bases, label=label)
            return WriteResult(written=sorted(changes), unchanged=unchanged, removed=removed, kept=kept)
    raise UserError(Problem(label, "", f"{out_dir} kept changing while hardgen wrote it; run again"))


def tidy_parent(folder: Path, label: str) -> None:
    """Remove what killed runs left in `folder` while making fresh folders in it (a batch's output folder, once)."""
    if folder.is_dir() and not folder.is_symlink():
        with locked_folder(folder, label, write=True, settle_mode="tidy"):
            pass


def _write_fresh(out_dir: Path, files: Desired, label: str, tidy: bool) -> bool:
    """A folder that does not exist yet, made in one rename; False when one appeared meanwhile (nothing written)."""
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    with locked_folder(parent, label, write=True, settle_mode="tidy" if tidy else "none"):
        stage, fd = _stage_in(parent)
    try:
        made: set[Path] = {stage}
        for rel, (content, mode) in files.items():
            path = stage / rel
            _make_parents(path.parent, made)
            _write_new(path, content, mode)
        os.chmod(stage, 0o755)
        try:
            os.rename(stage, out_dir)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                return False
            raise
        return True
    finally:
        if os.path.lexists(stage):
            shutil.rmtree(stage, ignore_errors=True)
        os.close(fd)


def _order(rel: str) -> tuple[bool, bool, str]:
    """Artefacts first, then `.hardgen/`, its `state.json` the very last: bookkeeping never runs ahead of the files."""
    return rel.startswith(STATE_DIR + "/"), rel == _LAST, rel


def apply_changes(out_dir: Path, changes: Desired, remove: list[str], *, label: str = "--output") -> None:
    """Write contents a caller already decided on and delete `remove`, all or nothing (see the module's docstring).

    `hardgen regenerate` decides per file (replace, merge, keep) and hands the
    outcome here, so the safety rules stay in one place: paths stay inside the
    folder, no component may be a symlink, nothing but a regular file is
    replaced or removed, the planned mode is set exactly.
    """
    if not changes and not remove:
        return
    for rel in [*changes, *remove]:
        assert_inside(rel)
    out_dir = Path(out_dir)
    if not os.path.lexists(out_dir):
        if remove or not _write_fresh(out_dir, dict(sorted(changes.items())), label, True):
            raise UserError(Problem(label, "", f"{out_dir} is not there any more"))
        return
    with locked_folder(out_dir, label, write=True):
        _apply_journaled(out_dir, changes, remove, label)


def _apply_journaled(out_dir: Path, changes: Desired, remove: list[str], label: str) -> None:
    walker = Walker(out_dir, label)
    steps: list[tuple[str, str]] = []
    mkdirs: list[str] = []
    for kind, rel in sorted([*(("put", r) for r in changes), *(("remove", r) for r in remove)], key=lambda s: _order(s[1])):
        st = walker.stat(rel)
        if kind == "remove":
            if st is None or not stat.S_ISREG(st.st_mode):
                continue
        else:
            _writable(walker, out_dir, rel, st, label)
            cut = rel.find("/")
            while cut >= 0:
                if walker.stat(rel[:cut]) is None and rel[:cut] not in mkdirs:
                    mkdirs.append(rel[:cut])
                cut = rel.find("/", cut + 1)
        steps.append((kind, rel))
    if not steps:
        return
    journal = _Journal(steps, mkdirs)
    stage, fd = _stage_in(out_dir)
    committed = False
    try:
        os.mkdir(stage / "old", 0o700)
        os.mkdir(stage / "new", 0o700)
        for i, (kind, rel) in enumerate(steps):
            if kind == "put":
                content, mode = changes[rel]
                _write_new(_staged(stage, i)[1], content, mode)
        _write_journal(stage, journal)
        committed = True
        _forward(out_dir, stage, journal)
        os.unlink(stage / JOURNAL)
    except BaseException as failure:
        if committed and os.path.lexists(stage / JOURNAL):
            try:
                _backward(out_dir, stage, journal)
                os.unlink(stage / JOURNAL)
            except OSError as exc:
                committed = False  # keep the stage: the next run completes or undoes the write
                if isinstance(failure, OSError):
                    raise UserError(Problem(label, "", f"writing failed ({_why(failure)}) and undoing it failed too ({_why(exc)}); "
                                            "the next hardgen run on this folder completes or undoes the write")) from None
                raise
        raise
    finally:
        if committed or not os.path.lexists(stage / JOURNAL):
            shutil.rmtree(stage, ignore_errors=True)
        os.close(fd)


def _make_parents(directory: Path, made: set[Path]) -> None:
    if directory in made:
        return
    _make_parents(directory.parent, made)
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory, 0o755)
    made.add(directory)


def _write_new(path: Path, content: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not loosen or tighten the planned mode
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _prune_empty(root: Path, directory: Path) -> None:
    while directory != root and directory.is_dir() and not directory.is_symlink() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
