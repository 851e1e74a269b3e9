"""`@record`: a dataclass whose methods are shared functions, not compiled per class.

Python 3.11 builds each method `@dataclass` generates from source text and
compiles it on its own at import: six methods for a frozen class, ten with
ordering. hardgen declares some thirty records on the path of every command,
and compiling their methods was a sixth of a cold `hardgen generate`. These
functions do what the generated ones do: `__init__` takes the fields
positionally (all but keyword-only ones) or by keyword, with their defaults and
default factories; a frozen record refuses to assign or delete any attribute
(`dataclasses.FrozenInstanceError`); equality and ordering compare the tuples of
`compare` fields of two objects of the same class, hashing hashes that tuple
(frozen records only; a mutable record is unhashable, as with `@dataclass`),
and repr prints `Name(field=value, ...)` for the `repr` fields.
`fields()`/`replace()` stay dataclasses'. tests/test_records.py pins each to `@dataclass`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, dataclass_transform


def _compared(obj: Any) -> tuple:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj) if f.compare)


def _eq(self, other):
    if other.__class__ is self.__class__:
        return _compared(self) == _compared(other)
    return NotImplemented


def _lt(self, other):
    if other.__class__ is self.__class__:
        return _compared(self) < _compared(other)
    return NotImplemented


def _le(self, other):
    if other.__class__ is self.__class__:
        return _compared(self) <= _compared(other)
    return NotImplemented


def _gt(self, other):
    if other.__class__ is self.__class__:
        return _compared(self) > _compared(other)
    return NotImplemented


def _ge(self, other):
    if other.__class__ is self.__class__:
        return _compared(self) >= _compared(other)
    return NotImplemented


_MISSING = dataclasses.MISSING


def _init(self, *args, **kwargs):
    """The dataclass `__init__`, read from the class's field list instead of compiled for it."""
    positional, fields = type(self).__record_init__
    if len(args) > len(positional):
        raise TypeError(f"{type(self).__qualname__}() takes {len(positional)} positional arguments but {len(args)} were given")
    set_attribute = object.__setattr__
    given = dict(zip(positional, args, strict=False))
    for name in kwargs:
        if name in given:
            raise TypeError(f"{type(self).__qualname__}() got multiple values for argument {name!r}")
    given.update(kwargs)
    for name, default, factory in fields:
        if name in given:
            value = given.pop(name)
        elif default is not _MISSING:
            value = default
        elif factory is not _MISSING:
            value = factory()
        else:
            raise TypeError(f"{type(self).__qualname__}() missing 1 required argument: {name!r}")
        set_attribute(self, name, value)
    if given:
        raise TypeError(f"{type(self).__qualname__}() got an unexpected keyword argument {next(iter(given))!r}")


def _frozen_setattr(self, name, value):
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name):
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _hash(self):
    return hash(_compared(self))


def _repr(self):
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"


@dataclass_transform(field_specifiers=(dataclasses.field,))
def record(cls: Any = None, /, *, frozen: bool = False, order: bool = False, kw_only: bool = False) -> Any:
    """Use as `@record`, `@record(frozen=True)` or `@record(frozen=True, order=True)`.

    `dataclass_transform` tells type checkers that a record is a dataclass, so
    they check its constructor calls and field types as they would `@dataclass`.
    """

    def wrap(cls: Any) -> Any:
        shared: dict[str, Any] = {"__init__": _init, "__eq__": _eq, "__repr__": _repr, "__hash__": _hash if frozen else None}
        if frozen:
            shared.update(__setattr__=_frozen_setattr, __delattr__=_frozen_delattr)
        if order:
            shared.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
        for name in shared:
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} defines {name}; use @dataclass for hand-written value methods")
        if "__post_init__" in dir(cls):
            raise TypeError(f"{cls.__name__} has __post_init__; use @dataclass")
        # init=False, frozen=False: dataclasses compiles neither __init__ nor __setattr__/__delattr__; ours are shared.
        cls = dataclasses.dataclass(cls, init=False, frozen=False, eq=False, repr=False, kw_only=kw_only)
        fields = [f for f in dataclasses.fields(cls)]
        cls.__record_init__ = (
            tuple(f.name for f in fields if not f.kw_only),
            tuple((f.name, f.default, f.default_factory) for f in fields),
        )
        for name, method in shared.items():
            setattr(cls, name, method)
        return cls

    return wrap if cls is None else wrap(cls)
