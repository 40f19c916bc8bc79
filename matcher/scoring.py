"""Scoring a weighted query against the index, and selecting the best slots.

A query's score for a doc is the dot product of its l2-normalised term weights with the doc's
indexed weights. The main segment is scored by reading only the postings of the query's terms
(gathered for one weighted bincount, or a term at a time for long postings: bit-identical),
the delta segment with one sparse matrix-vector product; both add a doc's contributions in
term order, so a doc scores the same in either. :func:`top` selects the best slots, ties
broken by slot so that rankings are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .documents import DocId
from .segments import IndexView

__all__ = ["GATHER_MAX_POSTINGS", "PER_TERM_AVG_POSTINGS", "SAMPLED_TOP_K", "SLICE_TERMS",
           "Where", "accumulate", "accumulate_spans", "candidates", "gather", "norms_of",
           "spans", "top"]

Where = Callable[[DocId], bool] | Mapping[str, Any] | None

#: Queries whose posting lists average more than this many entries add them a term at a
#: time (``np.add.at`` on each list) instead of gathering them all for one bincount: each
#: term then costs ~2 us of call overhead but each posting less (at 100k synthetic
#: listings 0.091 against 0.13 ms for a 10-term query over 33k postings, 2.3 against
#: 4.7 ms for a listing as query over 950k; at 12k abstracts a 42-term expanded query
#: over 3.6k postings takes 32 us gathered, 127 us term by term).
PER_TERM_AVG_POSTINGS = 1500
#: Up to this many terms, the postings are gathered by joining slices.
SLICE_TERMS = 16
#: ... and so do all queries with more postings than this, whatever their average, so
#: that one query's gathered temporaries stay under ~170 MB.
GATHER_MAX_POSTINGS = 1 << 22
#: Top-k selections up to this k bound the k-th score from a sample (see :func:`top`).
SAMPLED_TOP_K = 64


def spans(idx: IndexView, tids: NDArray[np.intp]) -> tuple[NDArray[np.intp], NDArray[np.intp], int]:
    """Where the postings of ``tids`` start, their lengths and their total length."""
    indptr = idx.postings.indptr
    starts = indptr[tids]
    lens = indptr[tids + 1] - starts
    return starts, lens, int(lens.sum())


def accumulate(
    idx: IndexView, tids: NDArray[np.intp], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Scores of all slots of the query ``(tids, weights)`` (sorted term ids)."""
    return accumulate_spans(idx, tids, weights, *spans(idx, tids))


def accumulate_spans(
    idx: IndexView, tids: NDArray[np.intp], weights: NDArray[np.float64],
    starts: NDArray[np.intp], lens: NDArray[np.intp], total: int,
) -> NDArray[np.float64]:
    """:func:`accumulate` given the :func:`spans` of ``tids``."""
    p = idx.postings
    indices, data = p.indices, p.data
    # One bincount over the gathered postings: faster than a loop of slice-adds even for
    # two or three terms (~10 against ~30 us for a 10-term title at 12k docs), and every
    # product is taken in float64, as in the delta segment's matrix-vector product.
    if total <= min(GATHER_MAX_POSTINGS, PER_TERM_AVG_POSTINGS * tids.size):
        if tids.size <= SLICE_TERMS:
            # Joining a few slices costs fewer numpy calls than computing their positions.
            pairs = list(zip(starts.tolist(), (starts + lens).tolist(), strict=True))
            docs = np.concatenate([indices[a:b] for a, b in pairs])
            vals = np.concatenate([data[a:b] for a, b in pairs])
        else:
            pos = np.arange(total) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
            docs, vals = indices[pos], data[pos]
        # Weighted bincounts are float64.
        scores = cast("NDArray[np.float64]", np.bincount(
            docs, weights=vals * np.repeat(weights, lens), minlength=idx.n))
    else:
        scores = _accumulate_per_term(idx.n, indices, data, starts, lens, weights)
    if idx.delta is not None:
        q = np.zeros(idx.delta.shape[1], dtype=np.float64)
        q[tids] = weights
        scores[idx.n_main :] = idx.delta @ q
    return scores


