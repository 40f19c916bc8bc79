"""Schemathesis against the served OpenAPI document: every operation, for several callers.

The document is loaded from the app itself (``/api/v1/openapi.json`` through WSGI, in-process),
so what is checked is what clients read. For every operation, generated requests (valid ones and
deliberately invalid ones) must get an answer that is not a server error, whose status code is
documented for the operation, whose content type is the documented one and whose body fits the
documented schema. The callers: nobody (schemathesis makes up credentials where an operation
requires them), an enterprise member with an API token, an operator with one, and an unknown
token. The database holds a few records of each kind, and half of the generated requests to an
operation with an id in its path name one of them, so that answers with real records are
checked too, not only the 404s.

Deterministic (``derandomize``) and small (``max_examples``) so that it runs in every ``make
test``. Schemathesis' pytest integration (``from_fixture``) does not work with pytest 9, so each
operation's strategy is run with Hypothesis directly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import (
    ApiToken,
    ContractType,
    Deal,
    Docking,
    DockingState,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    Role,
    Solution,
    User,
)
from webapp.matching.services import rematch_need

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
SETTINGS = settings(
    max_examples=25, derandomize=True, deadline=None, database=None,
    # Explicit examples and generation only: a failure is reported with schemathesis' curl
    # line at once, without minutes of shrinking in CI.
    phases=[Phase.explicit, Phase.generate],
    # The strategies are schemathesis', over a document with long texts and closed objects:
    # slow or heavily filtered generation is expected and is not what this test is about.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large])
UNKNOWN_TOKEN = "imk_" + "0" * 40
ID_PATHS = ("/needs/{need_id}", "/results/{result_id}", "/dockings/{docking_id}",
            "/deals/{deal_id}", "/solutions/{solution_id}")


@pytest.fixture
def seeded(app: Flask, db: Session, make_user: Callable[..., User],
           make_org: Callable[..., Organization], make_need: Callable[..., Need],
           make_result: Callable[..., Result], make_docking: Callable[..., Any],
           token_for: Callable[[User], str]) -> dict[str, Any]:
    """A small database: an enterprise, a university and an operator; needs and results (one
    draft of each), stored suggestions, dockings in three states, a deal and a solution; and
    the ids of each kind of record, by the name of the path parameter that takes them."""
    enterprise = make_user(make_org(OrgKind.ENTERPRISE, name="苏州精测装备有限公司"))
    institution = make_user(make_org(OrgKind.UNIVERSITY, name="江南工业大学"))
    operator = make_user(make_org(OrgKind.AGENCY, name="InnoMatch 平台运营中心"),
                         role=Role.OPERATOR)
    make_result(institution, keywords="机器视觉，缺陷检测，涂布")
    make_result(institution, status=ResultStatus.DRAFT, title="固态电解质成果草稿")
    need = make_need(enterprise, keywords="涂布，检测，机器视觉")
    make_need(enterprise, status=NeedStatus.DRAFT, title="热管理材料需求草稿")
    make_docking(enterprise, institution)
    negotiating = make_docking(enterprise, institution, DockingState.NEGOTIATING)
    signed = make_docking(enterprise, institution, DockingState.SIGNED)
    db.add(Deal(docking_id=signed.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("120"), signed_on=dt.date(2025, 3, 1),
                contract_number="HT-2025-001"))
    db.add(Solution(need_id=negotiating.need_id, organization_id=institution.organization_id,
                    author_id=institution.id, summary="在线测厚方案", approach="激光三角测量"))
    db.commit()
    with app.test_request_context():  # the suggestions' notifications link to pages
        rematch_need(db, need)
        db.commit()
    token_for(enterprise)  # a second token, for DELETE /tokens/{token_id} to find
    tokens = {"enterprise": token_for(enterprise), "operator": token_for(operator)}
    ids = {name: list(db.scalars(select(model.id).order_by(model.id))) for name, model in (
        ("need_id", Need), ("result_id", Result), ("docking_id", Docking), ("deal_id", Deal),
        ("solution_id", Solution), ("token_id", ApiToken))}
    return {"tokens": tokens, "ids": ids}


@pytest.fixture
def api_schema(app: Flask, seeded: dict[str, Any]) -> Any:
    """The document as the app serves it, bound to the app (requests go through WSGI)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _strategy(operation: Any, mode: GenerationMode, ids: dict[str, list[int]]) -> Any:
    """The operation's cases; half of them name a seeded record when the path takes an id."""
    free = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if len(names) != 1 or not ids.get(names[0]):
        return free
    if mode is GenerationMode.NEGATIVE and not (operation.body or list(operation.query)):
        return free  # with the path fixed there would be nothing left to make invalid
    fixed = [operation.as_strategy(generation_mode=mode, path_parameters={names[0]: record_id})
             for record_id in ids[names[0]]]
    return st.one_of(free, st.one_of(*fixed))


