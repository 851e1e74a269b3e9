"""Plan: what files each requested target writes, with what bytes, before anything touches disk.

Targets are modules under `generator.targets` with one entry point,
`plan(model) -> TargetPlan`. They read the resolved model and nothing else (no
files, no other target's internals); the writer never knows a format.
"""

from __future__ import annotations

import importlib
from dataclasses import field

from .model import Integration
from .records import record

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


#: Planning modules per requested target; shared artefacts (JVM options, Config.toml) come first.
TARGET_MODULES = {
    "docker": ("jvm", "ballerina", "docker"),
    "kubernetes": ("jvm", "ballerina", "kubernetes"),
    "systemd": ("ballerina", "systemd"),
}


def plan(model: Integration) -> TargetPlan:
    """All files for the model's targets, sorted by path; a path planned twice is a bug."""
    modules: list[str] = []
    for target in model.targets:
        for name in TARGET_MODULES[target]:
            if name not in modules:
                modules.append(name)
    total = TargetPlan()
    seen: dict[str, str] = {}
    for name in modules:
        part = importlib.import_module(f"generator.targets.{name}").plan(model)
        for f in part.files:
            if f.path in seen:
                raise AssertionError(f"{name} and {seen[f.path]} both plan {f.path}")
            seen[f.path] = name
        total.files.extend(part.files)
        total.warnings.extend(part.warnings)
    total.files.sort(key=lambda f: f.path)
    return total
