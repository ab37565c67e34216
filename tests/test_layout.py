"""The package's shape, as a new developer relies on it: the core imports without Flask,
there is no import cycle, and the README's settings table is the settings object."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import webmap
from webmap.settings import PROJECT_ROOT, Settings

PACKAGE_DIR = Path(webmap.__file__).parent
# The web layer and its entry points are the only places that may import Flask.
WEB_ONLY = ("webmap.web", "webmap.cli", "webmap.wsgi")


def _modules() -> dict[str, Path]:
    """Every module of the package, found on disk (not from a hand-kept list)."""
    out = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def test_every_core_module_imports_with_flask_absent():
    script = """
import json, pkgutil, sys, importlib
sys.modules["flask"] = None  # any "import flask" now raises ImportError
import webmap
names = [m.name for m in pkgutil.walk_packages(webmap.__path__, "webmap.")]
skip = tuple(json.loads(sys.argv[1]))
core = [n for n in names if not any(n == s or n.startswith(s + ".") for s in skip)]
failed = {}
for name in core:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed[name] = str(exc)
print(json.dumps({"core": core, "failed": failed}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(WEB_ONLY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    result = json.loads(out.stdout)
    assert "webmap.catalogue.validate" in result["core"] and "webmap.trips.planner" in result["core"]
    assert result["failed"] == {}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports, anywhere in the file: an import put inside a
    function to dodge a cycle still ties the two modules together, so it counts."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/ and a/b/ first
            if ".".join(parts[:i]) in known:
                found.add(".".join(parts[:i]))

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                add(base)
                for alias in node.names:
                    if f"{base}.{alias.name}" in known:
                        add(f"{base}.{alias.name}")

    visit(list(ast.walk(tree)))
    # The packages that hold ``name`` are already loading when it runs: not an edge.
    parts = name.split(".")
    return found - {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_package_has_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    assert "webmap.catalogue.loader" in graph["webmap.catalogue"]  # the graph sees package imports
    assert "webmap.trips.data" in graph["webmap.catalogue.loader"]
    assert _cycle(graph) is None


def _readme_settings() -> set[str]:
    """Every WEBMAP_* name in the first column of the README's settings table;
    ``WEBMAP_PLANNER_WALK_KMH`` / ``_COACH_KMH`` shares the first name's prefix."""
    names = set()
    for line in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = line.split("|")
        if len(cells) < 3 or "WEBMAP_" not in cells[1]:
            continue
        first, *rest = re.findall(r"`([A-Z_]+)`", cells[1])
        names.add(first)
        for suffix in rest:
            keep = first.split("_")[: -(suffix.count("_"))]
            names.add("_".join(keep) + suffix)
    return names


def test_the_readme_settings_table_lists_exactly_the_settings():
    prefix = Settings.model_config["env_prefix"]
    fields = {prefix + name.upper() for name in Settings.model_fields}
    assert _readme_settings() == fields


def test_every_travel_mode_has_its_speed_and_detour_settings():
    # vocab.MODES is the one list of modes; the planner reads planner_<mode>_kmh/_detour.
    from webmap.vocab import MODES

    for mode in MODES:
        for kind in ("kmh", "detour"):
            field = Settings.model_fields.get(f"planner_{mode}_{kind}")
            assert field is not None and field.description, f"mode {mode!r} needs planner_{mode}_{kind}"
    extra = {n.split("_")[1] for n in Settings.model_fields if n.startswith("planner_") and n.endswith("_kmh")}
    assert extra == set(MODES)
