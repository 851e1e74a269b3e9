"""The writer under faults, kills and concurrent runs: an output folder is always all old or all new (issue #13).

Every file operation of a run is made to fail in turn (the N-th call of any of them raises OSError, for every N
until the run no longer reaches N), and, separately, the run is killed with SIGKILL at each of them in a process
of its own. After each: the folder's artefacts and `.hardgen/` are entirely the old version or entirely the new
(after a kill, possibly only once the next run has completed or undone the interrupted write, which it does before
anything else; until then `regenerate --check` says so instead of judging half a folder), `regenerate --check`
tells the truth, and after the next run no `.hardgen-stage-*` is left anywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from tests.support.hardgen import REPO, hardgen_env, tree

OPS = ("rename", "replace", "link", "open", "write", "fchmod", "chmod", "unlink", "rmdir", "mkdir")
NAME = ("--preset", "docker", "--set", "name=demo", "--set", "docker.deploy_dir=.")
OLD = ("--set", "targets=[docker, systemd]")
NEW = ("--set", "targets=[docker, kubernetes]", "--set", "service.port=9444")


@pytest.fixture
def scratch(tmp_path):
    """A folder on tmpfs when there is one: the sweeps run the writer a few thousand times, and they test logic, not a disk."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="hardgen-test-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """The folder as `tree` sees it, without the writer's stages (debris is checked on its own)."""
    return {k: v for k, v in tree(folder).items() if not k.startswith(".hardgen-stage-")} if folder.exists() else {}


def debris(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(".hardgen-stage-*"))


class Faults:
    """Make the `fail_at`-th call of any of OPS fail (or, with `kill`, SIGKILL this process just before it)."""

    def __init__(self, fail_at: int, kill: bool = False):
        self.fail_at, self.kill, self.calls, self.hit = fail_at, kill, 0, False
        self.saved = {name: getattr(os, name) for name in OPS}

    def _wrap(self, name, real):
        def op(*args, **kwargs):
            self.calls += 1
            if self.calls == self.fail_at:
                self.hit = True
                if self.kill:
                    os.kill(os.getpid(), signal.SIGKILL)
                raise OSError(errno.EIO, f"injected failure of os.{name}", str(args[0]) if args else None)
            return real(*args, **kwargs)
        return op

    def __enter__(self):
        for name, real in self.saved.items():
            setattr(os, name, self._wrap(name, real))
        return self

    def __exit__(self, *exc):
        for name, real in self.saved.items():
            setattr(os, name, real)


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """The old folder (with a hand edit), the new render, and what a fault-free writer and `regenerate` make of them."""
    from generator.render.pipeline import render_inputs
    from tests.support.hardgen import run

    root = tmp_path_factory.mktemp("versions")
    assert run("generate", *NAME, *OLD, "-o", "old", cwd=root).returncode == 0
    options = root / "old/jvm/java.options"
    options.write_text(options.read_text() + "-Dtuned=yes\n")  # merged by regenerate, overwritten by generate --force
    sets = [a for a in (*NAME, *NEW)[2:] if a != "--set"]
    desired = render_inputs(["docker"], [], sets).desired
    for kind, args in (("generate", ("generate", *NAME, *NEW, "--force", "-o", "new")), ("regenerate", ("regenerate", "new", *NEW))):
        shutil.copytree(root / "old", root / kind / "new", symlinks=True)
        r = run(*args, cwd=root / kind)
        assert r.returncode == 0, r.stderr
    return {"old": files(root / "old"), "generate": files(root / "generate/new"), "regenerate": files(root / "regenerate/new"),
            "fresh": files(root / "generate/new"), "root": root, "desired": desired}


def command(kind: str) -> tuple[str, ...]:
    if kind == "regenerate":
        return ("regenerate", "out", *NEW)
    return ("generate", *NAME, *NEW, *(("--force",) if kind == "generate" else ()), "-o", "out")


