"""Match-rate reports against a hand-built world in which every figure is known in advance.

The world (times in UTC; "SH" is the Asia/Shanghai calendar day):

needs   field          region  published (SH)        what happened
N1      new_energy     江苏省  2025-01-10            S1 submitted; D1 with R1 signed (deal 1)
N2      new_energy     江苏省  2025-02-01 (Jan 31Z)  D2 with R1 at interest
N3      bio_medicine   上海市  2025-02-15            S2 accepted, its docking D3 negotiating
N4      new_materials  上海市  2025-03-05            S3 declined; D4 with R3 docked then dropped
N5      new_energy     上海市  2025-03-20            D5 with R1 suggested; D7 with R3 signed (deal 3)
N6      new_energy     江苏省  draft                 —
N7      bio_medicine   江苏省  2024-12-31 (23:30 SH) S4 submitted; D6 with R2 signed (deal 2)

deals   1: development 120.5 万元 2025-02-10 (U1)  2: license 80 万元 2025-03-31 (U1)
        3: transfer 200 万元 2025-04-15 (I1)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    Docking,
    DockingEvent,
    DockingState,
    DropReason,
    Field,
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultStatus,
    Role,
    Side,
    Solution,
    SolutionStatus,
    User,
)
from webapp.cli import main as cli_main
from webapp.reports.services import ReportFilters, build_report, parse_filters, report_dict

from support import PASSWORD, login, page_text

PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}



@pytest.fixture(autouse=True)
def _strong_from_0_3(app: Flask) -> None:
    """The world's suggestions are written with coverages around a strong threshold of 0.3."""
    app.config["MATCH_STRONG"] = 0.3


