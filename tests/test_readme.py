"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


class TestReadme:
    def test_has_python_examples(self) -> None:
        assert python_blocks(README.read_text())

    def test_python_examples_run(self, capsys: object) -> None:
        for block in python_blocks(README.read_text()):
            exec(compile(block, str(README), "exec"), {})
