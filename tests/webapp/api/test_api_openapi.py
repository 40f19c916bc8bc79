"""The OpenAPI document describes exactly the routes the app serves, and answers fit it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    DockingState,
    Match,
    Need,
    Result,
    Solution,
    SolutionStatus,
    User,
)
from webapp.api.v1.openapi import openapi_path

from support import validate

METHODS = {"get", "post", "put", "patch", "delete"}


def _served(app: Flask) -> set[tuple[str, str]]:
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_v1."):
            continue
        path, _ = openapi_path(rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            served.add((path, method.lower()))
    return served


def test_every_route_is_documented_and_every_documented_route_served(
        app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in doc["paths"].items()
                  for method in item if method in METHODS}
    assert _served(app) == documented
    assert len(documented) >= 30


def test_path_parameters_and_references_agree(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(doc):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    for path, item in doc["paths"].items():
        names = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for op in item.values():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == names, (path, op["operationId"])
            assert op["summary"], op["operationId"]
            assert "200" in op["responses"] or "201" in op["responses"] \
                or "204" in op["responses"]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Inline every $ref so that the plain validator can check answers against the document."""
    if "$ref" in schema:
        return _resolve(doc, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {k: _resolve(doc, v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _resolve(doc, out["items"])
    if "anyOf" in out:
        out["anyOf"] = [_resolve(doc, s) for s in out["anyOf"]]
    return out


def _fits(doc: dict[str, Any], path: str, method: str, status: int, body: Any) -> dict[str, str]:
    op = doc["paths"][path][method]
    schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
    resolved = _resolve(doc, schema)
    if "anyOf" in resolved:  # nullable references: one of the options must fit
        results = [validate(body, s) for s in resolved["anyOf"]]
        return {} if any(not r for r in results) else results[0]
    return _validate_deep(body, resolved)


def _validate_deep(body: Any, schema: dict[str, Any]) -> dict[str, str]:
    problems = validate(body, schema)
    if problems or not isinstance(body, dict):
        return problems
    for name, prop in schema.get("properties", {}).items():
        if name in body and "anyOf" in prop:
            options = [validate(body[name], s) for s in prop["anyOf"]]
            if all(options):
                problems[name] = str(options[0])
    return problems


def test_answers_fit_their_documented_schemas(
        api_as: Callable[[User | None], Any], enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result],
        make_docking: Callable[..., Any], client: FlaskClient, db: Session) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    need = make_need(enterprise_user, keywords="涂布，检测")
    result = make_result(institution_user)
    docking = make_docking(enterprise_user, institution_user, DockingState.SIGNED)
    # One record behind every list, so that each item schema is checked against an answer.
    db.add_all([
        Match(need_id=need.id, result_id=result.id, score=0.8, text_score=0.7,
              parts={"text": 0.49, "field": 0.1}, terms=[["涂布", 0.6]], matcher_version="test"),
        Solution(need_id=need.id, organization_id=institution_user.organization_id,
                 author_id=institution_user.id, summary="在线视觉检测方案概述",
                 approach="线阵相机与分割模型", status=SolutionStatus.SUBMITTED),
        Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
             amount_wan=Decimal("80"), signed_on=dt.date(2025, 5, 1),
             created_by_id=enterprise_user.id),
    ])
    db.commit()
    ent = api_as(enterprise_user)
    checks = [
        ("/needs", ent.get("/needs")),
        ("/needs/{need_id}", ent.get(f"/needs/{need.id}")),
        ("/results", ent.get("/results")),
        ("/results/{result_id}", ent.get(f"/results/{result.id}")),
        ("/needs/{need_id}/matches", ent.get(f"/needs/{need.id}/matches")),
        ("/dockings", ent.get("/dockings")),
        ("/dockings/{docking_id}", ent.get(f"/dockings/{docking.id}")),
        ("/deals", ent.get("/deals")),
        ("/solutions", ent.get("/solutions")),
        ("/me", ent.get("/me")),
        ("/tokens", ent.get("/tokens")),
    ]
    for path, response in checks:
        assert response.status_code == 200, (path, response.get_json())
        body = response.get_json()
        assert body.get("items", [body]), f"{path}: an empty list checks no item"
        assert _fits(doc, path, "get", 200, body) == {}, path
    error = ent.get("/needs/999999")
    assert error.status_code == 404
    assert _fits(doc, "/needs/{need_id}", "get", 404, error.get_json()) == {}


def test_reference_page_is_rendered_by_the_app(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script" not in html and "cdn" not in html.lower()
    for text in ("GET /needs/{need_id}", "Idempotency-Key", "X-CSRFToken", "Authorization: Bearer",
                 "NeedCreate"):
        assert text in html
