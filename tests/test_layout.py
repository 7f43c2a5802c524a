"""The package's shape: features as subpackages that say their job, imports that point down
only and never in a circle, modules small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "registry"
MAX_LINES = 400

# What each layer may import from the registry, besides the ground floor. Lazy imports inside
# functions count too: an upward import is upward wherever it is written. The ground floor's
# modules match exactly (``registry`` itself is the public facade, not "everything below").
GROUND = {"registry.errors", "registry.entities", "registry.config", "registry.clock"}
GROUND |= {"registry.arguments"}
GROUND_PACKAGES = ("registry.search",)
ALLOWED_BELOW = {
    "registry.store": {
        "registry.store",
        "registry.artifacts.blobs",  # the artifact store is storage
        "registry.validation.records",  # plain entities, no scikit-learn
        "registry.notifications.subscriptions",  # plain entities
    },
    "registry.artifacts": {"registry.artifacts"},
    "registry.search": {"registry.search"},
    "registry.validation": {"registry.validation", "registry.artifacts"},
    "registry.notifications": {"registry.notifications", "registry.store"},
    "registry.client": {
        "registry.client",
        "registry.store",
        "registry.artifacts",
        "registry.validation",
        "registry.notifications",
    },
    "registry.server": {
        "registry.server",
        "registry.client",
        "registry.store",
        "registry.artifacts",
        "registry.validation",
        "registry.notifications",
    },
}
NEVER_FROM_BELOW = ("registry.dashboard", "registry.cli", "registry.server", "registry.demo")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The registry modules ``path`` imports (``from registry.x import y`` names x.y when
    that is a module)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # include ``if TYPE_CHECKING:`` blocks
        nodes = [n for stmt in tree.body for n in [stmt, *getattr(stmt, "body", [])]]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("registry")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("registry"):
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found & set(MODULES)


def test_no_import_circles():
    graph = {name: imports(path, top_level_only=True) for name, path in MODULES.items()}
    visiting, done, circles = [], set(), []

    def visit(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            circles.append([*visiting[visiting.index(node) :], node])
            return
        visiting.append(node)
        for target in graph[node]:
            visit(target)
        visiting.pop()
        done.add(node)

    for name in graph:
        visit(name)
    assert circles == []


@pytest.mark.parametrize("layer", sorted(ALLOWED_BELOW))
def test_layers_import_only_downward(layer):
    allowed = (*GROUND_PACKAGES, *ALLOWED_BELOW[layer])
    wrong = {
        (name, target)
        for name, path in MODULES.items()
        if name == layer or name.startswith(layer + ".")
        for target in imports(path, top_level_only=False)
        if target not in GROUND and not within(target, allowed)
    }
    assert wrong == set()


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_nothing_below_the_frame_imports_the_dashboard_or_cli():
    wrong = {
        (name, target)
        for name, path in MODULES.items()
        if not within(name, NEVER_FROM_BELOW)
        for target in imports(path, top_level_only=False)
        if within(target, NEVER_FROM_BELOW)
    }
    assert wrong == set()


def test_every_package_says_its_job_and_no_module_is_a_grab_bag():
    packages = [p for p in PACKAGE.rglob("__init__.py")]
    assert all(ast.get_docstring(ast.parse(p.read_text())) for p in packages), [
        str(p) for p in packages if not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert not [p for p in PACKAGE.rglob("*.py") if p.stem in {"utils", "helpers", "misc"}]


def test_modules_stay_small():
    long = {
        name: n for name, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
