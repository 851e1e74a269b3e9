"""`@record` behaves as `@dataclass` does, for every method it shares instead of compiling per class."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.records import record


def _pair(frozen: bool, order: bool = False):
    """The same class declared twice: as a record and as a dataclass."""

    def declare(decorate):
        @decorate
        class Base:
            a: int
            b: str = "x"
            c: tuple = dataclasses.field(default_factory=tuple)

        @decorate
        class Child(Base):
            d: float = 1.0

        return Base, Child

    return declare(record(frozen=frozen, order=order)), declare(dataclasses.dataclass(frozen=frozen, order=order))


def _outcome(make):
    try:
        obj = make()
    except TypeError:
        return "TypeError"
    return dataclasses.astuple(obj)


CALLS = [
    ((1,), {}), ((1, "y"), {}), ((1, "y", (2,)), {}), ((), {"a": 1, "c": (3,)}), ((), {}), ((1, 2, 3, 4, 5), {}),
    ((1,), {"a": 2}), ((1,), {"zz": 2}), ((), {"b": "q"}),
]


@pytest.mark.parametrize("frozen", [True, False])
@pytest.mark.parametrize("args, kwargs", CALLS)
def test_construction_takes_and_refuses_the_same_arguments(frozen, args, kwargs):
    (rec_base, rec_child), (dc_base, dc_child) = _pair(frozen)
    assert _outcome(lambda: rec_base(*args, **kwargs)) == _outcome(lambda: dc_base(*args, **kwargs))
    assert _outcome(lambda: rec_child(*args, **kwargs)) == _outcome(lambda: dc_child(*args, **kwargs))


def test_default_factories_give_each_object_its_own_value():
    @record
    class Bag:
        items: list = dataclasses.field(default_factory=list)

    one, two = Bag(), Bag()
    one.items.append(1)
    assert two.items == []


def test_keyword_only_fields_are_refused_positionally_and_taken_by_keyword():
    @record(frozen=True)
    class Base:
        a: int = 0
        b: str | None = None

    @record(frozen=True, kw_only=True)
    class Resolved(Base):
        b: str = dataclasses.field()

    assert Resolved(5, b="x") == Resolved(a=5, b="x")
    with pytest.raises(TypeError, match="missing 1 required argument: 'b'"):
        Resolved(5)
    with pytest.raises(TypeError):
        Resolved(5, "x")


def test_a_frozen_record_refuses_assignment_and_deletion_as_a_frozen_dataclass_does():
    (rec_base, _), (dc_base, _) = _pair(frozen=True)
    for cls in (rec_base, dc_base):
        obj = cls(1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.a = 2
        with pytest.raises(dataclasses.FrozenInstanceError):
            del obj.a
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.new = 1
    assert dataclasses.replace(rec_base(1), b="z") == rec_base(1, "z")


@given(st.integers(), st.text(max_size=3), st.integers(), st.text(max_size=3))
def test_equality_hash_order_and_repr_match_dataclass(a1, b1, a2, b2):
    (rec, _), (dc, _) = _pair(frozen=True, order=True)
    r1, r2, d1, d2 = rec(a1, b1), rec(a2, b2), dc(a1, b1), dc(a2, b2)
    assert (r1 == r2) == (d1 == d2) and (r1 < r2) == (d1 < d2) and (r1 <= r2) == (d1 <= d2)
    assert (hash(r1) == hash(r2)) == (hash(d1) == hash(d2)) or r1 != r2
    assert repr(r1).split("(", 1)[1] == repr(d1).split("(", 1)[1]
    assert r1 != d1  # another class: never equal


def test_a_mutable_record_is_unhashable_and_assignable():
    (rec, _), _ = _pair(frozen=False)
    obj = rec(1)
    obj.a = 2
    assert obj.a == 2
    with pytest.raises(TypeError):
        hash(obj)


def test_records_survive_pickling():
    from generator.model.integration import Integration

    model = Integration(name="orders")
    assert pickle.loads(pickle.dumps(model)) == model


def test_a_class_with_its_own_init_or_post_init_is_refused():
    with pytest.raises(TypeError, match="defines __init__"):
        @record
        class Own:
            a: int

            def __init__(self, a):
                self.a = a

    with pytest.raises(TypeError, match="__post_init__"):
        @record
        class Post:
            a: int

            def __post_init__(self):
                pass
