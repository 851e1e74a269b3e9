"""The commands that write nothing, end to end: `python -m generator` in a process of its own, as a shell runs it.

Most tests call the CLI in-process (tests/support/hardgen.py). The commands that write get their end-to-end
runs where their behaviour is tested: `generate` in test_generate_docker.py and test_batch.py, `init` in
test_init_terminal.py (a real terminal), `regenerate` in test_regenerate_scenarios.py (with worker processes).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from generator.cli import COMMANDS
from generator.commands.schema import schema
from tests.support.hardgen import generate, tree
from tests.support.models import preset_names


def test_version(hardgen_process):
    r = hardgen_process("--version")
    assert r.returncode == 0 and r.stdout.startswith("hardgen ")


def test_presets_lists_every_shipped_preset_with_its_description(hardgen_process):
    r = hardgen_process("presets")
    assert r.returncode == 0, r.stderr
    rows = [line.split(None, 1) for line in r.stdout.splitlines()]
    assert [row[0] for row in rows] == preset_names()
    assert all(len(row) == 2 and row[1].strip() for row in rows), r.stdout


def test_schema_prints_the_answers_files_json_schema(hardgen_process):
    r = hardgen_process("schema")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == schema()


def test_no_command_prints_the_help_and_exits_2(hardgen_process):
    r = hardgen_process()
    assert r.returncode == 2
    assert "usage: hardgen" in r.stdout and "regenerate" in r.stdout


@pytest.mark.parametrize("args", [
    ["generate", "--preset", "docker", "--set", "name=demo", "--set", "secrets=[dbPassword]", "--output", "out"],
    ["generate", "--preset", "docker", "--set", "name=demo", "--set", "service.port=70000", "--output", "out"],
    ["generate", "--set", "name=demo"],
    ["frobnicate"],
    ["--version"],
], ids=["written", "refused", "usage", "unknown-command", "version"])
def test_the_in_process_runner_gives_what_a_process_of_its_own_gives(hardgen, hardgen_process, tmp_path, args):
    """The `hardgen` fixture stands in for the process in most tests: same exit code, output, files; cwd restored."""
    here = os.getcwd()
    (tmp_path / "in").mkdir()
    (tmp_path / "process").mkdir()
    inside = hardgen(*args, cwd=tmp_path / "in")
    assert os.getcwd() == here
    alone = hardgen_process(*args, cwd=tmp_path / "process")
    assert (inside.returncode, inside.stdout, inside.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert tree(tmp_path / "in") == tree(tmp_path / "process")


#: A run of each command that needs no terminal, with the exit code it gives.
RUNS = {
    "generate": (["--preset", "docker", "--set", "name=demo", "--output", "deploy"], 0),
    "schema": ([], 0),
    "presets": ([], 0),
    "init": (["--preset", "docker", "--output", "deploy"], 0),  # no terminal: deploy/'s recorded answers lack nothing, so it writes
    "new": (["--preset", "docker", "--set", "name=demo", "--force", "repo"], 0),  # no terminal, nothing missing; --force: twice
    "regenerate": (["deploy"], 0),
    "contract": (["--preset", "docker", "--set", "name=demo"], 0),
}


def test_every_command_is_run_by_the_next_test():
    assert set(RUNS) == set(COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_accepts_quiet_and_no_input(hardgen, tmp_path, command):
    """A pipeline can pass -q and --no-input to any command; --help documents both."""
    generate("deploy", "name=demo", preset="docker", cwd=tmp_path)
    args, expected = RUNS[command]
    for flags in (["-q", "--no-input"], ["--quiet"]):
        r = hardgen(command, *args, *flags, cwd=tmp_path)
        assert r.returncode == expected, r.stderr
        assert "usage:" not in r.stderr and "unrecognized arguments" not in r.stderr, r.stderr
    shown = hardgen(command, "--help")
    assert "--quiet" in shown.stdout and "--no-input" in shown.stdout


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_usage_error_of_a_command_prints_that_commands_usage_line(hardgen, command):
    r = hardgen(command, *RUNS[command][0], "--no-such-flag")
    assert r.returncode == 2
    assert r.stderr.startswith(f"usage: hardgen {command} "), r.stderr
    assert f"hardgen {command}: error: unrecognized arguments: --no-such-flag" in r.stderr


def test_quiet_silences_the_summary_and_the_next_steps_but_not_warnings(hardgen, tmp_path):
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--output", "elsewhere", "-q", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == ""
    assert r.stderr.startswith("warning: docker.deploy_dir is 'deploy'") and len(r.stderr.splitlines()) == 1, r.stderr


@pytest.mark.parametrize("where", ["deploy", "/abs/deploy", "deploy with space"])
def test_the_replay_line_in_answers_yaml_runs_as_written(hardgen_process, tmp_path, where):
    """The header's command, parsed out of the generated file and run from where it says, rewrites the same bytes."""
    out = tmp_path / where.lstrip("/")
    generate(out, "name=demo", "targets=[docker,kubernetes,systemd]", preset="kubernetes-restricted", cwd=tmp_path)
    header = (out / ".hardgen/answers.yaml").read_text().splitlines()[0]
    match = re.fullmatch(r"# .*; in this folder, replay with: (hardgen .*)", header)
    assert match, header
    words = shlex.split(match.group(1))
    before = tree(out)
    r = hardgen_process(*words[1:], cwd=out)  # `hardgen` is `python -m generator` from this checkout
    assert r.returncode == 0, r.stderr
    assert tree(out) == before


def test_generate_ends_with_next_steps_that_name_real_files(hardgen, tmp_path):
    """Each target's next step, run from where generate ran, names files that exist (docs/targets/*.md)."""
    r = hardgen("generate", "--preset", "kubernetes-restricted", "--set", "name=demo", "--set", "targets=[docker,kubernetes,systemd]",
                "--output", "deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("next: ")]
    assert r.stderr.splitlines()[-len(lines):] == lines, "the run ends with its next steps"
    readme = re.fullmatch(r"next: read (\S+) \(.*\)", lines[0])
    assert readme and (tmp_path / readme.group(1)).is_file(), lines[0]
    steps = [shlex.split(line.removeprefix("next: ")) for line in lines[1:]]
    assert lines[1:] == [f"next: {shlex.join(s)}" for s in steps], "each command step runs as written"
    by_tool = {s[0]: s for s in steps}
    assert by_tool["docker"][:2] == ["docker", "build"] and (tmp_path / by_tool["docker"][3]).is_file()
    assert (tmp_path / by_tool["docker"][3]).parent.relative_to((tmp_path / by_tool["docker"][4]).resolve()) == Path("deploy")
    assert (tmp_path / by_tool["kubectl"][3] / "kustomization.yaml").is_file()
    installer = tmp_path / by_tool["sudo"][1]
    assert installer.is_file() and os.access(installer, os.X_OK)
