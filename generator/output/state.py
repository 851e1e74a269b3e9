"""The `.hardgen/` folder: what was generated, from which answers, by which version.

It is the merge base for `hardgen regenerate` and the proof of ownership for
`hardgen generate` (a file hardgen did not write, or one edited since, is not
overwritten without --force). Human-readable, stable (sorted, no timestamps),
meant to be committed with the artefacts; it never holds a secret value,
because no generated file does. It records no hex content hashes of artefacts:
`base/` holds the exact bytes, and hex digests would be reported by secret
scanners (the digests it does keep, of the render and of proposals, are in the
`sha256:<hex>` notation of image digests, which scanners leave alone).

Everything here is read back from a folder anyone may have edited (a pull
request can change `state.json`), so it is trusted no more than user input:
`state.json` is validated strictly before any path in it is used, every path
must be a clean relative path outside `.hardgen/`, and no path may pass
through a symbolic link, in the folder or in `.hardgen/base/`. A state that
fails is a `UserError` naming `state.json` and what is wrong (exit 2), never a
traceback and never a read of a file elsewhere on the machine.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import stat
from collections import Counter
from dataclasses import field
from pathlib import Path
from typing import Any

from generator.errors import Problem, UserError, show
from generator.records import record

STATE_DIR = ".hardgen"
STATE_FILE = "state.json"
ANSWERS_FILE = "answers.yaml"
BASE_DIR = "base"
#: The suffix of a conflict's proposal, written beside the user's file.
PROPOSAL_SUFFIX = ".hardgen-new"
#: The prefix of the writer's staging folders (`generator.output.writer`); never a generated path.
STAGE_PREFIX = ".hardgen-stage-"

#: What hardgen reads back from `.hardgen/` and from the files it generated: larger is refused, never read whole.
MAX_STATE_BYTES = 1 << 20
MAX_READ_BYTES = 16 << 20
MAX_FILES = 10_000
_SEGMENT = re.compile(r"[A-Za-z0-9._+@=,~-]{1,255}")
_MODE = re.compile(r"0[0-7]{3}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_VERSION = re.compile(r"[0-9A-Za-z.+!_-]{0,64}")
_KEYS = {"files": True, "fingerprint": True, "hardgen_version": True, "schema_version": True, "proposals": False,
         "conflicts": False}  # key: required


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
    #: The conflict proposals (`FILE.hardgen-new`) hardgen wrote, with the digest of what it wrote: only
    #: those, unedited, are removed once their conflict is gone; a file of that name the user wrote is theirs.
    proposals: dict[str, str] = field(default_factory=dict)
    #: The files left in conflict, with the digest of the render each conflict was against: once the user resolves
    #: one (its proposal gone, no conflict markers left) and this hardgen renders the same again, the user's file
    #: is taken as their edit of that render, instead of being merged against the older base for ever.
    conflicts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "hardgen_version": self.version,
            "schema_version": self.schema_version,
            "fingerprint": self.fingerprint,
            "files": {p: {"mode": f"{r.mode:04o}"} for p, r in sorted(self.files.items())},
        }
        if self.proposals:
            data["proposals"] = dict(sorted(self.proposals.items()))
        if self.conflicts:
            data["conflicts"] = dict(sorted(self.conflicts.items()))
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes, label: str = f"{STATE_DIR}/{STATE_FILE}") -> State:
        """The state in `raw`, validated strictly; a `UserError` (one problem, naming `label`) when anything is off."""
        return _parse(raw, label)


def digest(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


# --- paths hardgen accepts from files it reads back -------------------------------------------------------------


def path_problem(rel: object) -> str | None:
    """Why `rel` is not a path hardgen could have generated (None: it is): a clean, relative POSIX path of plain names."""
    if not isinstance(rel, str):
        return f"must be a string, not {_kind(rel)}"
    if not rel:
        return "is empty"
    if len(rel) > 1024:
        return "is longer than 1024 characters"
    if rel.startswith("/"):
        return "is absolute; hardgen only writes paths inside the output folder"
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "has an empty, '.' or '..' segment; hardgen only writes clean relative paths"
    if parts[0] == STATE_DIR:
        return f"is inside {STATE_DIR}/, which holds hardgen's bookkeeping, not generated files"
    if parts[0].startswith(STAGE_PREFIX):
        return "is a staging folder of the writer, never a generated file"
    if not all(_SEGMENT.fullmatch(p) for p in parts):
        return "has characters hardgen never uses in a file name (letters, digits and . _ + @ = , ~ - only)"
    return None


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _looks_random(text: str) -> bool:
    """A token-like segment (long, mixed, high entropy): hidden from messages, as a secret would be."""
    for part in text.split("/"):
        if len(part) >= 16:
            counts = Counter(part)
            entropy = -sum(c / len(part) * math.log2(c / len(part)) for c in counts.values())
            classes = sum(bool(re.search(p, part)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
            if entropy > 4.0 or (classes >= 3 and not re.search(r"[._/-]", part)):
                return True
    return False


def shown_path(rel: object) -> str:
    """A path from a file hardgen reads back, for a message: quoted and escaped, shortened, hidden when it looks like a token."""
    if isinstance(rel, str) and _looks_random(rel):
        return "(a path that looks like a token, not shown)"
    return show(rel) if isinstance(rel, str) else _kind(rel)


# --- state.json -----------------------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused("", f"has the key {shown_path(key)} twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Refused("", f"holds {name}, which is not JSON")


def _parse(raw: bytes, label: str) -> State:
    try:
        return _parse_strictly(raw)
    except _Refused as exc:
        raise UserError(Problem(label, exc.path, exc.message)) from None


def _parse_strictly(raw: bytes) -> State:
    if len(raw) > MAX_STATE_BYTES:
        raise _Refused("", f"is larger than {MAX_STATE_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("", "is not UTF-8 text") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError:
        raise _Refused("", "is nested too deeply to be hardgen's state") from None
    except json.JSONDecodeError as exc:
        raise _Refused("", f"is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise _Refused("", f"is not valid JSON ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(data, dict):
        raise _Refused("", f"must hold a JSON object with {', '.join(k for k, required in _KEYS.items() if required)}, not {_kind(data)}")
    for key in data:
        if key not in _KEYS:
            raise _Refused(shown_path(key), f"is not a key of hardgen's state (allowed: {', '.join(sorted(_KEYS))})")
    for key, required in _KEYS.items():
        if required and key not in data:
            raise _Refused(key, "is missing")
    version = data["hardgen_version"]
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise _Refused("hardgen_version", "must be a version string (letters, digits and . + ! _ -, at most 64 characters)")
    schema = data["schema_version"]
    if type(schema) is not int or not 0 <= schema <= 1_000_000:
        raise _Refused("schema_version", "must be a whole number from 0 to 1000000")
    fingerprint = data["fingerprint"]
    if not isinstance(fingerprint, str) or (fingerprint and not _DIGEST.fullmatch(fingerprint)):
        raise _Refused("fingerprint", "must be empty or sha256: and 64 lower-case hex digits")
    files = _files(data["files"])
    proposals = _proposals(data.get("proposals", {}))
    conflicts = _conflicts(data.get("conflicts", {}), files)
    return State(version, schema, files, fingerprint, proposals, conflicts)


def _files(raw: object) -> dict[str, FileRecord]:
    if not isinstance(raw, dict):
        raise _Refused("files", f"must be an object of path: {{\"mode\": \"0644\"}}, not {_kind(raw)}")
    if len(raw) > MAX_FILES:
        raise _Refused("files", f"lists more than {MAX_FILES} files")
    out: dict[str, FileRecord] = {}
    for rel, entry in raw.items():
        why = path_problem(rel)
        if why is None and rel.endswith(PROPOSAL_SUFFIX):
            why = f"ends in {PROPOSAL_SUFFIX}, the name of a conflict's proposal, never of a generated file"
        if why:
            raise _Refused("files", f"{shown_path(rel)} {why}")
        where = f"files.{rel}" if not _looks_random(rel) else "files"
        if not isinstance(entry, dict) or set(entry) != {"mode"}:
            raise _Refused(where, "must be an object with the one key \"mode\"")
        mode = entry["mode"]
        if not isinstance(mode, str) or not _MODE.fullmatch(mode) or not _sane_mode(int(mode, 8)):
            raise _Refused(f"{where}.mode", f"{shown_path(mode)} is not a mode hardgen writes "
                           "(an octal string such as \"0644\": owner read and write, no write for others, no setuid, setgid or sticky bit)")
        out[rel] = FileRecord(int(mode, 8))
    return out


def _sane_mode(mode: int) -> bool:
    return mode & 0o7022 == 0 and mode & 0o600 == 0o600


def _proposals(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _Refused("proposals", f"must be an object of path: \"sha256:...\", not {_kind(raw)}")
    if len(raw) > MAX_FILES:
        raise _Refused("proposals", f"lists more than {MAX_FILES} files")
    out: dict[str, str] = {}
    for rel, value in raw.items():
        why = path_problem(rel)
        if why is None and not rel.endswith(PROPOSAL_SUFFIX):
            why = f"does not end in {PROPOSAL_SUFFIX}"
        if why:
            raise _Refused("proposals", f"{shown_path(rel)} {why}")
        if not isinstance(value, str) or not _DIGEST.fullmatch(value):
            raise _Refused("proposals" if _looks_random(rel) else f"proposals.{rel}", "must be sha256: and 64 lower-case hex digits")
        out[rel] = value
    return out


def _conflicts(raw: object, files: dict[str, FileRecord]) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _Refused("conflicts", f"must be an object of path: \"sha256:...\", not {_kind(raw)}")
    out: dict[str, str] = {}
    for rel, value in raw.items():
        if rel not in files:  # every other path is checked there; a conflict is only ever on a file of the state
            raise _Refused("conflicts", f"{shown_path(rel)} is not one of the files of the state")
        if not isinstance(value, str) or not _DIGEST.fullmatch(value):
            raise _Refused("conflicts" if _looks_random(rel) else f"conflicts.{rel}", "must be sha256: and 64 lower-case hex digits")
        out[rel] = value
    return out


# --- reading the folder back, never through a symbolic link --------------------------------------------------------


def state_label(out_dir: Path) -> str:
    return str(out_dir / STATE_DIR / STATE_FILE)


class Walker:
    """lstat()s of the paths under one folder, cached per folder on the way, refusing any symbolic link.

    `stat(rel)` is the lstat of `root/rel`, or None when it (or a folder on the way) does not exist; a symbolic link
    anywhere on the way, or at the end, is a `UserError`. A folder of the way that is a file means "not there".
    """

    def __init__(self, root: Path, label: str):
        self.root = str(root)
        self.label = label
        self._seen: dict[str, os.stat_result | None] = {}

    def _lstat(self, rel: str) -> os.stat_result | None:
        try:
            return self._seen[rel]
        except KeyError:
            pass
        try:
            st: os.stat_result | None = os.lstat(os.path.join(self.root, rel))
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                raise
            st = None
        self._seen[rel] = st
        return st

    def stat(self, rel: str) -> os.stat_result | None:
        cut = -1
        while True:
            cut = rel.find("/", cut + 1)
            prefix = rel if cut < 0 else rel[:cut]
            st = self._lstat(prefix)
            if st is None:
                return None
            if stat.S_ISLNK(st.st_mode):
                raise UserError(Problem(self.label, "", f"{os.path.join(self.root, prefix)} is a symbolic link; hardgen never reads or writes through one"))
            if cut < 0:
                return st
            if not stat.S_ISDIR(st.st_mode):
                return None

    def forget(self) -> None:
        self._seen.clear()


def read_file(path: str, limit: int = MAX_READ_BYTES) -> bytes:
    """A regular file's bytes, never through a final symbolic link, refusing more than `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UserError(Problem(path, "", "is not a regular file"))
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UserError(Problem(path, "", f"is larger than {limit // (1 << 20)} MiB; hardgen does not read a file that large"))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_state(out_dir: Path) -> State | None:
    """The folder's state (None: it has none), validated, with every path in it checked on disk before anything reads it."""
    label = state_label(out_dir)
    walker = Walker(out_dir, label)
    found = walker.stat(f"{STATE_DIR}/{STATE_FILE}")
    if found is None:
        hardgen_dir = walker.stat(STATE_DIR)
        if hardgen_dir is not None and not stat.S_ISDIR(hardgen_dir.st_mode):
            raise UserError(Problem(str(out_dir / STATE_DIR), "", "is not a folder"))
        return None
    if not stat.S_ISREG(found.st_mode):
        raise UserError(Problem(label, "", "is not a regular file"))
    state = State.from_json(read_file(label, MAX_STATE_BYTES), label)
    check_on_disk(out_dir, state, walker)
    return state


