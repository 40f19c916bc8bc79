"""Matcher: ranking on hand-written needs and results, persistence, add/remove, filters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher
from matcher import DEFAULT_PARAMS, Hit, Matcher, Tokenizer

# Hand-written technology results (科技成果) and needs (技术需求), none from the evaluation data.
RESULTS: list[dict[str, Any]] = [
    {
        "id": "r-battery",
        "title": "高镍三元锂离子电池正极材料",
        "keywords": ["锂离子电池", "正极材料", "高镍三元"],
        "field": "new_energy",
        "text": "本成果提供一种高镍三元正极材料的包覆改性工艺，"
        "通过氧化铝包覆抑制正极与电解液的副反应，"
        "提高锂离子电池的循环寿命和热稳定性，适用于动力电池和储能电池的规模化生产。",
    },
    {
        "id": "r-solid",
        "title": "硫化物固态电解质及全固态电池",
        "keywords": "固态电池;固态电解质",
        "field": "new_energy",
        "text": "开发了高离子电导率的硫化物固态电解质，解决了固态电池界面阻抗大的问题，"
        "全固态电池能量密度高、安全性好，不易起火。",
    },
    {
        "id": "r-vision",
        "title": "基于机器视觉的钢板表面缺陷在线检测系统",
        "keywords": ["机器视觉", "缺陷检测", "深度学习"],
        "field": "advanced_manufacturing",
        "text": "采用工业相机和深度学习算法，"
        "对轧制钢板表面的划痕、裂纹、氧化皮等缺陷进行在线识别与分类，"
        "检测速度快，漏检率低，可与生产线控制系统联动报警。",
    },
    {
        "id": "r-robot",
        "title": "六轴工业机器人精密减速器",
        "keywords": ["工业机器人", "减速器"],
        "field": "advanced_manufacturing",
        "text": "研制了用于工业机器人关节的高精度RV减速器，传动精度高、回差小、寿命长，"
        "可替代进口产品，已在焊接和搬运机器人上应用。",
    },
    {
        "id": "r-sic",
        "title": "碳化硅功率器件及模块封装",
        "keywords": ["碳化硅", "功率器件", "SiC"],
        "field": "electronic_information",
        "text": "掌握SiC MOSFET芯片设计与模块封装工艺，器件耐压1200V，开关损耗低，"
        "适用于新能源汽车电机控制器和光伏逆变器。",
    },
    {
        "id": "r-water",
        "title": "膜生物反应器处理高浓度工业废水",
        "keywords": ["污水处理", "膜生物反应器", "工业废水"],
        "field": "resources_environment",
        "text": "将膜分离与活性污泥法结合处理印染和化工废水，出水化学需氧量和氨氮稳定达标，"
        "占地面积小，污泥产量少，膜污染可通过在线清洗控制。",
    },
    {
        "id": "r-tcm",
        "title": "中药有效成分超临界萃取工艺",
        "keywords": ["中药", "提取工艺", "超临界萃取"],
        "field": "bio_medicine",
        "text": "采用超临界二氧化碳萃取中药材中的挥发油和黄酮类有效成分，提取率高，无有机溶剂残留，"
        "可用于中成药和保健食品生产。",
    },
    {
        "id": "r-uav",
        "title": "植保无人机自主飞行控制系统",
        "keywords": ["无人机", "飞行控制", "植保"],
        "field": "aerospace",
        "text": "研制了多旋翼植保无人机的飞控系统，结合卫星导航和惯性导航实现厘米级定位，"
        "能够按规划航线自主喷洒农药，具备断点续喷和避障功能。",
    },
    {
        "id": "r-5g",
        "title": "5G基站大规模天线阵列",
        "keywords": ["5G", "天线阵列", "波束成形"],
        "field": "electronic_information",
        "text": "设计了面向5G通信的64通道大规模天线阵列与波束成形算法，"
        "提高了基站覆盖范围和频谱效率。",
    },
    {
        "id": "r-crispr",
        "title": "CRISPR-Cas9水稻基因编辑育种",
        "keywords": ["基因编辑", "CRISPR-Cas9", "分子育种"],
        "field": "bio_medicine",
        "text": "利用CRISPR-Cas9技术定点编辑水稻抗病基因，培育出抗稻瘟病的新品系，缩短了育种周期。",
    },
    {
        "id": "r-pm25",
        "title": "PM2.5与挥发性有机物网格化监测",
        "keywords": ["环境监测", "PM2.5", "挥发性有机物"],
        "field": "resources_environment",
        "text": "布设低成本传感器网络，对城市PM2.5、臭氧和挥发性有机物浓度进行网格化实时监测，"
        "结合大数据分析溯源污染来源。",
    },
    {
        "id": 12,
        "title": "钙钛矿太阳能电池稳定性提升",
        "keywords": ["钙钛矿", "太阳能电池", "光伏"],
        "field": "new_energy",
        "text": "通过界面钝化和封装改进，提升钙钛矿太阳能电池在湿热环境下的稳定性，"
        "光电转换效率超过百分之二十。",
    },
]

# A need and the result that clearly answers it.
NEEDS: list[tuple[str, str | int]] = [
    ("我公司生产动力电池，需要提高锂电池正极材料的循环寿命", "r-battery"),
    ("寻求安全性更好、不会起火的固态电池技术", "r-solid"),
    ("钢厂希望用视觉自动检测钢板表面的划痕和裂纹", "r-vision"),
    ("工业机器人关节用的高精度减速器国产替代", "r-robot"),
    ("电机控制器需要耐高压、低损耗的碳化硅器件", "r-sic"),
    ("印染厂废水氨氮超标，寻求污水处理方案", "r-water"),
    ("中药材有效成分提取，不想有溶剂残留", "r-tcm"),
    ("农业合作社需要能自主喷洒农药的无人机", "r-uav"),
    ("提高5G基站覆盖范围的天线技术", "r-5g"),
    ("用基因编辑培育抗病水稻品种", "r-crispr"),
    ("城市空气PM2.5实时监测与污染溯源", "r-pm25"),
    ("提升钙钛矿光伏电池的稳定性", 12),
]


@pytest.fixture(scope="module")
def fitted() -> Matcher:
    return Matcher().fit(RESULTS)


def _ids(hits: list[Hit]) -> list[str | int]:
    return [h.id for h in hits]


def test_init_stores_params_and_does_no_work() -> None:
    m = Matcher(title_weight=3.0, tokenizer={"mode": "default"})
    assert m.title_weight == 3.0
    assert m.get_params()["tokenizer"] == {"mode": "default"}
    assert not hasattr(m, "vocabulary_")
    assert len(m) == 0
    with pytest.raises(RuntimeError):
        m.query("电池")


def test_default_params_are_the_constructor_defaults() -> None:
    assert Matcher().get_params() == {**DEFAULT_PARAMS, "tokenizer": None}
    assert Tokenizer(**DEFAULT_PARAMS["tokenizer"]).get_params() == Tokenizer().get_params()
    json.dumps(DEFAULT_PARAMS)


def test_fit_returns_self_and_learns(fitted: Matcher) -> None:
    assert isinstance(fitted, Matcher)
    assert len(fitted) == len(RESULTS)
    assert "锂离子电池" in fitted.vocabulary_
    assert fitted.idf_.shape == (len(fitted.vocabulary_),)
    assert "r-battery" in fitted and 12 in fitted and "12" not in fitted


@pytest.mark.parametrize(("need", "expected"), NEEDS)
def test_need_finds_its_result_first(fitted: Matcher, need: str, expected: str | int) -> None:
    hits = fitted.query(need, k=3)
    assert hits and hits[0].id == expected


@pytest.mark.parametrize("params", [{}, {"prf_docs": 0}, {"tf": "log", "norm": "l2",
                                                        "idf": "smooth", "query_idf": True}])
def test_rankings_hold_across_weightings(params: dict[str, Any]) -> None:
    m = Matcher(**params).fit(RESULTS)
    correct = sum(1 for need, want in NEEDS if _ids(m.query(need, k=1)) == [want])
    assert correct >= len(NEEDS) - 1


def test_hits_sorted_and_typed(fitted: Matcher) -> None:
    hits = fitted.query("电池", k=20)
    assert 0 < len(hits) <= len(RESULTS)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(h.score, float) and h.score > 0 for h in hits)
    with pytest.raises(AttributeError):
        hits[0].score = 1.0  # type: ignore[misc]


def test_query_without_known_terms_returns_nothing(fitted: Matcher) -> None:
    assert fitted.query("") == []
    assert fitted.query("的了吗") == []
    assert fitted.query("电池", k=0) == []


def test_query_accepts_a_doc(fitted: Matcher) -> None:
    need = {"id": "n1", "title": "固态电池", "text": "需要高安全的电池", "keywords": ["固态电解质"]}
    assert fitted.query(need, k=1)[0].id == "r-solid"


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


def test_exclude_and_where(fitted: Matcher) -> None:
    need = "锂电池正极材料"
    assert fitted.query(need, k=1)[0].id == "r-battery"
    assert "r-battery" not in _ids(fitted.query(need, exclude=["r-battery"]))
    energy = fitted.query("电池", where={"field": "new_energy"})
    assert energy and {h.id for h in energy} <= {"r-battery", "r-solid", 12}
    both = fitted.query("电池 器件", where={"field": ["new_energy", "electronic_information"]})
    assert "r-sic" in _ids(both)
    only = fitted.query("电池", where=lambda i: i == "r-solid")
    assert _ids(only) == ["r-solid"]
    with pytest.raises(ValueError):
        fitted.query("电池", where={"region": "x"})


def test_add_makes_docs_queryable_without_refit() -> None:
    m = Matcher().fit(RESULTS)
    vocab = dict(m.vocabulary_)
    # Every word of the new result is already in the vocabulary.
    m.add([{"id": "r-new", "title": "5G通信无人机", "text": "无人机搭载5G通信天线。"}])
    assert m.vocabulary_ == vocab
    assert len(m) == len(RESULTS) + 1 and "r-new" in m
    assert m.query("5G无人机", k=1)[0].id == "r-new"


def test_add_ignores_unknown_terms_until_refit() -> None:
    m = Matcher().fit(RESULTS)
    m.add([{"id": "r-q", "title": "量子退火", "text": "量子退火求解组合优化"}])
    assert m.query("量子退火") == []
    m.fit([*RESULTS, {"id": "r-q", "title": "量子退火", "text": "量子退火求解组合优化"}])
    assert m.query("量子退火", k=1)[0].id == "r-q"


def test_add_existing_id_replaces_it() -> None:
    m = Matcher().fit(RESULTS)
    m.add([{"id": "r-5g", "title": "中药提取", "text": "中药有效成分提取工艺"}])
    assert len(m) == len(RESULTS)
    assert "r-5g" not in _ids(m.query("5G基站天线阵列"))
    assert "r-5g" in _ids(m.query("中药有效成分提取"))


def test_remove_takes_docs_out_at_once() -> None:
    m = Matcher().fit(RESULTS)
    assert m.query("固态电池", k=1)[0].id == "r-solid"
    assert m.remove(["r-solid", "missing"]) == 1
    assert "r-solid" not in m and len(m) == len(RESULTS) - 1
    assert "r-solid" not in _ids(m.query("固态电池", k=20))
    m.add([next(d for d in RESULTS if d["id"] == "r-solid")])
    assert m.query("固态电池", k=1)[0].id == "r-solid"


def test_remove_most_then_query_compacts() -> None:
    m = Matcher().fit(RESULTS)
    m.remove([d["id"] for d in RESULTS[:-2]])
    assert len(m) == 2
    assert set(_ids(m.query("电池 钙钛矿 基因编辑 水稻", k=10))) <= {RESULTS[-1]["id"],
                                                                   RESULTS[-2]["id"]}
    m.add(RESULTS[:1])
    assert m.query("锂离子电池正极", k=1)[0].id == "r-battery"


def test_save_load_gives_identical_rankings(tmp_path: Path, fitted: Matcher) -> None:
    fitted.save(tmp_path / "idx")
    loaded = Matcher.load(tmp_path / "idx")
    assert loaded.get_params()["title_weight"] == fitted.title_weight
    assert loaded.saved_version_ == matcher.__version__ == Matcher.version
    assert len(loaded) == len(fitted)
    for need, _ in [*NEEDS, ("电池", None), ("检测 系统", None)]:
        a, b = fitted.query(need, k=10), loaded.query(need, k=10)
        assert _ids(a) == _ids(b)
        assert np.allclose([h.score for h in a], [h.score for h in b])
        assert [h.terms for h in a] == [h.terms for h in b]
    assert isinstance(loaded.query("钙钛矿", k=1)[0].id, int)


def test_save_uses_no_pickle(tmp_path: Path, fitted: Matcher) -> None:
    d = fitted.save(tmp_path / "idx")
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"] == matcher.__version__
    assert 12 in meta["ids"] and "r-5g" in meta["ids"]
    with np.load(d / "arrays.npz", allow_pickle=False) as z:
        assert all(z[name].dtype != object for name in z.files)


def test_save_after_add_and_remove(tmp_path: Path) -> None:
    m = Matcher().fit(RESULTS)
    m.remove(["r-uav"])
    patrol = {"id": 99, "title": "无人机巡检", "text": "输电线路无人机巡检", "field": "aerospace"}
    m.add([patrol])
    loaded = Matcher.load(m.save(tmp_path / "idx"))
    assert "r-uav" not in loaded and 99 in loaded
    assert _ids(loaded.query("无人机", where={"field": "aerospace"})) == [99]


def test_custom_tokenizer_needs_passing_at_load(tmp_path: Path) -> None:
    def chars(text: str) -> list[str]:
        return [c for c in text if not c.isspace()]

    m = Matcher(tokenizer=chars).fit(RESULTS)
    m.save(tmp_path / "idx")
    with pytest.raises(ValueError):
        Matcher.load(tmp_path / "idx")
    loaded = Matcher.load(tmp_path / "idx", tokenizer=chars)
    assert _ids(loaded.query("钙钛矿")) == _ids(m.query("钙钛矿"))


def test_invalid_params_and_docs() -> None:
    with pytest.raises(ValueError):
        Matcher(tf="raw").fit(RESULTS)
    with pytest.raises(ValueError):
        Matcher().fit([{"title": "无编号"}])
    with pytest.raises(TypeError):
        Matcher().fit([{"id": 1.5, "text": "x"}])


def test_empty_fit_then_add() -> None:
    m = Matcher().fit([])
    assert len(m) == 0 and m.query("电池") == []


# -- bounded similarity and JSON-ready hits ------------------------------------------------


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
    plain = Matcher(prf_docs=0).fit(RESULTS)
    for need, _ in NEEDS:
        a, b = fitted.query(need, k=5), plain.query(need, k=5)
        # The similarity depends on the query as written, not on pseudo-relevance feedback.
        sa, sb = {h.id: h.similarity for h in a}, {h.id: h.similarity for h in b}
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


# -- the delta segment -------------------------------------------------------------------

QUERIES = [*(need for need, _ in NEEDS), "电池", "检测 系统", "无人机 巡检 视觉", "碳化硅 光伏 逆变器"]


def _answers(m: Matcher) -> list[list[tuple[Any, ...]]]:
    out = []
    for q in QUERIES:
        for kw in ({}, {"where": {"field": "new_energy"}}, {"exclude": ["r-battery", 12]}):
            out.append([(h.id, h.score, h.terms, h.similarity) for h in m.query(q, k=8, **kw)])
    return out


def _delta_and_merged() -> tuple[Matcher, Matcher]:
    ms = []
    for merge in (False, True):
        m = Matcher().fit(RESULTS[:6])
        m.add(RESULTS[6:9])
        m.add([{**RESULTS[1], "text": RESULTS[1]["text"] + "硫化物电解质"}])  # replaces r-solid
        m.remove(["r-vision"])
        m.add(RESULTS[9:])
        if merge:
            m._merge()
        ms.append(m)
    return ms[0], ms[1]


def test_delta_segment_gives_the_same_answers_as_a_merged_index() -> None:
    delta, merged = _delta_and_merged()
    assert delta._d_n == 7 and merged._d_n == 0
    assert len(delta) == len(merged) == len(RESULTS) - 1
    a, b = _answers(delta), _answers(merged)
    assert [[h[0] for h in r] for r in a] == [[h[0] for h in r] for r in b]
    for ra, rb in zip(a, b, strict=True):
        for ha, hb in zip(ra, rb, strict=True):
            assert ha[1] == pytest.approx(hb[1], rel=1e-12)
            assert [t for t, _ in ha[2]] == [t for t, _ in hb[2]]
            assert ha[3] == pytest.approx(hb[3], rel=1e-12)


def test_delta_merges_past_its_limit_and_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Matcher, "DELTA_MIN", 2)
    delta, merged = _delta_and_merged()
    assert delta._d_n <= 2
    assert [[h[0] for h in r] for r in _answers(delta)] == [
        [h[0] for h in r] for r in _answers(merged)
    ]


def test_remove_is_a_mask_flip_seen_by_queries() -> None:
    m = Matcher().fit(RESULTS)
    m.add([{"id": "new", "title": "固态电池电解质", "text": "硫化物固态电解质"}])
    snap = m._index()
    assert m.remove(["r-solid", "new"]) == 2
    assert m._index() is snap  # no rebuild
    assert {"r-solid", "new"}.isdisjoint(_ids(m.query("固态电池 固态电解质", k=20)))


def test_save_load_with_a_delta(tmp_path: Path) -> None:
    delta, merged = _delta_and_merged()
    loaded = Matcher.load(delta.save(tmp_path / "idx"))
    assert loaded._d_n == 0
    assert [[h[0] for h in r] for r in _answers(loaded)] == [
        [h[0] for h in r] for r in _answers(merged)
    ]


def test_sub_words_of_a_query_compound_count_less(tmp_path: Path) -> None:
    # Search mode adds 离子 and 电池 inside 锂离子电池: in the query they are the same evidence
    # as the compound, so they weigh subword_weight times a word; a lone 电池 weighs in full.
    m = Matcher().fit(RESULTS)
    names = m._term_list()
    tids, tf = m._query_terms("锂离子电池")
    w = dict(zip([names[t] for t in tids.tolist()], m._query_weights(tids, tf).tolist(),
                 strict=True))
    assert w["电池"] == pytest.approx(DEFAULT_PARAMS["subword_weight"] * w["锂离子电池"])
    tids, tf = m._query_terms("电池")
    assert m._query_weights(tids, tf).tolist() == [1.0]
    full = Matcher(subword_weight=1.0).fit(RESULTS)
    tids, tf = full._query_terms("锂离子电池")
    assert np.ptp(full._query_weights(tids, tf)) == 0
    # The setting is saved with the index (similarities ignore it: see the tests above).
    loaded = Matcher.load(m.save(tmp_path / "idx"))
    assert loaded.subword_weight == m.subword_weight


@pytest.mark.parametrize("k", [1, 5, 10, 64, 65, 300])
def test_top_k_breaks_ties_by_slot_whatever_the_selection(k: int) -> None:
    rng = np.random.default_rng(7)
    # Few distinct values, so ties straddle the k-th place; zeros are never returned.
    scores = rng.integers(0, 6, size=5000).astype(np.float64) / 4
    expected = sorted(np.flatnonzero(scores > 0).tolist(), key=lambda i: (-scores[i], i))[:k]
    m = Matcher()
    assert m._top(scores, k, None, None) == expected
    mask = rng.random(5000) < 0.5
    masked = sorted(np.flatnonzero((scores > 0) & mask).tolist(),
                    key=lambda i: (-scores[i], i))[:k]
    assert m._top(scores, k, mask, None) == masked
