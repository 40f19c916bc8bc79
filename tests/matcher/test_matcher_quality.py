"""Retrieval quality on the shared evaluation sets (skipped where they are absent).

The thresholds are the issue's targets, reached with DEFAULT_PARAMS on the dev split (see
docs/matching.md): csl-topic P@10 >= 0.44 (measured 0.4581) and csl-title MRR@10 >= 0.959
(measured 0.9598: a thin margin, so a change that costs known-item search fails here). The
title target was 0.96 (0.9603) until common single characters stopped scoring (issue 16):
that cost title search 0.0005 and topic precision 0.003, and gave the hand-written need ↔
result set +0.004 nDCG@10 and +0.025 Recall@10, the set closest to real use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.evaluation import run_evaluation

from support import eval_dir


def _dataset(name: str) -> Path:
    d = eval_dir() / name
    if not (d / "corpus.jsonl").is_file():
        pytest.skip(f"evaluation set {d} absent")
    return d


def test_csl_topic_precision() -> None:
    res = run_evaluation(_dataset("csl-topic"), split="dev")
    assert res["p@10"] >= 0.44
    assert res["ndcg@10"] >= 0.60


def test_csl_title_mrr_and_speed() -> None:
    res = run_evaluation(_dataset("csl-title"), split="dev")
    assert res["mrr@10"] >= 0.959
    assert res["recall@10"] >= 0.975
    # Far below scoring every doc densely (1.9 ms) even on a loaded 2-core machine.
    assert res["query_ms"] < 1.5
