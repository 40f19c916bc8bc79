"""Ranked search of the need and result lists and of the API's lists (``webapp.search``):
relevance order, facets with the query, sorting, pages, acronyms, what stays hidden, bad input."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Field,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    User,
    utcnow,
)
from tests.support import page_text

MakeNeed = Callable[..., Need]
MakeResult = Callable[..., Result]


def titles(response: object, kind: str = "results") -> list[str]:
    """The titles of a list page's cards, in order, with the marks taken out."""
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    found = re.findall(rf'<h2><a href="/{kind}/\d+">(.*?)</a></h2>', html)
    return [re.sub(r"</?mark>", "", t) for t in found]


def aged(listing: Need | Result, db: Session, days: int) -> None:
    """Date a listing's publication ``days`` back."""
    listing.published_at = utcnow() - dt.timedelta(days=days)
    db.commit()


@pytest.fixture
def lab(make_user: Callable[..., User], make_org: Callable[..., Organization]) -> User:
    """A member of a university."""
    return make_user(make_org(OrgKind.UNIVERSITY, name="东南工学院"))


def test_a_query_ranks_by_relevance_and_marks_its_words(
        client: FlaskClient, db: Session, lab: User, make_result: MakeResult) -> None:
    both = make_result(lab, title="PCB焊点AOI自动光学检测系统",
                       summary="针对SMT产线回流焊后的焊点虚焊、连锡，采用AOI检测。")
    one = make_result(lab, title="自动光学检测平台", summary="面向显示面板的AOI设备。")
    other = make_result(lab, title="固态电池电解质", summary="硫化物电解质的空气稳定性。")
    aged(both, db, 30)  # the best match is the oldest: relevance, not date, puts it first
    aged(one, db, 10)
    assert other.published_at is not None
    response = client.get("/results", query_string={"q": "焊点 AOI"})
    assert response.status_code == 200
    assert titles(response) == [both.title, one.title]
    html = response.get_data(as_text=True)
    assert "<mark>焊点</mark>" in html and re.search(r"<mark>AOI</mark>", html, re.IGNORECASE)
    assert 'value="relevance" selected' in html
    # Newest first on request: the same matches, the other way round.
    newest = client.get("/results", query_string={"q": "焊点 AOI", "sort": "newest"})
    assert titles(newest) == [one.title, both.title]


@pytest.mark.parametrize(("query", "expected"), [
    ("PCB", "PCB板焊点检测"), ("pcb", "PCB板焊点检测"), ("AOI", "AOI光学检测设备"),
    ("5G", "5G专网通信模组"), ("SiC", "SiC功率模块封装"), ("sic 功率", "SiC功率模块封装"),
    ("碳化硅", "碳化硅衬底切磨抛"), ("Transformer 缺陷", "基于Transformer的缺陷分割"),
])
def test_acronyms_and_mixed_chinese_english_are_found(
        client: FlaskClient, lab: User, make_result: MakeResult, query: str,
        expected: str) -> None:
    for title in ("PCB板焊点检测", "AOI光学检测设备", "5G专网通信模组", "SiC功率模块封装",
                  "碳化硅衬底切磨抛", "基于Transformer的缺陷分割", "锂电池极片涂布"):
        make_result(lab, title=title, summary=f"{title}的技术方案与应用。")
    found = titles(client.get("/results", query_string={"q": query}))
    assert found and found[0] == expected, found
    assert "锂电池极片涂布" not in found


def test_facets_count_the_matches_and_combine_with_the_query(
        client: FlaskClient, enterprise_user: User, make_need: MakeNeed) -> None:
    make_need(enterprise_user, title="光伏组件隐裂检测", field=Field.NEW_ENERGY, province="江苏省",
              budget_min_wan=Decimal(5), budget_max_wan=Decimal(8))
    make_need(enterprise_user, title="光伏硅片分选检测", field=Field.NEW_ENERGY, province="浙江省",
              budget_min_wan=Decimal(60), budget_max_wan=Decimal(90))
    make_need(enterprise_user, title="芯片封装翘曲检测", field=Field.ELECTRONIC_INFORMATION,
              province="江苏省", modes=[CooperationMode.CONSULTING],
              budget_min_wan=None, budget_max_wan=None)
    make_need(enterprise_user, title="污水处理膜污染", field=Field.RESOURCES_ENVIRONMENT,
              province="江苏省", problem="膜通量衰减快。")  # no match: counted nowhere

    def facets(**args: str) -> dict[str, dict[str, int]]:
        html = client.get("/needs", query_string={"q": "检测", **args}).get_data(as_text=True)
        out: dict[str, dict[str, int]] = {}
        for section in re.findall(r"<section>(.*?)</section>", html, re.S):
            name = re.sub(r"<[^>]+>", "", re.search(r"<h2>(.*?)</h2>", section).group(1))  # type: ignore[union-attr]
            out[name] = {re.sub(r"\s+", " ", re.sub(r"<[^>]+>|×|取消", "", label)).strip():
                         int(n) for label, n in re.findall(
                             r'<a href="[^"]*"[^>]*>(.*?)<span class="n">(\d+)</span>',
                             section, re.S)}
        return out

    counted = facets()
    assert counted["技术领域"] == {"新能源与节能": 2, "电子信息": 1}
    assert counted["所属地区"] == {"江苏省": 2, "浙江省": 1}
    assert counted["预算"] == {"面议": 1, "10 万元以下": 1, "50–200 万元": 1}
    assert counted["合作方式"] == {"合作开发": 2, "技术咨询": 1}
    # A region chosen: the other facets count within it, its own still offers the others.
    narrowed = facets(province="江苏省")
    assert narrowed["技术领域"] == {"新能源与节能": 1, "电子信息": 1}
    assert narrowed["所属地区"] == {"江苏省": 2, "浙江省": 1}
    banded = client.get("/needs", query_string={"q": "检测", "band": "50-200"})
    assert titles(banded, "needs") == ["光伏硅片分选检测"]


