"""A database and an application for the tests and the benchmarks: the set-up they share.

The test fixtures (``tests/conftest.py``), the reliability harness (gunicorn on a real
database) and the benchmarks (``benchmarks/``) all empty a database, migrate it to head and
start the app on it with cheap password hashing; they do it here, so that a change of how the
schema is made (a new backend, a new setting every app needs) is made once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from models import Base

from .app import create_app
from .db import make_engine
from .migrate import upgrade

__all__ = ["CHEAP_ARGON2", "bench_database", "empty_tables", "fresh_database", "make_app"]

#: Argon2 parameters cheap enough for thousands of logins in tests and benchmarks (never for
#: real accounts: the app's defaults are set in ``webapp.config``).
CHEAP_ARGON2: Mapping[str, int] = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def fresh_database(url: str) -> None:
    """Empty the database at ``url`` and migrate it to head.

    PostgreSQL: its ``public`` schema is dropped and made again; SQLite: the file (and its
    ``-wal``/``-shm`` companions) is deleted.
    """
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            path = Path(make_url(url).database or "")
            for extra in ("", "-wal", "-shm"):
                Path(f"{path}{extra}").unlink(missing_ok=True)
        upgrade(engine)
    finally:
        engine.dispose()


def empty_tables(url: str) -> None:
    """Delete every row of the models' tables, restarting their ids (PostgreSQL; a test's
    database is handed to the next one this way, faster than migrating again)."""
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@contextmanager
def bench_database(url: str | None, *, reset: bool = False, reuse: bool = False
                   ) -> Iterator[str]:
    """A benchmark's database URL, migrated to head: ``url``, or SQLite in a temporary
    directory removed afterwards.

    ``reset`` empties it first (:func:`fresh_database`); ``reuse`` keeps what an earlier run
    filled (migrated, as the schema may have moved on since). Otherwise it must be empty, so
    that a benchmark never fills a database that holds anything else.
    """
    with tempfile.TemporaryDirectory(prefix="innomatch-bench-") as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if reset:
            fresh_database(url)
        else:
            engine = make_engine(url)
            try:
                if not reuse and set(inspect(engine).get_table_names()) - {"alembic_version"}:
                    raise SystemExit("the database is not empty (use --reset to empty it)")
                upgrade(engine)
            finally:
                engine.dispose()
        yield url


def make_app(url: str, **settings: Any) -> Flask:
    """The app on the database at ``url`` for a test or a benchmark: a fixed secret, forms
    without CSRF tokens, cheap password hashing; ``settings`` override or add."""
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "testbed-secret",
                       "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_PARAMS": dict(CHEAP_ARGON2),
                       **settings})