def _accumulate_per_term(
    n: int, indices: NDArray[np.int32], data: NDArray[np.float32],
    starts: NDArray[np.intp], lens: NDArray[np.intp], weights: NDArray[np.float64],
) -> NDArray[np.float64]:
    """:func:`accumulate`'s main-segment scores, a term at a time, bit-identical:
    ``np.add.at`` adds the float64 products in the order the one bincount would."""
    scores = np.zeros(n, dtype=np.float64)
    for a, size, w in zip(starts.tolist(), lens.tolist(), weights.tolist(), strict=True):
        np.add.at(scores, indices[a : a + size], data[a : a + size].astype(np.float64) * w)
    return scores


def _allowed(idx: IndexView, where: Where) -> Callable[[int], bool] | NDArray[np.bool_] | None:
    """``where`` as a predicate on slots, a mask over the view's slots, or None (all)."""
    if where is None:
        return None
    if callable(where):
        ids = idx.ids
        fn = where
        return lambda slot: bool(fn(ids[slot]))
    if isinstance(where, Mapping):
        unknown = set(where) - {"field"}
        if unknown:
            raise ValueError(f"where filters only on 'field', not {sorted(unknown)}")
        want = where["field"]
        wanted = frozenset([want] if isinstance(want, str) or want is None else want)
        mask = idx.masks.get(wanted)
        if mask is None:
            codes = [idx.field_codes[f] for f in wanted if f in idx.field_codes]
            mask = np.isin(idx.codes[: idx.n], np.asarray(codes, dtype=np.int32))
            if len(idx.masks) < 64:
                idx.masks[wanted] = mask
        return mask
    raise TypeError("where must be a callable on the doc id, a {'field': ...} dict or None")


def candidates(
    idx: IndexView, where: Where, exclude: Collection[DocId]
) -> tuple[NDArray[np.bool_] | None, NDArray[np.bool_] | None, Callable[[int], bool] | None]:
    """(live, mask, pred) of a query: the live slots (None: all), the slots it may return
    (None: all) and a predicate they must also pass (None: none)."""
    allowed = _allowed(idx, where)
    live_view = idx.live[: idx.n]
    # None: every slot is live (the usual case), so no mask need be applied.
    live = None if live_view.all() else live_view.copy()
    mask = live
    if isinstance(allowed, np.ndarray) or exclude:
        mask = live_view.copy()
        if isinstance(allowed, np.ndarray):
            mask &= allowed
        for doc_id in exclude:
            slot = idx.slot.get(doc_id)
            if slot is not None and slot < idx.n:
                mask[slot] = False
    pred = allowed if callable(allowed) else None
    return live, mask, pred


