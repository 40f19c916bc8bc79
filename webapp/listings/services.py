"""What the need and result services share: the editable fields and list filters of every
listing, and how they are applied. They flush, the views commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import CooperationMode, Field, Need, NeedStatus, Result, ResultStatus, User

from ..errors import Refused
from ..events import emit, listing_changed, listing_closed, listing_published

L = TypeVar("L", Need, Result)


@dataclass(kw_only=True)
class ListingInput:
    """The editable fields every listing has, as parsed from a form or a request."""

    title: str
    field: Field | None  # None (and an empty province) only in a draft
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
    band: str | None = None  # a budget or price band (``search.BANDS``), applied by search
    maturity: str | None = None  # a maturity stage (results), applied by search


def apply_listing(listing: Any, data: ListingInput) -> None:
    """Set the fields every listing has (the field first: the sub-field's check reads it)."""
    listing.field = data.field
    listing.subfield = data.subfield
    listing.title = data.title.strip()
    listing.keywords = data.keywords
    listing.modes = data.modes
    listing.province = data.province
    listing.city = data.city.strip()


def missing(listing: Any, required: Mapping[str, str]) -> list[str]:
    """The labels (marked, untranslated) of the ``required`` fields a listing leaves empty: a
    draft may, a published listing may not."""
    return [label for name, label in required.items()
            if getattr(listing, name) in (None, "", [])]


def require_complete(listing: Any, required: Mapping[str, str],
                     refusal: type[Refused] = Refused) -> None:
    """Refuse (with ``refusal``) to publish a listing that leaves a required field empty."""
    empty = missing(listing, required)
    if empty:
        raise refusal(_("请先编辑并补全以下内容再发布：%(fields)s",
                        fields="、".join(_(label) for label in empty)))


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


ListingStatus = NeedStatus | ResultStatus

_OPEN: frozenset[ListingStatus] = frozenset(
    {NeedStatus.PUBLISHED, NeedStatus.DOCKING, ResultStatus.PUBLISHED})
_DRAFT: frozenset[ListingStatus] = frozenset({NeedStatus.DRAFT, ResultStatus.DRAFT})


def _stage(status: ListingStatus | None) -> str | None:
    if status is None:
        return None
    return "open" if status in _OPEN else "draft" if status in _DRAFT else "over"


def announce(session: Session, listing: Need | Result, before: ListingStatus | None = None) -> None:
    """Tell the other areas (``webapp.events``) that a listing was created (``before`` is
    ``None``) or changed from the status ``before``: published when it has become open, closed
    when it has stopped being open or was created over, changed otherwise. Call it once per
    save, after the listing's services, with the listing flushed."""
    now, was = _stage(listing.status), _stage(before)
    if now == "open" and was != "open":
        signal = listing_published
    elif now == "over" and was != "over":
        signal = listing_closed
    else:
        signal = listing_changed
    emit(signal, session=session, listing=listing)


def narrowed(stmt: Select[Any], model: Any, filters: ListingFilters,
             modes: tuple[Any, Any]) -> Select[Any]:
    """``stmt`` narrowed by the filters every listing list has: field, region, and a cooperation
    mode (``modes``: the listing-id and mode columns of the kind's modes table). The query
    (``q``) and the bands are applied by ``webapp.search``, which ranks the list."""
    if filters.field is not None:
        stmt = stmt.where(model.field == filters.field)
    if filters.province:
        stmt = stmt.where(model.province == filters.province)
    if filters.mode is not None:
        listing_id, mode = modes
        stmt = stmt.where(model.id.in_(select(listing_id).where(mode == filters.mode)))
    return stmt
