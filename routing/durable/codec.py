"""The journal's value format: the router's model values as JSON, tagged and exact.

A journal record must come back as the very command the router accepted, so values
are written in an explicit form that decodes to equal objects of the same types:

* ``None``, ``bool``, ``int``, ``str`` and ``float`` as JSON (a float's ``repr``
  round-trips exactly; ``inf`` and ``nan`` as ``Infinity`` / ``NaN``, which Python's
  ``json`` reads back);
* a list as a JSON array; a tuple as ``{"$tuple": [...]}``; a frozenset or set as
  ``{"$frozenset": [...]}`` / ``{"$set": [...]}`` (sorted by their encoding, so equal
  sets encode equally);
* a mapping as ``{"$map": [[key, value], ...]}`` (keys of any encodable type, in
  insertion order; it reads back as a ``dict``, whatever mapping it was);
* an enum of the model (``AgentState``, ``TaskState``) as ``{"$enum": name, "value":
  value}``;
* a model value (``Task``, ``Agent``, ``Requirement``, ``RelaxStep``, ``Customer``,
  ``Policy``, ``RoutingProfile``) as ``{"$": class name, field: value, ...}``, built
  again through its constructor, so decoding validates what it reads.

Values nest at most :data:`MAX_DEPTH` deep and integers have at most
:data:`MAX_INT_BITS` bits, so that what is written reads back in any process.
Anything else (a ``Task.attributes`` value that is an arbitrary object, say) cannot be
journaled: :func:`encode` raises :class:`~routing.errors.InvalidInputError` naming the
path to it, before the durable router changes anything.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any

import attrs

from routing.errors import InvalidInputError
from routing.model import Agent, AgentState, Customer, RelaxStep, Requirement, Task, TaskState
from routing.ordering import RoutingProfile
from routing.policy import Policy

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Task, Agent, Requirement, RelaxStep, Customer, Policy, RoutingProfile)
}
_ENUMS: dict[str, type[enum.Enum]] = {cls.__name__: cls for cls in (AgentState, TaskState)}


class UnjournalableError(InvalidInputError):
    """A value the journal cannot write (and so the durable router will not accept)."""


MAX_DEPTH = 64
"""Values nest at most this deep (a journal must read back in any process)."""
MAX_INT_BITS = 10_000
"""Integers are at most this many bits (about 3,000 digits: below the limit Python puts
on converting an int to text, so every process reads them back)."""


def encode(value: object, path: str = "value", depth: int = 0) -> Any:
    """``value`` in the journal's JSON form (see the module docstring).

    Raises:
        UnjournalableError: naming the path to the first value it cannot write.
    """
    if value is None or value.__class__ in (bool, str, float):
        return value
    if value.__class__ is int:
        if value.bit_length() > MAX_INT_BITS:
            raise UnjournalableError(f"{path}: an integer of over {MAX_INT_BITS} bits")
        return value
    if depth >= MAX_DEPTH:
        raise UnjournalableError(f"{path}: nested more than {MAX_DEPTH} deep")
    depth += 1
    if isinstance(value, enum.Enum):
        name = value.__class__.__name__
        if _ENUMS.get(name) is not value.__class__:
            raise UnjournalableError(f"{path}: {value!r} is not a model enum")
        return {"$enum": name, "value": value.value}
    name = value.__class__.__name__
    if _CLASSES.get(name) is value.__class__:
        fields: dict[str, Any] = {"$": name}
        for field in attrs.fields(type(value)):  # type: ignore[arg-type]
            fields[field.name] = encode(getattr(value, field.name), f"{path}.{field.name}", depth)
        return fields
    if isinstance(value, list) and value.__class__ is list:
        return [encode(item, f"{path}[{i}]", depth) for i, item in enumerate(value)]
    if isinstance(value, tuple) and value.__class__ is tuple:
        return {"$tuple": [encode(item, f"{path}[{i}]", depth) for i, item in enumerate(value)]}
    if isinstance(value, frozenset | set) and value.__class__ in (frozenset, set):
        items = sorted(
            (encode(item, f"{path} item", depth) for item in value),
            key=lambda item: json.dumps(item, sort_keys=True),
        )
        return {"$frozenset" if value.__class__ is frozenset else "$set": items}
    if isinstance(value, Mapping):
        return {
            "$map": [
                [encode(key, f"{path} key", depth), encode(item, f"{path}[{key!r}]", depth)]
                for key, item in value.items()
            ]
        }
    raise UnjournalableError(
        f"{path}: {value!r} ({value.__class__.__name__}) cannot be written to the journal; "
        "use None, bool, int, float, str, list, tuple, set or a mapping of them"
    )


def decode(data: Any) -> Any:
    """The value :func:`encode` wrote (``ValueError`` or the model's own errors if
    ``data`` is not such a value)."""
    if data is None or data.__class__ in (bool, int, str, float):
        return data
    if data.__class__ is list:
        return [decode(item) for item in data]
    if data.__class__ is not dict:
        raise ValueError(f"not a journal value: {data!r}")
    if "$" in data:
        cls = _CLASSES.get(data["$"])
        if cls is None:
            raise ValueError(f"unknown model class {data['$']!r}")
        return cls(**{key: decode(item) for key, item in data.items() if key != "$"})
    if "$tuple" in data:
        return tuple(decode(item) for item in data["$tuple"])
    if "$frozenset" in data:
        return frozenset(decode(item) for item in data["$frozenset"])
    if "$set" in data:
        return {decode(item) for item in data["$set"]}
    if "$map" in data:
        return {decode(key): decode(item) for key, item in data["$map"]}
    if "$enum" in data:
        enum_cls = _ENUMS.get(data["$enum"])
        if enum_cls is None:
            raise ValueError(f"unknown enum {data['$enum']!r}")
        return enum_cls(data["value"])
    raise ValueError(f"not a journal value: {data!r}")


def dumps(value: object) -> str:
    """:func:`encode`, as compact JSON text."""
    return json.dumps(encode(value), separators=(",", ":"))


def loads(text: str) -> Any:
    """:func:`decode` of JSON text."""
    return decode(json.loads(text))
