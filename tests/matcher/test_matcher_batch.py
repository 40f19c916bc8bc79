"""Batch scoring: query_many answers as query does, whatever the chunks and processes."""

from __future__ import annotations

from typing import Any

import pytest

from matcher import DEFAULT_PARAMS, Matcher
from matcher.bench import synthetic_corpus

from .listings import RESULTS
from .test_matcher_explanation import AS_WRITTEN, golden_hits, same_hits


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return synthetic_corpus(600, seed=5)


@pytest.mark.parametrize("rerank", [0, 50])
def test_query_many_matches_query(corpus: list[dict[str, Any]], rerank: int) -> None:
    m = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": rerank}).fit(corpus[:500])
    m.add(corpus[500:520])
    m.remove([3, 505])
    needs = synthetic_corpus(40, seed=9)
    batch = m.query_many(needs, k=10, chunk=16)
    for need, hits in zip(needs, batch, strict=True):
        single = m.query(need, k=10)
        assert [h.id for h in hits] == [h.id for h in single]
        assert [h.score for h in hits] == pytest.approx([h.score for h in single], rel=1e-4)
        assert [h.similarity for h in hits] == pytest.approx([h.similarity for h in single],
                                                             rel=1e-4)


def test_query_many_matches_the_eager_version() -> None:
    fitted = Matcher(**AS_WRITTEN).fit(RESULTS)
    golden = golden_hits()
    for hits, want in zip(fitted.query_many(list(golden), k=8), golden.values(), strict=True):
        same_hits(hits, want)


def test_chunks_and_processes_do_not_change_the_answers(corpus: list[dict[str, Any]]) -> None:
    m = Matcher(**DEFAULT_PARAMS).fit(corpus)
    needs = [*synthetic_corpus(30, seed=4), "", "的了吗"]
    whole = m.query_many(needs, k=5)
    assert whole[-1] == whole[-2] == [] and all(whole[:-2])
    assert m.query_many(needs, k=5, chunk=7) == whole
    assert m.query_many(needs, k=5, chunk=7, n_jobs=2) == whole
    assert m.query_many(needs, k=0) == [[] for _ in needs]


def test_max_terms_keeps_the_heaviest_query_terms_in_the_first_pass(
        corpus: list[dict[str, Any]]) -> None:
    m = Matcher(**{**DEFAULT_PARAMS, "prf_docs": 0}).fit(corpus)
    needs = synthetic_corpus(20, seed=4)
    full, cut = m.query_many(needs, k=10), m.query_many(needs, k=10, max_terms=3)
    assert full != cut
    overlap = sum(len({h.id for h in a} & {h.id for h in b}) for a, b in zip(full, cut,
                                                                           strict=True))
    assert overlap >= 0.3 * sum(len(a) for a in full)
