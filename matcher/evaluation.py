"""Offline evaluation of the matcher on BEIR-layout data sets.

Pure standard library + numpy: read ``corpus.jsonl``, ``queries.jsonl`` and
``qrels/<split>.tsv``, index the corpus, run every query and compute nDCG@k (linear gain, as
pytrec_eval), P@k, MRR@k and Recall@k, plus the indexing time and the median query time.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core import DEFAULT_PARAMS, Matcher

__all__ = ["Dataset", "evaluate", "load_beir", "metrics_for_run", "run_evaluation"]

Qrels = dict[str, dict[str, int]]
MatcherSpec = Callable[[], Matcher] | Mapping[str, Any] | None


@dataclass
class Dataset:
    """A BEIR data set: corpus docs (matcher doc mappings), queries and graded judgements."""

    name: str
    corpus: list[dict[str, Any]]
    queries: dict[str, str]
    qrels: Qrels = field(default_factory=dict)


def load_beir(path: str | Path, split: str = "dev") -> Dataset:
    """Read a BEIR folder; only queries that have judgements in ``split`` are kept."""
    d = Path(path)
    corpus: list[dict[str, Any]] = []
    with (d / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                corpus.append(
                    {
                        "id": str(r["_id"]),
                        "title": r.get("title") or "",
                        "text": r.get("text") or "",
                    }
                )
    qrels: Qrels = {}
    with (d / "qrels" / f"{split}.tsv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader, None)
        if header is not None and header[:1] != ["query-id"]:
            # No header line: the first row is data.
            qrels.setdefault(header[0], {})[header[1]] = int(float(header[2]))
        for row in reader:
            if len(row) >= 3:
                qrels.setdefault(row[0], {})[row[1]] = int(float(row[2]))
    queries: dict[str, str] = {}
    with (d / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                qid = str(r["_id"])
                if qid in qrels:
                    queries[qid] = r["text"]
    return Dataset(name=d.name, corpus=corpus, queries=queries, qrels=qrels)


def metrics_for_run(run: Mapping[str, list[str]], qrels: Qrels, k: int = 10) -> dict[str, float]:
    """Mean nDCG@k, P@k, MRR@k and Recall@k of ranked id lists against graded qrels.

    Relevant means a grade >= 1; nDCG uses the grade itself as gain (pytrec_eval's
    ``ndcg_cut``), the ideal ranking taken over all judged docs of the query.
    """
    sums = {"ndcg": 0.0, "p": 0.0, "mrr": 0.0, "recall": 0.0}
    n = 0
    for qid, judged in qrels.items():
        if qid not in run:
            continue
        n += 1
        ranked = run[qid][:k]
        rel = {doc for doc, g in judged.items() if g >= 1}
        dcg = sum(judged.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked))
        ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        sums["ndcg"] += dcg / idcg if idcg > 0 else 0.0
        hits = [doc in rel for doc in ranked]
        sums["p"] += sum(hits) / k
        sums["mrr"] += next((1.0 / (i + 1) for i, h in enumerate(hits) if h), 0.0)
        sums["recall"] += sum(hits) / len(rel) if rel else 0.0
    n = max(n, 1)
    return {
        f"ndcg@{k}": sums["ndcg"] / n,
        f"p@{k}": sums["p"] / n,
        f"mrr@{k}": sums["mrr"] / n,
        f"recall@{k}": sums["recall"] / n,
    }


def _make(spec: MatcherSpec) -> Matcher:
    if spec is None:
        return Matcher(**DEFAULT_PARAMS)
    if isinstance(spec, Mapping):
        return Matcher(**{**DEFAULT_PARAMS, **spec})
    return spec()


def evaluate(matcher: MatcherSpec, dataset: Dataset, k: int = 10) -> dict[str, float]:
    """Index ``dataset.corpus`` and score every query.

    ``matcher`` is a factory returning an unfitted :class:`Matcher`, or parameters overriding
    :data:`DEFAULT_PARAMS` (``None``: the defaults). Returns ``ndcg@k``, ``p@k``, ``mrr@k``,
    ``recall@k``, ``index_s`` (fit time, tokenisation included) and ``query_ms`` (median time
    of one query, tokenisation included).
    """
    m = _make(matcher)
    # Load the tokenizer's dictionaries before timing: a one-off cost of the process.
    m.fit([])
    m.tokenizer_("预热")
    t0 = time.perf_counter()
    m.fit(dataset.corpus)
    index_s = time.perf_counter() - t0
    run: dict[str, list[str]] = {}
    times: list[float] = []
    for qid, text in dataset.queries.items():
        t = time.perf_counter()
        hits = m.query(text, k=k)
        times.append(time.perf_counter() - t)
        run[qid] = [str(h.id) for h in hits]
    out = metrics_for_run(run, dataset.qrels, k=k)
    out["index_s"] = index_s
    out["query_ms"] = statistics.median(times) * 1000 if times else 0.0
    return out


def run_evaluation(
    dataset_dir: str | Path,
    split: str = "dev",
    k: int = 10,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate the matcher (``DEFAULT_PARAMS`` updated by ``params``) on one BEIR folder.

    The result holds the metrics of :func:`evaluate` plus ``dataset``, ``split``,
    ``queries``, ``docs`` and ``version``.
    """
    ds = load_beir(dataset_dir, split=split)
    res: dict[str, Any] = dict(evaluate(params, ds, k=k))
    res.update(
        dataset=ds.name,
        split=split,
        queries=len(ds.queries),
        docs=len(ds.corpus),
        version=Matcher.version,
    )
    return res
