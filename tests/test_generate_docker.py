"""The docker preset from the command line: the files, their modes, and byte-identical re-runs."""

from __future__ import annotations

import tomllib

from tests.support.hardgen import generate, tree

EXPECTED = {
    ".gitignore", "Dockerfile", "Dockerfile.dockerignore", "config/Config.toml",
    "config/secrets.template.toml", "jvm/java.options",
}


def test_docker_preset_writes_the_documented_files(hardgen_process, tmp_path):
    """End to end, in a process of its own, as a user runs it."""
    r = hardgen_process("generate", "--preset", "docker", "--set", "name=demo", "--output", "deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = tree(tmp_path / "deploy")
    assert set(files) >= EXPECTED
    assert {".hardgen/state.json", ".hardgen/answers.yaml"} <= set(files)
    assert all(f".hardgen/base/{p}" in files for p in EXPECTED)
    assert r.stdout == "" and "warning" not in r.stderr  # output is deploy/, as docker.deploy_dir expects: no warning
    assert r.stderr.splitlines()[-1] == "next: docker build -f deploy/Dockerfile ."  # the next step, runnable from here


def test_rerun_gives_identical_bytes_and_reports_nothing_written(tmp_path):
    generate("deploy", "name=demo", preset="docker", cwd=tmp_path)
    first = tree(tmp_path / "deploy")
    again = generate("deploy", "name=demo", preset="docker", cwd=tmp_path)
    assert "0 written" in again.stderr
    assert tree(tmp_path / "deploy") == first


def test_same_answers_in_another_folder_give_the_same_bytes(tmp_path):
    for out in ("a/deploy", "b/deploy"):
        generate(out, "name=demo", preset="docker", cwd=tmp_path)
    assert tree(tmp_path / "a/deploy") == tree(tmp_path / "b/deploy")


def test_modes_are_0644_for_files_even_the_secrets_template_which_holds_no_secret(tmp_path):
    """git stores only 0644 and 0755: a 0600 template came back 0644 from every clone and read as drift."""
    generate("deploy", "name=demo", "secrets=[dbPassword]", preset="docker", cwd=tmp_path)
    files = tree(tmp_path / "deploy")
    assert files["config/secrets.template.toml"][1] == 0o644
    assert files["Dockerfile"][1] == 0o644
    assert files["config/Config.toml"][1] == 0o644


def test_replaying_the_recorded_answers_reproduces_the_folder(tmp_path):
    generate("deploy", "name=demo", "jdk=17", preset="docker", cwd=tmp_path)
    generate("replay/deploy", answers=["deploy/.hardgen/answers.yaml"], cwd=tmp_path)
    assert tree(tmp_path / "replay/deploy") == tree(tmp_path / "deploy")


def test_secrets_get_placeholders_that_are_tables_never_values(tmp_path):
    generate("deploy", "name=demo", "secrets=[dbPassword, apiToken]", preset="docker", cwd=tmp_path)
    template = tomllib.loads((tmp_path / "deploy/config/secrets.template.toml").read_text())
    module = template["integrations"]["demo"]
    assert set(module) == {"dbPassword", "apiToken", "keystorePassword"}  # service.tls: the keystore's password too
    assert all(isinstance(v, dict) and "hardgen_unfilled" in v for v in module.values())
    config = (tmp_path / "deploy/config/Config.toml").read_text()
    assert "dbPassword" not in config and "apiToken" not in config
    assert "!deploy/config/secrets" not in (tmp_path / "deploy/Dockerfile.dockerignore").read_text()
    assert "/config/secrets.toml" in (tmp_path / "deploy/.gitignore").read_text()


def test_config_toml_holds_json_logs_port_and_loopback_metrics(tmp_path):
    generate("deploy", "name=demo", "metrics.enabled=true", "config.values={greeting: hi}", preset="docker", cwd=tmp_path)
    config = tomllib.loads((tmp_path / "deploy/config/Config.toml").read_text())
    assert config["ballerina"]["log"]["format"] == "json"
    assert config["ballerinax"]["prometheus"] == {"host": "127.0.0.1", "port": 9797}
    keystore = "/run/hardgen/credentials/keystore.p12"  # service.tls: the image's path of the PKCS12 keystore
    assert config["integrations"]["demo"] == {"greeting": "hi", "port": 9443, "keystorePath": keystore}


def test_dockerfile_runs_as_numeric_non_root_user_with_root_owned_code(tmp_path):
    generate("deploy", "name=demo", preset="docker", cwd=tmp_path)
    lines = (tmp_path / "deploy/Dockerfile").read_text().splitlines()
    assert "USER 10001:10001" in lines
    copies = [line for line in lines if line.startswith(("COPY", "ADD"))]
    # Root's and 0444 whatever the build machine's umask: readable by uid 10001, writable by nobody.
    assert copies and all(line.startswith("COPY --chown=0:0 --chmod=0444 ") for line in copies)
    assert not [line for line in lines if line.startswith("RUN") and "chown" in line and "/app/logs" not in line]
    assert 'ENTRYPOINT ["java", "@/app/jvm/java.options", "-jar", "/app/app.jar"]' in lines
    assert "EXPOSE 9443" in lines
    (healthcheck,) = [line for line in lines if line.startswith("HEALTHCHECK ")]
    # The health path over the listener's own protocol, with the curl eclipse-temurin's jre-noble images ship.
    assert healthcheck.endswith('CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null", '
                                '"--insecure", "https://127.0.0.1:9443/health"]')


def test_the_documented_docker_run_line_gives_tmp_exec_the_memory_limit_and_the_secrets_file_group_access(tmp_path):
    """Docker's --tmpfs is noexec by default, which breaks the TLS listener's native library; see test_runtime_truth.py."""
    generate("deploy", "name=demo", "secrets=[dbPassword]", preset="docker", cwd=tmp_path)
    header = (tmp_path / "deploy/Dockerfile").read_text().split("FROM ", 1)[0]
    assert "--tmpfs /tmp:rw,exec,nosuid,nodev,size=160m" in header
    assert "--memory 768m --memory-swap 768m" in header
    assert "sudo chgrp 10001 deploy/config/secrets.toml deploy/config/keystore.p12" in header
    assert "sudo chmod 0440 deploy/config/secrets.toml deploy/config/keystore.p12" in header


def test_the_withdrawn_security_manager_is_refused_with_the_way_out_and_nothing_is_written(hardgen, tmp_path):
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", "jdk=17", "--set", "jvm.security_manager=true",
                "-o", "sm", cwd=tmp_path)
    assert r.returncode == 2 and "jvm.security_manager: true is withdrawn" in r.stderr and "JEP 486" in r.stderr
    assert "Set jvm.security_manager=false" in r.stderr
    assert not (tmp_path / "sm").exists()
    generate("nosm", "name=demo", "jdk=17", preset="docker", cwd=tmp_path)
    assert "security" not in (tmp_path / "nosm/jvm/java.options").read_text().replace("jdk.tls", "")


def test_output_elsewhere_than_deploy_dir_warns_how_to_build(tmp_path):
    r = generate("out", "name=demo", preset="docker", cwd=tmp_path)
    assert "docker.deploy_dir" in r.stderr


def test_metrics_no_one_can_scrape_and_a_base_without_curl_are_said(tmp_path):
    r = generate("a", "name=demo", "metrics.enabled=true", preset="docker", cwd=tmp_path)
    assert "metrics listener stays on 127.0.0.1 inside the container" in r.stderr
    r = generate("b", "name=demo", "image.base=registry.example.com/base/java:21", preset="docker", cwd=tmp_path)
    assert "is not an eclipse-temurin image; the HEALTHCHECK runs curl" in r.stderr
    r = generate("c", "name=demo", preset="docker", cwd=tmp_path)
    assert "curl" not in r.stderr and "127.0.0.1" not in r.stderr
