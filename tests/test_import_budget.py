"""Speed rules as tests: what a fresh `hardgen` process imports for each command.

A cold run is mostly imports (benchmarks/README.md: figure (2) against the floor (3)),
so the commands keep out what they do not need: `generate --answers` reads plain
answers files with its own reader and writes YAML with its own emitter (no ruamel),
never starts the wizard (no questionary, prompt_toolkit) and never asks installed
packages for their versions (no importlib.metadata); `--version` and `schema` render
nothing (no jinja2, ruamel, tomlkit, questionary). Each case runs in a process of its
own and reads `sys.modules` when the command has returned, so an import anywhere on the
way counts, at the top of a module or inside a function that ran. The timings
themselves are benchmarks (`python benchmarks/run.py`), not tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.inputs.yaml_subset import load as quick_load
from tests.support.hardgen import generate, hardgen_env

#: `python -c PROBE MODULES_JSON ARGS...`: `hardgen ARGS` as `python -m generator` runs it, then every module it imported.
PROBE = """\
import json, sys
from generator.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump(sorted(sys.modules), f)
sys.exit(code)
"""

#: Plain YAML of the subset generator.inputs.yaml_subset reads, with every target and the options that add files.
ANSWERS = """\
name: orders
targets: [docker, kubernetes, systemd]
jdk: 17
image:
  name: registry.example.com/platform/orders
  tag: 1.4.0
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
service:
  port: 9443
metrics:
  enabled: true
  port: 9797
  from:
    namespace: monitoring
    labels: {app: prometheus}
secrets: [dbPassword, apiToken]
config:
  values:
    greeting: hello
    retries: 3
ingress:
  - name: gateway
    namespace: edge
    labels: {app: gateway}
  - name: load-balancer
    cidr: 10.30.0.0/24
egress:
  - name: orders-db
    cidr: 10.20.0.0/24
    port: 5432
jvm:
  max_ram_percentage: 60.0
docker:
  deploy_dir: "."
"""

NOT_FOR_GENERATE = ("ruamel", "questionary", "prompt_toolkit", "cookiecutter", "importlib.metadata", "importlib_metadata")
NOT_FOR_VERSION_OR_SCHEMA = ("jinja2", "ruamel", "tomlkit", "questionary", "prompt_toolkit")
EVERY_RULE = tuple(sorted(set(NOT_FOR_GENERATE + NOT_FOR_VERSION_OR_SCHEMA)))


def hardgen_imports(cwd: Path, *args: str, expect: int = 0) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules `hardgen ARGS` left in `sys.modules`, run in a fresh process in `cwd`."""
    listing = cwd / "modules.json"
    listing.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", PROBE, str(listing), *args], cwd=cwd, env=hardgen_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == expect, f"hardgen {' '.join(args)} exited {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return set(json.loads(listing.read_text())), done


def among(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The modules that are one of `packages` or inside one."""
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def broken_rule(args: list[str], found: list[str]) -> str:
    first = found[0].split(".")[0]
    return (f"hardgen {' '.join(args)} imported {', '.join(sorted({m.split('.')[0] for m in found}))} ({len(found)} modules); "
            f"in the stderr of `python -X importtime -m generator {' '.join(args)}`, the first line below the {first} lines "
            f"that is less indented names the module that imported it")


@pytest.fixture
def answers(tmp_path) -> Path:
    path = tmp_path / "in" / "orders.yaml"
    path.parent.mkdir()
    path.write_text(ANSWERS)
    return path


def test_the_answers_file_is_plain_yaml_that_the_quick_reader_takes():
    """Guards the rules below: a file the quick reader declined would go to ruamel, and the test would test nothing."""
    assert quick_load(ANSWERS) is not None


def test_the_interpreter_alone_imports_none_of_the_watched_modules(tmp_path):
    """Guards the rules below: a `.pth` file that imported one of them would make every rule pass or fail for nothing."""
    listing = tmp_path / "modules.json"
    probe = f"import json, sys; json.dump(sorted(sys.modules), open({str(listing)!r}, 'w'))"
    subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=hardgen_env(), check=True, timeout=60)
    assert among(set(json.loads(listing.read_text())), EVERY_RULE) == []


@pytest.mark.parametrize("how", ["--answers", "--batch"])
def test_generate_from_answers_imports_no_ruamel_wizard_cookiecutter_or_metadata(tmp_path, answers, how):
    where = "out" if how == "--answers" else "batch"
    args = ["generate", how, str(answers), "--output", where]
    modules, done = hardgen_imports(tmp_path, *args)
    out = tmp_path / where / ("" if how == "--answers" else "orders")
    assert {"Dockerfile", "kubernetes", "systemd"} <= {p.name for p in out.iterdir()}, done.stdout  # every target ran
    assert "generator.render.pipeline" in modules  # the probe saw the run
    found = among(modules, NOT_FOR_GENERATE)
    assert not found, broken_rule(args, found)


def test_replaying_recorded_answers_with_jvm_flags_imports_no_ruamel(tmp_path):
    """What hardgen writes to .hardgen/answers.yaml, it reads back on the quick path (replays and `regenerate` read it)."""
    generate("deploy", "name=orders", "targets=[docker, kubernetes, systemd]", "jvm.extra_flags=[-XX:+AlwaysPreTouch, -Dfoo=bar]",
             preset="docker", cwd=tmp_path)
    args = ["generate", "--answers", "deploy/.hardgen/answers.yaml", "--output", "replayed"]
    modules, _ = hardgen_imports(tmp_path, *args)
    found = among(modules, NOT_FOR_GENERATE)
    assert not found, broken_rule(args, found)


@pytest.mark.parametrize("args", [["--version"], ["schema"]], ids=["version", "schema"])
def test_version_and_schema_import_no_template_yaml_toml_or_wizard_library(tmp_path, args):
    modules, done = hardgen_imports(tmp_path, *args)
    if args == ["schema"]:
        assert json.loads(done.stdout)["type"] == "object"
    else:
        assert done.stdout.startswith("hardgen ")
    found = among(modules, NOT_FOR_VERSION_OR_SCHEMA)
    assert not found, broken_rule(args, found)


@pytest.mark.parametrize("args", [["init", "--no-input", "--set", "name=demo"], ["new", "--no-input", "--set", "name=demo", "repo"]])
def test_init_and_new_without_a_terminal_import_no_wizard_library(tmp_path, args):
    """`init` and `new` need questionary only to ask; without a terminal (or with --no-input) they write what is given."""
    modules, _done = hardgen_imports(tmp_path, *args, expect=0)
    found = among(modules, ("questionary", "prompt_toolkit"))
    assert not found, broken_rule(args, found)
