"""The proposal (`FILE.hardgen-new`) keeps every edit of the user outside a conflict, in every merge engine.

The proposal is what the conflict message tells the user to `mv` over their file: if it dropped a line or a key
the user added elsewhere, taking it would silently lose an edit. Hypothesis draws a render, an upgrade of it and
the user's edits of it; whatever they are, each line or key the user added is in the proposal unless it is part of
a reported conflict, and each value only the user changed keeps the user's value.
"""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.regenerate.merge import three_way
from generator.regenerate.merge.lines import merge_sequences

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the line engine ---------------------------------------------------------------------------------------------

_edits = st.lists(st.tuples(st.sampled_from(["keep", "drop", "change", "add"]), st.integers(0, 3)), min_size=4, max_size=12)


def _edit(base: list[str], edits: list[tuple[str, int]], tag: str) -> tuple[list[str], list[str]]:
    """`base` edited line by line; returns the text and the lines this side added (unique to it)."""
    out, added = [], []
    for i, line in enumerate(base):
        what, n = edits[i % len(edits)]
        if what == "keep":
            out.append(line)
        elif what == "change":
            new = f"{tag} changed {i}\n"
            out.append(new)
            added.append(new)
        elif what == "add":
            new = [f"{tag} added {i}.{k}\n" for k in range(n + 1)]
            out += [line, *new]
            added += new
    return out, added


@SETTINGS
@given(st.integers(3, 12), _edits, _edits)
def test_the_line_engines_proposal_keeps_every_line_the_user_added_outside_a_conflict(n, mine, new):
    base = [f"line {i}\n" for i in range(n)]
    ours, added = _edit(base, mine, "mine")
    theirs, _ = _edit(base, new, "new")
    merged = three_way("Dockerfile", "".join(base).encode(), "".join(ours).encode(), "".join(theirs).encode())
    proposal = merged.content.decode().splitlines(keepends=True)
    clashes = merge_sequences(base, ours, theirs).clashes
    in_conflict = {line for c in clashes for line in c.ours}
    assert [x for x in added if x not in proposal and x not in in_conflict] == []
    assert len(merged.conflicts) == len(clashes) or ours == theirs


# --- the TOML and YAML engines -------------------------------------------------------------------------------------

_tables = st.dictionaries(st.sampled_from(["a", "b", "c"]), st.dictionaries(st.sampled_from(["k1", "k2", "k3", "k4"]), st.integers(0, 3),
                                                                            min_size=1), min_size=1)
_upgrade = st.dictionaries(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["k1", "k2", "k3", "k4", "k5"])),
                           st.one_of(st.none(), st.integers(10, 13)))
_user = st.tuples(st.dictionaries(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["k1", "k2", "k3", "k4"])), st.integers(20, 23)),
                  st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["mine1", "mine2"])), unique=True))


def _changed(data: dict, changes: dict) -> dict:
    out = {t: dict(keys) for t, keys in data.items()}
    for (t, k), v in changes.items():
        if t not in out:
            continue
        if v is None:
            out[t].pop(k, None)
        else:
            out[t][k] = v
    return {t: keys for t, keys in out.items() if keys}


def _toml(data: dict) -> str:
    return "".join(f"[{t}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()) + "\n" for t, keys in data.items())


def _yaml(data: dict) -> str:
    return "".join(f"{t}:\n" + "".join(f"  {k}: {v}\n" for k, v in keys.items()) for t, keys in data.items())


def _read(path: str, text: str) -> dict:
    return tomllib.loads(text) if path.endswith(".toml") else (YAML(typ="safe").load(text) or {})


@SETTINGS
@given(st.sampled_from(["Config.toml", "deployment.yaml"]), _tables, _upgrade, _user)
@example("deployment.yaml", {"a": {"k1": 0}}, {("a", "k1"): None}, ({}, [("a", "mine1")]))  # the upgrade empties the file
def test_the_structured_engines_proposal_keeps_every_key_the_user_added_or_alone_changed(path, base, upgrade, user):
    user_values, user_keys = user
    theirs = _changed(base, upgrade)
    ours = _changed(base, {(t, k): v for (t, k), v in user_values.items() if k in base.get(t, {})})
    for t, k in user_keys:
        if t in ours:
            ours[t][k] = 99
    write = _toml if path.endswith(".toml") else _yaml
    merged = three_way(path, write(base).encode(), write(ours).encode(), write(theirs).encode())
    proposal = _read(path, merged.content.decode())
    conflicted = {c.where.split(": ")[-1] for c in merged.conflicts}
    if "(document)" in conflicted:  # the upgrade removed the whole document the user edited: nothing of it is proposed
        return
    for t, keys in ours.items():
        for k, v in keys.items():
            if f"{t}.{k}" in conflicted or t in conflicted:  # a conflict on the key, or on its whole table
                continue
            if k not in base.get(t, {}):  # the user's own key: nothing the upgrade does removes it
                assert proposal.get(t, {}).get(k) == v, (t, k, merged.content.decode())
            elif v != base[t][k] and theirs.get(t, {}).get(k) == base[t][k]:  # only the user changed it
                assert proposal[t][k] == v, (t, k, merged.content.decode())


@SETTINGS
@given(st.integers(3, 10), _edits, _edits)
def test_a_document_embedded_in_yaml_keeps_every_line_the_user_added_outside_a_conflict(n, mine, new):
    """A file embedded in a ConfigMap is merged by its lines, not taken whole from the new render on any clash."""
    base = [f"line {i}\n" for i in range(n)]
    ours, added = _edit(base, mine, "mine")
    theirs, _ = _edit(base, new, "new")

    def doc(lines: list[str]) -> bytes:
        return ("kind: ConfigMap\nmetadata:\n  name: x\ndata:\n  Config.toml: |\n" + "".join(f"    {x}" for x in lines)).encode()

    merged = three_way("configmap.yaml", doc(base), doc(ours), doc(theirs))
    proposal = YAML(typ="safe").load(merged.content.decode())["data"]["Config.toml"].splitlines(keepends=True)
    in_conflict = {line for c in merge_sequences(base, ours, theirs).clashes for line in c.ours}
    assert [x for x in added if x not in proposal and x not in in_conflict] == []
