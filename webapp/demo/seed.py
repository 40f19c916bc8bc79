"""Load the generated demo world into the database, once: records already there are kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Field,
    IPType,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultIP,
    ResultStatus,
    Role,
    Solution,
    SolutionStatus,
    User,
    utcnow,
)

from ..needs.services import expire_due_needs
from .corpus import INNOMATCH_SIZES, Sizes, build_world
from .dockings import load_dockings


def parse_scale(raw: str) -> tuple[float, Sizes | None]:
    """Parse ``--scale``: a positive factor of the base world, or ``innomatch`` for the size
    the platform reported in mid-2025 (20,000 users, 6,600 needs, 4,600 results, 3,000
    solutions), which a single factor of the base world cannot give."""
    if raw == "innomatch":
        return 1.0, INNOMATCH_SIZES
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("scale must be a number or 'innomatch'") from None
    if not 0 < value <= 1000:
        raise ValueError("scale must be between 0 and 1000")
    return value, None


def _days_ago(now: dt.datetime, days: int | None) -> dt.datetime | None:
    return None if days is None else now - dt.timedelta(days=days, hours=days % 9)


def load_world(session: Session, seed: int = 2025, scale: float = 1.0,
               sizes: Sizes | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Insert the demo world generated for ``seed`` and ``scale``; return how many rows were new.

    Organisations are found by name, users by e-mail, needs and results by organisation and
    title, solutions by need and organisation, so a second run adds nothing. ``now`` is the
    moment the world is dated back from (the clock by default; a fixed one makes the rows
    reproducible), and needs past their validity on its date are expired.
    """
    world = build_world(seed=seed, scale=scale, sizes=sizes)
    today = None if now is None else now.date()
    now = now or utcnow()
    counts = {"organizations": 0, "users": 0, "needs": 0, "results": 0, "solutions": 0}

    orgs: dict[str, Organization] = {o.name: o for o in session.scalars(select(Organization))}
    org_by_key: dict[str, Organization] = {}
    for item in world.organizations:
        org = orgs.get(item["name"])
        if org is None:
            org = Organization(name=item["name"], kind=OrgKind(item["kind"]),
                               province=item["province"], city=item["city"],
                               credit_code=item["credit_code"], verified=item["verified"],
                               description=item.get("description", ""))
            session.add(org)
            orgs[org.name] = org
            counts["organizations"] += 1
        org_by_key[item["key"]] = org
    session.flush()

    users = {u.email: u for u in session.scalars(select(User))}
    user_by_key: dict[str, User] = {}
    hashes: dict[str, str] = {}
    for item in world.users:
        user = users.get(item["email"])
        if user is None:
            # Demo accounts are pre-confirmed: they post at once.
            user = User(email=item["email"], name=item["name"], role=Role(item["role"]),
                        organization=org_by_key[item["org_key"]], email_confirmed_at=now)
            # Every demo account shares one password: hash it once, not thousands of times.
            if item["password"] not in hashes:
                user.set_password(item["password"])
                hashes[item["password"]] = user.password_hash
            user.password_hash = hashes[item["password"]]
            session.add(user)
            users[user.email] = user
            counts["users"] += 1
        user_by_key[item["key"]] = user
    session.flush()

    need_by_key = _load_needs(session, world.needs, org_by_key, user_by_key, now, counts)
    result_by_key = _load_results(session, world.results, org_by_key, user_by_key, now, counts)
    _load_solutions(session, world.solutions, need_by_key, result_by_key, org_by_key,
                    user_by_key, now, counts)
    session.flush()
    counts["expired"] = len(expire_due_needs(session, today=today))
    counts.update(load_dockings(session, world, need_by_key, result_by_key, user_by_key, now,
                                seed))
    return counts


def _existing(session: Session, model: type[Need] | type[Result]) -> dict[tuple[int, str], Any]:
    rows: list[Need | Result] = list(session.scalars(select(model)))
    return {(r.organization_id, r.title): r for r in rows}


