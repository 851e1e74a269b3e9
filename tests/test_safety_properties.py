"""Properties over the whole model (issue #13): the next break should be hard to write.

(a) For every valid model hypothesis draws (all fields, all targets), every output parses
    with its format's own parser (YAML 1.1 and 1.2 and Kubernetes' yaml.v2 rules, TOML,
    `bash -n`/`sh -n`, `systemd-analyze verify`, hadolint), and each value lands where it was
    meant to, byte for byte: config values in Config.toml (and nowhere in a line format), the
    ConfigMaps are generated from the image's Config.toml, answers.yaml reads back as the same model.
(b) For every string field, a hostile value (line breaks, controls, quotes, `${}`, `{{ }}`,
    `%`, backslashes, confusables, YAML and TOML keywords, very long text) is refused (exit 2,
    one printable line per problem, nothing written) or lands inert (every output still
    parses, no line format gains or loses a line).

Example counts stay modest (deadline=None); the reviewer-tool property carries
`@pytest.mark.reviewers`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.inputs.load import parse_yaml
from generator.model.fields import to_data
from generator.model.integration import RESERVED_NAMESPACES, TARGET_NAMES
from generator.model.rules import RUNTIME_TABLES
from tests.support.hardgen import run
from tests.support.safety import (
    FULL,
    good_value,
    leaf_fields,
    one_line_each,
    parse_problems,
    refusal,
    render_data,
    validate_data,
    with_value,
)

#: Line formats: a value that lands in one must keep to its line.
LINE_FORMATS = ("Dockerfile", ".dockerignore", ".gitignore", ".service", ".conf", ".sh", "java.options", ".md")

# --- strategies ---------------------------------------------------------------------------------------------

YAML_WORDS = ["on", "off", "yes", "no", "y", "n", "true", "null", "nan", "inf"]
dns = st.one_of(st.sampled_from([*YAML_WORDS[:8], "demo", "orders-eu", "a", "x1"]), st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,5})?", fullmatch=True))
identifier = st.one_of(st.sampled_from(["greeting", "retries", "On", "NULL", "inf", "x", "timeoutSeconds", "region_eu"]),
                       st.from_regex(r"[a-z][A-Za-z0-9_]{0,12}", fullmatch=True))
label_value = st.one_of(st.sampled_from(["on", "Off", "Y", "1e3", "0777", "1_000", "v1.2", "2001-12-14", "api", "0x1F", ""]),
                        st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?", fullmatch=True))
label_key = st.one_of(st.sampled_from(["app", "on", "y", "tier", "app.kubernetes.io/part-of", "NO"]),
                      st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True))
labels = st.dictionaries(label_key, label_value, min_size=1, max_size=3)
tag = st.one_of(st.sampled_from(["on", "OFF", "1e3", "0777", "1_000", "1.5", "2001-12-14", "08", "0x1F", "1.4.0", "y"]),
                st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}", fullmatch=True).filter(lambda t: t != "latest"))
#: Free text for config values: quotes, `${}`, `{{ }}`, %, backslashes, keywords of YAML and TOML, confusables.
FRAGMENTS = ["'", '"', "${HOME}", "{{ .x }}", "%s", "%(x)s", "\\", "\\n", "#", "# c", "[a]", "{b}", "*x", "&y", "!z", "|", ">", "- ",
             ": ", "on", "no", "null", "~", "true", "inf", "nan", "0777", "1e3", "12:30", "=", "<<", "---", "...", "\t", "\n",
             "caf\u00e9", "\u0430dmin", "\u2603", "\U0001f600", "\u00a0", " ", "x" * 300, "\u0131", "\uff21", "=\"\"\""]
free_text = st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=6).map("".join)
config_value = st.one_of(free_text, st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False), st.booleans())

MEMORY = {"768Mi": 768, "1Gi": 1024, "2Gi": 2048}


def non_heap_ok(memory: str, percentage: float) -> bool:
    return MEMORY[memory] * (1 - percentage / 100) >= 192


@st.composite
def peers(draw, direction: str) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(0, 2))):
        peer: dict[str, Any] = {"name": draw(st.sampled_from([f"{direction}{i}", "on", "no", "y"][: 1 + (i == 0) * 3]))}
        if draw(st.booleans()):
            peer["cidr"] = draw(st.sampled_from(["10.20.0.0/16", "192.168.10.0/24", "fd00::/64"]))
            if peer["cidr"] == "10.20.0.0/16" and draw(st.booleans()):
                peer["except"] = ["10.20.128.0/17"]
        else:
            peer["labels"] = draw(labels)
            if draw(st.booleans()):
                peer["namespace"] = draw(dns)
        if direction == "egress":
            peer["port"] = draw(st.integers(1, 65535))
        out.append(peer)
    return out


@st.composite
def answers(draw) -> dict[str, Any]:
    """Valid answers across every field and target (the rules between fields are respected by construction)."""
    targets = draw(st.lists(st.sampled_from(TARGET_NAMES), min_size=1, max_size=3, unique=True))
    memory, memory_max = draw(st.sampled_from(sorted(MEMORY))), draw(st.sampled_from(sorted(MEMORY)))
    percentage = draw(st.sampled_from([25.0, 50.0, 60.0, 70.0]).filter(lambda p: non_heap_ok(memory, p) and non_heap_ok(memory_max, p)))
    port = draw(st.integers(1024, 65535))
    secrets = draw(st.lists(st.sampled_from(["dbPassword", "apiToken", "clientSecret"]), unique=True, max_size=2))
    values = draw(st.dictionaries(identifier.filter(lambda k: k not in ("port", "keystorePath", "keystorePassword", *secrets)),
                                  config_value, max_size=4))
    name = draw(dns.filter(lambda n: n not in RESERVED_NAMESPACES))
    data: dict[str, Any] = {
        "name": name,
        "targets": targets,
        "jdk": draw(st.sampled_from([17, 21, 25])),
        "image": {"tag": draw(tag)},
        "service": {"port": port, "tls": draw(st.booleans()), "health_path": draw(st.sampled_from(["/health", "/on", "/v1/status"]))},
        "ingress": draw(peers("ingress")),
        "egress": draw(peers("egress")),
        "secrets": secrets,
        "config": {"values": values},
        "docker": {"deploy_dir": draw(st.sampled_from(["deploy", ".", "build/out"]))},
        "kubernetes": {"replicas": draw(st.integers(1, 3)), "create_namespace": draw(st.booleans()), "default_deny": draw(st.booleans()),
                       "resources": {"memory": memory, "cpu": draw(st.sampled_from(["250m", "1", "1.5"]))}},
        "systemd": {"memory_max": memory_max, "install_dir": draw(st.sampled_from(["/opt/app", "/srv/on", "/usr/local/lib/y"]))},
        "jvm": {"max_ram_percentage": percentage, "extra_flags": draw(st.lists(st.sampled_from(["-XX:+AlwaysPreTouch", "-Dfoo=on", "-Duser.timezone=UTC"]), unique=True, max_size=2))},
    }
    if draw(st.booleans()):
        data["kubernetes"]["namespace"] = draw(dns.filter(lambda n: n not in RESERVED_NAMESPACES))
    if draw(st.booleans()):
        data["image"]["name"] = draw(st.sampled_from(["registry.example.com/team/on", "ghcr.io/acme/y", "no"]))
        data["image"]["digest"] = "sha256:" + draw(st.from_regex(r"[a-f0-9]{64}", fullmatch=True))
    if draw(st.booleans()):
        data["metrics"] = {"enabled": True, "port": draw(st.integers(1024, 65535).filter(lambda p: p != port)),
                           "from": draw(st.sampled_from([{}, {"namespace": "on"}, {"labels": {"y": "prometheus"}}]))}
    if draw(st.booleans()):
        data["config"]["org"] = draw(identifier)
        data["config"]["module"] = draw(identifier)
        assume((data["config"]["org"], data["config"]["module"]) not in RUNTIME_TABLES)
    if secrets and draw(st.booleans()):
        data["kubernetes"].update(external_secrets=True, external_store=draw(dns), external_key=draw(st.sampled_from(["on/secrets", "y"])))
    if "systemd" in targets and not draw(st.booleans()):
        data["systemd"]["user"] = draw(st.sampled_from(["svc", "on", "app-user"]))
    return data


def config_of(toml_text: str, data: dict[str, Any]) -> dict[str, Any]:
    org = data["config"].get("org", "integrations")
    module = data["config"].get("module", data["name"].replace("-", "_"))
    return tomllib.loads(toml_text).get(org, {}).get(module, {})


# --- (a) valid models: every output parses, every value lands where it was meant to ------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(answers())
def test_every_output_of_a_valid_model_parses_and_values_land_where_meant(data):
    exc = refusal(data)
    assert exc is None, [str(p) for p in exc.problems]
    rendered = render_data(data)
    files = {path: content for path, (content, _mode) in rendered.desired.items()}
    assert parse_problems(files) == []

    values = data["config"]["values"]
    for path in ("config/Config.toml", "systemd/Config.toml"):
        if path in files:
            written = config_of(files[path].decode(), data)
            for key, value in values.items():
                assert type(written[key]) is type(value) and written[key] == value, (path, key)
    if "kubernetes" in data["targets"]:  # the ConfigMaps are generated from the image's own files, never a copy
        kustomization = parse_yaml(files["kustomization.yaml"].decode(), "kustomization.yaml")
        assert [g["files"] for g in kustomization["configMapGenerator"]] == [["config/Config.toml"], ["jvm/java.options"]]
        assert not any(b"Non-secret configuration of" in content for path, content in files.items() if path.startswith("kubernetes/"))
    # answers.yaml reads back, through hardgen's own reader, as the same model
    again = validate_data(parse_yaml(files[".hardgen/answers.yaml"].decode(), "answers.yaml"))
    assert to_data(again) == to_data(rendered.model)
    # free text never reaches a line format
    for key, value in values.items():
        if isinstance(value, str) and len(value) >= 6 and not value.isalnum():
            for path, content in files.items():
                if path.endswith(LINE_FORMATS) and not path.startswith(".hardgen/"):
                    assert value.encode() not in content, (key, path)


@pytest.mark.reviewers
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(answers())
def test_reviewer_tools_accept_every_output_of_a_valid_model(data):
    from tests.support.reviewers import hadolint_findings

    rendered = render_data(data)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, (content, mode) in rendered.desired.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            target.chmod(mode)
        for script in sorted(root.rglob("*.sh")):
            shell = "bash" if script.read_text().startswith("#!/usr/bin/env bash") else "sh"
            proc = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
            assert proc.returncode == 0 and proc.stderr == "", (script.name, proc.stderr)
        for unit in sorted(root.rglob("*.service")):
            proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True)
            assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stdout + proc.stderr
        if (root / "Dockerfile").exists():
            assert hadolint_findings(root / "Dockerfile") == []


# --- (b) hostile text in any string field: refused in one line, or inert ------------------------------------------

TEXT_LEAVES = [leaf for leaf in leaf_fields() if leaf.tp is str or leaf.kind in ("list", "mapping")]
HOSTILE = ["\n", "\r\n", "\x00", "\x1b[31m", "\u2028", "\u0085", "\t", "'", '"', "${IFS}", "$(id)", "`id`", "{{ x }}", "{% x %}", "%n",
           "\\", "\\n", " ", "#", ";", "&&", "|", "*", "..", "/", ":", "=", "\u0430", "\u202e", "\ufeff", "\ufffe", "\ud800",
           "on", "null", "~", "true", "[x]", "{x}", "- x", "---", "x" * 5000]


@st.composite
def hostile_case(draw):
    leaf = draw(st.sampled_from(TEXT_LEAVES))
    good = good_value(leaf)
    text = "".join(draw(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3)))
    where = draw(st.sampled_from(["suffix", "prefix", "alone"]))
    base = "x" if not isinstance(good, str) else good

    def hostile(s: str) -> str:
        return {"suffix": s + text, "prefix": text + s, "alone": text}[where]

    if leaf.kind == "mapping":
        items = dict(good or {"app": "x"})
        key = next(iter(items))
        value = {key: hostile(str(items[key]))} if draw(st.booleans()) else {hostile(key): items[key]}
    elif leaf.kind == "list":
        items = list(good or ["10.20.128.0/17"])
        value = [hostile(str(items[0])), *items[1:]]
    else:
        value = hostile(base)
    return leaf, value


BASELINE = {path: content for path, (content, _mode) in render_data(FULL).desired.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_case())
def test_hostile_text_in_any_string_field_is_refused_in_one_line_or_inert(case):
    leaf, value = case
    data = with_value(leaf.path, value)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # JSON with \u escapes is YAML: every character (even a lone surrogate) reaches hardgen's reader from a file.
        (root / "answers.yaml").write_text(json.dumps(data, ensure_ascii=True))
        r = run("generate", "--answers", "answers.yaml", "-o", "out", cwd=root)
        if r.returncode != 0:
            assert r.returncode == 2, r.stderr
            lines = r.stderr.split("\n")
            assert lines[-1] == "" and one_line_each(lines[:-1]), repr(r.stderr)
            assert not (root / "out").exists()
            return
    rendered = render_data(data)
    files = {path: content for path, (content, _mode) in rendered.desired.items()}
    assert parse_problems(files) == []
    for path, content in files.items():
        if path.endswith(LINE_FORMATS) and path in BASELINE:
            assert content.count(b"\n") == BASELINE[path].count(b"\n"), path
    if leaf.path == "config.values":
        written = config_of(files["config/Config.toml"].decode(), data)
        assert all(written[k] == v for k, v in value.items())


# --- any shape anywhere: a problem, never a crash ----------------------------------------------------------------


def _record_paths() -> list[str]:
    """Every key path of the model, records and lists included (`image`, `ingress`, `ingress[0]`, `ingress[0].labels`)."""
    paths = {"", *(leaf.path for leaf in leaf_fields())}
    for path in list(paths):
        while "." in path or "[" in path:
            path = path.rsplit(".", 1)[0] if path.rfind(".") > path.rfind("[") else path[: path.rfind("[")]
            paths.add(path)
    return sorted(paths)


SHAPE_PATHS = _record_paths()
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=8),
                    st.sampled_from(["", "on", "null", "[a]", "{a: b}", "!!int x", "\x00", "9" * 5000]))
shapes = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3),
                      max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SHAPE_PATHS), shapes)
def test_any_shape_at_any_key_is_a_problem_not_a_crash(path, value):
    from generator.errors import UserError
    from generator.inputs.load import Layers
    from generator.render.pipeline import render_model, validate

    data = value if path == "" else with_value(path, value)
    layers = Layers()
    try:
        if not isinstance(data, dict):
            raise UserError("answers must be a mapping")  # what read_yaml says of a top level that is no mapping
        layers.apply(data, "answers.yaml")
        model = validate(layers)
    except UserError as exc:
        assert one_line_each([str(p) for p in exc.problems]), [str(p) for p in exc.problems]
        return
    render_model(model)  # accepted: it renders
