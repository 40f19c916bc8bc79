"""Who sees contact details (a result's contact person and phone, a docking's members): one rule
for the pages, the JSON API, the exports and the e-mails.

Contacts are seen by
- the owning organisation's members, and operators;
- on a docking, once contacts are exchanged (docked, negotiating, signed:
  ``DockingState.shows_contacts``), the two parties and the broker assigned to it;
- for a need or a result, the other side of such a docking of that listing;
- for an organisation (its public page), the other side and the broker of such a docking
  with it.

The same dockings decide who else sees a confidential attachment (``party_to_docking``, used
by ``webapp.attachments.services.can_download``): the other side, not the broker.

Everyone else (visitors, other organisations, a side whose interest is not yet answered, a
dropped docking) sees no contact: pages leave the block out, the API answers ``""``.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models import Docking, DockingState, Need, Result, Role, Solution, User

CONTACT_STATES = frozenset(state for state in DockingState if state.shows_contacts)


def docking_contacts_visible(user: User | None, docking: Docking) -> bool:
    """Whether ``user`` sees the contacts of ``docking``."""
    if user is None or not docking.state.shows_contacts:
        return False
    return (user.is_operator or docking.side_of(user.organization_id) is not None
            or (docking.broker_id == user.id and user.role is Role.BROKER))


def _contact_dockings(record: Need | Result | Solution) -> Select[Docking]:
    """The dockings of a need, a result or a solution that have exchanged contacts (a
    solution's: the docking of its need and its institution)."""
    if isinstance(record, Solution):
        where = [Docking.need_id == record.need_id,
                 Docking.supply_org_id == record.organization_id]
    elif isinstance(record, Result):
        where = [Docking.result_id == record.id]
    else:
        where = [Docking.need_id == record.id]
    return select(Docking).where(*where, Docking.state.in_(CONTACT_STATES))


def listing_contacts_visible(session: Session, user: User | None, listing: Need | Result) -> bool:
    """Whether ``user`` sees the contact details of a need or a result."""
    if user is None:
        return False
    if user.is_operator or user.organization_id == listing.organization_id:
        return True
    dockings = session.scalars(_contact_dockings(listing).where(
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


def party_to_docking(session: Session, user: User | None,
                     record: Need | Result | Solution) -> bool:
    """Whether ``user``'s organisation is a side (not the broker) of a docking of ``record``
    that has exchanged contacts: for someone else's record, "the other side of the docking"."""
    if user is None:
        return False
    mine = or_(Docking.need_org_id == user.organization_id,
               Docking.supply_org_id == user.organization_id)
    return session.scalar(select(_contact_dockings(record).where(mine).exists())) is True
