"""The nightly rematch (``innomatch rematch-all``): every stored suggestion computed again.

Both sides' listings are read once, as plain rows (no ORM objects: :class:`ListingRow`), with
their stored tokens and whole words, so that nothing is tokenised or cut again. Each side's
listings are then queried :data:`REMATCH_CHUNK` at a time with
:meth:`matcher.Matcher.query_many`, and each suggestion is ranked by the very code that ranks
one listing's (``services._rank``), so the rows equal those
:func:`~webapp.matching.services.rematch_need` and
:func:`~webapp.matching.services.rematch_result` store: a need's suggestions of results, then
a result's suggestions of needs (a pair both suggest keeps the need's row, as before). With
``n_jobs`` > 1 the chunks are matched, ranked and made into rows in forked processes, which
share the indexes and the listings read before the fork, while this one writes the rows.

Rows are first written in bulk to a temporary staging table (``COPY`` on PostgreSQL,
``executemany`` elsewhere), which only this connection sees and which locks nothing others
use (:func:`stage_all`). Then one short transaction swaps them in (:func:`swap_in`): the
stored suggestions are deleted and the staged ones inserted with two ``INSERT ... SELECT``.
So a run that is killed or interrupted at any point leaves every listing's suggestions all
old (before the swap commits) or all new (after). One transaction rather than chunked
commits because a stored pair is a suggestion of two listings, computed from both sides at
different moments: commits per chunk of one side would leave a listing with some pairs of the
new run and some of the old. Listings changed while the run computes keep the suggestions
their own rematch stored meanwhile (see :func:`swap_in`). The caller commits (services
flush, never commit); ``innomatch rematch-all`` commits between the two steps, so the swap
holds the matches table for the time of three set-based statements, never for the matching.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    SmallInteger,
    Table,
    delete,
    false,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Match, Need, Result
from models.base import utcnow

from .engine import (
    ListingRow,
    is_matchable_need,
    is_matchable_result,
    need_doc,
    read_listings,
    result_doc,
    valid_tokens,
)
from .explanation import Words, listing_texts, texts_words
from .services import CANDIDATE_FACTOR, _rank, engine, settings

__all__ = ["REMATCH_CHUNK", "Progress", "Staged", "rematch_all", "stage_all", "swap_in"]

#: Listings queried per step (a forked process's task; their hits and rows are held at once).
REMATCH_CHUNK = 2000

#: ``progress(side, done, total, rows)`` after each step: "needs" or "results", how many of
#: that side's listings are done out of how many, and the suggestions staged so far.
Progress = Callable[[str, int, int, int], None]

_COLUMNS = ("need_id", "result_id", "score", "text_score", "parts", "terms", "matcher_version",
            "created_at")
NEED_SIDE, RESULT_SIDE = 0, 1


@dataclass(frozen=True)
class _Direction:
    """One direction of the rematch: whose suggestions, of what, from which index."""

    name: str
    model: type[Need] | type[Result]
    other: type[Need] | type[Result]
    to_doc: Callable[[Any], dict[str, Any]]
    matchable: Callable[[Any], bool]
    other_matchable: Callable[[Any], bool]
    side: int

    def pair(self, listing: Any, other: Any) -> tuple[Need, Result]:
        return (listing, other) if self.side == NEED_SIDE else (other, listing)


_NEEDS = _Direction("needs", Need, Result, need_doc, is_matchable_need, is_matchable_result,
                    NEED_SIDE)
_RESULTS = _Direction("results", Result, Need, result_doc, is_matchable_result,
                      is_matchable_need, RESULT_SIDE)


@dataclass(frozen=True)
class Staged:
    """Suggestions computed by :func:`stage_all`, held in this connection's staging table."""

    table: Table
    started: dt.datetime
    rows: int


def rematch_all(session: Session, n_jobs: int = 1, progress: Progress | None = None) -> int:
    """Recompute every stored suggestion from both sides and replace the stored ones at once,
    in the caller's transaction (:func:`stage_all` then :func:`swap_in`). Returns how many
    pairs are stored. Flushes, never commits.

    On SQLite it takes the database's write lock first, as a transaction that has read
    cannot take it once another has written since (``innomatch rematch-all`` commits between
    the two steps instead, and so locks the table only for the swap).
    """
    if session.connection().dialect.name == "sqlite":
        session.execute(delete(Match).where(false()))
    return swap_in(session, stage_all(session, n_jobs, progress))


