"""Demo dockings and deals: a generated history of needs brought together with results.

About two thirds of the published needs reach a docking with an institution's result on the
same topic (the docking rate InnoMatch reported, near 65%), a third of those are signed, and
deal amounts follow a log-normal spread around 40 万元, which at the platform's reported size
adds up to about 8 亿元. Each docking carries the events that led to its state, dated between
the need's publication and today, so the report's times and monthly series have something
real to show. Deterministic for a seed; needs that already have a docking are left alone.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    ContractType,
    CooperationMode,
    Deal,
    Docking,
    DockingEvent,
    DockingState,
    DropReason,
    Need,
    NeedStatus,
    Result,
    ResultStatus,
    Side,
    User,
)

TARGET_DOCKING_RATE = 0.65  # of published needs, a docking past interest
INTEREST_ONLY_SHARE = 0.03  # interest shown, no answer yet
DROPPED_SHARE = 0.03
SIGNED_SHARE = 0.33  # of the dockings past interest
NEGOTIATING_SHARE = 0.35
MEDIAN_DEAL_WAN = 40.0
DEAL_SPREAD = 0.9  # sigma of the log-normal

CONTRACT_FOR_MODE = {
    CooperationMode.TRANSFER: ContractType.TRANSFER,
    CooperationMode.LICENSE: ContractType.LICENSE,
    CooperationMode.EQUITY: ContractType.TRANSFER,
    CooperationMode.JOINT_DEVELOPMENT: ContractType.DEVELOPMENT,
    CooperationMode.COMMISSIONED_DEVELOPMENT: ContractType.DEVELOPMENT,
    CooperationMode.TECHNICAL_SERVICE: ContractType.SERVICE,
    CooperationMode.CONSULTING: ContractType.CONSULTING,
}


def load_dockings(session: Session, world: Any, needs: dict[str, Need],
                  results: dict[str, Result], users: dict[str, User], now: dt.datetime,
                  seed: int) -> dict[str, int]:
    """Create the demo dockings, their events and deals; returns how many of each were added."""
    by_topic: dict[str, list[Result]] = defaultdict(list)
    for key, result in results.items():
        if result.status is ResultStatus.PUBLISHED:
            by_topic[world.topic_of.get(key, "")].append(result)
    already = set(session.scalars(select(Docking.need_id)))
    # Only open needs with a result on their topic can dock; raise their odds so that the rate
    # over every need ever published (closed and expired ones too) comes out at the target.
    # Needs this loader has docked count as open, so a second run computes the same odds.
    listed = [(k, n) for k, n in needs.items() if n.published_at is not None and n.status in (
        NeedStatus.PUBLISHED, NeedStatus.DOCKING, NeedStatus.SIGNED)]
    dockable = sum(1 for k, _ in listed if by_topic.get(world.topic_of.get(k, "")))
    published = sum(1 for n in needs.values() if n.published_at is not None)
    docked_share = min(0.95, TARGET_DOCKING_RATE * published / max(dockable, 1))
    authors = {u.id: u for u in users.values()}
    counts = {"dockings": 0, "deals": 0}
    for key, need in needs.items():
        candidates = by_topic.get(world.topic_of.get(key, ""), [])
        # Each need draws from its own stream, so its fate depends on the seed and its key only
        # and a second run makes the same choices (and finds them made).
        rng = random.Random(f"{seed}:{key}")
        roll = rng.random()
        if (need.status is not NeedStatus.PUBLISHED or need.published_at is None
                or need.id in already or not candidates):
            continue
        result = rng.choice(candidates)
        if roll < docked_share:
            step = rng.random()
            state = (DockingState.SIGNED if step < SIGNED_SHARE else DockingState.NEGOTIATING
                     if step < SIGNED_SHARE + NEGOTIATING_SHARE else DockingState.DOCKED)
        elif roll < docked_share + INTEREST_ONLY_SHARE:
            state = DockingState.INTEREST
        elif roll < docked_share + INTEREST_ONLY_SHARE + DROPPED_SHARE:
            state = DockingState.DROPPED
        else:
            continue
        docking = _docking(session, rng, need, result, state, now, authors)
        counts["dockings"] += 1
        if state is DockingState.SIGNED:
            _deal(session, rng, need, docking, now)
            counts["deals"] += 1
        need.status = NeedStatus.SIGNED if state is DockingState.SIGNED else (
            NeedStatus.DOCKING if state.is_open else need.status)
    session.flush()
    return counts


def _path(state: DockingState) -> list[DockingState]:
    """The states a docking went through to reach ``state``."""
    if state is DockingState.DROPPED:
        return [DockingState.INTEREST, DockingState.DOCKED, DockingState.DROPPED]
    order = [DockingState.INTEREST, DockingState.DOCKED, DockingState.NEGOTIATING,
             DockingState.SIGNED]
    return order[:order.index(state) + 1]


def _docking(session: Session, rng: random.Random, need: Need, result: Result,
             state: DockingState, now: dt.datetime, authors: dict[int, User]) -> Docking:
    assert need.published_at is not None
    supply_first = rng.random() < 0.6
    docking = Docking(need_id=need.id, result_id=result.id, need_org_id=need.organization_id,
                      supply_org_id=result.organization_id, state=state,
                      interest_side=Side.SUPPLY if supply_first else Side.NEED,
                      drop_reason=DropReason.PRICE if state is DockingState.DROPPED else None)
    # Events spread over the time the need has been on the platform.
    span = max((now - need.published_at).total_seconds(), 3600.0)
    moments = sorted(rng.uniform(0.02, 0.95) * span for _ in _path(state))
    previous: DockingState | None = None
    for to, offset in zip(_path(state), moments, strict=True):
        at = need.published_at + dt.timedelta(seconds=offset)
        actor = result.author_id if (to is DockingState.INTEREST) == supply_first \
            else need.author_id
        docking.events.append(DockingEvent(actor_id=actor if actor in authors else None,
                                           from_state=previous, to_state=to, created_at=at))
        previous = to
    docking.created_at = docking.events[0].created_at
    docking.updated_at = docking.events[-1].created_at
    session.add(docking)
    session.flush()
    return docking


def _deal(session: Session, rng: random.Random, need: Need, docking: Docking,
          now: dt.datetime) -> None:
    amount = math.exp(rng.gauss(math.log(MEDIAN_DEAL_WAN), DEAL_SPREAD))
    amount = min(max(amount, 3.0), 5000.0)
    modes = need.modes or [CooperationMode.JOINT_DEVELOPMENT]
    signed_at = docking.events[-1].created_at
    session.add(Deal(docking_id=docking.id, contract_type=CONTRACT_FOR_MODE[rng.choice(modes)],
                     amount_wan=Decimal(f"{amount:.2f}"),
                     signed_on=min(signed_at.astimezone(dt.UTC).date(), now.date()),
                     created_by_id=need.author_id, created_at=signed_at, updated_at=signed_at))
