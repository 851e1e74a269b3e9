"""The README and `hardgen schema` are views of the model: they must not drift from it."""

from __future__ import annotations

import argparse
import json
import re

from generator.cli import build_parser
from generator.commands.schema import markdown, schema
from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def test_readme_key_table_is_the_one_the_model_generates():
    block = re.search(r"<!-- answer-keys:start -->\n(.*?)<!-- answer-keys:end -->", README, re.S)
    assert block, "README lost its answer-keys block"
    assert block.group(1) == markdown(), "run `hardgen schema --format markdown` and paste it into README.md"


def test_every_flag_of_every_command_is_in_the_readme():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert f"hardgen {name}" in README, name
        for action in command._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in README, f"{name} {flag} is not documented"


def test_every_shipped_preset_is_in_the_readme():
    from tests.support.models import preset_names

    for preset in preset_names():
        assert f"`{preset}`" in README, preset


def test_schema_is_valid_json_schema_and_accepts_a_written_answers_file(hardgen, tmp_path):
    import jsonschema
    from ruamel.yaml import YAML

    r = hardgen("schema")
    assert r.returncode == 0
    loaded = json.loads(r.stdout)
    assert loaded == schema()
    jsonschema.Draft202012Validator.check_schema(loaded)
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "-o", "deploy", cwd=tmp_path)
    answers = YAML(typ="safe").load((tmp_path / "deploy/.hardgen/answers.yaml").read_text())
    jsonschema.validate(answers, loaded)
    bad = dict(answers, servce={})
    assert list(jsonschema.Draft202012Validator(loaded).iter_errors(bad))


def test_every_generated_file_is_in_the_readme(tmp_path):
    from tests.support.models import preset_cases, render_case

    for preset, sets in preset_cases().values():
        for f in render_case(preset, sets).plan.files:
            generic = re.sub(r"demo[-\\w]*|orders|payments|inventory", "<name>", f.path)
            assert f"`{f.path}`" in README or f"`{generic}`" in README or f.path.split("/")[0] + "/" in README, f.path
