"""The wizard's questions, derived from the integration model: there is no second list to keep in step.

Every askable field of `generator.model` becomes one question, with the
field's help as its text, its type deciding the prompt (a Literal is a choice,
a bool a yes/no, a list of Literals a multiple choice, a list of mappings a
repeatable entry, anything else typed text), and the field's own reader and
validators judging the answer, so the wizard refuses a value with the very
message `hardgen generate` would print. The order is the model's declaration
order, except that a question conditional on another (`when=` in the field) is
asked right after it: the target sections come after `targets`, and only for
the chosen targets.

The wizard asks the targets right after the name, so every later question can
depend on them: a question only some targets read (`TARGET_NEEDS`) is asked only
when one of them is chosen, and the target sections come last. An advanced
setting a chosen target warns about when it is left unset (`PROMOTED`) is asked
with the ordinary questions, so no warning names an answer the user was never
offered. A peer is asked for its address block before its namespace, and not for
a namespace once it has one.

This module has no prompt toolkit in it (that is `generator.wizard`), so the
questions, their order and their checks are plain functions to test.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from generator import keypath, secret_like
from generator.errors import Problem
from generator.inputs.load import SetText
from generator.model import validators as checks
from generator.model.fields import (
    Builder,
    Spec,
    bare_type,
    default_of,
    fields_of,
    is_record_type,
    key_of,
    read_field,
    sequence_item,
    spec_of,
    to_data,
)
from generator.model.integration import TARGET_NAMES, Integration
from generator.model.rules import cross_field_problems

TEXT, SELECT, CONFIRM, CHECKBOX, ENTRIES = "text", "select", "confirm", "checkbox", "entries"

#: Key paths (and the keys under them) only some targets read: asked only when one of those is chosen.
TARGET_NEEDS: dict[str, tuple[str, ...]] = {"image": ("docker", "kubernetes")}
#: Advanced settings a target warns about when unset (generator/targets/kubernetes: "image.digest is not set",
#: "metrics.enabled without metrics.from"): asked with the ordinary questions, under these extra conditions.
PROMOTED: dict[str, tuple[tuple[str, Any], ...]] = {"image.digest": (("/targets", "kubernetes"),), "metrics.from": ()}
#: The questions of a peer, in asking order, and the conditions the wizard adds: the address block right after
#: the labels (a peer outside the cluster has none), the namespace only for a peer without an address block.
ENTRY_ORDER = ("name", "labels", "cidr", "namespace", "port")
ENTRY_WHEN: dict[str, tuple[tuple[str, Any], ...]] = {"cidr": (("labels", {}),), "namespace": (("cidr", None),)}


@dataclass(frozen=True, eq=False)
class Question:
    path: str  # key path from the root; for the fields of an entry, from the entry
    field: dataclasses.Field
    type: Any
    kind: str
    section: str  # help of the enclosing group of fields, shown as a heading ("" at the top)
    when: tuple[tuple[str, Any], ...] = ()  # (key, value) conditions; a key is from `base`, or '/a.b' from the root
    advanced: bool = False
    items: tuple[Question, ...] = ()  # ENTRIES: the questions of one entry
    needs: tuple[str, ...] = ()  # the targets that read this key; () for all of them
    promoted: tuple[tuple[str, Any], ...] | None = None  # an advanced question asked with the ordinary ones when these hold

    @property
    def spec(self) -> Spec:
        return spec_of(self.field)

    @property
    def choices(self) -> tuple[Any, ...]:
        tp = bare_type(self.type)
        return get_args(sequence_item(tp) if self.kind == CHECKBOX else tp)

    def default(self) -> Any:
        return to_data(default_of(self.field))


def kind_of(tp: Any) -> str:
    tp = bare_type(tp)
    origin = get_origin(tp)
    if origin is Literal:
        return SELECT
    if tp is bool:
        return CONFIRM
    item = sequence_item(tp)
    if item is not None:
        if get_origin(item) is Literal:
            return CHECKBOX
        if dataclasses.is_dataclass(item):
            return ENTRIES
    return TEXT


def questions(cls: type = Integration) -> list[Question]:
    """Every question of `cls` in asking order: the name, the targets, what it is, then where it runs."""
    flat = _flatten(cls, "", (), False, "")
    if cls is Integration:
        first = [q for q in flat if q.path in ("name", "targets")]
        sections = [q for q in flat if q not in first and any(when_path(k, "") == "targets" for k, _ in q.when)
                    and q.path.split(".")[0] in TARGET_NAMES]
        flat = first + [q for q in flat if q not in first and q not in sections] + sections
    return ordered(flat)


def _under(path: str, table: Mapping[str, Any]) -> Any:
    return next((v for k, v in table.items() if keypath.within(path, k)), None)


def _flatten(cls: Any, prefix: str, when: tuple, advanced: bool, section: str) -> list[Question]:
    out: list[Question] = []
    for f, tp in fields_of(cls):
        spec = spec_of(f)
        if not spec.ask:
            continue
        path = keypath.join(prefix, key_of(f))
        own = when + tuple((k if k.startswith("/") else keypath.join(prefix, k), v) for k, v in spec.when)
        adv = advanced or spec.advanced
        if is_record_type(tp):
            out.extend(_flatten(tp, path, own, adv, spec.help))
            continue
        kind = kind_of(tp)
        items: tuple[Question, ...] = ()
        if kind == ENTRIES:
            entry = _flatten(sequence_item(tp), "", (), False, "")
            entry = [dataclasses.replace(q, when=ENTRY_WHEN.get(q.path, q.when)) for q in entry if q.path not in spec.omit]
            items = tuple(ordered(sorted(entry, key=lambda q: ENTRY_ORDER.index(q.path) if q.path in ENTRY_ORDER else len(ENTRY_ORDER))))
        promoted = _under(path, PROMOTED) if adv else None
        needs = _under(path, TARGET_NEEDS) or ()
        out.append(Question(path, f, tp, kind, section, own, adv, items, needs, promoted))
    return out


def ordered(qs: list[Question]) -> list[Question]:
    """Declaration order, but a conditional question waits until every key it depends on was asked."""
    paths = {q.path for q in qs}
    asked: set[str] = set()
    waiting: dict[str, list[Question]] = {}
    out: list[Question] = []

    def emit(q: Question) -> None:
        out.append(q)
        asked.add(q.path)
        for later in waiting.pop(q.path, []):
            place(later)

    def place(q: Question) -> None:
        deps = [p for p in (when_path(k, "") for k, _ in q.when) if p in paths and p not in asked]
        if deps:
            waiting.setdefault(deps[-1], []).append(q)
        else:
            emit(q)

    for q in qs:
        place(q)
    assert not waiting, f"questions wait for keys never asked: {sorted(waiting)}"
    return out


# --- answers as plain nested data --------------------------------------------------------


def when_path(key: str, base: str) -> str:
    """A `when` key as a path from the root: '/a.b' is absolute, anything else is under `base`."""
    return key[1:] if key.startswith("/") else keypath.join(base, key)


_ABSENT = object()


def field_at(path: str, cls: Any = Integration) -> dataclasses.Field:
    """The model field a key path names (`ingress[0].name` is the `name` of a Peer)."""
    f, tp = None, cls
    for part in keypath.parts(path):
        if isinstance(part, int):
            tp = sequence_item(bare_type(tp))
            continue
        f, tp = next((g, gtp) for g, gtp in fields_of(bare_type(tp)) if key_of(g) == part)
    assert f is not None, path
    return f


def current(q: Question, data: dict, base: str = "") -> Any:
    """The answer so far: from the preset or answers file, else the model's default."""
    path = keypath.join(base, q.path)
    raw = keypath.get(data, path, _ABSENT)
    if raw is _ABSENT:
        return q.default()
    value, problems = read_field(q.field, q.type, raw, path)
    return raw if problems else to_data(value)  # typed as the model reads it (`--set jdk=17` is 17)


