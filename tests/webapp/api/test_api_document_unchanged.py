"""The OpenAPI document keeps what clients relied on: the document as it was before the API moved
onto flask-smorest is kept in ``data/openapi-before-smorest.json`` (saved from main before the
move), and the served document is compared with it.

Kept: every path and method; each operation's parameters (name, place, required), request body
(required, the schema it names), success status, media type and schema, every status code it
documented, its security and ``x-auth``; every component schema with its property names, its
required properties, whether it refuses unknown properties, and for each property its JSON
types (``null`` included) and its choices. A limit (length, range, number of items) may become
stricter where the API and the forms now share one rule, never looser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

BEFORE = Path(__file__).parent / "data" / "openapi-before-smorest.json"
METHODS = ("get", "post", "put", "patch", "delete")
UPPER_LIMITS = ("maxLength", "maximum", "maxItems")
LOWER_LIMITS = ("minLength", "minimum", "minItems")
#: Properties added since, in answers only (a client that does not know them loses nothing).
#: Issue 16: a suggestion says whether it is weak and which related terms the matcher used.
ADDED_PROPERTIES: dict[str, set[str]] = {
    "Match": {"weak", "related_terms"},
    "SuggestedResult": {"weak", "related_terms"},
    # Issue 18, item 7: tokens expire, their life chosen on creation.
    "Token": {"expires_at"},
    "TokenCreate": {"expires_in_days"},
    # Issue 17, part 6: the files attached to needs, results and solutions (metadata).
    "Need": {"attachments"},
    "Result": {"attachments"},
    "Solution": {"attachments"},
}
#: Operations added since (a client that does not call them loses nothing).
ADDED_OPERATIONS = {
    # Issue 17, part 6: an attachment's file.
    ("/attachments/{attachment_id}", "get"),
    # Issue 18.10: a listing's revisions.
    ("/needs/{need_id}/revisions", "get"),
    ("/results/{result_id}/revisions", "get"),
}
#: Answers' properties that may also be null since (what a client sent is checked as before).
#: Issue 17.3: a draft saved on a page with only its title has no field, form or maturity yet.
NULLABLE_SINCE = {"Need.field", "Result.field", "Result.form", "Result.trl"}


@pytest.fixture(scope="module")
def before() -> dict[str, Any]:
    """The document as main served it before the move."""
    document: dict[str, Any] = json.loads(BEFORE.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def now(client: FlaskClient) -> dict[str, Any]:
    """The document the app serves now."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(path, method): op for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS}


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    if not schema or "$ref" not in schema:
        return None
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = _ref_name(schema)
    return _resolve(doc, doc["components"]["schemas"][name]) if name else schema


def _kinds(doc: dict[str, Any], schema: dict[str, Any]) -> frozenset[str]:
    """The JSON types a value of ``schema`` may have (a reference counts as its target's)."""
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        return frozenset().union(*(_kinds(doc, option) for option in schema["anyOf"]))
    kind = schema.get("type")
    if kind is None:
        return frozenset({"any"})
    return frozenset([kind] if isinstance(kind, str) else kind)


def _choices(doc: dict[str, Any], schema: dict[str, Any]) -> frozenset[Any]:
    """The values an enum allows, looking into array items and nullable options."""
    schema = _resolve(doc, schema)
    found = set(schema.get("enum", ()))
    for option in schema.get("anyOf", ()):
        found |= _choices(doc, option)
    if isinstance(schema.get("items"), dict):
        found |= {("item", v) for v in _choices(doc, schema["items"])}
    return frozenset(v for v in found if v is not None)


def _limits(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(doc, schema)
    limits = {key: schema[key] for key in (*UPPER_LIMITS, *LOWER_LIMITS) if key in schema}
    for option in schema.get("anyOf", ()):
        limits.update(_limits(doc, option))
    return limits


def _parameters(op: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(p["name"], p["in"]): bool(p.get("required")) for p in op.get("parameters", [])}


def _success(op: dict[str, Any]) -> tuple[str, dict[str, str | None]]:
    code = min(code for code in op["responses"] if code.startswith("2"))
    content = op["responses"][code].get("content", {})
    return code, {media: _ref_name(body.get("schema")) for media, body in content.items()}


def test_every_operation_is_kept_with_its_parameters_body_and_answers(
        before: dict[str, Any], now: dict[str, Any]) -> None:
    old, new = _operations(before), _operations(now)
    assert set(new) - ADDED_OPERATIONS == set(old)
    for key, was in old.items():
        op = new[key]
        assert _parameters(op) == _parameters(was), key
        body, had = op.get("requestBody"), was.get("requestBody")
        assert (body is None) == (had is None), key
        if had is not None:
            assert body is not None and body["required"] == had["required"], key
            assert _ref_name(body["content"]["application/json"]["schema"]) == \
                _ref_name(had["content"]["application/json"]["schema"]), key
        assert _success(op) == _success(was), key
        missing = set(was["responses"]) - set(op["responses"])
        assert not missing, (key, missing)
        for code in set(was["responses"]) - {_success(was)[0]}:
            assert _ref_name(op["responses"][code]["content"]["application/json"]["schema"]) \
                == "Error", (key, code)
        assert op["security"] == was["security"] and op["x-auth"] == was["x-auth"], key
        assert op["operationId"] == was["operationId"] and op["tags"] == was["tags"], key


def test_every_schema_is_kept_with_its_properties_required_fields_and_choices(
        before: dict[str, Any], now: dict[str, Any]) -> None:
    schemas = now["components"]["schemas"]
    for name, was in before["components"]["schemas"].items():
        assert name in schemas, name
        schema = schemas[name]
        added = ADDED_PROPERTIES.get(name, set())
        assert set(schema.get("properties", {})) - added == set(was.get("properties", {})), name
        assert set(schema.get("required", [])) - added == set(was.get("required", [])), name
        assert schema.get("additionalProperties") == was.get("additionalProperties"), name
        for prop, old in was.get("properties", {}).items():
            new = schema["properties"][prop]
            where = f"{name}.{prop}"
            kinds = _kinds(now, new) - ({"null"} if where in NULLABLE_SINCE else set())
            assert kinds == _kinds(before, old), where
            assert _choices(now, new) == _choices(before, old), where
            limits, old_limits = _limits(now, new), _limits(before, old)
            for key in UPPER_LIMITS:
                if key in old_limits:
                    assert limits.get(key, float("inf")) <= old_limits[key], (where, key)
            for key in LOWER_LIMITS:
                if key in old_limits:
                    assert limits.get(key, float("-inf")) >= old_limits[key], (where, key)


def test_the_document_is_the_same_kind_of_document(before: dict[str, Any],
                                                    now: dict[str, Any]) -> None:
    assert now["openapi"] == before["openapi"]
    assert now["servers"] == before["servers"]
    assert now["info"]["title"] == before["info"]["title"]
    assert now["components"]["securitySchemes"] == before["components"]["securitySchemes"]
