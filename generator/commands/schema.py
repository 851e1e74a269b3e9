"""`hardgen schema`: the JSON Schema of an answers file, derived from the model."""

from __future__ import annotations

import json


def add_arguments(p) -> None:
    pass


def schema() -> dict:
    from .. import __version__
    from ..fields import json_schema
    from ..model import Integration

    out = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://hardgen.invalid/schema/answers-{__version__}.json",
        "title": "hardgen answers",
    }
    out.update(json_schema(Integration))
    return out


def run(args) -> int:
    print(json.dumps(schema(), indent=2, sort_keys=False))
    return 0
