"""Submitting solutions to needs."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Need, NeedStatus, Result, Solution, SolutionStatus, User

from support import page_text

FORM = {"summary": "以在线视觉检测替代人工抽检，三个月内完成样机。",
        "approach": "线阵相机 + 深度学习分割模型，先小试验证，再上线试运行。",
        "price": "95", "timeline": "6个月"}


def test_institution_submits_solution_and_enterprise_sees_it(
        as_institution: FlaskClient, as_enterprise: FlaskClient, as_other_enterprise: FlaskClient,
        enterprise_user: User, institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], db: Session) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    response = as_institution.post(f"/needs/{need.id}/solutions/new",
                                   data={**FORM, "result_ids": [str(result.id)]})
    assert response.status_code == 302
    solution = db.scalar(select(Solution))
    assert solution is not None and solution.status is SolutionStatus.SUBMITTED
    assert [r.id for r in solution.results] == [result.id]
    assert "江南工业大学" in page_text(as_enterprise.get(f"/needs/{need.id}"))
    assert as_enterprise.get(f"/solutions/{solution.id}").status_code == 200
    assert as_other_enterprise.get(f"/solutions/{solution.id}").status_code == 404


def test_solution_refusals(as_institution: FlaskClient, as_enterprise: FlaskClient,
                           enterprise_user: User, make_need: Callable[..., Need],
                           make_result: Callable[..., Result], make_user: Callable[..., User],
                           db: Session) -> None:
    closed = make_need(enterprise_user, status=NeedStatus.CLOSED)
    response = as_institution.post(f"/needs/{closed.id}/solutions/new", data=FORM)
    assert "该需求当前不接受解决方案" in page_text(response)
    draft = make_need(enterprise_user, status=NeedStatus.DRAFT)
    assert as_institution.post(f"/needs/{draft.id}/solutions/new", data=FORM).status_code == 404
    open_need = make_need(enterprise_user)
    assert as_enterprise.post(f"/needs/{open_need.id}/solutions/new", data=FORM).status_code == 403
    response = as_institution.post(f"/needs/{open_need.id}/solutions/new",
                                   data={**FORM, "summary": "短"})
    assert "方案概述需 10–2000 个字" in page_text(response)
    # Someone else's result cannot be linked.
    other = make_result(make_user())
    response = as_institution.post(f"/needs/{open_need.id}/solutions/new",
                                   data={**FORM, "result_ids": [str(other.id)]})
    assert response.status_code == 200
    assert db.scalar(select(Solution)) is None
