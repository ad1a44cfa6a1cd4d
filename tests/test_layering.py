"""Imports point one way: server and client use protocol; neither imports the other."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chatapp"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("protocol", ("chatapp.server", "chatapp.client", "asyncio", "socket")),
        ("server", ("chatapp.client", "textual")),
        ("client", ("chatapp.server", "chatapp.bench", "chatapp.tools")),
        ("bench", ("chatapp.server", "chatapp.client", "chatapp.tools")),
        ("tools", ("chatapp.server", "chatapp.bench")),
        ("client/net", ("textual", "rich")),
        ("server", ("chatapp.tools", "chatapp.bench")),
    ],
)
def test_imports_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    for path in (PACKAGE / package).rglob("*.py"):
        for module in imported_modules(path):
            assert not module.startswith(forbidden), f"{path} imports {module}"


def test_tools_use_only_the_clients_network_layer() -> None:
    for path in (PACKAGE / "tools").rglob("*.py"):
        for module in imported_modules(path):
            if module.startswith("chatapp.client"):
                assert f"{module}.".startswith("chatapp.client.net."), f"{path} imports {module}"


def test_only_the_mysql_backend_imports_the_driver() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name == "mysql.py":
            continue
        for module in imported_modules(path):
            assert not module.startswith(("aiomysql", "pymysql")), f"{path} imports {module}"
