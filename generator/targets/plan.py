"""The hand-off from targets to the writer: files as paths, bytes and modes, plus warnings.

A target returns a `TargetPlan`; nothing has touched disk yet, so a failure
anywhere in planning writes nothing, and the writer never needs to know a format.
"""

from __future__ import annotations

from dataclasses import field

from generator.records import record

MODE_FILE = 0o644
MODE_SCRIPT = 0o755
MODE_SECRET = 0o600


@record(frozen=True)
class PlannedFile:
    """One output file as it will be written: path under the output folder, bytes, mode."""

    path: str  # POSIX path relative to the output directory
    content: bytes
    mode: int = MODE_FILE


@record
class TargetPlan:
    """The files and warnings of one or more targets, before anything touches disk."""

    files: list[PlannedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, path: str, content: bytes, mode: int = MODE_FILE) -> None:
        self.files.append(PlannedFile(path, content, mode))
