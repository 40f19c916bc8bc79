"""Who sees contact details (a result's contact person and phone, a docking's members): one rule
for the pages, the JSON API, the exports and the e-mails.

Contacts are seen by
- the owning organisation's members, and operators;
- on a docking, once contacts are exchanged (docked, negotiating, signed:
  ``DockingState.shows_contacts``), the two parties and the broker assigned to it;
- for a need or a result, the other side of such a docking of that listing;
- for an organisation (its public page), the other side and the broker of such a docking
  with it.

Everyone else (visitors, other organisations, a side whose interest is not yet answered, a
dropped docking) sees no contact: pages leave the block out, the API answers ``""``.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Docking, DockingState, Need, Result, Role, User

CONTACT_STATES = frozenset(state for state in DockingState if state.shows_contacts)


def docking_contacts_visible(user: User | None, docking: Docking) -> bool:
    """Whether ``user`` sees the contacts of ``docking``."""
    if user is None or not docking.state.shows_contacts:
        return False
    return (user.is_operator or docking.side_of(user.organization_id) is not None
            or (docking.broker_id == user.id and user.role is Role.BROKER))


def listing_contacts_visible(session: Session, user: User | None, listing: Need | Result) -> bool:
    """Whether ``user`` sees the contact details of a need or a result."""
    if user is None:
        return False
    if user.is_operator or user.organization_id == listing.organization_id:
        return True
    column = Docking.result_id if isinstance(listing, Result) else Docking.need_id
    dockings = session.scalars(select(Docking).where(
        column == listing.id, Docking.state.in_(CONTACT_STATES),
        or_(Docking.need_org_id == user.organization_id,
            Docking.supply_org_id == user.organization_id, Docking.broker_id == user.id)))
    return any(docking_contacts_visible(user, docking) for docking in dockings)


def organization_contacts_visible(session: Session, user: User | None, organization_id: int) -> bool:
    """Whether ``user`` sees the contacts (its members) on an organisation's public page."""
    if user is None:
        return False
    if user.is_operator or user.organization_id == organization_id:
        return True
    dockings = session.scalars(select(Docking).where(
        or_(Docking.need_org_id == organization_id, Docking.supply_org_id == organization_id),
        Docking.state.in_(CONTACT_STATES),
        or_(Docking.need_org_id == user.organization_id,
            Docking.supply_org_id == user.organization_id, Docking.broker_id == user.id)))
    return any(docking_contacts_visible(user, docking) for docking in dockings)
