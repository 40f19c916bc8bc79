"""Suggestion services: compute, store and read need↔result matches. They flush, never commit."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from matcher import Hit
from models import Match, Need, Organization, Result

from ..db import get_session
from ..events import emit, suggestions_stored
from .compatibility import DEFAULT_WEIGHTS, compatibility
from .engine import MatchingEngine, is_matchable_need, is_matchable_result, need_doc, result_doc
from .explanation import Words, listing_words, split_terms

# How many of the matcher's candidates are read for each stored top-k (some are the
# listing's own organisation's, or no longer published).
CANDIDATE_FACTOR = 3


@dataclass(frozen=True)
class Suggestion:
    """A scored pair before it is stored: the other side's id, the ranking score, the text
    match's coverage (``text_score``), the score's parts and the terms that explain it."""

    other_id: int
    score: float
    text_score: float
    parts: dict[str, float]
    terms: list[tuple[str, float]]
    related: list[str] = field(default_factory=list)

    @property
    def weak(self) -> bool:
        """Whether the text match is below the strong threshold (shown, marked as weak)."""
        return not is_strong(self.text_score)

    def stored_terms(self) -> list[list[Any]]:
        """The terms as a match stores them: shared ones, then related ones."""
        return ([[t, s, "shared"] for t, s in self.terms]
                + [[t, 0.0, "related"] for t in self.related])
_ENGINE_LOCK = threading.Lock()


def engine() -> MatchingEngine:
    """This process's matching engine, created on first use."""
    eng: MatchingEngine | None = current_app.extensions.get("matching_engine")
    if eng is None:
        # One engine per app even when the warm-up thread and a first request ask at once
        # (the loser's would be dropped, with the indexes it had built).
        with _ENGINE_LOCK:
            eng = current_app.extensions.get("matching_engine")
            if eng is None:
                from .snapshot import database_key

                eng = MatchingEngine(current_app.config.get("MATCHER_PARAMS"),
                                     index_dir=index_dir(),
                                     database=database_key(current_app.config["DATABASE_URL"]))
                current_app.extensions["matching_engine"] = eng
    return eng


def warm_up(app: Flask) -> tuple[int, int]:
    """Make this process ready to suggest: load jieba's dictionaries and bring both indexes
    up to date (from the latest snapshot where there is one). Returns how many results and
    needs the indexes hold.

    Served workers call it once at start, in a thread of their own (``gunicorn_conf``), so
    that the first request needing suggestions does not stall every other request of its
    worker for the second this takes while holding the GIL.
    """
    with app.app_context():
        session = get_session()
        results = engine().results_index(session)
        needs = engine().needs_index(session)
        results.query("预热", k=1)  # a query initialises the tokenizer a snapshot loads lazily
        return len(results), len(needs)


def index_dir() -> Path | None:
    """Where index snapshots are shared: the ``INDEX_DIR`` setting or environment variable, by
    default ``instance/index``; none under ``TESTING`` unless set (tests must not share
    snapshots through the instance folder)."""
    cfg = current_app.config
    if cfg.get("INDEX_DIR"):
        return Path(cfg["INDEX_DIR"])
    if cfg.get("TESTING"):
        return None
    return Path(os.environ.get("INDEX_DIR") or Path(current_app.instance_path) / "index")


@dataclass(frozen=True)
class Settings:
    """How suggestions are ranked and cut (docs/matching.md, "Suggestions as users see them")."""

    weights: dict[str, float]
    top_k: int
    prior: float
    min_strength: float
    strong: float


def settings() -> Settings:
    """The app's suggestion settings: ``MATCH_TOP_K``, ``MATCH_PRIOR`` (how far structured
    compatibility may move a result: a factor between 1/(1+prior) and 1),
    ``MATCH_MIN_STRENGTH`` (below it a hit is not shown at all), ``MATCH_STRONG`` (the
    coverage a suggestion needs not to be marked weak) and ``MATCH_WEIGHTS``."""
    cfg = current_app.config
    return Settings(weights={**DEFAULT_WEIGHTS, **cfg.get("MATCH_WEIGHTS", {})},
                    top_k=int(cfg.get("MATCH_TOP_K", 10)),
                    prior=float(cfg.get("MATCH_PRIOR", DEFAULT_PRIOR)),
                    min_strength=float(cfg.get("MATCH_MIN_STRENGTH", DEFAULT_MIN_STRENGTH)),
                    strong=float(cfg.get("MATCH_STRONG", DEFAULT_STRONG)))


#: Defaults of the settings above, chosen on the dev sets (docs/matching.md).
DEFAULT_PRIOR = 0.0
DEFAULT_MIN_STRENGTH = 0.03
DEFAULT_STRONG = 0.12