def stage_all(session: Session, n_jobs: int = 1, progress: Progress | None = None) -> Staged:
    """Compute every listing's suggestions into a temporary staging table of this session's
    connection (no one else sees it; nothing stored changes). Flushes, never commits; the
    connection must stay the same until :func:`swap_in`."""
    cfg = settings()
    eng = engine()
    started = utcnow()
    staging = _staging_table()
    conn = session.connection()
    # A run interrupted in this process may have left it (SQLite creates it outside the
    # transaction): made if missing, emptied.
    staging.create(conn, checkfirst=True)
    conn.execute(delete(staging))
    indexes = {_NEEDS.name: eng.results_index(session), _RESULTS.name: eng.needs_index(session)}
    listings = {d.side: read_listings(session, d.model) for d in (_NEEDS, _RESULTS)}
    created = staging.c.created_at.type.bind_processor(conn.dialect)
    signature = eng.token_signature()
    staged = 0
    for direction in (_NEEDS, _RESULTS):
        own = list(listings[direction.side].values())
        job = _Job(direction=direction, index=indexes[direction.name],
                   docs=[_doc_with_tokens(direction, r, signature) if direction.matchable(r)
                         else None for r in own], own=own,
                   others=listings[1 - direction.side], cfg=cfg, words=eng.word_tokenizer(),
                   version=eng.version, created=created(started) if created else started)
        # The batch kernel is made before any fork (query_many makes it once per index
        # state), so that every process reads the same copy.
        job.index.query_many([], k=1)
        spans = [(i, min(i + REMATCH_CHUNK, len(own))) for i in range(0, len(own), REMATCH_CHUNK)]
        for (_, b), rows in zip(spans, _map_chunks(job, spans, n_jobs), strict=True):
            _stage(session, staging, rows)
            staged += len(rows)
            if progress is not None:
                progress(direction.name, b, len(own), staged)
        if progress is not None and not spans:
            progress(direction.name, 0, 0, staged)
    return Staged(staging, started, staged)


@dataclass(frozen=True, eq=False)
class _Job:
    """What every chunk of one direction reads (inherited by forked processes)."""

    direction: _Direction
    index: Any
    docs: list[dict[str, Any] | None]  # by listing of ``own``; None: not matched
    own: list[ListingRow]
    others: dict[int, ListingRow]
    cfg: Any
    words: Any
    version: str
    created: Any
    _words: dict[tuple[int, int], Words] = field(default_factory=dict)

    def words_of(self, listing: Any) -> Words:
        """A listing's whole words: stored with its tokens where current, else cut now (and
        remembered for the other pairs it is in)."""
        key = (listing.kind, listing.id)
        words = self._words.get(key)
        if words is None:
            stored = listing.tokens.get("words") if isinstance(listing.tokens, dict) else None
            words = self._words[key] = texts_words(
                tuple(listing_texts(listing, listing.kind)), self.words, stored)
        return words


# The job of forked rematch processes (inherited, never pickled).
_JOB: dict[str, _Job] = {}


def _map_chunks(job: _Job, spans: list[tuple[int, int]], n_jobs: int
                ) -> Iterator[list[tuple[Any, ...]]]:
    """Each span's staging rows, in order: computed in ``n_jobs`` forked processes where
    there are several chunks and the platform can fork, else here. A process that dies (the
    out-of-memory killer, a signal) fails the run with ``BrokenProcessPool`` rather than
    leaving it waiting for that chunk forever; an interrupted run (Ctrl-C reaches this
    process only) stops the others at once."""
    if n_jobs > 1 and len(spans) > 1 and "fork" in multiprocessing.get_all_start_methods():
        _JOB["job"] = job
        pool = ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=signal.signal,
                                   initargs=(signal.SIGINT, signal.SIG_IGN))
        try:
            yield from pool.map(_chunk_in_worker, spans)
        except BaseException:
            # Interrupted, failed, or no longer read: the chunks left are not wanted. (The
            # executor would finish them first; its processes are this one's only children.)
            for child in multiprocessing.active_children():
                child.terminate()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            _JOB.clear()
        return
    for span in spans:
        yield _chunk_rows(job, span)


def _chunk_in_worker(span: tuple[int, int]) -> list[tuple[Any, ...]]:
    return _chunk_rows(_JOB["job"], span)