def utc(*parts: int) -> dt.datetime:
    """An aware UTC datetime."""
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    """Build the world described in the module docstring; returns the operator and records."""
    def org(name: str, kind: OrgKind, province: str, created: dt.datetime) -> Organization:
        o = Organization(name=name, kind=kind, province=province, city="", created_at=created)
        db.add(o)
        return o

    e1 = org("苏州精测装备有限公司", OrgKind.ENTERPRISE, "江苏省", utc(2024, 12, 10))
    e2 = org("上海海联新材料有限公司", OrgKind.ENTERPRISE, "上海市", utc(2025, 1, 18))
    u1 = org("江南工业大学", OrgKind.UNIVERSITY, "上海市", utc(2024, 12, 10))
    i1 = org("北方材料研究院", OrgKind.INSTITUTE, "北京市", utc(2025, 2, 1, 3))
    agency = org("InnoMatch 平台运营中心", OrgKind.AGENCY, "上海市", utc(2024, 1, 1))
    db.flush()

    def user(email: str, o: Organization, created: dt.datetime,
             role: Role = Role.MEMBER) -> User:
        u = User(email=email, name=email.split("@")[0], organization=o, role=role,
                 created_at=created)
        u.set_password(PASSWORD)
        db.add(u)
        return u

    user("e1@example.cn", e1, utc(2024, 12, 15))
    member = user("e2@example.cn", e2, utc(2025, 1, 20))
    # 2024-12-31 16:30 UTC is already 2025-01-01 00:30 in Shanghai: inside the 2025 period.
    user("u1@example.cn", u1, utc(2024, 12, 31, 16, 30))
    user("i1@example.cn", i1, utc(2025, 2, 5))
    operator = user("op@example.cn", agency, utc(2025, 1, 1), Role.OPERATOR)
    db.flush()

    def need(title: str, o: Organization, tech: Field, province: str,
             published: dt.datetime | None, status: NeedStatus) -> Need:
        n = Need(organization_id=o.id, status=status, field=tech, published_at=published)
        n.title, n.problem, n.province = title, f"{title}的技术问题说明。", province
        db.add(n)
        return n

    n1 = need("需求一", e1, Field.NEW_ENERGY, "江苏省", utc(2025, 1, 10, 2), NeedStatus.SIGNED)
    # 2025-01-31 17:00 UTC is 2025-02-01 01:00 in Shanghai: a February need.
    n2 = need("需求二", e1, Field.NEW_ENERGY, "江苏省", utc(2025, 1, 31, 17), NeedStatus.DOCKING)
    n3 = need("需求三", e2, Field.BIO_MEDICINE, "上海市", utc(2025, 2, 15, 4), NeedStatus.DOCKING)
    n4 = need("需求四", e2, Field.NEW_MATERIALS, "上海市", utc(2025, 3, 5, 4),
              NeedStatus.PUBLISHED)
    n5 = need("需求五", e2, Field.NEW_ENERGY, "上海市", utc(2025, 3, 20, 4), NeedStatus.SIGNED)
    n6 = need("需求六（草稿）", e1, Field.NEW_ENERGY, "江苏省", None, NeedStatus.DRAFT)
    # 2024-12-31 15:30 UTC is 23:30 on 31 December in Shanghai: outside the 2025 period.
    n7 = need("需求七", e1, Field.BIO_MEDICINE, "江苏省", utc(2024, 12, 31, 15, 30),
              NeedStatus.SIGNED)

    def result(title: str, o: Organization, tech: Field, province: str,
               published: dt.datetime | None) -> Result:
        r = Result(organization_id=o.id, field=tech, form=ResultForm.TECHNOLOGY, trl=6,
                   status=ResultStatus.PUBLISHED if published else ResultStatus.DRAFT,
                   published_at=published)
        r.title, r.summary, r.province = title, f"{title}的成果简介。", province
        db.add(r)
        return r

    r1 = result("成果一", u1, Field.NEW_ENERGY, "上海市", utc(2024, 12, 20, 2))
    r2 = result("成果二", u1, Field.BIO_MEDICINE, "江苏省", utc(2025, 2, 1, 2))
    r3 = result("成果三", i1, Field.NEW_MATERIALS, "北京市", utc(2025, 3, 1))
    result("成果四（草稿）", i1, Field.NEW_ENERGY, "北京市", None)
    db.flush()

    for n, r, score in ((n1, r1, 0.85), (n1, r3, 0.15), (n2, r1, 0.45), (n3, r2, 0.65),
                        (n4, r3, 0.35), (n5, r1, 0.25), (n7, r2, 0.5),
                        # A draft's suggestion is outside every cohort and must not count.
                        (n6, r1, 0.9)):
        db.add(Match(need_id=n.id, result_id=r.id, score=score, text_score=score,
                     matcher_version="test"))

    def solution(n: Need, o: Organization, status: SolutionStatus,
                 created: dt.datetime) -> Solution:
        s = Solution(need_id=n.id, organization_id=o.id, summary="方案概述", approach="技术路线",
                     status=status, created_at=created)
        db.add(s)
        return s

    solution(n1, u1, SolutionStatus.SUBMITTED, utc(2025, 1, 12, 2))
    s2 = solution(n3, u1, SolutionStatus.ACCEPTED, utc(2025, 2, 20, 4))
    solution(n4, i1, SolutionStatus.DECLINED, utc(2025, 3, 6, 4))
    solution(n7, u1, SolutionStatus.SUBMITTED, utc(2025, 1, 3, 2))
    db.flush()

    def docking(n: Need, state: DockingState, side: Side | None, *, r: Result | None = None,
                s: Solution | None = None, created: dt.datetime | None = None,
                events: tuple[tuple[DockingState, dt.datetime], ...] = ()) -> Docking:
        supply = r.organization_id if r is not None else s.organization_id  # type: ignore[union-attr]
        d = Docking(need_id=n.id, result_id=r.id if r else None, solution_id=s.id if s else None,
                    need_org_id=n.organization_id, supply_org_id=supply, state=state,
                    interest_side=side, created_at=created or utc(2025, 1, 1),
                    drop_reason=DropReason.PRICE if state is DockingState.DROPPED else None)
        db.add(d)
        db.flush()
        for to_state, at in events:
            db.add(DockingEvent(docking_id=d.id, to_state=to_state, created_at=at))
        return d

    d1 = docking(n1, DockingState.SIGNED, Side.NEED, r=r1, created=utc(2025, 1, 15), events=(
        (DockingState.INTEREST, utc(2025, 1, 15)), (DockingState.DOCKED, utc(2025, 1, 20, 2)),
        (DockingState.NEGOTIATING, utc(2025, 1, 25)), (DockingState.SIGNED, utc(2025, 2, 10))))
    docking(n2, DockingState.INTEREST, Side.SUPPLY, r=r1, created=utc(2025, 2, 3),
            events=((DockingState.INTEREST, utc(2025, 2, 3)),))
    docking(n3, DockingState.NEGOTIATING, Side.SUPPLY, s=s2, created=utc(2025, 2, 21, 4),
            events=((DockingState.DOCKED, utc(2025, 2, 21, 4)),
                    (DockingState.NEGOTIATING, utc(2025, 2, 25))))
    docking(n4, DockingState.DROPPED, Side.NEED, r=r3, created=utc(2025, 3, 7), events=(
        (DockingState.INTEREST, utc(2025, 3, 7)), (DockingState.DOCKED, utc(2025, 3, 10)),
        (DockingState.DROPPED, utc(2025, 3, 12))))
    docking(n5, DockingState.SUGGESTED, None, r=r1, created=utc(2025, 3, 21))
    # No events: the docking's own creation time stands in for the moment it was docked.
    d6 = docking(n7, DockingState.SIGNED, Side.NEED, r=r2, created=utc(2025, 1, 5, 4))
    d7 = docking(n5, DockingState.SIGNED, Side.SUPPLY, r=r3, created=utc(2025, 3, 30),
                 events=((DockingState.DOCKED, utc(2025, 4, 2, 4)),))
    db.add_all([
        Deal(docking_id=d1.id, contract_type=ContractType.DEVELOPMENT,
             amount_wan=Decimal("120.5"), signed_on=dt.date(2025, 2, 10)),
        Deal(docking_id=d6.id, contract_type=ContractType.LICENSE, amount_wan=Decimal("80"),
             signed_on=dt.date(2025, 3, 31)),
        Deal(docking_id=d7.id, contract_type=ContractType.TRANSFER, amount_wan=Decimal("200"),
             signed_on=dt.date(2025, 4, 15)),
    ])
    db.commit()
    return {"operator": operator, "member": member}


