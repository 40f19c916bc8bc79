"""Weighting: idf, saturation, phrases, and query weights with sub-words weighed less."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matcher import DEFAULT_PARAMS, Matcher
from matcher.bench import synthetic_corpus, synthetic_queries
from matcher.weighting import DocWeighting, Vocabulary, idf_of

from .listings import RESULTS


@pytest.fixture(scope="module")
def fitted() -> Matcher:
    return Matcher(**DEFAULT_PARAMS).fit(synthetic_corpus(1200, seed=3))


def test_idf_kinds() -> None:
    df = np.array([1.0, 5.0, 10.0])
    assert idf_of(df, 10, "bm25").tolist() == pytest.approx(
        [math.log(1 + (10 - d + 0.5) / (d + 0.5)) for d in df.tolist()])
    assert idf_of(df, 10, "smooth").tolist() == pytest.approx(
        [math.log(11 / (1 + d)) + 1 for d in df.tolist()])


def test_bm25_saturation_and_length_norm() -> None:
    w = DocWeighting("bm25", 1.2, 0.75, 4.0, np.array([1.0, 2.0]), None)
    counts = sp.csr_matrix(np.array([[1.0, 3.0], [0.0, 4.0]]))
    sat = w.saturate(counts)
    for (row, col), tf in np.ndenumerate(counts.toarray()):
        if tf:
            norm = 1.2 * (1 - 0.75 + 0.75 * counts[row].sum() / 4.0)
            assert sat[row, col] == pytest.approx(tf * 2.2 / (tf + norm), rel=1e-6)
    assert counts[0, 1] == 3.0  # not in place unless asked
    saturated = sat.toarray()
    weighed = w.weigh(sat).toarray()  # in place
    np.testing.assert_allclose(weighed, saturated * [1.0, 2.0], rtol=1e-6)


def test_cosine_tfidf_rows_are_unit_length() -> None:
    w = DocWeighting("log", 1.2, 0.75, 1.0, np.array([1.0, 2.0, 3.0]), "l2")
    counts = sp.csr_matrix(np.array([[1.0, 0.0, 5.0], [0.0, 0.0, 0.0], [0.5, 2.0, 0.0]]))
    rows = w.weigh(w.saturate(counts)).toarray()
    assert np.linalg.norm(rows, axis=1) == pytest.approx([1.0, 0.0, 1.0], rel=1e-6)
    assert rows[2, 0] / rows[2, 1] == pytest.approx(0.5 * 1.0 / ((1 + math.log(2)) * 2.0), rel=1e-6)


def test_phrases_count_phrase_weight() -> None:
    vocab = Vocabulary(np.array(["正极材料 循环寿命", "电池"]), 0.5)
    counts = vocab.count_phrases(sp.csr_matrix(np.array([[2.0, 2.0]], dtype=np.float32)))
    assert counts.toarray().tolist() == [[1.0, 2.0]]
    assert Vocabulary(np.array(["电池"]), 1.0).phrase_factor is None
    m = Matcher().fit(RESULTS)
    tids, tf = m._query_terms("正极材料循环寿命")
    names = m._vocab.names()
    phrases = [c for t, c in zip(tids.tolist(), tf.tolist(), strict=True) if " " in names[t]]
    assert phrases and all(c == 0.5 for c in phrases)


def test_sub_words_of_a_query_compound_count_less(tmp_path: Path) -> None:
    # Search mode adds 离子 and 电池 inside 锂离子电池: in the query they are the same evidence
    # as the compound, so they weigh subword_weight times a word; a lone 电池 weighs in full.
    m = Matcher().fit(RESULTS)
    names = m._vocab.names()
    tids, tf = m._query_terms("锂离子电池")
    w = dict(zip([names[t] for t in tids.tolist()],
                 m._query_weighting.weights(tids, tf).tolist(), strict=True))
    assert w["电池"] == pytest.approx(DEFAULT_PARAMS["subword_weight"] * w["锂离子电池"])
    tids, tf = m._query_terms("电池")
    assert m._query_weighting.weights(tids, tf).tolist() == [1.0]
    full = Matcher(subword_weight=1.0).fit(RESULTS)
    tids, tf = full._query_terms("锂离子电池")
    assert np.ptp(full._query_weighting.weights(tids, tf)) == 0
    # The setting is saved with the index (similarities ignore it: see test_matcher_explanation).
    loaded = Matcher.load(m.save(tmp_path / "idx"))
    assert loaded.subword_weight == m.subword_weight


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
        assert fitted._vocab.subwords_of(tids) == want
        seen += len(want)
    assert seen > 0  # the queries do hold compounds and their sub-words


def test_refit_forgets_cached_subwords() -> None:
    m = Matcher().fit([{"id": 1, "title": "锂离子电池", "text": "锂离子电池 正极"}])
    tids = m._query_terms("锂离子电池")[0].tolist()
    assert m._vocab.subwords_of(tids)
    m.fit([{"id": 2, "title": "电池", "text": "铅酸 电池"}])
    assert m._vocab.subterms == {}
    assert m._vocab.subwords_of(m._query_terms("锂离子电池")[0].tolist()) == set()


def test_query_weights_are_unit_length() -> None:
    for params in ({}, {"query_idf": True}):
        m = Matcher(**{**DEFAULT_PARAMS, **params}).fit(RESULTS)
        for text in ["锂离子电池正极材料", "固态电池 固态电池 电解质"]:
            tids, tf = m._query_terms(text)
            assert float(np.linalg.norm(m._query_weighting.weights(tids, tf))) == pytest.approx(1.0)