def check_on_disk(out_dir: Path, state: State, walker: Walker | None = None) -> Walker:
    """Refuse a path of `state` that passes through a symbolic link in the folder or in `.hardgen/base/`."""
    walker = walker or Walker(out_dir, state_label(out_dir))
    for rel in state.files:
        walker.stat(rel)
        walker.stat(f"{STATE_DIR}/{BASE_DIR}/{rel}")
    for rel in state.proposals:
        walker.stat(rel)
    return walker


def read_base(out_dir: Path, rel: str) -> bytes | None:
    """The merge base of `rel`: what hardgen last generated there (None: no such file)."""
    path = f"{STATE_DIR}/{BASE_DIR}/{rel}"
    st = Walker(out_dir, state_label(out_dir)).stat(path)
    if st is None or not stat.S_ISREG(st.st_mode):
        return None
    return read_file(os.path.join(out_dir, path))


def is_unchanged(out_dir: Path, rel: str, state: State | None) -> bool | None:
    """True: as hardgen last wrote it; False: edited, or not hardgen's; None: not there."""
    st = Walker(out_dir, str(out_dir)).stat(rel)
    if st is None:
        return None
    if state is None or rel not in state.files or not stat.S_ISREG(st.st_mode):
        return False
    return read_file(os.path.join(out_dir, rel)) == read_base(out_dir, rel)


