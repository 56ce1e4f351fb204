"""The layers of docs/architecture.md hold: what a person changing one package may break is
what sits above it, and nothing else.

- ``lint-imports`` keeps every contract in pyproject.toml (the layers, one way to queue a job, the
  plain-Python ToR engine); a violation fails the suite, so CI, with import-linter's own report.
- No two top-level packages import each other, directly or round a loop (grimp's import graph,
  imports inside functions included).
- An import of the platform's own code inside a function is the exception, each with a reason
  on its line, and there are fewer than 15.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "platform" / "permanence"
MAX_FUNCTION_LEVEL_IMPORTS = 15


def test_lint_imports_keeps_every_contract_in_pyproject():
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert command, "import-linter is a test dependency: pip install -e '.[test]' -c constraints.txt"
    done = subprocess.run([command, "--config", str(REPO / "pyproject.toml"), "--no-cache"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
    assert done.stdout.count("KEPT") >= 3  # layers, one way to queue, the plain ToR engine


def _package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("permanence", cache_dir=None)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        source = module.split(".")[1] if "." in module else module
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")[1] if "." in imported else imported
            if target != source and imported.startswith("permanence."):
                edges[source].add(target)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(set(edges) | {t for targets in edges.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def test_no_two_packages_import_each_other_round_a_loop():
    edges = _package_graph()
    assert edges["web"] >= {"accounts", "tenancy"}, "the import graph was not read"  # the check can fail
    assert _cycles(edges) == []
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]


def _function_level_own_imports():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                own = (isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("permanence"))) \
                    or (isinstance(node, ast.Import) and any(a.name.startswith("permanence") for a in node.names))
                if own:
                    found.append((path.relative_to(REPO), node.lineno, lines[node.end_lineno - 1]))
    return found


def test_imports_of_our_own_code_inside_functions_are_few_and_each_says_why():
    found = _function_level_own_imports()
    assert len(found) < MAX_FUNCTION_LEVEL_IMPORTS, found
    unexplained = [f"{path}:{line}" for path, line, text in found if "#" not in text]
    assert unexplained == [], "say on the line why the import cannot be at the top of the module"
