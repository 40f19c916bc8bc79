"""Revisions of listings (issue 18, item 10): once a need or a result has been public, every
edit that changes a field is kept as a ``ListingRevision`` (who, when, each changed field's old
and new value), so that a deal signed on what the listing said can be checked against what it
says now.

One rule here decides who reads a listing's revisions: its organisation, operators, and the
organisations of any signed deal on it (both sides of the deal). Pages show them on the
listing's page and on the deal's docking page; an edit of a listing under a signed deal shows
a notice that the change will be recorded and seen by the other side.

Each kind names the fields it records and their labels (``REVISED_FIELDS`` of ``needs`` and
``results`` services); values are kept as plain JSON and turned into words when shown.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Deal,
    Docking,
    Field,
    IPType,
    ListingRevision,
    Need,
    Result,
    ResultForm,
    ResultIP,
    User,
)
from models.listing import split_keywords

from ..filters import format_wan, local_date
from ..i18n import label

Snapshot = dict[str, Any]


def plain(value: Any) -> Any:
    """A field's value as JSON keeps it: enum values, amounts as text, ISO dates, lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ResultIP):
        return [value.ip_type.value, value.number]
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def snapshot(listing: Need | Result, fields: Mapping[str, str]) -> Snapshot:
    """The listing's recorded fields, as plain values (taken before and after an edit)."""
    return {name: plain(getattr(listing, name)) for name in fields}


def _listing_column(listing: Need | Result) -> Any:
    return ListingRevision.result_id if isinstance(listing, Result) else ListingRevision.need_id


def _docking_column(listing: Need | Result) -> Any:
    return Docking.result_id if isinstance(listing, Result) else Docking.need_id


def has_signed_deal(session: Session, listing: Need | Result) -> bool:
    """Whether a signed deal stands on the listing (a deal of one of its dockings)."""
    return bool(session.scalar(select(exists().where(
        Deal.docking_id == Docking.id, _docking_column(listing) == listing.id))))


def record_revision(session: Session, listing: Need | Result, actor: User | None,
                    before: Snapshot, fields: Mapping[str, str]) -> ListingRevision | None:
    """Keep the edit that changed ``listing`` from ``before``, if it changed anything and the
    listing has been public (a draft never published has no readers to answer to)."""
    if listing.published_at is None:
        return None
    after = snapshot(listing, fields)
    changes = {name: [before[name], after[name]] for name in fields
               if before[name] != after[name]}
    if not changes:
        return None
    revision = ListingRevision(actor_id=actor.id if actor is not None else None, changes=changes,
                               under_deal=has_signed_deal(session, listing))
    if isinstance(listing, Result):
        revision.result_id = listing.id
    else:
        revision.need_id = listing.id
    session.add(revision)
    session.flush()
    return revision


def history_visible(session: Session, user: User | None, listing: Need | Result) -> bool:
    """Whether ``user`` reads the listing's revisions: its organisation, operators, and both
    sides of any signed deal on it."""
    if user is None:
        return False
    if user.is_operator or user.organization_id == listing.organization_id:
        return True
    return bool(session.scalar(select(exists().where(
        Deal.docking_id == Docking.id, _docking_column(listing) == listing.id,
        or_(Docking.need_org_id == user.organization_id,
            Docking.supply_org_id == user.organization_id)))))


def revisions_of(session: Session, listing: Need | Result) -> list[ListingRevision]:
    """The listing's revisions, newest first."""
    return list(session.scalars(select(ListingRevision).where(
        _listing_column(listing) == listing.id).order_by(ListingRevision.id.desc())))


@dataclass(frozen=True)
class Change:
    """One changed field of a revision, in words."""

    label: str
    old: str
    new: str
    field: str = ""  # the field's name, as the API names it


def _enum_label(enum_cls: type[enum.Enum], value: Any) -> str:
    try:
        return label(enum_cls(value))
    except ValueError:
        return str(value)


def value_text(name: str, value: Any) -> str:
    """A recorded value as the pages show it (labels translated, amounts in 万元, dates)."""
    if value is None or value == "" or value == []:
        return _("面议") if name in ("price_wan", "budget_min_wan", "budget_max_wan") else "—"
    words: dict[str, Any] = {
        "field": lambda v: _enum_label(Field, v),
        "form": lambda v: _enum_label(ResultForm, v),
        "modes": lambda v: "、".join(_enum_label(CooperationMode, m) for m in v),
        "ip_rights": lambda v: "、".join(f"{_enum_label(IPType, t)} {n}".strip() for t, n in v),
        "province": label, "subfield": label,
        "keywords": lambda v: "、".join(split_keywords(v)),
        "price_wan": lambda v: format_wan(Decimal(v)),
        "budget_min_wan": lambda v: format_wan(Decimal(v)),
        "budget_max_wan": lambda v: format_wan(Decimal(v)),
        "valid_until": lambda v: local_date(dt.date.fromisoformat(v)),
        "show_org_name": lambda v: _("是") if v else _("否"),
        "trl": lambda v: f"TRL {v}",
    }
    return str(words.get(name, str)(value))


def changes_of(revision: ListingRevision, fields: Mapping[str, str]) -> list[Change]:
    """A revision's changed fields in the kind's order, labelled and in words."""
    return [Change(_(fields.get(name, name)), value_text(name, old), value_text(name, new), name)
            for name in fields if name in revision.changes
            for old, new in [revision.changes[name]]]


def history_for(session: Session, user: User | None, listing: Need | Result,
                fields: Mapping[str, str]) -> list[tuple[ListingRevision, list[Change]]]:
    """The listing's revisions with their changes in words, newest first, for a reader who may
    see them (none for anyone else)."""
    if not history_visible(session, user, listing):
        return []
    return [(revision, changes_of(revision, fields)) for revision in revisions_of(session, listing)]
