"""Line formats (Dockerfile, unit files, scripts, argfiles, docs) through one Jinja2 environment.

StrictUndefined: a template that names a value the target did not pass fails
instead of writing an empty string. Every value in a context was validated by
the model, so nothing can escape its line. Each template is compiled once per
process and kept compiled between runs in the user's cache folder.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from generator.shipped import template_dir

_JINJA_OPTIONS: dict[str, Any] = dict(autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


@functools.cache
def _jinja():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # shipped templates do not change while hardgen runs: no stat per render
        bytecode_cache=_bytecode_cache(),
        **_JINJA_OPTIONS,
    )
    env.filters["exec_form"] = exec_form
    return env


def _bytecode_cache():
    """Compiled templates kept between runs: compiling them is most of a cold run's own work.

    In the user's cache folder ($XDG_CACHE_HOME or ~/.cache, `hardgen/`), one
    folder per hardgen, Jinja and Python version and Jinja options; Jinja keys
    each entry by the template's path and checks its source checksum, so an
    edited template is compiled again. Used only when the folder is the user's
    own and private (it holds code); never an error: without a usable cache
    (read-only home, HARDGEN_NO_CACHE=1) templates are compiled in memory.
    """
    import hashlib
    import os
    import stat
    import sys

    import jinja2

    from generator import __version__

    if os.environ.get("HARDGEN_NO_CACHE") or not hasattr(os, "getuid"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    options = hashlib.sha256(repr(sorted(_JINJA_OPTIONS.items())).encode()).hexdigest()[:12]
    path = os.path.join(base, "hardgen", f"templates-{__version__}-jinja{jinja2.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}-{options}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None

    class QuietCache(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):  # a cache that cannot be written costs a compile next time, nothing more
                super().dump_bytecode(bucket)

    return QuietCache(path)


def exec_form(argv: list[str]) -> str:
    """A Dockerfile/compose exec-form array: JSON, one line, no HTML escaping."""
    import json

    return json.dumps(list(argv), ensure_ascii=False)


@functools.cache
def _template(name: str):
    """A compiled template, kept for the life of the process (a batch renders each one hundreds of times)."""
    return _jinja().get_template(name)


def render_template(template: str, /, **context: Any) -> bytes:
    """Render a line-format template; every value in `context` was validated by the model."""
    text = _template(template).render(**context)
    return text.encode("utf-8")

