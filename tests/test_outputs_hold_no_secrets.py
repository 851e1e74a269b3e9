"""No output of hardgen holds anything a secret scanner flags, and every TOML it writes parses."""

from __future__ import annotations

import tomllib

import pytest

from tests.support.hardgen import generate
from tests.support.models import preset_cases
from tests.support.reviewers import detect_secrets_findings


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("all-outputs")
    for case, (preset, sets) in preset_cases().items():
        generate(root / case, *sets, preset=preset)
    return root


@pytest.mark.reviewers
def test_detect_secrets_finds_nothing_in_any_output(outputs):
    assert detect_secrets_findings(outputs) == {}


@pytest.mark.reviewers
def test_detect_secrets_would_find_a_filled_secrets_file(outputs, tmp_path):
    """Guards the test above: the scanner does flag a real-looking secret in our formats."""
    (tmp_path / "secrets.toml").write_text('[integrations.orders]\ndbPassword = "gR8#kL2!vQ9zX4@pW7mN"\n')
    assert detect_secrets_findings(tmp_path) != {}


def test_every_toml_file_parses(outputs):
    tomls = sorted(outputs.rglob("*.toml"))
    assert tomls
    for path in tomls:
        tomllib.loads(path.read_text())
