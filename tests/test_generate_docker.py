"""The docker preset from the command line: the files, their modes, and byte-identical re-runs."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

EXPECTED = {
    ".gitignore", "Dockerfile", "Dockerfile.dockerignore", "config/Config.toml",
    "config/secrets.template.toml", "jvm/java.options",
}


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_docker_preset_writes_the_documented_files(hardgen, tmp_path):
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--output", "deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = tree(tmp_path / "deploy")
    assert EXPECTED <= set(files)
    assert {".hardgen/state.json", ".hardgen/answers.yaml"} <= set(files)
    assert all(f".hardgen/base/{p}" in files for p in EXPECTED)
    assert r.stderr == ""  # output is deploy/, as docker.deploy_dir expects: no warning


def test_rerun_gives_identical_bytes_and_reports_nothing_written(hardgen, tmp_path):
    args = ("generate", "--preset", "docker", "--set", "name=demo", "--output", "deploy")
    assert hardgen(*args, cwd=tmp_path).returncode == 0
    first = tree(tmp_path / "deploy")
    again = hardgen(*args, cwd=tmp_path)
    assert again.returncode == 0
    assert "0 written" in again.stdout
    assert tree(tmp_path / "deploy") == first


def test_same_answers_in_another_folder_give_the_same_bytes(hardgen, tmp_path):
    for out in ("a/deploy", "b/deploy"):
        assert hardgen("generate", "--preset", "docker", "--set", "name=demo", "--output", out, cwd=tmp_path).returncode == 0
    assert tree(tmp_path / "a/deploy") == tree(tmp_path / "b/deploy")


def test_modes_are_0644_for_files_and_0600_for_the_secrets_template(hardgen, tmp_path):
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "secrets=[dbPassword]", "-o", "deploy", cwd=tmp_path)
    files = tree(tmp_path / "deploy")
    assert files["config/secrets.template.toml"][1] == 0o600
    assert files["Dockerfile"][1] == 0o644
    assert files["config/Config.toml"][1] == 0o644


def test_replaying_the_recorded_answers_reproduces_the_folder(hardgen, tmp_path):
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "jdk=17", "-o", "deploy", cwd=tmp_path)
    r = hardgen("generate", "--answers", "deploy/.hardgen/answers.yaml", "-o", "replay/deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert tree(tmp_path / "replay/deploy") == tree(tmp_path / "deploy")


def test_secrets_get_placeholders_that_are_tables_never_values(hardgen, tmp_path):
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "secrets=[dbPassword, apiToken]", "-o", "deploy", cwd=tmp_path)
    template = tomllib.loads((tmp_path / "deploy/config/secrets.template.toml").read_text())
    module = template["integrations"]["demo"]
    assert set(module) == {"dbPassword", "apiToken", "keystorePassword"}  # service.tls: the keystore's password too
    assert all(isinstance(v, dict) and "hardgen_unfilled" in v for v in module.values())
    config = (tmp_path / "deploy/config/Config.toml").read_text()
    assert "dbPassword" not in config and "apiToken" not in config
    assert "!deploy/config/secrets" not in (tmp_path / "deploy/Dockerfile.dockerignore").read_text()
    assert "/config/secrets.toml" in (tmp_path / "deploy/.gitignore").read_text()


def test_config_toml_holds_json_logs_port_and_loopback_metrics(hardgen, tmp_path):
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "metrics.enabled=true",
            "--set", "config.values={greeting: hi}", "-o", "deploy", cwd=tmp_path)
    config = tomllib.loads((tmp_path / "deploy/config/Config.toml").read_text())
    assert config["ballerina"]["log"]["format"] == "json"
    assert config["ballerinax"]["prometheus"] == {"host": "127.0.0.1", "port": 9797}
    keystore = "/run/hardgen/credentials/keystore.p12"  # service.tls: the image's path of the PKCS12 keystore
    assert config["integrations"]["demo"] == {"greeting": "hi", "port": 9443, "keystorePath": keystore}


def test_dockerfile_runs_as_numeric_non_root_user_with_root_owned_code(hardgen, tmp_path):
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "-o", "deploy", cwd=tmp_path)
    lines = (tmp_path / "deploy/Dockerfile").read_text().splitlines()
    assert "USER 10001:10001" in lines
    assert all(l.startswith("COPY --chown=0:0 ") for l in lines if l.startswith("COPY"))
    assert 'ENTRYPOINT ["java", "@/app/jvm/java.options", "-jar", "/app/app.jar"]' in lines
    assert "EXPOSE 9443" in lines
    assert any(l.startswith("HEALTHCHECK ") and "/dev/tcp/127.0.0.1/9443" in l for l in lines)


def test_security_manager_writes_flag_and_policy_only_on_request(hardgen, tmp_path):
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "jdk=17", "--set", "jvm.security_manager=true", "-o", "sm", cwd=tmp_path)
    hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "jdk=17", "-o", "nosm", cwd=tmp_path)
    assert "-Djava.security.manager" in (tmp_path / "sm/jvm/java.options").read_text()
    assert (tmp_path / "sm/jvm/security.policy").is_file()
    assert "security.manager" not in (tmp_path / "nosm/jvm/java.options").read_text()
    assert not (tmp_path / "nosm/jvm/security.policy").exists()


def test_output_elsewhere_than_deploy_dir_warns_how_to_build(hardgen, tmp_path):
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0
    assert "docker.deploy_dir" in r.stderr


def test_python_dash_m_and_version_work(hardgen):
    r = hardgen("--version")
    assert r.returncode == 0 and r.stdout.startswith("hardgen ")
