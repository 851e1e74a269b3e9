"""`dump_yaml` writes exactly the bytes ruamel.yaml writes, whichever path a document takes.

The direct path exists for speed (batch generation); these tests pin it to
ruamel's output on the shapes hardgen writes and on random plain data.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.scalarstring import LiteralScalarString

from generator.render.yaml_dump import _ruamel_text, dump_yaml, literal

TRICKY_STRINGS = [
    "yes", "no", "on", "off", "y", "n", "~", "null", "Null", "True", "FALSE", "1.0", "0.1.0", "500m", "-x", "- x",
    "a b", "a: b", "a #b", "#a", "", " x", "x ", "é", "x" * 130, "0777", "0x1F", "1e3", ".inf", ".nan", "<<", "=",
    "2001-12-14", "10.0.0.0/24", "/health", "*", "&a", "!tag", "%x", "@x", "`x", "'q'", '"q"', "{a}", "[a]", "a,b",
    "a\nb", "tab\there", "app.kubernetes.io/name", "sha256:" + "a" * 64, "a" * 1001, "?x", "? x", "|", ">",
    "1.4.2", "10.20.0.0/24", "512Mi", "500m", "0.5", "-XX:+AlwaysPreTouch", "-Dfoo=bar", "-Dx=a,b", "-XX:MaxRAM=1", "-a: b", "-a:", "-Da=b c", "-x:y", "15", "-1", "+3", "007", "9443", "-0.5", "123456789012345678901", "1e3", "1E3", "1.5e3", "0x1F", "0o17", "0b101", "1_000", "1.2.3e4",
    "2001-12-14", "2001-12-14T21", "1-2", "12:30", "0.1.0-rc.1", "1e", "1.", "1..2", "1.e5", "0X1f", "0O17", "6d",
    "\x85", "\u2028 x", "a\x00b", "\ufeffx", "a:b", "a::b", "a:", "a: ", "http://x", "a:-b", "eclipse-temurin:21-jre",
    "sha256:" + "0" * 64, "k:v:w", "a:/b", "_:x", "/a:b", ".", "..", "./x", "../x/y", ".x", "...", ". x", "a b c",
    "a  b", "a - b", "a -b", "a b:", "a b: c", "a :b", "Null x", "true x", "a .b", "x /y", "a b #c",
    "a@b", "@x", "x:1@sha256:abc", "a @b", "a@", "registry.example.com/a/b:1.4.0@sha256:" + "0" * 64,
    # YAML 1.1 (Kubernetes' yaml.v2) reads these as booleans, numbers or dates: quoted on both paths
    "On", "oN", "OFF", "Y", "N", "YES", "No", "=", "<<", "-_", "1__0", "0X1f", "0b2", "0o8", "08", "1:20", "1:20.5",
    "-1:20", "2001-1-2", "2001-12-14 21:59:43.10 -5", "2001-12-14\tx", ".NaN", "+.inf", "-.Inf", "1.e5", "+1_0", "._5",
]


def same_as_ruamel(*docs) -> None:
    expected = "---\n".join(_ruamel_text(d) for d in docs).encode()
    assert dump_yaml(*docs) == expected


def test_tricky_strings_are_quoted_exactly_as_ruamel_quotes_them():
    for text in TRICKY_STRINGS:
        same_as_ruamel({"value": text, "list": [text], "nested": {"k": text}})
        same_as_ruamel({text: 1})


def test_answers_shaped_documents_match_ruamel():
    doc = {
        "name": "svc", "schema_version": 1, "jdk": 21, "image": {"name": "registry.example.com/a/b", "tag": "1.0"},
        "metrics": {"enabled": True, "port": 9797, "from": {"labels": {}}}, "ingress": [{"name": "gw", "labels": {"app": "gw"}}],
        "egress": [], "secrets": ["dbPassword"], "config": {"values": {"retries": 3, "ratio": 0.5, "flag": False}},
        "systemd": {}, "jvm": {"max_ram_percentage": 75.0, "extra_flags": ["-XX:+UseZGC"]}, "none": None,
    }
    same_as_ruamel(doc)
    same_as_ruamel(doc, {"kind": "Namespace", "metadata": {"name": "x", "labels": {"a": "b"}}})


def test_file_contents_as_literal_blocks_match_ruamel():
    for text in ("a\nb\n", "a\nb", "a\n\nb\n", "x\n  indented\n", "  lead\nx\n", "\nx\n", "a\n\n", "", "\n",
                 "trail \nx\n", "tab\there\n", "é\n", "[section]\nkey = \"v\"\n", "- item\n# comment\n"):
        value = LiteralScalarString(text)
        same_as_ruamel({"data": {"file": value}, "list": [value], "items": [{"a": value, "b": 1}]})


def test_hardgens_literal_marker_is_written_as_ruamel_writes_its_literal_strings():
    for text in ("a\nb\n", "a\nb", "  lead\nx\n", "a\n\n", "tab\there\n"):
        ours = dump_yaml({"data": {"file": literal(text)}, "list": [literal(text)], "nested": [[1]]})
        assert ours == _ruamel_text({"data": {"file": LiteralScalarString(text)}, "list": [LiteralScalarString(text)], "nested": [[1]]}).encode()
        assert dump_yaml({"data": {"file": literal(text)}}) == dump_yaml({"data": {"file": LiteralScalarString(text)}})


def test_shapes_outside_the_direct_path_fall_back_to_ruamel():
    for doc in ({}, [], {"a": [[1, 2]]}, {"a": [None]}, {1: "x"}, {"f": [1e-05, float("inf")]}, {"t": (1, 2)}):
        same_as_ruamel(doc)


numberlike = st.from_regex(r"\A[0-9][0-9A-Za-z./:_-]{0,8}\Z")
wordlike = st.from_regex(r"\A[A-Za-z_/.@][A-Za-z0-9_./: #@-]{0,10}\Z")
literals = st.text(st.sampled_from("ab #:-[]{}'\"\n\t é"), max_size=20).map(LiteralScalarString)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(TRICKY_STRINGS), numberlike, wordlike, literals,
)
keys = st.one_of(st.text(max_size=10), st.sampled_from(TRICKY_STRINGS), wordlike)
documents = st.dictionaries(
    keys,
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=12),
    min_size=1, max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_random_plain_data_matches_ruamel(doc):
    same_as_ruamel(doc)


@pytest.mark.parametrize("value", [1e-05, 1e20, -3e-10, 1.5e-07, 2.5])
def test_a_float_with_an_exponent_is_a_float_to_yaml_1_1_readers_too(value):
    """PyYAML (YAML 1.1, as Kubernetes' yaml.v2) reads `1e-05` as a string: its floats need a dot in the mantissa."""
    import yaml

    text = dump_yaml({"v": value})
    assert yaml.safe_load(text) == {"v": value} and type(yaml.safe_load(text)["v"]) is float, text
