"""`hardgen init` in a real pseudo-terminal (pexpect), for the end-to-end tests and the benchmarks.

The time to the first prompt is what a user waits before the wizard answers;
the goal is under 0.4 s. To time it by hand:

    cd "$(mktemp -d)" && PYTHONPATH=/path/to/checkout python -c \
      'import tests.wizard_terminal as w; print(w.seconds_to_first_prompt())'

(or `from tests.wizard_terminal import seconds_to_first_prompt` in a benchmark).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pexpect

from .conftest import hardgen_env

FIRST_PROMPT = "name - "


def spawn_init(*args: str, cwd: Path) -> pexpect.spawn:
    """`python -m generator init ARGS` from this checkout, in a 40x200 terminal, output as text.

    pexpect's terminal does not answer prompt_toolkit's cursor position request,
    which then waits a second per prompt for the answer; a real terminal answers
    at once, so the test tells prompt_toolkit not to ask.
    """
    env = dict(hardgen_env(), PROMPT_TOOLKIT_NO_CPR="1")
    return pexpect.spawn(sys.executable, ["-m", "generator", "init", *args], cwd=str(cwd), env=env,
                         encoding="utf-8", dimensions=(40, 200), timeout=20)


def seconds_to_first_prompt(runs: int = 5) -> float:
    """Best of `runs`: from starting `hardgen init` to its first question on the terminal."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            start = time.monotonic()
            child = spawn_init("--output", "deploy", cwd=Path(tmp))
            child.expect(FIRST_PROMPT)
            best = min(best, time.monotonic() - start)
            child.sendcontrol("c")
            child.expect(pexpect.EOF)
            child.close()
    return best
