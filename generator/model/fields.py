"""Declare a field once; build, validate, document and ask for it from that one place.

The integration model (`generator.model`) is a tree of frozen dataclasses whose
fields carry their help text, default and validator in `metadata`. This module
is the only code that reads that metadata: it turns merged input data into a
model (collecting every problem with its key path instead of stopping at the
first), derives the JSON Schema, and lists the questions the wizard asks. Adding
a field to the model therefore needs no edit here.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING
from typing import Any, Literal, Union, get_args, get_origin

from generator import keypath
from generator.errors import Problem, say, show
from generator.inputs.load import SetText, parse_flow
from generator.model.validators import secret_value, unsafe_text
from generator.records import record

Check = Callable[[Any], "str | None"]


@record(frozen=True)
class Spec:
    """What a model field declares besides its type and default: help, validation, schema bounds, wizard hints."""

    help: str
    check: Check | None = None
    each: Check | None = None  # for lists: checked per item, so the message names `key[i]`
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    derived: str | None = None  # how a None default is filled in, for docs and schema
    ask: bool = True  # offered by the wizard
    # The wizard (generator.questions) reads the rest; validation and the schema ignore them.
    advanced: bool = False  # asked only when the user opts into advanced settings
    when: tuple[tuple[str, Any], ...] = ()  # asked only if each (key, value) holds; key is a sibling, or '/a.b' from the root
    omit: tuple[str, ...] = ()  # for a list of mappings: item fields not asked in this list


def field(help: str, default: Any = MISSING, *, factory: Any = MISSING, **spec: Any) -> Any:
    """A model field: `help` is shown by `hardgen schema`, docs/answers.md and the wizard."""
    meta = {"hardgen": Spec(help=help, **spec)}
    if factory is not MISSING:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def is_record_type(tp: Any) -> bool:
    """A model class (a dataclass type), as opposed to a scalar, list or mapping type."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def spec_of(f: dataclasses.Field) -> Spec:
    return f.metadata["hardgen"]


@functools.cache
def type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def fields_of(cls: type) -> Iterator[tuple[dataclasses.Field, Any]]:
    th = type_hints(cls)
    for f in dataclasses.fields(cls):
        yield f, th[f.name]


def key_of(f: dataclasses.Field) -> str:
    """The answers-file key of a field: `from_` is `from` (a Python keyword in the model)."""
    return f.name.rstrip("_")


def is_required(f: dataclasses.Field) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def default_of(f: dataclasses.Field) -> Any:
    """The value a field has when no input sets it (None for a derived default)."""
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None if f.default is MISSING else f.default


def read_field(f: dataclasses.Field, tp: Any, raw: Any, path: str) -> tuple[Any, list[Problem]]:
    """One field's value from one answer (the wizard), read and checked exactly as in a whole answers file."""
    builder = Builder(lambda _path: "answer")
    value = builder.field_value(f, tp, raw, path)
    return value, builder.problems


def _optional_inner(tp: Any) -> Any | None:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0]
    return None


def bare_type(tp: Any) -> Any:
    """`X | None` is X; other types are themselves."""
    inner = _optional_inner(tp)
    return tp if inner is None else inner


def sequence_item(tp: Any) -> Any | None:
    """The item type of a list field (`tuple[X, ...]`, the model's immutable list), else None."""
    args = get_args(tp)
    if get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def _scalar_union(tp: Any) -> tuple[type, ...] | None:
    if get_origin(tp) in (Union, types.UnionType):
        args = get_args(tp)
        if all(a in (str, int, float, bool) for a in args):
            return args
    return None


def type_words(tp: Any) -> str:
    """What a value of this type looks like, in words for error messages."""
    inner = _optional_inner(tp)
    if inner is not None:
        return type_words(inner)
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(tp))
    if tp is bool:
        return "true or false"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if sequence_item(tp) is not None:
        return "a list"
    if get_origin(tp) in (dict, Mapping) or dataclasses.is_dataclass(tp):
        return "a mapping"
    return "a string, number or true/false"


