"""Several app processes on one database suggest the same things.

Three gunicorn servers (a worker each, as on three hosts behind a load balancer) build their
own matcher indexes before anything is published. A result published through the first must
be suggested by the second within two seconds, a need published through the third must store
it among its suggestions, and every server must then answer the same suggestions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from reliability.harness import (
    Account,
    Answer,
    Gunicorn,
    backend_url,
    call,
    fresh_database,
    make_account,
    make_result,
    plain_engine,
    serving,
)
from sqlalchemy.orm import Session

from models import OrgKind

PROPAGATION_S = 2.0
NEW_RESULT = {
    "title": "氢燃料电池双极板超薄金属冲压成形技术", "field": "new_energy",
    "summary": "针对氢燃料电池金属双极板，开发超薄不锈钢板精密冲压与表面涂层工艺，"
               "流道深度一致性优于 0.02mm，接触电阻低，适用于燃料电池电堆批量生产。",
    "keywords": ["双极板", "燃料电池", "冲压"], "form": "process", "trl": 6,
    "modes": ["license", "joint_development"], "province": "上海市", "publish": True,
}
DRAFT_NEED = {
    "title": "燃料电池金属双极板冲压成形", "field": "new_energy",
    "problem": "燃料电池电堆需要超薄金属双极板，现有冲压工艺流道深度不一致、回弹大，"
               "希望获得双极板精密冲压成形与涂层技术。",
    "keywords": ["双极板", "燃料电池"], "modes": ["license"], "province": "江苏省",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def servers(request: pytest.FixtureRequest,
            tmp_path: Path) -> Iterator[tuple[list[Gunicorn], Account, Account]]:
    """Three single-worker servers on one fresh database with an enterprise and a university."""
    url = backend_url(request.param, tmp_path, "workers")
    fresh_database(url)
    engine = plain_engine(url)
    with Session(engine) as session:
        enterprise = make_account(session, OrgKind.ENTERPRISE, 1)
        university = make_account(session, OrgKind.UNIVERSITY, 1)
        make_result(session, university, "锂离子电池极片缺陷视觉检测系统")
        session.commit()
    engine.dispose()
    with ExitStack() as stack:
        running = [stack.enter_context(serving(url, tmp_path / f"gunicorn-{n}.log", workers=1))
                   for n in range(3)]
        yield running, enterprise, university


def _preview(server: Gunicorn, account: Account) -> Answer:
    answer = call(server.port, "POST", "/api/v1/suggestions/preview", token=account.token,
                  body=DRAFT_NEED)
    assert answer.status == 200, answer.body
    return answer


def _suggested(answer: Answer) -> list[tuple[int, float]]:
    return [(item["id"], round(item["score"], 6)) for item in answer.body["items"]]


def test_a_listing_published_anywhere_is_suggested_everywhere(
        servers: tuple[list[Gunicorn], Account, Account]) -> None:
    (first, second, third), enterprise, university = servers
    for server in (first, second, third):  # every process builds its index now
        _preview(server, enterprise)

    published = call(first.port, "POST", "/api/v1/results", token=university.token,
                     body=NEW_RESULT)
    assert published.status == 201, published.body
    result_id = published.body["id"]

    deadline = time.monotonic() + PROPAGATION_S
    while result_id not in dict(_suggested(_preview(second, enterprise))):
        assert time.monotonic() < deadline, "the second process never suggested the new result"
        time.sleep(0.1)

    need = call(third.port, "POST", "/api/v1/needs", token=enterprise.token,
                body={**DRAFT_NEED, "publish": True})
    assert need.status == 201, need.body
    stored = [call(s.port, "GET", f"/api/v1/needs/{need.body['id']}/matches",
                   token=enterprise.token) for s in (first, second, third)]
    assert all(a.status == 200 for a in stored)
    pairs = [[(m["result_id"], m["score"]) for m in a.body["items"]] for a in stored]
    assert pairs[0] and pairs[0][0][0] == result_id
    assert pairs[0] == pairs[1] == pairs[2]

    live = [_suggested(_preview(s, enterprise)) for s in (first, second, third)]
    assert live[0] == live[1] == live[2]
    assert live[0][0][0] == result_id
