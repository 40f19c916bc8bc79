"""The same figure, for the same filters, is the same number on the home page, /needs,
/results, /figures and the report (issue 17, part 2): each is computed once, by
``webapp.reports.services.headline``."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from models import Field, Need, NeedStatus, Result, ResultStatus, User

from support import login


def _figure(html: str, key: str) -> int:
    match = re.search(rf'id="figure-{key}"><strong>(?:<a [^>]*>)?([\d,]+)', html)
    assert match is not None, key
    return int(match.group(1).replace(",", ""))


def _listed(html: str) -> int:
    match = re.search(r'<p class="count">共 (\d+) 条</p>', html)
    assert match is not None
    return int(match.group(1))


def test_counts_agree_across_pages(app: Flask, client: FlaskClient, enterprise_user: User,
                                   institution_user: User, operator_user: User,
                                   make_need: Callable[..., Need],
                                   make_result: Callable[..., Result]) -> None:
    for status, tech in ((NeedStatus.PUBLISHED, Field.NEW_ENERGY),
                         (NeedStatus.PUBLISHED, Field.BIO_MEDICINE),
                         (NeedStatus.DOCKING, Field.NEW_ENERGY),
                         (NeedStatus.CLOSED, Field.NEW_ENERGY),
                         (NeedStatus.SIGNED, Field.BIO_MEDICINE),
                         (NeedStatus.DRAFT, Field.NEW_ENERGY)):
        make_need(enterprise_user, status=status, field=tech)
    for status in (ResultStatus.PUBLISHED, ResultStatus.PUBLISHED, ResultStatus.WITHDRAWN,
                   ResultStatus.DRAFT):
        make_result(institution_user, status=status)
    operator = login(app.test_client(), operator_user)

    home = client.get("/").get_data(as_text=True)
    figures = client.get("/figures").get_data(as_text=True)
    report = operator.get("/reports.json").get_json()["headline"]
    assert _figure(home, "needs_open") == _listed(client.get("/needs").get_data(as_text=True)) \
        == _figure(figures, "needs_open") == report["needs_open"] == 3
    assert _figure(home, "needs_published") == _figure(figures, "needs_published") \
        == report["needs_published"] == 5
    assert _figure(home, "results_open") \
        == _listed(client.get("/results").get_data(as_text=True)) \
        == _figure(figures, "results_open") == report["results_open"] == 2

    for tech in ("new_energy", "bio_medicine"):
        listed = _listed(client.get("/needs", query_string={"field": tech}).get_data(as_text=True))
        shown = _figure(client.get("/figures", query_string={"field": tech})
                        .get_data(as_text=True), "needs_open")
        api = client.get("/api/v1/figures", query_string={"field": tech}).get_json()
        reported = operator.get("/reports.json", query_string={"field": tech}).get_json()
        assert listed == shown == api["needs_open"] == reported["headline"]["needs_open"]
        assert reported["funnel"][0]["count"] == reported["needs_published"]
