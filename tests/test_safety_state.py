"""What hardgen reads back from an output folder is trusted no more than user input (issue #13).

`.hardgen/state.json`, `.hardgen/answers.yaml`, `.hardgen/base/` and the folder itself can all be changed by a
pull request; CI then runs `hardgen regenerate --check` on them. Whatever they hold, hardgen reads nothing outside
the folder, follows no symbolic link, prints no file it did not generate, removes no file it did not write, and
answers a bad file with one line naming it (exit 2), never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.hardgen import tree

OUT = "deploy"
SECRET = "TOKEN=hunter2-do-not-print"


def edit_state(out: Path, change) -> None:
    path = out / ".hardgen/state.json"
    state = json.loads(path.read_text())
    change(state)
    path.write_text(json.dumps(state))


def one_line_refusal(r, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def no_leak(r) -> None:
    assert "hunter2" not in r.stdout + r.stderr


# --- paths in state.json --------------------------------------------------------------------------------------------


HOSTILE_PATHS = [
    "/proc/self/environ",
    "SECRET_ABSOLUTE",  # replaced by the absolute path of a secret file outside the folder
    "../secret.txt",
    "../../secret.txt",
    "jvm/../../secret.txt",
    "./Dockerfile",
    "jvm//java.options",
    "jvm/",
    "",
    ".hardgen/answers.yaml",
    ".hardgen/base/Dockerfile",
    ".hardgen-stage-abcdefgh/x",
    "Dockerfile\nINJECTED",
    "jvm\\..\\..\\secret.txt",
    "Dockerfile.hardgen-new",
]


@pytest.mark.parametrize("mode", ["--check", "--dry-run", None])
@pytest.mark.parametrize("rel", HOSTILE_PATHS)
def test_a_state_path_outside_the_folder_is_refused_before_anything_is_read(project, hardgen, tmp_path, rel, mode):
    out = project()
    (tmp_path / "secret.txt").write_text(SECRET)
    if rel == "SECRET_ABSOLUTE":
        rel = str(tmp_path / "secret.txt")
    edit_state(out, lambda s: (s["files"].__setitem__(rel, {"mode": "0644"}), s.__setitem__("fingerprint", "")))
    before = tree(out)
    r = hardgen("regenerate", OUT, *([mode] if mode else []), cwd=tmp_path)
    one_line_refusal(r, "state.json", "files")
    no_leak(r)
    assert "\nINJECTED" not in r.stderr, "a path is printed escaped, on one line"
    assert tree(out) == before
    assert (tmp_path / "secret.txt").read_text() == SECRET


def test_generate_over_a_folder_with_a_hostile_state_refuses_too(project, hardgen, tmp_path):
    out = project()
    (tmp_path / "secret.txt").write_text(SECRET)
    edit_state(out, lambda s: s["files"].__setitem__("../secret.txt", {"mode": "0644"}))
    before = tree(out)
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "service.port=9444", "-o", OUT, cwd=tmp_path)
    one_line_refusal(r, "state.json", "'../secret.txt'")
    assert tree(out) == before and (tmp_path / "secret.txt").read_text() == SECRET


def test_a_state_path_that_looks_like_a_token_is_not_echoed(project, hardgen, tmp_path):
    out = project()
    token = "ghp_" + "Zq8fK2mX9vL4tR7wB1nC6yH3jD5sA0pE"
    edit_state(out, lambda s: s["files"].__setitem__(f"../{token}", {"mode": "0644"}))
    r = hardgen("regenerate", OUT, "--check", cwd=tmp_path)
    one_line_refusal(r, "state.json", "looks like a token")
    assert token not in r.stderr and token[4:20] not in r.stderr
    edit_state(out, lambda s: (s["files"].pop(f"../{token}"), s["files"].__setitem__("Dockerfile", {"mode": token})))
    r = hardgen("regenerate", OUT, "--check", cwd=tmp_path)
    one_line_refusal(r, "state.json", "files.Dockerfile.mode", "is not a mode hardgen writes")
    assert token[4:20] not in r.stderr


@pytest.mark.parametrize("mode", ["--check", "--dry-run", None])
def test_a_pair_of_symlinks_in_the_folder_and_in_base_is_never_read_through(project, hardgen, tmp_path, mode):
    """`deploy/leak -> /outside` and `.hardgen/base/leak -> /outside` with `leak/secret.txt` in state.json: both sides
    agree, so without the check `--check` would happily diff (and print) a file from outside the folder."""
    out = project()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    os.symlink(outside, out / "leak")
    os.symlink(outside, out / ".hardgen/base/leak")
    edit_state(out, lambda s: (s["files"].__setitem__("leak/secret.txt", {"mode": "0644"}), s.__setitem__("fingerprint", "")))
    r = hardgen("regenerate", OUT, *([mode] if mode else []), cwd=tmp_path)
    one_line_refusal(r, "state.json", "symbolic link")
    no_leak(r)
    assert (outside / "secret.txt").read_text() == SECRET


@pytest.mark.parametrize("mode", ["--check", None])
def test_a_symlinked_file_in_base_is_never_read(project, hardgen, tmp_path, mode):
    out = project()
    (tmp_path / "secret.txt").write_text(SECRET)
    base = out / ".hardgen/base/Dockerfile"
    base.unlink()
    os.symlink(tmp_path / "secret.txt", base)
    (out / "Dockerfile").write_text(SECRET)
    r = hardgen("regenerate", OUT, *([mode] if mode else []), cwd=tmp_path)
    one_line_refusal(r, "symbolic link")
    no_leak(r)


@pytest.mark.parametrize("link", [".hardgen", ".hardgen/base"])
def test_a_symlinked_hardgen_folder_is_refused(project, hardgen, tmp_path, link):
    out = project()
    real = tmp_path / "elsewhere"
    shutil.move(out / link, real)
    os.symlink(real, out / link)
    for mode in ("--check", "--dry-run", None):
        r = hardgen("regenerate", OUT, *([mode] if mode else []), cwd=tmp_path)
        one_line_refusal(r, "symbolic link")


# --- the shape of state.json ----------------------------------------------------------------------------------------


def _state(**change) -> bytes:
    state = {"hardgen_version": "0.1.0", "schema_version": 1, "fingerprint": "", "files": {"Dockerfile": {"mode": "0644"}}}
    state.update(change)
    return json.dumps(state).encode()


BAD_STATES = {
    "null": b"null",
    "list": b"[]",
    "string": b'"files"',
    "number": b"42",
    "empty": b"",
    "not json": b"{files: yes}",
    "not utf-8": b'{"files": "\xff"}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"files": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
    "NaN": _state(schema_version=float("nan")),
    "files as a list": _state(files=["Dockerfile"]),
    "files null": _state(files=None),
    "file entry a string": _state(files={"Dockerfile": "0644"}),
    "mode missing": _state(files={"Dockerfile": {}}),
    "mode extra key": _state(files={"Dockerfile": {"mode": "0644", "owner": "root"}}),
    "mode a number": _state(files={"Dockerfile": {"mode": 420}}),
    "mode not octal": _state(files={"Dockerfile": {"mode": "0o644"}}),
    "mode 999": _state(files={"Dockerfile": {"mode": "999"}}),
    "mode setuid": _state(files={"Dockerfile": {"mode": "4755"}}),
    "mode world-writable": _state(files={"Dockerfile": {"mode": "0666"}}),
    "mode no owner write": _state(files={"Dockerfile": {"mode": "0444"}}),
    "mode huge": _state(files={"Dockerfile": {"mode": "9" * 5000}}),
    "missing files": json.dumps({"hardgen_version": "0.1.0", "schema_version": 1, "fingerprint": ""}).encode(),
    "unknown key": _state(extra=1),
    "schema_version a string": _state(schema_version="1"),
    "schema_version a boolean": _state(schema_version=True),
    "schema_version huge": _state(schema_version=10**30),
    "fingerprint a number": _state(fingerprint=1),
    "fingerprint not a digest": _state(fingerprint="md5:abc"),
    "version a list": _state(hardgen_version=["0.1.0"]),
    "duplicate key": b'{"files": {}, "files": {}, "hardgen_version": "", "schema_version": 1, "fingerprint": ""}',
    "proposals a list": _state(proposals=["Dockerfile.hardgen-new"]),
    "proposal not a proposal": _state(proposals={"Dockerfile": "sha256:" + "0" * 64}),
    "proposal outside": _state(proposals={"../x.hardgen-new": "sha256:" + "0" * 64}),
    "conflicts a list": _state(conflicts=["Dockerfile"]),
    "conflict on a file not in the state": _state(conflicts={"../../etc/passwd": "sha256:" + "0" * 64}),
    "conflict digest not a digest": _state(conflicts={"Dockerfile": "yes"}),
    "too large": b'{"files": {}, "hardgen_version": "' + b"x" * (2 << 20) + b'"}',
}


@pytest.mark.parametrize("raw", BAD_STATES.values(), ids=BAD_STATES.keys())
def test_a_malformed_state_is_one_line_naming_state_json_never_a_traceback(project, hardgen, tmp_path, raw):
    out = project()
    (out / ".hardgen/state.json").write_bytes(raw)
    before = tree(out)
    for args in (("regenerate", OUT, "--check"), ("regenerate", OUT),
                 ("generate", "--preset", "docker", "--set", "name=demo", "--set", "service.port=9444", "-o", OUT)):
        r = hardgen(*args, cwd=tmp_path)
        one_line_refusal(r, ".hardgen/state.json")
        assert tree(out) == before


def test_a_state_json_that_is_a_folder_or_a_fifo_is_refused(project, hardgen, tmp_path):
    out = project()
    state = out / ".hardgen/state.json"
    state.unlink()
    os.mkfifo(state)
    one_line_refusal(hardgen("regenerate", OUT, "--check", cwd=tmp_path), "state.json", "not a regular file")
    state.unlink()
    state.mkdir()
    one_line_refusal(hardgen("regenerate", OUT, "--check", cwd=tmp_path), "state.json", "not a regular file")


def test_the_state_hardgen_writes_passes_its_own_checks(project, tmp_path):
    from generator.output.state import State

    out = project("targets=[docker, kubernetes, systemd]")
    raw = (out / ".hardgen/state.json").read_bytes()
    assert State.from_json(raw).to_json() == raw


# --- answers.yaml read back -----------------------------------------------------------------------------------------


BAD_ANSWERS = {
    "null": b"null\n",
    "list": b"[]\n",
    "string": b"just text\n",
    "deep": b"a: " + b"[" * 20_000 + b"]" * 20_000 + b"\n",
    "alias bomb": b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                  b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "python tag": b"name: !!python/object/apply:os.system ['echo pwned']\n",
    "not utf-8": b"name: \xff\n",
    "too large": b"name: demo\n" + b"# padding\n" * 200_000,
}


@pytest.mark.parametrize("raw", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_malformed_answers_read_back_are_one_clear_refusal(project, hardgen, tmp_path, raw):
    out = project()
    (out / ".hardgen/answers.yaml").write_bytes(raw)
    before = tree(out)
    for mode in ("--check", None):
        r = hardgen("regenerate", OUT, *([mode] if mode else []), cwd=tmp_path)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "Traceback" not in r.stderr and "answers.yaml" in r.stderr
        assert tree(out) == before


def test_a_symlinked_answers_file_is_refused(project, hardgen, tmp_path):
    out = project()
    answers = out / ".hardgen/answers.yaml"
    (tmp_path / "answers.yaml").write_bytes(answers.read_bytes())
    answers.unlink()
    os.symlink(tmp_path / "answers.yaml", answers)
    one_line_refusal(hardgen("regenerate", OUT, "--check", cwd=tmp_path), "answers.yaml", "symbolic link")


# --- the folder itself (cause 5) ------------------------------------------------------------------------------------


def test_generate_refuses_a_symlinked_output_reached_through_dotdot(hardgen, tmp_path):
    (tmp_path / "real/sub").mkdir(parents=True)
    os.symlink(tmp_path / "real", tmp_path / "link")
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "-o", "link/sub/..", cwd=tmp_path)
    one_line_refusal(r, "symbolic link")
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["sub"]


def test_batch_refuses_a_symlinked_output_reached_through_dotdot(hardgen, tmp_path):
    (tmp_path / "real/sub").mkdir(parents=True)
    os.symlink(tmp_path / "real", tmp_path / "link")
    (tmp_path / "in").mkdir()
    (tmp_path / "in/alpha.yaml").write_text("name: alpha\n")
    r = hardgen("generate", "--batch", "in", "--preset", "docker", "-o", "link/sub/..", cwd=tmp_path)
    one_line_refusal(r, "symbolic link")
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["sub"]


def test_a_dotdot_through_a_real_folder_still_works(hardgen, tmp_path):
    (tmp_path / "real/sub").mkdir(parents=True)
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "-o", "real/sub/../deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "real/deploy/Dockerfile").is_file()
    assert hardgen("regenerate", "real/sub/../deploy", "--check", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("spelling", ["link", "link/", "link/jvm/..", "./link/jvm/.."])
def test_regenerate_refuses_a_symlinked_folder_however_it_is_spelt(project, hardgen, tmp_path, spelling):
    out = project()
    os.symlink(out, tmp_path / "link")
    before = tree(out)
    for mode in ("--check", "--dry-run", None):
        r = hardgen("regenerate", spelling, "--set", "service.port=9444", *([mode] if mode else []), cwd=tmp_path)
        one_line_refusal(r, "symbolic link")
    assert tree(out) == before


@pytest.mark.parametrize("mode", ["--check", "--dry-run", None])
def test_a_symlinked_subfolder_is_refused_not_reported_as_deleted(project, hardgen, tmp_path, mode):
    out = project()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "java.options").write_text("-Dsecret=hunter2\n")
    shutil.rmtree(out / "jvm")
    os.symlink(elsewhere, out / "jvm")
    r = hardgen("regenerate", OUT, "--set", "jdk=17", *([mode] if mode else []), cwd=tmp_path)
    one_line_refusal(r, "symbolic link")
    assert "deleted by you" not in r.stderr
    no_leak(r)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["java.options"]


def test_a_symlinked_subfolder_for_a_file_new_in_this_render_is_refused(project, hardgen, tmp_path):
    """`kubernetes/` is new in this render, so it is in no state.json: the folder's own walk refuses it."""
    out = project()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "kubernetes")
    r = hardgen("regenerate", OUT, "--set", "targets=[docker, kubernetes]", "--set", "kubernetes.resources.memory=768Mi", cwd=tmp_path)
    one_line_refusal(r, "symbolic link")
    assert list(elsewhere.iterdir()) == []


