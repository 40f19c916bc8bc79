"""Explanations: each hit's terms and shares, its bounded similarity, lazy and exact.

``data/hits_before_lazy.json`` holds, for a set of queries over the shared listings, the hits
(id, score, terms, similarity) that the library gave before ``Hit.terms`` and
``Hit.similarity`` became lazy and the feedback query was reworked (JSON keeps floats
exactly). The floats are compared to 1e-12 relative only so that a platform summing a dot
product in another order does not fail here; on the machine that wrote the file they are
bit-identical (also checked on all csl-title and csl-topic dev queries).
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher import Hit, Matcher

from .listings import NEEDS, RESULTS

#: The settings the golden hits were written with: the tokenizer kept single characters and
#: knew no English, and feedback read the first hits however weak.
AS_WRITTEN: dict[str, Any] = {
    "tokenizer": {"char_freq_max": None, "english": False}, "prf_min_coverage": 0.0}


@pytest.fixture(scope="module")
def fitted() -> Matcher:
    return Matcher(**AS_WRITTEN).fit(RESULTS)


GOLDEN = Path(__file__).with_name("data") / "hits_before_lazy.json"


def golden_hits() -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return out


def same_hits(hits: list[Hit], want: list[list[Any]]) -> None:
    assert [h.id for h in hits] == [w[0] for w in want]
    assert [h.score for h in hits] == pytest.approx([w[1] for w in want], rel=1e-12, abs=0)
    for h, w in zip(hits, want, strict=True):
        assert [t for t, _ in h.terms] == [t for t, _ in w[2]]
        assert [s for _, s in h.terms] == pytest.approx([s for _, s in w[2]], rel=1e-12)
        assert h.similarity == pytest.approx(w[3], rel=1e-12, abs=1e-15)


def test_hits_match_the_eager_version(fitted: Matcher) -> None:
    golden = golden_hits()
    assert len(golden) >= 10
    for q, want in golden.items():
        same_hits(fitted.query(q, k=8), want)


def test_similarity_first_or_terms_first_give_the_same(fitted: Matcher) -> None:
    for q, want in golden_hits().items():
        hits = fitted.query(q, k=8)
        # Read in a different order: the last hit's similarity first.
        if hits:
            assert hits[-1].similarity == pytest.approx(want[-1][3], rel=1e-12, abs=1e-15)
        same_hits(hits, want)


def test_lazy_hits_are_immutable_comparable_and_picklable(fitted: Matcher) -> None:
    hits = fitted.query("锂离子电池 固态电池 正极材料", k=5)
    h = hits[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.score = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        h.terms = ()  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(hits))  # noqa: S301 - our own bytes
    assert back == hits and [b.terms for b in back] == [x.terms for x in hits]
    again = fitted.query("锂离子电池 固态电池 正极材料", k=5)
    assert again == hits and hash(again[0]) == hash(hits[0])
    assert repr(h).startswith(f"Hit(id={h.id!r}, score=")
    plain = Hit(id=1, score=1.0)
    assert plain.terms == () and plain.similarity == 0.0
    assert Hit(1, 2.0, (("a", 1.0),), 0.5) == Hit(id=1, score=2.0, terms=(("a", 1.0),),
                                                  similarity=0.5)


def test_lazy_hits_survive_a_refit(fitted: Matcher) -> None:
    m = Matcher(**AS_WRITTEN).fit(RESULTS)
    q, want = next(iter(golden_hits().items()))
    hits = m.query(q, k=8)
    m.fit(RESULTS[:3])  # a new vocabulary: the hits keep the snapshot they were made from
    same_hits(hits, want)


def test_explanations_share_terms_and_sum_to_one() -> None:
    m = Matcher(explain_terms=100).fit(RESULTS)
    need = "钢厂希望用机器视觉自动检测钢板表面的划痕"
    q_terms = set(m.tokenizer_(need))
    hit = m.query(need, k=1)[0]
    assert hit.id == "r-vision"
    assert sum(share for _, share in hit.terms) == pytest.approx(1.0)
    doc = next(d for d in RESULTS if d["id"] == "r-vision")
    doc_terms = set(m.tokenizer_(doc["title"] + doc["text"]))
    top_term, top_share = hit.terms[0]
    assert top_term in q_terms and top_term in doc_terms
    assert top_share == max(s for _, s in hit.terms)


def test_explanations_list_a_few_terms(fitted: Matcher) -> None:
    hit = fitted.query("提高锂离子电池正极材料循环寿命", k=1)[0]
    assert 1 <= len(hit.terms) <= fitted.explain_terms
    assert sum(s for _, s in hit.terms) <= 1.0 + 1e-9
    assert all(isinstance(t, str) and 0 < s <= 1 for t, s in hit.terms)


def test_similarity_of_the_same_text_is_one(fitted: Matcher) -> None:
    for doc in RESULTS:
        hits = fitted.query(doc, k=len(RESULTS))
        same = next(h for h in hits if h.id == doc["id"])
        assert same.similarity >= 0.99
        assert all(0.0 <= h.similarity <= 1.0 for h in hits)
    text = RESULTS[0]["text"]
    m = Matcher().fit([*RESULTS, {"id": "plain", "title": "", "text": text}])
    assert m.query(text, k=20)[0].similarity >= 0.99


def test_similarity_orders_paraphrase_above_unrelated() -> None:
    docs = [
        {"id": "a", "title": "锂离子电池正极材料包覆改性", "text": "提高锂离子电池循环寿命和热稳定性"},
        {"id": "b", "title": "水稻基因编辑育种", "text": "培育抗稻瘟病水稻新品系"},
        {"id": "c", "title": "钢板表面缺陷视觉检测", "text": "工业相机在线识别钢板划痕"},
    ]
    m = Matcher(prf_docs=0).fit(docs)
    para = m.query("需要改善锂电池正极材料的循环寿命", k=3)
    assert para[0].id == "a" and 0.1 < para[0].similarity < 0.99
    # A doc sharing no term with the query is never returned; one sharing only a weak term
    # scores far below the paraphrase.
    mixed = {h.id: h.similarity for h in m.query("正极材料循环寿命 视觉", k=3)}
    assert mixed["a"] > mixed["c"] > 0.0
    assert m.query("量子通信卫星", k=3) == []


def test_similarity_is_zero_for_docs_found_only_through_feedback(fitted: Matcher) -> None:
    hits = fitted.query("钢厂希望用视觉自动检测钢板表面的划痕和裂纹", k=5)
    assert hits[0].id == "r-vision" and hits[0].similarity > 0.3
    # The others share no term with the need, only with the feedback from r-vision.
    assert [h.similarity for h in hits[1:]].count(0.0) >= 2


def test_similarity_ignores_feedback_and_ranking_is_by_score(fitted: Matcher) -> None:
    plain = Matcher(**{**AS_WRITTEN, "prf_docs": 0}).fit(RESULTS)
    for need, _ in NEEDS:
        a, b = fitted.query(need, k=5), plain.query(need, k=5)
        # The similarity depends on the query as written, not on pseudo-relevance feedback.
        sa, sb = {h.id: h.similarity for h in a}, {h.id: h.similarity for h in b}
        assert sa.keys() & sb.keys(), need
        for doc_id in sa.keys() & sb.keys():
            assert sa[doc_id] == pytest.approx(sb[doc_id])
        scores = [h.score for h in a]
        assert scores == sorted(scores, reverse=True)


def test_similarity_with_cosine_tfidf_params() -> None:
    m = Matcher(tf="log", norm="l2", idf="smooth", query_idf=True).fit(RESULTS)
    hit = next(h for h in m.query(RESULTS[3], k=5) if h.id == RESULTS[3]["id"])
    assert hit.similarity >= 0.99


def test_hits_are_plain_python_and_json_ready() -> None:
    docs = [
        {**RESULTS[0], "id": np.int64(7)},
        {**RESULTS[1], "id": np.str_("solid")},
        *RESULTS[2:],
    ]
    m = Matcher().fit(docs)
    hits = m.query("锂离子电池 固态电池 正极材料", k=5)
    assert {h.id for h in hits} >= {7, "solid"}
    for h in hits:
        assert type(h.id) in (int, str)
        assert type(h.score) is float and type(h.similarity) is float
        for term, share in h.terms:
            assert type(term) is str and type(share) is float
    json.dumps([{"id": h.id, "score": h.score, "similarity": h.similarity,
                 "terms": h.terms} for h in hits])
    assert Hit(id=1, score=1.0).similarity == 0.0
