"""Schema migrations with Alembic, run from the CLI and the tests."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str = "") -> Config:
    """An Alembic configuration pointing at the project's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run one Alembic command on a connection of ``engine``.

    On SQLite, batch migrations rebuild a table by copying it and dropping the original; with
    foreign keys enforced, that drop would cascade and delete every dependent row. So foreign
    keys are off while migrating (the pragma only takes effect outside a transaction) and
    checked afterwards.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # What a migration prints is a report on the side (to stderr): a command's own output,
        # such as `innomatch evaluate --service --json`, stays what it promises.
        with connection.begin(), contextlib.redirect_stdout(sys.stderr):
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            step(cfg)
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left dangling references: {broken[:5]}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` up to ``revision``."""
    _run(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database behind ``engine`` down to ``revision``."""
    _run(engine, lambda cfg: command.downgrade(cfg, revision))