def write(kind: str, versions, cwd: Path) -> int:
    """One run of `kind`: the writer itself for "fresh" and "generate" (rendered once, up front), the CLI for regenerate."""
    if kind == "regenerate":
        from tests.support.hardgen import run

        r = run(*command(kind), cwd=cwd)
        assert "Traceback" not in r.stderr
        if r.returncode == 2:
            assert len(r.stderr.strip().splitlines()) == 1 and "injected failure" in r.stderr, r.stderr
        return r.returncode
    from generator.output.writer import write_output

    try:
        out = cwd / "out"
        write_output(out, versions["desired"], force=kind == "generate", label="out")
    except OSError as exc:
        assert "injected failure" in str(exc)
        return 2
    return 0


def prepare(kind: str, versions, where: Path) -> Path:
    if where.exists():
        shutil.rmtree(where)
    where.mkdir()
    if kind != "fresh":
        shutil.copytree(versions["root"] / "old", where / "out", symlinks=True)
    return where / "out"


def expected(kind: str, versions) -> tuple[dict, dict]:
    return ({} if kind == "fresh" else versions["old"]), versions[kind]


def check_truth(run, out: Path, old: dict, new: dict, n: int) -> None:
    """After a failure or a kill: `regenerate --check` on the folder tells the truth.

    An all-old or all-new folder is in sync (each is its own last render); a folder whose write was killed after
    its journal was committed is refused as interrupted (any next run settles it), never called in sync.
    """
    if not out.exists():
        assert old == {}, f"n={n}: the folder is gone"
        return
    check = run("regenerate", "out", "--check", cwd=out.parent)
    if check.returncode == 2:
        assert "interrupted" in check.stderr and len(check.stderr.strip().splitlines()) == 1, (n, check.stderr)
        settled = run("regenerate", "out", cwd=out.parent)  # any next run settles it first
        assert settled.returncode == 0, settled.stderr
        assert debris(out) == []
    else:
        assert check.returncode == 0 and check.stderr.strip().endswith("in sync"), (n, check.stdout, check.stderr)
    assert files(out) in (old, new), f"n={n}: the folder is neither the old version nor the new one"


def finish(kind: str, versions, out: Path, new: dict, n: int) -> None:
    """The next run completes the write and leaves no stage anywhere."""
    assert write(kind, versions, out.parent) == 0
    assert files(out) == new, f"n={n}"
    assert debris(out.parent) == [], f"n={n}"


@pytest.mark.parametrize("kind", ["fresh", "generate", "regenerate"])
def test_a_failing_file_operation_at_any_point_leaves_the_folder_all_old_or_all_new(versions, scratch, kind):
    from tests.support.hardgen import run

    old, new = expected(kind, versions)
    n = 0
    while True:
        n += 1
        out = prepare(kind, versions, scratch / "w")
        with Faults(n) as faults:
            code = write(kind, versions, out.parent)
        if not faults.hit:
            assert code == 0 and files(out) == new and debris(out.parent) == []
            break
        assert files(out) in (old, new), f"n={n}: a failed run left a folder that is neither old nor new"
        check_truth(run, out, old, new, n)
        finish(kind, versions, out, new, n)
    assert n > 60, f"only {n - 1} file operations were tried: is the writer patched at all?"


def _killed_run(kind: str, versions, n: int, cwd: Path) -> bool:
    """Run `kind` in a forked process that SIGKILLs itself at the n-th file operation; True if it was killed."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            with Faults(n, kill=True):
                code = write(kind, versions, cwd)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, f"the child exited {os.WEXITSTATUS(status)} at n={n}"
    return False


@pytest.mark.parametrize("kind", ["fresh", "generate", "regenerate"])
def test_a_run_killed_at_any_file_operation_is_completed_or_undone_by_the_next(versions, scratch, kind):
    from tests.support.hardgen import run

    old, new = expected(kind, versions)
    n = 0
    while True:
        n += 1
        out = prepare(kind, versions, scratch / "w")
        if not _killed_run(kind, versions, n, out.parent):
            assert files(out) == new and debris(out.parent) == []
            break
        check_truth(run, out, old, new, n)
        finish(kind, versions, out, new, n)
    assert n > 60, f"only {n - 1} file operations were tried: is the writer patched at all?"


PAUSING_RUN = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {repo!r})
    at = int(sys.argv[1])
    calls = [0]
    real = os.replace
    def replace(*args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            print("paused", flush=True)
            time.sleep(60)
        return real(*args, **kwargs)
    os.replace = replace
    from generator.cli import main
    sys.exit(main(sys.argv[2:]))
""")


