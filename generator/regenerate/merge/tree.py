"""Three-way merge of a parsed document tree, key by key, editing the user's tree in place.

Shared by the YAML and TOML engines. The user's document ("ours") is the one
that is edited, so its comments, key order and additions survive; only values
the new render ("theirs") changed relative to the last render ("base") are
carried over. Lists of mappings that have a `name` (containers, env vars,
volumes, ports, volume mounts) are merged item by item by that name, so a
sidecar added by the user and an image bump from the upgrade both land; other
lists are merged item-wise with the line diff3, and a multi-line string (a
script or a document embedded in a ConfigMap) by its lines, so an edit of one of
its lines and an upgrade of another both land.

A conflict (both sides changed the same value differently, or one side changed
what the other removed) is recorded with its key path and resolved towards the
new render in the tree, which makes the tree the proposal written to
`FILE.hardgen-new`; the caller never writes it over the user's file.

The user's file and the merge base are read back from the folder, so they are
input like any other: the merge takes time linear in their size (a mapping or a
list is visited once, each new key or item is placed by one pass over the new
render's order, and a container is rebuilt once, not edited item by item), and
each node is turned into comparable data once (`_canon`), not once per level
above it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Mapping, MutableMapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import keypath
from generator.errors import HIDDEN, show
from generator.regenerate.merge.lines import merge_sequences
from generator.secret_like import secret_name

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


def _as_is(x: Any) -> Any:
    """The default for `TreeMerge.scalar`: a leaf compares as itself."""
    return x


def _secret_key(where: str) -> bool:
    last = re.split(r"[.\[\]=]", where.rstrip("]"))[-1] if where else ""
    return bool(last) and secret_name(last)


def shown_pair(where: str, ours: Any, theirs: Any, plain: Callable[[Any], Any] = _as_is) -> Conflict:
    """A conflict a person can read on one line: both values short, escaped, and hidden when secret.

    A value under a secret-looking key (`dbPassword`) is hidden whatever it looks like; of two multi-line strings
    only the first line where they differ is shown, with its line number, since a whole embedded document is no
    message.
    """
    if _secret_key(where):
        return Conflict(where, HIDDEN, HIDDEN)
    # A quoted or block YAML scalar is a str subclass, which `show` would print unquoted as if typed on a command line.
    a = _plain_str(plain(ours)) if ours is not MISSING else MISSING
    b = _plain_str(plain(theirs)) if theirs is not MISSING else MISSING
    if _text_blocks(a, b):
        return clash_line(where, a.splitlines(), b.splitlines(), 0)
    return Conflict(where, REMOVED if a is MISSING else show(a), REMOVED if b is MISSING else show(b))


def _plain_str(x: Any) -> Any:
    return str(x) if isinstance(x, str) else x


def clash_line(where: str, ours: Sequence[str], theirs: Sequence[str], first_line: int) -> Conflict:
    """Two clashing runs of lines (`first_line`: the 0-based line of the user's text where they start), as the
    first line where they differ on each side, with its line number in the user's text."""
    at = next((i for i, (x, y) in enumerate(zip(ours, theirs, strict=False)) if x != y), min(len(ours), len(theirs)))

    def line(lines: Sequence[str]) -> str:
        if _secret_key(where):
            return HIDDEN
        return show(lines[at].rstrip("\r\n")) if at < len(lines) else "(no line)"

    n = first_line + at + 1
    return Conflict(f"{where} (line {n})" if where else f"line {n}", line(ours), line(theirs))


def _keep_order(mapping: MutableMapping, keys: list) -> None:
    """The default for `TreeMerge.reorder`: keys the merge adds stay where they were added (at the end)."""


def _text_blocks(*values: Any) -> bool:
    """Strings, one of several lines at least: merged (and shown) by lines, not as one value."""
    return all(isinstance(x, str) for x in values) and any("\n" in x.rstrip("\n") for x in values)


def _same_style(like: Any, text: str) -> Any:
    """The default for `TreeMerge.restring`: `text` as a string of the kind `like` is (a YAML block scalar stays one)."""
    try:
        return type(like)(text)
    except TypeError:
        return text


def _replace_items(seq: MutableSequence, items: list, origins: list[int | None] | None, added: list[int]) -> None:
    """The default for `TreeMerge.rebuild`: the list's items become `items`."""
    del seq[:]
    seq.extend(items)


def placed(kept: Sequence[Hashable], order: Sequence[Hashable], added: Mapping[Hashable, Any]) -> list:
    """`kept` with each key of `added` right after the key that precedes it in `order` (or first), in one pass.

    What inserting the added keys one by one, in `order`, each right after its nearest predecessor in `order`
    that is already there, gives; `kept` and `added` are disjoint, and every key of `added` is in `order`.
    """
    if not added:
        return list(kept)
    there = set(kept)
    follows: dict[Hashable, list] = {}
    last: Hashable = MISSING
    for key in order:
        if key in added:
            follows.setdefault(last, []).append(key)
            last = key
        elif key in there:
            last = key
    out: list = []

    def after(key: Hashable) -> None:
        # One by one, each new key went right after its predecessor, so of two that follow the same key the later
        # one comes first; each is followed by its own followers. A stack, not recursion: chains can be long.
        stack = list(follows.get(key, ()))
        while stack:
            new = stack.pop()
            out.append(new)
            stack.extend(follows.get(new, ()))

    after(MISSING)
    for key in kept:
        out.append(key)
        after(key)
    return out


@dataclass
class TreeMerge:
    """One merge run.

    `plain` turns a node into comparable Python data (for messages); `scalar` a leaf into comparable data;
    `reorder(mapping, keys)` puts a mapping's keys in that order after keys were added (the TOML engine keeps them
    appended); `rebuild(list, items, origins, added)` replaces a list's items, `origins[i]` being the index `items[i]`
    had (None: new; `origins` None: no item is kept as such), `added` the indexes of the new items in the order they
    were added, so an engine can carry its per-item comments along, or replay the edits one by one.
    """

    plain: Callable[[Any], Any]
    scalar: Callable[[Any], Any] = _as_is
    reorder: Callable[[MutableMapping, list], None] = _keep_order
    rebuild: Callable[[MutableSequence, list, list[int | None] | None, list[int]], None] = _replace_items
    restring: Callable[[Any, str], Any] = _same_style
    conflicts: list[Conflict] = field(default_factory=list)
    _memo: dict[int, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    def _canon(self, x: Any) -> Any:
        """Comparable data for `x`, computed once per container.

        A node's data is taken before its subtree is merged and is not asked for again afterwards, so a memo keyed
        by identity is sound; it keeps the node alive so that an identity is never reused within the run.
        """
        if is_map(x):
            hit = self._memo.get(id(x))
            if hit is not None and hit[0] is x:
                return hit[1]
            value: Any = {str(k): self._canon(v) for k, v in x.items()}
        elif isinstance(x, (list, tuple)) or is_seq(x):
            hit = self._memo.get(id(x))
            if hit is not None and hit[0] is x:
                return hit[1]
            value = [self._canon(v) for v in x]
        else:
            return self.scalar(x)
        self._memo[id(x)] = (x, value)
        return value

    def same(self, a: Any, b: Any) -> bool:
        if a is MISSING or b is MISSING:
            return a is b
        return a is b or self._canon(a) == self._canon(b)

    def conflict(self, where: str, ours: Any, theirs: Any) -> None:
        self.conflicts.append(shown_pair(where or "(document)", ours, theirs, self.plain))

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
        if _text_blocks(base, ours, theirs):
            return self.merge_text(base, ours, theirs, path)
        self.conflict(path, ours, theirs)
        return theirs

    def merge_text(self, base: str, ours: str, theirs: str, path: str) -> Any:
        """Two edits of a multi-line string, merged by lines: only the lines both sides changed conflict (and take
        the new render in the proposal); every other line the user wrote is kept."""
        result = merge_sequences(base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True))
        for c in result.clashes:
            self.conflicts.append(clash_line(path, c.ours, c.theirs, c.ours_at))
        return self.restring(theirs, "".join(result.merged))

    def merge_map(self, base: Mapping, ours: MutableMapping, theirs: Mapping, path: str) -> None:
        for k in list(ours):
            b, o, t = base.get(k, MISSING), ours[k], theirs.get(k, MISSING)
            if t is MISSING:
                if b is MISSING:
                    continue  # the user's addition
                if not self.same(b, o):
                    self.conflict(keypath.join(path, k), o, MISSING)
                del ours[k]
            else:
                new = self.merge(b, o, t, keypath.join(path, k))
                if new is not o:
                    ours[k] = new
        added: dict[Any, Any] = {}
        for k, t in theirs.items():
            if k in ours:
                continue
            b = base.get(k, MISSING)
            if b is not MISSING and self.same(b, t):
                continue  # the user deleted it and the upgrade did not touch it: stays deleted
            if b is not MISSING:
                self.conflict(keypath.join(path, k), MISSING, t)
            added[k] = t
        if added:
            kept = list(ours)
            for k, t in added.items():
                ours[k] = t
            # Each new key goes right after the key that precedes it in the new render.
            self.reorder(ours, placed(kept, list(theirs), added))

    def merge_seq(self, base: list, ours: MutableSequence, theirs: list, path: str) -> None:
        if _named(base) and _named(ours) and _named(theirs):
            self._merge_named(base, ours, theirs, path)
            return
        if len(base) == len(ours) == len(theirs):
            # The same items, edited in place (a rule's port by one side and its peer by the other): merged item by
            # item, so that edits of different keys of one item both land, a conflict names the key, and the user's
            # node, with its comments, is the one kept.
            for i, (b, o, t) in enumerate(zip(base, list(ours), theirs, strict=True)):
                new = self.merge(b, o, t, keypath.item(path, i))
                if new is not o:
                    ours[i] = new
            return
        key = lambda x: json.dumps(self._canon(x), sort_keys=True, default=str)  # noqa: E731
        okeys = [key(x) for x in ours]
        tkeys = [key(x) for x in theirs]
        result = merge_sequences([key(x) for x in base], okeys, tkeys, keep_both=True)
        for c in result.clashes:
            self.conflict(keypath.item(path, c.ours_at), _Listed(c.ours), _Listed(c.theirs))
        if result.merged == okeys:
            return
        pool = dict(zip(tkeys, theirs, strict=False))
        pool.update(zip(okeys, ours, strict=False))  # the user's node (with its comments) wins for an equal item
        items = [pool[k] for k in result.merged]
        self.rebuild(ours, items, None, list(range(len(items))))

    def _merge_named(self, base: list, ours: MutableSequence, theirs: list, path: str) -> None:
        b = {x["name"]: x for x in base}
        t = {x["name"]: x for x in theirs}
        kept: dict[Any, tuple[Any, int]] = {}  # name -> (item, its index in ours)
        replaced = removed = False
        for i, o in enumerate(ours):
            name = o["name"]
            sub = f"{path}[name={name}]"
            if name in t:
                new = self.merge(b.get(name, MISSING), o, t[name], sub)
                replaced = replaced or new is not o
                kept[name] = (new, i)
            elif name in b:
                if not self.same(b[name], o):
                    self.conflict(sub, o, MISSING)
                removed = True
            else:
                kept[name] = (o, i)  # the user's own item
        added: dict[Any, Any] = {}
        for x in theirs:
            name = x["name"]
            if name in kept:
                continue
            if name in b and self.same(b[name], t[name]):
                continue  # removed by the user, unchanged upstream
            if name in b:
                self.conflict(f"{path}[name={name}]", MISSING, t[name])
            added[name] = t[name]
        if not (added or removed):
            if replaced:
                for item, i in kept.values():
                    if ours[i] is not item:
                        ours[i] = item
            return
        names = placed(list(kept), [x["name"] for x in theirs], added)
        index = {n: i for i, n in enumerate(names)}
        items = [kept[n][0] if n in kept else added[n] for n in names]
        self.rebuild(ours, items, [kept[n][1] if n in kept else None for n in names], [index[n] for n in added])


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
