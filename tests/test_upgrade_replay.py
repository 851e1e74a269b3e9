"""Answers of every earlier schema replay without a silent change of behaviour (issue #14, "upgrades").

A key added by a newer hardgen whose default changes what is generated must be migrated, for answers of an older
`schema_version`, to the value that keeps the older output, with a note that says how to opt in. The fixtures are
records of what older hardgens wrote (tests/fixtures/hardgen-1a8752b, hardgen-0.1.0); they are never edited.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.inputs.migrate import SCHEMA_1_LATE_KEYS, SCHEMA_VERSION, migrate
from generator.model.fields import json_schema
from generator.model.integration import Integration
from tests.support.hardgen import generate, run

FIXTURES = Path(__file__).parent / "fixtures"
PRE_KEYSTORE = FIXTURES / "hardgen-1a8752b" / "kubernetes-restricted"

#: Keys added to schema 1 after its first answers were written whose default generates what hardgen generated
#: before the key existed, each with the reason; every other added key must be in SCHEMA_1_LATE_KEYS.
MI_ONLY = "only read with runtime: mi, which every hardgen before issue #16 refused: no answers that generate used it"
INERT_SINCE_SCHEMA_1 = {
    "config.external": "default []: no configurable is declared external",
    "kubernetes.external_key": "only read with kubernetes.external_secrets: true, which needed its store keys anyway",
    "kubernetes.external_store": "only read with kubernetes.external_secrets: true, which needed its store keys anyway",
    "kubernetes.external_store_kind": "only read with kubernetes.external_secrets: true, which needed its store keys anyway",
    "systemd.java": "the systemd target came with these keys: no schema-1 answers of it predate them",
    "systemd.limit_nofile": "the systemd target came with these keys: no schema-1 answers of it predate them",
    "systemd.memory_max": "the systemd target came with these keys: no schema-1 answers of it predate them",
    "systemd.tasks_max": "the systemd target came with these keys: no schema-1 answers of it predate them",
    "mi.admin_from.cidr": MI_ONLY,
    "mi.admin_from.labels": MI_ONLY,
    "mi.admin_from.namespace": MI_ONLY,
    "mi.admin_user": MI_ONLY,
    "mi.key_alias": MI_ONLY,
    "mi.ldap.bind_dn": MI_ONLY,
    "mi.ldap.url": MI_ONLY,
    "mi.ldap.user_search_base": MI_ONLY,
    "mi.version": MI_ONLY,
}


_NO_DEFAULT = object()


def _leaves(schema: dict, node: dict, prefix: str = "") -> dict[str, object]:
    """Key path -> default of every leaf of the answers' JSON Schema."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if node.get("type") == "object" and "properties" in node:
        out: dict[str, object] = {}
        for key, sub in node["properties"].items():
            out.update(_leaves(schema, sub, f"{prefix}.{key}" if prefix else key))
        return out
    return {prefix: node.get("default", _NO_DEFAULT)}


