"""Imports point one way: each layer imports only the layers below it, relative imports
included, and a few rooms have rules of their own."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chatapp"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved to absolute names."""
    tree = ast.parse(path.read_text())
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                names.add(node.module)
                continue
            base = ".".join(package[: len(package) - node.level + 1])
            if node.module:
                names.add(f"{base}.{node.module}")
            else:  # from . import x: x is a module of the package
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules_under(folder: str) -> list[Path]:
    found = sorted((PACKAGE / folder).rglob("*.py"))
    assert found, f"chatapp/{folder} holds no modules"
    return found


def test_relative_imports_are_resolved() -> None:
    names = imported_modules(PACKAGE / "server" / "handlers" / "chat.py")
    assert {"chatapp.server.errors", "chatapp.server.handlers.checks"} <= names


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("protocol", ("chatapp.server", "chatapp.client", "chatapp.bench", "chatapp.tools",
                      "asyncio", "socket")),
        ("server", ("chatapp.client", "chatapp.tools", "chatapp.bench", "textual")),
        ("client", ("chatapp.server", "chatapp.bench", "chatapp.tools")),
        ("client/net", ("textual", "rich")),
        ("bench", ("chatapp.server", "chatapp.client", "chatapp.tools")),
        ("tools", ("chatapp.server", "chatapp.bench")),
        # The storage layer does not depend on the wire, nor on the server above it.
        ("server/storage", ("chatapp.protocol",)),
    ],
)  # fmt: skip
def test_imports_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    for path in modules_under(folder):
        for module in imported_modules(path):
            assert not module.startswith(forbidden), f"{path} imports {module}"


@pytest.mark.parametrize("room", ["server/storage", "server/bus"])
def test_storage_and_bus_import_no_server_code(room: str) -> None:
    own = "chatapp." + room.replace("/", ".")
    for path in modules_under(room):
        for module in imported_modules(path):
            if module.startswith("chatapp.server"):
                assert module.startswith(own), f"{path} imports {module}"


def test_tools_use_only_the_network_layer_of_the_client() -> None:
    for path in modules_under("tools"):
        for module in imported_modules(path):
            if module.startswith("chatapp.client"):
                assert module.startswith("chatapp.client.net"), f"{path} imports {module}"


def test_only_the_mysql_backend_imports_the_driver() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "storage" and path.name.startswith("mysql"):
            continue
        for module in imported_modules(path):
            assert not module.startswith(("aiomysql", "pymysql")), f"{path} imports {module}"
