"""What an organisation's public page shows: its profile's figures. Its listings are the need
and result lists narrowed to it (``webapp.search``), as everyone sees them. They flush nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from models import Deal, Docking, Field, Need, NeedStatus, Result, ResultStatus

#: The needs an organisation's page counts and lists: open or over, never drafts.
SHOWN_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.DOCKING, NeedStatus.SIGNED,
                       NeedStatus.CLOSED, NeedStatus.EXPIRED)


@dataclass(frozen=True)
class Profile:
    """An organisation's figures as everyone sees them."""

    needs: int  # needs it posted under its name (not drafts)
    results: int  # published results
    fields: list[tuple[Field, int]]  # its listings' fields, most used first
    deals: int  # signed deals it is a party to (how many only: amounts and partners stay private)


def _public_needs(organization_id: int) -> list[ColumnElement[bool]]:
    """The conditions of the needs shown under an organisation's name."""
    return [Need.organization_id == organization_id, Need.status.in_(SHOWN_NEED_STATUSES),
            Need.show_org_name.is_(True)]


def profile(session: Session, organization_id: int) -> Profile:
    """The figures of an organisation's public page."""
    # Only drafts lack a field, and drafts are not shown here.
    needs_by_field: dict[Field, int] = {field: n for field, n in session.execute(
        select(Need.field, func.count()).where(*_public_needs(organization_id))
        .group_by(Need.field)).all() if field is not None}
    results_by_field: dict[Field, int] = {field: n for field, n in session.execute(
        select(Result.field, func.count()).where(Result.organization_id == organization_id,
                                                 Result.status == ResultStatus.PUBLISHED)
        .group_by(Result.field)).all() if field is not None}
    fields = {f: needs_by_field.get(f, 0) + results_by_field.get(f, 0)
              for f in {*needs_by_field, *results_by_field}}
    deals = session.scalar(select(func.count(Deal.id)).join(Docking).where(
        or_(Docking.need_org_id == organization_id,
            Docking.supply_org_id == organization_id))) or 0
    return Profile(needs=sum(needs_by_field.values()), results=sum(results_by_field.values()),
                   fields=sorted(fields.items(), key=lambda kv: (-kv[1], kv[0].value)),
                   deals=deals)
