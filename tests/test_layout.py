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


def _webapp_imports(path: Path) -> set[tuple[str, ...]]:
    """The ``webapp`` modules ``path`` imports, as dotted parts (``("webapp", "needs",
    "services")``); for ``from X import name`` both X and X.name, since name may be a module."""
    package = path.relative_to(ROOT).parts[:-1]
    found: set[tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(tuple(alias.name.split(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = tuple(node.module.split(".")) if node.module else ()
            target = (package[:len(package) - node.level + 1] + module) if node.level else module
            found.add(target)
            found.update((*target, alias.name) for alias in node.names)
    return {parts for parts in found if parts[:1] == ("webapp",)}


AREAS = sorted(p.name for p in (ROOT / "webapp").iterdir() if (p / "__init__.py").is_file())


def _areas_imported(area: str) -> dict[str, set[str]]:
    """For each module of the area ``webapp/<area>``, the other areas it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "webapp" / area).rglob("*.py"):
        others = {parts[1] for parts in _webapp_imports(path)
                  if len(parts) > 1 and parts[1] in AREAS and parts[1] != area}
        if others:
            found[str(path.relative_to(ROOT))] = others
    return found


def test_the_import_graph_sees_relative_imports_of_areas() -> None:
    """A positive control: the listings area's modules are seen importing it."""
    assert {"matching", "needs", "notifications", "api", "listings"} <= set(AREAS)
    assert "matching" in _areas_imported("needs").get("webapp/needs/kind.py", set())
    assert "listings" in _areas_imported("api")["webapp/api/v1/listings.py"]


def test_matching_imports_no_area() -> None:
    """Matching is told of changes by signals (``webapp.events``) and tells nobody directly:
    the areas import it, never the other way round."""
    assert _areas_imported("matching") == {}


def test_no_area_imports_the_api() -> None:
    """The API is a way in, built on the areas' services; nothing below it depends on it."""
    offenders = {module: others for area in AREAS if area != "api"
                 for module, others in _areas_imported(area).items() if "api" in others}
    assert offenders == {}