def _chunk_rows(job: _Job, span: tuple[int, int]) -> list[tuple[Any, ...]]:
    """The staging rows of the matched listings among ``job.own[span]`` (columns
    ``_COLUMNS`` and the side; parts and terms as JSON text)."""
    a, b = span
    direction, cfg = job.direction, job.cfg
    chosen = [i for i in range(a, b) if job.docs[i] is not None]
    batch = job.index.query_many([job.docs[i] for i in chosen], k=cfg.top_k * CANDIDATE_FACTOR)
    rows = []
    for listing, hits in zip([job.own[i] for i in chosen], batch, strict=True):
        pairs: dict[int, Any] = {}
        for h in hits:
            other = job.others.get(int(h.id))
            if (other is not None and direction.other_matchable(other)
                    and other.organization_id != listing.organization_id):
                pairs[int(h.id)] = direction.pair(listing, other)
        for s in _rank(hits, pairs, cfg.top_k, cfg, job.words_of):
            need_id, result_id = ((listing.id, s.other_id) if direction.side == NEED_SIDE
                                  else (s.other_id, listing.id))
            rows.append((need_id, result_id, s.score, s.text_score, json.dumps(s.parts),
                         json.dumps(s.stored_terms(), ensure_ascii=False), job.version,
                         job.created, direction.side))
    return rows


def _staging_table() -> Table:
    """A temporary table shaped like ``matches`` (without ids) plus the side of each row."""
    match_table = Match.__table__
    cols = [Column(c.name, c.type) for c in match_table.columns if c.name in _COLUMNS]
    return Table("rematch_staging", MetaData(), *cols, Column("side", SmallInteger),
                 prefixes=["TEMPORARY"])




def _doc_with_tokens(direction: _Direction, listing: Any, signature: str) -> dict[str, Any]:
    """The listing as the matcher reads it, with its stored tokens where they are valid (the
    same tokens a single rematch would compute)."""
    doc = direction.to_doc(listing)
    tokens = valid_tokens(listing, doc, signature)
    if tokens is not None:
        doc["tokens"] = tokens
    return doc


def _stage(session: Session, staging: Table, rows: list[tuple[Any, ...]]) -> None:
    """Write rows to the staging table in bulk through the driver: COPY on PostgreSQL,
    ``executemany`` elsewhere (the rows hold the values as bound: JSON as text, the creation
    time as the column's type writes it)."""
    if not rows:
        return
    conn = session.connection()
    names = ", ".join([*_COLUMNS, "side"])
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(
                f"COPY {staging.name} ({names}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        return
    marks = ", ".join("?" * (len(_COLUMNS) + 1))
    raw.executemany(  # nosec B608  (fixed names)
        f"INSERT INTO {staging.name} ({names}) VALUES ({marks})", rows)  # noqa: S608


def swap_in(session: Session, staged: Staged) -> int:
    """Replace the stored suggestions by the staged ones (two ``INSERT ... SELECT``; a pair
    both sides suggest keeps the need's row) and drop the staging table; returns how many
    suggestions are stored. Flushes, never commits.

    Listings changed since the run started (published, edited, closed) keep the suggestions
    their own rematch stored meanwhile: pairs involving them are neither deleted nor staged in.
    """
    match_table: Any = Match.__table__
    staging = staged.table
    changed_needs = select(Need.id).where(Need.updated_at >= staged.started)
    changed_results = select(Result.id).where(Result.updated_at >= staged.started)
    session.execute(delete(match_table).where(match_table.c.need_id.not_in(changed_needs),
                                              match_table.c.result_id.not_in(changed_results)))
    insert_of = (postgresql.insert if session.connection().dialect.name == "postgresql"
                 else sqlite.insert)
    cols = [staging.c[name] for name in _COLUMNS]
    for side in (NEED_SIDE, RESULT_SIDE):
        rows = select(*cols).where(staging.c.side == side,
                                   staging.c.need_id.not_in(changed_needs),
                                   staging.c.result_id.not_in(changed_results))
        session.execute(insert_of(match_table).from_select(list(_COLUMNS), rows)
                        .on_conflict_do_nothing(index_elements=["need_id", "result_id"]))
    staging.drop(session.connection())
    # (rowcount of INSERT ... SELECT is not reported by every driver)
    return int(session.scalar(select(func.count()).select_from(match_table)) or 0)
