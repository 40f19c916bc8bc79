"""The first pass of :meth:`Matcher.query_many` with ``sparse_dot_topn``'s sparse top-n product.

``sparse_dot_topn.sp_matmul_topn`` multiplies a chunk of queries by the term-major postings in
compiled code and keeps only each query's ``n`` best docs, so no dense score row is ever made.
It computes in float32, the index's own precision, where :func:`matcher.scoring.accumulate`
sums float64 products; so its lists are used only to find candidates, and every score that
decides a ranking is computed again exactly, in float64, from the candidates' rows
(:func:`exact_scores`, bit-identical to ``accumulate``). A float32 sum of ``m`` non-negative
products is within a relative ``(m + 2) * 2**-24`` of the exact one (:func:`tolerance`), so
a list decides which docs are certainly above or below a boundary, and the few near it are
settled by their exact scores; where a list is too short to settle one (many ties at the
boundary), :func:`certain_top` says so and the query is ranked by the exact path instead.

With feedback on and ``prf_rerank`` > 0 a single query (:meth:`Matcher.query`) ranks, when the
feedback's postings are long (``Feedback.rescores``), the first pass's ``prf_rerank`` best docs
by the expanded query. :func:`rank_chunk` gives the same answer from one top-n product: the
exact first-pass best docs choose the feedback (``Feedback.expand_terms``, as for a single
query), the exact ``prf_rerank`` best docs are the candidates, rescored exactly from their rows
and cut with :func:`matcher.scoring.top`, whose ties go to the lower slot as for a single query.
Queries it cannot answer this way (an expanded query that scores every doc, or no feedback)
are returned as ``None`` for the caller's exact path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse import _sparsetools
from sparse_dot_topn import unchecked

from .explanation import Explanations, Hit
from .feedback import Feedback, Terms, merged
from .scoring import top
from .segments import IndexView

__all__ = ["EXTRA", "Kernel", "certain_top", "exact_scores", "query_matrix", "rank_chunk",
           "tolerance"]

#: Docs listed past the ``prf_rerank``-th, so that the docs near that boundary can be settled.
EXTRA = 64
#: Unlisted docs a query whose feedback scores every doc may score exactly (see _spread).
RESCORE_MAX = 256


@dataclass(frozen=True, eq=False)
class Kernel:
    """The index as ``sp_matmul_topn`` reads it: the live docs' postings (terms x slots,
    float32), the main segment's and the delta's, and the threads of one product."""

    main: sp.csr_matrix | None
    delta: sp.csr_matrix | None
    threads: int = 1

    @classmethod
    def cached(cls, idx: IndexView, threads: int = 1) -> Kernel:
        """:meth:`of`, made once per view and set of live docs (a nightly rematch calls
        ``query_many`` a chunk of listings at a time against the same index)."""
        key = (int(np.count_nonzero(idx.live[: idx.n])), max(1, int(threads)))
        kernel = idx.kernels.get(key)
        if kernel is None:
            idx.kernels.clear()  # an older state's matrices are not read again
            kernel = idx.kernels[key] = cls.of(idx, threads)
        return kernel

    @classmethod
    def of(cls, idx: IndexView, threads: int = 1) -> Kernel:
        """The kernel's matrices of ``idx`` (the postings themselves when no doc is removed
        and they are writable, else a copy)."""
        live = idx.live[: idx.n]
        main = _live_columns(idx.postings, live[: idx.n_main]) if idx.n_main else None
        delta = None
        if idx.delta is not None:
            delta = _live_columns(sp.csr_matrix(idx.delta.T), live[idx.n_main :])
        return cls(main, delta, max(1, int(threads)))

    def top(self, queries: sp.csr_matrix, n: int) -> list[tuple[NDArray[np.intp],
                                                                 NDArray[np.float64]]]:
        """Each query's (at most) ``n`` best slots with a positive float32 score, best first,
        and those scores."""
        parts = []
        if self.main is not None:
            parts.append((0, self._product(queries, self.main, n)))
        if self.delta is not None:
            parts.append((self.main.shape[1] if self.main is not None else 0,
                          self._product(queries, self.delta, n)))
        out = []
        for i in range(queries.shape[0]):
            slots, vals = [], []
            for base, c in parts:
                a, b = c.indptr[i], c.indptr[i + 1]
                slots.append(c.indices[a:b].astype(np.intp) + base)
                vals.append(c.data[a:b].astype(np.float64))
            s, v = (slots[0], vals[0]) if len(parts) == 1 else _best(slots, vals, n)
            out.append((s, v))
        return out

    def _product(self, queries: sp.csr_matrix, postings: sp.csr_matrix, n: int) -> sp.csr_matrix:
        dtype = postings.indices.dtype
        a = sp.csr_matrix((queries.data.astype(np.float32), queries.indices.astype(dtype),
                           queries.indptr.astype(dtype)), shape=queries.shape)
        n = min(n, postings.shape[1])
        if self.threads > 1:
            return unchecked.sp_matmul_topn_mt(a, postings, n, True, 0.0, self.threads)
        return unchecked.sp_matmul_topn(a, postings, n, True, 0.0, 1.0)


def _live_columns(postings: sp.csr_matrix, live: NDArray[np.bool_]) -> sp.csr_matrix:
    """``postings`` (terms x slots) in the kernel's types, writable, without dead slots'
    entries (kept as columns, so slots keep their numbers)."""
    dtype = postings.indices.dtype
    data = postings.data.astype(np.float32, copy=False)
    indices, indptr = postings.indices, postings.indptr.astype(dtype, copy=False)
    if not (data.flags.writeable and indices.flags.writeable and indptr.flags.writeable):
        # sparse_dot_topn's bindings refuse read-only arrays, and a loaded snapshot maps its
        # arrays read-only (matcher.persistence): a private copy for this process's batches.
        data, indices, indptr = np.array(data), np.array(indices), np.array(indptr)
    if not live.all():
        keep = live[indices]
        kept = np.zeros(keep.size + 1, dtype=dtype)  # entries kept before each position
        np.cumsum(keep, out=kept[1:])
        indptr = kept[indptr]
        data, indices = data[keep], indices[keep]
    return sp.csr_matrix((data, indices, indptr), shape=postings.shape)


def _best(slots: list[NDArray[np.intp]], vals: list[NDArray[np.float64]],
          n: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """The ``n`` best of several lists (best first)."""
    s, v = np.concatenate(slots), np.concatenate(vals)
    order = np.argsort(-v, kind="stable")[:n]
    return s[order], v[order]


def tolerance(n_terms: int) -> float:
    """A bound, with room to spare, on the relative error of the kernel's float32 score of a
    query of ``n_terms`` terms (non-negative weights) against the exact float64 score."""
    return (n_terms + 8) * 2.0**-23


def exact_scores(idx: IndexView, slots: NDArray[np.intp], q: NDArray[np.float64]
                 ) -> NDArray[np.float64]:
    """Scores of ``slots`` for the query whose weights ``q`` holds densely (term id ->
    weight), from their rows: float64 products summed in term order, as
    :func:`matcher.scoring.accumulate` sums them (so the same, bit for bit)."""
    if slots.size == 0:
        return np.zeros(0)
    main = slots < idx.n_main
    if idx.delta is None or main.all():
        return _rows_dot(idx.rows, slots, q)
    out = np.empty(slots.size, dtype=np.float64)
    if main.any():
        out[main] = _rows_dot(idx.rows, slots[main], q)
    out[~main] = _rows_dot(idx.delta, slots[~main] - idx.n_main, q)
    return out


def _rows_dot(m: sp.csr_matrix, rows: NDArray[np.intp], q: NDArray[np.float64]
              ) -> NDArray[np.float64]:
    """``m[rows] @ q``: scipy's own row gather and product, without the checks and the
    matrix of ``m[rows]`` (most of its time for the tens of rows asked here)."""
    ip = m.indptr
    rows = rows.astype(ip.dtype, copy=False)
    lens = ip[rows + 1] - ip[rows]
    sub_ip = np.zeros(rows.size + 1, dtype=ip.dtype)
    np.cumsum(lens, out=sub_ip[1:])
    nnz = int(sub_ip[-1])
    sub_j = np.empty(nnz, dtype=m.indices.dtype)
    sub_x = np.empty(nnz, dtype=m.data.dtype)
    _sparsetools.csr_row_index(rows.size, rows, ip, m.indices, m.data, sub_j, sub_x)
    out = np.zeros(rows.size, dtype=np.float64)
    _sparsetools.csr_matvec(rows.size, m.shape[1], sub_ip, sub_j, sub_x, q, out)
    return out


def certain_top(
    slots: NDArray[np.intp], vals: NDArray[np.float64], listed: int, m: int, eps: float,
    exact: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]] | None:
    """Which of a kernel list's docs are certainly among the ``m`` best by exact score, and
    which are near the boundary and must be settled by their exact scores.

    ``slots``, ``vals``: a list of ``listed`` asked (best first), ``eps`` its
    :func:`tolerance`. Returns (sure, near) masks over the list, or None when the list is too
    short to tell (its last doc is near the boundary: docs beyond it might be too). Docs that
    are neither are certainly not among the ``m`` best, nor is any doc not listed.
    """
    if slots.size <= m:
        if slots.size < listed:
            return np.ones(slots.size, dtype=bool), np.zeros(slots.size, dtype=bool)
        # As many listed as asked, all needed: the next unlisted one may tie the last.
        return None
    b = vals[m - 1]
    lo, hi = b * (1.0 - 3.0 * eps), b * (1.0 + 3.0 * eps)
    if slots.size >= listed and vals[-1] >= lo:
        return None
    sure = vals > hi
    return sure, ~sure & (vals >= lo)


def _settle(
    ranker: _Ranker, slots: NDArray[np.intp],
    masks: tuple[NDArray[np.bool_], NDArray[np.bool_]], m: int, query: Terms,
) -> NDArray[np.intp]:
    """The exact ``m`` best slots (in slot order) given :func:`certain_top`'s masks."""
    sure, near = masks
    chosen = slots[sure]
    if near.any() and chosen.size < m:
        cand = np.sort(slots[near])
        pick = top(ranker.exact(cand, query), m - chosen.size, None, None)
        chosen = np.concatenate([chosen, cand[pick]])
    return np.sort(chosen)


