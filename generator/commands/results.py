"""`--format json` of `generate` and `regenerate`: one JSON document per run, and the JSON Schema it follows.

A pipeline branches on data, not on sentences written for people: this document is the only thing on stdout,
whatever the exit code, so `hardgen regenerate --check --format json > result.json` always leaves one
parseable file. The schema is data here (`RESULT_SCHEMA`), printed by `hardgen schema results`, documented
field by field in docs/ci.md and checked against real outputs of every mode and exit code by the tests.
Values that reach the document went through the same `show()` as every message, so nothing secret-looking
is ever in it.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Sequence
from typing import Any

#: What a file's `action` can be: `generate` writes (written, unchanged, removed, kept-edited);
#: `regenerate` decides (the values of `generator.regenerate.outcomes.Action`).
GENERATE_ACTIONS = ("written", "unchanged", "removed", "kept-edited")
REGENERATE_ACTIONS = ("created", "updated", "merged", "mode", "removed", "recreated", "kept-deleted", "kept-edited",
                      "conflict", "foreign")
STATUSES = ("written", "in-sync", "changed", "would-change", "conflict", "error")

_STRINGS = {"type": "array", "items": {"type": "string"}}

RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://hardgen.invalid/schema/result.json",
    "title": "hardgen generate/regenerate --format json",
    "type": "object",
    "additionalProperties": False,
    "required": ["hardgen_version", "command", "mode", "exit_code", "problems", "folders"],
    "properties": {
        "hardgen_version": {"type": "string", "description": "the hardgen that ran"},
        "command": {"enum": ["generate", "regenerate"], "description": "the command that ran"},
        "mode": {"enum": ["write", "check", "dry-run"],
                 "description": "write: files were written; check (--check) and dry-run (--dry-run): nothing was written"},
        "exit_code": {"enum": [0, 1, 2, 3, 130],
                      "description": "the process's exit code: the worst of the folders', or 2 for a problem before any folder"},
        "problems": {**_STRINGS, "description": "problems of the whole run (bad command line, bad answers in a batch); nothing was written"},
        "folders": {
            "type": "array",
            "description": "one entry per output folder, in the order given",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["folder", "exit_code", "status", "generated_by", "files", "conflicts", "notes", "warnings",
                             "problems", "diff"],
                "properties": {
                    "folder": {"type": "string", "description": "the output folder as given on the command line"},
                    "exit_code": {"enum": [0, 1, 2, 3], "description": "this folder's exit code (0 ok, 1 drift under --check, 2 problem, 3 conflict)"},
                    "status": {"enum": list(STATUSES),
                               "description": "written (generate), in-sync (nothing to change), changed (regenerate wrote), "
                                              "would-change (--check, --dry-run), conflict (a proposal is, or would be, beside a file), "
                                              "error (see problems)"},
                    "generated_by": {"type": ["string", "null"],
                                     "description": "the hardgen version that last wrote the folder (state.json), before this run; null when none did"},
                    "files": {
                        "type": "array",
                        "description": "each file this run acted on (or would act on), relative to the folder",
                        "items": {
                            "type": "object", "additionalProperties": False, "required": ["path", "action"],
                            "properties": {
                                "path": {"type": "string", "description": "the file, relative to the folder"},
                                "action": {"enum": sorted(set(GENERATE_ACTIONS) | set(REGENERATE_ACTIONS)),
                                           "description": "generate: written, unchanged, removed, kept-edited; regenerate: "
                                                          "created, updated, merged, mode, removed, recreated, kept-deleted, "
                                                          "kept-edited, conflict, foreign (see docs/regenerating.md)"},
                            },
                        },
                    },
                    "conflicts": {
                        "type": "array",
                        "description": "each place where a hand edit and the new render disagree (not with --force)",
                        "items": {
                            "type": "object", "additionalProperties": False, "required": ["path", "at", "yours", "new"],
                            "properties": {
                                "path": {"type": "string", "description": "the file, relative to the folder"},
                                "at": {"type": "string", "description": "the key path or line range"},
                                "yours": {"type": "string", "description": "your value, shortened, secret-looking values hidden"},
                                "new": {"type": "string", "description": "the new render's value, shortened, secret-looking values hidden"},
                            },
                        },
                    },
                    "notes": {**_STRINGS, "description": "why an upgrade changed what it changed; answer changes; the next step"},
                    "warnings": {**_STRINGS, "description": "what the output needs from you (e.g. docker.deploy_dir does not match)"},
                    "problems": {**_STRINGS, "description": "why this folder was not (re)generated, and conflict advice"},
                    "diff": {"type": "string", "description": "--check only: the unified diff of what would change ('' otherwise)"},
                },
            },
        },
    },
}


def json_requested(args) -> bool:
    return getattr(args, "result_format", "text") == "json"


def add_format_option(p) -> None:
    p.add_argument("--format", dest="result_format", choices=("text", "json"), default="text",
                   help="text for people (default), or one JSON document on stdout for pipelines, whatever the exit code "
                        "(schema: 'hardgen schema results'; fields: docs/ci.md)")


def folder_entry(folder: str, *, exit_code: int = 0, status: str, generated_by: str | None = None,
                 files: Sequence[tuple[str, str]] = (), conflicts: Sequence[dict] = (), notes: Sequence[str] = (),
                 warnings: Sequence[str] = (), problems: Sequence[str] = (), diff: str = "") -> dict[str, Any]:
    return {
        "folder": folder, "exit_code": int(exit_code), "status": status, "generated_by": generated_by or None,
        "files": [{"path": p, "action": a} for p, a in files], "conflicts": [dict(c) for c in conflicts],
        "notes": list(notes), "warnings": list(warnings), "problems": list(problems), "diff": diff,
    }


def emit(command: str, mode: str, exit_code: int, folders: Sequence[dict[str, Any]], problems: Sequence[str] = ()) -> None:
    """Print the one document on stdout."""
    from generator import __version__

    doc = {"hardgen_version": __version__, "command": command, "mode": mode, "exit_code": int(exit_code),
           "problems": list(problems), "folders": list(folders)}
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")


def mode_of(args_or_argv) -> str:
    """write, check or dry-run, from parsed arguments or (after a usage error) from the words given."""
    if isinstance(args_or_argv, list):
        return "check" if "--check" in args_or_argv else "dry-run" if "--dry-run" in args_or_argv else "write"
    return "check" if getattr(args_or_argv, "check", False) else "dry-run" if getattr(args_or_argv, "dry_run", False) else "write"


def json_in_argv(argv: list[str]) -> bool:
    """`--format json` or `--format=json` among the words, for a usage error argparse raised before parsing finished."""
    return "--format=json" in argv or any(a == "--format" and b == "json" for a, b in itertools.pairwise(argv))