def strong_threshold() -> float:
    """The coverage (``Match.text_score``) from which a suggestion is strong: notifications,
    the best institutions and the report's "with a suggestion" count only strong ones."""
    return settings().strong


def is_strong(coverage: float) -> bool:
    """Whether a suggestion whose text match covers ``coverage`` of the query is strong."""
    return coverage >= strong_threshold()


def strong_clause() -> ColumnElement[bool]:
    """SQL for "this stored suggestion is strong" (the same rule as :func:`is_strong`)."""
    return Match.text_score >= strong_threshold()


def text_similarities(hits: Sequence[Hit]) -> list[float]:
    """The cosine of the two texts as written, on a 0–1 scale (near-duplicate checks)."""
    return [max(0.0, min(1.0, h.similarity)) for h in hits]


def rank_score(strength: float, compat: float, prior: float) -> float:
    """The ranking score: the matcher's strength, moved by structured compatibility
    (``compat`` in [0, 1]) by at most the factor 1/(1 + ``prior``), so compatibility only
    reorders near-ties and a field mismatch never hides a strong text match."""
    return strength * (1.0 + prior * compat) / (1.0 + prior)


def _rank(hits: Sequence[Hit], pairs: dict[int, tuple[Need, Result]], k: int,
          cfg: Settings, words_of: Callable[[Need | Result], Words] | None = None,
          ) -> list[Suggestion]:
    """The ``k`` best of the matcher's ``hits`` whose other side ``pairs`` allows (id ->
    (need, result)), scored with structured compatibility and explained by the whole words
    both use (``words_of`` a listing: :func:`listing_words` unless given)."""
    if words_of is None:
        words = engine().word_tokenizer()

        def words_of(listing: Need | Result) -> Words:
            return listing_words(listing, words)

    compat: dict[int, tuple[float, dict[str, float]]] = {}

    def compat_of(hit: Hit) -> tuple[float, dict[str, float]]:
        hid = int(hit.id)
        if hid not in compat:
            compat[hid] = compatibility(*pairs[hid], cfg.weights)
        return compat[hid]

    candidates = [h for h in hits if h.strength >= cfg.min_strength and int(h.id) in pairs]
    # Exact scores (rounding would make ties); equal ones go to the more compatible pair, and
    # the sort is stable, so the matcher's order stands otherwise.
    if cfg.prior == 0:
        best = _best_by_strength(candidates, k, compat_of)
    else:
        best = sorted(candidates, key=lambda h: (
            -rank_score(h.strength, compat_of(h)[0], cfg.prior), -compat_of(h)[0]))[:k]
    out = []
    for hit in best:
        c, values = compat_of(hit)
        need, result = pairs[int(hit.id)]
        shared, related = split_terms(hit.terms, words_of(need), words_of(result))
        parts = {"strength": round(hit.strength, 6), "coverage": round(hit.coverage, 6),
                 "compatibility": round(c, 6), **values}
        out.append(Suggestion(other_id=int(hit.id),
                              score=round(rank_score(hit.strength, c, cfg.prior), 6),
                              text_score=round(hit.coverage, 6), parts=parts, terms=shared,
                              related=related))
    return out


def _best_by_strength(candidates: Sequence[Hit], k: int,
                      compat_of: Callable[[Hit], tuple[float, dict[str, float]]]) -> list[Hit]:
    """The ``k`` best hits when compatibility has no weight in the score (``prior`` 0: the
    score is the strength): by strength, equal strengths by compatibility, which is computed
    only for the ties that reach the ``k`` best (a nightly rematch ranks millions of hits)."""
    ordered = sorted(candidates, key=lambda h: -h.strength)
    best: list[Hit] = []
    i = 0
    while i < len(ordered) and len(best) < k:
        j = i + 1
        while j < len(ordered) and ordered[j].strength == ordered[i].strength:
            j += 1
        group = ordered[i:j]
        if len(group) > 1:
            group.sort(key=lambda h: -compat_of(h)[0])
        best.extend(group)
        i = j
    return best[:k]


def suggest_results(session: Session, need: Need, k: int | None = None) -> list[Suggestion]:
    """The best published results for a need (which need not be stored or published yet)."""
    cfg = settings()
    k = k or cfg.top_k
    hits = engine().results_index(session).query(need_doc(need), k=k * CANDIDATE_FACTOR)
    results = {r.id: r for r in session.scalars(
        select(Result).where(Result.id.in_([int(h.id) for h in hits])))}
    pairs = {rid: (need, r) for rid, r in results.items()
             if is_matchable_result(r) and r.organization_id != need.organization_id}
    return _rank(hits, pairs, k, cfg)


