"""`hardgen init` and `hardgen new` in a real pseudo-terminal (pexpect), for the end-to-end tests.

How long a user waits for the first question is a benchmark figure, not a test:
`python benchmarks/run.py` reports it as figure (8), budget < 0.4 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

from tests.support.hardgen import hardgen_env

FIRST_PROMPT = "(name)"


def spawn_init(*args: str, cwd: Path) -> pexpect.spawn:
    return spawn("init", *args, cwd=cwd)


def spawn(command: str, *args: str, cwd: Path) -> pexpect.spawn:
    """`python -m generator COMMAND ARGS` from this checkout, in a 40x200 terminal, output as text.

    pexpect's terminal does not answer prompt_toolkit's cursor position request,
    which then waits a second per prompt for the answer; a real terminal answers
    at once, so the test tells prompt_toolkit not to ask.
    """
    env = dict(hardgen_env(), PROMPT_TOOLKIT_NO_CPR="1")
    return pexpect.spawn(sys.executable, ["-m", "generator", command, *args], cwd=str(cwd), env=env,
                         encoding="utf-8", dimensions=(40, 200), timeout=20)
