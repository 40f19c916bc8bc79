"""Home page, health check, errors and language."""

from __future__ import annotations

import re
from itertools import pairwise

from flask.testing import FlaskClient

from models import User


def test_healthz_reports_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_page_shows_latest_listings(client: FlaskClient, enterprise_user: User,
                                         make_need) -> None:  # type: ignore[no-untyped-def]
    make_need(enterprise_user, title="高镍正极材料烧结工艺优化")
    response = client.get("/")
    assert response.status_code == 200
    assert "高镍正极材料烧结工艺优化" in response.get_data(as_text=True)


def test_missing_page_is_404_as_html_or_json(client: FlaskClient) -> None:
    response = client.get("/needs/999999")
    assert response.status_code == 404
    assert "页面或记录不存在" in response.get_data(as_text=True)
    response = client.get("/needs/999999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_method_not_allowed(client: FlaskClient) -> None:
    assert client.get("/needs/1/publish").status_code == 405


def test_english_switch_is_remembered(client: FlaskClient) -> None:
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<html lang="en">' in client.get("/needs").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/?lang=zh_CN").get_data(as_text=True)


def _heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


def test_headings_never_skip_a_level(client: FlaskClient, enterprise_user: User,
                                     institution_user: User, make_need,  # type: ignore[no-untyped-def]
                                     make_result) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    for path in ("/", "/needs", "/results", f"/needs/{need.id}", f"/results/{result.id}"):
        levels = _heading_levels(client.get(path).get_data(as_text=True))
        assert levels and levels[0] == 1, path
        jumps = [(a, b) for a, b in pairwise(levels) if b > a + 1]
        assert jumps == [], f"{path}: heading levels {levels}"
