"""chatapp.bench talks to servers only through the protocol, like any other client."""

from __future__ import annotations

import ast
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "chatapp" / "bench"


def test_the_bench_imports_neither_server_nor_client() -> None:
    for path in BENCH.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not name.startswith(("chatapp.server", "chatapp.client")), path


def test_every_module_opens_with_a_docstring() -> None:
    for path in BENCH.rglob("*.py"):
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        assert docstring and docstring.endswith("."), path
