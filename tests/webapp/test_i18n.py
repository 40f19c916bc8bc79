"""Language and formatting: Chinese by default, English on ``?lang=en`` (kept in the session,
and answered by the JSON API too); both catalogues complete and current with the code; no
Chinese left on English pages except the users' own text; amounts and dates per language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Docking, Need, NeedStatus, Organization, OrgKind, Result, Role, User
from webapp.filters import format_budget, format_wan, local_date, local_time
from webapp.i18n import (
    RECORDED,
    TRANSLATIONS,
    extract_catalog,
    is_translated,
    message_strings,
    recorded,
)

from support import login, page_text

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The language switch names the other language in that language.
# A language named in itself (the switch, the e-mail language menu), marked lang="zh-CN".
MARKED_CHINESE = re.compile(r'<(\w+)[^>]*\slang="zh-CN"[^>]*>[^<]*</\1>')


def _catalogue(locale: str) -> Any:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


# --- the catalogues ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def template() -> Any:
    return extract_catalog()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalogue_is_current_and_complete(template: Any, locale: str) -> None:
    """Every message in the code and templates is in the catalogue with a translation, keeping
    its placeholders, and the catalogue holds nothing the code no longer says (``make messages``
    updates it)."""
    catalogue = _catalogue(locale)
    in_code = {m.id for m in template if m.id}
    in_po = {m.id for m in catalogue if m.id}
    assert not in_code - in_po, f"not in {locale}/messages.po (run make messages)"
    assert not in_po - in_code, f"stale in {locale}/messages.po (run make messages)"
    untranslated = [m.id for m in catalogue if m.id and not is_translated(m)]
    assert not untranslated
    for message in catalogue:
        if message.id:
            source = message.id[0] if message.pluralizable else message.id
            for text in message_strings(message):
                assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(text)), source


def test_english_has_no_chinese_and_chinese_is_the_source(template: Any) -> None:
    english = _catalogue("en")
    chinese = _catalogue("zh_CN")
    assert [m.id for m in english
            if m.id and any(CJK.search(s) for s in message_strings(m))] == []
    # Chinese has one plural form: a plural message's is its singular.
    assert [m.id for m in chinese if m.id and message_strings(m) != (
        [m.id[0]] if m.pluralizable else [m.id])] == []
    assert all(len(message_strings(m)) == 2 for m in english if m.pluralizable)
    assert len(english) == len(chinese) == len([m for m in template if m.id])


def test_recorded_texts_are_extracted(template: Any) -> None:
    ids = {m.id for m in template}
    assert set(RECORDED) <= ids


# --- formatting -------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [
    ("zh_CN", ("80 万元", "50–120 万元", "面议", "2025-03-05 14:30", "2025-03-05")),
    ("en", ("CNY 800,000", "CNY 500,000–1,200,000", "Negotiable", "5 Mar 2025, 14:30",
            "5 Mar 2025")),
])
def test_amounts_and_dates_per_language(app: Flask, lang: str,
                                        expected: tuple[str, ...]) -> None:
    """Amounts are held in 万元; times are stored in UTC and shown in Asia/Shanghai."""
    with app.test_request_context(f"/?lang={lang}"):
        shown = (format_wan(Decimal("80")), format_budget(Decimal("50"), Decimal("120")),
                 format_wan(None), local_time(dt.datetime(2025, 3, 5, 6, 30, tzinfo=dt.UTC)),
                 local_date(dt.date(2025, 3, 5)))
    assert shown == expected


def test_outside_a_request_the_language_is_chinese(app: Flask) -> None:
    with app.app_context():
        assert recorded("取消技术经理人") == "取消技术经理人"


def test_recorded_texts_show_in_the_readers_language(app: Flask) -> None:
    stored = "对接“Sensor ↔ Camera”：有意向 → 已对接"
    with app.test_request_context("/?lang=en"):
        assert recorded(stored) == "Docking “Sensor ↔ Camera”: Interest → Docked"
        assert recorded("a note of the user's own") == "a note of the user's own"
    with app.test_request_context("/"):
        assert recorded(stored) == stored
    # A docking paired with a solution: the word 解决方案 is the platform's.
    with app.test_request_context("/?lang=en"):
        assert recorded("对接“Seal wear ↔ 解决方案”：有意向 → 已对接") == \
            "Docking “Seal wear ↔ Solution”: Interest → Docked"


def test_counts_of_one_are_singular_in_english(app: Flask) -> None:
    """ngettext: "1 need", "2 needs" (Chinese has one form)."""
    from flask import render_template_string
    page = '{{ ngettext("%(d)s / %(num)s 项需求", "%(d)s / %(num)s 项需求", n, d=0) }}'
    with app.test_request_context("/?lang=en"):
        assert render_template_string(page, n=1) == "0 of 1 need"
        assert render_template_string(page, n=2) == "0 of 2 needs"
    with app.test_request_context("/"):
        assert render_template_string(page, n=1) == "0 / 1 项需求"


# --- pages ------------------------------------------------------------------------------------

@pytest.fixture
def world(db: Session, make_org: Callable[..., Organization], make_user: Callable[..., User],
          make_need: Callable[..., Need], make_result: Callable[..., Result],
          app: Flask) -> Iterator[dict[str, Any]]:
    """Two organisations, an operator and their listings, all written in ASCII, carried through
    interest, agreement, negotiation, a message and a signed deal on the pages themselves (so
    that the flash messages, notification titles and history are the platform's own)."""
    enterprise = make_org(OrgKind.ENTERPRISE, name="Acme Sensors Ltd", city="Pudong")
    institute = make_org(OrgKind.UNIVERSITY, name="Eastern Tech University", city="Minhang")
    buyer = make_user(enterprise, email="buyer@example.com")
    seller = make_user(institute, email="seller@example.com")
    operator = make_user(make_org(OrgKind.AGENCY, name="Platform Ops", city="Xuhui"),
                         role=Role.OPERATOR, email="ops@example.com")
    for user, name in ((buyer, "Ada Buyer"), (seller, "Sam Seller"), (operator, "Olga Ops")):
        user.name = name
    db.commit()
    result = make_result(seller, title="Machine vision electrode inspection system",
                         summary="High-speed line cameras and deep learning inspect electrode "
                                 "coating defects inline.", keywords="vision, coating",
                         contact_name="Dr Wang", contact_phone="021-5555", city="Minhang")
    as_seller = login(app.test_client(), seller)
    as_buyer = login(app.test_client(), buyer)
    as_operator = login(app.test_client(), operator)
    # Published through the form, so that the need is matched with the result.
    assert as_buyer.post("/needs/new", data={
        "title": "Inline coating thickness gauge for electrode coating",
        "field": "new_energy", "subfield": "", "keywords": "coating, electrode, inspection",
        "problem": "Coating thickness drifts and cells are uneven; we need inline inspection "
                   "of the electrode coating with machine vision.",
        "indicators": "Accuracy 1 um", "budget_min": "50", "budget_max": "120",
        "modes": ["joint_development", "license"], "province": "上海市", "city": "Pudong",
        "show_org_name": "y", "action": "publish"}).status_code == 302
    need = db.scalar(select(Need).order_by(Need.id.desc()))
    assert need is not None
    draft = make_need(buyer, status=NeedStatus.DRAFT, title="Draft about a seal",
                      problem="Short", budget_min_wan=None, budget_max_wan=None, modes=[])

    as_seller.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id,
                                               "message": "We can help", "back": "need"})
    docking = db.scalar(select(Docking))
    assert docking is not None
    # Begun in January 2025, so that the deal signed in June 2025 falls after its start.
    docking.created_at = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    db.commit()
    for to in ("docked", "negotiating"):
        db.refresh(docking)
        as_buyer.post(f"/dockings/{docking.id}/move", data={"to": to, "version": docking.version})
    db.refresh(docking)
    as_seller.post(f"/dockings/{docking.id}/messages", data={"body": "Samples ship Monday"})
    db.refresh(docking)
    as_buyer.post(f"/dockings/{docking.id}/deal", data={
        "contract_type": "development", "amount": "120.5", "signed_on": "2025-06-18",
        "contract_number": "2025310000001234", "version": docking.version})
    db.refresh(docking)
    assert docking.state.value == "signed"
    yield {"need": need, "result": result, "draft": draft, "docking": docking,
           "buyer": as_buyer, "seller": as_seller, "operator": as_operator, "buyer_user": buyer}


