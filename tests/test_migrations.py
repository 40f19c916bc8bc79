"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from models import Base
from webapp.db import make_engine
from webapp.migrate import downgrade, upgrade


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrading_keeps_existing_rows(database_url: str) -> None:
    """Later migrations rebuild tables on SQLite; rows that depend on them must survive."""
    from sqlalchemy import func, select, table, text

    engine = make_engine(database_url)
    try:
        downgrade(engine, "base")
        upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organizations (id, name, kind, province, city, verified, description,"
                " invite_code, created_at) VALUES (1, '甲公司', 'enterprise', '上海市', '', false,"
                " '', 'code1', CURRENT_TIMESTAMP), (2, '乙大学', 'university', '上海市', '', false,"
                " '', 'code2', CURRENT_TIMESTAMP)"))
            conn.execute(text(
                "INSERT INTO needs (id, title, subfield, keywords, province, city, created_at,"
                " updated_at, published_at, organization_id, field, problem, indicators, basis,"
                " status, show_org_name) VALUES (1, '需求', '', '', '上海市', '', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 'new_energy', '难题', '', '',"
                " 'published', true)"))
            conn.execute(text("INSERT INTO need_modes (need_id, mode) VALUES (1, 'license')"))
            conn.execute(text(
                "INSERT INTO results (id, title, subfield, keywords, province, city, created_at,"
                " updated_at, published_at, organization_id, field, summary, form, trl, team,"
                " contact_name, contact_phone, status) VALUES (1, '成果', '', '', '上海市', '',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 2, 'new_energy', '简介',"
                " 'device', 5, '', '', '', 'published')"))
            conn.execute(text(
                "INSERT INTO matches (need_id, result_id, score, text_score, parts, terms,"
                " matcher_version, created_at) VALUES (1, 1, 0.5, 0.4, '{}', '[]', 'x',"
                " CURRENT_TIMESTAMP)"))
        upgrade(engine)
        with engine.connect() as conn:
            counts = [conn.execute(select(func.count()).select_from(table(t))).scalar()
                      for t in ("needs", "need_modes", "results", "matches")]
        assert counts == [1, 1, 1, 1]
    finally:
        engine.dispose()


