"""Who is told what when something happens elsewhere (``webapp.events``): new suggestions,
dockings that move, interest shown, brokers assigned, messages, solutions submitted and
decided. Connected for each app that registers the notifications blueprint.

Titles are stored in Chinese (marked with ``N_``) and shown in each reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from blinker import NamedSignal
from flask import Flask
from flask.sansio.app import App
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingMessage,
    DockingState,
    Match,
    Need,
    NotificationKind,
    Result,
    Side,
    Solution,
    SolutionStatus,
    User,
)
from models.i18n import N_

from .. import events
from ..matching.services import is_strong
from ..solutions.services import ENTERPRISE_DECIDES
from .services import link_path, notify_organization, notify_users


def suggestions_stored(_app: Flask, *, session: Session, listing: Need | Result,
                       new: Sequence[Match], **_: Any) -> None:
    """One notification per organisation on the other side for new strong suggestions
    (``matching.services.is_strong``: weak ones are shown on the pages, marked, but are no
    reason to write to anyone), naming its best one."""
    notify_result_side = isinstance(listing, Need)
    told: set[int] = set()
    for match in sorted(new, key=lambda m: -m.score):
        if not is_strong(match.text_score):
            continue
        need = session.get(Need, match.need_id)
        result = session.get(Result, match.result_id)
        if need is None or result is None:
            continue
        if notify_result_side:
            org_id, title = result.organization_id, N_("您的成果“%(result)s”匹配到新需求“%(need)s”") % {
                "result": result.title, "need": need.title}
        else:
            org_id, title = need.organization_id, N_("您的需求“%(need)s”匹配到新成果“%(result)s”") % {
                "need": need.title, "result": result.title}
        if org_id in told:
            continue
        told.add(org_id)
        link = link_path(_app, "matching.explain", need_id=need.id, result_id=result.id)
        notify_organization(session, org_id, NotificationKind.SUGGESTION, title, link)


def _docking_link(docking: Docking) -> str:
    return f"/dockings/{docking.id}"


def _notify_involved(session: Session, docking: Docking, kind: NotificationKind, title: str,
                     actor: User | None, digest: bool = False) -> None:
    """Tell both organisations and the broker, but not the person who acted (by e-mail in
    the docking's next digest when ``digest``)."""
    exclude = actor.id if actor else None
    link = _docking_link(docking)
    held = docking if digest else None
    for org_id in (docking.need_org_id, docking.supply_org_id):
        notify_organization(session, org_id, kind, title, link, exclude_user_id=exclude,
                            digest=held)
    if docking.broker is not None and docking.broker.organization_id not in (
            docking.need_org_id, docking.supply_org_id):
        notify_users(session, [docking.broker], kind, title, link, exclude, held)


def docking_moved(_app: Flask, *, session: Session, docking: Docking, actor: User | None,
                  from_state: DockingState | None, to_state: DockingState, **_: Any) -> None:
    """Everyone involved but the actor hears of the new state (of a docking opened by
    accepting a solution, that it was opened)."""
    if from_state is None:
        title = N_("解决方案已被采纳，对接“%(docking)s”已建立") % {"docking": docking.title}
    else:
        title = N_("对接“%(docking)s”：%(from)s → %(to)s") % {
            "docking": docking.title, "from": from_state.label, "to": to_state.label}
    _notify_involved(session, docking, NotificationKind.STATUS, title, actor)


def interest_shown(_app: Flask, *, session: Session, docking: Docking, actor: User, side: Side,
                   **_: Any) -> None:
    """The other side's organisation hears of the interest."""
    notify_organization(session, docking.org_of(side.other), NotificationKind.INTEREST,
                        N_("%(org)s 对“%(docking)s”表达了对接意向")
                        % {"org": actor.organization.name, "docking": docking.title},
                        _docking_link(docking), exclude_user_id=actor.id)


def docking_introduced(_app: Flask, *, session: Session, docking: Docking, actor: User,
                       **_: Any) -> None:
    """Both sides (and the broker, if another) hear of a broker's introduction."""
    _notify_involved(session, docking, NotificationKind.SUGGESTION,
                     N_("技术经理人引荐了对接“%(docking)s”") % {"docking": docking.title}, actor)


def broker_assigned(_app: Flask, *, session: Session, docking: Docking, actor: User,
                    broker: User | None, **_: Any) -> None:
    """A broker assigned hears of it (a removal tells nobody)."""
    if broker is not None:
        notify_users(session, [broker], NotificationKind.STATUS,
                     N_("您被指派为对接“%(docking)s”的技术经理人") % {"docking": docking.title},
                     _docking_link(docking), actor.id)


def docking_message_posted(_app: Flask, *, session: Session, docking: Docking,
                           message: DockingMessage, author: User, **_: Any) -> None:
    """Everyone involved but the author hears of a message, in the app at once and by e-mail
    in a digest (``notifications.digests``); notes tell nobody."""
    if not message.is_note:
        _notify_involved(session, docking, NotificationKind.MESSAGE,
                         N_("%(author)s 在对接“%(docking)s”中留言")
                         % {"author": author.name, "docking": docking.title}, author,
                         digest=True)


def solution_submitted(_app: Flask, *, session: Session, solution: Solution, **_: Any) -> None:
    """The need's enterprise hears of a new solution."""
    notify_organization(session, solution.need.organization_id, NotificationKind.SOLUTION,
                        N_("需求“%(need)s”收到新的解决方案") % {"need": solution.need.title},
                        f"/solutions/{solution.id}")


def solution_decided(_app: Flask, *, session: Session, solution: Solution, actor: User,
                     to: SolutionStatus, **_: Any) -> None:
    """The side that did not act hears of a decision; an acceptance is told by the docking it
    opens (``docking_moved``)."""
    if to is SolutionStatus.ACCEPTED:
        return
    other = (solution.organization_id if to in ENTERPRISE_DECIDES
             else solution.need.organization_id)
    notify_organization(session, other, NotificationKind.STATUS,
                        N_("解决方案（%(need)s）%(status)s")
                        % {"need": solution.need.title, "status": to.label},
                        f"/solutions/{solution.id}", exclude_user_id=actor.id)


SUBSCRIPTIONS: dict[NamedSignal, Callable[..., None]] = {
    events.suggestions_stored: suggestions_stored,
    events.docking_moved: docking_moved,
    events.interest_shown: interest_shown,
    events.docking_introduced: docking_introduced,
    events.broker_assigned: broker_assigned,
    events.docking_message_posted: docking_message_posted,
    events.solution_submitted: solution_submitted,
    events.solution_decided: solution_decided,
}


def connect(app: App) -> None:
    """Subscribe notifications to the signals it reacts to, for ``app``'s emissions only."""
    for signal, receiver in SUBSCRIPTIONS.items():
        signal.connect(receiver, sender=app)
