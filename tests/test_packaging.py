"""Packaging: typed packages, the installed version, and ``ccsim`` without extras."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import routing
import simulations

ROOT = Path(__file__).resolve().parent.parent


def _ccsim(blocked: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``ccsim ARGS`` in a fresh interpreter where module ``blocked`` is missing."""
    code = (
        "import sys; sys.modules[sys.argv[1]] = None\n"
        "from simulations.cli import main\n"
        "sys.exit(main(sys.argv[2:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, blocked, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


class TestTyped:
    @pytest.mark.parametrize("package", [routing, simulations])
    def test_both_packages_ship_py_typed(self, package: object) -> None:
        assert (Path(package.__file__).parent / "py.typed").is_file()  # type: ignore[attr-defined]

    def test_the_wheel_takes_whole_package_folders(self) -> None:
        text = (ROOT / "pyproject.toml").read_text()
        assert 'packages = ["routing", "simulations"]' in text


class TestVersion:
    @pytest.mark.parametrize("package", [routing, simulations])
    def test_version_comes_from_the_installed_metadata(self, package: object) -> None:
        assert package.__version__ == version("skills-routing")  # type: ignore[attr-defined]

    def test_ccsim_version(self) -> None:
        out = subprocess.run(
            [sys.executable, "-m", "simulations", "--version"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == f"ccsim {version('skills-routing')}"


class TestWithoutExtras:
    @pytest.mark.parametrize("blocked", ["rich", "matplotlib"])
    def test_a_missing_extra_is_one_line_naming_it(self, blocked: str, tmp_path: Path) -> None:
        done = _ccsim(blocked, "run", "mmc", "-r", "1", "--out", str(tmp_path), "-q")
        if blocked == "matplotlib" and done.returncode == 0:
            pytest.fail("plots were written without matplotlib")
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert f"'{blocked}'" in lines[0]
        assert "pip install 'skills-routing[sim]'" in lines[0]

    def test_another_missing_module_is_not_blamed_on_the_extra(self) -> None:
        done = _ccsim("csv", "run", "mmc", "-r", "1")
        assert done.returncode != 0
        assert "Traceback" in done.stderr


class TestEntryPoint:
    def test_no_submodule_shadows_the_entry_point(self) -> None:
        import importlib
        import pkgutil

        import simulations.cli

        for module in pkgutil.iter_modules(simulations.cli.__path__):
            importlib.import_module(f"simulations.cli.{module.name}")
        assert callable(simulations.cli.main)
        assert simulations.cli.main.__module__ == "simulations.cli"
