"""Side effects as events (``webapp.events``): each signal fires once, with its payload, where
its event happens; matching and notifications subscribe per app and do what the hand-wired
calls did; a subscriber's error fails the request and stores nothing of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingMessage,
    DockingState,
    Match,
    Need,
    NeedStatus,
    Notification,
    NotificationKind,
    Result,
    ResultStatus,
    Side,
    Solution,
    SolutionStatus,
    User,
)
from webapp import create_app, events
from webapp.cli import main
from webapp.db import get_session
from webapp.matching import subscribers as matching_subscribers
from webapp.notifications import subscribers as notifications_subscribers
from webapp.saved import subscribers as saved_subscribers

from .test_matching import NEED_FORM, RESULTS
from .test_results import RESULT_FORM
from support import Heard, listen


def _named(heard: Heard, *names: str) -> Heard:
    return [(name, payload) for name, payload in heard if name in names]


LISTING_SIGNALS = ("listing-published", "listing-changed", "listing-closed")


# --- the declarations and who subscribes --------------------------------------------------

def test_every_signal_is_documented_and_each_area_subscribes_once_per_app(app: Flask) -> None:
    rematch = {matching_subscribers.rematch}
    expected: dict[str, set[Callable[..., None]]] = {
        "listing-published": set(rematch), "listing-changed": rematch, "listing-closed": rematch,
    }
    for area in (notifications_subscribers, saved_subscribers):
        for signal, receiver in area.SUBSCRIPTIONS.items():
            expected.setdefault(signal.name, set()).add(receiver)
    signals = events.all_signals()
    assert set(signals) == set(expected)
    for name, signal in signals.items():
        assert signal.__doc__ and "Payload" in signal.__doc__, name
        assert set(signal.receivers_for(app)) == expected[name], name
        # Each area's receiver once: a second create_app must not subscribe it again here.
        assert len(list(signal.receivers_for(app))) == len(expected[name]), name
    # Another app gets its own subscriptions; this one's stay as they were.
    other = create_app({**app.config})
    try:
        published = expected["listing-published"]
        assert set(events.listing_published.receivers_for(other)) == published
        assert len(list(events.listing_published.receivers_for(app))) == len(published)
    finally:
        other.extensions["db_engine"].dispose()


def test_a_signal_reaches_only_the_subscribers_of_the_app_that_sent_it(
        app: Flask, heard: Heard, enterprise_user: User,
        make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)
    other = create_app({**app.config})
    other_heard, stop = listen(other)
    try:
        with other.test_request_context():
            session = get_session()
            events.emit(events.listing_changed, session=session,
                        listing=session.get(Need, need.id))
        # (and matching's subscriber, on the other app, stored its suggestions: none)
        assert sorted(name for name, _ in other_heard) == ["listing-changed",
                                                           "suggestions-stored"]
        assert heard == []
    finally:
        stop()
        other.extensions["db_engine"].dispose()


# --- listings: published, changed, closed --------------------------------------------------

def test_a_need_published_changed_and_closed_on_its_pages(
        as_enterprise: FlaskClient, db: Session, heard: Heard) -> None:
    draft = {**NEED_FORM, "action": "save"}
    assert as_enterprise.post("/needs/new", data=draft).status_code == 302
    need = db.scalar(select(Need).order_by(Need.id.desc()))
    assert need is not None and need.status is NeedStatus.DRAFT
    assert as_enterprise.post(f"/needs/{need.id}/publish").status_code == 302
    assert as_enterprise.post(f"/needs/{need.id}/edit", data=NEED_FORM).status_code == 302
    assert as_enterprise.post(f"/needs/{need.id}/close").status_code == 302
    said = _named(heard, *LISTING_SIGNALS)
    assert [name for name, _ in said] == [
        "listing-changed", "listing-published", "listing-changed", "listing-closed"]
    for _, payload in said:
        assert set(payload) == {"session", "listing"}
        assert isinstance(payload["session"], Session)
        assert isinstance(payload["listing"], Need) and payload["listing"].id == need.id


def test_a_need_created_published_is_published_once(as_enterprise: FlaskClient,
                                                    heard: Heard) -> None:
    assert as_enterprise.post("/needs/new", data=NEED_FORM).status_code == 302
    assert [name for name, _ in _named(heard, *LISTING_SIGNALS)] == ["listing-published"]


def test_a_result_published_and_withdrawn(as_institution: FlaskClient, db: Session,
                                          heard: Heard) -> None:
    response = as_institution.post("/results/new", data={**RESULT_FORM, "action": "publish"})
    assert response.status_code == 302
    result = db.scalar(select(Result).order_by(Result.id.desc()))
    assert result is not None
    assert as_institution.post(f"/results/{result.id}/withdraw").status_code == 302
    said = _named(heard, *LISTING_SIGNALS)
    assert [name for name, _ in said] == ["listing-published", "listing-closed"]
    assert all(p["listing"].id == result.id and isinstance(p["listing"], Result)
               for _, p in said)


# --- matching subscribes: what rematch_need / rematch_result did ---------------------------

def test_suggestions_stored_carries_only_the_new_pairs(
        as_enterprise: FlaskClient, db: Session, heard: Heard, institution_user: User,
        make_result: Callable[..., Result]) -> None:
    results = [make_result(institution_user, **fields) for fields in RESULTS]
    assert as_enterprise.post("/needs/new", data=NEED_FORM).status_code == 302
    need = db.scalar(select(Need).order_by(Need.id.desc()))
    assert need is not None
    (_, first), = _named(heard, "suggestions-stored")
    assert set(first) == {"session", "listing", "new"}
    assert first["listing"].id == need.id
    stored = set(db.scalars(select(Match.id).where(Match.need_id == need.id)))
    assert {m.id for m in first["new"]} == stored
    assert results[0].id in {m.result_id for m in first["new"]}
    heard.clear()
    # Saved again unchanged: the same pairs are stored anew, none of them new.
    assert as_enterprise.post(f"/needs/{need.id}/edit", data=NEED_FORM).status_code == 302
    (_, again), = _named(heard, "suggestions-stored")
    assert again["listing"].id == need.id and again["new"] == []


def test_matching_rematches_on_each_listing_signal(
        app: Flask, db: Session, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    result = make_result(institution_user, **RESULTS[0])
    need = make_need(enterprise_user, title=NEED_FORM["title"], problem=NEED_FORM["problem"])
    assert db.scalars(select(Match)).all() == []
    with app.test_request_context():
        session = get_session()
        fresh = session.get(Need, need.id)
        events.emit(events.listing_published, session=session, listing=fresh)
        session.commit()
    assert [(m.need_id, m.result_id) for m in db.scalars(select(Match))] == [(need.id, result.id)]
    with app.test_request_context():
        session = get_session()
        gone = session.get(Result, result.id)
        assert gone is not None
        gone.status = ResultStatus.WITHDRAWN
        events.emit(events.listing_closed, session=session, listing=gone)
        session.commit()
    db.expire_all()
    assert db.scalars(select(Match)).all() == []


def test_expire_needs_drops_the_suggestions_of_needs_that_expired(
        app: Flask, db: Session, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    make_result(institution_user, **RESULTS[0])
    yesterday = dt.date.today() - dt.timedelta(days=1)
    due = make_need(enterprise_user, title=NEED_FORM["title"], problem=NEED_FORM["problem"],
                    valid_until=yesterday)
    kept = make_need(enterprise_user, title=NEED_FORM["title"], problem=NEED_FORM["problem"])
    with app.test_request_context():
        session = get_session()
        for need_id in (due.id, kept.id):
            events.emit(events.listing_published, session=session,
                        listing=session.get(Need, need_id))
        session.commit()
    assert {m.need_id for m in db.scalars(select(Match))} == {due.id, kept.id}
    outcome = app.test_cli_runner().invoke(main, ["expire-needs"])
    assert outcome.exit_code == 0 and "expired: 1" in outcome.output
    db.expire_all()
    assert {m.need_id for m in db.scalars(select(Match))} == {kept.id}


# --- notifications subscribes: what the hand-wired notify_organization calls did ------------

def test_new_strong_suggestions_tell_the_other_side_once_per_organisation(
        app: Flask, db: Session, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    need = make_need(enterprise_user)
    strong, weak = make_result(institution_user), make_result(institution_user)
    app.config["MATCH_STRONG"] = 0.5
    with app.test_request_context():
        session = get_session()
        matches = [Match(need_id=need.id, result_id=strong.id, score=0.8, text_score=0.7,
                         parts={}, terms=[], matcher_version="test"),
                   Match(need_id=need.id, result_id=weak.id, score=0.7, text_score=0.4,
                         parts={}, terms=[], matcher_version="test")]
        session.add_all(matches)
        session.flush()
        events.emit(events.suggestions_stored, session=session,
                    listing=session.get(Need, need.id), new=matches)
        session.commit()
    notes = db.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [
        (institution_user.id, NotificationKind.SUGGESTION)]
    assert strong.title in notes[0].title
    assert notes[0].link == f"/needs/{need.id}/matches/{strong.id}"
    # Weak (coverage below the strong threshold): nobody is told.
    app.config["MATCH_STRONG"] = 0.9
    with app.test_request_context():
        session = get_session()
        events.emit(events.suggestions_stored, session=session,
                    listing=session.get(Result, strong.id),
                    new=list(session.scalars(select(Match))))
        session.commit()
    assert len(db.scalars(select(Notification)).all()) == 1


# --- dockings and solutions ----------------------------------------------------------------

def test_docking_signals_carry_the_docking_and_the_actor(
        as_enterprise: FlaskClient, as_institution: FlaskClient, heard: Heard,
        enterprise_user: User, institution_user: User, broker_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result],
        make_docking: Callable[..., Docking]) -> None:
    need, result = make_need(enterprise_user), make_result(institution_user)
    as_institution.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id})
    (_, interest), = _named(heard, "interest-shown")
    assert set(interest) == {"session", "docking", "actor", "side"}
    assert (interest["docking"].need_id, interest["docking"].result_id) == (need.id, result.id)
    assert (interest["actor"].id, interest["side"]) == (institution_user.id, Side.SUPPLY)

    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    heard.clear()
    as_enterprise.post(f"/dockings/{docking.id}/move",
                       data={"to": "negotiating", "version": docking.version})
    as_enterprise.post(f"/dockings/{docking.id}/broker",
                       data={"broker_id": broker_user.id, "version": docking.version + 1})
    as_enterprise.post(f"/dockings/{docking.id}/messages", data={"body": "请提供样机参数"})
    assert [name for name, _ in heard] == [
        "docking-moved", "broker-assigned", "docking-message-posted"]
    moved, assigned, posted = (payload for _, payload in heard)
    assert set(moved) == {"session", "docking", "actor", "from_state", "to_state"}
    assert (moved["docking"].id, moved["actor"].id, moved["from_state"], moved["to_state"]) == (
        docking.id, enterprise_user.id, DockingState.DOCKED, DockingState.NEGOTIATING)
    assert (assigned["docking"].id, assigned["broker"].id) == (docking.id, broker_user.id)
    assert isinstance(posted["message"], DockingMessage)
    assert (posted["message"].body, posted["author"].id) == ("请提供样机参数", enterprise_user.id)


def test_solution_signals(as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
                          heard: Heard, enterprise_user: User, institution_user: User,
                          make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)
    as_institution.post(f"/needs/{need.id}/solutions/new", data={
        "summary": "以在线视觉检测替代人工抽检，三个月内完成样机。",
        "approach": "线阵相机 + 深度学习分割模型，先小试验证，再上线试运行。", "price": "95"})
    solution = db.scalar(select(Solution))
    assert solution is not None
    as_enterprise.post(f"/solutions/{solution.id}/accept")
    assert [name for name, _ in heard] == [
        "solution-submitted", "docking-moved", "solution-decided"]
    submitted, opened, decided = (payload for _, payload in heard)
    assert submitted["solution"].id == solution.id
    assert (opened["from_state"], opened["to_state"]) == (None, DockingState.DOCKED)
    assert opened["docking"].solution_id == solution.id
    assert (decided["solution"].id, decided["actor"].id, decided["to"]) == (
        solution.id, enterprise_user.id, SolutionStatus.ACCEPTED)


# --- a subscriber that fails ----------------------------------------------------------------

def test_a_failing_subscriber_fails_the_request_and_nothing_is_stored(
        app: Flask, as_enterprise: FlaskClient, db: Session) -> None:
    def broken(_sender: Flask, **_: Any) -> None:
        raise RuntimeError("subscriber failed")

    events.listing_published.connect(broken, sender=app, weak=False)
    try:
        assert as_enterprise.post("/needs/new", data=NEED_FORM).status_code == 500
    finally:
        events.listing_published.disconnect(broken, sender=app)
    assert db.scalars(select(Need)).all() == []
    # The same request without the broken subscriber stores the need (a positive control).
    assert as_enterprise.post("/needs/new", data=NEED_FORM).status_code == 302
    assert len(db.scalars(select(Need)).all()) == 1
