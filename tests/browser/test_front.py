"""The front of the site in chromium: the sign-up form shows only the chosen way into an
organisation (without JavaScript too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from browser.pages import PHONE

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
