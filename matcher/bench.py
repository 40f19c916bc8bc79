# ruff: noqa: S311  (seeded pseudo-random text, nothing secret)
"""Speed and memory of the matcher on a synthetic Chinese corpus (issue 8's benchmark).

:func:`run_bench` builds a deterministic corpus of technology listings from the packaged
dictionary of technical terms (``data/terms.txt``): each listing is about one synthetic topic (a
handful of terms) and is written from sentence templates, so listings of a topic share
vocabulary the way real needs and results do. It then times ``fit``, ``add`` (until the added
listing is returned by a query) and top-10 queries (tokenising included), and reads the peak
resident memory. Standard library, numpy and the matcher only; importable from an installed
package, so ``innomatch bench`` can call it.

>>> from matcher.bench import run_bench
>>> run_bench(2000, 200, seed=0)  # doctest: +SKIP
{'docs': 2000, 'fit_s': ..., 'add_ms': ..., 'query_p50_ms': ..., 'query_p95_ms': ..., ...}
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from . import topn
from .core import DEFAULT_PARAMS, Matcher
from .tokenizer import Tokenizer, load_wordlist, preload

__all__ = ["iter_synthetic_corpus", "pss_mb", "run_bench", "synthetic_corpus",
           "synthetic_queries"]

#: Listings queried as in the nightly rematch (at most; ``n_queries`` if fewer).
REMATCH_LISTINGS = 1000
#: Times each side-by-side measurement is repeated (medians are reported).
REPEATS = 3
#: Worker processes of ``pss_mb_four_workers``.
WORKERS = 4

_TITLES = (
    "基于{a}的{b}技术", "{a}与{b}关键技术研究", "面向{c}的{a}系统", "{a}在{b}中的应用",
    "高性能{a}制备方法", "{a}{b}一体化解决方案", "新型{a}及其{b}工艺",
)
_SENTENCES = (
    "针对{a}存在的问题，提出了一种基于{b}的新方法。",
    "通过优化{a}和{b}，显著提高了{c}的性能和稳定性。",
    "该成果在{a}领域具有广泛的应用前景，可用于{b}和{c}。",
    "研制了{a}样机，经测试{b}指标达到国内先进水平。",
    "采用{a}与{b}相结合的工艺路线，降低了生产成本。",
    "建立了{a}的数学模型，分析了{b}对{c}的影响规律。",
    "项目已在多家企业开展{a}示范应用，{b}效果明显。",
    "解决了{a}过程中{b}难以控制的难题，提升了{c}。",
)
_NEEDS = (
    "需要提高{a}的{b}", "寻求{a}和{b}方面的技术合作", "{a}{b}问题亟待解决",
    "希望引进{a}技术用于{b}", "{a}的{b}效率偏低，寻求改进方案",
)


def _vocabulary() -> list[str]:
    return [line.split()[0] for line in load_wordlist("terms.txt")]


def _topics(vocab: list[str], rng: random.Random, n_topics: int) -> list[list[str]]:
    return [rng.sample(vocab, 8) for _ in range(n_topics)]


def _fill(template: str, topic: list[str], vocab: list[str], rng: random.Random) -> str:
    # Mostly the topic's own terms, sometimes any term (the noise of real listings).
    def pick() -> str:
        return rng.choice(topic) if rng.random() < 0.8 else rng.choice(vocab)

    return template.format(a=pick(), b=pick(), c=pick())


def synthetic_corpus(n_docs: int, seed: int = 0, start: int = 0) -> list[dict[str, Any]]:
    """``n_docs`` listings (``id``, ``title``, ``text``, ``keywords``), the same for a seed."""
    return list(iter_synthetic_corpus(n_docs, seed, start))


def iter_synthetic_corpus(
    n_docs: int, seed: int = 0, start: int = 0, n_topics_docs: int | None = None
) -> Iterator[dict[str, Any]]:
    """The listings of :func:`synthetic_corpus`, generated one at a time (flat memory).

    Topics are drawn for a corpus of ``n_topics_docs`` listings (default ``n_docs``), so
    ``start=n, n_topics_docs=n`` continues a corpus of ``n`` listings on the same topics.
    """
    rng = random.Random(seed)
    vocab = _vocabulary()
    topics = _topics(vocab, rng, max(50, (n_topics_docs or n_docs) // 40))
    rng = random.Random(f"{seed}:{start}")
    for i in range(start, start + n_docs):
        topic = topics[rng.randrange(len(topics))]
        yield {
            "id": i,
            "title": _fill(rng.choice(_TITLES), topic, vocab, rng),
            "text": "".join(
                _fill(rng.choice(_SENTENCES), topic, vocab, rng)
                for _ in range(rng.randint(3, 7))
            ),
            "keywords": rng.sample(topic, 3),
        }


def synthetic_queries(n_queries: int, n_docs: int, seed: int = 0) -> list[str]:
    """Short need-like queries on the topics of ``synthetic_corpus(n_docs, seed)``."""
    rng = random.Random(seed)
    vocab = _vocabulary()
    topics = _topics(vocab, rng, max(50, n_docs // 40))
    rng = random.Random(f"{seed}:queries")
    return [
        _fill(rng.choice(_NEEDS), topics[rng.randrange(len(topics))], vocab, rng)
        for _ in range(n_queries)
    ]


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_bench(
    n_docs: int, n_queries: int = 1000, seed: int = 0, n_jobs: int = 2, pss: bool = True
) -> dict[str, Any]:
    """Fit, add, query, rematch and memory figures on ``n_docs`` synthetic listings with
    ``DEFAULT_PARAMS``.

    Returns ``docs`` (listings indexed), ``fit_s`` (``fit`` from raw text, tokenising and
    building the term-major index included; jieba's dictionary is loaded beforehand),
    ``add_ms`` (median over 50 single listings of ``add``: when it returns, the listing is
    among every query's candidates), ``query_p50_ms``/``query_p95_ms`` (top-10 queries of a
    short need, tokenising and feedback included), ``rss_mb`` (the process's peak resident
    memory by then), ``add_then_query_ms`` (``add`` plus a top-10 query by the new listing
    itself, as publishing matches it) and ``added_found`` (the share of added listings that
    this query returns first, so an ``add`` that left a listing unfindable shows). The corpus
    is generated while it is indexed, never held whole, so ``rss_mb`` is the index's (plus one
    chunk's tokens). ``fit`` tokenises in ``n_jobs`` processes.

    Then, side by side in this run (medians of :data:`REPEATS`): ``rematch_ms_per_listing``
    (``query_many`` top 10 of up to :data:`REMATCH_LISTINGS` other listings carrying their
    tokens, as the nightly rematch asks, explanations read, ``n_jobs`` processes) and
    ``topn_ms_per_listing`` (``sp_matmul_topn``'s first pass alone, top 10, on the same query
    weights and postings, ``n_jobs`` threads), and their ratio ``rematch_over_topn``;
    ``snapshot_load_s`` (``Matcher.load`` of the saved index) and, where ``/proc`` tells,
    ``pss_mb_one_worker`` / ``pss_mb_four_workers``: the proportional set size of a server
    with one, then :data:`WORKERS`, workers that load the same snapshot and answer queries,
    its master included (the master preloads the tokenizer's dictionary and forks the
    workers, as ``webapp.gunicorn_conf`` has gunicorn do), and their ratio
    ``pss_four_over_one`` (None elsewhere, or with ``pss`` false).
    """
    if n_docs < 1 or n_queries < 1:
        raise ValueError("n_docs and n_queries must be >= 1")
    Tokenizer()("预热")  # load jieba and the dictionary outside the timings
    queries = synthetic_queries(n_queries, n_docs, seed)
    extra = list(iter_synthetic_corpus(50, seed, start=n_docs, n_topics_docs=n_docs))
    gc.collect()

    t0 = time.perf_counter()
    m = Matcher(**{**DEFAULT_PARAMS, "n_jobs": n_jobs}).fit(iter_synthetic_corpus(n_docs, seed))
    fit_s = time.perf_counter() - t0

    for q in queries[: min(20, n_queries)]:  # warm-up
        m.query(q, k=10)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        m.query(q, k=10)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()

    adds, add_queries, found = [], [], 0
    for doc in extra:
        t0 = time.perf_counter()
        m.add([doc])
        t1 = time.perf_counter()
        hits = m.query(doc, k=10)
        t2 = time.perf_counter()
        adds.append((t1 - t0) * 1000)
        add_queries.append((t2 - t0) * 1000)
        found += bool(hits) and hits[0].id == doc["id"]
    rss_mb = round(_peak_rss_mb(), 1)

    listings = list(iter_synthetic_corpus(min(n_queries, REMATCH_LISTINGS), seed + 1,
                                          start=n_docs + len(extra), n_topics_docs=n_docs))
    listings = [{"id": d["id"], "tokens": t} for d, t in zip(listings, m.tokenize_docs(listings),
                                                             strict=True)]
    out: dict[str, Any] = {
        "docs": n_docs,
        "fit_s": round(fit_s, 3),
        "add_ms": round(statistics.median(adds), 3),
        "query_p50_ms": round(statistics.median(times), 3),
        "query_p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 3),
        "rss_mb": rss_mb,
        "add_then_query_ms": round(statistics.median(add_queries), 3),
        "added_found": round(found / len(extra), 3),
    }
    out.update(_rematch_figures(m, listings, n_jobs))
    out.update(_snapshot_figures(m, queries[:50], pss))
    return out


def _rematch_figures(m: Matcher, listings: Sequence[dict[str, Any]], n_jobs: int
                     ) -> dict[str, Any]:
    """``query_many`` against ``sp_matmul_topn``'s first pass alone, alternately."""
    idx = m._index()
    vecs = [m._query_terms(d) for d in listings]
    weights = [(t, m._query_weighting.weights(t, tf)) for t, tf in vecs]
    matrix = topn.query_matrix(idx, weights)
    kernel = topn.Kernel.of(idx, threads=n_jobs)
    ours, theirs = [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        batch = m.query_many(listings, k=10, n_jobs=n_jobs)
        for hits in batch:
            for h in hits:
                h.similarity  # noqa: B018  (explanations made, as a rematch reads them)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        kernel.top(matrix, 10)
        theirs.append(time.perf_counter() - t0)
    a, b = statistics.median(ours), statistics.median(theirs)
    return {
        "rematch_ms_per_listing": round(a / len(listings) * 1000, 3),
        "topn_ms_per_listing": round(b / len(listings) * 1000, 3),
        "rematch_over_topn": round(a / b, 2) if b > 0 else None,
    }


def _snapshot_figures(m: Matcher, queries: Sequence[str], pss: bool) -> dict[str, Any]:
    """Load time of the saved index, and the memory of processes serving from it."""
    with tempfile.TemporaryDirectory(prefix="innomatch-bench-") as tmp:
        path = m.save(Path(tmp) / "index")
        loads = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            Matcher.load(path)
            loads.append(time.perf_counter() - t0)
        one = _workers_pss(path, queries, 1) if pss else None
        four = _workers_pss(path, queries, WORKERS) if pss else None
        return {
            "snapshot_load_s": round(statistics.median(loads), 3),
            "pss_mb_one_worker": one,
            "pss_mb_four_workers": four,
            "pss_four_over_one": round(four / one, 3) if one and four else None,
        }


def pss_mb(pid: int) -> float | None:
    """A process's proportional set size in MB (its private pages plus its share of the
    pages it shares), from ``/proc/<pid>/smaps_rollup``; None where that is not readable."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return None


def _serve(path: str, queries: Sequence[str], ready: Any, done: Any) -> None:
    """A worker: load the snapshot, answer ``queries``, say so, wait to be measured."""
    m = Matcher.load(path)
    for q in queries:
        m.query(q, k=10)
    ready.put(multiprocessing.current_process().pid)
    done.wait(600)


def _master(path: str, queries: Sequence[str], n: int, out: Any) -> None:
    """A server as gunicorn runs one (``webapp.gunicorn_conf``): this process preloads the
    tokenizer's dictionary as its ``on_starting`` does, then forks ``n`` workers that load the
    snapshot and answer ``queries``; puts the PSS of itself and of each worker, read while all
    are alive (None if a worker failed or any figure is unreadable)."""
    preload(**DEFAULT_PARAMS["tokenizer"])
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_serve, args=(path, list(queries), ready, done))
             for _ in range(n)]
    for p in procs:
        p.start()
    sizes: list[float | None] | None = None
    try:
        pids: list[int] = []
        deadline = time.monotonic() + 900
        while len(pids) < n:
            try:
                pids.append(ready.get(timeout=1))
            except queue.Empty:
                if time.monotonic() > deadline or any(p.exitcode is not None for p in procs):
                    break  # a worker failed (or hangs): no figure rather than a wrong one
        else:
            sizes = [pss_mb(os.getpid())] + [pss_mb(pid) for pid in pids]
    finally:
        done.set()
        for p in procs:
            p.join(60)
    out.put(None if sizes is None or None in sizes else sizes)


def _workers_pss(path: Path, queries: Sequence[str], n: int) -> float | None:
    """Total PSS in MB of a server with ``n`` workers serving from the snapshot at ``path``:
    its master (:func:`_master`, a fresh process) and the workers it forks, all alive at once
    (None where ``/proc`` does not tell)."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    master = ctx.Process(target=_master, args=(str(path), list(queries), n, out))
    master.start()
    try:
        sizes = out.get(timeout=1200)
    except queue.Empty:
        sizes = None
    master.join(120)
    if sizes is None:
        return None
    return round(sum(sizes), 1)
