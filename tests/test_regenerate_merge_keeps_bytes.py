"""A merge never changes a byte of the user's file that neither side changed (issue #18).

A YAML or TOML merge is decided on parsed trees, but a tree dumped again is not the user's text: `"on"` came back
as `'on'` (or `on`, a boolean to Kubernetes), a leading `---` went, CRLF became LF. Hypothesis draws edits an
operator makes to hardgen's own output (requoted values, keys with YAML-1.1-typed quoted values, comments, a
`---`, Windows line endings) and an upgrade that changes other keys; the merge keeps each line of the user's byte
for byte, and with an unchanged upgrade it is the user's file exactly.
"""

from __future__ import annotations

import functools
import re
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.regenerate.merge import three_way
from tests.support.hardgen import generate

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILES = ("kubernetes/deployment.yaml", "kubernetes/service.yaml", "kustomization.yaml", "config/Config.toml")
YAML_KEY = re.compile(r"(\s*)([A-Za-z][\w./-]*): ([^|>'\"#\s][^#]*)\n")
TOML_KEY = re.compile(r"()([A-Za-z]\w*) = (.+)\n")
#: What makes a document the object it is (a renamed object is another test's).
IDENTITY = re.compile(r"kind:|  name:|  namespace:")
#: Values a user quotes because some YAML reads them as another type.
TYPED = ('"on"', '"yes"', '"true"', "'0777'", '"12:30"', '"off"')


@functools.cache
def rendered() -> dict[str, str]:
    out = Path(tempfile.mkdtemp(prefix="hardgen-bytes-")) / "out"
    generate(out, "name=orders", preset="kubernetes-restricted")
    return {path: (out / path).read_text() for path in FILES}


def _keys(path: str, lines: list[str]) -> list[int]:
    """The lines holding one scalar key each, which an edit may requote or add a sibling to."""
    pattern = TOML_KEY if path.endswith(".toml") else YAML_KEY
    return [i for i, line in enumerate(lines) if pattern.fullmatch(line) and not line.lstrip().startswith("- ")]


_user = st.lists(st.tuples(st.sampled_from(["requote", "sibling", "comment", "note"]), st.integers(0, 10_000), st.sampled_from(TYPED)),
                 min_size=1, max_size=5)


def _edited(path: str, text: str, edits: list, marker: bool, crlf: bool) -> tuple[str, set[int]]:
    """The user's file, and the indexes of the base lines an edit touched (the upgrade leaves those alone)."""
    lines = text.splitlines(keepends=True)
    original = list(lines)
    keys = _keys(path, lines)
    toml = path.endswith(".toml")
    inserted: dict[int, list[str]] = {}
    touched: set[int] = set()
    for n, (what, at, value) in enumerate(edits):
        i = keys[at % len(keys)]
        match = (TOML_KEY if toml else YAML_KEY).fullmatch(original[i])
        assert match is not None
        indent, key, old = match.groups()
        if what == "requote" and i not in touched and '"' not in old and "'" not in old and "\\" not in old:
            lines[i] = f"{indent}{key}: \"{old}\"\n" if not toml else f"{indent}{key} = '{old.strip(chr(34))}'\n"
        elif what == "sibling":
            inserted.setdefault(i, []).append(f"{indent}user{n}: {value}\n" if not toml else f"user{n} = {value.replace(chr(39), chr(34))}\n")
        elif what == "comment" and i not in touched and "#" not in lines[i]:
            lines[i] = lines[i][:-1] + "  # set by hand\n"
        else:
            inserted.setdefault(i, []).append(f"{indent}# a note of the operator\n")
        touched.add(i)
    out = [line + "".join(inserted.get(i, ())) for i, line in enumerate(lines)]
    text = ("---\n" if marker and not toml else "") + "".join(out)
    return (text.replace("\n", "\r\n") if crlf else text), touched


def _upgraded(path: str, text: str, avoid: set[int], picks: list[int]) -> str:
    """The new render: other keys' values changed (never a line the user touched, nor one next to it)."""
    lines = text.splitlines(keepends=True)
    keys = [i for i in _keys(path, lines) if not avoid & {i - 1, i, i + 1} and not IDENTITY.match(lines[i])]
    for n, at in enumerate(picks):
        if not keys:
            break
        i = keys[at % len(keys)]
        match = (TOML_KEY if path.endswith(".toml") else YAML_KEY).fullmatch(lines[i])
        assert match is not None
        indent, key, _ = match.groups()
        lines[i] = f"{indent}{key} = \"upgraded-{n}\"\n" if path.endswith(".toml") else f"{indent}{key}: upgraded-{n}\n"
    return "".join(lines)


