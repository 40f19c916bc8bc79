"""Scale features: pre-tokenised and parallel fits, field masks, batch queries."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher import DEFAULT_PARAMS, Matcher
from matcher.bench import synthetic_corpus, synthetic_queries


def _ranking(m: Matcher, queries: list[Any], k: int = 10) -> list[list[tuple[Any, float]]]:
    return [[(h.id, round(h.score, 4)) for h in m.query(q, k=k)] for q in queries]


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    docs = synthetic_corpus(600, seed=5)
    for i, d in enumerate(docs):
        d["field"] = ("new_energy", "bio_medicine", "aerospace")[i % 3]
    return docs


def test_fit_with_stored_tokens_equals_fit_from_text(corpus: list[dict[str, Any]]) -> None:
    raw = Matcher(**DEFAULT_PARAMS).fit(corpus)
    tokens = raw.tokenize_docs(corpus)
    cached = Matcher(**DEFAULT_PARAMS).fit(
        {**d, "title": "", "text": "", "tokens": t} for d, t in zip(corpus, tokens, strict=True))
    queries = synthetic_queries(30, 600, seed=5)
    assert cached.terms_.tolist() == raw.terms_.tolist()
    assert _ranking(cached, queries) == _ranking(raw, queries)
    assert raw.token_signature() == cached.token_signature() != ""


@pytest.mark.parametrize("weights", [{}, {"keywords_weight": 0.0, "title_weight": 3.0},
                                     {"title_weight": 0.35, "keywords_weight": 2.2}])
def test_a_mix_of_stored_and_raw_docs_gives_the_same_index(
        corpus: list[dict[str, Any]], weights: dict[str, float]) -> None:
    params = {**DEFAULT_PARAMS, **weights}
    raw = Matcher(**params).fit(corpus)
    tokens = raw.tokenize_docs(corpus)
    mixed = Matcher(**params)
    mixed.FIT_CHUNK = 64  # type: ignore[misc]  # stored and raw docs share chunks
    mixed.fit({**d, "tokens": t} if i % 3 else d
              for i, (d, t) in enumerate(zip(corpus, tokens, strict=True)))
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(mixed._main_rows, name), getattr(raw._main_rows, name))
    assert mixed.terms_.tolist() == raw.terms_.tolist()


def test_parallel_fit_is_deterministic_and_equal(corpus: list[dict[str, Any]]) -> None:
    one = Matcher(**DEFAULT_PARAMS).fit(corpus)
    two = Matcher(**{**DEFAULT_PARAMS, "n_jobs": 2})
    two.PARALLEL_MIN = 100  # type: ignore[misc]  # force the pool on a small corpus
    two.FIT_CHUNK = 128  # type: ignore[misc]
    two.fit(iter(corpus))
    queries = synthetic_queries(30, 600, seed=5)
    assert two.terms_.tolist() == one.terms_.tolist()
    assert _ranking(two, queries) == _ranking(one, queries)
    assert np.allclose(two.idf_, one.idf_)


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
    m.add([{**corpus[550], "field": "marine"}])
    assert [h.id for h in m.query(corpus[550], k=3, where={"field": "marine"})] == [550]


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


def test_feedback_rescoring_only_first_pass_candidates(corpus: list[dict[str, Any]]) -> None:
    few = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": 5}).fit(corpus)
    few.RERANK_COST_FACTOR = 0.0  # type: ignore[misc]  # always worth it here
    plain = Matcher(**{**DEFAULT_PARAMS, "prf_docs": 0}).fit(corpus)
    for q in synthetic_queries(20, 600, seed=5):
        hits = few.query(q, k=10)
        assert 0 < len(hits) <= 5
        assert {h.id for h in hits} == {h.id for h in plain.query(q, k=5)}
    # A large N on a small index: the whole index is scored again, as with 0.
    many = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": 1000}).fit(corpus)
    full = Matcher(**{**DEFAULT_PARAMS, "prf_rerank": 0}).fit(corpus)
    q = synthetic_queries(1, 600, seed=5)[0]
    assert [h.id for h in many.query(q)] == [h.id for h in full.query(q)]


def test_term_by_term_scoring_is_bit_identical(corpus: list[dict[str, Any]]) -> None:
    one_bincount = Matcher(**DEFAULT_PARAMS).fit(corpus)
    one_bincount.PER_TERM_AVG_POSTINGS = 1 << 40  # type: ignore[misc]
    one_bincount.GATHER_MAX_POSTINGS = 1 << 40  # type: ignore[misc]
    per_term = Matcher(**DEFAULT_PARAMS).fit(corpus)
    per_term.PER_TERM_AVG_POSTINGS = 0  # type: ignore[misc]
    idx_a, idx_b = one_bincount._index(), per_term._index()
    for query in [*synthetic_queries(20, 600, seed=5), *corpus[:20]]:
        tids, tf = one_bincount._query_terms(query)
        weights = one_bincount._query_weights(tids, tf)
        assert np.array_equal(one_bincount._accumulate(idx_a, tids, weights),
                              per_term._accumulate(idx_b, tids, weights))
        assert ([(h.id, h.score) for h in one_bincount.query(query, k=10)]
                == [(h.id, h.score) for h in per_term.query(query, k=10)])
