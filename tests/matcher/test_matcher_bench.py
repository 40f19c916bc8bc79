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


def test_run_bench_reports_the_cli_keys() -> None:
    res = run_bench(300, 20, seed=0)
    assert list(res) == ["docs", "fit_s", "add_ms", "query_p50_ms", "query_p95_ms", "rss_mb",
                         "add_then_query_ms", "added_found"]
    assert res["docs"] == 300
    assert all(isinstance(v, (int, float)) and v >= 0 for v in res.values())
    assert res["query_p95_ms"] >= res["query_p50_ms"]
    assert res["add_then_query_ms"] >= res["add_ms"]
    assert res["added_found"] == 1.0  # every added listing is its own query's best hit


def test_benchmark_script_wraps_run_bench(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "matcher_bench.py"
    spec = importlib.util.spec_from_file_location("matcher_bench", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--docs", "200", "--queries", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["docs"] == 200
