"""Every Dockerfile hardgen writes passes hadolint at every level and every checkov Dockerfile check."""

from __future__ import annotations

import pytest

from tests.support.hardgen import generate
from tests.support.models import preset_cases, render_case
from tests.support.reviewers import checkov_failures, checkov_passed_count, hadolint_findings

DOCKER_CASES = {k: v for k, v in preset_cases().items() if "docker" in render_case(*v).resolved.targets}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("docker")
    for case, (preset, sets) in DOCKER_CASES.items():
        generate(root / case, *sets, preset=preset)
    return root


def test_every_preset_and_variant_produces_a_dockerfile(outputs):
    assert {p.parent.name for p in outputs.glob("*/Dockerfile")} == set(DOCKER_CASES)
    assert "preset-docker" in DOCKER_CASES


@pytest.mark.reviewers
@pytest.mark.parametrize("case", sorted(DOCKER_CASES))
def test_hadolint_finds_nothing_at_any_level(outputs, case):
    assert hadolint_findings(outputs / case / "Dockerfile") == []


@pytest.mark.reviewers
def test_checkov_fails_no_dockerfile_check(outputs):
    assert checkov_failures(outputs, "dockerfile") == []
    assert checkov_passed_count(outputs, "dockerfile") >= 20 * len(DOCKER_CASES)  # the checks really ran
