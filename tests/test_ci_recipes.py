"""docs/ci.md's recipes are what GitHub Actions, GitLab CI and pre-commit accept, and their hardgen lines parse;
`.pre-commit-hooks.yaml` works under the real pre-commit; every field of the `--format json` document is documented."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest
import yaml

from generator.cli import build_parser
from generator.commands.results import RESULT_SCHEMA
from tests.support.gitrepo import git
from tests.support.hardgen import REPO, generate
from tests.support.toolbox import require_tool

CI_DOC = REPO / "docs" / "ci.md"
#: The file each recipe is, named by its block's first line, and the schema check-jsonschema knows it by.
BUILTIN_SCHEMAS = {".github/workflows/hardgen.yml": "vendor.github-workflows", ".gitlab-ci.yml": "vendor.gitlab-ci"}
#: Where a shell line stops being hardgen's arguments.
SHELL_WORDS = {">", ">>", "2>", "|", "||", "&&", ";"}


def recipes() -> dict[str, str]:
    """Each ```yaml block of docs/ci.md whose first line is `# FILE`, by FILE."""
    blocks = re.findall(r"^```yaml\n(.*?)^```$", CI_DOC.read_text(), re.S | re.M)
    named = {}
    for block in blocks:
        first = block.splitlines()[0]
        assert first.startswith("# "), f"a yaml block of docs/ci.md does not name its file: {first}"
        named[first[2:]] = block
    return named


#: The keys whose values are shell: GitHub Actions' `run`, GitLab CI's scripts.
SHELL_KEYS = {"run", "script", "before_script", "after_script"}


def shell(node, inside: bool = False) -> list[str]:
    """Every shell text of a recipe."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in shell(v, inside or k in SHELL_KEYS)]
    if isinstance(node, list):
        return [s for v in node for s in shell(v, inside)]
    return [node] if inside and isinstance(node, str) else []


def hardgen_lines(block: str) -> list[list[str]]:
    """The hardgen command lines of a recipe, as the words hardgen receives (up to a redirection or an operator)."""
    out = []
    for text in shell(yaml.safe_load(block)):
        for line in text.splitlines():
            words = shlex.split(line)
            if words[:1] == ["hardgen"]:
                cut = next((i for i, w in enumerate(words) if w in SHELL_WORDS), len(words))
                out.append(words[1:cut])
    return out


def test_docs_ci_has_the_github_actions_gitlab_ci_and_pre_commit_recipes():
    assert set(recipes()) == {*BUILTIN_SCHEMAS, ".pre-commit-config.yaml"}


@pytest.mark.parametrize("name", list(BUILTIN_SCHEMAS))
def test_each_ci_recipe_has_hardgen_commands_that_hardgens_own_parser_accepts(name):
    lines = hardgen_lines(recipes()[name])
    assert any(words[:2] == ["regenerate", "--check"] for words in lines), lines
    assert any("--format" in words for words in recipes()[name].split()), "show --format json"
    for words in lines:
        build_parser(only=words[0]).parse_args(words)  # a usage error exits (SystemExit fails the test)


def test_the_pre_commit_recipe_gives_the_hook_folders_hardgen_accepts():
    config = yaml.safe_load(recipes()[".pre-commit-config.yaml"])
    manifest = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    for hook in (h for repo in config["repos"] for h in repo["hooks"]):
        words = shlex.split(manifest[hook["id"]]["entry"]) + hook.get("args", [])
        assert words[0] == "hardgen"
        build_parser(only=words[1]).parse_args(words[1:])


def test_every_field_of_the_json_result_is_explained_in_docs_ci():
    text = CI_DOC.read_text()

    def paths(node, prefix=""):
        for key, prop in node["properties"].items():
            yield prefix + key
            if prop.get("type") == "array" and "properties" in prop["items"]:
                yield from paths(prop["items"], f"{prefix}{key}[].")

    missing = [p for p in paths(RESULT_SCHEMA) if f"| `{p}` |" not in text]
    assert not missing, f"docs/ci.md's field table lacks {missing}"


@pytest.mark.reviewers
@pytest.mark.parametrize("name", list(BUILTIN_SCHEMAS))
def test_each_ci_recipe_is_valid_for_its_ci_by_check_jsonschema(tmp_path, name):
    check = require_tool("check-jsonschema")
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(recipes()[name])
    done = subprocess.run([check, "--builtin-schema", BUILTIN_SCHEMAS[name], str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.reviewers
def test_an_invalid_recipe_is_refused_by_check_jsonschema(tmp_path):
    """The check above can fail: a job without steps is not a workflow."""
    check = require_tool("check-jsonschema")
    path = tmp_path / "broken.yml"
    path.write_text(recipes()[".github/workflows/hardgen.yml"].replace("    steps:", "    stepz:"))
    done = subprocess.run([check, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr


@pytest.mark.reviewers
def test_the_hook_manifest_and_the_documented_config_are_what_pre_commit_accepts(tmp_path):
    pre_commit = require_tool("pre-commit")
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(recipes()[".pre-commit-config.yaml"])
    for what, path in (("validate-manifest", REPO / ".pre-commit-hooks.yaml"), ("validate-config", config)):
        done = subprocess.run([pre_commit, what, str(path)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr




@pytest.mark.reviewers
def test_the_pre_commit_hook_passes_in_sync_and_fails_with_the_diff_on_drift(tmp_path):
    """The real pre-commit clones this checkout's HEAD, installs hardgen from it, and runs `hardgen-check`."""
    pre_commit = require_tool("pre-commit")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: pre-commit installs hooks from a repository")
    if git("status", "--porcelain", "--", "generator", "templates", "presets", ".pre-commit-hooks.yaml", "pyproject.toml", cwd=REPO):
        pytest.skip("uncommitted changes to hardgen: the hook runs the committed HEAD, which would render otherwise")
    head = git("rev-parse", "HEAD", cwd=REPO).strip()
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    generate("deploy", "name=demo", preset="docker", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {head}\n    hooks:\n      - id: hardgen-check\n        args: [deploy]\n")
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "generated", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    def hook() -> subprocess.CompletedProcess:
        return subprocess.run([pre_commit, "run", "hardgen-check", "--all-files"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"hardgen regenerate --check\.+Passed", passed.stdout), passed.stdout
    answers = repo / "deploy/.hardgen/answers.yaml"
    answers.write_text(answers.read_text().replace("port: 9443", "port: 9444"))
    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout and "+EXPOSE 9444" in failed.stdout, failed.stdout


def test_the_github_workflow_pins_every_action_by_commit_and_reads_the_repository_only():
    """A tag can be moved to other code; a full commit SHA cannot. The token may read the repository, nothing more."""
    workflow = yaml.safe_load(recipes()[".github/workflows/hardgen.yml"])
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert workflow["permissions"] == {"contents": "read"}
