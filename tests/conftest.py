"""Shared fixtures: run hardgen as a user would, from this checkout, in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def hardgen_env() -> dict[str, str]:
    """Environment that makes `python -m generator` import this checkout, whatever the cwd."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_hardgen(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=hardgen_env(),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def hardgen():
    """Call as `hardgen("generate", "--preset", "docker", ..., cwd=tmp_path)`; returns CompletedProcess."""
    return run_hardgen
