"""YAML files (Kubernetes manifests, answers), merged key by key with ruamel.yaml round-trip.

Loading and dumping use the same ruamel.yaml settings as the renderer, so parts
nobody changed come out byte for byte, and the user's comments, key order and
additions stay where they were. A file may hold several documents: they are
matched by kind, name and namespace (a Kubernetes object's identity), others by
position.

The user's file and the merge base come from the folder, so they are read as
defensively as answers files: anchors and aliases (a few kilobytes of aliases
expand to gigabytes: "billion laughs") and tags other than YAML's core ones are
refused before any tree is built (`Refused`: the caller reports a conflict that
says why, and never falls back to reading the file another way).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from typing import Any

from generator.regenerate.merge.splice import spliced
from generator.regenerate.merge.tree import MISSING, TreeMerge, is_map, placed, plain_data

#: Tags a file hardgen merges may spell out: YAML's core schema. Anything else (`!!python/object`, `!Ref`) is refused.
CORE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq"))


class Refused(ValueError):
    """A side is YAML hardgen will not merge by structure, nor by lines: the reason is the conflict's."""


def check_plain_yaml(text: str) -> None:
    """Refuse anchors, aliases and non-core tags, from the event stream (nothing is composed, nothing expanded)."""
    if "&" not in text and "*" not in text and "!" not in text:
        return  # none can be written without one of these characters: the usual file costs nothing more
    from ruamel.yaml.events import AliasEvent

    from generator.render.yaml_dump import round_trip_yaml

    for event in round_trip_yaml().parse(text):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise Refused(f"YAML anchors or aliases (line {line}), which hardgen does not merge")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in CORE_TAGS and tag != "!":
            raise Refused(f"the YAML tag {tag[:40]!r} (line {line}), which hardgen does not merge")


def _identity(doc: Any, index: int) -> tuple:
    if is_map(doc) and "kind" in doc:
        meta = doc.get("metadata") if is_map(doc.get("metadata")) else {}
        return (str(doc["kind"]), str(meta.get("name", "")), str(meta.get("namespace", "")))
    return ("#", str(index), "")


#: The labels hardgen puts on every object it writes, which together say which object of an integration it is.
IDENTITY_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component")


def _labelled(doc: Any) -> tuple | None:
    """An object's kind and identity labels (None without them): what stays when the user renames it or moves it."""
    meta = doc.get("metadata") if is_map(doc) else None
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    if not isinstance(labels, Mapping) or not any(k in labels for k in IDENTITY_LABELS):
        return None
    return (str(doc.get("kind", "")), *(str(labels.get(k, "")) for k in IDENTITY_LABELS))


def _renamed(b: Mapping[tuple, Any], side: Mapping[tuple, Any], other: Mapping[tuple, Any]) -> dict[tuple, tuple]:
    """The documents of one side that are a base document renamed or moved to another namespace: {their key: its key}.

    A document with a name neither the base nor the other side has is that base document when the two are the
    only ones with their kind and identity labels (in the base, and on that side) and that side has no document of
    the base's name left: then the other side's changes reach it, and it is never proposed a second time under its
    old name. Anything less certain (two NetworkPolicies with the same labels, a copy next to the original) is not
    matched.
    """
    def unique(docs: Mapping[tuple, Any]) -> dict[tuple, tuple]:
        seen: dict[tuple, list[tuple]] = {}
        for key, doc in docs.items():
            ident = _labelled(doc)
            if ident is not None:
                seen.setdefault(ident, []).append(key)
        return {ident: keys[0] for ident, keys in seen.items() if len(keys) == 1}

    in_base = unique(b)
    out: dict[tuple, tuple] = {}
    for ident, key in unique(side).items():
        old = in_base.get(ident)
        if old is not None and key not in b and key not in other and old not in side:
            out[key] = old
    return out


def _label(key: tuple) -> str:
    return f"{key[0]}/{key[1]}: " if key[0] != "#" else (f"document {int(key[1]) + 1}: " if key[1] != "0" else "")


def _load(text: str) -> dict[tuple, Any]:
    from generator.render.yaml_dump import round_trip_yaml

    check_plain_yaml(text)
    docs = list(round_trip_yaml().load_all(text))
    out: dict[tuple, Any] = {}
    for i, doc in enumerate(docs):
        key = _identity(doc, i)
        if key in out:
            raise ValueError(f"two documents are {key}")
        out[key] = doc
    return out


