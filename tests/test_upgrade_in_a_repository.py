"""The platform team's scenario, end to end, as git and CI see it (issue #14, "Done when").

An output folder written by an older hardgen is committed with hand edits; CI clones the repository and runs
`regenerate --check`; the team upgrades hardgen, regenerates, commits; CI clones again and `--check` is green.
Git stores only the modes 0644 and 0755 and no empty folder, so every step goes through a real `git clone`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.hardgen import run

FIXTURES = Path(__file__).parent / "fixtures" / "hardgen-0.1.0"

#: What an upgrade from 0.1.0 asks for (CHANGELOG "Upgrading from 0.1.0"), per fixture.
UPGRADE_SETS = {
    "docker": ("kubernetes.resources.memory=768Mi",),  # also `docker run --memory`
    "docker-sm-17": ("jvm.security_manager=false", "kubernetes.resources.memory=768Mi"),
    "vm-systemd-sm-17": ("jvm.security_manager=false",),
    "kubernetes-restricted": ("kubernetes.resources.memory=768Mi",),
}

HAND_FLAG = "-Dorders.hand.edit=kept"
HAND_CONFIG = "# the team's note, kept through upgrades\n"


def git(*args: str | os.PathLike, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout


def commit_all(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", message, cwd=repo)


def fresh_clone(repo: Path, where: Path) -> Path:
    git("clone", "-q", repo, where, cwd=repo.parent)
    return where


def hand_edit(folder: Path) -> None:
    """What a team edits by hand: a JVM flag and a line in the non-secret configuration."""
    options = next(p for p in [folder / "jvm/java.options", folder / "systemd/java.options"] if p.is_file())
    options.write_text(options.read_text() + HAND_FLAG + "\n")
    config = folder / "config/Config.toml"
    config.write_text(HAND_CONFIG + config.read_text())


def edits_kept(folder: Path) -> None:
    flags = [p for p in folder.rglob("*") if p.is_file() and ".hardgen" not in p.parts and HAND_FLAG in p.read_text(errors="replace")]
    assert flags, "the hand-added JVM flag was lost"
    assert HAND_CONFIG in (folder / "config/Config.toml").read_text(), "the hand edit of Config.toml was lost"


@pytest.mark.parametrize("case", sorted(UPGRADE_SETS))
def test_older_output_hand_edited_committed_cloned_upgraded_and_checked_in_ci_is_green(case, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    shutil.copytree(FIXTURES / case, repo / "deploy", symlinks=True)
    commit_all(repo, "deploy as written by hardgen 0.1.0")
    hand_edit(repo / "deploy")
    commit_all(repo, "hand edits")

    # the upgrade, done by the team in a clone of their repository
    work = fresh_clone(repo, tmp_path / "work")
    sets = [arg for s in UPGRADE_SETS[case] for arg in ("--set", s)]
    upgraded = run("regenerate", work / "deploy", *sets)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    edits_kept(work / "deploy")
    assert run("regenerate", "--check", work / "deploy").returncode == 0, "in sync right after the upgrade"
    commit_all(work, "upgrade hardgen")
    git("fetch", "-q", work, "main", cwd=repo)
    git("merge", "-q", "--ff-only", "FETCH_HEAD", cwd=repo)

    # CI: a fresh checkout, and the drift gate
    ci = fresh_clone(repo, tmp_path / "ci")
    check = run("regenerate", "--check", ci / "deploy")
    assert check.returncode == 0, f"a fresh clone is not in sync:\n{check.stdout}{check.stderr}"
    edits_kept(ci / "deploy")
    again = run("regenerate", ci / "deploy")
    assert again.returncode == 0 and git("status", "--porcelain", cwd=ci) == "", "regenerating a fresh clone changes nothing"
