"""The demo is reproducible: for seed 2025 the generator and ``seed-demo`` give the very rows
they gave when these digests were taken (before the demo's texts moved into data files).

A digest is the SHA-256 of a canonical JSON dump. If one of them changes on purpose (a new
topic, another sentence), check the change is the one meant and write the new digest here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Base
from webapp.demo.corpus import INNOMATCH_SIZES, Sizes, build_world
from webapp.demo.seed import load_world

# The clock the seeded rows are dated from, fixed so that their dates are reproducible.
SEEDED_AT = dt.datetime(2025, 7, 1, 4, 0, tzinfo=dt.UTC)

# The columns the demo writes. Left out: keys drawn at random (invite codes, password salts),
# the matcher's tokens (derived by the tokenizer, not demo data) and wall-clock stamps.
SEEDED_COLUMNS: dict[str, str] = {
    "organizations": "id name kind province city credit_code verified description",
    "users": "id email name role organization_id is_active language",
    "needs": "id organization_id author_id field subfield status published_at closed_at valid_until"
             " title problem indicators basis keywords budget_min_fen budget_max_fen province city"
             " show_org_name external_id",
    "need_modes": "need_id mode",
    "results": "id organization_id author_id field subfield status published_at title summary"
               " keywords form trl price_fen team contact_name contact_phone province city external_id",
    "result_modes": "result_id mode",
    "result_ip": "id result_id ip_type number",
    "solutions": "id need_id organization_id author_id summary approach price_fen timeline status"
                 " created_at updated_at",
    "solution_results": "solution_id result_id",
    "dockings": "id need_id result_id solution_id need_org_id supply_org_id state interest_side"
                " broker_id drop_reason drop_note version created_at updated_at",
    "docking_events": "id docking_id actor_id from_state to_state note created_at",
    "deals": "id docking_id contract_type amount_fen signed_on contract_number created_by_id version"
             " created_at updated_at",
}

# Taken on main at a766c91, on SQLite and PostgreSQL alike.
SEEDED_ROWS_DIGEST = "8733b070648660882ffe96bf822fa7ada48ac8381195511348372f4ee2aa6f8d"
SEEDED_ROW_COUNTS = {
    "organizations": 71, "users": 134, "needs": 320, "need_modes": 560, "results": 320,
    "result_modes": 541, "result_ip": 793, "solutions": 60, "solution_results": 52,
    "dockings": 202, "docking_events": 616, "deals": 63,
}
WORLD_DIGESTS: dict[str, tuple[float, Sizes | None, str]] = {
    "scale 1": (1.0, None, "1359ce1cd93f60e572d0413e18341ed2777930dabea4c7a19b859f32fab2cf93"),
    "scale 0.5": (0.5, None, "3d09dbf5027b4d22dd3527702ce512a6743c1d9af92cefc70201216c11e73f52"),
    "scale innomatch": (1.0, INNOMATCH_SIZES,
                        "4cf030669d9c39043ca258585c2d8b5ea84164f4b2556c090c2e794039e34907"),
}


def _plain(value: Any) -> Any:
    """A JSON value that reads the same whichever database returned it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _digest(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seeded_rows(session: Session) -> dict[str, list[list[Any]]]:
    """The demo's columns of every seeded table, row by row in primary-key order."""
    rows: dict[str, list[list[Any]]] = {}
    for name, columns in SEEDED_COLUMNS.items():
        table = Base.metadata.tables[name]
        selected = [table.c[column] for column in columns.split()]
        statement = select(*selected).order_by(*table.primary_key.columns)
        rows[name] = [[_plain(v) for v in row] for row in session.execute(statement)]
    return rows


@pytest.mark.parametrize("case", list(WORLD_DIGESTS))
def test_generated_world_is_unchanged(case: str) -> None:
    scale, sizes, expected = WORLD_DIGESTS[case]
    world = build_world(seed=2025, scale=scale, sizes=sizes)
    assert _digest(dataclasses.asdict(world)) == expected


def test_seeded_rows_are_unchanged(app: Flask, db: Session) -> None:
    counts = load_world(db, seed=2025, now=SEEDED_AT)
    db.commit()
    assert counts["expired"] == 14 and counts["dockings"] == 202 and counts["deals"] == 63
    with app.extensions["db_sessionmaker"]() as fresh:
        rows = seeded_rows(fresh)
    assert {name: len(r) for name, r in rows.items()} == SEEDED_ROW_COUNTS
    assert _digest(rows) == SEEDED_ROWS_DIGEST

