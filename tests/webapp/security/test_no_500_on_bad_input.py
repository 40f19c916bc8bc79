"""Issue 18, item 8: no 500 on bad input.

Ids past 2^63 in paths and query strings, a lone surrogate, NUL and bidirectional-override
characters in every form field and JSON member, CR/LF in redirect targets, and integrity
conflicts (a duplicate interest, a duplicate sign-up) are answered with a 4xx, never a 5xx.
Hypothesis draws the hostile values; every route of the app is visited.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import User

from support import login

HUGE = str(2**64)
HOSTILE = ["\ud800", "a\x00b", "\u202eevil", "\u2066x\u2069", "x\r\nSet-Cookie: a=b",
           HUGE, "-" + HUGE, "9" * 400, "1e999", "NaN", "", " "]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30),
                         st.text(alphabet=st.characters(codec=None, categories=("Cs", "Cc", "Cf")),
                                 max_size=8))


def _rules(app: Flask, method: str) -> list[tuple[str, str]]:
    """(endpoint, path with every converter filled by a huge id) of the app's rules."""
    rules = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", HUGE, rule.rule)
        rules.append((rule.endpoint, path))
    return sorted(rules)


@pytest.fixture
def clients(app: Flask, enterprise_user: User, operator_user: User) -> Iterator[list[FlaskClient]]:
    yield [app.test_client(), login(app.test_client(), enterprise_user),
           login(app.test_client(), operator_user)]


def _no_5xx(response: Any, what: str) -> None:
    try:
        assert response.status_code < 500, (what, response.status_code,
                                            response.get_data(as_text=True)[:300])
    finally:
        # A file answer (the favicon, a download) holds its file open until the response is
        # closed, as a server does after sending it; unclosed, it is a ResourceWarning.
        response.close()


def test_ids_past_2_63_in_paths_and_query_strings_are_not_found(
        app: Flask, clients: list[FlaskClient]) -> None:
    for client in clients:
        for endpoint, path in _rules(app, "GET"):
            response = client.get(path)
            _no_5xx(response, path)
            if "<" in str(next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)):
                assert response.status_code in (302, 401, 403, 404), (path, response.status_code)
            for name in ("page", "need_id", "result_id", "id", "field", "org", "year", "months"):
                _no_5xx(client.get(path, query_string={name: HUGE}), f"{path}?{name}")


def test_hostile_text_in_every_form_and_json_body_is_refused_not_a_500(
        app: Flask, clients: list[FlaskClient]) -> None:
    posts = _rules(app, "POST")
    fields = ("title", "name", "email", "password", "message", "body", "problem", "summary",
              "org_name", "amount_wan", "signed_on", "need_id", "result_id", "version", "next")

    @settings(max_examples=5, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=hostile_text)
    def check(value: str) -> None:
        for client in clients:
            for _endpoint, path in posts:
                form = {f: value for f in fields}
                # A lone surrogate cannot even be sent as a form; JSON can carry it.
                with contextlib.suppress(UnicodeEncodeError):
                    _no_5xx(client.post(path, data=form), f"form {path} {value!r}")
                _no_5xx(client.post(path, json=form), f"json {path} {value!r}")
    check()


def test_a_lone_surrogate_in_json_is_a_400_naming_the_field(
        as_enterprise: FlaskClient) -> None:
    response = as_enterprise.post("/api/v1/needs", data='{"title": "\\ud800 title"}',
                                  content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "title" in response.get_json()["fields"]


@pytest.mark.parametrize("text", ["标题\u202e检测", "标题\x00检测", "标题\u2067检测"])
def test_nul_and_bidi_overrides_in_titles_are_refused_with_a_message(
        as_enterprise: FlaskClient, text: str) -> None:
    page = as_enterprise.post("/needs/new", data={"title": text * 3})
    assert page.status_code in (200, 400)
    assert "控制字符" in page.get_data(as_text=True) or "空字符" in page.get_data(as_text=True)


def test_cr_lf_in_next_never_reaches_a_header(app: Flask, enterprise_user: User) -> None:
    client = app.test_client()
    response = client.post("/login?next=/needs%0d%0aSet-Cookie:%20a=b",
                           data={"email": enterprise_user.email, "password": "correct-horse-42"})
    assert response.status_code == 302
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]
    assert "a=b" not in response.headers.get("Set-Cookie", "")


# --- integrity conflicts ----------------------------------------------------------------------

def _racing_interest(real: Callable[..., Any]) -> Callable[..., Any]:
    """show_interest as it behaves when another request opened the same pair a moment ago:
    the duplicate row meets the unique constraint at the flush."""
    def racing(session: Any, actor: User, need: Any, *, result: Any, message: str = "") -> Any:
        from models import Docking, DockingState
        session.add(Docking(need_id=need.id, result_id=result.id,
                            need_org_id=need.organization_id,
                            supply_org_id=result.organization_id, state=DockingState.SUGGESTED))
        session.flush()
        session.add(Docking(need_id=need.id, result_id=result.id,
                            need_org_id=need.organization_id,
                            supply_org_id=result.organization_id, state=DockingState.SUGGESTED))
        return real(session, actor, need, result=result, message=message)
    return racing


def test_concurrent_interest_on_one_pair_is_a_409_on_the_api_and_a_message_on_the_page(
        app: Flask, monkeypatch: pytest.MonkeyPatch, institution_user: User,
        enterprise_user: User, make_need: Callable[..., Any], make_result: Callable[..., Any],
        bearer: Callable[[User], dict[str, str]]) -> None:
    import webapp.api.v1.dockings as api_dockings
    import webapp.dockings.views as docking_views

    need, result = make_need(enterprise_user), make_result(institution_user)
    monkeypatch.setattr(api_dockings, "show_interest", _racing_interest(api_dockings.show_interest))
    answer = app.test_client().post("/api/v1/dockings", headers=bearer(institution_user),
                                    json={"need_id": need.id, "result_id": result.id})
    assert answer.status_code == 409 and answer.get_json()["error"] == "conflict"

    monkeypatch.setattr(docking_views, "show_interest",
                        _racing_interest(docking_views.show_interest))
    page = login(app.test_client(), institution_user)
    response = page.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id},
                         headers={"Referer": f"http://localhost/needs/{need.id}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/needs/{need.id}"
    assert "冲突" in page.get(response.headers["Location"]).get_data(as_text=True)
    # The session was rolled back: the next request of the same client works.
    assert page.get(f"/needs/{need.id}").status_code == 200


def test_concurrent_sign_ups_with_one_email_are_a_message_not_a_500(
        app: Flask, monkeypatch: pytest.MonkeyPatch, enterprise_user: User) -> None:
    import webapp.auth.services as auth_services

    # The other sign-up committed between this one's check and its insert.
    monkeypatch.setattr(auth_services, "find_user_by_email", lambda session, email: None)
    client = app.test_client()
    response = client.post("/signup", data={
        "email": enterprise_user.email, "name": "并发", "password": "another-horse-42",
        "confirm": "another-horse-42", "org_mode": "create", "org_name": "并发注册测试公司",
        "org_kind": "enterprise", "province": "上海市"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "冲突" in client.get(response.headers["Location"]).get_data(as_text=True)
