"""What the need and result services share: the editable fields and list filters of every
listing, and how they are applied. They flush, the views commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import CooperationMode, Field, Need, Result, User

from ..search import like_any

L = TypeVar("L", Need, Result)


@dataclass(kw_only=True)
class ListingInput:
    """The editable fields every listing has, as parsed from a form or a request."""

    title: str
    field: Field
    province: str
    modes: list[CooperationMode]
    subfield: str = ""
    keywords: str = ""
    city: str = ""


@dataclass(kw_only=True)
class ListingFilters:
    """What every listing list can be narrowed by."""

    q: str = ""
    field: Field | None = None
    province: str | None = None
    mode: CooperationMode | None = None
    organization_id: int | None = None


def apply_listing(listing: Any, data: ListingInput) -> None:
    """Set the fields every listing has (the field first: the sub-field's check reads it)."""
    listing.field = data.field
    listing.subfield = data.subfield
    listing.title = data.title.strip()
    listing.keywords = data.keywords
    listing.modes = data.modes
    listing.province = data.province
    listing.city = data.city.strip()


def add_listing(session: Session, listing: L, author: User,
                publish: Callable[[L], None] | None = None) -> L:
    """Add a new listing of the author's organisation, published at once by ``publish`` when
    given (a draft otherwise)."""
    listing.organization_id = author.organization_id
    listing.author_id = author.id
    session.add(listing)
    if publish is not None:
        publish(listing)
    session.flush()
    return listing


def narrowed(stmt: Select[Any], model: Any, filters: ListingFilters, searched: tuple[Any, ...],
             modes: tuple[Any, Any]) -> Select[Any]:
    """``stmt`` narrowed by the filters every listing list has: words in the ``searched``
    columns, field, region, and a cooperation mode (``modes``: the listing-id and mode columns
    of the kind's modes table)."""
    if filters.q:
        stmt = stmt.where(like_any(filters.q, *searched))
    if filters.field is not None:
        stmt = stmt.where(model.field == filters.field)
    if filters.province:
        stmt = stmt.where(model.province == filters.province)
    if filters.mode is not None:
        listing_id, mode = modes
        stmt = stmt.where(model.id.in_(select(listing_id).where(mode == filters.mode)))
    return stmt
