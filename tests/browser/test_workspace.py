"""我的 (issue 17, part 5) in chromium on the demo world: from the top navigation to one page
with the organisation's records, their counts and what waits for the user; a to-do leads to
the page where it is done, and doing it takes it off the list."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from browser.pages import ENTERPRISE, INSTITUTE, OPERATOR, Axe, LiveServer, login, shot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_workspace_from_the_navigation_to_a_done_todo(
        new_page: Callable[..., Any], live_server: LiveServer, axe: Axe) -> None:
    uni = new_page()
    login(uni, INSTITUTE)
    uni.get_by_role("navigation").get_by_role("link", name="我的", exact=True).click()
    expect(uni).to_have_url(re.compile(r"/me$"))
    expect(uni.get_by_role("heading", level=1)).to_contain_text("八桂工业大学")
    for heading in ("待办", "科技成果", "解决方案", "对接"):
        expect(uni.get_by_role("heading", level=2, name=re.compile(f"^{heading}"))).to_be_visible()
    dockings = uni.locator("section[aria-labelledby=dockings-title] ul.plain > li")
    expect(dockings.first).to_be_visible()
    axe.check(uni, "workspace-institute")
    shot(uni, "workspace-01-institute")

    # Writing in a docking under way: the workspace then says the other side is to answer.
    docked = dockings.filter(has_text=re.compile("已对接|洽谈中")).first
    title = docked.get_by_role("link").inner_text()
    docked.get_by_role("link").click()
    expect(uni.locator("#next-step")).to_be_visible()
    uni.get_by_label("消息").fill("我方已准备好技术资料，请查收。")
    uni.get_by_role("button", name="发送").click()
    expect(uni.locator(".thread")).to_contain_text("请查收")
    uni.get_by_role("link", name="我的", exact=True).click()
    row = uni.locator("section[aria-labelledby=dockings-title] li").filter(has_text=title)
    expect(row).to_contain_text("等待需求方：回复消息")
    todos = uni.locator("#todos li").filter(has_text=title)
    expect(todos.filter(has_text="回复消息")).to_have_count(0)

    # The enterprise's workspace: its needs and the solutions it received; a to-do leads to
    # the page where it is done.
    ent = new_page()
    login(ent, ENTERPRISE)
    ent.get_by_role("link", name="我的", exact=True).click()
    expect(ent.get_by_role("heading", level=2, name=re.compile("^技术需求"))).to_be_visible()
    expect(ent.get_by_role("heading", level=2, name=re.compile("^科技成果"))).to_have_count(0)
    axe.check(ent, "workspace-enterprise")
    shot(ent, "workspace-02-enterprise")
    first = ent.locator("#todos li > a").first
    if first.count():
        label = first.inner_text()
        first.click()
        if label == "审阅解决方案":
            expect(ent.get_by_role("button", name="采纳")).to_be_visible()
        else:
            expect(ent.locator("#next-step")).to_contain_text(re.compile("轮到我方|双方均可"))

    # An operator is shown the way to the reports.
    op = new_page()
    login(op, OPERATOR)
    op.goto("/me")
    op.get_by_role("link", name="数据报告").last.click()
    expect(op.get_by_role("heading", name="对接数据报告")).to_be_visible()
