"""Durability: a journal of the commands the router accepted, and recovery from it.

``DurableRouter.open(path)`` gives a router whose every accepted command is written
to a SQLite journal before the call returns; opening the same path after a crash
replays the journal into an equal router. See :mod:`routing.durable.router`.
"""

from routing.durable.codec import UnjournalableError
from routing.durable.postgres import PostgresStore
from routing.durable.router import DurableRouter, Recovery
from routing.durable.store import SQLiteStore, Store, StoreError

__all__ = [
    "DurableRouter",
    "PostgresStore",
    "Recovery",
    "SQLiteStore",
    "Store",
    "StoreError",
    "UnjournalableError",
]
