"""The hand-off from targets to the writer: files as paths, bytes and modes, plus warnings.

A target returns a `TargetPlan`; nothing has touched disk yet, so a failure
anywhere in planning writes nothing, and the writer never needs to know a format.

Every file carries a one-line purpose from the target that plans it: the output's
README lists the plan itself, so it can never leave a file out. Modes are the two
git stores (0644, 0755): a fresh clone of an output is byte- and mode-identical to
what hardgen wrote, and filled copies of secrets are git-ignored and get their
restrictive mode where they are installed.
"""

from __future__ import annotations

from dataclasses import field

from generator.records import record

MODE_FILE = 0o644
MODE_SCRIPT = 0o755
#: The only modes git records (100644, 100755); anything else comes back different from a clone.
GIT_MODES = (MODE_FILE, MODE_SCRIPT)


@record(frozen=True)
class PlannedFile:
    """One output file as it will be written: path under the output folder, bytes, mode, and what it is for."""

    path: str  # POSIX path relative to the output directory
    content: bytes
    mode: int = MODE_FILE
    purpose: str = ""  # one line for the output's README; `TargetPlan.add` requires it


@record
class TargetPlan:
    """The files and warnings of one or more targets, before anything touches disk."""

    files: list[PlannedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, path: str, content: bytes, mode: int = MODE_FILE, *, purpose: str) -> None:
        if mode not in GIT_MODES or not purpose:
            raise AssertionError(f"{path}: a planned file needs a mode git stores and a purpose for the README")
        self.files.append(PlannedFile(path, content, mode, purpose))
