"""The `.hardgen/` folder: what was generated, from which answers, by which version.

It is the merge base for `hardgen regenerate` and the proof of ownership for
`hardgen generate` (a file hardgen did not write, or one edited since, is not
overwritten without --force). Human-readable, stable (sorted, no timestamps),
meant to be committed with the artefacts; it never holds a secret value,
because no generated file does. It records no content hashes: `base/` holds
the exact bytes, and hex digests would be reported by secret scanners.
"""

from __future__ import annotations

import json
from dataclasses import field
from pathlib import Path
from typing import Any

from generator.records import record

STATE_DIR = ".hardgen"
STATE_FILE = "state.json"
ANSWERS_FILE = "answers.yaml"
BASE_DIR = "base"


@record
class FileRecord:
    """What `.hardgen/state.json` keeps of a generated file: its mode (`base/` keeps the bytes)."""

    mode: int


@record
class State:
    """The contents of `.hardgen/state.json`."""

    version: str = ""
    schema_version: int = 0
    files: dict[str, FileRecord] = field(default_factory=dict)
    #: Digest of hardgen's code and templates and of answers.yaml when every base/ file was rendered
    #: from them; empty when not (a conflict kept an older base). Lets `regenerate --check` skip rendering.
    fingerprint: str = ""

    def to_json(self) -> bytes:
        data = {
            "hardgen_version": self.version,
            "schema_version": self.schema_version,
            "fingerprint": self.fingerprint,
            "files": {p: {"mode": f"{r.mode:04o}"} for p, r in sorted(self.files.items())},
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> State:
        data = json.loads(raw)
        files = {p: FileRecord(int(r["mode"], 8)) for p, r in data.get("files", {}).items()}
        return cls(data.get("hardgen_version", ""), int(data.get("schema_version", 0)), files, str(data.get("fingerprint", "")))


def read_state(out_dir: Path) -> State | None:
    path = out_dir / STATE_DIR / STATE_FILE
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return State.from_json(path.read_bytes())
    except (ValueError, KeyError, TypeError):
        return None


def read_base(out_dir: Path, rel: str) -> bytes | None:
    path = out_dir / STATE_DIR / BASE_DIR / rel
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


def is_unchanged(out_dir: Path, rel: str, state: State | None) -> bool | None:
    """True: as hardgen last wrote it; False: edited, or not hardgen's; None: not there."""
    path = out_dir / rel
    if not path.exists() and not path.is_symlink():
        return None
    if state is None or rel not in state.files or path.is_symlink() or not path.is_file():
        return False
    return path.read_bytes() == read_base(out_dir, rel)


def answers_path(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / ANSWERS_FILE


def state_files(state: State, plan_files, answers: bytes) -> dict[str, tuple[bytes, int]]:
    """The `.hardgen/` files for a plan: state, answers and the merge base of every file."""
    out: dict[str, tuple[bytes, int]] = {
        f"{STATE_DIR}/{STATE_FILE}": (state.to_json(), 0o644),
        f"{STATE_DIR}/{ANSWERS_FILE}": (answers, 0o644),
    }
    for f in plan_files:
        out[f"{STATE_DIR}/{BASE_DIR}/{f.path}"] = (f.content, 0o644 if f.mode != 0o600 else 0o600)
    return out


def state_for(version: str, schema_version: int, plan_files, fingerprint: str = "") -> State:
    return State(version, schema_version, {f.path: FileRecord(f.mode) for f in plan_files}, fingerprint)


def answers_yaml(data: dict[str, Any]) -> bytes:
    from generator.render.yaml_dump import dump_yaml

    header = b"# Answers hardgen generated this folder from; replay with: hardgen generate --answers .hardgen/answers.yaml\n"
    return header + dump_yaml(data)
