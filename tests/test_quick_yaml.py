"""The quick reader of answers files returns ruamel's data, or None and lets ruamel read the file.

The quick path exists for speed (a batch run reads hundreds of answers files);
these tests pin it to ruamel.yaml's safe loader on the files hardgen writes and
ships, on random data in block and flow style, and on mutated texts (which
ruamel may reject: then the quick reader must have declined too).
"""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.inputs.yaml_subset import load as quick_load
from generator.render.yaml_dump import dump_yaml

REPO = Path(__file__).resolve().parent.parent
WORDS = ["name", "port", "yes", "no", "on", "off", "y", "true", "null", "1.0", "0.1.0", "500m", "10.0.0.0/24", "a b",
         "a: b", "a #b", "#x", "", " x", "-x", "sha256:abc", "eclipse-temurin:21-jre", "/health", ".", "..", "./x",
         ".5", ".inf", "0777", "0x1F", "1e3", "+1", "-0", "1_000", "2001-12-14", "12:30", "a,b", "[a]", "{a}", "x'y",
         'x"y', "é", "~", "Null", "FALSE", "a  b", "b\\n", "'q'", "(x)", "a?", "k:", "x - y",
         "-XX:+AlwaysPreTouch", "-Dx=a,b", "-D:x", "-a:b", "-Xlog:gc*"]


def ruamel_load(text: str):
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml.load(text)


def same(a, b) -> bool:
    """Equal with the same types and the same key order (1 == True and {'a','b'} order would hide a difference)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def agrees_with_ruamel(text: str) -> None:
    quick = quick_load(text)
    if quick is None:
        return
    try:
        expected = ruamel_load(text)
    except Exception as exc:  # ruamel rejects a text the quick reader accepted
        raise AssertionError(f"quick reader accepted what ruamel rejects ({exc}):\n{text}") from None
    assert same(quick, expected), f"{quick!r} != {expected!r} for:\n{text}"


def test_shipped_presets_and_written_answers_take_the_quick_path_with_ruamels_data():
    texts = [p.read_text() for p in sorted((REPO / "presets").glob("*.yaml"))]
    texts.append(dump_yaml({"name": "svc", "targets": ["docker"], "image": {"tag": "0.1.0"}, "docker": {"deploy_dir": "."},
                            "ingress": [{"name": "gw", "labels": {"app": "gw"}}], "secrets": [], "systemd": {},
                            "jvm": {"max_ram_percentage": 75.0}}).decode())
    for text in texts:
        assert quick_load(text) is not None, text
        agrees_with_ruamel(text)


def test_hand_written_answers_match_ruamel():
    texts = [
        "name: orders  # the integration\ntargets: [docker, kubernetes]\n",
        "name: orders\nsecrets:\n- dbPassword\n- apiToken\njdk: 17\n",
        "name: orders\negress:\n  - name: db\n    cidr: 10.0.0.0/24\n    port: 5432\n  - name: mq\n    labels: {app: mq}\n    port: 5672\n",
        "# comment first\n\nname: 'orders'\nconfig:\n  values:\n    greeting: \"hello, world\"\n    quote: 'it''s'\n    ratio: 0.5\n    on: yes\n",
        "name: a\nmetrics:\n  enabled: true\n  from:\n    labels: {}\nextra_flags: []\nempty:\n",
        "name: a\nlist:\n  - - nested\n",
        "name: a\nname: b\n",
        "name: a\n  bad: indent\n",
        "name: a\nx: [a, [b]]\n",
        "name: a\nx: {a: {b: c}}\n",
        "- a\n- b\n",
        "name: a\nx: |\n  block\n",
        "name: a\n\tx: 1\n",
        "name: a\nx:\n  - a\n  y: 1\n",
        "name: a\nx:\n- a\ny: 1\n",
        "name: a\nx: a: b\n",
        "name: a\nx: ['a, b', c]\n",
        "name: a\nx: a#b\n",
        "name: a # c\ny: 'a # b'\n",
        "name: a\n---\nname: b\n",
        # jvm.extra_flags: JVM options start with '-' and hold ':' '+' '=' ',' (a ',' ends a flow item)
        "name: a\njvm:\n  extra_flags:\n    - -XX:+AlwaysPreTouch\n    - -Dx=a,b\n    - -XX:MaxRAM=1\n",
        "name: a\nextra_flags: [-Dfoo=bar, -XX:+UseZGC, -Dx=a]\n",
        "name: a\nx: [-Dx=a,b]\n",
        "name: a\nx: -a: b\n",
        "name: a\nx:\n  - -a: b\n",
        "name: a\nx: -x:y\n",
        "name: a\nx: [-a:]\n",
    ]
    for text in texts:
        agrees_with_ruamel(text)


keys = st.sampled_from(["name", "port", "labels", "app.kubernetes.io/name", "yes", "on", "y", "x_1", "a-b", "true", "1", "k"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from(WORDS), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=10)
documents = st.dictionaries(keys, values, min_size=1, max_size=5)


def dumped(doc, flow: bool) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None if flow else False
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


@settings(max_examples=400, deadline=None)
@given(documents, st.booleans())
def test_random_documents_match_ruamel(doc, flow):
    agrees_with_ruamel(dumped(doc, flow))
    agrees_with_ruamel(dump_yaml(doc).decode())


@settings(max_examples=400, deadline=None)
@given(documents, st.lists(st.tuples(st.integers(0, 10**4), st.sampled_from(["", " ", "  ", "-", "- ", ":", ": ", "#", " #", ",", "[", "]", "{", "}", "'", '"', "\n", "\n  ", "x", "1"])), min_size=1, max_size=3))
def test_mutated_texts_are_read_as_ruamel_reads_them_or_left_to_it(doc, edits):
    text = dump_yaml(doc).decode()
    for at, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + (1 if insert == "" else 0):]
    agrees_with_ruamel(text)
