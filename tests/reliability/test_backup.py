"""``innomatch backup`` and ``innomatch restore``: back up, change, restore, compare, on SQLite
and (with TEST_DATABASE_URL) on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from reliability.harness import (
    fresh_database,
    make_account,
    make_docking,
    make_need,
    make_result,
    plain_engine,
    postgres_url_or_skip,
)
from sqlalchemy import delete, update
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session

from models import Base, DockingEvent, Need, OrgKind
from webapp import create_app


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = plain_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: [tuple(r) for r in conn.execute(
                        table.select().order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def filled(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    """A migrated database with some records, and an app on it."""
    if request.param == "postgresql":
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump not on PATH")
        url = postgres_url_or_skip("backup")
    else:
        url = f"sqlite:///{tmp_path / 'live.db'}"
    fresh_database(url)
    engine = plain_engine(url)
    with Session(engine) as session:
        enterprise = make_account(session, OrgKind.ENTERPRISE, 1)
        institution = make_account(session, OrgKind.UNIVERSITY, 1)
        make_result(session, institution, "备份测试成果")
        make_need(session, enterprise, "备份测试需求")
        make_docking(session, enterprise, institution, 1)
        session.commit()
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "backup-test", "TESTING": True})
    yield url, app
    app.extensions["db_engine"].dispose()


def test_backup_change_restore_compare(filled: tuple[str, Flask], tmp_path: Path) -> None:
    url, app = filled
    runner = app.test_cli_runner()
    before = snapshot(url)
    target = tmp_path / "innomatch.backup"
    done = runner.invoke(args=["backup", str(target)])
    assert done.exit_code == 0, done.output
    assert target.stat().st_size > 0 and not target.with_name(target.name + ".partial").exists()

    engine = plain_engine(url)
    with Session(engine) as session:
        session.execute(update(Need).values(title="备份之后改过的标题"))
        session.execute(delete(DockingEvent))
        make_need(session, make_account(session, OrgKind.ENTERPRISE, 2), "备份之后新增的需求")
        session.commit()
    engine.dispose()
    assert snapshot(url) != before

    refused = runner.invoke(args=["restore", str(target)], input="n\n")
    assert refused.exit_code != 0 and snapshot(url) != before  # asks first
    done = runner.invoke(args=["restore", "--yes", str(target)])
    assert done.exit_code == 0, done.output
    assert snapshot(url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(filled: tuple[str, Flask],
                                                     tmp_path: Path) -> None:
    url, app = filled
    before = snapshot(url)
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"not a backup at all" * 100)
    done = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert done.exit_code != 0 and "Error" in done.output
    assert snapshot(url) == before


def test_sqlite_backup_is_consistent_while_a_writer_is_mid_transaction(tmp_path: Path) -> None:
    """The online backup copies committed data only, without waiting for the writer."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite only: runs when the suite runs on SQLite")
    url = f"sqlite:///{tmp_path / 'live.db'}"
    fresh_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "backup-test", "TESTING": True})
    path = make_url(url).database
    assert path is not None
    with closing(sqlite3.connect(path, timeout=1)) as writer:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO alembic_version VALUES ('uncommitted')")
        done = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
        writer.rollback()
    app.extensions["db_engine"].dispose()
    assert done.exit_code == 0, done.output
    with closing(sqlite3.connect(tmp_path / "b.db")) as copy:
        versions = copy.execute("SELECT version_num FROM alembic_version").fetchall()
        assert len(versions) == 1 and versions != [("uncommitted",)]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
