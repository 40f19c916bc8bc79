"""The matcher indexes of one process, kept in step with the database.

Each gunicorn worker holds two :class:`matcher.Matcher` indexes: published results (to suggest
for needs) and open needs (to suggest for results). The database is the source of truth:
before every use the engine reads the listings changed since it last looked and adds or
removes them, so a listing published through one worker is found by every other.

With an index directory (``INDEX_DIR``), a worker starts from the latest snapshot there
(``snapshot.py``, written by ``innomatch reindex``) and catches up from its watermark instead of
refitting; it looks for a newer snapshot every :data:`SNAPSHOT_CHECK_S` seconds. Index builds
read the tokens stored with each listing and tokenise only listings without valid ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstanceState, Session, undefer
from sqlalchemy.orm.attributes import set_committed_value

from matcher import DEFAULT_PARAMS, Matcher, Tokenizer
from models import CooperationMode, Need, NeedMode, NeedStatus, Result, ResultMode, ResultStatus
from models.listing import split_keywords

from .explanation import listing_texts, word_tokenizer, words_key, words_record

OPEN_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.DOCKING)
# Rows are stamped when flushed but seen by other processes only once committed; reading a
# little behind the newest stamp catches a slow transaction. Re-adding a doc is harmless.
SYNC_OVERLAP = dt.timedelta(seconds=30)
#: How often a worker looks for a snapshot newer than the one it runs on.
SNAPSHOT_CHECK_S = 10.0


def need_doc(need: Need) -> dict[str, Any]:
    """The text of a need as the matcher reads it."""
    return {"id": need.id, "title": need.title,
            "text": "\n".join(p for p in (need.problem, need.indicators, need.basis) if p),
            "keywords": need.keyword_list, "field": need.field.value if need.field else ""}


def result_doc(result: Result) -> dict[str, Any]:
    """The text of a result as the matcher reads it."""
    return {"id": result.id, "title": result.title, "text": result.summary,
            "keywords": result.keyword_list,
            "field": result.field.value if result.field else ""}


def _text_digest(doc: dict[str, Any]) -> str:
    """A hash of the text the matcher reads from a listing (stored tokens are valid while it
    is unchanged)."""
    blob = json.dumps([doc.get("title"), doc.get("text"), doc.get("keywords")],
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def valid_tokens(listing: Need | Result | ListingRow, doc: dict[str, Any], signature: str
                 ) -> dict[str, Any] | None:
    """The tokens stored with ``listing`` if they were made from its present text (``doc``)
    under this tokenizer ``signature``; else ``None``."""
    stored = listing.tokens
    if (isinstance(stored, dict) and stored.get("sig") == signature
            and stored.get("hash") == _text_digest(doc)):
        return stored
    return None


def is_matchable_need(need: Need) -> bool:
    """Open needs are suggested to institutions."""
    return need.status in OPEN_NEED_STATUSES


def is_matchable_result(result: Result) -> bool:
    """Published results are suggested to enterprises."""
    return result.status is ResultStatus.PUBLISHED


class ListingRow:
    """A listing read as a plain row (:func:`read_listings`), for work over every listing
    (index builds, the nightly rematch) where ORM objects would cost most of the time: the
    attributes, under the models' names, that the matcher's documents, compatibility, the
    matchable rules and the explanations read."""

    __slots__ = ("basis", "budget_max_wan", "field", "id", "indicators", "keywords", "kind",
                 "modes", "organization_id", "price_wan", "problem", "province", "status",
                 "summary", "title", "tokens", "trl", "updated_at")
    id: int
    organization_id: int
    keywords: str | None
    tokens: Any
    updated_at: dt.datetime

    def __init__(self, kind: str, values: dict[str, Any]) -> None:
        self.kind = kind  # "need" or "result" (explanation.TEXT_FIELDS)
        for name in _ROW_ATTRIBUTES:
            setattr(self, name, values.get(name))
        self.modes: list[CooperationMode] = []

    @property
    def keyword_list(self) -> list[str]:
        """Keywords as a list (as ``ListingMixin.keyword_list``)."""
        return split_keywords(self.keywords or "")


_ROW_ATTRIBUTES = tuple(n for n in ListingRow.__slots__ if n not in ("kind", "modes"))
_OWN_COLUMNS = {"need": ("problem", "indicators", "basis", "budget_max_wan"),
                "result": ("summary", "trl", "price_wan")}


def read_listings(session: Session, model: type[Need] | type[Result]) -> dict[int, ListingRow]:
    """Every listing of a kind as a :class:`ListingRow` with its stored tokens and cooperation
    modes, by id (in id order)."""
    kind = "need" if model is Need else "result"
    names = ("id", "organization_id", "status", "field", "province", "title", "keywords",
             "tokens", "updated_at", *_OWN_COLUMNS[kind])
    columns = [getattr(model, name) for name in names]
    out = {row[0]: ListingRow(kind, dict(zip(names, row, strict=True))) for row in
           session.execute(select(*columns).order_by(model.id).execution_options(
               yield_per=5000))}
    mode_model: Any = NeedMode if model is Need else ResultMode
    owner = mode_model.need_id if model is Need else mode_model.result_id
    for listing_id, mode in session.execute(select(owner, mode_model.mode)
                                            .order_by(owner, mode_model.mode)):
        if listing_id in out:
            out[listing_id].modes.append(mode)
    return out


@dataclass
class _Side:
    """One index and how far it has read the database."""

    matcher: Matcher | None = None
    synced_until: dt.datetime | None = None
    fitted_docs: int = 0
    # The change stamp of every row the index reflects, so a re-read applies only news.
    seen: dict[int, dt.datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot_version: int = 0
    checked_at: float = 0.0


class MatchingEngine:
    """The two indexes of this process."""

    def __init__(self, params: dict[str, Any] | None = None, index_dir: str | Path | None = None,
                 database: str = "") -> None:
        self.params = dict(DEFAULT_PARAMS if params is None else params)
        self.results = _Side()
        self.needs = _Side()
        self.index_dir = Path(index_dir) if index_dir else None
        self.database = database
        # Tokenises listings as they are saved (its tokenizer is the indexes' tokenizer).
        self._tokenizing = Matcher(**self.params)
        self._tokenizing_lock = threading.Lock()
        self._signature: str | None = None

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

    def rebuild(self, session: Session, write_snapshots: bool = False) -> tuple[int, int]:
        """Refit both indexes from the database (storing missing or stale tokens with the
        listings) and, with ``write_snapshots`` and an index directory, save them as new
        snapshots; returns how many results and needs they hold."""
        self.results = _Side()
        self.needs = _Side()
        sides = ((self.results, Result, result_doc, is_matchable_result, "results"),
                 (self.needs, Need, need_doc, is_matchable_need, "needs"))
        for side, model, to_doc, matchable, name in sides:
            with side.lock:
                side.matcher, side.synced_until, side.seen = self._fit(
                    session, model, to_doc, matchable, store_tokens=True)
                side.fitted_docs = len(side.matcher)
                if write_snapshots and self.index_dir is not None:
                    from . import snapshot

                    info = snapshot.write(self.index_dir, name, side.matcher, side.synced_until,
                                          self.database, snapshot.settings_key(self.params))
                    side.snapshot_version = info.version
                    side.checked_at = time.monotonic()
        return len(self.results.matcher or ()), len(self.needs.matcher or ())

    def _synced(self, session: Session, side: _Side, model: type[Need] | type[Result],
                to_doc: Any, matchable: Any) -> Matcher:
        with side.lock:
            loaded = self._load_snapshot(side, model)
            if not loaded and (side.matcher is None or self._vocabulary_stale(side)):
                side.matcher, side.synced_until, side.seen = self._fit(
                    session, model, to_doc, matchable)
                side.fitted_docs = len(side.matcher)
                return side.matcher
            assert side.matcher is not None
            stamps = select(model.id, model.updated_at)
            if side.synced_until is not None:
                stamps = stamps.where(model.updated_at >= side.synced_until - SYNC_OVERLAP)
            fresh = {row_id: stamp for row_id, stamp in session.execute(stamps)
                     if side.seen.get(row_id) != stamp}
            if fresh:
                changed: Sequence[Any] = session.scalars(
                    select(model).options(undefer(model.tokens))
                    .where(model.id.in_(list(fresh)))).all()
                self._apply(side.matcher, changed, to_doc, matchable)
                side.seen.update(fresh)
                side.synced_until = max([*fresh.values(), side.synced_until or min(fresh.values())])
                if not loaded and self._vocabulary_stale(side):
                    # (A worker that has just loaded a snapshot serves it first: starting must
                    # stay cheap.) The docs just added are searchable only through the old vocabulary's
                    # terms (a first result on a new topic would rank below an unrelated one
                    # sharing a word the fit knew): refit now rather than at the next request.
                    side.matcher, side.synced_until, side.seen = self._fit(
                        session, model, to_doc, matchable)
                    side.fitted_docs = len(side.matcher)
            return side.matcher

    @staticmethod
    def _vocabulary_stale(side: _Side) -> bool:
        """Added docs are searchable only through terms the last fit knew; refit once a tenth
        of the index (and at least one doc) is newer than that vocabulary."""
        assert side.matcher is not None
        return len(side.matcher) - side.fitted_docs >= max(1, side.fitted_docs // 10)

    def _load_snapshot(self, side: _Side, model: type[Need] | type[Result]) -> bool:
        """Switch ``side`` to a newer snapshot if there is one (checked every few seconds)."""
        if self.index_dir is None:
            return False
        now = time.monotonic()
        if side.matcher is not None and now - side.checked_at < SNAPSHOT_CHECK_S:
            return False
        from . import snapshot

        side.checked_at = now
        name = "results" if model is Result else "needs"
        info = snapshot.latest(self.index_dir, name, self.database,
                               snapshot.settings_key(self.params))
        if info is None or info.version <= side.snapshot_version:
            return False
        try:
            matcher = snapshot.load(info)
        except (OSError, ValueError, KeyError):
            return False  # pruned or damaged meanwhile: keep what we have
        # Everything changed since the watermark is read again by the catch-up that follows.
        side.matcher, side.synced_until, side.seen = matcher, info.watermark, {}
        side.fitted_docs = len(matcher)
        side.snapshot_version = info.version
        return True

    def _fit(self, session: Session, model: type[Need] | type[Result], to_doc: Any,
             matchable: Any, store_tokens: bool = False,
             ) -> tuple[Matcher, dt.datetime | None, dict[int, dt.datetime]]:
        matcher = Matcher(**self.params)
        signature = matcher.token_signature()
        rows = list(read_listings(session, model).values())
        docs = []
        fresh: list[dict[str, Any]] = []
        for r in rows:
            if not matchable(r):
                continue
            doc = to_doc(r)
            stored = valid_tokens(r, doc, signature)
            if store_tokens and (stored is None or not self._words_current(r, stored)):
                tokens = stored if stored is not None else matcher.tokenize_docs([doc])[0]
                stored = self._token_value(r, doc, tokens)
                fresh.append({"row_id": r.id, "tokens": stored})
            if stored is not None:
                doc["tokens"] = stored
            docs.append(doc)
        seen = {r.id: r.updated_at for r in rows}
        if fresh:
            # Core UPDATE naming updated_at: storing tokens is not a change of the listing,
            # so no worker re-reads it.
            table: Any = model.__table__
            session.execute(update(table).where(table.c.id == bindparam("row_id"))
                            .values(tokens=bindparam("tokens"), updated_at=table.c.updated_at),
                            fresh)
        return matcher.fit(docs), max(seen.values(), default=None), seen

    def _apply(self, matcher: Matcher, rows: Iterable[Need | Result], to_doc: Any,
               matchable: Any) -> None:
        current = list(rows)
        # The indexes' tokenizer settings are the engine's: its signature, computed once.
        signature = self.token_signature()
        docs = []
        for r in current:
            if matchable(r):
                doc = to_doc(r)
                stored = valid_tokens(r, doc, signature)
                if stored is not None:
                    doc["tokens"] = stored
                docs.append(doc)
        matcher.add(docs)
        matcher.remove([r.id for r in current if not matchable(r)])

    def store_tokens(self, listing: Need | Result) -> bool:
        """Tokenise a listing that is to be matched and keep the tokens with it (unless the
        ones it has are still valid), so that no index build or worker tokenises it again;
        call before the flush that saves it. Tells whether new tokens were set."""
        _, to_doc, matchable = self._side_of(listing)
        if not matchable(listing):
            return False
        doc = to_doc(listing)
        signature = self.token_signature()
        # Read (perhaps loading the deferred column) outside the lock other publishers share.
        stored = valid_tokens(listing, doc, signature)
        if stored is not None and self._words_current(listing, stored):
            return False
        if stored is None:
            with self._tokenizing_lock:
                stored = self._tokenizing.tokenize_docs([doc])[0]
        value = self._token_value(listing, doc, stored)
        state: InstanceState[Any] = sa_inspect(listing)
        session = state.session
        if state.persistent and session is not None and not session.is_modified(listing):
            # Nothing else of the listing changes (an unchanged edit of a listing saved before
            # tokens were stored): storing them is not a change of it, so its change stamp
            # stays, as in index builds, and no worker re-reads it.
            table: Any = type(listing).__table__
            session.execute(update(table).where(table.c.id == listing.id)
                            .values(tokens=value, updated_at=table.c.updated_at))
            set_committed_value(listing, "tokens", value)
        else:
            listing.tokens = value
        return True

    def word_tokenizer(self) -> Tokenizer:
        """The tokenizer of the whole words that explain suggestions (``explanation``)."""
        tokenizer = self.params.get("tokenizer")
        return word_tokenizer(tokenizer if isinstance(tokenizer, dict) else None)

    def _token_value(self, listing: Need | Result | ListingRow, doc: dict[str, Any],
                     tokens: dict[str, Any]) -> dict[str, Any]:
        """What is stored as a listing's tokens: the matcher's tokens of ``doc``, under the
        tokenizer's signature and the text's hash, and the listing's whole words."""
        parts = {k: v for k, v in tokens.items() if k not in ("sig", "hash", "words")}
        return {"sig": self.token_signature(), "hash": _text_digest(doc), **parts,
                "words": words_record(tuple(listing_texts(listing)), self.word_tokenizer())}

    def _words_current(self, listing: Need | Result | ListingRow, tokens: dict[str, Any]
                       ) -> bool:
        """Whether the words stored with ``tokens`` are the listing's present ones."""
        words = tokens.get("words")
        return isinstance(words, dict) and words.get("key") == words_key(
            tuple(listing_texts(listing)), self.word_tokenizer())

    def token_signature(self) -> str:
        """The signature of the tokens the indexes read (see ``Matcher.token_signature``)."""
        if self._signature is None:
            with self._tokenizing_lock:
                self._signature = self._tokenizing.token_signature()
        return self._signature

    def _side_of(self, listing: Need | Result) -> tuple[_Side, Any, Any]:
        """A listing's index side, how the matcher reads it and whether it is matched."""
        if isinstance(listing, Need):
            return self.needs, need_doc, is_matchable_need
        return self.results, result_doc, is_matchable_result

    def listing_changed(self, listing: Need | Result) -> None:
        """Apply a change made in this process at once, before the database is read again."""
        side, to_doc, matchable = self._side_of(listing)
        with side.lock:
            if side.matcher is not None:
                self._apply(side.matcher, [listing], to_doc, matchable)
                side.seen[listing.id] = listing.updated_at
