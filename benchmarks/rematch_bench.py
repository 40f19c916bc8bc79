"""Benchmark (not a test): ``innomatch rematch-all`` end to end through a database.

Fills an empty database with N needs and N results written like real listings
(:mod:`webapp.demo.synthetic`: texts on shared topics, cooperation modes, budgets, fields, some
closed or withdrawn; a hundredth as many organisations) with their tokens stored, as
publishing stores them. Then
runs ``innomatch rematch-all`` in a fresh process, as cron would, and prints its wall time,
its per-chunk log and the suggestions stored. Figures are recorded in docs/benchmarks.md.

    .venv/bin/python benchmarks/rematch_bench.py --listings 10000            # SQLite, temp dir
    .venv/bin/python benchmarks/rematch_bench.py --listings 10000 \\
        --url postgresql://postgres@127.0.0.1:5432/rematch_bench --reset
    .venv/bin/python benchmarks/rematch_bench.py --url sqlite:////tmp/rb.db --reuse   # again

The database must be empty, or pass --reset to empty it first (``webapp.testbed``).
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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_bench import load

from matcher import DEFAULT_PARAMS, Matcher
from models import (
    Match,
    Need,
    Organization,
    OrgKind,
    Result,
    Role,
    User,
)
from webapp.db import make_engine
from webapp.demo.synthetic import synthetic_needs, synthetic_results
from webapp.matching.engine import _text_digest, need_doc, result_doc
from webapp.matching.explanation import listing_texts, word_tokenizer, words_record
from webapp.testbed import bench_database

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
CHUNK = 5000


def _tokens(work: list[tuple[dict[str, Any], tuple[str, ...]]]) -> list[dict[str, Any]]:
    """What publishing stores as each listing's tokens (``MatchingEngine.store_tokens``):
    the matcher's tokens of its doc and the whole words of its texts."""
    m = Matcher(**DEFAULT_PARAMS)
    sig = m.token_signature()
    words = word_tokenizer(DEFAULT_PARAMS["tokenizer"])
    docs = [d for d, _ in work]
    return [{"sig": sig, "hash": _text_digest(d), **t, "words": words_record(texts, words)}
            for (d, texts), t in zip(work, m.tokenize_docs(docs), strict=True)]


def fill(url: str, n: int, jobs: int) -> None:
    """N needs and N results with stored tokens (tokenised in ``jobs`` processes)."""
    engine = make_engine(url)
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
        corpus = {"seed": 1, "n_topics_docs": 2 * n}  # results, then needs on their topics
        listings: tuple[tuple[Iterator[Need | Result], Callable[[Any], Any]], ...] = (
            (synthetic_results(n, lambda i: (institutes[i % len(institutes)], None), START,
                               **corpus), result_doc),
            (synthetic_needs(n, lambda i: (enterprises[i % len(enterprises)], None), START,
                             start=n, **corpus), need_doc))
        for rows, to_doc in listings:
            while chunk := list(itertools.islice(rows, CHUNK)):
                docs = [(to_doc(r), tuple(listing_texts(r))) for r in chunk]
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
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--reuse", action="store_true", help="the database is filled already")
    args = parser.parse_args(argv)
    with bench_database(args.url, reset=args.reset, reuse=args.reuse) as url:
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


if __name__ == "__main__":
    main()
