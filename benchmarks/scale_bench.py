"""Scale benchmarks of issue 8 on the synthetic corpus, side by side with bm25s and scikit-learn.

Modes (one per process, so that resident-memory figures are the mode's own):

``query``   fit on N listings, then time Q short need-like top-10 queries, tokenising
            included, for the Matcher, bm25s (``method="lucene"``, over the Matcher's own
            tokens) and plain scikit-learn TF-IDF (one sparse product against every doc).
``fit``     full build of N listings from raw text (2 tokenising processes), then the
            refit from stored tokens (what ``innomatch reindex`` does when listings kept
            their ``tokens``).
``memory``  ``innomatch bench``'s figures plus the resident memory while the index is held
            and once it is freed (``rss_mb`` is the peak, during the fit).
``rematch`` top-10 of Q listings used as queries (needs) against N listings (results) with
            ``Matcher.query_many`` (2 processes), extrapolated to Q = N; with
            ``sparse_dot_topn`` when installed, its one-pass sparse top-k for comparison.

    .venv/bin/python benchmarks/scale_bench.py query --docs 100000 --queries 1000
    .venv/bin/python benchmarks/scale_bench.py query --docs 1000000 --snapshot DIR  # saved index
    .venv/bin/python benchmarks/scale_bench.py fit --docs 500000
    .venv/bin/python benchmarks/scale_bench.py rematch --docs 100000 --queries 2000

bm25s and sparse_dot_topn are optional: their rows are skipped, saying so, when absent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher import DEFAULT_PARAMS, Matcher, Tokenizer
from matcher.bench import _peak_rss_mb, iter_synthetic_corpus, synthetic_queries

#: scikit-learn's TF-IDF is timed up to this many listings (it wants every token list).
SKLEARN_MAX_DOCS = 200_000


def _pcts(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 3)}


def _time(fn: Any, queries: list[str]) -> dict[str, float]:
    for q in queries[:20]:
        fn(q)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t0) * 1000)
    return _pcts(times)


class _TokenIds(Sequence[list[int]]):
    """A corpus's token ids laid end to end in one int32 array (a list of lists of a
    million listings' tokens would not fit beside the indexes); a doc is a list when read."""

    def __init__(self, flat: NDArray[Any], offsets: NDArray[np.int64]) -> None:
        self.flat, self.offsets = flat, offsets

    def __len__(self) -> int:
        return self.offsets.size - 1

    def __getitem__(self, i: Any) -> Any:
        return self.flat[self.offsets[i]:self.offsets[i + 1]].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        for a, b in zip(self.offsets[:-1].tolist(), self.offsets[1:].tolist(), strict=True):
            yield self.flat[a:b].tolist()


def _corpus_token_ids(m: Matcher, n: int) -> tuple[_TokenIds, dict[str, int]]:
    """The Matcher's tokens of the corpus's listings (title, keywords, body), numbered."""
    vocab: dict[str, int] = {}
    parts, lengths = [], []
    docs = iter_synthetic_corpus(n)
    while chunk := list(itertools.islice(docs, 20_000)):
        for t in m.tokenize_docs(chunk):
            toks = t["title"] + t["keywords"] + t["text"]
            parts.append(np.fromiter((vocab.setdefault(w, len(vocab)) for w in toks),
                                     dtype=np.int32, count=len(toks)))
            lengths.append(len(toks))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return _TokenIds(np.concatenate(parts), offsets), vocab


