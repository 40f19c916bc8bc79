"""The funnel is a funnel (issue 17, part 2): over any sequence of docking events, no step
counts more needs than the step before, and the first step is needs_published."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Docking,
    DockingState,
    DropReason,
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    Solution,
    SolutionStatus,
    User,
)
from webapp.cli import main as cli_main
from webapp.dockings.services import DockingRefused, record_deal, show_interest, transition
from webapp.errors import Refused
from webapp.reports.services import ReportFilters, build_report
from webapp.solutions.services import decide_solution, submit_solution

NEEDS, RESULTS = 4, 4
index = st.integers(min_value=0, max_value=NEEDS - 1)
result_index = st.integers(min_value=0, max_value=RESULTS - 1)
OPS = st.lists(st.one_of(
    st.tuples(st.just("match"), index, result_index,
              st.floats(min_value=0, max_value=1, allow_nan=False)),
    st.tuples(st.just("interest"), index, result_index, st.booleans()),
    st.tuples(st.just("solution"), index, st.integers(min_value=0, max_value=1)),
    st.tuples(st.just("accept"), index),
    st.tuples(st.just("advance"), index, result_index),
    st.tuples(st.just("drop"), index, result_index),
), max_size=25)


def _apply(db: Session, op: tuple[Any, ...], needs: list[Need], results: list[Result],
           enterprise: User, institutions: list[User]) -> None:
    kind, n = op[0], needs[op[1]]
    if kind == "match":
        result = results[op[2]]
        if db.scalar(select(Match).where(Match.need_id == n.id, Match.result_id == result.id)):
            return
        db.add(Match(need_id=n.id, result_id=result.id, score=op[3], text_score=op[3],
                     matcher_version="test"))
        db.flush()
    elif kind == "interest":
        result = results[op[2]]
        actor = enterprise if op[3] else institutions[op[2] % 2]
        show_interest(db, actor, n, result=result)
    elif kind == "solution":
        submit_solution(db, institutions[op[2]], n, summary="方案概述十个字以上的内容",
                        approach="技术路线十个字以上的内容", result_ids=[], price_wan=None,
                        timeline="")
    elif kind == "accept":
        solution = db.scalar(select(Solution).where(
            Solution.need_id == n.id, Solution.status == SolutionStatus.SUBMITTED))
        if solution is not None:
            decide_solution(db, enterprise, solution, SolutionStatus.ACCEPTED)
    else:
        docking = db.scalar(select(Docking).where(
            Docking.need_id == n.id, Docking.supply_org_id == results[op[2]].organization_id,
            Docking.state.in_([DockingState.INTEREST, DockingState.DOCKED,
                               DockingState.NEGOTIATING])))
        if docking is None:
            return
        if kind == "drop":
            transition(db, enterprise, docking, DockingState.DROPPED,
                       drop_reason=DropReason.OTHER)
        elif docking.state is DockingState.INTEREST:
            side_user = enterprise if docking.interest_side.value == "supply" else \
                institutions[op[2] % 2]  # type: ignore[union-attr]
            transition(db, side_user, docking, DockingState.DOCKED)
        elif docking.state is DockingState.DOCKED:
            transition(db, enterprise, docking, DockingState.NEGOTIATING)
        else:
            record_deal(db, enterprise, docking, contract_type=ContractType.DEVELOPMENT,
                        amount_wan=Decimal("10"), signed_on=_today())


def _today() -> dt.date:
    """Today in Asia/Shanghai: a deal is signed between its docking's start and today
    (issue 18, item 5), and the dockings here start now."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_the_funnel_never_grows_from_one_step_to_the_next(
        app: Flask, db: Session, make_org: Callable[..., Organization],
        make_user: Callable[..., User], make_need: Callable[..., Need],
        make_result: Callable[..., Result]) -> None:
    enterprise = make_user(make_org(OrgKind.ENTERPRISE))
    institutions = [make_user(make_org(OrgKind.UNIVERSITY)) for _ in range(2)]
    needs = [make_need(enterprise, title=f"需求{i}") for i in range(NEEDS - 1)]
    needs.append(make_need(enterprise, status=NeedStatus.DRAFT, title="草稿需求"))
    results = [make_result(institutions[i % 2], title=f"成果{i}") for i in range(RESULTS)]
    seen_steps: set[int] = set()

    @settings(max_examples=40, deadline=None, database=None)
    @given(ops=OPS)
    # One sequence that reaches every step: suggested, interest, agreed, negotiating, signed.
    @example(ops=[("match", 0, 0, 0.9), ("interest", 0, 0, False), ("advance", 0, 0),
                  ("advance", 0, 0), ("advance", 0, 0)])
    def check(ops: list[tuple[Any, ...]]) -> None:
        try:
            with app.test_request_context():
                for op in ops:
                    try:
                        with db.begin_nested():
                            _apply(db, op, needs, results, enterprise, institutions)
                    except (Refused, DockingRefused, PermissionError):
                        pass
                db.flush()
                report = build_report(db, ReportFilters(), threshold=0.5)
            counts = [step.count for step in report.funnel]
            assert counts[0] == report.headline["needs_published"] == NEEDS - 1
            assert all(later <= earlier for earlier, later in itertools.pairwise(counts))
            assert all(s.of_previous is None or s.of_previous <= 1 for s in report.funnel)
            seen_steps.update(i for i, c in enumerate(counts) if c)
        finally:
            db.rollback()
            db.expire_all()

    check()
    # The sequences reached every step at least once, so the property was really exercised.
    assert seen_steps == set(range(5))


def test_report_json_first_step_is_needs_published(
        app: Flask, enterprise_user: User, make_need: Callable[..., Need]) -> None:
    make_need(enterprise_user)
    make_need(enterprise_user, status=NeedStatus.CLOSED)
    make_need(enterprise_user, status=NeedStatus.DRAFT)
    result = app.test_cli_runner().invoke(cli_main, ["report", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["funnel"][0]["key"] == "published"
    assert data["funnel"][0]["count"] == data["needs_published"] == 2
