"""Issue 18, item 1: open redirect after log-in.

``next`` is followed by one function (``webapp.security.redirects.safe_next``): only a path on
this host, read as a browser reads it (control characters dropped, ``\\`` as ``/``), also once
percent-decoded; anything else goes to the home page.
"""

from __future__ import annotations

import pytest
from flask import Flask

from models import User
from webapp.security.redirects import safe_next

from support import PASSWORD

OFFSITE = [
    "/\t/evil.example", "/%09/evil.example", "/\r\n/evil.example", "/%0d%0a/evil.example",
    "\\\\evil.example", "/\\evil.example", "\\/evil.example", "/\\/evil.example",
    "//evil.example", "///evil.example", "////evil.example/x", "%2F%2Fevil.example",
    "/%2F/evil.example", "%252F%252Fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
    "https://evil.example/", "http:evil.example", "https:/evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,x", "evil.example", " //evil.example",
    "\x00//evil.example", "/\x0b/evil.example", "/\u0085/evil.example", "http://localhost@evil.example",
]
LOCAL = ["/needs", "/needs/3?tab=suggestions", "/results?q=%E7%94%B5%E6%B1%A0", "/account#api-tokens"]


@pytest.mark.parametrize("target", OFFSITE)
def test_open_redirect_offsite_targets_fall_back_to_home(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", LOCAL)
def test_open_redirect_local_paths_are_followed(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert safe_next(target) == target


@pytest.mark.parametrize("query", ["/%09/evil.example", "%2F%2Fevil.example", "/%5C/evil.example",
                                   "/%0d%0a/evil.example", "https%3A%2F%2Fevil.example",
                                   "%2F%252Fevil.example"])
def test_open_redirect_after_log_in_stays_on_the_site(app: Flask, enterprise_user: User,
                                                      query: str) -> None:
    response = app.test_client().post(f"/login?next={query}",
                                      data={"email": enterprise_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_open_redirect_a_local_next_is_followed_after_log_in(app: Flask,
                                                             enterprise_user: User) -> None:
    response = app.test_client().post("/login?next=/needs%3Fpage%3D2",
                                      data={"email": enterprise_user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/needs?page=2"