def applies(q: Question, data: dict, base: str = "") -> bool:
    """Whether every `when` condition of `q` holds for the answers so far, and a target that reads it is chosen."""
    if q.needs:
        chosen = keypath.get(data, "targets", _ABSENT)
        chosen = to_data(default_of(field_at("targets"))) if chosen is _ABSENT else chosen
        if not set(chosen if isinstance(chosen, list) else [chosen]) & set(q.needs):
            return False
    return holds(q.when, data, base)


def is_advanced(q: Question, data: dict, base: str = "") -> bool:
    """Advanced, unless a chosen target would warn about it left unset (`PROMOTED`)."""
    return q.advanced and not (q.promoted is not None and holds(q.promoted, data, base))


def holds(when: tuple[tuple[str, Any], ...], data: dict, base: str = "") -> bool:
    """Whether every (key, value) condition holds for the answers so far (a list holds a value it contains)."""
    for key, expected in when:
        path = when_path(key, base)
        value = keypath.get(data, path, _ABSENT)
        if value is _ABSENT:
            value = to_data(default_of(field_at(path)))
        if isinstance(value, list) and not isinstance(expected, list):
            if expected not in value:
                return False
        elif value != expected:
            return False
    return True


# --- text <-> value ----------------------------------------------------------------------


def as_text(value: Any) -> str:
    """An answer as the text a prompt shows for editing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={as_text(v)}" for k, v in value.items())
    return str(value)


def from_text(q: Question, text: str) -> Any:
    """Typed text as input for the field's reader: lists are comma-separated, mappings `key=value`."""
    text = text.strip()
    tp = bare_type(q.type)
    origin = get_origin(tp)
    if text.startswith(("[", "{")):
        return SetText(text)  # YAML flow, exactly as `--set` takes it
    if sequence_item(tp) is not None:
        return [SetText(t) for t in re.split(r"[,\s]+", text) if t]
    if origin in (dict, Mapping):
        pairs = [t.strip() for t in text.split(",") if t.strip()]
        if any("=" not in p for p in pairs):
            return SetText(text)  # the reader says it is not a mapping
        return {k.strip(): SetText(v.strip()) for k, v in (p.split("=", 1) for p in pairs)}
    return SetText(text)


