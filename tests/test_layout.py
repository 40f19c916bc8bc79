"""The package layout the design card fixes: a pure matcher, Flask-free models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imported_roots(package: str) -> set[str]:
    roots: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(("package", "forbidden"), [
    ("matcher", {"flask", "flask_login", "flask_wtf", "sqlalchemy", "webapp", "models"}),
    ("models", {"flask", "flask_login", "flask_wtf", "flask_babel", "webapp"}),
])
def test_layers_do_not_import_upwards(package: str, forbidden: set[str]) -> None:
    assert _imported_roots(package) & forbidden == set()


def test_wsgi_builds_the_app() -> None:
    source = (ROOT / "wsgi.py").read_text(encoding="utf-8")
    assert "app = create_app()" in source
