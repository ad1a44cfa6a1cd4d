"""The house rules a reader relies on: small modules, a module map that matches the tree,
and no test that asserts nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 300


def test_no_module_is_over_300_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "chatapp").rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def _checks(node: ast.AST) -> bool:
    """The node asserts by itself: assert, pytest.raises/fail, or raise AssertionError."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Attribute) and node.attr in ("raises", "fail", "warns"):
        return isinstance(node.value, ast.Name) and node.value.id == "pytest"
    if isinstance(node, ast.Raise) and node.exc is not None:
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(target, ast.Name) and target.id == "AssertionError"
    return False


def _called(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return None


def silent_tests(sources: list[str]) -> list[str]:
    """The tests among `sources` that assert nothing: neither themselves nor through a
    helper of the tests they call, at any depth. A class counts as a helper if one of its
    methods asserts (`Asker(...)(...)`)."""
    functions: dict[str, list[ast.AST]] = {}
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                functions.setdefault(node.name, []).append(node)
    asserting = {name for name, defs in functions.items() if any(map(_checks, _walk(defs)))}
    calls = {name: {_called(n) for n in _walk(defs)} - {None} for name, defs in functions.items()}
    grew = True
    while grew:  # a helper that calls an asserting helper asserts too
        found = {name for name, called in calls.items() if called & asserting} - asserting
        asserting |= found
        grew = bool(found)
    return sorted(name for name in functions if name.startswith("test_") and name not in asserting)


def test_the_silent_test_finder_finds_them() -> None:
    source = """
def helper(x):
    assert x
def indirect(x):
    helper(x)
class Checker:
    def __call__(self, x):
        assert x
def test_direct(): assert 1
def test_through_helpers(): indirect(1)
def test_through_a_class(): Checker()(1)
def test_raises():
    with pytest.raises(ValueError): int("x")
def test_silent(): helper
def test_only_calls_code(): print(1)
"""
    assert silent_tests([source]) == ["test_only_calls_code", "test_silent"]


def test_every_test_asserts_something() -> None:
    sources = [path.read_text() for path in sorted((ROOT / "tests").rglob("*.py"))]
    assert silent_tests(sources) == []


def _walk(defs: list[ast.AST]) -> list[ast.AST]:
    return [node for d in defs for node in ast.walk(d)]


MAP = re.compile(r"## Module map\n\n```\n(.*?)```", re.S)


def test_the_module_map_matches_the_tree() -> None:
    """CONTRIBUTING.md names every package and module of chatapp/, and nothing else."""
    text = MAP.search((ROOT / "CONTRIBUTING.md").read_text())
    assert text is not None, "CONTRIBUTING.md has no module map"
    named = _map_paths(text.group(1))
    tree = {
        str(path.relative_to(ROOT).with_suffix("")) if path.suffix else str(path.relative_to(ROOT))
        for path in (ROOT / "chatapp").rglob("*")
        if path.name != "__init__.py"
        and "__pycache__" not in path.parts
        and (path.is_dir() or path.suffix == ".py")
    }
    tree.add("chatapp")
    named = {p for p in named if not p.endswith("/__init__")}  # a package's own, if told
    assert sorted(tree - named) == [], "in the tree but not in the module map"
    assert sorted(p for p in named - tree if p.startswith("chatapp")) == [], "in the map only"


def _map_paths(block: str) -> set[str]:
    """The paths a module map names: its indentation gives the folders; a line names one
    entry (`name.py`, or `name/` for a folder) followed by its description."""
    paths: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in block.splitlines():
        match = re.match(r"( *)(\S+)", line)
        if match is None:
            continue
        indent, name = len(match.group(1)), match.group(2)
        if not name.endswith((".py", "/")):
            continue  # a description carried over from the line above
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "/".join([p for _, p in stack] + [name.rstrip("/")])
        paths.add(path.removesuffix(".py"))
        if name.endswith("/"):
            stack.append((indent, name.rstrip("/")))
    return paths
