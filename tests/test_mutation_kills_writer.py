"""The journaled writer in process: every change lands with its planned bytes and mode, a failure at any file
operation leaves the old folder, and a run killed at any operation is completed or undone by the next one.

Why this file: tests/test_safety_writer_faults.py proves the same through the CLI, a run per operation, 50 seconds;
mutation testing (tests/mutation/run.py, issue #17) needs a subset of seconds. Here `apply_changes` works on a small
folder with a change of content and mode, a new file two folders deep, a removal that empties its folder, and
`.hardgen/state.json`, so each step kind of the journal is taken.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from generator.errors import UserError
from generator.output import writer as w

OLD = {"a.txt": (b"old a\n", 0o644), "sub/b.txt": (b"old b\n", 0o600), "gone/c.txt": (b"c\n", 0o644),
       ".hardgen/state.json": (b"{}", 0o644)}
CHANGES = {"a.txt": (b"new a\n", 0o640), "fresh/deep/d.sh": (b"#!/bin/sh\n", 0o755), ".hardgen/base/a.txt": (b"new a\n", 0o644),
           ".hardgen/state.json": (b'{"v": 2}', 0o644)}
REMOVE = ["gone/c.txt"]
PATCHED = ("replace", "rename", "link", "mkdir", "unlink")


class Killed(BaseException):
    """The process dies here: nothing after it runs."""


def snapshot(folder: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every file and folder with its bytes and mode, stages left out."""
    out: dict[str, tuple[bytes | None, int]] = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        rel = str(path.relative_to(folder))
        if rel.startswith(w.STAGE_PREFIX):
            continue
        out[rel] = (path.read_bytes() if stat.S_ISREG(st.st_mode) else None, stat.S_IMODE(st.st_mode))
    return out


def old_folder(tmp_path: Path) -> Path:
    """OLD, plus an empty folder of the user's where the new file goes: undoing must not remove it."""
    folder = tmp_path / "out"
    w.write_output(folder, OLD)
    (folder / "fresh").mkdir(0o755)
    return folder


def expected_new(tmp_path: Path) -> dict[str, tuple[bytes | None, int]]:
    folder = tmp_path / "expected"
    w.write_output(folder, {**{k: v for k, v in OLD.items() if k not in REMOVE}, **CHANGES})
    return snapshot(folder)


def count_operations(tmp_path: Path, monkeypatch) -> int:
    folder = old_folder(tmp_path / "count")
    calls = 0
    for name in PATCHED:
        real = getattr(os, name)

        def counting(*args, _real=real, **kwargs):
            nonlocal calls
            calls += kwargs.get("dir_fd") is None
            return _real(*args, **kwargs)
        monkeypatch.setattr(os, name, counting)
    w.apply_changes(folder, CHANGES, REMOVE)
    monkeypatch.undo()
    return calls


def fail_at(monkeypatch, n: int, error: BaseException) -> None:
    calls = 0
    for name in PATCHED:
        real = getattr(os, name)

        def failing(*args, _real=real, **kwargs):
            nonlocal calls
            if kwargs.get("dir_fd") is None:  # shutil.rmtree's calls are not the writer's
                calls += 1
                if calls == n:
                    raise error
            return _real(*args, **kwargs)
        monkeypatch.setattr(os, name, failing)


def stages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".hardgen-stage-"))


def test_a_change_lands_with_its_bytes_and_modes_and_leaves_nothing_behind(tmp_path):
    folder = old_folder(tmp_path)
    w.apply_changes(folder, CHANGES, REMOVE)
    assert snapshot(folder) == expected_new(tmp_path)
    assert not (folder / "gone").exists() and stages(folder) == []
    assert stat.S_IMODE(os.lstat(folder / "fresh").st_mode) == 0o755


