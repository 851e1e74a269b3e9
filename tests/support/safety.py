"""Helpers of the safety tests: the model's fields as key paths, a model that switches everything on, and output checks.

`leaf_fields()` walks the integration model (generator/model/integration.py) the way
`fields.Builder` does, so a field added to the model is walked without editing this
file. `FULL` is an answers mapping that gives every field a valid value (derived
defaults included), so a hostile value can be put into one field while every other
field stays valid. `check_outputs` parses every file of a rendered folder with the
real parser of its format.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import tomllib
from collections.abc import Iterator
from typing import Any

from generator import keypath
from generator.errors import UserError
from generator.model.fields import bare_type, default_of, fields_of, is_record_type, key_of, sequence_item
from generator.model.integration import Integration

#: Valid answers that switch on every option, so each field is rendered somewhere.
FULL: dict[str, Any] = {
    "name": "demo",
    "targets": ["docker", "kubernetes", "systemd"],
    "jdk": 21,
    "artifact": "target/bin/demo.jar",
    "image": {"name": "registry.example.com/team/demo", "tag": "1.4.0", "digest": "sha256:" + "ab" * 32,
              "base": "eclipse-temurin:21-jre-noble", "base_digest": "sha256:" + "cd" * 32},
    "service": {"port": 9443, "tls": True, "keystore_path_key": "keystorePath", "keystore_passphrase_key": "keystorePassword",
                "health_path": "/health"},
    "metrics": {"enabled": True, "port": 9797, "from": {"namespace": "monitoring", "labels": {"app": "prometheus"}}},
    "ingress": [{"name": "gateway", "namespace": "edge", "labels": {"app": "gateway"}}],
    "egress": [{"name": "db", "cidr": "10.20.0.0/16", "except": ["10.20.128.0/17"], "port": 5432}],
    "secrets": ["dbPassword"],
    "config": {"org": "integrations", "module": "demo", "port_key": "port", "values": {"greeting": "hello", "retries": 3}},
    "docker": {"deploy_dir": "deploy"},
    "kubernetes": {"namespace": "demo-ns", "replicas": 2, "external_secrets": True, "external_store": "vault",
                   "external_store_kind": "SecretStore", "external_key": "demo/secrets",
                   "resources": {"cpu": "500m", "memory": "1Gi", "ephemeral_storage": "256Mi"}},
    "systemd": {"user": "demo", "install_dir": "/opt/demo", "java": "/usr/bin/java", "memory_max": "1Gi"},
    "jvm": {"max_ram_percentage": 60.0, "extra_flags": ["-XX:+AlwaysPreTouch"]},
    # Read only with runtime: mi (tests/test_mi_runtime.py renders it); valid values so each key can be made hostile.
    "mi": {"version": "4.4.0", "key_alias": "hardgen", "admin_user": "opsadmin",
           "admin_from": {"namespace": "ops", "labels": {"app": "icp"}, "cidr": "10.40.0.0/24"},
           "ldap": {"url": "ldaps://ldap.example.com:636", "bind_dn": "cn=mi-reader,dc=example,dc=com", "user_search_base": "ou=users,dc=example,dc=com"}},
}


@dataclasses.dataclass(frozen=True)
class Leaf:
    """One answer key of the model that holds a scalar, a list of scalars or a mapping of scalars."""

    path: str  # e.g. `ingress[0].labels`
    tp: Any  # the field's type without `| None`

    @property
    def kind(self) -> str:
        if sequence_item(self.tp) is not None:
            return "list"
        if getattr(self.tp, "__origin__", None) is not None and "Mapping" in repr(self.tp):
            return "mapping"
        return "scalar"


def leaf_fields(cls: type = Integration, prefix: str = "") -> Iterator[Leaf]:
    """Every leaf field of the model, as a key path into answers data (lists of mappings at their first item)."""
    for f, tp in fields_of(cls):
        path = keypath.join(prefix, key_of(f))
        bare = bare_type(tp)
        item = sequence_item(bare)
        if is_record_type(bare):
            yield from leaf_fields(bare, path)
        elif item is not None and is_record_type(item):
            yield from leaf_fields(item, keypath.item(path, 0))
        else:
            yield Leaf(path, bare)


def good_value(leaf: Leaf) -> Any:
    """The valid value of `leaf` in FULL, else the field's own default; None when neither exists."""
    found = keypath.get(FULL, leaf.path, _MISSING)
    if found is not _MISSING:
        return found
    default = _default(leaf.path)
    return None if default is None or dataclasses.is_dataclass(default) else default


_MISSING = object()


def _default(path: str) -> Any:
    """The declared default of the field at `path` (list items are walked into their record type)."""
    cls: Any = Integration
    value: Any = None
    for part in keypath.parts(path):
        if isinstance(part, int):
            continue
        f, tp = next((f, tp) for f, tp in fields_of(cls) if key_of(f) == part)
        value = default_of(f)
        bare = bare_type(tp)
        item = sequence_item(bare)
        cls = item if item is not None and is_record_type(item) else bare
    return value


