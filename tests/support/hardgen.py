"""Run hardgen as the tests need it, create output folders with it, and read them back.

Two ways to run the command line, with one result type (`subprocess.CompletedProcess`:
`.returncode`, `.stdout`, `.stderr`):

* `run(*args, cwd=..., input=...)`: in this process. `generator.cli.main(args)` with stdin, stdout
  and stderr swapped for strings and the working directory changed for the call (and restored). The
  same code path as the console script without the interpreter start-up and imports (about 0.2 s a
  call), so it is what the `hardgen` fixture gives and what almost every test uses. hardgen's own
  caches (compiled templates, the code digest) live on between calls, as in a `--batch` run.
* `run_process(*args, cwd=..., input=...)`: `python -m generator` from this checkout in a process of
  its own (the `hardgen_process` fixture). For what only a fresh process shows: what it imports, the
  exit status and any traceback as a shell sees them, a terminal (pexpect), worker processes, and
  one end-to-end run of each command.

`generate(out, ...)` is the one way the tests create an output folder; `tree(folder)` reads one back.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent

Result = subprocess.CompletedProcess


def hardgen_env() -> dict[str, str]:
    """Environment that makes `python -m generator` import this checkout, whatever the cwd."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_process(*args: str | os.PathLike, cwd: Path | str | None = None, input: str | None = None) -> Result:
    """`python -m generator ARGS` in a process of its own; stdin is `input` (empty when None, never a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        cwd=cwd,
        env=hardgen_env(),
        input=input or "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def run(*args: str | os.PathLike, cwd: Path | str | None = None, input: str | None = None) -> Result:
    """`hardgen ARGS` in this process, as `run_process` would run it: same exit code, same stdout and stderr.

    stdin is `input` (empty when None) and no stream is a terminal, so `init` never prompts. A SystemExit
    becomes the exit code the interpreter would give it; any other exception is raised into the test
    (a subprocess would print it as a traceback and exit 1).
    """
    from generator.cli import main

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    saved_stdin = sys.stdin
    try:
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin = io.StringIO(input or "")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = _exit_status(exc, err)
    finally:
        sys.stdin = saved_stdin
        os.chdir(here)
    return subprocess.CompletedProcess(["hardgen", *argv], int(code), out.getvalue(), err.getvalue())


def _exit_status(exc: SystemExit, err: io.StringIO) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=err)  # what the interpreter does with sys.exit("message")
    return 1


def set_args(sets: Iterable[str]) -> list[str]:
    """`--set` before each KEY=VALUE."""
    return [arg for s in sets for arg in ("--set", s)]


def generate(out: Path | str, *sets: str, preset: str | None = None, answers: Iterable[Path | str] = (),
             cwd: Path | str | None = None, project: Path | str | None = None) -> Result:
    """`hardgen generate [--preset P] [--answers FILE]... [--set S]... [--project DIR] --output OUT`, in this process.

    The one way tests create an output folder; fails the test unless it exits 0. The result carries
    the warnings (stderr) and the summary (stdout).
    """
    args = ["generate"]
    if preset is not None:
        args += ["--preset", preset]
    for path in answers:
        args += ["--answers", str(path)]
    if project is not None:
        args += ["--project", str(project)]
    done = run(*args, *set_args(sets), "--output", str(out), cwd=cwd)
    assert done.returncode == 0, f"hardgen {' '.join(done.args[1:])} exited {done.returncode}:\n{done.stderr}"
    return done


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: relative POSIX path -> (content, permission bits). Byte-for-byte comparisons compare these."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def new_repo(tmp_path: Path, args: Iterable[str], name: str = "orders") -> Path:
    """`hardgen new TMP/NAME ARGS` run from `tmp_path`; fails the test unless it exits 0. The new repository."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    done = run("new", str(tmp_path / name), *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / name
