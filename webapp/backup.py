"""Backing up and restoring the database: ``innomatch backup FILE`` and ``innomatch restore FILE``.

SQLite uses the sqlite3 online backup API, which copies a consistent snapshot while the app
keeps running (readers and writers carry on; a copy is never half of one transaction).
PostgreSQL uses ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction`` found on PATH (the postgresql-client package; its major version must be
at least the server's).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def kind_of(url: str) -> str:
    """``sqlite`` or ``postgresql``; anything else is refused."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup method for {name} databases")
    return name


def backup(url: str, target: Path) -> None:
    """Write a backup of the database at ``url`` to ``target`` (replaced only when complete)."""
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind_of(url) == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
                  "--dbname", _libpq_url(url)])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore(url: str, source: Path) -> None:
    """Replace the database's contents with the backup in ``source``, all or nothing."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    if kind_of(url) == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "--dbname", _libpq_url(url), str(source)])


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _check_sqlite(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError(f"{what} fails its integrity check: {result[:3]}")
    has_schema = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'alembic_version'").fetchone()
    if not has_schema:
        raise BackupError(f"{what} is not an InnoMatch database (no alembic_version table)")


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"{database}: no such database")
    with closing(sqlite3.connect(database, timeout=30)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)  # one step: a consistent snapshot, as of one committed transaction
        _check_sqlite(dst, "the backup")
        # A plain rollback-journal file: the backup is one self-contained file.
        dst.execute("PRAGMA journal_mode=DELETE")


def _sqlite_restore(source: Path, database: Path) -> None:
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
        try:
            _check_sqlite(src, str(source))
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database: {exc}") from None
        database.parent.mkdir(parents=True, exist_ok=True)
        # The backup API writes into the live database under its write lock, so connections of
        # a running app see the old contents or the new, never a mixture.
        with closing(sqlite3.connect(database, timeout=30)) as dst:
            dst.execute("PRAGMA busy_timeout=30000")
            src.backup(dst)
            _check_sqlite(dst, "the restored database")


# --- PostgreSQL --------------------------------------------------------------------------------

def _libpq_url(url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver suffix)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found on PATH: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client)")
    return path


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
