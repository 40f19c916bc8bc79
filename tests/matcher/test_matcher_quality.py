"""Retrieval quality on the shared evaluation sets (skipped where they are absent).

The thresholds are the issue's targets, reached with DEFAULT_PARAMS on the dev split (see
docs/matching.md): csl-topic P@10 >= 0.44 (measured 0.461) and csl-title MRR@10 >= 0.96
(measured 0.9603: a thin margin, so a change that costs known-item search fails here).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from matcher.evaluation import run_evaluation


def _eval_dir() -> Path:
    env = os.environ.get("INNOMATCH_EVAL_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "eval"


def _dataset(name: str) -> Path:
    d = _eval_dir() / name
    if not (d / "corpus.jsonl").is_file():
        pytest.skip(f"evaluation set {d} absent")
    return d


def test_csl_topic_precision() -> None:
    res = run_evaluation(_dataset("csl-topic"), split="dev")
    assert res["p@10"] >= 0.44
    assert res["ndcg@10"] >= 0.60


def test_csl_title_mrr_and_speed() -> None:
    res = run_evaluation(_dataset("csl-title"), split="dev")
    assert res["mrr@10"] >= 0.96
    assert res["recall@10"] >= 0.975
    # Far below scoring every doc densely (1.9 ms) even on a loaded 2-core machine.
    assert res["query_ms"] < 1.5
