"""Bookmarks (收藏), saved searches and their alerts: the new listing a saved search finds (and
only what its list would show), a solution to a bookmarked need, the digest's frequency, the
lists sorted as the URL says, and what others may not touch."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    AlertSetting,
    Bookmark,
    DigestFrequency,
    Field,
    Need,
    NeedStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
    PendingAlert,
    Result,
    ResultStatus,
    SavedSearch,
    User,
    utcnow,
)
from tests.support import login, page_text
from webapp.saved.services import send_digests

RESULT_FORM = {"title": "固态锂电池硫化物电解质规模化制备", "field": "new_energy", "form": "process",
               "trl": "6", "summary": "硫化物固态电解质的空气稳定性改性与公斤级制备工艺。",
               "province": "上海市", "modes": ["license"], "keywords": "固态电池,电解质"}


def save(client: FlaskClient, kind: str, args: dict[str, str], name: str = "") -> Any:
    """Save a list's search as its page's button does."""
    return client.post("/saved/searches", data={"kind": kind, "params": urlencode(args),
                                                "name": name})


def publish_result(client: FlaskClient, **changes: Any) -> Any:
    response = client.post("/results/new", data={**RESULT_FORM, **changes, "action": "publish"})
    assert response.status_code == 302, page_text(response)
    return response


def alerts_of(db: Session, user: User) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == NotificationKind.ALERT)))


def test_a_saved_search_alerts_on_a_new_listing_it_finds(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        enterprise_user: User) -> None:
    response = save(as_enterprise, "results", {"q": "固态电解质", "field": "new_energy",
                                               "page": "3", "mine": "1"}, "固态电池")
    assert response.status_code == 302
    saved = db.scalars(select(SavedSearch)).one()
    assert saved.name == "固态电池"
    assert parse_qsl(saved.params) == [("q", "固态电解质"), ("field", "new_energy")]
    publish_result(as_institution)
    notes = alerts_of(db, enterprise_user)
    assert len(notes) == 1
    assert "固态电池" in notes[0].title and RESULT_FORM["title"] in notes[0].title
    assert re.fullmatch(r"/results/\d+", notes[0].link)
    # In the bell's list, in the reader's language.
    assert RESULT_FORM["title"] in page_text(as_enterprise.get("/notifications"))
    english = page_text(as_enterprise.get("/notifications?lang=en"))
    assert "Saved search" in english or "saved search" in english


@pytest.mark.parametrize("changes", [
    {"title": "高通量基因测序样本制备装置",
     "summary": "基于微流控芯片的高通量测序样本前处理与文库自动化制备。",
     "keywords": "基因测序", "field": "bio_medicine"},  # not the query's words
    {"field": "bio_medicine"},  # the query's words, another field than the search's filter
    {"action": "draft"},  # not published
])
def test_a_saved_search_stays_silent_on_what_its_list_would_not_show(
        changes: dict[str, str], as_enterprise: FlaskClient, as_institution: FlaskClient,
        db: Session, enterprise_user: User) -> None:
    save(as_enterprise, "results", {"q": "固态电解质", "field": "new_energy"})
    data = {**RESULT_FORM, "action": "publish", **changes}
    assert as_institution.post("/results/new", data=data).status_code == 302
    assert alerts_of(db, enterprise_user) == []


def test_alerts_can_be_switched_off_and_searches_deleted(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        enterprise_user: User, other_enterprise_user: User) -> None:
    save(as_enterprise, "results", {"q": "固态电解质"})
    saved = db.scalars(select(SavedSearch)).one()
    stranger = login(as_institution.application.test_client(), other_enterprise_user)
    assert stranger.post(f"/saved/searches/{saved.id}/delete").status_code == 404
    as_enterprise.post(f"/saved/searches/{saved.id}/alerts")
    publish_result(as_institution)
    assert alerts_of(db, enterprise_user) == []
    as_enterprise.post(f"/saved/searches/{saved.id}/delete")
    db.expire_all()
    assert db.scalars(select(SavedSearch)).all() == []


def test_saving_one_search_twice_keeps_one_and_one_alert(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        enterprise_user: User) -> None:
    save(as_enterprise, "results", {"q": "固态电解质"})
    save(as_enterprise, "results", {"q": "固态电解质"})
    save(as_enterprise, "results", {"q": "电解质"})  # another search finding the same listing
    assert len(db.scalars(select(SavedSearch)).all()) == 2
    publish_result(as_institution)
    assert len(alerts_of(db, enterprise_user)) == 1


def test_a_bad_saved_search_is_refused_without_a_500(as_enterprise: FlaskClient,
                                                     client: FlaskClient) -> None:
    assert as_enterprise.post("/saved/searches", data={"kind": "dockings"}).status_code == 400
    assert client.post("/saved/searches", data={"kind": "needs"}).status_code in (302, 401)


def test_a_bookmarked_need_alerts_when_it_receives_a_solution(
        app: Flask, as_institution: FlaskClient, db: Session, enterprise_user: User,
        make_need: Callable[..., Need], make_user: Callable[..., User],
        institution_user: User) -> None:
    need = make_need(enterprise_user)
    watcher = make_user()  # another enterprise watching the need
    as_watcher = login(app.test_client(), watcher)
    assert as_watcher.post(f"/bookmarks/needs/{need.id}").status_code == 302
    assert "已收藏 · 取消收藏" in page_text(as_watcher.get(f"/needs/{need.id}"))
    response = as_institution.post(f"/needs/{need.id}/solutions/new", data={
        "summary": "采用激光三角测厚与在线闭环控制方案",
        "approach": "激光测厚传感器阵列与涂布机闭环控制",
        "price": "80", "timeline": "6 个月"})
    assert response.status_code == 302
    notes = alerts_of(db, watcher)
    assert [n.link for n in notes] == [f"/needs/{need.id}"]
    assert alerts_of(db, institution_user) == [] and alerts_of(db, enterprise_user) == []


def test_bookmarks_are_listed_sorted_as_the_url_says_and_hidden_ones_left_out(
        app: Flask, as_enterprise: FlaskClient, db: Session, institution_user: User,
        make_result: Callable[..., Result]) -> None:
    cheap = make_result(institution_user, title="便宜的成果", price_wan=Decimal("5"))
    dear = make_result(institution_user, title="昂贵的成果", price_wan=Decimal("500"))
    gone = make_result(institution_user, title="撤回的成果")
    for result in (dear, cheap, gone):
        as_enterprise.post(f"/bookmarks/results/{result.id}")
    gone.status = ResultStatus.WITHDRAWN
    db.commit()
    html = as_enterprise.get("/saved?tab=results").get_data(as_text=True)
    titles = re.findall(r'<h2><a href="/results/\d+">(.*?)</a></h2>', html)
    assert titles == ["便宜的成果", "昂贵的成果"]  # latest bookmarked first; withdrawn hidden
    html = as_enterprise.get("/saved?tab=results&sort=price").get_data(as_text=True)
    assert re.findall(r'<h2><a href="/results/\d+">(.*?)</a></h2>', html) == [
        "便宜的成果", "昂贵的成果"]
    html = as_enterprise.get("/saved?tab=results&sort=newest").get_data(as_text=True)
    assert re.search(r'<option value="newest"\s+selected', html)
    # Toggling again removes it.
    as_enterprise.post(f"/bookmarks/results/{cheap.id}")
    db.expire_all()
    assert db.scalar(select(Bookmark).where(Bookmark.result_id == cheap.id)) is None


def test_a_draft_cannot_be_bookmarked_by_others(
        as_institution: FlaskClient, enterprise_user: User,
        make_need: Callable[..., Need]) -> None:
    draft = make_need(enterprise_user, status=NeedStatus.DRAFT)
    assert as_institution.post(f"/bookmarks/needs/{draft.id}").status_code == 404
    assert as_institution.post("/bookmarks/needs/999999").status_code == 404


def _pending(db: Session, user: User, n: int) -> None:
    for i in range(n):
        db.add(PendingAlert(user_id=user.id, title=f"订阅的搜索“电池”有新的成果：“成果{i}”",
                            link=f"/results/{i + 1}"))
    db.commit()


def test_the_daily_digest_sends_one_email_a_day(app: Flask, db: Session,
                                                enterprise_user: User) -> None:
    _pending(db, enterprise_user, 2)
    now = utcnow()
    with app.test_request_context():
        run = send_digests(db, now)
        db.commit()
        assert (run.emails, run.alerts) == (1, 2)
        mail = db.scalars(select(OutboxEmail)).one()
        assert mail.to_address == enterprise_user.email and "成果0" in mail.body
        assert "/results/2" in mail.body
        _pending(db, enterprise_user, 1)
        assert send_digests(db, now + dt.timedelta(hours=3)).emails == 0  # not a day yet
        assert send_digests(db, now + dt.timedelta(days=1)).emails == 1


@pytest.mark.parametrize(("digest", "at_once", "after_a_run"), [
    (DigestFrequency.IMMEDIATELY, 1, 1), (DigestFrequency.WEEKLY, 0, 1),
    (DigestFrequency.OFF, 0, 0)])
def test_the_chosen_frequency_is_kept(digest: DigestFrequency, at_once: int, after_a_run: int,
                                      app: Flask, as_enterprise: FlaskClient,
                                      as_institution: FlaskClient, db: Session,
                                      enterprise_user: User) -> None:
    assert as_enterprise.post("/saved/digest", data={"digest": digest.value}).status_code == 302
    assert db.get(AlertSetting, enterprise_user.id).digest is digest  # type: ignore[union-attr]
    save(as_enterprise, "results", {"q": "固态电解质"})
    publish_result(as_institution)
    db.expire_all()
    assert len(db.scalars(select(OutboxEmail)).all()) == at_once
    assert len(alerts_of(db, enterprise_user)) == 1  # in the app in every case
    with app.test_request_context():
        send_digests(db)
        db.commit()
    assert len(db.scalars(select(OutboxEmail)).all()) == after_a_run
    assert db.scalars(select(PendingAlert).where(PendingAlert.emailed_at.is_(None))).all() == []


def test_a_bad_frequency_is_refused(as_enterprise: FlaskClient) -> None:
    assert as_enterprise.post("/saved/digest", data={"digest": "hourly"}).status_code == 400


def test_alert_emails_off_in_the_notification_settings_queue_nothing(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        enterprise_user: User) -> None:
    db.add(NotificationPreference(user_id=enterprise_user.id, kind=NotificationKind.ALERT,
                                  in_app=True, email=False))
    db.commit()
    save(as_enterprise, "results", {"q": "固态电解质"})
    publish_result(as_institution)
    db.expire_all()
    assert db.scalars(select(PendingAlert)).all() == []
    assert len(alerts_of(db, enterprise_user)) == 1


def test_the_list_page_offers_to_save_its_search(as_enterprise: FlaskClient,
                                                 client: FlaskClient) -> None:
    html = as_enterprise.get("/needs?q=电池&field=new_energy").get_data(as_text=True)
    assert 'action="/saved/searches"' in html and "q=电池&amp;field=new_energy" in html
    assert 'action="/saved/searches"' not in client.get("/needs").get_data(as_text=True)


def test_a_listing_of_ones_own_organisation_alerts_nobody_in_it(
        as_institution: FlaskClient, db: Session, institution_user: User,
        make_user: Callable[..., User]) -> None:
    save(as_institution, "results", {"q": "固态电解质"})
    publish_result(as_institution)
    assert alerts_of(db, institution_user) == []


def test_a_saved_need_search_reads_the_need_lists_own_filters(
        as_institution: FlaskClient, as_enterprise: FlaskClient, db: Session,
        institution_user: User) -> None:
    save(as_institution, "needs", {"field": "new_energy", "min_budget": "100"})
    form = {"title": "电池极片在线测厚", "field": "new_energy", "province": "江苏省",
            "problem": "涂布厚度波动，需要在线测厚。", "modes": ["joint_development"],
            "action": "publish"}
    as_enterprise.post("/needs/new", data={**form, "budget_min": "10", "budget_max": "20"})
    assert alerts_of(db, institution_user) == []  # under the search's least budget
    as_enterprise.post("/needs/new", data={**form, "title": "电池极片在线测厚二",
                                           "budget_min": "100", "budget_max": "300"})
    assert len(alerts_of(db, institution_user)) == 1
    assert Field.NEW_ENERGY


def test_send_mail_writes_the_alert_digests_that_are_due_and_delivers_them(app: Flask, db: Session,
                                                     enterprise_user: User) -> None:
    _pending(db, enterprise_user, 3)
    out = app.test_cli_runner().invoke(args=["send-mail"])
    assert out.exit_code == 0 and "alert digests: 1, sent: 1" in out.output
    db.expire_all()
    mail = db.scalars(select(OutboxEmail)).one()
    assert mail.sent_at is not None and mail.body.count("/results/") == 3