def _missing(base: str, ours: str, theirs: str, result: str, spared: set[str] = frozenset()) -> list[str]:
    """Lines of the user's (byte for byte) missing from `result`, counted: a line may go only as often as the
    upgrade removed it from the base (line endings aside); lines in `spared` may go."""
    b, t = (Counter(x.rstrip("\r\n") for x in s.splitlines(keepends=True)) for s in (base, theirs))
    r = Counter(result.splitlines(keepends=True))
    return [line for line, n in Counter(ours.splitlines(keepends=True)).items()
            if line not in spared and r[line] < n + min(0, t[line.rstrip("\r\n")] - b[line.rstrip("\r\n")])]


def _parses(path: str, text: str) -> None:
    if path.endswith(".toml"):
        tomllib.loads(text)
    else:
        list(YAML(typ="safe").load_all(text))


@SETTINGS
@given(st.sampled_from(FILES), _user, st.booleans(), st.booleans())
def test_an_unchanged_render_gives_back_the_users_bytes_exactly(path, edits, marker, crlf):
    base = rendered()[path]
    ours, _ = _edited(path, base, edits, marker, crlf)
    _parses(path, ours)
    merged = three_way(path, base.encode(), ours.encode(), base.encode())
    assert (merged.content, merged.conflicts) == (ours.encode(), [])


@SETTINGS
@given(st.sampled_from(FILES), _user, st.booleans(), st.booleans(), st.lists(st.integers(0, 10_000), min_size=1, max_size=3))
def test_an_upgrade_of_other_keys_keeps_every_line_of_the_users_byte_for_byte(path, edits, marker, crlf, picks):
    base = rendered()[path]
    ours, touched = _edited(path, base, edits, marker, crlf)
    theirs = _upgraded(path, base, touched, picks)
    merged = three_way(path, base.encode(), ours.encode(), theirs.encode())
    assert merged.conflicts == []
    result = merged.content.decode()
    changed = {line for line in theirs.splitlines() if line not in base.splitlines()}
    result_lines = result.splitlines(keepends=True)
    assert _missing(base, ours, theirs, result) == []
    eol = "\r\n" if crlf else "\n"
    assert [line for line in changed if line + eol not in result_lines] == []  # the upgrade landed, in the user's line endings


@SETTINGS
@given(st.sampled_from(FILES), _user, st.booleans(), st.booleans(), st.lists(st.integers(0, 10_000), min_size=1, max_size=3),
       st.integers(0, 10_000))
def test_a_proposal_changes_only_the_conflicting_line_of_the_users(path, edits, marker, crlf, picks, clash):
    """The upgrade also changes a key the user requoted or commented: the proposal takes the new value there, and
    every other line of the user's is in it byte for byte."""
    base = rendered()[path]
    ours, touched = _edited(path, base, edits, marker, crlf)
    theirs = _upgraded(path, base, touched, picks)
    lines = theirs.splitlines(keepends=True)
    candidates = [i for i in sorted(touched) if not IDENTITY.match(lines[i])]
    assume(candidates)
    i = candidates[clash % len(candidates)]
    match = (TOML_KEY if path.endswith(".toml") else YAML_KEY).fullmatch(lines[i])
    assert match is not None
    indent, key, _ = match.groups()
    lines[i] = f'{indent}{key} = "clash"\n' if path.endswith(".toml") else f"{indent}{key}: clash\n"
    theirs = "".join(lines)
    merged = three_way(path, base.encode(), ours.encode(), theirs.encode())
    proposal = merged.content.decode().splitlines(keepends=True)
    eol = "\r\n" if crlf else "\n"
    mine = ours.splitlines(keepends=True)
    # The user's line of that key (requoted or commented) is the one line that may go; the rest stays as typed.
    at_key = {x for x in mine if x.startswith(f"{indent}{key} =" if path.endswith(".toml") else f"{indent}{key}:")}
    assert _missing(base, ours, theirs, merged.content.decode(), at_key) == []
    assert any(x.startswith(lines[i].rstrip("\n")) and x.endswith(eol) for x in proposal)  # the new value, maybe with the user's comment
