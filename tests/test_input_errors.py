"""Bad input: one line per problem naming file, key path, value and what is allowed; exit 2; nothing written."""

from __future__ import annotations

import pytest

from tests.support.hardgen import generate, set_args, tree

CASES = {
    "port out of range": ("service:\n  port: 70000\n", [], "answers.yaml: service.port: 70000 is not a port (1-65535)"),
    "unknown key with suggestion": ("servce:\n  port: 9443\n", [], "answers.yaml: servce: unknown key 'servce'; did you mean 'service'?"),
    "duplicate key": ("jdk: 17\njdk: 21\n", [], "answers.yaml: line 2: found duplicate key"),
    "alias refused": ("x: &a [1, 2]\ny: *a\n", [], "answers.yaml: line 1: YAML anchors and aliases are not allowed"),
    "not a mapping": ("- a\n- b\n", [], "answers.yaml: must hold a mapping"),
    "broken yaml": ("a: [\n", [], "answers.yaml: line 2: expected the node content"),
    "jdk not offered": ("", ["jdk=19"], "--set: jdk: 19 is not allowed (one of: 17, 21, 25)"),
    "bad name": ("", ["name=Orders_Service"], "--set: name: 'Orders_Service' is not a DNS-1123 label"),
    "security manager withdrawn": ("", ["jdk=17", "jvm.security_manager=true"], "--set: jvm.security_manager: true is withdrawn: the Java Security Manager is deprecated (JEP 411)"),
    "jmx flag starts the agent": ("", ["jvm.extra_flags=[-Dcom.sun.management.jmxremote=false]"], "--set: jvm.extra_flags[0]: '-Dcom.sun.management.jmxremote=false' is not allowed: any com.sun.management.jmxremote* property (even =false) starts the JMX management agent"),
    "runtime table": ("", ["config.org=ballerina", "config.module=log"], "--set: config.module: ballerina.log is a runtime module whose table hardgen writes itself"),
    "secret is the port key": ("", ["secrets=[port]"], "--set: secrets: 'port' is config.port_key, which Config.toml sets; a key belongs to one file only"),
    "except outside cidr": ("", ["egress=[{name: db, cidr: 10.20.0.0/16, except: [10.30.0.0/24], port: 5432}]"], "--set: egress[0].except[0]: '10.30.0.0/24' is not a block inside '10.20.0.0/16'"),
    "except without cidr": ("", ["egress=[{name: db, labels: {app: db}, except: [10.30.0.0/24], port: 5432}]"], "--set: egress[0].except: is only for a peer given by cidr"),
    "non-heap below the floor": ("", ["kubernetes.resources.memory=512Mi"], "--set: kubernetes.resources.memory: 512Mi with jvm.max_ram_percentage 75 leaves 128Mi outside the heap; the JVM needs at least 192Mi there"),
    "mi seed admin": ("", ["runtime=mi", "mi.admin_user=admin"], "--set: mi.admin_user: 'admin' is a well-known account name"),
    "mi jdk": ("", ["runtime=mi", "mi.version=4.2.0"], "preset docker: jdk: 21 is not a JDK Micro Integrator 4.2.0 runs on; set jdk to 17"),
    "secret value pasted as a name": ("secrets: [dbPassword, 'xK9vQ2mW7rT4yB8nL3pZ6sD1']\n", [], "answers.yaml: secrets[1]: (value hidden) looks like a secret value"),
    "flag that escapes its line": ("", ["jvm.extra_flags=[\"-Dx=1\\n-Dy=2\"]"], "--set: jvm.extra_flags[0]:"),
    "latest tag": ("image:\n  tag: latest\n", [], "answers.yaml: image.tag: 'latest' is not allowed"),
    "secret-looking config value": ("config:\n  values:\n    dbPassword: hunter2\n", [], "answers.yaml: config.values.dbPassword: 'dbPassword' looks like a secret"),
    "egress without port": ("egress:\n  - {name: db, labels: {app: db}}\n", [], "answers.yaml: egress[0].port: is required for an egress peer"),
    "default namespace": ("kubernetes:\n  namespace: default\n", [], "answers.yaml: kubernetes.namespace: 'default' is not allowed"),
    "malformed --set": ("", ["service.port"], "--set: 'service.port' is not KEY=VALUE"),
    "trailing newline": ("", ["kubernetes.namespace=ns1\n"], "--set: kubernetes.namespace: ns1\\n holds the character U+000A, which no value may hold"),
    "escape in a key": ('"a\\e[31m": 1\n', [], "answers.yaml: a\\x1b[31m: unknown key 'a\\x1b[31m'"),
    "secrets file as the artifact": ("", ["artifact=deploy/config/secrets.toml"], "--set: artifact: 'deploy/config/secrets.toml' is or holds deploy/config/"),
    "install folder the service writes": ("", ["systemd.install_dir=/var/lib/demo"], "--set: systemd.install_dir: '/var/lib/demo' overlaps /var/lib, where the service user could write"),
    "secret-shaped value": ("config:\n  values:\n    url: 'https://admin:Xy7pQ2rs@db.example.com/orders'\n", [], "answers.yaml: config.values.url: (value hidden) looks like a secret value"),
    "secret in a JVM flag": ("", ["jvm.extra_flags=[-Djavax.net.ssl.keyStorePassword=changeit]"], "--set: jvm.extra_flags[0]: (value hidden) looks like a secret value"),
    "secret-named JVM property": ("", ["jvm.extra_flags=[-Ddb.pass=changeit]"], "--set: jvm.extra_flags[0]: (value hidden) sets -Ddb.pass, which looks like a secret"),
    "bad tag": ("service:\n  port: !!int abc\n", [], "answers.yaml: line 2: 'abc' is not a valid int"),
    "too deep": ("x: " + "[" * 20 + "]" * 20 + "\n", [], "answers.yaml: nests lists and mappings more than 16 levels deep"),
    "beyond 64 bits": ("config:\n  values:\n    big: 9223372036854775808\n", [], "answers.yaml: config.values.big: 9223372036854775808 is outside the 64-bit integer range"),
    "newer schema": ("schema_version: 99\n", [], "answers.yaml: schema_version: 99 was written by a newer hardgen"),
}


