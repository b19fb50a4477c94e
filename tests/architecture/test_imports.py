"""The import graph of the house: no cycles between modules or between top-level packages, and the layers
below the domains (``db``, ``http``, ``errors``, ...) import no domain.

Read from the source with ``ast`` (imports inside functions count: a lazy import is still a dependency;
imports under ``if TYPE_CHECKING:`` do not, they exist only for type checkers).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "loyaltyhub"

# Packages every domain may use, which in turn use no domain.
FOUNDATION = {
    "db",
    "errors",
    "settings",
    "timebuckets",
    "digits",
    "http",
    "schemas",
    "idempotency",
    "services",
    "clubs",
    "auth",
    "ratelimit",
    "ops",
    "storage",
}
# The composition roots: they know every domain by design.
ROOTS = {"app", "asgi", "cli", "wiring", "worker", "models", "demo", "devinfo", "apidocs", "console"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for statement in node.body for child in ast.walk(statement))
    return skipped


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(path): path
        for path in (SRC / PACKAGE).rglob("*.py")
        if "migrations" not in path.relative_to(SRC / PACKAGE).parts
    }
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                # The longest known module the import names (``from a.b import c`` is a.b.c or a.b).
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target.startswith(PACKAGE + ".") and target != module:
                    graph[module].add(target)
    for module in modules:
        graph.setdefault(module, set())
    return graph


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each a cycle to report."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return _graph()


def test_no_module_imports_itself_through_others(graph: dict[str, set[str]]) -> None:
    assert _cycles(graph) == []


def test_no_cycle_between_packages(graph: dict[str, set[str]]) -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            if _package(module) != _package(target):
                packages[_package(module)].add(_package(target))
    assert _cycles(packages) == []


def test_the_foundation_imports_no_domain(graph: dict[str, set[str]]) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _package(module) in FOUNDATION
        for target in targets
        if _package(target) not in FOUNDATION
    )
    assert wrong == []


def test_the_db_package_imports_nothing_above_it(graph: dict[str, set[str]]) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _package(module) == "db"
        for target in targets
        if _package(target) not in {"db", "errors", "settings", "timebuckets"}
    )
    assert wrong == []


def test_the_graph_is_read(graph: dict[str, set[str]]) -> None:
    """The checks above see the real imports (a broken reader would pass them vacuously)."""
    assert "loyaltyhub.db.base" in graph["loyaltyhub.db.tenancy"]
    assert any(_package(target) == "members" for target in graph["loyaltyhub.member_offers.service"])
    assert ROOTS.isdisjoint(FOUNDATION)