def mode_query(n: int, n_queries: int, snapshot: str | None = None) -> dict[str, Any]:
    queries = synthetic_queries(n_queries, n)
    tok = Tokenizer(**DEFAULT_PARAMS["tokenizer"])
    tok("预热")
    out: dict[str, Any] = {"docs": n, "queries": n_queries}
    t0 = time.perf_counter()
    if snapshot:  # an index of iter_synthetic_corpus(n) saved before (fit1m-style)
        m = Matcher.load(snapshot)
        if len(m) != n:
            raise SystemExit(f"{snapshot} holds {len(m)} listings, not {n}")
        out["matcher_load_s"] = round(time.perf_counter() - t0, 2)
    else:
        m = Matcher(**{**DEFAULT_PARAMS, "n_jobs": 2}).fit(iter_synthetic_corpus(n))
        out["matcher_fit_s"] = round(time.perf_counter() - t0, 2)
    out["matcher"] = _time(lambda q: m.query(q, k=10), queries)
    # Peers index the same tokens: title, keywords and body, as the Matcher reads them.
    t0 = time.perf_counter()
    if snapshot:
        # Tokenising a million listings again takes as long as the fit: bm25s indexes the
        # saved index's (listing, term) pairs instead, each term once per listing. Its
        # postings, what a query's time depends on, are then the Matcher's; its scores are
        # those of term counts of 1.
        rows = m._index().rows
        corpus_ids = _TokenIds(rows.indices, rows.indptr.astype(np.int64))
        corpus_vocab = {t: i for i, t in enumerate(m.terms_.tolist())}
        out["bm25s_corpus"] = "the snapshot's (listing, term) pairs, each term once"
    else:
        corpus_ids, corpus_vocab = _corpus_token_ids(m, n)
        out["tokenize_s"] = round(time.perf_counter() - t0, 2)
    try:
        import bm25s
    except ImportError:
        out["bm25s"] = "skipped: bm25s not installed"
    else:
        t0 = time.perf_counter()
        model = bm25s.BM25()
        # Tokens given as ids (bm25s.tokenization.Tokenized), as bm25s's own tokenizer hands
        # them over: it reads them a doc at a time.
        model.index(bm25s.tokenization.Tokenized(ids=corpus_ids, vocab=corpus_vocab),
                    show_progress=False)
        out["bm25s_fit_s"] = round(time.perf_counter() - t0, 2)
        vocab = model.vocab_dict

        def bm25s_search(q: str) -> Any:
            ids = [t for t in tok(q) if t in vocab]
            if ids:
                return model.retrieve([ids], k=10, show_progress=False, n_threads=0)
            return None

        out["bm25s"] = _time(bm25s_search, queries)
        out["bm25s_version"] = bm25s.__version__
        out["ratio_matcher_to_bm25s_p50"] = round(
            out["matcher"]["p50_ms"] / out["bm25s"]["p50_ms"], 3)
        out["rss_after_bm25s_mb"] = round(_current_rss_mb(), 1)
        del model
    if n > SKLEARN_MAX_DOCS:
        out["sklearn"] = f"skipped above {SKLEARN_MAX_DOCS} listings (its tokens as lists)"
        out["rss_mb"] = round(_peak_rss_mb(), 1)
        return out
    from sklearn.feature_extraction.text import TfidfVectorizer

    names = np.empty(len(corpus_vocab), dtype=object)
    for w, i in corpus_vocab.items():
        names[i] = w
    corpus_tokens = [names[d].tolist() for d in corpus_ids]
    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer=lambda toks: toks, sublinear_tf=True)
    mat = vec.fit_transform(corpus_tokens).tocsr()
    out["sklearn_fit_s"] = round(time.perf_counter() - t0, 2)

    def sk_search(q: str) -> Any:
        s = (mat @ vec.transform([tok(q)]).T).toarray().ravel()
        return np.argpartition(-s, 10)[:10]

    out["sklearn"] = _time(sk_search, queries)
    out["rss_mb"] = round(_peak_rss_mb(), 1)
    return out


def mode_fit(n: int) -> dict[str, Any]:
    Tokenizer(**DEFAULT_PARAMS["tokenizer"])("预热")
    t0 = time.perf_counter()
    m = Matcher(**{**DEFAULT_PARAMS, "n_jobs": 2}).fit(iter_synthetic_corpus(n))
    out: dict[str, Any] = {"docs": n, "fit_raw_s": round(time.perf_counter() - t0, 2),
                           "rss_after_raw_fit_mb": round(_peak_rss_mb(), 1)}
    # Stored tokens: as the service keeps them with each listing (tokenised once, on save).
    tokens = m.tokenize_docs(iter_synthetic_corpus(n))
    del m
    t0 = time.perf_counter()
    Matcher(**DEFAULT_PARAMS).fit({"id": i, "tokens": t} for i, t in enumerate(tokens))
    out["fit_cached_tokens_s"] = round(time.perf_counter() - t0, 2)
    return out