def rank_chunk(
    idx: IndexView, kernel: Kernel, feedback: Feedback, explanations: Explanations, k: int,
    queries: Sequence[Terms], written: Sequence[Terms], self_scores: Sequence[float],
) -> list[list[Hit] | None]:
    """The hits of a chunk of queries through top-n products; None for each query whose
    ranking a list could not settle (the caller's exact path answers it).

    ``queries``: each query's weighted terms; ``written``: its terms and counts as written.
    """
    out: list[list[Hit] | None] = [None] * len(queries)
    if k <= 0:
        return out
    listed = (max(feedback.rerank, feedback.docs, k) if feedback.on else k) + EXTRA
    ranker = _Ranker(idx, explanations, k)
    live_view = idx.live[: idx.n]
    live = None if live_view.all() else live_view.copy()  # as a single query has it
    for i, (slots, vals) in enumerate(kernel.top(query_matrix(idx, queries), listed)):
        tids, qw = queries[i]
        ranker.self_score = self_scores[i]
        if tids.size == 0 or slots.size == 0:
            out[i] = []
            continue
        eps = tolerance(tids.size)
        if not feedback.on:
            out[i] = ranker.best(slots, vals, listed, eps, (tids, qw), written[i], (tids, qw))
            continue
        # The feedback docs: the exact first pass's best, from the docs listed near them.
        fb_masks = certain_top(slots, vals, listed, feedback.docs, eps)
        if fb_masks is None:
            continue
        group = slots[fb_masks[0] | fb_masks[1]]
        first = ranker.scratch(group, ranker.exact(group, (tids, qw)))
        (etids, eqw), again = feedback.expand_terms(idx, first, live, (tids, qw),
                                                    self_scores[i])
        ranker.clear(group)
        if eqw is qw:  # no feedback (the query itself came back): the first pass ranks
            out[i] = ranker.best(slots, vals, listed, eps, (tids, qw), written[i], (tids, qw))
        elif not again:  # the expanded query scores every doc
            out[i] = _spread(ranker, feedback, live, slots, vals, listed, eps, (tids, qw),
                             written[i])
        else:
            # Only the exact first pass's prf_rerank best are rescored, as in a single query.
            c_masks = certain_top(slots, vals, listed, feedback.rerank, eps)
            if c_masks is not None:
                cands = _settle(ranker, slots, c_masks, feedback.rerank, (tids, qw))
                out[i] = ranker.hits(cands, (etids, eqw), written[i], (tids, qw))
    return out


