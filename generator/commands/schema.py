"""`hardgen schema`: the answers format, derived from the model — as JSON Schema or as the key table of docs/answers.md."""

from __future__ import annotations

import json
import sys
from typing import Any


def add_arguments(p) -> None:
    p.add_argument("what", nargs="?", choices=("answers", "results"), default="answers",
                   help="answers: the answers file (default); results: the document of 'generate/regenerate --format json'")
    p.add_argument("--format", choices=("json", "markdown"), default="json", help="JSON Schema (default) or the Markdown table of answer keys")


def schema() -> dict:
    from generator import __version__
    from generator.model.fields import json_schema
    from generator.model.integration import Integration

    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://hardgen.invalid/schema/answers-{__version__}.json",
        "title": "hardgen answers",
    }
    out.update(json_schema(Integration))
    return out


def key_rows(node: dict, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key path, type, default, help) for every answer key, depth first in declaration order."""
    rows = []
    for key, prop in node.get("properties", {}).items():
        path = f"{prefix}{key}"
        kind = prop.get("type", "")
        if "enum" in prop:
            kind = " \\| ".join(str(v) for v in prop["enum"] if v is not None)
        elif kind == "array":
            item = prop["items"]
            kind = "list of " + (" \\| ".join(map(str, item["enum"])) if "enum" in item else "peers" if "properties" in item else item.get("type", ""))
        elif isinstance(kind, list):
            kind = " \\| ".join(k for k in kind if k != "null")
        default = "required" if key in node.get("required", []) else json.dumps(prop["default"]) if "default" in prop else "-"
        if prop.get("type") != "object" or ("additionalProperties" in prop and prop["additionalProperties"] is not False):
            rows.append((path, str(kind), default, prop.get("description", "")))
        if "properties" in prop:
            rows.extend(key_rows(prop, path + "."))
        elif prop.get("type") == "array" and "properties" in prop.get("items", {}):
            rows.extend(key_rows(prop["items"], path + "[]."))
    return rows


def markdown() -> str:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for path, kind, default, help_text in key_rows(schema()):
        lines.append(f"| `{path}` | {kind} | {default.replace('|', '/')} | {help_text} |")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    if args.what == "results":
        if args.format == "markdown":
            print("hardgen schema results: --format markdown: the fields are explained in docs/ci.md", file=sys.stderr)
            return 2
        from generator.commands.results import RESULT_SCHEMA

        print(json.dumps(RESULT_SCHEMA, indent=2))
        return 0
    if args.format == "markdown":
        print(markdown(), end="")
    else:
        print(json.dumps(schema(), indent=2))
    return 0
