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


def test_feedback_reads_only_first_hits_close_enough_to_the_query() -> None:
    docs = [
        {"id": "a", "title": "锂离子电池正极材料", "text": "高镍正极材料包覆改性，提高循环寿命"},
        {"id": "b", "title": "正极材料烧结窑炉", "text": "辊道窑温度均匀性控制与节能"},
        {"id": "c", "title": "窑炉余热回收", "text": "辊道窑烟气余热回收用于干燥"},
        {"id": "d", "title": "污水处理", "text": "活性污泥法处理生活污水"},
    ]
    gated = Matcher(prf_docs=2, prf_min_coverage=0.5).fit(docs)
    always = Matcher(prf_docs=2, prf_min_coverage=0.0).fit(docs)
    plain = Matcher(prf_docs=0).fit(docs)
    # A query no doc covers well (each says a third of it): it is not expanded, so no first
    # hit can pull in more of its kind.
    weak = "辊道窑 包覆 污水"
    assert max(h.coverage for h in gated.query(weak)) < 0.5
    assert [(h.id, h.score) for h in gated.query(weak)] == \
        [(h.id, h.score) for h in plain.query(weak)]
    assert [h.score for h in always.query(weak)] != [h.score for h in plain.query(weak)]
    # A query close to a doc is expanded, by the close doc only: the weaker second hit (b)
    # does not pull in its neighbour (c).
    close = "锂离子电池正极材料包覆改性"
    assert [h.score for h in gated.query(close)] != [h.score for h in plain.query(close)]
    assert "c" in {h.id for h in always.query(close)} - {h.id for h in gated.query(close)}


def test_strength_ranks_as_the_score_and_coverage_is_a_share_of_the_self_score() -> None:
    docs = [{"id": i, "title": t, "text": x} for i, (t, x) in enumerate([
        ("锂离子电池正极材料", "高镍正极材料包覆改性，提高循环寿命"),
        ("正极材料烧结窑炉", "辊道窑温度均匀性控制与节能"),
        ("电池回收", "废旧锂离子电池拆解与正极材料再生")])]
    m = Matcher().fit(docs)
    q = {"id": "q", "title": "锂离子电池正极材料", "text": "高镍正极材料包覆改性，提高循环寿命"}
    hits = m.query(q)
    assert hits[0].id == 0 and hits[0].coverage == pytest.approx(1.0, abs=0.02)
    assert all(0 < h.coverage <= 1 for h in hits)
    assert [h.strength for h in hits] == sorted((h.strength for h in hits), reverse=True)
    assert hits[1].strength == pytest.approx(hits[1].score / m.self_score(q))
    assert m.self_score("量子通信卫星") == 0.0