def _spread(
    ranker: _Ranker, feedback: Feedback, live: NDArray[np.bool_] | None,
    slots: NDArray[np.intp], vals: NDArray[np.float64], listed: int, eps: float,
    query: Terms, written: Terms,
) -> list[Hit] | None:
    """Hits of a query whose expanded form scores every doc (feedback without
    ``prf_rerank``), as a single query makes them (``Feedback.expand``, bit for bit), from the
    exact first-pass scores of the listed docs only; None when the list cannot tell.

    ``expand`` adds the feedback's scores of every doc to the first pass's: a listed doc
    gets its exact score, an unlisted one its feedback part alone, to which its first-pass
    score, at most the list's last, adds at most ``a`` times that (``a``: the expanded
    query's scale, at most the least ratio of its weights to the query's). Unlisted docs
    whose bound reaches the ``k``-th hit are scored exactly too (once); where the ``k``-th
    hit then beats every other doc's bound, the hits are the single query's.
    """
    idx, k = ranker.idx, ranker.k
    tids, qw = query
    f_out = vals[-1] * (1.0 + eps) if slots.size >= listed else 0.0
    cands = np.sort(slots)
    for _ in range(2):
        row = ranker.scratch(cands, ranker.exact(cands, query))
        try:
            fb = feedback.feedback_docs(row, live, ranker.self_score)
            scores, ranking = feedback.expand(idx, row, live, tids, qw, fb)
            if scores is row or ranking[2] is None:
                return None
            sel = top(scores[cands], k, None, None)
            kth = float(scores[cands[sel[-1]]]) if len(sel) == k else 0.0
            hits = ranker.explanations.hits(idx, cands[sel].tolist(), scores, ranking, written,
                                            row, ranker.self_score)
        finally:
            ranker.clear(cands)
        etids, eqw = merged(tids, qw, *ranking[2])
        has = qw > 0
        a = float((eqw[np.searchsorted(etids, tids[has])] / qw[has]).min()) * (1.0 + 1e-9)
        scores[cands] = 0.0
        if live is not None:
            scores[~live] = 0.0
        # Unlisted docs that might reach the k-th hit (or, short of k hits, score at all).
        reach = np.flatnonzero(scores + a * f_out >= kth) if kth > 0 or f_out > 0 else (
            np.flatnonzero(scores > 0))
        if reach.size == 0:
            return hits
        if reach.size > RESCORE_MAX:
            return None
        cands = np.union1d(cands, reach)
    return None


