"""`hardgen regenerate` end to end: each scenario starts from a fresh `hardgen generate` run through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.hardgen import tree

OUT = "deploy"


def regenerate(hardgen, cwd: Path, *args: str):
    return hardgen("regenerate", *args, cwd=cwd)


FIXTURES = Path(__file__).parent / "fixtures" / "hardgen-0.1.0"


#: 0.1.0 defaulted to 512Mi at 75 %, which leaves the JVM 128Mi outside the heap; 0.2.0 refuses that (192Mi at least).
ROOM_FOR_THE_JVM = ("--set", "kubernetes.resources.memory=768Mi")


def from_release_0_1_0(case: str, tmp_path: Path) -> Path:
    """An output folder exactly as hardgen 0.1.0 wrote it (tests/fixtures/hardgen-0.1.0), as the folder to upgrade."""
    out = tmp_path / OUT
    shutil.copytree(FIXTURES / case, out, symlinks=True)
    return out


@pytest.mark.jvm  # a real JDK 25 reads the merged options file
def test_an_upgrade_from_0_1_0_refuses_the_withdrawn_security_manager_until_asked_then_drops_it_and_keeps_the_users_flag(hardgen, tmp_path):
    out = from_release_0_1_0("docker-sm-17", tmp_path)
    options = out / "jvm/java.options"
    assert b"-Djava.security.manager\n" in options.read_bytes() and (out / "jvm/security.policy").is_file()
    options.write_bytes(options.read_bytes() + b"-Dfoo=bar\n")
    before = tree(out)

    refused = regenerate(hardgen, tmp_path, OUT, "--set", "jdk=25", *ROOM_FOR_THE_JVM)
    assert refused.returncode == 2
    assert "jvm.security_manager: true is withdrawn" in refused.stderr and "--set jvm.security_manager=false" in refused.stderr
    assert tree(out) == before, "a refused regeneration writes nothing"

    done = regenerate(hardgen, tmp_path, OUT, "--set", "jdk=25", "--set", "jvm.security_manager=false", *ROOM_FOR_THE_JVM)
    assert done.returncode == 0, done.stderr
    text = options.read_text()
    assert "-Dfoo=bar\n" in text
    flags = [line for line in text.splitlines() if not line.startswith("#")]
    assert not [f for f in flags if f.startswith(("-Djava.security", "-Dcom.sun.management.jmxremote", "-Djava.rmi"))]
    assert "on JDK 25" in text.splitlines()[0]
    assert not (out / "jvm/security.policy").exists() and not (out / ".hardgen/base/jvm/security.policy").exists()
    assert "FROM eclipse-temurin:25-jre-noble" in (out / "Dockerfile").read_text()
    assert "security.policy" not in (out / "Dockerfile").read_text()
    assert "JEP 411/486" in done.stderr and "jvm/security.policy: removed" in done.stderr
    assert "jvm/java.options: merged with your edits" in done.stderr
    assert "jdk: 25" in (out / ".hardgen/answers.yaml").read_text()
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 0
    assert_jdk25_starts_with(options, tmp_path)


def assert_jdk25_starts_with(options: Path, tmp_path: Path) -> None:
    """A real JDK 25 reads the merged argfile (image log directory mapped to a temp dir) and gets the user's flag."""
    from generator.targets.shared.layout import CONTAINER
    from tests.support.toolbox import require_java

    logs = tmp_path / "logs"
    logs.mkdir()
    argfile = tmp_path / "java.options"
    argfile.write_text(options.read_text().replace(f"file={CONTAINER.log_dir}/", f"file={logs}/"))
    run = subprocess.run([require_java(25), f"@{argfile}", "-XshowSettings:properties", "-version"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "foo = bar" in run.stderr and "java.security.manager" not in run.stderr


def test_config_toml_keeps_the_users_value_and_commented_key_when_the_upgrade_adds_one(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    edited = config.read_text().replace('level = "INFO"', 'level = "DEBUG"  # until INC-42 is closed')
    edited = edited.replace("port = 9443\n", "port = 9443\n# seconds before a backend call gives up\ntimeout = 30\n")
    config.write_text(edited)
    done = regenerate(hardgen, tmp_path, OUT, "--set", "config.values.region=eu-west-1")
    assert done.returncode == 0, done.stderr
    text = config.read_text()
    for kept in ('level = "DEBUG"  # until INC-42 is closed', "# seconds before a backend call gives up",
                 "timeout = 30", 'region = "eu-west-1"', "# JSON logs"):
        assert kept in text
    assert "config/Config.toml: merged with your edits" in done.stderr


def pretend_older_hardgen(out: Path, rel: str, old: bytes) -> None:
    """Make `rel` look as an older hardgen rendered it: base and file hold `old`, and the fingerprint is not ours."""
    (out / rel).write_bytes(old)
    (out / ".hardgen/base" / rel).write_bytes(old)
    state = json.loads((out / ".hardgen/state.json").read_text())
    state["fingerprint"] = "sha256:" + "0" * 64
    (out / ".hardgen/state.json").write_text(json.dumps(state))


def test_a_key_a_newer_hardgen_adds_to_config_toml_joins_the_users_edits(project, hardgen, tmp_path):
    out = project()
    current = (out / "config/Config.toml").read_bytes()
    old = current.replace(b'level = "INFO"\n', b"")  # the older release did not set the log level
    pretend_older_hardgen(out, "config/Config.toml", old)
    (out / "config/Config.toml").write_bytes(old.replace(b"port = 9443\n", b"port = 9443\n# mine\nretries = 3\n"))
    check = regenerate(hardgen, tmp_path, OUT, "--check")
    assert check.returncode == 1 and '+level = "INFO"' in check.stdout
    done = regenerate(hardgen, tmp_path, OUT)
    assert done.returncode == 0, done.stderr
    text = (out / "config/Config.toml").read_text()
    assert 'level = "INFO"' in text and "# mine\nretries = 3" in text
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 0


def test_both_sides_changing_the_same_key_exits_3_and_leaves_the_users_file_untouched(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    mine = config.read_bytes().replace(b"port = 9443", b"port = 8443")
    config.write_bytes(mine)
    done = regenerate(hardgen, tmp_path, OUT, "--set", "service.port=9444")
    assert done.returncode == 3
    assert config.read_bytes() == mine
    proposal = out / "config/Config.toml.hardgen-new"
    assert b"port = 9444" in proposal.read_bytes()
    assert "deploy/config/Config.toml: integrations.demo.port: yours 8443, new 9444\n" in done.stderr
    assert "EXPOSE 9444" in (out / "Dockerfile").read_text(), "files without conflicts are still regenerated"

    again = regenerate(hardgen, tmp_path, OUT)
    assert again.returncode == 3 and "integrations.demo.port" in again.stderr, "the old base is kept, so the conflict is not lost"
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 3

    os.replace(proposal, config)  # the user takes the proposal
    resolved = regenerate(hardgen, tmp_path, OUT)
    assert resolved.returncode == 0, resolved.stderr
    assert regenerate(hardgen, tmp_path, OUT, "--check").stderr.strip().endswith("in sync")


def test_force_takes_the_proposal_and_keeps_the_users_other_edits(project, hardgen, tmp_path):
    out = project()
    config = out / "config/Config.toml"
    config.write_text(config.read_text().replace("port = 9443", "port = 8443\ntimeout = 30"))
    assert regenerate(hardgen, tmp_path, OUT, "--set", "service.port=9444").returncode == 3
    forced = regenerate(hardgen, tmp_path, OUT, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "--force took the new render at integrations.demo.port: yours 8443, new 9444" in forced.stderr
    text = config.read_text()
    assert "port = 9444" in text and "timeout = 30" in text
    assert not (out / "config/Config.toml.hardgen-new").exists()
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 0


def test_a_file_the_user_deleted_is_not_resurrected_without_force(project, hardgen, tmp_path):
    out = project()
    (out / "Dockerfile.dockerignore").unlink()
    done = regenerate(hardgen, tmp_path, OUT, "--set", "image.tag=0.2.0")
    assert done.returncode == 0, done.stderr
    assert not (out / "Dockerfile.dockerignore").exists()
    assert "Dockerfile.dockerignore: deleted by you, not recreated" in done.stderr
    assert "demo:0.2.0" in (out / "Dockerfile").read_text()
    assert regenerate(hardgen, tmp_path, OUT).returncode == 0 and not (out / "Dockerfile.dockerignore").exists()
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 0, "a deletion is the user's choice, not drift"
    forced = regenerate(hardgen, tmp_path, OUT, "--force")
    assert forced.returncode == 0 and (out / "Dockerfile.dockerignore").is_file()


def test_check_is_0_on_a_clean_tree_and_1_with_a_diff_after_an_input_changes(project, hardgen, tmp_path):
    out = project()
    clean = regenerate(hardgen, tmp_path, OUT, "--check")
    assert clean.returncode == 0 and clean.stderr.strip() == f"{OUT}: in sync"
    assert regenerate(hardgen, tmp_path, OUT, "--check", "--full").returncode == 0

    before = tree(out)
    by_flag = regenerate(hardgen, tmp_path, OUT, "--check", "--set", "service.port=9444")
    assert by_flag.returncode == 1
    assert f"--- a/{OUT}/Dockerfile" in by_flag.stdout and "-EXPOSE 9443" in by_flag.stdout and "+EXPOSE 9444" in by_flag.stdout
    assert tree(out) == before, "--check writes nothing"

    answers = out / ".hardgen/answers.yaml"
    answers.write_text(answers.read_text().replace("tag: 0.1.0", "tag: 0.3.0"))
    by_file = regenerate(hardgen, tmp_path, OUT, "--check")
    assert by_file.returncode == 1 and "+      org.opencontainers.image.version=\"0.3.0\"" in by_file.stdout

    (out / "Dockerfile").write_text((out / "Dockerfile").read_text() + "# my note\n")
    answers.write_text(answers.read_text().replace("tag: 0.3.0", "tag: 0.1.0"))
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 0, "hand edits alone are not drift"


def test_check_detects_a_newer_hardgen_even_when_the_answers_did_not_change(project, hardgen, tmp_path):
    out = project()
    old = (out / "Dockerfile").read_bytes().replace(b"USER 10001:10001\n", b"")
    pretend_older_hardgen(out, "Dockerfile", old)
    check = regenerate(hardgen, tmp_path, OUT, "--check")
    assert check.returncode == 1 and "+USER 10001:10001" in check.stdout


def test_dry_run_lists_each_change_and_writes_nothing(project, hardgen, tmp_path):
    out = project()
    (out / "jvm/java.options").write_text((out / "jvm/java.options").read_text() + "-Dfoo=bar\n")
    before = tree(out)
    done = regenerate(hardgen, tmp_path, OUT, "--dry-run", "--set", "jdk=25")
    assert done.returncode == 0, done.stderr
    assert f"{OUT}/Dockerfile: would be updated" in done.stderr
    assert f"{OUT}/jvm/java.options: would be merged with your edits" in done.stderr
    assert tree(out) == before


def test_an_old_answers_layout_is_migrated_forward_with_a_note(project, hardgen, tmp_path):
    out = project("jdk=17", "service.port=9000")
    answers = out / ".hardgen/answers.yaml"
    v0 = ("# hardgen 0.0.x answers\nname: demo\njava: 17\nport: 9000\ntls: true\nsecurity_manager: false\n"
          "jvm_flags: []\ndocker:\n  deploy_dir: deploy\ntargets: [docker]\n"
          "service:\n  keystore_path_key: keystorePath\n")  # else the keystore wiring stays off (test_upgrade_replay.py)
    answers.write_text(v0)
    check = regenerate(hardgen, tmp_path, OUT, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "answers migrated from schema 0 to 1: moved java to jdk; moved port to service.port" in check.stderr
    assert answers.read_text() == v0, "--check writes nothing"
    done = regenerate(hardgen, tmp_path, OUT)
    assert done.returncode == 0 and "schema_version: 2" in answers.read_text() and "jdk: 17" in answers.read_text()


def test_answers_from_a_newer_hardgen_are_refused(project, hardgen, tmp_path):
    out = project()
    answers = out / ".hardgen/answers.yaml"
    answers.write_text(answers.read_text().replace("schema_version: 2", "schema_version: 99"))
    done = regenerate(hardgen, tmp_path, OUT, "--full")
    assert done.returncode == 2 and "answers.yaml: schema_version: 99 was written by a newer hardgen" in done.stderr


def test_an_edited_file_that_is_no_longer_generated_is_kept_and_reported(hardgen, tmp_path):
    out = from_release_0_1_0("docker-sm-17", tmp_path)
    policy = out / "jvm/security.policy"
    policy.write_text(policy.read_text() + "// granted for the audit logger\n")
    done = regenerate(hardgen, tmp_path, OUT, "--set", "jvm.security_manager=false", *ROOM_FOR_THE_JVM)
    assert done.returncode == 0, done.stderr
    assert policy.is_file() and "audit logger" in policy.read_text()
    assert "jvm/security.policy: no longer generated, but edited by you: kept" in done.stderr
    assert "jvm/security.policy" not in (out / ".hardgen/state.json").read_text()


def test_many_folders_get_one_summary_line_each_and_the_worst_exit_code(project, hardgen_process, tmp_path):
    """End to end, in a process of its own: --jobs starts worker processes, which a test process should not fork."""
    project(out="a")
    b = project(out="b")
    project(out="c")
    (b / "Dockerfile").write_text((b / "Dockerfile").read_text().replace("EXPOSE 9443", "EXPOSE 7000"))
    done = regenerate(hardgen_process, tmp_path, "a", "b", "c", "--jobs", "2", "--set", "service.port=9444")
    assert done.returncode == 3
    summaries = [line for line in done.stderr.splitlines() if line.startswith(("a:", "b:", "c:")) and ": note: " not in line]
    assert summaries == ["a: 2 updated", "b: 1 updated, 1 conflict", "c: 2 updated"]
    assert "b/Dockerfile: line 35: yours 'EXPOSE 7000', new 'EXPOSE 9444'" in done.stderr and "EXPOSE 7000" in done.stderr


def test_a_folder_not_written_by_hardgen_is_a_user_error(hardgen, tmp_path):
    (tmp_path / "plain").mkdir()
    done = regenerate(hardgen, tmp_path, "plain")
    assert done.returncode == 2 and "plain: has no readable .hardgen/state.json" in done.stderr


def test_a_symlinked_artefact_is_never_written_through(project, hardgen, tmp_path):
    out = project()
    target = tmp_path / "elsewhere"
    target.write_text("not yours\n")
    (out / "Dockerfile").unlink()
    (out / "Dockerfile").symlink_to(target)
    done = regenerate(hardgen, tmp_path, OUT, "--set", "service.port=9444")
    assert done.returncode == 2 and "symbolic link" in done.stderr
    assert target.read_text() == "not yours\n"


def test_a_loosened_mode_on_the_secrets_template_is_drift_and_is_restored(project, hardgen, tmp_path):
    out = project()
    template = out / "config/secrets.template.toml"
    template.chmod(0o666)
    check = regenerate(hardgen, tmp_path, OUT, "--check")
    assert check.returncode == 1 and "mode of deploy/config/secrets.template.toml would be restored" in check.stdout
    assert regenerate(hardgen, tmp_path, OUT).returncode == 0
    assert stat.S_IMODE(template.stat().st_mode) == 0o644


def test_a_vm_output_of_0_1_0_with_the_security_manager_loses_its_policy_and_flags_on_upgrade(hardgen, tmp_path):
    out = from_release_0_1_0("vm-systemd-sm-17", tmp_path)
    assert (out / "systemd/security.policy").is_file()
    done = regenerate(hardgen, tmp_path, OUT, "--set", "jvm.security_manager=false")
    assert done.returncode == 0, done.stderr
    assert not (out / "systemd/security.policy").exists()
    # 0.2.0's VM copies are no longer generated: install.sh installs the output's own jvm/ and config/ files.
    assert not (out / "systemd/java.options").exists() and not (out / "systemd/Config.toml").exists()
    options = (out / "jvm/java.options").read_text()
    assert "-Djava.security" not in options and "-XX:MaxRAM=1073741824\n" in options
    assert "Security Manager off" in done.stderr and "systemd/security.policy: removed" in done.stderr
    assert regenerate(hardgen, tmp_path, OUT, "--check").returncode == 0