def test_a_failing_file_operation_at_any_point_leaves_the_old_folder(tmp_path, monkeypatch):
    total = count_operations(tmp_path, monkeypatch)
    new = expected_new(tmp_path)
    failed = 0
    assert total >= 8
    for n in range(1, total + 1):
        folder = old_folder(tmp_path / str(n))
        before = snapshot(folder)
        fail_at(monkeypatch, n, OSError(5, "injected"))
        try:
            w.apply_changes(folder, CHANGES, REMOVE)
        except (OSError, UserError):
            failed += 1
            assert snapshot(folder) == before, n
        else:  # a hard link the file system refuses: the file is moved aside instead
            assert snapshot(folder) == new, n
        finally:
            monkeypatch.undo()
        assert stages(folder) == [], n
    assert failed >= total - 2


def test_a_killed_run_is_completed_or_undone_by_the_next_whatever_operation_it_died_at(tmp_path, monkeypatch):
    total = count_operations(tmp_path, monkeypatch)
    new = expected_new(tmp_path)
    completed = 0
    for n in range(1, total + 1):
        folder = old_folder(tmp_path / str(n))
        before = snapshot(folder)
        fail_at(monkeypatch, n, Killed())
        monkeypatch.setattr(w, "_backward", lambda *a: (_ for _ in ()).throw(Killed()))
        monkeypatch.setattr(w.shutil, "rmtree", lambda *a, **k: None)
        with pytest.raises(Killed):
            w.apply_changes(folder, CHANGES, REMOVE)
        monkeypatch.undo()
        # bookkeeping never runs ahead of the artefacts: .hardgen/ after every artefact, state.json the very last
        artefacts_new = all((folder / rel).exists() and (folder / rel).read_bytes() == CHANGES[rel][0]
                            for rel in CHANGES if not rel.startswith(".hardgen/")) and not (folder / "gone/c.txt").exists()
        if (folder / ".hardgen/base/a.txt").exists():
            assert artefacts_new, n
        if (folder / ".hardgen/state.json").read_bytes() == CHANGES[".hardgen/state.json"][0]:
            assert artefacts_new and (folder / ".hardgen/base/a.txt").exists(), n
        interrupted = any((folder / s / w.JOURNAL).exists() for s in stages(folder))
        for s in stages(folder):
            if (folder / s / w.JOURNAL).exists():
                assert stat.S_IMODE(os.lstat(folder / s / w.JOURNAL).st_mode) == 0o600, n
        if interrupted and snapshot(folder) != new:
            with pytest.raises(UserError), w.locked_folder(folder, "--output", write=False):  # --check refuses half a write
                pass
        elif interrupted:  # every step was taken: nothing is pending
            with w.locked_folder(folder, "--output", write=False):
                pass
        w.apply_changes(folder, {"z.txt": (b"z", 0o644)}, [])  # the next run completes or undoes it first
        after = snapshot(folder)
        assert after.pop("z.txt") == (b"z", 0o644), n
        assert after in (before, new), n
        assert stages(folder) == [], n
        if interrupted:
            assert after == new, n  # a committed journal is completed, not dropped
            completed += 1
        with w.locked_folder(folder, "--output", write=False):
            pass
    assert completed >= 4


def test_a_fresh_folder_refuses_a_path_that_leaves_it(tmp_path):
    with pytest.raises(AssertionError):
        w.write_output(tmp_path / "out", {"ok.txt": (b"x", 0o644), "../escaped.txt": (b"x", 0o644)})
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_output_folder_resolves_dot_dot_only_through_real_folders(tmp_path, monkeypatch):
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert w.output_folder(tmp_path / "real" / "sub" / ".." / "out", "--output") == tmp_path / "real" / "out"
    assert w.output_folder(tmp_path / "real" / "-x", "--output") == tmp_path / "real" / "-x"
    (tmp_path / "real" / "-x").mkdir()  # a name that sorts before ".."
    assert w.output_folder(tmp_path / "real" / "-x" / ".." / "out", "--output") == tmp_path / "real" / "out"
    assert w.output_folder(Path("/..") / tmp_path.relative_to("/") / "out", "--output") == tmp_path / "out"
    for bad in (tmp_path / "link" / "sub" / "..", tmp_path / "link", tmp_path / "file" / ".." / "out"):
        with pytest.raises(UserError):
            w.output_folder(bad, "--output")
    monkeypatch.chdir(tmp_path / "real")
    assert w.output_folder("../../x", "--output") == Path("../../x")
    assert w.output_folder("../a/../b", "--output") == Path("../b")
    assert w.output_folder("sub/../..", "--output") == Path("..")
    assert w.output_folder("sub/..", "--output") == Path(".")
    assert w.output_folder("/", "--output") == Path("/")


