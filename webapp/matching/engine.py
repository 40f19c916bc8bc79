"""The matcher indexes of one process, kept in step with the database.

Each gunicorn worker holds two :class:`matcher.Matcher` indexes: published results (to suggest
for needs) and open needs (to suggest for results). The database is the source of truth:
before every use the engine reads the listings changed since it last looked and adds or
removes them, so a listing published through one worker is found by every other.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import DEFAULT_PARAMS, Matcher
from models import Need, NeedStatus, Result, ResultStatus

OPEN_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.DOCKING)
# Rows are stamped when flushed but seen by other processes only once committed; reading a
# little behind the newest stamp catches a slow transaction. Re-adding a doc is harmless.
SYNC_OVERLAP = dt.timedelta(seconds=30)


def need_doc(need: Need) -> dict[str, Any]:
    """The text of a need as the matcher reads it."""
    return {"id": need.id, "title": need.title,
            "text": "\n".join(p for p in (need.problem, need.indicators, need.basis) if p),
            "keywords": need.keyword_list, "field": need.field.value}


def result_doc(result: Result) -> dict[str, Any]:
    """The text of a result as the matcher reads it."""
    return {"id": result.id, "title": result.title, "text": result.summary,
            "keywords": result.keyword_list, "field": result.field.value}


def is_matchable_need(need: Need) -> bool:
    """Open needs are suggested to institutions."""
    return need.status in OPEN_NEED_STATUSES


def is_matchable_result(result: Result) -> bool:
    """Published results are suggested to enterprises."""
    return result.status is ResultStatus.PUBLISHED


@dataclass
class _Side:
    """One index and how far it has read the database."""

    matcher: Matcher | None = None
    synced_until: dt.datetime | None = None
    fitted_docs: int = 0
    # The change stamp of every row the index reflects, so a re-read applies only news.
    seen: dict[int, dt.datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class MatchingEngine:
    """The two indexes of this process."""

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.params = dict(DEFAULT_PARAMS if params is None else params)
        self.results = _Side()
        self.needs = _Side()

    @property
    def version(self) -> str:
        """The matcher version stored with every suggestion."""
        return str(Matcher.version)

    def results_index(self, session: Session) -> Matcher:
        """The index of published results, brought up to date."""
        return self._synced(session, self.results, Result, result_doc, is_matchable_result)

    def needs_index(self, session: Session) -> Matcher:
        """The index of open needs, brought up to date."""
        return self._synced(session, self.needs, Need, need_doc, is_matchable_need)

    def rebuild(self, session: Session) -> tuple[int, int]:
        """Refit both indexes from the database; returns how many results and needs they hold."""
        self.results = _Side()
        self.needs = _Side()
        return len(self.results_index(session)), len(self.needs_index(session))

    def _synced(self, session: Session, side: _Side, model: type[Need] | type[Result],
                to_doc: Any, matchable: Any) -> Matcher:
        with side.lock:
            if side.matcher is None or self._vocabulary_stale(side):
                side.matcher, side.synced_until, side.seen = self._fit(
                    session, model, to_doc, matchable)
                side.fitted_docs = len(side.matcher)
                return side.matcher
            stamps = select(model.id, model.updated_at)
            if side.synced_until is not None:
                stamps = stamps.where(model.updated_at >= side.synced_until - SYNC_OVERLAP)
            fresh = {row_id: stamp for row_id, stamp in session.execute(stamps)
                     if side.seen.get(row_id) != stamp}
            if fresh:
                changed: Sequence[Any] = session.scalars(
                    select(model).where(model.id.in_(list(fresh)))).all()
                self._apply(side.matcher, changed, to_doc, matchable)
                side.seen.update(fresh)
                side.synced_until = max([*fresh.values(), side.synced_until or min(fresh.values())])
            return side.matcher

    @staticmethod
    def _vocabulary_stale(side: _Side) -> bool:
        """Added docs are searchable only through terms the last fit knew; refit once a tenth
        of the index (and at least one doc) is newer than that vocabulary."""
        assert side.matcher is not None
        return len(side.matcher) - side.fitted_docs >= max(1, side.fitted_docs // 10)

    def _fit(self, session: Session, model: type[Need] | type[Result], to_doc: Any,
             matchable: Any) -> tuple[Matcher, dt.datetime | None, dict[int, dt.datetime]]:
        rows: Sequence[Any] = session.scalars(select(model)).all()
        docs = [to_doc(r) for r in rows if matchable(r)]
        seen = {r.id: r.updated_at for r in rows}
        return Matcher(**self.params).fit(docs), max(seen.values(), default=None), seen

    @staticmethod
    def _apply(matcher: Matcher, rows: Iterable[Need | Result], to_doc: Any,
               matchable: Any) -> None:
        current = list(rows)
        matcher.add([to_doc(r) for r in current if matchable(r)])
        matcher.remove([r.id for r in current if not matchable(r)])

    def listing_changed(self, listing: Need | Result) -> None:
        """Apply a change made in this process at once, before the database is read again."""
        if isinstance(listing, Need):
            self._apply_to(self.needs, listing, need_doc, is_matchable_need)
        else:
            self._apply_to(self.results, listing, result_doc, is_matchable_result)

    def _apply_to(self, side: _Side, listing: Any, to_doc: Any, matchable: Any) -> None:
        with side.lock:
            if side.matcher is not None:
                self._apply(side.matcher, [listing], to_doc, matchable)
                side.seen[listing.id] = listing.updated_at
