"""Feedback: the expanded query's shortcut scores equal the merged query scored afresh."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from matcher import DEFAULT_PARAMS, Matcher, feedback
from matcher.bench import synthetic_corpus, synthetic_queries
from matcher.feedback import merged
from matcher.scoring import accumulate, top


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return synthetic_corpus(1200, seed=3)


@pytest.fixture(scope="module")
def fitted(corpus: list[dict[str, Any]]) -> Matcher:
    return Matcher(**DEFAULT_PARAMS).fit(corpus)


def test_feedback_scores_equal_the_merged_query_scored_afresh(fitted: Matcher) -> None:
    idx = fitted._index()
    fb_settings = fitted._feedback
    for text in synthetic_queries(30, 1200, seed=11):
        tids, tf = fitted._query_terms(text)
        qw = fitted._query_weighting.weights(tids, tf)
        first = accumulate(idx, tids, qw)
        fb = fb_settings.feedback_docs(first, None)
        scores, (rtids, rqw, centroid) = fb_settings.expand(idx, first, None, tids, qw, fb)
        assert centroid is not None
        etids, eqw = merged(rtids, rqw, *centroid)
        assert math.isclose(float(eqw @ eqw), 1.0, rel_tol=1e-12)
        afresh = accumulate(idx, etids, eqw)
        np.testing.assert_allclose(scores, afresh, rtol=1e-12, atol=1e-15)
        assert top(scores, 10, None, None) == top(afresh, 10, None, None)
        # The batch form of the same expansion.
        (btids, bqw), rescore = fb_settings.expand_terms(idx, first, None, (tids, qw))
        assert not rescore and np.array_equal(btids, etids) and np.allclose(bqw, eqw)


def test_merged_adds_shared_terms_and_sorts() -> None:
    tids, qw = np.array([2, 5]), np.array([0.6, 0.8])
    terms, w = merged(tids, qw, np.array([9, 2]), np.array([0.3, 0.4]))
    assert terms.tolist() == [2, 5, 9]
    raw = np.array([1.0, 0.8, 0.3])
    np.testing.assert_allclose(w, raw / np.linalg.norm(raw))


def test_centroid_weighs_the_first_hit_most(fitted: Matcher) -> None:
    idx = fitted._index()
    rank = fitted._feedback
    terms, cen, sq = rank.centroid(idx, [0, 1], np.ones(idx.n))
    assert terms.size <= rank.terms and math.isclose(sq, rank.weight ** 2, rel_tol=1e-9)
    assert math.isclose(float(np.linalg.norm(cen)), rank.weight, rel_tol=1e-9)
    first_only = set(idx.rows[0].indices.tolist()) - set(idx.rows[1].indices.tolist())
    second_only = set(idx.rows[1].indices.tolist()) - set(idx.rows[0].indices.tolist())
    weights = dict(zip(terms.tolist(), cen.tolist(), strict=True))
    assert (max(weights.get(t, 0.0) for t in first_only)
            > max(weights.get(t, 0.0) for t in second_only))


def test_no_feedback_without_feedback_docs_or_weight() -> None:
    assert not Matcher(prf_docs=0).fit([{"id": 1, "text": "电池"}])._feedback.on
    assert not Matcher(prf_weight=0.0).fit([{"id": 1, "text": "电池"}])._feedback.on


def test_feedback_rescoring_only_first_pass_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    small = synthetic_corpus(600, seed=5)
    monkeypatch.setattr(feedback, "RERANK_COST_FACTOR", 0.0)  # always worth it here
    few = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": 5}).fit(small)
    plain = Matcher(**{**DEFAULT_PARAMS, "prf_docs": 0}).fit(small)
    for q in synthetic_queries(20, 600, seed=5):
        hits = few.query(q, k=10)
        assert 0 < len(hits) <= 5
        assert {h.id for h in hits} == {h.id for h in plain.query(q, k=5)}
    monkeypatch.undo()
    # A large N on a small index: the whole index is scored again, as with 0.
    many = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": 1000}).fit(small)
    full = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": 0}).fit(small)
    q = synthetic_queries(1, 600, seed=5)[0]
    assert [h.id for h in many.query(q)] == [h.id for h in full.query(q)]