def top(
    scores: NDArray[np.float64],
    k: int,
    mask: NDArray[np.bool_] | None,
    pred: Callable[[int], bool] | None,
) -> list[int]:
    """Slots of the k best positive scores among allowed slots (``mask`` None: all),
    best first."""
    if k <= 0:
        return []
    n = scores.size
    if mask is None and pred is None and k <= SAMPLED_TOP_K and n >= 64 * k:
        # Any k slots bound the k-th best score from below: the k-th best of a strided
        # sample of sqrt(n * k) slots keeps about as many candidates, all ties included,
        # for the sort, so both the selection and the sort stay small (at 12k docs ~250
        # of each, against a pass for the positive scores and a sort of a sixteenth).
        stride = max(1, int(math.sqrt(n / k)))
        sample = scores[::stride]
        bound = np.partition(sample, sample.size - k)[sample.size - k]
        if bound > 0:
            cand = np.flatnonzero(scores >= bound)
            s = scores[cand]
            if cand.size > 4 * k:
                # Only the k best and their ties go to the sort.
                keep = s >= np.partition(s, cand.size - k)[cand.size - k]
                cand, s = cand[keep], s[keep]
            # A stable sort of the descending scores keeps ties in slot order.
            best_first: list[int] = cand[np.argsort(-s, kind="stable")[:k]].tolist()
            return best_first
    cand = np.flatnonzero(scores > 0 if mask is None else (scores > 0) & mask)
    if cand.size == 0:
        return []
    s = scores[cand]
    # Ties are broken by slot (index order) so rankings are reproducible.
    if pred is None:
        if cand.size > k:
            if k <= SAMPLED_TOP_K and cand.size > 16 * k:
                # Any k candidates bound the k-th best score from below: the k-th best
                # of a strided sample keeps about 1/16 of them, all ties included, for
                # the sort. Cheaper than argpartition over all (~5 against ~16-27 us at
                # 12k docs), and ties at the k-th place go to the lowest slots.
                sample = s[:: cand.size // (16 * k)]
                bound = np.partition(sample, sample.size - k)[sample.size - k]
                keep = s >= bound
                cand, s = cand[keep], s[keep]
            else:
                # All candidates tied with the k-th best, so that the slot decides.
                kth = s[np.argpartition(-s, k - 1)[k - 1]]
                keep = s >= kth
                cand, s = cand[keep], s[keep]
        best: list[int] = cand[np.argsort(-s, kind="stable")[:k]].tolist()
        return best
    order = np.argsort(-s, kind="stable")
    out: list[int] = []
    for slot in cand[order].tolist():
        if pred(slot):
            out.append(slot)
            if len(out) == k:
                break
    return out


def gather(
    idx: IndexView, slots: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.int32], NDArray[np.float64]]:
    """(owner, term, weight) of every stored entry of the rows of ``slots``.

    ``owner`` is the position in ``slots``; an owner's entries come in term order.
    """
    if idx.delta is None:
        return _gather_main(idx.rows, slots)
    in_main = slots < idx.n_main
    if in_main.all():
        return _gather_main(idx.rows, slots)
    o1, t1, v1 = _gather_rows(idx.rows, slots[in_main], np.flatnonzero(in_main))
    o2, t2, v2 = _gather_rows(
        idx.delta, slots[~in_main] - idx.n_main, np.flatnonzero(~in_main)
    )
    return np.concatenate([o1, o2]), np.concatenate([t1, t2]), np.concatenate([v1, v2])


def _gather_rows(
    r: sp.csr_matrix, rows: NDArray[np.intp], owners: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.int32], NDArray[np.float64]]:
    starts, ends = r.indptr[rows], r.indptr[rows + 1]
    lens = ends - starts
    pos = np.arange(int(lens.sum())) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
    return np.repeat(owners, lens), r.indices[pos], r.data[pos]


def _gather_main(
    r: sp.csr_matrix, rows: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.int32], NDArray[np.float64]]:
    """:func:`_gather_rows` of a few rows, owners 0, 1, ...: slices joined (fewer numpy calls
    than the vectorised gather for the 5-10 rows of feedback and hits)."""
    ip = r.indptr
    starts = ip[rows].tolist()
    ends = ip[rows + 1].tolist()
    ind, dat = r.indices, r.data
    lens = [b - a for a, b in zip(starts, ends, strict=True)]
    return (np.repeat(np.arange(len(lens)), lens),
            np.concatenate([ind[a:b] for a, b in zip(starts, ends, strict=True)]),
            np.concatenate([dat[a:b] for a, b in zip(starts, ends, strict=True)]))


def norms_of(
    idx: IndexView, slots: NDArray[np.intp], owner: NDArray[np.intp],
    vals: NDArray[np.float64],
) -> NDArray[np.float64]:
    """l2 norms of the rows of ``slots`` (gathered as ``owner``, ``vals``), a fresh array."""
    if idx.delta is None or (slots < idx.n_main).all():
        out: NDArray[np.float64] = idx.norms[slots]
        return out
    return np.sqrt(np.bincount(owner, weights=vals * vals, minlength=slots.size))