def report(db: Session, **args: str) -> dict[str, Any]:
    """The report as JSON-ready data for the given filter arguments."""
    return report_dict(build_report(db, parse_filters(args), threshold=0.3))


# --- the figures -----------------------------------------------------------------------------

HEADLINES = {
    "all": ({}, dict(users=5, organizations=5, needs_published=6, results_published=3,
                     needs_open=3, results_open=3,
                     solutions_received=4, dockings=4, needs_docked=4, deals_signed=3,
                     amount_signed_wan=Decimal("400.5"), amount_signed_yi=Decimal("0.04005"),
                     docking_rate=0.6667)),
    "period": (PERIOD, dict(users=4, organizations=2, needs_published=5, results_published=2,
                            needs_open=3, results_open=2,
                            solutions_received=4, dockings=3, needs_docked=3, deals_signed=2,
                            amount_signed_wan=Decimal("200.5"),
                            amount_signed_yi=Decimal("0.02005"), docking_rate=0.6)),
    "field": ({"field": "new_energy"}, dict(
        users=5, organizations=5, needs_published=3, results_published=1, solutions_received=1,
        needs_open=1, results_open=1,
        dockings=2, needs_docked=2, deals_signed=2, amount_signed_wan=Decimal("320.5"),
        amount_signed_yi=Decimal("0.03205"), docking_rate=0.6667)),
    "region": ({"region": "上海市"}, dict(
        users=3, organizations=3, needs_published=3, results_published=1, solutions_received=2,
        needs_open=2, results_open=1,
        dockings=2, needs_docked=2, deals_signed=1, amount_signed_wan=Decimal("200"),
        amount_signed_yi=Decimal("0.02"), docking_rate=0.6667)),
    "nothing": ({"from": "2030-01-01"}, dict(
        users=0, organizations=0, needs_published=0, results_published=0, solutions_received=0,
        needs_open=0, results_open=0,
        dockings=0, needs_docked=0, deals_signed=0, amount_signed_wan=Decimal("0"),
        amount_signed_yi=Decimal("0"), docking_rate=None)),
}