def _english(client: FlaskClient) -> FlaskClient:
    assert client.get("/?lang=en").status_code == 200
    return client


# Submitted values (a province is stored by its Chinese name) and links are not shown; labels,
# text, placeholders, aria-labels and the data-* texts the scripts show are.
HIDDEN_ATTRIBUTES = re.compile(r'\s(?:value|href|action)="[^"]*"')


def _chinese_left(html: str) -> list[str]:
    html = HIDDEN_ATTRIBUTES.sub("", MARKED_CHINESE.sub("", html))
    return sorted({line.strip()[:120] for line in html.splitlines() if CJK.search(line)})


def _pages(world: dict[str, Any]) -> list[tuple[FlaskClient, str, str, dict[str, Any] | None]]:
    need, result, draft, docking = world["need"], world["result"], world["draft"], world["docking"]
    buyer, seller, operator = world["buyer"], world["seller"], world["operator"]
    return [
        (buyer, "GET", "/", None),
        (buyer, "GET", "/needs", None),
        (buyer, "GET", "/needs?mine=1", None),
        (buyer, "GET", f"/needs/{need.id}", None),
        (buyer, "GET", f"/needs/{draft.id}", None),
        (buyer, "GET", "/needs/new", None),
        (buyer, "POST", "/needs/new", {"title": "x", "problem": "y", "budget_min": "abc",
                                      "action": "publish"}),
        (buyer, "GET", f"/needs/{draft.id}/edit", None),
        (seller, "GET", "/results", None),
        (seller, "GET", f"/results/{result.id}", None),
        (seller, "GET", "/results/new", None),
        (seller, "POST", "/results/new", {"title": "x", "trl": "12", "action": "publish"}),
        (buyer, "GET", "/dockings", None),
        (buyer, "GET", f"/dockings/{docking.id}", None),
        (seller, "GET", f"/dockings/{docking.id}", None),
        (buyer, "GET", "/notifications", None),
        (seller, "GET", "/notifications", None),
        (buyer, "GET", "/notifications/settings", None),
        (buyer, "GET", "/account", None),
        (buyer, "GET", "/account/password", None),
        (buyer, "GET", f"/needs/{need.id}/matches/{result.id}", None),
        (operator, "GET", "/reports", None),
        (operator, "GET", "/reports?from=2025-01-01&to=2025-12-31", None),
        (operator, "GET", "/reports?from=bad", None),
        (operator, "GET", "/figures", None),
        (operator, "GET", "/dockings", None),
        (operator, "GET", "/transfer", None),
        (operator, "POST", "/transfer", {"kind": "needs"}),
        (buyer, "GET", "/no-such-page", None),
    ]


