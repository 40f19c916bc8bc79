"""The API's writes announce what happened to a listing as the pages do (``webapp.events``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models import User

from .test_api_resources import NEED
from support import Heard

ApiFor = Callable[[User | None], Any]


def test_the_api_announces_like_the_pages(api_as: ApiFor, enterprise_user: User,
                                          heard: Heard) -> None:
    api = api_as(enterprise_user)
    response = api.post("/needs", json=NEED)
    assert response.status_code == 201, response.get_json()
    need_id = response.get_json()["id"]
    assert api.patch(f"/needs/{need_id}", json={"title": "涂布缺陷检测"}).status_code == 200
    assert api.post(f"/needs/{need_id}/publish").status_code == 200
    assert api.post(f"/needs/{need_id}/close").status_code == 200
    said = [(name, p) for name, p in heard if name.startswith("listing-")]
    assert [name for name, _ in said] == [
        "listing-changed", "listing-changed", "listing-published", "listing-closed"]
    assert {p["listing"].id for _, p in said} == {need_id}
