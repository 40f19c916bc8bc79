"""Bookmarks, saved searches, alerts and the e-mail digest: they flush, the views commit.

An alert is told at once in the app (unless the user turned alerts off there: notification
settings, kind "alert") and waits in ``pending_alerts`` for the user's next e-mail digest —
sent at once, daily (the default) or weekly, or never, as the user chose — unless the user turned
alert e-mails off in the notification settings. ``innomatch send-mail`` writes the digests
that are due into the outbox (beside the message digests) and delivers them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask_babel import force_locale, gettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models import (
    AlertSetting,
    Bookmark,
    DigestFrequency,
    Need,
    Notification,
    NotificationKind,
    OutboxEmail,
    PendingAlert,
    Result,
    SavedSearch,
    SearchKind,
    User,
    utcnow,
)

from ..errors import Refused
from ..i18n import recorded
from ..notifications.services import SITE_NAME, preferences

#: The query arguments a saved search keeps (the list's filters and order; not its page).
SEARCH_ARGS = ("q", "field", "province", "mode", "band", "maturity", "status", "min_budget",
               "min_trl", "sort")
#: At most this many saved searches per user (each is run on every listing published).
MAX_SAVED_SEARCHES = 20
#: At most this many bookmarks per user (the list is filtered by who may see each one).
MAX_BOOKMARKS = 500


class SavedRefused(Refused):
    """A bookmark or a saved search cannot be made."""


# --- bookmarks ---------------------------------------------------------------------------------

def _column(listing: Need | Result) -> Any:
    return Bookmark.need_id if isinstance(listing, Need) else Bookmark.result_id


def bookmark_of(session: Session, user_id: int, listing: Need | Result) -> Bookmark | None:
    """The user's bookmark of a need or result, if any."""
    return session.scalar(select(Bookmark).where(Bookmark.user_id == user_id,
                                                 _column(listing) == listing.id))


def toggle_bookmark(session: Session, user: User, listing: Need | Result) -> bool:
    """Bookmark the listing, or remove the bookmark it has; returns whether it is bookmarked."""
    existing = bookmark_of(session, user.id, listing)
    if existing is not None:
        session.delete(existing)
        session.flush()
        return False
    count = session.scalar(select(func.count(Bookmark.id)).where(Bookmark.user_id == user.id))
    if (count or 0) >= MAX_BOOKMARKS:
        raise SavedRefused(gettext("收藏已达上限（%(n)s 条），请先取消一些收藏。", n=MAX_BOOKMARKS))
    session.add(Bookmark(user_id=user.id, **{
        "need_id" if isinstance(listing, Need) else "result_id": listing.id}))
    session.flush()
    return True


def bookmarked(session: Session, user_id: int, model: type[Any],
               order: Sequence[Any]) -> list[Any]:
    """The user's bookmarked needs or results (``model``) in ``order`` (the bookmarks' own
    order: ``Bookmark.created_at``), before anyone's right to see them is checked."""
    column = Bookmark.need_id if model is Need else Bookmark.result_id
    stmt: Select[Any] = select(model).join(Bookmark, column == model.id).where(
        Bookmark.user_id == user_id).order_by(*order, model.id.desc()).limit(MAX_BOOKMARKS)
    return list(session.scalars(stmt))


# --- saved searches ----------------------------------------------------------------------------

def search_params(args: Mapping[str, str]) -> str:
    """A list's query string as a saved search keeps it: the filters and order that are set,
    in a fixed order (its page, ``mine`` and anything unknown left out)."""
    kept = [(name, str(args.get(name, "")).strip()[:100]) for name in SEARCH_ARGS]
    return urlencode([(k, v) for k, v in kept if v])[:1000]


def search_args(saved: SavedSearch) -> dict[str, str]:
    """A saved search's query arguments."""
    return dict(parse_qsl(saved.params))


def save_search(session: Session, user: User, kind: SearchKind, args: Mapping[str, str],
                name: str) -> SavedSearch:
    """Keep a list's search (``args``: its query string) for ``user``, alerting on new
    listings; named ``name``, or after its query or list when no name is given."""
    count = session.scalar(select(func.count(SavedSearch.id)).where(
        SavedSearch.user_id == user.id)) or 0
    if count >= MAX_SAVED_SEARCHES:
        raise SavedRefused(gettext("最多保存 %(n)s 个搜索，请先删除不再需要的。",
                                   n=MAX_SAVED_SEARCHES))
    params = search_params(args)
    same = session.scalar(select(SavedSearch).where(
        SavedSearch.user_id == user.id, SavedSearch.kind == kind, SavedSearch.params == params))
    if same is not None:
        return same  # saving one search twice keeps one (and one alert per new listing)
    name = name.strip()[:100] or str(args.get("q", "")).strip()[:100] or gettext(
        "全部%(list)s", list=gettext(kind.label))
    saved = SavedSearch(user_id=user.id, kind=kind, name=name, params=params, alerts=True)
    session.add(saved)
    session.flush()
    return saved