def _checker(operation: Any, mode: GenerationMode, headers: dict[str, str],
             ids: dict[str, list[int]], db: Session, max_examples: int,
             statuses: Counter[tuple[str, int]]) -> Callable[[], None]:
    """The Hypothesis test of one operation in one generation mode."""
    @settings(SETTINGS, max_examples=max_examples)
    @given(case=_strategy(operation, mode, ids))
    def check(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[operation.label, response.status_code] += 1
        if operation.method.upper() == "DELETE" and response.status_code == 204:
            # A valid request may revoke the caller's own token: put it back so that the
            # operations after this one still act as the user.
            db.execute(update(ApiToken).values(revoked_at=None))
            db.commit()
    return check


def _run(schema: Any, headers: dict[str, str], ids: dict[str, list[int]], db: Session,
         max_examples: int = 25) -> Counter[tuple[str, int]]:
    """Every operation, valid and invalid requests; all failures are reported together.

    Returns how often each operation answered each status.
    """
    statuses: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:
            try:
                _checker(operation, mode, headers, ids, db, max_examples, statuses)()
            except Unsatisfiable:
                # Nothing in the operation can be made invalid (no parameters, no body).
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert len({label for label, _ in statuses}) >= 30
    return statuses


def test_anonymous_requests_conform(api_schema: Any, seeded: dict[str, Any],
                                    db: Session) -> None:
    statuses = _run(api_schema, {}, seeded["ids"], db)
    assert statuses["GET /needs/{need_id}", 200] and statuses["GET /needs/{need_id}/matches", 200]


def test_enterprise_token_requests_conform(api_schema: Any, seeded: dict[str, Any],
                                           db: Session) -> None:
    headers = {"Authorization": f"Bearer {seeded['tokens']['enterprise']}"}
    statuses = _run(api_schema, headers, seeded["ids"], db)
    for path in ID_PATHS:
        assert statuses[f"GET {path}", 200], path  # the seeded records were reached
    assert statuses["POST /dockings/{docking_id}/messages", 201]


def test_operator_token_requests_conform(api_schema: Any, seeded: dict[str, Any],
                                         db: Session) -> None:
    headers = {"Authorization": f"Bearer {seeded['tokens']['operator']}"}
    statuses = _run(api_schema, headers, seeded["ids"], db, max_examples=15)
    assert statuses["GET /reports", 200] and statuses["PATCH /results/{result_id}", 200]


def test_requests_with_an_unknown_token_conform(api_schema: Any, seeded: dict[str, Any],
                                                db: Session) -> None:
    # Every operation, public ones too, refuses a token it does not know with a 401; the only
    # other answer is the 404 of a path that names no route (an id that is not a number).
    statuses = _run(api_schema, {"Authorization": f"Bearer {UNKNOWN_TOKEN}"}, seeded["ids"], db,
                    max_examples=5)
    assert {label for label, status in statuses if status == 401} == {label for label, _ in statuses}
    assert {status for _, status in statuses} == {401, 404}


# --- what schemathesis found, pinned --------------------------------------------------------

@pytest.mark.parametrize("bound", ["5e-324", "0.0000001", "1e30", "99999999999"])
def test_a_budget_bound_finer_than_a_fen_or_beyond_any_budget_is_no_server_error(
        client: FlaskClient, bound: str) -> None:
    assert client.get(f"/api/v1/needs?min_budget={bound}").status_code == 200
    assert client.get(f"/needs?min_budget={bound}").status_code == 200


def test_a_budget_bound_finer_than_a_fen_still_selects_by_the_exact_amount(
        client: FlaskClient, enterprise_user: User, make_need: Callable[..., Need]) -> None:
    make_need(enterprise_user, budget_max_wan=Decimal("120"))
    for bound, found in (("119.9999999", 1), ("120", 1), ("120.0000001", 0), ("1e30", 0)):
        listed = client.get(f"/api/v1/needs?min_budget={bound}").get_json()
        assert listed["total"] == found, bound


@pytest.mark.parametrize("period", ["from=0001-01-01", "to=9999-12-31",
                                    "from=0001-01-01&to=9999-12-31"])
def test_the_first_and_last_days_of_the_calendar_are_no_server_error(
        client: FlaskClient, period: str) -> None:
    response = client.get(f"/api/v1/figures?{period}")
    assert response.status_code == 200, response.get_json()


def test_the_document_lists_the_answers_of_the_authentication_layer(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "429" in doc["paths"]["/tokens"]["post"]["responses"]  # token creation is rate-limited
    for item in doc["paths"].values():
        for method, op in item.items():
            assert "401" in op["responses"], op["operationId"]  # a bad token, anywhere
            if method != "get":  # a session write without its CSRF token
                assert "400" in op["responses"], op["operationId"]
    docs = doc["paths"]["/docs"]["get"]["responses"]["200"]
    assert list(docs["content"]) == ["text/html"]
