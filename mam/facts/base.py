"""What every fact shares: typed fields read from, and written back to, ONE stored JSON mapping.

A fact is a frozen dataclass whose fields are the keys its writer stores. ``from_json`` takes the stored
mapping (a current row, an old or partial one, ``None``) and loses nothing: a key the class names becomes its
field (a missing one is ``None`` or the field's default), any other key (or a value a nested fact cannot read)
stays verbatim in ``extra``, and ``shape`` remembers which keys the mapping had, in their order. ``to_json``
writes those keys back in that order, so a row read and written again is unchanged; then the fields set since
(``with_``) or differing from their defaults; then the rest of ``extra``.

A fact built in code has its writer's shape: the class's ``WRITES`` keys (even when ``None``), then the fields
that are set. ``empty()`` is "nothing recorded" and writes ``{}``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from typing import Any, ClassVar, Self

_NESTED = "mam.facts.nested"
_NESTED_LIST = "mam.facts.nested_list"
_UNREAD = object()


def nested(cls: type[Fact]) -> Any:
    """A field holding one nested fact (stored as a mapping), or None."""
    return field(default=None, metadata={_NESTED: cls})


def nested_list(cls: type[Fact]) -> Any:
    """A field holding a tuple of nested facts (stored as a list of mappings); ``()`` when none."""
    return field(default=(), metadata={_NESTED_LIST: cls})


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Base of the asset facts: see the module docstring for the JSON mapping."""

    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """Stored keys this class does not name, and values it could not read, kept as stored."""
    shape: tuple[str, ...] | None = field(default=None, repr=False)
    """The keys ``to_json`` writes first, in order: as stored, or ``WRITES`` for a fact built in code."""

    WRITES: ClassVar[tuple[str, ...]] = ()
    """Keys a fact built in code always writes, even when ``None`` (what its writer has always stored)."""

    def __post_init__(self) -> None:
        if self.shape is None:
            object.__setattr__(self, "shape", self.WRITES)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Self:
        """The fact of a stored mapping; ``None`` (or anything not a mapping) reads as nothing recorded."""
        data = data if isinstance(data, Mapping) else {}
        specs = _specs(cls)
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            loaded = _load(specs[key], value) if key in specs else _UNREAD
            if loaded is _UNREAD:
                extra[key] = value
            else:
                values[key] = loaded
        return cls(**values, extra=extra, shape=tuple(data))

    @classmethod
    def empty(cls) -> Self:
        """Nothing recorded: writes ``{}``."""
        return cls.from_json(None)

    def to_json(self) -> dict[str, Any]:
        """The stored mapping (a new dict; nested facts as mappings, lists of them as lists)."""
        specs = _specs(type(self))
        out: dict[str, Any] = {}
        for key in self.shape or ():
            if key in self.extra:
                out[key] = self.extra[key]
            elif key in specs:
                out[key] = _dump(specs[key], getattr(self, key))
        for name, spec in specs.items():
            if name not in out and getattr(self, name) != _default(spec):
                out[name] = _dump(spec, getattr(self, name))
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    def with_(self, **changes: Any) -> Self:
        """A copy with ``changes``, each written even when ``None`` (like a dict update: a new key goes last)."""
        shape = tuple(dict.fromkeys([*self.to_json(), *changes]))
        extra = {k: v for k, v in self.extra.items() if k not in changes}
        return replace(self, **changes, extra=extra, shape=shape)

    @property
    def is_empty(self) -> bool:
        """Whether nothing is recorded (``to_json()`` is ``{}``)."""
        return not self.to_json()


@functools.cache
def _specs(cls: type[Fact]) -> dict[str, Field]:
    return {f.name: f for f in fields(cls) if f.name not in ("extra", "shape")}


def _default(spec: Field) -> Any:
    if spec.default is not MISSING:
        return spec.default
    return spec.default_factory() if spec.default_factory is not MISSING else None


def _load(spec: Field, value: Any) -> Any:
    """The field value of a stored value, or ``_UNREAD`` when a nested fact cannot read it (kept in ``extra``)."""
    if value is None:
        return None
    if one := spec.metadata.get(_NESTED):
        return one.from_json(value) if isinstance(value, Mapping) else _UNREAD
    if many := spec.metadata.get(_NESTED_LIST):
        if isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value):
            return tuple(many.from_json(v) for v in value)
        return _UNREAD
    return value


def _dump(spec: Field, value: Any) -> Any:
    if isinstance(value, Fact):
        return value.to_json()
    if spec.metadata.get(_NESTED_LIST) and isinstance(value, list | tuple):
        return [v.to_json() if isinstance(v, Fact) else v for v in value]
    return value