def saved_searches(session: Session, user_id: int) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id)
                                .order_by(SavedSearch.id.desc())))


# --- alerts and digests ------------------------------------------------------------------------

def digest_of(session: Session, user_id: int) -> DigestFrequency:
    """How often the user's alerts are e-mailed (daily unless chosen)."""
    setting = session.get(AlertSetting, user_id)
    return setting.digest if setting is not None else DigestFrequency.DAILY


def set_digest(session: Session, user_id: int, digest: DigestFrequency) -> None:
    """Store the user's choice of digest frequency."""
    setting = session.get(AlertSetting, user_id)
    if setting is None:
        setting = AlertSetting(user_id=user_id)
        session.add(setting)
    setting.digest = digest
    session.flush()


def alert(session: Session, user: User, title: str, link: str) -> None:
    """Tell ``user`` of an alert: in the app, and in the next e-mail digest (at once for those
    who chose so), as their settings say. ``title`` is Chinese, shown in each reader's
    language."""
    if not user.is_active:
        return
    channels = preferences(session, user.id)[NotificationKind.ALERT]
    if channels.in_app:
        session.add(Notification(user_id=user.id, kind=NotificationKind.ALERT, title=title[:200],
                                 link=link[:300]))
    digest = digest_of(session, user.id)
    if channels.email and digest is not DigestFrequency.OFF:
        session.add(PendingAlert(user_id=user.id, title=title[:200], link=link[:300]))
        session.flush()
        if digest is DigestFrequency.IMMEDIATELY:
            _send_digest(session, user, utcnow())
    session.flush()


@dataclass(frozen=True)
class DigestRun:
    """What one run of the digests did."""

    emails: int  # digests written to the outbox
    alerts: int  # alerts they carried


def send_digests(session: Session, now: dt.datetime | None = None) -> DigestRun:
    """Write into the outbox one digest per user whose alerts are due: pending alerts, and the
    chosen interval passed since the last digest. Alerts of users who now receive no alert
    e-mails are dropped from the queue unsent."""
    now = now or utcnow()
    waiting = session.scalars(select(User).where(User.id.in_(
        select(PendingAlert.user_id).where(PendingAlert.emailed_at.is_(None)))).order_by(User.id))
    emails = alerts = 0
    for user in waiting:
        setting = session.get(AlertSetting, user.id)
        digest = setting.digest if setting is not None else DigestFrequency.DAILY
        wanted = preferences(session, user.id)[NotificationKind.ALERT].email and user.is_active
        if digest.interval is None or not wanted:
            _pending(session, user.id, now)  # marked, not sent: nothing piles up
            continue
        last = setting.last_digest_at if setting is not None else None
        if last is not None and now - last < digest.interval - dt.timedelta(minutes=5):
            continue  # a few minutes' slack: a daily cron job is not always on the minute
        sent = _send_digest(session, user, now)
        emails, alerts = emails + bool(sent), alerts + sent
    session.flush()
    return DigestRun(emails=emails, alerts=alerts)


def _pending(session: Session, user_id: int, now: dt.datetime) -> list[PendingAlert]:
    """The user's alerts not yet e-mailed, now marked as e-mailed."""
    rows = list(session.scalars(select(PendingAlert).where(
        PendingAlert.user_id == user_id, PendingAlert.emailed_at.is_(None))
        .order_by(PendingAlert.id)))
    for row in rows:
        row.emailed_at = now
    return rows


def _send_digest(session: Session, user: User, now: dt.datetime) -> int:
    """Write the user's pending alerts as one e-mail, in the user's language; returns how many
    it carried."""
    rows = _pending(session, user.id, now)
    if not rows:
        return 0
    setting = session.get(AlertSetting, user.id)
    if setting is None:
        setting = AlertSetting(user_id=user.id, digest=DigestFrequency.DAILY)
        session.add(setting)
    setting.last_digest_at = now
    with force_locale(user.language.value):
        lines = "\n".join(f"- {recorded(row.title)}\n  {row.link}" for row in rows)
        subject = gettext("[InnoMatch] 收藏与订阅提醒：%(n)s 条新动态", n=len(rows))
        body = gettext("%(name)s，您好：\n\n您订阅的搜索和收藏有 %(n)s 条新动态：\n\n%(lines)s\n\n"
                       "（可在“我的收藏”中修改邮件汇总频率或退订搜索。）\n%(site)s\n",
                       name=user.name, n=len(rows), lines=lines, site=gettext(SITE_NAME))
    session.add(OutboxEmail(to_address=user.email, subject=subject[:200], body=body))
    session.flush()
    return len(rows)

