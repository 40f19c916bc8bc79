"""query_many through sparse_dot_topn's top-n product ranks as query does, on thousands of listings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher import DEFAULT_PARAMS, Hit, Matcher, batch, topn
from matcher.bench import synthetic_corpus

N_DOCS = 3000


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    docs = synthetic_corpus(N_DOCS, seed=11)
    # Exact ties: ten copies of one listing, and of another, under other ids.
    for j, src in enumerate((docs[7], docs[1234])):
        docs += [{**src, "id": N_DOCS + 10 * j + c} for c in range(10)]
    return docs


@pytest.fixture(scope="module")
def needs(corpus: list[dict[str, Any]]) -> list[Any]:
    # Listings as queries (as the nightly rematch asks), short texts, copies of indexed ones.
    return [*synthetic_corpus(120, seed=12), corpus[7], corpus[1234], "锂离子电池正极材料",
            "", "的了吗"]


def _fitted(corpus: list[dict[str, Any]], **params: Any) -> Matcher:
    m = Matcher(**{**DEFAULT_PARAMS, **params}).fit(corpus[:-60])
    m.add(corpus[-60:])  # a delta segment
    m.remove([5, 17, N_DOCS - 3, N_DOCS + 12])  # removed docs in both segments
    return m


def _count_answered(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    seen = {"topn": 0, "exact": 0}
    real = batch.rank_chunk

    def spy(*args: Any, **kwargs: Any) -> list[list[Hit] | None]:
        out = real(*args, **kwargs)
        seen["topn"] += sum(h is not None for h in out)
        seen["exact"] += sum(h is None for h in out)
        return out

    monkeypatch.setattr(batch, "rank_chunk", spy)
    return seen


@pytest.mark.parametrize("params", [
    {"prf_rerank": 10},  # feedback rescores the first pass's 10 best
    {},  # the defaults: at this size the expanded query scores every doc
    {"prf_docs": 0},  # no feedback: the first pass ranks
])
def test_query_many_ranks_as_query(
    corpus: list[dict[str, Any]], needs: list[Any], params: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = _fitted(corpus, **params)
    seen = _count_answered(monkeypatch)
    many = m.query_many(needs, k=10, chunk=32)
    # Nearly every query is answered from the top-n lists (the test would prove nothing
    # if all fell back to the exact path).
    assert seen["topn"] >= 0.9 * len(needs)
    for need, hits in zip(needs, many, strict=True):
        single = m.query(need, k=10)
        assert [h.id for h in hits] == [h.id for h in single]
        assert hits == single  # ids, scores, terms and similarities, bit for bit


def test_ties_past_the_list_go_to_the_exact_path(
    corpus: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Twenty copies of one listing tie for first place: with k=5 and prf_docs=0 the list
    # holds k + EXTRA docs, so shrink EXTRA below the ties to make the list too short.
    copies = [{**corpus[42], "id": f"copy-{c}"} for c in range(20)]
    m = Matcher(**{**DEFAULT_PARAMS, "prf_docs": 0}).fit(corpus[:1000] + copies)
    monkeypatch.setattr(topn, "EXTRA", 4)
    seen = _count_answered(monkeypatch)
    many = m.query_many([corpus[42], corpus[43]], k=5)
    assert seen == {"topn": 1, "exact": 1}
    assert many == [m.query(corpus[42], k=5), m.query(corpus[43], k=5)]
    # Ties go to the lower slot, as in a single query.
    assert [h.id for h in many[0]] == [42, "copy-0", "copy-1", "copy-2", "copy-3"]


def test_certain_top_settles_only_what_the_list_bounds() -> None:
    vals = np.array([9.0, 8.0, 7.0, 5.0, 4.99999, 3.0])
    slots = np.arange(6)
    sure, near = topn.certain_top(slots, vals, 10, 3, 1e-4) or (None, None)
    # A list shorter than asked holds every positive doc: the 3 best are known.
    assert sure is not None and near is not None
    assert sure.tolist() == [True, True, False, False, False, False]
    assert near.tolist() == [False, False, True, False, False, False]
    # The 4th and 5th are within the tolerance of each other: both must be settled exactly.
    sure, near = topn.certain_top(slots, vals, 6, 4, 1e-4) or (None, None)
    assert sure is not None and near is not None
    assert sure.tolist() == [True, True, True, False, False, False]
    assert near.tolist() == [False, False, False, True, True, False]
    # A full list whose last doc is near the boundary cannot tell.
    vals[5] = 4.99998
    assert topn.certain_top(slots, vals, 6, 5, 1e-4) is None
    # As many listed as asked, all of them needed: the next one may tie.
    assert topn.certain_top(slots[:3], vals[:3], 3, 3, 1e-4) is None


def test_exact_scores_are_the_first_pass_bit_for_bit(corpus: list[dict[str, Any]]) -> None:
    from matcher.scoring import accumulate

    m = _fitted(corpus)
    idx = m._index()
    tids, tf = m._query_terms(corpus[100])
    qw = m._query_weighting.weights(tids, tf)
    full = accumulate(idx, tids, qw)
    slots = np.flatnonzero(full)[::7]
    assert (slots >= idx.n_main).any() and (slots < idx.n_main).any()
    q = np.zeros(idx.postings.shape[0])
    q[tids] = qw
    assert np.array_equal(topn.exact_scores(idx, slots, q), full[slots])


def test_a_loaded_snapshot_batch_queries_as_query(
    corpus: list[dict[str, Any]], needs: list[Any], tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A snapshot maps its postings read-only, which sparse_dot_topn's bindings refuse: the
    # nightly rematch after `innomatch reindex` failed on it before the kernel made a copy.
    m = Matcher(**DEFAULT_PARAMS).fit(corpus[:1500])
    m.save(tmp_path / "idx")
    loaded = Matcher.load(tmp_path / "idx")
    seen = _count_answered(monkeypatch)
    many = loaded.query_many(needs[:40], k=10, chunk=16)
    assert seen["topn"] >= 36
    assert many == [loaded.query(need, k=10) for need in needs[:40]]


def test_the_kernel_is_made_once_per_index_state(corpus: list[dict[str, Any]]) -> None:
    m = Matcher(**DEFAULT_PARAMS).fit(corpus[:500])
    idx = m._index()
    first = topn.Kernel.cached(idx)
    assert topn.Kernel.cached(idx) is first
    m.remove([corpus[3]["id"]])  # flips the view's live mask: the kernel is made again
    again = topn.Kernel.cached(m._index())
    assert again is not first
    assert again.main is not None and first.main is not None
    assert again.main.nnz < first.main.nnz
