"""Benchmark (not a test): ``innomatch rematch-all`` end to end through a database.

Fills an empty database with N needs and N results written like real listings (synthetic
Chinese texts from :mod:`matcher.bench` on shared topics, cooperation modes, budgets, fields,
a hundredth as many organisations) with their tokens stored, as publishing stores them. Then
runs ``innomatch rematch-all`` in a fresh process, as cron would, and prints its wall time,
its per-chunk log and the suggestions stored. Figures are recorded in docs/benchmarks.md.

    .venv/bin/python benchmarks/rematch_bench.py --listings 10000            # SQLite, temp dir
    .venv/bin/python benchmarks/rematch_bench.py --listings 10000 \\
        --url postgresql://postgres@127.0.0.1:5432/rematch_bench --reset
    .venv/bin/python benchmarks/rematch_bench.py --url sqlite:////tmp/rb.db --reuse   # again

The PostgreSQL database must be empty (or pass --reset to drop its public schema first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import multiprocessing
import os
import subprocess  # nosec B404  (runs this project's own command)
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_bench import load

from matcher import DEFAULT_PARAMS, Matcher
from matcher.bench import iter_synthetic_corpus
from models import (
    CooperationMode,
    Field,
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultStatus,
    Role,
    User,
)
from webapp.db import make_engine
from webapp.matching.engine import _text_digest, need_doc, result_doc
from webapp.migrate import upgrade

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
CHUNK = 5000
FIELDS, MODES = list(Field), list(CooperationMode)


def _tokens(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    m = Matcher(**DEFAULT_PARAMS)
    sig = m.token_signature()
    return [{"sig": sig, "hash": _text_digest(d), **t} for d, t in zip(docs, m.tokenize_docs(docs),
                                                                      strict=True)]


def _listings(n: int, orgs: Sequence[int], kind: str) -> Iterator[Need | Result]:
    # Results first, then needs, on the same topics (a corpus of 2n listings).
    start = 0 if kind == "result" else n
    for i, doc in enumerate(iter_synthetic_corpus(n, seed=1, start=start, n_topics_docs=2 * n)):
        org = orgs[i % len(orgs)]
        listing: Need | Result
        if kind == "result":
            listing = Result(organization_id=org, status=ResultStatus.PUBLISHED,
                             field=FIELDS[i % len(FIELDS)], form=list(ResultForm)[i % 8],
                             trl=1 + i % 9, published_at=START, created_at=START,
                             updated_at=START, title=doc["title"][:120], summary=doc["text"],
                             province="上海市", keywords=" ".join(doc["keywords"]))
            if i % 3 == 0:
                listing.price_wan = Decimal(20 + i % 400)
        else:
            listing = Need(organization_id=org, field=FIELDS[(i * 3) % len(FIELDS)],
                           status=NeedStatus.DOCKING if i % 10 == 0 else NeedStatus.PUBLISHED,
                           published_at=START, created_at=START, updated_at=START,
                           title=doc["title"][:120], problem=doc["text"], province="江苏省",
                           keywords=" ".join(doc["keywords"]),
                           budget_min_wan=Decimal(10 + i % 50),
                           budget_max_wan=Decimal(100 + i % 300))
        listing.modes = [MODES[i % len(MODES)], MODES[(i + 3) % len(MODES)]]
        yield listing


def fill(url: str, n: int, jobs: int) -> None:
    """N needs and N results with stored tokens (tokenised in ``jobs`` processes)."""
    engine = make_engine(url)
    upgrade(engine, "head")
    n_orgs = max(20, n // 100)
    load(engine, Organization.__table__, (
        {"name": f"机构{i:06d}", "kind": OrgKind.ENTERPRISE if i % 2 else OrgKind.UNIVERSITY,
         "province": "上海市", "city": "", "verified": True, "description": "",
         "invite_code": f"inv{i:08d}", "created_at": START} for i in range(1, n_orgs + 1)))
    load(engine, User.__table__, (
        {"email": f"u{i}@bench.cn", "name": f"用户{i}", "password_hash": "x",
         "role": Role.MEMBER, "organization_id": i, "is_active": True, "created_at": START}
        for i in range(1, n_orgs + 1)))
    enterprises = list(range(1, n_orgs + 1, 2))
    institutes = list(range(2, n_orgs + 1, 2))
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for kind, orgs, to_doc in (("result", institutes, result_doc),
                                   ("need", enterprises, need_doc)):
            rows = _listings(n, orgs, kind)
            while chunk := list(itertools.islice(rows, CHUNK)):
                docs = [to_doc(r) for r in chunk]
                parts = [docs[i:i + CHUNK // jobs + 1] for i in range(0, len(docs),
                                                                        CHUNK // jobs + 1)]
                tokens = [t for part in pool.map(_tokens, parts) for t in part]
                for r, t in zip(chunk, tokens, strict=True):
                    r.tokens = t
                with Session(engine) as session:
                    session.add_all(chunk)
                    session.commit()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def rematch(url: str, jobs: int) -> dict[str, Any]:
    """Run ``innomatch rematch-all`` in a fresh process; its wall time, log and result."""
    env = {**os.environ, "DATABASE_URL": url}
    with tempfile.TemporaryDirectory() as index_dir:
        env["INDEX_DIR"] = index_dir  # no snapshot: the command builds both indexes
        t0 = time.perf_counter()
        done = subprocess.run(  # noqa: S603  # nosec B603  (fixed arguments, this interpreter)
            [sys.executable, "-c", "from webapp.cli import main; main()", "rematch-all",
             "--jobs", str(jobs)], env=env, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Match))
    engine.dispose()
    return {"wall_s": round(wall, 1), "stored": stored, "log": done.stderr.strip().splitlines(),
            "out": done.stdout.strip()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--listings", type=int, default=10_000, help="needs, and as many results")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--reset", action="store_true", help="drop the PostgreSQL schema first")
    parser.add_argument("--reuse", action="store_true", help="the database is filled already")
    args = parser.parse_args(argv)
    tmp = None
    url = args.url
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/rematch.db"
    if args.reset and url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    if not args.reuse:
        t0 = time.perf_counter()
        fill(url, args.listings, args.jobs)
        print(f"filled {args.listings} needs + {args.listings} results in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    res = rematch(url, args.jobs)
    for line in res["log"]:
        print("   ", line)
    print(f"rematch-all: {res['wall_s']} s wall, {res['stored']} suggestions stored "
          f"({res['out']})")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
