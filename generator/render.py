"""Serialisers: Jinja2 for line formats, ruamel.yaml for YAML, tomlkit for TOML.

Structured files are built as data and serialised here, never pasted together
as text. Line formats (Dockerfile, unit files, scripts, argfiles, docs) go
through one Jinja2 environment with StrictUndefined, compiled once per process.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from .resources import template_dir


@functools.cache
def _jinja():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["exec_form"] = exec_form
    return env


def exec_form(argv: list[str]) -> str:
    """A Dockerfile/compose exec-form array: JSON, one line, no HTML escaping."""
    import json

    return json.dumps(list(argv), ensure_ascii=False)


def render_template(template: str, /, **context: Any) -> bytes:
    """Render a line-format template; every value in `context` was validated by the model."""
    text = _jinja().get_template(template).render(**context)
    return text.encode("utf-8")


@functools.cache
def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def round_trip_yaml():
    """The YAML instance hardgen dumps with; loading with it too makes an untouched file round-trip byte for byte."""
    return _yaml()


def dump_yaml(*documents: Any) -> bytes:
    """One or more YAML documents from plain data (dicts keep their insertion order)."""
    out = io.StringIO()
    yaml = _yaml()
    for i, doc in enumerate(documents):
        if i:
            out.write("---\n")
        yaml.dump(doc, out)
    return out.getvalue().encode("utf-8")


def dump_toml(document: Any) -> bytes:
    import tomlkit

    return tomlkit.dumps(document).encode("utf-8")
