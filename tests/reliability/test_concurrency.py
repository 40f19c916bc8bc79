"""Concurrent clients against gunicorn (3 workers): racing updates of one docking or deal never
lose an update (one wins, the other gets 409), and concurrent writers on SQLite never see a
"database is locked" error, nor any other 5xx.

tests/webapp/test_dockings.py covers the stale version of a form and a commit that lands
between read and write inside one process; these send the two requests really at once to
different workers.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import pytest
from reliability.harness import (
    Account,
    Answer,
    Gunicorn,
    backend_url,
    call,
    docking_states,
    fresh_database,
    make_account,
    make_docking,
    make_need,
    make_result,
    plain_engine,
    serving,
    today_minus,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ContractType, Deal, DealCorrection, DockingEvent, DockingState, OrgKind

PAIRS = 8  # races of each kind


@dataclass
class Site:
    """The running server, its database and the records the tests race on."""

    server: Gunicorn
    url: str
    enterprise: Account
    institution: Account
    docked: list[int]
    signed: list[tuple[int, int]]  # (deal id, its docking id)
    open_needs: list[int]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("concurrency")
    url = backend_url(request.param, tmp, "concurrency")
    fresh_database(url)
    engine = plain_engine(url)
    with Session(engine) as session:
        enterprise = make_account(session, OrgKind.ENTERPRISE, 1)
        institution = make_account(session, OrgKind.UNIVERSITY, 1)
        make_result(session, institution, "并发测试成果")
        docked = [make_docking(session, enterprise, institution, n, DockingState.DOCKED)
                  for n in range(PAIRS)]
        signed = []
        for n in range(PAIRS):
            docking_id = make_docking(session, enterprise, institution, 100 + n,
                                      DockingState.SIGNED)
            deal = Deal(docking_id=docking_id, contract_type=ContractType.DEVELOPMENT,
                        amount_wan=Decimal("80"),
                        signed_on=dt.date.today() - dt.timedelta(days=10),
                        created_by_id=enterprise.user_id)
            session.add(deal)
            session.flush()
            signed.append((deal.id, docking_id))
        open_needs = [make_need(session, enterprise, f"并发测试开放需求{n}").id for n in range(4)]
        session.commit()
    engine.dispose()
    with serving(url, tmp / "gunicorn.log") as server:
        yield Site(server, url, enterprise, institution, docked, signed, open_needs)
        log = server.log_tail(400)
    assert "database is locked" not in log and "Traceback" not in log, log


def race(*requests: Callable[[], Answer]) -> list[Answer]:
    """Send the requests at the same moment from threads of their own."""
    barrier = threading.Barrier(len(requests))

    def go(send: Callable[[], Answer]) -> Answer:
        barrier.wait()
        return send()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(go, requests))


def test_racing_transitions_one_wins_the_other_gets_409(site: Site) -> None:
    port = site.server.port
    for docking_id in site.docked:
        path = f"/api/v1/dockings/{docking_id}/transitions"
        answers = race(
            lambda p=path: call(port, "POST", p, token=site.enterprise.token,
                                body={"to": "negotiating", "version": 1}),
            lambda p=path: call(port, "POST", p, token=site.institution.token,
                                body={"to": "dropped", "drop_reason": "price", "version": 1}))
        codes = sorted(a.status for a in answers)
        assert codes == [200, 409], [(a.status, a.body) for a in answers]
        winner = next(a for a in answers if a.status == 200).body
        state, version = docking_states(site.url, [docking_id])[docking_id]
        assert state.value == winner["state"] and version == 2 == winner["version"]
    engine = plain_engine(site.url)
    with Session(engine) as db:
        moves = db.execute(select(DockingEvent.docking_id, func.count())
                           .where(DockingEvent.docking_id.in_(site.docked))
                           .group_by(DockingEvent.docking_id)).all()
    engine.dispose()
    assert sorted(moves) == [(d, 1) for d in sorted(site.docked)]  # the loser wrote nothing


def test_racing_deal_corrections_one_wins_the_other_gets_409(site: Site) -> None:
    port = site.server.port
    for deal_id, _ in site.signed:
        path = f"/api/v1/deals/{deal_id}"
        answers = race(
            lambda p=path: call(port, "PATCH", p, token=site.enterprise.token,
                                body={"amount_wan": "90", "signed_on": today_minus(10),
                                      "version": 1}),
            lambda p=path: call(port, "PATCH", p, token=site.institution.token,
                                body={"amount_wan": "95", "signed_on": today_minus(10),
                                      "version": 1}))
        assert sorted(a.status for a in answers) == [200, 409], [(a.status, a.body)
                                                                  for a in answers]
        winner = next(a for a in answers if a.status == 200).body
        engine = plain_engine(site.url)
        with Session(engine) as db:
            deal = db.get(Deal, deal_id)
            assert deal is not None and deal.version == 2
            assert f"{deal.amount_wan.normalize():f}" == winner["amount_wan"]
            logged = db.scalars(select(DealCorrection.new_value)
                                .where(DealCorrection.deal_id == deal_id)).all()
            assert logged == [winner["amount_wan"]]
        engine.dispose()


def test_concurrent_writers_get_no_server_error(site: Site) -> None:
    """Eight clients create needs and solutions and post to threads at once, without pauses:
    every answer is a 2xx (or a 4xx by design), never a 500 such as "database is locked"."""
    port = site.server.port
    statuses: Counter[int] = Counter()
    bad: list[str] = []
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for n in range(12):
            choice = rng.random()
            if choice < 0.45:
                answer = call(port, "POST", "/api/v1/needs", token=site.enterprise.token,
                              headers={"Idempotency-Key": uuid.uuid4().hex}, body={
                                  "title": f"并发写入需求 {seed}-{n}", "field": "new_energy",
                                  "problem": "动力电池极片涂布厚度需要在线检测。",
                                  "modes": ["joint_development"], "province": "上海市",
                                  "publish": True})
            elif choice < 0.75:
                need_id = rng.choice(site.open_needs)
                answer = call(port, "POST", f"/api/v1/needs/{need_id}/solutions",
                              token=site.institution.token, body={
                                  "summary": f"并发写入方案 {seed}-{n}",
                                  "approach": "线阵相机在线检测，分阶段交付。",
                                  "result_ids": site.institution.result_ids[:1]})
            elif choice < 0.9:
                docking_id = rng.choice(site.docked)
                answer = call(port, "POST", f"/api/v1/dockings/{docking_id}/messages",
                              token=site.enterprise.token, body={"body": f"留言 {seed}-{n}"})
            else:
                answer = call(port, "GET", "/api/v1/needs?per_page=50",
                              token=site.institution.token)
            with lock:
                statuses[answer.status] += 1
                if answer.status >= 500 or answer.status not in (200, 201, 409):
                    bad.append(f"{answer.status} {answer.body}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    assert not bad, (bad[:5], statuses)
    assert sum(statuses.values()) == 96
