"""Read an integration's Kubernetes output and judge it with the reviewers' tools.

Output folders come from `tests.support.hardgen.generate`; `model_of` gives the resolved
model (what the targets saw) of answers-file content. The tool wrappers return parsed
results and leave the assertions to the tests.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
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


def load_all(folder: Path) -> list[dict[str, Any]]:
    """Every object of the kustomization in `folder`, in its order."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    kustomization = yaml.load((folder / "kustomization.yaml").read_text())
    objects = []
    for name in kustomization["resources"]:
        objects.extend(doc for doc in yaml.load_all((folder / name).read_text()) if doc)
    return objects


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
    """`kubernetes-validate --strict` of every manifest against 1.29 and the newest schema."""
    files = sorted(str(folder / name) for name in resources(folder))
    cmd = [require_tool("kubernetes-validate"), "--strict", "--quiet", "-k", OLDEST_KUBERNETES, "-k", newest_schema(), *files]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def resources(folder: Path) -> list[str]:
    """The files kustomization.yaml lists."""
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).load((folder / "kustomization.yaml").read_text())["resources"])


def checkov_failures(folders: dict[str, Path], scan_root: Path) -> dict[str, list[str]]:
    """One checkov run (it is slow to start) over several folders: name -> failed check ids.

    checkov mixes up identical file names under several `--directory` roots, so the folders
    are copied side by side under one root and told apart by the first path component."""
    for name, folder in folders.items():
        shutil.copytree(folder, scan_root / name)
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
