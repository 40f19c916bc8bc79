"""The package layout the design card fixes: a pure matcher, Flask-free models, a web package
whose modules do not import back up from it, and the WSGI entry point gunicorn serves."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest
from flask import Flask

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


def _imported_from_webapp_package(path: Path) -> list[str]:
    """The names ``path`` imports from the ``webapp`` package itself (its ``__init__``)."""
    package = path.relative_to(ROOT).parts[:-1]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = tuple(node.module.split(".")) if node.module else ()
        target = (package[:len(package) - node.level + 1] + module) if node.level else module
        if target == ("webapp",):
            names += [alias.name for alias in node.names]
    return names


def test_nothing_in_webapp_imports_back_up_from_its_init() -> None:
    """webapp/__init__.py re-exports create_app for the outside (wsgi, tests); the package's
    own modules import submodules from it, never names defined there."""
    webapp = ROOT / "webapp"
    found = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in webapp.rglob("*.py") if path != webapp / "__init__.py"
        for name in _imported_from_webapp_package(path)
        if not ((webapp / name).is_dir() or (webapp / f"{name}.py").is_file())
    }
    assert found == set()


def test_wsgi_serves_the_app(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """``gunicorn wsgi:app`` gets the whole application, configured from the environment."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "layout-test")
    app = runpy.run_path(str(ROOT / "wsgi.py"))["app"]
    assert isinstance(app, Flask)
    try:
        assert app.config["DATABASE_URL"] == database_url
        assert {"main", "auth", "needs", "results", "solutions", "dockings", "matching",
                "reports"} <= set(app.blueprints)
        assert "seed-demo" in app.cli.commands
        client = app.test_client()
        health = client.get("/healthz")
        assert (health.status_code, health.json) == (200, {"status": "ok", "database": "ok"})
        assert client.get("/").status_code == 200
    finally:
        if engine := app.extensions.get("db_engine"):
            engine.dispose()  # before the fixture empties the database
