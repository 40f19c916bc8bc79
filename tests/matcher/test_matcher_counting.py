"""Counting: field-weighted counts, the vocabulary of a fit, stored-token and parallel fits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matcher import DEFAULT_PARAMS, Matcher, Tokenizer, counting
from matcher.bench import synthetic_corpus, synthetic_queries
from matcher.counting import Vocab, count, count_corpus, count_rows, prune
from matcher.weighting import Vocabulary


def _ranking(m: Matcher, queries: list[Any], k: int = 10) -> list[list[tuple[Any, float]]]:
    return [[(h.id, round(h.score, 4)) for h in m.query(q, k=k)] for q in queries]


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return synthetic_corpus(600, seed=5)


def test_a_count_adds_the_fields_by_weight() -> None:
    terms, counts = count((["电池", "正极", "电池"], ["电池"], ["正极", "涂层"]), (1.0, 2.0, 0.5))
    assert dict(zip(terms, counts, strict=True)) == {"电池": 4.0, "正极": 1.5, "涂层": 0.5}
    # A field weighing 0 adds nothing, not even its terms.
    assert count((["电池"], ["正极"], []), (1.0, 0.0, 2.0)) == (["电池"], [1.0])


def test_rows_count_only_the_fitted_vocabulary() -> None:
    vocab = Vocabulary(np.array(["正极", "电池"]), 1.0)  # sorted: 正极 0, 电池 1
    rows = count_rows([(["电池", "量子"], ["电池"], [])], vocab, (1.0, 2.0, 2.0))
    assert rows.shape == (1, 2) and rows.toarray().tolist() == [[0.0, 3.0]]


def test_the_vocabulary_is_sorted_and_pruned_by_document_frequency() -> None:
    vocab = Vocab()
    ids = np.array([vocab[t] for t in ["乙", "甲", "丙", "甲", "乙", "甲"]], dtype=np.int32)
    assert list(vocab) == ["乙", "甲", "丙"]
    # As if three docs held 乙 and 甲, 甲 and 乙, 甲 and 丙: df 甲 3, 乙 2, 丙 1.
    terms, remap = prune(vocab, ids, 3, min_df=2, max_df=1.0)
    assert terms.tolist() == sorted(["乙", "甲"]) and remap[vocab["丙"]] == -1
    terms, _ = prune(vocab, ids, 3, min_df=1, max_df=2)
    assert "甲" not in terms.tolist()
    terms, _ = prune(vocab, ids, 3, min_df=0.5, max_df=0.9)
    assert terms.tolist() == ["乙"]


def test_term_ids_do_not_depend_on_the_order_of_the_docs(corpus: list[dict[str, Any]]) -> None:
    tok = Tokenizer()
    _, _, terms_a, counts_a = count_corpus(corpus[:50], tok, (1.0, 2.0, 2.0), 1, 1, 1.0)
    ids_b, _, terms_b, counts_b = count_corpus(corpus[:50][::-1], tok, (1.0, 2.0, 2.0), 1, 1, 1.0)
    assert terms_a.tolist() == terms_b.tolist() == sorted(terms_a.tolist())
    assert ids_b[0] == corpus[49]["id"]
    assert (counts_a[::-1] != counts_b).nnz == 0


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
        corpus: list[dict[str, Any]], weights: dict[str, float],
        monkeypatch: pytest.MonkeyPatch) -> None:
    params = {**DEFAULT_PARAMS, **weights}
    raw = Matcher(**params).fit(corpus)
    tokens = raw.tokenize_docs(corpus)
    monkeypatch.setattr(counting, "FIT_CHUNK", 64)  # stored and raw docs share chunks
    mixed = Matcher(**params).fit({**d, "tokens": t} if i % 3 else d
                                  for i, (d, t) in enumerate(zip(corpus, tokens, strict=True)))
    a, b = mixed._index().rows, raw._index().rows
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert mixed.terms_.tolist() == raw.terms_.tolist()


def test_parallel_fit_is_deterministic_and_equal(
        corpus: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    one = Matcher(**DEFAULT_PARAMS).fit(corpus)
    monkeypatch.setattr(counting, "PARALLEL_MIN", 100)  # force the pool on a small corpus
    monkeypatch.setattr(counting, "FIT_CHUNK", 128)
    two = Matcher(**{**DEFAULT_PARAMS, "n_jobs": 2}).fit(iter(corpus))
    queries = synthetic_queries(30, 600, seed=5)
    assert two.terms_.tolist() == one.terms_.tolist()
    assert _ranking(two, queries) == _ranking(one, queries)
    assert np.allclose(two.idf_, one.idf_)
