"""Suggestion services: compute, store and read need↔result matches. They flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from matcher import Hit
from models import Match, Need, Organization, Result

from .compatibility import DEFAULT_WEIGHTS, combine
from .engine import MatchingEngine, is_matchable_need, is_matchable_result, need_doc, result_doc

# How many text candidates are re-ranked with the structured parts for each stored top-k.
CANDIDATE_FACTOR = 3


@dataclass(frozen=True)
class Suggestion:
    """A scored pair before it is stored: the other side's id, the score and its reasons."""

    other_id: int
    score: float
    text_score: float
    parts: dict[str, float]
    terms: list[tuple[str, float]]


def engine() -> MatchingEngine:
    """This process's matching engine, created on first use."""
    eng = current_app.extensions.get("matching_engine")
    if eng is None:
        eng = MatchingEngine(current_app.config.get("MATCHER_PARAMS"))
        current_app.extensions["matching_engine"] = eng
    return eng


def _settings() -> tuple[dict[str, float], int, float]:
    cfg = current_app.config
    weights = {**DEFAULT_WEIGHTS, **cfg.get("MATCH_WEIGHTS", {})}
    return weights, int(cfg.get("MATCH_TOP_K", 10)), float(cfg.get("MATCH_MIN_TEXT", 0.10))


def text_similarities(hits: Sequence[Hit]) -> list[float]:
    """Text scores on a 0–1 scale: the cosine of the two texts as written.

    The matcher ranks by an unbounded relevance score; the bounded similarity is what can be
    combined with the structured parts and compared with thresholds.
    """
    return [max(0.0, min(1.0, h.similarity)) for h in hits]


def _rank(hits: Sequence[Hit], pairs: dict[int, tuple[Need, Result]], k: int,
          min_text: float, weights: dict[str, float]) -> list[Suggestion]:
    out = []
    for hit, similarity in zip(hits, text_similarities(hits), strict=True):
        if similarity < min_text or int(hit.id) not in pairs:
            continue
        need, result = pairs[int(hit.id)]
        score, parts = combine(similarity, need, result, weights)
        out.append(Suggestion(other_id=int(hit.id), score=score, text_score=round(similarity, 6),
                              parts=parts, terms=[(t, round(s, 4)) for t, s in hit.terms]))
    out.sort(key=lambda s: (-s.score, s.other_id))
    return out[:k]


def suggest_results(session: Session, need: Need, k: int | None = None) -> list[Suggestion]:
    """The best published results for a need (which need not be stored or published yet)."""
    weights, top_k, min_text = _settings()
    k = k or top_k
    hits = engine().results_index(session).query(need_doc(need), k=k * CANDIDATE_FACTOR)
    results = {r.id: r for r in session.scalars(
        select(Result).where(Result.id.in_([int(h.id) for h in hits])))}
    pairs = {rid: (need, r) for rid, r in results.items()
             if is_matchable_result(r) and r.organization_id != need.organization_id}
    return _rank(hits, pairs, k, min_text, weights)


def suggest_needs(session: Session, result: Result, k: int | None = None) -> list[Suggestion]:
    """The best open needs for a result."""
    weights, top_k, min_text = _settings()
    k = k or top_k
    hits = engine().needs_index(session).query(result_doc(result), k=k * CANDIDATE_FACTOR)
    needs = {n.id: n for n in session.scalars(
        select(Need).where(Need.id.in_([int(h.id) for h in hits])))}
    pairs = {nid: (n, result) for nid, n in needs.items()
             if is_matchable_need(n) and n.organization_id != result.organization_id}
    return _rank(hits, pairs, k, min_text, weights)


def _store(session: Session, need_id: int, result_id: int, s: Suggestion) -> Match:
    match = Match(need_id=need_id, result_id=result_id, score=s.score, text_score=s.text_score,
                  parts=s.parts, terms=[list(t) for t in s.terms],
                  matcher_version=engine().version)
    session.add(match)
    return match


def rematch_need(session: Session, need: Need) -> list[Match]:
    """Replace a need's stored suggestions with fresh ones (none when it is not open)."""
    session.flush()
    engine().listing_changed(need)
    session.execute(delete(Match).where(Match.need_id == need.id))
    if not is_matchable_need(need):
        return []
    stored = [_store(session, need.id, s.other_id, s) for s in suggest_results(session, need)]
    session.flush()
    return stored


def rematch_result(session: Session, result: Result) -> list[Match]:
    """Replace a result's stored suggestions with fresh ones (none when it is not published)."""
    session.flush()
    engine().listing_changed(result)
    session.execute(delete(Match).where(Match.result_id == result.id))
    if not is_matchable_result(result):
        return []
    stored = [_store(session, s.other_id, result.id, s) for s in suggest_needs(session, result)]
    session.flush()
    return stored


def reindex(session: Session) -> dict[str, int]:
    """Refit both indexes and recompute every stored suggestion, from both sides."""
    eng = engine()
    n_results, n_needs = eng.rebuild(session)
    session.execute(delete(Match))
    stored: set[tuple[int, int]] = set()
    for need in session.scalars(select(Need)).all():
        if is_matchable_need(need):
            for s in suggest_results(session, need):
                stored.add((need.id, s.other_id))
                _store(session, need.id, s.other_id, s)
    for result in session.scalars(select(Result)).all():
        if is_matchable_result(result):
            for s in suggest_needs(session, result):
                if (s.other_id, result.id) not in stored:
                    stored.add((s.other_id, result.id))
                    _store(session, s.other_id, result.id, s)
    session.flush()
    return {"results_indexed": n_results, "needs_indexed": n_needs, "matches": len(stored)}


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
    """Institutions whose results fit a need best: their best score and how many results fit."""
    stmt = (select(Organization, func.max(Match.score), func.count(Match.id))
            .join(Result, Result.organization_id == Organization.id)
            .join(Match, Match.result_id == Result.id)
            .where(Match.need_id == need_id, Result.status == "published")
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