def mode_rematch(n: int, n_queries: int, max_terms: int | None) -> dict[str, Any]:
    Tokenizer(**DEFAULT_PARAMS["tokenizer"])("预热")
    m = Matcher(**{**DEFAULT_PARAMS, "n_jobs": 2}).fit(iter_synthetic_corpus(n))
    # Needs: listings of their own (another seed), on the corpus's topics.
    needs = list(iter_synthetic_corpus(n_queries, seed=0, start=n, n_topics_docs=n))
    out: dict[str, Any] = {"docs": n, "queries": n_queries, "max_terms": max_terms}
    t0 = time.perf_counter()
    res = m.query_many(needs, k=10, n_jobs=2, max_terms=max_terms)
    s = time.perf_counter() - t0
    out["query_many_ms_per_query"] = round(s / n_queries * 1000, 3)
    out["extrapolated_full_s"] = round(s / n_queries * n, 1)
    exact = m.query_many(needs[:200], k=10) if max_terms else res[:200]
    out["top10_overlap_with_exact"] = round(float(np.mean(
        [len({h.id for h in a} & {h.id for h in b}) / 10 for a, b in zip(res, exact, strict=False)])),
        3)
    out["rss_mb"] = round(_peak_rss_mb(), 1)
    try:
        from sparse_dot_topn import sp_matmul_topn
    except ImportError:
        out["sparse_dot_topn"] = "skipped: not installed"
        return out
    import scipy.sparse as sp

    vecs = [m._query_terms(d) for d in needs]
    rows = [(t, m._query_weighting.weights(t, tf)) for t, tf in vecs]
    indptr = np.cumsum([0] + [t.size for t, _ in rows])
    q = sp.csr_matrix((np.concatenate([w for _, w in rows]).astype(np.float32),
                       np.concatenate([t for t, _ in rows]).astype(np.int32), indptr),
                      shape=(len(rows), len(m.terms_)))
    post = m._index().postings
    t0 = time.perf_counter()
    sp_matmul_topn(q, post, top_n=10, n_threads=2, sort=True)
    s = time.perf_counter() - t0
    out["sparse_dot_topn_one_pass_ms_per_query"] = round(s / n_queries * 1000, 3)
    return out


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def mode_memory(n: int) -> dict[str, Any]:
    """``innomatch bench``'s figures plus the resident memory once the fit is over."""
    import gc

    from matcher.bench import run_bench

    held: list[Matcher] = []
    original = Matcher.fit

    def keep(self: Matcher, docs: Any) -> Matcher:
        held.append(self)
        return original(self, docs)

    Matcher.fit = keep  # type: ignore[method-assign]
    res: dict[str, Any] = run_bench(n, 1000, n_jobs=2)
    gc.collect()
    res["rss_with_index_mb"] = round(_current_rss_mb(), 1)
    del held[:]
    gc.collect()
    res["rss_without_index_mb"] = round(_current_rss_mb(), 1)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["query", "fit", "rematch", "memory"])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--max-terms", type=int, default=None)
    ap.add_argument("--snapshot", help="query: load this saved index of the corpus (same --docs)"
                    " instead of fitting it")
    args = ap.parse_args(argv)
    if args.mode == "query":
        res = mode_query(args.docs, args.queries, args.snapshot)
    elif args.mode == "memory":
        res = mode_memory(args.docs)
    elif args.mode == "fit":
        res = mode_fit(args.docs)
    else:
        res = mode_rematch(args.docs, args.queries, args.max_terms)
    print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