@pytest.mark.parametrize("case", list(HEADLINES))
def test_headline_figures(world: dict[str, Any], db: Session, case: str) -> None:
    args, expected = HEADLINES[case]
    assert report(db, **args)["headline"] == expected


FUNNELS = {
    # (count, of first, of previous) for published, suggested, interest or solution, docked,
    # signed: each step keeps the needs of the one before that reached it.
    # All: N1 N2 N3 N4 N5 N7 published; N5's best suggestion is 0.25; all five left have
    # interest or a solution; N2 (interest only) and N4 (dropped) never docked; N3 never signed.
    "all": ({}, [(6, 1.0, None), (5, 0.8333, 0.8333), (5, 0.8333, 1.0), (3, 0.5, 0.6),
                 (2, 0.3333, 0.6667)]),
    # N7 published 31 December in Shanghai is outside; N5 signed but was not suggested.
    "period": (PERIOD, [(5, 1.0, None), (4, 0.8, 0.8), (4, 0.8, 1.0), (2, 0.4, 0.5),
                        (1, 0.2, 0.5)]),
    "field": ({"field": "new_energy"}, [(3, 1.0, None), (2, 0.6667, 0.6667), (2, 0.6667, 1.0),
                                        (1, 0.3333, 0.5), (1, 0.3333, 1.0)]),
    "region": ({"region": "上海市"}, [(3, 1.0, None), (2, 0.6667, 0.6667), (2, 0.6667, 1.0),
                                      (1, 0.3333, 0.5), (0, 0.0, 0.0)]),
}


@pytest.mark.parametrize("case", list(FUNNELS))
def test_funnel(world: dict[str, Any], db: Session, case: str) -> None:
    args, expected = FUNNELS[case]
    data = report(db, **args)
    steps = data["funnel"]
    assert [s["key"] for s in steps] == ["published", "suggested", "interest_or_solution",
                                         "docked", "signed"]
    assert [(s["count"], s["of_first"], s["of_previous"]) for s in steps] == expected
    assert steps[0]["count"] == data["needs_published"]


def test_funnel_threshold_is_a_setting(world: dict[str, Any], db: Session) -> None:
    strict = build_report(db, ReportFilters(), threshold=0.6)
    assert strict.funnel[1].count == 2  # N1 (0.85) and N3 (0.65)


def _deals(rows: list[dict[str, Any]], key: str) -> list[tuple[Any, int, Decimal]]:
    return [(row[key], row["deals"], row["amount_wan"]) for row in rows]


def test_deals_by_every_dimension(world: dict[str, Any], db: Session) -> None:
    by = report(db)["deals_by"]
    assert _deals(by["contract_type"], "label") == [
        ("技术转让", 1, Decimal("200")), ("技术开发", 1, Decimal("120.5")),
        ("技术许可", 1, Decimal("80"))]
    assert _deals(by["field"], "field") == [
        ("new_energy", 2, Decimal("320.5")), ("bio_medicine", 1, Decimal("80"))]
    assert _deals(by["region"], "region") == [
        ("江苏省", 2, Decimal("200.5")), ("上海市", 1, Decimal("200"))]
    assert _deals(by["month"], "month") == [
        ("2025-02", 1, Decimal("120.5")), ("2025-03", 1, Decimal("80")),
        ("2025-04", 1, Decimal("200"))]
    assert _deals(by["organization"], "organization") == [
        ("江南工业大学", 2, Decimal("200.5")), ("北方材料研究院", 1, Decimal("200"))]
    top = report(db)["top_institutions"]
    assert [(t["rank"], t["organization"], t["kind_label"]) for t in top] == [
        (1, "江南工业大学", "高校"), (2, "北方材料研究院", "科研院所")]


