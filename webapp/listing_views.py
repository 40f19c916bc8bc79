"""Helpers shared by the need and result pages: parsing list filters from the query string."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from models.taxonomy import PROVINCES

from .db import get_session
from .permissions import Owned, require_change

E = TypeVar("E", bound=Enum)


def enum_arg(name: str, enum_cls: type[E]) -> E | None:
    """A query argument as an enum member; unknown values are ignored."""
    raw = request.args.get(name, "")
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def province_arg() -> str | None:
    """The region filter, if it names a known province."""
    raw = request.args.get("province", "")
    return raw if raw in PROVINCES else None


def decimal_arg(name: str) -> Decimal | None:
    """A non-negative decimal query argument; anything else is ignored."""
    raw = request.args.get(name, "").strip()
    if not raw or len(raw) > 12:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def text_arg(name: str, limit: int = 100) -> str:
    """A free-text query argument, trimmed and capped."""
    return request.args.get(name, "").strip()[:limit]


def apply_transition(record: Owned, action: Callable[[Any], None],
                     refused: type[Exception], done: str, back: str,
                     after: Callable[[Any], object] | None = None) -> Response:
    """Run a state change on a record the current user may change, then ``after`` (such as
    recomputing suggestions), and go back to ``back``.

    A refused change leaves the record as it was and says why.
    """
    require_change(record)
    db = get_session()
    try:
        action(record)
        if after is not None:
            after(record)
    except refused as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.commit()
    flash(done, "success")
    return redirect(back)


def wants_publish() -> bool:
    """Whether the form was sent with its “publish” button."""
    return request.form.get("action") == "publish"
