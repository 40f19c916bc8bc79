"""Every route of the URL map, tried as every kind of visitor: who may use it, and that nobody
else changes or learns anything through it.

RULES classifies each endpoint; a route without a rule fails ``test_every_route_has_a_rule``,
so a new route must be classified here before the suite passes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import (
    ApiToken,
    Attachment,
    Base,
    ContractType,
    Deal,
    Docking,
    DockingState,
    Need,
    NeedStatus,
    Notification,
    NotificationKind,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    Role,
    SavedSearch,
    SearchKind,
    Solution,
    SolutionStatus,
    User,
)
from models.api import hash_token, new_token
from webapp.attachments import storage

from support import PASSWORD, login

ACTORS = ("anonymous", "stranger", "owner", "supplier", "broker", "other_broker", "operator")
LOGGED_IN = frozenset(ACTORS) - {"anonymous"}
EVERYONE = frozenset(ACTORS)
# Texts only the owners (and operators) may ever see.
SECRETS = ("机密草稿需求甲乙丙", "机密草稿成果丁戊己", "保密报价说明庚辛")


@dataclass(frozen=True)
class Rule:
    """Who may use an endpoint; everybody else is refused, changes nothing, learns nothing.

    ``allowed``: actors that must not be refused (401/403/login redirect).
    ``args``: URL arguments by name of the world's records (defaults below).
    ``secret_ok``: actors allowed to see the secret texts in the answer.
    """

    allowed: frozenset[str]
    args: dict[str, str] = field(default_factory=dict)
    note: str = ""


def public() -> Rule:
    """Anyone, logged in or not."""
    return Rule(EVERYONE)


def login_only() -> Rule:
    """Any logged-in user (each sees their own)."""
    return Rule(LOGGED_IN)


def only(*actors: str, **args: str) -> Rule:
    """Just these actors."""
    return Rule(frozenset(actors), dict(args))


# Default record for each URL argument: the owners' PRIVATE records, so that a refusal that
# still shows the record fails on the secret text.
DEFAULT_ARGS = {"need_id": "need_draft", "result_id": "result_draft", "solution_id": "solution",
                "docking_id": "docking", "deal_id": "deal", "notification_id": "notification",
                "token_id": "token", "action": "accept", "name": "all", "ext": "xlsx",
                "kind": "needs", "filename": "app.css", "attachment_id": "attachment",
                "organization_id": "org_owner"}

PARTIES = ("owner", "supplier", "broker", "operator")

RULES: dict[str, Rule] = {
    "static": public(),
    "main.index": public(),
    "main.healthz": public(),
    "main.help_page": public(),
    "main.terms": public(),
    "main.privacy": public(),
    "main.favicon": public(),
    "auth.login": public(),
    "auth.signup": public(),
    "auth.logout": public(),
    "auth.forgot_password": public(),
    "auth.reset_password_view": public(),
    "auth.confirm_email_view": public(),  # the signed token in the link says whose address
    "auth.resend_confirmation": login_only(),
    "auth.account": login_only(),
    "auth.change_password_view": login_only(),
    "api_tokens.create": login_only(),
    "api_tokens.revoke": only("owner"),
    "reports.figures": public(),
    "reports.figures_json": public(),
    "reports.index": only("operator"),
    "reports.as_json": only("operator"),
    "reports.download": only("operator"),
    "transfer.index": only("operator"),
    "transfer.export": only("operator"),
    "transfer.template": only("operator"),
    # Needs: the draft is the owner's; only enterprises post needs.
    "needs.index": public(),
    "needs.detail": only("owner", "operator"),
    "needs.edit": only("owner", "operator"),
    "needs.close": only("owner", "operator"),
    "needs.publish": only("owner", "operator"),
    "needs.new": only("owner", "stranger", "operator"),
    "matching.explain": only("owner", "operator"),
    # A solution answers a published need; institutions submit them.
    "solutions.new": only("supplier", "operator", need_id="need_pub"),
    "solutions.detail": only("owner", "supplier", "operator"),
    "solutions.decide": only("owner", "operator"),
    # The need's solutions side by side: its organisation and operators.
    "solutions.compare": only("owner", "operator", need_id="need_pub"),
    "results.index": public(),
    "results.detail": only("supplier", "operator"),
    "results.edit": only("supplier", "operator"),
    "results.publish": only("supplier", "operator"),
    "results.withdraw": only("supplier", "operator"),
    "results.new": only("supplier", "operator"),
    # Dockings: the two sides, the assigned broker and operators.
    "dockings.index": login_only(),
    # 我的: each user's own organisation's records, so anyone logged in.
    "workspace.index": login_only(),
    "dockings.detail": only(*PARTIES),
    "dockings.move": only(*PARTIES),
    "dockings.message": only(*PARTIES),
    "dockings.deal": only(*PARTIES),
    "dockings.correct": only(*PARTIES),
    "dockings.broker": only("owner", "supplier", "operator", "broker", "other_broker"),
    # Any organisation may show interest in public listings; doing it in another's name is
    # checked in test_interest_only_in_ones_own_name.
    "dockings.interest": login_only(),
    # 技术经理人引荐: brokers and operators, on a published need.
    "dockings.introduce_view": only("broker", "other_broker", "operator", need_id="need_pub"),
    "notifications.index": login_only(),
    "notifications.settings": login_only(),
    "notifications.read_all": login_only(),
    "notifications.open_one": only("owner"),
    # The world's attachment is a confidential file on the need of a signed docking: its
    # organisation, the other side and operators (not the broker); its organisation deletes it.
    "attachments.download": only("owner", "supplier", "operator"),
    "attachments.delete": only("owner", "operator"),
    # An organisation's public page; its drafts never show on it.
    "orgs.detail": public(),
    # 我的收藏: each user's own; a draft is bookmarked only by those who see it.
    "saved.index": login_only(),
    "saved.save": login_only(),
    "saved.digest": login_only(),
    "saved.toggle": only("owner", "operator", listing_id="need_draft"),
    "saved.change": only("owner", search_id="search", action="alerts"),
    # API v1: the same rules as the pages.
    "api_v1.docs_reference": public(),
    "api_v1.docs_document": public(),
    "api_v1.reports_figures": public(),
    "api_v1.reports_report": only("operator"),
    "api_v1.me_me": login_only(),
    "api_v1.tokens_list_tokens": login_only(),
    # Suggestions for a need being written: computed from the body, nothing stored or shown
    # that the published listings do not show already.
    "api_v1.suggestions_preview": login_only(),
    "api_v1.tokens_create": login_only(),
    "api_v1.tokens_revoke": only("owner"),
    "api_v1.needs_list_needs": public(),
    "api_v1.needs_create": only("owner", "stranger", "operator"),
    "api_v1.needs_detail": only("owner", "operator"),
    "api_v1.needs_update": only("owner", "operator"),
    "api_v1.needs_close": only("owner", "operator"),
    "api_v1.needs_publish": only("owner", "operator"),
    "api_v1.matches_for_need": only("owner", "operator"),
    "api_v1.needs_revisions": only("owner", "operator"),
    "api_v1.solutions_submit": only("supplier", "operator", need_id="need_pub"),
    "api_v1.results_list_results": public(),
    "api_v1.results_create": only("supplier", "operator"),
    "api_v1.results_detail": only("supplier", "operator"),
    "api_v1.results_update": only("supplier", "operator"),
    "api_v1.matches_for_result": only("supplier", "operator"),
    "api_v1.results_revisions": only("supplier", "operator"),
    "api_v1.results_publish": only("supplier", "operator"),
    "api_v1.results_withdraw": only("supplier", "operator"),
    "api_v1.solutions_list_solutions": login_only(),
    "api_v1.solutions_detail": only("owner", "supplier", "operator"),
    # The action is in the body: the need's side decides, the supplier may withdraw.
    "api_v1.solutions_decide": only("owner", "supplier", "operator"),
    "api_v1.dockings_list_dockings": login_only(),
    "api_v1.dockings_interest": login_only(),
    "api_v1.dockings_detail": only(*PARTIES),
    "api_v1.dockings_deal": only(*PARTIES),
    "api_v1.dockings_message": only(*PARTIES),
    "api_v1.dockings_move": only(*PARTIES),
    "api_v1.deals_list_deals": login_only(),
    "api_v1.deals_detail": only(*PARTIES),
    "api_v1.deals_correct": only(*PARTIES),
    "api_v1.attachments_download": only("owner", "supplier", "operator"),
}

# What every write sends: plausible fields plus ones nobody may set this way (mass assignment).
PAYLOAD: dict[str, Any] = {
    "title": "被改写的标题", "problem": "被改写的内容" * 5, "summary": "被改写" * 5,
    "name": "改名", "body": "消息", "state": "docked", "to": "docked",
    "status": "closed", "role": "operator", "organization_id": 0, "author_id": 0,
    "amount_wan": "99999", "contract_type": "transfer", "signed_on": "2026-01-01",
    "verified": "y", "is_active": "y", "version": 1, "need_id": 0, "result_id": 0,
}


# A need form the edit page accepts (PAYLOAD alone lacks its required fields).
VALID_NEED_FORM = {
    "title": "甲方改写后的需求标题", "field": "new_energy",
    "problem": "锂离子电池极片涂布速度提高后，人工抽检无法发现针孔和划痕。",
    "budget_min": "50", "budget_max": "100", "modes": ["joint_development"],
    "province": "江苏省", "action": "draft",
}


@dataclass
class World:
    """The records every access check runs against, and a logged-in client per actor."""

    ids: dict[str, int]
    users: dict[str, User]
    orgs: dict[str, Organization]


@pytest.fixture
def world(app: Flask, db: Session, make_user: Callable[..., User], make_org: Callable[..., Organization],
          make_need: Callable[..., Need], make_result: Callable[..., Result],
          make_docking: Callable[..., Any]) -> World:
    """Two enterprises, an institution, two brokers, an operator and their records."""
    orgs = {"owner": make_org(OrgKind.ENTERPRISE, name="甲方精密制造有限公司"),
            "stranger": make_org(OrgKind.ENTERPRISE, name="无关新材料有限公司"),
            "supplier": make_org(OrgKind.UNIVERSITY, name="乙方理工大学"),
            "agency": make_org(OrgKind.AGENCY, name="技术转移中心"),
            "platform": make_org(OrgKind.AGENCY, name="平台运营中心")}
    users = {"owner": make_user(orgs["owner"]), "stranger": make_user(orgs["stranger"]),
             "supplier": make_user(orgs["supplier"]),
             "broker": make_user(orgs["agency"], role=Role.BROKER),
             "other_broker": make_user(orgs["agency"], role=Role.BROKER),
             "operator": make_user(orgs["platform"], role=Role.OPERATOR)}
    need_draft = make_need(users["owner"], status=NeedStatus.DRAFT, title=SECRETS[0])
    result_draft = make_result(users["supplier"], status=ResultStatus.DRAFT, title=SECRETS[1])
    docking = make_docking(users["owner"], users["supplier"], DockingState.SIGNED,
                           broker=users["broker"])
    need_pub = db.get(Need, docking.need_id)
    assert need_pub is not None
    solution = Solution(need_id=need_pub.id, organization_id=orgs["supplier"].id,
                        author_id=users["supplier"].id, summary=SECRETS[2], approach="方案" * 10,
                        status=SolutionStatus.SUBMITTED)
    deal = Deal(docking_id=docking.id, contract_type=ContractType.DEVELOPMENT,
                amount_wan=Decimal("80"), signed_on=dt.date(2026, 6, 1),
                created_by_id=users["owner"].id)
    note = Notification(user_id=users["owner"].id, kind=NotificationKind.STATUS, title="提醒",
                        link="/")
    token = ApiToken(user_id=users["owner"].id, name="ci", token_hash=hash_token(new_token()),
                     hint="imk_x")
    search = SavedSearch(user_id=users["owner"].id, kind=SearchKind.NEEDS, name="甲方订阅",
                         params="q=电池")
    db.add_all([solution, deal, note, token, search])
    db.commit()
    with app.app_context():
        stored = storage.store(io.BytesIO(b"%PDF-1.7\n" + SECRETS[2].encode() + b"\n%%EOF"))
    attachment = Attachment(need_id=need_pub.id, organization_id=orgs["owner"].id,
                            uploader_id=users["owner"].id, filename="保密技术资料.pdf",
                            media_type="application/pdf", size=stored.size,
                            sha256=stored.sha256, storage_key=stored.key, confidential=True)
    db.add(attachment)
    db.commit()
    ids = {"need_draft": need_draft.id, "need_pub": need_pub.id, "result_draft": result_draft.id,
           "result_pub": docking.result_id, "solution": solution.id, "docking": docking.id,
           "deal": deal.id, "notification": note.id, "token": token.id,
           "attachment": attachment.id, "search": search.id, "org_owner": orgs["owner"].id}
    return World(ids, users, orgs)


def _snapshot(db: Session) -> str:
    """A digest of every row that a request could change (the log and log-in times excepted)."""
    digest = hashlib.sha256()
    db.expire_all()
    with db.get_bind().connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in ("security_events", "users", "idempotency_keys"):
                continue
            order = ", ".join(c.name for c in table.primary_key.columns) or "1"
            for row in conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")):  # noqa: S608
                digest.update(repr((table.name, tuple(row))).encode())
        for row in conn.execute(text("SELECT id, role, organization_id, is_active, password_hash,"
                                     " email FROM users ORDER BY id")):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _url(app: Flask, rule: Any, world: World, overrides: dict[str, str]) -> str:
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        ref = overrides.get(arg, DEFAULT_ARGS.get(arg))
        assert ref is not None, f"no value for <{arg}> in {rule.rule}"
        values[arg] = world.ids.get(ref, ref)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _send(client: FlaskClient, method: str, url: str, world: World) -> Any:
    payload = {**PAYLOAD, "organization_id": world.orgs["stranger"].id}
    if method in ("GET", "HEAD", "DELETE"):
        return client.open(url, method=method)
    if url.startswith("/api/"):
        return client.open(url, method=method, json=payload)
    return client.open(url, method=method, data=payload)


def _refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def _clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    clients = {"anonymous": app.test_client()}
    for name, user in world.users.items():
        clients[name] = login(app.test_client(), user)
    return clients


def _routes(app: Flask) -> list[tuple[str, Any, str]]:
    return sorted(((rule.endpoint, rule, method) for rule in app.url_map.iter_rules()
                   for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})),
                  key=lambda t: (t[0], t[1].rule, t[2]))


def test_every_route_has_a_rule(app: Flask) -> None:
    unclassified = sorted({endpoint for endpoint, _, _ in _routes(app)} - set(RULES))
    assert unclassified == [], f"classify these endpoints in tests/webapp/test_access.py: {unclassified}"
    stale = sorted(set(RULES) - {endpoint for endpoint, _, _ in _routes(app)})
    assert stale == [], f"rules for endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_only_the_allowed_get_through(endpoint: str, app: Flask, db: Session, world: World) -> None:
    rule = RULES[endpoint]
    routes = [(r, m) for e, r, m in _routes(app) if e == endpoint]
    assert routes, f"{endpoint} is not registered"
    clients = _clients(app, world)
    # Refused actors first, so that nothing an allowed actor legitimately changes hides a
    # change made by someone who may not.
    order = sorted(ACTORS, key=lambda a: a in rule.allowed)
    problems: list[str] = []
    for url_rule, method in routes:
        url = _url(app, url_rule, world, rule.args)
        for actor in order:
            if endpoint == "auth.logout" and actor != "anonymous" and method == "POST":
                continue  # logging out is allowed to everyone and ends the client's session
            before = _snapshot(db) if actor not in rule.allowed else ""
            response = _send(clients[actor], method, url, world)
            body = response.get_data()
            response.close()
            where = f"{method} {url} as {actor}: {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where} (server error)")
            if actor in rule.allowed:
                if _refused(response) and response.status_code != 404:
                    problems.append(f"{where} refused but allowed")
                continue
            if not _refused(response):
                problems.append(f"{where} not refused")
            if _snapshot(db) != before:
                problems.append(f"{where} changed the database")
            leaked = [s for s in SECRETS if s.encode() in body]
            if leaked:
                problems.append(f"{where} leaked {leaked}")
    assert problems == []


def test_mass_assignment_is_ignored(app: Flask, db: Session, world: World) -> None:
    """Owners editing their own records cannot move them, promote themselves or set amounts."""
    owner = login(app.test_client(), world.users["owner"])
    stranger_org = world.orgs["stranger"].id
    need_id = world.ids["need_draft"]
    # Each request is otherwise valid, so that what it may change does change.
    edited = owner.post(f"/needs/{need_id}/edit", data={
        **PAYLOAD, **VALID_NEED_FORM, "organization_id": stranger_org,
        "author_id": world.users["stranger"].id})
    assert edited.status_code == 302
    api = owner.patch(f"/api/v1/needs/{need_id}", json={
        "title": "接口改写的标题", "organization_id": stranger_org,
        "author_id": world.users["stranger"].id})
    assert api.status_code == 422 and set(api.get_json()["fields"]) == {"organization_id",
                                                                         "author_id"}
    new_password = "violet-harbour-77"
    changed = owner.post("/account/password", data={
        "current": PASSWORD, "password": new_password, "confirm": new_password,
        "role": "operator", "organization_id": stranger_org})
    assert changed.status_code == 302
    posted = owner.post(f"/dockings/{world.ids['docking']}/messages",
                        data={"body": "你好", "amount_wan": "1", "state": "dropped"})
    assert posted.status_code == 302
    db.expire_all()
    need = db.get(Need, need_id)
    assert need is not None and need.title == VALID_NEED_FORM["title"]
    assert need.organization_id == world.orgs["owner"].id
    assert need.author_id == world.users["owner"].id
    user = db.get(User, world.users["owner"].id)
    assert user is not None and user.check_password(new_password)
    assert user.role is Role.MEMBER and user.organization_id == world.orgs["owner"].id
    docking = db.get(Docking, world.ids["docking"])
    assert docking is not None and [m.body for m in docking.messages] == ["你好"]
    assert docking.state is DockingState.SIGNED
    deal = db.get(Deal, world.ids["deal"])
    assert deal is not None and deal.amount_wan == Decimal("80")

    client = app.test_client()
    client.post("/signup", data={
        "email": "new@example.cn", "name": "新人", "password": "blue-river-2025",
        "confirm": "blue-river-2025", "org_mode": "create", "org_name": "新建公司",
        "org_kind": "enterprise", "province": "浙江省", "role": "operator", "verified": "y",
        "organization_id": world.orgs["platform"].id})
    from sqlalchemy import select

    created = db.scalar(select(User).where(User.email == "new@example.cn"))
    assert created is not None and created.role is Role.MEMBER
    assert created.organization_id != world.orgs["platform"].id
    assert created.organization.verified is False


def test_interest_only_in_ones_own_name(app: Flask, db: Session, world: World) -> None:
    """Showing interest pairs one's own listing with another's: never someone else's listing."""
    stranger = login(app.test_client(), world.users["stranger"])
    before = _snapshot(db)
    pairs = [{"need_id": world.ids["need_pub"], "result_id": world.ids["result_pub"]},
             {"need_id": world.ids["need_draft"], "result_id": world.ids["result_pub"]},
             {"need_id": world.ids["need_pub"], "result_id": world.ids["result_draft"]}]
    for pair in pairs:
        page = stranger.post("/dockings/interest", data=pair)
        api = stranger.post("/api/v1/dockings", json=pair)
        assert page.status_code < 500, pair
        assert api.status_code in (403, 404, 409, 422), (pair, api.status_code)
    assert _snapshot(db) == before
