"""How fast the Matcher's query would be with its scoring in compiled code (a measurement only).

``matcher/`` is kept to numpy, scipy, scikit-learn and jieba, and a query with feedback makes
~85 numpy calls whose fixed cost, not the data, sets its time (``docs/matching.md``, speed,
fifth round). This probe answers what a compiled kernel would buy before anyone adds one: it
runs the steps after term weighting (first pass, the five feedback docs, the centroid's 40
heaviest terms, the second pass, the top 10) as one numba function over the Matcher's own
arrays, and times it side by side with ``Matcher.query`` and bm25s on ``csl-title``, one cold
run per query (tokenising included for all three). The library does not use this code.

    .venv/bin/python benchmarks/compiled_kernel_probe.py [--set csl-title] [--split dev]

Needs numba (measured with 0.68.1) and, for its row, bm25s; exits 0 with a message when numba
or the evaluation data is absent. Rankings agree with ``Matcher.query`` except where two
centroid terms tie for the 40th place (the kernel keeps the lower term id).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher import DEFAULT_PARAMS, Matcher  # noqa: E402
from matcher.evaluation import load_beir, metrics_for_run  # noqa: E402


def eval_dir() -> Path:
    env = os.environ.get("INNOMATCH_EVAL_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "eval"


def build_kernel() -> Callable[..., tuple[Any, Any]]:
    """The query's scoring steps as one compiled function (numba imported only here)."""
    import numba

    @numba.njit(cache=False, nogil=True)
    def top_k(scores: Any, k: int) -> tuple[Any, Any]:
        # One scan keeping the k best by (score desc, slot asc): ties go to the lower slot.
        best_s = np.zeros(k)
        best_i = np.full(k, -1, np.int64)
        cnt = 0
        for i in range(scores.size):
            s = scores[i]
            if s > 0.0 and (cnt < k or s > best_s[k - 1]):
                pos = cnt if cnt < k else k - 1
                while pos > 0 and best_s[pos - 1] < s:
                    if pos < k:
                        best_s[pos] = best_s[pos - 1]
                        best_i[pos] = best_i[pos - 1]
                    pos -= 1
                best_s[pos] = s
                best_i[pos] = i
                cnt = min(cnt + 1, k)
        return best_i[:cnt], best_s[:cnt]

    @numba.njit(cache=False, nogil=True)
    def query(pip: Any, pind: Any, pdat: Any, rip: Any, rind: Any, rdat: Any, norms: Any,
              n: int, tids: Any, qw: Any, fw_share: Any, prf_terms: int, prf_weight: float,
              k: int, scratch: Any) -> tuple[Any, Any]:
        first = np.zeros(n)
        for t in range(tids.size):
            for j in range(pip[tids[t]], pip[tids[t] + 1]):
                first[pind[j]] += pdat[j] * qw[t]
        fb, _ = top_k(first, fw_share.size)
        touched = []
        for o in range(fb.size):
            d = fb[o]
            scale = fw_share[o] / norms[d]
            for j in range(rip[d], rip[d + 1]):
                if scratch[rind[j]] == 0.0:
                    touched.append(rind[j])
                scratch[rind[j]] += rdat[j] * scale
        terms = np.empty(len(touched), np.int64)
        cen = np.empty(len(touched))
        for i in range(len(touched)):
            terms[i] = touched[i]
            cen[i] = scratch[touched[i]]
            scratch[touched[i]] = 0.0
        if cen.size > prf_terms:
            keep = np.argsort(-cen, kind="mergesort")[:prf_terms]
            terms, cen = terms[keep], cen[keep]
        cen *= prf_weight / math.sqrt(np.sum(cen * cen))
        for t in range(tids.size):
            scratch[tids[t]] = qw[t]
        sq = np.sum(qw * qw) + np.sum(cen * cen) + 2.0 * np.sum(scratch[terms] * cen)
        for t in range(tids.size):
            scratch[tids[t]] = 0.0
        second = np.zeros(n)
        for t in range(terms.size):
            for j in range(pip[terms[t]], pip[terms[t] + 1]):
                second[pind[j]] += pdat[j] * cen[t]
        inv = 1.0 / math.sqrt(sq)
        for i in range(n):
            second[i] = (second[i] + first[i]) * inv
        return top_k(second, k)

    return query


def timed(search: Callable[[str], list[str]], queries: dict[str, str]) -> tuple[dict[str, list[str]], float]:
    run: dict[str, list[str]] = {}
    times: list[float] = []
    for qid, text in queries.items():
        t = time.perf_counter()
        run[qid] = search(text)
        times.append(time.perf_counter() - t)
    return run, statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="csl-title")
    ap.add_argument("--split", default="dev")
    args = ap.parse_args(argv)
    d = eval_dir() / args.set
    if not (d / "corpus.jsonl").is_file():
        print(f"skipped: evaluation data {d} absent")
        return 0
    try:
        kernel = build_kernel()
    except ImportError:
        print("skipped: numba is not installed (pip install numba)")
        return 0
    ds = load_beir(d, split=args.split)
    m = Matcher(**DEFAULT_PARAMS).fit(ds.corpus)
    idx = m._index()
    post, rows = idx.postings, idx.rows
    scratch = np.zeros(post.shape[0])
    fw = 1.0 / np.arange(1, m.prf_docs + 1)
    fw_share = fw / fw.sum()

    def compiled(text: str) -> list[str]:
        tids, tf = m._query_terms(text)
        if tids.size == 0:
            return []
        qw = m._query_weighting.weights(tids, tf)
        slots, _ = kernel(post.indptr, post.indices, post.data, rows.indptr, rows.indices,
                          rows.data, idx.norms, idx.n, tids, qw, fw_share, m.prf_terms,
                          float(m.prf_weight), 10, scratch)
        return [str(idx.ids[s]) for s in slots.tolist()]

    def plain(text: str) -> list[str]:
        return [str(h.id) for h in m.query(text, k=10)]

    def weighting_only(text: str) -> list[str]:
        tids, tf = m._query_terms(text)
        m._query_weighting.weights(tids, tf)
        return []

    compiled("预热")  # compile outside the timings
    peers: list[tuple[str, Callable[[str], list[str]]]] = [
        ("Matcher.query (numpy)", plain), ("same steps, compiled with numba", compiled),
        ("of which tokenising and term weighting (no scoring)", weighting_only)]
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import bm25s
        from matching_compare import build_bm25s, jieba_lcut

        bm = build_bm25s(ds, jieba_lcut())
        peers.append((f"bm25s {bm25s.__version__} over jieba.lcut", lambda t: bm(t, 10)))
    except ImportError:
        print("(bm25s not installed: its row is left out)")
    print(f"# {datetime.date.today()} · Python {platform.python_version()} · "
          f"{os.cpu_count()} cores · {args.set} {args.split}, {len(ds.queries)} queries")
    print()
    print("| system | MRR@10 | query ms (median, one cold run) | same top 10 as Matcher.query |")
    print("|---|---|---|---|")
    reference: dict[str, list[str]] = {}
    for label, search in peers:
        m.tokenizer_._cache.clear()  # every system tokenises each query afresh
        run, ms = timed(search, ds.queries)
        if search is weighting_only:
            print(f"| {label} | — | {ms:.3f} | — |", flush=True)
            continue
        reference = reference or run
        same = f"{sum(run[q] == reference[q] for q in run)}/{len(run)}" if search in (
            plain, compiled) else "—"
        res = metrics_for_run(run, ds.qrels, k=10)
        print(f"| {label} | {res['mrr@10']:.4f} | {ms:.3f} | {same} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
