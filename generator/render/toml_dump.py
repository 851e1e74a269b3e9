"""TOML output: documents built with tomlkit, never pasted together as text."""

from __future__ import annotations

from typing import Any


def dump_toml(document: Any) -> bytes:
    import tomlkit

    return tomlkit.dumps(document).encode("utf-8")
