"""Fixtures only; the helpers they hand out live in tests/support/."""

from __future__ import annotations

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
