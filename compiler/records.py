"""`record`: the compiler's dataclasses, made without compiling their `__repr__`, `__eq__` and `__hash__`.

Python 3.11's `dataclass` writes the source of each generated method and
compiles it with its own `exec` as the class is created, at import.  The
compile path creates about 115 dataclasses, so every cold `ptflow compile`
spent ~45 ms of its ~110 ms of imports there.  A repr is only read by people
(tracebacks, a debugger, a failing test), and a compile compares or hashes
almost none of these objects, so those three methods are made here as plain
closures over the class's field names, with no source to compile.  They
behave as the generated ones do:

- `__repr__`: `ClassName(field=value, ...)` over the fields a dataclass shows
  (`field(repr=False)` leaves one out), `...` for an object met again inside
  its own repr;
- `__eq__`: equal when `other` is of the same class and the tuples of their
  compared fields are equal, else `NotImplemented`;
- `__hash__`: for a frozen class, the hash of the tuple of its hashed fields;
  a mutable class with `__eq__` can't be hashed (`__hash__ = None`).

A class's own `__repr__`, `__eq__` or `__hash__` wins, as with `dataclass`.
The rarer cases (`order=True`, `unsafe_hash=True`, a class defining `__eq__`
or `__hash__` itself) are left to `dataclass` entirely.  `__init__` and the
frozen `__setattr__` are `dataclass`'s own, and a record is a dataclass:
`dataclasses.fields`, `replace` and `asdict` work on it.

    @record
    class Port: ...

    @record(frozen=True)
    class TaskOutput: ...
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

_Class = TypeVar("_Class")


@overload
def record(cls: type[_Class], /) -> type[_Class]: ...


@overload
def record(
    *,
    init: bool = True,
    repr: bool = True,
    eq: bool = True,
    order: bool = False,
    unsafe_hash: bool = False,
    frozen: bool = False,
    kw_only: bool = False,
    slots: bool = False,
) -> Callable[[type[_Class]], type[_Class]]: ...


# dataclass_transform: type checkers see what `record` makes as the dataclass it is (fields, __init__, frozen).
@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(
    cls: Any = None,
    /,
    *,
    repr: bool = True,
    eq: bool = True,
    order: bool = False,
    unsafe_hash: bool = False,
    frozen: bool = False,
    **options: Any,
) -> Any:
    """`dataclasses.dataclass` with the same options (see the module's docstring for what differs)."""

    def make(cls: Any) -> Any:
        own = cls.__dict__
        shared_eq = eq and not order and not unsafe_hash and "__eq__" not in own and "__hash__" not in own
        made = dataclasses.dataclass(
            cls,
            repr=False,
            eq=eq and not shared_eq,
            order=order,
            unsafe_hash=unsafe_hash,
            frozen=frozen,
            **options,
        )
        fields = dataclasses.fields(made)
        if repr and "__repr__" not in own:
            _attach(made, _repr_of(tuple(f.name for f in fields if f.repr)))
        if shared_eq:
            _attach(made, _eq_of(tuple(f.name for f in fields if f.compare)))
            if frozen:
                hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
                _attach(made, _hash_of(hashed))
            else:
                made.__hash__ = None  # as `dataclass` does: a mutable object that compares by value has no hash
        return made

    return make if cls is None else make(cls)


def _attach(cls: Any, method: Callable) -> None:
    method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
    setattr(cls, method.__name__, method)


def _repr_of(names: tuple[str, ...]) -> Callable:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq_of(names: tuple[str, ...]) -> Callable:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return tuple(getattr(self, name) for name in names) == tuple(getattr(other, name) for name in names)
        return NotImplemented

    return __eq__


def _hash_of(names: tuple[str, ...]) -> Callable:
    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, name) for name in names))

    return __hash__
