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


def test_home_page_explains_the_three_steps_beside_live_figures(
        client: FlaskClient, enterprise_user: User, make_need) -> None:  # type: ignore[no-untyped-def]
    """Post → explained suggestions → dock and sign, beside figures that follow the data (they
    come from headline(), which test_figures_agree compares with the report)."""
    before = client.get("/").get_data(as_text=True)
    steps = re.search(r'<ol class="steps-list">(.*?)</ol>', before, re.S)
    assert steps and steps.group(1).count("<li>") == 3
    for step in ("发布需求或成果", "获得有解释的推荐", "对接并签约"):
        assert step in steps.group(1)
    assert before.index("steps-list") < before.index('class="live"')

    def published(html: str) -> int:
        found = re.search(r'id="figure-needs_published"><strong>(\d+)', html)
        assert found
        return int(found.group(1))

    make_need(enterprise_user)
    assert published(client.get("/").get_data(as_text=True)) == published(before) + 1


def test_help_terms_and_privacy_pages(client: FlaskClient) -> None:
    """Linked from every page's footer, which no longer points at /healthz or the repository."""
    home = client.get("/").get_data(as_text=True)
    footer = home[home.index('<footer'):]
    for path, heading in (("/help", "帮助与常见问题"), ("/terms", "服务条款"),
                          ("/privacy", "隐私政策")):
        assert f'href="{path}"' in footer
        page = client.get(path)
        assert page.status_code == 200
        assert f"<h1>{heading}</h1>" in page.get_data(as_text=True)
    assert "healthz" not in footer
    privacy = client.get("/privacy").get_data(as_text=True)
    for fact in ("Argon2id", "IP 地址", "“记住我” Cookie", "已对接", "保存多久"):
        assert fact in privacy, fact
    assert "/figures" in footer


def test_no_page_points_users_at_the_repository(as_operator: FlaskClient) -> None:
    for path in ("/", "/help", "/reports", "/figures"):
        html = as_operator.get(path).get_data(as_text=True)
        assert not re.search(r"docs/\w+\.md|README|healthz", html), path


def test_favicon_is_served_by_the_app(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).startswith("<svg")
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in home
    with client.get("/static/favicon.svg") as static:
        assert static.status_code == 200