def test_deals_follow_the_filters(world: dict[str, Any], db: Session) -> None:
    # The last day of the period is included: deal 2 was signed on 31 March.
    assert _deals(report(db, **PERIOD)["deals_by"]["month"], "month") == [
        ("2025-02", 1, Decimal("120.5")), ("2025-03", 1, Decimal("80"))]
    assert _deals(report(db, region="上海市")["deals_by"]["organization"], "organization") == [
        ("北方材料研究院", 1, Decimal("200"))]
    assert _deals(report(db, field="bio_medicine")["deals_by"]["contract_type"], "label") == [
        ("技术许可", 1, Decimal("80"))]


def test_monthly_series(world: dict[str, Any], db: Session) -> None:
    rows = [(m["month"], m["needs"], m["dockings"], m["deals"], m["amount_wan"])
            for m in report(db)["monthly"]]
    assert rows == [("2024-12", 1, 0, 0, Decimal(0)), ("2025-01", 1, 2, 0, Decimal(0)),
                    ("2025-02", 2, 1, 1, Decimal("120.5")), ("2025-03", 2, 0, 1, Decimal("80")),
                    ("2025-04", 0, 1, 1, Decimal("200"))]
    period = [(m["month"], m["needs"], m["dockings"]) for m in report(db, **PERIOD)["monthly"]]
    assert period == [("2025-01", 1, 2), ("2025-02", 2, 1), ("2025-03", 2, 0)]


def test_median_times(world: dict[str, Any], db: Session) -> None:
    times = {t["key"]: (t["median_days"], t["needs"]) for t in report(db)["times"]}
    assert times == {"to_first_solution": (2.5, 4), "to_docking": (8.0, 4),
                     "to_signing": (31.0, 3)}
    period = {t["key"]: (t["median_days"], t["needs"]) for t in report(db, **PERIOD)["times"]}
    # Without N7: solutions after 2, 5 and 1 days; dockings after 10, 6, 13; deals after 31, 26.
    assert period == {"to_first_solution": (2.0, 3), "to_docking": (10.0, 3),
                      "to_signing": (28.5, 2)}
    empty = {t["key"]: t["median_days"] for t in report(db, field="aerospace")["times"]}
    assert empty == {"to_first_solution": None, "to_docking": None, "to_signing": None}


def test_suggestion_quality_by_score_band(world: dict[str, Any], db: Session) -> None:
    bands = [(q["band"], q["suggestions"], q["docked"], q["share"])
             for q in report(db)["suggestion_quality"]]
    assert bands == [("0.0–0.2", 1, 0, 0.0), ("0.2–0.4", 2, 0, 0.0), ("0.4–0.6", 2, 1, 0.5),
                     ("0.6–0.8", 1, 0, 0.0), ("≥ 0.8", 1, 1, 1.0)]
    period = [(q["suggestions"], q["docked"]) for q in report(db, **PERIOD)["suggestion_quality"]]
    assert period == [(1, 0), (2, 0), (1, 0), (1, 0), (1, 1)]


def test_bad_filters_are_refused(world: dict[str, Any], app: Flask) -> None:
    client = login(app.test_client(), world["operator"])
    for args in ({"from": "2025-13-01"}, {"field": "astrology"}, {"region": "火星"},
                 {"from": "2025-03-01", "to": "2025-01-01"}):
        assert client.get("/reports.json", query_string=args).status_code == 400
    assert app.test_client().get("/figures", query_string={"field": "x"}).status_code == 400


# --- pages, JSON and permissions -------------------------------------------------------------

