"""Reading a list page's filters from the query string (unknown values are ignored), and which
button sent a listing's form. Each reader takes the request's arguments unless given others (a
saved search's, read again when a new listing is published)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar

from flask import request

from models.taxonomy import PROVINCES

E = TypeVar("E", bound=Enum)
Args = Mapping[str, str]


def _args(args: Args | None) -> Args:
    return request.args if args is None else args


def enum_arg(name: str, enum_cls: type[E], args: Args | None = None) -> E | None:
    """A query argument as an enum member; unknown values are ignored."""
    raw = _args(args).get(name, "")
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def province_arg(args: Args | None = None) -> str | None:
    """The region filter, if it names a known province."""
    raw = _args(args).get("province", "")
    return raw if raw in PROVINCES else None


def decimal_arg(name: str, args: Args | None = None) -> Decimal | None:
    """A non-negative decimal query argument; anything else is ignored."""
    raw = _args(args).get(name, "").strip()
    if not raw or len(raw) > 12:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def text_arg(name: str, limit: int = 100, args: Args | None = None) -> str:
    """A free-text query argument, trimmed and capped."""
    return _args(args).get(name, "").strip()[:limit]


def choice_arg(name: str, allowed: Collection[str], args: Args | None = None) -> str | None:
    """A query argument among ``allowed`` values; anything else is ignored."""
    raw = _args(args).get(name, "")
    return raw if raw in allowed else None


def wants_publish() -> bool:
    """Whether the form was sent with its “publish” button."""
    return request.form.get("action") == "publish"


def wants_draft() -> bool:
    """Whether the form was sent with its “save as draft” button (which checks only the title;
    a form sent without a button is checked in full)."""
    return request.form.get("action") == "draft"
