"""`--format json` of `generate` and `regenerate`: one document on stdout in every mode and at every exit code,
valid against the schema hardgen ships (`hardgen schema results`); and the text streams a pipeline relies on."""

from __future__ import annotations

import json
import subprocess

import pytest
from jsonschema import Draft202012Validator

from generator.commands.results import RESULT_SCHEMA

VALIDATOR = Draft202012Validator(RESULT_SCHEMA)
TOKEN = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"  # the shape of a GitHub token


def document(r) -> dict:
    """The run's stdout as the one JSON document it must be, checked against the schema."""
    doc = json.loads(r.stdout)  # one document and nothing else: anything around it fails here
    assert r.stdout == json.dumps(doc, indent=2) + "\n"
    VALIDATOR.validate(doc)
    assert doc["exit_code"] == r.returncode
    return doc


def test_the_schema_is_a_valid_json_schema_and_hardgen_prints_it(hardgen):
    Draft202012Validator.check_schema(RESULT_SCHEMA)
    r = hardgen("schema", "results")
    assert r.returncode == 0 and json.loads(r.stdout) == RESULT_SCHEMA


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# (extra regenerate arguments, what to do to the folder first, exit code, mode, folder status)
REGENERATE_CASES = {
    "write-in-sync": ([], None, 0, "write", "in-sync"),
    "write-changed": (["--set", "service.port=9444"], None, 0, "write", "changed"),
    "check-in-sync": (["--check"], None, 0, "check", "in-sync"),
    "check-drift": (["--check", "--set", "service.port=9444"], None, 1, "check", "would-change"),
    "dry-run": (["--dry-run", "--set", "service.port=9444"], None, 0, "dry-run", "would-change"),
    "write-conflict": (["--set", "service.port=9444"], "conflict", 3, "write", "conflict"),
    "check-conflict": (["--check", "--set", "service.port=9444"], "conflict", 3, "check", "conflict"),
    "check-bad-answers": (["--check", "--set", "service.port=70000"], None, 2, "check", "error"),
    "not-a-folder": (["--check"], "remove", 2, "check", "error"),
}


@pytest.mark.parametrize("case", list(REGENERATE_CASES))
def test_regenerate_prints_one_valid_document_in_every_mode_and_at_every_exit_code(project, hardgen, tmp_path, case):
    args, prepare, code, mode, status = REGENERATE_CASES[case]
    folder = project()
    if prepare == "conflict":
        edit(folder / "Dockerfile", "EXPOSE 9443", "EXPOSE 7000")
    elif prepare == "remove":
        folder = tmp_path / "nothing-here"
    r = hardgen("regenerate", folder.name, "--format", "json", *args, cwd=tmp_path)
    assert r.returncode == code, r.stderr
    doc = document(r)
    assert (doc["command"], doc["mode"], doc["problems"]) == ("regenerate", mode, [])
    [entry] = doc["folders"]
    assert (entry["folder"], entry["exit_code"], entry["status"]) == (folder.name, code, status)
    if status == "error":
        assert entry["problems"] and entry["files"] == []
        assert (entry["generated_by"] is None) == (prepare == "remove")
    else:
        from generator import __version__

        assert entry["generated_by"] == __version__
    if case in ("write-changed", "dry-run"):
        assert {"path": "Dockerfile", "action": "updated"} in entry["files"]
    if case == "check-drift":
        assert "+EXPOSE 9444" in entry["diff"] and entry["diff"].startswith(f"--- a/{folder.name}/")
    elif mode != "check":
        assert entry["diff"] == ""
    if prepare == "conflict":
        assert {"path": "Dockerfile", "action": "conflict"} in entry["files"]
        assert [c["path"] for c in entry["conflicts"]] == ["Dockerfile"]
        assert "EXPOSE 7000" in entry["conflicts"][0]["yours"] and "EXPOSE 9444" in entry["conflicts"][0]["new"]
    if case == "write-changed":
        assert any("service.port: 9443 -> 9444" in n for n in entry["notes"])


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--format=json", "--no-such-flag"]], ids=["bad-jobs", "usage"])
def test_regenerate_refused_before_any_folder_is_still_one_document(project, hardgen, tmp_path, args):
    project()
    r = hardgen("regenerate", "deploy", "--format", "json", *args, cwd=tmp_path)
    assert r.returncode == 2
    doc = document(r)
    assert doc["folders"] == [] and len(doc["problems"]) == 1


