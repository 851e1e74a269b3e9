"""README.md, docs/ and `hardgen schema` are views of the model and the command line: they must not drift from them.

README.md is the front door (set-up, quickstarts, commands, exit codes, presets); docs/ is the reference, one page
per topic. These tests tie both to the code: the key table is generated, every command, flag, preset, exit code
and output file is documented, and every relative link resolves.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from generator.cli import COMMANDS, build_parser
from generator.commands.schema import markdown, schema

REPO = Path(__file__).resolve().parent.parent
README_PATH = REPO / "README.md"
DOCS_DIR = REPO / "docs"
#: The README is a front door, not a manual (issue #10): the reference lives in docs/.
README_MAX_BYTES = 10_500
KEY_TABLE = re.compile(r"<!-- BEGIN generated: hardgen schema --format markdown -->\n(.*?)<!-- END generated -->", re.S)

README = README_PATH.read_text()
DOC_PAGES = sorted(DOCS_DIR.rglob("*.md"))
DOCS = "\n".join(page.read_text() for page in DOC_PAGES)
README_AND_DOCS = README + "\n" + DOCS


def section(text: str, heading: str) -> str:
    """The body of the `## heading` section of a Markdown text, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def test_docs_exist():
    assert (DOCS_DIR / "README.md").is_file(), "docs/README.md (the index of the docs pages) is missing"
    assert len(DOC_PAGES) > 1


def test_readme_is_a_front_door_not_a_manual():
    size = len(README_PATH.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes (at most {README_MAX_BYTES}): move reference material to docs/"


def test_answers_key_table_is_the_one_the_model_generates():
    answers = (DOCS_DIR / "answers.md").read_text()
    blocks = KEY_TABLE.findall(answers)
    assert len(blocks) == 1, "docs/answers.md needs exactly one generated key table between its marker lines"
    assert blocks[0] == markdown(), "run `hardgen schema --format markdown` and paste it between the markers in docs/answers.md"


def command_parser(name: str) -> argparse.ArgumentParser:
    """The subparser of one command, built the way the CLI builds it when that command runs."""
    parser = build_parser(only=name)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == [name]
    return sub.choices[name]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_and_each_of_its_flags_is_documented(name):
    assert f"hardgen {name}" in README_AND_DOCS, f"`hardgen {name}` is not mentioned in README.md or docs/"
    for action in command_parser(name)._actions:
        for flag in action.option_strings:
            if flag not in ("-h", "--help"):
                assert f"`{flag}" in README_AND_DOCS, f"hardgen {name} {flag} is not documented in README.md or docs/"


def test_every_global_flag_is_documented():
    for action in build_parser(only="presets")._actions:
        for flag in action.option_strings:
            if flag not in ("-h", "--help"):
                assert f"hardgen {flag}" in README, f"hardgen {flag} is not in the README's commands table"


def test_the_commands_table_is_in_the_readme_once_and_lists_every_command():
    assert README_AND_DOCS.count("| command | what it does |") == 1, "the commands table belongs in README.md, once"
    listed = re.findall(r"^\| `hardgen ([a-z-]+)` \|", section(README, "Commands"), re.M)
    assert sorted(listed) == sorted([*COMMANDS, "--version"])


def test_the_exit_code_table_is_in_the_readme_once_and_lists_every_code():
    from generator.errors import ExitCode

    assert README_AND_DOCS.count("| code | meaning |") == 1, "the exit-code table belongs in README.md, once"
    listed = [int(code) for code in re.findall(r"^\| (\d+) \|", section(README, "Exit codes"), re.M)]
    assert sorted(listed) == sorted(int(code) for code in ExitCode)


def test_the_readme_names_exactly_the_shipped_presets():
    from tests.support.models import preset_names

    for preset in preset_names():
        assert f"`{preset}`" in README, preset
    listed = re.findall(r"^\| `([^`]+)` \|", section(README, "Presets"), re.M)
    assert sorted(listed) == preset_names(), "the README's presets table must list exactly the files in presets/"


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


#: Beyond the presets and the reviewer variants: every target at once, with every optional file switched on.
EVERY_TARGET = ("docker", [
    "name=everything", "jdk=17", "targets=[docker, kubernetes, systemd]", "secrets=[dbPassword]",
    "kubernetes.external_secrets=true", "kubernetes.external_store=vault",
])


def documented_name(path: str, integration: str) -> str:
    """A per-integration file name as the docs spell it: `systemd/orders.service` -> `systemd/<name>.service`."""
    folder, _, file_name = path.rpartition("/")
    generic = file_name.replace(integration, "<name>")
    return f"{folder}/{generic}" if folder else generic


def test_every_file_hardgen_can_generate_is_documented_in_docs_by_its_own_path():
    """Each file by its own path: naming its folder (`kubernetes/`) does not document the files in it."""
    from tests.support.models import preset_cases, render_case

    cases = [*preset_cases().values(), EVERY_TARGET]
    missing = set()
    for preset, sets in cases:
        rendered = render_case(preset, sets)
        name = rendered.model.name
        for path in [f.path for f in rendered.plan.files] + list(rendered.desired):
            if path.startswith(".hardgen/base/"):
                path = ".hardgen/base/"
            if f"`{path}`" not in DOCS and f"`{documented_name(path, name)}`" not in DOCS:
                missing.add(documented_name(path, name))
    assert not missing, f"not documented in docs/ by its own path: {sorted(missing)}"


FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")
#: Written by another change; until it lands, links to it cannot resolve. Only this file is excused.
NOT_YET_WRITTEN = {REPO / "ARCHITECTURE.md"}


def anchors(page: Path) -> set[str]:
    """The heading anchors GitHub generates for a Markdown page (code blocks skipped)."""
    out: set[str] = set()
    for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", page.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        n = 0
        while (candidate := slug if n == 0 else f"{slug}-{n}") in out:
            n += 1
        out.add(candidate)
    return out


@pytest.mark.parametrize("page", [README_PATH, REPO / "CONTRIBUTING.md", *DOC_PAGES], ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_points_at_an_existing_file_and_heading(page):
    text = FENCE.sub("", page.read_text())
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not ours to check offline
        path_part, _, fragment = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if linked in NOT_YET_WRITTEN and not linked.exists():
            continue
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, broken
