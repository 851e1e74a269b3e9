"""Conflicts a person can resolve: one short line per conflict, a proposal that keeps every other edit, git-style
markers on request, and a conflict that stops being reported once the user resolved it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from generator import __version__
from generator.regenerate.merge import three_way

OUT = "deploy"
PORT = ("--set", "service.port=9444")


def regenerate(hardgen, cwd: Path, *args: str):
    return hardgen("regenerate", OUT, *args, cwd=cwd)


def keep_yours(text: str) -> str:
    """What a person does with git-style markers when they keep their side: the markers and the other sides go."""
    return re.sub(r"<<<<<<< yours\n(.*?)\|\|\|\|\|\|\| base\n.*?>>>>>>> [^\n]*\n", r"\1", text, flags=re.S)


def test_a_conflict_is_one_line_with_both_short_values_and_the_proposal_path(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_text(config.read_text().replace("port = 9443", "port = 8443"))
    done = regenerate(hardgen, tmp_path, *PORT)
    assert done.returncode == 3
    lines = [line for line in done.stderr.splitlines() if line.startswith(f"{OUT}/config/Config.toml: ")]
    assert lines[0] == f"{OUT}/config/Config.toml: integrations.demo.port: yours 8443, new 9444"
    assert f"{OUT}/config/Config.toml.hardgen-new: take it with mv" in lines[1]


def test_check_and_dry_run_say_what_would_happen_to_a_conflicting_file_in_plain_words(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_text(config.read_text().replace("port = 9443", "port = 8443"))
    for flag in ("--check", "--dry-run"):
        done = regenerate(hardgen, tmp_path, *PORT, flag)
        assert done.returncode == 3
        assert f"{OUT}/config/Config.toml: your file would be kept as it is, and the proposal written to {OUT}/config/Config.toml.hardgen-new" in done.stderr
        assert "is would" not in done.stderr
    assert not (out / "config/Config.toml.hardgen-new").exists()


def test_a_clash_in_a_multi_line_value_shows_its_first_differing_line_and_the_proposal_keeps_the_users_other_lines():
    base = "kind: ConfigMap\nmetadata:\n  name: orders\ndata:\n  Config.toml: |\n    [a]\n    timeout = 30\n    level = \"INFO\"\n"
    ours = base.replace('level = "INFO"\n', 'level = "INFO"\n    retries = 3\n').replace("timeout = 30", "timeout = 45")
    theirs = base.replace("timeout = 30", "timeout = 60")
    merged = three_way("configmap.yaml", base.encode(), ours.encode(), theirs.encode())
    assert [str(c) for c in merged.conflicts] == ["ConfigMap/orders: data.Config.toml (line 2): yours 'timeout = 45', new 'timeout = 60'"]
    assert "retries = 3" in merged.content.decode() and "timeout = 60" in merged.content.decode()
    assert "Config.toml: |" in merged.content.decode(), "the block scalar stays a block scalar"


def test_lines_edited_on_both_sides_of_an_embedded_document_merge_without_a_conflict():
    base = "data:\n  run.sh: |\n    a\n    b\n    c\n    d\n"
    ours = base.replace("    a\n", "    a-mine\n")
    theirs = base.replace("    d\n", "    d-new\n")
    merged = three_way("configmap.yaml", base.encode(), ours.encode(), theirs.encode())
    assert not merged.conflicts
    assert "a-mine" in merged.content.decode() and "d-new" in merged.content.decode()


def test_a_conflicting_value_that_looks_like_a_secret_or_sits_under_a_secret_key_is_never_shown():
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    base, ours, theirs = "[db]\nhost = \"a\"\n", "[db]\nhost = \"mine\"\n", "[db]\nhost = \"new\"\n"
    shown = three_way("Config.toml", base.encode(), ours.replace("mine", token).encode(), theirs.encode())
    assert shown.conflicts and token not in str(shown.conflicts[0]) and "(value hidden)" in str(shown.conflicts[0])
    keyed = three_way("Config.toml", b"[db]\ndbPass = \"a\"\n", b"[db]\ndbPass = \"plain-mine\"\n", b"[db]\ndbPass = \"b\"\n")
    assert keyed.conflicts and "plain-mine" not in str(keyed.conflicts[0])
    lines = three_way("Dockerfile", b"FROM a\nENV X=1\n", f"FROM a\nENV X={token}\n".encode(), b"FROM a\nENV X=2\n")
    assert lines.conflicts and token not in str(lines.conflicts[0])
    nested = three_way("x.yaml", b"a: {b: 1}\n", f"a: {{b: 1, c: {token}}}\n".encode(), b"a: 2\n")
    assert nested.conflicts and token not in str(nested.conflicts[0])


def test_a_conflict_resolved_by_keeping_yours_stops_being_reported(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    mine = config.read_text().replace("port = 9443", "port = 8443")
    config.write_text(mine)
    assert regenerate(hardgen, tmp_path, *PORT).returncode == 3
    assert regenerate(hardgen, tmp_path).returncode == 3, "the proposal is still there: not resolved"
    (out / "config/Config.toml.hardgen-new").unlink()  # the user keeps their value
    assert regenerate(hardgen, tmp_path, "--check").returncode == 0
    done = regenerate(hardgen, tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{OUT}/config/Config.toml: conflict resolved: your file is kept" in done.stderr
    assert config.read_text() == mine
    check = regenerate(hardgen, tmp_path, "--check")
    assert check.returncode == 0 and check.stderr.strip().endswith("in sync")
    assert "conflicts" not in json.loads((out / ".hardgen/state.json").read_text())
    # From now on the kept value is a hand edit on top of the new render: a later upgrade elsewhere merges cleanly.
    later = regenerate(hardgen, tmp_path, "--set", "config.values.region=eu-west-1")
    assert later.returncode == 0, later.stderr
    assert "port = 8443" in config.read_text() and 'region = "eu-west-1"' in config.read_text()


def test_a_conflict_resolved_by_taking_the_proposal_is_in_sync(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_text(config.read_text().replace("port = 9443", "port = 8443\n# mine\nretries = 3"))
    assert regenerate(hardgen, tmp_path, *PORT).returncode == 3
    (out / "config/Config.toml.hardgen-new").replace(config)
    done = regenerate(hardgen, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "port = 9444" in config.read_text() and "# mine\nretries = 3" in config.read_text()
    assert regenerate(hardgen, tmp_path, "--check").stderr.strip().endswith("in sync")


def test_a_resolution_against_an_older_render_is_not_taken_when_the_render_changed_since(project, hardgen, tmp_path):
    """Deleting the proposal resolves the conflict it proposed; a render that changed since brings its own conflict."""
    out = project()
    config = out / "config/Config.toml"
    config.write_text(config.read_text().replace("port = 9443", "port = 8443"))
    assert regenerate(hardgen, tmp_path, *PORT).returncode == 3
    (out / "config/Config.toml.hardgen-new").unlink()
    again = regenerate(hardgen, tmp_path, "--set", "service.port=9445")
    assert again.returncode == 3 and "integrations.demo.port: yours 8443, new 9445" in again.stderr


def test_inline_writes_git_style_markers_into_a_line_format_file_and_exits_3(project, hardgen, tmp_path):
    out = project()
    dockerfile = out / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("EXPOSE 9443", "EXPOSE 7000"))
    done = regenerate(hardgen, tmp_path, *PORT, "--conflict=inline")
    assert done.returncode == 3
    text = dockerfile.read_text()
    assert f"<<<<<<< yours\nEXPOSE 7000\n||||||| base\nEXPOSE 9443\n=======\nEXPOSE 9444\n>>>>>>> hardgen {__version__}\n" in text
    assert not (out / "Dockerfile.hardgen-new").exists()
    assert f"{OUT}/Dockerfile: conflict markers written into your file" in done.stderr

    for args in ((), ("--check",), ("--conflict=inline",)):  # every later run reports them, never merges them as an edit
        later = regenerate(hardgen, tmp_path, *args)
        assert later.returncode == 3, args
        assert f"{OUT}/Dockerfile: unresolved conflict markers from line" in later.stderr
        assert dockerfile.read_text() == text

    forced = regenerate(hardgen, tmp_path, "--force")
    assert forced.returncode == 3 and dockerfile.read_text() == text, "--force does not take markers for an edit either"

    dockerfile.write_text(keep_yours(text))
    resolved = regenerate(hardgen, tmp_path)
    assert resolved.returncode == 0, resolved.stderr
    assert "EXPOSE 7000" in dockerfile.read_text() and "<<<<<<<" not in dockerfile.read_text()
    assert regenerate(hardgen, tmp_path, "--check").returncode == 0


def test_inline_falls_back_to_the_proposal_where_markers_would_break_the_format_and_says_so(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    mine = config.read_text().replace("port = 9443", "port = 8443")
    config.write_text(mine)
    done = regenerate(hardgen, tmp_path, *PORT, "--conflict=inline")
    assert done.returncode == 3
    assert f"{OUT}/config/Config.toml: --conflict=inline: markers would break this TOML file" in done.stderr
    assert config.read_text() == mine and (out / "config/Config.toml.hardgen-new").exists()


def test_a_conflict_recorded_for_a_file_the_state_does_not_list_is_refused(project, hardgen, tmp_path):
    out = project()
    state = json.loads((out / ".hardgen/state.json").read_text())
    state["conflicts"] = {"elsewhere": "sha256:" + "0" * 64}
    (out / ".hardgen/state.json").write_text(json.dumps(state))
    done = regenerate(hardgen, tmp_path, "--check")
    assert done.returncode == 2 and "conflicts" in done.stderr and "not one of the files of the state" in done.stderr
