"""`record`: the compiler's dataclasses, with one `__repr__` shared by all of them.

Python 3.11's `dataclass` writes the source of each generated method and
compiles it with its own `exec` as the class is created, at import.  The
compile path creates about 115 dataclasses, so every cold `ptflow compile`
spends ~45 ms of its ~110 ms of imports there; the `__repr__`s alone are
~12 ms of it.  A repr is only read by people (tracebacks, a debugger, a
failing test), so one function serves every class here, giving the same text
a dataclass's own would: `ClassName(field=value, ...)`, with the fields a
dataclass shows (`field(repr=False)` leaves one out) and `...` for an object
met again inside its own repr.  Everything else (`__init__`, `__eq__`,
`__hash__`, frozen, slots) is the standard `dataclass`, so `dataclasses.fields`,
`replace` and `asdict` work as they do on any dataclass.

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


@reprlib.recursive_repr()
def _fields_repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr)
    return f"{self.__class__.__qualname__}({shown})"


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
def record(cls: Any = None, /, *, repr: bool = True, **options: Any) -> Any:
    """`dataclasses.dataclass` with the same options, but a shared `__repr__` (see the module's docstring)."""

    def make(cls: Any) -> Any:
        made = dataclasses.dataclass(cls, repr=False, **options)
        # As `dataclass` does, a class's own `__repr__` wins; `repr=False` keeps the inherited one.
        if repr and "__repr__" not in cls.__dict__:
            made.__repr__ = _fields_repr
        return made

    return make if cls is None else make(cls)