def with_value(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(FULL if base is None else base)
    keypath.put(data, path, value)
    return data


def validate_data(data: dict[str, Any], source: str = "answers.yaml"):
    """The validated model of answers data, or the UserError (as the CLI would see it)."""
    from generator.inputs.load import Layers
    from generator.render.pipeline import validate

    layers = Layers()
    layers.apply(data, source)
    return validate(layers)


def render_data(data: dict[str, Any]):
    from generator.render.pipeline import render_model

    return render_model(validate_data(data))


def refusal(data: dict[str, Any]) -> UserError | None:
    try:
        validate_data(data)
    except UserError as exc:
        return exc
    return None


def one_line_each(lines: list[str]) -> bool:
    """Every problem is one printable line: no line break, control or format character of any kind."""
    return all(line and all(ch.isprintable() for ch in line) for line in lines)


# --- output checks ---------------------------------------------------------------------------

YAML_SUFFIXES = (".yaml", ".yml")


def load_yaml_12(text: str) -> list[Any]:
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).load_all(text))


def load_yaml_11(text: str) -> list[Any]:
    """YAML 1.1 as PyYAML reads it (the resolver of most YAML 1.1 tools)."""
    import yaml

    return list(yaml.safe_load_all(text))


def load_yaml_11_ruamel(text: str) -> list[Any]:
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.version = (1, 1)
    return list(y.load_all(text))


def plain_strings(text: str) -> Iterator[str]:
    """The text of every plain (unquoted) scalar of a YAML stream that YAML 1.2 reads as a string, keys included."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    def walk(node):
        if isinstance(node, ScalarNode):
            if not node.style and str(node.tag) == "tag:yaml.org,2002:str":
                yield node.value
        elif isinstance(node, SequenceNode):
            for item in node.value:
                yield from walk(item)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                yield from walk(key)
                yield from walk(value)

    for root in YAML(typ="safe", pure=True).compose_all(text):
        yield from walk(root)


def go_yaml_v2_plain_is_string(text: str) -> bool:
    """What gopkg.in/yaml.v2 (sigs.k8s.io/yaml, which kubectl and the API server use) makes of a plain scalar.

    An independent transcription of yaml.v2's resolve.go: a map of YAML 1.1 words, then, by the first
    character, timestamps, strconv.ParseInt/ParseUint with base 0 after dropping '_', yamlStyleFloat and
    0b literals. True when the result is a string.
    """
    import re

    words = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO",
             "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN",
             ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<"}
    if text in words:
        return False
    first = text[:1]
    if first == ".":
        return re.fullmatch(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?|\.[0-9]+\.?|\.", text) is None or text == "."
    if first and (first in "+-" or (first.isdigit() and first.isascii())):
        if re.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?", text):
            return False  # time.Parse with yaml.v2's formats; any of them is enough to be unsafe
        plain = text.replace("_", "")
        go_int = r"[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)"
        if re.fullmatch(go_int, plain):
            return False
        if re.fullmatch(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", plain):
            return False
        if re.fullmatch(r"-?0b[01]+", plain):
            return False
    return True


def same_data(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (True == 1 and 'on' vs True must not pass)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def strings_stay_strings(text: str) -> list[str]:
    """Problems of one YAML file under YAML 1.1 (PyYAML, ruamel 1.1) and yaml.v2: each must read what YAML 1.2 reads."""
    problems = []
    reference = load_yaml_12(text)
    for name, loader in (("PyYAML (YAML 1.1)", load_yaml_11), ("ruamel.yaml 1.1", load_yaml_11_ruamel)):
        if not same_data(loader(text), reference):
            problems.append(f"{name} reads other data than YAML 1.2")
    problems += [f"yaml.v2 reads the plain scalar {s!r} as no string" for s in plain_strings(text) if not go_yaml_v2_plain_is_string(s)]
    return problems


def parse_problems(files: dict[str, bytes]) -> list[str]:
    """Every file of a folder read by its format's own parser; line formats must be UTF-8 text."""
    out = []
    for path, content in sorted(files.items()):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            out.append(f"{path}: not UTF-8")
            continue
        try:
            if path.endswith(YAML_SUFFIXES):
                out += [f"{path}: {p}" for p in strings_stay_strings(text)]
                for doc in load_yaml_12(text):
                    for key, value in _config_map_files(doc):
                        if key.endswith(".toml"):
                            tomllib.loads(value)
            elif path.endswith(".toml"):
                tomllib.loads(text)
            elif path.endswith(".json"):
                json.loads(text)
        except Exception as exc:  # any parser's refusal is a finding
            out.append(f"{path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return out


def _config_map_files(doc: Any) -> Iterator[tuple[str, str]]:
    if isinstance(doc, dict) and doc.get("kind") == "ConfigMap":
        yield from (doc.get("data") or {}).items()


def dump(data: Any) -> str:
    from ruamel.yaml import YAML

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()