class Builder:
    """Builds one model instance from plain data, collecting problems with their origins."""

    def __init__(self, origin: Callable[[str], str]):
        self.origin = origin
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.origin(path), path, message))

    def build(self, cls: type, data: Any, path: str = "") -> Any:
        if not isinstance(data, Mapping):
            self.problem(path, f"{show(data)} is not {type_words(cls)}")
            return None
        known = {key_of(f) for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                sub = keypath.join(path, key)
                import difflib  # only on a mistyped key: keeps it off the start-up path

                close = difflib.get_close_matches(str(key), sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(sorted(known))}"
                self.problem(sub, f"unknown key {str(key)!r}{hint}")
        values: dict[str, Any] = {}
        for f, tp in fields_of(cls):
            key = key_of(f)
            sub = keypath.join(path, key)
            if key in data:
                raw = data[key]
            elif is_required(f):
                self.problems.append(Problem("missing", sub, f"is required ({spec_of(f).help}); pass --set {sub}=VALUE or add it to an answers file"))
                continue
            elif dataclasses.is_dataclass(tp):
                raw = {}
            else:
                continue
            before = len(self.problems)
            value = self.field_value(f, tp, raw, sub)
            if len(self.problems) > before:
                continue
            values[f.name] = value
        if self.problems:
            return _Broken()
        try:
            return cls(**values)
        except TypeError:
            return _Broken()

    def field_value(self, f: dataclasses.Field, tp: Any, raw: Any, path: str) -> Any:
        """One field's value: read by its type, then checked by its validators (problems recorded)."""
        value = self.value(tp, raw, path)
        spec = spec_of(f)
        if value is None or _has_broken(value):
            return value
        if spec.each is not None:
            bad = [(i, item, why) for i, item in enumerate(value) if (why := spec.each(item))]
            for i, item, why in bad:
                self.problem(keypath.item(path, i), say(item, why))
            if bad:
                return value
        why = spec.check(value) if spec.check is not None else None
        if why:
            self.problem(path, say(value, why))
        return value

    def value(self, tp: Any, raw: Any, path: str) -> Any:
        inner = _optional_inner(tp)
        if inner is not None:
            if raw is None or (isinstance(raw, SetText) and raw in ("", "null", "~")):
                return None
            return self.value(inner, raw, path)
        if is_record_type(tp):
            return self.build(tp, _flow(raw), path)
        origin = get_origin(tp)
        item = sequence_item(tp)
        if item is not None:
            raw = _flow(raw)
            if not isinstance(raw, list):
                self.problem(path, f"{show(raw)} is not a list")
                return None
            return tuple(self.value(item, v, keypath.item(path, i)) for i, v in enumerate(raw))
        if origin in (dict, Mapping):
            _key_t, val_t = get_args(tp)
            raw = _flow(raw)
            if not isinstance(raw, Mapping):
                self.problem(path, f"{show(raw)} is not a mapping")
                return None
            out = {}
            for k, v in raw.items():
                if not isinstance(k, str):
                    self.problem(path, f"key {show(k)} is not a string")
                    continue
                sub = keypath.join(path, k)
                why = unsafe_text(k) or secret_value(k)
                if why:
                    self.problem(sub, f"the key {say(k, why)}")
                    continue
                out[k] = self.value(val_t, v, sub)
            return types.MappingProxyType(dict(sorted(out.items())))
        return self.scalar(tp, raw, path)

    def scalar(self, tp: Any, raw: Any, path: str) -> Any:
        union = _scalar_union(tp)
        if isinstance(raw, str):
            why = unsafe_text(raw, multiline=union is not None) or secret_value(raw)
            if why:
                self.problem(path, say(raw, why))
                return None
        if get_origin(tp) is Literal:
            allowed = get_args(tp)
            cand = raw
            if isinstance(raw, SetText):
                cand = _int(raw) if all(isinstance(a, int) for a in allowed) else str(raw)
            if cand in allowed and type(cand) is type(allowed[allowed.index(cand)]):
                return cand
            self.problem(path, f"{show(raw)} is not allowed (one of: {', '.join(str(a) for a in allowed)})")
            return None
        if union is not None:
            value = _guess_scalar(raw) if isinstance(raw, SetText) else raw
            if not isinstance(value, (str, int, float, bool)):
                self.problem(path, f"{show(raw)} is not a string, number or true/false")
                return None
            why = _number_problem(value)
            if why:
                self.problem(path, f"{show(value)} {why}; give it as a quoted string in an answers file to keep it as text")
                return None
            return value
        if isinstance(raw, SetText):
            raw = {bool: _bool, int: _int, float: _float}.get(tp, str)(raw)
        if tp is float and isinstance(raw, int) and not isinstance(raw, bool):
            raw = float(raw)
        if tp is str and isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if isinstance(raw, tp) and not (tp is int and isinstance(raw, bool)):
            why = _number_problem(raw)
            if why:
                self.problem(path, f"{show(raw)} {why}")
                return None
            return raw
        self.problem(path, f"{show(raw)} is not {type_words(tp)}" + ("; quote it" if tp is str and isinstance(raw, float) else ""))
        return None


#: TOML integers are 64-bit (TOML 1.0: "Arbitrary 64-bit signed integers should be accepted and handled losslessly").
INT64 = range(-(2**63), 2**63)


def _number_problem(value: Any) -> str | None:
    """What TOML (and so Config.toml) cannot hold: an integer beyond 64 bits, a NaN or an infinity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value not in INT64:
        return "is outside the 64-bit integer range (TOML, and so Config.toml, holds no larger number)"
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    return None


class _Broken:
    """Stands for a sub-model that had problems, so building can go on and report the rest."""


def _has_broken(value: Any) -> bool:
    if isinstance(value, _Broken) or value is None:
        return True
    if isinstance(value, tuple):
        return any(_has_broken(v) for v in value)
    if isinstance(value, Mapping):
        return any(_has_broken(v) for v in value.values())
    return False


def _flow(raw: Any) -> Any:
    """`--set 'targets=[docker, kubernetes]'`: lists and mappings on the command line are YAML flow text."""
    if isinstance(raw, SetText):
        return parse_flow(raw)
    return raw


#: Numbers on the command line: ASCII digits only (int() and float() also read ' 42 ', '1_000', Arabic-Indic digits
#: and 'nan', which no user means as a number).
#: (Patterns as text: `re` compiles and caches them on first use, and only `--set` needs them.)
_INT_TEXT = r"[-+]?[0-9]+"
_FLOAT_TEXT = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
#: A `--set` value of config.values is a number only when it is a TOML literal that Config.toml writes back as
#: typed: canonical decimal integers and floats (007, 1.10, 1_000, +1, 1e3 keep their text).
_CANONICAL_INT = r"-?(?:0|[1-9][0-9]*)"
_CANONICAL_FLOAT = r"-?(?:0|[1-9][0-9]*)\.[0-9]+"


def _int(text: str) -> Any:
    return int(text, 10) if re.fullmatch(_INT_TEXT, text) else text


def _float(text: str) -> Any:
    return float(text) if re.fullmatch(_FLOAT_TEXT, text) else text


def _bool(text: str) -> Any:
    return {"true": True, "false": False, "yes": True, "no": False}.get(text.lower(), text)


def _guess_scalar(text: str) -> Any:
    """A config value typed on the command line: its text, unless it is exactly a TOML boolean, integer or float
    that Config.toml writes back unchanged (`true`, `42`, `1.5`)."""
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(_CANONICAL_INT, text) and text != "-0":
        return int(text)
    if re.fullmatch(_CANONICAL_FLOAT, text) and repr(float(text)) == text:
        return float(text)
    return str(text)


# --- JSON Schema -----------------------------------------------------------------------------


def json_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema of an answers file, derived from the same fields that validate it."""
    return _schema_of(cls)


def _schema_of(tp: Any, spec: Spec | None = None) -> dict[str, Any]:
    inner = _optional_inner(tp)
    if inner is not None:
        s = _schema_of(inner, spec)
        s["type"] = [s["type"], "null"] if isinstance(s.get("type"), str) else s.get("type")
        if "enum" in s:
            s["enum"] = [*s["enum"], None]
        return s
    if is_record_type(tp):
        props: dict[str, Any] = {}
        required = []
        for f, ftp in fields_of(tp):
            fs = spec_of(f)
            p = _schema_of(ftp, fs)
            p["description"] = fs.help + (f" (default: {fs.derived})" if fs.derived else "")
            if f.default is not MISSING and f.default is not None:
                p["default"] = _jsonable(f.default)
            elif f.default_factory is not MISSING:
                default = f.default_factory()
                if not dataclasses.is_dataclass(default):
                    p["default"] = _jsonable(default)
            if is_required(f):
                required.append(key_of(f))
            props[key_of(f)] = p
        out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": props}
        if required:
            out["required"] = required
        return out
    origin = get_origin(tp)
    item = sequence_item(tp)
    if item is not None:
        return {"type": "array", "items": _schema_of(item)}
    if origin in (dict, Mapping):
        return {"type": "object", "additionalProperties": _schema_of(get_args(tp)[1])}
    if origin is Literal:
        vals = list(get_args(tp))
        return {"enum": vals, "type": "integer" if all(isinstance(v, int) for v in vals) else "string"}
    union = _scalar_union(tp)
    if union is not None:
        return {"type": [_json_type(t) for t in union]}
    scalar: dict[str, Any] = {"type": _json_type(tp)}
    if spec is not None:
        if spec.minimum is not None:
            scalar["minimum"] = spec.minimum
        if spec.maximum is not None:
            scalar["maximum"] = spec.maximum
        if spec.pattern is not None:
            scalar["pattern"] = spec.pattern
    return scalar


def _json_type(tp: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def to_data(obj: Any) -> Any:
    """A model back to plain data (for the answers file), keys in declaration order.

    None is left out where it is the default (a default derived from other answers), and kept where the user chose
    it over a default (`service.keystore_path_key: null`): left out, a replay would bring the default back.
    """
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if v is None and f.default in (None, dataclasses.MISSING):
                continue
            out[key_of(f)] = to_data(v)
        return out
    if isinstance(obj, (tuple, list)):
        return [to_data(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: to_data(v) for k, v in obj.items()}
    return obj
