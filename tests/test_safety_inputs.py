"""Safety under hostile input (issue #13, input side): each cause of a break, and the rule that closes it.

Every refusal is exit 2 with one printable line per problem, names the place, never
echoes a value that looks like a secret, and leaves nothing written. What is not
refused lands inert: every output still parses with its format's own parser and
carries the value only where it was meant to go. docs/safety.md lists the guarantees.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from generator.errors import Problem, show
from generator.inputs.load import SetText
from tests.support.hardgen import set_args
from tests.support.safety import (
    FULL,
    Leaf,
    dump,
    good_value,
    leaf_fields,
    one_line_each,
    parse_problems,
    refusal,
    render_data,
    strings_stay_strings,
    with_value,
)

REPO = Path(__file__).resolve().parent.parent


def refused(hardgen, tmp_path, *sets: str, answers: str | None = None, preset: str = "docker") -> str:
    """Run generate; assert exit 2, one printable line per problem, no traceback, nothing written; return stderr."""
    args = ["generate", "--preset", preset]
    if answers is not None:
        (tmp_path / "answers.yaml").write_text(answers, encoding="utf-8")
        args += ["--answers", "answers.yaml"]
    r = hardgen(*args, *set_args(sets), "--output", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.split("\n")
    assert lines[-1] == "" and one_line_each(lines[:-1]), repr(r.stderr)
    assert not (tmp_path / "out").exists()
    return r.stderr


# --- 1. full-match semantics: a trailing newline passes no validator ----------------------------


def test_no_validator_uses_prefix_match_semantics():
    """`re.match`/`.match(` with `$` accept 'x\\n'; generator/ validates with fullmatch only.

    A scanner that reads a token at a position (`pattern.match(text, pos)`, the Ballerina lexer) is not a
    validator: it needs prefix semantics, and it says where it reads from, so only one-argument calls count.
    """
    offenders = []
    for path in sorted((REPO / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "match":
                module_level = isinstance(node.func.value, ast.Name) and node.func.value.id == "re"  # re.match has no pos
                if module_level or len(node.args) < 2:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("sets", [
    ["name=demo\n"],
    ["name=demo", "targets=[systemd]", "systemd.memory_max=1Gi\n"],
    ["name=demo", "targets=[kubernetes]", "kubernetes.namespace=ns1\n", "secrets=[dbPassword]"],
    ["name=demo", "kubernetes.resources.memory=1Gi\n"],
    ["name=demo", "image.tag=1.0\n"],
], ids=["name", "memory_max", "namespace", "memory", "tag"])
def test_a_trailing_newline_is_refused_in_one_line(hardgen, tmp_path, sets):
    err = refused(hardgen, tmp_path, *sets)
    assert "\\n" in err  # the newline is shown escaped, never printed


HOSTILE_SUFFIXES = {"trailing newline": "\n", "embedded newline": "\ninjected=1", "CR": "\r", "NUL": "\x00",
                    "line separator": "\u2028", "tab": "\t", "escape": "\x1b[2J", "bidi override": "\u202e"}


def hostile_cases():
    """(leaf, where, hostile data) for every leaf field of the model: its value, and its keys when it is a mapping."""
    for leaf in leaf_fields():
        good = good_value(leaf)
        assert good is not None or leaf.path.endswith(("].cidr", "].port", "].except", "].namespace")), \
            f"{leaf.path}: give it a valid value in tests/support/safety.py FULL"
        for label, suffix in HOSTILE_SUFFIXES.items():
            if leaf.kind == "mapping":
                base = dict(good) or {"app": "x"}
                first = next(iter(base))
                yield leaf, f"{label} in a value", {**base, first: f"{base[first]}{suffix}"}
                yield leaf, f"{label} in a key", {f"{first}{suffix}": base[first]}
            elif leaf.kind == "list":
                items = list(good or ["10.20.128.0/17"])
                yield leaf, label, [f"{items[0]}{suffix}", *items[1:]]
            else:
                text = "x" if good is None else ("true" if good is True else "false" if good is False else str(good))
                yield leaf, label, f"{text}{suffix}"


CASES = list(hostile_cases())


def test_the_walk_covers_every_field_of_the_model():
    paths = {leaf.path for leaf in leaf_fields()}
    assert {"name", "config.values", "systemd.install_dir", "ingress[0].labels", "jvm.extra_flags", "targets"} <= paths
    assert len(CASES) == len(HOSTILE_SUFFIXES) * sum(2 if leaf.kind == "mapping" else 1 for leaf in leaf_fields())


@pytest.mark.parametrize("leaf, where, value", CASES, ids=[f"{c[0].path}-{c[1]}" for c in CASES])
def test_every_field_refuses_or_neutralises_control_characters(leaf: Leaf, where, value):
    data = with_value(leaf.path, value)
    exc = refusal(data)
    if exc is not None:
        lines = [str(p) for p in exc.problems]
        assert one_line_each(lines), lines
        assert any(p.path == leaf.path or p.path.startswith((leaf.path + ".", leaf.path + "[")) for p in exc.problems), lines
        return
    # Accepted: it must land inert. Only free text (config.values) may hold a newline or a tab.
    assert leaf.path == "config.values" and where in ("trailing newline in a value", "embedded newline in a value", "tab in a value"), where
    rendered = render_data(data)
    files = {path: content for path, (content, _mode) in rendered.desired.items()}
    assert parse_problems(files) == []
    config = tomllib.loads(files["config/Config.toml"].decode())
    assert config["integrations"]["demo"]["greeting"] == value["greeting"]
    baseline = {path: content for path, (content, _mode) in render_data(FULL).desired.items()}
    for path, content in files.items():
        if not path.endswith((".yaml", ".toml")):  # line formats: not one line more or less
            assert content.count(b"\n") == baseline[path].count(b"\n"), path


# --- 2. no secrets file or keystore enters the image ----------------------------------------------

ARTIFACTS_INTO_SECRETS = {
    "deploy": ["deploy/config/secrets.toml", "deploy/config/keystore.p12", "deploy", "deploy/config", "deploy/config/",
               "deploy/./config/secrets.toml", "Deploy/Config/Secrets.toml", "deploy/config/secrets.template.toml",
               "deploy/config/Config.toml", "deploy/config/x.jar"],
    ".": ["config/secrets.toml", "config/keystore.p12", "config", "config/other.jar", "Config/Keystore.P12"],
    "build/out": ["build", "build/out", "build/out/config/secrets.toml"],
}


@pytest.mark.parametrize("deploy_dir, artifact", [(d, a) for d, arts in ARTIFACTS_INTO_SECRETS.items() for a in arts])
def test_an_artifact_that_is_or_holds_a_secrets_file_is_refused(hardgen, tmp_path, deploy_dir, artifact):
    err = refused(hardgen, tmp_path, "name=demo", f"docker.deploy_dir={deploy_dir}", f"artifact={artifact}", "secrets=[dbPassword]")
    assert "artifact" in err


@pytest.mark.parametrize("artifact", ["target/bin/demo.jar", "deploy-tools/app.jar", "configs/app.jar", "deploy2/app.jar"])
def test_an_artifact_beside_the_deploy_folder_is_accepted(hardgen, tmp_path, artifact):
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", f"artifact={artifact}", "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"!{artifact}\n" in (tmp_path / "deploy/Dockerfile.dockerignore").read_text()


# --- 3. every string stays a string for YAML 1.1 readers (Kubernetes' yaml.v2) ---------------------

YAML11_WORDS = ["on", "off", "yes", "no", "y", "n", "true", "null"]


@pytest.mark.parametrize("word", YAML11_WORDS)
def test_yaml_1_1_booleans_are_quoted_in_every_manifest(tmp_path, word):
    data = with_value("name", word)
    data["kubernetes"]["namespace"] = "no" if word != "no" else "off"
    data["image"]["tag"] = word.upper() if word not in ("true", "null") else "On"
    data["ingress"] = [{"name": "yes", "namespace": "y", "labels": {word: "Off", "n": word}}]
    data["metrics"]["from"] = {"namespace": "on", "labels": {"Y": "NO"}}
    data["kubernetes"]["external_store"] = word
    data["config"]["module"] = "svc"
    data["systemd"]["user"] = "svc"
    rendered = render_data(data)
    yaml_files = {p: c for p, (c, _m) in rendered.desired.items() if p.endswith(".yaml")}
    assert yaml_files
    for path, content in yaml_files.items():
        assert strings_stay_strings(content.decode()) == [], path


@pytest.mark.parametrize("tag", ["1e3", "0x1F", "1_000", "0777", "2001-12-14", "0o17", "0b101", "1.5", "1e-3", "08", "1.", "Y"])
def test_number_and_date_look_alike_tags_stay_strings(tag):
    rendered = render_data(with_value("image.tag", tag))
    for path, (content, _mode) in rendered.desired.items():
        if path.endswith(".yaml"):
            assert strings_stay_strings(content.decode()) == [], path


@pytest.mark.parametrize("text", ["12:30", "1:20.5", "-_", "On", "~", "=", "<<", "2001-1-2", ".NaN", "+.inf", "0X1F", "1__0"])
def test_text_a_yaml_1_1_reader_would_type_stays_a_string_in_answers_yaml(text):
    rendered = render_data(with_value("config.values", {"x": text, text: 1} if text.isidentifier() else {"x": text}))
    answers = rendered.desired[".hardgen/answers.yaml"][0].decode()
    assert strings_stay_strings(answers) == []


def test_a_hand_edited_plain_yaml_1_1_boolean_survives_a_regenerate_merge():
    """Kubernetes reads a hand edit `enabled: yes` as true; merging must not rewrite it as the string 'yes'."""
    from generator.regenerate.merge.yaml import merge

    base = render_data(with_value("name", "on")).desired["kubernetes/service.yaml"][0].decode()
    ours = base.replace("spec:\n", "spec:\n  publishNotReadyAddresses: yes\n", 1)
    merged, conflicts = merge(base, ours, base)
    assert conflicts == [] and "  publishNotReadyAddresses: yes\n" in merged and "name: 'on'" in merged


# --- 4. the install folder is root's and nobody else's -----------------------------------------------

@pytest.mark.parametrize("install_dir", [
    "/var/lib/demo", "/var/log/demo", "/var/lib/demo/app", "/var/lib", "/var", "/etc/demo", "/etc/demo/app", "/etc",
    "/run/demo", "/tmp/demo", "/var/tmp/demo", "/proc/demo", "/sys/demo", "/dev/shm/demo", "/home/ops/demo", "/root/demo",
    "/opt", "/usr", "/var/cache/demo", "/var/spool/demo",
])
def test_an_install_folder_the_service_could_write_or_share_is_refused(hardgen, tmp_path, install_dir):
    err = refused(hardgen, tmp_path, "name=demo", "targets=[systemd]", f"systemd.install_dir={install_dir}", preset="vm-systemd")
    assert "systemd.install_dir" in err


@pytest.mark.parametrize("java", ["/var/lib/demo/jdk/bin/java", "/tmp/java", "/home/ops/jdk/bin/java"])
def test_a_java_binary_the_service_could_replace_is_refused(hardgen, tmp_path, java):
    err = refused(hardgen, tmp_path, "name=demo", "targets=[systemd]", f"systemd.java={java}", preset="vm-systemd")
    assert "systemd.java" in err


@pytest.mark.parametrize("install_dir", ["/opt/demo", "/srv/demo", "/usr/local/lib/demo", "/opt/acme/demo"])
def test_usual_install_folders_are_accepted(hardgen, tmp_path, install_dir):
    r = hardgen("generate", "--preset", "vm-systemd", "--set", "name=demo", "--set", f"systemd.install_dir={install_dir}", "-o", "o", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


# --- 5. secret names and values never get through, and are never echoed -------------------------------

SECRET_NAMES = ["private_key", "dbPasswd", "dbPass", "pwd", "passphrase", "accessKey", "credentials", "jwtSigningKey", "bearer",
                "DB_PASSWORD", "clientSecret", "apiKey", "authToken", "signing_key"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_a_secret_looking_configurable_name_is_refused(hardgen, tmp_path, name):
    err = refused(hardgen, tmp_path, "name=demo", f"config.values.{name}=hunter2-Value")
    assert "looks like a secret" in err and "hunter2" not in err


#: Values that are secrets by their shape; each one is refused wherever it is given, and never echoed.
SECRET_VALUES = {
    "github token": "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
    "aws key id": "AKIA" + "IOSFODNN7EXAMPL3",
    "pem private key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
    "openssh private key": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "url with password": "https://admin:s3cr3tPa55@db.example.com:5432/orders",
    "slack token": "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "stripe key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "high entropy base64": "q8Zr4pT1xW9vL2mN7bK5sD3fG6hJ0yA4",
    "high entropy hex": "9f86d081884c7d659a2feaa0c55ad015",
    "jdbc url with password": "jdbc:postgresql://db:5432/orders?user=app&password=hunter2",
}


@pytest.mark.parametrize("kind", SECRET_VALUES)
def test_a_secret_looking_config_value_is_refused_and_never_echoed(hardgen, tmp_path, kind):
    value = SECRET_VALUES[kind]
    err = refused(hardgen, tmp_path, answers=dump({"name": "demo", "config": {"values": {"endpoint": value}}}))
    assert "config.values.endpoint" in err and "value hidden" in err
    for fragment in re.findall(r"[A-Za-z0-9_+/=-]{8,}", value):
        if fragment not in ("postgresql", "PRIVATE", "password"):
            assert fragment not in err


@pytest.mark.parametrize("kind", ["github token", "aws key id", "stripe key"])
def test_a_secret_value_is_refused_in_every_text_field(kind):
    value = SECRET_VALUES[kind]
    for path in ("secrets", "jvm.extra_flags", "image.tag", "ingress[0].labels", "service.keystore_path_key"):
        given = [value] if path in ("secrets",) else [f"-Dx={value}"] if path == "jvm.extra_flags" else {"app": value} \
            if path.endswith("labels") else value
        exc = refusal(with_value(path, given))
        assert exc is not None, path
        assert value not in str(exc)


@pytest.mark.parametrize("flag", ["-Djavax.net.ssl.keyStorePassword=changeit", "-Djavax.net.ssl.trustStorePassword=changeit",
                                  "-Ddb.password=hunter2", "-Dapp.apiKey=abc42", "-Dmy.Secret=xyzzy42"])
def test_a_jvm_flag_that_carries_a_secret_is_refused_and_not_echoed(hardgen, tmp_path, flag):
    err = refused(hardgen, tmp_path, "name=demo", f"jvm.extra_flags=[{flag}]")
    assert "jvm.extra_flags[0]" in err and flag.split("=", 1)[1] not in err


def test_an_aws_key_id_is_not_a_secret_name(hardgen, tmp_path):
    err = refused(hardgen, tmp_path, "name=demo", "secrets=[AKIAIOSFODNN7EXAMPL3]")
    assert "AKIAIOSFODNN7EXAMPL3" not in err and "looks like a secret value" in err


@pytest.mark.parametrize("sets", [["secrets.dbPassword=hunter2xyz"], ["config.values={dbPassword: hunter2xyz}"],
                                  ["config.values.x=[hunter2xyz, {password: hunter2xyz}]"], ["jdk={password: hunter2xyz}"]])
def test_a_value_under_a_secret_name_is_never_echoed(hardgen, tmp_path, sets):
    err = refused(hardgen, tmp_path, "name=demo", *sets)
    assert "hunter2xyz" not in err


# --- 6. no traceback, whatever the shape ------------------------------------------------------------------

DEEP = 3000
BAD_YAML = {
    "deep flow": "name: demo\nx: " + "[" * DEEP + "]" * DEEP + "\n",
    "deep flow mapping": "name: demo\nx: " + "{a: " * 600 + "1" + "}" * 600 + "\n",
    "deep block": "name: demo\n" + "".join(" " * i + "a:\n" for i in range(700)),
    "bad int tag": "name: demo\nservice:\n  port: !!int abc\n",
    "bad float tag": "name: demo\njvm:\n  max_ram_percentage: !!float abc\n",
    "bad bool tag": "name: demo\nmetrics:\n  enabled: !!bool maybe\n",
    "impossible date": "name: demo\nimage:\n  tag: 2024-02-30\n",
    "impossible time": "name: demo\nx: 2024-01-01 25:61:61\n",
    "lone minus int": "name: demo\nconfig:\n  values:\n    x: -_\n",
    "binary tag": "name: demo\nconfig:\n  values:\n    x: !!binary '%%%'\n",
    "set tag": "name: demo\nsecrets: !!set {a, b}\n",
    "python tag": "name: demo\nx: !!python/object:os.system {}\n",
    "bad timestamp tag": "name: demo\nx: !!timestamp yesterday\n",
    "date where text belongs": "name: demo\nimage:\n  tag: 2024-02-28\n",
    "null key": "name: demo\n~: 1\n",
    "list key": "name: demo\n? [a, b]\n: 1\n",
    "mapping in a list of strings": "name: demo\nsecrets: [{a: b}]\n",
    "list for a record": "name: demo\nimage: [a]\n",
    "scalar for a list of records": "name: demo\ningress: gateway\n",
    "list in a list of records": "name: demo\ningress: [[a]]\n",
    "record in config values": "name: demo\nconfig:\n  values:\n    x: {a: [1, {b: 2}]}\n",
    "bool key": "name: demo\nconfig:\n  values:\n    true: 1\n",
    "int key in labels": "name: demo\nmetrics:\n  from:\n    labels: {1: a}\n",
    "bracket in a key": "name: demo\n'x[y': 1\nmetrics:\n  from:\n    labels: {'a[b': x}\n",
    "digits in a long number": "name: demo\nconfig:\n  values:\n    x: " + "9" * 5000 + "\n",
}


@pytest.mark.parametrize("text", BAD_YAML.values(), ids=BAD_YAML.keys())
def test_malformed_answers_exit_2_in_one_line_each(hardgen, tmp_path, text):
    refused(hardgen, tmp_path, answers=text)


@pytest.mark.parametrize("sets", [
    ["name=demo", "config.values={x: " + "[" * DEEP + "]" * DEEP + "}"],
    ["name=demo", "ingress=" + "[" * DEEP],
    ["name=demo", "secrets=[" + "{a: " * 500 + "1" + "}" * 500 + "]"],
    ["name=demo", "config.values={x: " + "[" * 17 + "]" * 17 + "}"],
    ["name=demo", "." * 20 + "=1"],
    ["name=demo", "a" + ".a" * 40 + "=1"],
    ["name=demo\udcff"],
    ["name=demo", "config.values.x=caf\udce9"],
    ["name=demo", "config.values.x\udce9=1"],
    ["name=demo", "image.tag=!!int abc"],
    ["name=demo", "targets=[docker, !!float x]"],
], ids=["deep flow value", "unclosed deep list", "deep mapping", "17 levels", "dots", "deep key", "surrogate in name", "surrogate in value", "surrogate in key",
        "tag text", "tag in flow"])
def test_malformed_set_values_exit_2_in_one_line_each(hardgen, tmp_path, sets):
    refused(hardgen, tmp_path, *sets)


def test_an_unknown_key_with_a_bracket_in_a_list_item_is_reported_not_a_hang(tmp_path):
    """`Layers.origin` walked up key paths until keypath.parent left one unchanged ('x[y'): it looped forever."""
    import subprocess
    import sys

    from tests.support.hardgen import hardgen_env

    (tmp_path / "a.yaml").write_text("name: demo\ningress:\n  - {name: gw, labels: {app: gw}, 'x[y': 1}\n")
    r = subprocess.run([sys.executable, "-m", "generator", "generate", "--answers", "a.yaml", "-o", "out"], cwd=tmp_path,
                       env=hardgen_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "ingress[0].x[y: unknown key" in r.stderr


def test_a_lone_surrogate_in_a_file_name_is_reported_in_one_line(hardgen, tmp_path):
    r = hardgen("generate", "--answers", "missing\udcff\n.yaml", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and one_line_each(r.stderr.splitlines()) and r.stderr.count("\n") == 1, repr(r.stderr)


# --- 7. --set keeps the text unless it is exactly a TOML literal ------------------------------------------

SET_VALUES = {
    "007": "007", "1.10": "1.10", "1_000": "1_000", " 42 ": " 42 ", "\u0663": "\u0663", "NaN": "NaN", "Infinity": "Infinity",
    "1e3": "1e3", "+42": "+42", "-0": "-0", "0x1F": "0x1F", "True": "True", "yes": "yes", "1.": "1.", ".5": ".5",
    "42": 42, "-7": -7, "0": 0, "1.5": 1.5, "-0.25": -0.25, "true": True, "false": False, "hello": "hello", "": "",
}


@pytest.mark.parametrize("typed, expected", SET_VALUES.items(), ids=[repr(k) for k in SET_VALUES])
def test_set_config_values_keep_their_text_unless_exactly_a_toml_literal(typed, expected):
    rendered = render_data(with_value("config.values", {"x": SetText(typed)}))  # as `--set config.values.x=...` gives it
    value = tomllib.loads(rendered.desired["config/Config.toml"][0].decode())["integrations"]["demo"]["x"]
    assert type(value) is type(expected) and value == expected


@pytest.mark.parametrize("typed, expected", [("007", "007"), ("1.10", "1.10"), ("1_000", "1_000"), (" 42 ", " 42 "), ("1e3", "1e3"),
                                             ("42", 42), ("1.5", 1.5), ("true", True), ("NaN", "NaN")])
def test_the_command_line_reads_config_values_as_the_toml_writes_them(hardgen, tmp_path, typed, expected):
    r = hardgen("generate", "--preset", "docker", "--set", "name=demo", "--set", f"config.values.x={typed}", "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    value = tomllib.loads((tmp_path / "deploy/config/Config.toml").read_text())["integrations"]["demo"]["x"]
    assert type(value) is type(expected) and value == expected


@pytest.mark.parametrize("sets, path", [(["service.port=\u0669\u0664\u0664\u0663"], "service.port"), (["service.port= 9443"], "service.port"),
                                        (["jdk=\u0662\u0661"], "jdk"), (["jvm.max_ram_percentage=nan"], "jvm.max_ram_percentage"),
                                        (["kubernetes.replicas=1_0"], "kubernetes.replicas")])
def test_typed_fields_read_only_ascii_numbers(hardgen, tmp_path, sets, path):
    assert path in refused(hardgen, tmp_path, "name=demo", *sets)


# --- 8. nothing TOML or YAML cannot carry ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_integers_outside_64_bits_are_refused(hardgen, tmp_path, value):
    assert "config.values.big" in refused(hardgen, tmp_path, answers=f"name: demo\nconfig:\n  values:\n    big: {value}\n")


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63)])
def test_64_bit_integers_are_written(value):
    rendered = render_data(with_value("config.values", {"big": value}))
    assert tomllib.loads(rendered.desired["config/Config.toml"][0].decode())["integrations"]["demo"]["big"] == value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_floats_are_refused(value):
    assert refusal(with_value("config.values", {"x": value})) is not None


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\ud800", "\x85", "\x7f", "\x9b", "\u2029", "\ufeff", "\u2066"])
def test_code_points_yaml_or_toml_cannot_carry_are_refused(char):
    exc = refusal(with_value("config.values", {"x": f"a{char}b"}))
    assert exc is not None and one_line_each([str(p) for p in exc.problems])


def test_unusual_but_valid_text_lands_inert():
    value = "caf\u00e9 \u2603 \U0001f600 'q' \"dq\" ${HOME} {{ x }} %s \\ # [a] {b} *x &y !z"
    rendered = render_data(with_value("config.values", {"x": value}))
    files = {p: c for p, (c, _m) in rendered.desired.items()}
    assert parse_problems(files) == []
    assert tomllib.loads(files["config/Config.toml"].decode())["integrations"]["demo"]["x"] == value


# --- 9. one problem, one line, no terminal escapes ----------------------------------------------------------


@pytest.mark.parametrize("answers", [
    'name: demo\n"na\\nme": x\n',
    'name: demo\n"\\e[2J\\e[31mEVIL": x\n',
    'name: "\\e[2J\\e[31mEVIL"\n',
    'name: demo\nconfig:\n  values:\n    "a\\rb": 1\n',
    'name: demo\nmetrics:\n  from:\n    labels: {"a\\u2028b": x}\n',
    'name: demo\njdk: "\\e]0;title\\a"\n',
])
def test_keys_and_values_are_escaped_in_messages(hardgen, tmp_path, answers):
    err = refused(hardgen, tmp_path, answers=answers)
    assert "\x1b" not in err and "\r" not in err and "\u2028" not in err


@pytest.mark.parametrize("sets", [["name=\x1b[2J\x1b[31mEVIL"], ["name=demo", "jdk=\x1b[31m17"], ["name=demo", "service.port=1\n2"]])
def test_command_line_values_are_escaped_in_messages(hardgen, tmp_path, sets):
    err = refused(hardgen, tmp_path, *sets)
    assert "\x1b" not in err


def test_every_part_of_a_problem_is_escaped():
    line = str(Problem("a\nb.yaml", "x\x1b[1m.y", "z\u2028w"))
    assert one_line_each([line]) and "\x1b" not in line
    assert one_line_each([show("a\x1b\n\u202e"), show({"k\n": ["\x00"]})])


# --- 10. schema_version ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["99", "-1", "0", "1.0", "true"])
def test_only_the_current_schema_version_is_generated(hardgen, tmp_path, version):
    assert "schema_version" in refused(hardgen, tmp_path, "name=demo", f"schema_version={version}")


@pytest.mark.parametrize("version", [99, -1, "1.5", "one"])
def test_schema_version_in_an_answers_file_is_checked(hardgen, tmp_path, version):
    assert "schema_version" in refused(hardgen, tmp_path, answers=f"name: demo\nschema_version: {version}\n")


@pytest.mark.parametrize("old", [{"port": 9443, "service": [1]}, {"tls": True, "service": "x"}, {"jvm_flags": ["-Dx=y"], "jvm": 3}])
def test_a_migration_over_a_key_of_the_wrong_shape_ends_in_problems_not_a_crash(old):
    from generator.inputs.migrate import migrate

    data, _notes = migrate({"name": "demo", **old}, "a.yaml")
    exc = refusal(data)
    assert exc is not None and one_line_each([str(p) for p in exc.problems])


def test_generated_outputs_of_the_full_model_parse():
    files = {p: c for p, (c, _m) in render_data(FULL).desired.items()}
    assert parse_problems(files) == []


# --- 5b. the checks agree with the scanner reviewers run (detect-secrets) -------------------------------------

#: Values that are secrets: detect-secrets and hardgen must both report each one.
SECRET_CORPUS = [*SECRET_VALUES.values(),
                 "AKIAZ7Q2W3E4R5T6Y7U8", "ghs_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7", "glpat-" + "xR7mK2pQ9sT4vW1yZ6aB",
                 "xoxp-" + "1111111111-2222222222-3333333333-abcdef0123456789abcdef0123456789",
                 "SG." + "aB3dE5fG7hJ9kL1mN3pQ5r" + "." + "sT7uV9wX1yZ3aB5cD7eF9gH1iJ3kL5mN7oP9qR1sT3u",
                 "-----BEGIN PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----", "postgres://app:Xy7pQ2rs@db:5432/orders",
                 "redis://:p4ssW0rdZ@cache:6379/0", "d41d8cd98f00b204e9800998ecf8427e", "k7Qz9Wp2Xv5Lm8Rt3Nb6Yc1Hd4Gf0Js+/=",
                 "rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "sq0csp-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"]
#: Values that are not secrets: neither may report them (so hardgen refuses nothing the scanner would accept).
BENIGN_CORPUS = ["hello", "hello, world", "https://api.example.com/v2/orders", "jdbc:postgresql://db:5432/orders",
                 "orders-service", "550e8400-e29b-41d4-a716-446655440000", "2024-05-01T10:00:00Z", "en_US.UTF-8",
                 "/var/lib/orders/data", "registry.example.com/team/orders:1.4.0", "0123456789", "INFO", "30s",
                 "Orders Service (EU)", "user@example.com", "amqp://mq:5672/vhost", "a.b.c.d.e.f.g.h", "SELECT * FROM orders",
                 "Europe/Amsterdam", "caf\u00e9 \u2603", "1.4.0-rc.1+build.5", "deadbeef", "the quick brown fox"]
#: Configurable names whose value is a secret: detect-secrets reports those on its keyword list; hardgen reports all.
SECRET_NAME_CORPUS = [*SECRET_NAMES, "adminPassword", "db_pass", "databasePass", "keyPass", "privKey", "clientKey", "serviceKey",
                      "accountKey", "authKey", "dbKey", "contrasena", "userPwd", "mySecret"]
#: Where hardgen is stricter than detect-secrets (its keyword list lacks these words; its URL rule needs a user name).
STRICTER_THAN_SCANNER = {"redis://:p4ssW0rdZ@cache:6379/0", "passphrase", "accessKey", "credentials", "jwtSigningKey", "bearer",
                         "authToken", "signing_key"}
BENIGN_NAME_CORPUS = ["greeting", "retries", "timeout", "endpoint", "region", "cacheKey", "routingKey", "partitionKey",
                      "passThrough", "compass", "bypassCache", "primaryKey", "keyAlias", "maxConnections", "logLevel"]


def _scan(tmp_path, entries: list[tuple[str, str]]) -> list[bool]:
    """detect-secrets' verdict on `name = "value"` lines, each in a Config.toml of its own."""
    from tests.support.reviewers import detect_secrets_findings

    for i, (name, value) in enumerate(entries):
        folder = tmp_path / f"case{i:03d}"
        folder.mkdir()
        (folder / "Config.toml").write_text(f"[integrations.demo]\n{name} = {_toml_string(value)}\n")
    found = detect_secrets_findings(tmp_path)
    return [f"case{i:03d}/Config.toml" in found for i in range(len(entries))]


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


