"""Side-by-side retrieval quality and speed: innomatch's Matcher, bm25s, plain sklearn TF-IDF.

Runs all of them in one process over the shared BEIR sets (``../shared/eval`` next to the
repository, or ``$INNOMATCH_EVAL_DIR``). The two peers index the same tokens, jieba 0.42.1's
default ``jieba.lcut`` (as in the reference figures of the data's README); the Matcher uses
its own tokenizer, since that is part of what it brings. Query times include tokenisation.

    .venv/bin/python benchmarks/matching_compare.py [--split dev] [--sets csl-title,csl-topic]

Needs ``bm25s`` (``pip install bm25s``, measured with 0.3.16); exits 0 with a message when it
or the evaluation data is absent.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher import DEFAULT_PARAMS, Matcher  # noqa: E402
from matcher.evaluation import Dataset, load_beir, metrics_for_run  # noqa: E402

Searcher = Callable[[str, int], list[str]]


def eval_dir() -> Path:
    env = os.environ.get("INNOMATCH_EVAL_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "eval"


def jieba_lcut() -> Callable[[str], list[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
    return lambda text: tk.lcut(text)


def build_bm25s(ds: Dataset, tok: Callable[[str], list[str]]) -> Searcher:
    import bm25s

    ids = [d["id"] for d in ds.corpus]
    model = bm25s.BM25()
    model.index([tok(d["text"]) for d in ds.corpus], show_progress=False)
    vocab = model.vocab_dict

    def search(text: str, k: int) -> list[str]:
        q = [t for t in tok(text) if t in vocab]
        if not q:
            return []
        res, _ = model.retrieve([q], k=k, show_progress=False, n_threads=0)
        return [ids[i] for i in res[0].tolist()]

    return search


def build_sklearn(ds: Dataset, tok: Callable[[str], list[str]]) -> Searcher:
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = [d["id"] for d in ds.corpus]
    vec = TfidfVectorizer(tokenizer=tok, lowercase=False, token_pattern=None, sublinear_tf=True)
    docs = vec.fit_transform([d["text"] for d in ds.corpus]).tocsr()

    def search(text: str, k: int) -> list[str]:
        # As such a peer is usually written: one sparse product against every document.
        scores = (docs @ vec.transform([text]).T).toarray().ravel()
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [ids[i] for i in top.tolist() if scores[i] > 0]

    return search


def build_matcher(params: dict[str, Any]) -> Callable[[Dataset], Searcher]:
    def build(ds: Dataset) -> Searcher:
        m = Matcher(**params).fit(ds.corpus)
        return lambda text, k: [str(h.id) for h in m.query(text, k=k)]

    return build


def run_one(build: Callable[[Dataset], Searcher], ds: Dataset, k: int) -> dict[str, float]:
    t0 = time.perf_counter()
    search = build(ds)
    index_s = time.perf_counter() - t0
    run: dict[str, list[str]] = {}
    times: list[float] = []
    for qid, text in ds.queries.items():
        t = time.perf_counter()
        run[qid] = search(text, k)
        times.append(time.perf_counter() - t)
    res = metrics_for_run(run, ds.qrels, k=k)
    res["index_s"] = index_s
    res["query_ms"] = statistics.median(times) * 1000
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--sets", default="csl-title,csl-topic")
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args(argv)

    root = eval_dir()
    if not root.is_dir():
        print(f"skipped: evaluation data {root} absent")
        return 0
    try:
        import bm25s
    except ImportError:
        print("skipped: bm25s is not installed (pip install bm25s)")
        return 0

    lcut = jieba_lcut()
    Matcher(**DEFAULT_PARAMS).fit([]).tokenizer_("预热")  # load dictionaries outside timings
    peers: list[tuple[str, Callable[[Dataset], Searcher]]] = [
        ("innomatch Matcher (DEFAULT_PARAMS)", build_matcher(DEFAULT_PARAMS)),
        ("innomatch Matcher, no feedback", build_matcher({**DEFAULT_PARAMS, "prf_docs": 0})),
        ("innomatch Matcher, sub-words at full weight (earlier DEFAULT_PARAMS)",
         build_matcher({**DEFAULT_PARAMS, "subword_weight": 1.0})),
        (f"bm25s {bm25s.__version__} over jieba.lcut", lambda ds: build_bm25s(ds, lcut)),
        ("sklearn TfidfVectorizer(sublinear_tf) over jieba.lcut, cosine",
         lambda ds: build_sklearn(ds, lcut)),
    ]
    k = args.k
    print(f"# {datetime.date.today()} · Python {platform.python_version()} · "
          f"{os.cpu_count()} cores · split {args.split} · k={k}")
    print()
    print(f"| set | system | nDCG@{k} | P@{k} | MRR@{k} | R@{k} | index s | query ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        d = root / name
        if not (d / "corpus.jsonl").is_file():
            print(f"| {name} | skipped: absent | | | | | | |")
            continue
        ds = load_beir(d, split=args.split)
        for label, build in peers:
            r = run_one(build, ds, k)
            print(
                f"| {name} | {label} | {r[f'ndcg@{k}']:.3f} | {r[f'p@{k}']:.3f} | "
                f"{r[f'mrr@{k}']:.3f} | {r[f'recall@{k}']:.3f} | {r['index_s']:.1f} | "
                f"{r['query_ms']:.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
