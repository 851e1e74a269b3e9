"""Answers of an older schema are brought forward in memory, with notes; newer or malformed versions are refused."""

from __future__ import annotations

import pytest

from generator.errors import UserError
from generator.inputs.migrate import migrate
from generator.model.integration import SCHEMA_VERSION


def test_v0_layout_moves_each_key_to_its_current_place_and_says_so():
    v0 = {"name": "demo", "java": 17, "port": 9000, "tls": False, "security_manager": True, "jvm_flags": ["-Dx=y"]}
    data, notes = migrate(v0, "a.yaml")
    assert data == {"name": "demo", "jdk": 17, "service": {"port": 9000, "tls": False},
                    "jvm": {"security_manager": True, "extra_flags": ["-Dx=y"]}, "schema_version": SCHEMA_VERSION}
    assert notes == ["a.yaml: answers migrated from schema 0 to 1: moved java to jdk; moved port to service.port; "
                     "moved tls to service.tls; moved security_manager to jvm.security_manager; moved jvm_flags to jvm.extra_flags",
                     "a.yaml: answers migrated from schema 1 to 2"]
    assert "java" in v0, "the caller's data is not modified"


def test_an_explicit_new_key_wins_over_its_old_spelling():
    data, notes = migrate({"name": "demo", "port": 1, "service": {"port": 2}}, "a.yaml")
    assert data["service"]["port"] == 2 and "dropped port (superseded by service.port)" in notes[0]


def test_current_answers_pass_through_without_notes():
    data = {"name": "demo", "schema_version": SCHEMA_VERSION}
    assert migrate(data, "a.yaml") == (data, [])


@pytest.mark.parametrize("version, words", [(SCHEMA_VERSION + 1, "written by a newer hardgen"), ("one", "is not a schema version"), (True, "is not a schema version")])
def test_unknown_schema_versions_are_refused(version, words):
    with pytest.raises(UserError) as err:
        migrate({"schema_version": version}, "a.yaml")
    assert words in str(err.value) and str(err.value).startswith("a.yaml: schema_version: ")
