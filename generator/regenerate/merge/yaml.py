"""YAML files (Kubernetes manifests, answers), merged key by key with ruamel.yaml round-trip.

Loading and dumping use the same ruamel.yaml settings as the renderer, so parts
nobody changed come out byte for byte, and the user's comments, key order and
additions stay where they were. A file may hold several documents: they are
matched by kind, name and namespace (a Kubernetes object's identity), others by
position.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from generator.regenerate.merge.tree import MISSING, TreeMerge, is_map, plain_data


def _identity(doc: Any, index: int) -> tuple:
    if is_map(doc) and "kind" in doc:
        meta = doc.get("metadata") if is_map(doc.get("metadata")) else {}
        return (str(doc["kind"]), str(meta.get("name", "")), str(meta.get("namespace", "")))
    return ("#", str(index), "")


def _label(key: tuple) -> str:
    return f"{key[0]}/{key[1]}: " if key[0] != "#" else (f"document {int(key[1]) + 1}: " if key[1] != "0" else "")


def _load(text: str) -> dict[tuple, Any]:
    from generator.render.yaml_dump import round_trip_yaml

    docs = list(round_trip_yaml().load_all(text))
    out: dict[tuple, Any] = {}
    for i, doc in enumerate(docs):
        key = _identity(doc, i)
        if key in out:
            raise ValueError(f"two documents are {key}")
        out[key] = doc
    return out


def _insert(mapping, pos: int, key: Any, value: Any) -> None:
    if hasattr(mapping, "insert"):
        mapping.insert(pos, key, value)
    else:
        mapping[key] = value


def merge(base: str, ours: str, theirs: str):
    """(merged text, conflicts); raises ValueError (or a ruamel error) when a side is not YAML we can merge."""
    from generator.render.yaml_dump import round_trip_yaml

    b, o, t = _load(base), _load(ours), _load(theirs)
    tree = TreeMerge(plain=plain_data, insert=_insert)
    docs: dict[tuple, Any] = {}
    for key, doc in o.items():
        if key in t:
            docs[key] = _merge_doc(tree, b.get(key, MISSING), doc, t[key], _label(key))
        elif key in b:
            if not tree.same(b[key], doc):
                tree.conflict(_label(key).rstrip(": ") or "(document)", doc, MISSING)
            # removed by the upgrade (proposal): dropped
        else:
            docs[key] = doc  # the user's own document
    order = list(t)
    for i, key in enumerate(order):
        if key in o:
            continue
        if key in b and tree.same(b[key], t[key]):
            continue  # the user deleted the document and the upgrade left it alone
        if key in b:
            tree.conflict(_label(key).rstrip(": "), MISSING, t[key])
        after = next((list(docs).index(p) + 1 for p in reversed(order[:i]) if p in docs), len(docs))
        items = list(docs.items())
        items.insert(after, (key, t[key]))
        docs = dict(items)
    out = io.StringIO()
    round_trip_yaml().dump_all(list(docs.values()), out)
    return out.getvalue(), tree.conflicts


def _merge_doc(tree: TreeMerge, base: Any, ours: Any, theirs: Any, label: str) -> Any:
    if is_map(ours) and is_map(theirs):
        if base is MISSING or not isinstance(base, Mapping):
            base = {}
        before = len(tree.conflicts)
        tree.merge_map(base, ours, theirs, "")
        for i in range(before, len(tree.conflicts)):
            c = tree.conflicts[i]
            tree.conflicts[i] = type(c)(label + c.where, c.ours, c.theirs)
        return ours
    return tree.merge(base, ours, theirs, label.rstrip(": "))
