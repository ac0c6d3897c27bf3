"""The layout rule: one package per stage, each importing only the base and earlier stages.

Walks every module's imports with ``ast`` (imports under ``if TYPE_CHECKING:`` are annotations
only and do not count) and fails on an import cycle, an upward import or an oversized module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import crmkit

ROOT = Path(crmkit.__file__).parent
#: Import rank of each top-level part: a part may import parts of lower or equal rank only.
RANK = {"core": 0, "params": 1, "": 1, "sample": 2, "collect": 3, "score": 4, "tier": 5,
        "needs": 5.2, "relate": 5.3,
        "voice": 5.5, "warn": 6, "plan": 6.5, "diagnose": 7, "report": 8, "bi": 8.5, "batch": 9,
        "dashboard": 10, "display": 10, "widgets": 10, "plan_widget": 10,
        "relate_widget": 10, "needs_widget": 10, "cli": 10}
STAGES = ("collect", "score", "tier", "relate", "needs", "warn", "diagnose", "report")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(tree: ast.Module, name: str, is_pkg: bool) -> set[str]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for sub in node.body for n in ast.walk(sub))
    out = set()
    package = name if is_pkg else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "crmkit")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "crmkit":
                continue
            for a in node.names:  # "from crmkit.x import y" may import the module x.y
                out.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in MODULES else mod)
    return out


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}
GRAPH = {name: _runtime_imports(ast.parse(p.read_text(encoding="utf-8")), name,
                                p.name == "__init__.py") - {name}
         for name, p in MODULES.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_part_has_a_rank():
    assert {_part(m) for m in MODULES} <= set(RANK), "add new top-level parts to RANK"


def test_no_upward_imports():
    bad = [f"{m} imports {t}" for m, targets in GRAPH.items() for t in targets
           if RANK[_part(t)] > RANK[_part(m)]]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    # A module importing its own package's __init__ re-enters the package: count it as an edge.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH.get(node, ())):
            if nxt not in GRAPH:
                continue
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [])
    # package __init__ -> submodule -> sibling is fine; submodule -> own __init__ is a cycle
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_base_imports_no_stage():
    for m, targets in GRAPH.items():
        if _part(m) in ("core", "params"):
            assert all(_part(t) in ("core", "params", "") for t in targets), (m, targets)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_exposes_run(stage):
    import importlib

    pkg = importlib.import_module(f"crmkit.{stage}")
    assert callable(pkg.run) and "run" in pkg.__all__
    assert all(hasattr(pkg, n) for n in pkg.__all__)


def test_modules_are_small_and_say_what_they_hold():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (> {MAX_LINES} lines): {long}"
    for m, p in MODULES.items():
        doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
        assert doc, f"{m}: add a one-line module docstring saying what it holds"


def test_pyproject_lists_every_package():
    import tomllib

    conf = tomllib.loads((ROOT.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    listed = {p for p in conf["tool"]["setuptools"]["packages"] if "_resources" not in p}
    on_disk = {_module_name(p) for p in ROOT.rglob("__init__.py")}
    assert listed == on_disk, "keep [tool.setuptools] packages in pyproject.toml up to date"


def test_no_exported_name_hides_a_module():
    """``crmkit.tier.pareto`` must not be both a module and a function (``import x.y as m``
    and monkeypatching by dotted path would get the function)."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(crmkit.__path__, "crmkit."):
        if info.ispkg:
            pkg = importlib.import_module(info.name)
            subs = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
            assert not subs & set(getattr(pkg, "__all__", ())), info.name
