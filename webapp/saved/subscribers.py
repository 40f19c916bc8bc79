"""Alerts of saved searches and bookmarks (``webapp.events``): a listing published that a saved
search finds, a solution submitted to a bookmarked need. Connected for each app that registers
the saved blueprint.

A saved search finds a new listing when the listing is on the search's list, as its owner would
see it (``search.contains``: the same query reading, index and filters as the list page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blinker import NamedSignal
from flask import Flask
from flask.sansio.app import App
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Bookmark, Need, Result, SavedSearch, SearchKind, Solution, User
from models.i18n import N_

from .. import events
from ..listings.views import saved_filters
from ..notifications.services import link_path
from ..search import contains
from .services import alert, search_args

SEARCH_HIT = N_("订阅的搜索“%(search)s”有新的%(noun)s：“%(title)s”")
BOOKMARK_SOLUTION = N_("您收藏的需求“%(need)s”收到新的解决方案")


def listing_published(_app: Flask, *, session: Session, listing: Need | Result,
                      **_: Any) -> None:
    """Alert the owners of the saved searches that find the new listing (not its own
    organisation's members: they know)."""
    kind = SearchKind.NEEDS if isinstance(listing, Need) else SearchKind.RESULTS
    searches = session.scalars(
        select(SavedSearch).join(User, User.id == SavedSearch.user_id).where(
            SavedSearch.kind == kind, SavedSearch.alerts.is_(True), User.is_active.is_(True),
            User.organization_id != listing.organization_id).order_by(SavedSearch.id))
    hits: dict[str, Any] = {}
    told: set[int] = set()  # one alert per user, however many of their searches find it
    ids: dict[str, Any] = {f"{kind.value[:-1]}_id": listing.id}
    link = link_path(_app, f"{kind.value}.detail", **ids)
    for saved in searches:
        if saved.user_id in told:
            continue
        list_kind, filters = saved_filters(kind.value, search_args(saved))
        if contains(session, list_kind, filters, saved.user, listing.id, hits):
            told.add(saved.user_id)
            alert(session, saved.user, SEARCH_HIT % {
                "search": saved.name, "noun": list_kind.noun, "title": listing.title}, link)


def solution_submitted(_app: Flask, *, session: Session, solution: Solution, **_: Any) -> None:
    """Alert those who bookmarked the need (not the two organisations: the need's is told by
    notifications, the submitting one knows)."""
    need = solution.need
    users = session.scalars(select(User).join(Bookmark, Bookmark.user_id == User.id).where(
        Bookmark.need_id == need.id,
        User.organization_id.not_in([need.organization_id, solution.organization_id]))
        .order_by(User.id))
    for user in users:
        alert(session, user, BOOKMARK_SOLUTION % {"need": need.title},
              link_path(_app, "needs.detail", need_id=need.id))


SUBSCRIPTIONS: dict[NamedSignal, Callable[..., None]] = {
    events.listing_published: listing_published,
    events.solution_submitted: solution_submitted,
}


def connect(app: App) -> None:
    """Subscribe saved searches and bookmarks to the signals they react to, for ``app``."""
    for signal, receiver in SUBSCRIPTIONS.items():
        signal.connect(receiver, sender=app)
