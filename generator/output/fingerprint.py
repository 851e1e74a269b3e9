"""What a render depends on, as one digest: hardgen's code, its templates, the serialiser versions, the answers.

Rendering is a pure function of these inputs (the output is deterministic by
design), so when `.hardgen/state.json` carries the fingerprint of the render
that produced every `base/` file and the same fingerprint comes out today, a
re-render would reproduce `base/` byte for byte. `hardgen regenerate --check`
then only has to compare the files on disk with `base/`, which keeps a
monorepo of hundreds of integrations checkable in CI in a second or two.
Any change to a `.py` file of hardgen, a template, jinja2/ruamel.yaml/tomlkit or
the Python feature release changes the digest and forces a full render. Presets
are not part of it: `answers.yaml` holds the answers with every preset applied.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

from generator import __version__
from generator.shipped import template_dir

#: The `generator` package: every `.py` below it is part of the digest.
_PACKAGE = Path(__file__).resolve().parent.parent
_SERIALISERS = ("jinja2", "ruamel.yaml", "tomlkit")


def _library_versions() -> str:
    return ";".join(f"{name}={_installed_version(name)}" for name in _SERIALISERS)


def _installed_version(name: str) -> str:
    """The version in the name of the distribution's `.dist-info` folder next to the package.

    Read without importing: `generate` need not import ruamel.yaml at all, and
    importing it only to ask its version (or importlib.metadata, slower still)
    cost a tenth of a cold run. Without a `.dist-info` folder (a source tree on
    sys.path) the module is imported and asked.
    """
    import importlib.util
    import os
    import re

    def norm(text: str) -> str:
        return re.sub(r"[-_.]+", "_", text).lower()

    spec = importlib.util.find_spec(name.split(".")[0])
    places = list(spec.submodule_search_locations or []) if spec else []
    if spec and spec.origin:
        places.append(os.path.dirname(spec.origin))
    for place in places:
        try:
            entries = sorted(os.listdir(os.path.dirname(place)))
        except OSError:
            continue
        for entry in entries:
            stem, _, suffix = entry.rpartition(".")
            dist, _, version = stem.partition("-")
            if suffix == "dist-info" and norm(dist) == norm(name) and version:
                return version
    module = __import__(name, fromlist=["__version__"])
    return getattr(module, "__version__", "?")


@functools.cache
def code_digest() -> str:
    h = hashlib.sha256()
    h.update(f"hardgen {__version__}; python {sys.version_info[0]}.{sys.version_info[1]}; {_library_versions()}\n".encode())
    for root, suffix in ((_PACKAGE, ".py"), (template_dir(), "")):
        for rel in _files(str(root), suffix):
            h.update(f"{'/'.join(rel)}\0".encode())
            with open(os.path.join(root, *rel), "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def _files(root: str, suffix: str) -> list[tuple[str, ...]]:
    """Relative paths (as parts, in Path order) of the files under `root` ending in `suffix`, __pycache__ left out.

    os.walk rather than Path.rglob: this runs on every render, and pathlib cost a few ms of a cold run.
    """
    out: list[tuple[str, ...]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        base = os.path.relpath(folder, root)
        prefix = () if base == "." else tuple(base.split(os.sep))
        out.extend((*prefix, n) for n in names if n.endswith(suffix) and os.path.isfile(os.path.join(folder, n)))
    return sorted(out)


def render_fingerprint(answers_yaml: bytes) -> str:
    """In the `sha256:<hex>` notation of image digests; the colon keeps it out of secret scanners' high-entropy patterns."""
    return "sha256:" + hashlib.sha256(code_digest().encode() + b"\0" + answers_yaml).hexdigest()
