"""Where the shipped templates and presets live, in a wheel and in a source checkout.

The product layout keeps `templates/` and `presets/` at the top of the repo; the
wheel carries them inside the package (see pyproject's force-include), so the
installed tool finds them next to its code and a checkout finds them one level up.
"""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"hardgen is installed without its {name}/ folder; reinstall it")


def template_dir() -> Path:
    return _data_dir("templates")


def preset_dir() -> Path:
    return _data_dir("presets")


def changelog() -> Path | None:
    """CHANGELOG.md, whose upgrade notes `regenerate` prints (in the package in a wheel, at the top of a checkout).

    None when neither has it (a repackaged install): the caller says so instead of failing a regeneration.
    """
    for candidate in (_PACKAGE / "CHANGELOG.md", _PACKAGE.parent / "CHANGELOG.md"):
        if candidate.is_file():
            return candidate
    return None