def test_maturity_and_price_bands_facet_results(
        client: FlaskClient, lab: User, make_result: MakeResult) -> None:
    make_result(lab, title="储能电池热管理", trl=2, price_wan=None)
    make_result(lab, title="储能变流器控制", trl=8, price_wan=Decimal(300))
    page = page_text(client.get("/results", query_string={"q": "储能"}))
    assert "实验室 1" in page and "产业化 1" in page and "200–1000 万元 1" in page
    found = titles(client.get("/results", query_string={"q": "储能", "maturity": "产业化"}))
    assert found == ["储能变流器控制"]
    cheap_first = client.get("/results", query_string={"q": "储能", "sort": "price"})
    assert titles(cheap_first) == ["储能变流器控制", "储能电池热管理"]  # 面议 last


def test_sorting_by_deadline_and_budget_stays_in_the_pages_links(
        app: Flask, client: FlaskClient, enterprise_user: User, make_need: MakeNeed) -> None:
    app.config["PAGE_SIZE"] = 2
    today = dt.date.today()
    for i in range(5):
        make_need(enterprise_user, title=f"储能系统需求{i}", valid_until=today + dt.timedelta(days=50 - i),
                  budget_min_wan=Decimal(10 * i + 1), budget_max_wan=Decimal(10 * i + 2))
    first = client.get("/needs", query_string={"q": "储能", "sort": "deadline"})
    assert titles(first, "needs") == ["储能系统需求4", "储能系统需求3"]
    html = first.get_data(as_text=True)
    nxt = re.search(r'href="([^"]+)" rel="next"', html)
    assert nxt is not None
    args = parse_qs(urlsplit(nxt.group(1).replace("&amp;", "&")).query)
    assert args["sort"] == ["deadline"] and args["q"] == ["储能"] and args["page"] == ["2"]
    second = client.get(nxt.group(1).replace("&amp;", "&"))
    assert titles(second, "needs") == ["储能系统需求2", "储能系统需求1"]
    last = client.get("/needs", query_string={"q": "储能", "sort": "deadline", "page": "3"})
    assert titles(last, "needs") == ["储能系统需求0"] and "共 5 条" in page_text(last)
    by_budget = client.get("/needs", query_string={"q": "储能", "sort": "budget"})
    assert titles(by_budget, "needs") == ["储能系统需求4", "储能系统需求3"]
    # A page past the end shows the last one.
    assert titles(client.get("/needs", query_string={"q": "储能", "sort": "deadline",
                                                      "page": "99"}), "needs") == ["储能系统需求0"]


def test_drafts_and_private_fields_never_appear(
        client: FlaskClient, as_enterprise: FlaskClient, as_other_enterprise: FlaskClient,
        enterprise_user: User, lab: User, make_need: MakeNeed, make_result: MakeResult) -> None:
    make_need(enterprise_user, status=NeedStatus.DRAFT, title="氢燃料电池双极板草稿")
    make_need(enterprise_user, title="氢燃料电池电堆寿命")
    make_result(lab, status=ResultStatus.DRAFT, title="氢燃料电池催化剂草稿")
    make_result(lab, status=ResultStatus.WITHDRAWN, title="氢燃料电池膜电极已撤回")
    make_result(lab, title="储氢瓶内胆", contact_phone="13912345678", contact_name="隐藏联系人",
                team="秘密团队成员")
    for viewer in (client, as_other_enterprise):
        assert titles(viewer.get("/needs", query_string={"q": "氢燃料电池"}), "needs") == [
            "氢燃料电池电堆寿命"]
        assert titles(viewer.get("/needs", query_string={"q": "草稿 双极板",
                                                           "status": "draft"}), "needs") == []
        assert titles(viewer.get("/results", query_string={"q": "氢燃料电池"})) == []
        for private in ("13912345678", "隐藏联系人", "秘密团队成员"):
            assert titles(viewer.get("/results", query_string={"q": private})) == []
    for path in ("/api/v1/needs?q=氢燃料电池", "/api/v1/needs?q=双极板&status=draft"):
        items = client.get(path).get_json()["items"]
        assert [n["title"] for n in items] in ([], ["氢燃料电池电堆寿命"])
    # The owner finds their draft on their own list (the index holds no drafts).
    mine = as_enterprise.get("/needs", query_string={"q": "双极板", "mine": "1"})
    assert titles(mine, "needs") == ["氢燃料电池双极板草稿"]


