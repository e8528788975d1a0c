"""Telecare's layering: the domain modules know nothing of the web part or of HTTP, and
the web part's modules import one another without a circle."""

from __future__ import annotations

import ast
from pathlib import Path

TELECARE = Path(__file__).resolve().parents[2] / "telecare"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_domain_modules_import_neither_the_web_part_nor_aiohttp() -> None:
    domain = sorted(TELECARE.glob("*.py"))
    assert domain, "telecare's domain modules are found"
    for path in domain:
        forbidden = {
            name
            for name in _imports(path)
            if name.startswith(("telecare.web", "aiohttp", "channels", "actions"))
        }
        assert not forbidden, f"{path.name} imports {sorted(forbidden)}"


def test_the_web_modules_import_each_other_without_a_circle() -> None:
    modules = {f"telecare.web.{path.stem}": path for path in (TELECARE / "web").glob("*.py")}
    uses = {
        module: {name for name in _imports(path) if name in modules and name != module}
        for module, path in modules.items()
    }
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, f"import circle: {' -> '.join((*trail, module))}"
        if module in done:
            return
        for used in uses[module]:
            visit(used, (*trail, module))
        done.add(module)

    for module in modules:
        visit(module, ())
    assert uses["telecare.web.app"] >= {
        "telecare.web.call",
        "telecare.web.console",
        "telecare.web.signaling",
    }
