"""Problems with user input are values until the CLI prints them; the exit codes live here with them.

A `Problem` carries where the bad value came from (file, or `--set`), the key
path and a sentence that names the value and what is allowed, so every view
(generate, regenerate, the wizard) reports the same words. The library never
imports the CLI: commands and `regenerate` return an `ExitCode`, the CLI only
prints and exits with it.
"""

from __future__ import annotations

import enum

from generator.records import record


class ExitCode(enum.IntEnum):
    """What every hardgen command exits with; pipelines branch on these."""

    OK = 0
    DRIFT = 1  # `regenerate --check`: regenerating would change a file
    USAGE = 2  # invalid input or command line; nothing written
    CONFLICT = 3  # `regenerate`: a hand edit and the upgrade disagree; a proposal was written beside the file
    ABORTED = 130  # Ctrl-C / Ctrl-D; nothing written


@record(frozen=True, order=True)
class Problem:
    """One thing the user has to fix: where it came from, the key path, and what is allowed."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.source}: {where}{self.message}"


class UserError(Exception):
    """Input the user can fix; the CLI prints each problem on one line and exits 2."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("hardgen", "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class ValueHidden(str):
    """A validator's reason that must not echo the value: it may be a pasted secret (CI logs are read widely)."""


def say(value: object, why: str) -> str:
    """'<value> <why>', or '<why>' alone with the value hidden when the validator asks for it."""
    return f"(value hidden) {why}" if isinstance(why, ValueHidden) else f"{show(value)} {why}"


def show(value: object) -> str:
    """Render a user value for a message: short, one line, never multi-line."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif type(value) is not str and isinstance(value, str):
        text = str(value)  # typed on the command line: show it as typed
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (tuple, list)):
        text = "[" + ", ".join(show(v) for v in value) + "]"
    else:
        text = repr(value) if not isinstance(value, (int, float)) else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= 60 else text[:57] + "..."