@pytest.mark.parametrize("answers, sets, expected", CASES.values(), ids=CASES.keys())
def test_bad_input_exits_2_with_one_clear_line_and_leaves_output_untouched(hardgen, tmp_path, answers, sets, expected):
    generate("deploy", "name=demo", preset="docker", cwd=tmp_path)
    before = tree(tmp_path / "deploy")
    (tmp_path / "answers.yaml").write_text(answers)
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--answers", "answers.yaml", *set_args(sets),
                "--output", "deploy", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert expected in r.stderr
    assert "Traceback" not in r.stderr
    assert "xK9vQ2mW7rT4yB8nL3pZ6sD1" not in r.stderr  # a pasted secret is never echoed
    assert all(line.count(": ") >= 1 for line in r.stderr.splitlines())
    assert tree(tmp_path / "deploy") == before


def test_missing_required_keys_are_listed_all_at_once_and_nothing_is_written(hardgen, tmp_path):
    r = hardgen("generate", "--preset", "docker", "--no-input", "--output", "deploy", cwd=tmp_path)
    assert r.returncode == 2
    assert "missing: name: is required" in r.stderr
    assert "--set name=VALUE" in r.stderr
    assert not (tmp_path / "deploy").exists()


def test_every_problem_is_reported_in_one_run(hardgen, tmp_path):
    (tmp_path / "a.yaml").write_text("name: demo\nservice: {port: 0}\nmetrics: {port: 99999}\njdk: 11\n")
    r = hardgen("generate", "--answers", "a.yaml", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 3


def test_oversized_input_is_refused(hardgen, tmp_path):
    (tmp_path / "big.yaml").write_text("name: demo\n" + "# padding\n" * 120_000)
    r = hardgen("generate", "--answers", "big.yaml", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "big.yaml: is larger than 1024 KiB" in r.stderr


def test_unknown_preset_names_the_available_ones(hardgen, tmp_path):
    r = hardgen("generate", "--preset", "nope", "--set", "name=demo", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "'nope' is not a preset (available: " in r.stderr and "docker" in r.stderr


def test_preset_extends_another_and_answers_then_set_win(tmp_path):
    (tmp_path / "team.yaml").write_text("extends: docker\ndescription: team defaults\njdk: 17\nservice: {port: 8443}\n")
    (tmp_path / "a.yaml").write_text("name: demo\nservice: {port: 9000}\n")
    generate("deploy", "service.port=9100", preset="team.yaml", answers=["a.yaml"], cwd=tmp_path)
    answers = (tmp_path / "deploy/.hardgen/answers.yaml").read_text()
    assert "jdk: 17" in answers and "port: 9100" in answers and "tls: true" in answers


def test_preset_cycle_is_refused(hardgen, tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    r = hardgen("generate", "--preset", "a.yaml", "--set", "name=demo", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "forms a cycle of presets" in r.stderr


def test_usage_errors_exit_2(hardgen, tmp_path):
    assert hardgen("generate", "--set", "name=demo", cwd=tmp_path).returncode == 2  # no --output
    assert hardgen("frobnicate", cwd=tmp_path).returncode == 2
