"""The `.hardgen/` folder: what was generated, from which answers, by which version.

It is the merge base for `hardgen regenerate` and the proof of ownership for
`hardgen generate` (a file hardgen did not write, or one edited since, is not
overwritten without --force). Human-readable, stable (sorted, no timestamps),
meant to be committed with the artefacts; it never holds a secret value,
because no generated file does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_DIR = ".hardgen"
STATE_FILE = "state.json"
ANSWERS_FILE = "answers.yaml"
BASE_DIR = "base"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class FileRecord:
    sha256: str
    mode: int


@dataclass
class State:
    version: str = ""
    schema_version: int = 0
    files: dict[str, FileRecord] = field(default_factory=dict)

    def to_json(self) -> bytes:
        data = {
            "hardgen_version": self.version,
            "schema_version": self.schema_version,
            "files": {p: {"sha256": r.sha256, "mode": f"{r.mode:04o}"} for p, r in sorted(self.files.items())},
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> State:
        data = json.loads(raw)
        files = {p: FileRecord(r["sha256"], int(r["mode"], 8)) for p, r in data.get("files", {}).items()}
        return cls(data.get("hardgen_version", ""), int(data.get("schema_version", 0)), files)


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


def state_for(version: str, schema_version: int, plan_files) -> State:
    return State(version, schema_version, {f.path: FileRecord(sha256(f.content), f.mode) for f in plan_files})


def answers_yaml(data: dict[str, Any]) -> bytes:
    from .render import dump_yaml

    header = b"# Answers hardgen generated this folder from; replay with: hardgen generate --answers .hardgen/answers.yaml\n"
    return header + dump_yaml(data)