def test_english_pages_carry_no_chinese(world: dict[str, Any], app: Flask) -> None:
    """The real check that every visible string is translatable: after ?lang=en, the pages of
    the whole journey (forms with errors, flashes, the history, the report) hold no Chinese."""
    leftovers: dict[str, list[str]] = {}
    for client, method, url, data in _pages(world):
        _english(client)
        response = client.open(url, method=method, data=data, follow_redirects=True)
        expected = {"GET /no-such-page": 404, "GET /reports?from=bad": 400,
                    "POST /transfer": 400}.get(f"{method} {url}", 200)
        assert response.status_code == expected, (url, response.status_code)
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, url
        found = _chinese_left(html)
        if found:
            leftovers[f"{method} {url}"] = found
    assert leftovers == {}


def test_english_logged_out_pages_and_forms_with_errors(client: FlaskClient) -> None:
    # Positive control: the same check finds the Chinese of a Chinese page.
    assert _chinese_left(client.get("/login").get_data(as_text=True))
    _english(client)
    for method, url, data in (
            ("GET", "/login", None), ("POST", "/login", {"email": "", "password": ""}),
            ("POST", "/login", {"email": "a@example.com", "password": "wrong-password"}),
            ("GET", "/signup", None),
            ("POST", "/signup", {"email": "bad", "password": "short", "confirm": "other",
                                 "org_mode": "create", "credit_code": "123"}),
            ("POST", "/signup", {"org_mode": "join", "invite_code": ""}),
            ("GET", "/password/forgot", None), ("GET", "/needs/new", None),
            ("GET", "/figures", None), ("GET", "/needs", None), ("GET", "/results", None)):
        response = client.open(url, method=method, data=data, follow_redirects=True)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, url
        assert _chinese_left(html) == [], url
    assert "Log in" in page_text(client.get("/login"))


