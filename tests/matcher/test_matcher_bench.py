"""The synthetic benchmark: deterministic corpus, the keys `innomatch bench --json` prints."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from matcher import Matcher
from matcher.bench import run_bench, synthetic_corpus, synthetic_queries


def test_synthetic_corpus_is_deterministic_and_chinese() -> None:
    a, b = synthetic_corpus(30, seed=3), synthetic_corpus(30, seed=3)
    assert a == b and a != synthetic_corpus(30, seed=4)
    assert [d["id"] for d in a] == list(range(30))
    assert all(d["title"] and len(d["text"]) > 30 and len(d["keywords"]) == 3 for d in a)
    more = synthetic_corpus(5, seed=3, start=30)
    assert [d["id"] for d in more] == list(range(30, 35))
    assert synthetic_queries(5, 30, seed=3) == synthetic_queries(5, 30, seed=3)


def test_synthetic_listings_are_found() -> None:
    docs = synthetic_corpus(300, seed=0)
    m = Matcher().fit(docs[:250])
    m.add(docs[250:])
    for doc in docs[::25]:
        assert m.query(doc, k=3)[0].id == doc["id"]


KEYS = ["docs", "fit_s", "add_ms", "query_p50_ms", "query_p95_ms", "rss_mb", "add_then_query_ms",
        "added_found", "rematch_ms_per_listing", "topn_ms_per_listing", "rematch_over_topn",
        "snapshot_load_s", "pss_mb_one_worker", "pss_mb_four_workers", "pss_four_over_one"]


def test_run_bench_reports_the_cli_keys() -> None:
    res = run_bench(300, 20, seed=0)
    assert list(res) == KEYS
    assert res["docs"] == 300
    assert all(isinstance(v, (int, float)) and v >= 0 for v in res.values())
    assert res["rematch_ms_per_listing"] > 0 and res["topn_ms_per_listing"] > 0
    assert res["query_p95_ms"] >= res["query_p50_ms"]
    assert res["add_then_query_ms"] >= res["add_ms"]
    assert res["added_found"] == 1.0  # every added listing is its own query's best hit
    # Four workers serving the same index hold more than one does (each its own objects),
    # but not four times as much: the master's preloaded dictionary is shared.
    assert res["pss_mb_four_workers"] > res["pss_mb_one_worker"] > 0
    assert res["pss_four_over_one"] == pytest.approx(
        res["pss_mb_four_workers"] / res["pss_mb_one_worker"], abs=1e-3)
    assert res["pss_four_over_one"] < 2.5  # each worker its own jieba and modules: ~4


def test_pss_is_read_from_proc() -> None:
    import os

    from matcher.bench import pss_mb

    if not Path("/proc/self/smaps_rollup").exists():
        pytest.skip("no /proc/<pid>/smaps_rollup on this platform")
    mine = pss_mb(os.getpid())
    assert mine is not None and mine > 10
    assert pss_mb(2**22 + 1) is None  # no such process


def test_benchmark_script_wraps_run_bench(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "matcher_bench.py"
    spec = importlib.util.spec_from_file_location("matcher_bench", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--docs", "200", "--queries", "10", "--no-pss", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["docs"] == 200
