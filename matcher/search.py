"""Searching an index with a typed query: every doc that shares a term with it, scored.

:meth:`Matcher.query` answers "the k docs most like this one" and expands the query with
pseudo-relevance feedback. A search box asks something else: which docs contain what was typed,
best first, so that a list can also be narrowed, counted by facets and re-sorted. :func:`search`
scores the query's own terms only (no feedback: a typed query is short and precise, and terms
the user did not type would bring in docs that do not contain any of theirs) over the whole
index and keeps the docs whose score is at least ``min_share`` of the best one, at most
``limit`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .documents import DocId
from .scoring import accumulate

if TYPE_CHECKING:
    from .core import Matcher

__all__ = ["SearchHits", "search"]


@dataclass(frozen=True)
class SearchHits:
    """What a search found: doc ids with their scores, best first, and the query's words the
    index knows (phrase tokens split into their words), for marking them in the text."""

    ids: list[DocId]
    scores: list[float]
    terms: tuple[str, ...]
    #: How many docs shared a term with the query before ``min_share`` and ``limit`` cut.
    matched: int

    def score_of(self) -> dict[DocId, float]:
        """Each found doc's score."""
        return dict(zip(self.ids, self.scores, strict=True))


def search(matcher: Matcher, text: str, *, min_share: float = 0.0,
           limit: int | None = None) -> SearchHits:
    """The docs of ``matcher`` sharing a term with ``text``, best first (ties by index order).

    Scores are the first pass of :meth:`Matcher.query` (the same term weights and index), without
    feedback. Docs scoring under ``min_share`` times the best score are left out, and only the
    ``limit`` best are kept (``None``: all).
    """
    matcher._check_fitted()
    idx = matcher._segments.view()
    tids, tf = matcher._query_terms(text)
    terms = _words(matcher.terms_[tids].tolist() if tids.size else [])
    if tids.size == 0:
        return SearchHits([], [], terms, 0)
    qw = matcher._query_weighting.weights(tids, tf)
    scores = accumulate(idx, tids, qw)
    live = idx.live[: idx.n]
    found: NDArray[np.intp] = np.flatnonzero((scores > 0) & live)
    matched = int(found.size)
    if matched == 0:
        return SearchHits([], [], terms, 0)
    s = scores[found]
    if min_share > 0:
        keep = s >= float(s.max()) * min_share
        found, s = found[keep], s[keep]
    # A stable sort of the descending scores keeps ties in slot order (reproducible).
    order = np.argsort(-s, kind="stable")
    if limit is not None:
        order = order[:limit]
    ids = idx.ids
    return SearchHits([ids[i] for i in found[order].tolist()], s[order].tolist(), terms, matched)


def _words(terms: list[str]) -> tuple[str, ...]:
    """The words of the query's terms, longest first, each once (a phrase token is two words)."""
    words = {w for t in terms for w in t.split(" ") if w}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))