def test_api_answers_in_english_on_lang(client: FlaskClient, world: dict[str, Any]) -> None:
    """API clients choose English with ``?lang=en`` (a browser session that chose English gets
    English from the API as well); without it, Chinese."""
    body = client.get("/api/v1/needs/999999?lang=en").get_json()
    assert body["message"] == "Need not found."
    problems = world["buyer"].post("/api/v1/needs?lang=en", json={"title": "x"}).get_json()
    assert problems["error"] == "validation_failed" and not CJK.search(str(problems))
    assert client.get("/api/v1/needs/999999?lang=zh_CN").get_json()["message"] == "需求不存在。"


def test_chinese_is_the_default_and_the_switch_goes_back(client: FlaskClient,
                                                         world: dict[str, Any]) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "技术需求" in html and "English" in html
    assert "Technology needs" in client.get("/?lang=en").get_data(as_text=True)
    assert "Technology needs" in client.get("/needs").get_data(as_text=True)  # kept in session
    html = client.get("/needs?lang=zh_CN").get_data(as_text=True)
    assert "技术需求" in html and "Technology needs" not in html
    buyer = world["buyer"]
    detail = page_text(buyer.get(f"/dockings/{world['docking'].id}"))
    assert "技术开发" in detail and "120.5 万元" in detail and "2025-06-18" in detail
    assert "对接“" in page_text(buyer.get("/notifications"))
    english = page_text(_english(buyer).get(f"/dockings/{world['docking'].id}"))
    assert "Technology development" in english and "CNY 1,205,000" in english
    assert "18 Jun 2025" in english


# --- the site map -----------------------------------------------------------------------------
# Every GET route of app.url_map is rendered in English, by a visitor and by each role of the
# world above (whose user content is ASCII, so any Chinese left is the platform's own), with
# its parameters filled from that world. A route added later is covered as soon as it lands;
# one whose parameters the map cannot fill is skipped with its reason in
# test_site_map_fills_every_route (listed by ``pytest -rs``), never failed.

