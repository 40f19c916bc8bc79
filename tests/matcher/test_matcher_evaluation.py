"""Evaluation module: BEIR reading and metrics, on small files written here."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from matcher import Matcher
from matcher.evaluation import evaluate, load_beir, metrics_for_run, run_evaluation


def _write_beir(root: Path) -> Path:
    corpus = [
        {"_id": "d1", "title": "", "text": "锂离子电池正极材料的包覆改性提高循环寿命"},
        {"_id": "d2", "title": "", "text": "机器视觉检测钢板表面缺陷"},
        {"_id": "d3", "title": "", "text": "膜生物反应器处理工业废水"},
        {"_id": "d4", "title": "", "text": "固态电池的硫化物电解质"},
    ]
    queries = [
        {"_id": "q1", "text": "锂离子电池正极材料"},
        {"_id": "q2", "text": "钢板表面缺陷的视觉检测"},
        {"_id": "q3", "text": "没有判断的查询"},
    ]
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text(
        "\n".join(json.dumps(c, ensure_ascii=False) for c in corpus) + "\n", encoding="utf-8"
    )
    (root / "queries.jsonl").write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in queries) + "\n", encoding="utf-8"
    )
    (root / "qrels" / "dev.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td4\t1\nq2\td2\t1\n", encoding="utf-8"
    )
    return root


def test_load_beir_keeps_judged_queries(tmp_path: Path) -> None:
    ds = load_beir(_write_beir(tmp_path / "toy"))
    assert ds.name == "toy"
    assert len(ds.corpus) == 4 and ds.corpus[0]["id"] == "d1"
    assert set(ds.queries) == {"q1", "q2"}
    assert ds.qrels["q1"] == {"d1": 2, "d4": 1}


def test_metrics_match_hand_computation() -> None:
    qrels = {"a": {"x": 2, "y": 1}, "b": {"z": 1}}
    run = {"a": ["y", "n", "x"], "b": ["n", "n2"]}
    m = metrics_for_run(run, qrels, k=10)
    dcg = 1 / math.log2(2) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx((dcg / idcg + 0) / 2)
    assert m["p@10"] == pytest.approx((2 / 10 + 0) / 2)
    assert m["mrr@10"] == pytest.approx((1.0 + 0) / 2)
    assert m["recall@10"] == pytest.approx((1.0 + 0) / 2)


def test_evaluate_and_run_evaluation(tmp_path: Path) -> None:
    root = _write_beir(tmp_path / "toy")
    res = evaluate(None, load_beir(root))
    assert set(res) == {"ndcg@10", "p@10", "mrr@10", "recall@10", "index_s", "query_ms"}
    assert res["mrr@10"] == pytest.approx(1.0)
    assert res["index_s"] >= 0 and res["query_ms"] > 0
    res2 = evaluate(lambda: Matcher(prf_docs=0), load_beir(root), k=5)
    assert res2["mrr@5"] == pytest.approx(1.0)
    full = run_evaluation(root, split="dev", params={"prf_docs": 0})
    assert full["queries"] == 2 and full["docs"] == 4 and full["dataset"] == "toy"
    assert full["recall@10"] == pytest.approx(1.0)
    json.dumps(full)
