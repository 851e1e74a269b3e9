"""Which TOML values a configurable's declared type accepts, as the Ballerina runtime decides it.

ballerina-lang `bvm/ballerina-runtime/.../configurable/providers/toml/Utils.java`, `checkEffectiveTomlType`:
`int` and `byte` take a TOML integer only; `float` and `decimal` a TOML float only (`1` for a float is a type
error: write `1.0`); `boolean` a boolean; `string`, enums (unions of string singletons) and `xml` a string;
arrays and tuples an array; `map` and records a table (or inline table); `table` an array of tables; an
intersection (`T & readonly`) is its effective type. Unions take what any member takes. Named types are
followed through the module's `type` and `enum` definitions, and through `prefix:Name` into another module of
the same package; a type defined in another package cannot be seen and is "unknown": the contract check
refuses to write a value for it rather than guess.
"""

from __future__ import annotations

from decimal import Decimal

from generator.inputs.ballerina.project import BallerinaProject, Module
from generator.inputs.ballerina.syntax import INT_SUBTYPES, BalType

INTEGER, FLOAT, BOOLEAN, STRING, ARRAY, TABLE, TABLE_ARRAY = "integer", "float", "boolean", "string", "array", "table", "array of tables"
_ANY = frozenset({INTEGER, FLOAT, BOOLEAN, STRING, ARRAY, TABLE, TABLE_ARRAY})
_SIMPLE = {"int": {INTEGER}, "byte": {INTEGER}, "float": {FLOAT}, "decimal": {FLOAT}, "boolean": {BOOLEAN},
           "string": {STRING}, "xml": {STRING}, "anydata": set(_ANY), "json": set(_ANY), "()": set()}
_MAX_DEPTH = 32


class Unknown(Exception):
    """A type whose TOML form this module cannot tell (defined in another package, or not modelled)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class Scope:
    """Where a type's names are looked up: its module, and the other modules of the package through imports."""

    def __init__(self, project: BallerinaProject, module: Module):
        self.project = project
        self.module = module

    def lookup(self, name: str) -> tuple[BalType | tuple[str, ...], Scope] | None:
        """A `type` definition (BalType) or an enum (its member values) named `name` or `prefix:name`."""
        module = self.module
        if ":" in name:
            prefix, name = name.split(":", 1)
            target = self._imported(prefix)
            if target is None:
                return None
            module = target
        if name in module.enums:
            return module.enums[name], Scope(self.project, module)
        if name in module.types:
            return module.types[name], Scope(self.project, module)
        return None

    def _imported(self, prefix: str) -> Module | None:
        project = self.project
        for _file, imp in self.module.imports:
            if imp.alias != prefix or imp.org not in ("", project.org):
                continue
            if imp.module == project.name:
                return project.module("")
            if imp.module.startswith(project.name + "."):
                return project.module(imp.module[len(project.name) + 1:])
        return None


def toml_kinds(t: BalType, scope: Scope, depth: int = 0) -> tuple[frozenset[str], tuple[object, ...] | None]:
    """(the TOML value kinds `t` accepts, the allowed values when it is a finite set of singletons, else None)."""
    if depth > _MAX_DEPTH:
        raise Unknown(t.text)
    kind = t.kind
    if kind == "simple":
        base = t.name.split(":", 1)[0]
        if base in _SIMPLE:
            return frozenset(_SIMPLE[base]), None
        if base == "readonly":
            return _ANY, None
        raise Unknown(t.text)
    if kind in ("array", "tuple"):
        return frozenset({ARRAY}), None
    if kind in ("map", "record"):
        return frozenset({TABLE}), None
    if kind == "table":
        return frozenset({TABLE_ARRAY, ARRAY}), None
    if kind == "singleton":
        v = t.value
        found = BOOLEAN if isinstance(v, bool) else INTEGER if isinstance(v, int) else FLOAT if isinstance(v, (float, Decimal)) else STRING if isinstance(v, str) else None
        return (frozenset({found}) if found else frozenset()), (v,)
    if kind == "union":
        kinds: set[str] = set()
        values: list[object] | None = []
        for member in t.args:
            k, vs = toml_kinds(member, scope, depth + 1)
            kinds |= k
            if values is not None and vs is not None:
                values.extend(vs)
            elif k:
                values = None
        return frozenset(kinds), (tuple(values) if values is not None else None)
    if kind == "intersection":
        effective = [m for m in t.args if not (m.kind == "simple" and m.name == "readonly")]
        if len(effective) == 1:
            return toml_kinds(effective[0], scope, depth + 1)
        if not effective:
            return _ANY, None
        raise Unknown(t.text)
    if kind == "ref":
        looked = scope.lookup(t.name)
        if looked is None:
            raise Unknown(t.text)
        definition, where = looked
        if isinstance(definition, tuple):  # an enum: a union of string constants
            return frozenset({STRING}), definition
        return toml_kinds(definition, where, depth + 1)
    raise Unknown(t.text)


def toml_kind_of(value: object) -> str:
    """The TOML kind hardgen writes for a Python value (tomlkit: bool, int, float, str)."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STRING
    if isinstance(value, (list, tuple)):
        return ARRAY
    return TABLE


def rejects(t: BalType, scope: Scope, value: object) -> str | None:
    """Why the runtime would refuse `value` (as hardgen writes it to TOML) for type `t`; None when it accepts it.

    Raises Unknown when the type cannot be judged.
    """
    kinds, allowed = toml_kinds(t, scope)
    found = toml_kind_of(value)
    if found not in kinds:
        hint = ""
        if found == INTEGER and FLOAT in kinds:
            hint = f" (write {value}.0: Ballerina reads a TOML integer only into int and byte)"
        wanted = " or ".join(sorted(kinds)) or "no TOML value"
        return f"is a TOML {found}; `{t.text}` takes a TOML {wanted}{hint}"
    if allowed is not None and not any(type(a) is type(value) and a == value for a in allowed if not isinstance(a, Decimal)):
        shown = ", ".join(repr(a) for a in allowed)
        return f"is not one of the values `{t.text}` allows ({shown})"
    if found == INTEGER and isinstance(value, int):
        name = _int_name(t, scope)
        if name == "byte":
            name = "int:Unsigned8"
        if name and name.startswith("int:") and name[4:] in INT_SUBTYPES:
            low, high = INT_SUBTYPES[name[4:]]
            if not low <= value <= high:
                return f"is out of the range of `{t.text}` ({low}..{high})"
    return None


def _int_name(t: BalType, scope: Scope) -> str:
    """The simple int type behind `t` (int, byte, int:Signed8 ...), when it is one plainly."""
    if t.kind == "simple":
        return t.name
    if t.kind == "intersection":
        rest = [m for m in t.args if not (m.kind == "simple" and m.name == "readonly")]
        return _int_name(rest[0], scope) if len(rest) == 1 else ""
    if t.kind == "ref":
        found = scope.lookup(t.name)
        if found is not None and not isinstance(found[0], tuple):
            return _int_name(found[0], found[1])
    return ""
