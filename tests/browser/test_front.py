"""The front of the site in chromium: the sign-up form shows only the chosen way into an
organisation (without JavaScript too); the report's charts read on a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from browser.pages import DESKTOP, OPERATOR, PHONE, login, shot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_signup_shows_the_join_fields_only_when_joining(new_page: Callable[..., Any]) -> None:
    """With scripts off: creating an organisation (the default) shows its fields and not the
    invitation code; choosing to join swaps them, and a refused join comes back as a join."""
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto("/signup")
    invite, org_name = page.get_by_label("邀请码", exact=True), page.get_by_label("机构名称")
    expect(org_name).to_be_visible()
    expect(invite).to_be_hidden()
    page.get_by_role("radio", name="凭邀请码加入已有机构").check()
    expect(invite).to_be_visible()
    expect(org_name).to_be_hidden()
    page.get_by_role("radio", name="创建新机构").check()
    expect(invite).to_be_hidden()
    expect(org_name).to_be_visible()

    page.get_by_role("radio", name="凭邀请码加入已有机构").check()
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("请输入机构管理员提供的邀请码")).to_be_visible()
    expect(invite).to_be_visible()
    expect(org_name).to_be_hidden()


# Every text of the charts shown: its size as drawn (the font size times the SVG's scale) and
# whether its box lies inside the chart's.
CHART_TEXTS = """() => {
  const found = {charts: 0, texts: 0, small: [], clipped: []};
  for (const svg of document.querySelectorAll('svg.chart')) {
    if (!svg.getClientRects().length) continue;  // the drawing for the other width
    found.charts += 1;
    const box = svg.getBoundingClientRect();
    const scale = svg.getScreenCTM().a;
    for (const text of svg.querySelectorAll('text')) {
      found.texts += 1;
      const label = text.textContent.slice(0, 40);
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      if (size < 11) found.small.push(label + ': ' + size.toFixed(1) + 'px');
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
          r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) found.clipped.push(label);
    }
  }
  return found;
}"""


@pytest.mark.parametrize("viewport", [PHONE, {"width": 800, "height": 900}, DESKTOP],
                         ids=["375", "800", "1280"])
def test_report_charts_read_at_every_width(new_page: Callable[..., Any],
                                           viewport: dict[str, int]) -> None:
    """At 375 px (and wider), every chart label shows at 11 px or more, inside its chart."""
    page = new_page(viewport=viewport)
    login(page, OPERATOR)
    try:
        for lang in ("zh_CN", "en"):
            page.goto(f"/reports?lang={lang}")
            found = page.evaluate(CHART_TEXTS)
            assert found["charts"] == 3 and found["texts"] > 20, found
            assert found["small"] == [], (lang, found["small"])
            assert found["clipped"] == [], (lang, found["clipped"])
        if viewport is PHONE:
            shot(page, "report-charts-375-en")
    finally:
        # ?lang= is remembered for the account; the journeys after this one read the
        # operator's pages in Chinese.
        page.goto("/reports?lang=zh_CN")
