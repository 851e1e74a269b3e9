"""Problems with user input are values until the CLI prints them; the exit codes live here with them.

A `Problem` carries where the bad value came from (file, or `--set`), the key
path and a sentence that names the value and what is allowed, so every view
(generate, regenerate, the wizard) reports the same words. The library never
imports the CLI: commands and `regenerate` return an `ExitCode`, the CLI only
prints and exits with it.

A problem is always one line of printable text: `show` renders a value escaped
(a newline as `\n`, a terminal escape as `\x1b`) and hides one that looks like a
secret, and `Problem.__str__` escapes its source and key path the same way.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from generator.records import record
from generator.secret_like import secret_name, secret_value


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
        where = f"{shown_path(self.path)}: " if self.path else ""
        return one_line(f"{self.source}: {where}{self.message}")


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


HIDDEN = "(value hidden)"
#: How much of a nested value a message shows: enough to recognise it, never a whole file.
_SHOW_DEPTH = 3
_SHOW_ITEMS = 8


def say(value: object, why: str) -> str:
    """'<value> <why>', or '<why>' alone with the value hidden when the validator asks for it."""
    return f"{HIDDEN} {why}" if isinstance(why, ValueHidden) else f"{show(value)} {why}"


def show(value: object) -> str:
    """Render a user value for a message: short, one printable line, and hidden when it looks like a secret."""
    text = _shown(value, 0)
    return text if len(text) <= 60 else text[:57] + "..."


def _shown(value: object, depth: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if secret_value(value):
            return HIDDEN
        # A value typed on the command line (a str subclass) is shown as typed; one read from a file, quoted.
        return one_line(str(value) if type(value) is not str else repr(value))
    if depth >= _SHOW_DEPTH and isinstance(value, (Mapping, list, tuple)):
        return "{...}" if isinstance(value, Mapping) else "[...]"
    if isinstance(value, Mapping):
        items = [f"{_shown_key(k)}: {HIDDEN if isinstance(k, str) and secret_name(k) else _shown(v, depth + 1)}"
                 for k, v in list(value.items())[:_SHOW_ITEMS]]
        return "{" + ", ".join(items) + (", ...}" if len(value) > _SHOW_ITEMS else "}")
    if isinstance(value, (tuple, list)):
        items = [_shown(v, depth + 1) for v in value[:_SHOW_ITEMS]]
        return "[" + ", ".join(items) + (", ...]" if len(value) > _SHOW_ITEMS else "]")
    if isinstance(value, (int, float)):
        try:
            return str(value)
        except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
            return "a number of thousands of digits"
    return one_line(repr(value))


def _shown_key(key: object) -> str:
    return HIDDEN if isinstance(key, str) and secret_value(key) else one_line(str(key))


def shown_path(path: str) -> str:
    """A key path for a message: escaped, and with any part that looks like a secret (a pasted key) hidden."""
    if not secret_value(path):
        return one_line(path)
    parts = re.split(r"(\.|\[\d+\])", path)
    hidden = [HIDDEN if secret_value(p) else p for p in parts]
    return one_line("".join(hidden)) if hidden != parts else HIDDEN


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """`text` with every character that is not printable escaped: line breaks, controls (a terminal's escape
    sequences), and format characters such as bidi overrides, so one problem is always one visible line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
