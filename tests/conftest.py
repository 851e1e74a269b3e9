"""Fixtures only; the helpers they hand out live in tests/support/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import hardgen as _hardgen


@pytest.fixture
def hardgen():
    """`hardgen("generate", "--preset", "docker", ..., cwd=tmp_path)` in this process; returns a CompletedProcess."""
    return _hardgen.run


@pytest.fixture
def hardgen_process():
    """The same call as `hardgen`, in a `python -m generator` process of its own (see tests/support/hardgen.py for when)."""
    return _hardgen.run_process


@pytest.fixture
def project(tmp_path):
    """A fresh output folder of `demo` from the docker preset, in `tmp_path`; call it with extra --set values."""

    def make(*sets: str, out: str = "deploy") -> Path:
        _hardgen.generate(out, "name=demo", *sets, preset="docker", cwd=tmp_path)
        return tmp_path / out

    return make