# --- proposals (cause 4) --------------------------------------------------------------------------------------------


def test_a_proposal_file_the_user_wrote_is_never_removed(project, hardgen, tmp_path):
    out = project()
    mine = out / "Dockerfile.hardgen-new"
    mine.write_text("FROM my-own-experiment\n")
    done = hardgen("regenerate", OUT, "--set", "service.port=9444", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mine.read_text() == "FROM my-own-experiment\n"
    assert hardgen("regenerate", OUT, "--full", cwd=tmp_path).returncode == 0
    assert mine.read_text() == "FROM my-own-experiment\n"


def test_a_proposal_the_user_edited_is_kept_when_the_conflict_goes(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_bytes(config.read_bytes().replace(b"port = 9443", b"port = 8443"))
    assert hardgen("regenerate", OUT, "--set", "service.port=9444", cwd=tmp_path).returncode == 3
    proposal = out / "config/Config.toml.hardgen-new"
    proposal.write_bytes(proposal.read_bytes() + b"# my notes on the proposal\n")
    config.write_bytes(config.read_bytes().replace(b"port = 8443", b"port = 9444"))  # resolved by hand
    done = hardgen("regenerate", OUT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert proposal.read_bytes().endswith(b"# my notes on the proposal\n")


def test_a_proposal_hardgen_wrote_is_still_removed_when_its_conflict_goes(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_bytes(config.read_bytes().replace(b"port = 9443", b"port = 8443"))
    assert hardgen("regenerate", OUT, "--set", "service.port=9444", cwd=tmp_path).returncode == 3
    assert "proposals" in json.loads((out / ".hardgen/state.json").read_text())
    config.write_bytes(config.read_bytes().replace(b"port = 8443", b"port = 9444"))
    assert hardgen("regenerate", OUT, cwd=tmp_path).returncode == 0
    assert not (out / "config/Config.toml.hardgen-new").exists()
    assert "proposals" not in json.loads((out / ".hardgen/state.json").read_text())


def test_a_conflict_never_overwrites_a_file_the_user_keeps_at_the_proposals_name(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_bytes(config.read_bytes().replace(b"port = 9443", b"port = 8443"))
    mine = out / "config/Config.toml.hardgen-new"
    mine.write_text("# my own draft\n")
    before = tree(out)
    r = hardgen("regenerate", OUT, "--set", "service.port=9444", cwd=tmp_path)
    one_line_refusal(r, "Config.toml.hardgen-new", "hardgen did not write it")
    assert tree(out) == before