# Routes that are not pages, or that the site map leaves out on purpose.
NOT_PAGES = {
    "static": "files of the stylesheet and scripts, no text",
    "main.favicon": "an image",
    "main.healthz": "JSON for load balancers",
    "auth.confirm_email_view": "confirms an address and redirects (its messages are flashed)",
    # The import format's headings and values are Chinese: files written for the importer.
    "transfer.export": "an import-format file whose Chinese headings the importer reads",
    "transfer.template": "an import-format file whose Chinese headings the importer reads",
}
# JSON answers: the API's language is tested by test_api_answers_in_english_on_lang.
JSON_PREFIXES = ("/api/", "/reports.json", "/figures.json")
PAGES_UNDER_JSON = ("/api/v1/docs",)  # the API reference is a page
# Query strings that choose a page's variant worth rendering too.
VARIANTS = {
    "needs.index": ["", "mine=1", "q=coating&sort=relevance"],
    "results.index": ["", "mine=1", "q=vision"],
    "reports.index": ["", "from=2025-01-01&to=2025-12-31"],
    "reports.download": ["name=funnel&ext=csv", "name=monthly&ext=csv"],
    "auth.reset_password_view": ["token={reset_token}"],
}
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# "1 results": a count of one with a plural noun (ngettext chooses the form).
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 (?:needs|results|solutions|dockings|deals|items|"
                        r"suggestions|organisations|organizations|members|messages|"
                        r"notifications|days|months|matches|pages|listings)\b")
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def _site_map_values(world: dict[str, Any], db: Session) -> dict[str, Any]:
    """A value for each URL parameter, from the world's records."""
    from models import Deal, Notification, Solution
    from webapp.auth.services import request_password_reset
    issued = request_password_reset(db, world["buyer_user"].email, 60)
    db.commit()
    assert issued is not None
    solution = db.scalar(select(Solution))
    deal = db.scalar(select(Deal))
    notification = db.scalar(select(Notification))
    return {
        "need_id": world["need"].id, "result_id": world["result"].id,
        "docking_id": world["docking"].id, "organization_id": world["buyer_user"].organization_id,
        "solution_id": solution.id if solution else None, "deal_id": deal.id if deal else None,
        "notification_id": notification.id if notification else None,
        "name": "all", "ext": "csv", "kind": "needs", "reset_token": issued[1],
    }


def _get_routes(app: Flask) -> list[tuple[str, str, frozenset[str]]]:
    return sorted({(rule.endpoint, rule.rule, frozenset(rule.arguments))
                   for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())})


def _unfillable(arguments: frozenset[str], values: dict[str, Any]) -> list[str]:
    return sorted(a for a in arguments if values.get(a) is None)


def _visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", TAGS.sub(" ", html))


def _problems(body: str, is_html: bool, documents_fields: bool = False) -> list[str]:
    """What is not English in a page or a CSV: Chinese outside user content (the language
    switch aside), field names in the text (except on the API reference, which documents
    them), and a count of one with a plural noun."""
    found = _chinese_left(body) if is_html else sorted(
        {line[:120] for line in body.splitlines() if CJK.search(line)})
    text = _visible_text(HIDDEN_ATTRIBUTES.sub("", body)) if is_html else body
    if not documents_fields:
        found += [f"field name: {name}" for name in sorted(set(SNAKE_CASE.findall(text)))]
    found += [f"plural: {m}" for m in sorted(set(ONE_PLURAL.findall(text)))]
    return found


def _sweep(app: Flask, clients: dict[str, FlaskClient], values: dict[str, Any],
           ) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    """Render every GET route for every client in English: (problems per page, skipped routes
    with their reason, routes no client could open)."""
    from urllib.parse import urlencode

    from flask import url_for

    for client in clients.values():
        _english(client)
    problems: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    unopened: list[str] = []
    for endpoint, rule, arguments in _get_routes(app):
        if endpoint in NOT_PAGES or (rule.startswith(JSON_PREFIXES)
                                     and rule not in PAGES_UNDER_JSON):
            continue
        missing = _unfillable(arguments, values)
        if missing:
            skipped[endpoint] = f"no value for {', '.join(missing)} in the site map"
            continue
        for query in VARIANTS.get(endpoint, [""]):
            args = dict(values)
            args.update(dict(pair.split("=", 1)
                             for pair in query.format(**values).split("&") if pair))
            path_args = {k: v for k, v in args.items() if k in arguments}
            with app.test_request_context():
                url = url_for(endpoint, **path_args)
            extra = {k: v for k, v in args.items() if k not in arguments
                     and (k not in values or k == "token")}
            if extra:
                url += "?" + urlencode(extra)
            opened = False
            for who, client in clients.items():
                with client.get(url) as response:
                    if response.status_code != 200:
                        continue
                    opened = True
                    kind = response.mimetype
                    if kind not in ("text/html", "text/csv"):
                        continue
                    body = response.get_data(as_text=True)
                    if kind == "text/html":
                        assert '<html lang="en">' in body, url
                    found = _problems(body, kind == "text/html", rule in PAGES_UNDER_JSON)
                    if found:
                        problems[f"{who} GET {url}"] = found
            if not opened:
                unopened.append(url)
    return problems, skipped, unopened


