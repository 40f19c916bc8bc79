"""Scoring: the postings' scores, filters and the top-k selection give the plain answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher import DEFAULT_PARAMS, Matcher, scoring
from matcher.bench import synthetic_corpus, synthetic_queries
from matcher.scoring import accumulate, top


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    docs = synthetic_corpus(600, seed=5)
    for i, d in enumerate(docs):
        d["field"] = ("new_energy", "bio_medicine", "aerospace")[i % 3]
    return docs


def _top_by_sort(scores: np.ndarray, k: int) -> list[int]:
    """The k best positive scores, ties to the lower slot: the definition."""
    order = sorted((-s, i) for i, s in enumerate(scores.tolist()) if s > 0)
    return [i for _, i in order[:k]]


@pytest.mark.parametrize("k", [1, 5, 10, 64])
def test_top_matches_a_full_sort_with_ties(k: int) -> None:
    rng = np.random.default_rng(k)
    for density in (1.0, 0.3, 0.01):
        # Few distinct values, so that the k-th place is usually shared by many slots ...
        scores = rng.integers(1, 6, size=20_000).astype(np.float64)
        scores[rng.random(20_000) > density] = 0.0
        assert top(scores, k, None, None) == _top_by_sort(scores, k)
        # ... and ~20 slots a value, so that the k best hold several runs of ties.
        scores = np.round(rng.random(20_000), 3)
        scores[rng.random(20_000) > density] = 0.0
        assert top(scores, k, None, None) == _top_by_sort(scores, k)


def test_top_of_too_few_positive_scores() -> None:
    scores = np.zeros(5_000)
    scores[[7, 4_000, 12]] = [0.5, 0.9, 0.5]
    assert top(scores, 10, None, None) == [4_000, 7, 12]
    assert top(np.zeros(5_000), 10, None, None) == []
    assert top(scores, 0, None, None) == []


@pytest.mark.parametrize("k", [1, 5, 10, 64, 65, 300])
def test_top_k_breaks_ties_by_slot_whatever_the_selection(k: int) -> None:
    rng = np.random.default_rng(7)
    # Few distinct values, so ties straddle the k-th place; zeros are never returned.
    scores = rng.integers(0, 6, size=5000).astype(np.float64) / 4
    expected = sorted(np.flatnonzero(scores > 0).tolist(), key=lambda i: (-scores[i], i))[:k]
    assert top(scores, k, None, None) == expected
    mask = rng.random(5000) < 0.5
    masked = sorted(np.flatnonzero((scores > 0) & mask).tolist(),
                    key=lambda i: (-scores[i], i))[:k]
    assert top(scores, k, mask, None) == masked
    assert top(scores, k, None, lambda slot: bool(mask[slot])) == masked


def test_scores_are_the_dot_products_with_the_rows(corpus: list[dict[str, Any]]) -> None:
    m = Matcher(**DEFAULT_PARAMS).fit(corpus[:500])
    m.add(corpus[500:520])  # the delta segment too
    idx = m._index()
    for text in synthetic_queries(10, 600, seed=2):
        tids, tf = m._query_terms(text)
        qw = m._query_weighting.weights(tids, tf)
        q = np.zeros(len(m.vocabulary_))
        q[tids] = qw
        dense = np.vstack([idx.rows.toarray(), idx.delta.toarray()]).astype(np.float64)
        np.testing.assert_allclose(accumulate(idx, tids, qw), dense @ q, rtol=1e-12)


def test_term_by_term_scoring_is_bit_identical(
        corpus: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    m = Matcher(**DEFAULT_PARAMS).fit(corpus)
    idx = m._index()
    for query in [*synthetic_queries(20, 600, seed=5), *corpus[:20]]:
        tids, tf = m._query_terms(query)
        weights = m._query_weighting.weights(tids, tf)
        with monkeypatch.context() as one_bincount:
            one_bincount.setattr(scoring, "PER_TERM_AVG_POSTINGS", 1 << 40)
            one_bincount.setattr(scoring, "GATHER_MAX_POSTINGS", 1 << 40)
            gathered = accumulate(idx, tids, weights)
            hits_gathered = [(h.id, h.score) for h in m.query(query, k=10)]
        with monkeypatch.context() as per_term:
            per_term.setattr(scoring, "PER_TERM_AVG_POSTINGS", 0)
            assert np.array_equal(gathered, accumulate(idx, tids, weights))
            assert [(h.id, h.score) for h in m.query(query, k=10)] == hits_gathered


def test_field_filter_uses_masks_and_follows_adds(corpus: list[dict[str, Any]]) -> None:
    m = Matcher(**DEFAULT_PARAMS).fit(corpus[:500])
    q = synthetic_queries(1, 600, seed=5)[0]
    fields = {d["id"]: d["field"] for d in corpus}
    for want in ("aerospace", ["new_energy", "bio_medicine"], "unknown"):
        wanted = {want} if isinstance(want, str) else set(want)
        hits = m.query(q, k=20, where={"field": want})
        assert all(fields[h.id] in wanted for h in hits)
        by_callable = m.query(q, k=20, where=lambda i, w=wanted: fields[i] in w)  # type: ignore[misc]
        assert [h.id for h in hits] == [h.id for h in by_callable]
    assert frozenset(["aerospace"]) in m._index().masks  # computed once per view
    m.add([{**corpus[550], "field": "marine"}])
    assert [h.id for h in m.query(corpus[550], k=3, where={"field": "marine"})] == [550]