def dead_stage(parent: Path, suffix: str, journal: bool = False) -> Path:
    stage = parent / (w.STAGE_PREFIX + suffix)
    (stage / "new").mkdir(parents=True)
    if journal:
        (stage / w.JOURNAL).write_text('{"hardgen_journal": 1, "steps": [], "mkdirs": []}')
    return stage


def test_tidying_removes_every_dead_stage_past_a_live_one_and_an_interrupted_write(tmp_path):
    live, fd = w._stage_in(tmp_path)
    try:
        interrupted = dead_stage(tmp_path, "00000000", journal=True)
        dead = dead_stage(tmp_path, "zzzzzzzz")
        w.tidy_parent(tmp_path, "--output")
        assert live.exists() and interrupted.exists() and not dead.exists()
    finally:
        os.close(fd)


def test_a_stage_that_vanishes_while_settling_does_not_stop_the_others(tmp_path, monkeypatch):
    first, last = dead_stage(tmp_path, "00000000"), dead_stage(tmp_path, "zzzzzzzz")
    real_open = os.open

    def vanishing(path, *args, **kwargs):
        if Path(path) == first:
            raise FileNotFoundError(2, "gone", str(path))
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(os, "open", vanishing)
    w.tidy_parent(tmp_path, "--output")
    monkeypatch.undo()
    assert not last.exists()


def refused_journal(tmp_path: Path, journal: str, setup=None) -> str:
    """Settle a folder holding a stage with `journal`: the refusal's message; the folder and outside/ untouched."""
    folder = old_folder(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "0").write_text("not the folder's\n")
    stage = folder / (w.STAGE_PREFIX + "abcd1234")
    stage.mkdir()
    (stage / w.JOURNAL).write_text(journal)
    if setup:
        setup(folder, stage, outside)
    before = snapshot(folder)
    with pytest.raises(UserError) as refused, w.locked_folder(folder, "--output", write=True):
        pass
    assert snapshot(folder) == before and (outside / "0").read_text() == "not the folder's\n"
    return str(refused.value)


def test_a_journal_with_a_key_hardgen_never_writes_is_refused(tmp_path):
    refused_journal(tmp_path, '{"hardgen_journal": 1, "steps": [], "mkdirs": [], "run": "x"}')


def test_a_journal_step_out_of_the_folder_is_named_in_the_refusal(tmp_path):
    assert "../../etc/passwd" in refused_journal(tmp_path, '{"hardgen_journal": 1, "steps": [["put", "../../etc/passwd"]], "mkdirs": []}')


def test_a_stage_whose_new_files_are_a_link_out_of_the_folder_is_refused(tmp_path):
    def link_new(folder, stage, outside):
        (stage / "old").mkdir()
        os.symlink(outside, stage / "new")
    refused_journal(tmp_path, '{"hardgen_journal": 1, "steps": [["put", "a.txt"]], "mkdirs": []}', link_new)


def test_a_journal_folder_to_make_through_a_link_is_refused(tmp_path):
    def link_in_folder(folder, stage, outside):
        os.symlink(outside, folder / "via")
    refused_journal(tmp_path, '{"hardgen_journal": 1, "steps": [], "mkdirs": ["via/x"]}', link_in_folder)


def test_a_journal_step_through_a_link_is_refused(tmp_path):
    def link_in_folder(folder, stage, outside):
        os.symlink(outside, folder / "via")
    refused_journal(tmp_path, '{"hardgen_journal": 1, "steps": [["remove", "via/0"]], "mkdirs": []}', link_in_folder)


