"""Comparing a need's solutions side by side: who sees the comparison, its orders kept in the
URL, the shortlist, and deciding from it without leaving it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import Need, Organization, OrgKind, Result, Solution, SolutionStatus, User, utcnow
from tests.support import page_text


@pytest.fixture
def offers(db: Session, enterprise_user: User, make_need: Callable[..., Need],
           make_user: Callable[..., User], make_org: Callable[..., Organization],
           make_result: Callable[..., Result]) -> dict[str, Any]:
    """A need with three solutions from three institutes, and one withdrawn."""
    need = make_need(enterprise_user)
    made: dict[str, Any] = {"need": need}
    specs = [("甲研究院", Decimal("80"), 4, 3), ("乙大学", Decimal("30"), 8, 2),
             ("丙研究所", None, None, 1), ("丁学院", Decimal("10"), None, 0)]
    for name, price, trl, days in specs:
        member = make_user(make_org(OrgKind.INSTITUTE, name=name))
        results = [make_result(member, trl=trl, title=f"{name}的成果")] if trl else []
        solution = Solution(need_id=need.id, organization_id=member.organization_id,
                            author_id=member.id, summary=f"{name}的方案概述", approach="路线" * 5,
                            price_wan=price, timeline=f"{days + 3} 个月", results=results,
                            status=SolutionStatus.WITHDRAWN if name == "丁学院"
                            else SolutionStatus.SUBMITTED,
                            created_at=utcnow() - dt.timedelta(days=days))
        db.add(solution)
        made[name] = solution
    db.commit()
    return made


def columns(response: Any) -> list[str]:
    """The institutions heading the comparison's columns, left to right."""
    head = response.get_data(as_text=True).split("<thead>")[1].split("</thead>")[0]
    return re.findall(r'<th scope="col"><a href="/solutions/\d+">(.*?)</a></th>', head)


def test_the_owner_compares_the_solutions_side_by_side(as_enterprise: FlaskClient,
                                                       offers: dict[str, Any]) -> None:
    need = offers["need"]
    response = as_enterprise.get(f"/needs/{need.id}/solutions")
    assert response.status_code == 200
    assert columns(response) == ["丙研究所", "乙大学", "甲研究院"]  # newest first; withdrawn out
    text = page_text(response)
    for shown in ("80 万元", "30 万元", "面议", "TRL 8", "TRL 4", "未关联成果", "5 个月",
                  "乙大学的成果", "科研院所"):
        assert shown in text
    assert f'href="/needs/{need.id}/solutions"' in \
        as_enterprise.get(f"/needs/{need.id}").get_data(as_text=True)


@pytest.mark.parametrize(("sort", "order"), [
    ("price", ["乙大学", "甲研究院", "丙研究所"]),  # the cheapest first, negotiable last
    ("maturity", ["乙大学", "甲研究院", "丙研究所"]),
    ("newest", ["丙研究所", "乙大学", "甲研究院"]),
])
def test_the_comparison_is_sorted_as_the_url_says(sort: str, order: list[str],
                                                  as_enterprise: FlaskClient,
                                                  offers: dict[str, Any]) -> None:
    response = as_enterprise.get(f"/needs/{offers['need'].id}/solutions?sort={sort}")
    assert columns(response) == order
    assert re.search(rf'<option value="{sort}"\s+selected', response.get_data(as_text=True))


def test_shortlisting_from_the_comparison_stays_there_and_filters(
        as_enterprise: FlaskClient, db: Session, offers: dict[str, Any]) -> None:
    need, chosen = offers["need"], offers["乙大学"]
    here = f"/needs/{need.id}/solutions?sort=price"
    response = as_enterprise.post(f"/solutions/{chosen.id}/shortlist", data={"next": here})
    assert response.status_code == 302 and response.headers["Location"].endswith(here)
    db.expire_all()
    assert db.get(Solution, chosen.id).status is SolutionStatus.SHORTLISTED  # type: ignore[union-attr]
    status_first = as_enterprise.get(f"/needs/{need.id}/solutions")
    assert columns(status_first)[0] == "乙大学"
    shortlist = as_enterprise.get(f"/needs/{need.id}/solutions?shortlisted=1")
    assert columns(shortlist) == ["乙大学"]
    # A next that leaves the site is not followed.
    other = offers["甲研究院"]
    away = as_enterprise.post(f"/solutions/{other.id}/shortlist",
                              data={"next": "https://evil.example/"})
    assert away.headers["Location"].endswith(f"/solutions/{other.id}")


def test_only_the_needs_organisation_and_operators_compare(
        as_institution: FlaskClient, as_other_enterprise: FlaskClient, as_operator: FlaskClient,
        client: FlaskClient, offers: dict[str, Any]) -> None:
    url = f"/needs/{offers['need'].id}/solutions"
    assert as_institution.get(url).status_code == 403
    assert as_other_enterprise.get(url).status_code == 403
    assert client.get(url).status_code == 302  # to the log-in page
    assert as_operator.get(url).status_code == 200
    assert as_operator.get("/needs/999999/solutions").status_code == 404
