"""Layout and accessibility of the journeys' pages at phone (375 px) and desktop width.

axe-core (WCAG 2.1 A/AA and best practices) must find nothing serious or critical; every form
control has a label; nothing is wider than a phone's screen; and a need can be written with the
keyboard alone, with a visible focus on everything reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from browser.pages import DESKTOP, ENTERPRISE, INSTITUTE, OPERATOR, PHONE, Axe, login, shot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

# A searched list too: its facets, its order and the searched words marked in the cards.
SEARCHED = "/results?q=检测 5G&sort=relevance"
PUBLIC = ["/", "/needs", "/results", SEARCHED, "/figures", "/login", "/signup"]
BY_ROLE = {
    ENTERPRISE: ["/needs/new", "/needs?mine=1", "/dockings", "/notifications"],
    INSTITUTE: ["/results/232", "/results?mine=1"],
    OPERATOR: ["/reports", "/dockings"],
}
# First links of the lists, opened too: a need's and a docking's page.
FOLLOW = {"/needs?mine=1": "ul.cards h3 a", "/dockings": "ul.cards h3 a"}

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _name(path: str, width: int) -> str:
    slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
    slug = slug.replace(" ", "-").replace("&", "-")
    return f"{slug}-{width}"


def _check(page: Any, path: str, axe: Axe, problems: list[str]) -> None:
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(path)
        name = _name(path, viewport["width"])
        axe.check(page, name)
        unlabelled = page.evaluate(UNLABELLED)
        if unlabelled:
            problems.append(f"{path}: controls without a label: {unlabelled}")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            problems.append(f"{path} at {viewport['width']} px is {overflow} px too wide")
        if path in ("/needs/new", "/reports", SEARCHED):
            shot(page, f"layout-{name}")


def test_pages_at_phone_and_desktop_width(new_page: Callable[..., Any], axe: Axe) -> None:
    if not axe.ready:
        pytest.skip("axe-core is not installed: npm ci --prefix tests/browser/axe")
    problems: list[str] = []
    anonymous = new_page()
    for path in PUBLIC:
        _check(anonymous, path, axe, problems)
    for email, paths in BY_ROLE.items():
        page = new_page()
        login(page, email)
        for path in paths:
            _check(page, path, axe, problems)
            if path in FOLLOW:
                page.set_viewport_size(DESKTOP)
                page.goto(path)
                link = page.locator(FOLLOW[path]).first
                if link.count():
                    target = link.get_attribute("href")
                    assert target is not None
                    _check(page, target, axe, problems)
    assert problems == []


def test_a_need_can_be_written_with_the_keyboard_alone(new_page: Callable[..., Any]) -> None:
    page = new_page(viewport=PHONE)
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("跳到正文")
    expect(skip).to_be_visible()
    focused: list[str] = []

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            current = page.evaluate("() => document.activeElement.id || document.activeElement.name"
                                    " || document.activeElement.textContent.trim()")
            focused.append(str(current))
            # A date input's calendar button is focused inside the input's own (browser) UI,
            # which draws the ring; everything else shows the site's outline.
            style = page.evaluate("""() => { const el = document.activeElement;
                if (!el.matches(':focus')) return true;
                const s = getComputedStyle(el);
                return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")
            assert style, f"no visible focus on {current}"
            if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
                return
        raise AssertionError(f"{selector} not reached with Tab; went through {focused[-limit:]}")

    tab_to("#email")
    page.keyboard.type(ENTERPRISE)
    tab_to("#password")
    page.keyboard.type("demo-pass-2025")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto("/needs/new")
    tab_to("#title")
    page.keyboard.type("MEMS气体传感器温漂补偿")
    tab_to("#field")
    page.keyboard.press("ArrowDown")  # the first field after the prompt
    tab_to("#problem")
    page.keyboard.type("MEMS气体传感器在高温下温度漂移大，需要ASIC调理电路与多点温度补偿算法。")
    tab_to("#modes-0")
    page.keyboard.press("Space")
    expect(page.locator("#modes-0")).to_be_checked()
    expect(page.locator("#live-results > li").first).to_be_visible()
    tab_to("#live-results a")  # the suggestions beside the form are reachable too
    shot(page, "keyboard-need-form-375")