def test_a_write_that_cannot_be_undone_keeps_its_stage_for_the_next_run(tmp_path, monkeypatch):
    folder = old_folder(tmp_path)
    before = snapshot(folder)
    real_replace = os.replace
    calls = 0

    def second_fails(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(5, "injected", str(args[1]))
        return real_replace(*args, **kwargs)
    monkeypatch.setattr(os, "replace", second_fails)
    monkeypatch.setattr(w, "_backward", lambda *a: (_ for _ in ()).throw(OSError(13, "undo refused", "old/0")))
    with pytest.raises(UserError) as failed:
        w.apply_changes(folder, CHANGES, REMOVE)
    monkeypatch.undo()
    assert "injected" in str(failed.value) and "undo refused" in str(failed.value) and "old/0" in str(failed.value)
    assert len(stages(folder)) == 1
    with w.locked_folder(folder, "--output", write=True):
        pass
    assert snapshot(folder) in (before, expected_new(tmp_path)) and stages(folder) == []


def test_a_file_system_that_cannot_lock_is_written_unlocked(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, how):
        raise OSError(errno.ENOLCK, "no locks")
    monkeypatch.setattr(fcntl, "flock", no_locks)
    folder = old_folder(tmp_path)
    w.apply_changes(folder, CHANGES, REMOVE)
    assert snapshot(folder) == expected_new(tmp_path)


def test_an_output_folder_that_cannot_be_opened_is_not_called_a_file(tmp_path):
    # the system's reason, not "exists and is not a folder"
    with pytest.raises(OSError, match="too long"), w.locked_folder(tmp_path / ("x" * 300), "--output", write=True):
        pass


def test_a_new_file_beside_a_file_named_like_it_minus_a_character(tmp_path):
    folder = old_folder(tmp_path)
    (folder / "notes.tx").write_text("mine")
    w.apply_changes(folder, {"notes.txt": (b"n", 0o644)}, [])
    assert (folder / "notes.txt").read_bytes() == b"n"


def test_a_file_put_back_by_hand_after_a_kill_is_not_removed_by_the_completion(tmp_path, monkeypatch):
    """The run died after moving gone/c.txt aside; the user restored it by hand: the next run leaves theirs alone."""
    total = count_operations(tmp_path, monkeypatch)
    restored = 0
    for n in range(1, total + 1):
        folder = old_folder(tmp_path / str(n))
        fail_at(monkeypatch, n, Killed())
        monkeypatch.setattr(w, "_backward", lambda *a: (_ for _ in ()).throw(Killed()))
        monkeypatch.setattr(w.shutil, "rmtree", lambda *a, **k: None)
        with pytest.raises(Killed):
            w.apply_changes(folder, CHANGES, REMOVE)
        monkeypatch.undo()
        pending = any((folder / s / w.JOURNAL).exists() for s in stages(folder))
        if not pending or (folder / "gone/c.txt").exists():
            continue
        (folder / "gone").mkdir(exist_ok=True)
        (folder / "gone/c.txt").write_text("mine")
        with w.locked_folder(folder, "--output", write=True):
            pass
        assert (folder / "gone/c.txt").read_text() == "mine", n
        restored += 1
    assert restored >= 1


def test_a_removal_of_a_file_already_gone_does_not_stop_the_others(tmp_path):
    folder = old_folder(tmp_path)
    w.apply_changes(folder, CHANGES, ["0-already-gone.txt", *REMOVE])
    assert snapshot(folder) == expected_new(tmp_path)


def test_removing_from_a_folder_that_is_gone_is_refused(tmp_path):
    with pytest.raises(UserError):
        w.apply_changes(tmp_path / "gone", CHANGES, REMOVE)
    assert not (tmp_path / "gone").exists()


def test_a_fresh_folder_gets_its_missing_parents(tmp_path):
    w.write_output(tmp_path / "a" / "b" / "out", OLD)
    assert (tmp_path / "a/b/out/sub/b.txt").read_bytes() == b"old b\n"


def test_a_folder_that_appears_just_before_the_rename_is_written_as_an_existing_one(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real_rename = os.rename

    def someone_else_first(src, dst, *args, **kwargs):
        if Path(dst) == out and not out.exists():
            out.mkdir()
            (out / "mine.txt").write_text("theirs")
        return real_rename(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "rename", someone_else_first)
    result = w.write_output(out, {"a.txt": (b"a", 0o644)})
    monkeypatch.undo()
    assert result.written == ["a.txt"]
    assert (out / "a.txt").read_bytes() == b"a" and (out / "mine.txt").read_text() == "theirs"
    assert stages(tmp_path) == [] and stages(out) == []


def test_a_folder_to_make_that_became_a_link_after_a_kill_is_not_written_through(tmp_path, monkeypatch):
    total = count_operations(tmp_path, monkeypatch)
    linked = 0
    for n in range(1, total + 1):
        folder = old_folder(tmp_path / str(n))
        outside = tmp_path / str(n) / "outside"
        outside.mkdir()
        fail_at(monkeypatch, n, Killed())
        monkeypatch.setattr(w, "_backward", lambda *a: (_ for _ in ()).throw(Killed()))
        monkeypatch.setattr(w.shutil, "rmtree", lambda *a, **k: None)
        with pytest.raises(Killed):
            w.apply_changes(folder, CHANGES, REMOVE)
        monkeypatch.undo()
        pending = any((folder / s / w.JOURNAL).exists() for s in stages(folder))
        if not pending or (folder / "fresh/deep").exists():
            continue
        os.symlink(outside, folder / "fresh/deep")
        with pytest.raises(UserError), w.locked_folder(folder, "--output", write=True):
            pass
        assert list(outside.iterdir()) == [], n
        linked += 1
    assert linked >= 1


def test_locking_a_symbolic_link_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    # Linux answers O_NOFOLLOW | O_DIRECTORY on a link with ENOTDIR, other kernels with ELOOP: refused either way
    with pytest.raises(UserError, match=r"symbolic link|not a folder"), w.locked_folder(tmp_path / "link", "--output", write=True):
        pass


def test_the_summary_names_the_edited_files_it_kept():
    assert "kept" not in w.WriteResult(written=["a"]).summary() and "removed" not in w.WriteResult(written=["a"]).summary()
    assert "2 removed" in w.WriteResult(removed=["a", "b"]).summary()
    assert "kept: Dockerfile" in w.WriteResult(kept=["Dockerfile"]).summary()


def test_a_file_no_longer_planned_but_edited_is_kept(hardgen, tmp_path):
    gen = ("generate", "--preset", "docker", "--set", "name=orders")
    assert hardgen(*gen, "--set", "targets=[docker, systemd]", "-o", "deploy", cwd=tmp_path).returncode == 0
    unit = tmp_path / "deploy/systemd/install.sh"
    unit.write_text(unit.read_text() + "# mine\n")
    (tmp_path / "deploy/systemd/orders.sysusers.conf").unlink()  # deleted by hand: nothing to keep
    r = hardgen(*gen, "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 0 and "kept: systemd/install.sh" in r.stderr and "sysusers" not in r.stderr
    assert unit.read_text().endswith("# mine\n")


def test_a_link_named_like_a_stage_is_left_alone(tmp_path):
    folder = old_folder(tmp_path)
    outside = tmp_path / "outside"
    (outside / "new").mkdir(parents=True)
    (folder / (w.STAGE_PREFIX + "abcd1234")).symlink_to(outside)
    with w.locked_folder(folder, "--output", write=True):
        pass
    assert (folder / (w.STAGE_PREFIX + "abcd1234")).is_symlink() and (outside / "new").is_dir()


def test_a_journal_over_4_mib_is_refused(tmp_path):
    journal = '{"hardgen_journal": 1, "steps": [], "mkdirs": []}'
    refused_journal(tmp_path, journal + " " * ((4 << 20) + 1 - len(journal)))


def test_a_journal_at_4_mib_is_read(tmp_path):
    folder = old_folder(tmp_path)
    stage = folder / (w.STAGE_PREFIX + "abcd1234")
    stage.mkdir()
    journal = '{"hardgen_journal": 1, "steps": [], "mkdirs": []}'
    (stage / w.JOURNAL).write_text(journal + " " * ((4 << 20) - len(journal)))
    with w.locked_folder(folder, "--output", write=True):
        pass
    assert stages(folder) == []


@pytest.mark.parametrize("journal", [
    '{"hardgen_journal": 1, "steps": []}',
    '{"hardgen_journal": 1, "steps": [["put", "a.txt", "x"]], "mkdirs": []}',
], ids=["a key missing", "a step too long"])
def test_a_journal_of_another_shape_is_refused(tmp_path, journal):
    refused_journal(tmp_path, journal)


def test_a_staged_file_that_is_a_link_is_refused(tmp_path):
    def link_staged(folder, stage, outside):
        (stage / "new").mkdir()
        (stage / "old").mkdir()
        os.symlink(outside / "0", stage / "new" / "0")
    refused_journal(tmp_path, '{"hardgen_journal": 1, "steps": [["put", "a.txt"]], "mkdirs": []}', link_staged)


def test_an_unchanged_file_does_not_stop_the_planning_of_the_next(tmp_path):
    folder = tmp_path / "out"
    w.write_output(folder, {"a.txt": (b"a", 0o644), "b.txt": (b"b", 0o644)})
    result = w.write_output(folder, {"a.txt": (b"a", 0o644), "b.txt": (b"B", 0o644)}, force=True)
    assert result.unchanged == ["a.txt"] and result.written == ["b.txt"]
    assert (folder / "b.txt").read_bytes() == b"B"


def test_a_fresh_write_is_retried_twice_when_the_folder_keeps_appearing(tmp_path, monkeypatch):
    real, attempts = w._write_fresh, []

    def raced(*args):
        attempts.append(1)
        return False if len(attempts) < 3 else real(*args)
    monkeypatch.setattr(w, "_write_fresh", raced)
    assert w.write_output(tmp_path / "out", {"a.txt": (b"a", 0o644)}).written == ["a.txt"]
    assert len(attempts) == 3


def test_nothing_to_apply_creates_nothing(tmp_path):
    w.apply_changes(tmp_path / "out", {}, [])
    assert not (tmp_path / "out").exists()


def test_applying_to_a_missing_folder_makes_it(tmp_path):
    w.apply_changes(tmp_path / "out", {"a.txt": (b"a", 0o644)}, [])
    assert (tmp_path / "out/a.txt").read_bytes() == b"a"


def test_every_foreign_file_is_named_not_just_the_first(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.txt").write_text("mine")
    (folder / "b.txt").write_text("mine too")
    with pytest.raises(UserError) as refused:
        w.write_output(folder, {"a.txt": (b"a", 0o644), "b.txt": (b"b", 0o644)})
    assert "a.txt" in str(refused.value) and "b.txt" in str(refused.value)
    assert (folder / "a.txt").read_text() == "mine"


def test_planning_a_fresh_folder_refuses_a_path_that_leaves_it(tmp_path):
    with pytest.raises(AssertionError):
        w.plan_writes(tmp_path / "out", {"../x": (b"x", 0o644)}, None, False, "--output")


def test_a_folder_to_make_that_becomes_a_link_mid_run_is_not_written_through(tmp_path, monkeypatch):
    folder = old_folder(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    real = w._write_journal

    def then_a_link_appears(stage, journal):
        real(stage, journal)
        os.symlink(outside, folder / "fresh/deep")
    monkeypatch.setattr(w, "_write_journal", then_a_link_appears)
    with pytest.raises(NotADirectoryError):
        w.apply_changes(folder, CHANGES, REMOVE)
    assert list(outside.iterdir()) == [] and stages(folder) == []
    assert (folder / "a.txt").read_bytes() == OLD["a.txt"][0]


def test_a_dead_stage_that_cannot_be_removed_does_not_stop_the_run(tmp_path, monkeypatch):
    dead = dead_stage(tmp_path, "abcd1234")
    (dead / "new" / "0").write_text("x")
    real_unlink = os.unlink

    def stuck(path, *args, **kwargs):
        if kwargs.get("dir_fd") is not None:
            raise PermissionError(1, "stuck", str(path))
        return real_unlink(path, *args, **kwargs)
    monkeypatch.setattr(os, "unlink", stuck)
    w.tidy_parent(tmp_path, "--output")


def test_an_interrupted_write_that_cannot_be_completed_is_undone(tmp_path):
    folder = old_folder(tmp_path)
    stage = folder / (w.STAGE_PREFIX + "abcd1234")
    (stage / "new").mkdir(parents=True)
    (stage / "old").mkdir()
    (stage / "new" / "0").write_text("new a")
    (stage / w.JOURNAL).write_text('{"hardgen_journal": 1, "steps": [["put", "a.txt"]], "mkdirs": []}')
    (folder / "a.txt").unlink()
    (folder / "a.txt").mkdir()  # a folder where the step puts a file: it cannot be completed
    with w.locked_folder(folder, "--output", write=True):
        pass
    assert stages(folder) == [] and (folder / "a.txt").is_dir()


def test_a_file_with_the_right_bytes_but_a_wider_mode_is_rewritten(tmp_path):
    folder = tmp_path / "out"
    w.write_output(folder, {"a.txt": (b"a", 0o644)})
    os.chmod(folder / "a.txt", 0o666)
    assert w.write_output(folder, {"a.txt": (b"a", 0o644)}, force=True).written == ["a.txt"]
    assert stat.S_IMODE(os.lstat(folder / "a.txt").st_mode) == 0o644


def test_a_file_where_a_folder_goes_is_refused_before_anything_is_written(tmp_path):
    folder = tmp_path / "out"
    w.write_output(folder, {"x": (b"x", 0o644)})
    with pytest.raises(UserError, match="needs a folder"):
        w.write_output(folder, {"x/y": (b"y", 0o644), "a.txt": (b"a", 0o644)}, force=True)
    assert sorted(p.name for p in folder.iterdir()) == ["x"]


def test_the_stage_is_private_to_the_run(tmp_path, monkeypatch):
    folder = old_folder(tmp_path)
    modes = {}
    real = w._write_journal

    def look(stage, journal):
        modes.update({name: stat.S_IMODE(os.lstat(stage / name).st_mode) for name in ("old", "new")})
        modes["stage"] = stat.S_IMODE(os.lstat(stage).st_mode)
        real(stage, journal)
    monkeypatch.setattr(w, "_write_journal", look)
    w.apply_changes(folder, CHANGES, REMOVE)
    assert modes == {"old": 0o700, "new": 0o700, "stage": 0o700}




def test_a_folder_that_keeps_appearing_is_given_up_after_three_tries(tmp_path, monkeypatch):
    attempts = []
    monkeypatch.setattr(w, "_write_fresh", lambda *a: attempts.append(1) or False)
    with pytest.raises(UserError, match="kept changing"):
        w.write_output(tmp_path / "out", {"a.txt": (b"a", 0o644)})
    assert len(attempts) == 3


def test_writing_completes_an_interrupted_write_first(tmp_path):
    folder = tmp_path / "out"
    w.write_output(folder, {"a.txt": (b"old", 0o644)})
    stage = folder / (w.STAGE_PREFIX + "abcd1234")
    (stage / "new").mkdir(parents=True)
    (stage / "old").mkdir()
    (stage / "new" / "0").write_bytes(b"new")
    os.chmod(stage / "new" / "0", 0o644)
    (stage / w.JOURNAL).write_text('{"hardgen_journal": 1, "steps": [["put", "a.txt"]], "mkdirs": []}')
    result = w.write_output(folder, {"a.txt": (b"new", 0o644)}, force=True)
    assert result.unchanged == ["a.txt"] and stages(folder) == []


def test_a_fresh_folder_is_readable_by_all_and_writable_by_its_owner(tmp_path):
    w.write_output(tmp_path / "out", {"a.txt": (b"a", 0o644)})
    assert stat.S_IMODE(os.lstat(tmp_path / "out").st_mode) == 0o755


def test_writing_holds_the_folder_exclusively_and_checking_shares_it(tmp_path):
    import fcntl

    folder = old_folder(tmp_path)
    probe = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with w.locked_folder(folder, "--output", write=True), pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        with w.locked_folder(folder, "--output", write=False):
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(probe, fcntl.LOCK_UN)
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(probe)


def test_tidying_a_parent_holds_it_exclusively(tmp_path, monkeypatch):
    import fcntl

    hows = []
    real = w._flock
    monkeypatch.setattr(w, "_flock", lambda fd, how: hows.append(how) or real(fd, how))
    w.tidy_parent(tmp_path, "--output")
    assert hows == [fcntl.LOCK_EX]


def test_a_journal_of_an_older_version_is_refused(tmp_path):
    refused_journal(tmp_path, '{"hardgen_journal": 0, "steps": [], "mkdirs": []}')


def test_applying_a_path_that_leaves_the_folder_is_refused(tmp_path):
    folder = old_folder(tmp_path)
    with pytest.raises(AssertionError):
        w.apply_changes(folder, {"../x": (b"x", 0o644)}, [])
    assert not (tmp_path / "x").exists()


def test_making_a_fresh_folder_tidies_its_parent(tmp_path):
    dead = dead_stage(tmp_path, "abcd1234")
    w.apply_changes(tmp_path / "out", {"a.txt": (b"a", 0o644)}, [])
    assert not dead.exists() and (tmp_path / "out/a.txt").exists()


def test_removing_a_path_that_is_a_folder_is_skipped(tmp_path):
    folder = old_folder(tmp_path)
    before = snapshot(folder)
    w.apply_changes(folder, {}, ["sub"])
    assert snapshot(folder) == before


def test_a_stage_left_by_a_lost_race_that_cannot_be_removed_does_not_fail_the_write(tmp_path, monkeypatch):
    out = tmp_path / "out"
    real_rename, real_unlink = os.rename, os.unlink

    def someone_else_first(src, dst, *args, **kwargs):
        if Path(dst) == out and not out.exists():
            out.mkdir()
            (out / "theirs.txt").write_text("x")  # not empty: the rename fails
        return real_rename(src, dst, *args, **kwargs)

    def stuck(path, *args, **kwargs):
        if kwargs.get("dir_fd") is not None:
            raise PermissionError(1, "stuck", str(path))
        return real_unlink(path, *args, **kwargs)
    monkeypatch.setattr(os, "rename", someone_else_first)
    monkeypatch.setattr(os, "unlink", stuck)
    assert w.write_output(out, {"a.txt": (b"a", 0o644)}).written == ["a.txt"]
    monkeypatch.undo()
    assert (out / "a.txt").read_bytes() == b"a"


def test_checking_looks_at_every_stage(tmp_path):
    folder = old_folder(tmp_path)
    dead_stage(folder, "00000000")
    stage = dead_stage(folder, "zzzzzzzz")
    (stage / "new" / "0").write_text("pending")
    (stage / w.JOURNAL).write_text('{"hardgen_journal": 1, "steps": [["put", "a.txt"]], "mkdirs": []}')
    with pytest.raises(UserError, match="interrupted"), w.locked_folder(folder, "--output", write=False):
        pass


@pytest.mark.parametrize("journal", [
    '{"hardgen_journal": 1, "steps": [], "mkdirs": "x"}',
    '{"hardgen_journal": 1, "steps": [["put"]], "mkdirs": []}',
], ids=["mkdirs not a list", "a step too short"])
def test_a_journal_of_another_shape_is_refused_too(tmp_path, journal):
    refused_journal(tmp_path, journal)


def test_a_file_with_the_right_bytes_but_a_narrower_mode_is_rewritten(tmp_path):
    folder = tmp_path / "out"
    w.write_output(folder, {"a.txt": (b"a", 0o644)})
    os.chmod(folder / "a.txt", 0o600)
    assert w.write_output(folder, {"a.txt": (b"a", 0o644)}, force=True).written == ["a.txt"]
    assert stat.S_IMODE(os.lstat(folder / "a.txt").st_mode) == 0o644


def test_making_a_fresh_folder_holds_its_parent_exclusively(tmp_path, monkeypatch):
    import fcntl

    hows = []
    real = w._flock
    monkeypatch.setattr(w, "_flock", lambda fd, how: hows.append(how) or real(fd, how))
    w.write_output(tmp_path / "out", {"a.txt": (b"a", 0o644)})
    assert hows[0] == fcntl.LOCK_EX
