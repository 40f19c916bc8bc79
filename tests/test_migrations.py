"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

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