@pytest.mark.parametrize("at", [2, 6, 14])
def test_a_writer_killed_from_outside_between_renames_is_completed_by_the_next_run(versions, tmp_path, at):
    """A real process, paused in the middle of its renames and killed with SIGKILL by another one."""
    from tests.support.hardgen import run

    old, new = expected("generate", versions)
    out = prepare("generate", versions, tmp_path / "w")
    script = tmp_path / "pausing.py"
    script.write_text(PAUSING_RUN.format(repo=str(REPO)))
    child = subprocess.Popen([sys.executable, str(script), str(at), *command("generate")], cwd=out.parent, env=hardgen_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "paused"
    finally:
        child.kill()  # SIGKILL
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert files(out) not in (old, new), "the kill should land in the middle of the renames"
    check = run("regenerate", "out", "--check", cwd=out.parent)
    assert check.returncode == 2 and "interrupted" in check.stderr
    settled = run("regenerate", "out", cwd=out.parent)
    assert settled.returncode == 0, settled.stderr
    assert files(out) == new, "a committed write is completed by the next run"
    assert debris(out.parent) == []
    assert run("regenerate", "out", "--check", cwd=out.parent).returncode == 0


CONCURRENT_RUN = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {repo!r})
    for name in ("replace", "rename"):
        real = getattr(os, name)
        def slow(*args, _real=real, **kwargs):
            time.sleep(0.002)  # widen the window in which two runs interleave
            return _real(*args, **kwargs)
        setattr(os, name, slow)
    from generator.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_two_concurrent_runs_on_one_folder_never_mix(versions, tmp_path):
    """Ten rounds of two `generate`s with different answers started together: the folder is always one of the two."""
    from tests.support.hardgen import run

    script = tmp_path / "slow.py"
    script.write_text(CONCURRENT_RUN.format(repo=str(REPO)))
    renders = {}
    for port in ("9444", "9555"):
        assert run("generate", *NAME, *NEW[:2], "--set", f"service.port={port}", "-o", f"ref-{port}", cwd=tmp_path).returncode == 0
        renders[port] = files(tmp_path / f"ref-{port}")
    for round_ in range(10):
        where = tmp_path / f"round-{round_}"
        where.mkdir()
        if round_ % 2:  # half the rounds into an existing folder, half into a fresh one
            shutil.copytree(tmp_path / "ref-9444", where / "out", symlinks=True)
        children = [subprocess.Popen([sys.executable, str(script), "generate", *NAME, *NEW[:2], "--set", f"service.port={port}", "-o", "out"],
                                     cwd=where, env=hardgen_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for port in renders]
        for child in children:
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
        assert files(where / "out") in renders.values(), f"round {round_}: the two runs mixed their files"
        assert debris(where) == []
        assert run("regenerate", "out", "--check", cwd=where).returncode == 0


def test_a_lock_never_outlives_its_run(versions, tmp_path):
    """The lock is flock on the folder itself: nothing is left on disk, and a killed holder does not block the next run."""
    from tests.support.hardgen import run

    out = prepare("generate", versions, tmp_path / "w")
    before = {p.name for p in out.parent.iterdir()} | {p.name for p in out.iterdir()}
    assert _killed_run("generate", versions, 3, out.parent)
    assert run(*command("generate"), cwd=out.parent).returncode == 0
    after = {p.name for p in out.parent.iterdir()} | {p.name for p in out.iterdir()}
    assert after - before == {"kubernetes", "kustomization.yaml"}, "no lock file, no stage"


def test_force_onto_a_path_that_is_now_a_folder_refuses_and_writes_nothing(versions, tmp_path):
    from tests.support.hardgen import run

    out = prepare("generate", versions, tmp_path / "w")
    (out / "Dockerfile").unlink()
    (out / "Dockerfile").mkdir()
    (out / "Dockerfile/notes.txt").write_text("mine\n")
    before = tree(out)
    r = run(*command("generate"), cwd=out.parent)
    assert r.returncode == 2 and "Dockerfile is a folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert tree(out) == before and debris(out.parent) == []


def test_an_unwritable_file_mid_run_leaves_the_old_folder(versions, tmp_path, monkeypatch):
    """Replacing one artefact fails (as on a read-only bind mount of that file): every other file stays old too."""
    from tests.support.hardgen import run

    old, _new = expected("generate", versions)
    out = prepare("generate", versions, tmp_path / "w")
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("config/Config.toml"):
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    r = run(*command("generate"), cwd=out.parent)
    monkeypatch.undo()
    assert r.returncode == 2 and "config/Config.toml: Permission denied" in r.stderr
    assert files(out) == old and debris(out.parent) == []
    check = run("regenerate", "out", "--check", cwd=out.parent)
    assert check.returncode == 0 and "in sync" in check.stderr


def test_debris_of_a_killed_fresh_run_is_removed_by_the_next_batch(tmp_path):
    """A batch killed between folders leaves a stage beside them; the next batch run removes it and finishes."""
    from tests.support.hardgen import run

    (tmp_path / "in").mkdir()
    for name in ("alpha", "beta", "gamma"):
        (tmp_path / f"in/{name}.yaml").write_text(f"name: {name}\n")
    args = ["generate", "--batch", "in", "--preset", "docker", "-o", "out"]
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.chdir(tmp_path)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            from generator.cli import main

            real, count = os.rename, [0]

            def rename(*a, **k):
                count[0] += 1
                if count[0] == 2:  # the second folder's stage is complete, its rename not yet done
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*a, **k)

            os.rename = rename
            main(args)
        finally:
            os._exit(1)
    os.waitpid(pid, 0)
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".hardgen-stage-")) == ["alpha"]
    assert debris(tmp_path / "out"), "the killed run left its stage"
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert debris(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha", "beta", "gamma"]


def test_a_live_stage_of_another_run_is_never_removed(tmp_path):
    """A stage whose creator still runs (it holds flock on it) is left alone; only dead ones are debris."""
    import fcntl

    from tests.support.hardgen import run

    (tmp_path / "out").mkdir()
    live = tmp_path / "out/.hardgen-stage-live0000"
    live.mkdir()
    (live / "Dockerfile").write_text("FROM in-progress\n")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert run("generate", *NAME, "-o", "out/deploy", cwd=tmp_path).returncode == 0
        assert (live / "Dockerfile").is_file()
    finally:
        os.close(fd)
    assert run("generate", *NAME, "-o", "out/other", cwd=tmp_path).returncode == 0
    assert not live.exists() and debris(tmp_path) == []


@pytest.mark.parametrize("journal", [
    b"not json",
    b'{"hardgen_journal": 1, "steps": [["put", "../../etc/passwd"]], "mkdirs": []}',
    b'{"hardgen_journal": 1, "steps": [["put", "/etc/passwd"]], "mkdirs": []}',
    b'{"hardgen_journal": 1, "steps": [["chmod", "Dockerfile"]], "mkdirs": []}',
    b'{"hardgen_journal": 1, "steps": [["put", "Dockerfile"]], "mkdirs": ["../x"]}',
    b'{"hardgen_journal": 99, "steps": [], "mkdirs": []}',
    b'{"hardgen_journal": 1, "steps": [["remove", "Dockerfile"]], "mkdirs": []}',  # with new/ a link out of the folder
], ids=["not json", "dotdot", "absolute", "unknown step", "mkdir outside", "newer version", "linked stage"])
def test_a_journal_that_hardgen_did_not_write_is_refused_not_followed(versions, tmp_path, journal):
    """A stage with a journal is read back like state.json: a pull request could commit one."""
    from tests.support.hardgen import run

    out = prepare("generate", versions, tmp_path / "w")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "0").write_text("not the folder's\n")
    stage = out / ".hardgen-stage-abcd1234"
    stage.mkdir()
    (stage / "journal").write_bytes(journal)
    if b"remove" in journal:
        os.symlink(outside, stage / "new")
    before = tree(out)
    for args in (("regenerate", "out", "--check"), ("regenerate", "out"), command("generate")):
        r = run(*args, cwd=out.parent)
        assert r.returncode == 2 and "journal" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
    assert tree(out) == before and (outside / "0").read_text() == "not the folder's\n"
