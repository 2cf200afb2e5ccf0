"""The public API: ``__all__`` is sorted, unique, complete and importable."""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

import pytest

PACKAGES = ["routing", "simulations"]


def package(name: str) -> ModuleType:
    return importlib.import_module(name)


def exported(name: str) -> list[str]:
    module = package(name)
    if not hasattr(module, "__all__"):
        pytest.skip(f"{name} has no __all__ yet")
    names: list[str] = list(module.__all__)
    return names


@pytest.mark.parametrize("name", PACKAGES)
class TestAll:
    def test_is_sorted_and_unique(self, name: str) -> None:
        names = exported(name)
        # ruff's order (RUF022): constants (SCREAMING_CASE) first, then the rest
        constants = [n for n in names if n.isupper()]
        assert names == sorted(constants) + sorted(n for n in names if not n.isupper())
        assert len(names) == len(set(names))

    def test_every_name_is_importable(self, name: str) -> None:
        for attribute in exported(name):
            namespace: dict[str, object] = {}
            exec(f"from {name} import {attribute}", namespace)
            assert namespace[attribute] is getattr(package(name), attribute)

    def test_every_public_class_and_function_defined_by_the_package_is_exported(
        self, name: str
    ) -> None:
        names = set(exported(name))
        module = package(name)
        public = {
            attribute
            for attribute, value in vars(module).items()
            if not attribute.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and getattr(value, "__module__", "").startswith(f"{name}.")
        }
        assert public <= names, sorted(public - names)


def test_routing_exports_the_router_api() -> None:
    names = set(exported("routing"))
    required = {
        "Router",
        "Policy",
        "Agent",
        "AgentState",
        "Customer",
        "Requirement",
        "RelaxStep",
        "Task",
        "TaskState",
        "Offer",
        "Offered",
        "Queued",
        "Requeued",
        "SlaBreached",
        "AgentPaused",
        "Event",
        "RoutingError",
    }
    assert required <= names, sorted(required - names)


def test_routing_does_not_import_the_simulator() -> None:
    import subprocess
    import sys

    code = "import sys, routing; sys.exit('simpy' in sys.modules or 'simulations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
