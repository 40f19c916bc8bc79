"""Hostile input refused in one place before any view runs: ids past what a record can have,
and text no column can hold or that reads differently from what it holds.

- ``<int:...>`` in every route takes 1..``MAX_ID`` (a bigger number is a 404, never an
  overflow in the database driver);
- every form field, query-string value and page JSON member is checked with
  ``input_rules.control_problem`` (NUL, lone surrogates, bidirectional overrides): a 400 naming
  the field. The JSON API checks the same rule in its schemas, after authentication (a 422
  naming the member).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from ..errors import error_response
from ..input_rules import MAX_ID, control_problem


class IdConverter(IntegerConverter):
    """``int`` in routes: a whole number up to ``MAX_ID`` (an id); a bigger one names no record:
    a 404 at once (not "no match", which would let another route answer 405)."""

    def to_python(self, value: str) -> Any:
        """The number, or a 404 past ``MAX_ID``."""
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
            raise NotFound()
        return super().to_python(value)


def refuse_hostile_text() -> Any:
    """A 400 naming the first form field or query parameter that holds text no column can
    take (``input_rules.control_problem``)."""
    if request.path.startswith(("/static/", "/api/")):
        # The API checks the same rule in its schemas, after authentication (a 401 first).
        return None
    pairs: list[tuple[str, Any]] = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            pairs += request.form.items(multi=True)
        elif request.is_json:
            # Flask-WTF fills page forms from a JSON body too; the API's schemas check theirs.
            pairs += _json_strings(request.get_json(silent=True), "")
    for name, value in pairs:
        problem = control_problem(name) or control_problem(str(value))
        if problem:
            field = name[:40].encode("utf-8", "replace").decode("utf-8")
            return error_response(400, _("%(field)s：%(problem)s", field=field, problem=problem),
                                  fields={field: problem}, error="validation_failed")
    return None


def _json_strings(value: Any, path: str) -> list[tuple[str, str]]:
    """Every (path, text) of a JSON document, member names included."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += [(f"{path}{key}", str(key)), *_json_strings(item, f"{path}{key}.")]
        return found
    if isinstance(value, list):
        return [pair for item in value for pair in _json_strings(item, path)]
    return [(path.rstrip("."), value)] if isinstance(value, str) else []


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint is registered) and the text check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_hostile_text)
