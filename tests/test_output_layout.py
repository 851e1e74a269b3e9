"""The output folder as a repository holds it: modes git can store, a fresh clone in sync, a README for every file.

A platform team commits an output folder, CI clones it and runs `hardgen regenerate --check`. git records only
0644 and 0755, so any other mode comes back different from every clone; the README the files refer to must
describe each file the folder holds, and every command it gives must work as written.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.targets.plan import GIT_MODES
from tests.support.gitrepo import git
from tests.support.hardgen import generate, run_process, tree
from tests.support.models import preset_cases, preset_names, render_case

EVERY_TARGET = ("kubernetes-restricted", ["name=orders", "targets=[docker, kubernetes, systemd]", "secrets=[dbPassword]"])
CASES = {**preset_cases(), "every-target": EVERY_TARGET}




@pytest.mark.parametrize("case", sorted(CASES))
def test_no_planned_file_has_a_mode_git_cannot_store(case):
    preset, sets = CASES[case]
    modes = {f.path: f.mode for f in render_case(preset, sets).plan.files}
    assert {path: oct(mode) for path, mode in modes.items() if mode not in GIT_MODES} == {}


@pytest.mark.parametrize("preset", preset_names())
def test_a_fresh_clone_of_a_committed_output_is_in_sync(tmp_path, preset):
    """generate -> git init/add/commit -> git clone -> `regenerate --check` of the clone exits 0."""
    repo = tmp_path / "repo"
    repo.mkdir()
    generate(repo / "deploy", "name=demo", "secrets=[dbPassword]", preset=preset, cwd=repo)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "deployment files", cwd=repo)
    old_umask = os.umask(0o022)  # what a CI checkout runs with
    try:
        git("clone", "-q", str(repo), str(tmp_path / "clone"), cwd=tmp_path)
    finally:
        os.umask(old_umask)
    clone = tmp_path / "clone" / "deploy"
    assert tree(clone) == tree(repo / "deploy")
    check = run_process("regenerate", "--check", clone, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_filled_secrets_and_the_keystore_never_reach_a_commit(tmp_path):
    """The template is an ordinary file; what is filled in is git-ignored by the output's own .gitignore."""
    repo = tmp_path / "repo"
    generate(repo, "name=demo", "secrets=[dbPassword]", preset="kubernetes-restricted", cwd=tmp_path)
    (repo / "config/secrets.toml").write_text('[demo]\ndbPassword = "filled"\n')
    (repo / "config/keystore.p12").write_bytes(b"pkcs12")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    tracked = git("ls-files", cwd=repo).split()
    assert "config/secrets.template.toml" in tracked
    assert "config/secrets.toml" not in tracked and "config/keystore.p12" not in tracked


def _generated(root: Path, case: str) -> tuple[Path, Path]:
    """(project root, output folder) of a case, the output at its docker.deploy_dir as the README assumes."""
    preset, sets = CASES[case]
    deploy_dir = next((s.split("=", 1)[1] for s in sets if s.startswith("docker.deploy_dir=")), "deploy")
    project = root / case
    project.mkdir()
    out = project / deploy_dir
    generate(out, *sets, preset=preset, cwd=project)
    return project, out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("readme")
    return {case: _generated(root, case) for case in CASES}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_readme_describes_every_file_of_the_output(outputs, case):
    _, out = outputs[case]
    readme = (out / "README.md").read_text()
    files = [path for path in tree(out) if not path.startswith(".hardgen/")]
    assert {path for path in files if f"| `{path}`" not in readme} == set()
    described = re.findall(r"^\| `([^`]+)`", readme, re.M)
    assert sorted(described) == sorted([*files, ".hardgen/"])  # nothing described that is not there


def readme_commands(readme: str) -> list[str]:
    """Every line of the README's sh blocks."""
    return [line for block in re.findall(r"```sh\n(.*?)```", readme, re.S) for line in block.splitlines() if line.strip()]


@pytest.mark.reviewers  # kubectl from .tools/
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_command_the_readme_gives_works_from_the_project_root(outputs, case, tmp_path):
    """Run what can run here (kustomize, hardgen, sh -n and --help of the scripts); the rest must name real files."""
    from tests.support.toolbox import require_tool

    project, out = outputs[case]
    work = tmp_path / "project"
    shutil.copytree(project, work, symlinks=True)
    commands = readme_commands((out / "README.md").read_text())
    assert commands
    for line in commands:
        argv = shlex.split(line)
        if argv[0] == "sudo":
            argv = argv[1:]
        if argv[:2] == ["docker", "build"]:
            assert argv[-1] == "." and (work / argv[argv.index("-f") + 1]).is_file(), line
        elif argv[:3] == ["kubectl", "apply", "-k"]:
            built = subprocess.run([require_tool("kubectl"), "kustomize", argv[3]], cwd=work, capture_output=True, text=True, timeout=60)
            assert built.returncode == 0 and "kind: Deployment" in built.stdout, built.stderr
        elif argv[0] == "hardgen":
            done = run_process(*argv[1:], cwd=work)
            assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
        elif argv[0].endswith((".sh",)):
            script = work / argv[0]
            assert script.is_file() and os.access(script, os.X_OK), line
            interpreter = "bash" if script.read_text().startswith("#!/usr/bin/env bash") else "sh"
            assert subprocess.run([interpreter, "-n", str(script)], capture_output=True).returncode == 0, line
            if script.name == "install.sh":
                assert subprocess.run(["sh", str(script), "--help"], capture_output=True).returncode == 0, line
        else:
            raise AssertionError(f"the README gives a command this test does not know how to check: {line}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_planned_file_has_a_purpose_from_its_target(case):
    preset, sets = CASES[case]
    assert [f.path for f in render_case(preset, sets).plan.files if not f.purpose.strip()] == []


def test_the_secrets_template_points_at_the_readme_that_exists(outputs):
    _, out = outputs["preset-docker"]
    template = (out / "config/secrets.template.toml").read_text()
    assert "README.md of this folder" in template and "deployment README" not in template
    assert (out / "README.md").is_file()


def test_an_edited_vm_copy_of_config_toml_from_0_1_0_is_kept_unmanaged(hardgen, tmp_path):
    """0.1.0 installed systemd/Config.toml on a VM; now install.sh installs config/Config.toml."""
    fixture = Path(__file__).parent / "fixtures" / "hardgen-0.1.0" / "vm-systemd-sm-17"
    out = tmp_path / "deploy"
    shutil.copytree(fixture, out, symlinks=True)
    (out / "systemd/Config.toml").write_text((out / "systemd/Config.toml").read_text() + "# kept by the operator\n")
    done = hardgen("regenerate", "deploy", "--set", "jvm.security_manager=false", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "systemd/Config.toml: no longer generated, but edited by you: kept" in said
    assert "systemd/java.options: removed" in said
    assert '"$HERE/../config/Config.toml"' in (out / "systemd/install.sh").read_text()
