"""The docking list (我的对接) in the order the URL says: waiting on me first by default, most
recently updated, newest, or the need's nearest deadline; the choice kept in the page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import DockingState, Need, Side, User, utcnow


def docking_links(response: Any) -> list[int]:
    """The ids of the dockings listed, in order."""
    return [int(i) for i in re.findall(r'<h3><a href="/dockings/(\d+)">',
                                       response.get_data(as_text=True))]


@pytest.fixture
def three(db: Session, enterprise_user: User, institution_user: User,
          make_docking: Callable[..., Any]) -> list[Any]:
    """Three dockings of the enterprise: one waits on it, two are under way."""
    now = utcnow()
    old = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    waiting = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                           interest_side=Side.SUPPLY)
    recent = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    stamps = {old.id: (10, 1, 5), waiting.id: (20, 30, None), recent.id: (1, 2, 60)}
    for docking in (old, waiting, recent):
        created, updated, due = stamps[docking.id]
        docking.created_at = now - dt.timedelta(days=created)
        docking.updated_at = now - dt.timedelta(days=updated)
        need = db.get(Need, docking.need_id)
        assert need is not None
        need.valid_until = (now + dt.timedelta(days=due)).date() if due else None
    db.commit()
    return [old, waiting, recent]


@pytest.mark.parametrize(("sort", "order"), [
    ("", [1, 0, 2]),  # waiting on me first, then the most recently updated
    ("updated", [0, 2, 1]),
    ("newest", [2, 0, 1]),
    ("deadline", [0, 2, 1]),  # the nearest deadline first, none last
])
def test_the_docking_list_is_sorted_as_the_url_says(
        sort: str, order: list[int], as_enterprise: FlaskClient, three: list[Any]) -> None:
    response = as_enterprise.get(f"/dockings?sort={sort}")
    assert docking_links(response) == [three[i].id for i in order]
    if sort:
        assert re.search(rf'<option value="{sort}"\s+selected', response.get_data(as_text=True))


def test_an_unknown_order_is_the_default(as_enterprise: FlaskClient, three: list[Any]) -> None:
    assert docking_links(as_enterprise.get("/dockings?sort=nonsense")) == \
        [three[i].id for i in (1, 0, 2)]
