"""One open docking per need and supplying organisation: duplicates merged, then a partial unique
index over open dockings; a docking may now hold a result and a solution at once (interest shown
with a result, then a solution accepted, is one conversation)

Merging: for each (need, supplying organisation) with more than one docking that is open
(interest, docked, negotiating) or signed, the earliest docking is kept; the others' events,
messages and deal move to it, their result or solution and broker fill what it lacks, it takes
the most advanced state of the group, notifications that linked to a merged docking link to the
kept one, and an event on the kept docking names what was merged. Groups with two signed dockings
keep both signed ones (two contracts) and merge only the open ones into the earliest signed one.
The number merged is printed.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03 08:10:00.000000
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = ('interest', 'docked', 'negotiating')
# The most advanced state wins when dockings merge.
RANK = {'interest': 1, 'docked': 2, 'negotiating': 3, 'signed': 4}
WHERE_OPEN = sa.text("state IN ('interest', 'docked', 'negotiating')")


def _plan(rows: list[Any]) -> list[tuple[Any, list[Any]]]:
    """(kept docking, dockings merged into it) for every group that has duplicates."""
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.need_id, row.supply_org_id)].append(row)
    plan = []
    for members in groups.values():
        open_ = [r for r in members if r.state in OPEN]
        signed = [r for r in members if r.state == 'signed']
        if not open_ or len(members) < 2:
            continue
        if len(signed) >= 2:
            keeper = min(signed, key=lambda r: r.id)
            plan.append((keeper, open_))
        else:
            keeper = min(members, key=lambda r: r.id)
            plan.append((keeper, [r for r in members if r.id != keeper.id]))
    return plan


def merge_duplicates(conn: sa.Connection) -> tuple[int, int]:
    """Merge duplicate dockings; returns (dockings merged away, dockings they joined)."""
    rows = conn.execute(sa.text(
        "SELECT id, need_id, supply_org_id, state, result_id, solution_id, broker_id,"
        " interest_side FROM dockings WHERE state IN ('interest', 'docked', 'negotiating',"
        " 'signed') ORDER BY id")).all()
    plan = _plan(rows)
    merged = 0
    now = dt.datetime.now(dt.UTC)
    if conn.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)
    for keeper, losers in plan:
        state = max([keeper, *losers], key=lambda r: RANK[r.state]).state
        result_id, solution_id = keeper.result_id, keeper.solution_id
        broker_id, interest_side = keeper.broker_id, keeper.interest_side
        has_deal = conn.execute(sa.text("SELECT COUNT(*) FROM deals WHERE docking_id = :k"),
                                {"k": keeper.id}).scalar_one() > 0
        names = []
        for loser in losers:
            ids = {"k": keeper.id, "l": loser.id}
            conn.execute(sa.text("UPDATE docking_events SET docking_id = :k WHERE docking_id = :l"), ids)
            conn.execute(sa.text("UPDATE docking_messages SET docking_id = :k WHERE docking_id = :l"), ids)
            if not has_deal and conn.execute(sa.text(
                    "UPDATE deals SET docking_id = :k WHERE docking_id = :l"), ids).rowcount:
                has_deal = True
            conn.execute(sa.text("UPDATE notifications SET link = :new WHERE link = :old"),
                         {"new": f"/dockings/{keeper.id}", "old": f"/dockings/{loser.id}"})
            conn.execute(sa.text("DELETE FROM dockings WHERE id = :l"), ids)
            result_id = result_id or loser.result_id
            solution_id = solution_id or loser.solution_id
            broker_id = broker_id or loser.broker_id
            interest_side = interest_side or loser.interest_side
            names.append(f"#{loser.id}（{loser.state}）")
            merged += 1
        if has_deal:
            state = 'signed'
        conn.execute(sa.text(
            "UPDATE dockings SET state = :state, result_id = :result_id, solution_id ="
            " :solution_id, broker_id = :broker_id, interest_side = :interest_side,"
            " version = version + 1, updated_at = :now WHERE id = :k"),
            {"state": state, "result_id": result_id, "solution_id": solution_id,
             "broker_id": broker_id, "interest_side": interest_side, "now": now,
             "k": keeper.id})
        conn.execute(sa.text(
            "INSERT INTO docking_events (docking_id, actor_id, from_state, to_state, note,"
            " created_at) VALUES (:k, NULL, :before, :after, :note, :now)"),
            {"k": keeper.id, "before": keeper.state, "after": state, "now": now,
             "note": "合并重复对接 " + "、".join(names)})
    return merged, len(plan)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('dockings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_dockings_one_supply'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_dockings_has_supply'),
            sa.text('result_id IS NOT NULL OR solution_id IS NOT NULL'))
    merged, kept = merge_duplicates(op.get_bind())
    print(f"0009: merged {merged} duplicate dockings into {kept}")  # noqa: T201
    with op.batch_alter_table('dockings', schema=None) as batch_op:
        batch_op.create_index('uq_dockings_open_need_supply_org', ['need_id', 'supply_org_id'],
                              unique=True, sqlite_where=WHERE_OPEN, postgresql_where=WHERE_OPEN)


def downgrade() -> None:
    """Revert this revision. Merged dockings stay merged; one holding both a result and a
    solution keeps the solution (the older check allows only one)."""
    with op.batch_alter_table('dockings', schema=None) as batch_op:
        batch_op.drop_index('uq_dockings_open_need_supply_org')
    op.execute("UPDATE dockings SET result_id = NULL"
               " WHERE result_id IS NOT NULL AND solution_id IS NOT NULL")
    with op.batch_alter_table('dockings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_dockings_has_supply'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_dockings_one_supply'),
            sa.text('(result_id IS NULL) <> (solution_id IS NULL)'))
