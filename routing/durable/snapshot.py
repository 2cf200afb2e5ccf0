"""Snapshots: the whole state of a router as one JSON document, and back.

A snapshot lets recovery start from a recent state instead of replaying the whole
journal. It is a *structural* image of the router's records, not ``pickle``:

* the router and everything it holds is walked iteratively (no recursion, whatever
  the depth: ``pickle`` fails with ``RecursionError`` on large routers), and written
  as a flat table of objects: each container (tuple, list, dict, set, frozenset,
  ``SortedList``, ``OrderedDict``, ``array``) and each instance of an engine class
  is one entry, referenced by number (``{"r": n}``), so objects shared inside the
  router (a task's bucket entry, held both by the bucket and by the task) are shared
  again after loading, exactly;
* scalars are JSON (floats exact, ``Infinity``/``NaN`` as Python's ``json`` writes
  them), enum members by class and value, the engine's module-level constants by
  name;
* only the engine's own classes (``routing.*``) and those containers may appear:
  loading builds nothing else, and a value of another type (a function, an
  arbitrary object in ``Task.attributes``) makes :func:`take` refuse the snapshot.

The format carries a *fingerprint* of the engine's record layout (every engine
class's name and attributes). An engine whose records differ (a later version that
added a field) refuses the snapshot with :class:`SnapshotError` naming both
fingerprints; recovery then replays the journal from the start, which every version
reads (the journal is of commands, the public API). A snapshot is therefore a cache
of the journal, never the only copy of anything.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import importlib
import json
import sys
from array import array
from collections import OrderedDict
from typing import Any

from sortedcontainers import SortedList

from routing.errors import RoutingError
from routing.router import Router

FORMAT = "skills-routing snapshot"
VERSION = 1

_MODULES = (
    "routing._state",
    "routing.agents",
    "routing.context",
    "routing.model",
    "routing.offers",
    "routing.ordering",
    "routing.policy",
    "routing.reservations",
    "routing.router",
    "routing.stats",
    "routing.task_queue",
    "routing.timers",
    "routing.unroutable",
)


class SnapshotError(RoutingError, ValueError):
    """A snapshot cannot be taken (a value the format cannot hold) or read (corrupt,
    another format, or another engine's record layout); the message says which."""


@functools.cache
def _engine_classes() -> dict[str, type]:
    """Every class defined in the engine's modules, by ``module.qualname``."""
    found: dict[str, type] = {}
    for name in _MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == name:
                found[f"{name}.{value.__qualname__}"] = value
    return found


def _attribute_names(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return tuple(name for name in names if name not in ("__weakref__", "__dict__"))


def _constants() -> dict[int, str]:
    """id -> name of the engine's module-level objects compared or shared by
    identity (frozensets, tuples, records), so loading gives back the same ones."""
    found: dict[int, str] = {}
    for name in _MODULES:
        for attr, value in vars(sys.modules[name]).items():
            if isinstance(value, frozenset | tuple) or (
                type(value).__module__.startswith("routing.")
                and not isinstance(value, type)
                and not isinstance(value, enum.Enum)
                and not callable(value)
            ):
                found[id(value)] = f"{name}:{attr}"
    return found


@functools.cache
def fingerprint() -> str:
    """A digest of the engine's record layout: each engine class and its attributes
    (slots; for a class without slots, the attribute names a router's instance of it
    has). Two engines read each other's snapshots exactly when they agree on it."""
    parts = []
    for name, cls in sorted(_engine_classes().items()):
        parts.append(f"{name}:{','.join(_attribute_names(cls))}")
    probe = Router()
    for owner in (probe, *vars(probe).values()):
        if hasattr(owner, "__dict__") and type(owner).__module__.startswith("routing."):
            parts.append(f"{type(owner).__qualname__}.__dict__:{','.join(sorted(vars(owner)))}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _attributes(obj: object) -> list[tuple[str, Any]]:
    pairs = [
        (name, getattr(obj, name)) for name in _attribute_names(type(obj)) if hasattr(obj, name)
    ]
    if hasattr(obj, "__dict__"):
        pairs.extend(vars(obj).items())
    return pairs


def take(router: Router) -> dict[str, Any]:
    """The snapshot of ``router`` (a JSON-ready document; see the module docstring).

    Raises:
        SnapshotError: the router holds a value the format cannot write (its path).
    """
    classes = {cls: name for name, cls in _engine_classes().items()}
    constants = _constants()
    ids: dict[int, int] = {}
    entries: list[Any] = []
    keep: list[object] = []  # what was numbered stays alive, so ids are not reused
    pending: list[tuple[object, int]] = []

    def ref(value: object) -> Any:
        if value is None or value.__class__ in (bool, int, str, float):
            return value
        if isinstance(value, enum.Enum):
            return {"e": f"{type(value).__module__}:{type(value).__qualname__}", "v": value.value}
        name = constants.get(id(value))
        if name is not None:
            return {"c": name}
        number = ids.get(id(value))
        if number is None:
            number = ids[id(value)] = len(entries)
            entries.append(None)
            keep.append(value)
            pending.append((value, number))
        return {"r": number}

    def encode(value: object) -> Any:
        cls = value.__class__
        if cls is tuple:
            return ["T", [ref(item) for item in value]]  # type: ignore[attr-defined]
        if cls is list:
            return ["L", [ref(item) for item in value]]  # type: ignore[attr-defined]
        if cls is dict:
            return ["D", [[ref(k), ref(v)] for k, v in value.items()]]  # type: ignore[attr-defined]
        if cls is OrderedDict:
            return ["O", [[ref(k), ref(v)] for k, v in value.items()]]  # type: ignore[attr-defined]
        if cls is set:
            return ["S", [ref(item) for item in value]]  # type: ignore[attr-defined]
        if cls is frozenset:
            return ["F", [ref(item) for item in value]]  # type: ignore[attr-defined]
        if cls is SortedList:
            return ["SL", [ref(item) for item in value]]  # type: ignore[attr-defined]
        if cls is array:
            return ["A", value.typecode, value.tolist()]  # type: ignore[attr-defined]
        name = classes.get(cls)
        if name is None:
            raise SnapshotError(
                f"the router holds a {cls.__module__}.{cls.__qualname__} ({value!r:.80}), "
                "which a snapshot cannot write"
            )
        return ["I", name, [[attr, ref(item)] for attr, item in _attributes(value)]]

    root = ref(router)
    while pending:
        value, number = pending.pop()
        entries[number] = encode(value)
    return {
        "format": FORMAT,
        "version": VERSION,
        "fingerprint": fingerprint(),
        "root": root,
        "objects": entries,
    }


def dumps(snapshot: dict[str, Any]) -> str:
    """A snapshot as JSON text."""
    return json.dumps(snapshot, separators=(",", ":"))


def restore(snapshot: dict[str, Any]) -> Router:
    """The router a snapshot holds.

    Raises:
        SnapshotError: not a snapshot, another format version, another engine's record
            layout (both fingerprints named), or damaged.
    """
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        raise SnapshotError("not a router snapshot")
    if snapshot.get("version") != VERSION:
        raise SnapshotError(
            f"snapshot format version {snapshot.get('version')!r}; this engine reads {VERSION}"
        )
    mine = fingerprint()
    if snapshot.get("fingerprint") != mine:
        raise SnapshotError(
            f"the snapshot was taken by an engine with another record layout (fingerprint "
            f"{snapshot.get('fingerprint')!r}, this engine {mine!r}): replay the journal"
        )
    try:
        return _build(snapshot)
    except SnapshotError:
        raise
    except Exception as error:  # a damaged document: any of many shapes
        raise SnapshotError(f"the snapshot is damaged: {error!r}") from error


def _build(snapshot: dict[str, Any]) -> Router:
    classes = _engine_classes()
    entries: list[Any] = snapshot["objects"]
    built: list[Any] = [None] * len(entries)
    enums: dict[str, type[enum.Enum]] = {}

    def constant(name: str) -> Any:
        module, attr = name.split(":")
        if module not in _MODULES:
            raise SnapshotError(f"unknown constant {name!r}")
        return getattr(sys.modules[module], attr)

    def value(data: Any) -> Any:
        if data is None or data.__class__ in (bool, int, str, float):
            return data
        if "r" in data:
            return built[data["r"]]
        if "e" in data:
            cls = enums.get(data["e"])
            if cls is None:
                module, qualname = data["e"].split(":")
                found = classes.get(f"{module}.{qualname}")
                if found is None or not issubclass(found, enum.Enum):
                    raise SnapshotError(f"unknown enum {data['e']!r}")
                cls = enums[data["e"]] = found
            return cls(data["v"])
        return constant(data["c"])

    # first every object, empty; then their contents (objects refer to each other)
    for number, (kind, *rest) in enumerate(entries):
        if kind in ("T", "F"):
            continue  # immutable: built in the second pass, in dependency order
        if kind == "L":
            built[number] = []
        elif kind == "D":
            built[number] = {}
        elif kind == "O":
            built[number] = OrderedDict()
        elif kind == "S":
            built[number] = set()
        elif kind == "SL":
            built[number] = SortedList()
        elif kind == "A":
            built[number] = array(rest[0], rest[1])
        elif kind == "I":
            cls = classes.get(rest[0])
            if cls is None:
                raise SnapshotError(f"unknown engine class {rest[0]!r}")
            built[number] = object.__new__(cls)
        else:
            raise SnapshotError(f"unknown entry kind {kind!r}")

    # Tuples and frozensets are built on demand, from what they hold; an instance is
    # filled in before anything hashes it (a frozenset of model values hashes their
    # fields), and its attributes are built before it is filled.
    filled = [False] * len(entries)

    def resolve(item: Any) -> Any:
        if isinstance(item, dict) and "r" in item and built[item["r"]] is None:
            immutable(item["r"])
        return value(item)

    def fill(number: int) -> None:
        if filled[number]:
            return
        filled[number] = True
        obj = built[number]
        for attr, item in entries[number][2]:
            object.__setattr__(obj, attr, resolve(item))

    def hashable(item: Any) -> None:
        if not (isinstance(item, dict) and "r" in item):
            return
        number = item["r"]
        kind = entries[number][0]
        hash_of: Any = type(built[number]).__hash__
        if kind == "I" and hash_of is not object.__hash__:
            fill(number)
        elif kind == "T":
            for inner in entries[number][1]:
                hashable(inner)

    def immutable(number: int) -> None:
        kind, items = entries[number]
        if kind not in ("T", "F"):
            raise SnapshotError(f"entry {number} is referred to before it is made")
        made = [resolve(item) for item in items]
        if kind == "F":
            for item in items:
                hashable(item)
            built[number] = frozenset(made)
        else:
            built[number] = tuple(made)

    for number, (kind, *_rest) in enumerate(entries):
        if kind == "I":
            fill(number)
    for number, (kind, *_rest) in enumerate(entries):
        if kind in ("T", "F") and built[number] is None:
            immutable(number)
    for number, (kind, *rest) in enumerate(entries):
        obj = built[number]
        if kind == "L":
            obj.extend(value(item) for item in rest[0])
        elif kind in ("D", "O"):
            for key, item in rest[0]:
                obj[value(key)] = value(item)
        elif kind == "S" or kind == "SL":
            obj.update(value(item) for item in rest[0])
    router = value(snapshot["root"])
    if not isinstance(router, Router):
        raise SnapshotError("the snapshot's root is not a router")
    router._busy = None
    return router


def loads(text: str) -> Router:
    """:func:`restore` of JSON text (``SnapshotError`` if it is not JSON)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise SnapshotError(f"the snapshot is not JSON: {error}") from error
    return restore(data)


__all__ = ["SnapshotError", "dumps", "fingerprint", "loads", "restore", "take"]
