"""Helpers the tests import: the test password, logging in, reading page text."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from models import User
from webapp import events
from webapp.testbed import CHEAP_ARGON2 as CHEAP_ARGON2  # re-exported: the tests' name

PASSWORD = "correct-horse-42"


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> FlaskClient:
    """Log ``client`` in as ``user``; fails the test if it does not work."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


#: What an app's signals said: (signal name, payload), in the order they were sent.
Heard = list[tuple[str, dict[str, Any]]]


def listen(app: Flask) -> tuple[Heard, Callable[[], None]]:
    """Record every signal of ``webapp.events`` that ``app`` sends; returns the record and a
    function that stops recording."""
    heard: Heard = []
    receivers = []
    for name, signal in events.all_signals().items():
        def receiver(sender: Flask, _name: str = name, **payload: Any) -> None:
            assert sender is app
            heard.append((_name, payload))
        signal.connect(receiver, sender=app, weak=False)
        receivers.append((signal, receiver))

    def stop() -> None:
        for signal, receiver in receivers:
            signal.disconnect(receiver, sender=app)
    return heard, stop


def page_text(response: Any) -> str:
    """A response's body with tags stripped and white space folded, for text assertions."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


_JSON_TYPES: dict[str, Any] = {"null": type(None), "boolean": bool, "integer": int,
                               "number": (int, float, Decimal), "string": str, "array": list,
                               "object": dict}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_type(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _JSON_TYPES[kind])


def _is_date(text: str) -> bool:
    try:
        return bool(_DATE.match(text)) and dt.date.fromisoformat(text) is not None
    except ValueError:
        return False


def validate(value: Any, schema: Mapping[str, Any], path: str = "") -> dict[str, str]:
    """Check an answer against a JSON Schema of the OpenAPI document (the subset the document
    uses: types, enums, lengths, ranges, dates, items, required and closed objects; a
    ``$ref`` is not followed). Returns ``{field path: problem}``, empty when it fits."""
    where = path or "body"
    kinds = schema.get("type")
    if kinds is not None:
        options = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is_type(value, k) for k in options):
            return {where: f"not {' or '.join(options)}"}
    if value is None:
        return {}
    if "enum" in schema and value not in schema["enum"]:
        return {where: f"not one of {schema['enum']}"}
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", math.inf):
            return {where: "length out of range"}
        if schema.get("format") == "date" and not _is_date(value):
            return {where: "not a date"}
    number = isinstance(value, int | Decimal | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", -math.inf) <= value <= schema.get("maximum", math.inf):
        return {where: "out of range"}
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", math.inf):
            return {where: "too many items"}
        problems: dict[str, str] = {}
        for i, item in enumerate(value):
            problems.update(validate(item, schema.get("items") or {}, f"{path}[{i}]"))
        return problems
    if isinstance(value, dict):
        problems = {}
        props: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                problems[f"{path}.{name}" if path else name] = "missing"
        for name, item in value.items():
            where = f"{path}.{name}" if path else str(name)
            if name in props:
                problems.update(validate(item, props[name], where))
            elif schema.get("additionalProperties", True) is False:
                problems[where] = "unknown property"
        return problems
    return {}


def eval_dir() -> Path:
    """Where the shared evaluation sets live: ``INNOMATCH_EVAL_DIR``, else ``../shared/eval``
    beside the checkout."""
    env = os.environ.get("INNOMATCH_EVAL_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "eval"
