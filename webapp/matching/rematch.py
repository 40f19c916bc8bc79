"""The nightly rematch (``innomatch rematch-all``): every stored suggestion computed again.

Listings are read from the database ``REMATCH_CHUNK`` at a time (with their stored tokens, so
nothing is tokenised again) and queried with :meth:`matcher.Matcher.query_many`; each
suggestion is ranked by the very code that ranks one listing's (``services._rank``), so the
rows equal those :func:`~webapp.matching.services.rematch_need` and
:func:`~webapp.matching.services.rematch_result` store: a need's suggestions of results, then
a result's suggestions of needs (a pair both suggest keeps the need's row, as before).

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    SmallInteger,
    Table,
    delete,
    false,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, undefer

from matcher import Hit
from models import Match, Need, Result
from models.base import utcnow

from .engine import (
    is_matchable_need,
    is_matchable_result,
    need_doc,
    result_doc,
    valid_tokens,
)
from .services import CANDIDATE_FACTOR, _rank, engine, settings

__all__ = ["REMATCH_CHUNK", "Progress", "Staged", "rematch_all", "stage_all", "swap_in"]

#: Listings queried per step (their hits and rows are held at once).
REMATCH_CHUNK = 2000
#: Listings of the other side kept loaded between steps (their rows are read by id).
OTHER_SIDE_CACHE = 50_000

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
    top_k = cfg.top_k
    eng = engine()
    version = eng.version
    started = utcnow()
    staging = _staging_table()
    conn = session.connection()
    # A run interrupted in this process may have left it (SQLite creates it outside the
    # transaction): made if missing, emptied.
    staging.create(conn, checkfirst=True)
    conn.execute(delete(staging))
    signature = eng.token_signature()
    staged = 0
    for direction, index in ((_NEEDS, eng.results_index(session)),
                             (_RESULTS, eng.needs_index(session))):
        ids = list(session.scalars(select(direction.model.id).order_by(direction.model.id)))
        others: dict[int, Any] = {}
        for done, chunk in _chunks(session, direction.model, ids):
            listings = [r for r in chunk if direction.matchable(r)]
            docs = [_doc_with_tokens(direction, r, signature) for r in listings]
            batch = index.query_many(docs, k=top_k * CANDIDATE_FACTOR, n_jobs=n_jobs)
            _load_others(session, direction.other, others, batch)
            rows = []
            for listing, hits in zip(listings, batch, strict=True):
                pairs = {}
                for h in hits:
                    other = others.get(int(h.id))
                    if (other is not None and direction.other_matchable(other)
                            and other.organization_id != listing.organization_id):
                        pairs[int(h.id)] = direction.pair(listing, other)
                for s in _rank(hits, pairs, top_k, cfg):
                    need_id, result_id = ((listing.id, s.other_id)
                                          if direction.side == NEED_SIDE
                                          else (s.other_id, listing.id))
                    rows.append((need_id, result_id, s.score, s.text_score, s.parts,
                                 s.stored_terms(), version, started, direction.side))
            _stage(session, staging, rows)
            staged += len(rows)
            if progress is not None:
                progress(direction.name, done, len(ids), staged)
    return Staged(staging, started, staged)


def _staging_table() -> Table:
    """A temporary table shaped like ``matches`` (without ids) plus the side of each row."""
    match_table = Match.__table__
    cols = [Column(c.name, c.type) for c in match_table.columns if c.name in _COLUMNS]
    return Table("rematch_staging", MetaData(), *cols, Column("side", SmallInteger),
                 prefixes=["TEMPORARY"])


def _chunks(session: Session, model: Any, ids: Sequence[int]) -> Iterator[tuple[int, list[Any]]]:
    """(listings done after this chunk, the chunk's listings with their stored tokens)."""
    for i in range(0, len(ids), REMATCH_CHUNK):
        part = ids[i:i + REMATCH_CHUNK]
        rows: dict[int, Any] = {r.id: r for r in session.scalars(
            select(model).options(undefer(model.tokens)).where(model.id.in_(part)))}
        yield i + len(part), [rows[j] for j in part if j in rows]


def _doc_with_tokens(direction: _Direction, listing: Any, signature: str) -> dict[str, Any]:
    """The listing as the matcher reads it, with its stored tokens where they are valid (the
    same tokens a single rematch would compute)."""
    doc = direction.to_doc(listing)
    tokens = valid_tokens(listing, doc, signature)
    if tokens is not None:
        doc["tokens"] = tokens
    return doc


def _load_others(session: Session, model: Any, cache: dict[int, Any],
                 batch: Sequence[Sequence[Hit]]) -> None:
    """Read the hits' listings not yet in ``cache`` (emptied when it grows too large)."""
    wanted = {int(h.id) for hits in batch for h in hits}
    missing = wanted.difference(cache)
    if len(cache) + len(missing) > OTHER_SIDE_CACHE:
        cache.clear()
        missing = wanted
    ids = sorted(missing)
    for i in range(0, len(ids), 10_000):
        cache.update((r.id, r) for r in session.scalars(
            select(model).where(model.id.in_(ids[i:i + 10_000]))))


def _stage(session: Session, staging: Table, rows: list[tuple[Any, ...]]) -> None:
    """Write rows to the staging table in bulk: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    conn = session.connection()
    names = [*_COLUMNS, "side"]
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                f"COPY {staging.name} ({', '.join(names)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row((*r[:4], json.dumps(r[4]), json.dumps(r[5], ensure_ascii=False),
                                *r[6:]))
        return
    conn.execute(insert(staging), [dict(zip(names, r, strict=True)) for r in rows])


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