def test_a_conflict_never_puts_a_secret_looking_value_in_the_document(project, hardgen, tmp_path):
    folder = project()
    edit(folder / "Dockerfile", "EXPOSE 9443", f"EXPOSE 7000 # {TOKEN}")
    r = hardgen("regenerate", "deploy", "--format", "json", "--set", "service.port=9444", cwd=tmp_path)
    assert r.returncode == 3
    assert document(r)["folders"][0]["conflicts"]
    assert TOKEN not in r.stdout and TOKEN not in r.stderr


GENERATE_CASES = {
    "written": (["--preset", "docker", "--set", "name=demo", "--output", "deploy"], 0),
    "bad-input": (["--preset", "docker", "--set", "name=demo", "--set", "service.port=70000", "--output", "deploy"], 2),
    "usage": (["--preset", "docker", "--set", "name=demo"], 2),
    "batch": (["--batch", "many", "--preset", "docker", "--output", "deploy"], 0),
    "batch-bad-input": (["--batch", "many", "--preset", "docker", "--set", "jdk=8", "--output", "deploy"], 2),
}


@pytest.mark.parametrize("case", list(GENERATE_CASES))
def test_generate_prints_one_valid_document_whatever_the_exit_code(hardgen, tmp_path, case):
    args, code = GENERATE_CASES[case]
    for name in ("orders", "billing"):
        (tmp_path / "many").mkdir(exist_ok=True)
        (tmp_path / "many" / f"{name}.yaml").write_text(f"name: {name}\n")
    r = hardgen("generate", *args, "--format", "json", cwd=tmp_path)
    assert r.returncode == code, r.stderr
    doc = document(r)
    assert (doc["command"], doc["mode"]) == ("generate", "write")
    if code:
        assert doc["folders"] == [] and doc["problems"]
        assert not (tmp_path / "deploy").exists()
        return
    folders = {e["folder"]: e for e in doc["folders"]}
    assert set(folders) == ({"deploy"} if case == "written" else {"deploy/orders", "deploy/billing"})
    for entry in folders.values():
        assert entry["status"] == "written" and entry["generated_by"] is None
        assert {"path": "Dockerfile", "action": "written"} in entry["files"]
    again = document(hardgen("generate", *args, "--format", "json", cwd=tmp_path))
    assert all(e["status"] == "in-sync" and e["generated_by"] for e in again["folders"])


def test_check_puts_only_the_diff_on_stdout_a_patch_git_applies(project, hardgen, tmp_path):
    """`hardgen regenerate --check > drift.patch`: status lines and notes go to stderr."""
    project()
    r = hardgen("regenerate", "deploy", "--check", "--set", "service.port=9444", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith("--- a/deploy/") and "deploy: would change" in r.stderr and "note:" in r.stderr
    (tmp_path / "drift.patch").write_text(r.stdout)
    subprocess.run(["git", "apply", "--check", "drift.patch"], cwd=tmp_path, check=True, capture_output=True)


def test_quiet_keeps_the_diff_and_conflicts_but_drops_status_lines_and_notes(project, hardgen, tmp_path):
    folder = project()
    drift = hardgen("regenerate", "deploy", "--check", "-q", "--set", "service.port=9444", cwd=tmp_path)
    assert drift.returncode == 1 and "+EXPOSE 9444" in drift.stdout and drift.stderr == ""
    edit(folder / "Dockerfile", "EXPOSE 9443", "EXPOSE 7000")
    conflict = hardgen("regenerate", "deploy", "-q", "--set", "service.port=9444", cwd=tmp_path)
    assert conflict.returncode == 3 and conflict.stdout == ""
    assert "deploy/Dockerfile: line 35: yours " in conflict.stderr and "note:" not in conflict.stderr