@pytest.fixture
def site_map_clients(world: dict[str, Any], app: Flask) -> dict[str, FlaskClient]:
    """A visitor and the world's three roles."""
    return {"visitor": app.test_client(), "buyer": world["buyer"], "seller": world["seller"],
            "operator": world["operator"]}


def _with_a_solution(world: dict[str, Any], make_need: Callable[..., Need]) -> None:
    """A second, open need with a solution submitted through its form (the world's need is
    signed already), so that the solution pages are on the map."""
    need = make_need(world["buyer_user"], title="Seal ring wear under vibration",
                     problem="Rubber seal rings wear fast under vibration; we need a longer-"
                             "lasting material or design.", keywords="seal, wear",
                     city="Pudong")
    response = world["seller"].post(f"/needs/{need.id}/solutions/new", data={
        "summary": "Inline laser triangulation gauge with closed-loop coating control.",
        "approach": "Laser sensors across the web; a model corrects the slot die.",
        "price": "80", "timeline": "Six months", "result_ids": [world["result"].id]})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_every_page_of_the_site_map_is_english(world: dict[str, Any], app: Flask, db: Session,
                                               site_map_clients: dict[str, FlaskClient],
                                               make_need: Callable[..., Need]) -> None:
    """Every GET route, for a visitor and each role, holds no Chinese outside the users' own
    text, no field names and no "1 results" once English is chosen."""
    _with_a_solution(world, make_need)
    problems, _skipped, unopened = _sweep(app, site_map_clients, _site_map_values(world, db))
    assert unopened == [], "no visitor or role of the world could open these"
    assert problems == {}


def test_an_untranslated_page_fails_the_site_map(app: Flask, db: Session) -> None:
    """Control: a page added to the app with a message missing from the catalogue is found by
    the sweep (discovered from app.url_map, no list to update), and so are a field name and a
    count of one with a plural noun."""
    from flask import render_template_string

    @app.route("/__untranslated__")
    def untranslated() -> str:
        return render_template_string(
            '{% extends "base.html" %}{% block content %}'
            '<p>{{ _("这句话没有译文") }}</p>\n<p>budget_min</p>\n<p>1 results</p>'
            '{% endblock %}')

    problems, _skipped, _unopened = _sweep(app, {"visitor": app.test_client()},
                                           {"reset_token": "no-such-token"})
    assert problems.get("visitor GET /__untranslated__") == [
        "<p>这句话没有译文</p>", "field name: budget_min", "plural: 1 results"]


def _site_map_endpoints() -> list[tuple[str, frozenset[str]]]:
    """The GET routes of an app built for collection only (no database is opened)."""
    from webapp import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "collect", "DATABASE_URL": "sqlite://"})
    return [(endpoint, arguments) for endpoint, _rule, arguments in _get_routes(app)]


# What the site map can fill: the world's records, and the reports' and transfer's names.
FILLED = frozenset({"need_id", "result_id", "docking_id", "organization_id", "solution_id",
                    "deal_id", "notification_id", "name", "ext", "kind"})


@pytest.mark.parametrize(("endpoint", "arguments"), _site_map_endpoints(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_site_map_fills_every_route(endpoint: str, arguments: frozenset[str]) -> None:
    """Each GET route is on the site map, or skipped here with its reason (``pytest -rs``
    lists them): a page the sweep leaves out, or a parameter it cannot fill yet."""
    if endpoint in NOT_PAGES:
        pytest.skip(f"{endpoint}: {NOT_PAGES[endpoint]}")
    missing = sorted(arguments - FILLED)
    if missing:
        pytest.skip(f"{endpoint}: the site map has no value for {', '.join(missing)} "
                    "(add one to _site_map_values)")