def hint(q: Question, default_shown: bool = False) -> str:
    """What to type, for text questions: the format, and what an empty answer means (Enter keeps a shown default)."""
    tp = bare_type(q.type)
    parts = []
    if sequence_item(tp) is not None:
        parts.append("comma-separated")
    elif get_origin(tp) in (dict, Mapping):
        parts.append("key=value, comma-separated")
    if q.spec.derived and not default_shown:
        parts.append(f"empty: {q.spec.derived}")
    return f"({'; '.join(parts)})" if parts else ""


# --- judging an answer -------------------------------------------------------------------


def judge(q: Question, raw: Any, data: dict, base: str = "") -> tuple[Any, str | None]:
    """The answer as plain data, or the message that refuses it (the message `generate` gives)."""
    path = keypath.join(base, q.path)
    pasted = _pasted_secret(q, raw)
    if pasted:
        return None, f"{pasted} looks like a secret value; hardgen asks only for names, never for secrets (nothing was kept)"
    value, problems = read_field(q.field, q.type, raw, path)
    if problems:
        return None, _words(problems[0], path)
    answer = to_data(value)
    trial = copy.deepcopy(data)
    keypath.put(trial, path, answer)
    for problem_path, message in model_problems(trial):
        if keypath.within(problem_path, path):
            return None, _words(Problem("answer", problem_path, message), path)
    return answer, None


def _pasted_secret(q: Question, raw: Any) -> str | None:
    """In a name field (a `name`, the secret names), the words for a pasted secret, without echoing it to the screen."""
    if q.field.name != "name" and checks.secret_name not in (q.spec.check, q.spec.each):
        return None
    items = raw if isinstance(raw, list) else [raw]
    for i, item in enumerate(items):
        if isinstance(item, str) and secret_like.pasted_secret(item):
            return f"item {i + 1}" if isinstance(raw, list) else "this"
    return None


def _words(problem: Problem, path: str) -> str:
    """Every refusal names its subject: the key path, then what is wrong with it."""
    return f"{problem.path or path}: {problem.message}"


def model_problems(data: dict) -> list[tuple[str, str]]:
    """The rules across fields (`generator.model.rules`) for the answers so far; none while the model is incomplete."""
    builder = Builder(lambda _path: "answer")
    model = builder.build(Integration, data)
    return [] if builder.problems else cross_field_problems(model)


def refusals(q: Question, data: dict, base: str = "") -> dict[Any, str]:
    """For a choice question: the choices the model refuses right now, with its reason."""
    out = {}
    for choice in q.choices:
        raw = [choice] if q.kind == CHECKBOX else choice
        _value, why = judge(q, raw, data, base)
        if why:
            out[choice] = why
    return out


def question_for(problem_path: str, qs: list[Question]) -> Question | None:
    """The question that answers the key a problem names (the entries question for a key inside an entry)."""
    best = None
    for q in qs:
        if keypath.within(problem_path, q.path) and (best is None or len(q.path) > len(best.path)):
            best = q
    return best
