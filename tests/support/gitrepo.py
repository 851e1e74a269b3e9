"""`git` as the tests run it: an identity of its own, no user or system configuration, one line when it fails.

Several behaviours are only true through git (modes it stores, files it ignores, a clone's state), so tests that
commit and clone share this one runner instead of each carrying a copy.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_IDENTITY = ["-c", "user.name=hardgen-tests", "-c", "user.email=tests@example.invalid", "-c", "init.defaultBranch=main",
             "-c", "core.fileMode=true"]


def git(*args: str | os.PathLike, cwd: Path) -> str:
    """Run `git ARGS` in `cwd` and return its stdout; a failure fails the test with git's message."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(["git", *_IDENTITY, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"git {' '.join(map(str, args))}: {proc.stderr}"
    return proc.stdout