def _load_needs(session: Session, items: list[dict[str, Any]], orgs: dict[str, Organization],
                users: dict[str, User], now: dt.datetime,
                counts: dict[str, int]) -> dict[str, Need]:
    existing = _existing(session, Need)
    out: dict[str, Need] = {}
    for item in items:
        org = orgs[item["org_key"]]
        need = existing.get((org.id, item["title"]))
        if need is None:
            published = _days_ago(now, item["published_days_ago"])
            status = NeedStatus(item["status"])
            if status is not NeedStatus.DRAFT and published is None:
                published = now
            need = Need(organization_id=org.id, author_id=users[item["author_key"]].id,
                        field=Field(item["field"]), status=status, published_at=published)
            need.subfield = item["subfield"]
            need.title = item["title"]
            need.problem = item["problem"]
            need.indicators = item["indicators"]
            need.basis = item["basis"]
            need.keywords = item["keywords"]
            need.budget_min_wan = _decimal(item["budget_min_wan"])
            need.budget_max_wan = _decimal(item["budget_max_wan"])
            need.modes = [CooperationMode(m) for m in item["modes"]]
            need.province = item["province"]
            need.city = item["city"]
            need.show_org_name = item["show_org_name"]
            start = (published or now).date()
            need.valid_until = start + dt.timedelta(days=item["valid_days"])
            if status is NeedStatus.CLOSED:
                need.closed_at = now
            session.add(need)
            existing[(org.id, need.title)] = need
            counts["needs"] += 1
        out[item["key"]] = need
    session.flush()
    return out


def _load_results(session: Session, items: list[dict[str, Any]], orgs: dict[str, Organization],
                  users: dict[str, User], now: dt.datetime,
                  counts: dict[str, int]) -> dict[str, Result]:
    existing = _existing(session, Result)
    out: dict[str, Result] = {}
    for item in items:
        org = orgs[item["org_key"]]
        result = existing.get((org.id, item["title"]))
        if result is None:
            status = ResultStatus(item["status"])
            published = _days_ago(now, item["published_days_ago"])
            if status is not ResultStatus.DRAFT and published is None:
                published = now
            result = Result(organization_id=org.id, author_id=users[item["author_key"]].id,
                            field=Field(item["field"]), status=status, published_at=published,
                            form=ResultForm(item["form"]), trl=item["trl"])
            result.subfield = item["subfield"]
            result.title = item["title"]
            result.summary = item["summary"]
            result.keywords = item["keywords"]
            result.modes = [CooperationMode(m) for m in item["modes"]]
            result.price_wan = _decimal(item["price_wan"])
            result.team = item["team"]
            result.contact_name = item["contact_name"]
            result.contact_phone = item["contact_phone"]
            result.province = org.province
            result.city = org.city
            result.ip_rights = [ResultIP(ip_type=IPType(ip["type"]), number=ip["number"])
                                for ip in item["ip"]]
            session.add(result)
            existing[(org.id, result.title)] = result
            counts["results"] += 1
        out[item["key"]] = result
    session.flush()
    return out


def _load_solutions(session: Session, items: list[dict[str, Any]], needs: dict[str, Need],
                    results: dict[str, Result], orgs: dict[str, Organization],
                    users: dict[str, User], now: dt.datetime, counts: dict[str, int]) -> None:
    existing = {(s.need_id, s.organization_id) for s in session.scalars(select(Solution))}
    for item in items:
        need, org = needs[item["need_key"]], orgs[item["org_key"]]
        if (need.id, org.id) in existing:
            continue
        created = _days_ago(now, item["submitted_days_ago"]) or now
        session.add(Solution(
            need_id=need.id, organization_id=org.id, author_id=users[item["author_key"]].id,
            summary=item["summary"], approach=item["approach"],
            price_wan=_decimal(item["price_wan"]), timeline=item["timeline"],
            status=SolutionStatus(item["status"]), created_at=created, updated_at=created,
            results=[results[k] for k in item["result_keys"]]))
        existing.add((need.id, org.id))
        counts["solutions"] += 1


def _decimal(value: Decimal | str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
