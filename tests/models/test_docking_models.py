"""Docking and deal invariants: the transition table, the constraints and the version column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import ContractType, Deal, Docking, DockingState, DropReason, Need, Result, Side, User
from models.docking import TRANSITIONS, Actor, allowed_targets


def _docking(db: Session, need: Need, result: Result, **fields: object) -> Docking:
    docking = Docking(need_id=need.id, result_id=result.id, need_org_id=need.organization_id,
                      supply_org_id=result.organization_id, **fields)
    db.add(docking)
    db.commit()
    return docking


def test_transition_table_is_the_workflow() -> None:
    assert allowed_targets(DockingState.SUGGESTED) == [DockingState.INTEREST, DockingState.DROPPED]
    assert allowed_targets(DockingState.INTEREST) == [DockingState.DOCKED, DockingState.DROPPED]
    assert allowed_targets(DockingState.DOCKED) == [DockingState.NEGOTIATING, DockingState.DROPPED]
    assert allowed_targets(DockingState.NEGOTIATING) == [DockingState.SIGNED, DockingState.DROPPED]
    assert allowed_targets(DockingState.SIGNED) == []
    assert allowed_targets(DockingState.DROPPED) == []
    # Agreement is the other side's to give; nobody else can skip it.
    assert TRANSITIONS[(DockingState.INTEREST, DockingState.DOCKED)] == {Actor.OTHER_SIDE}
    # Nothing leads back: the workflow only goes forward.
    order = list(DockingState)
    assert all(order.index(b) > order.index(a) for a, b in TRANSITIONS)


def test_docking_helpers(db: Session, enterprise_user: User, institution_user: User,
                         make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    docking = _docking(db, make_need(enterprise_user), make_result(institution_user),
                       state=DockingState.INTEREST, interest_side=Side.SUPPLY)
    assert docking.side_of(enterprise_user.organization_id) is Side.NEED
    assert docking.side_of(institution_user.organization_id) is Side.SUPPLY
    assert docking.side_of(-1) is None
    assert docking.waiting_on is Side.NEED
    assert not DockingState.INTEREST.shows_contacts and DockingState.DOCKED.shows_contacts
    assert DockingState.NEGOTIATING.is_open and not DockingState.SUGGESTED.is_open


def test_docking_joins_exactly_one_result_or_solution(
        db: Session, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    need = make_need(enterprise_user)
    db.add(Docking(need_id=need.id, need_org_id=need.organization_id,
                   supply_org_id=institution_user.organization_id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    result = make_result(institution_user)
    _docking(db, need, result)
    db.add(Docking(need_id=need.id, result_id=result.id, need_org_id=need.organization_id,
                   supply_org_id=result.organization_id))
    with pytest.raises(IntegrityError):  # one docking per need–result pair
        db.commit()


def test_dropped_docking_needs_a_reason(db: Session, enterprise_user: User,
                                        institution_user: User, make_need: Callable[..., Need],
                                        make_result: Callable[..., Result]) -> None:
    docking = _docking(db, make_need(enterprise_user), make_result(institution_user))
    docking.state = DockingState.DROPPED
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    docking.state = DockingState.DROPPED
    docking.drop_reason = DropReason.PRICE
    db.commit()
    assert docking.version == 2


def test_deal_amount_must_be_positive(db: Session, enterprise_user: User, institution_user: User,
                                      make_need: Callable[..., Need],
                                      make_result: Callable[..., Result]) -> None:
    docking = _docking(db, make_need(enterprise_user), make_result(institution_user))
    db.add(Deal(docking_id=docking.id, contract_type=ContractType.LICENSE, amount_wan=Decimal(0),
                signed_on=dt.date(2025, 5, 1)))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    deal = Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("88.5"), signed_on=dt.date(2025, 5, 1))
    db.add(deal)
    db.commit()
    db.expire_all()
    assert deal.amount_wan == Decimal("88.5")


def test_stale_docking_write_is_refused(app: Flask, db: Session, enterprise_user: User,
                                        institution_user: User, make_need: Callable[..., Need],
                                        make_result: Callable[..., Result]) -> None:
    docking = _docking(db, make_need(enterprise_user), make_result(institution_user),
                       state=DockingState.DOCKED)
    other: Session = app.extensions["db_sessionmaker"]()
    try:
        theirs = other.get(Docking, docking.id)
        assert theirs is not None
        docking.state = DockingState.NEGOTIATING
        theirs.state = DockingState.DROPPED
        theirs.drop_reason = DropReason.OTHER
        db.commit()
        with pytest.raises(StaleDataError):
            other.commit()
        other.rollback()
    finally:
        other.close()
    db.expire_all()
    assert docking.state is DockingState.NEGOTIATING and docking.version == 2