def test_listings_the_index_does_not_hold_are_found_by_their_words(
        client: FlaskClient, enterprise_user: User, make_need: MakeNeed) -> None:
    make_need(enterprise_user, status=NeedStatus.CLOSED, title="海水淡化反渗透膜")
    make_need(enterprise_user, title="海水淡化能量回收")
    assert titles(client.get("/needs", query_string={"q": "海水淡化"}), "needs") == [
        "海水淡化能量回收"]
    closed = client.get("/needs", query_string={"q": "反渗透膜 海水淡化", "status": "closed"})
    assert titles(closed, "needs") == ["海水淡化反渗透膜"]
    assert titles(client.get("/needs", query_string={"q": "反渗透膜 疫苗",
                                                     "status": "closed"}), "needs") == []


def test_the_api_ranks_a_query_and_sorts_on_request(
        client: FlaskClient, db: Session, lab: User, make_result: MakeResult) -> None:
    best = make_result(lab, title="SiC功率模块封装", summary="碳化硅SiC模块的烧结银互连。")
    weaker = make_result(lab, title="功率器件散热", summary="IGBT与SiC器件的散热方案。")
    make_result(lab, title="疫苗佐剂", summary="新型佐剂。")
    aged(best, db, 20)
    ranked = client.get("/api/v1/results?q=SiC 封装").get_json()
    assert [r["title"] for r in ranked["items"]] == [best.title, weaker.title]
    assert ranked["total"] == 2
    newest = client.get("/api/v1/results?q=SiC 封装&sort=-published_at").get_json()
    assert [r["title"] for r in newest["items"]] == [weaker.title, best.title]
    paged = client.get("/api/v1/results?q=SiC&per_page=1&page=2").get_json()
    assert paged["total"] == 2 and paged["pages"] == 2 and len(paged["items"]) == 1
    assert client.get("/api/v1/results?sort=relevance").status_code == 200  # no query: newest


BAD_QUERIES = [
    "", " ", "x", "好", "光" * 100, "光伏" * 60, "检测" * 1000, "！!？?。，…—·、（）()【】[]{}",
    "' OR '1'='1' --", "1; DROP TABLE needs; --", "%", "_", "\\", "%_\\%",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&amp; &lt;",
    "\x00", "检测\x00AOI", "\u200b\u200b", "\ufeff", "🔋⚡", "AOI\ud800检测", "\udfff",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("kind", ["needs", "results"])
def test_odd_queries_give_a_clear_page_never_an_error(
        client: FlaskClient, enterprise_user: User, lab: User, make_need: MakeNeed,
        make_result: MakeResult, kind: str, query: str) -> None:
    make_need(enterprise_user, title="AOI光学检测")
    make_result(lab, title="AOI光学检测")
    response = client.get(f"/{kind}", query_string={"q": query.encode("utf-8", "surrogatepass")})
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    if "\x00" in query:  # refused before any view reads it (a control character)
        assert response.status_code == 400
    else:
        assert response.status_code == 200 and re.search(r"共 \d+ 条", html)
    api = client.get(f"/api/v1/{kind}", query_string={"q": query.encode("utf-8", "surrogatepass")})
    assert api.status_code in (200, 400, 422), api.status_code
    if api.status_code != 200:
        assert "q" in api.get_json()["fields"]


def test_a_long_or_empty_query_says_what_was_searched(client: FlaskClient) -> None:
    assert "只按前 100 个字检索" in page_text(client.get("/needs", query_string={"q": "检测" * 1000}))
    assert "没有可检索的词" in page_text(client.get("/needs", query_string={"q": "！？…"}))
    assert "没有可检索的词" not in page_text(client.get("/needs", query_string={"q": "检测"}))
    assert client.get("/api/v1/needs", query_string={"q": "检测" * 51}).status_code in (400, 422)