def test_report_page_is_for_operators(world: dict[str, Any], app: Flask) -> None:
    anonymous = app.test_client()
    for path in ("/reports", "/reports.json", "/reports/funnel.csv", "/reports/all.xlsx"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    member = login(app.test_client(), world["member"])
    for path in ("/reports", "/reports.json", "/reports/funnel.csv", "/reports/all.xlsx"):
        assert member.get(path).status_code == 403
    assert "数据报告" not in page_text(member.get("/"))


def test_report_page_shows_the_figures_and_charts(world: dict[str, Any], app: Flask) -> None:
    client = login(app.test_client(), world["operator"])
    response = client.get("/reports", query_string=PERIOD)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "60.0%" in text and "3 / 5 项需求" in text  # docking rate, needs docked / published
    assert "200.5" in text  # amount signed in the period
    # Each chart drawn twice: for a wide box and for a phone's (the stylesheet shows one).
    charts = re.findall(r'<svg[^>]*class="chart chart-(?:wide|narrow)".*?</svg>', html,
                        flags=re.S)
    assert len(charts) == 6 and "<script" not in html and "http://cdn" not in html
    for svg in charts:
        ElementTree.fromstring(svg)  # noqa: S314 - our own markup; well-formed, so it draws
    assert "月度需求、对接与签约" in html and "转化漏斗" in html
    assert "/reports/funnel.csv?from=2025-01-01&amp;to=2025-03-31" in html
    assert "数据报告" in page_text(client.get("/"))
    assert client.get("/reports/nothing.csv").status_code == 404
    assert client.get("/reports/funnel.pdf").status_code == 404


def test_json_has_the_same_figures_with_the_same_filters(world: dict[str, Any], app: Flask,
                                                         db: Session) -> None:
    client = login(app.test_client(), world["operator"])
    body = client.get("/reports.json", query_string={**PERIOD, "region": "上海市"}).get_json()
    assert body["filters"] == {"from": "2025-01-01", "to": "2025-03-31", "field": None,
                               "region": "上海市"}
    # N3, N4, N5; N3 and N5 docked; no deal of a 上海 need was signed before April.
    assert (body["needs_published"], body["needs_docked"], body["docking_rate"]) == (3, 2, 0.6667)
    assert (body["deals_signed"], body["amount_signed_wan"]) == (0, "0")
    expected = json.loads(json.dumps(report(db, **PERIOD, region="上海市"), default=str))
    body.pop("generated_at"), expected.pop("generated_at")
    assert body == expected


def test_public_figures_page(world: dict[str, Any], app: Flask) -> None:
    client = app.test_client()
    text = page_text(client.get("/figures"))
    assert "平台数据" in text and "400.5" in text and "0.04005" in text and "66.7%" in text
    figures = client.get("/figures.json", query_string={"field": "new_energy"}).get_json()
    assert (figures["needs_published"], figures["needs_docked"], figures["deals_signed"],
            figures["amount_signed_wan"]) == (3, 2, 2, "320.5")
    assert "平台数据" in page_text(client.get("/"))


# --- exports ---------------------------------------------------------------------------------

def _csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_exports(world: dict[str, Any], app: Flask) -> None:
    client = login(app.test_client(), world["operator"])
    response = client.get("/reports/funnel.csv", query_string=PERIOD)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert _csv_rows(response.data) == [
        ["环节", "需求数", "占首环节", "占上一环节"],
        ["已发布需求", "5", "1.0", ""], ["有高分推荐", "4", "0.8", "0.8"],
        ["有意向或方案", "4", "0.8", "1.0"], ["已对接", "2", "0.4", "0.5"],
        ["已签约", "1", "0.2", "0.5"]]
    rows = _csv_rows(client.get("/reports/deals_by_field.csv").data)
    assert rows == [["技术领域", "签约项目数", "签约金额（万元）"],
                    ["新能源与节能", "2", "320.5"], ["生物与新医药", "1", "80"]]
    headline = dict((r[1], r[2]) for r in _csv_rows(client.get("/reports/headline.csv").data)[1:])
    assert headline["needs_published"] == "6" and headline["amount_signed_wan"] == "400.5"
    assert headline["docking_rate"] == "0.6667"
    months = _csv_rows(client.get("/reports/monthly.csv", query_string={"region": "上海市"}).data)
    assert months[1:] == [["2025-02", "1", "1", "0", "0"], ["2025-03", "2", "0", "0", "0"],
                          ["2025-04", "0", "1", "1", "200"]]


def test_xlsx_exports(world: dict[str, Any], app: Flask, db: Session) -> None:
    client = login(app.test_client(), world["operator"])
    response = client.get("/reports/all.xlsx", query_string=PERIOD)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "headline", "funnel", "monthly", "deals_by_contract_type", "deals_by_field",
        "deals_by_region", "deals_by_month", "deals_by_organization", "top_institutions",
        "times", "suggestion_quality"]
    funnel = [list(r) for r in book["funnel"].iter_rows(values_only=True)]
    assert funnel[1:] == [["已发布需求", 5, 1, None], ["有高分推荐", 4, 0.8, 0.8],
                          ["有意向或方案", 4, 0.8, 1], ["已对接", 2, 0.4, 0.5],
                          ["已签约", 1, 0.2, 0.5]]
    orgs = [list(r) for r in book["deals_by_organization"].iter_rows(values_only=True)]
    assert orgs == [["机构", "类型", "签约项目数", "签约金额（万元）"],
                    ["江南工业大学", "高校", 2, 200.5]]
    # Every sheet holds exactly the rows of the report's JSON, cell for cell.
    data = report(db, **PERIOD)
    times = [list(r) for r in book["times"].iter_rows(min_row=2, values_only=True)]
    assert times == [[t["label"], t["median_days"], t["needs"]] for t in data["times"]]
    # Read well in a spreadsheet: rates as percentages, amounts number-formatted, headings
    # frozen, columns sized to their text.
    sheet = book["funnel"]
    assert [c.number_format for c in sheet[2]][1:] == ["#,##0", "0.0%", "General"]
    assert sheet["C3"].number_format == sheet["D3"].number_format == "0.0%"
    assert book["deals_by_organization"]["D2"].number_format == "#,##0.00"
    headline = {row[1].value: row[2] for row in book["headline"].iter_rows(min_row=2)}
    assert headline["docking_rate"].number_format == "0.0%"
    assert headline["amount_signed_wan"].number_format == "#,##0.00"
    assert headline["needs_published"].number_format == "#,##0"
    for name in book.sheetnames:
        assert book[name].freeze_panes == "A2", name
        assert book[name]["A1"].font.bold, name
    orgs_sheet = book["deals_by_organization"]
    assert orgs_sheet.column_dimensions["A"].width >= len("江南工业大学") * 2
    assert orgs_sheet.column_dimensions["D"].width >= len("签约金额（万元）") * 2
    single = load_workbook(io.BytesIO(client.get("/reports/deals_by_month.xlsx").data))
    assert single.sheetnames == ["deals_by_month"]
    assert [list(r) for r in single.active.iter_rows(min_row=2, values_only=True)] == [
        ["2025-02", 1, 120.5], ["2025-03", 1, 80], ["2025-04", 1, 200]]


# --- the command -----------------------------------------------------------------------------

def test_report_command_json(world: dict[str, Any], app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(cli_main, ["report", "--from", "2025-01-01", "--to", "2025-03-31",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["docking_rate"], data["needs_published"], data["needs_docked"],
            data["deals_signed"], data["amount_signed_wan"]) == (0.6, 5, 3, 2, "200.5")
    assert [s["count"] for s in data["funnel"]] == [5, 4, 4, 2, 1]
    assert data["funnel"][0]["count"] == data["needs_published"]
    field = json.loads(runner.invoke(cli_main, ["report", "--field", "new_energy",
                                                "--json"]).output)
    assert (field["needs_published"], field["amount_signed_wan"]) == (3, "320.5")
    text = runner.invoke(cli_main, ["report"]).output
    assert "66.7%" in text and "400.5" in text
    bad = runner.invoke(cli_main, ["report", "--field", "astrology"])
    assert bad.exit_code != 0 and "未知的技术领域" in bad.output
