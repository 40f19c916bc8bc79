"""The query path's shortcuts (2026-12-01) give what the plain computation gives.

Each shortcut is checked against the definition it replaces: the top-k selection against a
full sort, the feedback pass (first-pass scores reused, only the centroid's postings read)
against scoring the merged expanded query from scratch, the cached sub-word sets against the
substring test over the query's own words.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from matcher import DEFAULT_PARAMS, Matcher
from matcher.bench import synthetic_corpus, synthetic_queries
from matcher.core import _merged


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return synthetic_corpus(1200, seed=3)


@pytest.fixture(scope="module")
def fitted(corpus: list[dict[str, Any]]) -> Matcher:
    return Matcher(**DEFAULT_PARAMS).fit(corpus)


def _top_by_sort(scores: np.ndarray, k: int) -> list[int]:
    """The k best positive scores, ties to the lower slot: the definition."""
    order = sorted((-s, i) for i, s in enumerate(scores.tolist()) if s > 0)
    return [i for _, i in order[:k]]


@pytest.mark.parametrize("k", [1, 5, 10, 64])
def test_top_matches_a_full_sort_with_ties(fitted: Matcher, k: int) -> None:
    rng = np.random.default_rng(k)
    for density in (1.0, 0.3, 0.01):
        # Few distinct values, so that the k-th place is usually shared by many slots ...
        scores = rng.integers(1, 6, size=20_000).astype(np.float64)
        scores[rng.random(20_000) > density] = 0.0
        assert fitted._top(scores, k, None, None) == _top_by_sort(scores, k)
        # ... and ~20 slots a value, so that the k best hold several runs of ties.
        scores = np.round(rng.random(20_000), 3)
        scores[rng.random(20_000) > density] = 0.0
        assert fitted._top(scores, k, None, None) == _top_by_sort(scores, k)


def test_top_of_too_few_positive_scores(fitted: Matcher) -> None:
    scores = np.zeros(5_000)
    scores[[7, 4_000, 12]] = [0.5, 0.9, 0.5]
    assert fitted._top(scores, 10, None, None) == [4_000, 7, 12]
    assert fitted._top(np.zeros(5_000), 10, None, None) == []
    assert fitted._top(scores, 0, None, None) == []


def test_feedback_scores_equal_the_merged_query_scored_afresh(fitted: Matcher) -> None:
    idx = fitted._index()
    for text in synthetic_queries(30, 1200, seed=11):
        tids, tf = fitted._query_terms(text)
        qw = fitted._query_weights(tids, tf)
        first = fitted._accumulate(idx, tids, qw)
        fb = fitted._top(first, fitted.prf_docs, None, None)
        scores, (rtids, rqw, centroid) = fitted._feedback(idx, first, None, tids, qw, fb)
        assert centroid is not None
        etids, eqw = _merged(rtids, rqw, *centroid)
        assert math.isclose(float(eqw @ eqw), 1.0, rel_tol=1e-12)
        afresh = fitted._accumulate(idx, etids, eqw)
        np.testing.assert_allclose(scores, afresh, rtol=1e-12, atol=1e-15)
        assert fitted._top(scores, 10, None, None) == fitted._top(afresh, 10, None, None)


def _subwords_by_definition(m: Matcher, tids: list[int]) -> set[int]:
    names = [m.terms_[t] for t in tids]
    longs = [o for o in names if len(o) > 2 and " " not in o]
    return {t for t, w in zip(tids, names, strict=True)
            if " " not in w and any(len(o) > len(w) and w in o for o in longs)}


def test_cached_subwords_follow_the_substring_rule(fitted: Matcher) -> None:
    seen = 0
    queries = [*synthetic_queries(40, 1200, seed=5), "锂离子电池正极材料的循环寿命", "碳化硅功率器件"]
    for text in queries:
        tids = fitted._query_terms(text)[0].tolist()
        want = _subwords_by_definition(fitted, tids)
        assert fitted._subwords_of(tids) == want
        seen += len(want)
    assert seen > 0  # the queries do hold compounds and their sub-words


def test_refit_forgets_cached_subwords() -> None:
    m = Matcher().fit([{"id": 1, "title": "锂离子电池", "text": "锂离子电池 正极"}])
    tids = m._query_terms("锂离子电池")[0].tolist()
    assert m._subwords_of(tids)
    m.fit([{"id": 2, "title": "电池", "text": "铅酸 电池"}])
    assert m._subterms == {}
    assert m._subwords_of(m._query_terms("锂离子电池")[0].tolist()) == set()
