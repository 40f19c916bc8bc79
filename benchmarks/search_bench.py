"""Benchmark (not a test): how long a ranked search of the result list takes at 100,000 listings.

Fills an empty database with DOCS results (100,000 by default; 3% drafts, 2% withdrawn) written
in the synthetic technical language of ``matcher.bench`` (titles, abstracts, keywords), each with
a field, a region, one or two cooperation modes, a TRL and a price (a fifth negotiable), then
builds the index of published results as `innomatch reindex` does (storing the tokens), and
times, for QUERIES typed queries (one to three keywords of a listing) and as many need-like
sentences (``matcher.bench.synthetic_queries``):

``index``   ``matcher.search.search``: tokenising and scoring the query over the whole index;
``search``  ``webapp.search.search`` for an anonymous visitor: the index, the SQL that
            intersects the matches with the visible list, the page in relevance order and the
            six facets' counts — what the list view asks for before it renders;
``page``    the whole ``GET /results?q=…`` through the app (index sync, search, template).

and the same search narrowed by a field and sorted by newest. Figures go to docs/benchmarks.md.

    .venv/bin/python benchmarks/search_bench.py                       # SQLite in a temp dir
    .venv/bin/python benchmarks/search_bench.py --url postgresql://postgres@127.0.0.1:5432/db --reset
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report_bench import load
from matcher import DEFAULT_PARAMS
from matcher.bench import iter_synthetic_corpus, synthetic_queries
from matcher.search import search as search_index
from models import (
    CooperationMode,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultMode,
    ResultStatus,
)
from models.taxonomy import PROVINCES, Field
from webapp.db import make_engine
from webapp.matching.services import engine as matching_engine
from webapp.results.kind import RESULTS
from webapp.results.services import ResultFilters
from webapp.search import order_of, search
from webapp.testbed import bench_database, make_app

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FIELDS = list(Field)
MODES = list(CooperationMode)


def fill(url: str, n_docs: int, seed: int) -> dict[str, int]:
    """Institutions, results and their modes; returns row counts."""
    db = make_engine(url)
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    n_orgs = max(10, n_docs // 200)
    counts = {"organizations": load(db, Organization.__table__, (
        {"name": f"研究院{i:05d}", "kind": OrgKind.INSTITUTE, "province": PROVINCES[i % 31],
         "city": "", "verified": True, "description": "", "invite_code": f"inv{i:07d}",
         "created_at": START} for i in range(1, n_orgs + 1)))}
    statuses = [ResultStatus.PUBLISHED] * 95 + [ResultStatus.DRAFT] * 3 \
        + [ResultStatus.WITHDRAWN] * 2

    def results() -> Iterator[dict[str, Any]]:
        for doc in iter_synthetic_corpus(n_docs, seed=seed):
            status = rng.choice(statuses)
            stamp = START + dt.timedelta(minutes=rng.randrange(700 * 24 * 60))
            yield {"title": doc["title"][:120], "summary": doc["text"],
                   "keywords": ",".join(doc["keywords"])[:300], "subfield": "", "city": "",
                   "team": "", "contact_name": "", "contact_phone": "",
                   "form": ResultForm.TECHNOLOGY, "trl": rng.randint(1, 9),
                   "price_fen": None if rng.random() < 0.2 else
                   Decimal(rng.choice((5, 30, 80, 150, 400, 2000))),
                   "organization_id": 1 + doc["id"] % n_orgs, "field": rng.choice(FIELDS),
                   "province": PROVINCES[rng.randrange(31)], "status": status,
                   "published_at": None if status is ResultStatus.DRAFT else stamp,
                   "created_at": stamp, "updated_at": stamp}

    counts["results"] = load(db, Result.__table__, results())
    counts["result_modes"] = load(db, ResultMode.__table__, (
        {"result_id": i, "mode": m} for i in range(1, n_docs + 1)
        for m in rng.sample(MODES, rng.randint(1, 2))))
    with db.begin() as conn:
        conn.execute(text("ANALYZE"))
    db.dispose()
    return counts


def typed_queries(n: int, n_docs: int, seed: int) -> list[str]:
    """One to three keywords of random listings, as a visitor types them."""
    rng = random.Random(f"{seed}:typed")  # noqa: S311 - sample data, not secrets
    wanted = set(rng.sample(range(n_docs), n))
    out = []
    for doc in iter_synthetic_corpus(n_docs, seed=seed):
        if doc["id"] in wanted:
            out.append(" ".join(rng.sample(doc["keywords"], rng.randint(1, 3))))
    rng.shuffle(out)
    return out


def percentiles(fn: Callable[[str], Any], queries: Sequence[str]) -> dict[str, float]:
    """p50 and p95 wall-clock milliseconds of ``fn`` over ``queries`` (five warm-ups first)."""
    for q in queries[:5]:
        fn(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1)}


def report(out: dict[str, Any]) -> None:
    """Print what is measured so far (one JSON line: a long run shows its progress)."""
    print(json.dumps(out, ensure_ascii=False), flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Fill the database, build the index and print the timings as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--reuse", action="store_true",
                        help="time a database filled by an earlier run instead of filling it")
    args = parser.parse_args(argv)
    with bench_database(args.url, reset=args.reset, reuse=args.reuse) as url:
        out: dict[str, Any] = {"database": make_url(url).get_backend_name(),
                               "docs": args.docs}
        if not args.reuse:
            t0 = time.perf_counter()
            out["rows"] = fill(url, args.docs, args.seed)
            out["fill_s"] = round(time.perf_counter() - t0, 1)
        report(out)
        time_search(url, args.docs, args.queries, args.seed, out)


def time_search(url: str, n_docs: int, n_queries: int, seed: int, out: dict[str, Any]) -> None:
    """Build the index of the filled database, then time the searches (printed to ``out``)."""
    # The index is built with two tokenising processes (a worker uses one: it starts from the
    # snapshot ``innomatch reindex`` writes, or from the tokens stored with the listings).
    app = make_app(url, MATCHER_PARAMS={**DEFAULT_PARAMS, "n_jobs": 2})
    client = app.test_client()
    typed = typed_queries(n_queries, n_docs, seed)
    sentences = synthetic_queries(n_queries, n_docs, seed=seed)
    with app.app_context():
        session = app.extensions["db_sessionmaker"]()
        t0 = time.perf_counter()
        # As ``innomatch reindex`` does: the tokens are stored with the listings, so that a
        # rerun with --reuse (and a worker) builds its index without tokenising them again.
        matching_engine().rebuild(session)
        session.commit()
        index = matching_engine().results_index(session)
        out["index_build_s"] = round(time.perf_counter() - t0, 1)
        out["indexed"] = len(index)
        report(out)

        def run_search(q: str, field: Field | None = None, sort: str | None = None) -> Any:
            name, order = order_of(RESULTS, sort, True)
            return search(session, RESULTS, ResultFilters(q=q, field=field), None, order=order,
                          sort=name, page=1, per_page=20)

        for name, queries in (("typed", typed), ("sentence", sentences)):
            found = [run_search(q).page.total for q in queries[:50]]
            out[name] = {
                "example": queries[0], "median_matches": statistics.median(found),
                "index": percentiles(lambda q: search_index(index, q, min_share=0.05,
                                                            limit=5000), queries),
                "search": percentiles(run_search, queries),
                "search_field_newest": percentiles(
                    lambda q: run_search(q, Field.NEW_ENERGY, "newest"), queries),
                "page": percentiles(lambda q: client.get("/results", query_string={"q": q}),
                                    queries),
            }
            report(out)
        out["no_query_page"] = percentiles(lambda q: client.get("/results"), typed[:50])
        session.close()
    report(out)
    app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
