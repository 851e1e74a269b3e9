"""The commands that write nothing, end to end: `python -m generator` in a process of its own, as a shell runs it.

Most tests call the CLI in-process (tests/support/hardgen.py). The commands that write get their end-to-end
runs where their behaviour is tested: `generate` in test_generate_docker.py and test_batch.py, `init` in
test_init_terminal.py (a real terminal), `regenerate` in test_regenerate_scenarios.py (with worker processes).
"""

from __future__ import annotations

import json
import os

import pytest

from generator.commands.schema import schema
from tests.support.hardgen import tree
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
