"""Batch scoring (:meth:`Matcher.query_many`): many queries a chunk at a time.

A chunk's first pass is one ``sparse_dot_topn`` top-n product (:mod:`matcher.topn`): only
each query's best docs are kept, the feedback and the rescoring of the candidates follow the
rules of a single query, and scores are made exact where they decide a ranking. The queries
it leaves (feedback that scores every doc, no feedback, ties it cannot settle) take the exact
path: one scipy sparse product per chunk (first pass and, with feedback, second pass), so only
a chunk's dense scores are ever held (about :data:`BATCH_CELLS` cells). Either way the
feedback and the hits follow :mod:`matcher.feedback` and :mod:`matcher.explanation`, so that
``query_many`` ranks as ``query`` does.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .explanation import Explanations, Hit
from .feedback import Feedback, Terms
from .scoring import accumulate, top
from .segments import IndexView
from .topn import Kernel, rank_chunk
from .weighting import QueryWeighting

__all__ = ["BATCH_CELLS", "BatchJob", "chunk_size", "query_many"]

#: Score entries held per chunk of :func:`query_many` (a chunk's dense score rows).
BATCH_CELLS = 8_000_000


@dataclass(frozen=True, eq=False)
class BatchJob:
    """What every chunk of one :func:`query_many` reads: the index view, how queries are
    weighted, expanded and explained, ``k`` and ``max_terms``."""

    idx: IndexView
    weighting: QueryWeighting
    feedback: Feedback
    explanations: Explanations
    k: int
    max_terms: int | None
    kernel: Kernel | None = None


def chunk_size(idx: IndexView) -> int:
    """Queries per chunk by default: about :data:`BATCH_CELLS` scores, at most 512 rows."""
    return max(1, min(512, BATCH_CELLS // max(idx.n, 1)))


# The job of forked query_many workers (inherited, never pickled).
_BATCH: dict[str, Any] = {}


def _batch_in_worker(span: tuple[int, int]) -> list[list[Hit]]:
    job, vecs = _BATCH["job"]
    a, b = span
    return score_chunk(job, vecs[a:b])


def query_many(
    job: BatchJob, vecs: Sequence[Terms], chunk: int, n_jobs: int = 1
) -> list[list[Hit]]:
    """Top-``job.k`` hits of each query ``(term ids, counts)`` of ``vecs``, ``chunk`` queries
    at a time; ``n_jobs`` > 1 scores chunks in forked worker processes (where the platform
    has ``fork``)."""
    spans = [(i, min(i + chunk, len(vecs))) for i in range(0, len(vecs), chunk)]
    if job.kernel is None and job.max_terms is None and job.k > 0:
        # Made once, before any fork, so that workers share it.
        job = dataclasses.replace(job, kernel=Kernel.cached(job.idx))
    if n_jobs > 1 and len(spans) > 1 and "fork" in multiprocessing.get_all_start_methods():
        _BATCH["job"] = (job, vecs)
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(n_jobs) as pool:
                parts = pool.map(_batch_in_worker, spans, chunksize=1)
        finally:
            _BATCH.clear()
        return [hits for part in parts for hits in part]
    out: list[list[Hit]] = []
    for a, b in spans:
        out.extend(score_chunk(job, vecs[a:b]))
    return out


def score_chunk(job: BatchJob, vecs: Sequence[Terms]) -> list[list[Hit]]:
    """One chunk of :func:`query_many`: the top-n product where it answers, the exact path
    for the queries it leaves."""
    qws = [job.weighting.weights(t, tf) if t.size else tf for t, tf in vecs]
    first = [_first_terms(job, t, qw) for (t, _), qw in zip(vecs, qws, strict=True)]
    self_scores = [job.explanations.weighting.self_score(t, tf, qw)
                   for (t, tf), qw in zip(vecs, qws, strict=True)]
    terms: list[Terms] = list(zip([t for t, _ in vecs], qws, strict=True))
    if job.kernel is None:
        return exact_chunk(job, vecs, first, terms, self_scores)
    fast = rank_chunk(job.idx, job.kernel, job.feedback, job.explanations, job.k, terms, vecs,
                      self_scores)
    left = [i for i, hits in enumerate(fast) if hits is None]
    if left:
        rest = exact_chunk(job, [vecs[i] for i in left], [first[i] for i in left],
                           [terms[i] for i in left], [self_scores[i] for i in left])
        for i, hits in zip(left, rest, strict=True):
            fast[i] = hits
    return [hits or [] for hits in fast]


def _first_terms(job: BatchJob, tids: NDArray[np.intp], qw: NDArray[np.float64]) -> Terms:
    """A query's first-pass terms: its ``max_terms`` heaviest (query weight x idf) or all."""
    max_terms = job.max_terms
    if max_terms is not None and tids.size > max_terms:
        heaviest = np.argpartition(-(qw * job.weighting.idf[tids]), max_terms - 1)
        keep = np.sort(heaviest[:max_terms])
        return tids[keep], qw[keep]
    return tids, qw


def exact_chunk(job: BatchJob, vecs: Sequence[Terms], first: Sequence[Terms],
                terms: Sequence[Terms], self_scores: Sequence[float]) -> list[list[Hit]]:
    """Queries scored over every doc with scipy products (first pass and, with feedback,
    second pass): ``vecs`` as written, ``first`` their first-pass terms, ``terms`` their
    weighted terms."""
    if not vecs:
        return []
    idx, k, feedback = job.idx, job.k, job.feedback
    live = idx.live[: idx.n].copy()
    scores = first_scores = batch_scores(idx, first)
    terms = list(terms)
    if feedback.on:
        expanded = [feedback.expand_terms(idx, scores[i], live, query, self_scores[i])
                    for i, query in enumerate(terms)]
        terms = [t for t, _ in expanded]
        if any(again for _, again in expanded):
            scores = np.stack([
                feedback.rescore(idx, scores[i], live, query) if again else accumulate(idx, *query)
                for i, (query, again) in enumerate(expanded)])
        else:
            scores = batch_scores(idx, terms)
    out: list[list[Hit]] = []
    for i, ((tids, tf), (etids, eqw)) in enumerate(zip(vecs, terms, strict=True)):
        if tids.size == 0 or k <= 0:
            out.append([])
            continue
        slots = top(scores[i], k, live, None)
        out.append(job.explanations.hits(idx, slots, scores[i], (etids, eqw, None), (tids, tf),
                                         first_scores[i], self_scores[i]))
    return out


def batch_scores(idx: IndexView, vecs: Sequence[Terms]) -> NDArray[np.float64]:
    """Dense scores (queries x slots) of weighted query terms: one sparse product."""
    n_terms = idx.postings.shape[0]
    indptr = np.zeros(len(vecs) + 1, dtype=np.int64)
    np.cumsum([t.size for t, _ in vecs], out=indptr[1:])
    q = sp.csr_matrix(
        (np.concatenate([w for _, w in vecs]) if vecs else np.empty(0),
         np.concatenate([t for t, _ in vecs]).astype(np.int32) if vecs
         else np.empty(0, dtype=np.int32), indptr),
        shape=(len(vecs), n_terms),
    )
    scores = np.zeros((len(vecs), idx.n), dtype=np.float64)
    if idx.n_main:
        scores[:, : idx.n_main] = (q @ idx.postings).toarray()
    if idx.delta is not None:
        scores[:, idx.n_main :] = (q @ idx.delta.T).toarray()
    return scores