@pytest.mark.reviewers
def test_secret_values_agree_with_detect_secrets(tmp_path):
    from generator import secret_like

    values = SECRET_CORPUS + BENIGN_CORPUS
    scanner = _scan(tmp_path, [("endpoint", v.replace("\n", " ")) for v in values])
    ours = [secret_like.secret_value(v) for v in values]
    missed = [v for v, s, o in zip(values, scanner, ours, strict=True) if s and not o]
    assert missed == [], "detect-secrets reports these and hardgen lets them through"
    assert all(ours[: len(SECRET_CORPUS)]), [v for v, o in zip(SECRET_CORPUS, ours, strict=False) if not o]
    assert not any(ours[len(SECRET_CORPUS):]), [v for v, o in zip(BENIGN_CORPUS, ours[len(SECRET_CORPUS):], strict=True) if o]
    assert not any(scanner[len(SECRET_CORPUS):]), "a benign example is one the scanner reports: move it to SECRET_CORPUS"
    assert [v for v, s in zip(SECRET_CORPUS, scanner, strict=False) if not s] == [v for v in SECRET_CORPUS if v in STRICTER_THAN_SCANNER]


@pytest.mark.reviewers
def test_secret_names_agree_with_detect_secrets(tmp_path):
    from generator import secret_like

    names = SECRET_NAME_CORPUS + BENIGN_NAME_CORPUS
    scanner = _scan(tmp_path, [(n, "hunter2x") for n in names])
    ours = [secret_like.secret_name(n) for n in names]
    missed = [n for n, s, o in zip(names, scanner, ours, strict=True) if s and not o]
    assert missed == [], "detect-secrets reports these names and hardgen lets them through"
    assert all(ours[: len(SECRET_NAME_CORPUS)]), [n for n, o in zip(SECRET_NAME_CORPUS, ours, strict=False) if not o]
    assert not any(ours[len(SECRET_NAME_CORPUS):]), [n for n, o in zip(BENIGN_NAME_CORPUS, ours[len(SECRET_NAME_CORPUS):], strict=True) if o]
    assert not any(scanner[len(SECRET_NAME_CORPUS):])
    assert [n for n, s in zip(SECRET_NAME_CORPUS, scanner, strict=False) if not s] == [n for n in SECRET_NAME_CORPUS if n in STRICTER_THAN_SCANNER]