def _reorder(mapping, keys: list) -> None:
    """Put a round-trip mapping's keys in `keys` order; comments are kept by key, so they move with their keys."""
    if hasattr(mapping, "insert") and hasattr(mapping, "move_to_end"):
        for key in keys:
            mapping.move_to_end(key)


def _rebuild(seq, items: list, origins: list[int | None] | None, added: list[int]) -> None:
    """Replace a round-trip list's items in one go, each kept item taking its comment along (ruamel keeps them by index)."""
    comments = getattr(getattr(seq, "ca", None), "items", None)
    if comments is None:
        seq[:] = items
        return
    moved = {new: comments[old] for new, old in enumerate(origins or ()) if old is not None and old in comments}
    list.__delitem__(seq, slice(None))  # ruamel's own deletes shift every comment once per item: quadratic
    list.extend(seq, items)
    comments.clear()
    comments.update(moved)


def merge(base: str, ours: str, theirs: str):
    """(merged text, conflicts); raises Refused when a side uses what hardgen never merges, ValueError (or a ruamel
    error) when a side is not YAML it can merge."""
    docs, conflicts = merge_trees(_load(base), _load(ours), _load(theirs))
    decided = _dump(docs)
    return spliced(base, ours, theirs, decided, clean=not conflicts, dumped_ours=lambda: _dump(list(_load(ours).values())),
                   same_data=same_data), conflicts


def merge_trees(b: dict[tuple, Any], o: dict[tuple, Any], t: dict[tuple, Any]) -> tuple[list, list]:
    """The merged documents (the user's trees, edited in place) and the conflicts."""
    mine, new = _renamed(b, o, t), _renamed(b, t, o)  # renamed by the user, by the upgrade
    if mine:
        o = {mine.get(key, key): doc for key, doc in o.items()}
    if new:
        t = {new.get(key, key): doc for key, doc in t.items()}
    tree = TreeMerge(plain=plain_data, reorder=_reorder, rebuild=_rebuild)
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
    added: dict[tuple, Any] = {}
    for key, doc in t.items():
        if key in o:
            continue
        if key in b and tree.same(b[key], doc):
            continue  # the user deleted the document and the upgrade left it alone
        if key in b:
            tree.conflict(_label(key).rstrip(": "), MISSING, doc)
        added[key] = doc
    if added:
        order = _documents_placed(list(docs), list(t), added)
        docs = {key: docs[key] if key in docs else added[key] for key in order}
    return list(docs.values()), tree.conflicts


def _dump(docs: list) -> str:
    from generator.render.yaml_dump import round_trip_yaml

    out = io.StringIO()
    round_trip_yaml().dump_all(docs, out)
    return out.getvalue()


def same_data(text: str, other: str) -> bool:
    """Do two YAML texts hold the same documents, to a YAML 1.1 reader too? A string some YAML reads as another type
    (`on`, `yes`, `0777`) compares by whether it is quoted: `"on"` and `on` are different values to Kubernetes."""
    check_plain_yaml(text)
    return _documents(text) == _documents(other)


@functools.lru_cache(maxsize=4)
def _documents(text: str) -> list:
    """A text's documents as comparable data; cached, since one merge compares each candidate with the same text."""
    from generator.render.yaml_dump import round_trip_yaml

    return [_strict(d) for d in round_trip_yaml().load_all(text)]


def _strict(x: Any) -> Any:
    from ruamel.yaml.scalarstring import PlainScalarString

    if is_map(x):
        return {_strict(k): _strict(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_strict(v) for v in x]
    if isinstance(x, PlainScalarString):  # plain text the round-trip loader keeps plain because YAML 1.1 types it
        return ("typed", str(x))
    if isinstance(x, str):
        return str(x)
    from ruamel.yaml.scalarbool import ScalarBoolean

    kind = "bool" if isinstance(x, (bool, ScalarBoolean)) else next((t.__name__ for t in (int, float) if isinstance(x, t)), type(x).__name__)
    return (kind, bool(x) if kind == "bool" else x)


def _documents_placed(kept: list, order: list, added: Mapping) -> list:
    """A new document goes after the one before it in the new render, or last when none of those is kept."""
    out = placed(kept, order, added)
    if not kept:
        return out
    # `placed` puts a document with no kept predecessor first; documents go last instead (after the user's own).
    head = []
    for key in out:
        if key not in added:
            break
        head.append(key)
    return out[len(head):] + head if head else out


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
