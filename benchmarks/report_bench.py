"""Benchmark (not a test): how long the match-rate report takes on a platform-sized database.

Fills an empty database with NEEDS needs, RESULTS results and MATCHES stored suggestions
(100,000 / 100,000 / 1,000,000 by default) plus solutions, dockings in every state, their
events and deals, then times ``build_report`` under several filters and the whole report page
rendered for an operator. Figures are recorded in docs/benchmarks.md.

    .venv/bin/python benchmarks/report_bench.py                       # SQLite in a temp dir
    .venv/bin/python benchmarks/report_bench.py --url postgresql://postgres@127.0.0.1:5432/bench
    .venv/bin/python benchmarks/report_bench.py --scale 0.1           # a tenth of the size

The database must be empty, or pass --reset to empty it first (``webapp.testbed``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from flask_login import login_user
from sqlalchemy import Engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import (
    ContractType,
    Deal,
    Docking,
    DockingEvent,
    DockingState,
    DropReason,
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultStatus,
    Role,
    Side,
    Solution,
    SolutionStatus,
    User,
)
from models.taxonomy import PROVINCES, Field
from webapp.db import get_session, make_engine
from webapp.reports import views as report_views
from webapp.reports.services import ReportFilters, build_report
from webapp.testbed import bench_database, make_app

BATCH = 20_000
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN_DAYS = 700  # publications spread over almost two years, ending before today
FIELDS = list(Field)
PROVINCE_POOL = list(PROVINCES[:31])


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """Cut a stream of rows into lists of ``size``."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    """Insert rows in batches with Core executemany; returns how many."""
    n = 0
    for chunk in batches(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), chunk)
        n += len(chunk)
    return n


def fill(engine: Engine, n_needs: int, n_results: int, n_matches: int, seed: int) -> dict[str, int]:
    """Fill the world; returns row counts per table."""
    rng = np.random.default_rng(seed)
    n_orgs = max(20, n_needs // 100)
    counts: dict[str, int] = {}
    counts["organizations"] = load(engine, Organization.__table__, (
        {"name": f"机构{i:06d}", "kind": (OrgKind.ENTERPRISE if i % 5 < 3 else
                                         OrgKind.UNIVERSITY if i % 5 == 3 else OrgKind.INSTITUTE),
         "province": PROVINCE_POOL[i % len(PROVINCE_POOL)], "city": "", "verified": True,
         "description": "", "invite_code": f"inv{i:08d}",
         "created_at": START + dt.timedelta(days=int(i % SPAN_DAYS))}
        for i in range(1, n_orgs + 1)))
    enterprises = [i for i in range(1, n_orgs + 1) if i % 5 < 3]
    institutions = [i for i in range(1, n_orgs + 1) if i % 5 >= 3]
    counts["users"] = load(engine, User.__table__, (
        {"email": f"u{i}@bench.cn", "name": f"用户{i}", "password_hash": "x", "role": Role.MEMBER,
         "organization_id": 1 + i % n_orgs, "is_active": True,
         "created_at": START + dt.timedelta(days=int(i % SPAN_DAYS))}
        for i in range(1, 2 * n_orgs + 1)))

    need_days = rng.uniform(0, SPAN_DAYS, n_needs)
    draft = rng.random(n_needs) < 0.03

    def need_rows() -> Iterator[dict[str, Any]]:
        for i in range(n_needs):
            published = START + dt.timedelta(days=float(need_days[i]))
            yield {"title": f"需求{i}", "problem": "技术问题", "indicators": "", "basis": "",
                   "subfield": "", "keywords": "", "city": "", "show_org_name": True,
                   "organization_id": enterprises[i % len(enterprises)],
                   "field": FIELDS[i % len(FIELDS)], "province": PROVINCE_POOL[i % 31],
                   "status": NeedStatus.DRAFT if draft[i] else NeedStatus.PUBLISHED,
                   "published_at": None if draft[i] else published,
                   "created_at": published, "updated_at": published}

    counts["needs"] = load(engine, Need.__table__, need_rows())
    counts["results"] = load(engine, Result.__table__, (
        {"title": f"成果{i}", "summary": "成果简介", "subfield": "", "keywords": "", "city": "",
         "team": "", "contact_name": "", "contact_phone": "", "form": ResultForm.TECHNOLOGY,
         "trl": 6, "organization_id": institutions[i % len(institutions)],
         "field": FIELDS[i % len(FIELDS)], "province": PROVINCE_POOL[(i * 7) % 31],
         "status": ResultStatus.PUBLISHED,
         "published_at": START + dt.timedelta(days=i % SPAN_DAYS),
         "created_at": START, "updated_at": START}
        for i in range(n_results)))

    per_need = max(1, n_matches // n_needs)
    stride = max(1, n_results // per_need)
    scores = rng.beta(2, 5, n_needs * per_need)

    def match_rows() -> Iterator[dict[str, Any]]:
        for i in range(n_needs):
            base = int(rng.integers(n_results))
            for j in range(per_need):
                score = float(scores[i * per_need + j])
                yield {"need_id": i + 1, "result_id": (base + j * stride) % n_results + 1,
                       "score": score, "text_score": score, "parts": {}, "terms": [],
                       "matcher_version": "bench", "created_at": START}

    counts["matches"] = load(engine, Match.__table__, match_rows())

    # A fifth of the needs get a docking with their first suggested result, in every state.
    states = [DockingState.SUGGESTED, DockingState.INTEREST, DockingState.DOCKED,
              DockingState.NEGOTIATING, DockingState.SIGNED, DockingState.DROPPED]
    weights = [0.3, 0.2, 0.15, 0.1, 0.15, 0.1]
    with engine.connect() as conn:
        first = dict(conn.execute(select(Match.need_id, func.min(Match.result_id))
                                  .group_by(Match.need_id)).all())
        result_org = dict(conn.execute(select(Result.id, Result.organization_id)).all())
        need_org = dict(conn.execute(select(Need.id, Need.organization_id)
                                     .where(Need.status != NeedStatus.DRAFT)).all())
    docked_needs = [n for n in range(1, n_needs + 1) if n in need_org and rng.random() < 0.2]
    chosen = rng.choice(len(states), size=len(docked_needs), p=weights)
    dockings, events, deals = [], [], []
    today = dt.date.today()
    for d_id, (need_id, s) in enumerate(zip(docked_needs, chosen, strict=True), start=1):
        state = states[int(s)]
        published = START + dt.timedelta(days=float(need_days[need_id - 1]))
        docked_at = published + dt.timedelta(days=float(rng.uniform(1, 60)))
        result_id = first[need_id]
        dockings.append({
            "need_id": need_id, "result_id": result_id, "need_org_id": need_org[need_id],
            "supply_org_id": result_org[result_id], "state": state,
            "interest_side": None if state is DockingState.SUGGESTED else Side.NEED,
            "drop_reason": DropReason.PRICE if state is DockingState.DROPPED else None,
            "drop_note": "", "version": 1, "created_at": published, "updated_at": docked_at})
        if state in (DockingState.DOCKED, DockingState.NEGOTIATING, DockingState.SIGNED):
            events.append({"docking_id": d_id, "from_state": DockingState.INTEREST,
                           "to_state": DockingState.DOCKED, "note": "", "created_at": docked_at})
        if state is DockingState.SIGNED:
            signed_on = min(today, (docked_at + dt.timedelta(days=float(rng.uniform(5, 90))))
                            .date())
            deals.append({"docking_id": d_id, "contract_type": list(ContractType)[d_id % 5],
                          # The column's type takes 万元 and stores fen.
                          "amount_fen": Decimal(int(rng.integers(1, 5000))),
                          "signed_on": signed_on, "version": 1, "created_at": docked_at,
                          "updated_at": docked_at})
    counts["dockings"] = load(engine, Docking.__table__, iter(dockings))
    counts["docking_events"] = load(engine, DockingEvent.__table__, iter(events))
    counts["deals"] = load(engine, Deal.__table__, iter(deals))
    solution_needs = [n for n in sorted(need_org) if rng.random() < 0.3]
    counts["solutions"] = load(engine, Solution.__table__, (
        {"need_id": n, "organization_id": institutions[n % len(institutions)],
         "summary": "方案", "approach": "路线", "timeline": "",
         "status": SolutionStatus.ACCEPTED if n % 5 == 0 else SolutionStatus.SUBMITTED,
         "created_at": START + dt.timedelta(days=float(need_days[n - 1]) + 3),
         "updated_at": START} for n in solution_needs))
    # Fresh statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would give.
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return counts


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and worst wall-clock seconds of ``repeat`` calls after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), max(runs)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the arguments, fill the database and print the timings as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--matches", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--reuse", action="store_true",
                        help="time a database filled by an earlier run instead of filling it")
    args = parser.parse_args(argv)
    n_needs, n_results, n_matches = (max(10, int(v * args.scale)) for v in
                                     (args.needs, args.results, args.matches))
    with bench_database(args.url, reset=args.reset, reuse=args.reuse) as url:
        engine = make_engine(url)
        if args.reuse:
            with engine.connect() as conn:
                counts = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                          for t in (Need.__table__, Result.__table__, Match.__table__,
                                    Docking.__table__, Deal.__table__)}
            print(f"# {engine.dialect.name} (reused): "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        else:
            t0 = time.perf_counter()
            counts = fill(engine, n_needs, n_results, n_matches, args.seed)
            print(f"# {engine.dialect.name}: "
                  + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                  + f" (filled in {time.perf_counter() - t0:.0f} s)")
        engine.dispose()
        time_report(url, args.repeat)


def time_report(url: str, repeat: int) -> None:
    """Time the report under several filters, then its pages, as an operator."""
    app = make_app(url)
    session = app.extensions["db_sessionmaker"]()
    if session.scalar(select(User).where(User.email == "operator@bench.cn")) is None:
        operator = User(email="operator@bench.cn", name="运营", role=Role.OPERATOR,
                        organization_id=1)
        operator.set_password("bench-password-1")
        session.add(operator)
        session.commit()
    cases = {
        "all time": ReportFilters(),
        "one year": ReportFilters(dt.date(2024, 7, 1), dt.date(2025, 6, 30)),
        "field + region": ReportFilters(field=Field.NEW_ENERGY, province=PROVINCE_POOL[5]),
        "one quarter, field": ReportFilters(dt.date(2025, 1, 1), dt.date(2025, 3, 31),
                                            Field.BIO_MEDICINE),
    }
    print("\n| case | build_report median (s) | worst (s) |\n|---|---|---|")
    for name, filters in cases.items():
        median, worst = timed(lambda f=filters: build_report(session, f), repeat)  # type: ignore[misc]
        print(f"| {name} | {median:.3f} | {worst:.3f} |")
    operator_id = session.scalar(select(User.id).where(User.email == "operator@bench.cn"))

    def render(path: str, view: Callable[[], Any]) -> Callable[[], None]:
        # The view runs in a request context as the operator: the SQL and the template, without
        # the log-in round trip (which belongs to the auth code, not the report).
        def run() -> None:
            with app.test_request_context(path):
                login_user(get_session().get(User, operator_id))
                body = view()
                assert isinstance(body, str) and ("<svg" in body or "平台数据" in body)
        return run

    page = render("/reports", report_views.index)
    page_filtered = render("/reports?from=2024-07-01&to=2025-06-30&field=new_energy",
                           report_views.index)
    public = render("/figures", report_views.figures)

    print("\n| page | median (s) | worst (s) |\n|---|---|---|")
    for name, fn in (("/reports (all time)", page), ("/reports (year, field)", page_filtered),
                     ("/figures", public)):
        median, worst = timed(fn, repeat)
        print(f"| {name} | {median:.3f} | {worst:.3f} |")
    report = build_report(session, ReportFilters())
    print(f"\nall-time docking rate {report.docking_rate}, "
          f"deals {report.headline['deals_signed']:,}, "
          f"amount {report.headline['amount_signed_wan']:,f} 万元")
    session.close()
    app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