def test_0009_merges_duplicate_dockings(database_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Before 0009 an interest docking and the docking of an accepted (later signed) solution
    could coexist for one need and institution; 0009 merges them into the earliest one, moving
    events, messages, the deal and notifications' links, and then forbids a second open one."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = make_engine(database_url)
    try:
        downgrade(engine, "base")
        upgrade(engine, "0007")
        with engine.begin() as conn:
            run = conn.execute
            run(text(
                "INSERT INTO organizations (id, name, kind, province, city, verified, description,"
                " invite_code, created_at) VALUES (1, '甲公司', 'enterprise', '上海市', '', false,"
                " '', 'code1', CURRENT_TIMESTAMP), (2, '乙大学', 'university', '上海市', '', false, '',"
                " 'code2', CURRENT_TIMESTAMP), (3, '丙研究所', 'institute', '上海市', '', false, '', 'code3',"
                " CURRENT_TIMESTAMP)"))
            run(text(
                "INSERT INTO users (id, email, name, password_hash, role, organization_id,"
                " is_active, session_version, language, created_at) VALUES"
                " (1, 'a@x.cn', '甲', 'x', 'member', 1, true, 1, 'zh_CN', CURRENT_TIMESTAMP),"
                " (2, 'b@x.cn', '乙', 'x', 'member', 2, true, 1, 'zh_CN', CURRENT_TIMESTAMP)"))
            for need_id in (1, 2):
                run(text(
                    "INSERT INTO needs (id, title, subfield, keywords, province, city, created_at,"
                    " updated_at, published_at, organization_id, field, problem, indicators, basis,"
                    " status, show_org_name) VALUES (:id, '需求', '', '', '上海市', '',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 'new_energy',"
                    " '难题', '', '', 'docking', true)"), {"id": need_id})
            for result_id, org in ((1, 2), (2, 2), (3, 3)):
                run(text(
                    "INSERT INTO results (id, title, subfield, keywords, province, city,"
                    " created_at, updated_at, published_at, organization_id, field, summary, form,"
                    " trl, team, contact_name, contact_phone, status) VALUES (:id, '成果', '', '',"
                    " '上海市', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :org,"
                    " 'new_energy', '简介', 'device', 5, '', '', '', 'published')"),
                    {"id": result_id, "org": org})
            run(text(
                "INSERT INTO solutions (id, need_id, organization_id, author_id, summary, approach,"
                " timeline, status, created_at, updated_at) VALUES (1, 1, 2, 2, '方案', '做法', '',"
                " 'accepted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            # Need 1 and 乙大学: an interest docking (10), the accepted solution's docking, signed
            # (11), and a second result's interest (12). Need 2: one docking per institution
            # (13 with 乙大学, 14 with 丙研究所): nothing to merge.
            dockings = [(10, 1, 1, None, 2, "interest", "supply"),
                        (11, 1, None, 1, 2, "signed", "supply"),
                        (12, 1, 2, None, 2, "interest", "need"),
                        (13, 2, 1, None, 2, "docked", "supply"),
                        (14, 2, 3, None, 3, "interest", "supply")]
            for d_id, need_id, result_id, solution_id, org, state, side in dockings:
                run(text(
                    "INSERT INTO dockings (id, need_id, result_id, solution_id, need_org_id,"
                    " supply_org_id, state, interest_side, drop_note, version, created_at,"
                    " updated_at) VALUES (:id, :need, :result, :solution, 1, :org, :state, :side, '',"
                    " 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"id": d_id, "need": need_id, "result": result_id, "solution": solution_id,
                     "org": org, "state": state, "side": side})
            run(text(
                "INSERT INTO docking_events (docking_id, actor_id, from_state, to_state, note,"
                " created_at) VALUES (10, 2, 'suggested', 'interest', '', CURRENT_TIMESTAMP),"
                " (11, 1, NULL, 'docked', '采纳解决方案', CURRENT_TIMESTAMP),"
                " (11, 1, 'negotiating', 'signed', '', CURRENT_TIMESTAMP),"
                " (12, 1, 'suggested', 'interest', '', CURRENT_TIMESTAMP),"
                " (13, 2, 'interest', 'docked', '', CURRENT_TIMESTAMP)"))
            run(text(
                "INSERT INTO docking_messages (docking_id, author_id, body, is_note, created_at)"
                " VALUES (10, 2, '您好', false, CURRENT_TIMESTAMP),"
                " (11, 1, '合同已寄出', false, CURRENT_TIMESTAMP)"))
            run(text(
                "INSERT INTO deals (docking_id, contract_type, amount_fen, signed_on,"
                " created_by_id, version, created_at, updated_at) VALUES (11, 'development',"
                " 8000000, '2026-11-01', 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            run(text(
                "INSERT INTO notifications (user_id, kind, title, link, created_at) VALUES"
                " (1, 'interest', '意向', '/dockings/12', CURRENT_TIMESTAMP)"))
        capsys.readouterr()
        upgrade(engine)
        assert "merged 2 duplicate dockings into 1" in capsys.readouterr().err
        with engine.begin() as conn:
            rows = conn.execute(text(
                "SELECT id, state, result_id, solution_id FROM dockings ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(10, "signed", 1, 1), (13, "docked", 1, None),
                                                (14, "interest", 3, None)]
            per_docking = dict(conn.execute(text(
                "SELECT docking_id, COUNT(*) FROM docking_events GROUP BY docking_id")).all())
            assert per_docking == {10: 5, 13: 1}  # four moved or kept, one naming the merge
            merge_note = conn.execute(text(
                "SELECT note FROM docking_events WHERE actor_id IS NULL")).scalar_one()
            assert "#11" in merge_note and "#12" in merge_note
            assert conn.execute(text("SELECT docking_id, body FROM docking_messages ORDER BY id"))\
                .all() == [(10, "您好"), (10, "合同已寄出")]
            assert conn.execute(text("SELECT docking_id FROM deals")).scalar_one() == 10
            assert conn.execute(text("SELECT link FROM notifications")).scalar_one() \
                == "/dockings/10"
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO dockings (id, need_id, result_id, need_org_id, supply_org_id, state,"
                " drop_note, version, created_at, updated_at) VALUES (15, 2, 2, 1, 2, 'interest',"
                " '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        with engine.begin() as conn:  # a dropped or signed one beside the open one is fine
            conn.execute(text(
                "INSERT INTO dockings (id, need_id, result_id, need_org_id, supply_org_id, state,"
                " drop_reason, drop_note, version, created_at, updated_at) VALUES (15, 2, 2, 1,"
                " 2, 'dropped', 'price', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()
