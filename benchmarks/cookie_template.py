"""The cookiecutter template a user would otherwise write: hardgen's own output with the name as a variable.

The comparison is only fair if both tools produce the same files, so the
template is built from a folder hardgen generated (every file, `.hardgen/`
included, with its mode), the integration name replaced by
`{{cookiecutter.name}}` in paths and contents, and the result is checked byte
for byte against hardgen's folder before anything is timed.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

JINJA_MARKERS = ("{{", "{%", "{#")


def build(generated: Path, name: str, template: Path) -> None:
    """Write a cookiecutter template under `template` that renders `generated` again for `name`."""
    project = template / "{{cookiecutter.name}}"
    verbatim = []
    for path in sorted(p for p in generated.rglob("*") if p.is_file()):
        rel = path.relative_to(generated).as_posix()
        content = path.read_bytes()
        target = project / rel.replace(name, "{{cookiecutter.name}}")
        target.parent.mkdir(parents=True, exist_ok=True)
        text = content.decode("utf-8")
        if any(m in text for m in JINJA_MARKERS):
            verbatim.append(str(target.relative_to(project)))  # cannot be a template; copied as it is
        else:
            content = text.replace(name, "{{cookiecutter.name}}").encode("utf-8")
        target.write_bytes(content)
        os.chmod(target, stat.S_IMODE(path.stat().st_mode))
    settings = {"name": name, "_copy_without_render": verbatim}
    (template / "cookiecutter.json").write_text(json.dumps(settings, indent=2) + "\n")


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file()}


def differences(a: Path, b: Path) -> list[str]:
    """Paths whose presence, bytes or mode differ between two folders."""
    ta, tb = tree(a), tree(b)
    return sorted(p for p in set(ta) | set(tb) if ta.get(p) != tb.get(p))
