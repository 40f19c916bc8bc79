"""Stored suggestions: computed on publish, both ways, explained, kept in step with changes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from matcher import Tokenizer
from models import CooperationMode, Field, Match, Need, Result, ResultStatus, User
from webapp import create_app
from webapp.matching.compatibility import compatibility, maturity_part, price_part
from webapp.matching.highlight import highlight

from support import page_text

# Three institutional results on clearly different topics.
RESULTS = [
    dict(title="基于机器视觉的锂离子电池极片缺陷检测系统", field=Field.NEW_ENERGY,
         summary="采用高速线阵相机采集极片涂布图像，深度学习模型识别针孔、划痕、漏涂等缺陷，"
                 "检测速度 80m/min，适用于锂离子电池涂布产线在线检测。",
         keywords="机器视觉,极片,缺陷检测"),
    dict(title="单克隆抗体药物连续流纯化工艺", field=Field.BIO_MEDICINE,
         summary="以多柱连续层析替代批次纯化，抗体收率提高 15%，宿主蛋白残留低于 10ppm，"
                 "适用于单克隆抗体药物的中试与商业化生产。",
         keywords="单克隆抗体,层析,纯化"),
    dict(title="城市污水厂污泥低温干化成套装备", field=Field.RESOURCES_ENVIRONMENT,
         summary="利用热泵回收余热将污泥含水率由 80% 降至 30% 以下，能耗比传统热干化降低 40%，"
                 "适用于城市污水处理厂污泥减量。",
         keywords="污泥干化,热泵,污水处理"),
]

NEED_FORM = {
    "title": "动力电池极片涂布缺陷在线检测", "field": "new_energy",
    "problem": "涂布速度提高后人工抽检无法发现极片针孔和划痕，需要机器视觉在线检测缺陷。",
    "indicators": "检测速度不低于 60m/min，漏检率<0.1%", "keywords": "极片,缺陷检测,机器视觉",
    "budget_min": "50", "budget_max": "100", "modes": ["license", "joint_development"],
    "province": "上海市", "action": "publish",
}


@pytest.fixture
def results(institution_user: User, make_result: Callable[..., Result]) -> list[Result]:
    """The three published results."""
    return [make_result(institution_user, **fields) for fields in RESULTS]


def _published_need(client: FlaskClient, db: Session, **change: object) -> Need:
    response = client.post("/needs/new", data={**NEED_FORM, **change})
    assert response.status_code == 302
    need = db.scalar(select(Need).order_by(Need.id.desc()))
    assert need is not None
    return need


def test_publishing_a_need_stores_ranked_suggestions(
        as_enterprise: FlaskClient, db: Session, results: list[Result]) -> None:
    need = _published_need(as_enterprise, db)
    matches = db.scalars(select(Match).where(Match.need_id == need.id)
                         .order_by(Match.score.desc())).all()
    assert matches and matches[0].result_id == results[0].id
    top = matches[0]
    assert top.matcher_version
    # The score is the matcher's strength; the compatibility parts are each in [0, 1].
    assert top.score == pytest.approx(top.parts["strength"], abs=1e-4)
    assert 0 < top.text_score <= 1 and top.text_score == pytest.approx(top.parts["coverage"])
    assert {"compatibility", "field", "modes", "maturity", "price", "region"} <= set(top.parts)
    assert any(term in ("极片", "缺陷检测", "机器视觉", "缺陷") for term, _ in top.shared_terms)
    # Unrelated results are never ranked above the related one.
    assert all(m.score <= top.score for m in matches)
    page = page_text(as_enterprise.get(f"/needs/{need.id}"))
    assert "推荐成果" in page and results[0].title in page


def test_drafts_get_no_suggestions(as_enterprise: FlaskClient, db: Session,
                                   results: list[Result]) -> None:
    need = _published_need(as_enterprise, db, action="draft")
    assert db.scalars(select(Match).where(Match.need_id == need.id)).all() == []


def test_publishing_a_result_finds_open_needs(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        results: list[Result]) -> None:
    need = _published_need(as_enterprise, db)
    response = as_institution.post("/results/new", data={
        "title": "极片表面缺陷视觉检测算法", "field": "new_energy",
        "summary": "针对锂离子电池极片涂布的针孔、划痕缺陷，提出多尺度机器视觉检测算法，可部署于产线工控机。",
        "keywords": "机器视觉,极片", "form": "software", "trl": "5", "modes": ["license"],
        "province": "上海市", "action": "publish"})
    assert response.status_code == 302
    result = db.scalar(select(Result).order_by(Result.id.desc()))
    assert result is not None
    rows = db.scalars(select(Match).where(Match.result_id == result.id)).all()
    assert [m.need_id for m in rows] == [need.id]
    assert "匹配需求" in page_text(as_institution.get(f"/results/{result.id}"))
    assert need.title in page_text(as_institution.get(f"/results/{result.id}"))


def test_explanation_page_highlights_shared_terms(
        as_enterprise: FlaskClient, client: FlaskClient, db: Session,
        results: list[Result]) -> None:
    need = _published_need(as_enterprise, db)
    response = client.get(f"/needs/{need.id}/matches/{results[0].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<mark>" in html and "匹配说明" in html
    assert "需求宜用 TRL ≥" in page_text(response)
    assert client.get(f"/needs/{need.id}/matches/999").status_code == 404


def test_withdrawing_a_result_removes_its_suggestions(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        results: list[Result]) -> None:
    need = _published_need(as_enterprise, db)
    assert db.scalars(select(Match).where(Match.result_id == results[0].id)).all()
    assert results[0].title in page_text(as_enterprise.get(f"/needs/{need.id}"))
    assert as_institution.post(f"/results/{results[0].id}/withdraw").status_code == 302
    assert db.scalars(select(Match).where(Match.result_id == results[0].id)).all() == []
    assert results[0].title not in page_text(as_enterprise.get(f"/needs/{need.id}"))


def test_editing_a_need_rematches(as_enterprise: FlaskClient, db: Session,
                                  results: list[Result]) -> None:
    need = _published_need(as_enterprise, db)
    as_enterprise.post(f"/needs/{need.id}/edit", data={
        **NEED_FORM, "title": "污水处理厂污泥干化减量", "field": "resources_environment",
        "problem": "污泥含水率高、外运处置费用高，希望采用热泵低温干化降低污泥含水率和能耗。",
        "keywords": "污泥干化,热泵", "indicators": ""})
    top = db.scalars(select(Match).where(Match.need_id == need.id)
                     .order_by(Match.score.desc())).first()
    assert top is not None and top.result_id == results[2].id


def test_publishing_stores_the_tokens_that_workers_then_reuse(
        app: Flask, as_enterprise: FlaskClient, db: Session, results: list[Result],
        enterprise_user: User, make_need: Callable[..., Need],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.db import get_session
    from webapp.matching.services import engine

    # Another worker has built its needs index (knowing these terms) before the need exists.
    make_need(enterprise_user, title="极片缺陷机器视觉检测", problem="涂布极片缺陷需要在线检测。")
    other_worker = create_app({**app.config})
    with other_worker.test_request_context():
        assert len(engine().needs_index(get_session())) == 1
    need = _published_need(as_enterprise, db)
    db.refresh(need)
    tokens = need.tokens
    assert tokens is not None and tokens["sig"] and tokens["hash"]
    assert "机器视觉" in tokens["keywords"] and tokens["title"]
    # With the whole words that explain its suggestions (read by the nightly rematch).
    assert "机器视觉" in tokens["words"]["terms"] and tokens["words"]["key"]
    # Catching up, that worker adds the need from its stored tokens, never tokenising it.
    monkeypatch.setattr(Tokenizer, "__call__", _refuse_to_tokenise(need.title))
    with other_worker.test_request_context():
        index = engine().needs_index(get_session())
        assert need.id in index
        assert need.id in {h.id for h in index.query("极片缺陷机器视觉检测")}
    other_worker.extensions["db_engine"].dispose()
    monkeypatch.undo()
    # An edit leaving the matched text alone keeps the tokens; a new title replaces them.
    as_enterprise.post(f"/needs/{need.id}/edit", data={**NEED_FORM, "budget_max": "110"})
    db.refresh(need)
    assert need.tokens is not None and need.tokens["hash"] == tokens["hash"]
    as_enterprise.post(f"/needs/{need.id}/edit", data={**NEED_FORM, "title": "极片涂布针孔在线检测"})
    db.refresh(need)
    assert need.tokens is not None and need.tokens["hash"] != tokens["hash"]


def test_storing_tokens_alone_keeps_the_change_stamp(
        app: Flask, db: Session, enterprise_user: User,
        make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)  # saved without tokens, as before they were stored
    stamp = need.updated_at
    with app.test_request_context():
        from webapp.db import get_session
        from webapp.matching.services import engine

        session = get_session()
        same = session.get(Need, need.id)
        assert same is not None
        assert engine().store_tokens(same) is True
        assert same not in session.dirty
        session.commit()
        assert engine().store_tokens(same) is False  # valid now: nothing to do
        # Tokens stored before words were: the words are added, the tokens kept.
        assert same.tokens is not None
        before = {k: v for k, v in same.tokens.items() if k != "words"}
        table: Any = Need.__table__
        session.execute(update(table).where(table.c.id == same.id)
                        .values(tokens=before, updated_at=table.c.updated_at))
        session.commit()
        session.expire(same)
        assert engine().store_tokens(same) is True
        assert same.tokens is not None and same.tokens["words"]["terms"]
        assert {k: v for k, v in same.tokens.items() if k != "words"} == before
        session.commit()
    db.expire_all()
    fresh = db.get(Need, need.id)
    assert fresh is not None and fresh.tokens is not None
    assert fresh.updated_at == stamp


def _refuse_to_tokenise(title: str) -> Callable[..., list[str]]:
    original = Tokenizer.__call__

    def tokenise(self: Tokenizer, text: str) -> list[str]:
        assert text != title, "a stored need was tokenised again"
        return original(self, text)

    return tokenise


def test_closing_a_need_removes_its_suggestions(as_enterprise: FlaskClient, db: Session,
                                                results: list[Result]) -> None:
    need = _published_need(as_enterprise, db)
    assert db.scalars(select(Match).where(Match.need_id == need.id)).all()
    assert as_enterprise.post(f"/needs/{need.id}/close").status_code == 302
    assert db.scalars(select(Match).where(Match.need_id == need.id)).all() == []


def test_a_second_worker_sees_listings_published_through_the_first(
        app: Flask, as_enterprise: FlaskClient, db: Session, results: list[Result],
        institution_user: User, make_result: Callable[..., Result]) -> None:
    other_worker = create_app({**app.config})
    # The other worker has built its index before the new result exists.
    with other_worker.test_request_context():
        from webapp.db import get_session
        from webapp.matching.services import engine
        assert len(engine().results_index(get_session())) == 3
    late = make_result(institution_user, title="极片涂布缺陷在线视觉检测装置",
                       summary="面向锂离子电池极片的针孔划痕缺陷，在线机器视觉检测装置。",
                       field=Field.NEW_ENERGY, keywords="极片,机器视觉")
    with other_worker.test_request_context():
        from webapp.db import get_session
        from webapp.matching.services import engine
        index = engine().results_index(get_session())
        assert late.id in index
        late.status = ResultStatus.WITHDRAWN
        db.commit()
        assert late.id not in engine().results_index(get_session())
    other_worker.extensions["db_engine"].dispose()


def test_near_duplicate_need_is_flagged(as_enterprise: FlaskClient, db: Session,
                                        results: list[Result]) -> None:
    _published_need(as_enterprise, db)
    response = as_enterprise.post("/needs/new", data=NEED_FORM, follow_redirects=True)
    assert "内容高度相似" in page_text(response)


def test_own_results_are_not_suggested(as_operator: FlaskClient, db: Session,
                                       operator_user: User, enterprise_user: User,
                                       make_result: Callable[..., Result],
                                       make_need: Callable[..., Need]) -> None:
    from webapp.matching.services import suggest_results

    result = make_result(operator_user, **RESULTS[0])
    need = make_need(operator_user, title="极片缺陷机器视觉检测", problem="极片针孔划痕缺陷检测")
    others = make_need(enterprise_user, title="极片缺陷机器视觉检测", problem="极片针孔划痕缺陷检测")
    with as_operator.application.test_request_context():
        assert suggest_results(db, need) == []
        # Positive control: the same need of another organisation is offered the result.
        assert [s.other_id for s in suggest_results(db, others)] == [result.id]


def test_compatibility_parts() -> None:
    need = Need(field=Field.NEW_ENERGY, province="上海市", budget_min_wan=Decimal(10),
                budget_max_wan=Decimal(100))
    need.modes = [CooperationMode.TRANSFER]
    result = Result(field=Field.NEW_ENERGY, province="江苏省", trl=3, price_wan=Decimal(200))
    result.modes = [CooperationMode.TRANSFER, CooperationMode.LICENSE]
    assert maturity_part(need, result) == pytest.approx(0.5)  # transfer wants TRL ≥ 6
    assert price_part(need, result) == pytest.approx(0.5)
    result.price_wan = None
    assert price_part(need, result) == 0.5
    mean, parts = compatibility(need, result, {"field": 0.1, "modes": 0.1, "maturity": 0.1,
                                               "region": 0.1})
    assert parts == {"field": 1.0, "modes": 1.0, "maturity": pytest.approx(0.5), "price": 0.5,
                     "region": 0.0}
    # The weighted mean of the weighted parts (price unweighted here).
    assert mean == pytest.approx((1.0 + 1.0 + 0.5 + 0.0) / 4)


def test_highlight_escapes_before_marking() -> None:
    out = highlight("<b>锂离子电池</b> & 机器视觉", ["锂离子电池", "<b>"])
    assert str(out) == "<mark>&lt;b&gt;</mark><mark>锂离子电池</mark>&lt;/b&gt; &amp; 机器视觉"
    assert str(highlight("Li-ion 电池", ["li-ion"])) == "<mark>Li-ion</mark> 电池"


def test_highlighter_keeps_entities_whole() -> None:
    # Terms that are also the names of entities (lt, amp, quot, 34) never split one.
    out = str(highlight('a<b & "lt" 34 amp', ["lt", "amp", "quot", "34", "b"]))
    assert out == ('a&lt;<mark>b</mark> &amp; &#34;<mark>lt</mark>&#34; <mark>34</mark> '
                   '<mark>amp</mark>')
    assert "&<mark>" not in out and "</mark>;" not in out


def test_highlighter_marks_every_form_of_an_english_word() -> None:
    out = str(highlight("Coatings and a coating; coat-hangers", ["coating"]))
    assert out.count("<mark>") == 2 and "<mark>Coatings</mark>" in out


def test_explaining_terms_fold_fragments_into_whole_words_both_listings_use() -> None:
    from matcher import Tokenizer
    from webapp.matching.explanation import Words, split_terms

    tok = Tokenizer(mode="default", phrases=False)
    need = Words.of(["碳化硅 PVT 法长晶，希望降低微管密度"], tok)
    result = Words.of(["采用 PVT 法生长碳化硅单晶，微管密度低"], tok)
    terms = [("化硅", 0.07), ("碳化硅", 0.07), ("pvt", 0.05), ("碳化", 0.04), ("法", 0.04),
             ("外延", 0.03)]
    shared, related = split_terms(terms, need, result)
    assert shared[:2] == [("碳化硅", 0.18), ("pvt", 0.05)]
    assert "微管密度" in [t for t, _ in shared]  # both use it, though the hit did not list it
    assert related == ["外延"]  # a feedback term neither listing uses: apart, not "shared"


def test_high_new_suggestion_notifies_the_other_side(
        app: Flask, as_enterprise: FlaskClient, db: Session, results: list[Result],
        institution_user: User, enterprise_user: User) -> None:
    from models.notification import Notification, NotificationKind

    need = _published_need(as_enterprise, db)
    notes = db.scalars(select(Notification).where(
        Notification.kind == NotificationKind.SUGGESTION)).all()
    assert [n.user_id for n in notes] == [institution_user.id]
    assert need.title in notes[0].title
    # Re-matching the same pairs tells nobody again.
    as_enterprise.post(f"/needs/{need.id}/edit", data=NEED_FORM)
    assert len(db.scalars(select(Notification)).all()) == 1
    assert enterprise_user.id not in {n.user_id for n in notes}
