"""Three-way merge of a parsed document tree, key by key, editing the user's tree in place.

Shared by the YAML and TOML engines. The user's document ("ours") is the one
that is edited, so its comments, key order and additions survive; only values
the new render ("theirs") changed relative to the last render ("base") are
carried over. Lists of mappings that have a `name` (containers, env vars,
volumes, ports, volume mounts) are merged item by item by that name, so a
sidecar added by the user and an image bump from the upgrade both land; other
lists are merged item-wise with the line diff3.

A conflict (both sides changed the same value differently, or one side changed
what the other removed) is recorded with its key path and resolved towards the
new render in the tree, which makes the tree the proposal written to
`FILE.hardgen-new`; the caller never writes it over the user's file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import keypath
from generator.errors import show
from generator.regenerate.merge.lines import merge_sequences

MISSING = object()
REMOVED = "<removed>"


@dataclass(frozen=True)
class Conflict:
    where: str  # key path (`spec.template.spec.containers[name=app].image`) or line range
    ours: str
    theirs: str

    def __str__(self) -> str:
        return f"{self.where}: yours {self.ours}, new {self.theirs}"


def is_map(x: Any) -> bool:
    return isinstance(x, Mapping)


def is_seq(x: Any) -> bool:
    return isinstance(x, MutableSequence) and not isinstance(x, (str, bytes))


def _text(x: Any, plain: Callable[[Any], Any]) -> str:
    if x is MISSING:
        return REMOVED
    value = plain(x)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    return show(value)


@dataclass
class TreeMerge:
    """One merge run: `plain` turns a node into comparable Python data; `insert` adds a key at a position."""

    plain: Callable[[Any], Any]
    insert: Callable[[MutableMapping, int, Any, Any], None]
    conflicts: list[Conflict] = field(default_factory=list)

    def same(self, a: Any, b: Any) -> bool:
        if a is MISSING or b is MISSING:
            return a is b
        return self.plain(a) == self.plain(b)

    def conflict(self, where: str, ours: Any, theirs: Any) -> None:
        self.conflicts.append(Conflict(where or "(document)", _text(ours, self.plain), _text(theirs, self.plain)))

    def merge(self, base: Any, ours: Any, theirs: Any, path: str) -> Any:
        """The value to keep at `path`: `ours` (possibly edited in place) or a node of `theirs`."""
        if self.same(ours, theirs) or self.same(base, theirs):
            return ours
        # Containers are merged even when the user did not change their data: comments are not
        # data, and taking the new node whole would drop the ones the user wrote inside it.
        if is_map(ours) and is_map(theirs):
            self.merge_map(base if is_map(base) else {}, ours, theirs, path)
            return ours
        if is_seq(ours) and is_seq(theirs):
            self.merge_seq(base if is_seq(base) else [], ours, theirs, path)
            return ours
        if self.same(base, ours):
            return theirs
        self.conflict(path, ours, theirs)
        return theirs

    def merge_map(self, base: Mapping, ours: MutableMapping, theirs: Mapping, path: str) -> None:
        keys = list(ours) + [k for k in theirs if k not in ours]
        for k in keys:
            sub = keypath.join(path, k)
            b, o, t = base.get(k, MISSING), ours.get(k, MISSING), theirs.get(k, MISSING)
            if o is MISSING and t is not MISSING:
                if b is not MISSING and self.same(b, t):
                    continue  # the user deleted it and the upgrade did not touch it: stays deleted
                if b is not MISSING:
                    self.conflict(sub, MISSING, t)
                self.insert(ours, self._position(ours, theirs, k), k, t)
            elif t is MISSING and o is not MISSING:
                if b is MISSING:
                    continue  # the user's addition
                if not self.same(b, o):
                    self.conflict(sub, o, MISSING)
                del ours[k]
            elif o is not MISSING:
                new = self.merge(b, o, t, sub)
                if new is not o:
                    ours[k] = new

    @staticmethod
    def _position(ours: Mapping, theirs: Mapping, key: Any) -> int:
        """Where a new key goes: right after the key that precedes it in the new render."""
        order = list(theirs)
        present = list(ours)
        for prev in reversed(order[: order.index(key)]):
            if prev in ours:
                return present.index(prev) + 1
        return 0

    def merge_seq(self, base: list, ours: MutableSequence, theirs: list, path: str) -> None:
        if _named(base) and _named(ours) and _named(theirs):
            self._merge_named(base, ours, theirs, path)
            return
        key = lambda x: json.dumps(self.plain(x), sort_keys=True, default=str)  # noqa: E731
        okeys = [key(x) for x in ours]
        result = merge_sequences([key(x) for x in base], okeys, [key(x) for x in theirs])
        for c in result.clashes:
            self.conflict(keypath.item(path, c.ours_at), _Listed(c.ours), _Listed(c.theirs))
        if result.merged == okeys:
            return
        pool = {k: x for k, x in zip([key(x) for x in theirs], theirs, strict=False)}
        pool.update(zip(okeys, ours, strict=False))  # the user's node (with its comments) wins for an equal item
        items = [pool[k] for k in result.merged]
        del ours[:]
        ours.extend(items)

    def _merge_named(self, base: list, ours: MutableSequence, theirs: list, path: str) -> None:
        b = {x["name"]: x for x in base}
        t = {x["name"]: x for x in theirs}
        for name in [x["name"] for x in list(ours)]:
            sub = f"{path}[name={name}]"
            index = next(i for i, x in enumerate(ours) if x["name"] == name)
            o = ours[index]
            if name in t:
                new = self.merge(b.get(name, MISSING), o, t[name], sub)
                if new is not o:
                    ours[index] = new
            elif name in b:
                if not self.same(b[name], o):
                    self.conflict(sub, o, MISSING)
                del ours[index]
        order = [x["name"] for x in theirs]
        for i, name in enumerate(order):
            if any(x["name"] == name for x in ours):
                continue
            if name in b and self.same(b[name], t[name]):
                continue  # removed by the user, unchanged upstream
            if name in b:
                self.conflict(f"{path}[name={name}]", MISSING, t[name])
            names = [x["name"] for x in ours]
            after = next((names.index(p) + 1 for p in reversed(order[:i]) if p in names), 0)
            ours.insert(after, t[name])


class _Listed(tuple):
    """A clash inside a list, shown as the items each side has there."""


def _named(items: Sequence[Any]) -> bool:
    names = [x.get("name") if is_map(x) else None for x in items]
    return all(isinstance(n, str) for n in names) and len(set(names)) == len(names)


def plain_data(x: Any) -> Any:
    """Comparable Python data: mappings as dicts (order-free), lists as lists, scalars as themselves."""
    if isinstance(x, _Listed):
        return [json.loads(i) for i in x]
    if is_map(x):
        return {str(k): plain_data(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) or is_seq(x):
        return [plain_data(v) for v in x]
    return x
