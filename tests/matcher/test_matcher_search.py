"""``matcher.search``: every doc sharing a term with a typed query, scored without feedback."""

from __future__ import annotations

import pytest

from matcher import Matcher
from matcher.search import search

DOCS = [
    {"id": 1, "title": "PCB焊点AOI检测", "text": "回流焊后焊点虚焊的自动光学检测。"},
    {"id": 2, "title": "AOI光学检测设备", "text": "面向显示面板。"},
    {"id": 3, "title": "固态电池电解质", "text": "硫化物电解质。"},
    {"id": 4, "title": "光学镜头", "text": "光学设计与装调，兼顾检测。"},
]


@pytest.fixture(scope="module")
def index() -> Matcher:
    return Matcher().fit(DOCS)


def test_all_docs_sharing_a_term_best_first_without_feedback(index: Matcher) -> None:
    hits = search(index, "焊点 AOI")
    assert hits.ids == [1, 2]  # feedback would bring in doc 4 through 光学/检测
    assert hits.scores[0] > hits.scores[1] > 0
    assert hits.matched == 2
    assert set(hits.terms) == {"焊点", "aoi"}
    # The same first-pass scores as a query with feedback off.
    plain = Matcher(prf_docs=0).fit(DOCS).query("焊点 AOI", k=10)
    assert [h.id for h in plain] == hits.ids
    assert [round(h.score, 9) for h in plain] == [round(s, 9) for s in hits.scores]


def test_share_and_limit_cut_the_tail(index: Matcher) -> None:
    everything = search(index, "AOI 光学 检测")
    assert everything.ids[:2] == [2, 1] or everything.ids[:2] == [1, 2]
    assert set(everything.ids) == {1, 2, 4}
    best = everything.scores[0]
    cut = search(index, "AOI 光学 检测", min_share=everything.scores[-1] / best + 1e-9)
    assert cut.ids == everything.ids[:-1] and cut.matched == 3
    assert search(index, "AOI 光学 检测", limit=1).ids == everything.ids[:1]


def test_removed_docs_unknown_words_and_punctuation_find_nothing(index: Matcher) -> None:
    m = Matcher().fit(DOCS)
    m.remove([2])
    assert search(m, "AOI").ids == [1]
    m.add([{"id": 5, "title": "AOI检测算法", "text": "缺陷分类。"}])
    assert set(search(m, "AOI").ids) == {1, 5}
    assert search(index, "疫苗").ids == [] and search(index, "！？…").terms == ()


def test_the_dictionary_keeps_solder_defect_words_whole() -> None:
    # Single characters stop scoring (issue 16): 虚焊 must be one word to be searched at all.
    m = Matcher().fit([{"id": 1, "title": "PCB焊点虚焊、连锡检测", "text": "锡膏印刷后的少锡。"}])
    assert set(search(m, "虚焊 连锡 少锡 锡膏").terms) == {"虚焊", "连锡", "少锡", "锡膏"}
