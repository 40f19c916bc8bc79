"""Matcher, the public face: parameters, fit, query (ranking, filters), add and remove."""

from __future__ import annotations

import json
from typing import Any

import pytest

from matcher import DEFAULT_PARAMS, Hit, Matcher, Tokenizer

from .listings import NEEDS, RESULTS


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


def test_params_are_read_from_the_constructor_signature() -> None:
    class Tuned(Matcher):
        def __init__(self, boost: float = 2.0, **params: Any) -> None:
            super().__init__(**params)
            self.boost = boost

    m = Tuned(boost=3.0, k1=1.5)
    # Only the subclass's own signature counts, as in scikit-learn's BaseEstimator.
    assert m.get_params() == {"boost": 3.0}
    assert list(Matcher().get_params()) == list(DEFAULT_PARAMS)
    assert Matcher().set_params(k1=2.0, prf_docs=0).get_params()["k1"] == 2.0
    with pytest.raises(ValueError, match="unknown parameter 'k2'"):
        Matcher().set_params(k2=1.0)


def test_set_params_takes_effect_at_the_next_fit() -> None:
    m = Matcher().fit(RESULTS)
    before = [(h.id, h.score) for h in m.query("固态电池", k=5)]
    m.set_params(prf_docs=0)
    assert [(h.id, h.score) for h in m.query("固态电池", k=5)] == before
    m.fit(RESULTS)
    plain = Matcher(prf_docs=0).fit(RESULTS)
    assert ([(h.id, h.score) for h in m.query("固态电池", k=5)]
            == [(h.id, h.score) for h in plain.query("固态电池", k=5)] != before)


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
    with pytest.raises(TypeError):
        fitted.query("电池", where=["new_energy"])  # type: ignore[arg-type]


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
