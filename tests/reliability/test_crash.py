"""Crash test: gunicorn (3 workers) is killed with SIGKILL at random moments while clients create
needs, solutions and deals through /api/v1 with Idempotency-Key headers.

A killed worker is replaced by its master; a killed master takes its workers with it (the
whole process group, as a crash of the machine would) and a fresh gunicorn is started. Clients
retry each create with the same key and body until it is acknowledged. Afterwards every
acknowledged write exists exactly once with the id it was acknowledged with, no retry made a
duplicate, nothing is half-written, and the database passes its integrity checks.

The size is small so that CI runs it on each database in well under a minute; CRASH_SECONDS
and CRASH_CLIENTS make it longer or busier.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import (
    TRANSIENT,
    Account,
    Gunicorn,
    backend_url,
    call,
    fresh_database,
    integrity_problems,
    make_account,
    make_docking,
    make_need,
    make_result,
    plain_engine,
    today_minus,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Deal,
    Docking,
    DockingEvent,
    DockingState,
    IdempotencyKey,
    Need,
    NeedMode,
    NeedStatus,
    OrgKind,
    Solution,
)
from models.solution import solution_results

SECONDS = float(os.environ.get("CRASH_SECONDS", "14"))
CLIENTS = int(os.environ.get("CRASH_CLIENTS", "6"))
DEALS = 40
NEED_TITLE = "崩溃测试需求"
SOLUTION_SUMMARY = "崩溃测试方案"


@dataclass
class World:
    """The accounts and records the clients work on."""

    enterprises: list[Account]
    institutions: list[Account]
    open_needs: list[int]
    dockings: list[tuple[int, Account]]  # (docking id, the enterprise that signs it)


@dataclass
class Op:
    """One create: its key, kind, request and, once acknowledged, the id it was given."""

    key: str
    kind: str
    path: str
    token: str
    body: dict[str, Any]
    acked_id: int | None = None
    attempts: int = 0
    replayed: bool = False


@dataclass
class Log:
    """What the clients saw, shared between their threads."""

    ops: list[Op] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    transient: int = 0
    in_progress: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def build_world(url: str) -> World:
    engine = plain_engine(url)
    try:
        with Session(engine) as session:
            enterprises = [make_account(session, OrgKind.ENTERPRISE, n) for n in range(3)]
            institutions = [make_account(session, OrgKind.UNIVERSITY, n) for n in range(3)]
            for n, inst in enumerate(institutions):
                make_result(session, inst, f"可靠性测试成果{n}")
            open_needs = [make_need(session, enterprises[n % 3], f"可靠性测试开放需求{n}").id
                          for n in range(6)]
            dockings = []
            for n in range(DEALS):
                ent = enterprises[n % 3]
                dockings.append((make_docking(session, ent, institutions[n % 3], n), ent))
            session.commit()
    finally:
        engine.dispose()
    return World(enterprises, institutions, open_needs, dockings)


def next_op(world: World, rng: random.Random, lock: threading.Lock) -> Op:
    key = uuid.uuid4().hex
    kind = rng.choice(["need", "need", "solution", "deal"])
    if kind == "deal":
        with lock:
            docking = world.dockings.pop() if world.dockings else None
        if docking is not None:
            docking_id, enterprise = docking
            return Op(key, "deal", f"/api/v1/dockings/{docking_id}/deal", enterprise.token, {
                "contract_type": "development", "amount_wan": "88.5",
                "signed_on": today_minus(3), "contract_number": key, "version": 1})
        kind = "need"
    if kind == "solution":
        inst = rng.choice(world.institutions)
        need_id = rng.choice(world.open_needs)
        return Op(key, "solution", f"/api/v1/needs/{need_id}/solutions", inst.token, {
            "summary": f"{SOLUTION_SUMMARY} {key}", "approach": "线阵相机在线检测，分阶段交付。",
            "result_ids": inst.result_ids[:1], "price_wan": 45})
    ent = rng.choice(world.enterprises)
    return Op(key, "need", "/api/v1/needs", ent.token, {
        "title": f"{NEED_TITLE} {key}", "field": "new_energy",
        "problem": "电池极片涂布厚度在线检测，要求精度优于 1 微米。",
        "modes": ["joint_development", "technical_service"], "province": "上海市",
        "publish": True})


def client(world: World, port_of: Any, log: Log, stop_new: threading.Event, give_up: float,
           seed: int) -> None:
    """Create until told to stop; retry every create with its key until it is acknowledged."""
    rng = random.Random(seed)
    while not stop_new.is_set():
        op = next_op(world, rng, log.lock)
        with log.lock:
            log.ops.append(op)
        while op.acked_id is None and time.monotonic() < give_up:
            op.attempts += 1
            try:
                answer = call(port_of(), "POST", op.path, token=op.token, body=op.body,
                              headers={"Idempotency-Key": op.key}, timeout=30)
            except TRANSIENT:
                with log.lock:
                    log.transient += 1
                time.sleep(0.1 + rng.random() * 0.2)
                continue
            if answer.status == 201:
                op.acked_id = int(answer.body["id"])
                op.replayed = answer.headers.get("idempotent-replayed") == "true"
            elif answer.status == 409 and (answer.body or {}).get("error") == \
                    "idempotency_in_progress":
                with log.lock:
                    log.in_progress += 1
                time.sleep(0.2)
            else:
                with log.lock:
                    log.unexpected.append(f"{op.kind} {op.key}: {answer.status} {answer.body}")
                if answer.status < 500:
                    break  # a refusal by design would repeat: stop this create
                time.sleep(0.2)


def chaos(server: Gunicorn, stop: threading.Event, rng: random.Random) -> None:
    """Kill a worker, or the whole server, every second or two; restart what was killed."""
    kills = 0
    while not stop.wait(rng.uniform(0.8, 2.0)):
        kills += 1
        if kills % 4 == 0:
            server.kill_all()
            server.start()  # clients see refused connections until it listens again
        else:
            workers = server.worker_pids()
            if workers:
                server.kill_worker(rng.choice(workers))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_writes_survive_sigkill(backend: str, tmp_path: Path) -> None:
    url = backend_url(backend, tmp_path, "crash")
    fresh_database(url)
    world = build_world(url)
    docking_ids = {docking_id for docking_id, _ in world.dockings}
    server = Gunicorn(url, tmp_path / "gunicorn.log")
    log = Log()
    stop_new, stop_chaos = threading.Event(), threading.Event()
    rng = random.Random(int(os.environ.get("CRASH_SEED", str(random.randrange(10**6)))))
    server.start()
    try:
        server.wait_ready()
        give_up = time.monotonic() + SECONDS + 45
        threads = [threading.Thread(target=client, args=(world, lambda: server.port, log, stop_new,
                                                         give_up, rng.random()))
                   for _ in range(CLIENTS)]
        killer = threading.Thread(target=chaos, args=(server, stop_chaos, rng))
        for thread in [*threads, killer]:
            thread.start()
        time.sleep(SECONDS)
        stop_new.set()
        stop_chaos.set()
        killer.join()
        if server.process is None:
            server.start()
        for thread in threads:
            thread.join()
        # One more crash with nothing in flight, then a clean start: nothing may change.
        server.kill_all()
        server.start()
        server.wait_ready()
        replays = _replay_all(server.port, log.ops)
    finally:
        server.stop()
    summary = (f"{backend}: {len(log.ops)} creates, {sum(o.attempts for o in log.ops)} attempts, "
               f"{sum(o.replayed for o in log.ops)} answered by replay, "
               f"{log.transient} connection failures, {log.in_progress} in-progress answers, "
               f"{server.worker_kills} workers and {server.master_kills} masters killed")
    print(summary)
    assert server.worker_kills + server.master_kills >= 3, summary
    assert not log.unexpected, log.unexpected[:10]
    unacked = [o.key for o in log.ops if o.acked_id is None]
    assert not unacked, f"never acknowledged: {unacked[:5]} ({summary})"
    assert not replays, replays[:5]
    assert sum(o.attempts for o in log.ops) > len(log.ops), "no retry happened: " + summary
    _check_stored(url, log.ops, docking_ids)
    assert integrity_problems(url) == []


def _replay_all(port: int, ops: list[Op]) -> list[str]:
    """Send every acknowledged create again: each must replay its first answer."""
    wrong = []
    for op in ops:
        answer = call(port, "POST", op.path, token=op.token, body=op.body,
                      headers={"Idempotency-Key": op.key})
        if (answer.status != 201 or answer.headers.get("idempotent-replayed") != "true"
                or answer.body["id"] != op.acked_id):
            wrong.append(f"{op.kind} {op.key}: {answer.status} {answer.body}")
    return wrong


def _check_stored(url: str, ops: list[Op], docking_ids: set[int]) -> None:
    engine = plain_engine(url)
    try:
        with Session(engine) as db:
            needs = {n.title.split()[-1]: n for n in db.scalars(
                select(Need).where(Need.title.like(f"{NEED_TITLE} %")))}
            solutions = {s.summary.split()[-1]: s for s in db.scalars(
                select(Solution).where(Solution.summary.like(f"{SOLUTION_SUMMARY} %")))}
            deals = {d.contract_number: d for d in db.scalars(
                select(Deal).where(Deal.docking_id.in_(docking_ids)))}
            # Exactly once: as many records as creates of each kind, each under its own key.
            for kind, stored in (("need", needs), ("solution", solutions), ("deal", deals)):
                keys = [o.key for o in ops if o.kind == kind]
                assert sorted(stored) == sorted(keys), f"{kind}s stored differ from those acked"
            count = db.scalar(select(func.count()).select_from(Need)
                              .where(Need.title.like(f"{NEED_TITLE} %")))
            assert count == len(needs), "a need was created twice"
            for op in ops:
                record: Any = {"need": needs, "solution": solutions, "deal": deals}[op.kind][op.key]
                assert record.id == op.acked_id, f"{op.kind} {op.key} acknowledged with another id"
            # Nothing half-written.
            for need in needs.values():
                modes = db.scalars(select(NeedMode.mode).where(NeedMode.need_id == need.id)).all()
                assert sorted(m.value for m in modes) == ["joint_development",
                                                          "technical_service"], need.id
                assert need.status is NeedStatus.PUBLISHED and need.published_at is not None
            for solution in solutions.values():
                linked = db.scalar(select(func.count()).select_from(solution_results).where(
                    solution_results.c.solution_id == solution.id))
                assert linked == 1, f"solution {solution.id} lost its result link"
            for deal in deals.values():
                docking = db.get(Docking, deal.docking_id)
                assert docking is not None and docking.state is DockingState.SIGNED
                assert docking.version == 2, f"docking {docking.id} moved more than once"
                assert docking.need.status is NeedStatus.SIGNED
                events = db.scalar(select(func.count()).select_from(DockingEvent).where(
                    DockingEvent.docking_id == docking.id,
                    DockingEvent.to_state == DockingState.SIGNED))
                assert events == 1, f"docking {docking.id} has {events} signing events"
            # Every docking left unsigned is untouched; every signed one has its deal.
            for docking in db.scalars(select(Docking).where(Docking.id.in_(docking_ids))):
                if docking.state is DockingState.SIGNED:
                    assert docking.deal is not None
                else:
                    assert docking.state is DockingState.NEGOTIATING and docking.version == 1
            pending = db.scalar(select(func.count()).select_from(IdempotencyKey)
                                .where(IdempotencyKey.status_code == 0))
            assert pending == 0, "a reserved idempotency key was left without its answer"
            answered = db.scalar(select(func.count()).select_from(IdempotencyKey))
            assert answered == len(ops)
    finally:
        engine.dispose()
