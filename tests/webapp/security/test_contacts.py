"""Issue 18, item 2: contacts leak through the anonymous API.

One rule (``webapp/contacts.py``) decides who sees a result's contact person and phone: the
owning organisation, operators, and the other side (and assigned broker) of a docking that has
reached the exchange of contacts. Checked as a matrix over roles × channels: the result's page,
the API's detail and list, the docking's API answer, the export, and every e-mail sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Docking, DockingState, OutboxEmail, Side, User

from support import login

PHONE = "021-55550000"
NAME = "王老师"
# role: whether the role sees the contacts
ROLES = {"anonymous": False, "owner": True, "operator": True, "docked_other_side": True,
         "interest_only_other_side": False, "dropped_other_side": False, "outsider": False,
         "assigned_broker": True, "other_broker": False}


@pytest.fixture
def world(db: Session, make_docking: Callable[..., Any], make_need: Callable[..., Any],
          make_user: Callable[..., User], make_org: Callable[..., Any], enterprise_user: User,
          other_enterprise_user: User, institution_user: User, operator_user: User,
          broker_user: User, other_broker_user: User) -> dict[str, Any]:
    docked = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                          broker=broker_user)
    result = docked.result
    interested = make_need(other_enterprise_user)
    db.add(Docking(need_id=interested.id, result_id=result.id,
                   need_org_id=interested.organization_id, supply_org_id=result.organization_id,
                   state=DockingState.INTEREST, interest_side=Side.NEED))
    dropper = make_user()
    dropped_need = make_need(dropper)
    from models import DropReason
    db.add(Docking(need_id=dropped_need.id, result_id=result.id,
                   need_org_id=dropped_need.organization_id,
                   supply_org_id=result.organization_id, state=DockingState.DROPPED,
                   interest_side=Side.NEED, drop_reason=DropReason.OTHER))
    db.commit()
    users = {"anonymous": None, "owner": institution_user, "operator": operator_user,
             "docked_other_side": enterprise_user, "interest_only_other_side": other_enterprise_user,
             "dropped_other_side": dropper, "outsider": make_user(),
             "assigned_broker": broker_user, "other_broker": other_broker_user}
    return {"result": result, "docking": docked, "users": users}


def _client(app: Flask, user: User | None) -> Any:
    client = app.test_client()
    return login(client, user) if user is not None else client


@pytest.mark.parametrize("role", ROLES)
def test_contacts_matrix_over_roles_and_channels(app: Flask, world: dict[str, Any],
                                                 role: str) -> None:
    sees = ROLES[role]
    client = _client(app, world["users"][role])
    result_id = world["result"].id

    page = client.get(f"/results/{result_id}").get_data(as_text=True)
    assert (PHONE in page) is sees, "page"

    detail = client.get(f"/api/v1/results/{result_id}").get_json()
    assert (detail["contact_phone"], detail["contact_name"]) == ((PHONE, NAME) if sees
                                                                else ("", "")), "API detail"

    listed = client.get("/api/v1/results", query_string={"per_page": 100}).get_json()
    row = next(item for item in listed["items"] if item["id"] == result_id)
    assert (row["contact_phone"] == PHONE) is sees, "API list"
    assert PHONE not in str([i for i in listed["items"] if i["id"] != result_id]) or sees

    export = client.get("/transfer/export/results.csv")
    if export.status_code == 200:
        cells = [c for r in csv.reader(io.StringIO(export.data.decode("utf-8-sig"))) for c in r]
        assert (PHONE in cells) is sees, "export"
    else:
        assert export.status_code in (302, 401, 403, 404)


def test_contacts_on_a_docking_follow_the_same_rule(app: Flask, world: dict[str, Any]) -> None:
    docking = world["docking"]
    for role, sees in ROLES.items():
        answer = _client(app, world["users"][role]).get(f"/api/v1/dockings/{docking.id}")
        if answer.status_code != 200:
            assert not sees or role == "anonymous", role
            continue
        assert (answer.get_json()["contacts"] is not None) is sees, role


def test_contacts_never_reach_an_e_mail_of_someone_who_may_not_see_them(
        app: Flask, db: Session, world: dict[str, Any]) -> None:
    # Every e-mail the world and a docked agreement caused: none carries the phone to a
    # recipient outside the rule.
    allowed = {u.email for role, u in world["users"].items() if u is not None and ROLES[role]}
    for mail in db.scalars(select(OutboxEmail)):
        if PHONE in mail.body:
            assert mail.to_address in allowed, mail.to_address
