"""The package's layers hold: no module imports one that imports it back, and no layer
imports a layer above it, at module level or inside a function (imports under
``TYPE_CHECKING`` aside: they never run). A cycle or an upward import through a
function-level import still ties two designs together; these tests keep them apart.

The layers, lowest first, are drawn in docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sim

ROOT = Path(sim.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if getattr(test, "id", None) == "TYPE_CHECKING" or \
                    getattr(test, "attr", None) == "TYPE_CHECKING":
                self.generic_visit(ast.Module(body=node.orelse, type_ignores=[]))
                return
            self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known and m != name}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back():
    modules = _modules()
    edges = {name: _imports(path, name, set(modules)) for name, path in modules.items()}
    assert _cycles(edges) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


#: Each sub-package's layer, lowest first; a module may import its own layer or lower ones.
#: Sub-packages of one rank (analysis and the seminar) must not import each other.
LAYERS: dict[str, int] = {
    "sim.core": 0, "sim.dynamics": 1, "sim.inputs": 2, "sim.runs": 3,
    "sim.analysis": 4, "sim.seminar": 4, "sim.api": 5, "sim.adapters": 6, "sim.cli": 6,
    "sim.__main__": 7,
}


def _layer_of(module: str) -> str:
    parts = module.split(".")
    name = ".".join(parts[:2])
    assert name in LAYERS, f"{module} is in no layer: add its sub-package to LAYERS"
    return name


def _upward_imports(modules: dict[str, Path]) -> list[str]:
    wrong = []
    for name, path in sorted(modules.items()):
        if name == "sim":
            continue
        mine = _layer_of(name)
        for target in sorted(_imports(path, name, set(modules))):
            if target == "sim":
                continue
            theirs = _layer_of(target)
            if theirs != mine and LAYERS[theirs] >= LAYERS[mine]:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    return wrong


def test_every_module_sits_in_a_layer_and_imports_only_lower_layers():
    assert _upward_imports(_modules()) == []


def test_the_layer_check_finds_an_upward_import(tmp_path):
    (tmp_path / "sim" / "core").mkdir(parents=True)
    (tmp_path / "sim" / "runs").mkdir()
    low = tmp_path / "sim" / "core" / "low.py"
    low.write_text("from sim.runs import high\n")
    high = tmp_path / "sim" / "runs" / "high.py"
    high.write_text("")
    modules = {"sim.core.low": low, "sim.runs.high": high}
    assert _upward_imports(modules) == ["sim.core.low (sim.core) imports sim.runs.high (sim.runs)"]
