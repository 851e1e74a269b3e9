"""Read an integration's Kubernetes output and judge it with the reviewers' tools.

Output folders come from `tests.support.hardgen.generate`; `model_of` gives the resolved
model (what the targets saw) of answers-file content. The tool wrappers return parsed
results and leave the assertions to the tests.

What a cluster receives is `kubectl kustomize OUTPUT` (the real kubectl, offline): the
manifests plus the ConfigMaps the root kustomization generates from `config/` and `jvm/`,
with the Deployment pointed at their hash-suffixed names. Every helper here reads and judges
that built stream; each accepts the output folder or its `kubernetes/` folder.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.support import reviewers
from tests.support.toolbox import require_tool

#: The oldest Kubernetes the manifests must validate against.
OLDEST_KUBERNETES = "1.29.0"


def _validated(data: dict[str, Any]):
    from generator.inputs.load import Layers
    from generator.render.pipeline import validate

    layers = Layers()
    layers.apply(data, "test model")
    return validate(layers)


def model_of(data: dict[str, Any]):
    """The resolved model (what the targets see) of answers-file content."""
    from generator.model.resolved import resolve

    return resolve(_validated(data))


def model_of_output(folder: Path):
    """The resolved model an output folder was generated from, replayed from its `.hardgen/answers.yaml`."""
    from ruamel.yaml import YAML

    return model_of(YAML(typ="safe", pure=True).load((folder.parent / ".hardgen" / "answers.yaml").read_text()))


def root_of(folder: Path) -> Path:
    """The output folder (where kustomization.yaml is) of an output or of its `kubernetes/` folder."""
    return folder if (folder / "kustomization.yaml").is_file() else folder.parent


def build(folder: Path) -> str:
    """`kubectl kustomize` of the output: the stream `kubectl apply -k` would send."""
    proc = subprocess.run([require_tool("kubectl"), "kustomize", str(root_of(folder))], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"kubectl kustomize {root_of(folder)} failed:\n{proc.stderr}"
    return proc.stdout


def load_all(folder: Path) -> list[dict[str, Any]]:
    """Every object `kubectl kustomize` builds from the output, in its order."""
    from ruamel.yaml import YAML

    return [doc for doc in YAML(typ="safe", pure=True).load_all(build(folder)) if doc]


def of_kind(objects: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


@functools.cache
def newest_schema() -> str:
    """The newest Kubernetes version kubernetes-validate ships a schema for (its default)."""
    text = subprocess.run([require_tool("kubernetes-validate"), "--help"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Defaults to\s+(\d+\.\d+\.\d+)", text)
    assert match, f"kubernetes-validate --help names no default version:\n{text}"
    return match.group(1)


def kubernetes_validate(folder: Path) -> subprocess.CompletedProcess:
    """`kubernetes-validate --strict` of the built stream against 1.29 and the newest schema."""
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        built = Path(work) / "built.yaml"
        built.write_text(build(folder))
        cmd = [require_tool("kubernetes-validate"), "--strict", "--quiet", "-k", OLDEST_KUBERNETES, "-k", newest_schema(), str(built)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def resources(folder: Path) -> list[str]:
    """The files the root kustomization.yaml lists, relative to the output folder."""
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).load((root_of(folder) / "kustomization.yaml").read_text())["resources"])


def checkov_failures(folders: dict[str, Path], scan_root: Path) -> dict[str, list[str]]:
    """One checkov run (it is slow to start) over the built streams of several outputs: name -> failed check ids.

    checkov mixes up identical file names under several `--directory` roots, so each stream is written
    under one root in a folder of its own and told apart by the first path component."""
    for name, folder in folders.items():
        (scan_root / name).mkdir(parents=True)
        (scan_root / name / "built.yaml").write_text(build(folder))
    out: dict[str, list[str]] = {name: [] for name in folders}
    for check_id, file_path, _ in reviewers.checkov_failures(scan_root, "kubernetes"):
        out[file_path.strip("/").split("/")[0]].append(check_id)
    return {name: sorted(ids) for name, ids in out.items()}


def fake_kubectl(tmp_path: Path) -> tuple[dict, Path]:
    """(env, log): a `kubectl` first on PATH that only records its arguments and stdin in `log`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "kubectl.log"
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(f'#!/bin/sh\necho "$*" >> {log}\ncat >> {log}\n')
    kubectl.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, log