def _schema_1_as_first_written() -> dict[str, object]:
    out: dict[str, object] = {}
    for line in (FIXTURES / "hardgen-1a8752b" / "schema-1-keys.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, default = line.partition("\t")
            out[key] = json.loads(default) if default else _NO_DEFAULT
    return out


def test_every_key_added_to_schema_1_or_whose_default_changed_is_migrated_or_proven_inert():
    first = _schema_1_as_first_written()
    schema = json_schema(Integration)
    now = _leaves(schema, schema)
    assert set(first) - set(now) == set(), "a schema-1 key disappeared: it needs a migration step that moves or drops it"
    added = set(now) - set(first)
    changed = {k for k in set(now) & set(first) if now[k] != first[k] and k != "schema_version"}
    decided = {k.path for k in SCHEMA_1_LATE_KEYS} | set(INERT_SINCE_SCHEMA_1)
    assert (added | changed) - decided == set(), "new answer keys and changed defaults need a decision: migrate older answers (SCHEMA_1_LATE_KEYS) or say why they are inert"
    assert decided - (added | changed) == set(), "a decision about a key that is neither new nor changed"


def test_schema_1_answers_without_the_keystore_keys_keep_tls_without_a_keystore_and_say_how_to_opt_in():
    data, notes = migrate({"name": "demo", "schema_version": 1}, "a.yaml")
    assert data["service"] == {"keystore_path_key": None, "keystore_passphrase_key": None}
    assert data["schema_version"] == SCHEMA_VERSION == 2
    assert "--set service.keystore_path_key=keystorePath" in notes[0]


def test_an_explicit_keystore_key_is_kept_and_its_passphrase_key_keeps_the_default_it_had():
    data, _notes = migrate({"name": "demo", "schema_version": 1, "service": {"keystore_path_key": "ks"}}, "a.yaml")
    assert data["service"] == {"keystore_path_key": "ks"}


@pytest.mark.parametrize("answers, filled", [
    ({"service": {"tls": False}}, False),
    ({"targets": ["docker"]}, False),
    ({"targets": ["docker", "kubernetes"]}, True),
])
def test_a_late_key_is_filled_only_where_it_changes_the_output(answers, filled):
    data, _notes = migrate({"name": "demo", "schema_version": 1, **answers}, "a.yaml")
    key = "keystore_path_key" if "service" in answers else None
    if key:
        assert (key in data["service"]) is filled
    else:
        assert ("kubernetes" in data) is filled and (not filled or data["kubernetes"]["resources"]["memory"] == "512Mi")


def test_generate_migrates_an_older_answers_file_prints_the_note_and_records_the_current_schema(tmp_path):
    answers = tmp_path / "orders.yaml"
    answers.write_text("name: orders\nschema_version: 1\n")
    done = generate(tmp_path / "out", answers=[answers])
    assert "orders.yaml: answers migrated from schema 1 to 2" in done.stderr and "opt in with --set service.keystore_path_key" in done.stderr
    recorded = _recorded(tmp_path / "out")
    assert recorded["schema_version"] == SCHEMA_VERSION and recorded["service"]["keystore_path_key"] is None
    assert "keystorePath" not in (tmp_path / "out" / "config" / "Config.toml").read_text()


def test_a_refused_migrated_value_is_reported_with_the_migration_that_set_it(tmp_path):
    answers = tmp_path / "orders.yaml"
    answers.write_text("name: orders\nschema_version: 1\ntargets: [kubernetes]\n")
    done = run("generate", "--answers", answers, "--output", tmp_path / "out")
    assert done.returncode == 2 and not (tmp_path / "out").exists()
    assert "kubernetes.resources.memory: 512Mi" in done.stderr
    assert "kubernetes.resources.memory set to '512Mi'" in done.stderr and "opt in with --set kubernetes.resources.memory=768Mi" in done.stderr


def _recorded(out: Path) -> dict:
    import yaml

    return yaml.safe_load((out / ".hardgen" / "answers.yaml").read_text())


def _pre_keystore_folder(tmp_path: Path) -> Path:
    out = tmp_path / "deploy"
    shutil.copytree(PRE_KEYSTORE, out, symlinks=True)
    return out


def _keystore_wired(out: Path) -> bool:
    return any("keystore" in p.read_text() for p in [*(out / "kubernetes").glob("*.yaml"), out / "config" / "Config.toml"])


def test_regenerating_answers_from_before_the_keystore_wiring_does_not_mount_a_keystore(tmp_path):
    out = _pre_keystore_folder(tmp_path)
    assert not _keystore_wired(out), "the fixture predates the wiring"
    # 512Mi was that hardgen's explicit default; the 0.2.0 upgrade note asks for 768Mi (docs/regenerating.md)
    done = run("regenerate", out, "--set", "kubernetes.resources.memory=768Mi")
    assert done.returncode == 0, done.stderr + done.stdout
    said = done.stdout + done.stderr
    assert "answers migrated from schema 1 to 2" in said and "opt in with --set service.keystore_path_key=keystorePath" in said
    assert not _keystore_wired(out), "an upgrade switched the keystore wiring on silently"
    assert _recorded(out)["service"]["keystore_path_key"] is None, "recorded, so the next replay keeps it off"
    assert run("regenerate", "--check", out).returncode == 0


def test_the_printed_opt_in_turns_the_keystore_wiring_on(tmp_path):
    out = _pre_keystore_folder(tmp_path)
    done = run("regenerate", out, "--set", "kubernetes.resources.memory=768Mi",
               "--set", "service.keystore_path_key=keystorePath", "--set", "service.keystore_passphrase_key=keystorePassword")
    assert done.returncode == 0, done.stderr + done.stdout
    assert _keystore_wired(out)


@pytest.mark.parametrize("case", ["docker", "docker-sm-17", "vm-systemd-sm-17", "kubernetes-restricted"])
def test_answers_of_release_0_1_0_keep_their_explicit_keys_through_the_migration(case):
    import yaml

    recorded = yaml.safe_load((FIXTURES / "hardgen-0.1.0" / case / ".hardgen" / "answers.yaml").read_text())
    data, notes = migrate(recorded, "answers.yaml")
    assert notes == ["answers.yaml: answers migrated from schema 1 to 2"], "0.1.0 wrote every default: nothing to fill in"
    assert {k: v for k, v in data.items() if k != "schema_version"} == {k: v for k, v in recorded.items() if k != "schema_version"}


def test_schema_0_answers_replay_through_both_migrations(tmp_path):
    answers = tmp_path / "old.yaml"
    answers.write_text("name: demo\nschema_version: 0\njava: 17\nport: 9000\n")
    generate(tmp_path / "out", answers=[answers])
    recorded = _recorded(tmp_path / "out")
    assert recorded["jdk"] == 17 and recorded["service"]["port"] == 9000 and recorded["service"]["keystore_path_key"] is None
