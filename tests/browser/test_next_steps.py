"""Journeys through the next-step links (issue 17, part 4) on the demo world, in chromium.

An institution goes from a suggestion's explanation back to the need, finds its result chosen
in the interest form, shows interest from the explanation and lands on the docking, which says
whose move it is; an enterprise at a solution form learns who submits solutions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from browser.pages import ENTERPRISE, INSTITUTE, Axe, LiveServer, login, shot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def _explanation_offering_interest(page: Any) -> str:
    """The URL of an explanation, among the institute's results' matched needs, that still
    offers 表达意向 (the demo already docks some pairs)."""
    page.goto("/results?mine=1")
    results = [a.get_attribute("href") for a in page.locator("ul.cards li.card a[href^='/results/']").all()]
    for result in results[:6]:
        page.goto(result)
        links = [a.get_attribute("href") for a in
                 page.locator("section.suggestions .cards h3 a").all()]
        for link in links[:5]:
            page.goto(link)
            if page.locator("#next-step").get_by_role("button", name="表达意向").count():
                return page.url
    pytest.fail("no suggested pair of the demo institute is left to show interest in")


def test_next_steps_from_an_explanation_to_the_docking(
        new_page: Callable[..., Any], live_server: LiveServer, axe: Axe) -> None:
    uni = new_page()
    login(uni, INSTITUTE)
    explanation = _explanation_offering_interest(uni)
    match = re.search(r"/needs/(\d+)/matches/(\d+)", explanation)
    assert match is not None
    need_id, result_id = match.groups()
    steps = uni.locator("#next-step")
    expect(steps.get_by_role("link", name="提交解决方案")).to_be_visible()
    axe.check(uni, "explain-next-step")
    shot(uni, "next-steps-01-explanation")

    # Back to the need: its interest form has the result the user came from chosen.
    steps.get_by_role("link", name="返回需求").click()
    expect(uni).to_have_url(re.compile(rf"/needs/{need_id}\?result={result_id}$"))
    expect(uni.get_by_label("以本机构成果对接")).to_have_value(result_id)
    shot(uni, "next-steps-02-need-with-result-chosen")

    # Interest straight from the explanation: the docking says whose move it is.
    uni.goto(explanation)
    uni.locator("#next-step").get_by_role("button", name="表达意向").click()
    expect(uni).to_have_url(re.compile(r"/dockings/\d+$"))
    expect(uni.locator("#docking-state")).to_have_text("有意向")
    expect(uni.locator("#next-step")).to_contain_text("等待需求方：同意对接")
    expect(uni.locator("h1")).to_contain_text("对方：")
    expect(uni.get_by_role("button", name="同意对接")).to_have_count(0)
    axe.check(uni, "docking-next-step")
    shot(uni, "next-steps-03-docking-whose-move")

    # The explanation now leads to that docking instead of offering interest again.
    uni.goto(explanation)
    expect(uni.locator("#next-step").get_by_role("button", name="表达意向")).to_have_count(0)
    expect(uni.locator("#next-step").get_by_role("link", name="查看对接")).to_be_visible()

    # An enterprise at the solution form learns who submits solutions and what it can do.
    ent = new_page()
    login(ent, ENTERPRISE)
    ent.goto(f"/needs/{need_id}/solutions/new")
    expect(ent.get_by_role("heading", name="谁可以提交解决方案")).to_be_visible()
    expect(ent.get_by_role("link", name="返回需求")).to_be_visible()
    axe.check(ent, "who-submits-solutions")
    shot(ent, "next-steps-04-who-submits")
