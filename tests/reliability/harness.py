"""What the reliability tests share: a gunicorn they can start, kill and restart, a plain HTTP
client, a fresh database of each kind, accounts with API tokens, and integrity checks."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models import (
    Base,
    CooperationMode,
    Docking,
    DockingState,
    Field,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultStatus,
    Role,
    Side,
    User,
    utcnow,
)
from webapp.api.services import create_token
from webapp.db import make_engine
from webapp.testbed import CHEAP_ARGON2
from webapp.testbed import fresh_database as fresh_database  # the tests' name

HERE = Path(__file__).resolve().parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
GENEROUS = "100000 per minute"


# --- databases --------------------------------------------------------------------------------

def postgres_url_or_skip(suffix: str) -> str:
    """A database of its own on the suite's PostgreSQL server (``<test db>_<suffix>``).

    The suite's own database holds the session's migrated template, so these tests never touch
    it. Without TEST_DATABASE_URL the PostgreSQL variants are skipped.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL (the suite runs it on PostgreSQL)")
    url = make_url(base)
    name = f"{url.database}_{suffix}"
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def backend_url(backend: str, tmp_path: Path, suffix: str) -> str:
    """A URL for ``backend`` (``sqlite`` or ``postgresql``); the variant that is not the suite's
    database is skipped, so each CI run (SQLite, then PostgreSQL) runs each test once."""
    on_postgres = bool(os.environ.get("TEST_DATABASE_URL"))
    if backend == "sqlite":
        if on_postgres:
            pytest.skip("SQLite variant: runs when the suite runs on SQLite")
        return f"sqlite:///{tmp_path / f'{suffix}.db'}"
    return postgres_url_or_skip(suffix)


def plain_engine(url: str) -> Engine:
    """An engine for checks: SQLite without the app's pragmas beyond foreign keys."""
    if url.startswith("sqlite"):
        return create_engine(url)
    return make_engine(url)


def integrity_problems(url: str) -> list[str]:
    """Everything wrong with the database's physical and referential integrity.

    SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check``. Both: no row points at a
    missing parent through any foreign key of the models (checked by query, so PostgreSQL's
    enforcement is verified rather than assumed). PostgreSQL: every constraint validated, and
    the B-tree indexes pass amcheck where the extension can be created.
    """
    problems: list[str] = []
    engine = plain_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
                if rows != ["ok"]:
                    problems += [f"integrity_check: {r}" for r in rows]
                problems += [f"foreign_key_check: {tuple(r)}"
                             for r in conn.execute(text("PRAGMA foreign_key_check"))]
            else:
                problems += [f"constraint not validated: {r[0]}" for r in conn.execute(text(
                    "SELECT conname FROM pg_constraint c JOIN pg_namespace n "
                    "ON n.oid = c.connamespace WHERE n.nspname = 'public' "
                    "AND NOT c.convalidated"))]
                problems += _amcheck(conn)
            for table in Base.metadata.sorted_tables:
                for fk in table.foreign_keys:
                    child, parent = fk.parent, fk.column
                    parent_table, key = parent.table.name, f"p.{parent.name} = c.{child.name}"
                    missing = f"NOT EXISTS (SELECT 1 FROM {parent_table} p WHERE {key})"  # noqa: S608
                    where = f"c.{child.name} IS NOT NULL AND {missing}"
                    # Names from the models, not from input.
                    query = f"SELECT count(*) FROM {table.name} c WHERE {where}"  # noqa: S608
                    orphans = conn.scalar(text(query))
                    if orphans:
                        problems.append(f"{orphans} orphan rows in {table.name}.{child.name}")
    finally:
        engine.dispose()
    return problems