def suggest_needs(session: Session, result: Result, k: int | None = None) -> list[Suggestion]:
    """The best open needs for a result."""
    cfg = settings()
    k = k or cfg.top_k
    hits = engine().needs_index(session).query(result_doc(result), k=k * CANDIDATE_FACTOR)
    needs = {n.id: n for n in session.scalars(
        select(Need).where(Need.id.in_([int(h.id) for h in hits])))}
    pairs = {nid: (n, result) for nid, n in needs.items()
             if is_matchable_need(n) and n.organization_id != result.organization_id}
    return _rank(hits, pairs, k, cfg)


def _store(session: Session, need_id: int, result_id: int, s: Suggestion) -> Match:
    match = Match(need_id=need_id, result_id=result_id, score=s.score, text_score=s.text_score,
                  parts=s.parts, terms=s.stored_terms(),
                  matcher_version=engine().version)
    session.add(match)
    return match


def _stored_pairs(session: Session, column: Any, listing_id: int) -> set[tuple[int, int]]:
    return {(n, r) for n, r in session.execute(
        select(Match.need_id, Match.result_id).where(column == listing_id))}


def rematch_need(session: Session, need: Need) -> list[Match]:
    """Replace a need's stored suggestions with fresh ones (none when it is not open), and
    announce them (``events.suggestions_stored``)."""
    return _rematch(session, need, Match.need_id, is_matchable_need(need),
                    lambda: suggest_results(session, need),
                    lambda other_id: (need.id, other_id))


def rematch_result(session: Session, result: Result) -> list[Match]:
    """Replace a result's stored suggestions with fresh ones (none when it is not published),
    and announce them (``events.suggestions_stored``)."""
    return _rematch(session, result, Match.result_id, is_matchable_result(result),
                    lambda: suggest_needs(session, result),
                    lambda other_id: (other_id, result.id))


def _rematch(session: Session, listing: Need | Result, column: Any, matchable: bool,
             suggest: Callable[[], list[Suggestion]],
             pair: Callable[[int], tuple[int, int]]) -> list[Match]:
    engine().store_tokens(listing)
    session.flush()
    engine().listing_changed(listing)
    before = _stored_pairs(session, column, listing.id)
    session.execute(delete(Match).where(column == listing.id))
    if not matchable:
        return []
    stored = [_store(session, *pair(s.other_id), s) for s in suggest()]
    session.flush()
    emit(suggestions_stored, session=session, listing=listing,
         new=[m for m in stored if (m.need_id, m.result_id) not in before])
    return stored


def reindex(session: Session) -> dict[str, int]:
    """Refit both indexes (writing new snapshots where an index directory is set) and
    recompute every stored suggestion, from both sides."""
    from .rematch import rematch_all

    n_results, n_needs = engine().rebuild(session, write_snapshots=True)
    return {"results_indexed": n_results, "needs_indexed": n_needs,
            "matches": rematch_all(session)}


def matches_for_need(session: Session, need_id: int, limit: int = 10) -> list[Match]:
    """A need's stored suggestions, best first, among results still published."""
    stmt = (select(Match).join(Match.result).where(Match.need_id == need_id)
            .where(Result.status == "published")
            .order_by(Match.score.desc(), Match.id).limit(limit))
    return list(session.scalars(stmt))


def matches_for_result(session: Session, result_id: int, limit: int = 10) -> list[Match]:
    """A result's stored suggestions, best first, among needs still open."""
    stmt = (select(Match).join(Match.need).where(Match.result_id == result_id)
            .where(Need.status.in_(["published", "docking"]))
            .order_by(Match.score.desc(), Match.id).limit(limit))
    return list(session.scalars(stmt))


def best_institutions(session: Session, need_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """Institutions whose results fit a need best, by their strong suggestions only: their
    best score and how many results fit."""
    stmt = (select(Organization, func.max(Match.score), func.count(Match.id))
            .join(Result, Result.organization_id == Organization.id)
            .join(Match, Match.result_id == Result.id)
            .where(Match.need_id == need_id, Result.status == "published", strong_clause())
            .group_by(Organization.id)
            .order_by(func.max(Match.score).desc(), Organization.id).limit(limit))
    return [{"organization": org, "best": best, "results": n}
            for org, best, n in session.execute(stmt)]


def near_duplicates(session: Session, need: Need, threshold: float | None = None) -> list[Need]:
    """Open needs whose text nearly repeats this one's (for a warning to the author)."""
    threshold = threshold if threshold is not None else float(
        current_app.config.get("DUPLICATE_THRESHOLD", 0.8))
    hits = engine().needs_index(session).query(need_doc(need), k=5, exclude=[need.id]
                                                 if need.id is not None else [])
    ids = [int(h.id) for h, sim in zip(hits, text_similarities(hits), strict=True)
           if sim >= threshold]
    if not ids:
        return []
    found = {n.id: n for n in session.scalars(select(Need).where(Need.id.in_(ids)))}
    return [found[i] for i in ids if i in found and is_matchable_need(found[i])]