def query_matrix(idx: IndexView, queries: Sequence[Terms]) -> sp.csr_matrix:
    """The queries' weights as the rows of a CSR matrix (queries x terms)."""
    indptr = np.zeros(len(queries) + 1, dtype=np.int64)
    np.cumsum([t.size for t, _ in queries], out=indptr[1:])
    return sp.csr_matrix(
        (np.concatenate([w for _, w in queries]), np.concatenate([t for t, _ in queries]),
         indptr), shape=(len(queries), idx.postings.shape[0]))


class _Ranker:
    """Exact scores of a few slots, and hits, for the queries of one chunk (with reusable
    dense buffers: a score row and a query's weights by term id, zero but where in use)."""

    def __init__(self, idx: IndexView, explanations: Explanations, k: int) -> None:
        self.idx, self.explanations, self.k = idx, explanations, k
        self.self_score = 0.0  # the current query's (see Matcher.self_score)
        self._first = np.zeros(idx.n, dtype=np.float64)  # first-pass scores of its hits
        self._row = np.zeros(idx.n, dtype=np.float64)
        self._q = np.zeros(idx.postings.shape[0], dtype=np.float64)

    def exact(self, slots: NDArray[np.intp], query: Terms) -> NDArray[np.float64]:
        tids, w = query
        self._q[tids] = w
        try:
            return exact_scores(self.idx, slots, self._q)
        finally:
            self._q[tids] = 0.0

    def scratch(self, slots: NDArray[np.intp], scores: NDArray[np.float64]
                ) -> NDArray[np.float64]:
        """A score row holding ``scores`` at ``slots`` and 0 elsewhere (until :meth:`clear`)."""
        self._row[slots] = scores
        return self._row

    def clear(self, slots: NDArray[np.intp]) -> None:
        self._row[slots] = 0.0

    def best(self, slots: NDArray[np.intp], vals: NDArray[np.float64], listed: int,
             eps: float, query: Terms, written: Terms, first: Terms) -> list[Hit] | None:
        """Hits of the exact ``k`` best of a kernel list for ``query`` (None: not settled)."""
        masks = certain_top(slots, vals, listed, self.k, eps)
        if masks is None:
            return None
        return self.hits(np.sort(slots[masks[0] | masks[1]]), query, written, first)

    def hits(self, cands: NDArray[np.intp], query: Terms, written: Terms, first: Terms
             ) -> list[Hit]:
        """Hits of the ``k`` best of ``cands`` (in slot order) by ``query``'s exact scores
        (``first``: the first-pass query, whose scores the hits' coverage reads)."""
        scores = self.exact(cands, query)
        sel = top(scores, self.k, None, None)
        best = cands[sel]
        row = self.scratch(best, scores[sel])
        self._first[best] = self.exact(best, first)
        try:
            return self.explanations.hits(self.idx, best.tolist(), row,
                                          (query[0], query[1], None), written, self._first,
                                          self.self_score)
        finally:
            self.clear(best)
            self._first[best] = 0.0

