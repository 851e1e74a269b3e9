"""`@record`: a dataclass whose eq, hash, repr (and order) are shared functions, not compiled per class.

Python 3.11 builds each method `@dataclass` generates from source text and
compiles it on its own at import: six methods for a frozen class, ten with
ordering. hardgen declares some twenty records on the path of every command,
and compiling their methods was a sixth of a cold `hardgen generate`. These
functions do what the generated ones do: equality and ordering compare the
tuples of `compare` fields of two objects of the same class, hashing hashes
that tuple (frozen records only; a mutable record is unhashable, as with
`@dataclass`), and repr prints `Name(field=value, ...)` for the `repr` fields.
`__init__`, `__setattr__` (frozen) and `fields()`/`replace()` stay dataclasses'.
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
        shared: dict[str, Any] = {"__eq__": _eq, "__repr__": _repr, "__hash__": _hash if frozen else None}
        if order:
            shared.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
        for name in shared:
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} defines {name}; use @dataclass for hand-written value methods")
        cls = dataclasses.dataclass(cls, frozen=frozen, eq=False, repr=False, kw_only=kw_only)
        for name, method in shared.items():
            setattr(cls, name, method)
        return cls

    return wrap if cls is None else wrap(cls)