def answers_path(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / ANSWERS_FILE


def state_files(state: State, plan_files, answers: bytes) -> dict[str, tuple[bytes, int]]:
    """The `.hardgen/` files for a plan: state, answers and the merge base of every file."""
    out: dict[str, tuple[bytes, int]] = {
        f"{STATE_DIR}/{STATE_FILE}": (state.to_json(), 0o644),
        f"{STATE_DIR}/{ANSWERS_FILE}": (answers, 0o644),
    }
    for f in plan_files:
        out[f"{STATE_DIR}/{BASE_DIR}/{f.path}"] = (f.content, 0o644)  # every planned file is 0644 or 0755 (targets.plan.GIT_MODES)
    return out


def state_for(version: str, schema_version: int, plan_files, fingerprint: str = "", proposals: dict[str, str] | None = None,
              conflicts: dict[str, str] | None = None) -> State:
    return State(version, schema_version, {f.path: FileRecord(f.mode) for f in plan_files}, fingerprint, dict(proposals or {}),
                 dict(conflicts or {}))


def answers_yaml(data: dict[str, Any]) -> bytes:
    from generator.render.yaml_dump import dump_yaml

    # The replay line runs as written from the output folder (tests/test_cli.py runs it)
    header = b"# Answers hardgen generated this folder from; in this folder, replay with: hardgen generate --answers .hardgen/answers.yaml --output .\n"
    return header + dump_yaml(data)