def _amcheck(conn: Any) -> list[str]:
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    except Exception:  # amcheck is optional (contrib package, superuser)
        return []
    problems = []
    indexes = conn.execute(text(
        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = 'public'")).scalars().all()
    for index in indexes:
        try:
            with conn.begin_nested():
                conn.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"),
                             {"i": index})
        except Exception as exc:
            problems.append(f"amcheck {index}: {exc}")
    conn.commit()
    return problems


# --- accounts ---------------------------------------------------------------------------------

@dataclass
class Account:
    """A user of one organisation with an API token."""

    user_id: int
    org_id: int
    token: str
    result_ids: list[int] = field(default_factory=list)


def make_account(session: Session, kind: OrgKind, n: int, role: Role = Role.MEMBER) -> Account:
    """An organisation of ``kind`` with one member and a token (no password: tokens only)."""
    org = Organization(name=f"可靠性测试机构{kind.value}{n}", kind=kind, province="上海市",
                       city="上海市")
    user = User(email=f"rel-{kind.value}-{n}@example.cn", name=f"测试{n}", role=role,
                organization=org, password_hash="!",  # no password can match
                email_confirmed_at=utcnow())
    session.add_all([org, user])
    session.flush()
    _, token = create_token(session, user, "reliability")
    return Account(user.id, org.id, token)


def make_result(session: Session, account: Account, title: str) -> int:
    """A published result of the account's institution."""
    result = Result(organization_id=account.org_id, author_id=account.user_id,
                    status=ResultStatus.PUBLISHED, field=Field.NEW_ENERGY, form=ResultForm.DEVICE,
                    trl=6, published_at=utcnow())
    result.title = title
    result.summary = "采用高速线阵相机与深度学习算法，在线检测极片涂布缺陷。"
    result.province = "上海市"
    result.modes = [CooperationMode.LICENSE]
    session.add(result)
    session.flush()
    account.result_ids.append(result.id)
    return result.id


def make_need(session: Session, account: Account, title: str,
              status: NeedStatus = NeedStatus.PUBLISHED) -> Need:
    """A published need of the account's enterprise."""
    need = Need(organization_id=account.org_id, author_id=account.user_id, status=status,
                field=Field.NEW_ENERGY, published_at=utcnow())
    need.title = title
    need.problem = "涂布厚度波动导致电池一致性差，需要在线检测方案。"
    need.province = "江苏省"
    need.modes = [CooperationMode.JOINT_DEVELOPMENT]
    need.budget_min_wan = Decimal("50")
    need.budget_max_wan = Decimal("120")
    session.add(need)
    session.flush()
    return need


def make_docking(session: Session, enterprise: Account, institution: Account, n: int,
                 state: DockingState = DockingState.NEGOTIATING) -> int:
    """A need–result docking already in ``state`` (negotiating: ready to be signed)."""
    need = make_need(session, enterprise, f"可靠性测试对接需求{n}", NeedStatus.DOCKING)
    result_id = make_result(session, institution, f"可靠性测试对接成果{n}")
    # Begun a month ago: the tests' deals are signed in the last few days, and a deal can never
    # be older than its docking.
    docking = Docking(need_id=need.id, result_id=result_id, need_org_id=enterprise.org_id,
                      supply_org_id=institution.org_id, state=state, interest_side=Side.SUPPLY,
                      created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    session.add(docking)
    session.flush()
    return docking.id


def docking_states(url: str, ids: Sequence[int]) -> dict[int, tuple[DockingState, int]]:
    """State and version of the given dockings, read directly."""
    engine = plain_engine(url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(Docking.id, Docking.state, Docking.version)
                                   .where(Docking.id.in_(ids)))
            return {r.id: (r.state, r.version) for r in rows}
    finally:
        engine.dispose()


# --- HTTP -------------------------------------------------------------------------------------

@dataclass
class Answer:
    """A response: status, parsed JSON body (or None) and headers."""

    status: int
    body: Any
    headers: dict[str, str]


def call(port: int, method: str, path: str, *, token: str | None = None, body: Any = None,
         headers: dict[str, str] | None = None, timeout: float = 30.0) -> Answer:
    """One request on a connection of its own; connection failures raise ``OSError`` or
    ``http.client.HTTPException``."""
    sent = dict(headers or {})
    payload = None
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent["Content-Type"] = "application/json"
    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)) as conn:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Answer(response.status, parsed, {k.lower(): v for k, v in response.getheaders()})


TRANSIENT = (OSError, http.client.HTTPException)


# --- gunicorn ---------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_config(url: str, **extra: Any) -> dict[str, Any]:
    """The test server's settings: the database, a fixed secret, cheap hashing, and rate limits
    high enough that concurrent clients are never refused by them, counted in memory (a local
    Redis shared with other runs must not count for them)."""
    return {
        "DATABASE_URL": url, "SECRET_KEY": "reliability-test-secret",
        "PASSWORD_HASH_PARAMS": dict(CHEAP_ARGON2), "RATELIMIT_STORAGE_URI": "memory://",
        "RATE_LIMIT_LOGIN": GENEROUS, "RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT": GENEROUS,
        "LOGIN_BACKOFF_AFTER": 100000,
        "RATE_LIMIT_SIGNUP": GENEROUS, "RATE_LIMIT_PASSWORD_RESET": GENEROUS,
        "RATE_LIMIT_PASSWORD_RESET_ACCOUNT": GENEROUS, "RATE_LIMIT_API_TOKEN": GENEROUS,
        "RATE_LIMIT_MESSAGE": GENEROUS,
        **extra,
    }


class Gunicorn:
    """gunicorn serving the app on a database; it can be killed and started again.

    Each start is a new process group, so that killing "the machine" (master and workers with
    SIGKILL) reaches exactly the processes this object started.
    """

    def __init__(self, url: str, log_path: Path, workers: int = 3, timeout: int = 20,
                 config: dict[str, Any] | None = None) -> None:
        self.url = url
        self.config = config or {}
        self.port = free_port()
        self.log_path = log_path
        self.workers = workers
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.worker_kills = 0
        self.master_kills = 0

    def start(self) -> None:
        """Start a fresh gunicorn (master and workers) on the same port."""
        env = {**os.environ, "INNOMATCH_TEST_CONFIG": json.dumps(server_config(self.url, **self.config)),
               "PYTHONWARNINGS": "ignore"}
        env.pop("DATABASE_URL", None)
        command = [str(GUNICORN), "--workers", str(self.workers), "--bind",
                   f"127.0.0.1:{self.port}", "--timeout", str(self.timeout),
                   "--graceful-timeout", "3", "--no-control-socket", "--log-level", "warning",
                   "--pythonpath", str(HERE), "served_app:app"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                            env=env, cwd=self.log_path.parent,
                                            start_new_session=True)
        self.starts += 1

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until a request is answered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_tail()}")
            with suppress(*TRANSIENT):
                if call(self.port, "GET", "/api/v1/needs?per_page=1", timeout=5).status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready after {timeout} s: {self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The master's live children (its workers), read from /proc."""
        if self.process is None:
            return []
        master = self.process.pid
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == master and fields[0] != "Z":
                pids.append(int(entry.name))
        return pids

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker; the master starts another."""
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        self.worker_kills += 1

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once, as a crash of the machine would."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None
        self.master_kills += 1

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM), or kill after a while."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Workers of this group that outlived their master (none normally) go too.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        """The end of gunicorn's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextmanager
def serving(url: str, log_path: Path, workers: int = 3,
            config: dict[str, Any] | None = None) -> Iterator[Gunicorn]:
    """A running gunicorn for the block (``config`` added to :func:`server_config`), stopped
    afterwards whatever happens."""
    server = Gunicorn(url, log_path, workers=workers, config=config)
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def today_minus(days: int) -> str:
    """An ISO date ``days`` before today (deals may not be signed in the future)."""
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()
